package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/plazahq/plaza"
)

// App reads an app with its secrets.
func (q queries) App(ctx context.Context, appID string) (plaza.App, error) {
	// One statement: the app with its secrets, newest first (none: one row
	// of NULL secret columns).
	rows, err := q.db.QueryContext(ctx, `
		SELECT a.app_id, a.name, a.community_enabled, a.spec, a.created_at, s.secret, s.created_at, s.expires_at
		FROM apps a LEFT JOIN app_secrets s ON s.app_id = a.app_id
		WHERE a.app_id = ? ORDER BY s.created_at DESC`, appID)
	if err != nil {
		return plaza.App{}, translate(err)
	}
	defer rows.Close()
	var a plaza.App
	var spec string
	found := false
	for rows.Next() {
		var secret sql.NullString
		var created, expires sql.NullInt64
		if err := rows.Scan(&a.AppID, &a.Name, &a.CommunityEnabled, &spec, &a.CreatedAt, &secret, &created, &expires); err != nil {
			return plaza.App{}, translate(err)
		}
		found = true
		if secret.Valid {
			a.Secrets = append(a.Secrets, plaza.Secret{Secret: secret.String, CreatedAt: created.Int64, ExpiresAt: expires.Int64})
		}
	}
	if err := rows.Err(); err != nil {
		return plaza.App{}, translate(err)
	}
	if !found {
		return plaza.App{}, plaza.ErrNotFound
	}
	if a.Spec, err = decodeSpec(spec); err != nil {
		return plaza.App{}, fmt.Errorf("sqlite: app %s spec: %w", appID, err)
	}
	return a, nil
}

// specs caches decoded specs by their stored text: every use case reads its
// app, and decoding the spec cost more than reading the row.
var specs struct {
	sync.Mutex
	m map[string]plaza.Spec
}

// maxSpecs bounds the cache: distinct spec texts are a few per app.
const maxSpecs = 1024

// decodeSpec decodes a stored spec over the defaults, so that limits added
// after the app was stored keep their defaults.
func decodeSpec(text string) (plaza.Spec, error) {
	specs.Lock()
	sp, ok := specs.m[text]
	specs.Unlock()
	if ok {
		return sp, nil
	}
	sp = plaza.DefaultSpec()
	if err := json.Unmarshal([]byte(text), &sp); err != nil {
		return plaza.Spec{}, err
	}
	specs.Lock()
	if specs.m == nil || len(specs.m) >= maxSpecs {
		specs.m = make(map[string]plaza.Spec)
	}
	specs.m[text] = sp
	specs.Unlock()
	return sp, nil
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
