package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/webhook"
)

// hookServer answers every call with status and answer, and checks that the
// call was signed with secret.
func hookServer(tb testing.TB, secret string, status int, answer string) (*httptest.Server, <-chan error) {
	tb.Helper()
	problems := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		problems <- checkSigned(r, secret, body)
		if status == 0 { // hang until the caller gives up
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	tb.Cleanup(srv.Close)
	return srv, problems
}

var hookIDPattern = regexp.MustCompile(`^hook-[0-9a-f]{16}$`)

// checkSigned checks the headers of a hook call and that body is a HookCall.
func checkSigned(r *http.Request, secret string, body []byte) error {
	var problems []string
	h := r.Header
	id := h.Get("Plaza-Webhook-ID")
	if !hookIDPattern.MatchString(id) {
		problems = append(problems, "Plaza-Webhook-ID "+strconv.Quote(id))
	}
	if got := h.Get("Plaza-Event"); got != "beforeSendMessage" {
		problems = append(problems, "Plaza-Event "+strconv.Quote(got))
	}
	if got := h.Get("Content-Type"); got != "application/json" {
		problems = append(problems, "Content-Type "+strconv.Quote(got))
	}
	ts, err := strconv.ParseInt(h.Get("Plaza-Timestamp"), 10, 64)
	if err != nil {
		problems = append(problems, "Plaza-Timestamp: "+err.Error())
	}
	if got, want := h.Get("Plaza-Signature"), plaza.WebhookSignature(secret, id, ts, body); got != want {
		problems = append(problems, "Plaza-Signature "+got+", want "+want)
	}
	var call plaza.HookCall
	if err := json.Unmarshal(body, &call); err != nil || call.SenderUserID != "amy" {
		problems = append(problems, "body "+string(body))
	}
	if problems != nil {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func TestHook(t *testing.T) {
	t.Parallel()
	call := plaza.HookCall{
		AppID: "acme", CommunityID: "hikers", ChannelID: "general", SenderUserID: "amy",
		Message: plaza.MessageContent{Type: plaza.MessageText, Message: "hello"},
	}
	tests := []struct {
		name    string
		status  int // 0: never answers
		answer  string
		want    plaza.HookVerdict
		wantErr string
	}{
		{name: "pass", status: 200, answer: `{"action":"pass"}`, want: plaza.HookVerdict{Action: plaza.HookPass}},
		{name: "rewrite", status: 200, answer: `{"action":"rewrite","message":{"type":1,"message":"h*llo"}}`,
			want: plaza.HookVerdict{Action: plaza.HookRewrite, Message: &plaza.MessageContent{Type: plaza.MessageText, Message: "h*llo"}}},
		{name: "drop", status: 200, answer: `{"action":"drop"}`, want: plaza.HookVerdict{Action: plaza.HookDrop}},
		{name: "reject", status: 200, answer: `{"action":"reject","reason":"no spam"}`, want: plaza.HookVerdict{Action: plaza.HookReject, Reason: "no spam"}},
		{name: "timeout", status: 0, wantErr: "timeout after 100ms"},
		{name: "server error", status: 500, answer: `{"action":"pass"}`, wantErr: "status 500"},
		{name: "redirect", status: 302, wantErr: "status 302"},
		{name: "bad JSON", status: 200, answer: `{"action":`, wantErr: "not a verdict"},
		{name: "trailing data", status: 200, answer: `{"action":"pass"} {}`, wantErr: "not a verdict"},
		{name: "unknown action", status: 200, answer: `{"action":"maybe"}`, wantErr: `unknown action "maybe"`},
		{name: "no action", status: 200, answer: `{}`, wantErr: `unknown action ""`},
		{name: "rewrite without message", status: 200, answer: `{"action":"rewrite"}`, wantErr: "without a message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, problems := hookServer(t, "s3cret", tt.status, tt.answer)
			cfg := plaza.WebhookConfig{Secret: "s3cret", BeforeSendMessageURL: srv.URL, BeforeSendMessageTimeoutMillis: 100}
			hook := webhook.NewHook(srv.Client())
			got, err := hook.BeforeSendMessage(context.Background(), cfg, call)
			wantStats := webhook.HookStats{Calls: 1}
			if tt.wantErr != "" {
				wantStats.Failures = 1
			}
			if st := hook.Stats(); st != wantStats {
				t.Errorf("stats %+v, want %+v", st, wantStats)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %v, want one with %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Errorf("error %v", err)
			} else if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("verdict (-want +got):\n%s", diff)
			}
			if err := <-problems; err != nil {
				t.Errorf("the call: %v", err)
			}
		})
	}
}

func TestHookIDsAreFresh(t *testing.T) {
	t.Parallel()
	var (
		mu  sync.Mutex
		ids = make(map[string]bool)
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ids[r.Header.Get("Plaza-Webhook-ID")] = true
		mu.Unlock()
		io.WriteString(w, `{"action":"pass"}`)
	}))
	t.Cleanup(srv.Close)
	h := webhook.NewHook(srv.Client())
	for range 3 {
		if _, err := h.BeforeSendMessage(context.Background(), plaza.WebhookConfig{BeforeSendMessageURL: srv.URL}, plaza.HookCall{}); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(ids) != 3 {
		t.Errorf("3 calls had %d IDs", len(ids))
	}
}
