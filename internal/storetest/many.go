package storetest

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plazahq/plaza"
)

// The methods here read or change many users at once, for use cases that
// invite or kick many users in one call: each must do for many users what
// its one-user counterpart does for one.

// testUsersForUpdate checks that UsersForUpdate reads the users that exist,
// as UserForUpdate reads each, by key, and leaves out the others.
func testUsersForUpdate(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "a", "b", "c")
	a, b, c := us[0], us[1], us[2]
	other := addUser(t, s, appB, "a")
	tests := []struct {
		name  string
		appID string
		ids   []string
		want  []plaza.User
	}{
		{"every user, by key", appA, []string{"c", "a", "b"}, []plaza.User{a, b, c}},
		{"missing users left out", appA, []string{"ghost", "b", "nobody"}, []plaza.User{b}},
		{"none exists", appA, []string{"ghost"}, []plaza.User{}},
		{"the users of the app asked", appB, []string{"a", "b"}, []plaza.User{other}},
		{"no user", appA, nil, []plaza.User{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			update(t, s, func(tx plaza.Tx) error {
				got, err := tx.UsersForUpdate(ctx, tc.appID, tc.ids)
				if err != nil {
					return err
				}
				diff(t, fmt.Sprintf("UsersForUpdate(%s, %q)", tc.appID, tc.ids), tc.want, got)
				return nil
			})
		})
	}
}

// testConcurrentUsersForUpdate checks that UsersForUpdate locks the users,
// whatever order they are asked in: each transaction appends to the names
// of two users, half of them asking for the two in one order and half in
// the other, and no append is lost (nor does a transaction fail, as a
// deadlock would make one).
func testConcurrentUsersForUpdate(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	addUsers(t, s, appA, "x", "y")
	var n atomic.Int32
	concurrently(t, s, func(tx plaza.Tx) error {
		ids := []string{"x", "y"}
		if n.Add(1)%2 == 0 {
			ids = []string{"y", "x"}
		}
		us, err := tx.UsersForUpdate(ctx, appA, ids)
		if err != nil {
			return err
		}
		time.Sleep(time.Millisecond) // widen the window a missing lock would leave
		for _, u := range us {
			u.UserName += "x"
			if err := tx.UpdateUser(ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
	for _, id := range []string{"x", "y"} {
		want := "Name of " + id + strings.Repeat("x", concurrency)
		if got := must(s.User(ctx, appA, id))(t, "User").UserName; got != want {
			t.Errorf("UserName of %s after %d concurrent appends = %q, want %q", id, concurrency, got, want)
		}
	}
}

// testCountUsersCommunities checks that CountUsersCommunities counts each
// user's communities as CountUserCommunities does, leaving out dismissed
// ones, with a count for every user asked.
func testCountUsersCommunities(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "v", "w", "lonely")
	u, v, w, lonely := us[0], us[1], us[2], us[3]
	c1 := addCommunity(t, s, appA, "c1")
	c2 := addCommunity(t, s, appA, "c2")
	c3 := addCommunity(t, s, appA, "c3")
	doomed := addCommunity(t, s, appA, "doomed")
	for _, m := range []struct {
		c plaza.CommunityInfo
		u plaza.User
	}{{c1, u}, {c2, u}, {doomed, u}, {c1, v}, {doomed, v}, {c3, w}} {
		addMember(t, s, m.c, m.u, plaza.RoleMember)
	}
	update(t, s, func(tx plaza.Tx) error { return tx.DismissCommunity(ctx, doomed, t0+5000) })
	const unknown = 1 << 40
	tests := []struct {
		name    string
		userPKs []int64
		want    map[int64]int
	}{
		{"several users", []int64{u.PK, v.PK, w.PK}, map[int64]int{u.PK: 2, v.PK: 1, w.PK: 1}},
		{"a dismissed community not counted", []int64{v.PK}, map[int64]int{v.PK: 1}},
		{"a user in none", []int64{lonely.PK, w.PK}, map[int64]int{lonely.PK: 0, w.PK: 1}},
		{"an unknown key", []int64{unknown}, map[int64]int{unknown: 0}},
		{"no user", nil, map[int64]int{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			update(t, s, func(tx plaza.Tx) error {
				got, err := tx.CountUsersCommunities(ctx, tc.userPKs)
				if err != nil {
					return err
				}
				diff(t, "CountUsersCommunities", tc.want, got)
				if len(got) != len(tc.want) {
					t.Errorf("CountUsersCommunities has %d counts, want one for each of %d users", len(got), len(tc.want))
				}
				for _, pk := range tc.userPKs {
					if one := must(tx.CountUserCommunities(ctx, pk))(t, "CountUserCommunities"); one != got[pk] {
						t.Errorf("CountUsersCommunities[%d] = %d, CountUserCommunities = %d", pk, got[pk], one)
					}
				}
				return nil
			})
		})
	}
}

// testApplications checks that Applications reads the given users'
// applications to one community, as Application reads each, by key.
func testApplications(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "v", "w", "x")
	u, v, w, x := us[0], us[1], us[2], us[3]
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	cu := apply(t, s, c, u, "u to c")
	cv := apply(t, s, c, v, "v to c")
	du := apply(t, s, d, u, "u to d")
	apply(t, s, d, w, "w to d")
	cv.State, cv.UpdateTime, cv.OperatedUserID = plaza.ApplicationRejected, t0+3000, "admin"
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateApplication(ctx, cv) })
	tests := []struct {
		name    string
		c       plaza.CommunityInfo
		userPKs []int64
		want    []plaza.Application
	}{
		{"by key, users without one left out", c, []int64{w.PK, v.PK, u.PK, x.PK}, []plaza.Application{cu, cv}},
		{"the community's only", d, []int64{u.PK, v.PK}, []plaza.Application{du}},
		{"none", c, []int64{x.PK, w.PK}, []plaza.Application{}},
		{"no user", c, nil, []plaza.Application{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			diff(t, "Applications", tc.want, must(s.Applications(ctx, tc.c.PK, tc.userPKs))(t, "Applications"))
			update(t, s, func(tx plaza.Tx) error {
				diff(t, "Applications in a transaction", tc.want, must(tx.Applications(ctx, tc.c.PK, tc.userPKs))(t, "tx.Applications"))
				return nil
			})
		})
	}
}

// testDeleteMembers checks that DeleteMembers removes users from one
// community, all of them at once: their memberships, listings in private
// channels and threads (each channel's count lowered by those it loses),
// and conversation states go; their mutes stay, out of the member list;
// nothing of other users or of other communities changes.
func testDeleteMembers(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "owner", "u", "v", "w", "x")
	owner, u, v, w, x := us[0], us[1], us[2], us[3], us[4]
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	addMember(t, s, c, owner, plaza.RoleOwner)
	addMember(t, s, c, u, plaza.RoleAdmin)
	addMember(t, s, c, v, plaza.RoleMember)
	addMember(t, s, c, w, plaza.RoleMember)
	addMember(t, s, d, u, plaza.RoleMember)
	addMember(t, s, d, v, plaza.RoleMember)
	general := addChannelOf(t, s, c, plaza.GeneralChannelID, plaza.ChannelGeneral)
	p1 := listIn(t, s, addChannelOf(t, s, c, "p1", plaza.ChannelPrivate), u, v, w)
	p2 := listIn(t, s, addChannelOf(t, s, c, "p2", plaza.ChannelPrivate), u)
	th := addThread(t, s, general, "th", threadOpt{})
	q := listIn(t, s, addChannelOf(t, s, d, "q", plaza.ChannelPrivate), u, v)
	dth := addThread(t, s, addChannel(t, s, d, "dpub"), "dth", threadOpt{})
	for _, j := range []struct {
		th plaza.Channel
		u  plaza.User
	}{{th, u}, {th, v}, {th, w}, {dth, u}} {
		joinThread(t, s, j.th, j.u, 0, t0)
	}
	sendN(t, s, general, owner, 3)
	sendN(t, s, q, owner, 2)
	for _, r := range []struct {
		u   plaza.User
		ch  plaza.Channel
		seq int64
	}{{u, general, 2}, {v, general, 1}, {w, general, 3}, {u, p1, 1}, {u, q, 1}, {v, q, 2}} {
		setReadSeq(t, s, r.u, r.ch, r.seq)
	}
	setMute(t, s, c, v, 0, plaza.PermanentMute)
	setMute(t, s, d, v, 0, plaza.PermanentMute)

	all := []string{"owner", "u", "v", "w", "x"}
	memberIDs := func(c plaza.CommunityInfo) []string {
		t.Helper()
		var ids []string
		for _, m := range must(s.Members(ctx, c.PK, all))(t, "Members") {
			ids = append(ids, m.UserID)
		}
		slices.Sort(ids)
		return ids
	}
	cList := must(s.MemberList(ctx, c.PK, plaza.Cursor{}, 100))(t, "MemberList")
	dMembers := withSortedMutes(sortMembers(must(s.Members(ctx, d.PK, all))(t, "Members")))
	wConversations := conversations(t, s, c.PK, w.PK)
	dConversations := map[plaza.User][]plaza.ChannelConversation{u: conversations(t, s, d.PK, u.PK), v: conversations(t, s, d.PK, v.PK)}
	uPrivate := privateChannels(t, s, u)
	delete(uPrivate, "c")
	if len(cList) != 4 {
		t.Fatalf("the suite's setup: c has %d members, want 4", len(cList))
	}

	// No user: nothing changes.
	update(t, s, func(tx plaza.Tx) error { return tx.DeleteMembers(ctx, c.PK, nil) })
	diff(t, "MemberList after DeleteMembers of no user", cList, must(s.MemberList(ctx, c.PK, plaza.Cursor{}, 100))(t, "MemberList"))

	// u and v leave c; x, never a member, is no matter.
	update(t, s, func(tx plaza.Tx) error { return tx.DeleteMembers(ctx, c.PK, []int64{u.PK, v.PK, x.PK}) })
	check := func(when string) {
		t.Helper()
		diff(t, "members of c "+when, []string{"owner", "w"}, memberIDs(c))
		diff(t, "MemberList of c "+when, []plaza.Member{cList[0], cList[3]},
			must(s.MemberList(ctx, c.PK, plaza.Cursor{}, 100))(t, "MemberList"))
		diff(t, "Managers of c "+when, []string{"owner"}, must(s.Managers(ctx, c.PK))(t, "Managers"))
		diff(t, "members of d "+when, dMembers, withSortedMutes(sortMembers(must(s.Members(ctx, d.PK, all))(t, "Members"))))
		for _, want := range []struct {
			ch      plaza.Channel
			count   int64
			listed  map[plaza.User]bool
			follows map[plaza.User]bool
		}{
			{p1, 1, map[plaza.User]bool{u: false, v: false, w: true}, nil},
			{p2, 0, map[plaza.User]bool{u: false}, nil},
			{th, 1, map[plaza.User]bool{u: false, v: false, w: true}, map[plaza.User]bool{u: false, v: false, w: true}},
			{q, 2, map[plaza.User]bool{u: true, v: true}, nil},
			{dth, 1, map[plaza.User]bool{u: true}, map[plaza.User]bool{u: true}},
		} {
			got := readChannel(t, s, want.ch.CommunityPK, want.ch.ChannelID)
			if got.MemberCount != want.count {
				t.Errorf("MemberCount of %s %s = %d, want %d", want.ch.ChannelID, when, got.MemberCount, want.count)
			}
			checkListed(t, s, when, want.ch, want.listed)
			for fu, follows := range want.follows {
				_, err := s.Conversation(ctx, fu.PK, want.ch.PK)
				switch {
				case follows && err != nil:
					t.Errorf("Conversation of %s in %s %s: %v", fu.UserID, want.ch.ChannelID, when, err)
				case !follows:
					wantErr(t, "Conversation of "+fu.UserID+" in "+want.ch.ChannelID+" "+when, err, plaza.ErrNotFound)
				}
			}
		}
		diff(t, "u's private channels "+when, uPrivate, privateChannels(t, s, u))
		for _, gone := range []plaza.User{u, v} {
			for _, cv := range conversations(t, s, c.PK, gone.PK) {
				if cv.ReadMessageSeq != 0 {
					t.Errorf("%s's read position in %s %s = %d, want none", gone.UserID, cv.ChannelID, when, cv.ReadMessageSeq)
				}
			}
			diff(t, gone.UserID+"'s conversations in d "+when, dConversations[gone], conversations(t, s, d.PK, gone.PK))
		}
		diff(t, "w's conversations in c "+when, wConversations, conversations(t, s, c.PK, w.PK))
		diff(t, "muted members of c "+when, []string{}, mutedIDs(t, s, c, 0))
		diff(t, "muted members of d "+when, []string{"v"}, mutedIDs(t, s, d, 0))
		update(t, s, func(tx plaza.Tx) error {
			counts := must(tx.CountUsersCommunities(ctx, []int64{u.PK, v.PK, w.PK}))(t, "CountUsersCommunities")
			diff(t, "CountUsersCommunities "+when, map[int64]int{u.PK: 1, v.PK: 1, w.PK: 1}, counts)
			return nil
		})
	}
	check("after u and v left")

	// Deleting them again changes nothing.
	update(t, s, func(tx plaza.Tx) error { return tx.DeleteMembers(ctx, c.PK, []int64{u.PK, v.PK}) })
	check("after a second DeleteMembers")

	// v comes back with its mute, at its new place.
	update(t, s, func(tx plaza.Tx) error {
		return tx.InsertMembers(ctx, []plaza.Member{{UserInfo: v.UserInfo, CommunityPK: c.PK, UserPK: v.PK,
			MemberRole: plaza.RoleMember, EnterTime: t0 + 9000, EnterType: plaza.EnterInvited, NotificationStatus: plaza.Notify}})
	})
	diff(t, "muted members of c after v came back", []string{"v"}, mutedIDs(t, s, c, 0))
	diff(t, "members of c after v came back", []string{"owner", "v", "w"}, memberIDs(c))
}
