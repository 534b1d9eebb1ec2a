package plaza

import (
	"slices"
	"time"
)

// MuteMode says who a channel or community mute silences.
type MuteMode int

// Mute modes, with the reference's numbers.
const (
	MuteNone   MuteMode = 0
	MuteNormal MuteMode = 1 // everyone but the owner and admins
	MuteAll    MuteMode = 2 // everyone
	MuteCustom MuteMode = 3 // the listed roles (all roles when the list is empty)
)

// Mute durations in seconds: 1 to MaxMuteSeconds, or PermanentMute.
const (
	MaxMuteSeconds = 2_592_001
	PermanentMute  = -1
)

// MuteInfo is the mute of a channel or of a whole community.
type MuteInfo struct {
	Mode MuteMode `json:"mode"`
	// ExpiredTime is when the mute lifts (Unix milliseconds); -1 never; 0
	// when there is no mute.
	ExpiredTime int64  `json:"expiredTime"`
	Roles       []Role `json:"roles"`
}

// active reports whether the mute is in force at now.
func (m MuteInfo) active(now int64) bool {
	return m.Mode != MuteNone && (m.ExpiredTime == PermanentMute || m.ExpiredTime > now)
}

// applies reports whether the mute silences a member of the given role at
// now.
func (m MuteInfo) applies(role Role, now int64) bool {
	if !m.active(now) {
		return false
	}
	switch m.Mode {
	case MuteNormal:
		return !role.manager()
	case MuteAll:
		return true
	case MuteCustom:
		return len(m.Roles) == 0 || slices.Contains(m.Roles, role)
	}
	return false
}

// current returns the mute as it stands at now: a lapsed mute reads as none.
func (m MuteInfo) current(now int64) MuteInfo {
	if !m.active(now) {
		return MuteInfo{Mode: MuteNone, Roles: []Role{}}
	}
	if m.Roles == nil {
		m.Roles = []Role{}
	}
	return m
}

// MemberMute is a member's mute in one channel, or community-wide when
// ChannelID is empty.
type MemberMute struct {
	ChannelID       string `json:"channelID"`
	MuteExpiredTime int64  `json:"muteExpiredTime"` // Unix ms; -1 never

	ChannelPK int64 `json:"-"` // 0: community-wide
}

func (m MemberMute) active(now int64) bool {
	return m.MuteExpiredTime == PermanentMute || m.MuteExpiredTime > now
}

// later returns the later of two mute expiries, where -1 (never) is the
// latest and 0 (none) the earliest.
func later(a, b int64) int64 {
	switch {
	case a == PermanentMute || b == PermanentMute:
		return PermanentMute
	case a > b:
		return a
	}
	return b
}

// muteCheck finds the mute that silences a member of role in a channel at
// now: its own (community-wide or in the channel), the channel's, or the
// community's, in that order. It returns nil when the member may send.
func muteCheck(now int64, role Role, own []MemberMute, channelPK int64, channel, community MuteInfo) *Error {
	var until int64
	for _, m := range own {
		if (m.ChannelPK == 0 || m.ChannelPK == channelPK) && m.active(now) {
			until = later(until, m.MuteExpiredTime)
		}
	}
	if until != 0 {
		return &Error{Code: EMemberMuted, Until: until, Message: "you are muted " + untilText(until)}
	}
	if channel.applies(role, now) {
		return &Error{Code: EChannelMuted, Until: channel.ExpiredTime, Message: "the channel is muted " + untilText(channel.ExpiredTime)}
	}
	if community.applies(role, now) {
		return &Error{Code: ECommunityMuted, Until: community.ExpiredTime, Message: "the community is muted " + untilText(community.ExpiredTime)}
	}
	return nil
}

// mutedUntil is when a member of role may send in a channel again: 0 now,
// -1 never, else Unix milliseconds. It is the conversation's
// selfMutedExpiredTime.
func mutedUntil(now int64, role Role, own []MemberMute, channelPK int64, channel, community MuteInfo) int64 {
	var until int64
	for _, m := range own {
		if (m.ChannelPK == 0 || m.ChannelPK == channelPK) && m.active(now) {
			until = later(until, m.MuteExpiredTime)
		}
	}
	if channel.applies(role, now) {
		until = later(until, channel.ExpiredTime)
	}
	if community.applies(role, now) {
		until = later(until, community.ExpiredTime)
	}
	return until
}

func untilText(until int64) string {
	if until == PermanentMute {
		return "until further notice"
	}
	return "until " + formatMillis(until)
}

// muteExpiry turns a request's duration into an expiry at now.
func muteExpiry(field string, duration, now int64) (int64, error) {
	switch {
	case duration == PermanentMute:
		return PermanentMute, nil
	case duration >= 1 && duration <= MaxMuteSeconds:
		return now + duration*1000, nil
	}
	return 0, invalidf(field, "%s must be 1 to %d seconds, or -1 for a permanent mute; got %d", field, MaxMuteSeconds, duration)
}

// MuteCommunityChannelsRequest is the body of muteCommunityChannels.
// IsMute false, or mode 0, lifts the channels' mutes.
type MuteCommunityChannelsRequest struct {
	CommunityID string   `json:"communityID"`
	ChannelIDs  []string `json:"channelIDs"`
	IsMute      bool     `json:"isMute"`
	Mode        MuteMode `json:"mode,omitempty"`
	Duration    int64    `json:"duration,omitempty"` // seconds; -1 permanent
	Roles       []Role   `json:"roles,omitempty"`    // mode 3
}

// MuteCommunityChannelsResult is the result of muteCommunityChannels.
type MuteCommunityChannelsResult struct {
	CommunityID     string   `json:"communityID"`
	IsMute          bool     `json:"isMute"`
	ErrorChannelIDs []string `json:"errorChannelIDs"`
}

// MuteCommunityRequest is the body of muteCommunity: the same modes and
// durations as a channel mute, over every channel at once.
type MuteCommunityRequest struct {
	CommunityID string   `json:"communityID"`
	IsMute      bool     `json:"isMute"`
	Mode        MuteMode `json:"mode,omitempty"`
	Duration    int64    `json:"duration,omitempty"`
	Roles       []Role   `json:"roles,omitempty"`
}

// MuteCommunityResult is the result of muteCommunity.
type MuteCommunityResult struct {
	CommunityID string   `json:"communityID"`
	IsMute      bool     `json:"isMute"`
	MuteInfo    MuteInfo `json:"muteInfo"`
}

// MuteCommunityMembersRequest is the body of muteCommunityMembers: in one
// channel, or community-wide when ChannelID is empty.
type MuteCommunityMembersRequest struct {
	CommunityID string   `json:"communityID"`
	UserIDs     []string `json:"userIDs"`
	IsMute      bool     `json:"isMute"`
	Duration    int64    `json:"duration,omitempty"`
	ChannelID   string   `json:"channelID,omitempty"`
}

// MuteCommunityMembersResult is the result of muteCommunityMembers.
type MuteCommunityMembersResult struct {
	CommunityID   string      `json:"communityID"`
	ChannelID     string      `json:"channelID"`
	IsMute        bool        `json:"isMute"`
	ErrorUserList []ErrorUser `json:"errorUserList"`
}

// formatMillis renders a Unix millisecond time for messages.
func formatMillis(ms int64) string {
	return time.UnixMilli(ms).UTC().Format(time.RFC3339)
}
