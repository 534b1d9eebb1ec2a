package plaza_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

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

// populateConversations gives reader communities × channels conversations,
// each with perChannel messages, every one in notify with a few unread.
func populateConversations(tb testing.TB, env *plazatest.Env, reader plaza.Actor, communities, channels, perChannel int) {
	tb.Helper()
	ctx := context.Background()
	u, err := env.Store.User(ctx, env.App.AppID, reader.UserID)
	if err != nil {
		tb.Fatal(err)
	}
	var id int64
	for c := range communities {
		err := env.Store.Update(ctx, func(tx plaza.Tx) error {
			ci := plaza.CommunityInfo{AppID: env.App.AppID, CommunityID: fmt.Sprintf("c%03d", c), CommunityAttributes: map[string]string{},
				CreatorUserID: reader.UserID, CurrentMemberCount: 1, ChannelCount: channels}
			if err := tx.InsertCommunity(ctx, &ci); err != nil {
				return err
			}
			m := plaza.Member{CommunityPK: ci.PK, UserPK: u.PK, MemberRole: plaza.RoleMember, EnterType: plaza.EnterJoined, NotificationStatus: plaza.Notify}
			if err := tx.InsertMember(ctx, &m); err != nil {
				return err
			}
			for k := range channels {
				ch := plaza.Channel{CommunityPK: ci.PK, ChannelID: fmt.Sprintf("ch%03d", k), ChannelType: plaza.ChannelPublic,
					ChannelAttributes: map[string]string{}, CreateTime: int64(c*channels + k)}
				if err := tx.InsertChannel(ctx, &ch); err != nil {
					return err
				}
				for i := range perChannel {
					seq, err := tx.NextSeq(ctx, ch.PK, int64(c*channels+k)*1000+int64(i))
					if err != nil {
						return err
					}
					id++
					msg := plaza.Message{ChannelPK: ch.PK, MessageSeq: seq, ID: id, SenderPK: u.PK, SenderUserID: "someone",
						MessageContent: plaza.MessageContent{Type: plaza.MessageText, Message: "a message of a typical length, say sixty characters"},
						Timestamp:      int64(i)}
					if err := tx.InsertMessage(ctx, &msg); err != nil {
						return err
					}
				}
				if err := tx.SetConversationState(ctx, u.PK, ch.PK, plaza.ConversationState{NotificationStatus: plaza.Notify}); err != nil {
					return err
				}
				if err := tx.SetReadSeq(ctx, u.PK, ch.PK, int64(perChannel-k%5)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkConversations measures, for a user in 100 communities of 100
// channels each (10,000 conversations) with 1,000,000 stored messages, the
// first page of its conversation list and its total unread count, and
// reports their p99 (docs/benchmarks.md).
func BenchmarkConversations(b *testing.B) {
	spec := plaza.DefaultSpec()
	env := plazatest.New(b, plazatest.Options{Spec: &spec})
	reader := env.Users(b, "reader")[0]
	start := time.Now()
	populateConversations(b, env, reader, 100, 100, 100)
	b.Logf("10,000 conversations, 1,000,000 messages stored in %s", time.Since(start).Round(time.Second))
	ctx := context.Background()
	measure := func(b *testing.B, call func() error) {
		var ds []time.Duration
		for b.Loop() {
			t0 := time.Now()
			if err := call(); err != nil {
				b.Fatal(err)
			}
			ds = append(ds, time.Since(t0))
		}
		slices.Sort(ds)
		b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(ds[(len(ds)*99)/100].Microseconds())/1000, "p99-ms")
	}
	b.Run("queryConversationList", func(b *testing.B) {
		measure(b, func() error {
			res, err := env.Service.QueryConversationList(ctx, reader, plaza.QueryConversationListRequest{})
			if err == nil && len(res.ConversationList) != 100 {
				err = fmt.Errorf("first page has %d conversations", len(res.ConversationList))
			}
			return err
		})
	})
	b.Run("queryConversationTotalUnreadMessageCount", func(b *testing.B) {
		measure(b, func() error {
			res, err := env.Service.QueryConversationTotalUnreadMessageCount(ctx, reader, plaza.QueryConversationTotalUnreadMessageCountRequest{})
			if err == nil && res.TotalUnreadMessageCount != 100*(0+1+2+3+4)*20 {
				err = fmt.Errorf("total %d", res.TotalUnreadMessageCount)
			}
			return err
		})
	})
}
