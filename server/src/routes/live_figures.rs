//! The OpenAPI schemas of a live stream's figures (`LiveInfo`'s `media`, `renditions` and
//! `stats`), as the media crates' types serialize them: those know nothing of HTTP, so the
//! shapes are written here, and a test holds them to the real serialized fields.

#![allow(dead_code)] // schemas only: the values are the media crates' types

use crate::models::preset::{ProfileName, SpeedPresetName};

/// What the publisher sends (`media::SourceMedia`).
#[derive(utoipa::ToSchema)]
pub struct SourceMedia {
    video: SourceVideo,
    audio: Option<SourceAudio>,
    /// The encoder the publisher reported in `onMetaData`, if any.
    encoder: Option<String>,
    /// The bitrate the publisher announced (video and audio), in kbit/s.
    announced_kbps: Option<u32>,
}

/// The publisher's video.
#[derive(utoipa::ToSchema)]
pub struct SourceVideo {
    #[schema(example = "h264")]
    codec: String,
    width: u32,
    height: u32,
    /// Frames per second, from the SPS or the publisher's metadata.
    fps: Option<f64>,
}

/// The publisher's audio.
#[derive(utoipa::ToSchema)]
pub struct SourceAudio {
    #[schema(example = "aac")]
    codec: String,
    sample_rate: u32,
    channels: u32,
}

/// A rendition as planned for this source (`media::ladder::PlannedRendition`).
#[derive(utoipa::ToSchema)]
pub struct PlannedRendition {
    name: String,
    width: u32,
    height: u32,
    /// Output frame rate when the source exceeds the rung's cap.
    fps_cap: Option<u32>,
    video_kbps: u32,
    /// The AAC bitrate of its audio group; `null` plays with the source's audio.
    audio_kbps: Option<u32>,
    speed_preset: SpeedPresetName,
    profile: ProfileName,
}

/// Health figures over the last stats interval (`engine::StreamStats`).
#[derive(utoipa::ToSchema)]
pub struct StreamStats {
    input_kbps: f64,
    input_fps: f64,
    /// Seconds between the last two source keyframes.
    keyframe_interval: Option<f64>,
    renditions: Vec<RenditionStats>,
}

/// How one rendition keeps up with the source.
#[derive(utoipa::ToSchema)]
pub struct RenditionStats {
    name: String,
    /// Media time produced per wall-clock second; 1.0 is real time.
    speed: f64,
    /// Seconds the rendition's output is behind the newest source frame.
    behind: f64,
    /// Source frames dropped so far to stay real time; always 0 for the passthrough.
    dropped_frames: u64,
    /// Frames dropped per second since the previous report.
    dropped_fps: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::events::RenditionStats as EngineRenditionStats;
    use media::ladder::{PlannedRendition as EnginePlanned, Profile, SpeedPreset};
    use media::{
        SourceAudio as EngineAudio, SourceMedia as EngineMedia, SourceVideo as EngineVideo,
    };
    use serde_json::Value;
    use std::collections::BTreeSet;
    use std::time::Duration;

    fn serialized_fields(value: impl serde::Serialize) -> BTreeSet<String> {
        match serde_json::to_value(value) {
            Ok(Value::Object(map)) => map.keys().cloned().collect(),
            other => panic!("not an object: {other:?}"),
        }
    }

    fn schema_fields<T: utoipa::PartialSchema>() -> BTreeSet<String> {
        let schema = serde_json::to_value(T::schema()).unwrap_or_default();
        schema["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    }

    #[test]
    fn the_schemas_name_the_fields_the_engine_serializes() {
        let video = EngineVideo {
            codec: "h264".into(),
            width: 1280,
            height: 720,
            fps: Some(30.0),
        };
        let audio = EngineAudio {
            codec: "aac".into(),
            sample_rate: 48_000,
            channels: 2,
        };
        let media = EngineMedia {
            video: video.clone(),
            audio: Some(audio.clone()),
            encoder: None,
            announced_kbps: None,
        };
        let planned = EnginePlanned {
            name: "720p".into(),
            width: 1280,
            height: 720,
            fps_cap: None,
            video_kbps: 3000,
            audio_kbps: Some(128),
            speed_preset: SpeedPreset::Veryfast,
            profile: Profile::High,
        };
        let rendition = EngineRenditionStats {
            name: "720p".into(),
            speed: 1.0,
            behind: Duration::from_millis(200),
            dropped_frames: 0,
            dropped_fps: 0.0,
        };
        let stats = engine::StreamStats {
            input_kbps: 3000.0,
            input_fps: 30.0,
            keyframe_interval: Some(Duration::from_secs(2)),
            renditions: vec![rendition.clone()],
            destinations: Vec::new(),
        };
        assert_eq!(serialized_fields(&media), schema_fields::<SourceMedia>());
        assert_eq!(serialized_fields(&video), schema_fields::<SourceVideo>());
        assert_eq!(serialized_fields(&audio), schema_fields::<SourceAudio>());
        assert_eq!(
            serialized_fields(&planned),
            schema_fields::<PlannedRendition>()
        );
        assert_eq!(serialized_fields(&stats), schema_fields::<StreamStats>());
        assert_eq!(
            serialized_fields(&rendition),
            schema_fields::<RenditionStats>()
        );
    }
}
