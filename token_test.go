package plaza_test

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/plazahq/plaza"
)

const secret = "9193cc662a4c0ec135ec71fb57194b38"

// TestTokenInteroperability proves that an app backend can mint tokens with a
// standard JWT library, keyed with the bytes of its server secret, and read
// Plaza's own.
func TestTokenInteroperability(t *testing.T) {
	t.Parallel()
	now := time.Now()
	theirs, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"app": "1234567890", "sub": "amy", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	c, err := plaza.VerifyToken(theirs, []string{secret}, now)
	if err != nil || c.AppID != "1234567890" || c.UserID != "amy" {
		t.Fatalf("library token: %+v, %v", c, err)
	}

	ours, err := plaza.MintToken(secret, "1234567890", "amy", now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := jwt.Parse(ours, func(*jwt.Token) (any, error) { return []byte(secret), nil }, jwt.WithValidMethods([]string{"HS256"}))
	if err != nil || !parsed.Valid {
		t.Fatalf("a JWT library refuses Plaza's token: %v", err)
	}
	if sub, _ := parsed.Claims.GetSubject(); sub != "amy" {
		t.Fatalf("sub %q", sub)
	}
}

func TestVerifyToken(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	mint := func(iat time.Time, ttl time.Duration) string {
		tok, err := plaza.MintToken(secret, "app", "amy", iat, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	sign := func(alg jwt.SigningMethod, claims jwt.MapClaims) string {
		key := any([]byte(secret))
		if alg == jwt.SigningMethodNone {
			key = jwt.UnsafeAllowNoneSignatureType
		}
		tok, err := jwt.NewWithClaims(alg, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := mint(now, time.Hour)
	tests := []struct {
		name  string
		token string
		code  plaza.Code // "" for valid
	}{
		{"valid", good, ""},
		{"rotated: the old secret still listed", mint(now, time.Hour), ""},
		{"expired", mint(now.Add(-2*time.Hour), time.Hour), plaza.ETokenExpired},
		{"expires exactly now", mint(now.Add(-time.Hour), time.Hour), plaza.ETokenExpired},
		{"tampered claims", strings.Replace(good, good[strings.Index(good, ".")+1:strings.LastIndex(good, ".")], "eyJhcHAiOiJhcHAiLCJzdWIiOiJldmUiLCJleHAiOjE5MDAwMDAwMDB9", 1), plaza.ETokenInvalid},
		{"alg none", sign(jwt.SigningMethodNone, jwt.MapClaims{"app": "app", "sub": "amy", "exp": now.Add(time.Hour).Unix()}), plaza.ETokenInvalid},
		{"HS512", sign(jwt.SigningMethodHS512, jwt.MapClaims{"app": "app", "sub": "amy", "exp": now.Add(time.Hour).Unix()}), plaza.ETokenInvalid},
		{"no exp", sign(jwt.SigningMethodHS256, jwt.MapClaims{"app": "app", "sub": "amy"}), plaza.ETokenInvalid},
		{"no sub", sign(jwt.SigningMethodHS256, jwt.MapClaims{"app": "app", "exp": now.Add(time.Hour).Unix()}), plaza.ETokenInvalid},
		{"lives 25 days", sign(jwt.SigningMethodHS256, jwt.MapClaims{"app": "app", "sub": "amy", "iat": now.Unix(), "exp": now.Add(25 * 24 * time.Hour).Unix()}), plaza.ETokenInvalid},
		{"issued in the future", sign(jwt.SigningMethodHS256, jwt.MapClaims{"app": "app", "sub": "amy", "iat": now.Add(time.Hour).Unix(), "exp": now.Add(2 * time.Hour).Unix()}), plaza.ETokenInvalid},
		{"invalid subject", sign(jwt.SigningMethodHS256, jwt.MapClaims{"app": "app", "sub": "a b", "exp": now.Add(time.Hour).Unix()}), plaza.ETokenInvalid},
		{"two parts", "abc.def", plaza.ETokenInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := plaza.VerifyToken(tt.token, []string{"older-secret", secret}, now)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantCode(t, err, tt.code)
		})
	}
	if _, err := plaza.VerifyToken(good, []string{"another"}, now); plaza.ErrorCode(err) != plaza.ETokenInvalid {
		t.Fatalf("another app's secret: %v", err)
	}
	if _, err := plaza.MintToken(secret, "app", "amy", now, 25*24*time.Hour); err == nil {
		t.Fatal("minted a token living 25 days")
	}
}
