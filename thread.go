package plaza

// Threads (SPEC §6a): a thread is a channel of type ChannelThread whose
// parent is a channel. It lives in the community's channel namespace and
// takes every message and conversation operation as a channel does; the
// operations here manage its life, its members and its lists.

// Auto-archive durations of a thread, in minutes.
var threadAutoArchiveDurations = []int{60, 1440, 4320, 10080}

// DefaultAutoArchiveDuration is a new thread's auto-archive duration, in
// minutes.
const DefaultAutoArchiveDuration = 1440

// Thread is a thread as its info, lists and events show it.
type Thread struct {
	CommunityID string `json:"communityID"`
	// ChannelID is the thread's ID in the community's channel namespace;
	// ThreadID repeats it.
	ChannelID       string      `json:"channelID"`
	ThreadID        string      `json:"threadID"`
	ChannelType     ChannelType `json:"channelType"` // always 3
	ParentChannelID string      `json:"parentChannelID"`
	ThreadName      string      `json:"threadName"`
	// RootMessageSeq is the seq, in the parent channel, of the message the
	// thread was opened from; 0 for a standalone thread.
	RootMessageSeq      int64  `json:"rootMessageSeq"`
	CreatorUserID       string `json:"creatorUserID"`
	CreateTime          int64  `json:"createTime"`
	IsPrivate           bool   `json:"isPrivate"`
	IsArchived          bool   `json:"isArchived"`
	IsLocked            bool   `json:"isLocked"`
	Invitable           bool   `json:"invitable"`
	AutoArchiveDuration int    `json:"autoArchiveDuration"`
	// ArchiveTime is when the thread was archived, or when it will be
	// archived if nothing happens in it (Unix ms).
	ArchiveTime    int64    `json:"archiveTime"`
	MessageCount   int64    `json:"messageCount"`
	MemberCount    int64    `json:"memberCount"`
	LastMessageSeq int64    `json:"lastMessageSeq"`
	LastMessage    *Message `json:"lastMessage"`
}

// ThreadInfo summarises, on the message that opened it, a thread as it is
// when the message is read.
type ThreadInfo struct {
	ThreadID        string `json:"threadID"`
	ThreadName      string `json:"threadName"`
	MessageCount    int64  `json:"messageCount"`
	LastMessageTime int64  `json:"lastMessageTime"`
	IsArchived      bool   `json:"isArchived"`

	ArchiveAt int64 `json:"-"` // from the store; IsArchived is computed from it
}

// ThreadMember is a member (follower) of a thread.
type ThreadMember struct {
	UserInfo
	// MemberRole is the user's role in the community.
	MemberRole Role  `json:"memberRole"`
	JoinTime   int64 `json:"joinTime"`

	JoinKey int64 `json:"-"` // the user's store key: with JoinTime, the list's order
}

// FollowedThread is a thread a user follows, with the user's state in it, as
// the store reads it.
type FollowedThread struct {
	Thread             Channel
	ReadSeq            int64
	NotificationStatus NotificationStatus
}

// JoinedThread is an entry of queryJoinedCommunityThreadList: a followed
// thread with the caller's unread state in it.
type JoinedThread struct {
	Thread
	UnreadMessageCount int64              `json:"unreadMessageCount"`
	ReadMessageSeq     int64              `json:"readMessageSeq"`
	NotificationStatus NotificationStatus `json:"notificationStatus"`
	// MentionedInfoList lists the unread messages that mention the caller.
	MentionedInfoList []MentionedInfo `json:"mentionedInfoList"`
}

// ThreadListFilter picks the threads of queryCommunityThreadList.
type ThreadListFilter string

// Thread list filters.
const (
	ThreadsActive   ThreadListFilter = "active"   // newest activity first
	ThreadsArchived ThreadListFilter = "archived" // newest archive first
)

// CreateCommunityThreadRequest is the body of createCommunityThread. ChannelID
// is the parent channel; RootMessageSeq, when given, the message of it the
// thread is opened from. An empty ThreadID asks for a generated one; an
// empty ThreadName takes the root message's text, cut to the limit.
type CreateCommunityThreadRequest struct {
	CommunityID         string `json:"communityID"`
	ChannelID           string `json:"channelID"`
	RootMessageSeq      int64  `json:"rootMessageSeq,omitempty"`
	ThreadID            string `json:"threadID,omitempty"`
	ThreadName          string `json:"threadName,omitempty"`
	IsPrivate           bool   `json:"isPrivate,omitempty"`
	AutoArchiveDuration int    `json:"autoArchiveDuration,omitempty"`
	Invitable           *bool  `json:"invitable,omitempty"`
}

// ThreadInfoResult carries one thread.
type ThreadInfoResult struct {
	ThreadInfo Thread `json:"threadInfo"`
}

// ThreadRequest names one thread of one community.
type ThreadRequest struct {
	CommunityID string `json:"communityID"`
	ThreadID    string `json:"threadID"`
}

// ThreadIDResult reports the thread an operation acted on.
type ThreadIDResult struct {
	CommunityID string `json:"communityID"`
	ThreadID    string `json:"threadID"`
}

// QueryCommunityThreadListRequest is the body of queryCommunityThreadList:
// one channel's threads.
type QueryCommunityThreadListRequest struct {
	CommunityID string           `json:"communityID"`
	ChannelID   string           `json:"channelID"`
	Filter      ThreadListFilter `json:"filter,omitempty"`
	PageRequest
}

// QueryCommunityThreadListResult is one page of a channel's threads.
type QueryCommunityThreadListResult struct {
	CommunityID string   `json:"communityID"`
	ChannelID   string   `json:"channelID"`
	ThreadList  []Thread `json:"threadList"`
	NextFlag    string   `json:"nextFlag"`
}

// QueryJoinedCommunityThreadListRequest is the body of
// queryJoinedCommunityThreadList: the caller's followed threads in one
// community, or in all when CommunityID is empty.
type QueryJoinedCommunityThreadListRequest struct {
	CommunityID string `json:"communityID,omitempty"`
	PageRequest
}

// QueryJoinedCommunityThreadListResult is one page of followed threads,
// newest activity first.
type QueryJoinedCommunityThreadListResult struct {
	ThreadList []JoinedThread `json:"threadList"`
	NextFlag   string         `json:"nextFlag"`
}

// QueryCommunityThreadsInfoRequest is the body of queryCommunityThreadsInfo.
type QueryCommunityThreadsInfoRequest struct {
	CommunityID string   `json:"communityID"`
	ThreadIDs   []string `json:"threadIDs"`
}

// QueryCommunityThreadsInfoResult is the result of queryCommunityThreadsInfo.
// Threads that do not exist, or that the caller may not see, are in
// ErrorThreadIDs.
type QueryCommunityThreadsInfoResult struct {
	CommunityID    string   `json:"communityID"`
	ThreadInfos    []Thread `json:"threadInfos"`
	ErrorThreadIDs []string `json:"errorThreadIDs"`
}

// ThreadUsersRequest is the body of inviteUsersIntoCommunityThread and
// kickCommunityThreadMembers.
type ThreadUsersRequest struct {
	CommunityID string   `json:"communityID"`
	ThreadID    string   `json:"threadID"`
	UserIDs     []string `json:"userIDs"`
}

// ThreadUsersResult reports the users of a thread member change that
// failed.
type ThreadUsersResult struct {
	CommunityID   string      `json:"communityID"`
	ThreadID      string      `json:"threadID"`
	ErrorUserList []ErrorUser `json:"errorUserList"`
}

// QueryCommunityThreadMemberListRequest is the body of
// queryCommunityThreadMemberList.
type QueryCommunityThreadMemberListRequest struct {
	CommunityID string `json:"communityID"`
	ThreadID    string `json:"threadID"`
	PageRequest
}

// QueryCommunityThreadMemberListResult is one page of a thread's members, in
// the order they joined.
type QueryCommunityThreadMemberListResult struct {
	CommunityID string         `json:"communityID"`
	ThreadID    string         `json:"threadID"`
	MemberList  []ThreadMember `json:"memberList"`
	NextFlag    string         `json:"nextFlag"`
}

// UpdateCommunityThreadNameRequest is the body of updateCommunityThreadName.
type UpdateCommunityThreadNameRequest struct {
	CommunityID string `json:"communityID"`
	ThreadID    string `json:"threadID"`
	ThreadName  string `json:"threadName"`
}

// UpdateCommunityThreadArchivedStateRequest is the body of
// updateCommunityThreadArchivedState.
type UpdateCommunityThreadArchivedStateRequest struct {
	CommunityID string `json:"communityID"`
	ThreadID    string `json:"threadID"`
	IsArchived  *bool  `json:"isArchived"`
}

// UpdateCommunityThreadLockedStateRequest is the body of
// updateCommunityThreadLockedState.
type UpdateCommunityThreadLockedStateRequest struct {
	CommunityID string `json:"communityID"`
	ThreadID    string `json:"threadID"`
	IsLocked    *bool  `json:"isLocked"`
}

// UpdateCommunityThreadAutoArchiveDurationRequest is the body of
// updateCommunityThreadAutoArchiveDuration (minutes: 60, 1440, 4320 or
// 10080).
type UpdateCommunityThreadAutoArchiveDurationRequest struct {
	CommunityID         string `json:"communityID"`
	ThreadID            string `json:"threadID"`
	AutoArchiveDuration int    `json:"autoArchiveDuration"`
}

// Thread events (SPEC §6a).
const (
	EventCommunityThreadListChanged        = "communityThreadListChanged"
	EventCommunityThreadMemberStateChanged = "communityThreadMemberStateChanged"
)

// CommunityThreadListChangedEvent tells those who see a channel that threads
// of it appeared, changed or went away.
type CommunityThreadListChangedEvent struct {
	CommunityID    string         `json:"communityID"`
	ChannelID      string         `json:"channelID"`
	ChangeInfoList []ThreadChange `json:"changeInfoList"`
}

// ThreadChange is one change of a channel's thread list.
type ThreadChange struct {
	Action ListAction `json:"action"`
	Thread Thread     `json:"thread"`
}

// CommunityThreadMemberStateChangedEvent tells a thread's members, and the
// users concerned, that users joined or left it.
type CommunityThreadMemberStateChangedEvent struct {
	CommunityID    string                    `json:"communityID"`
	ChannelID      string                    `json:"channelID"` // the parent
	ThreadID       string                    `json:"threadID"`
	OperatedUserID string                    `json:"operatedUserID"`
	ChangeInfoList []ThreadMemberStateChange `json:"changeInfoList"`
}

// ThreadMemberStateChange is one user joining or leaving a thread. Action is
// 1 joined, 2 invited, 3 left, 4 kicked, as for community members.
type ThreadMemberStateChange struct {
	State      MemberState  `json:"state"`
	Action     MemberAction `json:"action"`
	MemberInfo ThreadMember `json:"memberInfo"`
}
