//! The RTMP ingest server: accepts publishers, authorizes their keys and feeds their media into
//! one [`StreamPipeline`](crate::pipeline::StreamPipeline) each.
//!
//! The protocol (handshake, chunk streams, AMF0 commands) is handled by `rml_rtmp`; this module
//! owns sockets, timeouts, authorization and the mapping from FLV packets to pipeline frames:
//!
//! ```text
//! RtmpServer (accept, limits) ─▶ connection (socket, session, deadlines)
//!                                    └─▶ Publisher (awaiting headers ─▶ live: StreamPipeline)
//! registry: which key is live, which broadcasts wait for their publisher to come back
//! timestamps: RTMP's 32-bit milliseconds ─▶ stream time
//! ```

mod connection;
#[doc(hidden)]
pub mod fuzzing;
mod publisher;
mod registry;
pub mod srt;
mod timestamps;

use crate::events::StreamEvent;
use crate::ladder::Ladder;
use crate::media::{StreamId, StreamKey};
use crate::pipeline::HlsSettings;
use futures_util::future::BoxFuture;
use registry::Registry;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use thiserror::Error;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

/// What a publisher is allowed to do once its key is accepted.
#[derive(Debug, Clone)]
pub struct PublishGrant {
    /// The public id the stream is served under.
    pub stream_id: StreamId,
    pub ladder: Ladder,
    pub hls: HlsSettings,
    /// Where the stream is also pushed (restreaming), kept current while it is live; `None`
    /// for none.
    pub destinations: Option<crate::restream::Destinations>,
}

/// Why a publisher was turned away.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum Refusal {
    #[error("unknown stream key")]
    UnknownKey,
    #[error("publishing is not allowed: {0}")]
    NotAllowed(String),
    #[error("the authorizer is unavailable")]
    Unavailable,
}

/// Decides whether a stream key may publish. The server plugs its own rules in here.
pub trait Authorizer: Send + Sync + 'static {
    /// Checks `key` and returns what the publisher may do.
    fn authorize<'a>(&'a self, key: &'a StreamKey) -> BoxFuture<'a, Result<PublishGrant, Refusal>>;
}

/// Settings of the ingest server.
#[derive(Debug, Clone)]
pub struct IngestConfig {
    /// The RTMP application publishers connect to (`rtmp://host/<app>`).
    pub app: String,
    /// HLS output goes to `<data_dir>/hls/<stream-id>/`, archives to `<data_dir>/recordings/`.
    pub data_dir: PathBuf,
    pub handshake_timeout: Duration,
    /// A publisher silent for this long is considered gone.
    pub idle_timeout: Duration,
    /// A connection that has not asked to publish by then is closed.
    pub publish_timeout: Duration,
    /// A write the peer does not take within this long ends the connection.
    pub write_timeout: Duration,
    /// Connections at once, from anywhere.
    pub max_connections: usize,
    /// Connections at once from one IP address.
    pub max_connections_per_address: usize,
    /// The longest RTMP message accepted (a keyframe is one message).
    pub max_message_bytes: usize,
    /// The most bytes one connection may hold in unfinished RTMP messages.
    pub max_buffered_bytes: usize,
    /// A broadcast whose publisher is lost waits this long for it to come back and continue.
    /// Zero ends it at once.
    pub reconnect_grace: Duration,
    /// A publisher silent this long is replaced by a new one presenting the same key.
    pub takeover_quiet: Duration,
    /// Whether restreaming may connect to loopback, private and link-local addresses (a
    /// streamer could otherwise make the server reach its own network).
    pub allow_private_destinations: bool,
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            app: "live".into(),
            data_dir: PathBuf::from("./data"),
            handshake_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            publish_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
            max_connections: 256,
            max_connections_per_address: 8,
            max_message_bytes: 8 * 1024 * 1024,
            max_buffered_bytes: 16 * 1024 * 1024,
            reconnect_grace: Duration::from_secs(30),
            takeover_quiet: Duration::from_secs(2),
            allow_private_destinations: false,
        }
    }
}

impl IngestConfig {
    /// Where the streams' output goes under `data_dir`.
    pub fn layout(&self) -> crate::OutputLayout {
        crate::OutputLayout::new(&self.data_dir)
    }
}

/// Errors of the ingest server itself (not of one connection).
#[derive(Debug, Error)]
pub enum IngestError {
    #[error("could not listen for RTMP on {0}")]
    Bind(SocketAddr, #[source] std::io::Error),
    #[error("could not listen for SRT on {0} (UDP): {1}")]
    SrtBind(SocketAddr, String),
    #[error(transparent)]
    Pipeline(#[from] crate::pipeline::PipelineError),
}

/// State shared by every connection.
struct Shared {
    config: IngestConfig,
    authorizer: Arc<dyn Authorizer>,
    events: mpsc::Sender<StreamEvent>,
    /// Keys with a publisher right now, and broadcasts waiting for theirs to come back.
    registry: Arc<Registry>,
    /// Every connection task and every parked broadcast's timer, waited for at shutdown.
    tracker: TaskTracker,
    /// Open connections by peer address, for the per-address limit.
    per_address: Mutex<HashMap<IpAddr, usize>>,
    shutdown: CancellationToken,
}

/// One connection counted against its address's limit while it lives.
struct AddressSlot {
    shared: Arc<Shared>,
    ip: IpAddr,
}

/// The key a per-address limit counts under: the IPv4 address (IPv4-mapped ones as IPv4), or
/// the /64 network of an IPv6 address (one subscriber usually holds a whole /64).
pub(crate) fn address_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(std::net::Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

impl AddressSlot {
    /// A slot for a connection from `ip` (counted by [`address_key`]), if its address has one.
    fn claim(shared: &Arc<Shared>, ip: IpAddr) -> Option<Self> {
        let ip = address_key(ip);
        let mut open = shared.per_address.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(ip).or_insert(0);
        if *count >= shared.config.max_connections_per_address {
            return None;
        }
        *count += 1;
        Some(Self {
            shared: shared.clone(),
            ip,
        })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut open = self
            .shared
            .per_address
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// Lets the application act on running publishers.
#[derive(Clone)]
pub struct IngestHandle {
    revocations: registry::Revocations,
}

impl IngestHandle {
    /// Ends a publisher whose right to stream was taken away (its room deleted, its owner
    /// disabled). Its stream ends cleanly with [`EndReason::Revoked`](crate::EndReason::Revoked).
    /// Returns false if no such publisher is connected.
    pub fn revoke(&self, stream_id: &StreamId) -> bool {
        self.revocations.revoke(stream_id, None)
    }

    /// Ends a publisher (or a broadcast waiting for its publisher) at one of the server's
    /// limits: its stream ends cleanly with [`EndReason::LimitReached`](crate::EndReason)
    /// saying `why`. Returns false if no such stream is here.
    pub fn stop(&self, stream_id: &StreamId, why: String) -> bool {
        self.revocations.revoke(stream_id, Some(why))
    }
}

/// A bound RTMP server, ready to run.
pub struct RtmpServer {
    listener: TcpListener,
    shared: Arc<Shared>,
    permits: Arc<Semaphore>,
}

impl RtmpServer {
    /// Binds the listener. Port 0 picks a free port (see [`RtmpServer::local_addr`]).
    pub async fn bind(
        addr: SocketAddr,
        config: IngestConfig,
        authorizer: Arc<dyn Authorizer>,
        events: mpsc::Sender<StreamEvent>,
    ) -> Result<Self, IngestError> {
        crate::init()?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| IngestError::Bind(addr, e))?;
        let permits = Arc::new(Semaphore::new(config.max_connections));
        let shared = Arc::new(Shared {
            config,
            authorizer,
            events,
            registry: Arc::new(Registry::new()),
            tracker: TaskTracker::new(),
            per_address: Mutex::default(),
            shutdown: CancellationToken::new(),
        });
        Ok(Self {
            listener,
            shared,
            permits,
        })
    }

    /// A handle to act on running publishers.
    pub fn handle(&self) -> IngestHandle {
        IngestHandle {
            revocations: self.shared.registry.revocations.clone(),
        }
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Accepts publishers until `shutdown` fires, then ends every live stream cleanly (each
    /// archive finalized, each playlist closed with `EXT-X-ENDLIST`) before returning.
    pub async fn run(self, shutdown: CancellationToken) {
        let addr = self.local_addr().ok();
        info!(?addr, "RTMP ingest listening");
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                accepted = self.listener.accept() => match accepted {
                    Ok((socket, peer)) => {
                        let Ok(permit) = self.permits.clone().try_acquire_owned() else {
                            warn!(%peer, limit = self.shared.config.max_connections, "too many RTMP connections; refusing");
                            continue;
                        };
                        let Some(slot) = AddressSlot::claim(&self.shared, peer.ip()) else {
                            warn!(%peer, limit = self.shared.config.max_connections_per_address, "too many RTMP connections from this address; refusing");
                            continue;
                        };
                        let shared = self.shared.clone();
                        self.shared.tracker.spawn(async move {
                            connection::serve(socket, peer, shared).await;
                            drop(slot);
                            drop(permit);
                        });
                    }
                    Err(e) => {
                        warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
            }
        }
        info!(
            connections = self.shared.tracker.len(),
            "RTMP ingest shutting down; ending live streams"
        );
        self.shared.shutdown.cancel();
        self.shared.tracker.close();
        self.shared.tracker.wait().await;
        info!("RTMP ingest stopped");
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, RngCore};

    #[test]
    fn an_ipv6_64_counts_as_one_address() {
        let key = |ip: &str| super::address_key(ip.parse().expect("an address"));
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.7"), key("192.0.2.7"));
        assert_eq!(key("192.0.2.7").to_string(), "192.0.2.7");
    }
    use rml_rtmp::handshake::{Handshake, PeerType};
    use rml_rtmp::sessions::{ServerSession, ServerSessionConfig};

    /// The protocol layer answers garbage with errors, never a panic.
    #[test]
    fn random_bytes_never_panic_the_protocol_layer() {
        let mut rng = rand::rng();
        for _ in 0..2000 {
            let mut bytes = vec![0u8; rng.random_range(1..4096)];
            rng.fill_bytes(&mut bytes);
            let mut handshake = Handshake::new(PeerType::Server);
            let _ = handshake.process_bytes(&bytes);
            if let Ok((mut session, _)) = ServerSession::new(ServerSessionConfig::new()) {
                let _ = session.handle_input(&bytes);
                // Valid chunk basic header for a command, then noise.
                bytes[0] = 0x03;
                let _ = session.handle_input(&bytes);
            }
        }
    }
}
