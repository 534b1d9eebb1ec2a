package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/plazahq/plaza"
)

// threadConversation is what the store must say of thread th (of parent) to
// its member m, whose read position is read, as JoinThread makes it: in
// notify, without a draft, not pinned. A thread's conversation names its
// parent and carries the parent's mute.
func threadConversation(m plaza.Member, th, parent plaza.Channel, read int64, last *plaza.Message) plaza.ChannelConversation {
	cv := conversation(m, th, read, last)
	cv.ParentChannelID, cv.ParentPK = parent.ChannelID, parent.PK
	cv.ChannelMute = parent.MuteInfo
	cv.NotificationStatus = plaza.Notify
	return cv
}

// lastOf reads message seq of ch as a conversation shows it: named by its
// community and channel.
func lastOf(tb testing.TB, q plaza.Query, ch plaza.Channel, seq int64) *plaza.Message {
	tb.Helper()
	m := must(q.Message(tb.Context(), ch.PK, seq, 0))(tb, "Message")
	m.CommunityID, m.ChannelID, m.ThreadInfo = ch.CommunityID, ch.ChannelID, nil
	return &m
}

// testThreadConversations checks that a user's conversations include the
// threads it is a member of whose parent it sees, as threads, in activity
// order with its channels; that the community's channel list does not; and
// that a pin in a thread counts while the user sees it.
func testThreadConversations(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "owner", "u", "v")
	owner, u, v := us[0], us[1], us[2]
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	for _, cc := range []plaza.CommunityInfo{c, d} {
		addMember(t, s, cc, owner, plaza.RoleOwner)
	}
	mu := addMember(t, s, c, u, plaza.RoleMember)
	mud := addMember(t, s, d, u, plaza.RoleMember)
	addMember(t, s, c, v, plaza.RoleMember)
	general := addChannelOf(t, s, c, plaza.GeneralChannelID, plaza.ChannelGeneral)
	pub := addChannel(t, s, c, "pub")
	priv := listIn(t, s, addChannelOf(t, s, c, "priv", plaza.ChannelPrivate), u)
	hidden := addChannelOf(t, s, c, "hidden", plaza.ChannelPrivate) // u is not listed
	dgen := addChannelOf(t, s, d, plaza.GeneralChannelID, plaza.ChannelGeneral)
	// pub is muted: its threads' conversations carry its mute.
	pub.MuteInfo = plaza.MuteInfo{Mode: plaza.MuteAll, ExpiredTime: plaza.PermanentMute, Roles: []plaza.Role{}}
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateChannel(ctx, pub) })
	tpub := addThread(t, s, pub, "tpub", threadOpt{at: t0 + 100})
	tpriv := addThread(t, s, priv, "tpriv", threadOpt{at: t0 + 200, private: true})
	thidden := addThread(t, s, hidden, "thidden", threadOpt{at: t0 + 300})
	tother := addThread(t, s, pub, "tother", threadOpt{at: t0 + 400}) // u is not a member
	td := addThread(t, s, dgen, "td", threadOpt{at: t0 + 500})
	quiet := addThread(t, s, general, "quiet", threadOpt{at: t0 + 600}) // no message
	for _, th := range []plaza.Channel{tpub, tpriv, thidden, td, quiet} {
		joinThread(t, s, th, u, 0, t0)
	}
	joinThread(t, s, tother, v, 0, t0)
	sendAt(t, s, general, owner, "general", t0+1000)
	sendAt(t, s, pub, owner, "pub", t0+2000)
	sendAt(t, s, tpub, owner, "tpub", t0+3000)
	sendAt(t, s, priv, owner, "priv", t0+500)
	sendAt(t, s, tpriv, owner, "tpriv one", t0+4000)
	sendAt(t, s, tpriv, owner, "tpriv two", t0+4100)
	sendAt(t, s, td, owner, "td", t0+2500)
	sendAt(t, s, thidden, owner, "thidden", t0+5000)
	sendAt(t, s, tother, owner, "tother", t0+6000)
	setReadSeq(t, s, u, tpriv, 1)
	read := func(ch plaza.Channel) plaza.Channel {
		t.Helper()
		return readChannel(t, s, ch.CommunityPK, ch.ChannelID)
	}
	general, pub, priv, dgen = read(general), read(pub), read(priv), read(dgen)
	tpub, tpriv, thidden, td, quiet = read(tpub), read(tpriv), read(thidden), read(td), read(quiet)

	want := []plaza.ChannelConversation{
		threadConversation(mu, tpriv, priv, 1, lastOf(t, s, tpriv, 2)),
		threadConversation(mu, tpub, pub, 0, lastOf(t, s, tpub, 1)),
		threadConversation(mud, td, dgen, 0, lastOf(t, s, td, 1)),
		conversation(mu, pub, 0, lastOf(t, s, pub, 1)),
		conversation(mu, general, 0, lastOf(t, s, general, 1)),
		threadConversation(mu, quiet, general, 0, nil),
		conversation(mu, priv, 0, lastOf(t, s, priv, 1)),
		conversation(mud, dgen, 0, nil),
	}
	if got := conversationKeys(byOrder(want)); !slices.Equal(got, conversationKeys(want)) {
		t.Fatalf("the suite's expected conversations are not in order: %v", got) // the test itself is wrong
	}
	diff(t, "Conversations of u with threads", want, allConversations(t, s, u))
	for _, limit := range []int{1, 3} {
		paged := pageAll(t, "Conversations", limit, len(want),
			func(after plaza.Cursor, limit int) ([]plaza.ChannelConversation, error) {
				return s.Conversations(ctx, u.PK, after, limit)
			},
			func(cv plaza.ChannelConversation) plaza.Cursor { return plaza.Cursor{K1: cv.OrderKey, K2: cv.PK} })
		diff(t, fmt.Sprintf("Conversations of u with threads, paged by %d", limit), want, paged)
	}
	for _, cv := range want {
		diff(t, "Conversation(u, "+cv.ChannelID+")", cv, must(s.Conversation(ctx, u.PK, cv.PK))(t, "Conversation"))
	}
	for _, tc := range []struct {
		name string
		user plaza.User
		th   plaza.Channel
	}{
		{"a thread whose private parent u does not see", u, thidden},
		{"a thread u is not a member of", u, tother},
		{"a thread of a member of its parent, not of it", v, tpub},
	} {
		_, err := s.Conversation(ctx, tc.user.PK, tc.th.PK)
		wantErr(t, "Conversation of "+tc.name, err, plaza.ErrNotFound)
	}
	if slices.ContainsFunc(allConversations(t, s, v), func(cv plaza.ChannelConversation) bool { return cv.PK == tpub.PK }) {
		t.Errorf("Conversations of v include tpub, a thread v is not a member of")
	}

	// The channel list of a community is its channels only.
	diff(t, "ChannelConversations of u in c", []string{"c/" + plaza.GeneralChannelID, "c/pub", "c/priv"},
		conversationKeys(conversations(t, s, c.PK, u.PK)))
	diff(t, "ChannelConversations of u in d", []string{"d/" + plaza.GeneralChannelID}, conversationKeys(conversations(t, s, d.PK, u.PK)))

	// A pinned thread comes first, and counts against the pins while u
	// sees it.
	pinned := plaza.ConversationState{NotificationStatus: plaza.Notify, PinnedTime: t0 + 10}
	setState(t, s, u, tpub, pinned)
	setState(t, s, u, tpriv, plaza.ConversationState{NotificationStatus: plaza.Notify, PinnedTime: t0 + 20})
	if n := countPinned(t, s, u); n != 2 {
		t.Errorf("CountPinned of u with two threads pinned = %d, want 2", n)
	}
	if got := conversationKeys(allConversations(t, s, u))[:2]; !slices.Equal(got, []string{"c/tpriv", "c/tpub"}) {
		t.Errorf("first Conversations of u with two threads pinned: %v, want c/tpriv, c/tpub", got)
	}
	update(t, s, func(tx plaza.Tx) error {
		_, err := tx.RemoveChannelMember(ctx, priv.PK, u.PK)
		return err
	})
	if n := countPinned(t, s, u); n != 1 {
		t.Errorf("CountPinned of u once it no longer sees a pinned thread's parent = %d, want 1", n)
	}
	want[1] = withState(want[1], pinned)
	wantNow := append([]plaza.ChannelConversation{want[1]}, want[2:6]...)
	wantNow = append(wantNow, want[7])
	diff(t, "Conversations of u once it no longer sees priv", wantNow, allConversations(t, s, u))

	// As an admin, u sees every private channel, and so the threads of them
	// it is a member of.
	mu.MemberRole = plaza.RoleAdmin
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateMember(ctx, mu) })
	if got := conversationKeys(allConversations(t, s, u)); !slices.Contains(got, "c/thidden") || !slices.Contains(got, "c/tpriv") {
		t.Errorf("Conversations of u as an admin: %v, want c/thidden and c/tpriv among them", got)
	}
	if n := countPinned(t, s, u); n != 2 {
		t.Errorf("CountPinned of u as an admin = %d, want 2", n)
	}
}

// testThreadUnread checks the unread counts with threads: a community's
// Unread sums its channels only; ThreadUnread its followed threads in
// notify whose parent the user sees; ThreadMentions the unread messages of
// those that mention the user, by name or all; TotalUnread includes them.
func testThreadUnread(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "owner", "u")
	owner, u := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	addMember(t, s, c, owner, plaza.RoleOwner)
	addMember(t, s, d, owner, plaza.RoleOwner)
	mu := addMember(t, s, c, u, plaza.RoleMember)
	mud := addMember(t, s, d, u, plaza.RoleMember)
	general := addChannelOf(t, s, c, plaza.GeneralChannelID, plaza.ChannelGeneral)
	pub := addChannel(t, s, c, "pub")
	priv := listIn(t, s, addChannelOf(t, s, c, "priv", plaza.ChannelPrivate), u)
	hidden := addChannelOf(t, s, c, "hidden", plaza.ChannelPrivate) // u is not listed
	dgen := addChannelOf(t, s, d, plaza.GeneralChannelID, plaza.ChannelGeneral)
	t1 := addThread(t, s, pub, "t1", threadOpt{})
	t2 := addThread(t, s, priv, "t2", threadOpt{private: true})
	t3 := addThread(t, s, hidden, "t3", threadOpt{})
	t4 := addThread(t, s, pub, "t4", threadOpt{}) // u is not a member
	t5 := addThread(t, s, general, "t5", threadOpt{})
	td := addThread(t, s, dgen, "td", threadOpt{})
	for _, th := range []plaza.Channel{t1, t2, t3, t5, td} {
		joinThread(t, s, th, u, 0, t0)
	}
	setState(t, s, u, general, notify)
	setState(t, s, u, t5, plaza.ConversationState{NotificationStatus: plaza.DoNotDisturb})
	sendN(t, s, general, owner, 2)
	sendN(t, s, pub, owner, 3) // in do-not-disturb
	byName := func(th plaza.Channel) plaza.Message {
		return sendMentioning(t, s, th, owner, text("to u"), []plaza.User{u}, false)
	}
	toAll := func(th plaza.Channel) plaza.Message {
		return sendMentioning(t, s, th, owner, text("to all"), nil, true)
	}
	byName(t1)                                                                   // 1
	toAll(t1)                                                                    // 2
	sendMentioning(t, s, t1, owner, text("to u and all"), []plaza.User{u}, true) // 3: one mention
	sendText(t, s, t1, owner, "plain")                                           // 4
	sendN(t, s, t2, owner, 2)
	t2all := toAll(t2) // 3
	byName(t3)
	byName(t3)
	toAll(t4)
	byName(t5)
	sendText(t, s, td, owner, "plain")
	sendMentioning(t, s, pub, owner, text("in a channel"), []plaza.User{u}, true) // channels' mentions are not ThreadMentions

	check := func(when string, want ...plaza.CommunityUnread) {
		t.Helper()
		diff(t, "UnreadByCommunity of u "+when, want, unreadOf(t, s, u))
		checkTotal(t, s, "of u "+when, u, want)
	}
	row := func(id string, status plaza.NotificationStatus, unread, threads, mentions int64) plaza.CommunityUnread {
		return plaza.CommunityUnread{CommunityID: id, NotificationStatus: status, Unread: unread, ThreadUnread: threads, ThreadMentions: mentions}
	}
	check("with threads", row("c", plaza.Notify, 2, 4+3, 3+1), row("d", plaza.Notify, 0, 1, 0))

	setReadSeq(t, s, u, t1, 2)
	check("with t1 read to 2", row("c", plaza.Notify, 2, 2+3, 1+1), row("d", plaza.Notify, 0, 1, 0))
	update(t, s, func(tx plaza.Tx) error { return tx.DeleteMentions(ctx, t2.PK, t2all.MessageSeq) })
	check("with t2's mention revoked", row("c", plaza.Notify, 2, 2+3, 1), row("d", plaza.Notify, 0, 1, 0))
	setState(t, s, u, t5, notify)
	check("with t5 in notify", row("c", plaza.Notify, 2, 2+3+1, 1+1), row("d", plaza.Notify, 0, 1, 0))
	setState(t, s, u, t1, plaza.ConversationState{NotificationStatus: plaza.DoNotDisturb})
	check("with t1 in do-not-disturb", row("c", plaza.Notify, 2, 3+1, 1), row("d", plaza.Notify, 0, 1, 0))

	// The parent's visibility follows u's listing and role.
	update(t, s, func(tx plaza.Tx) error {
		_, err := tx.RemoveChannelMember(ctx, priv.PK, u.PK)
		return err
	})
	check("once u no longer sees priv", row("c", plaza.Notify, 2, 1, 1), row("d", plaza.Notify, 0, 1, 0))
	mu.MemberRole = plaza.RoleAdmin
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateMember(ctx, mu) })
	check("as an admin of c", row("c", plaza.Notify, 2, 1+3+2, 1+2), row("d", plaza.Notify, 0, 1, 0))

	// A community in do-not-disturb keeps its counts and leaves the total.
	mud.NotificationStatus = plaza.DoNotDisturb
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateMember(ctx, mud) })
	check("with d in do-not-disturb", row("c", plaza.Notify, 2, 1+3+2, 1+2), row("d", plaza.DoNotDisturb, 0, 1, 0))

	// Leaving a thread leaves its counts.
	update(t, s, func(tx plaza.Tx) error {
		_, err := tx.LeaveThread(ctx, t3.PK, u.PK)
		return err
	})
	check("after u left t3", row("c", plaza.Notify, 2, 1+3, 1), row("d", plaza.DoNotDisturb, 0, 1, 0))
	update(t, s, func(tx plaza.Tx) error {
		diff(t, "UnreadByCommunity of u read in a transaction",
			[]plaza.CommunityUnread{row("c", plaza.Notify, 2, 1+3, 1), row("d", plaza.DoNotDisturb, 0, 1, 0)},
			unreadOf(t, tx, u))
		if n := must(tx.TotalUnread(ctx, u.PK))(t, "tx.TotalUnread"); n != 2+1+3 {
			t.Errorf("TotalUnread of u read in a transaction = %d, want %d", n, 2+1+3)
		}
		return nil
	})
	// The owner follows nothing: its threads count nothing.
	for _, r := range unreadOf(t, s, owner) {
		if r.ThreadUnread != 0 || r.ThreadMentions != 0 {
			t.Errorf("UnreadByCommunity of the owner, who follows no thread: %+v", r)
		}
	}
}

// testInsertMembersThreads checks that InsertMembers makes read positions
// for a new member's channels only: nobody but a thread's members carries a
// row for it, so a thread joined later starts where JoinThread says.
func testInsertMembersThreads(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "owner", "w")
	owner, w := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	addMember(t, s, c, owner, plaza.RoleOwner)
	pub := addChannel(t, s, c, "pub")
	th := addThread(t, s, pub, "th", threadOpt{})
	sendN(t, s, pub, owner, 2)
	sendN(t, s, th, owner, 3)
	mw := join(t, s, c, w, plaza.RoleMember)
	diff(t, "read positions of a new member", map[string]int64{"pub": 2}, readSeqs(t, s, c.PK, w))
	_, err := s.Conversation(ctx, w.PK, th.PK)
	wantErr(t, "Conversation of a new member in a thread", err, plaza.ErrNotFound)
	joinThread(t, s, th, w, 0, t0)
	th = readChannel(t, s, c.PK, "th")
	pub = readChannel(t, s, c.PK, "pub")
	diff(t, "Conversation of a new member who then joined a thread from its start",
		threadConversation(mw, th, pub, 0, lastOf(t, s, th, 3)), must(s.Conversation(ctx, w.PK, th.PK))(t, "Conversation"))
	diff(t, "UnreadByCommunity of the new member", []plaza.CommunityUnread{{CommunityID: "c", NotificationStatus: plaza.Notify, ThreadUnread: 3}},
		unreadOf(t, s, w))
}

// testDeleteMembersThreads checks that a member leaving a community (or
// kicked) leaves its threads there too, their member counts lowered, and
// keeps those of other communities.
func testDeleteMembersThreads(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "v")
	u, v := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	for _, cc := range []plaza.CommunityInfo{c, d} {
		addMember(t, s, cc, u, plaza.RoleMember)
		addMember(t, s, cc, v, plaza.RoleMember)
	}
	pub := addChannel(t, s, c, "pub")
	priv := listIn(t, s, addChannelOf(t, s, c, "priv", plaza.ChannelPrivate), u, v)
	dpub := addChannel(t, s, d, "pub")
	threads := []plaza.Channel{
		addThread(t, s, pub, "t1", threadOpt{}),
		addThread(t, s, pub, "t2", threadOpt{private: true}),
		addThread(t, s, priv, "t3", threadOpt{}),
		addThread(t, s, dpub, "td", threadOpt{}),
	}
	for _, th := range threads {
		joinThread(t, s, th, u, 0, t0)
		joinThread(t, s, th, v, 0, t0)
		sendText(t, s, th, v, "hello")
		setState(t, s, u, th, plaza.ConversationState{NotificationStatus: plaza.Notify, Draft: "draft", PinnedTime: t0 + th.PK})
	}
	leave(t, s, c, u)
	for _, th := range threads {
		got := readChannel(t, s, th.CommunityPK, th.ChannelID)
		inC := th.CommunityPK == c.PK
		want := int64(2)
		if inC {
			want = 1
		}
		if got.MemberCount != want {
			t.Errorf("MemberCount of %s/%s after u left c = %d, want %d", th.CommunityID, th.ChannelID, got.MemberCount, want)
		}
		checkListed(t, s, "after u left c", got, map[plaza.User]bool{u: !inC, v: true})
		_, err := s.Conversation(ctx, u.PK, th.PK)
		if inC {
			wantErr(t, "Conversation of u in "+th.ChannelID+" after it left c", err, plaza.ErrNotFound)
		} else if err != nil {
			t.Errorf("Conversation of u in %s/%s after it left c: %v", th.CommunityID, th.ChannelID, err)
		}
	}
	diff(t, "the private channel's member count after u left c", int64(1), readChannel(t, s, c.PK, "priv").MemberCount)
	diff(t, "FollowedThreads of u after it left c", []string{"td"}, followedIDs(t, s, u))
	diff(t, "FollowedThreads of v after u left c", []string{"td", "t3", "t2", "t1"}, followedIDs(t, s, v))
	if n := countPinned(t, s, u); n != 1 {
		t.Errorf("CountPinned of u after it left c = %d, want 1", n)
	}
	diff(t, "ThreadMembers of t1 after u left c", []string{"v"}, threadMemberIDs(t, s, threads[0]))
}

// followedIDs reads the IDs of u's followed threads in every community.
func followedIDs(tb testing.TB, q plaza.Query, u plaza.User) []string {
	tb.Helper()
	var out []string
	for _, f := range must(q.FollowedThreads(tb.Context(), u.PK, 0, plaza.Cursor{}, 1000))(tb, "FollowedThreads") {
		out = append(out, f.Thread.ChannelID)
	}
	return out
}

// threadMemberIDs reads the user IDs of a thread's members.
func threadMemberIDs(tb testing.TB, q plaza.Query, th plaza.Channel) []string {
	tb.Helper()
	var out []string
	for _, m := range must(q.ThreadMembers(tb.Context(), th.CommunityPK, th.PK, plaza.Cursor{}, 1000))(tb, "ThreadMembers") {
		out = append(out, m.UserID)
	}
	return out
}

// testDeleteChannelThreads checks that deleting a channel deletes its
// threads with everything in them and records their IDs as dismissed, and
// that deleting a thread is deleting a channel.
func testDeleteChannelThreads(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "owner", "u")
	owner, u := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	addMember(t, s, c, owner, plaza.RoleOwner)
	addMember(t, s, c, u, plaza.RoleMember)
	doomed := addChannel(t, s, c, "doomed")
	kept := addChannel(t, s, c, "kept")
	root := sendText(t, s, doomed, owner, "root")
	keptRoot := sendText(t, s, kept, owner, "kept root")
	t1 := addThread(t, s, doomed, "t1", threadOpt{root: root.MessageSeq})
	t2 := addThread(t, s, doomed, "t2", threadOpt{private: true})
	tk := addThread(t, s, kept, "tk", threadOpt{root: keptRoot.MessageSeq})
	for _, th := range []plaza.Channel{t1, t2, tk} {
		joinThread(t, s, th, u, 0, t0)
		m := text("first")
		m.ClientMessageID = "client-1"
		first := send(t, s, th, owner, m)
		react(t, s, first, "👍", u)
		hide(t, s, u, th, 1)
		update(t, s, func(tx plaza.Tx) error {
			if err := tx.InsertMentions(ctx, th.PK, first.MessageSeq, []int64{u.PK}, true); err != nil {
				return err
			}
			st := plaza.ConversationState{NotificationStatus: plaza.Notify, Draft: "draft", PinnedTime: t0 + th.PK}
			if err := tx.SetConversationState(ctx, u.PK, th.PK, st); err != nil {
				return err
			}
			return tx.SetMemberMute(ctx, c.PK, u.PK, th.PK, plaza.PermanentMute)
		})
	}
	tk = readChannel(t, s, c.PK, "tk")
	kept = readChannel(t, s, c.PK, "kept")
	keptHistory := must(s.History(ctx, tk.PK, owner.PK, 0, false, 100))(t, "History")
	if len(keptHistory) != 1 {
		t.Fatalf("History of tk before the deletion: %d messages, want 1", len(keptHistory))
	}

	update(t, s, func(tx plaza.Tx) error { return tx.DeleteChannel(ctx, doomed, t0+5000) })

	for _, th := range []plaza.Channel{t1, t2} {
		_, err := s.Channel(ctx, c.PK, th.ChannelID)
		wantErr(t, "Channel of a deleted channel's thread "+th.ChannelID, err, plaza.ErrNotFound)
		if !must(s.ChannelDismissed(ctx, c.PK, th.ChannelID))(t, "ChannelDismissed") {
			t.Errorf("ChannelDismissed of a deleted channel's thread %s = false, want true", th.ChannelID)
		}
		_, err = s.Message(ctx, th.PK, 1, owner.PK)
		wantErr(t, "Message of a deleted thread", err, plaza.ErrNotFound)
		diff(t, "History of a deleted thread", []plaza.Message{}, must(s.History(ctx, th.PK, u.PK, 0, true, 100))(t, "History"))
		_, err = s.MessageByClientID(ctx, th.PK, owner.PK, "client-1")
		wantErr(t, "MessageByClientID in a deleted thread", err, plaza.ErrNotFound)
		diff(t, "Reactions in a deleted thread", []plaza.Reaction{}, must(s.Reactions(ctx, th.PK, 1, u.PK))(t, "Reactions"))
		diff(t, "Mentions in a deleted thread", map[int64][]plaza.MentionedInfo{}, mentionsOf(t, s, u, plaza.ReadPosition{ChannelPK: th.PK}))
		checkListed(t, s, "a deleted thread", th, map[plaza.User]bool{u: false})
		diff(t, "ThreadMembers of a deleted thread", []string(nil), threadMemberIDs(t, s, th))
		_, err = s.Conversation(ctx, u.PK, th.PK)
		wantErr(t, "Conversation in a deleted thread", err, plaza.ErrNotFound)
	}
	if !must(s.ChannelDismissed(ctx, c.PK, "doomed"))(t, "ChannelDismissed") {
		t.Errorf("ChannelDismissed of the deleted channel = false, want true")
	}
	if must(s.ChannelDismissed(ctx, c.PK, "tk"))(t, "ChannelDismissed") {
		t.Errorf("ChannelDismissed of another channel's thread = true, want false")
	}
	diff(t, "FollowedThreads of u after a channel was deleted", []string{"tk"}, followedIDs(t, s, u))
	diff(t, "Conversations of u after a channel was deleted", []string{"c/tk", "c/kept"}, conversationKeys(allConversations(t, s, u)))
	diff(t, "UserMutes of u after a channel was deleted",
		map[int64][]plaza.MemberMute{c.PK: {{ChannelID: "tk", ChannelPK: tk.PK, MuteExpiredTime: plaza.PermanentMute}}}, userMutes(t, s, u))
	diff(t, "UserPrivateChannels of u after a channel was deleted", map[string][]string{}, privateChannels(t, s, u))
	if n := countPinned(t, s, u); n != 1 {
		t.Errorf("CountPinned of u after a channel with a pinned thread was deleted = %d, want 1", n)
	}
	// tk's first message, unread, mentions u and everyone.
	diff(t, "UnreadByCommunity of u after a channel was deleted",
		[]plaza.CommunityUnread{{CommunityID: "c", NotificationStatus: plaza.Notify, ThreadUnread: 1, ThreadMentions: 1}}, unreadOf(t, s, u))

	// The other channel and its thread are untouched.
	diff(t, "the kept thread", tk, readChannel(t, s, c.PK, "tk"))
	diff(t, "the kept channel", kept, readChannel(t, s, c.PK, "kept"))
	diffRead(t, "History of the kept thread", keptHistory, must(s.History(ctx, tk.PK, owner.PK, 0, false, 100))(t, "History"))
	if m := must(s.Message(ctx, kept.PK, keptRoot.MessageSeq, u.PK))(t, "Message"); m.ThreadInfo == nil {
		t.Errorf("the kept root message has no ThreadInfo after another channel was deleted")
	}

	// A thread is deleted as a channel is: its ID dismissed, its parent and
	// the parent's message left, without the thread's summary.
	update(t, s, func(tx plaza.Tx) error { return tx.DeleteChannel(ctx, tk, t0+6000) })
	_, err := s.Channel(ctx, c.PK, "tk")
	wantErr(t, "Channel of a deleted thread", err, plaza.ErrNotFound)
	if !must(s.ChannelDismissed(ctx, c.PK, "tk"))(t, "ChannelDismissed") {
		t.Errorf("ChannelDismissed of a deleted thread = false, want true")
	}
	diff(t, "the parent of a deleted thread", kept, readChannel(t, s, c.PK, "kept"))
	if m := must(s.Message(ctx, kept.PK, keptRoot.MessageSeq, u.PK))(t, "Message"); m.ThreadInfo != nil {
		t.Errorf("the root message of a deleted thread has ThreadInfo %+v, want none", m.ThreadInfo)
	}
	diff(t, "UserMutes of u after its thread was deleted", map[int64][]plaza.MemberMute{}, userMutes(t, s, u))
	diff(t, "Conversations of u after its thread was deleted", []string{"c/kept"}, conversationKeys(allConversations(t, s, u)))
}

// testThreadInfo checks the ThreadInfo of a message that opened a thread,
// in every read of messages, and that a private thread's is shown to its
// members only.
func testThreadInfo(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "owner", "u", "v")
	owner, u, v := us[0], us[1], us[2]
	c := addCommunity(t, s, appA, "c")
	pub := addChannel(t, s, c, "pub")
	m1 := sendText(t, s, pub, owner, "opens a thread")
	m2 := sendText(t, s, pub, owner, "plain")
	m3 := sendText(t, s, pub, owner, "opens a private thread")
	r := replyTo(m1, "a reply that opens a thread")
	r.ClientMessageID = "reply"
	m4 := send(t, s, pub, u, r)
	m5 := sendText(t, s, pub, owner, "opens a thread without messages")
	open := addThread(t, s, pub, "open", threadOpt{root: m1.MessageSeq, at: t0 + 100})
	secret := addThread(t, s, pub, "secret", threadOpt{root: m3.MessageSeq, private: true, at: t0 + 200, duration: 60})
	replied := addThread(t, s, pub, "replied", threadOpt{root: m4.MessageSeq, at: t0 + 300})
	idle := addThread(t, s, pub, "idle", threadOpt{root: m5.MessageSeq, at: t0 + 400})
	addThread(t, s, pub, "standalone", threadOpt{at: t0 + 500})
	joinThread(t, s, secret, u, 0, t0)
	sendAt(t, s, open, owner, "one", t0+7000)
	inOpen := sendAt(t, s, open, owner, "two", t0+8000)
	sendAt(t, s, secret, u, "secret", t0+9000)
	sendAt(t, s, replied, u, "replied", t0+9500)
	info := func(th plaza.Channel) *plaza.ThreadInfo {
		th = readChannel(t, s, c.PK, th.ChannelID)
		return &plaza.ThreadInfo{ThreadID: th.ChannelID, ThreadName: th.ChannelName, MessageCount: th.LastMessageSeq,
			LastMessageTime: th.LastTime, ArchiveAt: th.ArchiveAt}
	}
	with := func(m plaza.Message, ti *plaza.ThreadInfo) plaza.Message {
		m.ThreadInfo = ti
		return m
	}
	openInfo := info(open)
	if *openInfo != (plaza.ThreadInfo{ThreadID: "open", ThreadName: "Thread open", MessageCount: 2, LastMessageTime: t0 + 8000,
		ArchiveAt: t0 + 8000 + 1440*minute}) {
		t.Fatalf("the thread open as read: %+v", openInfo)
	}
	shared := []plaza.Message{with(m1, openInfo), m2, m3, with(m4, info(replied)), with(m5, info(idle))}
	forU := slices.Clone(shared)
	forU[2] = with(m3, info(secret))
	for _, tc := range []struct {
		name   string
		viewer plaza.User
		want   []plaza.Message
	}{
		{"a member of the private thread", u, forU},
		{"a user who is not", v, shared},
		{"nobody in particular", plaza.User{}, shared},
	} {
		who := " for " + tc.name
		for i, want := range tc.want {
			diffRead(t, fmt.Sprintf("Message %d%s", i+1, who), want, must(s.Message(ctx, pub.PK, want.MessageSeq, tc.viewer.PK))(t, "Message"))
		}
		diffRead(t, "Messages"+who, tc.want, must(s.Messages(ctx, pub.PK, []int64{1, 2, 3, 4, 5}, tc.viewer.PK))(t, "Messages"))
		diffRead(t, "History forward"+who, tc.want, must(s.History(ctx, pub.PK, tc.viewer.PK, 0, true, 100))(t, "History"))
		diffRead(t, "History backward"+who, tc.want[2:], must(s.History(ctx, pub.PK, tc.viewer.PK, 0, false, 3))(t, "History"))
		diffRead(t, "Replies"+who, tc.want[3:4], must(s.Replies(ctx, pub.PK, m1.MessageSeq, tc.viewer.PK, plaza.Cursor{}, 100))(t, "Replies"))
	}
	diffRead(t, "MessageByClientID of a message that opened a thread", with(m4, info(replied)),
		must(s.MessageByClientID(ctx, pub.PK, u.PK, "reply"))(t, "MessageByClientID"))
	update(t, s, func(tx plaza.Tx) error {
		diffRead(t, "Message read in a transaction", forU[2], must(tx.Message(ctx, pub.PK, m3.MessageSeq, u.PK))(t, "tx.Message"))
		return nil
	})
	// A thread's own messages open nothing.
	if m := must(s.Message(ctx, open.PK, inOpen.MessageSeq, owner.PK))(t, "Message"); m.ThreadInfo != nil {
		t.Errorf("a thread's message has ThreadInfo %+v", m.ThreadInfo)
	}
	// The summary follows the thread: renamed, archived, more messages.
	open = readChannel(t, s, c.PK, "open")
	open.ChannelName, open.ArchiveAt = "Renamed", t0+9000
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateChannel(ctx, open) })
	sendAt(t, s, open, owner, "three", t0+9900)
	diffRead(t, "Message 1 after its thread changed", with(m1, info(open)), must(s.Message(ctx, pub.PK, 1, v.PK))(t, "Message"))
	if ti := info(open); ti.ThreadName != "Renamed" || ti.MessageCount != 3 || ti.LastMessageTime != t0+9900 {
		t.Errorf("the thread open after a rename and a message: %+v", ti)
	}
}

// testUserPrivateChannelsThreads checks that UserPrivateChannels lists the
// private threads a user is a member of, beside its private channels, and
// no public thread.
func testUserPrivateChannelsThreads(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "v")
	u, v := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	pub := addChannel(t, s, c, "pub")
	priv := listIn(t, s, addChannelOf(t, s, c, "priv", plaza.ChannelPrivate), u)
	dpub := addChannel(t, s, d, "pub")
	tp := addThread(t, s, pub, "tp", threadOpt{private: true})
	tq := addThread(t, s, priv, "tq", threadOpt{private: true})
	tpub := addThread(t, s, pub, "tpub", threadOpt{})
	td := addThread(t, s, dpub, "td", threadOpt{private: true})
	addThread(t, s, pub, "notmine", threadOpt{private: true})
	for _, th := range []plaza.Channel{tp, tq, tpub, td} {
		joinThread(t, s, th, u, 0, t0)
	}
	joinThread(t, s, tpub, v, 0, t0)
	diff(t, "UserPrivateChannels of u", map[string][]string{"c": {"priv", "tp", "tq"}, "d": {"td"}}, privateChannels(t, s, u))
	diff(t, "UserPrivateChannels of v, in a public thread only", map[string][]string{}, privateChannels(t, s, v))
	update(t, s, func(tx plaza.Tx) error {
		_, err := tx.LeaveThread(ctx, tp.PK, u.PK)
		return err
	})
	diff(t, "UserPrivateChannels of u after it left tp", map[string][]string{"c": {"priv", "tq"}, "d": {"td"}}, privateChannels(t, s, u))
}

// testDeleteCommunityThreads checks that a deleted community takes its
// threads with it: their rows, members, conversations and mutes.
func testDeleteCommunityThreads(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "owner", "u")
	owner, u := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	for _, cc := range []plaza.CommunityInfo{c, d} {
		addMember(t, s, cc, owner, plaza.RoleOwner)
		addMember(t, s, cc, u, plaza.RoleMember)
	}
	th := addThread(t, s, addChannel(t, s, c, "pub"), "th", threadOpt{private: true})
	kept := addThread(t, s, addChannel(t, s, d, "pub"), "kept", threadOpt{private: true})
	for _, x := range []plaza.Channel{th, kept} {
		joinThread(t, s, x, u, 0, t0)
		sendMentioning(t, s, x, owner, text("hello"), []plaza.User{u}, false)
		setMute(t, s, plaza.CommunityInfo{PK: x.CommunityPK}, u, x.PK, plaza.PermanentMute)
	}
	update(t, s, func(tx plaza.Tx) error { return tx.DismissCommunity(ctx, c, t0+1000) })
	for _, when := range []string{"dismissed", "purged"} {
		if when == "purged" {
			purge(t, s, c.PK)
			_, err := s.Channel(ctx, c.PK, "th")
			wantErr(t, "Channel of a thread of a purged community", err, plaza.ErrNotFound)
			checkListed(t, s, "a thread of a purged community", th, map[plaza.User]bool{u: false})
		}
		diff(t, "FollowedThreads of u after a community was "+when, []string{"kept"}, followedIDs(t, s, u))
		diff(t, "UserPrivateChannels of u after a community was "+when, map[string][]string{"d": {"kept"}}, privateChannels(t, s, u))
		diff(t, "UnreadByCommunity of u after a community was "+when,
			[]plaza.CommunityUnread{{CommunityID: "d", NotificationStatus: plaza.Notify, ThreadUnread: 1, ThreadMentions: 1}}, unreadOf(t, s, u))
		diff(t, "Conversations of u after a community was "+when, []string{"d/kept", "d/pub"}, conversationKeys(allConversations(t, s, u)))
		diff(t, "UserMutes of u after a community was "+when,
			map[int64][]plaza.MemberMute{d.PK: {{ChannelID: "kept", ChannelPK: kept.PK, MuteExpiredTime: plaza.PermanentMute}}}, userMutes(t, s, u))
	}
	diff(t, "FollowedThreads of u in a purged community", []plaza.FollowedThread{},
		must(s.FollowedThreads(ctx, u.PK, c.PK, plaza.Cursor{}, 100))(t, "FollowedThreads"))
}
