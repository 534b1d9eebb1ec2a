// A real `plaza serve` for the integration tests: built from this checkout
// (or taken from PLAZA_BIN), started on a free port with a fresh data
// directory, waited for on /healthz, and stopped after.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../../../..");

/** plazaBinary returns the server binary: PLAZA_BIN, or one built from the checkout once per run. */
export function plazaBinary(): string {
  const env = process.env.PLAZA_BIN;
  if (env) return env;
  const dir = resolve(here, "../../.tmp");
  mkdirSync(dir, { recursive: true });
  const bin = join(dir, "plaza");
  // One build per test run: test.sh removes the binary before running.
  if (!existsSync(bin)) {
    execFileSync("go", ["build", "-o", bin, "./cmd/plaza"], { cwd: repo, stdio: "inherit" });
  }
  return bin;
}

/** freePort asks the kernel for a free TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

/** Server is a running plaza serve. */
export class Server {
  readonly baseURL: string;
  readonly dataDir: string;
  readonly appID: string;
  readonly secret: string;
  #proc: ChildProcess | undefined;
  #args: string[];
  #bin: string;
  log = "";

  private constructor(bin: string, args: string[], baseURL: string, dataDir: string, app: { appID: string; serverSecret: string }, proc: ChildProcess) {
    this.#bin = bin;
    this.#args = args;
    this.baseURL = baseURL;
    this.dataDir = dataDir;
    this.appID = app.appID;
    this.secret = app.serverSecret;
    this.#proc = proc;
  }

  /** start builds (once) and starts a server with extra flags. */
  static async start(extra: string[] = []): Promise<Server> {
    const bin = plazaBinary();
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), "plaza-sdkjs-"));
    const args = ["serve", "--addr", `127.0.0.1:${port}`, "--data", dataDir, "--log-level", "warn", ...extra];
    const baseURL = `http://127.0.0.1:${port}`;
    const proc = await launch(bin, args, baseURL);
    const app = JSON.parse(readFileSync(join(dataDir, "dev-app.json"), "utf8")) as { appID: string; serverSecret: string };
    const s = new Server(bin, args, baseURL, dataDir, app, proc);
    proc.stderr?.on("data", (b: Buffer) => (s.log += b.toString()));
    return s;
  }

  /** token mints a user token (HS256 with the app's secret), as an app backend would. */
  token(userID: string, ttlSeconds = 3600): string {
    return mintToken(this.appID, this.secret, userID, ttlSeconds);
  }

  /** restart stops the server and starts it again after downMs on the same port and data: every session is lost. */
  async restart(downMs = 0): Promise<void> {
    await this.stop(false);
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    this.#proc = await launch(this.#bin, this.#args, this.baseURL);
    this.#proc.stderr?.on("data", (b: Buffer) => (this.log += b.toString()));
  }

  /** stop ends the server (and removes its data unless keep). */
  async stop(removeData = true): Promise<void> {
    const p = this.#proc;
    this.#proc = undefined;
    if (p && p.exitCode === null) {
      const exited = new Promise<void>((r) => p.once("exit", () => r()));
      p.kill("SIGTERM");
      const t = setTimeout(() => p.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(t);
    }
    if (removeData) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

async function launch(bin: string, args: string[], baseURL: string): Promise<ChildProcess> {
  const proc = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"] });
  let out = "";
  proc.stderr?.on("data", (b: Buffer) => (out += b.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`plaza serve exited with ${proc.exitCode}: ${out}`);
    try {
      const r = await fetch(`${baseURL}/healthz`);
      if (r.ok) return proc;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`plaza serve did not answer /healthz within 30 s: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** mintToken makes a user token: HS256, claims app, sub, iat, exp, keyed with the secret string's bytes. */
export function mintToken(appID: string, secret: string, userID: string, ttlSeconds: number): string {
  const b64 = (v: string | Buffer) => Buffer.from(v).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const head = b64(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64(JSON.stringify({ app: appID, sub: userID, iat: now, exp: now + ttlSeconds }));
  const sig = createHmac("sha256", Buffer.from(secret, "utf8")).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${sig}`;
}
