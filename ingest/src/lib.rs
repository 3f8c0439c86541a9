//! Livestream's ingest: the RTMP and SRT servers. Each accepts publishers within its limits,
//! asks the [`Authorizer`] (the server's rules) about their keys, and feeds their media into one
//! engine pipeline per stream through a protocol-neutral [`session`].
//!
//! ```text
//! rtmp: RtmpServer (accept, limits) ─▶ connection (handshake, rml_rtmp session) ─┐ FLV tags
//! srt:  SrtServer (libsrt listener, streamid) ─▶ connection ─▶ demux (TS ─▶ FLV) ─┤
//!                                                                                 ▼
//!       session: Publisher (checks, timestamps; awaiting headers ─▶ live: engine::StreamPipeline)
//! live_keys: which key is live, which broadcasts wait for their publisher to come back
//! shared: what every connection of both protocols shares (config, authorizer, limits)
//! ```
//!
//! The protocols' wire formats (FLV, Enhanced RTMP, MPEG-TS accounting, timestamps) are in the
//! pure `media` crate; this crate owns sockets, timeouts, authorization and the session.

#[doc(hidden)]
pub mod fuzzing;
mod live_keys;
pub mod rtmp;
mod session;
mod shared;
pub mod srt;

pub use rtmp::RtmpServer;

use engine::pipeline::HlsSettings;
use futures_util::future::BoxFuture;
use media::ladder::Ladder;
use media::{StreamId, StreamKey};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use thiserror::Error;

/// What a publisher is allowed to do once its key is accepted.
#[derive(Debug, Clone)]
pub struct PublishGrant {
    /// The public id the stream is served under.
    pub stream_id: StreamId,
    pub ladder: Ladder,
    pub hls: HlsSettings,
    /// Where the stream is also pushed (restreaming), kept current while it is live; `None`
    /// for none.
    pub destinations: Option<engine::restream::Destinations>,
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
    pub fn layout(&self) -> hls::OutputLayout {
        hls::OutputLayout::new(&self.data_dir)
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
    Pipeline(#[from] engine::PipelineError),
}

/// Lets the application act on running publishers.
#[derive(Clone)]
pub struct IngestHandle {
    revocations: live_keys::Revocations,
}

impl IngestHandle {
    /// Ends a publisher whose right to stream was taken away (its room deleted, its owner
    /// disabled). Its stream ends cleanly with [`EndReason::Revoked`](engine::EndReason::Revoked).
    /// Returns false if no such publisher is connected.
    pub fn revoke(&self, stream_id: &StreamId) -> bool {
        self.revocations.revoke(stream_id, None)
    }

    /// Ends a publisher (or a broadcast waiting for its publisher) at one of the server's
    /// limits: its stream ends cleanly with [`EndReason::LimitReached`](engine::EndReason)
    /// saying `why`. Returns false if no such stream is here.
    pub fn stop(&self, stream_id: &StreamId, why: String) -> bool {
        self.revocations.revoke(stream_id, Some(why))
    }
}
