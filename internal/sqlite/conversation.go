package sqlite

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/rowcodec"
)

// pinnedBase lifts a pinned conversation's order key above every activity
// time: pinned conversations come first, the latest pinned first.
const pinnedBase = 1 << 50

// channelVisible is the condition that a user (?1, member row mb) sees
// channel ch, which is not a thread: public, or private and the user is the
// owner, an admin or listed.
const channelVisible = `(ch.channel_type != 2 OR mb.role IN (1, 2)
	OR EXISTS (SELECT 1 FROM channel_members cm WHERE cm.channel_pk = ch.id AND cm.user_pk = ?1))`

// visibleTo is the condition that a user (?1, member row mb) has a
// conversation in channel or thread ch: a channel it sees, or a thread it
// is a member of whose parent it sees.
const visibleTo = `(CASE ch.channel_type
	WHEN 3 THEN EXISTS (SELECT 1 FROM channel_members cm WHERE cm.channel_pk = ch.id AND cm.user_pk = ?1) AND ` + parentVisible + `
	ELSE ` + channelVisible + ` END)`

// stateVisible is visibleTo for a conversation read from the user's own
// channel_states row st: a thread's rows are its members' only (JoinThread
// makes them, and SetReadSeq and SetConversationState make none for
// others), so a thread needs no membership test, only its parent's; one
// listing test at most, of the channel or of a thread's parent.
const stateVisible = `(ch.channel_type < 2 OR mb.role IN (1, 2) OR (ch.channel_type = 3 AND ch.parent_private = 0)
	OR EXISTS (SELECT 1 FROM channel_members cm
	           WHERE cm.channel_pk = CASE ch.channel_type WHEN 3 THEN ch.parent_pk ELSE ch.id END AND cm.user_pk = ?1))`

// conversationSelect is what conversationKeys and conversationsOf select.
var conversationSelect = `
	SELECT ch.id AS channel_pk, mb.community_pk AS community_pk, mb.role AS role, mb.notification_status AS community_status,
	       coalesce(st.read_seq, 0) AS read_seq, coalesce(st.notification_status, 2) AS status,
	       coalesce(st.draft, '') AS draft, coalesce(st.pinned_at, 0) AS pinned_at,
	       CASE WHEN coalesce(st.pinned_at, 0) > 0 THEN st.pinned_at + ` + strconv.FormatInt(pinnedBase, 10) + ` ELSE ch.last_at END AS order_key`

// conversationKeys selects the keys of a user's conversations (?1 is the
// user) that it sees; callers add their filter and order. The outer query
// then reads the page's rows in full, so that the last messages and
// communities are read for the page only.
var conversationKeys = conversationSelect + `
	FROM members mb
	JOIN channels ch ON ch.community_pk = mb.community_pk
	LEFT JOIN channel_states st ON st.user_pk = mb.user_pk AND st.channel_pk = ch.id
	WHERE mb.user_pk = ?1 AND ` + live("mb") + ` AND ` + visibleTo

// conversationsOf is conversationKeys for channels the caller names by key
// (it adds "AND ch.id …"): each channel is read by its key, then the user's
// member row of its community, rather than every channel of the user's
// communities (which SQLite would otherwise choose for a list of keys).
var conversationsOf = conversationSelect + `
	FROM channels ch
	CROSS JOIN members mb ON mb.community_pk = ch.community_pk AND mb.user_pk = ?1
	LEFT JOIN channel_states st ON st.user_pk = mb.user_pk AND st.channel_pk = ch.id
	WHERE ` + live("mb") + ` AND ` + visibleTo

// conversationFrom reads the rest of a conversation's columns: its channel,
// community, parent channel (for a thread) and last message.
const conversationFrom = `
	JOIN channels ch ON ch.id = p.channel_pk
	JOIN communities c ON c.id = p.community_pk
	LEFT JOIN channels par ON par.id = ch.parent_pk
	LEFT JOIN messages m ON m.channel_pk = ch.id AND m.seq = ch.last_seq`

// conversations runs a query of rowcodec.ConversationColumns.
func (q queries) conversations(ctx context.Context, query string, args ...any) ([]plaza.ChannelConversation, error) {
	rows, err := q.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows([]plaza.ChannelConversation{}, rows, rowcodec.ScanConversation))
}

// ChannelConversations lists a user's conversations in one community's
// channels (never its threads), in channel order.
func (q queries) ChannelConversations(ctx context.Context, communityPK, userPK int64, after plaza.Cursor, limit int) ([]plaza.ChannelConversation, error) {
	return q.conversations(ctx, `
		WITH p AS (`+conversationKeys+` AND mb.community_pk = ?2 AND ch.channel_type < 3 AND ch.id > ?3 ORDER BY ch.id LIMIT ?4)
		SELECT `+rowcodec.ConversationColumns+` FROM p`+conversationFrom+` ORDER BY p.channel_pk`,
		userPK, communityPK, after.K1, limit)
}

// Conversations lists a user's conversations across its communities:
// pinned first, then by latest activity. The page's keys come first, from
// the few pinned conversations, from the channels' activity alone
// (channels_by_activity, which leaves threads out) and from the user's
// thread memberships; only the page's rows are then read in full.
func (q queries) Conversations(ctx context.Context, userPK int64, after plaza.Cursor, limit int) ([]plaza.ChannelConversation, error) {
	k1, k2 := int64(1<<62), int64(0)
	if after.Valid {
		k1, k2 = after.K1, after.K2
	}
	var ids []int64
	if k1 >= pinnedBase {
		pinned, err := q.int64s(ctx, `
			SELECT ch.id FROM channel_states st INDEXED BY channel_states_pinned
			JOIN channels ch ON ch.id = st.channel_pk
			JOIN members mb ON mb.community_pk = ch.community_pk AND mb.user_pk = st.user_pk
			WHERE st.user_pk = ?1 AND st.pinned_at > 0 AND `+live("mb")+` AND `+stateVisible+`
			  AND (st.pinned_at + ?2, ch.id) < (?3, ?4)
			ORDER BY st.pinned_at DESC, ch.id DESC LIMIT ?5`, userPK, pinnedBase, k1, k2, limit)
		if err != nil {
			return nil, err
		}
		ids = pinned
		k1, k2 = pinnedBase, 0 // the others follow the pinned ones
	}
	if len(ids) < limit {
		const unpinned = `ch.id NOT IN (SELECT channel_pk FROM channel_states INDEXED BY channel_states_pinned
			WHERE user_pk = ?1 AND pinned_at > 0) AND (ch.last_at, ch.id) < (?2, ?3)`
		rest, err := q.int64s(ctx, `
			SELECT id FROM (
				SELECT ch.id AS id, ch.last_at AS last_at FROM members mb
				JOIN channels ch INDEXED BY channels_by_activity ON ch.community_pk = mb.community_pk
				WHERE mb.user_pk = ?1 AND `+live("mb")+` AND ch.channel_type < 3 AND `+channelVisible+` AND `+unpinned+`
				UNION ALL
				SELECT ch.id, ch.last_at FROM channel_members fm INDEXED BY channel_members_by_user
				CROSS JOIN channels ch ON ch.id = fm.channel_pk
				JOIN members mb ON mb.community_pk = ch.community_pk AND mb.user_pk = ?1
				WHERE fm.user_pk = ?1 AND ch.channel_type = 3 AND `+live("mb")+` AND `+parentVisible+` AND `+unpinned+`
			)
			ORDER BY last_at DESC, id DESC LIMIT ?4`, userPK, k1, k2, limit-len(ids))
		if err != nil {
			return nil, err
		}
		ids = append(ids, rest...)
	}
	if len(ids) == 0 {
		return []plaza.ChannelConversation{}, nil
	}
	args := []any{userPK}
	in := make([]string, len(ids))
	for i, id := range ids {
		in[i] = fmt.Sprintf("?%d", i+2)
		args = append(args, id)
	}
	return q.conversations(ctx, `
		WITH p AS (`+conversationsOf+` AND ch.id IN (`+strings.Join(in, ", ")+`))
		SELECT `+rowcodec.ConversationColumns+` FROM p`+conversationFrom+` ORDER BY p.order_key DESC, p.channel_pk DESC`, args...)
}

func (q queries) int64s(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := q.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, translate(err)
		}
		out = append(out, v)
	}
	return out, translate(rows.Err())
}

// unreadIn sums a user's (?1) unread counts in the conversations in notify
// of one community (mb, its member row), channels and followed threads. It
// reads the conversations from channel_states_by_status, a range per
// community, and each channel by its key: no per-row membership test but a
// private channel's or a private parent's (stateVisible).
const unreadIn = `
	SELECT coalesce(sum(max(ch.last_seq - st.read_seq, 0)), 0)
	FROM channel_states st INDEXED BY channel_states_by_status
	CROSS JOIN channels ch ON ch.id = st.channel_pk
	WHERE st.user_pk = ?1 AND st.notification_status = 1 AND st.community_pk = mb.community_pk AND ` + stateVisible

// TotalUnread sums a user's unread counts in notify, channels and followed
// threads, in communities in notify.
func (q queries) TotalUnread(ctx context.Context, userPK int64) (int64, error) {
	var n int64
	err := q.db.QueryRowContext(ctx, `
		SELECT coalesce(sum((`+unreadIn+`)), 0)
		FROM members mb WHERE mb.user_pk = ?1 AND mb.notification_status = 1 AND `+live("mb"),
		userPK).Scan(&n)
	return n, translate(err)
}

// Conversation reads one of a user's conversations.
func (q queries) Conversation(ctx context.Context, userPK, channelPK int64) (plaza.ChannelConversation, error) {
	cs, err := q.conversations(ctx, `
		WITH p AS (`+conversationsOf+` AND ch.id = ?2)
		SELECT `+rowcodec.ConversationColumns+` FROM p`+conversationFrom, userPK, channelPK)
	if err != nil {
		return plaza.ChannelConversation{}, err
	}
	if len(cs) == 0 {
		return plaza.ChannelConversation{}, plaza.ErrNotFound
	}
	return cs[0], nil
}

// Mentions returns the unread messages that mention a user, per channel.
func (q queries) Mentions(ctx context.Context, userPK int64, reads []plaza.ReadPosition) (map[int64][]plaza.MentionedInfo, error) {
	out := map[int64][]plaza.MentionedInfo{}
	if len(reads) == 0 {
		return out, nil
	}
	// Numbered parameters throughout: a bare "?" after "?1" in the text
	// would not mean the next argument.
	args := []any{userPK}
	values := make([]string, len(reads))
	for i, r := range reads {
		values[i] = fmt.Sprintf("(?%d, ?%d)", 2+2*i, 3+2*i)
		args = append(args, r.ChannelPK, r.ReadSeq)
	}
	rows, err := q.db.QueryContext(ctx, `
		WITH r(channel_pk, read_seq) AS (VALUES `+strings.Join(values, ", ")+`)
		SELECT x.channel_pk, x.seq, max(x.me) + 2 * max(x.everyone), m.message_id, m.sender_user_id
		FROM (
			SELECT mn.channel_pk, mn.seq, 1 AS me, 0 AS everyone
			FROM r JOIN mentions mn ON mn.user_pk = ?1 AND mn.channel_pk = r.channel_pk AND mn.seq > r.read_seq
			UNION ALL
			SELECT ma.channel_pk, ma.seq, 0, 1
			FROM r JOIN mention_alls ma ON ma.channel_pk = r.channel_pk AND ma.seq > r.read_seq
		) x JOIN messages m ON m.channel_pk = x.channel_pk AND m.seq = x.seq
		GROUP BY x.channel_pk, x.seq ORDER BY x.channel_pk, x.seq`, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.ScanMentions(rows))
}

// UnreadByCommunity sums a user's unread counts in notify, per community:
// of its channels, of its followed threads, and the unread messages of
// those threads that mention it. One pass over the user's conversations in
// notify, as in TotalUnread, sums all three.
func (q queries) UnreadByCommunity(ctx context.Context, userPK int64) ([]plaza.CommunityUnread, error) {
	rows, err := q.db.QueryContext(ctx, `
		SELECT c.community_id, mb.notification_status,
		       coalesce(sum(CASE WHEN ch.channel_type < 3 THEN max(ch.last_seq - st.read_seq, 0) END), 0),
		       coalesce(sum(CASE WHEN ch.channel_type = 3 THEN max(ch.last_seq - st.read_seq, 0) END), 0),
		       coalesce(sum(CASE WHEN ch.channel_type = 3 AND ch.last_seq > st.read_seq THEN
		           (SELECT count(*) FROM mentions mn
		            WHERE mn.user_pk = ?1 AND mn.channel_pk = ch.id AND mn.seq > st.read_seq
		              AND NOT EXISTS (SELECT 1 FROM mention_alls ma WHERE ma.channel_pk = mn.channel_pk AND ma.seq = mn.seq))
		           + (SELECT count(*) FROM mention_alls ma WHERE ma.channel_pk = ch.id AND ma.seq > st.read_seq)
		       END), 0)
		FROM members mb JOIN communities c ON c.id = mb.community_pk
		LEFT JOIN channel_states st INDEXED BY channel_states_by_status
		       ON st.user_pk = ?1 AND st.notification_status = 1 AND st.community_pk = mb.community_pk
		LEFT JOIN channels ch ON ch.id = st.channel_pk AND `+stateVisible+`
		WHERE mb.user_pk = ?1 AND c.dismissed_at = 0
		GROUP BY mb.id`, userPK)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows([]plaza.CommunityUnread{}, rows, rowcodec.ScanCommunityUnread))
}

// UserMutes returns a user's member mutes by community.
func (q queries) UserMutes(ctx context.Context, userPK int64) (map[int64][]plaza.MemberMute, error) {
	rows, err := q.db.QueryContext(ctx, `
		SELECT mm.community_pk, mm.channel_pk, coalesce(ch.channel_id, ''), mm.expire
		FROM member_mutes mm LEFT JOIN channels ch ON ch.id = mm.channel_pk
		WHERE mm.user_pk = ? AND `+live("mm"), userPK)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.ScanUserMutes(rows))
}

// memberIfThread is the condition that the user ?1 may have a conversation
// row in channel ?2 (a row of channels): any channel, or a thread it is a
// member of. Nobody else carries a row for a thread (SPEC §6a).
const memberIfThread = `(channel_type != 3 OR EXISTS (SELECT 1 FROM channel_members WHERE channel_pk = ?2 AND user_pk = ?1))`

// SetConversationState stores a user's settings of a conversation. In a
// thread only a member has one: the settings of anyone else are not kept.
func (t *tx) SetConversationState(ctx context.Context, userPK, channelPK int64, st plaza.ConversationState) error {
	_, err := t.db.ExecContext(ctx, `
		INSERT INTO channel_states (user_pk, channel_pk, community_pk, read_seq, notification_status, draft, pinned_at)
		SELECT ?1, id, community_pk, 0, ?3, ?4, ?5 FROM channels WHERE id = ?2 AND `+memberIfThread+`
		ON CONFLICT (user_pk, channel_pk) DO UPDATE SET
			notification_status = excluded.notification_status, draft = excluded.draft, pinned_at = excluded.pinned_at`,
		userPK, channelPK, st.NotificationStatus, st.Draft, st.PinnedTime)
	return translate(err)
}

// CountPinned counts a user's pinned conversations that it still sees: a
// pin in a private channel the user lost sight of (it was demoted from
// admin) cannot be unpinned, so it does not count against the limit.
func (t *tx) CountPinned(ctx context.Context, userPK int64) (int, error) {
	var n int
	err := t.db.QueryRowContext(ctx, `
		SELECT count(*) FROM channel_states st INDEXED BY channel_states_pinned
		JOIN channels ch ON ch.id = st.channel_pk
		JOIN members mb ON mb.community_pk = ch.community_pk AND mb.user_pk = st.user_pk
		WHERE st.user_pk = ?1 AND st.pinned_at > 0 AND `+live("mb")+` AND `+stateVisible, userPK).Scan(&n)
	return n, translate(err)
}

// SetMemberMute mutes a member, or lifts the mute when expire is 0.
func (t *tx) SetMemberMute(ctx context.Context, communityPK, userPK, channelPK, expire int64) error {
	if expire == 0 {
		_, err := t.db.ExecContext(ctx, `DELETE FROM member_mutes WHERE community_pk = ? AND user_pk = ? AND channel_pk = ?`,
			communityPK, userPK, channelPK)
		return translate(err)
	}
	// The mute takes the member's place in the member list (MutedMemberList).
	_, err := t.db.ExecContext(ctx, `
		INSERT INTO member_mutes (community_pk, user_pk, channel_pk, expire, role, member_pk)
		SELECT ?1, ?2, ?3, ?4, coalesce(m.role, 0), coalesce(m.id, 0)
		FROM (SELECT 1) LEFT JOIN members m ON m.community_pk = ?1 AND m.user_pk = ?2 WHERE true
		ON CONFLICT (community_pk, user_pk, channel_pk) DO UPDATE SET
			expire = excluded.expire, role = excluded.role, member_pk = excluded.member_pk`,
		communityPK, userPK, channelPK, expire)
	return translate(err)
}
