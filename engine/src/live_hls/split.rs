//! Tells a rendition's `cmafmux` (in `manual-split` mode) where its segments and parts end: a
//! buffer probe in front of the muxer sends `FMP4MuxSplitNow` before the first buffer of each.
//!
//! ```text
//! encoded buffers ─ identity ─[probe: Timeline boundary? part full?]─ cmafmux ─ appsink
//!                                   └─ FMP4MuxSplitNow{chunk: false | true}
//! ```
//!
//! Segments start at the [`Timeline`]'s boundaries, the same instants in every rendition.
//! Parts restart at each segment's start and are cut before the buffer that would make one
//! longer than the part target, so no part is longer and every part but a segment's last holds
//! at least the target less one frame.

use gst::prelude::*;
use hls::live::{PartStart, Rendition, Timeline};
use std::time::Duration;

/// What a rendition carries, which decides where it may start a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Track {
    /// Encoded here: its encoder makes a keyframe at every boundary, forced ones included.
    Encoded,
    /// The source as published: it can start segments only at the source's keyframes, so it
    /// pauses while the source's GOP is too long for a segment.
    Passthrough,
    /// Audio: every frame is a sync sample.
    Audio,
}

/// Timestamps of different renditions of one instant may differ by this much (videorate,
/// millisecond RTMP timestamps).
const TOLERANCE: Duration = Duration::from_millis(5);
/// How far a part may seem to pass its target from the frames' nominal durations: timestamps are
/// whole milliseconds, so 12 frames at 30 fps look 400.33 ms long and last 400.
const PART_TOLERANCE: Duration = Duration::from_micros(500);
/// How long after a boundary a video rendition may wait for the keyframe its encoder was asked
/// for before it splits anyway.
const KEYFRAME_WAIT: Duration = Duration::from_millis(200);

struct Splitter {
    timeline: Timeline,
    rendition: Rendition,
    track: Track,
    part_target: Duration,
    /// The next boundary this rendition has not started yet.
    next_msn: u64,
    started: bool,
    paused: bool,
    part_start: Duration,
    previous_pts: Option<Duration>,
}

enum Verdict {
    Pass,
    Drop,
    Split { chunk: bool },
}

impl Splitter {
    fn on_buffer(&mut self, pts: Duration, duration: Option<Duration>, keyframe: bool) -> Verdict {
        let duration = duration
            .or_else(|| self.previous_pts.map(|p| pts.saturating_sub(p)))
            .unwrap_or_default();
        self.previous_pts = Some(pts);
        let due = self
            .timeline
            .at(pts + TOLERANCE)
            .filter(|b| b.msn >= self.next_msn);
        if let Some(boundary) = due {
            let ready = match self.track {
                Track::Audio => true,
                Track::Encoded => keyframe || pts >= boundary.pts + KEYFRAME_WAIT,
                Track::Passthrough => {
                    if boundary.forced || !boundary.gop_fits {
                        self.next_msn = boundary.msn + 1;
                        self.paused = true;
                        return Verdict::Drop;
                    }
                    keyframe
                }
            };
            if ready {
                self.next_msn = boundary.msn + 1;
                self.part_start = pts;
                self.paused = false;
                self.rendition.expect_part(PartStart {
                    segment: Some(boundary.msn),
                    independent: keyframe,
                });
                if !self.started {
                    // The muxer's first fragment starts with its first buffer.
                    self.started = true;
                    return Verdict::Pass;
                }
                return Verdict::Split { chunk: false };
            }
        }
        if !self.started || self.paused {
            return Verdict::Drop;
        }
        if (pts + duration).saturating_sub(self.part_start) > self.part_target + PART_TOLERANCE {
            self.part_start = pts;
            self.rendition.expect_part(PartStart {
                segment: None,
                independent: keyframe,
            });
            return Verdict::Split { chunk: true };
        }
        Verdict::Pass
    }
}

/// Installs the splitter on `pad`, the source pad of the element right before the muxer.
pub(super) fn install(
    pad: &gst::Pad,
    timeline: Timeline,
    rendition: Rendition,
    track: Track,
    part_target: Duration,
) {
    let splitter = std::sync::Mutex::new(Splitter {
        timeline,
        rendition,
        track,
        part_target,
        next_msn: 0,
        started: false,
        paused: false,
        part_start: Duration::ZERO,
        previous_pts: None,
    });
    pad.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
        let Some(buffer) = info.buffer() else {
            return gst::PadProbeReturn::Ok;
        };
        // Running time, the stream's media time: encoders shift their timestamps (x264enc by
        // 1000 hours) and say so in their segment.
        let segment = pad.sticky_event::<gst::event::Segment>(0);
        let pts = buffer.pts().and_then(|pts| match &segment {
            Some(event) => event
                .segment()
                .downcast_ref::<gst::ClockTime>()
                .and_then(|s| s.to_running_time(pts)),
            None => Some(pts),
        });
        let Some(pts) = pts else {
            return gst::PadProbeReturn::Ok;
        };
        // Only this pad's streaming thread locks it.
        let mut splitter = splitter
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let verdict = splitter.on_buffer(
            Duration::from_nanos(pts.nseconds()),
            buffer
                .duration()
                .map(|d| Duration::from_nanos(d.nseconds())),
            !buffer.flags().contains(gst::BufferFlags::DELTA_UNIT),
        );
        drop(splitter);
        match verdict {
            Verdict::Pass => gst::PadProbeReturn::Ok,
            // `Handled` (the binding releases the buffer), not `Drop`: see `thumbnail::add`.
            Verdict::Drop => gst::PadProbeReturn::Handled,
            Verdict::Split { chunk } => {
                let event = gst::event::CustomDownstream::builder(
                    gst::Structure::builder("FMP4MuxSplitNow")
                        .field("chunk", chunk)
                        .build(),
                )
                .build();
                pad.push_event(event);
                gst::PadProbeReturn::Ok
            }
        }
    });
}
