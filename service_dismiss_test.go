package plaza_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/plazatest"
)

// TestDismissCommunityAtOnce dismisses a community of a few thousand
// members, channels, a thread, messages, mentions, pins and mutes: the
// moment the call returns its members see nothing of it (lists, unread
// totals, threads, users they shared only it with, their community limit),
// its rows are still there, and the Service's background work then removes
// them, in batches, and stops with it. Not parallel: it checks that Run
// leaves no goroutine behind.
func TestDismissCommunityAtOnce(t *testing.T) {
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) }) // after the env's own cleanups
	ctx := context.Background()
	spec := plaza.DefaultSpec()
	spec.CommunitiesPerUser = 2 // stored as is: below the range an operator may set
	spec.SendIntervalMillis = 0
	env := plazatest.New(t, plazatest.Options{Spec: &spec})
	svc := env.Service
	us := env.Users(t, "alice", "bob", "carol", "dave")
	alice, bob, carol, dave := us[0], us[1], us[2], us[3]

	must[plaza.CommunityInfoResult](t)(svc.CreateCommunity(ctx, alice, plaza.CreateCommunityRequest{CommunityID: "club"}))
	must[plaza.CommunityInfoResult](t)(svc.CreateCommunity(ctx, dave, plaza.CreateCommunityRequest{CommunityID: "other"}))
	for _, u := range []plaza.Actor{bob, carol} {
		must[plaza.CommunityInfoResult](t)(svc.JoinCommunity(ctx, u, plaza.CommunityRequest{CommunityID: "club"}))
	}
	must[plaza.CommunityInfoResult](t)(svc.JoinCommunity(ctx, bob, plaza.CommunityRequest{CommunityID: "other"}))
	must[plaza.ChannelInfoResult](t)(svc.CreateCommunityChannel(ctx, alice, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "talk"}))
	for _, c := range []struct {
		actor     plaza.Actor
		community string
	}{{alice, "club"}, {carol, "club"}, {dave, "other"}} {
		for _, ch := range []string{plaza.GeneralChannelID, "talk"} {
			if c.community == "other" && ch == "talk" {
				continue
			}
			must[plaza.MessageResult](t)(svc.SendMessage(ctx, c.actor, plaza.SendMessageRequest{CommunityID: c.community, ChannelID: ch,
				Message: plaza.MessageContent{Type: plaza.MessageText, Message: "hello @bob", MentionedUserIDs: []string{"bob"}}}))
		}
	}
	th := must[plaza.ThreadInfoResult](t)(svc.CreateCommunityThread(ctx, carol, plaza.CreateCommunityThreadRequest{
		CommunityID: "club", ChannelID: "talk", ThreadName: "plans"}))
	must[plaza.MessageResult](t)(svc.SendMessage(ctx, carol, plaza.SendMessageRequest{CommunityID: "club", ChannelID: th.ThreadInfo.ThreadID,
		Message: plaza.MessageContent{Type: plaza.MessageText, Message: "@bob?", MentionedUserIDs: []string{"bob"}}}))
	for _, c := range [][2]string{{"club", plaza.GeneralChannelID}, {"club", "talk"}, {"other", plaza.GeneralChannelID}} {
		must[plaza.ConversationResult](t)(svc.SetConversationNotificationStatus(ctx, bob, plaza.SetConversationNotificationStatusRequest{
			CommunityID: c[0], ChannelID: c[1], NotificationStatus: plaza.Notify}))
	}
	must[plaza.ConversationResult](t)(svc.PinConversation(ctx, bob, plaza.PinConversationRequest{CommunityID: "club", ChannelID: "talk", IsPinned: true}))
	must[plaza.MuteCommunityMembersResult](t)(svc.MuteCommunityMembers(ctx, alice, plaza.MuteCommunityMembersRequest{
		CommunityID: "club", UserIDs: []string{"bob"}, IsMute: true, Duration: -1}))
	club, err := env.Store.Community(ctx, env.App.AppID, "club")
	if err != nil {
		t.Fatal(err)
	}
	addMembersFrom(t, env, club, 0, 2_500)

	total := func() int64 {
		return must[plaza.TotalUnreadResult](t)(svc.QueryConversationTotalUnreadMessageCount(ctx, bob,
			plaza.QueryConversationTotalUnreadMessageCountRequest{})).TotalUnreadMessageCount
	}
	if n := total(); n < 3 {
		t.Fatalf("bob's total unread before the dismissal = %d, want club's too", n)
	}
	must[plaza.CommunityIDResult](t)(svc.DismissCommunity(ctx, alice, plaza.CommunityRequest{CommunityID: "club"}))

	// At once, with the rows still there.
	if got, err := env.Store.DismissedCommunities(ctx); err != nil || len(got) != 1 || got[0] != club.PK {
		t.Fatalf("DismissedCommunities right after the dismissal = %v, %v; want [%d]", got, err, club.PK)
	}
	list := must[plaza.QueryCommunityListResult](t)(svc.QueryCommunityList(ctx, bob, plaza.QueryCommunityListRequest{}))
	if len(list.CommunityList) != 1 || list.CommunityList[0].CommunityID != "other" {
		t.Errorf("bob's communities right after the dismissal: %+v, want only other", list.CommunityList)
	}
	conv := must[plaza.QueryConversationListResult](t)(svc.QueryConversationList(ctx, bob, plaza.QueryConversationListRequest{}))
	for _, c := range conv.ConversationList {
		if c.CommunityID != "other" {
			t.Errorf("bob's conversations right after the dismissal include %s/%s", c.CommunityID, c.ChannelID)
		}
	}
	if n := total(); n != 1 {
		t.Errorf("bob's total unread right after the dismissal = %d, want 1 (other's)", n)
	}
	threads := must[plaza.QueryJoinedCommunityThreadListResult](t)(svc.QueryJoinedCommunityThreadList(ctx, bob, plaza.QueryJoinedCommunityThreadListRequest{}))
	if len(threads.ThreadList) != 0 {
		t.Errorf("bob's followed threads right after the dismissal: %+v", threads.ThreadList)
	}
	users := must[plaza.QueryUsersInfoResult](t)(svc.QueryUsersInfo(ctx, bob, plaza.QueryUsersInfoRequest{UserIDs: []string{"carol", "dave"}}))
	if len(users.UserList) != 1 || users.UserList[0].UserID != "dave" {
		t.Errorf("users bob sees right after the dismissal: %+v, want only dave (carol shared only club)", users.UserList)
	}
	_, err = svc.QueryCommunityMemberList(ctx, bob, plaza.QueryCommunityMemberListRequest{CommunityID: "club"})
	wantCode(t, err, plaza.ECommunityNotFound)
	_, err = svc.SendMessage(ctx, carol, plaza.SendMessageRequest{CommunityID: "club", ChannelID: "talk",
		Message: plaza.MessageContent{Type: plaza.MessageText, Message: "anyone?"}})
	wantCode(t, err, plaza.ECommunityNotFound)
	// bob was in two communities, the limit: the dismissed one no longer counts.
	must[plaza.CommunityInfoResult](t)(svc.CreateCommunity(ctx, bob, plaza.CreateCommunityRequest{CommunityID: "bobs"}))
	_, err = svc.CreateCommunity(ctx, alice, plaza.CreateCommunityRequest{CommunityID: "club"})
	wantCode(t, err, plaza.ECommunityDismissed)

	// Then the background work removes the rows, and stops when told.
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- svc.Run(runCtx) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := env.Store.DismissedCommunities(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dismissed community's rows were not removed within 30 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if _, err := env.Store.Channel(ctx, club.PK, "talk"); err == nil {
		t.Errorf("a channel of the purged community is still there")
	}
	if ms, err := env.Store.MemberList(ctx, club.PK, plaza.Cursor{}, 10); err != nil || len(ms) != 0 {
		t.Errorf("MemberList of the purged community = %d members, %v", len(ms), err)
	}
	if n := total(); n != 1 {
		t.Errorf("bob's total unread after the purge = %d, want 1", n)
	}
}
