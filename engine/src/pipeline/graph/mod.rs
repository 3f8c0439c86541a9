//! Builds the GStreamer element graph of one stream, one part per file:
//!
//! ```text
//! source     video appsrc ─ h264parse ─ tee ─┬─ queue ─ LL-HLS sink (source)     [passthrough]
//! ladder                                     └─ decode once ─ scale 1080p ─ encode ─ LL-HLS sink
//!                                                             └─ scale 720p (from 1080p) ─ ...
//! thumbnail  smallest rung (or decoded source keyframes) ─ jpegenc ─ appsink     [thumbnail.jpg]
//!                                                       └ 160 px tiles ─ appsink [recording preview]
//! audio      audio appsrc ─ parse ─ LL-HLS sink (audio)                          [AAC as it is]
//!                                  └─ decode once ─ avenc_aac per bitrate ─ LL-HLS sink (audio-64k)
//! archive    its own video and audio appsrcs ─ matroskamux ─ filesink            [MKV archive]
//! ```
//!
//! A ladder heavier than the machine degrades instead of stalling: nothing in the transcoding
//! part ever blocks the source tee (see [`renditions`]), so the passthrough, the audio and the
//! archive stay real time and memory stays bounded by frames, whatever the rungs cost.

mod archive;
mod audio;
mod elements;
mod renditions;
mod source;
mod thumbnail;

use super::{PipelineConfig, PipelineError};
use gst_app::AppSrc;
use hls::LiveHls;
use media::ladder::SOURCE_RENDITION;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Name of the source's audio rendition (media playlist directory).
pub use media::ladder::AUDIO_RENDITION;
/// Name of the archive's file sink.
pub const ARCHIVE_SINK: &str = "archive-sink";
/// Width of the thumbnail (never wider than the source).
const THUMBNAIL_WIDTH: u32 = 480;
/// Upper bound of what each appsrc buffers before the publisher is slowed down.
pub const APPSRC_MAX_BYTES: u64 = 8 * 1024 * 1024;
/// Raw frames a scaler's or encoder's queue holds; beyond that new frames are dropped.
pub const RAW_QUEUE_FRAMES: u32 = 4;
/// What the same queue may hold while its first [`STARTUP_FRAMES`] pass: encoders (x264 at
/// 1080p above all) take a while to start, and dropping then held frames on screen in every
/// stream's first second.
pub const STARTUP_QUEUE_FRAMES: u32 = 30;
/// How many frames the start-up allowance lasts (2 s at 30 fps).
pub const STARTUP_FRAMES: u64 = 60;
/// How far the decoder may fall behind before whole GOPs of the source are dropped before it.
pub const DECODE_BACKLOG: Duration = Duration::from_secs(1);

/// Frames dropped to keep transcoding real time: before the decoder (every rendition loses
/// them) and per rendition.
#[derive(Default)]
pub struct Drops {
    pub before_decoder: Arc<AtomicU64>,
    pub by_rendition: HashMap<String, Arc<AtomicU64>>,
}

impl Drops {
    /// Frames rendition `name` has lost so far (0 for the passthrough).
    pub fn of(&self, name: &str) -> u64 {
        match self.by_rendition.get(name) {
            Some(own) => own.load(Ordering::Relaxed) + self.before_decoder.load(Ordering::Relaxed),
            None => 0,
        }
    }
}

/// The elements the rest of the engine talks to.
pub struct Graph {
    pub pipeline: gst::Pipeline,
    pub video_src: AppSrc,
    pub audio_src: Option<AppSrc>,
    pub archive_video_src: AppSrc,
    pub archive_audio_src: Option<AppSrc>,
    /// Every HLS sink, video renditions first (passthrough included), audio renditions last.
    pub hls_sinks: Vec<(String, gst::Element)>,
    /// The pad where the encoders' keyframes are forced (the decoder's output), if anything is
    /// encoded.
    pub keyframe_pad: Option<gst::Pad>,
    pub archive_sink: gst::Element,
    pub drops: Drops,
    /// The recording kept as HLS VOD, if it is.
    pub vod: Option<crate::vod::VodRecorder>,
}

/// The stream's empty live HLS output: one rendition per HLS sink [`build`] will make, in the
/// same order (passthrough, rungs largest first, audio).
pub fn live_hls(config: &PipelineConfig) -> LiveHls {
    let mut names: Vec<&str> = Vec::new();
    if config.ladder.passthrough {
        names.push(SOURCE_RENDITION);
    }
    let rungs = renditions::cascade(&config.renditions);
    names.extend(rungs.iter().map(|r| r.name.as_str()));
    let audio = audio::renditions(config);
    names.extend(audio.iter().map(|(name, _)| name.as_str()));
    LiveHls::new(
        config.hls.packaging(),
        config.hls.segment_duration,
        names,
        !config.renditions.is_empty(),
    )
}

/// Builds the whole graph for `config`, its HLS sinks feeding `hls` and its thumbnails also
/// the recording `vod`; nothing is running yet.
pub fn build(
    config: &PipelineConfig,
    hls: &LiveHls,
    vod: Option<&crate::vod::VodRecorder>,
) -> Result<Graph, PipelineError> {
    let pipeline = gst::Pipeline::with_name(&format!("stream-{}", config.stream_id));
    let source = source::add(&pipeline, config, hls)?;
    let encoded = renditions::add(&pipeline, config, hls, &source.tee)?;
    if let Some(interval) = config.hls.thumbnail_interval {
        let input = match &encoded.smallest {
            Some(raw) => thumbnail::Input::Raw(raw),
            None => thumbnail::Input::Encoded(&source.tee),
        };
        thumbnail::add(&pipeline, config, input, interval, vod)?;
    }
    let audio = audio::add(&pipeline, config, hls)?;
    let archive = archive::add(
        &pipeline,
        config,
        &source.caps,
        audio.as_ref().map(|a| (&a.caps, a.parser)),
    )?;

    let passthrough = source
        .passthrough
        .map(|sink| (SOURCE_RENDITION.to_owned(), sink));
    let audio_sinks = audio.as_ref().map(|a| a.sinks.clone()).unwrap_or_default();
    let hls_sinks = passthrough
        .into_iter()
        .chain(encoded.sinks)
        .chain(audio_sinks)
        .collect();
    Ok(Graph {
        pipeline,
        video_src: source.src,
        audio_src: audio.map(|a| a.src),
        archive_video_src: archive.video_src,
        archive_audio_src: archive.audio_src,
        hls_sinks,
        keyframe_pad: encoded.keyframe_pad,
        archive_sink: archive.sink,
        drops: encoded.drops,
        vod: vod.cloned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::HlsSettings;
    use gst::prelude::*;
    use hls::OutputLayout;
    use media::ladder::Ladder;
    use media::{SourceAudio, SourceMedia, SourceVideo, StreamId};

    /// A 1080p30 stream with AAC under a fresh temporary data directory; `ladder` decides the
    /// renditions. Nothing is pushed: the graph is only built.
    fn config(ladder: Ladder) -> PipelineConfig {
        let layout = OutputLayout::new(
            std::env::temp_dir().join(format!("engine-graph-{}", StreamId::random())),
        );
        let stream_id = StreamId::random();
        let video = SourceVideo {
            codec: "avc1.640028".into(),
            width: 1920,
            height: 1080,
            fps: Some(30.0),
        };
        PipelineConfig {
            renditions: ladder.plan(&video),
            media: SourceMedia {
                video,
                audio: Some(SourceAudio {
                    codec: "mp4a.40.2".into(),
                    sample_rate: 48_000,
                    channels: 2,
                }),
                encoder: None,
                announced_kbps: None,
            },
            video_codec: media::VideoCodec::H264,
            video_codec_data: bytes::Bytes::from_static(&[1, 0x64, 0, 0x28, 0xff, 0xe0, 0]),
            audio_codec_data: Some(media::AudioCodecData::Aac(bytes::Bytes::from_static(&[
                0x11, 0x90,
            ]))),
            ladder,
            hls: HlsSettings::default(),
            hls_dir: layout.hls(&stream_id),
            archive_path: layout.archive(&stream_id),
            vod_dir: None,
            destinations: None,
            allow_private_destinations: false,
            stream_id,
        }
    }

    /// The element feeding `name`'s sink pad.
    fn upstream_of(graph: &Graph, name: &str) -> String {
        let element = graph.pipeline.by_name(name).expect(name);
        let peer = element
            .static_pad("sink")
            .and_then(|pad| pad.peer())
            .unwrap_or_else(|| panic!("{name} is linked"));
        peer.parent_element()
            .map(|e| e.name().to_string())
            .unwrap_or_default()
    }

    fn remove_output(config: &PipelineConfig) {
        if let Some(data_dir) = config.hls_dir.path().parent().and_then(|p| p.parent()) {
            let _ = std::fs::remove_dir_all(data_dir);
        }
    }

    #[test]
    fn each_rung_is_scaled_from_the_largest_picture_at_most_two_and_a_half_times_its_width_and_the_thumbnail_from_the_smallest(
    ) {
        crate::init().expect("GStreamer initialises");
        let config = config(Ladder::default());
        let graph = build(&config, &live_hls(&config), None).expect("the graph builds");
        let sinks: Vec<&str> = graph.hls_sinks.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(sinks, ["source", "1080p", "720p", "480p", "360p", "audio"]);
        assert_eq!(upstream_of(&graph, "1080p-scale-queue"), "raw-tee");
        assert_eq!(upstream_of(&graph, "720p-scale-queue"), "1080p-raw-tee");
        assert_eq!(upstream_of(&graph, "480p-scale-queue"), "1080p-raw-tee");
        assert_eq!(upstream_of(&graph, "360p-scale-queue"), "720p-raw-tee");
        assert_eq!(upstream_of(&graph, "thumbnail-queue"), "360p-raw-tee");
        assert!(graph.pipeline.by_name("thumbnail-decoder").is_none());
        assert_eq!(upstream_of(&graph, "source-queue"), "source-tee");
        assert_eq!(upstream_of(&graph, "decode-queue"), "source-tee");
        let keyframes = graph.keyframe_pad.as_ref().expect("encoders get keyframes");
        assert_eq!(
            keyframes.parent_element().map(|e| e.name().to_string()),
            Some("decoder".into())
        );
        assert_eq!(
            upstream_of(&graph, "archive-audio-queue"),
            "archive-audio-parse"
        );
        assert!(graph.archive_audio_src.is_some() && graph.audio_src.is_some());
        remove_output(&config);
    }

    #[test]
    fn each_audio_bitrate_is_one_encode_of_one_decode_and_mp3_is_always_encoded() {
        crate::init().expect("GStreamer initialises");
        let mut ladder = Ladder::default();
        for (rung, kbps) in ladder
            .renditions
            .iter_mut()
            .zip([None, Some(128), Some(64), Some(64)])
        {
            rung.audio_kbps = kbps;
        }
        let mut config = config(ladder.clone());
        let graph = build(&config, &live_hls(&config), None).expect("the graph builds");
        let sinks: Vec<&str> = graph.hls_sinks.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            sinks,
            [
                "source",
                "1080p",
                "720p",
                "480p",
                "360p",
                "audio",
                "audio-128k",
                "audio-64k"
            ]
        );
        assert_eq!(upstream_of(&graph, "audio-queue"), "audio-tee");
        assert_eq!(upstream_of(&graph, "audio-decode-queue"), "audio-tee");
        assert_eq!(upstream_of(&graph, "audio-64k-queue"), "audio-raw-tee");
        assert_eq!(upstream_of(&graph, "audio-128k-queue"), "audio-raw-tee");
        remove_output(&config);

        config = {
            let mut mp3 = super::tests::config(ladder);
            mp3.audio_codec_data = Some(media::AudioCodecData::Mp3);
            mp3
        };
        let graph = build(&config, &live_hls(&config), None).expect("the MP3 graph builds");
        assert_eq!(
            upstream_of(&graph, "audio-queue"),
            "audio-raw-tee",
            "MP3 is encoded for the source's group too"
        );
        assert!(graph.pipeline.by_name("audio-encoder").is_some());
        assert_eq!(
            upstream_of(&graph, "archive-audio-queue"),
            "archive-audio-parse"
        );
        remove_output(&config);
    }

    #[test]
    fn an_untagged_source_is_taken_as_bt709_above_576_lines_and_bt601_up_to_them() {
        crate::init().expect("GStreamer initialises");
        // The test's codec data has no SPS to read: the source says nothing of its colour.
        let mut hd = config(Ladder::default());
        assert_eq!(source::colorimetry(&hd), "bt709");
        hd.media.video.height = 576;
        assert_eq!(source::colorimetry(&hd), "bt601");
        remove_output(&hd);
    }

    #[test]
    fn a_source_only_stream_decodes_keyframes_for_its_thumbnail_and_nothing_else() {
        crate::init().expect("GStreamer initialises");
        let config = config(Ladder {
            renditions: Vec::new(),
            passthrough: true,
        });
        let graph = build(&config, &live_hls(&config), None).expect("the graph builds");
        let sinks: Vec<&str> = graph.hls_sinks.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(sinks, ["source", "audio"]);
        assert!(graph.keyframe_pad.is_none());
        assert!(graph.pipeline.by_name("decoder").is_none());
        assert_eq!(upstream_of(&graph, "thumbnail-queue"), "source-tee");
        assert_eq!(upstream_of(&graph, "thumbnail-scale"), "thumbnail-decoder");
        remove_output(&config);
    }
}
