import { request } from "./client";
import type {
  AuthResponse,
  CreatedRoom,
  Moderator,
  NewRoom,
  PresetSpec,
  PresetView,
  Recording,
  Role,
  RoomQuery,
  RoomUpdate,
  RoomView,
  StreamKeyView,
  StreamList,
  User,
  UserChanges,
} from "./types";

const enc = encodeURIComponent;

export const authApi = {
  register: (body: { username: string; password: string; role?: Exclude<Role, "admin"> }) =>
    request<AuthResponse>("/auth/register", { method: "POST", body, anonymous: true }),
  login: (body: { username: string; password: string }) =>
    request<AuthResponse>("/auth/login", { method: "POST", body, anonymous: true }),
  refresh: () => request<AuthResponse>("/auth/refresh", { method: "POST" }),
  logout: () => request<void>("/auth/logout", { method: "POST" }),
  me: (signal?: AbortSignal) => request<User>("/auth/me", { signal }),
};

export const roomsApi = {
  list: (query: RoomQuery = {}, signal?: AbortSignal) =>
    request<RoomView[]>("/rooms", { query: { ...query }, signal }),
  /** The rooms of one owner. */
  listOwned: (ownerId: string, signal?: AbortSignal) =>
    request<RoomView[]>("/rooms", { query: { owner_id: ownerId, limit: 200 }, signal }),
  get: (id: string, signal?: AbortSignal) => request<RoomView>(`/rooms/${enc(id)}`, { signal }),
  create: (body: NewRoom) => request<CreatedRoom>("/rooms", { method: "POST", body }),
  update: (id: string, body: RoomUpdate) => request<RoomView>(`/rooms/${enc(id)}`, { method: "PATCH", body }),
  remove: (id: string) => request<void>(`/rooms/${enc(id)}`, { method: "DELETE" }),
  regenerateKey: (id: string) => request<StreamKeyView>(`/rooms/${enc(id)}/stream-key`, { method: "POST" }),
  recordings: (id: string, signal?: AbortSignal) => request<Recording[]>(`/rooms/${enc(id)}/recordings`, { signal }),
  moderators: (id: string, signal?: AbortSignal) => request<Moderator[]>(`/rooms/${enc(id)}/moderators`, { signal }),
  /** Appoints a chat moderator by username. */
  addModerator: (id: string, username: string) =>
    request<Moderator>(`/rooms/${enc(id)}/moderators`, { method: "POST", body: { username } }),
  removeModerator: (id: string, userId: string) =>
    request<void>(`/rooms/${enc(id)}/moderators/${enc(userId)}`, { method: "DELETE" }),
};

export const recordingsApi = {
  remove: (id: string) => request<void>(`/recordings/${enc(id)}`, { method: "DELETE" }),
};

export const presetsApi = {
  list: (signal?: AbortSignal) => request<PresetView[]>("/presets", { signal }),
  get: (id: string) => request<PresetView>(`/presets/${enc(id)}`),
  create: (body: PresetSpec) => request<PresetView>("/presets", { method: "POST", body }),
  replace: (id: string, body: PresetSpec) => request<PresetView>(`/presets/${enc(id)}`, { method: "PUT", body }),
  remove: (id: string) => request<void>(`/presets/${enc(id)}`, { method: "DELETE" }),
};

export const usersApi = {
  list: (signal?: AbortSignal) => request<User[]>("/admin/users", { signal }),
  update: (id: string, body: UserChanges) => request<User>(`/admin/users/${enc(id)}`, { method: "PATCH", body }),
};

export const streamsApi = {
  list: (signal?: AbortSignal) => request<StreamList>("/streams", { signal }),
};

/** The chat WebSocket URL of a room, on the page's own host. */
export function chatUrl(roomId: string, loc: Location = window.location): string {
  const scheme = loc.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${loc.host}/api/rooms/${enc(roomId)}/chat`;
}
