//! Building and running the whole server: database, HTTP, RTMP ingest and the event loop
//! between them.

use crate::auth::{hash_password, token_secret, PasswordWork, RateLimiter, TokenKeys};
use crate::chat::hub::LocalHub;
use crate::chat::ChatService;
use crate::client_address::TrustedProxies;
use crate::configuration::Settings;
use crate::db::retry::{OrderedWrites, RetryPolicy};
use crate::db::Db;
use crate::ingest_auth::{RoomKeys, StreamRooms};
use crate::live_streams::LiveStreams;
use crate::models::preset::Preset;
use crate::models::recording::Recording;
use crate::models::user::{Role, User};
use crate::models::{new_id, now_ms};
use crate::state::AppState;
use crate::stream_events::Reactor;
use crate::{recovery, routes};
use actix_web::{web, HttpServer};
use anyhow::Context;
use pipelines::{RtmpServer, StreamEvent};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// A built server, listening but not yet serving.
pub struct Application {
    http: actix_web::dev::Server,
    http_port: u16,
    rtmp: RtmpServer,
    rtmp_port: u16,
    shutdown: CancellationToken,
    events: mpsc::Receiver<StreamEvent>,
    reactor: Reactor,
    /// Recordings the last run never finished, repaired once the server is serving.
    unfinished: Vec<Recording>,
    /// Held while the server runs: one instance per data directory.
    _data_dir_lock: std::fs::File,
}

/// Opens the database (migrations applied), seeds the default preset and the configured admin.
pub async fn open_database(settings: &Settings) -> anyhow::Result<Db> {
    let url = settings.database_url();
    let max = settings.database.max_connections;
    let timeout = Duration::from_secs(settings.database.connect_timeout_seconds);
    let db = tokio::task::spawn_blocking(move || Db::connect(&url, max, timeout)).await??;
    db.run(|conn| Ok(Preset::seed_default(conn)?)).await?;
    if !settings.auth.admin_username.is_empty() {
        ensure_admin(
            &db,
            &settings.auth.admin_username,
            &settings.auth.admin_password,
            false,
        )
        .await?;
    }
    Ok(db)
}

/// Creates an admin account, or (with `promote`) makes an existing account an admin.
pub async fn ensure_admin(
    db: &Db,
    username: &str,
    password: &str,
    fail_if_exists: bool,
) -> anyhow::Result<()> {
    if let Some(problem) = crate::auth::check_strength(password, username) {
        anyhow::bail!("the admin password {problem}");
    }
    let name = username.to_owned();
    let existing = db
        .run(move |conn| Ok(User::find_by_username(conn, &name)?))
        .await?;
    match existing {
        Some(_) if fail_if_exists => anyhow::bail!("user {username} already exists"),
        Some(user) if user.role() == Role::Admin => Ok(()),
        Some(user) => {
            db.run(move |conn| {
                Ok(User::update_access(
                    conn,
                    &user.id,
                    Some(Role::Admin),
                    None,
                )?)
            })
            .await?
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            info!(%username, "promoted to admin");
            Ok(())
        }
        None => {
            let hash = hash_password(password).map_err(|e| anyhow::anyhow!("{e}"))?;
            let user = User {
                id: new_id(),
                username: username.to_owned(),
                password_hash: hash,
                role: Role::Admin.as_str().to_owned(),
                disabled: false,
                token_version: 0,
                created_at: now_ms(),
            };
            db.run(move |conn| Ok(User::insert(conn, &user)?)).await?;
            info!(%username, "admin account created");
            Ok(())
        }
    }
}

/// Lets the kernel drop an HTTP connection whose client has taken none of our data for `timeout`
/// (TCP_USER_TIMEOUT also covers a receive window held at zero): a client that stops reading a
/// response or a WebSocket cannot keep its connection, and what is queued for it, forever.
fn drop_when_stalled(connection: &dyn std::any::Any, timeout: Duration) {
    if let Some(stream) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
        if let Err(e) = socket2::SockRef::from(stream).set_tcp_user_timeout(Some(timeout)) {
            tracing::debug!(error = %e, "could not set TCP_USER_TIMEOUT");
        }
    }
}

/// The lock file in `data_dir` that only one running instance may hold.
const LOCK_FILE: &str = "livestream.lock";

/// Takes the data directory for this instance: a second instance on the same directory would
/// delete the first one's live HLS output and remux archives it is still writing. The lock is an
/// OS file lock, released whenever the process ends, however it ends.
fn lock_data_dir(data_dir: &Path) -> anyhow::Result<std::fs::File> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let path = data_dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another livestream instance is running on the data directory {} (it holds {}); \
             stop it first, or give this one its own storage.data_dir",
            data_dir.display(),
            path.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", path.display()))
        }
    }
}

impl Application {
    /// Prepares storage and the database (crash recovery included), binds both listeners (port 0
    /// picks a free one).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let data_dir_lock = lock_data_dir(&settings.storage.data_dir)?;
        let ingest = settings.rtmp.ingest_config(&settings.storage.data_dir);
        let layout = ingest.layout();
        let (hls_root, recordings_dir) = (layout.hls_root(), layout.recordings_dir());
        // HLS output of streams from a previous run is stale: nobody can still be watching it.
        if hls_root.exists() {
            tokio::fs::remove_dir_all(&hls_root)
                .await
                .with_context(|| format!("clearing {}", hls_root.display()))?;
        }
        for dir in [&hls_root, &recordings_dir] {
            tokio::fs::create_dir_all(dir)
                .await
                .with_context(|| format!("creating {}", dir.display()))?;
        }
        let db = open_database(&settings).await?;
        let unfinished = recovery::unfinished(&db).await?;
        if !settings.ingest.stream_keys.is_empty() {
            warn!(
                keys = settings.ingest.stream_keys.len(),
                "development stream keys from ingest.stream_keys are accepted"
            );
        }
        if !settings.http.web_root.join("index.html").is_file() {
            warn!(
                web_root = %settings.http.web_root.display(),
                "the web app is not built (npm --prefix web run build); only the API is served"
            );
        }
        let rooms = StreamRooms::default();
        let authorizer = Arc::new(RoomKeys::new(
            db.clone(),
            rooms.clone(),
            settings.ingest.stream_keys.clone(),
            settings.hls_output(),
        ));
        let (events_tx, events) = mpsc::channel(256);
        let rtmp_addr = SocketAddr::new(settings.rtmp.host, settings.rtmp.port);
        let rtmp = RtmpServer::bind(rtmp_addr, ingest, authorizer, events_tx).await?;
        let rtmp_port = rtmp.local_addr()?.port();

        let listener = TcpListener::bind(SocketAddr::new(settings.http.host, settings.http.port))
            .with_context(|| {
            format!(
                "binding HTTP on {}:{}",
                settings.http.host, settings.http.port
            )
        })?;
        let http_port = listener.local_addr()?.port();
        let live = LiveStreams::default();
        let dummy_hash =
            hash_password("dummy password for timing").map_err(|e| anyhow::anyhow!("{e}"))?;
        let state = web::Data::new(AppState {
            db: db.clone(),
            tokens: TokenKeys::new(
                &token_secret(&settings.auth.jwt_secret, &settings.storage.data_dir)?,
                Duration::from_secs(settings.auth.token_ttl_seconds),
            ),
            login_limiter: RateLimiter::new(
                settings.auth.login_attempts_per_minute,
                Duration::from_secs(60),
            ),
            registration_limiter: RateLimiter::new(
                settings.auth.registrations_per_hour,
                Duration::from_secs(3600),
            ),
            password_work: PasswordWork::new(
                settings.auth.max_concurrent_password_hashes,
                Duration::from_secs(10),
            ),
            proxies: TrustedProxies::parse(&settings.http.trusted_proxies)
                .map_err(|e| anyhow::anyhow!("http.trusted_proxies: {e}"))?,
            dummy_hash,
            live: live.clone(),
            layout: layout.clone(),
            web_root: settings.http.web_root.clone(),
            rtmp_port,
            rtmp_app: settings.rtmp.app.clone(),
            ingest: rtmp.handle(),
            rooms: rooms.clone(),
            chat: Arc::new(
                ChatService::new(
                    LocalHub::start(Duration::from_secs(1)),
                    settings.chat.messages_per_window,
                    Duration::from_secs(settings.chat.window_seconds),
                )
                .with_idle_timeout(Duration::from_secs(settings.chat.idle_timeout_seconds))
                .with_connection_limits(
                    settings.chat.max_connections,
                    settings.chat.max_connections_per_address,
                ),
            ),
        });
        let write_timeout = Duration::from_secs(settings.http.write_timeout_seconds);
        let http = HttpServer::new(move || routes::app(state.clone()))
            .on_connect(move |connection, _| drop_when_stalled(connection, write_timeout))
            .listen(listener)?
            .workers(2)
            .disable_signals()
            .shutdown_timeout(5)
            .run();
        let (broadcast, _) = broadcast::channel(1024);
        let reactor = Reactor {
            writes: OrderedWrites::new(
                db.clone(),
                RetryPolicy::for_minutes(settings.database.write_retry_minutes),
            ),
            db,
            rooms,
            ingest: rtmp.handle(),
            live,
            broadcast,
            layout,
            retain_ended: Duration::from_secs(settings.hls.retain_ended_seconds),
        };
        Ok(Self {
            http,
            http_port,
            rtmp,
            rtmp_port,
            shutdown: CancellationToken::new(),
            events,
            reactor,
            unfinished,
            _data_dir_lock: data_dir_lock,
        })
    }

    /// The HTTP port actually bound.
    pub fn http_port(&self) -> u16 {
        self.http_port
    }

    /// The RTMP port actually bound.
    pub fn rtmp_port(&self) -> u16 {
        self.rtmp_port
    }

    /// Cancelling this token shuts the server down gracefully, like SIGTERM.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// The publishers the server has granted a room to and not yet seen end.
    pub fn stream_rooms(&self) -> StreamRooms {
        self.reactor.rooms.clone()
    }

    /// Every media-engine event, after the server applied it.
    pub fn subscribe(&self) -> broadcast::Receiver<StreamEvent> {
        self.reactor.broadcast.subscribe()
    }

    /// Serves until SIGINT, SIGTERM or the shutdown token; then ends every live stream cleanly
    /// (archives finalized, playlists ended, recordings written) before returning.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let shutdown = self.shutdown.clone();
        tokio::spawn(cancel_on_signal(shutdown.clone()));
        let http_handle = self.http.handle();
        let mut http = tokio::spawn(self.http);
        let rtmp = tokio::spawn(self.rtmp.run(shutdown.clone()));
        // Repairs can take a while (a remux per archive): they run while the server serves.
        tokio::spawn(recovery::repair_all(
            self.reactor.db.clone(),
            self.reactor.layout.recordings_dir(),
            self.unfinished,
        ));
        let reactor = tokio::spawn(self.reactor.run(self.events));
        info!(
            http = self.http_port,
            rtmp = self.rtmp_port,
            "livestream is running"
        );
        let http_result = tokio::select! {
            _ = shutdown.cancelled() => None,
            result = &mut http => {
                shutdown.cancel();
                Some(result)
            }
        };
        info!("shutting down");
        let _ = rtmp.await;
        // Every stream has ended; let the last events be applied before the process exits.
        let _ = tokio::time::timeout(Duration::from_secs(10), reactor).await;
        http_handle.stop(true).await;
        let http_result = match http_result {
            Some(result) => result,
            None => http.await,
        };
        http_result
            .context("HTTP server task")?
            .context("HTTP server")?;
        info!("stopped");
        Ok(())
    }
}

async fn cancel_on_signal(token: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {},
                    _ = term.recv() => {},
                    _ = token.cancelled() => return,
                }
            }
            Err(_) => {
                tokio::select! { _ = ctrl_c => {}, _ = token.cancelled() => return }
            }
        }
    }
    #[cfg(not(unix))]
    tokio::select! { _ = ctrl_c => {}, _ = token.cancelled() => return }
    info!("signal received");
    token.cancel();
}
