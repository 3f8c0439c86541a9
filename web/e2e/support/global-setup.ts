/** Empties the screenshot folder once per run, so that every test file's screenshots stay. */
import { mkdirSync, rmSync } from "node:fs";
import { SCREENSHOT_DIR } from "./browser";

export default function setup(): void {
  rmSync(SCREENSHOT_DIR, { recursive: true, force: true });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
}
