//! The published video as it enters the graph, and its passthrough rendition.
//!
//! ```text
//! video appsrc ─ h264parse ─ tee ─┬─ queue ─ hlscmafsink (source)        [passthrough]
//!                                 └─ (the ladder, the thumbnail)
//! ```

use super::elements::{appsrc, hls_sink, make, queue};
use crate::ladder::SOURCE_RENDITION;
use crate::pipeline::{PipelineConfig, PipelineError};
use gst::prelude::*;
use gst_app::AppSrc;

/// The source part: where frames go in, and the tee the other parts read the source from.
pub(super) struct Source {
    pub(super) src: AppSrc,
    /// The source's caps, which the archive's video input repeats.
    pub(super) caps: gst::Caps,
    pub(super) tee: gst::Element,
    /// The passthrough rendition's HLS sink, if the ladder passes the source through.
    pub(super) passthrough: Option<gst::Element>,
}

/// Adds the video input, its parser and tee, and the passthrough rendition.
pub(super) fn add(
    pipeline: &gst::Pipeline,
    config: &PipelineConfig,
) -> Result<Source, PipelineError> {
    let caps = caps(config);
    let src = appsrc("video-src", &caps);
    let parse = make("h264parse", "video-parse")?;
    let tee = make("tee", "source-tee")?;
    pipeline
        .add_many([src.upcast_ref(), &parse, &tee])
        .map_err(PipelineError::link("video source"))?;
    gst::Element::link_many([src.upcast_ref(), &parse, &tee])
        .map_err(PipelineError::link("video source"))?;

    let passthrough = if config.ladder.passthrough {
        let q = queue("source-queue")?;
        let sink = hls_sink(config, SOURCE_RENDITION)?;
        pipeline
            .add_many([&q, &sink])
            .map_err(PipelineError::link(SOURCE_RENDITION))?;
        gst::Element::link_many([&tee, &q, &sink])
            .map_err(PipelineError::link(SOURCE_RENDITION))?;
        Some(sink)
    } else {
        None
    };
    Ok(Source {
        src,
        caps,
        tee,
        passthrough,
    })
}

/// The publisher's H.264 as caps. Size (and rate, when known) go in too: matroskamux needs them
/// up front.
fn caps(config: &PipelineConfig) -> gst::Caps {
    let source = &config.media.video;
    let mut caps = gst::Caps::builder("video/x-h264")
        .field("stream-format", "avc")
        .field("alignment", "au")
        .field(
            "codec_data",
            gst::Buffer::from_slice(config.video_codec_data.clone()),
        )
        .field("width", source.width as i32)
        .field("height", source.height as i32);
    if let Some(fps) = source.fps {
        let fraction =
            gst::Fraction::approximate_f64(fps).unwrap_or_else(|| gst::Fraction::new(0, 1));
        caps = caps.field("framerate", fraction);
    }
    caps.build()
}
