package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/plazahq/plaza"
)

// App reads an app with its secrets.
func (q queries) App(ctx context.Context, appID string) (plaza.App, error) {
	var a plaza.App
	var spec string
	err := q.db.QueryRowContext(ctx, `
		SELECT app_id, name, community_enabled, spec, created_at FROM apps WHERE app_id = ?`, appID,
	).Scan(&a.AppID, &a.Name, &a.CommunityEnabled, &spec, &a.CreatedAt)
	if err != nil {
		return a, translate(err)
	}
	a.Spec = plaza.DefaultSpec() // limits added after the app was stored keep their defaults
	if err := json.Unmarshal([]byte(spec), &a.Spec); err != nil {
		return a, fmt.Errorf("sqlite: app %s spec: %w", appID, err)
	}
	rows, err := q.db.QueryContext(ctx, `
		SELECT secret, created_at, expires_at FROM app_secrets WHERE app_id = ? ORDER BY created_at DESC`, appID)
	if err != nil {
		return a, translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s plaza.Secret
		if err := rows.Scan(&s.Secret, &s.CreatedAt, &s.ExpiresAt); err != nil {
			return a, translate(err)
		}
		a.Secrets = append(a.Secrets, s)
	}
	return a, translate(rows.Err())
}

// AppCount returns the number of apps.
func (q queries) AppCount(ctx context.Context) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, `SELECT count(*) FROM apps`).Scan(&n)
	return n, translate(err)
}

// InsertApp stores a new app with its secrets.
func (t *tx) InsertApp(ctx context.Context, a plaza.App) error {
	spec, err := json.Marshal(a.Spec)
	if err != nil {
		return err
	}
	if _, err := t.db.ExecContext(ctx, `
		INSERT INTO apps (app_id, name, community_enabled, spec, created_at) VALUES (?, ?, ?, ?, ?)`,
		a.AppID, a.Name, a.CommunityEnabled, string(spec), a.CreatedAt); err != nil {
		return translate(err)
	}
	for _, s := range a.Secrets {
		if _, err := t.db.ExecContext(ctx, `
			INSERT INTO app_secrets (app_id, secret, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			a.AppID, s.Secret, s.CreatedAt, s.ExpiresAt); err != nil {
			return translate(err)
		}
	}
	return nil
}
