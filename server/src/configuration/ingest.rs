//! The `[ingest]` section: stream keys accepted without accounts (a development option).

use super::DefaultValue::{self, *};
use serde::Deserialize;

/// Built-in defaults, under `ingest.`: what the configuration reference documents.
pub(super) const DEFAULTS: &[(&str, DefaultValue)] = &[("stream_keys", List)];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestSettings {
    /// Development option: keys accepted without any account or room.
    pub stream_keys: Vec<String>,
}

impl IngestSettings {
    /// Refuses a value out of range, naming the key.
    pub(super) fn validate(&self) -> Result<(), String> {
        if self.stream_keys.iter().any(|k| k.len() < 8) {
            return Err("every ingest.stream_keys entry must be at least 8 characters".into());
        }
        Ok(())
    }
}
