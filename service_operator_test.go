package plaza_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/plazatest"
)

func setSpec(tb testing.TB, env *plazatest.Env, spec string) plaza.App {
	tb.Helper()
	app, err := env.Service.SetAppSpec(context.Background(), plaza.SetAppSpecRequest{AppID: env.App.AppID, Spec: json.RawMessage(spec)})
	if err != nil {
		tb.Fatalf("set spec %s: %v", spec, err)
	}
	return app
}

func createChannels(tb testing.TB, env *plazatest.Env, owner plaza.Actor, community string, n int) {
	tb.Helper()
	for i := range n {
		_, err := env.Service.CreateCommunityChannel(context.Background(), owner, plaza.CreateCommunityChannelRequest{
			CommunityID: community, ChannelID: fmt.Sprintf("ch%d", i), ChannelName: "c"})
		if err != nil {
			tb.Fatalf("create channel %d of %s: %v", i, community, err)
		}
	}
}

// TestDowngradeKeepsData is SPEC §2's example: a community holding 300
// channels under a new limit of 200 keeps them all and can create none; a
// community created after the change is limited to 200.
func TestDowngradeKeepsData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{})
	owner := env.Users(t, "owner")[0]
	setSpec(t, env, `{"channelsPerCommunity": 300}`)
	createCommunity(t, env, owner, "big")
	createChannels(t, env, owner, "big", 299) // and GENERAL: 300

	setSpec(t, env, `{"channelsPerCommunity": 200}`)
	_, err := env.Service.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "big", ChannelName: "one more"})
	wantCode(t, err, plaza.EChannelLimit)
	var n int
	for flag := ""; ; {
		res := must[plaza.QueryCommunityChannelListResult](t)(env.Service.QueryCommunityChannelList(ctx, owner,
			plaza.QueryCommunityChannelListRequest{CommunityID: "big", PageRequest: plaza.PageRequest{NextFlag: flag}}))
		n += len(res.ChannelList)
		if flag = res.NextFlag; flag == "" {
			break
		}
	}
	if n != 300 {
		t.Fatalf("big lists %d channels after the downgrade, want all 300", n)
	}

	createCommunity(t, env, owner, "new")
	createChannels(t, env, owner, "new", 199) // and GENERAL: 200
	_, err = env.Service.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "new", ChannelName: "201st"})
	wantCode(t, err, plaza.EChannelLimit)
}

func TestSetAppSpec(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{})
	app := setSpec(t, env, `{"communitiesPerUser": 300, "meteringOnly": true}`)
	want := plaza.DefaultSpec()
	want.CommunitiesPerUser, want.MeteringOnly = 300, true
	if app.Spec != want {
		t.Fatalf("spec after a partial change = %+v, want %+v", app.Spec, want)
	}
	for _, tc := range []struct{ spec, field string }{
		{`{"communitiesPerUser": 600}`, "spec.communitiesPerUser"},      // above 500
		{`{"communitiesPerUser": 250}`, "spec.communitiesPerUser"},      // not a step of 100
		{`{"channelsPerCommunity": 1100}`, "spec.channelsPerCommunity"}, // above 1,000
		{`{"membersPerCommunity": 50000}`, "spec.membersPerCommunity"},  // 100,000 or unlimited
		{`{"downstreamPerMonth": 205000000}`, "spec.downstreamPerMonth"},
		{`{"textMessageMaxBytes": 40000}`, "spec.textMessageMaxBytes"}, // above 32 KB
		{`{"noSuchLimit": 1}`, "spec.noSuchLimit"},
		{`{"nameMaxChars": "long"}`, "spec.nameMaxChars"},
		{`null`, "spec"},
	} {
		_, err := env.Service.SetAppSpec(ctx, plaza.SetAppSpecRequest{AppID: env.App.AppID, Spec: json.RawMessage(tc.spec)})
		wantCode(t, err, plaza.EInvalidArgument)
		if pe := err.(*plaza.Error); pe.Field != tc.field {
			t.Errorf("spec %s refused naming %q, want %q (%v)", tc.spec, pe.Field, tc.field, err)
		}
	}
	got := must[plaza.App](t)(env.Service.QueryApp(ctx, plaza.AppRequest{AppID: env.App.AppID}))
	if got.Spec != want {
		t.Fatalf("refused changes left the spec at %+v, want %+v", got.Spec, want)
	}
	if _, err := env.Service.SetAppSpec(ctx, plaza.SetAppSpecRequest{AppID: "9999999999", Spec: json.RawMessage(`{}`)}); err == nil {
		t.Fatal("SetAppSpec of an unknown app succeeded")
	} else {
		wantCode(t, err, plaza.EAppNotFound)
	}
	if _, err := env.Service.SetAppSpec(ctx, plaza.SetAppSpecRequest{AppID: env.App.AppID, Spec: json.RawMessage(`{"membersPerCommunity": 0}`)}); err != nil {
		t.Fatalf("unlimited members refused: %v", err)
	}
}

// TestUsageKeepsTheMonthsHighest checks the billing record: a month in which
// channelsPerCommunity went 100 → 500 → 200 reports 500; the next month,
// with no change, reports 200.
func TestUsageKeepsTheMonthsHighest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := plazatest.NewClock(time.Date(2026, 2, 20, 12, 0, 0, 0, time.UTC))
	env := plazatest.New(t, plazatest.Options{Clock: clock})
	clock.Advance(10 * 24 * time.Hour) // March 2
	setSpec(t, env, `{"channelsPerCommunity": 500, "communitiesPerUser": 200}`)
	clock.Advance(10 * 24 * time.Hour) // March 12
	setSpec(t, env, `{"channelsPerCommunity": 200, "communitiesPerUser": 100}`)
	clock.Advance(30 * 24 * time.Hour) // April 11

	usage := func(month string) plaza.Usage {
		return must[plaza.Usage](t)(env.Service.QueryAppUsage(ctx, plaza.QueryAppUsageRequest{AppID: env.App.AppID, Month: month}))
	}
	for _, tc := range []struct {
		month               string
		channels, community int
	}{
		{"2026-02", 100, 100},
		{"2026-03", 500, 200},
		{"2026-04", 200, 100},
		{"", 200, 100}, // the current month
	} {
		u := usage(tc.month)
		if u.Limits.ChannelsPerCommunity != tc.channels || u.Limits.CommunitiesPerUser != tc.community {
			t.Errorf("usage of %q: channelsPerCommunity %d, communitiesPerUser %d; want %d, %d",
				tc.month, u.Limits.ChannelsPerCommunity, u.Limits.CommunitiesPerUser, tc.channels, tc.community)
		}
	}
	if u := usage(""); u.Month != "2026-04" {
		t.Errorf("usage of the current month names %q, want 2026-04", u.Month)
	}
	_, err := env.Service.QueryAppUsage(ctx, plaza.QueryAppUsageRequest{AppID: env.App.AppID, Month: "2026-13"})
	wantCode(t, err, plaza.EInvalidArgument)
}

func TestHighestCoversEveryLimit(t *testing.T) {
	t.Parallel()
	// Every limit of the spec must be merged by the billing record: a field
	// added to Spec without it would report its first value of the month.
	ctx := context.Background()
	clock := plazatest.NewClock(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	env := plazatest.New(t, plazatest.Options{Clock: clock})
	low := env.App.Spec
	high := low
	hv := reflect.ValueOf(&high).Elem()
	for i := range hv.NumField() {
		switch f := hv.Field(i); f.Kind() {
		case reflect.Int, reflect.Int64:
			f.SetInt(f.Int() + 1) // any higher value will do
		case reflect.Bool:
			f.SetBool(true)
		}
	}
	high.MembersPerCommunity = 0 // unlimited is the highest
	// Stored directly: the operator's ranges would refuse some of these.
	for i, s := range []plaza.Spec{high, low} {
		err := env.Store.Update(ctx, func(tx plaza.Tx) error {
			return tx.RecordSpec(ctx, env.App.AppID, clock.Now().UnixMilli()+int64(i+1), s)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	u := must[plaza.Usage](t)(env.Service.QueryAppUsage(ctx, plaza.QueryAppUsageRequest{AppID: env.App.AppID, Month: "2026-05"}))
	if u.Limits != high {
		t.Fatalf("the month's record is %+v, want the highest of each limit %+v", u.Limits, high)
	}
}

func TestDownstreamMeteringAndQuota(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := plazatest.NewClock(time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC))
	env := plazatest.New(t, plazatest.Options{Clock: clock, Spec: relaxed()})
	owner := club(t, env, "a", "b", "c") // four members
	svc := env.Service
	usage := func() plaza.Usage {
		return must[plaza.Usage](t)(svc.QueryAppUsage(ctx, plaza.QueryAppUsageRequest{AppID: env.App.AppID}))
	}
	before := usage().DownstreamMessages // tips messages count too
	sendText(t, env, owner, plaza.GeneralChannelID, "one")
	sendText(t, env, env.Actor("a"), plaza.GeneralChannelID, "two")
	if got := usage().DownstreamMessages - before; got != 6 {
		t.Fatalf("two messages to three other members counted %d downstream, want 6", got)
	}
	if err := svc.FlushUsage(ctx); err != nil {
		t.Fatal(err)
	}
	stored := must[int64](t)(env.Store.Downstream(ctx, env.App.AppID, "2026-06"))
	if stored != before+6 {
		t.Fatalf("flushed downstream count %d, want %d", stored, before+6)
	}
	if got := usage().DownstreamMessages; got != stored {
		t.Fatalf("usage after the flush counts %d, want the stored %d (nothing twice)", got, stored)
	}

	// Fill the month to its limit: the next send is refused, the one after
	// the limit is raised or the spec only meters is not.
	limit := env.App.Spec.DownstreamPerMonth
	err := env.Store.Update(ctx, func(tx plaza.Tx) error { return tx.AddDownstream(ctx, env.App.AppID, "2026-06", limit-stored) })
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Second) // past the cached count
	_, err = svc.SendMessage(ctx, owner, plaza.SendMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, Message: text("over")})
	wantCode(t, err, plaza.EQuotaExhausted)
	if h := history(t, env, owner, plaza.GeneralChannelID, plaza.QueryHistoryMessageRequest{}); h.MessageList[len(h.MessageList)-1].Message != "two" {
		t.Fatalf("a refused send was stored: %+v", h.MessageList[len(h.MessageList)-1])
	}
	setSpec(t, env, `{"meteringOnly": true}`)
	sendText(t, env, owner, plaza.GeneralChannelID, "metered")
	setSpec(t, env, `{"meteringOnly": false, "downstreamPerMonth": 210000000}`)
	sendText(t, env, owner, plaza.GeneralChannelID, "raised")
	if got := usage().DownstreamMessages; got != limit+6 {
		t.Fatalf("usage past the limit counts %d, want %d", got, limit+6)
	}
	// A new month starts from nothing.
	clock.Advance(30 * 24 * time.Hour)
	setSpec(t, env, `{"downstreamPerMonth": 200000000}`)
	sendText(t, env, owner, plaza.GeneralChannelID, "july")
}

func TestCommunitySwitch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{})
	owner := club(t, env)
	off, on := false, true
	if _, err := env.Service.SetAppCommunityEnabled(ctx, plaza.SetAppCommunityEnabledRequest{AppID: env.App.AppID, CommunityEnabled: &off}); err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"queryCommunityInfo": func() error {
			_, err := env.Service.QueryCommunityInfo(ctx, owner, plaza.CommunityRequest{CommunityID: "club"})
			return err
		},
		"sendMessage": func() error {
			_, err := env.Service.SendMessage(ctx, owner, plaza.SendMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, Message: text("x")})
			return err
		},
		"queryConversationList": func() error {
			_, err := env.Service.QueryConversationList(ctx, owner, plaza.QueryConversationListRequest{})
			return err
		},
	} {
		err := call()
		if err == nil {
			t.Fatalf("%s succeeded with the community feature off", name)
		}
		wantCode(t, err, plaza.EFeatureNotActive)
		if pe := err.(*plaza.Error); plaza.Code.Number(pe.Code) != 6000014 {
			t.Fatalf("%s: zimCode %d, want 6000014", name, plaza.Code.Number(pe.Code))
		}
	}
	if _, err := env.Service.SetAppCommunityEnabled(ctx, plaza.SetAppCommunityEnabledRequest{AppID: env.App.AppID, CommunityEnabled: &on}); err != nil {
		t.Fatal(err)
	}
	sendText(t, env, owner, plaza.GeneralChannelID, "back")
	_, err := env.Service.SetAppCommunityEnabled(ctx, plaza.SetAppCommunityEnabledRequest{AppID: env.App.AppID})
	wantCode(t, err, plaza.EInvalidArgument)
}

func TestRotateAppSecret(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := plazatest.NewClock(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))
	env := plazatest.New(t, plazatest.Options{Clock: clock})
	oldToken := env.Token(t, "amy")
	grace := int64(3600)
	app := must[plaza.App](t)(env.Service.RotateAppSecret(ctx, plaza.RotateAppSecretRequest{AppID: env.App.AppID, GraceSeconds: &grace}))
	if len(app.Secrets) != 2 || app.Secrets[1].Secret != env.App.Secrets[0].Secret || app.Secrets[0].Secret == app.Secrets[1].Secret {
		t.Fatalf("secrets after a rotation: %+v", app.Secrets)
	}
	if want := clock.Now().Add(time.Hour).UnixMilli(); app.Secrets[1].ExpiresAt != want || app.Secrets[0].ExpiresAt != 0 {
		t.Fatalf("expiries after a rotation: %+v, want the old one at %d", app.Secrets, want)
	}
	newToken := must[plaza.MintUserTokenResult](t)(env.Service.MintUserToken(ctx, plaza.Actor{AppID: env.App.AppID},
		plaza.MintUserTokenRequest{UserID: "bob"})).Token
	for _, tok := range []string{oldToken, newToken} {
		if _, _, err := env.Service.Authenticate(ctx, tok); err != nil {
			t.Fatalf("token refused during the grace period: %v", err)
		}
	}
	clock.Advance(2 * time.Hour)
	if _, _, err := env.Service.Authenticate(ctx, env.Token(t, "amy")); err == nil {
		t.Fatal("a token signed with the rotated-out secret still works after the grace period")
	}
	if _, _, err := env.Service.Authenticate(ctx, newToken); err != nil {
		t.Fatalf("a token of the new secret is refused: %v", err)
	}
	// A second rotation forgets the expired secret.
	app = must[plaza.App](t)(env.Service.RotateAppSecret(ctx, plaza.RotateAppSecretRequest{AppID: env.App.AppID}))
	if len(app.Secrets) != 2 {
		t.Fatalf("secrets after a second rotation: %+v", app.Secrets)
	}
	bad := int64(-1)
	_, err := env.Service.RotateAppSecret(ctx, plaza.RotateAppSecretRequest{AppID: env.App.AppID, GraceSeconds: &bad})
	wantCode(t, err, plaza.EInvalidArgument)
}

func TestVerifyServerRequest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := plazatest.NewClock(time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC))
	env := plazatest.New(t, plazatest.Options{Clock: clock})
	secret := env.App.Secrets[0].Secret
	nonces := 0
	signed := func(mod func(r *plaza.SignedRequest, ts *int64)) plaza.SignedRequest {
		nonces++
		r := plaza.SignedRequest{AppID: env.App.AppID, Nonce: fmt.Sprintf("nonce-%012d", nonces), Method: "POST",
			Path: "/v1/server/app/users?x=1", Body: []byte(`{"userList":[]}`)}
		ts := clock.Now().Unix()
		if mod != nil {
			mod(&r, &ts)
		}
		r.Timestamp = fmt.Sprint(ts)
		if r.Signature == "" {
			r.Signature = plaza.ServerSignature(secret, r.AppID, r.Nonce, ts, r.Method, r.Path, r.Body)
		}
		return r
	}
	good := signed(nil)
	if _, err := env.Service.VerifyServerRequest(ctx, good); err != nil {
		t.Fatalf("a well-signed request is refused: %v", err)
	}
	for _, tc := range []struct {
		name string
		req  plaza.SignedRequest
		code plaza.Code
	}{
		{"replayed nonce", good, plaza.ENonceReused},
		{"11 minutes old", signed(func(_ *plaza.SignedRequest, ts *int64) { *ts -= 11 * 60 }), plaza.ESignatureExpired},
		{"11 minutes ahead", signed(func(_ *plaza.SignedRequest, ts *int64) { *ts += 11 * 60 }), plaza.ESignatureExpired},
		{"wrong secret", signed(func(r *plaza.SignedRequest, ts *int64) {
			r.Signature = plaza.ServerSignature("another secret entirely", r.AppID, r.Nonce, *ts, r.Method, r.Path, r.Body)
		}), plaza.ESignatureInvalid},
		{"body changed after signing", func() plaza.SignedRequest { r := signed(nil); r.Body = []byte(`{"userList":[1]}`); return r }(), plaza.ESignatureInvalid},
		{"path changed after signing", func() plaza.SignedRequest { r := signed(nil); r.Path = "/v1/server/app/users?x=2"; return r }(), plaza.ESignatureInvalid},
		{"method changed after signing", func() plaza.SignedRequest { r := signed(nil); r.Method = "PUT"; return r }(), plaza.ESignatureInvalid},
		{"signature not hex", signed(func(r *plaza.SignedRequest, _ *int64) { r.Signature = "zz" }), plaza.ESignatureInvalid},
		{"short nonce", signed(func(r *plaza.SignedRequest, _ *int64) { r.Nonce = "short" }), plaza.ESignatureInvalid},
		{"timestamp not a number", func() plaza.SignedRequest { r := signed(nil); r.Timestamp = "soon"; return r }(), plaza.ESignatureInvalid},
		{"signature in uppercase", func() plaza.SignedRequest { r := signed(nil); r.Signature = strings.ToUpper(r.Signature); return r }(), plaza.ESignatureInvalid},
		{"nonce with a space", signed(func(r *plaza.SignedRequest, _ *int64) { r.Nonce = "nonce nonce nonce nonce" }), plaza.ESignatureInvalid},
		// An unknown app is a wrong signature, not an answer of its own.
		{"unknown app", signed(func(r *plaza.SignedRequest, _ *int64) { r.AppID = "9999999999" }), plaza.ESignatureInvalid},
		{"unknown app, 11 minutes old", signed(func(r *plaza.SignedRequest, ts *int64) { r.AppID = "9999999999"; *ts -= 11 * 60 }), plaza.ESignatureExpired},
	} {
		_, err := env.Service.VerifyServerRequest(ctx, tc.req)
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		wantCode(t, err, tc.code)
	}
	// 9 minutes off either way is within the window.
	for _, off := range []int64{-9 * 60, 9 * 60} {
		if _, err := env.Service.VerifyServerRequest(ctx, signed(func(_ *plaza.SignedRequest, ts *int64) { *ts += off })); err != nil {
			t.Errorf("a request %d s off is refused: %v", off, err)
		}
	}
	// A refused request does not use up its nonce; once the window has
	// passed, a nonce is no longer remembered but its timestamp is stale.
	r := signed(func(r *plaza.SignedRequest, _ *int64) { r.Signature = "00" })
	if _, err := env.Service.VerifyServerRequest(ctx, r); err == nil {
		t.Fatal("a bad signature was accepted")
	}
	r.Signature = plaza.ServerSignature(secret, r.AppID, r.Nonce, clock.Now().Unix(), r.Method, r.Path, r.Body)
	if _, err := env.Service.VerifyServerRequest(ctx, r); err != nil {
		t.Fatalf("a nonce first used by a refused request is refused: %v", err)
	}
}

// fakeHook answers beforeSendMessage with a fixed verdict or error, and
// records what it was asked.
type fakeHook struct {
	verdict plaza.HookVerdict
	err     error
	calls   []plaza.HookCall
}

func (h *fakeHook) BeforeSendMessage(_ context.Context, _ plaza.WebhookConfig, c plaza.HookCall) (plaza.HookVerdict, error) {
	h.calls = append(h.calls, c)
	return h.verdict, h.err
}

func TestBeforeSendMessageHook(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rewritten := text("[redacted]")
	for _, tc := range []struct {
		name      string
		verdict   plaza.HookVerdict
		err       error
		failOpen  bool
		wantCode  plaza.Code
		wantText  string // stored, "" when nothing is
		wantReply string // the reply's text
	}{
		{name: "pass", verdict: plaza.HookVerdict{Action: plaza.HookPass}, wantText: "hello", wantReply: "hello"},
		{name: "rewrite", verdict: plaza.HookVerdict{Action: plaza.HookRewrite, Message: &rewritten}, wantText: "[redacted]", wantReply: "[redacted]"},
		{name: "drop", verdict: plaza.HookVerdict{Action: plaza.HookDrop}, wantReply: "hello"},
		{name: "reject", verdict: plaza.HookVerdict{Action: plaza.HookReject, Reason: "no greetings here"}, wantCode: plaza.EMessageRejected},
		{name: "fails closed", err: fmt.Errorf("timeout"), wantCode: plaza.EHookUnavailable},
		{name: "fails open", err: fmt.Errorf("timeout"), failOpen: true, wantText: "hello", wantReply: "hello"},
		{name: "unknown action", verdict: plaza.HookVerdict{Action: "maybe"}, wantCode: plaza.EHookUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hook := &fakeHook{verdict: tc.verdict, err: tc.err}
			env := plazatest.New(t, plazatest.Options{Hook: hook})
			owner := club(t, env, "m")
			_, err := env.Service.SetAppWebhook(ctx, plaza.SetAppWebhookRequest{AppID: env.App.AppID, Webhook: plaza.WebhookConfig{
				BeforeSendMessageURL: "http://127.0.0.1:1/hook", Secret: "0123456789abcdef", BeforeSendMessageFailOpen: tc.failOpen}})
			if err != nil {
				t.Fatal(err)
			}
			before := history(t, env, owner, plaza.GeneralChannelID, plaza.QueryHistoryMessageRequest{})
			res, err := env.Service.SendMessage(ctx, env.Actor("m"), plaza.SendMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, Message: text("hello")})
			if len(hook.calls) != 1 || hook.calls[0].SenderUserID != "m" || hook.calls[0].Message.Message != "hello" || hook.calls[0].ChannelID != plaza.GeneralChannelID {
				t.Fatalf("hook calls: %+v", hook.calls)
			}
			if tc.wantCode != "" {
				wantCode(t, err, tc.wantCode)
				if tc.wantCode == plaza.EMessageRejected && err.(*plaza.Error).Message != "no greetings here" {
					t.Fatalf("rejection says %q, want the hook's reason", err.(*plaza.Error).Message)
				}
			} else if err != nil {
				t.Fatal(err)
			} else if res.Message.Message != tc.wantReply {
				t.Fatalf("reply %+v, want text %q", res.Message, tc.wantReply)
			}
			after := history(t, env, owner, plaza.GeneralChannelID, plaza.QueryHistoryMessageRequest{})
			stored := len(after.MessageList) - len(before.MessageList)
			switch {
			case tc.wantText == "" && stored != 0:
				t.Fatalf("%d messages stored, want none", stored)
			case tc.wantText != "" && (stored != 1 || after.MessageList[len(after.MessageList)-1].Message != tc.wantText):
				t.Fatalf("stored %+v, want one message %q", after.MessageList[len(before.MessageList):], tc.wantText)
			}
			if tc.name == "drop" && res.Message.MessageSeq != 0 {
				t.Fatalf("a dropped message has seq %d, want 0", res.Message.MessageSeq)
			}
		})
	}

	// The hook hears only of sends that could succeed.
	hook := &fakeHook{verdict: plaza.HookVerdict{Action: plaza.HookDrop}}
	env := plazatest.New(t, plazatest.Options{Hook: hook})
	club(t, env)
	outsider := env.Users(t, "outsider")[0]
	if _, err := env.Service.SetAppWebhook(ctx, plaza.SetAppWebhookRequest{AppID: env.App.AppID, Webhook: plaza.WebhookConfig{
		BeforeSendMessageURL: "http://127.0.0.1:1/hook", Secret: "0123456789abcdef"}}); err != nil {
		t.Fatal(err)
	}
	_, err := env.Service.SendMessage(ctx, outsider, plaza.SendMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, Message: text("hi")})
	wantCode(t, err, plaza.ENotMember)
	if len(hook.calls) != 0 {
		t.Fatalf("the hook was asked about a non-member's send: %+v", hook.calls)
	}
	// Nor of a muted member's: the member learns it is muted.
	owner := env.Actor("owner")
	env.Users(t, "quiet")
	if _, err := env.Service.InviteUsersIntoCommunity(ctx, owner, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"quiet"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Service.MuteCommunityMembers(ctx, owner, plaza.MuteCommunityMembersRequest{CommunityID: "club", UserIDs: []string{"quiet"}, IsMute: true, Duration: -1}); err != nil {
		t.Fatal(err)
	}
	_, err = env.Service.SendMessage(ctx, env.Actor("quiet"), plaza.SendMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, Message: text("hi")})
	wantCode(t, err, plaza.EMemberMuted)
	if len(hook.calls) != 0 {
		t.Fatalf("the hook was asked about a muted member's send: %+v", hook.calls)
	}
}

func TestWebhookCallbacksAreQueued(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	woken := 0
	env := plazatest.New(t, plazatest.Options{Spec: relaxed(), WebhookQueued: func() { woken++ }})
	_, err := env.Service.SetAppWebhook(ctx, plaza.SetAppWebhookRequest{AppID: env.App.AppID, Webhook: plaza.WebhookConfig{
		CallbackURL: "https://backend.example/plaza", Secret: "0123456789abcdef",
		Events: []string{plaza.WebhookCommunityCreated, plaza.WebhookMemberJoined, plaza.WebhookMemberKicked, plaza.WebhookMessageSent,
			plaza.WebhookChannelCreated, plaza.WebhookChannelDismissed, plaza.WebhookMemberLeft, plaza.WebhookCommunityDismissed}}})
	if err != nil {
		t.Fatal(err)
	}
	owner := club(t, env, "a", "b")
	svc := env.Service
	sendText(t, env, env.Actor("a"), plaza.GeneralChannelID, "hi")
	must[plaza.ChannelInfoResult](t)(svc.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "x", ChannelName: "x"}))
	must[plaza.ChannelIDResult](t)(svc.DismissCommunityChannel(ctx, owner, plaza.ChannelRequest{CommunityID: "club", ChannelID: "x"}))
	must[plaza.ErrorUserListResult](t)(svc.KickCommunityMembers(ctx, owner, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"b"}}))
	must[plaza.CommunityIDResult](t)(svc.LeaveCommunity(ctx, env.Actor("a"), plaza.CommunityRequest{CommunityID: "club"}))
	must[plaza.CommunityIDResult](t)(svc.DismissCommunity(ctx, owner, plaza.CommunityRequest{CommunityID: "club"}))

	var got []plaza.WebhookDelivery
	err = env.Store.Update(ctx, func(tx plaza.Tx) error {
		var err error
		got, err = tx.ClaimWebhooks(ctx, time.Now().Add(time.Hour).UnixMilli(), time.Now().Add(2*time.Hour).UnixMilli(), 100)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	for _, d := range got {
		events = append(events, d.Event)
		var env struct {
			Event, AppID string
			CreatedAt    int64
			Data         map[string]any
		}
		if err := json.Unmarshal(d.Body, &env); err != nil {
			t.Fatalf("callback body %s: %v", d.Body, err)
		}
		if env.Event != d.Event || env.AppID != d.AppID || env.CreatedAt == 0 || env.Data == nil {
			t.Errorf("callback envelope %s", d.Body)
		}
		switch d.Event {
		case plaza.WebhookMemberKicked:
			if fmt.Sprint(env.Data["userIDs"]) != "[b]" || env.Data["operatedUserID"] != "owner" {
				t.Errorf("memberKicked data %v", env.Data)
			}
		case plaza.WebhookMessageSent:
			msg, _ := env.Data["message"].(map[string]any)
			if msg["message"] != "hi" || msg["senderUserID"] != "a" || env.Data["channelID"] != plaza.GeneralChannelID {
				t.Errorf("messageSent data %v", env.Data)
			}
		}
	}
	want := []string{"communityCreated", "memberJoined", "messageSent", "channelCreated", "channelDismissed", "memberKicked", "memberLeft", "communityDismissed"}
	// Tips messages (sent by the service) are messages too; drop them for
	// the comparison of the member-driven sequence.
	var ops []string
	for _, e := range events {
		if e != plaza.WebhookMessageSent || len(ops) == 0 || ops[len(ops)-1] != plaza.WebhookMessageSent {
			ops = append(ops, e)
		}
	}
	if !slices.Equal(ops, want) {
		t.Fatalf("callbacks %v, want %v", events, want)
	}
	if woken == 0 {
		t.Fatal("the dispatcher was never woken")
	}

	// Events not chosen are not queued; no URL, nothing queued.
	if _, err := svc.SetAppWebhook(ctx, plaza.SetAppWebhookRequest{AppID: env.App.AppID, Webhook: plaza.WebhookConfig{
		CallbackURL: "https://backend.example/plaza", Secret: "0123456789abcdef", Events: []string{plaza.WebhookChannelCreated}}}); err != nil {
		t.Fatal(err)
	}
	pending := must[int](t)(env.Store.PendingWebhooks(ctx, env.App.AppID))
	createCommunity(t, env, owner, "quiet")
	if n := must[int](t)(env.Store.PendingWebhooks(ctx, env.App.AppID)); n != pending {
		t.Fatalf("%d callbacks queued for events the app did not choose", n-pending)
	}
}

func TestSetAppWebhookValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{})
	for _, tc := range []struct {
		w     plaza.WebhookConfig
		field string
	}{
		{plaza.WebhookConfig{CallbackURL: "ftp://x/y", Secret: "0123456789abcdef"}, "webhook.callbackURL"},
		{plaza.WebhookConfig{CallbackURL: "/relative", Secret: "0123456789abcdef"}, "webhook.callbackURL"},
		{plaza.WebhookConfig{BeforeSendMessageURL: "http://", Secret: "0123456789abcdef"}, "webhook.beforeSendMessageURL"},
		{plaza.WebhookConfig{CallbackURL: "https://x/y", Secret: "short"}, "webhook.secret"},
		{plaza.WebhookConfig{CallbackURL: "https://x/y", Secret: "0123456789abcdef", Events: []string{"everything"}}, "webhook.events"},
		{plaza.WebhookConfig{BeforeSendMessageURL: "https://x/y", Secret: "0123456789abcdef", BeforeSendMessageTimeoutMillis: 50}, "webhook.beforeSendMessageTimeoutMillis"},
	} {
		_, err := env.Service.SetAppWebhook(ctx, plaza.SetAppWebhookRequest{AppID: env.App.AppID, Webhook: tc.w})
		wantCode(t, err, plaza.EInvalidArgument)
		if f := err.(*plaza.Error).Field; f != tc.field {
			t.Errorf("%+v refused naming %q, want %q", tc.w, f, tc.field)
		}
	}
	app := must[plaza.App](t)(env.Service.QueryApp(ctx, plaza.AppRequest{AppID: env.App.AppID}))
	if app.Webhook.CallbackURL != "" || app.Webhook.BeforeSendMessageURL != "" {
		t.Fatalf("refused webhook settings were stored: %+v", app.Webhook)
	}
}

func TestServerOperations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{})
	svc := env.Service
	app := plaza.Actor{AppID: env.App.AppID}

	users := must[plaza.RegisterUsersResult](t)(svc.RegisterUsers(ctx, app, plaza.RegisterUsersRequest{UserList: []plaza.UserInfo{
		{UserID: "ann", UserName: "Ann", UserAvatarURL: "https://a/ann.png"}, {UserID: "ben", UserName: "Ben"}}}))
	if len(users.UserList) != 2 || users.UserList[0].UserName != "Ann" {
		t.Fatalf("registered %+v", users.UserList)
	}
	_, err := svc.RegisterUsers(ctx, app, plaza.RegisterUsersRequest{UserList: []plaza.UserInfo{{UserID: "#system"}}})
	wantCode(t, err, plaza.EInvalidArgument)
	_, err = svc.RegisterUsers(ctx, app, plaza.RegisterUsersRequest{UserList: []plaza.UserInfo{{UserID: "x"}, {UserID: "x"}}})
	wantCode(t, err, plaza.EInvalidArgument)

	// Registered users can be invited before they ever sign in.
	owner := env.Users(t, "owner")[0]
	createCommunity(t, env, owner, "club")
	res := must[plaza.ErrorUserListResult](t)(svc.InviteUsersIntoCommunity(ctx, owner, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"ann", "ben"}}))
	if len(res.ErrorUserList) != 0 {
		t.Fatalf("inviting registered users failed for %+v", res.ErrorUserList)
	}
	priv := plaza.ChannelPrivate
	must[plaza.ChannelInfoResult](t)(svc.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "staff", ChannelName: "staff", ChannelType: &priv}))

	// The system sends anywhere, as #system, without being a member.
	sent := must[plaza.MessageResult](t)(svc.SendSystemMessage(ctx, app, plaza.SendMessageRequest{CommunityID: "club", ChannelID: "staff", Message: text("maintenance at noon")}))
	if sent.Message.SenderUserID != plaza.SystemUserID || sent.Message.MessageSeq == 0 {
		t.Fatalf("system message %+v", sent.Message)
	}
	h := must[plaza.QueryHistoryMessageResult](t)(svc.QueryHistoryMessage(ctx, owner, plaza.QueryHistoryMessageRequest{CommunityID: "club", ChannelID: "staff"}))
	if last := h.MessageList[len(h.MessageList)-1]; last.Message != "maintenance at noon" || last.SenderUserID != plaza.SystemUserID {
		t.Fatalf("the owner reads %+v", last)
	}
	if _, err := svc.SendSystemMessage(ctx, app, plaza.SendMessageRequest{CommunityID: "club", ChannelID: "nowhere", Message: text("x")}); err == nil {
		t.Fatal("a system message into a missing channel succeeded")
	}

	tok := must[plaza.MintUserTokenResult](t)(svc.MintUserToken(ctx, app, plaza.MintUserTokenRequest{UserID: "ann", TTLSeconds: 60}))
	if a, _, err := svc.Authenticate(ctx, tok.Token); err != nil || a.UserID != "ann" {
		t.Fatalf("minted token authenticates as %+v, %v", a, err)
	}
	for _, req := range []plaza.MintUserTokenRequest{{UserID: "#system"}, {UserID: "ann", TTLSeconds: -1}, {UserID: "ann", TTLSeconds: 25 * 24 * 3600}} {
		_, err := svc.MintUserToken(ctx, app, req)
		wantCode(t, err, plaza.EInvalidArgument)
	}

	// queryAppCommunityList pages through every community of the app.
	for i := range 5 {
		createCommunity(t, env, owner, fmt.Sprintf("c%d", i))
	}
	var ids []string
	for flag := ""; ; {
		page := must[plaza.QueryAppCommunityListResult](t)(svc.QueryAppCommunityList(ctx, app, plaza.QueryAppCommunityListRequest{Count: 2, NextFlag: flag}))
		for _, c := range page.CommunityList {
			ids = append(ids, c.CommunityID)
		}
		if flag = page.NextFlag; flag == "" {
			break
		}
	}
	if !slices.Equal(ids, []string{"club", "c0", "c1", "c2", "c3", "c4"}) {
		t.Fatalf("app communities %v", ids)
	}
	_, err = svc.QueryAppCommunityList(ctx, app, plaza.QueryAppCommunityListRequest{Count: 10_001})
	wantCode(t, err, plaza.EInvalidArgument)
}
