/** One variant of the HLS stream, as the quality menu shows it. */
export interface QualityLevel {
  /** Index in `hls.levels`. */
  index: number;
  height: number;
  /** Bits per second. */
  bitrate: number;
  /** The rendition's name from the playlist (`source` for the untouched source), if given. */
  name?: string;
}

/** The name the server gives the passthrough variant. */
export const SOURCE_NAME = "source";

export const AUTO_LEVEL = -1;

export function levelLabel(level: Pick<QualityLevel, "height" | "bitrate" | "name">): string {
  const size = level.height > 0 ? `${level.height}p` : `${Math.round(level.bitrate / 1000)} kbps`;
  return level.name === SOURCE_NAME ? `Source (${size})` : size;
}

export function bitrateLabel(bitsPerSecond: number): string {
  const kbps = bitsPerSecond / 1000;
  return kbps >= 1000 ? `${(kbps / 1000).toFixed(1)} Mbps` : `${Math.round(kbps)} kbps`;
}

/** Highest quality first. */
export function sortLevels(levels: QualityLevel[]): QualityLevel[] {
  return [...levels].sort((a, b) => b.height - a.height || b.bitrate - a.bitrate);
}
