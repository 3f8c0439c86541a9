//! Clips: a stretch of a recorded rendition, with its audio, copied into one MP4 — never
//! re-encoded, cut at keyframes. The inputs are whole segments of the recording's HLS VOD (see
//! [`crate::vod`]); the cut itself starts on the last keyframe at or before the stretch's start
//! and ends on the first keyframe at or after its end, so a clip is at most one GOP longer than
//! asked, and never shorter.
//!
//! ```text
//! pass 1: video.mp4 ─ qtdemux ─ h264parse ─ fakesink                     keyframe times
//! pass 2: video.mp4 (init + segments) ─ qtdemux ─ h264parse ─ trim ─ queue ─┐
//!         audio.mp4 (init + segments) ─ qtdemux ─ aacparse ── trim ─ queue ─┴─ mp4mux ─ clip.mp4
//! ```
//!
//! "trim" drops what is outside the cut and moves what is kept to start at zero (with a segment
//! that starts at zero too), so the muxer writes a clip that starts at its first keyframe.

use gst::prelude::*;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use thiserror::Error;

/// How long a cut may take (a minute of media is copied in well under a second).
const CUT_LIMIT: Duration = Duration::from_secs(30);
/// Keyframes this close to the asked start or end count as on it (timestamps are rounded).
const SLACK: Duration = Duration::from_millis(50);

/// Why a clip could not be cut.
#[derive(Debug, Error)]
pub enum ClipError {
    #[error("could not build the clip pipeline: {0}")]
    Build(String),
    #[error("the clip pipeline failed: {0}")]
    Failed(String),
    #[error("the clip was not cut within {0:?}")]
    TimedOut(Duration),
    #[error("the video holds no keyframe")]
    NoKeyframe,
}

/// What to keep, from the start of the inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stretch {
    pub from: Duration,
    pub until: Duration,
}

/// What was cut: where it starts in the inputs (a keyframe) and how long it lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    pub start: Duration,
    pub duration: Duration,
}

/// Copies `stretch` of the H.264 video of `video` and the AAC audio of `audio` (each a fragmented
/// MP4: a rendition's header followed by some of its segments) into one MP4 at `out`, starting
/// at zero, with its index at the front so that browsers play it as it downloads.
pub fn cut(
    video: &Path,
    audio: Option<&Path>,
    out: &Path,
    stretch: Stretch,
) -> Result<Cut, ClipError> {
    crate::init().map_err(|e| ClipError::Build(e.to_string()))?;
    let (origin, keyframes, end) = keyframes(video)?;
    let start = keyframes
        .iter()
        .copied()
        .rfind(|k| *k <= stretch.from + SLACK)
        .or_else(|| keyframes.first().copied())
        .ok_or(ClipError::NoKeyframe)?;
    let stop = keyframes
        .iter()
        .copied()
        .find(|k| *k > start && *k + SLACK >= stretch.until)
        .unwrap_or(end);
    let keep = Keep {
        from: origin + start,
        until: origin + stop,
    };

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
    let parse = add_input(&pipeline, video, "h264parse")?;
    link_trimmed(&pipeline, &parse, &mux, "video_%u", keep)?;
    if let Some(audio) = audio {
        let parse = add_input(&pipeline, audio, "aacparse")?;
        link_trimmed(&pipeline, &parse, &mux, "audio_%u", keep)?;
    }
    let result = run(&pipeline);
    let _ = pipeline.set_state(gst::State::Null);
    result.map(|()| Cut {
        start,
        duration: stop.saturating_sub(start),
    })
}

/// The media time kept, in the inputs' own timestamps.
#[derive(Debug, Clone, Copy)]
struct Keep {
    from: Duration,
    until: Duration,
}

/// The video's first timestamp, its keyframes' times from it, and its end.
fn keyframes(video: &Path) -> Result<(Duration, Vec<Duration>, Duration), ClipError> {
    #[derive(Default)]
    struct Seen {
        first: Option<u64>,
        keyframes: Vec<u64>,
        end: u64,
    }
    let pipeline = gst::Pipeline::with_name("clip-keyframes");
    let parse = add_input(&pipeline, video, "h264parse")?;
    let sink = gst::ElementFactory::make("fakesink")
        .property("sync", false)
        .build()
        .map_err(|e| ClipError::Build(e.to_string()))?;
    pipeline
        .add(&sink)
        .map_err(|e| ClipError::Build(e.to_string()))?;
    parse
        .link(&sink)
        .map_err(|e| ClipError::Build(e.to_string()))?;
    let seen = Arc::new(Mutex::new(Seen::default()));
    if let Some(pad) = sink.static_pad("sink") {
        let seen = seen.clone();
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            if let Some(buffer) = info.buffer() {
                if let Some(pts) = buffer.pts().map(gst::ClockTime::nseconds) {
                    let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
                    let first = *seen.first.get_or_insert(pts);
                    if !buffer.flags().contains(gst::BufferFlags::DELTA_UNIT) {
                        seen.keyframes.push(pts.saturating_sub(first));
                    }
                    let until = pts + buffer.duration().map_or(0, gst::ClockTime::nseconds);
                    seen.end = seen.end.max(until.saturating_sub(first));
                }
            }
            gst::PadProbeReturn::Ok
        });
    }
    let result = run(&pipeline);
    let _ = pipeline.set_state(gst::State::Null);
    result?;
    let seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
    let mut keyframes: Vec<Duration> = seen
        .keyframes
        .iter()
        .map(|k| Duration::from_nanos(*k))
        .collect();
    keyframes.sort_unstable();
    Ok((
        Duration::from_nanos(seen.first.ok_or(ClipError::NoKeyframe)?),
        keyframes,
        Duration::from_nanos(seen.end),
    ))
}

/// `file ─ qtdemux ─ parser`, linked when the demuxer finds its stream; returns the parser.
fn add_input(
    pipeline: &gst::Pipeline,
    file: &Path,
    parser: &str,
) -> Result<gst::Element, ClipError> {
    let build = |e: gst::glib::BoolError| ClipError::Build(e.to_string());
    let src = gst::ElementFactory::make("filesrc")
        .property("location", file.to_string_lossy().as_ref())
        .build()
        .map_err(build)?;
    let demux = gst::ElementFactory::make("qtdemux")
        .build()
        .map_err(build)?;
    let parse = gst::ElementFactory::make(parser).build().map_err(build)?;
    pipeline.add_many([&src, &demux, &parse]).map_err(build)?;
    src.link(&demux).map_err(build)?;
    let parse_sink = parse
        .static_pad("sink")
        .ok_or_else(|| ClipError::Build("parser without a sink pad".into()))?;
    demux.connect_pad_added(move |_, pad| {
        if !parse_sink.is_linked() {
            let _ = pad.link(&parse_sink);
        }
    });
    Ok(parse)
}

/// `parser ─ (trim) ─ queue ─ mux.<pad_template>`.
fn link_trimmed(
    pipeline: &gst::Pipeline,
    parse: &gst::Element,
    mux: &gst::Element,
    pad_template: &str,
    keep: Keep,
) -> Result<(), ClipError> {
    let build = |e: gst::glib::BoolError| ClipError::Build(e.to_string());
    let queue = gst::ElementFactory::make("queue").build().map_err(build)?;
    pipeline.add(&queue).map_err(build)?;
    parse.link(&queue).map_err(build)?;
    let mux_pad = mux
        .request_pad_simple(pad_template)
        .ok_or_else(|| ClipError::Build(format!("mp4mux has no {pad_template} pad")))?;
    queue
        .static_pad("src")
        .ok_or_else(|| ClipError::Build("queue without a source pad".into()))?
        .link(&mux_pad)
        .map_err(|e| ClipError::Build(e.to_string()))?;
    let Some(pad) = parse.static_pad("src") else {
        return Err(ClipError::Build("parser without a source pad".into()));
    };
    let (from, until) = (keep.from.as_nanos() as u64, keep.until.as_nanos() as u64);
    pad.add_probe(
        gst::PadProbeType::BUFFER | gst::PadProbeType::EVENT_DOWNSTREAM,
        move |_, info| {
            match &mut info.data {
                Some(gst::PadProbeData::Buffer(buffer)) => {
                    let Some(pts) = buffer.pts().map(gst::ClockTime::nseconds) else {
                        return gst::PadProbeReturn::Drop;
                    };
                    if pts < from || pts >= until {
                        return gst::PadProbeReturn::Drop;
                    }
                    let b = buffer.make_mut();
                    b.set_pts(gst::ClockTime::from_nseconds(pts - from));
                    if let Some(dts) = b.dts() {
                        b.set_dts(gst::ClockTime::from_nseconds(
                            dts.nseconds().saturating_sub(from),
                        ));
                    }
                }
                Some(gst::PadProbeData::Event(event))
                    if event.type_() == gst::EventType::Segment =>
                {
                    // The kept media starts at zero, in a segment that does too.
                    *event =
                        gst::event::Segment::new(&gst::FormattedSegment::<gst::ClockTime>::new());
                }
                _ => {}
            }
            gst::PadProbeReturn::Ok
        },
    );
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
