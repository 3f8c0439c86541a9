//! `TestApp`: the whole server in this process, on free ports, with a fresh data directory and
//! a fresh database, started through one builder:
//!
//! ```ignore
//! let app = TestApp::builder()
//!     .backend(Backend::Mariadb)
//!     .settings(|s| s.auth.token_ttl_seconds = 3)
//!     .spawn()
//!     .await;
//! ```

use super::database::{Backend, MariadbDatabase};
use super::internals::StreamRooms;
use super::{random_key, DataDir, ADMIN};
use engine::EndReason;
use engine::StreamEvent;
use livestream::configuration::Settings;
use livestream::startup::Application;
use media::StreamId;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// A change to the test settings, applied in the order given.
type SettingsChange = Box<dyn FnOnce(&mut Settings) + Send>;

/// How to start a `TestApp`: the database, the data directory and any settings that differ from
/// the test defaults (free ports, 1 s segments, two development keys, generous limits).
#[must_use = "a builder does nothing until `spawn`"]
#[derive(Default)]
pub struct TestAppBuilder {
    backend: Backend,
    data_dir: Option<PathBuf>,
    changes: Vec<SettingsChange>,
}

impl TestAppBuilder {
    /// The database the server uses (SQLite unless told).
    pub fn backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    /// Serve from this data directory, which the test owns (it may outlive the server, or be
    /// shared by two servers one after the other), instead of a fresh temporary one.
    pub fn data_dir(mut self, dir: &Path) -> Self {
        self.data_dir = Some(dir.to_path_buf());
        self
    }

    /// Changes the settings after the test defaults and the backend are in place.
    pub fn settings(mut self, change: impl FnOnce(&mut Settings) + Send + 'static) -> Self {
        self.changes.push(Box::new(change));
        self
    }

    /// Turns the SRT ingest on, on a free UDP port.
    pub fn srt(self) -> Self {
        let port = std::net::UdpSocket::bind("127.0.0.1:0")
            .and_then(|s| s.local_addr())
            .expect("a free UDP port")
            .port();
        self.settings(move |s| s.srt.port = port)
    }

    /// Starts the server and waits until it answers `/health`.
    pub async fn spawn(self) -> TestApp {
        livestream::telemetry::init();
        let owned_dir = DataDir::given_or_temporary(self.data_dir.as_deref());
        let mut settings = test_settings(owned_dir.path());
        let mariadb = (self.backend == Backend::Mariadb).then(MariadbDatabase::create);
        if let Some(db) = &mariadb {
            settings.database.url = db.url();
        }
        for change in self.changes {
            change(&mut settings);
        }
        let keys = settings.ingest.stream_keys.clone();
        let database_url = match &mariadb {
            Some(db) => db.url(),
            None => format!(
                "sqlite://{}",
                settings.storage.data_dir.join("livestream.db").display()
            ),
        };
        let data_dir = settings.storage.data_dir.clone();
        // With TLS configured, the server's own client trusts its (self-signed) certificate.
        let (scheme, client) = match settings.http.tls() {
            Some((cert, _)) => ("https", super::tls::client_trusting(cert)),
            None => ("http", reqwest::Client::new()),
        };
        let app = Application::build(settings).await.expect("app builds");
        let http = format!("{scheme}://127.0.0.1:{}", app.http_port());
        let rtmp_port = app.rtmp_port();
        let srt_port = app.srt_port();
        let metrics = app
            .metrics_port()
            .map(|port| format!("http://127.0.0.1:{port}"));
        let events = app.subscribe();
        let stream_rooms = app.stream_rooms();
        let shutdown = app.shutdown_token();
        let server = tokio::spawn(app.run_until_stopped());
        assert!(
            wait_until_healthy(&client, &http).await,
            "the test server at {http} did not come up"
        );
        TestApp {
            http,
            rtmp_port,
            srt_port,
            metrics,
            keys,
            events,
            client,
            stream_rooms,
            data_dir,
            database_url,
            shutdown,
            server,
            _mariadb: mariadb,
            _owned_dir: owned_dir,
        }
    }
}

/// A running server for one test.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`, or `https://` when the settings configure TLS.
    pub http: String,
    pub rtmp_port: u16,
    /// The SRT ingest's UDP port, when the test turned SRT on.
    pub srt_port: Option<u16>,
    /// `http://127.0.0.1:PORT` of the metrics listener (`metrics.listen`), unless turned off.
    pub metrics: Option<String>,
    /// The development stream keys (`ingest.stream_keys`), which publish without a room.
    pub keys: Vec<String>,
    /// The pipelines' events, as the server sees them.
    pub events: broadcast::Receiver<StreamEvent>,
    pub client: reqwest::Client,
    /// The publishers the server granted a room to and has not yet seen end.
    pub stream_rooms: StreamRooms,
    data_dir: PathBuf,
    database_url: String,
    shutdown: CancellationToken,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
    _mariadb: Option<MariadbDatabase>,
    _owned_dir: DataDir,
}

/// Settings for a test server: free ports, `data_dir`, 1 s segments, two dev keys.
fn test_settings(data_dir: &Path) -> Settings {
    let mut settings = Settings::load(None).expect("default settings load");
    settings.http.port = 0;
    settings.http.host = "127.0.0.1".parse().expect("ip");
    settings.rtmp.port = 0;
    settings.rtmp.host = "127.0.0.1".parse().expect("ip");
    // SRT is off unless a test turns it on (`TestAppBuilder::srt`): its default port is fixed.
    settings.srt.port = 0;
    settings.srt.host = "127.0.0.1".parse().expect("ip");
    settings.metrics.listen = "127.0.0.1:0".to_owned();
    // A lost publisher's broadcast ends soon after, not 30 s later (tests of reconnecting set
    // their own grace).
    settings.rtmp.reconnect_grace_seconds = 2;
    // Shutting down ends live streams at once (tests of draining set their own wait).
    settings.cluster.drain_seconds = 0;
    settings.storage.data_dir = data_dir.to_path_buf();
    settings.hls.segment_seconds = 1;
    settings.hls.window_segments = 10;
    settings.ingest.stream_keys = vec![random_key(), random_key()];
    settings.auth.admin_username = ADMIN.0.to_owned();
    settings.auth.admin_password = ADMIN.1.to_owned();
    settings.auth.login_attempts_per_minute = 1000;
    settings.auth.registrations_per_hour = 1000;
    // Every test client comes from loopback; tests of these limits set their own.
    settings.chat.max_connections = 20_000;
    settings.chat.max_connections_per_address = 10_000;
    settings.chat.messages_per_window = 1000;
    settings.chat.window_seconds = 1;
    settings
}

/// Polls `/health` of the server at `base` for up to 20 s; whether it answered with a success.
pub async fn wait_until_healthy(client: &reqwest::Client, base: &str) -> bool {
    for _ in 0..400 {
        let health = client.get(format!("{base}/health")).send().await;
        if health.is_ok_and(|r| r.status().is_success()) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

impl TestApp {
    /// How to start one: `TestApp::builder().spawn().await` for the defaults.
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }

    /// The server's data directory (HLS output, recordings, the SQLite database).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The RTMP URL publishing `key`.
    pub fn rtmp_url(&self, key: &str) -> String {
        format!("rtmp://127.0.0.1:{}/live/{key}", self.rtmp_port)
    }

    /// Where a stream's HLS output is.
    pub fn hls_dir(&self, id: &StreamId) -> PathBuf {
        hls::OutputLayout::new(&self.data_dir).hls_dir(id)
    }

    /// Where a stream's archive is.
    pub fn archive(&self, id: &StreamId) -> PathBuf {
        hls::OutputLayout::new(&self.data_dir).archive(id)
    }

    /// A second connection pool to this server's database, for checks below the API.
    pub fn database(&self) -> livestream::db::Db {
        livestream::db::Db::connect(&self.database_url, 2, Duration::from_secs(10))
            .expect("the test database opens")
    }

    /// Waits for the next event matching `pred`.
    pub async fn wait_for<F>(&mut self, what: &str, timeout: Duration, mut pred: F) -> StreamEvent
    where
        F: FnMut(&StreamEvent) -> bool,
    {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(remaining, self.events.recv()).await {
                Ok(Ok(event)) if pred(&event) => return event,
                Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => continue,
                Ok(Err(e)) => panic!("event channel closed while waiting for {what}: {e}"),
                Err(_) => panic!("timed out after {timeout:?} waiting for {what}"),
            }
        }
    }

    /// Waits for a stream to start and returns its public id.
    pub async fn wait_started(&mut self) -> StreamId {
        match self
            .wait_for("stream start", Duration::from_secs(20), |e| {
                matches!(e, StreamEvent::Started { .. })
            })
            .await
        {
            StreamEvent::Started { stream_id, .. } => stream_id,
            _ => unreachable!(),
        }
    }

    /// Waits until a stream's first segments are out.
    pub async fn wait_playable(&mut self, id: &StreamId) {
        let id = id.clone();
        self.wait_for(
            "playable",
            Duration::from_secs(20),
            |e| matches!(e, StreamEvent::Playable { stream_id, .. } if *stream_id == id),
        )
        .await;
    }

    /// Waits for a stream to end; returns the reason and the archive path and duration.
    pub async fn wait_ended(&mut self, id: &StreamId) -> (EndReason, PathBuf, Duration, bool) {
        let id = id.clone();
        match self
            .wait_for(
                "stream end",
                Duration::from_secs(60),
                |e| matches!(e, StreamEvent::Ended { stream_id, .. } if *stream_id == id),
            )
            .await
        {
            StreamEvent::Ended {
                reason, archive, ..
            } => (reason, archive.path, archive.duration, archive.finalized),
            _ => unreachable!(),
        }
    }

    /// Shuts down like SIGTERM and waits for the server to return.
    pub async fn stop(self) {
        self.shutdown.cancel();
        let result = tokio::time::timeout(Duration::from_secs(30), self.server).await;
        assert!(
            matches!(result, Ok(Ok(Ok(())))),
            "server stopped cleanly: {result:?}"
        );
    }
}
