//! RTMP timestamps (32-bit milliseconds that wrap) to stream-relative durations.

use std::time::Duration;

/// Extends one track's 32-bit millisecond timestamps across wrap-around.
#[derive(Debug, Default)]
struct TrackClock {
    last: Option<u32>,
    epoch: u64,
}

impl TrackClock {
    fn extend(&mut self, ts: u32) -> u64 {
        if let Some(last) = self.last {
            // A jump backwards by more than half the range is a wrap, not a reorder.
            if ts < last && last - ts > u32::MAX / 2 {
                self.epoch += 1 << 32;
            }
        }
        self.last = Some(ts);
        self.epoch + u64::from(ts)
    }
}

/// Rebases both tracks of a stream to its first timestamp and keeps DTS monotonic.
#[derive(Debug, Default)]
pub struct StreamClock {
    base: Option<u64>,
    /// Where the stream's time starts: zero, or where a continued broadcast left off.
    origin: Duration,
    video: TrackClock,
    audio: TrackClock,
    last_video_dts: Duration,
    last_audio: Duration,
}

impl StreamClock {
    /// A clock whose first timestamp maps to `origin` (a publisher continuing a broadcast).
    pub fn resuming_at(origin: Duration) -> Self {
        Self {
            origin,
            last_video_dts: origin,
            last_audio: origin,
            ..Self::default()
        }
    }

    /// Where this clock's time starts.
    pub fn origin(&self) -> Duration {
        self.origin
    }

    fn rebase(&mut self, extended: u64) -> Duration {
        let base = *self.base.get_or_insert(extended);
        self.origin + Duration::from_millis(extended.saturating_sub(base))
    }

    /// Video DTS and PTS (DTS + composition offset), relative to the stream start.
    pub fn video(&mut self, ts: u32, composition_offset_ms: i32) -> (Duration, Duration) {
        let ext = self.video.extend(ts);
        let dts = self.rebase(ext).max(self.last_video_dts);
        self.last_video_dts = dts;
        let pts = if composition_offset_ms >= 0 {
            dts + Duration::from_millis(composition_offset_ms as u64)
        } else {
            dts.saturating_sub(Duration::from_millis(u64::from(
                composition_offset_ms.unsigned_abs(),
            )))
        };
        (dts, pts)
    }

    /// Audio timestamp relative to the stream start.
    pub fn audio(&mut self, ts: u32) -> Duration {
        let ext = self.audio.extend(ts);
        let t = self.rebase(ext).max(self.last_audio);
        self.last_audio = t;
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebases_to_first_timestamp_and_adds_composition_offset() {
        let mut clock = StreamClock::default();
        assert_eq!(
            clock.video(1000, 66),
            (Duration::ZERO, Duration::from_millis(66))
        );
        assert_eq!(clock.audio(1010), Duration::from_millis(10));
        assert_eq!(clock.video(1033, 0).0, Duration::from_millis(33));
    }

    #[test]
    fn a_resumed_clock_continues_where_the_broadcast_left_off() {
        let origin = Duration::from_secs(42);
        let mut clock = StreamClock::resuming_at(origin);
        assert_eq!(
            clock.video(500, 40),
            (origin, origin + Duration::from_millis(40))
        );
        assert_eq!(clock.audio(510), origin + Duration::from_millis(10));
        assert_eq!(clock.video(533, 0).0, origin + Duration::from_millis(33));
    }

    #[test]
    fn survives_wrap_and_backwards_jumps() {
        let mut clock = StreamClock::default();
        clock.video(u32::MAX - 10, 0);
        assert_eq!(clock.video(5, 0).0, Duration::from_millis(16));
        // A hostile publisher going backwards never makes DTS decrease.
        assert_eq!(clock.video(0, 0).0, Duration::from_millis(16));
        assert_eq!(clock.video(20, -1000).1, Duration::ZERO);
    }
}
