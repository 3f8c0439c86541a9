//! CPU time and memory of child processes, read the way `time(1)` does.

use anyhow::Context;
use std::process::Child;
use std::time::Duration;

/// Resources a process used.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub cpu: Duration,
    pub peak_rss_kib: u64,
}

/// Waits for `child` and returns its exit success and resource usage (`wait4`).
pub fn wait_with_usage(child: Child) -> anyhow::Result<(bool, Usage)> {
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    anyhow::ensure!(
        rc == pid,
        "wait4 failed: {}",
        std::io::Error::last_os_error()
    );
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    // The Child handle must not wait again.
    std::mem::forget(child);
    Ok((
        ok,
        Usage {
            cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
            peak_rss_kib: usage.ru_maxrss as u64,
        },
    ))
}

/// CPU time a running process has used so far (user + system), from `/proc/<pid>/stat`.
pub fn cpu_so_far(pid: u32) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the name.
    let total = ticks(11) + ticks(12);
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Ok(Duration::from_nanos(total * 1_000_000_000 / hz))
}

/// Peak resident memory of a running process so far, from `/proc/<pid>/status` (VmHWM).
pub fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// The server under test: the release binary on loopback with its own data directory. A run
/// that fails part-way kills it on drop, so no server outlives the benchmark.
pub struct Server {
    child: Option<Child>,
    pub pid: u32,
    pub http_port: u16,
    pub rtmp_port: u16,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    pub data: tempfile::TempDir,
}

impl Server {
    /// Starts `binary serve` with `env` on top of the loopback settings; waits for `/health`.
    pub async fn start(binary: &std::path::Path, env: &[(&str, &str)]) -> anyhow::Result<Self> {
        let data = tempfile::tempdir()?;
        let (http_port, rtmp_port) = (testkit::free_port(), testkit::free_port());
        let log = std::fs::File::create(data.path().join("server.log"))?;
        let mut cmd = std::process::Command::new(binary);
        cmd.arg("serve")
            .env("RUST_LOG", "warn")
            .env("LIVESTREAM_HTTP__HOST", "127.0.0.1")
            .env("LIVESTREAM_HTTP__PORT", http_port.to_string())
            .env("LIVESTREAM_RTMP__HOST", "127.0.0.1")
            .env("LIVESTREAM_RTMP__PORT", rtmp_port.to_string())
            .env("LIVESTREAM_SRT__PORT", "0")
            .env("LIVESTREAM_METRICS__LISTEN", "127.0.0.1:0")
            .env("LIVESTREAM_STORAGE__DATA_DIR", data.path())
            .stdout(std::process::Stdio::null())
            .stderr(log);
        for (key, value) in env {
            cmd.env(key, value);
        }
        let child = cmd.spawn()?;
        let pid = child.id();
        let base = format!("http://127.0.0.1:{http_port}");
        let client = reqwest::Client::new();
        let started = std::time::Instant::now();
        while client.get(format!("{base}/health")).send().await.is_err() {
            anyhow::ensure!(
                started.elapsed() < Duration::from_secs(30),
                "server did not start"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(Self {
            child: Some(child),
            pid,
            http_port,
            rtmp_port,
            base,
            data,
        })
    }

    /// SIGTERM, then waits; true if it exited cleanly.
    pub fn stop(mut self) -> anyhow::Result<bool> {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.pid as libc::pid_t, libc::SIGTERM) };
        let child = self
            .child
            .take()
            .context("the server was already stopped")?;
        let (clean, _) = wait_with_usage(child)?;
        Ok(clean)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
