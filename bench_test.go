package plaza_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/plazatest"
)

// populate adds n members to a community in one transaction, straight into
// the store: the benchmark measures sends, not joins.
func populate(tb testing.TB, env *plazatest.Env, communityID string, n int) {
	tb.Helper()
	ctx := context.Background()
	c, err := env.Store.Community(ctx, env.App.AppID, communityID)
	if err != nil {
		tb.Fatal(err)
	}
	err = env.Store.Update(ctx, func(tx plaza.Tx) error {
		for i := range n {
			u, err := tx.EnsureUser(ctx, env.App.AppID, fmt.Sprintf("%s-%06d", communityID, i), 0)
			if err != nil {
				return err
			}
			m := plaza.Member{CommunityPK: c.PK, UserPK: u.PK, MemberRole: plaza.RoleMember, EnterType: plaza.EnterInvited, NotificationStatus: plaza.Notify}
			if err := tx.InsertMember(ctx, &m); err != nil {
				return err
			}
		}
		c.CurrentMemberCount += int64(n)
		return tx.UpdateCommunity(ctx, c)
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkSendMessage measures a send, stored and published, into a
// 10-member and a 100,000-member community. Nothing per member happens on a
// send, so the two must cost the same (docs/benchmarks.md). SQLite runs with
// synchronous=NORMAL here: the question is the cost per member, and an fsync
// per commit would drown it in the disk's noise.
func BenchmarkSendMessage(b *testing.B) {
	spec := plaza.DefaultSpec()
	spec.SendIntervalMillis, spec.SendsPerSecond, spec.CommunityTips = 0, 1_000_000, false
	env := plazatest.New(b, plazatest.Options{Spec: &spec, Sync: "normal"})
	ctx := context.Background()
	sender := env.Users(b, "sender")[0]
	for _, c := range []struct {
		id      string
		members int
	}{{"small", 9}, {"large", 99_999}} {
		if _, err := env.Service.CreateCommunity(ctx, sender, plaza.CreateCommunityRequest{CommunityID: c.id}); err != nil {
			b.Fatal(err)
		}
		populate(b, env, c.id, c.members)
	}
	for _, c := range []string{"small", "large"} {
		info, err := env.Service.QueryCommunityInfo(ctx, sender, plaza.CommunityRequest{CommunityID: c})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("members=%d", info.CommunityInfo.CurrentMemberCount), func(b *testing.B) {
			req := plaza.SendMessageRequest{CommunityID: c, ChannelID: plaza.GeneralChannelID,
				Message: plaza.MessageContent{Type: plaza.MessageText, Message: "a message of a typical length, say sixty characters"}}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := env.Service.SendMessage(ctx, sender, req); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("members=%d/parallel", info.CommunityInfo.CurrentMemberCount), func(b *testing.B) {
			req := plaza.SendMessageRequest{CommunityID: c, ChannelID: plaza.GeneralChannelID,
				Message: plaza.MessageContent{Type: plaza.MessageText, Message: "a message of a typical length, say sixty characters"}}
			b.SetParallelism(16)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := env.Service.SendMessage(ctx, sender, req); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
