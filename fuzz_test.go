package plaza_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/plazatest"
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

// errDecoded stops an operation once its request has decoded: the fuzz
// targets exercise the decoders, not the use cases.
var errDecoded = errors.New("decoded")

// FuzzOperationBodies feeds arbitrary bodies to every operation of the
// three tables (client, server, operator), decoded as every transport
// decodes them: never a panic, and a refusal is invalid_argument.
func FuzzOperationBodies(f *testing.F) {
	var ops []plaza.Operation
	ops = append(ops, plaza.Operations()...)
	ops = append(ops, plaza.ServerOperations()...)
	ops = append(ops, plaza.OperatorOperations()...)
	for i, s := range []string{
		`{"communityID":"c","channelID":"#general","message":{"type":1,"message":"hi","mentionedUserIDs":["a"]}}`,
		`{"communityID":"c","communityAttributes":{"k":"v","k":"w"}}`,
		`{"userList":[{"userID":"u","userName":"\u0000"}]}`,
		`{"spec":{"channelsPerCommunity":200},"appID":"a"}`,
		`{"webhook":{"callbackURL":"https://x/cb","secret":"0123456789abcdef","events":["messageSent"]}}`,
		`{"count":-1,"nextFlag":"\u0000"}`,
		`{"message":{"type":10,"items":[{"type":11,"fileDownloadUrl":"u"}]}}`,
		`null`, `[]`, `{"isMute":"yes"}`, `{"channelType":null}`, `{} {}`,
	} {
		f.Add(uint16(i*7), []byte(s))
	}
	f.Fuzz(func(t *testing.T, which uint16, body []byte) {
		op := ops[int(which)%len(ops)]
		_, err := op.Call(context.Background(), nil, plaza.Actor{AppID: "a", UserID: "u"}, func(v any) error {
			if err := plaza.DecodeJSON(body, v); err != nil {
				return err
			}
			return errDecoded
		})
		if err != errDecoded && plaza.ErrorCode(err) != plaza.EInvalidArgument {
			t.Fatalf("%s with %q: %v, want invalid_argument or a decoded request", op.ID, body, err)
		}
	})
}

// FuzzDecodeJSONKeys checks DecodeJSON's own scan of a body against a plain
// walk of its tokens: a body that is valid JSON is refused for a repeated
// key, a NUL or a top-level null exactly when the walk finds one.
func FuzzDecodeJSONKeys(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"b":{"a":2,"c":[{"a":3},{"a":4,"a":5}]}}`,
		`{"a":"\\u0000","\u0061":2}`, `{"":1,"":2}`, `{"a":["\u0000"]}`, `{"\u0000":1}`,
		`null`, ` null`, `[null]`, `{"a":null,"b":null}`, `"\u0000"`, `{"a":{},"a":[]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if !json.Valid(body) || !utf8.Valid(body) {
			return // refused before the scan
		}
		var v any
		err := plaza.DecodeJSON(body, &v)
		want := tokenFault(body)
		if got := err != nil; got != want {
			t.Fatalf("DecodeJSON(%q) = %v; the token walk finds a fault: %v", body, err, want)
		}
		if err != nil && plaza.ErrorCode(err) != plaza.EInvalidArgument {
			t.Fatalf("DecodeJSON(%q) = %v, want invalid_argument", body, err)
		}
	})
}

// tokenFault reports whether valid JSON is null, or has a key twice in one
// object or a NUL in a string, by walking its tokens.
func tokenFault(body []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		object, wantKey bool
		keys            map[string]bool
	}
	var stack []*frame
	for first := true; ; first = false {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if first && tok == nil {
			return true
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				stack = append(stack, &frame{object: t == '{', wantKey: t == '{', keys: map[string]bool{}})
				continue
			}
			stack = stack[:len(stack)-1]
		case string:
			if strings.ContainsRune(t, 0) {
				return true
			}
			if top != nil && top.object && top.wantKey {
				if top.keys[t] {
					return true
				}
				top.keys[t], top.wantKey = true, false
				continue
			}
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].wantKey = true
		}
	}
}

// FuzzWebhookConfig sets arbitrary webhook configurations: a refusal is
// invalid_argument; what is accepted has absolute http(s) URLs, a secret of
// 16–256 characters without control characters when a URL is set, known
// events, a timeout in range, and reads back as it was set.
func FuzzWebhookConfig(f *testing.F) {
	for _, s := range []string{
		`{"callbackURL":"https://example.com/cb","secret":"0123456789abcdef","events":["messageSent"]}`,
		`{"beforeSendMessageURL":"http://127.0.0.1:9/hook","secret":"0123456789abcdef","beforeSendMessageTimeoutMillis":100,"beforeSendMessageFailOpen":true}`,
		`{"callbackURL":"javascript:alert(1)","secret":"0123456789abcdef"}`,
		`{"callbackURL":"https://x/cb","secret":"0123456789abcde\u0000"}`,
		`{"callbackURL":"https://x/\u0007","secret":"0123456789abcdef"}`,
		`{"events":["nope"]}`, `{}`, `{"secret":"short","callbackURL":"https://x"}`,
	} {
		f.Add([]byte(s))
	}
	env := plazatest.New(f, plazatest.Options{Sync: "normal"})
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, body []byte) {
		var w plaza.WebhookConfig
		if err := plaza.DecodeJSON(body, &w); err != nil {
			return
		}
		app, err := env.Service.SetAppWebhook(ctx, plaza.SetAppWebhookRequest{AppID: env.App.AppID, Webhook: w})
		if err != nil {
			if plaza.ErrorCode(err) != plaza.EInvalidArgument {
				t.Fatalf("webhook %s: %v, want invalid_argument", body, err)
			}
			return
		}
		for _, u := range []string{w.CallbackURL, w.BeforeSendMessageURL} {
			if u == "" {
				continue
			}
			p, err := url.Parse(u)
			if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
				t.Fatalf("webhook %s: accepted the URL %q", body, u)
			}
			if n := len(w.Secret); n < 16 || n > 256 || strings.IndexFunc(w.Secret, unicode.IsControl) >= 0 {
				t.Fatalf("webhook %s: accepted the secret %q", body, w.Secret)
			}
		}
		for _, e := range w.Events {
			if !slices.Contains(plaza.WebhookEvents, e) {
				t.Fatalf("webhook %s: accepted the event %q", body, e)
			}
		}
		stored := must[plaza.App](t)(env.Service.QueryApp(ctx, plaza.AppRequest{AppID: env.App.AppID}))
		if w.Events == nil {
			w.Events = []string{}
		}
		if !reflect.DeepEqual(stored.Webhook, w) || !reflect.DeepEqual(app.Webhook, w) {
			t.Fatalf("webhook %s: stored %+v, answered %+v, set %+v", body, stored.Webhook, app.Webhook, w)
		}
	})
}

// FuzzVerifyServerRequest feeds arbitrary signed-request headers to the
// server API's verifier: never a panic, every refusal one of the
// signature's codes, and nothing accepted unless a current secret of the app
// signed exactly that request within the window.
func FuzzVerifyServerRequest(f *testing.F) {
	clock := plazatest.NewClock(time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC))
	env := plazatest.New(f, plazatest.Options{Clock: clock, Sync: "normal"})
	secret, appID := env.App.Secrets[0].Secret, env.App.AppID
	ts := clock.Now().Unix()
	good := plaza.ServerSignature(secret, appID, "0123456789abcdef", ts, "POST", "/v1/server/app/users", []byte(`{}`))
	f.Add(appID, "0123456789abcdef", fmt.Sprint(ts), good, "POST", "/v1/server/app/users", []byte(`{}`))
	f.Add("9999999999", "0123456789abcdef", fmt.Sprint(ts), good, "POST", "/v1/server/app/users", []byte(`{}`))
	f.Add(appID, "0123456789abcdeg", fmt.Sprint(ts), strings.ToUpper(good), "POST", "/v1/server/app/users", []byte(`{}`))
	f.Add(appID, "nonce nonce nonce", "-1", "zz", "GET", "", []byte(nil))
	f.Add("", "", "", "", "", "", []byte(nil))
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, app, nonce, timestamp, signature, method, path string, body []byte) {
		_, err := env.Service.VerifyServerRequest(ctx, plaza.SignedRequest{AppID: app, Nonce: nonce, Timestamp: timestamp,
			Signature: signature, Method: method, Path: path, Body: body})
		if err != nil {
			switch code := plaza.ErrorCode(err); code {
			case plaza.ESignatureInvalid, plaza.ESignatureExpired, plaza.ENonceReused:
			default:
				t.Fatalf("refused with %v, want a signature's code", err)
			}
			return
		}
		sec, perr := strconv.ParseInt(timestamp, 10, 64)
		if perr != nil || app != appID || signature != plaza.ServerSignature(secret, app, nonce, sec, method, path, body) {
			t.Fatalf("accepted a request that %s's secret did not sign: %q %q %q %q %q %q", appID, app, nonce, timestamp, signature, method, path)
		}
		if skew := clock.Now().Sub(time.Unix(sec, 0)); skew.Abs() > plaza.SignatureWindow {
			t.Fatalf("accepted a request signed %s away", skew)
		}
	})
}
