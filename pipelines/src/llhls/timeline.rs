//! Where every rendition of a stream starts its segments: one decision per source frame, made
//! before the frame enters the pipeline, read by every rendition's splitter.
//!
//! ```text
//! source frame (pts, keyframe) ─▶ Timeline::on_video ─▶ boundary n at pts? (forced or not)
//!                                        ▲
//! rendition splitters ───────────────────┘ read boundary n, n+1, … as their buffers pass it
//! ```
//!
//! A segment starts at a source keyframe once the open one is near its target, or earlier when
//! waiting for the next keyframe would make it too long (a 1.5 s GOP under a 2 s target gives
//! 1.5 s segments, not 3 s ones). When the source's keyframes are too far apart (OBS's default
//! is 250 frames), the boundary is *forced* on a plain frame: the transcoded rungs make their
//! own keyframe there, and the passthrough, which cannot, leaves the stream until the source's
//! GOP fits again. Every segment thus rounds to at most `EXT-X-TARGETDURATION`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// The start of segment `msn`, shared by every rendition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Boundary {
    pub msn: u64,
    /// Media time of the frame that opens the segment.
    pub pts: Duration,
    /// On a plain frame, not a source keyframe: only transcoded renditions can start there.
    pub forced: bool,
    /// The source's keyframe interval fits a segment here: the passthrough may play (always,
    /// in a stream with nothing transcoded, where no boundary is forced).
    pub gop_fits: bool,
}

/// How far a keyframe may come before the target and still close the segment.
const EARLY: Duration = Duration::from_millis(100);
/// Boundaries remembered for renditions that lag behind the source.
const KEPT: usize = 64;

struct State {
    boundaries: VecDeque<Boundary>,
    last_keyframe: Option<Duration>,
    /// The last interval between two source keyframes.
    gop: Option<Duration>,
}

/// One stream's segment boundaries. Cheap to clone.
#[derive(Clone)]
pub struct Timeline {
    target: Duration,
    /// The longest segment whose duration still rounds to `EXT-X-TARGETDURATION`.
    longest: Duration,
    /// Something is transcoded, so boundaries may be forced on plain frames.
    can_force: bool,
    state: Arc<Mutex<State>>,
}

impl Timeline {
    /// Segments of about `target`, each rounding to at most `target_duration` whole seconds
    /// when `can_force` (something is transcoded); with only the source, segments can start at
    /// its keyframes only, and are as long as its GOP makes them.
    pub fn new(target: Duration, target_duration: u32, can_force: bool) -> Self {
        let longest = (Duration::from_secs(u64::from(target_duration))
            + Duration::from_millis(400))
        .max(target);
        Self {
            target,
            longest,
            can_force,
            state: Arc::new(Mutex::new(State {
                boundaries: VecDeque::new(),
                last_keyframe: None,
                gop: None,
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
        if keyframe {
            if let Some(last) = state.last_keyframe.filter(|last| pts > *last) {
                state.gop = Some(pts - last);
            }
            state.last_keyframe = Some(pts);
        }
        let gop_fits = !self.can_force || state.gop.is_none_or(|gop| gop <= self.longest);
        let Some(open) = state.boundaries.back().copied() else {
            // The first segment starts at the first keyframe.
            return keyframe.then(|| {
                push(
                    &mut state,
                    Boundary {
                        msn: 0,
                        pts,
                        forced: false,
                        gop_fits,
                    },
                )
            });
        };
        let elapsed = pts.saturating_sub(open.pts);
        let start = if keyframe {
            // Near the target, or the next keyframe would come too late (with a GOP too long for
            // a segment, boundaries are forced on the target's grid instead).
            elapsed + EARLY >= self.target
                || state
                    .gop
                    .is_some_and(|gop| gop <= self.longest && elapsed + gop > self.longest)
        } else {
            // No keyframe in time: at the target when the source's GOP is known to be too long,
            // at the last moment otherwise.
            self.can_force && elapsed >= self.longest
                || (self.can_force
                    && elapsed >= self.target
                    && state.gop.is_some_and(|g| g > self.longest))
        };
        start.then(|| {
            push(
                &mut state,
                Boundary {
                    msn: open.msn + 1,
                    pts,
                    forced: !keyframe,
                    gop_fits: gop_fits && keyframe,
                },
            )
        })
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

    /// Whether the frame at `pts` opens a segment on a plain frame (a keyframe must be made).
    pub fn is_forced(&self, pts: Duration) -> bool {
        self.state()
            .boundaries
            .iter()
            .rev()
            .take(4)
            .any(|b| b.forced && b.pts == pts)
    }

    /// Whether the source's GOP fits a segment as of the newest boundary.
    pub fn gop_fits(&self) -> bool {
        self.state().boundaries.back().is_none_or(|b| b.gop_fits)
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

    /// Boundaries over `seconds` of 30 fps video with a keyframe every `gop` frames, each frame's
    /// time jittered by `jitter(i)` ms as RTMP's millisecond timestamps are.
    fn run(gop: u64, seconds: u64, jitter: impl Fn(u64) -> i64) -> Vec<Boundary> {
        let timeline = Timeline::new(Duration::from_secs(2), 2, true);
        (0..seconds * 30)
            .filter_map(|i| {
                let t = (i as i64 * 1000 / 30 + jitter(i)).max(0) as u64;
                timeline.on_video(ms(t), i % gop == 0)
            })
            .collect()
    }

    fn lengths(boundaries: &[Boundary]) -> Vec<u64> {
        boundaries
            .windows(2)
            .map(|w| (w[1].pts - w[0].pts).as_millis() as u64)
            .collect()
    }

    #[test]
    fn a_two_second_gop_makes_two_second_segments_even_when_keyframes_come_a_little_early() {
        let b = run(60, 20, |i| if i % 60 == 0 { -2 } else { 0 });
        assert_eq!(b.len(), 10);
        assert!(b.iter().all(|b| !b.forced && b.gop_fits));
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
    fn short_gops_are_gathered_and_a_gop_of_three_quarters_target_is_not_doubled() {
        // 1 s GOP: two per segment.
        assert!(lengths(&run(30, 20, |_| 0))
            .iter()
            .all(|l| (1990..=2010).contains(l)));
        // 1.5 s GOP: 3 s would be too long, so each keyframe starts a segment.
        assert!(lengths(&run(45, 20, |_| 0))
            .iter()
            .all(|l| (1490..=1510).contains(l)));
    }

    #[test]
    fn a_long_source_gop_forces_boundaries_at_the_target_and_the_passthrough_is_told() {
        // OBS's default: a keyframe every 250 frames (8.3 s).
        let b = run(250, 30, |_| 0);
        let l = lengths(&b);
        // The first ones at the last moment (the GOP is not known yet), then every 2 s.
        assert!(l.iter().all(|l| (1990..=2434).contains(l)), "{l:?}");
        assert!(l.iter().skip(4).all(|l| (1990..=2010).contains(l)), "{l:?}");
        assert!(
            b.iter().filter(|b| b.forced).count() >= b.len() - 4,
            "{b:?}"
        );
        assert!(b.iter().skip(4).all(|b| !b.gop_fits), "{b:?}");
        let timeline = Timeline::new(Duration::from_secs(2), 2, true);
        for i in 0..300u64 {
            timeline.on_video(ms(i * 1000 / 30), i % 250 == 0);
        }
        assert!(!timeline.gop_fits());
        let forced = timeline.boundary(4).expect("boundary 4");
        assert!(forced.forced && timeline.is_forced(forced.pts));
        // Back to a 2 s GOP: after its second keyframe the passthrough fits again.
        for i in 300..600u64 {
            timeline.on_video(ms(i * 1000 / 30), i % 60 == 0);
        }
        assert!(timeline.gop_fits());
    }

    #[test]
    fn with_nothing_transcoded_segments_follow_the_source_keyframes_whatever_their_interval() {
        let timeline = Timeline::new(Duration::from_secs(2), 2, false);
        let b: Vec<Boundary> = (0..900u64)
            .filter_map(|i| timeline.on_video(ms(i * 1000 / 30), i % 250 == 0))
            .collect();
        assert_eq!(b.len(), 4);
        assert!(b.iter().all(|b| !b.forced && b.gop_fits));
    }

    #[test]
    fn boundaries_are_found_by_number_and_by_time() {
        let timeline = Timeline::new(Duration::from_secs(2), 2, true);
        for i in 0..300u64 {
            timeline.on_video(ms(i * 1000 / 30), i % 60 == 0);
        }
        assert_eq!(timeline.boundary(3).map(|b| b.pts), Some(ms(6000)));
        assert_eq!(timeline.at(ms(6500)).map(|b| b.msn), Some(3));
        assert_eq!(timeline.boundary(99), None);
        assert!(timeline.gop_fits());
    }
}
