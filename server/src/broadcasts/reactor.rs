//! How the server reacts to the media engine: rooms go live and offline, recordings are written,
//! the live view and the restream destinations' reports are kept current, and every event is
//! re-broadcast (tests and later features listen to it).
//!
//! The in-memory view is updated first; the database writes of each stream then go through
//! [`OrderedWrites`]: in order per stream, and retried while the database is away, so that a
//! broadcast's recording row is complete once it is back. The media engine never waits for the
//! database.

use super::live_view::LiveStreams;
use super::nodes::NodeRegistry;
use super::recovery;
use super::restream::Restreams;
use super::stream_rooms::{RoomGrant, StreamRooms};
use crate::chat::protocol::ServerFrame;
use crate::chat::ChatService;
use crate::db::retry::{OrderedWrites, RetryPolicy};
use crate::db::Db;
use crate::models::recording::{Recording, RecordingOutcome, RecordingStatus};
use crate::models::{new_id, now_ms};
use crate::object_storage::ObjectStorage;
use engine::events::{ArchiveSummary, StreamStats};
use engine::EndReason;
use engine::StreamEvent;
use media::StreamId;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tracing::{error, info, warn};

/// How long the last database writes may take at shutdown (within the 10 s the server gives the
/// reactor); what is left is repaired by the crash recovery of the next start.
const WRITES_GRACE_AT_SHUTDOWN: Duration = Duration::from_secs(8);

/// Everything the reactor needs.
pub struct Reactor {
    pub db: Db,
    /// The database writes of streams: ordered per stream, retried through outages.
    pub writes: OrderedWrites,
    pub rooms: StreamRooms,
    /// Ends streams that started after their right to broadcast was taken away.
    pub ingest: ingest::IngestHandle,
    pub live: LiveStreams,
    pub broadcast: broadcast::Sender<StreamEvent>,
    /// Where the streams' HLS output and archives are.
    pub layout: hls::OutputLayout,
    pub retain_ended: Duration,
    /// Rooms' chats, told when their stream goes live or ends.
    pub chat: Arc<ChatService>,
    /// With several nodes: the registry every node reads this node's streams from.
    pub registry: Option<Arc<dyn NodeRegistry>>,
    /// With `storage.s3`: told when a recording is finished, to upload it.
    pub objects: Option<Arc<ObjectStorage>>,
    /// Rooms' restream destination lists, and their live streams' reports of them.
    pub restreams: Option<Restreams>,
}

impl Reactor {
    /// A reactor on `settings` (its retry policy and how long ended streams stay served).
    pub fn new(
        settings: &crate::configuration::Settings,
        db: Db,
        rooms: StreamRooms,
        ingest: ingest::IngestHandle,
        live: LiveStreams,
        layout: hls::OutputLayout,
        chat: Arc<ChatService>,
    ) -> Self {
        Self {
            writes: OrderedWrites::new(
                db.clone(),
                RetryPolicy::for_minutes(settings.database.write_retry_minutes),
            ),
            db,
            rooms,
            ingest,
            live,
            broadcast: broadcast::channel(1024).0,
            layout,
            retain_ended: Duration::from_secs(settings.hls.retain_ended_seconds),
            chat,
            registry: None,
            objects: None,
            restreams: None,
        }
    }

    /// The same reactor, keeping `restreams` current: destinations' reports, streams that end.
    pub fn with_restreams(mut self, restreams: Restreams) -> Self {
        self.restreams = Some(restreams);
        self
    }

    /// The same reactor, having finished recordings uploaded to `objects`.
    pub fn with_objects(mut self, objects: Option<Arc<ObjectStorage>>) -> Self {
        self.objects = objects;
        self
    }

    /// The same reactor, reporting this node's streams to `registry` (several nodes).
    pub fn with_registry(mut self, registry: Option<Arc<dyn NodeRegistry>>) -> Self {
        self.registry = registry;
        self
    }

    /// Applies events until the engine's sender is dropped.
    pub async fn run(self, mut events: mpsc::Receiver<StreamEvent>) {
        while let Some(event) = events.recv().await {
            self.apply(&event).await;
            let _ = self.broadcast.send(event);
        }
        let left = self.writes.finish(WRITES_GRACE_AT_SHUTDOWN).await;
        if left > 0 {
            warn!(
                writes = left,
                "stopped with database writes not applied; the next start's recovery repairs their recordings"
            );
        }
    }

    async fn apply(&self, event: &StreamEvent) {
        self.react(event).await;
        self.measure(event);
    }

    async fn react(&self, event: &StreamEvent) {
        match event {
            StreamEvent::Started { stream_id, .. } => {
                self.on_started(event, stream_id).await;
                if let Some(registry) = &self.registry {
                    registry.started(stream_id);
                }
            }
            StreamEvent::Ended {
                stream_id,
                reason,
                archive,
            } => {
                self.live.apply(event, None);
                let room = self.rooms.get(stream_id).map(|g| g.room_id);
                self.on_ended(stream_id, reason, archive).await;
                self.registry_ended(stream_id, room);
                self.restream_ended(stream_id);
            }
            StreamEvent::Abandoned { stream_id, reason } => {
                info!(stream = %stream_id, ?reason, "publisher left before its stream started");
                let room = self.rooms.remove(stream_id).map(|g| g.room_id);
                self.registry_ended(stream_id, room);
                self.restream_ended(stream_id);
            }
            StreamEvent::Stats { stream_id, stats } => {
                self.on_stats(stream_id, stats);
                if let Some(restreams) = &self.restreams {
                    restreams.report(stream_id, &stats.destinations);
                }
                self.live.apply(event, None);
                self.registry_changed(stream_id);
            }
            StreamEvent::Playable { stream_id, .. } => {
                self.live.apply(event, None);
                self.announce(stream_id, true);
                self.registry_changed(stream_id);
            }
        }
    }

    /// `/metrics`: each stream's ingest and encode figures.
    fn measure(&self, event: &StreamEvent) {
        use crate::telemetry::names;
        let StreamEvent::Stats { stream_id, stats } = event else {
            return;
        };
        let stream = stream_id.to_string();
        metrics::gauge!(names::INGEST_KBPS, "stream" => stream.clone()).set(stats.input_kbps);
        metrics::gauge!(names::INGEST_FPS, "stream" => stream.clone()).set(stats.input_fps);
        for r in &stats.renditions {
            metrics::gauge!(names::ENCODE_SPEED, "stream" => stream.clone(), "rendition" => r.name.clone())
                .set(r.speed);
        }
        if stats.destinations.is_empty() {
            return;
        }
        let room = self
            .rooms
            .get(stream_id)
            .map(|g| g.room_id)
            .unwrap_or_default();
        measure_restream(&room, &stats.destinations);
    }

    /// A stream ended or never started: its room's destination list goes with the room's last
    /// stream on this node.
    fn restream_ended(&self, stream_id: &StreamId) {
        if let Some(restreams) = &self.restreams {
            restreams.detach(stream_id);
        }
    }

    fn registry_changed(&self, stream_id: &StreamId) {
        if let Some(registry) = &self.registry {
            registry.changed(stream_id);
        }
    }

    /// The stream is gone from the registry, and its room too unless another publisher of it is
    /// still on this node (one taking over).
    fn registry_ended(&self, stream_id: &StreamId, room: Option<String>) {
        if let Some(registry) = &self.registry {
            let release = room.filter(|room| !self.rooms.has_room(room));
            registry.ended(stream_id, release);
        }
    }

    /// A room's stream started: it shows in the live view, gets its recording row, and its room
    /// goes live unless its right to broadcast was taken away since the grant.
    async fn on_started(&self, event: &StreamEvent, stream_id: &StreamId) {
        let grant = self.rooms.get(stream_id);
        self.live
            .apply(event, grant.as_ref().map(|g| g.room_id.clone()));
        let Some(grant) = grant else { return };
        let recording = Recording {
            id: new_id(),
            room_id: grant.room_id.clone(),
            stream_id: stream_id.to_string(),
            started_at: now_ms(),
            ended_at: None,
            duration_ms: None,
            bytes: None,
            status: RecordingStatus::Recording,
            archive_path: hls::OutputLayout::archive_name(stream_id),
            end_reason: None,
            object_key: None,
            vod: false,
            stored_bytes: None,
        };
        let key_hash = grant.key_hash.clone();
        let (ingest, stream) = (self.ingest.clone(), stream_id.clone());
        self.writes
            .write_then(
                stream_id.as_str(),
                "record the stream start",
                move |conn| Ok(Recording::begin(conn, &recording, &key_hash)?),
                move |went_live| {
                    if !went_live {
                        // Revoked between the grant and now (room deleted, key regenerated,
                        // owner disabled or demoted): the room never shows live and the stream
                        // ends.
                        warn!(stream = %stream, room = %grant.room_id, "the right to broadcast was taken away before the stream started; ending it");
                        ingest.revoke(&stream);
                    }
                },
            )
            .await;
    }

    /// A stream ended: its HLS output is removed later, its room goes offline and its recording
    /// says how it went (or, for an archive not finalized in time, is repaired first).
    async fn on_ended(&self, stream_id: &StreamId, reason: &EndReason, archive: &ArchiveSummary) {
        if reason.is_error() {
            warn!(stream = %stream_id, ?reason, archive = %archive.path.display(), "stream ended with an error");
        } else {
            info!(stream = %stream_id, ?reason, archive = %archive.path.display(), duration = ?archive.duration, "stream ended");
        }
        self.schedule_hls_cleanup(stream_id.clone());
        self.announce(stream_id, false);
        let Some(RoomGrant { room_id, .. }) = self.rooms.remove(stream_id) else {
            return;
        };
        let reason = reason.kind().to_owned();
        // An archive that holds media but was not finalized in time is repaired in the
        // background; its row stays `recording` until then, so a restart would repair it.
        let repair = !archive.finalized && archive.bytes > 0;
        let replay_bytes = match &archive.vod {
            Some(vod) => crate::storage::dir_bytes(vod.dir.clone()).await,
            None => 0,
        };
        let outcome = (!repair).then(|| RecordingOutcome {
            status: if archive.finalized && archive.bytes > 0 {
                RecordingStatus::Complete
            } else {
                RecordingStatus::Failed
            },
            ended_at: now_ms(),
            duration_ms: archive.duration.as_millis() as i64,
            bytes: archive.bytes as i64,
            stored_bytes: (archive.bytes + replay_bytes) as i64,
            end_reason: reason.clone(),
        });
        let id = stream_id.to_string();
        let vod = archive.vod.is_some();
        let objects = self.objects.clone();
        let (db, dir, stream) = (
            self.db.clone(),
            self.layout.recordings_dir(),
            stream_id.clone(),
        );
        self.writes
            .write_then(
                stream_id.as_str(),
                "record the stream end",
                move |conn| Ok(Recording::end(conn, &id, &room_id, outcome.as_ref(), vod)?),
                move |recording| {
                    let Some(recording) = recording.filter(|_| repair) else {
                        if let Some(objects) = &objects {
                            objects.recording_finished();
                        }
                        return;
                    };
                    warn!(stream = %stream, "the archive was not finalized in time; repairing it");
                    tokio::spawn(async move {
                        if let Err(e) = recovery::repair(&db, &dir, recording, &reason).await {
                            error!(error = %e, "could not record a repaired archive");
                        }
                        if let Some(objects) = &objects {
                            objects.recording_finished();
                        }
                    });
                },
            )
            .await;
    }

    /// An admin's signal that a preset is heavier than this machine: one line per report while
    /// a rendition drops frames (reports come every 2 s).
    fn on_stats(&self, stream_id: &StreamId, stats: &StreamStats) {
        for r in stats.renditions.iter().filter(|r| r.dropped_fps > 0.0) {
            warn!(
                stream = %stream_id,
                room = self.rooms.get(stream_id).map(|g| g.room_id).as_deref().unwrap_or("-"),
                rendition = %r.name,
                dropped_fps = r.dropped_fps,
                dropped_frames = r.dropped_frames,
                "rendition drops frames: its room's preset is heavier than this machine can transcode"
            );
        }
    }

    /// Tells the chat of the stream's room (if it has one) that the stream is playable or over.
    fn announce(&self, stream_id: &StreamId, live: bool) {
        if let Some(grant) = self.rooms.get(stream_id) {
            self.chat
                .hub
                .publish(&grant.room_id, &ServerFrame::StreamStatus { live });
        }
    }

    fn schedule_hls_cleanup(&self, stream_id: media::StreamId) {
        let dir = self.layout.hls_dir(&stream_id);
        let live = self.live.clone();
        let retain = self.retain_ended;
        tokio::spawn(async move {
            tokio::time::sleep(retain).await;
            if !live.contains(&stream_id) {
                live.forget_hls(&stream_id);
                let _ = tokio::fs::remove_dir_all(&dir).await;
            }
        });
    }
}

/// `/metrics`: each restream destination's bytes and whether it takes the stream, by room and
/// destination id.
fn measure_restream(room: &str, destinations: &[engine::restream::DestinationStats]) {
    use crate::telemetry::names;
    for d in destinations {
        let labels = [("room", room.to_owned()), ("destination", d.id.clone())];
        metrics::gauge!(names::RESTREAM_BYTES_SENT, &labels).set(d.bytes_sent as f64);
        let live = d.state == engine::restream::DestinationState::Live;
        metrics::gauge!(names::RESTREAM_LIVE, &labels).set(if live { 1.0 } else { 0.0 });
    }
}

#[cfg(test)]
mod tests {
    use engine::restream::{DestinationState, DestinationStats};

    #[test]
    fn each_destination_has_its_gauges() {
        let Some(handle) = crate::telemetry::metrics() else {
            panic!("the metrics recorder installs");
        };
        let report = |id: &str, state, bytes_sent| DestinationStats {
            id: id.into(),
            state,
            last_error: None,
            bytes_sent,
        };
        super::measure_restream(
            "room-m1",
            &[
                report("dest-live", DestinationState::Live, 123_456),
                report("dest-retrying", DestinationState::Retrying, 789),
            ],
        );
        let text = handle.render();
        for line in [
            r#"livestream_restream_bytes_sent{room="room-m1",destination="dest-live"} 123456"#,
            r#"livestream_restream_live{room="room-m1",destination="dest-live"} 1"#,
            r#"livestream_restream_bytes_sent{room="room-m1",destination="dest-retrying"} 789"#,
            r#"livestream_restream_live{room="room-m1",destination="dest-retrying"} 0"#,
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
        }
    }
}
