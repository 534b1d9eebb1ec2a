package plaza

import "context"

// Store is where Plaza keeps its state. Every use case's logic lives in
// Service; a Store only reads and writes rows, with the SQL of one engine.
//
// Reads through the Store itself run on a pool of readers, each call its own
// statement. Update runs fn in one write transaction: reads made through its
// Tx see the transaction's writes, and rows read with a ForUpdate method stay
// locked until it ends, so that a limit checked inside fn cannot be passed by
// a concurrent transaction.
//
// Methods return ErrNotFound for a missing row and ErrConflict for a unique
// key that already exists; other errors are the engine's, wrapped. A store
// may send InsertMessage, SetReadSeq and a NextSeq of a channel whose seq
// the transaction moved already with the transaction's next statement or
// its commit: their errors can then come from a later method or from
// Update itself, and fail the transaction all the same. Use cases treat any
// error of theirs as the end of the transaction.
type Store interface {
	Query
	// Update runs fn in a write transaction, committing when fn returns nil
	// and rolling back otherwise. The commit is durable when Update returns.
	Update(ctx context.Context, fn func(Tx) error) error
	// Ping reports whether the store can serve requests.
	Ping(ctx context.Context) error
	Close() error
}

// Query reads state.
type Query interface {
	App(ctx context.Context, appID string) (App, error)
	AppCount(ctx context.Context) (int, error)
	// Apps lists apps by app ID, those after afterAppID ("" from the start).
	Apps(ctx context.Context, afterAppID string, limit int) ([]App, error)
	// SpecHistory returns the spec changes of an app that were in force at
	// some time in [from, to): the last one at or before from, if any, and
	// every later one before to, oldest first.
	SpecHistory(ctx context.Context, appID string, from, to int64) ([]SpecChange, error)
	// Downstream returns an app's downstream message count of a month
	// ("YYYY-MM"); 0 when none was recorded.
	Downstream(ctx context.Context, appID, month string) (int64, error)
	// PendingWebhooks counts an app's callbacks waiting in the queue.
	PendingWebhooks(ctx context.Context, appID string) (int, error)
	// AppCommunities lists an app's communities in creation order; the
	// cursor is (community key, 0).
	AppCommunities(ctx context.Context, appID string, after Cursor, limit int) ([]CommunityInfo, error)

	User(ctx context.Context, appID, userID string) (User, error)
	// VisibleUsers returns those of userIDs that are viewerPK itself or share
	// a community with it.
	VisibleUsers(ctx context.Context, appID string, viewerPK int64, userIDs []string) ([]User, error)
	// UserCommunityIDs returns the IDs of the communities userPK belongs to.
	UserCommunityIDs(ctx context.Context, userPK int64) ([]string, error)

	Community(ctx context.Context, appID, communityID string) (CommunityInfo, error)
	CommunityDismissed(ctx context.Context, appID, communityID string) (bool, error)
	// DismissedCommunities returns the keys of the dismissed communities
	// whose rows PurgeCommunity has not removed yet, in key order.
	DismissedCommunities(ctx context.Context) ([]int64, error)
	// UserCommunities lists userPK's communities in the order it entered
	// them; the cursor is (membership key, 0).
	UserCommunities(ctx context.Context, userPK int64, after Cursor, limit int) ([]Community, error)

	Member(ctx context.Context, communityPK int64, userID string) (Member, error)
	Members(ctx context.Context, communityPK int64, userIDs []string) ([]Member, error)
	// MemberList lists members by role, then by entry; the cursor is
	// (role, membership key).
	MemberList(ctx context.Context, communityPK int64, after Cursor, limit int) ([]Member, error)
	// Managers returns the user IDs of the owner and admins.
	Managers(ctx context.Context, communityPK int64) ([]string, error)

	Channel(ctx context.Context, communityPK int64, channelID string) (Channel, error)
	ChannelDismissed(ctx context.Context, communityPK int64, channelID string) (bool, error)
	// ChannelConversations lists the channels of a community that userPK
	// sees, in creation order, with the user's state in each; the cursor is
	// (channel key, 0).
	ChannelConversations(ctx context.Context, communityPK, userPK int64, after Cursor, limit int) ([]ChannelConversation, error)
	// Conversations lists every channel conversation userPK sees across its
	// communities, by OrderKey then channel key, both descending; the cursor
	// is (order key, channel key).
	Conversations(ctx context.Context, userPK int64, after Cursor, limit int) ([]ChannelConversation, error)
	// Conversation reads userPK's conversation in one channel it is in.
	Conversation(ctx context.Context, userPK, channelPK int64) (ChannelConversation, error)
	// Mentions returns, per channel, the messages after the given read
	// positions that mention userPK, by name or all, oldest first.
	Mentions(ctx context.Context, userPK int64, reads []ReadPosition) (map[int64][]MentionedInfo, error)
	// TotalUnread sums the unread counts of the channels userPK sees that are
	// in notify, in its communities that are in notify.
	TotalUnread(ctx context.Context, userPK int64) (int64, error)
	// UnreadByCommunity sums, per community of userPK, the unread counts of
	// the channels it sees that are in notify.
	UnreadByCommunity(ctx context.Context, userPK int64) ([]CommunityUnread, error)
	// UserMutes returns userPK's member mutes (lapsed ones too), by
	// community key.
	UserMutes(ctx context.Context, userPK int64) (map[int64][]MemberMute, error)
	// MutedMemberList lists, like MemberList, the members with a mute in
	// force at now: community-wide, or in channelPK when it is not 0 (and
	// then only members who see that channel).
	MutedMemberList(ctx context.Context, communityPK, channelPK, now int64, after Cursor, limit int) ([]Member, error)
	// IsChannelMember reports whether userPK is listed in a private channel.
	IsChannelMember(ctx context.Context, channelPK, userPK int64) (bool, error)
	// UserPrivateChannels returns, per community ID, the private channels
	// userPK is listed in.
	UserPrivateChannels(ctx context.Context, userPK int64) (map[string][]string, error)
	// ChannelMemberList lists the members who see a private channel: those
	// listed, the owner and admins; ordered and paged as MemberList.
	ChannelMemberList(ctx context.Context, communityPK, channelPK int64, after Cursor, limit int) ([]Member, error)

	// Message reads one message, as viewerPK sees it (its reactions).
	Message(ctx context.Context, channelPK, seq, viewerPK int64) (Message, error)
	// Messages reads the messages of the given seqs that viewerPK has not
	// deleted for itself, oldest first.
	Messages(ctx context.Context, channelPK int64, seqs []int64, viewerPK int64) ([]Message, error)
	// History returns up to limit messages that viewerPK has not deleted,
	// oldest first: forward, those with seq above from; backward, those with
	// seq below from (0: the newest).
	History(ctx context.Context, channelPK, viewerPK, from int64, forward bool, limit int) ([]Message, error)
	MessageByClientID(ctx context.Context, channelPK, senderPK int64, clientMessageID string) (Message, error)
	// Replies lists the replies of the tree rooted at rootSeq, oldest first;
	// the cursor is (seq, 0).
	Replies(ctx context.Context, channelPK, rootSeq, viewerPK int64, after Cursor, limit int) ([]Message, error)
	// ReactionUsers lists the users who reacted with one reaction type, in
	// the order they did; the cursor is (reaction key, 0).
	ReactionUsers(ctx context.Context, channelPK, seq int64, reactionType string, after Cursor, limit int) ([]UserInfo, []int64, error)
	// Reactions summarises a message's reactions as viewerPK sees them.
	Reactions(ctx context.Context, channelPK, seq, viewerPK int64) ([]Reaction, error)

	// ThreadByRoot returns the thread opened from message rootSeq of channel
	// parentPK; ErrNotFound when there is none.
	ThreadByRoot(ctx context.Context, parentPK, rootSeq int64) (Channel, error)
	// Threads lists the threads of channel parentPK that viewerPK sees: the
	// public ones, and the private ones it is a member of (every private one
	// when all, for the owner and admins). Active (ArchiveAt after now) by
	// LastTime then key, both descending, with the cursor (LastTime, key);
	// archived (ArchiveAt at or before now) by ArchiveAt then key, both
	// descending, with the cursor (ArchiveAt, key). Each with its
	// LastMessage (nil when it has none).
	Threads(ctx context.Context, parentPK, viewerPK int64, all, archived bool, now int64, after Cursor, limit int) ([]Channel, error)
	// FollowedThreads lists the threads userPK is a member of, in
	// communityPK (every community of userPK when 0), whose parent channel it
	// sees (for a private parent: listed in it, or owner or admin), by
	// LastTime then key, both descending; the cursor is (LastTime, key).
	// Each with its LastMessage.
	FollowedThreads(ctx context.Context, userPK, communityPK int64, after Cursor, limit int) ([]FollowedThread, error)
	// ThreadMembers lists the members of a thread with their community role,
	// in the order they joined: by JoinTime then user key (JoinKey); the
	// cursor is (JoinTime, JoinKey).
	ThreadMembers(ctx context.Context, communityPK, threadPK int64, after Cursor, limit int) ([]ThreadMember, error)

	Application(ctx context.Context, communityPK, userPK int64) (Application, error)
	// Applications reads the applications of the given users to a community,
	// each as Application reads it, by key; users without one are left out.
	Applications(ctx context.Context, communityPK int64, userPKs []int64) ([]Application, error)
	// CommunityApplications lists applications newest first; the cursor is
	// (application key, 0).
	CommunityApplications(ctx context.Context, communityPK int64, after Cursor, limit int) ([]Application, error)
	UserApplications(ctx context.Context, userPK int64, after Cursor, limit int) ([]Application, error)

	// SendScope reads at once what a send into a channel checks before it
	// writes, as App, Community, User, Member, Channel, IsChannelMember and
	// MessageByClientID would read it, without locks.
	// What does not exist is left nil (or 0, false); it is never an error.
	// A store on a network spends one round trip on it.
	SendScope(ctx context.Context, k SendKey) (SendScope, error)
}

// GroupUpdater is a Store that can commit several Update calls that touch
// the same rows in one transaction (group commit), for throughput where
// transactions queue on one row, as sends into one channel do on its seq.
type GroupUpdater interface {
	// UpdateGroup runs fn as Update does, but the store may run it in one
	// transaction with other UpdateGroup calls made meanwhile, one after
	// the other, by key and, within a key, in the order they came: each
	// sees the writes of those before it; one that fails leaves no write
	// and fails no other; each returns once the transaction that holds its
	// writes has committed, and their AfterCommit hooks run in that order.
	// A call should lock only rows of its key, so that groups, which lock
	// keys in order, never wait for each other in a cycle.
	UpdateGroup(ctx context.Context, key string, fn func(Tx) error) error
}

// SendKey names what a send is about: the sender (appID, userID), where it
// sends, and its client message ID ("" when it gave none).
type SendKey struct {
	AppID, CommunityID, UserID, ChannelID, ClientMessageID string
}

// SendScope is what Query.SendScope reads for a SendKey.
type SendScope struct {
	App       *App           // with its secrets, as App reads it
	Community *CommunityInfo // the app's community CommunityID
	User      *User          // the app's user UserID
	Member    *Member        // the user's membership in Community
	Channel   *Channel       // Community's channel (or thread) ChannelID
	// Listed says whether User is listed in Channel (IsChannelMember), and
	// ParentListed, for a thread, in its parent channel.
	Listed, ParentListed bool
	// SentSeq is the seq of User's message in Channel with the client
	// message ID; 0 when there is none (or no ID was given).
	SentSeq int64
}

// ReadPosition is a user's read seq in one channel.
type ReadPosition struct {
	ChannelPK int64
	ReadSeq   int64
}

// CommunityUnread is a user's unread count in one community, with its
// notification status there: Unread sums its channels in notify,
// ThreadUnread and ThreadMentions its followed threads in notify (whose
// parent it sees).
type CommunityUnread struct {
	CommunityID        string
	NotificationStatus NotificationStatus
	Unread             int64
	ThreadUnread       int64
	ThreadMentions     int64
}

// Tx is a write transaction.
type Tx interface {
	Query

	// AfterCommit arranges for fn to run once the transaction has committed
	// (never if it rolls back). Hooks of transactions on one store run in
	// commit order, so that events of one channel leave in seq order.
	AfterCommit(fn func())

	InsertApp(ctx context.Context, app App) error
	// AppForUpdate reads and locks an app.
	AppForUpdate(ctx context.Context, appID string) (App, error)
	// UpdateApp stores an app's name, community switch, spec and webhook
	// configuration.
	UpdateApp(ctx context.Context, app App) error
	// SetSecrets replaces an app's server secrets.
	SetSecrets(ctx context.Context, appID string, secrets []Secret) error
	// RecordSpec records that spec is the app's from at (Unix ms) on; a
	// second record at the same at replaces the first.
	RecordSpec(ctx context.Context, appID string, at int64, spec Spec) error
	// AddDownstream adds n to an app's downstream count of a month.
	AddDownstream(ctx context.Context, appID, month string, n int64) error
	// UseNonce records a server API request's nonce until expiresAt (Unix
	// ms); ErrConflict when the app used it before and it has not expired
	// at now. Expired nonces may be forgotten on the way.
	UseNonce(ctx context.Context, appID, nonce string, now, expiresAt int64) error

	// EnqueueWebhook queues a callback and sets d.ID.
	EnqueueWebhook(ctx context.Context, d *WebhookDelivery) error
	// ClaimWebhooks returns up to limit queued callbacks due at now (NextAt
	// <= now), by NextAt then ID, and moves their NextAt to leaseUntil so
	// that no other claim takes them meanwhile.
	ClaimWebhooks(ctx context.Context, now, leaseUntil int64, limit int) ([]WebhookDelivery, error)
	// DeleteWebhook removes a delivered (or abandoned) callback; a missing
	// one is not an error.
	DeleteWebhook(ctx context.Context, id int64) error
	// RetryWebhook records a failed attempt: the attempts made, when to try
	// again and why it failed; a missing callback is not an error.
	RetryWebhook(ctx context.Context, id int64, attempts int, nextAt int64, lastError string) error

	// EnsureUser returns the user, creating it first if it does not exist.
	EnsureUser(ctx context.Context, appID, userID string, now int64) (User, error)
	// UserForUpdate reads and locks a user.
	UserForUpdate(ctx context.Context, appID, userID string) (User, error)
	// UsersForUpdate reads and locks the users of userIDs that exist, by key,
	// each as UserForUpdate does; those that do not exist are left out. It
	// takes the locks in key order, so that two calls that share users never
	// wait for each other in a cycle.
	UsersForUpdate(ctx context.Context, appID string, userIDs []string) ([]User, error)
	UpdateUser(ctx context.Context, u User) error
	// EnsureUsers returns the users of userIDs, in that order, creating
	// those that do not exist: EnsureUser for many at once, for seeding a
	// large community.
	EnsureUsers(ctx context.Context, appID string, userIDs []string, now int64) ([]User, error)
	CountUserCommunities(ctx context.Context, userPK int64) (int, error)
	// CountUsersCommunities counts the communities of each of userPKs as
	// CountUserCommunities does: the map has a count for every one of them,
	// 0 for a user in none.
	CountUsersCommunities(ctx context.Context, userPKs []int64) (map[int64]int, error)

	// CommunityForUpdate reads and locks a community.
	CommunityForUpdate(ctx context.Context, appID, communityID string) (CommunityInfo, error)
	// InsertCommunity stores c and sets c.PK.
	InsertCommunity(ctx context.Context, c *CommunityInfo) error
	UpdateCommunity(ctx context.Context, c CommunityInfo) error
	// DismissCommunity dismisses a community at once, whatever its size: it
	// records its ID as dismissed, never to be reused, and marks the
	// community, so that from then on no read finds it by ID (Community,
	// CommunityForUpdate, AppCommunities) and no read that starts from a
	// user's memberships or settings shows anything of it (UserCommunities,
	// UserCommunityIDs, CountUserCommunities, CountUsersCommunities,
	// VisibleUsers, Conversations, TotalUnread, UnreadByCommunity, UserMutes,
	// UserPrivateChannels, FollowedThreads, CountPinned, UserApplications).
	// Its rows stay, read by key alone, until PurgeCommunity has removed
	// them.
	DismissCommunity(ctx context.Context, c CommunityInfo, now int64) error
	// PurgeCommunity removes up to about limit rows of a dismissed
	// community: its channels' and threads' messages, reactions, mentions,
	// conversation states and listings, then each channel, then its
	// members, mutes and applications, and, once nothing else is left, the
	// community itself. more reports whether rows remain. A community that
	// no longer exists has none; one that is not dismissed is an error.
	PurgeCommunity(ctx context.Context, communityPK int64, limit int) (more bool, err error)

	// InsertChannel stores ch and sets ch.PK.
	InsertChannel(ctx context.Context, ch *Channel) error
	ChannelForUpdate(ctx context.Context, communityPK int64, channelID string) (Channel, error)
	UpdateChannel(ctx context.Context, ch Channel) error
	// DeleteChannel removes a channel with its messages and records its ID
	// as dismissed in its community.
	DeleteChannel(ctx context.Context, ch Channel, now int64) error
	// AddChannelMember lists userPK in a private channel; false if it was
	// already listed.
	AddChannelMember(ctx context.Context, channelPK, userPK, now int64) (bool, error)
	// RemoveChannelMember unlists userPK; false if it was not listed.
	RemoveChannelMember(ctx context.Context, channelPK, userPK int64) (bool, error)

	// NextSeq advances a channel's last seq, records now as its last
	// activity, and returns the seq.
	NextSeq(ctx context.Context, channelPK, now int64) (int64, error)
	// InsertMentions records that the message seq mentions userPKs, and
	// everyone when all.
	InsertMentions(ctx context.Context, channelPK, seq int64, userPKs []int64, all bool) error
	// DeleteMentions forgets the mentions of a message (it was revoked).
	DeleteMentions(ctx context.Context, channelPK, seq int64) error
	// InsertMessage stores m (with its seq already assigned).
	InsertMessage(ctx context.Context, m *Message) error
	// UpdateMessage stores an edited or revoked message's content.
	UpdateMessage(ctx context.Context, m Message) error
	// AddReplyCount adds n to the reply count of a tree's root.
	AddReplyCount(ctx context.Context, channelPK, rootSeq, n int64) error
	// HideMessages deletes messages for userPK only.
	HideMessages(ctx context.Context, userPK, channelPK int64, seqs []int64) error
	// AddReaction records userPK's reaction; false if it was already there.
	AddReaction(ctx context.Context, channelPK, seq int64, reactionType string, userPK, now int64) (bool, error)
	// DeleteReaction removes userPK's reaction; false if it was not there.
	DeleteReaction(ctx context.Context, channelPK, seq int64, reactionType string, userPK int64) (bool, error)

	// SetReadSeq moves userPK's read position in a channel forward to seq;
	// an older position never moves it back.
	SetReadSeq(ctx context.Context, userPK, channelPK, seq int64) error
	// SetConversationState stores userPK's notification status, draft and
	// pin of a channel conversation, keeping its read position.
	SetConversationState(ctx context.Context, userPK, channelPK int64, st ConversationState) error
	// CountActiveThreads counts the threads of channel parentPK that are
	// not archived at now (ArchiveAt after now).
	CountActiveThreads(ctx context.Context, parentPK, now int64) (int, error)
	// JoinThread makes userPK a member of a thread, with a conversation in
	// notify whose read position is readSeq; false (and no change) if it
	// was a member already. The thread's MemberCount is the caller's to
	// keep, as for private channels.
	JoinThread(ctx context.Context, threadPK, userPK, readSeq, now int64) (bool, error)
	// LeaveThread removes userPK from a thread's members and forgets its
	// conversation state there; false if it was not a member.
	LeaveThread(ctx context.Context, threadPK, userPK int64) (bool, error)
	// LeaveThreads removes userPK from every thread of channel parentPK as
	// LeaveThread does, lowers each one's member count, and returns their
	// IDs.
	LeaveThreads(ctx context.Context, parentPK, userPK int64) ([]string, error)
	// CountPinned counts userPK's pinned conversations that it sees.
	CountPinned(ctx context.Context, userPK int64) (int, error)
	// SetMemberMute mutes userPK in a community until expire (Unix ms, -1
	// never), community-wide when channelPK is 0; expire 0 lifts the mute.
	SetMemberMute(ctx context.Context, communityPK, userPK, channelPK, expire int64) error

	// InsertMember stores m and sets m.PK.
	InsertMember(ctx context.Context, m *Member) error
	// InsertMembers stores new memberships of one community at once, each
	// as InsertMember stores it and with a read position at the last seq of
	// every channel of the community (not its threads), so that a new
	// member starts with nothing unread, and sets their PKs; ErrConflict
	// when one of the users is a member already. The community's member
	// count is the caller's to keep. It takes from one member (a user
	// joining) to a few thousand (seeding a large community).
	InsertMembers(ctx context.Context, ms []Member) error
	UpdateMember(ctx context.Context, m Member) error
	// DeleteMembers removes the memberships of userPKs in one community at
	// once: each user leaves the member list (its mutes there stay, out of
	// the list, until it comes back), is unlisted from the community's
	// private channels and threads (their member counts lowered), and loses
	// its conversation state in all of them. The community's member count
	// is the caller's to keep.
	DeleteMembers(ctx context.Context, communityPK int64, userPKs []int64) error

	// InsertApplication stores a, replacing any earlier application of the
	// same user to the same community, and sets a.PK.
	InsertApplication(ctx context.Context, a *Application) error
	UpdateApplication(ctx context.Context, a Application) error
	DeleteApplication(ctx context.Context, pk int64) error
}
