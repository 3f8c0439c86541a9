//! The published video as it enters the graph, and its passthrough rendition.
//!
//! ```text
//! video appsrc ─ parser ─ tee ─┬─ queue ─ LL-HLS sink (source)        [passthrough]
//!    (h264parse, h265parse or av1parse)
//!                              └─ (the ladder, the thumbnail)
//! ```

use super::elements::{appsrc, hls_sink, make, queue, video_parser};
use crate::live_hls::Track;
use crate::pipeline::{PipelineConfig, PipelineError};
use gst::prelude::*;
use gst_app::AppSrc;
use hls::LiveHls;
use media::ladder::SOURCE_RENDITION;
use media::VideoCodec;

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
    hls: &LiveHls,
) -> Result<Source, PipelineError> {
    let caps = caps(config);
    let src = appsrc("video-src", &caps);
    let parse = make(video_parser(config.video_codec), "video-parse")?;
    let tee = make("tee", "source-tee")?;
    pipeline
        .add_many([src.upcast_ref(), &parse, &tee])
        .map_err(PipelineError::link("video source"))?;
    gst::Element::link_many([src.upcast_ref(), &parse, &tee])
        .map_err(PipelineError::link("video source"))?;
    if config.video_codec != VideoCodec::H264 {
        keep_publisher_keyframes(&parse);
    }

    let passthrough = if config.ladder.passthrough {
        let q = queue("source-queue")?;
        let sink = hls_sink(config, hls, SOURCE_RENDITION, Track::Passthrough)?;
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

/// Gives each frame leaving `parse` the keyframe flag the publisher gave it. GStreamer 1.22's
/// h265parse (and av1parse) mark every frame of our HEVC sources as a keyframe, which made every
/// encoder make every frame an IDR (keyframes are forwarded to the encoders) and every
/// passthrough sample a sync sample. Frames pass the parser one for one, by timestamp.
fn keep_publisher_keyframes(parse: &gst::Element) {
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};
    /// Frames between the parser's input and output: a handful; the bound only guards memory.
    const REMEMBERED: usize = 256;
    let (Some(input), Some(output)) = (parse.static_pad("sink"), parse.static_pad("src")) else {
        return;
    };
    /// Each frame's timestamp and whether the publisher called it a delta frame, in order.
    type Flags = Mutex<VecDeque<(Option<gst::ClockTime>, bool)>>;
    let flags: Arc<Flags> = Arc::default();
    let recorded = flags.clone();
    input.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
        if let Some(buffer) = info.buffer() {
            let delta = buffer.flags().contains(gst::BufferFlags::DELTA_UNIT);
            let mut flags = recorded.lock().unwrap_or_else(|p| p.into_inner());
            if flags.len() == REMEMBERED {
                flags.pop_front();
            }
            flags.push_back((buffer.pts(), delta));
        }
        gst::PadProbeReturn::Ok
    });
    output.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
        let Some(buffer) = info.buffer_mut() else {
            return gst::PadProbeReturn::Ok;
        };
        let pts = buffer.pts();
        let delta = {
            let mut flags = flags.lock().unwrap_or_else(|p| p.into_inner());
            // Entries older than this frame belong to frames the parser dropped.
            while flags.front().is_some_and(|(p, _)| *p != pts) {
                flags.pop_front();
            }
            flags.pop_front().map(|(_, delta)| delta)
        };
        if let Some(delta) = delta {
            let buffer = buffer.make_mut();
            if delta {
                buffer.set_flags(gst::BufferFlags::DELTA_UNIT);
            } else {
                buffer.unset_flags(gst::BufferFlags::DELTA_UNIT);
            }
        }
        gst::PadProbeReturn::Ok
    });
}

/// The colorimetry of the whole stream, as caps say it: the source's own where its SPS describes
/// it; for what it leaves out, one assumption, BT.709 for pictures taller than 576 lines and
/// BT.601 (SMPTE 170M) up to that, in limited range (GStreamer's and the ITU's HD/SD convention,
/// applied once, by the source's height). Set on the source's caps (h264parse lets them win over
/// the SPS, so the decoder, the passthrough's `colr` box and the archive say the same) and on
/// every rung's caps, so no scaler converts a matrix and each encoder tags what it really holds.
pub(super) fn colorimetry(config: &PipelineConfig) -> String {
    use gst_video::{
        VideoColorMatrix, VideoColorPrimaries, VideoColorRange, VideoColorimetry,
        VideoTransferFunction,
    };
    // HEVC and AV1 sources take the assumption: their parsers read their colour themselves.
    let colour = match config.video_codec {
        VideoCodec::H264 => media::flv::parse_avc_config(&config.video_codec_data)
            .map(|avc| avc.colour)
            .unwrap_or_default(),
        VideoCodec::H265 | VideoCodec::Av1 => Default::default(),
    };
    let (bt709, bt601) = (1u32, 6u32);
    let assumed = if config.media.video.height > 576 {
        bt709
    } else {
        bt601
    };
    let code = |described: Option<u8>| described.map_or(assumed, u32::from);
    let mut matrix = VideoColorMatrix::from_iso(code(colour.matrix));
    if matrix == VideoColorMatrix::Unknown {
        matrix = VideoColorMatrix::from_iso(assumed);
    }
    let mut transfer = VideoTransferFunction::from_iso(code(colour.transfer));
    if transfer == VideoTransferFunction::Unknown {
        transfer = VideoTransferFunction::from_iso(assumed);
    }
    let mut primaries = VideoColorPrimaries::from_iso(code(colour.primaries));
    if primaries == VideoColorPrimaries::Unknown {
        primaries = VideoColorPrimaries::from_iso(assumed);
    }
    let range = if colour.full_range == Some(true) {
        VideoColorRange::Range0_255
    } else {
        VideoColorRange::Range16_235
    };
    VideoColorimetry::new(range, matrix, transfer, primaries).to_string()
}

/// The publisher's video as caps: length-prefixed H.264 or HEVC access units, or AV1 temporal
/// units of size-delimited OBUs, as FLV carries them. Size (and rate, when known) go in too:
/// matroskamux needs them up front.
fn caps(config: &PipelineConfig) -> gst::Caps {
    let source = &config.media.video;
    let builder = match config.video_codec {
        VideoCodec::H264 => gst::Caps::builder("video/x-h264")
            .field("stream-format", "avc")
            .field("alignment", "au"),
        VideoCodec::H265 => gst::Caps::builder("video/x-h265")
            .field("stream-format", "hvc1")
            .field("alignment", "au"),
        VideoCodec::Av1 => gst::Caps::builder("video/x-av1")
            .field("stream-format", "obu-stream")
            .field("alignment", "tu"),
    };
    let mut caps = builder
        .field(
            "codec_data",
            gst::Buffer::from_slice(config.video_codec_data.clone()),
        )
        .field("width", source.width as i32)
        .field("height", source.height as i32)
        .field("colorimetry", colorimetry(config));
    if let Some(fps) = source.fps {
        let fraction =
            gst::Fraction::approximate_f64(fps).unwrap_or_else(|| gst::Fraction::new(0, 1));
        caps = caps.field("framerate", fraction);
    }
    caps.build()
}
