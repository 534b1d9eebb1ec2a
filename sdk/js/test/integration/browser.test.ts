// The SDK from a browser's origin, as far as Node can play one: a plaza
// serve with an --origins allow-list, requests that carry an Origin header
// (fetch) and a WebSocket that sends one (ws's origin option). The server
// must answer the preflight of every request the SDK makes, with the
// methods and headers it uses, and refuse another origin.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { PlazaClient, PlazaError, ZIM, routes, type FetchLike } from "../../src/index.js";
import { Server } from "../helpers/server.js";

const app = "https://app.example";
let server: Server;
beforeAll(async () => {
  server = await Server.start(["--origins", app]);
});
afterAll(async () => {
  await server?.stop();
});

// browser returns what a page of origin uses: a fetch that sends the Origin
// header and records the headers sent and the answers' headers, and a
// WebSocket that sends the Origin header on its handshake.
function browser(origin: string) {
  const sent = new Set<string>();
  const answers: Headers[] = [];
  const fetchLike: FetchLike = async (input, init) => {
    for (const h of Object.keys(init.headers)) sent.add(h.toLowerCase());
    const r = await fetch(input, { ...init, headers: { ...init.headers, Origin: origin } });
    answers.push(r.headers);
    return r;
  };
  class OriginWebSocket extends WebSocket {
    constructor(url: string) {
      super(url, { origin });
    }
  }
  return { fetch: fetchLike, WebSocket: OriginWebSocket, sent, answers };
}

describe("the SDK from a browser origin", () => {
  it("gets a preflight answer for every method of the client API and the headers the SDK sends", async () => {
    const b = browser(app);
    const plaza = new PlazaClient({ baseURL: server.baseURL, token: server.token("pia"), fetch: b.fetch });
    await plaza.call("createCommunity", { communityID: "web", communityName: "Web" });
    await plaza.call("queryCommunityInfo", { communityID: "web" });
    // CORS-safelisted request headers need no permission.
    const needed = [...b.sent].filter((h) => h !== "accept");
    expect(needed.sort()).toEqual(["authorization", "content-type"]);
    const methods = [...new Set(Object.values(routes).map((r) => r.method))];
    for (const method of methods) {
      const r = await fetch(`${server.baseURL}/v1/communities/web`, {
        method: "OPTIONS",
        headers: { Origin: app, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": needed.join(",") },
      });
      expect(r.status).toBe(204);
      expect(r.headers.get("access-control-allow-origin")).toBe(app);
      const allowed = (r.headers.get("access-control-allow-methods") ?? "").split(/,\s*/);
      expect(allowed).toContain(method);
      const headers = (r.headers.get("access-control-allow-headers") ?? "").toLowerCase().split(/,\s*/);
      for (const h of needed) expect(headers).toContain(h);
    }
    // Every answer to the page may be read by it.
    expect(b.answers.length).toBe(2);
    for (const h of b.answers) {
      expect(h.get("access-control-allow-origin")).toBe(app);
      expect(h.get("access-control-expose-headers")).toContain("X-Request-ID");
    }
  });

  it("logs the facade in and works over the gateway from the allowed origin", async () => {
    const b = browser(app);
    const zim = new ZIM({ appID: server.appID, server: server.baseURL, fetch: b.fetch, WebSocket: b.WebSocket });
    await zim.login("pib", { token: server.token("pib") });
    const { communityInfo } = await zim.createCommunity({ communityID: "web2", communityName: "Web 2" }, {});
    expect(communityInfo.baseInfo.communityID).toBe("web2");
    zim.logout();
  });

  it("is refused from another origin", async () => {
    const b = browser("https://evil.example");
    const plaza = new PlazaClient({ baseURL: server.baseURL, token: server.token("pic"), fetch: b.fetch });
    const err = await plaza.call("queryCommunityList", {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlazaError);
    expect((err as PlazaError).code).toBe("origin_not_allowed");
    expect((err as PlazaError).zimCode).toBe(7000007);
    const zim = new ZIM({ appID: server.appID, server: server.baseURL, fetch: b.fetch, WebSocket: b.WebSocket });
    const refused = await zim.login("pic", { token: server.token("pic") }).then(
      () => undefined,
      (e: unknown) => e as { code: number },
    );
    // The gateway answers the handshake 403, which a WebSocket (a browser's
    // too) reports as a failed connection.
    expect(refused).toBeDefined();
    expect(refused!.code).toBe(6000104);
    zim.destroy();
  });
});
