//! One RTMP connection: handshake, session, and — once publishing — its stream.

use super::registry::{LiveKey, Parked};
use super::timestamps::StreamClock;
use super::{PublishGrant, Refusal, Shared};
use crate::events::{EndReason, StreamEvent};
use crate::media::flv::{self, AacConfig, AudioPacket, AvcConfig, FlvError, VideoPacket};
use crate::media::{SourceAudio, SourceMedia, SourceVideo, StreamId, StreamKey};
use crate::pipeline::{AudioFrame, PipelineConfig, StreamPipeline, VideoFrame};
use bytes::Bytes;
use rml_rtmp::chunk_io::ChunkLimits;
use rml_rtmp::handshake::{Handshake, HandshakeProcessResult, PeerType};
use rml_rtmp::sessions::{
    ServerSession, ServerSessionConfig, ServerSessionEvent, ServerSessionResult, StreamMetadata,
};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tracing::{debug, info, warn, Instrument};

const READ_BUFFER: usize = 64 * 1024;
/// Media held while waiting for both sequence headers; beyond this the stream is refused.
const MAX_PENDING_BYTES: usize = 16 * 1024 * 1024;
/// How long to wait for an audio sequence header once video is ready before going video-only.
const AUDIO_GRACE: Duration = Duration::from_millis(1500);
/// Largest source accepted (4096x2304 pixels, "4K").
const MAX_PIXELS: u64 = 4096 * 2304;
/// How far a publisher's media time may run ahead of the wall clock before it is slowed down
/// (encoders send a little in advance, more after a reconnect).
const AHEAD_ALLOWED: Duration = Duration::from_secs(5);
/// Beyond this the timestamps are not a burst but a jump, and the stream is refused.
const AHEAD_REFUSED: Duration = Duration::from_secs(30);
/// How long a closing connection keeps reading (and dropping) what the peer still sends.
const CLOSE_LINGER: Duration = Duration::from_secs(1);
/// How long a takeover waits for the quiet publisher to give its key up.
const TAKEOVER_WAIT: Duration = Duration::from_secs(5);

/// Why a connection ended; logged, and mapped to a stream's [`EndReason`] when publishing.
#[derive(Debug, Error)]
pub(super) enum ConnectionError {
    #[error("peer closed the connection")]
    Closed,
    #[error("no data for {0:?}")]
    Idle(Duration),
    #[error("did not publish within {0:?}")]
    NoPublish(Duration),
    #[error("peer did not take our data within {0:?}")]
    WriteTimeout(Duration),
    #[error("handshake failed: {0}")]
    Handshake(String),
    #[error("RTMP protocol error: {0}")]
    Protocol(String),
    #[error("socket error: {0}")]
    Io(#[from] std::io::Error),
    #[error("publish refused: {0}")]
    Refused(String),
    #[error("invalid media: {0}")]
    Media(String),
    #[error("pipeline failed: {0}")]
    Pipeline(String),
    #[error("server shutting down")]
    Shutdown,
    #[error("the right to publish was revoked")]
    Revoked,
    #[error("publisher stopped")]
    Stopped,
    #[error("a new publisher took the stream key over")]
    TakenOver,
}

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
        let reason = match &result {
            Ok(()) | Err(ConnectionError::Stopped) => EndReason::PublisherStopped,
            Err(ConnectionError::Shutdown) => EndReason::ServerShutdown,
            Err(ConnectionError::Revoked) => EndReason::Revoked,
            Err(ConnectionError::Media(m)) => EndReason::InvalidMedia(m.clone()),
            Err(ConnectionError::Pipeline(m)) => EndReason::PipelineError(m.clone()),
            Err(_) => EndReason::ConnectionLost,
        };
        connection.end_stream(reason).await;
        connection.close().await;
        match result {
            Ok(()) | Err(ConnectionError::Stopped | ConnectionError::Closed) => {
                debug!("connection closed")
            }
            Err(e) => info!(error = %e, "connection ended"),
        }
    }
    .instrument(span)
    .await
}

/// Media that arrived before the pipeline could be built.
enum Pending {
    Video { ts: u32, packet: VideoPacket },
    Audio { ts: u32, data: Bytes },
}

/// A publisher whose key was accepted.
struct Publisher {
    key: StreamKey,
    grant: PublishGrant,
    live_key: LiveKey,
    metadata: Option<StreamMetadata>,
    video_config: Option<(Bytes, AvcConfig)>,
    audio_config: Option<(Bytes, AacConfig)>,
    pending: VecDeque<Pending>,
    pending_bytes: usize,
    first_video_ready: Option<tokio::time::Instant>,
    clock: StreamClock,
    /// When the first frame went into the pipeline: media time is checked against it.
    first_push: Option<tokio::time::Instant>,
    /// The newest media time pushed (PTS or DTS); a continuation starts after it.
    newest_media: Duration,
    seen_keyframe: bool,
    live: Option<(StreamPipeline, watch::Receiver<Option<String>>)>,
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
            let failure = self
                .publisher
                .as_ref()
                .and_then(|p| p.live.as_ref())
                .map(|(_, f)| f.clone());
            let grace = self.audio_grace_deadline();
            let revoked = self.publisher.as_ref().map(|p| p.live_key.revoked.clone());
            let taken_over = self.publisher.as_ref().map(|p| p.live_key.taken_over());
            tokio::select! {
                _ = shutdown.cancelled() => return Err(ConnectionError::Shutdown),
                _ = cancelled(revoked) => return Err(ConnectionError::Revoked),
                _ = cancelled(taken_over) => return Err(ConnectionError::TakenOver),
                reason = pipeline_failure(failure) => return Err(ConnectionError::Pipeline(reason)),
                _ = sleep_until(grace) => self.try_start().await?,
                _ = sleep_until(must_publish_by) => return Err(ConnectionError::NoPublish(publish_limit)),
                read = tokio::time::timeout(idle, self.socket.read(&mut buf)) => {
                    let n = read.map_err(|_| ConnectionError::Idle(idle))??;
                    if n == 0 {
                        return Err(ConnectionError::Closed);
                    }
                    if let Some(p) = &self.publisher {
                        p.live_key.touch();
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
        let revoked = self.publisher.as_ref().map(|p| p.live_key.revoked.clone());
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
                if let Some(p) = self.publisher.as_mut() {
                    if p.live.is_none() {
                        p.metadata = Some(metadata);
                    }
                }
                self.try_start().await
            }
            ServerSessionEvent::VideoDataReceived {
                data, timestamp, ..
            } => self.on_video(data, timestamp.value).await,
            ServerSessionEvent::AudioDataReceived {
                data, timestamp, ..
            } => self.on_audio(data, timestamp.value).await,
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
            Ok(grant) => match self.claim(&key, &grant).await {
                Some(live_key) => {
                    let accepted = match self.session.as_mut() {
                        Some(session) => {
                            let r = session.accept_request(request_id);
                            self.respond(r).await
                        }
                        None => Err(ConnectionError::Protocol("publish before connect".into())),
                    };
                    if let Err(e) = accepted {
                        self.forget(grant.stream_id).await;
                        return Err(e);
                    }
                    info!(key = %key.redacted(), stream = %grant.stream_id, "publish accepted");
                    self.publisher = Some(Publisher {
                        key,
                        grant,
                        live_key,
                        metadata: None,
                        video_config: None,
                        audio_config: None,
                        pending: VecDeque::new(),
                        pending_bytes: 0,
                        first_video_ready: None,
                        clock: StreamClock::default(),
                        first_push: None,
                        newest_media: Duration::ZERO,
                        seen_keyframe: false,
                        live: None,
                    });
                    return Ok(());
                }
                None => {
                    self.forget(grant.stream_id).await;
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

    /// Tells the server to forget a stream id it granted that will never carry a stream.
    async fn forget(&self, stream_id: StreamId) {
        let _ = self
            .shared
            .events
            .send(StreamEvent::Abandoned {
                stream_id,
                reason: EndReason::PublisherStopped,
            })
            .await;
    }

    /// Claims the key for this connection. A publisher already on it keeps it, unless it has gone
    /// quiet for `takeover_quiet`: then it is told to give the key up (its broadcast is parked,
    /// and this connection may continue it) and this one waits briefly for the key.
    async fn claim(&self, key: &StreamKey, grant: &PublishGrant) -> Option<LiveKey> {
        let registry = &self.shared.registry;
        let holder = match registry.claim(key, &grant.stream_id, self.peer) {
            Ok(live_key) => return Some(live_key),
            Err(holder) => holder,
        };
        let quiet = registry.quiet_for(&holder);
        if quiet < self.shared.config.takeover_quiet {
            return None;
        }
        info!(
            key = %key.redacted(),
            previous_peer = %holder.peer,
            new_peer = %self.peer,
            quiet_seconds = quiet.as_secs_f64(),
            "publisher takeover: the key's publisher went quiet and a new one presents the key"
        );
        holder.take_over.cancel();
        let deadline = tokio::time::Instant::now() + TAKEOVER_WAIT;
        while tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if let Ok(live_key) = registry.claim(key, &grant.stream_id, self.peer) {
                return Some(live_key);
            }
        }
        None
    }

    async fn on_video(&mut self, data: Bytes, ts: u32) -> Result<(), ConnectionError> {
        let Some(p) = self.publisher.as_mut() else {
            return Ok(());
        };
        let packet = flv::parse_video(&data).map_err(media_error)?;
        match packet {
            VideoPacket::Ignored => return Ok(()),
            VideoPacket::SequenceHeader(record) => {
                if let Some((current, _)) = &p.video_config {
                    if *current != record {
                        return Err(ConnectionError::Media(
                            "the video format changed mid-stream; restart the stream".into(),
                        ));
                    }
                    return Ok(());
                }
                let config = video_config(&record)?;
                p.video_config = Some((record, config));
                p.first_video_ready
                    .get_or_insert_with(tokio::time::Instant::now);
                return self.try_start().await;
            }
            VideoPacket::Frame { data: ref au, .. } => {
                let configured = p.video_config.as_ref().map(|(_, c)| (c.width, c.height));
                check_in_band_sps(au, configured)?;
            }
        }
        if p.live.is_none() {
            p.pending_bytes += data.len();
            p.pending.push_back(Pending::Video { ts, packet });
            self.check_pending()?;
            return self.try_start().await;
        }
        self.push_video(ts, packet).await
    }

    async fn on_audio(&mut self, data: Bytes, ts: u32) -> Result<(), ConnectionError> {
        let Some(p) = self.publisher.as_mut() else {
            return Ok(());
        };
        match flv::parse_audio(&data).map_err(media_error)? {
            AudioPacket::SequenceHeader(asc) => {
                if p.audio_config.is_some() || p.live.is_some() {
                    return Ok(());
                }
                let config = flv::parse_aac_config(&asc).map_err(media_error)?;
                p.audio_config = Some((asc, config));
                self.try_start().await
            }
            AudioPacket::Frame(frame) => {
                if p.live.is_none() {
                    p.pending_bytes += frame.len();
                    p.pending.push_back(Pending::Audio { ts, data: frame });
                    return self.check_pending();
                }
                self.push_audio(ts, frame).await
            }
        }
    }

    fn check_pending(&self) -> Result<(), ConnectionError> {
        let Some(p) = &self.publisher else {
            return Ok(());
        };
        if p.pending_bytes <= MAX_PENDING_BYTES {
            return Ok(());
        }
        Err(ConnectionError::Media(if p.video_config.is_none() {
            "no H.264 sequence header received (audio-only streams are not supported)".into()
        } else {
            "stream did not become ready".into()
        }))
    }

    /// When a video-ready publisher has waited long enough for audio to go video-only.
    fn audio_grace_deadline(&self) -> Option<tokio::time::Instant> {
        let p = self
            .publisher
            .as_ref()
            .filter(|p| p.live.is_none() && p.audio_config.is_none())?;
        p.first_video_ready.map(|at| at + AUDIO_GRACE)
    }

    /// Starts the pipeline once the media is known well enough.
    async fn try_start(&mut self) -> Result<(), ConnectionError> {
        let Some(p) = self.publisher.as_mut() else {
            return Ok(());
        };
        if p.live.is_some() {
            return Ok(());
        }
        let Some((video_record, avc)) = p.video_config.clone() else {
            let says_no_video = p
                .metadata
                .as_ref()
                .is_some_and(|m| m.video_codec_id.is_none() && m.audio_codec_id.is_some());
            if says_no_video {
                return Err(ConnectionError::Media(
                    "audio-only streams are not supported; add a video source".into(),
                ));
            }
            return Ok(());
        };
        let metadata_says_no_audio = p
            .metadata
            .as_ref()
            .is_some_and(|m| m.audio_codec_id.is_none() && m.audio_sample_rate.is_none());
        let waited = p
            .first_video_ready
            .is_some_and(|t| t.elapsed() >= AUDIO_GRACE);
        if p.audio_config.is_none() && !metadata_says_no_audio && !waited {
            return Ok(());
        }
        let meta = p.metadata.clone().unwrap_or_else(StreamMetadata::new);
        let media = SourceMedia {
            video: SourceVideo {
                codec: avc.codec.clone(),
                width: avc.width,
                height: avc.height,
                fps: avc.fps.or(meta
                    .video_frame_rate
                    .map(f64::from)
                    .filter(|f| f.is_finite() && *f > 0.0 && *f <= 240.0)),
            },
            audio: p.audio_config.as_ref().map(|(_, a)| SourceAudio {
                codec: a.codec.clone(),
                sample_rate: a.sample_rate,
                channels: a.channels,
            }),
            encoder: meta.encoder.clone().map(|e| e.chars().take(128).collect()),
            announced_kbps: match (meta.video_bitrate_kbps, meta.audio_bitrate_kbps) {
                (None, None) => None,
                (v, a) => Some(v.unwrap_or(0).saturating_add(a.unwrap_or(0))),
            },
        };
        if let Some(parked) = self.shared.registry.unpark(&p.key) {
            let same_codecs = parked.video_config == video_record
                && parked.audio_config == p.audio_config.as_ref().map(|(asc, _)| asc.clone());
            if same_codecs && parked.failure.borrow().is_none() {
                return self.resume(parked).await;
            }
            info!(stream = %parked.stream_id, "the publisher came back with other codec settings; a new broadcast starts");
            parked.pipeline.finish(EndReason::ConnectionLost).await;
        }
        let Some(p) = self.publisher.as_mut() else {
            return Ok(());
        };
        let renditions = p.grant.ladder.plan(&media.video);
        let stream_id = p.grant.stream_id.clone();
        let config = PipelineConfig {
            stream_id: stream_id.clone(),
            media: media.clone(),
            video_codec_data: video_record,
            audio_codec_data: p.audio_config.as_ref().map(|(asc, _)| asc.clone()),
            ladder: p.grant.ladder.clone(),
            renditions: renditions.clone(),
            hls: p.grant.hls.clone(),
            hls_dir: self.shared.config.layout().hls_dir(&stream_id),
            archive_path: self.shared.config.layout().archive(&stream_id),
        };
        if renditions.is_empty() && !p.grant.ladder.passthrough {
            return Err(ConnectionError::Media(
                "the ladder has no output for this source".into(),
            ));
        }
        let pipeline = StreamPipeline::start(config, self.shared.events.clone())
            .map_err(|e| ConnectionError::Pipeline(e.to_string()))?;
        let failure = pipeline.failure();
        p.live = Some((pipeline, failure));
        info!(stream = %stream_id, width = avc.width, height = avc.height, renditions = renditions.len(), audio = media.audio.is_some(), "stream started");
        let _ = self
            .shared
            .events
            .send(StreamEvent::Started {
                stream_id,
                key: p.key.clone(),
                media,
                renditions,
                passthrough: p.grant.ladder.passthrough,
            })
            .await;
        self.push_pending().await
    }

    /// Continues a parked broadcast of this key: same stream id, same pipeline and archive, its
    /// timeline picking up just after what was already pushed.
    async fn resume(&mut self, parked: Parked) -> Result<(), ConnectionError> {
        let Some(p) = self.publisher.as_mut() else {
            return Ok(());
        };
        // The server forgets the stream id it granted this connection.
        let granted = std::mem::replace(&mut p.grant.stream_id, parked.stream_id.clone());
        p.live_key.move_to(&parked.stream_id);
        p.clock = StreamClock::resuming_at(parked.resume_at);
        p.newest_media = parked.resume_at;
        p.live = Some((parked.pipeline, parked.failure));
        self.forget(granted).await;
        info!(stream = %parked.stream_id, resume_at = parked.resume_at.as_secs_f64(), "the publisher is back; the broadcast continues");
        self.push_pending().await
    }

    /// Pushes the media that arrived before the pipeline was ready.
    async fn push_pending(&mut self) -> Result<(), ConnectionError> {
        let Some(p) = self.publisher.as_mut() else {
            return Ok(());
        };
        let pending = std::mem::take(&mut p.pending);
        p.pending_bytes = 0;
        for item in pending {
            match item {
                Pending::Video { ts, packet } => self.push_video(ts, packet).await?,
                Pending::Audio { ts, data } => self.push_audio(ts, data).await?,
            }
        }
        Ok(())
    }

    async fn push_video(&mut self, ts: u32, packet: VideoPacket) -> Result<(), ConnectionError> {
        let Some(p) = self.publisher.as_mut() else {
            return Ok(());
        };
        let VideoPacket::Frame {
            keyframe,
            composition_offset_ms,
            data,
        } = packet
        else {
            return Ok(());
        };
        // Decoding can only start at a keyframe.
        if !p.seen_keyframe && !keyframe {
            return Ok(());
        }
        p.seen_keyframe = true;
        let (dts, pts) = p.clock.video(ts, composition_offset_ms);
        self.keep_to_real_time(dts).await?;
        let Some(p) = self.publisher.as_mut() else {
            return Ok(());
        };
        p.newest_media = p.newest_media.max(pts).max(dts);
        let Some((pipeline, _)) = &p.live else {
            return Ok(());
        };
        pipeline
            .push_video(VideoFrame {
                pts,
                dts,
                keyframe,
                data,
            })
            .await
            .map_err(|e| ConnectionError::Pipeline(e.to_string()))
    }

    async fn push_audio(&mut self, ts: u32, data: Bytes) -> Result<(), ConnectionError> {
        let Some(p) = self.publisher.as_mut() else {
            return Ok(());
        };
        if !p.seen_keyframe {
            return Ok(());
        }
        let pts = p.clock.audio(ts);
        self.keep_to_real_time(pts).await?;
        let Some(p) = self.publisher.as_mut() else {
            return Ok(());
        };
        p.newest_media = p.newest_media.max(pts);
        let Some((pipeline, _)) = &p.live else {
            return Ok(());
        };
        pipeline
            .push_audio(AudioFrame { pts, data })
            .await
            .map_err(|e| ConnectionError::Pipeline(e.to_string()))
    }

    /// A publisher whose timestamps run ahead of the wall clock is slowed down (this connection
    /// stops reading for a while, which TCP turns into back-pressure) and, far ahead, refused:
    /// otherwise it could fill every queue, or make the engine wait on media time that is hours
    /// away. Shutdown and revocation are honoured while it waits.
    async fn keep_to_real_time(&mut self, media_time: Duration) -> Result<(), ConnectionError> {
        let Some(p) = self.publisher.as_mut() else {
            return Ok(());
        };
        let started = *p.first_push.get_or_insert_with(tokio::time::Instant::now);
        let ahead = media_time
            .saturating_sub(p.clock.origin())
            .saturating_sub(started.elapsed());
        if ahead > AHEAD_REFUSED {
            return Err(ConnectionError::Media(format!(
                "timestamps run {:.0} s ahead of real time",
                ahead.as_secs_f64()
            )));
        }
        if ahead <= AHEAD_ALLOWED {
            return Ok(());
        }
        let shutdown = self.shared.shutdown.clone();
        let revoked = p.live_key.revoked.clone();
        tokio::select! {
            _ = shutdown.cancelled() => Err(ConnectionError::Shutdown),
            _ = revoked.cancelled() => Err(ConnectionError::Revoked),
            _ = tokio::time::sleep(ahead - AHEAD_ALLOWED) => Ok(()),
        }
    }

    /// Ends the stream, if one is running: its outputs are finalized before this returns.
    async fn end_stream(&mut self, reason: EndReason) {
        let Some(mut publisher) = self.publisher.take() else {
            return;
        };
        let grace = self.shared.config.reconnect_grace;
        match publisher.live.take() {
            Some((pipeline, failure))
                if reason == EndReason::ConnectionLost
                    && !grace.is_zero()
                    && failure.borrow().is_none() =>
            {
                let Publisher {
                    key,
                    grant,
                    live_key,
                    video_config,
                    audio_config,
                    newest_media,
                    ..
                } = publisher;
                // The key is released first, so the parked broadcast's revocation stays.
                drop(live_key);
                let Some((video_config, _)) = video_config else {
                    pipeline.finish(reason).await;
                    return;
                };
                info!(stream = %grant.stream_id, grace_seconds = grace.as_secs(), "publisher lost; the broadcast waits for it to come back");
                let parked = Parked::new(
                    grant.stream_id,
                    pipeline,
                    failure,
                    video_config,
                    audio_config.map(|(asc, _)| asc),
                    // One frame after the newest media, so timestamps keep increasing.
                    newest_media + Duration::from_millis(40),
                );
                self.shared.registry.park(
                    key,
                    parked,
                    grace,
                    self.shared.shutdown.clone(),
                    &self.shared.tracker,
                );
            }
            Some((pipeline, _)) => {
                pipeline.finish(reason).await;
            }
            None => {
                let stream_id = publisher.grant.stream_id.clone();
                let _ = self
                    .shared
                    .events
                    .send(StreamEvent::Abandoned { stream_id, reason })
                    .await;
            }
        }
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

async fn cancelled(token: Option<tokio_util::sync::CancellationToken>) {
    match token {
        Some(token) => token.cancelled().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The protocol session's settings, with this server's limits.
pub(super) fn session_config(config: &super::IngestConfig) -> ServerSessionConfig {
    let mut session_config = ServerSessionConfig::new();
    session_config.chunk_limits = ChunkLimits {
        max_message_length: config.max_message_bytes,
        max_buffered_bytes: config.max_buffered_bytes,
        ..ChunkLimits::default()
    };
    session_config
}

/// Parses a sequence header (`AVCDecoderConfigurationRecord`) and refuses a picture the engine
/// does not take.
pub(super) fn video_config(record: &[u8]) -> Result<AvcConfig, ConnectionError> {
    let config = flv::parse_avc_config(record).map_err(media_error)?;
    check_picture_size((config.width, config.height))?;
    Ok(config)
}

/// Checks every SPS sent inside an access unit like the sequence header's, and refuses one that
/// changes the picture size from `configured`.
pub(super) fn check_in_band_sps(
    access_unit: &[u8],
    configured: Option<(u32, u32)>,
) -> Result<(), ConnectionError> {
    for size in flv::in_band_sps_sizes(access_unit).map_err(media_error)? {
        check_picture_size(size)?;
        if configured.is_some_and(|c| c != size) {
            return Err(ConnectionError::Media(format!(
                "the video size changed mid-stream to {}x{}; restart the stream",
                size.0, size.1
            )));
        }
    }
    Ok(())
}

/// Refuses pictures larger than the engine takes (or empty ones).
fn check_picture_size((width, height): (u32, u32)) -> Result<(), ConnectionError> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels == 0 || pixels > MAX_PIXELS {
        return Err(ConnectionError::Media(format!(
            "video size {width}x{height} is not supported (at most 4096x2304)"
        )));
    }
    Ok(())
}

fn media_error(e: FlvError) -> ConnectionError {
    ConnectionError::Media(e.to_string())
}

/// Resolves with the reason once the pipeline reports a failure; pends forever without one.
async fn pipeline_failure(failure: Option<watch::Receiver<Option<String>>>) -> String {
    let Some(mut rx) = failure else {
        return std::future::pending().await;
    };
    loop {
        if let Some(reason) = rx.borrow_and_update().clone() {
            return reason;
        }
        if rx.changed().await.is_err() {
            return std::future::pending().await;
        }
    }
}
