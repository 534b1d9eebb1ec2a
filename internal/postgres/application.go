package postgres

import (
	"context"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/rowcodec"
)

const applicationFrom = ` FROM applications a
	JOIN communities c ON c.id = a.community_pk
	JOIN users u ON u.id = a.user_pk`

func (q queries) applications(ctx context.Context, query string, args ...any) ([]plaza.Application, error) {
	rows, err := q.db.Query(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows([]plaza.Application{}, rows, rowcodec.ScanApplication))
}

// beforeKey is the exclusive upper bound of a newest-first page.
func beforeKey(c plaza.Cursor) int64 {
	if !c.Valid {
		return 1<<63 - 1
	}
	return c.K1
}

// Application reads a user's application to a community.
func (q queries) Application(ctx context.Context, communityPK, userPK int64) (plaza.Application, error) {
	return scanned(rowcodec.ScanApplication(q.db.QueryRow(ctx, `SELECT `+rowcodec.ApplicationColumns+applicationFrom+`
		WHERE a.community_pk = $1 AND a.user_pk = $2`, communityPK, userPK)))
}

// Applications reads the applications of the given users to a community.
func (q queries) Applications(ctx context.Context, communityPK int64, userPKs []int64) ([]plaza.Application, error) {
	if len(userPKs) == 0 {
		return []plaza.Application{}, nil
	}
	return q.applications(ctx, `SELECT `+rowcodec.ApplicationColumns+applicationFrom+`
		WHERE a.community_pk = $1 AND a.user_pk = ANY($2) ORDER BY a.id`, communityPK, userPKs)
}

// CommunityApplications lists a community's applications, newest first.
func (q queries) CommunityApplications(ctx context.Context, communityPK int64, after plaza.Cursor, limit int) ([]plaza.Application, error) {
	if limit <= 0 {
		return []plaza.Application{}, nil
	}
	return q.applications(ctx, `SELECT `+rowcodec.ApplicationColumns+applicationFrom+`
		WHERE a.community_pk = $1 AND a.id < $2 ORDER BY a.id DESC LIMIT $3`, communityPK, beforeKey(after), limit)
}

// UserApplications lists a user's applications, newest first.
func (q queries) UserApplications(ctx context.Context, userPK int64, after plaza.Cursor, limit int) ([]plaza.Application, error) {
	if limit <= 0 {
		return []plaza.Application{}, nil
	}
	return q.applications(ctx, `SELECT `+rowcodec.ApplicationColumns+applicationFrom+`
		WHERE a.user_pk = $1 AND a.id < $2 AND c.dismissed_at = 0 ORDER BY a.id DESC LIMIT $3`, userPK, beforeKey(after), limit)
}

// InsertApplication stores an application, replacing an earlier one of the
// same user to the same community. The replacement takes the new row's key,
// as a delete and insert would, so that it lists as the newest; the upsert
// makes concurrent applications of one user replace each other instead of
// failing.
func (t *tx) InsertApplication(ctx context.Context, a *plaza.Application) error {
	err := t.db.QueryRow(ctx, `
		INSERT INTO applications (community_pk, user_pk, wording, state, created_at, updated_at, operated_user_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (community_pk, user_pk) DO UPDATE SET
			id = excluded.id, wording = excluded.wording, state = excluded.state,
			created_at = excluded.created_at, updated_at = excluded.updated_at,
			operated_user_id = excluded.operated_user_id
		RETURNING id`,
		a.CommunityPK, a.UserPK, a.Wording, a.State, a.CreateTime, a.UpdateTime, a.OperatedUserID,
	).Scan(&a.PK)
	return translate(err)
}

// UpdateApplication stores an application's state.
func (t *tx) UpdateApplication(ctx context.Context, a plaza.Application) error {
	_, err := t.db.Exec(ctx, `UPDATE applications SET state = $1, updated_at = $2, operated_user_id = $3 WHERE id = $4`,
		a.State, a.UpdateTime, a.OperatedUserID, a.PK)
	return translate(err)
}

// DeleteApplication deletes an application.
func (t *tx) DeleteApplication(ctx context.Context, pk int64) error {
	_, err := t.db.Exec(ctx, `DELETE FROM applications WHERE id = $1`, pk)
	return translate(err)
}
