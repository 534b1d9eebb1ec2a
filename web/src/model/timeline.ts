// A conversation's messages as the client holds them: the pages loaded so
// far, in seq order, each seq once, and the messages on their way out.
import type { Message, MessageContent, Reaction } from "@plazahq/sdk";

/** Outgoing is a message the person sent that the server has not stored yet. */
export interface Outgoing {
  /** The send's clientMessageID: a retry with it is stored once. */
  clientMessageID: string;
  communityID: string;
  channelID: string;
  content: MessageContent;
  /** The message answered, for a reply. */
  replyTo?: Message;
  /** sending: on its way (retried while the network is away); failed: refused. */
  state: "sending" | "failed";
  error?: string;
  createdAt: number;
}

/**
 * Timeline holds one conversation's loaded messages, ascending by seq. Every
 * change makes a new array, so that views compare by identity.
 */
export class Timeline {
  readonly communityID: string;
  readonly channelID: string;
  messages: readonly Message[] = [];
  pending: readonly Outgoing[] = [];
  /** Whether older messages remain on the server. */
  hasOlder = true;
  /** The cursor of the next older page (queryHistoryMessage's nextMessageSeq). */
  olderCursor = 0;
  loadingOlder = false;
  /** Whether the newest page has been loaded. */
  loaded = false;
  loading: Promise<void> | undefined;

  constructor(communityID: string, channelID: string) {
    this.communityID = communityID;
    this.channelID = channelID;
  }

  /** lastSeq is the seq of the newest message held (0: none). */
  get lastSeq(): number {
    return this.messages.at(-1)?.messageSeq ?? 0;
  }

  /** firstSeq is the seq of the oldest message held (0: none). */
  get firstSeq(): number {
    return this.messages[0]?.messageSeq ?? 0;
  }

  /**
   * upsert merges messages by seq: new ones are inserted in order, known
   * ones replaced (an edit, a revoke, a fresher copy). Messages without a
   * seq (commands) are not kept. It reports whether anything changed, and
   * drops the outgoing messages the server has now stored.
   */
  upsert(list: readonly Message[]): boolean {
    const stored = list.filter((m) => m.messageSeq > 0);
    if (stored.length === 0) return false;
    const bySeq = new Map<number, Message>();
    for (const m of this.messages) bySeq.set(m.messageSeq, m);
    let changed = false;
    for (const m of stored) {
      const had = bySeq.get(m.messageSeq);
      if (had === m) continue;
      bySeq.set(m.messageSeq, had ? keepThread(had, m) : m);
      changed = true;
    }
    if (changed) {
      const last = this.messages.at(-1)?.messageSeq ?? 0;
      // The common cases, newer messages or an older page, keep their order.
      const next = [...bySeq.values()];
      if (!stored.every((m) => m.messageSeq > last)) next.sort((a, b) => a.messageSeq - b.messageSeq);
      this.messages = next;
    }
    const ids = new Set(stored.map((m) => m.clientMessageID).filter(Boolean));
    if (ids.size > 0 && this.pending.some((o) => ids.has(o.clientMessageID))) {
      this.pending = this.pending.filter((o) => !ids.has(o.clientMessageID));
      changed = true;
    }
    return changed;
  }

  /** find returns the message of a seq, if loaded. */
  find(seq: number): Message | undefined {
    let lo = 0;
    let hi = this.messages.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.messages[mid]!.messageSeq;
      if (s === seq) return this.messages[mid];
      if (s < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** update replaces the message of a seq with fn's result; it reports whether one was loaded. */
  update(seq: number, fn: (m: Message) => Message): boolean {
    const m = this.find(seq);
    if (!m) return false;
    const next = fn(m);
    if (next === m) return false;
    this.messages = this.messages.map((x) => (x.messageSeq === seq ? next : x));
    return true;
  }

  /** addPending adds an outgoing message at the end. */
  addPending(o: Outgoing): void {
    this.pending = [...this.pending, o];
  }

  /** setPending changes an outgoing message. */
  setPending(clientMessageID: string, change: Partial<Outgoing>): void {
    this.pending = this.pending.map((o) => (o.clientMessageID === clientMessageID ? { ...o, ...change } : o));
  }

  /** removePending drops an outgoing message. */
  removePending(clientMessageID: string): void {
    this.pending = this.pending.filter((o) => o.clientMessageID !== clientMessageID);
  }
}

// keepThread keeps the thread summary a message had when a copy without it
// arrives (an edit event carries the message as stored, and the summary is
// computed only when a channel's history is read).
function keepThread(had: Message, m: Message): Message {
  if (m.threadInfo || !had.threadInfo || m.type === 31) return m;
  return { ...m, threadInfo: had.threadInfo };
}

/**
 * mergeReactions takes a message's reactions after someone's change
 * (messageReactionsChanged, where isSelfIncluded is always false) and keeps
 * whether the person reacted, which only this client knows.
 */
export function mergeReactions(before: readonly Reaction[], after: readonly Reaction[], me: string): Reaction[] {
  return after.map((r) => {
    const prev = before.find((b) => b.reactionType === r.reactionType);
    const listed = r.userList.some((u) => u.userID === me);
    const self = listed || (prev?.isSelfIncluded === true && r.totalCount > r.userList.length);
    return self === r.isSelfIncluded ? r : { ...r, isSelfIncluded: self };
  });
}
