package postgres

import (
	"context"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/rowcodec"
)

// Community reads a community.
func (q queries) Community(ctx context.Context, appID, communityID string) (plaza.CommunityInfo, error) {
	return scanned(rowcodec.ScanCommunity(q.db.QueryRow(ctx, `
		SELECT `+rowcodec.CommunityColumns+` FROM communities c WHERE c.app_id = $1 AND c.community_id = $2`, appID, communityID)))
}

// AppCommunities lists an app's communities in creation order.
func (q queries) AppCommunities(ctx context.Context, appID string, after plaza.Cursor, limit int) ([]plaza.CommunityInfo, error) {
	out := []plaza.CommunityInfo{}
	if limit <= 0 {
		return out, nil
	}
	rows, err := q.db.Query(ctx, `
		SELECT `+rowcodec.CommunityColumns+` FROM communities c WHERE c.app_id = $1 AND c.id > $2 AND c.dismissed_at = 0
		ORDER BY c.id LIMIT $3`,
		appID, after.K1, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows(out, rows, rowcodec.ScanCommunity))
}

// CommunityDismissed reports whether the ID belonged to a dismissed community.
func (q queries) CommunityDismissed(ctx context.Context, appID, communityID string) (bool, error) {
	var dismissed bool
	err := q.db.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM dismissed_communities WHERE app_id = $1 AND community_id = $2)`,
		appID, communityID).Scan(&dismissed)
	return dismissed, translate(err)
}

// UserCommunities lists a user's communities in the order it entered them,
// leaving out dismissed ones.
func (q queries) UserCommunities(ctx context.Context, userPK int64, after plaza.Cursor, limit int) ([]plaza.Community, error) {
	rows, err := q.db.Query(ctx, `
		SELECT m.id, m.role, m.notification_status, c.community_id, c.name, c.avatar_url
		FROM members m JOIN communities c ON c.id = m.community_pk
		WHERE m.user_pk = $1 AND m.id > $2 AND c.dismissed_at = 0
		ORDER BY m.id LIMIT $3`, userPK, after.K1, limitOrAll(limit))
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows([]plaza.Community{}, rows, rowcodec.ScanUserCommunity))
}

// limitOrAll turns a page size into a LIMIT argument: as on SQLite, a
// negative size means no limit (NULL), where PostgreSQL would reject it.
func limitOrAll(limit int) any {
	if limit < 0 {
		return nil
	}
	return limit
}

// CommunityForUpdate reads a community and locks its row until the
// transaction ends, so that transactions checking its limits (members,
// channels) or changing it take turns. FOR NO KEY UPDATE is the strength an
// UPDATE of the row takes: it excludes the other ForUpdate readers and
// writers but not the key-share locks of rows inserted with a reference to
// the community (members, channels, mutes), which need not wait.
func (t *tx) CommunityForUpdate(ctx context.Context, appID, communityID string) (plaza.CommunityInfo, error) {
	return scanned(rowcodec.ScanCommunity(t.db.QueryRow(ctx, `
		SELECT `+rowcodec.CommunityColumns+` FROM communities c WHERE c.app_id = $1 AND c.community_id = $2
		FOR NO KEY UPDATE`, appID, communityID)))
}

// InsertCommunity stores a new community.
func (t *tx) InsertCommunity(ctx context.Context, c *plaza.CommunityInfo) error {
	err := t.db.QueryRow(ctx, `
		INSERT INTO communities (app_id, community_id, name, avatar_url, notice, attributes, join_mode, invite_mode,
		                         creator_user_id, created_at, member_count, channel_count, mute_mode, mute_expire, mute_roles)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
		c.AppID, c.CommunityID, c.CommunityName, c.CommunityAvatarURL, c.CommunityNotice, rowcodec.EncodeAttributes(c.CommunityAttributes),
		c.JoinMode, c.InviteMode, c.CreatorUserID, c.CreateTime, c.CurrentMemberCount, c.ChannelCount,
		c.MuteInfo.Mode, c.MuteInfo.ExpiredTime, rowcodec.EncodeRoles(c.MuteInfo.Roles),
	).Scan(&c.PK)
	return translate(err)
}

// UpdateCommunity stores a community's mutable fields. Its counts are those
// read by CommunityForUpdate in the same transaction, whose lock keeps them
// current.
func (t *tx) UpdateCommunity(ctx context.Context, c plaza.CommunityInfo) error {
	_, err := t.db.Exec(ctx, `
		UPDATE communities SET name = $1, avatar_url = $2, notice = $3, attributes = $4, join_mode = $5, invite_mode = $6,
		                       member_count = $7, channel_count = $8, mute_mode = $9, mute_expire = $10, mute_roles = $11
		WHERE id = $12`,
		c.CommunityName, c.CommunityAvatarURL, c.CommunityNotice, rowcodec.EncodeAttributes(c.CommunityAttributes),
		c.JoinMode, c.InviteMode, c.CurrentMemberCount, c.ChannelCount,
		c.MuteInfo.Mode, c.MuteInfo.ExpiredTime, rowcodec.EncodeRoles(c.MuteInfo.Roles), c.PK)
	return translate(err)
}

// DismissCommunity marks a community dismissed and records its ID, in one
// statement; its rows are removed later by PurgeCommunity. Its community_id
// becomes '/' and its key, which no ID can be, so that no read by ID finds
// it.
func (t *tx) DismissCommunity(ctx context.Context, c plaza.CommunityInfo, now int64) error {
	_, err := t.db.Exec(ctx, `
		WITH gone AS (
			UPDATE communities SET dismissed_at = GREATEST($4::bigint, 1), community_id = '/' || id
			WHERE id = $1 AND dismissed_at = 0)
		INSERT INTO dismissed_communities (app_id, community_id, dismissed_at) VALUES ($2, $3, $4)`,
		c.PK, c.AppID, c.CommunityID, now)
	return translate(err)
}
