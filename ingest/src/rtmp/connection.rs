//! One RTMP connection: the handshake, then the protocol session, whose events drive the
//! connection's one [`Publisher`] once it asks to publish.

use crate::session::{
    self, cancelled, claim, end_reason, log_end, pipeline_failure, sleep_until, ConnectionError,
    Publisher,
};
use crate::shared::Shared;
use crate::Refusal;
use media::StreamKey;
use rml_rtmp::chunk_io::ChunkLimits;
use rml_rtmp::handshake::{Handshake, HandshakeProcessResult, PeerType};
use rml_rtmp::sessions::{
    ServerSession, ServerSessionConfig, ServerSessionEvent, ServerSessionResult,
};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tracing::{debug, info, warn, Instrument};

const READ_BUFFER: usize = 64 * 1024;
/// How long a closing connection keeps reading (and dropping) what the peer still sends.
const CLOSE_LINGER: Duration = Duration::from_secs(1);

/// Serves one connection to its end; never panics the server and always ends its stream.
pub(super) async fn serve(socket: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    let span = tracing::info_span!("rtmp", %peer);
    async move {
        debug!("connection opened");
        let mut connection = Connection {
            shared,
            session: None,
            publisher: None,
            socket,
            peer,
        };
        let result = connection.run().await;
        if let Some(publisher) = connection.publisher.take() {
            publisher.end(&connection.shared, end_reason(&result)).await;
        }
        connection.close().await;
        log_end(&result);
    }
    .instrument(span)
    .await
}

struct Connection {
    shared: Arc<Shared>,
    session: Option<ServerSession>,
    publisher: Option<Publisher>,
    socket: TcpStream,
    peer: SocketAddr,
}

impl Connection {
    async fn run(&mut self) -> Result<(), ConnectionError> {
        let shutdown = self.shared.shutdown.clone();
        let limit = self.shared.config.handshake_timeout;
        let leftover = tokio::select! {
            _ = shutdown.cancelled() => return Err(ConnectionError::Shutdown),
            done = tokio::time::timeout(limit, self.handshake()) => {
                done.map_err(|_| ConnectionError::Handshake("timed out".into()))??
            }
        };
        let (session, results) = ServerSession::new(session_config(&self.shared.config))
            .map_err(|e| ConnectionError::Protocol(format!("{e:?}")))?;
        self.session = Some(session);
        self.handle_results(results).await?;
        self.feed(&leftover).await?;

        let mut buf = vec![0u8; READ_BUFFER];
        let idle = self.shared.config.idle_timeout;
        let publish_limit = self.shared.config.publish_timeout;
        let publish_deadline = tokio::time::Instant::now() + publish_limit;
        loop {
            let must_publish_by = self.publisher.is_none().then_some(publish_deadline);
            let publisher = self.publisher.as_ref();
            let failure = publisher.and_then(Publisher::failure);
            let grace = publisher.and_then(Publisher::audio_grace_deadline);
            let revoked = publisher.map(Publisher::revoked);
            let taken_over = publisher.map(Publisher::taken_over);
            tokio::select! {
                _ = shutdown.cancelled() => return Err(ConnectionError::Shutdown),
                _ = cancelled(revoked) => return Err(ConnectionError::Revoked),
                _ = cancelled(taken_over) => return Err(ConnectionError::TakenOver),
                reason = pipeline_failure(failure) => return Err(ConnectionError::Pipeline(reason)),
                _ = sleep_until(grace) => {
                    if let Some(p) = self.publisher.as_mut() {
                        p.try_start(&self.shared).await?;
                    }
                }
                _ = sleep_until(must_publish_by) => return Err(ConnectionError::NoPublish(publish_limit)),
                read = tokio::time::timeout(idle, self.socket.read(&mut buf)) => {
                    let n = read.map_err(|_| ConnectionError::Idle(idle))??;
                    if n == 0 {
                        return Err(ConnectionError::Closed);
                    }
                    if let Some(p) = &self.publisher {
                        p.touch();
                    }
                    self.feed(&buf[..n]).await?;
                }
            }
        }
    }

    async fn handshake(&mut self) -> Result<Vec<u8>, ConnectionError> {
        let mut handshake = Handshake::new(PeerType::Server);
        let mut buf = vec![0u8; 4096];
        loop {
            let n = self.socket.read(&mut buf).await?;
            if n == 0 {
                return Err(ConnectionError::Handshake(
                    "peer closed during handshake".into(),
                ));
            }
            match handshake.process_bytes(&buf[..n]) {
                Ok(HandshakeProcessResult::InProgress { response_bytes }) => {
                    self.send(&response_bytes).await?;
                }
                Ok(HandshakeProcessResult::Completed {
                    response_bytes,
                    remaining_bytes,
                }) => {
                    self.send(&response_bytes).await?;
                    return Ok(remaining_bytes);
                }
                Err(e) => return Err(ConnectionError::Handshake(e.to_string())),
            }
        }
    }

    /// Closes without a reset: our FIN follows what was already sent (a refusal's status, for
    /// example), then whatever the peer still sends is read and dropped for a moment. Closing
    /// with unread data would make the kernel send an RST, and the peer could lose our last
    /// message before reading it.
    async fn close(&mut self) {
        let _ =
            tokio::time::timeout(self.shared.config.write_timeout, self.socket.shutdown()).await;
        let mut buf = [0u8; 4096];
        let _ = tokio::time::timeout(CLOSE_LINGER, async {
            while let Ok(n) = self.socket.read(&mut buf).await {
                if n == 0 {
                    break;
                }
            }
        })
        .await;
    }

    /// Writes to the peer within the write deadline. A peer that stops reading cannot hold the
    /// connection: shutdown and revocation are honoured while the write waits.
    async fn send(&mut self, bytes: &[u8]) -> Result<(), ConnectionError> {
        let limit = self.shared.config.write_timeout;
        let shutdown = self.shared.shutdown.clone();
        let revoked = self.publisher.as_ref().map(Publisher::revoked);
        tokio::select! {
            _ = shutdown.cancelled() => Err(ConnectionError::Shutdown),
            _ = cancelled(revoked) => Err(ConnectionError::Revoked),
            written = tokio::time::timeout(limit, self.socket.write_all(bytes)) => {
                written.map_err(|_| ConnectionError::WriteTimeout(limit))?.map_err(ConnectionError::from)
            }
        }
    }

    async fn feed(&mut self, bytes: &[u8]) -> Result<(), ConnectionError> {
        if bytes.is_empty() {
            return Ok(());
        }
        let Some(session) = self.session.as_mut() else {
            return Ok(());
        };
        let results = session
            .handle_input(bytes)
            .map_err(|e| ConnectionError::Protocol(e.to_string()))?;
        self.handle_results(results).await
    }

    async fn handle_results(
        &mut self,
        results: Vec<ServerSessionResult>,
    ) -> Result<(), ConnectionError> {
        for result in results {
            match result {
                ServerSessionResult::OutboundResponse(packet) => self.send(&packet.bytes).await?,
                ServerSessionResult::RaisedEvent(event) => Box::pin(self.on_event(event)).await?,
                ServerSessionResult::UnhandleableMessageReceived(_) => {}
            }
        }
        Ok(())
    }

    async fn respond(
        &mut self,
        results: Result<Vec<ServerSessionResult>, rml_rtmp::sessions::ServerSessionError>,
    ) -> Result<(), ConnectionError> {
        let results = results.map_err(|e| ConnectionError::Protocol(e.to_string()))?;
        self.handle_results(results).await
    }

    async fn on_event(&mut self, event: ServerSessionEvent) -> Result<(), ConnectionError> {
        match event {
            ServerSessionEvent::ConnectionRequested {
                request_id,
                app_name,
            } => {
                let Some(session) = self.session.as_mut() else {
                    return Ok(());
                };
                if app_name != self.shared.config.app {
                    // Streamers paste `rtmp://host/live/<key>` as the server URL: the key is then
                    // part of the application name, so only its first segment is logged.
                    warn!(app = ?app_log_name(&app_name), "connect to unknown RTMP application refused");
                    let r = session.reject_request(
                        request_id,
                        "NetConnection.Connect.Rejected",
                        "unknown application",
                    );
                    self.respond(r).await?;
                    return Err(ConnectionError::Refused(format!(
                        "unknown application {app_name:?}"
                    )));
                }
                let r = session.accept_request(request_id);
                self.respond(r).await
            }
            ServerSessionEvent::PublishStreamRequested {
                request_id,
                stream_key,
                ..
            } => self.on_publish(request_id, stream_key).await,
            ServerSessionEvent::StreamMetadataChanged { metadata, .. } => {
                match self.publisher.as_mut() {
                    Some(p) => p.on_metadata(&self.shared, metadata).await,
                    None => Ok(()),
                }
            }
            ServerSessionEvent::VideoDataReceived {
                data, timestamp, ..
            } => match self.publisher.as_mut() {
                Some(p) => p.on_video(&self.shared, data, timestamp.value).await,
                None => Ok(()),
            },
            ServerSessionEvent::AudioDataReceived {
                data, timestamp, ..
            } => match self.publisher.as_mut() {
                Some(p) => p.on_audio(&self.shared, data, timestamp.value).await,
                None => Ok(()),
            },
            ServerSessionEvent::PublishStreamFinished { .. } => Err(ConnectionError::Stopped),
            ServerSessionEvent::UnhandleableAmf0Command { command_name, .. } => {
                // releaseStream and FCPublish need no answer; FCUnpublish means the end.
                if command_name == "FCUnpublish" && self.publisher.is_some() {
                    return Err(ConnectionError::Stopped);
                }
                debug!(%command_name, "ignored RTMP command");
                Ok(())
            }
            ServerSessionEvent::PlayStreamRequested { request_id, .. } => {
                let Some(session) = self.session.as_mut() else {
                    return Ok(());
                };
                let r = session.reject_request(
                    request_id,
                    "NetStream.Play.Failed",
                    "playback is served over HLS",
                );
                self.respond(r).await?;
                Err(ConnectionError::Refused(
                    "RTMP playback is not offered".into(),
                ))
            }
            _ => Ok(()),
        }
    }

    async fn on_publish(
        &mut self,
        request_id: u32,
        stream_key: String,
    ) -> Result<(), ConnectionError> {
        if self.publisher.is_some() {
            return Err(ConnectionError::Protocol(
                "second publish on one connection".into(),
            ));
        }
        // Some encoders append query parameters to the key.
        let key = StreamKey::new(stream_key.split('?').next().unwrap_or_default());
        let refusal = match self.shared.authorizer.authorize(&key).await {
            Ok(grant) => match claim(&self.shared, &key, &grant, self.peer).await {
                Some(live_key) => {
                    let accepted = match self.session.as_mut() {
                        Some(session) => {
                            let r = session.accept_request(request_id);
                            self.respond(r).await
                        }
                        None => Err(ConnectionError::Protocol("publish before connect".into())),
                    };
                    if let Err(e) = accepted {
                        session::forget(&self.shared, grant.stream_id).await;
                        return Err(e);
                    }
                    info!(key = %key.redacted(), stream = %grant.stream_id, "publish accepted");
                    self.publisher = Some(Publisher::new(key, grant, live_key));
                    return Ok(());
                }
                None => {
                    session::forget(&self.shared, grant.stream_id).await;
                    "this stream key is already live".to_owned()
                }
            },
            Err(Refusal::Unavailable) => "publishing is temporarily unavailable".to_owned(),
            Err(refusal) => refusal.to_string(),
        };
        warn!(key = %key.redacted(), reason = %refusal, "publish refused");
        if let Some(session) = self.session.as_mut() {
            let r = session.reject_request(request_id, "NetStream.Publish.BadName", &refusal);
            self.respond(r).await?;
        }
        Err(ConnectionError::Refused(refusal))
    }
}

/// An application name as it may be logged: its first path segment (at most 32 characters), and
/// an ellipsis if anything was left out.
pub(super) fn app_log_name(app: &str) -> String {
    let first = app.split(['/', '?']).next().unwrap_or_default();
    let shown: String = first.chars().take(32).collect();
    if shown.len() < app.len() {
        format!("{shown}…")
    } else {
        shown
    }
}

/// The protocol session's settings, with this server's limits.
pub(crate) fn session_config(config: &crate::IngestConfig) -> ServerSessionConfig {
    let mut session_config = ServerSessionConfig::new();
    session_config.chunk_limits = ChunkLimits {
        max_message_length: config.max_message_bytes,
        max_buffered_bytes: config.max_buffered_bytes,
        ..ChunkLimits::default()
    };
    // Enhanced RTMP: what OBS 29.1+ and FFmpeg 6.1+ may send besides H.264.
    session_config.video_fourccs = ["avc1", "hvc1", "av01"].map(String::from).to_vec();
    session_config
}
