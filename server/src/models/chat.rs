//! Chat: messages, room moderators, bans and timeouts.

use crate::db::schema::{chat_bans, chat_messages, room_moderators, users};
use crate::db::DbConnection;
use diesel::prelude::*;

/// A row of `chat_messages`. The author's name and role are copied so history survives renames.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = chat_messages)]
pub struct ChatMessage {
    pub id: String,
    pub room_id: String,
    pub user_id: String,
    pub author_name: String,
    pub author_role: String,
    pub body: String,
    pub sent_at: i64,
    pub deleted: bool,
}

/// A message id that sorts like send order: milliseconds, a per-process sequence number, then
/// random characters so ids from several instances never collide. Messages sent within the same
/// millisecond still keep their order.
pub fn message_id(sent_at_ms: i64) -> String {
    use rand::distr::{Alphanumeric, SampleString};
    use std::sync::atomic::{AtomicU64, Ordering};
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    let sequence = SEQUENCE.fetch_add(1, Ordering::Relaxed) % 1_000_000;
    let suffix = Alphanumeric
        .sample_string(&mut rand::rng(), 4)
        .to_ascii_lowercase();
    format!("{:013}{sequence:06}{suffix}", sent_at_ms.max(0))
}

impl ChatMessage {
    pub fn insert(conn: &mut DbConnection, message: &ChatMessage) -> QueryResult<()> {
        diesel::insert_into(chat_messages::table)
            .values(message)
            .execute(conn)
            .map(|_| ())
    }

    /// The last `limit` visible messages of a room, oldest first.
    pub fn recent(
        conn: &mut DbConnection,
        room_id: &str,
        limit: i64,
    ) -> QueryResult<Vec<ChatMessage>> {
        let mut messages: Vec<ChatMessage> = chat_messages::table
            .filter(chat_messages::room_id.eq(room_id))
            .filter(chat_messages::deleted.eq(false))
            .order((chat_messages::sent_at.desc(), chat_messages::id.desc()))
            .limit(limit)
            .select(ChatMessage::as_select())
            .load(conn)?;
        messages.reverse();
        Ok(messages)
    }

    /// Hides a message of a room; false if there was no such message.
    pub fn delete(conn: &mut DbConnection, room_id: &str, id: &str) -> QueryResult<bool> {
        let found: Option<String> = chat_messages::table
            .filter(chat_messages::id.eq(id))
            .filter(chat_messages::room_id.eq(room_id))
            .select(chat_messages::id)
            .first(conn)
            .optional()?;
        if found.is_none() {
            return Ok(false);
        }
        diesel::update(chat_messages::table.find(id))
            .set(chat_messages::deleted.eq(true))
            .execute(conn)?;
        Ok(true)
    }
}

/// Room moderators, appointed by the owner.
pub struct Moderators;

impl Moderators {
    pub fn is_moderator(
        conn: &mut DbConnection,
        room_id: &str,
        user_id: &str,
    ) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            room_moderators::table
                .filter(room_moderators::room_id.eq(room_id))
                .filter(room_moderators::user_id.eq(user_id)),
        ))
        .get_result(conn)
    }

    pub fn add(conn: &mut DbConnection, room_id: &str, user_id: &str) -> QueryResult<()> {
        if !Self::is_moderator(conn, room_id, user_id)? {
            diesel::insert_into(room_moderators::table)
                .values((
                    room_moderators::room_id.eq(room_id),
                    room_moderators::user_id.eq(user_id),
                ))
                .execute(conn)?;
        }
        Ok(())
    }

    pub fn remove(conn: &mut DbConnection, room_id: &str, user_id: &str) -> QueryResult<usize> {
        diesel::delete(
            room_moderators::table
                .filter(room_moderators::room_id.eq(room_id))
                .filter(room_moderators::user_id.eq(user_id)),
        )
        .execute(conn)
    }

    /// The room's moderators as `(user id, username)`, by username.
    pub fn list(conn: &mut DbConnection, room_id: &str) -> QueryResult<Vec<(String, String)>> {
        room_moderators::table
            .inner_join(users::table.on(users::id.eq(room_moderators::user_id)))
            .filter(room_moderators::room_id.eq(room_id))
            .order(users::username.asc())
            .select((users::id, users::username))
            .load(conn)
    }
}

/// What keeps a user from sending in a room's chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restriction {
    /// Until unbanned.
    Banned,
    /// Until this time, milliseconds since the Unix epoch.
    TimedOut { until_ms: i64 },
}

/// Bans (no end) and timeouts (an end) from a room's chat.
pub struct Bans;

impl Bans {
    /// What keeps the user from chatting at `now` (ms), if anything: a timeout that has run out
    /// no longer counts.
    pub fn restriction(
        conn: &mut DbConnection,
        room_id: &str,
        user_id: &str,
        now: i64,
    ) -> QueryResult<Option<Restriction>> {
        let row: Option<Option<i64>> = chat_bans::table
            .filter(chat_bans::room_id.eq(room_id))
            .filter(chat_bans::user_id.eq(user_id))
            .select(chat_bans::until_ms)
            .first(conn)
            .optional()?;
        Ok(match row {
            None => None,
            Some(None) => Some(Restriction::Banned),
            Some(Some(until)) if until <= now => None,
            Some(Some(until_ms)) => Some(Restriction::TimedOut { until_ms }),
        })
    }

    /// Bans or times out a user; replaces any earlier restriction.
    pub fn restrict(
        conn: &mut DbConnection,
        room_id: &str,
        user_id: &str,
        restriction: Restriction,
    ) -> QueryResult<()> {
        let until = match restriction {
            Restriction::Banned => None,
            Restriction::TimedOut { until_ms } => Some(until_ms),
        };
        conn.transaction(|conn| {
            Self::lift(conn, room_id, user_id)?;
            diesel::insert_into(chat_bans::table)
                .values((
                    chat_bans::room_id.eq(room_id),
                    chat_bans::user_id.eq(user_id),
                    chat_bans::until_ms.eq(until),
                ))
                .execute(conn)
                .map(|_| ())
        })
    }

    pub fn lift(conn: &mut DbConnection, room_id: &str, user_id: &str) -> QueryResult<usize> {
        diesel::delete(
            chat_bans::table
                .filter(chat_bans::room_id.eq(room_id))
                .filter(chat_bans::user_id.eq(user_id)),
        )
        .execute(conn)
    }
}
