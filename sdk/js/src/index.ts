// @plazahq/sdk: the TypeScript SDK for Plaza.
//
// Two layers in one package:
//   - the typed core: PlazaClient (REST by operation ID, with request and
//     result types generated from api/openapi.yaml), GatewaySession
//     (identify, heartbeats, resume, gap filling by seq, resync, token
//     renewal, typed events), as the Go SDK's client.Conn;
//   - the ZIM facade: ZIM, a drop-in for the reference web SDK's community
//     API, with its enums and error codes.

// ---- the core ----
export { PlazaClient, type PlazaOptions } from "./core/client.js";
export { RestClient, buildRequest, type RestOptions, type CallOptions, type FetchLike, type HTTPRequest } from "./core/rest.js";
export {
  GatewaySession,
  gatewayURL,
  ReorderWait,
  type GatewayOptions,
  type GatewayOperations,
  type GatewayEvent,
  type Ready,
  type SessionState,
  type StateChange,
  type ConnStats,
} from "./core/gateway.js";
export { CloseError, type WebSocketLike, type WebSocketConstructor, type Frame, type CloseInfo } from "./core/link.js";
export { PlazaError, clientError, type ClientErrorCode, type ClientErrorObject } from "./core/errors.js";
export { routes, eventNames } from "./generated/api.js";
export type * from "./generated/api.js";
export type { Error as ErrorObject } from "./generated/api.js";

// ---- the ZIM facade ----
export { ZIM, version } from "./zim/zim.js";
export * from "./zim/enums.js";
export { ZIMErrorCode } from "./zim/errorcodes.js";
export { conversationIDOf, parseConversationID } from "./zim/convert.js";
export type * from "./zim/types.js";
export default ZIM;
import { ZIM } from "./zim/zim.js";
