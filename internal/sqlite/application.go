package sqlite

import (
	"context"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/rowcodec"
)

const applicationFrom = ` FROM applications a
	JOIN communities c ON c.id = a.community_pk
	JOIN users u ON u.id = a.user_pk`

func (q queries) applications(ctx context.Context, query string, args ...any) ([]plaza.Application, error) {
	rows, err := q.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.AppendRows([]plaza.Application{}, rows, rowcodec.ScanApplication))
}

// afterDesc is the upper bound of a newest-first page.
func afterDesc(c plaza.Cursor) int64 {
	if !c.Valid {
		return 1<<63 - 1
	}
	return c.K1
}

// Application reads a user's application to a community.
func (q queries) Application(ctx context.Context, communityPK, userPK int64) (plaza.Application, error) {
	return scanned(rowcodec.ScanApplication(q.db.QueryRowContext(ctx, `SELECT `+rowcodec.ApplicationColumns+applicationFrom+`
		WHERE a.community_pk = ? AND a.user_pk = ?`, communityPK, userPK)))
}

// Applications reads the applications of the given users to a community.
func (q queries) Applications(ctx context.Context, communityPK int64, userPKs []int64) ([]plaza.Application, error) {
	if len(userPKs) == 0 {
		return []plaza.Application{}, nil
	}
	return q.applications(ctx, `SELECT `+rowcodec.ApplicationColumns+applicationFrom+`
		WHERE a.community_pk = ? AND a.user_pk IN (SELECT value FROM json_each(?)) ORDER BY a.id`,
		communityPK, keyList(userPKs))
}

// CommunityApplications lists a community's applications, newest first.
func (q queries) CommunityApplications(ctx context.Context, communityPK int64, after plaza.Cursor, limit int) ([]plaza.Application, error) {
	return q.applications(ctx, `SELECT `+rowcodec.ApplicationColumns+applicationFrom+`
		WHERE a.community_pk = ? AND a.id < ? ORDER BY a.id DESC LIMIT ?`, communityPK, afterDesc(after), limit)
}

// UserApplications lists a user's applications, newest first.
func (q queries) UserApplications(ctx context.Context, userPK int64, after plaza.Cursor, limit int) ([]plaza.Application, error) {
	return q.applications(ctx, `SELECT `+rowcodec.ApplicationColumns+applicationFrom+`
		WHERE a.user_pk = ? AND a.id < ? AND c.dismissed_at = 0 ORDER BY a.id DESC LIMIT ?`, userPK, afterDesc(after), limit)
}

// InsertApplication stores an application, replacing an earlier one of the
// same user to the same community.
func (t *tx) InsertApplication(ctx context.Context, a *plaza.Application) error {
	if _, err := t.db.ExecContext(ctx, `DELETE FROM applications WHERE community_pk = ? AND user_pk = ?`,
		a.CommunityPK, a.UserPK); err != nil {
		return translate(err)
	}
	err := t.db.QueryRowContext(ctx, `
		INSERT INTO applications (community_pk, user_pk, wording, state, created_at, updated_at, operated_user_id)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.CommunityPK, a.UserPK, a.Wording, a.State, a.CreateTime, a.UpdateTime, a.OperatedUserID,
	).Scan(&a.PK)
	return translate(err)
}

// UpdateApplication stores an application's state.
func (t *tx) UpdateApplication(ctx context.Context, a plaza.Application) error {
	_, err := t.db.ExecContext(ctx, `UPDATE applications SET state = ?, updated_at = ?, operated_user_id = ? WHERE id = ?`,
		a.State, a.UpdateTime, a.OperatedUserID, a.PK)
	return translate(err)
}

// DeleteApplication deletes an application.
func (t *tx) DeleteApplication(ctx context.Context, pk int64) error {
	_, err := t.db.ExecContext(ctx, `DELETE FROM applications WHERE id = ?`, pk)
	return translate(err)
}
