import { useQuery } from "@tanstack/react-query";
import { request } from "@/api/client";
import type { RoomQuery, RoomView } from "@/api/types";

const enc = encodeURIComponent;

/** Query keys of rooms: lists by their query, and single rooms. */
export const roomKeys = {
  lists: () => ["rooms", "list"] as const,
  list: (query: RoomQuery) => ["rooms", "list", query] as const,
  detail: (id: string) => ["rooms", "detail", id] as const,
};

export function getRooms(query: RoomQuery, signal?: AbortSignal): Promise<RoomView[]> {
  return request<RoomView[]>("/rooms", { query: { ...query }, signal });
}

/** Rooms matching `query`, polled every `pollMs`. */
export function useRooms(query: RoomQuery, pollMs: number) {
  return useQuery({
    queryKey: roomKeys.list(query),
    queryFn: ({ signal }) => getRooms(query, signal),
    refetchInterval: pollMs,
  });
}

/** One room, polled every `pollMs`, or as often as `pollMs` says for the room last seen. */
export function useRoom(id: string, pollMs: number | ((room: RoomView | undefined) => number)) {
  return useQuery({
    queryKey: roomKeys.detail(id),
    queryFn: ({ signal }) => request<RoomView>(`/rooms/${enc(id)}`, { signal }),
    refetchInterval: typeof pollMs === "number" ? pollMs : (query) => pollMs(query.state.data),
  });
}
