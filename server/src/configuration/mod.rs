//! Settings: built-in defaults, then an optional TOML file, then `LIVESTREAM_*` environment
//! variables (`LIVESTREAM_HTTP__PORT=9000` sets `http.port`).
//!
//! One file per section: its keys (a struct), its defaults and its own `validate()`. This file
//! loads them, and checks what spans sections. `docs/operations/configuration.md` is the
//! reference; a test holds its keys and defaults to the sections' (`reference_page`).

mod auth;
mod chat;
mod clips;
mod cluster;
mod database;
mod hls;
mod http;
mod ingest;
mod limits;
mod metrics;
#[cfg(test)]
mod reference_page;
mod restream;
mod rtmp;
mod srt;
mod storage;

pub use auth::AuthSettings;
pub use chat::ChatSettings;
pub use clips::ClipsSettings;
pub use cluster::ClusterSettings;
pub use database::DatabaseSettings;
pub use hls::HlsSettings;
pub use http::HttpSettings;
pub use ingest::IngestSettings;
pub use limits::LimitsSettings;
pub use metrics::MetricsSettings;
pub use restream::RestreamSettings;
pub use rtmp::RtmpSettings;
pub use srt::SrtSettings;
pub use storage::S3Settings;
pub use storage::StorageSettings;

use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use thiserror::Error;

/// A built-in default, as the `config` crate takes it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum DefaultValue {
    Text(&'static str),
    Number(i64),
    Decimal(f64),
    Flag(bool),
    /// An empty list.
    List,
}
use DefaultValue::*;

/// Every section, with its defaults, in the order the reference page lists them.
pub(crate) const SECTIONS: &[(&str, &[(&str, DefaultValue)])] = &[
    ("http", http::DEFAULTS),
    ("rtmp", rtmp::DEFAULTS),
    ("srt", srt::DEFAULTS),
    ("storage", storage::DEFAULTS),
    ("limits", limits::DEFAULTS),
    ("hls", hls::DEFAULTS),
    ("ingest", ingest::DEFAULTS),
    ("database", database::DEFAULTS),
    ("auth", auth::DEFAULTS),
    ("chat", chat::DEFAULTS),
    ("cluster", cluster::DEFAULTS),
    ("restream", restream::DEFAULTS),
    ("clips", clips::DEFAULTS),
    ("metrics", metrics::DEFAULTS),
];

/// Everything the server can be configured with.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub http: HttpSettings,
    pub rtmp: RtmpSettings,
    pub srt: SrtSettings,
    pub storage: StorageSettings,
    pub hls: HlsSettings,
    pub ingest: IngestSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub chat: ChatSettings,
    pub cluster: ClusterSettings,
    pub restream: RestreamSettings,
    pub clips: ClipsSettings,
    pub metrics: MetricsSettings,
    pub limits: LimitsSettings,
}

const SAMPLE_MARKERS: [&str; 6] = [
    "change-me",
    "changeme",
    "change_me",
    "replace-me",
    "choose-a-long-passphrase",
    "your-secret",
];

/// Whether `value` is a sample from the repository or its documentation, not a secret.
fn is_sample(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    SAMPLE_MARKERS.iter().any(|marker| lower.contains(marker))
}

fn is_http_url(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}

/// The machine's host name (what Kubernetes sets to the pod's name), or `node` if unknown.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "node".to_owned())
}

/// A configuration that cannot be used.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("could not read configuration: {0}")]
    Load(#[from] config::ConfigError),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Settings {
    /// Loads defaults, then `file` (if given), then the environment, and validates the result.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut builder = config::Config::builder();
        for (section, defaults) in SECTIONS {
            for (key, value) in *defaults {
                let key = format!("{section}.{key}");
                builder = match value {
                    Text(text) => builder.set_default(key, *text)?,
                    Number(number) => builder.set_default(key, *number)?,
                    Decimal(decimal) => builder.set_default(key, *decimal)?,
                    Flag(flag) => builder.set_default(key, *flag)?,
                    List => builder.set_default(key, Vec::<String>::new())?,
                };
            }
        }
        if let Some(file) = file {
            builder = builder.add_source(config::File::from(file).format(config::FileFormat::Toml));
        }
        // Only `LIVESTREAM_<SECTION>__<KEY>` variables are settings; others of ours, such as
        // `LIVESTREAM_ADMIN_PASSWORD` for `admin create`, are not, and must not be refused.
        let settings_vars: HashMap<String, String> = std::env::vars()
            .filter(|(name, _)| name.starts_with("LIVESTREAM_") && name.contains("__"))
            .collect();
        builder = builder.add_source(
            config::Environment::with_prefix("LIVESTREAM")
                .source(Some(settings_vars))
                .prefix_separator("_")
                .separator("__")
                .list_separator(",")
                .with_list_parse_key("ingest.stream_keys")
                .with_list_parse_key("http.trusted_proxies")
                .try_parsing(true),
        );
        let mut settings: Settings = builder.build()?.try_deserialize()?;
        if settings.cluster.node_id.is_empty() {
            settings.cluster.node_id = host_name();
        }
        settings.validate()?;
        Ok(settings)
    }

    /// Each section's own checks, then what spans sections.
    fn validate(&self) -> Result<(), ConfigError> {
        [
            self.http.validate(),
            self.rtmp.validate(),
            self.srt.validate(),
            self.storage.validate(),
            self.limits.validate(),
            self.hls.validate(),
            self.ingest.validate(),
            self.database.validate(),
            self.auth.validate(),
            self.chat.validate(),
            self.cluster.validate(),
            self.restream.validate(),
            self.clips.validate(),
            self.metrics.validate(),
            self.validate_across(),
        ]
        .into_iter()
        .collect::<Result<(), String>>()
        .map_err(ConfigError::Invalid)
    }

    /// Secrets copied from the documentation, and what one section needs of another.
    fn validate_across(&self) -> Result<(), String> {
        for (name, value) in [
            ("auth.jwt_secret", &self.auth.jwt_secret),
            ("auth.admin_password", &self.auth.admin_password),
            ("restream.secret", &self.restream.secret),
            ("srt.passphrase", &self.srt.passphrase),
            (
                "storage.s3.secret_access_key",
                &self.storage.s3.secret_access_key,
            ),
        ] {
            if is_sample(value) {
                return Err(format!(
                    "{name} is a sample value from the documentation; generate a secret (deploy/make-secrets.sh)"
                ));
            }
        }
        let cluster = &self.cluster;
        if cluster.enabled() && cluster.advertise_url.is_empty() && self.http.host.is_unspecified()
        {
            return Err(
                "cluster.advertise_url is needed with cluster.redis_url when http.host is 0.0.0.0 or ::".into(),
            );
        }
        if cluster.enabled() && self.auth.jwt_secret.is_empty() {
            return Err(
                "auth.jwt_secret must be set with cluster.redis_url: every node checks the tokens the others sign".into(),
            );
        }
        if cluster.enabled() && self.restream.secret.is_empty() {
            return Err(
                "restream.secret must be set with cluster.redis_url: every node opens the destination keys the others sealed".into(),
            );
        }
        Ok(())
    }

    /// The URL other nodes use to reach this one, once the HTTP port is bound.
    pub fn advertise_url(&self, http_port: u16) -> String {
        if !self.cluster.advertise_url.is_empty() {
            return self.cluster.advertise_url.trim_end_matches('/').to_owned();
        }
        let scheme = if self.http.tls().is_some() {
            "https"
        } else {
            "http"
        };
        let address = SocketAddr::new(self.http.host, http_port);
        format!("{scheme}://{address}")
    }

    /// The ingest server's settings: `rtmp`'s, with HLS and archives under `storage.data_dir`
    /// and restreaming's reach.
    pub fn ingest_config(&self) -> ::ingest::IngestConfig {
        ::ingest::IngestConfig {
            allow_private_destinations: self.restream.allow_private_destinations,
            ..self.rtmp.ingest_config(&self.storage.data_dir)
        }
    }

    /// The database URL, defaulting to a SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        if self.database.url.is_empty() {
            format!(
                "sqlite://{}",
                self.storage.data_dir.join("livestream.db").display()
            )
        } else {
            self.database.url.clone()
        }
    }

    /// The HLS settings streams are started with.
    pub fn hls_output(&self) -> engine::HlsSettings {
        engine::HlsSettings {
            segment_duration: Duration::from_secs(self.hls.segment_seconds),
            window_segments: self.hls.window_segments,
            part_duration: Duration::from_secs_f64(self.hls.part_seconds),
            thumbnail_interval: (self.hls.thumbnail_seconds > 0)
                .then(|| Duration::from_secs(self.hls.thumbnail_seconds)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Tests that set or read `LIVESTREAM_*` variables take turns.
    static ENVIRONMENT: Mutex<()> = Mutex::new(());

    #[test]
    fn the_defaults_alone_are_a_valid_configuration() {
        let _env = ENVIRONMENT.lock().unwrap_or_else(|p| p.into_inner());
        let settings = Settings::load(None);
        assert!(settings.is_ok(), "{:?}", settings.err());
    }

    #[test]
    fn defaults_then_file_then_environment() {
        let _env = ENVIRONMENT.lock().unwrap_or_else(|p| p.into_inner());
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("livestream.toml");
        std::fs::write(&file, "[http]\nport = 9100\n[hls]\nsegment_seconds = 4\n").expect("write");
        std::env::set_var("LIVESTREAM_HTTP__PORT", "9200");
        std::env::set_var(
            "LIVESTREAM_INGEST__STREAM_KEYS",
            "first-key-123,second-key-456",
        );
        let settings = Settings::load(Some(&file));
        std::env::remove_var("LIVESTREAM_HTTP__PORT");
        std::env::remove_var("LIVESTREAM_INGEST__STREAM_KEYS");
        let settings = settings.expect("loads");
        assert_eq!(settings.http.port, 9200, "environment beats file");
        assert_eq!(settings.hls.segment_seconds, 4, "file beats defaults");
        assert_eq!(settings.rtmp.port, 1935, "defaults fill the rest");
        assert_eq!(settings.database.connect_timeout_seconds, 2);
        assert_eq!(settings.database.write_retry_minutes, 30);
        assert_eq!(settings.restream.max_destinations_per_room, 5);
        assert!(settings.restream.secret.is_empty(), "generated when empty");
        assert!(!settings.restream.allow_private_destinations);
        assert!(!settings.ingest_config().allow_private_destinations);
        assert_eq!(
            settings.ingest.stream_keys,
            ["first-key-123", "second-key-456"]
        );
    }

    #[test]
    fn unknown_environment_settings_are_refused() {
        let _env = ENVIRONMENT.lock().unwrap_or_else(|p| p.into_inner());
        std::env::set_var("LIVESTREAM_RTMP__PORTT", "1936");
        let settings = Settings::load(None);
        std::env::remove_var("LIVESTREAM_RTMP__PORTT");
        let err = settings.expect_err("a misspelt key is refused").to_string();
        assert!(err.contains("portt"), "{err}");
    }

    #[test]
    fn restreaming_is_configured_from_the_environment_too() {
        let _env = ENVIRONMENT.lock().unwrap_or_else(|p| p.into_inner());
        std::env::set_var("LIVESTREAM_RESTREAM__MAX_DESTINATIONS_PER_ROOM", "7");
        std::env::set_var("LIVESTREAM_RESTREAM__ALLOW_PRIVATE_DESTINATIONS", "true");
        std::env::set_var(
            "LIVESTREAM_RESTREAM__SECRET",
            "a-restream-secret-of-at-least-32-characters",
        );
        let settings = Settings::load(None);
        std::env::set_var("LIVESTREAM_RESTREAM__SECRETT", "x");
        let misspelt = Settings::load(None);
        for name in [
            "MAX_DESTINATIONS_PER_ROOM",
            "ALLOW_PRIVATE_DESTINATIONS",
            "SECRET",
            "SECRETT",
        ] {
            std::env::remove_var(format!("LIVESTREAM_RESTREAM__{name}"));
        }
        let settings = settings.expect("loads");
        assert_eq!(settings.restream.max_destinations_per_room, 7);
        assert!(settings.ingest_config().allow_private_destinations);
        assert_eq!(
            settings.restream.secret,
            "a-restream-secret-of-at-least-32-characters"
        );
        assert!(
            !format!("{settings:?}").contains("a-restream-secret"),
            "the secret is never printed"
        );
        let err = misspelt.expect_err("a misspelt key is refused").to_string();
        assert!(err.contains("secrett"), "{err}");
    }

    #[test]
    fn hostile_values_are_clear_errors() {
        let _env = ENVIRONMENT.lock().unwrap_or_else(|p| p.into_inner());
        let dir = tempfile::tempdir().expect("temp dir");
        for (body, needle) in [
            ("[hls]\nsegment_seconds = 0\n", "segment_seconds"),
            ("[hls]\nwindow_segments = 100000\n", "window_segments"),
            ("[hls]\npart_seconds = 1.5\n", "part_seconds"),
            ("[hls]\npart_seconds = 0\n", "part_seconds"),
            ("[rtmp]\napp = \"../x\"\n", "rtmp.app"),
            ("[ingest]\nstream_keys = [\"short\"]\n", "stream_keys"),
            ("[http]\nport = \"not a number\"\n", "port"),
            ("this is not toml", ""),
            ("[http]\nprot = 8080\n", "prot"),
            ("[rtmpp]\nport = 1935\n", "rtmpp"),
            ("[rtmp]\nmax_message_bytes = 100\n", "max_message_bytes"),
            (
                "[rtmp]\nmax_connections_per_address = 0\n",
                "max_connections_per_address",
            ),
            (
                "[rtmp]\npublish_timeout_seconds = 0\n",
                "publish_timeout_seconds",
            ),
            (
                "[http]\ntrusted_proxies = [\"10.0.0.0/33\"]\n",
                "trusted_proxies",
            ),
            (
                "[auth]\nregistrations_per_hour = 0\n",
                "registrations_per_hour",
            ),
            (
                "[chat]\nmax_connections_per_address = 0\n",
                "max_connections_per_address",
            ),
            (
                "[database]\nconnect_timeout_seconds = 0\n",
                "database.connect_timeout_seconds",
            ),
            (
                "[database]\nconnect_timeout_seconds = 61\n",
                "database.connect_timeout_seconds",
            ),
            (
                "[database]\nconnect_timeout_seconds = -1\n",
                "connect_timeout_seconds",
            ),
            (
                "[database]\nwrite_retry_minutes = 100000\n",
                "database.write_retry_minutes",
            ),
            ("[database]\nwrite_retry_minute = 5\n", "write_retry_minute"),
            ("[http]\ntls_cert = \"cert.pem\"\n", "http.tls_key"),
            ("[srt]\npassphrase = \"short\"\n", "srt.passphrase"),
            ("[srt]\nlatency_ms = 5\n", "srt.latency_ms"),
            ("[srt]\nmax_buffered_kib = 1\n", "srt.max_buffered_kib"),
            ("[srt]\nstreamid = \"x\"\n", "streamid"),
            // Typos in the scale-out sections are refused, not ignored, with their name.
            ("[cluster]\nredis_ur = \"redis://127.0.0.1\"\n", "redis_ur"),
            (
                "[clusters]\nredis_url = \"redis://127.0.0.1\"\n",
                "clusters",
            ),
            ("[storage.s3]\nbuckett = \"recordings\"\n", "buckett"),
            ("[storage.s4]\nbucket = \"recordings\"\n", "s4"),
            (
                "[cluster]\nredis_url = \"http://127.0.0.1\"\n",
                "cluster.redis_url",
            ),
            ("[cluster]\nnode_id = \"a b\"\n", "cluster.node_id"),
            ("[cluster]\nexpiry_seconds = 1\n", "cluster.expiry_seconds"),
            (
                "[cluster]\nredis_url = \"redis://127.0.0.1\"\n",
                "cluster.advertise_url",
            ),
            (
                "[http]\nhost = \"127.0.0.1\"\n[cluster]\nredis_url = \"redis://127.0.0.1\"\n",
                "auth.jwt_secret",
            ),
            (
                "[storage.s3]\nbucket = \"b\"\naccess_key_id = \"k\"\n",
                "secret_access_key",
            ),
            ("[restream]\nsecret = \"too-short\"\n", "restream.secret"),
            (
                "[restream]\nmax_destinations_per_room = 0\n",
                "restream.max_destinations_per_room",
            ),
            (
                "[restream]\nmax_destinations_per_room = 51\n",
                "restream.max_destinations_per_room",
            ),
            ("[restream]\nmax_destinations = 3\n", "max_destinations"),
            ("[restreams]\nsecret = \"x\"\n", "restreams"),
            ("[metrics]\nlisten = \"everywhere\"\n", "metrics.listen"),
            // The values the deployment files and the README once shipped.
            (
                "[auth]\njwt_secret = \"change-me-to-a-long-random-secret-of-64-chars\"\n",
                "auth.jwt_secret is a sample",
            ),
            (
                "[restream]\nsecret = \"change-me-to-another-long-random-secret-of-64\"\n",
                "restream.secret is a sample",
            ),
            (
                "[auth]\nadmin_username = \"admin\"\nadmin_password = \"change-me-admin-passphrase\"\n",
                "auth.admin_password is a sample",
            ),
            (
                "[auth]\nadmin_username = \"admin\"\nadmin_password = \"choose-a-long-passphrase\"\n",
                "auth.admin_password is a sample",
            ),
            ("[metrics]\nport = 9100\n", "port"),
            (
                "[http]\nhost = \"127.0.0.1\"\n[auth]\njwt_secret = \"a-token-secret-of-at-least-32-characters\"\n[cluster]\nredis_url = \"redis://127.0.0.1\"\n",
                "restream.secret",
            ),
        ] {
            let file = dir.path().join("bad.toml");
            std::fs::write(&file, body).expect("write");
            let err = Settings::load(Some(&file)).expect_err(body).to_string();
            assert!(err.contains(needle), "{body:?} gave {err}");
        }
    }
}
