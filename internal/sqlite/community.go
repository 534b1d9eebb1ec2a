package sqlite

import (
	"context"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/rowcodec"
)

// Community reads a community.
func (q queries) Community(ctx context.Context, appID, communityID string) (plaza.CommunityInfo, error) {
	return scanned(rowcodec.ScanCommunity(q.db.QueryRowContext(ctx, `
		SELECT `+rowcodec.CommunityColumns+` FROM communities c WHERE c.app_id = ? AND c.community_id = ?`, appID, communityID)))
}

// AppCommunities lists an app's communities in creation order.
func (q queries) AppCommunities(ctx context.Context, appID string, after plaza.Cursor, limit int) ([]plaza.CommunityInfo, error) {
	out := []plaza.CommunityInfo{}
	if limit <= 0 {
		return out, nil
	}
	rows, err := q.db.QueryContext(ctx, `
		SELECT `+rowcodec.CommunityColumns+` FROM communities c WHERE c.app_id = ? AND c.id > ? AND c.dismissed_at = 0
		ORDER BY c.id LIMIT ?`,
		appID, after.K1, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows(out, rows, rowcodec.ScanCommunity))
}

// CommunityDismissed reports whether the ID belonged to a dismissed community.
func (q queries) CommunityDismissed(ctx context.Context, appID, communityID string) (bool, error) {
	var n int
	err := q.db.QueryRowContext(ctx, `
		SELECT count(*) FROM dismissed_communities WHERE app_id = ? AND community_id = ?`, appID, communityID).Scan(&n)
	return n > 0, translate(err)
}

// UserCommunities lists a user's communities in the order it entered them,
// leaving out dismissed ones.
func (q queries) UserCommunities(ctx context.Context, userPK int64, after plaza.Cursor, limit int) ([]plaza.Community, error) {
	rows, err := q.db.QueryContext(ctx, `
		SELECT m.id, m.role, m.notification_status, c.community_id, c.name, c.avatar_url
		FROM members m JOIN communities c ON c.id = m.community_pk
		WHERE m.user_pk = ? AND m.id > ? AND c.dismissed_at = 0
		ORDER BY m.id LIMIT ?`, userPK, after.K1, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows([]plaza.Community{}, rows, rowcodec.ScanUserCommunity))
}

// CommunityForUpdate reads a community; the single writer connection already
// serialises every write transaction.
func (t *tx) CommunityForUpdate(ctx context.Context, appID, communityID string) (plaza.CommunityInfo, error) {
	return t.Community(ctx, appID, communityID)
}

// InsertCommunity stores a new community.
func (t *tx) InsertCommunity(ctx context.Context, c *plaza.CommunityInfo) error {
	err := t.db.QueryRowContext(ctx, `
		INSERT INTO communities (app_id, community_id, name, avatar_url, notice, attributes, join_mode, invite_mode,
		                         creator_user_id, created_at, member_count, channel_count, mute_mode, mute_expire, mute_roles)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.AppID, c.CommunityID, c.CommunityName, c.CommunityAvatarURL, c.CommunityNotice, rowcodec.EncodeAttributes(c.CommunityAttributes),
		c.JoinMode, c.InviteMode, c.CreatorUserID, c.CreateTime, c.CurrentMemberCount, c.ChannelCount,
		c.MuteInfo.Mode, c.MuteInfo.ExpiredTime, rowcodec.EncodeRoles(c.MuteInfo.Roles),
	).Scan(&c.PK)
	return translate(err)
}

// UpdateCommunity stores a community's mutable fields.
func (t *tx) UpdateCommunity(ctx context.Context, c plaza.CommunityInfo) error {
	_, err := t.db.ExecContext(ctx, `
		UPDATE communities SET name = ?, avatar_url = ?, notice = ?, attributes = ?, join_mode = ?, invite_mode = ?,
		                       member_count = ?, channel_count = ?, mute_mode = ?, mute_expire = ?, mute_roles = ?
		WHERE id = ?`,
		c.CommunityName, c.CommunityAvatarURL, c.CommunityNotice, rowcodec.EncodeAttributes(c.CommunityAttributes),
		c.JoinMode, c.InviteMode, c.CurrentMemberCount, c.ChannelCount,
		c.MuteInfo.Mode, c.MuteInfo.ExpiredTime, rowcodec.EncodeRoles(c.MuteInfo.Roles), c.PK)
	return translate(err)
}

// DismissCommunity marks a community dismissed and records its ID; its
// rows are removed later by PurgeCommunity. Its community_id becomes '/' and
// its key, which no ID can be, so that no read by ID finds it.
func (t *tx) DismissCommunity(ctx context.Context, c plaza.CommunityInfo, now int64) error {
	if _, err := t.db.ExecContext(ctx, `
		UPDATE communities SET dismissed_at = max(?, 1), community_id = '/' || id WHERE id = ? AND dismissed_at = 0`,
		now, c.PK); err != nil {
		return translate(err)
	}
	_, err := t.db.ExecContext(ctx, `
		INSERT INTO dismissed_communities (app_id, community_id, dismissed_at) VALUES (?, ?, ?)`,
		c.AppID, c.CommunityID, now)
	return translate(err)
}
