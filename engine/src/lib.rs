//! Livestream's media engine: one GStreamer pipeline per published stream.
//!
//! ```text
//! FLV frames (from ingest) ─▶ pipeline: appsrc ─ parse ─ decode once ─┬─ scaler ─ x264 ─▶ live_hls ─▶ hls::live
//!                                                                    ├─ source passthrough ─▶ live_hls
//!                                                                    ├─ audio: AAC ladder ─▶ live_hls
//!                                                                    ├─ thumbnail, sprite tiles ─▶ vod
//!                                                                    ├─ source ─▶ MKV archive
//!                                                                    └─ source ─▶ restream (RTMP push)
//! the supervisor task: bus ─▶ StreamEvents out; the multivariant; the archive finalized
//! after a broadcast: archive_repair (remux an archive), clip_cutter (a clip from the recording)
//! ```
//!
//! This crate knows media only: no HTTP, no database. It reports what happens as
//! [`events::StreamEvent`]s; whoever runs it (the `livestream` server) decides what they mean
//! for users, rooms and databases.

pub mod archive_repair;
pub mod clip_cutter;
mod error;
pub mod events;
pub mod live_hls;
pub mod pipeline;
pub mod restream;
pub mod scaler;
pub mod vod;

pub use error::PipelineError;
pub use events::{ArchiveSummary, EndReason, StreamEvent, StreamStats};
pub use pipeline::HlsSettings;

use std::sync::OnceLock;

/// Elements every stream needs, with the Debian package that ships each.
const REQUIRED_ELEMENTS: &[(&str, &str)] = &[
    ("appsrc", "gstreamer1.0-plugins-base"),
    ("h264parse", "gstreamer1.0-plugins-bad"),
    ("h265parse", "gstreamer1.0-plugins-bad"),
    ("av1parse", "gstreamer1.0-plugins-bad"),
    ("aacparse", "gstreamer1.0-plugins-good"),
    ("tsdemux", "gstreamer1.0-plugins-bad"),
    ("avdec_h264", "gstreamer1.0-libav"),
    ("avdec_h265", "gstreamer1.0-libav"),
    ("av1dec", "gstreamer1.0-plugins-bad"),
    ("x264enc", "gstreamer1.0-plugins-ugly"),
    ("videoconvertscale", "gstreamer1.0-plugins-base"),
    (scaler::FACTORY, "compiled in (libswscale-dev)"),
    ("videorate", "gstreamer1.0-plugins-base"),
    ("jpegenc", "gstreamer1.0-plugins-good"),
    ("appsink", "gstreamer1.0-plugins-base"),
    ("flvmux", "gstreamer1.0-plugins-good"),
    ("rtmp2sink", "gstreamer1.0-plugins-bad"),
    ("matroskamux", "gstreamer1.0-plugins-good"),
    ("matroskademux", "gstreamer1.0-plugins-good"),
    ("qtdemux", "gstreamer1.0-plugins-good"),
    ("mp4mux", "gstreamer1.0-plugins-good"),
    ("cmafmux", "compiled in (gst-plugin-fmp4)"),
];

/// Initialises GStreamer once, registers the compiled-in plugins and checks that every element
/// the engine uses exists. Cheap after the first call.
pub fn init() -> Result<(), PipelineError> {
    static INIT: OnceLock<Result<(), String>> = OnceLock::new();
    INIT.get_or_init(|| {
        gst::init().map_err(|e| e.to_string())?;
        gstfmp4::plugin_register_static().map_err(|e| e.to_string())?;
        scaler::register().map_err(|e| e.to_string())?;
        let missing: Vec<String> = REQUIRED_ELEMENTS
            .iter()
            .filter(|(name, _)| gst::ElementFactory::find(name).is_none())
            .map(|(name, package)| format!("{name} ({package})"))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "missing GStreamer elements: {}",
                missing.join(", ")
            ))
        }
    })
    .clone()
    .map_err(PipelineError::Init)
}
