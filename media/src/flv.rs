//! Parsing of the FLV tag bodies that RTMP carries: video (H.264/AVC) and audio (AAC, MP3)
//! packets.
//!
//! Every byte here comes from the network, so every read is bounds-checked and every
//! unsupported variant is reported with a reason a streamer can act on.

use bytes::Bytes;
use thiserror::Error;

/// Why a media packet could not be used.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum FlvError {
    #[error("empty {0} packet")]
    Empty(&'static str),
    #[error("truncated {0} packet")]
    Truncated(&'static str),
    #[error("unsupported video codec id {0}: publish H.264 (AVC)")]
    UnsupportedVideoCodec(u8),
    #[error("invalid HEVC decoder configuration: {0}")]
    InvalidHevcConfig(String),
    #[error("invalid AV1 decoder configuration: {0}")]
    InvalidAv1Config(String),
    #[error("unsupported Enhanced RTMP video: {0}")]
    UnsupportedEnhanced(String),
    #[error("unsupported audio codec id {0}: publish AAC or MP3")]
    UnsupportedAudioCodec(u8),
    #[error("invalid AVC decoder configuration: {0}")]
    InvalidAvcConfig(String),
    #[error("invalid AAC audio specific config")]
    InvalidAudioConfig,
    #[error("invalid MP3 frame header")]
    InvalidMp3Header,
    #[error("malformed H.264 access unit: NAL unit lengths do not match the payload")]
    MalformedAccessUnit,
}

/// A parsed FLV video tag body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VideoPacket {
    /// `AVCDecoderConfigurationRecord` (avcC): SPS/PPS needed before any frame.
    SequenceHeader(Bytes),
    /// One access unit in AVCC framing (length-prefixed NAL units).
    Frame {
        keyframe: bool,
        /// Composition time offset in milliseconds (PTS - DTS), may be negative.
        composition_offset_ms: i32,
        data: Bytes,
    },
    /// AVC end of sequence, or a video info/command frame: nothing to decode.
    Ignored,
}

/// A parsed FLV audio tag body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioPacket {
    /// AAC `AudioSpecificConfig`.
    SequenceHeader(Bytes),
    /// One raw AAC frame.
    Frame(Bytes),
    /// MP3 frames, each with its own header (MP3 has no sequence header).
    Mp3(Bytes),
}

const CODEC_AVC: u8 = 7;
const CODEC_AAC: u8 = 10;
const CODEC_MP3: u8 = 2;
const CODEC_MP3_8KHZ: u8 = 14;
const FRAME_TYPE_KEY: u8 = 1;
const FRAME_TYPE_INFO: u8 = 5;

/// Parses an FLV video tag body (the RTMP video message payload).
pub fn parse_video(data: &Bytes) -> Result<VideoPacket, FlvError> {
    let first = *data.first().ok_or(FlvError::Empty("video"))?;
    // Enhanced RTMP (HEVC, AV1, ...) sets the top bit and signals a FourCC instead of a codec id.
    if first & 0x80 != 0 {
        return Err(FlvError::UnsupportedVideoCodec(first & 0x0f));
    }
    let frame_type = first >> 4;
    let codec_id = first & 0x0f;
    if codec_id != CODEC_AVC {
        return Err(FlvError::UnsupportedVideoCodec(codec_id));
    }
    if frame_type == FRAME_TYPE_INFO {
        return Ok(VideoPacket::Ignored);
    }
    if data.len() < 5 {
        return Err(FlvError::Truncated("video"));
    }
    let packet_type = data[1];
    // Composition time is a signed 24-bit big-endian integer.
    let raw = (u32::from(data[2]) << 16) | (u32::from(data[3]) << 8) | u32::from(data[4]);
    let composition_offset_ms = ((raw << 8) as i32) >> 8;
    let payload = data.slice(5..);
    match packet_type {
        0 => Ok(VideoPacket::SequenceHeader(payload)),
        1 => {
            validate_nal_framing(&payload)?;
            Ok(VideoPacket::Frame {
                keyframe: frame_type == FRAME_TYPE_KEY,
                composition_offset_ms,
                data: payload,
            })
        }
        _ => Ok(VideoPacket::Ignored),
    }
}

/// Checks that 4-byte NAL length prefixes tile the payload exactly.
///
/// A corrupted length would otherwise make the parser read across frames; catching it here
/// turns hostile or broken input into one clear error for that stream.
pub(super) fn validate_nal_framing(payload: &[u8]) -> Result<(), FlvError> {
    let mut rest = payload;
    if rest.is_empty() {
        return Err(FlvError::MalformedAccessUnit);
    }
    while !rest.is_empty() {
        if rest.len() < 4 {
            return Err(FlvError::MalformedAccessUnit);
        }
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        if len == 0 || len > rest.len() - 4 {
            return Err(FlvError::MalformedAccessUnit);
        }
        // forbidden_zero_bit must be clear in every NAL header.
        if rest[4] & 0x80 != 0 {
            return Err(FlvError::MalformedAccessUnit);
        }
        rest = &rest[4 + len..];
    }
    Ok(())
}

/// Parses an FLV audio tag body (the RTMP audio message payload).
pub fn parse_audio(data: &Bytes) -> Result<AudioPacket, FlvError> {
    let first = *data.first().ok_or(FlvError::Empty("audio"))?;
    let codec_id = first >> 4;
    if codec_id == CODEC_MP3 || codec_id == CODEC_MP3_8KHZ {
        return match data.len() {
            1 => Err(FlvError::Truncated("audio")),
            _ => Ok(AudioPacket::Mp3(data.slice(1..))),
        };
    }
    if codec_id != CODEC_AAC {
        return Err(FlvError::UnsupportedAudioCodec(codec_id));
    }
    if data.len() < 2 {
        return Err(FlvError::Truncated("audio"));
    }
    let payload = data.slice(2..);
    match data[1] {
        0 => Ok(AudioPacket::SequenceHeader(payload)),
        _ => Ok(AudioPacket::Frame(payload)),
    }
}

/// What the AVC decoder configuration says about the video.
#[derive(Debug, Clone, PartialEq)]
pub struct AvcConfig {
    pub width: u32,
    pub height: u32,
    /// Frames per second from the SPS timing info, when the encoder wrote it.
    pub fps: Option<f64>,
    /// RFC 6381 codec string, for example `avc1.64001f`.
    pub codec: String,
    /// What the SPS says of the picture's colour.
    pub colour: VideoColour,
}

/// A source's colour description from its SPS VUI, as ISO/IEC 23091-2 code points (H.264 Annex
/// E). `None` where the SPS says nothing, or says "unspecified" (2): the pipeline then applies one
/// documented assumption for the whole stream (`pipeline::graph::source::colorimetry`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VideoColour {
    pub primaries: Option<u8>,
    pub transfer: Option<u8>,
    pub matrix: Option<u8>,
    /// Full (0–255) or limited (16–235) range; `None` without a video signal type.
    pub full_range: Option<bool>,
}

impl VideoColour {
    fn of_sps(sps: &h264_reader::nal::sps::SeqParameterSet) -> Self {
        const UNSPECIFIED: u8 = 2;
        let Some(signal) = sps
            .vui_parameters
            .as_ref()
            .and_then(|vui| vui.video_signal_type.as_ref())
        else {
            return Self::default();
        };
        let described = |code: u8| (code != UNSPECIFIED).then_some(code);
        let colour = signal.colour_description.as_ref();
        Self {
            primaries: colour.and_then(|c| described(c.colour_primaries)),
            transfer: colour.and_then(|c| described(c.transfer_characteristics)),
            matrix: colour.and_then(|c| described(c.matrix_coefficients)),
            full_range: Some(signal.video_full_range_flag),
        }
    }
}

/// Parses an `AVCDecoderConfigurationRecord` and its first SPS.
pub fn parse_avc_config(record: &[u8]) -> Result<AvcConfig, FlvError> {
    use h264_reader::avcc::AvcDecoderConfigurationRecord;
    let invalid = |e: String| FlvError::InvalidAvcConfig(e);
    let avcc =
        AvcDecoderConfigurationRecord::try_from(record).map_err(|e| invalid(format!("{e:?}")))?;
    let sps_bytes = avcc
        .sequence_parameter_sets()
        .next()
        .ok_or_else(|| invalid("no SPS".into()))?
        .map_err(|e| invalid(format!("{e:?}")))?;
    let sps = parse_sps(sps_bytes)?;
    let (width, height) = sps
        .pixel_dimensions()
        .map_err(|e| invalid(format!("{e:?}")))?;
    let fps = sps
        .fps()
        .filter(|f| f.is_finite() && *f > 0.0 && *f <= 240.0);
    let colour = VideoColour::of_sps(&sps);
    let codec = format!(
        "avc1.{:02x}{:02x}{:02x}",
        record.get(1).copied().unwrap_or_default(),
        record.get(2).copied().unwrap_or_default(),
        record.get(3).copied().unwrap_or_default()
    );
    Ok(AvcConfig {
        width,
        height,
        fps,
        codec,
        colour,
    })
}

fn parse_sps(nal: &[u8]) -> Result<h264_reader::nal::sps::SeqParameterSet, FlvError> {
    let nal = h264_reader::nal::RefNal::new(nal, &[], true);
    h264_reader::nal::sps::SeqParameterSet::from_bits(h264_reader::nal::Nal::rbsp_bits(&nal))
        .map_err(|e| FlvError::InvalidAvcConfig(format!("{e:?}")))
}

const NAL_TYPE_SPS: u8 = 7;

/// The picture size of every SPS sent in-band inside an access unit (AVCC framing, already
/// validated by [`parse_video`]). A publisher can change the size this way without a new
/// sequence header, so each one is checked like the sequence header's.
pub fn in_band_sps_sizes(access_unit: &[u8]) -> Result<Vec<(u32, u32)>, FlvError> {
    let mut sizes = Vec::new();
    let mut rest = access_unit;
    while rest.len() > 4 {
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let nal = rest.get(4..4 + len).ok_or(FlvError::MalformedAccessUnit)?;
        if nal.first().is_some_and(|h| h & 0x1f == NAL_TYPE_SPS) {
            let sps = parse_sps(nal)?;
            let size = sps
                .pixel_dimensions()
                .map_err(|e| FlvError::InvalidAvcConfig(format!("{e:?}")))?;
            sizes.push(size);
        }
        rest = &rest[4 + len..];
    }
    Ok(sizes)
}

/// What the AAC `AudioSpecificConfig`, or an MP3 frame header, says about the audio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioConfig {
    pub sample_rate: u32,
    pub channels: u32,
    /// RFC 6381 codec string, for example `mp4a.40.2` (`mp4a.6B` for MP3).
    pub codec: String,
}

/// What an MP3 (MPEG-1, 2 or 2.5 Layer III) frame header says: the sample rate and channels.
pub fn parse_mp3_header(frame: &[u8]) -> Result<AudioConfig, FlvError> {
    let [a, b, c, d, ..] = *frame else {
        return Err(FlvError::InvalidMp3Header);
    };
    // 11 sync bits, a version other than "reserved" (01), layer III (01).
    let version = (b >> 3) & 0b11;
    if a != 0xff || b & 0xe0 != 0xe0 || version == 0b01 || (b >> 1) & 0b11 != 0b01 {
        return Err(FlvError::InvalidMp3Header);
    }
    let base = match (c >> 2) & 0b11 {
        0 => 44_100,
        1 => 48_000,
        2 => 32_000,
        _ => return Err(FlvError::InvalidMp3Header),
    };
    let sample_rate = match version {
        0b11 => base,
        0b10 => base / 2,
        _ => base / 4,
    };
    let channels = if d >> 6 == 0b11 { 1 } else { 2 };
    Ok(AudioConfig {
        sample_rate,
        channels,
        codec: "mp4a.6B".into(),
    })
}

const AAC_RATES: [u32; 13] = [
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

/// Parses the first bytes of an AAC `AudioSpecificConfig`.
pub fn parse_aac_config(asc: &[u8]) -> Result<AudioConfig, FlvError> {
    if asc.len() < 2 {
        return Err(FlvError::InvalidAudioConfig);
    }
    let object_type = asc[0] >> 3;
    let rate_index = ((asc[0] & 0x07) << 1) | (asc[1] >> 7);
    let channels = u32::from((asc[1] >> 3) & 0x0f);
    if object_type == 0 || object_type == 31 || channels == 0 {
        return Err(FlvError::InvalidAudioConfig);
    }
    let sample_rate = *AAC_RATES
        .get(usize::from(rate_index))
        .ok_or(FlvError::InvalidAudioConfig)?;
    Ok(AudioConfig {
        sample_rate,
        channels,
        codec: format!("mp4a.40.{object_type}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composition_offset_is_signed_24_bit() {
        let tag = Bytes::from_static(&[0x17, 1, 0xff, 0xff, 0xdf, 0, 0, 0, 1, 0x65]);
        match parse_video(&tag) {
            Ok(VideoPacket::Frame {
                keyframe,
                composition_offset_ms,
                ..
            }) => {
                assert!(keyframe);
                assert_eq!(composition_offset_ms, -33);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn nal_lengths_must_tile_the_payload() {
        let bad = Bytes::from_static(&[0x27, 1, 0, 0, 0, 0, 0, 0, 9, 0x41]);
        assert_eq!(parse_video(&bad), Err(FlvError::MalformedAccessUnit));
        let empty = Bytes::from_static(&[0x27, 1, 0, 0, 0]);
        assert_eq!(parse_video(&empty), Err(FlvError::MalformedAccessUnit));
    }

    #[test]
    fn other_codecs_are_refused_with_a_reason() {
        let hevc = Bytes::from_static(&[0x1c, 0, 0, 0, 0]);
        assert_eq!(parse_video(&hevc), Err(FlvError::UnsupportedVideoCodec(12)));
        let speex = Bytes::from_static(&[0xb2, 0]);
        assert_eq!(
            parse_audio(&speex),
            Err(FlvError::UnsupportedAudioCodec(11))
        );
        let mp3 = Bytes::from_static(&[0x2f, 0xff, 0xfb, 0x94, 0x64]);
        assert_eq!(
            parse_audio(&mp3),
            Ok(AudioPacket::Mp3(Bytes::from_static(&[
                0xff, 0xfb, 0x94, 0x64
            ])))
        );
        // MPEG-1 Layer III, 48 kHz, joint stereo; MPEG-2, 24 kHz, mono.
        let stereo = parse_mp3_header(&[0xff, 0xfb, 0x94, 0x64]).expect("a header");
        assert_eq!((stereo.sample_rate, stereo.channels), (48_000, 2));
        let mono = parse_mp3_header(&[0xff, 0xf3, 0x64, 0xc4]).expect("a header");
        assert_eq!((mono.sample_rate, mono.channels), (24_000, 1));
        for bad in [
            &[0xff, 0xfb, 0x9c][..],
            &[0x00, 0xfb, 0x94, 0x64],
            &[0xff, 0xfd, 0x94, 0x64],
        ] {
            assert_eq!(
                parse_mp3_header(bad),
                Err(FlvError::InvalidMp3Header),
                "{bad:?}"
            );
        }
        assert_eq!(parse_video(&Bytes::new()), Err(FlvError::Empty("video")));
    }

    #[test]
    fn aac_config_reads_rate_and_channels() {
        // AAC-LC, 48 kHz, stereo.
        let cfg = parse_aac_config(&[0x11, 0x90]).expect("valid");
        assert_eq!(
            cfg,
            AudioConfig {
                sample_rate: 48000,
                channels: 2,
                codec: "mp4a.40.2".into()
            }
        );
        assert_eq!(parse_aac_config(&[0x11]), Err(FlvError::InvalidAudioConfig));
        assert_eq!(
            parse_aac_config(&[0x17, 0x90]),
            Err(FlvError::InvalidAudioConfig)
        );
    }

    #[test]
    fn garbage_avc_config_is_an_error_not_a_panic() {
        for junk in [
            &[][..],
            &[1, 2, 3][..],
            &[1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 50, 0x67][..],
        ] {
            assert!(parse_avc_config(junk).is_err());
        }
    }
}
