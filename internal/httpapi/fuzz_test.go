package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/httpapi"
	"github.com/plazahq/plaza/internal/plazatest"
)

// FuzzClientRequest sends arbitrary paths, query strings and bodies to the
// client API as a member of a community: whatever it decodes from the path,
// the query and the body, it never answers 5xx, and every refusal carries
// the error object (a path that is not clean is redirected to its clean
// form, as net/http does).
func FuzzClientRequest(f *testing.F) {
	env := plazatest.New(f, plazatest.Options{Sync: "normal"})
	owner := env.Users(f, "amy")[0]
	ctx := context.Background()
	if _, err := env.Service.CreateCommunity(ctx, owner, plaza.CreateCommunityRequest{CommunityID: "club", CommunityName: "Club"}); err != nil {
		f.Fatal(err)
	}
	api, err := httpapi.New(httpapi.Options{Service: env.Service})
	if err != nil {
		f.Fatal(err)
	}
	token := env.Token(f, "amy")
	methods := []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
	for _, s := range []struct {
		method      uint8
		path, query string
		body        string
	}{
		{0, "/v1/communities", "count=10&nextFlag=", ""},
		{0, "/v1/communities/club/members", "count=1&isMutedMember=true&channelID=%23general", ""},
		{0, "/v1/communities/club/channels/%23general/messages", "count=5&reverse=true&nextMessageSeq=-1", ""},
		{0, "/v1/communities/club/members/query", "userIDs=a,b&userIDs=c", ""},
		{1, "/v1/communities", "", `{"communityID":"c2","communityName":"x"}`},
		{1, "/v1/communities/club/channels/%23general/messages", "", `{"message":{"type":1,"message":"hi"},"clientMessageID":"k"}`},
		{2, "/v1/communities/club/name", "", `{"communityName":"\u0000"}`},
		{2, "/v1/communities/club/attributes", "", `{"communityAttributes":{"k":"1","k":"2"}}`},
		{1, "/v1/communities/club/channels", "", `null`},
		{4, "/v1/communities/club/attributes", "keys=a", ""},
	} {
		f.Add(s.method, s.path, s.query, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, method uint8, path, query string, body []byte) {
		if !strings.HasPrefix(path, "/v1/") || strings.HasPrefix(path, "/v1/gateway") || strings.ContainsAny(path, "?#") {
			return
		}
		req, err := http.NewRequest(methods[int(method)%len(methods)], "http://plaza.test"+path+"?"+query, bytes.NewReader(body))
		if err != nil {
			return // not a request a client could send
		}
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		api.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %s?%s %q: HTTP %d %s", req.Method, path, query, body, w.Code, w.Body)
		}
		if w.Code/100 == 3 {
			return // the mux's redirect of an unclean path (/v1/./x) to its clean form
		}
		if w.Code != http.StatusOK {
			var e struct {
				Error *plaza.Error `json:"error"`
			}
			if json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error == nil || e.Error.Code == "" {
				t.Fatalf("%s %s?%s %q: HTTP %d without the error object: %s", req.Method, path, query, body, w.Code, w.Body)
			}
		}
	})
}
