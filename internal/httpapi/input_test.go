package httpapi_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/httpapi"
)

// TestLenientBodiesAreRefused: a body is one JSON object, each key once; a
// null body is not an empty one.
func TestLenientBodiesAreRefused(t *testing.T) {
	t.Parallel()
	s := newAPIServer(t, 0)
	s.env.Users(t, "amy")
	for _, tt := range []struct {
		name, body, field string
	}{
		{"null", `null`, ""},
		{"null with spaces", " null\n", ""},
		{"a repeated key", `{"communityID":"a","communityID":"b"}`, "communityID"},
		{"a repeated key in a map", `{"communityID":"c","communityAttributes":{"k":"1","k":"2"}}`, "communityAttributes.k"},
		{"a repeated key in an array's object", `{"communityID":"c","communityAttributes":{"k":"1"},"x":[{"a":1,"a":2}]}`, "x[0].a"},
		{"a repeated key spelled with an escape", `{"communityID":"a","communityI\u0044":"b"}`, "communityID"},
		{"a NUL in a string", `{"communityID":"c","communityName":"a\u0000"}`, "communityName"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, "amy", "POST", "/v1/communities", []byte(tt.body))
			refused(t, r, plaza.EInvalidArgument, http.StatusBadRequest)
			if r.err.Field != tt.field {
				t.Fatalf("error %+v names field %q, want %q", r.err, r.err.Field, tt.field)
			}
		})
	}
	// Nothing at all is still an empty object.
	if r := s.do(t, "amy", "GET", "/v1/communities", nil); r.status != http.StatusOK {
		t.Fatalf("a GET without a body: HTTP %d %s", r.status, r.body)
	}
	if r := s.do(t, "amy", "POST", "/v1/communities", []byte(" ")); r.status != http.StatusOK {
		t.Fatalf("a POST with an empty body: HTTP %d %s", r.status, r.body)
	}
}

// TestServerAPISignatureRefusals: the signature is lowercase hex, and a
// caller cannot tell an app that does not exist from a wrong signature, nor
// learn it from the time check.
func TestServerAPISignatureRefusals(t *testing.T) {
	t.Parallel()
	s := newAPIServer(t, 0)
	appID, secret := s.env.App.AppID, s.env.App.Secrets[0].Secret
	path, body := "/v1/server/app/communities", ""
	now := time.Now()

	upper := s.signWith(t, appID, secret, "GET", path, body, now, "")
	upper.Header.Set(httpapi.HeaderSignature, strings.ToUpper(upper.Header.Get(httpapi.HeaderSignature)))
	refused(t, s.send(t, upper), plaza.ESignatureInvalid, http.StatusUnauthorized)
	padded := s.signWith(t, appID, secret, "GET", path, body, now, "")
	padded.Header.Set(httpapi.HeaderSignature, padded.Header.Get(httpapi.HeaderSignature)+"00")
	refused(t, s.send(t, padded), plaza.ESignatureInvalid, http.StatusUnauthorized)
	if r := s.send(t, s.signWith(t, appID, secret, "GET", path, body, now, "")); r.status != http.StatusOK {
		t.Fatalf("a good signature: HTTP %d %s", r.status, r.body)
	}

	// The same refusal, word for word, for an unknown app and a wrong
	// signature; and for a stale time, known app or not.
	const unknown = "9999999999"
	for _, tt := range []struct {
		name       string
		a, b       *http.Request
		code       plaza.Code
		wantStatus int
	}{
		{"unknown app or wrong secret",
			s.signWith(t, unknown, secret, "GET", path, body, now, "nonce-nonce-nonce-1"),
			s.signWith(t, appID, "0123456789abcdef0123456789abcdef", "GET", path, body, now, "nonce-nonce-nonce-1"),
			plaza.ESignatureInvalid, http.StatusUnauthorized},
		{"stale time",
			s.signWith(t, unknown, secret, "GET", path, body, now.Add(-time.Hour), "nonce-nonce-nonce-2"),
			s.signWith(t, appID, secret, "GET", path, body, now.Add(-time.Hour), "nonce-nonce-nonce-2"),
			plaza.ESignatureExpired, http.StatusUnauthorized},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ra, rb := s.send(t, tt.a), s.send(t, tt.b)
			refused(t, ra, tt.code, tt.wantStatus)
			refused(t, rb, tt.code, tt.wantStatus)
			if !bytes.Equal(ra.body, rb.body) {
				t.Fatalf("the answers differ:\n unknown app: %s\n known app:   %s", ra.body, rb.body)
			}
		})
	}
}
