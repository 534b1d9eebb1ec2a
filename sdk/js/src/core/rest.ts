import { routes, type OperationID, type RequestOf, type ResultOf, type Route } from "../generated/api.js";
import { PlazaError, clientError, isErrorObject } from "./errors.js";

/** FetchLike is the part of the Fetch API the SDK uses (globalThis.fetch by default). */
export type FetchLike = (input: string, init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<{
  status: number;
  text(): Promise<string>;
}>;

/** RestOptions configures a RestClient. */
export interface RestOptions {
  /** The server's base URL, such as `http://127.0.0.1:8080`. */
  baseURL: string;
  /** The user token, or a function that returns the current one. */
  token: string | (() => string);
  /** The fetch implementation; globalThis.fetch by default. */
  fetch?: FetchLike;
  /** How long one call may take, in milliseconds (default 30,000; 0: no limit). */
  timeout?: number;
}

/** CallOptions adjusts one call. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** HTTPRequest is how one operation call travels over HTTP. */
export interface HTTPRequest {
  method: Route["method"];
  /** The path with its query string, relative to the base URL. */
  url: string;
  /** The JSON body, when the operation takes one and the request has body fields. */
  body?: string;
}

/**
 * buildRequest turns an operation call into its HTTP request, by the route
 * table generated from the API document: path parameters fill the path, a
 * GET sends the other fields as query parameters (a list as repeated
 * parameters), any other method as one JSON object. Absent, null and empty
 * values are left out, as the Go SDK does.
 */
export function buildRequest(operation: OperationID, req: object | undefined): HTTPRequest {
  const route: Route | undefined = routes[operation];
  if (!route) throw clientErrorUnknown(operation);
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(req ?? {})) {
    if (v === undefined || v === null || v === "") continue;
    if (Array.isArray(v) && v.length === 0) continue;
    fields[k] = v;
  }
  let path = route.path;
  for (const name of route.pathParams) {
    const v = fields[name];
    if (v === undefined) {
      throw new PlazaError({ code: "invalid_argument", zimCode: 6000001, message: `${name} must not be empty`, field: name }, 400);
    }
    path = path.replace(`{${name}}`, encodeURIComponent(String(v)));
    delete fields[name];
  }
  if (route.method === "GET") {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) {
      if (Array.isArray(v)) for (const e of v) q.append(k, String(e));
      else q.append(k, String(v));
    }
    const qs = q.toString();
    return { method: route.method, url: qs ? `${path}?${qs}` : path };
  }
  if (Object.keys(fields).length === 0) return { method: route.method, url: path };
  return { method: route.method, url: path, body: JSON.stringify(fields) };
}

function clientErrorUnknown(operation: string): PlazaError {
  return new PlazaError({ code: "unknown_operation", zimCode: 7000005, message: `unknown operation ${operation}` }, 0);
}

/**
 * RestClient calls the HTTP API as one user: `call(operationID, request)`
 * for every client operation of the API document, with its generated
 * request and result types. A failure rejects with a PlazaError carrying the
 * server's error object.
 */
export class RestClient {
  readonly baseURL: string;
  #token: () => string;
  #fetch: FetchLike;
  #timeout: number;

  constructor(opts: RestOptions) {
    this.baseURL = opts.baseURL.replace(/\/+$/, "");
    const t = opts.token;
    this.#token = typeof t === "function" ? t : () => t;
    // Browsers refuse fetch called on another object than the window:
    // bind it to the global object.
    const g = globalThis.fetch as unknown as FetchLike | undefined;
    const f = opts.fetch ?? (g ? g.bind(globalThis) : undefined);
    if (!f) throw new TypeError("plaza: no fetch implementation: pass one in the options");
    this.#fetch = f;
    this.#timeout = opts.timeout ?? 30_000;
  }

  /** call sends one operation and resolves with its result. */
  async call<K extends OperationID>(operation: K, req: RequestOf<K>, opts: CallOptions = {}): Promise<ResultOf<K>> {
    const hr = buildRequest(operation, req);
    const headers: Record<string, string> = { Authorization: `Bearer ${this.#token()}`, Accept: "application/json" };
    if (hr.body !== undefined) headers["Content-Type"] = "application/json";
    const ctl = new AbortController();
    const timer = this.#timeout > 0 ? setTimeout(() => ctl.abort(), this.#timeout) : undefined;
    const onAbort = () => ctl.abort();
    opts.signal?.addEventListener("abort", onAbort);
    let status: number;
    let text: string;
    try {
      const init: Parameters<FetchLike>[1] = { method: hr.method, headers, signal: ctl.signal };
      if (hr.body !== undefined) init.body = hr.body;
      const resp = await this.#fetch(this.baseURL + hr.url, init);
      status = resp.status;
      text = await resp.text();
    } catch (e) {
      if (ctl.signal.aborted && !opts.signal?.aborted) throw clientError("timeout", `plaza: ${operation}: no answer within ${this.#timeout} ms`);
      throw clientError("network_error", `plaza: ${operation}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
    }
    let body: unknown;
    try {
      body = text === "" ? {} : JSON.parse(text);
    } catch {
      throw clientError("bad_response", `plaza: ${operation}: HTTP ${status}: the answer is not JSON`);
    }
    if (status < 200 || status > 299) {
      const obj = (body as { error?: unknown }).error;
      if (isErrorObject(obj)) throw new PlazaError(obj, status);
      throw clientError("bad_response", `plaza: ${operation}: HTTP ${status} without an error object`);
    }
    return body as ResultOf<K>;
  }
}
