package postgres

import (
	"context"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/rowcodec"
)

// User reads a user.
func (q queries) User(ctx context.Context, appID, userID string) (plaza.User, error) {
	return scanned(rowcodec.ScanUser(q.db.QueryRow(ctx, `
		SELECT `+rowcodec.UserColumns+` FROM users u WHERE u.app_id = $1 AND u.user_id = $2`, appID, userID)))
}

// VisibleUsers returns those of userIDs that are the viewer or share a
// community with it, by key.
func (q queries) VisibleUsers(ctx context.Context, appID string, viewerPK int64, userIDs []string) ([]plaza.User, error) {
	rows, err := q.db.Query(ctx, `
		SELECT `+rowcodec.UserColumns+` FROM users u
		WHERE u.app_id = $1 AND u.user_id = ANY($2)
		  AND (u.id = $3 OR EXISTS (
		        SELECT 1 FROM members theirs
		        JOIN members mine ON mine.community_pk = theirs.community_pk AND mine.user_pk = $3
		        WHERE theirs.user_pk = u.id AND `+live("mine")+`))
		ORDER BY u.id`, appID, userIDs, viewerPK)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows(nil, rows, rowcodec.ScanUser))
}

// UserCommunityIDs returns the IDs of the user's communities, in the order
// it joined them.
func (q queries) UserCommunityIDs(ctx context.Context, userPK int64) ([]string, error) {
	rows, err := q.db.Query(ctx, `
		SELECT c.community_id FROM members m JOIN communities c ON c.id = m.community_pk
		WHERE m.user_pk = $1 AND c.dismissed_at = 0 ORDER BY m.id`, userPK)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows(nil, rows, rowcodec.ScanString))
}

// EnsureUser returns the user, creating it first if needed.
//
// One statement reads the user or, when this transaction cannot see it,
// inserts it. Its snapshot predates the statement, so when a concurrent
// transaction commits the same user first the insert does nothing and the
// statement returns no row; a second statement, with a fresh snapshot,
// then reads the committed user. The insert only runs when the user is
// missing, so reads of existing users spend no identity values.
func (t *tx) EnsureUser(ctx context.Context, appID, userID string, now int64) (plaza.User, error) {
	u, err := scanned(rowcodec.ScanUser(t.db.QueryRow(ctx, `
		WITH found AS (
			SELECT `+rowcodec.UserColumns+` FROM users u WHERE u.app_id = $1 AND u.user_id = $2
		), created AS (
			INSERT INTO users (app_id, user_id, created_at)
			SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM found)
			ON CONFLICT (app_id, user_id) DO NOTHING
			RETURNING id, app_id, user_id, user_name, user_avatar_url, created_at
		)
		SELECT * FROM found UNION ALL SELECT * FROM created`, appID, userID, now)))
	if err == plaza.ErrNotFound {
		return t.User(ctx, appID, userID)
	}
	return u, err
}

// UserForUpdate reads and locks a user: a transaction that checks a limit
// of the user's (its communities) holds it until it commits.
func (t *tx) UserForUpdate(ctx context.Context, appID, userID string) (plaza.User, error) {
	return scanned(rowcodec.ScanUser(t.db.QueryRow(ctx, `
		SELECT `+rowcodec.UserColumns+` FROM users u WHERE u.app_id = $1 AND u.user_id = $2 FOR UPDATE`, appID, userID)))
}

// UsersForUpdate reads and locks the users of userIDs that exist. The rows
// are locked in key order (the lock is taken above the sort), so that two
// transactions that invite some of the same users never deadlock.
func (t *tx) UsersForUpdate(ctx context.Context, appID string, userIDs []string) ([]plaza.User, error) {
	if len(userIDs) == 0 {
		return []plaza.User{}, nil
	}
	rows, err := t.db.Query(ctx, `
		SELECT `+rowcodec.UserColumns+` FROM users u WHERE u.app_id = $1 AND u.user_id = ANY($2)
		ORDER BY u.id FOR UPDATE`, appID, userIDs)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows([]plaza.User{}, rows, rowcodec.ScanUser))
}

// UpdateUser stores a user's profile.
func (t *tx) UpdateUser(ctx context.Context, u plaza.User) error {
	_, err := t.db.Exec(ctx, `UPDATE users SET user_name = $1, user_avatar_url = $2 WHERE id = $3`,
		u.UserName, u.UserAvatarURL, u.PK)
	return translate(err)
}

// CountUserCommunities counts the user's memberships of communities that
// are not dismissed.
func (t *tx) CountUserCommunities(ctx context.Context, userPK int64) (int, error) {
	var n int
	err := t.db.QueryRow(ctx, `SELECT count(*) FROM members m WHERE m.user_pk = $1 AND `+live("m"), userPK).Scan(&n)
	return n, translate(err)
}

// CountUsersCommunities counts, in one statement, the memberships of each
// user of userPKs in communities that are not dismissed.
func (t *tx) CountUsersCommunities(ctx context.Context, userPKs []int64) (map[int64]int, error) {
	if len(userPKs) == 0 {
		return map[int64]int{}, nil
	}
	rows, err := t.db.Query(ctx, `
		SELECT m.user_pk, count(*) FROM members m WHERE m.user_pk = ANY($1) AND `+live("m")+`
		GROUP BY m.user_pk`, userPKs)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.ScanCounts(rows, userPKs))
}

// bulkRows is how many rows one statement of a bulk insert carries, as
// arrays unnested into rows.
const bulkRows = 5000

// EnsureUsers returns the users of userIDs in order, creating the missing
// ones, bulkRows to a statement. As in EnsureUser, a user that a concurrent
// transaction committed first is read by a second statement.
func (t *tx) EnsureUsers(ctx context.Context, appID string, userIDs []string, now int64) ([]plaza.User, error) {
	out := make([]plaza.User, 0, len(userIDs))
	for start := 0; start < len(userIDs); start += bulkRows {
		ids := userIDs[start:min(start+bulkRows, len(userIDs))]
		rows, err := t.db.Query(ctx, `
			WITH created AS (
				INSERT INTO users (app_id, user_id, created_at) SELECT $1, x, $3 FROM unnest($2::text[]) x
				ON CONFLICT (app_id, user_id) DO NOTHING
				RETURNING id, app_id, user_id, user_name, user_avatar_url, created_at
			)
			SELECT * FROM created
			UNION ALL SELECT `+rowcodec.UserColumns+` FROM users u WHERE u.app_id = $1 AND u.user_id = ANY($2)`,
			appID, ids, now)
		if err != nil {
			return nil, translate(err)
		}
		found, err := scanned(rowcodec.AppendRows(nil, rows, rowcodec.ScanUser))
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
				if u, err = t.User(ctx, appID, id); err != nil {
					return nil, err
				}
			}
			out = append(out, u)
		}
	}
	return out, nil
}
