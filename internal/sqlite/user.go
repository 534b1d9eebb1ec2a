package sqlite

import (
	"context"
	"fmt"
	"strings"

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
		        WHERE theirs.user_pk = u.id AND `+live("mine")+`))`,
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
		WHERE m.user_pk = ? AND c.dismissed_at = 0 ORDER BY m.id`, userPK)
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

// UsersForUpdate reads the users of userIDs that exist, by key; as for
// UserForUpdate, the single writer connection already serialises every
// write transaction.
func (t *tx) UsersForUpdate(ctx context.Context, appID string, userIDs []string) ([]plaza.User, error) {
	if len(userIDs) == 0 {
		return []plaza.User{}, nil
	}
	rows, err := t.db.QueryContext(ctx, `
		SELECT `+rowcodec.UserColumns+` FROM users u WHERE u.app_id = ? AND u.user_id IN (`+placeholders(len(userIDs))+`)
		ORDER BY u.id`, stringArgs([]any{appID}, userIDs)...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows([]plaza.User{}, rows, rowcodec.ScanUser))
}

// UpdateUser stores a user's profile.
func (t *tx) UpdateUser(ctx context.Context, u plaza.User) error {
	_, err := t.db.ExecContext(ctx, `UPDATE users SET user_name = ?, user_avatar_url = ? WHERE id = ?`,
		u.UserName, u.UserAvatarURL, u.PK)
	return translate(err)
}

// CountUserCommunities counts the user's memberships of communities that
// are not dismissed.
func (t *tx) CountUserCommunities(ctx context.Context, userPK int64) (int, error) {
	var n int
	err := t.db.QueryRowContext(ctx, `SELECT count(*) FROM members m WHERE m.user_pk = ? AND `+live("m"), userPK).Scan(&n)
	return n, translate(err)
}

// CountUsersCommunities counts, in one statement, the memberships of each
// user of userPKs in communities that are not dismissed.
func (t *tx) CountUsersCommunities(ctx context.Context, userPKs []int64) (map[int64]int, error) {
	if len(userPKs) == 0 {
		return map[int64]int{}, nil
	}
	rows, err := t.db.QueryContext(ctx, `
		SELECT m.user_pk, count(*) FROM members m WHERE m.user_pk IN (SELECT value FROM json_each(?)) AND `+live("m")+`
		GROUP BY m.user_pk`, keyList(userPKs))
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.ScanCounts(rows, userPKs))
}

// bulkRows is how many rows one statement of a bulk insert carries: SQLite
// takes up to 32,766 parameters in a statement.
const bulkRows = 500

// EnsureUsers returns the users of userIDs in order, creating the missing
// ones, bulkRows to a statement.
func (t *tx) EnsureUsers(ctx context.Context, appID string, userIDs []string, now int64) ([]plaza.User, error) {
	out := make([]plaza.User, 0, len(userIDs))
	for start := 0; start < len(userIDs); start += bulkRows {
		ids := userIDs[start:min(start+bulkRows, len(userIDs))]
		values := make([]string, len(ids))
		in := make([]string, len(ids))
		args := []any{appID, now}
		for i, id := range ids {
			values[i] = fmt.Sprintf("(?1, ?%d, ?2)", i+3)
			in[i] = fmt.Sprintf("?%d", i+3)
			args = append(args, id)
		}
		if _, err := t.db.ExecContext(ctx, `
			INSERT INTO users (app_id, user_id, created_at) VALUES `+strings.Join(values, ", ")+`
			ON CONFLICT (app_id, user_id) DO NOTHING`, args...); err != nil {
			return nil, translate(err)
		}
		rows, err := t.db.QueryContext(ctx, `
			SELECT `+rowcodec.UserColumns+` FROM users u WHERE u.app_id = ?1 AND u.user_id IN (`+strings.Join(in, ", ")+`)`,
			append([]any{appID}, args[1:]...)...)
		if err != nil {
			return nil, translate(err)
		}
		found, err := scanned(rowcodec.AppendRows(nil, rows, rowcodec.ScanUser))
		rows.Close()
		if err != nil {
			return nil, err
		}
		byID := make(map[string]plaza.User, len(found))
		for _, u := range found {
			byID[u.UserID] = u
		}
		for _, id := range ids {
			u, ok := byID[id]
			if !ok {
				return nil, fmt.Errorf("sqlite: user %s was not stored", id)
			}
			out = append(out, u)
		}
	}
	return out, nil
}
