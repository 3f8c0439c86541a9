//! Clips: up to a minute of a broadcast, cut from its recording into an MP4 of its own.

use crate::db::schema::clips;
use crate::db::DbConnection;
use diesel::prelude::*;
use serde::Serialize;

/// A row of `clips`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = clips)]
pub struct Clip {
    pub id: String,
    pub room_id: String,
    /// The recording it was cut from (which may since be deleted: the clip is a copy).
    pub recording_id: String,
    pub created_by: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    /// Where it starts in the recording.
    pub start_ms: i64,
    pub duration_ms: i64,
    pub bytes: i64,
    /// Its key in object storage, once stored there (`storage.s3`); otherwise it is
    /// `clips/<id>.mp4` in the data directory.
    pub object_key: Option<String>,
}

/// A clip as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClipView {
    pub id: String,
    pub room_id: String,
    pub recording_id: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    /// Where the clip starts in the recording, in seconds (on a keyframe).
    pub start_seconds: f64,
    pub duration_seconds: f64,
    pub bytes: i64,
    /// The MP4 (H.264 + AAC, index first), played inline with Range support.
    pub playback_url: String,
    /// The same MP4, as a download.
    pub download_url: String,
    /// The clip's own page, with Open Graph tags for link previews.
    pub page_url: String,
}

impl Clip {
    /// The file name of a clip in the data directory's `clips/` (and its key's last part).
    pub fn file_name(&self) -> Option<String> {
        hls::layout::plain_name(&self.id).then(|| format!("{}.mp4", self.id))
    }

    pub fn view(&self) -> ClipView {
        ClipView {
            id: self.id.clone(),
            room_id: self.room_id.clone(),
            recording_id: self.recording_id.clone(),
            created_at: self.created_at,
            start_seconds: self.start_ms as f64 / 1000.0,
            duration_seconds: self.duration_ms as f64 / 1000.0,
            bytes: self.bytes,
            playback_url: format!("/api/clips/{}/file", self.id),
            download_url: format!("/api/clips/{}/file?download=true", self.id),
            page_url: format!("/clips/{}", self.id),
        }
    }

    pub fn insert(conn: &mut DbConnection, clip: &Clip) -> QueryResult<()> {
        diesel::insert_into(clips::table)
            .values(clip.clone())
            .execute(conn)
            .map(|_| ())
    }

    pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Clip>> {
        clips::table
            .find(id)
            .select(Clip::as_select())
            .first(conn)
            .optional()
    }

    /// A room's clips, newest first.
    pub fn list_for_room(conn: &mut DbConnection, room_id: &str) -> QueryResult<Vec<Clip>> {
        clips::table
            .filter(clips::room_id.eq(room_id))
            .order(clips::created_at.desc())
            .select(Clip::as_select())
            .load(conn)
    }

    /// Bytes of the clips `user` cut.
    pub fn bytes_by(conn: &mut DbConnection, user: &str) -> QueryResult<i64> {
        let sizes: Vec<i64> = clips::table
            .filter(clips::created_by.eq(user))
            .select(clips::bytes)
            .load(conn)?;
        Ok(sizes.into_iter().map(|b| b.max(0)).sum())
    }

    /// Clips of `room_id` cut before `before` (milliseconds).
    pub fn created_before(
        conn: &mut DbConnection,
        room_id: &str,
        before: i64,
    ) -> QueryResult<Vec<Clip>> {
        clips::table
            .filter(clips::room_id.eq(room_id))
            .filter(clips::created_at.lt(before))
            .select(Clip::as_select())
            .load(conn)
    }

    pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
        diesel::delete(clips::table.find(id)).execute(conn)
    }
}
