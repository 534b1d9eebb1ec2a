// Chat is everything the web client knows of one signed-in person: their
// communities, conversations with unread counts, the messages loaded, the
// members, threads and the connection. It is built on the SDK's core
// (PlazaClient, GatewaySession): every operation by its ID, every event by
// its name, as docs/gateway.md describes them. Views read it and re-render
// when it says it changed.
import {
  PlazaClient,
  PlazaError,
  type Community,
  type EventMap,
  type EventName,
  type GatewayEvent,
  type GatewaySession,
  type Member,
  type Message,
  type MessageContent,
  type MessageListEvent,
  type OperationID,
  type RequestOf,
  type ResultOf,
  type StateChange,
  type Thread,
  type UserInfo,
} from "@plazahq/sdk";
import { fromChannel, fromThread, merge, read, received, type Conv } from "./conversation.js";
import { mergeReactions, Timeline, type Outgoing } from "./timeline.js";

/** ConnState is the connection as the person sees it. */
export type ConnState = "connecting" | "connected" | "reconnecting" | "closed";

/** Toast is a short message for the person: a refused action, a lost connection. */
export interface Toast {
  id: number;
  text: string;
}

/** ChatOptions configures a Chat. */
export interface ChatOptions {
  /** The server's base URL (the page's own origin when served by plaza serve). */
  baseURL: string;
  token: string;
  /** renew returns a new token for the same user (development sign-in), if the client can get one. */
  renew?: () => Promise<string>;
}

/** key names a conversation: a community's channel or thread. */
export function key(communityID: string, channelID: string): string {
  return communityID + "\u0000" + channelID;
}

/** How many messages a page of history holds (the server's maximum is 100). */
export const PageSize = 50;

// Errors after which a send is tried again: the request may not have
// reached the server, and the clientMessageID makes a repeat safe.
const retryable = new Set(["network_error", "timeout", "not_connected", "rate_limited", "unavailable"]);

export class Chat {
  readonly client: PlazaClient;
  session: GatewaySession | undefined;
  me = "";
  appID = "";
  state: ConnState = "connecting";
  /** Why the session ended, when state is closed. */
  closedReason = "";
  /** How the connection last came back: resumed (nothing missed) or resynced (missed events re-read). */
  restored: "resumed" | "resynced" | undefined;
  /** The person's communities, in the order of their list. */
  communities = new Map<string, Community>();
  convs = new Map<string, Conv>();
  timelines = new Map<string, Timeline>();
  /** Members by community, once loaded. */
  members = new Map<string, Map<string, Member>>();
  users = new Map<string, UserInfo>();
  /** Threads known, by key(communityID, threadID). */
  threads = new Map<string, Thread>();
  toasts: Toast[] = [];

  #opts: ChatOptions;
  #listeners = new Set<() => void>();
  #queued = false;
  #heads = new Map<string, number>(); // newest seq seen per conversation, known or not
  #channelsLoaded = new Map<string, Promise<void>>();
  #membersLoading = new Map<string, Promise<void>>();
  #refresh = new Map<string, ReturnType<typeof setTimeout>>();
  #unknownUsers = new Set<string>();
  #usersTimer: ReturnType<typeof setTimeout> | undefined;
  #readTimers = new Map<string, ReturnType<typeof setTimeout>>();
  #outboxes = new Map<string, Promise<void>>();
  #wake = new Set<() => void>();
  #toastID = 0;
  #active: string[] = [];
  #closed = false;

  constructor(opts: ChatOptions) {
    this.#opts = opts;
    // fetch is called on the window: the SDK's default calls it on its
    // REST client, which browsers refuse ("Illegal invocation").
    this.client = new PlazaClient({ baseURL: opts.baseURL, token: opts.token, fetch: (url, init) => globalThis.fetch(url, init) });
  }

  // ---- change notification ----

  /** subscribe calls fn after every change (batched); it returns the function that stops it. */
  subscribe(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #changed(): void {
    if (this.#queued) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      for (const fn of [...this.#listeners]) fn();
    });
  }

  /** toast shows a short message for a few seconds. */
  toast(text: string): void {
    const t = { id: ++this.#toastID, text };
    this.toasts = [...this.toasts, t];
    this.#changed();
    setTimeout(() => {
      this.toasts = this.toasts.filter((x) => x !== t);
      this.#changed();
    }, 6000);
  }

  /** call runs an operation; a refusal becomes a toast and rejects. */
  async call<K extends OperationID>(op: K, req: RequestOf<K>): Promise<ResultOf<K>> {
    try {
      return await this.client.call(op, req);
    } catch (e) {
      this.toast(describe(e));
      throw e;
    }
  }

  // ---- the session ----

  /**
   * start connects, then loads what the first screen shows. A refused
   * token rejects (PlazaError token_invalid or token_expired).
   */
  async start(): Promise<void> {
    const s = await this.client.connect();
    this.session = s;
    this.me = s.ready.userID;
    this.appID = s.ready.appID;
    this.state = "connected";
    for (const c of s.ready.communityList) this.communities.set(c.communityID, c);
    this.#listen(s);
    s.onState((c) => this.#state(c));
    void s.ended.then((why) => {
      if (this.#closed) return;
      this.state = "closed";
      this.closedReason = why instanceof PlazaError ? describe(why) : `the connection ended (${why.code})`;
      this.#changed();
    });
    window.addEventListener("online", this.#onOnline);
    window.addEventListener("offline", this.#onOffline);
    this.#changed();
    await this.#loadConversations().catch((e) => this.toast(describe(e)));
  }

  /** close signs out: the session ends and nothing more arrives. */
  close(): void {
    this.#closed = true;
    window.removeEventListener("online", this.#onOnline);
    window.removeEventListener("offline", this.#onOffline);
    this.client.close();
  }

  // A browser that knows it lost the network says so at once; the SDK would
  // find out only when heartbeats go unanswered. Cutting the link makes it
  // resume as soon as the network is back.
  #onOffline = (): void => {
    this.session?.drop();
  };

  #onOnline = (): void => {
    this.#wakeSenders();
  };

  #state(c: StateChange): void {
    if (this.#closed) return;
    if (c.state === "reconnecting") this.state = "reconnecting";
    if (c.state === "connected") {
      this.state = "connected";
      this.restored = c.restored;
      this.#wakeSenders();
      // A resync means events were missed: the SDK fetched the messages of
      // the channels it tracks; the rest (read positions, lists) is read
      // again.
      if (c.restored === "resynced") void this.#reload();
    }
    this.#changed();
  }

  async #reload(): Promise<void> {
    try {
      const { communityList } = await this.client.call("queryCommunityList", { count: 100 });
      const fresh = new Map(communityList.map((c) => [c.communityID, c]));
      for (const id of this.communities.keys()) if (!fresh.has(id)) this.#dropCommunity(id);
      for (const c of communityList) this.communities.set(c.communityID, c);
      // What was shown is read again: lists, members, conversations.
      const shown = [...this.#channelsLoaded.keys()].filter((id) => this.communities.has(id));
      const withMembers = [...this.members.keys()].filter((id) => this.communities.has(id));
      this.#channelsLoaded.clear();
      this.#membersLoading.clear();
      this.members.clear();
      await this.#loadConversations();
      await Promise.all([...shown.map((id) => this.loadCommunity(id)), ...withMembers.map((id) => this.loadMembers(id))]);
      if (this.#active.length > 0) this.session?.setActiveCommunities(this.#active).catch(() => {});
    } catch (e) {
      console.warn("plaza: reload after resync", e);
    }
    this.#changed();
  }

  /** renewToken hands the session a fresh token (development sign-in renews by itself). */
  async #renew(): Promise<void> {
    if (!this.#opts.renew) {
      this.toast("Your session ends in a few seconds: sign in again with a new token.");
      return;
    }
    try {
      const token = await this.#opts.renew();
      await this.client.renewToken(token);
      sessionStorage.setItem("plaza.token", token);
    } catch (e) {
      console.warn("plaza: token renewal", e);
    }
  }

  // ---- loading ----

  // loadConversations reads every conversation of the person across
  // communities (channels and followed threads), with unread counts.
  async #loadConversations(): Promise<void> {
    let nextFlag = "";
    for (let page = 0; page < 20; page++) {
      const r = await this.client.call("queryConversationList", { count: 100, nextFlag });
      for (const c of r.conversationList) this.#putConv(fromChannel(c));
      nextFlag = r.nextFlag;
      if (!nextFlag) break;
    }
    this.#changed();
  }

  /** loadCommunity reads a community's channels and followed threads, once (again after changes). */
  loadCommunity(communityID: string): Promise<void> {
    let p = this.#channelsLoaded.get(communityID);
    if (!p) {
      p = this.#readCommunity(communityID).catch((e) => {
        this.#channelsLoaded.delete(communityID);
        console.warn("plaza: load community", communityID, e);
      });
      this.#channelsLoaded.set(communityID, p);
    }
    return p;
  }

  async #readCommunity(communityID: string): Promise<void> {
    const seen = new Set<string>();
    let nextFlag = "";
    do {
      const r = await this.client.call("queryCommunityChannelList", { communityID, count: 100, nextFlag });
      for (const c of r.channelList) {
        this.#putConv(fromChannel(c));
        seen.add(c.channelID);
      }
      nextFlag = r.nextFlag;
    } while (nextFlag);
    nextFlag = "";
    do {
      const r = await this.client.call("queryJoinedCommunityThreadList", { communityID, count: 100, nextFlag });
      for (const t of r.threadList) {
        this.threads.set(key(communityID, t.channelID), t);
        this.#putConv(fromThread(t));
        seen.add(t.channelID);
      }
      nextFlag = r.nextFlag;
    } while (nextFlag);
    // Channels the person no longer sees, threads no longer followed.
    for (const [k, c] of this.convs) if (c.communityID === communityID && !seen.has(c.channelID)) this.convs.delete(k);
    this.#changed();
  }

  // refreshCommunity reads a community's lists again, soon: changes come in
  // bursts (a channel added and its tips message), one read answers them all.
  #refreshCommunity(communityID: string): void {
    if (this.#refresh.has(communityID)) return;
    this.#refresh.set(
      communityID,
      setTimeout(() => {
        this.#refresh.delete(communityID);
        this.#channelsLoaded.delete(communityID);
        void this.loadCommunity(communityID);
      }, 150),
    );
  }

  /** loadMembers reads a community's members (the first 1,000), once. */
  loadMembers(communityID: string): Promise<void> {
    let p = this.#membersLoading.get(communityID);
    if (!p) {
      p = (async () => {
        const m = new Map<string, Member>();
        let nextFlag = "";
        for (let page = 0; page < 10; page++) {
          const r = await this.client.call("queryCommunityMemberList", { communityID, count: 100, nextFlag });
          for (const x of r.memberList) {
            m.set(x.userID, x);
            this.#putUser(x);
          }
          nextFlag = r.nextFlag;
          if (!nextFlag) break;
        }
        this.members.set(communityID, m);
        this.#changed();
      })().catch((e) => {
        this.#membersLoading.delete(communityID);
        console.warn("plaza: load members", communityID, e);
      });
      this.#membersLoading.set(communityID, p);
    }
    return p;
  }

  /** timeline returns a conversation's timeline, loading its newest page the first time. */
  timeline(communityID: string, channelID: string): Timeline {
    const k = key(communityID, channelID);
    let tl = this.timelines.get(k);
    if (!tl) {
      tl = new Timeline(communityID, channelID);
      this.timelines.set(k, tl);
    }
    if (!tl.loaded && !tl.loading) {
      const t = tl;
      t.loading = (async () => {
        try {
          const r = await this.client.call("queryHistoryMessage", { communityID, channelID, count: PageSize });
          t.upsert(r.messageList);
          this.#learnThreads(communityID, r.messageList);
          t.olderCursor = r.nextMessageSeq;
          t.hasOlder = r.nextMessageSeq !== 0 && r.messageList.length > 0 && t.firstSeq > 1;
          t.loaded = true;
          // From here the SDK delivers this conversation's every message
          // once, in order, through drops, resumes and resyncs.
          this.session?.track(communityID, channelID, t.lastSeq);
          const c = this.convs.get(k);
          if (c && t.lastSeq > c.lastMessageSeq) this.convs.set(k, { ...c, lastMessageSeq: t.lastSeq });
          this.#wantUsers(r.messageList.map((m) => m.senderUserID));
        } catch (e) {
          console.warn("plaza: history", e);
          this.toast(describe(e));
        } finally {
          t.loading = undefined;
          this.#changed();
        }
      })();
    }
    return tl;
  }

  /** loadOlder reads the page of messages before the oldest loaded. */
  async loadOlder(tl: Timeline): Promise<void> {
    if (!tl.loaded || !tl.hasOlder || tl.loadingOlder) return;
    tl.loadingOlder = true;
    this.#changed();
    try {
      const r = await this.client.call("queryHistoryMessage", {
        communityID: tl.communityID,
        channelID: tl.channelID,
        nextMessageSeq: tl.olderCursor || tl.firstSeq,
        count: 100,
      });
      tl.upsert(r.messageList);
      this.#learnThreads(tl.communityID, r.messageList);
      tl.olderCursor = r.nextMessageSeq;
      tl.hasOlder = r.nextMessageSeq !== 0 && r.messageList.length > 0 && tl.firstSeq > 1;
      this.#wantUsers(r.messageList.map((m) => m.senderUserID));
    } catch (e) {
      this.toast(describe(e));
    } finally {
      tl.loadingOlder = false;
      this.#changed();
    }
  }

  /** setActive tells the server which community the person looks at (large communities send it every event). */
  setActive(communityID: string): void {
    if (this.#active[0] === communityID) return;
    this.#active = [communityID];
    this.session?.setActiveCommunities(this.#active).catch(() => {});
  }

  // ---- reading ----

  /** markRead marks a conversation read up to its newest message (sent to the server shortly after). */
  markRead(communityID: string, channelID: string): void {
    const k = key(communityID, channelID);
    const c = this.convs.get(k);
    if (!c || c.readMessageSeq >= c.lastMessageSeq) return;
    const seq = c.lastMessageSeq;
    this.convs.set(k, read(c, seq));
    this.#changed();
    clearTimeout(this.#readTimers.get(k));
    this.#readTimers.set(
      k,
      setTimeout(() => {
        this.#readTimers.delete(k);
        this.client.call("clearConversationUnreadMessageCount", { communityID, channelID, messageSeq: seq }).catch((e) => console.warn("plaza: mark read", e));
      }, 250),
    );
  }

  // ---- sending ----

  /**
   * send sends a message (a reply when replyTo is set). It shows at once as
   * sending, and is retried with the same clientMessageID while the network
   * is away, so that it is stored once and never lost; a refusal marks it
   * failed, to be retried or dismissed.
   */
  send(communityID: string, channelID: string, content: MessageContent, replyTo?: Message): void {
    const o: Outgoing = { clientMessageID: newID(), communityID, channelID, content, state: "sending", createdAt: Date.now() };
    if (replyTo) o.replyTo = replyTo;
    this.timeline(communityID, channelID).addPending(o);
    this.#changed();
    this.#enqueue(o);
  }

  /** retry sends a failed message again. */
  retry(o: Outgoing): void {
    const tl = this.timeline(o.communityID, o.channelID);
    tl.setPending(o.clientMessageID, { state: "sending", error: "" });
    this.#changed();
    this.#enqueue({ ...o, state: "sending" });
  }

  /** discard drops a failed message. */
  discard(o: Outgoing): void {
    this.timeline(o.communityID, o.channelID).removePending(o.clientMessageID);
    this.#changed();
  }

  // enqueue sends messages of one conversation one after the other, in the
  // order the person wrote them.
  #enqueue(o: Outgoing): void {
    const k = key(o.communityID, o.channelID);
    const prev = this.#outboxes.get(k) ?? Promise.resolve();
    const next = prev.then(() => this.#deliver(o));
    this.#outboxes.set(k, next);
    void next.finally(() => {
      if (this.#outboxes.get(k) === next) this.#outboxes.delete(k);
    });
  }

  async #deliver(o: Outgoing): Promise<void> {
    const tl = this.timeline(o.communityID, o.channelID);
    let wait = 250;
    for (;;) {
      if (this.#closed) return;
      try {
        const base = { communityID: o.communityID, channelID: o.channelID, message: o.content, clientMessageID: o.clientMessageID };
        const r = o.replyTo ? await this.client.call("replyMessage", { ...base, toMessageSeq: o.replyTo.messageSeq }) : await this.client.call("sendMessage", base);
        tl.removePending(o.clientMessageID);
        this.#messages(o.communityID, o.channelID, [r.message], false);
        return;
      } catch (e) {
        if (e instanceof PlazaError && retryable.has(e.code)) {
          const until = e.code === "rate_limited" && e.until ? Math.max(0, e.until - Date.now()) : wait;
          await this.#pause(Math.min(until, 10_000));
          wait = Math.min(wait * 2, 5000);
          continue;
        }
        tl.setPending(o.clientMessageID, { state: "failed", error: describe(e) });
        this.#changed();
        return;
      }
    }
  }

  // pause waits ms, or less when the connection comes back.
  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.#wake.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.#wake.add(done);
    });
  }

  #wakeSenders(): void {
    for (const fn of [...this.#wake]) fn();
  }

  // ---- message actions ----

  /** edit replaces a message's text. */
  async edit(m: Message, text: string): Promise<void> {
    const r = await this.call("editMessage", { communityID: m.communityID, channelID: m.channelID, messageSeq: m.messageSeq, message: { type: m.type, message: text } });
    this.timelines.get(key(m.communityID, m.channelID))?.upsert([r.message]);
    this.#changed();
  }

  /** revoke withdraws a message for everyone. */
  async revoke(m: Message): Promise<void> {
    const r = await this.call("revokeMessage", { communityID: m.communityID, channelID: m.channelID, messageSeq: m.messageSeq });
    this.timelines.get(key(m.communityID, m.channelID))?.upsert([r.message]);
    this.#changed();
  }

  /** react adds the person's reaction, or withdraws it when they had made it. */
  async react(m: Message, reactionType: string): Promise<void> {
    const mine = m.reactions.find((r) => r.reactionType === reactionType)?.isSelfIncluded === true;
    const req = { communityID: m.communityID, channelID: m.channelID, messageSeq: m.messageSeq, reactionType };
    const r = mine ? await this.call("deleteMessageReaction", req) : await this.call("addMessageReaction", req);
    this.timelines.get(key(m.communityID, m.channelID))?.update(m.messageSeq, (x) => ({ ...x, reactions: r.reactions }));
    this.#changed();
  }

  // ---- threads ----

  /** threadOf returns the thread a message opened, if any. */
  threadOf(m: Message): Thread | undefined {
    return m.threadInfo ? this.threads.get(key(m.communityID, m.threadInfo.threadID)) : undefined;
  }

  /**
   * openThread returns the thread of a channel message: the one it opened,
   * or a new one opened now.
   */
  async openThread(m: Message): Promise<Thread> {
    if (m.threadInfo) return this.loadThread(m.communityID, m.threadInfo.threadID);
    try {
      const r = await this.client.call("createCommunityThread", { communityID: m.communityID, channelID: m.channelID, rootMessageSeq: m.messageSeq });
      this.#putThread(r.threadInfo);
      return r.threadInfo;
    } catch (e) {
      // Someone else opened one from the same message a moment before.
      if (e instanceof PlazaError && e.code === "thread_exists") {
        const tl = this.timelines.get(key(m.communityID, m.channelID));
        const r = await this.client.call("queryMessages", { communityID: m.communityID, channelID: m.channelID, messageSeqs: [m.messageSeq] });
        tl?.upsert(r.messageList);
        const id = r.messageList[0]?.threadInfo?.threadID;
        if (id) return this.loadThread(m.communityID, id);
      }
      this.toast(describe(e));
      throw e;
    }
  }

  /** loadThread reads a thread's information. */
  async loadThread(communityID: string, threadID: string): Promise<Thread> {
    const have = this.threads.get(key(communityID, threadID));
    if (have) return have;
    const r = await this.call("queryCommunityThreadsInfo", { communityID, threadIDs: [threadID] });
    const t = r.threadInfos[0];
    if (!t) throw new PlazaError({ code: "channel_not_found", zimCode: 6001062, message: "the thread is gone, or hidden from you" });
    this.#putThread(t);
    return t;
  }

  /** follow starts or stops following a thread. */
  async follow(t: Thread, on: boolean): Promise<void> {
    const req = { communityID: t.communityID, threadID: t.channelID };
    if (on) await this.call("joinCommunityThread", req);
    else {
      await this.call("leaveCommunityThread", req);
      this.convs.delete(key(t.communityID, t.channelID));
    }
    this.#refreshCommunity(t.communityID);
    this.#changed();
  }

  #putThread(t: Thread): void {
    this.threads.set(key(t.communityID, t.channelID), t);
    // The root message's summary, when its channel is loaded.
    if (t.rootMessageSeq > 0) {
      const tl = this.timelines.get(key(t.communityID, t.parentChannelID));
      tl?.update(t.rootMessageSeq, (m) => ({
        ...m,
        threadInfo: {
          threadID: t.channelID,
          threadName: t.threadName,
          messageCount: Math.max(t.messageCount, m.threadInfo?.messageCount ?? 0),
          lastMessageTime: Math.max(m.threadInfo?.lastMessageTime ?? 0, t.lastMessage?.timestamp ?? t.createTime),
          isArchived: t.isArchived,
        },
      }));
    }
    const c = this.convs.get(key(t.communityID, t.channelID));
    if (c && c.name !== t.threadName) this.convs.set(key(t.communityID, t.channelID), { ...c, name: t.threadName });
    this.#changed();
  }

  // learnThreads notes which thread each loaded root message opened, so
  // that the thread's messages update its summary.
  #learnThreads(communityID: string, list: readonly Message[]): void {
    for (const m of list) {
      const ti = m.threadInfo;
      if (!ti) continue;
      const k = key(communityID, ti.threadID);
      const t = this.threads.get(k);
      if (t) this.threads.set(k, { ...t, threadName: ti.threadName, messageCount: Math.max(t.messageCount, ti.messageCount), isArchived: ti.isArchived });
      else
        this.threads.set(k, {
          communityID,
          channelID: ti.threadID,
          threadID: ti.threadID,
          channelType: 3,
          parentChannelID: m.channelID,
          threadName: ti.threadName,
          rootMessageSeq: m.messageSeq,
          creatorUserID: "",
          createTime: ti.lastMessageTime,
          isPrivate: false,
          isArchived: ti.isArchived,
          isLocked: false,
          invitable: true,
          autoArchiveDuration: 1440,
          archiveTime: 0,
          messageCount: ti.messageCount,
          memberCount: 0,
          lastMessageSeq: ti.messageCount,
          lastMessage: null,
        });
    }
  }

  // ---- communities, channels, members ----

  /** createCommunity creates a community with the person as its owner. */
  async createCommunity(communityName: string): Promise<string> {
    const r = await this.call("createCommunity", { communityName });
    const info = r.communityInfo;
    if (!this.communities.has(info.communityID)) {
      this.communities.set(info.communityID, {
        communityID: info.communityID,
        communityName: info.communityName,
        communityAvatarUrl: info.communityAvatarUrl,
        totalUnreadMessageCount: 0,
        notificationStatus: 1,
        memberRole: 1,
        threadTotalUnreadMessageCount: 0,
        threadTotalUnreadMentionCount: 0,
      });
    }
    await this.loadCommunity(info.communityID);
    this.#changed();
    return info.communityID;
  }

  /** joinCommunity joins a community by its ID. */
  async joinCommunity(communityID: string): Promise<void> {
    await this.call("joinCommunity", { communityID });
    const r = await this.client.call("queryCommunityList", { count: 100 });
    for (const c of r.communityList) this.communities.set(c.communityID, c);
    this.#channelsLoaded.delete(communityID);
    await this.loadCommunity(communityID);
    this.#changed();
  }

  /** createChannel adds a public channel. */
  async createChannel(communityID: string, channelName: string): Promise<string> {
    const r = await this.call("createCommunityChannel", { communityID, channelName });
    await this.#readCommunity(communityID);
    return r.channelInfo.channelID;
  }

  /** invite brings users into a community; it returns those who could not be. */
  async invite(communityID: string, userIDs: string[]): Promise<string[]> {
    const r = await this.call("inviteUsersIntoCommunity", { communityID, userIDs });
    this.#membersLoading.delete(communityID);
    void this.loadMembers(communityID);
    return r.errorUserList.map((e) => e.userID);
  }

  /** setRole makes a member an admin (2) or a plain member (3). */
  async setRole(communityID: string, userID: string, memberRole: 2 | 3): Promise<void> {
    await this.call("updateCommunityMemberRole", { communityID, forUserID: userID, memberRole });
    const m = this.members.get(communityID)?.get(userID);
    if (m) this.members.get(communityID)!.set(userID, { ...m, memberRole });
    this.#changed();
  }

  /** setName sets the person's display name. */
  async setName(userName: string): Promise<void> {
    const r = await this.call("updateUserName", { userName });
    this.#putUser({ userID: this.me, userName: r.userName, userAvatarUrl: this.users.get(this.me)?.userAvatarUrl ?? "" });
    for (const m of this.members.values()) {
      const x = m.get(this.me);
      if (x) m.set(this.me, { ...x, userName: r.userName });
    }
    this.#changed();
  }

  /** role is the person's role in a community (1 owner, 2 admin, 3 member; 0 unknown). */
  role(communityID: string): number {
    return this.communities.get(communityID)?.memberRole ?? 0;
  }

  /** name is how a user is shown: their name, else their ID. */
  name(userID: string): string {
    return this.users.get(userID)?.userName || userID;
  }

  #putUser(u: UserInfo): void {
    this.users.set(u.userID, { userID: u.userID, userName: u.userName, userAvatarUrl: u.userAvatarUrl });
  }

  // wantUsers reads the profiles of users seen in messages whose names the
  // client does not know yet, a hundred at a time.
  #wantUsers(ids: Iterable<string>): void {
    for (const id of ids) if (id && !id.startsWith("#") && !this.users.has(id)) this.#unknownUsers.add(id);
    if (this.#unknownUsers.size === 0 || this.#usersTimer) return;
    this.#usersTimer = setTimeout(() => {
      this.#usersTimer = undefined;
      const ids = [...this.#unknownUsers].slice(0, 100);
      for (const id of ids) this.#unknownUsers.delete(id);
      this.client
        .call("queryUsersInfo", { userIDs: ids })
        .then((r) => {
          for (const u of r.userList) this.#putUser(u);
          for (const e of r.errorUserList) this.#putUser({ userID: e.userID, userName: "", userAvatarUrl: "" });
          this.#changed();
        })
        .catch(() => {});
    }, 50);
  }

  #putConv(c: Conv): void {
    const k = key(c.communityID, c.channelID);
    const head = this.#heads.get(k) ?? 0;
    const next = merge(this.convs.get(k), c);
    this.convs.set(k, head > next.lastMessageSeq ? { ...next, lastMessageSeq: head } : next);
  }

  #dropCommunity(communityID: string): void {
    this.communities.delete(communityID);
    this.members.delete(communityID);
    this.#channelsLoaded.delete(communityID);
    for (const [k, c] of this.convs) if (c.communityID === communityID) this.convs.delete(k);
    for (const [k, t] of this.timelines) if (t.communityID === communityID) this.timelines.delete(k);
  }

  // ---- events ----

  // listen handles every event the client shows (docs/gateway.md), each
  // followed by one batched re-render.
  #listen(s: GatewaySession): void {
    const on = <K extends EventName>(name: K, fn: (d: EventMap[K], e: GatewayEvent<K>) => void): void => {
      s.on(name, (d, e) => {
        fn(d, e);
        this.#changed();
      });
    };
    on("messageReceived", (d) => this.#messages(d.communityID, d.channelID, d.messageList, true));
    const replaced = (d: MessageListEvent): void => {
      this.timelines.get(key(d.communityID, d.channelID))?.upsert(d.messageList);
    };
    on("messageEdited", replaced);
    on("messageRevokeReceived", replaced);
    on("messageReactionsChanged", (d) => {
      this.timelines.get(key(d.communityID, d.channelID))?.update(d.messageSeq, (m) => ({ ...m, reactions: mergeReactions(m.reactions, d.reactions, this.me) }));
      this.#wantUsers(d.reactions.flatMap((r) => r.userList.map((u) => u.userID)));
    });
    // The person read, or changed a setting, here or on another device.
    on("conversationChanged", (d) => {
      for (const ch of d.infoList) this.#putConv(fromChannel(ch.conversation));
    });
    on("communityListChanged", (d) => {
      for (const ch of d.changeInfoList) {
        const c = ch.community;
        if (ch.action === 1) {
          this.#dropCommunity(c.communityID);
          continue;
        }
        const isNew = !this.communities.has(c.communityID);
        this.communities.set(c.communityID, c);
        if (isNew) void this.loadCommunity(c.communityID);
      }
    });
    on("communityInfoUpdated", (d) => {
      for (const u of d.updateInfoList) {
        const have = this.communities.get(u.communityInfo.communityID);
        if (have) this.communities.set(have.communityID, { ...have, communityName: u.communityInfo.communityName, communityAvatarUrl: u.communityInfo.communityAvatarUrl });
      }
    });
    // Channels added, removed, renamed: the community's lists are read again.
    on("communityChannelListChanged", (d) => this.#refreshCommunity(d.communityID));
    on("communityChannelInfoUpdated", (d) => this.#refreshCommunity(d.communityID));
    on("communityMemberStateChanged", (d) => {
      const members = this.members.get(d.communityID);
      for (const ch of d.changeInfoList) {
        this.#putUser(ch.memberInfo);
        if (ch.state === 1) members?.set(ch.memberInfo.userID, ch.memberInfo);
        else {
          members?.delete(ch.memberInfo.userID);
          if (ch.memberInfo.userID === this.me) this.#dropCommunity(d.communityID);
        }
      }
    });
    on("communityMemberInfoUpdated", (d) => {
      const members = this.members.get(d.communityID);
      for (const u of d.updateInfoList) {
        this.#putUser(u.memberInfo);
        members?.set(u.memberInfo.userID, u.memberInfo);
        const c = this.communities.get(d.communityID);
        if (u.memberInfo.userID === this.me && c) this.communities.set(d.communityID, { ...c, memberRole: u.memberInfo.memberRole });
      }
    });
    on("communityThreadListChanged", (d) => {
      for (const ch of d.changeInfoList) {
        const t = ch.thread;
        const k = key(t.communityID, t.channelID);
        if (ch.action !== 1) {
          this.#putThread(t);
          continue;
        }
        this.threads.delete(k);
        this.convs.delete(k);
        this.timelines.get(key(t.communityID, t.parentChannelID))?.update(t.rootMessageSeq, (m) => {
          const { threadInfo: _gone, ...rest } = m;
          return rest;
        });
      }
    });
    on("communityThreadMemberStateChanged", (d) => {
      for (const ch of d.changeInfoList) {
        this.#putUser(ch.memberInfo);
        if (ch.memberInfo.userID !== this.me) continue;
        // The person follows the thread now (by hand, as its root's sender,
        // by being mentioned) or no longer: their followed threads are read
        // again, with the thread's unread count.
        if (ch.state === 0) this.convs.delete(key(d.communityID, d.threadID));
        this.#refreshCommunity(d.communityID);
      }
    });
    // A large community's channels that got messages (docs/gateway.md).
    on("channelHeadsUpdated", (d) => {
      for (const h of d.heads) {
        const k = key(d.communityID, h.channelID);
        this.#heads.set(k, Math.max(this.#heads.get(k) ?? 0, h.lastMessageSeq));
        const c = this.convs.get(k);
        if (c && h.lastMessageSeq > c.lastMessageSeq) this.convs.set(k, { ...c, lastMessageSeq: h.lastMessageSeq });
      }
    });
    on("tokenWillExpire", () => void this.#renew());
    on("kickedOut", (d) => {
      this.closedReason = d.reason.message;
    });
  }

  // messages takes new messages of a conversation: its timeline when
  // loaded, its unread count, the summary of the thread they belong to.
  #messages(communityID: string, channelID: string, list: readonly Message[], pushed: boolean): void {
    const k = key(communityID, channelID);
    let head = this.#heads.get(k) ?? 0;
    for (const m of list) head = Math.max(head, m.messageSeq);
    this.#heads.set(k, head);
    const c = this.convs.get(k);
    if (c) {
      let next = c;
      for (const m of list) next = received(next, m, this.me);
      this.convs.set(k, next);
    }
    const tl = this.timelines.get(k);
    if (tl?.loaded) {
      tl.upsert(list);
      this.#learnThreads(communityID, list);
    }
    this.#wantUsers(list.map((m) => m.senderUserID));
    const t = this.threads.get(k);
    if (t) {
      const last = list.at(-1)!;
      const count = Math.max(t.messageCount, head);
      this.#putThread({ ...t, messageCount: count, lastMessageSeq: count, isArchived: false, lastMessage: last });
    } else if (!c && pushed) {
      // A conversation the client does not know: a thread it has not seen
      // opened (it follows none of them), or a channel just added.
      this.#refreshCommunity(communityID);
      this.client
        .call("queryCommunityThreadsInfo", { communityID, threadIDs: [channelID] })
        .then((r) => {
          for (const x of r.threadInfos) this.#putThread(x);
        })
        .catch(() => {});
    }
    this.#changed();
  }
}

/** describe turns a failure into a sentence for the person. */
export function describe(e: unknown): string {
  if (e instanceof PlazaError) {
    switch (e.code) {
      case "network_error":
      case "not_connected":
      case "timeout":
        return "The server cannot be reached right now.";
      case "token_invalid":
        return "This token is not valid for this server.";
      case "token_expired":
        return "This token has expired: get a new one.";
    }
    return e.message.charAt(0).toUpperCase() + e.message.slice(1);
  }
  return e instanceof Error ? e.message : String(e);
}

/** newID returns a random ID for a clientMessageID (getRandomValues works on plain http pages too). */
export function newID(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return "w" + [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}
