//! One publishing stream, from its accepted `publish` to its end.
//!
//! A publisher first awaits its sequence headers, holding the media that arrives meanwhile
//! ([`State::AwaitingHeaders`]). Once the video configuration is known (and the audio's, or it
//! is clear there is none) it goes [`State::Live`]: a new pipeline is started, or a parked
//! broadcast of the same key is continued, and every frame from then on is rebased and pushed.

mod end;
mod takeover;
mod waits;

pub(crate) use end::{end_reason, log_end, ConnectionError};
pub(crate) use takeover::claim;
pub(crate) use waits::{cancelled, pipeline_failure, sleep_until};

use crate::live_keys::{LiveKey, Parked};
use crate::shared::Shared;
use crate::PublishGrant;
use bytes::Bytes;
use engine::pipeline::{AudioFrame, PipelineConfig, StreamPipeline, VideoFrame};
use engine::{EndReason, StreamEvent};
use media::enhanced;
use media::flv::{self, AudioConfig, AudioPacket, FlvError, VideoPacket};
use media::timestamps::StreamClock;
use media::{
    AudioCodecData, SourceAudio, SourceMedia, SourceVideo, StreamId, StreamKey, VideoCodec,
    VideoConfig,
};
use rml_rtmp::sessions::StreamMetadata;
use std::collections::VecDeque;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::info;

/// Media held while waiting for both sequence headers; beyond this the stream is refused.
const MAX_PENDING_BYTES: usize = 16 * 1024 * 1024;
/// How long to wait for an audio sequence header once video is ready before going video-only.
const AUDIO_GRACE: Duration = Duration::from_millis(1500);
/// Largest source accepted (4096x2304 pixels, "4K").
const MAX_PIXELS: u64 = 4096 * 2304;
/// How many times longer than the other one side of a picture may be (1:4 either way).
const MAX_ASPECT: u64 = 4;
/// How far a publisher's media time may run ahead of the wall clock before it is slowed down
/// (encoders send a little in advance, more after a reconnect).
const AHEAD_ALLOWED: Duration = Duration::from_secs(5);
/// Beyond this the timestamps are not a burst but a jump, and the stream is refused.
const AHEAD_REFUSED: Duration = Duration::from_secs(30);
/// A continued broadcast starts this long after its newest media (one frame), so timestamps
/// keep increasing.
const RESUME_GAP: Duration = Duration::from_millis(40);

/// A publisher whose key was accepted.
pub(super) struct Publisher {
    key: StreamKey,
    grant: PublishGrant,
    live_key: LiveKey,
    state: State,
}

/// Where a publisher is in its life.
enum State {
    /// The stream cannot start yet: its sequence headers are awaited.
    AwaitingHeaders(Awaiting),
    /// The pipeline runs and frames are pushed into it.
    Live(Live),
}

/// What a publisher has sent before its stream could start.
#[derive(Default)]
struct Awaiting {
    metadata: Option<StreamMetadata>,
    video: Option<(Bytes, VideoConfig)>,
    audio: Option<(AudioCodecData, AudioConfig)>,
    pending: VecDeque<Pending>,
    pending_bytes: usize,
    /// When the video sequence header arrived: audio is waited for [`AUDIO_GRACE`] after it.
    video_ready_at: Option<Instant>,
}

/// Media that arrived before the pipeline could be built.
enum Pending {
    Video { ts: u32, packet: VideoPacket },
    Audio { ts: u32, data: Bytes },
}

/// What a stream starts with, once its headers are in.
struct Start {
    video: (Bytes, VideoConfig),
    audio: Option<(AudioCodecData, AudioConfig)>,
    media: SourceMedia,
}

/// A running stream.
struct Live {
    pipeline: StreamPipeline,
    failure: watch::Receiver<Option<String>>,
    /// The sequence header the stream started with, and what it says.
    video: (Bytes, VideoConfig),
    /// The audio codec it started with, if it has audio.
    audio: Option<AudioCodecData>,
    clock: StreamClock,
    /// When the first frame went into the pipeline: media time is checked against it.
    first_push: Option<Instant>,
    /// The newest media time pushed (PTS or DTS); a continuation starts after it.
    newest_media: Duration,
    /// Decoding can only start at a keyframe: nothing is pushed before the first one.
    seen_keyframe: bool,
}

impl Publisher {
    /// A publisher that holds `live_key` and awaits its sequence headers.
    pub(super) fn new(key: StreamKey, grant: PublishGrant, live_key: LiveKey) -> Self {
        Self {
            key,
            grant,
            live_key,
            state: State::AwaitingHeaders(Awaiting::default()),
        }
    }

    /// Cancelled when the right to publish is taken away.
    pub(super) fn revoked(&self) -> CancellationToken {
        self.live_key.revoked.clone()
    }

    /// Cancelled when another connection takes the key over.
    pub(super) fn taken_over(&self) -> CancellationToken {
        self.live_key.taken_over()
    }

    /// Records that the connection received bytes.
    pub(super) fn touch(&self) {
        self.live_key.touch();
    }

    /// The running pipeline's failure, once live.
    pub(super) fn failure(&self) -> Option<watch::Receiver<Option<String>>> {
        match &self.state {
            State::Live(live) => Some(live.failure.clone()),
            State::AwaitingHeaders(_) => None,
        }
    }

    /// When a video-ready publisher has waited long enough for audio to go video-only.
    pub(super) fn audio_grace_deadline(&self) -> Option<Instant> {
        match &self.state {
            State::AwaitingHeaders(a) if a.audio.is_none() => {
                a.video_ready_at.map(|at| at + AUDIO_GRACE)
            }
            _ => None,
        }
    }

    /// `onMetaData`: what the publisher says about its stream, used until it starts.
    pub(super) async fn on_metadata(
        &mut self,
        shared: &Shared,
        metadata: StreamMetadata,
    ) -> Result<(), ConnectionError> {
        if let State::AwaitingHeaders(a) = &mut self.state {
            a.metadata = Some(metadata);
        }
        self.try_start(shared).await
    }

    /// A video message: its sequence header configures the stream (and must not change), a
    /// frame is checked, then held until the stream starts or pushed.
    pub(super) async fn on_video(
        &mut self,
        shared: &Shared,
        data: Bytes,
        ts: u32,
    ) -> Result<(), ConnectionError> {
        let (codec, packet) = parse_video_tag(&data)?;
        let configured = match &self.state {
            State::AwaitingHeaders(a) => a.video.as_ref(),
            State::Live(live) => Some(&live.video),
        };
        if let Some((_, config)) = configured {
            if config.codec != codec && !matches!(packet, VideoPacket::Ignored) {
                return Err(ConnectionError::Media(format!(
                    "the video codec changed mid-stream from {} to {}; restart the stream",
                    config.codec.name(),
                    codec.name()
                )));
            }
        }
        match &packet {
            VideoPacket::Ignored => return Ok(()),
            VideoPacket::SequenceHeader(record) => {
                if let Some((current, _)) = configured {
                    if current != record {
                        return Err(ConnectionError::Media(
                            "the video format changed mid-stream; restart the stream".into(),
                        ));
                    }
                    return Ok(());
                }
                let config = video_config(codec, record)?;
                if let State::AwaitingHeaders(a) = &mut self.state {
                    a.video = Some((record.clone(), config));
                    a.video_ready_at.get_or_insert_with(Instant::now);
                }
                return self.try_start(shared).await;
            }
            VideoPacket::Frame { data: au, .. } => {
                check_in_band_sizes(codec, au, configured.map(|(_, c)| (c.width, c.height)))?;
            }
        }
        match &mut self.state {
            State::AwaitingHeaders(a) => {
                a.hold(Pending::Video { ts, packet }, data.len())?;
                self.try_start(shared).await
            }
            State::Live(live) => live.push_video(shared, &self.live_key, ts, packet).await,
        }
    }

    /// An audio message: the first sequence header configures the stream's audio, a frame is
    /// held until the stream starts or pushed.
    pub(super) async fn on_audio(
        &mut self,
        shared: &Shared,
        data: Bytes,
        ts: u32,
    ) -> Result<(), ConnectionError> {
        match flv::parse_audio(&data).map_err(media_error)? {
            AudioPacket::SequenceHeader(asc) => {
                let State::AwaitingHeaders(a) = &mut self.state else {
                    return Ok(());
                };
                if a.audio.is_some() {
                    return Ok(());
                }
                let config = flv::parse_aac_config(&asc).map_err(media_error)?;
                a.audio = Some((AudioCodecData::Aac(asc), config));
                self.try_start(shared).await
            }
            AudioPacket::Mp3(frames) => match &mut self.state {
                State::AwaitingHeaders(a) => {
                    let len = frames.len();
                    let first = a.audio.is_none();
                    if first {
                        let config = flv::parse_mp3_header(&frames).map_err(media_error)?;
                        a.audio = Some((AudioCodecData::Mp3, config));
                    }
                    a.hold(Pending::Audio { ts, data: frames }, len)?;
                    if first {
                        return self.try_start(shared).await;
                    }
                    Ok(())
                }
                State::Live(live) => live.push_audio(shared, &self.live_key, ts, frames).await,
            },
            AudioPacket::Frame(frame) => match &mut self.state {
                State::AwaitingHeaders(a) => {
                    let len = frame.len();
                    a.hold(Pending::Audio { ts, data: frame }, len)
                }
                State::Live(live) => live.push_audio(shared, &self.live_key, ts, frame).await,
            },
        }
    }

    /// Starts the stream once the media is known well enough: continues the key's parked
    /// broadcast if the codecs match, otherwise starts a new pipeline.
    pub(super) async fn try_start(&mut self, shared: &Shared) -> Result<(), ConnectionError> {
        let State::AwaitingHeaders(awaiting) = &self.state else {
            return Ok(());
        };
        let Some(start) = awaiting.ready()? else {
            return Ok(());
        };
        if let Some(parked) = shared.registry.unpark(&self.key) {
            let same_codecs = parked.video_config == start.video.0
                && parked.audio_config == start.audio.as_ref().map(|(asc, _)| asc.clone());
            if same_codecs && parked.failure.borrow().is_none() {
                return self.resume(shared, parked, start).await;
            }
            info!(stream = %parked.stream_id, "the publisher came back with other codec settings; a new broadcast starts");
            parked.pipeline.finish(EndReason::ConnectionLost).await;
        }
        let Start {
            video,
            audio,
            media,
        } = start;
        let renditions = self.grant.ladder.plan(&media.video);
        if video.1.codec != VideoCodec::H264 && renditions.is_empty() {
            // Its passthrough alone would leave players without HEVC or AV1 with nothing.
            return Err(ConnectionError::Media(format!(
                "the ladder has no H.264 rendition for this {} source",
                video.1.codec.name()
            )));
        }
        let stream_id = self.grant.stream_id.clone();
        let layout = shared.config.layout();
        let config = PipelineConfig {
            stream_id: stream_id.clone(),
            media: media.clone(),
            video_codec: video.1.codec,
            video_codec_data: video.0.clone(),
            audio_codec_data: audio.as_ref().map(|(asc, _)| asc.clone()),
            ladder: self.grant.ladder.clone(),
            renditions: renditions.clone(),
            hls: self.grant.hls.clone(),
            hls_dir: layout.hls(&stream_id),
            archive_path: layout.archive(&stream_id),
            vod_dir: Some(layout.vod(&stream_id)),
            destinations: self.grant.destinations.clone(),
            allow_private_destinations: shared.config.allow_private_destinations,
        };
        if renditions.is_empty() && !self.grant.ladder.passthrough {
            return Err(ConnectionError::Media(
                "the ladder has no output for this source".into(),
            ));
        }
        let pipeline = StreamPipeline::start(config, shared.events.clone())
            .map_err(|e| ConnectionError::Pipeline(e.to_string()))?;
        let failure = pipeline.failure();
        let (width, height) = (video.1.width, video.1.height);
        let pending = self.go_live(Live::new(
            pipeline,
            failure,
            video,
            audio.map(|(asc, _)| asc),
            StreamClock::default(),
        ));
        info!(stream = %stream_id, width, height, renditions = renditions.len(), audio = media.audio.is_some(), "stream started");
        let _ = shared
            .events
            .send(StreamEvent::Started {
                stream_id,
                key: self.key.clone(),
                media,
                renditions,
                passthrough: self.grant.ladder.passthrough,
            })
            .await;
        self.push_pending(shared, pending).await
    }

    /// Continues a parked broadcast of this key: same stream id, same pipeline and archive, its
    /// timeline picking up just after what was already pushed.
    async fn resume(
        &mut self,
        shared: &Shared,
        parked: Parked,
        start: Start,
    ) -> Result<(), ConnectionError> {
        // The server forgets the stream id it granted this connection.
        let granted = std::mem::replace(&mut self.grant.stream_id, parked.stream_id.clone());
        self.live_key.move_to(&parked.stream_id);
        // The new publisher's keyframes have their own phase: segments follow them from here.
        parked.pipeline.hls().timeline().rejoin();
        let mut live = Live::new(
            parked.pipeline,
            parked.failure,
            start.video,
            start.audio.map(|(asc, _)| asc),
            StreamClock::resuming_at(parked.resume_at),
        );
        live.newest_media = parked.resume_at;
        let pending = self.go_live(live);
        forget(shared, granted).await;
        info!(stream = %parked.stream_id, resume_at = parked.resume_at.as_secs_f64(), "the publisher is back; the broadcast continues");
        self.push_pending(shared, pending).await
    }

    /// Becomes live; returns the media held until now.
    fn go_live(&mut self, live: Live) -> VecDeque<Pending> {
        match std::mem::replace(&mut self.state, State::Live(live)) {
            State::AwaitingHeaders(awaiting) => awaiting.pending,
            State::Live(_) => VecDeque::new(),
        }
    }

    /// Pushes the media that arrived before the pipeline was ready.
    async fn push_pending(
        &mut self,
        shared: &Shared,
        pending: VecDeque<Pending>,
    ) -> Result<(), ConnectionError> {
        let State::Live(live) = &mut self.state else {
            return Ok(());
        };
        for item in pending {
            match item {
                Pending::Video { ts, packet } => {
                    live.push_video(shared, &self.live_key, ts, packet).await?
                }
                Pending::Audio { ts, data } => {
                    live.push_audio(shared, &self.live_key, ts, data).await?
                }
            }
        }
        Ok(())
    }

    /// Ends the stream: its outputs are finalized before this returns, unless the publisher was
    /// lost and its broadcast is parked to wait for it. A stream that never started is
    /// abandoned.
    pub(super) async fn end(self, shared: &Shared, reason: EndReason) {
        let reason = match reason {
            EndReason::Revoked => self.live_key.revoked_reason(),
            other => other,
        };
        let Publisher {
            key,
            grant,
            live_key,
            state,
        } = self;
        let grace = shared.config.reconnect_grace;
        match state {
            State::Live(live)
                if reason == EndReason::ConnectionLost
                    && !grace.is_zero()
                    && live.failure.borrow().is_none() =>
            {
                // The key is released first, so the parked broadcast's revocation stays.
                drop(live_key);
                info!(stream = %grant.stream_id, grace_seconds = grace.as_secs(), "publisher lost; the broadcast waits for it to come back");
                let parked = Parked::new(
                    grant.stream_id,
                    live.pipeline,
                    live.failure,
                    live.video.0,
                    live.audio,
                    live.newest_media + RESUME_GAP,
                );
                shared
                    .registry
                    .park(key, parked, grace, shared.shutdown.clone(), &shared.tracker);
            }
            State::Live(live) => {
                live.pipeline.finish(reason).await;
            }
            State::AwaitingHeaders(_) => {
                let _ = shared
                    .events
                    .send(StreamEvent::Abandoned {
                        stream_id: grant.stream_id,
                        reason,
                    })
                    .await;
            }
        }
    }
}

impl Awaiting {
    /// Holds media until the stream starts, refusing a stream that never becomes ready.
    fn hold(&mut self, media: Pending, bytes: usize) -> Result<(), ConnectionError> {
        self.pending_bytes += bytes;
        self.pending.push_back(media);
        if self.pending_bytes <= MAX_PENDING_BYTES {
            return Ok(());
        }
        Err(ConnectionError::Media(if self.video.is_none() {
            "no video sequence header received (audio-only streams are not supported)".into()
        } else {
            "stream did not become ready".into()
        }))
    }

    /// What the stream starts with, once the video configuration is known and the audio's too
    /// (or the metadata says there is none, or the audio grace has run out).
    fn ready(&self) -> Result<Option<Start>, ConnectionError> {
        let Some(video) = self.video.clone() else {
            let says_no_video = self
                .metadata
                .as_ref()
                .is_some_and(|m| m.video_codec_id.is_none() && m.audio_codec_id.is_some());
            if says_no_video {
                return Err(ConnectionError::Media(
                    "audio-only streams are not supported; add a video source".into(),
                ));
            }
            return Ok(None);
        };
        let metadata_says_no_audio = self
            .metadata
            .as_ref()
            .is_some_and(|m| m.audio_codec_id.is_none() && m.audio_sample_rate.is_none());
        let waited = self
            .video_ready_at
            .is_some_and(|t| t.elapsed() >= AUDIO_GRACE);
        if self.audio.is_none() && !metadata_says_no_audio && !waited {
            return Ok(None);
        }
        let meta = self.metadata.clone().unwrap_or_else(StreamMetadata::new);
        let config = &video.1;
        let media = SourceMedia {
            video: SourceVideo {
                codec: config.codec_string.clone(),
                width: config.width,
                height: config.height,
                fps: config.fps.or(meta
                    .video_frame_rate
                    .map(f64::from)
                    .filter(|f| f.is_finite() && *f > 0.0 && *f <= 240.0)),
            },
            audio: self.audio.as_ref().map(|(_, a)| SourceAudio {
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
        Ok(Some(Start {
            video,
            audio: self.audio.clone(),
            media,
        }))
    }
}

impl Live {
    fn new(
        pipeline: StreamPipeline,
        failure: watch::Receiver<Option<String>>,
        video: (Bytes, VideoConfig),
        audio: Option<AudioCodecData>,
        clock: StreamClock,
    ) -> Self {
        Self {
            pipeline,
            failure,
            video,
            audio,
            clock,
            first_push: None,
            newest_media: Duration::ZERO,
            seen_keyframe: false,
        }
    }

    async fn push_video(
        &mut self,
        shared: &Shared,
        live_key: &LiveKey,
        ts: u32,
        packet: VideoPacket,
    ) -> Result<(), ConnectionError> {
        let VideoPacket::Frame {
            keyframe,
            composition_offset_ms,
            data,
        } = packet
        else {
            return Ok(());
        };
        if !self.seen_keyframe && !keyframe {
            return Ok(());
        }
        self.seen_keyframe = true;
        let (dts, pts) = self.clock.video(ts, composition_offset_ms);
        self.keep_to_real_time(shared, live_key, dts).await?;
        self.newest_media = self.newest_media.max(pts).max(dts);
        self.pipeline
            .push_video(VideoFrame {
                pts,
                dts,
                keyframe,
                data,
            })
            .await
            .map_err(|e| ConnectionError::Pipeline(e.to_string()))
    }

    async fn push_audio(
        &mut self,
        shared: &Shared,
        live_key: &LiveKey,
        ts: u32,
        data: Bytes,
    ) -> Result<(), ConnectionError> {
        if !self.seen_keyframe {
            return Ok(());
        }
        let pts = self.clock.audio(ts);
        self.keep_to_real_time(shared, live_key, pts).await?;
        self.newest_media = self.newest_media.max(pts);
        self.pipeline
            .push_audio(AudioFrame { pts, data })
            .await
            .map_err(|e| ConnectionError::Pipeline(e.to_string()))
    }

    /// A publisher whose timestamps run ahead of the wall clock is slowed down (this connection
    /// stops reading for a while, which TCP turns into back-pressure) and, far ahead, refused:
    /// otherwise it could fill every queue, or make the engine wait on media time that is hours
    /// away. Shutdown and revocation are honoured while it waits.
    async fn keep_to_real_time(
        &mut self,
        shared: &Shared,
        live_key: &LiveKey,
        media_time: Duration,
    ) -> Result<(), ConnectionError> {
        let started = *self.first_push.get_or_insert_with(Instant::now);
        let ahead = media_time
            .saturating_sub(self.clock.origin())
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
        tokio::select! {
            _ = shared.shutdown.cancelled() => Err(ConnectionError::Shutdown),
            _ = live_key.revoked.cancelled() => Err(ConnectionError::Revoked),
            _ = tokio::time::sleep(ahead - AHEAD_ALLOWED) => Ok(()),
        }
    }
}

/// Tells the server to forget a stream id it granted that will never carry a stream.
pub(super) async fn forget(shared: &Shared, stream_id: StreamId) {
    let _ = shared
        .events
        .send(StreamEvent::Abandoned {
            stream_id,
            reason: EndReason::PublisherStopped,
        })
        .await;
}

/// Parses a video tag body: Enhanced RTMP's (HEVC, AV1) names its codec by FourCC, a legacy
/// one is H.264.
pub(super) fn parse_video_tag(data: &Bytes) -> Result<(VideoCodec, VideoPacket), ConnectionError> {
    if enhanced::is_enhanced(data) {
        let tag = enhanced::parse(data).map_err(media_error)?;
        return Ok((tag.codec, tag.packet));
    }
    Ok((
        VideoCodec::H264,
        flv::parse_video(data).map_err(media_error)?,
    ))
}

/// Parses a sequence header (avcC, hvcC or av1C) and refuses a picture the engine does not take.
pub(super) fn video_config(
    codec: VideoCodec,
    record: &[u8],
) -> Result<VideoConfig, ConnectionError> {
    let config = VideoConfig::parse(codec, record).map_err(media_error)?;
    check_picture_size((config.width, config.height))?;
    Ok(config)
}

/// Checks every picture size sent inside an access unit (an H.264 or HEVC SPS, an AV1 sequence
/// header OBU) like the sequence header's, and refuses one that changes the picture size from
/// `configured`: a small sequence header followed by a huge in-band one would otherwise reach
/// the decoder.
pub(super) fn check_in_band_sizes(
    codec: VideoCodec,
    access_unit: &[u8],
    configured: Option<(u32, u32)>,
) -> Result<(), ConnectionError> {
    let sizes = match codec {
        VideoCodec::H264 => flv::in_band_sps_sizes(access_unit),
        VideoCodec::H265 => enhanced::in_band_hevc_sizes(access_unit),
        VideoCodec::Av1 => enhanced::in_band_av1_sizes(access_unit),
    }
    .map_err(media_error)?;
    for size in sizes {
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

/// Refuses pictures larger than the engine takes (or empty ones), and shapes further from square
/// than [`MAX_ASPECT`] either way: every buffer sized from one side (the preview tiles, the
/// thumbnail) would otherwise grow with the other.
fn check_picture_size((width, height): (u32, u32)) -> Result<(), ConnectionError> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels == 0 || pixels > MAX_PIXELS {
        return Err(ConnectionError::Media(format!(
            "video size {width}x{height} is not supported (at most 4096x2304)"
        )));
    }
    let (long, short) = (width.max(height), width.min(height));
    if u64::from(long) > MAX_ASPECT * u64::from(short) {
        return Err(ConnectionError::Media(format!(
            "video size {width}x{height} is not supported (its sides may differ by at most {MAX_ASPECT} times)"
        )));
    }
    Ok(())
}

fn media_error(e: FlvError) -> ConnectionError {
    ConnectionError::Media(e.to_string())
}
