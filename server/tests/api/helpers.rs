//! `TestApp`: the whole server on free ports with its own data directory, plus publishers and
//! probes that act and look the way users and players do.

use livestream::configuration::Settings;
use livestream::startup::Application;
use pipelines::{EndReason, StreamEvent, StreamId};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// Which database a test server uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Mariadb,
}

/// Username and password of the admin every test server starts with.
pub const ADMIN: (&str, &str) = ("root-admin", "Adm1n-Secret-Passphrase-42");
/// A password strong enough for registration.
pub const PASSWORD: &str = "Tr4vel-Lamp-Quartz-91";

/// A fresh MariaDB database (127.0.0.1:3306, root, no password), dropped with the test app.
pub struct MariadbDatabase(pub String);

impl MariadbDatabase {
    pub fn create() -> Self {
        let name = format!("livestream_test_{}", random_key().to_ascii_lowercase());
        mariadb(&format!("CREATE DATABASE {name} CHARACTER SET utf8mb4"));
        Self(name)
    }

    pub fn url(&self) -> String {
        format!("mysql://root@127.0.0.1:3306/{}", self.0)
    }
}

impl Drop for MariadbDatabase {
    fn drop(&mut self) {
        mariadb(&format!("DROP DATABASE IF EXISTS {}", self.0));
    }
}

fn mariadb(sql: &str) {
    let out = std::process::Command::new("mariadb")
        .args([
            "--protocol=tcp",
            "-h",
            "127.0.0.1",
            "-P",
            "3306",
            "-u",
            "root",
            "-e",
            sql,
        ])
        .output()
        .expect("the mariadb client is installed (deploy/services.sh)");
    assert!(
        out.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A running server for one test.
pub struct TestApp {
    /// The MariaDB database of this test, dropped with it.
    pub _database: Option<MariadbDatabase>,
    pub http: String,
    pub rtmp_port: u16,
    pub data_dir: tempfile::TempDir,
    pub keys: Vec<String>,
    pub events: broadcast::Receiver<StreamEvent>,
    pub shutdown: CancellationToken,
    pub server: tokio::task::JoinHandle<anyhow::Result<()>>,
    pub client: reqwest::Client,
    /// The publishers the server granted a room to and has not yet seen end.
    pub stream_rooms: livestream::broadcasts::StreamRooms,
}

/// A short generated clip to publish.
#[derive(Clone, Copy)]
pub struct Clip {
    pub width: u32,
    pub height: u32,
    pub seconds: f64,
    pub audio: bool,
    pub video: bool,
}

impl Clip {
    /// 640x360, 30 fps, 1 s GOP, AAC audio.
    pub fn small(seconds: f64) -> Self {
        Self {
            width: 640,
            height: 360,
            seconds,
            audio: true,
            video: true,
        }
    }
}

/// Settings for a test server: free ports, a fresh data dir, 1 s segments, two dev keys.
pub fn test_settings(data_dir: &Path) -> (Settings, Vec<String>) {
    let keys = vec![random_key(), random_key()];
    let mut settings = Settings::load(None).expect("default settings load");
    settings.http.port = 0;
    settings.http.host = "127.0.0.1".parse().expect("ip");
    settings.rtmp.port = 0;
    settings.rtmp.host = "127.0.0.1".parse().expect("ip");
    // A lost publisher's broadcast ends soon after, not 30 s later (tests of reconnecting set
    // their own grace).
    settings.rtmp.reconnect_grace_seconds = 2;
    settings.storage.data_dir = data_dir.to_path_buf();
    settings.hls.segment_seconds = 1;
    settings.hls.window_segments = 10;
    settings.ingest.stream_keys = keys.clone();
    settings.auth.admin_username = ADMIN.0.to_owned();
    settings.auth.admin_password = ADMIN.1.to_owned();
    settings.auth.login_attempts_per_minute = 1000;
    settings.auth.registrations_per_hour = 1000;
    // Every test client comes from loopback; tests of these limits set their own.
    settings.chat.max_connections = 20_000;
    settings.chat.max_connections_per_address = 10_000;
    settings.chat.messages_per_window = 1000;
    settings.chat.window_seconds = 1;
    (settings, keys)
}

pub fn random_key() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), 24)
}

impl TestApp {
    /// Starts the server on SQLite and waits until it answers HTTP.
    pub async fn spawn() -> Self {
        Self::spawn_on(Backend::Sqlite).await
    }

    /// Starts the server on `backend` with a fresh database.
    pub async fn spawn_on(backend: Backend) -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let (settings, _) = test_settings(data_dir.path());
        Self::start(settings, data_dir, backend).await
    }

    /// Starts the server with `settings` (SQLite in `data_dir`).
    pub async fn spawn_with(settings: Settings, data_dir: tempfile::TempDir) -> Self {
        Self::start(settings, data_dir, Backend::Sqlite).await
    }

    async fn start(mut settings: Settings, data_dir: tempfile::TempDir, backend: Backend) -> Self {
        livestream::telemetry::init();
        let keys = settings.ingest.stream_keys.clone();
        let mariadb = (backend == Backend::Mariadb).then(MariadbDatabase::create);
        if let Some(db) = &mariadb {
            settings.database.url = db.url();
        }
        let app = Application::build(settings).await.expect("app builds");
        let http = format!("http://127.0.0.1:{}", app.http_port());
        let rtmp_port = app.rtmp_port();
        let events = app.subscribe();
        let stream_rooms = app.stream_rooms();
        let shutdown = app.shutdown_token();
        let server = tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::new();
        wait_until_up(&client, &http).await;
        Self {
            _database: mariadb,
            http,
            rtmp_port,
            data_dir,
            keys,
            events,
            shutdown,
            server,
            client,
            stream_rooms,
        }
    }

    pub fn rtmp_url(&self, key: &str) -> String {
        format!("rtmp://127.0.0.1:{}/live/{key}", self.rtmp_port)
    }

    /// Publishes `clip` in real time with ffmpeg (libx264 + AAC, as OBS would send). Its errors
    /// (`Server error: <the server's description>` for a refused publish) are kept for
    /// `run_to_end`.
    pub fn publish_ffmpeg(&self, key: &str, clip: Clip, extra: &[&str]) -> Child {
        self.publish_ffmpeg_to(&self.rtmp_url(key), clip, extra)
    }

    /// `publish_ffmpeg` to any RTMP URL.
    pub fn publish_ffmpeg_to(&self, url: &str, clip: Clip, extra: &[&str]) -> Child {
        let mut cmd = Command::new("ffmpeg");
        cmd.args(["-hide_banner", "-loglevel", "error", "-nostdin", "-re"]);
        if clip.video {
            cmd.args([
                "-f",
                "lavfi",
                "-i",
                &format!("testsrc2=size={}x{}:rate=30", clip.width, clip.height),
            ]);
        }
        if clip.audio {
            cmd.args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]);
        }
        cmd.args(["-t", &clip.seconds.to_string()]);
        if clip.video {
            cmd.args([
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-tune",
                "zerolatency",
                "-g",
                "30",
                "-pix_fmt",
                "yuv420p",
                "-b:v",
                "1000k",
            ]);
        }
        if clip.audio {
            cmd.args(["-c:a", "aac", "-b:a", "96k"]);
        }
        cmd.args(extra);
        cmd.args(["-f", "flv", url]);
        cmd.stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        cmd.spawn()
            .expect("ffmpeg is installed (deploy/install-deps.sh)")
    }

    /// Publishes `clip` in real time with GStreamer's rtmp2sink.
    pub fn publish_rtmp2sink(&self, key: &str, clip: Clip) -> Child {
        let frames = (clip.seconds * 30.0) as u32;
        let buffers = (clip.seconds * 48000.0 / 1024.0) as u32;
        let pipeline = format!(
            "videotestsrc is-live=true num-buffers={frames} pattern=ball ! video/x-raw,format=I420,width={w},height={h},framerate=30/1 \
             ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 bitrate=1000 ! h264parse \
             ! flvmux name=mux streamable=true ! rtmp2sink location={url} \
             audiotestsrc is-live=true num-buffers={buffers} samplesperbuffer=1024 ! audio/x-raw,rate=48000,channels=2 \
             ! avenc_aac ! aacparse ! mux.",
            w = clip.width,
            h = clip.height,
            url = self.rtmp_url(key),
        );
        let mut cmd = Command::new("gst-launch-1.0");
        cmd.arg("-e").args(pipeline.split_whitespace());
        cmd.stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        cmd.spawn()
            .expect("gst-launch-1.0 is installed (deploy/install-deps.sh)")
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

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.http))
            .send()
            .await
            .expect("HTTP request")
    }

    pub async fn get_text(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        response.text().await.expect("body")
    }

    /// A second connection pool to this server's database, for checks below the API.
    pub fn database(&self) -> livestream::db::Db {
        let url = match &self._database {
            Some(db) => db.url(),
            None => format!(
                "sqlite://{}",
                self.data_dir.path().join("livestream.db").display()
            ),
        };
        livestream::db::Db::connect(&url, 2, Duration::from_secs(10))
            .expect("the test database opens")
    }

    pub fn hls_dir(&self, id: &StreamId) -> PathBuf {
        pipelines::OutputLayout::new(self.data_dir.path()).hls_dir(id)
    }

    /// Where a stream's archive is.
    pub fn archive(&self, id: &StreamId) -> PathBuf {
        pipelines::OutputLayout::new(self.data_dir.path()).archive(id)
    }

    /// Sends a JSON request, with a bearer token when given.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> reqwest::Response {
        let mut request = self.client.request(method, format!("{}{path}", self.http));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("HTTP request")
    }

    /// `call`, then the status and the JSON body (`null` when there is none).
    pub async fn json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let response = self.call(method, path, token, body).await;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }

    /// Registers a user with `role` and returns (token, user id).
    pub async fn register(&self, username: &str, role: &str) -> (String, String) {
        let body = serde_json::json!({ "username": username, "password": PASSWORD, "role": role });
        let (status, body) = self
            .json(
                reqwest::Method::POST,
                "/api/auth/register",
                None,
                Some(body),
            )
            .await;
        assert_eq!(status, 201, "register {username}: {body}");
        (
            body["access_token"].as_str().expect("token").to_owned(),
            body["user"]["id"].as_str().expect("id").to_owned(),
        )
    }

    /// Logs `username` in with the test password and returns a token (status checked).
    pub async fn login(&self, username: &str) -> String {
        let body = serde_json::json!({ "username": username, "password": PASSWORD });
        let (status, body) = self
            .json(reqwest::Method::POST, "/api/auth/login", None, Some(body))
            .await;
        assert_eq!(status, 200, "login {username}: {body}");
        body["access_token"].as_str().expect("token").to_owned()
    }

    /// Waits until the room API shows `room` offline; panics if it stays live.
    pub async fn assert_goes_offline(&self, room: &str) {
        let mut shown = serde_json::Value::Null;
        for _ in 0..100 {
            let status;
            (status, shown) = self
                .json(
                    reqwest::Method::GET,
                    &format!("/api/rooms/{room}"),
                    None,
                    None,
                )
                .await;
            assert_eq!(
                (status, &shown["id"]),
                (200, &serde_json::json!(room)),
                "{shown}"
            );
            if shown["live"].is_null() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the room stayed live: {shown}");
    }

    /// A chat client of `room` with a tiny receive buffer that never reads (unless the test
    /// does), and the HTTP status of its upgrade.
    pub async fn stalled_chat_client(
        &self,
        room: &str,
    ) -> tokio_tungstenite::WebSocketStream<tokio::net::TcpStream> {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("small buffer");
        let addr: std::net::SocketAddr = self
            .http
            .trim_start_matches("http://")
            .parse()
            .expect("addr");
        let stream = socket.connect(addr).await.expect("connect");
        let url = format!("ws://{addr}/api/rooms/{room}/chat");
        let (client, response) = tokio_tungstenite::client_async(url, stream)
            .await
            .expect("the client joins");
        assert_eq!(response.status().as_u16(), 101);
        client
    }

    /// Logs the built-in admin in and returns a token.
    pub async fn admin_token(&self) -> String {
        let body = serde_json::json!({ "username": ADMIN.0, "password": ADMIN.1 });
        let (status, body) = self
            .json(reqwest::Method::POST, "/api/auth/login", None, Some(body))
            .await;
        assert_eq!(status, 200, "admin login: {body}");
        body["access_token"].as_str().expect("token").to_owned()
    }

    /// Creates a room as `token`; returns (room id, stream key).
    pub async fn create_room(&self, token: &str, title: &str) -> (String, String) {
        let (status, body) = self
            .json(
                reqwest::Method::POST,
                "/api/rooms",
                Some(token),
                Some(serde_json::json!({ "title": title })),
            )
            .await;
        assert_eq!(status, 201, "create room: {body}");
        (
            body["room"]["id"].as_str().expect("id").to_owned(),
            body["stream_key"].as_str().expect("key").to_owned(),
        )
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

/// How a publisher (or any child process) ended, if it did, within a time limit.
#[derive(Debug)]
pub enum Exit {
    Succeeded,
    /// Exited with a failure; what it wrote to stderr, when that was piped.
    Failed {
        stderr: String,
    },
    /// Still running at the limit, then killed: never a refusal, never a success.
    StillRunning,
}

/// Waits up to `limit` for `child` to exit (killing it at the limit) and says how it ended, with
/// what it wrote to stderr when that was piped.
pub async fn run_to_end(mut child: Child, limit: Duration) -> Exit {
    // Read stderr while waiting, so a chatty child never blocks on a full pipe.
    let stderr = child.stderr.take();
    let reader = tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        let mut text = String::new();
        if let Some(mut stderr) = stderr {
            let _ = stderr.read_to_string(&mut text).await;
        }
        text
    });
    match tokio::time::timeout(limit, child.wait()).await {
        Ok(status) => {
            let status = status.expect("wait for the child");
            if status.success() {
                return Exit::Succeeded;
            }
            let stderr = tokio::time::timeout(Duration::from_secs(5), reader)
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default();
            Exit::Failed { stderr }
        }
        Err(_) => {
            let _ = child.kill().await;
            reader.abort();
            Exit::StillRunning
        }
    }
}

/// Panics unless `child` exits successfully within `limit` (a publisher that sent everything).
pub async fn assert_published(child: Child, limit: Duration) {
    match run_to_end(child, limit).await {
        Exit::Succeeded => {}
        other => {
            panic!("the publisher should have finished successfully within {limit:?}: {other:?}")
        }
    }
}

/// Panics unless `child` exits with a failure within `limit`: the server turned it away or cut
/// it off. Returns its stderr. A publisher still running at the limit (a server that accepts and
/// hangs, or accepts and streams) fails this check.
pub async fn assert_refused(child: Child, limit: Duration) -> String {
    match run_to_end(child, limit).await {
        Exit::Failed { stderr } => stderr,
        other => panic!("the publisher should have been refused within {limit:?}: {other:?}"),
    }
}

/// Panics unless the publisher exits with a failure within `limit` after ffmpeg printed
/// `Server error: <description>`, the status text of the server's refusal.
pub async fn assert_refused_with(child: Child, limit: Duration, description: &str) {
    let stderr = assert_refused(child, limit).await;
    assert!(
        stderr.contains(&format!("Server error: {description}")),
        "the refusal says \"{description}\"; ffmpeg printed:\n{stderr}"
    );
}

/// The container duration ffprobe reads, in seconds.
pub fn ffprobe_duration(path: &Path) -> f64 {
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .expect("ffprobe is installed");
    assert!(
        out.status.success(),
        "ffprobe {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("ffprobe duration of {}: {:?}", path.display(), out))
}

/// Width and height of the first video stream, after decoding it fully (errors fail the test).
pub fn ffprobe_decode_size(path: &Path) -> (u32, u32) {
    let decode = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-xerror", "-i"])
        .arg(path)
        .args(["-f", "null", "-"])
        .output()
        .expect("ffmpeg is installed");
    assert!(
        decode.status.success(),
        "{} decodes: {}",
        path.display(),
        String::from_utf8_lossy(&decode.stderr)
    );
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .expect("ffprobe is installed");
    assert!(
        out.status.success(),
        "ffprobe {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let size: Vec<u32> = text
        .trim()
        .split(',')
        .map(|p| {
            p.parse()
                .unwrap_or_else(|_| panic!("ffprobe size of {}: {text:?}", path.display()))
        })
        .collect();
    match size[..] {
        [width, height] => (width, height),
        _ => panic!("ffprobe size of {}: {text:?}", path.display()),
    }
}

/// A media playlist's segments as (uri, duration).
pub fn segments(playlist: &str) -> Vec<(String, f32)> {
    match m3u8_rs::parse_media_playlist_res(playlist.as_bytes()) {
        Ok(p) => p
            .segments
            .into_iter()
            .map(|s| (s.uri, s.duration))
            .collect(),
        Err(e) => panic!("media playlist parses: {e:?}\n{playlist}"),
    }
}

/// Concatenates a rendition's init segment and media segments into one playable MP4.
pub fn join_rendition(dir: &Path, playlist: &str) -> PathBuf {
    let parsed =
        m3u8_rs::parse_media_playlist_res(playlist.as_bytes()).expect("media playlist parses");
    let init = parsed
        .segments
        .iter()
        .find_map(|s| s.map.as_ref().map(|m| m.uri.clone()))
        .expect("EXT-X-MAP present");
    let mut bytes = std::fs::read(dir.join(&init)).expect("init segment exists");
    for s in &parsed.segments {
        bytes.extend(std::fs::read(dir.join(&s.uri)).expect("segment exists"));
    }
    let out = dir.join("joined.mp4");
    std::fs::write(&out, bytes).expect("write joined");
    out
}

/// Runs an async test body once on SQLite and once on MariaDB.
macro_rules! on_both_databases {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$body(crate::helpers::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mariadb() {
                super::$body(crate::helpers::Backend::Mariadb).await
            }
        }
    };
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// The real `livestream` binary on loopback, configured through its environment.
pub fn server_command(data_dir: &Path, http_port: u16, rtmp_port: u16) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_livestream"));
    cmd.arg("serve")
        .env("LIVESTREAM_HTTP__HOST", "127.0.0.1")
        .env("LIVESTREAM_HTTP__PORT", http_port.to_string())
        .env("LIVESTREAM_RTMP__HOST", "127.0.0.1")
        .env("LIVESTREAM_RTMP__PORT", rtmp_port.to_string())
        .env("LIVESTREAM_STORAGE__DATA_DIR", data_dir)
        .env("LIVESTREAM_HLS__SEGMENT_SECONDS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    cmd
}

/// Sends `request`, checks its status and returns its JSON body.
pub async fn json_with_status(
    request: reqwest::RequestBuilder,
    expected: u16,
) -> serde_json::Value {
    let response = request.send().await.expect("HTTP request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    assert_eq!(status, expected, "{text}");
    serde_json::from_str(&text).expect("JSON body")
}

/// On a server at `base` (a real binary): registers streamer "olive" and creates a room titled
/// `title`; returns (room id, stream key).
pub async fn streamer_room_on(
    client: &reqwest::Client,
    base: &str,
    title: &str,
) -> (String, String) {
    let register =
        serde_json::json!({ "username": "olive", "password": PASSWORD, "role": "streamer" });
    let session = json_with_status(
        client
            .post(format!("{base}/api/auth/register"))
            .json(&register),
        201,
    )
    .await;
    let token = session["access_token"].as_str().expect("token").to_owned();
    let created = json_with_status(
        client
            .post(format!("{base}/api/rooms"))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "title": title })),
        201,
    )
    .await;
    (
        created["room"]["id"].as_str().expect("id").to_owned(),
        created["stream_key"].as_str().expect("key").to_owned(),
    )
}

/// Waits until the server at `base` answers `/health` with a success; panics after 10 s.
pub async fn wait_until_up(client: &reqwest::Client, base: &str) {
    for _ in 0..400 {
        let health = client.get(format!("{base}/health")).send().await;
        if health.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("server at {base} did not come up");
}

/// ffmpeg publishing `seconds` of 360p video (no audio) in real time to `url`.
pub fn publish_video_only(url: &str, seconds: u32) -> Child {
    Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "quiet",
            "-nostdin",
            "-re",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=640x360:rate=30",
        ])
        .args([
            "-t",
            &seconds.to_string(),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            "30",
            "-pix_fmt",
            "yuv420p",
            "-f",
            "flv",
            url,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("ffmpeg is installed")
}

/// A real WebSocket client of a room's chat.
pub struct ChatClient {
    socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl ChatClient {
    /// Connects to a room's chat and reads `hello` and `history`; returns the client and history.
    pub async fn join(app: &TestApp, room: &str) -> (Self, Vec<serde_json::Value>) {
        let url = format!(
            "{}/api/rooms/{room}/chat",
            app.http.replacen("http://", "ws://", 1)
        );
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("chat connects");
        let mut client = Self { socket };
        let hello = client.next().await;
        assert_eq!(hello["type"], "hello", "{hello}");
        assert_eq!(hello["protocol"], 1);
        let history = client.next().await;
        assert_eq!(history["type"], "history", "{history}");
        let messages = history["messages"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("history carries its messages: {history}"));
        (client, messages)
    }

    pub async fn send(&mut self, frame: serde_json::Value) {
        use futures_util::SinkExt;
        self.socket
            .send(tokio_tungstenite::tungstenite::Message::text(
                frame.to_string(),
            ))
            .await
            .expect("send frame");
    }

    /// The next JSON frame (pings are answered by the library), within 10 s.
    pub async fn next(&mut self) -> serde_json::Value {
        use futures_util::StreamExt;
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(10), self.socket.next())
                .await
                .expect("a frame within 10 s");
            match frame {
                Some(Ok(tokio_tungstenite::tungstenite::Message::Text(text))) => {
                    return serde_json::from_str(&text).expect("JSON frame")
                }
                Some(Ok(tokio_tungstenite::tungstenite::Message::Close(close))) => {
                    return serde_json::json!({ "type": "closed", "code": close.map(|c| u16::from(c.code)) })
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => {
                    return serde_json::json!({ "type": "closed", "error": e.to_string() })
                }
                None => return serde_json::json!({ "type": "closed" }),
            }
        }
    }

    /// The next frame of `kind`, skipping viewer counts, notices and others.
    pub async fn expect(&mut self, kind: &str) -> serde_json::Value {
        for _ in 0..10_000 {
            let frame = self.next().await;
            if frame["type"] == kind {
                return frame;
            }
            assert_ne!(frame["type"], "closed", "closed while waiting for {kind}");
        }
        panic!("no {kind} frame");
    }

    /// Frames of `kind` that arrive within `wait`. Panics if the connection fails or closes
    /// meanwhile: a client that stopped listening would hear nothing and prove nothing.
    pub async fn collect(&mut self, kind: &str, wait: Duration) -> Vec<serde_json::Value> {
        use futures_util::StreamExt;
        use tokio_tungstenite::tungstenite::Message;
        let mut found = Vec::new();
        let deadline = tokio::time::Instant::now() + wait;
        while let Ok(next) = tokio::time::timeout_at(deadline, self.socket.next()).await {
            match next {
                Some(Ok(Message::Text(text))) => {
                    let frame: serde_json::Value = serde_json::from_str(&text).expect("JSON frame");
                    if frame["type"] == kind {
                        found.push(frame);
                    }
                }
                Some(Ok(Message::Close(close))) => {
                    panic!("closed while collecting {kind} frames: {close:?}")
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => panic!("socket error while collecting {kind} frames: {e}"),
                None => panic!("connection ended while collecting {kind} frames"),
            }
        }
        found
    }

    /// Authenticates; returns the `authenticated` frame.
    pub async fn auth(&mut self, token: &str) -> serde_json::Value {
        self.send(serde_json::json!({ "type": "auth", "token": token }))
            .await;
        loop {
            let frame = self.next().await;
            if frame["type"] == "authenticated" || frame["type"] == "error" {
                return frame;
            }
            assert_ne!(frame["type"], "closed", "closed while authenticating");
        }
    }

    /// Sends a frame (a moderation action) and returns the server's direct answer.
    pub async fn act(&mut self, frame: serde_json::Value) -> serde_json::Value {
        self.send(frame).await;
        self.answer().await
    }

    /// Sends a message and returns the server's direct answer (`notice` "sent" or an `error`).
    pub async fn say(&mut self, text: &str) -> serde_json::Value {
        self.send(serde_json::json!({ "type": "send", "text": text }))
            .await;
        self.answer().await
    }

    /// The server's direct answer to this client's last frame: `ack` or `error`.
    pub async fn answer(&mut self) -> serde_json::Value {
        loop {
            let frame = self.next().await;
            if frame["type"] == "error" || frame["type"] == "ack" {
                return frame;
            }
            assert_ne!(
                frame["type"], "closed",
                "closed while waiting for an answer"
            );
        }
    }
}

/// Encodes `seconds` of test picture (`size` at `rate` fps, a keyframe every `rate` frames) with
/// a tone into the FLV file `path`, once, so that publishing it later costs no encoding.
pub async fn encode_clip(path: &Path, size: &str, rate: u32, seconds: u32) {
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args([
            "-f",
            "lavfi",
            "-i",
            &format!("testsrc2=size={size}:rate={rate}"),
        ])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"])
        .args([
            "-t",
            &seconds.to_string(),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
        ])
        .args([
            "-g",
            &rate.to_string(),
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-f",
            "flv",
        ])
        .arg(path)
        .status()
        .await
        .expect("ffmpeg runs");
    assert!(status.success(), "the {size} clip was encoded");
}
