//! The database under a test server: SQLite in its data directory, or a fresh MariaDB database
//! on the shared server (127.0.0.1:3306, root, no password) that is dropped with the test.

use super::random_key;

/// Which database a test server uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backend {
    #[default]
    Sqlite,
    Mariadb,
}

/// A fresh MariaDB database, dropped with the value.
pub struct MariadbDatabase(pub String);

impl MariadbDatabase {
    /// Creates a database with a random name.
    pub fn create() -> Self {
        let name = format!("livestream_test_{}", random_key().to_ascii_lowercase());
        mariadb(&format!("CREATE DATABASE {name} CHARACTER SET utf8mb4"));
        Self(name)
    }

    /// What `sql` prints in this database (tab-separated, no column names).
    pub fn query(&self, sql: &str) -> String {
        mariadb_output(&["-N", "-B", "-D", &self.0], sql)
    }

    /// The URL the server is configured with.
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
    mariadb_output(&[], sql);
}

fn mariadb_output(options: &[&str], sql: &str) -> String {
    let out = std::process::Command::new("mariadb")
        .args([
            "--protocol=tcp",
            "-h",
            "127.0.0.1",
            "-P",
            "3306",
            "-u",
            "root",
        ])
        .args(options)
        .args(["-e", sql])
        .output()
        .expect("the mariadb client is installed (scripts/services.sh)");
    assert!(
        out.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs an async test body once on SQLite and once on MariaDB.
macro_rules! on_both_databases {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$body(crate::support::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mariadb() {
                super::$body(crate::support::Backend::Mariadb).await
            }
        }
    };
}
