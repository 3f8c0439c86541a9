//! The encoded renditions: the source decoded once, then scaled in a cascade and encoded.
//!
//! ```text
//! source tee ─ queue ─ decoder ─┐   (avdec_h264, avdec_h265 or av1dec; at its output each
//!        ┌───────────────────────┘    segment's first frame forces the encoders' keyframe)
//!        └─ queue ─ scale 1080p ─ tee ─┬─ queue ─ x264enc ─ LL-HLS sink (1080p)
//!                                      └─ queue ─ scale 720p ─ tee ─┬─ queue ─ x264enc ─ ...
//!                                                                   ├─ queue ─ scale 480p ─ ...
//!                                                                   └─ queue ─ scale 360p ─ ...
//! ```
//!
//! Each rung is scaled from the largest picture at most 2.5 times its width ([`scaled_from`]),
//! by libswscale's bicubic ([`crate::scaler`]), with the source's colorimetry kept throughout.
//!
//! Nothing here ever blocks the source tee: the decoder's queue drops whole GOPs once it is more
//! than [`DECODE_BACKLOG`] behind, and every raw-video queue holds at most [`RAW_QUEUE_FRAMES`]
//! frames and drops new ones beyond that (never the frame an encoder was asked to make a
//! keyframe). Each drop is counted per rendition in [`Drops`].

use super::elements::{capsfilter, hls_sink, make, queue, video_decoder};
use super::{Drops, DECODE_BACKLOG, RAW_QUEUE_FRAMES, STARTUP_FRAMES, STARTUP_QUEUE_FRAMES};
use crate::live_hls::Track;
use crate::pipeline::{PipelineConfig, PipelineError};
use gst::prelude::*;
use hls::LiveHls;
use media::ladder::PlannedRendition;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// The ladder part: the renditions' HLS sinks and what the thumbnail and the supervisor need.
#[derive(Default)]
pub(super) struct Encoded {
    /// Each rendition's HLS sink, largest first.
    pub(super) sinks: Vec<(String, gst::Element)>,
    /// The decoder's output, where each segment's first frame forces the encoders' keyframe.
    pub(super) keyframe_pad: Option<gst::Pad>,
    /// The tee of the smallest rendition's scaled raw video.
    pub(super) smallest: Option<gst::Element>,
    pub(super) drops: Drops,
}

/// Adds the decoder and every planned rendition, reading the source from `source_tee`. Adds
/// nothing when no rendition is planned.
pub(super) fn add(
    pipeline: &gst::Pipeline,
    config: &PipelineConfig,
    hls: &LiveHls,
    source_tee: &gst::Element,
) -> Result<Encoded, PipelineError> {
    if config.renditions.is_empty() {
        return Ok(Encoded::default());
    }
    let mut drops = Drops::default();
    let q = decode_queue(drops.before_decoder.clone())?;
    // One decoding thread is cheaper than frame threading and adds no frames of delay; it
    // keeps up with sources up to 1080p60. Larger or faster sources get libav's threads.
    let rate = config.media.video.fps.unwrap_or(30.0);
    let load = f64::from(config.media.video.width) * f64::from(config.media.video.height) * rate;
    let decoder_threads: i32 = if load <= 1920.0 * 1088.0 * 60.0 { 1 } else { 0 };
    let decoder = video_decoder(config, "decoder", decoder_threads)?;
    let raw_tee = make("tee", "raw-tee")?;
    pipeline
        .add_many([&q, &decoder, &raw_tee])
        .map_err(PipelineError::link("decoder"))?;
    gst::Element::link_many([source_tee, &q, &decoder, &raw_tee])
        .map_err(PipelineError::link("decoder"))?;
    // In presentation order: the encoders' keyframes are forced here (see the supervisor).
    let keyframe_pad = decoder.static_pad("src");
    let colorimetry = super::source::colorimetry(config);
    let mut sinks = Vec::new();
    // Raw pictures a rung may be scaled from, by width: the decoded source, then each rung.
    let mut scaled: Vec<(u32, gst::Element)> = vec![(config.media.video.width, raw_tee.clone())];
    for rendition in cascade(&config.renditions) {
        let dropped = Arc::new(AtomicU64::new(0));
        drops
            .by_rendition
            .insert(rendition.name.clone(), dropped.clone());
        let input = scaled_from(&scaled, &raw_tee, rendition.width);
        let (sink, tee) = add_rendition(
            pipeline,
            config,
            hls,
            &input,
            rendition,
            &colorimetry,
            dropped,
        )?;
        sinks.push((rendition.name.clone(), sink));
        scaled.push((rendition.width, tee));
    }
    Ok(Encoded {
        sinks,
        keyframe_pad,
        smallest: scaled.pop().map(|(_, tee)| tee),
        drops,
    })
}

/// The order renditions are scaled in: largest picture first.
pub(super) fn cascade(renditions: &[PlannedRendition]) -> Vec<&PlannedRendition> {
    let mut largest_first: Vec<&PlannedRendition> = renditions.iter().collect();
    largest_first.sort_by_key(|r| std::cmp::Reverse(u64::from(r.width) * u64::from(r.height)));
    largest_first
}

/// Which picture a rung of `width` is scaled from, among `available` (the decoded source, then
/// the rungs made so far, largest first): the largest at most 2.5 times as wide, so a scaler
/// reads few pixels yet shrinks little (`livestream-bench quality`: 480p from 1080p beats 480p
/// from 720p by 1.3 dB before encoding; 360p from 720p costs 0.1-0.2 dB after encoding and
/// reads 2.25 times fewer pixels than from 1080p); failing that, the smallest one, for sources
/// far above the top rung.
fn scaled_from(
    available: &[(u32, gst::Element)],
    decoded: &gst::Element,
    width: u32,
) -> gst::Element {
    // `max_by_key` keeps the last of equals: a rung as wide as the source is read rather than
    // the decoder's tee, so the decoder's tee feeds only the top rung.
    available
        .iter()
        .filter(|(from, _)| 2 * u64::from(*from) <= 5 * u64::from(width))
        .max_by_key(|(from, _)| *from)
        .or_else(|| available.last())
        .map_or_else(|| decoded.clone(), |(_, tee)| tee.clone())
}

/// Adds one rendition: scaled from `input` (the raw video of the next larger rendition, or the
/// decoder), then encoded. Returns its HLS sink and the tee carrying its scaled raw video, from
/// which the next smaller rendition is scaled.
fn add_rendition(
    pipeline: &gst::Pipeline,
    config: &PipelineConfig,
    hls: &LiveHls,
    input: &gst::Element,
    rendition: &PlannedRendition,
    colorimetry: &str,
    dropped: Arc<AtomicU64>,
) -> Result<(gst::Element, gst::Element), PipelineError> {
    let name = &rendition.name;
    let q = raw_queue(&format!("{name}-scale-queue"), dropped.clone())?;
    // Converts too: sources may be 4:4:4 or 10-bit, every rendition is 8-bit 4:2:0.
    // libswscale's bicubic, as an ffmpeg ladder scales (`livestream-bench quality`: GStreamer's
    // Catmull-Rom was 1.3 dB below it before encoding, and lost ~15 dB at an exact 3:1).
    let scale = make(crate::scaler::FACTORY, &format!("{name}-scale"))?;
    // The source's colorimetry, so the scaler converts no matrix (SD sizes would otherwise be
    // turned into BT.601) and every rung looks the same.
    let size = capsfilter(
        &format!("{name}-size"),
        gst::Caps::builder("video/x-raw")
            .field("format", "I420")
            .field("width", rendition.width as i32)
            .field("height", rendition.height as i32)
            .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
            .field("colorimetry", colorimetry)
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
        // Keyframes come only where a segment starts (forced at the decoder's output): no
        // scene-cut or interval keyframes of the encoder's own, so segment boundaries stay
        // aligned.
        .property("key-int-max", 100_000u32)
        .property("option-string", "scenecut=0")
        // A VBV buffer of 2 s (x264enc's default is 0.6 s), as streaming encoders commonly use
        // (ffmpeg's `-maxrate B -bufsize 2B`): a tighter buffer costs quality at the same rate.
        .property("vbv-buf-capacity", 2000u32)
        .property("threads", threads)
        .build()
        .map_err(PipelineError::element("x264enc"))?;
    let profile = capsfilter(
        &format!("{name}-profile"),
        gst::Caps::builder("video/x-h264")
            .field("profile", rendition.profile.as_caps())
            .build(),
    )?;
    let sink = hls_sink(config, hls, name, Track::Encoded)?;
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

/// A queue of raw frames that never blocks its tee: beyond [`RAW_QUEUE_FRAMES`] new frames are
/// dropped and counted (beyond [`STARTUP_QUEUE_FRAMES`] while the stream starts), except the
/// first frame after a keyframe request, which an encoder must see so that every rendition keeps
/// the source's segment boundaries.
fn raw_queue(name: &str, dropped: Arc<AtomicU64>) -> Result<gst::Element, PipelineError> {
    let q = gst::ElementFactory::make("queue")
        .name(name)
        // The one frame let through past the limit must still fit without blocking.
        .property("max-size-buffers", STARTUP_QUEUE_FRAMES + 2)
        .property("max-size-bytes", 0u32)
        .property("max-size-time", 0u64)
        .build()
        .map_err(PipelineError::element("queue"))?;
    let keyframe_requested = AtomicBool::new(false);
    let seen = AtomicU64::new(0);
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
                        let limit = if seen.fetch_add(1, Ordering::Relaxed) < STARTUP_FRAMES {
                            STARTUP_QUEUE_FRAMES
                        } else {
                            RAW_QUEUE_FRAMES
                        };
                        if queued < limit {
                            return gst::PadProbeReturn::Ok;
                        }
                        dropped.fetch_add(1, Ordering::Relaxed);
                        // `Handled` (the binding releases the buffer), not `Drop`: see
                        // `thumbnail::add` for the GStreamer 1.22 double release.
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

#[cfg(test)]
mod tests {
    use super::*;
    use media::ladder::{Profile, SpeedPreset};

    #[test]
    fn the_cascade_runs_from_the_largest_picture_down_whatever_the_preset_order() {
        let rung = |name: &str, width, height| PlannedRendition {
            name: name.into(),
            width,
            height,
            fps_cap: None,
            video_kbps: 1000,
            audio_kbps: None,
            speed_preset: SpeedPreset::Veryfast,
            profile: Profile::Main,
        };
        let planned = [
            rung("360p", 640, 360),
            rung("1080p", 1920, 1080),
            rung("square", 720, 720),
            rung("720p", 1280, 720),
        ];
        let order: Vec<&str> = cascade(&planned).iter().map(|r| r.name.as_str()).collect();
        assert_eq!(order, ["1080p", "720p", "square", "360p"]);
    }
}
