// What the browser tests stand on: a real plaza serve (the binary of this
// checkout, with the web client embedded) on a free port with a fresh data
// directory, and Debian's Chromium driven by playwright-core.
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac, createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

/** Chromium is Debian's build; playwright-core drives it (no browser download). */
export const ChromiumPath = process.env.PLAZA_CHROMIUM ?? "/usr/bin/chromium";

/** ShotsDir is where the tests save their screenshots. */
export const ShotsDir = resolve(process.env.PLAZA_WEB_SHOTS ?? "test-results");

/** Server is a running plaza serve. */
export interface Server {
  url: string;
  data: string;
  appID: string;
  serverSecret: string;
  operatorKey: string;
  /** restart stops the server (as SIGTERM does) and starts it again on the same address and data. */
  restart: () => Promise<void>;
  stop: () => Promise<void>;
}

/**
 * startServer starts plaza serve (PLAZA_BIN, which web/test.sh builds from
 * this checkout) on 127.0.0.1:0 with a fresh data directory, waits until it
 * listens, and reads the development app it created.
 */
export async function startServer(args: string[] = []): Promise<Server> {
  const bin = process.env.PLAZA_BIN;
  if (!bin || !existsSync(bin)) throw new Error("PLAZA_BIN must name a plaza binary (web/test.sh builds one: go build -o .tmp/plaza ./cmd/plaza)");
  const data = mkdtempSync(join(tmpdir(), "plaza-web-"));
  let { child, url } = await serve(bin, "127.0.0.1:0", data, args);
  const app = JSON.parse(readFileSync(join(data, "dev-app.json"), "utf8")) as { appID: string; serverSecret: string };
  const operatorKey = readFileSync(join(data, "operator-key"), "utf8").trim();
  const halt = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await done;
  };
  return {
    url,
    data,
    appID: app.appID,
    serverSecret: app.serverSecret,
    operatorKey,
    restart: async () => {
      await halt();
      ({ child, url } = await serve(bin, new URL(url).host, data, args));
    },
    stop: async () => {
      await halt();
      rmSync(data, { recursive: true, force: true });
    },
  };
}

// serve runs plaza serve and resolves once it listens.
async function serve(bin: string, addr: string, data: string, args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child: ChildProcess = spawn(bin, ["serve", "--addr", addr, "--data", data, "--log-level", "warn", "--sqlite-sync", "normal", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
  const url = await new Promise<string>((resolveURL, reject) => {
    const timer = setTimeout(() => reject(new Error(`plaza serve did not start in 20 s:\n${out}\n${err}`)), 20_000);
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveURL(m[1]!);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`plaza serve exited (${code}):\n${out}\n${err}`));
    });
  });
  return { child, url };
}

/** mintToken signs a user token for the development app, as an app's backend would (HS256 JWT). */
export function mintToken(s: Server, userID: string, ttlSeconds = 3600): string {
  const b64 = (v: object | Buffer) => (Buffer.isBuffer(v) ? v : Buffer.from(JSON.stringify(v))).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const head = b64({ alg: "HS256", typ: "JWT" }) + "." + b64({ app: s.appID, sub: userID, iat: now, exp: now + ttlSeconds });
  return head + "." + b64(createHmac("sha256", s.serverSecret).update(head).digest());
}

/** api calls the client API as a user, for a test's setup. */
export async function api<T = unknown>(s: Server, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: { Authorization: "Bearer " + token, "Content-Type": "application/json" } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const r = await fetch(s.url + path, init);
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return JSON.parse(text) as T;
}

/** operator calls the operator API, for a test's setup (an app's limits). */
export async function operator(s: Server, method: string, path: string, body?: unknown): Promise<unknown> {
  const init: RequestInit = { method, headers: { Authorization: "Bearer " + s.operatorKey, "Content-Type": "application/json" } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const r = await fetch(s.url + path, init);
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

/** serverAPI calls the server API, signed with the app's secret (docs/server-api.md). */
export async function serverAPI(s: Server, method: string, path: string, body?: unknown): Promise<unknown> {
  const text = body === undefined ? "" : JSON.stringify(body);
  const nonce = randomBytes(16).toString("hex");
  const ts = String(Math.floor(Date.now() / 1000));
  const canonical = [s.appID, nonce, ts, method, path, createHash("sha256").update(text).digest("hex")].join("\n");
  const sig = createHmac("sha256", s.serverSecret).update(canonical).digest("hex");
  const headers: Record<string, string> = { "Plaza-App-ID": s.appID, "Plaza-Nonce": nonce, "Plaza-Timestamp": ts, "Plaza-Signature": sig };
  const init: RequestInit = { method, headers };
  if (text) init.body = text;
  const r = await fetch(s.url + path, init);
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

// Flags that keep Chromium off the network it has no business with: without
// them, on a closed network, its own connections are refused and it stalls.
const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** launch starts Chromium (each context a fresh profile, as two people on two machines). */
export async function launch(): Promise<Browser> {
  if (!existsSync(ChromiumPath)) {
    throw new Error(`no Chromium at ${ChromiumPath}: install Debian's (apt-get install -y chromium), or set PLAZA_CHROMIUM`);
  }
  return chromium.launch({ executablePath: ChromiumPath, args: chromiumArgs, headless: true });
}

/** person opens a browser context of its own: a window of 1280×800, dark theme. */
export async function person(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: "dark", locale: "en-US", timezoneId: "UTC" });
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e));
  return { context, page };
}

/** shot saves a screenshot of a page under ShotsDir. */
export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(ShotsDir, { recursive: true });
  const path = join(ShotsDir, name + ".png");
  await page.screenshot({ path });
  return path;
}
