// Two facade instances against a real plaza serve: they create a community,
// chat, see unread change, revoke, react, reconnect and miss nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ZIMConnectionState,
  ZIMConversationType,
  ZIMMessageType,
  ZIMCommunityListChangeAction,
  ZIMConversationNotificationStatus,
  type ZIMError,
  type ZIMMessage,
} from "../../src/index.js";
import { Server } from "../helpers/server.js";
import { ZIMUser, sleep, waitFor } from "../helpers/zimuser.js";

let server: Server;
beforeAll(async () => {
  server = await Server.start();
});
afterAll(async () => {
  await server?.stop();
});

class User extends ZIMUser {
  constructor(id: string) {
    super(server, id);
  }
}

// send sends as u and waits out the server's send interval (one message per
// 100 ms per user in a channel), as the reference asks apps to.
async function send(u: User, m: ZIMMessage, conversationID: string): Promise<ZIMMessage> {
  const r = await u.zim.sendMessage(m, conversationID, ZIMConversationType.CommunityChannel, {});
  await sleep(120);
  return r.message;
}

function text(s: string): ZIMMessage {
  return { type: ZIMMessageType.Text, message: s };
}

describe("ZIM facade against plaza serve", () => {
  const alice = () => users.alice;
  const bob = () => users.bob;
  const users: { alice: User; bob: User } = {} as { alice: User; bob: User };
  let conv = ""; // #general's conversationID
  const CH = ZIMConversationType.CommunityChannel;

  it("logs two users in", async () => {
    users.alice = new User("alice");
    users.bob = new User("bob");
    await alice().login();
    await bob().login();
    const states = alice().of("connectionStateChanged").map((d) => d.state);
    expect(states).toEqual([ZIMConnectionState.Connecting, ZIMConnectionState.Connected]);
  });

  it("rejects with the reference's numeric codes", async () => {
    const err = (await alice().zim.queryCommunityInfo("nope").catch((e: unknown) => e)) as ZIMError;
    expect(err.code).toBe(6001004);
    expect(typeof err.message).toBe("string");
    const bad = (await alice().zim.sendMessage(text("x"), "#general", CH, {} as never).catch((e: unknown) => e)) as ZIMError;
    expect(bad.code).toBe(6000001);
  });

  it("creates a community, invites, and both see it", async () => {
    const { communityInfo } = await alice().zim.createCommunity({ communityID: "hikers", communityName: "Hikers" }, { communityNotice: "Welcome", communityAttributes: new Map([["k", "v"]]) });
    expect(communityInfo.baseInfo.communityID).toBe("hikers");
    expect(communityInfo.communityAttributes).toEqual({ k: "v" });
    const inv = await alice().zim.inviteUsersIntoCommunity(["bob", "ghost"], "hikers");
    expect(inv.errorUserList.map((u) => u.userID)).toEqual(["ghost"]);
    await bob().until("communityListChanged", (d) => d.changeInfoList.some((c) => c.action === ZIMCommunityListChangeAction.Added && c.community.baseInfo.communityID === "hikers"));
    const list = await bob().zim.queryCommunityChannelList("hikers", 10, { nextFlag: 0 });
    expect(list.nextFlag).toBe(0);
    const general = list.channelList.find((c) => c.baseInfo.channelID === "#general");
    expect(general).toBeDefined();
    conv = general!.conversationID;
    expect(conv).not.toBe("#general");
  });

  it("pages members with a numeric nextFlag", async () => {
    const p1 = await alice().zim.queryCommunityMemberList("hikers", 1, { nextFlag: 0 });
    expect(p1.memberList).toHaveLength(1);
    expect(p1.nextFlag).toBeGreaterThan(0);
    const p2 = await alice().zim.queryCommunityMemberList("hikers", 1, { nextFlag: p1.nextFlag });
    expect(p2.memberList).toHaveLength(1);
    const p3 = p2.nextFlag === 0 ? undefined : await alice().zim.queryCommunityMemberList("hikers", 1, { nextFlag: p2.nextFlag });
    expect(p3 === undefined || (p3.memberList.length === 0 && p3.nextFlag === 0)).toBe(true);
    const ids = [...p1.memberList, ...p2.memberList].map((m) => m.userID).sort();
    expect(ids).toEqual(["alice", "bob"]);
    expect(p1.memberList[0]!.userName).not.toBe("");
  });

  it("chats: the other side receives, the sender does not get its own message back", async () => {
    await bob().zim.queryHistoryMessage(conv, CH, { count: 20 });
    const sent = await alice().zim.sendMessage(text("hello bob"), conv, CH, {});
    await sleep(120);
    expect(sent.message.messageSeq).toBeGreaterThan(0);
    expect(sent.message.conversationID).toBe(conv);
    const got = await bob().until("messageReceived", (d) => d.messageList.some((m) => m.message === "hello bob"));
    expect(got.receivedInfo.conversationType).toBe(CH);
    expect(got.receivedInfo.conversationID).toBe(conv);
    expect(got.conversationID).toBe(conv);
    expect(got.messageList[0]!.senderUserID).toBe("alice");
    await sleep(200);
    expect(alice().received().filter((m) => m.message === "hello bob")).toHaveLength(0);
    const hist = await bob().zim.queryHistoryMessage(conv, CH, { count: 5 });
    expect(hist.messageList.at(-1)!.message).toBe("hello bob");
  });

  it("sees unread change, then clears it", async () => {
    await bob().zim.setConversationNotificationStatus(ZIMConversationNotificationStatus.Notify, conv, CH);
    await bob().zim.clearConversationUnreadMessageCount(conv, CH);
    await bob().until("conversationChanged", (d) => d.infoList.some((i) => i.conversation.conversationID === conv && i.conversation.unreadMessageCount === 0));
    const before = await bob().zim.queryConversationTotalUnreadMessageCount({ conversationTypes: [CH] } as never);
    expect(before.unreadMessageCount).toBe(0);
    bob().events.length = 0;
    await send(alice(), text("one"), conv);
    await send(alice(), { type: ZIMMessageType.Text, message: "two @bob", mentionedUserIDs: ["bob"] }, conv);
    const changed = await bob().until("conversationChanged", (d) => d.infoList.some((i) => i.conversation.conversationID === conv && i.conversation.unreadMessageCount === 2));
    const c = changed.infoList.find((i) => i.conversation.conversationID === conv)!.conversation;
    expect(c.lastMessage?.message).toBe("two @bob");
    expect(c.mentionedInfoList.map((m) => m.fromUserID)).toEqual(["alice"]);
    await bob().until("communityListChanged", (d) => d.changeInfoList.some((x) => x.community.baseInfo.communityID === "hikers" && x.community.totalUnreadMessageCount === 2));
    await bob().until("conversationTotalUnreadMessageCountUpdated", (d) => d.totalUnreadMessageCount === 2);
    const server2 = await bob().zim.queryConversationTotalUnreadMessageCount();
    expect(server2.unreadMessageCount).toBe(2);
    const listed = await bob().zim.queryConversationList({ count: 10 });
    expect(listed.conversationList.find((x) => x.conversationID === conv)?.unreadMessageCount).toBe(2);
    await bob().zim.clearConversationUnreadMessageCount(conv, CH);
    await bob().until("conversationTotalUnreadMessageCountUpdated", (d) => d.totalUnreadMessageCount === 0);
  });

  it("revokes, edits and reacts", async () => {
    const message = await send(alice(), text("oops"), conv);
    await bob().until("messageReceived", (d) => d.messageList.some((m) => m.message === "oops"));
    const edited = await alice().zim.editMessage({ ...message, message: "oops!" } as ZIMMessage, {});
    expect(edited.message.message).toBe("oops!");
    await bob().until("messageEdited", (d) => d.messageList.some((m) => m.message === "oops!"));

    const r = await bob().zim.addMessageReaction("👍", message);
    expect(r.reaction.reactionType).toBe("👍");
    expect(r.reaction.totalCount).toBe(1);
    expect(r.reaction.isSelfIncluded).toBe(true);
    const ev = await alice().until("messageReactionsChanged", (d) => d.reactions.some((x) => x.reactionType === "👍"));
    expect(ev.operatedUserID).toBe("bob");
    expect(ev.reactions[0]!.messageID).toBe(message.messageID);
    const users2 = await alice().zim.queryMessageReactionUserList(message, { reactionType: "👍", count: 10, nextFlag: 0 });
    expect(users2.userList.map((u) => u.userID)).toEqual(["bob"]);
    expect(users2.nextFlag).toBe(0);
    const gone = await bob().zim.deleteMessageReaction("👍", message);
    expect(gone.reaction.totalCount).toBe(0);

    const rev = await alice().zim.revokeMessage(message);
    expect(rev.message.type).toBe(ZIMMessageType.Revoke);
    const got = await bob().until("messageRevokeReceived", (d) => d.messageList.some((m) => m.messageSeq === message.messageSeq));
    expect(got.messageList[0]!.operatedUserID).toBe("alice");
  });

  it("replies, and lists a message's replies", async () => {
    const root = await send(alice(), text("root"), conv);
    const { message: reply } = await bob().zim.replyMessage(text("re"), root);
    expect(reply.repliedInfo?.messageSeq).toBe(root.messageSeq);
    const list = await alice().zim.queryMessageRepliedList(root, { count: 10, nextFlag: 0 });
    expect(list.messageList.map((m) => m.message)).toEqual(["re"]);
    expect(list.rootRepliedInfo.repliedCount).toBe(1);
  });

  it("reconnects after a dropped connection and misses nothing", async () => {
    bob().events.length = 0;
    bob().zim.plaza!.session!.drop();
    for (let i = 1; i <= 5; i++) {
      await send(alice(), text(`drop-${i}`), conv);
    }
    await waitFor(() => bob().received().filter((m) => String(m.message).startsWith("drop-")).length >= 5, "bob gets drop-1..5");
    await sleep(300);
    const got = bob().received().filter((m) => String(m.message).startsWith("drop-")).map((m) => m.message);
    expect(got).toEqual(["drop-1", "drop-2", "drop-3", "drop-4", "drop-5"]);
    const states = bob().of("connectionStateChanged").map((d) => d.state);
    expect(states).toContain(ZIMConnectionState.Reconnecting);
    expect(states.at(-1)).toBe(ZIMConnectionState.Connected);
  });

  it("comes back after a server restart (resync) and misses nothing", async () => {
    bob().events.length = 0;
    // Down long enough for the sessions' backoff to grow, so that bob is
    // likely still away when alice sends the first messages.
    await server.restart(2500);
    // Sent while bob's session is gone: alice's facade falls back to HTTP
    // while its own gateway session reconnects.
    for (let i = 1; i <= 3; i++) {
      await send(alice(), text(`restart-${i}`), conv);
    }
    await bob().until("connectionResynced", () => true, 20_000);
    for (let i = 4; i <= 5; i++) {
      await send(alice(), text(`restart-${i}`), conv);
    }
    await waitFor(() => bob().received().filter((m) => String(m.message).startsWith("restart-")).length >= 5, "bob gets restart-1..5", 20_000);
    await sleep(300);
    const got = bob().received().filter((m) => String(m.message).startsWith("restart-")).map((m) => m.message);
    expect(got).toEqual(["restart-1", "restart-2", "restart-3", "restart-4", "restart-5"]);
    const seqs = bob().received().map((m) => m.messageSeq!);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(bob().zim.plaza!.session!.stats.resyncs).toBe(1);
    // Those sent before bob came back were fetched from history.
    const offline = bob().of("messageReceived").filter((d) => d.receivedInfo.isOfflineMessage).flatMap((d) => d.messageList.map((m) => m.message));
    console.log(`resync: ${offline.length} of 5 messages recovered from history: ${offline.join(", ")}`);
  });

  it("creates a channel, and the other side sees it", async () => {
    bob().events.length = 0;
    const { channelInfo } = await alice().zim.createCommunityChannel({ communityID: "hikers", channelID: "trails", channelName: "Trails", channelType: 1, channelAvatarUrl: "" }, { channelNotice: "maps", channelAttributes: {} });
    expect(channelInfo.baseInfo.channelID).toBe("trails");
    expect(channelInfo.conversationID).toBe("hikers/trails");
    const ev = await bob().until("communityChannelListChanged", (d) => d.changeInfoList.some((c) => c.action === 0 && c.channel.baseInfo.channelID === "trails"));
    expect(ev.communityID).toBe("hikers");
    const info = await bob().zim.queryCommunityChannelsInfo(["trails", "nope"], "hikers");
    expect(info.channelInfos.map((c) => c.channelNotice)).toEqual(["maps"]);
    expect(info.errorChannelIDs).toEqual(["nope"]);
  });

  it("mutes a member: the send is refused with the reference's code and until", async () => {
    const r = await alice().zim.muteCommunityMembers(true, ["bob"], "hikers", { duration: 60, channelID: "" });
    expect(r.errorUserList).toEqual([]);
    const err = (await bob().zim.sendMessage(text("muted?"), conv, CH, {}).catch((e: unknown) => e)) as ZIMError;
    expect(err.code).toBe(7005001);
    expect(err.plazaCode).toBe("member_muted");
    expect(err.until).toBeGreaterThan(Date.now());
    const muted = await alice().zim.queryCommunityMemberList("hikers", 10, { nextFlag: 0, isMutedMember: true });
    expect(muted.memberList.map((m) => m.userID)).toEqual(["bob"]);
    expect(muted.memberList[0]!.muteInfo.muteType).toBe(1);
    await alice().zim.muteCommunityMembers(false, ["bob"], "hikers", { duration: 0 });
    await send(bob(), text("free again"), conv);
  });

  it("pages conversations by anchor conversation", async () => {
    const p1 = await bob().zim.queryConversationList({ count: 1 });
    expect(p1.conversationList).toHaveLength(1);
    const p2 = await bob().zim.queryConversationList({ count: 10, nextConversation: p1.conversationList[0]! });
    const ids = [...p1.conversationList, ...p2.conversationList].map((c) => c.conversationID);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(["hikers/#general", "hikers/trails"]);
    const one = await bob().zim.queryConversation("hikers/trails", CH);
    expect(one.conversation.conversationName).toBe("Trails");
    await bob().zim.updateConversationPinnedState(true, "hikers/trails", CH);
    const pinned = await bob().zim.queryConversationPinnedList({ count: 10 });
    expect(pinned.conversationList.map((c) => c.conversationID)).toEqual(["hikers/trails"]);
    await bob().zim.setConversationDraft("draft…", "hikers/trails", CH);
    const again = await bob().zim.queryConversation("hikers/trails", CH);
    expect([again.conversation.draft, again.conversation.isPinned]).toEqual(["draft…", true]);
  });

  it("logs out", async () => {
    alice().zim.logout();
    bob().zim.logout();
    const err = (await alice().zim.queryCommunityList(10, { nextFlag: 0 }).catch((e: unknown) => e)) as ZIMError;
    expect(err.code).toBe(6000121);
  });
});

describe("token renewal", () => {
  it("warns before expiry and takes a new token in place", async () => {
    const u = new User("carol");
    await u.login(33);
    const warn = await u.until("tokenWillExpire", () => true, 10_000);
    expect(warn.second).toBeGreaterThan(0);
    const r = await u.zim.renewToken(server.token("carol", 3600));
    expect(typeof r.token).toBe("string");
    await sleep(4_000);
    // Past the first token's expiry the session lives on.
    const list = await u.zim.queryCommunityList(10, { nextFlag: 0 });
    expect(list.nextFlag).toBe(0);
    expect(u.of("connectionStateChanged").at(-1)?.state).toBe(ZIMConnectionState.Connected);
    u.zim.logout();
  }, 30_000);
});
