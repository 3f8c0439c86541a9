//! Archive repair: an MKV whose writer was killed has no duration and no index. Remuxing it
//! (no re-encode) through the demuxer and muxer writes both, so it plays and seeks again.

use gst::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Duration;
use thiserror::Error;

/// Why an archive could not be repaired.
#[derive(Debug, Error)]
pub enum ArchiveError {
    #[error("archive {0} does not exist")]
    Missing(PathBuf),
    #[error("archive {0} holds no playable media")]
    Empty(PathBuf),
    #[error("could not repair {0}: {1}")]
    Repair(PathBuf, String),
    #[error(transparent)]
    Pipeline(#[from] crate::PipelineError),
}

/// A repaired archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepairedArchive {
    pub duration: Duration,
    pub bytes: u64,
}

const REPAIR_LIMIT: Duration = Duration::from_secs(120);

/// Remuxes `path` in place and returns its duration and size. Blocking: run it off the runtime.
pub fn repair(path: &Path) -> Result<RepairedArchive, ArchiveError> {
    crate::init()?;
    if !path.exists() {
        return Err(ArchiveError::Missing(path.to_owned()));
    }
    let fail = |m: String| ArchiveError::Repair(path.to_owned(), m);
    let output = hls::OutputLayout::repair_output(path);
    let pipeline = gst::Pipeline::with_name("archive-repair");
    let make = |factory: &str| {
        gst::ElementFactory::make(factory)
            .build()
            .map_err(|e| fail(format!("{factory}: {e}")))
    };
    let src = gst::ElementFactory::make("filesrc")
        .property("location", path.to_string_lossy().as_ref())
        .build()
        .map_err(|e| fail(format!("filesrc: {e}")))?;
    let demux = make("matroskademux")?;
    let mux = make("matroskamux")?;
    let sink = gst::ElementFactory::make("filesink")
        .property("location", output.to_string_lossy().as_ref())
        .build()
        .map_err(|e| fail(format!("filesink: {e}")))?;
    pipeline
        .add_many([&src, &demux, &mux, &sink])
        .map_err(|e| fail(e.to_string()))?;
    src.link(&demux).map_err(|e| fail(e.to_string()))?;
    mux.link(&sink).map_err(|e| fail(e.to_string()))?;
    let pipeline_weak = pipeline.downgrade();
    let mux_weak = mux.downgrade();
    demux.connect_pad_added(move |_, pad| {
        let (Some(pipeline), Some(mux)) = (pipeline_weak.upgrade(), mux_weak.upgrade()) else {
            return;
        };
        let Ok(queue) = gst::ElementFactory::make("queue").build() else {
            return;
        };
        if pipeline.add(&queue).is_err() {
            return;
        }
        let _ = queue.sync_state_with_parent();
        if let Some(sink) = queue.static_pad("sink") {
            let _ = pad.link(&sink);
        }
        let _ = queue.link(&mux);
    });

    let result = run_to_end(&pipeline, &mux);
    let _ = pipeline.set_state(gst::State::Null);
    if let Err(e) = result {
        let _ = std::fs::remove_file(&output);
        return Err(fail(e));
    }
    let duration = probe_duration(&output).unwrap_or_default();
    if duration.is_zero() {
        let _ = std::fs::remove_file(&output);
        return Err(ArchiveError::Empty(path.to_owned()));
    }
    std::fs::rename(&output, path).map_err(|e| fail(e.to_string()))?;
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    Ok(RepairedArchive { duration, bytes })
}

/// Plays the repair pipeline to the end. A truncated file makes the demuxer fail at the cut:
/// everything before it is kept by ending the muxer's inputs by hand.
fn run_to_end(pipeline: &gst::Pipeline, mux: &gst::Element) -> Result<(), String> {
    pipeline
        .set_state(gst::State::Playing)
        .map_err(|e| e.to_string())?;
    let bus = pipeline.bus().ok_or("no bus")?;
    let mut ended_by_hand = false;
    let deadline = std::time::Instant::now() + REPAIR_LIMIT;
    loop {
        let remaining = deadline.saturating_duration_since(std::time::Instant::now());
        if remaining.is_zero() {
            return Err("timed out".into());
        }
        let Some(message) =
            bus.timed_pop(gst::ClockTime::from_nseconds(remaining.as_nanos() as u64))
        else {
            return Err("timed out".into());
        };
        match message.view() {
            gst::MessageView::Eos(_) => return Ok(()),
            gst::MessageView::Error(err) => {
                if ended_by_hand {
                    return Err(err.error().to_string());
                }
                tracing::info!(error = %err.error(), "archive is truncated; keeping what precedes the cut");
                ended_by_hand = true;
                for pad in mux.sink_pads() {
                    if let Some(peer) = pad.peer().and_then(|p| p.parent_element()) {
                        if let Some(queue_sink) = peer.static_pad("sink") {
                            queue_sink.send_event(gst::event::Eos::new());
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// The duration GStreamer's discoverer reads from a file.
pub fn probe_duration(path: &Path) -> Option<Duration> {
    crate::init().ok()?;
    let discoverer = gst_pbutils::Discoverer::new(gst::ClockTime::from_seconds(10)).ok()?;
    let uri = gst::glib::filename_to_uri(path, None).ok()?;
    let info = discoverer.discover_uri(&uri).ok()?;
    info.duration().map(|d| Duration::from_nanos(d.nseconds()))
}
