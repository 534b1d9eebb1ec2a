package plaza

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// The server API: an app's backend calls Plaza with requests signed by the
// app's server secret (SPEC §1), on behalf of any of its users or as the
// app itself.

// SignatureWindow is how far a signed request's timestamp may be from the
// server's clock; a nonce is remembered as long.
const SignatureWindow = 10 * time.Minute

// Nonce bounds: long enough to be unguessable, short enough to store.
const (
	MinNonceChars = 16
	MaxNonceChars = 64
)

// ServerSignature computes the signature of a server API request: the hex
// HMAC-SHA256, keyed with the server secret's bytes, of
//
//	appID "\n" nonce "\n" timestamp "\n" METHOD "\n" path "\n" hex(SHA-256(body))
//
// where timestamp is Unix seconds in decimal and path is the request's path
// with its query string, exactly as sent ("/v1/server/app/communities?count=10").
// An empty body hashes as the empty string.
func ServerSignature(secret, appID, nonce string, timestamp int64, method, path string, body []byte) string {
	digest := sha256.Sum256(body)
	mac := hmac.New(sha256.New, []byte(secret))
	for _, part := range []string{appID, nonce, strconv.FormatInt(timestamp, 10), method, path} {
		mac.Write([]byte(part))
		mac.Write([]byte{'\n'})
	}
	mac.Write([]byte(hex.EncodeToString(digest[:])))
	return hex.EncodeToString(mac.Sum(nil))
}

// SignedRequest is what a server API request carries to prove its origin.
type SignedRequest struct {
	AppID     string
	Nonce     string
	Timestamp string // Unix seconds, as sent
	Signature string // hex
	Method    string
	Path      string // with the query string
	Body      []byte
}

// VerifyServerRequest checks a server API request's signature and returns
// its app. The checks run in this order: the headers are well formed
// (signature_invalid: an app ID, a nonce of 16 to 64 printable ASCII
// characters, a timestamp in Unix seconds, a signature of 64 lowercase hex
// digits); the timestamp is within SignatureWindow of now
// (signature_expired); the app exists and the signature matches one of its
// current secrets (signature_invalid, the same answer for both, so that a
// caller learns nothing of which apps exist); the nonce was not used within
// the window (nonce_reused). Only a request that passes all of them uses up
// its nonce.
func (s *Service) VerifyServerRequest(ctx context.Context, r SignedRequest) (App, error) {
	if err := checkRef("Plaza-App-ID", r.AppID); err != nil {
		return App{}, Errorf(ESignatureInvalid, "Plaza-App-ID must name the app")
	}
	if n := len(r.Nonce); n < MinNonceChars || n > MaxNonceChars || !printableASCII(r.Nonce) {
		return App{}, Errorf(ESignatureInvalid, "Plaza-Nonce must be %d to %d printable ASCII characters, got %d bytes", MinNonceChars, MaxNonceChars, n)
	}
	ts, err := strconv.ParseInt(r.Timestamp, 10, 64)
	if err != nil {
		return App{}, Errorf(ESignatureInvalid, "Plaza-Timestamp must be Unix seconds")
	}
	if !lowerHex(r.Signature, sha256.Size*2) {
		return App{}, Errorf(ESignatureInvalid, "Plaza-Signature must be %d lowercase hexadecimal digits", sha256.Size*2)
	}
	now := s.now()
	if skew := now.Sub(time.Unix(ts, 0)); skew > SignatureWindow || skew < -SignatureWindow {
		return App{}, Errorf(ESignatureExpired, "Plaza-Timestamp %d is %s from the server's clock; at most %s is allowed",
			ts, skew.Abs().Round(time.Second), SignatureWindow)
	}
	app, err := s.cachedApp(ctx, r.AppID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return App{}, fmt.Errorf("read app: %w", err)
	}
	secrets := app.validSecrets(now.UnixMilli())
	if err != nil {
		// An unknown app is answered as a wrong signature, after the same
		// work, so that neither the answer nor its time tells it apart.
		secrets = []string{unknownAppSecret}
	}
	got, _ := hex.DecodeString(r.Signature)
	ok := false
	for _, secret := range secrets {
		want, _ := hex.DecodeString(ServerSignature(secret, r.AppID, r.Nonce, ts, r.Method, r.Path, r.Body))
		if hmac.Equal(got, want) {
			ok = true
			break
		}
	}
	if !ok || err != nil {
		return App{}, Errorf(ESignatureInvalid, "Plaza-Signature does not match the request signed with a current server secret of the app that Plaza-App-ID names")
	}
	// A nonce is kept until its timestamp leaves the window on both sides.
	expires := time.Unix(ts, 0).Add(SignatureWindow).UnixMilli() + 1000
	err = s.store.Update(ctx, func(tx Tx) error {
		return tx.UseNonce(ctx, r.AppID, r.Nonce, now.UnixMilli(), expires)
	})
	if errors.Is(err, ErrConflict) {
		return App{}, Errorf(ENonceReused, "Plaza-Nonce %s was already used; every request needs a new one", r.Nonce)
	}
	if err != nil {
		return App{}, fmt.Errorf("record nonce: %w", err)
	}
	return app, nil
}

// unknownAppSecret stands in for the secret of an app that does not exist.
const unknownAppSecret = "no app has this secret"

// lowerHex reports whether s is n lowercase hexadecimal digits.
func lowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// printableASCII reports whether s holds only printable ASCII characters,
// spaces excluded.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// ServerActor returns the actor a server API request acts as: the user
// fromUserID of the app, created on first use as a token's user is.
func (s *Service) ServerActor(ctx context.Context, appID, fromUserID string) (Actor, error) {
	if err := checkID("fromUserID", fromUserID); err != nil {
		return Actor{}, err
	}
	a := Actor{AppID: appID, UserID: fromUserID}
	return a, s.ensureUser(ctx, a)
}

// QueryAppCommunityListRequest is the body of queryAppCommunityList.
type QueryAppCommunityListRequest struct {
	Count    int    `json:"count,omitempty"`
	NextFlag string `json:"nextFlag,omitempty"`
}

// QueryAppCommunityListResult is a page of an app's communities.
type QueryAppCommunityListResult struct {
	CommunityList []CommunityInfo `json:"communityList"`
	NextFlag      string          `json:"nextFlag"`
}

// MaxAppCommunitiesPage bounds a page of queryAppCommunityList.
const MaxAppCommunitiesPage = 10_000

// QueryAppCommunityList lists every community of the app, in creation order.
func (s *Service) QueryAppCommunityList(ctx context.Context, actor Actor, req QueryAppCommunityListRequest) (QueryAppCommunityListResult, error) {
	n := req.Count
	switch {
	case n == 0:
		n = 100
	case n < 0 || n > MaxAppCommunitiesPage:
		return QueryAppCommunityListResult{}, invalidf("count", "count must be between 1 and %d, got %d", MaxAppCommunitiesPage, req.Count)
	}
	after, err := parseCursor(req.NextFlag)
	if err != nil {
		return QueryAppCommunityListResult{}, err
	}
	if _, err := activeApp(ctx, s.store, actor.AppID); err != nil {
		return QueryAppCommunityListResult{}, err
	}
	rows, err := s.store.AppCommunities(ctx, actor.AppID, after, n+1)
	if err != nil {
		return QueryAppCommunityListResult{}, fmt.Errorf("list communities: %w", err)
	}
	rows, next := trimPage(rows, n, func(c CommunityInfo) Cursor { return Cursor{K1: c.PK} })
	for i := range rows {
		rows[i].MuteInfo = rows[i].MuteInfo.current(s.nowMs())
	}
	return QueryAppCommunityListResult{CommunityList: rows, NextFlag: next}, nil
}

// RegisterUsersRequest is the body of registerUsers.
type RegisterUsersRequest struct {
	UserList []UserInfo `json:"userList"`
}

// RegisterUsersResult lists the users as stored.
type RegisterUsersResult struct {
	UserList []UserInfo `json:"userList"`
}

// RegisterUsers creates or updates users of the app, with their names and
// avatars, so that they exist before they first sign in (an invite names
// only existing users).
func (s *Service) RegisterUsers(ctx context.Context, actor Actor, req RegisterUsersRequest) (RegisterUsersResult, error) {
	app, err := s.App(ctx, actor.AppID)
	if err != nil {
		return RegisterUsersResult{}, err
	}
	if len(req.UserList) == 0 || len(req.UserList) > app.Spec.UsersPerCall {
		return RegisterUsersResult{}, invalidf("userList", "userList must hold 1 to %d users, got %d", app.Spec.UsersPerCall, len(req.UserList))
	}
	seen := make(map[string]bool, len(req.UserList))
	for i, u := range req.UserList {
		field := fmt.Sprintf("userList[%d]", i)
		if err := checkID(field+".userID", u.UserID); err != nil {
			return RegisterUsersResult{}, err
		}
		if seen[u.UserID] {
			return RegisterUsersResult{}, invalidf(field+".userID", "user %s is listed twice", u.UserID)
		}
		seen[u.UserID] = true
		if err := checkOptionalName(field+".userName", u.UserName, app.Spec.NameMaxChars); err != nil {
			return RegisterUsersResult{}, err
		}
		if err := checkAvatarURL(field+".userAvatarUrl", u.UserAvatarURL, app.Spec.AvatarURLMaxChars); err != nil {
			return RegisterUsersResult{}, err
		}
	}
	out := make([]UserInfo, 0, len(req.UserList))
	err = s.store.Update(ctx, func(tx Tx) error {
		out = out[:0]
		for _, in := range req.UserList {
			u, err := tx.EnsureUser(ctx, actor.AppID, in.UserID, s.nowMs())
			if err != nil {
				return fmt.Errorf("create user: %w", err)
			}
			u.UserName, u.UserAvatarURL = in.UserName, in.UserAvatarURL
			if err := tx.UpdateUser(ctx, u); err != nil {
				return fmt.Errorf("update user: %w", err)
			}
			out = append(out, u.UserInfo)
		}
		return nil
	})
	if err != nil {
		return RegisterUsersResult{}, err
	}
	return RegisterUsersResult{UserList: out}, nil
}

// MintUserTokenRequest is the body of mintUserToken.
type MintUserTokenRequest struct {
	UserID string `json:"userID"`
	// TTLSeconds is the token's lifetime: 1 to 2,073,600 (24 days); 0 means
	// one day.
	TTLSeconds int64 `json:"ttlSeconds,omitempty"`
}

// MintUserTokenResult is a user token and when it expires.
type MintUserTokenResult struct {
	Token     string `json:"token"`
	ExpiresAt int64  `json:"expiresAt"` // Unix ms
}

// MintUserToken signs a user token with the app's newest server secret, as
// the app's backend could offline.
func (s *Service) MintUserToken(ctx context.Context, actor Actor, req MintUserTokenRequest) (MintUserTokenResult, error) {
	ttl := 24 * time.Hour
	if req.TTLSeconds != 0 {
		if req.TTLSeconds < 0 || req.TTLSeconds > int64(MaxTokenTTL/time.Second) {
			return MintUserTokenResult{}, invalidf("ttlSeconds", "ttlSeconds must be between 1 and %d, got %d", int64(MaxTokenTTL/time.Second), req.TTLSeconds)
		}
		ttl = time.Duration(req.TTLSeconds) * time.Second
	}
	app, err := s.App(ctx, actor.AppID)
	if err != nil {
		return MintUserTokenResult{}, err
	}
	now := s.now()
	secret, ok := app.signingSecret(now.UnixMilli())
	if !ok {
		return MintUserTokenResult{}, fmt.Errorf("app %s has no current server secret", app.AppID)
	}
	token, err := MintToken(secret, app.AppID, req.UserID, now, ttl)
	if err != nil {
		return MintUserTokenResult{}, err
	}
	return MintUserTokenResult{Token: token, ExpiresAt: now.Add(ttl).UnixMilli()}, nil
}

// SendSystemMessage stores a message sent by the app itself (SystemUserID)
// in any channel of a community: no membership, mute or send rate applies.
// The downstream quota does, and so does the beforeSendMessage hook.
func (s *Service) SendSystemMessage(ctx context.Context, actor Actor, req SendMessageRequest) (MessageResult, error) {
	a := Actor{AppID: actor.AppID, UserID: SystemUserID}
	return s.send(ctx, a, true, req.CommunityID, req.ChannelID, req.Message, req.ClientMessageID, 0)
}
