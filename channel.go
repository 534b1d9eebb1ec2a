package plaza

// ChannelType is the kind of a channel.
type ChannelType int

// Channel types, with the reference's numbers.
const (
	ChannelGeneral ChannelType = 0 // made with the community; cannot be dismissed
	ChannelPublic  ChannelType = 1 // every member is in it
	ChannelPrivate ChannelType = 2 // listed members, the owner and admins
	ChannelThread  ChannelType = 3 // a thread: a channel whose parent is a channel (SPEC §6a)
)

// Channel is a channel's full information.
type Channel struct {
	CommunityID        string            `json:"communityID"`
	ChannelID          string            `json:"channelID"`
	ChannelType        ChannelType       `json:"channelType"`
	ChannelName        string            `json:"channelName"`
	ChannelAvatarURL   string            `json:"channelAvatarUrl"`
	ChannelNotice      string            `json:"channelNotice"`
	ChannelAttributes  map[string]string `json:"channelAttributes"`
	CreatorUserID      string            `json:"creatorUserID"`
	CreateTime         int64             `json:"createTime"`
	CurrentMemberCount int64             `json:"currentMemberCount"`
	// LastMessageSeq is the seq of the channel's newest message; 0 when it
	// has none.
	LastMessageSeq int64    `json:"lastMessageSeq"`
	MuteInfo       MuteInfo `json:"muteInfo"`

	PK          int64 `json:"-"` // store key
	CommunityPK int64 `json:"-"`
	MemberCount int64 `json:"-"` // listed members of a private channel; members of a thread
	LastTime    int64 `json:"-"` // time of the newest message, or of creation (or of unarchiving, for a thread)

	// A thread's own fields (ChannelType 3); zero for a channel.
	ThreadFields `json:"-"`
}

// ThreadFields are what a thread holds beside a channel's fields. The store
// keeps them on the thread's channel row.
type ThreadFields struct {
	ParentPK        int64
	ParentChannelID string // read with the thread
	// ParentPrivate says the parent is a private channel; fixed for the
	// thread's life.
	ParentPrivate bool
	// ParentMute and ParentMemberCount are the parent's mute and listed
	// members, read with the thread, so that a send into a thread reads no
	// second channel.
	ParentMute        MuteInfo
	ParentMemberCount int64

	RootMessageSeq int64 // 0: standalone
	IsPrivate      bool
	IsLocked       bool
	Invitable      bool
	// AutoArchiveDuration is in minutes: 60, 1440, 4320 or 10080.
	AutoArchiveDuration int
	// ArchiveAt is when the thread archives (Unix ms): its last activity
	// plus AutoArchiveDuration, or the time it was archived by hand. The
	// thread is archived once ArchiveAt is not after now. The store moves
	// it with each message (NextSeq).
	ArchiveAt int64
	// LastMessage is the thread's newest message, read by the lists that
	// show it.
	LastMessage *Message
	// Parent is the thread's parent channel, read by the service along
	// with the thread.
	Parent *Channel
}

// ChannelBrief is a channel as lists and list events show it. A thread (in
// the conversation list) shows its name as ChannelName and its parent.
type ChannelBrief struct {
	CommunityID      string      `json:"communityID"`
	ChannelID        string      `json:"channelID"`
	ChannelType      ChannelType `json:"channelType"`
	ChannelName      string      `json:"channelName"`
	ChannelAvatarURL string      `json:"channelAvatarUrl"`
	ParentChannelID  string      `json:"parentChannelID,omitempty"`
}

func (ch Channel) brief() ChannelBrief {
	return ChannelBrief{
		CommunityID:      ch.CommunityID,
		ChannelID:        ch.ChannelID,
		ChannelType:      ch.ChannelType,
		ChannelName:      ch.ChannelName,
		ChannelAvatarURL: ch.ChannelAvatarURL,
		ParentChannelID:  ch.ParentChannelID,
	}
}

// ChannelConversation is one of the caller's channels with its conversation
// state: the entry of queryCommunityChannelList and queryConversationList.
type ChannelConversation struct {
	ChannelBrief
	ChannelAttributes  map[string]string  `json:"channelAttributes"`
	NotificationStatus NotificationStatus `json:"notificationStatus"`
	UnreadMessageCount int64              `json:"unreadMessageCount"`
	LastMessage        *Message           `json:"lastMessage"`
	LastMessageSeq     int64              `json:"lastMessageSeq"`
	ReadMessageSeq     int64              `json:"readMessageSeq"`
	// MentionedInfoList lists the unread messages that mention the caller.
	MentionedInfoList []MentionedInfo `json:"mentionedInfoList"`
	// SelfMutedExpiredTime is when the caller may send here again: 0 now,
	// -1 never, else Unix milliseconds.
	SelfMutedExpiredTime int64  `json:"selfMutedExpiredTime"`
	Draft                string `json:"draft"`
	IsPinned             bool   `json:"isPinned"`
	PinnedTime           int64  `json:"pinnedTime"`

	PK            int64    `json:"-"` // the channel's store key
	CommunityPK   int64    `json:"-"`
	ParentPK      int64    `json:"-"` // a thread's parent channel; 0 for a channel
	OrderKey      int64    `json:"-"` // the conversation list's order: pinned first, then activity
	MemberRole    Role     `json:"-"` // the caller's role in the community
	ChannelMute   MuteInfo `json:"-"`
	CommunityMute MuteInfo `json:"-"`
	// CommunityNotification is the caller's status for the community.
	CommunityNotification NotificationStatus `json:"-"`
}

// CreateCommunityChannelRequest is the body of createCommunityChannel. An
// empty ChannelID asks for a generated one; ChannelType is 1 (public, the
// default when absent) or 2 (private).
type CreateCommunityChannelRequest struct {
	CommunityID       string            `json:"communityID"`
	ChannelID         string            `json:"channelID,omitempty"`
	ChannelType       *ChannelType      `json:"channelType,omitempty"`
	ChannelName       string            `json:"channelName"`
	ChannelAvatarURL  string            `json:"channelAvatarUrl,omitempty"`
	ChannelNotice     string            `json:"channelNotice,omitempty"`
	ChannelAttributes map[string]string `json:"channelAttributes,omitempty"`
}

// ChannelInfoResult carries one channel's full information.
type ChannelInfoResult struct {
	ChannelInfo Channel `json:"channelInfo"`
}

// ChannelRequest names one channel of one community.
type ChannelRequest struct {
	CommunityID string `json:"communityID"`
	ChannelID   string `json:"channelID"`
}

// ChannelIDResult reports the channel an operation acted on.
type ChannelIDResult struct {
	CommunityID string `json:"communityID"`
	ChannelID   string `json:"channelID"`
}

// UpdateCommunityChannelNameRequest is the body of updateCommunityChannelName.
type UpdateCommunityChannelNameRequest struct {
	CommunityID string `json:"communityID"`
	ChannelID   string `json:"channelID"`
	ChannelName string `json:"channelName"`
}

// UpdateCommunityChannelNameResult is the result of updateCommunityChannelName.
type UpdateCommunityChannelNameResult struct {
	CommunityID string `json:"communityID"`
	ChannelID   string `json:"channelID"`
	ChannelName string `json:"channelName"`
}

// UpdateCommunityChannelAvatarURLRequest is the body of
// updateCommunityChannelAvatarUrl.
type UpdateCommunityChannelAvatarURLRequest struct {
	CommunityID      string `json:"communityID"`
	ChannelID        string `json:"channelID"`
	ChannelAvatarURL string `json:"channelAvatarUrl"`
}

// UpdateCommunityChannelAvatarURLResult is the result of
// updateCommunityChannelAvatarUrl.
type UpdateCommunityChannelAvatarURLResult struct {
	CommunityID      string `json:"communityID"`
	ChannelID        string `json:"channelID"`
	ChannelAvatarURL string `json:"channelAvatarUrl"`
}

// UpdateCommunityChannelNoticeRequest is the body of
// updateCommunityChannelNotice.
type UpdateCommunityChannelNoticeRequest struct {
	CommunityID   string `json:"communityID"`
	ChannelID     string `json:"channelID"`
	ChannelNotice string `json:"channelNotice"`
}

// UpdateCommunityChannelNoticeResult is the result of
// updateCommunityChannelNotice.
type UpdateCommunityChannelNoticeResult struct {
	CommunityID   string `json:"communityID"`
	ChannelID     string `json:"channelID"`
	ChannelNotice string `json:"channelNotice"`
}

// SetCommunityChannelAttributesRequest is the body of
// setCommunityChannelAttributes.
type SetCommunityChannelAttributesRequest struct {
	CommunityID       string            `json:"communityID"`
	ChannelID         string            `json:"channelID"`
	ChannelAttributes map[string]string `json:"channelAttributes"`
}

// DeleteCommunityChannelAttributesRequest is the body of
// deleteCommunityChannelAttributes.
type DeleteCommunityChannelAttributesRequest struct {
	CommunityID string   `json:"communityID"`
	ChannelID   string   `json:"channelID"`
	Keys        []string `json:"keys"`
}

// QueryCommunityChannelsInfoRequest is the body of queryCommunityChannelsInfo.
type QueryCommunityChannelsInfoRequest struct {
	CommunityID string   `json:"communityID"`
	ChannelIDs  []string `json:"channelIDs"`
}

// QueryCommunityChannelsInfoResult is the result of
// queryCommunityChannelsInfo. Channels that do not exist, or that the caller
// may not see, are in ErrorChannelIDs.
type QueryCommunityChannelsInfoResult struct {
	CommunityID     string    `json:"communityID"`
	ChannelInfos    []Channel `json:"channelInfos"`
	ErrorChannelIDs []string  `json:"errorChannelIDs"`
}

// QueryCommunityChannelListRequest is the body of queryCommunityChannelList.
type QueryCommunityChannelListRequest struct {
	CommunityID string `json:"communityID"`
	PageRequest
}

// QueryCommunityChannelListResult is one page of the caller's channel
// conversations of one community, in the order the channels were created.
type QueryCommunityChannelListResult struct {
	CommunityID string                `json:"communityID"`
	ChannelList []ChannelConversation `json:"channelList"`
	NextFlag    string                `json:"nextFlag"`
}

// ChannelMembersRequest is the body of addCommunityChannelMembers and
// removeCommunityChannelMembers.
type ChannelMembersRequest struct {
	CommunityID string   `json:"communityID"`
	ChannelID   string   `json:"channelID"`
	UserIDs     []string `json:"userIDs"`
}

// ChannelMembersResult reports the users of a channel member change that
// failed.
type ChannelMembersResult struct {
	CommunityID   string      `json:"communityID"`
	ChannelID     string      `json:"channelID"`
	ErrorUserList []ErrorUser `json:"errorUserList"`
}
