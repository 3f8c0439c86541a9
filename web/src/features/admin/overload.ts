import type { RoomView } from "@/api/types";

/** Live rooms whose renditions are dropping frames right now, by preset id. */
export function overloadedRooms(rooms: RoomView[]): Map<string, RoomView[]> {
  const byPreset = new Map<string, RoomView[]>();
  for (const room of rooms) {
    if (!room.live?.stats?.renditions.some((r) => r.dropped_fps > 0)) continue;
    byPreset.set(room.preset_id, [...(byPreset.get(room.preset_id) ?? []), room]);
  }
  return byPreset;
}
