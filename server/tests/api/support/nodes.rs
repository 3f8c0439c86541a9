//! Several real `livestream` processes on loopback as one cluster: one fresh MariaDB database,
//! the shared Redis (127.0.0.1:6379) under a key prefix of the test's own, and a data directory
//! each that outlives a restart.
//!
//! ```ignore
//! let mut nodes = Nodes::start(2, |node| node).await;
//! nodes[0] ... nodes.kill(0).await; nodes.restart(0).await;
//! ```

use super::database::MariadbDatabase;
use super::random_key;
use super::real_server::{RealServer, RealServerBuilder};

/// The cluster's Redis.
pub const REDIS_URL: &str = "redis://127.0.0.1:6379";

/// Nodes of one cluster.
pub struct Nodes {
    /// The cluster's Redis key prefix.
    pub prefix: String,
    builders: Vec<RealServerBuilder>,
    servers: Vec<Option<RealServer>>,
    _data_dirs: Vec<tempfile::TempDir>,
    _database: MariadbDatabase,
}

impl Nodes {
    /// Starts `count` nodes (`node-0`, `node-1`, ...), each built by `configure` from the
    /// cluster's settings and generous limits for test clients on loopback.
    pub async fn start(
        count: usize,
        configure: impl Fn(RealServerBuilder) -> RealServerBuilder,
    ) -> Self {
        let database = MariadbDatabase::create();
        let prefix = format!("test-{}", random_key());
        let mut builders = Vec::new();
        let mut data_dirs = Vec::new();
        for i in 0..count {
            let dir = tempfile::tempdir().expect("temp dir");
            let builder = RealServer::builder()
                .data_dir(dir.path())
                .env("LIVESTREAM_DATABASE__URL", &database.url())
                .env("LIVESTREAM_CLUSTER__REDIS_URL", REDIS_URL)
                .env("LIVESTREAM_CLUSTER__KEY_PREFIX", &prefix)
                .env("LIVESTREAM_CLUSTER__NODE_ID", &format!("node-{i}"))
                .env(
                    "LIVESTREAM_AUTH__JWT_SECRET",
                    &format!("{prefix}-shared-token-secret-of-the-nodes"),
                )
                .env(
                    "LIVESTREAM_RESTREAM__SECRET",
                    &format!("{prefix}-shared-restream-secret-of-the-nodes"),
                )
                .env("LIVESTREAM_AUTH__REGISTRATIONS_PER_HOUR", "1000")
                .env("LIVESTREAM_AUTH__LOGIN_ATTEMPTS_PER_MINUTE", "1000")
                .env("LIVESTREAM_CHAT__MESSAGES_PER_WINDOW", "1000")
                .env("LIVESTREAM_CHAT__WINDOW_SECONDS", "1")
                .env("LIVESTREAM_RTMP__RECONNECT_GRACE_SECONDS", "0");
            builders.push(configure(builder));
            data_dirs.push(dir);
        }
        // One after the other: the first migrates the new database.
        let mut servers = Vec::new();
        for builder in &builders {
            servers.push(Some(builder.spawn().await));
        }
        Self {
            prefix,
            builders,
            servers,
            _data_dirs: data_dirs,
            _database: database,
        }
    }

    /// SIGKILLs node `i`, as a crash would.
    pub async fn kill(&mut self, i: usize) {
        if let Some(server) = self.servers[i].take() {
            server.kill().await;
        }
    }

    /// Starts node `i` again on its data directory and ports.
    pub async fn restart(&mut self, i: usize) {
        self.kill(i).await;
        self.servers[i] = Some(self.builders[i].spawn().await);
    }

    /// What Redis holds under this cluster's `name` (`redis-cli GET`), if anything.
    pub fn redis_get(&self, name: &str) -> Option<String> {
        let out = std::process::Command::new("redis-cli")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                "6379",
                "GET",
                &format!("{}:{name}", self.prefix),
            ])
            .output()
            .expect("redis-cli is installed (scripts/services.sh)");
        assert!(out.status.success(), "redis-cli GET");
        let value = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        (!value.is_empty()).then_some(value)
    }

    /// Node `i`, to stop it another way than a kill.
    pub fn take(&mut self, i: usize) -> RealServer {
        self.servers[i]
            .take()
            .unwrap_or_else(|| panic!("node {i} is not running"))
    }

    /// Node `i`'s settings (its node id included) on fresh ports: a second process that
    /// believes it is that node.
    pub fn twin(&self, i: usize) -> RealServerBuilder {
        self.builders[i].clone().on_fresh_ports()
    }

    /// The RTMP URL of node `i` for `key`, whether it runs or not.
    pub fn rtmp_url(&self, i: usize, key: &str) -> String {
        self.builders[i].rtmp_url(key)
    }
}

impl std::ops::Index<usize> for Nodes {
    type Output = RealServer;

    fn index(&self, i: usize) -> &RealServer {
        self.servers[i]
            .as_ref()
            .unwrap_or_else(|| panic!("node {i} is not running"))
    }
}

impl std::ops::IndexMut<usize> for Nodes {
    fn index_mut(&mut self, i: usize) -> &mut RealServer {
        self.servers[i]
            .as_mut()
            .unwrap_or_else(|| panic!("node {i} is not running"))
    }
}
