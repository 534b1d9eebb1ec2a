import type {
  Community,
  EventMap,
  EventName,
  Message,
  MessageListEvent,
  Operations,
  QueryHistoryMessageRequest,
  QueryHistoryMessageResult,
} from "../generated/api.js";
import { PlazaError, clientError, isErrorObject } from "./errors.js";
import { CloseError, Link, type CloseInfo, type Frame, type WebSocketConstructor } from "./link.js";

/** Ready is what the server says when a session starts (docs/gateway.md). */
export interface Ready {
  sessionID: string;
  appID: string;
  userID: string;
  protocolVersion: number;
  /** Milliseconds between heartbeats. */
  heartbeatInterval: number;
  /** When the session's token expires (Unix ms). */
  tokenExpiresAt: number;
  /** The member count from which a community is large (0: passive delivery off). */
  passiveThreshold?: number;
  /** How long (ms) the session can be resumed after its connection drops. */
  resumeWindow?: number;
  /** Every community of the user, as queryCommunityList returns its entries. */
  communityList: Community[];
}

/** GatewayOperations are the requests a session takes: every operation of the API, renewToken and setActiveCommunities. */
export interface GatewayOperations extends Operations {
  renewToken: { request: { token: string }; result: { tokenExpiresAt: number } };
  setActiveCommunities: { request: { communityIDs: string[] }; result: { communityIDs: string[] } };
}

/**
 * GatewayEvent is one event as the application sees it: a dispatch, or
 * messages the SDK fetched to fill a gap (recovered: true, seq 0).
 */
export interface GatewayEvent<K extends EventName = EventName> {
  name: K;
  /** The session's sequence number of the dispatch; 0 for recovered messages and kept messages delivered after a gap. */
  seq: number;
  data: EventMap[K];
  /** True for messages the SDK fetched from history (after a resync, or a lost push). */
  recovered: boolean;
}

/** SessionState is where a session stands. */
export type SessionState = "connecting" | "connected" | "reconnecting" | "closed";

/** StateChange tells the application that the session's state changed, and why. */
export interface StateChange {
  state: SessionState;
  /** The close code of the connection that dropped or ended. */
  code?: number;
  /** Why the session ended for good (state "closed"), when not by close(). */
  error?: PlazaError | CloseError;
  /** The session came back: resumed (nothing lost) or resynced (a new session; missed messages were fetched). */
  restored?: "resumed" | "resynced";
}

/** ConnStats counts what a session went through. */
export interface ConnStats {
  reconnects: number;
  resumes: number;
  resyncs: number;
  recoveredMessages: number;
  duplicatesSkipped: number;
  lastDisconnectCode: number;
}

/** GatewayOptions configures a session. */
export interface GatewayOptions {
  /** The server's base URL (http[s]://host:port); the gateway is at /v1/gateway. */
  baseURL: string;
  /** The current user token. */
  token: () => string;
  /** The WebSocket implementation; globalThis.WebSocket by default (in Node 20, pass the `ws` package's). */
  WebSocket?: WebSocketConstructor;
  /** Fetches a channel's history to fill gaps (queryHistoryMessage). */
  history: (req: QueryHistoryMessageRequest) => Promise<QueryHistoryMessageResult>;
  /** Whether to reconnect and resume after a connection drops (default true). */
  reconnect?: boolean;
  /** How long a message after a gap waits for the missing ones before they are fetched (default 250 ms). */
  reorderWait?: number;
  /** How long connecting, and each request, may take (default 30,000 ms). */
  timeout?: number;
}

/** ReorderWait is how long (ms) a message that arrives after a gap waits for the missing ones before the SDK fetches them. */
export const ReorderWait = 250;

/** gatewayURL turns the API's base URL into the gateway's URL. */
export function gatewayURL(base: string): string {
  base = base.replace(/\/+$/, "");
  if (base.startsWith("https://")) return "wss://" + base.slice("https://".length) + "/v1/gateway";
  if (base.startsWith("http://")) return "ws://" + base.slice("http://".length) + "/v1/gateway";
  return base + "/v1/gateway";
}

// terminal reports whether a close code ends a session for good: the SDK
// does not reconnect after it (docs/gateway.md, close codes).
function terminal(code: number): boolean {
  return [1000, 1003, 1007, 1009, 4001, 4002, 4003, 4004, 4007, 4009].includes(code);
}

interface ChannelState {
  /** The last seq delivered. */
  last: number;
  /** Messages after a gap, by seq. */
  pending: Map<number, Message>;
  /** Fires the repair of the gap. */
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface Pending {
  resolve: (d: unknown) => void;
  reject: (e: PlazaError) => void;
  timer: ReturnType<typeof setTimeout>;
}

type Listener = (e: GatewayEvent) => void;

type ResolvedOptions = Required<Omit<GatewayOptions, "WebSocket">> & { WebSocket: WebSocketConstructor };

/**
 * GatewaySession is a gateway session that survives its connections: when
 * one drops, it reconnects with backoff and jitter and resumes; when the
 * server cannot resume (resync), it starts anew and fetches each tracked
 * channel's messages after the last one delivered. The application sees each
 * channel's messages exactly once, in seq order. It behaves as the Go SDK's
 * client.Conn.
 */
export class GatewaySession {
  #opts: ResolvedOptions;
  #link: Link | undefined;
  #ready: Ready;
  #lastS = 0;
  #nextID = 0;
  #pending = new Map<string, Pending>();
  #chans = new Map<string, ChannelState>();
  #listeners = new Set<Listener>();
  #stateListeners = new Set<(c: StateChange) => void>();
  #state: SessionState = "connecting";
  #closing = false;
  #refusal: PlazaError | undefined;
  #heartbeat: ReturnType<typeof setTimeout> | undefined;
  #active: string[] = [];
  // Dispatches and repairs run one after the other on this chain, so that a
  // repair (which awaits history) holds later messages back, as the Go SDK's
  // delivery lock does.
  #chain: Promise<void> = Promise.resolve();
  #ended: Promise<PlazaError | CloseError>;
  #end!: (e: PlazaError | CloseError) => void;
  readonly stats: ConnStats = { reconnects: 0, resumes: 0, resyncs: 0, recoveredMessages: 0, duplicatesSkipped: 0, lastDisconnectCode: 0 };

  private constructor(opts: ResolvedOptions, link: Link, ready: Ready, interval: number) {
    this.#opts = opts;
    this.#ready = ready;
    this.#ended = new Promise((r) => (this.#end = r));
    this.#start(link, interval);
    this.#state = "connected";
  }

  /**
   * connect opens a session with the token and resolves once the server is
   * ready. A refused token rejects with a PlazaError (token_invalid,
   * token_expired).
   */
  static async connect(options: GatewayOptions): Promise<GatewaySession> {
    const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS) throw new TypeError("plaza: no WebSocket implementation: pass one in the options (in Node 20, the ws package's)");
    const opts: ResolvedOptions = {
      baseURL: options.baseURL,
      token: options.token,
      WebSocket: WS,
      history: options.history,
      reconnect: options.reconnect ?? true,
      reorderWait: options.reorderWait ?? ReorderWait,
      timeout: options.timeout ?? 30_000,
    };
    const { link, interval } = await dial(opts);
    link.send({ op: "identify", d: { token: opts.token(), protocolVersion: 1 } });
    let ready: Ready;
    try {
      ready = await awaitReady(link, opts.timeout);
    } catch (e) {
      link.abort(1000, "identify failed");
      throw toError(e);
    }
    return new GatewaySession(opts, link, ready, interval);
  }

  /** ready is the current session's ready payload (a resync replaces it). */
  get ready(): Ready {
    return this.#ready;
  }

  /** state is where the session stands. */
  get state(): SessionState {
    return this.#state;
  }

  /** ended resolves when the session ends for good, with why. */
  get ended(): Promise<PlazaError | CloseError> {
    return this.#ended;
  }

  /** onEvent calls fn with every event, in order; it returns the function that stops it. */
  onEvent(fn: (e: GatewayEvent) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** on calls fn with the payload of every event named name. */
  on<K extends EventName>(name: K, fn: (data: EventMap[K], e: GatewayEvent<K>) => void): () => void {
    return this.onEvent((e) => {
      if (e.name === name) fn(e.data as EventMap[K], e as GatewayEvent<K>);
    });
  }

  /** onState calls fn whenever the session's state changes. */
  onState(fn: (c: StateChange) => void): () => void {
    this.#stateListeners.add(fn);
    return () => this.#stateListeners.delete(fn);
  }

  /**
   * request sends an operation over the session and resolves with its
   * result. While the connection is being restored it rejects at once with
   * `not_connected` (the request was not sent); a connection that drops
   * before the reply rejects it with `network_error` (it may have run).
   */
  request<K extends keyof GatewayOperations>(operation: K, req: GatewayOperations[K]["request"], timeout = this.#opts.timeout): Promise<GatewayOperations[K]["result"]> {
    if (this.#state === "closed") return Promise.reject(clientError("closed", "plaza: the gateway session has ended"));
    const link = this.#link;
    if (!link || link.closed) return Promise.reject(clientError("not_connected", "plaza: gateway not connected; retry"));
    const id = String(++this.#nextID);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(clientError("timeout", `plaza: ${operation}: no reply within ${timeout} ms`));
      }, timeout);
      this.#pending.set(id, { resolve: resolve as (d: unknown) => void, reject, timer });
      if (!link.send({ op: "request", id, t: operation, d: req })) {
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(clientError("not_connected", "plaza: gateway not connected; retry"));
      }
    });
  }

  /**
   * track tells the session that the application has shown a channel's
   * messages up to lastSeq (0: none), for example after loading its history.
   * From then on every later message of the channel is delivered exactly
   * once, in seq order, through resumes, resyncs and lost pushes. A channel
   * the application does not track is tracked from the first message it
   * receives. A channel already tracked further is left as it is.
   */
  track(communityID: string, channelID: string, lastSeq: number): void {
    const k = key(communityID, channelID);
    const st = this.#chans.get(k);
    if (st && st.last >= lastSeq) return;
    if (st) {
      st.last = lastSeq;
      for (const seq of st.pending.keys()) if (seq <= lastSeq) st.pending.delete(seq);
      return;
    }
    this.#chans.set(k, { last: lastSeq, pending: new Map(), timer: undefined });
  }

  /** lastSeq returns the seq of the last message delivered in a channel (0: none, or not tracked). */
  lastSeq(communityID: string, channelID: string): number {
    return this.#chans.get(key(communityID, channelID))?.last ?? 0;
  }

  /**
   * setActiveCommunities marks the communities whose every event the
   * session wants (at most 16). In a community past the server's passive
   * threshold, a session that has not marked it active receives only
   * channelHeadsUpdated, its own membership changes and what mentions it.
   * The mark is kept across resumes; after a resync the session marks them
   * again.
   */
  async setActiveCommunities(communityIDs: string[]): Promise<void> {
    this.#active = [...communityIDs];
    await this.request("setActiveCommunities", { communityIDs });
  }

  /** renewToken hands the session a new token for the same user, without reconnecting. */
  renewToken(token: string): Promise<{ tokenExpiresAt: number }> {
    return this.request("renewToken", { token });
  }

  /** close ends the session. */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    const link = this.#link;
    if (link) link.close(1000);
    else this.#finish(new CloseError({ code: 1000, reason: "" }));
  }

  /** drop cuts the current connection without a close frame, as a network failure would; the session then resumes. For tests of resilience. */
  drop(): void {
    this.#link?.abort(1006, "dropped");
  }

  // ---- connections ----

  #start(link: Link, interval: number): void {
    this.#link = link;
    this.#refusal = undefined;
    this.#startHeartbeat(link, interval);
    link.attach(
      (f) => this.#frame(f),
      (c) => this.#linkClosed(link, c),
    );
  }

  #frame(f: Frame): void {
    switch (f.op) {
      case "dispatch":
        this.#enqueue(() => this.#dispatch(f));
        return;
      case "reply": {
        const p = f.id !== undefined ? this.#pending.get(f.id) : undefined;
        if (!p) return;
        this.#pending.delete(f.id!);
        clearTimeout(p.timer);
        if (f.error) p.reject(isErrorObject(f.error) ? new PlazaError(f.error) : clientError("bad_response", "plaza: bad error in reply"));
        else p.resolve(f.d ?? {});
        return;
      }
      case "error":
        if (f.error && isErrorObject(f.error)) this.#refusal = new PlazaError(f.error);
        return;
    }
  }

  #linkClosed(link: Link, c: CloseInfo): void {
    if (this.#link !== link) return;
    this.#link = undefined;
    this.#stopHeartbeat();
    this.#failPending();
    this.stats.lastDisconnectCode = c.code;
    if (this.#closing) {
      this.#finish(new CloseError({ code: 1000, reason: "" }));
      return;
    }
    if (this.#refusal) {
      this.#finish(this.#refusal);
      return;
    }
    if (terminal(c.code) || !this.#opts.reconnect) {
      this.#finish(new CloseError(c));
      return;
    }
    this.#setState({ state: "reconnecting", code: c.code });
    void this.#restore();
  }

  #failPending(): void {
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(clientError("network_error", "plaza: the gateway connection dropped before the reply"));
      this.#pending.delete(id);
    }
  }

  #finish(e: PlazaError | CloseError): void {
    if (this.#state === "closed") return;
    this.#stopHeartbeat();
    for (const st of this.#chans.values()) if (st.timer) clearTimeout(st.timer);
    const change: StateChange = { state: "closed" };
    if (e instanceof CloseError) change.code = e.code;
    if (!(e instanceof CloseError && e.code === 1000 && this.#closing)) change.error = e;
    this.#setState(change);
    this.#end(e);
  }

  #setState(c: StateChange): void {
    this.#state = c.state;
    for (const fn of [...this.#stateListeners]) {
      try {
        fn(c);
      } catch (e) {
        report(e);
      }
    }
  }

  // restore reconnects with backoff until a connection resumes the session,
  // or starts a new one and repairs what was missed.
  async #restore(): Promise<void> {
    let backoff = 100;
    for (;;) {
      await sleep(Math.random() * backoff);
      if (this.#closing) {
        this.#finish(new CloseError({ code: 1000, reason: "" }));
        return;
      }
      backoff = Math.min(2 * backoff, 5000);
      this.stats.reconnects++;
      let link: Link;
      let interval: number;
      try {
        ({ link, interval } = await dial(this.#opts));
      } catch {
        continue;
      }
      if (this.#closing) {
        link.close(1000);
        continue;
      }
      link.send({ op: "resume", d: { sessionID: this.#ready.sessionID, seq: this.#lastS, token: this.#opts.token() } });
      let f: Frame;
      try {
        f = await link.read(this.#opts.timeout);
      } catch (e) {
        link.abort();
        if (e instanceof CloseError && terminal(e.code)) {
          this.#finish(e);
          return;
        }
        continue;
      }
      if (this.#closing || this.#state === "closed") {
        link.close(1000);
        this.#finish(new CloseError({ code: 1000, reason: "" }));
        return;
      }
      switch (f.op) {
        case "error":
          link.abort(1000);
          this.#finish(isErrorObject(f.error) ? new PlazaError(f.error) : new CloseError({ code: 4000, reason: "resume refused" }));
          return; // the token no longer works
        case "resumed":
          this.stats.resumes++;
          this.#start(link, interval);
          this.#setState({ state: "connected", restored: "resumed" });
          return;
        case "resync": {
          let ready: Ready;
          try {
            ready = await awaitReady(link, this.#opts.timeout);
          } catch {
            link.abort();
            continue;
          }
          this.stats.resyncs++;
          this.#ready = ready;
          this.#lastS = 0;
          // Events pushed in between were lost: fetch every channel's
          // messages after the last one delivered, before any new dispatch.
          this.#enqueue(() => this.#repairAll());
          this.#start(link, interval);
          this.#setState({ state: "connected", restored: "resynced" });
          if (this.#active.length > 0) this.request("setActiveCommunities", { communityIDs: this.#active }).catch(() => {});
          return;
        }
      }
      link.abort();
    }
  }

  // ---- heartbeats ----

  // startHeartbeat sends heartbeats every interval, the first after a random
  // part of it, so that clients reconnecting together do not beat together.
  // Each carries the last dispatch received, so the server keeps nothing
  // before it for a resume. A link silent for two intervals (the server acks
  // every heartbeat) is taken for dead and cut, so that the session resumes.
  #startHeartbeat(link: Link, interval: number): void {
    this.#stopHeartbeat();
    if (!(interval > 0)) interval = 30_000;
    const beat = () => {
      if (Date.now() - link.lastFrameAt > 2 * interval) {
        link.abort(1006, "no heartbeat ack");
        return;
      }
      if (!link.send({ op: "heartbeat", d: { seq: this.#lastS } })) return;
      this.#heartbeat = setTimeout(beat, interval);
    };
    this.#heartbeat = setTimeout(beat, Math.random() * interval);
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat !== undefined) clearTimeout(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  // ---- delivery ----

  #enqueue(task: () => void | Promise<void>): void {
    this.#chain = this.#chain.then(task).catch(report);
  }

  // dispatch hands one dispatch to the application. Message events pass
  // through a per-channel filter: duplicates are dropped, a message after a
  // gap waits up to reorderWait for the missing ones, which are then fetched
  // from history.
  #dispatch(f: Frame): void {
    if (this.#state === "closed") return;
    const s = f.s ?? 0;
    if (s <= this.#lastS) return; // replayed twice: already delivered
    this.#lastS = s;
    const name = f.t as EventName;
    if (name !== "messageReceived") {
      this.#deliver({ name, seq: s, data: f.d as EventMap[EventName], recovered: false });
      return;
    }
    const head = f.d as MessageListEvent;
    if (!head || !Array.isArray(head.messageList)) {
      this.#deliver({ name, seq: s, data: head, recovered: false });
      return;
    }
    const k = key(head.communityID, head.channelID);
    let st = this.#chans.get(k);
    let inOrder = true;
    for (const m of head.messageList) {
      const seq = m.messageSeq ?? 0;
      if (seq === 0) continue; // a command: not stored, not numbered
      if (!st) {
        // Untracked until now: tracked from here.
        st = { last: seq - 1, pending: new Map(), timer: undefined };
        this.#chans.set(k, st);
      }
      inOrder = inOrder && seq === st.last + 1 && st.pending.size === 0;
      if (inOrder) st.last = seq;
    }
    if (inOrder || !st) {
      this.#deliver({ name, seq: s, data: head, recovered: false }); // the common case: as it came
      return;
    }
    for (const m of head.messageList) this.#accept(head.communityID, head.channelID, k, st, m, s);
  }

  // accept takes one message of a channel that is out of order (or follows
  // one that was): delivered if next, kept if early, dropped if seen.
  #accept(communityID: string, channelID: string, k: string, st: ChannelState, m: Message, s: number): void {
    const seq = m.messageSeq ?? 0;
    if (seq === 0) {
      this.#deliverMessages(communityID, channelID, [m], s, false);
      return;
    }
    if (seq <= st.last) {
      this.stats.duplicatesSkipped++;
      return;
    }
    if (seq > st.last + 1) {
      if (st.pending.has(seq)) this.stats.duplicatesSkipped++;
      st.pending.set(seq, m);
      if (!st.timer) st.timer = setTimeout(() => this.#enqueue(() => this.#gapTimedOut(communityID, channelID, k)), this.#opts.reorderWait);
      return;
    }
    st.last = seq;
    this.#deliverMessages(communityID, channelID, [m], s, false);
    this.#flushPending(communityID, channelID, st);
  }

  // flushPending delivers the kept messages that follow the last delivered one.
  #flushPending(communityID: string, channelID: string, st: ChannelState): void {
    for (;;) {
      const m = st.pending.get(st.last + 1);
      if (!m) break;
      st.pending.delete(st.last + 1);
      st.last++;
      this.#deliverMessages(communityID, channelID, [m], 0, false);
    }
    for (const seq of st.pending.keys()) if (seq <= st.last) st.pending.delete(seq);
    if (st.pending.size === 0 && st.timer) {
      clearTimeout(st.timer);
      st.timer = undefined;
    }
  }

  // gapTimedOut fetches the messages still missing before the earliest kept
  // one, then delivers what follows.
  async #gapTimedOut(communityID: string, channelID: string, k: string): Promise<void> {
    const st = this.#chans.get(k);
    if (!st) return;
    st.timer = undefined;
    if (st.pending.size === 0) return;
    const first = Math.min(...st.pending.keys());
    await this.#repair(communityID, channelID, st, first - 1);
    this.#flushPending(communityID, channelID, st);
  }

  // repairAll fetches, for every channel tracked, the messages after the
  // last one delivered.
  async #repairAll(): Promise<void> {
    for (const [k, st] of this.#chans) {
      const [communityID, channelID] = unkey(k);
      await this.#repair(communityID, channelID, st, 0);
      this.#flushPending(communityID, channelID, st);
    }
  }

  // repair delivers, as recovered events, the messages of a channel after
  // the last one delivered, up to until (0: up to the newest).
  async #repair(communityID: string, channelID: string, st: ChannelState, until: number): Promise<void> {
    while (until === 0 || st.last < until) {
      if (this.#state === "closed") return;
      let page: QueryHistoryMessageResult;
      try {
        page = await this.#opts.history({ communityID, channelID, nextMessageSeq: st.last, reverse: true, count: 100 });
      } catch {
        return; // the channel may be gone or closed to us: nothing to repair
      }
      const list: Message[] = [];
      for (const m of page.messageList) {
        if (until > 0 && m.messageSeq > until) break;
        if (m.messageSeq <= st.last) continue;
        list.push(m);
        st.last = m.messageSeq;
      }
      if (list.length === 0) return;
      this.stats.recoveredMessages += list.length;
      this.#deliverMessages(communityID, channelID, list, 0, true);
      if (page.nextMessageSeq === 0) return;
    }
  }

  #deliverMessages(communityID: string, channelID: string, messageList: Message[], s: number, recovered: boolean): void {
    this.#deliver({ name: "messageReceived", seq: s, data: { communityID, channelID, messageList }, recovered });
  }

  #deliver(e: GatewayEvent): void {
    for (const fn of [...this.#listeners]) {
      try {
        fn(e);
      } catch (err) {
        report(err);
      }
    }
  }
}

// dial opens a connection and reads hello.
async function dial(opts: { baseURL: string; WebSocket: WebSocketConstructor; timeout: number }): Promise<{ link: Link; interval: number }> {
  let link: Link;
  try {
    link = await Link.open(opts.WebSocket, gatewayURL(opts.baseURL), opts.timeout);
  } catch (e) {
    throw e instanceof CloseError ? e : new CloseError({ code: 1006, reason: e instanceof Error ? e.message : String(e) });
  }
  const hello = await link.read(opts.timeout).catch((e: unknown) => {
    link.abort();
    throw e;
  });
  if (hello.op !== "hello") {
    link.abort();
    throw new CloseError({ code: 4000, reason: `expected hello, got ${hello.op}` });
  }
  const interval = Number((hello.d as { heartbeatInterval?: unknown } | undefined)?.heartbeatInterval) || 30_000;
  return { link, interval };
}

// awaitReady reads frames until ready (or an error frame).
async function awaitReady(link: Link, timeout: number): Promise<Ready> {
  for (;;) {
    const f = await link.read(timeout);
    if (f.op === "error") throw isErrorObject(f.error) ? new PlazaError(f.error) : new CloseError({ code: 4000, reason: "identify refused" });
    if (f.op === "ready") return f.d as Ready;
  }
}

function toError(e: unknown): PlazaError | CloseError {
  if (e instanceof PlazaError || e instanceof CloseError) return e;
  return clientError("network_error", e instanceof Error ? e.message : String(e));
}

function key(communityID: string, channelID: string): string {
  return `${communityID}\u0000${channelID}`;
}

function unkey(k: string): [string, string] {
  const i = k.indexOf("\u0000");
  return [k.slice(0, i), k.slice(i + 1)];
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// report shows an error thrown by an application's listener without
// breaking delivery.
function report(e: unknown): void {
  const r = (globalThis as { reportError?: (e: unknown) => void }).reportError;
  if (typeof r === "function") r(e);
  else console.error(e);
}
