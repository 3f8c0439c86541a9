//! The adaptive-bitrate ladder: which renditions a stream is transcoded into.

use crate::SourceVideo;
use serde::{Deserialize, Serialize};

/// x264 speed presets, fastest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpeedPreset {
    Ultrafast,
    Superfast,
    Veryfast,
    Faster,
    Fast,
    Medium,
}

impl SpeedPreset {
    /// The nick x264enc's `speed-preset` property takes.
    pub fn as_x264(self) -> &'static str {
        match self {
            Self::Ultrafast => "ultrafast",
            Self::Superfast => "superfast",
            Self::Veryfast => "veryfast",
            Self::Faster => "faster",
            Self::Fast => "fast",
            Self::Medium => "medium",
        }
    }
}

/// H.264 profiles a rendition can be encoded with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    Baseline,
    Main,
    High,
}

impl Profile {
    /// The value of the `profile` field in `video/x-h264` caps.
    pub fn as_caps(self) -> &'static str {
        match self {
            Self::Baseline => "constrained-baseline",
            Self::Main => "main",
            Self::High => "high",
        }
    }
}

/// One rung of a ladder preset: the box a rendition fits into and how it is encoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rendition {
    pub name: String,
    pub width: u32,
    pub height: u32,
    /// Frame-rate cap; sources above it are reduced.
    pub max_fps: u32,
    pub video_kbps: u32,
    /// The AAC bitrate of this rung's audio; `None` takes the source's audio as it is (AAC), or
    /// transcoded at [`DEFAULT_AUDIO_KBPS`] when players cannot take it (MP3).
    #[serde(default)]
    pub audio_kbps: Option<u32>,
    pub speed_preset: SpeedPreset,
    pub profile: Profile,
}

/// The AAC bitrate a source's audio is transcoded at when players cannot take it as it is.
pub const DEFAULT_AUDIO_KBPS: u32 = 128;

/// The audio rendition (and `EXT-X-MEDIA` group) a rung with `audio_kbps` plays with: `audio`
/// for the source's audio, `audio-<kbps>k` for an encode at that bitrate.
pub fn audio_rendition(audio_kbps: Option<u32>) -> String {
    match audio_kbps {
        None => AUDIO_RENDITION.to_owned(),
        Some(kbps) => format!("{AUDIO_RENDITION}-{kbps}k"),
    }
}

/// The name of the source's audio rendition.
pub const AUDIO_RENDITION: &str = "audio";

/// Whether a rendition name is one of the audio renditions.
pub fn is_audio_rendition(name: &str) -> bool {
    name == AUDIO_RENDITION
        || name
            .strip_prefix(AUDIO_RENDITION)
            .is_some_and(|rest| rest.starts_with('-'))
}

/// A ladder preset: encoded renditions plus, optionally, the source passed through untouched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ladder {
    pub renditions: Vec<Rendition>,
    pub passthrough: bool,
}

impl Default for Ladder {
    /// 1080p 6000k, 720p 3000k, 480p 1400k, 360p 800k and the source.
    fn default() -> Self {
        let rung = |name: &str, width, height, video_kbps, profile| Rendition {
            name: name.into(),
            width,
            height,
            max_fps: 60,
            video_kbps,
            audio_kbps: None,
            speed_preset: SpeedPreset::Veryfast,
            profile,
        };
        Self {
            renditions: vec![
                rung("1080p", 1920, 1080, 6000, Profile::High),
                rung("720p", 1280, 720, 3000, Profile::High),
                rung("480p", 854, 480, 1400, Profile::Main),
                rung("360p", 640, 360, 800, Profile::Main),
            ],
            passthrough: true,
        }
    }
}

/// The name of the passthrough rendition in playlists and URLs.
pub const SOURCE_RENDITION: &str = "source";

/// A rendition resolved against a concrete source: exact output size and frame rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedRendition {
    pub name: String,
    pub width: u32,
    pub height: u32,
    /// Output frame rate when the source exceeds the rung's cap.
    pub fps_cap: Option<u32>,
    pub video_kbps: u32,
    pub audio_kbps: Option<u32>,
    pub speed_preset: SpeedPreset,
    pub profile: Profile,
}

impl Ladder {
    /// Resolves the ladder for a source: never upscales, keeps the aspect ratio and even sizes,
    /// drops rungs above the source and duplicates of a size already planned.
    ///
    /// If every rung is above the source and passthrough is off, the smallest rung is encoded at
    /// the source size so the stream still has one output.
    pub fn plan(&self, source: &SourceVideo) -> Vec<PlannedRendition> {
        let mut planned: Vec<PlannedRendition> = Vec::new();
        for rung in &self.renditions {
            let Some((width, height)) = fit(source.width, source.height, rung.width, rung.height)
            else {
                continue;
            };
            if planned
                .iter()
                .any(|p| p.width == width && p.height == height)
            {
                continue;
            }
            planned.push(PlannedRendition {
                name: rung.name.clone(),
                width,
                height,
                fps_cap: fps_cap(source.fps, rung.max_fps),
                video_kbps: rung.video_kbps,
                audio_kbps: rung.audio_kbps,
                speed_preset: rung.speed_preset,
                profile: rung.profile,
            });
        }
        if planned.is_empty() && !self.passthrough {
            if let Some(rung) = self.renditions.iter().min_by_key(|r| r.height) {
                planned.push(PlannedRendition {
                    name: rung.name.clone(),
                    width: even(source.width),
                    height: even(source.height),
                    fps_cap: fps_cap(source.fps, rung.max_fps),
                    video_kbps: rung.video_kbps,
                    audio_kbps: rung.audio_kbps,
                    speed_preset: rung.speed_preset,
                    profile: rung.profile,
                });
            }
        }
        planned
    }
}

fn fps_cap(source_fps: Option<f64>, max_fps: u32) -> Option<u32> {
    match source_fps {
        Some(fps) if fps > f64::from(max_fps) + 0.5 => Some(max_fps),
        _ => None,
    }
}

/// Scales `src` into the box `(box_w, box_h)` keeping its aspect ratio; `None` if that would
/// upscale.
fn fit(src_w: u32, src_h: u32, box_w: u32, box_h: u32) -> Option<(u32, u32)> {
    if src_w == 0 || src_h == 0 || box_w == 0 || box_h == 0 {
        return None;
    }
    let scale = (f64::from(box_w) / f64::from(src_w)).min(f64::from(box_h) / f64::from(src_h));
    if scale > 1.0 {
        // The box is larger than the source in both directions only if the rung is above it;
        // a box that is larger in one direction only still fits by the other.
        return None;
    }
    // Never above the source, even for odd source sizes.
    let width = nearest_even(f64::from(src_w) * scale).min(even(src_w));
    let height = nearest_even(f64::from(src_h) * scale).min(even(src_h));
    (width >= 2 && height >= 2).then_some((width, height))
}

/// Rounds to the nearest even size (853.3 → 854), at least 2.
fn nearest_even(v: f64) -> u32 {
    (((v / 2.0).round() as u32) * 2).max(2)
}

fn even(v: u32) -> u32 {
    (v & !1).max(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(width: u32, height: u32, fps: Option<f64>) -> SourceVideo {
        SourceVideo {
            codec: "avc1.64001f".into(),
            width,
            height,
            fps,
        }
    }

    fn sizes(plan: &[PlannedRendition]) -> Vec<(String, u32, u32)> {
        plan.iter()
            .map(|p| (p.name.clone(), p.width, p.height))
            .collect()
    }

    #[test]
    fn full_hd_source_gets_every_rung() {
        let plan = Ladder::default().plan(&source(1920, 1080, Some(30.0)));
        assert_eq!(
            sizes(&plan),
            vec![
                ("1080p".into(), 1920, 1080),
                ("720p".into(), 1280, 720),
                ("480p".into(), 854, 480),
                ("360p".into(), 640, 360)
            ]
        );
        assert!(plan.iter().all(|p| p.fps_cap.is_none()));
    }

    #[test]
    fn never_upscales_a_480p_source() {
        let plan = Ladder::default().plan(&source(854, 480, None));
        assert_eq!(
            sizes(&plan),
            vec![("480p".into(), 854, 480), ("360p".into(), 640, 360)]
        );
    }

    #[test]
    fn keeps_aspect_and_even_sizes_for_4_3_sources() {
        let plan = Ladder::default().plan(&source(1440, 1080, None));
        assert_eq!(plan[0].width, 1440);
        assert_eq!(plan[1].width, 960);
        assert!(plan.iter().all(|p| p.width % 2 == 0 && p.height % 2 == 0));
    }

    #[test]
    fn caps_high_frame_rates() {
        let mut ladder = Ladder::default();
        ladder.renditions[3].max_fps = 30;
        let plan = ladder.plan(&source(640, 360, Some(60.0)));
        assert_eq!(plan[0].fps_cap, Some(30));
    }

    #[test]
    fn tiny_source_without_passthrough_still_has_an_output() {
        let ladder = Ladder {
            passthrough: false,
            ..Ladder::default()
        };
        let plan = ladder.plan(&source(321, 241, None));
        assert_eq!(sizes(&plan), vec![("360p".into(), 320, 240)]);
        assert!(Ladder::default().plan(&source(321, 241, None)).is_empty());
    }

    #[test]
    fn a_portrait_source_is_fitted_by_its_height() {
        let plan = Ladder::default().plan(&source(1080, 1920, None));
        assert_eq!(
            sizes(&plan),
            vec![
                ("1080p".into(), 608, 1080),
                ("720p".into(), 406, 720),
                ("480p".into(), 270, 480),
                ("360p".into(), 202, 360)
            ]
        );
    }

    #[test]
    fn every_planned_size_is_even_within_the_source_and_keeps_its_aspect() {
        let ladder = Ladder::default();
        for (width, height) in [
            (1366, 768),
            (1001, 563),
            (1279, 719),
            (2560, 1080),
            (720, 576),
            (1920, 817),
            (3840, 2160),
        ] {
            let plan = ladder.plan(&source(width, height, None));
            assert!(!plan.is_empty(), "{width}x{height} has renditions");
            let aspect = f64::from(width) / f64::from(height);
            for p in &plan {
                assert!(
                    p.width % 2 == 0 && p.height % 2 == 0,
                    "{width}x{height} → {}: {}x{} is even",
                    p.name,
                    p.width,
                    p.height
                );
                assert!(
                    p.width <= width && p.height <= height,
                    "{width}x{height} → {} is not upscaled",
                    p.name
                );
                // Rounding to even sizes moves each side by at most one pixel.
                let kept = f64::from(p.width) / f64::from(p.height);
                let slack = 2.0 / f64::from(p.height) * aspect.max(1.0);
                assert!(
                    (kept - aspect).abs() <= slack,
                    "{width}x{height} → {}: {}x{} keeps the aspect",
                    p.name,
                    p.width,
                    p.height
                );
            }
        }
    }

    #[test]
    fn a_source_just_under_a_rung_drops_it_rather_than_upscale() {
        let plan = Ladder::default().plan(&source(1279, 719, None));
        assert_eq!(
            sizes(&plan),
            vec![("480p".into(), 854, 480), ("360p".into(), 640, 360)]
        );
    }

    #[test]
    fn a_rung_the_size_of_one_already_planned_is_dropped() {
        let mut ladder = Ladder::default();
        ladder.renditions.insert(
            1,
            Rendition {
                name: "720p-low".into(),
                video_kbps: 1500,
                ..ladder.renditions[1].clone()
            },
        );
        let plan = ladder.plan(&source(1920, 1080, None));
        let names: Vec<&str> = plan.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["1080p", "720p-low", "480p", "360p"]);
        assert_eq!(plan[1].video_kbps, 1500);
    }

    #[test]
    fn the_frame_rate_cap_applies_only_clearly_above_it() {
        let cap_of = |fps| Ladder::default().plan(&source(640, 360, fps))[0].fps_cap;
        assert_eq!(cap_of(Some(60.4)), None, "60.4 fps is 60 fps with jitter");
        assert_eq!(cap_of(Some(60.6)), Some(60));
        assert_eq!(cap_of(Some(120.0)), Some(60));
        assert_eq!(cap_of(None), None, "an unknown rate is left alone");
    }

    #[test]
    fn a_planned_rendition_keeps_its_rungs_encoding() {
        let mut ladder = Ladder::default();
        ladder.renditions[2].speed_preset = SpeedPreset::Faster;
        ladder.renditions[2].profile = Profile::Baseline;
        let plan = ladder.plan(&source(1920, 1080, None));
        assert_eq!(
            (plan[2].video_kbps, plan[2].speed_preset, plan[2].profile),
            (1400, SpeedPreset::Faster, Profile::Baseline)
        );
    }
}
