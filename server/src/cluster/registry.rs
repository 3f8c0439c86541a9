//! The live-stream registry: which node originates which room and stream.
//!
//! - **Room claims.** A node that grants a room's publisher claims `{prefix}:room:{room}` (value:
//!   node and stream) unless another node holds it: a second publisher of the room elsewhere is
//!   refused. The owner renews it every heartbeat and drops it when the stream ends.
//! - **Stream records.** Each live stream's view (`LiveStream`) and its origin's URL are kept in
//!   `{prefix}:stream:{id}`, indexed by the sorted set `{prefix}:streams`, renewed every
//!   heartbeat and rewritten on each change, so every node's API shows the same streams and the
//!   HLS edge knows where to fetch them.
//! - **The offline sweep.** Every heartbeat each node takes the rooms the database says are live
//!   and marks offline those whose claim has expired (their node died) or that this node claims
//!   but no longer serves (it restarted). The claim is taken before the stream starts, and so
//!   before its room is marked live.
//!
//! Everything here expires `cluster.expiry_seconds` after its owner's last heartbeat.

use super::{now_ms, Cluster};
use crate::broadcasts::{LiveStream, LiveStreams, StreamRooms};
use crate::chat::hub::ChatHub;
use crate::chat::protocol::ServerFrame;
use crate::db::Db;
use crate::models::room::Room;
use media::StreamId;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use thiserror::Error;
use tokio::sync::mpsc;
use tracing::{info, warn};

/// How long a looked-up stream record is believed (the HLS edge asks on every request).
const LOOKUP_CACHE: Duration = Duration::from_secs(1);
/// How often the live rooms are checked for a node that is gone.
const SWEEP_EVERY: Duration = Duration::from_secs(1);
/// Registry updates queued before more are dropped (the heartbeat rewrites them all anyway).
const UPDATES: usize = 1024;

/// A live stream as every node sees it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StreamRecord {
    /// The node that runs the stream's pipeline.
    pub node: String,
    /// That node's `cluster.advertise_url`: where its HLS output is fetched.
    pub origin: String,
    pub stream: LiveStream,
}

/// Who holds a room.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RoomClaim {
    node: String,
    stream_id: String,
}

/// Why a room could not be claimed.
#[derive(Debug, Error)]
pub enum ClaimError {
    #[error("the room is live on node {0}")]
    Elsewhere(String),
    #[error("Redis: {0}")]
    Redis(#[from] redis::RedisError),
}

/// Takes the room unless another node holds it; returns the holder's claim if it does.
const CLAIM: &str = r"
local held = redis.call('GET', KEYS[1])
if held then
  local claim = cjson.decode(held)
  if claim.node ~= ARGV[2] then return held end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return false
";

/// Renews the room's claim if this node still holds it.
const RENEW: &str = r"
local held = redis.call('GET', KEYS[1])
if held and cjson.decode(held).node == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
";

/// Drops the room's claim if this node still holds it.
const RELEASE: &str = r"
local held = redis.call('GET', KEYS[1])
if held and cjson.decode(held).node == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

enum Update {
    /// The stream started: write its record.
    Started(StreamId),
    /// The stream's view changed (playable, new stats): rewrite its record, keeping its expiry
    /// (renewed with the room's claim, so that both go together).
    Changed(StreamId),
    /// The stream ended: remove its record and, if given, the claim of its room (no other
    /// publisher of which is left on this node).
    Ended(StreamId, Option<String>),
}

/// This node's side of the registry.
pub struct Registry {
    cluster: Arc<Cluster>,
    live: LiveStreams,
    updates: mpsc::Sender<Update>,
    /// Updates queued and not yet applied.
    pending: std::sync::atomic::AtomicUsize,
    cache: Mutex<HashMap<StreamId, (Instant, Option<StreamRecord>)>>,
}

impl Registry {
    /// The registry, with its update, heartbeat and sweep tasks running.
    pub fn start(
        cluster: Arc<Cluster>,
        live: LiveStreams,
        rooms: StreamRooms,
        db: Db,
        hub: Arc<dyn ChatHub>,
    ) -> Arc<Self> {
        let (updates, queue) = mpsc::channel(UPDATES);
        let registry = Arc::new(Self {
            cluster,
            live,
            updates,
            pending: Default::default(),
            cache: Mutex::default(),
        });
        tokio::spawn(apply_updates(Arc::downgrade(&registry), queue));
        tokio::spawn(heartbeat(Arc::downgrade(&registry), rooms, db, hub));
        registry
    }

    fn room_key(&self, room_id: &str) -> String {
        self.cluster.key(&format!("room:{room_id}"))
    }

    fn stream_key(&self, id: &StreamId) -> String {
        self.cluster.key(&format!("stream:{id}"))
    }

    fn index_key(&self) -> String {
        self.cluster.key("streams")
    }

    /// Claims `room_id` for `stream_id` on this node; refused while another node holds it.
    pub async fn claim(&self, room_id: &str, stream_id: &StreamId) -> Result<(), ClaimError> {
        let claim = RoomClaim {
            node: self.cluster.node_id.clone(),
            stream_id: stream_id.to_string(),
        };
        let value = serde_json::to_string(&claim).unwrap_or_default();
        let held: Option<String> = redis::Script::new(CLAIM)
            .key(self.room_key(room_id))
            .arg(value)
            .arg(&self.cluster.node_id)
            .arg(self.cluster.ttl_ms())
            .invoke_async(&mut self.cluster.redis())
            .await?;
        match held {
            None => Ok(()),
            Some(held) => {
                let node = serde_json::from_str::<RoomClaim>(&held)
                    .map(|c| c.node)
                    .unwrap_or_else(|_| "?".to_owned());
                Err(ClaimError::Elsewhere(node))
            }
        }
    }

    /// The stream started; its record is written.
    pub fn started(&self, id: &StreamId) {
        self.queue(Update::Started(id.clone()));
    }

    /// The stream's view changed; its record is rewritten (in order with its other updates).
    pub fn changed(&self, id: &StreamId) {
        self.queue(Update::Changed(id.clone()));
    }

    /// The stream ended (or its publisher left before it started); its record goes, and so does
    /// the claim of `release`, a room this node no longer has a publisher of.
    pub fn ended(&self, id: &StreamId, release: Option<String>) {
        self.queue(Update::Ended(id.clone(), release));
    }

    fn queue(&self, update: Update) {
        use std::sync::atomic::Ordering;
        self.pending.fetch_add(1, Ordering::Relaxed);
        if self.updates.try_send(update).is_err() {
            self.pending.fetch_sub(1, Ordering::Relaxed);
            warn!("registry updates are behind; the next heartbeat rewrites the records");
        }
    }

    /// Waits (at most `limit`) until every queued update is applied: at shutdown, so that the
    /// rooms of the streams that just ended are free for another node at once. Then lets the
    /// node id go, so a restart under the same id need not wait for it to expire.
    pub async fn settle(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while self.pending.load(std::sync::atomic::Ordering::Relaxed) > 0
            && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.cluster.release_node_id().await;
    }

    /// The record of a stream another node (or this one) runs, if it is live; answers from a
    /// cache of one second.
    pub async fn lookup(&self, id: &StreamId) -> Option<StreamRecord> {
        if let Some((at, record)) = self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(id) {
            if at.elapsed() < LOOKUP_CACHE {
                return record.clone();
            }
        }
        let mut redis = self.cluster.redis();
        let found: Option<String> = match redis::cmd("GET")
            .arg(self.stream_key(id))
            .query_async(&mut redis)
            .await
        {
            Ok(found) => found,
            Err(e) => {
                warn!(error = %e, "could not look up a stream in the registry");
                return None;
            }
        };
        let record = found.and_then(|json| serde_json::from_str::<StreamRecord>(&json).ok());
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() > 10_000 {
            cache.retain(|_, (at, _)| at.elapsed() < LOOKUP_CACHE);
        }
        cache.insert(id.clone(), (Instant::now(), record.clone()));
        record
    }

    /// Every live stream of the cluster, from the records renewed within the expiry.
    pub async fn all(&self) -> Vec<StreamRecord> {
        let mut redis = self.cluster.redis();
        let since = now_ms() - self.cluster.ttl_ms() as i64;
        let result: redis::RedisResult<Vec<StreamRecord>> = async {
            let ids: Vec<String> = redis::cmd("ZRANGEBYSCORE")
                .arg(self.index_key())
                .arg(since)
                .arg("+inf")
                .query_async(&mut redis)
                .await?;
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let keys: Vec<String> = ids
                .iter()
                .map(|id| self.cluster.key(&format!("stream:{id}")))
                .collect();
            let found: Vec<Option<String>> = redis::cmd("MGET")
                .arg(&keys)
                .query_async(&mut redis)
                .await?;
            Ok(found
                .into_iter()
                .flatten()
                .filter_map(|json| serde_json::from_str(&json).ok())
                .collect())
        }
        .await;
        result.unwrap_or_else(|e| {
            warn!(error = %e, "could not list the cluster's streams");
            Vec::new()
        })
    }

    /// Writes the record of a stream this node runs, from its live view: with a new expiry when
    /// `renew`, else only over a record that has not expired (the next renewal writes it anew).
    async fn write(&self, id: &StreamId, renew: bool) -> redis::RedisResult<()> {
        let Some(stream) = self.live.get(id) else {
            return Ok(());
        };
        let record = StreamRecord {
            node: self.cluster.node_id.clone(),
            origin: self.cluster.advertise_url.clone(),
            stream,
        };
        let json = serde_json::to_string(&record).unwrap_or_default();
        let mut redis = self.cluster.redis();
        let mut set = redis::cmd("SET");
        set.arg(self.stream_key(id)).arg(json);
        if renew {
            set.arg("PX").arg(self.cluster.ttl_ms());
        } else {
            set.arg("XX").arg("KEEPTTL");
        }
        let mut pipe = redis::pipe();
        pipe.add_command(set).ignore();
        if renew {
            pipe.zadd(self.index_key(), id.as_str(), now_ms()).ignore();
        }
        pipe.query_async(&mut redis).await
    }

    async fn remove(&self, id: &StreamId, room_id: Option<&str>) -> redis::RedisResult<()> {
        let mut redis = self.cluster.redis();
        redis::pipe()
            .del(self.stream_key(id))
            .ignore()
            .zrem(self.index_key(), id.as_str())
            .ignore()
            .query_async::<()>(&mut redis)
            .await?;
        if let Some(room_id) = room_id {
            redis::Script::new(RELEASE)
                .key(self.room_key(room_id))
                .arg(&self.cluster.node_id)
                .invoke_async::<i64>(&mut redis)
                .await?;
        }
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
        Ok(())
    }
}

async fn apply_updates(registry: std::sync::Weak<Registry>, mut queue: mpsc::Receiver<Update>) {
    while let Some(update) = queue.recv().await {
        let Some(registry) = registry.upgrade() else {
            break;
        };
        let result = match &update {
            Update::Started(id) => registry.write(id, true).await,
            Update::Changed(id) => registry.write(id, false).await,
            Update::Ended(id, room) => registry.remove(id, room.as_deref()).await,
        };
        registry
            .pending
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        if let Err(e) = result {
            warn!(error = %e, "could not update the live-stream registry");
        }
    }
}

/// Renews this node's claims and records every heartbeat, and sweeps rooms whose node is gone
/// every second.
async fn heartbeat(
    registry: std::sync::Weak<Registry>,
    rooms: StreamRooms,
    db: Db,
    hub: Arc<dyn ChatHub>,
) {
    let mut failing = false;
    let mut renewed: Option<Instant> = None;
    let mut ticker = tokio::time::interval(SWEEP_EVERY);
    loop {
        ticker.tick().await;
        let Some(registry) = registry.upgrade() else {
            break;
        };
        if renewed.is_none_or(|at| at.elapsed() >= registry.cluster.heartbeat()) {
            let result = renew(&registry, &rooms).await;
            if let Err(e) = &result {
                if !failing {
                    warn!(error = %e, "could not renew this node's rooms and streams in Redis");
                }
            } else {
                renewed = Some(Instant::now());
            }
            failing = result.is_err();
        }
        if !failing {
            if let Err(e) = sweep(&registry, &rooms, &db, hub.as_ref()).await {
                warn!(error = %e, "could not sweep rooms whose node is gone");
            }
        }
    }
}

async fn renew(registry: &Registry, rooms: &StreamRooms) -> anyhow::Result<()> {
    let mut redis = registry.cluster.redis();
    for (_, grant) in rooms.all() {
        redis::Script::new(RENEW)
            .key(registry.room_key(&grant.room_id))
            .arg(&registry.cluster.node_id)
            .arg(registry.cluster.ttl_ms())
            .invoke_async::<i64>(&mut redis)
            .await?;
    }
    for stream in registry.live.list() {
        registry.write(&stream.id, true).await?;
    }
    let since = now_ms() - 2 * registry.cluster.expiry.as_millis() as i64;
    redis::cmd("ZREMRANGEBYSCORE")
        .arg(registry.index_key())
        .arg("-inf")
        .arg(since)
        .query_async::<()>(&mut redis)
        .await?;
    Ok(())
}

/// Marks offline the live rooms whose claim expired, or that this node claims and no longer
/// serves; tells their chat the stream is over.
async fn sweep(
    registry: &Registry,
    rooms: &StreamRooms,
    db: &Db,
    hub: &dyn ChatHub,
) -> anyhow::Result<()> {
    let live = db.run(|conn| Ok(Room::live(conn)?)).await?;
    if live.is_empty() {
        return Ok(());
    }
    let keys: Vec<String> = live
        .iter()
        .map(|(room, _)| registry.room_key(room))
        .collect();
    let mut redis = registry.cluster.redis();
    let claims: Vec<Option<String>> = redis::cmd("MGET")
        .arg(&keys)
        .query_async(&mut redis)
        .await?;
    for ((room_id, stream_id), claim) in live.into_iter().zip(claims) {
        let claim = claim.and_then(|json| serde_json::from_str::<RoomClaim>(&json).ok());
        let gone = match &claim {
            None => true,
            Some(claim) => claim.node == registry.cluster.node_id && !rooms.has_room(&room_id),
        };
        if !gone {
            continue;
        }
        let (room, stream) = (room_id.clone(), stream_id.clone());
        let marked = db
            .run(move |conn| Ok(Room::set_offline_if(conn, &room, &stream)?))
            .await?;
        if marked > 0 {
            info!(room = %room_id, stream = %stream_id, "the room's node is gone; the room is offline");
            hub.publish(&room_id, &ServerFrame::StreamStatus { live: false });
        }
    }
    Ok(())
}

impl crate::broadcasts::NodeRegistry for Registry {
    fn claim<'a>(
        &'a self,
        room_id: &'a str,
        stream_id: &'a StreamId,
    ) -> futures_util::future::BoxFuture<'a, Result<(), crate::broadcasts::RoomClaimError>> {
        use crate::broadcasts::RoomClaimError;
        Box::pin(async move {
            Registry::claim(self, room_id, stream_id)
                .await
                .map_err(|e| match e {
                    ClaimError::Elsewhere(node) => RoomClaimError::Elsewhere(node),
                    ClaimError::Redis(e) => RoomClaimError::Unavailable(e.to_string()),
                })
        })
    }

    fn started(&self, id: &StreamId) {
        Registry::started(self, id);
    }

    fn changed(&self, id: &StreamId) {
        Registry::changed(self, id);
    }

    fn ended(&self, id: &StreamId, release: Option<String>) {
        Registry::ended(self, id, release);
    }

    fn settle(&self, limit: Duration) -> futures_util::future::BoxFuture<'_, ()> {
        Box::pin(Registry::settle(self, limit))
    }
}
