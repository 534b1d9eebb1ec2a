package postgres

import (
	"context"

	"github.com/plazahq/plaza"
)

// PendingWebhooks counts an app's queued callbacks.
func (q queries) PendingWebhooks(ctx context.Context, appID string) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE app_id = $1`, appID).Scan(&n)
	return n, translate(err)
}

// EnqueueWebhook queues a callback and sets d.ID.
func (t *tx) EnqueueWebhook(ctx context.Context, d *plaza.WebhookDelivery) error {
	body := d.Body
	if body == nil {
		body = []byte{} // NOT NULL
	}
	err := t.db.QueryRow(ctx, `
		INSERT INTO webhook_deliveries (app_id, event, body, attempts, next_at, created_at, last_error)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		d.AppID, d.Event, body, d.Attempts, d.NextAt, d.CreatedAt, d.LastError).Scan(&d.ID)
	return translate(err)
}

// ClaimWebhooks returns up to limit callbacks due at now, oldest first, and
// leases them until leaseUntil.
//
// One statement picks the due rows, locking them and skipping those another
// claim holds, and moves them to the end of the lease. A row another claim
// leased and committed meanwhile is checked again and is no longer due, so
// no callback goes to two claims. UPDATE … RETURNING promises no order: the
// outer query sorts by the due time the rows had before.
func (t *tx) ClaimWebhooks(ctx context.Context, now, leaseUntil int64, limit int) ([]plaza.WebhookDelivery, error) {
	out := []plaza.WebhookDelivery{}
	if limit <= 0 {
		return out, nil
	}
	rows, err := t.db.Query(ctx, `
		WITH due AS (
			SELECT id, next_at FROM webhook_deliveries
			WHERE next_at <= $1 ORDER BY next_at, id LIMIT $2
			FOR UPDATE SKIP LOCKED
		), claimed AS (
			UPDATE webhook_deliveries w SET next_at = $3 FROM due WHERE w.id = due.id
			RETURNING w.id, w.app_id, w.event, w.body, w.attempts, w.next_at, w.created_at, w.last_error
		)
		SELECT c.id, c.app_id, c.event, c.body, c.attempts, c.next_at, c.created_at, c.last_error
		FROM claimed c JOIN due USING (id)
		ORDER BY due.next_at, c.id`, now, limit, leaseUntil)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var d plaza.WebhookDelivery
		if err := rows.Scan(&d.ID, &d.AppID, &d.Event, &d.Body, &d.Attempts, &d.NextAt, &d.CreatedAt, &d.LastError); err != nil {
			return nil, translate(err)
		}
		out = append(out, d)
	}
	return out, translate(rows.Err())
}

// DeleteWebhook removes a callback; removing one that is gone is no error.
func (t *tx) DeleteWebhook(ctx context.Context, id int64) error {
	_, err := t.db.Exec(ctx, `DELETE FROM webhook_deliveries WHERE id = $1`, id)
	return translate(err)
}

// RetryWebhook records a failed attempt of a callback.
func (t *tx) RetryWebhook(ctx context.Context, id int64, attempts int, nextAt int64, lastError string) error {
	_, err := t.db.Exec(ctx, `
		UPDATE webhook_deliveries SET attempts = $1, next_at = $2, last_error = $3 WHERE id = $4`,
		attempts, nextAt, lastError, id)
	return translate(err)
}
