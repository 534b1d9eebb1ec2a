// The ZIM facade: the reference web SDK's calling conventions (positional
// arguments, payload first and IDs last; results as objects with the
// reference's field names; rejections as {code, message}; events through
// on(name, (zim, result) => …)) over Plaza's core client.
import type {
  ChannelBrief,
  ChannelConversation,
  CommunityInfo,
  EventMap,
  Message,
  Thread,
  MessageListEvent,
  OperationID,
  QueryConversationListResult,
  RequestOf,
  ResultOf,
} from "../generated/api.js";
import { PlazaClient } from "../core/client.js";
import { PlazaError } from "../core/errors.js";
import type { GatewayEvent, StateChange } from "../core/gateway.js";
import {
  application,
  attributes,
  channelFullInfo,
  channelOf,
  communityChannel,
  community,
  communityFullInfo,
  communityJoinedThread,
  communityThread,
  content,
  conversation,
  conversationIDOf,
  conversationTypeOf,
  errorUsers,
  invalid,
  member,
  message,
  muteInfo,
  parseConversationID,
  reaction,
  seqOf,
  threadConversation,
  threadMember,
  toZIMError,
  userInfo,
} from "./convert.js";
import {
  ZIMCommunityChannelMuteMode,
  ZIMCommunityListChangeAction,
  ZIMConnectionEvent,
  ZIMConnectionState,
  ZIMConversationEvent,
  ZIMConversationPinnedFilter,
  ZIMConversationType,
  ZIMMessageRepliedInfoState,
  ZIMMessageSentStatus,
  ZIMMessageType,
  ZIMCommunityThreadListFilter,
  type ZIMCommunityThreadAutoArchiveDuration,
  type ZIMCommunityChannelType,
  type ZIMCommunityInviteMode,
  type ZIMCommunityJoinMode,
  type ZIMCommunityMessageNotificationStatus,
  type ZIMConversationNotificationStatus,
} from "./enums.js";
import { Cursors } from "./paging.js";
import { LocalState, type Derived, type ThreadsDerived } from "./state.js";
import type * as T from "./types.js";

/** The facade's version: Plaza's SDK version, in the reference's getVersion. */
export const version = "0.1.0";

type Handlers = T.ZIMEventHandler<ZIM>;

// MaxActiveCommunities is the server's limit of communities a session marks active.
const MaxActiveCommunities = 16;
type HandlerName = keyof Handlers;

/**
 * ZIM is the drop-in facade for the reference web SDK's community API. A ZIM
 * app moves to Plaza by changing its import, `ZIM.create({appID, server})`,
 * and its login token.
 *
 * `ZIM.create` keeps the reference's single instance (a second call returns
 * null until destroy). `new ZIM(config)` is Plaza's addition: an independent
 * instance, for a process that acts as several users (tests, bots).
 */
export class ZIM {
  static #instance: ZIM | null = null;

  /** getVersion returns the SDK's version. */
  static getVersion(): string {
    return `plaza-${version}`;
  }

  /** create makes the instance (once: later calls return null until destroy). */
  static create(appConfig: T.ZIMAppConfig | number): ZIM | null {
    if (ZIM.#instance) return null;
    if (typeof appConfig === "number") throw toZIMError(invalid("Plaza needs create({appID, server}): the server's base URL", "server"));
    ZIM.#instance = new ZIM(appConfig);
    return ZIM.#instance;
  }

  /** getInstance returns the instance create made, or null. */
  static getInstance(): ZIM | null {
    return ZIM.#instance;
  }

  /** setAdvancedConfig is accepted and ignored: Plaza has no advanced keys. */
  static setAdvancedConfig(_key: string, _value: string): void {}

  readonly #config: T.ZIMAppConfig;
  #handlers = new Map<HandlerName, Handlers[HandlerName]>();
  #plaza: PlazaClient | undefined;
  #userID = "";
  #cursors = new Cursors();
  #anchors = new Map<string, { cursor: string | undefined; skip: number }>();
  #state = new LocalState("");
  #loading = new Map<string, Promise<void>>();
  #sent = new Set<string>();
  #nextLocal = 0;
  #unsubscribe: (() => void)[] = [];
  #destroyed = false;
  #active: string[] = [];
  #activeTimer: ReturnType<typeof setTimeout> | undefined;
  // Loads of a community's followed threads in flight (loadThreads).
  #threadLoads = new Map<string, { again: boolean; entered: Set<string>; promise: Promise<void> }>();
  // Messages of a conversation waiting for the facade to learn whether it is a channel or a thread.
  #ordering = new Map<string, Promise<void>>();

  constructor(appConfig: T.ZIMAppConfig) {
    if (!appConfig || typeof appConfig.server !== "string" || !/^https?:\/\//.test(appConfig.server)) {
      throw toZIMError(invalid("ZIMAppConfig.server must be the Plaza server's base URL (http:// or https://)", "server"));
    }
    this.#config = appConfig;
  }

  /** plaza is Plaza's addition: the core client of the logged-in user (REST, gateway session), for what the reference lacks. */
  get plaza(): PlazaClient | undefined {
    return this.#plaza;
  }

  // ---- lifecycle ----

  /** setLogConfig is accepted and ignored. */
  setLogConfig(_config: unknown): void {}

  /** uploadLog resolves at once: Plaza's SDK keeps no log. */
  async uploadLog(): Promise<void> {}

  /** destroy logs out and forgets the instance; its listeners are dropped. */
  destroy(): void {
    this.logout();
    this.#handlers.clear();
    this.#destroyed = true;
    if (ZIM.#instance === this) ZIM.#instance = null;
  }

  /** on sets the listener of an event (one per name: a second on replaces the first, as in the reference). */
  on<K extends HandlerName>(type: K, listener: Handlers[K]): void {
    this.#handlers.set(type, listener as Handlers[HandlerName]);
  }

  /** off removes the listener of an event, or every listener without a name. */
  off<K extends HandlerName>(type?: K): void {
    if (type === undefined) this.#handlers.clear();
    else this.#handlers.delete(type);
  }

  #emit<K extends HandlerName>(type: K, data: Parameters<Handlers[K]>[1]): void {
    const fn = this.#handlers.get(type) as ((zim: ZIM, d: Parameters<Handlers[K]>[1]) => void) | undefined;
    if (!fn) return;
    try {
      fn(this, data);
    } catch (e) {
      console.error(e);
    }
  }

  #connection(state: ZIMConnectionState, event: ZIMConnectionEvent, extendedData = ""): void {
    this.#emit("connectionStateChanged", { state, event, extendedData });
  }

  /**
   * login opens the user's session with a Plaza user token. The token names
   * the user: a userID that differs rejects with 6000124. `userName`, when
   * given, becomes the user's name (updateUserName).
   */
  login(userID: string, config: T.ZIMLoginConfig): Promise<void>;
  /** login in the 2.x form (userInfo, token). */
  login(userInfo: T.ZIMUserInfo, token: string): Promise<void>;
  async login(user: string | T.ZIMUserInfo, config: T.ZIMLoginConfig | string): Promise<void> {
    const userID = typeof user === "string" ? user : user?.userID;
    const token = typeof config === "string" ? config : config?.token;
    const userName = typeof user === "string" ? (typeof config === "object" ? config.userName : undefined) : user?.userName;
    if (this.#destroyed) throw toZIMError(invalid("this instance was destroyed"));
    if (!userID) throw toZIMError(invalid("userID must not be empty", "userID"));
    if (!token) throw toZIMError(invalid("a Plaza user token is required (config.token)", "token"));
    if (this.#plaza) {
      if (this.#userID === userID) return;
      throw { code: 6000111, message: `already logged in as ${this.#userID}: log out first` } satisfies T.ZIMError;
    }
    const opts: ConstructorParameters<typeof PlazaClient>[0] = { baseURL: this.#config.server, token };
    if (this.#config.WebSocket) opts.WebSocket = this.#config.WebSocket;
    if (this.#config.fetch) opts.fetch = this.#config.fetch;
    const plaza = new PlazaClient(opts);
    this.#connection(ZIMConnectionState.Connecting, ZIMConnectionEvent.Success);
    let session;
    try {
      session = await plaza.connect();
    } catch (e) {
      const z = toZIMError(e);
      this.#connection(ZIMConnectionState.Disconnected, z.code === 6000106 ? ZIMConnectionEvent.TokenExpired : ZIMConnectionEvent.LoginTimeout);
      throw z;
    }
    const ready = session.ready;
    if (ready.userID !== userID) {
      plaza.close();
      this.#connection(ZIMConnectionState.Disconnected, ZIMConnectionEvent.LoginInterrupted);
      throw { code: 6000124, message: `the token is for user ${ready.userID}, not ${userID}` } satisfies T.ZIMError;
    }
    if (this.#config.appID !== undefined && this.#config.appID !== "" && String(this.#config.appID) !== ready.appID) {
      plaza.close();
      this.#connection(ZIMConnectionState.Disconnected, ZIMConnectionEvent.LoginInterrupted);
      throw { code: 6000003, message: `the token is for app ${ready.appID}, not ${String(this.#config.appID)}` } satisfies T.ZIMError;
    }
    this.#plaza = plaza;
    this.#userID = userID;
    this.#state = new LocalState(userID);
    this.#state.setCommunities(ready.communityList ?? []);
    this.#unsubscribe = [session.onEvent((e) => this.#onEvent(e)), session.onState((c) => this.#onState(c))];
    this.#connection(ZIMConnectionState.Connected, ZIMConnectionEvent.Success);
    if (userName) await plaza.call("updateUserName", { userName }).catch(() => undefined);
  }

  /** logout ends the session. */
  logout(_config?: T.ZIMLogoutConfig): void {
    const p = this.#plaza;
    if (!p) return;
    for (const u of this.#unsubscribe) u();
    this.#unsubscribe = [];
    this.#plaza = undefined;
    this.#userID = "";
    this.#loading.clear();
    this.#threadLoads.clear();
    this.#ordering.clear();
    this.#sent.clear();
    this.#active = [];
    p.close();
    this.#connection(ZIMConnectionState.Disconnected, ZIMConnectionEvent.Success);
  }

  /** renewToken hands the session a new token for the same user, without reconnecting. */
  renewToken(token: string): Promise<T.ZIMTokenRenewedResult> {
    return this.#wrap(async () => {
      await this.#client().renewToken(token);
      return { token };
    });
  }

  // ---- plumbing ----

  #client(): PlazaClient {
    if (!this.#plaza) throw { code: 6000121, message: "not logged in: call login first" } satisfies T.ZIMError;
    return this.#plaza;
  }

  #call<K extends OperationID>(operation: K, req: RequestOf<K>): Promise<ResultOf<K>> {
    return this.#client().call(operation, req);
  }

  async #wrap<R>(fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (e) {
      throw toZIMError(e);
    }
  }

  // msg converts a message; type is the conversation's type when the caller
  // knows it (a message does not say whether its channel is a thread).
  #msg(m: Message, type?: ZIMConversationType): T.ZIMMessage {
    const z = message(m, this.#userID);
    const t = type ?? this.#typeOf(m.communityID, m.channelID);
    if (t === ZIMConversationType.CommunityThread) {
      z.conversationType = t;
      for (const r of z.reactions ?? []) r.conversationType = t;
    }
    return z;
  }

  // typeOf tells a thread (a conversation of channelType 3) from a channel,
  // by what the instance knows of the conversation or of the thread.
  #typeOf(communityID: string, channelID: string): ZIMConversationType {
    const c = this.#state.conversation(communityID, channelID);
    if (c) return conversationTypeOf(c);
    return this.#state.isThread(communityID, channelID) ? ZIMConversationType.CommunityThread : ZIMConversationType.CommunityChannel;
  }

  // fullInfo converts a community's full information, with the caller's
  // thread totals from its community list (the server's CommunityInfo has none).
  #fullInfo(c: CommunityInfo): T.ZIMCommunityFullInfo {
    return communityFullInfo(c, this.#state.community(c.communityID));
  }

  #localID(): string {
    const rnd = Math.random().toString(36).slice(2, 10);
    return `zim-${Date.now().toString(36)}-${(++this.#nextLocal).toString(36)}-${rnd}`;
  }

  #remember(localID: string): void {
    this.#sent.add(localID);
    if (this.#sent.size > 1000) {
      const oldest = this.#sent.values().next().value;
      if (oldest !== undefined) this.#sent.delete(oldest);
    }
  }

  // touch marks a community the app is looking at (reading its history,
  // channels, members or info) as active for the session: the 16 most
  // recent ones, so that in a large community (docs/gateway.md) the session
  // receives every event of the communities on screen.
  #touch(communityID: string): void {
    const i = this.#active.indexOf(communityID);
    if (i === 0) return;
    if (i > 0) this.#active.splice(i, 1);
    this.#active.unshift(communityID);
    if (this.#active.length > MaxActiveCommunities) this.#active.length = MaxActiveCommunities;
    if (i >= 0) return; // the same set, in another order
    if (this.#activeTimer !== undefined) return;
    this.#activeTimer = setTimeout(() => {
      this.#activeTimer = undefined;
      this.#plaza?.session?.setActiveCommunities([...this.#active]).catch(() => undefined);
    }, 0);
  }

  // ---- events ----

  #onState(c: StateChange): void {
    switch (c.state) {
      case "reconnecting":
        this.#connection(ZIMConnectionState.Reconnecting, ZIMConnectionEvent.LoginInterrupted);
        return;
      case "connected": {
        if (c.restored === "resynced") {
          const list = this.#plaza?.session?.ready.communityList ?? [];
          this.#state.setCommunities(list);
          this.#loading.clear();
          this.#threadLoads.clear();
          this.#emit("communityListChanged", { changeInfoList: list.map((x) => ({ action: ZIMCommunityListChangeAction.Updated, community: community(x) })) });
          this.#emit("connectionResynced", { communityList: list.map(community) });
        }
        this.#connection(ZIMConnectionState.Connected, ZIMConnectionEvent.Success);
        return;
      }
      case "closed": {
        if (!this.#plaza) return;
        for (const u of this.#unsubscribe) u();
        this.#unsubscribe = [];
        this.#plaza = undefined;
        const e = c.error;
        let event = ZIMConnectionEvent.LoginInterrupted;
        if ((e instanceof PlazaError && e.code === "token_expired") || c.code === 4009) event = ZIMConnectionEvent.TokenExpired;
        else if (c.code === 4003 || c.code === 4004) event = ZIMConnectionEvent.KickedOut;
        this.#connection(ZIMConnectionState.Disconnected, event, e ? e.message : "");
        return;
      }
    }
  }

  #onEvent(e: GatewayEvent): void {
    switch (e.name) {
      case "messageReceived":
        this.#onMessages(e.data as MessageListEvent, e.recovered);
        return;
      case "messageRevokeReceived": {
        const d = e.data as MessageListEvent;
        const conv = this.#state.conversation(d.communityID, d.channelID);
        if (conv) for (const m of d.messageList) if (conv.lastMessage?.messageSeq === m.messageSeq) conv.lastMessage = m;
        this.#emit("messageRevokeReceived", { messageList: d.messageList.map((m) => this.#msg(m) as T.ZIMRevokeMessage) });
        return;
      }
      case "messageEdited": {
        const d = e.data as MessageListEvent;
        this.#emit("messageEdited", { messageList: d.messageList.map((m) => this.#msg(m)) });
        return;
      }
      case "messageReactionsChanged": {
        const d = e.data as EventMap["messageReactionsChanged"];
        const conversationID = conversationIDOf(d.communityID, d.channelID);
        const type = this.#typeOf(d.communityID, d.channelID);
        const stub: T.ZIMMessage = { type: ZIMMessageType.Unknown, messageID: d.messageID, messageSeq: d.messageSeq, conversationID, conversationType: type, communityID: d.communityID, channelID: d.channelID };
        this.#emit("messageReactionsChanged", {
          reactions: d.reactions.map((r) => reaction(r, conversationID, type, d.messageID)),
          changeInfoList: [{ message: stub, userChangeInfoList: [] }],
          operatedUserID: d.operatedUserID,
        });
        return;
      }
      case "conversationChanged": {
        const d = e.data as EventMap["conversationChanged"];
        for (const ch of d.infoList) {
          if (ch.action === 1) this.#state.removeConversation(ch.conversation.communityID, ch.conversation.channelID);
          else this.#state.putConversation(ch.conversation);
        }
        this.#emitConversations(d.infoList.map((ch) => ({ action: ch.action, conversation: ch.conversation })));
        return;
      }
      case "conversationTotalUnreadMessageCountUpdated":
        this.#emit("conversationTotalUnreadMessageCountUpdated", { totalUnreadMessageCount: (e.data as EventMap["conversationTotalUnreadMessageCountUpdated"]).totalUnreadMessageCount });
        return;
      case "communityListChanged": {
        const d = e.data as EventMap["communityListChanged"];
        for (const ch of d.changeInfoList) {
          if (ch.action === 1) this.#state.removeCommunity(ch.community.communityID);
          else this.#state.putCommunity(ch.community);
        }
        this.#emit("communityListChanged", { changeInfoList: d.changeInfoList.map((ch) => ({ action: ch.action, community: community(ch.community) })) });
        return;
      }
      case "communityInfoUpdated": {
        const d = e.data as EventMap["communityInfoUpdated"];
        this.#emit("communityInfoUpdated", { updateInfoList: d.updateInfoList.map((u) => ({ communityInfo: this.#fullInfo(u.communityInfo) })) });
        return;
      }
      case "communityMemberStateChanged": {
        const d = e.data as EventMap["communityMemberStateChanged"];
        const list = d.changeInfoList.map((ch) => ({ state: ch.state, action: ch.action, memberInfo: { ...userInfo(ch.memberInfo), memberRole: ch.memberInfo.memberRole } }));
        this.#emit("communityMemberStateChanged", { communityID: d.communityID, changeInfoList: list, updateInfoList: list, operatedUserID: d.operatedUserID });
        return;
      }
      case "communityMemberInfoUpdated": {
        const d = e.data as EventMap["communityMemberInfoUpdated"];
        this.#emit("communityMemberInfoUpdated", { communityID: d.communityID, updateInfoList: d.updateInfoList.map((u) => ({ memberInfo: member(u.memberInfo) })) });
        return;
      }
      case "communityChannelListChanged": {
        const d = e.data as EventMap["communityChannelListChanged"];
        const changeInfoList = d.changeInfoList.map((ch) => {
          this.#state.noteChannel(ch.channel.communityID, ch.channel.channelID);
          const known = this.#state.conversation(ch.channel.communityID, ch.channel.channelID);
          if (ch.action === 1) this.#state.removeConversation(ch.channel.communityID, ch.channel.channelID);
          const conv: ChannelConversation = known ? { ...known, ...ch.channel } : blankConversation(ch.channel);
          return { action: ch.action, channel: communityChannel(conv, this.#userID) };
        });
        this.#emit("communityChannelListChanged", { communityID: d.communityID, changeInfoList });
        return;
      }
      case "communityChannelInfoUpdated": {
        const d = e.data as EventMap["communityChannelInfoUpdated"];
        this.#emit("communityChannelInfoUpdated", { communityID: d.communityID, updateInfoList: d.updateInfoList.map((u) => ({ channelInfo: channelFullInfo(u.channelInfo) })) });
        return;
      }
      case "communityApplicationListChanged": {
        const d = e.data as EventMap["communityApplicationListChanged"];
        this.#emit("communityApplicationListChanged", { changeInfoList: d.changeInfoList.map((ch) => ({ action: ch.action, application: application(ch.application) })) });
        return;
      }
      case "channelHeadsUpdated": {
        const d = e.data as EventMap["channelHeadsUpdated"];
        for (const h of d.heads) if (h.parentChannelID) this.#state.noteThread(d.communityID, h.channelID, h.parentChannelID);
        const threads = d.heads.some((h) => h.parentChannelID) ? this.#loadThreads(d.communityID) : undefined;
        void Promise.all([this.#ensureChannels(d.communityID), threads]).then(() => {
          for (const h of d.heads) this.#derived(this.#state.applyHead(d.communityID, h.channelID, h.lastMessageSeq));
        });
        return;
      }
      case "communityThreadListChanged": {
        const d = e.data as EventMap["communityThreadListChanged"];
        const gone: Derived[] = [];
        for (const ch of d.changeInfoList) {
          const t = ch.thread;
          this.#state.noteThread(t.communityID, t.threadID, t.parentChannelID);
          if (ch.action === 1) {
            const g = this.#state.dropThread(t.communityID, t.threadID);
            if (g) gone.push(g);
            continue;
          }
          const conv = this.#state.conversation(t.communityID, t.threadID);
          if (conv && conv.channelName !== t.threadName) this.#state.putConversation({ ...conv, channelName: t.threadName });
        }
        this.#emit("communityThreadListChanged", {
          communityID: d.communityID,
          channelID: d.channelID,
          changeInfoList: d.changeInfoList.map((ch) => ({ action: ch.action, thread: communityThread(ch.thread, this.#userID) })),
        });
        for (const g of gone) this.#derived(g, 1);
        return;
      }
      case "communityThreadMemberStateChanged": {
        const d = e.data as EventMap["communityThreadMemberStateChanged"];
        const mine = d.changeInfoList.filter((ch) => ch.memberInfo.userID === this.#userID);
        if (mine.length > 0) {
          // The user started or stopped following the thread (by hand, by
          // sending, by a mention, an invite or a kick): its conversation
          // and the community's thread totals come from the server again.
          this.#state.noteThread(d.communityID, d.threadID, d.channelID);
          void this.#loadThreads(d.communityID, mine.some((ch) => ch.state === 1) ? [d.threadID] : []);
        }
        this.#emit("communityThreadMemberStateChanged", {
          communityID: d.communityID,
          channelID: d.channelID,
          threadID: d.threadID,
          operatedUserID: d.operatedUserID,
          changeInfoList: d.changeInfoList.map((ch) => ({ state: ch.state, action: ch.action, memberInfo: threadMember(ch.memberInfo) })),
        });
        return;
      }
      case "tokenWillExpire":
        this.#emit("tokenWillExpire", { second: (e.data as EventMap["tokenWillExpire"]).secondsRemaining });
        return;
      case "kickedOut": {
        const reason = (e.data as EventMap["kickedOut"]).reason;
        const event = reason?.code === "token_expired" ? ZIMConnectionEvent.TokenExpired : ZIMConnectionEvent.KickedOut;
        if (this.#plaza) {
          for (const u of this.#unsubscribe) u();
          this.#unsubscribe = [];
          this.#plaza.close();
          this.#plaza = undefined;
        }
        this.#connection(ZIMConnectionState.Disconnected, event, reason?.message ?? "");
        return;
      }
    }
  }

  // onMessages delivers new messages in order. The messages of a channel ID
  // the instance cannot yet tell for a channel or a thread wait until it
  // can (classify), with those that follow them.
  #onMessages(d: MessageListEvent, recovered: boolean): void {
    const k = conversationIDOf(d.communityID, d.channelID);
    const queued = this.#ordering.get(k);
    if (!queued && this.#state.kindKnown(d.communityID, d.channelID)) {
      this.#deliver(d, recovered);
      return;
    }
    const plaza = this.#plaza;
    const p = (queued ?? this.#classify(d.communityID, d.channelID)).then(() => {
      if (this.#plaza === plaza) this.#deliver(d, recovered); // not after a logout
    });
    this.#ordering.set(k, p);
    void p.then(() => {
      if (this.#ordering.get(k) === p) this.#ordering.delete(k);
    });
  }

  // classify learns whether a channel ID is a channel or a thread: from the
  // community's channel list (loaded once), else by asking for it as a
  // thread. A failure leaves it a channel.
  async #classify(communityID: string, channelID: string): Promise<void> {
    try {
      await this.#ensureChannels(communityID);
      if (this.#state.kindKnown(communityID, channelID)) return;
      const r = await this.#call("queryCommunityThreadsInfo", { communityID, threadIDs: [channelID] });
      for (const t of r.threadInfos) this.#state.noteThread(t.communityID, t.threadID, t.parentChannelID);
      this.#state.noteChannel(communityID, channelID);
    } catch {
      // Delivered as a channel's.
    }
  }

  // deliver emits new messages (without those this instance sent, which its
  // sendMessage already returned) and derives the unread changes: a
  // followed thread's in its own conversation, never in its parent's.
  #deliver(d: MessageListEvent, recovered: boolean): void {
    const conversationID = conversationIDOf(d.communityID, d.channelID);
    const conversationType = this.#typeOf(d.communityID, d.channelID);
    const list: T.ZIMMessage[] = [];
    for (const m of d.messageList) {
      if (m.clientMessageID && this.#sent.has(m.clientMessageID)) {
        this.#sent.delete(m.clientMessageID);
        continue;
      }
      if (m.messageSeq === 0 && m.senderUserID === this.#userID) continue; // this user's own command
      list.push(this.#msg(m, conversationType));
    }
    if (list.length > 0) {
      const receivedInfo: T.ZIMMessageReceivedInfo = { conversationID, conversationType, isOfflineMessage: recovered };
      this.#emit("messageReceived", { messageList: list, receivedInfo, info: receivedInfo, conversationID, conversationType, fromConversationID: conversationID });
    }
    const stored = d.messageList.filter((m) => m.messageSeq > 0);
    if (stored.length === 0) return;
    if (this.#state.conversation(d.communityID, d.channelID)) {
      this.#derived(this.#state.applyMessages(d.communityID, d.channelID, stored));
      return;
    }
    const loaded = conversationType === ZIMConversationType.CommunityThread ? this.#loadThreads(d.communityID) : this.#ensureChannels(d.communityID);
    void loaded.then(() => this.#derived(this.#state.applyMessages(d.communityID, d.channelID, stored)));
  }

  // loadThreads reads a community's followed threads (every page of
  // queryJoinedCommunityThreadList) into the state: once, or, with
  // `entered`, again after the user started (those threads) or stopped
  // following some, which the server tells only by
  // communityThreadMemberStateChanged. Loads of one community coalesce: one
  // asked again during a load runs after it, and the promise resolves after
  // both.
  #loadThreads(communityID: string, entered?: Iterable<string>): Promise<void> {
    const fresh = entered !== undefined;
    if ((!fresh && this.#state.threadsLoaded(communityID)) || !this.#state.community(communityID)) {
      return this.#threadLoads.get(communityID)?.promise ?? Promise.resolve();
    }
    const running = this.#threadLoads.get(communityID);
    if (running) {
      if (fresh) {
        running.again = true;
        for (const id of entered) running.entered.add(id);
      }
      return running.promise;
    }
    const state = this.#state;
    const load = { again: false, entered: new Set(entered ?? []), promise: Promise.resolve() };
    load.promise = (async () => {
      do {
        load.again = false;
        const hint = load.entered;
        load.entered = new Set();
        const list: ChannelConversation[] = [];
        let nextFlag: string | undefined;
        do {
          const req: RequestOf<"queryJoinedCommunityThreadList"> = { communityID, count: 100 };
          if (nextFlag) req.nextFlag = nextFlag;
          const page = await this.#call("queryJoinedCommunityThreadList", req);
          for (const j of page.threadList) list.push(threadConversation(j, state.conversation(j.communityID, j.channelID)));
          nextFlag = page.nextFlag;
        } while (nextFlag);
        if (state !== this.#state) return;
        this.#threadsDerived(state.setThreads(communityID, list, hint));
      } while (load.again);
    })()
      .catch(() => undefined)
      .finally(() => {
        if (this.#threadLoads.get(communityID) === load) this.#threadLoads.delete(communityID);
      });
    this.#threadLoads.set(communityID, load);
    return load.promise;
  }

  #threadsDerived(d: ThreadsDerived): void {
    this.#emitConversations(d.changes);
    if (d.community) this.#emit("communityListChanged", { changeInfoList: [{ action: ZIMCommunityListChangeAction.Updated, community: community(d.community) }] });
    if (d.total !== undefined) this.#emit("conversationTotalUnreadMessageCountUpdated", { totalUnreadMessageCount: d.total });
  }

  // ensureChannels loads a community's channel conversations once, so that
  // new messages can be turned into unread counts.
  #ensureChannels(communityID: string): Promise<void> {
    if (this.#state.loaded(communityID) || !this.#state.community(communityID)) return Promise.resolve();
    let p = this.#loading.get(communityID);
    if (!p) {
      p = (async () => {
        let nextFlag: string | undefined;
        do {
          const req: RequestOf<"queryCommunityChannelList"> = { communityID, count: 100 };
          if (nextFlag) req.nextFlag = nextFlag;
          const page = await this.#call("queryCommunityChannelList", req);
          for (const c of page.channelList) this.#state.putConversation(c);
          nextFlag = page.nextFlag;
        } while (nextFlag);
        this.#state.markLoaded(communityID);
      })().catch(() => {
        this.#loading.delete(communityID);
      });
      this.#loading.set(communityID, p);
    }
    return p;
  }

  #derived(d: Derived | undefined, action = 2): void {
    if (!d) return;
    this.#emitConversations([{ action, conversation: d.conversation }]);
    if (d.community) this.#emit("communityListChanged", { changeInfoList: [{ action: ZIMCommunityListChangeAction.Updated, community: community(d.community) }] });
    if (d.total !== undefined) this.#emit("conversationTotalUnreadMessageCountUpdated", { totalUnreadMessageCount: d.total });
  }

  // emitConversations reports changed conversations as conversationChanged,
  // and, as the reference does, as communityChannelListChanged (updated).
  #emitConversations(list: { action: number; conversation: ChannelConversation }[]): void {
    if (list.length === 0) return;
    this.#emit("conversationChanged", {
      infoList: list.map((x) => ({
        action: x.action,
        event: x.action === 0 ? ZIMConversationEvent.Added : x.action === 1 ? ZIMConversationEvent.Deleted : ZIMConversationEvent.Updated,
        conversation: conversation(x.conversation, this.#userID),
      })),
    });
    const byCommunity = new Map<string, T.ZIMCommunityChannelChangeInfo[]>();
    for (const x of list) {
      if (x.conversation.channelType === 3) continue; // a thread is not in the channel list
      const l = byCommunity.get(x.conversation.communityID) ?? [];
      l.push({ action: x.action === 1 ? 1 : 2, channel: communityChannel(x.conversation, this.#userID) });
      byCommunity.set(x.conversation.communityID, l);
    }
    for (const [communityID, changeInfoList] of byCommunity) this.#emit("communityChannelListChanged", { communityID, changeInfoList });
  }

  // ---- users ----

  updateUserName(userName: string): Promise<T.ZIMUserNameUpdatedResult> {
    return this.#wrap(async () => ({ userName: (await this.#call("updateUserName", { userName })).userName }));
  }

  updateUserAvatarUrl(userAvatarUrl: string): Promise<T.ZIMUserAvatarUrlUpdatedResult> {
    return this.#wrap(async () => ({ userAvatarUrl: (await this.#call("updateUserAvatarUrl", { userAvatarUrl })).userAvatarUrl }));
  }

  queryUsersInfo(userIDs: string[], _config?: T.ZIMUsersInfoQueryConfig): Promise<T.ZIMUsersInfoQueriedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("queryUsersInfo", { userIDs });
      return {
        userList: r.userList.map((u) => ({ baseInfo: userInfo(u), userAvatarUrl: u.userAvatarUrl, extendedData: "" })),
        errorUserList: errorUsers(r.errorUserList),
      };
    });
  }

  // ---- communities ----

  createCommunity(communityInfo: Partial<T.ZIMCommunityInfo>, config?: T.ZIMCommunityCreateConfig): Promise<T.ZIMCommunityCreatedResult> {
    return this.#wrap(async () => {
      const req: RequestOf<"createCommunity"> = {};
      if (communityInfo?.communityID) req.communityID = communityInfo.communityID;
      if (communityInfo?.communityName) req.communityName = communityInfo.communityName;
      if (communityInfo?.communityAvatarUrl) req.communityAvatarUrl = communityInfo.communityAvatarUrl;
      if (config?.communityNotice) req.communityNotice = config.communityNotice;
      const attrs = attributes(config?.communityAttributes);
      if (attrs && Object.keys(attrs).length > 0) req.communityAttributes = attrs;
      const r = await this.#call("createCommunity", req);
      return { communityInfo: this.#fullInfo(r.communityInfo) };
    });
  }

  dismissCommunity(communityID: string): Promise<T.ZIMCommunityDismissedResult> {
    return this.#wrap(async () => ({ communityID: (await this.#call("dismissCommunity", { communityID })).communityID }));
  }

  joinCommunity(communityID: string): Promise<T.ZIMCommunityJoinedResult> {
    return this.#wrap(async () => ({ communityInfo: this.#fullInfo((await this.#call("joinCommunity", { communityID })).communityInfo) }));
  }

  leaveCommunity(communityID: string): Promise<T.ZIMCommunityLeftResult> {
    return this.#wrap(async () => ({ communityID: (await this.#call("leaveCommunity", { communityID })).communityID }));
  }

  queryCommunityList(count: number, config?: T.ZIMCommunityListQueryConfig): Promise<T.ZIMCommunityListQueriedResult> {
    return this.#wrap(async () => {
      const req: RequestOf<"queryCommunityList"> = { count };
      const cursor = this.#cursors.cursorOf(config?.nextFlag);
      if (cursor) req.nextFlag = cursor;
      const r = await this.#call("queryCommunityList", req);
      for (const c of r.communityList) this.#state.putCommunity(c);
      return { communityList: r.communityList.map(community), nextFlag: this.#cursors.flagOf(r.nextFlag) };
    });
  }

  queryCommunityInfo(communityID: string): Promise<T.ZIMCommunityInfoQueriedResult> {
    this.#touch(communityID);
    return this.#wrap(async () => ({ communityInfo: this.#fullInfo((await this.#call("queryCommunityInfo", { communityID })).communityInfo) }));
  }

  updateCommunityName(communityName: string, communityID: string): Promise<T.ZIMCommunityNameUpdatedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("updateCommunityName", { communityID, communityName });
      return { communityID: r.communityID, communityName: r.communityName };
    });
  }

  updateCommunityAvatarUrl(communityAvatarUrl: string, communityID: string): Promise<T.ZIMCommunityAvatarUrlUpdatedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("updateCommunityAvatarUrl", { communityID, communityAvatarUrl });
      return { communityID: r.communityID, communityAvatarUrl: r.communityAvatarUrl };
    });
  }

  updateCommunityNotice(communityNotice: string, communityID: string): Promise<T.ZIMCommunityNoticeUpdatedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("updateCommunityNotice", { communityID, communityNotice });
      return { communityID: r.communityID, communityNotice: r.communityNotice };
    });
  }

  setCommunityAttributes(communityAttributes: Record<string, string> | Map<string, string>, communityID: string): Promise<T.ZIMCommunityAttributesOperatedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("setCommunityAttributes", { communityID, communityAttributes: attributes(communityAttributes) ?? {} });
      return { communityID: r.communityID, errorKeys: r.errorKeys };
    });
  }

  deleteCommunityAttributes(keys: string[], communityID: string): Promise<T.ZIMCommunityAttributesOperatedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("deleteCommunityAttributes", { communityID, keys });
      return { communityID: r.communityID, errorKeys: r.errorKeys };
    });
  }

  setCommunityNotificationStatus(status: ZIMCommunityMessageNotificationStatus, communityID: string): Promise<T.ZIMCommunityNotificationStatusSetResult> {
    return this.#wrap(async () => ({ communityID: (await this.#call("setCommunityNotificationStatus", { communityID, notificationStatus: status })).communityID }));
  }

  /** updateCommunityJoinMode (Plaza): 0 any, 1 approval, 2 forbidden. */
  updateCommunityJoinMode(mode: ZIMCommunityJoinMode, communityID: string): Promise<T.ZIMCommunityJoinModeUpdatedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("updateCommunityJoinMode", { communityID, joinMode: mode });
      return { communityID: r.communityID, mode: r.joinMode };
    });
  }

  /** updateCommunityInviteMode (Plaza): 0 any member, 1 owner and admins. */
  updateCommunityInviteMode(mode: ZIMCommunityInviteMode, communityID: string): Promise<T.ZIMCommunityInviteModeUpdatedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("updateCommunityInviteMode", { communityID, inviteMode: mode });
      return { communityID: r.communityID, mode: r.inviteMode };
    });
  }

  /** muteCommunity (Plaza): a mute over every channel at once, with the channel mute's modes and durations. */
  muteCommunity(isMute: boolean, communityID: string, config: T.ZIMCommunityMuteConfig): Promise<T.ZIMCommunityMutedResult> {
    return this.#wrap(async () => {
      const req: RequestOf<"muteCommunity"> = { communityID, ...muteRequest(isMute, config) };
      const r = await this.#call("muteCommunity", req);
      return { communityID: r.communityID, isMute: r.isMute, mutedInfo: muteInfo(r.muteInfo) };
    });
  }

  // ---- members ----

  inviteUsersIntoCommunity(userIDs: string[], communityID: string): Promise<T.ZIMCommunityUsersInvitedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("inviteUsersIntoCommunity", { communityID, userIDs });
      return { communityID: r.communityID, errorUserList: errorUsers(r.errorUserList) };
    });
  }

  kickCommunityMembers(userIDs: string[], communityID: string): Promise<T.ZIMCommunityMembersKickedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("kickCommunityMembers", { communityID, userIDs });
      return { communityID: r.communityID, errorUserList: errorUsers(r.errorUserList) };
    });
  }

  updateCommunityMemberRole(memberRole: number, forUserID: string, communityID: string): Promise<T.ZIMCommunityMemberRoleUpdatedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("updateCommunityMemberRole", { communityID, forUserID, memberRole: memberRole as 2 | 3 });
      return { communityID: r.communityID, forUserID: r.forUserID, memberRole: r.memberRole };
    });
  }

  transferCommunityOwner(toUserID: string, communityID: string): Promise<T.ZIMCommunityOwnerTransferredResult> {
    return this.#wrap(async () => {
      const r = await this.#call("transferCommunityOwner", { communityID, toUserID });
      return { communityID: r.communityID, toUserID: r.toUserID };
    });
  }

  queryCommunityMemberList(communityID: string, count: number, config?: T.ZIMCommunityMemberListQueryConfig): Promise<T.ZIMCommunityMemberListQueriedResult> {
    this.#touch(communityID);
    return this.#wrap(async () => {
      const req: RequestOf<"queryCommunityMemberList"> = { communityID, count };
      const cursor = this.#cursors.cursorOf(config?.nextFlag);
      if (cursor) req.nextFlag = cursor;
      if (config?.channelID) req.channelID = config.channelID;
      if (config?.isMutedMember) req.isMutedMember = true;
      const r = await this.#call("queryCommunityMemberList", req);
      return { communityID: r.communityID, memberList: r.memberList.map(member), nextFlag: this.#cursors.flagOf(r.nextFlag) };
    });
  }

  queryCommunityMembers(userIDs: string[], communityID: string): Promise<T.ZIMCommunityMembersQueriedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("queryCommunityMembers", { communityID, userIDs });
      return { communityID: r.communityID, memberList: r.memberList.map(member), errorUserList: errorUsers(r.errorUserList) };
    });
  }

  muteCommunityMembers(isMute: boolean, userIDs: string[], communityID: string, config?: T.ZIMCommunityMemberMuteConfig): Promise<T.ZIMCommunityMembersMutedResult> {
    return this.#wrap(async () => {
      const duration = config?.duration ?? 0;
      const mute = isMute && duration !== 0;
      const req: RequestOf<"muteCommunityMembers"> = { communityID, userIDs, isMute: mute };
      if (mute) req.duration = duration;
      if (config?.channelID) req.channelID = config.channelID;
      const r = await this.#call("muteCommunityMembers", req);
      return { communityID: r.communityID, channelID: r.channelID, isMute: r.isMute, errorUserList: errorUsers(r.errorUserList) };
    });
  }

  // ---- join applications (Plaza; the reference's 3.2 guide names them, without a Web reference) ----

  sendCommunityJoinApplication(communityID: string, config?: T.ZIMCommunityJoinApplicationSendConfig): Promise<T.ZIMCommunityJoinApplicationSentResult> {
    return this.#wrap(async () => {
      const req: RequestOf<"sendCommunityJoinApplication"> = { communityID };
      if (config?.wording) req.wording = config.wording;
      const r = await this.#call("sendCommunityJoinApplication", req);
      const out: T.ZIMCommunityJoinApplicationSentResult = { communityID: r.communityID, joined: r.joined };
      if (r.communityInfo) out.communityInfo = this.#fullInfo(r.communityInfo);
      if (r.application) out.application = application(r.application);
      return out;
    });
  }

  acceptCommunityJoinApplication(userID: string, communityID: string): Promise<T.ZIMCommunityJoinApplicationOperatedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("acceptCommunityJoinApplication", { communityID, userID });
      return { communityID: r.communityID, userID, application: application(r.application) };
    });
  }

  rejectCommunityJoinApplication(userID: string, communityID: string): Promise<T.ZIMCommunityJoinApplicationOperatedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("rejectCommunityJoinApplication", { communityID, userID });
      return { communityID: r.communityID, userID, application: application(r.application) };
    });
  }

  cancelCommunityJoinApplication(communityID: string): Promise<T.ZIMCommunityJoinApplicationOperatedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("cancelCommunityJoinApplication", { communityID });
      return { communityID: r.communityID, userID: this.#userID };
    });
  }

  queryCommunityApplicationList(communityID: string, count: number, config?: T.ZIMCommunityApplicationListQueryConfig): Promise<T.ZIMCommunityApplicationListQueriedResult> {
    return this.#wrap(async () => {
      const req: RequestOf<"queryCommunityApplicationList"> = { communityID, count };
      const cursor = this.#cursors.cursorOf(config?.nextFlag);
      if (cursor) req.nextFlag = cursor;
      const r = await this.#call("queryCommunityApplicationList", req);
      return { applicationList: r.applicationList.map(application), nextFlag: this.#cursors.flagOf(r.nextFlag) };
    });
  }

  queryCommunitySelfApplicationList(count: number, config?: T.ZIMCommunityApplicationListQueryConfig): Promise<T.ZIMCommunityApplicationListQueriedResult> {
    return this.#wrap(async () => {
      const req: RequestOf<"queryCommunitySelfApplicationList"> = { count };
      const cursor = this.#cursors.cursorOf(config?.nextFlag);
      if (cursor) req.nextFlag = cursor;
      const r = await this.#call("queryCommunitySelfApplicationList", req);
      return { applicationList: r.applicationList.map(application), nextFlag: this.#cursors.flagOf(r.nextFlag) };
    });
  }

  // ---- channels ----

  createCommunityChannel(channelInfo: Partial<T.ZIMCommunityChannelInfo> & { communityID: string }, config?: T.ZIMCommunityChannelCreateConfig): Promise<T.ZIMCommunityChannelCreatedResult> {
    return this.#wrap(async () => {
      const req: RequestOf<"createCommunityChannel"> = { communityID: channelInfo?.communityID };
      if (channelInfo.channelID) req.channelID = channelInfo.channelID;
      if (channelInfo.channelType === 1 || channelInfo.channelType === 2) req.channelType = channelInfo.channelType;
      else if (channelInfo.channelType !== undefined && channelInfo.channelType !== (-1 as ZIMCommunityChannelType)) {
        throw invalid("channelType must be Public (1) or Private (2): every community has its one General channel", "channelType");
      }
      if (channelInfo.channelName) req.channelName = channelInfo.channelName;
      if (channelInfo.channelAvatarUrl) req.channelAvatarUrl = channelInfo.channelAvatarUrl;
      if (config?.channelNotice) req.channelNotice = config.channelNotice;
      const attrs = attributes(config?.channelAttributes);
      if (attrs && Object.keys(attrs).length > 0) req.channelAttributes = attrs;
      const r = await this.#call("createCommunityChannel", req);
      return { channelInfo: channelFullInfo(r.channelInfo) };
    });
  }

  dismissCommunityChannel(channelID: string, communityID: string): Promise<T.ZIMCommunityChannelDismissedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("dismissCommunityChannel", { communityID, channelID });
      return { communityID: r.communityID, channelID: r.channelID };
    });
  }

  updateCommunityChannelName(channelName: string, channelID: string, communityID: string): Promise<T.ZIMCommunityChannelNameUpdatedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("updateCommunityChannelName", { communityID, channelID, channelName });
      return { communityID: r.communityID, channelID: r.channelID, channelName: r.channelName };
    });
  }

  updateCommunityChannelAvatarUrl(channelAvatarUrl: string, channelID: string, communityID: string): Promise<T.ZIMCommunityChannelAvatarUrlUpdatedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("updateCommunityChannelAvatarUrl", { communityID, channelID, channelAvatarUrl });
      return { communityID: r.communityID, channelID: r.channelID, channelAvatarUrl: r.channelAvatarUrl };
    });
  }

  updateCommunityChannelNotice(channelNotice: string, channelID: string, communityID: string): Promise<T.ZIMCommunityChannelNoticeUpdatedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("updateCommunityChannelNotice", { communityID, channelID, channelNotice });
      return { communityID: r.communityID, channelID: r.channelID, channelNotice: r.channelNotice };
    });
  }

  setCommunityChannelAttributes(channelAttributes: Record<string, string> | Map<string, string>, channelID: string, communityID: string): Promise<T.ZIMCommunityChannelAttributesOperatedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("setCommunityChannelAttributes", { communityID, channelID, channelAttributes: attributes(channelAttributes) ?? {} });
      return { communityID: r.communityID, channelID: r.channelID ?? channelID, errorKeys: r.errorKeys };
    });
  }

  deleteCommunityChannelAttributes(keys: string[], channelID: string, communityID: string): Promise<T.ZIMCommunityChannelAttributesOperatedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("deleteCommunityChannelAttributes", { communityID, channelID, keys });
      return { communityID: r.communityID, channelID: r.channelID ?? channelID, errorKeys: r.errorKeys };
    });
  }

  queryCommunityChannelsInfo(channelIDs: string[], communityID: string): Promise<T.ZIMCommunityChannelsInfoQueriedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("queryCommunityChannelsInfo", { communityID, channelIDs });
      return { communityID: r.communityID, channelInfos: r.channelInfos.map(channelFullInfo), errorChannelIDs: r.errorChannelIDs };
    });
  }

  queryCommunityChannelList(communityID: string, count: number, config?: T.ZIMCommunityChannelListQueryConfig): Promise<T.ZIMCommunityChannelListQueriedResult> {
    this.#touch(communityID);
    return this.#wrap(async () => {
      const req: RequestOf<"queryCommunityChannelList"> = { communityID, count };
      const cursor = this.#cursors.cursorOf(config?.nextFlag);
      if (cursor) req.nextFlag = cursor;
      const r = await this.#call("queryCommunityChannelList", req);
      for (const c of r.channelList) this.#state.putConversation(c);
      return { communityID: r.communityID, channelList: r.channelList.map((c) => communityChannel(c, this.#userID)), nextFlag: this.#cursors.flagOf(r.nextFlag) };
    });
  }

  muteCommunityChannels(isMute: boolean, channelIDs: string[], communityID: string, config: T.ZIMCommunityChannelMuteConfig): Promise<T.ZIMCommunityChannelsMutedResult> {
    return this.#wrap(async () => {
      const req: RequestOf<"muteCommunityChannels"> = { communityID, channelIDs, ...muteRequest(isMute, config) };
      const r = await this.#call("muteCommunityChannels", req);
      return { communityID: r.communityID, isMute: r.isMute, errorChannelIDs: r.errorChannelIDs };
    });
  }

  /** addCommunityChannelMembers (Plaza): list users in a private channel. */
  addCommunityChannelMembers(userIDs: string[], channelID: string, communityID: string): Promise<T.ZIMCommunityChannelMembersOperatedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("addCommunityChannelMembers", { communityID, channelID, userIDs });
      return { communityID: r.communityID, channelID: r.channelID, errorUserList: errorUsers(r.errorUserList) };
    });
  }

  /** removeCommunityChannelMembers (Plaza): take users off a private channel. */
  removeCommunityChannelMembers(userIDs: string[], channelID: string, communityID: string): Promise<T.ZIMCommunityChannelMembersOperatedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("removeCommunityChannelMembers", { communityID, channelID, userIDs });
      return { communityID: r.communityID, channelID: r.channelID, errorUserList: errorUsers(r.errorUserList) };
    });
  }

  // ---- messages (conversationType 3: a channel; 4: a thread) ----

  sendMessage(
    message: T.ZIMMessage,
    toConversationID: string,
    conversationType: ZIMConversationType,
    _config?: T.ZIMMessageSendConfig,
    notification?: T.ZIMMessageSendNotification,
  ): Promise<T.ZIMMessageSentResult> {
    return this.#wrap(async () => {
      const { communityID, channelID } = parseConversationID(toConversationID, conversationType);
      const c = content(message);
      const req: RequestOf<"sendMessage"> = { communityID, channelID, message: c };
      if (c.type !== 2) {
        req.clientMessageID = message.localMessageID || this.#localID();
        this.#remember(req.clientMessageID);
      }
      this.#client();
      notification?.onMessageAttached?.({
        ...message,
        localMessageID: req.clientMessageID ?? "",
        conversationID: toConversationID,
        conversationType,
        sentStatus: ZIMMessageSentStatus.Sending,
        senderUserID: this.#userID,
      });
      const r = await this.#call("sendMessage", req);
      this.#derived(this.#state.applyMessages(communityID, channelID, r.message.messageSeq > 0 ? [r.message] : []));
      return { message: this.#msg(r.message, conversationType) };
    });
  }

  replyMessage(message: T.ZIMMessage, toOriginalMessage: T.ZIMMessage, _config?: T.ZIMMessageSendConfig, notification?: T.ZIMMessageSendNotification): Promise<T.ZIMMessageSentResult> {
    return this.#wrap(async () => {
      const { communityID, channelID } = channelOf(toOriginalMessage, "toOriginalMessage");
      const req: RequestOf<"replyMessage"> = { communityID, channelID, toMessageSeq: seqOf(toOriginalMessage, "toOriginalMessage"), message: content(message) };
      req.clientMessageID = message.localMessageID || this.#localID();
      this.#remember(req.clientMessageID);
      this.#client();
      notification?.onMessageAttached?.({ ...message, localMessageID: req.clientMessageID, sentStatus: ZIMMessageSentStatus.Sending, senderUserID: this.#userID });
      const r = await this.#call("replyMessage", req);
      this.#derived(this.#state.applyMessages(communityID, channelID, [r.message]));
      return { message: this.#msg(r.message) };
    });
  }

  /**
   * queryHistoryMessage pages a channel's messages by seq: without reverse,
   * the `count` messages before `config.nextMessage` (none: the newest);
   * with reverse, those after it. Oldest first, as in the reference.
   */
  queryHistoryMessage(conversationID: string, conversationType: ZIMConversationType, config: T.ZIMMessageQueryConfig): Promise<T.ZIMMessageQueriedResult> {
    return this.#wrap(async () => {
      const { communityID, channelID } = parseConversationID(conversationID, conversationType);
      this.#touch(communityID);
      const req: RequestOf<"queryHistoryMessage"> = { communityID, channelID, count: config?.count || 20 };
      if (config?.nextMessage) req.nextMessageSeq = seqOf(config.nextMessage, "config.nextMessage");
      if (config?.reverse) req.reverse = true;
      const r = await this.#call("queryHistoryMessage", req);
      if (!config?.nextMessage && !config?.reverse) {
        // The newest page: from here on, the session delivers every later
        // message of the channel exactly once, through reconnects.
        const last = r.messageList.at(-1)?.messageSeq ?? 0;
        this.#plaza?.session?.track(communityID, channelID, last);
      }
      return { conversationID, conversationType, messageList: r.messageList.map((m) => this.#msg(m, conversationType)) };
    });
  }

  queryMessages(messageSeqs: number[], conversationID: string, conversationType: ZIMConversationType): Promise<T.ZIMMessageQueriedResult> {
    return this.#wrap(async () => {
      const { communityID, channelID } = parseConversationID(conversationID, conversationType);
      const r = await this.#call("queryMessages", { communityID, channelID, messageSeqs });
      return { conversationID, conversationType, messageList: r.messageList.map((m) => this.#msg(m, conversationType)) };
    });
  }

  /** deleteMessages hides messages from the caller, on every device (Plaza has no local store: isAlsoDeleteServerMessage is always true). */
  deleteMessages(messageList: T.ZIMMessage[], conversationID: string, conversationType: ZIMConversationType, _config?: T.ZIMMessageDeleteConfig): Promise<T.ZIMMessageDeletedResult> {
    return this.#wrap(async () => {
      const { communityID, channelID } = parseConversationID(conversationID, conversationType);
      await this.#call("deleteMessages", { communityID, channelID, messageSeqs: (messageList ?? []).map((m) => seqOf(m, "messageList")) });
      return { conversationID, conversationType };
    });
  }

  revokeMessage(message: T.ZIMMessage, _config?: T.ZIMMessageRevokeConfig): Promise<T.ZIMMessageRevokedResult> {
    return this.#wrap(async () => {
      const { communityID, channelID } = channelOf(message);
      const r = await this.#call("revokeMessage", { communityID, channelID, messageSeq: seqOf(message) });
      return { message: this.#msg(r.message) };
    });
  }

  editMessage(message: T.ZIMMessage, _config?: T.ZIMMessageEditConfig, _notification?: T.ZIMMessageSendNotification): Promise<T.ZIMMessageEditedResult> {
    return this.#wrap(async () => {
      const { communityID, channelID } = channelOf(message);
      const r = await this.#call("editMessage", { communityID, channelID, messageSeq: seqOf(message), message: content(message) });
      return { message: this.#msg(r.message) };
    });
  }

  queryMessageRepliedList(message: T.ZIMMessage, config: T.ZIMMessageRepliedListQueryConfig): Promise<T.ZIMMessageRepliedListQueriedResult> {
    return this.#wrap(async () => {
      const { communityID, channelID } = channelOf(message);
      const req: RequestOf<"queryMessageRepliedList"> = { communityID, channelID, messageSeq: seqOf(message) };
      if (config?.count) req.count = config.count;
      const cursor = this.#cursors.cursorOf(config?.nextFlag);
      if (cursor) req.nextFlag = cursor;
      const r = await this.#call("queryMessageRepliedList", req);
      const root = this.#msg(r.rootMessage);
      return {
        messageList: r.messageList.map((m) => this.#msg(m)),
        nextFlag: this.#cursors.flagOf(r.nextFlag),
        rootRepliedInfo: { state: ZIMMessageRepliedInfoState.Normal, message: root, senderUserID: r.rootMessage.senderUserID, sentTime: r.rootMessage.timestamp, repliedCount: r.rootMessage.rootRepliedCount },
      };
    });
  }

  // ---- reactions ----

  addMessageReaction(reactionType: string, message: T.ZIMMessage, _config?: T.ZIMMessageReactionAddConfig): Promise<T.ZIMMessageReactionAddedResult> {
    return this.#wrap(async () => {
      const { communityID, channelID } = channelOf(message);
      const r = await this.#call("addMessageReaction", { communityID, channelID, messageSeq: seqOf(message), reactionType });
      return { reaction: this.#reactionOf(r.reactions, reactionType, message, communityID, channelID) };
    });
  }

  deleteMessageReaction(reactionType: string, message: T.ZIMMessage): Promise<T.ZIMMessageReactionDeletedResult> {
    return this.#wrap(async () => {
      const { communityID, channelID } = channelOf(message);
      const r = await this.#call("deleteMessageReaction", { communityID, channelID, messageSeq: seqOf(message), reactionType });
      return { reaction: this.#reactionOf(r.reactions, reactionType, message, communityID, channelID) };
    });
  }

  #reactionOf(list: { reactionType: string; totalCount: number; isSelfIncluded: boolean; userList: { userID: string; userName: string; userAvatarUrl: string }[] }[], reactionType: string, m: T.ZIMMessage, communityID: string, channelID: string): T.ZIMMessageReaction {
    const conversationID = conversationIDOf(communityID, channelID);
    const type = m.conversationType ?? ZIMConversationType.CommunityChannel;
    const r = list.find((x) => x.reactionType === reactionType) ?? { reactionType, totalCount: 0, isSelfIncluded: false, userList: [] };
    return reaction(r as Parameters<typeof reaction>[0], conversationID, type, m.messageID ?? "");
  }

  queryMessageReactionUserList(message: T.ZIMMessage, config: T.ZIMMessageReactionUserQueryConfig): Promise<T.ZIMMessageReactionUserListQueriedResult> {
    return this.#wrap(async () => {
      const { communityID, channelID } = channelOf(message);
      if (!config?.reactionType) throw invalid("config.reactionType must not be empty", "reactionType");
      const req: RequestOf<"queryMessageReactionUserList"> = { communityID, channelID, messageSeq: seqOf(message), reactionType: config.reactionType };
      if (config.count) req.count = config.count;
      const cursor = this.#cursors.cursorOf(config.nextFlag);
      if (cursor) req.nextFlag = cursor;
      const r = await this.#call("queryMessageReactionUserList", req);
      return {
        message,
        userInfoList: r.userList.map((u) => ({ userID: u.userID, reactions: [{ reactionType: r.reactionType }] })),
        reactionType: r.reactionType,
        nextFlag: this.#cursors.flagOf(r.nextFlag),
        totalCount: r.totalCount,
        userList: r.userList.map((u) => ({ userID: u.userID, userName: u.userName, userAvatarUrl: u.userAvatarUrl })),
      };
    });
  }

  // ---- conversations ----

  /**
   * queryConversationList pages the caller's channel conversations across
   * communities, pinned first, then newest activity first. The reference
   * pages by anchor conversation (`nextConversation`); the facade remembers
   * where each page it returned ended.
   */
  queryConversationList(config: T.ZIMConversationQueryConfig, option?: T.ZIMConversationFilterOption): Promise<T.ZIMConversationListQueriedResult> {
    return this.#wrap(async () => ({ conversationList: await this.#conversations(config, option) }));
  }

  async #conversations(config: T.ZIMConversationQueryConfig, option?: T.ZIMConversationFilterOption, stop?: (c: ChannelConversation) => boolean): Promise<T.ZIMConversation[]> {
    const count = Math.max(1, Math.min(config?.count || 100, 100));
    const types = option?.conversationTypes;
    if (types && types.length > 0 && !types.includes(ZIMConversationType.CommunityChannel) && !types.includes(ZIMConversationType.CommunityThread)) return [];
    const keep = (c: ChannelConversation): boolean => {
      if (types && types.length > 0 && !types.includes(conversationTypeOf(c))) return false;
      if (option?.isOnlyUnreadConversation && c.unreadMessageCount === 0) return false;
      if (option?.pinnedFilter === ZIMConversationPinnedFilter.OnlyPinned && !c.isPinned) return false;
      if (option?.pinnedFilter === ZIMConversationPinnedFilter.OnlyUnpinned && c.isPinned) return false;
      return true;
    };
    let pos: { cursor: string | undefined; skip: number } = { cursor: undefined, skip: 0 };
    if (config?.nextConversation) {
      const a = this.#anchors.get(config.nextConversation.conversationID);
      if (!a) throw invalid("config.nextConversation is not the last conversation of a page this instance returned", "nextConversation");
      pos = a;
    }
    const out: ChannelConversation[] = [];
    for (let pages = 0; out.length < count && pages < 50; pages++) {
      const req: RequestOf<"queryConversationList"> = { count: 100 };
      if (pos.cursor) req.nextFlag = pos.cursor;
      const page: QueryConversationListResult = await this.#call("queryConversationList", req);
      const items = page.conversationList;
      let i = pos.skip;
      for (; i < items.length && out.length < count; i++) {
        const c = items[i]!;
        this.#state.putConversation(c);
        if (stop?.(c)) {
          return this.#page(out, { cursor: pos.cursor, skip: i });
        }
        if (keep(c)) out.push(c);
      }
      if (i < items.length || !page.nextFlag) {
        return this.#page(out, i < items.length ? { cursor: pos.cursor, skip: i } : { cursor: page.nextFlag || undefined, skip: 0 });
      }
      pos = { cursor: page.nextFlag, skip: 0 };
    }
    return this.#page(out, pos);
  }

  #page(list: ChannelConversation[], next: { cursor: string | undefined; skip: number }): T.ZIMConversation[] {
    const last = list.at(-1);
    if (last) {
      this.#anchors.set(conversationIDOf(last.communityID, last.channelID), next);
      if (this.#anchors.size > 1000) {
        const oldest = this.#anchors.keys().next().value;
        if (oldest !== undefined) this.#anchors.delete(oldest);
      }
    }
    return list.map((c) => conversation(c, this.#userID));
  }

  /**
   * queryConversation reads one conversation: a channel's through its
   * community's channel list, a followed thread's through the conversation
   * list (the channel list holds no threads).
   */
  queryConversation(conversationID: string, conversationType: ZIMConversationType): Promise<T.ZIMConversationQueriedResult> {
    return this.#wrap(async () => {
      const { communityID, channelID } = parseConversationID(conversationID, conversationType);
      const thread = conversationType === ZIMConversationType.CommunityThread || this.#state.isThread(communityID, channelID);
      let nextFlag: string | undefined;
      do {
        let list: ChannelConversation[];
        if (thread) {
          const req: RequestOf<"queryConversationList"> = { count: 100 };
          if (nextFlag) req.nextFlag = nextFlag;
          const page = await this.#call("queryConversationList", req);
          [list, nextFlag] = [page.conversationList, page.nextFlag];
        } else {
          const req: RequestOf<"queryCommunityChannelList"> = { communityID, count: 100 };
          if (nextFlag) req.nextFlag = nextFlag;
          const page = await this.#call("queryCommunityChannelList", req);
          [list, nextFlag] = [page.channelList, page.nextFlag];
        }
        for (const c of list) {
          this.#state.putConversation(c);
          if (c.communityID === communityID && c.channelID === channelID) return { conversation: conversation(c, this.#userID) };
        }
      } while (nextFlag);
      throw { code: 6000603, message: `no conversation ${conversationID}` } satisfies T.ZIMError;
    });
  }

  /** queryConversationPinnedList pages the pinned conversations (they come first in the list). */
  queryConversationPinnedList(config: T.ZIMConversationQueryConfig): Promise<T.ZIMConversationPinnedListQueriedResult> {
    return this.#wrap(async () => ({ conversationList: await this.#conversations(config, { pinnedFilter: ZIMConversationPinnedFilter.OnlyPinned }, (c) => !c.isPinned) }));
  }

  updateConversationPinnedState(isPinned: boolean, conversationID: string, conversationType: ZIMConversationType): Promise<T.ZIMConversationPinnedStateUpdatedResult> {
    return this.#conversationSetter(conversationID, conversationType, (ids) => this.#call("pinConversation", { ...ids, isPinned }));
  }

  clearConversationUnreadMessageCount(conversationID: string, conversationType: ZIMConversationType): Promise<T.ZIMConversationUnreadMessageCountClearedResult> {
    return this.#conversationSetter(conversationID, conversationType, (ids) => this.#call("clearConversationUnreadMessageCount", ids));
  }

  setConversationNotificationStatus(status: ZIMConversationNotificationStatus, conversationID: string, conversationType: ZIMConversationType): Promise<T.ZIMConversationNotificationStatusSetResult> {
    return this.#conversationSetter(conversationID, conversationType, (ids) => this.#call("setConversationNotificationStatus", { ...ids, notificationStatus: status }));
  }

  setConversationDraft(draft: string, conversationID: string, conversationType: ZIMConversationType): Promise<T.ZIMConversationDraftSetResult> {
    return this.#conversationSetter(conversationID, conversationType, (ids) => this.#call("setConversationDraft", { ...ids, draft }));
  }

  #conversationSetter(
    conversationID: string,
    conversationType: ZIMConversationType,
    fn: (ids: { communityID: string; channelID: string }) => Promise<{ conversation: ChannelConversation }>,
  ): Promise<T.ZIMConversationBaseResult> {
    return this.#wrap(async () => {
      const ids = parseConversationID(conversationID, conversationType);
      const r = await fn(ids);
      this.#state.putConversation(r.conversation);
      return { conversationID, conversationType };
    });
  }

  /** clearConversationTotalUnreadMessageCount marks every conversation read (one call per conversation with unread messages). */
  clearConversationTotalUnreadMessageCount(): Promise<void> {
    return this.#wrap(async () => {
      let nextFlag: string | undefined;
      do {
        const req: RequestOf<"queryConversationList"> = { count: 100 };
        if (nextFlag) req.nextFlag = nextFlag;
        const page = await this.#call("queryConversationList", req);
        for (const c of page.conversationList) {
          if (c.unreadMessageCount > 0) {
            const r = await this.#call("clearConversationUnreadMessageCount", { communityID: c.communityID, channelID: c.channelID });
            this.#state.putConversation(r.conversation);
          }
        }
        nextFlag = page.nextFlag;
      } while (nextFlag);
    });
  }

  queryConversationTotalUnreadMessageCount(config?: T.ZIMConversationTotalUnreadMessageCountQueryConfig): Promise<T.ZIMConversationTotalUnreadMessageCountQueriedResult> {
    return this.#wrap(async () => {
      const types = config?.conversationTypes;
      if (types && types.length > 0 && !types.includes(ZIMConversationType.CommunityChannel) && !types.includes(ZIMConversationType.CommunityThread)) return { unreadMessageCount: 0 };
      const r = await this.#call("queryConversationTotalUnreadMessageCount", {});
      return { unreadMessageCount: r.totalUnreadMessageCount };
    });
  }

  // ---- reference methods Plaza does not support ----
  // Each rejects with 6000013 (CommonModuleUnsupportedRequest) and says why,
  // so that a ported app fails softly where it used them (README, method table).

  deleteAllMessage(_conversationID: string, _conversationType: ZIMConversationType, _config?: T.ZIMMessageDeleteConfig): Promise<T.ZIMMessageDeletedResult> {
    return unsupported("deleteAllMessage", "Plaza deletes chosen messages for oneself only (deleteMessages)");
  }
  deleteAllConversationMessages(_config?: T.ZIMMessageDeleteConfig): Promise<void> {
    return unsupported("deleteAllConversationMessages", "Plaza deletes chosen messages for oneself only (deleteMessages)");
  }
  insertMessageToLocalDB(_message: T.ZIMMessage, _conversationID: string, _conversationType: ZIMConversationType, _senderUserID: string): Promise<T.ZIMMessageSentResult> {
    return unsupported("insertMessageToLocalDB", "there is no local database");
  }
  updateMessageLocalExtendedData(_localExtendedData: string, _message: T.ZIMMessage): Promise<T.ZIMMessageSentResult> {
    return unsupported("updateMessageLocalExtendedData", "there is no local database");
  }
  searchLocalMessages(_conversationID: string, _conversationType: ZIMConversationType, _config: unknown): Promise<never> {
    return unsupported("searchLocalMessages", "there is no local database");
  }
  searchGlobalLocalMessages(_config: unknown): Promise<never> {
    return unsupported("searchGlobalLocalMessages", "there is no local database");
  }
  searchLocalConversations(_config: unknown): Promise<never> {
    return unsupported("searchLocalConversations", "there is no local database");
  }
  sendMessageReceiptsRead(_messageList: T.ZIMMessage[], _conversationID: string, _conversationType: ZIMConversationType): Promise<never> {
    return unsupported("sendMessageReceiptsRead", "Plaza has no read receipts; unread is per conversation");
  }
  queryMessageReceiptsInfo(_messageList: T.ZIMMessage[], _conversationID: string, _conversationType: ZIMConversationType): Promise<never> {
    return unsupported("queryMessageReceiptsInfo", "Plaza has no read receipts");
  }
  sendConversationMessageReceiptRead(_conversationID: string, _conversationType: ZIMConversationType): Promise<never> {
    return unsupported("sendConversationMessageReceiptRead", "Plaza has no read receipts; use clearConversationUnreadMessageCount");
  }
  cancelSendingMessage(_message: T.ZIMMessage, _config?: unknown): Promise<void> {
    return unsupported("cancelSendingMessage", "Plaza stores media metadata, not files: there is no upload to cancel");
  }
  queryCombineMessageDetail(_message: T.ZIMMessage): Promise<never> {
    return unsupported("queryCombineMessageDetail", "Plaza has no combine messages");
  }
  pinMessage(_message: T.ZIMMessage, _isPinned: boolean, _config?: unknown): Promise<void> {
    return unsupported("pinMessage", "Plaza pins conversations, not messages");
  }
  queryPinnedMessageList(_conversationID: string, _conversationType: ZIMConversationType): Promise<never> {
    return unsupported("queryPinnedMessageList", "Plaza pins conversations, not messages");
  }
  deleteMessageAllReactions(_message: T.ZIMMessage): Promise<void> {
    return unsupported("deleteMessageAllReactions", "Plaza has no operation for it");
  }
  deleteConversation(_conversationID: string, _conversationType: ZIMConversationType, _config?: unknown): Promise<T.ZIMConversationBaseResult> {
    return unsupported("deleteConversation", "a channel conversation exists while the user sees the channel");
  }
  deleteAllConversations(_config?: unknown): Promise<void> {
    return unsupported("deleteAllConversations", "a channel conversation exists while the user sees the channel");
  }
  setConversationMark(_markType: number, _enable: boolean, _conversationInfos: unknown[]): Promise<never> {
    return unsupported("setConversationMark", "Plaza has no conversation marks");
  }

  // ---- threads (Plaza, SPEC §6a; the reference has none yet) ----
  // In the style of the channel methods: payload first, IDs last (a thread's
  // ID names it in its community, so no parent channel is needed); results
  // with the server's field names. A thread's messages and conversation go
  // through the methods above with conversationType 4 (CommunityThread) and
  // its conversationID (`communityID/threadID`).

  /**
   * createCommunityThread opens a thread in a channel: from one of its
   * messages (`rootMessageSeq`, a message's messageSeq) or standalone (then
   * `threadName` is required). The creator and the root message's sender
   * follow it.
   */
  createCommunityThread(threadInfo: T.ZIMCommunityThreadCreateInfo, config?: T.ZIMCommunityThreadCreateConfig): Promise<T.ZIMCommunityThreadCreatedResult> {
    return this.#wrap(async () => {
      if (!threadInfo?.communityID) throw invalid("threadInfo.communityID must not be empty", "communityID");
      if (!threadInfo.channelID) throw invalid("threadInfo.channelID must name the parent channel", "channelID");
      const req: RequestOf<"createCommunityThread"> = { communityID: threadInfo.communityID, channelID: threadInfo.channelID };
      if (threadInfo.threadID) req.threadID = threadInfo.threadID;
      if (threadInfo.threadName) req.threadName = threadInfo.threadName;
      if (threadInfo.rootMessageSeq) req.rootMessageSeq = threadInfo.rootMessageSeq;
      if (config?.isPrivate) req.isPrivate = true;
      if (config?.autoArchiveDuration) req.autoArchiveDuration = config.autoArchiveDuration as RequestOf<"createCommunityThread">["autoArchiveDuration"];
      if (config?.invitable !== undefined) req.invitable = config.invitable;
      const r = await this.#call("createCommunityThread", req);
      return { threadInfo: this.#thread(r.threadInfo) };
    });
  }

  /** dismissCommunityThread deletes a thread with its messages: its creator, the owner and admins. */
  dismissCommunityThread(threadID: string, communityID: string): Promise<T.ZIMCommunityThreadDismissedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("dismissCommunityThread", { communityID, threadID });
      return { communityID: r.communityID, threadID: r.threadID };
    });
  }

  /** joinCommunityThread follows a thread: it gets a conversation (type 4) with unread and mentions. */
  joinCommunityThread(threadID: string, communityID: string): Promise<T.ZIMCommunityThreadJoinedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("joinCommunityThread", { communityID, threadID });
      return { communityID: r.communityID, threadID: r.threadID };
    });
  }

  /** leaveCommunityThread stops following a thread (a later mention follows it again). */
  leaveCommunityThread(threadID: string, communityID: string): Promise<T.ZIMCommunityThreadLeftResult> {
    return this.#wrap(async () => {
      const r = await this.#call("leaveCommunityThread", { communityID, threadID });
      return { communityID: r.communityID, threadID: r.threadID };
    });
  }

  /** inviteUsersIntoCommunityThread makes members who see the parent channel follow a thread. */
  inviteUsersIntoCommunityThread(userIDs: string[], threadID: string, communityID: string): Promise<T.ZIMCommunityThreadUsersInvitedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("inviteUsersIntoCommunityThread", { communityID, threadID, userIDs });
      return { communityID: r.communityID, threadID: r.threadID, errorUserList: errorUsers(r.errorUserList) };
    });
  }

  /** kickCommunityThreadMembers removes followers from a thread: the owner and admins. */
  kickCommunityThreadMembers(userIDs: string[], threadID: string, communityID: string): Promise<T.ZIMCommunityThreadMembersKickedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("kickCommunityThreadMembers", { communityID, threadID, userIDs });
      return { communityID: r.communityID, threadID: r.threadID, errorUserList: errorUsers(r.errorUserList) };
    });
  }

  /** queryCommunityThreadMemberList pages a thread's followers, in the order they joined. */
  queryCommunityThreadMemberList(threadID: string, communityID: string, count: number, config?: T.ZIMCommunityThreadMemberListQueryConfig): Promise<T.ZIMCommunityThreadMemberListQueriedResult> {
    this.#touch(communityID);
    return this.#wrap(async () => {
      const req: RequestOf<"queryCommunityThreadMemberList"> = { communityID, threadID, count };
      const cursor = this.#cursors.cursorOf(config?.nextFlag);
      if (cursor) req.nextFlag = cursor;
      const r = await this.#call("queryCommunityThreadMemberList", req);
      return { communityID: r.communityID, threadID: r.threadID, memberList: r.memberList.map(threadMember), nextFlag: this.#cursors.flagOf(r.nextFlag) };
    });
  }

  /** queryCommunityThreadList pages a channel's threads the caller sees: active (newest activity first) or archived (newest archive first). */
  queryCommunityThreadList(channelID: string, communityID: string, count: number, config?: T.ZIMCommunityThreadListQueryConfig): Promise<T.ZIMCommunityThreadListQueriedResult> {
    this.#touch(communityID);
    return this.#wrap(async () => {
      const req: RequestOf<"queryCommunityThreadList"> = { communityID, channelID, count };
      const f = config?.filter;
      if (f === ZIMCommunityThreadListFilter.Archived || f === "archived") req.filter = "archived";
      else if (f !== undefined && f !== ZIMCommunityThreadListFilter.Active && f !== "active") throw invalid(`config.filter must be Active (0) or Archived (1), got ${String(f)}`, "filter");
      const cursor = this.#cursors.cursorOf(config?.nextFlag);
      if (cursor) req.nextFlag = cursor;
      const r = await this.#call("queryCommunityThreadList", req);
      return { communityID: r.communityID, channelID: r.channelID, threadList: r.threadList.map((t) => this.#thread(t)), nextFlag: this.#cursors.flagOf(r.nextFlag) };
    });
  }

  /** queryJoinedCommunityThreadList pages the threads the caller follows in a community (empty communityID: in all), newest activity first, with their unread state. */
  queryJoinedCommunityThreadList(communityID: string, count: number, config?: T.ZIMCommunityJoinedThreadListQueryConfig): Promise<T.ZIMCommunityJoinedThreadListQueriedResult> {
    return this.#wrap(async () => {
      const req: RequestOf<"queryJoinedCommunityThreadList"> = { count };
      if (communityID) req.communityID = communityID;
      const cursor = this.#cursors.cursorOf(config?.nextFlag);
      if (cursor) req.nextFlag = cursor;
      const r = await this.#call("queryJoinedCommunityThreadList", req);
      for (const j of r.threadList) this.#state.putConversation(threadConversation(j, this.#state.conversation(j.communityID, j.channelID)));
      return { threadList: r.threadList.map((j) => communityJoinedThread(j, this.#userID)), nextFlag: this.#cursors.flagOf(r.nextFlag) };
    });
  }

  /** queryCommunityThreadsInfo reads threads by ID, each with its newest message; others are in errorThreadIDs. */
  queryCommunityThreadsInfo(threadIDs: string[], communityID: string): Promise<T.ZIMCommunityThreadsInfoQueriedResult> {
    return this.#wrap(async () => {
      const r = await this.#call("queryCommunityThreadsInfo", { communityID, threadIDs });
      return { communityID: r.communityID, threadInfos: r.threadInfos.map((t) => this.#thread(t)), errorThreadIDs: r.errorThreadIDs };
    });
  }

  /** updateCommunityThreadName renames a thread: its creator, the owner and admins (only they while it is locked). */
  updateCommunityThreadName(threadName: string, threadID: string, communityID: string): Promise<T.ZIMCommunityThreadNameUpdatedResult> {
    return this.#wrap(async () => {
      const t = (await this.#call("updateCommunityThreadName", { communityID, threadID, threadName })).threadInfo;
      return { communityID: t.communityID, threadID: t.threadID, threadName: t.threadName, threadInfo: this.#thread(t) };
    });
  }

  /** updateCommunityThreadArchivedState archives or unarchives a thread: its creator, the owner and admins. */
  updateCommunityThreadArchivedState(isArchived: boolean, threadID: string, communityID: string): Promise<T.ZIMCommunityThreadArchivedStateUpdatedResult> {
    return this.#wrap(async () => {
      const t = (await this.#call("updateCommunityThreadArchivedState", { communityID, threadID, isArchived })).threadInfo;
      return { communityID: t.communityID, threadID: t.threadID, isArchived: t.isArchived, threadInfo: this.#thread(t) };
    });
  }

  /** updateCommunityThreadLockedState locks or unlocks a thread: the owner and admins. */
  updateCommunityThreadLockedState(isLocked: boolean, threadID: string, communityID: string): Promise<T.ZIMCommunityThreadLockedStateUpdatedResult> {
    return this.#wrap(async () => {
      const t = (await this.#call("updateCommunityThreadLockedState", { communityID, threadID, isLocked })).threadInfo;
      return { communityID: t.communityID, threadID: t.threadID, isLocked: t.isLocked, threadInfo: this.#thread(t) };
    });
  }

  /** updateCommunityThreadAutoArchiveDuration sets after how many minutes without a message a thread archives (60, 1440, 4320, 10080). */
  updateCommunityThreadAutoArchiveDuration(autoArchiveDuration: ZIMCommunityThreadAutoArchiveDuration, threadID: string, communityID: string): Promise<T.ZIMCommunityThreadAutoArchiveDurationUpdatedResult> {
    return this.#wrap(async () => {
      const req: RequestOf<"updateCommunityThreadAutoArchiveDuration"> = { communityID, threadID, autoArchiveDuration: autoArchiveDuration as RequestOf<"updateCommunityThreadAutoArchiveDuration">["autoArchiveDuration"] };
      const t = (await this.#call("updateCommunityThreadAutoArchiveDuration", req)).threadInfo;
      return { communityID: t.communityID, threadID: t.threadID, autoArchiveDuration: t.autoArchiveDuration, threadInfo: this.#thread(t) };
    });
  }

  // thread converts a thread the server returned, and remembers that its ID is a thread's.
  #thread(t: Thread): T.ZIMCommunityThreadInfo {
    this.#state.noteThread(t.communityID, t.threadID, t.parentChannelID);
    return communityThread(t, this.#userID);
  }
}

function unsupported(method: string, why: string): Promise<never> {
  return Promise.reject({ code: 6000013, message: `${method} is not supported by Plaza: ${why}`, plazaCode: "unsupported" } satisfies T.ZIMError);
}

// muteRequest turns the reference's (isMute, config) into Plaza's fields.
// The reference's docs disagree on how to lift a mute (README, "Decisions"):
// isMute false lifts it, and so do duration 0 and mode None.
function muteRequest(isMute: boolean, config: T.ZIMCommunityChannelMuteConfig | undefined): { isMute: boolean; mode?: 0 | 1 | 2 | 3; duration?: number; roles?: (1 | 2 | 3)[] } {
  const mode = config?.mode ?? ZIMCommunityChannelMuteMode.Normal;
  const duration = config?.duration ?? 0;
  const mute = isMute && duration !== 0 && mode !== ZIMCommunityChannelMuteMode.None;
  if (!mute) return { isMute: false };
  const out: { isMute: boolean; mode: 0 | 1 | 2 | 3; duration: number; roles?: (1 | 2 | 3)[] } = { isMute: true, mode, duration };
  if (mode === ZIMCommunityChannelMuteMode.Custom && config?.roles && config.roles.length > 0) out.roles = config.roles as (1 | 2 | 3)[];
  return out;
}

// blankConversation is a channel's conversation before anything is known of
// it: a new channel, which starts empty and in do-not-disturb.
function blankConversation(c: ChannelBrief): ChannelConversation {
  return {
    ...c,
    channelAttributes: {},
    notificationStatus: 2,
    unreadMessageCount: 0,
    lastMessage: null,
    lastMessageSeq: 0,
    readMessageSeq: 0,
    mentionedInfoList: [],
    selfMutedExpiredTime: 0,
    draft: "",
    isPinned: false,
    pinnedTime: 0,
  };
}
