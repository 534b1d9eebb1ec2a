package main

import (
	"bytes"
	"log/slog"
	"os"
	"strings"
	"testing"
)

// TestWarnOpenDataDir: the data directory holds the apps' server secrets;
// serve warns when others may read it, and says nothing when they may not.
func TestWarnOpenDataDir(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		mode os.FileMode
		warn bool
	}{
		{0o700, false},
		{0o750, false},
		{0o755, true},
		{0o701, true},
		{0o777, true},
	} {
		dir := t.TempDir()
		if err := os.Chmod(dir, tt.mode); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		warnOpenDataDir(slog.New(slog.NewTextHandler(&buf, nil)), dir)
		if got := strings.Contains(buf.String(), "level=WARN"); got != tt.warn {
			t.Errorf("mode %#o: warned %v (%q), want %v", tt.mode, got, buf.String(), tt.warn)
		}
	}
}
