// Package pgtest gives tests PostgreSQL schemas of their own on the server
// named by PLAZA_TEST_POSTGRES (which .ci/run sets), so that tests of the
// PostgreSQL store and of cluster mode run side by side on one database.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// EnvURL is the environment variable holding the test database's URL.
const EnvURL = "PLAZA_TEST_POSTGRES"

// EnvStore, set to "postgres", runs the suites that start Plaza (the
// end-to-end tests of cmd/plaza) on PostgreSQL instead of SQLite.
const EnvStore = "PLAZA_TEST_STORE"

// URL returns the test database's URL, or skips the test, saying why.
func URL(tb testing.TB) string {
	tb.Helper()
	url := os.Getenv(EnvURL)
	if url == "" {
		tb.Skip(EnvURL + " is not set: this test needs a PostgreSQL server (.ci/run starts one and sets it)")
	}
	return url
}

// OnPostgres reports whether the end-to-end suites should run on
// PostgreSQL.
func OnPostgres() bool { return os.Getenv(EnvStore) == "postgres" }

// SchemaURL creates an empty schema for the test, dropped when it ends, and
// returns a URL whose connections use it.
func SchemaURL(tb testing.TB) string {
	tb.Helper()
	url := URL(tb)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("pgtest: create schema: %v", err)
	}
	tb.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			tb.Errorf("pgtest: connect to drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("pgtest: drop schema %s: %v", schema, err)
		}
	})
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "search_path=" + schema
}
