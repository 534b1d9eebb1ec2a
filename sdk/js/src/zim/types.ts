// The reference SDK's shapes: configs, results and event payloads with its
// field names (zego-zim-web 2.29.0 for messages and conversations, ZIM 3.x's
// documentation for communities). Fields Plaza adds are marked.
import type { FetchLike } from "../core/rest.js";
import type { WebSocketConstructor } from "../core/link.js";
import type {
  ZIMCommunityChannelMuteMode,
  ZIMCommunityChannelType,
  ZIMCommunityListChangeAction,
  ZIMCommunityMemberChangeAction,
  ZIMCommunityMemberChangeState,
  ZIMCommunityMemberEnterType,
  ZIMCommunityMemberMuteType,
  ZIMCommunityMessageNotificationStatus,
  ZIMConnectionEvent,
  ZIMConnectionState,
  ZIMConversationEvent,
  ZIMConversationListChangeAction,
  ZIMConversationNotificationStatus,
  ZIMConversationPinnedFilter,
  ZIMConversationType,
  ZIMMessageDirection,
  ZIMMessageMentionedType,
  ZIMMessagePriority,
  ZIMMessageQueryMode,
  ZIMMessageReactionUserChangeAction,
  ZIMMessageReceiptStatus,
  ZIMMessageRepliedInfoState,
  ZIMMessageRevokeStatus,
  ZIMMessageSentStatus,
  ZIMMessageType,
  ZIMRevokeType,
  ZIMTipsMessageEvent,
  ZIMCommunityApplicationState,
  ZIMCommunityJoinMode,
  ZIMCommunityInviteMode,
  ZIMCommunityThreadAutoArchiveDuration,
  ZIMCommunityThreadListFilter,
} from "./enums.js";

// ---- Lifecycle ----

/** ZIMAppConfig is the reference's app config with one addition: `server`, the Plaza base URL. */
export interface ZIMAppConfig {
  /** The app's ID; a number as in the reference, or Plaza's string form. */
  appID: number | string;
  /** Ignored: Plaza authenticates with the login token alone. */
  appSign?: string;
  /** Plaza's addition: the server's base URL, such as `https://chat.example.com`. */
  server: string;
  /** For runtimes without a global WebSocket (Node 20): the `ws` package's constructor. */
  WebSocket?: WebSocketConstructor;
  /** For runtimes without a global fetch. */
  fetch?: FetchLike;
}

/** ZIMError is every rejection: the reference's numeric code and a message. */
export interface ZIMError {
  code: number;
  message: string;
  /** Plaza's addition: the stable string code (`community_not_found`, …). */
  plazaCode?: string;
  /** Plaza's addition: the request field at fault, when one is. */
  field?: string;
  /** Plaza's addition: when a temporary refusal ends (Unix ms; -1 never). */
  until?: number;
}

export interface ZIMUserInfo {
  userID: string;
  userName: string;
  userAvatarUrl: string;
  userExtendedData: string;
}

export interface ZIMUserFullInfo {
  baseInfo: ZIMUserInfo;
  userAvatarUrl: string;
  extendedData: string;
}

export interface ZIMLoginConfig {
  userName?: string;
  token: string;
  isOfflineLogin?: boolean;
  customStatus?: string;
  customStatusDuration?: number;
}

export interface ZIMLogoutConfig {
  isClearDB?: boolean;
}

export interface ZIMTokenRenewedResult {
  token: string;
}

export interface ZIMErrorUserInfo {
  userID: string;
  reason: number;
}

export interface ZIMUserNameUpdatedResult {
  userName: string;
}

export interface ZIMUserAvatarUrlUpdatedResult {
  userAvatarUrl: string;
}

export interface ZIMUsersInfoQueryConfig {
  isQueryFromServer?: boolean;
}

export interface ZIMUsersInfoQueriedResult {
  userList: ZIMUserFullInfo[];
  errorUserList: ZIMErrorUserInfo[];
}

// ---- Messages ----

export interface ZIMMessage {
  type: ZIMMessageType;
  messageID?: string;
  localMessageID?: string;
  messageSeq?: number;
  senderUserID?: string;
  conversationID?: string;
  conversationType?: ZIMConversationType;
  direction?: ZIMMessageDirection;
  sentStatus?: ZIMMessageSentStatus;
  timestamp?: number;
  orderKey?: number;
  isUserInserted?: boolean;
  receiptStatus?: ZIMMessageReceiptStatus;
  extendedData?: string;
  localExtendedData?: string;
  reactions?: ZIMMessageReaction[];
  isBroadcastMessage?: boolean;
  mentionedUserIDs?: string[];
  isMentionAll?: boolean;
  repliedInfo?: ZIMMessageRepliedInfo;
  rootRepliedCount?: number;
  isServerMessage?: boolean;
  editorUserID?: string;
  editedTime?: number;
  isGroupTargetedMessage?: boolean;
  pinnedUserID?: string;
  pinnedTime?: number;
  /** The text of a text, custom or tips message; a command's payload (Uint8Array). */
  message?: string | Uint8Array;
  /** Plaza's addition: the message's community. */
  communityID?: string;
  /** Plaza's addition: the message's channel (or thread). */
  channelID?: string;
  /** Plaza's addition (SPEC §6a): the thread this message opened, when one did. */
  threadInfo?: ZIMMessageThreadInfo;
}

/** ZIMMessageThreadInfo summarises the thread a channel message opened (Plaza, SPEC §6a). */
export interface ZIMMessageThreadInfo {
  threadID: string;
  threadName: string;
  messageCount: number;
  lastMessageTime: number;
  isArchived: boolean;
}

export interface ZIMMediaMessage extends ZIMMessage {
  /** Not supported: Plaza stores media metadata, not files; upload the file yourself and set fileDownloadUrl. */
  fileLocalPath?: unknown;
  fileDownloadUrl?: string;
  fileUID?: string;
  fileName?: string;
  fileSize?: number;
  /** Plaza's addition: the file's MIME type. */
  mimeType?: string;
}

export interface ZIMTextMessage extends ZIMMessage {
  type: ZIMMessageType.Text;
  message: string;
}

export interface ZIMCustomMessage extends ZIMMessage {
  type: ZIMMessageType.Custom;
  message: string;
  searchedContent?: string;
  subType: number;
}

export interface ZIMCommandMessage extends ZIMMessage {
  type: ZIMMessageType.Command;
  message: Uint8Array;
}

export interface ZIMImageMessage extends ZIMMediaMessage {
  type: ZIMMessageType.Image;
  thumbnailDownloadUrl?: string;
  largeImageDownloadUrl?: string;
  originalImageWidth?: number;
  originalImageHeight?: number;
  largeImageWidth?: number;
  largeImageHeight?: number;
  thumbnailWidth?: number;
  thumbnailHeight?: number;
}

export interface ZIMFileMessage extends ZIMMediaMessage {
  type: ZIMMessageType.File;
}

export interface ZIMAudioMessage extends ZIMMediaMessage {
  type: ZIMMessageType.Audio;
  audioDuration: number;
}

export interface ZIMVideoMessage extends ZIMMediaMessage {
  type: ZIMMessageType.Video;
  videoDuration: number;
  videoFirstFrameDownloadUrl?: string;
  videoFirstFrameWidth?: number;
  videoFirstFrameHeight?: number;
}

export interface ZIMRevokeMessage extends ZIMMessage {
  type: ZIMMessageType.Revoke;
  revokeType: ZIMRevokeType;
  revokeTimestamp: number;
  operatedUserID: string;
  originalMessageType: ZIMMessageType;
  originalTextMessageContent: string;
  revokeExtendedData: string;
  revokeStatus: ZIMMessageRevokeStatus;
}

export interface ZIMTipsMessage extends ZIMMessage {
  type: ZIMMessageType.Tips;
  event: ZIMTipsMessageEvent;
  operatedUser: ZIMUserInfo;
  targetUserList: ZIMUserInfo[];
}

export interface ZIMMessageLiteInfo {
  type: ZIMMessageType;
  message?: string;
  subType?: number;
  searchedContent?: string;
  fileDownloadUrl?: string;
  fileName?: string;
  fileSize?: number;
  mimeType?: string;
  thumbnailDownloadUrl?: string;
  originalImageWidth?: number;
  originalImageHeight?: number;
  audioDuration?: number;
  videoDuration?: number;
}

export interface ZIMMultipleMessage extends ZIMMessage {
  type: ZIMMessageType.Multiple;
  messageInfoList: ZIMMessageLiteInfo[];
  failedIndexList?: number[];
}

export interface ZIMMessageRepliedInfo {
  state: ZIMMessageRepliedInfoState;
  messageInfo: ZIMMessageLiteInfo;
  senderUserID: string;
  sentTime: number;
  messageID: string;
  messageSeq: number;
}

export interface ZIMMessageRootRepliedInfo {
  state: ZIMMessageRepliedInfoState;
  message?: ZIMMessage;
  senderUserID: string;
  sentTime: number;
  repliedCount: number;
}

export interface ZIMMessageMentionedInfo {
  messageID: string;
  messageSeq: number;
  fromUserID: string;
  type: ZIMMessageMentionedType;
}

export interface ZIMMessageReceivedInfo {
  conversationID: string;
  conversationType: ZIMConversationType;
  isOfflineMessage: boolean;
}

export interface ZIMMessageReaction {
  reactionType: string;
  conversationID: string;
  conversationType: ZIMConversationType;
  messageID: string;
  totalCount: number;
  isSelfIncluded: boolean;
  userList: ZIMMessageReactionUserInfo[];
  sumCount: number;
}

export interface ZIMMessageReactionUserInfo {
  userID: string;
  /** Plaza's addition: the user's name and avatar, as the server gives them. */
  userName?: string;
  userAvatarUrl?: string;
}

export interface ZIMMessageReactionUserChangeInfo {
  userID: string;
  reactionType: string;
  action: ZIMMessageReactionUserChangeAction;
  sumCount: number;
}

export interface ZIMMessageReactionChangeInfo {
  message: ZIMMessage;
  userChangeInfoList: ZIMMessageReactionUserChangeInfo[];
}

export interface ZIMPushConfig {
  title?: string;
  content?: string;
  payload?: string;
  resourcesID?: string;
  threadID?: string;
  enableBadge?: boolean;
  badgeIncrement?: number;
}

export interface ZIMMessageSendConfig {
  /** Ignored: Plaza sends no offline push. */
  pushConfig?: ZIMPushConfig;
  /** Ignored: every message has the same priority. */
  priority?: ZIMMessagePriority;
  hasReceipt?: boolean;
  isNotifyMentionedUsers?: boolean;
  isRetrySend?: boolean;
  disableUnreadMessageCount?: boolean;
  isAllowMultipleMessagePartialFailed?: boolean;
}

export interface ZIMMessageSendNotification {
  onMessageAttached?: (message: ZIMMessage) => void;
  onMediaUploadingProgress?: (message: ZIMMediaMessage, currentFileSize: number, totalFileSize: number) => void;
}

export interface ZIMMessageQueryConfig {
  nextMessage?: ZIMMessage;
  count: number;
  reverse?: boolean;
  mode?: ZIMMessageQueryMode;
}

export interface ZIMMessageRevokeConfig {
  pushConfig?: ZIMPushConfig;
  revokeExtendedData?: string;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ZIMMessageEditConfig {}

export interface ZIMMessageDeleteConfig {
  isAlsoDeleteServerMessage?: boolean;
}

export interface ZIMMessageReactionAddConfig {
  increaseCount?: number;
}

export interface ZIMMessageReactionUserQueryConfig {
  nextFlag: number;
  count: number;
  reactionType: string;
}

export interface ZIMMessageRepliedListQueryConfig {
  nextFlag: number;
  count: number;
}

export interface ZIMMessageSentResult {
  message: ZIMMessage;
}

export interface ZIMMessageQueriedResult {
  conversationID: string;
  conversationType: ZIMConversationType;
  messageList: ZIMMessage[];
}

export interface ZIMMessageDeletedResult {
  conversationID: string;
  conversationType: ZIMConversationType;
}

export interface ZIMMessageRevokedResult {
  message: ZIMMessage;
}

export interface ZIMMessageEditedResult {
  message: ZIMMessage;
}

export interface ZIMMessageReactionAddedResult {
  reaction: ZIMMessageReaction;
}

export interface ZIMMessageReactionDeletedResult {
  reaction: ZIMMessageReaction;
}

export interface ZIMMessageReactionUserFullInfo {
  userID: string;
  reactions: { reactionType: string }[];
}

export interface ZIMMessageReactionUserListQueriedResult {
  message: ZIMMessage;
  userInfoList: ZIMMessageReactionUserFullInfo[];
  reactionType: string;
  nextFlag: number;
  totalCount: number;
  userList: ZIMMessageReactionUserInfo[];
}

export interface ZIMMessageRepliedListQueriedResult {
  messageList: ZIMMessage[];
  nextFlag: number;
  rootRepliedInfo: ZIMMessageRootRepliedInfo;
}

// ---- Conversations ----

export interface ZIMConversation {
  conversationID: string;
  type: ZIMConversationType;
  conversationName: string;
  conversationAvatarUrl: string;
  conversationAlias: string;
  notificationStatus: ZIMConversationNotificationStatus;
  unreadMessageCount: number;
  readMessageSeq: number;
  lastMessage?: ZIMMessage;
  orderKey: number;
  isPinned: boolean;
  pinnedTime: number;
  mentionedInfoList: ZIMMessageMentionedInfo[];
  draft: string;
  marks: number[];
  isConversationDisabled: boolean;
  selfMutedExpiredTime: number;
  messageDestructDuration: number;
  /** Plaza's addition: the conversation's community and channel (or thread). */
  communityID: string;
  channelID: string;
  /** Plaza's addition: the parent channel, for a thread (SPEC §6a). */
  parentChannelID?: string;
}

export interface ZIMConversationChangeInfo {
  event: ZIMConversationEvent;
  action: ZIMConversationListChangeAction;
  conversation: ZIMConversation;
}

export interface ZIMConversationQueryConfig {
  nextConversation?: ZIMConversation;
  count: number;
}

export interface ZIMConversationFilterOption {
  conversationTypes?: ZIMConversationType[];
  marks?: number[];
  isOnlyUnreadConversation?: boolean;
  pinnedFilter?: ZIMConversationPinnedFilter;
}

export interface ZIMConversationTotalUnreadMessageCountQueryConfig {
  conversationTypes?: ZIMConversationType[];
  marks?: number[];
}

export interface ZIMConversationListQueriedResult {
  conversationList: ZIMConversation[];
}

export interface ZIMConversationQueriedResult {
  conversation: ZIMConversation;
}

export interface ZIMConversationPinnedListQueriedResult {
  conversationList: ZIMConversation[];
}

/** The result of the conversation setters: which conversation changed. */
export interface ZIMConversationBaseResult {
  conversationID: string;
  conversationType: ZIMConversationType;
}
export type ZIMConversationUnreadMessageCountClearedResult = ZIMConversationBaseResult;
export type ZIMConversationNotificationStatusSetResult = ZIMConversationBaseResult;
export type ZIMConversationPinnedStateUpdatedResult = ZIMConversationBaseResult;
export type ZIMConversationDraftSetResult = ZIMConversationBaseResult;

export interface ZIMConversationTotalUnreadMessageCountQueriedResult {
  unreadMessageCount: number;
}

// ---- Communities ----

export interface ZIMCommunityInfo {
  communityID: string;
  communityName: string;
  communityAvatarUrl: string;
}

export interface ZIMCommunity {
  baseInfo: ZIMCommunityInfo;
  totalUnreadMessageCount: number;
  /** Plaza's addition: the caller's notification status and role. */
  notificationStatus: ZIMCommunityMessageNotificationStatus | 0;
  memberRole: number;
  /** Plaza's addition (SPEC §6a): the unread messages of the threads the caller follows here and set to notify; not part of totalUnreadMessageCount, which sums channels. */
  threadTotalUnreadMessageCount: number;
  /** Plaza's addition (SPEC §6a): those threads' unread messages that mention the caller (or everyone). */
  threadTotalUnreadMentionCount: number;
}

export interface ZIMCommunityMuteInfo {
  mode: ZIMCommunityChannelMuteMode;
  expiredTime: number;
  roles: number[];
}

export interface ZIMCommunityFullInfo {
  baseInfo: ZIMCommunityInfo;
  communityNotice: string;
  communityAttributes: Record<string, string>;
  createTime: number;
  creatorUserID: string;
  currentMemberCount: number;
  notificationStatus: ZIMCommunityMessageNotificationStatus;
  /** Plaza's additions: join and invite modes, and the community mute (muteCommunity). */
  joinMode: ZIMCommunityJoinMode;
  inviteMode: ZIMCommunityInviteMode;
  muteInfo: ZIMCommunityMuteInfo;
  /**
   * Plaza's additions (SPEC §6a): the caller's followed-thread totals, as in
   * ZIMCommunity, from the instance's community list (the login's, kept
   * current by events); 0 for a community the instance does not list.
   */
  threadTotalUnreadMessageCount: number;
  threadTotalUnreadMentionCount: number;
}

export interface ZIMCommunityCreateConfig {
  communityNotice?: string;
  communityAttributes?: Record<string, string> | Map<string, string>;
}

export interface ZIMCommunityListQueryConfig {
  nextFlag: number;
}

export interface ZIMCommunityChangeInfo {
  action: ZIMCommunityListChangeAction;
  community: ZIMCommunity;
}

export interface ZIMCommunityMemberListQueryConfig {
  nextFlag: number;
  channelID?: string;
  isMutedMember?: boolean;
}

export interface ZIMCommunityFullInfoUpdateInfo {
  communityInfo: ZIMCommunityFullInfo;
}

export interface ZIMCommunityMemberEnterInfo {
  enterTime: number;
  enterType: ZIMCommunityMemberEnterType;
  operatedUserID: string;
}

export interface ZIMCommunityMemberMuteInfo {
  muteType: ZIMCommunityMemberMuteType;
  channelID: string;
  muteExpiredTime: number;
}

/** ZIMCommunityMemberInfo is a member, with the user's profile (the fields of ZIMUserInfo). */
export interface ZIMCommunityMemberInfo extends ZIMUserInfo {
  memberRole: number;
  enterInfo: ZIMCommunityMemberEnterInfo;
  muteInfo: ZIMCommunityMemberMuteInfo;
  /** Plaza's addition: every mute in force, community-wide first, then per channel. */
  muteInfoList: ZIMCommunityMemberMuteInfo[];
}

export interface ZIMCommunityMemberSimpleInfo extends ZIMUserInfo {
  memberRole: number;
}

export interface ZIMCommunityMemberStateChangeInfo {
  state: ZIMCommunityMemberChangeState;
  action: ZIMCommunityMemberChangeAction;
  memberInfo: ZIMCommunityMemberSimpleInfo;
}

export interface ZIMCommunityMemberInfoUpdateInfo {
  memberInfo: ZIMCommunityMemberInfo;
}

export interface ZIMCommunityChannelInfo {
  channelID: string;
  channelType: ZIMCommunityChannelType;
  channelName: string;
  channelAvatarUrl: string;
  communityID: string;
}

export interface ZIMCommunityChannelMuteInfo {
  mode: ZIMCommunityChannelMuteMode;
  expiredTime: number;
  roles: number[];
}

export interface ZIMCommunityChannel {
  baseInfo: ZIMCommunityChannelInfo;
  conversationID: string;
  channelAttributes: Record<string, string>;
  notificationStatus: ZIMConversationNotificationStatus;
  unreadMessageCount: number;
  lastMessage?: ZIMMessage;
  mentionedInfoList: ZIMMessageMentionedInfo[];
  selfMutedExpiredTime: number;
  draft: string;
  /** Plaza's additions: read position and pin, as in ZIMConversation. */
  readMessageSeq: number;
  isPinned: boolean;
  pinnedTime: number;
}

export interface ZIMCommunityChannelFullInfo {
  baseInfo: ZIMCommunityChannelInfo;
  createTime: number;
  creatorUserID: string;
  channelNotice: string;
  channelAttributes: Record<string, string>;
  currentMemberCount: number;
  muteInfo: ZIMCommunityChannelMuteInfo;
  /** Plaza's additions: the conversation ID, and the seq of the channel's newest message. */
  conversationID: string;
  lastMessageSeq: number;
}

export interface ZIMCommunityChannelCreateConfig {
  channelNotice?: string;
  channelAttributes?: Record<string, string> | Map<string, string>;
}

export interface ZIMCommunityChannelListQueryConfig {
  nextFlag: number;
}

export interface ZIMCommunityChannelChangeInfo {
  action: ZIMCommunityListChangeAction;
  channel: ZIMCommunityChannel;
}

export interface ZIMCommunityChannelFullInfoUpdateInfo {
  channelInfo: ZIMCommunityChannelFullInfo;
}

export interface ZIMCommunityChannelMuteConfig {
  mode: ZIMCommunityChannelMuteMode;
  roles?: number[];
  duration: number;
}

export interface ZIMCommunityMemberMuteConfig {
  duration: number;
  channelID?: string;
}

/** ZIMCommunityMuteConfig configures muteCommunity (Plaza: the reference lacks community-wide mute). */
export type ZIMCommunityMuteConfig = ZIMCommunityChannelMuteConfig;

export interface ZIMCommunityCreatedResult {
  communityInfo: ZIMCommunityFullInfo;
}
export interface ZIMCommunityDismissedResult {
  communityID: string;
}
export interface ZIMCommunityJoinedResult {
  communityInfo: ZIMCommunityFullInfo;
}
export interface ZIMCommunityLeftResult {
  communityID: string;
}
export interface ZIMCommunityListQueriedResult {
  communityList: ZIMCommunity[];
  nextFlag: number;
}
export interface ZIMCommunityNameUpdatedResult {
  communityID: string;
  communityName: string;
}
export interface ZIMCommunityAvatarUrlUpdatedResult {
  communityID: string;
  communityAvatarUrl: string;
}
export interface ZIMCommunityNoticeUpdatedResult {
  communityID: string;
  communityNotice: string;
}
export interface ZIMCommunityAttributesOperatedResult {
  communityID: string;
  errorKeys: string[];
}
export interface ZIMCommunityNotificationStatusSetResult {
  communityID: string;
}
export interface ZIMCommunityInfoQueriedResult {
  communityInfo: ZIMCommunityFullInfo;
}
export interface ZIMCommunityUsersInvitedResult {
  communityID: string;
  errorUserList: ZIMErrorUserInfo[];
}
export interface ZIMCommunityMembersKickedResult {
  communityID: string;
  errorUserList: ZIMErrorUserInfo[];
}
export interface ZIMCommunityMemberRoleUpdatedResult {
  communityID: string;
  forUserID: string;
  memberRole: number;
}
export interface ZIMCommunityOwnerTransferredResult {
  communityID: string;
  toUserID: string;
}
export interface ZIMCommunityMemberListQueriedResult {
  communityID: string;
  memberList: ZIMCommunityMemberInfo[];
  nextFlag: number;
}
export interface ZIMCommunityMembersQueriedResult {
  communityID: string;
  memberList: ZIMCommunityMemberInfo[];
  errorUserList: ZIMErrorUserInfo[];
}
export interface ZIMCommunityChannelCreatedResult {
  channelInfo: ZIMCommunityChannelFullInfo;
}
export interface ZIMCommunityChannelDismissedResult {
  communityID: string;
  channelID: string;
}
export interface ZIMCommunityChannelNameUpdatedResult {
  communityID: string;
  channelID: string;
  channelName: string;
}
export interface ZIMCommunityChannelAvatarUrlUpdatedResult {
  communityID: string;
  channelID: string;
  channelAvatarUrl: string;
}
export interface ZIMCommunityChannelNoticeUpdatedResult {
  communityID: string;
  channelID: string;
  channelNotice: string;
}
export interface ZIMCommunityChannelAttributesOperatedResult {
  communityID: string;
  channelID: string;
  errorKeys: string[];
}
export interface ZIMCommunityChannelsInfoQueriedResult {
  communityID: string;
  channelInfos: ZIMCommunityChannelFullInfo[];
  errorChannelIDs: string[];
}
export interface ZIMCommunityChannelListQueriedResult {
  communityID: string;
  channelList: ZIMCommunityChannel[];
  nextFlag: number;
}
export interface ZIMCommunityMembersMutedResult {
  communityID: string;
  channelID: string;
  isMute: boolean;
  errorUserList: ZIMErrorUserInfo[];
}
export interface ZIMCommunityChannelsMutedResult {
  communityID: string;
  isMute: boolean;
  errorChannelIDs: string[];
}
/** The result of muteCommunity (Plaza). */
export interface ZIMCommunityMutedResult {
  communityID: string;
  isMute: boolean;
  mutedInfo: ZIMCommunityMuteInfo;
}
/** The result of add/removeCommunityChannelMembers (Plaza: private channels). */
export interface ZIMCommunityChannelMembersOperatedResult {
  communityID: string;
  channelID: string;
  errorUserList: ZIMErrorUserInfo[];
}
export interface ZIMCommunityJoinModeUpdatedResult {
  communityID: string;
  mode: ZIMCommunityJoinMode;
}
export interface ZIMCommunityInviteModeUpdatedResult {
  communityID: string;
  mode: ZIMCommunityInviteMode;
}

/** ZIMCommunityApplication is a join application (Plaza; field names as the reference's group applications). */
export interface ZIMCommunityApplication {
  communityInfo: ZIMCommunityInfo;
  applyUser: ZIMUserInfo;
  wording: string;
  state: ZIMCommunityApplicationState;
  createTime: number;
  updateTime: number;
  operatedUser?: ZIMUserInfo;
}
export interface ZIMCommunityJoinApplicationSendConfig {
  wording?: string;
}
export interface ZIMCommunityJoinApplicationSentResult {
  communityID: string;
  /** True when the community let the caller in at once (join mode any). */
  joined: boolean;
  communityInfo?: ZIMCommunityFullInfo;
  application?: ZIMCommunityApplication;
}
export interface ZIMCommunityJoinApplicationOperatedResult {
  communityID: string;
  userID: string;
  application?: ZIMCommunityApplication;
}
export interface ZIMCommunityApplicationListQueryConfig {
  nextFlag: number;
}
export interface ZIMCommunityApplicationListQueriedResult {
  applicationList: ZIMCommunityApplication[];
  nextFlag: number;
}

// ---- Threads (Plaza, SPEC §6a: the reference has none yet) ----
// Shapes with the server's field names; a thread's conversationID is
// `communityID/threadID`, its conversationType 4 (CommunityThread).

/** ZIMCommunityThreadInfo is a thread: a channel of type 3 whose parent is a channel. */
export interface ZIMCommunityThreadInfo {
  communityID: string;
  /** The thread's ID in the community's channel namespace (the same as threadID). */
  channelID: string;
  threadID: string;
  /** Always 3 (ZIMCommunityChannelType.Thread). */
  channelType: ZIMCommunityChannelType;
  /** The channel the thread was opened in. */
  parentChannelID: string;
  threadName: string;
  /** The seq, in the parent channel, of the message the thread was opened from; 0 for a standalone thread. */
  rootMessageSeq: number;
  creatorUserID: string;
  createTime: number;
  isPrivate: boolean;
  /** Whether the thread is archived now (by hand, or after autoArchiveDuration minutes without a message). */
  isArchived: boolean;
  /** Whether only the owner and admins may send in, rename or unarchive the thread. */
  isLocked: boolean;
  /** For a private thread: whether its members may invite others. */
  invitable: boolean;
  /** Minutes: 60, 1440, 4320 or 10080. */
  autoArchiveDuration: ZIMCommunityThreadAutoArchiveDuration;
  /** When the thread was archived, or, while active, when it will archive if no message comes (Unix ms). */
  archiveTime: number;
  messageCount: number;
  memberCount: number;
  lastMessageSeq: number;
  /** The thread's newest message, where the server reads it (queryCommunityThreadsInfo, the joined list). */
  lastMessage?: ZIMMessage;
  /** The facade's conversation ID of the thread (`communityID/threadID`), for the message and conversation methods with conversationType 4. */
  conversationID: string;
}

/** ZIMCommunityJoinedThreadInfo is a thread the caller follows, with its unread state there. */
export interface ZIMCommunityJoinedThreadInfo extends ZIMCommunityThreadInfo {
  unreadMessageCount: number;
  readMessageSeq: number;
  /** A followed thread starts in notify (1). */
  notificationStatus: ZIMConversationNotificationStatus;
  mentionedInfoList: ZIMMessageMentionedInfo[];
}

/** ZIMCommunityThreadMemberInfo is a member (follower) of a thread, with the user's profile. */
export interface ZIMCommunityThreadMemberInfo extends ZIMUserInfo {
  /** The user's role in the community. */
  memberRole: number;
  /** When the user last started following the thread (Unix ms). */
  joinTime: number;
}

/** What createCommunityThread opens: a thread of channelID, from the message rootMessageSeq of it, or standalone. */
export interface ZIMCommunityThreadCreateInfo {
  communityID: string;
  /** The parent channel (a channel, not a thread). */
  channelID: string;
  /** Empty or absent: the server generates one (`#T…`). */
  threadID?: string;
  /** Empty or absent: the root message's text, cut to 100 characters; required for a standalone thread. */
  threadName?: string;
  /** The seq of the parent channel's message the thread opens from (a message's messageSeq); absent or 0: standalone. */
  rootMessageSeq?: number | undefined;
}

export interface ZIMCommunityThreadCreateConfig {
  /** Only the thread's members, the owner and admins see a private thread. Default false. */
  isPrivate?: boolean;
  /** Minutes; absent or 0: 1440 (a day). */
  autoArchiveDuration?: ZIMCommunityThreadAutoArchiveDuration;
  /** For a private thread: whether its members may invite others (default true). */
  invitable?: boolean;
}

export interface ZIMCommunityThreadListQueryConfig {
  nextFlag: number;
  /** Active (default) or Archived; the server's strings "active" and "archived" are taken too. */
  filter?: ZIMCommunityThreadListFilter | "active" | "archived";
}

export interface ZIMCommunityJoinedThreadListQueryConfig {
  nextFlag: number;
}

export interface ZIMCommunityThreadMemberListQueryConfig {
  nextFlag: number;
}

export interface ZIMCommunityThreadCreatedResult {
  threadInfo: ZIMCommunityThreadInfo;
}
/** The result of dismiss, join and leave: the thread acted on. */
export interface ZIMCommunityThreadOperatedResult {
  communityID: string;
  threadID: string;
}
export type ZIMCommunityThreadDismissedResult = ZIMCommunityThreadOperatedResult;
export type ZIMCommunityThreadJoinedResult = ZIMCommunityThreadOperatedResult;
export type ZIMCommunityThreadLeftResult = ZIMCommunityThreadOperatedResult;
/** The result of invite and kick: the users who could not be invited or removed. */
export interface ZIMCommunityThreadMembersOperatedResult {
  communityID: string;
  threadID: string;
  errorUserList: ZIMErrorUserInfo[];
}
export type ZIMCommunityThreadUsersInvitedResult = ZIMCommunityThreadMembersOperatedResult;
export type ZIMCommunityThreadMembersKickedResult = ZIMCommunityThreadMembersOperatedResult;
export interface ZIMCommunityThreadMemberListQueriedResult {
  communityID: string;
  threadID: string;
  memberList: ZIMCommunityThreadMemberInfo[];
  nextFlag: number;
}
export interface ZIMCommunityThreadListQueriedResult {
  communityID: string;
  /** The parent channel. */
  channelID: string;
  /** Without lastMessage (the server reads it in queryCommunityThreadsInfo). */
  threadList: ZIMCommunityThreadInfo[];
  nextFlag: number;
}
export interface ZIMCommunityJoinedThreadListQueriedResult {
  threadList: ZIMCommunityJoinedThreadInfo[];
  nextFlag: number;
}
export interface ZIMCommunityThreadsInfoQueriedResult {
  communityID: string;
  threadInfos: ZIMCommunityThreadInfo[];
  /** Threads that do not exist or that the caller does not see. */
  errorThreadIDs: string[];
}
export interface ZIMCommunityThreadNameUpdatedResult {
  communityID: string;
  threadID: string;
  threadName: string;
  threadInfo: ZIMCommunityThreadInfo;
}
export interface ZIMCommunityThreadArchivedStateUpdatedResult {
  communityID: string;
  threadID: string;
  isArchived: boolean;
  threadInfo: ZIMCommunityThreadInfo;
}
export interface ZIMCommunityThreadLockedStateUpdatedResult {
  communityID: string;
  threadID: string;
  isLocked: boolean;
  threadInfo: ZIMCommunityThreadInfo;
}
export interface ZIMCommunityThreadAutoArchiveDurationUpdatedResult {
  communityID: string;
  threadID: string;
  autoArchiveDuration: ZIMCommunityThreadAutoArchiveDuration;
  threadInfo: ZIMCommunityThreadInfo;
}

export interface ZIMCommunityThreadChangeInfo {
  /** 0 added (opened), 1 deleted (dismissed), 2 updated (renamed, archived or unarchived, locked or unlocked, a new auto-archive duration). */
  action: ZIMCommunityListChangeAction;
  thread: ZIMCommunityThreadInfo;
}

export interface ZIMCommunityThreadMemberStateChangeInfo {
  /** 1 entered (follows the thread now), 0 exited. */
  state: ZIMCommunityMemberChangeState;
  /** 1 joined (by hand, by sending, by being mentioned, as creator), 2 invited, 3 left, 4 kicked. */
  action: ZIMCommunityMemberChangeAction;
  memberInfo: ZIMCommunityThreadMemberInfo;
}

// ---- Events ----

export interface ZIMEventOfConnectionStateChangedResult {
  state: ZIMConnectionState;
  event: ZIMConnectionEvent;
  extendedData: string;
}
export interface ZIMEventOfTokenWillExpireResult {
  second: number;
}
export interface ZIMEventOfConversationChangedResult {
  infoList: ZIMConversationChangeInfo[];
}
export interface ZIMEventOfConversationTotalUnreadMessageCountUpdatedResult {
  totalUnreadMessageCount: number;
}
/**
 * The payload of messageReceived: the API reference's `{messageList,
 * receivedInfo}`, with the upgrade guide's `info`, `conversationID` and
 * `conversationType` set on the same object (see the README).
 */
export interface ZIMMessageReceivedEventResult {
  messageList: ZIMMessage[];
  receivedInfo: ZIMMessageReceivedInfo;
  info: ZIMMessageReceivedInfo;
  conversationID: string;
  conversationType: ZIMConversationType;
  fromConversationID: string;
}
export interface ZIMEventOfMessageRevokeReceivedResult {
  messageList: ZIMRevokeMessage[];
}
export interface ZIMEventOfMessageEditedResult {
  messageList: ZIMMessage[];
}
export interface ZIMEventOfMessageReactionsChangedResult {
  reactions: ZIMMessageReaction[];
  changeInfoList: ZIMMessageReactionChangeInfo[];
  /** Plaza's addition: who added or withdrew a reaction. */
  operatedUserID: string;
}
export interface ZIMCommunityListChangedEventResult {
  changeInfoList: ZIMCommunityChangeInfo[];
}
export interface ZIMCommunityInfoUpdatedEventResult {
  updateInfoList: ZIMCommunityFullInfoUpdateInfo[];
}
/** The payload of communityMemberStateChanged: `changeInfoList` (the API reference), with the guide's `updateInfoList` as the same list. */
export interface ZIMCommunityMemberStateChangedEventResult {
  communityID: string;
  changeInfoList: ZIMCommunityMemberStateChangeInfo[];
  updateInfoList: ZIMCommunityMemberStateChangeInfo[];
  /** Plaza's addition: who made the change. */
  operatedUserID: string;
}
export interface ZIMCommunityMemberInfoUpdatedEventResult {
  communityID: string;
  updateInfoList: ZIMCommunityMemberInfoUpdateInfo[];
}
export interface ZIMCommunityChannelListChangedEventResult {
  communityID: string;
  changeInfoList: ZIMCommunityChannelChangeInfo[];
}
export interface ZIMCommunityChannelInfoUpdatedEventResult {
  communityID: string;
  updateInfoList: ZIMCommunityChannelFullInfoUpdateInfo[];
}
export interface ZIMCommunityApplicationListChangedEventResult {
  changeInfoList: { action: ZIMCommunityListChangeAction; application: ZIMCommunityApplication }[];
}
/** communityThreadListChanged (Plaza, SPEC §6a): threads of a channel were opened, changed or dismissed. */
export interface ZIMCommunityThreadListChangedEventResult {
  communityID: string;
  /** The parent channel. */
  channelID: string;
  changeInfoList: ZIMCommunityThreadChangeInfo[];
}
/** communityThreadMemberStateChanged (Plaza, SPEC §6a): users started or stopped following a thread. */
export interface ZIMCommunityThreadMemberStateChangedEventResult {
  communityID: string;
  /** The thread's parent channel. */
  channelID: string;
  threadID: string;
  /** Who made the change (the joiner, inviter, sender, leaver or kicker). */
  operatedUserID: string;
  changeInfoList: ZIMCommunityThreadMemberStateChangeInfo[];
}
/** Plaza's addition: the session came back after a resync; the app should re-read what it shows. */
export interface ZIMConnectionResyncedEventResult {
  communityList: ZIMCommunity[];
}

/** ZIMEventHandler maps each event name to its listener, `(zim, result) => void`. */
export interface ZIMEventHandler<Z> {
  error: (zim: Z, errorInfo: ZIMError) => void;
  connectionStateChanged: (zim: Z, data: ZIMEventOfConnectionStateChangedResult) => void;
  tokenWillExpire: (zim: Z, data: ZIMEventOfTokenWillExpireResult) => void;
  conversationChanged: (zim: Z, data: ZIMEventOfConversationChangedResult) => void;
  conversationTotalUnreadMessageCountUpdated: (zim: Z, data: ZIMEventOfConversationTotalUnreadMessageCountUpdatedResult) => void;
  messageReceived: (zim: Z, data: ZIMMessageReceivedEventResult) => void;
  messageRevokeReceived: (zim: Z, data: ZIMEventOfMessageRevokeReceivedResult) => void;
  messageEdited: (zim: Z, data: ZIMEventOfMessageEditedResult) => void;
  messageReactionsChanged: (zim: Z, data: ZIMEventOfMessageReactionsChangedResult) => void;
  communityListChanged: (zim: Z, data: ZIMCommunityListChangedEventResult) => void;
  communityInfoUpdated: (zim: Z, data: ZIMCommunityInfoUpdatedEventResult) => void;
  communityMemberStateChanged: (zim: Z, data: ZIMCommunityMemberStateChangedEventResult) => void;
  communityMemberInfoUpdated: (zim: Z, data: ZIMCommunityMemberInfoUpdatedEventResult) => void;
  communityChannelListChanged: (zim: Z, data: ZIMCommunityChannelListChangedEventResult) => void;
  communityChannelInfoUpdated: (zim: Z, data: ZIMCommunityChannelInfoUpdatedEventResult) => void;
  communityApplicationListChanged: (zim: Z, data: ZIMCommunityApplicationListChangedEventResult) => void;
  /** Plaza's addition (SPEC §6a). */
  communityThreadListChanged: (zim: Z, data: ZIMCommunityThreadListChangedEventResult) => void;
  /** Plaza's addition (SPEC §6a). */
  communityThreadMemberStateChanged: (zim: Z, data: ZIMCommunityThreadMemberStateChangedEventResult) => void;
  /** Plaza's addition: after a resync (see ZIMConnectionResyncedEventResult). */
  connectionResynced: (zim: Z, data: ZIMConnectionResyncedEventResult) => void;
}
