/**
 * Names for the shapes of the Livestream JSON API. Every one is generated from the server's
 * OpenAPI document (`schema.d.ts`, written by `npm run gen:api` from `openapi.json`); none is
 * copied by hand.
 */
import type { components, paths } from "./schema";

type Schemas = components["schemas"];

export type Role = Schemas["Role"];
export type User = Schemas["UserView"];
export type UserChanges = Schemas["UserChanges"];
export type AuthResponse = Schemas["AuthResponse"];
export type LoginRequest = Schemas["LoginRequest"];
export type RegisterRequest = Schemas["RegisterRequest"];
export type SiteSettings = Schemas["Settings"];
export type WhoMayStream = Schemas["WhoMayStream"];
export type Invite = Schemas["InviteView"];
export type CreatedInvite = Schemas["CreatedInvite"];
export type NewInvite = Schemas["NewInvite"];
export type ErrorBody = Schemas["ErrorBody"];
export type ErrorDetail = Schemas["ErrorDetail"];

export type StreamKeyView = Schemas["StreamKeyView"];
export type Moderator = Schemas["ModeratorView"];
export type NewRoom = Schemas["NewRoom"];
export type RoomUpdate = Schemas["RoomUpdate"];
/** The query of `GET /api/rooms`. */
export type RoomQuery = NonNullable<paths["/api/rooms"]["get"]["parameters"]["query"]>;

export type Destination = Schemas["DestinationView"];
export type NewDestination = Schemas["NewDestination"];
export type DestinationUpdate = Schemas["DestinationUpdate"];

export type RecordingStatus = Schemas["RecordingStatus"];
export type Recording = Schemas["RecordingView"];
export type ClipView = Schemas["ClipView"];
export type NewClip = Schemas["NewClip"];

export type RenditionSpec = Schemas["RenditionSpec"];
export type PresetSpec = Schemas["PresetSpec"];
export type PresetView = Schemas["PresetView"];
export type SpeedPreset = RenditionSpec["speed_preset"];
export type Profile = RenditionSpec["profile"];

export type LiveInfo = Schemas["LiveInfo"];
export type SourceMedia = LiveInfo["media"];
export type PlannedRendition = LiveInfo["renditions"][number];
export type StreamStats = NonNullable<LiveInfo["stats"]>;
export type RenditionStats = StreamStats["renditions"][number];

export type RoomView = Schemas["RoomView"];
export type CreatedRoom = Schemas["CreatedRoom"];
