//! Enhanced RTMP video tags (veovera's enhanced-rtmp v1/v2): HEVC and AV1 from OBS 29.1+ and
//! FFmpeg 6.1+, signalled by a FourCC instead of FLV's 4-bit codec id.
//!
//! ```text
//! byte 0     IsExHeader (1 bit) | FrameType (3 bits) | PacketType (4 bits)
//! bytes 1-4  FourCC: "hvc1", "av01", "avc1", ...
//! then       by PacketType: SequenceStart (hvcC / av1C), CodedFrames (SI24 composition time,
//!            HEVC and AVC only, then the frame), SequenceEnd, CodedFramesX (the frame, no
//!            composition time), Metadata (AMF colour info)
//! ```
//!
//! Every byte here comes from the network: every read is bounds-checked, and what we cannot
//! take (multitrack, ModEx, other codecs) is refused with a reason a streamer can act on.

use super::flv::{FlvError, VideoPacket};
use bytes::Bytes;

/// A video codec an enhanced tag may carry that the engine decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoCodec {
    H264,
    H265,
    Av1,
}

impl VideoCodec {
    /// The codec's usual name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::H264 => "H.264",
            Self::H265 => "HEVC",
            Self::Av1 => "AV1",
        }
    }

    fn from_fourcc(fourcc: [u8; 4]) -> Option<Self> {
        match &fourcc {
            b"avc1" => Some(Self::H264),
            b"hvc1" => Some(Self::H265),
            b"av01" => Some(Self::Av1),
            _ => None,
        }
    }
}

/// One parsed enhanced video tag: the codec its FourCC names, and what it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExVideo {
    pub codec: VideoCodec,
    pub packet: VideoPacket,
}

const IS_EX_HEADER: u8 = 0x80;
const FRAME_TYPE_KEY: u8 = 1;
const FRAME_TYPE_COMMAND: u8 = 5;

const SEQUENCE_START: u8 = 0;
const CODED_FRAMES: u8 = 1;
const SEQUENCE_END: u8 = 2;
const CODED_FRAMES_X: u8 = 3;
const METADATA: u8 = 4;
const MPEG2TS_SEQUENCE_START: u8 = 5;
const MULTITRACK: u8 = 6;
const MOD_EX: u8 = 7;

/// Whether an FLV video tag body uses the enhanced header.
pub fn is_enhanced(data: &[u8]) -> bool {
    data.first().is_some_and(|b| b & IS_EX_HEADER != 0)
}

/// Parses an enhanced video tag body (its first byte has IsExHeader set).
pub fn parse(data: &Bytes) -> Result<ExVideo, FlvError> {
    let first = *data.first().ok_or(FlvError::Empty("video"))?;
    if first & IS_EX_HEADER == 0 {
        return Err(FlvError::UnsupportedEnhanced(
            "not an enhanced video tag".into(),
        ));
    }
    let frame_type = (first >> 4) & 0x07;
    let packet_type = first & 0x0f;
    match packet_type {
        MULTITRACK => {
            return Err(FlvError::UnsupportedEnhanced(
                "multitrack video: publish one video track".into(),
            ))
        }
        MOD_EX => {
            return Err(FlvError::UnsupportedEnhanced(
                "ModEx video packets (nanosecond timestamps)".into(),
            ))
        }
        _ => {}
    }
    let fourcc: [u8; 4] = data
        .get(1..5)
        .and_then(|b| b.try_into().ok())
        .ok_or(FlvError::Truncated("enhanced video"))?;
    let codec = VideoCodec::from_fourcc(fourcc).ok_or_else(|| {
        FlvError::UnsupportedEnhanced(format!(
            "video codec {}: publish H.264, HEVC or AV1",
            printable(&fourcc)
        ))
    })?;
    let body = data.slice(5..);
    let packet = match packet_type {
        // A command frame (seek start/end) carries one byte and no picture.
        _ if frame_type == FRAME_TYPE_COMMAND => VideoPacket::Ignored,
        SEQUENCE_START if body.is_empty() => return Err(FlvError::Truncated("enhanced video")),
        SEQUENCE_START => VideoPacket::SequenceHeader(body),
        SEQUENCE_END | METADATA | MPEG2TS_SEQUENCE_START => VideoPacket::Ignored,
        CODED_FRAMES if codec != VideoCodec::Av1 => {
            let cts = body.get(..3).ok_or(FlvError::Truncated("enhanced video"))?;
            let raw = (u32::from(cts[0]) << 16) | (u32::from(cts[1]) << 8) | u32::from(cts[2]);
            frame(codec, frame_type, ((raw << 8) as i32) >> 8, body.slice(3..))?
        }
        CODED_FRAMES | CODED_FRAMES_X => frame(codec, frame_type, 0, body)?,
        other => {
            return Err(FlvError::UnsupportedEnhanced(format!(
                "video packet type {other}"
            )))
        }
    };
    Ok(ExVideo { codec, packet })
}

fn frame(
    codec: VideoCodec,
    frame_type: u8,
    composition_offset_ms: i32,
    data: Bytes,
) -> Result<VideoPacket, FlvError> {
    match codec {
        // Length-prefixed NAL units, as AVCC; the forbidden bit is the first bit of both.
        VideoCodec::H264 | VideoCodec::H265 => super::flv::validate_nal_framing(&data)?,
        VideoCodec::Av1 if data.is_empty() => return Err(FlvError::MalformedAccessUnit),
        VideoCodec::Av1 => {}
    }
    Ok(VideoPacket::Frame {
        keyframe: frame_type == FRAME_TYPE_KEY,
        composition_offset_ms,
        data,
    })
}

/// What an HEVC or AV1 sequence start says of the picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PictureConfig {
    pub width: u32,
    pub height: u32,
    /// Bits per luma sample (8, 10 or 12).
    pub bit_depth: u8,
    /// RFC 6381 codec string (`hvc1.1.6.L93.B0`, `av01.0.04M.08`), what a multivariant
    /// playlist's CODECS says of the source.
    pub codec: String,
}

/// Parses an `HEVCDecoderConfigurationRecord` (hvcC, ISO/IEC 14496-15 8.3.3) and the picture
/// size of its first SPS, cropped by the SPS's conformance window.
///
/// Our own reader, on h264-reader's bit reader: scuffle-h265 0.2 was tried and panics on
/// mutated SPSs (an unchecked subtraction), and only the fields up to the conformance window
/// are needed. Every size here is the publisher's, so all arithmetic is checked.
pub fn parse_hevc_config(record: &[u8]) -> Result<PictureConfig, FlvError> {
    let invalid = |e: &str| FlvError::InvalidHevcConfig(e.to_owned());
    if record.len() < 23 || record[0] != 1 {
        return Err(invalid("not an hvcC record (version 1, 23 bytes or more)"));
    }
    let bit_depth = 8 + (record[19] & 0x07);
    let arrays = record[22];
    let mut rest = &record[23..];
    let mut sps = None;
    'arrays: for _ in 0..arrays {
        let (&[kind, n0, n1], tail) = rest.split_first_chunk::<3>().ok_or(invalid("truncated"))?;
        rest = tail;
        for _ in 0..u16::from_be_bytes([n0, n1]) {
            let (&len, tail) = rest.split_first_chunk::<2>().ok_or(invalid("truncated"))?;
            let len = usize::from(u16::from_be_bytes(len));
            let nal = tail.get(..len).ok_or(invalid("truncated"))?;
            rest = &tail[len..];
            if kind & 0x3f == NAL_TYPE_SPS {
                sps = Some(nal);
                break 'arrays;
            }
        }
    }
    let (width, height) = sps_picture_size(sps.ok_or(invalid("no SPS"))?)?;
    Ok(PictureConfig {
        width,
        height,
        bit_depth,
        codec: hevc_codec_string(record),
    })
}

/// The RFC 6381 string of an hvcC's general profile, tier and level (ISO/IEC 14496-15 E.3):
/// `hvc1.[A-C]<profile>.<compatibility, bit-reversed hex>.<L|H><level>[.<constraint byte>]*`,
/// trailing zero constraint bytes left out. `record` holds at least 13 bytes.
fn hevc_codec_string(record: &[u8]) -> String {
    let space = ["", "A", "B", "C"][usize::from(record[1] >> 6)];
    let tier = if record[1] & 0x20 != 0 { 'H' } else { 'L' };
    let profile = record[1] & 0x1f;
    let compatibility = u32::from_be_bytes([record[2], record[3], record[4], record[5]]);
    let constraints = &record[6..12];
    let kept = constraints
        .iter()
        .rposition(|b| *b != 0)
        .map_or(0, |i| i + 1);
    let mut codec = format!(
        "hvc1.{space}{profile}.{:x}.{tier}{}",
        compatibility.reverse_bits(),
        record[12]
    );
    for byte in &constraints[..kept] {
        codec.push_str(&format!(".{byte:X}"));
    }
    codec
}

/// The picture size of every SPS an HEVC access unit carries in-band (length-prefixed NAL units,
/// already validated), as [`parse_hevc_config`] reads the sequence start's.
pub fn in_band_hevc_sizes(access_unit: &[u8]) -> Result<Vec<(u32, u32)>, FlvError> {
    let mut sizes = Vec::new();
    let mut rest = access_unit;
    while let Some((len, tail)) = rest.split_first_chunk::<4>() {
        let len = u32::from_be_bytes(*len) as usize;
        let nal = tail.get(..len).ok_or(FlvError::MalformedAccessUnit)?;
        if nal.first().is_some_and(|h| (h >> 1) & 0x3f == NAL_TYPE_SPS) {
            sizes.push(sps_picture_size(nal)?);
        }
        rest = &tail[len..];
    }
    Ok(sizes)
}

/// The largest picture of every sequence header OBU an AV1 temporal unit carries in-band, as
/// [`parse_av1_config`] reads the sequence start's.
pub fn in_band_av1_sizes(temporal_unit: &[u8]) -> Result<Vec<(u32, u32)>, FlvError> {
    obus_of(temporal_unit)
        .filter(|(kind, _)| *kind == OBU_SEQUENCE_HEADER)
        .map(|(_, header)| av1_max_frame_size(header))
        .collect()
}

/// AV1's `OBU_SEQUENCE_HEADER`.
const OBU_SEQUENCE_HEADER: u8 = 1;

/// Parses an `AV1CodecConfigurationRecord` (av1C, AV1-ISOBMFF 2.3) and the largest picture
/// its sequence header OBU allows. The record must carry that OBU (OBS and FFmpeg write it):
/// without it the picture size is unknown until the first keyframe.
pub fn parse_av1_config(record: &[u8]) -> Result<PictureConfig, FlvError> {
    let invalid = |e: &str| FlvError::InvalidAv1Config(e.to_owned());
    let [marker, profile_level, flags, _, obus @ ..] = record else {
        return Err(invalid("not an av1C record (4 bytes or more)"));
    };
    if *marker != 0x81 {
        return Err(invalid("not an av1C record (marker 1, version 1)"));
    }
    let profile = profile_level >> 5;
    let level = profile_level & 0x1f;
    let tier = if flags & 0x80 != 0 { 'H' } else { 'M' };
    let high_bitdepth = flags & 0x40 != 0;
    let bit_depth = match (profile, high_bitdepth, flags & 0x20 != 0) {
        (2, true, true) => 12,
        (_, true, _) => 10,
        _ => 8,
    };
    let header = obus_of(obus)
        .find(|(kind, _)| *kind == OBU_SEQUENCE_HEADER)
        .map(|(_, payload)| payload)
        .ok_or(invalid("no sequence header OBU"))?;
    let (width, height) = av1_max_frame_size(header)?;
    Ok(PictureConfig {
        width,
        height,
        bit_depth,
        codec: format!("av01.{profile}.{level:02}{tier}.{bit_depth:02}"),
    })
}

/// The OBUs of a low-overhead bitstream, type and payload, up to the first one that does not
/// fit in what is left.
fn obus_of(mut rest: &[u8]) -> impl Iterator<Item = (u8, &[u8])> {
    std::iter::from_fn(move || {
        let (&header, tail) = rest.split_first()?;
        let kind = (header >> 3) & 0x0f;
        let extension = header & 0x04 != 0;
        let has_size = header & 0x02 != 0;
        let tail = if extension { tail.get(1..)? } else { tail };
        let (size, tail) = if has_size {
            leb128(tail)?
        } else {
            (tail.len(), tail)
        };
        let payload = tail.get(..size)?;
        rest = &tail[size..];
        Some((kind, payload))
    })
}

/// A `leb128()` value (AV1 4.10.5), at most 8 bytes, and what follows it.
fn leb128(bytes: &[u8]) -> Option<(usize, &[u8])> {
    let mut value: u64 = 0;
    for (i, byte) in bytes.iter().take(8).enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((usize::try_from(value).ok()?, &bytes[i + 1..]));
        }
    }
    None
}

/// The largest frame an AV1 sequence header allows (AV1 5.5.1, up to
/// `max_frame_height_minus_1`).
fn av1_max_frame_size(header: &[u8]) -> Result<(u32, u32), FlvError> {
    let mut r = Bits::new(header);
    let truncated = || FlvError::InvalidAv1Config("truncated sequence header".into());
    let mut f = |n: u32| r.read(n).ok_or_else(truncated);
    f(3)?; // seq_profile
    f(1)?; // still_picture
    let reduced_still_picture_header = f(1)? == 1;
    if reduced_still_picture_header {
        f(5)?; // seq_level_idx[0]
    } else {
        let timing_info_present = f(1)? == 1;
        let mut decoder_model_info_present = false;
        let mut buffer_delay_length = 0;
        if timing_info_present {
            f(32)?; // num_units_in_display_tick
            f(32)?; // time_scale
            if f(1)? == 1 {
                // equal_picture_interval: num_ticks_per_picture_minus_1, uvlc()
                let mut zeros = 0;
                while f(1)? == 0 {
                    zeros += 1;
                    if zeros >= 32 {
                        return Err(truncated());
                    }
                }
                f(zeros)?;
            }
            decoder_model_info_present = f(1)? == 1;
            if decoder_model_info_present {
                buffer_delay_length = f(5)? + 1;
                f(32)?; // num_units_in_decoding_tick
                f(5)?; // buffer_removal_time_length_minus_1
                f(5)?; // frame_presentation_time_length_minus_1
            }
        }
        let initial_display_delay_present = f(1)? == 1;
        let operating_points = f(5)? + 1;
        for _ in 0..operating_points {
            f(12)?; // operating_point_idc
            if f(5)? > 7 {
                f(1)?; // seq_tier
            }
            if decoder_model_info_present && f(1)? == 1 {
                f(buffer_delay_length)?; // decoder_buffer_delay
                f(buffer_delay_length)?; // encoder_buffer_delay
                f(1)?; // low_delay_mode_flag
            }
            if initial_display_delay_present && f(1)? == 1 {
                f(4)?; // initial_display_delay_minus_1
            }
        }
    }
    let width_bits = f(4)? + 1;
    let height_bits = f(4)? + 1;
    let width = f(width_bits)? + 1;
    let height = f(height_bits)? + 1;
    Ok((width, height))
}

/// A most-significant-bit-first reader over bytes with no emulation prevention (AV1's).
struct Bits<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Bits<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    /// The next `n` bits (at most 32), or `None` past the end.
    fn read(&mut self, n: u32) -> Option<u32> {
        let mut value: u64 = 0;
        for _ in 0..n.min(32) {
            let byte = self.bytes.get(self.at / 8)?;
            let bit = (byte >> (7 - self.at % 8)) & 1;
            value = (value << 1) | u64::from(bit);
            self.at += 1;
        }
        u32::try_from(value).ok()
    }
}

/// H.265 `SPS_NUT`.
const NAL_TYPE_SPS: u8 = 33;

/// The cropped picture size an HEVC SPS NAL unit (with its 2-byte header) describes
/// (ISO/IEC 23008-2 7.3.2.2, up to `conformance_window_flag`).
fn sps_picture_size(nal: &[u8]) -> Result<(u32, u32), FlvError> {
    use h264_reader::rbsp::{BitRead, BitReader, ByteReader};
    let invalid = |e: String| FlvError::InvalidHevcConfig(e);
    let bits = |e: h264_reader::rbsp::BitReaderError| invalid(format!("SPS: {e:?}"));
    if nal.len() < 3 || (nal[0] >> 1) & 0x3f != NAL_TYPE_SPS {
        return Err(invalid("the SPS array holds no SPS".into()));
    }
    let mut r = BitReader::new(ByteReader::skipping_bytes(
        nal,
        std::num::NonZeroUsize::MIN.saturating_add(1),
    ));
    r.skip(4, "sps_video_parameter_set_id").map_err(bits)?;
    let sub_layers: u8 = r.read(3, "sps_max_sub_layers_minus1").map_err(bits)?;
    r.skip(1, "sps_temporal_id_nesting_flag").map_err(bits)?;
    // profile_tier_level(1, sps_max_sub_layers_minus1): the general profile and level, then
    // which sub-layers carry their own, then those.
    r.skip(96, "general_profile_tier_level").map_err(bits)?;
    let mut present = Vec::with_capacity(usize::from(sub_layers));
    for _ in 0..sub_layers {
        let profile = r
            .read_bool("sub_layer_profile_present_flag")
            .map_err(bits)?;
        let level = r.read_bool("sub_layer_level_present_flag").map_err(bits)?;
        present.push((profile, level));
    }
    if sub_layers > 0 {
        r.skip(2 * (8 - u32::from(sub_layers)), "reserved_zero_2bits")
            .map_err(bits)?;
    }
    for (profile, level) in present {
        if profile {
            r.skip(88, "sub_layer_profile").map_err(bits)?;
        }
        if level {
            r.skip(8, "sub_layer_level_idc").map_err(bits)?;
        }
    }
    r.read_ue("sps_seq_parameter_set_id").map_err(bits)?;
    let chroma = r.read_ue("chroma_format_idc").map_err(bits)?;
    if chroma > 3 {
        return Err(invalid(format!("SPS: chroma_format_idc {chroma}")));
    }
    let separate_planes = chroma == 3 && r.read_bool("separate_colour_plane_flag").map_err(bits)?;
    let width = r.read_ue("pic_width_in_luma_samples").map_err(bits)?;
    let height = r.read_ue("pic_height_in_luma_samples").map_err(bits)?;
    let mut crop = [0u32; 4];
    if r.read_bool("conformance_window_flag").map_err(bits)? {
        for offset in &mut crop {
            *offset = r.read_ue("conf_win_offset").map_err(bits)?;
        }
    }
    // SubWidthC and SubHeightC (Table 6-1); ChromaArrayType 0 with separate planes.
    let (sub_width, sub_height) = match (chroma, separate_planes) {
        (1, _) => (2, 2),
        (2, _) => (2, 1),
        _ => (1, 1),
    };
    let cropped = |full: u32, sub: u32, a: u32, b: u32| {
        a.checked_add(b)
            .and_then(|offsets| offsets.checked_mul(sub))
            .and_then(|crop| full.checked_sub(crop))
            .filter(|size| *size > 0)
    };
    match (
        cropped(width, sub_width, crop[0], crop[1]),
        cropped(height, sub_height, crop[2], crop[3]),
    ) {
        (Some(width), Some(height)) => Ok((width, height)),
        _ => Err(invalid(format!(
            "SPS: a {width}x{height} picture with no size left after cropping"
        ))),
    }
}

/// A FourCC for a log line: its printable ASCII, or its hex.
fn printable(fourcc: &[u8; 4]) -> String {
    if fourcc.iter().all(|b| b.is_ascii_alphanumeric()) {
        String::from_utf8_lossy(fourcc).into_owned()
    } else {
        format!(
            "0x{}",
            fourcc
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(first: u8, fourcc: &[u8; 4], rest: &[u8]) -> Bytes {
        let mut out = vec![first];
        out.extend_from_slice(fourcc);
        out.extend_from_slice(rest);
        Bytes::from(out)
    }

    /// One NAL unit of `len` bytes, length-prefixed.
    fn nal(len: u8) -> Vec<u8> {
        let mut out = vec![0, 0, 0, len];
        out.extend(std::iter::repeat_n(0x26, usize::from(len)));
        out
    }

    #[test]
    fn an_hevc_sequence_start_carries_its_hvcc() {
        let parsed = parse(&tag(0x90, b"hvc1", &[1, 2, 3])).expect("parsed");
        assert_eq!(parsed.codec, VideoCodec::H265);
        assert_eq!(
            parsed.packet,
            VideoPacket::SequenceHeader(Bytes::from_static(&[1, 2, 3]))
        );
    }

    #[test]
    fn hevc_coded_frames_carry_a_signed_composition_time_and_x_frames_none() {
        let mut body = vec![0xff, 0xff, 0xfe];
        body.extend(nal(4));
        let parsed = parse(&tag(0x91, b"hvc1", &body)).expect("parsed");
        let VideoPacket::Frame {
            keyframe,
            composition_offset_ms,
            data,
        } = parsed.packet
        else {
            panic!("a frame");
        };
        assert!(keyframe);
        assert_eq!(composition_offset_ms, -2);
        assert_eq!(data.len(), 8);
        let parsed = parse(&tag(0xa3, b"hvc1", &nal(4))).expect("parsed");
        assert!(matches!(
            parsed.packet,
            VideoPacket::Frame {
                keyframe: false,
                composition_offset_ms: 0,
                ..
            }
        ));
    }

    #[test]
    fn av1_coded_frames_have_no_composition_time() {
        let parsed = parse(&tag(0x91, b"av01", &[0x12, 0x00, 0x0a])).expect("parsed");
        assert_eq!(parsed.codec, VideoCodec::Av1);
        let VideoPacket::Frame { data, .. } = parsed.packet else {
            panic!("a frame");
        };
        assert_eq!(&data[..], &[0x12, 0x00, 0x0a]);
    }

    #[test]
    fn sequence_end_metadata_and_commands_carry_no_picture() {
        for first in [0x92, 0x94, 0xd1] {
            let parsed = parse(&tag(first, b"hvc1", &[0])).expect("parsed");
            assert_eq!(parsed.packet, VideoPacket::Ignored, "{first:#x}");
        }
    }

    /// x265's hvcC for 320x180 (coded as 320x184, cropped by the conformance window).
    const X265_HVCC_320X180: &[u8] = &[
        0x01, 0x01, 0x60, 0x00, 0x00, 0x00, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3c, 0xf0, 0x00,
        0xfc, 0xfd, 0xf8, 0xf8, 0x00, 0x00, 0x0f, 0x03, 0x20, 0x00, 0x01, 0x00, 0x18, 0x40, 0x01,
        0x0c, 0x01, 0xff, 0xff, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00,
        0x00, 0x03, 0x00, 0x3c, 0x95, 0x98, 0x09, 0x21, 0x00, 0x01, 0x00, 0x2a, 0x42, 0x01, 0x01,
        0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x3c,
        0xa0, 0x0a, 0x08, 0x0b, 0x9f, 0x79, 0x65, 0x66, 0x92, 0x4c, 0xae, 0x68, 0x08, 0x00, 0x00,
        0x03, 0x00, 0x08, 0x00, 0x00, 0x03, 0x00, 0xf0, 0x40, 0x22, 0x00, 0x01, 0x00, 0x07, 0x44,
        0x01, 0xc1, 0x72, 0xb4, 0x62, 0x40,
    ];

    #[test]
    fn an_x265_hvcc_gives_the_cropped_picture_size() {
        let config = parse_hevc_config(X265_HVCC_320X180).expect("parsed");
        assert_eq!(
            (config.width, config.height, config.bit_depth),
            (320, 180, 8)
        );
    }

    #[test]
    fn an_hvcc_names_its_rfc_6381_codec() {
        let config = parse_hevc_config(X265_HVCC_320X180).expect("parsed");
        // Main profile (1), compatible with Main and Main 10 (flags 1 and 2), level 2 (60).
        assert_eq!(config.codec, "hvc1.1.6.L60.90");
    }

    /// SVT-AV1's av1C for 320x180 (Debian's ffmpeg 5.1, `-c:v libsvtav1 -preset 12`).
    const SVT_AV1C_320X180: &[u8] = &[
        0x81, 0x00, 0x0c, 0x00, 0x0a, 0x0b, 0x00, 0x00, 0x00, 0x04, 0x3c, 0xfe, 0xcc, 0x02, 0xf8,
        0x00, 0x40,
    ];

    #[test]
    fn an_av1c_gives_its_sequence_headers_size_and_codec() {
        let config = parse_av1_config(SVT_AV1C_320X180).expect("parsed");
        assert_eq!(
            (config.width, config.height, config.bit_depth),
            (320, 180, 8)
        );
        assert_eq!(config.codec, "av01.0.00M.08");
    }

    #[test]
    fn sizes_sent_in_band_are_read_like_the_sequence_starts() {
        // The av1C's OBUs form a temporal unit holding its sequence header.
        assert_eq!(
            in_band_av1_sizes(&SVT_AV1C_320X180[4..]).expect("read"),
            [(320, 180)]
        );
        assert_eq!(in_band_av1_sizes(&[0x12, 0x00]).expect("read"), []);
        // The hvcC's SPS, length-prefixed in an access unit between two other NAL units.
        let at = X265_HVCC_320X180
            .windows(2)
            .position(|w| w == [0x42, 0x01])
            .expect("the SPS");
        let len = usize::from(u16::from_be_bytes([
            X265_HVCC_320X180[at - 2],
            X265_HVCC_320X180[at - 1],
        ]));
        let sps = &X265_HVCC_320X180[at..at + len];
        let mut au = nal(4);
        au.extend_from_slice(&(len as u32).to_be_bytes());
        au.extend_from_slice(sps);
        au.extend(nal(4));
        assert_eq!(in_band_hevc_sizes(&au).expect("read"), [(320, 180)]);
        assert_eq!(in_band_hevc_sizes(&nal(4)).expect("read"), []);
        assert!(in_band_hevc_sizes(&au[..au.len() - 2]).is_err());
    }

    #[test]
    fn an_av1c_without_a_sequence_header_or_cut_short_is_refused() {
        for record in [
            &SVT_AV1C_320X180[..4],
            &SVT_AV1C_320X180[..9],
            &[0x01, 0x00, 0x0c, 0x00][..],
            &[][..],
        ] {
            let error = parse_av1_config(record).expect_err("refused");
            assert!(error.to_string().contains("AV1"), "{record:?}: {error}");
        }
    }

    #[test]
    fn mutated_av1c_never_panics() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut record = SVT_AV1C_320X180.to_vec();
            let at = 4 + (seed as usize) % (record.len() - 4);
            record[at] = (seed >> 32) as u8;
            record.truncate(4 + (seed >> 40) as usize % (record.len() - 3));
            let _ = parse_av1_config(&record);
        }
    }

    #[test]
    fn truncated_or_empty_hvcc_is_a_clear_error() {
        for len in [0, 10, 23, 40, X265_HVCC_320X180.len() - 60] {
            let error = parse_hevc_config(&X265_HVCC_320X180[..len]).expect_err("refused");
            assert!(error.to_string().contains("HEVC"), "{len}: {error}");
        }
    }

    /// Mutated records (bytes flipped, cut, grown) are errors or sizes, never a panic: the
    /// SPS is the publisher's.
    #[test]
    fn mutated_hvcc_never_panics() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let mut record = X265_HVCC_320X180.to_vec();
            for _ in 0..(next() % 4 + 1) {
                let at = (next() as usize) % record.len();
                record[at] = next() as u8;
            }
            if next() % 4 == 0 {
                record.truncate((next() as usize) % record.len());
            }
            let _ = parse_hevc_config(&record);
        }
    }

    #[test]
    fn hostile_or_unsupported_tags_are_clear_errors() {
        let cases: [(Bytes, &str); 7] = [
            (Bytes::new(), "empty"),
            (Bytes::from_static(&[0x90, b'h', b'v']), "truncated"),
            (tag(0x90, b"vp09", &[1]), "vp09"),
            (tag(0x90, &[0, 1, 2, 0xff], &[1]), "0x000102ff"),
            (tag(0x96, b"hvc1", &[]), "multitrack"),
            (tag(0x91, b"hvc1", &[0, 0]), "truncated"),
            (tag(0x91, b"hvc1", &[0, 0, 0, 0, 0, 0, 9, 0]), "NAL"),
        ];
        for (data, needle) in cases {
            let error = parse(&data).expect_err("refused").to_string();
            assert!(error.contains(needle), "{data:?}: {error}");
        }
    }
}
