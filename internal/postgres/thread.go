package postgres

import (
	"context"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/rowcodec"
)

// A thread is a row of channels with channel_type 3; its lists read the
// partial indexes of migration 0002 (threads_by_activity, threads_by_archive,
// threads_by_root), whose condition each query implies.

// threadFrom is channelFrom with the thread's last message m.
const threadFrom = channelFrom + ` LEFT JOIN messages m ON m.channel_pk = ch.id AND m.seq = ch.last_seq`

// threadColumns are what rowcodec.ScanThread reads.
const threadColumns = rowcodec.ChannelColumns + `, ` + rowcodec.MessageColumns

// parentVisible is the condition that the user $1, member mb of the
// community, sees the parent channel of thread ch: public, or private and
// the user is the owner, an admin or listed in it.
const parentVisible = `(NOT ch.parent_private OR mb.role IN (1, 2)
	OR EXISTS (SELECT 1 FROM channel_members pm WHERE pm.channel_pk = ch.parent_pk AND pm.user_pk = $1))`

func (q queries) threads(ctx context.Context, query string, args ...any) ([]plaza.Channel, error) {
	rows, err := q.db.Query(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows([]plaza.Channel{}, rows, rowcodec.ScanThread))
}

// ThreadByRoot reads the thread opened from a message.
func (q queries) ThreadByRoot(ctx context.Context, parentPK, rootSeq int64) (plaza.Channel, error) {
	return scanned(rowcodec.ScanChannel(q.db.QueryRow(ctx, `
		SELECT `+rowcodec.ChannelColumns+` FROM `+channelFrom+`
		WHERE ch.parent_pk = $1 AND ch.root_seq = $2 AND ch.channel_type = 3 AND ch.root_seq > 0`, parentPK, rootSeq)))
}

// Threads lists the threads of a channel that a user sees, active ones by
// activity (threads_by_activity), archived ones by archive time
// (threads_by_archive), newest first.
func (q queries) Threads(ctx context.Context, parentPK, viewerPK int64, all, archived bool, now int64, after plaza.Cursor, limit int) ([]plaza.Channel, error) {
	k1, k2 := int64(1<<62), int64(0)
	if after.Valid {
		k1, k2 = after.K1, after.K2
	}
	const visible = `(NOT ch.is_private OR $2::boolean
		OR EXISTS (SELECT 1 FROM channel_members cm WHERE cm.channel_pk = ch.id AND cm.user_pk = $3))`
	if archived {
		return q.threads(ctx, `
			SELECT `+threadColumns+` FROM `+threadFrom+`
			WHERE ch.parent_pk = $1 AND ch.channel_type = 3 AND ch.archive_at <= $4 AND (ch.archive_at, ch.id) < ($5, $6)
			  AND `+visible+`
			ORDER BY ch.archive_at DESC, ch.id DESC LIMIT $7`,
			parentPK, all, viewerPK, now, k1, k2, limitOrAll(limit))
	}
	return q.threads(ctx, `
		SELECT `+threadColumns+` FROM `+threadFrom+`
		WHERE ch.parent_pk = $1 AND ch.channel_type = 3 AND ch.archive_at > $4 AND (ch.last_at, ch.id) < ($5, $6)
		  AND `+visible+`
		ORDER BY ch.last_at DESC, ch.id DESC LIMIT $7`,
		parentPK, all, viewerPK, now, k1, k2, limitOrAll(limit))
}

// FollowedThreads lists the threads a user is a member of, whose parent it
// sees, newest activity first. The page's keys come first, from the user's
// memberships (channel_members_by_user) and each thread by its key; only the
// page's rows are then read in full.
func (q queries) FollowedThreads(ctx context.Context, userPK, communityPK int64, after plaza.Cursor, limit int) ([]plaza.FollowedThread, error) {
	k1, k2 := int64(1<<62), int64(0)
	if after.Valid {
		k1, k2 = after.K1, after.K2
	}
	rows, err := q.db.Query(ctx, `
		WITH k AS MATERIALIZED (
			SELECT ch.id, ch.last_at FROM channel_members fm
			JOIN channels ch ON ch.id = fm.channel_pk
			JOIN members mb ON mb.community_pk = ch.community_pk AND mb.user_pk = $1
			WHERE fm.user_pk = $1 AND ch.channel_type = 3 AND ($2::bigint = 0 OR ch.community_pk = $2)
			  AND (ch.last_at, ch.id) < ($3, $4) AND `+live("mb")+` AND `+parentVisible+`
			ORDER BY ch.last_at DESC, ch.id DESC LIMIT $5)
		SELECT `+threadColumns+`, coalesce(st.read_seq, 0), coalesce(st.notification_status, 2)
		FROM k CROSS JOIN `+threadFrom+`
		LEFT JOIN channel_states st ON st.user_pk = $1 AND st.channel_pk = ch.id
		WHERE ch.id = k.id
		ORDER BY k.last_at DESC, k.id DESC`,
		userPK, communityPK, k1, k2, limitOrAll(limit))
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows([]plaza.FollowedThread{}, rows, rowcodec.ScanFollowedThread))
}

// ThreadMembers lists a thread's members in the order they joined
// (channel_members_by_time).
func (q queries) ThreadMembers(ctx context.Context, communityPK, threadPK int64, after plaza.Cursor, limit int) ([]plaza.ThreadMember, error) {
	rows, err := q.db.Query(ctx, `
		SELECT u.user_id, u.user_name, u.user_avatar_url, m.role, cm.added_at, cm.user_pk
		FROM channel_members cm
		JOIN users u ON u.id = cm.user_pk
		JOIN members m ON m.community_pk = $1 AND m.user_pk = cm.user_pk
		WHERE cm.channel_pk = $2 AND (cm.added_at, cm.user_pk) > ($3, $4)
		ORDER BY cm.added_at, cm.user_pk LIMIT $5`,
		communityPK, threadPK, after.K1, after.K2, limitOrAll(limit))
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows([]plaza.ThreadMember{}, rows, rowcodec.ScanThreadMember))
}

// CountActiveThreads counts a channel's threads not archived at now
// (threads_by_archive).
func (t *tx) CountActiveThreads(ctx context.Context, parentPK, now int64) (int, error) {
	var n int
	err := t.db.QueryRow(ctx, `
		SELECT count(*) FROM channels WHERE parent_pk = $1 AND channel_type = 3 AND archive_at > $2`,
		parentPK, now).Scan(&n)
	return n, translate(err)
}

// JoinThread makes a user a member of a thread, its conversation there in
// notify and read up to readSeq, in one statement. No conversation row of a
// non-member can be there (SetReadSeq and SetConversationState keep none);
// were one there, its read position would not move back. A
// concurrent join of the same user waits on the membership's key and then
// does nothing, so exactly one joins.
func (t *tx) JoinThread(ctx context.Context, threadPK, userPK, readSeq, now int64) (bool, error) {
	var joined bool
	err := t.db.QueryRow(ctx, `
		WITH joined AS (
		       INSERT INTO channel_members (channel_pk, user_pk, added_at) VALUES ($1, $2, $4)
		       ON CONFLICT DO NOTHING RETURNING 1),
		     state AS (
		       INSERT INTO channel_states (user_pk, channel_pk, community_pk, read_seq, notification_status)
		       SELECT $2::bigint, id, community_pk, $3::bigint, 1 FROM channels WHERE id = $1 AND EXISTS (SELECT 1 FROM joined)
		       ON CONFLICT (user_pk, channel_pk) DO UPDATE
		       SET read_seq = GREATEST(channel_states.read_seq, excluded.read_seq), notification_status = 1)
		SELECT EXISTS (SELECT 1 FROM joined)`, threadPK, userPK, readSeq, now).Scan(&joined)
	return joined, translate(err)
}

// LeaveThread removes a user from a thread's members and forgets its
// conversation there.
func (t *tx) LeaveThread(ctx context.Context, threadPK, userPK int64) (bool, error) {
	return t.RemoveChannelMember(ctx, threadPK, userPK)
}

// LeaveThreads removes a user from every thread of a channel, lowering their
// member counts, and returns their IDs in creation order. The threads are
// locked first, in key order, as DeleteMembers locks its channels, so that
// only the memberships this statement deletes lower a count.
func (t *tx) LeaveThreads(ctx context.Context, parentPK, userPK int64) ([]string, error) {
	_, err := t.db.Exec(ctx, `
		SELECT ch.id FROM channels ch JOIN channel_members cm ON cm.channel_pk = ch.id
		WHERE cm.user_pk = $2 AND ch.parent_pk = $1 AND ch.channel_type = 3
		ORDER BY ch.id FOR NO KEY UPDATE OF ch`, parentPK, userPK)
	if err != nil {
		return nil, translate(err)
	}
	rows, err := t.db.Query(ctx, `
		WITH gone AS (
		       DELETE FROM channel_members cm USING channels ch
		       WHERE cm.user_pk = $2 AND ch.id = cm.channel_pk AND ch.parent_pk = $1 AND ch.channel_type = 3
		       RETURNING cm.channel_pk),
		     states AS (DELETE FROM channel_states WHERE user_pk = $2 AND channel_pk IN (SELECT channel_pk FROM gone)),
		     counts AS (UPDATE channels SET member_count = member_count - 1 WHERE id IN (SELECT channel_pk FROM gone))
		SELECT channel_id FROM channels WHERE id IN (SELECT channel_pk FROM gone) ORDER BY id`, parentPK, userPK)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows([]string{}, rows, rowcodec.ScanString))
}
