//! The LL-HLS media playlist writer. m3u8-rs (6.x) has no LL-HLS tags and cannot write a
//! segment that is still open, so the text is written here, tag by tag as rfc8216bis orders it.

use super::clock::rfc3339_millis;
use super::segment::{Segment, Settings};
use std::fmt::Write as _;
use std::time::Duration;

/// `EXT-X-RENDITION-REPORT` for another rendition of the same stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenditionReport {
    /// Its media playlist, relative to this one.
    pub uri: String,
    pub last_msn: u64,
    /// Its last complete part in `last_msn`; `None` right after a segment closed.
    pub last_part: Option<u64>,
}

/// Name of a segment's file in the rendition's folder.
pub(super) fn segment_uri(msn: u64) -> String {
    format!("{msn}.m4s")
}

/// Name of a part's file in the rendition's folder.
pub(super) fn part_uri(msn: u64, index: usize) -> String {
    format!("{msn}.{index}.m4s")
}

/// The init segment's file name.
pub const INIT_URI: &str = "init.mp4";

/// Seconds with millisecond precision, as decimal attributes take them.
fn secs(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

pub(super) fn write<'a>(
    settings: &Settings,
    complete: impl DoubleEndedIterator<Item = &'a Segment> + Clone,
    open: Option<&'a Segment>,
    ended: bool,
    reports: &[RenditionReport],
    skip: bool,
) -> String {
    let target = Duration::from_secs(u64::from(settings.target_duration.get()));
    let skip_until = settings.skip_until();
    let mut out = String::with_capacity(4096);
    let _ = writeln!(out, "#EXTM3U");
    let _ = writeln!(out, "#EXT-X-VERSION:9");
    let _ = writeln!(
        out,
        "#EXT-X-TARGETDURATION:{}",
        settings.target_duration.get()
    );
    let mut control = format!(
        "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK={}",
        secs(settings.part_target * 3)
    );
    if let Some(until) = skip_until {
        let _ = write!(control, ",CAN-SKIP-UNTIL={}", secs(until));
    }
    let _ = writeln!(out, "{control}");
    let _ = writeln!(
        out,
        "#EXT-X-PART-INF:PART-TARGET={}",
        secs(settings.part_target)
    );
    let all: Vec<&Segment> = complete.chain(open).collect();
    let first_msn = all.first().map_or(0, |s| s.msn);
    let _ = writeln!(out, "#EXT-X-MEDIA-SEQUENCE:{first_msn}");
    let _ = writeln!(out, "#EXT-X-MAP:URI=\"{INIT_URI}\"");

    let total: Duration = all.iter().map(|s| s.duration()).sum();
    // Delta update: complete segments that end more than CAN-SKIP-UNTIL before the live edge.
    let mut skipped = 0;
    if let (true, Some(until)) = (skip, skip_until) {
        let mut elapsed = Duration::ZERO;
        for segment in all
            .iter()
            .take_while(|s| s.msn != open.map_or(u64::MAX, |o| o.msn))
        {
            elapsed += segment.duration();
            if total.saturating_sub(elapsed) < until {
                break;
            }
            skipped += 1;
        }
    }
    if skipped > 0 {
        let _ = writeln!(out, "#EXT-X-SKIP:SKIPPED-SEGMENTS={skipped}");
    }

    // Parts are listed for the segments within three target durations of the live edge.
    let mut from_end = total;
    for (i, segment) in all.iter().enumerate() {
        let duration = segment.duration();
        from_end = from_end.saturating_sub(duration);
        let is_open = open.is_some_and(|o| o.msn == segment.msn);
        if i < skipped {
            continue;
        }
        let anchor = settings.anchor + segment.start;
        let _ = writeln!(out, "#EXT-X-PROGRAM-DATE-TIME:{}", rfc3339_millis(anchor));
        if is_open || from_end < target * 3 {
            for (index, part) in segment.parts.iter().enumerate() {
                let _ = write!(
                    out,
                    "#EXT-X-PART:DURATION={},URI=\"{}\"",
                    secs(part.duration),
                    part_uri(segment.msn, index)
                );
                if part.independent {
                    let _ = write!(out, ",INDEPENDENT=YES");
                }
                let _ = writeln!(out);
            }
        }
        if !is_open {
            if segment.gap.is_some() {
                let _ = writeln!(out, "#EXT-X-GAP");
            }
            let _ = writeln!(out, "#EXTINF:{:.5},", duration.as_secs_f64());
            let _ = writeln!(out, "{}", segment_uri(segment.msn));
        }
    }
    if !ended {
        let (msn, index) = match open {
            Some(open) => (open.msn, open.parts.len()),
            None => (all.last().map_or(0, |s| s.msn + 1), 0),
        };
        let _ = writeln!(
            out,
            "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"{}\"",
            part_uri(msn, index)
        );
        for report in reports {
            let _ = write!(
                out,
                "#EXT-X-RENDITION-REPORT:URI=\"{}\",LAST-MSN={}",
                report.uri, report.last_msn
            );
            if let Some(part) = report.last_part {
                let _ = write!(out, ",LAST-PART={part}");
            }
            let _ = writeln!(out);
        }
    } else {
        let _ = writeln!(out, "#EXT-X-ENDLIST");
    }
    out
}
