package storetest

import (
	"testing"

	"github.com/plazahq/plaza"
)

func testPing(t *testing.T, s plaza.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// fullSpec returns a spec in which every limit differs from the default, so
// that a limit the store drops and fills with its default shows.
func fullSpec() plaza.Spec {
	return plaza.Spec{
		CommunitiesPerUser:     200,
		ChannelsPerCommunity:   300,
		MembersPerCommunity:    0,
		NameMaxChars:           42,
		NoticeMaxChars:         4242,
		AvatarURLMaxChars:      2048,
		AttributesMax:          7,
		AttributeKeyMaxChars:   32,
		AttributeValueMaxChars: 65_536,
		UsersPerCall:           99,
		PageMax:                50,
		TextMessageMaxBytes:    32_768,
		DownstreamPerMonth:     1 << 50,
		MeteringOnly:           true,
		RevokeWindowSeconds:    86_400,
		SendIntervalMillis:     0,
		SendsPerSecond:         10_000,
	}
}

// fullWebhook returns a webhook configuration in which every field is set,
// its events in no sorted order.
func fullWebhook() plaza.WebhookConfig {
	return plaza.WebhookConfig{
		CallbackURL:                    "https://backend.example/plaza?x=1",
		Secret:                         "0123456789abcdef-webhook",
		Events:                         []string{plaza.WebhookMessageSent, plaza.WebhookMemberJoined},
		BeforeSendMessageURL:           "https://backend.example/hook",
		BeforeSendMessageTimeoutMillis: 750,
		BeforeSendMessageFailOpen:      true,
	}
}

// readApp reads an app through both App and AppForUpdate, checks that they
// agree and that its lists are not nil (Service shows them as JSON, where []
// and null differ), and returns it.
func readApp(tb testing.TB, s plaza.Store, appID string) plaza.App {
	tb.Helper()
	ctx := tb.Context()
	a := must(s.App(ctx, appID))(tb, "App("+appID+")")
	var locked plaza.App
	update(tb, s, func(tx plaza.Tx) error {
		var err error
		locked, err = tx.AppForUpdate(ctx, appID)
		return err
	})
	diff(tb, "AppForUpdate("+appID+") against App", a, locked)
	checkAppLists(tb, "App("+appID+")", a)
	return a
}

// checkAppLists fails when an app read back has a nil list.
func checkAppLists(tb testing.TB, what string, a plaza.App) {
	tb.Helper()
	if a.Secrets == nil {
		tb.Errorf("%s has nil Secrets; want an empty list", what)
	}
	if a.Webhook.Events == nil {
		tb.Errorf("%s has nil Webhook.Events; want an empty list", what)
	}
}

func testAppRoundTrip(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	if n := must(s.AppCount(ctx))(t, "AppCount"); n != 0 {
		t.Errorf("AppCount of an empty store = %d, want 0", n)
	}
	a := plaza.App{
		AppID:            appA,
		Name:             "Plaza tester",
		CommunityEnabled: true,
		Spec:             fullSpec(),
		// Stored out of order: App returns them newest first.
		Secrets: []plaza.Secret{
			{Secret: "middle", CreatedAt: t0 + 10, ExpiresAt: t0 + 1000},
			{Secret: "oldest", CreatedAt: t0, ExpiresAt: t0 + 500},
			{Secret: "newest", CreatedAt: t0 + 20},
		},
		Webhook:   fullWebhook(),
		CreatedAt: t0,
	}
	b := plaza.App{
		AppID:            appB,
		Name:             "",
		CommunityEnabled: false,
		Spec:             plaza.DefaultSpec(),
		CreatedAt:        t0 + 1,
	}
	update(t, s, func(tx plaza.Tx) error {
		if err := tx.InsertApp(ctx, a); err != nil {
			return err
		}
		return tx.InsertApp(ctx, b)
	})

	wantA := a
	wantA.Secrets = []plaza.Secret{a.Secrets[2], a.Secrets[0], a.Secrets[1]}
	diff(t, "App(A)", wantA, readApp(t, s, appA))
	// B has no secrets and no webhook: it reads back with empty lists.
	diff(t, "App(B) without secrets", b, readApp(t, s, appB))
	if n := must(s.AppCount(ctx))(t, "AppCount"); n != 2 {
		t.Errorf("AppCount = %d, want 2", n)
	}
}

func testAppConflict(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	first := addApp(t, s, appA)

	again := first
	again.Name = "impostor"
	again.Secrets = []plaza.Secret{{Secret: "other", CreatedAt: t0 + 5}}
	err := s.Update(ctx, func(tx plaza.Tx) error { return tx.InsertApp(ctx, again) })
	wantErr(t, "InsertApp of an existing app ID", err, plaza.ErrConflict)

	err = s.Update(ctx, func(tx plaza.Tx) error {
		b := plaza.App{AppID: appB, Spec: plaza.DefaultSpec(), CreatedAt: t0}
		if err := tx.InsertApp(ctx, b); err != nil {
			return err
		}
		return tx.InsertApp(ctx, b)
	})
	wantErr(t, "InsertApp twice in one transaction", err, plaza.ErrConflict)

	diff(t, "App after refused inserts", first, must(s.App(ctx, appA))(t, "App"))
	if n := must(s.AppCount(ctx))(t, "AppCount"); n != 1 {
		t.Errorf("AppCount after refused inserts = %d, want 1", n)
	}
}
