package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/client"
	"github.com/plazahq/plaza/internal/pgtest"
	"github.com/plazahq/plaza/internal/postgres"
	"github.com/plazahq/plaza/internal/sqlite"
)

// populate fills an embedded deployment's database directly (the API would
// take minutes for this much): communities × members users, each community
// with GENERAL and a private channel of perChannel messages each, with
// mentions, reactions, read positions, a pin and mutes; and two threads of
// GENERAL, one opened from its first message and one private, followed by
// users 7 and 8 (whom snapshotQueries does not read: they are compared
// store to store by compareThreads).
func populate(tb testing.TB, dir string, appID string, communities, members, perChannel int) {
	tb.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "plaza.db"), sqlite.Options{Sync: sqlite.SyncNormal})
	if err != nil {
		tb.Fatal(err)
	}
	defer store.Close()
	t0 := time.Now().Add(-time.Hour).UnixMilli()
	var id int64 = 1 << 40
	for c := range communities {
		err := store.Update(ctx, func(tx plaza.Tx) error {
			users := make([]plaza.User, members)
			for i := range users {
				u, err := tx.EnsureUser(ctx, appID, fmt.Sprintf("u%d-%d", c, i), t0)
				if err != nil {
					return err
				}
				u.UserName = fmt.Sprintf("User %d of %d", i, c)
				if err := tx.UpdateUser(ctx, u); err != nil {
					return err
				}
				users[i] = u
			}
			ci := plaza.CommunityInfo{AppID: appID, CommunityID: fmt.Sprintf("c%d", c), CommunityName: fmt.Sprintf("Community %d", c),
				CommunityAttributes: map[string]string{"k": fmt.Sprint(c)}, CreatorUserID: users[0].UserID, CreateTime: t0,
				CurrentMemberCount: int64(members), ChannelCount: 2, MuteInfo: plaza.MuteInfo{Roles: []plaza.Role{}}}
			if err := tx.InsertCommunity(ctx, &ci); err != nil {
				return err
			}
			var chans []plaza.Channel
			for k, typ := range []plaza.ChannelType{plaza.ChannelGeneral, plaza.ChannelPrivate} {
				ch := plaza.Channel{CommunityPK: ci.PK, ChannelID: []string{plaza.GeneralChannelID, "staff"}[k], ChannelType: typ,
					ChannelName: "ch", ChannelAttributes: map[string]string{}, CreatorUserID: users[0].UserID, CreateTime: t0,
					MuteInfo: plaza.MuteInfo{Roles: []plaza.Role{}}}
				if err := tx.InsertChannel(ctx, &ch); err != nil {
					return err
				}
				chans = append(chans, ch)
			}
			for i, u := range users {
				role := plaza.RoleMember
				switch {
				case i == 0:
					role = plaza.RoleOwner
				case i < 3:
					role = plaza.RoleAdmin
				}
				m := plaza.Member{UserInfo: u.UserInfo, CommunityPK: ci.PK, UserPK: u.PK, MemberRole: role, EnterTime: t0 + int64(i),
					EnterType: plaza.EnterInvited, NotificationStatus: plaza.Notify}
				if err := tx.InsertMember(ctx, &m); err != nil {
					return err
				}
				if i < 10 {
					if _, err := tx.AddChannelMember(ctx, chans[1].PK, u.PK, t0); err != nil {
						return err
					}
				}
			}
			chans[1].MemberCount = 10
			if err := tx.UpdateChannel(ctx, chans[1]); err != nil {
				return err
			}
			for _, ch := range chans {
				for s := range perChannel {
					from := users[s%10]
					seq, err := tx.NextSeq(ctx, ch.PK, t0+int64(s))
					if err != nil {
						return err
					}
					id++
					m := plaza.Message{ChannelPK: ch.PK, MessageSeq: seq, ID: id, SenderPK: from.PK, SenderUserID: from.UserID, Timestamp: t0 + int64(s),
						MessageContent: plaza.MessageContent{Type: plaza.MessageText, Message: fmt.Sprintf("message %d", s)}}
					if s%100 == 0 {
						m.MentionedUserIDs = []string{users[1].UserID}
						if err := tx.InsertMentions(ctx, ch.PK, seq, []int64{users[1].PK}, false); err != nil {
							return err
						}
					}
					if err := tx.InsertMessage(ctx, &m); err != nil {
						return err
					}
					if s%250 == 0 {
						if _, err := tx.AddReaction(ctx, ch.PK, seq, "👍", users[2].PK, t0+int64(s)); err != nil {
							return err
						}
					}
				}
				for i := range 10 {
					if err := tx.SetReadSeq(ctx, users[i].PK, ch.PK, int64(perChannel-i*7)); err != nil {
						return err
					}
				}
				if err := tx.SetConversationState(ctx, users[1].PK, ch.PK, plaza.ConversationState{NotificationStatus: plaza.Notify,
					Draft: "draft", PinnedTime: t0 + int64(ch.PK)}); err != nil {
					return err
				}
			}
			if err := populateThreads(ctx, tx, ci, chans[0], users, &id, t0); err != nil {
				return err
			}
			if err := tx.SetMemberMute(ctx, ci.PK, users[5].PK, 0, -1); err != nil {
				return err
			}
			return tx.SetMemberMute(ctx, ci.PK, users[6].PK, chans[0].PK, t0+int64(365*24*3600*1000))
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// populateThreads opens two threads in parent (GENERAL): a public one from
// its first message and a private one, each with messages, a mention and
// members 7 and 8, who read part of them and set one in do-not-disturb.
// They archive a week from now, so that no read of the test archives them.
func populateThreads(ctx context.Context, tx plaza.Tx, ci plaza.CommunityInfo, parent plaza.Channel, users []plaza.User, id *int64, t0 int64) error {
	archive := time.Now().Add(7 * 24 * time.Hour).UnixMilli()
	for k, th := range []plaza.Channel{
		{ChannelID: "thread-open", ChannelName: "Opened from the first message",
			ThreadFields: plaza.ThreadFields{RootMessageSeq: 1, Invitable: true}},
		{ChannelID: "thread-private", ChannelName: "Private",
			ThreadFields: plaza.ThreadFields{IsPrivate: true, IsLocked: true}},
	} {
		th.CommunityPK, th.ChannelType, th.ChannelAttributes = ci.PK, plaza.ChannelThread, map[string]string{}
		th.CreatorUserID, th.CreateTime, th.MemberCount = users[7].UserID, t0, 2
		th.ParentPK, th.AutoArchiveDuration, th.ArchiveAt = parent.PK, 10080, archive
		if err := tx.InsertChannel(ctx, &th); err != nil {
			return err
		}
		for i, u := range users[7:9] {
			if _, err := tx.JoinThread(ctx, th.PK, u.PK, 0, t0+int64(i)); err != nil {
				return err
			}
		}
		for s := range 5 {
			from := users[7+s%2]
			seq, err := tx.NextSeq(ctx, th.PK, t0+int64(s))
			if err != nil {
				return err
			}
			*id++
			m := plaza.Message{ChannelPK: th.PK, MessageSeq: seq, ID: *id, SenderPK: from.PK, SenderUserID: from.UserID, Timestamp: t0 + int64(s),
				MessageContent: plaza.MessageContent{Type: plaza.MessageText, Message: fmt.Sprintf("thread message %d", s)}}
			if err := tx.InsertMessage(ctx, &m); err != nil {
				return err
			}
			if s == 3 {
				if err := tx.InsertMentions(ctx, th.PK, seq, []int64{users[8].PK}, k == 1); err != nil {
					return err
				}
			}
		}
		// NextSeq moved the archive time to the last message's; the
		// thread keeps the one far off, as if unarchived by hand.
		th.ArchiveAt, th.LastTime = archive, t0+4
		if err := tx.UpdateChannel(ctx, th); err != nil {
			return err
		}
		if err := tx.SetReadSeq(ctx, users[8].PK, th.PK, 2); err != nil {
			return err
		}
	}
	if err := tx.SetConversationState(ctx, users[7].PK, parent.PK, plaza.ConversationState{NotificationStatus: plaza.Notify}); err != nil {
		return err
	}
	return nil
}

// threadReads reads through a store what the threads of community c (as
// populateThreads made them) look like to users 7 and 8, as JSON by read.
func threadReads(tb testing.TB, s plaza.Store, appID string, c int) map[string]string {
	tb.Helper()
	ctx := context.Background()
	out := map[string]string{}
	put := func(key string, v any, err error) {
		tb.Helper()
		if err != nil {
			tb.Fatalf("%s: %v", key, err)
		}
		b, _ := json.Marshal(v)
		out[key] = string(b)
	}
	ci, err := s.Community(ctx, appID, fmt.Sprintf("c%d", c))
	put("community", ci, err)
	general, err := s.Channel(ctx, ci.PK, plaza.GeneralChannelID)
	put("general", general, err)
	for _, id := range []string{"thread-open", "thread-private"} {
		th, err := s.Channel(ctx, ci.PK, id)
		put(id, th, err)
		ms, err := s.History(ctx, th.PK, 0, 0, true, 100)
		put(id+"/history", ms, err)
		members, err := s.ThreadMembers(ctx, ci.PK, th.PK, plaza.Cursor{}, 100)
		put(id+"/members", members, err)
		// The keys differ between the stores; what they key must not.
		th.PK, th.CommunityPK, th.ParentPK = 0, 0, 0
		out[id] = fmt.Sprintf("%s %+v", out[id], th.ThreadFields)
	}
	root, err := s.Message(ctx, general.PK, 1, 0)
	put("root", root.ThreadInfo, err)
	ths, err := s.Threads(ctx, general.PK, 0, true, false, time.Now().UnixMilli(), plaza.Cursor{}, 100)
	put("threads", threadKeysOut(ths), err)
	for _, who := range []int{7, 8} {
		u, err := s.User(ctx, appID, fmt.Sprintf("u%d-%d", c, who))
		put("user", u.UserID, err)
		fs, err := s.FollowedThreads(ctx, u.PK, 0, plaza.Cursor{}, 100)
		for i := range fs {
			fs[i].Thread.PK, fs[i].Thread.CommunityPK, fs[i].Thread.ParentPK = 0, 0, 0
		}
		put(fmt.Sprint("followed/", who), fs, err)
		cs, err := s.Conversations(ctx, u.PK, plaza.Cursor{}, 100)
		for i := range cs {
			cs[i].PK, cs[i].CommunityPK, cs[i].ParentPK = 0, 0, 0
		}
		put(fmt.Sprint("conversations/", who), cs, err)
		un, err := s.UnreadByCommunity(ctx, u.PK)
		put(fmt.Sprint("unread/", who), un, err)
		total, err := s.TotalUnread(ctx, u.PK)
		put(fmt.Sprint("total/", who), total, err)
		private, err := s.UserPrivateChannels(ctx, u.PK)
		put(fmt.Sprint("private/", who), private, err)
	}
	return out
}

// threadKeysOut names threads by ID, in order, with what the lists show.
func threadKeysOut(ths []plaza.Channel) []string {
	out := make([]string, len(ths))
	for i, th := range ths {
		out[i] = fmt.Sprintf("%s %d %d %d", th.ChannelID, th.LastMessageSeq, th.MemberCount, th.ArchiveAt)
	}
	return out
}

// snapshotQueries answers the same reads as the end-to-end suite makes, as
// JSON, for comparison between deployments.
func snapshotQueries(tb testing.TB, s *testServer, communities int) map[string]string {
	tb.Helper()
	ctx := context.Background()
	out := map[string]string{}
	put := func(key string, v any, err error) {
		tb.Helper()
		if err != nil {
			tb.Fatalf("%s: %v", key, err)
		}
		b, _ := json.Marshal(v)
		out[key] = string(b)
	}
	for c := range communities {
		cid := fmt.Sprintf("c%d", c)
		for _, who := range []int{0, 1, 5, 50} {
			uid := fmt.Sprintf("u%d-%d", c, who)
			cl := client.New(s.URL, s.token(tb, uid))
			k := cid + "/" + uid + "/"
			r1, err := cl.QueryCommunityList(ctx, plaza.QueryCommunityListRequest{})
			put(k+"communities", r1, err)
			r2, err := cl.QueryCommunityInfo(ctx, plaza.CommunityRequest{CommunityID: cid})
			put(k+"info", r2, err)
			r3, err := cl.QueryCommunityChannelList(ctx, plaza.QueryCommunityChannelListRequest{CommunityID: cid})
			put(k+"channels", r3, err)
			r4, err := cl.QueryConversationList(ctx, plaza.QueryConversationListRequest{})
			put(k+"conversations", r4, err)
			r5, err := cl.QueryConversationTotalUnreadMessageCount(ctx, plaza.QueryConversationTotalUnreadMessageCountRequest{})
			put(k+"total", r5, err)
			flag := ""
			for page := 0; page < 3; page++ {
				r, err := cl.QueryCommunityMemberList(ctx, plaza.QueryCommunityMemberListRequest{CommunityID: cid, PageRequest: plaza.PageRequest{NextFlag: flag}})
				put(fmt.Sprintf("%smembers/%d", k, page), r, err)
				if flag = r.NextFlag; flag == "" {
					break
				}
			}
			r6, err := cl.QueryCommunityMemberList(ctx, plaza.QueryCommunityMemberListRequest{CommunityID: cid, IsMutedMember: true})
			put(k+"muted", r6, err)
			seq := int64(0)
			for page := 0; page < 3; page++ {
				r, err := cl.QueryHistoryMessage(ctx, plaza.QueryHistoryMessageRequest{CommunityID: cid, ChannelID: plaza.GeneralChannelID, NextMessageSeq: seq, Count: 100})
				put(fmt.Sprintf("%shistory/%d", k, page), r, err)
				if len(r.MessageList) == 0 {
					break
				}
				seq = r.MessageList[0].MessageSeq
			}
			if who < 10 {
				r7, err := cl.QueryHistoryMessage(ctx, plaza.QueryHistoryMessageRequest{CommunityID: cid, ChannelID: "staff", Count: 50})
				put(k+"staff", r7, err)
			}
			r8, err := cl.QueryUsersInfo(ctx, plaza.QueryUsersInfoRequest{UserIDs: []string{fmt.Sprintf("u%d-0", c), fmt.Sprintf("u%d-99", c)}})
			put(k+"users", r8, err)
		}
	}
	return out
}

// TestMigrateStore copies an embedded deployment of 10 communities, 1,000
// members and 100,000 messages into PostgreSQL, and checks that the reads of
// the end-to-end suite answer the same there.
func TestMigrateStore(t *testing.T) {
	pg := pgtest.SchemaURL(t)
	if testing.Short() {
		t.Skip("copies 100,000 messages")
	}
	dir := t.TempDir()
	const communities, members, perChannel = 10, 100, 5000
	first := startServer(t, dir, "--postgres=")
	first.stop(t)
	populate(t, dir, first.App.AppID, communities, members, perChannel)

	onSQLite := startServer(t, dir, "--postgres=")
	before := snapshotQueries(t, onSQLite, communities)
	onSQLite.stop(t)
	// Threads, read through the stores themselves: every column of theirs
	// must travel.
	ctx := context.Background()
	sq, err := sqlite.Open(ctx, filepath.Join(dir, "plaza.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	threadsBefore := make([]map[string]string, communities)
	for c := range communities {
		threadsBefore[c] = threadReads(t, sq, first.App.AppID, c)
	}
	sq.Close()

	var stdout, stderr strings.Builder
	args := []string{"admin", "migrate-store", "--from", dir, "--to", pg}
	if err := run(context.Background(), args, func(string) string { return "" }, nil, &stdout, &stderr); err != nil {
		t.Fatalf("migrate-store: %v\n%s", err, stderr.String())
	}
	messages := 2*communities*perChannel + communities*2*5 // and the threads' (populateThreads)
	if !strings.Contains(stdout.String(), fmt.Sprintf("messages %d", messages)) &&
		!strings.Contains(stdout.String(), fmt.Sprint(messages)) {
		t.Fatalf("migrate-store reported:\n%s", stdout.String())
	}
	pgs, err := postgres.Open(ctx, pg, postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	for c := range communities {
		after := threadReads(t, pgs, first.App.AppID, c)
		for k, want := range threadsBefore[c] {
			if got := after[k]; got != want {
				t.Errorf("c%d: %s of threads differs after the migration:\nSQLite:     %.600s\nPostgreSQL: %.600s", c, k, want, got)
			}
		}
	}
	pgs.Close()
	onPostgres := startServer(t, dir, "--postgres", pg)
	after := snapshotQueries(t, onPostgres, communities)
	if len(after) != len(before) {
		t.Fatalf("%d answers on PostgreSQL, %d on SQLite", len(after), len(before))
	}
	for k, want := range before {
		if got := after[k]; got != want {
			t.Errorf("%s differs after the migration:\nSQLite:     %.600s\nPostgreSQL: %.600s", k, want, got)
		}
	}
	// New writes continue after the copied keys and seqs.
	owner := client.New(onPostgres.URL, onPostgres.token(t, "u0-0"))
	res, err := owner.SendMessage(context.Background(), plaza.SendMessageRequest{CommunityID: "c0", ChannelID: plaza.GeneralChannelID,
		Message: plaza.MessageContent{Type: plaza.MessageText, Message: "after"}})
	if err != nil || res.Message.MessageSeq != perChannel+1 {
		t.Fatalf("send after the migration: %+v, %v", res.Message, err)
	}
	if _, err := owner.CreateCommunity(context.Background(), plaza.CreateCommunityRequest{CommunityID: "new", CommunityName: "new"}); err != nil {
		t.Fatalf("create a community after the migration: %v", err)
	}
	onPostgres.stop(t)

	// A second copy into the same database is refused.
	stderr.Reset()
	err = run(context.Background(), args, func(string) string { return "" }, nil, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "already holds Plaza data") {
		t.Fatalf("a copy into a non-empty database: %v", err)
	}
}
