package plaza

// Member is one member of a community, with the user's profile, so that a
// client can draw a member list without another call.
type Member struct {
	UserInfo
	MemberRole     Role      `json:"memberRole"`
	EnterTime      int64     `json:"enterTime"`
	EnterType      EnterType `json:"enterType"`
	OperatedUserID string    `json:"operatedUserID,omitempty"`

	PK                 int64              `json:"-"` // store key of the membership
	CommunityPK        int64              `json:"-"`
	UserPK             int64              `json:"-"`
	NotificationStatus NotificationStatus `json:"-"`
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
// they entered. With ChannelID, only the members who see that channel.
type QueryCommunityMemberListRequest struct {
	CommunityID string `json:"communityID"`
	ChannelID   string `json:"channelID,omitempty"`
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
