//! Who may publish: a room's stream key (and, as a development option, the static key list). A
//! granted publisher is entered in [`StreamRooms`] before its stream can start, and given its
//! room's restream destinations ([`Restreams`]), kept current while it is live.

use super::limits::BroadcastLimits;
use super::nodes::{NodeRegistry, RoomClaimError};
use super::restream::Restreams;
use super::stream_rooms::{RoomGrant, StreamRooms};
use crate::db::Db;
use crate::models::preset::Preset;
use crate::models::room::{hash_stream_key, Room};
use crate::models::user::Role;
use engine::HlsSettings;
use futures_util::future::BoxFuture;
use ingest::Authorizer;
use ingest::PublishGrant;
use ingest::Refusal;
use media::ladder::Ladder;
use media::StreamId;
use media::StreamKey;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Authorizes room keys against the database; falls back to the development key list.
pub struct RoomKeys {
    db: Db,
    rooms: StreamRooms,
    restreams: Restreams,
    dev_keys: Vec<String>,
    server_hls: HlsSettings,
    /// With several nodes: a room is claimed before its publisher is granted.
    registry: Option<Arc<dyn NodeRegistry>>,
    /// Set when the node drains (SIGTERM): every new publisher is refused.
    draining: Arc<AtomicBool>,
    /// What a broadcast may cost (`storage.min_free_mib`, `limits.*`).
    limits: Option<Arc<BroadcastLimits>>,
}

impl RoomKeys {
    pub fn new(
        db: Db,
        rooms: StreamRooms,
        restreams: Restreams,
        dev_keys: Vec<String>,
        server_hls: HlsSettings,
    ) -> Self {
        Self {
            db,
            rooms,
            restreams,
            dev_keys,
            server_hls,
            registry: None,
            draining: Arc::default(),
            limits: None,
        }
    }

    /// Holds each new broadcast to `limits` (the disk, and each owner's).
    pub fn with_limits(mut self, limits: Arc<BroadcastLimits>) -> Self {
        self.limits = Some(limits);
        self
    }

    /// Claims each room in `registry` (shared by the nodes) before granting its publisher.
    pub fn with_registry(mut self, registry: Option<Arc<dyn NodeRegistry>>) -> Self {
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
                RoomClaimError::Elsewhere(node) => {
                    tracing::warn!(room = %room_id, %node, "refused a publisher: the room is live on another node");
                    Refusal::NotAllowed("the room is live on another node".into())
                }
                RoomClaimError::Unavailable(e) => {
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
            if let Some(why) = self.limits.as_ref().and_then(|l| l.refuse_any()) {
                return Err(Refusal::NotAllowed(why));
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
                Some((room, owner, preset)) => {
                    let Some(preset) = preset else {
                        tracing::error!(room = %room.id, "room has no preset");
                        return Err(Refusal::Unavailable);
                    };
                    if let Some(limits) = &self.limits {
                        let refused = limits
                            .refuse_owner(&self.db, &self.rooms, &owner, &room.id)
                            .await
                            .map_err(|e| {
                                tracing::error!(error = %e, "could not check the owner's limits");
                                Refusal::Unavailable
                            })?;
                        if let Some(why) = refused {
                            tracing::info!(room = %room.id, owner = %owner.id, %why, "publish refused at a limit");
                            return Err(Refusal::NotAllowed(why));
                        }
                    }
                    let spec = preset.spec();
                    let stream_id = StreamId::random();
                    let destinations = self
                        .restreams
                        .attach(&room.id, &stream_id)
                        .await
                        .map_err(|e| {
                            tracing::error!(room = %room.id, error = %e, "could not load the room's restream destinations");
                            Refusal::Unavailable
                        })?;
                    if let Err(refusal) = self.claim(&room.id, &stream_id).await {
                        self.restreams.detach(&stream_id);
                        return Err(refusal);
                    }
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
                        destinations: Some(destinations),
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
                            destinations: None,
                        })
                    } else {
                        Err(Refusal::UnknownKey)
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::destination::Destination as DestinationRow;
    use crate::restream_keys::KeySealer;
    use diesel::connection::SimpleConnection;
    use std::time::Duration;

    const ROOM_KEY: &str = "sk_the-rooms-own-stream-key";
    const DEV_KEY: &str = "a-development-key";

    fn hls() -> HlsSettings {
        HlsSettings {
            segment_duration: Duration::from_secs(2),
            window_segments: 6,
            part_duration: Duration::from_millis(400),
            thumbnail_interval: None,
        }
    }

    /// A database with one streamer's room (key [`ROOM_KEY`]) and two destinations, one off.
    async fn database(dir: &std::path::Path, sealer: &KeySealer) -> Db {
        let url = format!("sqlite://{}", dir.join("test.db").display());
        let db = tokio::task::spawn_blocking(move || Db::connect(&url, 2, Duration::from_secs(2)))
            .await
            .expect("task")
            .expect("connects");
        let rows = [("on", true), ("off", false)].map(|(id, enabled)| DestinationRow {
            id: id.into(),
            room_id: "r1".into(),
            name: id.into(),
            url: format!("rtmp://{id}.example/live"),
            stream_key_sealed: sealer.seal(id, &format!("key-{id}")).expect("seals"),
            stream_key_hint: String::new(),
            enabled,
            created_at: 0,
        });
        db.run(move |conn| {
            Preset::seed_default(conn)?;
            let preset = Preset::find_default(conn)?.expect("the default preset").id;
            conn.batch_execute(&format!(
                "INSERT INTO users (id, username, password_hash, role, created_at) \
                 VALUES ('u1', 'olive', 'x', 'streamer', 0); \
                 INSERT INTO rooms (id, owner_id, title, description, preset_id, chat_enabled, stream_key_hash, created_at) \
                 VALUES ('r1', 'u1', 'Room', '', '{preset}', 1, '{}', 0);",
                hash_stream_key(ROOM_KEY)
            ))?;
            for row in &rows {
                DestinationRow::insert_within_limit(conn, row, 5)?.expect("within the limit");
            }
            Ok(())
        })
        .await
        .expect("rows");
        db
    }

    #[tokio::test]
    async fn a_rooms_publisher_follows_its_rooms_destinations_and_a_development_key_has_none() {
        let dir = tempfile::tempdir().expect("temp dir");
        let sealer = Arc::new(KeySealer::new(
            b"a-restream-secret-of-at-least-32-characters",
        ));
        let db = database(dir.path(), &sealer).await;
        let restreams = Restreams::new(db.clone(), sealer);
        let keys = RoomKeys::new(
            db.clone(),
            StreamRooms::default(),
            restreams.clone(),
            vec![DEV_KEY.to_owned()],
            hls(),
        );

        let grant = keys
            .authorize(&StreamKey::new(ROOM_KEY))
            .await
            .expect("the room's key is granted");
        let mut destinations = grant.destinations.expect("a room's grant has destinations");
        let granted: Vec<(String, String)> = destinations
            .borrow_and_update()
            .iter()
            .map(|d| (d.id.clone(), d.stream_key.clone()))
            .collect();
        assert_eq!(granted, [("on".to_owned(), "key-on".to_owned())]);

        // Turned on through the API: the live publisher follows.
        db.run(|conn| {
            let on = crate::models::destination::DestinationChanges {
                enabled: Some(true),
                ..Default::default()
            };
            Ok(DestinationRow::update(conn, "r1", "off", &on)?)
        })
        .await
        .expect("updated");
        restreams.reload("r1").await.expect("reloaded");
        assert!(destinations.has_changed().expect("still followed"));
        assert_eq!(destinations.borrow_and_update().len(), 2);

        // Its stream ends: the list goes.
        restreams.detach(&grant.stream_id);
        assert!(destinations.has_changed().is_err());

        let dev = keys
            .authorize(&StreamKey::new(DEV_KEY))
            .await
            .expect("the development key is granted");
        assert!(dev.destinations.is_none());
    }
}
