// A channel's or followed thread's conversation state, as the client keeps
// it between the server's answers: unread is derived from seqs (the
// channel's last seq minus the person's read seq, as the server derives
// it), so that the same message counted twice (a push, then a fresher read)
// counts once.
import type { ChannelConversation, JoinedThread, Message } from "@plazahq/sdk";

/** Conv is one conversation in the sidebar. */
export interface Conv {
  communityID: string;
  channelID: string;
  /** 0 GENERAL, 1 public, 2 private, 3 thread. */
  channelType: number;
  name: string;
  /** A thread's parent channel. */
  parentChannelID?: string;
  lastMessageSeq: number;
  readMessageSeq: number;
  /** The seqs of unread messages that mention the person (or everyone). */
  mentionSeqs: readonly number[];
  /** 1 notify, 2 do-not-disturb. */
  notificationStatus: number;
  /** When the conversation last had a message (for ordering threads). */
  activeAt: number;
}

/** unread is a conversation's unread count. */
export function unread(c: Conv): number {
  return Math.max(0, c.lastMessageSeq - c.readMessageSeq);
}

/** mentions is a conversation's count of unread mentions. */
export function mentions(c: Conv): number {
  return c.mentionSeqs.filter((s) => s > c.readMessageSeq).length;
}

/** fromChannel makes a Conv of a channel (or thread) conversation the server sent. */
export function fromChannel(c: ChannelConversation): Conv {
  const conv: Conv = {
    communityID: c.communityID,
    channelID: c.channelID,
    channelType: c.channelType,
    name: c.channelName || c.channelID,
    lastMessageSeq: c.lastMessageSeq,
    readMessageSeq: c.readMessageSeq,
    mentionSeqs: c.mentionedInfoList.map((m) => m.messageSeq),
    notificationStatus: c.notificationStatus,
    activeAt: c.lastMessage?.timestamp ?? 0,
  };
  if (c.parentChannelID) conv.parentChannelID = c.parentChannelID;
  return conv;
}

/** fromThread makes a Conv of a followed thread. */
export function fromThread(t: JoinedThread): Conv {
  return {
    communityID: t.communityID,
    channelID: t.channelID,
    channelType: 3,
    name: t.threadName,
    parentChannelID: t.parentChannelID,
    lastMessageSeq: t.lastMessageSeq,
    readMessageSeq: t.readMessageSeq,
    mentionSeqs: t.mentionedInfoList.map((m) => m.messageSeq),
    notificationStatus: t.notificationStatus,
    activeAt: Math.max(t.lastMessage?.timestamp ?? 0, t.createTime),
  };
}

/**
 * merge folds a fresher server state into what the client has: seqs only
 * move forward (a push may have told the client of a message that the
 * server's answer, read a moment earlier, did not count yet).
 */
export function merge(have: Conv | undefined, fresh: Conv): Conv {
  if (!have) return fresh;
  const read = Math.max(have.readMessageSeq, fresh.readMessageSeq);
  const seqs = new Set([...have.mentionSeqs, ...fresh.mentionSeqs].filter((s) => s > read));
  return {
    ...fresh,
    lastMessageSeq: Math.max(have.lastMessageSeq, fresh.lastMessageSeq),
    readMessageSeq: read,
    mentionSeqs: [...seqs].sort((a, b) => a - b),
    activeAt: Math.max(have.activeAt, fresh.activeAt),
  };
}

/** mentionsUser reports whether a message mentions a user, by name or by mentioning everyone. */
export function mentionsUser(m: Message, userID: string): boolean {
  return m.senderUserID !== userID && (m.isMentionAll === true || (m.mentionedUserIDs?.includes(userID) ?? false));
}

/** received folds a new message into a conversation: its seq, and whether it mentions the person or was sent by them. */
export function received(c: Conv, m: Message, me: string): Conv {
  if (m.messageSeq <= 0) return c;
  const next: Conv = { ...c, lastMessageSeq: Math.max(c.lastMessageSeq, m.messageSeq), activeAt: Math.max(c.activeAt, m.timestamp) };
  // The sender's own read position advances with its send (SPEC §6).
  if (m.senderUserID === me) next.readMessageSeq = Math.max(c.readMessageSeq, m.messageSeq);
  else if (mentionsUser(m, me) && m.messageSeq > c.readMessageSeq && !c.mentionSeqs.includes(m.messageSeq)) {
    next.mentionSeqs = [...c.mentionSeqs, m.messageSeq];
  }
  return next;
}

/** read marks a conversation read up to seq. */
export function read(c: Conv, seq: number): Conv {
  if (seq <= c.readMessageSeq) return c;
  return { ...c, readMessageSeq: seq, mentionSeqs: c.mentionSeqs.filter((s) => s > seq) };
}
