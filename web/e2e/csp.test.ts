/**
 * The Content-Security-Policy in Debian's Chromium against the real server: markup injected
 * into the page (an inline event handler, an inline script, a style element without the nonce)
 * is refused, each refusal is reported as a `securitypolicyviolation`, and nothing of it runs;
 * the page's own nonce still lets the app add its styles.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Browser, BrowserContext } from "playwright-core";
import { launchBrowser, newContext, takeCspViolations, type CspViolation } from "./support/browser";
import { Server } from "./support/server";

describe("the Content-Security-Policy", () => {
  let server: Server;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    server = await Server.start();
    browser = await launchBrowser();
    context = await newContext(browser, server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("injected inline script and styles do not run, and each is reported", async () => {
    const page = await context.newPage();
    const response = await page.goto("/");
    expect(response?.status()).toBe(200);
    await page.getByRole("heading", { level: 1 }).waitFor();
    expect(takeCspViolations()).toEqual([]);

    await page.evaluate(() => {
      // What an HTML injection would add: a handler attribute, a script element, a style.
      document.body.insertAdjacentHTML("beforeend", '<img alt="" src="/no-such-image.png" onerror="window.__pwned = \'handler\'">');
      const script = document.createElement("script");
      script.textContent = "window.__pwned = 'script';";
      document.body.append(script);
      const style = document.createElement("style");
      style.textContent = "body { --injected: 1; }";
      document.head.append(style);
    });
    const seen: CspViolation[] = [];
    const directives = () => new Set(seen.map((v) => v.directive));
    await expect
      .poll(() => {
        seen.push(...takeCspViolations());
        return [...directives()].sort();
      })
      .toEqual(["script-src-attr", "script-src-elem", "style-src-elem"]);
    expect(seen.every((v) => v.blocked === "inline")).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
    expect(await page.evaluate(() => getComputedStyle(document.body).getPropertyValue("--injected"))).toBe("");

    // The app's own way: a style element carrying the page's nonce applies, with no report.
    const nonce = await page.evaluate(() => (globalThis as unknown as { __webpack_nonce__?: string }).__webpack_nonce__ ?? "");
    expect(nonce).toMatch(/^[0-9a-f]{32}$/);
    await page.evaluate((n) => {
      const style = document.createElement("style");
      style.setAttribute("nonce", n);
      style.textContent = "body { --allowed: 1; }";
      document.head.append(style);
    }, nonce);
    expect(await page.evaluate(() => getComputedStyle(document.body).getPropertyValue("--allowed").trim())).toBe("1");
    // A later page has another nonce: the one above is useless elsewhere.
    await page.reload();
    await page.getByRole("heading", { level: 1 }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { __webpack_nonce__?: string }).__webpack_nonce__ ?? "")).not.toBe(nonce);
    expect(takeCspViolations()).toEqual([]);
    await page.close();
  });
});
