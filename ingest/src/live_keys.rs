//! Which stream keys have a publisher, and broadcasts waiting for theirs to come back.
//!
//! A key has at most one publisher. A second one is refused, unless the first has gone quiet
//! (its network froze: no FIN, no RST), in which case the newcomer takes over. A broadcast whose
//! publisher is lost is parked for the reconnect grace period instead of ended: the same key
//! continues it (same stream id and playback URL, one recording) if it comes back with the same
//! codec configuration in time; otherwise it ends as it would have.

use bytes::Bytes;
use engine::pipeline::StreamPipeline;
use engine::EndReason;
use media::{StreamId, StreamKey};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::info;

/// Revocation tokens of accepted publishers and parked broadcasts, by stream, and why a stream
/// was stopped when the server ended it at a limit. Shared with
/// [`IngestHandle`](super::IngestHandle)s, which must not keep the rest of the server alive.
#[derive(Clone, Default)]
pub(super) struct Revocations {
    tokens: Arc<Mutex<HashMap<StreamId, CancellationToken>>>,
    reasons: Arc<Mutex<HashMap<StreamId, String>>>,
}

impl Revocations {
    pub(super) fn insert(&self, stream_id: StreamId, token: CancellationToken) {
        lock(&self.tokens).insert(stream_id, token);
    }

    pub(super) fn remove(&self, stream_id: &StreamId) {
        lock(&self.tokens).remove(stream_id);
    }

    /// Cancels `stream_id`'s token, remembering `why` when it is a limit; false if the stream
    /// has no publisher or parked broadcast.
    pub(super) fn revoke(&self, stream_id: &StreamId, why: Option<String>) -> bool {
        let token = lock(&self.tokens).get(stream_id).cloned();
        let Some(token) = token else {
            return false;
        };
        if let Some(why) = why {
            lock(&self.reasons).insert(stream_id.clone(), why);
        }
        token.cancel();
        true
    }

    /// How a revoked stream ends: at the limit it was stopped for, if any (forgotten once read).
    pub(super) fn end_reason(&self, stream_id: &StreamId) -> EndReason {
        match lock(&self.reasons).remove(stream_id) {
            Some(why) => EndReason::LimitReached(why),
            None => EndReason::Revoked,
        }
    }
}

/// The registry every connection of one server shares.
pub(super) struct Registry {
    live: Mutex<HashMap<StreamKey, Holder>>,
    parked: Mutex<HashMap<StreamKey, Parked>>,
    pub(super) revocations: Revocations,
    epoch: Instant,
}

/// The connection publishing a key, as others see it.
#[derive(Clone)]
pub(super) struct Holder {
    pub(super) peer: SocketAddr,
    /// Milliseconds since the registry's epoch when the connection last received bytes.
    last_input: Arc<AtomicU64>,
    /// Cancelled to make the connection give the key up.
    pub(super) take_over: CancellationToken,
}

/// A broadcast whose publisher was lost, kept running (idle) for the grace period.
pub(super) struct Parked {
    generation: u64,
    pub(super) stream_id: StreamId,
    pub(super) pipeline: StreamPipeline,
    pub(super) failure: watch::Receiver<Option<String>>,
    /// The codec configuration a returning publisher must send to continue.
    pub(super) video_config: Bytes,
    pub(super) audio_config: Option<media::AudioCodecData>,
    /// Media time the continuation starts at: just after everything already pushed.
    pub(super) resume_at: Duration,
    pub(super) revoked: CancellationToken,
}

static GENERATION: AtomicU64 = AtomicU64::new(0);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Registry {
    pub(super) fn new() -> Self {
        Self {
            live: Mutex::default(),
            parked: Mutex::default(),
            revocations: Revocations::default(),
            epoch: Instant::now(),
        }
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// Claims `key` for the connection from `peer` publishing `stream_id`, or returns the
    /// connection that holds it.
    pub(super) fn claim(
        self: &Arc<Self>,
        key: &StreamKey,
        stream_id: &StreamId,
        peer: SocketAddr,
    ) -> Result<LiveKey, Holder> {
        let mut live = lock(&self.live);
        if let Some(holder) = live.get(key) {
            return Err(holder.clone());
        }
        let holder = Holder {
            peer,
            last_input: Arc::new(AtomicU64::new(self.now_ms())),
            take_over: CancellationToken::new(),
        };
        live.insert(key.clone(), holder.clone());
        let revoked = CancellationToken::new();
        self.revocations.insert(stream_id.clone(), revoked.clone());
        Ok(LiveKey {
            registry: self.clone(),
            key: key.clone(),
            stream_id: stream_id.clone(),
            revoked,
            holder,
        })
    }

    /// How long the holder has received nothing.
    pub(super) fn quiet_for(&self, holder: &Holder) -> Duration {
        Duration::from_millis(
            self.now_ms()
                .saturating_sub(holder.last_input.load(Ordering::Relaxed)),
        )
    }

    /// Keeps `parked` for `grace`; then, unless a returning publisher took it, ends it (also at
    /// shutdown, or when revoked).
    pub(super) fn park(
        self: &Arc<Self>,
        key: StreamKey,
        mut parked: Parked,
        grace: Duration,
        shutdown: CancellationToken,
        tracker: &TaskTracker,
    ) {
        let generation = GENERATION.fetch_add(1, Ordering::Relaxed);
        parked.generation = generation;
        let stream_id = parked.stream_id.clone();
        let revoked = parked.revoked.clone();
        self.revocations.insert(stream_id.clone(), revoked.clone());
        lock(&self.parked).insert(key.clone(), parked);
        let registry = self.clone();
        tracker.spawn(async move {
            let reason = tokio::select! {
                _ = tokio::time::sleep(grace) => EndReason::ConnectionLost,
                _ = shutdown.cancelled() => EndReason::ServerShutdown,
                _ = revoked.cancelled() => registry.revocations.end_reason(&stream_id),
            };
            let expired = {
                let mut parked = lock(&registry.parked);
                match parked.get(&key) {
                    Some(p) if p.generation == generation => parked.remove(&key),
                    _ => None,
                }
            };
            if let Some(parked) = expired {
                registry.revocations.remove(&parked.stream_id);
                info!(stream = %parked.stream_id, ?reason, "the publisher did not come back; the broadcast ends");
                parked.pipeline.finish(reason).await;
            }
        });
    }

    /// Takes the broadcast parked for `key`, if any.
    pub(super) fn unpark(&self, key: &StreamKey) -> Option<Parked> {
        let parked = lock(&self.parked).remove(key)?;
        self.revocations.remove(&parked.stream_id);
        Some(parked)
    }
}

impl Parked {
    pub(super) fn new(
        stream_id: StreamId,
        pipeline: StreamPipeline,
        failure: watch::Receiver<Option<String>>,
        video_config: Bytes,
        audio_config: Option<media::AudioCodecData>,
        resume_at: Duration,
    ) -> Self {
        Self {
            generation: 0,
            stream_id,
            pipeline,
            failure,
            video_config,
            audio_config,
            resume_at,
            revoked: CancellationToken::new(),
        }
    }
}

/// A key held by one connection, with the stream's revocation token; both are released when
/// dropped, whatever ended the connection.
pub(super) struct LiveKey {
    registry: Arc<Registry>,
    key: StreamKey,
    stream_id: StreamId,
    pub(super) revoked: CancellationToken,
    holder: Holder,
}

impl LiveKey {
    /// Records that the connection received bytes (it is not quiet).
    pub(super) fn touch(&self) {
        self.holder
            .last_input
            .store(self.registry.now_ms(), Ordering::Relaxed);
    }

    /// Cancelled when another connection takes the key over.
    pub(super) fn taken_over(&self) -> CancellationToken {
        self.holder.take_over.clone()
    }

    /// The publisher now feeds `stream_id` (a continued broadcast): revocation follows it.
    pub(super) fn move_to(&mut self, stream_id: &StreamId) {
        let revocations = &self.registry.revocations;
        revocations.remove(&self.stream_id);
        revocations.insert(stream_id.clone(), self.revoked.clone());
        self.stream_id = stream_id.clone();
    }

    /// How the stream ends now that it was revoked: at the limit it was stopped for, if any.
    pub(super) fn revoked_reason(&self) -> EndReason {
        self.registry.revocations.end_reason(&self.stream_id)
    }
}

impl Drop for LiveKey {
    fn drop(&mut self) {
        lock(&self.registry.live).remove(&self.key);
        self.registry.revocations.remove(&self.stream_id);
    }
}
