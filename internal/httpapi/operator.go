package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/plazahq/plaza"
)

// The operator API (/v1/operator): whoever runs Plaza manages its apps. One
// key, set when the server starts, opens it; without one it is off.

// operatorOnly requires the operator key as a bearer token. The comparison
// takes the same time whatever the key sent: both sides are hashed first,
// so that not even the key's length leaks.
func (s *Server) operatorOnly(next http.Handler) http.Handler {
	want := sha256.Sum256([]byte(s.operatorKey))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		got := sha256.Sum256([]byte(strings.TrimSpace(key)))
		if !ok || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			s.writeError(w, r, plaza.Errorf(plaza.EOperatorKey, "the operator API needs the operator key as Authorization: Bearer <key>"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// operatorOff answers every operator API path when no operator key is set.
func operatorOff() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeErrorBody(w, plaza.Errorf(plaza.ENotFound, "the operator API is off on this server: it is served only when an operator key is configured"))
	})
}

// operatorOperation serves one operator route. Operator use cases act for
// no user.
func (s *Server) operatorOperation(rt route) http.Handler {
	op := lookup(rt, plaza.LookupOperatorOperation)
	params := pathParams(rt.path)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.call(w, r, op, plaza.Actor{}, params, "")
	})
}
