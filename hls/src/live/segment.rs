//! What a rendition holds, and how it is packaged: its parts and segments, and the settings
//! every rendition of a stream shares. The rendition fills them; the playlist writer lists them.

use bytes::Bytes;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// `EXT-X-TARGETDURATION`, in whole seconds, shared by every rendition of a stream. It does not
/// change once players read it; a stream with nothing transcoded (whose segments are as long
/// as the source's GOP) raises it when its first segment closes, before it is playable, so that
/// the segments round to at most it.
#[derive(Debug, Clone)]
pub struct TargetDuration {
    seconds: Arc<std::sync::atomic::AtomicU32>,
    /// Raised by the first segment (nothing transcoded).
    grows: bool,
}

impl TargetDuration {
    /// A target that never changes.
    pub fn fixed(seconds: u32) -> Self {
        Self {
            seconds: Arc::new(std::sync::atomic::AtomicU32::new(seconds)),
            grows: false,
        }
    }

    /// The same value, raised by the first segment if it is longer.
    pub fn growing(&self) -> Self {
        Self {
            seconds: Arc::new(std::sync::atomic::AtomicU32::new(self.get())),
            grows: true,
        }
    }

    pub fn get(&self) -> u32 {
        self.seconds.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A segment of `duration` closed: the first one raises a growing target to cover it; a
    /// later one longer than the target is said in the log (the source's GOP grew).
    pub(super) fn covers(&self, msn: u64, duration: Duration, rendition: &str) {
        let rounded = duration.as_secs_f64().round().min(f64::from(u32::MAX)) as u32;
        if rounded <= self.get() {
            return;
        }
        if self.grows && msn == 0 {
            self.seconds
                .fetch_max(rounded, std::sync::atomic::Ordering::Relaxed);
        } else {
            tracing::warn!(rendition, msn, seconds = duration.as_secs_f64(), target = self.get(), "a segment is longer than the target duration (the source's keyframes are further apart than when the stream started)");
        }
    }
}

/// How a rendition is packaged. The same for every rendition of a stream.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `EXT-X-PART-INF:PART-TARGET`: no part is longer.
    pub part_target: Duration,
    /// `EXT-X-TARGETDURATION`.
    pub target_duration: TargetDuration,
    /// Complete segments listed in the playlist.
    pub window_segments: usize,
    /// The wall-clock time of media time zero, shared by every rendition, so that their
    /// `EXT-X-PROGRAM-DATE-TIME`s agree.
    pub anchor: SystemTime,
}

impl Settings {
    /// The advance part limit of rfc8216bis 6.2.5.2: how many parts beyond the last one a
    /// blocking request may ask for.
    pub(super) fn advance_part_limit(&self) -> u64 {
        let part = self.part_target.as_secs_f64();
        if part > 0.0 && part < 1.0 {
            (3.0 / part).floor() as u64
        } else {
            3
        }
    }

    /// `CAN-SKIP-UNTIL`, when the window is long enough for delta updates (six target
    /// durations, rfc8216bis 4.4.3.8).
    pub(super) fn skip_until(&self) -> Option<Duration> {
        let target = Duration::from_secs(u64::from(self.target_duration.get()));
        let window = target * u32::try_from(self.window_segments).unwrap_or(u32::MAX);
        (window >= target * 12).then_some(target * 6)
    }
}

#[derive(Debug, Clone)]
pub(super) struct Part {
    pub(super) data: Bytes,
    pub(super) duration: Duration,
    pub(super) independent: bool,
}

#[derive(Debug, Clone)]
pub(super) struct Segment {
    pub(super) msn: u64,
    pub(super) start: Duration,
    pub(super) parts: Vec<Part>,
    /// The parts in one buffer, once the segment is complete.
    pub(super) whole: Option<Bytes>,
    /// An `EXT-X-GAP` segment: this rendition has no media for it (its parts are empty).
    pub(super) gap: Option<Duration>,
}

impl Segment {
    pub(super) fn duration(&self) -> Duration {
        self.gap
            .unwrap_or_else(|| self.parts.iter().map(|p| p.duration).sum())
    }
}
