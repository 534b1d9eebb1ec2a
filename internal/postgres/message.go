package postgres

import (
	"context"
	"math"
	"strconv"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/rowcodec"
)

// messages runs a query of rowcodec.MessageColumns and adds each message's
// reactions as viewerPK sees them. The channel ID is filled by the caller.
func (q queries) messages(ctx context.Context, viewerPK int64, query string, args ...any) ([]plaza.Message, error) {
	rows, err := q.db.Query(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	// The rows are closed before the reactions are read: that query uses
	// the same connection.
	out, err := rowcodec.ScanMessages(rows)
	rows.Close()
	if err != nil {
		return nil, translate(err)
	}
	if len(out) == 0 {
		return out, nil
	}
	return out, q.addReactions(ctx, out, viewerPK)
}

// notHidden is true of a message m the user $1 has not deleted for itself.
const notHidden = `NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_pk = $1 AND h.channel_pk = m.channel_pk AND h.seq = m.seq)`

// messageFrom is what rowcodec.MessageColumns and ThreadInfoColumns are
// read from: messages m, each with the thread th it opened if the viewer $1
// sees it (a private thread only its members do), by threads_by_root.
const messageFrom = `messages m LEFT JOIN channels th
	ON th.parent_pk = m.channel_pk AND th.root_seq = m.seq AND th.channel_type = 3 AND th.root_seq > 0
	AND (NOT th.is_private OR EXISTS (SELECT 1 FROM channel_members tm WHERE tm.channel_pk = th.id AND tm.user_pk = $1))`

// messageColumns are what rowcodec.ScanMessages reads.
const messageColumns = rowcodec.MessageColumns + `, ` + rowcodec.ThreadInfoColumns

// Message reads one message.
func (q queries) Message(ctx context.Context, channelPK, seq, viewerPK int64) (plaza.Message, error) {
	ms, err := q.messages(ctx, viewerPK, `SELECT `+messageColumns+` FROM `+messageFrom+`
		WHERE m.channel_pk = $2 AND m.seq = $3`, viewerPK, channelPK, seq)
	if err != nil {
		return plaza.Message{}, err
	}
	if len(ms) == 0 {
		return plaza.Message{}, plaza.ErrNotFound
	}
	return ms[0], nil
}

// Messages reads messages by seq, leaving out those the viewer deleted.
func (q queries) Messages(ctx context.Context, channelPK int64, seqs []int64, viewerPK int64) ([]plaza.Message, error) {
	if len(seqs) == 0 {
		return []plaza.Message{}, nil
	}
	return q.messages(ctx, viewerPK, `SELECT `+messageColumns+` FROM `+messageFrom+`
		WHERE m.channel_pk = $2 AND m.seq = ANY($3) AND `+notHidden+` ORDER BY m.seq`, viewerPK, channelPK, seqs)
}

// History reads a page of messages before or after a seq, oldest first.
func (q queries) History(ctx context.Context, channelPK, viewerPK, from int64, forward bool, limit int) ([]plaza.Message, error) {
	if forward {
		return q.messages(ctx, viewerPK, `SELECT `+messageColumns+` FROM `+messageFrom+`
			WHERE m.channel_pk = $2 AND m.seq > $3 AND `+notHidden+` ORDER BY m.seq LIMIT $4`, viewerPK, channelPK, from, limit)
	}
	if from <= 0 {
		from = math.MaxInt64
	}
	// The newest page below from, read newest first and then reversed.
	ms, err := q.messages(ctx, viewerPK, `SELECT `+messageColumns+` FROM `+messageFrom+`
		WHERE m.channel_pk = $2 AND m.seq < $3 AND `+notHidden+` ORDER BY m.seq DESC LIMIT $4`, viewerPK, channelPK, from, limit)
	for i, j := 0, len(ms)-1; i < j; i, j = i+1, j-1 {
		ms[i], ms[j] = ms[j], ms[i]
	}
	return ms, err
}

// MessageByClientID finds a sender's message by its client message ID.
func (q queries) MessageByClientID(ctx context.Context, channelPK, senderPK int64, clientMessageID string) (plaza.Message, error) {
	ms, err := q.messages(ctx, senderPK, `SELECT `+messageColumns+` FROM `+messageFrom+`
		WHERE m.channel_pk = $2 AND m.sender_pk = $1 AND m.client_message_id = $3`, senderPK, channelPK, clientMessageID)
	if err != nil {
		return plaza.Message{}, err
	}
	if len(ms) == 0 {
		return plaza.Message{}, plaza.ErrNotFound
	}
	return ms[0], nil
}

// Replies reads a page of a reply tree, oldest first.
func (q queries) Replies(ctx context.Context, channelPK, rootSeq, viewerPK int64, after plaza.Cursor, limit int) ([]plaza.Message, error) {
	return q.messages(ctx, viewerPK, `SELECT `+messageColumns+` FROM `+messageFrom+`
		WHERE m.channel_pk = $2 AND m.reply_root_seq = $3 AND m.seq > $4 AND `+notHidden+` ORDER BY m.seq LIMIT $5`,
		viewerPK, channelPK, rootSeq, after.K1, limit)
}

// addReactions fills each message's reaction summaries: per type, in the
// order types first appeared, the count, whether the viewer is in it, and
// the first reactors. One statement reads it all, so counts and previews
// agree: a row per previewed reactor, each group's first ones taken through
// the reactions_by_type index.
func (q queries) addReactions(ctx context.Context, ms []plaza.Message, viewerPK int64) error {
	bySeq := make(map[int64]*plaza.Message, len(ms))
	seqs := make([]int64, len(ms))
	for i := range ms {
		bySeq[ms[i].MessageSeq] = &ms[i]
		seqs[i] = ms[i].MessageSeq
	}
	rows, err := q.db.Query(ctx, `
		SELECT g.seq, g.reaction_type, g.n, g.mine, u.user_id, u.user_name, u.user_avatar_url
		FROM (
			SELECT seq, reaction_type, count(*) AS n, bool_or(user_pk = $1) AS mine, min(id) AS first
			FROM reactions WHERE channel_pk = $2 AND seq = ANY($3)
			GROUP BY seq, reaction_type
		) g
		CROSS JOIN LATERAL (
			SELECT r.id, r.user_pk FROM reactions r
			WHERE r.channel_pk = $2 AND r.seq = g.seq AND r.reaction_type = g.reaction_type
			ORDER BY r.id LIMIT `+strconv.Itoa(plaza.ReactionPreviewUsers)+`
		) p
		JOIN users u ON u.id = p.user_pk
		ORDER BY g.seq, g.first, p.id`, viewerPK, ms[0].ChannelPK, seqs)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	type key struct {
		seq int64
		typ string
	}
	index := map[key]int{}
	for rows.Next() {
		var seq, n int64
		var typ string
		var mine bool
		var u plaza.UserInfo
		if err := rows.Scan(&seq, &typ, &n, &mine, &u.UserID, &u.UserName, &u.UserAvatarURL); err != nil {
			return translate(err)
		}
		m := bySeq[seq]
		i, ok := index[key{seq, typ}]
		if !ok {
			i = len(m.Reactions)
			index[key{seq, typ}] = i
			m.Reactions = append(m.Reactions, plaza.Reaction{
				ReactionType: typ, TotalCount: n, IsSelfIncluded: mine, UserList: []plaza.UserInfo{},
			})
		}
		m.Reactions[i].UserList = append(m.Reactions[i].UserList, u)
	}
	return translate(rows.Err())
}

// Reactions summarises one message's reactions.
func (q queries) Reactions(ctx context.Context, channelPK, seq, viewerPK int64) ([]plaza.Reaction, error) {
	ms := []plaza.Message{{ChannelPK: channelPK, MessageSeq: seq, Reactions: []plaza.Reaction{}}}
	if err := q.addReactions(ctx, ms, viewerPK); err != nil {
		return nil, err
	}
	return ms[0].Reactions, nil
}

// ReactionUsers lists the users who reacted with one type, in order.
func (q queries) ReactionUsers(ctx context.Context, channelPK, seq int64, reactionType string, after plaza.Cursor, limit int) ([]plaza.UserInfo, []int64, error) {
	rows, err := q.db.Query(ctx, `
		SELECT r.id, u.user_id, u.user_name, u.user_avatar_url
		FROM reactions r JOIN users u ON u.id = r.user_pk
		WHERE r.channel_pk = $1 AND r.seq = $2 AND r.reaction_type = $3 AND r.id > $4
		ORDER BY r.id LIMIT $5`, channelPK, seq, reactionType, after.K1, limit)
	if err != nil {
		return nil, nil, translate(err)
	}
	defer rows.Close()
	users, keys, err := rowcodec.ScanReactionUsers(rows)
	return users, keys, translate(err)
}

// NextSeq advances a channel's last seq and its last activity; a thread's
// archive time follows its activity, in the same statement (the right-hand
// sides read the row as it was). The update locks the channel's row until
// the commit, which is what serialises the senders of one channel; last_at
// never goes back.
//
// Once the transaction holds the row, nobody else moves its seq: the next
// one is known without asking, and the update is queued like
// InsertMessage, so that the sends of a group after the first into a
// channel wait for no round trip of their own. The queued update checks
// the seq it was told (a division by zero fails the transaction if it
// differs).
func (t *tx) NextSeq(ctx context.Context, channelPK, now int64) (int64, error) {
	const update = `
		UPDATE channels SET last_seq = last_seq + 1, last_at = GREATEST(last_at, $2),
		       archive_at = CASE WHEN channel_type = 3 THEN GREATEST(last_at, $2) + auto_archive * 60000::bigint ELSE archive_at END
		WHERE id = $1 RETURNING last_seq`
	if last, ok := t.pipe.seqs[channelPK]; ok {
		t.pipe.seqs[channelPK] = last + 1
		t.pipe.later(update+` / CASE WHEN last_seq = $3 THEN 1 ELSE 0 END`, channelPK, now, last+1)
		return last + 1, nil
	}
	var seq int64
	if err := t.db.QueryRow(ctx, update, channelPK, now).Scan(&seq); err != nil {
		return 0, translate(err)
	}
	t.pipe.seqs[channelPK] = seq
	return seq, nil
}

// InsertMentions records a message's mentions.
func (t *tx) InsertMentions(ctx context.Context, channelPK, seq int64, userPKs []int64, all bool) error {
	if len(userPKs) == 0 && !all {
		return nil
	}
	_, err := t.db.Exec(ctx, `
		WITH everyone AS (
			INSERT INTO mention_alls (channel_pk, seq) SELECT $1, $2 WHERE $4 ON CONFLICT DO NOTHING
		)
		INSERT INTO mentions (user_pk, channel_pk, seq) SELECT u, $1, $2 FROM unnest($3::bigint[]) AS u
		ON CONFLICT DO NOTHING`, channelPK, seq, userPKs, all)
	return translate(err)
}

// DeleteMentions forgets a message's mentions.
func (t *tx) DeleteMentions(ctx context.Context, channelPK, seq int64) error {
	_, err := t.db.Exec(ctx, `
		WITH everyone AS (DELETE FROM mention_alls WHERE channel_pk = $1 AND seq = $2)
		DELETE FROM mentions WHERE channel_pk = $1 AND seq = $2`, channelPK, seq)
	return translate(err)
}

// InsertMessage stores a message.
func (t *tx) InsertMessage(ctx context.Context, m *plaza.Message) error {
	c, err := rowcodec.EncodeContent(m)
	if err != nil {
		return err
	}
	var root int64
	if m.RepliedInfo != nil {
		root = m.RepliedInfo.RootMessageSeq
	}
	// Queued: it goes with the next statement or the commit, so that a send
	// holds its channel's seq lock for fewer round trips.
	t.pipe.later(`
		INSERT INTO messages (channel_pk, seq, message_id, sender_pk, sender_user_id, type, content, client_message_id,
		                      created_at, edited_at, reply_root_seq, reply_count)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0)`,
		m.ChannelPK, m.MessageSeq, m.ID, m.SenderPK, m.SenderUserID, int64(m.Type), c, m.ClientMessageID,
		m.Timestamp, m.EditedTime, root)
	return nil
}

// UpdateMessage stores a message's new content (an edit or a revoke).
func (t *tx) UpdateMessage(ctx context.Context, m plaza.Message) error {
	c, err := rowcodec.EncodeContent(&m)
	if err != nil {
		return err
	}
	_, err = t.db.Exec(ctx, `UPDATE messages SET type = $1, content = $2, edited_at = $3 WHERE channel_pk = $4 AND seq = $5`,
		int64(m.Type), c, m.EditedTime, m.ChannelPK, m.MessageSeq)
	return translate(err)
}

// AddReplyCount adds to a tree root's reply count, in one statement so that
// concurrent replies never lose a count.
func (t *tx) AddReplyCount(ctx context.Context, channelPK, rootSeq, n int64) error {
	_, err := t.db.Exec(ctx, `UPDATE messages SET reply_count = reply_count + $1 WHERE channel_pk = $2 AND seq = $3`,
		n, channelPK, rootSeq)
	return translate(err)
}

// HideMessages deletes messages for one user.
func (t *tx) HideMessages(ctx context.Context, userPK, channelPK int64, seqs []int64) error {
	if len(seqs) == 0 {
		return nil
	}
	_, err := t.db.Exec(ctx, `
		INSERT INTO hidden_messages (user_pk, channel_pk, seq) SELECT $1, $2, s FROM unnest($3::bigint[]) AS s
		ON CONFLICT DO NOTHING`, userPK, channelPK, seqs)
	return translate(err)
}

// AddReaction records a reaction. A concurrent insert of the same reaction
// waits on the unique index and then does nothing, so exactly one is new.
func (t *tx) AddReaction(ctx context.Context, channelPK, seq int64, reactionType string, userPK, now int64) (bool, error) {
	return affected(t.db.Exec(ctx, `
		INSERT INTO reactions (channel_pk, seq, reaction_type, user_pk, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT DO NOTHING`, channelPK, seq, reactionType, userPK, now))
}

// DeleteReaction removes a reaction.
func (t *tx) DeleteReaction(ctx context.Context, channelPK, seq int64, reactionType string, userPK int64) (bool, error) {
	return affected(t.db.Exec(ctx, `
		DELETE FROM reactions WHERE channel_pk = $1 AND seq = $2 AND reaction_type = $3 AND user_pk = $4`,
		channelPK, seq, reactionType, userPK))
}
