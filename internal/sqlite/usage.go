package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/plazahq/plaza"
)

// Downstream returns an app's downstream count of a month; 0 when none was
// recorded.
func (q queries) Downstream(ctx context.Context, appID, month string) (int64, error) {
	var n int64
	err := q.db.QueryRowContext(ctx, `SELECT downstream FROM usage WHERE app_id = ? AND month = ?`, appID, month).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, translate(err)
}

// AddDownstream adds n to an app's downstream count of a month.
func (t *tx) AddDownstream(ctx context.Context, appID, month string, n int64) error {
	_, err := t.db.ExecContext(ctx, `
		INSERT INTO usage (app_id, month, downstream) VALUES (?1, ?2, ?3)
		ON CONFLICT (app_id, month) DO UPDATE SET downstream = downstream + excluded.downstream`, appID, month, n)
	return translate(err)
}

// nonceSweep bounds the expired nonces of an app that one UseNonce deletes.
// It is more than one, so that the table shrinks back to the nonces in force
// after a burst of requests.
const nonceSweep = 8

// UseNonce records a nonce until expiresAt, refusing one the app used
// before that has not expired at now. It first forgets a few of the app's
// expired nonces.
func (t *tx) UseNonce(ctx context.Context, appID, nonce string, now, expiresAt int64) error {
	if _, err := t.db.ExecContext(ctx, `
		DELETE FROM nonces WHERE rowid IN (
			SELECT rowid FROM nonces WHERE app_id = ?1 AND expires_at <= ?2 LIMIT ?3)`,
		appID, now, nonceSweep); err != nil {
		return translate(err)
	}
	// An expired nonce the sweep left is taken over; one in force is not,
	// and then nothing changes.
	res, err := t.db.ExecContext(ctx, `
		INSERT INTO nonces (app_id, nonce, expires_at) VALUES (?1, ?2, ?3)
		ON CONFLICT (app_id, nonce) DO UPDATE SET expires_at = excluded.expires_at
		WHERE nonces.expires_at <= ?4`, appID, nonce, expiresAt, now)
	if err != nil {
		return translate(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return translate(err)
	}
	if n == 0 {
		return plaza.ErrConflict
	}
	return nil
}
