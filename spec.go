package plaza

import "fmt"

// Spec holds an app's limits (SPEC §2). Every limit is read from the app's
// spec inside the transaction that it limits; none is a constant in code.
// Lowering a limit never touches existing data: it only refuses new creation
// past the new value.
type Spec struct {
	CommunitiesPerUser     int   `json:"communitiesPerUser"`
	ChannelsPerCommunity   int   `json:"channelsPerCommunity"`
	MembersPerCommunity    int   `json:"membersPerCommunity"` // 0: unlimited
	NameMaxChars           int   `json:"nameMaxChars"`
	NoticeMaxChars         int   `json:"noticeMaxChars"`
	AvatarURLMaxChars      int   `json:"avatarUrlMaxChars"`
	AttributesMax          int   `json:"attributesMax"`
	AttributeKeyMaxChars   int   `json:"attributeKeyMaxChars"`
	AttributeValueMaxChars int   `json:"attributeValueMaxChars"`
	UsersPerCall           int   `json:"usersPerCall"`
	PageMax                int   `json:"pageMax"`
	TextMessageMaxBytes    int   `json:"textMessageMaxBytes"`
	DownstreamPerMonth     int64 `json:"downstreamPerMonth"`
	MeteringOnly           bool  `json:"meteringOnly"`
	RevokeWindowSeconds    int   `json:"revokeWindowSeconds"`
	SendIntervalMillis     int   `json:"sendIntervalMillis"`
	SendsPerSecond         int   `json:"sendsPerSecond"`
	// CommunityTips posts tips messages (created, joined, invited, channel
	// added) in the GENERAL channel.
	CommunityTips bool `json:"communityTips"`
	// Threads (SPEC §6a): active (unarchived) threads per channel, thread
	// name length, members of a private thread. Users per thread invite or
	// kick call follow UsersPerCall.
	ActiveThreadsPerChannel int `json:"activeThreadsPerChannel"`
	ThreadNameMaxChars      int `json:"threadNameMaxChars"`
	PrivateThreadMembersMax int `json:"privateThreadMembersMax"`
}

// DefaultSpec returns the reference product's default limits.
func DefaultSpec() Spec {
	return Spec{
		CommunitiesPerUser:     100,
		ChannelsPerCommunity:   100,
		MembersPerCommunity:    100_000,
		NameMaxChars:           300,
		NoticeMaxChars:         500,
		AvatarURLMaxChars:      100,
		AttributesMax:          10,
		AttributeKeyMaxChars:   16,
		AttributeValueMaxChars: 1024,
		UsersPerCall:           100,
		PageMax:                100,
		TextMessageMaxBytes:    2048,
		DownstreamPerMonth:     200_000_000,
		RevokeWindowSeconds:    120,
		SendIntervalMillis:     100,
		SendsPerSecond:         10,
		CommunityTips:          true,

		ActiveThreadsPerChannel: 1000,
		ThreadNameMaxChars:      100,
		PrivateThreadMembersMax: 1000,
	}
}

// specRule is the allowed range of one limit.
type specRule struct {
	field    string
	get      func(*Spec) int64
	min, max int64
	step     int64 // 0: any value in range
	zeroOK   bool  // 0 means unlimited
}

var specRules = []specRule{
	{field: "communitiesPerUser", get: func(s *Spec) int64 { return int64(s.CommunitiesPerUser) }, min: 100, max: 500, step: 100},
	{field: "channelsPerCommunity", get: func(s *Spec) int64 { return int64(s.ChannelsPerCommunity) }, min: 100, max: 1000, step: 100},
	{field: "membersPerCommunity", get: func(s *Spec) int64 { return int64(s.MembersPerCommunity) }, min: 100_000, max: 100_000, zeroOK: true},
	{field: "nameMaxChars", get: func(s *Spec) int64 { return int64(s.NameMaxChars) }, min: 1, max: 10_000},
	{field: "noticeMaxChars", get: func(s *Spec) int64 { return int64(s.NoticeMaxChars) }, min: 1, max: 100_000},
	{field: "avatarUrlMaxChars", get: func(s *Spec) int64 { return int64(s.AvatarURLMaxChars) }, min: 1, max: 2048},
	{field: "attributesMax", get: func(s *Spec) int64 { return int64(s.AttributesMax) }, min: 1, max: 100},
	{field: "attributeKeyMaxChars", get: func(s *Spec) int64 { return int64(s.AttributeKeyMaxChars) }, min: 1, max: 256},
	{field: "attributeValueMaxChars", get: func(s *Spec) int64 { return int64(s.AttributeValueMaxChars) }, min: 1, max: 65_536},
	{field: "usersPerCall", get: func(s *Spec) int64 { return int64(s.UsersPerCall) }, min: 100, max: 100},
	{field: "pageMax", get: func(s *Spec) int64 { return int64(s.PageMax) }, min: 100, max: 100},
	{field: "textMessageMaxBytes", get: func(s *Spec) int64 { return int64(s.TextMessageMaxBytes) }, min: 1, max: 32_768},
	{field: "downstreamPerMonth", get: func(s *Spec) int64 { return s.DownstreamPerMonth }, min: 200_000_000, max: 1 << 50, step: 10_000_000},
	{field: "revokeWindowSeconds", get: func(s *Spec) int64 { return int64(s.RevokeWindowSeconds) }, min: 1, max: 86_400},
	{field: "sendIntervalMillis", get: func(s *Spec) int64 { return int64(s.SendIntervalMillis) }, min: 0, max: 60_000},
	{field: "sendsPerSecond", get: func(s *Spec) int64 { return int64(s.SendsPerSecond) }, min: 1, max: 10_000},
	{field: "activeThreadsPerChannel", get: func(s *Spec) int64 { return int64(s.ActiveThreadsPerChannel) }, min: 1, max: 10_000},
	{field: "threadNameMaxChars", get: func(s *Spec) int64 { return int64(s.ThreadNameMaxChars) }, min: 1, max: 1000},
	{field: "privateThreadMembersMax", get: func(s *Spec) int64 { return int64(s.PrivateThreadMembersMax) }, min: 1, max: 100_000},
}

// Validate reports the first limit outside its allowed range.
func (s Spec) Validate() error {
	for _, r := range specRules {
		v := r.get(&s)
		if v == 0 && r.zeroOK {
			continue
		}
		if v < r.min || v > r.max {
			if r.zeroOK {
				return invalidf(r.field, "%s must be %d or 0 (unlimited), got %d", r.field, r.min, v)
			}
			return invalidf(r.field, "%s must be between %d and %d, got %d", r.field, r.min, r.max, v)
		}
		if r.step > 0 && (v-r.min)%r.step != 0 {
			return invalidf(r.field, "%s must be %d plus a multiple of %d, got %d", r.field, r.min, r.step, v)
		}
	}
	return nil
}

// String returns a one-line summary for logs.
func (s Spec) String() string {
	return fmt.Sprintf("communitiesPerUser=%d channelsPerCommunity=%d membersPerCommunity=%d",
		s.CommunitiesPerUser, s.ChannelsPerCommunity, s.MembersPerCommunity)
}
