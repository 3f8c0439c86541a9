/**
 * What Chromium's own media stack makes of every rendition's timeline: a source with B-frames is
 * published through the default ladder (the source passed through, and 360p encoded), each
 * rendition's init segment and first segments are appended to a SourceBuffer of their own, and
 * the buffered ranges start at the same instant on every video rendition. Switching between the
 * "Source" quality level and an encoded one therefore moves the picture by nothing.
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Browser } from "playwright-core";
import { launchBrowser } from "./support/browser";
import { Server } from "./support/server";

/** ffmpeg publishing 360p with two B-frames between references (frames presented two late). */
function publishWithBFrames(url: string, seconds: number): Promise<number | null> {
  const child = spawn(
    "ffmpeg",
    [
      ...["-hide_banner", "-loglevel", "error", "-re"],
      ...["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30"],
      ...["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"],
      ...["-t", String(seconds)],
      ...["-c:v", "libx264", "-preset", "veryfast", "-g", "30", "-x264-params", "bframes=2:b-adapt=0:scenecut=0"],
      ...["-pix_fmt", "yuv420p", "-b:v", "800k", "-c:a", "aac", "-b:a", "96k"],
      ...["-f", "flv", url],
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  return new Promise((done) => child.once("exit", (code) => done(code)));
}

/** One rendition as the browser is given it: its MIME type and the URLs of its first bytes. */
interface Rendition {
  name: string;
  mime: string;
  urls: string[];
}

describe("renditions' timelines in Chromium", () => {
  let server: Server;
  let browser: Browser;

  beforeAll(async () => {
    server = await Server.start();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("the passthrough and the encoded rungs start at the same presentation time", async () => {
    const token = await server.register("bea", "streamer");
    const created = await server.api("POST", "/api/rooms", token, { title: "B-frames" });
    expect(created.status).toBe(201);
    const published = publishWithBFrames(`rtmp://127.0.0.1:${server.rtmpPort}/live/${created.body.stream_key}`, 8);
    const room = await server.waitFor("the room to be playable", `/api/rooms/${created.body.room.id}`, (r) => r.live?.playable === true);
    const masterUrl = new URL(room.live.playback_url, server.url);
    const master = await fetch(masterUrl);
    expect(master.status).toBe(200);
    const masterText = await master.text();

    // Each video variant and the audio rendition, with the two first segments its playlist lists.
    const renditions: Rendition[] = [];
    const lines = masterText.split("\n");
    const audioUri = masterText.match(/#EXT-X-MEDIA:TYPE=AUDIO.*URI="([^"]+)"/)?.[1];
    expect(audioUri).toBeTruthy();
    const entries: { name: string; uri: string; codec: string }[] = [{ name: "audio", uri: audioUri ?? "", codec: 'audio/mp4; codecs="mp4a.40.2"' }];
    lines.forEach((line, i) => {
      if (!line.startsWith("#EXT-X-STREAM-INF:")) return;
      const video = line.match(/CODECS="([^"]+)"/)?.[1].split(",").find((c) => c.startsWith("avc1"));
      const name = line.match(/NAME="([^"]+)"/)?.[1] ?? lines[i + 1];
      entries.push({ name, uri: lines[i + 1].trim(), codec: `video/mp4; codecs="${video}"` });
    });
    expect(entries.map((e) => e.name)).toEqual(["audio", "source", "360p"]);
    for (const { name, uri, codec } of entries) {
      const playlistUrl = new URL(uri, masterUrl);
      // Two segments listed, so both renditions are read from the same, settled start.
      let playlist = "";
      // A playlist is written with its first segment: until then it is not found.
      for (let i = 0; i < 100; i++) {
        const reply = await fetch(playlistUrl);
        expect([200, 404], `${name}'s playlist`).toContain(reply.status);
        playlist = reply.status === 200 ? await reply.text() : "";
        if ((playlist.match(/^#EXTINF/gm) ?? []).length >= 2) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const init = playlist.match(/#EXT-X-MAP:URI="([^"]+)"/)?.[1];
      const segments = playlist.split("\n").filter((l) => l && !l.startsWith("#")).slice(0, 2);
      expect(init).toBeTruthy();
      expect(segments).toHaveLength(2);
      // Every rendition is read from its very first segment, so all start at the stream's start.
      // (A playlist without EXT-X-MEDIA-SEQUENCE starts at 0.)
      const sequence = Number(playlist.match(/#EXT-X-MEDIA-SEQUENCE:(\d+)/)?.[1] ?? 0);
      expect(sequence, `${name} still lists its first segment`).toBe(0);
      renditions.push({ name, mime: codec, urls: [init ?? "", ...segments].map((u) => new URL(u, playlistUrl).toString()) });
    }

    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    const starts = await page.evaluate(async (all: Rendition[]) => {
      const startOf = async ({ mime, urls }: Rendition): Promise<number> => {
        if (!MediaSource.isTypeSupported(mime)) throw new Error(`Chromium cannot play ${mime}`);
        const source = new MediaSource();
        const video = document.createElement("video");
        video.src = URL.createObjectURL(source);
        await new Promise((open) => source.addEventListener("sourceopen", open, { once: true }));
        const buffer = source.addSourceBuffer(mime);
        for (const url of urls) {
          const reply = await fetch(url);
          if (!reply.ok) throw new Error(`${url}: ${reply.status}`);
          const bytes = await reply.arrayBuffer();
          await new Promise<void>((appended, failed) => {
            buffer.addEventListener("updateend", () => appended(), { once: true });
            buffer.addEventListener("error", () => failed(new Error(`Chromium refused ${url}`)), { once: true });
            buffer.appendBuffer(bytes);
          });
        }
        return buffer.buffered.start(0);
      };
      const result: Record<string, number> = {};
      for (const rendition of all) result[rendition.name] = await startOf(rendition);
      return result;
    }, renditions);
    await page.close();
    expect(await published).toBe(0);

    // The same first frame time on both video renditions (one 90 kHz tick of rounding), and the
    // audio starting within one AAC frame of it, as in the source.
    expect(Math.abs(starts.source - starts["360p"]), JSON.stringify(starts)).toBeLessThan(0.001);
    expect(Math.abs(starts.audio - starts.source), JSON.stringify(starts)).toBeLessThan(0.1);
  });
});
