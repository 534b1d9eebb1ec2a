package httpapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/plazahq/plaza"
)

// Development sign-in: with it on, anyone who reaches the server signs in
// as any user of the development app, by name, without a token. It makes
// the web client usable at once on a developer's machine (plaza serve
// --dev-login, then open the page and type a name). It is for a machine of
// one's own only: it hands out tokens to whoever asks.
//
//	GET  /v1/dev        {"devLogin": true, "appID": "…"}: the web client offers sign-in by name
//	POST /v1/dev/token  {"userID": "bob"} → {"token", "expiresAt", "appID", "userID"}
//
// Off (the default), both answer 404 as any unknown path. They are not in
// the API document: no app's client may rely on them.
//
// A page of another origin gets no token (origin_not_allowed), whatever
// --origins allows: otherwise any web page open in the developer's browser
// could sign in to the development server as anyone. Requests without an
// Origin (curl, scripts) are served.

// DevLogin configures development sign-in.
type DevLogin struct {
	// AppID is the development app (dev-app.json): the only app whose users
	// it signs in.
	AppID string
}

// devInfo is the answer of GET /v1/dev.
type devInfo struct {
	DevLogin bool   `json:"devLogin"`
	AppID    string `json:"appID"`
}

// devTokenRequest is the body of POST /v1/dev/token.
type devTokenRequest struct {
	UserID string `json:"userID"`
}

// devTokenResult is the answer of POST /v1/dev/token.
type devTokenResult struct {
	Token     string `json:"token"`
	ExpiresAt int64  `json:"expiresAt"`
	AppID     string `json:"appID"`
	UserID    string `json:"userID"`
}

// devPatterns name the development sign-in's routes, for the observer.
var devPatterns = map[string]endpoint{
	"GET /v1/dev":        {api: "dev", operation: "devLogin"},
	"POST /v1/dev/token": {api: "dev", operation: "devToken"},
}

func (s *Server) mountDevLogin(mux *http.ServeMux, d DevLogin) {
	mux.Handle("GET /v1/dev", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, devInfo{DevLogin: true, AppID: d.AppID})
	}))
	mux.Handle("POST /v1/dev/token", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && !sameOrigin(origin, r.Host) {
			s.writeError(w, r, plaza.Errorf(plaza.EOriginNotAllowed,
				"development sign-in serves the pages of this server only, not %s", origin))
			return
		}
		var req devTokenRequest
		if err := s.decodeBody(w, r, &req); err != nil {
			s.writeError(w, r, err)
			return
		}
		if info, ok := r.Context().Value(infoKey).(*requestInfo); ok {
			info.appID, info.userID = d.AppID, req.UserID
		}
		res, err := s.svc.MintUserToken(r.Context(), plaza.Actor{AppID: d.AppID}, plaza.MintUserTokenRequest{UserID: req.UserID})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, devTokenResult{Token: res.Token, ExpiresAt: res.ExpiresAt, AppID: d.AppID, UserID: req.UserID})
	}))
	for p, ep := range devPatterns {
		s.endpoints[p] = ep
	}
}

// sameOrigin reports whether an Origin header names the host a request was
// sent to.
func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return strings.EqualFold(u.Host, host)
}
