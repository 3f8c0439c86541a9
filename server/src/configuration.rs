//! Settings: built-in defaults, then an optional TOML file, then `LIVESTREAM_*` environment
//! variables (`LIVESTREAM_HTTP__PORT=9000` sets `http.port`).

use serde::Deserialize;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;
use thiserror::Error;

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
}

/// Clips of broadcasts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClipsSettings {
    /// Clips one user may cut per hour (across nodes with a cluster).
    pub per_user_per_hour: usize,
    /// Clips cut at once on one node; a cut waits up to `queue_seconds` for its turn, then
    /// gets 503.
    pub max_concurrent: usize,
    pub queue_seconds: u64,
}

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

/// Several nodes sharing one database, one Redis and one object store (docs/operations/scaling-out.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSettings {
    /// `redis://host:port[/db]`. Empty: one node, with its chat hub, viewer counts, limits and
    /// live-stream registry in the process.
    pub redis_url: String,
    /// This node's name in the registry and on chat messages. Empty: the host name.
    pub node_id: String,
    /// The HTTP base other nodes reach this node at (`http://10.0.0.5:8080`), for HLS of the
    /// streams it originates. Empty: `http://<http.host>:<port>`, when `http.host` is an address
    /// others can reach (not `0.0.0.0`).
    pub advertise_url: String,
    /// Prefix of every Redis key and channel, so that several clusters may share one Redis.
    pub key_prefix: String,
    /// A node's claims and presence expire this long after its last heartbeat (sent every third
    /// of it): how long a crashed node's rooms and viewers outlive it.
    pub expiry_seconds: u64,
    /// On SIGTERM, how long the node waits for its live streams to end before it ends them
    /// itself; new publishes are refused meanwhile.
    pub drain_seconds: u64,
    /// The HLS edge's memory for other nodes' parts and segments, in MiB.
    pub edge_cache_mib: usize,
    /// Fetches from other nodes the HLS edge runs at once; more are refused (503).
    pub edge_max_fetches: usize,
}

impl ClusterSettings {
    /// Whether this node shares its state with others through Redis.
    pub fn enabled(&self) -> bool {
        !self.redis_url.is_empty()
    }
}

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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    pub host: IpAddr,
    pub port: u16,
    /// The built web app (`web/dist`), served for every path outside `/api` and `/hls`.
    pub web_root: PathBuf,
    /// Reverse proxies (addresses or CIDR ranges) whose `Forwarded` / `X-Forwarded-*` headers are
    /// believed for the client address and the public host. Empty: the socket peer is the client.
    pub trusted_proxies: Vec<String>,
    /// A connection whose client takes none of the data sent to it for this long is dropped by
    /// the operating system (TCP_USER_TIMEOUT), whatever is waiting to be sent.
    pub write_timeout_seconds: u64,
    /// A PEM certificate chain: with `tls_key`, HTTPS (HTTP/2 and HTTP/1.1 by ALPN) replaces
    /// plain HTTP on `port`. Empty: plain HTTP/1.1.
    pub tls_cert: PathBuf,
    /// The PEM private key of `tls_cert` (PKCS#8, PKCS#1 or SEC1).
    pub tls_key: PathBuf,
}

impl HttpSettings {
    /// The certificate and key files, when TLS is configured.
    pub fn tls(&self) -> Option<(&Path, &Path)> {
        (!self.tls_cert.as_os_str().is_empty())
            .then_some((self.tls_cert.as_path(), self.tls_key.as_path()))
    }
}

/// The SRT ingest (MPEG-TS over SRT, caller to listener). Its callers count against the
/// `rtmp.max_connections` limits and follow the `rtmp` timeouts and reconnect grace.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SrtSettings {
    pub host: IpAddr,
    /// UDP port; 0 turns SRT off.
    pub port: u16,
    /// Encryption every caller must use (AES, 10-79 characters). Empty: none.
    pub passphrase: String,
    /// The receiver's buffer for retransmissions, in milliseconds (callers may ask for more).
    pub latency_ms: u64,
    /// MPEG-TS one caller may have waiting for its demuxer, in KiB; beyond it the caller is
    /// dropped as sending faster than its stream is processed.
    pub max_buffered_kib: u64,
    /// Handshakes one address (an IPv6 /64) may start per minute, before any key is looked up;
    /// more are refused (1402).
    pub handshakes_per_minute_per_address: u32,
    /// The largest video frame (one PES) a caller may send, in KiB; what the MPEG-TS demuxer
    /// may hold of unfinished frames, and twice this between two frames, follow from it.
    pub max_frame_kib: u64,
    /// A caller whose bytes make no complete video frame for this long is dropped.
    pub frame_timeout_seconds: u64,
}

impl SrtSettings {
    /// The listener's settings, when SRT is on.
    pub fn srt_config(&self) -> Option<(SocketAddr, ingest::srt::SrtConfig)> {
        (self.port != 0).then(|| {
            (
                SocketAddr::new(self.host, self.port),
                ingest::srt::SrtConfig {
                    latency: Duration::from_millis(self.latency_ms),
                    passphrase: (!self.passphrase.is_empty()).then(|| self.passphrase.clone()),
                    max_buffered_bytes: self.max_buffered_kib * 1024,
                    handshakes_per_minute: self.handshakes_per_minute_per_address,
                    held: media::mpegts::Limits {
                        max_pes: self.max_frame_kib * 1024,
                        max_unframed: 2 * self.max_frame_kib * 1024,
                    },
                    frame_timeout: Duration::from_secs(self.frame_timeout_seconds),
                },
            )
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RtmpSettings {
    pub host: IpAddr,
    pub port: u16,
    /// The application name in `rtmp://host/<app>`.
    pub app: String,
    /// The RTMP handshake must complete within this.
    pub handshake_timeout_seconds: u64,
    /// A connection silent this long is closed (a publisher's stream ends).
    pub idle_timeout_seconds: u64,
    /// A connection must ask to publish within this, or it is closed.
    pub publish_timeout_seconds: u64,
    /// A write the peer does not take within this closes the connection.
    pub write_timeout_seconds: u64,
    /// RTMP connections at once, from anywhere.
    pub max_connections: usize,
    /// RTMP connections at once from one IP address.
    pub max_connections_per_address: usize,
    /// The longest RTMP message accepted, in bytes (a video keyframe is one message).
    pub max_message_bytes: usize,
    /// The most bytes one connection may hold in unfinished RTMP messages.
    pub max_buffered_bytes: usize,
    /// A broadcast whose publisher is lost waits this long for it to reconnect and continue
    /// (0 ends it at once).
    pub reconnect_grace_seconds: u64,
    /// A publisher silent this long is replaced by a new connection presenting the same key.
    pub takeover_quiet_seconds: u64,
}

impl RtmpSettings {
    /// The ingest server's settings, with HLS and archives under `data_dir`.
    pub fn ingest_config(&self, data_dir: &Path) -> ingest::IngestConfig {
        ingest::IngestConfig {
            app: self.app.clone(),
            data_dir: data_dir.to_path_buf(),
            handshake_timeout: Duration::from_secs(self.handshake_timeout_seconds),
            idle_timeout: Duration::from_secs(self.idle_timeout_seconds),
            publish_timeout: Duration::from_secs(self.publish_timeout_seconds),
            write_timeout: Duration::from_secs(self.write_timeout_seconds),
            max_connections: self.max_connections,
            max_connections_per_address: self.max_connections_per_address,
            max_message_bytes: self.max_message_bytes,
            max_buffered_bytes: self.max_buffered_bytes,
            reconnect_grace: Duration::from_secs(self.reconnect_grace_seconds),
            takeover_quiet: Duration::from_secs(self.takeover_quiet_seconds),
            // Set from `restream.allow_private_destinations` by `Settings::ingest_config`.
            allow_private_destinations: false,
        }
    }
}

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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HlsSettings {
    pub segment_seconds: u64,
    pub window_segments: u32,
    /// LL-HLS part target, in seconds (`EXT-X-PART-INF:PART-TARGET`).
    pub part_seconds: f64,
    /// How long an ended stream's HLS files stay available (for players finishing up).
    pub retain_ended_seconds: u64,
    /// How often each live stream's JPEG thumbnail is refreshed, and the spacing of a
    /// recording's timeline preview tiles; 0 turns both off.
    pub thumbnail_seconds: u64,
    /// Blocking requests (reloads with `_HLS_msn`, the hinted part) one connection may have
    /// waiting at once; HTTP/2 multiplexes any number on one connection. More get 503.
    pub max_waiting_per_connection: usize,
    /// The same, from one client address (an IPv6 /64 counts as one).
    pub max_waiting_per_address: usize,
    /// The same, on one rendition of one stream (two per viewer: a reload and a part).
    pub max_waiting_per_rendition: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestSettings {
    /// Development option: keys accepted without any account or room.
    pub stream_keys: Vec<String>,
}

/// Words that mark a value copied from an example (the repository's deployment files once
/// shipped `change-me-...` secrets, and the README a sample passphrase): such a value is known
/// to everyone who has read them.
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
        let mut builder = config::Config::builder()
            .set_default("http.host", "0.0.0.0")?
            .set_default("http.port", 8080)?
            .set_default("http.web_root", "web/dist")?
            .set_default("http.trusted_proxies", Vec::<String>::new())?
            .set_default("http.write_timeout_seconds", 30)?
            .set_default("http.tls_cert", "")?
            .set_default("http.tls_key", "")?
            .set_default("rtmp.host", "0.0.0.0")?
            .set_default("rtmp.port", 1935)?
            .set_default("rtmp.app", "live")?
            .set_default("rtmp.handshake_timeout_seconds", 10)?
            .set_default("rtmp.idle_timeout_seconds", 30)?
            .set_default("rtmp.publish_timeout_seconds", 10)?
            .set_default("rtmp.write_timeout_seconds", 10)?
            .set_default("rtmp.max_connections", 256)?
            .set_default("rtmp.max_connections_per_address", 8)?
            .set_default("rtmp.max_message_bytes", 8 * 1024 * 1024)?
            .set_default("rtmp.max_buffered_bytes", 16 * 1024 * 1024)?
            .set_default("rtmp.reconnect_grace_seconds", 30)?
            .set_default("rtmp.takeover_quiet_seconds", 2)?
            .set_default("srt.host", "0.0.0.0")?
            .set_default("srt.port", 8890)?
            .set_default("srt.passphrase", "")?
            .set_default("srt.latency_ms", 120)?
            .set_default("srt.max_buffered_kib", 8192)?
            .set_default("srt.handshakes_per_minute_per_address", 30)?
            .set_default("srt.max_frame_kib", 8192)?
            .set_default("srt.frame_timeout_seconds", 5)?
            .set_default("storage.data_dir", "./data")?
            .set_default("storage.s3.endpoint", "")?
            .set_default("storage.s3.bucket", "")?
            .set_default("storage.s3.region", "us-east-1")?
            .set_default("storage.s3.access_key_id", "")?
            .set_default("storage.s3.secret_access_key", "")?
            .set_default("storage.min_free_mib", 2048)?
            .set_default("storage.stop_free_mib", 512)?
            .set_default("limits.rooms_per_user", 10)?
            .set_default("limits.broadcasts_per_user", 2)?
            .set_default("limits.stored_mib_per_user", 51_200)?
            .set_default("limits.max_ingest_kbps", 0)?
            .set_default("limits.max_broadcast_seconds", 0)?
            .set_default("cluster.redis_url", "")?
            .set_default("cluster.node_id", "")?
            .set_default("cluster.advertise_url", "")?
            .set_default("cluster.key_prefix", "livestream")?
            .set_default("cluster.expiry_seconds", 15)?
            .set_default("cluster.drain_seconds", 30)?
            .set_default("cluster.edge_cache_mib", 128)?
            .set_default("cluster.edge_max_fetches", 1024)?
            .set_default("hls.segment_seconds", 2)?
            .set_default("hls.window_segments", 6)?
            .set_default("hls.part_seconds", 0.4)?
            .set_default("hls.retain_ended_seconds", 300)?
            .set_default("hls.thumbnail_seconds", 5)?
            .set_default("hls.max_waiting_per_connection", 100)?
            .set_default("hls.max_waiting_per_address", 400)?
            .set_default("hls.max_waiting_per_rendition", 50_000)?
            .set_default("ingest.stream_keys", Vec::<String>::new())?
            .set_default("database.url", "")?
            .set_default("database.max_connections", 8)?
            .set_default("database.connect_timeout_seconds", 2)?
            .set_default("database.write_retry_minutes", 30)?
            .set_default("auth.jwt_secret", "")?
            .set_default("auth.token_ttl_seconds", 3600)?
            .set_default("auth.max_session_hours", 168)?
            .set_default("auth.login_attempts_per_minute", 10)?
            .set_default("auth.registrations_per_hour", 5)?
            .set_default("clips.per_user_per_hour", 30)?
            .set_default("clips.max_concurrent", 2)?
            .set_default("clips.queue_seconds", 10)?
            .set_default("auth.max_concurrent_password_hashes", 2)?
            .set_default("auth.admin_username", "")?
            .set_default("auth.admin_password", "")?
            .set_default("chat.messages_per_window", 5)?
            .set_default("chat.window_seconds", 10)?
            .set_default("chat.idle_timeout_seconds", 30)?
            .set_default("chat.max_connections", 10_000)?
            .set_default("chat.max_connections_per_address", 20)?
            .set_default("restream.secret", "")?
            .set_default("restream.max_destinations_per_room", 5)?
            .set_default("restream.allow_private_destinations", false)?
            .set_default("metrics.listen", "127.0.0.1:9464")?;
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

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |m: &str| Err(ConfigError::Invalid(m.to_owned()));
        if !(1..=10).contains(&self.hls.segment_seconds) {
            return invalid("hls.segment_seconds must be between 1 and 10");
        }
        if !(2..=60).contains(&self.hls.window_segments) {
            return invalid("hls.window_segments must be between 2 and 60");
        }
        if !(0.1..=2.0).contains(&self.hls.part_seconds)
            || self.hls.part_seconds * 2.0 > self.hls.segment_seconds as f64
        {
            return invalid(
                "hls.part_seconds must be between 0.1 and 2, and at most half of hls.segment_seconds",
            );
        }
        let hls = &self.hls;
        if !(1..=10_000).contains(&hls.max_waiting_per_connection)
            || !(hls.max_waiting_per_connection..=1_000_000).contains(&hls.max_waiting_per_address)
            || !(1..=10_000_000).contains(&hls.max_waiting_per_rendition)
        {
            return invalid(
                "hls.max_waiting_per_connection must be 1-10000, hls.max_waiting_per_address at least that (at most 1000000), hls.max_waiting_per_rendition 1-10000000",
            );
        }
        if self.hls.thumbnail_seconds > 3600 {
            return invalid("hls.thumbnail_seconds must be between 0 (off) and 3600");
        }
        if self.rtmp.app.is_empty()
            || !self
                .rtmp
                .app
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return invalid("rtmp.app must be a non-empty name of letters, digits, '-' or '_'");
        }
        let rtmp = &self.rtmp;
        for (name, seconds) in [
            ("handshake_timeout_seconds", rtmp.handshake_timeout_seconds),
            ("idle_timeout_seconds", rtmp.idle_timeout_seconds),
            ("publish_timeout_seconds", rtmp.publish_timeout_seconds),
            ("write_timeout_seconds", rtmp.write_timeout_seconds),
        ] {
            if !(1..=3600).contains(&seconds) {
                return invalid(&format!("rtmp.{name} must be between 1 and 3600"));
            }
        }
        if rtmp.reconnect_grace_seconds > 300 || !(1..=60).contains(&rtmp.takeover_quiet_seconds) {
            return invalid(
                "rtmp.reconnect_grace_seconds must be 0-300 and rtmp.takeover_quiet_seconds 1-60",
            );
        }
        if !(1..=100_000).contains(&rtmp.max_connections)
            || !(1..=rtmp.max_connections).contains(&rtmp.max_connections_per_address)
        {
            return invalid(
                "rtmp.max_connections must be 1-100000 and rtmp.max_connections_per_address 1-max_connections",
            );
        }
        if !(64 * 1024..=16 * 1024 * 1024).contains(&rtmp.max_message_bytes)
            || !(rtmp.max_message_bytes..=1024 * 1024 * 1024).contains(&rtmp.max_buffered_bytes)
        {
            return invalid(
                "rtmp.max_message_bytes must be 64 KiB-16 MiB and rtmp.max_buffered_bytes at least that, at most 1 GiB",
            );
        }
        let database = &self.database;
        if !(1..=60).contains(&database.connect_timeout_seconds) {
            return invalid("database.connect_timeout_seconds must be between 1 and 60");
        }
        if database.write_retry_minutes > 7 * 24 * 60 {
            return invalid(
                "database.write_retry_minutes must be between 0 (no retry) and 10080 (a week)",
            );
        }
        if self.ingest.stream_keys.iter().any(|k| k.len() < 8) {
            return invalid("every ingest.stream_keys entry must be at least 8 characters");
        }
        if !self.auth.jwt_secret.is_empty() && self.auth.jwt_secret.len() < 32 {
            return invalid(
                "auth.jwt_secret must be at least 32 characters (or empty to generate one)",
            );
        }
        if !(60..=30 * 86_400).contains(&self.auth.token_ttl_seconds) {
            return invalid("auth.token_ttl_seconds must be between 60 and 2592000");
        }
        if !(1..=24 * 365).contains(&self.auth.max_session_hours) {
            return invalid("auth.max_session_hours must be between 1 and 8760");
        }
        if !(1..=1_000_000).contains(&self.chat.messages_per_window)
            || !(1..=3600).contains(&self.chat.window_seconds)
        {
            return invalid(
                "chat.messages_per_window must be 1-1000000 and chat.window_seconds 1-3600",
            );
        }
        if !(3..=3600).contains(&self.chat.idle_timeout_seconds) {
            return invalid("chat.idle_timeout_seconds must be between 3 and 3600");
        }
        if !(1..=1_000_000).contains(&self.auth.login_attempts_per_minute)
            || !(1..=1_000_000).contains(&self.auth.registrations_per_hour)
            || !(1..=64).contains(&self.auth.max_concurrent_password_hashes)
        {
            return invalid(
                "auth.login_attempts_per_minute and auth.registrations_per_hour must be 1-1000000, auth.max_concurrent_password_hashes 1-64",
            );
        }
        if !(1..=1_000_000).contains(&self.chat.max_connections)
            || !(1..=self.chat.max_connections).contains(&self.chat.max_connections_per_address)
        {
            return invalid(
                "chat.max_connections must be 1-1000000 and chat.max_connections_per_address 1-max_connections",
            );
        }
        if !(1..=3600).contains(&self.http.write_timeout_seconds) {
            return invalid("http.write_timeout_seconds must be between 1 and 3600");
        }
        if let Err(e) = crate::client_address::TrustedProxies::parse(&self.http.trusted_proxies) {
            return invalid(&format!("http.trusted_proxies: {e}"));
        }
        if self.http.tls_cert.as_os_str().is_empty() != self.http.tls_key.as_os_str().is_empty() {
            return invalid("http.tls_cert and http.tls_key go together");
        }
        if self.auth.admin_username.is_empty() != self.auth.admin_password.is_empty() {
            return invalid("auth.admin_username and auth.admin_password go together");
        }
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
                return invalid(&format!(
                    "{name} is a sample value from the documentation; generate a secret (deploy/make-secrets.sh)"
                ));
            }
        }
        if !self.srt.passphrase.is_empty() && !ingest::srt::valid_passphrase(&self.srt.passphrase) {
            return invalid("srt.passphrase must be 10-79 characters (or empty for none)");
        }
        if !self.restream.secret.is_empty() && self.restream.secret.len() < 32 {
            return invalid(
                "restream.secret must be at least 32 characters (or empty to generate one)",
            );
        }
        if !(1..=100_000).contains(&self.clips.per_user_per_hour) {
            return invalid("clips.per_user_per_hour must be between 1 and 100000");
        }
        if !(1..=64).contains(&self.clips.max_concurrent) {
            return invalid("clips.max_concurrent must be between 1 and 64");
        }
        if self.clips.queue_seconds > 60 {
            return invalid("clips.queue_seconds must be between 0 and 60");
        }
        if !(1..=50).contains(&self.restream.max_destinations_per_room) {
            return invalid("restream.max_destinations_per_room must be between 1 and 50");
        }
        if !(20..=8000).contains(&self.srt.latency_ms) {
            return invalid("srt.latency_ms must be between 20 and 8000");
        }
        if !self.metrics.listen.is_empty() && self.metrics.address().is_none() {
            return invalid(
                "metrics.listen must be an address and port (127.0.0.1:9464), or empty for none",
            );
        }
        if !(256..=262_144).contains(&self.srt.max_buffered_kib) {
            return invalid("srt.max_buffered_kib must be between 256 and 262144");
        }
        let limits = &self.limits;
        if !(1..=100_000).contains(&limits.rooms_per_user)
            || !(1..=1000).contains(&limits.broadcasts_per_user)
        {
            return invalid(
                "limits.rooms_per_user must be 1-100000 and limits.broadcasts_per_user 1-1000",
            );
        }
        if self.storage.stop_free_mib == 0 || self.storage.stop_free_mib > self.storage.min_free_mib
        {
            return invalid(
                "storage.stop_free_mib must be at least 1 and at most storage.min_free_mib",
            );
        }
        if !(1..=100_000).contains(&self.srt.handshakes_per_minute_per_address) {
            return invalid("srt.handshakes_per_minute_per_address must be between 1 and 100000");
        }
        if !(512..=65_536).contains(&self.srt.max_frame_kib)
            || !(1..=60).contains(&self.srt.frame_timeout_seconds)
        {
            return invalid(
                "srt.max_frame_kib must be 512-65536 and srt.frame_timeout_seconds 1-60",
            );
        }
        self.validate_cluster()
    }

    fn validate_cluster(&self) -> Result<(), ConfigError> {
        let invalid = |m: &str| Err(ConfigError::Invalid(m.to_owned()));
        let cluster = &self.cluster;
        let name_like = |s: &str| {
            (1..=64).contains(&s.len())
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        };
        if !name_like(&cluster.node_id) {
            return invalid(
                "cluster.node_id must be 1-64 letters, digits, '.', '-' or '_' (empty: the host name)",
            );
        }
        if !name_like(&cluster.key_prefix) {
            return invalid("cluster.key_prefix must be 1-64 letters, digits, '.', '-' or '_'");
        }
        if !cluster.redis_url.is_empty() && redis::parse_redis_url(&cluster.redis_url).is_none() {
            return invalid("cluster.redis_url must be a redis:// or rediss:// URL");
        }
        if !(cluster.advertise_url.is_empty() || is_http_url(&cluster.advertise_url)) {
            return invalid("cluster.advertise_url must be an http:// or https:// URL");
        }
        if cluster.enabled() && cluster.advertise_url.is_empty() && self.http.host.is_unspecified()
        {
            return invalid(
                "cluster.advertise_url is needed with cluster.redis_url when http.host is 0.0.0.0 or ::",
            );
        }
        if cluster.enabled() && self.auth.jwt_secret.is_empty() {
            return invalid(
                "auth.jwt_secret must be set with cluster.redis_url: every node checks the tokens the others sign",
            );
        }
        if cluster.enabled() && self.restream.secret.is_empty() {
            return invalid(
                "restream.secret must be set with cluster.redis_url: every node opens the destination keys the others sealed",
            );
        }
        if !(3..=600).contains(&cluster.expiry_seconds) {
            return invalid("cluster.expiry_seconds must be between 3 and 600");
        }
        if cluster.drain_seconds > 24 * 3600 {
            return invalid("cluster.drain_seconds must be between 0 and 86400");
        }
        if !(16..=65_536).contains(&cluster.edge_cache_mib)
            || !(16..=100_000).contains(&cluster.edge_max_fetches)
        {
            return invalid(
                "cluster.edge_cache_mib must be 16-65536 and cluster.edge_max_fetches 16-100000",
            );
        }
        let s3 = &self.storage.s3;
        if s3.enabled() && (s3.access_key_id.is_empty() != s3.secret_access_key.is_empty()) {
            return invalid(
                "storage.s3.access_key_id and storage.s3.secret_access_key go together",
            );
        }
        if !(s3.endpoint.is_empty() || is_http_url(&s3.endpoint)) {
            return invalid("storage.s3.endpoint must be an http:// or https:// URL");
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
    pub fn ingest_config(&self) -> ingest::IngestConfig {
        ingest::IngestConfig {
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
