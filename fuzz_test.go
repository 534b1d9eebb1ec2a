package plaza_test

import (
	"testing"
	"time"

	"github.com/plazahq/plaza"
)

// FuzzDecodeJSON feeds arbitrary bodies to the request decoder: it must never
// panic, and whatever it refuses must be an invalid_argument error.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"communityID":"a","communityAttributes":{"k":"v"}}`, `[`, "{\"communityName\":\"\xff\"}", `{"count":1e99}`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req plaza.CreateCommunityRequest
		if err := plaza.DecodeJSON(body, &req); err != nil && plaza.ErrorCode(err) != plaza.EInvalidArgument {
			t.Fatalf("decode error %v is not invalid_argument", err)
		}
		var page plaza.QueryCommunityMemberListRequest
		if err := plaza.DecodeJSON(body, &page); err != nil && plaza.ErrorCode(err) != plaza.EInvalidArgument {
			t.Fatalf("decode error %v is not invalid_argument", err)
		}
	})
}

// FuzzVerifyToken feeds arbitrary tokens to the verifier: it must never panic
// and never accept a token it did not sign.
func FuzzVerifyToken(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	good, _ := plaza.MintToken("secret", "app", "user", now, time.Hour)
	for _, s := range []string{good, "a.b.c", "", "....", good + "x", "eyJhbGciOiJub25lIn0.e30."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := plaza.VerifyToken(token, []string{"secret"}, now)
		if err != nil {
			if code := plaza.ErrorCode(err); code != plaza.ETokenInvalid && code != plaza.ETokenExpired {
				t.Fatalf("verify error %v has code %s", err, code)
			}
			return
		}
		// Accepted: the signature must be what made it so.
		if _, err := plaza.VerifyToken(token, []string{"another"}, now); err == nil {
			t.Fatalf("token %q for %s/%s verifies under any secret", token, c.AppID, c.UserID)
		}
	})
}

// FuzzPageRequest feeds arbitrary cursors to paging: never a panic, and a
// refusal names nextFlag.
func FuzzPageRequest(f *testing.F) {
	for _, s := range []string{"", "cDEuMS4y", "garbage", "cDEuLi4"} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, flag string, count int) {
		_, _, err := plaza.PageOf(plaza.PageRequest{Count: count, NextFlag: flag}, plaza.DefaultSpec())
		if err == nil {
			return
		}
		var pe *plaza.Error
		if pe = plaza.AsError(err); pe.Code != plaza.EInvalidArgument || (pe.Field != "nextFlag" && pe.Field != "count") {
			t.Fatalf("page error %v", err)
		}
	})
}
