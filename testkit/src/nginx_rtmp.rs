//! A real RTMP server to restream to: Debian's nginx with libnginx-mod-rtmp, one process on a
//! port of its own, recording every stream it receives to `<dir>/rec/<key>-<unix time>.flv`: one
//! file per publish, so that a reconnection is seen as a new recording.

use crate::free_port;
use crate::nginx::RTMP_MODULE;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

/// One nginx-rtmp process; killed when dropped.
pub struct NginxRtmp {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl NginxRtmp {
    /// Starts nginx-rtmp on a free port and waits until it accepts connections.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut nginx = Self {
            port: free_port(),
            dir,
            child: None,
        };
        nginx.restart().await;
        nginx
    }

    /// The application URL a destination names (`rtmp://127.0.0.1:PORT/live`).
    pub fn url(&self) -> String {
        format!("rtmp://127.0.0.1:{}/live", self.port)
    }

    /// The recordings of the streams published with `key`, one per publish, oldest first.
    pub fn recordings(&self, key: &str) -> Vec<PathBuf> {
        let prefix = format!("{key}-");
        let mut found: Vec<(u64, PathBuf)> = std::fs::read_dir(self.dir.path().join("rec"))
            .map(|dir| {
                dir.filter_map(Result::ok)
                    .filter_map(|entry| {
                        let name = entry.file_name().to_string_lossy().into_owned();
                        let time = name.strip_prefix(&prefix)?.strip_suffix(".flv")?;
                        Some((time.parse().ok()?, entry.path()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        found.sort();
        found.into_iter().map(|(_, path)| path).collect()
    }

    /// Where the latest stream published with `key` is recorded.
    pub fn recording(&self, key: &str) -> PathBuf {
        self.recordings(key)
            .pop()
            .unwrap_or_else(|| self.dir.path().join("rec").join("none.flv"))
    }

    /// Bytes recorded so far of the latest stream published with `key` (0 if none).
    pub fn recorded_bytes(&self, key: &str) -> u64 {
        std::fs::metadata(self.recording(key)).map_or(0, |m| m.len())
    }

    /// Kills the server with SIGKILL, as a crash or a lost network would look.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.start_kill().expect("SIGKILL nginx");
            let _ = child.wait().await;
        }
    }

    /// Freezes the server (SIGSTOP): it holds its connections but reads nothing, as a
    /// destination whose network stalls. [`NginxRtmp::resume`] lets it go on.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a paused server go on (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self
            .child
            .as_ref()
            .and_then(|c| c.id())
            .expect("nginx runs");
        let sent = std::process::Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill {signal} nginx");
    }

    /// Starts (again) on the same port, with an empty recording directory.
    pub async fn restart(&mut self) {
        self.kill().await;
        let rec = self.dir.path().join("rec");
        let _ = std::fs::remove_dir_all(&rec);
        std::fs::create_dir_all(&rec).expect("recording directory");
        let conf = self.dir.path().join("nginx.conf");
        std::fs::write(&conf, config(self.dir.path(), self.port)).expect("nginx.conf");
        // One process, in the foreground, as the test's own user: no worker switches user.
        let child = Command::new("nginx")
            .arg("-p")
            .arg(self.dir.path())
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("nginx starts (nginx-light, libnginx-mod-rtmp): {e}"));
        self.child = Some(child);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "nginx-rtmp listens on {} within 10 s",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the recording of `key` holds more than `bytes`; panics after `within`.
    pub async fn wait_recorded_beyond(&self, key: &str, bytes: u64, within: Duration) -> u64 {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let now = self.recorded_bytes(key);
            if now > bytes {
                return now;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "nginx on {} recorded {now} bytes of the stream, not more than {bytes}, within {within:?}",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn config(dir: &Path, port: u16) -> String {
    let dir = dir.display();
    format!(
        "load_module {RTMP_MODULE};
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 64; }}
rtmp {{
    server {{
        listen 127.0.0.1:{port};
        chunk_size 4096;
        application live {{
            live on;
            record all;
            record_path {dir}/rec;
            record_unique on;
        }}
    }}
}}
"
    )
}

impl NginxRtmp {
    /// The video tags of the latest recording of `key` so far: each one's timestamp (ms) and whether
    /// it is a keyframe (FLV frame type 1).
    pub fn recorded_video(&self, key: &str) -> Vec<(u32, bool)> {
        let bytes = std::fs::read(self.recording(key)).unwrap_or_default();
        let mut tags = Vec::new();
        if bytes.len() < 13 || &bytes[..3] != b"FLV" {
            return tags;
        }
        let mut at = u32::from_be_bytes([bytes[5], bytes[6], bytes[7], bytes[8]]) as usize + 4;
        while at + 11 <= bytes.len() {
            let kind = bytes[at] & 0x1f;
            let size =
                u32::from_be_bytes([0, bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize;
            let timestamp =
                u32::from_be_bytes([bytes[at + 7], bytes[at + 4], bytes[at + 5], bytes[at + 6]]);
            let body = at + 11;
            if body + size > bytes.len() {
                break;
            }
            // Frames only (AVC packet type 1), not the sequence header.
            if kind == 9 && size > 2 && bytes[body + 1] == 1 {
                tags.push((timestamp, bytes[body] >> 4 == 1));
            }
            at = body + size + 4;
        }
        tags
    }
}
