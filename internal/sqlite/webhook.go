package sqlite

import (
	"context"

	"github.com/plazahq/plaza"
)

// PendingWebhooks counts an app's queued callbacks.
func (q queries) PendingWebhooks(ctx context.Context, appID string) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, `SELECT count(*) FROM webhook_deliveries WHERE app_id = ?`, appID).Scan(&n)
	return n, translate(err)
}

// EnqueueWebhook queues a callback and sets d.ID.
func (t *tx) EnqueueWebhook(ctx context.Context, d *plaza.WebhookDelivery) error {
	body := d.Body
	if body == nil {
		body = []byte{} // NOT NULL
	}
	err := t.db.QueryRowContext(ctx, `
		INSERT INTO webhook_deliveries (app_id, event, body, attempts, next_at, created_at, last_error)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		d.AppID, d.Event, body, d.Attempts, d.NextAt, d.CreatedAt, d.LastError).Scan(&d.ID)
	return translate(err)
}

// ClaimWebhooks returns up to limit callbacks due at now, oldest first, and
// leases them until leaseUntil.
func (t *tx) ClaimWebhooks(ctx context.Context, now, leaseUntil int64, limit int) ([]plaza.WebhookDelivery, error) {
	out := []plaza.WebhookDelivery{}
	if limit <= 0 {
		return out, nil
	}
	// UPDATE … RETURNING would do it in one statement but returns rows in no
	// promised order. The two statements pick the same rows: nothing else
	// writes between them in the writer's transaction.
	rows, err := t.db.QueryContext(ctx, `
		SELECT id, app_id, event, body, attempts, created_at, last_error
		FROM webhook_deliveries WHERE next_at <= ? ORDER BY next_at, id LIMIT ?`, now, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		d := plaza.WebhookDelivery{NextAt: leaseUntil}
		if err := rows.Scan(&d.ID, &d.AppID, &d.Event, &d.Body, &d.Attempts, &d.CreatedAt, &d.LastError); err != nil {
			return nil, translate(err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	if len(out) == 0 {
		return out, nil
	}
	_, err = t.db.ExecContext(ctx, `
		UPDATE webhook_deliveries SET next_at = ?3 WHERE id IN (
			SELECT id FROM webhook_deliveries WHERE next_at <= ?1 ORDER BY next_at, id LIMIT ?2)`,
		now, limit, leaseUntil)
	return out, translate(err)
}

// DeleteWebhook removes a callback; removing one that is gone is no error.
func (t *tx) DeleteWebhook(ctx context.Context, id int64) error {
	_, err := t.db.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE id = ?`, id)
	return translate(err)
}

// RetryWebhook records a failed attempt of a callback.
func (t *tx) RetryWebhook(ctx context.Context, id int64, attempts int, nextAt int64, lastError string) error {
	_, err := t.db.ExecContext(ctx, `
		UPDATE webhook_deliveries SET attempts = ?, next_at = ?, last_error = ? WHERE id = ?`,
		attempts, nextAt, lastError, id)
	return translate(err)
}
