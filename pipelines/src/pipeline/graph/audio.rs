//! The audio rendition, shared by every video rendition.
//!
//! ```text
//! audio appsrc ─ aacparse ─ LL-HLS sink (audio)
//! ```

use super::elements::{appsrc, hls_sink, make};
use super::AUDIO_RENDITION;
use crate::llhls::{LiveHls, Track};
use crate::pipeline::{PipelineConfig, PipelineError};
use gst::prelude::*;
use gst_app::AppSrc;

/// The audio part: where AAC frames go in.
pub(super) struct Audio {
    pub(super) src: AppSrc,
    /// The publisher's AAC as caps, which the archive's audio input repeats.
    pub(super) caps: gst::Caps,
    pub(super) sink: gst::Element,
}

/// Adds the audio rendition, if the stream has audio.
pub(super) fn add(
    pipeline: &gst::Pipeline,
    config: &PipelineConfig,
    hls: &LiveHls,
) -> Result<Option<Audio>, PipelineError> {
    let Some(asc) = &config.audio_codec_data else {
        return Ok(None);
    };
    let mut caps = gst::Caps::builder("audio/mpeg")
        .field("mpegversion", 4i32)
        .field("stream-format", "raw")
        .field("codec_data", gst::Buffer::from_slice(asc.clone()));
    if let Some(audio) = &config.media.audio {
        caps = caps
            .field("rate", audio.sample_rate as i32)
            .field("channels", audio.channels as i32);
    }
    let caps = caps.build();
    let src = appsrc("audio-src", &caps);
    let parse = make("aacparse", "audio-parse")?;
    let sink = hls_sink(config, hls, AUDIO_RENDITION, Track::Audio)?;
    pipeline
        .add_many([src.upcast_ref(), &parse, &sink])
        .map_err(PipelineError::link(AUDIO_RENDITION))?;
    gst::Element::link_many([src.upcast_ref(), &parse, &sink])
        .map_err(PipelineError::link(AUDIO_RENDITION))?;
    Ok(Some(Audio { src, caps, sink }))
}
