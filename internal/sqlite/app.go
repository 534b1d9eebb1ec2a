package sqlite

import (
	"context"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/rowcodec"
)

// App reads an app with its secrets, newest first.
func (q queries) App(ctx context.Context, appID string) (plaza.App, error) {
	// One statement: every use case reads its app.
	rows, err := q.db.QueryContext(ctx, `
		SELECT `+rowcodec.AppColumns+`
		FROM apps a LEFT JOIN app_secrets s ON s.app_id = a.app_id
		WHERE a.app_id = ? ORDER BY s.created_at DESC, s.secret`, appID)
	if err != nil {
		return plaza.App{}, translate(err)
	}
	defer rows.Close()
	apps, err := rowcodec.ScanApps(rows)
	if err != nil {
		return plaza.App{}, translate(err)
	}
	if len(apps) == 0 {
		return plaza.App{}, plaza.ErrNotFound
	}
	return apps[0], nil
}

// Apps lists up to limit apps after afterAppID, by app ID, each with its
// secrets.
func (q queries) Apps(ctx context.Context, afterAppID string, limit int) ([]plaza.App, error) {
	if limit <= 0 {
		return []plaza.App{}, nil
	}
	rows, err := q.db.QueryContext(ctx, `
		SELECT `+rowcodec.AppColumns+`
		FROM (SELECT * FROM apps WHERE app_id > ?1 ORDER BY app_id LIMIT ?2) a
		LEFT JOIN app_secrets s ON s.app_id = a.app_id
		ORDER BY a.app_id, s.created_at DESC, s.secret`, afterAppID, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.ScanApps(rows))
}

// AppCount returns the number of apps.
func (q queries) AppCount(ctx context.Context) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, `SELECT count(*) FROM apps`).Scan(&n)
	return n, translate(err)
}

// SpecHistory returns the spec in force at from (if the app existed then)
// and every change in (from, to), oldest first: the specs in force at some
// time in [from, to). A change at from replaces the one before it, which is
// then not in force in the range.
func (q queries) SpecHistory(ctx context.Context, appID string, from, to int64) ([]plaza.SpecChange, error) {
	out := []plaza.SpecChange{}
	if from >= to {
		return out, nil
	}
	rows, err := q.db.QueryContext(ctx, `
		SELECT at, spec FROM (
			SELECT at, spec FROM app_specs WHERE app_id = ?1 AND at <= ?2 ORDER BY at DESC LIMIT 1)
		UNION ALL
		SELECT at, spec FROM app_specs WHERE app_id = ?1 AND at > ?2 AND at < ?3
		ORDER BY at`, appID, from, to)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.ScanSpecChanges(rows, appID))
}

// InsertApp stores a new app with its secrets.
func (t *tx) InsertApp(ctx context.Context, a plaza.App) error {
	if _, err := t.db.ExecContext(ctx, `
		INSERT INTO apps (app_id, name, community_enabled, spec, webhook, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		a.AppID, a.Name, a.CommunityEnabled, rowcodec.EncodeSpec(a.Spec), rowcodec.EncodeWebhook(a.Webhook), a.CreatedAt); err != nil {
		return translate(err)
	}
	return t.insertSecrets(ctx, a.AppID, a.Secrets)
}

func (t *tx) insertSecrets(ctx context.Context, appID string, secrets []plaza.Secret) error {
	for _, s := range secrets {
		if _, err := t.db.ExecContext(ctx, `
			INSERT INTO app_secrets (app_id, secret, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			appID, s.Secret, s.CreatedAt, s.ExpiresAt); err != nil {
			return translate(err)
		}
	}
	return nil
}

// AppForUpdate reads an app; the single writer connection already
// serialises every write transaction.
func (t *tx) AppForUpdate(ctx context.Context, appID string) (plaza.App, error) {
	return t.App(ctx, appID)
}

// UpdateApp stores an app's name, community switch, spec and webhook
// configuration.
func (t *tx) UpdateApp(ctx context.Context, a plaza.App) error {
	res, err := t.db.ExecContext(ctx, `
		UPDATE apps SET name = ?, community_enabled = ?, spec = ?, webhook = ? WHERE app_id = ?`,
		a.Name, a.CommunityEnabled, rowcodec.EncodeSpec(a.Spec), rowcodec.EncodeWebhook(a.Webhook), a.AppID)
	if err != nil {
		return translate(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return translate(err)
	} else if n == 0 {
		return plaza.ErrNotFound
	}
	return nil
}

// SetSecrets replaces an app's secrets.
func (t *tx) SetSecrets(ctx context.Context, appID string, secrets []plaza.Secret) error {
	if _, err := t.db.ExecContext(ctx, `DELETE FROM app_secrets WHERE app_id = ?`, appID); err != nil {
		return translate(err)
	}
	return t.insertSecrets(ctx, appID, secrets)
}

// RecordSpec records an app's spec from at on. A second record at the same
// millisecond replaces the first: the later change is the one in force.
func (t *tx) RecordSpec(ctx context.Context, appID string, at int64, spec plaza.Spec) error {
	_, err := t.db.ExecContext(ctx, `
		INSERT INTO app_specs (app_id, at, spec) VALUES (?1, ?2, ?3)
		ON CONFLICT (app_id, at) DO UPDATE SET spec = excluded.spec`, appID, at, rowcodec.EncodeSpec(spec))
	return translate(err)
}
