// The reference SDK's enumerations, by name and value: those of
// zego-zim-web 2.29.0 that concern connections, messages and conversations,
// and ZIM 3.x's community enumerations. Plaza's one extension is marked.

export enum ZIMConnectionState {
  Disconnected = 0,
  Connecting = 1,
  Connected = 2,
  Reconnecting = 3,
}

export enum ZIMConnectionEvent {
  Success = 0,
  ActiveLogin = 1,
  LoginTimeout = 2,
  LoginInterrupted = 3,
  KickedOut = 4,
  TokenExpired = 5,
  Unregistered = 6,
}

export enum ZIMConversationEvent {
  Added = 0,
  Updated = 1,
  Disabled = 2,
  Deleted = 3,
}

export enum ZIMConversationNotificationStatus {
  Notify = 1,
  DoNotDisturb = 2,
}

export enum ZIMConversationType {
  Unknown = -1,
  Peer = 0,
  Room = 1,
  Group = 2,
  CommunityChannel = 3,
  /** Plaza's extension: a thread of a community channel (SPEC §6a). */
  CommunityThread = 4,
}

export enum ZIMConversationSyncState {
  Started = 0,
  Finished = 1,
  Failed = 2,
}

export enum ZIMConversationPinnedFilter {
  All = 0,
  OnlyPinned = 1,
  OnlyUnpinned = 2,
}

export enum ZIMConversationListChangeAction {
  Added = 0,
  Deleted = 1,
  Updated = 2,
}

export enum ZIMListChangeAction {
  Added = 0,
  Deleted = 1,
}

export enum ZIMMessageDirection {
  Send = 0,
  Receive = 1,
}

export enum ZIMMessageOrder {
  Descending = 0,
  Ascending = 1,
}

export enum ZIMMessagePriority {
  Low = 1,
  Medium = 2,
  High = 3,
}

export enum ZIMMessageQueryMode {
  General = 0,
  PreferServer = 1,
  OnlyLocal = 2,
}

export enum ZIMMessageReceiptStatus {
  Unknown = -1,
  None = 0,
  Processing = 1,
  Done = 2,
  Expired = 3,
  Failed = 4,
}

export enum ZIMMessageRevokeStatus {
  Unknown = -1,
  SelfRevoke = 0,
  SystemRevoke = 1,
  ServerAPIRevoke = 2,
  GroupAdminRevoke = 3,
  GroupOwnerRevoke = 4,
  AuditRejectRevoke = 5,
}

export enum ZIMMessageSentStatus {
  Sending = 0,
  Success = 1,
  Failed = 2,
}

export enum ZIMMessageType {
  Unknown = 0,
  Text = 1,
  Command = 2,
  Multiple = 10,
  Image = 11,
  File = 12,
  Audio = 13,
  Video = 14,
  Barrage = 20,
  System = 30,
  Revoke = 31,
  Tips = 32,
  Combine = 100,
  Custom = 200,
}

export enum ZIMRevokeType {
  Unknown = -1,
  TwoWay = 0,
  OneWay = 1,
}

export enum ZIMTipsMessageEvent {
  Unknown = 0,
  GroupCreated = 1,
  GroupDismissed = 2,
  GroupJoined = 3,
  GroupInvited = 4,
  GroupLeft = 5,
  GroupKickedOut = 6,
  GroupInfoChanged = 7,
  GroupMemberInfoChanged = 8,
  GroupMessagePinned = 9,
  CommunityCreated = 101,
  CommunityJoined = 103,
  CommunityInvited = 104,
  CommunityChannelCreated = 151,
}

export enum ZIMTipsMessageChangeInfoType {
  Unknown = 0,
  GroupDataChanged = 1,
  GroupNoticeChanged = 2,
  GroupNameChanged = 3,
  GroupAvatarUrlChanged = 4,
  GroupMuteChanged = 5,
  GroupOwnerTransferred = 10,
  GroupMemberRoleChanged = 11,
  GroupMemberMuteChanged = 12,
  GroupMessagePinInfoChanged = 21,
}

export enum ZIMMessageMentionedType {
  Unknown = 0,
  MentionMe = 1,
  MentionAll = 2,
  MentionAllAndMe = 3,
}

export enum ZIMMessageDeleteType {
  MessageListDeleted = 0,
  ConversationAllMessagesDeleted = 1,
  AllConversationMessagesDeleted = 2,
}

export enum ZIMMessageRepliedInfoState {
  Normal = 0,
  Deleted = 1,
  NotFound = 2,
}

export enum ZIMMessagePinStatus {
  NotPinned = 0,
  Pinned = 1,
  Updated = 2,
}

export enum ZIMMessageReactionUserChangeAction {
  Added = 0,
  Deleted = 1,
}

// ---- Community (ZIM 3.x) ----

export enum ZIMCommunityListChangeAction {
  Added = 0,
  Deleted = 1,
  Updated = 2,
}

export enum ZIMCommunityMemberEnterType {
  Unknown = 0,
  CommunityCreated = 1,
  CommunityJoined = 2,
  CommunityInvited = 3,
}

export enum ZIMCommunityMemberChangeState {
  Exited = 0,
  Entered = 1,
}

export enum ZIMCommunityMemberChangeAction {
  Unknown = 0,
  Joined = 1,
  Invited = 2,
  Left = 3,
  KickedOut = 4,
}

export enum ZIMCommunityChannelType {
  Unknown = -1,
  General = 0,
  Public = 1,
  Private = 2,
  /** Plaza's extension: a thread, as queryCommunityChannelsInfo answers a thread's ID (SPEC §6a). */
  Thread = 3,
}

export enum ZIMCommunityChannelListChangeAction {
  Added = 0,
  Deleted = 1,
  Updated = 2,
}

export enum ZIMCommunityChannelMuteMode {
  None = 0,
  Normal = 1,
  All = 2,
  Custom = 3,
}

export enum ZIMCommunityMemberMuteType {
  None = 0,
  Community = 1,
  Channel = 2,
}

export enum ZIMCommunityMessageNotificationStatus {
  Notify = 1,
  DoNotDisturb = 2,
}

export enum ZIMCommunityMemberRole {
  Owner = 1,
  Admin = 2,
  Member = 3,
}

// ---- Plaza's additions in the reference's style ----

/** ZIMCommunityJoinMode is how users enter a community (Plaza; values as the reference's ZIMGroupJoinMode). */
export enum ZIMCommunityJoinMode {
  Any = 0,
  Auth = 1,
  Forbid = 2,
}

/** ZIMCommunityInviteMode is who may invite (Plaza; values as the reference's ZIMGroupInviteMode). */
export enum ZIMCommunityInviteMode {
  Any = 0,
  Admin = 1,
}

/** ZIMCommunityApplicationState is a join application's state (Plaza; values as the reference's ZIMGroupApplicationState). */
export enum ZIMCommunityApplicationState {
  Waiting = 1,
  Accepted = 2,
  Rejected = 3,
  Expired = 4,
}

/** ZIMCommunityThreadListFilter picks the threads of queryCommunityThreadList (Plaza, SPEC §6a). */
export enum ZIMCommunityThreadListFilter {
  /** Active threads, newest activity first (the default). */
  Active = 0,
  /** Archived threads, newest archive first. */
  Archived = 1,
}

/** ZIMCommunityThreadAutoArchiveDuration is how many minutes without a message archive a thread (Plaza, SPEC §6a). */
export enum ZIMCommunityThreadAutoArchiveDuration {
  OneHour = 60,
  OneDay = 1440,
  ThreeDays = 4320,
  OneWeek = 10080,
}
