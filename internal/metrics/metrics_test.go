package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/metrics"
	"github.com/plazahq/plaza/internal/natsbus"
)

// scrape reads m's exposition: every sample by its name and labels as
// written ("plaza_requests_total{code=\"ok\",…}").
func scrape(tb testing.TB, m *metrics.Metrics) map[string]float64 {
	tb.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	out := map[string]float64{}
	for line := range strings.SplitSeq(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			tb.Fatalf("sample %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

func TestRequests(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	m.ObserveRequest(metrics.HTTP, "sendMessage", "", 3*time.Millisecond)
	m.ObserveRequest(metrics.HTTP, "sendMessage", plaza.ERateLimited, time.Millisecond)
	m.ObserveRequest(metrics.Gateway, "sendMessage", "", 2*time.Millisecond)
	got := scrape(t, m)
	for series, want := range map[string]float64{
		`plaza_requests_total{code="ok",operation="sendMessage",transport="http"}`:           1,
		`plaza_requests_total{code="rate_limited",operation="sendMessage",transport="http"}`: 1,
		`plaza_requests_total{code="ok",operation="sendMessage",transport="gateway"}`:        1,
		`plaza_request_duration_seconds_count{operation="sendMessage",transport="http"}`:     2,
		`plaza_request_duration_seconds_count{operation="sendMessage",transport="gateway"}`:  1,
	} {
		if got[series] != want {
			t.Errorf("%s = %v, want %v", series, got[series], want)
		}
	}
	if _, ok := got["go_goroutines"]; !ok {
		t.Error("the Go runtime's metrics are missing")
	}
}

// fakeStore is a Store whose Update runs fn on no transaction: enough to
// time it.
type fakeStore struct{ plaza.Store }

func (fakeStore) Update(ctx context.Context, fn func(plaza.Tx) error) error { return fn(nil) }

func TestStoreTransactions(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	s := m.Store(fakeStore{})
	ctx := context.Background()
	s.Update(ctx, func(plaza.Tx) error { return nil })
	s.Update(ctx, func(plaza.Tx) error { return nil })
	if err := s.Update(ctx, func(plaza.Tx) error { return plaza.ErrNotFound }); !errors.Is(err, plaza.ErrNotFound) {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	got := scrape(t, m)
	if n := got[`plaza_store_transaction_duration_seconds_count{outcome="commit"}`]; n != 2 {
		t.Errorf("commits: %v, want 2", n)
	}
	if n := got[`plaza_store_transaction_duration_seconds_count{outcome="rollback"}`]; n != 1 {
		t.Errorf("rollbacks: %v, want 1", n)
	}
}

// groupStore is a fakeStore that groups updates, as the PostgreSQL store
// does.
type groupStore struct{ fakeStore }

func (groupStore) UpdateGroup(ctx context.Context, key string, fn func(plaza.Tx) error) error {
	return fn(nil)
}

// TestStoreKeepsGroups checks that timing a store keeps its group commit,
// and times grouped updates too.
func TestStoreKeepsGroups(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	if _, ok := m.Store(fakeStore{}).(plaza.GroupUpdater); ok {
		t.Error("a store without groups gained UpdateGroup")
	}
	g, ok := m.Store(groupStore{}).(plaza.GroupUpdater)
	if !ok {
		t.Fatal("the timed store lost UpdateGroup")
	}
	g.UpdateGroup(context.Background(), "k", func(plaza.Tx) error { return nil })
	if n := scrape(t, m)[`plaza_store_transaction_duration_seconds_count{outcome="commit"}`]; n != 1 {
		t.Errorf("commits: %v, want 1", n)
	}
}

func TestBusLag(t *testing.T) {
	t.Parallel()
	emb, err := natsbus.StartEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	inner := natsbus.New(emb.Conn, 1, nil)
	defer inner.Close()
	m := metrics.New()
	bus := m.Bus(inner)
	got := make(chan *plaza.Event, 1)
	topic := plaza.CommunityTopic("a", "c")
	sub, err := bus.Subscribe(topic, func(e *plaza.Event) { got <- e })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	e := &plaza.Event{Name: "x", AppID: "a", CommunityID: "c", Data: []byte(`{}`)}
	before := time.Now().UnixMicro()
	if err := bus.Publish(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if e.PublishedAt != 0 {
		t.Fatal("Publish changed the caller's event")
	}
	select {
	case r := <-got:
		if r.PublishedAt < before {
			t.Fatalf("received PublishedAt %d, before the publication (%d)", r.PublishedAt, before)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
	if n := scrape(t, m)["plaza_bus_lag_seconds_count"]; n != 1 {
		t.Fatalf("lag observations: %v, want 1", n)
	}
}

func TestCollectors(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	gs := metrics.GatewayStats{Sessions: 3, QueuedBytes: 100, Dispatched: 7, Overflows: 1, Identified: 4, Resumed: 2, IdentifyLimited: 5, RateLimited: 6}
	ws := metrics.WebhookStats{Delivered: 9, Failed: 2, HookCalls: 5, HookFailures: 1}
	m.Gateway(func() metrics.GatewayStats { return gs })
	m.Webhooks(func() metrics.WebhookStats { return ws })
	got := scrape(t, m)
	for series, want := range map[string]float64{
		"plaza_gateway_sessions":                              3,
		"plaza_gateway_queued_bytes":                          100,
		"plaza_gateway_dispatched_total":                      7,
		"plaza_gateway_queue_overflows_total":                 1,
		"plaza_gateway_rate_limited_total":                    6,
		`plaza_gateway_identify_total{outcome="identified"}`:  4,
		`plaza_gateway_identify_total{outcome="resumed"}`:     2,
		`plaza_gateway_identify_total{outcome="limited"}`:     5,
		`plaza_webhook_deliveries_total{outcome="delivered"}`: 9,
		`plaza_webhook_deliveries_total{outcome="failed"}`:    2,
		`plaza_webhook_hook_calls_total{outcome="ok"}`:        4,
		`plaza_webhook_hook_calls_total{outcome="failed"}`:    1,
	} {
		if v, ok := got[series]; !ok || v != want {
			t.Errorf("%s = %v (served: %v), want %v", series, v, ok, want)
		}
	}
	// Read at each scrape.
	gs.Dispatched = 8
	if n := scrape(t, m)["plaza_gateway_dispatched_total"]; n != 8 {
		t.Fatalf("after a change: %v, want 8", n)
	}
}
