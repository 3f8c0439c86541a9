/**
 * Past broadcasts in real browsers: Debian's Chromium (playwright-core) and Debian's Firefox ESR
 * (puppeteer-core over WebDriver BiDi; playwright cannot drive a stock Firefox). One broadcast is
 * published with MP3 audio (the server transcodes it to AAC), then in each browser the recording
 * plays from the room page, its timeline preview (the WebVTT sprite track) loads and shows, a
 * seek to 75 % shows the frame published then, and a clip of it plays on its own page.
 */
import { join } from "node:path";
import puppeteer, { type Browser as FirefoxBrowser, type Page as FirefoxPage } from "puppeteer-core";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { launchBrowser, SCREENSHOT_DIR } from "./support/browser";
import { patternAt, pictureDistance, Publisher } from "./support/publisher";
import { Server } from "./support/server";

const SECONDS = 8;

/** What the tests need of a page, in either browser. */
interface AnyPage {
  goto(url: string): Promise<unknown>;
  click(selector: string): Promise<void>;
  hover(selector: string): Promise<void>;
  /** Runs `script` (a function body) in the page and returns its JSON result. */
  run<T>(script: string): Promise<T>;
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

function chromiumPage(page: Page): AnyPage {
  return {
    goto: (url) => page.goto(url),
    click: (selector) => page.click(selector),
    hover: (selector) => page.hover(selector),
    run: <T,>(script: string) => page.evaluate(`(async () => { ${script} })()`) as Promise<T>,
    screenshot: async (name) => void (await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true })),
    close: () => page.close(),
  };
}

function firefoxPage(page: FirefoxPage): AnyPage {
  return {
    goto: (url) => page.goto(url),
    click: (selector) => page.click(selector),
    hover: (selector) => page.hover(selector),
    run: <T,>(script: string) => page.evaluate(`(async () => { ${script} })()`) as Promise<T>,
    screenshot: async (name) => void (await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) as `${string}.png`, fullPage: true })),
    close: () => page.close(),
  };
}

/** Polls `script` in the page until `ok` holds. */
async function until<T>(page: AnyPage, what: string, script: string, ok: (value: T) => boolean, seconds = 30): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < seconds * 4; i++) {
    last = await page.run<T>(script);
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(last)}`);
}

const VIDEO = `document.querySelector('[data-testid="replay-player"]')`;

/** Seeks the replay to 75 % and returns where it landed and its picture, averaged to 32×18 RGB. */
const SEEK_AND_CAPTURE = `
  const v = ${VIDEO};
  v.pause();
  const seeked = new Promise((r) => v.addEventListener("seeked", r, { once: true }));
  v.currentTime = v.duration * 0.75;
  await seeked;
  await new Promise((r) => setTimeout(r, 500));
  const canvas = document.createElement("canvas");
  canvas.width = v.videoWidth;
  canvas.height = v.videoHeight;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(v, 0, 0);
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  const bw = canvas.width / 32, bh = canvas.height / 18;
  const out = [];
  for (let by = 0; by < 18; by++) for (let bx = 0; bx < 32; bx++) {
    const sum = [0, 0, 0];
    let n = 0;
    for (let y = Math.floor(by * bh); y < Math.floor((by + 1) * bh); y++)
      for (let x = Math.floor(bx * bw); x < Math.floor((bx + 1) * bw); x++) {
        const i = (y * canvas.width + x) * 4;
        sum[0] += data[i]; sum[1] += data[i + 1]; sum[2] += data[i + 2]; n++;
      }
    out.push(...sum.map((s) => Math.round(s / Math.max(1, n))));
  }
  return { time: v.currentTime, duration: v.duration, picture: out };
`;

describe("past broadcasts in Chromium and Firefox", () => {
  let server: Server;
  let chromium: Browser | undefined;
  let firefox: FirefoxBrowser | undefined;
  let roomId = "";
  let clipPage = "";

  beforeAll(async () => {
    server = await Server.start({ name: "replays" });
    const token = await server.register("ravi", "streamer");
    const created = await server.api("POST", "/api/rooms", token, { title: "Replays" });
    expect(created.status).toBe(201);
    roomId = created.body.room.id;
    const publisher = Publisher.start(`rtmp://127.0.0.1:${server.rtmpPort}/live/${created.body.stream_key}`, SECONDS, { audio: "mp3" });
    await server.waitFor("the broadcast to start", `/api/rooms/${roomId}`, (room) => room.live != null, 30);
    const recordings = await server.waitFor(
      "the recording to be complete",
      `/api/rooms/${roomId}/recordings`,
      (list) => list.length === 1 && list[0].status === "complete",
      SECONDS + 30,
    );
    await publisher.stop();
    expect(recordings[0].playback_url).toBe(`/vod/${recordings[0].id}/master.m3u8`);
    const clip = await server.api("POST", `/api/recordings/${recordings[0].id}/clips`, token, { start_seconds: 2, duration_seconds: 3 });
    expect(clip.status).toBe(201);
    clipPage = clip.body.page_url;
    chromium = await launchBrowser();
    firefox = await puppeteer.launch({
      browser: "firefox",
      executablePath: process.env.FIREFOX_PATH ?? "/usr/bin/firefox-esr",
      headless: true,
      extraPrefsFirefox: { "media.autoplay.default": 0 },
    });
  });

  afterAll(async () => {
    await chromium?.close();
    await firefox?.close();
    await server?.stop();
  });

  const browsers: [string, () => Promise<AnyPage>][] = [
    ["chromium", async () => chromiumPage(await chromium!.newPage({ viewport: { width: 1280, height: 900 } }))],
    [
      "firefox",
      async () => {
        const page = await firefox!.newPage();
        await page.setViewport({ width: 1280, height: 900 });
        return firefoxPage(page);
      },
    ],
  ];

  for (const [name, open] of browsers) {
    test(`${name}: the recording plays, previews its timeline and seeks to the right frame`, async () => {
      const page = await open();
      await page.goto(`${server.url}/rooms/${roomId}`);
      await until(page, "the recordings list", `return !!document.querySelector('[aria-label^="Play recording from"]');`, (v: boolean) => v);
      await page.click('[aria-label^="Play recording from"]');
      const playing = await until<{ time: number; duration: number; state: number }>(
        page,
        "the replay to play",
        `const v = ${VIDEO}; return v ? { time: v.currentTime, duration: v.duration, state: v.readyState } : { time: 0, duration: 0, state: 0 };`,
        (v) => v.time > 1,
      );
      expect(Math.abs(playing.duration - SECONDS)).toBeLessThan(1);

      // The thumbnails track loads, and its sprite shows under the pointer on the timeline.
      const track = await until<{ ready: number; cues: number }>(
        page,
        "the thumbnails track",
        `const t = document.querySelector('[data-testid="replay-player"] track'); return { ready: t.readyState, cues: t.track.cues ? t.track.cues.length : 0 };`,
        (t) => t.ready === 2 && t.cues >= 2,
      );
      expect(track.cues).toBeGreaterThanOrEqual(2);
      await page.hover('[data-testid="replay-timeline"]');
      const sprite = await until<{ url: string; width: number }>(
        page,
        "the preview tile",
        `const tile = document.querySelector('[data-testid="preview-tile"] [role="img"]');
         if (!tile) return { url: "", width: 0 };
         const url = getComputedStyle(tile).backgroundImage.replace(/^url\\("?|"?\\)$/g, "");
         const img = new Image();
         img.src = url;
         await img.decode().catch(() => {});
         return { url, width: img.naturalWidth };`,
        (s) => s.width > 0,
      );
      expect(sprite.url).toMatch(/\/vod\/[^/]+\/sprite-0\.jpg$/);
      expect(sprite.width).toBe(1600);
      await page.screenshot(`replay-${name}`);

      // A seek to 75 % shows the picture published at that moment, not one a second either side.
      const seek = await page.run<{ time: number; duration: number; picture: number[] }>(SEEK_AND_CAPTURE);
      expect(Math.abs(seek.time - seek.duration * 0.75)).toBeLessThan(0.2);
      const [before, right, after] = await Promise.all([seek.time - 1, seek.time, seek.time + 1].map((t) => patternAt(t)));
      const distances = [before, right, after].map((p) => pictureDistance(seek.picture, p));
      expect(distances[1], `distances ${distances.map((d) => d.toFixed(1)).join(" / ")}`).toBeLessThan(Math.min(distances[0], distances[2]));
      await page.close();
    });

    test(`${name}: a clip plays on its own page`, async () => {
      const page = await open();
      await page.goto(`${server.url}${clipPage}`);
      const clip = await until<{ time: number; duration: number }>(
        page,
        "the clip to play",
        `const v = document.querySelector('[data-testid="clip-player"]'); return v ? { time: v.currentTime, duration: v.duration } : { time: 0, duration: 0 };`,
        (v) => v.time > 0.5,
      );
      expect(clip.duration).toBeGreaterThan(2.5);
      await page.screenshot(`clip-${name}`);
      await page.close();
    });
  }
});
