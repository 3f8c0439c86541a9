//! The `[auth]` section: accounts, tokens and the admin.

use super::DefaultValue::{self, *};
use serde::Deserialize;

/// Built-in defaults, under `auth.`: what the configuration reference documents.
pub(super) const DEFAULTS: &[(&str, DefaultValue)] = &[
    ("jwt_secret", Text("")),
    ("token_ttl_seconds", Number(3600)),
    ("max_session_hours", Number(168)),
    ("login_attempts_per_minute", Number(10)),
    ("registrations_per_hour", Number(5)),
    ("max_concurrent_password_hashes", Number(2)),
    ("admin_username", Text("")),
    ("admin_password", Text("")),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// HS256 secret for access tokens. Empty: generated once and kept in `<data_dir>/jwt_secret`.
    pub jwt_secret: String,
    pub token_ttl_seconds: u64,
    /// A session (one login) may be refreshed for this long; then its owner logs in again.
    pub max_session_hours: u64,
    pub login_attempts_per_minute: usize,
    /// Accounts one client address may create per hour.
    pub registrations_per_hour: usize,
    /// Password hashes and checks (argon2, about 19 MiB each; zxcvbn) running at once; more wait.
    pub max_concurrent_password_hashes: usize,
    /// With `admin_password`, ensures this admin account exists at start.
    pub admin_username: String,
    pub admin_password: String,
}

impl AuthSettings {
    /// Refuses a value out of range, naming the key.
    pub(super) fn validate(&self) -> Result<(), String> {
        if !self.jwt_secret.is_empty() && self.jwt_secret.len() < 32 {
            return Err(
                "auth.jwt_secret must be at least 32 characters (or empty to generate one)".into(),
            );
        }
        if !(60..=30 * 86_400).contains(&self.token_ttl_seconds) {
            return Err("auth.token_ttl_seconds must be between 60 and 2592000".into());
        }
        if !(1..=24 * 365).contains(&self.max_session_hours) {
            return Err("auth.max_session_hours must be between 1 and 8760".into());
        }
        if !(1..=1_000_000).contains(&self.login_attempts_per_minute)
            || !(1..=1_000_000).contains(&self.registrations_per_hour)
            || !(1..=64).contains(&self.max_concurrent_password_hashes)
        {
            return Err(
                "auth.login_attempts_per_minute and auth.registrations_per_hour must be 1-1000000, auth.max_concurrent_password_hashes 1-64".into(),
            );
        }
        if self.admin_username.is_empty() != self.admin_password.is_empty() {
            return Err("auth.admin_username and auth.admin_password go together".into());
        }
        Ok(())
    }
}
