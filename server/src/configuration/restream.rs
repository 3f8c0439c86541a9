//! The `[restream]` section: rooms' destinations and how their stream keys are sealed.

use super::DefaultValue::{self, *};
use serde::Deserialize;

/// Built-in defaults, under `restream.`: what the configuration reference documents.
pub(super) const DEFAULTS: &[(&str, DefaultValue)] = &[
    ("secret", Text("")),
    ("max_destinations_per_room", Number(5)),
    ("allow_private_destinations", Flag(false)),
];

/// Restreaming: rooms' destinations (other RTMP servers) and how their stream keys are sealed.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestreamSettings {
    /// Seals the destinations' stream keys in the database (at least 32 characters). Empty:
    /// generated once and kept in `<data_dir>/restream_secret`. Losing it loses the keys.
    pub secret: String,
    /// Destinations one room may have.
    pub max_destinations_per_room: usize,
    /// Whether destinations may be on loopback, private or link-local addresses. Off: a streamer
    /// cannot make the server push into its own network.
    pub allow_private_destinations: bool,
}

/// Never prints the secret.
impl std::fmt::Debug for RestreamSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestreamSettings")
            .field("max_destinations_per_room", &self.max_destinations_per_room)
            .field(
                "allow_private_destinations",
                &self.allow_private_destinations,
            )
            .finish_non_exhaustive()
    }
}

impl RestreamSettings {
    /// Refuses a value out of range, naming the key.
    pub(super) fn validate(&self) -> Result<(), String> {
        if !self.secret.is_empty() && self.secret.len() < 32 {
            return Err(
                "restream.secret must be at least 32 characters (or empty to generate one)".into(),
            );
        }
        if !(1..=50).contains(&self.max_destinations_per_room) {
            return Err("restream.max_destinations_per_room must be between 1 and 50".into());
        }
        Ok(())
    }
}
