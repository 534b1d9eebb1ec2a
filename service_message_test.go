package plaza_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/plazatest"
)

func text(s string) plaza.MessageContent {
	return plaza.MessageContent{Type: plaza.MessageText, Message: s}
}

func sendText(tb testing.TB, env *plazatest.Env, a plaza.Actor, channel, body string) plaza.Message {
	tb.Helper()
	res, err := env.Service.SendMessage(context.Background(), a, plaza.SendMessageRequest{CommunityID: "club", ChannelID: channel, Message: text(body)})
	if err != nil {
		tb.Fatalf("send %q: %v", body, err)
	}
	return res.Message
}

func history(tb testing.TB, env *plazatest.Env, a plaza.Actor, channel string, req plaza.QueryHistoryMessageRequest) plaza.QueryHistoryMessageResult {
	tb.Helper()
	req.CommunityID, req.ChannelID = "club", channel
	res, err := env.Service.QueryHistoryMessage(context.Background(), a, req)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

func seqsOf(ms []plaza.Message) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.MessageSeq
	}
	return out
}

func TestConcurrentSendersGetGaplessSeqs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{Spec: relaxed()})
	var senders []string
	for i := range 20 {
		senders = append(senders, fmt.Sprintf("s%02d", i))
	}
	club(t, env, senders...)
	const each = 15
	var wg sync.WaitGroup
	errs := make(chan error, len(senders)*each)
	for _, id := range senders {
		a := env.Actor(id)
		wg.Go(func() {
			for i := range each {
				if _, err := env.Service.SendMessage(ctx, a, plaza.SendMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID,
					Message: text(fmt.Sprintf("%s-%d", a.UserID, i)), ClientMessageID: fmt.Sprintf("c%d", i)}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Every message once, seqs 1..N with no gap and no duplicate (tips
	// messages of the invitation come first).
	owner := env.Actor("owner")
	var all []plaza.Message
	for next := int64(0); ; {
		page := history(t, env, owner, plaza.GeneralChannelID, plaza.QueryHistoryMessageRequest{NextMessageSeq: next, Reverse: true, Count: 100})
		all = append(all, page.MessageList...)
		if next = page.NextMessageSeq; next == 0 {
			break
		}
	}
	seen := map[string]bool{}
	for i, m := range all {
		if m.MessageSeq != int64(i+1) {
			t.Fatalf("message %d has seq %d: a gap or a duplicate", i+1, m.MessageSeq)
		}
		if m.Type == plaza.MessageText {
			if seen[m.Message] {
				t.Fatalf("%q stored twice", m.Message)
			}
			seen[m.Message] = true
		}
	}
	if len(seen) != len(senders)*each {
		t.Fatalf("%d messages stored, want %d", len(seen), len(senders)*each)
	}

	// A retried client message ID returns the first message, unchanged.
	a := env.Actor("s00")
	again, err := env.Service.SendMessage(ctx, a, plaza.SendMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, Message: text("different"), ClientMessageID: "c3"})
	if err != nil {
		t.Fatal(err)
	}
	if again.Message.Message != "s00-3" || again.Message.ClientMessageID != "c3" {
		t.Fatalf("retry returned %+v", again.Message)
	}
	if last := history(t, env, owner, plaza.GeneralChannelID, plaza.QueryHistoryMessageRequest{Count: 1}).MessageList[0]; last.MessageSeq != int64(len(all)) {
		t.Fatalf("a retry stored a message: last seq %d, want %d", last.MessageSeq, len(all))
	}
}

func TestMessageValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{Spec: relaxed()})
	owner := club(t, env, "m")
	m := env.Actor("m")
	image := func(url string) plaza.MessageContent {
		return plaza.MessageContent{Type: plaza.MessageImage, FileDownloadURL: url, ImageWidth: 10, ImageHeight: 10}
	}
	mentions := make([]string, 51)
	for i := range mentions {
		mentions[i] = fmt.Sprintf("u%d", i)
	}
	tooManyItems := make([]plaza.MessageContent, 21)
	for i := range tooManyItems {
		tooManyItems[i] = text("x")
	}
	tests := []struct {
		name string
		by   plaza.Actor
		msg  plaza.MessageContent
		code plaza.Code // "" for accepted
	}{
		{"text", m, text("hello"), ""},
		{"empty text", m, text(""), plaza.EInvalidArgument},
		{"text at 2 KB", m, text(strings.Repeat("a", 2048)), ""},
		{"text over 2 KB", m, text(strings.Repeat("a", 2049)), plaza.EInvalidArgument},
		{"unknown type", m, plaza.MessageContent{Type: 99, Message: "x"}, plaza.EInvalidArgument},
		{"tips from a user", m, plaza.MessageContent{Type: plaza.MessageTips}, plaza.EInvalidArgument},
		{"revoked from a user", m, plaza.MessageContent{Type: plaza.MessageRevoked}, plaza.EInvalidArgument},
		{"image", m, image("https://x/a.png"), ""},
		{"image without URL", m, image(""), plaza.EInvalidArgument},
		{"image with text", m, plaza.MessageContent{Type: plaza.MessageImage, FileDownloadURL: "u", Message: "x"}, plaza.EInvalidArgument},
		{"audio", m, plaza.MessageContent{Type: plaza.MessageAudio, FileDownloadURL: "u", AudioDuration: 30, FileSize: 1000, MimeType: "audio/mp4"}, ""},
		{"audio with a video duration", m, plaza.MessageContent{Type: plaza.MessageAudio, FileDownloadURL: "u", VideoDuration: 3}, plaza.EInvalidArgument},
		{"negative size", m, plaza.MessageContent{Type: plaza.MessageFile, FileDownloadURL: "u", FileSize: -1}, plaza.EInvalidArgument},
		{"custom", m, plaza.MessageContent{Type: plaza.MessageCustom, Message: `{"x":1}`, SubType: 200, SearchedContent: "find me"}, ""},
		{"custom subType 201", m, plaza.MessageContent{Type: plaza.MessageCustom, Message: "x", SubType: 201}, plaza.EInvalidArgument},
		{"subType on text", m, plaza.MessageContent{Type: plaza.MessageText, Message: "x", SubType: 1}, plaza.EInvalidArgument},
		{"multiple", m, plaza.MessageContent{Type: plaza.MessageMultiple, Items: []plaza.MessageContent{text("look"), image("u1"), image("u2")}}, ""},
		{"multiple with 21 items", m, plaza.MessageContent{Type: plaza.MessageMultiple, Items: tooManyItems}, plaza.EInvalidArgument},
		{"nested multiple", m, plaza.MessageContent{Type: plaza.MessageMultiple, Items: []plaza.MessageContent{{Type: plaza.MessageMultiple, Items: []plaza.MessageContent{text("x")}}}}, plaza.EInvalidArgument},
		{"two files", m, plaza.MessageContent{Type: plaza.MessageMultiple, Items: []plaza.MessageContent{
			{Type: plaza.MessageFile, FileDownloadURL: "a"}, {Type: plaza.MessageFile, FileDownloadURL: "b"}}}, plaza.EInvalidArgument},
		{"50 mentions", m, plaza.MessageContent{Type: plaza.MessageText, Message: "hey", MentionedUserIDs: mentions[:50]}, ""},
		{"51 mentions", m, plaza.MessageContent{Type: plaza.MessageText, Message: "hey", MentionedUserIDs: mentions}, plaza.EInvalidArgument},
		{"mention all by a member", m, plaza.MessageContent{Type: plaza.MessageText, Message: "all", IsMentionAll: true}, plaza.EPermissionDenied},
		{"mention all by the owner", owner, plaza.MessageContent{Type: plaza.MessageText, Message: "all", IsMentionAll: true}, ""},
		{"extended data over 1 KB", m, plaza.MessageContent{Type: plaza.MessageText, Message: "x", ExtendedData: strings.Repeat("e", 1025)}, plaza.EInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := env.Service.SendMessage(ctx, tt.by, plaza.SendMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, Message: tt.msg})
			if tt.code != "" {
				wantCode(t, err, tt.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := must[plaza.MessageListResult](t)(env.Service.QueryMessages(ctx, tt.by, plaza.QueryMessagesRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, MessageSeqs: []int64{res.Message.MessageSeq}}))
			if len(got.MessageList) != 1 || fmt.Sprint(got.MessageList[0].MessageContent) != fmt.Sprint(tt.msg) {
				t.Fatalf("stored %+v, sent %+v", got.MessageList, tt.msg)
			}
		})
	}
	_, err := env.Service.SendMessage(ctx, m, plaza.SendMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, Message: text("x"), ClientMessageID: strings.Repeat("c", 65)})
	wantCode(t, err, plaza.EInvalidArgument)
	_, err = env.Service.SendMessage(ctx, env.Users(t, "outsider")[0], plaza.SendMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, Message: text("x")})
	wantCode(t, err, plaza.ENotMember)
	_, err = env.Service.SendMessage(ctx, m, plaza.SendMessageRequest{CommunityID: "club", ChannelID: "nope", Message: text("x")})
	wantCode(t, err, plaza.EChannelNotFound)
}

func TestCommandMessagesAreNotStored(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{Spec: relaxed()})
	club(t, env, "m")
	m := env.Actor("m")
	rec := record(t, env, plaza.CommunityTopic(env.App.AppID, "club"))
	before := history(t, env, m, plaza.GeneralChannelID, plaza.QueryHistoryMessageRequest{Count: 1}).MessageList[0].MessageSeq
	res := must[plaza.MessageResult](t)(env.Service.SendMessage(ctx, m, plaza.SendMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID,
		Message: plaza.MessageContent{Type: plaza.MessageCommand, Message: `{"typing":true}`}}))
	if res.Message.MessageSeq != 0 || res.Message.MessageID == "" {
		t.Fatalf("command result %+v", res.Message)
	}
	ev := decode[plaza.MessageListEvent](t, rec.next(t, plaza.EventMessageReceived))
	if ev.MessageList[0].Type != plaza.MessageCommand {
		t.Fatalf("delivered %+v", ev)
	}
	if after := history(t, env, m, plaza.GeneralChannelID, plaza.QueryHistoryMessageRequest{Count: 1}).MessageList[0].MessageSeq; after != before {
		t.Fatalf("a command was stored: last seq %d → %d", before, after)
	}
}

func TestHistoryPaging(t *testing.T) {
	t.Parallel()
	env := plazatest.New(t, plazatest.Options{Spec: relaxed()})
	owner := club(t, env)
	must[plaza.ChannelInfoResult](t)(env.Service.CreateCommunityChannel(context.Background(), owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "log"}))
	for i := 1; i <= 25; i++ {
		sendText(t, env, owner, "log", fmt.Sprint(i))
	}
	tests := []struct {
		req      plaza.QueryHistoryMessageRequest
		seqs     string
		nextFlag int64
	}{
		{plaza.QueryHistoryMessageRequest{Count: 10}, "[16 17 18 19 20 21 22 23 24 25]", 16},
		{plaza.QueryHistoryMessageRequest{Count: 10, NextMessageSeq: 16}, "[6 7 8 9 10 11 12 13 14 15]", 6},
		{plaza.QueryHistoryMessageRequest{Count: 10, NextMessageSeq: 6}, "[1 2 3 4 5]", 0},
		{plaza.QueryHistoryMessageRequest{Count: 10, Reverse: true}, "[1 2 3 4 5 6 7 8 9 10]", 10},
		{plaza.QueryHistoryMessageRequest{Count: 10, Reverse: true, NextMessageSeq: 20}, "[21 22 23 24 25]", 0},
		{plaza.QueryHistoryMessageRequest{Count: 5, Reverse: true, NextMessageSeq: 20}, "[21 22 23 24 25]", 0}, // exactly the rest: no next page
		{plaza.QueryHistoryMessageRequest{Count: 5, NextMessageSeq: 6}, "[1 2 3 4 5]", 0},
		{plaza.QueryHistoryMessageRequest{Count: 5, Reverse: true, NextMessageSeq: 25}, "[]", 0},
		{plaza.QueryHistoryMessageRequest{}, "[6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25]", 6},
	}
	for _, tt := range tests {
		res := history(t, env, owner, "log", tt.req)
		if got := fmt.Sprint(seqsOf(res.MessageList)); got != tt.seqs || res.NextMessageSeq != tt.nextFlag {
			t.Errorf("%+v: got %s next %d, want %s next %d", tt.req, got, res.NextMessageSeq, tt.seqs, tt.nextFlag)
		}
	}
	_, err := env.Service.QueryHistoryMessage(context.Background(), owner, plaza.QueryHistoryMessageRequest{CommunityID: "club", ChannelID: "log", Count: 101})
	wantCode(t, err, plaza.EInvalidArgument)
}

func TestRepliesAndReactions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{Spec: relaxed()})
	svc := env.Service
	owner := club(t, env, "a", "b")
	a, b := env.Actor("a"), env.Actor("b")
	root := sendText(t, env, owner, plaza.GeneralChannelID, "root")
	r1 := must[plaza.MessageResult](t)(svc.ReplyMessage(ctx, a, plaza.ReplyMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, ToMessageSeq: root.MessageSeq, Message: text("r1")})).Message
	r2 := must[plaza.MessageResult](t)(svc.ReplyMessage(ctx, b, plaza.ReplyMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, ToMessageSeq: r1.MessageSeq, Message: text("r2")})).Message
	if r2.RepliedInfo == nil || r2.RepliedInfo.MessageSeq != r1.MessageSeq || r2.RepliedInfo.RootMessageSeq != root.MessageSeq || r2.RepliedInfo.SenderUserID != "a" {
		t.Fatalf("repliedInfo %+v", r2.RepliedInfo)
	}
	tree := must[plaza.QueryMessageRepliedListResult](t)(svc.QueryMessageRepliedList(ctx, b, plaza.QueryMessageRepliedListRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, MessageSeq: r2.MessageSeq}))
	if tree.RootMessage.MessageSeq != root.MessageSeq || tree.RootMessage.RootRepliedCount != 2 || fmt.Sprint(seqsOf(tree.MessageList)) != fmt.Sprint([]int64{r1.MessageSeq, r2.MessageSeq}) {
		t.Fatalf("reply tree %+v", tree)
	}
	_, err := svc.ReplyMessage(ctx, a, plaza.ReplyMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, ToMessageSeq: 999, Message: text("x")})
	wantCode(t, err, plaza.EMessageNotFound)

	rec := record(t, env, plaza.CommunityTopic(env.App.AppID, "club"))
	react := func(u plaza.Actor, typ string, add bool) plaza.MessageReactionResult {
		t.Helper()
		req := plaza.MessageReactionRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, MessageSeq: root.MessageSeq, ReactionType: typ}
		if add {
			return must[plaza.MessageReactionResult](t)(svc.AddMessageReaction(ctx, u, req))
		}
		return must[plaza.MessageReactionResult](t)(svc.DeleteMessageReaction(ctx, u, req))
	}
	react(a, "👍", true)
	react(b, "👍", true)
	res := react(b, "🎉", true)
	if len(res.Reactions) != 2 || res.Reactions[0].ReactionType != "👍" || res.Reactions[0].TotalCount != 2 || !res.Reactions[1].IsSelfIncluded || len(res.Reactions[0].UserList) != 2 {
		t.Fatalf("reactions %+v", res.Reactions)
	}
	ev := decode[plaza.MessageReactionsChangedEvent](t, rec.next(t, plaza.EventMessageReactionsChanged))
	if ev.MessageSeq != root.MessageSeq || ev.Reactions[0].IsSelfIncluded {
		t.Fatalf("reaction event %+v", ev)
	}
	react(a, "👍", true) // again: no change
	res = react(a, "👍", false)
	if res.Reactions[0].TotalCount != 1 || res.Reactions[0].IsSelfIncluded {
		t.Fatalf("after removal %+v", res.Reactions)
	}
	users := must[plaza.QueryMessageReactionUserListResult](t)(svc.QueryMessageReactionUserList(ctx, owner, plaza.QueryMessageReactionUserListRequest{
		CommunityID: "club", ChannelID: plaza.GeneralChannelID, MessageSeq: root.MessageSeq, ReactionType: "👍"}))
	if users.TotalCount != 1 || len(users.UserList) != 1 || users.UserList[0].UserID != "b" {
		t.Fatalf("reaction users %+v", users)
	}
	_, err = svc.AddMessageReaction(ctx, a, plaza.MessageReactionRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, MessageSeq: root.MessageSeq, ReactionType: strings.Repeat("x", 33)})
	wantCode(t, err, plaza.EInvalidArgument)
	// The history carries the summaries, as each viewer sees them.
	mine := must[plaza.MessageListResult](t)(svc.QueryMessages(ctx, b, plaza.QueryMessagesRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, MessageSeqs: []int64{root.MessageSeq}})).MessageList[0]
	if len(mine.Reactions) != 2 || !mine.Reactions[0].IsSelfIncluded {
		t.Fatalf("b's view of the reactions %+v", mine.Reactions)
	}
}

func TestReactionLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := plazatest.NewClock(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	env := plazatest.New(t, plazatest.Options{Spec: relaxed(), Clock: clock})
	owner := club(t, env)
	msg := sendText(t, env, owner, plaza.GeneralChannelID, "react to me")
	req := func(typ string) plaza.MessageReactionRequest {
		return plaza.MessageReactionRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, MessageSeq: msg.MessageSeq, ReactionType: typ}
	}
	for i := range 100 {
		must[plaza.MessageReactionResult](t)(env.Service.AddMessageReaction(ctx, owner, req(fmt.Sprint(i))))
	}
	_, err := env.Service.AddMessageReaction(ctx, owner, req("101st"))
	wantCode(t, err, plaza.EReactionNotAllowed)
	must[plaza.MessageReactionResult](t)(env.Service.AddMessageReaction(ctx, owner, req("7"))) // an existing type is fine

	clock.Advance(plaza.ReactionWindow + time.Minute)
	_, err = env.Service.AddMessageReaction(ctx, owner, req("0"))
	wantCode(t, err, plaza.EReactionNotAllowed)
	must[plaza.MessageReactionResult](t)(env.Service.DeleteMessageReaction(ctx, owner, req("0"))) // removing stays possible
}

func TestRevokeAndEditWindows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := plazatest.NewClock(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	env := plazatest.New(t, plazatest.Options{Spec: relaxed(), Clock: clock})
	svc := env.Service
	owner := club(t, env, "admin", "m", "n")
	admin, m, n := env.Actor("admin"), env.Actor("m"), env.Actor("n")
	must[plaza.UpdateCommunityMemberRoleResult](t)(svc.UpdateCommunityMemberRole(ctx, owner, plaza.UpdateCommunityMemberRoleRequest{CommunityID: "club", ForUserID: "admin", MemberRole: plaza.RoleAdmin}))
	revoke := func(a plaza.Actor, seq int64) error {
		_, err := svc.RevokeMessage(ctx, a, plaza.MessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, MessageSeq: seq})
		return err
	}
	edit := func(a plaza.Actor, seq int64, c plaza.MessageContent) error {
		_, err := svc.EditMessage(ctx, a, plaza.EditMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, MessageSeq: seq, Message: c})
		return err
	}

	own := sendText(t, env, m, plaza.GeneralChannelID, "mine")
	clock.Advance(119 * time.Second)
	rec := record(t, env, plaza.CommunityTopic(env.App.AppID, "club"))
	if err := revoke(m, own.MessageSeq); err != nil {
		t.Fatalf("revoke within 2 minutes: %v", err)
	}
	ev := decode[plaza.MessageListEvent](t, rec.next(t, plaza.EventMessageRevokeReceived))
	got := ev.MessageList[0]
	if got.Type != plaza.MessageRevoked || got.Message != "" || got.RevokeInfo == nil || got.RevokeInfo.OriginalMessageType != plaza.MessageText || got.RevokeInfo.OperatedUserID != "m" {
		t.Fatalf("revoked message %+v", got)
	}
	wantCode(t, revoke(m, own.MessageSeq), plaza.EMessageRevoked)

	late := sendText(t, env, m, plaza.GeneralChannelID, "late")
	clock.Advance(121 * time.Second)
	wantCode(t, revoke(m, late.MessageSeq), plaza.ERevokeWindow)
	wantCode(t, revoke(n, late.MessageSeq), plaza.EPermissionDenied)
	if err := revoke(admin, late.MessageSeq); err != nil {
		t.Fatalf("an admin revoking a member's message: %v", err)
	}
	ownerMsg := sendText(t, env, owner, plaza.GeneralChannelID, "owner's")
	wantCode(t, revoke(admin, ownerMsg.MessageSeq), plaza.EPermissionDenied)
	adminMsg := sendText(t, env, admin, plaza.GeneralChannelID, "admin's")
	if err := revoke(owner, adminMsg.MessageSeq); err != nil {
		t.Fatalf("the owner revoking an admin's message: %v", err)
	}

	e := sendText(t, env, m, plaza.GeneralChannelID, "typo")
	wantCode(t, edit(n, e.MessageSeq, text("hijack")), plaza.EEditNotAllowed)
	wantCode(t, edit(m, e.MessageSeq, plaza.MessageContent{Type: plaza.MessageCustom, Message: "x"}), plaza.EInvalidArgument)
	clock.Advance(23 * time.Hour)
	if err := edit(m, e.MessageSeq, text("fixed")); err != nil {
		t.Fatalf("edit within 24 hours: %v", err)
	}
	ed := decode[plaza.MessageListEvent](t, rec.next(t, plaza.EventMessageEdited))
	if ed.MessageList[0].Message != "fixed" || ed.MessageList[0].EditedTime != clock.Now().UnixMilli() {
		t.Fatalf("edited %+v", ed.MessageList[0])
	}
	clock.Advance(2 * time.Hour)
	wantCode(t, edit(m, e.MessageSeq, text("again")), plaza.EEditWindow)
	img := must[plaza.MessageResult](t)(svc.SendMessage(ctx, m, plaza.SendMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID,
		Message: plaza.MessageContent{Type: plaza.MessageImage, FileDownloadURL: "u"}})).Message
	wantCode(t, edit(m, img.MessageSeq, plaza.MessageContent{Type: plaza.MessageImage, FileDownloadURL: "v"}), plaza.EEditNotAllowed)
}

func TestDeleteMessagesForOneself(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{Spec: relaxed()})
	owner := club(t, env, "m")
	m := env.Actor("m")
	must[plaza.ChannelInfoResult](t)(env.Service.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "c"}))
	for i := 1; i <= 4; i++ {
		sendText(t, env, owner, "c", fmt.Sprint(i))
	}
	must[plaza.DeleteMessagesResult](t)(env.Service.DeleteMessages(ctx, m, plaza.DeleteMessagesRequest{CommunityID: "club", ChannelID: "c", MessageSeqs: []int64{2, 3}}))
	if got := fmt.Sprint(seqsOf(history(t, env, m, "c", plaza.QueryHistoryMessageRequest{}).MessageList)); got != "[1 4]" {
		t.Fatalf("m's history %s", got)
	}
	if got := fmt.Sprint(seqsOf(history(t, env, owner, "c", plaza.QueryHistoryMessageRequest{}).MessageList)); got != "[1 2 3 4]" {
		t.Fatalf("the owner's history %s", got)
	}
	_, err := env.Service.DeleteMessages(ctx, m, plaza.DeleteMessagesRequest{CommunityID: "club", ChannelID: "c", MessageSeqs: []int64{5}})
	wantCode(t, err, plaza.EMessageNotFound)
	_, err = env.Service.DeleteMessages(ctx, m, plaza.DeleteMessagesRequest{CommunityID: "club", ChannelID: "c"})
	wantCode(t, err, plaza.EInvalidArgument)
}

func TestSendRateLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := plazatest.NewClock(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	env := plazatest.New(t, plazatest.Options{Clock: clock}) // the default limits: 100 ms per channel, 10/s
	owner := club(t, env)
	for i := range 11 {
		must[plaza.ChannelInfoResult](t)(env.Service.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: fmt.Sprint("c", i)}))
	}
	clock.Advance(time.Second)
	send := func(channel string) error {
		_, err := env.Service.SendMessage(ctx, owner, plaza.SendMessageRequest{CommunityID: "club", ChannelID: channel, Message: text("x")})
		return err
	}
	if err := send("c0"); err != nil {
		t.Fatal(err)
	}
	err := send("c0")
	wantCode(t, err, plaza.ERateLimited)
	if pe := plaza.AsError(err); pe.Until != clock.Now().UnixMilli()+100 {
		t.Fatalf("until %d, want now + 100 ms", pe.Until)
	}
	clock.Advance(100 * time.Millisecond)
	if err := send("c0"); err != nil {
		t.Fatalf("after 100 ms: %v", err)
	}
	for i := 1; i <= 8; i++ {
		if err := send(fmt.Sprint("c", i)); err != nil {
			t.Fatalf("send %d of 10 in the second: %v", i+2, err)
		}
	}
	wantCode(t, send("c9"), plaza.ERateLimited) // the 11th in one second
	clock.Advance(time.Second)
	if err := send("c10"); err != nil {
		t.Fatalf("next second: %v", err)
	}
	// A retry is never too fast: it returns the first message.
	clock.Advance(time.Second)
	first := must[plaza.MessageResult](t)(env.Service.SendMessage(ctx, owner, plaza.SendMessageRequest{CommunityID: "club", ChannelID: "c2", Message: text("once"), ClientMessageID: "k"}))
	again := must[plaza.MessageResult](t)(env.Service.SendMessage(ctx, owner, plaza.SendMessageRequest{CommunityID: "club", ChannelID: "c2", Message: text("once"), ClientMessageID: "k"}))
	if again.Message.MessageID != first.Message.MessageID {
		t.Fatalf("an immediate retry returned %+v", again.Message)
	}
	// A refused send does not use up the allowance.
	clock.Advance(time.Second)
	_, err = env.Service.SendMessage(ctx, owner, plaza.SendMessageRequest{CommunityID: "club", ChannelID: "c1", Message: text("")})
	wantCode(t, err, plaza.EInvalidArgument)
	if err := send("c1"); err != nil {
		t.Fatalf("after a refused send: %v", err)
	}
}

func TestUnreadAndTips(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{Spec: relaxed()})
	owner := club(t, env)
	must[plaza.ChannelInfoResult](t)(env.Service.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "c"}))
	for i := range 3 {
		sendText(t, env, owner, "c", fmt.Sprint(i))
	}
	// A new member starts with nothing unread; then counts what others send.
	late := env.Users(t, "late")[0]
	must[plaza.CommunityInfoResult](t)(env.Service.JoinCommunity(ctx, late, plaza.CommunityRequest{CommunityID: "club"}))
	sendText(t, env, owner, "c", "after")
	list := must[plaza.QueryCommunityChannelListResult](t)(env.Service.QueryCommunityChannelList(ctx, late, plaza.QueryCommunityChannelListRequest{CommunityID: "club"}))
	byID := map[string]plaza.ChannelConversation{}
	for _, c := range list.ChannelList {
		byID[c.ChannelID] = c
	}
	c := byID["c"]
	if c.UnreadMessageCount != 1 || c.LastMessage == nil || c.LastMessage.Message != "after" || c.LastMessageSeq != 4 {
		t.Fatalf("late's view of c: %+v", c)
	}
	// The sender has nothing unread from its own sends.
	own := must[plaza.QueryCommunityChannelListResult](t)(env.Service.QueryCommunityChannelList(ctx, owner, plaza.QueryCommunityChannelListRequest{CommunityID: "club"}))
	for _, c := range own.ChannelList {
		if c.ChannelID == "c" && c.UnreadMessageCount != 0 {
			t.Fatalf("the sender's unread: %d", c.UnreadMessageCount)
		}
	}
	// GENERAL holds tips: created, channel added, joined.
	tips := history(t, env, owner, plaza.GeneralChannelID, plaza.QueryHistoryMessageRequest{})
	var events []int
	for _, m := range tips.MessageList {
		if m.Type != plaza.MessageTips || m.TipsInfo == nil {
			t.Fatalf("GENERAL holds %+v", m)
		}
		events = append(events, m.TipsInfo.Event)
	}
	if fmt.Sprint(events) != fmt.Sprint([]int{plaza.TipsCommunityCreated, plaza.TipsCommunityChannelAdded, plaza.TipsCommunityJoined}) {
		t.Fatalf("tips events %v", events)
	}
}

// TestSendRateLimitConcurrent sends from many goroutines with no interval
// and a high rate: none may be refused for racing another.
func TestSendRateLimitConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{Spec: relaxed()})
	owner := club(t, env)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if _, err := env.Service.SendMessage(ctx, owner, plaza.SendMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, Message: text("x")}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestHistoryAfterEditAndRevoke checks that history shows a message as it
// is now, however often it was read before: stored content is decoded once
// and kept while it is read, so a change must show at once.
func TestHistoryAfterEditAndRevoke(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{Spec: relaxed()})
	owner := club(t, env, "m")
	m := env.Actor("m")
	sent := sendText(t, env, m, plaza.GeneralChannelID, "first words")
	latest := func() plaza.Message {
		t.Helper()
		page := history(t, env, owner, plaza.GeneralChannelID, plaza.QueryHistoryMessageRequest{Count: 1})
		if len(page.MessageList) != 1 || page.MessageList[0].MessageSeq != sent.MessageSeq {
			t.Fatalf("latest page: %v", seqsOf(page.MessageList))
		}
		return page.MessageList[0]
	}
	for range 3 {
		if got := latest(); got.Message != "first words" || got.EditedTime != 0 {
			t.Fatalf("before the edit: %q, edited %d", got.Message, got.EditedTime)
		}
	}
	must[plaza.MessageResult](t)(env.Service.EditMessage(ctx, m, plaza.EditMessageRequest{CommunityID: "club",
		ChannelID: plaza.GeneralChannelID, MessageSeq: sent.MessageSeq, Message: text("second words")}))
	if got := latest(); got.Message != "second words" || got.EditedTime == 0 {
		t.Fatalf("after the edit: %q, edited %d", got.Message, got.EditedTime)
	}
	must[plaza.MessageResult](t)(env.Service.RevokeMessage(ctx, m, plaza.MessageRequest{CommunityID: "club",
		ChannelID: plaza.GeneralChannelID, MessageSeq: sent.MessageSeq}))
	if got := latest(); got.RevokeInfo == nil || got.Message == "second words" {
		t.Fatalf("after the revoke: %q, revokeInfo %v", got.Message, got.RevokeInfo)
	}
}
