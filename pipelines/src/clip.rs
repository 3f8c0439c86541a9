//! Clips: a stretch of a recorded rendition, with its audio, copied into one MP4 — never
//! re-encoded. The stretch is whole segments of the recording's HLS VOD (see [`crate::vod`]), so
//! it starts on a keyframe, exactly where the live ladder was cut.
//!
//! ```text
//! video.mp4 (init + segments) ─ qtdemux ─ h264parse ─ queue ─┐
//! audio.mp4 (init + segments) ─ qtdemux ─ aacparse ── queue ─┴─ mp4mux (faststart) ─ clip.mp4
//! ```
//!
//! The demuxers start their segments at the stretch's first timestamp, so the muxer, which
//! writes running time, makes the clip start at zero.

use gst::prelude::*;
use std::path::Path;
use std::time::Duration;
use thiserror::Error;

/// How long a cut may take (a minute of media is copied in well under a second).
const CUT_LIMIT: Duration = Duration::from_secs(30);

/// Why a clip could not be cut.
#[derive(Debug, Error)]
pub enum ClipError {
    #[error("could not build the clip pipeline: {0}")]
    Build(String),
    #[error("the clip pipeline failed: {0}")]
    Failed(String),
    #[error("the clip was not cut within {0:?}")]
    TimedOut(Duration),
}

/// Copies the H.264 video of `video` and the AAC audio of `audio` (each a fragmented MP4: a
/// rendition's header followed by some of its segments) into one MP4 at `out`, starting at zero,
/// with its index at the front so that browsers play it as it downloads.
pub fn cut(video: &Path, audio: Option<&Path>, out: &Path) -> Result<(), ClipError> {
    crate::init().map_err(|e| ClipError::Build(e.to_string()))?;
    let build = |e: gst::glib::BoolError| ClipError::Build(e.to_string());
    let pipeline = gst::Pipeline::with_name("clip");
    let mux = gst::ElementFactory::make("mp4mux")
        .property("faststart", true)
        // Its media waits beside the output, not in the system's temporary directory.
        .property(
            "faststart-file",
            out.with_extension("faststart").to_string_lossy().as_ref(),
        )
        .build()
        .map_err(build)?;
    let sink = gst::ElementFactory::make("filesink")
        .property("location", out.to_string_lossy().as_ref())
        .build()
        .map_err(build)?;
    pipeline.add_many([&mux, &sink]).map_err(build)?;
    mux.link(&sink).map_err(build)?;
    add_input(&pipeline, &mux, video, "h264parse", "video_%u")?;
    if let Some(audio) = audio {
        add_input(&pipeline, &mux, audio, "aacparse", "audio_%u")?;
    }
    let result = run(&pipeline);
    let _ = pipeline.set_state(gst::State::Null);
    result
}

/// `file ─ qtdemux ─ parser ─ queue ─ mux.<pad>`, linked when the demuxer finds its stream.
fn add_input(
    pipeline: &gst::Pipeline,
    mux: &gst::Element,
    file: &Path,
    parser: &str,
    pad_template: &str,
) -> Result<(), ClipError> {
    let build = |e: gst::glib::BoolError| ClipError::Build(e.to_string());
    let src = gst::ElementFactory::make("filesrc")
        .property("location", file.to_string_lossy().as_ref())
        .build()
        .map_err(build)?;
    let demux = gst::ElementFactory::make("qtdemux")
        .build()
        .map_err(build)?;
    let parse = gst::ElementFactory::make(parser).build().map_err(build)?;
    let queue = gst::ElementFactory::make("queue").build().map_err(build)?;
    pipeline
        .add_many([&src, &demux, &parse, &queue])
        .map_err(build)?;
    src.link(&demux).map_err(build)?;
    parse.link(&queue).map_err(build)?;
    let mux_pad = mux
        .request_pad_simple(pad_template)
        .ok_or_else(|| ClipError::Build(format!("mp4mux has no {pad_template} pad")))?;
    queue
        .static_pad("src")
        .ok_or_else(|| ClipError::Build("queue without a source pad".into()))?
        .link(&mux_pad)
        .map_err(|e| ClipError::Build(e.to_string()))?;
    let parse_sink = parse
        .static_pad("sink")
        .ok_or_else(|| ClipError::Build("parser without a sink pad".into()))?;
    demux.connect_pad_added(move |_, pad| {
        if !parse_sink.is_linked() {
            let _ = pad.link(&parse_sink);
        }
    });
    Ok(())
}

/// Plays the pipeline to its end.
fn run(pipeline: &gst::Pipeline) -> Result<(), ClipError> {
    let bus = pipeline
        .bus()
        .ok_or_else(|| ClipError::Build("a pipeline without a bus".into()))?;
    pipeline
        .set_state(gst::State::Playing)
        .map_err(|e| ClipError::Failed(e.to_string()))?;
    let deadline = std::time::Instant::now() + CUT_LIMIT;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Err(ClipError::TimedOut(CUT_LIMIT));
        }
        let Some(message) = bus.timed_pop_filtered(
            gst::ClockTime::from_nseconds(left.as_nanos() as u64),
            &[gst::MessageType::Eos, gst::MessageType::Error],
        ) else {
            continue;
        };
        match message.view() {
            gst::MessageView::Eos(_) => return Ok(()),
            gst::MessageView::Error(e) => return Err(ClipError::Failed(e.error().to_string())),
            _ => {}
        }
    }
}
