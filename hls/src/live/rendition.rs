//! One rendition's parts and segments, its live window and its progress.

use super::playlist::{self, RenditionReport};
use super::segment::{Part, Segment};
pub use super::segment::{Settings, TargetDuration};
use bytes::Bytes;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::watch;

/// How a part starts, as the splitter in front of the muxer saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartStart {
    /// It opens segment number `segment`.
    pub segment: Option<u64>,
    /// Its first sample is a sync sample (`INDEPENDENT=YES`).
    pub independent: bool,
}

/// One CMAF chunk as the muxer made it.
#[derive(Debug, Clone)]
pub struct Chunk {
    pub data: Bytes,
    /// Media time of its first sample, from the stream's start.
    pub start: Duration,
    pub duration: Duration,
    /// It starts with a keyframe (`INDEPENDENT=YES`).
    pub independent: bool,
    /// It starts a new segment (the muxer's fragment boundary).
    pub starts_segment: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    count: u32,
    bits: f64,
    seconds: f64,
    peak_bps: f64,
}

/// Where a rendition is: the segment being filled and how many of its parts are complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// The media sequence number of the segment parts are added to (the next one, right after
    /// a segment closed).
    pub msn: u64,
    /// Complete parts of that segment.
    pub parts: u32,
    /// `EXT-X-ENDLIST` was written.
    pub ended: bool,
}

/// A playlist request with blocking directives (`_HLS_msn`, `_HLS_part`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BlockingRequest {
    pub msn: Option<u64>,
    pub part: Option<u32>,
}

/// Why a blocking request is refused at once (rfc8216bis 6.2.5.2: Bad Request).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BlockingError {
    #[error("_HLS_part without _HLS_msn")]
    PartWithoutMsn,
    #[error("the requested segment or part is too far beyond the live edge")]
    TooFarAhead,
}

impl BlockingRequest {
    /// Whether a rendition at `at` holds what is asked for.
    fn is_satisfied_by(&self, at: Position) -> bool {
        match (self.msn, self.part) {
            _ if at.ended => true,
            (None, _) => true,
            (Some(msn), None) => at.msn > msn,
            (Some(msn), Some(part)) => at.msn > msn || (at.msn == msn && at.parts > part),
        }
    }
}

struct State {
    init: Option<Bytes>,
    /// The parts the splitter has started, not yet seen here, oldest first.
    expected: VecDeque<PartStart>,
    tally: Tally,
    /// The last playlists written, by position and delta-ness.
    cached: Vec<(Position, bool, Bytes)>,
    /// Complete segments, oldest first: the window plus a few that players may still fetch.
    segments: VecDeque<Segment>,
    /// The segment being filled.
    open: Option<Segment>,
    next_msn: u64,
    ended: bool,
}

struct Shared {
    name: String,
    settings: Settings,
    state: Mutex<State>,
    progress: watch::Sender<Position>,
    /// Told of every header and complete segment, for the recording (see [`Recorder`]).
    recorder: std::sync::OnceLock<Recorder>,
}

/// What a rendition hands its recorder: its header, and each segment as it completes.
#[derive(Debug, Clone)]
pub enum Recorded {
    /// A new CMAF header (`ftyp` + `moov`).
    Init(Bytes),
    /// A complete segment; `data` is `None` for an `EXT-X-GAP` segment.
    Segment {
        msn: u64,
        duration: Duration,
        data: Option<Bytes>,
    },
}

/// Takes a rendition's output as it is made: `(rendition name, what)`. Called on the
/// rendition's own thread with its state locked, so it must only hand the work on.
pub type Recorder = std::sync::Arc<dyn Fn(&str, Recorded) + Send + Sync>;

/// One rendition's live HLS: cheap to clone, shared by the pipeline (which pushes) and the HTTP
/// side (which reads and waits).
#[derive(Clone)]
pub struct Rendition(Arc<Shared>);

/// Segments kept beyond the window, for players still fetching them.
const KEPT_BEYOND_WINDOW: usize = 3;

impl Rendition {
    pub fn new(name: impl Into<String>, settings: Settings) -> Self {
        let (progress, _) = watch::channel(Position::default());
        Self(Arc::new(Shared {
            name: name.into(),
            settings,
            state: Mutex::new(State {
                init: None,
                expected: VecDeque::new(),
                tally: Tally::default(),
                cached: Vec::new(),
                segments: VecDeque::new(),
                open: None,
                next_msn: 0,
                ended: false,
            }),
            progress,
            recorder: std::sync::OnceLock::new(),
        }))
    }

    pub fn name(&self) -> &str {
        &self.0.name
    }

    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.0.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The CMAF header (`ftyp` + `moov`), replaced whenever the muxer writes a new one.
    pub fn set_init(&self, data: Bytes) {
        let mut state = self.state();
        if state.init.as_ref() == Some(&data) {
            return;
        }
        if let Some(recorder) = self.0.recorder.get() {
            recorder(&self.0.name, Recorded::Init(data.clone()));
        }
        state.init = Some(data);
    }

    /// Hands every header and complete segment from now on to `recorder` (once per rendition).
    pub fn record(&self, recorder: Recorder) {
        let state = self.state();
        if let Some(init) = &state.init {
            recorder(&self.0.name, Recorded::Init(init.clone()));
        }
        let _ = self.0.recorder.set(recorder);
    }

    pub fn init(&self) -> Option<Bytes> {
        self.state().init.clone()
    }

    /// Says what the next part the muxer makes starts with, as the splitter saw its first
    /// buffer: whether that is a sync sample, and which segment it opens, if any (its number
    /// is the timeline's, so every rendition numbers its segments alike).
    pub fn expect_part(&self, start: PartStart) {
        self.state().expected.push_back(start);
    }

    /// Measured bandwidth of the complete segments: (peak, average) bits per second, once two
    /// exist. The peak counts segments of at least half the target only.
    pub fn bandwidth(&self) -> Option<(u64, u64)> {
        let tally = self.state().tally;
        (tally.count >= 2 && tally.seconds > 0.0).then(|| {
            let average = tally.bits / tally.seconds;
            (tally.peak_bps.max(average) as u64, average as u64)
        })
    }

    /// Adds a chunk as the next part; a chunk that starts a segment first closes the open one.
    pub fn push(&self, chunk: Chunk) {
        let mut state = self.state();
        if state.ended {
            return;
        }
        let start = state.expected.pop_front();
        let independent = start.map_or(chunk.independent, |s| s.independent);
        if chunk.starts_segment {
            close_open(&mut state, &self.0.settings, self.recorder());
            if let Some(msn) = start.and_then(|s| s.segment) {
                if msn > state.next_msn {
                    // This rendition paused (the passthrough while the source's keyframes were
                    // too far apart): the segments it skipped are gaps, so that its numbers
                    // stay those of every other rendition.
                    add_gaps(
                        &mut state,
                        msn,
                        chunk.start,
                        &self.0.settings,
                        self.recorder(),
                    );
                }
            }
        }
        let msn = state.next_msn;
        let open = state.open.get_or_insert_with(|| Segment {
            msn,
            start: chunk.start,
            parts: Vec::new(),
            whole: None,
            gap: None,
        });
        open.parts.push(Part {
            data: chunk.data,
            duration: chunk.duration,
            independent,
        });
        let position = position_of(&state);
        drop(state);
        self.0.progress.send_replace(position);
    }

    /// Closes the last segment and marks the playlist ended; waiting requests are answered.
    pub fn end(&self) {
        let mut state = self.state();
        close_open(&mut state, &self.0.settings, self.recorder());
        state.ended = true;
        let position = position_of(&state);
        drop(state);
        self.0.progress.send_replace(position);
    }

    fn recorder(&self) -> Option<(&str, &Recorder)> {
        Some((self.0.name.as_str(), self.0.recorder.get()?))
    }

    pub fn position(&self) -> Position {
        *self.0.progress.borrow()
    }

    /// The last complete part, for other renditions' `EXT-X-RENDITION-REPORT`.
    pub fn report(&self, uri: String) -> RenditionReport {
        let state = self.state();
        let last = state.open.as_ref().or(state.segments.back());
        let (last_msn, last_part) = match last {
            Some(s) => (s.msn, s.parts.len().checked_sub(1).map(|p| p as u64)),
            None => (0, None),
        };
        RenditionReport {
            uri,
            last_msn,
            last_part,
        }
    }

    /// Checks a blocking request against the live edge (rfc8216bis 6.2.5.2): an msn more than
    /// two beyond the last complete segment (the open one is `at.msn`), or a part more than the
    /// advance part limit ahead, is refused.
    pub fn check(&self, request: BlockingRequest) -> Result<(), BlockingError> {
        let Some(msn) = request.msn else {
            return match request.part {
                Some(_) => Err(BlockingError::PartWithoutMsn),
                None => Ok(()),
            };
        };
        let at = self.position();
        if at.ended {
            return Ok(());
        }
        if msn > at.msn + 1 {
            return Err(BlockingError::TooFarAhead);
        }
        if let Some(part) = request.part {
            let settings = &self.0.settings;
            let per_segment = (f64::from(settings.target_duration.get())
                / settings.part_target.as_secs_f64().max(0.001))
            .ceil() as u64;
            let asked = msn.saturating_mul(per_segment) + u64::from(part);
            let have = at.msn.saturating_mul(per_segment) + u64::from(at.parts);
            if asked > have + settings.advance_part_limit() {
                return Err(BlockingError::TooFarAhead);
            }
        }
        Ok(())
    }

    /// Waits until the rendition holds what `request` asks for, or it ends. The caller bounds
    /// the wait (rfc8216bis: three target durations, then 503).
    pub async fn wait_for(&self, request: BlockingRequest) {
        let mut progress = self.0.progress.subscribe();
        // The sender lives as long as `self`, so this returns only once satisfied.
        let _ = progress.wait_for(|at| request.is_satisfied_by(*at)).await;
    }

    /// The media playlist, with `reports` for the other renditions; `skip` asks for a delta
    /// update (`_HLS_skip=YES`), honoured when the window allows it.
    pub fn playlist(&self, reports: &[RenditionReport], skip: bool) -> String {
        let state = self.state();
        self.write_playlist(&state, reports, skip)
    }

    /// The media playlist as [`Self::playlist`] writes it, kept until the rendition moves on:
    /// players asking for the same playlist at the same live edge share one copy. Other
    /// renditions' reports are those of the first request at this position.
    pub fn playlist_bytes(
        &self,
        reports: impl FnOnce() -> Vec<RenditionReport>,
        skip: bool,
    ) -> Bytes {
        let at = self.position();
        {
            let state = self.state();
            if let Some((_, _, text)) = state.cached.iter().find(|(p, s, _)| *p == at && *s == skip)
            {
                return text.clone();
            }
        }
        let reports = reports();
        let mut state = self.state();
        let text = Bytes::from(self.write_playlist(&state, &reports, skip));
        let at = position_of(&state);
        state.cached.retain(|(p, _, _)| *p == at);
        state.cached.push((at, skip, text.clone()));
        text
    }

    fn write_playlist(&self, state: &State, reports: &[RenditionReport], skip: bool) -> String {
        playlist::write(
            &self.0.settings,
            state
                .segments
                .iter()
                .rev()
                .take(self.0.settings.window_segments)
                .rev(),
            state.open.as_ref(),
            state.ended,
            reports,
            skip,
        )
    }

    /// A complete segment's body, if it is still kept.
    pub fn segment(&self, msn: u64) -> Option<Bytes> {
        let state = self.state();
        state.segments.iter().find(|s| s.msn == msn)?.whole.clone()
    }

    /// A part's body, if it exists and is still kept.
    pub fn part(&self, msn: u64, index: u32) -> Option<Bytes> {
        let state = self.state();
        let segment = state
            .segments
            .iter()
            .chain(state.open.iter())
            .find(|s| s.msn == msn)?;
        segment.parts.get(index as usize).map(|p| p.data.clone())
    }
}

fn close_open(state: &mut State, settings: &Settings, recorder: Option<(&str, &Recorder)>) {
    let Some(mut open) = state.open.take() else {
        return;
    };
    state.next_msn = open.msn + 1;
    // The segment becomes one buffer, its parts slices of it: a segment is served without a
    // copy, and the parts' own buffers are freed.
    let mut whole = bytes::BytesMut::with_capacity(open.parts.iter().map(|p| p.data.len()).sum());
    for part in &open.parts {
        whole.extend_from_slice(&part.data);
    }
    let whole = whole.freeze();
    let mut at = 0;
    for part in &mut open.parts {
        let len = part.data.len();
        part.data = whole.slice(at..at + len);
        at += len;
    }
    let name = recorder.as_ref().map_or("", |(name, _)| name);
    settings
        .target_duration
        .covers(open.msn, open.duration(), name);
    let seconds = open.duration().as_secs_f64();
    if seconds > 0.0 && open.gap.is_none() {
        let bits = whole.len() as f64 * 8.0;
        let tally = &mut state.tally;
        tally.count += 1;
        tally.bits += bits;
        tally.seconds += seconds;
        if seconds >= f64::from(settings.target_duration.get()) * 0.5 {
            tally.peak_bps = tally.peak_bps.max(bits / seconds);
        }
    }
    if open.gap.is_none() {
        open.whole = Some(whole);
    }
    if let Some((name, recorder)) = recorder {
        recorder(
            name,
            Recorded::Segment {
                msn: open.msn,
                duration: open.duration(),
                data: open.whole.clone(),
            },
        );
    }
    let window = settings.window_segments;
    state.segments.push_back(open);
    while state.segments.len() > window.max(1) + KEPT_BEYOND_WINDOW {
        state.segments.pop_front();
    }
}

/// Fills segments `next_msn..msn` with gaps sharing the time from the last segment's end to
/// `until`.
fn add_gaps(
    state: &mut State,
    msn: u64,
    until: Duration,
    settings: &Settings,
    recorder: Option<(&str, &Recorder)>,
) {
    let count = msn - state.next_msn;
    let from = state
        .segments
        .back()
        .map_or(until, |s| s.start + s.duration());
    let each = until.saturating_sub(from) / u32::try_from(count).unwrap_or(u32::MAX).max(1);
    for i in 0..count {
        let gap = Segment {
            msn: state.next_msn,
            start: from + each * u32::try_from(i).unwrap_or(u32::MAX),
            parts: Vec::new(),
            whole: None,
            gap: Some(each),
        };
        state.open = Some(gap);
        close_open(state, settings, recorder);
    }
}

fn position_of(state: &State) -> Position {
    match &state.open {
        Some(open) => Position {
            msn: open.msn,
            parts: u32::try_from(open.parts.len()).unwrap_or(u32::MAX),
            ended: state.ended,
        },
        None => Position {
            msn: state.next_msn,
            parts: 0,
            ended: state.ended,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    const PART: Duration = Duration::from_millis(500);

    fn settings(window_segments: usize) -> Settings {
        Settings {
            part_target: PART,
            target_duration: TargetDuration::fixed(2),
            window_segments,
            anchor: SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_223_845),
        }
    }

    /// Pushes `parts` parts of 0.5 s, a keyframe (and a new segment) every fourth.
    fn fed(window: usize, parts: u64) -> Rendition {
        let r = Rendition::new("720p", settings(window));
        r.set_init(Bytes::from_static(b"init"));
        for i in 0..parts {
            r.push(Chunk {
                data: Bytes::from(format!("part{i}")),
                start: PART * u32::try_from(i).expect("small"),
                duration: PART,
                independent: i % 4 == 0,
                starts_segment: i % 4 == 0,
            });
        }
        r
    }

    fn lines(text: &str, prefix: &str) -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with(prefix))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn a_live_playlist_lists_parts_keyframes_and_the_next_part_hint() {
        let r = fed(6, 10); // segments 0 and 1 complete, segment 2 has two parts
        let text = r.playlist(&[], false);
        assert!(text.starts_with("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n"));
        assert!(text.contains("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500\n"));
        assert!(text.contains("#EXT-X-PART-INF:PART-TARGET=0.500\n"));
        assert!(text.contains("#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-MAP:URI=\"init.mp4\"\n"));
        assert_eq!(
            lines(&text, "#EXTINF:"),
            ["#EXTINF:2.00000,", "#EXTINF:2.00000,"]
        );
        assert_eq!(lines(&text, "#EXT-X-PART:").len(), 10);
        let independent = lines(&text, "#EXT-X-PART:")
            .into_iter()
            .filter(|l| l.ends_with(",INDEPENDENT=YES"))
            .collect::<Vec<_>>();
        assert_eq!(
            independent,
            [
                "#EXT-X-PART:DURATION=0.500,URI=\"0.0.m4s\",INDEPENDENT=YES",
                "#EXT-X-PART:DURATION=0.500,URI=\"1.0.m4s\",INDEPENDENT=YES",
                "#EXT-X-PART:DURATION=0.500,URI=\"2.0.m4s\",INDEPENDENT=YES",
            ]
        );
        assert_eq!(
            lines(&text, "#EXT-X-PRELOAD-HINT"),
            ["#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"2.2.m4s\""]
        );
        assert_eq!(
            lines(&text, "#EXT-X-PROGRAM-DATE-TIME:"),
            [
                "#EXT-X-PROGRAM-DATE-TIME:2026-12-02T15:04:05.000Z",
                "#EXT-X-PROGRAM-DATE-TIME:2026-12-02T15:04:07.000Z",
                "#EXT-X-PROGRAM-DATE-TIME:2026-12-02T15:04:09.000Z",
            ]
        );
        assert!(!text.contains("#EXT-X-ENDLIST"));
        assert_eq!(
            r.position(),
            Position {
                msn: 2,
                parts: 2,
                ended: false
            }
        );
    }

    #[test]
    fn a_plain_hls_reader_sees_the_complete_segments_with_their_real_durations() {
        let r = fed(6, 10);
        r.end();
        let text = r.playlist(&[], false);
        let parsed = m3u8_rs::parse_media_playlist_res(text.as_bytes()).expect("parses");
        let durations: Vec<f32> = parsed.segments.iter().map(|s| s.duration).collect();
        assert_eq!(durations, [2.0, 2.0, 1.0]);
        let uris: Vec<&str> = parsed.segments.iter().map(|s| s.uri.as_str()).collect();
        assert_eq!(uris, ["0.m4s", "1.m4s", "2.m4s"]);
        assert!(parsed.end_list);
        assert!(!text.contains("PRELOAD-HINT"));
    }

    #[test]
    fn the_window_slides_and_old_parts_leave_the_playlist() {
        let r = fed(3, 40); // segments 0..=8 complete, segment 9 open with 4 parts
        let text = r.playlist(&[], false);
        assert!(text.contains("#EXT-X-MEDIA-SEQUENCE:6\n"), "{text}");
        assert_eq!(lines(&text, "#EXTINF:").len(), 3);
        // Parts only within three target durations (6 s) of the live edge: segments 7, 8, 9.
        let parts = lines(&text, "#EXT-X-PART:");
        assert!(
            parts.first().is_some_and(|p| p.contains("\"7.0.m4s\"")),
            "{parts:?}"
        );
        assert_eq!(parts.len(), 12);
        // Bodies are kept three segments beyond the window, then dropped.
        assert!(r.segment(3).is_some());
        assert!(r.segment(2).is_none());
        let body = r.segment(8).expect("segment 8");
        assert_eq!(body, Bytes::from_static(b"part32part33part34part35"));
        assert_eq!(r.part(8, 1), Some(Bytes::from_static(b"part33")));
        assert_eq!(r.part(9, 3), Some(Bytes::from_static(b"part39")));
        assert_eq!(r.part(9, 4), None);
    }

    #[test]
    fn a_long_window_offers_delta_updates_that_skip_the_old_segments() {
        let r = fed(15, 64); // 16 segments of 2 s, the last one complete only at end()
        let full = r.playlist(&[], false);
        assert!(full.contains(",CAN-SKIP-UNTIL=12.000\n"));
        assert!(!full.contains("#EXT-X-SKIP"));
        let delta = r.playlist(&[], true);
        let skip = lines(&delta, "#EXT-X-SKIP:");
        assert_eq!(skip.len(), 1, "{delta}");
        let skipped: usize = skip[0]
            .trim_start_matches("#EXT-X-SKIP:SKIPPED-SEGMENTS=")
            .parse()
            .expect("a count");
        let listed = lines(&delta, "#EXTINF:").len();
        assert_eq!(skipped + listed, lines(&full, "#EXTINF:").len());
        // What is left (listed segments and the open one's 2 s of parts) covers at least
        // CAN-SKIP-UNTIL before the live edge, and one more skipped segment would not.
        assert!(listed * 2 + 2 >= 12, "{delta}");
        assert!((listed - 1) * 2 + 2 < 12, "{delta}");
        // A short window has no delta updates at all.
        assert!(!fed(6, 10).playlist(&[], true).contains("SKIP"));
    }

    #[test]
    fn segments_a_paused_rendition_skipped_are_gaps_that_keep_the_numbers() {
        let r = fed(10, 8); // segments 0 and 1 complete at end of push 8
                            // The splitter skips segments 2 and 3 and restarts at 4, 4 s after segment 1 ended.
        r.expect_part(PartStart {
            segment: Some(4),
            independent: true,
        });
        r.push(Chunk {
            data: Bytes::from_static(b"part16"),
            start: PART * 16,
            duration: PART,
            independent: true,
            starts_segment: true,
        });
        let text = r.playlist(&[], false);
        let parsed = m3u8_rs::parse_media_playlist_res(text.as_bytes()).expect("parses");
        let listed: Vec<(&str, f32)> = parsed
            .segments
            .iter()
            .map(|s| (s.uri.as_str(), s.duration))
            .collect();
        assert_eq!(
            listed,
            [
                ("0.m4s", 2.0),
                ("1.m4s", 2.0),
                ("2.m4s", 2.0),
                ("3.m4s", 2.0)
            ]
        );
        assert_eq!(text.matches("#EXT-X-GAP\n").count(), 2, "{text}");
        assert!(r.segment(2).is_none());
        assert_eq!(r.position().msn, 4);
    }

    #[test]
    fn rendition_reports_name_the_last_complete_part() {
        let r = fed(6, 10);
        let report = r.report("../480p/index.m3u8".into());
        assert_eq!((report.last_msn, report.last_part), (2, Some(1)));
        let text = fed(6, 5).playlist(&[report], false);
        assert!(text.contains(
            "#EXT-X-RENDITION-REPORT:URI=\"../480p/index.m3u8\",LAST-MSN=2,LAST-PART=1\n"
        ));
    }

    #[test]
    fn blocking_requests_too_far_ahead_or_without_an_msn_are_refused() {
        let r = fed(6, 10); // at msn 2, two parts
        let ask = |msn, part| BlockingRequest { msn, part };
        assert_eq!(
            r.check(ask(None, Some(0))),
            Err(BlockingError::PartWithoutMsn)
        );
        assert_eq!(r.check(ask(None, None)), Ok(()));
        // The last complete segment is 1: up to msn 3 may be waited for.
        assert_eq!(r.check(ask(Some(3), None)), Ok(()));
        assert_eq!(r.check(ask(Some(4), None)), Err(BlockingError::TooFarAhead));
        // Advance part limit at 0.5 s parts: 3 / 0.5 = 6 parts beyond the last one.
        assert_eq!(r.check(ask(Some(3), Some(3))), Ok(()));
        assert_eq!(
            r.check(ask(Some(3), Some(5))),
            Err(BlockingError::TooFarAhead)
        );
        r.end();
        assert_eq!(r.check(ask(Some(9), Some(9))), Ok(()));
    }

    #[tokio::test]
    async fn a_blocking_request_waits_for_its_whole_part_and_ends_with_the_stream() {
        let r = fed(6, 10);
        // Already there: answered at once.
        r.wait_for(BlockingRequest {
            msn: Some(2),
            part: Some(1),
        })
        .await;
        r.wait_for(BlockingRequest {
            msn: Some(1),
            part: None,
        })
        .await;
        // The hinted part (2.2): not before it is pushed.
        let waiting = tokio::spawn({
            let r = r.clone();
            async move {
                r.wait_for(BlockingRequest {
                    msn: Some(2),
                    part: Some(2),
                })
                .await
            }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        r.push(Chunk {
            data: Bytes::from_static(b"part10"),
            start: PART * 10,
            duration: PART,
            independent: false,
            starts_segment: false,
        });
        waiting.await.expect("woken by the part");
        // A segment that will never come is answered when the stream ends.
        let waiting = tokio::spawn({
            let r = r.clone();
            async move {
                r.wait_for(BlockingRequest {
                    msn: Some(4),
                    part: None,
                })
                .await
            }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        r.end();
        waiting.await.expect("woken by the end");
        assert!(r.playlist(&[], false).ends_with("#EXT-X-ENDLIST\n"));
    }
}
