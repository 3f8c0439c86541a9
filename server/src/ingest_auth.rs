//! Who may publish: a room's stream key (and, as a development option, the static key list).

use crate::db::Db;
use crate::models::preset::Preset;
use crate::models::room::{hash_stream_key, Room};
use crate::models::user::Role;
use futures_util::future::BoxFuture;
use pipelines::{Authorizer, HlsSettings, Ladder, PublishGrant, Refusal, StreamId, StreamKey};
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
    ingest: &pipelines::IngestHandle,
    which: impl Fn(&RoomGrant) -> bool,
) -> usize {
    rooms
        .streams_where(which)
        .iter()
        .filter(|stream| ingest.revoke(stream))
        .count()
}

/// Authorizes room keys against the database; falls back to the development key list.
pub struct RoomKeys {
    db: Db,
    rooms: StreamRooms,
    dev_keys: Vec<String>,
    server_hls: HlsSettings,
}

impl RoomKeys {
    pub fn new(db: Db, rooms: StreamRooms, dev_keys: Vec<String>, server_hls: HlsSettings) -> Self {
        Self {
            db,
            rooms,
            dev_keys,
            server_hls,
        }
    }
}

/// Compares without an early exit, so timing says nothing about how much matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Authorizer for RoomKeys {
    fn authorize<'a>(&'a self, key: &'a StreamKey) -> BoxFuture<'a, Result<PublishGrant, Refusal>> {
        Box::pin(async move {
            let hash = hash_stream_key(key.expose());
            let found = self
                .db
                .run(move |conn| {
                    let Some((room, role, disabled)) = Room::find_for_publish(conn, &hash)? else {
                        return Ok(None);
                    };
                    let preset = Preset::find(conn, &room.preset_id)?;
                    Ok(Some((room, role, disabled, preset)))
                })
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "stream key lookup failed");
                    Refusal::Unavailable
                })?;
            match found {
                Some((_, _, true, _)) => Err(Refusal::NotAllowed(
                    "the room owner's account is disabled".into(),
                )),
                Some((_, role, _, _))
                    if Role::parse(&role).unwrap_or(Role::Viewer) < Role::Streamer =>
                {
                    Err(Refusal::NotAllowed("the room owner may not stream".into()))
                }
                Some((room, _, _, preset)) => {
                    let Some(preset) = preset else {
                        tracing::error!(room = %room.id, "room has no preset");
                        return Err(Refusal::Unavailable);
                    };
                    let spec = preset.spec();
                    let stream_id = StreamId::random();
                    self.rooms.insert(
                        stream_id.clone(),
                        RoomGrant {
                            room_id: room.id.clone(),
                            owner_id: room.owner_id.clone(),
                            key_hash: room.stream_key_hash.clone(),
                        },
                    );
                    Ok(PublishGrant {
                        stream_id,
                        ladder: spec.ladder(),
                        hls: spec.hls(&self.server_hls),
                    })
                }
                None => {
                    let dev = self.dev_keys.iter().fold(false, |found, k| {
                        found | constant_time_eq(k.as_bytes(), key.expose().as_bytes())
                    });
                    if dev {
                        Ok(PublishGrant {
                            stream_id: StreamId::random(),
                            ladder: Ladder::default(),
                            hls: self.server_hls.clone(),
                        })
                    } else {
                        Err(Refusal::UnknownKey)
                    }
                }
            }
        })
    }
}
