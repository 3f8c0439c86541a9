//! Transcoding presets: the ladder a room's broadcasts are encoded with.

use crate::db::schema::{presets, rooms};
use crate::db::DbConnection;
use diesel::prelude::*;
use engine::HlsSettings;
use media::ladder::Ladder;
use media::ladder::Rendition;
use media::ladder::{Profile, SpeedPreset};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// One rung of a preset, as admins write it. The bounds in the schema are those `validate`
/// checks; a name must also differ from the other rungs' and from `source`, `audio` and
/// `audio-…` (the audio renditions' names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenditionSpec {
    #[schema(pattern = "^[A-Za-z0-9_-]{1,32}$", example = "720p")]
    pub name: String,
    #[serde(deserialize_with = "crate::models::whole_number")]
    #[schema(minimum = 128, maximum = 7680, multiple_of = 2)]
    pub width: u32,
    #[serde(deserialize_with = "crate::models::whole_number")]
    #[schema(minimum = 72, maximum = 4320, multiple_of = 2)]
    pub height: u32,
    #[serde(deserialize_with = "crate::models::whole_number")]
    #[schema(minimum = 1, maximum = 120)]
    pub fps: u32,
    #[serde(deserialize_with = "crate::models::whole_number")]
    #[schema(minimum = 100, maximum = 50_000)]
    pub video_kbps: u32,
    /// AAC bitrate of this rung's audio: each distinct bitrate of a preset is one AAC encode,
    /// shared by the rungs that ask for it and offered as its own audio group. `null` takes the
    /// source's audio as it is (transcoded to AAC at 128 kbit/s when players cannot take it,
    /// such as MP3).
    #[serde(default, deserialize_with = "crate::models::optional_whole_number")]
    #[schema(minimum = 32, maximum = 512)]
    pub audio_kbps: Option<u32>,
    #[schema(value_type = SpeedPresetName)]
    pub speed_preset: SpeedPreset,
    #[schema(value_type = ProfileName)]
    pub profile: Profile,
}

/// The x264 speed presets a rendition may use, as [`SpeedPreset`] serializes them.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // a schema only; `speed_preset_names_match_the_engine` ties it to the engine's
pub enum SpeedPresetName {
    Ultrafast,
    Superfast,
    Veryfast,
    Faster,
    Fast,
    Medium,
}

/// The H.264 profiles a rendition may use, as [`Profile`] serializes them.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // a schema only; `profile_names_match_the_engine` ties it to the engine's
pub enum ProfileName {
    Baseline,
    Main,
    High,
}

/// A preset as the API reads and writes it. The bounds in the schema are those `validate`
/// checks; a name must also be unused by other presets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresetSpec {
    /// 1 to 64 bytes, not only white space (the pattern spells out what `str::trim` removes:
    /// engines differ on `\s`).
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"[^\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: String,
    /// At least one rendition unless `passthrough` is on.
    #[schema(max_items = 8)]
    pub renditions: Vec<RenditionSpec>,
    pub passthrough: bool,
    #[serde(deserialize_with = "crate::models::whole_number")]
    #[schema(minimum = 1, maximum = 10)]
    pub segment_seconds: u32,
    #[serde(deserialize_with = "crate::models::whole_number")]
    #[schema(minimum = 2, maximum = 60)]
    pub window_segments: u32,
}

/// Field-level validation errors, keyed like `renditions[1].width`.
pub type FieldErrors = BTreeMap<String, String>;

impl PresetSpec {
    /// Checks every bound; returns all problems at once.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        let name_ok = |n: &str| {
            !n.is_empty()
                && n.len() <= 32
                && n.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if self.name.trim().is_empty() || self.name.len() > 64 {
            errors.insert("name".into(), "must be 1 to 64 characters".into());
        }
        if self.renditions.is_empty() && !self.passthrough {
            errors.insert(
                "renditions".into(),
                "at least one rendition or passthrough is required".into(),
            );
        }
        if self.renditions.len() > 8 {
            errors.insert("renditions".into(), "at most 8 renditions".into());
        }
        if !(1..=10).contains(&self.segment_seconds) {
            errors.insert("segment_seconds".into(), "must be between 1 and 10".into());
        }
        if !(2..=60).contains(&self.window_segments) {
            errors.insert("window_segments".into(), "must be between 2 and 60".into());
        }
        let mut seen = std::collections::HashSet::new();
        for (i, r) in self.renditions.iter().enumerate() {
            let mut field = |f: &str, m: &str| {
                errors.insert(format!("renditions[{i}].{f}"), m.into());
            };
            if !name_ok(&r.name) {
                field("name", "must be 1 to 32 letters, digits, '-' or '_'");
            } else if r.name == media::ladder::SOURCE_RENDITION
                || media::ladder::is_audio_rendition(&r.name)
            {
                field("name", "is reserved");
            } else if !seen.insert(r.name.clone()) {
                field("name", "must be unique within the preset");
            }
            if !(128..=7680).contains(&r.width) || r.width % 2 != 0 {
                field("width", "must be even and between 128 and 7680");
            }
            if !(72..=4320).contains(&r.height) || r.height % 2 != 0 {
                field("height", "must be even and between 72 and 4320");
            }
            if !(1..=120).contains(&r.fps) {
                field("fps", "must be between 1 and 120");
            }
            if !(100..=50_000).contains(&r.video_kbps) {
                field("video_kbps", "must be between 100 and 50000");
            }
            if let Some(a) = r.audio_kbps {
                if !(32..=512).contains(&a) {
                    field(
                        "audio_kbps",
                        "must be between 32 and 512, or null for passthrough",
                    );
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The engine's ladder for this preset.
    pub fn ladder(&self) -> Ladder {
        Ladder {
            renditions: self
                .renditions
                .iter()
                .map(|r| Rendition {
                    name: r.name.clone(),
                    width: r.width,
                    height: r.height,
                    max_fps: r.fps,
                    video_kbps: r.video_kbps,
                    audio_kbps: r.audio_kbps,
                    speed_preset: r.speed_preset,
                    profile: r.profile,
                })
                .collect(),
            passthrough: self.passthrough,
        }
    }

    /// The preset's HLS output; what the preset does not decide comes from `server`.
    pub fn hls(&self, server: &HlsSettings) -> HlsSettings {
        let segment_duration = Duration::from_secs(u64::from(self.segment_seconds));
        HlsSettings {
            segment_duration,
            window_segments: self.window_segments,
            // At least two parts per segment, whatever the preset's segments.
            part_duration: server.part_duration.min(segment_duration / 2),
            ..server.clone()
        }
    }

    /// The seeded default: 1080p/720p/480p/360p plus the source, 2 s segments.
    pub fn default_ladder() -> Self {
        let ladder = Ladder::default();
        Self {
            name: "default".into(),
            renditions: ladder
                .renditions
                .iter()
                .map(|r| RenditionSpec {
                    name: r.name.clone(),
                    width: r.width,
                    height: r.height,
                    fps: r.max_fps,
                    video_kbps: r.video_kbps,
                    audio_kbps: None,
                    speed_preset: r.speed_preset,
                    profile: r.profile,
                })
                .collect(),
            passthrough: ladder.passthrough,
            segment_seconds: 2,
            window_segments: 6,
        }
    }
}

/// A row of `presets`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = presets)]
pub struct Preset {
    pub id: String,
    pub name: String,
    pub renditions: String,
    pub passthrough: bool,
    pub segment_seconds: i32,
    pub window_segments: i32,
    pub is_default: bool,
    pub updated_at: i64,
}

/// A preset as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PresetView {
    pub id: String,
    pub is_default: bool,
    pub updated_at: i64,
    #[serde(flatten)]
    #[schema(schema_with = spec_fields)]
    pub spec: PresetSpec,
}

/// What deleting a preset did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PresetDeletion {
    Deleted,
    Missing,
    /// The default preset is never deleted.
    Default,
    /// Rooms use it.
    InUse,
}

/// `PresetSpec`'s fields as part of a larger object: its schema without the
/// `additionalProperties: false` that refuses unknown fields in requests.
fn spec_fields() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::Schema;
    use utoipa::openapi::RefOr;
    let mut schema = <PresetSpec as utoipa::PartialSchema>::schema();
    if let RefOr::T(Schema::Object(object)) = &mut schema {
        object.additional_properties = None;
    }
    schema
}

impl Preset {
    pub fn from_spec(id: String, spec: &PresetSpec, is_default: bool) -> Self {
        Self {
            id,
            name: spec.name.clone(),
            renditions: serde_json::to_string(&spec.renditions).unwrap_or_else(|_| "[]".into()),
            passthrough: spec.passthrough,
            segment_seconds: spec.segment_seconds as i32,
            window_segments: spec.window_segments as i32,
            is_default,
            updated_at: super::now_ms(),
        }
    }

    /// The stored preset as a spec (an unreadable ladder reads as empty).
    pub fn spec(&self) -> PresetSpec {
        PresetSpec {
            name: self.name.clone(),
            renditions: serde_json::from_str(&self.renditions).unwrap_or_default(),
            passthrough: self.passthrough,
            segment_seconds: self.segment_seconds.max(0) as u32,
            window_segments: self.window_segments.max(0) as u32,
        }
    }

    pub fn view(&self) -> PresetView {
        PresetView {
            id: self.id.clone(),
            is_default: self.is_default,
            updated_at: self.updated_at,
            spec: self.spec(),
        }
    }

    pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Preset>> {
        presets::table
            .find(id)
            .select(Preset::as_select())
            .first(conn)
            .optional()
    }

    pub fn find_default(conn: &mut DbConnection) -> QueryResult<Option<Preset>> {
        presets::table
            .filter(presets::is_default.eq(true))
            .select(Preset::as_select())
            .first(conn)
            .optional()
    }

    pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Preset>> {
        presets::table
            .order(presets::name.asc())
            .select(Preset::as_select())
            .load(conn)
    }

    pub fn name_taken(
        conn: &mut DbConnection,
        name: &str,
        except: Option<&str>,
    ) -> QueryResult<bool> {
        let mut query = presets::table.filter(presets::name.eq(name)).into_boxed();
        if let Some(id) = except {
            query = query.filter(presets::id.ne(id));
        }
        Ok(query
            .select(presets::id)
            .first::<String>(conn)
            .optional()?
            .is_some())
    }

    pub fn insert(conn: &mut DbConnection, preset: &Preset) -> QueryResult<()> {
        diesel::insert_into(presets::table)
            .values(preset)
            .execute(conn)
            .map(|_| ())
    }

    pub fn update(conn: &mut DbConnection, id: &str, spec: &PresetSpec) -> QueryResult<usize> {
        let row = Preset::from_spec(id.to_owned(), spec, false);
        diesel::update(presets::table.find(id))
            .set((
                presets::name.eq(row.name),
                presets::renditions.eq(row.renditions),
                presets::passthrough.eq(row.passthrough),
                presets::segment_seconds.eq(row.segment_seconds),
                presets::window_segments.eq(row.window_segments),
                presets::updated_at.eq(row.updated_at),
            ))
            .execute(conn)
    }

    /// Whether any room (deleted ones included: their recordings refer to them) uses it.
    pub fn in_use(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            rooms::table.filter(rooms::preset_id.eq(id)),
        ))
        .get_result(conn)
    }

    /// Deletes the preset unless it is the default or rooms use it: the checks and the delete are
    /// one transaction.
    pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<PresetDeletion> {
        conn.transaction(|conn| {
            let Some(preset) = Self::find(conn, id)? else {
                return Ok(PresetDeletion::Missing);
            };
            if preset.is_default {
                return Ok(PresetDeletion::Default);
            }
            if Self::in_use(conn, id)? {
                return Ok(PresetDeletion::InUse);
            }
            diesel::delete(presets::table.find(id)).execute(conn)?;
            Ok(PresetDeletion::Deleted)
        })
    }

    /// Seeds the default preset on first start.
    pub fn seed_default(conn: &mut DbConnection) -> QueryResult<()> {
        if Self::find_default(conn)?.is_none() {
            Self::insert(
                conn,
                &Preset::from_spec(super::new_id(), &PresetSpec::default_ladder(), true),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `enum` values of a schema, in order.
    fn schema_names<T: utoipa::PartialSchema>() -> Vec<serde_json::Value> {
        let schema = serde_json::to_value(T::schema()).unwrap_or_default();
        schema["enum"].as_array().cloned().unwrap_or_default()
    }

    #[test]
    fn whole_numbers_may_be_written_with_a_fraction_of_zero() {
        let spec = |segment: &str, audio: &str| {
            serde_json::from_str::<PresetSpec>(&format!(
                r#"{{"name":"p","passthrough":true,"segment_seconds":{segment},"window_segments":6,
                "renditions":[{{"name":"r","width":640.0,"height":360,"fps":30,"video_kbps":800,
                "audio_kbps":{audio},"speed_preset":"veryfast","profile":"main"}}]}}"#
            ))
        };
        let parsed = spec("2.0", "128.0").expect("whole floats are whole numbers");
        assert_eq!(parsed.segment_seconds, 2);
        assert_eq!(parsed.renditions[0].width, 640);
        assert_eq!(parsed.renditions[0].audio_kbps, Some(128));
        assert_eq!(
            spec("2", "null").expect("null audio").renditions[0].audio_kbps,
            None
        );
        for bad in ["2.5", "-1", "4294967296", "\"2\"", "null"] {
            assert!(spec(bad, "null").is_err(), "{bad}");
        }
        assert!(spec("2", "1.5").is_err());
    }

    #[test]
    fn speed_preset_names_match_the_engine() {
        use SpeedPreset::*;
        let all = [Ultrafast, Superfast, Veryfast, Faster, Fast, Medium];
        // Exhaustive: a preset added to the engine fails to build here until it is listed.
        for preset in all {
            match preset {
                Ultrafast | Superfast | Veryfast | Faster | Fast | Medium => {}
            }
        }
        let names: Vec<_> = all.iter().map(|p| serde_json::json!(p)).collect();
        assert_eq!(names, schema_names::<SpeedPresetName>());
    }

    #[test]
    fn profile_names_match_the_engine() {
        use Profile::*;
        let all = [Baseline, Main, High];
        for profile in all {
            match profile {
                Baseline | Main | High => {}
            }
        }
        let names: Vec<_> = all.iter().map(|p| serde_json::json!(p)).collect();
        assert_eq!(names, schema_names::<ProfileName>());
    }
}
