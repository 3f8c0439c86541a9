//! Several nodes as one service, sharing Redis (docs/operations/scaling-out.md). With `cluster.redis_url`
//! empty none of this runs: one node keeps its hub, counts, limits and registry in the process.
//!
//! ```text
//!   node A                                Redis                                node B
//!   chat_hub ── PUBLISH {p}:chat:{room} ──▶ ─── PSUBSCRIBE {p}:chat:* ───▶ chat_hub
//!   presence ── HSET {p}:viewers:{node} (expires) ◀── HGETALL every second ── presence
//!   registry ── SET {p}:room:{room} NX, {p}:stream:{id} (both expire, refreshed)
//!                 ◀── GET: the API's live view, the HLS edge (edge), the offline sweep ── registry
//!   auth::limiter ── sliding window {p}:limit:{name}:{key} ◀── the same script ── auth::limiter
//! ```
//!
//! Every key a node owns expires `cluster.expiry_seconds` after its last heartbeat, so what a
//! crashed node held (rooms, viewers) disappears on its own.

pub mod chat_hub;
pub mod edge;
pub mod presence;
mod rate_limits;
pub mod registry;

use crate::configuration::Settings;
use anyhow::Context;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::sync::Arc;
use std::time::Duration;
use tracing::{error, warn};

/// A node's part in the cluster, built by `startup` when `cluster.redis_url` is set.
pub struct Node {
    pub cluster: Arc<Cluster>,
    pub registry: Arc<registry::Registry>,
    pub edge: edge::Edge,
}

/// How long one Redis command may take before it counts as failed.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);

/// This node's place in the cluster, and its connection to Redis.
pub struct Cluster {
    /// This node's name (`cluster.node_id`).
    pub node_id: String,
    /// Where other nodes reach this node's HTTP port.
    pub advertise_url: String,
    /// What a node owns expires this long after its last heartbeat.
    pub expiry: Duration,
    prefix: String,
    /// Random per process: tells this node's hold on `node_id` from another process's.
    instance: String,
    client: redis::Client,
    redis: ConnectionManager,
}

impl Cluster {
    /// Connects to `cluster.redis_url` (failing the start if Redis does not answer).
    pub async fn connect(settings: &Settings, http_port: u16) -> anyhow::Result<Self> {
        let cluster = &settings.cluster;
        // RESP3: chat subscriptions arrive as pushes on a managed (reconnecting) connection.
        let info = redis::IntoConnectionInfo::into_connection_info(cluster.redis_url.as_str())
            .context("cluster.redis_url is not a Redis URL")?;
        let resp3 = info
            .redis_settings()
            .clone()
            .set_protocol(redis::ProtocolVersion::RESP3);
        let client = redis::Client::open(info.set_redis_settings(resp3))
            .context("cluster.redis_url is not a Redis URL")?;
        let redis = ConnectionManager::new_with_config(client.clone(), Self::config())
            .await
            .context("connecting to Redis (cluster.redis_url)")?;
        Ok(Self {
            node_id: cluster.node_id.clone(),
            advertise_url: settings.advertise_url(http_port),
            expiry: Duration::from_secs(cluster.expiry_seconds),
            prefix: cluster.key_prefix.clone(),
            instance: crate::models::new_id(),
            client,
            redis,
        })
    }

    /// Short timeouts: a node whose Redis is away answers (and reports not ready) quickly.
    fn config() -> ConnectionManagerConfig {
        ConnectionManagerConfig::new()
            .set_connection_timeout(Some(COMMAND_TIMEOUT))
            .set_response_timeout(Some(COMMAND_TIMEOUT))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(2))
    }

    /// A connection for commands (cheap to clone; reconnects by itself).
    pub fn redis(&self) -> ConnectionManager {
        self.redis.clone()
    }

    /// A Redis key or channel of this cluster: `{prefix}:{name}`.
    pub fn key(&self, name: &str) -> String {
        format!("{}:{name}", self.prefix)
    }

    /// How often a node renews what it owns: three times per expiry.
    pub fn heartbeat(&self) -> Duration {
        self.expiry / 3
    }

    /// How long what a node owns lives after a renewal, in milliseconds: a second short of the
    /// expiry, so that with the others' one-second checks it is gone within the expiry.
    pub fn ttl_ms(&self) -> u64 {
        self.expiry
            .saturating_sub(Duration::from_secs(1))
            .as_millis() as u64
    }

    /// Takes this node's id for the life of the process, so that two nodes given the same id
    /// (two processes on one host, both defaulting to the host name) cannot quietly take each
    /// other's rooms and drop each other's chat as their own echo. An id whose last holder
    /// crashed is free again within the expiry, so this waits that long before refusing.
    pub async fn hold_node_id(self: &Arc<Self>) -> anyhow::Result<()> {
        let key = self.key(&format!("node:{}", self.node_id));
        let deadline = tokio::time::Instant::now() + self.expiry;
        let mut warned = false;
        loop {
            let taken: bool = redis::Script::new(HOLD)
                .key(&key)
                .arg(&self.instance)
                .arg(self.ttl_ms())
                .invoke_async(&mut self.redis())
                .await
                .context("holding cluster.node_id in Redis")?;
            if taken {
                break;
            }
            anyhow::ensure!(
                tokio::time::Instant::now() < deadline,
                "cluster.node_id {:?} is held by another running node: give every node its own id",
                self.node_id
            );
            if !warned {
                warn!(node = %self.node_id, "another process holds this node id; waiting for it to expire");
                warned = true;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let cluster = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut lost = false;
            loop {
                let Some(cluster) = cluster.upgrade() else {
                    break;
                };
                tokio::time::sleep(cluster.heartbeat()).await;
                match redis::Script::new(HOLD)
                    .key(&key)
                    .arg(&cluster.instance)
                    .arg(cluster.ttl_ms())
                    .invoke_async::<bool>(&mut cluster.redis())
                    .await
                {
                    Ok(false) if !lost => {
                        error!(node = %cluster.node_id, "another process has taken this node id: give every node its own id");
                        lost = true;
                    }
                    Ok(held) => lost = !held,
                    Err(e) => warn!(error = %e, "could not renew this node's id in Redis"),
                }
            }
        });
        Ok(())
    }

    /// Lets the node id go at a clean stop, so a restart need not wait for it to expire.
    pub async fn release_node_id(&self) {
        let key = self.key(&format!("node:{}", self.node_id));
        let released = redis::Script::new(RELEASE_HOLD)
            .key(&key)
            .arg(&self.instance)
            .invoke_async::<i64>(&mut self.redis())
            .await;
        if let Err(e) = released {
            warn!(error = %e, "could not release this node's id in Redis");
        }
    }

    /// Whether Redis answers now (`/readyz`).
    pub async fn reachable(&self) -> bool {
        let mut redis = self.redis();
        matches!(
            tokio::time::timeout(
                COMMAND_TIMEOUT,
                redis::cmd("PING").query_async::<String>(&mut redis)
            )
            .await,
            Ok(Ok(_))
        )
    }
}

/// Takes or renews `KEYS[1]` for the instance `ARGV[1]` unless another instance holds it.
const HOLD: &str = r"
local held = redis.call('GET', KEYS[1])
if held and held ~= ARGV[1] then return false end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return true
";

/// Deletes `KEYS[1]` if the instance `ARGV[1]` holds it.
const RELEASE_HOLD: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

/// Milliseconds since the Unix epoch, the clock every node shares for heartbeats.
fn now_ms() -> i64 {
    crate::models::now_ms()
}
