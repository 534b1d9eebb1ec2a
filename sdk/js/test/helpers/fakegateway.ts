// A scripted gateway for unit tests of the session: a real WebSocket server
// (the ws package) on a free port, whose test drives each frame.
import { WebSocketServer, type WebSocket } from "ws";
import type { Frame } from "../../src/core/link.js";

export class FakeConn {
  readonly frames: Frame[] = [];
  #waiters: ((f: Frame) => void)[] = [];
  closed: { code: number; reason: string } | undefined;
  constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const f = JSON.parse(String(data)) as Frame;
      this.frames.push(f);
      for (const w of this.#waiters.splice(0)) w(f);
    });
    ws.on("close", (code, reason) => (this.closed = { code, reason: String(reason) }));
  }
  send(f: Frame): void {
    this.ws.send(JSON.stringify(f));
  }
  /** next waits for the next frame with op (skipping heartbeats unless asked). */
  async next(op: string, timeout = 5000): Promise<Frame> {
    const end = Date.now() + timeout;
    let seen = 0;
    for (;;) {
      for (; seen < this.frames.length; seen++) {
        const f = this.frames[seen]!;
        if (f.op === op && !(f as { _taken?: boolean })._taken) {
          (f as { _taken?: boolean })._taken = true;
          return f;
        }
      }
      if (Date.now() > end) throw new Error(`fake gateway: no ${op} frame within ${timeout} ms`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, end - Date.now()));
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
  dispatch(s: number, t: string, d: unknown): void {
    this.send({ op: "dispatch", s, t, d });
  }
  close(code: number, reason = ""): void {
    this.ws.close(code, reason);
  }
  terminate(): void {
    this.ws.terminate();
  }
}

export class FakeGateway {
  readonly wss: WebSocketServer;
  readonly conns: FakeConn[] = [];
  #waiters: ((c: FakeConn) => void)[] = [];
  heartbeatInterval = 30_000;

  private constructor(wss: WebSocketServer) {
    this.wss = wss;
    wss.on("connection", (ws) => {
      const c = new FakeConn(ws);
      this.conns.push(c);
      c.send({ op: "hello", d: { heartbeatInterval: this.heartbeatInterval, protocolVersion: 1 } });
      for (const w of this.#waiters.splice(0)) w(c);
    });
  }

  static start(): Promise<FakeGateway> {
    return new Promise((resolve) => {
      const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/v1/gateway" });
      wss.on("listening", () => resolve(new FakeGateway(wss)));
    });
  }

  get baseURL(): string {
    const a = this.wss.address();
    return `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}`;
  }

  /** accept waits for connection number n (0-based). */
  async accept(n: number, timeout = 5000): Promise<FakeConn> {
    const end = Date.now() + timeout;
    while (this.conns.length <= n) {
      if (Date.now() > end) throw new Error(`fake gateway: no connection #${n}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.conns[n]!;
  }

  /** identify answers a connection's identify with ready. */
  static ready(sessionID: string, userID = "u1"): Frame {
    return {
      op: "ready",
      d: { sessionID, appID: "1", userID, protocolVersion: 1, heartbeatInterval: 30_000, tokenExpiresAt: Date.now() + 3_600_000, communityList: [] },
    };
  }

  close(): Promise<void> {
    for (const c of this.conns) c.terminate();
    return new Promise((r) => this.wss.close(() => r()));
  }
}

/** msg makes a stored message of channel c/ch with seq. */
export function msg(seq: number, text = `m${seq}`, communityID = "c", channelID = "ch") {
  return {
    type: 1 as const,
    message: text,
    messageID: String(1000 + seq),
    messageSeq: seq,
    communityID,
    channelID,
    senderUserID: "other",
    timestamp: 1_700_000_000_000 + seq,
    rootRepliedCount: 0,
    reactions: [],
  };
}
