package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/sqlite"
)

// TestFilesAreOwnerOnly: the database holds every app's server secret, so
// its files (the database, its -wal and -shm) are readable by their owner
// only, whatever the umask and the directory's mode; files an older version
// left more open are closed on open.
func TestFilesAreOwnerOnly(t *testing.T) {
	// The umask is the process's: no t.Parallel, and put it back.
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
	ctx := context.Background()

	check := func(t *testing.T, path string) {
		t.Helper()
		s, err := sqlite.Open(ctx, path, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		// A write makes sure the -wal and -shm files exist.
		app := plaza.App{AppID: "a1", Name: "a", Spec: plaza.DefaultSpec(), Secrets: []plaza.Secret{{Secret: "s"}}, Webhook: plaza.WebhookConfig{Events: []string{}}}
		if err := s.Update(ctx, func(tx plaza.Tx) error { return tx.InsertApp(ctx, app) }); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{path, path + "-wal", path + "-shm"} {
			fi, err := os.Stat(name)
			if err != nil {
				t.Fatal(err)
			}
			if mode := fi.Mode().Perm(); mode != 0o600 {
				t.Errorf("%s has mode %#o, want 0600", filepath.Base(name), mode)
			}
		}
	}

	t.Run("new", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Chmod(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		check(t, filepath.Join(dir, "plaza.db"))
	})
	t.Run("existing", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "plaza.db")
		s, err := sqlite.Open(ctx, path, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		for _, name := range []string{path, path + "-wal", path + "-shm"} {
			f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY, 0o644) // an empty -wal and -shm are as good as none
			if err != nil {
				t.Fatal(err)
			}
			f.Close()
			if err := os.Chmod(name, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		check(t, path)
	})
}
