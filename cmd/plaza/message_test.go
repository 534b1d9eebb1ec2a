package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/client"
)

// community makes "club" owned by the first user, with the others invited,
// and a public channel "flow".
func community(tb testing.TB, s *testServer, users ...string) []*client.Client {
	tb.Helper()
	ctx := context.Background()
	cs := make([]*client.Client, len(users))
	for i, u := range users {
		cs[i] = s.client(tb, u)
	}
	if _, err := cs[0].CreateCommunity(ctx, plaza.CreateCommunityRequest{CommunityID: "club", CommunityName: "Club"}); err != nil {
		tb.Fatal(err)
	}
	if len(users) > 1 {
		if _, err := cs[0].InviteUsersIntoCommunity(ctx, plaza.UserIDsRequest{CommunityID: "club", UserIDs: users[1:]}); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := cs[0].CreateCommunityChannel(ctx, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "flow", ChannelName: "Flow"}); err != nil {
		tb.Fatal(err)
	}
	return cs
}

func TestMessagesOverHTTPAndGateway(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	ctx := context.Background()
	cs := community(t, s, "amy", "ben", "cat")
	amy, ben, cat := cs[0], cs[1], cs[2]
	benConn, catConn := connect(t, ben), connect(t, cat)

	sent, err := amy.SendMessage(ctx, plaza.SendMessageRequest{CommunityID: "club", ChannelID: "flow",
		Message: plaza.MessageContent{Type: plaza.MessageText, Message: "hello"}, ClientMessageID: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	var got plaza.MessageListEvent
	if err := waitEvent(t, benConn, plaza.EventMessageReceived, time.Second).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if m := got.MessageList[0]; m.Message != "hello" || m.MessageSeq != sent.Message.MessageSeq || m.SenderUserID != "amy" || m.MessageID != sent.Message.MessageID {
		t.Fatalf("ben received %+v, amy sent %+v", m, sent.Message)
	}
	retry, err := amy.SendMessage(ctx, plaza.SendMessageRequest{CommunityID: "club", ChannelID: "flow",
		Message: plaza.MessageContent{Type: plaza.MessageText, Message: "hello"}, ClientMessageID: "m1"})
	if err != nil || retry.Message.MessageID != sent.Message.MessageID {
		t.Fatalf("retry: %+v %v", retry, err)
	}

	// A private channel: an outsider's history read is a 403.
	if _, err := amy.CreateCommunityChannel(ctx, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "inner", ChannelType: new(plaza.ChannelPrivate)}); err != nil {
		t.Fatal(err)
	}
	_, err = cat.QueryHistoryMessage(ctx, plaza.QueryHistoryMessageRequest{CommunityID: "club", ChannelID: "inner"})
	wantAPIError(t, err, http.StatusForbidden, plaza.EPermissionDenied)

	// A kicked member receives nothing more from the community.
	if _, err := amy.KickCommunityMembers(ctx, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"cat"}}); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, catConn, plaza.EventCommunityListChanged, time.Second)
	time.Sleep(110 * time.Millisecond) // the default spec allows one message per 100 ms per channel
	if _, err := amy.SendMessage(ctx, plaza.SendMessageRequest{CommunityID: "club", ChannelID: "flow",
		Message: plaza.MessageContent{Type: plaza.MessageText, Message: "after the kick"}}); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, benConn, plaza.EventMessageReceived, time.Second)
	noEvent(t, catConn, plaza.EventMessageReceived, time.Second)
}

// TestEveryMessageExactlyOnce drops a receiver's connection again and again
// while messages flow; through resumes (and, with a tiny resume buffer,
// resyncs) the application sees every message once, in seq order.
func TestEveryMessageExactlyOnce(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"resume", nil},
		{"resync", []string{"--resume-buffer", "1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, "", tt.args...)
			const senders, each = 10, 12 // within the default limits: 10/s per user
			users := []string{"reader"}
			for i := range senders {
				users = append(users, fmt.Sprintf("s%d", i))
			}
			cs := community(t, s, users...)
			var stats client.ConnStats
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			conn, err := cs[0].Connect(ctx, client.WithStats(&stats))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.Track("club", "flow", 0)

			var wg sync.WaitGroup
			for _, c := range cs[1:] {
				wg.Go(func() {
					for i := range each {
						_, err := c.SendMessage(context.Background(), plaza.SendMessageRequest{CommunityID: "club", ChannelID: "flow",
							Message: plaza.MessageContent{Type: plaza.MessageText, Message: fmt.Sprint(i)}, ClientMessageID: fmt.Sprint(i)})
						if err != nil {
							t.Errorf("send: %v", err)
							return
						}
						time.Sleep(110 * time.Millisecond)
					}
				})
			}
			stop := make(chan struct{})
			var drops sync.WaitGroup
			drops.Go(func() {
				for {
					select {
					case <-stop:
						return
					case <-time.After(250 * time.Millisecond):
						conn.Drop()
					}
				}
			})

			const total = senders * each
			var seqs []int64
			timeout := time.After(30 * time.Second)
			for len(seqs) < total {
				ev := nextMessages(t, conn, timeout, func() string {
					return fmt.Sprintf("received %d of %d messages; stats %+v", len(seqs), total, stats.Snapshot())
				})
				if ev.ChannelID != "flow" {
					continue
				}
				for _, m := range ev.MessageList {
					seqs = append(seqs, m.MessageSeq)
				}
			}
			close(stop)
			drops.Wait()
			wg.Wait()
			for i, seq := range seqs {
				if seq != int64(i+1) {
					t.Fatalf("message %d has seq %d: %v", i+1, seq, seqs)
				}
			}
			st := stats.Snapshot()
			t.Logf("%d messages; %d reconnects, %d resumes, %d resyncs, %d recovered from history, %d duplicates skipped",
				len(seqs), st.Reconnects, st.Resumes, st.Resyncs, st.RecoveredMessages, st.DuplicatesSkipped)
			if st.Reconnects == 0 {
				t.Fatal("the connection never dropped: the test tested nothing")
			}
			if tt.name == "resync" && st.Resyncs == 0 {
				t.Log("no resync happened this run (the client resumed every time)")
			}
		})
	}
}

func TestConversationSyncAcrossSessions(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	ctx := context.Background()
	cs := community(t, s, "amy", "ben")
	amy, ben := cs[0], cs[1]
	phone, laptop := connect(t, ben), connect(t, ben)
	for i := range 3 {
		if _, err := amy.SendMessage(ctx, plaza.SendMessageRequest{CommunityID: "club", ChannelID: "flow",
			Message: plaza.MessageContent{Type: plaza.MessageText, Message: fmt.Sprint(i)}}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(110 * time.Millisecond)
	}
	// The phone reads the channel; the laptop learns of it within a second.
	var res plaza.ConversationResult
	if err := phone.Do(ctx, "clearConversationUnreadMessageCount", plaza.ClearConversationUnreadMessageCountRequest{CommunityID: "club", ChannelID: "flow"}, &res); err != nil {
		t.Fatal(err)
	}
	if res.Conversation.UnreadMessageCount != 0 || res.Conversation.ReadMessageSeq != 3 {
		t.Fatalf("cleared %+v", res.Conversation)
	}
	var changed plaza.ConversationChangedEvent
	if err := waitEvent(t, laptop, plaza.EventConversationChanged, time.Second).Decode(&changed); err != nil {
		t.Fatal(err)
	}
	if c := changed.InfoList[0].Conversation; c.ChannelID != "flow" || c.UnreadMessageCount != 0 || c.ReadMessageSeq != 3 {
		t.Fatalf("the laptop learned %+v", c)
	}
	waitEvent(t, laptop, plaza.EventConversationTotalUnreadMessageCountUpdated, time.Second)

	// A muted member's send is refused with the mute's kind and end.
	if _, err := amy.MuteCommunityMembers(ctx, plaza.MuteCommunityMembersRequest{CommunityID: "club", UserIDs: []string{"ben"}, IsMute: true, Duration: 60}); err != nil {
		t.Fatal(err)
	}
	_, err := ben.SendMessage(ctx, plaza.SendMessageRequest{CommunityID: "club", ChannelID: "flow", Message: plaza.MessageContent{Type: plaza.MessageText, Message: "hi"}})
	wantAPIError(t, err, http.StatusForbidden, plaza.EMemberMuted)
	if until := err.(*client.Error).Err.Until; until < time.Now().Add(50*time.Second).UnixMilli() {
		t.Fatalf("until %d", until)
	}
}
