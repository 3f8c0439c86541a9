//! The stream → room map: which room, owner and key every granted publisher belongs to, from the
//! grant to the stream's end. Revocation finds publishers here whether their pipeline has started
//! or not.

use media::StreamId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What a room's publisher was granted with: the room, its owner and the key it presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomGrant {
    pub room_id: String,
    pub owner_id: String,
    /// The hash of the key the publisher presented; a regenerated key no longer matches it.
    pub key_hash: String,
}

/// Which room each accepted stream belongs to, from grant to end: revocation finds publishers
/// here whether their pipeline has started or not.
#[derive(Clone, Default)]
pub struct StreamRooms {
    inner: Arc<Mutex<HashMap<StreamId, RoomGrant>>>,
}

impl StreamRooms {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<StreamId, RoomGrant>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn insert(&self, stream: StreamId, grant: RoomGrant) {
        self.lock().insert(stream, grant);
    }

    pub fn get(&self, stream: &StreamId) -> Option<RoomGrant> {
        self.lock().get(stream).cloned()
    }

    pub fn remove(&self, stream: &StreamId) -> Option<RoomGrant> {
        self.lock().remove(stream)
    }

    /// How many streams are tracked (granted and not yet ended or abandoned).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every tracked stream and its grant.
    pub fn all(&self) -> Vec<(StreamId, RoomGrant)> {
        self.lock()
            .iter()
            .map(|(id, grant)| (id.clone(), grant.clone()))
            .collect()
    }

    /// Whether some stream of `room_id` is tracked.
    pub fn has_room(&self, room_id: &str) -> bool {
        self.lock().values().any(|grant| grant.room_id == room_id)
    }

    /// The streams whose grant matches `which`.
    pub fn streams_where(&self, which: impl Fn(&RoomGrant) -> bool) -> Vec<StreamId> {
        self.lock()
            .iter()
            .filter(|(_, grant)| which(grant))
            .map(|(id, _)| id.clone())
            .collect()
    }
}

/// Ends every publisher whose grant matches `which`, started or not. Returns how many were
/// connected.
pub fn revoke_where(
    rooms: &StreamRooms,
    ingest: &ingest::IngestHandle,
    which: impl Fn(&RoomGrant) -> bool,
) -> usize {
    rooms
        .streams_where(which)
        .iter()
        .filter(|stream| ingest.revoke(stream))
        .count()
}
