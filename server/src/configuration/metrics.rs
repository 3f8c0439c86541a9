//! The `[metrics]` section: Prometheus metrics, on a listener of their own.

use super::DefaultValue::{self, *};
use serde::Deserialize;
use std::net::SocketAddr;

/// Built-in defaults, under `metrics.`: what the configuration reference documents.
pub(super) const DEFAULTS: &[(&str, DefaultValue)] = &[("listen", Text("127.0.0.1:9464"))];

/// Prometheus metrics, on a listener of their own.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// Where `/metrics` is served (`127.0.0.1:9464`), apart from the public HTTP port: the
    /// figures say what runs and how busy it is. Loopback by default; empty turns it off.
    pub listen: String,
}

impl MetricsSettings {
    /// The metrics listener's address, unless metrics are off.
    pub fn address(&self) -> Option<SocketAddr> {
        self.listen.parse().ok()
    }

    /// Refuses a value out of range, naming the key.
    pub(super) fn validate(&self) -> Result<(), String> {
        if !self.listen.is_empty() && self.address().is_none() {
            return Err(
                "metrics.listen must be an address and port (127.0.0.1:9464), or empty for none"
                    .into(),
            );
        }
        Ok(())
    }
}
