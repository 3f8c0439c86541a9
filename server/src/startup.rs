//! Building and running the whole server: database, HTTP, RTMP ingest and the event loop
//! between them.

use crate::auth::Authenticator;
use crate::broadcasts::limits::{BroadcastLimits, Watched};
use crate::broadcasts::{
    recovery, LiveStreams, NodeRegistry, Reactor, Restreams, RoomKeys, StreamRooms,
};
use crate::chat::hub::{ChatHub, LocalHub};
use crate::chat::ChatService;
use crate::cluster::chat_hub::RedisHub;
use crate::cluster::edge::Edge;
use crate::cluster::presence::Presence;
use crate::cluster::registry::Registry;
use crate::cluster::{Cluster, Node};
use crate::configuration::Settings;
use crate::db::Db;
use crate::models::recording::Recording;
use crate::object_storage::ObjectStorage;
use crate::restream_keys::{restream_secret, KeySealer};
use crate::state::{AppState, Parts};
use crate::{routes, storage};
use actix_web::{web, HttpServer};
use anyhow::Context;
use engine::StreamEvent;
use hls::OutputLayout;
use ingest::srt::SrtServer;
use ingest::RtmpServer;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// A built server, listening but not yet serving.
pub struct Application {
    http: actix_web::dev::Server,
    http_port: u16,
    /// `/metrics`, on `metrics.listen`, unless it is empty.
    metrics: Option<(actix_web::dev::Server, u16)>,
    rtmp: RtmpServer,
    rtmp_port: u16,
    /// The SRT listener beside it, unless `srt.port` is 0.
    srt: Option<SrtServer>,
    shutdown: CancellationToken,
    /// Set on shutdown: new publishers are refused while live streams may still end.
    draining: Arc<AtomicBool>,
    drain: Duration,
    events: mpsc::Receiver<StreamEvent>,
    reactor: Reactor,
    /// Recordings the last run never finished, repaired once the server is serving.
    unfinished: Vec<Recording>,
    /// The running broadcasts' limits, checked while the server serves.
    limits: Watched,
    /// Rooms' retention, swept while the server serves.
    retention: crate::retention::Retention,
    /// Held while the server runs: one instance per data directory.
    _data_dir_lock: std::fs::File,
}

/// Lets the kernel drop an HTTP connection whose client has taken none of our data for `timeout`
/// (TCP_USER_TIMEOUT also covers a receive window held at zero): a client that stops reading a
/// response or a WebSocket cannot keep its connection, and what is queued for it, forever.
fn drop_when_stalled(connection: &dyn std::any::Any, timeout: Duration) {
    use actix_tls::accept::rustls_0_23::TlsStream;
    use actix_web::rt::net::TcpStream;
    let stream = connection.downcast_ref::<TcpStream>().or_else(|| {
        connection
            .downcast_ref::<TlsStream<TcpStream>>()
            .map(|tls| tls.get_ref().0)
    });
    if let Some(stream) = stream {
        if let Err(e) = socket2::SockRef::from(stream).set_tcp_user_timeout(Some(timeout)) {
            tracing::debug!(error = %e, "could not set TCP_USER_TIMEOUT");
        }
    }
}

/// Binds the HTTP listener (port 0 picks a free one).
fn bind_http(settings: &Settings) -> anyhow::Result<TcpListener> {
    let (host, port) = (settings.http.host, settings.http.port);
    TcpListener::bind(SocketAddr::new(host, port))
        .with_context(|| format!("binding HTTP on {host}:{port}"))
}

/// Binds the metrics listener (`metrics.listen`) and serves `/metrics` alone on it, with one
/// worker; `None` when metrics are off.
fn serve_metrics(
    settings: &Settings,
    state: web::Data<AppState>,
) -> anyhow::Result<Option<(actix_web::dev::Server, u16)>> {
    let Some(address) = settings.metrics.address() else {
        return Ok(None);
    };
    let listener =
        TcpListener::bind(address).with_context(|| format!("binding metrics on {address}"))?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(move || routes::metrics_app(state.clone()))
        .listen(listener)?
        .workers(1)
        .max_connections(64)
        .disable_signals()
        .shutdown_timeout(1)
        .run();
    info!(%address, "metrics served on their own listener");
    Ok(Some((server, port)))
}

/// Builds the HTTP server on `listener`: the route table with its shared state, each connection
/// dropped when its client stalls.
fn serve_http(
    settings: &Settings,
    listener: TcpListener,
    state: web::Data<AppState>,
) -> anyhow::Result<actix_web::dev::Server> {
    let authenticator = web::Data::new(Authenticator {
        tokens: state.accounts.tokens.clone(),
        db: state.db.clone(),
    });
    let write_timeout = Duration::from_secs(settings.http.write_timeout_seconds);
    let server = HttpServer::new(move || routes::app(state.clone(), authenticator.clone()))
        .on_connect(move |connection, data| {
            drop_when_stalled(connection, write_timeout);
            data.insert(routes::waiters::ConnectionWaiters::default());
        });
    let server = match settings.http.tls() {
        Some((cert, key)) => {
            let config = crate::tls::server_config(cert, key)?;
            info!(cert = %cert.display(), "HTTPS with HTTP/2 and HTTP/1.1");
            server.listen_rustls_0_23(listener, config)?
        }
        None => server.listen(listener)?,
    };
    let http = server
        .workers(2)
        .disable_signals()
        .shutdown_timeout(5)
        .run();
    Ok(http)
}

/// The chat: on this process's own hub, or, with several nodes, on one linked to the others
/// through Redis (with the viewer counts of every node, and the access and settings changes
/// they announce).
async fn chat_service(
    settings: &Settings,
    cluster: Option<&Arc<Cluster>>,
) -> anyhow::Result<(Arc<ChatService>, Arc<dyn ChatHub>)> {
    let Some(cluster) = cluster else {
        let hub: Arc<dyn ChatHub> = LocalHub::start();
        let chat = ChatService::from_settings(&settings.chat, hub.clone(), None);
        return Ok((Arc::new(chat), hub));
    };
    let presence = Arc::new(Presence::default());
    let hub = RedisHub::start(cluster, presence.clone()).await?;
    presence.start(cluster.clone(), hub.local());
    let chat = Arc::new(
        ChatService::from_settings(
            &settings.chat,
            hub.clone(),
            Some(cluster.clone() as Arc<dyn crate::auth::SharedWindow>),
        )
        .with_fanout(Some(hub.clone())),
    );
    let applied = Arc::downgrade(&chat);
    hub.on_control(Box::new(move |control| {
        if let Some(chat) = applied.upgrade() {
            chat.apply_control(control);
        }
    }));
    Ok((chat, hub))
}

/// The data directory's output folders and the database, ready: migrations applied, the
/// default preset and admin in place, the recordings the last run never finished taken (they
/// are repaired once the server serves) and the clips it left half cut swept.
async fn open_storage(settings: &Settings) -> anyhow::Result<(Db, OutputLayout, Vec<Recording>)> {
    if crate::telemetry::metrics().is_none() {
        warn!("another metrics recorder is installed; /metrics reports nothing");
    }
    let layout = settings.ingest_config().layout();
    storage::prepare_output(&layout).await?;
    let db = crate::seed::open(settings).await?;
    let clustered = settings.cluster.enabled();
    let unfinished = recovery::unfinished(&db, clustered, &layout.recordings_dir()).await?;
    crate::clips::sweep(&db, &crate::clips::clips_dir(layout.data_dir())).await?;
    warn_about_development_settings(settings);
    Ok((db, layout, unfinished))
}

/// With `cluster.redis_url`: this node in the cluster, its id held.
async fn join_cluster(settings: &Settings, http_port: u16) -> anyhow::Result<Option<Arc<Cluster>>> {
    if !settings.cluster.enabled() {
        return Ok(None);
    }
    let cluster = Arc::new(Cluster::connect(settings, http_port).await?);
    cluster.hold_node_id().await?;
    Ok(Some(cluster))
}

/// This node's part in the cluster: the live-stream registry and the HLS edge.
fn start_node(
    settings: &Settings,
    cluster: Arc<Cluster>,
    live: &LiveStreams,
    rooms: &StreamRooms,
    db: &Db,
    hub: Arc<dyn ChatHub>,
) -> anyhow::Result<Arc<Node>> {
    let registry = Registry::start(
        cluster.clone(),
        live.clone(),
        rooms.clone(),
        db.clone(),
        hub,
    );
    let limits = crate::cluster::edge::EdgeLimits {
        cache_bytes: settings.cluster.edge_cache_mib * 1024 * 1024,
        max_fetches: settings.cluster.edge_max_fetches,
    };
    let edge = Edge::new(registry.clone(), cluster.node_id.clone(), limits)?;
    info!(node = %cluster.node_id, advertise = %cluster.advertise_url, "joined the cluster");
    Ok(Arc::new(Node {
        cluster,
        registry,
        edge,
    }))
}

/// Rooms' restream destinations, their keys sealed with the restream secret.
fn restreams(settings: &Settings, db: &Db) -> anyhow::Result<Restreams> {
    let secret = restream_secret(&settings.restream.secret, &settings.storage.data_dir)?;
    Ok(Restreams::new(
        db.clone(),
        Arc::new(KeySealer::new(&secret)),
    ))
}

/// With `storage.s3`: the bucket finished recordings go to, its uploads started.
fn object_storage(
    settings: &Settings,
    db: &Db,
    layout: &OutputLayout,
) -> anyhow::Result<Option<Arc<ObjectStorage>>> {
    if !settings.storage.s3.enabled() {
        return Ok(None);
    }
    let objects = Arc::new(ObjectStorage::new(&settings.storage.s3)?);
    objects.start_uploads(db.clone(), layout.recordings_dir());
    info!(bucket = %settings.storage.s3.bucket, "recordings go to object storage");
    Ok(Some(objects))
}

/// The RTMP listener, and the SRT one beside it unless `srt.port` is 0, sharing the authorizer
/// and the events channel.
async fn bind_ingest(
    settings: &Settings,
    authorizer: RoomKeys,
    events: mpsc::Sender<StreamEvent>,
) -> anyhow::Result<(RtmpServer, Option<SrtServer>)> {
    let rtmp_addr = SocketAddr::new(settings.rtmp.host, settings.rtmp.port);
    let rtmp = RtmpServer::bind(
        rtmp_addr,
        settings.ingest_config(),
        Arc::new(authorizer),
        events,
    )
    .await?;
    let srt = match settings.srt.srt_config() {
        Some((addr, config)) => Some(SrtServer::bind(addr, config, &rtmp)?),
        None => None,
    };
    Ok((rtmp, srt))
}

/// Settings fit for development only, said once at start.
fn warn_about_development_settings(settings: &Settings) {
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
}

impl Application {
    /// Prepares storage and the database (crash recovery included), binds every listener (port 0
    /// picks a free one) and wires the parts together; nothing is served until
    /// [`Application::run_until_stopped`].
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let data_dir_lock = storage::lock_data_dir(&settings.storage.data_dir)?;
        let (db, layout, unfinished) = open_storage(&settings).await?;
        let listener = bind_http(&settings)?;
        let http_port = listener.local_addr()?.port();
        let cluster = join_cluster(&settings, http_port).await?;
        let (chat, hub) = chat_service(&settings, cluster.as_ref()).await?;
        let (live, rooms) = (LiveStreams::default(), StreamRooms::default());
        let restreams = restreams(&settings, &db)?;
        let node = match cluster {
            Some(cluster) => Some(start_node(&settings, cluster, &live, &rooms, &db, hub)?),
            None => None,
        };
        let registry = node
            .as_ref()
            .map(|n| n.registry.clone() as Arc<dyn NodeRegistry>);
        let limits = BroadcastLimits::new(&settings);
        let authorizer = RoomKeys::new(
            db.clone(),
            rooms.clone(),
            restreams.clone(),
            settings.ingest.stream_keys.clone(),
            settings.hls_output(),
        )
        .with_registry(registry.clone())
        .with_limits(limits.clone());
        let draining = authorizer.draining();
        let objects = object_storage(&settings, &db, &layout)?;
        let (events_tx, events) = mpsc::channel(256);
        let (rtmp, srt) = bind_ingest(&settings, authorizer, events_tx).await?;
        let reactor = Reactor::new(
            &settings,
            db.clone(),
            rooms.clone(),
            rtmp.handle(),
            live.clone(),
            layout.clone(),
            chat.clone(),
        )
        .with_registry(registry)
        .with_objects(objects.clone())
        .with_restreams(restreams.clone());
        let watched = Watched {
            limits: limits.clone(),
            db: db.clone(),
            rooms: rooms.clone(),
            live: live.clone(),
            ingest: rtmp.handle(),
            layout: layout.clone(),
        };
        let retention = crate::retention::Retention {
            db: db.clone(),
            layout: layout.clone(),
            objects: objects.clone(),
        };
        let parts = Parts {
            db,
            live,
            layout,
            rooms,
            restreams,
            ingest: rtmp.handle(),
            rtmp_port: rtmp.local_addr()?.port(),
            srt_port: srt.as_ref().and_then(|s| s.local_addr()).map(|a| a.port()),
            chat,
            node,
            draining: draining.clone(),
            objects,
            broadcast_limits: limits,
        };
        let state = web::Data::new(AppState::build(&settings, parts)?);
        Ok(Self {
            metrics: serve_metrics(&settings, state.clone())?,
            http: serve_http(&settings, listener, state)?,
            http_port,
            rtmp_port: rtmp.local_addr()?.port(),
            rtmp,
            srt,
            shutdown: CancellationToken::new(),
            draining,
            drain: Duration::from_secs(settings.cluster.drain_seconds),
            events,
            reactor,
            unfinished,
            limits: watched,
            retention,
            _data_dir_lock: data_dir_lock,
        })
    }

    /// The HTTP port actually bound.
    pub fn http_port(&self) -> u16 {
        self.http_port
    }

    /// The metrics port bound, unless metrics are off.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(_, port)| *port)
    }

    /// The RTMP port actually bound.
    pub fn rtmp_port(&self) -> u16 {
        self.rtmp_port
    }

    /// The SRT port bound, unless SRT is off.
    pub fn srt_port(&self) -> Option<u16> {
        self.srt
            .as_ref()
            .and_then(|s| s.local_addr())
            .map(|a| a.port())
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

    /// Serves until SIGINT, SIGTERM or the shutdown token; then drains: new publishers are
    /// refused while the live streams may end on their own, for at most `cluster.drain_seconds`
    /// (a second signal cuts it short). Then it ends every stream still live cleanly (archives
    /// finalized, playlists ended, recordings written) before returning.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let shutdown = self.shutdown.clone();
        let hurry = CancellationToken::new();
        tokio::spawn(cancel_on_signal(shutdown.clone(), hurry.clone()));
        let http_handle = self.http.handle();
        let mut http = tokio::spawn(self.http);
        let metrics = self.metrics.map(|(server, _)| {
            let handle = server.handle();
            tokio::spawn(server);
            handle
        });
        let stop_ingest = CancellationToken::new();
        let rtmp = tokio::spawn(self.rtmp.run(stop_ingest.clone()));
        let srt = self
            .srt
            .map(|srt| tokio::spawn(srt.run(stop_ingest.clone())));
        // Repairs can take a while (a remux per archive): they run while the server serves.
        let (db, dir, objects) = (
            self.reactor.db.clone(),
            self.reactor.layout.recordings_dir(),
            self.reactor.objects.clone(),
        );
        let unfinished = self.unfinished;
        tokio::spawn(async move {
            recovery::repair_all(db, dir, unfinished).await;
            // Repaired archives are stored like any finished one.
            if let Some(objects) = objects {
                objects.recording_finished();
            }
        });
        tokio::spawn(crate::broadcasts::limits::watch(
            self.limits,
            stop_ingest.clone(),
        ));
        tokio::spawn(crate::retention::run(self.retention, shutdown.clone()));
        let publishers = (self.reactor.rooms.clone(), self.reactor.live.clone());
        let registry = self.reactor.registry.clone();
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
        self.draining.store(true, Ordering::Relaxed);
        drain(&publishers, self.drain, &hurry).await;
        stop_ingest.cancel();
        if let Some(srt) = srt {
            let _ = srt.await;
        }
        let _ = rtmp.await;
        // Every stream has ended; let the last events be applied before the process exits.
        let _ = tokio::time::timeout(Duration::from_secs(10), reactor).await;
        if let Some(registry) = registry {
            // Its rooms free for other nodes now, not when their claims expire.
            registry.settle(Duration::from_secs(3)).await;
        }
        http_handle.stop(true).await;
        if let Some(metrics) = metrics {
            metrics.stop(false).await;
        }
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

/// Waits until no publisher is left (granted a room, or live), `limit` has passed or `hurry` is
/// cancelled.
async fn drain(
    (rooms, live): &(StreamRooms, LiveStreams),
    limit: Duration,
    hurry: &CancellationToken,
) {
    let left = || rooms.len().max(live.list().len());
    if left() == 0 || limit.is_zero() {
        return;
    }
    info!(streams = left(), limit = ?limit, "draining: new publishers are refused; waiting for the live streams to end");
    let deadline = tokio::time::Instant::now() + limit;
    while left() > 0 && tokio::time::Instant::now() < deadline {
        tokio::select! {
            _ = hurry.cancelled() => break,
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
    if left() > 0 {
        info!(
            streams = left(),
            "drain over; ending the streams still live"
        );
    }
}

/// Cancels `token` on the first SIGINT or SIGTERM, and `hurry` on the second.
async fn cancel_on_signal(token: CancellationToken, hurry: CancellationToken) {
    stopped_by_signal(&token).await;
    stopped_by_signal(&hurry).await;
}

async fn stopped_by_signal(token: &CancellationToken) {
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
