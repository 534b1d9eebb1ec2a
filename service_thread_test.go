package plaza_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/plazatest"
)

// threadEnv is a community "club" (owner, members "ann" and "bob", admin
// "adm") on a settable clock, with relaxed send limits and no tips.
func threadEnv(tb testing.TB, adjust func(*plaza.Spec)) (*plazatest.Env, plaza.Actor) {
	tb.Helper()
	spec := relaxed()
	spec.CommunityTips = false
	if adjust != nil {
		adjust(spec)
	}
	env := plazatest.New(tb, plazatest.Options{Spec: spec, Clock: plazatest.NewClock(time.UnixMilli(1_800_000_000_000))})
	owner := club(tb, env, "ann", "bob", "adm")
	if _, err := env.Service.UpdateCommunityMemberRole(context.Background(), owner, plaza.UpdateCommunityMemberRoleRequest{
		CommunityID: "club", ForUserID: "adm", MemberRole: plaza.RoleAdmin}); err != nil {
		tb.Fatal(err)
	}
	return env, owner
}

func createThread(tb testing.TB, env *plazatest.Env, a plaza.Actor, req plaza.CreateCommunityThreadRequest) plaza.Thread {
	tb.Helper()
	req.CommunityID = "club"
	if req.ChannelID == "" {
		req.ChannelID = plaza.GeneralChannelID
	}
	res, err := env.Service.CreateCommunityThread(context.Background(), a, req)
	if err != nil {
		tb.Fatalf("create thread: %v", err)
	}
	return res.ThreadInfo
}

func threadInfo(tb testing.TB, env *plazatest.Env, a plaza.Actor, id string) plaza.Thread {
	tb.Helper()
	res, err := env.Service.QueryCommunityThreadsInfo(context.Background(), a, plaza.QueryCommunityThreadsInfoRequest{CommunityID: "club", ThreadIDs: []string{id}})
	if err != nil {
		tb.Fatal(err)
	}
	if len(res.ThreadInfos) != 1 {
		tb.Fatalf("thread %s: errorThreadIDs %v", id, res.ErrorThreadIDs)
	}
	return res.ThreadInfos[0]
}

func memberIDs(tb testing.TB, env *plazatest.Env, a plaza.Actor, id string) []string {
	tb.Helper()
	res, err := env.Service.QueryCommunityThreadMemberList(context.Background(), a, plaza.QueryCommunityThreadMemberListRequest{CommunityID: "club", ThreadID: id})
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, m := range res.MemberList {
		out = append(out, m.UserID)
	}
	slices.Sort(out)
	return out
}

func conversationOf(tb testing.TB, env *plazatest.Env, a plaza.Actor, channelID string) (plaza.ChannelConversation, bool) {
	tb.Helper()
	res, err := env.Service.QueryConversationList(context.Background(), a, plaza.QueryConversationListRequest{})
	if err != nil {
		tb.Fatal(err)
	}
	for _, c := range res.ConversationList {
		if c.ChannelID == channelID {
			return c, true
		}
	}
	return plaza.ChannelConversation{}, false
}

func communityEntry(tb testing.TB, env *plazatest.Env, a plaza.Actor) plaza.Community {
	tb.Helper()
	res, err := env.Service.QueryCommunityList(context.Background(), a, plaza.QueryCommunityListRequest{})
	if err != nil {
		tb.Fatal(err)
	}
	for _, c := range res.CommunityList {
		if c.CommunityID == "club" {
			return c
		}
	}
	tb.Fatal("club is not in the community list")
	return plaza.Community{}
}

func totalUnread(tb testing.TB, env *plazatest.Env, a plaza.Actor) int64 {
	tb.Helper()
	return must[plaza.TotalUnreadResult](tb)(env.Service.QueryConversationTotalUnreadMessageCount(context.Background(), a, plaza.QueryConversationTotalUnreadMessageCountRequest{})).TotalUnreadMessageCount
}

func TestThreadFromMessage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env, owner := threadEnv(t, nil)
	svc := env.Service
	ann, bob := env.Actor("ann"), env.Actor("bob")
	root := sendText(t, env, ann, plaza.GeneralChannelID, "  Where shall\nwe   hike next?  ")
	parentSeq := root.MessageSeq

	th := createThread(t, env, bob, plaza.CreateCommunityThreadRequest{RootMessageSeq: root.MessageSeq})
	if !strings.HasPrefix(th.ThreadID, "#T") || th.ChannelID != th.ThreadID || th.ChannelType != plaza.ChannelThread ||
		th.ParentChannelID != plaza.GeneralChannelID || th.ThreadName != "Where shall we hike next?" || th.RootMessageSeq != root.MessageSeq ||
		th.CreatorUserID != "bob" || th.IsPrivate || th.IsArchived || th.IsLocked || !th.Invitable || th.AutoArchiveDuration != 1440 ||
		th.MemberCount != 2 || th.MessageCount != 0 {
		t.Fatalf("created %+v", th)
	}
	// The creator and the root's sender follow it.
	if got := memberIDs(t, env, owner, th.ThreadID); fmt.Sprint(got) != "[ann bob]" {
		t.Fatalf("members %v", got)
	}
	// One thread per message.
	_, err := svc.CreateCommunityThread(ctx, owner, plaza.CreateCommunityThreadRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, RootMessageSeq: root.MessageSeq})
	wantCode(t, err, plaza.EThreadExists)
	if !strings.Contains(err.Error(), th.ThreadID) {
		t.Fatalf("%v does not name the existing thread", err)
	}
	// No nesting.
	_, err = svc.CreateCommunityThread(ctx, owner, plaza.CreateCommunityThreadRequest{CommunityID: "club", ChannelID: th.ThreadID, ThreadName: "deeper"})
	wantCode(t, err, plaza.EThreadNesting)

	// Every message operation works in the thread, with its own seqs.
	m1 := sendText(t, env, ann, th.ThreadID, "the ridge")
	m2 := sendText(t, env, bob, th.ThreadID, "the lake")
	if m1.MessageSeq != 1 || m2.MessageSeq != 2 || m1.ChannelID != th.ThreadID {
		t.Fatalf("thread seqs %d %d in %s", m1.MessageSeq, m2.MessageSeq, m1.ChannelID)
	}
	must[plaza.MessageResult](t)(svc.ReplyMessage(ctx, bob, plaza.ReplyMessageRequest{CommunityID: "club", ChannelID: th.ThreadID, ToMessageSeq: 1, Message: text("agreed")}))
	must[plaza.MessageReactionResult](t)(svc.AddMessageReaction(ctx, ann, plaza.MessageReactionRequest{CommunityID: "club", ChannelID: th.ThreadID, MessageSeq: 2, ReactionType: "+1"}))
	must[plaza.MessageResult](t)(svc.EditMessage(ctx, ann, plaza.EditMessageRequest{CommunityID: "club", ChannelID: th.ThreadID, MessageSeq: 1, Message: text("the north ridge")}))
	must[plaza.MessageResult](t)(svc.RevokeMessage(ctx, bob, plaza.MessageRequest{CommunityID: "club", ChannelID: th.ThreadID, MessageSeq: 3}))
	h := history(t, env, ann, th.ThreadID, plaza.QueryHistoryMessageRequest{})
	if fmt.Sprint(seqsOf(h.MessageList)) != "[1 2 3]" || h.MessageList[0].Message != "the north ridge" || h.MessageList[2].Type != plaza.MessageRevoked {
		t.Fatalf("thread history %+v", h.MessageList)
	}

	// The parent is untouched: no new seq, no reply count; its root message
	// carries the thread's summary, computed when read.
	ph := history(t, env, owner, plaza.GeneralChannelID, plaza.QueryHistoryMessageRequest{})
	last := ph.MessageList[len(ph.MessageList)-1]
	if last.MessageSeq != parentSeq || last.RootRepliedCount != 0 {
		t.Fatalf("parent changed: last %+v", last)
	}
	ti := last.ThreadInfo
	if ti == nil || ti.ThreadID != th.ThreadID || ti.MessageCount != 3 || ti.ThreadName != th.ThreadName || ti.IsArchived || ti.LastMessageTime == 0 {
		t.Fatalf("root threadInfo %+v", ti)
	}

	// Threads are not channels: not in the channel list, and channel
	// management refuses them, naming the thread operation.
	chans := must[plaza.QueryCommunityChannelListResult](t)(svc.QueryCommunityChannelList(ctx, owner, plaza.QueryCommunityChannelListRequest{CommunityID: "club"}))
	for _, c := range chans.ChannelList {
		if c.ChannelID == th.ThreadID {
			t.Fatal("a thread is in the channel list")
		}
	}
	refusals := map[string]error{}
	_, refusals["rename"] = svc.UpdateCommunityChannelName(ctx, owner, plaza.UpdateCommunityChannelNameRequest{CommunityID: "club", ChannelID: th.ThreadID, ChannelName: "x"})
	_, refusals["notice"] = svc.UpdateCommunityChannelNotice(ctx, owner, plaza.UpdateCommunityChannelNoticeRequest{CommunityID: "club", ChannelID: th.ThreadID, ChannelNotice: "x"})
	_, refusals["attributes"] = svc.SetCommunityChannelAttributes(ctx, owner, plaza.SetCommunityChannelAttributesRequest{CommunityID: "club", ChannelID: th.ThreadID, ChannelAttributes: map[string]string{"a": "b"}})
	_, refusals["members"] = svc.AddCommunityChannelMembers(ctx, owner, plaza.ChannelMembersRequest{CommunityID: "club", ChannelID: th.ThreadID, UserIDs: []string{"ann"}})
	_, refusals["mute"] = svc.MuteCommunityChannels(ctx, owner, plaza.MuteCommunityChannelsRequest{CommunityID: "club", ChannelIDs: []string{th.ThreadID}, IsMute: true, Mode: plaza.MuteAll, Duration: -1})
	_, refusals["dismiss"] = svc.DismissCommunityChannel(ctx, owner, plaza.ChannelRequest{CommunityID: "club", ChannelID: th.ThreadID})
	for what, err := range refusals {
		wantCode(t, err, plaza.EInvalidArgument)
		if !strings.Contains(strings.ToLower(err.Error()), "thread") {
			t.Errorf("%s: %v does not name the thread operation", what, err)
		}
	}
	// ... and thread operations refuse channels.
	_, err = svc.JoinCommunityThread(ctx, ann, plaza.ThreadRequest{CommunityID: "club", ThreadID: plaza.GeneralChannelID})
	wantCode(t, err, plaza.EInvalidArgument)
}

func TestThreadStandaloneAndValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env, owner := threadEnv(t, nil)
	svc := env.Service
	ann := env.Actor("ann")
	th := createThread(t, env, ann, plaza.CreateCommunityThreadRequest{ThreadID: "plans", ThreadName: "Plans", AutoArchiveDuration: 60})
	if th.ThreadID != "plans" || th.RootMessageSeq != 0 || th.AutoArchiveDuration != 60 || th.MemberCount != 1 {
		t.Fatalf("standalone %+v", th)
	}
	before := env.Snapshot(t)
	for _, tc := range []struct {
		req  plaza.CreateCommunityThreadRequest
		code plaza.Code
		fld  string
	}{
		{plaza.CreateCommunityThreadRequest{}, plaza.EInvalidArgument, "threadName"},
		{plaza.CreateCommunityThreadRequest{ThreadName: strings.Repeat("n", 101)}, plaza.EInvalidArgument, "threadName"},
		{plaza.CreateCommunityThreadRequest{ThreadName: "   "}, plaza.EInvalidArgument, "threadName"},
		{plaza.CreateCommunityThreadRequest{ThreadName: "a\x00b"}, plaza.EInvalidArgument, "threadName"},
		{plaza.CreateCommunityThreadRequest{ThreadName: "x", AutoArchiveDuration: 30}, plaza.EInvalidArgument, "autoArchiveDuration"},
		{plaza.CreateCommunityThreadRequest{ThreadName: "x", ThreadID: "#x"}, plaza.EInvalidArgument, "threadID"},
		{plaza.CreateCommunityThreadRequest{ThreadName: "x", ThreadID: "plans"}, plaza.EChannelExists, "threadID"},
		{plaza.CreateCommunityThreadRequest{ThreadName: "x", ThreadID: plaza.GeneralChannelID}, plaza.EInvalidArgument, "threadID"},
		{plaza.CreateCommunityThreadRequest{ThreadName: "x", RootMessageSeq: 99}, plaza.EMessageNotFound, "rootMessageSeq"},
		{plaza.CreateCommunityThreadRequest{ThreadName: "x", ChannelID: "nope"}, plaza.EChannelNotFound, "channelID"},
	} {
		req := tc.req
		req.CommunityID = "club"
		if req.ChannelID == "" {
			req.ChannelID = plaza.GeneralChannelID
		}
		_, err := svc.CreateCommunityThread(ctx, ann, req)
		wantCode(t, err, tc.code)
		if pe := plaza.AsError(err); pe.Field != tc.fld {
			t.Errorf("%+v: field %q, want %q (%v)", tc.req, pe.Field, tc.fld, err)
		}
	}
	// A refused create changes nothing.
	if after := env.Snapshot(t); after != before {
		t.Fatal("a refused create changed the store")
	}
	// Renaming and the auto-archive duration: the creator, owner, admins.
	bob := env.Actor("bob")
	_, err := svc.UpdateCommunityThreadName(ctx, bob, plaza.UpdateCommunityThreadNameRequest{CommunityID: "club", ThreadID: "plans", ThreadName: "Mine"})
	wantCode(t, err, plaza.EPermissionDenied)
	r := must[plaza.ThreadInfoResult](t)(svc.UpdateCommunityThreadName(ctx, ann, plaza.UpdateCommunityThreadNameRequest{CommunityID: "club", ThreadID: "plans", ThreadName: "Summer plans"}))
	if r.ThreadInfo.ThreadName != "Summer plans" {
		t.Fatalf("renamed %+v", r.ThreadInfo)
	}
	_, err = svc.UpdateCommunityThreadAutoArchiveDuration(ctx, owner, plaza.UpdateCommunityThreadAutoArchiveDurationRequest{CommunityID: "club", ThreadID: "plans", AutoArchiveDuration: 61})
	wantCode(t, err, plaza.EInvalidArgument)
	r = must[plaza.ThreadInfoResult](t)(svc.UpdateCommunityThreadAutoArchiveDuration(ctx, owner, plaza.UpdateCommunityThreadAutoArchiveDurationRequest{CommunityID: "club", ThreadID: "plans", AutoArchiveDuration: 10080}))
	if r.ThreadInfo.AutoArchiveDuration != 10080 || r.ThreadInfo.ArchiveTime != th.CreateTime+10080*60_000 {
		t.Fatalf("duration %+v", r.ThreadInfo)
	}
}

func TestThreadFollowAndUnread(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env, owner := threadEnv(t, nil)
	svc := env.Service
	ann, bob, adm := env.Actor("ann"), env.Actor("bob"), env.Actor("adm")
	th := createThread(t, env, ann, plaza.CreateCommunityThreadRequest{ThreadName: "Gear"})
	id := th.ThreadID
	// The community starts in notify; bob follows nothing yet.
	baseBob := totalUnread(t, env, bob)
	if _, ok := conversationOf(t, env, bob, id); ok {
		t.Fatal("a user who does not follow a thread has its conversation")
	}
	_, err := svc.ClearConversationUnreadMessageCount(ctx, bob, plaza.ClearConversationUnreadMessageCountRequest{CommunityID: "club", ChannelID: id})
	wantCode(t, err, plaza.ENotThreadMember)
	_, err = svc.LeaveCommunityThread(ctx, bob, plaza.ThreadRequest{CommunityID: "club", ThreadID: id})
	wantCode(t, err, plaza.ENotThreadMember)

	// Sending makes bob follow; ann's unread grows in the thread only.
	sendText(t, env, bob, id, "boots?")
	sendText(t, env, bob, id, "poles?")
	if got := memberIDs(t, env, owner, id); fmt.Sprint(got) != "[ann bob]" {
		t.Fatalf("members %v", got)
	}
	c, ok := conversationOf(t, env, ann, id)
	if !ok || c.ChannelType != plaza.ChannelThread || c.ParentChannelID != plaza.GeneralChannelID || c.UnreadMessageCount != 2 ||
		c.NotificationStatus != plaza.Notify || c.ChannelName != "Gear" {
		t.Fatalf("ann's thread conversation %+v (found %v)", c, ok)
	}
	if g, _ := conversationOf(t, env, ann, plaza.GeneralChannelID); g.UnreadMessageCount != 0 {
		t.Fatalf("the parent's unread moved: %+v", g)
	}
	e := communityEntry(t, env, ann)
	if e.ThreadTotalUnreadMessageCount != 2 || e.TotalUnreadMessageCount != 0 || e.ThreadTotalUnreadMentionCount != 0 {
		t.Fatalf("ann's community entry %+v", e)
	}
	if got := totalUnread(t, env, ann); got != 2 {
		t.Fatalf("ann's total %d, want 2 (the followed thread)", got)
	}
	if got := totalUnread(t, env, bob); got != baseBob {
		t.Fatalf("bob's own messages count as unread: %d", got)
	}

	// A mention makes the admin follow, with the mention unread.
	must[plaza.MessageResult](t)(svc.SendMessage(ctx, bob, plaza.SendMessageRequest{CommunityID: "club", ChannelID: id,
		Message: plaza.MessageContent{Type: plaza.MessageText, Message: "@adm ok?", MentionedUserIDs: []string{"adm"}}}))
	c, ok = conversationOf(t, env, adm, id)
	if !ok || c.UnreadMessageCount != 1 || len(c.MentionedInfoList) != 1 {
		t.Fatalf("adm's conversation %+v (found %v)", c, ok)
	}
	if e := communityEntry(t, env, adm); e.ThreadTotalUnreadMentionCount != 1 || e.ThreadTotalUnreadMessageCount != 1 {
		t.Fatalf("adm's community entry %+v", e)
	}
	joined := must[plaza.QueryJoinedCommunityThreadListResult](t)(svc.QueryJoinedCommunityThreadList(ctx, adm, plaza.QueryJoinedCommunityThreadListRequest{}))
	if len(joined.ThreadList) != 1 || joined.ThreadList[0].ThreadID != id || joined.ThreadList[0].UnreadMessageCount != 1 || len(joined.ThreadList[0].MentionedInfoList) != 1 {
		t.Fatalf("adm's followed threads %+v", joined)
	}

	// Do-not-disturb takes the thread out of the totals; clearing reads it.
	must[plaza.ConversationResult](t)(svc.SetConversationNotificationStatus(ctx, ann, plaza.SetConversationNotificationStatusRequest{CommunityID: "club", ChannelID: id, NotificationStatus: plaza.DoNotDisturb}))
	if got := totalUnread(t, env, ann); got != 0 {
		t.Fatalf("a thread in do-not-disturb counts: %d", got)
	}
	must[plaza.ConversationResult](t)(svc.SetConversationNotificationStatus(ctx, ann, plaza.SetConversationNotificationStatusRequest{CommunityID: "club", ChannelID: id, NotificationStatus: plaza.Notify}))
	must[plaza.ConversationResult](t)(svc.ClearConversationUnreadMessageCount(ctx, ann, plaza.ClearConversationUnreadMessageCountRequest{CommunityID: "club", ChannelID: id}))
	if got := totalUnread(t, env, ann); got != 0 {
		t.Fatalf("total after clearing %d", got)
	}
	must[plaza.ConversationResult](t)(svc.SetConversationDraft(ctx, ann, plaza.SetConversationDraftRequest{CommunityID: "club", ChannelID: id, Draft: "maybe"}))
	must[plaza.ConversationResult](t)(svc.PinConversation(ctx, ann, plaza.PinConversationRequest{CommunityID: "club", ChannelID: id, IsPinned: true}))
	if c, _ := conversationOf(t, env, ann, id); c.Draft != "maybe" || !c.IsPinned {
		t.Fatalf("draft and pin %+v", c)
	}

	// Leaving drops the conversation; a mention brings the user back.
	must[plaza.ThreadIDResult](t)(svc.LeaveCommunityThread(ctx, ann, plaza.ThreadRequest{CommunityID: "club", ThreadID: id}))
	if _, ok := conversationOf(t, env, ann, id); ok {
		t.Fatal("a thread left is still a conversation")
	}
	sendText(t, env, bob, id, "without ann")
	if got := totalUnread(t, env, ann); got != 0 {
		t.Fatalf("a thread left counts: %d", got)
	}
	must[plaza.MessageResult](t)(svc.SendMessage(ctx, bob, plaza.SendMessageRequest{CommunityID: "club", ChannelID: id,
		Message: plaza.MessageContent{Type: plaza.MessageText, Message: "@ann back", MentionedUserIDs: []string{"ann"}}}))
	if c, ok := conversationOf(t, env, ann, id); !ok || c.UnreadMessageCount != 1 {
		t.Fatalf("ann after the mention %+v (found %v)", c, ok)
	}
	// Joining by hand, and the errors around it.
	must[plaza.ThreadIDResult](t)(svc.JoinCommunityThread(ctx, owner, plaza.ThreadRequest{CommunityID: "club", ThreadID: id}))
	_, err = svc.JoinCommunityThread(ctx, owner, plaza.ThreadRequest{CommunityID: "club", ThreadID: id})
	wantCode(t, err, plaza.EAlreadyInThread)
	if c, ok := conversationOf(t, env, owner, id); !ok || c.UnreadMessageCount != 0 {
		t.Fatalf("a user who joins starts with nothing unread: %+v", c)
	}
	if got := threadInfo(t, env, owner, id).MemberCount; got != 4 {
		t.Fatalf("member count %d, want 4", got)
	}
}

func TestThreadInviteAndKick(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env, owner := threadEnv(t, func(s *plaza.Spec) { s.PrivateThreadMembersMax = 3 })
	svc := env.Service
	ann, bob, adm := env.Actor("ann"), env.Actor("bob"), env.Actor("adm")
	env.Users(t, "stranger")
	pub := createThread(t, env, ann, plaza.CreateCommunityThreadRequest{ThreadName: "Public"})

	// A member of a thread invites; who does not follow it may not.
	_, err := svc.InviteUsersIntoCommunityThread(ctx, bob, plaza.ThreadUsersRequest{CommunityID: "club", ThreadID: pub.ThreadID, UserIDs: []string{"adm"}})
	wantCode(t, err, plaza.ENotThreadMember)
	res := must[plaza.ThreadUsersResult](t)(svc.InviteUsersIntoCommunityThread(ctx, ann, plaza.ThreadUsersRequest{CommunityID: "club", ThreadID: pub.ThreadID, UserIDs: []string{"bob", "stranger", "ann"}}))
	if len(res.ErrorUserList) != 2 || res.ErrorUserList[0].Code != plaza.ENotMember || res.ErrorUserList[1].Code != plaza.EAlreadyInThread {
		t.Fatalf("invite errors %+v", res.ErrorUserList)
	}
	_, err = svc.InviteUsersIntoCommunityThread(ctx, ann, plaza.ThreadUsersRequest{CommunityID: "club", ThreadID: pub.ThreadID, UserIDs: make([]string, 101)})
	wantCode(t, err, plaza.EInvalidArgument)
	// Kicks: owner and admins.
	_, err = svc.KickCommunityThreadMembers(ctx, ann, plaza.ThreadUsersRequest{CommunityID: "club", ThreadID: pub.ThreadID, UserIDs: []string{"bob"}})
	wantCode(t, err, plaza.EPermissionDenied)
	must[plaza.ThreadUsersResult](t)(svc.KickCommunityThreadMembers(ctx, adm, plaza.ThreadUsersRequest{CommunityID: "club", ThreadID: pub.ThreadID, UserIDs: []string{"bob"}}))
	if got := memberIDs(t, env, owner, pub.ThreadID); fmt.Sprint(got) != "[ann]" {
		t.Fatalf("members after the kick %v", got)
	}

	// A private thread: members, the owner and admins see it; only they.
	priv := createThread(t, env, ann, plaza.CreateCommunityThreadRequest{ThreadName: "Secret", IsPrivate: true, Invitable: new(false)})
	_, err = svc.QueryHistoryMessage(ctx, bob, plaza.QueryHistoryMessageRequest{CommunityID: "club", ChannelID: priv.ThreadID})
	wantCode(t, err, plaza.EPermissionDenied)
	_, err = svc.JoinCommunityThread(ctx, bob, plaza.ThreadRequest{CommunityID: "club", ThreadID: priv.ThreadID})
	wantCode(t, err, plaza.EPermissionDenied)
	info := must[plaza.QueryCommunityThreadsInfoResult](t)(svc.QueryCommunityThreadsInfo(ctx, bob, plaza.QueryCommunityThreadsInfoRequest{CommunityID: "club", ThreadIDs: []string{priv.ThreadID, pub.ThreadID}}))
	if len(info.ThreadInfos) != 1 || fmt.Sprint(info.ErrorThreadIDs) != fmt.Sprintf("[%s]", priv.ThreadID) {
		t.Fatalf("bob's view %+v", info)
	}
	history(t, env, adm, priv.ThreadID, plaza.QueryHistoryMessageRequest{}) // an admin sees it
	list := must[plaza.QueryCommunityThreadListResult](t)(svc.QueryCommunityThreadList(ctx, bob, plaza.QueryCommunityThreadListRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID}))
	if len(list.ThreadList) != 1 || list.ThreadList[0].ThreadID != pub.ThreadID {
		t.Fatalf("bob's thread list %+v", list.ThreadList)
	}
	// Not invitable: only its creator, the owner and admins invite; mentions
	// by others bring nobody in.
	must[plaza.ThreadUsersResult](t)(svc.InviteUsersIntoCommunityThread(ctx, ann, plaza.ThreadUsersRequest{CommunityID: "club", ThreadID: priv.ThreadID, UserIDs: []string{"bob"}}))
	_, err = svc.InviteUsersIntoCommunityThread(ctx, bob, plaza.ThreadUsersRequest{CommunityID: "club", ThreadID: priv.ThreadID, UserIDs: []string{"adm"}})
	wantCode(t, err, plaza.EPermissionDenied)
	must[plaza.MessageResult](t)(svc.SendMessage(ctx, bob, plaza.SendMessageRequest{CommunityID: "club", ChannelID: priv.ThreadID,
		Message: plaza.MessageContent{Type: plaza.MessageText, Message: "@adm", MentionedUserIDs: []string{"adm"}}}))
	if got := memberIDs(t, env, owner, priv.ThreadID); fmt.Sprint(got) != "[ann bob]" {
		t.Fatalf("private members %v", got)
	}
	// The private member limit (3 here).
	must[plaza.ThreadUsersResult](t)(svc.InviteUsersIntoCommunityThread(ctx, owner, plaza.ThreadUsersRequest{CommunityID: "club", ThreadID: priv.ThreadID, UserIDs: []string{"adm"}}))
	_, err = svc.InviteUsersIntoCommunityThread(ctx, owner, plaza.ThreadUsersRequest{CommunityID: "club", ThreadID: priv.ThreadID, UserIDs: []string{"owner"}})
	wantCode(t, err, plaza.EThreadMemberLimit)
	// Kicked from a private thread, bob no longer sees it.
	must[plaza.ThreadUsersResult](t)(svc.KickCommunityThreadMembers(ctx, owner, plaza.ThreadUsersRequest{CommunityID: "club", ThreadID: priv.ThreadID, UserIDs: []string{"bob"}}))
	_, err = svc.QueryHistoryMessage(ctx, bob, plaza.QueryHistoryMessageRequest{CommunityID: "club", ChannelID: priv.ThreadID})
	wantCode(t, err, plaza.EPermissionDenied)
}

func TestThreadVisibilityFollowsParent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env, owner := threadEnv(t, nil)
	svc := env.Service
	ann, bob := env.Actor("ann"), env.Actor("bob")
	must[plaza.ChannelInfoResult](t)(svc.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "inner", ChannelType: new(plaza.ChannelPrivate)}))
	must[plaza.ChannelMembersResult](t)(svc.AddCommunityChannelMembers(ctx, owner, plaza.ChannelMembersRequest{CommunityID: "club", ChannelID: "inner", UserIDs: []string{"ann"}}))
	th := createThread(t, env, ann, plaza.CreateCommunityThreadRequest{ChannelID: "inner", ThreadName: "Inner talk"})
	sendText(t, env, owner, th.ThreadID, "hello")
	// bob does not see the private parent, so not its public thread either.
	_, err := svc.QueryHistoryMessage(ctx, bob, plaza.QueryHistoryMessageRequest{CommunityID: "club", ChannelID: th.ThreadID})
	wantCode(t, err, plaza.EPermissionDenied)
	_, err = svc.JoinCommunityThread(ctx, bob, plaza.ThreadRequest{CommunityID: "club", ThreadID: th.ThreadID})
	wantCode(t, err, plaza.EPermissionDenied)
	if c, ok := conversationOf(t, env, ann, th.ThreadID); !ok || c.UnreadMessageCount != 1 {
		t.Fatalf("ann's thread %+v", c)
	}
	// Removed from the parent, ann loses its threads at once.
	must[plaza.ChannelMembersResult](t)(svc.RemoveCommunityChannelMembers(ctx, owner, plaza.ChannelMembersRequest{CommunityID: "club", ChannelID: "inner", UserIDs: []string{"ann"}}))
	if _, ok := conversationOf(t, env, ann, th.ThreadID); ok {
		t.Fatal("a user removed from the private parent still has its thread")
	}
	if e := communityEntry(t, env, ann); e.ThreadTotalUnreadMessageCount != 0 {
		t.Fatalf("ann's thread unread %+v", e)
	}
	_, err = svc.QueryHistoryMessage(ctx, ann, plaza.QueryHistoryMessageRequest{CommunityID: "club", ChannelID: th.ThreadID})
	wantCode(t, err, plaza.EPermissionDenied)

	// A kicked member loses every thread of the community.
	pub := createThread(t, env, bob, plaza.CreateCommunityThreadRequest{ThreadName: "Open"})
	must[plaza.ErrorUserListResult](t)(svc.KickCommunityMembers(ctx, owner, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"bob"}}))
	if got := threadInfo(t, env, owner, pub.ThreadID).MemberCount; got != 0 {
		t.Fatalf("member count after the kick %d", got)
	}
	joined := must[plaza.QueryJoinedCommunityThreadListResult](t)(svc.QueryJoinedCommunityThreadList(ctx, bob, plaza.QueryJoinedCommunityThreadListRequest{}))
	if len(joined.ThreadList) != 0 {
		t.Fatalf("a kicked member still follows %+v", joined.ThreadList)
	}
}

func TestThreadMutesOfTheParentApply(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env, owner := threadEnv(t, nil)
	svc := env.Service
	ann := env.Actor("ann")
	th := createThread(t, env, ann, plaza.CreateCommunityThreadRequest{ThreadName: "Talk"})
	send := func() error {
		_, err := svc.SendMessage(ctx, ann, plaza.SendMessageRequest{CommunityID: "club", ChannelID: th.ThreadID, Message: text("hi")})
		return err
	}
	must[plaza.MuteCommunityChannelsResult](t)(svc.MuteCommunityChannels(ctx, owner, plaza.MuteCommunityChannelsRequest{CommunityID: "club", ChannelIDs: []string{plaza.GeneralChannelID}, IsMute: true, Mode: plaza.MuteNormal, Duration: -1}))
	wantCode(t, send(), plaza.EChannelMuted)
	_, err0 := svc.SendMessage(ctx, ann, plaza.SendMessageRequest{CommunityID: "club", ChannelID: th.ThreadID, Message: plaza.MessageContent{Type: plaza.MessageCommand, Message: "typing"}})
	wantCode(t, err0, plaza.EChannelMuted)
	if c, _ := conversationOf(t, env, ann, th.ThreadID); c.SelfMutedExpiredTime != -1 {
		t.Fatalf("ann's thread conversation does not show the parent's mute: %+v", c)
	}
	_, err := svc.CreateCommunityThread(ctx, ann, plaza.CreateCommunityThreadRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, ThreadName: "x"})
	wantCode(t, err, plaza.EChannelMuted)
	must[plaza.MuteCommunityChannelsResult](t)(svc.MuteCommunityChannels(ctx, owner, plaza.MuteCommunityChannelsRequest{CommunityID: "club", ChannelIDs: []string{plaza.GeneralChannelID}, IsMute: false}))
	must[plaza.MuteCommunityMembersResult](t)(svc.MuteCommunityMembers(ctx, owner, plaza.MuteCommunityMembersRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, UserIDs: []string{"ann"}, IsMute: true, Duration: -1}))
	wantCode(t, send(), plaza.EMemberMuted)
	must[plaza.MuteCommunityMembersResult](t)(svc.MuteCommunityMembers(ctx, owner, plaza.MuteCommunityMembersRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, UserIDs: []string{"ann"}, IsMute: false}))
	must[plaza.MuteCommunityResult](t)(svc.MuteCommunity(ctx, owner, plaza.MuteCommunityRequest{CommunityID: "club", IsMute: true, Mode: plaza.MuteAll, Duration: -1}))
	wantCode(t, send(), plaza.ECommunityMuted)
	must[plaza.MuteCommunityResult](t)(svc.MuteCommunity(ctx, owner, plaza.MuteCommunityRequest{CommunityID: "club", IsMute: false}))
	if err := send(); err != nil {
		t.Fatal(err)
	}
	_, err = svc.MuteCommunityMembers(ctx, owner, plaza.MuteCommunityMembersRequest{CommunityID: "club", ChannelID: th.ThreadID, UserIDs: []string{"ann"}, IsMute: true, Duration: -1})
	wantCode(t, err, plaza.EInvalidArgument)
}

func TestThreadArchiveAndLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env, owner := threadEnv(t, nil)
	svc := env.Service
	ann, bob := env.Actor("ann"), env.Actor("bob")
	th := createThread(t, env, ann, plaza.CreateCommunityThreadRequest{ThreadName: "Trip", AutoArchiveDuration: 60})
	m := sendText(t, env, bob, th.ThreadID, "first")

	// An hour without a message archives it: derived when read.
	env.Clock.Advance(61 * time.Minute)
	info := threadInfo(t, env, ann, th.ThreadID)
	if !info.IsArchived || info.ArchiveTime != m.Timestamp+60*60_000 {
		t.Fatalf("after an hour %+v", info)
	}
	active := must[plaza.QueryCommunityThreadListResult](t)(svc.QueryCommunityThreadList(ctx, ann, plaza.QueryCommunityThreadListRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID}))
	archived := must[plaza.QueryCommunityThreadListResult](t)(svc.QueryCommunityThreadList(ctx, ann, plaza.QueryCommunityThreadListRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, Filter: plaza.ThreadsArchived}))
	if len(active.ThreadList) != 0 || len(archived.ThreadList) != 1 {
		t.Fatalf("active %d, archived %d", len(active.ThreadList), len(archived.ThreadList))
	}
	_, err := svc.QueryCommunityThreadList(ctx, ann, plaza.QueryCommunityThreadListRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, Filter: "old"})
	wantCode(t, err, plaza.EInvalidArgument)
	// Archived: reads, unread clearing and revoke pass; other writes do not.
	history(t, env, ann, th.ThreadID, plaza.QueryHistoryMessageRequest{})
	must[plaza.ConversationResult](t)(svc.ClearConversationUnreadMessageCount(ctx, ann, plaza.ClearConversationUnreadMessageCountRequest{CommunityID: "club", ChannelID: th.ThreadID}))
	_, err = svc.AddMessageReaction(ctx, ann, plaza.MessageReactionRequest{CommunityID: "club", ChannelID: th.ThreadID, MessageSeq: 1, ReactionType: "x"})
	wantCode(t, err, plaza.EThreadArchived)
	_, err = svc.EditMessage(ctx, bob, plaza.EditMessageRequest{CommunityID: "club", ChannelID: th.ThreadID, MessageSeq: 1, Message: text("edited")})
	wantCode(t, err, plaza.EThreadArchived)
	_, err = svc.UpdateCommunityThreadName(ctx, ann, plaza.UpdateCommunityThreadNameRequest{CommunityID: "club", ThreadID: th.ThreadID, ThreadName: "x"})
	wantCode(t, err, plaza.EThreadArchived)
	_, err = svc.JoinCommunityThread(ctx, owner, plaza.ThreadRequest{CommunityID: "club", ThreadID: th.ThreadID})
	wantCode(t, err, plaza.EThreadArchived)
	_, err = svc.SendMessage(ctx, bob, plaza.SendMessageRequest{CommunityID: "club", ChannelID: th.ThreadID, Message: plaza.MessageContent{Type: plaza.MessageCommand, Message: "typing"}})
	wantCode(t, err, plaza.EThreadArchived) // a command, not stored, does not unarchive
	must[plaza.MessageResult](t)(svc.RevokeMessage(ctx, owner, plaza.MessageRequest{CommunityID: "club", ChannelID: th.ThreadID, MessageSeq: 1}))
	// A message unarchives it.
	sendText(t, env, bob, th.ThreadID, "again")
	if threadInfo(t, env, ann, th.ThreadID).IsArchived {
		t.Fatal("a message did not unarchive the thread")
	}

	// Archive by hand: the creator, owner and admins.
	_, err = svc.UpdateCommunityThreadArchivedState(ctx, bob, plaza.UpdateCommunityThreadArchivedStateRequest{CommunityID: "club", ThreadID: th.ThreadID, IsArchived: new(true)})
	wantCode(t, err, plaza.EPermissionDenied)
	r := must[plaza.ThreadInfoResult](t)(svc.UpdateCommunityThreadArchivedState(ctx, ann, plaza.UpdateCommunityThreadArchivedStateRequest{CommunityID: "club", ThreadID: th.ThreadID, IsArchived: new(true)}))
	if !r.ThreadInfo.IsArchived {
		t.Fatalf("archived by hand %+v", r.ThreadInfo)
	}
	r = must[plaza.ThreadInfoResult](t)(svc.UpdateCommunityThreadArchivedState(ctx, ann, plaza.UpdateCommunityThreadArchivedStateRequest{CommunityID: "club", ThreadID: th.ThreadID, IsArchived: new(false)}))
	if r.ThreadInfo.IsArchived {
		t.Fatalf("unarchived by hand %+v", r.ThreadInfo)
	}

	// Locked: messages, unarchiving and renaming from the owner and admins
	// only; locking itself too.
	_, err = svc.UpdateCommunityThreadLockedState(ctx, ann, plaza.UpdateCommunityThreadLockedStateRequest{CommunityID: "club", ThreadID: th.ThreadID, IsLocked: new(true)})
	wantCode(t, err, plaza.EPermissionDenied)
	must[plaza.ThreadInfoResult](t)(svc.UpdateCommunityThreadLockedState(ctx, env.Actor("adm"), plaza.UpdateCommunityThreadLockedStateRequest{CommunityID: "club", ThreadID: th.ThreadID, IsLocked: new(true)}))
	_, err = svc.SendMessage(ctx, bob, plaza.SendMessageRequest{CommunityID: "club", ChannelID: th.ThreadID, Message: text("locked out")})
	wantCode(t, err, plaza.EThreadLocked)
	_, err = svc.UpdateCommunityThreadName(ctx, ann, plaza.UpdateCommunityThreadNameRequest{CommunityID: "club", ThreadID: th.ThreadID, ThreadName: "Mine"})
	wantCode(t, err, plaza.EThreadLocked)
	env.Clock.Advance(2 * time.Hour)
	_, err = svc.UpdateCommunityThreadArchivedState(ctx, ann, plaza.UpdateCommunityThreadArchivedStateRequest{CommunityID: "club", ThreadID: th.ThreadID, IsArchived: new(false)})
	wantCode(t, err, plaza.EThreadLocked)
	sendText(t, env, owner, th.ThreadID, "moderator speaking") // unarchives it
	if info := threadInfo(t, env, ann, th.ThreadID); info.IsArchived || !info.IsLocked {
		t.Fatalf("after the owner's message %+v", info)
	}
}

func TestThreadActiveLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env, owner := threadEnv(t, func(s *plaza.Spec) { s.ActiveThreadsPerChannel = 3 })
	svc := env.Service
	// Concurrent creates cannot pass the limit.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = svc.CreateCommunityThread(ctx, owner, plaza.CreateCommunityThreadRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, ThreadName: fmt.Sprint("t", i)})
		})
	}
	wg.Wait()
	made := 0
	for _, err := range errs {
		if err == nil {
			made++
		} else if plaza.ErrorCode(err) != plaza.EThreadLimit {
			t.Fatal(err)
		}
	}
	if made != 3 {
		t.Fatalf("%d threads made under a limit of 3", made)
	}
	// Threads do not count toward the channel limit, nor other channels'.
	must[plaza.ChannelInfoResult](t)(svc.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "other"}))
	createThread(t, env, owner, plaza.CreateCommunityThreadRequest{ChannelID: "other", ThreadName: "elsewhere"})
	// Archiving one frees its place; unarchiving it takes a place again.
	list := must[plaza.QueryCommunityThreadListResult](t)(svc.QueryCommunityThreadList(ctx, owner, plaza.QueryCommunityThreadListRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID}))
	first := list.ThreadList[0].ThreadID
	must[plaza.ThreadInfoResult](t)(svc.UpdateCommunityThreadArchivedState(ctx, owner, plaza.UpdateCommunityThreadArchivedStateRequest{CommunityID: "club", ThreadID: first, IsArchived: new(true)}))
	createThread(t, env, owner, plaza.CreateCommunityThreadRequest{ThreadName: "fourth"})
	_, err := svc.UpdateCommunityThreadArchivedState(ctx, owner, plaza.UpdateCommunityThreadArchivedStateRequest{CommunityID: "club", ThreadID: first, IsArchived: new(false)})
	wantCode(t, err, plaza.EThreadLimit)
}

func TestThreadListPaging(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env, owner := threadEnv(t, nil)
	svc := env.Service
	var ids []string
	for i := range 7 {
		ids = append(ids, createThread(t, env, owner, plaza.CreateCommunityThreadRequest{ThreadName: fmt.Sprint("t", i)}).ThreadID)
		env.Clock.Advance(time.Second)
	}
	sendText(t, env, owner, ids[2], "bump") // the newest activity
	want := []string{ids[2], ids[6], ids[5], ids[4], ids[3], ids[1], ids[0]}
	var got []string
	req := plaza.QueryCommunityThreadListRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID}
	req.Count = 3
	for {
		page := must[plaza.QueryCommunityThreadListResult](t)(svc.QueryCommunityThreadList(ctx, owner, req))
		for _, th := range page.ThreadList {
			got = append(got, th.ThreadID)
		}
		if page.NextFlag == "" {
			break
		}
		req.NextFlag = page.NextFlag
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	if page := must[plaza.QueryCommunityThreadListResult](t)(svc.QueryCommunityThreadList(ctx, owner, plaza.QueryCommunityThreadListRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID})); page.ThreadList[0].LastMessage == nil || page.ThreadList[0].LastMessage.Message != "bump" {
		t.Fatalf("the list's last message %+v", page.ThreadList[0].LastMessage)
	}
}

func TestThreadDismissal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env, owner := threadEnv(t, nil)
	svc := env.Service
	ann, bob := env.Actor("ann"), env.Actor("bob")
	th := createThread(t, env, ann, plaza.CreateCommunityThreadRequest{ThreadID: "gone", ThreadName: "Gone"})
	_, err := svc.DismissCommunityThread(ctx, bob, plaza.ThreadRequest{CommunityID: "club", ThreadID: th.ThreadID})
	wantCode(t, err, plaza.EPermissionDenied)
	must[plaza.ThreadIDResult](t)(svc.DismissCommunityThread(ctx, ann, plaza.ThreadRequest{CommunityID: "club", ThreadID: th.ThreadID}))
	_, err = svc.QueryHistoryMessage(ctx, ann, plaza.QueryHistoryMessageRequest{CommunityID: "club", ChannelID: "gone"})
	wantCode(t, err, plaza.EChannelNotFound)
	_, err = svc.CreateCommunityThread(ctx, ann, plaza.CreateCommunityThreadRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, ThreadID: "gone", ThreadName: "again"})
	wantCode(t, err, plaza.EChannelDismissed)

	// Dismissing the parent channel removes its threads.
	must[plaza.ChannelInfoResult](t)(svc.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "temp"}))
	child := createThread(t, env, ann, plaza.CreateCommunityThreadRequest{ChannelID: "temp", ThreadID: "child", ThreadName: "Child"})
	sendText(t, env, bob, child.ThreadID, "soon gone")
	must[plaza.ChannelIDResult](t)(svc.DismissCommunityChannel(ctx, owner, plaza.ChannelRequest{CommunityID: "club", ChannelID: "temp"}))
	_, err = svc.JoinCommunityThread(ctx, owner, plaza.ThreadRequest{CommunityID: "club", ThreadID: "child"})
	wantCode(t, err, plaza.EChannelNotFound)
	if _, ok := conversationOf(t, env, bob, "child"); ok {
		t.Fatal("the thread of a dismissed channel is still a conversation")
	}
	_, err = svc.CreateCommunityThread(ctx, ann, plaza.CreateCommunityThreadRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, ThreadID: "child", ThreadName: "again"})
	wantCode(t, err, plaza.EChannelDismissed)
}

func TestThreadEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env, _ := threadEnv(t, nil)
	ann := env.Actor("ann")
	rec := record(t, env, plaza.CommunityTopic(env.App.AppID, "club"), plaza.UserTopic(env.App.AppID, "ann"))
	th := createThread(t, env, ann, plaza.CreateCommunityThreadRequest{ThreadName: "News"})
	e := rec.next(t, plaza.EventCommunityThreadListChanged)
	ev := decode[plaza.CommunityThreadListChangedEvent](t, e)
	if e.ChannelID != th.ThreadID || e.Parent != plaza.GeneralChannelID || e.Private || ev.ChannelID != plaza.GeneralChannelID ||
		len(ev.ChangeInfoList) != 1 || ev.ChangeInfoList[0].Action != plaza.ListAdded || ev.ChangeInfoList[0].Thread.ThreadID != th.ThreadID {
		t.Fatalf("list event %+v %+v", e, ev)
	}
	ms := decode[plaza.CommunityThreadMemberStateChangedEvent](t, rec.next(t, plaza.EventCommunityThreadMemberStateChanged))
	if ms.ThreadID != th.ThreadID || ms.ChangeInfoList[0].MemberInfo.UserID != "ann" || ms.ChangeInfoList[0].Action != plaza.MemberJoined {
		t.Fatalf("member event %+v", ms)
	}
	// A thread's messages go to its parent's audience, named by the thread.
	sendText(t, env, ann, th.ThreadID, "hello")
	me := rec.next(t, plaza.EventMessageReceived)
	if me.ChannelID != th.ThreadID || me.Parent != plaza.GeneralChannelID || me.Seq != 1 ||
		decode[plaza.MessageListEvent](t, me).ParentChannelID != plaza.GeneralChannelID {
		t.Fatalf("message event %+v", me)
	}
	// A user invited in gets its new conversation; one kicked, its removal.
	bobs := record(t, env, plaza.UserTopic(env.App.AppID, "bob"))
	must[plaza.ThreadUsersResult](t)(env.Service.InviteUsersIntoCommunityThread(ctx, ann, plaza.ThreadUsersRequest{CommunityID: "club", ThreadID: th.ThreadID, UserIDs: []string{"bob"}}))
	var cc plaza.ConversationChangedEvent
	for cc = decode[plaza.ConversationChangedEvent](t, bobs.next(t, plaza.EventConversationChanged)); cc.InfoList[0].Conversation.ChannelID != th.ThreadID; {
		cc = decode[plaza.ConversationChangedEvent](t, bobs.next(t, plaza.EventConversationChanged))
	}
	if c := cc.InfoList[0]; c.Action != plaza.ListAdded || c.Conversation.ChannelType != plaza.ChannelThread || c.Conversation.ParentChannelID != plaza.GeneralChannelID || c.Conversation.LastMessageSeq != 1 {
		t.Fatalf("bob's conversation event %+v", c)
	}
	must[plaza.ThreadUsersResult](t)(env.Service.KickCommunityThreadMembers(ctx, env.Actor("owner"), plaza.ThreadUsersRequest{CommunityID: "club", ThreadID: th.ThreadID, UserIDs: []string{"bob"}}))
	if c := decode[plaza.ConversationChangedEvent](t, bobs.next(t, plaza.EventConversationChanged)).InfoList[0]; c.Action != plaza.ListDeleted || c.Conversation.ChannelID != th.ThreadID {
		t.Fatalf("bob's removal %+v", c)
	}
	// A private thread's events carry the grants of who may see it.
	priv := createThread(t, env, ann, plaza.CreateCommunityThreadRequest{ThreadName: "Hush", IsPrivate: true})
	for {
		e = rec.next(t, plaza.EventCommunityThreadListChanged)
		if e.ChannelID == priv.ThreadID {
			break
		}
	}
	if !e.Private || len(e.ChannelGrants) != 1 || e.ChannelGrants[0].UserID != "ann" || !e.ChannelGrants[0].Member {
		t.Fatalf("private thread event %+v", e)
	}
	_, err := env.Service.DismissCommunityThread(ctx, ann, plaza.ThreadRequest{CommunityID: "club", ThreadID: priv.ThreadID})
	if err != nil {
		t.Fatal(err)
	}
	// (Events with grants travel on their users' topics too: skip the
	// creation's second copy.)
	for e = rec.next(t, plaza.EventCommunityThreadListChanged); !e.Dismissed; e = rec.next(t, plaza.EventCommunityThreadListChanged) {
	}
	if !e.Dismissed || decode[plaza.CommunityThreadListChangedEvent](t, e).ChangeInfoList[0].Action != plaza.ListDeleted {
		t.Fatalf("dismissal event %+v", e)
	}
}
