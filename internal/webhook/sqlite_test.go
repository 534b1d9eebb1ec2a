package webhook_test

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/sqlite"
	"github.com/plazahq/plaza/internal/webhook"
)

func openSQLite(tb testing.TB, path string) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestRestartOnSQLite stops the dispatcher and reopens the store between two
// attempts: the queue, and the delivery's attempts, outlive the process.
func TestRestartOnSQLite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var restarted atomic.Bool
	rc := newReceiver(t, func(id string, attempt int) int {
		if !restarted.Load() {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	path := filepath.Join(t.TempDir(), "plaza.db")
	store := openSQLite(t, path)
	err := store.Update(ctx, func(tx plaza.Tx) error { return tx.InsertApp(ctx, app("acme", rc.URL)) })
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"event":"memberJoined","appID":"acme","data":{"userIDs":["amy"]}}`)
	id := enqueue(t, store, "acme", plaza.WebhookMemberJoined, body)
	delays := ms(50, 50, 50, 50, 50)

	stop := run(t, webhook.New(webhook.Options{Store: store, PollInterval: 5 * time.Millisecond, RetryDelays: delays}))
	waitFor(t, "a failed attempt", func() bool { return len(rc.attempts(id)) > 0 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	failed := len(rc.attempts(id))

	store = openSQLite(t, path)
	t.Cleanup(func() { store.Close() })
	restarted.Store(true)
	run(t, webhook.New(webhook.Options{Store: store, PollInterval: 5 * time.Millisecond, RetryDelays: delays}))
	waitFor(t, "the queue to empty", func() bool {
		n, err := store.PendingWebhooks(ctx, "acme")
		return err == nil && n == 0
	})

	got := rc.attempts(id)
	if len(got) != failed+1 {
		t.Fatalf("%d attempts, want %d failed and 1 delivered", len(got), failed)
	}
	for i, r := range got {
		if !bytes.Equal(r.body, body) {
			t.Errorf("attempt %d sent %s, want %s", i+1, r.body, body)
		}
		if want := http.StatusServiceUnavailable; i < failed && r.status != want {
			t.Errorf("attempt %d answered %d before the restart", i+1, r.status)
		}
	}
	if last := got[len(got)-1]; last.status != http.StatusOK {
		t.Errorf("the last attempt answered %d, want 200", last.status)
	}
}
