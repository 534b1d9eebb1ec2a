// Package plazatest builds real Plaza services for tests: SQLite in a
// temporary directory and an embedded NATS server, never mocks of either.
package plazatest

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/natsbus"
	"github.com/plazahq/plaza/internal/sqlite"

	_ "modernc.org/sqlite" // for Snapshot's read-only connection
)

// Clock is a settable clock for tests.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock set to t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Env is one Plaza service with its store, bus and a community-enabled app.
type Env struct {
	Service *plaza.Service
	Store   *sqlite.Store
	Bus     *natsbus.Bus
	Clock   *Clock
	App     plaza.App
	Dir     string
}

// Options adjusts New.
type Options struct {
	Spec  *plaza.Spec
	Clock *Clock // nil: the real time
	// PassiveThreshold is passed to the service (0: its default).
	PassiveThreshold int
	// Sync is the SQLite synchronous mode (default full).
	Sync string
	// Hook calls beforeSendMessage hooks (nil: none).
	Hook plaza.SendHook
	// WebhookQueued is called after commits that queued callbacks.
	WebhookQueued func()
}

// New starts a service on a fresh SQLite file and an embedded NATS server;
// everything is closed when the test ends.
func New(tb testing.TB, o Options) *Env {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "plaza.db"), sqlite.Options{Sync: o.Sync})
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	emb, err := natsbus.StartEmbedded()
	if err != nil {
		store.Close()
		tb.Fatalf("start nats: %v", err)
	}
	bus := natsbus.New(emb.Conn, 2, nil)
	tb.Cleanup(func() {
		bus.Close()
		emb.Close()
		store.Close()
	})
	now := time.Now
	if o.Clock != nil {
		now = o.Clock.Now
	}
	svc := plaza.NewService(plaza.Options{Store: store, Bus: bus, Now: now, PassiveThreshold: o.PassiveThreshold,
		Hook: o.Hook, WebhookQueued: o.WebhookQueued})
	// The app is stored directly, so that a test may use limits outside the
	// ranges an operator may set (a member limit of 10, say).
	secret, err := plaza.NewSecret()
	if err != nil {
		tb.Fatal(err)
	}
	app := plaza.App{
		AppID:            "1000000001",
		Name:             "test",
		CommunityEnabled: true,
		Spec:             plaza.DefaultSpec(),
		Secrets:          []plaza.Secret{{Secret: secret, CreatedAt: now().UnixMilli()}},
		Webhook:          plaza.WebhookConfig{Events: []string{}},
		CreatedAt:        now().UnixMilli(),
	}
	if o.Spec != nil {
		app.Spec = *o.Spec
	}
	err = store.Update(ctx, func(tx plaza.Tx) error {
		if err := tx.InsertApp(ctx, app); err != nil {
			return err
		}
		return tx.RecordSpec(ctx, app.AppID, app.CreatedAt, app.Spec)
	})
	if err != nil {
		tb.Fatalf("create app: %v", err)
	}
	return &Env{Service: svc, Store: store, Bus: bus, Clock: o.Clock, App: app, Dir: dir}
}

// Actor returns the actor for userID in the env's app.
func (e *Env) Actor(userID string) plaza.Actor {
	return plaza.Actor{AppID: e.App.AppID, UserID: userID}
}

// Users makes users exist (as their first authentication does) and returns
// their actors.
func (e *Env) Users(tb testing.TB, userIDs ...string) []plaza.Actor {
	tb.Helper()
	out := make([]plaza.Actor, len(userIDs))
	for i, id := range userIDs {
		out[i] = e.Actor(id)
		if _, _, err := e.Service.Authenticate(context.Background(), e.Token(tb, id)); err != nil {
			tb.Fatalf("authenticate %s: %v", id, err)
		}
	}
	return out
}

// Token mints a one-hour token for userID.
func (e *Env) Token(tb testing.TB, userID string) string {
	tb.Helper()
	now := time.Now()
	if e.Clock != nil {
		now = e.Clock.Now()
	}
	tok, err := plaza.MintToken(e.App.Secrets[0].Secret, e.App.AppID, userID, now, time.Hour)
	if err != nil {
		tb.Fatalf("mint token: %v", err)
	}
	return tok
}

// Snapshot returns every row of every table of the env's database, so that a
// test can check that a refused request changed nothing.
func (e *Env) Snapshot(tb testing.TB) string {
	tb.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(e.Dir, "plaza.db")+"?mode=ro")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`)
	if err != nil {
		tb.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	var b strings.Builder
	for _, table := range tables {
		fmt.Fprintf(&b, "== %s\n", table)
		rows, err := db.QueryContext(ctx, `SELECT * FROM "`+table+`" ORDER BY 1`)
		if err != nil {
			tb.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				tb.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String()
}
