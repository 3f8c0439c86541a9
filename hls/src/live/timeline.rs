//! Where every rendition of a stream starts its segments: one decision per source frame, made
//! before the frame enters the pipeline, read by every rendition's splitter.
//!
//! ```text
//! source frame (pts, keyframe) ─▶ Timeline::on_video ─▶ boundary n at pts? (forced or not)
//!                                        ▲
//! decoder output (presentation order) ───┤ forces each rung's keyframe at boundary n
//! rendition splitters ───────────────────┘ read boundary n, n+1, … as their buffers pass it
//! ```
//!
//! When something is transcoded, segments follow a fixed grid: boundary `n` is `n` segment
//! lengths after the first keyframe, whatever the source's GOP, so every transcoded rung's
//! segments last the preset's length give or take a frame (their keyframes are forced there,
//! in presentation order, see `pipeline::supervisor`). A source keyframe at a grid point (up to
//! [`SNAP`] early) is the boundary itself; otherwise the boundary is *forced* at the grid point,
//! on a plain frame. The passthrough, which cannot make keyframes, takes part only while the
//! source's keyframes fall on the grid (a GOP of the segment length, or a whole fraction of
//! it), and pauses (dropped from the multivariant playlist) while they do not: OBS's default of
//! 250 frames never fits.
//!
//! With nothing transcoded, segments can only start at the source's keyframes: short GOPs are
//! gathered up to the segment length, and a long GOP makes long segments, which
//! `EXT-X-TARGETDURATION` then covers (decided from the first segment, see `Settings`).
//!
//! Decisions are made in decode order (the order frames arrive), with a source's B-frames
//! arriving after the frame they precede in presentation order: the first frame at or past a
//! grid point decides it, and a forced boundary is placed at the grid point itself, so frames
//! presented before it stay in the segment before.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// The start of segment `msn`, shared by every rendition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Boundary {
    pub msn: u64,
    /// Media time of the segment's start: a source keyframe's, or a grid point for a forced
    /// boundary (the first frame at or after it opens the segment).
    pub pts: Duration,
    /// Not on a source keyframe: only transcoded renditions can start there.
    pub forced: bool,
    /// The source's keyframes fall on the grid here (this boundary and the one before are
    /// keyframes): the passthrough may play (always, in a stream with nothing transcoded).
    pub gop_fits: bool,
}

/// How far a keyframe may come before the target (nothing transcoded) and still close the
/// segment.
const EARLY: Duration = Duration::from_millis(100);
/// How far before a grid point a source keyframe may come and still be its boundary (RTMP's
/// millisecond timestamps, encoders' rounding).
pub const SNAP: Duration = Duration::from_millis(50);
/// How far before a grid point a frame counts as at it.
const AT: Duration = Duration::from_millis(5);
/// Boundaries remembered for renditions that lag behind the source.
const KEPT: usize = 64;

struct State {
    boundaries: VecDeque<Boundary>,
    /// The first keyframe's time: grid point `n` is `n` segment lengths after it.
    origin: Option<Duration>,
    /// The index of the next grid point.
    next: u64,
    /// Another publisher took over: the grid starts again at its first keyframe.
    rejoin: bool,
}

/// One stream's segment boundaries. Cheap to clone.
#[derive(Clone)]
pub struct Timeline {
    target: Duration,
    /// Something is transcoded: boundaries follow the grid, forced where needed.
    can_force: bool,
    state: Arc<Mutex<State>>,
}

impl Timeline {
    /// Segments of `target`: on a fixed grid when `can_force` (something is transcoded); with
    /// only the source, at its keyframes, gathered up to `target`.
    pub fn new(target: Duration, can_force: bool) -> Self {
        Self {
            target,
            can_force,
            state: Arc::new(Mutex::new(State {
                boundaries: VecDeque::new(),
                origin: None,
                next: 1,
                rejoin: false,
            })),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Decides whether the source frame at `pts` opens a segment; call it before the frame
    /// enters the pipeline.
    pub fn on_video(&self, pts: Duration, keyframe: bool) -> Option<Boundary> {
        let mut state = self.state();
        let Some(open) = state.boundaries.back().copied() else {
            // The first segment starts at the first keyframe.
            return keyframe.then(|| {
                state.origin = Some(pts);
                push(
                    &mut state,
                    Boundary {
                        msn: 0,
                        pts,
                        forced: false,
                        gop_fits: true,
                    },
                )
            });
        };
        if !self.can_force {
            let elapsed = pts.saturating_sub(open.pts);
            return (keyframe && elapsed + EARLY >= self.target).then(|| {
                push(
                    &mut state,
                    Boundary {
                        msn: open.msn + 1,
                        pts,
                        forced: false,
                        gop_fits: true,
                    },
                )
            });
        }
        if state.rejoin && keyframe && pts > open.pts {
            // The new publisher's keyframes have their own phase: the grid follows them from
            // here, so the passthrough keeps playing after a reconnect.
            state.rejoin = false;
            state.origin = Some(pts);
            state.next = 1;
            return Some(push(
                &mut state,
                Boundary {
                    msn: open.msn + 1,
                    pts,
                    forced: false,
                    gop_fits: !open.forced,
                },
            ));
        }
        let origin = state.origin.unwrap_or(open.pts);
        let grid = origin + self.target * u32::try_from(state.next).unwrap_or(u32::MAX);
        let due = if keyframe {
            pts + SNAP >= grid
        } else {
            pts + AT >= grid
        };
        if !due || pts <= open.pts {
            return None;
        }
        // Past any grid point this frame has also passed (a gap in the media), to the next.
        let since = pts.saturating_sub(origin).as_nanos();
        let passed = u64::try_from(since / self.target.as_nanos().max(1)).unwrap_or(u64::MAX);
        state.next = (state.next + 1).max(passed + 1);
        let boundary = if keyframe {
            Boundary {
                msn: open.msn + 1,
                pts,
                forced: false,
                gop_fits: !open.forced,
            }
        } else {
            Boundary {
                msn: open.msn + 1,
                pts: grid.max(open.pts + Duration::from_millis(1)),
                forced: true,
                gop_fits: false,
            }
        };
        Some(push(&mut state, boundary))
    }

    /// Another publisher continues the stream (a reconnect): its first keyframe closes the open
    /// segment and starts the grid again, since its keyframes have a phase of their own.
    pub fn rejoin(&self) {
        self.state().rejoin = true;
    }

    /// Boundary `msn`, once decided (and while remembered).
    pub fn boundary(&self, msn: u64) -> Option<Boundary> {
        let state = self.state();
        let first = state.boundaries.front()?.msn;
        state
            .boundaries
            .get(usize::try_from(msn.checked_sub(first)?).ok()?)
            .copied()
    }

    /// The newest boundary at or before `pts`.
    pub fn at(&self, pts: Duration) -> Option<Boundary> {
        self.state()
            .boundaries
            .iter()
            .rev()
            .find(|b| b.pts <= pts)
            .copied()
    }

    /// Whether the source's keyframes fall on the grid as of the newest boundary (the first
    /// one alone says nothing yet).
    pub fn gop_fits(&self) -> bool {
        let state = self.state();
        !self.can_force
            || state
                .boundaries
                .back()
                .is_some_and(|b| b.msn > 0 && b.gop_fits)
    }
}

fn push(state: &mut State, boundary: Boundary) -> Boundary {
    state.boundaries.push_back(boundary);
    while state.boundaries.len() > KEPT {
        state.boundaries.pop_front();
    }
    boundary
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Frames of 30 fps video for `seconds`, in decode order, with a keyframe every `gop`
    /// frames and `bframes` B-frames after each anchor (pts = dts + the reordering), each
    /// time jittered by `jitter(i)` ms as RTMP's millisecond timestamps are.
    fn frames(
        gop: u64,
        bframes: u64,
        seconds: u64,
        jitter: impl Fn(u64) -> i64,
    ) -> Vec<(u64, bool)> {
        let total = seconds * 30;
        let mut out = Vec::new();
        let at = |i: u64| (i as i64 * 1000 / 30 + jitter(i)).max(0) as u64;
        let mut i = 0;
        while i < total {
            if i % gop == 0 || bframes == 0 {
                out.push((at(i), i % gop == 0));
                i += 1;
                continue;
            }
            // An anchor `bframes` ahead (not past the next keyframe), then the B-frames.
            let next_key = (i / gop + 1) * gop;
            let anchor = (i + bframes).min(next_key - 1).min(total - 1);
            out.push((at(anchor), false));
            for b in i..anchor {
                out.push((at(b), false));
            }
            i = anchor + 1;
        }
        out
    }

    fn run(gop: u64, bframes: u64, seconds: u64, jitter: impl Fn(u64) -> i64) -> Vec<Boundary> {
        let timeline = Timeline::new(Duration::from_secs(2), true);
        frames(gop, bframes, seconds, jitter)
            .into_iter()
            .filter_map(|(t, key)| timeline.on_video(ms(t), key))
            .collect()
    }

    fn lengths(boundaries: &[Boundary]) -> Vec<u64> {
        boundaries
            .windows(2)
            .map(|w| (w[1].pts - w[0].pts).as_millis() as u64)
            .collect()
    }

    #[test]
    fn a_two_second_gop_makes_two_second_segments_on_its_keyframes() {
        let b = run(60, 0, 20, |i| if i % 60 == 0 { -2 } else { 0 });
        assert_eq!(b.len(), 10);
        assert!(b.iter().all(|b| !b.forced && b.gop_fits), "{b:?}");
        assert!(
            lengths(&b).iter().all(|l| (1990..=2010).contains(l)),
            "{b:?}"
        );
        assert_eq!(
            b.iter().map(|b| b.msn).collect::<Vec<_>>(),
            (0..10).collect::<Vec<_>>()
        );
    }

    #[test]
    fn whatever_the_source_gop_boundaries_keep_the_grid() {
        // 1 s GOP: every other keyframe is a boundary; 1.5 s GOP, OBS's 250 frames, with and
        // without B-frames: forced boundaries on the grid.
        for (gop, bframes) in [(30, 0), (45, 0), (45, 3), (250, 0), (250, 3), (250, 2)] {
            let b = run(gop, bframes, 30, |_| 0);
            let l = lengths(&b);
            assert!(
                l.iter().all(|l| (1966..=2034).contains(l)),
                "GOP {gop}, {bframes} B-frames: {l:?}"
            );
            assert_eq!(b.len(), 15, "GOP {gop}: {b:?}");
        }
    }

    #[test]
    fn the_passthrough_fits_only_while_keyframes_fall_on_the_grid() {
        for (gop, fits) in [
            (60, true),
            (30, true),
            (20, true),
            (45, false),
            (250, false),
        ] {
            let timeline = Timeline::new(Duration::from_secs(2), true);
            for (t, key) in frames(gop, 0, 12, |_| 0) {
                timeline.on_video(ms(t), key);
            }
            assert_eq!(timeline.gop_fits(), fits, "GOP {gop}");
        }
        let b = run(250, 0, 30, |_| 0);
        assert!(
            b.iter().skip(1).filter(|b| !b.forced).all(|b| !b.gop_fits),
            "{b:?}"
        );
    }

    #[test]
    fn a_publisher_that_takes_over_starts_the_grid_again_at_its_first_keyframe() {
        let timeline = Timeline::new(Duration::from_secs(2), true);
        for (t, key) in frames(60, 0, 5, |_| 0) {
            timeline.on_video(ms(t), key);
        }
        assert!(timeline.gop_fits());
        // The second publisher's keyframes come every 2 s from 5.3 s: off the first grid.
        timeline.rejoin();
        let b: Vec<Boundary> = frames(60, 0, 10, |_| 0)
            .into_iter()
            .filter_map(|(t, key)| timeline.on_video(ms(5300 + t), key))
            .collect();
        assert!(b.iter().all(|b| !b.forced && b.gop_fits), "{b:?}");
        assert_eq!(b[0].pts, ms(5300), "{b:?}");
        assert!(
            lengths(&b).iter().all(|l| (1990..=2010).contains(l)),
            "{b:?}"
        );
        assert!(timeline.gop_fits());
        // Without the takeover the same keyframes miss the grid.
        let timeline = Timeline::new(Duration::from_secs(2), true);
        for (t, key) in frames(60, 0, 5, |_| 0) {
            timeline.on_video(ms(t), key);
        }
        for (t, key) in frames(60, 0, 10, |_| 0) {
            timeline.on_video(ms(5300 + t), key);
        }
        assert!(!timeline.gop_fits());
    }

    #[test]
    fn with_nothing_transcoded_segments_follow_the_source_keyframes_whatever_their_interval() {
        let timeline = Timeline::new(Duration::from_secs(2), false);
        let b: Vec<Boundary> = (0..900u64)
            .filter_map(|i| timeline.on_video(ms(i * 1000 / 30), i % 250 == 0))
            .collect();
        assert_eq!(b.len(), 4);
        assert!(b.iter().all(|b| !b.forced && b.gop_fits));
        // Short GOPs are gathered up to the target.
        let timeline = Timeline::new(Duration::from_secs(2), false);
        let b: Vec<Boundary> = (0..300u64)
            .filter_map(|i| timeline.on_video(ms(i * 1000 / 30), i % 30 == 0))
            .collect();
        assert!(
            lengths(&b).iter().all(|l| (1990..=2010).contains(l)),
            "{b:?}"
        );
    }

    #[test]
    fn boundaries_are_found_by_number_and_by_time() {
        let timeline = Timeline::new(Duration::from_secs(2), true);
        for i in 0..300u64 {
            timeline.on_video(ms(i * 1000 / 30), i % 60 == 0);
        }
        assert_eq!(timeline.boundary(3).map(|b| b.pts), Some(ms(6000)));
        assert_eq!(timeline.at(ms(6500)).map(|b| b.msn), Some(3));
        assert_eq!(timeline.boundary(99), None);
        assert!(timeline.gop_fits());
    }
}
