package plaza

// Member is one member of a community, with the user's profile, so that a
// client can draw a member list without another call.
type Member struct {
	UserInfo
	MemberRole     Role      `json:"memberRole"`
	EnterTime      int64     `json:"enterTime"`
	EnterType      EnterType `json:"enterType"`
	OperatedUserID string    `json:"operatedUserID,omitempty"`
	// MuteExpiredTime is the member's community-wide mute: 0 none, -1
	// permanent, else when it lifts (Unix ms). ChannelMutes are its mutes in
	// single channels.
	MuteExpiredTime int64        `json:"muteExpiredTime"`
	ChannelMutes    []MemberMute `json:"channelMutes"`

	PK                 int64              `json:"-"` // store key of the membership
	CommunityPK        int64              `json:"-"`
	UserPK             int64              `json:"-"`
	NotificationStatus NotificationStatus `json:"-"`
	// Mutes are every mute the store holds for the member, lapsed ones too;
	// withMutes turns them into MuteExpiredTime and ChannelMutes.
	Mutes []MemberMute `json:"-"`
}

// withMutes fills a member's mute fields from its mutes in force at now.
func (m Member) withMutes(now int64) Member {
	m.MuteExpiredTime, m.ChannelMutes = 0, []MemberMute{}
	for _, mu := range m.Mutes {
		switch {
		case !mu.active(now):
		case mu.ChannelPK == 0:
			m.MuteExpiredTime = mu.MuteExpiredTime
		default:
			m.ChannelMutes = append(m.ChannelMutes, mu)
		}
	}
	return m
}

// UserIDsRequest is the body of operations on a batch of users of one
// community: inviteUsersIntoCommunity, kickCommunityMembers and
// queryCommunityMembers.
type UserIDsRequest struct {
	CommunityID string   `json:"communityID"`
	UserIDs     []string `json:"userIDs"`
}

// ErrorUserListResult reports the users of a batch call that failed.
type ErrorUserListResult struct {
	CommunityID   string      `json:"communityID"`
	ErrorUserList []ErrorUser `json:"errorUserList"`
}

// UpdateCommunityMemberRoleRequest is the body of updateCommunityMemberRole.
type UpdateCommunityMemberRoleRequest struct {
	CommunityID string `json:"communityID"`
	ForUserID   string `json:"forUserID"`
	MemberRole  Role   `json:"memberRole"`
}

// UpdateCommunityMemberRoleResult is the result of updateCommunityMemberRole.
type UpdateCommunityMemberRoleResult struct {
	CommunityID string `json:"communityID"`
	ForUserID   string `json:"forUserID"`
	MemberRole  Role   `json:"memberRole"`
}

// TransferCommunityOwnerRequest is the body of transferCommunityOwner.
type TransferCommunityOwnerRequest struct {
	CommunityID string `json:"communityID"`
	ToUserID    string `json:"toUserID"`
}

// TransferCommunityOwnerResult is the result of transferCommunityOwner.
type TransferCommunityOwnerResult struct {
	CommunityID string `json:"communityID"`
	ToUserID    string `json:"toUserID"`
}

// QueryCommunityMemberListRequest is the body of queryCommunityMemberList.
// Members come owner first, then admins, then members, each in the order
// they entered. With ChannelID, only the members who see that channel; with
// IsMutedMember, only the muted ones (community-wide, or in ChannelID).
type QueryCommunityMemberListRequest struct {
	CommunityID   string `json:"communityID"`
	ChannelID     string `json:"channelID,omitempty"`
	IsMutedMember bool   `json:"isMutedMember,omitempty"`
	PageRequest
}

// QueryCommunityMemberListResult is one page of members.
type QueryCommunityMemberListResult struct {
	CommunityID string   `json:"communityID"`
	MemberList  []Member `json:"memberList"`
	NextFlag    string   `json:"nextFlag"`
}

// QueryCommunityMembersResult is the result of queryCommunityMembers. A user
// who is not a member is in ErrorUserList.
type QueryCommunityMembersResult struct {
	CommunityID   string      `json:"communityID"`
	MemberList    []Member    `json:"memberList"`
	ErrorUserList []ErrorUser `json:"errorUserList"`
}
