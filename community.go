package plaza

// Role is a member's rank in a community. A lower number outranks a higher one.
type Role int

// Roles, with the reference's numbers.
const (
	RoleNone   Role = 0 // not a member
	RoleOwner  Role = 1
	RoleAdmin  Role = 2
	RoleMember Role = 3
)

// outranks reports whether r ranks strictly above o.
func (r Role) outranks(o Role) bool { return r != RoleNone && (o == RoleNone || r < o) }

// manager reports whether r is the owner or an admin.
func (r Role) manager() bool { return r == RoleOwner || r == RoleAdmin }

// JoinMode says how users enter a community of their own accord.
type JoinMode int

// Join modes.
const (
	JoinAny       JoinMode = 0 // join directly
	JoinApproval  JoinMode = 1 // apply; an owner or admin accepts
	JoinForbidden JoinMode = 2 // neither join nor apply
)

// InviteMode says who may invite users into a community.
type InviteMode int

// Invite modes.
const (
	InviteAnyMember InviteMode = 0 // every member (the default)
	InviteManagers  InviteMode = 1 // the owner and admins only
)

// NotificationStatus is a user's notification setting for a community or a
// channel.
type NotificationStatus int

// Notification statuses.
const (
	Notify       NotificationStatus = 1
	DoNotDisturb NotificationStatus = 2
)

// EnterType says how a member entered a community.
type EnterType int

// Enter types.
const (
	EnterCreated EnterType = 1
	EnterJoined  EnterType = 2
	EnterInvited EnterType = 3
)

// Community is one entry of a user's community list.
type Community struct {
	CommunityID             string             `json:"communityID"`
	CommunityName           string             `json:"communityName"`
	CommunityAvatarURL      string             `json:"communityAvatarUrl"`
	TotalUnreadMessageCount int64              `json:"totalUnreadMessageCount"`
	NotificationStatus      NotificationStatus `json:"notificationStatus"`
	MemberRole              Role               `json:"memberRole"`
	// ThreadTotalUnreadMessageCount sums the unread counts of the user's
	// followed threads in notify; ThreadTotalUnreadMentionCount counts their
	// unread messages that mention it. Neither is in
	// TotalUnreadMessageCount, which sums channels.
	ThreadTotalUnreadMessageCount int64 `json:"threadTotalUnreadMessageCount"`
	ThreadTotalUnreadMentionCount int64 `json:"threadTotalUnreadMentionCount"`

	MemberPK int64 `json:"-"` // store key of the membership, the list's order
	// PrivateChannelIDs are the private channels the member is listed in.
	PrivateChannelIDs []string `json:"-"`
}

// CommunityInfo is a community's full information.
type CommunityInfo struct {
	CommunityID         string            `json:"communityID"`
	CommunityName       string            `json:"communityName"`
	CommunityAvatarURL  string            `json:"communityAvatarUrl"`
	CommunityNotice     string            `json:"communityNotice"`
	CommunityAttributes map[string]string `json:"communityAttributes"`
	JoinMode            JoinMode          `json:"joinMode"`
	InviteMode          InviteMode        `json:"inviteMode"`
	CreatorUserID       string            `json:"creatorUserID"`
	CreateTime          int64             `json:"createTime"`
	CurrentMemberCount  int64             `json:"currentMemberCount"`
	// MuteInfo is the community mute, over every channel at once.
	MuteInfo MuteInfo `json:"muteInfo"`
	// NotificationStatus is the caller's setting; absent in events sent to
	// every member.
	NotificationStatus NotificationStatus `json:"notificationStatus,omitempty"`

	PK           int64  `json:"-"` // store key
	AppID        string `json:"-"`
	ChannelCount int    `json:"-"`
}

// CommunityRequest names one community; it is the body of dismissCommunity,
// joinCommunity, leaveCommunity and queryCommunityInfo.
type CommunityRequest struct {
	CommunityID string `json:"communityID"`
}

// CommunityIDResult is the result of operations that report only the
// community they acted on.
type CommunityIDResult struct {
	CommunityID string `json:"communityID"`
}

// CommunityInfoResult carries one community's full information.
type CommunityInfoResult struct {
	CommunityInfo CommunityInfo `json:"communityInfo"`
}

// CreateCommunityRequest is the body of createCommunity. An empty CommunityID
// asks the server to generate one.
type CreateCommunityRequest struct {
	CommunityID         string            `json:"communityID,omitempty"`
	CommunityName       string            `json:"communityName"`
	CommunityAvatarURL  string            `json:"communityAvatarUrl,omitempty"`
	CommunityNotice     string            `json:"communityNotice,omitempty"`
	CommunityAttributes map[string]string `json:"communityAttributes,omitempty"`
}

// PageRequest selects one page of a list. Count is 1 to the app's page size
// (100); 0 means the page size. NextFlag is the cursor a previous page
// returned; empty for the first page.
type PageRequest struct {
	Count    int    `json:"count,omitempty"`
	NextFlag string `json:"nextFlag,omitempty"`
}

// QueryCommunityListRequest is the body of queryCommunityList.
type QueryCommunityListRequest struct {
	PageRequest
}

// QueryCommunityListResult is one page of the caller's communities. An empty
// NextFlag means this is the last page.
type QueryCommunityListResult struct {
	CommunityList []Community `json:"communityList"`
	NextFlag      string      `json:"nextFlag"`
}

// UpdateCommunityNameRequest is the body of updateCommunityName.
type UpdateCommunityNameRequest struct {
	CommunityID   string `json:"communityID"`
	CommunityName string `json:"communityName"`
}

// UpdateCommunityNameResult is the result of updateCommunityName.
type UpdateCommunityNameResult struct {
	CommunityID   string `json:"communityID"`
	CommunityName string `json:"communityName"`
}

// UpdateCommunityAvatarURLRequest is the body of updateCommunityAvatarUrl.
type UpdateCommunityAvatarURLRequest struct {
	CommunityID        string `json:"communityID"`
	CommunityAvatarURL string `json:"communityAvatarUrl"`
}

// UpdateCommunityAvatarURLResult is the result of updateCommunityAvatarUrl.
type UpdateCommunityAvatarURLResult struct {
	CommunityID        string `json:"communityID"`
	CommunityAvatarURL string `json:"communityAvatarUrl"`
}

// UpdateCommunityNoticeRequest is the body of updateCommunityNotice.
type UpdateCommunityNoticeRequest struct {
	CommunityID     string `json:"communityID"`
	CommunityNotice string `json:"communityNotice"`
}

// UpdateCommunityNoticeResult is the result of updateCommunityNotice.
type UpdateCommunityNoticeResult struct {
	CommunityID     string `json:"communityID"`
	CommunityNotice string `json:"communityNotice"`
}

// SetCommunityAttributesRequest is the body of setCommunityAttributes: the
// pairs are added, or replace the values of existing keys.
type SetCommunityAttributesRequest struct {
	CommunityID         string            `json:"communityID"`
	CommunityAttributes map[string]string `json:"communityAttributes"`
}

// DeleteCommunityAttributesRequest is the body of deleteCommunityAttributes.
type DeleteCommunityAttributesRequest struct {
	CommunityID string   `json:"communityID"`
	Keys        []string `json:"keys"`
}

// AttributesResult is the result of setting or deleting attributes. ErrorKeys
// lists the keys that were not changed (for a delete: keys that did not exist).
type AttributesResult struct {
	CommunityID string   `json:"communityID"`
	ChannelID   string   `json:"channelID,omitempty"`
	ErrorKeys   []string `json:"errorKeys"`
}

// SetCommunityNotificationStatusRequest is the body of
// setCommunityNotificationStatus.
type SetCommunityNotificationStatusRequest struct {
	CommunityID        string             `json:"communityID"`
	NotificationStatus NotificationStatus `json:"notificationStatus"`
}

// SetCommunityNotificationStatusResult is the result of
// setCommunityNotificationStatus.
type SetCommunityNotificationStatusResult struct {
	CommunityID        string             `json:"communityID"`
	NotificationStatus NotificationStatus `json:"notificationStatus"`
}

// UpdateCommunityJoinModeRequest is the body of updateCommunityJoinMode.
type UpdateCommunityJoinModeRequest struct {
	CommunityID string    `json:"communityID"`
	JoinMode    *JoinMode `json:"joinMode"`
}

// UpdateCommunityJoinModeResult is the result of updateCommunityJoinMode.
type UpdateCommunityJoinModeResult struct {
	CommunityID string   `json:"communityID"`
	JoinMode    JoinMode `json:"joinMode"`
}

// UpdateCommunityInviteModeRequest is the body of updateCommunityInviteMode.
type UpdateCommunityInviteModeRequest struct {
	CommunityID string      `json:"communityID"`
	InviteMode  *InviteMode `json:"inviteMode"`
}

// UpdateCommunityInviteModeResult is the result of updateCommunityInviteMode.
type UpdateCommunityInviteModeResult struct {
	CommunityID string     `json:"communityID"`
	InviteMode  InviteMode `json:"inviteMode"`
}
