package plaza

import (
	"context"
	"encoding/json"
	"hash/fnv"
)

// Event names, as the gateway's dispatch frames carry them (SPEC §8).
const (
	EventCommunityListChanged            = "communityListChanged"
	EventCommunityInfoUpdated            = "communityInfoUpdated"
	EventCommunityMemberStateChanged     = "communityMemberStateChanged"
	EventCommunityMemberInfoUpdated      = "communityMemberInfoUpdated"
	EventCommunityApplicationListChanged = "communityApplicationListChanged"
	EventCommunityChannelListChanged     = "communityChannelListChanged"
	EventCommunityChannelInfoUpdated     = "communityChannelInfoUpdated"
	EventMessageReceived                 = "messageReceived"
	EventMessageRevokeReceived           = "messageRevokeReceived"
	EventMessageEdited                   = "messageEdited"
	EventMessageReactionsChanged         = "messageReactionsChanged"
)

// Event is one change published after the transaction that made it commits.
// Delivery is at most once: a lost event costs a live push, never data, and
// clients repair by re-reading state.
//
// An event with UserIDs goes to those users only; otherwise it goes to every
// member of CommunityID who may see ChannelID (when set). Data is the dispatch
// payload, encoded once.
type Event struct {
	Name        string   `json:"n"`
	AppID       string   `json:"a"`
	CommunityID string   `json:"c,omitempty"`
	UserIDs     []string `json:"u,omitempty"`
	// ChannelID limits the audience to those who see the channel; Private
	// says it is a private channel (its members, the owner and admins).
	ChannelID string `json:"ch,omitempty"`
	Private   bool   `json:"p,omitempty"`
	// Parent, for an event of a thread, is its parent channel, whose
	// audience the thread's is (ParentPrivate: a private channel): a
	// recipient must see both.
	Parent        string `json:"pa,omitempty"`
	ParentPrivate bool   `json:"pp,omitempty"`
	// Seq is the channel's seq after a message event.
	Seq int64 `json:"s,omitempty"`
	// Large marks an event of a community with at least the passive threshold
	// of members: it goes in full only to sessions that marked the community
	// active, and to the users it mentions (Mentions, MentionAll).
	Large      bool     `json:"l,omitempty"`
	Mentions   []string `json:"m,omitempty"`
	MentionAll bool     `json:"ma,omitempty"`
	// Grants change who may see the community, ChannelGrants who may see a
	// private channel; every gateway applies them before it delivers the
	// event, whichever topic brought it.
	Grants        []Grant        `json:"g,omitempty"`
	ChannelGrants []ChannelGrant `json:"cg,omitempty"`
	// Dismissed says the community (or, with ChannelID, the channel) no
	// longer exists; gateways forget it after delivering the event.
	Dismissed bool `json:"x,omitempty"`
	// PublishedAt is when the event left its node (Unix microseconds), set
	// by whoever measures the bus's lag; 0 when nobody does.
	PublishedAt int64           `json:"pt,omitempty"`
	Data        json.RawMessage `json:"d"`
}

// ChannelGrant records that a user was added to (Member) or removed from a
// private channel.
type ChannelGrant struct {
	UserID    string `json:"u"`
	ChannelID string `json:"ch"`
	Member    bool   `json:"m"`
}

// Grant records a user's new role in the event's community; RoleNone means
// the user is no longer a member.
type Grant struct {
	UserID string `json:"u"`
	Role   Role   `json:"r"`
}

// TopicKind tells community topics from user topics.
type TopicKind byte

// Topic kinds.
const (
	TopicCommunity TopicKind = 'c'
	TopicUsers     TopicKind = 'u'
)

// UserBuckets is the number of user topics. Events for one user travel on
// the topic of its bucket, so that a node subscribes to at most this many user
// topics however many users it serves.
const UserBuckets = 256

// Topic is a stream of events that a gateway node subscribes to: one per
// community, and UserBuckets shared by all users.
type Topic struct {
	Kind        TopicKind
	AppID       string
	CommunityID string // TopicCommunity
	Bucket      int    // TopicUsers
}

// CommunityTopic is the topic of events for every member of a community.
func CommunityTopic(appID, communityID string) Topic {
	return Topic{Kind: TopicCommunity, AppID: appID, CommunityID: communityID}
}

// UserTopic is the topic carrying events addressed to one user.
func UserTopic(appID, userID string) Topic {
	h := fnv.New32a()
	h.Write([]byte(appID))
	h.Write([]byte{0})
	h.Write([]byte(userID))
	return Topic{Kind: TopicUsers, Bucket: int(h.Sum32() % UserBuckets)}
}

// Topics returns the topics e is published on: the community's topic, or
// the topics of the users it is addressed to. An event that changes users'
// memberships (Grants, ChannelGrants) also travels on those users' topics, so
// that every node serving one of them learns of the change, even a node that
// does not subscribe to the community.
func (e *Event) Topics() []Topic {
	var seen [UserBuckets]bool
	var out []Topic
	add := func(userID string) {
		t := UserTopic(e.AppID, userID)
		if !seen[t.Bucket] {
			seen[t.Bucket] = true
			out = append(out, t)
		}
	}
	if len(e.UserIDs) == 0 {
		out = append(out, CommunityTopic(e.AppID, e.CommunityID))
	}
	for _, u := range e.UserIDs {
		add(u)
	}
	for _, g := range e.Grants {
		add(g.UserID)
	}
	for _, g := range e.ChannelGrants {
		add(g.UserID)
	}
	return out
}

// Bus carries events between the nodes of a deployment.
type Bus interface {
	// Publish sends e to every subscriber of its topics.
	Publish(ctx context.Context, e *Event) error
	// Subscribe calls h for each event on topic, in publication order, until
	// the subscription is closed. h must not block for long.
	Subscribe(topic Topic, h func(*Event)) (Subscription, error)
}

// Subscription is an interest in one topic.
type Subscription interface {
	Close() error
}

// ListAction says how a list entry changed.
type ListAction int

// List actions.
const (
	ListAdded   ListAction = 0
	ListDeleted ListAction = 1
	ListUpdated ListAction = 2
)

// MemberState says whether a user entered or left a community.
type MemberState int

// Member states.
const (
	MemberExited  MemberState = 0
	MemberEntered MemberState = 1
)

// MemberAction says why a member's state changed.
type MemberAction int

// Member actions.
const (
	MemberJoined  MemberAction = 1
	MemberInvited MemberAction = 2
	MemberLeft    MemberAction = 3
	MemberKicked  MemberAction = 4
)

// CommunityListChangedEvent tells a user that its community list changed.
type CommunityListChangedEvent struct {
	ChangeInfoList []CommunityChange `json:"changeInfoList"`
}

// CommunityChange is one change of a user's community list.
type CommunityChange struct {
	Action    ListAction `json:"action"`
	Community Community  `json:"community"`
}

// CommunityInfoUpdatedEvent tells members that a community's information
// changed.
type CommunityInfoUpdatedEvent struct {
	UpdateInfoList []CommunityInfoUpdate `json:"updateInfoList"`
}

// CommunityInfoUpdate carries one community's new information.
type CommunityInfoUpdate struct {
	CommunityInfo CommunityInfo `json:"communityInfo"`
}

// CommunityMemberStateChangedEvent tells members that users entered or left.
type CommunityMemberStateChangedEvent struct {
	CommunityID    string              `json:"communityID"`
	OperatedUserID string              `json:"operatedUserID"`
	ChangeInfoList []MemberStateChange `json:"changeInfoList"`
}

// MemberStateChange is one user entering or leaving.
type MemberStateChange struct {
	State      MemberState  `json:"state"`
	Action     MemberAction `json:"action"`
	MemberInfo Member       `json:"memberInfo"`
}

// CommunityMemberInfoUpdatedEvent tells members that members' information
// (role, profile) changed.
type CommunityMemberInfoUpdatedEvent struct {
	CommunityID    string             `json:"communityID"`
	UpdateInfoList []MemberInfoUpdate `json:"updateInfoList"`
}

// MemberInfoUpdate carries one member's new information.
type MemberInfoUpdate struct {
	MemberInfo Member `json:"memberInfo"`
}

// CommunityApplicationListChangedEvent tells the applicant and the
// community's owner and admins that an application changed.
type CommunityApplicationListChangedEvent struct {
	ChangeInfoList []ApplicationChange `json:"changeInfoList"`
}

// ApplicationChange is one change of an application list.
type ApplicationChange struct {
	Action      ListAction  `json:"action"`
	Application Application `json:"application"`
}

// CommunityChannelListChangedEvent tells members that channels appeared,
// disappeared or changed.
type CommunityChannelListChangedEvent struct {
	CommunityID    string          `json:"communityID"`
	ChangeInfoList []ChannelChange `json:"changeInfoList"`
}

// ChannelChange is one change of a community's channel list.
type ChannelChange struct {
	Action  ListAction   `json:"action"`
	Channel ChannelBrief `json:"channel"`
}

// CommunityChannelInfoUpdatedEvent tells those who see a channel that its
// information changed.
type CommunityChannelInfoUpdatedEvent struct {
	CommunityID    string              `json:"communityID"`
	UpdateInfoList []ChannelInfoUpdate `json:"updateInfoList"`
}

// ChannelInfoUpdate carries one channel's new information.
type ChannelInfoUpdate struct {
	ChannelInfo Channel `json:"channelInfo"`
}

// MessageListEvent is the payload of messageReceived, messageRevokeReceived
// and messageEdited: messages of one channel, oldest first.
type MessageListEvent struct {
	CommunityID string `json:"communityID"`
	ChannelID   string `json:"channelID"`
	// ParentChannelID is set when ChannelID is a thread: its parent.
	ParentChannelID string    `json:"parentChannelID,omitempty"`
	MessageList     []Message `json:"messageList"`
}

// MessageReactionsChangedEvent tells those who see a channel that a
// message's reactions changed. IsSelfIncluded is false in it: each client
// knows its own reactions.
type MessageReactionsChangedEvent struct {
	CommunityID    string     `json:"communityID"`
	ChannelID      string     `json:"channelID"`
	MessageSeq     int64      `json:"messageSeq"`
	MessageID      string     `json:"messageID"`
	OperatedUserID string     `json:"operatedUserID"`
	Reactions      []Reaction `json:"reactions"`
}
