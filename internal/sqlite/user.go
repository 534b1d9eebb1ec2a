package sqlite

import (
	"context"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/rowcodec"
)

// User reads a user.
func (q queries) User(ctx context.Context, appID, userID string) (plaza.User, error) {
	return scanned(rowcodec.ScanUser(q.db.QueryRowContext(ctx, `
		SELECT `+rowcodec.UserColumns+` FROM users u WHERE u.app_id = ? AND u.user_id = ?`, appID, userID)))
}

// VisibleUsers returns those of userIDs that are the viewer or share a
// community with it.
func (q queries) VisibleUsers(ctx context.Context, appID string, viewerPK int64, userIDs []string) ([]plaza.User, error) {
	rows, err := q.db.QueryContext(ctx, `
		SELECT `+rowcodec.UserColumns+` FROM users u
		WHERE u.app_id = ? AND u.user_id IN (`+placeholders(len(userIDs))+`)
		  AND (u.id = ? OR EXISTS (
		        SELECT 1 FROM members theirs
		        JOIN members mine ON mine.community_pk = theirs.community_pk AND mine.user_pk = ?
		        WHERE theirs.user_pk = u.id))`,
		append(stringArgs([]any{appID}, userIDs), viewerPK, viewerPK)...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows(nil, rows, rowcodec.ScanUser))
}

// UserCommunityIDs returns the IDs of the user's communities.
func (q queries) UserCommunityIDs(ctx context.Context, userPK int64) ([]string, error) {
	rows, err := q.db.QueryContext(ctx, `
		SELECT c.community_id FROM members m JOIN communities c ON c.id = m.community_pk
		WHERE m.user_pk = ? ORDER BY m.id`, userPK)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows(nil, rows, rowcodec.ScanString))
}

// EnsureUser returns the user, creating it first if needed.
func (t *tx) EnsureUser(ctx context.Context, appID, userID string, now int64) (plaza.User, error) {
	if _, err := t.db.ExecContext(ctx, `
		INSERT INTO users (app_id, user_id, created_at) VALUES (?, ?, ?)
		ON CONFLICT (app_id, user_id) DO NOTHING`, appID, userID, now); err != nil {
		return plaza.User{}, translate(err)
	}
	return t.User(ctx, appID, userID)
}

// UserForUpdate reads a user; the single writer connection already
// serialises every write transaction.
func (t *tx) UserForUpdate(ctx context.Context, appID, userID string) (plaza.User, error) {
	return t.User(ctx, appID, userID)
}

// UpdateUser stores a user's profile.
func (t *tx) UpdateUser(ctx context.Context, u plaza.User) error {
	_, err := t.db.ExecContext(ctx, `UPDATE users SET user_name = ?, user_avatar_url = ? WHERE id = ?`,
		u.UserName, u.UserAvatarURL, u.PK)
	return translate(err)
}

// CountUserCommunities counts the user's memberships.
func (t *tx) CountUserCommunities(ctx context.Context, userPK int64) (int, error) {
	var n int
	err := t.db.QueryRowContext(ctx, `SELECT count(*) FROM members WHERE user_pk = ?`, userPK).Scan(&n)
	return n, translate(err)
}
