//! Rooms: where a streamer broadcasts, each with its own secret stream key.

use super::user::User;
use crate::db::schema::{rooms, users};
use crate::db::DbConnection;
use diesel::prelude::*;
use rand::distr::{Alphanumeric, SampleString};
use sha2::{Digest, Sha256};

/// A row of `rooms`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rooms)]
pub struct Room {
    pub id: String,
    pub owner_id: String,
    pub title: String,
    pub description: String,
    pub preset_id: String,
    pub chat_enabled: bool,
    pub stream_key_hash: String,
    pub live_stream_id: Option<String>,
    pub live_since: Option<i64>,
    pub created_at: i64,
    pub deleted_at: Option<i64>,
    /// Minimum seconds between two messages of one user in this room's chat (0 = off).
    pub slow_mode_seconds: i32,
    /// Replays and clips older than this many days are removed (`None`: kept).
    pub retention_days: Option<i32>,
}

/// A new stream key: `sk_` and 32 alphanumerics (about 190 random bits). Shown once.
pub fn new_stream_key() -> String {
    format!("sk_{}", Alphanumeric.sample_string(&mut rand::rng(), 32))
}

/// How keys are stored. Keys carry far more entropy than passwords, so a plain SHA-256 is enough
/// and lets the ingest look a key up directly.
pub fn hash_stream_key(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Fields a room update may change.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = rooms)]
pub struct RoomChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub preset_id: Option<String>,
    pub chat_enabled: Option<bool>,
    /// `Some(None)` keeps recordings for ever.
    pub retention_days: Option<Option<i32>>,
}

impl Room {
    /// How many rooms (not deleted) `owner` has.
    pub fn count_of_owner(conn: &mut DbConnection, owner: &str) -> QueryResult<i64> {
        rooms::table
            .filter(rooms::owner_id.eq(owner))
            .filter(rooms::deleted_at.is_null())
            .count()
            .get_result(conn)
    }

    /// Rooms (deleted or not) whose replays and clips expire, with their days.
    pub fn with_retention(conn: &mut DbConnection) -> QueryResult<Vec<(String, i32)>> {
        rooms::table
            .filter(rooms::retention_days.is_not_null())
            .select((rooms::id, rooms::retention_days.assume_not_null()))
            .load(conn)
    }

    pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Room>> {
        rooms::table
            .find(id)
            .filter(rooms::deleted_at.is_null())
            .select(Room::as_select())
            .first(conn)
            .optional()
    }

    /// The room, deleted or not.
    pub fn find_including_deleted(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Room>> {
        rooms::table
            .find(id)
            .select(Room::as_select())
            .first(conn)
            .optional()
    }

    /// A live-able room for a key: not deleted, owner enabled. Returns the room and owner role.
    pub fn find_for_publish(
        conn: &mut DbConnection,
        key_hash: &str,
    ) -> QueryResult<Option<(Room, User)>> {
        rooms::table
            .inner_join(users::table)
            .filter(rooms::stream_key_hash.eq(key_hash))
            .filter(rooms::deleted_at.is_null())
            .select((Room::as_select(), User::as_select()))
            .first(conn)
            .optional()
    }

    /// The room with its owner's username.
    pub fn find_with_owner(
        conn: &mut DbConnection,
        id: &str,
    ) -> QueryResult<Option<(Room, String)>> {
        rooms::table
            .inner_join(users::table)
            .filter(rooms::id.eq(id))
            .filter(rooms::deleted_at.is_null())
            .select((Room::as_select(), users::username))
            .first(conn)
            .optional()
    }

    pub fn insert(conn: &mut DbConnection, room: &Room) -> QueryResult<()> {
        diesel::insert_into(rooms::table)
            .values(room)
            .execute(conn)
            .map(|_| ())
    }

    /// Public listing: live rooms first, then by title; optional search in title and description.
    pub fn search(
        conn: &mut DbConnection,
        query: Option<&str>,
        owner: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> QueryResult<Vec<(Room, String)>> {
        let mut q = rooms::table
            .inner_join(users::table)
            .filter(rooms::deleted_at.is_null())
            .into_boxed();
        if let Some(owner) = owner {
            q = q.filter(rooms::owner_id.eq(owner.to_owned()));
        }
        if let Some(text) = query.filter(|t| !t.trim().is_empty()) {
            let escaped = text
                .trim()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let pattern = format!("%{escaped}%");
            q = q.filter(
                rooms::title
                    .like(pattern.clone())
                    .escape('\\')
                    .or(rooms::description.like(pattern).escape('\\')),
            );
        }
        q.order((
            rooms::live_since.is_null().asc(),
            rooms::title.asc(),
            rooms::id.asc(),
        ))
        .limit(limit)
        .offset(offset)
        .select((Room::as_select(), users::username))
        .load(conn)
    }

    pub fn update(conn: &mut DbConnection, id: &str, changes: &RoomChanges) -> QueryResult<usize> {
        if changes.title.is_none()
            && changes.description.is_none()
            && changes.preset_id.is_none()
            && changes.chat_enabled.is_none()
        {
            return Ok(0);
        }
        diesel::update(rooms::table.find(id))
            .set(changes)
            .execute(conn)
    }

    pub fn set_chat(
        conn: &mut DbConnection,
        id: &str,
        enabled: Option<bool>,
        slow_mode_seconds: Option<i32>,
    ) -> QueryResult<()> {
        if let Some(enabled) = enabled {
            diesel::update(rooms::table.find(id))
                .set(rooms::chat_enabled.eq(enabled))
                .execute(conn)?;
        }
        if let Some(seconds) = slow_mode_seconds {
            diesel::update(rooms::table.find(id))
                .set(rooms::slow_mode_seconds.eq(seconds))
                .execute(conn)?;
        }
        Ok(())
    }

    pub fn set_key_hash(conn: &mut DbConnection, id: &str, hash: &str) -> QueryResult<usize> {
        diesel::update(rooms::table.find(id))
            .set(rooms::stream_key_hash.eq(hash))
            .execute(conn)
    }

    /// Soft delete: recordings keep their room; the key stops working at once. Its restream
    /// destinations, which hold other services' keys, are deleted with it, in one transaction.
    pub fn soft_delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
        conn.transaction(|conn| {
            super::destination::Destination::delete_for_room(conn, id)?;
            diesel::update(rooms::table.find(id))
                .set(rooms::deleted_at.eq(Some(super::now_ms())))
                .execute(conn)
        })
    }

    /// Marks the room live with `stream_id`, only if the publisher may still broadcast there: the
    /// room is not deleted, its key is still the one presented (`key_hash`), and its owner is
    /// enabled and may stream. One statement, so a revocation committed first always wins.
    /// Returns whether the room was marked live.
    pub fn set_live_if_allowed(
        conn: &mut DbConnection,
        id: &str,
        stream_id: &str,
        key_hash: &str,
    ) -> QueryResult<bool> {
        use super::user::Role;
        let allowed_owners = users::table
            .filter(users::disabled.eq(false))
            .filter(users::role.eq_any([Role::Streamer.as_str(), Role::Admin.as_str()]))
            .select(users::id);
        diesel::update(
            rooms::table
                .find(id)
                .filter(rooms::deleted_at.is_null())
                .filter(rooms::stream_key_hash.eq(key_hash))
                .filter(rooms::owner_id.eq_any(allowed_owners)),
        )
        .set((
            rooms::live_stream_id.eq(Some(stream_id)),
            rooms::live_since.eq(Some(super::now_ms())),
        ))
        .execute(conn)
        .map(|n| n > 0)
    }

    /// Marks the room offline only if `stream_id` is still its live stream.
    pub fn set_offline_if(
        conn: &mut DbConnection,
        id: &str,
        stream_id: &str,
    ) -> QueryResult<usize> {
        diesel::update(
            rooms::table
                .find(id)
                .filter(rooms::live_stream_id.eq(stream_id)),
        )
        .set((
            rooms::live_stream_id.eq(None::<String>),
            rooms::live_since.eq(None::<i64>),
        ))
        .execute(conn)
    }

    /// Every room marked live, with its stream: `(room id, stream id)`.
    pub fn live(conn: &mut DbConnection) -> QueryResult<Vec<(String, String)>> {
        rooms::table
            .filter(rooms::live_stream_id.is_not_null())
            .select((rooms::id, rooms::live_stream_id.assume_not_null()))
            .load(conn)
    }

    /// After a restart nothing is live.
    pub fn clear_all_live(conn: &mut DbConnection) -> QueryResult<usize> {
        diesel::update(rooms::table.filter(rooms::live_stream_id.is_not_null()))
            .set((
                rooms::live_stream_id.eq(None::<String>),
                rooms::live_since.eq(None::<i64>),
            ))
            .execute(conn)
    }
}
