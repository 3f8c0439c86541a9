//! The `[hls]` section: live HLS output and delivery.

use super::DefaultValue::{self, *};
use serde::Deserialize;

/// Built-in defaults, under `hls.`: what the configuration reference documents.
pub(super) const DEFAULTS: &[(&str, DefaultValue)] = &[
    ("segment_seconds", Number(2)),
    ("window_segments", Number(6)),
    ("part_seconds", Decimal(0.4)),
    ("retain_ended_seconds", Number(300)),
    ("thumbnail_seconds", Number(5)),
    ("max_waiting_per_connection", Number(100)),
    ("max_waiting_per_address", Number(400)),
    ("max_waiting_per_rendition", Number(50_000)),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HlsSettings {
    pub segment_seconds: u64,
    pub window_segments: u32,
    /// LL-HLS part target, in seconds (`EXT-X-PART-INF:PART-TARGET`).
    pub part_seconds: f64,
    /// How long an ended stream's HLS files stay available (for players finishing up).
    pub retain_ended_seconds: u64,
    /// How often each live stream's JPEG thumbnail is refreshed, and the spacing of a
    /// recording's timeline preview tiles; 0 turns both off.
    pub thumbnail_seconds: u64,
    /// Blocking requests (reloads with `_HLS_msn`, the hinted part) one connection may have
    /// waiting at once; HTTP/2 multiplexes any number on one connection. More get 503.
    pub max_waiting_per_connection: usize,
    /// The same, from one client address (an IPv6 /64 counts as one).
    pub max_waiting_per_address: usize,
    /// The same, on one rendition of one stream (two per viewer: a reload and a part).
    pub max_waiting_per_rendition: usize,
}

impl HlsSettings {
    /// Refuses a value out of range, naming the key.
    pub(super) fn validate(&self) -> Result<(), String> {
        if !(1..=10).contains(&self.segment_seconds) {
            return Err("hls.segment_seconds must be between 1 and 10".into());
        }
        if !(2..=60).contains(&self.window_segments) {
            return Err("hls.window_segments must be between 2 and 60".into());
        }
        if !(0.1..=2.0).contains(&self.part_seconds)
            || self.part_seconds * 2.0 > self.segment_seconds as f64
        {
            return Err(
                "hls.part_seconds must be between 0.1 and 2, and at most half of hls.segment_seconds".into(),
            );
        }
        if !(1..=10_000).contains(&self.max_waiting_per_connection)
            || !(self.max_waiting_per_connection..=1_000_000)
                .contains(&self.max_waiting_per_address)
            || !(1..=10_000_000).contains(&self.max_waiting_per_rendition)
        {
            return Err(
                "hls.max_waiting_per_connection must be 1-10000, hls.max_waiting_per_address at least that (at most 1000000), hls.max_waiting_per_rendition 1-10000000".into(),
            );
        }
        if self.thumbnail_seconds > 3600 {
            return Err("hls.thumbnail_seconds must be between 0 (off) and 3600".into());
        }
        Ok(())
    }
}
