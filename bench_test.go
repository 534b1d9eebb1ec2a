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
	spec.MeteringOnly = true // a long run passes the month's downstream quota of a 100,000-member community
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
		// The same send into a thread of the community's GENERAL channel,
		// which the sender follows (SPEC §6a: it costs as a channel's).
		th, err := env.Service.CreateCommunityThread(ctx, sender, plaza.CreateCommunityThreadRequest{CommunityID: c,
			ChannelID: plaza.GeneralChannelID, ThreadName: "bench", AutoArchiveDuration: 10080})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("members=%d/thread", info.CommunityInfo.CurrentMemberCount), func(b *testing.B) {
			req := plaza.SendMessageRequest{CommunityID: c, ChannelID: th.ThreadInfo.ThreadID,
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

// populateThreads opens n threads in channel ch000 of community c000, straight
// into the store, and makes the reader follow the first followed of them,
// each with two messages, one of them unread and in notify.
func populateThreads(tb testing.TB, env *plazatest.Env, reader plaza.Actor, n, followed int) {
	tb.Helper()
	ctx := context.Background()
	u, err := env.Store.User(ctx, env.App.AppID, reader.UserID)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := env.Store.Community(ctx, env.App.AppID, "c000")
	if err != nil {
		tb.Fatal(err)
	}
	parent, err := env.Store.Channel(ctx, c.PK, "ch000")
	if err != nil {
		tb.Fatal(err)
	}
	const far = int64(1) << 50 // never archived
	err = env.Store.Update(ctx, func(tx plaza.Tx) error {
		for i := range n {
			th := plaza.Channel{CommunityPK: c.PK, ChannelID: fmt.Sprintf("t%05d", i), ChannelType: plaza.ChannelThread,
				ChannelName: fmt.Sprint("thread ", i), ChannelAttributes: map[string]string{}, CreateTime: int64(i), LastTime: int64(i),
				ThreadFields: plaza.ThreadFields{ParentPK: parent.PK, AutoArchiveDuration: 10080, ArchiveAt: far, Invitable: true}}
			if err := tx.InsertChannel(ctx, &th); err != nil {
				return err
			}
			if i >= followed {
				continue
			}
			if _, err := tx.JoinThread(ctx, th.PK, u.PK, 0, int64(i)); err != nil {
				return err
			}
			for k := range 2 {
				seq, err := tx.NextSeq(ctx, th.PK, int64(i)*10+int64(k))
				if err != nil {
					return err
				}
				msg := plaza.Message{ChannelPK: th.PK, MessageSeq: seq, ID: int64(1e9) + int64(i*2+k), SenderPK: u.PK, SenderUserID: "someone",
					MessageContent: plaza.MessageContent{Type: plaza.MessageText, Message: "a reply in a thread"}, Timestamp: int64(i)}
				if err := tx.InsertMessage(ctx, &msg); err != nil {
					return err
				}
			}
			if err := tx.SetReadSeq(ctx, u.PK, th.PK, 1); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkConversations measures, for a user in 100 communities of 100
// channels each (10,000 conversations) with 1,000,000 stored messages, who
// also follows 1,000 of the 10,000 threads of one channel, the first page of
// its conversation list, its total unread count, the channel's thread list
// and its followed threads, and reports their p99 (docs/benchmarks.md).
func BenchmarkConversations(b *testing.B) {
	spec := plaza.DefaultSpec()
	env := plazatest.New(b, plazatest.Options{Spec: &spec})
	reader := env.Users(b, "reader")[0]
	start := time.Now()
	populateConversations(b, env, reader, 100, 100, 100)
	populateThreads(b, env, reader, 10_000, 1_000)
	b.Logf("10,000 conversations, 1,000,000 messages, 10,000 threads (1,000 followed) stored in %s", time.Since(start).Round(time.Second))
	ctx := context.Background()
	// measure times call, after prepare (untimed) when there is one.
	measure := func(b *testing.B, prepare, call func() error) {
		var ds []time.Duration
		for b.Loop() {
			if prepare != nil {
				if err := prepare(); err != nil {
					b.Fatal(err)
				}
			}
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
		measure(b, nil, func() error {
			res, err := env.Service.QueryConversationList(ctx, reader, plaza.QueryConversationListRequest{})
			if err == nil && len(res.ConversationList) != 100 {
				err = fmt.Errorf("first page has %d conversations", len(res.ConversationList))
			}
			return err
		})
	})
	b.Run("queryConversationTotalUnreadMessageCount", func(b *testing.B) {
		measure(b, nil, func() error {
			res, err := env.Service.QueryConversationTotalUnreadMessageCount(ctx, reader, plaza.QueryConversationTotalUnreadMessageCountRequest{})
			if err == nil && res.TotalUnreadMessageCount != 100*(0+1+2+3+4)*20+1_000 {
				err = fmt.Errorf("total %d", res.TotalUnreadMessageCount)
			}
			return err
		})
	})
	// The same after a message in one of the reader's channels in notify,
	// a different community each time: one community's part moves.
	sent := 0 // messages of afterMessage, which b.Run may call more than once
	b.Run("queryConversationTotalUnreadMessageCountAfterMessage", func(b *testing.B) {
		u, err := env.Store.User(ctx, env.App.AppID, reader.UserID)
		if err != nil {
			b.Fatal(err)
		}
		var channels []plaza.Channel
		for c := range 100 {
			ci, err := env.Store.Community(ctx, env.App.AppID, fmt.Sprintf("c%03d", c))
			if err == nil {
				var ch plaza.Channel
				ch, err = env.Store.Channel(ctx, ci.PK, "ch001")
				channels = append(channels, ch)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		send := func() error {
			ch := channels[sent%len(channels)]
			sent++
			return env.Store.Update(ctx, func(tx plaza.Tx) error {
				seq, err := tx.NextSeq(ctx, ch.PK, int64(sent))
				if err != nil {
					return err
				}
				return tx.InsertMessage(ctx, &plaza.Message{ChannelPK: ch.PK, MessageSeq: seq, ID: int64(2e9) + int64(sent), SenderPK: u.PK,
					SenderUserID: "someone", MessageContent: plaza.MessageContent{Type: plaza.MessageText, Message: "one more"}})
			})
		}
		measure(b, send, func() error {
			res, err := env.Service.QueryConversationTotalUnreadMessageCount(ctx, reader, plaza.QueryConversationTotalUnreadMessageCountRequest{})
			if want := int64(100*(0+1+2+3+4)*20 + 1_000 + sent); err == nil && res.TotalUnreadMessageCount != want {
				err = fmt.Errorf("total %d, want %d", res.TotalUnreadMessageCount, want)
			}
			return err
		})
	})
	b.Run("queryCommunityThreadList", func(b *testing.B) {
		measure(b, nil, func() error {
			res, err := env.Service.QueryCommunityThreadList(ctx, reader, plaza.QueryCommunityThreadListRequest{CommunityID: "c000", ChannelID: "ch000"})
			if err == nil && len(res.ThreadList) != 100 {
				err = fmt.Errorf("first page has %d threads", len(res.ThreadList))
			}
			return err
		})
	})
	b.Run("queryJoinedCommunityThreadList", func(b *testing.B) {
		measure(b, nil, func() error {
			res, err := env.Service.QueryJoinedCommunityThreadList(ctx, reader, plaza.QueryJoinedCommunityThreadListRequest{})
			if err == nil && (len(res.ThreadList) != 100 || res.ThreadList[0].UnreadMessageCount != 1) {
				err = fmt.Errorf("first page has %d threads", len(res.ThreadList))
			}
			return err
		})
	})
}

// BenchmarkHistory measures a page of 50 messages of a channel holding
// 100,000: the latest page and one from the middle (keyset paging makes
// them cost the same), with the server's whole read path (scope, rows,
// content) and no HTTP.
func BenchmarkHistory(b *testing.B) {
	spec := plaza.DefaultSpec()
	env := plazatest.New(b, plazatest.Options{Spec: &spec})
	reader := env.Users(b, "reader")[0]
	populateConversations(b, env, reader, 1, 1, 100_000)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		next int64
	}{{"latest", 0}, {"middle", 50_001}} {
		b.Run(c.name, func(b *testing.B) {
			req := plaza.QueryHistoryMessageRequest{CommunityID: "c000", ChannelID: "ch000", Count: 50, NextMessageSeq: c.next, Reverse: true}
			b.ReportAllocs()
			for b.Loop() {
				res, err := env.Service.QueryHistoryMessage(ctx, reader, req)
				if err != nil {
					b.Fatal(err)
				}
				if len(res.MessageList) != 50 {
					b.Fatalf("page has %d messages", len(res.MessageList))
				}
			}
		})
	}
}
