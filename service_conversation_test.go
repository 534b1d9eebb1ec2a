package plaza_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/plazatest"
)

func TestConversationOperations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := plazatest.NewClock(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	env := plazatest.New(t, plazatest.Options{Spec: relaxed(), Clock: clock})
	svc := env.Service
	owner := club(t, env, "m")
	m := env.Actor("m")
	for _, id := range []string{"a", "b", "c"} {
		clock.Advance(time.Second)
		must[plaza.ChannelInfoResult](t)(svc.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: id}))
	}
	for i := range 5 {
		clock.Advance(time.Second)
		sendText(t, env, owner, "b", fmt.Sprint(i))
	}
	rec := record(t, env, plaza.UserTopic(env.App.AppID, "m"))
	conv := func(c plaza.ConversationResult, err error) plaza.ChannelConversation {
		t.Helper()
		return must[plaza.ConversationResult](t)(c, err).Conversation
	}

	// Reading is monotonic and idempotent.
	c := conv(svc.ClearConversationUnreadMessageCount(ctx, m, plaza.ClearConversationUnreadMessageCountRequest{CommunityID: "club", ChannelID: "b", MessageSeq: 3}))
	if c.ReadMessageSeq != 3 || c.UnreadMessageCount != 2 {
		t.Fatalf("after reading to 3: %+v", c)
	}
	ev := rec.next(t, plaza.EventConversationChanged)
	if got := decode[plaza.ConversationChangedEvent](t, ev).InfoList[0].Conversation; got.ChannelID != "b" || got.UnreadMessageCount != 2 {
		t.Fatalf("conversationChanged %+v", got)
	}
	rec.next(t, plaza.EventConversationTotalUnreadMessageCountUpdated)
	rec.next(t, plaza.EventCommunityListChanged)
	c = conv(svc.ClearConversationUnreadMessageCount(ctx, m, plaza.ClearConversationUnreadMessageCountRequest{CommunityID: "club", ChannelID: "b", MessageSeq: 1}))
	if c.ReadMessageSeq != 3 {
		t.Fatalf("an older read position moved it back to %d", c.ReadMessageSeq)
	}
	c = conv(svc.ClearConversationUnreadMessageCount(ctx, m, plaza.ClearConversationUnreadMessageCountRequest{CommunityID: "club", ChannelID: "b", MessageSeq: 99}))
	if c.ReadMessageSeq != 5 || c.UnreadMessageCount != 0 {
		t.Fatalf("reading past the end: %+v", c)
	}

	// Notification status and totals (SPEC §6: channels start in
	// do-not-disturb and do not count).
	total := func() int64 {
		return must[plaza.TotalUnreadResult](t)(svc.QueryConversationTotalUnreadMessageCount(ctx, m, plaza.QueryConversationTotalUnreadMessageCountRequest{})).TotalUnreadMessageCount
	}
	clock.Advance(time.Second)
	sendText(t, env, owner, "a", "x")
	if total() != 0 {
		t.Fatalf("a do-not-disturb channel counts: %d", total())
	}
	rec = record(t, env, plaza.UserTopic(env.App.AppID, "m"))
	c = conv(svc.SetConversationNotificationStatus(ctx, m, plaza.SetConversationNotificationStatusRequest{CommunityID: "club", ChannelID: "a", NotificationStatus: plaza.Notify}))
	if c.NotificationStatus != plaza.Notify || total() != 1 {
		t.Fatalf("after notify: status %d, total %d", c.NotificationStatus, total())
	}
	if got := decode[plaza.TotalUnreadResult](t, rec.next(t, plaza.EventConversationTotalUnreadMessageCountUpdated)); got.TotalUnreadMessageCount != 1 {
		t.Fatalf("total event %+v", got)
	}
	must[plaza.SetCommunityNotificationStatusResult](t)(svc.SetCommunityNotificationStatus(ctx, m, plaza.SetCommunityNotificationStatusRequest{CommunityID: "club", NotificationStatus: plaza.DoNotDisturb}))
	if total() != 0 {
		t.Fatalf("a do-not-disturb community counts: %d", total())
	}
	list := must[plaza.QueryCommunityListResult](t)(svc.QueryCommunityList(ctx, m, plaza.QueryCommunityListRequest{}))
	if list.CommunityList[0].TotalUnreadMessageCount != 1 {
		t.Fatalf("the community's own total: %+v", list.CommunityList[0])
	}

	// Drafts.
	c = conv(svc.SetConversationDraft(ctx, m, plaza.SetConversationDraftRequest{CommunityID: "club", ChannelID: "c", Draft: "half a thought"}))
	if c.Draft != "half a thought" || c.NotificationStatus != plaza.DoNotDisturb {
		t.Fatalf("draft %+v", c)
	}
	_, err := svc.SetConversationDraft(ctx, m, plaza.SetConversationDraftRequest{CommunityID: "club", ChannelID: "c", Draft: strings.Repeat("d", 2049)})
	wantCode(t, err, plaza.EInvalidArgument)

	// The conversation list: pinned first, then by latest activity.
	ids := func() string {
		res := must[plaza.QueryConversationListResult](t)(svc.QueryConversationList(ctx, m, plaza.QueryConversationListRequest{}))
		var out []string
		for _, c := range res.ConversationList {
			out = append(out, c.ChannelID)
		}
		return strings.Join(out, " ")
	}
	if got := ids(); got != "a b c #general" {
		t.Fatalf("by activity: %s", got)
	}
	clock.Advance(time.Second)
	conv(svc.PinConversation(ctx, m, plaza.PinConversationRequest{CommunityID: "club", ChannelID: "c", IsPinned: true}))
	clock.Advance(time.Second)
	c = conv(svc.PinConversation(ctx, m, plaza.PinConversationRequest{CommunityID: "club", ChannelID: "#general", IsPinned: true}))
	if !c.IsPinned || c.PinnedTime != clock.Now().UnixMilli() {
		t.Fatalf("pinned %+v", c)
	}
	if got := ids(); got != "#general c a b" {
		t.Fatalf("with pins: %s", got)
	}
	clock.Advance(time.Second)
	sendText(t, env, owner, "b", "new")
	if got := ids(); got != "#general c b a" {
		t.Fatalf("after activity in b: %s", got)
	}
	// Paging the same list.
	var paged []string
	for flag := ""; ; {
		page := must[plaza.QueryConversationListResult](t)(svc.QueryConversationList(ctx, m, plaza.QueryConversationListRequest{PageRequest: plaza.PageRequest{Count: 1, NextFlag: flag}}))
		for _, c := range page.ConversationList {
			paged = append(paged, c.ChannelID)
		}
		if flag = page.NextFlag; flag == "" {
			break
		}
	}
	if got := strings.Join(paged, " "); got != "#general c b a" {
		t.Fatalf("paged: %s", got)
	}
	conv(svc.PinConversation(ctx, m, plaza.PinConversationRequest{CommunityID: "club", ChannelID: "c", IsPinned: false}))
	if got := ids(); got != "#general b a c" {
		t.Fatalf("after unpinning c: %s", got)
	}
}

func TestPinLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	spec := relaxed()
	spec.ChannelsPerCommunity = 1000
	env := plazatest.New(t, plazatest.Options{Spec: spec})
	owner := club(t, env)
	for i := range plaza.MaxPinned + 1 {
		must[plaza.ChannelInfoResult](t)(env.Service.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: fmt.Sprint("c", i)}))
	}
	for i := range plaza.MaxPinned {
		must[plaza.ConversationResult](t)(env.Service.PinConversation(ctx, owner, plaza.PinConversationRequest{CommunityID: "club", ChannelID: fmt.Sprint("c", i), IsPinned: true}))
	}
	_, err := env.Service.PinConversation(ctx, owner, plaza.PinConversationRequest{CommunityID: "club", ChannelID: fmt.Sprint("c", plaza.MaxPinned), IsPinned: true})
	wantCode(t, err, plaza.EPinnedLimit)
	// Pinning a pinned one again is fine.
	must[plaza.ConversationResult](t)(env.Service.PinConversation(ctx, owner, plaza.PinConversationRequest{CommunityID: "club", ChannelID: "c0", IsPinned: true}))
}
