//! Builds the GStreamer element graph of one stream.
//!
//! ```text
//! video appsrc ─ h264parse ─ tee ─┬─ queue ─ hlscmafsink (source)                  [passthrough]
//!                                 └─ queue ─ avdec_h264 ─┐   (source keyframes force encoder keyframes)
//!        ┌───────────────────────────────────────────────┘
//!        └─ queue ─ scale 1080p ─ tee ─┬─ queue ─ x264enc ─ hlscmafsink (1080p)
//!                                      └─ queue ─ scale 720p ─ tee ─┬─ queue ─ x264enc ─ ...
//!                                                                   └─ ... (each rung scaled from
//!                                                                           the next larger one)
//! smallest rung's tee ─ leaky queue ─ scale ─ jpegenc ─ appsink                 [thumbnail.jpg]
//!   (one frame per interval; without renditions, source keyframes are decoded for it instead)
//! audio appsrc ─ aacparse ─ hlscmafsink (audio)
//! archive video appsrc ─ queue ───────────┐
//! archive audio appsrc ─ aacparse ─ queue ─┴─ matroskamux ─ filesink                [MKV archive]
//! ```
//!
//! The archive has its own appsrcs so that a failure anywhere in the transcoding part can never
//! starve it: the archive is always finalized.
//!
//! A ladder heavier than the machine degrades instead of stalling: nothing in the transcoding
//! part ever blocks the source tee. The decoder's queue drops whole GOPs once it is more than
//! [`DECODE_BACKLOG`] behind, and every raw-video queue holds at most [`RAW_QUEUE_FRAMES`] frames
//! and drops new ones beyond that (never the frame an encoder was asked to make a keyframe).
//! Each drop is counted per rendition, so the passthrough, the audio and the archive stay real
//! time and memory stays bounded by frames, whatever the rungs cost.

use super::{PipelineConfig, PipelineError};
use crate::ladder::{PlannedRendition, SOURCE_RENDITION};
use gst::prelude::*;
use gst_app::AppSrc;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Name of the audio media playlist directory.
pub const AUDIO_RENDITION: &str = "audio";
/// Name prefix of every HLS sink; the rest is the rendition name.
pub const HLS_SINK_PREFIX: &str = "hls-";
/// Name of the archive's file sink.
pub const ARCHIVE_SINK: &str = "archive-sink";
/// The live thumbnail, beside the multivariant playlist.
pub const THUMBNAIL_FILE: &str = "thumbnail.jpg";
/// Width of the thumbnail (never wider than the source).
const THUMBNAIL_WIDTH: u32 = 480;
/// Upper bound of what each appsrc buffers before the publisher is slowed down.
pub const APPSRC_MAX_BYTES: u64 = 8 * 1024 * 1024;
/// Raw frames a scaler's or encoder's queue holds; beyond that new frames are dropped.
pub const RAW_QUEUE_FRAMES: u32 = 4;
/// How far the decoder may fall behind before whole GOPs of the source are dropped before it.
pub const DECODE_BACKLOG: Duration = Duration::from_secs(1);

/// Frames dropped to keep transcoding real time: before the decoder (every rendition loses
/// them) and per rendition.
#[derive(Default)]
pub struct Drops {
    pub before_decoder: Arc<AtomicU64>,
    pub by_rendition: HashMap<String, Arc<AtomicU64>>,
}

impl Drops {
    /// Frames rendition `name` has lost so far (0 for the passthrough).
    pub fn of(&self, name: &str) -> u64 {
        match self.by_rendition.get(name) {
            Some(own) => own.load(Ordering::Relaxed) + self.before_decoder.load(Ordering::Relaxed),
            None => 0,
        }
    }
}

/// The elements the rest of the engine talks to.
pub struct Graph {
    pub pipeline: gst::Pipeline,
    pub video_src: AppSrc,
    pub audio_src: Option<AppSrc>,
    pub archive_video_src: AppSrc,
    pub archive_audio_src: Option<AppSrc>,
    /// Every HLS sink, video renditions first (passthrough included), audio last.
    pub hls_sinks: Vec<(String, gst::Element)>,
    /// The pad whose buffers drive the encoders' keyframes (decoder input), if anything is encoded.
    pub keyframe_pad: Option<gst::Pad>,
    pub archive_sink: gst::Element,
    pub drops: Drops,
}

fn make(factory: &str, name: &str) -> Result<gst::Element, PipelineError> {
    gst::ElementFactory::make(factory)
        .name(name)
        .build()
        .map_err(PipelineError::element(factory))
}

fn queue(name: &str) -> Result<gst::Element, PipelineError> {
    // Bounded by time only: a stalled branch backs up to the appsrc, which slows the publisher.
    gst::ElementFactory::make("queue")
        .name(name)
        .property("max-size-buffers", 0u32)
        .property("max-size-bytes", 0u32)
        .property("max-size-time", gst::ClockTime::from_seconds(3).nseconds())
        .build()
        .map_err(PipelineError::element("queue"))
}

/// A queue of raw frames that never blocks its tee: beyond [`RAW_QUEUE_FRAMES`] new frames are
/// dropped and counted, except the first frame after a keyframe request, which an encoder must
/// see so that every rendition keeps the source's segment boundaries.
fn raw_queue(name: &str, dropped: Arc<AtomicU64>) -> Result<gst::Element, PipelineError> {
    let q = gst::ElementFactory::make("queue")
        .name(name)
        // The one frame let through past the limit must still fit without blocking.
        .property("max-size-buffers", RAW_QUEUE_FRAMES + 2)
        .property("max-size-bytes", 0u32)
        .property("max-size-time", 0u64)
        .build()
        .map_err(PipelineError::element("queue"))?;
    let keyframe_requested = AtomicBool::new(false);
    let level = q.downgrade();
    if let Some(pad) = q.static_pad("sink") {
        pad.add_probe(
            gst::PadProbeType::BUFFER | gst::PadProbeType::EVENT_DOWNSTREAM,
            move |_, info| {
                match &info.data {
                    Some(gst::PadProbeData::Event(event)) => {
                        if gst_video::ForceKeyUnitEvent::is(event) {
                            keyframe_requested.store(true, Ordering::Relaxed);
                        }
                        gst::PadProbeReturn::Ok
                    }
                    Some(gst::PadProbeData::Buffer(_)) => {
                        if keyframe_requested.swap(false, Ordering::Relaxed) {
                            return gst::PadProbeReturn::Ok;
                        }
                        let queued = level
                            .upgrade()
                            .map_or(0, |q| q.property::<u32>("current-level-buffers"));
                        if queued < RAW_QUEUE_FRAMES {
                            return gst::PadProbeReturn::Ok;
                        }
                        dropped.fetch_add(1, Ordering::Relaxed);
                        // `Handled` (the binding releases the buffer), not `Drop`: see
                        // `add_thumbnail` for the GStreamer 1.22 double release.
                        gst::PadProbeReturn::Handled
                    }
                    _ => gst::PadProbeReturn::Ok,
                }
            },
        );
    }
    Ok(q)
}

/// The queue before the decoder: once it holds more than [`DECODE_BACKLOG`] of source, frames are
/// dropped up to a keyframe that finds it half empty again, so the decoder only ever sees whole
/// GOPs and the source tee is never held back.
fn decode_queue(dropped: Arc<AtomicU64>) -> Result<gst::Element, PipelineError> {
    let q = queue("decode-queue")?;
    let dropping = AtomicBool::new(false);
    let level = q.downgrade();
    let backlog = DECODE_BACKLOG.as_nanos() as u64;
    if let Some(pad) = q.static_pad("sink") {
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            let Some(buffer) = info.buffer() else {
                return gst::PadProbeReturn::Ok;
            };
            let queued = level
                .upgrade()
                .map_or(0, |q| q.property::<u64>("current-level-time"));
            let keyframe = !buffer.flags().contains(gst::BufferFlags::DELTA_UNIT);
            if dropping.load(Ordering::Relaxed) {
                if !(keyframe && queued < backlog / 2) {
                    dropped.fetch_add(1, Ordering::Relaxed);
                    return gst::PadProbeReturn::Handled;
                }
                dropping.store(false, Ordering::Relaxed);
            } else if queued > backlog && !keyframe {
                dropping.store(true, Ordering::Relaxed);
                dropped.fetch_add(1, Ordering::Relaxed);
                return gst::PadProbeReturn::Handled;
            }
            gst::PadProbeReturn::Ok
        });
    }
    Ok(q)
}

fn appsrc(name: &str, caps: &gst::Caps) -> AppSrc {
    AppSrc::builder()
        .name(name)
        .caps(caps)
        .format(gst::Format::Time)
        .is_live(true)
        .do_timestamp(false)
        .stream_type(gst_app::AppStreamType::Stream)
        .max_bytes(APPSRC_MAX_BYTES)
        .block(false)
        .build()
}

fn hls_sink(config: &PipelineConfig, rendition: &str) -> Result<gst::Element, PipelineError> {
    let dir = config.hls_dir.join(rendition);
    std::fs::create_dir_all(&dir).map_err(|e| PipelineError::Io(dir.clone(), e))?;
    let path = |file: &str| path_str(&dir.join(file));
    let target = config.hls.segment_duration.as_secs().max(1) as u32;
    let window = config.hls.window_segments.max(1);
    let sink = gst::ElementFactory::make("hlscmafsink")
        .name(format!("{HLS_SINK_PREFIX}{rendition}"))
        .property("target-duration", target)
        .property("playlist-length", window)
        // Keep a few segments beyond the window for players still fetching them.
        .property("max-files", window + 3)
        .property("playlist-location", path("playlist.m3u8"))
        .property("location", path("segment%05d.m4s"))
        .property("init-location", path("init%02d.mp4"))
        .property("sync", false)
        .property("enable-endlist", true)
        .build()
        .map_err(PipelineError::element("hlscmafsink"))?;
    if let Some(mux) = sink
        .downcast_ref::<gst::Bin>()
        .and_then(|b| b.by_name("muxer"))
    {
        // Fragment boundaries follow the source's keyframes, not the muxer's own requests, so
        // every rendition splits at the same instants.
        mux.set_property("send-force-keyunit", false);
        mux.set_property(
            "fragment-duration",
            gst::ClockTime::from_nseconds(config.hls.segment_duration.as_nanos() as u64),
        );
    }
    Ok(sink)
}

fn path_str(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Builds the whole graph for `config`; nothing is running yet.
pub fn build(config: &PipelineConfig) -> Result<Graph, PipelineError> {
    let pipeline = gst::Pipeline::with_name(&format!("stream-{}", config.stream_id));
    let mut hls_sinks = Vec::new();
    let mut drops = Drops::default();

    // Size (and rate, when known) go into the caps: matroskamux needs them up front.
    let source = &config.media.video;
    let mut video_caps = gst::Caps::builder("video/x-h264")
        .field("stream-format", "avc")
        .field("alignment", "au")
        .field(
            "codec_data",
            gst::Buffer::from_slice(config.video_codec_data.clone()),
        )
        .field("width", source.width as i32)
        .field("height", source.height as i32);
    if let Some(fps) = source.fps {
        let fraction =
            gst::Fraction::approximate_f64(fps).unwrap_or_else(|| gst::Fraction::new(0, 1));
        video_caps = video_caps.field("framerate", fraction);
    }
    let video_caps = video_caps.build();
    let video_src = appsrc("video-src", &video_caps);
    let parse = make("h264parse", "video-parse")?;
    let source_tee = make("tee", "source-tee")?;
    pipeline
        .add_many([video_src.upcast_ref(), &parse, &source_tee])
        .map_err(PipelineError::link("video source"))?;
    gst::Element::link_many([video_src.upcast_ref(), &parse, &source_tee])
        .map_err(PipelineError::link("video source"))?;

    if config.ladder.passthrough {
        let q = queue("source-queue")?;
        let sink = hls_sink(config, SOURCE_RENDITION)?;
        pipeline
            .add_many([&q, &sink])
            .map_err(PipelineError::link(SOURCE_RENDITION))?;
        gst::Element::link_many([&source_tee, &q, &sink])
            .map_err(PipelineError::link(SOURCE_RENDITION))?;
        hls_sinks.push((SOURCE_RENDITION.to_owned(), sink));
    }

    let mut keyframe_pad = None;
    if !config.renditions.is_empty() {
        let q = decode_queue(drops.before_decoder.clone())?;
        // One decoding thread is cheaper than frame threading and adds no frames of delay; it
        // keeps up with sources up to 1080p60. Larger or faster sources get libav's threads.
        let rate = config.media.video.fps.unwrap_or(30.0);
        let load =
            f64::from(config.media.video.width) * f64::from(config.media.video.height) * rate;
        let decoder_threads: i32 = if load <= 1920.0 * 1088.0 * 60.0 { 1 } else { 0 };
        let decoder = gst::ElementFactory::make("avdec_h264")
            .name("decoder")
            .property("max-threads", decoder_threads)
            .build()
            .map_err(PipelineError::element("avdec_h264"))?;
        let raw_tee = make("tee", "raw-tee")?;
        pipeline
            .add_many([&q, &decoder, &raw_tee])
            .map_err(PipelineError::link("decoder"))?;
        gst::Element::link_many([&source_tee, &q, &decoder, &raw_tee])
            .map_err(PipelineError::link("decoder"))?;
        keyframe_pad = q.static_pad("src");
        let mut largest_first: Vec<&PlannedRendition> = config.renditions.iter().collect();
        largest_first.sort_by_key(|r| std::cmp::Reverse(u64::from(r.width) * u64::from(r.height)));
        let mut input = raw_tee;
        for rendition in largest_first {
            let dropped = Arc::new(AtomicU64::new(0));
            drops
                .by_rendition
                .insert(rendition.name.clone(), dropped.clone());
            let (sink, scaled) =
                add_encoded_rendition(&pipeline, config, &input, rendition, dropped)?;
            hls_sinks.push((rendition.name.clone(), sink));
            input = scaled;
        }
        if let Some(interval) = config.hls.thumbnail_interval {
            add_thumbnail(&pipeline, config, &input, interval, false)?;
        }
    } else if let Some(interval) = config.hls.thumbnail_interval {
        add_thumbnail(&pipeline, config, &source_tee, interval, true)?;
    }

    let mut audio_src = None;
    let mut archive_audio_src = None;
    let audio_caps = config.audio_codec_data.as_ref().map(|asc| {
        let mut caps = gst::Caps::builder("audio/mpeg")
            .field("mpegversion", 4i32)
            .field("stream-format", "raw")
            .field("codec_data", gst::Buffer::from_slice(asc.clone()));
        if let Some(audio) = &config.media.audio {
            caps = caps
                .field("rate", audio.sample_rate as i32)
                .field("channels", audio.channels as i32);
        }
        caps.build()
    });
    if let Some(caps) = &audio_caps {
        let src = appsrc("audio-src", caps);
        let parse = make("aacparse", "audio-parse")?;
        let sink = hls_sink(config, AUDIO_RENDITION)?;
        pipeline
            .add_many([src.upcast_ref(), &parse, &sink])
            .map_err(PipelineError::link(AUDIO_RENDITION))?;
        gst::Element::link_many([src.upcast_ref(), &parse, &sink])
            .map_err(PipelineError::link(AUDIO_RENDITION))?;
        hls_sinks.push((AUDIO_RENDITION.to_owned(), sink));
        audio_src = Some(src);
    }

    // Archive: the source as published, no re-encode.
    if let Some(parent) = config.archive_path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| PipelineError::Io(parent.to_owned(), e))?;
    }
    let archive_video_src = appsrc("archive-video-src", &video_caps);
    let vq = queue("archive-video-queue")?;
    let mux = make("matroskamux", "archive-mux")?;
    let archive_sink = gst::ElementFactory::make("filesink")
        .name(ARCHIVE_SINK)
        .property("location", path_str(&config.archive_path))
        .property("sync", false)
        .property("async", false)
        .build()
        .map_err(PipelineError::element("filesink"))?;
    pipeline
        .add_many([archive_video_src.upcast_ref(), &vq, &mux, &archive_sink])
        .map_err(PipelineError::link("archive"))?;
    gst::Element::link_many([archive_video_src.upcast_ref(), &vq, &mux, &archive_sink])
        .map_err(PipelineError::link("archive"))?;
    if let Some(caps) = &audio_caps {
        let src = appsrc("archive-audio-src", caps);
        let aparse = make("aacparse", "archive-audio-parse")?;
        let aq = queue("archive-audio-queue")?;
        pipeline
            .add_many([src.upcast_ref(), &aparse, &aq])
            .map_err(PipelineError::link("archive"))?;
        gst::Element::link_many([src.upcast_ref(), &aparse, &aq, &mux])
            .map_err(PipelineError::link("archive"))?;
        archive_audio_src = Some(src);
    }

    Ok(Graph {
        pipeline,
        video_src,
        audio_src,
        archive_video_src,
        archive_audio_src,
        hls_sinks,
        keyframe_pad,
        archive_sink,
        drops,
    })
}

/// Adds one rendition: scaled from `input` (the raw video of the next larger rendition, or the
/// decoder), then encoded. Returns its HLS sink and the tee carrying its scaled raw video, from
/// which the next smaller rendition is scaled.
///
/// Scaling in a cascade (1080p → 720p → 480p → 360p) means each scaler reads the smallest
/// picture that is still larger than its output, instead of every scaler reading the source.
fn add_encoded_rendition(
    pipeline: &gst::Pipeline,
    config: &PipelineConfig,
    input: &gst::Element,
    rendition: &PlannedRendition,
    dropped: Arc<AtomicU64>,
) -> Result<(gst::Element, gst::Element), PipelineError> {
    let name = &rendition.name;
    let q = raw_queue(&format!("{name}-scale-queue"), dropped.clone())?;
    // Converts too: sources may be 4:4:4 or 10-bit, every rendition is 8-bit 4:2:0.
    let scale = make("videoconvertscale", &format!("{name}-scale"))?;
    let size = capsfilter(
        &format!("{name}-size"),
        gst::Caps::builder("video/x-raw")
            .field("format", "I420")
            .field("width", rendition.width as i32)
            .field("height", rendition.height as i32)
            .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
            .build(),
    )?;
    let scaled = make("tee", &format!("{name}-raw-tee"))?;
    let scale_chain = [q, scale, size, scaled.clone()];
    pipeline
        .add_many(&scale_chain)
        .map_err(PipelineError::link(name))?;
    input
        .link(&scale_chain[0])
        .map_err(PipelineError::link(name))?;
    gst::Element::link_many(&scale_chain).map_err(PipelineError::link(name))?;

    let mut chain = vec![raw_queue(&format!("{name}-queue"), dropped)?];
    if let Some(fps) = rendition.fps_cap {
        // A publisher's timestamp jump must not turn into seconds of duplicated frames.
        chain.push(
            gst::ElementFactory::make("videorate")
                .name(format!("{name}-rate"))
                .property("max-duplication-time", gst::ClockTime::from_mseconds(500))
                .build()
                .map_err(PipelineError::element("videorate"))?,
        );
        chain.push(capsfilter(
            &format!("{name}-fps"),
            gst::Caps::builder("video/x-raw")
                .field("framerate", gst::Fraction::new(fps as i32, 1))
                .build(),
        )?);
    }
    // One thread per encoder up to 1080p: renditions already run in parallel, and x264's own
    // threading costs CPU for synchronisation that a ladder does not need.
    let threads: u32 = if u64::from(rendition.width) * u64::from(rendition.height) <= 1920 * 1088 {
        1
    } else {
        0
    };
    let encoder = gst::ElementFactory::make("x264enc")
        .name(format!("{name}-encoder"))
        .property("bitrate", rendition.video_kbps)
        .property_from_str("speed-preset", rendition.speed_preset.as_x264())
        .property_from_str("tune", "zerolatency")
        // Keyframes come only from the source (forced per source keyframe): no scene-cut or
        // interval keyframes of the encoder's own, so segment boundaries stay aligned.
        .property("key-int-max", 100_000u32)
        .property("option-string", "scenecut=0")
        .property("threads", threads)
        .build()
        .map_err(PipelineError::element("x264enc"))?;
    let profile = capsfilter(
        &format!("{name}-profile"),
        gst::Caps::builder("video/x-h264")
            .field("profile", rendition.profile.as_caps())
            .build(),
    )?;
    let sink = hls_sink(config, name)?;
    chain.push(encoder);
    chain.push(profile);
    chain.push(sink.clone());
    pipeline
        .add_many(&chain)
        .map_err(PipelineError::link(name))?;
    scaled.link(&chain[0]).map_err(PipelineError::link(name))?;
    gst::Element::link_many(&chain).map_err(PipelineError::link(name))?;
    Ok((sink, scaled))
}

/// Adds the thumbnail branch: one picture from `input` every `interval`, scaled, JPEG-encoded and
/// written to [`THUMBNAIL_FILE`] by replacing the previous one atomically, so a reader never sees
/// half a file. With `encoded` the input is the H.264 source and only its keyframes are decoded.
///
/// The branch can never hold the rest of the stream back: frames are dropped before its queue,
/// and the queue itself leaks.
fn add_thumbnail(
    pipeline: &gst::Pipeline,
    config: &PipelineConfig,
    input: &gst::Element,
    interval: std::time::Duration,
    encoded: bool,
) -> Result<(), PipelineError> {
    const BRANCH: &str = "thumbnail";
    let q = gst::ElementFactory::make("queue")
        .name("thumbnail-queue")
        .property("max-size-buffers", 1u32)
        .property("max-size-bytes", 0u32)
        .property("max-size-time", 0u64)
        .property_from_str("leaky", "downstream")
        .build()
        .map_err(PipelineError::element("queue"))?;
    let mut chain = vec![q.clone()];
    if encoded {
        chain.push(make("avdec_h264", "thumbnail-decoder")?);
    }
    let source = &config.media.video;
    let width = THUMBNAIL_WIDTH.min(source.width).max(2) & !1;
    let height = ((u64::from(width) * u64::from(source.height) / u64::from(source.width.max(1)))
        as u32)
        .max(2)
        & !1;
    chain.push(make("videoconvertscale", "thumbnail-scale")?);
    chain.push(capsfilter(
        "thumbnail-size",
        gst::Caps::builder("video/x-raw")
            .field("width", width as i32)
            .field("height", height as i32)
            .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
            .build(),
    )?);
    chain.push(
        gst::ElementFactory::make("jpegenc")
            .name("thumbnail-encoder")
            .property("quality", 80i32)
            .build()
            .map_err(PipelineError::element("jpegenc"))?,
    );
    let target = config.hls_dir.join(THUMBNAIL_FILE);
    let sink = gst_app::AppSink::builder()
        .name("thumbnail-sink")
        .sync(false)
        .max_buffers(1)
        .drop(true)
        .callbacks(
            gst_app::AppSinkCallbacks::builder()
                .new_sample(move |sink| {
                    // A small file every few seconds, on this branch's own thread: the write cannot
                    // delay any other branch.
                    if let Ok(sample) = sink.pull_sample() {
                        if let Some(map) = sample.buffer().and_then(|b| b.map_readable().ok()) {
                            if let Err(e) =
                                super::multivariant::write_atomic(&target, map.as_slice())
                            {
                                tracing::warn!(error = %e, "could not write the thumbnail");
                            }
                        }
                    }
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        )
        .build();
    sink.set_property("async", false);
    chain.push(sink.upcast());
    pipeline
        .add_many(&chain)
        .map_err(PipelineError::link(BRANCH))?;
    input.link(&chain[0]).map_err(PipelineError::link(BRANCH))?;
    gst::Element::link_many(&chain).map_err(PipelineError::link(BRANCH))?;

    // Let one frame through per interval (the first at once), before it reaches the queue.
    // Frames not wanted are answered `Handled` (the binding releases them) rather than `Drop`,
    // which on GStreamer 1.22 makes the core release an already-released buffer.
    let interval = interval.as_nanos() as u64;
    let next_due = std::sync::atomic::AtomicU64::new(0);
    if let Some(pad) = q.static_pad("sink") {
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            let Some(buffer) = info.buffer() else {
                return gst::PadProbeReturn::Ok;
            };
            if encoded && buffer.flags().contains(gst::BufferFlags::DELTA_UNIT) {
                return gst::PadProbeReturn::Handled;
            }
            let Some(pts) = buffer.pts().map(|t| t.nseconds()) else {
                return gst::PadProbeReturn::Handled;
            };
            use std::sync::atomic::Ordering;
            if pts < next_due.load(Ordering::Relaxed) {
                return gst::PadProbeReturn::Handled;
            }
            next_due.store(pts.saturating_add(interval), Ordering::Relaxed);
            gst::PadProbeReturn::Ok
        });
    }
    Ok(())
}

fn capsfilter(name: &str, caps: gst::Caps) -> Result<gst::Element, PipelineError> {
    gst::ElementFactory::make("capsfilter")
        .name(name)
        .property("caps", caps)
        .build()
        .map_err(PipelineError::element("capsfilter"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_element_keeps_gstreamers_reason() {
        crate::init().expect("GStreamer initialises");
        match make("no_such_element_here", "x") {
            Err(PipelineError::Element { factory, reason }) => {
                assert_eq!(factory, "no_such_element_here");
                assert!(!reason.is_empty());
            }
            other => panic!("expected an element error, got {other:?}"),
        }
    }
}
