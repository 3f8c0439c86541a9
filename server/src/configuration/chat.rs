//! The `[chat]` section: room chat.

use super::DefaultValue::{self, *};
use serde::Deserialize;

/// Built-in defaults, under `chat.`: what the configuration reference documents.
pub(super) const DEFAULTS: &[(&str, DefaultValue)] = &[
    ("messages_per_window", Number(5)),
    ("window_seconds", Number(10)),
    ("idle_timeout_seconds", Number(30)),
    ("max_connections", Number(10_000)),
    ("max_connections_per_address", Number(20)),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatSettings {
    /// Each user may send this many messages per `window_seconds`.
    pub messages_per_window: usize,
    pub window_seconds: u64,
    /// A chat connection silent this long is closed (pings go out every third of it).
    pub idle_timeout_seconds: u64,
    /// Chat connections at once, from anywhere.
    pub max_connections: usize,
    /// Chat connections at once from one client address (an IPv6 /64 counts as one).
    pub max_connections_per_address: usize,
}

impl ChatSettings {
    /// Refuses a value out of range, naming the key.
    pub(super) fn validate(&self) -> Result<(), String> {
        if !(1..=1_000_000).contains(&self.messages_per_window)
            || !(1..=3600).contains(&self.window_seconds)
        {
            return Err(
                "chat.messages_per_window must be 1-1000000 and chat.window_seconds 1-3600".into(),
            );
        }
        if !(3..=3600).contains(&self.idle_timeout_seconds) {
            return Err("chat.idle_timeout_seconds must be between 3 and 3600".into());
        }
        if !(1..=1_000_000).contains(&self.max_connections)
            || !(1..=self.max_connections).contains(&self.max_connections_per_address)
        {
            return Err(
                "chat.max_connections must be 1-1000000 and chat.max_connections_per_address 1-max_connections".into(),
            );
        }
        Ok(())
    }
}
