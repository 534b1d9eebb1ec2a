package httpapi

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/plazahq/plaza"
)

// The server API (/v1/server): an app's backend calls Plaza with requests
// signed by the app's server secret (docs/server-api.md). It takes no token,
// and the client API takes no signature, so that neither credential opens
// the other API.

// The headers of a signed request.
const (
	HeaderAppID     = "Plaza-App-ID"
	HeaderNonce     = "Plaza-Nonce"
	HeaderTimestamp = "Plaza-Timestamp" // Unix seconds
	HeaderSignature = "Plaza-Signature" // hex
)

var signatureHeaders = []string{HeaderAppID, HeaderNonce, HeaderTimestamp, HeaderSignature}

// signed verifies a server API request and puts its app in the request's
// context. The body is read once, bounded by the body limit, verified, and
// handed on as read.
func (s *Server) signed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			s.writeError(w, r, plaza.Errorf(plaza.ESignatureInvalid,
				"the server API takes no Authorization header: sign the request with the app's server secret (%s, %s, %s, %s)",
				HeaderAppID, HeaderNonce, HeaderTimestamp, HeaderSignature))
			return
		}
		var missing []string
		for _, h := range signatureHeaders {
			if r.Header.Get(h) == "" {
				missing = append(missing, h)
			}
		}
		if len(missing) > 0 {
			s.writeError(w, r, plaza.Errorf(plaza.ESignatureInvalid, "a server API request must be signed; missing header %s", strings.Join(missing, ", ")))
			return
		}
		body, err := s.readBody(w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		app, err := s.svc.VerifyServerRequest(r.Context(), plaza.SignedRequest{
			AppID:     r.Header.Get(HeaderAppID),
			Nonce:     r.Header.Get(HeaderNonce),
			Timestamp: r.Header.Get(HeaderTimestamp),
			Signature: r.Header.Get(HeaderSignature),
			Method:    r.Method,
			Path:      r.URL.RequestURI(),
			Body:      body,
		})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), appKey, app)))
	})
}

// appOperation serves one of the server API's own routes, as the app.
func (s *Server) appOperation(rt route) http.Handler {
	op := lookup(rt, plaza.LookupServerOperation)
	params := pathParams(rt.path)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		app := r.Context().Value(appKey).(plaza.App)
		s.call(w, r, op, plaza.Actor{AppID: app.AppID}, params, "")
	})
}

// onBehalf serves the server API's mirror of a client route, acting for the
// user that the fromUserID query parameter names. An operation that the app
// may also run as itself (sendMessage: a system message) does so when
// fromUserID is absent; any other refuses the call.
func (s *Server) onBehalf(rt route) http.Handler {
	op := lookup(rt, plaza.LookupOperation)
	asApp, hasAsApp := plaza.LookupServerOperation(rt.operation)
	params := pathParams(rt.path)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		app := r.Context().Value(appKey).(plaza.App)
		from, given := r.URL.Query()[FromUserIDParam]
		switch {
		case !given && hasAsApp:
			s.call(w, r, asApp, plaza.Actor{AppID: app.AppID}, params, FromUserIDParam)
			return
		case !given:
			s.writeError(w, r, plaza.FieldErrorf(plaza.EInvalidArgument, FromUserIDParam,
				"a server API call acts for a user: name it with the query parameter %s", FromUserIDParam))
			return
		case len(from) > 1:
			s.writeError(w, r, plaza.FieldErrorf(plaza.EInvalidArgument, FromUserIDParam,
				"query parameter %s must be given once", FromUserIDParam))
			return
		}
		actor, err := s.svc.ServerActor(r.Context(), app.AppID, from[0])
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.call(w, r, op, actor, params, FromUserIDParam)
	})
}
