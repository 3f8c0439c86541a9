//! Builds the GStreamer element graph of one stream, one part per file:
//!
//! ```text
//! source     video appsrc ─ h264parse ─ tee ─┬─ queue ─ hlscmafsink (source)     [passthrough]
//! ladder                                     └─ decode once ─ scale 1080p ─ encode ─ hlscmafsink
//!                                                             └─ scale 720p (from 1080p) ─ ...
//! thumbnail  smallest rung (or decoded source keyframes) ─ jpegenc ─ appsink     [thumbnail.jpg]
//! audio      audio appsrc ─ aacparse ─ hlscmafsink (audio)
//! archive    its own video and audio appsrcs ─ matroskamux ─ filesink            [MKV archive]
//! ```
//!
//! A ladder heavier than the machine degrades instead of stalling: nothing in the transcoding
//! part ever blocks the source tee (see [`ladder`]), so the passthrough, the audio and the
//! archive stay real time and memory stays bounded by frames, whatever the rungs cost.

mod archive;
mod audio;
mod elements;
mod ladder;
mod source;
mod thumbnail;

use super::{PipelineConfig, PipelineError};
use crate::ladder::SOURCE_RENDITION;
use gst_app::AppSrc;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Name of the audio media playlist directory.
pub const AUDIO_RENDITION: &str = "audio";
/// Name prefix of every HLS sink; the rest is the rendition name.
pub const HLS_SINK_PREFIX: &str = "hls-";
/// Name of the archive's file sink.
pub const ARCHIVE_SINK: &str = "archive-sink";
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

/// Builds the whole graph for `config`; nothing is running yet.
pub fn build(config: &PipelineConfig) -> Result<Graph, PipelineError> {
    let pipeline = gst::Pipeline::with_name(&format!("stream-{}", config.stream_id));
    let source = source::add(&pipeline, config)?;
    let encoded = ladder::add(&pipeline, config, &source.tee)?;
    if let Some(interval) = config.hls.thumbnail_interval {
        let input = match &encoded.smallest {
            Some(raw) => thumbnail::Input::Raw(raw),
            None => thumbnail::Input::Encoded(&source.tee),
        };
        thumbnail::add(&pipeline, config, input, interval)?;
    }
    let audio = audio::add(&pipeline, config)?;
    let archive = archive::add(
        &pipeline,
        config,
        &source.caps,
        audio.as_ref().map(|a| &a.caps),
    )?;

    let passthrough = source
        .passthrough
        .map(|sink| (SOURCE_RENDITION.to_owned(), sink));
    let audio_sink = audio
        .as_ref()
        .map(|a| (AUDIO_RENDITION.to_owned(), a.sink.clone()));
    let hls_sinks = passthrough
        .into_iter()
        .chain(encoded.sinks)
        .chain(audio_sink)
        .collect();
    Ok(Graph {
        pipeline,
        video_src: source.src,
        audio_src: audio.map(|a| a.src),
        archive_video_src: archive.video_src,
        archive_audio_src: archive.audio_src,
        hls_sinks,
        keyframe_pad: encoded.keyframe_pad,
        archive_sink: archive.sink,
        drops: encoded.drops,
    })
}
