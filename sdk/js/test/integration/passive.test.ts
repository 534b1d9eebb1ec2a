// A large community (past the server's passive threshold): a session that
// has not marked it active gets channel heads, which the facade turns into
// unread counts; reading the channel marks the community active, and its
// messages then arrive in full.
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { ZIM, ZIMConversationType, ZIMMessageType, type ZIMEventHandler } from "../../src/index.js";
import { Server } from "../helpers/server.js";

let server: Server;
beforeAll(async () => {
  server = await Server.start(["--passive-threshold", "2", "--heads-interval", "200ms"]);
});
afterAll(async () => {
  await server?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Events = ZIMEventHandler<ZIM>;

it("turns channel heads into unread counts, and a read community gets every message", async () => {
  const a = new ZIM({ appID: server.appID, server: server.baseURL, WebSocket });
  const b = new ZIM({ appID: server.appID, server: server.baseURL, WebSocket });
  await a.login("pa", { token: server.token("pa") });
  await b.login("pb", { token: server.token("pb") });
  await a.createCommunity({ communityID: "big", communityName: "Big" }, {});
  await a.inviteUsersIntoCommunity(["pb"], "big");
  const conv = "big/#general";
  const CH = ZIMConversationType.CommunityChannel;
  await sleep(300);

  const changes: Parameters<Events["conversationChanged"]>[1][] = [];
  const received: string[] = [];
  b.on("conversationChanged", (_z, d) => changes.push(d));
  b.on("messageReceived", (_z, d) => received.push(...d.messageList.map((m) => String(m.message))));

  await a.sendMessage({ type: ZIMMessageType.Text, message: "passive-1" }, conv, CH, {});
  const end = Date.now() + 10_000;
  while (!changes.some((d) => d.infoList.some((i) => i.conversation.conversationID === conv && i.conversation.unreadMessageCount > 0))) {
    if (Date.now() > end) throw new Error("no unread change from channel heads");
    await sleep(50);
  }
  expect(received).not.toContain("passive-1");

  // Reading the channel marks the community active.
  const hist = await b.queryHistoryMessage(conv, CH, { count: 10 });
  expect(hist.messageList.map((m) => m.message)).toContain("passive-1");
  await sleep(300);
  await a.sendMessage({ type: ZIMMessageType.Text, message: "active-1" }, conv, CH, {});
  const end2 = Date.now() + 10_000;
  while (!received.includes("active-1")) {
    if (Date.now() > end2) throw new Error("no message after marking the community active");
    await sleep(20);
  }
  a.logout();
  b.logout();
});
