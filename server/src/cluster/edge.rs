//! The HLS edge: a node asked for a stream another node runs fetches it from that node (the
//! origin named in the registry) and answers as if it were its own.
//!
//! - Identical concurrent requests (the same file and directives: many viewers blocking on the
//!   same next part) share one upstream fetch. The fetch is a task of its own, which removes
//!   its entry when it completes, whatever became of the requests waiting on it: a client that
//!   goes away cannot leave an entry (and its body) behind.
//! - What is fetched and shared is named by its canonical URL: no query for files that never
//!   change, and only `_HLS_msn`, `_HLS_part` and `_HLS_skip` for playlists (the caller passes
//!   them, [`canonical_query`]), so cache busters and byte ranges cannot multiply fetches.
//! - Parts, segments and init segments never change under their name: they are kept for
//!   [`CACHE_FOR`], within `cluster.edge_cache_mib`, so each node is also a cache.
//! - At most `cluster.edge_max_fetches` fetches run at once; beyond that a request is refused
//!   (503) rather than queued.
//! - Blocking playlist requests (`_HLS_msn`, `_HLS_part`) pass through with their directives;
//!   the origin holds them, and the edge waits with them.
//! - Origins are `http(s)://host:port` and nothing more, and redirects are never followed: a
//!   record in the registry cannot make the edge fetch an arbitrary URL.
//! - A request from an edge carries [`FROM_EDGE`], and the origin never proxies it again, so a
//!   stale registry cannot make two nodes ask each other in a loop.

use super::registry::Registry;
use bytes::Bytes;
use futures_util::future::{BoxFuture, FutureExt, Shared};
use media::StreamId;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use thiserror::Error;
use tracing::{debug, warn};

/// The header that marks a request made by an edge.
pub const FROM_EDGE: &str = "x-livestream-edge";
/// How long an immutable file fetched from an origin is served from memory.
pub const CACHE_FOR: Duration = Duration::from_secs(20);
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
    /// The origin is unreachable, too slow or failing, or too many fetches are under way.
    #[error("the origin is unavailable: {0}")]
    Unavailable(String),
}

/// How big the edge may grow.
#[derive(Debug, Clone, Copy)]
pub struct EdgeLimits {
    /// Bytes of immutable files kept.
    pub cache_bytes: usize,
    /// Upstream fetches at once.
    pub max_fetches: usize,
}

type Pending = Shared<BoxFuture<'static, Result<Fetched, EdgeError>>>;

/// Immutable files by URL, oldest first for eviction.
struct Cache {
    files: HashMap<String, (Instant, Fetched)>,
    order: VecDeque<String>,
    bytes: usize,
    limit: usize,
}

impl Cache {
    fn new(limit: usize) -> Self {
        Self {
            files: HashMap::new(),
            order: VecDeque::new(),
            bytes: 0,
            limit,
        }
    }

    fn get(&mut self, url: &str) -> Option<Fetched> {
        self.expire();
        self.files.get(url).map(|(_, f)| f.clone())
    }

    fn insert(&mut self, url: String, fetched: Fetched) {
        if fetched.body.len() > self.limit / 4 || self.files.contains_key(&url) {
            return;
        }
        self.bytes += fetched.body.len();
        self.order.push_back(url.clone());
        self.files.insert(url, (Instant::now(), fetched));
        while self.bytes > self.limit {
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

/// What the fetch tasks and the requests share.
struct Shelves {
    pending: Mutex<HashMap<String, Pending>>,
    cache: Mutex<Cache>,
}

impl Shelves {
    fn pending(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// This node's edge.
pub struct Edge {
    registry: Arc<Registry>,
    node_id: String,
    client: reqwest::Client,
    /// The server's main runtime: upstream fetches run there, not on an HTTP worker's.
    runtime: tokio::runtime::Handle,
    shelves: Arc<Shelves>,
    max_fetches: usize,
}

impl Edge {
    /// An edge on the current (the server's main) runtime.
    pub fn new(
        registry: Arc<Registry>,
        node_id: String,
        limits: EdgeLimits,
    ) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(UPSTREAM_TIMEOUT)
            .pool_max_idle_per_host(64)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            registry,
            node_id,
            client,
            runtime: tokio::runtime::Handle::current(),
            shelves: Arc::new(Shelves {
                pending: Mutex::default(),
                cache: Mutex::new(Cache::new(limits.cache_bytes)),
            }),
            max_fetches: limits.max_fetches,
        })
    }

    /// Upstream fetches under way (`/metrics`).
    pub fn fetches_in_flight(&self) -> usize {
        self.shelves.pending().len()
    }

    /// Bytes of immutable files kept (`/metrics`).
    pub fn cached_bytes(&self) -> usize {
        self.shelves.cache().bytes
    }

    /// `file` of stream `id` from the node that runs it, with `query` already canonical
    /// ([`canonical_query`]). `immutable` files are cached.
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
        let Some(origin) = origin(&record.origin) else {
            warn!(node = %record.node, "the registry names an origin that is not http(s)://host:port; not fetching");
            return Err(EdgeError::Unavailable("not an origin".into()));
        };
        let mut url = format!("{origin}/hls/{id}/{file}");
        if !query.is_empty() {
            url.push('?');
            url.push_str(query);
        }
        if immutable {
            if let Some(hit) = self.shelves.cache().get(&url) {
                return Ok(hit);
            }
        }
        let pending = {
            let mut pending = self.shelves.pending();
            match pending.get(&url) {
                Some(p) => p.clone(),
                None if pending.len() >= self.max_fetches => {
                    return Err(EdgeError::Unavailable(
                        "cluster.edge_max_fetches fetches are under way".into(),
                    ));
                }
                None => {
                    let p = fetch(
                        &self.runtime,
                        self.client.clone(),
                        url.clone(),
                        immutable,
                        Arc::downgrade(&self.shelves),
                    )
                    .boxed()
                    .shared();
                    pending.insert(url, p.clone());
                    p
                }
            }
        };
        pending.await
    }
}

/// `advertised` if it is an origin and nothing more: `http://` or `https://`, a host, an
/// explicit port, and no user, path, query or fragment.
fn origin(advertised: &str) -> Option<String> {
    let url = reqwest::Url::parse(advertised).ok()?;
    let plain = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some()
        && url.port_or_known_default().is_some()
        && url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none();
    plain.then(|| advertised.trim_end_matches('/').to_owned())
}

/// The directives of a media playlist request that change its answer, in one order:
/// `_HLS_msn`, `_HLS_part`, `_HLS_skip`. Everything else a client adds is left out of the
/// fetch and of the key it is shared by.
pub fn canonical_query(msn: Option<u64>, part: Option<u32>, skip: bool) -> String {
    let mut query = Vec::new();
    if let Some(msn) = msn {
        query.push(format!("_HLS_msn={msn}"));
    }
    if let Some(part) = part {
        query.push(format!("_HLS_part={part}"));
    }
    if skip {
        query.push("_HLS_skip=YES".to_owned());
    }
    query.join("&")
}

/// One upstream GET, run as its own task: it completes (and its waiters get the answer) even if
/// every request waiting on it goes away, and then takes its entry out of the pending map and
/// puts an immutable file in the cache.
fn fetch(
    runtime: &tokio::runtime::Handle,
    client: reqwest::Client,
    url: String,
    immutable: bool,
    shelves: std::sync::Weak<Shelves>,
) -> impl std::future::Future<Output = Result<Fetched, EdgeError>> + Send + 'static {
    let task = runtime.spawn(async move {
        let result = get(&client, &url).await;
        if let Some(shelves) = shelves.upgrade() {
            if let (true, Ok(fetched)) = (immutable, &result) {
                shelves.cache().insert(url.clone(), fetched.clone());
            }
            shelves.pending().remove(&url);
        }
        result
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

async fn get(client: &reqwest::Client, url: &str) -> Result<Fetched, EdgeError> {
    let response = client
        .get(url)
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
    let body = read_bounded(response)
        .await
        .map_err(|e| EdgeError::Unavailable(format!("{url}: {e}")))?;
    debug!(%url, bytes = body.len(), "fetched from the origin");
    Ok(Fetched {
        body,
        cache_control,
    })
}

/// The body, refused once it passes [`MAX_BODY`] (an origin need not say its length).
async fn read_bounded(mut response: reqwest::Response) -> Result<Bytes, String> {
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err("too large".into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
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
        const LIMIT: usize = 1 << 20;
        let mut cache = Cache::new(LIMIT);
        for i in 0..100 {
            cache.insert(format!("u{i}"), file(LIMIT / 10));
            assert!(cache.bytes <= LIMIT, "{} bytes", cache.bytes);
        }
        assert!(cache.get("u99").is_some(), "the newest stays");
        assert!(cache.get("u0").is_none(), "the oldest went");
    }

    #[test]
    fn only_plain_origins_are_fetched_from() {
        assert_eq!(
            origin("http://10.0.0.5:8080").as_deref(),
            Some("http://10.0.0.5:8080")
        );
        assert_eq!(
            origin("https://node-b:8443/").as_deref(),
            Some("https://node-b:8443")
        );
        for bad in [
            "http://10.0.0.5:8080/evil",
            "http://user:pw@10.0.0.5:8080",
            "http://10.0.0.5:8080?x=1",
            "file:///etc/passwd",
            "gopher://10.0.0.5:70",
            "10.0.0.5:8080",
            "",
        ] {
            assert_eq!(origin(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_the_directives_make_a_playlist_query() {
        assert_eq!(canonical_query(None, None, false), "");
        assert_eq!(
            canonical_query(Some(12), Some(3), true),
            "_HLS_msn=12&_HLS_part=3&_HLS_skip=YES"
        );
    }
}
