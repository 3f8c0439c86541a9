//! The live thumbnail: one JPEG beside the playlists, refreshed every interval.
//!
//! ```text
//! smallest rung's tee ─ leaky queue ─ scale ─ tee ─ jpegenc ─ appsink   [thumbnail.jpg, poster]
//!   (without renditions: source tee ─ leaky queue ─ decoder (keyframes only) ─ scale ─ ...)
//!                                             └─ scale 160 px ─ appsink     [recording's preview tiles]
//! ```

use super::elements::{capsfilter, make, video_decoder};
use super::THUMBNAIL_WIDTH;
use crate::pipeline::{PipelineConfig, PipelineError};
use crate::vod::VodRecorder;
use crate::vod::TILE_WIDTH;
use gst::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// What the thumbnail is taken from.
pub(super) enum Input<'a> {
    /// A tee of raw video already scaled for a rendition: no extra decode.
    Raw(&'a gst::Element),
    /// The tee of the H.264 source: only its keyframes are decoded.
    Encoded(&'a gst::Element),
}

/// Adds the thumbnail branch: one picture from `input` every `interval`, scaled, JPEG-encoded and
/// written to the stream's thumbnail file by replacing the previous one atomically, so a reader never sees
/// half a file.
///
/// The branch can never hold the rest of the stream back: frames are dropped before its queue,
/// and the queue itself leaks.
pub(super) fn add(
    pipeline: &gst::Pipeline,
    config: &PipelineConfig,
    input: Input<'_>,
    interval: Duration,
    vod: Option<&VodRecorder>,
) -> Result<(), PipelineError> {
    const BRANCH: &str = "thumbnail";
    let (input, encoded) = match input {
        Input::Raw(tee) => (tee, false),
        Input::Encoded(tee) => (tee, true),
    };
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
        chain.push(video_decoder(config, "thumbnail-decoder", 1)?);
    }
    let (width, height) = size(config.media.video.width, config.media.video.height);
    chain.push(make("videoconvertscale", "thumbnail-scale")?);
    chain.push(capsfilter(
        "thumbnail-size",
        gst::Caps::builder("video/x-raw")
            .field("width", width as i32)
            .field("height", height as i32)
            .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
            .build(),
    )?);
    let split = make("tee", "thumbnail-tee")?;
    chain.push(split.clone());
    chain.push(
        gst::ElementFactory::make("jpegenc")
            .name("thumbnail-encoder")
            .property("quality", 80i32)
            .build()
            .map_err(PipelineError::element("jpegenc"))?,
    );
    let target = config.hls_dir.thumbnail();
    let poster = vod.cloned();
    // A small file every few seconds, on this branch's own thread: the write cannot delay any
    // other branch.
    let sink = newest_sample_sink("thumbnail-sink", move |sample| {
        let Some(buffer) = sample.buffer() else {
            return;
        };
        if let Ok(map) = buffer.map_readable() {
            if let Err(e) = hls::write_atomic(&target, map.as_slice()) {
                tracing::warn!(error = %e, "could not write the thumbnail");
            }
            if let (Some(vod), Some(pts)) = (&poster, buffer.pts()) {
                vod.poster(
                    Duration::from_nanos(pts.nseconds()),
                    bytes::Bytes::copy_from_slice(map.as_slice()),
                );
            }
        }
    });
    chain.push(sink);
    pipeline
        .add_many(&chain)
        .map_err(PipelineError::link(BRANCH))?;
    input.link(&chain[0]).map_err(PipelineError::link(BRANCH))?;
    gst::Element::link_many(&chain).map_err(PipelineError::link(BRANCH))?;
    if let Some(vod) = vod {
        add_tiles(pipeline, &split, (width, height), vod.clone())?;
    }

    // Let one frame through per interval (the first at once), before it reaches the queue.
    // Frames not wanted are answered `Handled` (the binding releases them) rather than `Drop`,
    // which on GStreamer 1.22 makes the core release an already-released buffer.
    let interval = interval.as_nanos() as u64;
    let next_due = AtomicU64::new(0);
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
            if pts < next_due.load(Ordering::Relaxed) {
                return gst::PadProbeReturn::Handled;
            }
            next_due.store(pts.saturating_add(interval), Ordering::Relaxed);
            gst::PadProbeReturn::Ok
        });
    }
    Ok(())
}

/// The recording's preview tiles: each thumbnail again, [`TILE_WIDTH`] wide, raw, to the
/// recording's sprite sheets.
fn add_tiles(
    pipeline: &gst::Pipeline,
    split: &gst::Element,
    (width, height): (u32, u32),
    vod: VodRecorder,
) -> Result<(), PipelineError> {
    const BRANCH: &str = "preview tiles";
    let (tile_width, tile_height) = size_within(TILE_WIDTH, width, height);
    let scale = make("videoconvertscale", "tile-scale")?;
    let size = capsfilter(
        "tile-size",
        gst::Caps::builder("video/x-raw")
            .field("format", "I420")
            .field("width", tile_width as i32)
            .field("height", tile_height as i32)
            .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
            .build(),
    )?;
    let sink = newest_sample_sink("tile-sink", move |sample| {
        if let Some(pts) = sample.buffer().and_then(|b| b.pts()) {
            vod.tile(Duration::from_nanos(pts.nseconds()), sample);
        }
    });
    let chain = [scale, size, sink];
    pipeline
        .add_many(&chain)
        .map_err(PipelineError::link(BRANCH))?;
    split.link(&chain[0]).map_err(PipelineError::link(BRANCH))?;
    gst::Element::link_many(&chain).map_err(PipelineError::link(BRANCH))
}

/// An appsink that hands `on_sample` the newest sample on its own thread, dropping any it has
/// not taken yet, and never holds the pipeline's state change back.
fn newest_sample_sink(
    name: &str,
    on_sample: impl Fn(gst::Sample) + Send + Sync + 'static,
) -> gst::Element {
    let sink = gst_app::AppSink::builder()
        .name(name)
        .sync(false)
        .max_buffers(1)
        .drop(true)
        .callbacks(
            gst_app::AppSinkCallbacks::builder()
                .new_sample(move |sink| {
                    if let Ok(sample) = sink.pull_sample() {
                        on_sample(sample);
                    }
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        )
        .build();
    sink.set_property("async", false);
    sink.upcast()
}

/// The thumbnail's size for a source: [`THUMBNAIL_WIDTH`] wide (never wider than the source),
/// the source's aspect kept, both even.
fn size(source_width: u32, source_height: u32) -> (u32, u32) {
    size_within(THUMBNAIL_WIDTH, source_width, source_height)
}

/// At most `max_width` wide (never wider than the source), the source's aspect kept, both even.
fn size_within(max_width: u32, source_width: u32, source_height: u32) -> (u32, u32) {
    let width = max_width.min(source_width).max(2) & !1;
    let height = ((u64::from(width) * u64::from(source_height) / u64::from(source_width.max(1)))
        as u32)
        .max(2)
        & !1;
    (width, height)
}
