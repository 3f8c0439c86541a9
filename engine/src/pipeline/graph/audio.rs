//! The audio renditions: the source's audio as it is, and one AAC encode per bitrate the ladder
//! asks for, each its own `EXT-X-MEDIA` group.
//!
//! ```text
//! audio appsrc ─ parse ─ tee ─┬─ queue ─ LL-HLS sink "audio"                       [AAC: as it is]
//!                             └─ queue ─ decoder ─ convert ─ resample ─ tee ─┬─ queue ─ avenc_aac 128k ─ "audio-128k"
//!                                                                            └─ queue ─ avenc_aac 64k ─ "audio-64k"
//! ```
//!
//! A source players cannot take (MP3) has its "audio" rendition encoded too, at
//! [`DEFAULT_AUDIO_KBPS`]. The source is decoded once, whatever the number of bitrates.

use super::elements::{appsrc, hls_sink, make, queue};
use crate::live_hls::Track;
use crate::pipeline::{PipelineConfig, PipelineError};
use gst::prelude::*;
use gst_app::AppSrc;
use hls::LiveHls;
use media::ladder::{audio_rendition, AUDIO_RENDITION, DEFAULT_AUDIO_KBPS};
use media::AudioCodecData;

/// The audio part: where the source's audio frames go in, and the renditions it makes.
pub(super) struct Audio {
    pub(super) src: AppSrc,
    /// The publisher's audio as caps, which the archive's audio input repeats.
    pub(super) caps: gst::Caps,
    /// The parser of the source's audio, which the archive's audio input uses too.
    pub(super) parser: &'static str,
    /// Each audio rendition's HLS sink.
    pub(super) sinks: Vec<(String, gst::Element)>,
}

/// The stream's audio renditions: each name, and the bitrate it is encoded at (`None`: the
/// source's AAC as it is). `audio` (the group of the passthrough and of rungs with no
/// `audio_kbps`) first, then the encodes, highest bitrate first.
pub fn renditions(config: &PipelineConfig) -> Vec<(String, Option<u32>)> {
    let Some(codec) = &config.audio_codec_data else {
        return Vec::new();
    };
    let mut bitrates: Vec<Option<u32>> = config.renditions.iter().map(|r| r.audio_kbps).collect();
    if config.ladder.passthrough {
        bitrates.push(None);
    }
    bitrates.sort_by_key(|b| std::cmp::Reverse(b.map_or(u32::MAX, |k| k)));
    bitrates.dedup();
    bitrates
        .into_iter()
        .map(|kbps| {
            let encode = match (kbps, codec) {
                (None, AudioCodecData::Aac(_)) => None,
                (None, AudioCodecData::Mp3) => Some(DEFAULT_AUDIO_KBPS),
                (Some(kbps), _) => Some(kbps),
            };
            (audio_rendition(kbps), encode)
        })
        .collect()
}

/// The source's audio caps, and the parser and decoder they need.
fn source_caps(
    config: &PipelineConfig,
    codec: &AudioCodecData,
) -> (gst::Caps, &'static str, &'static str) {
    let (mut caps, parser, decoder) = match codec {
        AudioCodecData::Aac(asc) => (
            gst::Caps::builder("audio/mpeg")
                .field("mpegversion", 4i32)
                .field("stream-format", "raw")
                .field("codec_data", gst::Buffer::from_slice(asc.clone())),
            "aacparse",
            "avdec_aac",
        ),
        AudioCodecData::Mp3 => (
            gst::Caps::builder("audio/mpeg")
                .field("mpegversion", 1i32)
                .field("layer", 3i32),
            "mpegaudioparse",
            "avdec_mp3",
        ),
    };
    if let Some(audio) = &config.media.audio {
        caps = caps
            .field("rate", audio.sample_rate as i32)
            .field("channels", audio.channels as i32);
    }
    (caps.build(), parser, decoder)
}

/// Adds the audio renditions, if the stream has audio.
pub(super) fn add(
    pipeline: &gst::Pipeline,
    config: &PipelineConfig,
    hls: &LiveHls,
) -> Result<Option<Audio>, PipelineError> {
    let Some(codec) = &config.audio_codec_data else {
        return Ok(None);
    };
    let link = PipelineError::link(AUDIO_RENDITION);
    let (caps, parser, decoder) = source_caps(config, codec);
    let src = appsrc("audio-src", &caps);
    let parse = make(parser, "audio-parse")?;
    let split = make("tee", "audio-tee")?;
    pipeline
        .add_many([src.upcast_ref(), &parse, &split])
        .map_err(PipelineError::link(AUDIO_RENDITION))?;
    gst::Element::link_many([src.upcast_ref(), &parse, &split]).map_err(link)?;

    let wanted = renditions(config);
    let mut sinks = Vec::new();
    let mut raw: Option<gst::Element> = None;
    for (name, encode) in wanted {
        let branch = PipelineError::link(AUDIO_RENDITION);
        let sink = hls_sink(config, hls, &name, Track::Audio)?;
        let Some(kbps) = encode else {
            let q = queue(&format!("{name}-queue"))?;
            pipeline.add_many([&q, &sink]).map_err(branch)?;
            gst::Element::link_many([&split, &q, &sink])
                .map_err(PipelineError::link(AUDIO_RENDITION))?;
            sinks.push((name, sink));
            continue;
        };
        // The source is decoded once, for every encode.
        let raw_tee = match &raw {
            Some(tee) => tee.clone(),
            None => {
                let chain = [
                    queue("audio-decode-queue")?,
                    make(decoder, "audio-decoder")?,
                    make("audioconvert", "audio-convert")?,
                    make("audioresample", "audio-resample")?,
                    make("tee", "audio-raw-tee")?,
                ];
                pipeline
                    .add_many(&chain)
                    .map_err(PipelineError::link(AUDIO_RENDITION))?;
                split
                    .link(&chain[0])
                    .map_err(PipelineError::link(AUDIO_RENDITION))?;
                gst::Element::link_many(&chain).map_err(PipelineError::link(AUDIO_RENDITION))?;
                raw = Some(chain[4].clone());
                chain[4].clone()
            }
        };
        let encoder = gst::ElementFactory::make("avenc_aac")
            .name(format!("{name}-encoder"))
            .property(
                "bitrate",
                i32::try_from(kbps.saturating_mul(1000)).unwrap_or(i32::MAX),
            )
            .build()
            .map_err(PipelineError::element("avenc_aac"))?;
        let chain = [
            queue(&format!("{name}-queue"))?,
            encoder,
            make("aacparse", &format!("{name}-aacparse"))?,
            sink.clone(),
        ];
        pipeline.add_many(&chain).map_err(branch)?;
        raw_tee
            .link(&chain[0])
            .map_err(PipelineError::link(AUDIO_RENDITION))?;
        gst::Element::link_many(&chain).map_err(PipelineError::link(AUDIO_RENDITION))?;
        sinks.push((name, sink));
    }
    Ok(Some(Audio {
        src,
        caps,
        parser,
        sinks,
    }))
}
