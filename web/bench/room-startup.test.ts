/**
 * `npm --prefix web run bench:startup`: how soon a viewer sees the picture, in Debian's Chromium
 * with the web app's own player, against the server binary (`LIVESTREAM_BIN`, the release build
 * by default) and a real ffmpeg RTMP publish (360p30, a keyframe every second).
 *
 * - waiting on an offline room → first frame: the room page is open when ffmpeg starts; the time
 *   from starting ffmpeg to the first frame shown (the page learns of the stream by its chat push);
 * - open a live room → first frame: from navigating to the room to the first frame shown.
 *
 * A measurement, not a test: it prints a table and asserts nothing about the figures.
 */
import { afterAll, beforeAll, test } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, newContext } from "../e2e/support/browser";
import { Publisher } from "../e2e/support/publisher";
import { join } from "node:path";
import { REPO_DIR, Server } from "../e2e/support/server";

const ROUNDS = 3;
const OPENS_PER_ROUND = 3;

/** Resolves once the video shows a frame (checked on every animation frame). */
async function firstFrame(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const video = document.querySelector<HTMLVideoElement>('[data-testid="video-player"]');
      return !!video && video.currentTime > 0 && video.readyState >= 2;
    },
    undefined,
    { polling: "raf", timeout: 60_000 },
  );
}

function summary(seconds: number[]): string {
  const sorted = [...seconds].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return `${median.toFixed(2)} s | ${sorted[0].toFixed(2)}–${sorted[sorted.length - 1].toFixed(2)} s | ${sorted.length}`;
}

let server: Server;
let browser: Browser;
beforeAll(async () => {
  process.env.LIVESTREAM_BIN ??= join(REPO_DIR, "target/release/livestream");
  server = await Server.start();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

test("room start-up", async () => {
  const token = await server.register("bench-streamer", "streamer");
  const offline: number[] = [];
  const open: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const created = await server.api("POST", "/api/rooms", token, { title: `Start-up ${round + 1}` });
    if (created.status !== 201) throw new Error(`create room: ${created.status}`);
    const id: string = created.body.room.id;
    const context = await newContext(browser, server.url);
    const waiting = await context.newPage();
    await waiting.goto(`/rooms/${id}`);
    await waiting.getByText("Offline", { exact: true }).first().waitFor();
    // The room's chat WebSocket, which brings the push, connects right after the page shows.
    await waiting.waitForTimeout(2000);
    const started = Date.now();
    const publisher = Publisher.start(`rtmp://127.0.0.1:${server.rtmpPort}/live/${created.body.stream_key}`, 40);
    await firstFrame(waiting);
    offline.push((Date.now() - started) / 1000);
    for (let i = 0; i < OPENS_PER_ROUND; i++) {
      const page = await context.newPage();
      const opened = Date.now();
      await page.goto(`/rooms/${id}`);
      await firstFrame(page);
      open.push((Date.now() - opened) / 1000);
      await page.close();
    }
    await context.close();
    await publisher.stop();
  }
  console.log("\n## Room start-up (Chromium, web app player, ffmpeg 360p30 publish, same machine)\n");
  console.log("| what | median | range | runs |");
  console.log("|---|---|---|---|");
  console.log(`| waiting on an offline room → first frame after the publish starts | ${summary(offline)} |`);
  console.log(`| open a live room → first frame | ${summary(open)} |`);
}, 600_000);
