package httpapi_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/httpapi"
	"github.com/plazahq/plaza/internal/plazatest"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestObserveAndAccessLog: every request is reported once answered, named by
// its route's operation (not its path), with its status, error code, app
// and user; the access log has one line per request.
func TestObserveAndAccessLog(t *testing.T) {
	t.Parallel()
	var (
		mu  sync.Mutex
		got []httpapi.Observation
	)
	var logs syncBuffer
	s := startAPIServer(t, plazatest.Options{}, httpapi.Options{
		AccessLog: slog.New(slog.NewJSONHandler(&logs, nil)),
		Origins:   []string{"https://app.example"},
		Observe: func(o httpapi.Observation) {
			mu.Lock()
			got = append(got, o)
			mu.Unlock()
		},
	}, http.DefaultClient)
	s.env.Users(t, "amy")
	app := s.env.Actor("amy").AppID

	s.do(t, "amy", "POST", "/v1/communities", []byte(`{"communityID":"club"}`))
	s.do(t, "amy", "GET", "/v1/communities/nope", nil)
	s.do(t, "", "GET", "/v1/communities", nil)
	s.do(t, "amy", "GET", "/v1/no/such/path", nil)
	s.do(t, "", "GET", "/healthz", nil)
	corsCall(t, s, "amy", "POST", "/v1/communities/club/leave", "https://evil.example", false)
	s.do(t, "amy", "POST", "/v1/communities//join", nil)

	type seen struct {
		API, Operation string
		Status         int
		Code           plaza.Code
		AppID, UserID  string
	}
	want := []seen{
		{"client", "createCommunity", 200, "", app, "amy"},
		{"client", "queryCommunityInfo", 404, plaza.ECommunityNotFound, app, "amy"},
		{"client", "queryCommunityList", 401, plaza.ETokenInvalid, "", ""},
		{"", "unrouted", 404, plaza.ENotFound, "", ""},
		{"", "healthz", 200, "", "", ""},
		{"client", "leaveCommunity", 403, plaza.EOriginNotAllowed, "", ""},
		{"", "unrouted", 400, plaza.EInvalidArgument, "", ""},
	}
	mu.Lock()
	var have []seen
	for _, o := range got {
		have = append(have, seen{o.API, o.Operation, o.Status, o.Code, o.AppID, o.UserID})
		if o.RequestID == "" || o.Elapsed <= 0 {
			t.Errorf("%s %s: request ID %q, elapsed %s", o.Method, o.Path, o.RequestID, o.Elapsed)
		}
	}
	mu.Unlock()
	if diff := cmp.Diff(want, have); diff != "" {
		t.Fatalf("observations (-want +got):\n%s", diff)
	}

	var lines []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace([]byte(logs.String())), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("log line %s: %v", l, err)
		}
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != len(want) {
		t.Fatalf("%d access log lines, want %d:\n%s", len(lines), len(want), logs.String())
	}
	first := lines[0]
	for k, v := range map[string]any{"level": "INFO", "method": "POST", "path": "/v1/communities", "api": "client", "operation": "createCommunity", "status": float64(200), "app": app, "user": "amy"} {
		if first[k] != v {
			t.Errorf("access log %s = %v, want %v", k, first[k], v)
		}
	}
	if first["id"] == "" || first["latency"] == nil {
		t.Errorf("access log line lacks id or latency: %v", first)
	}
}

// TestObserveErrorWrittenElsewhere: an error body that another handler
// wrote (the gateway refusing an origin) is reported with its code.
func TestObserveErrorWrittenElsewhere(t *testing.T) {
	t.Parallel()
	got := make(chan httpapi.Observation, 1)
	gw := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":{"code":"origin_not_allowed","zimCode":7000007,"message":"origin not allowed"}}`, http.StatusForbidden)
	})
	s := startAPIServer(t, plazatest.Options{}, httpapi.Options{Gateway: gw, Observe: func(o httpapi.Observation) { got <- o }}, http.DefaultClient)
	resp, err := http.Get(s.url + "/v1/gateway")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	o := <-got
	if o.Operation != "gateway" || o.Status != http.StatusForbidden || o.Code != plaza.EOriginNotAllowed {
		t.Fatalf("observed %s %d %q, want gateway 403 origin_not_allowed", o.Operation, o.Status, o.Code)
	}
}
