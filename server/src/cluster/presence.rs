//! Viewer counts across nodes. Each node writes its own counts, room by room, to the hash
//! `{prefix}:viewers:{node}`, which expires unless renewed, and enters itself with the time in
//! the sorted set `{prefix}:nodes`. Once a second it reads the hashes of the other nodes seen
//! within the expiry, so a room's count is this node's connections plus theirs, and a crashed
//! node's viewers are gone within `cluster.expiry_seconds`.

use super::{now_ms, Cluster};
use crate::chat::hub::LocalHub;
use std::collections::HashMap;
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};
use tracing::warn;

/// How often counts are exchanged.
const INTERVAL: Duration = Duration::from_secs(1);

/// The viewers of other nodes, by room, as last read.
#[derive(Default)]
pub struct Presence {
    elsewhere: RwLock<HashMap<String, usize>>,
}

impl Presence {
    /// Connections to `room` on the other nodes.
    pub fn elsewhere(&self, room: &str) -> usize {
        self.elsewhere
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(room)
            .copied()
            .unwrap_or(0)
    }

    /// Exchanges counts with the other nodes until `local` is dropped.
    pub fn start(self: &Arc<Self>, cluster: Arc<Cluster>, local: &Arc<LocalHub>) {
        tokio::spawn(exchange(
            cluster,
            Arc::downgrade(self),
            Arc::downgrade(local),
        ));
    }
}

async fn exchange(cluster: Arc<Cluster>, presence: Weak<Presence>, local: Weak<LocalHub>) {
    let mut redis = cluster.redis();
    let own_key = cluster.key(&format!("viewers:{}", cluster.node_id));
    let nodes_key = cluster.key("nodes");
    let expiry_ms = cluster.ttl_ms() as i64;
    let mut written: Option<(HashMap<String, usize>, Instant)> = None;
    let mut last_read = Instant::now();
    let mut failing = false;
    let mut ticker = tokio::time::interval(INTERVAL);
    loop {
        ticker.tick().await;
        let (Some(presence), Some(local)) = (presence.upgrade(), local.upgrade()) else {
            break;
        };
        let counts = local.room_counts();
        let due = written
            .as_ref()
            .is_none_or(|(w, at)| *w != counts || at.elapsed() >= cluster.heartbeat());
        let now = now_ms();
        let result: redis::RedisResult<HashMap<String, usize>> = async {
            if due {
                let mut pipe = redis::pipe();
                pipe.atomic().del(&own_key).ignore();
                if !counts.is_empty() {
                    let fields: Vec<(&String, &usize)> = counts.iter().collect();
                    pipe.hset_multiple(&own_key, &fields).ignore();
                }
                pipe.pexpire(&own_key, expiry_ms)
                    .ignore()
                    .zadd(&nodes_key, &cluster.node_id, now)
                    .ignore()
                    .zrembyscore(&nodes_key, "-inf", now - 2 * expiry_ms)
                    .ignore();
                pipe.query_async::<()>(&mut redis).await?;
                written = Some((counts.clone(), Instant::now()));
            }
            let nodes: Vec<String> = redis::cmd("ZRANGEBYSCORE")
                .arg(&nodes_key)
                .arg(now - expiry_ms)
                .arg("+inf")
                .query_async(&mut redis)
                .await?;
            let others: Vec<&String> = nodes.iter().filter(|n| **n != cluster.node_id).collect();
            if others.is_empty() {
                return Ok(HashMap::new());
            }
            let mut pipe = redis::pipe();
            for node in others {
                pipe.hgetall(cluster.key(&format!("viewers:{node}")));
            }
            let hashes: Vec<HashMap<String, usize>> = pipe.query_async(&mut redis).await?;
            let mut sum: HashMap<String, usize> = HashMap::new();
            for (room, count) in hashes.into_iter().flatten() {
                *sum.entry(room).or_default() += count;
            }
            Ok(sum)
        }
        .await;
        match result {
            Ok(sum) => {
                *presence
                    .elsewhere
                    .write()
                    .unwrap_or_else(|p| p.into_inner()) = sum;
                last_read = Instant::now();
                failing = false;
            }
            Err(e) => {
                if !failing {
                    warn!(error = %e, "could not exchange viewer counts with the other nodes");
                    failing = true;
                }
                // What is not renewed is not believed: Redis would have expired it too.
                if last_read.elapsed() >= cluster.expiry {
                    presence
                        .elsewhere
                        .write()
                        .unwrap_or_else(|p| p.into_inner())
                        .clear();
                }
            }
        }
    }
}
