// Translation between Plaza's shapes (the core's) and the reference SDK's.
// Naming, argument order, result shapes and error codes of the reference
// live in the facade and nowhere else.
import type {
  Application,
  Channel,
  ChannelConversation,
  Community,
  CommunityInfo,
  JoinedThread,
  Member,
  MentionedInfo,
  Message,
  MessageContent,
  MessageType,
  MuteInfo,
  Reaction,
  Thread,
  ThreadMember,
  UserInfo,
  ErrorUser,
} from "../generated/api.js";
import { PlazaError } from "../core/errors.js";
import { CloseError } from "../core/link.js";
import {
  ZIMCommunityChannelType,
  ZIMCommunityMemberMuteType,
  ZIMConversationType,
  ZIMMessageDirection,
  ZIMMessageReceiptStatus,
  ZIMMessageRepliedInfoState,
  ZIMMessageRevokeStatus,
  ZIMMessageSentStatus,
  ZIMMessageType,
  ZIMRevokeType,
} from "./enums.js";
import type {
  ZIMCommunity,
  ZIMCommunityApplication,
  ZIMCommunityChannel,
  ZIMCommunityChannelFullInfo,
  ZIMCommunityFullInfo,
  ZIMCommunityJoinedThreadInfo,
  ZIMCommunityThreadInfo,
  ZIMCommunityThreadMemberInfo,
  ZIMCommunityMemberInfo,
  ZIMCommunityMemberMuteInfo,
  ZIMCommunityMuteInfo,
  ZIMConversation,
  ZIMError,
  ZIMErrorUserInfo,
  ZIMMessage,
  ZIMMessageLiteInfo,
  ZIMMessageMentionedInfo,
  ZIMMessageReaction,
  ZIMUserInfo,
} from "./types.js";

// ---- Conversation IDs ----

/**
 * conversationIDOf derives the facade's conversation ID of a channel (or
 * thread): `communityID/channelID`. IDs never hold a `/`, so the pair comes
 * back unchanged (parseConversationID).
 */
export function conversationIDOf(communityID: string, channelID: string): string {
  return `${communityID}/${channelID}`;
}

/** parseConversationID returns the community and channel of a conversation ID, or rejects with 6000001. */
export function parseConversationID(conversationID: unknown, conversationType?: unknown): { communityID: string; channelID: string } {
  if (conversationType !== undefined && conversationType !== ZIMConversationType.CommunityChannel && conversationType !== ZIMConversationType.CommunityThread) {
    throw invalid(`conversationType ${String(conversationType)} is not supported: Plaza has community channels (3) and threads (4)`, "conversationType");
  }
  if (typeof conversationID !== "string") throw invalid("conversationID must be a string", "conversationID");
  const i = conversationID.indexOf("/");
  if (i <= 0 || i === conversationID.length - 1 || conversationID.indexOf("/", i + 1) >= 0) {
    throw invalid(`conversationID ${JSON.stringify(conversationID)} is not a channel's conversation ID (use ZIMCommunityChannel.conversationID, not the channel ID)`, "conversationID");
  }
  return { communityID: conversationID.slice(0, i), channelID: conversationID.slice(i + 1) };
}

// ---- Errors ----

/** invalid makes the rejection of a bad argument (6000001, CommonModuleParamsInvalid). */
export function invalid(message: string, field?: string): PlazaError {
  const o: { code: "invalid_argument"; zimCode: number; message: string; field?: string } = { code: "invalid_argument", zimCode: 6000001, message };
  if (field) o.field = field;
  return new PlazaError(o);
}

/** toZIMError turns any failure into the reference's `{code, message}` (with Plaza's details beside). */
export function toZIMError(e: unknown): ZIMError {
  if (e instanceof PlazaError) {
    const z: ZIMError = { code: e.zimCode, message: e.message, plazaCode: e.code };
    if (e.field !== undefined) z.field = e.field;
    if (e.until !== undefined) z.until = e.until;
    return z;
  }
  if (e instanceof CloseError) {
    // The connection failed or was closed: NetworkModuleNetworkError, or
    // the token's own code when the server said why.
    const code = e.code === 4009 ? 6000106 : e.code === 4003 ? 6000103 : 6000104;
    return { code, message: e.message, plazaCode: "network_error" };
  }
  if (isZIMError(e)) return { code: e.code, message: e.message };
  return { code: 1, message: e instanceof Error ? e.message : String(e) };
}

function isZIMError(e: unknown): e is ZIMError {
  return typeof e === "object" && e !== null && typeof (e as ZIMError).code === "number" && typeof (e as ZIMError).message === "string";
}

export function errorUsers(list: ErrorUser[] | undefined): ZIMErrorUserInfo[] {
  return (list ?? []).map((u) => ({ userID: u.userID, reason: u.reason }));
}

// ---- Users ----

export function userInfo(u: { userID: string; userName?: string; userAvatarUrl?: string }): ZIMUserInfo {
  return { userID: u.userID, userName: u.userName ?? "", userAvatarUrl: u.userAvatarUrl ?? "", userExtendedData: "" };
}

// ---- Attributes ----

/** attributes accepts the docs' Map or the d.ts's Record. */
export function attributes(a: Record<string, string> | Map<string, string> | undefined): Record<string, string> | undefined {
  if (a === undefined || a === null) return undefined;
  if (a instanceof Map) return Object.fromEntries(a);
  return a;
}

// ---- Communities ----

export function community(c: Community): ZIMCommunity {
  return {
    baseInfo: { communityID: c.communityID, communityName: c.communityName, communityAvatarUrl: c.communityAvatarUrl },
    totalUnreadMessageCount: c.totalUnreadMessageCount,
    notificationStatus: c.notificationStatus,
    memberRole: c.memberRole,
    threadTotalUnreadMessageCount: c.threadTotalUnreadMessageCount ?? 0,
    threadTotalUnreadMentionCount: c.threadTotalUnreadMentionCount ?? 0,
  };
}

export function muteInfo(m: MuteInfo | undefined): ZIMCommunityMuteInfo {
  return { mode: m?.mode ?? 0, expiredTime: m?.expiredTime ?? 0, roles: m?.roles ?? [] };
}

/**
 * communityFullInfo converts a community's full information; `entry` is the
 * caller's entry of it in its community list, whose thread totals the
 * server's CommunityInfo lacks.
 */
export function communityFullInfo(c: CommunityInfo, entry?: Community): ZIMCommunityFullInfo {
  return {
    baseInfo: { communityID: c.communityID, communityName: c.communityName, communityAvatarUrl: c.communityAvatarUrl },
    communityNotice: c.communityNotice,
    communityAttributes: c.communityAttributes ?? {},
    createTime: c.createTime,
    creatorUserID: c.creatorUserID,
    currentMemberCount: c.currentMemberCount,
    notificationStatus: c.notificationStatus ?? 1,
    joinMode: c.joinMode,
    inviteMode: c.inviteMode,
    muteInfo: muteInfo(c.muteInfo),
    threadTotalUnreadMessageCount: entry?.threadTotalUnreadMessageCount ?? 0,
    threadTotalUnreadMentionCount: entry?.threadTotalUnreadMentionCount ?? 0,
  };
}

export function member(m: Member): ZIMCommunityMemberInfo {
  const mutes: ZIMCommunityMemberMuteInfo[] = [];
  if (m.muteExpiredTime !== 0) mutes.push({ muteType: ZIMCommunityMemberMuteType.Community, channelID: "", muteExpiredTime: m.muteExpiredTime });
  for (const cm of m.channelMutes ?? []) mutes.push({ muteType: ZIMCommunityMemberMuteType.Channel, channelID: cm.channelID, muteExpiredTime: cm.muteExpiredTime });
  return {
    ...userInfo(m),
    memberRole: m.memberRole,
    enterInfo: { enterTime: m.enterTime, enterType: m.enterType, operatedUserID: m.operatedUserID ?? "" },
    muteInfo: mutes[0] ?? { muteType: ZIMCommunityMemberMuteType.None, channelID: "", muteExpiredTime: 0 },
    muteInfoList: mutes,
  };
}

export function application(a: Application): ZIMCommunityApplication {
  const z: ZIMCommunityApplication = {
    communityInfo: { communityID: a.communityID, communityName: a.communityName, communityAvatarUrl: "" },
    applyUser: userInfo(a),
    wording: a.wording,
    state: a.state,
    createTime: a.createTime,
    updateTime: a.updateTime,
  };
  if (a.operatedUserID) z.operatedUser = userInfo({ userID: a.operatedUserID });
  return z;
}

// ---- Channels and conversations ----

function channelType(t: number): ZIMCommunityChannelType {
  return t === 0 || t === 1 || t === 2 || t === 3 ? t : ZIMCommunityChannelType.Unknown;
}

/** conversationTypeOf tells a thread (channelType 3, SPEC §6a) from a channel. */
export function conversationTypeOf(c: { channelType?: number; parentChannelID?: string }): ZIMConversationType {
  return c.channelType === 3 || c.parentChannelID ? ZIMConversationType.CommunityThread : ZIMConversationType.CommunityChannel;
}

export function channelFullInfo(c: Channel): ZIMCommunityChannelFullInfo {
  return {
    baseInfo: { channelID: c.channelID, channelType: channelType(c.channelType), channelName: c.channelName, channelAvatarUrl: c.channelAvatarUrl, communityID: c.communityID },
    createTime: c.createTime,
    creatorUserID: c.creatorUserID,
    channelNotice: c.channelNotice,
    channelAttributes: c.channelAttributes ?? {},
    currentMemberCount: c.currentMemberCount,
    muteInfo: muteInfo(c.muteInfo),
    conversationID: conversationIDOf(c.communityID, c.channelID),
    lastMessageSeq: c.lastMessageSeq,
  };
}

export function mentioned(list: MentionedInfo[] | undefined): ZIMMessageMentionedInfo[] {
  return (list ?? []).map((m) => ({ messageID: m.messageID, messageSeq: m.messageSeq, fromUserID: m.fromUserID, type: m.type }));
}

export function communityChannel(c: ChannelConversation, me: string): ZIMCommunityChannel {
  const z: ZIMCommunityChannel = {
    baseInfo: { channelID: c.channelID, channelType: channelType(c.channelType), channelName: c.channelName, channelAvatarUrl: c.channelAvatarUrl, communityID: c.communityID },
    conversationID: conversationIDOf(c.communityID, c.channelID),
    channelAttributes: c.channelAttributes ?? {},
    notificationStatus: c.notificationStatus,
    unreadMessageCount: c.unreadMessageCount,
    mentionedInfoList: mentioned(c.mentionedInfoList),
    selfMutedExpiredTime: c.selfMutedExpiredTime,
    draft: c.draft,
    readMessageSeq: c.readMessageSeq,
    isPinned: c.isPinned,
    pinnedTime: c.pinnedTime,
  };
  if (c.lastMessage) z.lastMessage = message(c.lastMessage, me);
  return z;
}

export function conversation(c: ChannelConversation, me: string): ZIMConversation {
  const z: ZIMConversation = {
    conversationID: conversationIDOf(c.communityID, c.channelID),
    type: conversationTypeOf(c),
    conversationName: c.channelName,
    conversationAvatarUrl: c.channelAvatarUrl,
    conversationAlias: "",
    notificationStatus: c.notificationStatus,
    unreadMessageCount: c.unreadMessageCount,
    readMessageSeq: c.readMessageSeq,
    orderKey: c.lastMessage?.timestamp ?? 0,
    isPinned: c.isPinned,
    pinnedTime: c.pinnedTime,
    mentionedInfoList: mentioned(c.mentionedInfoList),
    draft: c.draft,
    marks: [],
    isConversationDisabled: false,
    selfMutedExpiredTime: c.selfMutedExpiredTime,
    messageDestructDuration: 0,
    communityID: c.communityID,
    channelID: c.channelID,
  };
  const parent = (c as { parentChannelID?: string }).parentChannelID;
  if (parent) z.parentChannelID = parent;
  if (c.lastMessage) z.lastMessage = message(c.lastMessage, me);
  return z;
}

// ---- Messages ----

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function reaction(r: Reaction, conversationID: string, conversationType: ZIMConversationType, messageID: string): ZIMMessageReaction {
  return {
    reactionType: r.reactionType,
    conversationID,
    conversationType,
    messageID,
    totalCount: r.totalCount,
    isSelfIncluded: r.isSelfIncluded,
    userList: (r.userList ?? []).map((u: UserInfo) => ({ userID: u.userID, userName: u.userName, userAvatarUrl: u.userAvatarUrl })),
    sumCount: r.totalCount,
  };
}

function lite(c: MessageContent): ZIMMessageLiteInfo {
  const z: ZIMMessageLiteInfo = { type: c.type as ZIMMessageType };
  copy(c, z, ["message", "subType", "searchedContent", "fileDownloadUrl", "fileName", "fileSize", "mimeType", "thumbnailDownloadUrl", "audioDuration", "videoDuration"]);
  if (c.imageWidth !== undefined) z.originalImageWidth = c.imageWidth;
  if (c.imageHeight !== undefined) z.originalImageHeight = c.imageHeight;
  return z;
}

function copy(from: object, to: object, keys: string[]): void {
  const f = from as Record<string, unknown>;
  const t = to as Record<string, unknown>;
  for (const k of keys) if (f[k] !== undefined) t[k] = f[k];
}

/** message turns a Plaza message into the reference's ZIMMessage (and its subtype's fields). */
export function message(m: Message, me: string): ZIMMessage {
  const conversationType = conversationTypeOf(m as { parentChannelID?: string });
  const conversationID = conversationIDOf(m.communityID, m.channelID);
  const z: ZIMMessage & Record<string, unknown> = {
    type: m.type as ZIMMessageType,
    messageID: m.messageID,
    localMessageID: m.clientMessageID ?? m.messageID,
    messageSeq: m.messageSeq,
    senderUserID: m.senderUserID,
    conversationID,
    conversationType,
    direction: m.senderUserID === me ? ZIMMessageDirection.Send : ZIMMessageDirection.Receive,
    sentStatus: ZIMMessageSentStatus.Success,
    timestamp: m.timestamp,
    orderKey: m.messageSeq,
    isUserInserted: false,
    receiptStatus: ZIMMessageReceiptStatus.None,
    extendedData: m.extendedData ?? "",
    localExtendedData: "",
    reactions: (m.reactions ?? []).map((r) => reaction(r, conversationID, conversationType, m.messageID)),
    isBroadcastMessage: false,
    mentionedUserIDs: m.mentionedUserIDs ?? [],
    isMentionAll: m.isMentionAll ?? false,
    rootRepliedCount: m.rootRepliedCount ?? 0,
    isServerMessage: m.senderUserID.startsWith("#"),
    editorUserID: m.editedTime ? m.senderUserID : "",
    editedTime: m.editedTime ?? 0,
    isGroupTargetedMessage: false,
    pinnedUserID: "",
    pinnedTime: 0,
    communityID: m.communityID,
    channelID: m.channelID,
  };
  const threadInfo = (m as { threadInfo?: ZIMMessage["threadInfo"] }).threadInfo;
  if (threadInfo) z.threadInfo = threadInfo;
  if (m.repliedInfo) {
    const r = m.repliedInfo;
    z.repliedInfo = {
      state: ZIMMessageRepliedInfoState.Normal,
      messageInfo: { type: r.messageType as ZIMMessageType },
      senderUserID: r.senderUserID,
      sentTime: r.sentTime,
      messageID: r.messageID,
      messageSeq: r.messageSeq,
    };
  }
  switch (m.type) {
    case 1:
    case 200:
      z.message = m.message ?? "";
      if (m.type === 200) {
        z.subType = m.subType ?? 0;
        z.searchedContent = m.searchedContent ?? "";
      }
      break;
    case 2:
      z.message = encoder.encode(m.message ?? "");
      break;
    case 11:
    case 12:
    case 13:
    case 14:
      z.fileDownloadUrl = m.fileDownloadUrl ?? "";
      z.fileName = m.fileName ?? "";
      z.fileSize = m.fileSize ?? 0;
      z.fileUID = "";
      if (m.mimeType !== undefined) z.mimeType = m.mimeType;
      if (m.type === 11) {
        z.thumbnailDownloadUrl = m.thumbnailDownloadUrl ?? "";
        z.largeImageDownloadUrl = m.fileDownloadUrl ?? "";
        z.originalImageWidth = m.imageWidth ?? 0;
        z.originalImageHeight = m.imageHeight ?? 0;
        z.largeImageWidth = m.imageWidth ?? 0;
        z.largeImageHeight = m.imageHeight ?? 0;
        z.thumbnailWidth = 0;
        z.thumbnailHeight = 0;
      } else if (m.type === 13) {
        z.audioDuration = m.audioDuration ?? 0;
      } else if (m.type === 14) {
        z.videoDuration = m.videoDuration ?? 0;
        z.videoFirstFrameDownloadUrl = m.thumbnailDownloadUrl ?? "";
        z.videoFirstFrameWidth = 0;
        z.videoFirstFrameHeight = 0;
      }
      break;
    case 10:
      z.messageInfoList = (m.items ?? []).map(lite);
      break;
    case 31: {
      const ri = m.revokeInfo;
      z.revokeType = ZIMRevokeType.TwoWay;
      z.revokeTimestamp = ri?.revokeTime ?? 0;
      z.operatedUserID = ri?.operatedUserID ?? "";
      z.originalMessageType = (ri?.originalMessageType ?? 0) as ZIMMessageType;
      z.originalTextMessageContent = "";
      z.revokeExtendedData = "";
      z.revokeStatus = !ri || ri.operatedUserID === m.senderUserID ? ZIMMessageRevokeStatus.SelfRevoke : ZIMMessageRevokeStatus.GroupAdminRevoke;
      break;
    }
    case 32: {
      const ti = m.tipsInfo;
      z.event = ti?.event ?? 0;
      z.operatedUser = userInfo({ userID: ti?.operatedUserID ?? m.senderUserID });
      z.targetUserList = (ti?.targetUserIDs ?? []).map((id) => userInfo({ userID: id }));
      z.message = m.message ?? "";
      break;
    }
  }
  return z;
}

const sendable = new Set<number>([1, 2, 10, 11, 12, 13, 14, 200]);

/** content turns a ZIMMessage to send into Plaza's MessageContent, or rejects with 6000001. */
export function content(z: ZIMMessage): MessageContent {
  if (!z || typeof z !== "object") throw invalid("message must be a ZIMMessage object", "message");
  if (!sendable.has(z.type)) {
    throw invalid(`message type ${String(z.type)} cannot be sent to Plaza: text, command, multiple, image, file, audio, video and custom can`, "message.type");
  }
  const src = z as ZIMMessage & Record<string, unknown>;
  const c: MessageContent = { type: z.type as MessageType };
  if (z.type === ZIMMessageType.Command) {
    const m = src.message;
    c.message = m instanceof Uint8Array ? decoder.decode(m) : String(m ?? "");
  } else if (z.type === ZIMMessageType.Text || z.type === ZIMMessageType.Custom) {
    c.message = typeof src.message === "string" ? src.message : String(src.message ?? "");
    if (z.type === ZIMMessageType.Custom) {
      c.subType = Number(src.subType ?? 0);
      if (typeof src.searchedContent === "string" && src.searchedContent) c.searchedContent = src.searchedContent;
    }
  } else if (z.type === ZIMMessageType.Multiple) {
    const items = src.messageInfoList as ZIMMessageLiteInfo[] | undefined;
    c.items = (items ?? []).map((i) => content(i as ZIMMessage));
  } else {
    media(src, c);
  }
  if (z.type !== ZIMMessageType.Command) {
    if (z.extendedData) c.extendedData = z.extendedData;
    if (z.mentionedUserIDs && z.mentionedUserIDs.length > 0) c.mentionedUserIDs = [...z.mentionedUserIDs];
    if (z.isMentionAll) c.isMentionAll = true;
  }
  return c;
}

function media(src: Record<string, unknown>, c: MessageContent): void {
  if (!src.fileDownloadUrl) {
    throw invalid("a media message needs fileDownloadUrl: Plaza stores media metadata, not files (upload the file yourself)", "message.fileDownloadUrl");
  }
  c.fileDownloadUrl = String(src.fileDownloadUrl);
  if (src.fileName) c.fileName = String(src.fileName);
  if (typeof src.fileSize === "number" && src.fileSize > 0) c.fileSize = src.fileSize;
  if (src.mimeType) c.mimeType = String(src.mimeType);
  switch (c.type) {
    case 11: {
      const thumb = src.thumbnailDownloadUrl;
      if (thumb) c.thumbnailDownloadUrl = String(thumb);
      const w = src.originalImageWidth ?? src.imageWidth;
      const h = src.originalImageHeight ?? src.imageHeight;
      if (typeof w === "number" && w > 0) c.imageWidth = w;
      if (typeof h === "number" && h > 0) c.imageHeight = h;
      break;
    }
    case 13:
      if (typeof src.audioDuration === "number" && src.audioDuration > 0) c.audioDuration = src.audioDuration;
      break;
    case 14: {
      if (typeof src.videoDuration === "number" && src.videoDuration > 0) c.videoDuration = src.videoDuration;
      const thumb = src.videoFirstFrameDownloadUrl ?? src.thumbnailDownloadUrl;
      if (thumb) c.thumbnailDownloadUrl = String(thumb);
      break;
    }
  }
}

/** seqOf reads the seq of a message given to a method, or rejects with 6000001. */
export function seqOf(z: ZIMMessage | undefined, field = "message"): number {
  const seq = z?.messageSeq;
  if (typeof seq !== "number" || !(seq > 0)) throw invalid(`${field} has no messageSeq: pass a message the SDK returned`, field);
  return seq;
}

/** channelOf reads the community and channel of a message given to a method. */
export function channelOf(z: ZIMMessage | undefined, field = "message"): { communityID: string; channelID: string } {
  if (z?.communityID && z.channelID) return { communityID: z.communityID, channelID: z.channelID };
  return parseConversationID(z?.conversationID, z?.conversationType);
}

// ---- Threads (SPEC §6a) ----

/** communityThread converts a thread: the server's fields, its last message as a ZIMMessage, and its conversationID. */
export function communityThread(t: Thread, me: string): ZIMCommunityThreadInfo {
  const z: ZIMCommunityThreadInfo = {
    communityID: t.communityID,
    channelID: t.channelID,
    threadID: t.threadID,
    channelType: ZIMCommunityChannelType.Thread,
    parentChannelID: t.parentChannelID,
    threadName: t.threadName,
    rootMessageSeq: t.rootMessageSeq,
    creatorUserID: t.creatorUserID,
    createTime: t.createTime,
    isPrivate: t.isPrivate,
    isArchived: t.isArchived,
    isLocked: t.isLocked,
    invitable: t.invitable,
    autoArchiveDuration: t.autoArchiveDuration,
    archiveTime: t.archiveTime,
    messageCount: t.messageCount,
    memberCount: t.memberCount,
    lastMessageSeq: t.lastMessageSeq,
    conversationID: conversationIDOf(t.communityID, t.threadID),
  };
  if (t.lastMessage) z.lastMessage = message({ ...t.lastMessage, parentChannelID: t.parentChannelID } as Message, me);
  return z;
}

/** communityJoinedThread converts a followed thread with the caller's unread state. */
export function communityJoinedThread(j: JoinedThread, me: string): ZIMCommunityJoinedThreadInfo {
  return {
    ...communityThread(j, me),
    unreadMessageCount: j.unreadMessageCount,
    readMessageSeq: j.readMessageSeq,
    notificationStatus: j.notificationStatus,
    mentionedInfoList: mentioned(j.mentionedInfoList),
  };
}

export function threadMember(m: ThreadMember): ZIMCommunityThreadMemberInfo {
  return { ...userInfo(m), memberRole: m.memberRole, joinTime: m.joinTime };
}

/**
 * threadConversation makes the caller's conversation in a followed thread
 * from its joined-list entry. The entry lacks the draft, the pin and the
 * mute expiry of a conversation: those of `known` (the conversation as the
 * instance last saw it) are kept, else none.
 */
export function threadConversation(j: JoinedThread, known?: ChannelConversation): ChannelConversation {
  return {
    communityID: j.communityID,
    channelID: j.channelID,
    channelType: 3,
    channelName: j.threadName,
    channelAvatarUrl: "",
    parentChannelID: j.parentChannelID,
    channelAttributes: {},
    notificationStatus: j.notificationStatus,
    unreadMessageCount: j.unreadMessageCount,
    lastMessage: j.lastMessage,
    lastMessageSeq: j.lastMessageSeq,
    readMessageSeq: j.readMessageSeq,
    mentionedInfoList: j.mentionedInfoList ?? [],
    selfMutedExpiredTime: known?.selfMutedExpiredTime ?? 0,
    draft: known?.draft ?? "",
    isPinned: known?.isPinned ?? false,
    pinnedTime: known?.pinnedTime ?? 0,
  };
}
