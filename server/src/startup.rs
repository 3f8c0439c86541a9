//! Building and running the whole server: HTTP, RTMP ingest and the event loop between them.

use crate::configuration::Settings;
use crate::ingest_auth::StaticKeys;
use crate::live_streams::LiveStreams;
use crate::routes;
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use pipelines::{IngestConfig, RtmpServer, StreamEvent};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// Where every stream's HLS output lives (`<data_dir>/hls`).
#[derive(Clone)]
pub struct HlsRoot(pub PathBuf);

/// A built server, listening but not yet serving.
pub struct Application {
    http: actix_web::dev::Server,
    http_port: u16,
    rtmp: RtmpServer,
    rtmp_port: u16,
    shutdown: CancellationToken,
    events: mpsc::Receiver<StreamEvent>,
    live: LiveStreams,
    broadcast: broadcast::Sender<StreamEvent>,
    hls_root: PathBuf,
    retain_ended: Duration,
}

impl Application {
    /// Binds both listeners (port 0 picks a free one) and prepares the data directory.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let ingest = IngestConfig {
            app: settings.rtmp.app.clone(),
            data_dir: settings.storage.data_dir.clone(),
            ..IngestConfig::default()
        };
        let hls_root = ingest.hls_root();
        // HLS output of streams from a previous run is stale: nobody can still be watching it.
        if hls_root.exists() {
            tokio::fs::remove_dir_all(&hls_root)
                .await
                .with_context(|| format!("clearing {}", hls_root.display()))?;
        }
        for dir in [&hls_root, &ingest.recordings_dir()] {
            tokio::fs::create_dir_all(dir)
                .await
                .with_context(|| format!("creating {}", dir.display()))?;
        }
        if !settings.ingest.stream_keys.is_empty() {
            warn!(
                keys = settings.ingest.stream_keys.len(),
                "development stream keys from ingest.stream_keys are accepted"
            );
        }
        let authorizer = Arc::new(StaticKeys::new(
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
        let live_data = web::Data::new(live.clone());
        let hls_data = web::Data::new(HlsRoot(hls_root.clone()));
        let http = HttpServer::new(move || {
            App::new()
                .wrap(tracing_actix_web::TracingLogger::default())
                .app_data(live_data.clone())
                .app_data(hls_data.clone())
                .app_data(web::JsonConfig::default().limit(64 * 1024))
                .app_data(web::PayloadConfig::default().limit(64 * 1024))
                .configure(routes::configure)
        })
        .listen(listener)?
        .workers(2)
        .disable_signals()
        .shutdown_timeout(5)
        .run();
        let (broadcast, _) = broadcast::channel(1024);
        Ok(Self {
            http,
            http_port,
            rtmp,
            rtmp_port,
            shutdown: CancellationToken::new(),
            events,
            live,
            broadcast,
            hls_root,
            retain_ended: Duration::from_secs(settings.hls.retain_ended_seconds),
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

    /// Every media-engine event, as the server sees it.
    pub fn subscribe(&self) -> broadcast::Receiver<StreamEvent> {
        self.broadcast.subscribe()
    }

    /// Serves until SIGINT, SIGTERM or the shutdown token; then ends every live stream cleanly
    /// (archives finalized, playlists ended) before returning.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let shutdown = self.shutdown.clone();
        tokio::spawn(cancel_on_signal(shutdown.clone()));
        let http_handle = self.http.handle();
        let mut http = tokio::spawn(self.http);
        let rtmp = tokio::spawn(self.rtmp.run(shutdown.clone()));
        let reactor = tokio::spawn(react_to_events(
            self.events,
            self.live,
            self.broadcast,
            self.hls_root,
            self.retain_ended,
        ));
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
        let _ = tokio::time::timeout(Duration::from_secs(5), reactor).await;
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

/// Applies media events to the server's state, logs them and re-broadcasts them.
async fn react_to_events(
    mut events: mpsc::Receiver<StreamEvent>,
    live: LiveStreams,
    broadcast: broadcast::Sender<StreamEvent>,
    hls_root: PathBuf,
    retain_ended: Duration,
) {
    while let Some(event) = events.recv().await {
        if let StreamEvent::Ended {
            stream_id,
            reason,
            archive,
        } = &event
        {
            if reason.is_error() {
                warn!(stream = %stream_id, ?reason, archive = %archive.path.display(), "stream ended with an error");
            } else {
                info!(stream = %stream_id, ?reason, archive = %archive.path.display(), duration = ?archive.duration, "stream ended");
            }
            let dir = hls_root.join(stream_id.as_str());
            let live = live.clone();
            let id = stream_id.clone();
            tokio::spawn(async move {
                tokio::time::sleep(retain_ended).await;
                if !live.contains(&id) {
                    let _ = tokio::fs::remove_dir_all(&dir).await;
                }
            });
        }
        live.apply(&event);
        let _ = broadcast.send(event);
    }
}
