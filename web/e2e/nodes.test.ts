/**
 * Two nodes sharing MariaDB and Redis: a stream published to node A plays in Chromium through
 * node B's room page, and every HLS request the player makes goes to node B (its edge fetches
 * from A).
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Browser } from "playwright-core";
import { launchBrowser, newContext, screenshot } from "./support/browser";
import { Publisher } from "./support/publisher";
import { Server } from "./support/server";

function mariadb(sql: string): void {
  execFileSync("mariadb", ["--protocol=tcp", "-h", "127.0.0.1", "-P", "3306", "-u", "root", "-e", sql]);
}

describe("two nodes", () => {
  const tag = randomBytes(6).toString("hex");
  const database = `livestream_e2e_${tag}`;
  let a: Server;
  let b: Server;
  let browser: Browser;
  let publisher: Publisher | undefined;

  beforeAll(async () => {
    mariadb(`CREATE DATABASE ${database} CHARACTER SET utf8mb4`);
    const shared = {
      LIVESTREAM_DATABASE__URL: `mysql://root@127.0.0.1:3306/${database}`,
      LIVESTREAM_CLUSTER__REDIS_URL: "redis://127.0.0.1:6379",
      LIVESTREAM_CLUSTER__KEY_PREFIX: `e2e-${tag}`,
      LIVESTREAM_AUTH__JWT_SECRET: `e2e-${tag}-the-secret-every-node-shares`,
      LIVESTREAM_RESTREAM__SECRET: `e2e-${tag}-the-restream-secret-every-node-shares`,
    };
    a = await Server.start({ name: "node-a", env: { ...shared, LIVESTREAM_CLUSTER__NODE_ID: "node-a" } });
    b = await Server.start({ name: "node-b", env: { ...shared, LIVESTREAM_CLUSTER__NODE_ID: "node-b" } });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await publisher?.stop();
    await browser?.close();
    await a?.stop();
    await b?.stop();
    mariadb(`DROP DATABASE IF EXISTS ${database}`);
  });

  test("a stream published to one node plays through the other's page", async () => {
    const token = await a.register("olive", "streamer");
    const created = await a.api("POST", "/api/rooms", token, { title: "Across nodes" });
    expect(created.status).toBe(201);
    const roomId = created.body.room.id as string;
    publisher = Publisher.start(`rtmp://127.0.0.1:${a.rtmpPort}/live/${created.body.stream_key}`);
    const room = await b.waitFor("the room to be playable on node B", `/api/rooms/${roomId}`, (r) => r.live?.playable === true);
    expect(room.live.playback_url.startsWith(b.url)).toBe(true);

    const context = await newContext(browser, b.url);
    const page = await context.newPage();
    const hls: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("/hls/")) hls.push(request.url());
    });
    await page.goto(`/rooms/${roomId}`);
    const player = page.getByTestId("video-player");
    const time = () => player.evaluate((v: HTMLVideoElement) => (v.paused ? 0 : v.currentTime));
    await expect.poll(time, { timeout: 30_000 }).toBeGreaterThan(0.5);
    const started = await time();
    await expect.poll(time, { timeout: 30_000 }).toBeGreaterThan(started + 2);
    await screenshot(page, "room-through-another-node");
    // For the record (the README's scale-out figures), not a check: hls.js's latency through
    // the edge.
    const latency = page.getByTestId("latency");
    await latency.waitFor();
    await page.waitForTimeout(3000);
    console.log(`hls.js latency through node B: ${await latency.getAttribute("data-seconds")} s`);
    expect(hls.some((url) => url.endsWith(".m4s"))).toBe(true);
    expect(hls.filter((url) => !url.startsWith(b.url))).toEqual([]);
    await context.close();
  });
});
