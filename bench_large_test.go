package plaza_test

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/plazatest"
)

var (
	benchMembers = flag.Int("bench-members", 0, "BenchmarkSendMessageLarge: members of its large community (0: skip it)")
	benchRounds  = flag.Int("bench-rounds", 5, "BenchmarkSendMessageLarge: rounds, each measuring both communities in turn")
)

// BenchmarkSendMessageLarge measures a send, stored and published, into a
// 10-member community and one of -bench-members members (a million in
// docs/benchmarks.md), seeded in bulk as plaza admin seed does: each member
// with a membership and a read position, as joining gives. It is opt-in
// (seeding a million members takes a minute or two): without
// -bench-members it is skipped. One seeding serves -bench-rounds rounds,
// each of which measures both communities in turn, so that samples are
// taken side by side on a noisy machine; at the end it logs each one's
// median time per send over the rounds and their ratio.
//
//	go test -run XXX -bench BenchmarkSendMessageLarge -bench-members 1000000 -bench-rounds 8 -benchtime 2s -v .
func BenchmarkSendMessageLarge(b *testing.B) {
	if *benchMembers == 0 {
		b.Skip("opt-in: give -bench-members N")
	}
	spec := plaza.DefaultSpec()
	spec.SendIntervalMillis, spec.SendsPerSecond, spec.CommunityTips = 0, 1_000_000, false
	spec.MeteringOnly = true
	spec.MembersPerCommunity = 0
	env := plazatest.New(b, plazatest.Options{Spec: &spec, Sync: "normal"})
	ctx := context.Background()
	sender := env.Users(b, "sender")[0]
	start := time.Now()
	for _, c := range []struct {
		id      string
		members int
	}{{"small", 9}, {"large", *benchMembers - 1}} {
		if _, err := env.Service.CreateCommunity(ctx, sender, plaza.CreateCommunityRequest{CommunityID: c.id}); err != nil {
			b.Fatal(err)
		}
		info, err := env.Store.Community(ctx, env.App.AppID, c.id)
		if err != nil {
			b.Fatal(err)
		}
		for done := 0; done < c.members; done += 10_000 {
			addMembersFrom(b, env, info, done, min(10_000, c.members-done))
		}
	}
	b.Logf("%d members seeded in %s", *benchMembers, time.Since(start).Round(time.Second))
	req := func(c string) plaza.SendMessageRequest {
		return plaza.SendMessageRequest{CommunityID: c, ChannelID: plaza.GeneralChannelID,
			Message: plaza.MessageContent{Type: plaza.MessageText, Message: "a message of a typical length, say sixty characters"}}
	}
	perSend := map[string][]time.Duration{} // by sub-benchmark name, a sample per round
	var names []string
	for range *benchRounds {
		for _, c := range []string{"small", "large"} {
			info, err := env.Service.QueryCommunityInfo(ctx, sender, plaza.CommunityRequest{CommunityID: c})
			if err != nil {
				b.Fatal(err)
			}
			n := info.CommunityInfo.CurrentMemberCount
			one, parallel := fmt.Sprintf("members=%d", n), fmt.Sprintf("members=%d/parallel", n)
			if len(perSend[one]) == 0 {
				names = append(names, one, parallel)
			}
			// The testing package may call a sub-benchmark's function more
			// than once, with growing b.N: the last call is the measure.
			var last time.Duration
			b.Run(one, func(b *testing.B) {
				r := req(c)
				b.ReportAllocs()
				for b.Loop() {
					if _, err := env.Service.SendMessage(ctx, sender, r); err != nil {
						b.Fatal(err)
					}
				}
				last = b.Elapsed() / time.Duration(b.N)
			})
			perSend[one] = append(perSend[one], last)
			b.Run(parallel, func(b *testing.B) {
				r := req(c)
				b.SetParallelism(16)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := env.Service.SendMessage(ctx, sender, r); err != nil {
							b.Error(err)
							return
						}
					}
				})
				last = b.Elapsed() / time.Duration(b.N)
			})
			perSend[parallel] = append(perSend[parallel], last)
		}
	}
	median := func(ds []time.Duration) time.Duration {
		ds = slices.Clone(ds)
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	for i := 0; i+3 < len(names); i += 2 {
		for k := range 2 {
			small, large := names[i+k], names[i+2+k]
			ms, ml := median(perSend[small]), median(perSend[large])
			b.Logf("median of %d rounds: %s %s, %s %s; ratio %.2f", len(perSend[small]), small, ms, large, ml, float64(ml)/float64(ms))
		}
	}
}

// addMembersFrom adds n members, users named after the community and a
// number from first on, in one transaction.
func addMembersFrom(tb testing.TB, env *plazatest.Env, c plaza.CommunityInfo, first, n int) {
	tb.Helper()
	ctx := context.Background()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s-%07d", c.CommunityID, first+i)
	}
	err := env.Store.Update(ctx, func(tx plaza.Tx) error {
		users, err := tx.EnsureUsers(ctx, env.App.AppID, ids, 0)
		if err != nil {
			return err
		}
		ms := make([]plaza.Member, n)
		for i, u := range users {
			ms[i] = plaza.Member{CommunityPK: c.PK, UserPK: u.PK, MemberRole: plaza.RoleMember, EnterType: plaza.EnterInvited,
				NotificationStatus: plaza.Notify}
		}
		if err := tx.InsertMembers(ctx, ms); err != nil {
			return err
		}
		c, err := tx.CommunityForUpdate(ctx, c.AppID, c.CommunityID)
		if err != nil {
			return err
		}
		c.CurrentMemberCount += int64(n)
		return tx.UpdateCommunity(ctx, c)
	})
	if err != nil {
		tb.Fatal(err)
	}
}
