package plaza

import (
	"context"
	"errors"
	"fmt"
)

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

// A member's mutes in single channels name the channels, and a private
// channel is for those who see it (its listed members, the owner and
// admins): so channelMutes are cut to what their reader sees. A list shows
// its caller the channels the caller sees. An event, encoded once for all
// its recipients, shows the channels every member sees (all but private
// ones); the mute of a member in a private channel is announced by an event
// of its own, addressed to those who see that channel, which shows that
// channel too.

// membersFor prepares members for one reader, the scope's caller: their
// mutes as they stand now, channelMutes cut to the channels it sees.
func (s *Service) membersFor(ctx context.Context, q Query, sc *scope, ms []Member) ([]Member, error) {
	if sc.self.MemberRole.manager() {
		return s.members(ms), nil // the owner and admins see every channel
	}
	return s.cutMutes(ctx, q, sc.community.PK, ms, func(ch Channel) (bool, error) { return sees(ctx, q, sc, ch) })
}

// membersForAll prepares members for an event to every member of a
// community: channelMutes cut to the channels everyone sees, and the private
// channel also, when one is given (an event addressed to those who see it).
func (s *Service) membersForAll(ctx context.Context, q Query, communityPK int64, also Channel, ms []Member) ([]Member, error) {
	return s.cutMutes(ctx, q, communityPK, ms, func(ch Channel) (bool, error) {
		return ch.ChannelType != ChannelPrivate || also.PK != 0 && ch.PK == also.PK, nil
	})
}

// cutMutes prepares members with s.members and keeps the channel mutes of
// the channels that keep accepts, reading each channel once.
func (s *Service) cutMutes(ctx context.Context, q Query, communityPK int64, ms []Member, keep func(Channel) (bool, error)) ([]Member, error) {
	ms = s.members(ms)
	kept := map[int64]bool{}
	for i := range ms {
		out := ms[i].ChannelMutes[:0]
		for _, mu := range ms[i].ChannelMutes {
			ok, known := kept[mu.ChannelPK]
			if !known {
				ch, err := q.Channel(ctx, communityPK, mu.ChannelID)
				switch {
				case errors.Is(err, ErrNotFound):
					ok = false // dismissed meanwhile
				case err != nil:
					return nil, fmt.Errorf("read channel: %w", err)
				default:
					if ok, err = keep(ch); err != nil {
						return nil, err
					}
				}
				kept[mu.ChannelPK] = ok
			}
			if ok {
				out = append(out, mu)
			}
		}
		ms[i].ChannelMutes = out
	}
	return ms, nil
}
