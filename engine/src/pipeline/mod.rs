//! One GStreamer pipeline per published stream, owned by a supervisor task.
//!
//! [`StreamPipeline`] is the handle the ingest side holds: it pushes frames and asks for the
//! end. The supervisor task owns the pipeline, watches its bus, writes the multivariant
//! playlist, reports [`StreamEvent`]s and always finalizes the archive.

mod graph;
mod supervisor;

use crate::events::{ArchiveSummary, EndReason, StreamEvent};
use crate::restream::{Restreamer, SourceFormat};
use bytes::Bytes;
use gst_app::AppSrc;
use hls::layout::HlsDir;
use hls::LiveHls;
use media::ladder::{Ladder, PlannedRendition};
use media::{SourceMedia, StreamId, VideoCodec};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};

pub use crate::error::PipelineError;
pub use graph::AUDIO_RENDITION;
pub use hls::layout::THUMBNAIL_FILE;

/// HLS output settings of one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HlsSettings {
    /// Target segment duration; segments end at the first source keyframe after it.
    pub segment_duration: Duration,
    /// How many segments a live media playlist lists.
    pub window_segments: u32,
    /// LL-HLS part target (`EXT-X-PART-INF:PART-TARGET`); no part is longer.
    pub part_duration: Duration,
    /// How often the JPEG thumbnail beside the playlists is refreshed; `None` writes none.
    pub thumbnail_interval: Option<Duration>,
}

/// The default part: 0.4 s is a whole number of frames at 25, 30, 50 and 60 fps (10, 12, 20 and
/// 24), five parts make a 2 s segment, and PART-HOLD-BACK (three parts) is 1.2 s.
pub const DEFAULT_PART: Duration = Duration::from_millis(400);

impl HlsSettings {
    /// `EXT-X-TARGETDURATION`: the segment duration in whole seconds, rounded up.
    pub fn target_duration(&self) -> u32 {
        u32::try_from(self.segment_duration.as_secs_f64().ceil() as u64)
            .unwrap_or(u32::MAX)
            .max(1)
    }

    /// How every rendition of a stream is packaged.
    pub fn packaging(&self) -> hls::live::Settings {
        hls::live::Settings {
            part_target: self.part_duration,
            target_duration: hls::live::TargetDuration::fixed(self.target_duration()),
            window_segments: self.window_segments.max(1) as usize,
            anchor: std::time::SystemTime::now(),
        }
    }
}

impl Default for HlsSettings {
    fn default() -> Self {
        Self {
            segment_duration: Duration::from_secs(2),
            window_segments: 6,
            part_duration: DEFAULT_PART,
            thumbnail_interval: Some(Duration::from_secs(10)),
        }
    }
}

/// Everything needed to build a stream's pipeline.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    pub stream_id: StreamId,
    pub media: SourceMedia,
    /// The source's video codec.
    pub video_codec: VideoCodec,
    /// The publisher's decoder configuration record for it (avcC, hvcC or av1C).
    pub video_codec_data: Bytes,
    /// The source's audio codec (and AAC's `AudioSpecificConfig`), if the stream has audio.
    pub audio_codec_data: Option<media::AudioCodecData>,
    pub ladder: Ladder,
    /// The ladder resolved for this source.
    pub renditions: Vec<PlannedRendition>,
    pub hls: HlsSettings,
    /// This stream's HLS output (multivariant playlist at its root).
    pub hls_dir: HlsDir,
    pub archive_path: PathBuf,
    /// Where the recording is also kept as HLS VOD (the live segments; see [`crate::vod`]).
    pub vod_dir: Option<PathBuf>,
    /// Where the source is also pushed, as it is (restreaming).
    pub destinations: Option<crate::restream::Destinations>,
    /// Whether those may be on loopback, private or link-local addresses.
    pub allow_private_destinations: bool,
}

/// One H.264 access unit with timestamps relative to the stream's start.
#[derive(Debug, Clone)]
pub struct VideoFrame {
    pub pts: Duration,
    pub dts: Duration,
    pub keyframe: bool,
    pub data: Bytes,
}

/// One raw AAC frame (or MP3 frames) with its timestamp relative to the stream's start.
#[derive(Debug, Clone)]
pub struct AudioFrame {
    pub pts: Duration,
    pub data: Bytes,
}

/// Counters the pushing side and pad probes update, read by the supervisor for stats.
#[derive(Default)]
struct Counters {
    input_bytes: AtomicU64,
    video_frames: AtomicU64,
    /// Newest source video PTS + 1 ns (0 = none yet).
    newest_input_pts: AtomicU64,
    last_keyframe_pts: AtomicU64,
    keyframe_interval_ns: AtomicU64,
    /// End of the newest archived media, for the archive's duration.
    archive_end_ns: AtomicU64,
}

/// Commands from the handle to the supervisor.
enum Command {
    Finish {
        reason: EndReason,
        reply: oneshot::Sender<ArchiveSummary>,
    },
}

/// How long a push may wait for a stalled pipeline before the stream is given up.
const STALL_LIMIT: Duration = Duration::from_secs(10);

/// Handle to a running stream pipeline.
pub struct StreamPipeline {
    stream_id: StreamId,
    video_src: AppSrc,
    audio_src: Option<AppSrc>,
    archive_video_src: AppSrc,
    archive_audio_src: Option<AppSrc>,
    counters: Arc<Counters>,
    commands: mpsc::Sender<Command>,
    failure: watch::Receiver<Option<String>>,
    hls: LiveHls,
    restreamer: Restreamer,
}

impl StreamPipeline {
    /// Builds and starts the pipeline; its supervisor reports to `events`.
    ///
    /// Must be called inside a tokio runtime.
    pub fn start(
        config: PipelineConfig,
        events: mpsc::Sender<StreamEvent>,
    ) -> Result<Self, PipelineError> {
        crate::init()?;
        let hls_dir = config.hls_dir.path();
        std::fs::create_dir_all(hls_dir).map_err(|e| PipelineError::Io(hls_dir.to_owned(), e))?;
        let hls = graph::live_hls(&config);
        let vod = match &config.vod_dir {
            Some(dir) => {
                let vod = crate::vod::VodRecorder::start(dir.clone(), config.hls.target_duration())
                    .map_err(|e| PipelineError::Io(dir.clone(), e))?;
                hls.record(vod.recorder());
                Some(vod)
            }
            None => None,
        };
        let graph = graph::build(&config, &hls, vod.as_ref())?;
        let counters = Arc::new(Counters::default());
        let (commands_tx, commands_rx) = mpsc::channel(4);
        let (failure_tx, failure_rx) = watch::channel(None);
        let (video_caps, video_caps_rx) = watch::channel(None);
        let restreamer = Restreamer::start(
            SourceFormat {
                stream_id: config.stream_id.clone(),
                video: video_caps_rx,
                audio: graph.audio_src.as_ref().and_then(|src| src.caps()),
                allow_private: config.allow_private_destinations,
            },
            config.video_codec,
            config.destinations.clone(),
        );
        if config.video_codec == VideoCodec::H264 {
            video_caps.send_replace(graph.video_src.caps());
        } else if let Some(pad) = largest_rung_input(&config, &graph) {
            // Restreaming sends H.264: for an HEVC or AV1 source, its largest rung.
            restreamer.tap_rung(&pad, video_caps);
        }
        let handle = Self {
            stream_id: config.stream_id.clone(),
            video_src: graph.video_src.clone(),
            audio_src: graph.audio_src.clone(),
            archive_video_src: graph.archive_video_src.clone(),
            archive_audio_src: graph.archive_audio_src.clone(),
            counters: counters.clone(),
            commands: commands_tx,
            failure: failure_rx,
            hls: hls.clone(),
            restreamer: restreamer.clone(),
        };
        let supervisor = supervisor::Supervisor::new(
            config, graph, hls, counters, events, failure_tx, restreamer,
        )?;
        tokio::spawn(supervisor.run(commands_rx));
        Ok(handle)
    }

    /// The stream this pipeline serves.
    pub fn stream_id(&self) -> &StreamId {
        &self.stream_id
    }

    /// The stream's live HLS output.
    pub fn hls(&self) -> &LiveHls {
        &self.hls
    }

    /// Becomes `Some(reason)` when the pipeline fails on its own.
    pub fn failure(&self) -> watch::Receiver<Option<String>> {
        self.failure.clone()
    }

    /// Pushes one video access unit into the live and archive branches.
    pub async fn push_video(&self, frame: VideoFrame) -> Result<(), PipelineError> {
        let len = frame.data.len() as u64;
        let mut buffer = gst::Buffer::from_slice(frame.data);
        {
            let b = buffer.get_mut().ok_or(PipelineError::Ended)?;
            b.set_pts(clock(frame.pts));
            b.set_dts(clock(frame.dts));
            if !frame.keyframe {
                b.set_flags(gst::BufferFlags::DELTA_UNIT);
            }
        }
        let c = &self.counters;
        c.input_bytes.fetch_add(len, Ordering::Relaxed);
        c.video_frames.fetch_add(1, Ordering::Relaxed);
        let pts_ns = frame.pts.as_nanos() as u64;
        c.newest_input_pts.fetch_max(pts_ns + 1, Ordering::Relaxed);
        c.archive_end_ns.fetch_max(pts_ns, Ordering::Relaxed);
        // Decided before the frame enters the pipeline, so every rendition finds it decided.
        self.hls.timeline().on_video(frame.pts, frame.keyframe);
        if frame.keyframe {
            let previous = c.last_keyframe_pts.swap(pts_ns + 1, Ordering::Relaxed);
            if previous != 0 && pts_ns + 1 > previous {
                c.keyframe_interval_ns
                    .store(pts_ns + 1 - previous, Ordering::Relaxed);
            }
        }
        self.restreamer.offer_source_video(&buffer);
        self.push(&self.archive_video_src, buffer.clone()).await?;
        self.push(&self.video_src, buffer).await
    }

    /// Pushes one AAC frame into the live and archive branches (ignored for video-only streams).
    pub async fn push_audio(&self, frame: AudioFrame) -> Result<(), PipelineError> {
        let (Some(live), Some(archive)) = (&self.audio_src, &self.archive_audio_src) else {
            return Ok(());
        };
        self.counters
            .input_bytes
            .fetch_add(frame.data.len() as u64, Ordering::Relaxed);
        let mut buffer = gst::Buffer::from_slice(frame.data);
        if let Some(b) = buffer.get_mut() {
            b.set_pts(clock(frame.pts));
            b.set_dts(clock(frame.pts));
        }
        self.counters
            .archive_end_ns
            .fetch_max(frame.pts.as_nanos() as u64, Ordering::Relaxed);
        self.restreamer.offer_audio(&buffer);
        self.push(archive, buffer.clone()).await?;
        self.push(live, buffer).await
    }

    /// Waits while `src` is full (back-pressure to the publisher), then queues the buffer.
    async fn push(&self, src: &AppSrc, buffer: gst::Buffer) -> Result<(), PipelineError> {
        let started = tokio::time::Instant::now();
        while src.current_level_bytes() >= graph::APPSRC_MAX_BYTES {
            if self.failure.borrow().is_some() {
                return Err(PipelineError::Ended);
            }
            if started.elapsed() > STALL_LIMIT {
                return Err(PipelineError::Stalled(STALL_LIMIT));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        src.push_buffer(buffer)
            .map(|_| ())
            .map_err(|_| PipelineError::Ended)
    }

    /// Ends the stream: drains and finalizes every output and reports `Ended`.
    ///
    /// If the pipeline already ended on its own, returns the summary of that end.
    pub async fn finish(self, reason: EndReason) -> Option<ArchiveSummary> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::Finish { reason, reply })
            .await
            .ok()?;
        answer.await.ok()
    }
}

/// The sink pad of the HLS output of the stream's largest encoded rendition, if it has one.
fn largest_rung_input(config: &PipelineConfig, graph: &graph::Graph) -> Option<gst::Pad> {
    let largest = config
        .renditions
        .iter()
        .max_by_key(|r| u64::from(r.width) * u64::from(r.height))?;
    graph
        .hls_sinks
        .iter()
        .find(|(name, _)| *name == largest.name)
        .and_then(|(_, sink)| gst::prelude::ElementExt::static_pad(sink, "sink"))
}

fn clock(d: Duration) -> gst::ClockTime {
    gst::ClockTime::from_nseconds(d.as_nanos() as u64)
}

impl Drop for StreamPipeline {
    fn drop(&mut self) {
        // A handle dropped without finish() (a panicking connection task, for example) still
        // ends the stream: end-of-stream lets the muxers finalize; the supervisor sees the
        // command channel close and tears the pipeline down.
        let _ = self.video_src.end_of_stream();
        let _ = self.archive_video_src.end_of_stream();
        if let Some(src) = &self.audio_src {
            let _ = src.end_of_stream();
        }
        if let Some(src) = &self.archive_audio_src {
            let _ = src.end_of_stream();
        }
    }
}
