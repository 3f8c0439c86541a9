//! Response bodies shared by several endpoints.

use crate::live_streams::LiveStream;
use crate::models::room::Room;
use actix_web::HttpRequest;
use serde::Serialize;

/// A room's current broadcast.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LiveInfo {
    pub stream_id: String,
    /// The multivariant HLS playlist.
    pub playback_url: String,
    pub started_at: u64,
    pub playable: bool,
    #[schema(value_type = Object)]
    pub media: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    pub renditions: serde_json::Value,
    #[schema(value_type = Option<Object>)]
    pub stats: serde_json::Value,
}

/// A room as anyone may see it. The stream key is never part of it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoomView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub owner_id: String,
    pub owner_name: String,
    pub preset_id: String,
    pub chat_enabled: bool,
    pub slow_mode_seconds: i32,
    /// Connections to the room's chat right now.
    pub viewer_count: usize,
    pub created_at: i64,
    /// `null` while offline.
    pub live: Option<LiveInfo>,
}

/// `scheme://host` of the request, for absolute URLs.
pub fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

pub fn playback_url(base: &str, stream_id: &str) -> String {
    format!("{base}/hls/{stream_id}/master.m3u8")
}

impl LiveInfo {
    pub fn from_stream(base: &str, s: &LiveStream) -> Self {
        Self {
            stream_id: s.id.to_string(),
            playback_url: playback_url(base, s.id.as_str()),
            started_at: s.started_at,
            playable: s.playable,
            media: serde_json::to_value(&s.media).unwrap_or_default(),
            renditions: serde_json::to_value(&s.renditions).unwrap_or_default(),
            stats: serde_json::to_value(&s.stats).unwrap_or_default(),
        }
    }
}

impl RoomView {
    pub fn new(
        room: Room,
        owner_name: String,
        live: Option<&LiveStream>,
        base: &str,
        viewer_count: usize,
    ) -> Self {
        Self {
            slow_mode_seconds: room.slow_mode_seconds,
            viewer_count,
            id: room.id,
            title: room.title,
            description: room.description,
            owner_id: room.owner_id,
            owner_name,
            preset_id: room.preset_id,
            chat_enabled: room.chat_enabled,
            created_at: room.created_at,
            live: live.map(|s| LiveInfo::from_stream(base, s)),
        }
    }
}
