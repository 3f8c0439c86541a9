//! Rows and the queries on them. Queries return `QueryResult`; transactions live here too.

pub mod chat;
pub mod preset;
pub mod recording;
pub mod room;
pub mod user;

use rand::distr::{Alphanumeric, SampleString};

/// A fresh application-generated id: 20 lowercase alphanumerics (about 103 bits).
pub fn new_id() -> String {
    Alphanumeric
        .sample_string(&mut rand::rng(), 20)
        .to_ascii_lowercase()
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}
