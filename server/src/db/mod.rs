//! The database: one code path for SQLite (embedded default) and MySQL/MariaDB, a connection
//! pool, and migrations embedded in the binary and applied at start.
//!
//! Database calls are blocking; [`Db::run`] moves them off the async runtime.
//!
//! The database may go away and come back (a MariaDB restart): calls then fail fast with an
//! error for which [`DbError::is_unavailable`] holds, and the pool reconnects by itself once the
//! server is back. [`retry`] keeps writes that must not be lost until then.

pub mod retry;

pub mod schema;

use diesel::connection::SimpleConnection;
use diesel::mysql::MysqlConnection;
use diesel::r2d2::{CustomizeConnection, HandleError, HandleEvent, Pool};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use thiserror::Error;

/// The MySQL/MariaDB named lock held while migrations run, and how long a node waits for it.
const MIGRATION_LOCK: &str = "livestream_migrations";
const MIGRATION_LOCK_WAIT_SECONDS: i32 = 120;

fn migrate<C>(conn: &mut C, migrations: EmbeddedMigrations) -> Result<(), DbError>
where
    C: MigrationHarness<C::Backend> + diesel::Connection,
{
    conn.run_pending_migrations(migrations)
        .map(|_| ())
        .map_err(|e| DbError::Migration(e.to_string()))
}

#[derive(diesel::QueryableByName)]
struct LockResult {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    locked: Option<i32>,
}

/// Takes [`MIGRATION_LOCK`] on this connection (released when the connection closes, if not
/// before), waiting for another node that holds it.
fn lock_migrations(conn: &mut MysqlConnection) -> Result<(), DbError> {
    use diesel::RunQueryDsl;
    let result: LockResult = diesel::sql_query("SELECT GET_LOCK(?, ?) AS locked")
        .bind::<diesel::sql_types::Text, _>(MIGRATION_LOCK)
        .bind::<diesel::sql_types::Integer, _>(MIGRATION_LOCK_WAIT_SECONDS)
        .get_result(conn)
        .map_err(|e| DbError::Migration(format!("taking the migration lock: {e}")))?;
    match result.locked {
        Some(1) => Ok(()),
        _ => Err(DbError::Migration(format!(
            "another node held the migration lock for {MIGRATION_LOCK_WAIT_SECONDS} s"
        ))),
    }
}

/// Releases [`MIGRATION_LOCK`]; a failure only delays the other nodes until this connection
/// closes, so it is logged, not returned.
fn unlock_migrations(conn: &mut MysqlConnection) {
    use diesel::RunQueryDsl;
    let released = diesel::sql_query("SELECT RELEASE_LOCK(?) AS locked")
        .bind::<diesel::sql_types::Text, _>(MIGRATION_LOCK)
        .execute(conn);
    if let Err(e) = released {
        tracing::warn!(error = %e, "could not release the migration lock");
    }
}

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
    /// No connection within the connect timeout: the database is unreachable (or every
    /// connection stayed busy that long).
    #[error("database pool: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("database: {0}")]
    Query(#[from] diesel::result::Error),
    /// A call failed and its connection no longer answers: the database went away meanwhile.
    #[error("database connection lost: {0}")]
    Lost(diesel::result::Error),
    #[error("migrations: {0}")]
    Migration(String),
    #[error("the database task failed")]
    Task,
}

impl DbError {
    /// Whether the database is unreachable rather than the call wrong: worth retrying later, and
    /// a 503 at the API, never a 500.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Pool(_) | Self::Lost(_) => true,
            Self::Query(e) => is_connection_error(e),
            Self::Migration(_) | Self::Task => false,
        }
    }
}

/// Whether a query error says the connection or the server failed, not the query: a closed
/// connection, a server that went away or is shutting down (MySQL/MariaDB client and server
/// messages), a SQLite file busy past its timeout. Constraint violations, missing rows and
/// malformed SQL are not.
pub fn is_connection_error(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        ) => true,
        Error::DatabaseError(_, info) => {
            let message = info.message().to_ascii_lowercase();
            [
                "gone away",                  // CR_SERVER_GONE_ERROR (2006)
                "lost connection",            // CR_SERVER_LOST (2013, 2055)
                "can't connect",              // CR_CONNECTION_ERROR, CR_CONN_HOST_ERROR
                "shutdown in progress",       // ER_SERVER_SHUTDOWN (1053)
                "connection was killed",      // ER_CONNECTION_KILLED (1927)
                "too many connections",       // ER_CON_COUNT_ERROR (1040)
                "disconnected by the server", // ER_CLIENT_INTERACTION_TIMEOUT (4031)
                "database is locked",         // SQLITE_BUSY past busy_timeout
            ]
            .iter()
            .any(|needle| message.contains(needle))
        }
        _ => false,
    }
}

/// Errors after which the connection is worth a ping: not the ones a healthy connection gives
/// (no row, a constraint, a value that does not fit).
fn may_have_lost_connection(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    !matches!(
        e,
        Error::NotFound
            | Error::DeserializationError(_)
            | Error::SerializationError(_)
            | Error::QueryBuilderError(_)
            | Error::InvalidCString(_)
            | Error::DatabaseError(
                DatabaseErrorKind::UniqueViolation
                    | DatabaseErrorKind::ForeignKeyViolation
                    | DatabaseErrorKind::NotNullViolation
                    | DatabaseErrorKind::CheckViolation
                    | DatabaseErrorKind::RestrictViolation
                    | DatabaseErrorKind::ExclusionViolation,
                _,
            )
    )
}

/// The pool's failed connection attempts, logged without flooding: the first of an outage at
/// warn, then one line a minute while it lasts, and one line when a connection succeeds again.
/// (r2d2's own handler logs every attempt, several a second per missing connection.)
#[derive(Debug, Clone, Default)]
struct OutageLog(Arc<Mutex<Outage>>);

#[derive(Debug, Default)]
struct Outage {
    since: Option<Instant>,
    failures: u64,
    reported: Option<Instant>,
}

const OUTAGE_REPORT_EVERY: Duration = Duration::from_secs(60);

impl HandleError<diesel::r2d2::Error> for OutageLog {
    fn handle_error(&self, error: diesel::r2d2::Error) {
        let mut outage = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let since = *outage.since.get_or_insert(now);
        outage.failures += 1;
        if outage
            .reported
            .is_none_or(|at| now.duration_since(at) >= OUTAGE_REPORT_EVERY)
        {
            outage.reported = Some(now);
            tracing::warn!(
                %error,
                failures = outage.failures,
                down_for = ?now.duration_since(since),
                "cannot connect to the database; retrying (meanwhile the API answers 503)"
            );
        }
    }
}

impl HandleEvent for OutageLog {
    fn handle_acquire(&self, _event: diesel::r2d2::event::AcquireEvent) {
        let mut outage = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(since) = outage.since.take() {
            tracing::info!(
                failures = outage.failures,
                down_for = ?since.elapsed(),
                "connected to the database again"
            );
            *outage = Outage::default();
        }
    }
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
    /// A call that cannot get a connection within `connect_timeout` fails with
    /// [`DbError::Pool`]; at start the database is given at least 10 s to answer.
    pub fn connect(
        url: &str,
        max_connections: u32,
        connect_timeout: Duration,
    ) -> Result<Self, DbError> {
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
            // A server that just stopped may still be finishing a write: wait for it as the pool
            // does, rather than fail at start.
            conn.batch_execute("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL;")?;
        }
        let manager = Manager {
            backend,
            target: target.to_owned(),
        };
        let log = OutageLog::default();
        // Not `build`, which would wait only `connect_timeout` for the database at start.
        let pool = Pool::builder()
            .max_size(max_connections.max(1))
            .connection_timeout(connect_timeout)
            .connection_customizer(Box::new(Setup))
            .error_handler(Box::new(log.clone()))
            .event_handler(Box::new(log))
            .build_unchecked(manager);
        let db = Self { pool, backend };
        let mut conn = db
            .pool
            .get_timeout(connect_timeout.max(Duration::from_secs(10)))
            .map_err(|e| DbError::Migration(format!("could not open {}: {e}", redact(url))))?;
        match &mut *conn {
            // SQLite: one node per file, and migrations run in one transaction.
            DbConnection::Sqlite(c) => migrate(c, SQLITE_MIGRATIONS)?,
            // Several nodes may start together on one new database: a named lock makes one of
            // them migrate while the others wait, then find nothing left to do.
            DbConnection::Mysql(c) => {
                lock_migrations(c)?;
                let migrated = migrate(c, MYSQL_MIGRATIONS);
                unlock_migrations(c);
                migrated?;
            }
        }
        Ok(db)
    }

    /// Connections the pool holds open, and how many of them are idle.
    pub fn pool_use(&self) -> (u32, u32) {
        let state = self.pool.state();
        (state.connections, state.idle_connections)
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
            f(&mut conn).map_err(|e| match e {
                DbError::Query(q) if may_have_lost_connection(&q) => {
                    use diesel::r2d2::R2D2Connection;
                    if conn.ping().is_err() {
                        DbError::Lost(q)
                    } else {
                        DbError::Query(q)
                    }
                }
                other => other,
            })
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
