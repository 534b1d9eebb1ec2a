// Package httpapi serves Plaza's HTTP JSON API under /v1: the routes of
// routes.go, each bound to one SPEC operation, plus the OpenAPI document and
// health endpoints. Three APIs share it, each with its own credential, and
// no credential opens another API: the client API (a user token), the server
// API under /v1/server (a request signed with the app's server secret;
// server.go), which mirrors every client route for a user named by
// fromUserID, and the operator API under /v1/operator (the operator key;
// operator.go).
//
// Handlers hold no logic: they decode, call the operation, and encode. Every
// failure is answered with the SPEC §9 error object; the status is chosen
// here, in one place (errors.go).
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/plazahq/plaza"
)

// DefaultMaxBody is the largest request body accepted unless configured
// otherwise.
const DefaultMaxBody = 1 << 20

// Server is the HTTP API.
type Server struct {
	svc     *plaza.Service
	log     *slog.Logger
	maxBody int64
	gateway http.Handler
	ready   func(context.Context) error
	spec    []byte // the OpenAPI document as JSON
	handler http.Handler
	// operatorKey authenticates the operator API; "" turns it off.
	operatorKey string
	origins     []string
	observe     func(Observation)
	accessLog   *slog.Logger
	endpoints   map[string]endpoint // by mux pattern
	specYAML    []byte              // the OpenAPI document as YAML
}

// Options configures New.
type Options struct {
	Service *plaza.Service
	Logger  *slog.Logger
	// MaxBody bounds request bodies, in bytes; 0 means DefaultMaxBody.
	MaxBody int64
	// Gateway serves GET /v1/gateway, when set.
	Gateway http.Handler
	// Ready reports whether the node can serve (for /readyz).
	Ready func(context.Context) error
	// OperatorKey is the secret that the operator API (/v1/operator)
	// requires as Authorization: Bearer <key>. Empty turns the operator API
	// off: its paths answer 404.
	OperatorKey string
	// Origins lists the Origin header values whose pages may call the
	// client API (CORS; cors.go): the gateway's allow-list. Empty, or an
	// entry "*", allows any origin.
	Origins []string
	// Metrics, when set, is served at GET /metrics, without CORS.
	Metrics http.Handler
	// Observe, when set, is told of every request once it is answered
	// (observe.go).
	Observe func(Observation)
	// AccessLog, when set, gets one line per request, at level info.
	AccessLog *slog.Logger
	// Web, when set, serves the web client: GET and HEAD of every path
	// outside /v1 that no route takes (the page, its assets, the client's
	// own paths). Unknown paths under /v1 keep their JSON answers.
	Web http.Handler
	// DevLogin, when set, turns development sign-in on (devlogin.go). Never
	// on a server that others can reach.
	DevLogin *DevLogin
}

// New returns the API server.
func New(o Options) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.Ready == nil {
		o.Ready = func(context.Context) error { return nil }
	}
	spec, specYAML, err := openAPIDocuments()
	if err != nil {
		return nil, err
	}
	s := &Server{
		svc: o.Service, log: o.Logger, maxBody: o.MaxBody, gateway: o.Gateway, ready: o.Ready, spec: spec, specYAML: specYAML,
		operatorKey: o.OperatorKey, origins: o.Origins, observe: o.Observe, accessLog: o.AccessLog,
	}
	mux := http.NewServeMux()
	s.register(mux)
	if o.Metrics != nil {
		mux.Handle("GET /metrics", o.Metrics)
	}
	s.endpoints = endpoints()
	if o.Web != nil {
		mountWeb(mux, o.Web)
		for _, p := range webPatterns {
			s.endpoints[p] = endpoint{api: "web", operation: "web"}
		}
	}
	if o.DevLogin != nil {
		s.mountDevLogin(mux, *o.DevLogin)
	}
	// From the outside in: the request ID, which the rest logs; the
	// observer, which sees every answer, panics' too; CORS, which answers
	// preflights and refuses unlisted origins before anything else runs.
	s.handler = s.requestID(s.observed(mux, s.recoverPanics(s.cors(rejectEmptySegments(mux)))))
	return s, nil
}

// webPatterns are the mux patterns of the web client: the root, and every
// path of one segment or more that no route is more specific about.
var webPatterns = []string{"/{$}", "/{first}", "/{first}/"}

// mountWeb serves the web client at every path outside /v1 that no route
// takes. Paths under /v1 that no route takes keep their JSON 404 or 405,
// and so do methods other than GET and HEAD.
func mountWeb(mux *http.ServeMux, web http.Handler) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			unrouted().ServeHTTP(w, r)
			return
		}
		web.ServeHTTP(w, r)
	})
	for _, p := range webPatterns {
		mux.Handle(p, h)
	}
	// The API's paths, and the infrastructure's even when not served here
	// (metrics on their own listener), are never the client's.
	for _, p := range []string{"/v1", "/v1/", "/healthz", "/readyz", "/metrics"} {
		mux.Handle(p, unrouted())
	}
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

type ctxKey int

const (
	actorKey ctxKey = iota
	requestIDKey
	appKey  // the plaza.App of a verified server API request
	infoKey // the *requestInfo that the observer reads once the request is answered
)

// requestID tags each request with an ID (the client's X-Request-ID when it
// is sane) that the response echoes and the logs carry.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.writeError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// authenticated requires a valid user token and puts the actor in the
// request's context. A signature is no substitute: signed requests go to the
// server API.
func (s *Server) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || token == "" {
			msg := "send a user token as Authorization: Bearer <token>"
			if r.Header.Get(HeaderSignature) != "" {
				msg += "; a signed request goes to the server API, under /v1/server"
			}
			s.writeError(w, r, plaza.Errorf(plaza.ETokenInvalid, "%s", msg))
			return
		}
		actor, _, err := s.svc.Authenticate(r.Context(), strings.TrimSpace(token))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), actorKey, actor)))
	})
}

// lookup returns the operation that a route names, from the table of its
// API; a route naming no operation is a programming error.
func lookup(rt route, table func(string) (plaza.Operation, bool)) plaza.Operation {
	op, ok := table(rt.operation)
	if !ok {
		panic("httpapi: route " + rt.path + " names unknown operation " + rt.operation)
	}
	return op
}

// operation serves one client route as the token's user.
func (s *Server) operation(rt route) http.Handler {
	op := lookup(rt, plaza.LookupOperation)
	params := pathParams(rt.path)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.call(w, r, op, r.Context().Value(actorKey).(plaza.Actor), params, "")
	})
}

// call decodes the request from path, query and body, runs op as actor and
// encodes its result. reserved, when set, is a query parameter that is not a
// request field.
func (s *Server) call(w http.ResponseWriter, r *http.Request, op plaza.Operation, actor plaza.Actor, params []string, reserved string) {
	if info, ok := r.Context().Value(infoKey).(*requestInfo); ok {
		info.appID, info.userID = actor.AppID, actor.UserID
	}
	decode := func(v any) error { return s.decodeRequest(w, r, params, reserved, v) }
	res, err := op.Call(r.Context(), s.svc, actor, decode)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// pathParams returns the wildcard names of a route path.
func pathParams(path string) []string {
	var names []string
	for seg := range strings.SplitSeq(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			names = append(names, strings.TrimSuffix(strings.TrimPrefix(seg, "{"), "}"))
		}
	}
	return names
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	if e, ok := v.(errorBody); ok {
		if rec, ok := w.(*recorder); ok {
			rec.code = e.Error.Code
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) openAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(s.spec)
	})
}

func (s *Server) openAPIYAML() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		w.Write(s.specYAML)
	})
}

func (s *Server) healthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

// readyz answers 200 when the node's store and bus can serve, 503 otherwise.
func (s *Server) readyz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.ready(ctx); err != nil {
			s.log.Warn("not ready", "err", err)
			s.writeError(w, r, plaza.Errorf(plaza.EUnavailable, "not ready: %v", err))
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
}

// rejectEmptySegments refuses a path with an empty segment, which is an ID
// left out ("/v1/communities//join"), instead of letting the mux redirect to
// a cleaned path that means something else.
func rejectEmptySegments(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "//") {
			writeErrorBody(w, plaza.Errorf(plaza.EInvalidArgument, "path %s has an empty segment: an ID is missing", r.URL.Path))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// unrouted answers a request no route took: 405 with Allow when the path
// exists under other methods, 404 otherwise. No route ends with a slash: a
// path that does answers 404 naming the path without it, rather than 405
// for a route it is not.
func unrouted() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
			msg := fmt.Sprintf("no route for %s %s; see /v1/openapi.json", r.Method, p)
			if trimmed := strings.TrimRight(p, "/"); len(allowedMethods(trimmed)) > 0 {
				msg = fmt.Sprintf("no route for %s %s; did you mean %s?", r.Method, p, trimmed)
			}
			writeErrorBody(w, plaza.Errorf(plaza.ENotFound, "%s", msg))
			return
		}
		if methods := allowedMethods(r.URL.Path); len(methods) > 0 {
			allow := strings.Join(methods, ", ")
			w.Header().Set("Allow", allow)
			writeErrorBody(w, plaza.Errorf(plaza.EMethodNotAllowed, "%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow))
			return
		}
		writeErrorBody(w, plaza.Errorf(plaza.ENotFound, "no route for %s %s; see /v1/openapi.json", r.Method, r.URL.Path))
	})
}

// isInternal reports whether err carries no client-facing code.
func isInternal(err error) bool {
	var pe *plaza.Error
	return !errors.As(err, &pe) || pe.Code == plaza.EInternal
}
