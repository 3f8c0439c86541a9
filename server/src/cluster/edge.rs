//! The HLS edge: a node asked for a stream another node runs fetches it from that node (the
//! origin named in the registry) and answers as if it were its own.
//!
//! - Identical concurrent requests (the same file and query: many viewers blocking on the same
//!   next part) share one upstream fetch.
//! - Parts, segments and init segments never change under their name: they are kept for
//!   [`CACHE_FOR`], within [`CACHE_BYTES`], so each node is also a cache.
//! - Blocking playlist requests (`_HLS_msn`, `_HLS_part`) pass through with their query; the
//!   origin holds them, and the edge waits with them.
//! - A request from an edge carries [`FROM_EDGE`], and the origin never proxies it again, so a
//!   stale registry cannot make two nodes ask each other in a loop.

use super::registry::Registry;
use bytes::Bytes;
use futures_util::future::{BoxFuture, FutureExt, Shared};
use pipelines::StreamId;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use thiserror::Error;
use tracing::{debug, warn};

/// The header that marks a request made by an edge.
pub const FROM_EDGE: &str = "x-livestream-edge";
/// How long an immutable file fetched from an origin is served from memory.
pub const CACHE_FOR: Duration = Duration::from_secs(20);
/// The most bytes of immutable files kept.
pub const CACHE_BYTES: usize = 128 * 1024 * 1024;
/// The largest file fetched from an origin (a segment of a high-bitrate source is a few MiB).
const MAX_BODY: usize = 64 * 1024 * 1024;
/// An upstream request may take this long: a blocking reload waits at most three target
/// durations (10 s segments: 30 s) at the origin.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(35);

/// What the origin answered.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub body: Bytes,
    /// The origin's `Cache-Control`, kept for playlists (a blocking answer may be shared).
    pub cache_control: Option<String>,
}

/// Why a file could not be had from its origin.
#[derive(Debug, Clone, Error)]
pub enum EdgeError {
    /// No node runs the stream, or the origin has no such file.
    #[error("not found")]
    NotFound,
    /// The origin refused the request (a blocking request beyond the live edge).
    #[error("the origin refused the request")]
    BadRequest,
    /// The origin is unreachable, too slow or failing.
    #[error("the origin is unavailable: {0}")]
    Unavailable(String),
}

type Pending = Shared<BoxFuture<'static, Result<Fetched, EdgeError>>>;

/// Immutable files by URL, oldest first for eviction.
#[derive(Default)]
struct Cache {
    files: HashMap<String, (Instant, Fetched)>,
    order: VecDeque<String>,
    bytes: usize,
}

impl Cache {
    fn get(&mut self, url: &str) -> Option<Fetched> {
        self.expire();
        self.files.get(url).map(|(_, f)| f.clone())
    }

    fn insert(&mut self, url: String, fetched: Fetched) {
        if fetched.body.len() > CACHE_BYTES / 4 || self.files.contains_key(&url) {
            return;
        }
        self.bytes += fetched.body.len();
        self.order.push_back(url.clone());
        self.files.insert(url, (Instant::now(), fetched));
        while self.bytes > CACHE_BYTES {
            if !self.evict_oldest() {
                break;
            }
        }
    }

    fn expire(&mut self) {
        while let Some(oldest) = self.order.front() {
            match self.files.get(oldest) {
                Some((at, _)) if at.elapsed() < CACHE_FOR => break,
                _ => {
                    self.evict_oldest();
                }
            }
        }
    }

    fn evict_oldest(&mut self) -> bool {
        let Some(url) = self.order.pop_front() else {
            return false;
        };
        if let Some((_, f)) = self.files.remove(&url) {
            self.bytes -= f.body.len();
        }
        true
    }
}

/// This node's edge.
pub struct Edge {
    registry: Arc<Registry>,
    node_id: String,
    client: reqwest::Client,
    /// The server's main runtime: upstream fetches run there, not on an HTTP worker's.
    runtime: tokio::runtime::Handle,
    pending: Mutex<HashMap<String, Pending>>,
    cache: Mutex<Cache>,
}

impl Edge {
    /// An edge on the current (the server's main) runtime.
    pub fn new(registry: Arc<Registry>, node_id: String) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(UPSTREAM_TIMEOUT)
            .pool_max_idle_per_host(64)
            .build()?;
        Ok(Self {
            registry,
            node_id,
            client,
            runtime: tokio::runtime::Handle::current(),
            pending: Mutex::default(),
            cache: Mutex::default(),
        })
    }

    /// `file` of stream `id` (with the request's `query`) from the node that runs it.
    /// `immutable` files are cached.
    pub async fn fetch(
        &self,
        id: &StreamId,
        file: &str,
        query: &str,
        immutable: bool,
    ) -> Result<Fetched, EdgeError> {
        let record = self.registry.lookup(id).await.ok_or(EdgeError::NotFound)?;
        if record.node == self.node_id {
            // Ours in the registry, not in this process: it just ended, or this node restarted.
            return Err(EdgeError::NotFound);
        }
        let mut url = format!("{}/hls/{id}/{file}", record.origin);
        if !query.is_empty() {
            url.push('?');
            url.push_str(query);
        }
        if immutable {
            if let Some(hit) = self
                .cache
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&url)
            {
                return Ok(hit);
            }
        }
        let (pending, first) = {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            match pending.get(&url) {
                Some(p) => (p.clone(), false),
                None => {
                    let p = fetch(&self.runtime, self.client.clone(), url.clone())
                        .boxed()
                        .shared();
                    pending.insert(url.clone(), p.clone());
                    (p, true)
                }
            }
        };
        let result = pending.await;
        if first {
            self.pending
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&url);
            if let (true, Ok(fetched)) = (immutable, &result) {
                self.cache
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(url, fetched.clone());
            }
        }
        result
    }
}

/// One upstream GET, run as its own task so that it completes (and its waiters get the answer)
/// even if the request that started it goes away.
fn fetch(
    runtime: &tokio::runtime::Handle,
    client: reqwest::Client,
    url: String,
) -> impl std::future::Future<Output = Result<Fetched, EdgeError>> + Send + 'static {
    let task = runtime.spawn(async move {
        let response = client
            .get(&url)
            .header(FROM_EDGE, "1")
            .send()
            .await
            .map_err(|e| EdgeError::Unavailable(e.to_string()))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(EdgeError::NotFound);
        }
        if status == reqwest::StatusCode::BAD_REQUEST {
            return Err(EdgeError::BadRequest);
        }
        if !status.is_success() {
            return Err(EdgeError::Unavailable(format!("{url} answered {status}")));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_BODY as u64)
        {
            return Err(EdgeError::Unavailable(format!("{url} is too large")));
        }
        let cache_control = response
            .headers()
            .get(reqwest::header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response
            .bytes()
            .await
            .map_err(|e| EdgeError::Unavailable(e.to_string()))?;
        debug!(%url, bytes = body.len(), "fetched from the origin");
        Ok(Fetched {
            body,
            cache_control,
        })
    });
    async move {
        match task.await {
            Ok(result) => {
                if let Err(EdgeError::Unavailable(why)) = &result {
                    warn!(error = %why, "an HLS fetch from the origin node failed");
                }
                result
            }
            Err(e) => Err(EdgeError::Unavailable(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(n: usize) -> Fetched {
        Fetched {
            body: Bytes::from(vec![0u8; n]),
            cache_control: None,
        }
    }

    #[test]
    fn the_cache_stays_within_its_bytes() {
        let mut cache = Cache::default();
        for i in 0..100 {
            cache.insert(format!("u{i}"), file(CACHE_BYTES / 10));
            assert!(cache.bytes <= CACHE_BYTES, "{} bytes", cache.bytes);
        }
        assert!(cache.get("u99").is_some(), "the newest stays");
        assert!(cache.get("u0").is_none(), "the oldest went");
    }
}
