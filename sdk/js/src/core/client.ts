import { routes, type OperationID, type RequestOf, type ResultOf } from "../generated/api.js";
import { PlazaError } from "./errors.js";
import { GatewaySession, type GatewayOptions } from "./gateway.js";
import type { WebSocketConstructor } from "./link.js";
import { RestClient, type FetchLike } from "./rest.js";

/** PlazaOptions configures a PlazaClient. */
export interface PlazaOptions {
  /** The server's base URL, such as `http://127.0.0.1:8080`. */
  baseURL: string;
  /** The user token (a JWT signed with the app's server secret). */
  token: string;
  /** The fetch implementation; globalThis.fetch by default. */
  fetch?: FetchLike;
  /** The WebSocket implementation; globalThis.WebSocket by default (in Node 20, pass the `ws` package's). */
  WebSocket?: WebSocketConstructor;
  /** How long connecting, and each call, may take (default 30,000 ms). */
  timeout?: number;
  /** Whether the gateway session reconnects and resumes after a drop (default true). */
  reconnect?: boolean;
  /** How long a message after a gap waits for the missing ones (default 250 ms). */
  reorderWait?: number;
}

/**
 * PlazaClient is the typed core: one user's REST client and, once
 * connected, its gateway session. `call` sends an operation over the
 * gateway while it is connected (one socket, replies in order with events)
 * and over HTTP otherwise.
 *
 *     const plaza = new PlazaClient({ baseURL: "http://127.0.0.1:8080", token });
 *     const session = await plaza.connect();
 *     session.on("messageReceived", (e) => console.log(e.messageList));
 *     await plaza.call("sendMessage", { communityID, channelID, message: { type: 1, message: "hi" } });
 */
export class PlazaClient {
  readonly rest: RestClient;
  #opts: PlazaOptions;
  #token: string;
  #session: GatewaySession | undefined;

  constructor(opts: PlazaOptions) {
    this.#opts = opts;
    this.#token = opts.token;
    const rest: ConstructorParameters<typeof RestClient>[0] = { baseURL: opts.baseURL, token: () => this.#token };
    if (opts.fetch) rest.fetch = opts.fetch;
    if (opts.timeout !== undefined) rest.timeout = opts.timeout;
    this.rest = new RestClient(rest);
  }

  /** token is the current user token. */
  get token(): string {
    return this.#token;
  }

  /** session is the gateway session, once connect resolved (until it ends). */
  get session(): GatewaySession | undefined {
    return this.#session;
  }

  /**
   * connect opens the gateway session. It gap-fills channels with
   * queryHistoryMessage through call. A refused token rejects with a
   * PlazaError (token_invalid, token_expired).
   */
  async connect(): Promise<GatewaySession> {
    if (this.#session && this.#session.state !== "closed") return this.#session;
    const o: GatewayOptions = {
      baseURL: this.#opts.baseURL,
      token: () => this.#token,
      history: (req) => this.call("queryHistoryMessage", req),
    };
    if (this.#opts.WebSocket) o.WebSocket = this.#opts.WebSocket;
    if (this.#opts.timeout !== undefined) o.timeout = this.#opts.timeout;
    if (this.#opts.reconnect !== undefined) o.reconnect = this.#opts.reconnect;
    if (this.#opts.reorderWait !== undefined) o.reorderWait = this.#opts.reorderWait;
    const s = await GatewaySession.connect(o);
    this.#session = s;
    void s.ended.then(() => {
      if (this.#session === s) this.#session = undefined;
    });
    return s;
  }

  /**
   * call sends one operation and resolves with its result: over the gateway
   * while it is connected, over HTTP otherwise. A request whose connection
   * dropped before the reply is sent again over HTTP when that is safe (a
   * read, or a send carrying a clientMessageID, which the server dedupes);
   * otherwise it rejects with `network_error`.
   */
  async call<K extends OperationID>(operation: K, req: RequestOf<K>): Promise<ResultOf<K>> {
    const s = this.#session;
    if (s && s.state === "connected") {
      try {
        return await s.request(operation, req);
      } catch (e) {
        if (!(e instanceof PlazaError)) throw e;
        if (e.code === "not_connected" || (e.code === "network_error" && retrySafe(operation, req))) {
          return this.rest.call(operation, req);
        }
        throw e;
      }
    }
    return this.rest.call(operation, req);
  }

  /**
   * renewToken replaces the user token: the gateway session takes it in
   * place (renewToken), and later HTTP calls and resumes use it.
   */
  async renewToken(token: string): Promise<{ tokenExpiresAt: number }> {
    const s = this.#session;
    if (s && s.state === "connected") {
      const r = await s.renewToken(token);
      this.#token = token;
      return r;
    }
    if (s && s.state !== "closed") {
      // Reconnecting: the resume carries the new token.
      this.#token = token;
      return { tokenExpiresAt: 0 };
    }
    this.#token = token;
    return { tokenExpiresAt: 0 };
  }

  /** close ends the gateway session. */
  close(): void {
    this.#session?.close();
    this.#session = undefined;
  }
}

function retrySafe(operation: OperationID, req: object): boolean {
  if (routes[operation].method === "GET") return true;
  return (operation === "sendMessage" || operation === "replyMessage") && typeof (req as { clientMessageID?: unknown }).clientMessageID === "string";
}
