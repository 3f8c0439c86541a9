//! The `[clips]` section: how many clips users may cut, and how many are cut at once.

use super::DefaultValue::{self, *};
use serde::Deserialize;

/// Built-in defaults, under `clips.`: what the configuration reference documents.
pub(super) const DEFAULTS: &[(&str, DefaultValue)] = &[
    ("per_user_per_hour", Number(30)),
    ("max_concurrent", Number(2)),
    ("queue_seconds", Number(10)),
];

/// Clips of broadcasts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClipsSettings {
    /// Clips one user may cut per hour (across nodes with a cluster).
    pub per_user_per_hour: usize,
    /// Clips cut at once on one node; a cut waits up to `queue_seconds` for its turn, then
    /// gets 503.
    pub max_concurrent: usize,
    pub queue_seconds: u64,
}

impl ClipsSettings {
    /// Refuses a value out of range, naming the key.
    pub(super) fn validate(&self) -> Result<(), String> {
        if !(1..=100_000).contains(&self.per_user_per_hour) {
            return Err("clips.per_user_per_hour must be between 1 and 100000".into());
        }
        if !(1..=64).contains(&self.max_concurrent) {
            return Err("clips.max_concurrent must be between 1 and 64".into());
        }
        if self.queue_seconds > 60 {
            return Err("clips.queue_seconds must be between 0 and 60".into());
        }
        Ok(())
    }
}
