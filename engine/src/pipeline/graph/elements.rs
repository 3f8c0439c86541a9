//! The element builders every part of the graph uses.

use super::super::{PipelineConfig, PipelineError};
use super::APPSRC_MAX_BYTES;
use crate::live_hls::Track;
use gst::prelude::*;
use gst_app::AppSrc;
use hls::LiveHls;
use media::VideoCodec;
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

/// The parser of the source's video, and the caps it takes.
pub(super) fn video_parser(codec: VideoCodec) -> &'static str {
    match codec {
        VideoCodec::H264 => "h264parse",
        VideoCodec::H265 => "h265parse",
        VideoCodec::Av1 => "av1parse",
    }
}

/// The source's video decoder: libav's for H.264 and HEVC, libaom's for AV1 (Debian 12's
/// GStreamer has no dav1d element, and its libav decodes AV1 only through hardware).
/// `threads` is libav's `max-threads` (0 = automatic). Its pictures must be the size the
/// publisher announced ([`guard_decoded_size`]).
pub(super) fn video_decoder(
    config: &PipelineConfig,
    name: &str,
    threads: i32,
) -> Result<gst::Element, PipelineError> {
    let codec = config.video_codec;
    let factory = match codec {
        VideoCodec::H264 => "avdec_h264",
        VideoCodec::H265 => "avdec_h265",
        VideoCodec::Av1 => "av1dec",
    };
    let builder = gst::ElementFactory::make(factory).name(name);
    let builder = match codec {
        VideoCodec::H264 | VideoCodec::H265 => builder.property("max-threads", threads),
        VideoCodec::Av1 => builder,
    };
    let decoder = builder.build().map_err(PipelineError::element(factory))?;
    let video = &config.media.video;
    guard_decoded_size(&decoder, codec, (video.width, video.height));
    Ok(decoder)
}

/// The second line of defence behind the ingest's checks of every sequence header: a decoded
/// picture of another size than `announced` (larger, for AV1, whose sequence header gives the
/// largest frame) fails the stream with a reason, before any scaler or encoder is set up for it.
fn guard_decoded_size(decoder: &gst::Element, codec: VideoCodec, announced: (u32, u32)) {
    let Some(pad) = decoder.static_pad("src") else {
        return;
    };
    let element = decoder.downgrade();
    pad.add_probe(gst::PadProbeType::EVENT_DOWNSTREAM, move |_, info| {
        let Some(gst::PadProbeData::Event(event)) = &info.data else {
            return gst::PadProbeReturn::Ok;
        };
        let gst::EventView::Caps(caps) = event.view() else {
            return gst::PadProbeReturn::Ok;
        };
        let Some(s) = caps.caps().structure(0) else {
            return gst::PadProbeReturn::Ok;
        };
        let size = (
            s.get::<i32>("width").unwrap_or(0).max(0) as u32,
            s.get::<i32>("height").unwrap_or(0).max(0) as u32,
        );
        let fits = match codec {
            VideoCodec::Av1 => size.0 <= announced.0 && size.1 <= announced.1,
            VideoCodec::H264 | VideoCodec::H265 => size == announced,
        };
        if fits {
            return gst::PadProbeReturn::Ok;
        }
        if let Some(decoder) = element.upgrade() {
            let why = format!(
                "the decoded picture is {}x{}, not the announced {}x{}",
                size.0, size.1, announced.0, announced.1
            );
            gst::element_error!(decoder, gst::StreamError::Format, ("{}", why));
        }
        gst::PadProbeReturn::Drop
    });
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

/// The LL-HLS sink of one rendition: its chunks become the parts and segments of its
/// [`Rendition`](hls::live::Rendition) in `hls`, split at the stream's shared boundaries.
pub(super) fn hls_sink(
    config: &PipelineConfig,
    hls: &LiveHls,
    rendition: &str,
    track: Track,
) -> Result<gst::Element, PipelineError> {
    let output = hls
        .rendition(rendition)
        .ok_or_else(|| PipelineError::Link(rendition.to_owned()))?
        .clone();
    let bin = crate::live_hls::sink(
        rendition,
        output,
        hls.timeline().clone(),
        track,
        config.hls.segment_duration,
        config.hls.part_duration,
    )?;
    Ok(bin.upcast())
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
