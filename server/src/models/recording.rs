//! Recordings: one row per broadcast, written from the media engine's events.

use crate::db::schema::recordings;
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

impl RecordingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Recording => "recording",
            Self::Complete => "complete",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "recording" => Self::Recording,
            "complete" => Self::Complete,
            _ => Self::Failed,
        }
    }
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
    pub status: String,
    /// The archive's file name in the recordings directory (rows from before this was so hold a
    /// full path; only its file name counts).
    pub archive_path: String,
    pub end_reason: Option<String>,
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
}

impl Recording {
    pub fn status(&self) -> RecordingStatus {
        RecordingStatus::parse(&self.status)
    }

    /// Where the archive is: its file name in `recordings_dir`, wherever the server was started
    /// from and wherever the data directory moved. `None` if the stored name is not a plain one.
    pub fn archive_file(&self, recordings_dir: &std::path::Path) -> Option<std::path::PathBuf> {
        let name = std::path::Path::new(&self.archive_path)
            .file_name()?
            .to_str()?;
        pipelines::layout::plain_name(name).then(|| recordings_dir.join(name))
    }

    pub fn view(&self) -> RecordingView {
        RecordingView {
            id: self.id.clone(),
            room_id: self.room_id.clone(),
            started_at: self.started_at,
            ended_at: self.ended_at,
            duration_ms: self.duration_ms,
            bytes: self.bytes,
            status: self.status(),
            end_reason: self.end_reason.clone(),
            file_url: format!("/api/recordings/{}/file", self.id),
        }
    }

    pub fn insert(conn: &mut DbConnection, recording: &Recording) -> QueryResult<()> {
        diesel::insert_into(recordings::table)
            .values(recording)
            .execute(conn)
            .map(|_| ())
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
        status: RecordingStatus,
        ended_at: i64,
        duration_ms: i64,
        bytes: i64,
        reason: &str,
    ) -> QueryResult<usize> {
        diesel::update(recordings::table.filter(recordings::stream_id.eq(stream_id)))
            .set((
                recordings::status.eq(status.as_str()),
                recordings::ended_at.eq(Some(ended_at)),
                recordings::duration_ms.eq(Some(duration_ms)),
                recordings::bytes.eq(Some(bytes)),
                recordings::end_reason.eq(Some(reason)),
            ))
            .execute(conn)
    }

    pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
        diesel::delete(recordings::table.find(id)).execute(conn)
    }
}
