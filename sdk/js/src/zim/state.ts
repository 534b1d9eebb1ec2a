import type { ChannelConversation, Community, Message, MentionedInfo } from "../generated/api.js";

/** Derived is what a new message (or channel head) changed in what the user sees. */
export interface Derived {
  conversation: ChannelConversation;
  /** The community whose total unread changed, when it did. */
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
 */
export class LocalState {
  readonly me: string;
  #communities = new Map<string, Community>();
  #convs = new Map<string, ChannelConversation>();
  #loaded = new Set<string>();

  constructor(me: string) {
    this.me = me;
  }

  /** setCommunities replaces the community list (ready, after a resync) and forgets the conversations, which may be stale. */
  setCommunities(list: Community[]): void {
    this.#communities.clear();
    this.#convs.clear();
    this.#loaded.clear();
    for (const c of list) this.#communities.set(c.communityID, { ...c });
  }

  putCommunity(c: Community): void {
    this.#communities.set(c.communityID, { ...c });
  }

  removeCommunity(communityID: string): void {
    this.#communities.delete(communityID);
    this.#loaded.delete(communityID);
    for (const [k, c] of this.#convs) if (c.communityID === communityID) this.#convs.delete(k);
  }

  community(communityID: string): Community | undefined {
    return this.#communities.get(communityID);
  }

  communities(): Community[] {
    return [...this.#communities.values()];
  }

  putConversation(c: ChannelConversation): void {
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

  /** total is the user's total unread: its communities in notify. */
  total(): number {
    let n = 0;
    for (const c of this.#communities.values()) if (c.notificationStatus === 1) n += c.totalUnreadMessageCount;
    return n;
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
    if (c && delta !== 0 && conv.notificationStatus === 1) {
      c.totalUnreadMessageCount = Math.max(0, c.totalUnreadMessageCount + delta);
      d.community = { ...c };
      if (c.notificationStatus === 1) d.total = this.total();
    }
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
