//! The `[srt]` section: SRT ingest (UDP), its encryption and limits.

use super::DefaultValue::{self, *};
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Built-in defaults, under `srt.`: what the configuration reference documents.
pub(super) const DEFAULTS: &[(&str, DefaultValue)] = &[
    ("host", Text("0.0.0.0")),
    ("port", Number(8890)),
    ("passphrase", Text("")),
    ("latency_ms", Number(120)),
    ("max_buffered_kib", Number(8192)),
    ("handshakes_per_minute_per_address", Number(30)),
    ("max_frame_kib", Number(8192)),
    ("frame_timeout_seconds", Number(5)),
];

/// The SRT ingest (MPEG-TS over SRT, caller to listener). Its callers count against the
/// `rtmp.max_connections` limits and follow the `rtmp` timeouts and reconnect grace.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SrtSettings {
    pub host: IpAddr,
    /// UDP port; 0 turns SRT off.
    pub port: u16,
    /// Encryption every caller must use (AES, 10-79 characters). Empty: none.
    pub passphrase: String,
    /// The receiver's buffer for retransmissions, in milliseconds (callers may ask for more).
    pub latency_ms: u64,
    /// MPEG-TS one caller may have waiting for its demuxer, in KiB; beyond it the caller is
    /// dropped as sending faster than its stream is processed.
    pub max_buffered_kib: u64,
    /// Handshakes one address (an IPv6 /64) may start per minute, before any key is looked up;
    /// more are refused (1402).
    pub handshakes_per_minute_per_address: u32,
    /// The largest video frame (one PES) a caller may send, in KiB; what the MPEG-TS demuxer
    /// may hold of unfinished frames, and twice this between two frames, follow from it.
    pub max_frame_kib: u64,
    /// A caller whose bytes make no complete video frame for this long is dropped.
    pub frame_timeout_seconds: u64,
}

impl SrtSettings {
    /// The listener's settings, when SRT is on.
    pub fn srt_config(&self) -> Option<(SocketAddr, ingest::srt::SrtConfig)> {
        (self.port != 0).then(|| {
            (
                SocketAddr::new(self.host, self.port),
                ingest::srt::SrtConfig {
                    latency: Duration::from_millis(self.latency_ms),
                    passphrase: (!self.passphrase.is_empty()).then(|| self.passphrase.clone()),
                    max_buffered_bytes: self.max_buffered_kib * 1024,
                    handshakes_per_minute: self.handshakes_per_minute_per_address,
                    held: media::mpegts::Limits {
                        max_pes: self.max_frame_kib * 1024,
                        max_unframed: 2 * self.max_frame_kib * 1024,
                    },
                    frame_timeout: Duration::from_secs(self.frame_timeout_seconds),
                },
            )
        })
    }

    /// Refuses a value out of range, naming the key.
    pub(super) fn validate(&self) -> Result<(), String> {
        if !self.passphrase.is_empty() && !ingest::srt::valid_passphrase(&self.passphrase) {
            return Err("srt.passphrase must be 10-79 characters (or empty for none)".into());
        }
        if !(20..=8000).contains(&self.latency_ms) {
            return Err("srt.latency_ms must be between 20 and 8000".into());
        }
        if !(256..=262_144).contains(&self.max_buffered_kib) {
            return Err("srt.max_buffered_kib must be between 256 and 262144".into());
        }
        if !(1..=100_000).contains(&self.handshakes_per_minute_per_address) {
            return Err(
                "srt.handshakes_per_minute_per_address must be between 1 and 100000".into(),
            );
        }
        if !(512..=65_536).contains(&self.max_frame_kib)
            || !(1..=60).contains(&self.frame_timeout_seconds)
        {
            return Err(
                "srt.max_frame_kib must be 512-65536 and srt.frame_timeout_seconds 1-60".into(),
            );
        }
        Ok(())
    }
}
