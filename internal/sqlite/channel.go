package sqlite

import (
	"context"
	"database/sql"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/rowcodec"
)

// channelFrom is what rowcodec.ChannelColumns are read from: a channel (or
// thread) ch, its community c and, for a thread, its parent par. A
// channel's parent_pk is 0, which no row has.
const channelFrom = `channels ch JOIN communities c ON c.id = ch.community_pk LEFT JOIN channels par ON par.id = ch.parent_pk`

// Channel reads one channel (or thread) of a community.
func (q queries) Channel(ctx context.Context, communityPK int64, channelID string) (plaza.Channel, error) {
	return scanned(rowcodec.ScanChannel(q.db.QueryRowContext(ctx, `
		SELECT `+rowcodec.ChannelColumns+` FROM `+channelFrom+`
		WHERE ch.community_pk = ? AND ch.channel_id = ?`, communityPK, channelID)))
}

// ChannelDismissed reports whether the ID belonged to a dismissed channel of
// the community.
func (q queries) ChannelDismissed(ctx context.Context, communityPK int64, channelID string) (bool, error) {
	var n int
	err := q.db.QueryRowContext(ctx, `
		SELECT count(*) FROM dismissed_channels WHERE community_pk = ? AND channel_id = ?`, communityPK, channelID).Scan(&n)
	return n > 0, translate(err)
}

// IsChannelMember reports whether a user is listed in a private channel, or
// is a member of a thread.
func (q queries) IsChannelMember(ctx context.Context, channelPK, userPK int64) (bool, error) {
	var n int
	err := q.db.QueryRowContext(ctx, `SELECT count(*) FROM channel_members WHERE channel_pk = ? AND user_pk = ?`,
		channelPK, userPK).Scan(&n)
	return n > 0, translate(err)
}

// UserPrivateChannels returns the private channels a user is listed in and
// the private threads it is a member of, by community ID.
func (q queries) UserPrivateChannels(ctx context.Context, userPK int64) (map[string][]string, error) {
	rows, err := q.db.QueryContext(ctx, `
		SELECT c.community_id, ch.channel_id
		FROM channel_members cm
		JOIN channels ch ON ch.id = cm.channel_pk
		JOIN communities c ON c.id = ch.community_pk
		WHERE cm.user_pk = ? AND (ch.channel_type = 2 OR (ch.channel_type = 3 AND ch.is_private)) AND c.dismissed_at = 0
		ORDER BY ch.id`, userPK)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.ScanChannelIDs(rows))
}

// ChannelMemberList lists those who see a private channel: the owner and
// admins, and the listed members, in MemberList's order.
func (q queries) ChannelMemberList(ctx context.Context, communityPK, channelPK int64, after plaza.Cursor, limit int) ([]plaza.Member, error) {
	return q.members(ctx, `
		SELECT `+memberColumns+` FROM members m JOIN users u ON u.id = m.user_pk
		WHERE m.community_pk = ?1 AND m.role IN (?2, ?3) AND (m.role, m.id) > (?4, ?5)
		UNION ALL
		SELECT `+memberColumns+` FROM channel_members cm
		JOIN members m ON m.community_pk = ?1 AND m.user_pk = cm.user_pk
		JOIN users u ON u.id = m.user_pk
		WHERE cm.channel_pk = ?6 AND m.role = ?7 AND (m.role, m.id) > (?4, ?5)
		ORDER BY 4, 1 LIMIT ?8`,
		communityPK, plaza.RoleOwner, plaza.RoleAdmin, after.K1, after.K2, channelPK, plaza.RoleMember, limit)
}

// InsertChannel stores a new channel or thread. ErrConflict when the ID is
// taken in the community, or when the thread's root message opened
// another thread already.
func (t *tx) InsertChannel(ctx context.Context, ch *plaza.Channel) error {
	err := t.db.QueryRowContext(ctx, `
		INSERT INTO channels (community_pk, channel_id, channel_type, name, avatar_url, notice, attributes,
		                      creator_user_id, created_at, last_seq, member_count, last_at, mute_mode, mute_expire, mute_roles,
		                      parent_pk, parent_private, root_seq, is_private, is_locked, invitable, auto_archive, archive_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		ch.CommunityPK, ch.ChannelID, ch.ChannelType, ch.ChannelName, ch.ChannelAvatarURL, ch.ChannelNotice,
		rowcodec.EncodeAttributes(ch.ChannelAttributes), ch.CreatorUserID, ch.CreateTime, ch.LastMessageSeq, ch.MemberCount,
		max(ch.LastTime, ch.CreateTime), ch.MuteInfo.Mode, ch.MuteInfo.ExpiredTime, rowcodec.EncodeRoles(ch.MuteInfo.Roles),
		ch.ParentPK, ch.ParentPrivate, ch.RootMessageSeq, ch.IsPrivate, ch.IsLocked, ch.Invitable, ch.AutoArchiveDuration, ch.ArchiveAt,
	).Scan(&ch.PK)
	return translate(err)
}

// ChannelForUpdate reads a channel; the single writer already serialises
// every write transaction.
func (t *tx) ChannelForUpdate(ctx context.Context, communityPK int64, channelID string) (plaza.Channel, error) {
	return t.Channel(ctx, communityPK, channelID)
}

// UpdateChannel stores a channel's mutable fields, and a thread's. The last
// seq moves only by NextSeq; a channel's last activity too, and a thread's
// moves forward only (unarchiving it by hand is activity).
func (t *tx) UpdateChannel(ctx context.Context, ch plaza.Channel) error {
	_, err := t.db.ExecContext(ctx, `
		UPDATE channels SET name = ?1, avatar_url = ?2, notice = ?3, attributes = ?4, member_count = ?5,
		                    mute_mode = ?6, mute_expire = ?7, mute_roles = ?8,
		                    is_locked = ?9, invitable = ?10, auto_archive = ?11, archive_at = ?12,
		                    last_at = CASE WHEN channel_type = 3 THEN max(last_at, ?13) ELSE last_at END
		WHERE id = ?14`,
		ch.ChannelName, ch.ChannelAvatarURL, ch.ChannelNotice, rowcodec.EncodeAttributes(ch.ChannelAttributes), ch.MemberCount,
		ch.MuteInfo.Mode, ch.MuteInfo.ExpiredTime, rowcodec.EncodeRoles(ch.MuteInfo.Roles),
		ch.IsLocked, ch.Invitable, ch.AutoArchiveDuration, ch.ArchiveAt, ch.LastTime, ch.PK)
	return translate(err)
}

// DeleteChannel deletes a channel with its messages and member mutes, and
// its threads with theirs, and records their IDs: a thread's ID is never
// reused either, as a thread or as a channel.
func (t *tx) DeleteChannel(ctx context.Context, ch plaza.Channel, now int64) error {
	if ch.ChannelType != plaza.ChannelThread {
		for _, q := range []string{
			`INSERT INTO dismissed_channels (community_pk, channel_id, dismissed_at)
			 SELECT community_pk, channel_id, ?3 FROM channels WHERE parent_pk = ?1 AND channel_type = 3
			 ON CONFLICT DO NOTHING`,
			`DELETE FROM member_mutes WHERE community_pk = ?2
			 AND channel_pk IN (SELECT id FROM channels WHERE parent_pk = ?1 AND channel_type = 3)`,
			// Their messages, members, conversations, mentions and
			// reactions go with them.
			`DELETE FROM channels WHERE parent_pk = ?1 AND channel_type = 3`,
		} {
			if _, err := t.db.ExecContext(ctx, q, ch.PK, ch.CommunityPK, now); err != nil {
				return translate(err)
			}
		}
	}
	if _, err := t.db.ExecContext(ctx, `DELETE FROM channels WHERE id = ?`, ch.PK); err != nil {
		return translate(err)
	}
	// member_mutes.channel_pk is 0 for community-wide mutes, so it cannot
	// reference channels and cascade.
	_, err := t.db.ExecContext(ctx, `DELETE FROM member_mutes WHERE community_pk = ? AND channel_pk = ?`, ch.CommunityPK, ch.PK)
	if err != nil {
		return translate(err)
	}
	_, err = t.db.ExecContext(ctx, `
		INSERT INTO dismissed_channels (community_pk, channel_id, dismissed_at) VALUES (?, ?, ?)`,
		ch.CommunityPK, ch.ChannelID, now)
	return translate(err)
}

func affected(r sql.Result, err error) (bool, error) {
	if err != nil {
		return false, translate(err)
	}
	n, err := r.RowsAffected()
	return n > 0, translate(err)
}

// AddChannelMember lists a user in a private channel.
func (t *tx) AddChannelMember(ctx context.Context, channelPK, userPK, now int64) (bool, error) {
	return affected(t.db.ExecContext(ctx, `
		INSERT INTO channel_members (channel_pk, user_pk, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		channelPK, userPK, now))
}

// RemoveChannelMember unlists a user from a private channel and forgets its
// conversation state there.
func (t *tx) RemoveChannelMember(ctx context.Context, channelPK, userPK int64) (bool, error) {
	removed, err := affected(t.db.ExecContext(ctx, `DELETE FROM channel_members WHERE channel_pk = ? AND user_pk = ?`, channelPK, userPK))
	if err != nil || !removed {
		return removed, err
	}
	_, err = t.db.ExecContext(ctx, `DELETE FROM channel_states WHERE channel_pk = ? AND user_pk = ?`, channelPK, userPK)
	return true, translate(err)
}

// SetReadSeq moves a read position forward, never back. In a thread only a
// member has a conversation: a read position of anyone else is not kept.
func (t *tx) SetReadSeq(ctx context.Context, userPK, channelPK, seq int64) error {
	_, err := t.db.ExecContext(ctx, `
		INSERT INTO channel_states (user_pk, channel_pk, community_pk, read_seq)
		SELECT ?1, id, community_pk, ?3 FROM channels WHERE id = ?2 AND `+memberIfThread+`
		ON CONFLICT (user_pk, channel_pk) DO UPDATE SET read_seq = max(read_seq, excluded.read_seq)`,
		userPK, channelPK, seq)
	return translate(err)
}
