//! The `[storage]` section: the data directory, its free space, and object storage for recordings.

use super::is_http_url;
use super::DefaultValue::{self, *};
use serde::Deserialize;
use std::path::PathBuf;

/// Built-in defaults, under `storage.`: what the configuration reference documents.
pub(super) const DEFAULTS: &[(&str, DefaultValue)] = &[
    ("data_dir", Text("./data")),
    ("s3.endpoint", Text("")),
    ("s3.bucket", Text("")),
    ("s3.region", Text("us-east-1")),
    ("s3.access_key_id", Text("")),
    ("s3.secret_access_key", Text("")),
    ("min_free_mib", Number(2048)),
    ("stop_free_mib", Number(512)),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSettings {
    pub data_dir: PathBuf,
    /// Recordings in S3-compatible object storage instead of `data_dir`.
    pub s3: S3Settings,
    /// Below this much free space on the data directory's disk (MiB), new publishes are
    /// refused with a reason.
    pub min_free_mib: u64,
    /// Below this (MiB), the broadcasts running end cleanly, before the disk fills.
    pub stop_free_mib: u64,
}

/// An S3-compatible bucket for finished recordings. An empty `bucket` keeps them on local disk.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Settings {
    /// `http://127.0.0.1:8333` for a self-hosted store; empty for AWS itself.
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl S3Settings {
    /// Whether recordings go to object storage.
    pub fn enabled(&self) -> bool {
        !self.bucket.is_empty()
    }
}

/// Never prints the secret key.
impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl StorageSettings {
    /// Refuses a value out of range, naming the key.
    pub(super) fn validate(&self) -> Result<(), String> {
        if self.stop_free_mib == 0 || self.stop_free_mib > self.min_free_mib {
            return Err(
                "storage.stop_free_mib must be at least 1 and at most storage.min_free_mib".into(),
            );
        }
        let s3 = &self.s3;
        if s3.enabled() && (s3.access_key_id.is_empty() != s3.secret_access_key.is_empty()) {
            return Err(
                "storage.s3.access_key_id and storage.s3.secret_access_key go together".into(),
            );
        }
        if !(s3.endpoint.is_empty() || is_http_url(&s3.endpoint)) {
            return Err("storage.s3.endpoint must be an http:// or https:// URL".into());
        }
        Ok(())
    }
}
