package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	_ "modernc.org/sqlite" // the driver of the side connections below

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/sqlite"
	"github.com/plazahq/plaza/internal/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) plaza.Store {
		return open(t, filepath.Join(t.TempDir(), "plaza.db"))
	})
}

// open opens the store at path and closes it when the test ends.
func open(tb testing.TB, path string) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(tb.Context(), path, sqlite.Options{})
	if err != nil {
		tb.Fatalf("Open(%s): %v", path, err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

// side opens a connection to the database file that is not the store's, to
// look at what the store did.
func side(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		tb.Fatalf("open side connection: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func testApp(appID string) plaza.App {
	return plaza.App{
		AppID:            appID,
		Name:             "test",
		CommunityEnabled: true,
		Spec:             plaza.DefaultSpec(),
		Secrets:          []plaza.Secret{{Secret: "secret", CreatedAt: 1}},
		Webhook:          plaza.WebhookConfig{Events: []string{}}, // as App reads it back
		CreatedAt:        1,
	}
}

// TestReopen checks that opening an existing database applies no migration
// twice and keeps its data.
func TestReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "plaza.db")
	s, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatalf("first Open: %v", err)
	}
	app := testApp("1000000001")
	if err := s.Update(ctx, func(tx plaza.Tx) error { return tx.InsertApp(ctx, app) }); err != nil {
		t.Fatalf("InsertApp: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	migrations := func() (n int) {
		t.Helper()
		db := side(t, path)
		defer db.Close()
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatalf("count migrations: %v", err)
		}
		return n
	}
	applied := migrations()
	if applied == 0 {
		t.Fatalf("no migration recorded after the first Open")
	}

	for i := range 2 {
		s, err := sqlite.Open(ctx, path, sqlite.Options{})
		if err != nil {
			t.Fatalf("Open #%d of an existing database: %v", i+2, err)
		}
		got, err := s.App(ctx, app.AppID)
		if err != nil {
			t.Errorf("App after reopening: %v", err)
		} else if d := cmp.Diff(app, got); d != "" {
			t.Errorf("App after reopening (-want +got):\n%s", d)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if n := migrations(); n != applied {
			t.Errorf("after Open #%d, %d migrations are recorded; want %d, as after the first", i+2, n, applied)
		}
	}
}

func TestOpenSync(t *testing.T) {
	tests := []struct {
		sync string
		ok   bool
	}{
		{"", true},
		{sqlite.SyncFull, true},
		{sqlite.SyncNormal, true},
		{"off", false}, // valid for SQLite, refused: an ack must mean durable
		{"extra", false},
		{"Full ", false},
		{"bogus", false},
	}
	for _, tc := range tests {
		t.Run(strconv.Quote(tc.sync), func(t *testing.T) {
			t.Parallel()
			s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "plaza.db"), sqlite.Options{Sync: tc.sync})
			if err == nil {
				t.Cleanup(func() { s.Close() })
			}
			if tc.ok && err != nil {
				t.Errorf("Open with Sync %q: %v", tc.sync, err)
			}
			if !tc.ok && err == nil {
				t.Errorf("Open with Sync %q succeeded; want an error", tc.sync)
			}
		})
	}
}

// TestWAL checks that the database is in WAL mode, which lets reads go on
// while a write is in flight.
func TestWAL(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "plaza.db")
	s := open(t, path)
	if err := s.Update(ctx, func(tx plaza.Tx) error { return tx.InsertApp(ctx, testApp("1000000001")) }); err != nil {
		t.Fatalf("InsertApp: %v", err)
	}
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Errorf("no write-ahead log after a write: %v", err)
	}
	var mode string
	if err := side(t, path).QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatalf("PRAGMA journal_mode: %v", err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
}

// TestAppSpecDefaults checks that a limit missing from a stored spec (one
// added after the app was stored) reads as its default.
func TestAppSpecDefaults(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "plaza.db")
	s := open(t, path)
	_, err := side(t, path).ExecContext(ctx, `
		INSERT INTO apps (app_id, name, community_enabled, spec, created_at)
		VALUES ('1000000001', 'old', 1, '{"communitiesPerUser": 300, "meteringOnly": true}', 5)`)
	if err != nil {
		t.Fatalf("insert an app with a partial spec: %v", err)
	}
	got, err := s.App(ctx, "1000000001")
	if err != nil {
		t.Fatalf("App: %v", err)
	}
	want := plaza.DefaultSpec()
	want.CommunitiesPerUser = 300
	want.MeteringOnly = true
	if d := cmp.Diff(want, got.Spec); d != "" {
		t.Errorf("Spec of an app stored with a partial spec (-want +got):\n%s", d)
	}
}

// TestUpdateAfterClose checks that a closed store refuses work with an error
// rather than a verdict on rows.
func TestUpdateAfterClose(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "plaza.db"), sqlite.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	err = s.Update(ctx, func(tx plaza.Tx) error { return tx.InsertApp(ctx, testApp("1000000001")) })
	if err == nil {
		t.Errorf("Update after Close succeeded; want an error")
	}
	if errors.Is(err, plaza.ErrNotFound) || errors.Is(err, plaza.ErrConflict) {
		t.Errorf("Update after Close = %v; want an engine error, not a store verdict", err)
	}
	if err := s.Ping(ctx); err == nil {
		t.Errorf("Ping after Close succeeded; want an error")
	}
}

// TestMigrateAppSpecs checks that migration 0004 gives the apps stored
// before it a spec history (their spec since their creation) and no webhook.
func TestMigrateAppSpecs(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "plaza.db")
	db := side(t, path)
	if _, err := db.ExecContext(ctx, `CREATE TABLE schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		t.Fatalf("create schema_migrations: %v", err)
	}
	for v, name := range []string{"0001_foundation.sql", "0002_channels_messages.sql", "0003_conversations_mutes.sql"} {
		body, err := os.ReadFile(filepath.Join("migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, string(body)); err != nil {
			t.Fatalf("migration %s: %v", name, err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO schema_migrations VALUES (?, 0)`, v+1); err != nil {
			t.Fatalf("record migration %s: %v", name, err)
		}
	}
	if _, err := db.ExecContext(ctx, `
		INSERT INTO apps (app_id, name, community_enabled, spec, created_at) VALUES
		('1000000001', 'old', 1, '{"communitiesPerUser": 300}', 5),
		('1000000002', 'older', 0, '{}', 3)`); err != nil {
		t.Fatalf("insert apps before migration 0004: %v", err)
	}
	db.Close()

	s := open(t, path)
	custom := plaza.DefaultSpec()
	custom.CommunitiesPerUser = 300
	for _, tc := range []struct {
		appID   string
		created int64
		spec    plaza.Spec
	}{
		{"1000000001", 5, custom},
		{"1000000002", 3, plaza.DefaultSpec()},
	} {
		got, err := s.SpecHistory(ctx, tc.appID, tc.created, tc.created+1)
		if err != nil {
			t.Fatalf("SpecHistory(%s): %v", tc.appID, err)
		}
		if d := cmp.Diff([]plaza.SpecChange{{At: tc.created, Spec: tc.spec}}, got); d != "" {
			t.Errorf("SpecHistory(%s) of an app stored before migration 0004 (-want +got):\n%s", tc.appID, d)
		}
		app, err := s.App(ctx, tc.appID)
		if err != nil {
			t.Fatalf("App(%s): %v", tc.appID, err)
		}
		if d := cmp.Diff(plaza.WebhookConfig{Events: []string{}}, app.Webhook); d != "" {
			t.Errorf("Webhook of app %s stored before migration 0004 (-want +got):\n%s", tc.appID, d)
		}
	}
}

// BenchmarkStore runs the store benchmarks of the conformance suite
// (storetest.Bench) on SQLite, with the default options.
func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) plaza.Store {
		return open(b, filepath.Join(b.TempDir(), "plaza.db"))
	}, nil)
}
