// The gateway session against a scripted gateway: identify, heartbeats with
// seq, request/reply by id, reorder and gap filling by seq, resume, resync
// with repair, terminal close codes.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { GatewaySession, gatewayURL, type GatewayEvent, type StateChange } from "../../src/core/gateway.js";
import { CloseError } from "../../src/core/link.js";
import { PlazaError } from "../../src/core/errors.js";
import type { Message, QueryHistoryMessageRequest, QueryHistoryMessageResult } from "../../src/generated/api.js";
import { FakeGateway, msg, type FakeConn } from "../helpers/fakegateway.js";

let gw: FakeGateway;
let session: GatewaySession | undefined;
beforeEach(async () => {
  gw = await FakeGateway.start();
});
afterEach(async () => {
  session?.close();
  session = undefined;
  await gw.close();
});

interface Harness {
  session: GatewaySession;
  conn: FakeConn;
  events: GatewayEvent[];
  states: StateChange[];
  history: QueryHistoryMessageRequest[];
  store: Message[];
}

// open connects a session to the fake gateway, with a history of store.
async function open(opts: { reorderWait?: number; token?: string } = {}): Promise<Harness> {
  const h: Partial<Harness> = { events: [], states: [], history: [], store: [] };
  const connecting = GatewaySession.connect({
    baseURL: gw.baseURL,
    token: () => opts.token ?? "tok",
    WebSocket,
    reorderWait: opts.reorderWait ?? 100,
    timeout: 3000,
    history: async (req) => {
      h.history!.push(req);
      const after = req.nextMessageSeq ?? 0;
      const list = h.store!.filter((m) => m.messageSeq > after).slice(0, req.count ?? 20);
      const r: QueryHistoryMessageResult = { communityID: req.communityID, channelID: req.channelID, messageList: list, nextMessageSeq: 0 };
      return r;
    },
  });
  const conn = await gw.accept(0);
  const id = await conn.next("identify");
  expect(id.d).toEqual({ token: opts.token ?? "tok", protocolVersion: 1 });
  conn.send(FakeGateway.ready("s1"));
  const s = await connecting;
  session = s;
  s.onEvent((e) => h.events!.push(e));
  s.onState((c) => h.states!.push(c));
  return { ...(h as Harness), session: s, conn };
}

function texts(h: Harness): string[] {
  return h.events.filter((e) => e.name === "messageReceived").flatMap((e) => (e.data as { messageList: Message[] }).messageList.map((m) => m.message ?? ""));
}

async function until(cond: () => boolean, what: string, timeout = 5000): Promise<void> {
  const end = Date.now() + timeout;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("gatewayURL", () => {
  it("turns the base URL into the gateway's", () => {
    expect(gatewayURL("http://h:1")).toBe("ws://h:1/v1/gateway");
    expect(gatewayURL("https://h/")).toBe("wss://h/v1/gateway");
  });
});

describe("GatewaySession", () => {
  it("identifies, resolves ready, and answers requests by id", async () => {
    const h = await open();
    expect(h.session.ready.sessionID).toBe("s1");
    const p1 = h.session.request("queryCommunityInfo", { communityID: "a" });
    const p2 = h.session.request("queryCommunityInfo", { communityID: "b" });
    const r1 = await h.conn.next("request");
    const r2 = await h.conn.next("request");
    expect(r1.t).toBe("queryCommunityInfo");
    expect(r1.id).not.toBe(r2.id);
    // Replies in any order.
    h.conn.send({ op: "reply", id: r2.id!, t: "queryCommunityInfo", error: { code: "community_not_found", zimCode: 6001004, message: "no b" } });
    h.conn.send({ op: "reply", id: r1.id!, t: "queryCommunityInfo", d: { communityInfo: { communityID: "a" } } });
    await expect(p1).resolves.toEqual({ communityInfo: { communityID: "a" } });
    const e = await p2.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PlazaError);
    expect((e as PlazaError).zimCode).toBe(6001004);
  });

  it("refuses a bad token with the server's error", async () => {
    const connecting = GatewaySession.connect({ baseURL: gw.baseURL, token: () => "bad", WebSocket, history: async () => ({ communityID: "", channelID: "", messageList: [], nextMessageSeq: 0 }), timeout: 3000 });
    const conn = await gw.accept(0);
    await conn.next("identify");
    conn.send({ op: "error", error: { code: "token_invalid", zimCode: 6000103, message: "bad token" } });
    conn.close(4003, "auth failed");
    const e = await connecting.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PlazaError);
    expect((e as PlazaError).code).toBe("token_invalid");
  });

  it("sends heartbeats carrying the last dispatch seq", async () => {
    gw.heartbeatInterval = 60;
    const h = await open();
    h.conn.dispatch(1, "tokenWillExpire", { secondsRemaining: 30 });
    h.conn.dispatch(2, "tokenWillExpire", { secondsRemaining: 29 });
    await until(() => h.events.length === 2, "two events");
    let hb = await h.conn.next("heartbeat");
    while ((hb.d as { seq: number }).seq < 2) hb = await h.conn.next("heartbeat");
    expect(hb.d).toEqual({ seq: 2 });
  });

  it("delivers messages that arrive out of order in seq order, and drops duplicates", async () => {
    const h = await open({ reorderWait: 2000 });
    h.conn.dispatch(1, "messageReceived", { communityID: "c", channelID: "ch", messageList: [msg(1)] });
    h.conn.dispatch(2, "messageReceived", { communityID: "c", channelID: "ch", messageList: [msg(3)] });
    h.conn.dispatch(3, "messageReceived", { communityID: "c", channelID: "ch", messageList: [msg(2)] });
    h.conn.dispatch(4, "messageReceived", { communityID: "c", channelID: "ch", messageList: [msg(2)] });
    h.conn.dispatch(5, "messageReceived", { communityID: "c", channelID: "ch", messageList: [msg(4)] });
    await until(() => texts(h).length === 4, "four messages");
    expect(texts(h)).toEqual(["m1", "m2", "m3", "m4"]);
    expect(h.history).toHaveLength(0);
    expect(h.session.stats.duplicatesSkipped).toBe(1);
  });

  it("fetches a gap that does not fill within the reorder wait", async () => {
    const h = await open({ reorderWait: 50 });
    h.store.push(msg(1), msg(2), msg(3), msg(4));
    h.conn.dispatch(1, "messageReceived", { communityID: "c", channelID: "ch", messageList: [msg(1)] });
    h.conn.dispatch(2, "messageReceived", { communityID: "c", channelID: "ch", messageList: [msg(4)] });
    await until(() => texts(h).length === 4, "four messages");
    expect(texts(h)).toEqual(["m1", "m2", "m3", "m4"]);
    expect(h.history[0]).toMatchObject({ communityID: "c", channelID: "ch", nextMessageSeq: 1, reverse: true });
    const recovered = h.events.filter((e) => e.recovered).flatMap((e) => (e.data as { messageList: Message[] }).messageList.map((m) => m.messageSeq));
    expect(recovered).toEqual([2, 3]);
  });

  it("resumes after a drop with the session ID and last seq; replays are not repeated", async () => {
    const h = await open();
    h.conn.dispatch(1, "messageReceived", { communityID: "c", channelID: "ch", messageList: [msg(1)] });
    h.conn.dispatch(2, "messageReceived", { communityID: "c", channelID: "ch", messageList: [msg(2)] });
    await until(() => texts(h).length === 2, "two messages");
    h.conn.terminate();
    const c2 = await gw.accept(1);
    const resume = await c2.next("resume");
    expect(resume.d).toEqual({ sessionID: "s1", seq: 2, token: "tok" });
    c2.send({ op: "resumed", d: { sessionID: "s1", seq: 3 } });
    // The server replays from its buffer: 2 again (already seen), then 3.
    c2.dispatch(2, "messageReceived", { communityID: "c", channelID: "ch", messageList: [msg(2)] });
    c2.dispatch(3, "messageReceived", { communityID: "c", channelID: "ch", messageList: [msg(3)] });
    await until(() => texts(h).length === 3, "three messages");
    expect(texts(h)).toEqual(["m1", "m2", "m3"]);
    expect(h.session.stats.resumes).toBe(1);
    expect(h.states.map((s) => s.state)).toEqual(["reconnecting", "connected"]);
    expect(h.states[1]!.restored).toBe("resumed");
  });

  it("on resync, starts anew and fetches every tracked channel's missed messages before new ones", async () => {
    const h = await open();
    h.session.track("c", "other", 5);
    h.conn.dispatch(1, "messageReceived", { communityID: "c", channelID: "ch", messageList: [msg(1)] });
    await until(() => texts(h).length === 1, "one message");
    h.store.push(msg(1), msg(2), msg(3));
    h.conn.terminate();
    const c2 = await gw.accept(1);
    await c2.next("resume");
    c2.send({ op: "resync", d: { reason: "session unknown" } });
    c2.send(FakeGateway.ready("s2"));
    c2.dispatch(1, "messageReceived", { communityID: "c", channelID: "ch", messageList: [msg(4)] });
    await until(() => texts(h).length === 4, "four messages");
    expect(texts(h)).toEqual(["m1", "m2", "m3", "m4"]);
    expect(h.session.ready.sessionID).toBe("s2");
    expect(h.session.stats.resyncs).toBe(1);
    expect(h.history.map((r) => `${r.channelID}>${r.nextMessageSeq}`).sort()).toEqual(["ch>1", "other>5"]);
    expect(h.states.at(-1)?.restored).toBe("resynced");
    // The next heartbeat counts from the new session's seq.
    expect(h.session.lastSeq("c", "ch")).toBe(4);
  });

  it("ends for good on a terminal close code, without reconnecting", async () => {
    const h = await open();
    h.conn.dispatch(1, "kickedOut", { reason: { code: "token_expired", zimCode: 6000106, message: "expired" } });
    h.conn.close(4009, "token expired");
    const why = await h.session.ended;
    expect(why).toBeInstanceOf(CloseError);
    expect((why as CloseError).code).toBe(4009);
    expect(h.session.state).toBe("closed");
    expect(gw.conns).toHaveLength(1);
    expect(h.events.map((e) => e.name)).toEqual(["kickedOut"]);
  });

  it("fails pending requests when the connection drops, and refuses new ones while reconnecting", async () => {
    const h = await open();
    const p = h.session.request("queryCommunityList", {});
    await h.conn.next("request");
    h.conn.terminate();
    const e = (await p.catch((x: unknown) => x)) as PlazaError;
    expect(e.code).toBe("network_error");
    const e2 = (await h.session.request("queryCommunityList", {}).catch((x: unknown) => x)) as PlazaError;
    expect(["not_connected", "network_error"]).toContain(e2.code);
  });

  it("renews the token in place", async () => {
    const h = await open();
    const p = h.session.renewToken("tok2");
    const r = await h.conn.next("request");
    expect(r.t).toBe("renewToken");
    expect(r.d).toEqual({ token: "tok2" });
    h.conn.send({ op: "reply", id: r.id!, t: "renewToken", d: { tokenExpiresAt: 42 } });
    await expect(p).resolves.toEqual({ tokenExpiresAt: 42 });
  });
});
