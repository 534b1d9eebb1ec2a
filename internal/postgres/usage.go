package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/plazahq/plaza"
)

// Downstream returns an app's downstream count of a month; 0 when none was
// recorded.
func (q queries) Downstream(ctx context.Context, appID, month string) (int64, error) {
	var n int64
	err := q.db.QueryRow(ctx, `SELECT downstream FROM usage WHERE app_id = $1 AND month = $2`, appID, month).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return n, translate(err)
}

// AddDownstream adds n to an app's downstream count of a month. The upsert
// locks the row it adds to, so concurrent additions all count.
func (t *tx) AddDownstream(ctx context.Context, appID, month string, n int64) error {
	_, err := t.db.Exec(ctx, `
		INSERT INTO usage (app_id, month, downstream) VALUES ($1, $2, $3)
		ON CONFLICT (app_id, month) DO UPDATE SET downstream = usage.downstream + excluded.downstream`,
		appID, month, n)
	return translate(err)
}

// nonceSweep bounds the expired nonces of an app that one UseNonce deletes.
// It is more than one, so that the table shrinks back to the nonces in force
// after a burst of requests.
const nonceSweep = 8

// UseNonce records a nonce until expiresAt, refusing one the app used
// before that has not expired at now. It first forgets a few of the app's
// expired nonces.
//
// One statement does both. The sweep leaves out the nonce being used, so
// that its two parts never touch one row, and skips nonces that other
// transactions hold. Of concurrent uses of one nonce exactly one wins: the
// upsert of each waits for the row another inserted or took over, then
// finds it in force and changes nothing.
func (t *tx) UseNonce(ctx context.Context, appID, nonce string, now, expiresAt int64) error {
	ok, err := affected(t.db.Exec(ctx, `
		WITH swept AS (
			DELETE FROM nonces WHERE app_id = $1 AND nonce IN (
				SELECT nonce FROM nonces
				WHERE app_id = $1 AND expires_at <= $4 AND nonce <> $2
				LIMIT $5 FOR UPDATE SKIP LOCKED)
		)
		INSERT INTO nonces (app_id, nonce, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (app_id, nonce) DO UPDATE SET expires_at = excluded.expires_at
		WHERE nonces.expires_at <= $4`, appID, nonce, expiresAt, now, nonceSweep))
	if err != nil {
		return err
	}
	if !ok {
		return plaza.ErrConflict
	}
	return nil
}
