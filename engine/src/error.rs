//! What can go wrong building or running a stream's pipeline.

use std::path::PathBuf;
use std::time::Duration;
use thiserror::Error;

/// Errors of the media pipeline.
#[derive(Debug, Error)]
pub enum PipelineError {
    /// GStreamer could not build an element: its own reason is kept (a missing plugin, or a
    /// property it refused).
    #[error("could not build GStreamer element {factory}: {reason} (a missing plugin? run deploy/install-deps.sh)")]
    Element { factory: String, reason: String },
    #[error("could not link the {0} branch")]
    Link(String),
    #[error("{0}: {1}")]
    Io(PathBuf, #[source] std::io::Error),
    #[error("the pipeline refused to start")]
    StateChange,
    #[error("the stream has ended")]
    Ended,
    #[error("the pipeline stopped accepting data for {0:?}")]
    Stalled(Duration),
    #[error("GStreamer could not be initialised: {0}")]
    Init(String),
}

impl PipelineError {
    pub(crate) fn link<E>(branch: &str) -> impl FnOnce(E) -> PipelineError + '_ {
        move |_| PipelineError::Link(branch.to_owned())
    }

    /// For `ElementBuilder::build`'s error: which element, and GStreamer's reason.
    pub(crate) fn element(
        factory: &str,
    ) -> impl FnOnce(gst::glib::BoolError) -> PipelineError + '_ {
        move |e| PipelineError::Element {
            factory: factory.to_owned(),
            reason: e.to_string(),
        }
    }
}
