package plaza

// MaxPinned is how many conversations a user may pin.
const MaxPinned = 100

// MentionType says how a message mentions the user.
type MentionType int

// Mention types, with the reference's numbers.
const (
	MentionMe       MentionType = 1
	MentionAll      MentionType = 2
	MentionAllAndMe MentionType = 3
)

// MentionedInfo is one unread message that mentions the user.
type MentionedInfo struct {
	MessageID  string      `json:"messageID"`
	MessageSeq int64       `json:"messageSeq"`
	FromUserID string      `json:"fromUserID"`
	Type       MentionType `json:"type"`
}

// ConversationState is what a user sets on one of its conversations.
type ConversationState struct {
	NotificationStatus NotificationStatus
	Draft              string
	PinnedTime         int64 // 0: not pinned
}

// QueryConversationListRequest is the body of queryConversationList.
type QueryConversationListRequest struct {
	PageRequest
}

// QueryConversationListResult is one page of every channel conversation of
// the caller across its communities: pinned ones first (latest pin first),
// then by latest activity.
type QueryConversationListResult struct {
	ConversationList []ChannelConversation `json:"conversationList"`
	NextFlag         string                `json:"nextFlag"`
}

// ConversationRequest names one of the caller's channel conversations.
type ConversationRequest struct {
	CommunityID string `json:"communityID"`
	ChannelID   string `json:"channelID"`
}

// ClearConversationUnreadMessageCountRequest is the body of
// clearConversationUnreadMessageCount: the caller has read the channel up to
// MessageSeq (0: up to its newest message). A read position never moves
// back.
type ClearConversationUnreadMessageCountRequest struct {
	CommunityID string `json:"communityID"`
	ChannelID   string `json:"channelID"`
	MessageSeq  int64  `json:"messageSeq,omitempty"`
}

// SetConversationNotificationStatusRequest is the body of
// setConversationNotificationStatus.
type SetConversationNotificationStatusRequest struct {
	CommunityID        string             `json:"communityID"`
	ChannelID          string             `json:"channelID"`
	NotificationStatus NotificationStatus `json:"notificationStatus"`
}

// SetConversationDraftRequest is the body of setConversationDraft; an empty
// draft clears it.
type SetConversationDraftRequest struct {
	CommunityID string `json:"communityID"`
	ChannelID   string `json:"channelID"`
	Draft       string `json:"draft"`
}

// PinConversationRequest is the body of pinConversation.
type PinConversationRequest struct {
	CommunityID string `json:"communityID"`
	ChannelID   string `json:"channelID"`
	IsPinned    bool   `json:"isPinned"`
}

// ConversationResult carries one conversation as it stands after a change.
type ConversationResult struct {
	Conversation ChannelConversation `json:"conversation"`
}

// QueryConversationTotalUnreadMessageCountRequest is the (empty) body of
// queryConversationTotalUnreadMessageCount.
type QueryConversationTotalUnreadMessageCountRequest struct{}

// TotalUnreadResult is the caller's total unread count: the unread messages
// of its conversations in notify, in communities in notify.
type TotalUnreadResult struct {
	TotalUnreadMessageCount int64 `json:"totalUnreadMessageCount"`
}

// Conversation events.
const (
	EventConversationChanged                        = "conversationChanged"
	EventConversationTotalUnreadMessageCountUpdated = "conversationTotalUnreadMessageCountUpdated"
)

// ConversationChangedEvent tells a user's sessions that conversations of
// theirs changed by the user's own action: a read, a notification status, a
// draft, a pin.
type ConversationChangedEvent struct {
	InfoList []ConversationChange `json:"infoList"`
}

// ConversationChange is one changed conversation.
type ConversationChange struct {
	Action       ListAction          `json:"action"`
	Conversation ChannelConversation `json:"conversation"`
}
