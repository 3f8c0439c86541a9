import type { PresetSpec, PresetView, Profile, RenditionSpec, SpeedPreset } from "@/api/types";

/** The x264 speed presets the editor offers, fastest first (the server refuses others). */
export const SPEED_PRESETS = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"] as const satisfies readonly SpeedPreset[];

/** The H.264 profiles the editor offers. */
export const PROFILES = ["baseline", "main", "high"] as const satisfies readonly Profile[];

/** A rendition as the form edits it: numbers as the text typed. */
export interface RenditionDraft {
  /** Stable React key for the row. */
  key: number;
  name: string;
  width: string;
  height: string;
  fps: string;
  video_kbps: string;
  /** Empty = pass the source audio through. */
  audio_kbps: string;
  speed_preset: SpeedPreset;
  profile: Profile;
}

export interface PresetDraft {
  name: string;
  passthrough: boolean;
  segment_seconds: string;
  window_segments: string;
  renditions: RenditionDraft[];
}

let rowKey = 0;
export function nextRowKey(): number {
  rowKey += 1;
  return rowKey;
}

export function renditionDraft(r: RenditionSpec): RenditionDraft {
  return {
    key: nextRowKey(),
    name: r.name,
    width: String(r.width),
    height: String(r.height),
    fps: String(r.fps),
    video_kbps: String(r.video_kbps),
    audio_kbps: r.audio_kbps == null ? "" : String(r.audio_kbps),
    speed_preset: r.speed_preset,
    profile: r.profile,
  };
}

export function emptyRendition(): RenditionDraft {
  return renditionDraft({ name: "", width: 1280, height: 720, fps: 30, video_kbps: 3000, audio_kbps: null, speed_preset: "veryfast", profile: "high" });
}

export function presetDraft(preset: PresetView | null): PresetDraft {
  if (!preset) {
    return { name: "", passthrough: true, segment_seconds: "2", window_segments: "6", renditions: [emptyRendition()] };
  }
  return {
    name: preset.name,
    passthrough: preset.passthrough,
    segment_seconds: String(preset.segment_seconds),
    window_segments: String(preset.window_segments),
    renditions: preset.renditions.map(renditionDraft),
  };
}

function whole(text: string, field: string, errors: Record<string, string>): number {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) {
    errors[field] = "must be a whole number";
    return 0;
  }
  return Number(trimmed);
}

/** The spec to send, or the fields that are not numbers (keyed like the server's 422). */
export function draftToSpec(draft: PresetDraft): { spec: PresetSpec; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const spec: PresetSpec = {
    name: draft.name.trim(),
    passthrough: draft.passthrough,
    segment_seconds: whole(draft.segment_seconds, "segment_seconds", errors),
    window_segments: whole(draft.window_segments, "window_segments", errors),
    renditions: draft.renditions.map((r, i) => ({
      name: r.name.trim(),
      width: whole(r.width, `renditions[${i}].width`, errors),
      height: whole(r.height, `renditions[${i}].height`, errors),
      fps: whole(r.fps, `renditions[${i}].fps`, errors),
      video_kbps: whole(r.video_kbps, `renditions[${i}].video_kbps`, errors),
      audio_kbps: r.audio_kbps.trim() === "" ? null : whole(r.audio_kbps, `renditions[${i}].audio_kbps`, errors),
      speed_preset: r.speed_preset,
      profile: r.profile,
    })),
  };
  return { spec, errors };
}
