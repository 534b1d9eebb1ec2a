package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/client"
	"github.com/plazahq/plaza/internal/httpapi"
)

// TestOperatorRoutesMatchServer keeps the operator client's routes identical
// to the server's operator API.
func TestOperatorRoutesMatchServer(t *testing.T) {
	t.Parallel()
	mine := client.OperatorRoutes()
	server := map[string][2]string{}
	for _, r := range httpapi.OperatorRoutes() {
		server[r[2]] = [2]string{r[0], r[1]}
	}
	for id, r := range server {
		if mine[id] != r {
			t.Errorf("%s: server routes it to %v, the operator client to %v", id, r, mine[id])
		}
	}
	for id := range mine {
		if _, ok := server[id]; !ok {
			t.Errorf("the operator client routes %s, which the server does not", id)
		}
	}
}

// operatorCall is what a fake operator API saw of one request.
type operatorCall struct {
	method, path, query, auth, contentType string
	body                                   map[string]any
}

// fakeOperatorAPI answers every request with reply (a JSON value, status
// 200) and records what it got.
func fakeOperatorAPI(tb testing.TB, reply any) (*client.Operator, *operatorCall) {
	tb.Helper()
	var got operatorCall
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = operatorCall{method: r.Method, path: r.URL.EscapedPath(), query: r.URL.RawQuery,
			auth: r.Header.Get("Authorization"), contentType: r.Header.Get("Content-Type")}
		if len(b) > 0 {
			if err := json.Unmarshal(b, &got.body); err != nil {
				tb.Errorf("body is not a JSON object: %s", b)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(reply)
	}))
	tb.Cleanup(srv.Close)
	return client.NewOperator(srv.URL+"/", "opkey", srv.Client()), &got
}

func TestOperatorRequests(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	grace := int64(60)
	on := false
	app := plaza.App{AppID: "1234567890", Name: "Acme", Spec: plaza.DefaultSpec()}
	tests := []struct {
		name        string
		call        func(op *client.Operator) (any, error)
		reply       any
		method      string
		path, query string
		body        map[string]any // nil: no body
	}{
		{
			name: "createApp",
			call: func(op *client.Operator) (any, error) {
				return op.CreateApp(ctx, plaza.CreateAppRequest{AppID: "acme", Name: "Acme", CommunityEnabled: true, Spec: json.RawMessage(`{"channelsPerCommunity":500}`)})
			},
			reply: app, method: "POST", path: "/v1/operator/apps",
			body: map[string]any{"appID": "acme", "name": "Acme", "communityEnabled": true, "spec": map[string]any{"channelsPerCommunity": 500.0}},
		},
		{
			name:  "createApp generated ID",
			call:  func(op *client.Operator) (any, error) { return op.CreateApp(ctx, plaza.CreateAppRequest{Name: "Acme"}) },
			reply: app, method: "POST", path: "/v1/operator/apps",
			body: map[string]any{"name": "Acme", "communityEnabled": false},
		},
		{
			name: "listApps",
			call: func(op *client.Operator) (any, error) {
				return op.ListApps(ctx, plaza.ListAppsRequest{Count: 2, NextFlag: "a b"})
			},
			reply:  plaza.AppListResult{AppList: []plaza.App{app}, NextFlag: "1234567890"},
			method: "GET", path: "/v1/operator/apps", query: "count=2&nextFlag=a+b",
		},
		{
			name:   "listApps first page",
			call:   func(op *client.Operator) (any, error) { return op.ListApps(ctx, plaza.ListAppsRequest{}) },
			reply:  plaza.AppListResult{AppList: []plaza.App{}},
			method: "GET", path: "/v1/operator/apps",
		},
		{
			name:   "queryApp",
			call:   func(op *client.Operator) (any, error) { return op.QueryApp(ctx, plaza.AppRequest{AppID: "a/b"}) },
			reply:  app,
			method: "GET", path: "/v1/operator/apps/a%2Fb",
		},
		{
			name: "rotateAppSecret",
			call: func(op *client.Operator) (any, error) {
				return op.RotateAppSecret(ctx, plaza.RotateAppSecretRequest{AppID: "acme", GraceSeconds: &grace})
			},
			reply: app, method: "POST", path: "/v1/operator/apps/acme/secrets",
			body: map[string]any{"graceSeconds": 60.0},
		},
		{
			name: "rotateAppSecret default grace",
			call: func(op *client.Operator) (any, error) {
				return op.RotateAppSecret(ctx, plaza.RotateAppSecretRequest{AppID: "acme"})
			},
			reply: app, method: "POST", path: "/v1/operator/apps/acme/secrets",
			body: map[string]any{},
		},
		{
			name: "setAppCommunityEnabled",
			call: func(op *client.Operator) (any, error) {
				return op.SetAppCommunityEnabled(ctx, plaza.SetAppCommunityEnabledRequest{AppID: "acme", CommunityEnabled: &on})
			},
			reply: app, method: "PUT", path: "/v1/operator/apps/acme/communityEnabled",
			body: map[string]any{"communityEnabled": false},
		},
		{
			name: "setAppSpec",
			call: func(op *client.Operator) (any, error) {
				return op.SetAppSpec(ctx, plaza.SetAppSpecRequest{AppID: "acme", Spec: json.RawMessage(`{"meteringOnly":true}`)})
			},
			reply: app, method: "PATCH", path: "/v1/operator/apps/acme/spec",
			body: map[string]any{"spec": map[string]any{"meteringOnly": true}},
		},
		{
			name: "setAppWebhook",
			call: func(op *client.Operator) (any, error) {
				return op.SetAppWebhook(ctx, plaza.SetAppWebhookRequest{AppID: "acme", Webhook: plaza.WebhookConfig{
					CallbackURL: "https://example.com/cb", Secret: "0123456789abcdef", Events: []string{"messageSent"},
				}})
			},
			reply: app, method: "PUT", path: "/v1/operator/apps/acme/webhook",
			body: map[string]any{"webhook": map[string]any{
				"callbackURL": "https://example.com/cb", "secret": "0123456789abcdef", "events": []any{"messageSent"},
				"beforeSendMessageURL": "", "beforeSendMessageTimeoutMillis": 0.0, "beforeSendMessageFailOpen": false,
			}},
		},
		{
			name: "queryAppUsage",
			call: func(op *client.Operator) (any, error) {
				return op.QueryAppUsage(ctx, plaza.QueryAppUsageRequest{AppID: "acme", Month: "2026-02"})
			},
			reply:  plaza.Usage{AppID: "acme", Month: "2026-02", DownstreamMessages: 7},
			method: "GET", path: "/v1/operator/apps/acme/usage", query: "month=2026-02",
		},
		{
			name: "queryAppUsage this month",
			call: func(op *client.Operator) (any, error) {
				return op.QueryAppUsage(ctx, plaza.QueryAppUsageRequest{AppID: "acme"})
			},
			reply:  plaza.Usage{AppID: "acme", Month: "2026-03"},
			method: "GET", path: "/v1/operator/apps/acme/usage",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			op, got := fakeOperatorAPI(t, tt.reply)
			res, err := tt.call(op)
			if err != nil {
				t.Fatal(err)
			}
			if got.method != tt.method || got.path != tt.path || got.query != tt.query {
				t.Errorf("sent %s %s?%s, want %s %s?%s", got.method, got.path, got.query, tt.method, tt.path, tt.query)
			}
			if got.auth != "Bearer opkey" {
				t.Errorf("Authorization %q, want the operator key", got.auth)
			}
			if tt.body == nil {
				if got.body != nil || got.contentType != "" {
					t.Errorf("sent a body %v (%s), want none", got.body, got.contentType)
				}
			} else {
				if got.contentType != "application/json" {
					t.Errorf("Content-Type %q", got.contentType)
				}
				if g, w := mustJSON(t, got.body), mustJSON(t, tt.body); g != w {
					t.Errorf("body %s, want %s", g, w)
				}
			}
			if g, w := mustJSON(t, res), mustJSON(t, tt.reply); g != w {
				t.Errorf("result %s, want %s", g, w)
			}
		})
	}
}

func TestOperatorErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/operator/apps/acme/spec":
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":{"code":"invalid_argument","zimCode":6000003,"message":"channelsPerCommunity must be between 100 and 1000, got 5000","field":"spec.channelsPerCommunity"}}`)
		case "/v1/operator/apps/acme":
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":{"code":"operator_key_invalid","zimCode":7006001,"message":"the operator key is wrong"}}`)
		default:
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "upstream down\n")
		}
	}))
	t.Cleanup(srv.Close)
	op := client.NewOperator(srv.URL, "k", srv.Client())

	_, err := op.SetAppSpec(ctx, plaza.SetAppSpecRequest{AppID: "acme", Spec: json.RawMessage(`{"channelsPerCommunity":5000}`)})
	wantOperatorError(t, err, http.StatusBadRequest, plaza.EInvalidArgument, "spec.channelsPerCommunity")

	_, err = op.QueryApp(ctx, plaza.AppRequest{AppID: "acme"})
	wantOperatorError(t, err, http.StatusUnauthorized, plaza.EOperatorKey, "")

	// An answer that is not an error object keeps its text.
	_, err = op.QueryAppUsage(ctx, plaza.QueryAppUsageRequest{AppID: "other"})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != http.StatusBadGateway || ce.Err.Message != "upstream down" {
		t.Errorf("non-JSON failure gave %v", err)
	}

	// An empty app ID never reaches the server.
	_, err = op.RotateAppSecret(ctx, plaza.RotateAppSecretRequest{})
	wantOperatorError(t, err, http.StatusBadRequest, plaza.EInvalidArgument, "appID")

	// A server that is not there is a transport error, not an *Error.
	srv.Close()
	_, err = op.ListApps(ctx, plaza.ListAppsRequest{})
	if err == nil || errors.As(err, &ce) {
		t.Errorf("closed server gave %v", err)
	}
}

func wantOperatorError(tb testing.TB, err error, status int, code plaza.Code, field string) {
	tb.Helper()
	var ce *client.Error
	if !errors.As(err, &ce) {
		tb.Fatalf("got %v, want HTTP %d %s", err, status, code)
	}
	var pe *plaza.Error
	if !errors.As(err, &pe) || pe != ce.Err {
		tb.Fatalf("errors.As does not reach the error object of %v", err)
	}
	if ce.Status != status || pe.Code != code || pe.Field != field {
		tb.Fatalf("got HTTP %d %s field %q, want HTTP %d %s field %q", ce.Status, pe.Code, pe.Field, status, code, field)
	}
}

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}
