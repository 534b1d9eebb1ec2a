// Browser tests: a real plaza serve and Debian's Chromium driven by
// playwright-core (test/browser/harness.ts). One file at a time: each starts
// a server and a browser, and the machine is shared.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
