//! The `[cluster]` section: several nodes over Redis.

use super::is_http_url;
use super::DefaultValue::{self, *};
use serde::Deserialize;

/// Built-in defaults, under `cluster.`: what the configuration reference documents.
pub(super) const DEFAULTS: &[(&str, DefaultValue)] = &[
    ("redis_url", Text("")),
    ("node_id", Text("")),
    ("advertise_url", Text("")),
    ("key_prefix", Text("livestream")),
    ("expiry_seconds", Number(15)),
    ("drain_seconds", Number(30)),
    ("edge_cache_mib", Number(128)),
    ("edge_max_fetches", Number(1024)),
];

/// Several nodes sharing one database, one Redis and one object store (docs/operations/scaling-out.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSettings {
    /// `redis://host:port[/db]`. Empty: one node, with its chat hub, viewer counts, limits and
    /// live-stream registry in the process.
    pub redis_url: String,
    /// This node's name in the registry and on chat messages. Empty: the host name.
    pub node_id: String,
    /// The HTTP base other nodes reach this node at (`http://10.0.0.5:8080`), for HLS of the
    /// streams it originates. Empty: `http://<http.host>:<port>`, when `http.host` is an address
    /// others can reach (not `0.0.0.0`).
    pub advertise_url: String,
    /// Prefix of every Redis key and channel, so that several clusters may share one Redis.
    pub key_prefix: String,
    /// A node's claims and presence expire this long after its last heartbeat (sent every third
    /// of it): how long a crashed node's rooms and viewers outlive it.
    pub expiry_seconds: u64,
    /// On SIGTERM, how long the node waits for its live streams to end before it ends them
    /// itself; new publishes are refused meanwhile.
    pub drain_seconds: u64,
    /// The HLS edge's memory for other nodes' parts and segments, in MiB.
    pub edge_cache_mib: usize,
    /// Fetches from other nodes the HLS edge runs at once; more are refused (503).
    pub edge_max_fetches: usize,
}

impl ClusterSettings {
    /// Whether this node shares its state with others through Redis.
    pub fn enabled(&self) -> bool {
        !self.redis_url.is_empty()
    }

    /// Refuses a value out of range, naming the key.
    pub(super) fn validate(&self) -> Result<(), String> {
        let name_like = |s: &str| {
            (1..=64).contains(&s.len())
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        };
        if !name_like(&self.node_id) {
            return Err(
                "cluster.node_id must be 1-64 letters, digits, '.', '-' or '_' (empty: the host name)".into(),
            );
        }
        if !name_like(&self.key_prefix) {
            return Err("cluster.key_prefix must be 1-64 letters, digits, '.', '-' or '_'".into());
        }
        if !self.redis_url.is_empty() && redis::parse_redis_url(&self.redis_url).is_none() {
            return Err("cluster.redis_url must be a redis:// or rediss:// URL".into());
        }
        if !(self.advertise_url.is_empty() || is_http_url(&self.advertise_url)) {
            return Err("cluster.advertise_url must be an http:// or https:// URL".into());
        }
        if !(3..=600).contains(&self.expiry_seconds) {
            return Err("cluster.expiry_seconds must be between 3 and 600".into());
        }
        if self.drain_seconds > 24 * 3600 {
            return Err("cluster.drain_seconds must be between 0 and 86400".into());
        }
        if !(16..=65_536).contains(&self.edge_cache_mib)
            || !(16..=100_000).contains(&self.edge_max_fetches)
        {
            return Err(
                "cluster.edge_cache_mib must be 16-65536 and cluster.edge_max_fetches 16-100000"
                    .into(),
            );
        }
        Ok(())
    }
}
