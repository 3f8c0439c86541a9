import { describe, expect, it } from "vitest";
import { parseTile, tileAt } from "@/features/rooms/preview";

describe("the timeline preview", () => {
  const base = "http://example.test/vod/rec-1/thumbnails.vtt";

  it("reads a sprite cue relative to its track", () => {
    expect(parseTile(5, 10, "sprite-0.jpg#xywh=160,90,160,90\n", base)).toEqual({
      start: 5,
      end: 10,
      url: "http://example.test/vod/rec-1/sprite-0.jpg",
      x: 160,
      y: 90,
      w: 160,
      h: 90,
    });
    expect(parseTile(0, 5, "sprite-0.jpg", base)).toBeNull();
    expect(parseTile(0, 5, "sprite-0.jpg#xywh=a,0,1,1", base)).toBeNull();
  });

  it("finds the tile of a moment, the last one past the end", () => {
    const tiles = [0, 5, 10].map((start, i) => parseTile(start, start + 5, `sprite-0.jpg#xywh=${i * 160},0,160,90`, base)!);
    expect(tileAt(tiles, 0)?.x).toBe(0);
    expect(tileAt(tiles, 7.5)?.x).toBe(160);
    expect(tileAt(tiles, 99)?.x).toBe(320);
    expect(tileAt([], 3)).toBeNull();
  });
});
