import { defineConfig } from "vitest/config";

/** `npm run bench:startup`: measurements in a real browser, not tests (see bench/). */
export default defineConfig({
  test: {
    include: ["bench/**/*.test.ts"],
    environment: "node",
    testTimeout: 600_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
