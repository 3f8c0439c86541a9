//! Response bodies shared by several endpoints.

use crate::broadcasts::LiveStream;
use crate::chat::latency::ViewerLatency;
use crate::models::room::Room;
use crate::state::AppState;
use actix_web::HttpRequest;
use serde::Serialize;

/// A room's current broadcast.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LiveInfo {
    pub stream_id: String,
    /// The multivariant HLS playlist.
    pub playback_url: String,
    /// A JPEG of the picture, refreshed every `hls.thumbnail_seconds`; it answers 404 until the
    /// first one is written, and always when thumbnails are off.
    pub thumbnail_url: String,
    pub started_at: u64,
    pub playable: bool,
    #[schema(value_type = super::live_figures::SourceMedia)]
    pub media: serde_json::Value,
    /// The encoded renditions (the passthrough is not one of them).
    #[schema(value_type = Vec<super::live_figures::PlannedRendition>)]
    pub renditions: serde_json::Value,
    /// `null` until the first stats interval has passed.
    #[schema(value_type = Option<super::live_figures::StreamStats>)]
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
    /// Replays and clips older than this many days are removed; `null` keeps them.
    pub retention_days: Option<i32>,
    /// Connections to the room's chat right now.
    pub viewer_count: usize,
    /// How far behind the live edge the viewers' players are, from their reports over the
    /// room's chat; `null` while offline or when no player reported in the last 15 s.
    pub viewer_latency: Option<ViewerLatency>,
    /// Where publishers point OBS: `rtmp://HOST:PORT/APP` (the stream key is not part of it).
    pub ingest_url: String,
    /// The SRT ingest, `srt://HOST:PORT`, to which the stream key is given as the stream id
    /// (`?streamid=KEY`); `null` while SRT is off.
    pub srt_ingest_url: Option<String>,
    pub created_at: i64,
    /// `null` while offline.
    pub live: Option<LiveInfo>,
}

/// The absolute URLs a response names, from the host the client used (or, behind a trusted
/// proxy, the one it forwarded).
pub struct Urls {
    /// `scheme://host[:port]` of the request.
    pub base: String,
    /// `rtmp://host:port/app`.
    pub ingest: String,
    /// `srt://host:port`, when SRT is on.
    pub srt: Option<String>,
}

impl Urls {
    pub fn of(req: &HttpRequest, state: &AppState) -> Self {
        let origin = state.proxies.origin(req);
        Self {
            base: format!("{}://{}", origin.scheme, origin.authority),
            ingest: format!(
                "rtmp://{}:{}/{}",
                origin.host, state.ingest.rtmp_port, state.ingest.rtmp_app
            ),
            srt: state
                .ingest
                .srt_port
                .map(|port| format!("srt://{}:{port}", origin.host)),
        }
    }

    /// A file of a stream's HLS output.
    pub fn hls(&self, stream_id: &str, file: &str) -> String {
        format!("{}/hls/{stream_id}/{file}", self.base)
    }
}

impl LiveInfo {
    pub fn from_stream(urls: &Urls, s: &LiveStream) -> Self {
        Self {
            stream_id: s.id.to_string(),
            playback_url: urls.hls(s.id.as_str(), hls::multivariant::MULTIVARIANT_FILE),
            thumbnail_url: urls.hls(s.id.as_str(), engine::pipeline::THUMBNAIL_FILE),
            started_at: s.started_at,
            playable: s.playable,
            media: s.media.clone(),
            renditions: s.renditions.clone(),
            stats: s.stats.clone(),
        }
    }
}

impl RoomView {
    pub fn new(
        room: Room,
        owner_name: String,
        live: Option<&LiveStream>,
        urls: &Urls,
        viewer_count: usize,
        viewer_latency: Option<ViewerLatency>,
    ) -> Self {
        Self {
            slow_mode_seconds: room.slow_mode_seconds,
            retention_days: room.retention_days,
            viewer_count,
            viewer_latency: live.and(viewer_latency),
            ingest_url: urls.ingest.clone(),
            srt_ingest_url: urls.srt.clone(),
            id: room.id,
            title: room.title,
            description: room.description,
            owner_id: room.owner_id,
            owner_name,
            preset_id: room.preset_id,
            chat_enabled: room.chat_enabled,
            created_at: room.created_at,
            live: live.map(|s| LiveInfo::from_stream(urls, s)),
        }
    }
}
