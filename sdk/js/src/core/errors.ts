import type { Error as ErrorObject, ErrorCode } from "../generated/api.js";

/**
 * PlazaError is a failed call: the server's error object (SPEC §9), or one
 * the SDK makes for a failure that never reached the server (code
 * `network_error`, `not_connected`, `timeout`, `closed`).
 */
export class PlazaError extends Error {
  /** The stable string code (`community_not_found`, …). */
  readonly code: ErrorCode | ClientErrorCode;
  /** The numeric code: the reference's where one exists, else Plaza's own (7000000 on). */
  readonly zimCode: number;
  /** The request field at fault, when one is. */
  readonly field: string | undefined;
  /** When a temporary refusal ends (Unix ms; -1 never), when it applies. */
  readonly until: number | undefined;
  /** The HTTP status of a REST call; 0 for gateway replies and client-side failures. */
  readonly status: number;

  constructor(obj: ErrorObject | ClientErrorObject, status = 0) {
    super(obj.message);
    this.name = "PlazaError";
    this.code = obj.code;
    this.zimCode = obj.zimCode;
    this.field = obj.field;
    this.until = obj.until;
    this.status = status;
  }

  /** toJSON returns the error object as the server would send it. */
  toJSON(): ErrorObject | ClientErrorObject {
    const o: ClientErrorObject = { code: this.code, zimCode: this.zimCode, message: this.message };
    if (this.field !== undefined) o.field = this.field;
    if (this.until !== undefined) o.until = this.until;
    return o as ErrorObject | ClientErrorObject;
  }
}

/**
 * ClientErrorCode names the failures the SDK itself reports. Their numeric
 * codes are the reference SDK's for the same situation.
 */
export type ClientErrorCode = "network_error" | "not_connected" | "timeout" | "closed" | "bad_response";

/** ClientErrorObject is the error object of a failure the SDK made. */
export interface ClientErrorObject {
  code: ErrorCode | ClientErrorCode;
  zimCode: number;
  message: string;
  field?: string;
  until?: number;
}

const clientZimCodes: Record<ClientErrorCode, number> = {
  network_error: 6000104, // NetworkModuleNetworkError
  not_connected: 6000121, // NetworkModuleUserIsNotLogged
  timeout: 6000105, // NetworkModuleRequestTimeout
  closed: 6000122, // NetworkModuleUserHasAlreadyLoggedOut
  bad_response: 6000109, // NetworkModuleRspProtoParseError
};

/** clientError makes a PlazaError for a failure that never reached the server. */
export function clientError(code: ClientErrorCode, message: string): PlazaError {
  return new PlazaError({ code, zimCode: clientZimCodes[code], message });
}

/** isErrorObject reports whether v has the shape of the server's error object. */
export function isErrorObject(v: unknown): v is ErrorObject {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.code === "string" && typeof o.zimCode === "number" && typeof o.message === "string";
}
