import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { ChannelConversation, Community, Message } from "../../src/generated/api.js";
import { content, conversationIDOf, message, parseConversationID, toZIMError } from "../../src/zim/convert.js";
import { Cursors } from "../../src/zim/paging.js";
import { LocalState } from "../../src/zim/state.js";
import { ZIM, ZIMConversationType, ZIMMessageType, ZIMMessageDirection, ZIMMessageRevokeStatus, ZIMCommunityChannelType, ZIMErrorCode } from "../../src/index.js";
import { PlazaError } from "../../src/core/errors.js";

function m(seq: number, over: Partial<Message> = {}): Message {
  return { type: 1, message: `m${seq}`, messageID: String(100 + seq), messageSeq: seq, communityID: "c", channelID: "ch", senderUserID: "bob", timestamp: 1000 + seq, rootRepliedCount: 0, reactions: [], ...over };
}

describe("conversation IDs", () => {
  it("derive from (communityID, channelID) and map back", () => {
    const id = conversationIDOf("#Babc", "#general");
    expect(id).toBe("#Babc/#general");
    expect(parseConversationID(id, ZIMConversationType.CommunityChannel)).toEqual({ communityID: "#Babc", channelID: "#general" });
    expect(parseConversationID(id, ZIMConversationType.CommunityThread)).toEqual({ communityID: "#Babc", channelID: "#general" });
  });
  it("refuse a channel ID, and other conversation types, with 6000001", () => {
    expect(() => parseConversationID("#general", 3)).toThrow(PlazaError);
    expect(toZIMError(catchIt(() => parseConversationID("a/b", 2))).code).toBe(6000001);
  });
});

function catchIt(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("nextFlag", () => {
  it("maps cursors to numbers; 0 is the first page and the last", () => {
    const c = new Cursors();
    expect(c.flagOf("")).toBe(0);
    const f = c.flagOf("opaque-1");
    expect(f).toBeGreaterThan(0);
    expect(c.cursorOf(f)).toBe("opaque-1");
    expect(c.cursorOf(0)).toBeUndefined();
    expect(toZIMError(catchIt(() => c.cursorOf(999))).code).toBe(6000001);
  });
});

describe("messages", () => {
  it("carry the reference's fields", () => {
    const z = message(m(3, { senderUserID: "me", clientMessageID: "L1" }), "me");
    expect(z).toMatchObject({ type: ZIMMessageType.Text, message: "m3", messageSeq: 3, conversationID: "c/ch", conversationType: 3, direction: ZIMMessageDirection.Send, localMessageID: "L1", orderKey: 3 });
  });
  it("turn a revoked placeholder into a ZIMRevokeMessage", () => {
    const z = message(m(4, { type: 31, message: undefined, revokeInfo: { operatedUserID: "admin", revokeTime: 5, originalMessageType: 1 } }), "me") as unknown as Record<string, unknown>;
    expect(z.type).toBe(ZIMMessageType.Revoke);
    expect(z.operatedUserID).toBe("admin");
    expect(z.revokeStatus).toBe(ZIMMessageRevokeStatus.GroupAdminRevoke);
  });
  it("send what Plaza takes, and refuse what it cannot store", () => {
    expect(content({ type: ZIMMessageType.Text, message: "hi", mentionedUserIDs: ["a"] })).toEqual({ type: 1, message: "hi", mentionedUserIDs: ["a"] });
    expect(content({ type: ZIMMessageType.Command, message: new TextEncoder().encode("ping") })).toEqual({ type: 2, message: "ping" });
    expect(content({ type: ZIMMessageType.Image, fileDownloadUrl: "https://x/a.png", originalImageWidth: 10 } as never)).toEqual({ type: 11, fileDownloadUrl: "https://x/a.png", imageWidth: 10 });
    expect(toZIMError(catchIt(() => content({ type: ZIMMessageType.Image } as never))).code).toBe(6000001);
    expect(toZIMError(catchIt(() => content({ type: ZIMMessageType.Barrage, message: "x" } as never))).code).toBe(6000001);
  });
});

function conv(over: Partial<ChannelConversation> = {}): ChannelConversation {
  return {
    communityID: "c", channelID: "ch", channelType: 1, channelName: "n", channelAvatarUrl: "", channelAttributes: {}, notificationStatus: 1,
    unreadMessageCount: 0, lastMessage: null, lastMessageSeq: 2, readMessageSeq: 2, mentionedInfoList: [], selfMutedExpiredTime: 0, draft: "", isPinned: false, pinnedTime: 0, ...over,
  };
}

describe("derived unread", () => {
  // (Asserted rather than typed: threads add fields to Community.)
  const community = { communityID: "c", communityName: "C", communityAvatarUrl: "", totalUnreadMessageCount: 0, notificationStatus: 1, memberRole: 3 } as Community;
  it("counts new messages of others, mentions, and the community's and user's totals", () => {
    const s = new LocalState("me");
    s.setCommunities([community]);
    s.putConversation(conv());
    const d = s.applyMessages("c", "ch", [m(3), m(4, { mentionedUserIDs: ["me"] })])!;
    expect(d.conversation.unreadMessageCount).toBe(2);
    expect(d.conversation.mentionedInfoList.map((x) => x.messageSeq)).toEqual([4]);
    expect(d.community?.totalUnreadMessageCount).toBe(2);
    expect(d.total).toBe(2);
    // Applying the same messages again changes nothing.
    expect(s.applyMessages("c", "ch", [m(3), m(4)])).toBeUndefined();
    // The user's own message moves its read position.
    const mine = s.applyMessages("c", "ch", [m(5, { senderUserID: "me" })])!;
    expect(mine.conversation.unreadMessageCount).toBe(0);
    expect(mine.conversation.mentionedInfoList).toEqual([]);
    expect(mine.total).toBe(0);
  });
  it("leaves the community total alone for a channel in do-not-disturb", () => {
    const s = new LocalState("me");
    s.setCommunities([community]);
    s.putConversation(conv({ notificationStatus: 2 }));
    const d = s.applyMessages("c", "ch", [m(3)])!;
    expect(d.conversation.unreadMessageCount).toBe(1);
    expect(d.community).toBeUndefined();
  });
});

describe("ZIM", () => {
  it("create keeps one instance until destroy; getInstance returns it", () => {
    const a = ZIM.create({ appID: 1, server: "http://127.0.0.1:1" });
    expect(a).toBeInstanceOf(ZIM);
    expect(ZIM.create({ appID: 1, server: "http://127.0.0.1:1" })).toBeNull();
    expect(ZIM.getInstance()).toBe(a);
    a!.destroy();
    expect(ZIM.getInstance()).toBeNull();
  });
  it("refuses a config without server", () => {
    expect(toZIMError(catchIt(() => new ZIM({ appID: 1 } as never))).code).toBe(6000001);
  });
  it("keeps one listener per event, as the reference does", async () => {
    const z = new ZIM({ appID: 1, server: "http://127.0.0.1:1", WebSocket });
    const seen: string[] = [];
    z.on("connectionStateChanged", () => seen.push("first"));
    z.on("connectionStateChanged", (_z, d) => seen.push(`second:${d.state}`));
    const err = await z.login("u", { token: "t" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 6000104 });
    expect(seen).toEqual(["second:1", "second:0"]);
    z.off("connectionStateChanged");
    await z.login("u", { token: "t" }).catch(() => undefined);
    expect(seen).toHaveLength(2);
  });
  it("rejects calls before login with 6000121", async () => {
    const z = new ZIM({ appID: 1, server: "http://127.0.0.1:1" });
    await expect(z.queryCommunityList(10, { nextFlag: 0 })).rejects.toMatchObject({ code: 6000121 });
    await expect(z.sendMessage({ type: 1, message: "x" }, "c/ch", 3, {})).rejects.toMatchObject({ code: 6000121 });
  });
  it("rejects the reference methods Plaza lacks with 6000013, saying why", async () => {
    const z = new ZIM({ appID: 1, server: "http://127.0.0.1:1" });
    await expect(z.pinMessage({ type: 1 }, true)).rejects.toMatchObject({ code: ZIMErrorCode.CommonModuleUnsupportedRequest });
    await expect(z.deleteConversation("c/ch", 3)).rejects.toMatchObject({ code: 6000013 });
  });
  it("exports the reference's enums by name and value, with Plaza's thread type", () => {
    expect(ZIMConversationType.CommunityChannel).toBe(3);
    expect(ZIMConversationType.CommunityThread).toBe(4);
    expect(ZIMCommunityChannelType.Private).toBe(2);
    expect(ZIMErrorCode.CommunityModuleCommunityDoesNotExist).toBe(6001004);
    expect(ZIMErrorCode.NetworkModuleTokenExpired).toBe(6000106);
  });
});
