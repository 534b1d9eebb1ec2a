package plaza

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// MaxTokenTTL is the longest a user token may live (SPEC §1).
const MaxTokenTTL = 24 * 24 * time.Hour

// tokenLeeway tolerates clock differences between the app backend that minted
// a token and this server.
const tokenLeeway = time.Minute

// TokenClaims are the claims of a user token: a JWT signed with HS256 using
// the bytes of the app's server secret as the key.
type TokenClaims struct {
	AppID    string `json:"app"`
	UserID   string `json:"sub"`
	IssuedAt int64  `json:"iat"`
	Expires  int64  `json:"exp"`
}

var (
	jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	b64       = base64.RawURLEncoding.Strict()
)

// MintToken returns a user token for userID of appID, valid for ttl from now.
func MintToken(secret, appID, userID string, now time.Time, ttl time.Duration) (string, error) {
	if err := checkID("userID", userID); err != nil {
		return "", err
	}
	if ttl <= 0 || ttl > MaxTokenTTL {
		return "", invalidf("ttl", "ttl must be between 1s and %s", MaxTokenTTL)
	}
	claims, err := json.Marshal(TokenClaims{
		AppID:    appID,
		UserID:   userID,
		IssuedAt: now.Unix(),
		Expires:  now.Add(ttl).Unix(),
	})
	if err != nil {
		return "", err
	}
	signing := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(claims)
	return signing + "." + base64.RawURLEncoding.EncodeToString(sign(secret, signing)), nil
}

func sign(secret, signing string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(signing))
	return m.Sum(nil)
}

// ParseToken decodes a token's claims without verifying its signature, so the
// caller can find the app whose secrets verify it.
func ParseToken(token string) (TokenClaims, error) {
	var c TokenClaims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c, Errorf(ETokenInvalid, "token is not a JWT")
	}
	header, err := b64.DecodeString(parts[0])
	if err != nil {
		return c, Errorf(ETokenInvalid, "token header is not base64url")
	}
	var h struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
	}
	if err := json.Unmarshal(header, &h); err != nil {
		return c, Errorf(ETokenInvalid, "token header is not JSON")
	}
	if h.Alg != "HS256" {
		return c, Errorf(ETokenInvalid, "token algorithm must be HS256, got %q", h.Alg)
	}
	payload, err := b64.DecodeString(parts[1])
	if err != nil {
		return c, Errorf(ETokenInvalid, "token claims are not base64url")
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(&c); err != nil {
		return c, Errorf(ETokenInvalid, "token claims are not valid: %v", err)
	}
	if c.AppID == "" || c.UserID == "" || c.Expires == 0 {
		return c, Errorf(ETokenInvalid, "token must carry app, sub and exp claims")
	}
	if err := checkID("sub", c.UserID); err != nil {
		return c, Errorf(ETokenInvalid, "token subject is not a valid user ID")
	}
	return c, nil
}

// VerifyToken checks token's signature against each of secrets and its times
// against now, and returns its claims. A token whose lifetime exceeds
// MaxTokenTTL is refused as invalid.
func VerifyToken(token string, secrets []string, now time.Time) (TokenClaims, error) {
	c, err := ParseToken(token)
	if err != nil {
		return c, err
	}
	i := strings.LastIndexByte(token, '.')
	got, err := b64.DecodeString(token[i+1:])
	if err != nil {
		return c, Errorf(ETokenInvalid, "token signature is not base64url")
	}
	ok := false
	for _, s := range secrets {
		if hmac.Equal(got, sign(s, token[:i])) {
			ok = true
			break
		}
	}
	if !ok {
		return c, Errorf(ETokenInvalid, "token signature does not match the app's secret")
	}
	iat := time.Unix(c.IssuedAt, 0)
	exp := time.Unix(c.Expires, 0)
	switch {
	case c.IssuedAt != 0 && iat.After(now.Add(tokenLeeway)):
		return c, Errorf(ETokenInvalid, "token is issued in the future")
	case c.IssuedAt != 0 && exp.Sub(iat) > MaxTokenTTL:
		return c, Errorf(ETokenInvalid, "token lives longer than %s", MaxTokenTTL)
	case exp.Sub(now) > MaxTokenTTL+tokenLeeway:
		return c, Errorf(ETokenInvalid, "token expires more than %s from now", MaxTokenTTL)
	case !now.Before(exp):
		return c, Errorf(ETokenExpired, "token expired at %s", exp.UTC().Format(time.RFC3339))
	}
	return c, nil
}
