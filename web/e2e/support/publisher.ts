/** A real RTMP publisher: ffmpeg sending a generated 360p test picture with AAC audio. */
import { spawn, type ChildProcess } from "node:child_process";

export class Publisher {
  private constructor(private readonly child: ChildProcess) {}

  /**
   * Publishes for up to `seconds`, in real time, with a keyframe every second; `audio: "mp3"`
   * sends MP3 instead of AAC (as some encoders do), which the server transcodes for players.
   */
  static start(url: string, seconds = 120, options: { audio?: "aac" | "mp3" } = {}): Publisher {
    const audio = options.audio === "mp3" ? ["-c:a", "libmp3lame", "-b:a", "128k"] : ["-c:a", "aac", "-b:a", "96k"];
    const child = spawn(
      "ffmpeg",
      [
        ...["-hide_banner", "-loglevel", "error", "-re"],
        ...["-f", "lavfi", "-i", TEST_PATTERN],
        ...["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"],
        ...["-t", String(seconds)],
        ...["-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", "30", "-pix_fmt", "yuv420p", "-b:v", "800k"],
        ...audio,
        ...["-f", "flv", url],
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    return new Publisher(child);
  }

  /** Stops publishing the way OBS does (the stream is unpublished, not cut). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    this.child.kill("SIGINT");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}

/** The picture every publisher here sends (ffmpeg's `testsrc2`), as a lavfi input. */
export const TEST_PATTERN = "testsrc2=size=640x360:rate=30";

/**
 * The test pattern at `seconds`, as ffmpeg renders it, averaged down to 32×18 RGB: enough to
 * tell moments of it apart, whatever decoder or scaler showed it.
 */
export function patternAt(seconds: number): Promise<number[]> {
  return new Promise((ok, fail) => {
    const child = spawn(
      "ffmpeg",
      [
        ...["-v", "error", "-f", "lavfi", "-i", TEST_PATTERN, "-ss", seconds.toFixed(3)],
        ...["-frames:v", "1", "-vf", "scale=32:18:flags=area", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const chunks: Buffer[] = [];
    child.stdout?.on("data", (c: Buffer) => chunks.push(c));
    child.once("error", fail);
    child.once("exit", (code) => {
      const bytes = Buffer.concat(chunks);
      if (code !== 0 || bytes.length !== 32 * 18 * 3) fail(new Error(`ffmpeg rendered no frame at ${seconds} s`));
      else ok([...bytes]);
    });
  });
}

/** Mean absolute difference of two 32×18 RGB pictures. */
export function pictureDistance(a: number[], b: number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - (b[i] ?? 0));
  return sum / Math.max(1, a.length);
}
