package sqlite

import (
	"context"
	"strconv"
	"strings"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/rowcodec"
)

// messages runs a query of rowcodec.MessageColumns and adds each message's
// reactions as viewerPK sees them. The channel ID is filled by the caller.
func (q queries) messages(ctx context.Context, viewerPK int64, query string, args ...any) ([]plaza.Message, error) {
	rows, err := q.db.QueryContext(ctx, query, args...)
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

// notHidden is true of a message m the viewer ?2 has not deleted for
// itself.
const notHidden = `NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_pk = ?2 AND h.channel_pk = m.channel_pk AND h.seq = m.seq)`

// messageFrom is what rowcodec.MessageColumns and ThreadInfoColumns are
// read from: messages m, each with the thread th it opened if the viewer ?2
// sees it (a private thread only its members do), by threads_by_root.
const messageFrom = `messages m LEFT JOIN channels th
	ON th.parent_pk = m.channel_pk AND th.root_seq = m.seq AND th.channel_type = 3 AND th.root_seq > 0
	AND (NOT th.is_private OR EXISTS (SELECT 1 FROM channel_members tm WHERE tm.channel_pk = th.id AND tm.user_pk = ?2))`

// messageColumns are what rowcodec.ScanMessages reads.
const messageColumns = rowcodec.MessageColumns + `, ` + rowcodec.ThreadInfoColumns

// Message reads one message.
func (q queries) Message(ctx context.Context, channelPK, seq, viewerPK int64) (plaza.Message, error) {
	ms, err := q.messages(ctx, viewerPK, `SELECT `+messageColumns+` FROM `+messageFrom+`
		WHERE m.channel_pk = ?1 AND m.seq = ?3`, channelPK, viewerPK, seq)
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
	args := []any{channelPK, viewerPK}
	in := make([]string, len(seqs))
	for i, s := range seqs {
		in[i] = "?" + strconv.Itoa(i+3)
		args = append(args, s)
	}
	return q.messages(ctx, viewerPK, `SELECT `+messageColumns+` FROM `+messageFrom+`
		WHERE m.channel_pk = ?1 AND `+notHidden+` AND m.seq IN (`+strings.Join(in, ", ")+`) ORDER BY m.seq`, args...)
}

// History reads a page of messages before or after a seq, oldest first.
func (q queries) History(ctx context.Context, channelPK, viewerPK, from int64, forward bool, limit int) ([]plaza.Message, error) {
	if forward {
		return q.messages(ctx, viewerPK, `SELECT `+messageColumns+` FROM `+messageFrom+`
			WHERE m.channel_pk = ?1 AND m.seq > ?3 AND `+notHidden+` ORDER BY m.seq LIMIT ?4`, channelPK, viewerPK, from, limit)
	}
	if from <= 0 {
		from = 1<<63 - 1
	}
	ms, err := q.messages(ctx, viewerPK, `SELECT `+messageColumns+` FROM `+messageFrom+`
		WHERE m.channel_pk = ?1 AND m.seq < ?3 AND `+notHidden+` ORDER BY m.seq DESC LIMIT ?4`, channelPK, viewerPK, from, limit)
	for i, j := 0, len(ms)-1; i < j; i, j = i+1, j-1 {
		ms[i], ms[j] = ms[j], ms[i]
	}
	return ms, err
}

// MessageByClientID finds a sender's message by its client message ID.
func (q queries) MessageByClientID(ctx context.Context, channelPK, senderPK int64, clientMessageID string) (plaza.Message, error) {
	ms, err := q.messages(ctx, senderPK, `SELECT `+messageColumns+` FROM `+messageFrom+`
		WHERE m.channel_pk = ?1 AND m.sender_pk = ?2 AND m.client_message_id = ?3`, channelPK, senderPK, clientMessageID)
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
		WHERE m.channel_pk = ?1 AND m.reply_root_seq = ?3 AND m.seq > ?4 AND `+notHidden+` ORDER BY m.seq LIMIT ?5`,
		channelPK, viewerPK, rootSeq, after.K1, limit)
}

// addReactions fills each message's reaction summaries: per type, in the
// order types first appeared, the count, whether the viewer is in it, and
// the first reactors.
func (q queries) addReactions(ctx context.Context, ms []plaza.Message, viewerPK int64) error {
	bySeq := make(map[int64]*plaza.Message, len(ms))
	args := []any{viewerPK, ms[0].ChannelPK}
	for i := range ms {
		bySeq[ms[i].MessageSeq] = &ms[i]
		args = append(args, ms[i].MessageSeq)
	}
	in := placeholders(len(ms))
	rows, err := q.db.QueryContext(ctx, `
		SELECT seq, reaction_type, count(*), max(user_pk = ?), min(id)
		FROM reactions WHERE channel_pk = ? AND seq IN (`+in+`)
		GROUP BY seq, reaction_type ORDER BY seq, min(id)`, args...)
	if err != nil {
		return translate(err)
	}
	type key struct {
		seq int64
		typ string
	}
	index := map[key]int{}
	for rows.Next() {
		var seq, first int64
		var r plaza.Reaction
		if err := rows.Scan(&seq, &r.ReactionType, &r.TotalCount, &r.IsSelfIncluded, &first); err != nil {
			rows.Close()
			return translate(err)
		}
		r.UserList = []plaza.UserInfo{}
		m := bySeq[seq]
		index[key{seq, r.ReactionType}] = len(m.Reactions)
		m.Reactions = append(m.Reactions, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return translate(err)
	}
	if len(index) == 0 {
		return nil
	}
	rows, err = q.db.QueryContext(ctx, `
		SELECT r.seq, r.reaction_type, u.user_id, u.user_name, u.user_avatar_url FROM (
			SELECT seq, reaction_type, user_pk, id,
			       row_number() OVER (PARTITION BY seq, reaction_type ORDER BY id) AS n
			FROM reactions WHERE channel_pk = ? AND seq IN (`+in+`)
		) r JOIN users u ON u.id = r.user_pk
		WHERE r.n <= `+strconv.Itoa(plaza.ReactionPreviewUsers)+` ORDER BY r.seq, r.reaction_type, r.id`, args[1:]...)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var typ string
		var u plaza.UserInfo
		if err := rows.Scan(&seq, &typ, &u.UserID, &u.UserName, &u.UserAvatarURL); err != nil {
			return translate(err)
		}
		m := bySeq[seq]
		r := &m.Reactions[index[key{seq, typ}]]
		r.UserList = append(r.UserList, u)
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
	rows, err := q.db.QueryContext(ctx, `
		SELECT r.id, u.user_id, u.user_name, u.user_avatar_url
		FROM reactions r JOIN users u ON u.id = r.user_pk
		WHERE r.channel_pk = ? AND r.seq = ? AND r.reaction_type = ? AND r.id > ?
		ORDER BY r.id LIMIT ?`, channelPK, seq, reactionType, after.K1, limit)
	if err != nil {
		return nil, nil, translate(err)
	}
	defer rows.Close()
	users, keys, err := rowcodec.ScanReactionUsers(rows)
	return users, keys, translate(err)
}

// NextSeq advances a channel's last seq and its last activity; a thread's
// archive time follows its activity, in the same statement (the right-hand
// sides read the row as it was).
func (t *tx) NextSeq(ctx context.Context, channelPK, now int64) (int64, error) {
	var seq int64
	err := t.db.QueryRowContext(ctx, `
		UPDATE channels SET last_seq = last_seq + 1, last_at = max(last_at, ?1),
		       archive_at = CASE WHEN channel_type = 3 THEN max(last_at, ?1) + auto_archive * 60000 ELSE archive_at END
		WHERE id = ?2 RETURNING last_seq`,
		now, channelPK).Scan(&seq)
	return seq, translate(err)
}

// InsertMentions records a message's mentions.
func (t *tx) InsertMentions(ctx context.Context, channelPK, seq int64, userPKs []int64, all bool) error {
	for _, u := range userPKs {
		if _, err := t.db.ExecContext(ctx, `INSERT INTO mentions (user_pk, channel_pk, seq) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			u, channelPK, seq); err != nil {
			return translate(err)
		}
	}
	if all {
		if _, err := t.db.ExecContext(ctx, `INSERT INTO mention_alls (channel_pk, seq) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			channelPK, seq); err != nil {
			return translate(err)
		}
	}
	return nil
}

// DeleteMentions forgets a message's mentions.
func (t *tx) DeleteMentions(ctx context.Context, channelPK, seq int64) error {
	if _, err := t.db.ExecContext(ctx, `DELETE FROM mentions WHERE channel_pk = ? AND seq = ?`, channelPK, seq); err != nil {
		return translate(err)
	}
	_, err := t.db.ExecContext(ctx, `DELETE FROM mention_alls WHERE channel_pk = ? AND seq = ?`, channelPK, seq)
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
	_, err = t.db.ExecContext(ctx, `
		INSERT INTO messages (channel_pk, seq, message_id, sender_pk, sender_user_id, type, content, client_message_id,
		                      created_at, edited_at, reply_root_seq, reply_count)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
		m.ChannelPK, m.MessageSeq, m.ID, m.SenderPK, m.SenderUserID, m.Type, c, m.ClientMessageID,
		m.Timestamp, m.EditedTime, root)
	return translate(err)
}

// UpdateMessage stores a message's new content (an edit or a revoke).
func (t *tx) UpdateMessage(ctx context.Context, m plaza.Message) error {
	c, err := rowcodec.EncodeContent(&m)
	if err != nil {
		return err
	}
	_, err = t.db.ExecContext(ctx, `UPDATE messages SET type = ?, content = ?, edited_at = ? WHERE channel_pk = ? AND seq = ?`,
		m.Type, c, m.EditedTime, m.ChannelPK, m.MessageSeq)
	return translate(err)
}

// AddReplyCount adds to a tree root's reply count.
func (t *tx) AddReplyCount(ctx context.Context, channelPK, rootSeq, n int64) error {
	_, err := t.db.ExecContext(ctx, `UPDATE messages SET reply_count = reply_count + ? WHERE channel_pk = ? AND seq = ?`,
		n, channelPK, rootSeq)
	return translate(err)
}

// HideMessages deletes messages for one user.
func (t *tx) HideMessages(ctx context.Context, userPK, channelPK int64, seqs []int64) error {
	for _, s := range seqs {
		if _, err := t.db.ExecContext(ctx, `
			INSERT INTO hidden_messages (user_pk, channel_pk, seq) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			userPK, channelPK, s); err != nil {
			return translate(err)
		}
	}
	return nil
}

// AddReaction records a reaction.
func (t *tx) AddReaction(ctx context.Context, channelPK, seq int64, reactionType string, userPK, now int64) (bool, error) {
	return affected(t.db.ExecContext(ctx, `
		INSERT INTO reactions (channel_pk, seq, reaction_type, user_pk, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, channelPK, seq, reactionType, userPK, now))
}

// DeleteReaction removes a reaction.
func (t *tx) DeleteReaction(ctx context.Context, channelPK, seq int64, reactionType string, userPK int64) (bool, error) {
	return affected(t.db.ExecContext(ctx, `
		DELETE FROM reactions WHERE channel_pk = ? AND seq = ? AND reaction_type = ? AND user_pk = ?`,
		channelPK, seq, reactionType, userPK))
}
