package postgres

import (
	"context"
	"strconv"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/rowcodec"
)

// pinnedBase lifts a pinned conversation's order key above every activity
// time: pinned conversations come first, the latest pinned first.
const pinnedBase = 1 << 50

// channelVisible is the condition that a user ($1, member row mb) sees
// channel ch, which is not a thread: public, or private and the user is the
// owner, an admin or listed.
const channelVisible = `(ch.channel_type <> 2 OR mb.role IN (1, 2)
	OR EXISTS (SELECT 1 FROM channel_members cm WHERE cm.channel_pk = ch.id AND cm.user_pk = $1))`

// visibleTo is the condition that a user ($1, member row mb) has a
// conversation in channel or thread ch: a channel it sees, or a thread it
// is a member of whose parent it sees.
const visibleTo = `(CASE WHEN ch.channel_type = 3
	THEN EXISTS (SELECT 1 FROM channel_members cm WHERE cm.channel_pk = ch.id AND cm.user_pk = $1) AND ` + parentVisible + `
	ELSE ` + channelVisible + ` END)`

// stateVisible is visibleTo for a conversation read from the user's own
// channel_states row st: a thread's rows are its members' only (JoinThread
// makes them, and SetReadSeq and SetConversationState make none for
// others), so a thread needs no membership test, only its parent's; one
// listing test at most, of the channel or of a thread's parent.
const stateVisible = `(ch.channel_type < 2 OR mb.role IN (1, 2) OR (ch.channel_type = 3 AND NOT ch.parent_private)
	OR EXISTS (SELECT 1 FROM channel_members cm
	           WHERE cm.channel_pk = CASE WHEN ch.channel_type = 3 THEN ch.parent_pk ELSE ch.id END AND cm.user_pk = $1))`

// conversationKeys selects the keys of a user's conversations ($1 is the
// user) that it sees; callers add their filter and order. The outer query
// then reads the page's rows in full, so that the last messages and
// communities are read for the page only.
var conversationKeys = `
	SELECT ch.id AS channel_pk, mb.community_pk AS community_pk, mb.role AS role, mb.notification_status AS community_status,
	       coalesce(st.read_seq, 0) AS read_seq, coalesce(st.notification_status, 2) AS status,
	       coalesce(st.draft, '') AS draft, coalesce(st.pinned_at, 0) AS pinned_at,
	       CASE WHEN coalesce(st.pinned_at, 0) > 0 THEN st.pinned_at + ` + strconv.FormatInt(pinnedBase, 10) + ` ELSE ch.last_at END AS order_key
	FROM members mb
	JOIN channels ch ON ch.community_pk = mb.community_pk
	LEFT JOIN channel_states st ON st.user_pk = mb.user_pk AND st.channel_pk = ch.id
	WHERE mb.user_pk = $1 AND ` + live("mb") + ` AND ` + visibleTo

// conversationFrom reads the rest of a conversation's columns: its channel,
// community, parent channel (for a thread) and last message.
const conversationFrom = `
	JOIN channels ch ON ch.id = p.channel_pk
	JOIN communities c ON c.id = p.community_pk
	LEFT JOIN channels par ON par.id = ch.parent_pk
	LEFT JOIN messages m ON m.channel_pk = ch.id AND m.seq = ch.last_seq`

// conversations runs a query of rowcodec.ConversationColumns.
func (q queries) conversations(ctx context.Context, query string, args ...any) ([]plaza.ChannelConversation, error) {
	rows, err := q.db.Query(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows([]plaza.ChannelConversation{}, rows, rowcodec.ScanConversation))
}

// ChannelConversations lists a user's conversations in one community's
// channels (never its threads), in channel order.
func (q queries) ChannelConversations(ctx context.Context, communityPK, userPK int64, after plaza.Cursor, limit int) ([]plaza.ChannelConversation, error) {
	var from int64
	if after.Valid {
		from = after.K1
	}
	return q.conversations(ctx, `
		WITH p AS (`+conversationKeys+` AND mb.community_pk = $2 AND ch.channel_type < 3 AND ch.id > $3 ORDER BY ch.id LIMIT $4)
		SELECT `+rowcodec.ConversationColumns+` FROM p`+conversationFrom+` ORDER BY p.channel_pk`,
		userPK, communityPK, from, limit)
}

// Conversations lists a user's conversations across its communities:
// pinned first, then by latest activity. One statement, so that the page is
// read from one snapshot: the page's keys come first, from the few pinned
// conversations (the partial index channel_states_pinned), from each
// community's channels by activity (channels_by_activity, which leaves
// threads out, read backwards and at most a page per community) and from
// the user's thread memberships (channel_members_by_user); only the page's
// rows are then read in full. The unpinned keys are not read when the pins
// fill the page.
func (q queries) Conversations(ctx context.Context, userPK int64, after plaza.Cursor, limit int) ([]plaza.ChannelConversation, error) {
	k1, k2 := int64(1<<62), int64(0)
	if after.Valid {
		k1, k2 = after.K1, after.K2
	}
	// An unpinned order key is an activity time, below pinnedBase, so the
	// cursor (k1, k2) bounds both kinds alike: after a pinned cursor every
	// unpinned conversation follows, after an unpinned one no pinned does.
	return q.conversations(ctx, `
		WITH pinned AS MATERIALIZED (
			SELECT st.channel_pk, st.pinned_at + `+strconv.FormatInt(pinnedBase, 10)+` AS order_key
			FROM channel_states st
			JOIN channels ch ON ch.id = st.channel_pk
			JOIN members mb ON mb.community_pk = ch.community_pk AND mb.user_pk = st.user_pk
			WHERE st.user_pk = $1 AND st.pinned_at > 0 AND `+live("mb")+` AND `+stateVisible+`
			  AND (st.pinned_at + `+strconv.FormatInt(pinnedBase, 10)+`, st.channel_pk) < ($2, $3)
			ORDER BY st.pinned_at DESC, st.channel_pk DESC LIMIT $4
		), k AS (
			SELECT channel_pk, order_key FROM pinned
			UNION ALL
			(SELECT a.id, a.last_at FROM members mb
			CROSS JOIN LATERAL (
				SELECT ch.id, ch.last_at FROM channels ch
				WHERE ch.community_pk = mb.community_pk AND ch.channel_type < 3 AND `+channelVisible+`
				  AND ch.id NOT IN (SELECT channel_pk FROM channel_states WHERE user_pk = $1 AND pinned_at > 0)
				  AND (ch.last_at, ch.id) < ($2, $3)
				ORDER BY ch.last_at DESC, ch.id DESC LIMIT $4
			) a
			WHERE mb.user_pk = $1 AND `+live("mb")+` AND (SELECT count(*) FROM pinned) < $4)
			UNION ALL
			(SELECT ch.id, ch.last_at FROM channel_members fm
			JOIN channels ch ON ch.id = fm.channel_pk
			JOIN members mb ON mb.community_pk = ch.community_pk AND mb.user_pk = $1
			WHERE fm.user_pk = $1 AND ch.channel_type = 3 AND `+live("mb")+` AND `+parentVisible+`
			  AND ch.id NOT IN (SELECT channel_pk FROM channel_states WHERE user_pk = $1 AND pinned_at > 0)
			  AND (ch.last_at, ch.id) < ($2, $3) AND (SELECT count(*) FROM pinned) < $4
			ORDER BY ch.last_at DESC, ch.id DESC LIMIT $4)
			ORDER BY order_key DESC, channel_pk DESC LIMIT $4
		), p AS (`+conversationKeys+` AND ch.id IN (SELECT channel_pk FROM k))
		SELECT `+rowcodec.ConversationColumns+` FROM p`+conversationFrom+` ORDER BY p.order_key DESC, p.channel_pk DESC`,
		userPK, k1, k2, limit)
}

// unreadIn sums a user's ($1) unread counts in the conversations in notify
// of one community (mb, its member row), channels and followed threads. It
// reads the conversations from channel_states_by_status, a range per
// community, and each channel by its key: no per-row membership test but a
// private channel's or a private parent's (stateVisible).
const unreadIn = `
	SELECT coalesce(sum(GREATEST(ch.last_seq - st.read_seq, 0)), 0)::bigint AS n
	FROM channel_states st
	JOIN channels ch ON ch.id = st.channel_pk
	WHERE st.user_pk = $1 AND st.notification_status = 1 AND st.community_pk = mb.community_pk
	  AND ` + stateVisible

// TotalUnread sums a user's unread counts in notify, channels and followed
// threads, in communities in notify.
func (q queries) TotalUnread(ctx context.Context, userPK int64) (int64, error) {
	var n int64
	err := q.db.QueryRow(ctx, `
		SELECT coalesce(sum(u.n), 0)::bigint
		FROM members mb CROSS JOIN LATERAL (`+unreadIn+`) u
		WHERE mb.user_pk = $1 AND mb.notification_status = 1 AND `+live("mb"),
		userPK).Scan(&n)
	return n, translate(err)
}

// Conversation reads one of a user's conversations.
func (q queries) Conversation(ctx context.Context, userPK, channelPK int64) (plaza.ChannelConversation, error) {
	cs, err := q.conversations(ctx, `
		WITH p AS (`+conversationKeys+` AND ch.id = $2)
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
// The read positions go in as two arrays, unnested side by side.
func (q queries) Mentions(ctx context.Context, userPK int64, reads []plaza.ReadPosition) (map[int64][]plaza.MentionedInfo, error) {
	out := map[int64][]plaza.MentionedInfo{}
	if len(reads) == 0 {
		return out, nil
	}
	channels := make([]int64, len(reads))
	seqs := make([]int64, len(reads))
	for i, r := range reads {
		channels[i], seqs[i] = r.ChannelPK, r.ReadSeq
	}
	rows, err := q.db.Query(ctx, `
		WITH r AS (SELECT * FROM unnest($2::bigint[], $3::bigint[]) AS r (channel_pk, read_seq)),
		x AS (
			SELECT channel_pk, seq, max(me) + 2 * max(everyone) AS type
			FROM (
				SELECT mn.channel_pk, mn.seq, 1 AS me, 0 AS everyone
				FROM r JOIN mentions mn ON mn.user_pk = $1 AND mn.channel_pk = r.channel_pk AND mn.seq > r.read_seq
				UNION ALL
				SELECT ma.channel_pk, ma.seq, 0, 1
				FROM r JOIN mention_alls ma ON ma.channel_pk = r.channel_pk AND ma.seq > r.read_seq
			) u
			GROUP BY channel_pk, seq
		)
		SELECT x.channel_pk, x.seq, x.type, m.message_id, m.sender_user_id
		FROM x JOIN messages m ON m.channel_pk = x.channel_pk AND m.seq = x.seq
		ORDER BY x.channel_pk, x.seq`, userPK, channels, seqs)
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
	rows, err := q.db.Query(ctx, `
		SELECT c.community_id, mb.notification_status, u.n, u.threads, u.mentions
		FROM members mb
		JOIN communities c ON c.id = mb.community_pk
		CROSS JOIN LATERAL (
			SELECT coalesce(sum(GREATEST(ch.last_seq - st.read_seq, 0)) FILTER (WHERE ch.channel_type < 3), 0)::bigint AS n,
			       coalesce(sum(GREATEST(ch.last_seq - st.read_seq, 0)) FILTER (WHERE ch.channel_type = 3), 0)::bigint AS threads,
			       coalesce(sum(
			           (SELECT count(*) FROM mentions mn
			            WHERE mn.user_pk = $1 AND mn.channel_pk = ch.id AND mn.seq > st.read_seq
			              AND NOT EXISTS (SELECT 1 FROM mention_alls ma WHERE ma.channel_pk = mn.channel_pk AND ma.seq = mn.seq))
			           + (SELECT count(*) FROM mention_alls ma WHERE ma.channel_pk = ch.id AND ma.seq > st.read_seq)
			       ) FILTER (WHERE ch.channel_type = 3 AND ch.last_seq > st.read_seq), 0)::bigint AS mentions
			FROM channel_states st
			JOIN channels ch ON ch.id = st.channel_pk
			WHERE st.user_pk = $1 AND st.notification_status = 1 AND st.community_pk = mb.community_pk
			  AND `+stateVisible+`
		) u
		WHERE mb.user_pk = $1 AND c.dismissed_at = 0`, userPK)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows([]plaza.CommunityUnread{}, rows, rowcodec.ScanCommunityUnread))
}

// UserMutes returns a user's member mutes by community.
func (q queries) UserMutes(ctx context.Context, userPK int64) (map[int64][]plaza.MemberMute, error) {
	rows, err := q.db.Query(ctx, `
		SELECT mm.community_pk, mm.channel_pk, coalesce(ch.channel_id, ''), mm.expire
		FROM member_mutes mm LEFT JOIN channels ch ON ch.id = mm.channel_pk
		WHERE mm.user_pk = $1 AND `+live("mm"), userPK)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.ScanUserMutes(rows))
}

// memberIfThread is the condition that the user $1 may have a conversation
// row in channel $2 (a row of channels): any channel, or a thread it is a
// member of. Nobody else carries a row for a thread (SPEC §6a).
const memberIfThread = `(channel_type <> 3 OR EXISTS (SELECT 1 FROM channel_members WHERE channel_pk = $2 AND user_pk = $1))`

// SetConversationState stores a user's settings of a conversation, keeping
// its read position; the row takes its community from the channel. One
// upsert: concurrent first settings do not conflict. In a thread only a
// member has a conversation: the settings of anyone else are not kept.
func (t *tx) SetConversationState(ctx context.Context, userPK, channelPK int64, st plaza.ConversationState) error {
	_, err := t.db.Exec(ctx, `
		INSERT INTO channel_states (user_pk, channel_pk, community_pk, read_seq, notification_status, draft, pinned_at)
		SELECT $1::bigint, id, community_pk, 0, $3::integer, $4::text, $5::bigint FROM channels WHERE id = $2 AND `+memberIfThread+`
		ON CONFLICT (user_pk, channel_pk) DO UPDATE SET
			notification_status = excluded.notification_status, draft = excluded.draft, pinned_at = excluded.pinned_at`,
		userPK, channelPK, st.NotificationStatus, st.Draft, st.PinnedTime)
	return translate(err)
}

// CountPinned counts a user's pinned conversations that it still sees: a
// pin in a private channel the user lost sight of (it was demoted from
// admin) cannot be unpinned, so it does not count against the limit.
//
// It first locks the user's row, so that transactions that count to pin
// take turns: the count, a statement of its own, then sees the pins of
// those that went before (at READ COMMITTED each statement reads what was
// committed when it starts). FOR NO KEY UPDATE leaves the row free to be
// referenced meanwhile.
func (t *tx) CountPinned(ctx context.Context, userPK int64) (int, error) {
	if _, err := t.db.Exec(ctx, `SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE`, userPK); err != nil {
		return 0, translate(err)
	}
	var n int
	err := t.db.QueryRow(ctx, `
		SELECT count(*) FROM channel_states st
		JOIN channels ch ON ch.id = st.channel_pk
		JOIN members mb ON mb.community_pk = ch.community_pk AND mb.user_pk = st.user_pk
		WHERE st.user_pk = $1 AND st.pinned_at > 0 AND `+live("mb")+` AND `+stateVisible, userPK).Scan(&n)
	return n, translate(err)
}

// SetMemberMute mutes a member, or lifts the mute when expire is 0.
func (t *tx) SetMemberMute(ctx context.Context, communityPK, userPK, channelPK, expire int64) error {
	if expire == 0 {
		_, err := t.db.Exec(ctx, `DELETE FROM member_mutes WHERE community_pk = $1 AND user_pk = $2 AND channel_pk = $3`,
			communityPK, userPK, channelPK)
		return translate(err)
	}
	// The mute takes the member's place in the member list (MutedMemberList).
	_, err := t.db.Exec(ctx, `
		INSERT INTO member_mutes (community_pk, user_pk, channel_pk, expire, role, member_pk)
		SELECT $1::bigint, $2::bigint, $3::bigint, $4::bigint, coalesce(m.role, 0), coalesce(m.id, 0)
		FROM (SELECT 1) one LEFT JOIN members m ON m.community_pk = $1 AND m.user_pk = $2
		ON CONFLICT (community_pk, user_pk, channel_pk) DO UPDATE SET
			expire = excluded.expire, role = excluded.role, member_pk = excluded.member_pk`,
		communityPK, userPK, channelPK, expire)
	return translate(err)
}
