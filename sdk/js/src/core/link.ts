import type { Error as ErrorObject } from "../generated/api.js";

/**
 * WebSocketLike is the part of the WebSocket API the SDK uses: the browser's
 * WebSocket and the `ws` package's both fit.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: never) => void) | null;
  onmessage: ((ev: never) => void) | null;
  onclose: ((ev: never) => void) | null;
  onerror: ((ev: never) => void) | null;
}

// Handlers are the event handlers as the SDK sets them.
interface Handlers {
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
}

/** WebSocketConstructor makes a WebSocket for a URL. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Frame is a gateway frame (docs/gateway.md). */
export interface Frame {
  op: string;
  t?: string;
  s?: number;
  id?: string;
  d?: unknown;
  error?: ErrorObject;
}

/** CloseInfo is how a connection ended: the close code and reason. */
export interface CloseInfo {
  code: number;
  reason: string;
}

/** CloseError tells why the server (or the network) ended a connection. */
export class CloseError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(info: CloseInfo) {
    super(`plaza: gateway closed the session: ${info.code}${info.reason ? " " + info.reason : ""}`);
    this.name = "CloseError";
    this.code = info.code;
    this.reason = info.reason;
  }
}

/**
 * Link is one WebSocket connection to the gateway: JSON frames in and out.
 * Until a frame handler is set, frames queue for read(); a closed link makes
 * read() reject with a CloseError.
 */
export class Link {
  #ws: WebSocketLike;
  #queue: Frame[] = [];
  #waiters: { resolve: (f: Frame) => void; reject: (e: Error) => void }[] = [];
  #closed: CloseInfo | undefined;
  #onFrame: ((f: Frame) => void) | undefined;
  #onClose: ((c: CloseInfo) => void) | undefined;
  /** When the last frame arrived (Date.now()). */
  lastFrameAt = Date.now();

  private constructor(ws: WebSocketLike) {
    this.#ws = ws;
    const h = ws as unknown as Handlers;
    h.onmessage = (ev) => this.#message(ev.data);
    h.onclose = (ev) => this.#end({ code: ev.code, reason: ev.reason });
    ws.onerror = () => {
      // A close event follows every error.
    };
  }

  /** open connects to url and resolves once the WebSocket is open. */
  static open(WS: WebSocketConstructor, url: string, timeout: number): Promise<Link> {
    return new Promise((resolve, reject) => {
      let ws: WebSocketLike;
      try {
        ws = new WS(url);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      const timer = setTimeout(() => {
        ws.onopen = ws.onclose = null;
        abortSocket(ws);
        reject(new CloseError({ code: 1006, reason: "connect timeout" }));
      }, timeout);
      ws.onopen = () => {
        clearTimeout(timer);
        resolve(new Link(ws));
      };
      (ws as unknown as Handlers).onclose = (ev) => {
        clearTimeout(timer);
        reject(new CloseError({ code: ev.code, reason: ev.reason || "connection failed" }));
      };
      ws.onerror = () => {
        // A close event follows.
      };
    });
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  #message(data: unknown): void {
    if (this.#closed) return;
    this.lastFrameAt = Date.now();
    if (typeof data !== "string") {
      // Binary data is not a protocol frame; Node's ws hands text as Buffer
      // only when asked to, so a non-string is a fault of the server.
      data = String(data);
    }
    let f: Frame;
    try {
      f = JSON.parse(data as string) as Frame;
    } catch {
      this.abort(4001, "bad frame from the server");
      return;
    }
    if (typeof f !== "object" || f === null || typeof f.op !== "string") return;
    if (this.#onFrame) {
      this.#onFrame(f);
      return;
    }
    const w = this.#waiters.shift();
    if (w) w.resolve(f);
    else this.#queue.push(f);
  }

  #end(c: CloseInfo): void {
    if (this.#closed) return;
    this.#closed = c;
    this.#ws.onmessage = this.#ws.onclose = null;
    for (const w of this.#waiters.splice(0)) w.reject(new CloseError(c));
    this.#onClose?.(c);
  }

  /** read returns the next frame, within timeout milliseconds. */
  read(timeout: number): Promise<Frame> {
    const f = this.#queue.shift();
    if (f) return Promise.resolve(f);
    if (this.#closed) return Promise.reject(new CloseError(this.#closed));
    return new Promise((resolve, reject) => {
      const w = {
        resolve: (f: Frame) => {
          clearTimeout(timer);
          resolve(f);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(w);
        if (i >= 0) this.#waiters.splice(i, 1);
        this.abort(4000, "read timeout");
        reject(new CloseError({ code: 1006, reason: "read timeout" }));
      }, timeout);
      this.#waiters.push(w);
    });
  }

  /**
   * attach hands every later frame, and those already queued, to onFrame,
   * and the link's end to onClose.
   */
  attach(onFrame: (f: Frame) => void, onClose: (c: CloseInfo) => void): void {
    this.#onFrame = onFrame;
    this.#onClose = onClose;
    for (const f of this.#queue.splice(0)) {
      if (this.#onFrame !== onFrame) return;
      onFrame(f);
    }
    if (this.#closed) onClose(this.#closed);
  }

  /** send writes one frame; false when the link is closed. */
  send(f: Frame): boolean {
    if (this.#closed || this.#ws.readyState !== 1) return false;
    try {
      this.#ws.send(JSON.stringify(f));
      return true;
    } catch {
      return false;
    }
  }

  /** close ends the link with a close frame and reports it closed at once. */
  close(code: number, reason = ""): void {
    if (this.#closed) return;
    try {
      this.#ws.close(code, reason);
    } catch {
      // already closing
    }
    this.#end({ code, reason });
  }

  /**
   * abort cuts the link without waiting for the close handshake, as a
   * network failure would, and reports it closed at once with code (1006 by
   * default).
   */
  abort(code = 1006, reason = "connection lost"): void {
    if (this.#closed) return;
    abortSocket(this.#ws);
    this.#end({ code, reason });
  }
}

// abortSocket cuts a socket: ws's terminate() when there is one (no close
// handshake), else close().
function abortSocket(ws: WebSocketLike): void {
  const t = (ws as unknown as { terminate?: () => void }).terminate;
  try {
    if (typeof t === "function") t.call(ws);
    else ws.close(4000, "abort");
  } catch {
    // already closed
  }
}
