//! The real `livestream` binary on loopback, configured through its environment, with its log
//! (stdout and stderr) collected: for what only a process shows (signals, crashes, restarts on
//! the same data, what reaches the log). Started through a builder like `TestApp`:
//!
//! ```ignore
//! let server = RealServer::builder().stream_key(KEY).env("LIVESTREAM_HLS__WINDOW_SEGMENTS", "60")
//!     .spawn().await;
//! ```

use super::app::wait_until_healthy;
use super::client::HttpServer;
use super::{free_port, DataDir};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// How to start the binary. Its ports are chosen when the builder is made, so spawning the same
/// builder again restarts the server where clients already point.
#[derive(Clone)]
#[must_use = "a builder does nothing until `spawn`"]
pub struct RealServerBuilder {
    http_port: u16,
    rtmp_port: u16,
    metrics_port: u16,
    data_dir: Option<PathBuf>,
    current_dir: Option<PathBuf>,
    env: Vec<(String, String)>,
    /// The only DNS server the process asks, when set.
    nameserver: Option<std::net::IpAddr>,
}

/// A running `livestream` binary.
pub struct RealServer {
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub http: String,
    pub rtmp: SocketAddr,
    /// `http://127.0.0.1:PORT` of the metrics listener (`metrics.listen`).
    pub metrics: String,
    pub client: reqwest::Client,
    log: Arc<Mutex<String>>,
    data_dir: PathBuf,
    _owned_dir: DataDir,
}

impl RealServerBuilder {
    /// A development stream key (`ingest.stream_keys`), which publishes without a room.
    pub fn stream_key(self, key: &str) -> Self {
        self.env("LIVESTREAM_INGEST__STREAM_KEYS", key)
    }

    /// A `LIVESTREAM_*` setting (or any variable) of the process.
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Serve from this data directory (the test owns it; it may be relative to `current_dir`)
    /// instead of a fresh temporary one.
    pub fn data_dir(mut self, dir: &Path) -> Self {
        self.data_dir = Some(dir.to_path_buf());
        self
    }

    /// The working directory the binary is started from.
    pub fn current_dir(mut self, dir: &Path) -> Self {
        self.current_dir = Some(dir.to_path_buf());
        self
    }

    /// Runs the process in a mount namespace of its own whose `/etc/resolv.conf` names
    /// `nameserver` alone (root, `unshare`): its name lookups go to the test's DNS server.
    pub fn resolving_with(mut self, nameserver: std::net::IpAddr) -> Self {
        self.nameserver = Some(nameserver);
        self
    }

    /// The same settings on other free ports.
    pub fn on_fresh_ports(mut self) -> Self {
        self.http_port = free_port();
        self.rtmp_port = free_port();
        self.metrics_port = free_port();
        self
    }

    /// `http://127.0.0.1:PORT`, known before the server runs.
    pub fn http(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    /// The RTMP URL publishing `key`, known before the server runs.
    pub fn rtmp_url(&self, key: &str) -> String {
        format!("rtmp://127.0.0.1:{}/live/{key}", self.rtmp_port)
    }

    /// The process on `data_dir`, not started, its output discarded: for a test that runs it
    /// its own way (and reads its output itself).
    pub fn command(&self, data_dir: &Path) -> Command {
        let binary = env!("CARGO_BIN_EXE_livestream");
        let mut cmd = match self.nameserver {
            None => Command::new(binary),
            Some(nameserver) => {
                let resolv = std::env::temp_dir().join(format!("resolv-{}.conf", self.http_port));
                std::fs::write(&resolv, format!("nameserver {nameserver}\n"))
                    .expect("write the resolver configuration");
                let mut cmd = Command::new("unshare");
                cmd.args(["--mount", "--propagation", "private", "sh", "-c"])
                    .arg("mount --bind \"$0\" /etc/resolv.conf && exec \"$@\"")
                    .arg(resolv)
                    .arg(binary);
                cmd
            }
        };
        cmd.arg("serve")
            .env("LIVESTREAM_HTTP__HOST", "127.0.0.1")
            .env("LIVESTREAM_HTTP__PORT", self.http_port.to_string())
            .env("LIVESTREAM_RTMP__HOST", "127.0.0.1")
            .env("LIVESTREAM_RTMP__PORT", self.rtmp_port.to_string())
            .env("LIVESTREAM_SRT__PORT", "0")
            .env(
                "LIVESTREAM_METRICS__LISTEN",
                format!("127.0.0.1:{}", self.metrics_port),
            )
            .env("LIVESTREAM_STORAGE__DATA_DIR", data_dir)
            .env("LIVESTREAM_HLS__SEGMENT_SECONDS", "1")
            // Stops at once unless a test of draining says otherwise.
            .env("LIVESTREAM_CLUSTER__DRAIN_SECONDS", "0")
            .env("RUST_LOG", "info")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        if let Some(dir) = &self.current_dir {
            cmd.current_dir(dir);
        }
        cmd
    }

    /// Runs the binary on `data_dir` expecting it to refuse to start: waits (at most 30 s) for
    /// it to exit, asserts that it failed, and returns everything it printed.
    pub async fn refused_start(&self, data_dir: &Path) -> String {
        let child = self
            .command(data_dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
            .await
            .expect("the process exits by itself")
            .expect("its output");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.status.success(), "the process must not run:\n{said}");
        said
    }

    /// Starts the binary and waits until it answers `/health` (panics with its log if never).
    pub async fn spawn(&self) -> RealServer {
        let owned_dir = DataDir::given_or_temporary(self.data_dir.as_deref());
        let mut cmd = self.command(owned_dir.path());
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("the livestream binary starts");
        let log = Arc::new(Mutex::new(String::new()));
        let stdout = child.stdout.take().expect("stdout piped");
        let stderr = child.stderr.take().expect("stderr piped");
        collect_lines(stdout, log.clone());
        collect_lines(stderr, log.clone());
        let server = RealServer {
            child,
            http: self.http(),
            rtmp: SocketAddr::from(([127, 0, 0, 1], self.rtmp_port)),
            metrics: format!("http://127.0.0.1:{}", self.metrics_port),
            client: reqwest::Client::new(),
            log,
            data_dir: match &self.current_dir {
                Some(cwd) => cwd.join(owned_dir.path()),
                None => owned_dir.path().to_path_buf(),
            },
            _owned_dir: owned_dir,
        };
        assert!(
            wait_until_healthy(&server.client, &server.http).await,
            "the server never answered /health\n{}",
            server.log()
        );
        server
    }
}

impl HttpServer for RealServer {
    fn base_url(&self) -> &str {
        &self.http
    }

    fn http_client(&self) -> &reqwest::Client {
        &self.client
    }
}

impl RealServer {
    /// How to start one: free ports, a fresh data directory, 1 s segments, `info` logs.
    pub fn builder() -> RealServerBuilder {
        RealServerBuilder {
            http_port: free_port(),
            rtmp_port: free_port(),
            metrics_port: free_port(),
            data_dir: None,
            current_dir: None,
            env: Vec::new(),
            nameserver: None,
        }
    }

    /// Kills the process with SIGKILL, as a crash would, and waits for it to be gone.
    pub async fn kill(mut self) {
        self.child
            .start_kill()
            .unwrap_or_else(|e| panic!("SIGKILL the server: {e}\n{}", self.log()));
        let _ = self.child.wait().await;
    }

    /// Sends SIGTERM, as an operator stopping it would (or Kubernetes).
    pub fn terminate(&self) {
        let pid = self.child.id().expect("the server runs");
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM sent");
    }

    /// The server's data directory (HLS output, recordings, database).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Everything the server has logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Waits until the log contains `needle`; panics with the log if it has not within `within`.
    pub async fn wait_log(&self, needle: &str, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        while tokio::time::Instant::now() < deadline {
            if self.log().contains(needle) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "no {needle:?} in the log within {within:?}:\n{}",
            self.log()
        );
    }

    /// The RTMP URL publishing `key`.
    pub fn rtmp_url(&self, key: &str) -> String {
        format!("rtmp://{}/live/{key}", self.rtmp)
    }

    /// Public ids of the live streams (`GET /api/streams`, status checked).
    pub async fn live_streams(&self) -> Vec<String> {
        let body = self.anonymous().streams().await.assert_status(200);
        body["streams"]
            .as_array()
            .expect("streams array")
            .iter()
            .map(|s| s["id"].as_str().expect("stream id").to_owned())
            .collect()
    }

    /// Waits until `count` streams are live; panics with the log otherwise.
    pub async fn wait_live(&self, count: usize, within: Duration) -> Vec<String> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let live = self.live_streams().await;
            if live.len() == count {
                return live;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!("{} live streams, not {count}\n{}", live.len(), self.log());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Asserts the process is still running and never panicked or overflowed its stack.
    pub fn assert_never_crashed(&mut self) {
        assert!(
            matches!(self.child.try_wait(), Ok(None)),
            "the server exited\n{}",
            self.log()
        );
        let log = self.log();
        assert!(
            !log.contains("panicked") && !log.contains("overflowed its stack"),
            "the server panicked:\n{log}"
        );
    }
}

fn collect_lines(
    stream: impl tokio::io::AsyncRead + Unpin + Send + 'static,
    log: Arc<Mutex<String>>,
) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
            log.push_str(&line);
            log.push('\n');
        }
    });
}
