// Unit tests: the client's pure parts (layout of the virtual list, message
// text, conversation state, timelines), in Node, without a browser.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@plazahq/sdk": fileURLToPath(new URL("../sdk/js/src/index.ts", import.meta.url)) } },
  test: { include: ["test/unit/**/*.test.ts"], environment: "node" },
});
