package httpapi_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/apitest"
	"github.com/plazahq/plaza/internal/httpapi"
	"github.com/plazahq/plaza/internal/plazatest"
)

func newNonce(tb testing.TB) string {
	tb.Helper()
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// sign sets the four headers of a server API request, signing req as it
// stands (its body is read and restored) with secret at the time at.
func sign(tb testing.TB, req *http.Request, appID, secret, nonce string, at time.Time) {
	tb.Helper()
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			tb.Fatal(err)
		}
		req.Body = io.NopCloser(strings.NewReader(string(body)))
	}
	ts := at.Unix()
	req.Header.Set(httpapi.HeaderAppID, appID)
	req.Header.Set(httpapi.HeaderNonce, nonce)
	req.Header.Set(httpapi.HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(httpapi.HeaderSignature, plaza.ServerSignature(secret, appID, nonce, ts, req.Method, req.URL.RequestURI(), body))
}

// signWith returns a server API request signed with secret at the time at,
// with nonce ("" for a new one).
func (s *apiServer) signWith(tb testing.TB, appID, secret, method, path, body string, at time.Time, nonce string) *http.Request {
	tb.Helper()
	if nonce == "" {
		nonce = newNonce(tb)
	}
	req := newRequest(tb, method, s.url+path, body)
	sign(tb, req, appID, secret, nonce, at)
	return req
}

// signed returns a server API request of the env's app, signed now.
func (s *apiServer) signed(tb testing.TB, method, path, body string) *http.Request {
	tb.Helper()
	return s.signWith(tb, s.env.App.AppID, s.env.App.Secrets[0].Secret, method, path, body, time.Now(), "")
}

// server sends a signed server API request of the env's app.
func (s *apiServer) server(tb testing.TB, method, path, body string) response {
	tb.Helper()
	return s.send(tb, s.signed(tb, method, path, body))
}

// TestServerAPICalls makes good server API calls: mirrored client calls for
// a user named by fromUserID, and each of the server API's own operations.
func TestServerAPICalls(t *testing.T) {
	t.Parallel()
	s := newCheckedServer(t, plazatest.Options{})
	call := func(method, path, body string) response { t.Helper(); return s.server(t, method, path, body) }

	// A mirrored client call acts for fromUserID, created on first use.
	created := ok[plaza.CommunityInfoResult](t, call("POST", "/v1/server/communities?fromUserID=amy", `{"communityID":"club","communityName":"Club"}`))
	if created.CommunityInfo.CreatorUserID != "amy" {
		t.Fatalf("the community was created by %q, want amy", created.CommunityInfo.CreatorUserID)
	}
	// For a GET, fromUserID sits beside the other query parameters.
	members := ok[plaza.QueryCommunityMemberListResult](t, call("GET", "/v1/server/communities/club/members?count=10&fromUserID=amy", ""))
	if len(members.MemberList) != 1 || members.MemberList[0].UserID != "amy" || members.MemberList[0].MemberRole != plaza.RoleOwner {
		t.Fatalf("members %+v", members.MemberList)
	}
	if l := ok[plaza.QueryCommunityListResult](t, call("GET", "/v1/server/communities?fromUserID=ben", "")); len(l.CommunityList) != 0 {
		t.Fatalf("ben, in no community, lists %+v", l.CommunityList)
	}
	refused(t, call("GET", "/v1/server/communities/club?fromUserID=ben", ""), plaza.ENotMember, http.StatusForbidden)

	// registerUsers, then an invite that names the registered users.
	reg := ok[plaza.RegisterUsersResult](t, call("POST", "/v1/server/app/users",
		`{"userList":[{"userID":"zoe","userName":"Zoe","userAvatarUrl":"https://example.com/z.png"},{"userID":"yan"}]}`))
	if len(reg.UserList) != 2 || reg.UserList[0] != (plaza.UserInfo{UserID: "zoe", UserName: "Zoe", UserAvatarURL: "https://example.com/z.png"}) {
		t.Fatalf("registered %+v", reg.UserList)
	}
	ok[plaza.ErrorUserListResult](t, call("POST", "/v1/server/communities/club/members?fromUserID=amy", `{"userIDs":["zoe","yan"]}`))
	r := call("POST", "/v1/server/app/users", `{"userList":[{"userID":"#bad"}]}`)
	refused(t, r, plaza.EInvalidArgument, http.StatusBadRequest)
	if r.err.Field != "userList[0].userID" {
		t.Errorf("bad registered ID: field %q", r.err.Field)
	}

	// queryAppCommunityList lists the app's communities, whoever is in them.
	ok[plaza.CommunityInfoResult](t, call("POST", "/v1/server/communities?fromUserID=ben", `{"communityID":"book-club"}`))
	var ids []string
	next := ""
	for range 5 {
		page := ok[plaza.QueryAppCommunityListResult](t, call("GET", "/v1/server/app/communities?count=1&nextFlag="+url.QueryEscape(next), ""))
		for _, c := range page.CommunityList {
			ids = append(ids, c.CommunityID)
		}
		if next = page.NextFlag; next == "" {
			break
		}
	}
	if !slices.Equal(ids, []string{"club", "book-club"}) {
		t.Fatalf("the app's communities, in creation order: %v", ids)
	}

	// mintUserToken: the token opens the client API.
	minted := ok[plaza.MintUserTokenResult](t, call("POST", "/v1/server/app/users/zoe/token", `{"ttlSeconds":3600}`))
	if d := time.Until(time.UnixMilli(minted.ExpiresAt)); d < 59*time.Minute || d > 61*time.Minute {
		t.Fatalf("the token expires in %s, want an hour", d)
	}
	req := newRequest(t, "GET", s.url+"/v1/communities", "")
	req.Header.Set("Authorization", "Bearer "+minted.Token)
	if l := ok[plaza.QueryCommunityListResult](t, s.send(t, req)); len(l.CommunityList) != 1 || l.CommunityList[0].CommunityID != "club" {
		t.Fatalf("zoe's communities with the minted token: %+v", l.CommunityList)
	}
	r = call("POST", "/v1/server/app/users/zoe/token", `{"ttlSeconds":2073601}`)
	refused(t, r, plaza.EInvalidArgument, http.StatusBadRequest)
	// No token for the system sender.
	refused(t, call("POST", "/v1/server/app/users/%23system/token", ""), plaza.EInvalidArgument, http.StatusBadRequest)

	// fromUserID is required, given once, a valid user ID, and belongs to
	// the mirrors only.
	for _, tt := range []struct{ method, path, body, field string }{
		{"GET", "/v1/server/communities", "", "fromUserID"},
		{"POST", "/v1/server/communities/club/leave", "", "fromUserID"},
		{"GET", "/v1/server/communities?fromUserID=amy&fromUserID=ben", "", "fromUserID"},
		{"GET", "/v1/server/communities?fromUserID=", "", "fromUserID"},
		{"GET", "/v1/server/communities?fromUserID=%23system", "", "fromUserID"},
		{"GET", "/v1/server/app/communities?fromUserID=amy", "", "fromUserID"},
		{"POST", "/v1/server/app/users?fromUserID=amy", `{"userList":[{"userID":"x"}]}`, "fromUserID"},
		{"GET", "/v1/server/communities?fromUserID=amy&sort=name", "", "sort"},
		{"POST", "/v1/server/communities?fromUserID=amy&communityID=x", `{}`, "communityID"},
	} {
		r := call(tt.method, tt.path, tt.body)
		refused(t, r, plaza.EInvalidArgument, http.StatusBadRequest)
		if r.err.Field != tt.field {
			t.Errorf("%s %s: field %q, want %q (%s)", tt.method, tt.path, r.err.Field, tt.field, r.err.Message)
		}
	}
}

// TestServerAPIRefusals sends requests whose signature must not pass, each
// refused with its own code, and checks that none changed anything.
func TestServerAPIRefusals(t *testing.T) {
	t.Parallel()
	const maxBody = 4096
	s := startAPIServer(t, plazatest.Options{}, httpapi.Options{OperatorKey: operatorKey, MaxBody: maxBody},
		&http.Client{Transport: apitest.Transport(t, nil)})
	appID, secret := s.env.App.AppID, s.env.App.Secrets[0].Secret
	const path = "/v1/server/communities?fromUserID=amy"
	const body = `{"communityID":"club"}`
	now := time.Now()
	otherSecret, _ := plaza.NewSecret()
	tests := []struct {
		name   string
		req    func() *http.Request
		status int
		code   plaza.Code
	}{
		{"signature altered", func() *http.Request {
			req := s.signWith(t, appID, secret, "POST", path, body, now, "")
			sig := []byte(req.Header.Get(httpapi.HeaderSignature))
			if sig[len(sig)-1] == '0' {
				sig[len(sig)-1] = '1'
			} else {
				sig[len(sig)-1] = '0'
			}
			req.Header.Set(httpapi.HeaderSignature, string(sig))
			return req
		}, 401, plaza.ESignatureInvalid},
		{"another secret", func() *http.Request { return s.signWith(t, appID, otherSecret, "POST", path, body, now, "") }, 401, plaza.ESignatureInvalid},
		{"signature not hex", func() *http.Request {
			req := s.signWith(t, appID, secret, "POST", path, body, now, "")
			req.Header.Set(httpapi.HeaderSignature, "not-hex")
			return req
		}, 401, plaza.ESignatureInvalid},
		{"timestamp 11 minutes old", func() *http.Request {
			return s.signWith(t, appID, secret, "POST", path, body, now.Add(-11*time.Minute), "")
		}, 401, plaza.ESignatureExpired},
		{"timestamp 11 minutes ahead", func() *http.Request {
			return s.signWith(t, appID, secret, "POST", path, body, now.Add(11*time.Minute), "")
		}, 401, plaza.ESignatureExpired},
		{"timestamp not a number", func() *http.Request {
			req := s.signWith(t, appID, secret, "POST", path, body, now, "")
			req.Header.Set(httpapi.HeaderTimestamp, "yesterday")
			return req
		}, 401, plaza.ESignatureInvalid},
		{"timestamp changed after signing", func() *http.Request {
			req := s.signWith(t, appID, secret, "POST", path, body, now, "")
			req.Header.Set(httpapi.HeaderTimestamp, strconv.FormatInt(now.Unix()+1, 10))
			return req
		}, 401, plaza.ESignatureInvalid},
		{"body changed after signing", func() *http.Request {
			req := s.signWith(t, appID, secret, "POST", path, body, now, "")
			tampered := `{"communityID":"cult"}`
			req.Body, req.ContentLength = io.NopCloser(strings.NewReader(tampered)), int64(len(tampered))
			return req
		}, 401, plaza.ESignatureInvalid},
		{"body added after signing", func() *http.Request {
			req := s.signWith(t, appID, secret, "POST", "/v1/server/communities?fromUserID=amy", "", now, "")
			req.Body, req.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
			return req
		}, 401, plaza.ESignatureInvalid},
		{"query changed after signing", func() *http.Request {
			req := s.signWith(t, appID, secret, "POST", path, body, now, "")
			req.URL.RawQuery = "fromUserID=ben"
			return req
		}, 401, plaza.ESignatureInvalid},
		{"query added after signing", func() *http.Request {
			req := s.signWith(t, appID, secret, "POST", path, body, now, "")
			req.URL.RawQuery += "&fromUserID=ben"
			return req
		}, 401, plaza.ESignatureInvalid},
		{"path changed after signing", func() *http.Request {
			req := s.signWith(t, appID, secret, "POST", "/v1/server/communities/club/join?fromUserID=amy", "", now, "")
			req.URL.Path = "/v1/server/communities/other/join"
			return req
		}, 401, plaza.ESignatureInvalid},
		{"method changed after signing", func() *http.Request {
			req := s.signWith(t, appID, secret, "PUT", "/v1/server/communities/club/joinMode?fromUserID=amy", `{"joinMode":1}`, now, "")
			req.Method = "POST"
			req.URL.Path = "/v1/server/communities/club/applications"
			return req
		}, 401, plaza.ESignatureInvalid},
		{"app ID changed after signing", func() *http.Request {
			req := s.signWith(t, appID, secret, "POST", path, body, now, "")
			req.Header.Set(httpapi.HeaderAppID, "1000000002")
			return req
		}, 401, plaza.ESignatureInvalid},
		{"nonce too short", func() *http.Request { return s.signWith(t, appID, secret, "POST", path, body, now, "0123456789abcde") }, 401, plaza.ESignatureInvalid},
		{"nonce too long", func() *http.Request {
			return s.signWith(t, appID, secret, "POST", path, body, now, strings.Repeat("n", 65))
		}, 401, plaza.ESignatureInvalid},
		{"a user token", func() *http.Request {
			req := newRequest(t, "POST", s.url+path, body)
			req.Header.Set("Authorization", "Bearer "+s.env.Token(t, "amy"))
			return req
		}, 401, plaza.ESignatureInvalid},
		{"a user token beside a good signature", func() *http.Request {
			req := s.signWith(t, appID, secret, "POST", path, body, now, "")
			req.Header.Set("Authorization", "Bearer "+s.env.Token(t, "amy"))
			return req
		}, 401, plaza.ESignatureInvalid},
		{"the operator key", func() *http.Request {
			req := newRequest(t, "POST", s.url+path, body)
			req.Header.Set("Authorization", "Bearer "+operatorKey)
			return req
		}, 401, plaza.ESignatureInvalid},
		{"a body over the limit", func() *http.Request {
			return s.signWith(t, appID, secret, "POST", path, `{"communityName":"`+strings.Repeat("a", maxBody)+`"}`, now, "")
		}, 400, plaza.EPayloadTooLarge},
	}
	for _, h := range []string{httpapi.HeaderAppID, httpapi.HeaderNonce, httpapi.HeaderTimestamp, httpapi.HeaderSignature} {
		tests = append(tests, struct {
			name   string
			req    func() *http.Request
			status int
			code   plaza.Code
		}{"without " + h, func() *http.Request {
			req := s.signWith(t, appID, secret, "POST", path, body, now, "")
			req.Header.Del(h)
			return req
		}, 401, plaza.ESignatureInvalid})
	}
	before := s.env.Snapshot(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.send(t, tt.req())
			refused(t, r, tt.code, tt.status)
			if strings.HasPrefix(tt.name, "without ") && !strings.Contains(r.err.Message, strings.TrimPrefix(tt.name, "without ")) {
				t.Errorf("the refusal %q does not name the missing header", r.err.Message)
			}
		})
	}
	if after := s.env.Snapshot(t); after != before {
		t.Fatalf("refused server API requests changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	// The same request, untampered, passes: the refusals above came from
	// what was changed. Within the window it may be 9 minutes off.
	for _, at := range []time.Time{now, now.Add(-9 * time.Minute), now.Add(9 * time.Minute)} {
		r := s.send(t, s.signWith(t, appID, secret, "GET", "/v1/server/communities?fromUserID=amy", "", at, ""))
		if r.status != http.StatusOK {
			t.Fatalf("signed %s from now: HTTP %d %s", at.Sub(now).Round(time.Minute), r.status, r.body)
		}
	}
}

// TestServerAPINonce replays a request: the first passes, the replay is
// refused with nonce_reused; a refused request does not use its nonce up.
func TestServerAPINonce(t *testing.T) {
	t.Parallel()
	s := newCheckedServer(t, plazatest.Options{})
	appID, secret := s.env.App.AppID, s.env.App.Secrets[0].Secret
	const path = "/v1/server/communities?fromUserID=amy"
	nonce := newNonce(t)
	now := time.Now()

	// A refused request (a bad signature) leaves its nonce unused.
	bad := s.signWith(t, appID, secret, "POST", path, `{"communityID":"club"}`, now, nonce)
	bad.Header.Set(httpapi.HeaderSignature, strings.Repeat("0", 64))
	refused(t, s.send(t, bad), plaza.ESignatureInvalid, http.StatusUnauthorized)

	first := ok[plaza.CommunityInfoResult](t, s.send(t, s.signWith(t, appID, secret, "POST", path, `{"communityID":"club"}`, now, nonce)))
	if first.CommunityInfo.CommunityID != "club" {
		t.Fatalf("created %+v", first.CommunityInfo)
	}
	before := s.env.Snapshot(t)
	// The identical request again, and the nonce in another request.
	refused(t, s.send(t, s.signWith(t, appID, secret, "POST", path, `{"communityID":"club"}`, now, nonce)), plaza.ENonceReused, http.StatusUnauthorized)
	refused(t, s.send(t, s.signWith(t, appID, secret, "POST", path, `{"communityID":"other"}`, now.Add(time.Second), nonce)), plaza.ENonceReused, http.StatusUnauthorized)
	if after := s.env.Snapshot(t); after != before {
		t.Fatal("a replayed request changed the store")
	}
	// Another nonce passes.
	ok[plaza.CommunityInfoResult](t, s.send(t, s.signWith(t, appID, secret, "POST", path, `{"communityID":"other"}`, now, "")))
}

// TestServerAPINoCrossover checks that a signature opens no client route and
// a user token no server route.
func TestServerAPINoCrossover(t *testing.T) {
	t.Parallel()
	s := newCheckedServer(t, plazatest.Options{})
	s.env.Users(t, "amy")
	for _, r := range httpapi.Routes() {
		method, path := r[0], strings.NewReplacer("{messageSeq}", "1", "{toMessageSeq}", "1").Replace(r[1])
		path = strings.NewReplacer("{communityID}", "club", "{channelID}", "talk", "{forUserID}", "ben", "{userID}", "ben").Replace(path)
		// A signed request on a client route.
		req := s.signWith(t, s.env.App.AppID, s.env.App.Secrets[0].Secret, method, path+"?fromUserID=amy", "", time.Now(), "")
		got := s.send(t, req)
		refused(t, got, plaza.ETokenInvalid, http.StatusUnauthorized)
		if !strings.Contains(got.err.Message, "/v1/server") {
			t.Errorf("%s %s: the refusal of a signed request %q does not point to the server API", method, path, got.err.Message)
		}
		// A user token on the mirror.
		req = newRequest(t, method, s.url+httpapi.ServerPath(path)+"?fromUserID=amy", "")
		req.Header.Set("Authorization", "Bearer "+s.env.Token(t, "amy"))
		refused(t, s.send(t, req), plaza.ESignatureInvalid, http.StatusUnauthorized)
	}
	for _, r := range httpapi.ServerRoutes() {
		req := newRequest(t, r[0], s.url+strings.ReplaceAll(r[1], "{userID}", "amy"), "")
		req.Header.Set("Authorization", "Bearer "+s.env.Token(t, "amy"))
		refused(t, s.send(t, req), plaza.ESignatureInvalid, http.StatusUnauthorized)
	}
}

// TestServerAPIMirrorsEveryClientRoute sends a signed request to the mirror
// of every client route without fromUserID: each is served, and refuses the
// call for want of fromUserID, except sendMessage, which the app may send
// itself.
func TestServerAPIMirrorsEveryClientRoute(t *testing.T) {
	t.Parallel()
	s := newCheckedServer(t, plazatest.Options{})
	fill := strings.NewReplacer("{communityID}", "club", "{channelID}", "talk", "{forUserID}", "ben", "{userID}", "ben",
		"{messageSeq}", "1", "{toMessageSeq}", "1")
	for _, r := range httpapi.Routes() {
		path := httpapi.ServerPath(fill.Replace(r[1]))
		got := s.server(t, r[0], path, "")
		if r[2] == "sendMessage" {
			// Sent as the app, which needs no membership: the community
			// is missing, not the user.
			refused(t, got, plaza.ECommunityNotFound, http.StatusNotFound)
			continue
		}
		refused(t, got, plaza.EInvalidArgument, http.StatusBadRequest)
		if got.err.Field != httpapi.FromUserIDParam {
			t.Errorf("%s %s (%s) without fromUserID: %s", r[0], path, r[2], got.body)
		}
	}
}

// TestServerAPISystemSend sends messages as the app (no fromUserID) into a
// channel where no member ever called, and as a user.
func TestServerAPISystemSend(t *testing.T) {
	t.Parallel()
	s := newCheckedServer(t, plazatest.Options{})
	s.env.Users(t, "amy", "ben")
	ctx := context.Background()
	amy := s.env.Actor("amy")
	if _, err := s.env.Service.CreateCommunity(ctx, amy, plaza.CreateCommunityRequest{CommunityID: "club"}); err != nil {
		t.Fatal(err)
	}
	private := plaza.ChannelPrivate
	if _, err := s.env.Service.CreateCommunityChannel(ctx, amy, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "news", ChannelType: &private}); err != nil {
		t.Fatal(err)
	}
	const news = "/v1/server/communities/club/channels/news/messages"

	sent := ok[plaza.MessageResult](t, s.server(t, "POST", news, `{"message":{"type":1,"message":"maintenance at noon"},"clientMessageID":"m1"}`))
	if sent.Message.SenderUserID != "#system" || sent.Message.MessageSeq != 1 {
		t.Fatalf("system message %+v", sent.Message)
	}
	// The owner reads it through the client API.
	h := ok[plaza.QueryHistoryMessageResult](t, s.do(t, "amy", "GET", "/v1/communities/club/channels/news/messages", nil))
	if len(h.MessageList) == 0 || h.MessageList[len(h.MessageList)-1].Message != "maintenance at noon" ||
		h.MessageList[len(h.MessageList)-1].SenderUserID != "#system" {
		t.Fatalf("amy reads %+v", h.MessageList)
	}
	// The same clientMessageID returns the first message.
	again := ok[plaza.MessageResult](t, s.server(t, "POST", news, `{"message":{"type":1,"message":"maintenance at noon"},"clientMessageID":"m1"}`))
	if again.Message.MessageID != sent.Message.MessageID {
		t.Fatalf("a repeated clientMessageID stored another message: %+v", again.Message)
	}
	// With fromUserID the user sends, under the user's rules: ben is not in
	// the private channel, amy owns the community.
	refused(t, s.server(t, "POST", "/v1/server/communities/club/channels/news/messages?fromUserID=ben", `{"message":{"type":1,"message":"hi"}}`),
		plaza.ENotMember, http.StatusForbidden)
	byAmy := ok[plaza.MessageResult](t, s.server(t, "POST", news+"?fromUserID=amy", `{"message":{"type":1,"message":"thanks"}}`))
	if byAmy.Message.SenderUserID != "amy" || byAmy.Message.MessageSeq != 2 {
		t.Fatalf("amy's message %+v", byAmy.Message)
	}
	refused(t, s.server(t, "POST", "/v1/server/communities/club/channels/nowhere/messages", `{"message":{"type":1,"message":"x"}}`),
		plaza.EChannelNotFound, http.StatusNotFound)
}

// TestUnroutedKnowsEveryAPI checks the 405 answers of operator and server
// API paths.
func TestUnroutedKnowsEveryAPI(t *testing.T) {
	t.Parallel()
	s := newCheckedServer(t, plazatest.Options{}).unchecked()
	tests := []struct {
		method, path string
		allow        []string
	}{
		{"PATCH", "/v1/operator/apps", []string{"POST", "GET"}},
		{"DELETE", "/v1/operator/apps/acme", []string{"GET"}},
		{"GET", "/v1/operator/apps/acme/spec", []string{"PATCH"}},
		{"DELETE", "/v1/server/app/users", []string{"POST"}},
		{"GET", "/v1/server/app/users/amy/token", []string{"POST"}},
		{"PATCH", "/v1/server/communities", []string{"POST", "GET"}},
		{"PATCH", "/v1/server/communities/club/channels/talk/messages", []string{"POST", "GET"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.method, " ", tt.path), func(t *testing.T) {
			t.Parallel()
			req := newRequest(t, tt.method, s.url+tt.path, "")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			allow := strings.Split(resp.Header.Get("Allow"), ", ")
			slices.Sort(allow)
			slices.Sort(tt.allow)
			if resp.StatusCode != http.StatusMethodNotAllowed || !slices.Equal(allow, tt.allow) {
				t.Fatalf("HTTP %d, Allow %v; want 405 with %v", resp.StatusCode, allow, tt.allow)
			}
		})
	}
	refused(t, s.operator(t, operatorKey, "GET", "/v1/operator/nothing", ""), plaza.ENotFound, http.StatusNotFound)
	refused(t, s.server(t, "GET", "/v1/server/nothing", ""), plaza.ENotFound, http.StatusNotFound)
}
