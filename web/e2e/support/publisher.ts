/** A real RTMP publisher: ffmpeg sending a generated 360p test picture with AAC audio. */
import { spawn, type ChildProcess } from "node:child_process";

export class Publisher {
  private constructor(private readonly child: ChildProcess) {}

  /** Publishes for up to `seconds`, in real time, with a keyframe every second. */
  static start(url: string, seconds = 120): Publisher {
    const child = spawn(
      "ffmpeg",
      [
        ...["-hide_banner", "-loglevel", "error", "-re"],
        ...["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30"],
        ...["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"],
        ...["-t", String(seconds)],
        ...["-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", "30", "-pix_fmt", "yuv420p", "-b:v", "800k"],
        ...["-c:a", "aac", "-b:a", "96k"],
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
