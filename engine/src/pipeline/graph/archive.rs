//! The MKV archive: the source as published, no re-encode.
//!
//! ```text
//! archive video appsrc ─ queue ───────────┐
//! archive audio appsrc ─ parse ─ queue ────┴─ matroskamux ─ filesink     (AAC or MP3, as sent)
//! ```
//!
//! The archive has its own appsrcs so that a failure anywhere in the transcoding part can never
//! starve it: the archive is always finalized.

use super::elements::{appsrc, make, path_str, queue};
use super::ARCHIVE_SINK;
use crate::pipeline::{PipelineConfig, PipelineError};
use gst::prelude::*;
use gst_app::AppSrc;

/// The archive part: its own inputs, and the file sink whose end-of-stream means finalized.
pub(super) struct Archive {
    pub(super) video_src: AppSrc,
    pub(super) audio_src: Option<AppSrc>,
    pub(super) sink: gst::Element,
}

/// Adds the archive branch, taking the same caps as the live inputs.
pub(super) fn add(
    pipeline: &gst::Pipeline,
    config: &PipelineConfig,
    video_caps: &gst::Caps,
    audio: Option<(&gst::Caps, &str)>,
) -> Result<Archive, PipelineError> {
    const BRANCH: &str = "archive";
    if let Some(parent) = config.archive_path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| PipelineError::Io(parent.to_owned(), e))?;
    }
    let video_src = appsrc("archive-video-src", video_caps);
    let vq = queue("archive-video-queue")?;
    let mux = make("matroskamux", "archive-mux")?;
    let sink = gst::ElementFactory::make("filesink")
        .name(ARCHIVE_SINK)
        .property("location", path_str(&config.archive_path))
        .property("sync", false)
        .property("async", false)
        .build()
        .map_err(PipelineError::element("filesink"))?;
    pipeline
        .add_many([video_src.upcast_ref(), &vq, &mux, &sink])
        .map_err(PipelineError::link(BRANCH))?;
    gst::Element::link_many([video_src.upcast_ref(), &vq, &mux, &sink])
        .map_err(PipelineError::link(BRANCH))?;
    let audio_src = match audio {
        Some((caps, parser)) => {
            let src = appsrc("archive-audio-src", caps);
            let aparse = make(parser, "archive-audio-parse")?;
            let aq = queue("archive-audio-queue")?;
            pipeline
                .add_many([src.upcast_ref(), &aparse, &aq])
                .map_err(PipelineError::link(BRANCH))?;
            gst::Element::link_many([src.upcast_ref(), &aparse, &aq, &mux])
                .map_err(PipelineError::link(BRANCH))?;
            Some(src)
        }
        None => None,
    };
    Ok(Archive {
        video_src,
        audio_src,
        sink,
    })
}
