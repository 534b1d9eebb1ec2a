package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/httpapi"
	"github.com/plazahq/plaza/internal/plazatest"
)

type apiServer struct {
	env *plazatest.Env
	url string
	hc  *http.Client
}

func newAPIServer(tb testing.TB, maxBody int64) *apiServer {
	tb.Helper()
	return startAPIServer(tb, plazatest.Options{}, httpapi.Options{MaxBody: maxBody}, http.DefaultClient)
}

// startAPIServer serves the API of a new service, configured by o, and calls
// it with hc.
func startAPIServer(tb testing.TB, po plazatest.Options, o httpapi.Options, hc *http.Client) *apiServer {
	tb.Helper()
	env := plazatest.New(tb, po)
	o.Service = env.Service
	api, err := httpapi.New(o)
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(api)
	tb.Cleanup(srv.Close)
	return &apiServer{env: env, url: srv.URL, hc: hc}
}

type response struct {
	status int
	body   []byte
	err    *plaza.Error
}

func (s *apiServer) do(tb testing.TB, user, method, path string, body []byte) response {
	tb.Helper()
	req, err := http.NewRequest(method, s.url+path, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+s.env.Token(tb, user))
	}
	return s.send(tb, req)
}

// send sends a request and reads the answer; an answer other than 200 must
// carry the error object.
func (s *apiServer) send(tb testing.TB, req *http.Request) response {
	tb.Helper()
	method, path := req.Method, req.URL.RequestURI()
	resp, err := s.hc.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, body: b}
	if resp.StatusCode != http.StatusOK {
		var env struct {
			Error *plaza.Error `json:"error"`
		}
		if err := json.Unmarshal(b, &env); err != nil || env.Error == nil {
			tb.Fatalf("%s %s: HTTP %d without the error object: %s", method, path, resp.StatusCode, b)
		}
		r.err = env.Error
		// The wire form carries the numeric code too.
		var raw map[string]map[string]any
		json.Unmarshal(b, &raw)
		if raw["error"]["zimCode"] != float64(env.Error.Code.Number()) {
			tb.Fatalf("error object %s lacks the right zimCode", b)
		}
	}
	return r
}

func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	s := newAPIServer(t, 2048)
	s.env.Users(t, "amy", "ben")
	if r := s.do(t, "amy", "POST", "/v1/communities", []byte(`{"communityID":"club","communityName":"Club"}`)); r.status != 200 {
		t.Fatalf("setup: %d %s", r.status, r.body)
	}
	before := s.env.Snapshot(t)
	tests := []struct {
		name         string
		method, path string
		body         string
		field        string // the field the error must name, if any
	}{
		{"malformed JSON", "POST", "/v1/communities", `{"communityID":`, ""},
		{"not an object", "POST", "/v1/communities", `["x"]`, ""},
		{"two objects", "POST", "/v1/communities", `{"communityName":"a"} {"communityName":"b"}`, ""},
		{"wrong type", "POST", "/v1/communities", `{"communityName":5}`, "communityName"},
		{"wrong nested type", "PUT", "/v1/communities/club/attributes", `{"communityAttributes":{"a":1}}`, "communityAttributes"},
		{"unknown field", "POST", "/v1/communities", `{"communityName":"x","bogus":true}`, "bogus"},
		{"oversized body", "POST", "/v1/communities", `{"communityName":"` + strings.Repeat("a", 3000) + `"}`, ""},
		{"invalid UTF-8", "POST", "/v1/communities", "{\"communityName\":\"\xff\xfe\"}", ""},
		{"id starting with #", "POST", "/v1/communities", `{"communityID":"#mine"}`, "communityID"},
		{"id too long", "POST", "/v1/communities", `{"communityID":"` + strings.Repeat("a", 33) + `"}`, "communityID"},
		{"empty user ID", "POST", "/v1/communities/club/members", `{"userIDs":[""]}`, "userIDs"},
		{"empty user list", "POST", "/v1/communities/club/members", `{"userIDs":[]}`, "userIDs"},
		{"empty target", "PUT", "/v1/communities/club/owner", `{"toUserID":""}`, "toUserID"},
		{"empty path ID", "POST", "/v1/communities//join", ``, ""},
		{"empty role target", "PUT", "/v1/communities/club/members//role", `{"memberRole":2}`, ""},
		{"path and body disagree", "PUT", "/v1/communities/club/name", `{"communityID":"other","communityName":"x"}`, "communityID"},
		{"name too long", "PUT", "/v1/communities/club/name", `{"communityName":"` + strings.Repeat("n", 301) + `"}`, "communityName"},
		{"bad role", "PUT", "/v1/communities/club/members/ben/role", `{"memberRole":"admin"}`, "memberRole"},
		{"bad count", "GET", "/v1/communities?count=abc", ``, "count"},
		{"count over 100", "GET", "/v1/communities?count=101", ``, "count"},
		{"negative count", "GET", "/v1/communities?count=-1", ``, "count"},
		{"unknown query parameter", "GET", "/v1/communities?sort=name", ``, "sort"},
		{"path field as query", "GET", "/v1/communities/club/members?communityID=x", ``, "communityID"},
		{"bad cursor", "GET", "/v1/communities?nextFlag=xyz", ``, "nextFlag"},
		{"too many users", "GET", "/v1/users?userIDs=" + strings.TrimSuffix(strings.Repeat("u,", 101), ","), ``, "userIDs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, "amy", tt.method, tt.path, []byte(tt.body))
			if r.status != http.StatusBadRequest {
				t.Fatalf("HTTP %d %s, want 400", r.status, r.body)
			}
			if r.err.Message == "" {
				t.Fatal("error without a message")
			}
			if tt.field != "" && r.err.Field != tt.field {
				t.Fatalf("error names field %q, want %q (%s)", r.err.Field, tt.field, r.err.Message)
			}
		})
	}
	if after := s.env.Snapshot(t); after != before {
		t.Fatalf("refused requests changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestStatusCodes(t *testing.T) {
	t.Parallel()
	s := newAPIServer(t, 0)
	s.env.Users(t, "amy", "ben")
	s.do(t, "amy", "POST", "/v1/communities", []byte(`{"communityID":"club"}`))
	tests := []struct {
		name, user, method, path, body string
		status                         int
		code                           plaza.Code
	}{
		{"no token", "", "GET", "/v1/communities", "", 401, plaza.ETokenInvalid},
		{"unknown route", "amy", "GET", "/v1/nothing", "", 404, plaza.ENotFound},
		{"wrong method", "amy", "PATCH", "/v1/communities", "", 405, plaza.EMethodNotAllowed},
		{"missing community", "amy", "GET", "/v1/communities/nope", "", 404, plaza.ECommunityNotFound},
		{"not a member", "ben", "GET", "/v1/communities/club", "", 403, plaza.ENotMember},
		{"exists", "amy", "POST", "/v1/communities", `{"communityID":"club"}`, 409, plaza.ECommunityExists},
		{"owner cannot leave", "amy", "POST", "/v1/communities/club/leave", "", 409, plaza.EOwnerCannotLeave},
		{"generated IDs are addressable", "amy", "GET", "/v1/communities/%23Bnothing", "", 404, plaza.ECommunityNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, tt.user, tt.method, tt.path, []byte(tt.body))
			if r.status != tt.status || r.err == nil || r.err.Code != tt.code {
				t.Fatalf("HTTP %d %s, want %d %s", r.status, r.body, tt.status, tt.code)
			}
		})
	}
}

func TestQueryParameters(t *testing.T) {
	t.Parallel()
	s := newAPIServer(t, 0)
	s.env.Users(t, "amy", "ben", "cy")
	ctx := context.Background()
	amy := s.env.Actor("amy")
	if _, err := s.env.Service.CreateCommunity(ctx, amy, plaza.CreateCommunityRequest{CommunityID: "club"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.env.Service.InviteUsersIntoCommunity(ctx, amy, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"ben", "cy"}}); err != nil {
		t.Fatal(err)
	}
	// Lists may be repeated parameters, comma-separated values, or both.
	for _, q := range []string{"userIDs=ben&userIDs=cy", "userIDs=ben,cy", "userIDs=ben&userIDs=cy,ben"} {
		r := s.do(t, "amy", "GET", "/v1/communities/club/members/lookup?"+q, nil)
		var res plaza.QueryCommunityMembersResult
		if err := json.Unmarshal(r.body, &res); err != nil || r.status != 200 || len(res.MemberList) != 2 {
			t.Fatalf("%s: HTTP %d %s", q, r.status, r.body)
		}
	}
	r := s.do(t, "amy", "GET", "/v1/communities/club/members?count=2", nil)
	var page plaza.QueryCommunityMemberListResult
	if err := json.Unmarshal(r.body, &page); err != nil || len(page.MemberList) != 2 || page.NextFlag == "" {
		t.Fatalf("first page: %s", r.body)
	}
	r = s.do(t, "amy", "GET", "/v1/communities/club/members?count=2&nextFlag="+page.NextFlag, nil)
	if err := json.Unmarshal(r.body, &page); err != nil || len(page.MemberList) != 1 || page.NextFlag != "" {
		t.Fatalf("last page: %s", r.body)
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	env := plazatest.New(t, plazatest.Options{})
	var readyErr error
	api, err := httpapi.New(httpapi.Options{Service: env.Service, Ready: func(context.Context) error { return readyErr }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	defer srv.Close()
	get := func(path string) int {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if get("/healthz") != 200 || get("/readyz") != 200 {
		t.Fatal("healthy server not ready")
	}
	readyErr = io.ErrUnexpectedEOF
	if got := get("/readyz"); got != http.StatusServiceUnavailable {
		t.Fatalf("readyz with a failing store: %d, want 503", got)
	}
	if get("/healthz") != 200 {
		t.Fatal("healthz depends on readiness")
	}
}
