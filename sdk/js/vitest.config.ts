import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 300_000,
    // The integration files each start a server: run them one at a time on
    // a small machine.
    fileParallelism: false,
  },
});
