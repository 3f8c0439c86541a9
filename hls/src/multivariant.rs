//! The multivariant (master) playlist: one entry per video rendition, each naming its audio
//! group (one `EXT-X-MEDIA` per audio rendition: the source's audio, and one per AAC bitrate).

use crate::layout::HlsDir;
use m3u8_rs::{AlternativeMedia, AlternativeMediaType, MasterPlaylist, Resolution, VariantStream};

pub use crate::layout::MULTIVARIANT_FILE;

/// What the multivariant playlist says about one video rendition.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoVariant {
    pub name: String,
    /// RFC 6381 codec of the video, from the negotiated caps.
    pub codec: String,
    pub width: u32,
    pub height: u32,
    pub frame_rate: Option<f64>,
    /// Peak bits per second of the video.
    pub peak_bps: u64,
    /// Average bits per second of the video.
    pub average_bps: u64,
    /// The audio rendition (and group) it plays with, if the stream has audio.
    pub audio: Option<String>,
}

/// One audio rendition, its own group, shared by the variants that name it.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioVariant {
    /// The rendition's name, also its `GROUP-ID`.
    pub name: String,
    pub codec: String,
    pub channels: Option<u32>,
    pub peak_bps: u64,
    pub average_bps: u64,
}

/// Renders the playlist: variants highest bandwidth first, each pointing at `<name>/playlist.m3u8`
/// and counting its audio group's bandwidth and codec; a variant whose group is not among
/// `audios` has none.
pub fn render(videos: &[VideoVariant], audios: &[AudioVariant]) -> Vec<u8> {
    let mut variants: Vec<VariantStream> = videos
        .iter()
        .map(|v| {
            let audio = v
                .audio
                .as_ref()
                .and_then(|group| audios.iter().find(|a| &a.name == group));
            let codecs = match audio {
                Some(a) => format!("{},{}", v.codec, a.codec),
                None => v.codec.clone(),
            };
            VariantStream {
                uri: HlsDir::media_playlist_uri(&v.name),
                bandwidth: v.peak_bps + audio.map_or(0, |a| a.peak_bps),
                average_bandwidth: Some(v.average_bps + audio.map_or(0, |a| a.average_bps)),
                codecs: Some(codecs),
                resolution: Some(Resolution {
                    width: u64::from(v.width),
                    height: u64::from(v.height),
                }),
                frame_rate: v.frame_rate.map(|f| (f * 1000.0).round() / 1000.0),
                audio: audio.map(|a| a.name.clone()),
                // Not in RFC 8216 for variants, but hls.js exposes it as the level's name: players
                // can say "source" instead of showing two identical heights.
                other_attributes: Some(std::collections::HashMap::from([(
                    "NAME".to_owned(),
                    m3u8_rs::QuotedOrUnquoted::Quoted(v.name.clone()),
                )])),
                ..Default::default()
            }
        })
        .collect();
    variants.sort_by_key(|v| std::cmp::Reverse(v.bandwidth));
    let alternatives = audios
        .iter()
        .filter(|a| videos.iter().any(|v| v.audio.as_ref() == Some(&a.name)))
        .map(|a| AlternativeMedia {
            media_type: AlternativeMediaType::Audio,
            uri: Some(HlsDir::media_playlist_uri(&a.name)),
            group_id: a.name.clone(),
            name: "Audio".into(),
            default: true,
            autoselect: true,
            channels: a.channels.map(|c| c.to_string()),
            ..Default::default()
        })
        .collect();
    let playlist = MasterPlaylist {
        version: Some(7),
        variants,
        alternatives,
        independent_segments: true,
        ..Default::default()
    };
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = playlist.write_to(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_parseable_playlist_with_audio_group() {
        let video = |name: &str, w, h, bps| VideoVariant {
            name: name.into(),
            codec: "avc1.64001f".into(),
            width: w,
            height: h,
            frame_rate: Some(30.0),
            peak_bps: bps,
            average_bps: bps * 9 / 10,
            audio: Some("audio".into()),
        };
        let audio = AudioVariant {
            name: "audio".into(),
            codec: "mp4a.40.2".into(),
            channels: Some(2),
            peak_bps: 128_000,
            average_bps: 128_000,
        };
        let text = render(
            &[
                video("360p", 640, 360, 800_000),
                video("720p", 1280, 720, 3_000_000),
            ],
            &[audio],
        );
        let parsed = m3u8_rs::parse_master_playlist_res(&text).expect("parses");
        assert_eq!(parsed.variants[0].uri, "720p/playlist.m3u8");
        assert!(
            String::from_utf8_lossy(&text).contains("NAME=\"720p\""),
            "each variant is named after its rendition"
        );
        assert_eq!(parsed.variants[0].bandwidth, 3_128_000);
        assert_eq!(
            parsed.variants[1].codecs.as_deref(),
            Some("avc1.64001f,mp4a.40.2")
        );
        assert_eq!(
            parsed.alternatives[0].uri.as_deref(),
            Some("audio/playlist.m3u8")
        );
    }

    fn full_hd() -> VideoVariant {
        VideoVariant {
            name: "1080p".into(),
            codec: "avc1.640028".into(),
            width: 1920,
            height: 1080,
            frame_rate: Some(30_000.0 / 1001.0),
            peak_bps: 6_600_000,
            average_bps: 6_000_000,
            audio: Some("audio".into()),
        }
    }

    #[test]
    fn a_variant_carries_bandwidths_codecs_resolution_rate_and_name_with_its_audio() {
        let audio = AudioVariant {
            name: "audio".into(),
            codec: "mp4a.40.2".into(),
            channels: Some(2),
            peak_bps: 140_800,
            average_bps: 128_000,
        };
        let text = render(&[full_hd()], &[audio]);
        let parsed = m3u8_rs::parse_master_playlist_res(&text).expect("parses");
        assert_eq!(parsed.version, Some(7));
        assert!(parsed.independent_segments);
        let [variant] = parsed.variants.as_slice() else {
            panic!("one variant, got {:?}", parsed.variants);
        };
        assert_eq!(variant.uri, "1080p/playlist.m3u8");
        assert_eq!(variant.bandwidth, 6_740_800, "video peak + audio peak");
        assert_eq!(
            variant.average_bandwidth,
            Some(6_128_000),
            "video average + audio average"
        );
        assert_eq!(variant.codecs.as_deref(), Some("avc1.640028,mp4a.40.2"));
        assert_eq!(
            variant.resolution,
            Some(Resolution {
                width: 1920,
                height: 1080
            })
        );
        assert_eq!(variant.frame_rate, Some(29.97));
        assert_eq!(variant.audio.as_deref(), Some("audio"));
        assert_eq!(
            variant
                .other_attributes
                .as_ref()
                .and_then(|a| a.get("NAME"))
                .map(|n| n.to_string()),
            Some("\"1080p\"".into()),
            "NAME is the rendition's name, quoted"
        );

        let [media] = parsed.alternatives.as_slice() else {
            panic!("one EXT-X-MEDIA, got {:?}", parsed.alternatives);
        };
        assert_eq!(media.media_type, AlternativeMediaType::Audio);
        assert_eq!(media.group_id, "audio");
        assert_eq!(media.name, "Audio");
        assert_eq!(media.channels.as_deref(), Some("2"));
        assert!(media.default && media.autoselect);
        let line = String::from_utf8_lossy(&text)
            .lines()
            .find(|l| l.starts_with("#EXT-X-MEDIA:"))
            .map(str::to_owned)
            .expect("an EXT-X-MEDIA line");
        assert!(line.contains("TYPE=AUDIO"), "{line}");
        assert!(line.contains("GROUP-ID=\"audio\""), "{line}");
    }

    #[test]
    fn a_video_only_stream_has_no_audio_group() {
        let video = VideoVariant {
            audio: None,
            ..full_hd()
        };
        let text = render(&[video], &[]);
        let parsed = m3u8_rs::parse_master_playlist_res(&text).expect("parses");
        assert!(parsed.alternatives.is_empty());
        let variant = &parsed.variants[0];
        assert_eq!(variant.bandwidth, 6_600_000);
        assert_eq!(variant.average_bandwidth, Some(6_000_000));
        assert_eq!(variant.codecs.as_deref(), Some("avc1.640028"));
        assert_eq!(variant.audio, None);
        assert!(!String::from_utf8_lossy(&text).contains("EXT-X-MEDIA"));
    }

    #[test]
    fn each_variant_names_its_own_audio_group_and_counts_its_bandwidth() {
        let audio = |name: &str, bps| AudioVariant {
            name: name.into(),
            codec: "mp4a.40.2".into(),
            channels: Some(2),
            peak_bps: bps,
            average_bps: bps,
        };
        let rung = |name: &str, group: &str, bps| VideoVariant {
            name: name.into(),
            audio: Some(group.into()),
            peak_bps: bps,
            average_bps: bps,
            ..full_hd()
        };
        let text = render(
            &[
                rung("source", "audio", 5_000_000),
                rung("720p", "audio-128k", 3_000_000),
                rung("360p", "audio-64k", 800_000),
            ],
            &[
                audio("audio", 96_000),
                audio("audio-128k", 128_000),
                audio("audio-64k", 64_000),
                audio("audio-32k", 32_000),
            ],
        );
        let parsed = m3u8_rs::parse_master_playlist_res(&text).expect("parses");
        let groups: Vec<(&str, Option<&str>)> = parsed
            .alternatives
            .iter()
            .map(|a| (a.group_id.as_str(), a.uri.as_deref()))
            .collect();
        assert_eq!(
            groups,
            [
                ("audio", Some("audio/playlist.m3u8")),
                ("audio-128k", Some("audio-128k/playlist.m3u8")),
                ("audio-64k", Some("audio-64k/playlist.m3u8")),
            ],
            "a group no variant names is left out"
        );
        let by_uri = |uri: &str| {
            parsed
                .variants
                .iter()
                .find(|v| v.uri == uri)
                .map(|v| (v.bandwidth, v.audio.clone()))
                .expect("listed")
        };
        assert_eq!(
            by_uri("source/playlist.m3u8"),
            (5_096_000, Some("audio".into()))
        );
        assert_eq!(
            by_uri("720p/playlist.m3u8"),
            (3_128_000, Some("audio-128k".into()))
        );
        assert_eq!(
            by_uri("360p/playlist.m3u8"),
            (864_000, Some("audio-64k".into()))
        );
    }

    #[test]
    fn an_unknown_frame_rate_is_left_out() {
        let video = VideoVariant {
            frame_rate: None,
            ..full_hd()
        };
        let text = render(&[video], &[]);
        assert!(!String::from_utf8_lossy(&text).contains("FRAME-RATE"));
    }
}
