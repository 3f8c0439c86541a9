//! A rendition's LL-HLS output: `cmafmux` cut into fragments (segments) and chunks (parts) where
//! the [`split`](super::split) probe says, handed by an appsink to the in-memory [`Rendition`].
//!
//! ```text
//! encoded video or audio ─ identity [split] ─ cmafmux (manual-split) ─ appsink ─▶ Rendition
//! ```
//!
//! cmafmux 0.14 pushes one buffer list per chunk: the CMAF header first (`DISCONT|HEADER`, once),
//! then the `moof`+`mdat` header (`HEADER`, plus `DELTA_UNIT` unless it starts a fragment, its
//! PTS and duration those of the chunk), then the samples with their own flags.

use super::split::{self, Track};
use crate::error::PipelineError;
use bytes::{Bytes, BytesMut};
use gst::prelude::*;
use hls::live::{Chunk, Rendition, Timeline};
use std::time::Duration;

/// `identity ! cmafmux ! appsink` in a bin with one sink pad, feeding `rendition`, split into
/// segments at `timeline`'s boundaries and into parts of at most `part`.
pub fn sink(
    name: &str,
    rendition: Rendition,
    timeline: Timeline,
    track: Track,
    segment: Duration,
    part: Duration,
) -> Result<gst::Bin, PipelineError> {
    let bin = gst::Bin::with_name(&format!("llhls-{name}"));
    let splitter = gst::ElementFactory::make("identity")
        .name(format!("llhls-{name}-split"))
        .property("silent", true)
        .build()
        .map_err(PipelineError::element("identity"))?;
    let mux = gst::ElementFactory::make("cmafmux")
        .name(format!("llhls-{name}-mux"))
        // Splits only where the splitter says; the durations are for latency reporting.
        .property("manual-split", true)
        .property("fragment-duration", clock_time(segment))
        .property("chunk-duration", clock_time(part))
        .property("send-force-keyunit", false)
        .build()
        .map_err(PipelineError::element("cmafmux"))?;
    if let Some(pad) = splitter.static_pad("src") {
        split::install(&pad, timeline, rendition.clone(), track, part);
        not_live_to_the_muxer(&pad);
    }
    let sink = gst_app::AppSink::builder()
        .name(format!("llhls-{name}-sink"))
        .sync(false)
        .buffer_list(true)
        .build();
    let ended = rendition.clone();
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                // Chunk times as running time, the stream's media time (the muxer keeps its
                // input's timestamps, shifted by 1000 hours for x264enc's output).
                let segment = sample
                    .segment()
                    .and_then(|s| s.downcast_ref::<gst::ClockTime>().cloned());
                let time = |t: Option<gst::ClockTime>| {
                    let t = t?;
                    segment.as_ref().map_or(Some(t), |s| s.to_running_time(t))
                };
                if let Some(list) = sample.buffer_list() {
                    take(&rendition, list.iter(), time);
                } else if let Some(buffer) = sample.buffer() {
                    take(&rendition, std::iter::once(buffer), time);
                }
                Ok(gst::FlowSuccess::Ok)
            })
            .eos(move |_| ended.end())
            .build(),
    );
    bin.add_many([&splitter, &mux, sink.upcast_ref()])
        .map_err(PipelineError::link(name))?;
    gst::Element::link_many([&splitter, &mux, sink.upcast_ref()])
        .map_err(PipelineError::link(name))?;
    let pad = splitter
        .static_pad("sink")
        .ok_or_else(|| PipelineError::Link(name.to_owned()))?;
    let ghost = gst::GhostPad::with_target(&pad).map_err(PipelineError::link(name))?;
    bin.add_pad(&ghost).map_err(PipelineError::link(name))?;
    Ok(bin)
}

/// Tells the muxer, through its latency query, that its input is not live. A live aggregator
/// wakes at `next_time` to drain on a timeout; cmafmux 0.14 answers that time with the current
/// chunk's start and, under `manual-split`, drains nothing on a timeout and never moves the time
/// on, so its thread spins on the clock until the next buffer comes (most of a core per stream).
/// The muxer only ever needs to act when a buffer arrives, which is what a non-live aggregator
/// with one pad does. The rest of the pipeline, and the latency it reports, stay live.
fn not_live_to_the_muxer(pad: &gst::Pad) {
    pad.add_probe(gst::PadProbeType::QUERY_UPSTREAM, |_, info| {
        let Some(gst::PadProbeData::Query(query)) = info.data.as_mut() else {
            return gst::PadProbeReturn::Ok;
        };
        match query.view_mut() {
            gst::QueryViewMut::Latency(latency) => {
                latency.set(false, gst::ClockTime::ZERO, gst::ClockTime::NONE);
                gst::PadProbeReturn::Handled
            }
            _ => gst::PadProbeReturn::Ok,
        }
    });
}

fn clock_time(d: Duration) -> gst::ClockTime {
    gst::ClockTime::from_nseconds(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// Splits one chunk's buffers into the CMAF header and the part.
fn take<'a>(
    rendition: &Rendition,
    buffers: impl Iterator<Item = &'a gst::BufferRef>,
    running_time: impl Fn(Option<gst::ClockTime>) -> Option<gst::ClockTime>,
) {
    let mut part = BytesMut::new();
    let mut moof: Option<(Duration, Duration, bool)> = None;
    for buffer in buffers {
        let Ok(map) = buffer.map_readable() else {
            continue;
        };
        let flags = buffer.flags();
        if flags.contains(gst::BufferFlags::HEADER | gst::BufferFlags::DISCONT) {
            rendition.set_init(Bytes::copy_from_slice(&map));
            continue;
        }
        if moof.is_none() && flags.contains(gst::BufferFlags::HEADER) {
            let at =
                |t: Option<gst::ClockTime>| Duration::from_nanos(t.map_or(0, |t| t.nseconds()));
            moof = Some((
                at(running_time(buffer.pts())),
                at(buffer.duration()),
                !flags.contains(gst::BufferFlags::DELTA_UNIT),
            ));
        }
        part.extend_from_slice(&map);
    }
    if let Some((start, duration, fragment_start)) = moof {
        rendition.push(Chunk {
            data: part.freeze(),
            start,
            duration,
            // The splitter says whether its first sample is a sync sample (the muxer marks
            // every sample buffer a delta unit); a fragment start is one otherwise.
            independent: fragment_start,
            starts_segment: fragment_start,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hls::live::{Position, Settings};
    use std::time::SystemTime;

    /// 30 fps video with a keyframe every 2 s.
    fn video(seconds: u32) -> String {
        format!(
            "videotestsrc num-buffers={} ! video/x-raw,width=320,height=180,framerate=30/1 \
             ! x264enc key-int-max=60 tune=zerolatency speed-preset=ultrafast \
             ! h264parse name=last",
            seconds * 30
        )
    }

    /// Encodes `source` (ending in an element named `last`) through the sink. Video drives the
    /// timeline as the pipeline's handle does; audio follows a timeline of 2 s GOPs.
    fn packaged(source: &str, track: Track, chunk: Duration) -> Rendition {
        crate::init().expect("GStreamer initialises");
        let settings = Settings {
            part_target: Duration::from_millis(500),
            target_duration: hls::live::TargetDuration::fixed(2),
            window_segments: 10,
            anchor: SystemTime::now(),
        };
        let rendition = Rendition::new("360p", settings);
        let pipeline = gst::parse::launch(source)
            .expect("a pipeline")
            .downcast::<gst::Pipeline>()
            .expect("a pipeline");
        let timeline = Timeline::new(Duration::from_secs(2), true);
        let bin = sink(
            "360p",
            rendition.clone(),
            timeline.clone(),
            track,
            Duration::from_secs(2),
            chunk,
        )
        .expect("the sink");
        pipeline.add(&bin).expect("added");
        let last = pipeline.by_name("last").expect("the parser");
        if track == Track::Audio {
            for i in 0..600u64 {
                timeline.on_video(Duration::from_nanos(i * 1_000_000_000 / 30), i % 60 == 0);
            }
        } else if let Some(pad) = last.static_pad("src") {
            pad.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
                if let Some(buffer) = info.buffer() {
                    // Running time, as the splitter reads it (x264enc's times start 1000 h in).
                    let segment = pad
                        .sticky_event::<gst::event::Segment>(0)
                        .expect("a segment");
                    let pts = segment
                        .segment()
                        .downcast_ref::<gst::ClockTime>()
                        .and_then(|s| s.to_running_time(buffer.pts()?))
                        .map_or(Duration::ZERO, |t| Duration::from_nanos(t.nseconds()));
                    timeline.on_video(pts, !buffer.flags().contains(gst::BufferFlags::DELTA_UNIT));
                }
                gst::PadProbeReturn::Ok
            });
        }
        last.link(&bin).expect("linked");
        pipeline.set_state(gst::State::Playing).expect("playing");
        let bus = pipeline.bus().expect("a bus");
        let message = bus
            .timed_pop_filtered(
                gst::ClockTime::from_seconds(60),
                &[gst::MessageType::Eos, gst::MessageType::Error],
            )
            .expect("EOS or an error within a minute");
        let _ = pipeline.set_state(gst::State::Null);
        assert!(
            matches!(message.view(), gst::MessageView::Eos(_)),
            "the pipeline failed: {message:?}"
        );
        rendition
    }

    /// Every part is at most the 0.5 s target, and every part but a segment's last fills at
    /// least 85 % of it.
    fn check_parts(text: &str) {
        let mut segments: Vec<Vec<f64>> = vec![Vec::new()];
        for line in text.lines() {
            if line.starts_with("#EXT-X-PART:") {
                let d = attribute(line, "DURATION").and_then(|d| d.parse().ok());
                if let Some(parts) = segments.last_mut() {
                    parts.push(d.expect("a duration"));
                }
            } else if line.starts_with("#EXTINF:") {
                segments.push(Vec::new());
            }
        }
        assert!(segments.iter().flatten().count() >= 9, "{text}");
        for parts in &segments {
            for (i, d) in parts.iter().enumerate() {
                assert!(*d <= 0.5 + 1e-6, "a part of {d} s: {text}");
                if i + 1 < parts.len() {
                    assert!(*d >= 0.85 * 0.5, "a non-final part of {d} s: {text}");
                }
            }
        }
    }

    /// The `EXTINF` durations of a playlist.
    fn extinfs(text: &str) -> Vec<f64> {
        text.lines()
            .filter_map(|l| l.strip_prefix("#EXTINF:"))
            .map(|d| d.trim_end_matches(',').parse().expect("a duration"))
            .collect()
    }

    fn attribute<'a>(line: &'a str, name: &str) -> Option<&'a str> {
        line.split([':', ','])
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
    }

    #[test]
    fn keyframe_fragments_become_segments_and_chunks_become_parts_within_the_target() {
        let rendition = packaged(&video(5), Track::Encoded, Duration::from_millis(500));
        assert!(rendition.init().is_some_and(|init| &init[4..8] == b"ftyp"));
        assert!(rendition.position().ended);
        let text = rendition.playlist(&[], false);
        check_parts(&text);
        let segments = extinfs(&text);
        assert_eq!(segments.len(), 3, "{text}");
        assert!(
            (segments.iter().sum::<f64>() - 5.0).abs() < 0.04,
            "{segments:?}"
        );
        assert!((segments[0] - 2.0).abs() < 0.04 && (segments[1] - 2.0).abs() < 0.04);
        // INDEPENDENT exactly on each segment's first part, which starts with its keyframe.
        let mut previous_segment = None;
        for line in text.lines().filter(|l| l.starts_with("#EXT-X-PART:")) {
            let uri = attribute(line, "URI").expect("a uri").trim_matches('"');
            let (msn, index) = uri
                .trim_end_matches(".m4s")
                .split_once('.')
                .expect("msn.part");
            assert_eq!(
                line.ends_with(",INDEPENDENT=YES"),
                index == "0",
                "{line} (after segment {previous_segment:?})"
            );
            previous_segment = Some(msn.to_owned());
        }
        // A segment is its parts in order: `styp` opens the first, every other starts a `moof`.
        let body = rendition.segment(1).expect("segment 1");
        assert_eq!(&body[4..8], b"styp");
        let (first, second) = (
            rendition.part(1, 0).expect("part 1.0"),
            rendition.part(1, 1).expect("part 1.1"),
        );
        assert_eq!(&second[4..8], b"moof");
        assert_eq!(body.slice(first.len()..first.len() + second.len()), second);
        assert_eq!(
            rendition.position(),
            Position {
                msn: 3,
                parts: 0,
                ended: true
            }
        );
    }

    #[test]
    fn aac_parts_stay_within_the_target_and_segments_follow_the_video_boundaries() {
        // 48 kHz AAC: 1024-sample frames of 21.3 ms, which do not divide 0.5 s.
        let rendition = packaged(
            "audiotestsrc num-buffers=235 samplesperbuffer=1024 ! audio/x-raw,rate=48000,channels=2 \
             ! avenc_aac ! aacparse name=last",
            Track::Audio,
            Duration::from_millis(500),
        );
        let text = rendition.playlist(&[], false);
        check_parts(&text);
        // Every audio part is independent, and segments start within one frame of 2 s and 4 s.
        assert!(text
            .lines()
            .filter(|l| l.starts_with("#EXT-X-PART:"))
            .all(|l| l.ends_with(",INDEPENDENT=YES")));
        let segments = extinfs(&text);
        assert_eq!(segments.len(), 3, "{text}");
        assert!(
            segments[..2].iter().all(|d| (d - 2.0).abs() < 0.022),
            "{segments:?}"
        );
    }
}
