package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/webhook"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// received is one request a receiver got.
type received struct {
	at     time.Time
	header http.Header
	body   []byte
	status int
}

// receiver is an app backend on loopback that answers each request with the
// status status picks, given the delivery ID and the attempt (1, 2, …).
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []received
	byID map[string][]received
}

func newReceiver(tb testing.TB, status func(id string, attempt int) int) *receiver {
	tb.Helper()
	rc := &receiver{byID: make(map[string][]received)}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := r.Header.Get("Plaza-Webhook-ID")
		rc.mu.Lock()
		code := status(id, len(rc.byID[id])+1)
		got := received{at: time.Now(), header: r.Header.Clone(), body: body, status: code}
		rc.reqs = append(rc.reqs, got)
		rc.byID[id] = append(rc.byID[id], got)
		rc.mu.Unlock()
		w.WriteHeader(code)
	}))
	tb.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.reqs...)
}

func (rc *receiver) attempts(id int64) []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.byID[strconv.FormatInt(id, 10)]...)
}

// run starts d.Run and stops it at the end of the test, which then expects
// Run to have returned nil.
func run(tb testing.TB, d *webhook.Dispatcher) (stop func() error) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				err = fmt.Errorf("Run did not return after its context ended")
			}
		})
		return err
	}
	tb.Cleanup(func() {
		if err := stop(); err != nil {
			tb.Error(err)
		}
	})
	return stop
}

// waitFor waits until cond holds, failing the test after a deadline.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// enqueue queues a callback of app, due now, and returns its ID.
func enqueue(tb testing.TB, s plaza.Store, appID, event string, body []byte) int64 {
	tb.Helper()
	d := plaza.WebhookDelivery{AppID: appID, Event: event, Body: body, NextAt: time.Now().UnixMilli(), CreatedAt: time.Now().UnixMilli()}
	err := s.Update(context.Background(), func(tx plaza.Tx) error { return tx.EnqueueWebhook(context.Background(), &d) })
	if err != nil {
		tb.Fatal(err)
	}
	return d.ID
}

func app(id, callbackURL string) plaza.App {
	return plaza.App{AppID: id, Webhook: plaza.WebhookConfig{CallbackURL: callbackURL, Secret: "secret-of-" + id}}
}

func ms(n ...int) []time.Duration {
	var out []time.Duration
	for _, v := range n {
		out = append(out, time.Duration(v)*time.Millisecond)
	}
	return out
}

// logs collects a logger's records.
type logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logs) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// records returns the records whose message contains msg.
func (l *logs) records(tb testing.TB, msg string) []map[string]any {
	tb.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(l.buf.String()) {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			tb.Fatalf("log line %q: %v", line, err)
		}
		if m, _ := r["msg"].(string); strings.Contains(m, msg) {
			out = append(out, r)
		}
	}
	return out
}

func TestRetriesThenDelivers(t *testing.T) {
	t.Parallel()
	delays := ms(20, 40, 80)
	rc := newReceiver(t, func(id string, attempt int) int {
		if attempt <= 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	store := newMemStore(app("acme", rc.URL))
	var ids []int64
	for i := range 10 {
		ids = append(ids, enqueue(t, store, "acme", plaza.WebhookMemberJoined, fmt.Appendf(nil, `{"n":%d}`, i)))
	}
	d := webhook.New(webhook.Options{Store: store, PollInterval: 5 * time.Millisecond, RetryDelays: delays, Workers: 4, Batch: 3})
	run(t, d)
	waitFor(t, "the queue to empty", func() bool { n, _ := store.pending(); return n == 0 })
	if got, want := d.Stats(), (webhook.Stats{Delivered: 10, Failed: 20}); got != want {
		t.Errorf("stats %+v, want %+v", got, want)
	}

	for _, id := range ids {
		got := rc.attempts(id)
		if len(got) != 3 {
			t.Fatalf("delivery %d: %d attempts, want 3", id, len(got))
		}
		successes := 0
		for i, r := range got {
			if r.status == http.StatusOK {
				successes++
			}
			if !bytes.Equal(r.body, got[0].body) {
				t.Errorf("delivery %d: attempt %d sent %s, the first %s", id, i+1, r.body, got[0].body)
			}
			if i > 0 {
				// The store keeps times in whole milliseconds.
				if gap := r.at.Sub(got[i-1].at); gap < delays[i-1]-2*time.Millisecond {
					t.Errorf("delivery %d: attempt %d came %v after the previous one, want at least %v", id, i+1, gap, delays[i-1])
				}
			}
		}
		if successes != 1 {
			t.Errorf("delivery %d received %d times, want once", id, successes)
		}
	}
	// Each retry was scheduled with the delay of its rank.
	retries := store.retryLog()
	if len(retries) != 2*len(ids) {
		t.Fatalf("%d retries recorded, want %d", len(retries), 2*len(ids))
	}
	for _, r := range retries {
		want := delays[r.attempts-1].Milliseconds()
		if d := r.nextAt - r.at; d > want || d <= want/2 {
			t.Errorf("retry after attempt %d due in %d ms, want %d ms", r.attempts, d, want)
		}
		if r.lastError != "status 503" {
			t.Errorf("retry after attempt %d: last error %q, want %q", r.attempts, r.lastError, "status 503")
		}
	}
}

func TestSignedRequest(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(string, int) int { return http.StatusNoContent })
	a := app("acme", rc.URL)
	store := newMemStore(a)
	body := []byte(`{"event":"channelCreated","appID":"acme","data":{"x":"é"}}`)
	id := enqueue(t, store, "acme", plaza.WebhookChannelCreated, body)
	now := time.Now().Add(time.Hour).Truncate(time.Second) // the delivery is due
	run(t, webhook.New(webhook.Options{Store: store, Now: func() time.Time { return now }, PollInterval: 5 * time.Millisecond}))
	waitFor(t, "the queue to empty", func() bool { n, _ := store.pending(); return n == 0 })

	reqs := rc.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	ts := strconv.FormatInt(now.Unix(), 10)
	wantHeaders := map[string]string{
		"Content-Type":     "application/json",
		"User-Agent":       "Plaza-Webhook/1",
		"Plaza-Webhook-ID": strconv.FormatInt(id, 10),
		"Plaza-Event":      plaza.WebhookChannelCreated,
		"Plaza-Timestamp":  ts,
		"Plaza-Signature":  plaza.WebhookSignature(a.Webhook.Secret, strconv.FormatInt(id, 10), now.Unix(), body),
	}
	for k, want := range wantHeaders {
		if got := r.header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if !bytes.Equal(r.body, body) {
		t.Errorf("body %s, want %s", r.body, body)
	}
}

func TestGivesUp(t *testing.T) {
	t.Parallel()
	delays := ms(10, 20, 40)
	rc := newReceiver(t, func(string, int) int { return http.StatusInternalServerError })
	store := newMemStore(app("acme", rc.URL))
	id := enqueue(t, store, "acme", plaza.WebhookMessageSent, []byte(`{}`))
	var l logs
	d := webhook.New(webhook.Options{Store: store, Logger: l.logger(), PollInterval: 5 * time.Millisecond, RetryDelays: delays})
	run(t, d)
	waitFor(t, "the queue to empty", func() bool { n, _ := store.pending(); return n == 0 })
	if got, want := d.Stats(), (webhook.Stats{Failed: 3, GivenUp: 1}); got != want {
		t.Errorf("stats %+v, want %+v", got, want)
	}

	if got, want := len(rc.attempts(id)), 1+len(delays); got != want {
		t.Errorf("%d attempts, want %d", got, want)
	}
	recs := l.records(t, "given up")
	if len(recs) != 1 {
		t.Fatalf("%d given-up records, want 1", len(recs))
	}
	want := map[string]any{"level": "ERROR", "app": "acme", "event": plaza.WebhookMessageSent, "id": float64(id), "attempts": float64(4), "err": "status 500"}
	for k, v := range want {
		if recs[0][k] != v {
			t.Errorf("given-up record: %s = %v, want %v", k, recs[0][k], v)
		}
	}
}

func TestRedirectIsFailure(t *testing.T) {
	t.Parallel()
	for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			t.Parallel()
			elsewhere := newReceiver(t, func(string, int) int { return http.StatusOK })
			redirector := httptest.NewServer(http.RedirectHandler(elsewhere.URL, code))
			t.Cleanup(redirector.Close)
			store := newMemStore(app("acme", redirector.URL))
			enqueue(t, store, "acme", plaza.WebhookMemberLeft, []byte(`{}`))
			run(t, webhook.New(webhook.Options{Store: store, PollInterval: 5 * time.Millisecond, RetryDelays: ms(10)}))
			waitFor(t, "the queue to empty", func() bool { n, _ := store.pending(); return n == 0 })

			if n := len(elsewhere.requests()); n != 0 {
				t.Errorf("the redirect was followed %d times", n)
			}
			retries := store.retryLog()
			if len(retries) != 1 || !strings.HasPrefix(retries[0].lastError, fmt.Sprintf("status %d", code)) {
				t.Errorf("retries %+v, want one after status %d", retries, code)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so that the server hears the client hang up
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })

	tests := []struct {
		name, url, want string
	}{
		{"connection refused", closedURL, "connection refused"},
		{"timeout", slow.URL, "timeout after 50ms"},
		{"bad URL", "http://[::1", "invalid URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := newMemStore(app("acme", tt.url))
			enqueue(t, store, "acme", plaza.WebhookMemberLeft, []byte(`{}`))
			client := &http.Client{Timeout: 50 * time.Millisecond, Transport: &http.Transport{}}
			t.Cleanup(client.CloseIdleConnections)
			run(t, webhook.New(webhook.Options{Store: store, Client: client, PollInterval: 5 * time.Millisecond, RetryDelays: ms(10)}))
			waitFor(t, "a retry", func() bool { return len(store.retryLog()) > 0 })
			if got := store.retryLog()[0].lastError; !strings.HasPrefix(got, tt.want) {
				t.Errorf("last error %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDropsWithoutCallbackURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(s *memStore, a plaza.App)
	}{
		{"callback URL removed", func(s *memStore, a plaza.App) {
			a.Webhook.CallbackURL = ""
			s.setApp(a, false)
		}},
		{"app gone", func(s *memStore, a plaza.App) { s.setApp(a, true) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rc := newReceiver(t, func(string, int) int { return http.StatusOK })
			a := app("acme", rc.URL)
			store := newMemStore(a)
			enqueue(t, store, "acme", plaza.WebhookMemberKicked, []byte(`{}`))
			tt.change(store, a)
			var l logs
			d := webhook.New(webhook.Options{Store: store, Logger: l.logger(), PollInterval: 5 * time.Millisecond})
			run(t, d)
			waitFor(t, "the queue to empty", func() bool { n, _ := store.pending(); return n == 0 })
			if got, want := d.Stats(), (webhook.Stats{Dropped: 1}); got != want {
				t.Errorf("stats %+v, want %+v", got, want)
			}

			if n := len(rc.requests()); n != 0 {
				t.Errorf("%d requests, want none", n)
			}
			if recs := l.records(t, "dropped"); len(recs) != 1 || recs[0]["level"] != "INFO" {
				t.Errorf("dropped records %v, want one at INFO", recs)
			}
		})
	}
}

func TestWake(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(string, int) int { return http.StatusOK })
	store := newMemStore(app("acme", rc.URL))
	d := webhook.New(webhook.Options{Store: store, PollInterval: time.Hour})
	run(t, d)
	waitFor(t, "the first claim", func() bool { _, claims := store.pending(); return claims > 0 })
	enqueue(t, store, "acme", plaza.WebhookCommunityCreated, []byte(`{}`))
	d.Wake()
	waitFor(t, "the delivery", func() bool { return len(rc.requests()) == 1 })
}

func TestClaimsOnlyWhatWorkersTake(t *testing.T) {
	t.Parallel()
	const workers = 2
	var (
		mu             sync.Mutex
		inflight, most int
	)
	gate := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inflight++
		most = max(most, inflight)
		mu.Unlock()
		<-gate
		mu.Lock()
		inflight--
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	store := newMemStore(app("acme", srv.URL))
	for range 7 {
		enqueue(t, store, "acme", plaza.WebhookMessageSent, []byte(`{}`))
	}
	run(t, webhook.New(webhook.Options{Store: store, Workers: workers, PollInterval: 5 * time.Millisecond}))
	waitFor(t, "the workers to be busy", func() bool { mu.Lock(); defer mu.Unlock(); return inflight == workers })
	if n := store.leased(time.Now().UnixMilli()); n != workers {
		t.Errorf("%d deliveries leased while %d workers are busy", n, workers)
	}
	close(gate)
	waitFor(t, "the queue to empty", func() bool { n, _ := store.pending(); return n == 0 })
	mu.Lock()
	defer mu.Unlock()
	if most != workers {
		t.Errorf("%d attempts at once, want %d", most, workers)
	}
}

func TestShutdownHandsBack(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so that the server hears the client hang up
		select {
		case arrived <- struct{}{}:
		default: // a later attempt must not block the server's Close
		}
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	store := newMemStore(app("acme", srv.URL))
	id := enqueue(t, store, "acme", plaza.WebhookMessageSent, []byte(`{}`))
	stop := run(t, webhook.New(webhook.Options{Store: store, PollInterval: 5 * time.Millisecond}))
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("no attempt")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	d, ok := store.delivery(id)
	if !ok {
		t.Fatal("the delivery left the queue")
	}
	if d.Attempts != 0 || d.NextAt > time.Now().UnixMilli() {
		t.Errorf("handed back with %d attempts, due at %d; want 0 attempts, due now", d.Attempts, d.NextAt)
	}
}
