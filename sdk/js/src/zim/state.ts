import type { ChannelConversation, Community, Message, MentionedInfo } from "../generated/api.js";

/** Derived is what a new message (or channel head) changed in what the user sees. */
export interface Derived {
  conversation: ChannelConversation;
  /** The community whose total unread changed, when it did. */
  community?: Community;
  /** The user's new total unread, when it changed. */
  total?: number;
}

/** ThreadsDerived is what a new list of a community's followed threads changed. */
export interface ThreadsDerived {
  /** Conversations that appeared (0), went (1) or changed (2). */
  changes: { action: 0 | 1 | 2; conversation: ChannelConversation }[];
  /** The community, when its thread totals changed. */
  community?: Community;
  /** The user's new total unread, when it changed. */
  total?: number;
}

/**
 * LocalState keeps the user's communities and channel conversations as the
 * server last reported them, and derives what new messages change: Plaza
 * pushes no per-member unread counts for a new message (that would be work
 * per member); with the read positions it has, a client computes them
 * (docs/gateway.md). Applying the same message twice changes nothing.
 *
 * Threads (SPEC §6a): a followed thread is a conversation of its own
 * (channelType 3); its messages count there and in the community's thread
 * totals (threadTotalUnreadMessageCount, threadTotalUnreadMentionCount),
 * never in the parent channel or the community's channel total. The state
 * also remembers which channel IDs are threads (IDs are never reused), to
 * tell a thread's messages from a channel's.
 */
export class LocalState {
  readonly me: string;
  #communities = new Map<string, Community>();
  #convs = new Map<string, ChannelConversation>();
  #loaded = new Set<string>();
  #threadsLoaded = new Set<string>();
  #kinds = new Map<string, string>(); // channel key → "" (a channel) or its parent's ID (a thread)

  constructor(me: string) {
    this.me = me;
  }

  /** setCommunities replaces the community list (ready, after a resync) and forgets the conversations, which may be stale. */
  setCommunities(list: Community[]): void {
    this.#communities.clear();
    this.#convs.clear();
    this.#loaded.clear();
    this.#threadsLoaded.clear();
    for (const c of list) this.#communities.set(c.communityID, { ...c });
  }

  putCommunity(c: Community): void {
    this.#communities.set(c.communityID, { ...c });
  }

  removeCommunity(communityID: string): void {
    this.#communities.delete(communityID);
    this.#loaded.delete(communityID);
    this.#threadsLoaded.delete(communityID);
    for (const [k, c] of this.#convs) if (c.communityID === communityID) this.#convs.delete(k);
  }

  community(communityID: string): Community | undefined {
    return this.#communities.get(communityID);
  }

  communities(): Community[] {
    return [...this.#communities.values()];
  }

  putConversation(c: ChannelConversation): void {
    this.#kinds.set(key(c.communityID, c.channelID), c.channelType === 3 ? (c.parentChannelID ?? "?") : "");
    this.#convs.set(key(c.communityID, c.channelID), { ...c, mentionedInfoList: [...(c.mentionedInfoList ?? [])] });
  }

  removeConversation(communityID: string, channelID: string): void {
    this.#convs.delete(key(communityID, channelID));
  }

  conversation(communityID: string, channelID: string): ChannelConversation | undefined {
    return this.#convs.get(key(communityID, channelID));
  }

  /** loaded reports whether every channel conversation of a community is known. */
  loaded(communityID: string): boolean {
    return this.#loaded.has(communityID);
  }

  markLoaded(communityID: string): void {
    this.#loaded.add(communityID);
  }

  /** total is the user's total unread: the channels and followed threads in notify of its communities in notify. */
  total(): number {
    let n = 0;
    for (const c of this.#communities.values()) if (c.notificationStatus === 1) n += c.totalUnreadMessageCount + (c.threadTotalUnreadMessageCount ?? 0);
    return n;
  }

  // ---- threads ----

  /** noteThread remembers that a channel ID of a community is a thread of parentChannelID. */
  noteThread(communityID: string, threadID: string, parentChannelID: string): void {
    this.#kinds.set(key(communityID, threadID), parentChannelID || "?");
  }

  /** noteChannel remembers that a channel ID of a community is a channel, not a thread. */
  noteChannel(communityID: string, channelID: string): void {
    if (!this.#kinds.has(key(communityID, channelID))) this.#kinds.set(key(communityID, channelID), "");
  }

  /** isThread reports whether a channel ID is a thread the state knows of. */
  isThread(communityID: string, channelID: string): boolean {
    return !!this.#kinds.get(key(communityID, channelID));
  }

  /** kindKnown reports whether the state knows a channel ID to be a channel or a thread. */
  kindKnown(communityID: string, channelID: string): boolean {
    return this.#kinds.has(key(communityID, channelID));
  }

  /** threadsLoaded reports whether every followed thread of a community is known. */
  threadsLoaded(communityID: string): boolean {
    return this.#threadsLoaded.has(communityID);
  }

  /**
   * setThreads replaces a community's followed-thread conversations with
   * the server's list, and its thread totals with their sums (exact: the
   * list is every followed thread). A thread in `entered` that appears is
   * reported as added, one that goes as deleted, and others whose unread
   * state changed as updated; on the first load of the community (nothing
   * to compare with) only the threads in `entered` are reported.
   */
  setThreads(communityID: string, list: ChannelConversation[], entered: ReadonlySet<string> = new Set()): ThreadsDerived {
    const first = !this.#threadsLoaded.has(communityID);
    const before = new Map<string, ChannelConversation>();
    for (const [k, c] of this.#convs) if (c.communityID === communityID && c.channelType === 3) before.set(k, c);
    const out: ThreadsDerived = { changes: [] };
    for (const c of list) {
      const k = key(c.communityID, c.channelID);
      const old = before.get(k);
      before.delete(k);
      this.putConversation(c);
      const now = this.#convs.get(k)!;
      if (!old) {
        if (!first || entered.has(c.channelID)) out.changes.push({ action: 0, conversation: { ...now } });
      } else if (old.unreadMessageCount !== now.unreadMessageCount || old.lastMessageSeq !== now.lastMessageSeq || old.readMessageSeq !== now.readMessageSeq || old.mentionedInfoList.length !== now.mentionedInfoList.length || old.notificationStatus !== now.notificationStatus) {
        out.changes.push({ action: 2, conversation: { ...now } });
      }
    }
    for (const [k, old] of before) {
      this.#convs.delete(k);
      out.changes.push({ action: 1, conversation: old });
    }
    this.#threadsLoaded.add(communityID);
    const c = this.#communities.get(communityID);
    if (c) {
      let unread = 0;
      let mentions = 0;
      for (const t of this.#convs.values()) {
        if (t.communityID !== communityID || t.channelType !== 3 || t.notificationStatus !== 1) continue;
        unread += t.unreadMessageCount;
        mentions += t.mentionedInfoList.length;
      }
      if (unread !== (c.threadTotalUnreadMessageCount ?? 0) || mentions !== (c.threadTotalUnreadMentionCount ?? 0)) {
        const totalChanges = unread !== (c.threadTotalUnreadMessageCount ?? 0);
        c.threadTotalUnreadMessageCount = unread;
        c.threadTotalUnreadMentionCount = mentions;
        out.community = { ...c };
        if (totalChanges && c.notificationStatus === 1) out.total = this.total();
      }
    }
    return out;
  }

  /**
   * dropThread forgets the caller's conversation in a dismissed thread and
   * takes its unread out of the community's thread totals; undefined when
   * the caller had none.
   */
  dropThread(communityID: string, threadID: string): Derived | undefined {
    const k = key(communityID, threadID);
    const conv = this.#convs.get(k);
    if (!conv) return undefined;
    this.#convs.delete(k);
    const d: Derived = { conversation: conv };
    const c = this.#communities.get(communityID);
    if (c && conv.notificationStatus === 1 && (conv.unreadMessageCount > 0 || conv.mentionedInfoList.length > 0)) {
      c.threadTotalUnreadMessageCount = Math.max(0, (c.threadTotalUnreadMessageCount ?? 0) - conv.unreadMessageCount);
      c.threadTotalUnreadMentionCount = Math.max(0, (c.threadTotalUnreadMentionCount ?? 0) - conv.mentionedInfoList.length);
      d.community = { ...c };
      if (conv.unreadMessageCount > 0 && c.notificationStatus === 1) d.total = this.total();
    }
    return d;
  }

  /** applyMessages takes new messages of a channel; undefined when the channel's conversation is unknown or nothing changed. */
  applyMessages(communityID: string, channelID: string, messages: Message[]): Derived | undefined {
    const conv = this.#convs.get(key(communityID, channelID));
    if (!conv) return undefined;
    const before = { unread: conv.unreadMessageCount, last: conv.lastMessageSeq, read: conv.readMessageSeq, mentions: conv.mentionedInfoList.length };
    for (const m of messages) {
      const seq = m.messageSeq ?? 0;
      if (seq === 0) continue;
      if (seq > conv.lastMessageSeq) {
        conv.lastMessageSeq = seq;
        conv.lastMessage = m;
      } else if (seq === conv.lastMessageSeq) {
        conv.lastMessage = m;
      }
      if (m.senderUserID === this.me) {
        conv.readMessageSeq = Math.max(conv.readMessageSeq, seq);
      } else if (seq > conv.readMessageSeq) {
        const type = mentionType(m, this.me);
        if (type && !conv.mentionedInfoList.some((x) => x.messageSeq === seq)) {
          conv.mentionedInfoList.push({ messageID: m.messageID, messageSeq: seq, fromUserID: m.senderUserID, type });
          conv.mentionedInfoList.sort((a, b) => a.messageSeq - b.messageSeq);
        }
      }
    }
    return this.#settle(conv, before);
  }

  /** applyHead takes a channel's newest seq (channelHeadsUpdated). */
  applyHead(communityID: string, channelID: string, lastMessageSeq: number): Derived | undefined {
    const conv = this.#convs.get(key(communityID, channelID));
    if (!conv || lastMessageSeq <= conv.lastMessageSeq) return undefined;
    const before = { unread: conv.unreadMessageCount, last: conv.lastMessageSeq, read: conv.readMessageSeq, mentions: conv.mentionedInfoList.length };
    conv.lastMessageSeq = lastMessageSeq;
    return this.#settle(conv, before);
  }

  #settle(conv: ChannelConversation, before: { unread: number; last: number; read: number; mentions: number }): Derived | undefined {
    conv.mentionedInfoList = conv.mentionedInfoList.filter((x: MentionedInfo) => x.messageSeq > conv.readMessageSeq);
    conv.unreadMessageCount = Math.max(0, conv.lastMessageSeq - conv.readMessageSeq);
    const delta = conv.unreadMessageCount - before.unread;
    if (delta === 0 && conv.lastMessageSeq === before.last && conv.readMessageSeq === before.read && conv.mentionedInfoList.length === before.mentions) {
      return undefined;
    }
    const d: Derived = { conversation: { ...conv } };
    const c = this.#communities.get(conv.communityID);
    if (!c || conv.notificationStatus !== 1) return d;
    if (conv.channelType === 3) {
      // A followed thread: its own totals, never the channels'.
      const mentions = conv.mentionedInfoList.length - before.mentions;
      if (delta === 0 && mentions === 0) return d;
      c.threadTotalUnreadMessageCount = Math.max(0, (c.threadTotalUnreadMessageCount ?? 0) + delta);
      c.threadTotalUnreadMentionCount = Math.max(0, (c.threadTotalUnreadMentionCount ?? 0) + mentions);
    } else {
      if (delta === 0) return d;
      c.totalUnreadMessageCount = Math.max(0, c.totalUnreadMessageCount + delta);
    }
    d.community = { ...c };
    if (delta !== 0 && c.notificationStatus === 1) d.total = this.total();
    return d;
  }
}

function key(communityID: string, channelID: string): string {
  return `${communityID}/${channelID}`;
}

// mentionType says how a message mentions the user: 1 by name, 2 everyone, 3 both; 0 not.
function mentionType(m: Message, me: string): 0 | 1 | 2 | 3 {
  const byName = (m.mentionedUserIDs ?? []).includes(me);
  const all = m.isMentionAll === true;
  return byName && all ? 3 : all ? 2 : byName ? 1 : 0;
}
