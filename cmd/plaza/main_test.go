package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/client"
	"github.com/plazahq/plaza/internal/pgtest"
)

// testServer is the real program, run in-process by run() on a free port.
type testServer struct {
	URL    string
	Data   string
	App    devApp
	Stdout *lineWriter
	Stderr *lineWriter
	cancel context.CancelFunc
	done   chan error
}

// lineWriter collects output and tells when a line with a prefix appears.
type lineWriter struct {
	mu    sync.Mutex
	lines []string
	part  string
	cond  *sync.Cond
}

func newLineWriter() *lineWriter {
	w := &lineWriter{}
	w.cond = sync.NewCond(&w.mu)
	return w
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.part += string(p)
	for {
		i := strings.IndexByte(w.part, '\n')
		if i < 0 {
			break
		}
		w.lines = append(w.lines, w.part[:i])
		w.part = w.part[i+1:]
	}
	w.cond.Broadcast()
	return len(p), nil
}

// waitFor returns the first line containing s, waiting up to d.
func (w *lineWriter) waitFor(s string, d time.Duration) (string, bool) {
	deadline := time.Now().Add(d)
	timer := time.AfterFunc(d, func() { w.mu.Lock(); w.cond.Broadcast(); w.mu.Unlock() })
	defer timer.Stop()
	w.mu.Lock()
	defer w.mu.Unlock()
	for {
		for _, l := range w.lines {
			if strings.Contains(l, s) {
				return l, true
			}
		}
		if time.Now().After(deadline) {
			return "", false
		}
		w.cond.Wait()
	}
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.lines, "\n") + w.part
}

// schemas maps a data directory to the PostgreSQL schema that holds its
// state when the suite runs on PostgreSQL, so that a restart on the same
// directory finds the same state.
var schemas sync.Map

// storeArgs returns the flags that choose a test server's store: none
// (SQLite in the data directory) by default; with PLAZA_TEST_STORE=postgres,
// a PostgreSQL schema of the directory's own.
func storeArgs(tb testing.TB, dir string) []string {
	args := storeFlag(tb, dir)
	if args == nil {
		return nil
	}
	// One connection: a query beside an open transaction (which would need a
	// second connection while holding one, and deadlock under load) hangs at
	// once instead of only under concurrency.
	return append(args, "--postgres-max-conns", "1")
}

// storeFlag returns the --postgres flag of the test server using dir, if
// the suite runs on PostgreSQL, for commands other than serve.
func storeFlag(tb testing.TB, dir string) []string {
	if !pgtest.OnPostgres() {
		return nil
	}
	url, ok := schemas.Load(dir)
	if !ok {
		url, _ = schemas.LoadOrStore(dir, pgtest.SchemaURL(tb))
	}
	return []string{"--postgres", url.(string)}
}

// startServer runs "plaza serve" on 127.0.0.1:0 with a fresh data directory
// (or dir, if given) and stops it when the test ends.
func startServer(tb testing.TB, dir string, args ...string) *testServer {
	tb.Helper()
	if dir == "" {
		dir = tb.TempDir()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &testServer{Data: dir, Stdout: newLineWriter(), Stderr: newLineWriter(), cancel: cancel, done: make(chan error, 1)}
	args = append(append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--log-level", "warn"}, storeArgs(tb, dir)...), args...)
	go func() { s.done <- run(ctx, args, func(string) string { return "" }, nil, s.Stdout, s.Stderr) }()
	line, ok := s.Stdout.waitFor("listening on http://", 10*time.Second)
	if !ok {
		cancel()
		tb.Fatalf("server did not start; stdout:\n%s\nstderr:\n%s", s.Stdout, s.Stderr)
	}
	s.URL = line[strings.Index(line, "http://"):]
	b, err := os.ReadFile(filepath.Join(dir, devAppFile))
	if err != nil {
		tb.Fatalf("read %s: %v", devAppFile, err)
	}
	if err := json.Unmarshal(b, &s.App); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.stop(tb) })
	return s
}

// stop shuts the server down as SIGTERM would and checks that run returns nil.
func (s *testServer) stop(tb testing.TB) {
	tb.Helper()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case err := <-s.done:
		if err != nil {
			tb.Errorf("run returned %v after shutdown", err)
		}
	case <-time.After(20 * time.Second):
		tb.Error("server did not stop within 20s")
	}
}

// token mints a token for userID in the development app.
func (s *testServer) token(tb testing.TB, userID string) string {
	tb.Helper()
	tok, err := plaza.MintToken(s.App.ServerSecret, s.App.AppID, userID, time.Now(), time.Hour)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// client returns an SDK client for userID; the user exists once it has
// made a call, as with any first authentication.
func (s *testServer) client(tb testing.TB, userID string) *client.Client {
	tb.Helper()
	c := client.New(s.URL, s.token(tb, userID))
	if _, err := c.QueryCommunityList(context.Background(), plaza.QueryCommunityListRequest{}); err != nil {
		tb.Fatalf("first call of %s: %v", userID, err)
	}
	return c
}

// connect opens a gateway session and closes it when the test ends.
func connect(tb testing.TB, c *client.Client) *client.Conn {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := c.Connect(ctx)
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	tb.Cleanup(func() { conn.Close() })
	return conn
}

// waitEvent reads conn's events until one named name arrives, failing after
// d. Other events are skipped.
func waitEvent(tb testing.TB, conn *client.Conn, name string, d time.Duration) client.Event {
	tb.Helper()
	timeout := time.After(d)
	for {
		select {
		case e, ok := <-conn.Events():
			if !ok {
				tb.Fatalf("session ended waiting for %s: %v", name, conn.Err())
			}
			if e.Name == name {
				return e
			}
		case <-timeout:
			tb.Fatalf("no %s within %s", name, d)
		}
	}
}

// nextMessages returns the next messageReceived event of conn, skipping
// other events. It fails the test with what() when timeout fires first or
// the session ends.
func nextMessages(tb testing.TB, conn *client.Conn, timeout <-chan time.Time, what func() string) plaza.MessageListEvent {
	tb.Helper()
	for {
		select {
		case e, ok := <-conn.Events():
			if !ok {
				tb.Fatalf("session ended (%v): %s", conn.Err(), what())
			}
			if e.Name != plaza.EventMessageReceived {
				continue
			}
			var ev plaza.MessageListEvent
			if err := e.Decode(&ev); err != nil {
				tb.Fatal(err)
			}
			return ev
		case <-timeout:
			tb.Fatalf("timed out: %s", what())
		}
	}
}

// noEvent fails if an event named name arrives within d.
func noEvent(tb testing.TB, conn *client.Conn, name string, d time.Duration) {
	tb.Helper()
	timeout := time.After(d)
	for {
		select {
		case e, ok := <-conn.Events():
			if !ok {
				return
			}
			if e.Name == name {
				tb.Fatalf("unexpected %s: %s", name, e.Data)
			}
		case <-timeout:
			return
		}
	}
}

// wantAPIError checks an SDK error's HTTP status and code.
func wantAPIError(tb testing.TB, err error, status int, code plaza.Code) {
	tb.Helper()
	var ce *client.Error
	if !errors.As(err, &ce) {
		tb.Fatalf("got %v, want HTTP %d %s", err, status, code)
	}
	if ce.Status != status || ce.Err.Code != code {
		tb.Fatalf("got HTTP %d %s (%s), want HTTP %d %s", ce.Status, ce.Err.Code, ce.Err.Message, status, code)
	}
	if ce.Err.Code.Number() == 0 || ce.Err.Message == "" {
		tb.Fatalf("error object incomplete: %+v", ce.Err)
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	if err := run(context.Background(), []string{"version"}, func(string) string { return "" }, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "plaza ") {
		t.Fatalf("version printed %q", out.String())
	}
	if err := run(context.Background(), []string{"bogus"}, func(string) string { return "" }, nil, io.Discard, io.Discard); err == nil {
		t.Fatal("an unknown command did not fail")
	}
}

func TestEnvironmentSetsFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"PLAZA_ADDR": "127.0.0.1:0", "PLAZA_DATA": dir, "PLAZA_LOG_LEVEL": "warn"}
	ctx, cancel := context.WithCancel(context.Background())
	out := newLineWriter()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, nil, out, io.Discard)
	}()
	if _, ok := out.waitFor("listening on http://127.0.0.1:", 10*time.Second); !ok {
		t.Fatalf("server did not start from the environment:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, devAppFile)); err != nil {
		t.Fatalf("PLAZA_DATA was not used: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// A bad value is refused with the variable's name.
	env["PLAZA_HEARTBEAT_INTERVAL"] = "soon"
	err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "PLAZA_HEARTBEAT_INTERVAL") {
		t.Fatalf("bad environment value gave %v", err)
	}
}
