//! Who may publish: a room's stream key (and, as a development option, the static key list).

use crate::db::Db;
use crate::models::preset::Preset;
use crate::models::room::{hash_stream_key, Room};
use crate::models::user::Role;
use futures_util::future::BoxFuture;
use pipelines::{Authorizer, HlsSettings, Ladder, PublishGrant, Refusal, StreamId, StreamKey};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Which room each accepted stream belongs to, from grant to end.
#[derive(Clone, Default)]
pub struct StreamRooms {
    inner: Arc<Mutex<HashMap<StreamId, String>>>,
}

impl StreamRooms {
    pub fn insert(&self, stream: StreamId, room: String) {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(stream, room);
    }

    pub fn get(&self, stream: &StreamId) -> Option<String> {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(stream)
            .cloned()
    }

    pub fn remove(&self, stream: &StreamId) -> Option<String> {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(stream)
    }
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
                    self.rooms.insert(stream_id.clone(), room.id.clone());
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
