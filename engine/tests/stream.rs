//! One stream's pipeline through its public handle, fed real H.264 made by GStreamer's own
//! test source and encoder: the events it reports and the files it leaves.

use bytes::Bytes;
use engine::pipeline::{PipelineConfig, StreamPipeline, VideoFrame};
use engine::{ArchiveSummary, EndReason, HlsSettings, StreamEvent};
use gst::prelude::*;
use hls::OutputLayout;
use media::flv::parse_avc_config;
use media::ladder::{Ladder, Rendition};
use media::ladder::{Profile, SpeedPreset};
use media::StreamId;
use media::{SourceMedia, SourceVideo};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

const WIDTH: u32 = 320;
const HEIGHT: u32 = 240;
const FPS: u32 = 30;

/// Encodes `frames` frames of the test pattern into H.264 the way a publisher sends it (AVC,
/// one access unit per buffer): the decoder configuration record and the frames.
fn encode_test_video(frames: u32) -> (Bytes, Vec<VideoFrame>) {
    engine::init().expect("GStreamer initialises");
    let pipeline = gst::parse::launch(&format!(
        "videotestsrc num-buffers={frames} pattern=ball \
         ! video/x-raw,format=I420,width={WIDTH},height={HEIGHT},framerate={FPS}/1 \
         ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={FPS} bitrate=2000 \
         ! video/x-h264,stream-format=avc,alignment=au \
         ! appsink name=out sync=false"
    ))
    .expect("the encoding pipeline parses")
    .downcast::<gst::Pipeline>()
    .expect("a pipeline");
    let sink = pipeline
        .by_name("out")
        .expect("appsink")
        .downcast::<gst_app::AppSink>()
        .expect("an appsink");
    pipeline.set_state(gst::State::Playing).expect("plays");
    let mut codec_data = None;
    let mut out = Vec::new();
    // x264enc starts its timestamps 1000 hours in; a publisher's start at zero.
    let mut base = None;
    while let Ok(sample) = sink.pull_sample() {
        if codec_data.is_none() {
            let caps = sample.caps().expect("caps");
            let s = caps.structure(0).expect("a structure");
            let record = s.get::<gst::Buffer>("codec_data").expect("codec_data");
            let map = record.map_readable().expect("readable");
            codec_data = Some(Bytes::copy_from_slice(map.as_slice()));
        }
        let buffer = sample.buffer().expect("a buffer");
        let map = buffer.map_readable().expect("readable");
        let pts = buffer.pts().expect("pts").nseconds();
        let dts = buffer.dts().map_or(pts, |t| t.nseconds());
        let base = *base.get_or_insert(dts);
        out.push(VideoFrame {
            pts: Duration::from_nanos(pts - base),
            dts: Duration::from_nanos(dts - base),
            keyframe: !buffer.flags().contains(gst::BufferFlags::DELTA_UNIT),
            data: Bytes::copy_from_slice(map.as_slice()),
        });
    }
    pipeline.set_state(gst::State::Null).expect("stops");
    assert_eq!(out.len(), frames as usize, "every frame was encoded");
    (codec_data.expect("the encoder sent its configuration"), out)
}

/// A fresh data directory under the system's temporary one.
fn data_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("engine-test-{}", StreamId::random()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    dir
}

/// A source-plus-one-rung stream of the test video, written under `layout`.
fn config(layout: &OutputLayout, codec_data: Bytes) -> PipelineConfig {
    let avc = parse_avc_config(&codec_data).expect("a valid decoder configuration");
    let video = SourceVideo {
        codec: avc.codec,
        width: avc.width,
        height: avc.height,
        fps: Some(f64::from(FPS)),
    };
    let ladder = Ladder {
        renditions: vec![Rendition {
            name: "180p".into(),
            width: 320,
            height: 180,
            max_fps: 30,
            video_kbps: 300,
            audio_kbps: None,
            speed_preset: SpeedPreset::Ultrafast,
            profile: Profile::Main,
        }],
        passthrough: true,
    };
    let stream_id = StreamId::random();
    PipelineConfig {
        renditions: ladder.plan(&video),
        media: SourceMedia {
            video,
            audio: None,
            encoder: None,
            announced_kbps: None,
        },
        video_codec: media::VideoCodec::H264,
        video_codec_data: codec_data,
        audio_codec_data: None,
        ladder,
        hls: HlsSettings {
            segment_duration: Duration::from_secs(1),
            window_segments: 6,
            part_duration: Duration::from_millis(400),
            thumbnail_interval: None,
        },
        hls_dir: layout.hls(&stream_id),
        archive_path: layout.archive(&stream_id),
        vod_dir: None,
        destinations: None,
        allow_private_destinations: false,
        stream_id,
    }
}

/// A started stream of the test video, with what its tests look at.
struct TestStream {
    layout: OutputLayout,
    id: StreamId,
    /// The handle, until the test finishes or drops it.
    pipeline: Option<StreamPipeline>,
    events: mpsc::Receiver<StreamEvent>,
    frames: Vec<VideoFrame>,
}

impl TestStream {
    /// Encodes `frames` frames and starts their stream, after `adjust` has had its say on the
    /// configuration.
    fn start(frames: u32, adjust: impl FnOnce(&mut PipelineConfig)) -> Self {
        let (codec_data, frames) = encode_test_video(frames);
        let layout = OutputLayout::new(data_dir());
        let mut config = config(&layout, codec_data);
        adjust(&mut config);
        let id = config.stream_id.clone();
        let (tx, events) = mpsc::channel(64);
        let pipeline = StreamPipeline::start(config, tx).expect("the pipeline starts");
        Self {
            layout,
            id,
            pipeline: Some(pipeline),
            events,
            frames,
        }
    }

    fn handle(&self) -> &StreamPipeline {
        self.pipeline.as_ref().expect("the stream's handle")
    }

    /// Pushes every frame at once; false if the pipeline refused one.
    async fn publish(&mut self) -> bool {
        self.publish_paced(false).await
    }

    /// Pushes every frame, in real time when `paced` as a live publisher does (faster than
    /// that, the ladder drops frames to stay real time); false if the pipeline refused one.
    async fn publish_paced(&mut self, paced: bool) -> bool {
        let started = tokio::time::Instant::now();
        for frame in std::mem::take(&mut self.frames) {
            if paced {
                tokio::time::sleep_until(started + frame.dts).await;
            }
            if self.handle().push_video(frame).await.is_err() {
                return false;
            }
        }
        true
    }

    /// The next event that is not a stats report.
    async fn next_event(&mut self) -> StreamEvent {
        loop {
            let event = tokio::time::timeout(Duration::from_secs(30), self.events.recv())
                .await
                .expect("an event within 30 s")
                .expect("the events channel stays open");
            if !matches!(event, StreamEvent::Stats { .. }) {
                return event;
            }
        }
    }

    /// The stream's `Ended` event, after `Playable` if that comes first.
    async fn ended(&mut self) -> (EndReason, ArchiveSummary) {
        loop {
            match self.next_event().await {
                StreamEvent::Playable { .. } => continue,
                StreamEvent::Ended {
                    stream_id,
                    reason,
                    archive,
                } => {
                    assert_eq!(stream_id, self.id);
                    return (reason, archive);
                }
                other => panic!("expected Ended, got {other:?}"),
            }
        }
    }
}

impl Drop for TestStream {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.layout.data_dir());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_becomes_playable_then_ends_with_its_archive_finalized() {
    let mut stream = TestStream::start(90, |_| {});
    assert!(
        stream.publish_paced(true).await,
        "the pipeline takes every frame"
    );

    let StreamEvent::Playable { stream_id, hls } = stream.next_event().await else {
        panic!("the first event is Playable");
    };
    assert_eq!(stream_id, stream.id);
    let text = hls
        .multivariant()
        .expect("the multivariant playlist exists");
    let playlist = m3u8_rs::parse_master_playlist_res(&text).expect("it parses");
    let mut variants: Vec<(&str, u64, u64)> = playlist
        .variants
        .iter()
        .map(|v| {
            let r = v.resolution.expect("a resolution");
            (v.uri.as_str(), r.width, r.height)
        })
        .collect();
    // In bandwidth order, which depends on what was measured so far.
    variants.sort();
    assert_eq!(
        variants,
        [
            ("180p/playlist.m3u8", 240, 180),
            ("source/playlist.m3u8", 320, 240)
        ]
    );

    let summary = stream
        .pipeline
        .take()
        .expect("the stream's handle")
        .finish(EndReason::PublisherStopped)
        .await
        .expect("a summary of the end");
    assert_eq!(summary.path, stream.layout.archive(&stream.id));
    assert!(summary.finalized, "the archive is finalized");
    assert!(summary.bytes > 0, "the archive holds the stream");
    assert_eq!(
        summary.duration,
        Duration::from_nanos(89 * 1_000_000_000 / u64::from(FPS)),
        "the archive lasts until its last frame"
    );
    assert_eq!(stream.ended().await, (EndReason::PublisherStopped, summary));

    // Every rendition splits its segments and parts at the same instants: the same media
    // sequence numbers, the same segment durations, the same parts.
    let shape = |name: &str| {
        let text = hls.rendition(name).expect(name).playlist(&[], false);
        assert!(text.ends_with("#EXT-X-ENDLIST\n"), "{text}");
        text.lines()
            .filter(|l| {
                l.starts_with("#EXTINF:") || l.starts_with("#EXT-X-PART:") || l.ends_with(".m4s")
            })
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let source = shape("source");
    assert_eq!(source, shape("180p"));
    assert_eq!(
        source
            .iter()
            .filter(|l| l.starts_with("#EXTINF:1.0"))
            .count(),
        3,
        "{source:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_branch_ends_the_stream_naming_the_element_and_gstreamers_reason() {
    // A full disk under the archive: its file sink fails once it writes.
    let mut stream = TestStream::start(90, |config| {
        config.archive_path = PathBuf::from("/dev/full");
    });
    let mut failure = stream.handle().failure();
    stream.publish().await;
    let reason = tokio::time::timeout(Duration::from_secs(30), failure.wait_for(Option::is_some))
        .await
        .expect("the pipeline fails within 30 s")
        .expect("the failure is reported")
        .clone();
    let expected = "archive-sink: No space left on the resource.";
    assert_eq!(reason.as_deref(), Some(expected));
    let (reason, _) = stream.ended().await;
    assert_eq!(reason, EndReason::PipelineError(expected.into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handle_dropped_without_finish_ends_the_stream_as_connection_lost() {
    let mut stream = TestStream::start(30, |_| {});
    assert!(stream.publish().await, "the pipeline takes every frame");
    drop(stream.pipeline.take());
    let (reason, archive) = stream.ended().await;
    assert_eq!(reason, EndReason::ConnectionLost);
    assert_eq!(archive.path, stream.layout.archive(&stream.id));
    assert!(archive.finalized, "the archive is still finalized");
}

/// Behind the ingest's checks of every sequence header, the decoder's pictures must be the size
/// the publisher announced: a 320x240 picture in a stream announced as 160x120 ends the stream
/// with a reason naming both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decoded_picture_of_another_size_than_announced_ends_the_stream() {
    let mut stream = TestStream::start(30, |config| {
        config.media.video.width = 160;
        config.media.video.height = 120;
    });
    let mut failure = stream.handle().failure();
    stream.publish().await;
    let reason = tokio::time::timeout(Duration::from_secs(30), failure.wait_for(Option::is_some))
        .await
        .expect("the pipeline fails within 30 s")
        .expect("the failure is reported")
        .clone()
        .unwrap_or_default();
    assert!(
        reason.contains("the decoded picture is 320x240, not the announced 160x120"),
        "{reason}"
    );
    let (ended, _) = stream.ended().await;
    assert_eq!(ended, EndReason::PipelineError(reason));
}
