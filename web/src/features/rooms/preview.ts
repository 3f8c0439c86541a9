/** The timeline preview of a recording: its WebVTT thumbnails track, read into tiles. */

/** One cue of a WebVTT thumbnails track: from `start` to `end`, this part of this sprite sheet. */
export interface PreviewTile {
  start: number;
  end: number;
  url: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Reads a cue's text (`sprite-0.jpg#xywh=160,0,160,90`), relative to the track's URL. */
export function parseTile(start: number, end: number, text: string, base: string): PreviewTile | null {
  const match = /^(.+)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(text.trim());
  if (!match) return null;
  const [, file, x, y, w, h] = match;
  return {
    start,
    end,
    url: new URL(file, base).toString(),
    x: +x,
    y: +y,
    w: +w,
    h: +h,
  };
}

/** The tile showing `time`, if the track has one. */
export function tileAt(tiles: PreviewTile[], time: number): PreviewTile | null {
  return tiles.find((t) => time >= t.start && time < t.end) ?? tiles.at(-1) ?? null;
}
