package postgres_test

import (
	"context"
	"testing"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/pgtest"
	"github.com/plazahq/plaza/internal/postgres"
	"github.com/plazahq/plaza/internal/storetest"
)

// open opens a store in a fresh schema, closed when the test ends.
func open(tb testing.TB) *postgres.Store {
	tb.Helper()
	s, err := postgres.Open(context.Background(), pgtest.SchemaURL(tb), postgres.Options{MaxConns: 8})
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	pgtest.URL(t)
	storetest.Run(t, func(t *testing.T) plaza.Store { return open(t) })
}

// BenchmarkStore runs the store benchmarks of the conformance suite
// (storetest.Bench) on PostgreSQL, measured once VACUUM ANALYZE has done
// what autovacuum does on a live database: a freshly written table holds
// every version of each channel row that a message updated, and the
// planner has no statistics yet.
func BenchmarkStore(b *testing.B) {
	pgtest.URL(b)
	storetest.Bench(b, func(b *testing.B) plaza.Store { return open(b) }, func(b *testing.B, s plaza.Store) {
		if _, err := s.(*postgres.Store).Pool().Exec(b.Context(), "VACUUM ANALYZE"); err != nil {
			b.Fatalf("VACUUM ANALYZE: %v", err)
		}
	})
}

// TestJIT checks that the store's connections run without JIT unless the
// URL asks for it.
func TestJIT(t *testing.T) {
	url := pgtest.SchemaURL(t)
	for _, tc := range []struct{ suffix, want string }{{"", "off"}, {"&jit=on", "on"}} {
		s, err := postgres.Open(t.Context(), url+tc.suffix, postgres.Options{MaxConns: 2})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		var got string
		if err := s.Pool().QueryRow(t.Context(), `SHOW jit`).Scan(&got); err != nil {
			t.Fatalf("SHOW jit: %v", err)
		}
		s.Close()
		if got != tc.want {
			t.Errorf("jit with URL parameters %q = %s, want %s", tc.suffix, got, tc.want)
		}
	}
}
