package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"testing"

	"github.com/plazahq/plaza"
)

// allConversations reads every conversation of u across its communities in
// one page.
func allConversations(tb testing.TB, q plaza.Query, u plaza.User) []plaza.ChannelConversation {
	tb.Helper()
	cs := must(q.Conversations(tb.Context(), u.PK, plaza.Cursor{}, 1000))(tb, "Conversations("+u.UserID+")")
	checkNonNil(tb, "Conversations", cs)
	checkConversations(tb, "Conversations", cs...)
	return cs
}

// conversationKeys names conversations, in order, by community and channel
// ID.
func conversationKeys(cs []plaza.ChannelConversation) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.CommunityID + "/" + c.ChannelID
	}
	return out
}

// withoutChannels returns cs without the conversations of chs.
func withoutChannels(cs []plaza.ChannelConversation, chs ...plaza.Channel) []plaza.ChannelConversation {
	return slices.DeleteFunc(slices.Clone(cs), func(c plaza.ChannelConversation) bool {
		return slices.ContainsFunc(chs, func(ch plaza.Channel) bool { return ch.PK == c.PK })
	})
}

// byOrder sorts conversations as Conversations lists them: by order key,
// then channel key, both descending.
func byOrder(cs []plaza.ChannelConversation) []plaza.ChannelConversation {
	return slices.SortedFunc(slices.Values(cs), func(a, b plaza.ChannelConversation) int {
		return cmp.Or(cmp.Compare(b.OrderKey, a.OrderKey), cmp.Compare(b.PK, a.PK))
	})
}

// mentionsOf reads Mentions of u from the read positions; channels without
// mentions are left out, whether the store returns them empty or not.
func mentionsOf(tb testing.TB, q plaza.Query, u plaza.User, reads ...plaza.ReadPosition) map[int64][]plaza.MentionedInfo {
	tb.Helper()
	got := must(q.Mentions(tb.Context(), u.PK, reads))(tb, "Mentions("+u.UserID+")")
	out := map[int64][]plaza.MentionedInfo{}
	for ch, ms := range got {
		if len(ms) > 0 {
			out[ch] = ms
		}
	}
	return out
}

// mention is what Mentions must say of m.
func mention(m plaza.Message, typ plaza.MentionType) plaza.MentionedInfo {
	return plaza.MentionedInfo{MessageID: m.MessageID, MessageSeq: m.MessageSeq, FromUserID: m.SenderUserID, Type: typ}
}

// unreadOf reads UnreadByCommunity of u, by community ID: the order is not
// part of the contract.
func unreadOf(tb testing.TB, q plaza.Query, u plaza.User) []plaza.CommunityUnread {
	tb.Helper()
	got := must(q.UnreadByCommunity(tb.Context(), u.PK))(tb, "UnreadByCommunity("+u.UserID+")")
	return slices.SortedFunc(slices.Values(got), func(a, b plaza.CommunityUnread) int { return cmp.Compare(a.CommunityID, b.CommunityID) })
}

// sortedMutes sorts mutes by channel key: their order is not part of the
// contract.
func sortedMutes(ms []plaza.MemberMute) []plaza.MemberMute {
	return slices.SortedFunc(slices.Values(ms), func(a, b plaza.MemberMute) int { return cmp.Compare(a.ChannelPK, b.ChannelPK) })
}

// withSortedMutes returns members with their mutes sorted.
func withSortedMutes(ms []plaza.Member) []plaza.Member {
	out := slices.Clone(ms)
	for i := range out {
		out[i].Mutes = sortedMutes(out[i].Mutes)
	}
	return out
}

// userMutes reads UserMutes of u with each community's mutes sorted and
// communities without any left out.
func userMutes(tb testing.TB, q plaza.Query, u plaza.User) map[int64][]plaza.MemberMute {
	tb.Helper()
	got := must(q.UserMutes(tb.Context(), u.PK))(tb, "UserMutes("+u.UserID+")")
	out := map[int64][]plaza.MemberMute{}
	for c, ms := range got {
		if len(ms) > 0 {
			out[c] = sortedMutes(ms)
		}
	}
	return out
}

// countPinned reads CountPinned of u in a transaction of its own.
func countPinned(tb testing.TB, s plaza.Store, u plaza.User) int {
	tb.Helper()
	var n int
	update(tb, s, func(tx plaza.Tx) error {
		var err error
		n, err = tx.CountPinned(tb.Context(), u.PK)
		return err
	})
	return n
}

// setState calls SetConversationState in a transaction of its own.
func setState(tb testing.TB, s plaza.Store, u plaza.User, ch plaza.Channel, st plaza.ConversationState) {
	tb.Helper()
	update(tb, s, func(tx plaza.Tx) error { return tx.SetConversationState(tb.Context(), u.PK, ch.PK, st) })
}

// notify is the settings of a conversation in notify, without a draft or a
// pin.
var notify = plaza.ConversationState{NotificationStatus: plaza.Notify}

// testConversations checks what Conversations and Conversation say of each
// conversation, and which conversations a user sees across its communities.
func testConversations(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "owner", "u", "v", "outsider")
	owner, u, v, outsider := us[0], us[1], us[2], us[3]
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	e := addCommunity(t, s, appA, "e") // u is not a member
	other := addCommunity(t, s, appB, "c")
	for _, cc := range []plaza.CommunityInfo{c, d, e} {
		addMember(t, s, cc, owner, plaza.RoleOwner)
	}
	mu := addMember(t, s, c, u, plaza.RoleMember)
	mud := addMember(t, s, d, u, plaza.RoleAdmin)
	addMember(t, s, c, v, plaza.RoleMember)
	addMember(t, s, other, addUser(t, s, appB, "u"), plaza.RoleOwner) // the same user ID in another app
	general := addChannelOf(t, s, c, plaza.GeneralChannelID, plaza.ChannelGeneral)
	dgen := addChannelOf(t, s, d, plaza.GeneralChannelID, plaza.ChannelGeneral)
	egen := addChannelOf(t, s, e, plaza.GeneralChannelID, plaza.ChannelGeneral)
	pub := addChannel(t, s, c, "pub")
	p1 := listIn(t, s, addChannelOf(t, s, c, "p1", plaza.ChannelPrivate), u)
	p2 := listIn(t, s, addChannelOf(t, s, c, "p2", plaza.ChannelPrivate), v)
	dp := addChannelOf(t, s, d, "dp", plaza.ChannelPrivate) // nobody listed: u sees it as an admin
	quiet := addChannel(t, s, d, "quiet")                   // no message
	ogen := addChannelOf(t, s, other, plaza.GeneralChannelID, plaza.ChannelGeneral)
	sendAt(t, s, general, owner, "one", t0+1000)
	generalLast := sendAt(t, s, general, v, "two", t0+5000)
	pubLast := sendAt(t, s, pub, owner, "pub", t0+3000)
	sendAt(t, s, p1, owner, "p1 one", t0+2000)
	sendAt(t, s, p1, owner, "p1 two", t0+4000)
	p1Last := sendAt(t, s, p1, owner, "p1 three", t0+3500) // an older time than the channel's last activity
	sendAt(t, s, p2, v, "p2", t0+9000)
	dgenLast := sendAt(t, s, dgen, owner, "d", t0+6000)
	dpLast := sendAt(t, s, dp, owner, "dp", t0+2500)
	sendAt(t, s, egen, owner, "e", t0+9500)
	sendAt(t, s, ogen, owner, "other app", t0+9900)
	setReadSeq(t, s, u, general, 1)
	setReadSeq(t, s, u, p1, 3)
	setReadSeq(t, s, u, dgen, 5) // past the last seq
	pinnedDP := plaza.ConversationState{NotificationStatus: plaza.Notify, Draft: "draft in dp", PinnedTime: t0 + 100}
	setState(t, s, u, dp, pinnedDP)
	setState(t, s, u, pub, plaza.ConversationState{NotificationStatus: plaza.Notify, Draft: "a draft"})
	read := func(ch plaza.Channel) plaza.Channel {
		t.Helper()
		return readChannel(t, s, ch.CommunityPK, ch.ChannelID)
	}
	general, pub, p1, dgen, dp, quiet = read(general), read(pub), read(p1), read(dgen), read(dp), read(quiet)
	if p1.LastTime != t0+4000 {
		t.Errorf("LastTime of p1 after messages at +2000, +4000 and +3500 = %d, want %d", p1.LastTime, t0+4000)
	}

	want := []plaza.ChannelConversation{
		withState(conversation(mud, dp, 0, &dpLast), pinnedDP),
		conversation(mud, dgen, 5, &dgenLast),
		conversation(mu, general, 1, &generalLast),
		conversation(mu, p1, 3, &p1Last),
		withState(conversation(mu, pub, 0, &pubLast), plaza.ConversationState{NotificationStatus: plaza.Notify, Draft: "a draft"}),
		conversation(mud, quiet, 0, nil),
	}
	if got := conversationKeys(byOrder(want)); !slices.Equal(got, conversationKeys(want)) {
		t.Fatalf("the suite's expected conversations are not in order: %v", got) // the test itself is wrong
	}
	got := allConversations(t, s, u)
	diff(t, "Conversations of u", want, got)
	for _, cv := range want {
		diff(t, "Conversation(u, "+cv.CommunityID+"/"+cv.ChannelID+")", cv, must(s.Conversation(ctx, u.PK, cv.PK))(t, "Conversation"))
	}
	update(t, s, func(tx plaza.Tx) error {
		diff(t, "Conversations of u read in a transaction", want, must(tx.Conversations(ctx, u.PK, plaza.Cursor{}, 1000))(t, "tx.Conversations"))
		diff(t, "Conversation(u, dp) read in a transaction", want[0], must(tx.Conversation(ctx, u.PK, dp.PK))(t, "tx.Conversation"))
		return nil
	})

	// What u does not see is not found.
	for _, tc := range []struct {
		name      string
		user      plaza.User
		channelPK int64
	}{
		{"a private channel u is not listed in", u, p2.PK},
		{"a channel of a community u is not in", u, egen.PK},
		{"a channel of another app", u, ogen.PK},
		{"an unknown channel", u, ogen.PK + 1000},
		{"a user who is in no community", outsider, general.PK},
	} {
		_, err := s.Conversation(ctx, tc.user.PK, tc.channelPK)
		wantErr(t, "Conversation of "+tc.name, err, plaza.ErrNotFound)
		update(t, s, func(tx plaza.Tx) error {
			_, err := tx.Conversation(ctx, tc.user.PK, tc.channelPK)
			wantErr(t, "Conversation of "+tc.name+" read in a transaction", err, plaza.ErrNotFound)
			return nil
		})
	}
	diff(t, "Conversations of a user who is in no community", []plaza.ChannelConversation{}, allConversations(t, s, outsider))

	// u's conversations are its own: v's and the owner's differ.
	for _, cv := range allConversations(t, s, v) {
		if cv.PK == pub.PK && (cv.NotificationStatus != plaza.DoNotDisturb || cv.Draft != "") {
			t.Errorf("v's conversation in pub has u's settings: %+v", cv)
		}
		if cv.PK == dp.PK || cv.PK == p1.PK {
			t.Errorf("v sees %s, a channel it does not see", cv.ChannelID)
		}
	}
	// The owner of c, d and e sees every channel of them, by activity.
	g := "/" + plaza.GeneralChannelID
	diff(t, "the conversations of the owner", []string{"e" + g, "c/p2", "d" + g, "c" + g, "c/p1", "c/pub", "d/dp", "d/quiet"},
		conversationKeys(allConversations(t, s, owner)))

	// A member who leaves a community leaves its conversations.
	leave(t, s, d, u)
	diff(t, "Conversations of u after it left d", withoutChannels(want, dp, dgen, quiet), allConversations(t, s, u))
	_, err := s.Conversation(ctx, u.PK, dgen.PK)
	wantErr(t, "Conversation in a community u left", err, plaza.ErrNotFound)
}

// orderRow is what the order tests compare of a conversation.
type orderRow struct {
	Key      string // community/channel
	PK       int64
	OrderKey int64
}

func orderRows(cs []plaza.ChannelConversation) []orderRow {
	out := make([]orderRow, len(cs))
	for i, c := range cs {
		out[i] = orderRow{c.CommunityID + "/" + c.ChannelID, c.PK, c.OrderKey}
	}
	return out
}

// testConversationsOrder checks the order of Conversations, pinned ones
// first (the latest pin first) then by latest activity, ties broken by the
// channel key, both descending; and its paging.
func testConversationsOrder(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "v")
	u, v := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	addCommunity(t, s, appA, "e") // u is in no channel of it
	addMember(t, s, c, u, plaza.RoleMember)
	addMember(t, s, d, u, plaza.RoleMember)
	addMember(t, s, c, v, plaza.RoleOwner)
	addMember(t, s, d, v, plaza.RoleOwner)

	// model is what the suite expects of each channel u sees: its last
	// activity and its pin.
	type model struct {
		ch   plaza.Channel
		last int64
		pin  int64
	}
	seen := map[int64]*model{}
	var unseen []plaza.Channel
	var channels []plaza.Channel // in creation order
	for i := range 20 {
		cc := c
		if i%3 == 2 {
			cc = d
		}
		id := fmt.Sprintf("ch%02d", (i*7)%20)
		var ch plaza.Channel
		switch {
		case i%7 == 5:
			ch = listIn(t, s, addChannelOf(t, s, cc, id, plaza.ChannelPrivate), v) // u does not see it
			unseen = append(unseen, ch)
		case i%4 == 3:
			ch = listIn(t, s, addChannelOf(t, s, cc, id, plaza.ChannelPrivate), u)
		default:
			ch = addChannel(t, s, cc, id)
		}
		channels = append(channels, ch)
		last := t0 // creation
		if i%5 != 0 {
			last = t0 + int64((i*37)%11)*1000 // some channels share a time
			sendAt(t, s, ch, v, "hi", last)
		}
		if i%7 != 5 {
			seen[ch.PK] = &model{ch: ch, last: last}
		}
	}
	pin := func(ch plaza.Channel, at int64) {
		t.Helper()
		setState(t, s, u, ch, plaza.ConversationState{NotificationStatus: plaza.DoNotDisturb, PinnedTime: at})
		if m := seen[ch.PK]; m != nil {
			m.pin = at
		}
	}
	pin(channels[2], t0+500)
	pin(channels[7], t0+500) // pinned at the same time as channels[2]
	pin(channels[11], t0+800)
	pin(channels[13], t0+900)
	pin(channels[13], 0)   // and unpinned
	pin(unseen[0], t0+999) // a pin in a channel u does not see does not show
	pin(channels[0], 1)    // pinned at the dawn of time: still above every activity
	if _, ok := seen[channels[13].PK]; !ok {
		t.Fatalf("the suite's channels[13] is not one u sees") // the test itself is wrong
	}

	want := func() []orderRow {
		var cs []plaza.ChannelConversation
		for _, m := range seen {
			key := m.last
			if m.pin > 0 {
				key = m.pin + pinnedBase
			}
			cs = append(cs, plaza.ChannelConversation{
				ChannelBrief: plaza.ChannelBrief{CommunityID: m.ch.CommunityID, ChannelID: m.ch.ChannelID},
				PK:           m.ch.PK, OrderKey: key,
			})
		}
		return orderRows(byOrder(cs))
	}
	check := func(when string) {
		t.Helper()
		w := want()
		diff(t, "Conversations in one page "+when, w, orderRows(allConversations(t, s, u)))
		for limit := 1; limit <= len(w)+1; limit++ {
			got := pageAll(t, "Conversations", limit, len(w),
				func(after plaza.Cursor, limit int) ([]plaza.ChannelConversation, error) {
					return s.Conversations(ctx, u.PK, after, limit)
				},
				func(cv plaza.ChannelConversation) plaza.Cursor { return plaza.Cursor{K1: cv.OrderKey, K2: cv.PK} })
			diff(t, fmt.Sprintf("Conversations paged by %d %s", limit, when), w, orderRows(got))
		}
		// A cursor that is not valid reads from the top, whatever its keys.
		for _, after := range []plaza.Cursor{{K1: 1, K2: 1}, {K1: w[0].OrderKey, K2: w[0].PK}, {K1: -1, K2: -1}} {
			diff(t, fmt.Sprintf("Conversations after the invalid cursor %+v %s", after, when), w,
				orderRows(must(s.Conversations(ctx, u.PK, after, 1000))(t, "Conversations")))
		}
		lastRow := w[len(w)-1]
		diff(t, "Conversations after the last one "+when, []orderRow{},
			orderRows(must(s.Conversations(ctx, u.PK, plaza.Cursor{Valid: true, K1: lastRow.OrderKey, K2: lastRow.PK}, 10))(t, "Conversations")))
	}
	check("at first")
	if w := want(); w[0].PK != channels[11].PK || w[1].PK != channels[7].PK || w[2].PK != channels[2].PK || w[3].PK != channels[0].PK {
		t.Fatalf("the suite's model does not put the pins first: %+v", w[:4]) // the test itself is wrong
	}

	// A new message moves its conversation to the top of the unpinned ones;
	// a message with an older time than the channel's last activity does
	// not move it.
	oldest := want()[len(want())-1]
	sendAt(t, s, seen[oldest.PK].ch, v, "news", t0+20_000)
	seen[oldest.PK].last = t0 + 20_000
	check("after a message in the least recent conversation")
	top := seen[channels[1].PK]
	sendAt(t, s, top.ch, v, "late", top.last-500)
	check("after a message older than its channel's last activity")
	// Messages in channels u does not see change nothing.
	sendAt(t, s, unseen[1], v, "hidden", t0+30_000)
	check("after a message in a channel u does not see")
	// Unpinned, a conversation goes back to its activity.
	pin(channels[11], 0)
	check("after a conversation was unpinned")
}

// testConversationState checks SetConversationState: it stores the settings
// of one user's conversation, keeps its read position, and makes the
// conversation's row when there is none yet.
func testConversationState(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "v")
	u, v := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	mu := addMember(t, s, c, u, plaza.RoleMember)
	mv := addMember(t, s, c, v, plaza.RoleMember)
	room := addChannel(t, s, c, "room")
	other := addChannel(t, s, c, "other")
	sendN(t, s, room, v, 4)
	roomLast := sendText(t, s, room, v, "five")
	otherLast := sendText(t, s, other, v, "other")
	setReadSeq(t, s, u, room, 3)
	room, other = readChannel(t, s, c.PK, "room"), readChannel(t, s, c.PK, "other")
	conv := func(x plaza.User, ch plaza.Channel) plaza.ChannelConversation {
		t.Helper()
		return must(s.Conversation(ctx, x.PK, ch.PK))(t, "Conversation("+x.UserID+", "+ch.ChannelID+")")
	}
	vRoom := conversation(mv, room, 0, &roomLast)

	for _, st := range []plaza.ConversationState{
		{NotificationStatus: plaza.Notify, Draft: "draft ✍️ 草稿\n'line' \"two\"", PinnedTime: t0 + 50},
		{NotificationStatus: plaza.Notify, Draft: "draft", PinnedTime: t0 + 60}, // pinned again, later
		{NotificationStatus: plaza.DoNotDisturb, Draft: "draft", PinnedTime: t0 + 60},
		{NotificationStatus: plaza.DoNotDisturb, PinnedTime: t0 + 60}, // the draft cleared
		{NotificationStatus: plaza.Notify},                            // unpinned
		{NotificationStatus: plaza.DoNotDisturb},                      // back to the defaults
	} {
		setState(t, s, u, room, st)
		what := fmt.Sprintf("after SetConversationState(u, room, %+v)", st)
		diff(t, "Conversation(u, room) "+what, withState(conversation(mu, room, 3, &roomLast), st), conv(u, room))
		diff(t, "Conversation(v, room) "+what, vRoom, conv(v, room))
		diff(t, "Conversation(u, other) "+what, conversation(mu, other, 0, &otherLast), conv(u, other))
	}

	// A conversation without a row yet gets one, read from the start.
	st := plaza.ConversationState{NotificationStatus: plaza.Notify, Draft: "new", PinnedTime: t0 + 70}
	setState(t, s, u, other, st)
	diff(t, "Conversation(u, other) set before any read", withState(conversation(mu, other, 0, &otherLast), st), conv(u, other))
	setReadSeq(t, s, u, other, 1)
	diff(t, "Conversation(u, other) read after it was set", withState(conversation(mu, other, 1, &otherLast), st), conv(u, other))

	// Messages move the read position of nobody, and no settings.
	next := sendAt(t, s, other, v, "next", t0+90_000)
	other.LastMessageSeq, other.LastTime = 2, t0+90_000
	diff(t, "Conversation(u, other) after a message", withState(conversation(mu, other, 1, &next), st), conv(u, other))
	diff(t, "ChannelConversations of u", []plaza.ChannelConversation{
		conversation(mu, room, 3, &roomLast), withState(conversation(mu, other, 1, &next), st),
	}, conversations(t, s, c.PK, u.PK))
}

// testCountPinned checks CountPinned: a user's pinned conversations that it
// sees, across its communities, as its transaction sees them.
func testCountPinned(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "v")
	u, v := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	mu := addMember(t, s, c, u, plaza.RoleMember)
	addMember(t, s, c, v, plaza.RoleMember)
	addMember(t, s, d, u, plaza.RoleMember)
	addMember(t, s, d, v, plaza.RoleMember)
	a, b := addChannel(t, s, c, "a"), addChannel(t, s, c, "b")
	x := addChannel(t, s, d, "x")
	hidden := addChannelOf(t, s, c, "hidden", plaza.ChannelPrivate) // nobody listed
	check := func(when string, wantU, wantV int) {
		t.Helper()
		if n := countPinned(t, s, u); n != wantU {
			t.Errorf("CountPinned(u) %s = %d, want %d", when, n, wantU)
		}
		if n := countPinned(t, s, v); n != wantV {
			t.Errorf("CountPinned(v) %s = %d, want %d", when, n, wantV)
		}
	}
	check("before any pin", 0, 0)
	setState(t, s, u, a, plaza.ConversationState{NotificationStatus: plaza.Notify, PinnedTime: t0 + 1})
	check("after u pinned a", 1, 0)
	setState(t, s, u, x, plaza.ConversationState{NotificationStatus: plaza.DoNotDisturb, PinnedTime: t0 + 2})
	check("after u pinned x in another community", 2, 0)
	setState(t, s, v, b, plaza.ConversationState{NotificationStatus: plaza.Notify, PinnedTime: t0 + 3})
	check("after v pinned b", 2, 1)
	setState(t, s, u, a, plaza.ConversationState{NotificationStatus: plaza.DoNotDisturb, Draft: "d", PinnedTime: t0 + 4})
	check("after u pinned a again", 2, 1)
	setState(t, s, u, b, plaza.ConversationState{NotificationStatus: plaza.Notify, Draft: "not pinned"})
	check("after u set b without a pin", 2, 1)
	setReadSeq(t, s, u, x, 1)
	check("after u read x", 2, 1)
	setState(t, s, u, a, notify)
	check("after u unpinned a", 1, 1)

	// A pin counts while the user sees the conversation: an admin's pin of
	// an unlisted private channel stops counting when it is made a member.
	mu.MemberRole = plaza.RoleAdmin
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateMember(ctx, mu) })
	setState(t, s, u, hidden, plaza.ConversationState{NotificationStatus: plaza.Notify, PinnedTime: t0 + 5})
	check("after u pinned an unlisted private channel as an admin", 2, 1)
	mu.MemberRole = plaza.RoleMember
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateMember(ctx, mu) })
	check("after u, with that pin, was made a member", 1, 1)

	// A transaction counts its own pins; a rolled-back one leaves none.
	err := s.Update(ctx, func(tx plaza.Tx) error {
		for i, ch := range []plaza.Channel{a, b} {
			if err := tx.SetConversationState(ctx, u.PK, ch.PK, plaza.ConversationState{NotificationStatus: plaza.Notify, PinnedTime: t0 + 10 + int64(i)}); err != nil {
				return err
			}
		}
		if n := must(tx.CountPinned(ctx, u.PK))(t, "tx.CountPinned"); n != 3 {
			t.Errorf("CountPinned(u) in the transaction that pinned two more = %d, want 3", n)
		}
		if err := tx.SetConversationState(ctx, u.PK, x.PK, notify); err != nil {
			return err
		}
		if n := must(tx.CountPinned(ctx, u.PK))(t, "tx.CountPinned"); n != 2 {
			t.Errorf("CountPinned(u) in the transaction after it unpinned one = %d, want 2", n)
		}
		return errBoom
	})
	wantErr(t, "Update that pinned and rolled back", err, errBoom)
	check("after a rolled-back transaction pinned two and unpinned one", 1, 1)
	diff(t, "u's conversations after a rolled-back transaction", []bool{false, false}, []bool{
		must(s.Conversation(ctx, u.PK, a.PK))(t, "Conversation").IsPinned, must(s.Conversation(ctx, u.PK, b.PK))(t, "Conversation").IsPinned,
	})
}

// testMentions checks InsertMentions, DeleteMentions and Mentions: per
// channel, the messages after a read position that mention the user, by
// name or all, oldest first.
func testMentions(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "sender", "u", "v", "w")
	sender, u, v, w := us[0], us[1], us[2], us[3]
	c := addCommunity(t, s, appA, "c")
	for _, x := range us {
		addMember(t, s, c, x, plaza.RoleMember)
	}
	room := addChannel(t, s, c, "room")
	other := addChannel(t, s, c, "other")
	quiet := addChannel(t, s, c, "quiet")
	rm := map[int64]plaza.Message{} // room's messages by seq
	for seq := range int64(7) {
		from := sender
		if seq+1 == 4 {
			from = v
		}
		rm[seq+1] = sendText(t, s, room, from, fmt.Sprint("message ", seq+1))
	}
	// The mentions of room's messages, recorded newest first: the order of
	// Mentions is the messages', not the records'.
	update(t, s, func(tx plaza.Tx) error {
		for _, r := range []struct {
			seq   int64
			users []plaza.User
			all   bool
		}{
			{7, nil, false}, // no mention at all
			{6, []plaza.User{u, w}, false},
			{4, []plaza.User{w}, false},
			{3, []plaza.User{u}, true},
			{2, nil, true},
			{1, []plaza.User{u}, false},
		} {
			pks := make([]int64, len(r.users))
			for i, x := range r.users {
				pks[i] = x.PK
			}
			if err := tx.InsertMentions(ctx, room.PK, r.seq, pks, r.all); err != nil {
				return fmt.Errorf("InsertMentions(room, %d): %w", r.seq, err)
			}
		}
		return nil
	})
	om1 := sendMentioning(t, s, other, v, text("to u"), []plaza.User{u}, false)
	om2 := sendMentioning(t, s, other, sender, text("to all"), nil, true)
	sendN(t, s, quiet, sender, 2)

	from := func(roomRead, otherRead int64) []plaza.ReadPosition {
		return []plaza.ReadPosition{{ChannelPK: room.PK, ReadSeq: roomRead}, {ChannelPK: other.PK, ReadSeq: otherRead},
			{ChannelPK: quiet.PK, ReadSeq: 0}}
	}
	me, all, both := plaza.MentionMe, plaza.MentionAll, plaza.MentionAllAndMe
	for _, tc := range []struct {
		name  string
		user  plaza.User
		reads []plaza.ReadPosition
		want  map[int64][]plaza.MentionedInfo
	}{
		{"u from the start", u, from(0, 0), map[int64][]plaza.MentionedInfo{
			room.PK:  {mention(rm[1], me), mention(rm[2], all), mention(rm[3], both), mention(rm[6], me)},
			other.PK: {mention(om1, me), mention(om2, all)},
		}},
		{"u having read room to 2 and other to 1", u, from(2, 1), map[int64][]plaza.MentionedInfo{
			room.PK:  {mention(rm[3], both), mention(rm[6], me)},
			other.PK: {mention(om2, all)},
		}},
		{"u having read room to its last mention", u, from(6, 2), map[int64][]plaza.MentionedInfo{}},
		{"u having read past the last seqs", u, from(100, 100), map[int64][]plaza.MentionedInfo{}},
		{"u in room only", u, []plaza.ReadPosition{{ChannelPK: room.PK, ReadSeq: 1}}, map[int64][]plaza.MentionedInfo{
			room.PK: {mention(rm[2], all), mention(rm[3], both), mention(rm[6], me)},
		}},
		{"u in no channel", u, nil, map[int64][]plaza.MentionedInfo{}},
		{"v, mentioned by all only", v, from(0, 0), map[int64][]plaza.MentionedInfo{
			room.PK:  {mention(rm[2], all), mention(rm[3], all)},
			other.PK: {mention(om2, all)},
		}},
		{"w, mentioned by v", w, from(0, 0), map[int64][]plaza.MentionedInfo{
			room.PK:  {mention(rm[2], all), mention(rm[3], all), mention(rm[4], me), mention(rm[6], me)},
			other.PK: {mention(om2, all)},
		}},
	} {
		diff(t, "Mentions of "+tc.name, tc.want, mentionsOf(t, s, tc.user, tc.reads...))
		update(t, s, func(tx plaza.Tx) error {
			diff(t, "Mentions of "+tc.name+" read in a transaction", tc.want, mentionsOf(t, tx, tc.user, tc.reads...))
			return nil
		})
	}
	if got := mentionsOf(t, s, w, from(0, 0)...)[room.PK]; len(got) == 4 && (got[2].FromUserID != "v" || got[2].MessageID != rm[4].MessageID) {
		t.Errorf("Mentions of w: message 4 from %q with ID %q, want from v with ID %s", got[2].FromUserID, got[2].MessageID, rm[4].MessageID)
	}

	// DeleteMentions forgets the mentions of one message, of everyone and
	// by name, in its channel only.
	steps := []struct {
		name    string
		ch      plaza.Channel
		seq     int64
		wantU   map[int64][]plaza.MentionedInfo
		wantAll []plaza.MentionedInfo // v's, in room
	}{
		{"room 3", room, 3, map[int64][]plaza.MentionedInfo{
			room.PK:  {mention(rm[1], me), mention(rm[2], all), mention(rm[6], me)},
			other.PK: {mention(om1, me), mention(om2, all)},
		}, []plaza.MentionedInfo{mention(rm[2], all)}},
		{"other 1", other, 1, map[int64][]plaza.MentionedInfo{
			room.PK:  {mention(rm[1], me), mention(rm[2], all), mention(rm[6], me)},
			other.PK: {mention(om2, all)},
		}, []plaza.MentionedInfo{mention(rm[2], all)}},
		{"room 5, a message without mentions", room, 5, map[int64][]plaza.MentionedInfo{
			room.PK:  {mention(rm[1], me), mention(rm[2], all), mention(rm[6], me)},
			other.PK: {mention(om2, all)},
		}, []plaza.MentionedInfo{mention(rm[2], all)}},
		{"room 2", room, 2, map[int64][]plaza.MentionedInfo{
			room.PK:  {mention(rm[1], me), mention(rm[6], me)},
			other.PK: {mention(om2, all)},
		}, nil},
	}
	for _, st := range steps {
		update(t, s, func(tx plaza.Tx) error { return tx.DeleteMentions(ctx, st.ch.PK, st.seq) })
		diff(t, "Mentions of u after DeleteMentions("+st.name+")", st.wantU, mentionsOf(t, s, u, from(0, 0)...))
		diff(t, "Mentions of v in room after DeleteMentions("+st.name+")", st.wantAll,
			mentionsOf(t, s, v, plaza.ReadPosition{ChannelPK: room.PK})[room.PK])
	}
	diff(t, "Mentions of w after the deletions", map[int64][]plaza.MentionedInfo{
		room.PK:  {mention(rm[4], me), mention(rm[6], me)},
		other.PK: {mention(om2, all)},
	}, mentionsOf(t, s, w, from(0, 0)...))
}

// checkTotal checks TotalUnread of u against the UnreadByCommunity rows it
// must sum: those of its communities in notify, channels and threads.
func checkTotal(tb testing.TB, s plaza.Store, what string, u plaza.User, rows []plaza.CommunityUnread) {
	tb.Helper()
	var want int64
	for _, r := range rows {
		if r.NotificationStatus == plaza.Notify {
			want += r.Unread + r.ThreadUnread
		}
	}
	if got := must(s.TotalUnread(tb.Context(), u.PK))(tb, "TotalUnread"); got != want {
		tb.Errorf("TotalUnread %s = %d, want %d", what, got, want)
	}
}

// testTotalUnreadAfterEachChange reads a user's total after each change
// that moves it, so that a store keeping parts of the total from one read
// to the next (the SQLite store does) must see each change: a listing in a
// private channel made and removed, a channel deleted, a community left and
// joined again.
func testTotalUnreadAfterEachChange(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "owner", "u")
	owner, u := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	for _, cc := range []plaza.CommunityInfo{c, d} {
		addMember(t, s, cc, owner, plaza.RoleOwner)
		join(t, s, cc, u, plaza.RoleMember)
	}
	general := addChannelOf(t, s, c, plaza.GeneralChannelID, plaza.ChannelGeneral)
	priv := addChannelOf(t, s, c, "priv", plaza.ChannelPrivate)
	doomed := addChannel(t, s, c, "doomed")
	dgen := addChannelOf(t, s, d, plaza.GeneralChannelID, plaza.ChannelGeneral)
	for _, ch := range []plaza.Channel{general, priv, doomed, dgen} {
		setState(t, s, u, ch, notify)
	}
	sendN(t, s, general, owner, 3)
	sendN(t, s, priv, owner, 4)
	sendN(t, s, doomed, owner, 2)
	sendN(t, s, dgen, owner, 1)
	check := func(when string, want int64) {
		t.Helper()
		if got := must(s.TotalUnread(ctx, u.PK))(t, "TotalUnread"); got != want {
			t.Errorf("TotalUnread of u %s = %d, want %d", when, got, want)
		}
		checkTotal(t, s, "of u "+when, u, unreadOf(t, s, u))
	}
	check("at first", 3+2+1)
	check("read again", 3+2+1)
	priv = listIn(t, s, priv, u)
	check("listed in priv", 3+4+2+1)
	update(t, s, func(tx plaza.Tx) error { return tx.DeleteChannel(ctx, doomed, t0) })
	check("once doomed is deleted", 3+4+1)
	leave(t, s, d, u)
	check("after leaving d", 3+4)
	join(t, s, d, u, plaza.RoleMember)
	setState(t, s, u, dgen, notify)
	check("back in d, its GENERAL read on joining", 3+4)
	sendN(t, s, dgen, owner, 2)
	check("after two messages in d", 3+4+2)
	update(t, s, func(tx plaza.Tx) error {
		_, err := tx.RemoveChannelMember(ctx, priv.PK, u.PK)
		return err
	})
	check("unlisted from priv", 3+2)
}

// testUnreadByCommunity checks UnreadByCommunity: per community of the user,
// its notification status there and the unread messages of the channels it
// sees that are in notify; and TotalUnread, their sum over the communities
// in notify.
func testUnreadByCommunity(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "owner", "u", "outsider")
	owner, u, outsider := us[0], us[1], us[2]
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	e := addCommunity(t, s, appA, "e") // u is not a member
	for _, cc := range []plaza.CommunityInfo{c, d, e} {
		addMember(t, s, cc, owner, plaza.RoleOwner)
	}
	mu := addMember(t, s, c, u, plaza.RoleMember)
	mud := addMember(t, s, d, u, plaza.RoleMember)
	general := addChannelOf(t, s, c, plaza.GeneralChannelID, plaza.ChannelGeneral)
	pub := addChannel(t, s, c, "pub")
	p1 := listIn(t, s, addChannelOf(t, s, c, "p1", plaza.ChannelPrivate), u)
	p2 := addChannelOf(t, s, c, "p2", plaza.ChannelPrivate) // u is not listed
	dgen := addChannelOf(t, s, d, plaza.GeneralChannelID, plaza.ChannelGeneral)
	egen := addChannelOf(t, s, e, plaza.GeneralChannelID, plaza.ChannelGeneral)
	sendN(t, s, general, owner, 5)
	sendN(t, s, pub, owner, 3)
	sendN(t, s, p1, owner, 4)
	sendN(t, s, p2, owner, 6)
	sendN(t, s, dgen, owner, 2)
	sendN(t, s, egen, owner, 1)
	check := func(when string, cStatus plaza.NotificationStatus, cUnread int64, dStatus plaza.NotificationStatus, dUnread int64) {
		t.Helper()
		want := []plaza.CommunityUnread{{CommunityID: "c", NotificationStatus: cStatus, Unread: cUnread}}
		if dStatus != 0 {
			want = append(want, plaza.CommunityUnread{CommunityID: "d", NotificationStatus: dStatus, Unread: dUnread})
		}
		diff(t, "UnreadByCommunity of u "+when, want, unreadOf(t, s, u))
		checkTotal(t, s, "of u "+when, u, want)
	}

	// Channels start in do-not-disturb: nothing counts.
	check("before any setting", plaza.Notify, 0, plaza.Notify, 0)
	setState(t, s, u, general, notify)
	check("with GENERAL in notify", plaza.Notify, 5, plaza.Notify, 0)
	setReadSeq(t, s, u, general, 2)
	check("with GENERAL read to 2", plaza.Notify, 3, plaza.Notify, 0)
	setState(t, s, u, pub, notify)
	check("with pub in notify", plaza.Notify, 3+3, plaza.Notify, 0)
	setState(t, s, u, p1, notify)
	check("with p1, listed, in notify", plaza.Notify, 3+3+4, plaza.Notify, 0)
	setState(t, s, u, p2, notify) // as an admin could have, before being made a member
	check("with p2, not listed, in notify", plaza.Notify, 3+3+4, plaza.Notify, 0)

	// The private channels u sees follow its role.
	mu.MemberRole = plaza.RoleAdmin
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateMember(ctx, mu) })
	check("as an admin of c", plaza.Notify, 3+3+4+6, plaza.Notify, 0)
	mu.MemberRole = plaza.RoleMember
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateMember(ctx, mu) })
	check("as a member of c again", plaza.Notify, 3+3+4, plaza.Notify, 0)

	// A read position past the last seq counts nothing, not less than
	// nothing.
	setReadSeq(t, s, u, pub, 10)
	check("with pub read past its last seq", plaza.Notify, 3+4, plaza.Notify, 0)
	setState(t, s, u, general, plaza.ConversationState{NotificationStatus: plaza.DoNotDisturb, Draft: "d", PinnedTime: t0})
	check("with GENERAL back in do-not-disturb", plaza.Notify, 4, plaza.Notify, 0)
	sendN(t, s, p1, owner, 1)
	sendN(t, s, general, owner, 1)
	check("after a message in p1 and one in GENERAL", plaza.Notify, 5, plaza.Notify, 0)

	// The community's status is the member's; its unread count is given
	// whatever the status.
	mud.NotificationStatus = plaza.DoNotDisturb
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateMember(ctx, mud) })
	check("with d in do-not-disturb", plaza.Notify, 5, plaza.DoNotDisturb, 0)
	setState(t, s, u, dgen, notify)
	check("with d in do-not-disturb and its GENERAL in notify", plaza.Notify, 5, plaza.DoNotDisturb, 2)

	// Others' settings and positions are their own.
	setState(t, s, owner, pub, notify)
	setState(t, s, owner, p2, notify)
	setReadSeq(t, s, owner, p1, 1)
	check("after the owner's settings", plaza.Notify, 5, plaza.DoNotDisturb, 2)
	ownerWant := []plaza.CommunityUnread{
		{CommunityID: "c", NotificationStatus: plaza.Notify, Unread: 3 + 6},
		{CommunityID: "d", NotificationStatus: plaza.Notify},
		{CommunityID: "e", NotificationStatus: plaza.Notify},
	}
	diff(t, "UnreadByCommunity of the owner", ownerWant, unreadOf(t, s, owner))
	checkTotal(t, s, "of the owner", owner, ownerWant)
	diff(t, "UnreadByCommunity of a user in no community", []plaza.CommunityUnread{}, unreadOf(t, s, outsider))
	checkTotal(t, s, "of a user in no community", outsider, nil)
	update(t, s, func(tx plaza.Tx) error {
		got := must(tx.UnreadByCommunity(ctx, u.PK))(t, "tx.UnreadByCommunity")
		if len(got) != 2 {
			t.Errorf("UnreadByCommunity of u read in a transaction: %+v, want c and d", got)
		}
		if n := must(tx.TotalUnread(ctx, u.PK))(t, "tx.TotalUnread"); n != 5 {
			t.Errorf("TotalUnread of u read in a transaction = %d, want 5", n)
		}
		return nil
	})

	// The total leaves out a community in do-not-disturb, whatever its
	// channels' settings.
	mo := must(s.Member(ctx, c.PK, owner.UserID))(t, "Member")
	mo.NotificationStatus = plaza.DoNotDisturb
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateMember(ctx, mo) })
	ownerWant[0].NotificationStatus = plaza.DoNotDisturb
	checkTotal(t, s, "of the owner with c in do-not-disturb", owner, ownerWant)

	// A community u leaves is no longer counted.
	leave(t, s, d, u)
	check("after u left d", plaza.Notify, 5, 0, 0)
}
