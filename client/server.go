package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/plazahq/plaza"
)

// SignRequest signs req for Plaza's server API with one of the app's server
// secrets, as of now: it sets Plaza-App-ID, Plaza-Nonce (32 random hex
// characters, new on every call), Plaza-Timestamp (now in Unix seconds) and
// Plaza-Signature (plaza.ServerSignature over the method, the path with its
// query exactly as it will be sent, and the body). The body is read and
// restored, so req can be sent as it is; change nothing of it afterwards.
// See docs/server-api.md.
func SignRequest(req *http.Request, appID, secret string, now time.Time) error {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return fmt.Errorf("client: sign: reading the body: %w", err)
		}
		body = b
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.ContentLength = int64(len(body))
	}
	var n [16]byte
	if _, err := rand.Read(n[:]); err != nil {
		return fmt.Errorf("client: sign: nonce: %w", err)
	}
	nonce := hex.EncodeToString(n[:])
	ts := now.Unix()
	req.Header.Set("Plaza-App-ID", appID)
	req.Header.Set("Plaza-Nonce", nonce)
	req.Header.Set("Plaza-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("Plaza-Signature", plaza.ServerSignature(secret, appID, nonce, ts, req.Method, req.URL.RequestURI(), body))
	return nil
}

// Server calls Plaza's server API as an app's backend: every request is
// signed with the app's server secret, so keep it on servers only.
//
//	srv := client.NewServer("http://127.0.0.1:8080", appID, secret, nil)
//	res, err := srv.SendSystemMessage(ctx, plaza.SendMessageRequest{CommunityID: "c1", ChannelID: "#general",
//		Message: plaza.MessageContent{Type: plaza.MessageText, Message: "Maintenance at noon"}})
//
// Failures are *Error values, as with Client. Every call may fail with
// signature_invalid, signature_expired (the machine's clock is more than 10
// minutes off) or nonce_reused, all HTTP 401 (an unknown app answers as a wrong signature).
type Server struct {
	base, appID, secret string
	hc                  *http.Client
	now                 func() time.Time
}

// NewServer returns a server API client of the Plaza server at baseURL
// (http://host:port), for the app appID, signing with secret; a nil hc means
// http.DefaultClient.
func NewServer(baseURL, appID, secret string, hc *http.Client) *Server {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Server{base: strings.TrimSuffix(baseURL, "/"), appID: appID, secret: secret, hc: hc, now: time.Now}
}

// QueryAppCommunityList returns a page of all the app's communities, in
// creation order (queryAppCommunityList); pass the previous page's NextFlag
// to read the next one, until it is empty.
func (s *Server) QueryAppCommunityList(ctx context.Context, req plaza.QueryAppCommunityListRequest) (plaza.QueryAppCommunityListResult, error) {
	var res plaza.QueryAppCommunityListResult
	err := s.Do(ctx, http.MethodGet, "/v1/server/app/communities", "", req, &res)
	return res, err
}

// RegisterUsers creates or updates users of the app with their names and
// avatars (registerUsers).
//
// Errors: invalid_argument.
func (s *Server) RegisterUsers(ctx context.Context, req plaza.RegisterUsersRequest) (plaza.RegisterUsersResult, error) {
	var res plaza.RegisterUsersResult
	err := s.Do(ctx, http.MethodPost, "/v1/server/app/users", "", req, &res)
	return res, err
}

// MintUserToken returns a user token for req.UserID, signed with the app's
// newest server secret (mintUserToken).
//
// Errors: invalid_argument.
func (s *Server) MintUserToken(ctx context.Context, req plaza.MintUserTokenRequest) (plaza.MintUserTokenResult, error) {
	if req.UserID == "" {
		return plaza.MintUserTokenResult{}, emptyField("userID")
	}
	body := struct {
		TTLSeconds int64 `json:"ttlSeconds,omitempty"`
	}{req.TTLSeconds}
	var res plaza.MintUserTokenResult
	err := s.Do(ctx, http.MethodPost, "/v1/server/app/users/"+url.PathEscape(req.UserID)+"/token", "", body, &res)
	return res, err
}

// SendSystemMessage sends a message as the app itself: its sender is
// plaza.SystemUserID ("#system"), and it may go to any channel of the
// community, with no membership, mute or send rate (sendMessage without
// fromUserID). To send as a user, call Do with the user's ID.
//
// Errors: invalid_argument, community_not_found, channel_not_found,
// feature_not_activated, quota_exhausted, message_rejected,
// hook_unavailable.
func (s *Server) SendSystemMessage(ctx context.Context, req plaza.SendMessageRequest) (plaza.MessageResult, error) {
	switch {
	case req.CommunityID == "":
		return plaza.MessageResult{}, emptyField("communityID")
	case req.ChannelID == "":
		return plaza.MessageResult{}, emptyField("channelID")
	}
	body := struct {
		Message         plaza.MessageContent `json:"message"`
		ClientMessageID string               `json:"clientMessageID,omitempty"`
	}{req.Message, req.ClientMessageID}
	path := "/v1/server/communities/" + url.PathEscape(req.CommunityID) + "/channels/" + url.PathEscape(req.ChannelID) + "/messages"
	var res plaza.MessageResult
	err := s.Do(ctx, http.MethodPost, path, "", body, &res)
	return res, err
}

// Do sends one signed server API request and decodes the result into out
// (unless out is nil). path is a server API path ("/v1/server/communities"),
// or a client API path ("/v1/communities"), which is sent to its server API
// mirror; IDs in it must be escaped ("%23general"), and it may carry a query.
// fromUserID, unless empty, names the user the call acts for, as every
// mirrored client operation requires. For a GET the JSON fields of in are
// sent as query parameters (empty ones left out, lists repeated; leave the
// fields that the path carries empty); for any other method in is the JSON
// body (nil: no body).
func (s *Server) Do(ctx context.Context, method, path, fromUserID string, in, out any) error {
	if !strings.HasPrefix(path, "/v1/server/") {
		rest, ok := strings.CutPrefix(path, "/v1/")
		if !ok {
			return fmt.Errorf("client: server API path %q does not start with /v1/", path)
		}
		path = "/v1/server/" + rest
	}
	u, err := url.Parse(s.base + path)
	if err != nil {
		return fmt.Errorf("client: %s %s: %w", method, path, err)
	}
	q := u.Query()
	var body io.Reader
	if method == http.MethodGet {
		fields, err := toFields(in)
		if err != nil {
			return fmt.Errorf("client: %s %s: %w", method, path, err)
		}
		for k, v := range fields {
			if list, ok := v.([]any); ok {
				for _, e := range list {
					q.Add(k, fmt.Sprint(e))
				}
				continue
			}
			q.Set(k, fmt.Sprint(v))
		}
	} else if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("client: %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	if fromUserID != "" {
		q.Set("fromUserID", fromUserID)
	}
	u.RawQuery = q.Encode()
	hr, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return fmt.Errorf("client: %s %s: %w", method, path, err)
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if err := SignRequest(hr, s.appID, s.secret, s.now()); err != nil {
		return err
	}
	return roundTrip(s.hc, hr, method+" "+path, out)
}

// errorOf turns a failed answer into an *Error carrying the server's error
// object (SPEC §9), or an internal one holding the body when it has none.
func errorOf(status int, body []byte) *Error {
	var env struct {
		Error *plaza.Error `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil || env.Error == nil {
		return &Error{Status: status, Err: &plaza.Error{Code: plaza.EInternal, Message: strings.TrimSpace(string(body))}}
	}
	return &Error{Status: status, Err: env.Error}
}

// emptyField is the error of a path field left empty, answered without a
// request, as the server would.
func emptyField(name string) *Error {
	return &Error{Status: http.StatusBadRequest, Err: plaza.FieldErrorf(plaza.EInvalidArgument, name, "%s must not be empty", name)}
}
