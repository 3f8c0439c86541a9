/** Debian's Chromium driven by playwright-core, and the screenshots every run saves. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";
import { WEB_DIR } from "./server";

/** Where each run saves a screenshot of every page (named in docs/getting-started.md). */
export const SCREENSHOT_DIR = join(WEB_DIR, "e2e", "screenshots");

export async function launchBrowser(): Promise<Browser> {
  // Emptied once per run (global-setup.ts): each test file launches its own browser.
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required", "--mute-audio"],
  });
}

/** A Content-Security-Policy violation a page reported (its `securitypolicyviolation` event). */
export interface CspViolation {
  page: string;
  directive: string;
  blocked: string;
  source: string;
  sample: string;
}

const cspViolations: CspViolation[] = [];

/** Every violation reported by any page of any context since the last call; empties the list. */
export function takeCspViolations(): CspViolation[] {
  return cspViolations.splice(0);
}

/**
 * Reports each page's `securitypolicyviolation` events to the test (documents only; the
 * listener is in place before the page's own scripts run).
 */
async function watchCsp(context: BrowserContext): Promise<void> {
  await context.exposeBinding("__reportCspViolation", (_source, violation: CspViolation) => {
    cspViolations.push(violation);
  });
  await context.addInitScript(() => {
    const report = (window as unknown as { __reportCspViolation: (v: unknown) => void }).__reportCspViolation;
    document.addEventListener("securitypolicyviolation", (e) => {
      void report({
        page: location.href,
        directive: e.effectiveDirective,
        blocked: e.blockedURI,
        source: `${e.sourceFile}:${e.lineNumber}`,
        sample: e.sample,
      });
    });
  });
}

/** A fresh browser profile (its own storage, so its own login), at desktop size unless `options` say otherwise. */
export async function newContext(browser: Browser, baseURL: string, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 }, colorScheme: "light", ...options });
  context.setDefaultTimeout(20_000);
  await watchCsp(context);
  return context;
}

/** Saves a full-page screenshot as `<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Logs in through the login page. */
export async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
}
