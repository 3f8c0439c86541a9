//! What a published stream is, in pure Rust (no GStreamer, no C library): its key, its public
//! id, the media it carries and the wire formats that carry it.
//!
//! ```text
//! RTMP message ─▶ flv (FLV tags: AVC, AAC) ─┬─▶ VideoPacket / AudioPacket ─▶ the engine
//! Enhanced RTMP ─▶ enhanced (HEVC, AV1)  ───┘      timestamps: 32-bit ms ─▶ stream time
//! SRT's MPEG-TS ─▶ mpegts (what the demuxer may hold) ─▶ (demuxed into FLV tags by ingest)
//! ladder: the source's size ─▶ the renditions to encode
//! ```
//!
//! FLV tags are the engine's interchange format: RTMP carries them, and ingest turns SRT's
//! MPEG-TS into them, so the engine reads one format whatever the protocol.

pub mod enhanced;
pub mod flv;
pub mod ladder;
pub mod mpegts;
pub mod timestamps;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The secret a streamer publishes with (the RTMP publish name). Never shown in full.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct StreamKey(String);

impl StreamKey {
    /// Wraps a publish name.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The full secret, for comparison and hashing by the authorizer.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A short, log-safe form: the first four characters, then an ellipsis.
    pub fn redacted(&self) -> String {
        let prefix: String = self.0.chars().take(4).collect();
        format!("{prefix}…")
    }
}

impl fmt::Debug for StreamKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StreamKey({})", self.redacted())
    }
}

/// The public identifier of a live stream: used in playback URLs, never secret.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct StreamId(String);

impl TryFrom<String> for StreamId {
    type Error = &'static str;

    fn try_from(id: String) -> Result<Self, Self::Error> {
        Self::parse(&id).ok_or("a stream id is 1 to 64 of [A-Za-z0-9_-]")
    }
}

impl StreamId {
    /// Accepts ids made of `[A-Za-z0-9_-]`, 1 to 64 characters, so they are safe in paths and URLs.
    pub fn parse(id: &str) -> Option<Self> {
        let ok = !id.is_empty()
            && id.len() <= 64
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(id.to_owned()))
    }

    /// A fresh random id (16 lowercase alphanumerics, about 82 bits).
    pub fn random() -> Self {
        use rand::distr::{Alphanumeric, SampleString};
        Self(
            Alphanumeric
                .sample_string(&mut rand::rng(), 16)
                .to_ascii_lowercase(),
        )
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub use enhanced::VideoCodec;

/// What a video sequence header (avcC, hvcC or av1C) says, whichever the codec.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoConfig {
    pub codec: VideoCodec,
    pub width: u32,
    pub height: u32,
    /// Frames per second from the H.264 SPS timing info, when the encoder wrote it.
    pub fps: Option<f64>,
    /// RFC 6381 codec string (`avc1.64001f`, `hvc1.1.6.L93.B0`, `av01.0.04M.08`).
    pub codec_string: String,
}

impl VideoConfig {
    /// Parses the sequence header `record` of a `codec` stream.
    pub fn parse(codec: VideoCodec, record: &[u8]) -> Result<Self, flv::FlvError> {
        let picture = match codec {
            VideoCodec::H264 => {
                let avc = flv::parse_avc_config(record)?;
                return Ok(Self {
                    codec,
                    width: avc.width,
                    height: avc.height,
                    fps: avc.fps,
                    codec_string: avc.codec,
                });
            }
            VideoCodec::H265 => enhanced::parse_hevc_config(record)?,
            VideoCodec::Av1 => enhanced::parse_av1_config(record)?,
        };
        Ok(Self {
            codec,
            width: picture.width,
            height: picture.height,
            fps: None,
            codec_string: picture.codec,
        })
    }
}

/// The video the publisher sends.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceVideo {
    pub codec: String,
    pub width: u32,
    pub height: u32,
    /// Frames per second, from the SPS or the publisher's metadata.
    pub fps: Option<f64>,
}

/// The audio the publisher sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceAudio {
    pub codec: String,
    pub sample_rate: u32,
    pub channels: u32,
}

/// The source's audio codec, with what its decoder needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioCodecData {
    /// AAC, with its `AudioSpecificConfig`: players take it as it is.
    Aac(Bytes),
    /// MP3 (every frame describes itself): transcoded to AAC for players.
    Mp3,
}

/// The source media of a stream, as learned from its sequence headers and metadata.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceMedia {
    pub video: SourceVideo,
    pub audio: Option<SourceAudio>,
    /// The encoder the publisher reported in `onMetaData`, if any.
    pub encoder: Option<String>,
    /// The bitrate the publisher announced (video + audio), in kbit/s.
    pub announced_kbps: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_ids_are_path_safe() {
        assert!(StreamId::parse("abc-DEF_123").is_some());
        for bad in ["", "../etc", "a/b", "a b", "%2e", &"x".repeat(65)] {
            assert!(StreamId::parse(bad).is_none(), "{bad}");
        }
        assert!(StreamId::parse(StreamId::random().as_str()).is_some());
    }

    #[test]
    fn keys_never_print_in_full() {
        let key = StreamKey::new("supersecretkey");
        assert_eq!(format!("{key:?}"), "StreamKey(supe…)");
    }
}
