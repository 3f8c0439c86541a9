//! Restream destinations: the other RTMP servers (YouTube, Twitch, ...) a room's broadcasts are
//! also pushed to, each with its stream key sealed at rest ([`crate::restream_keys`]).

use crate::db::schema::{restream_destinations, rooms};
use crate::db::DbConnection;
use crate::restream_keys::KeySealer;
use diesel::prelude::*;

/// A row of `restream_destinations`. The key is only ever held sealed; the hint is what the API
/// shows of it.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = restream_destinations)]
pub struct Destination {
    pub id: String,
    pub room_id: String,
    pub name: String,
    /// `rtmp://host[:port]/app` or `rtmps://...`, without the key.
    pub url: String,
    pub stream_key_sealed: String,
    pub stream_key_hint: String,
    pub enabled: bool,
    pub created_at: i64,
}

/// Fields an update may change (a new key comes sealed, with its hint).
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = restream_destinations)]
pub struct DestinationChanges {
    pub name: Option<String>,
    pub url: Option<String>,
    pub stream_key_sealed: Option<String>,
    pub stream_key_hint: Option<String>,
    pub enabled: Option<bool>,
}

impl DestinationChanges {
    fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.url.is_none()
            && self.stream_key_sealed.is_none()
            && self.stream_key_hint.is_none()
            && self.enabled.is_none()
    }
}

/// The room already has as many destinations as a room may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyDestinations;

impl Destination {
    /// Adds the destination unless its room would then have more than `limit`: the insert and
    /// the count are one transaction, with the room's row locked first on MySQL so two concurrent
    /// additions cannot both pass the count (on SQLite the insert comes first and holds the
    /// database's write lock).
    pub fn insert_within_limit(
        conn: &mut DbConnection,
        destination: &Destination,
        limit: usize,
    ) -> QueryResult<Result<(), TooManyDestinations>> {
        use diesel::result::Error;
        let outcome = conn.transaction(|conn| {
            if let DbConnection::Mysql(c) = conn {
                rooms::table
                    .find(&destination.room_id)
                    .select(rooms::id)
                    .for_update()
                    .load::<String>(c)?;
            }
            diesel::insert_into(restream_destinations::table)
                .values(destination)
                .execute(conn)?;
            if Self::count_for_room(conn, &destination.room_id)? > limit as i64 {
                return Err(Error::RollbackTransaction);
            }
            Ok(())
        });
        match outcome {
            Err(Error::RollbackTransaction) => Ok(Err(TooManyDestinations)),
            other => other.map(Ok),
        }
    }

    /// The room's destinations, oldest first.
    pub fn list_for_room(conn: &mut DbConnection, room_id: &str) -> QueryResult<Vec<Destination>> {
        restream_destinations::table
            .filter(restream_destinations::room_id.eq(room_id))
            .order((
                restream_destinations::created_at.asc(),
                restream_destinations::id.asc(),
            ))
            .select(Destination::as_select())
            .load(conn)
    }

    /// One destination of the room.
    pub fn find(
        conn: &mut DbConnection,
        room_id: &str,
        id: &str,
    ) -> QueryResult<Option<Destination>> {
        restream_destinations::table
            .find(id)
            .filter(restream_destinations::room_id.eq(room_id))
            .select(Destination::as_select())
            .first(conn)
            .optional()
    }

    /// Applies `changes` to one destination of the room; how many rows changed.
    pub fn update(
        conn: &mut DbConnection,
        room_id: &str,
        id: &str,
        changes: &DestinationChanges,
    ) -> QueryResult<usize> {
        if changes.is_empty() {
            return Ok(0);
        }
        diesel::update(
            restream_destinations::table
                .find(id)
                .filter(restream_destinations::room_id.eq(room_id)),
        )
        .set(changes)
        .execute(conn)
    }

    /// Deletes one destination of the room; how many rows went.
    pub fn delete(conn: &mut DbConnection, room_id: &str, id: &str) -> QueryResult<usize> {
        diesel::delete(
            restream_destinations::table
                .find(id)
                .filter(restream_destinations::room_id.eq(room_id)),
        )
        .execute(conn)
    }

    /// Deletes every destination of the room (the room is being deleted: its keys go with it).
    pub fn delete_for_room(conn: &mut DbConnection, room_id: &str) -> QueryResult<usize> {
        diesel::delete(
            restream_destinations::table.filter(restream_destinations::room_id.eq(room_id)),
        )
        .execute(conn)
    }

    pub fn count_for_room(conn: &mut DbConnection, room_id: &str) -> QueryResult<i64> {
        restream_destinations::table
            .filter(restream_destinations::room_id.eq(room_id))
            .count()
            .get_result(conn)
    }

    /// What the media engine pushes the room's broadcast to: its enabled destinations with their
    /// keys opened. A key that does not open (the restream secret was changed) is logged and its
    /// destination left out; the broadcast and the other destinations go on.
    pub fn push_targets(
        conn: &mut DbConnection,
        room_id: &str,
        sealer: &KeySealer,
    ) -> QueryResult<Vec<engine::restream::Destination>> {
        let enabled = restream_destinations::table
            .filter(restream_destinations::room_id.eq(room_id))
            .filter(restream_destinations::enabled.eq(true))
            .order((
                restream_destinations::created_at.asc(),
                restream_destinations::id.asc(),
            ))
            .select(Destination::as_select())
            .load(conn)?;
        Ok(enabled
            .into_iter()
            .filter_map(|d| match sealer.open(&d.id, &d.stream_key_sealed) {
                Ok(stream_key) => Some(engine::restream::Destination {
                    id: d.id,
                    url: d.url,
                    stream_key,
                }),
                Err(e) => {
                    tracing::error!(room = %room_id, destination = %d.id, error = %e, "a restream destination's key does not open; it is not pushed to");
                    None
                }
            })
            .collect())
    }
}
