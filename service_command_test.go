package plaza_test

import (
	"context"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/plazatest"
)

func command(s string) plaza.MessageContent {
	return plaza.MessageContent{Type: plaza.MessageCommand, Message: s}
}

// TestCommandMessagesPassTheSendChecks: a command message is not stored, but
// it is sent like any other: membership, every mute, the beforeSendMessage
// hook, the downstream count and quota, and the send rate apply to it.
func TestCommandMessagesPassTheSendChecks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("mutes", func(t *testing.T) {
		t.Parallel()
		f := newMuteFixture(t)
		rec := record(t, f.env, plaza.CommunityTopic(f.env.App.AppID, "club"))
		sendCommand := func(a plaza.Actor, channel string) error {
			_, err := f.env.Service.SendMessage(ctx, a, plaza.SendMessageRequest{CommunityID: "club", ChannelID: channel, Message: command(`{"typing":true}`)})
			return err
		}
		// Each refused command is followed by a text, which must be the
		// next messageReceived: the command was not delivered.
		delivered := func(t *testing.T, a plaza.Actor, channel string) {
			t.Helper()
			if _, err := f.env.Service.SendMessage(ctx, f.owner, plaza.SendMessageRequest{CommunityID: "club", ChannelID: channel, Message: text("marker")}); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(time.Second)
			ev := decode[plaza.MessageListEvent](t, rec.next(t, plaza.EventMessageReceived))
			if got := ev.MessageList[0]; got.Type != plaza.MessageText || got.Message != "marker" {
				t.Fatalf("a refused command of %s was delivered: %+v", a.UserID, got)
			}
		}
		if err := f.muteMember(f.owner, "m", "", 600); err != nil {
			t.Fatal(err)
		}
		wantCode(t, sendCommand(f.m, "c"), plaza.EMemberMuted)
		delivered(t, f.m, "c")
		if err := f.unmuteMember(f.owner, "m", ""); err != nil {
			t.Fatal(err)
		}
		if err := f.muteMember(f.owner, "m", "c", 600); err != nil {
			t.Fatal(err)
		}
		wantCode(t, sendCommand(f.m, "c"), plaza.EMemberMuted)
		delivered(t, f.m, "c")
		if err := f.muteChannel(f.owner, plaza.MuteNormal, 600); err != nil {
			t.Fatal(err)
		}
		wantCode(t, sendCommand(f.n, "c"), plaza.EChannelMuted)
		delivered(t, f.n, "c")
		if err := f.muteCommunity(f.owner, plaza.MuteNormal, 600); err != nil {
			t.Fatal(err)
		}
		wantCode(t, sendCommand(f.n, "d"), plaza.ECommunityMuted)
		delivered(t, f.n, "d")
		// The owner is not silenced by a normal mute: its command goes.
		if err := sendCommand(f.owner, "d"); err != nil {
			t.Fatal(err)
		}
		if ev := decode[plaza.MessageListEvent](t, rec.next(t, plaza.EventMessageReceived)); ev.MessageList[0].Type != plaza.MessageCommand {
			t.Fatalf("delivered %+v, want the owner's command", ev.MessageList[0])
		}
		outsider := f.env.Users(t, "outsider")[0]
		wantCode(t, sendCommand(outsider, "d"), plaza.ENotMember)
	})

	t.Run("hook", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			name     string
			verdict  plaza.HookVerdict
			wantCode plaza.Code
			wantSent string // the delivered command's payload, "" when none is
		}{
			{name: "pass", verdict: plaza.HookVerdict{Action: plaza.HookPass}, wantSent: "ping"},
			{name: "rewrite", verdict: plaza.HookVerdict{Action: plaza.HookRewrite, Message: &plaza.MessageContent{Type: plaza.MessageCommand, Message: "pong"}}, wantSent: "pong"},
			{name: "reject", verdict: plaza.HookVerdict{Action: plaza.HookReject, Reason: "no"}, wantCode: plaza.EMessageRejected},
			{name: "drop", verdict: plaza.HookVerdict{Action: plaza.HookDrop}},
			{name: "rewrite to a stored type", verdict: plaza.HookVerdict{Action: plaza.HookRewrite, Message: &plaza.MessageContent{Type: plaza.MessageText, Message: "x"}},
				wantCode: plaza.EHookUnavailable},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				hook := &fakeHook{verdict: tc.verdict}
				env := plazatest.New(t, plazatest.Options{Hook: hook, Spec: relaxed()})
				owner := club(t, env, "m")
				if _, err := env.Service.SetAppWebhook(ctx, plaza.SetAppWebhookRequest{AppID: env.App.AppID, Webhook: plaza.WebhookConfig{
					BeforeSendMessageURL: "http://127.0.0.1:1/hook", Secret: "0123456789abcdef"}}); err != nil {
					t.Fatal(err)
				}
				rec := record(t, env, plaza.CommunityTopic(env.App.AppID, "club"))
				_, err := env.Service.SendMessage(ctx, env.Actor("m"), plaza.SendMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, Message: command("ping")})
				if len(hook.calls) != 1 || hook.calls[0].Message.Type != plaza.MessageCommand || hook.calls[0].SenderUserID != "m" {
					t.Fatalf("hook calls: %+v, want one about m's command", hook.calls)
				}
				if tc.wantCode != "" {
					wantCode(t, err, tc.wantCode)
				} else if err != nil {
					t.Fatal(err)
				}
				hook.verdict = plaza.HookVerdict{Action: plaza.HookPass}
				sendText(t, env, owner, plaza.GeneralChannelID, "marker")
				ev := decode[plaza.MessageListEvent](t, rec.next(t, plaza.EventMessageReceived))
				if tc.wantSent != "" {
					if got := ev.MessageList[0]; got.Type != plaza.MessageCommand || got.Message != tc.wantSent {
						t.Fatalf("delivered %+v, want the command %q", got, tc.wantSent)
					}
					ev = decode[plaza.MessageListEvent](t, rec.next(t, plaza.EventMessageReceived))
				}
				if got := ev.MessageList[0]; got.Message != "marker" {
					t.Fatalf("delivered %+v, want the marker: the command should not have gone", got)
				}
			})
		}
		// A muted sender's command never reaches the hook.
		hook := &fakeHook{verdict: plaza.HookVerdict{Action: plaza.HookPass}}
		env := plazatest.New(t, plazatest.Options{Hook: hook})
		owner := club(t, env, "m")
		if _, err := env.Service.SetAppWebhook(ctx, plaza.SetAppWebhookRequest{AppID: env.App.AppID, Webhook: plaza.WebhookConfig{
			BeforeSendMessageURL: "http://127.0.0.1:1/hook", Secret: "0123456789abcdef"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := env.Service.MuteCommunityMembers(ctx, owner, plaza.MuteCommunityMembersRequest{CommunityID: "club", UserIDs: []string{"m"}, IsMute: true, Duration: 600}); err != nil {
			t.Fatal(err)
		}
		_, err := env.Service.SendMessage(ctx, env.Actor("m"), plaza.SendMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, Message: command("ping")})
		wantCode(t, err, plaza.EMemberMuted)
		if len(hook.calls) != 0 {
			t.Fatalf("the hook was asked about a muted member's command: %+v", hook.calls)
		}
	})

	t.Run("downstream", func(t *testing.T) {
		t.Parallel()
		clock := plazatest.NewClock(time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC))
		env := plazatest.New(t, plazatest.Options{Clock: clock, Spec: relaxed()})
		owner := club(t, env, "a", "b", "c") // four members
		svc := env.Service
		usage := func() int64 {
			return must[plaza.Usage](t)(svc.QueryAppUsage(ctx, plaza.QueryAppUsageRequest{AppID: env.App.AppID})).DownstreamMessages
		}
		before := usage()
		must[plaza.MessageResult](t)(svc.SendMessage(ctx, owner, plaza.SendMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, Message: command("x")}))
		if got := usage() - before; got != 3 {
			t.Fatalf("a command to three other members counted %d downstream, want 3", got)
		}
		if err := svc.FlushUsage(ctx); err != nil {
			t.Fatal(err)
		}
		stored := must[int64](t)(env.Store.Downstream(ctx, env.App.AppID, "2026-06"))
		limit := env.App.Spec.DownstreamPerMonth
		if err := env.Store.Update(ctx, func(tx plaza.Tx) error { return tx.AddDownstream(ctx, env.App.AppID, "2026-06", limit-stored) }); err != nil {
			t.Fatal(err)
		}
		clock.Advance(2 * time.Second) // past the cached count
		_, err := svc.SendMessage(ctx, owner, plaza.SendMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, Message: command("x")})
		wantCode(t, err, plaza.EQuotaExhausted)
	})

	t.Run("rate", func(t *testing.T) {
		t.Parallel()
		clock := plazatest.NewClock(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
		env := plazatest.New(t, plazatest.Options{Clock: clock}) // 100 ms per channel
		owner := club(t, env)
		send := func(c plaza.MessageContent) error {
			_, err := env.Service.SendMessage(ctx, owner, plaza.SendMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, Message: c})
			return err
		}
		clock.Advance(time.Second)
		if err := send(command("x")); err != nil {
			t.Fatal(err)
		}
		wantCode(t, send(command("x")), plaza.ERateLimited)
		wantCode(t, send(text("x")), plaza.ERateLimited)
	})
}
