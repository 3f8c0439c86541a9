/**
 * The web app end to end: the real server binary, a real ffmpeg RTMP publish and Debian's
 * Chromium. The tests run in order and share one server: a streamer creates a room, publishes
 * with the key the page showed, viewers watch and chat, an admin edits presets, and the
 * broadcast's recording appears once it ends. Every page is saved as a screenshot, and no page
 * may break the server's Content-Security-Policy.
 */
import { statSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchBrowser, logIn, newContext, screenshot, takeCspViolations } from "./support/browser";
import { Publisher } from "./support/publisher";
import { ADMIN, PASSWORD, Server } from "./support/server";

const ROOM_TITLE = "Sam's test pattern";

/** A two-rung ladder, so a quality switch shows as a different picture height. */
const LADDER = {
  name: "e2e-ladder",
  passthrough: false,
  segment_seconds: 1,
  window_segments: 6,
  renditions: [
    { name: "360p", width: 640, height: 360, fps: 30, video_kbps: 700, speed_preset: "veryfast", profile: "main" },
    { name: "240p", width: 426, height: 240, fps: 30, video_kbps: 350, speed_preset: "veryfast", profile: "main" },
  ],
};

async function videoState(page: Page): Promise<{ time: number; height: number; paused: boolean }> {
  return page.getByTestId("video-player").evaluate((v: HTMLVideoElement) => ({ time: v.currentTime, height: v.videoHeight, paused: v.paused }));
}

async function eventually<T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean, seconds = 30): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < seconds * 4; i++) {
    last = await probe();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(last)}`);
}

describe("Livestream in a real browser", () => {
  let server: Server;
  let browser: Browser;
  let publisher: Publisher | undefined;
  let streamer: BrowserContext;
  let viewer: BrowserContext;
  let roomId = "";
  let streamKey = "";

  beforeAll(async () => {
    // Restreaming to this machine's own (closed) port needs private destinations allowed.
    server = await Server.start({ env: { LIVESTREAM_RESTREAM__ALLOW_PRIVATE_DESTINATIONS: "true" } });
    browser = await launchBrowser();
    streamer = await newContext(browser, server.url);
    viewer = await newContext(browser, server.url);
    const admin = await server.login(ADMIN.username, ADMIN.password);
    const created = await server.api("POST", "/api/presets", admin, LADDER);
    expect(created.status).toBe(201);
  });

  // The app works under its policy: player, chat WebSocket, dialogs (their scroll-lock style),
  // downloads and all.
  afterEach(() => {
    expect(takeCspViolations()).toEqual([]);
  });

  afterAll(async () => {
    await publisher?.stop();
    await browser?.close();
    await server?.stop();
  });

  test("a streamer registers, creates a room and sees the key", async () => {
    const page = await streamer.newPage();
    await page.goto("/register");
    await screenshot(page, "register");
    await page.getByLabel("Username").fill("sam");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("radio", { name: "Streamer" }).check();
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL("**/dashboard");

    await page.getByRole("button", { name: "New room" }).click();
    const dialog = page.getByRole("dialog", { name: "New room" });
    await dialog.getByLabel("Title").fill(ROOM_TITLE);
    await dialog.getByLabel("Description").fill("SMPTE bars and a 440 Hz tone.");
    await dialog.getByLabel("Preset").selectOption({ label: LADDER.name });
    await dialog.getByRole("button", { name: "Create room" }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);

    const key = page.getByTestId("stream-key");
    await expect.poll(() => key.textContent()).not.toContain("sk_");
    await page.getByRole("button", { name: "Reveal" }).click();
    streamKey = (await key.textContent())?.trim() ?? "";
    expect(streamKey).toMatch(/^sk_[A-Za-z0-9]{32}$/);
    expect((await page.getByTestId("ingest-url").textContent())?.trim()).toBe(`rtmp://127.0.0.1:${server.rtmpPort}/live`);
    expect((await page.getByTestId("srt-ingest-url").textContent())?.trim()).toBe(
      `srt://127.0.0.1:${server.srtPort}?streamid=YOUR_STREAM_KEY`,
    );
    roomId = new URL(page.url()).searchParams.get("room") ?? "";
    const rooms = await server.api("GET", "/api/rooms");
    const room = rooms.body.find((r: { title: string }) => r.title === ROOM_TITLE);
    expect(room.preset_id).toBeTruthy();
    roomId ||= room.id;
    expect(room.id).toBe(roomId);
    await screenshot(page, "dashboard-new-room");
    await page.close();
  });

  test("a viewer sees the video playing and the quality menu lists the renditions in the playlist", async () => {
    publisher = Publisher.start(`rtmp://127.0.0.1:${server.rtmpPort}/live/${streamKey}`);
    const room = await server.waitFor("the room to be playable", `/api/rooms/${roomId}`, (r) => r.live?.playable === true);

    const page = await viewer.newPage();
    await page.goto("/");
    const card = page.getByRole("link", { name: new RegExp(`${ROOM_TITLE}.*live`) });
    await card.waitFor();
    await expect
      .poll(() => card.locator("img").evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 20_000 })
      .toBeGreaterThan(0);
    await screenshot(page, "home");
    // The search box filters the rooms (and keeps the query in the URL).
    const search = page.getByLabel("Search rooms");
    await search.fill("no such broadcast");
    await expect.poll(() => card.count()).toBe(0);
    expect(new URL(page.url()).searchParams.get("q")).toBe("no such broadcast");
    await search.fill("test pattern");
    await card.waitFor();
    await card.click();
    await page.waitForURL(`**/rooms/${roomId}`);

    const started = await eventually("playback to start", () => videoState(page), (s) => s.time > 0.5 && !s.paused);
    const later = await eventually("playback to advance", () => videoState(page), (s) => s.time > started.time + 1.5);
    expect(later.height).toBeGreaterThan(0);

    // hls.js plays in low-latency mode: once settled, its latency behind the live edge stays
    // under 2 s. The same readings give glass-to-glass (less the publisher's encoding).
    const latency = page.getByTestId("latency");
    await latency.waitFor();
    const readings: number[] = [];
    const wallClock: number[] = [];
    for (let i = 0; i < 6; i++) {
      await page.waitForTimeout(1000);
      readings.push(Number(await latency.getAttribute("data-seconds")));
      wallClock.push(Number(await latency.getAttribute("data-wall-clock-seconds")));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    console.log(`hls.js latency ${readings.join(" ")} s; behind the server's wall clock ${wallClock.join(" ")} s`);
    expect(readings.every((r) => Number.isFinite(r) && r > 0)).toBe(true);
    expect(median(readings.slice(2))).toBeLessThan(2);
    expect(Math.max(...readings.slice(2))).toBeLessThan(2);

    const master = await (await page.request.get(room.live.playback_url)).text();
    const heights = [...master.matchAll(/RESOLUTION=\d+x(\d+)/g)].map((m) => `${m[1]}p`);
    expect(heights.sort()).toEqual(["240p", "360p"]);
    await page.getByRole("button", { name: /^Quality/ }).click();
    const items = (await page.getByRole("menuitemradio").allTextContents()).map((t) => t.trim());
    expect(items[0]).toMatch(/^Auto/);
    expect(items.slice(1).map((t) => t.match(/^\d+p/)?.[0])).toEqual(["360p", "240p"]);
    await screenshot(page, "room-quality-menu");
    await page.keyboard.press("Escape");
    await page.close();
  });

  test("switching quality works", async () => {
    const page = await viewer.newPage();
    await page.goto(`/rooms/${roomId}`);
    await eventually("playback to start", () => videoState(page), (s) => s.time > 0.5);
    for (const height of [240, 360]) {
      await page.getByRole("button", { name: /^Quality/ }).click();
      await page.getByRole("menuitemradio", { name: new RegExp(`^${height}p`) }).click();
      await eventually(`the ${height}p level to play`, () => page.getByTestId("quality-current").textContent(), (t) => t === `${height}p`);
      const state = await eventually(`a ${height}p picture`, () => videoState(page), (s) => s.height === height);
      await eventually("playback to go on", () => videoState(page), (s) => s.time > state.time + 1);
      await expect.poll(() => page.getByRole("button", { name: /^Quality/ }).textContent()).toContain(`${height}p (`);
    }
    await page.getByRole("button", { name: /^Quality/ }).click();
    await page.getByRole("menuitemradio", { name: /^Auto/ }).click();
    await expect.poll(() => page.getByRole("button", { name: /^Quality/ }).textContent()).toMatch(/Auto \(\d+p\)/);
    await page.close();
  });

  test("two browser contexts chat with each other", async () => {
    await server.register("vic", "viewer");
    const vic = await newContext(browser, server.url);
    const vicPage = await vic.newPage();
    await vicPage.goto("/login");
    await screenshot(vicPage, "login");
    await logIn(vicPage, "vic", PASSWORD);
    await vicPage.goto(`/rooms/${roomId}`);
    const samPage = await streamer.newPage();
    await samPage.goto(`/rooms/${roomId}`);

    const say = async (page: Page, text: string) => {
      await page.getByRole("textbox", { name: "Chat message" }).fill(text);
      await page.getByRole("button", { name: "Send" }).click();
    };
    const log = (page: Page) => page.getByRole("log", { name: "Chat messages" });
    await say(samPage, "Welcome, everyone!");
    await expect.poll(() => log(vicPage).textContent()).toContain("Welcome, everyone!");
    await say(vicPage, "Hi Sam <b>not bold</b>");
    await expect.poll(() => log(samPage).textContent()).toContain("Hi Sam <b>not bold</b>");
    expect(await log(samPage).locator("b").count()).toBe(0);
    // The owner moderates: the viewer's message has a moderation menu for Sam only.
    expect(await log(samPage).getByRole("button", { name: "Moderate message from vic" }).count()).toBe(1);
    expect(await log(vicPage).getByRole("button", { name: /^Moderate message/ }).count()).toBe(0);
    await expect.poll(() => vicPage.getByTestId("viewer-count").textContent()).toMatch(/[1-9]\d* watching/);
    await screenshot(samPage, "room-live-chat");
    await samPage.close();
    await vic.close();
  });

  test("the dashboard shows live stream health and the viewers' latency", async () => {
    // A logged-in viewer plays the room; their player reports its latency over the room's chat
    // (anonymous reports are answered and not counted).
    await server.register("wendy", "viewer");
    const wendy = await newContext(browser, server.url);
    const watching = await wendy.newPage();
    await logIn(watching, "wendy", PASSWORD);
    await watching.goto(`/rooms/${roomId}`);
    await eventually("playback to start", () => videoState(watching), (s) => s.time > 0.5 && !s.paused);
    const page = await streamer.newPage();
    await page.goto(`/dashboard?room=${roomId}`);
    await expect.poll(async () => Number.parseFloat((await page.getByTestId("health-input-fps").textContent()) ?? ""), { timeout: 20_000 }).toBeGreaterThan(20);
    await expect.poll(async () => Number.parseFloat((await page.getByTestId("health-input-kbps").textContent()) ?? "")).toBeGreaterThan(0);
    const latency = page.getByTestId("health-viewer-latency");
    await expect.poll(async () => Number.parseFloat((await latency.textContent()) ?? ""), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(Number.parseFloat((await latency.textContent()) ?? "")).toBeLessThan(2.5);
    const reported = await server.api("GET", `/api/rooms/${roomId}`);
    expect(reported.status).toBe(200);
    expect(reported.body.viewer_latency.viewers).toBeGreaterThanOrEqual(1);
    await wendy.close();
    // A later visit still shows the exact server URL for OBS (the key itself was shown once).
    expect((await page.getByTestId("ingest-url").textContent())?.trim()).toBe(`rtmp://127.0.0.1:${server.rtmpPort}/live`);
    await screenshot(page, "dashboard-live");
    await page.close();
  });

  test("a streamer adds a restreaming destination while live; one that refuses is retried, with its reason", async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const page = await streamer.newPage();
    await page.goto(`/dashboard?room=${roomId}`);
    await expect.poll(() => page.getByText("No destinations yet.").isVisible()).toBe(true);
    await page.getByLabel("Name", { exact: true }).fill("Backup server");
    await page.getByLabel("Server URL", { exact: true }).fill(`rtmp://127.0.0.1:${closed}/live`);
    await page.getByLabel("Stream key", { exact: true }).fill("backup-secret-key-0001");
    await page.getByRole("button", { name: "Add destination" }).click();
    const item = page.getByTestId("destination");
    await expect.poll(() => item.textContent()).toContain("Backup server");
    await expect.poll(() => item.getByTestId("destination-status").textContent(), { timeout: 15_000 }).toBe("Retrying");
    await expect.poll(() => item.textContent()).toMatch(/refused/i);
    expect(await page.content()).not.toContain("backup-secret-key-0001");
    await screenshot(page, "dashboard-restream");
    await item.getByRole("button", { name: "Remove Backup server" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Remove destination" }).click();
    await expect.poll(() => page.getByText("No destinations yet.").isVisible()).toBe(true);
    await page.close();
  });

  test("a streamer appoints a moderator by name, and a ban asks before it happens", async () => {
    const page = await streamer.newPage();
    await page.goto(`/dashboard?room=${roomId}`);
    const username = page.getByLabel("Username");
    await username.fill("nobody-at-all");
    await page.getByRole("button", { name: "Add moderator" }).click();
    await expect.poll(() => username.getAttribute("aria-invalid")).toBe("true");
    expect(await username.evaluate((el) => el.getAttribute("aria-describedby") && document.getElementById(el.getAttribute("aria-describedby")!)?.textContent)).toBe(
      "no such user",
    );
    await username.fill("vic");
    await page.getByRole("button", { name: "Add moderator" }).click();
    await expect.poll(() => page.getByRole("list", { name: "Moderators" }).textContent()).toContain("vic");
    await screenshot(page, "dashboard-moderators");
    await page.reload();
    await expect.poll(() => page.getByRole("list", { name: "Moderators" }).textContent()).toContain("vic");
    await page.close();

    // vic moderates now; walt writes something vic bans him for.
    await server.register("walt", "viewer");
    const contexts = await Promise.all([newContext(browser, server.url), newContext(browser, server.url)]);
    const [vicPage, waltPage] = await Promise.all(contexts.map((c) => c.newPage()));
    for (const [p, name] of [[vicPage, "vic"], [waltPage, "walt"]] as const) {
      await logIn(p, name, PASSWORD);
      await p.goto(`/rooms/${roomId}`);
    }
    const box = waltPage.getByRole("textbox", { name: "Chat message" });
    await box.fill("cheap followers here");
    await waltPage.getByRole("button", { name: "Send" }).click();
    const vicLog = vicPage.getByRole("log", { name: "Chat messages" });
    const menu = vicLog.getByRole("button", { name: "Moderate message from walt" });
    await expect.poll(() => menu.count()).toBe(1);
    // Cancelling the confirmation bans nobody.
    await menu.click();
    await vicPage.getByRole("menuitem", { name: "Ban", exact: true }).click();
    const confirm = vicPage.getByRole("alertdialog", { name: "Ban walt from this chat?" });
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => confirm.count()).toBe(0);
    await box.fill("still here");
    await waltPage.getByRole("button", { name: "Send" }).click();
    await expect.poll(() => vicLog.textContent()).toContain("still here");
    // Confirming bans: walt's next message is refused and stays in his box.
    await menu.first().click();
    await vicPage.getByRole("menuitem", { name: "Ban", exact: true }).click();
    await screenshot(vicPage, "room-ban-confirm");
    await confirm.getByRole("button", { name: "Ban" }).click();
    await expect.poll(() => vicLog.textContent()).toContain("walt is banned from the chat");
    await box.fill("let me back in");
    await waltPage.getByRole("button", { name: "Send" }).click();
    await expect.poll(() => waltPage.getByRole("alert").filter({ hasText: "banned" }).count()).toBe(1);
    expect(await box.inputValue()).toBe("let me back in");
    expect(await vicLog.textContent()).not.toContain("let me back in");
    await Promise.all(contexts.map((c) => c.close()));
  });

  test("an admin edits a preset and sees a validation error, then changes a role and disables a user", async () => {
    const adminToken = await server.login(ADMIN.username, ADMIN.password);
    const admin = await newContext(browser, server.url);
    const page = await admin.newPage();
    await logIn(page, ADMIN.username, ADMIN.password);
    await page.goto("/admin");
    await page.getByRole("navigation", { name: "Presets" }).getByRole("button", { name: new RegExp(LADDER.name) }).click();
    const width = page.getByLabel("Rendition 1 Width");
    await expect.poll(() => width.inputValue()).toBe("640");
    await width.fill("641");
    await page.getByRole("button", { name: "Save preset" }).click();
    await expect.poll(() => width.getAttribute("aria-invalid")).toBe("true");
    const describedBy = (await width.getAttribute("aria-describedby")) ?? "";
    const messages = await Promise.all(describedBy.split(" ").filter(Boolean).map((id) => page.locator(`[id="${id}"]`).textContent()));
    expect(messages.join(" ")).toContain("must be even");
    await expect.poll(() => page.getByRole("alert").filter({ hasText: "The preset was not saved" }).count()).toBe(1);
    await screenshot(page, "admin-presets-error");
    // A valid edit is saved.
    await page.getByLabel("Rendition 1 Video kbps").fill("750");
    await width.fill("640");
    await page.getByRole("button", { name: "Save preset" }).click();
    await expect
      .poll(async () => (await server.api("GET", "/api/presets", adminToken)).body.find((p: { name: string }) => p.name === LADDER.name)?.renditions?.[0]?.video_kbps)
      .toBe(750);

    // Roles change only when applied, then on the server.
    await server.register("vera", "viewer");
    await page.getByRole("tab", { name: "Users" }).click();
    await page.getByLabel("Role for vera").selectOption("streamer");
    await screenshot(page, "admin-users");
    await page.getByRole("button", { name: "Apply role for vera" }).click();
    await expect
      .poll(async () => (await server.api("GET", "/api/admin/users", adminToken)).body.find((u: { username: string }) => u.username === "vera")?.role)
      .toBe("streamer");
    // Disabling applies on the server at once: vera can no longer log in.
    expect((await server.api("POST", "/api/auth/login", undefined, { username: "vera", password: PASSWORD })).status).toBe(200);
    await page.getByRole("button", { name: "Disable vera" }).click();
    await page.getByRole("button", { name: "Enable vera" }).waitFor();
    expect((await server.api("POST", "/api/auth/login", undefined, { username: "vera", password: PASSWORD })).status).toBe(401);
    await admin.close();
  });

  test("when the broadcast ends the room shows its recording; the streamer edits the room, downloads and deletes it", async () => {
    await publisher?.stop();
    publisher = undefined;
    await server.waitFor("the room to go offline", `/api/rooms/${roomId}`, (r) => r.live === null);
    await server.waitFor("the recording", `/api/rooms/${roomId}/recordings`, (list) => list.length === 1 && list[0].status === "complete");
    const page = await viewer.newPage();
    await page.goto(`/rooms/${roomId}`);
    await page.getByText("Past broadcasts").waitFor();
    await page.getByRole("button", { name: /^Play recording/ }).click();
    const recording = page.locator("video").last();
    await eventually("the recording to play", () => recording.evaluate((v: HTMLVideoElement) => v.currentTime), (t) => t > 0.5);
    await screenshot(page, "room-offline-recordings");
    await page.close();

    // On the dashboard the streamer edits the room, downloads the recording and deletes it.
    const dash = await streamer.newPage();
    await dash.goto(`/dashboard?room=${roomId}`);
    await dash.getByRole("button", { name: "Edit room" }).click();
    const edit = dash.getByRole("dialog", { name: "Edit room" });
    await edit.getByLabel("Description").fill("Back tomorrow.");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await expect.poll(async () => (await server.api("GET", `/api/rooms/${roomId}`)).body.description).toBe("Back tomorrow.");
    await expect.poll(() => dash.getByText("Back tomorrow.").count()).toBe(1);

    const [archived] = (await server.api("GET", `/api/rooms/${roomId}/recordings`)).body;
    const [download] = await Promise.all([
      dash.waitForEvent("download"),
      dash.getByRole("link", { name: /^Download recording from/ }).click(),
    ]);
    expect(await download.failure()).toBeNull();
    expect(download.suggestedFilename()).toBe(`recording-${archived.id}.mkv`);
    const saved = await download.path();
    expect(statSync(saved).size).toBe(archived.bytes);

    await dash.getByRole("button", { name: /^Delete recording from/ }).click();
    await dash.getByRole("alertdialog", { name: "Delete this recording?" }).getByRole("button", { name: "Delete recording" }).click();
    await expect.poll(async () => (await server.api("GET", `/api/rooms/${roomId}/recordings`)).body.length).toBe(0);
    await expect.poll(() => dash.getByRole("button", { name: /^Delete recording from/ }).count()).toBe(0);
    await dash.close();
  });

  test("pages fit a phone and have a dark mode", async () => {
    const phone = await newContext(browser, server.url, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await phone.newPage();
    await page.goto("/");
    await page.getByRole("link", { name: new RegExp(ROOM_TITLE) }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, "home-phone");
    await page.goto(`/rooms/${roomId}`);
    await page.getByText("Past broadcasts").waitFor();
    await screenshot(page, "room-phone");
    await page.getByRole("button", { name: "Toggle dark mode" }).click();
    expect(await page.evaluate(() => document.documentElement.classList.contains("dark"))).toBe(true);
    await page.reload();
    await page.getByText("Past broadcasts").waitFor();
    expect(await page.evaluate(() => document.documentElement.classList.contains("dark"))).toBe(true);
    await screenshot(page, "room-phone-dark");
    await page.goto("/no/such/page");
    await page.getByRole("heading", { level: 1 }).waitFor();
    await screenshot(page, "not-found-dark");
    await phone.close();
  });
});
