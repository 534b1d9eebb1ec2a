package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/rowcodec"
)

// scanApps reads the rows of a rowcodec.AppColumns query and closes them.
func scanApps(rows pgx.Rows) ([]plaza.App, error) {
	defer rows.Close()
	return scanned(rowcodec.ScanApps(rows))
}

// oneApp reads the app of a rowcodec.AppColumns query for a single app.
func oneApp(rows pgx.Rows, err error) (plaza.App, error) {
	if err != nil {
		return plaza.App{}, translate(err)
	}
	apps, err := scanApps(rows)
	if err != nil {
		return plaza.App{}, err
	}
	if len(apps) == 0 {
		return plaza.App{}, plaza.ErrNotFound
	}
	return apps[0], nil
}

// App reads an app with its secrets, newest first.
func (q queries) App(ctx context.Context, appID string) (plaza.App, error) {
	// One statement: every use case reads its app.
	return oneApp(q.db.Query(ctx, `
		SELECT `+rowcodec.AppColumns+`
		FROM apps a LEFT JOIN app_secrets s ON s.app_id = a.app_id
		WHERE a.app_id = $1 ORDER BY s.created_at DESC, s.secret`, appID))
}

// Apps lists up to limit apps after afterAppID, by app ID, each with its
// secrets.
func (q queries) Apps(ctx context.Context, afterAppID string, limit int) ([]plaza.App, error) {
	if limit <= 0 {
		return []plaza.App{}, nil
	}
	rows, err := q.db.Query(ctx, `
		SELECT `+rowcodec.AppColumns+`
		FROM (SELECT * FROM apps WHERE app_id > $1 ORDER BY app_id LIMIT $2) a
		LEFT JOIN app_secrets s ON s.app_id = a.app_id
		ORDER BY a.app_id, s.created_at DESC, s.secret`, afterAppID, limit)
	if err != nil {
		return nil, translate(err)
	}
	return scanApps(rows)
}

// AppCount returns the number of apps.
func (q queries) AppCount(ctx context.Context) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM apps`).Scan(&n)
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
	rows, err := q.db.Query(ctx, `
		(SELECT at, spec FROM app_specs WHERE app_id = $1 AND at <= $2 ORDER BY at DESC LIMIT 1)
		UNION ALL
		(SELECT at, spec FROM app_specs WHERE app_id = $1 AND at > $2 AND at < $3)
		ORDER BY at`, appID, from, to)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	return scanned(rowcodec.ScanSpecChanges(rows, appID))
}

// secretColumns splits secrets into the arrays that unnest turns back into
// rows.
func secretColumns(secrets []plaza.Secret) (values []string, created, expires []int64) {
	values = make([]string, len(secrets))
	created = make([]int64, len(secrets))
	expires = make([]int64, len(secrets))
	for i, s := range secrets {
		values[i], created[i], expires[i] = s.Secret, s.CreatedAt, s.ExpiresAt
	}
	return values, created, expires
}

// InsertApp stores a new app with its secrets, in one statement.
func (t *tx) InsertApp(ctx context.Context, a plaza.App) error {
	values, created, expires := secretColumns(a.Secrets)
	_, err := t.db.Exec(ctx, `
		WITH app AS (
			INSERT INTO apps (app_id, name, community_enabled, spec, webhook, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING app_id
		)
		INSERT INTO app_secrets (app_id, secret, created_at, expires_at)
		SELECT app.app_id, s.secret, s.created_at, s.expires_at
		FROM app, unnest($7::text[], $8::bigint[], $9::bigint[]) AS s (secret, created_at, expires_at)`,
		a.AppID, a.Name, a.CommunityEnabled, rowcodec.EncodeSpec(a.Spec), rowcodec.EncodeWebhook(a.Webhook), a.CreatedAt,
		values, created, expires)
	return translate(err)
}

// AppForUpdate reads and locks an app (its apps row; its secrets change
// only under that lock).
func (t *tx) AppForUpdate(ctx context.Context, appID string) (plaza.App, error) {
	return oneApp(t.db.Query(ctx, `
		SELECT `+rowcodec.AppColumns+`
		FROM apps a LEFT JOIN app_secrets s ON s.app_id = a.app_id
		WHERE a.app_id = $1 ORDER BY s.created_at DESC, s.secret
		FOR UPDATE OF a`, appID))
}

// UpdateApp stores an app's name, community switch, spec and webhook
// configuration.
func (t *tx) UpdateApp(ctx context.Context, a plaza.App) error {
	ok, err := affected(t.db.Exec(ctx, `
		UPDATE apps SET name = $1, community_enabled = $2, spec = $3, webhook = $4 WHERE app_id = $5`,
		a.Name, a.CommunityEnabled, rowcodec.EncodeSpec(a.Spec), rowcodec.EncodeWebhook(a.Webhook), a.AppID))
	if err != nil {
		return err
	}
	if !ok {
		return plaza.ErrNotFound
	}
	return nil
}

// SetSecrets replaces an app's secrets, in one statement: the secrets not
// in the new set are deleted and the others upserted, so that the two parts
// touch different rows whatever order they run in.
//
// A secret given twice is a conflict, as the key would make it on insert;
// the upsert cannot tell it, so it is checked here.
func (t *tx) SetSecrets(ctx context.Context, appID string, secrets []plaza.Secret) error {
	values, created, expires := secretColumns(secrets)
	seen := make(map[string]bool, len(values))
	for _, v := range values {
		if seen[v] {
			return fmt.Errorf("%w: app %s: secret given twice", plaza.ErrConflict, appID)
		}
		seen[v] = true
	}
	_, err := t.db.Exec(ctx, `
		WITH gone AS (
			DELETE FROM app_secrets WHERE app_id = $1 AND NOT (secret = ANY($2::text[]))
		)
		INSERT INTO app_secrets (app_id, secret, created_at, expires_at)
		SELECT $1, s.secret, s.created_at, s.expires_at
		FROM unnest($2::text[], $3::bigint[], $4::bigint[]) AS s (secret, created_at, expires_at)
		ON CONFLICT (app_id, secret) DO UPDATE
		SET created_at = excluded.created_at, expires_at = excluded.expires_at`,
		appID, values, created, expires)
	return translate(err)
}

// RecordSpec records an app's spec from at on. A second record at the same
// millisecond replaces the first: the later change is the one in force.
func (t *tx) RecordSpec(ctx context.Context, appID string, at int64, spec plaza.Spec) error {
	_, err := t.db.Exec(ctx, `
		INSERT INTO app_specs (app_id, at, spec) VALUES ($1, $2, $3)
		ON CONFLICT (app_id, at) DO UPDATE SET spec = excluded.spec`, appID, at, rowcodec.EncodeSpec(spec))
	return translate(err)
}
