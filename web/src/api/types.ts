/** Shapes of the Livestream JSON API (see `server/src/routes` and `server/src/models`). */

export type Role = "viewer" | "streamer" | "admin";

export interface User {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  created_at: number;
}

export interface AuthResponse {
  user: User;
  access_token: string;
  token_type: string;
  /** Seconds until the token expires. */
  expires_in: number;
}

export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    fields?: Record<string, string>;
  };
}

export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "validation_failed"
  | "rate_limited"
  | "too_many_connections"
  | "unavailable"
  | "internal"
  | "network"
  | (string & {});

export interface RenditionStats {
  name: string;
  /** Media time produced per wall-clock second; 1.0 is real time. */
  speed: number;
  /** Seconds the rendition's output is behind the newest source frame. */
  behind: number;
  /** Source frames dropped so far to stay real time (always 0 for the passthrough). */
  dropped_frames: number;
  /** Frames dropped per second since the previous report. */
  dropped_fps: number;
}

export interface StreamStats {
  input_kbps: number;
  input_fps: number;
  /** Seconds between the last two source keyframes. */
  keyframe_interval: number | null;
  renditions: RenditionStats[];
}

export interface SourceMedia {
  video: { codec: string; width: number; height: number; fps: number | null };
  audio: { codec: string; sample_rate: number; channels: number } | null;
  encoder?: string | null;
  announced_kbps?: number | null;
}

export interface PlannedRendition {
  name: string;
  width: number;
  height: number;
  fps_cap: number | null;
  video_kbps: number;
  speed_preset: SpeedPreset;
  profile: Profile;
}

export interface LiveInfo {
  stream_id: string;
  playback_url: string;
  thumbnail_url?: string | null;
  /** Seconds since the epoch. */
  started_at: number;
  playable: boolean;
  media: SourceMedia;
  renditions: PlannedRendition[];
  stats: StreamStats | null;
}

export interface RoomView {
  id: string;
  title: string;
  description: string;
  owner_id: string;
  owner_name: string;
  preset_id: string;
  chat_enabled: boolean;
  slow_mode_seconds: number;
  viewer_count: number;
  /** Where publishers point OBS (`rtmp://host:port/app`); the key is not part of it. */
  ingest_url: string;
  /** Milliseconds since the epoch. */
  created_at: number;
  live: LiveInfo | null;
}

export interface StreamKeyView {
  stream_key: string;
  ingest_url: string;
}

/** A chat moderator of a room. */
export interface Moderator {
  user_id: string;
  username: string;
}

export interface CreatedRoom extends StreamKeyView {
  room: RoomView;
}

export interface NewRoom {
  title: string;
  description?: string;
  preset_id?: string;
  chat_enabled?: boolean;
}

export type RoomUpdate = Partial<NewRoom>;

export interface RoomQuery {
  q?: string;
  limit?: number;
  offset?: number;
  owner_id?: string;
}

export type RecordingStatus = "recording" | "complete" | "failed";

export interface Recording {
  id: string;
  room_id: string;
  started_at: number;
  ended_at: number | null;
  duration_ms: number | null;
  bytes: number | null;
  status: RecordingStatus;
  end_reason: string | null;
  file_url: string;
}

export const SPEED_PRESETS = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"] as const;
export type SpeedPreset = (typeof SPEED_PRESETS)[number];

export const PROFILES = ["baseline", "main", "high"] as const;
export type Profile = (typeof PROFILES)[number];

export interface RenditionSpec {
  name: string;
  width: number;
  height: number;
  fps: number;
  video_kbps: number;
  /** `null` passes the source audio through. */
  audio_kbps: number | null;
  speed_preset: SpeedPreset;
  profile: Profile;
}

export interface PresetSpec {
  name: string;
  renditions: RenditionSpec[];
  passthrough: boolean;
  segment_seconds: number;
  window_segments: number;
}

export interface PresetView extends PresetSpec {
  id: string;
  is_default: boolean;
  updated_at: number;
}

export interface UserChanges {
  role?: Role;
  disabled?: boolean;
}

export interface StreamView extends LiveInfo {
  id: string;
  room_id: string | null;
}

export interface StreamList {
  streams: StreamView[];
}
