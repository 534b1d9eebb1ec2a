package rowcodec

import (
	"fmt"
	"strconv"

	"github.com/plazahq/plaza"
)

// The scanners' destinations work with database/sql and pgx alike: plain
// values for NOT NULL columns, and pointers (a *int64 or *string that the
// driver sets to nil for NULL) for columns an outer join may leave NULL.
// The scanners return the driver's Scan error unwrapped, so that the
// store's translate still sees it (and turns no rows into
// plaza.ErrNotFound); their decoding errors carry no store prefix either,
// for translate to add.

// Scanner is one row to read: *sql.Row and *sql.Rows of database/sql, and
// pgx.Row and pgx.Rows of pgx, all have this method.
type Scanner interface {
	Scan(dest ...any) error
}

// Rows is a query's rows as both drivers' result sets (*sql.Rows, pgx.Rows)
// present them. Closing them stays with the store: the two drivers' Close
// methods differ.
type Rows interface {
	Scanner
	Next() bool
	Err() error
}

// AppendRows reads every row with scan and appends the results to dst,
// which the caller passes as nil or empty according to what it returns for
// no rows. On an error it returns nil and the error, unwrapped.
func AppendRows[T any](dst []T, rows Rows, scan func(Scanner) (T, error)) ([]T, error) {
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		dst = append(dst, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return dst, nil
}

// ChannelColumns are the columns ScanChannel reads, from channels ch joined
// with its communities c and outer-joined with its parent channel par (on
// par.id = ch.parent_pk: a thread's parent; none for a channel). A thread's
// booleans are BOOLEAN on PostgreSQL and 0 or 1 INTEGER on SQLite; both
// drivers scan either into a bool.
const ChannelColumns = `ch.id, ch.community_pk, c.community_id, ch.channel_id, ch.channel_type, ch.name, ch.avatar_url,
	ch.notice, ch.attributes, ch.creator_user_id, ch.created_at, ch.last_seq, ch.member_count, ch.last_at,
	ch.mute_mode, ch.mute_expire, ch.mute_roles,
	ch.parent_pk, coalesce(par.channel_id, ''), ch.parent_private, ch.root_seq, ch.is_private, ch.is_locked, ch.invitable,
	ch.auto_archive, ch.archive_at,
	coalesce(par.mute_mode, 0), coalesce(par.mute_expire, 0), coalesce(par.mute_roles, '[]'), coalesce(par.member_count, 0)`

// channelDest returns the scan destinations of ChannelColumns into ch, and
// the text columns that decode returns decodes into it.
func channelDest(ch *plaza.Channel) (dest []any, decode func() error) {
	var attrs, roles, parentRoles string
	dest = []any{&ch.PK, &ch.CommunityPK, &ch.CommunityID, &ch.ChannelID, &ch.ChannelType, &ch.ChannelName, &ch.ChannelAvatarURL,
		&ch.ChannelNotice, &attrs, &ch.CreatorUserID, &ch.CreateTime, &ch.LastMessageSeq, &ch.MemberCount, &ch.LastTime,
		&ch.MuteInfo.Mode, &ch.MuteInfo.ExpiredTime, &roles,
		&ch.ParentPK, &ch.ParentChannelID, &ch.ParentPrivate, &ch.RootMessageSeq, &ch.IsPrivate, &ch.IsLocked, &ch.Invitable,
		&ch.AutoArchiveDuration, &ch.ArchiveAt,
		&ch.ParentMute.Mode, &ch.ParentMute.ExpiredTime, &parentRoles, &ch.ParentMemberCount}
	return dest, func() error {
		var err error
		if ch.MuteInfo.Roles, err = DecodeRoles(roles); err != nil {
			return err
		}
		if ch.ParentMute.Roles, err = DecodeRoles(parentRoles); err != nil {
			return err
		}
		ch.ChannelAttributes, err = DecodeAttributes(attrs)
		return err
	}
}

// ScanChannel reads a row of ChannelColumns.
func ScanChannel(s Scanner) (plaza.Channel, error) {
	var ch plaza.Channel
	dest, decode := channelDest(&ch)
	if err := s.Scan(dest...); err != nil {
		return ch, err
	}
	return ch, decode()
}

// ScanThread reads a row of ChannelColumns followed by MessageColumns of
// the thread's outer-joined last message, which it names with the
// thread's community and ID (nil when the thread has none).
func ScanThread(s Scanner) (plaza.Channel, error) {
	var ch plaza.Channel
	var m NullMessage
	dest, decode := channelDest(&ch)
	if err := s.Scan(append(dest, m.Dest()...)...); err != nil {
		return ch, err
	}
	return ch, threadLast(&ch, &m, decode)
}

// threadLast decodes a thread's columns and sets its last message.
func threadLast(ch *plaza.Channel, m *NullMessage, decode func() error) error {
	if err := decode(); err != nil {
		return err
	}
	var err error
	if ch.LastMessage, err = m.Message(); err != nil {
		return err
	}
	if ch.LastMessage != nil {
		ch.LastMessage.CommunityID, ch.LastMessage.ChannelID = ch.CommunityID, ch.ChannelID
	}
	return nil
}

// ScanFollowedThread reads a row of ScanThread's columns followed by the
// user's read seq and notification status in the thread.
func ScanFollowedThread(s Scanner) (plaza.FollowedThread, error) {
	var f plaza.FollowedThread
	var m NullMessage
	dest, decode := channelDest(&f.Thread)
	dest = append(append(dest, m.Dest()...), &f.ReadSeq, &f.NotificationStatus)
	if err := s.Scan(dest...); err != nil {
		return f, err
	}
	return f, threadLast(&f.Thread, &m, decode)
}

// ScanThreadMember reads a row of a thread member's user ID, name and
// avatar URL, community role, join time and user key.
func ScanThreadMember(s Scanner) (plaza.ThreadMember, error) {
	var m plaza.ThreadMember
	err := s.Scan(&m.UserID, &m.UserName, &m.UserAvatarURL, &m.MemberRole, &m.JoinTime, &m.JoinKey)
	return m, err
}

// CommunityColumns are the columns ScanCommunity reads, from communities c.
const CommunityColumns = `c.id, c.app_id, c.community_id, c.name, c.avatar_url, c.notice, c.attributes,
	c.join_mode, c.invite_mode, c.creator_user_id, c.created_at, c.member_count, c.channel_count,
	c.mute_mode, c.mute_expire, c.mute_roles`

// ScanCommunity reads a row of CommunityColumns.
func ScanCommunity(s Scanner) (plaza.CommunityInfo, error) {
	var c plaza.CommunityInfo
	var attrs, roles string
	err := s.Scan(&c.PK, &c.AppID, &c.CommunityID, &c.CommunityName, &c.CommunityAvatarURL, &c.CommunityNotice, &attrs,
		&c.JoinMode, &c.InviteMode, &c.CreatorUserID, &c.CreateTime, &c.CurrentMemberCount, &c.ChannelCount,
		&c.MuteInfo.Mode, &c.MuteInfo.ExpiredTime, &roles)
	if err != nil {
		return c, err
	}
	if c.MuteInfo.Roles, err = DecodeRoles(roles); err != nil {
		return c, err
	}
	c.CommunityAttributes, err = DecodeAttributes(attrs)
	return c, err
}

// ScanMember reads a row of a store's member columns: from members m and
// users u, ending with the member's mutes as DecodeMutes reads them. The
// column list stays with each store, which aggregates the mutes with its
// own JSON functions.
func ScanMember(s Scanner) (plaza.Member, error) {
	var m plaza.Member
	var mutes string
	err := s.Scan(&m.PK, &m.CommunityPK, &m.UserPK, &m.MemberRole, &m.EnterTime, &m.EnterType, &m.OperatedUserID,
		&m.NotificationStatus, &m.UserID, &m.UserName, &m.UserAvatarURL, &mutes)
	if err != nil {
		return m, err
	}
	m.Mutes, err = DecodeMutes(mutes)
	return m, err
}

// ApplicationColumns are the columns ScanApplication reads, from
// applications a joined with its communities c and users u.
const ApplicationColumns = `a.id, a.community_pk, a.user_pk, c.community_id, c.name, u.user_id, u.user_name, u.user_avatar_url,
	a.wording, a.state, a.created_at, a.updated_at, a.operated_user_id`

// ScanApplication reads a row of ApplicationColumns.
func ScanApplication(s Scanner) (plaza.Application, error) {
	var a plaza.Application
	err := s.Scan(&a.PK, &a.CommunityPK, &a.UserPK, &a.CommunityID, &a.CommunityName, &a.UserID, &a.UserName, &a.UserAvatarURL,
		&a.Wording, &a.State, &a.CreateTime, &a.UpdateTime, &a.OperatedUserID)
	return a, err
}

// UserColumns are the columns ScanUser reads, from users u.
const UserColumns = `u.id, u.app_id, u.user_id, u.user_name, u.user_avatar_url, u.created_at`

// ScanUser reads a row of UserColumns.
func ScanUser(s Scanner) (plaza.User, error) {
	var u plaza.User
	err := s.Scan(&u.PK, &u.AppID, &u.UserID, &u.UserName, &u.UserAvatarURL, &u.CreatedAt)
	return u, err
}

// AppColumns are the columns ScanApps reads: an app, then one of its
// secrets (NULL columns when it has none). The app's community_enabled is
// a BOOLEAN on PostgreSQL and a 0 or 1 INTEGER on SQLite; both drivers
// scan either into a bool.
const AppColumns = `a.app_id, a.name, a.community_enabled, a.spec, a.webhook, a.created_at,
	s.secret, s.created_at, s.expires_at`

// ScanApps reads apps joined with their secrets, one row per secret, the
// rows of an app next to each other. It returns an empty slice for no rows.
func ScanApps(rows Rows) ([]plaza.App, error) {
	out := []plaza.App{}
	for rows.Next() {
		var a plaza.App
		var spec, webhook string
		var secret *string
		var created, expires *int64
		if err := rows.Scan(&a.AppID, &a.Name, &a.CommunityEnabled, &spec, &webhook, &a.CreatedAt,
			&secret, &created, &expires); err != nil {
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].AppID != a.AppID {
			var err error
			if a.Spec, err = DecodeSpec(spec); err != nil {
				return nil, fmt.Errorf("app %s spec: %w", a.AppID, err)
			}
			if a.Webhook, err = DecodeWebhook(webhook); err != nil {
				return nil, fmt.Errorf("app %s webhook: %w", a.AppID, err)
			}
			a.Secrets = []plaza.Secret{}
			out = append(out, a)
		}
		if secret != nil {
			last := &out[len(out)-1]
			last.Secrets = append(last.Secrets, plaza.Secret{Secret: *secret, CreatedAt: value(created), ExpiresAt: value(expires)})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// MessageColumns are the columns NullMessage reads, from messages m.
const MessageColumns = `m.channel_pk, m.seq, m.message_id, m.sender_pk, m.sender_user_id, m.type, m.content,
	m.client_message_id, m.created_at, m.edited_at, m.reply_count`

// messageRow scans MessageColumns of a row that has a message: into plain
// values, which both drivers fill without allocating (a pointer
// destination costs an allocation per column).
type messageRow struct {
	channelPK, seq, id, senderPK           int64
	sender, content, clientID              string
	typ, createdAt, editedAt, repliedCount int64
}

// dest returns the scan destinations of MessageColumns, in order.
func (r *messageRow) dest() []any {
	return []any{&r.channelPK, &r.seq, &r.id, &r.senderPK, &r.sender, &r.typ, &r.content,
		&r.clientID, &r.createdAt, &r.editedAt, &r.repliedCount}
}

// fill sets m to the scanned message. The channel and community IDs are
// the caller's to fill.
func (r *messageRow) fill(m *plaza.Message) error {
	*m = plaza.Message{
		ChannelPK:        r.channelPK,
		MessageSeq:       r.seq,
		ID:               r.id,
		MessageID:        strconv.FormatInt(r.id, 10),
		SenderPK:         r.senderPK,
		SenderUserID:     r.sender,
		ClientMessageID:  r.clientID,
		Timestamp:        r.createdAt,
		EditedTime:       r.editedAt,
		RootRepliedCount: r.repliedCount,
		Reactions:        []plaza.Reaction{},
	}
	if err := DecodeContent(r.content, m); err != nil {
		return err
	}
	m.Type = plaza.MessageType(r.typ)
	return nil
}

// NullMessage scans MessageColumns of an outer join, which may be all NULL.
// Every field is a pointer, which the drivers set to nil for NULL.
type NullMessage struct {
	channelPK, seq, id, senderPK           *int64
	sender, content, clientID              *string
	typ, createdAt, editedAt, repliedCount *int64
}

// Dest returns the scan destinations of MessageColumns, in order.
func (n *NullMessage) Dest() []any {
	return []any{&n.channelPK, &n.seq, &n.id, &n.senderPK, &n.sender, &n.typ, &n.content,
		&n.clientID, &n.createdAt, &n.editedAt, &n.repliedCount}
}

// Message returns the scanned message, or nil if the join found none. The
// channel and community IDs are the caller's to fill.
func (n *NullMessage) Message() (*plaza.Message, error) {
	if n.seq == nil {
		return nil, nil
	}
	r := messageRow{channelPK: value(n.channelPK), seq: *n.seq, id: value(n.id), senderPK: value(n.senderPK),
		sender: value(n.sender), content: value(n.content), clientID: value(n.clientID), typ: value(n.typ),
		createdAt: value(n.createdAt), editedAt: value(n.editedAt), repliedCount: value(n.repliedCount)}
	m := new(plaza.Message)
	return m, r.fill(m)
}

// ThreadInfoColumns are the columns ScanMessages reads after
// MessageColumns: the thread th that the message opened, outer-joined (all
// NULL when it opened none, or none the reader sees).
const ThreadInfoColumns = `th.channel_id, th.name, th.last_seq, th.last_at, th.archive_at`

// ScanMessages reads the messages of rows of MessageColumns, never NULL,
// and ThreadInfoColumns. Reactions are left empty: they are read apart. A
// message's ThreadInfo is set when the thread's columns are not NULL;
// IsArchived is the reader's to compute from ArchiveAt.
func ScanMessages(rows Rows) ([]plaza.Message, error) {
	out := []plaza.Message{}
	// One set of destinations for all rows: the drivers overwrite each
	// (a NULL sets a pointer to nil).
	var r messageRow
	var threadID, threadName *string
	var count, lastAt, archiveAt *int64
	dest := append(r.dest(), &threadID, &threadName, &count, &lastAt, &archiveAt)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, plaza.Message{})
		m := &out[len(out)-1]
		if err := r.fill(m); err != nil {
			return nil, err
		}
		if threadID != nil {
			m.ThreadInfo = &plaza.ThreadInfo{ThreadID: *threadID, ThreadName: value(threadName), MessageCount: value(count),
				LastMessageTime: value(lastAt), ArchiveAt: value(archiveAt)}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// ConversationColumns are the columns ScanConversation reads: from the
// page's keys p (see each store's conversationKeys), channels ch,
// communities c, the outer-joined parent channel par and last message m.
// A thread's conversation names its parent and carries the parent's mute
// (the mutes of the parent channel apply in its threads): the stores
// outer-join the parent as par.
const ConversationColumns = `p.channel_pk, p.community_pk, c.community_id, ch.channel_id, ch.channel_type, ch.name, ch.avatar_url,
	ch.attributes, ch.last_seq, p.read_seq, p.status, p.draft, p.pinned_at, p.order_key, p.role, p.community_status,
	coalesce(par.mute_mode, ch.mute_mode), coalesce(par.mute_expire, ch.mute_expire), coalesce(par.mute_roles, ch.mute_roles),
	c.mute_mode, c.mute_expire, c.mute_roles, ch.parent_pk, coalesce(par.channel_id, ''), ` + MessageColumns

// ScanConversation reads a row of ConversationColumns, with the fields
// derived from them. Mentions are left empty: they are read apart.
func ScanConversation(s Scanner) (plaza.ChannelConversation, error) {
	var c plaza.ChannelConversation
	var attrs, chRoles, cRoles string
	var m NullMessage
	dest := append([]any{&c.PK, &c.CommunityPK, &c.CommunityID, &c.ChannelID, &c.ChannelType, &c.ChannelName, &c.ChannelAvatarURL,
		&attrs, &c.LastMessageSeq, &c.ReadMessageSeq, &c.NotificationStatus, &c.Draft, &c.PinnedTime, &c.OrderKey,
		&c.MemberRole, &c.CommunityNotification,
		&c.ChannelMute.Mode, &c.ChannelMute.ExpiredTime, &chRoles, &c.CommunityMute.Mode, &c.CommunityMute.ExpiredTime, &cRoles,
		&c.ParentPK, &c.ParentChannelID,
	}, m.Dest()...)
	err := s.Scan(dest...)
	if err != nil {
		return c, err
	}
	if c.ChannelAttributes, err = DecodeAttributes(attrs); err != nil {
		return c, err
	}
	if c.ChannelMute.Roles, err = DecodeRoles(chRoles); err != nil {
		return c, err
	}
	if c.CommunityMute.Roles, err = DecodeRoles(cRoles); err != nil {
		return c, err
	}
	if c.LastMessage, err = m.Message(); err != nil {
		return c, err
	}
	if c.LastMessage != nil {
		c.LastMessage.CommunityID, c.LastMessage.ChannelID = c.CommunityID, c.ChannelID
	}
	c.IsPinned = c.PinnedTime > 0
	c.UnreadMessageCount = max(0, c.LastMessageSeq-c.ReadMessageSeq)
	c.MentionedInfoList = []plaza.MentionedInfo{}
	return c, nil
}

// value returns what p points to, or the zero value for a NULL column.
func value[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// The scanners below read the smaller rows whose columns each store names
// in its own query text; each says which columns, in order.

// ScanString reads a row of one text column, such as a user or community
// ID.
func ScanString(s Scanner) (string, error) {
	var v string
	err := s.Scan(&v)
	return v, err
}

// ScanUserCommunity reads an entry of a user's community list: the
// membership's key, role and notification status, then the community's ID,
// name and avatar URL.
func ScanUserCommunity(s Scanner) (plaza.Community, error) {
	var c plaza.Community
	err := s.Scan(&c.MemberPK, &c.MemberRole, &c.NotificationStatus, &c.CommunityID, &c.CommunityName, &c.CommunityAvatarURL)
	return c, err
}

// ScanCommunityUnread reads a community's ID, the user's notification
// status there, its unread count in channels, in followed threads, and the
// unread messages of those threads that mention it.
func ScanCommunityUnread(s Scanner) (plaza.CommunityUnread, error) {
	var u plaza.CommunityUnread
	err := s.Scan(&u.CommunityID, &u.NotificationStatus, &u.Unread, &u.ThreadUnread, &u.ThreadMentions)
	return u, err
}

// ScanMentions reads rows of a channel key, a message's seq, the mention
// type, the message's key and its sender's user ID, and groups the
// mentions by channel key, in row order.
func ScanMentions(rows Rows) (map[int64][]plaza.MentionedInfo, error) {
	out := map[int64][]plaza.MentionedInfo{}
	for rows.Next() {
		var channelPK, id int64
		var mi plaza.MentionedInfo
		if err := rows.Scan(&channelPK, &mi.MessageSeq, &mi.Type, &id, &mi.FromUserID); err != nil {
			return nil, err
		}
		mi.MessageID = strconv.FormatInt(id, 10)
		out[channelPK] = append(out[channelPK], mi)
	}
	return out, rows.Err()
}

// ScanUserMutes reads rows of a community key, a channel key (0 for the
// whole community), the channel's ID (empty for none) and the expiry, and
// groups the mutes by community key.
func ScanUserMutes(rows Rows) (map[int64][]plaza.MemberMute, error) {
	out := map[int64][]plaza.MemberMute{}
	for rows.Next() {
		var community int64
		var m plaza.MemberMute
		if err := rows.Scan(&community, &m.ChannelPK, &m.ChannelID, &m.MuteExpiredTime); err != nil {
			return nil, err
		}
		out[community] = append(out[community], m)
	}
	return out, rows.Err()
}

// ScanCounts reads rows of a key and a count into a map that has a count for
// every one of keys, 0 for those without a row.
func ScanCounts(rows Rows, keys []int64) (map[int64]int, error) {
	out := make(map[int64]int, len(keys))
	for _, k := range keys {
		out[k] = 0
	}
	for rows.Next() {
		var k int64
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}

// ScanChannelIDs reads rows of a community ID and a channel ID and groups
// the channel IDs by community ID, in row order.
func ScanChannelIDs(rows Rows) (map[string][]string, error) {
	out := map[string][]string{}
	for rows.Next() {
		var community, channel string
		if err := rows.Scan(&community, &channel); err != nil {
			return nil, err
		}
		out[community] = append(out[community], channel)
	}
	return out, rows.Err()
}

// ScanSpecChanges reads rows of a time and the app's spec then in force;
// appID only names the app in a decoding error.
func ScanSpecChanges(rows Rows, appID string) ([]plaza.SpecChange, error) {
	out := []plaza.SpecChange{}
	for rows.Next() {
		var c plaza.SpecChange
		var spec string
		if err := rows.Scan(&c.At, &spec); err != nil {
			return nil, err
		}
		var err error
		if c.Spec, err = DecodeSpec(spec); err != nil {
			return nil, fmt.Errorf("app %s spec at %d: %w", appID, c.At, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ScanReactionUsers reads rows of a reaction's key and its user's ID, name
// and avatar URL, and returns the users and, apart, their reactions' keys
// (the page's cursor).
func ScanReactionUsers(rows Rows) ([]plaza.UserInfo, []int64, error) {
	users := []plaza.UserInfo{}
	var keys []int64
	for rows.Next() {
		var id int64
		var u plaza.UserInfo
		if err := rows.Scan(&id, &u.UserID, &u.UserName, &u.UserAvatarURL); err != nil {
			return nil, nil, err
		}
		users = append(users, u)
		keys = append(keys, id)
	}
	return users, keys, rows.Err()
}
