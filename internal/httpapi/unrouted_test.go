package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/plazahq/plaza"
)

// TestTrailingSlash: no route ends with a slash; such a path answers 404 and
// names the route without it, instead of a 405 for a route it is not.
func TestTrailingSlash(t *testing.T) {
	t.Parallel()
	s := newAPIServer(t, 0)
	s.env.Users(t, "amy")
	tests := []struct {
		method, path, hint string
	}{
		{"POST", "/v1/communities/", "did you mean /v1/communities?"},
		{"GET", "/v1/communities/club/", "did you mean /v1/communities/club?"},
		{"GET", "/v1/nothing/", "see /v1/openapi.json"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := s.do(t, "amy", tt.method, tt.path, nil)
			if r.status != http.StatusNotFound || r.err.Code != plaza.ENotFound {
				t.Fatalf("HTTP %d %s, want 404 not_found", r.status, r.body)
			}
			if !strings.Contains(r.err.Message, tt.hint) {
				t.Fatalf("message %q lacks %q", r.err.Message, tt.hint)
			}
		})
	}
}
