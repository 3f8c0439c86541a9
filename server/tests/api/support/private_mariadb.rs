//! `PrivateMariadb`: a MariaDB server of the test's own (a temporary data directory, a free port
//! on loopback), which the test may stop and start again, as an operator restarting the
//! database would. The shared server on 3306 is never touched.

use super::free_port;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

/// A private `mariadbd` with a `livestream` database; killed with the value.
pub struct PrivateMariadb {
    /// Declared first: dropped (killed) before its data directory is removed.
    server: Option<Child>,
    dir: tempfile::TempDir,
    port: u16,
}

/// `/usr/sbin` is not on every user's PATH.
fn program(name: &str) -> PathBuf {
    let sbin = Path::new("/usr/sbin").join(name);
    if sbin.exists() {
        sbin
    } else {
        PathBuf::from(name)
    }
}

fn running_as_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// Small InnoDB files and memory: a test database holds a few rows.
const SMALL: [&str; 3] = [
    "--innodb-log-file-size=4M",
    "--innodb-buffer-pool-size=16M",
    "--skip-log-bin",
];

impl PrivateMariadb {
    /// Creates the data directory, starts the server and creates the database.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut install = Command::new(program("mariadb-install-db"));
        install
            .arg("--no-defaults")
            .arg(format!("--datadir={}", dir.path().join("data").display()))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
            .args(SMALL);
        if running_as_root() {
            install.arg("--user=root");
        }
        let out = install
            .output()
            .await
            .expect("mariadb-install-db is installed (scripts/services.sh)");
        assert!(
            out.status.success(),
            "mariadb-install-db: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let mut db = Self {
            server: None,
            dir,
            port: free_port(),
        };
        db.resume().await;
        db.sql("CREATE DATABASE livestream CHARACTER SET utf8mb4")
            .await;
        db
    }

    /// The server's URL for `database.url` (root has no password on loopback).
    pub fn url(&self) -> String {
        format!("mysql://root@127.0.0.1:{}/livestream", self.port)
    }

    /// Starts the server again on the same port and data, and waits until it answers.
    pub async fn resume(&mut self) {
        assert!(
            self.server.is_none(),
            "the private MariaDB is already running"
        );
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("MariaDB log file");
        let mut cmd = Command::new(program("mariadbd"));
        cmd.arg("--no-defaults")
            .arg(format!(
                "--datadir={}",
                self.dir.path().join("data").display()
            ))
            .arg(format!("--port={}", self.port))
            .arg("--bind-address=127.0.0.1")
            .arg(format!(
                "--socket={}",
                self.dir.path().join("sock").display()
            ))
            .arg(format!(
                "--pid-file={}",
                self.dir.path().join("pid").display()
            ))
            .args(SMALL);
        if running_as_root() {
            cmd.arg("--user=root");
        }
        let server = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("mariadbd is installed (scripts/services.sh)");
        self.server = Some(server);
        for _ in 0..600 {
            if let Some(status) = self
                .server
                .as_mut()
                .and_then(|s| s.try_wait().expect("mariadbd status"))
            {
                panic!("mariadbd exited with {status}:\n{}", self.log());
            }
            if self.ping().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("mariadbd did not answer within 60 s:\n{}", self.log());
    }

    /// Stops the server with SIGTERM, as an operator restarting it would, and waits until it
    /// has exited.
    pub async fn stop(&mut self) {
        let mut server = self.server.take().expect("the private MariaDB is running");
        let pid = server.id().expect("mariadbd pid").to_string();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -TERM mariadbd");
        let exit = tokio::time::timeout(Duration::from_secs(60), server.wait())
            .await
            .unwrap_or_else(|_| panic!("mariadbd did not stop within 60 s:\n{}", self.log()))
            .expect("wait for mariadbd");
        assert!(
            exit.success(),
            "mariadbd stopped cleanly: {exit}\n{}",
            self.log()
        );
        assert!(!self.ping().await, "nothing answers on the port any more");
    }

    async fn ping(&self) -> bool {
        Command::new("mariadb-admin")
            .args(["--no-defaults", "--protocol=tcp", "-h", "127.0.0.1"])
            .args(["-P", &self.port.to_string(), "-u", "root", "ping"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await
            .expect("mariadb-admin is installed (scripts/services.sh)")
            .success()
    }

    async fn sql(&self, sql: &str) {
        let out = Command::new("mariadb")
            .args(["--no-defaults", "--protocol=tcp", "-h", "127.0.0.1"])
            .args(["-P", &self.port.to_string(), "-u", "root", "-e", sql])
            .output()
            .await
            .expect("the mariadb client is installed (scripts/services.sh)");
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("mariadbd.log")
    }

    /// The server's log, for failure messages.
    fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }
}
