//! The server's view of what is live, kept current from the media engine's events.

use engine::StreamEvent;
use hls::live::LiveHls;
use media::StreamId;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

/// A live stream as the API shows it. Holds no secret. Other nodes get it through the registry
/// (`cluster::registry`), which is why the media figures are kept as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LiveStream {
    pub id: StreamId,
    /// The room broadcasting, if the stream was published with a room key.
    pub room_id: Option<String>,
    /// Seconds since the Unix epoch.
    pub started_at: u64,
    /// True once every rendition has negotiated and the multivariant playlist exists.
    pub playable: bool,
    /// `media::SourceMedia`.
    pub media: Value,
    /// `media::ladder::PlannedRendition`s.
    pub renditions: Value,
    pub passthrough: bool,
    /// `engine::events::StreamStats`; `null` until the first report.
    pub stats: Value,
}

/// Streams that are live right now, and the HLS output of those that are or just were.
#[derive(Clone, Default)]
pub struct LiveStreams {
    inner: Arc<RwLock<BTreeMap<StreamId, LiveStream>>>,
    /// Served from `Playable` until the reactor forgets it, a while after the stream ended.
    hls: Arc<RwLock<HashMap<StreamId, LiveHls>>>,
}

impl LiveStreams {
    /// Updates the view from one event (`room` names the room of a starting stream).
    pub fn apply(&self, event: &StreamEvent, room: Option<String>) {
        let mut streams = self.inner.write().unwrap_or_else(|p| p.into_inner());
        match event {
            StreamEvent::Started {
                stream_id,
                media,
                renditions,
                passthrough,
                ..
            } => {
                let started_at = SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or_default();
                streams.insert(
                    stream_id.clone(),
                    LiveStream {
                        id: stream_id.clone(),
                        room_id: room,
                        started_at,
                        playable: false,
                        media: serde_json::to_value(media).unwrap_or_default(),
                        renditions: serde_json::to_value(renditions).unwrap_or_default(),
                        passthrough: *passthrough,
                        stats: Value::Null,
                    },
                );
            }
            StreamEvent::Playable { stream_id, hls } => {
                if let Some(s) = streams.get_mut(stream_id) {
                    s.playable = true;
                }
                self.hls
                    .write()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(stream_id.clone(), hls.clone());
            }
            StreamEvent::Stats { stream_id, stats } => {
                if let Some(s) = streams.get_mut(stream_id) {
                    s.stats = serde_json::to_value(stats).unwrap_or_default();
                }
            }
            StreamEvent::Ended { stream_id, .. } => {
                streams.remove(stream_id);
            }
            StreamEvent::Abandoned { .. } => {}
        }
    }

    /// Every live stream, oldest first.
    pub fn list(&self) -> Vec<LiveStream> {
        let streams = self.inner.read().unwrap_or_else(|p| p.into_inner());
        let mut list: Vec<LiveStream> = streams.values().cloned().collect();
        list.sort_by_key(|s| s.started_at);
        list
    }

    /// One live stream.
    pub fn get(&self, id: &StreamId) -> Option<LiveStream> {
        self.inner
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }

    /// A stream's live HLS output, while it is live and for a while after.
    pub fn hls(&self, id: &StreamId) -> Option<LiveHls> {
        self.hls
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }

    /// Stops serving a stream's HLS output.
    pub fn forget_hls(&self, id: &StreamId) {
        self.hls
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }

    /// Whether `id` is live.
    pub fn contains(&self, id: &StreamId) -> bool {
        self.inner
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(id)
    }
}
