//! The database: one code path for SQLite (embedded default) and MySQL/MariaDB, a connection
//! pool, and migrations embedded in the binary and applied at start.
//!
//! Database calls are blocking; [`Db::run`] moves them off the async runtime.

pub mod schema;

use diesel::connection::SimpleConnection;
use diesel::mysql::MysqlConnection;
use diesel::r2d2::{CustomizeConnection, Pool};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::time::Duration;
use thiserror::Error;

/// One connection type over both backends.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Mysql(MysqlConnection),
}

/// Which backend a URL selects: `mysql://...` is MySQL/MariaDB, anything else a SQLite file
/// (`sqlite://PATH` or a plain path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Mysql,
}

impl Backend {
    /// The backend of `url` and the string its driver expects.
    pub fn of(url: &str) -> (Self, &str) {
        if url.starts_with("mysql://") {
            (Self::Mysql, url)
        } else {
            (Self::Sqlite, url.strip_prefix("sqlite://").unwrap_or(url))
        }
    }
}

/// Opens connections of the backend the URL names, never guessing by trial.
#[derive(Debug)]
struct Manager {
    backend: Backend,
    target: String,
}

impl diesel::r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        use diesel::Connection;
        let conn = match self.backend {
            Backend::Sqlite => SqliteConnection::establish(&self.target).map(DbConnection::Sqlite),
            Backend::Mysql => MysqlConnection::establish(&self.target).map(DbConnection::Mysql),
        };
        conn.map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        use diesel::r2d2::R2D2Connection;
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        use diesel::r2d2::R2D2Connection;
        conn.is_broken()
    }
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const MYSQL_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/mysql");

/// Errors of the data layer.
#[derive(Debug, Error)]
pub enum DbError {
    #[error("database pool: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("database: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migrations: {0}")]
    Migration(String),
    #[error("the database task failed")]
    Task,
}

/// Per-connection settings applied when the pool opens a connection.
#[derive(Debug)]
struct Setup;

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for Setup {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        if let DbConnection::Sqlite(c) = conn {
            // WAL lets readers proceed during writes; busy_timeout waits instead of failing.
            c.batch_execute("PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
                .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// A pool of connections, cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    backend: Backend,
}

impl Db {
    /// Connects to `url` (`sqlite://PATH`, a plain path, or `mysql://...`) and applies migrations.
    pub fn connect(url: &str, max_connections: u32) -> Result<Self, DbError> {
        let (backend, target) = Backend::of(url);
        if backend == Backend::Sqlite {
            if let Some(parent) = std::path::Path::new(target)
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
            {
                std::fs::create_dir_all(parent)
                    .map_err(|e| DbError::Migration(format!("{}: {e}", parent.display())))?;
            }
        }
        if backend == Backend::Sqlite {
            // WAL (readers never wait for the writer) is a property of the file; switching needs
            // exclusive access, so it is done once here before the pool opens its connections.
            use diesel::Connection;
            let mut conn = SqliteConnection::establish(target)
                .map_err(|e| DbError::Migration(format!("could not open {target}: {e}")))?;
            conn.batch_execute("PRAGMA journal_mode = WAL;")?;
        }
        let manager = Manager {
            backend,
            target: target.to_owned(),
        };
        let pool = Pool::builder()
            .max_size(max_connections.max(1))
            .connection_timeout(Duration::from_secs(10))
            .connection_customizer(Box::new(Setup))
            .build(manager)
            .map_err(|e| DbError::Migration(format!("could not open {}: {e}", redact(url))))?;
        let db = Self { pool, backend };
        let mut conn = db.pool.get()?;
        let migrations = match &*conn {
            DbConnection::Sqlite(_) => SQLITE_MIGRATIONS,
            DbConnection::Mysql(_) => MYSQL_MIGRATIONS,
        };
        conn.run_pending_migrations(migrations)
            .map_err(|e| DbError::Migration(e.to_string()))?;
        Ok(db)
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs blocking database work on the blocking thread pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|_| DbError::Task)?
    }
}

/// Hides the password of a database URL for logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***{}", &url[..scheme], &url[at..])
        }
        _ => url.to_owned(),
    }
}
