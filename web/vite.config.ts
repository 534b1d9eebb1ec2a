// The web client's build: TypeScript and Preact's JSX, bundled by Vite into
// dist/, which the Go package web embeds (web.go) and plaza serve serves at /.
// The SDK comes from its source in ../sdk/js (no publishing, no prebuilt
// copy), so the client is always built against the SDK of the same commit.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const sdk = fileURLToPath(new URL("../sdk/js/src/index.ts", import.meta.url));

// A development server's API (npm run dev proxies to it).
const server = process.env.PLAZA_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  resolve: { alias: { "@plazahq/sdk": sdk } },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // No source maps: dist/ is committed, and CI compares it byte for byte.
    sourcemap: false,
    // One script and one stylesheet: the client is small.
    assetsInlineLimit: 0,
  },
  server: {
    proxy: {
      "/v1": { target: server, ws: true, changeOrigin: false },
      "/healthz": server,
    },
    fs: { allow: [".."] },
  },
});
