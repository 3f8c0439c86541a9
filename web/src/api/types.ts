/**
 * Names for the shapes of the Livestream JSON API. Every one is generated from the server's
 * OpenAPI document (`schema.d.ts`, written by `npm run gen:api` from `openapi.json`); none is
 * copied by hand.
 *
 * One exception, kept as narrow as the types allow: where the document says only "an object"
 * (a live room's media, planned renditions and stats), `Described` puts the shape the server
 * sends. It applies only while the document is bare there; once the document describes a field,
 * the generated type wins by itself and the matching `*Shape` below can be deleted.
 */
import type { components, paths } from "./schema";

type Schemas = components["schemas"];

export type Role = Schemas["Role"];
export type User = Schemas["UserView"];
export type UserChanges = Schemas["UserChanges"];
export type AuthResponse = Schemas["AuthResponse"];
export type LoginRequest = Schemas["LoginRequest"];
export type RegisterRequest = Schemas["RegisterRequest"];
export type ErrorBody = Schemas["ErrorBody"];
export type ErrorDetail = Schemas["ErrorDetail"];

export type StreamKeyView = Schemas["StreamKeyView"];
export type Moderator = Schemas["ModeratorView"];
export type NewRoom = Schemas["NewRoom"];
export type RoomUpdate = Schemas["RoomUpdate"];
/** The query of `GET /api/rooms`. */
export type RoomQuery = NonNullable<paths["/api/rooms"]["get"]["parameters"]["query"]>;

export type RecordingStatus = Schemas["RecordingStatus"];
export type Recording = Schemas["RecordingView"];

export type RenditionSpec = Schemas["RenditionSpec"];
export type PresetSpec = Schemas["PresetSpec"];
export type PresetView = Schemas["PresetView"];
export type SpeedPreset = RenditionSpec["speed_preset"];
export type Profile = RenditionSpec["profile"];

/** True when the document says no more of `T` than "an object" (or "a list of objects"). */
type IsBare<T> = [NonNullable<T>] extends [Record<string, never>]
  ? true
  : [NonNullable<T>] extends [Record<string, never>[]]
    ? true
    : false;

/** `T`, with `Shape`'s field wherever `T`'s is bare; optionality and the rest stay `T`'s. */
type Described<T, Shape extends { [K in keyof T]?: unknown }> = {
  [K in keyof T]: K extends keyof Shape ? (IsBare<T[K]> extends true ? Shape[K] : T[K]) : T[K];
};

interface SourceMediaShape {
  video: { codec: string; width: number; height: number; fps: number | null };
  audio: { codec: string; sample_rate: number; channels: number } | null;
  encoder?: string | null;
  announced_kbps?: number | null;
}

interface PlannedRenditionShape {
  name: string;
  width: number;
  height: number;
  fps_cap: number | null;
  video_kbps: number;
  speed_preset: SpeedPreset;
  profile: Profile;
}

interface StreamStatsShape {
  input_kbps: number;
  input_fps: number;
  /** Seconds between the last two source keyframes. */
  keyframe_interval: number | null;
  renditions: {
    name: string;
    /** Media time produced per wall-clock second; 1.0 is real time. */
    speed: number;
    /** Seconds the rendition's output is behind the newest source frame. */
    behind: number;
    /** Source frames dropped so far to stay real time (always 0 for the passthrough). */
    dropped_frames: number;
    /** Frames dropped per second since the previous report. */
    dropped_fps: number;
  }[];
}

export type LiveInfo = Described<
  Schemas["LiveInfo"],
  { media: SourceMediaShape; renditions: PlannedRenditionShape[]; stats: StreamStatsShape | null }
>;
export type SourceMedia = LiveInfo["media"];
export type PlannedRendition = LiveInfo["renditions"][number];
export type StreamStats = NonNullable<LiveInfo["stats"]>;
export type RenditionStats = StreamStats["renditions"][number];

/** `T` whose `live` is the [`LiveInfo`] above (null and optional as the document says). */
type WithLive<T extends { live?: unknown }> = {
  [K in keyof T]: K extends "live" ? Exclude<T[K], Schemas["LiveInfo"]> | LiveInfo : T[K];
};

export type RoomView = WithLive<Schemas["RoomView"]>;
export type CreatedRoom = Omit<Schemas["CreatedRoom"], "room"> & { room: RoomView };
