//! The SRT ingest: callers (OBS, ffmpeg) send MPEG-TS over SRT to one UDP port, in live mode,
//! with their stream key as the stream id. It shares the RTMP server's authorizer, registry,
//! limits and events, so a key is live once whichever protocol it arrives by.
//!
//! ```text
//! libsrt listener ─ handshake: gate (stream id ─▶ key ─▶ authorizer) ─▶ accept or reject (14xx)
//!   └─ accept thread ─▶ connection (a reading thread, a TS demuxer) ─▶ Publisher, as for RTMP
//! ```
//!
//! libsrt is blocking C: its calls run on threads of their own, and its receiving thread waits
//! for the gate, so a wrong key is refused in the handshake, before any media. That thread also
//! receives every live caller's packets, so the gate is kept cheap: each address (an IPv6 /64
//! as one) may start `srt.handshakes_per_minute_per_address` handshakes before anything is
//! looked up, and a lookup waits [`AUTHORIZE_LIMIT`] at most.
//!
//! libsrt calls the gate before it checks the caller's own settings (a `transtype=file` caller,
//! a wrong passphrase), and may still reject a caller the gate let in. What the gate took for a
//! caller (an ingest permit, an address slot, the publish grant, the room's claim) is therefore
//! given back unless the socket is accepted within [`PENDING_LIMIT`].

mod connection;
pub mod demux;
mod ffi;
mod socket;
pub mod streamid;

use crate::shared::{address_key, AddressSlot, Shared};
use crate::{IngestError, PublishGrant, Refusal, RtmpServer};
use media::StreamKey;
use socket::{Listener, ListenerOptions};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::OwnedSemaphorePermit;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

pub use socket::valid_passphrase;

/// Settings of the SRT listener.
#[derive(Debug, Clone)]
pub struct SrtConfig {
    /// The receiver's latency: how long packets are buffered for retransmission.
    pub latency: Duration,
    /// Encryption every caller must use (10–79 characters), or none.
    pub passphrase: Option<String>,
    /// MPEG-TS one caller may have waiting for its demuxer before it is dropped.
    pub max_buffered_bytes: u64,
    /// Handshakes one address (an IPv6 /64) may start per minute; more are refused (1402)
    /// before the stream id is looked at.
    pub handshakes_per_minute: u32,
    /// What one caller's MPEG-TS may make the demuxer hold ([`media::mpegts`]).
    pub held: media::mpegts::Limits,
    /// A caller whose bytes make no video frame for this long is dropped.
    pub frame_timeout: Duration,
}

/// How long the handshake waits for the authorizer: libsrt's receiving thread, which every
/// live caller's packets go through, waits with it.
const AUTHORIZE_LIMIT: Duration = Duration::from_secs(1);
/// How long the accepting thread waits for a caller before it looks for a stop.
const ACCEPT_POLL: Duration = Duration::from_millis(200);
/// A handshake the gate let in whose socket is not accepted by then (libsrt rejected it after
/// the gate) gives back what the gate took.
const PENDING_LIMIT: Duration = Duration::from_secs(1);
/// How often admissions are checked against [`PENDING_LIMIT`].
const SWEEP_EVERY: Duration = Duration::from_millis(200);
/// Addresses whose handshakes are counted at once; beyond, handshakes are refused (1402).
const COUNTED_ADDRESSES: usize = 65_536;

/// Handshakes started per address in the current minute.
struct HandshakeRate {
    per_minute: u32,
    counts: Mutex<HashMap<std::net::IpAddr, (Instant, u32)>>,
}

impl HandshakeRate {
    /// Whether `address` may start one more handshake now.
    fn allow(&self, address: std::net::IpAddr) -> bool {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.len() >= COUNTED_ADDRESSES {
            counts.retain(|_, (since, _)| since.elapsed() < Duration::from_secs(60));
            if counts.len() >= COUNTED_ADDRESSES && !counts.contains_key(&address) {
                return false;
            }
        }
        let (since, count) = counts.entry(address).or_insert((Instant::now(), 0));
        if since.elapsed() >= Duration::from_secs(60) {
            *since = Instant::now();
            *count = 0;
        }
        *count += 1;
        *count <= self.per_minute
    }
}

/// A caller the gate let in, waiting for `srt_accept` to hand over its socket.
struct Admitted {
    key: StreamKey,
    grant: PublishGrant,
    slot: AddressSlot,
    permit: OwnedSemaphorePermit,
    at: Instant,
}

type Pending = Mutex<HashMap<i32, Admitted>>;

/// A bound SRT listener, ready to run beside the RTMP server it shares its state with.
pub struct SrtServer {
    listener: Arc<Listener>,
    shared: Arc<Shared>,
    pending: Arc<Pending>,
    limits: CallerLimits,
}

/// What each caller is held to once accepted.
#[derive(Debug, Clone, Copy)]
struct CallerLimits {
    max_buffered: u64,
    held: media::mpegts::Limits,
    frame_timeout: Duration,
}

impl SrtServer {
    /// Binds `addr` (UDP) for the publishers of `rtmp`'s streams.
    pub fn bind(
        addr: SocketAddr,
        config: SrtConfig,
        rtmp: &RtmpServer,
    ) -> Result<Self, IngestError> {
        let shared = rtmp.shared.clone();
        let permits = rtmp.permits.clone();
        let pending: Arc<Pending> = Arc::default();
        let runtime = tokio::runtime::Handle::current();
        let rate = HandshakeRate {
            per_minute: config.handshakes_per_minute,
            counts: Mutex::default(),
        };
        let gate = {
            // The gate outlives the listener (see `Listener`): it must not keep the server's
            // state (and its event channel) alive after the server stops.
            let shared = Arc::downgrade(&shared);
            let pending = pending.clone();
            Box::new(move |ns: i32, peer: SocketAddr, stream_id: &str| {
                let Some(shared) = shared.upgrade() else {
                    return Err(ffi::reject::UNAVAILABLE);
                };
                let address = address_key(peer.ip());
                if !rate.allow(address) {
                    warn!(%peer, code = ffi::reject::OVERLOAD, "SRT caller refused: too many handshakes from this address (srt.handshakes_per_minute_per_address)");
                    return Err(ffi::reject::OVERLOAD);
                }
                admit(&runtime, &shared, &permits, &pending, ns, peer, stream_id)
            })
        };
        let options = ListenerOptions {
            latency: config.latency,
            passphrase: config.passphrase,
            idle_timeout: shared.config.idle_timeout,
            backlog: shared.config.max_connections,
        };
        let listener = Listener::bind(addr, &options, gate)
            .map_err(|e| IngestError::SrtBind(addr, e.to_string()))?;
        Ok(Self {
            listener: Arc::new(listener),
            shared,
            pending,
            limits: CallerLimits {
                max_buffered: config.max_buffered_bytes,
                held: config.held,
                frame_timeout: config.frame_timeout,
            },
        })
    }

    /// The UDP address it listens on.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// Accepts callers until `shutdown` fires. Their streams end with the RTMP server's, which
    /// waits for every connection.
    pub async fn run(self, shutdown: CancellationToken) {
        info!(addr = ?self.local_addr(), "SRT ingest listening");
        let runtime = tokio::runtime::Handle::current();
        let listener = self.listener.clone();
        let shared = self.shared.clone();
        let pending = self.pending.clone();
        let limits = self.limits;
        let stop = shutdown.child_token();
        // What the gate took for callers libsrt then rejected goes back within a second.
        tokio::spawn(sweep_pending(
            self.pending.clone(),
            self.shared.clone(),
            stop.clone(),
        ));
        let accepting = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("srt-accept".into())
                .spawn(move || accept_loop(&stop, &listener, &shared, &pending, limits, &runtime))
                .ok()
        };
        // Stops and joins the accepting thread however this future ends, even dropped with
        // its runtime, so the listener (and libsrt) are closed before the process exits.
        let mut accepting = AcceptThread {
            stop,
            thread: accepting,
        };
        shutdown.cancelled().await;
        accepting.stop.cancel();
        if let Some(thread) = accepting.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
        self.listener.close();
        info!("SRT ingest stopped listening");
    }
}

/// The accepting thread, stopped and joined on drop (within one poll).
struct AcceptThread {
    stop: CancellationToken,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for AcceptThread {
    fn drop(&mut self) {
        self.stop.cancel();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Hands every accepted socket to a connection task, until the listener is closed.
fn accept_loop(
    stop: &CancellationToken,
    listener: &Listener,
    shared: &Arc<Shared>,
    pending: &Pending,
    limits: CallerLimits,
    runtime: &tokio::runtime::Handle,
) {
    while !stop.is_cancelled() {
        let (socket, peer) = match listener.accept(ACCEPT_POLL) {
            Ok(Some(accepted)) => accepted,
            Ok(None) => continue,
            Err(e) => {
                if stop.is_cancelled() {
                    break;
                }
                warn!(error = %e, "SRT accept failed");
                std::thread::sleep(ACCEPT_POLL);
                continue;
            }
        };
        let admitted = pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&socket.id());
        let Some(admitted) = admitted else {
            warn!(%peer, "SRT caller accepted without a decision; closing");
            continue;
        };
        let shared = shared.clone();
        shared.tracker.spawn_on(
            {
                let shared = shared.clone();
                async move {
                    let caller = connection::Caller {
                        socket,
                        peer,
                        key: admitted.key,
                        grant: admitted.grant,
                        max_buffered: limits.max_buffered,
                        held: limits.held,
                        frame_timeout: limits.frame_timeout,
                    };
                    connection::serve(caller, shared).await;
                    drop(admitted.slot);
                    drop(admitted.permit);
                }
            },
            runtime,
        );
    }
}

/// Gives back, every [`SWEEP_EVERY`], what the gate took for callers whose sockets were not
/// accepted within [`PENDING_LIMIT`]: their permit and address slot (dropped), and their grant
/// (the server is told it will carry no stream, and releases the room).
async fn sweep_pending(pending: Arc<Pending>, shared: Arc<Shared>, stop: CancellationToken) {
    let mut ticker = tokio::time::interval(SWEEP_EVERY);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = ticker.tick() => {}
        }
        let expired: Vec<Admitted> = {
            let mut pending = pending.lock().unwrap_or_else(|p| p.into_inner());
            let ids: Vec<i32> = pending
                .iter()
                .filter(|(_, a)| a.at.elapsed() >= PENDING_LIMIT)
                .map(|(id, _)| *id)
                .collect();
            ids.iter().filter_map(|id| pending.remove(id)).collect()
        };
        for admitted in expired {
            info!(key = %admitted.key.redacted(), "an SRT caller let in by the handshake was never accepted (libsrt refused its settings); its admission is released");
            crate::session::forget(&shared, admitted.grant.stream_id.clone()).await;
            drop(admitted);
        }
    }
}

/// The handshake's gate, on libsrt's receiving thread: the stream id must name a key the
/// authorizer accepts, within the connection limits. Every refusal is logged with the reject
/// code the caller is sent.
fn admit(
    runtime: &tokio::runtime::Handle,
    shared: &Arc<Shared>,
    permits: &Arc<tokio::sync::Semaphore>,
    pending: &Pending,
    ns: i32,
    peer: SocketAddr,
    stream_id: &str,
) -> socket::Decision {
    match decide(runtime, shared, permits, peer, stream_id) {
        Ok(admitted) => {
            pending
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(ns, admitted);
            Ok(())
        }
        Err((code, reason)) => {
            warn!(%peer, %reason, code, "SRT caller refused");
            Err(code)
        }
    }
}

/// Admits a caller, or gives the reject code and the reason to log.
fn decide(
    runtime: &tokio::runtime::Handle,
    shared: &Arc<Shared>,
    permits: &Arc<tokio::sync::Semaphore>,
    peer: SocketAddr,
    stream_id: &str,
) -> Result<Admitted, (i32, String)> {
    use ffi::reject;
    if shared.shutdown.is_cancelled() {
        return Err((reject::UNAVAILABLE, "the server is stopping".to_owned()));
    }
    let key = streamid::parse(stream_id).map_err(|e| {
        let code = match e {
            streamid::StreamIdError::NotPublish(_) => reject::BAD_MODE,
            _ => reject::BAD_REQUEST,
        };
        (code, e.to_string())
    })?;
    let Ok(permit) = permits.clone().try_acquire_owned() else {
        let limit = shared.config.max_connections;
        return Err((
            reject::OVERLOAD,
            format!("too many ingest connections (limit {limit})"),
        ));
    };
    let Some(slot) = AddressSlot::claim(shared, peer.ip()) else {
        let limit = shared.config.max_connections_per_address;
        return Err((
            reject::OVERLOAD,
            format!("too many ingest connections from this address (limit {limit})"),
        ));
    };
    let authorized = runtime.block_on(async {
        tokio::time::timeout(AUTHORIZE_LIMIT, shared.authorizer.authorize(&key)).await
    });
    match authorized {
        Ok(Ok(grant)) => Ok(Admitted {
            key,
            grant,
            slot,
            permit,
            at: Instant::now(),
        }),
        Ok(Err(Refusal::Unavailable)) | Err(_) => Err((
            reject::UNAVAILABLE,
            format!(
                "publishing is temporarily unavailable (key {})",
                key.redacted()
            ),
        )),
        Ok(Err(refusal)) => Err((
            reject::FORBIDDEN,
            format!("{refusal} (key {})", key.redacted()),
        )),
    }
}
