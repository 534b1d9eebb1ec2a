package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/plazahq/plaza"
)

// purge removes a dismissed community's rows with PurgeCommunity, a few at
// a time so that every step of a purge ends and resumes across calls, and
// returns the number of calls it took.
func purge(tb testing.TB, s plaza.Store, communityPK int64) int {
	tb.Helper()
	return purgeBy(tb, s, communityPK, 3)
}

// purgeBy is purge with PurgeCommunity's limit.
func purgeBy(tb testing.TB, s plaza.Store, communityPK int64, limit int) int {
	tb.Helper()
	for calls := 1; calls <= 100_000; calls++ {
		var more bool
		update(tb, s, func(tx plaza.Tx) error {
			var err error
			more, err = tx.PurgeCommunity(tb.Context(), communityPK, limit)
			return err
		})
		if !more {
			return calls
		}
	}
	tb.Fatalf("PurgeCommunity(%d, %d) still has rows to remove after 100,000 calls", communityPK, limit)
	return 0
}

// populated builds a community of appA with something in every table a
// community's rows live in, for owner, u and v (u and v must be new to
// it), and returns it with its channel IDs.
func populated(tb testing.TB, s plaza.Store, id string, owner, u, v, applicant plaza.User) (plaza.CommunityInfo, []string) {
	tb.Helper()
	ctx := tb.Context()
	c := addCommunity(tb, s, appA, id)
	addMember(tb, s, c, owner, plaza.RoleOwner)
	general := addChannelOf(tb, s, c, plaza.GeneralChannelID, plaza.ChannelGeneral)
	gone := addChannel(tb, s, c, "gone")
	update(tb, s, func(tx plaza.Tx) error { return tx.DeleteChannel(ctx, gone, t0+10) }) // a dismissed channel ID
	priv := listIn(tb, s, addChannelOf(tb, s, c, "priv", plaza.ChannelPrivate), u)
	// u and v join with read positions in every channel they see.
	join(tb, s, c, u, plaza.RoleMember)
	join(tb, s, c, v, plaza.RoleAdmin)
	hello := sendMentioning(tb, s, general, owner, text("hello"), []plaza.User{u}, true)
	send(tb, s, general, u, replyTo(hello, "hi"))
	react(tb, s, hello, "👍", u)
	react(tb, s, hello, "👍", v)
	hide(tb, s, u, general, hello.MessageSeq)
	sendN(tb, s, priv, owner, 3)
	th := addThread(tb, s, general, "th", threadOpt{root: hello.MessageSeq, private: true})
	joinThread(tb, s, th, u, 0, t0+20)
	sendMentioning(tb, s, th, owner, text("in the thread"), []plaza.User{u}, false)
	setMute(tb, s, c, u, 0, plaza.PermanentMute)
	setMute(tb, s, c, v, priv.PK, t0+1_000_000)
	setState(tb, s, u, general, plaza.ConversationState{NotificationStatus: plaza.Notify, Draft: "draft", PinnedTime: t0 + 30})
	setState(tb, s, v, general, notify)
	apply(tb, s, c, applicant, "let me in")
	return c, []string{plaza.GeneralChannelID, "priv", "gone", "th"}
}

// testPurgeCommunity checks DismissCommunity and PurgeCommunity on a
// community with rows in every table: nothing of it shows once it is
// dismissed, the purge takes its rows a bounded batch at a time and then
// the community, and a community beside it with the same members reads as
// it did before either existed.
func testPurgeCommunity(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "owner", "u", "v", "applicant")
	owner, u, v, applicant := us[0], us[1], us[2], us[3]
	kept, ids := populated(t, s, "kept", owner, u, v, applicant)
	reactions := []string{"👍"}
	before := snap(t, s, kept, ids, us, reactions)
	doomed, _ := populated(t, s, "doomed", owner, u, v, applicant)
	if got := must(s.TotalUnread(ctx, u.PK))(t, "TotalUnread"); got == before.Total["u"] {
		t.Fatalf("TotalUnread of u is %d with both communities, as with kept alone: the test shows nothing", got)
	}
	update(t, s, func(tx plaza.Tx) error { return tx.DismissCommunity(ctx, doomed, t0+100) })
	diff(t, "kept and every user's reads once doomed is dismissed", before, snap(t, s, kept, ids, us, reactions))
	diff(t, "FollowedThreads of u once doomed is dismissed", []string{"th"}, followedIDs(t, s, u))
	if n := countPinned(t, s, u); n != 1 {
		t.Errorf("CountPinned of u once doomed is dismissed = %d, want 1 (in kept)", n)
	}

	// Only a dismissed community is purged.
	err := s.Update(ctx, func(tx plaza.Tx) error {
		_, err := tx.PurgeCommunity(ctx, kept.PK, 10)
		return err
	})
	if err == nil {
		t.Errorf("PurgeCommunity of a community that is not dismissed succeeded")
	}

	// One row at a time: the purge is bounded, and resumes where it stopped.
	calls := purgeBy(t, s, doomed.PK, 1)
	if calls < 30 {
		t.Errorf("PurgeCommunity with a limit of 1 removed the community in %d calls: more than a row per call", calls)
	}
	diff(t, "kept and every user's reads once doomed is purged", before, snap(t, s, kept, ids, us, reactions))
	diff(t, "DismissedCommunities once doomed is purged", []int64{}, must(s.DismissedCommunities(ctx))(t, "DismissedCommunities"))
	gone := snap(t, s, doomed, ids, us, reactions)
	for _, id := range ids {
		if gone.Channels[id] != nil {
			t.Errorf("Channel %s of a purged community: %+v", id, gone.Channels[id])
		}
		if gone.Dismissed[id] {
			t.Errorf("ChannelDismissed(%s) of a purged community = true: its dismissed channel IDs went with it", id)
		}
	}
	diff(t, "MemberList of a purged community", []plaza.Member{}, gone.Members)
	diff(t, "MutedMemberList of a purged community", []plaza.Member{}, gone.Muted[""])
	diff(t, "CommunityApplications of a purged community", []plaza.Application{},
		must(s.CommunityApplications(ctx, doomed.PK, plaza.Cursor{}, 100))(t, "CommunityApplications"))
	if !must(s.CommunityDismissed(ctx, appA, "doomed"))(t, "CommunityDismissed") {
		t.Errorf("CommunityDismissed after the purge = false: the ID must stay taken")
	}

	// A community that no longer exists has nothing left to purge.
	update(t, s, func(tx plaza.Tx) error {
		more, err := tx.PurgeCommunity(ctx, doomed.PK, 10)
		if more {
			t.Errorf("PurgeCommunity of a purged community: more = true")
		}
		return err
	})

	// A larger limit takes fewer calls.
	again, _ := populated(t, s, "again", owner, u, v, applicant)
	update(t, s, func(tx plaza.Tx) error { return tx.DismissCommunity(ctx, again, t0+200) })
	if n := purgeBy(t, s, again.PK, 1000); n != 1 {
		t.Errorf("PurgeCommunity with a limit of 1,000 took %d calls for a few dozen rows, want 1", n)
	}
	diff(t, "kept once a second community is purged", before, snap(t, s, kept, ids, us, reactions))
}

// testDismissedCommunities checks DismissedCommunities: the dismissed
// communities not yet purged, in key order, across apps.
func testDismissedCommunities(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	diff(t, "DismissedCommunities of a new store", []int64{}, must(s.DismissedCommunities(ctx))(t, "DismissedCommunities"))
	a := addCommunity(t, s, appA, "a")
	b := addCommunity(t, s, appB, "b")
	addCommunity(t, s, appA, "c")
	update(t, s, func(tx plaza.Tx) error {
		if err := tx.DismissCommunity(ctx, b, t0); err != nil {
			return err
		}
		return tx.DismissCommunity(ctx, a, t0)
	})
	diff(t, "DismissedCommunities", []int64{a.PK, b.PK}, must(s.DismissedCommunities(ctx))(t, "DismissedCommunities"))
	// A new community may not take a dismissed one's ID, but a dismissed
	// community's row frees its place: the store holds both.
	for _, c := range []plaza.CommunityInfo{a, b} {
		_, err := s.Community(ctx, c.AppID, c.CommunityID)
		wantErr(t, "Community "+c.CommunityID+" once dismissed", err, plaza.ErrNotFound)
	}
	purge(t, s, a.PK)
	diff(t, "DismissedCommunities once a is purged", []int64{b.PK}, must(s.DismissedCommunities(ctx))(t, "DismissedCommunities"))
}

// testEnsureUsers checks EnsureUsers: the users in the order asked, the
// existing ones as they are, the missing ones created as EnsureUser
// creates them, across the store's statement batches.
func testEnsureUsers(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	old := addUser(t, s, appA, "u-0003")
	other := addUser(t, s, appB, "u-0004") // the same ID in another app is another user
	const n = 5_100
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("u-%04d", i)
	}
	ids = append(ids, "u-0007") // asked twice
	var got []plaza.User
	update(t, s, func(tx plaza.Tx) error {
		var err error
		got, err = tx.EnsureUsers(ctx, appA, ids, t0+5)
		return err
	})
	if len(got) != len(ids) {
		t.Fatalf("EnsureUsers returned %d users for %d IDs", len(got), len(ids))
	}
	seen := map[int64]string{}
	for i, u := range got {
		if u.UserID != ids[i] || u.AppID != appA || u.PK == 0 {
			t.Fatalf("EnsureUsers[%d] = %+v, want user %s of %s", i, u, ids[i], appA)
		}
		if prev, ok := seen[u.PK]; ok && prev != u.UserID {
			t.Fatalf("EnsureUsers gave %s and %s the same key %d", prev, u.UserID, u.PK)
		}
		seen[u.PK] = u.UserID
	}
	diff(t, "an existing user from EnsureUsers", old, got[3])
	diff(t, "the user asked twice", got[7], got[n])
	for _, i := range []int{0, 499, 500, 4_999, 5_000, n - 1} {
		diff(t, "EnsureUsers["+ids[i]+"] read back", got[i], must(s.User(ctx, appA, ids[i]))(t, "User"))
		want := plaza.User{PK: got[i].PK, AppID: appA, UserInfo: plaza.UserInfo{UserID: ids[i]}, CreatedAt: t0 + 5}
		if i != 3 {
			diff(t, "a user EnsureUsers created", want, got[i])
		}
	}
	diff(t, "the same ID in another app", other, must(s.User(ctx, appB, "u-0004"))(t, "User"))
	// Asking again creates nothing.
	update(t, s, func(tx plaza.Tx) error {
		again, err := tx.EnsureUsers(ctx, appA, ids[:600], t0+99)
		if err != nil {
			return err
		}
		diff(t, "EnsureUsers of existing users", got[:600], again)
		return nil
	})
	update(t, s, func(tx plaza.Tx) error {
		none, err := tx.EnsureUsers(ctx, appA, nil, t0)
		if len(none) != 0 {
			t.Errorf("EnsureUsers of no ID = %v", none)
		}
		return err
	})
}

// testInsertMembers checks InsertMembers: every membership stored as
// InsertMember stores one, with a read position at the end of every channel,
// across the store's statement batches; and a conflict fails the call
// and, with its transaction, stores nothing.
func testInsertMembers(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	owner := addUser(t, s, appA, "owner")
	addMember(t, s, c, owner, plaza.RoleOwner)
	general := addChannelOf(t, s, c, plaza.GeneralChannelID, plaza.ChannelGeneral)
	pub := addChannel(t, s, c, "pub")
	th := addThread(t, s, general, "th", threadOpt{})
	sendN(t, s, general, owner, 3)
	sendN(t, s, pub, owner, 2)
	sendN(t, s, th, owner, 1)
	dch := addChannel(t, s, d, "dch")
	sendN(t, s, dch, owner, 4)

	const n = 1_100
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("m%04d", i)
	}
	var users []plaza.User
	update(t, s, func(tx plaza.Tx) error {
		var err error
		users, err = tx.EnsureUsers(ctx, appA, ids, t0)
		return err
	})
	ms := make([]plaza.Member, n)
	for i, u := range users {
		ms[i] = plaza.Member{UserInfo: u.UserInfo, CommunityPK: c.PK, UserPK: u.PK, MemberRole: plaza.RoleMember,
			EnterTime: t0 + int64(i), EnterType: plaza.EnterInvited, OperatedUserID: "owner", NotificationStatus: plaza.Notify}
	}
	ms[5].MemberRole, ms[5].NotificationStatus = plaza.RoleAdmin, plaza.DoNotDisturb
	update(t, s, func(tx plaza.Tx) error { return tx.InsertMembers(ctx, ms) })
	for i := 1; i < n; i++ {
		if ms[i].PK <= ms[i-1].PK {
			t.Fatalf("InsertMembers left PKs %d, %d for members %d, %d: want them set, in order", ms[i-1].PK, ms[i].PK, i-1, i)
		}
	}
	for _, i := range []int{0, 5, 499, 500, n - 1} {
		want := ms[i]
		want.Mutes = []plaza.MemberMute{}
		diff(t, "member "+ids[i], want, must(s.Member(ctx, c.PK, ids[i]))(t, "Member"))
		diff(t, "read positions of "+ids[i], map[string]int64{plaza.GeneralChannelID: 3, "pub": 2}, readSeqs(t, s, c.PK, users[i]))
		if n := len(allConversations(t, s, users[i])); n != 2 {
			t.Errorf("%s has %d conversations, want 2 (a thread is its members' only)", ids[i], n)
		}
	}
	list := pageAll(t, "MemberList", 100, n+1, func(after plaza.Cursor, limit int) ([]plaza.Member, error) {
		return s.MemberList(ctx, c.PK, after, limit)
	}, func(m plaza.Member) plaza.Cursor { return plaza.Cursor{K1: int64(m.MemberRole), K2: m.PK} })
	if len(list) != n+1 || list[0].UserID != "owner" || list[1].UserID != ids[5] {
		t.Errorf("MemberList after InsertMembers: %d members, starting %s, %s; want %d, owner then %s",
			len(list), list[0].UserID, list[1].UserID, n+1, ids[5])
	}

	// A user who is a member already fails the call: nothing of it is kept.
	extra := addUser(t, s, appA, "extra")
	err := s.Update(ctx, func(tx plaza.Tx) error {
		return tx.InsertMembers(ctx, []plaza.Member{
			{CommunityPK: c.PK, UserPK: extra.PK, MemberRole: plaza.RoleMember, NotificationStatus: plaza.Notify},
			{CommunityPK: c.PK, UserPK: users[7].PK, MemberRole: plaza.RoleMember, NotificationStatus: plaza.Notify},
		})
	})
	wantErr(t, "InsertMembers with an existing member", err, plaza.ErrConflict)
	_, err = s.Member(ctx, c.PK, "extra")
	wantErr(t, "Member of a failed InsertMembers", err, plaza.ErrNotFound)

	// Members of another community, and none at all.
	update(t, s, func(tx plaza.Tx) error {
		if err := tx.InsertMembers(ctx, nil); err != nil {
			return err
		}
		return tx.InsertMembers(ctx, []plaza.Member{{CommunityPK: d.PK, UserPK: users[0].PK, MemberRole: plaza.RoleMember,
			EnterTime: t0, EnterType: plaza.EnterJoined, NotificationStatus: plaza.Notify}})
	})
	diff(t, "read positions in d", map[string]int64{"dch": 4}, readSeqs(t, s, d.PK, users[0]))
	ids0 := must(s.UserCommunityIDs(ctx, users[0].PK))(t, "UserCommunityIDs")
	slices.Sort(ids0)
	diff(t, "communities of a member of both", []string{"c", "d"}, ids0)
}
