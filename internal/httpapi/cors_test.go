package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/httpapi"
	"github.com/plazahq/plaza/internal/plazatest"
)

// corsCall sends a request with an Origin (and, for a preflight, the
// Access-Control-Request-* headers) and returns the answer, its body read.
func corsCall(tb testing.TB, s *apiServer, user, method, path, origin string, preflight bool) (*http.Response, *plaza.Error) {
	tb.Helper()
	req, err := http.NewRequest(method, s.url+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if preflight {
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+s.env.Token(tb, user))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode < 300 {
		return resp, nil
	}
	var env struct {
		Error *plaza.Error `json:"error"`
	}
	if err := json.Unmarshal(b, &env); err != nil || env.Error == nil {
		tb.Fatalf("%s %s: HTTP %d without the error object: %s", method, path, resp.StatusCode, b)
	}
	return resp, env.Error
}

func TestCORSAllowList(t *testing.T) {
	t.Parallel()
	s := startAPIServer(t, plazatest.Options{}, httpapi.Options{Origins: []string{"https://app.example"}, OperatorKey: operatorKey}, http.DefaultClient)
	s.env.Users(t, "amy")

	t.Run("preflight of an allowed origin", func(t *testing.T) {
		resp, _ := corsCall(t, s, "", "OPTIONS", "/v1/communities", "https://app.example", true)
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("HTTP %d, want 204", resp.StatusCode)
		}
		want := map[string]string{
			"Access-Control-Allow-Origin":  "https://app.example",
			"Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE",
			"Access-Control-Allow-Headers": "Authorization, Content-Type, X-Request-ID",
			"Vary":                         "Origin",
		}
		for k, v := range want {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s: %q, want %q", k, got, v)
			}
		}
		if resp.Header.Get("Access-Control-Allow-Credentials") != "" {
			t.Error("credentials allowed: bearer tokens need none")
		}
	})
	t.Run("request of an allowed origin", func(t *testing.T) {
		resp, _ := corsCall(t, s, "amy", "GET", "/v1/communities", "https://APP.example", false)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != "https://APP.example" {
			t.Fatalf("HTTP %d, Allow-Origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
		}
		if got := resp.Header.Get("Access-Control-Expose-Headers"); !strings.Contains(got, "X-Request-ID") {
			t.Fatalf("Expose-Headers %q lacks X-Request-ID", got)
		}
		// An error answer carries the headers too, so that the page reads it.
		resp, perr := corsCall(t, s, "", "GET", "/v1/communities", "https://app.example", false)
		if perr == nil || perr.Code != plaza.ETokenInvalid || resp.Header.Get("Access-Control-Allow-Origin") == "" {
			t.Fatalf("HTTP %d %v, Allow-Origin %q", resp.StatusCode, perr, resp.Header.Get("Access-Control-Allow-Origin"))
		}
	})
	t.Run("a page served by the server itself", func(t *testing.T) {
		resp, perr := corsCall(t, s, "amy", "GET", "/v1/communities", s.url, false)
		if perr != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("the server's own origin %s: HTTP %d %v", s.url, resp.StatusCode, perr)
		}
	})
	before := s.env.Snapshot(t)
	for _, preflight := range []bool{true, false} {
		name := map[bool]string{true: "preflight", false: "request"}[preflight]
		t.Run(name+" of a refused origin", func(t *testing.T) {
			method, user := "POST", "amy"
			if preflight {
				method, user = "OPTIONS", ""
			}
			resp, perr := corsCall(t, s, user, method, "/v1/communities", "https://evil.example", preflight)
			if resp.StatusCode != http.StatusForbidden || perr.Code != plaza.EOriginNotAllowed || perr.Code.Number() != 7000007 {
				t.Fatalf("HTTP %d %+v, want 403 origin_not_allowed (7000007)", resp.StatusCode, perr)
			}
			if !strings.Contains(perr.Message, "https://evil.example") || !strings.Contains(perr.Message, "--origins") {
				t.Fatalf("message %q does not name the origin and --origins", perr.Message)
			}
			if resp.Header.Get("Access-Control-Allow-Origin") != "" {
				t.Fatal("a refused origin got Access-Control-Allow-Origin")
			}
		})
	}
	if after := s.env.Snapshot(t); after != before {
		t.Fatalf("a refused origin's request changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	t.Run("no Origin: not a browser's request", func(t *testing.T) {
		resp, _ := corsCall(t, s, "amy", "GET", "/v1/communities", "", false)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("HTTP %d, Allow-Origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
		}
	})
}

func TestCORSAnyOrigin(t *testing.T) {
	t.Parallel()
	s := startAPIServer(t, plazatest.Options{}, httpapi.Options{}, http.DefaultClient)
	s.env.Users(t, "amy")
	resp, _ := corsCall(t, s, "", "OPTIONS", "/v1/communities/club/channels/%23general/messages", "https://anywhere.example", true)
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("preflight: HTTP %d, Allow-Origin %q; want 204 *", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	if resp.Header.Get("Vary") != "" {
		t.Fatalf("Vary %q: the answer is the same for every origin", resp.Header.Get("Vary"))
	}
	resp, _ = corsCall(t, s, "amy", "GET", "/v1/communities", "null", false)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("request: HTTP %d, Allow-Origin %q; want 200 *", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

// TestCORSNotForServerAPIs: the server and operator APIs answer no CORS
// request, whatever the allow-list.
func TestCORSNotForServerAPIs(t *testing.T) {
	t.Parallel()
	for _, origins := range [][]string{nil, {"https://app.example"}} {
		s := startAPIServer(t, plazatest.Options{}, httpapi.Options{Origins: origins, OperatorKey: operatorKey}, http.DefaultClient)
		for _, path := range []string{"/v1/server/app/communities", "/v1/server/communities", "/v1/operator/apps"} {
			resp, perr := corsCall(t, s, "", "OPTIONS", path, "https://app.example", true)
			if resp.StatusCode != http.StatusForbidden || perr.Code != plaza.EOriginNotAllowed || !strings.Contains(perr.Message, "not for browsers") {
				t.Fatalf("origins %v: preflight of %s: HTTP %d %+v, want 403 origin_not_allowed, not for browsers", origins, path, resp.StatusCode, perr)
			}
			resp, _ = corsCall(t, s, "", "GET", path, "https://app.example", false)
			if resp.Header.Get("Access-Control-Allow-Origin") != "" {
				t.Fatalf("origins %v: GET %s answered with Access-Control-Allow-Origin", origins, path)
			}
		}
	}
}
