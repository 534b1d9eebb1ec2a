// The facade's threads (SPEC §6a) without a server: the translation of
// threads, followers and totals, the derived unread of followed threads
// (their own conversations and the community's thread totals, never the
// parent channel's), and the methods and events against a scripted gateway.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { ChannelConversation, Community, CommunityInfo, JoinedThread, Message, Thread } from "../../src/generated/api.js";
import { community, communityFullInfo, communityJoinedThread, communityThread, threadConversation, threadMember } from "../../src/zim/convert.js";
import { LocalState } from "../../src/zim/state.js";
import {
  ZIM,
  ZIMCommunityChannelType,
  ZIMCommunityThreadAutoArchiveDuration,
  ZIMCommunityThreadListFilter,
  ZIMConversationType,
  ZIMErrorCode,
  type ZIMEventHandler,
} from "../../src/index.js";
import type { Frame } from "../../src/core/link.js";
import { FakeGateway, type FakeConn } from "../helpers/fakegateway.js";

function m(seq: number, over: Partial<Message> = {}): Message {
  return { type: 1, message: `m${seq}`, messageID: String(100 + seq), messageSeq: seq, communityID: "c", channelID: "t1", senderUserID: "bob", timestamp: 1000 + seq, rootRepliedCount: 0, reactions: [], ...over };
}

function thread(over: Partial<Thread> = {}): Thread {
  return {
    communityID: "c", channelID: "t1", threadID: "t1", channelType: 3, parentChannelID: "#general", threadName: "Trip", rootMessageSeq: 4,
    creatorUserID: "alice", createTime: 10, isPrivate: false, isArchived: false, isLocked: false, invitable: true, autoArchiveDuration: 1440,
    archiveTime: 86_400_010, messageCount: 1, memberCount: 2, lastMessageSeq: 1, lastMessage: null, ...over,
  };
}

function joined(over: Partial<JoinedThread> = {}): JoinedThread {
  return { ...thread(), unreadMessageCount: 0, readMessageSeq: 1, notificationStatus: 1, mentionedInfoList: [], ...over };
}

function channelConv(over: Partial<ChannelConversation> = {}): ChannelConversation {
  return {
    communityID: "c", channelID: "#general", channelType: 0, channelName: "general", channelAvatarUrl: "", channelAttributes: {}, notificationStatus: 1,
    unreadMessageCount: 0, lastMessage: null, lastMessageSeq: 4, readMessageSeq: 4, mentionedInfoList: [], selfMutedExpiredTime: 0, draft: "", isPinned: false, pinnedTime: 0, ...over,
  };
}

const entry: Community = {
  communityID: "c", communityName: "C", communityAvatarUrl: "", totalUnreadMessageCount: 3, notificationStatus: 1, memberRole: 3,
  threadTotalUnreadMessageCount: 0, threadTotalUnreadMentionCount: 0,
};

describe("thread translation", () => {
  it("keeps the server's field names, adds the conversation ID, and marks the last message a thread's", () => {
    const z = communityThread(thread({ lastMessage: m(1) }), "me");
    expect(z).toMatchObject({
      communityID: "c", threadID: "t1", channelID: "t1", parentChannelID: "#general", threadName: "Trip", rootMessageSeq: 4, isArchived: false,
      isLocked: false, autoArchiveDuration: ZIMCommunityThreadAutoArchiveDuration.OneDay, memberCount: 2, conversationID: "c/t1",
    });
    expect(z.channelType).toBe(ZIMCommunityChannelType.Thread);
    expect(z.lastMessage).toMatchObject({ conversationID: "c/t1", conversationType: ZIMConversationType.CommunityThread, messageSeq: 1 });
    expect("lastMessage" in communityThread(thread(), "me")).toBe(false);
  });
  it("carries a followed thread's unread state, and its followers' profiles", () => {
    const j = communityJoinedThread(joined({ unreadMessageCount: 2, mentionedInfoList: [{ messageID: "9", messageSeq: 3, fromUserID: "bob", type: 1 }] }), "me");
    expect(j).toMatchObject({ threadID: "t1", unreadMessageCount: 2, readMessageSeq: 1, notificationStatus: 1 });
    expect(j.mentionedInfoList).toEqual([{ messageID: "9", messageSeq: 3, fromUserID: "bob", type: 1 }]);
    expect(threadMember({ userID: "bob", userName: "Bob", userAvatarUrl: "", memberRole: 3, joinTime: 5 })).toEqual({ userID: "bob", userName: "Bob", userAvatarUrl: "", userExtendedData: "", memberRole: 3, joinTime: 5 });
  });
  it("makes a thread conversation from the joined list, keeping what the list lacks", () => {
    const c = threadConversation(joined(), { ...channelConv(), draft: "d", isPinned: true, pinnedTime: 7 });
    expect(c).toMatchObject({ channelType: 3, channelName: "Trip", parentChannelID: "#general", draft: "d", isPinned: true, pinnedTime: 7, readMessageSeq: 1 });
  });
  it("puts the thread totals on community list entries and, from the list, on full info", () => {
    const e = { ...entry, threadTotalUnreadMessageCount: 4, threadTotalUnreadMentionCount: 1 };
    expect(community(e)).toMatchObject({ totalUnreadMessageCount: 3, threadTotalUnreadMessageCount: 4, threadTotalUnreadMentionCount: 1 });
    const info = { communityID: "c", communityName: "C", communityAvatarUrl: "", communityNotice: "", communityAttributes: {}, joinMode: 0, inviteMode: 0, creatorUserID: "a", createTime: 1, currentMemberCount: 2, muteInfo: { mode: 0, expiredTime: 0, roles: [] } } as CommunityInfo;
    expect(communityFullInfo(info, e)).toMatchObject({ threadTotalUnreadMessageCount: 4, threadTotalUnreadMentionCount: 1 });
    expect(communityFullInfo(info)).toMatchObject({ threadTotalUnreadMessageCount: 0, threadTotalUnreadMentionCount: 0 });
  });
});

describe("derived unread of followed threads", () => {
  function state(): LocalState {
    const s = new LocalState("me");
    s.setCommunities([entry]);
    s.putConversation(channelConv({ unreadMessageCount: 3, readMessageSeq: 1 }));
    s.setThreads("c", [threadConversation(joined())]);
    return s;
  }
  it("count in the thread's conversation and the community's thread totals, never in the parent channel", () => {
    const s = state();
    const d = s.applyMessages("c", "t1", [m(2), m(3, { mentionedUserIDs: ["me"] })])!;
    expect(d.conversation).toMatchObject({ unreadMessageCount: 2, channelType: 3 });
    expect(d.community).toMatchObject({ totalUnreadMessageCount: 3, threadTotalUnreadMessageCount: 2, threadTotalUnreadMentionCount: 1 });
    expect(d.total).toBe(5);
    expect(s.conversation("c", "#general")!.unreadMessageCount).toBe(3);
    // The user's own message reads the thread up to it.
    const mine = s.applyMessages("c", "t1", [m(4, { senderUserID: "me" })])!;
    expect(mine.community).toMatchObject({ threadTotalUnreadMessageCount: 0, threadTotalUnreadMentionCount: 0 });
    expect(mine.total).toBe(3);
  });
  it("leave the totals alone for a thread in do-not-disturb", () => {
    const s = new LocalState("me");
    s.setCommunities([entry]);
    s.setThreads("c", [threadConversation(joined({ notificationStatus: 2 }))]);
    const d = s.applyMessages("c", "t1", [m(2)])!;
    expect(d.conversation.unreadMessageCount).toBe(1);
    expect(d.community).toBeUndefined();
  });
  it("count nothing for a thread the user does not follow", () => {
    const s = state();
    expect(s.applyMessages("c", "t2", [m(2, { channelID: "t2" })])).toBeUndefined();
  });
  it("take a new list of followed threads: sums, and what appeared, changed or went", () => {
    const s = new LocalState("me");
    s.setCommunities([entry]);
    // First load: nothing to compare with; only the thread just entered is new.
    const first = s.setThreads("c", [threadConversation(joined()), threadConversation(joined({ channelID: "t2", threadID: "t2", unreadMessageCount: 1, mentionedInfoList: [{ messageID: "1", messageSeq: 1, fromUserID: "bob", type: 1 }] }))], new Set(["t2"]));
    expect(first.changes.map((c) => [c.action, c.conversation.channelID])).toEqual([[0, "t2"]]);
    expect(first.community).toMatchObject({ threadTotalUnreadMessageCount: 1, threadTotalUnreadMentionCount: 1 });
    expect(first.total).toBe(4);
    expect(s.isThread("c", "t2")).toBe(true);
    // Later: t1 went (left or kicked), t2 changed, t3 appeared.
    const next = s.setThreads("c", [threadConversation(joined({ channelID: "t2", threadID: "t2", unreadMessageCount: 0, readMessageSeq: 1 })), threadConversation(joined({ channelID: "t3", threadID: "t3" }))]);
    expect(next.changes.map((c) => [c.action, c.conversation.channelID]).sort()).toEqual([[0, "t3"], [1, "t1"], [2, "t2"]]);
    expect(next.community).toMatchObject({ threadTotalUnreadMessageCount: 0, threadTotalUnreadMentionCount: 0 });
    expect(next.total).toBe(3);
    expect(s.conversation("c", "t1")).toBeUndefined();
  });
  it("take a dismissed thread's unread out of the totals", () => {
    const s = state();
    s.applyMessages("c", "t1", [m(2)]);
    const d = s.dropThread("c", "t1")!;
    expect(d.community).toMatchObject({ threadTotalUnreadMessageCount: 0 });
    expect(d.total).toBe(3);
    expect(s.dropThread("c", "t1")).toBeUndefined();
  });
});

// ---- the facade against a scripted gateway ----

type Events = ZIMEventHandler<ZIM>;
type Payload<K extends keyof Events> = Parameters<Events[K]>[1];

let gw: FakeGateway;
let zim: ZIM | undefined;
beforeEach(async () => {
  gw = await FakeGateway.start();
});
afterEach(async () => {
  zim?.logout();
  zim = undefined;
  await gw.close();
});

interface Harness {
  zim: ZIM;
  conn: FakeConn;
  events: { name: keyof Events; data: unknown }[];
  of<K extends keyof Events>(name: K): Payload<K>[];
  /** answer waits for the next request, checks its operation, and replies. */
  answer(t: string, d: unknown, error?: unknown): Promise<Frame>;
}

async function login(communityList: Community[] = [entry]): Promise<Harness> {
  const z = new ZIM({ appID: 1, server: gw.baseURL, WebSocket });
  zim = z;
  const events: Harness["events"] = [];
  const names: (keyof Events)[] = ["messageReceived", "conversationChanged", "conversationTotalUnreadMessageCountUpdated", "communityListChanged", "communityChannelListChanged", "communityThreadListChanged", "communityThreadMemberStateChanged"];
  for (const n of names) z.on(n, ((_z: ZIM, d: unknown) => events.push({ name: n, data: d })) as Events[typeof n]);
  const loggingIn = z.login("me", { token: "tok" });
  const conn = await gw.accept(0);
  await conn.next("identify");
  conn.send({ op: "ready", d: { sessionID: "s1", appID: "1", userID: "me", protocolVersion: 1, heartbeatInterval: 30_000, tokenExpiresAt: Date.now() + 3_600_000, communityList } });
  await loggingIn;
  return {
    zim: z,
    conn,
    events,
    of: <K extends keyof Events>(name: K) => events.filter((e) => e.name === name).map((e) => e.data as Payload<K>),
    async answer(t, d, error) {
      let f = await conn.next("request");
      while (f.t === "setActiveCommunities" && t !== f.t) {
        // Reading a community's threads marks it active.
        conn.send({ op: "reply", id: f.id!, t: f.t, d: {} });
        f = await conn.next("request");
      }
      expect(f.t).toBe(t);
      conn.send(error ? { op: "reply", id: f.id!, t, error: error as Frame["error"] } : { op: "reply", id: f.id!, t, d });
      return f;
    },
  };
}

async function until(cond: () => boolean, what: string, timeout = 3000): Promise<void> {
  const end = Date.now() + timeout;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("ZIM thread methods", () => {
  it("put IDs last, send the server's fields, and answer with them", async () => {
    const h = await login();
    const created = h.zim.createCommunityThread({ communityID: "c", channelID: "#general", rootMessageSeq: 4 }, { autoArchiveDuration: ZIMCommunityThreadAutoArchiveDuration.OneHour, invitable: false });
    const f = await h.answer("createCommunityThread", { threadInfo: thread({ autoArchiveDuration: 60 }) });
    expect(f.d).toEqual({ communityID: "c", channelID: "#general", rootMessageSeq: 4, autoArchiveDuration: 60, invitable: false });
    expect((await created).threadInfo).toMatchObject({ threadID: "t1", conversationID: "c/t1", autoArchiveDuration: 60 });

    const renamed = h.zim.updateCommunityThreadName("Plan", "t1", "c");
    expect((await h.answer("updateCommunityThreadName", { threadInfo: thread({ threadName: "Plan" }) })).d).toEqual({ communityID: "c", threadID: "t1", threadName: "Plan" });
    expect(await renamed).toMatchObject({ communityID: "c", threadID: "t1", threadName: "Plan", threadInfo: { threadName: "Plan" } });

    const archived = h.zim.updateCommunityThreadArchivedState(true, "t1", "c");
    expect((await h.answer("updateCommunityThreadArchivedState", { threadInfo: thread({ isArchived: true }) })).d).toEqual({ communityID: "c", threadID: "t1", isArchived: true });
    expect(await archived).toMatchObject({ isArchived: true, threadInfo: { isArchived: true } });

    const invited = h.zim.inviteUsersIntoCommunityThread(["bob", "ghost"], "t1", "c");
    expect((await h.answer("inviteUsersIntoCommunityThread", { communityID: "c", threadID: "t1", errorUserList: [{ userID: "ghost", reason: 6001005, code: "not_community_member" }] })).d).toEqual({ communityID: "c", threadID: "t1", userIDs: ["bob", "ghost"] });
    expect(await invited).toEqual({ communityID: "c", threadID: "t1", errorUserList: [{ userID: "ghost", reason: 6001005 }] });
  });

  it("page with a numeric nextFlag and take the list filter by enum", async () => {
    const h = await login();
    const p1 = h.zim.queryCommunityThreadList("#general", "c", 1, { nextFlag: 0, filter: ZIMCommunityThreadListFilter.Archived });
    expect((await h.answer("queryCommunityThreadList", { communityID: "c", channelID: "#general", threadList: [thread()], nextFlag: "opaque" })).d).toEqual({ communityID: "c", channelID: "#general", count: 1, filter: "archived" });
    const r1 = await p1;
    expect(r1.nextFlag).toBeGreaterThan(0);
    expect(r1.threadList[0]!.conversationID).toBe("c/t1");
    const p2 = h.zim.queryCommunityThreadList("#general", "c", 1, { nextFlag: r1.nextFlag });
    expect((await h.answer("queryCommunityThreadList", { communityID: "c", channelID: "#general", threadList: [], nextFlag: "" })).d).toEqual({ communityID: "c", channelID: "#general", count: 1, nextFlag: "opaque" });
    expect((await p2).nextFlag).toBe(0);
    await expect(h.zim.queryCommunityThreadList("#general", "c", 1, { nextFlag: 0, filter: 7 as never })).rejects.toMatchObject({ code: 6000001 });

    const members = h.zim.queryCommunityThreadMemberList("t1", "c", 10, { nextFlag: 0 });
    await h.answer("queryCommunityThreadMemberList", { communityID: "c", threadID: "t1", memberList: [{ userID: "bob", userName: "Bob", userAvatarUrl: "", memberRole: 3, joinTime: 5 }], nextFlag: "" });
    expect((await members).memberList.map((x) => [x.userID, x.joinTime])).toEqual([["bob", 5]]);

    const mine = h.zim.queryJoinedCommunityThreadList("", 10, { nextFlag: 0 });
    expect((await h.answer("queryJoinedCommunityThreadList", { threadList: [joined({ unreadMessageCount: 1 })], nextFlag: "" })).d).toEqual({ count: 10 });
    expect((await mine).threadList[0]).toMatchObject({ threadID: "t1", unreadMessageCount: 1 });
  });

  it("reject with Plaza's numeric thread codes", async () => {
    const h = await login();
    const locked = h.zim.updateCommunityThreadName("x", "t1", "c");
    await h.answer("updateCommunityThreadName", undefined, { code: "thread_locked", zimCode: 7007004, message: "thread t1 is locked", field: "threadID" });
    await expect(locked).rejects.toEqual({ code: ZIMErrorCode.PlazaThreadLocked, message: "thread t1 is locked", plazaCode: "thread_locked", field: "threadID" });
    expect(ZIMErrorCode.PlazaThreadNesting).toBe(7007001);
    expect(ZIMErrorCode.PlazaAlreadyThreadMember).toBe(7007008);
  });
});

describe("ZIM thread events and unread", () => {
  it("translates the thread list and follower events", async () => {
    const h = await login();
    h.conn.dispatch(1, "communityThreadListChanged", { communityID: "c", channelID: "#general", changeInfoList: [{ action: 0, thread: thread() }] });
    h.conn.dispatch(2, "communityThreadMemberStateChanged", {
      communityID: "c", channelID: "#general", threadID: "t1", operatedUserID: "alice",
      changeInfoList: [{ state: 1, action: 2, memberInfo: { userID: "bob", userName: "Bob", userAvatarUrl: "", memberRole: 3, joinTime: 9 } }],
    });
    await until(() => h.of("communityThreadMemberStateChanged").length === 1, "member event");
    expect(h.of("communityThreadListChanged")[0]).toMatchObject({ communityID: "c", channelID: "#general", changeInfoList: [{ action: 0, thread: { threadID: "t1", conversationID: "c/t1" } }] });
    expect(h.of("communityThreadMemberStateChanged")[0]).toEqual({
      communityID: "c", channelID: "#general", threadID: "t1", operatedUserID: "alice",
      changeInfoList: [{ state: 1, action: 2, memberInfo: { userID: "bob", userName: "Bob", userAvatarUrl: "", userExtendedData: "", memberRole: 3, joinTime: 9 } }],
    });
  });

  it("follows a thread the user is mentioned in: its own conversation, the community's thread totals, never the parent's", async () => {
    const h = await login();
    h.conn.dispatch(1, "communityThreadListChanged", { communityID: "c", channelID: "#general", changeInfoList: [{ action: 0, thread: thread() }] });
    // Mentioned: the server makes the user a follower, then delivers the message.
    h.conn.dispatch(2, "communityThreadMemberStateChanged", {
      communityID: "c", channelID: "#general", threadID: "t1", operatedUserID: "bob",
      changeInfoList: [{ state: 1, action: 1, memberInfo: { userID: "me", userName: "", userAvatarUrl: "", memberRole: 3, joinTime: 9 } }],
    });
    h.conn.dispatch(3, "messageReceived", { communityID: "c", channelID: "t1", messageList: [m(2, { mentionedUserIDs: ["me"] })] });
    const mention = { messageID: "102", messageSeq: 2, fromUserID: "bob", type: 1 as const };
    const f = await h.answer("queryJoinedCommunityThreadList", { threadList: [joined({ lastMessageSeq: 2, messageCount: 2, unreadMessageCount: 1, mentionedInfoList: [mention] })], nextFlag: "" });
    expect(f.d).toEqual({ communityID: "c", count: 100 });
    await until(() => h.of("conversationTotalUnreadMessageCountUpdated").length > 0, "total");
    const got = h.of("messageReceived")[0]!;
    expect(got.receivedInfo).toMatchObject({ conversationID: "c/t1", conversationType: ZIMConversationType.CommunityThread });
    const added = h.of("conversationChanged")[0]!.infoList[0]!;
    expect(added.action).toBe(0);
    expect(added.conversation).toMatchObject({ conversationID: "c/t1", type: ZIMConversationType.CommunityThread, parentChannelID: "#general", unreadMessageCount: 1, conversationName: "Trip" });
    expect(h.of("communityListChanged").at(-1)!.changeInfoList[0]!.community).toMatchObject({ totalUnreadMessageCount: 3, threadTotalUnreadMessageCount: 1, threadTotalUnreadMentionCount: 1 });
    expect(h.of("conversationTotalUnreadMessageCountUpdated").at(-1)!.totalUnreadMessageCount).toBe(4);

    // A later message of the thread: counted in it, reported as a thread's, not a channel's.
    h.events.length = 0;
    h.conn.dispatch(4, "messageReceived", { communityID: "c", channelID: "t1", messageList: [m(3)] });
    await until(() => h.of("conversationTotalUnreadMessageCountUpdated").length > 0, "total after m3");
    expect(h.of("conversationChanged")[0]!.infoList[0]!.conversation).toMatchObject({ conversationID: "c/t1", unreadMessageCount: 2 });
    expect(h.of("communityChannelListChanged")).toEqual([]);
    expect(h.of("communityListChanged")[0]!.changeInfoList[0]!.community).toMatchObject({ totalUnreadMessageCount: 3, threadTotalUnreadMessageCount: 2, threadTotalUnreadMentionCount: 1 });
    expect(h.of("conversationTotalUnreadMessageCountUpdated")[0]!.totalUnreadMessageCount).toBe(5);

    // Community info carries the totals from the list.
    const info = h.zim.queryCommunityInfo("c");
    await h.answer("queryCommunityInfo", { communityInfo: { communityID: "c", communityName: "C", communityAvatarUrl: "", communityNotice: "", communityAttributes: {}, joinMode: 0, inviteMode: 0, creatorUserID: "a", createTime: 1, currentMemberCount: 2, muteInfo: { mode: 0, expiredTime: 0, roles: [] } } });
    expect((await info).communityInfo).toMatchObject({ threadTotalUnreadMessageCount: 2, threadTotalUnreadMentionCount: 1 });

    // Dismissed: the conversation goes, and its unread with it.
    h.events.length = 0;
    h.conn.dispatch(5, "communityThreadListChanged", { communityID: "c", channelID: "#general", changeInfoList: [{ action: 1, thread: thread() }] });
    await until(() => h.of("conversationTotalUnreadMessageCountUpdated").length > 0, "total after dismiss");
    expect(h.of("conversationChanged")[0]!.infoList[0]).toMatchObject({ action: 1, conversation: { conversationID: "c/t1" } });
    expect(h.of("communityListChanged")[0]!.changeInfoList[0]!.community).toMatchObject({ threadTotalUnreadMessageCount: 0, threadTotalUnreadMentionCount: 0 });
    expect(h.of("conversationTotalUnreadMessageCountUpdated")[0]!.totalUnreadMessageCount).toBe(3);
  });

  it("tells an unknown channel ID's messages for a thread's before delivering them, in order", async () => {
    const h = await login();
    h.conn.dispatch(1, "messageReceived", { communityID: "c", channelID: "old", messageList: [m(5, { channelID: "old" })] });
    h.conn.dispatch(2, "messageReceived", { communityID: "c", channelID: "old", messageList: [m(6, { channelID: "old" })] });
    await h.answer("queryCommunityChannelList", { communityID: "c", channelList: [channelConv()], nextFlag: "" });
    const f = await h.answer("queryCommunityThreadsInfo", { communityID: "c", threadInfos: [thread({ channelID: "old", threadID: "old" })], errorThreadIDs: [] });
    expect(f.d).toEqual({ communityID: "c", threadIDs: ["old"] });
    // Not followed: the followed threads are read once, and nothing counts.
    await h.answer("queryJoinedCommunityThreadList", { threadList: [], nextFlag: "" });
    await until(() => h.of("messageReceived").length === 2, "two messages");
    expect(h.of("messageReceived").map((d) => [d.receivedInfo.conversationType, d.messageList[0]!.messageSeq])).toEqual([
      [ZIMConversationType.CommunityThread, 5],
      [ZIMConversationType.CommunityThread, 6],
    ]);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.of("conversationChanged")).toEqual([]);
    // A channel's messages go out at once.
    h.conn.dispatch(3, "messageReceived", { communityID: "c", channelID: "#general", messageList: [m(5, { channelID: "#general" })] });
    await until(() => h.of("messageReceived").length === 3, "channel message");
    expect(h.of("messageReceived")[2]!.receivedInfo.conversationType).toBe(ZIMConversationType.CommunityChannel);
  });
});
