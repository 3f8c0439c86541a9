//! The `[limits]` section: what one account may use.

use super::DefaultValue::{self, *};
use serde::Deserialize;

/// Built-in defaults, under `limits.`: what the configuration reference documents.
pub(super) const DEFAULTS: &[(&str, DefaultValue)] = &[
    ("rooms_per_user", Number(10)),
    ("broadcasts_per_user", Number(2)),
    ("stored_mib_per_user", Number(51_200)),
    ("max_ingest_kbps", Number(0)),
    ("max_broadcast_seconds", Number(0)),
];

/// What one account may use (admins are not limited). Anyone may register as a streamer
/// unless an admin says otherwise (`PUT /api/admin/settings`), so these are what the cheapest
/// account can cost.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSettings {
    /// Rooms one user may own.
    pub rooms_per_user: usize,
    /// Broadcasts one user may have live at once (counted per node).
    pub broadcasts_per_user: usize,
    /// Bytes one user's recordings (archives and replays) and clips may take, in MiB; a user at
    /// it may not start a broadcast, and a live one ends. 0: no limit.
    pub stored_mib_per_user: u64,
    /// A broadcast whose ingest stays above this (kbit/s, three reports running) ends. 0: none.
    pub max_ingest_kbps: u64,
    /// A broadcast ends this long after it started, in seconds. 0: none.
    pub max_broadcast_seconds: u64,
}

impl LimitsSettings {
    /// Refuses a value out of range, naming the key.
    pub(super) fn validate(&self) -> Result<(), String> {
        if !(1..=100_000).contains(&self.rooms_per_user)
            || !(1..=1000).contains(&self.broadcasts_per_user)
        {
            return Err(
                "limits.rooms_per_user must be 1-100000 and limits.broadcasts_per_user 1-1000"
                    .into(),
            );
        }
        Ok(())
    }
}
