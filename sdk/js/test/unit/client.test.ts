// PlazaClient: calls travel over the gateway while it is connected, over
// HTTP otherwise, and are retried over HTTP only when that is safe.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { PlazaClient } from "../../src/core/client.js";
import { PlazaError } from "../../src/core/errors.js";
import type { FetchLike } from "../../src/core/rest.js";
import { FakeGateway } from "../helpers/fakegateway.js";

let gw: FakeGateway;
let client: PlazaClient | undefined;
beforeEach(async () => {
  gw = await FakeGateway.start();
});
afterEach(async () => {
  client?.close();
  await gw.close();
});

async function connected(): Promise<{ c: PlazaClient; http: string[] }> {
  const http: string[] = [];
  const fetch: FetchLike = async (url, init) => {
    http.push(`${init.method} ${url.replace(gw.baseURL, "")}`);
    return { status: 200, text: async () => '{"communityList":[],"nextFlag":""}' };
  };
  const c = new PlazaClient({ baseURL: gw.baseURL, token: "tok", WebSocket, fetch, timeout: 3000 });
  client = c;
  const p = c.connect();
  const conn = await gw.accept(0);
  await conn.next("identify");
  conn.send(FakeGateway.ready("s1"));
  await p;
  return { c, http };
}

describe("PlazaClient.call", () => {
  it("uses the gateway while connected", async () => {
    const { c, http } = await connected();
    const p = c.call("queryCommunityList", { count: 5 });
    const conn = gw.conns[0]!;
    const r = await conn.next("request");
    expect(r.d).toEqual({ count: 5 });
    conn.send({ op: "reply", id: r.id!, t: r.t!, d: { communityList: [], nextFlag: "" } });
    await expect(p).resolves.toEqual({ communityList: [], nextFlag: "" });
    expect(http).toEqual([]);
  });

  it("retries a read over HTTP when the connection drops before the reply", async () => {
    const { c, http } = await connected();
    const p = c.call("queryCommunityList", { count: 5 });
    await gw.conns[0]!.next("request");
    gw.conns[0]!.terminate();
    await expect(p).resolves.toEqual({ communityList: [], nextFlag: "" });
    expect(http).toEqual(["GET /v1/communities?count=5"]);
  });

  it("does not retry a write that may have run", async () => {
    const { c, http } = await connected();
    const p = c.call("createCommunity", { communityName: "x" });
    await gw.conns[0]!.next("request");
    gw.conns[0]!.terminate();
    const e = (await p.catch((x: unknown) => x)) as PlazaError;
    expect(e).toBeInstanceOf(PlazaError);
    expect(e.code).toBe("network_error");
    expect(http).toEqual([]);
  });

  it("goes over HTTP while the session reconnects", async () => {
    const { c, http } = await connected();
    gw.conns[0]!.terminate();
    await gw.accept(1); // the session is trying to resume; the fake never answers
    await expect(c.call("queryCommunityList", {})).resolves.toEqual({ communityList: [], nextFlag: "" });
    expect(http).toEqual(["GET /v1/communities"]);
  });
});
