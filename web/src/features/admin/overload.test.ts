import { describe, expect, it } from "vitest";
import type { RenditionStats, RoomView } from "@/api/types";
import { overloadedRooms } from "./overload";

function room(id: string, presetId: string, renditions: RenditionStats[] | null): RoomView {
  return {
    id,
    title: `Room ${id}`,
    description: "",
    owner_id: "u1",
    owner_name: "olive",
    preset_id: presetId,
    chat_enabled: true,
    slow_mode_seconds: 0,
    viewer_count: 0,
    viewer_latency: null,
    ingest_url: "rtmp://example.test:1935/live",
    created_at: 0,
    live:
      renditions === null
        ? null
        : {
            stream_id: `s-${id}`,
            playback_url: `/hls/s-${id}/master.m3u8`,
            thumbnail_url: `/hls/s-${id}/thumbnail.jpg`,
            started_at: 0,
            playable: true,
            media: { video: { codec: "avc1.64002a", width: 1920, height: 1080, fps: 60 }, audio: null },
            renditions: [],
            stats: { input_kbps: 8000, input_fps: 60, keyframe_interval: 2, renditions },
          },
  };
}

const r = (name: string, dropped_fps: number): RenditionStats => ({ name, speed: 1, behind: 0, dropped_frames: dropped_fps * 10, dropped_fps });

describe("overloadedRooms", () => {
  it("lists the live rooms dropping frames under their preset, and nothing else", () => {
    const found = overloadedRooms([
      room("a", "heavy", [r("source", 0), r("1080p", 12)]),
      room("b", "heavy", [r("source", 0), r("1080p", 0)]),
      room("c", "light", [r("360p", 0)]),
      room("d", "heavy", null),
      room("e", "heavy", [r("720p", 3)]),
    ]);
    expect([...found.keys()]).toEqual(["heavy"]);
    expect(found.get("heavy")?.map((x) => x.id)).toEqual(["a", "e"]);
  });
});
