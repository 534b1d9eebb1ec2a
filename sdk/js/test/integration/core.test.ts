import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { PlazaClient } from "../../src/core/client.js";
import { PlazaError } from "../../src/core/errors.js";
import type { GatewayEvent } from "../../src/core/gateway.js";
import type { Message } from "../../src/generated/api.js";
import { Server } from "../helpers/server.js";

let server: Server;
beforeAll(async () => {
  server = await Server.start();
});
afterAll(async () => {
  await server?.stop();
});

function client(user: string): PlazaClient {
  return new PlazaClient({ baseURL: server.baseURL, token: server.token(user), WebSocket });
}

describe("core", () => {
  it("calls REST by operation ID and reports errors as the SPEC object", async () => {
    const a = client("core-a");
    const res = await a.call("createCommunity", { communityID: "core1", communityName: "Core" });
    expect(res.communityInfo.communityID).toBe("core1");
    const err = await a.call("queryCommunityInfo", { communityID: "nope" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlazaError);
    expect((err as PlazaError).code).toBe("community_not_found");
    expect((err as PlazaError).zimCode).toBe(6001004);
    expect((err as PlazaError).status).toBe(404);
  });

  it("connects, requests over the gateway, and delivers messages after a drop exactly once", async () => {
    const a = client("core-b");
    const b = client("core-c");
    const sa = await a.connect();
    const sb = await b.connect();
    expect(sa.ready.userID).toBe("core-b");
    await a.call("createCommunity", { communityID: "core2" });
    await b.call("joinCommunity", { communityID: "core2" });
    const got: Message[] = [];
    sb.on("messageReceived", (d) => got.push(...d.messageList));
    for (let i = 1; i <= 3; i++) {
      await a.call("sendMessage", { communityID: "core2", channelID: "#general", message: { type: 1, message: `m${i}` } });
      await new Promise((r) => setTimeout(r, 110));
    }
    sb.drop();
    for (let i = 4; i <= 6; i++) {
      await a.call("sendMessage", { communityID: "core2", channelID: "#general", message: { type: 1, message: `m${i}` } });
      await new Promise((r) => setTimeout(r, 110));
    }
    await waitFor(() => got.filter((m) => m.message?.startsWith("m")).length >= 6);
    const texts = got.filter((m) => m.type === 1).map((m) => m.message);
    expect(texts).toEqual(["m1", "m2", "m3", "m4", "m5", "m6"]);
    expect(sb.stats.resumes).toBe(1);
    a.close();
    b.close();
  });

  it("refuses a bad token with token_invalid", async () => {
    const c = new PlazaClient({ baseURL: server.baseURL, token: "nonsense", WebSocket });
    const err = await c.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlazaError);
    expect((err as PlazaError).zimCode).toBe(6000103);
  });
});

async function waitFor(cond: () => boolean, timeout = 10_000): Promise<void> {
  const end = Date.now() + timeout;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}
export type { GatewayEvent };
