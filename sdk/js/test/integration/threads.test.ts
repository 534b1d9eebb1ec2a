// Threads (SPEC §6a) through the facade against a real plaza serve: alice
// opens a thread on a message of #general, bob sees it appear live, follows
// it (by joining, by being mentioned, by sending), sees its unread and
// mention counts in the thread's own conversation and the community's thread
// totals (never in #general), and alice archives, locks, kicks and dismisses.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ZIMCommunityMemberChangeAction,
  ZIMCommunityMemberChangeState,
  ZIMCommunityThreadListFilter,
  ZIMConversationNotificationStatus,
  ZIMConversationType,
  ZIMErrorCode,
  ZIMMessageType,
  type ZIMCommunity,
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

const CH = ZIMConversationType.CommunityChannel;
const TH = ZIMConversationType.CommunityThread;
const general = "trips/#general";

function text(s: string, mentionedUserIDs?: string[]): ZIMMessage {
  return mentionedUserIDs ? { type: ZIMMessageType.Text, message: s, mentionedUserIDs } : { type: ZIMMessageType.Text, message: s };
}

// send sends as u and waits out the server's send interval.
async function send(u: ZIMUser, m: ZIMMessage, conversationID: string, type: ZIMConversationType): Promise<ZIMMessage> {
  const r = await u.zim.sendMessage(m, conversationID, type, {});
  await sleep(120);
  return r.message;
}

async function rejection(p: Promise<unknown>): Promise<ZIMError> {
  return (await p.then(
    () => {
      throw new Error("resolved; a rejection was expected");
    },
    (e: unknown) => e,
  )) as ZIMError;
}

describe("threads through the facade", () => {
  let alice: ZIMUser;
  let bob: ZIMUser;
  let threadID = "";
  let threadConv = "";
  // bob's latest view of the community, as the facade reports it.
  const trips = (): ZIMCommunity | undefined =>
    bob
      .of("communityListChanged")
      .flatMap((d) => d.changeInfoList)
      .filter((c) => c.community.baseInfo.communityID === "trips")
      .at(-1)?.community;

  it("sets up two users in a community; bob's #general notifies", async () => {
    alice = new ZIMUser(server, "alice");
    bob = new ZIMUser(server, "bob");
    await alice.login();
    await bob.login();
    await alice.zim.createCommunity({ communityID: "trips", communityName: "Trips" }, {});
    await alice.zim.inviteUsersIntoCommunity(["bob"], "trips");
    await bob.until("communityListChanged", (d) => d.changeInfoList.some((c) => c.community.baseInfo.communityID === "trips"));
    await bob.zim.queryCommunityChannelList("trips", 10, { nextFlag: 0 });
    await bob.zim.setConversationNotificationStatus(ZIMConversationNotificationStatus.Notify, general, CH);
  });

  it("alice opens a thread on a message; bob sees it appear live, and the root message's summary", async () => {
    const root = await send(alice, text("Who is in for the lake hike?"), general, CH);
    await bob.until("messageReceived", (d) => d.messageList.some((m) => m.messageSeq === root.messageSeq));
    await bob.zim.clearConversationUnreadMessageCount(general, CH);
    const { threadInfo } = await alice.zim.createCommunityThread({ communityID: "trips", channelID: "#general", rootMessageSeq: root.messageSeq! }, {});
    threadID = threadInfo.threadID;
    threadConv = threadInfo.conversationID;
    expect(threadID.startsWith("#T")).toBe(true);
    expect(threadConv).toBe(`trips/${threadID}`);
    expect(threadInfo).toMatchObject({ parentChannelID: "#general", threadName: "Who is in for the lake hike?", rootMessageSeq: root.messageSeq, creatorUserID: "alice", isArchived: false, memberCount: 1 });

    const ev = await bob.until("communityThreadListChanged", (d) => d.changeInfoList.some((c) => c.action === 0 && c.thread.threadID === threadID));
    expect(ev).toMatchObject({ communityID: "trips", channelID: "#general" });
    const listed = await bob.zim.queryCommunityThreadList("#general", "trips", 10, { nextFlag: 0 });
    expect(listed.threadList.map((t) => t.threadID)).toEqual([threadID]);
    expect(listed.nextFlag).toBe(0);

    // A message in the thread reaches bob, who sees #general, as a thread's.
    await send(alice, text("I am"), threadConv, TH);
    const got = await bob.until("messageReceived", (d) => d.receivedInfo.conversationID === threadConv);
    expect(got.receivedInfo.conversationType).toBe(TH);
    expect(got.messageList[0]!.conversationType).toBe(TH);
    const hist = await bob.zim.queryHistoryMessage(general, CH, { count: 5 });
    expect(hist.messageList.at(-1)!.threadInfo).toMatchObject({ threadID, messageCount: 1, isArchived: false });
    // bob does not follow it: nothing counts for him.
    const total = await bob.zim.queryConversationTotalUnreadMessageCount();
    expect(total.unreadMessageCount).toBe(0);
  });

  it("bob follows by joining, then sees unread and mentions in the thread, not in #general", async () => {
    await bob.zim.joinCommunityThread(threadID, "trips");
    const added = await bob.until("conversationChanged", (d) => d.infoList.some((i) => i.conversation.conversationID === threadConv && i.action === 0));
    expect(added.infoList.find((i) => i.conversation.conversationID === threadConv)!.conversation).toMatchObject({ type: TH, parentChannelID: "#general", unreadMessageCount: 0 });
    const joined = await alice.until("communityThreadMemberStateChanged", (d) => d.threadID === threadID && d.changeInfoList.some((c) => c.memberInfo.userID === "bob"));
    expect(joined.changeInfoList[0]).toMatchObject({ state: ZIMCommunityMemberChangeState.Entered, action: ZIMCommunityMemberChangeAction.Joined, memberInfo: { userName: "BOB", memberRole: 3 } });
    const members = await alice.zim.queryCommunityThreadMemberList(threadID, "trips", 10, { nextFlag: 0 });
    expect(members.memberList.map((m) => m.userID).sort()).toEqual(["alice", "bob"]);

    bob.events.length = 0;
    await send(alice, text("Saturday?"), threadConv, TH);
    await send(alice, text("@bob bring the map", ["bob"]), threadConv, TH);
    const changed = await bob.until("conversationChanged", (d) => d.infoList.some((i) => i.conversation.conversationID === threadConv && i.conversation.unreadMessageCount === 2));
    const c = changed.infoList.find((i) => i.conversation.conversationID === threadConv)!.conversation;
    expect(c.type).toBe(TH);
    expect(c.mentionedInfoList.map((m) => m.fromUserID)).toEqual(["alice"]);
    await waitFor(() => trips()?.threadTotalUnreadMessageCount === 2 && trips()?.threadTotalUnreadMentionCount === 1, "bob's community thread totals 2 and 1");
    expect(trips()!.totalUnreadMessageCount).toBe(0);
    await bob.until("conversationTotalUnreadMessageCountUpdated", (d) => d.totalUnreadMessageCount === 2);
    // Never in the parent channel: no change of #general, no channel list entry for the thread.
    expect(bob.of("conversationChanged").flatMap((d) => d.infoList).filter((i) => i.conversation.conversationID === general)).toEqual([]);
    expect(bob.of("communityChannelListChanged").flatMap((d) => d.changeInfoList).filter((i) => i.channel.conversationID === threadConv)).toEqual([]);

    // The server agrees with what the facade derived.
    const list = await bob.zim.queryCommunityList(10, { nextFlag: 0 });
    expect(list.communityList.find((x) => x.baseInfo.communityID === "trips")).toMatchObject({ totalUnreadMessageCount: 0, threadTotalUnreadMessageCount: 2, threadTotalUnreadMentionCount: 1 });
    const info = await bob.zim.queryCommunityInfo("trips");
    expect(info.communityInfo).toMatchObject({ threadTotalUnreadMessageCount: 2, threadTotalUnreadMentionCount: 1 });
    expect((await bob.zim.queryConversationTotalUnreadMessageCount()).unreadMessageCount).toBe(2);
    const followed = await bob.zim.queryJoinedCommunityThreadList("trips", 10, { nextFlag: 0 });
    expect(followed.threadList.map((t) => [t.threadID, t.unreadMessageCount, t.mentionedInfoList.length])).toEqual([[threadID, 2, 1]]);
    const threads = await bob.zim.queryConversationList({ count: 10 }, { conversationTypes: [TH] } as never);
    expect(threads.conversationList.map((x) => [x.conversationID, x.unreadMessageCount])).toEqual([[threadConv, 2]]);
    expect((await bob.zim.queryConversation(threadConv, TH)).conversation.unreadMessageCount).toBe(2);

    await bob.zim.clearConversationUnreadMessageCount(threadConv, TH);
    await bob.until("conversationTotalUnreadMessageCountUpdated", (d) => d.totalUnreadMessageCount === 0);
    await waitFor(() => trips()?.threadTotalUnreadMessageCount === 0 && trips()?.threadTotalUnreadMentionCount === 0, "bob's thread totals back to 0");
  });

  it("a mention makes bob follow a thread; sending makes him follow another", async () => {
    bob.events.length = 0;
    const { threadInfo: gear } = await alice.zim.createCommunityThread({ communityID: "trips", channelID: "#general", threadName: "Gear" }, {});
    await bob.until("communityThreadListChanged", (d) => d.changeInfoList.some((c) => c.thread.threadID === gear.threadID));
    await send(alice, text("@bob tent?", ["bob"]), gear.conversationID, TH);
    const added = await bob.until("conversationChanged", (d) => d.infoList.some((i) => i.conversation.conversationID === gear.conversationID && i.action === 0));
    expect(added.infoList.find((i) => i.conversation.conversationID === gear.conversationID)!.conversation).toMatchObject({ type: TH, unreadMessageCount: 1 });
    await waitFor(() => trips()?.threadTotalUnreadMessageCount === 1 && trips()?.threadTotalUnreadMentionCount === 1, "totals after the mention");
    // bob answers: his own message reads the thread.
    await send(bob, text("yes"), gear.conversationID, TH);
    await waitFor(() => trips()?.threadTotalUnreadMessageCount === 0 && trips()?.threadTotalUnreadMentionCount === 0, "totals after bob's answer");

    const { threadInfo: food } = await alice.zim.createCommunityThread({ communityID: "trips", channelID: "#general", threadName: "Food" }, {});
    await bob.until("communityThreadListChanged", (d) => d.changeInfoList.some((c) => c.thread.threadID === food.threadID));
    await send(bob, text("sandwiches"), food.conversationID, TH);
    await bob.until("conversationChanged", (d) => d.infoList.some((i) => i.conversation.conversationID === food.conversationID && i.action === 0));
    await send(alice, text("and fruit"), food.conversationID, TH);
    await bob.until("conversationChanged", (d) => d.infoList.some((i) => i.conversation.conversationID === food.conversationID && i.conversation.unreadMessageCount === 1));
    await waitFor(() => trips()?.threadTotalUnreadMessageCount === 1 && trips()?.threadTotalUnreadMentionCount === 0, "totals after alice's message in Food");
    const followed = await bob.zim.queryJoinedCommunityThreadList("trips", 10, { nextFlag: 0 });
    expect(followed.threadList.map((t) => t.threadID).sort()).toEqual([threadID, gear.threadID, food.threadID].sort());

    // alice kicks bob from Food (owner): his conversation there goes, with its unread.
    await alice.zim.kickCommunityThreadMembers(["bob"], food.threadID, "trips");
    await bob.until("communityThreadMemberStateChanged", (d) => d.threadID === food.threadID && d.changeInfoList.some((c) => c.action === ZIMCommunityMemberChangeAction.KickedOut));
    await bob.until("conversationChanged", (d) => d.infoList.some((i) => i.conversation.conversationID === food.conversationID && i.action === 1));
    await waitFor(() => trips()?.threadTotalUnreadMessageCount === 0, "totals after the kick");
    // alice dismisses Gear: bob sees it go.
    await alice.zim.dismissCommunityThread(gear.threadID, "trips");
    await bob.until("communityThreadListChanged", (d) => d.changeInfoList.some((c) => c.action === 1 && c.thread.threadID === gear.threadID));
    await bob.until("conversationChanged", (d) => d.infoList.some((i) => i.conversation.conversationID === gear.conversationID && i.action === 1));
  });

  it("alice archives, then locks the thread; bob's writes are refused with the thread codes", async () => {
    const last = (await bob.zim.queryHistoryMessage(threadConv, TH, { count: 1 })).messageList[0]!;
    const archived = await alice.zim.updateCommunityThreadArchivedState(true, threadID, "trips");
    expect(archived).toMatchObject({ threadID, isArchived: true, threadInfo: { isArchived: true } });
    await bob.until("communityThreadListChanged", (d) => d.changeInfoList.some((c) => c.action === 2 && c.thread.threadID === threadID && c.thread.isArchived));
    const react = await rejection(bob.zim.addMessageReaction("👍", last));
    expect(react.code).toBe(ZIMErrorCode.PlazaThreadArchived);
    const old = await bob.zim.queryCommunityThreadList("#general", "trips", 10, { nextFlag: 0, filter: ZIMCommunityThreadListFilter.Archived });
    expect(old.threadList.map((t) => t.threadID)).toEqual([threadID]);
    // Renaming is its creator's (or an admin's): bob is refused.
    expect((await rejection(bob.zim.updateCommunityThreadName("mine", threadID, "trips"))).code).toBe(ZIMErrorCode.CommunityModuleNoCorrespondingOperationAuthority);

    const locked = await alice.zim.updateCommunityThreadLockedState(true, threadID, "trips");
    expect(locked).toMatchObject({ isLocked: true, threadInfo: { isLocked: true } });
    await bob.until("communityThreadListChanged", (d) => d.changeInfoList.some((c) => c.thread.threadID === threadID && c.thread.isLocked));
    const denied = await rejection(bob.zim.sendMessage(text("let me in"), threadConv, TH, {}));
    expect(denied.code).toBe(ZIMErrorCode.PlazaThreadLocked);
    expect(denied.plazaCode).toBe("thread_locked");
    // The owner still may; her message unarchives it.
    await send(alice, text("closing this"), threadConv, TH);
    const info = await alice.zim.queryCommunityThreadsInfo([threadID, "nope"], "trips");
    expect(info.threadInfos[0]).toMatchObject({ isArchived: false, isLocked: true, lastMessage: { message: "closing this", conversationType: TH } });
    expect(info.errorThreadIDs).toEqual(["nope"]);
    const dur = await alice.zim.updateCommunityThreadAutoArchiveDuration(60, threadID, "trips");
    expect(dur.autoArchiveDuration).toBe(60);
  });

  it("bob leaves the thread: his conversation and its unread go; alice sees him leave", async () => {
    await waitFor(() => trips()?.threadTotalUnreadMessageCount === 1, "alice's last message unread for bob");
    // A new login starts from the server's totals.
    bob.zim.logout();
    await bob.login();
    expect((await bob.zim.queryCommunityInfo("trips")).communityInfo).toMatchObject({ threadTotalUnreadMessageCount: 1, threadTotalUnreadMentionCount: 0 });
    bob.events.length = 0;
    await bob.zim.leaveCommunityThread(threadID, "trips");
    await bob.until("conversationChanged", (d) => d.infoList.some((i) => i.conversation.conversationID === threadConv && i.action === 1));
    await waitFor(() => trips()?.threadTotalUnreadMessageCount === 0, "bob's totals after leaving");
    const left = await alice.until("communityThreadMemberStateChanged", (d) => d.threadID === threadID && d.changeInfoList.some((c) => c.action === ZIMCommunityMemberChangeAction.Left));
    expect(left.changeInfoList[0]!.state).toBe(ZIMCommunityMemberChangeState.Exited);
    const followed = await bob.zim.queryJoinedCommunityThreadList("trips", 10, { nextFlag: 0 });
    expect(followed.threadList).toEqual([]);
    expect((await rejection(bob.zim.leaveCommunityThread(threadID, "trips"))).code).toBe(ZIMErrorCode.PlazaNotThreadMember);
    alice.zim.logout();
    bob.zim.logout();
  });
});
