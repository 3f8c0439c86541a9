//! Who may publish: a room's stream key (and, as a development option, the static key list). A
//! granted publisher is entered in [`StreamRooms`] before its stream can start.

use super::stream_rooms::{RoomGrant, StreamRooms};
use crate::cluster::registry::{ClaimError, Registry};
use crate::db::Db;
use crate::models::preset::Preset;
use crate::models::room::{hash_stream_key, Room};
use crate::models::user::Role;
use futures_util::future::BoxFuture;
use pipelines::{Authorizer, HlsSettings, Ladder, PublishGrant, Refusal, StreamId, StreamKey};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Authorizes room keys against the database; falls back to the development key list.
pub struct RoomKeys {
    db: Db,
    rooms: StreamRooms,
    dev_keys: Vec<String>,
    server_hls: HlsSettings,
    /// With several nodes: a room is claimed before its publisher is granted.
    registry: Option<Arc<Registry>>,
    /// Set when the node drains (SIGTERM): every new publisher is refused.
    draining: Arc<AtomicBool>,
}

impl RoomKeys {
    pub fn new(db: Db, rooms: StreamRooms, dev_keys: Vec<String>, server_hls: HlsSettings) -> Self {
        Self {
            db,
            rooms,
            dev_keys,
            server_hls,
            registry: None,
            draining: Arc::default(),
        }
    }

    /// Claims each room in `registry` (shared by the nodes) before granting its publisher.
    pub fn with_registry(mut self, registry: Option<Arc<Registry>>) -> Self {
        self.registry = registry;
        self
    }

    /// The switch that makes every later publisher be refused.
    pub fn draining(&self) -> Arc<AtomicBool> {
        self.draining.clone()
    }

    /// Claims `room_id` for `stream_id` across nodes, when there are several.
    async fn claim(&self, room_id: &str, stream_id: &StreamId) -> Result<(), Refusal> {
        let Some(registry) = &self.registry else {
            return Ok(());
        };
        registry
            .claim(room_id, stream_id)
            .await
            .map_err(|e| match e {
                ClaimError::Elsewhere(node) => {
                    tracing::warn!(room = %room_id, %node, "refused a publisher: the room is live on another node");
                    Refusal::NotAllowed("the room is live on another node".into())
                }
                ClaimError::Redis(e) => {
                    tracing::error!(error = %e, "could not claim a room in the registry");
                    Refusal::Unavailable
                }
            })
    }
}

/// Compares without an early exit, so timing says nothing about how much matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Authorizer for RoomKeys {
    fn authorize<'a>(&'a self, key: &'a StreamKey) -> BoxFuture<'a, Result<PublishGrant, Refusal>> {
        Box::pin(async move {
            if self.draining.load(Ordering::Relaxed) {
                tracing::info!("refused a publisher: this node is draining");
                return Err(Refusal::Unavailable);
            }
            let hash = hash_stream_key(key.expose());
            let found = self
                .db
                .run(move |conn| {
                    let Some((room, owner)) = Room::find_for_publish(conn, &hash)? else {
                        return Ok(None);
                    };
                    let preset = Preset::find(conn, &room.preset_id)?;
                    Ok(Some((room, owner, preset)))
                })
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "stream key lookup failed");
                    Refusal::Unavailable
                })?;
            match found {
                Some((_, owner, _)) if owner.disabled => Err(Refusal::NotAllowed(
                    "the room owner's account is disabled".into(),
                )),
                Some((_, owner, _)) if owner.role < Role::Streamer => {
                    Err(Refusal::NotAllowed("the room owner may not stream".into()))
                }
                Some((room, _, preset)) => {
                    let Some(preset) = preset else {
                        tracing::error!(room = %room.id, "room has no preset");
                        return Err(Refusal::Unavailable);
                    };
                    let spec = preset.spec();
                    let stream_id = StreamId::random();
                    self.claim(&room.id, &stream_id).await?;
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
