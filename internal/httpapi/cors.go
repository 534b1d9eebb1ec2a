package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/plazahq/plaza"
)

// CORS: a page of another origin may call the client API (and read the
// OpenAPI document and the health endpoints) when its Origin is in
// Options.Origins, the gateway's allow-list. Tokens travel in the
// Authorization header, never in cookies, so that no credentials mode is
// needed: with every origin allowed the answer is "*".
//
// The server API and the operator API are for app backends and operators,
// not browsers: they send no CORS headers, and a preflight to them is
// refused. The gateway checks Origin itself on upgrade (WebSocket has no
// preflight); /metrics is for scrapers.

// The CORS answers' values.
const (
	corsAllowMethods  = "GET, POST, PUT, PATCH, DELETE"
	corsAllowHeaders  = "Authorization, Content-Type, X-Request-ID"
	corsExposeHeaders = "X-Request-ID"
	corsMaxAge        = "600" // seconds a browser may cache a preflight's answer
)

// cors answers preflights and adds the CORS headers to the answers of
// allowed origins; a request from an origin not allowed is refused with
// origin_not_allowed, before anything runs. Requests without an Origin
// (other than browsers') pass untouched.
func (s *Server) cors(next http.Handler) http.Handler {
	anyOrigin := len(s.origins) == 0 || slices.Contains(s.origins, "*")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		switch api := corsScope(r.URL.Path); api {
		case "":
			next.ServeHTTP(w, r)
			return
		case "server", "operator":
			if preflight {
				writeErrorBody(w, plaza.Errorf(plaza.EOriginNotAllowed,
					"the %s API (%s) is not for browsers: it answers no cross-origin requests; call it from a backend", api, apiPrefix[api]))
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		if !anyOrigin {
			h.Add("Vary", "Origin")
		}
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		// A page served by Plaza itself (the web client) is always allowed.
		if !anyOrigin && !sameOrigin(origin, r.Host) && !slices.ContainsFunc(s.origins, func(o string) bool { return strings.EqualFold(o, origin) }) {
			writeErrorBody(w, plaza.Errorf(plaza.EOriginNotAllowed,
				"origin %s is not allowed: it is not in the server's --origins", origin))
			return
		}
		if anyOrigin {
			h.Set("Access-Control-Allow-Origin", "*")
		} else {
			h.Set("Access-Control-Allow-Origin", origin)
		}
		if preflight {
			// The same answer for every path: the request that follows
			// gets its own 404 or 405, which the page can then read.
			h.Set("Access-Control-Allow-Methods", corsAllowMethods)
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		next.ServeHTTP(w, r)
	})
}

// apiPrefix is the path prefix of the APIs that answer no CORS request.
var apiPrefix = map[string]string{"server": "/v1/server", "operator": "/v1/operator"}

// corsScope says how CORS treats a path: "client" (CORS for the allowed
// origins), "server" or "operator" (no CORS), or "" (left alone: the
// gateway, which checks Origin itself, and /metrics).
func corsScope(path string) string {
	switch {
	case path == "/v1/gateway" || path == "/metrics":
		return ""
	case path == "/v1/server" || strings.HasPrefix(path, "/v1/server/"):
		return "server"
	case path == "/v1/operator" || strings.HasPrefix(path, "/v1/operator/"):
		return "operator"
	}
	return "client"
}
