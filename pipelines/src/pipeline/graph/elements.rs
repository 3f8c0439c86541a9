//! The element builders every part of the graph uses.

use super::super::{PipelineConfig, PipelineError};
use super::{APPSRC_MAX_BYTES, HLS_SINK_PREFIX};
use gst::prelude::*;
use gst_app::AppSrc;
use std::path::Path;

/// An element with no properties of its own.
pub(super) fn make(factory: &str, name: &str) -> Result<gst::Element, PipelineError> {
    gst::ElementFactory::make(factory)
        .name(name)
        .build()
        .map_err(PipelineError::element(factory))
}

/// A queue bounded by time only: a stalled branch backs up to the appsrc, which slows the
/// publisher.
pub(super) fn queue(name: &str) -> Result<gst::Element, PipelineError> {
    gst::ElementFactory::make("queue")
        .name(name)
        .property("max-size-buffers", 0u32)
        .property("max-size-bytes", 0u32)
        .property("max-size-time", gst::ClockTime::from_seconds(3).nseconds())
        .build()
        .map_err(PipelineError::element("queue"))
}

pub(super) fn capsfilter(name: &str, caps: gst::Caps) -> Result<gst::Element, PipelineError> {
    gst::ElementFactory::make("capsfilter")
        .name(name)
        .property("caps", caps)
        .build()
        .map_err(PipelineError::element("capsfilter"))
}

/// A live source the publisher's frames are pushed into, timestamped by the pusher.
pub(super) fn appsrc(name: &str, caps: &gst::Caps) -> AppSrc {
    AppSrc::builder()
        .name(name)
        .caps(caps)
        .format(gst::Format::Time)
        .is_live(true)
        .do_timestamp(false)
        .stream_type(gst_app::AppStreamType::Stream)
        .max_bytes(APPSRC_MAX_BYTES)
        .block(false)
        .build()
}

/// The CMAF HLS sink of one rendition, writing into its own folder of the stream's HLS output.
pub(super) fn hls_sink(
    config: &PipelineConfig,
    rendition: &str,
) -> Result<gst::Element, PipelineError> {
    let hls = &config.hls_dir;
    let dir = hls.rendition(rendition);
    std::fs::create_dir_all(&dir).map_err(|e| PipelineError::Io(dir.clone(), e))?;
    let target = config.hls.segment_duration.as_secs().max(1) as u32;
    let window = config.hls.window_segments.max(1);
    let sink = gst::ElementFactory::make("hlscmafsink")
        .name(format!("{HLS_SINK_PREFIX}{rendition}"))
        .property("target-duration", target)
        .property("playlist-length", window)
        // Keep a few segments beyond the window for players still fetching them.
        .property("max-files", window + 3)
        .property(
            "playlist-location",
            path_str(&hls.media_playlist(rendition)),
        )
        .property("location", path_str(&hls.segment_pattern(rendition)))
        .property("init-location", path_str(&hls.init_pattern(rendition)))
        .property("sync", false)
        .property("enable-endlist", true)
        .build()
        .map_err(PipelineError::element("hlscmafsink"))?;
    if let Some(mux) = sink
        .downcast_ref::<gst::Bin>()
        .and_then(|b| b.by_name("muxer"))
    {
        // Fragment boundaries follow the source's keyframes, not the muxer's own requests, so
        // every rendition splits at the same instants.
        mux.set_property("send-force-keyunit", false);
        mux.set_property(
            "fragment-duration",
            gst::ClockTime::from_nseconds(config.hls.segment_duration.as_nanos() as u64),
        );
    }
    Ok(sink)
}

pub(super) fn path_str(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_element_keeps_gstreamers_reason() {
        crate::init().expect("GStreamer initialises");
        match make("no_such_element_here", "x") {
            Err(PipelineError::Element { factory, reason }) => {
                assert_eq!(factory, "no_such_element_here");
                assert!(!reason.is_empty());
            }
            other => panic!("expected an element error, got {other:?}"),
        }
    }
}
