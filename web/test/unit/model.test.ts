import { describe, expect, it } from "vitest";
import type { Message, Reaction } from "@plazahq/sdk";
import { fromThread, mentions, merge, read, received, unread, type Conv } from "../../src/model/conversation.js";
import { mergeReactions, Timeline } from "../../src/model/timeline.js";
import { claims, tokenFromFragment } from "../../src/lib/token.js";
import { pathOf, placeOf } from "../../src/lib/route.js";

function msg(seq: number, sender = "bob", extra: Partial<Message> = {}): Message {
  return {
    type: 1,
    message: "m" + seq,
    messageID: String(1000 + seq),
    messageSeq: seq,
    communityID: "c",
    channelID: "ch",
    senderUserID: sender,
    timestamp: seq * 1000,
    rootRepliedCount: 0,
    reactions: [],
    ...extra,
  };
}

const conv = (last: number, readSeq: number): Conv => ({
  communityID: "c",
  channelID: "ch",
  channelType: 1,
  name: "ch",
  lastMessageSeq: last,
  readMessageSeq: readSeq,
  mentionSeqs: [],
  notificationStatus: 2,
  activeAt: 0,
});

describe("conversation", () => {
  it("derives unread from seqs, so a message counted twice counts once", () => {
    let c = conv(3, 3);
    c = received(c, msg(4), "me");
    c = received(c, msg(4), "me");
    c = received(c, msg(5, "ann", { mentionedUserIDs: ["me"] }), "me");
    expect(unread(c)).toBe(2);
    expect(mentions(c)).toBe(1);
    // The server's answer, read before message 5, does not undo it.
    c = merge(c, conv(4, 3));
    expect(unread(c)).toBe(2);
    expect(mentions(c)).toBe(1);
    c = read(c, 5);
    expect([unread(c), mentions(c)]).toEqual([0, 0]);
  });

  it("advances the sender's own read position with their send", () => {
    const c = received(conv(3, 1), msg(4, "me"), "me");
    expect(c.readMessageSeq).toBe(4);
    expect(received(conv(3, 3), msg(4, "me", { isMentionAll: true }), "me").mentionSeqs).toEqual([]);
  });

  it("makes a followed thread's conversation", () => {
    const c = fromThread({
      communityID: "c",
      channelID: "t1",
      threadID: "t1",
      channelType: 3,
      parentChannelID: "ch",
      threadName: "Trip",
      rootMessageSeq: 4,
      creatorUserID: "bob",
      createTime: 5,
      isPrivate: false,
      isArchived: false,
      isLocked: false,
      invitable: true,
      autoArchiveDuration: 1440,
      archiveTime: 0,
      messageCount: 3,
      memberCount: 2,
      lastMessageSeq: 3,
      lastMessage: null,
      unreadMessageCount: 2,
      readMessageSeq: 1,
      notificationStatus: 1,
      mentionedInfoList: [{ messageID: "9", messageSeq: 3, fromUserID: "bob", type: 1 }],
    });
    expect([c.channelType, c.parentChannelID, unread(c), mentions(c), c.name]).toEqual([3, "ch", 2, 1, "Trip"]);
  });
});

describe("Timeline", () => {
  it("merges pages and pushes by seq, each once, in order", () => {
    const t = new Timeline("c", "ch");
    expect(t.upsert([msg(8), msg(9), msg(10)])).toBe(true);
    expect(t.upsert([msg(11)])).toBe(true);
    expect(t.upsert([msg(5), msg(6), msg(7)])).toBe(true);
    expect(t.upsert([{ ...msg(0), type: 2 }])).toBe(false);
    expect(t.messages.map((m) => m.messageSeq)).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect(t.find(9)?.message).toBe("m9");
    expect(t.find(4)).toBeUndefined();
    expect([t.firstSeq, t.lastSeq]).toEqual([5, 11]);
  });

  it("replaces an edited message and keeps its thread summary", () => {
    const t = new Timeline("c", "ch");
    const root = msg(3, "bob", { threadInfo: { threadID: "t", threadName: "x", messageCount: 2, lastMessageTime: 1, isArchived: false } });
    t.upsert([root]);
    t.upsert([msg(3, "bob", { message: "edited", editedTime: 9 })]);
    expect(t.find(3)?.message).toBe("edited");
    expect(t.find(3)?.threadInfo?.threadID).toBe("t");
  });

  it("drops an outgoing message once the server stored it", () => {
    const t = new Timeline("c", "ch");
    t.addPending({ clientMessageID: "w1", communityID: "c", channelID: "ch", content: { type: 1, message: "hi" }, state: "sending", createdAt: 0 });
    expect(t.pending.length).toBe(1);
    t.upsert([msg(1, "me", { clientMessageID: "w1" })]);
    expect(t.pending.length).toBe(0);
  });
});

describe("mergeReactions", () => {
  const r = (type: string, count: number, users: string[], self = false): Reaction => ({
    reactionType: type,
    totalCount: count,
    isSelfIncluded: self,
    userList: users.map((u) => ({ userID: u, userName: "", userAvatarUrl: "" })),
  });
  it("keeps whether the person reacted, which the event does not say", () => {
    expect(mergeReactions([r("👍", 1, ["me"], true)], [r("👍", 2, ["me", "bob"])], "me")[0]!.isSelfIncluded).toBe(true);
    expect(mergeReactions([], [r("👍", 1, ["bob"])], "me")[0]!.isSelfIncluded).toBe(false);
    const many = ["a", "b", "c", "d", "e"];
    expect(mergeReactions([r("🎉", 5, many, true)], [r("🎉", 6, many)], "me")[0]!.isSelfIncluded).toBe(true);
  });
});

describe("tokens and places", () => {
  it("reads a token's claims and the fragment that carries it", () => {
    const payload = Buffer.from(JSON.stringify({ app: "123", sub: "bob", exp: 2000000000 })).toString("base64url");
    const token = "eyJhbGciOiJIUzI1NiJ9." + payload + ".sig";
    expect(claims(token)).toEqual({ appID: "123", userID: "bob", expiresAt: 2000000000000 });
    expect(claims("not a token")).toBeUndefined();
    expect(tokenFromFragment("#token=" + token)).toBe(token);
    expect(tokenFromFragment("#other=1")).toBeUndefined();
  });

  it("writes and reads a place in the path, IDs escaped", () => {
    const p = { communityID: "hikers", channelID: "#general" };
    expect(pathOf(p)).toBe("/c/hikers/%23general");
    expect(placeOf(pathOf(p))).toEqual(p);
    expect(placeOf("/")).toEqual({});
    expect(placeOf("/c/%E0%A4%A")).toEqual({});
  });
});
