package client_test

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
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/client"
	"github.com/plazahq/plaza/internal/httpapi"
	"github.com/plazahq/plaza/internal/plazatest"
)

// TestSignRequest checks the four headers against plaza.ServerSignature, as
// a fake server recomputes it from the request it received.
func TestSignRequest(t *testing.T) {
	t.Parallel()
	const appID, secret = "1234567890", "0123456789abcdef0123456789abcdef"
	now := time.Unix(1767225600, 0)
	type seen struct{ method, uri, body, appID, nonce, ts, sig string }
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.URL.RequestURI(), string(b), r.Header.Get("Plaza-App-ID"), r.Header.Get("Plaza-Nonce"),
			r.Header.Get("Plaza-Timestamp"), r.Header.Get("Plaza-Signature")}
	}))
	defer srv.Close()

	tests := []struct {
		name, method, path, body string
	}{
		{"POST with a body", "POST", "/v1/server/communities?fromUserID=amy", `{"communityID":"club"}`},
		{"GET with a query", "GET", "/v1/server/app/communities?count=10&nextFlag=abc", ""},
		{"escaped path", "PUT", "/v1/server/communities/%23Babc/channels/%23general/conversation/draft?fromUserID=a%2Bb", `{"draft":"x"}`},
		{"no body", "DELETE", "/v1/server/communities/club?fromUserID=amy", ""},
	}
	// A transport of its own: closing another test's httptest server
	// closes the default transport's idle connections under this one.
	hc := &http.Client{Transport: &http.Transport{}}
	nonces := map[string]bool{}
	for _, tt := range tests {
		var body io.Reader
		if tt.body != "" {
			body = strings.NewReader(tt.body)
		}
		req, err := http.NewRequest(tt.method, srv.URL+tt.path, body)
		if err != nil {
			t.Fatal(err)
		}
		if err := client.SignRequest(req, appID, secret, now); err != nil {
			t.Fatal(err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		s := <-got
		if s.body != tt.body {
			t.Errorf("%s: the server read the body %q, want %q (restored after signing)", tt.name, s.body, tt.body)
		}
		if s.uri != tt.path || s.method != tt.method {
			t.Errorf("%s: the server got %s %s", tt.name, s.method, s.uri)
		}
		if s.appID != appID || s.ts != strconv.FormatInt(now.Unix(), 10) {
			t.Errorf("%s: Plaza-App-ID %q, Plaza-Timestamp %q", tt.name, s.appID, s.ts)
		}
		if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(s.nonce) || nonces[s.nonce] {
			t.Errorf("%s: nonce %q is not 32 new hex characters", tt.name, s.nonce)
		}
		nonces[s.nonce] = true
		if want := plaza.ServerSignature(secret, appID, s.nonce, now.Unix(), tt.method, tt.path, []byte(tt.body)); s.sig != want {
			t.Errorf("%s: Plaza-Signature %q, want %q", tt.name, s.sig, want)
		}
		// The signature covers what it should: another secret, method,
		// path or body gives another one.
		for _, other := range []string{
			plaza.ServerSignature("another secret", appID, s.nonce, now.Unix(), tt.method, tt.path, []byte(tt.body)),
			plaza.ServerSignature(secret, appID, s.nonce, now.Unix(), "PATCH", tt.path, []byte(tt.body)),
			plaza.ServerSignature(secret, appID, s.nonce, now.Unix(), tt.method, tt.path+"&x=1", []byte(tt.body)),
			plaza.ServerSignature(secret, appID, s.nonce, now.Unix(), tt.method, tt.path, []byte(tt.body+" ")),
			plaza.ServerSignature(secret, appID, s.nonce, now.Unix()+1, tt.method, tt.path, []byte(tt.body)),
		} {
			if other == s.sig {
				t.Errorf("%s: a changed request has the same signature", tt.name)
			}
		}
	}
}

// newServerAPI serves a real Plaza API and returns it with a server API
// client of its app.
func newServerAPI(t *testing.T) (*plazatest.Env, string, *client.Server) {
	t.Helper()
	env := plazatest.New(t, plazatest.Options{})
	api, err := httpapi.New(httpapi.Options{Service: env.Service})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return env, srv.URL, client.NewServer(srv.URL, env.App.AppID, env.App.Secrets[0].Secret, srv.Client())
}

// code returns the error code and HTTP status of a client error.
func code(t *testing.T, err error) (plaza.Code, int) {
	t.Helper()
	var ce *client.Error
	var pe *plaza.Error
	if !errors.As(err, &ce) || !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *client.Error carrying a *plaza.Error", err, err)
	}
	return pe.Code, ce.Status
}

func TestServer(t *testing.T) {
	t.Parallel()
	env, url, srv := newServerAPI(t)
	ctx := context.Background()

	// The server API's own operations.
	reg, err := srv.RegisterUsers(ctx, plaza.RegisterUsersRequest{UserList: []plaza.UserInfo{{UserID: "amy", UserName: "Amy"}, {UserID: "ben"}}})
	if err != nil || len(reg.UserList) != 2 || reg.UserList[0].UserName != "Amy" {
		t.Fatalf("RegisterUsers: %+v, %v", reg, err)
	}
	minted, err := srv.MintUserToken(ctx, plaza.MintUserTokenRequest{UserID: "amy", TTLSeconds: 600})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(time.UnixMilli(minted.ExpiresAt)); d < 9*time.Minute || d > 11*time.Minute {
		t.Fatalf("the token expires in %s, want 10 minutes", d)
	}

	// Mirrored client calls for a user, by server or client path.
	var created plaza.CommunityInfoResult
	if err := srv.Do(ctx, "POST", "/v1/server/communities", "amy", plaza.CreateCommunityRequest{CommunityID: "club"}, &created); err != nil {
		t.Fatal(err)
	}
	if created.CommunityInfo.CreatorUserID != "amy" {
		t.Fatalf("created %+v", created.CommunityInfo)
	}
	if err := srv.Do(ctx, "POST", "/v1/communities/club/members", "amy", plaza.UserIDsRequest{UserIDs: []string{"ben"}}, nil); err != nil {
		t.Fatal(err)
	}
	var members plaza.QueryCommunityMemberListResult
	if err := srv.Do(ctx, "GET", "/v1/communities/club/members", "ben", plaza.QueryCommunityMemberListRequest{PageRequest: plaza.PageRequest{Count: 1}}, &members); err != nil {
		t.Fatal(err)
	}
	if len(members.MemberList) != 1 || members.NextFlag == "" {
		t.Fatalf("a page of one member: %+v", members)
	}

	// The minted token opens the client API.
	mine, err := client.New(url, minted.Token).QueryCommunityList(ctx, plaza.QueryCommunityListRequest{})
	if err != nil || len(mine.CommunityList) != 1 || mine.CommunityList[0].CommunityID != "club" {
		t.Fatalf("amy's communities with the minted token: %+v, %v", mine, err)
	}

	// A system message, into the GENERAL channel.
	sent, err := srv.SendSystemMessage(ctx, plaza.SendMessageRequest{CommunityID: "club", ChannelID: "#general",
		Message: plaza.MessageContent{Type: plaza.MessageText, Message: "Maintenance at noon"}})
	if err != nil {
		t.Fatal(err)
	}
	if sent.Message.SenderUserID != plaza.SystemUserID || sent.Message.Message != "Maintenance at noon" {
		t.Fatalf("system message %+v", sent.Message)
	}

	list, err := srv.QueryAppCommunityList(ctx, plaza.QueryAppCommunityListRequest{Count: 10})
	if err != nil || len(list.CommunityList) != 1 || list.CommunityList[0].CommunityID != "club" {
		t.Fatalf("QueryAppCommunityList: %+v, %v", list, err)
	}

	// Failures are *client.Error values with the server's code.
	for _, tt := range []struct {
		name   string
		err    error
		code   plaza.Code
		status int
	}{
		{"no fromUserID", srv.Do(ctx, "GET", "/v1/communities", "", nil, nil), plaza.EInvalidArgument, 400},
		{"wrong secret", client.NewServer(url, env.App.AppID, "0123456789abcdef0123456789abcdef", nil).Do(ctx, "GET", "/v1/communities", "amy", nil, nil),
			plaza.ESignatureInvalid, 401},
		{"unknown app", client.NewServer(url, "9999999999", env.App.Secrets[0].Secret, nil).Do(ctx, "GET", "/v1/communities", "amy", nil, nil),
			plaza.ESignatureInvalid, 401},
		{"not a member", srv.Do(ctx, "GET", "/v1/communities/club", "cy", nil, nil), plaza.ENotMember, 403},
		{"missing channel", func() error {
			_, err := srv.SendSystemMessage(ctx, plaza.SendMessageRequest{CommunityID: "club", ChannelID: "nowhere",
				Message: plaza.MessageContent{Type: plaza.MessageText, Message: "x"}})
			return err
		}(), plaza.EChannelNotFound, 404},
		{"empty user ID", func() error { _, err := srv.MintUserToken(ctx, plaza.MintUserTokenRequest{}); return err }(), plaza.EInvalidArgument, 400},
	} {
		if c, status := code(t, tt.err); c != tt.code || status != tt.status {
			t.Errorf("%s: %s %d, want %s %d (%v)", tt.name, c, status, tt.code, tt.status, tt.err)
		}
	}
}

// TestSignRequestRefusals sends requests signed by SignRequest but spoiled:
// too old, too new, replayed, changed after signing.
func TestSignRequestRefusals(t *testing.T) {
	t.Parallel()
	env, url, _ := newServerAPI(t)
	appID, secret := env.App.AppID, env.App.Secrets[0].Secret
	hc := &http.Client{Transport: &http.Transport{}} // as in TestSignRequest
	send := func(req *http.Request) (plaza.Code, int) {
		t.Helper()
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == http.StatusOK {
			return "", 200
		}
		var body struct {
			Error *plaza.Error `json:"error"`
		}
		if err := json.Unmarshal(b, &body); err != nil || body.Error == nil {
			t.Fatalf("HTTP %d without the error object: %s", resp.StatusCode, b)
		}
		return body.Error.Code, resp.StatusCode
	}
	signed := func(method, path, body string, at time.Time) *http.Request {
		t.Helper()
		req, err := http.NewRequest(method, url+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if err := client.SignRequest(req, appID, secret, at); err != nil {
			t.Fatal(err)
		}
		return req
	}
	now := time.Now()
	if c, s := send(signed("GET", "/v1/server/app/communities", "", now)); s != 200 {
		t.Fatalf("a good request: %s %d", c, s)
	}
	replayed := signed("POST", "/v1/server/app/users", `{"userList":[{"userID":"amy"}]}`, now)
	first := replayed.Clone(context.Background())
	first.Body, _ = replayed.GetBody()
	if c, s := send(first); s != 200 {
		t.Fatalf("the first of a replayed request: %s %d", c, s)
	}
	tampered := signed("POST", "/v1/server/app/users", `{"userList":[{"userID":"amy"}]}`, now)
	tampered.Body = io.NopCloser(strings.NewReader(`{"userList":[{"userID":"eve"}]}`))
	for _, tt := range []struct {
		name string
		req  *http.Request
		code plaza.Code
	}{
		{"11 minutes old", signed("GET", "/v1/server/app/communities", "", now.Add(-11*time.Minute)), plaza.ESignatureExpired},
		{"11 minutes ahead", signed("GET", "/v1/server/app/communities", "", now.Add(11*time.Minute)), plaza.ESignatureExpired},
		{"replayed", replayed, plaza.ENonceReused},
		{"body changed", tampered, plaza.ESignatureInvalid},
	} {
		if c, s := send(tt.req); c != tt.code || s != http.StatusUnauthorized {
			t.Errorf("%s: %s %d, want %s 401", tt.name, c, s, tt.code)
		}
	}
}
