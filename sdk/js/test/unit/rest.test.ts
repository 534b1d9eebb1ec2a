import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { buildRequest, RestClient, type FetchLike } from "../../src/core/rest.js";
import { PlazaError } from "../../src/core/errors.js";
import { routes } from "../../src/generated/api.js";

describe("buildRequest", () => {
  it("fills the path, escaping generated IDs", () => {
    const r = buildRequest("sendMessage", { communityID: "#Babc", channelID: "#general", message: { type: 1, message: "hi" } });
    expect(r).toEqual({ method: "POST", url: "/v1/communities/%23Babc/channels/%23general/messages", body: '{"message":{"type":1,"message":"hi"}}' });
  });

  it("sends a GET's fields as query parameters, lists repeated, empty ones left out", () => {
    const r = buildRequest("queryMessages", { communityID: "c", channelID: "ch", messageSeqs: [1, 2] });
    expect(r.url).toBe("/v1/communities/c/channels/ch/messages/lookup?messageSeqs=1&messageSeqs=2");
    const r2 = buildRequest("queryCommunityList", { count: 10, nextFlag: "" });
    expect(r2.url).toBe("/v1/communities?count=10");
    expect(r2.body).toBeUndefined();
  });

  it("keeps false, which is not empty", () => {
    expect(buildRequest("pinConversation", { communityID: "c", channelID: "ch", isPinned: false }).body).toBe('{"isPinned":false}');
  });

  it("sends no body when only path fields are given", () => {
    expect(buildRequest("joinCommunity", { communityID: "c" })).toEqual({ method: "POST", url: "/v1/communities/c/join" });
  });

  it("refuses a missing path field with invalid_argument naming it", () => {
    try {
      buildRequest("joinCommunity", {} as never);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PlazaError);
      expect((e as PlazaError).zimCode).toBe(6000001);
      expect((e as PlazaError).field).toBe("communityID");
    }
  });
});

describe("routes", () => {
  it("holds every client operation of api/openapi.yaml with its method and path", () => {
    const doc = parse(readFileSync(new URL("../../../../api/openapi.yaml", import.meta.url), "utf8")) as {
      paths: Record<string, Record<string, { operationId?: string; security?: unknown }>>;
    };
    const want: Record<string, string> = {};
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (op && typeof op === "object" && op.operationId && op.security === undefined) want[op.operationId] = `${method.toUpperCase()} ${path}`;
      }
    }
    const got: Record<string, string> = {};
    for (const [id, r] of Object.entries(routes)) got[id] = `${r.method} ${r.path}`;
    expect(got).toEqual(want);
  });
});

function fakeFetch(status: number, body: string, seen?: { url: string; init: Parameters<FetchLike>[1] }[]): FetchLike {
  return async (url, init) => {
    seen?.push({ url, init });
    return { status, text: async () => body };
  };
}

describe("RestClient", () => {
  it("calls the global fetch on the global object, as browsers require", async () => {
    const saved = globalThis.fetch;
    // A browser's fetch throws "Illegal invocation" when called on another object.
    globalThis.fetch = function (this: unknown) {
      if (this !== globalThis) throw new TypeError("Illegal invocation");
      return Promise.resolve(new Response('{"communityList":[],"nextFlag":""}', { status: 200 }));
    } as typeof fetch;
    try {
      const c = new RestClient({ baseURL: "http://h", token: "T" });
      await expect(c.call("queryCommunityList", {})).resolves.toEqual({ communityList: [], nextFlag: "" });
    } finally {
      globalThis.fetch = saved;
    }
  });
  it("sends the bearer token and decodes the result", async () => {
    const seen: { url: string; init: Parameters<FetchLike>[1] }[] = [];
    const c = new RestClient({ baseURL: "http://h/", token: "T", fetch: fakeFetch(200, '{"communityID":"c"}', seen) });
    await expect(c.call("leaveCommunity", { communityID: "c" })).resolves.toEqual({ communityID: "c" });
    expect(seen[0]!.url).toBe("http://h/v1/communities/c/leave");
    expect(seen[0]!.init.headers.Authorization).toBe("Bearer T");
  });

  it("rejects with the server's error object", async () => {
    const c = new RestClient({ baseURL: "http://h", token: "T", fetch: fakeFetch(409, '{"error":{"code":"member_muted","zimCode":7005001,"message":"muted","until":-1}}') });
    const e = (await c.call("leaveCommunity", { communityID: "c" }).catch((x: unknown) => x)) as PlazaError;
    expect(e).toBeInstanceOf(PlazaError);
    expect([e.code, e.zimCode, e.until, e.status]).toEqual(["member_muted", 7005001, -1, 409]);
  });

  it("reports a network failure and a non-JSON answer", async () => {
    const down = new RestClient({ baseURL: "http://h", token: "T", fetch: async () => Promise.reject(new Error("ECONNREFUSED")) });
    expect(((await down.call("queryCommunityList", {}).catch((x: unknown) => x)) as PlazaError).zimCode).toBe(6000104);
    const junk = new RestClient({ baseURL: "http://h", token: "T", fetch: fakeFetch(502, "<html>") });
    expect(((await junk.call("queryCommunityList", {}).catch((x: unknown) => x)) as PlazaError).code).toBe("bad_response");
  });
});
