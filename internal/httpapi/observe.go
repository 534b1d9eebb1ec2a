package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/plazahq/plaza"
)

// Observation is what the API tells of a request once it has answered it:
// for the access log and for metrics. Operation and API are taken from the
// route the path matches, never from the path itself, so that they take few
// values whatever clients send.
type Observation struct {
	RequestID string
	Method    string
	Path      string
	// API is "client", "server" or "operator"; "" for the endpoints that
	// are no API's (health, the OpenAPI document, metrics, the gateway's
	// upgrade) and for paths no route matches.
	API string
	// Operation is the route's operation ID, or the endpoint's name
	// (healthz, readyz, openapi, metrics, gateway), or "unrouted".
	Operation string
	// Status is the HTTP status answered: 101 for a gateway connection.
	Status int
	// Code is the error code answered; "" on success.
	Code    plaza.Code
	Elapsed time.Duration
	// AppID and UserID are the app and user the request acted as, once its
	// credential was verified; "" before (a refused credential) and for
	// the operator API.
	AppID, UserID string
}

// endpoint names what a mux pattern serves.
type endpoint struct{ api, operation string }

// unroutedEndpoint is the name of a request no route took.
var unroutedEndpoint = endpoint{operation: "unrouted"}

// endpoints maps every mux pattern that register installs to what it
// serves.
func endpoints() map[string]endpoint {
	m := map[string]endpoint{
		"GET /v1/openapi.json": {operation: "openapi"},
		"GET /v1/openapi.yaml": {operation: "openapi"},
		"GET /healthz":         {operation: "healthz"},
		"GET /readyz":          {operation: "readyz"},
		"GET /v1/gateway":      {operation: "gateway"},
		"GET /metrics":         {operation: "metrics"},
		"/v1/operator":         {api: "operator", operation: "unrouted"},
		"/v1/operator/":        {api: "operator", operation: "unrouted"},
	}
	for _, r := range routes {
		m[r.method+" "+r.path] = endpoint{"client", r.operation}
		m[r.method+" "+ServerPath(r.path)] = endpoint{"server", r.operation}
	}
	for _, r := range serverRoutes {
		m[r.method+" "+r.path] = endpoint{"server", r.operation}
	}
	for _, r := range operatorRoutes {
		m[r.method+" "+r.path] = endpoint{"operator", r.operation}
	}
	return m
}

// requestInfo is what handlers learn of a request that the observer reports:
// call fills it.
type requestInfo struct {
	appID, userID string
}

// observed tells Options.Observe of every request, and logs it when the
// access log is on. mux names the route a request matches, before the
// request runs: so that a request refused early (CORS, an empty path
// segment) is reported under the operation it was meant for.
func (s *Server) observed(mux *http.ServeMux, next http.Handler) http.Handler {
	if s.observe == nil && s.accessLog == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		_, pattern := mux.Handler(r)
		ep, ok := s.endpoints[pattern]
		if !ok {
			ep = unroutedEndpoint
		}
		info := &requestInfo{}
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), infoKey, info)))
		id, _ := r.Context().Value(requestIDKey).(string)
		o := Observation{
			RequestID: id,
			Method:    r.Method,
			Path:      r.URL.Path,
			API:       ep.api,
			Operation: ep.operation,
			Status:    rec.status,
			Code:      rec.code,
			Elapsed:   time.Since(start),
			AppID:     info.appID,
			UserID:    info.userID,
		}
		if o.Status == 0 {
			o.Status = http.StatusOK // the handler wrote nothing
		}
		if s.observe != nil {
			s.observe(o)
		}
		if s.accessLog != nil {
			s.accessLog.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("id", o.RequestID),
				slog.String("method", o.Method),
				slog.String("path", o.Path),
				slog.String("api", o.API),
				slog.String("operation", o.Operation),
				slog.Int("status", o.Status),
				slog.String("code", string(o.Code)),
				slog.Duration("latency", o.Elapsed),
				slog.String("app", o.AppID),
				slog.String("user", o.UserID),
			)
		}
	})
}

// recorder keeps the status and error code of an answer. It passes a
// hijack through, for the gateway's upgrade, and unwraps for
// http.ResponseController.
type recorder struct {
	http.ResponseWriter
	status  int
	code    plaza.Code // set by writeJSON for an error body
	sniffed bool
}

func (w *recorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.code == "" && w.status >= 400 && !w.sniffed {
		// An error body written by another hand than writeJSON's (the
		// gateway's refusals): its code, if it is one of Plaza's.
		w.sniffed = true
		var e errorBody
		if json.Unmarshal(b, &e) == nil && e.Error != nil && e.Error.Code.Number() != 0 {
			w.code = e.Error.Code
		}
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap returns the ResponseWriter the recorder wraps.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush sends what is buffered.
func (w *recorder) Flush() { http.NewResponseController(w.ResponseWriter).Flush() }

// Hijack hands the connection over (a WebSocket upgrade): the status is 101.
func (w *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil && w.status == 0 {
		w.status = http.StatusSwitchingProtocols
	}
	return nc, brw, err
}
