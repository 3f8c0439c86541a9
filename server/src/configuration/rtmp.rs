//! The `[rtmp]` section: RTMP ingest, its deadlines and limits.

use super::DefaultValue::{self, *};
use serde::Deserialize;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

/// Built-in defaults, under `rtmp.`: what the configuration reference documents.
pub(super) const DEFAULTS: &[(&str, DefaultValue)] = &[
    ("host", Text("0.0.0.0")),
    ("port", Number(1935)),
    ("app", Text("live")),
    ("handshake_timeout_seconds", Number(10)),
    ("idle_timeout_seconds", Number(30)),
    ("publish_timeout_seconds", Number(10)),
    ("write_timeout_seconds", Number(10)),
    ("max_connections", Number(256)),
    ("max_connections_per_address", Number(8)),
    ("max_message_bytes", Number(8 * 1024 * 1024)),
    ("max_buffered_bytes", Number(16 * 1024 * 1024)),
    ("reconnect_grace_seconds", Number(30)),
    ("takeover_quiet_seconds", Number(2)),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RtmpSettings {
    pub host: IpAddr,
    pub port: u16,
    /// The application name in `rtmp://host/<app>`.
    pub app: String,
    /// The RTMP handshake must complete within this.
    pub handshake_timeout_seconds: u64,
    /// A connection silent this long is closed (a publisher's stream ends).
    pub idle_timeout_seconds: u64,
    /// A connection must ask to publish within this, or it is closed.
    pub publish_timeout_seconds: u64,
    /// A write the peer does not take within this closes the connection.
    pub write_timeout_seconds: u64,
    /// RTMP connections at once, from anywhere.
    pub max_connections: usize,
    /// RTMP connections at once from one IP address.
    pub max_connections_per_address: usize,
    /// The longest RTMP message accepted, in bytes (a video keyframe is one message).
    pub max_message_bytes: usize,
    /// The most bytes one connection may hold in unfinished RTMP messages.
    pub max_buffered_bytes: usize,
    /// A broadcast whose publisher is lost waits this long for it to reconnect and continue
    /// (0 ends it at once).
    pub reconnect_grace_seconds: u64,
    /// A publisher silent this long is replaced by a new connection presenting the same key.
    pub takeover_quiet_seconds: u64,
}

impl RtmpSettings {
    /// The ingest server's settings, with HLS and archives under `data_dir`.
    pub fn ingest_config(&self, data_dir: &Path) -> ingest::IngestConfig {
        ingest::IngestConfig {
            app: self.app.clone(),
            data_dir: data_dir.to_path_buf(),
            handshake_timeout: Duration::from_secs(self.handshake_timeout_seconds),
            idle_timeout: Duration::from_secs(self.idle_timeout_seconds),
            publish_timeout: Duration::from_secs(self.publish_timeout_seconds),
            write_timeout: Duration::from_secs(self.write_timeout_seconds),
            max_connections: self.max_connections,
            max_connections_per_address: self.max_connections_per_address,
            max_message_bytes: self.max_message_bytes,
            max_buffered_bytes: self.max_buffered_bytes,
            reconnect_grace: Duration::from_secs(self.reconnect_grace_seconds),
            takeover_quiet: Duration::from_secs(self.takeover_quiet_seconds),
            // Set from `restream.allow_private_destinations` by `Settings::ingest_config`.
            allow_private_destinations: false,
        }
    }

    /// Refuses a value out of range, naming the key.
    pub(super) fn validate(&self) -> Result<(), String> {
        if self.app.is_empty()
            || !self
                .app
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err("rtmp.app must be a non-empty name of letters, digits, '-' or '_'".into());
        }
        for (name, seconds) in [
            ("handshake_timeout_seconds", self.handshake_timeout_seconds),
            ("idle_timeout_seconds", self.idle_timeout_seconds),
            ("publish_timeout_seconds", self.publish_timeout_seconds),
            ("write_timeout_seconds", self.write_timeout_seconds),
        ] {
            if !(1..=3600).contains(&seconds) {
                return Err(format!("rtmp.{name} must be between 1 and 3600"));
            }
        }
        if self.reconnect_grace_seconds > 300 || !(1..=60).contains(&self.takeover_quiet_seconds) {
            return Err(
                "rtmp.reconnect_grace_seconds must be 0-300 and rtmp.takeover_quiet_seconds 1-60"
                    .into(),
            );
        }
        if !(1..=100_000).contains(&self.max_connections)
            || !(1..=self.max_connections).contains(&self.max_connections_per_address)
        {
            return Err(
                "rtmp.max_connections must be 1-100000 and rtmp.max_connections_per_address 1-max_connections".into(),
            );
        }
        if !(64 * 1024..=16 * 1024 * 1024).contains(&self.max_message_bytes)
            || !(self.max_message_bytes..=1024 * 1024 * 1024).contains(&self.max_buffered_bytes)
        {
            return Err(
                "rtmp.max_message_bytes must be 64 KiB-16 MiB and rtmp.max_buffered_bytes at least that, at most 1 GiB".into(),
            );
        }
        Ok(())
    }
}
