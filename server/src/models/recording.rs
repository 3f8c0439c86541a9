//! Recordings: one row per broadcast, written from the media engine's events.

use super::room::Room;
use crate::db::schema::{recordings, rooms};
use crate::db::DbConnection;
use diesel::prelude::*;
use serde::Serialize;

/// Where a recording is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RecordingStatus {
    Recording,
    Complete,
    Failed,
}

super::stored_as_text!(RecordingStatus, "recording status", {
    Recording = "recording",
    Complete = "complete",
    Failed = "failed",
});

/// How a broadcast's recording ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingOutcome {
    pub status: RecordingStatus,
    /// Milliseconds since the Unix epoch.
    pub ended_at: i64,
    pub duration_ms: i64,
    pub bytes: i64,
    /// The archive and the replay together.
    pub stored_bytes: i64,
    /// The stream's end reason (`EndReason::kind`, or `server_restart` after a crash).
    pub end_reason: String,
}

/// A row of `recordings`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = recordings)]
pub struct Recording {
    pub id: String,
    pub room_id: String,
    pub stream_id: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub duration_ms: Option<i64>,
    pub bytes: Option<i64>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: RecordingStatus,
    /// The archive's file name in the recordings directory (rows from before this was so hold a
    /// full path; only its file name counts).
    pub archive_path: String,
    pub end_reason: Option<String>,
    /// The archive's key in object storage, once it is stored there (`storage.s3`); the VOD's
    /// files are stored beside it ([`crate::object_storage::ObjectStorage::vod_key`]).
    pub object_key: Option<String>,
    /// The broadcast is kept as HLS VOD too (its live segments, playlists, preview and poster).
    pub vod: bool,
    /// Its archive and replay together, in bytes, once finished (what counts against its owner's
    /// `limits.stored_mib_per_user`).
    pub stored_bytes: Option<i64>,
}

/// A recording as the API shows it (never its path on disk).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecordingView {
    pub id: String,
    pub room_id: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub duration_ms: Option<i64>,
    pub bytes: Option<i64>,
    pub status: RecordingStatus,
    pub end_reason: Option<String>,
    /// Streams (with Range support) or downloads the MKV archive.
    pub file_url: String,
    /// What the player loads: the broadcast as HLS VOD (its live ladder, seekable in every
    /// browser). `null` while recording, and for recordings kept as an archive only.
    pub playback_url: Option<String>,
    /// Downloads the MKV archive.
    pub download_url: String,
    /// A frame of the broadcast, as JPEG (`null` when `playback_url` is).
    pub poster_url: Option<String>,
    /// The timeline preview: a WebVTT thumbnails track whose cues point into JPEG sprite sheets
    /// (`sprite-0.jpg#xywh=x,y,w,h`); `null` when `playback_url` is.
    pub thumbnails_vtt_url: Option<String>,
}

impl Recording {
    /// Where the archive is: its file name in `recordings_dir`, wherever the server was started
    /// from and wherever the data directory moved. `None` if the stored name is not a plain one.
    pub fn archive_file(&self, recordings_dir: &std::path::Path) -> Option<std::path::PathBuf> {
        let name = std::path::Path::new(&self.archive_path)
            .file_name()?
            .to_str()?;
        hls::layout::plain_name(name).then(|| recordings_dir.join(name))
    }

    /// Where the recording's VOD is on this node: its folder in `recordings_dir`, if the stream
    /// id is a plain name.
    pub fn vod_dir(&self, recordings_dir: &std::path::Path) -> Option<std::path::PathBuf> {
        hls::layout::plain_name(&self.stream_id).then(|| recordings_dir.join(&self.stream_id))
    }

    pub fn view(&self) -> RecordingView {
        let vod = (self.vod && self.status == RecordingStatus::Complete)
            .then(|| format!("/vod/{}", self.id));
        let vod = vod.as_deref();
        RecordingView {
            id: self.id.clone(),
            room_id: self.room_id.clone(),
            started_at: self.started_at,
            ended_at: self.ended_at,
            duration_ms: self.duration_ms,
            bytes: self.bytes,
            status: self.status,
            end_reason: self.end_reason.clone(),
            file_url: format!("/api/recordings/{}/file", self.id),
            playback_url: vod.map(|v| format!("{v}/{}", hls::layout::MULTIVARIANT_FILE)),
            download_url: format!("/api/recordings/{}/file?download=true", self.id),
            poster_url: vod.map(|v| format!("{v}/{}", hls::layout::POSTER_FILE)),
            thumbnails_vtt_url: vod.map(|v| format!("{v}/{}", hls::layout::THUMBNAILS_VTT_FILE)),
        }
    }

    pub fn insert(conn: &mut DbConnection, recording: &Recording) -> QueryResult<()> {
        diesel::insert_into(recordings::table)
            .values(recording.clone())
            .execute(conn)
            .map(|_| ())
    }

    /// Records a broadcast's start in one transaction: its recording row, kept either way since
    /// the archive is being written, and its room live if the room may still go live with the
    /// key the publisher presented ([`Room::set_live_if_allowed`]). Returns whether it went live.
    pub fn begin(
        conn: &mut DbConnection,
        recording: &Recording,
        key_hash: &str,
    ) -> QueryResult<bool> {
        conn.transaction(|conn| {
            Self::insert(conn, recording)?;
            Room::set_live_if_allowed(conn, &recording.room_id, &recording.stream_id, key_hash)
        })
    }

    /// Records a broadcast's end in one transaction: how its recording went (`None` leaves it
    /// `recording`, for a repair to finish) and its room offline if this stream is still the
    /// room's live one. Returns the recording row.
    pub fn end(
        conn: &mut DbConnection,
        stream_id: &str,
        room_id: &str,
        outcome: Option<&RecordingOutcome>,
        vod: bool,
    ) -> QueryResult<Option<Recording>> {
        conn.transaction(|conn| {
            if let Some(outcome) = outcome {
                Self::finish(conn, stream_id, outcome)?;
            }
            if vod {
                diesel::update(recordings::table.filter(recordings::stream_id.eq(stream_id)))
                    .set(recordings::vod.eq(true))
                    .execute(conn)?;
            }
            Room::set_offline_if(conn, room_id, stream_id)?;
            Self::of_stream(conn, stream_id)
        })
    }

    /// Bytes `owner`'s rooms' recordings take (deleted rooms' too; a recording not finished
    /// yet counts as its archive so far, or nothing).
    pub fn stored_bytes_of_owner(conn: &mut DbConnection, owner: &str) -> QueryResult<i64> {
        let rows: Vec<(Option<i64>, Option<i64>)> = recordings::table
            .inner_join(rooms::table)
            .filter(rooms::owner_id.eq(owner))
            .select((recordings::stored_bytes, recordings::bytes))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(stored, bytes)| stored.or(bytes).unwrap_or(0).max(0))
            .sum())
    }

    /// Finished recordings of `room_id` that ended before `before` (milliseconds).
    pub fn ended_before(
        conn: &mut DbConnection,
        room_id: &str,
        before: i64,
    ) -> QueryResult<Vec<Recording>> {
        recordings::table
            .filter(recordings::room_id.eq(room_id))
            .filter(recordings::ended_at.lt(before))
            .filter(recordings::status.ne(RecordingStatus::Recording.as_str()))
            .select(Recording::as_select())
            .load(conn)
    }

    pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Recording>> {
        recordings::table
            .find(id)
            .select(Recording::as_select())
            .first(conn)
            .optional()
    }

    pub fn list_for_room(conn: &mut DbConnection, room_id: &str) -> QueryResult<Vec<Recording>> {
        recordings::table
            .filter(recordings::room_id.eq(room_id))
            .order(recordings::started_at.desc())
            .select(Recording::as_select())
            .load(conn)
    }

    /// The recording of a stream.
    pub fn of_stream(conn: &mut DbConnection, stream_id: &str) -> QueryResult<Option<Recording>> {
        recordings::table
            .filter(recordings::stream_id.eq(stream_id))
            .select(Recording::as_select())
            .first(conn)
            .optional()
    }

    /// Complete recordings not yet in object storage, oldest first.
    pub fn awaiting_upload(conn: &mut DbConnection) -> QueryResult<Vec<Recording>> {
        recordings::table
            .filter(recordings::status.eq(RecordingStatus::Complete.as_str()))
            .filter(recordings::object_key.is_null())
            .order(recordings::started_at.asc())
            .select(Recording::as_select())
            .load(conn)
    }

    /// Records that the archive is stored in object storage under `key`.
    pub fn stored_at(conn: &mut DbConnection, id: &str, key: &str) -> QueryResult<usize> {
        diesel::update(recordings::table.find(id))
            .set(recordings::object_key.eq(Some(key)))
            .execute(conn)
    }

    pub fn unfinished(conn: &mut DbConnection) -> QueryResult<Vec<Recording>> {
        recordings::table
            .filter(recordings::status.eq(RecordingStatus::Recording.as_str()))
            .select(Recording::as_select())
            .load(conn)
    }

    /// Records how a broadcast ended.
    pub fn finish(
        conn: &mut DbConnection,
        stream_id: &str,
        outcome: &RecordingOutcome,
    ) -> QueryResult<usize> {
        diesel::update(recordings::table.filter(recordings::stream_id.eq(stream_id)))
            .set((
                recordings::status.eq(outcome.status.as_str()),
                recordings::ended_at.eq(Some(outcome.ended_at)),
                recordings::duration_ms.eq(Some(outcome.duration_ms)),
                recordings::bytes.eq(Some(outcome.bytes)),
                recordings::stored_bytes.eq(Some(outcome.stored_bytes)),
                recordings::end_reason.eq(Some(&outcome.end_reason)),
            ))
            .execute(conn)
    }

    pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
        diesel::delete(recordings::table.find(id)).execute(conn)
    }
}
