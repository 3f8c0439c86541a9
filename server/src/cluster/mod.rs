//! Several nodes as one service, sharing Redis (README, Scaling out). With `cluster.redis_url`
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
pub mod registry;

use crate::configuration::Settings;
use anyhow::Context;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::sync::Arc;
use std::time::Duration;

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

/// Milliseconds since the Unix epoch, the clock every node shares for heartbeats.
fn now_ms() -> i64 {
    crate::models::now_ms()
}
