//! The `[database]` section: which database (SQLite by default), its pool and outages.

use super::DefaultValue::{self, *};
use serde::Deserialize;

/// Built-in defaults, under `database.`: what the configuration reference documents.
pub(super) const DEFAULTS: &[(&str, DefaultValue)] = &[
    ("url", Text("")),
    ("max_connections", Number(8)),
    ("connect_timeout_seconds", Number(2)),
    ("write_retry_minutes", Number(30)),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `mysql://user:pass@host/db` for MySQL/MariaDB; a path or `sqlite://PATH` for SQLite. Empty
    /// means `<data_dir>/livestream.db`.
    pub url: String,
    pub max_connections: u32,
    /// A call that gets no connection within this fails (the API answers 503 `unavailable`):
    /// how long a request waits while the database is away.
    pub connect_timeout_seconds: u64,
    /// How long the server keeps retrying a broadcast's database writes (room live or offline,
    /// its recording row) while the database is away, before giving them up.
    pub write_retry_minutes: u64,
}

impl DatabaseSettings {
    /// Refuses a value out of range, naming the key.
    pub(super) fn validate(&self) -> Result<(), String> {
        if !(1..=60).contains(&self.connect_timeout_seconds) {
            return Err("database.connect_timeout_seconds must be between 1 and 60".into());
        }
        if self.write_retry_minutes > 7 * 24 * 60 {
            return Err(
                "database.write_retry_minutes must be between 0 (no retry) and 10080 (a week)"
                    .into(),
            );
        }
        Ok(())
    }
}
