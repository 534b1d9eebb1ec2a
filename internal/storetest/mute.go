package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/plazahq/plaza"
)

// setMute calls SetMemberMute in a transaction of its own.
func setMute(tb testing.TB, s plaza.Store, c plaza.CommunityInfo, u plaza.User, channelPK, expire int64) {
	tb.Helper()
	update(tb, s, func(tx plaza.Tx) error { return tx.SetMemberMute(tb.Context(), c.PK, u.PK, channelPK, expire) })
}

// testMemberMutes checks SetMemberMute, and that every read of a member
// carries its mutes, lapsed ones too.
func testMemberMutes(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "owner", "u", "v", "w")
	owner, u, v, w := us[0], us[1], us[2], us[3]
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	addMember(t, s, c, owner, plaza.RoleOwner)
	mu := addMember(t, s, c, u, plaza.RoleMember)
	addMember(t, s, c, v, plaza.RoleMember)
	addMember(t, s, c, w, plaza.RoleAdmin)
	addMember(t, s, d, u, plaza.RoleMember)
	room := addChannel(t, s, c, "room")
	p := listIn(t, s, addChannelOf(t, s, c, "p", plaza.ChannelPrivate), u, v)
	dch := addChannel(t, s, d, "dch")

	setMute(t, s, c, u, 0, t0+60_000)
	setMute(t, s, c, u, room.PK, plaza.PermanentMute)
	setMute(t, s, c, v, p.PK, t0-1) // lapsed: still held
	setMute(t, s, d, u, 0, plaza.PermanentMute)
	setMute(t, s, d, u, dch.PK, t0+5)

	wide := func(expire int64) plaza.MemberMute { return plaza.MemberMute{MuteExpiredTime: expire} }
	in := func(ch plaza.Channel, expire int64) plaza.MemberMute {
		return plaza.MemberMute{ChannelID: ch.ChannelID, ChannelPK: ch.PK, MuteExpiredTime: expire}
	}
	// check compares the mutes of c's members, as every read of members
	// gives them, with want, by user ID; and UserMutes with wantUser.
	check := func(when string, want map[string][]plaza.MemberMute, wantUser map[plaza.User]map[int64][]plaza.MemberMute) {
		t.Helper()
		mutesOf := func(what string, ms []plaza.Member) {
			t.Helper()
			for _, m := range ms {
				diff(t, fmt.Sprintf("%s: mutes of %s %s", what, m.UserID, when), want[m.UserID], sortedMutes(m.Mutes))
			}
		}
		for _, x := range us {
			mutesOf("Member", []plaza.Member{must(s.Member(ctx, c.PK, x.UserID))(t, "Member")})
		}
		mutesOf("Members", must(s.Members(ctx, c.PK, []string{"owner", "u", "v", "w"}))(t, "Members"))
		mutesOf("MemberList", must(s.MemberList(ctx, c.PK, plaza.Cursor{}, 100))(t, "MemberList"))
		mutesOf("ChannelMemberList(p)", must(s.ChannelMemberList(ctx, c.PK, p.PK, plaza.Cursor{}, 100))(t, "ChannelMemberList"))
		update(t, s, func(tx plaza.Tx) error {
			mutesOf("Member read in a transaction", []plaza.Member{must(tx.Member(ctx, c.PK, "u"))(t, "tx.Member")})
			return nil
		})
		for x, w := range wantUser {
			diff(t, "UserMutes("+x.UserID+") "+when, w, userMutes(t, s, x))
		}
	}
	check("after the first mutes", map[string][]plaza.MemberMute{
		"u": {wide(t0 + 60_000), in(room, plaza.PermanentMute)},
		"v": {in(p, t0-1)},
	}, map[plaza.User]map[int64][]plaza.MemberMute{
		u:     {c.PK: {wide(t0 + 60_000), in(room, plaza.PermanentMute)}, d.PK: {wide(plaza.PermanentMute), in(dch, t0+5)}},
		v:     {c.PK: {in(p, t0-1)}},
		owner: {},
	})
	diff(t, "u's mutes in d", []plaza.MemberMute{wide(plaza.PermanentMute), in(dch, t0+5)},
		sortedMutes(must(s.Member(ctx, d.PK, "u"))(t, "Member(d)").Mutes))

	// A repeated mute replaces the one of the same scope.
	setMute(t, s, c, u, 0, t0+120_000)
	setMute(t, s, c, v, p.PK, plaza.PermanentMute)
	setMute(t, s, c, w, room.PK, t0+1)
	setMute(t, s, c, w, room.PK, t0+2)
	check("after repeated mutes", map[string][]plaza.MemberMute{
		"u": {wide(t0 + 120_000), in(room, plaza.PermanentMute)},
		"v": {in(p, plaza.PermanentMute)},
		"w": {in(room, t0+2)},
	}, map[plaza.User]map[int64][]plaza.MemberMute{
		u: {c.PK: {wide(t0 + 120_000), in(room, plaza.PermanentMute)}, d.PK: {wide(plaza.PermanentMute), in(dch, t0+5)}},
		w: {c.PK: {in(room, t0+2)}},
	})

	// An expiry of 0 lifts the mute of one scope; lifting a mute that is not
	// there does nothing.
	setMute(t, s, c, u, room.PK, 0)
	setMute(t, s, c, u, p.PK, 0)
	setMute(t, s, c, owner, 0, 0)
	setMute(t, s, c, w, 0, 0)
	check("after lifts", map[string][]plaza.MemberMute{
		"u": {wide(t0 + 120_000)},
		"v": {in(p, plaza.PermanentMute)},
		"w": {in(room, t0+2)},
	}, map[plaza.User]map[int64][]plaza.MemberMute{
		u:     {c.PK: {wide(t0 + 120_000)}, d.PK: {wide(plaza.PermanentMute), in(dch, t0+5)}},
		owner: {},
	})

	// Only SetMemberMute changes mutes: UpdateMember of a copy without them
	// keeps them.
	mu.Mutes = nil
	mu.MemberRole = plaza.RoleAdmin
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateMember(ctx, mu) })
	got := must(s.Member(ctx, c.PK, "u"))(t, "Member")
	diff(t, "u's mutes after UpdateMember", []plaza.MemberMute{wide(t0 + 120_000)}, sortedMutes(got.Mutes))
	if got.MemberRole != plaza.RoleAdmin {
		t.Errorf("u's role after UpdateMember = %d, want %d", got.MemberRole, plaza.RoleAdmin)
	}

	// A rolled-back mute leaves nothing; a transaction reads its own.
	err := s.Update(ctx, func(tx plaza.Tx) error {
		for _, m := range []struct{ user, channel, expire int64 }{
			{owner.PK, 0, plaza.PermanentMute}, {u.PK, 0, 0}, {v.PK, p.PK, t0 + 7}, {w.PK, p.PK, t0 + 8},
		} {
			if err := tx.SetMemberMute(ctx, c.PK, m.user, m.channel, m.expire); err != nil {
				return err
			}
		}
		diff(t, "UserMutes(v) in the transaction that muted it again", map[int64][]plaza.MemberMute{c.PK: {in(p, t0+7)}}, userMutes(t, tx, v))
		diff(t, "UserMutes(u) in the transaction that lifted its mute", map[int64][]plaza.MemberMute{d.PK: {wide(plaza.PermanentMute), in(dch, t0+5)}},
			userMutes(t, tx, u))
		diff(t, "w's mutes in the transaction that muted it", []plaza.MemberMute{in(room, t0+2), in(p, t0+8)},
			sortedMutes(must(tx.Member(ctx, c.PK, "w"))(t, "tx.Member").Mutes))
		diff(t, "UserMutes(owner) outside the transaction before it commits", map[int64][]plaza.MemberMute{}, userMutes(t, s, owner))
		return errBoom
	})
	wantErr(t, "Update that muted and rolled back", err, errBoom)
	check("after a rolled-back transaction", map[string][]plaza.MemberMute{
		"u": {wide(t0 + 120_000)},
		"v": {in(p, plaza.PermanentMute)},
		"w": {in(room, t0+2)},
	}, map[plaza.User]map[int64][]plaza.MemberMute{
		u:     {c.PK: {wide(t0 + 120_000)}, d.PK: {wide(plaza.PermanentMute), in(dch, t0+5)}},
		v:     {c.PK: {in(p, plaza.PermanentMute)}},
		owner: {},
	})

	// A dismissed community takes its mutes with it, at once.
	update(t, s, func(tx plaza.Tx) error { return tx.DismissCommunity(ctx, d, t0) })
	diff(t, "UserMutes(u) after d was dismissed", map[int64][]plaza.MemberMute{c.PK: {wide(t0 + 120_000)}}, userMutes(t, s, u))
	purge(t, s, d.PK)
	diff(t, "UserMutes(u) after d was purged", map[int64][]plaza.MemberMute{c.PK: {wide(t0 + 120_000)}}, userMutes(t, s, u))
}

// testMutedMemberList checks MutedMemberList: the members with a mute in
// force at a time, community-wide or in one channel, in MemberList's order
// and paging.
func testMutedMemberList(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	const now = t0 + 1_000_000
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	room := addChannel(t, s, c, "room")
	other := addChannel(t, s, c, "other")
	dch := addChannel(t, s, d, "dch")
	// Kinds of mutes.
	const (
		none = iota
		wideSoon
		widePermanent
		wideLapsed
		wideEndingNow // in force until now, not at now
		roomSoon
		roomPermanent
		roomLapsed
		otherSoon
		wideLapsedRoomSoon
		wideLaterOtherLater
		onlyInD
		kinds
	)
	roles := []plaza.Role{plaza.RoleMember, plaza.RoleAdmin, plaza.RoleMember, plaza.RoleOwner, plaza.RoleMember, plaza.RoleAdmin}
	kindOf := map[string]int{}
	var listed []plaza.User // in priv, made below
	for i := range 2 * kinds {
		kind := (i * 5) % kinds // kinds out of entry order, each twice
		u := addUser(t, s, appA, fmt.Sprintf("u%02d", i))
		role := roles[i%len(roles)]
		if role == plaza.RoleOwner && i > len(roles) {
			role = plaza.RoleMember // one owner
		}
		addMember(t, s, c, u, role)
		addMember(t, s, d, u, plaza.RoleMember)
		kindOf[u.UserID] = kind
		if i%2 == 0 {
			listed = append(listed, u)
		}
		mutes := map[int]func(){
			wideSoon:            func() { setMute(t, s, c, u, 0, now+1) },
			widePermanent:       func() { setMute(t, s, c, u, 0, plaza.PermanentMute) },
			wideLapsed:          func() { setMute(t, s, c, u, 0, now-1) },
			wideEndingNow:       func() { setMute(t, s, c, u, 0, now) },
			roomSoon:            func() { setMute(t, s, c, u, room.PK, now+1) },
			roomPermanent:       func() { setMute(t, s, c, u, room.PK, plaza.PermanentMute) },
			roomLapsed:          func() { setMute(t, s, c, u, room.PK, now-1000) },
			otherSoon:           func() { setMute(t, s, c, u, other.PK, now+1) },
			wideLapsedRoomSoon:  func() { setMute(t, s, c, u, 0, now-1); setMute(t, s, c, u, room.PK, now+1) },
			wideLaterOtherLater: func() { setMute(t, s, c, u, 0, now+5000); setMute(t, s, c, u, other.PK, now+5000) },
			onlyInD:             func() { setMute(t, s, d, u, 0, plaza.PermanentMute); setMute(t, s, d, u, dch.PK, plaza.PermanentMute) },
		}
		if f := mutes[kind]; f != nil {
			f()
		}
	}
	all := withSortedMutes(must(s.MemberList(ctx, c.PK, plaza.Cursor{}, 1000))(t, "MemberList"))
	if len(all) != 2*kinds {
		t.Fatalf("MemberList of c has %d members, want %d", len(all), 2*kinds)
	}
	of := func(ks ...int) []plaza.Member {
		var out []plaza.Member
		for _, m := range all {
			if slices.Contains(ks, kindOf[m.UserID]) {
				out = append(out, m)
			}
		}
		return out
	}
	userIDs := func(ms []plaza.Member) []string {
		out := make([]string, len(ms))
		for i, m := range ms {
			out[i] = m.UserID
		}
		return out
	}
	for _, tc := range []struct {
		name      string
		channelPK int64
		at        int64
		want      []plaza.Member
	}{
		{"community-wide", 0, now, of(wideSoon, widePermanent, wideLaterOtherLater)},
		{"in room", room.PK, now, of(wideSoon, widePermanent, roomSoon, roomPermanent, wideLapsedRoomSoon, wideLaterOtherLater)},
		{"in other", other.PK, now, of(wideSoon, widePermanent, otherSoon, wideLaterOtherLater)},
		{"community-wide, a moment later", 0, now + 1, of(widePermanent, wideLaterOtherLater)},
		{"in room, a moment later", room.PK, now + 1, of(widePermanent, roomPermanent, wideLaterOtherLater)},
		{"community-wide, long before", 0, t0, of(wideSoon, widePermanent, wideLapsed, wideEndingNow, wideLapsedRoomSoon, wideLaterOtherLater)},
		{"in room, long before", room.PK, t0, of(wideSoon, widePermanent, wideLapsed, wideEndingNow, roomSoon, roomPermanent,
			roomLapsed, wideLapsedRoomSoon, wideLaterOtherLater)},
	} {
		got := must(s.MutedMemberList(ctx, c.PK, tc.channelPK, tc.at, plaza.Cursor{}, 1000))(t, "MutedMemberList")
		checkNonNil(t, "MutedMemberList", got)
		diff(t, "MutedMemberList "+tc.name, tc.want, withSortedMutes(got))
		for limit := 1; limit <= len(tc.want)+1; limit++ {
			got := pageAll(t, "MutedMemberList", limit, len(tc.want),
				func(after plaza.Cursor, limit int) ([]plaza.Member, error) {
					return s.MutedMemberList(ctx, c.PK, tc.channelPK, tc.at, after, limit)
				},
				func(m plaza.Member) plaza.Cursor { return plaza.Cursor{K1: int64(m.MemberRole), K2: m.PK} })
			diff(t, fmt.Sprintf("MutedMemberList %s paged by %d", tc.name, limit), userIDs(tc.want), userIDs(got))
		}
		update(t, s, func(tx plaza.Tx) error {
			diff(t, "MutedMemberList "+tc.name+" read in a transaction", tc.want,
				withSortedMutes(must(tx.MutedMemberList(ctx, c.PK, tc.channelPK, tc.at, plaza.Cursor{}, 1000))(t, "tx.MutedMemberList")))
			return nil
		})
	}
	// In a private channel, only the members who see it: the owner, the
	// admins and the listed members.
	priv := listIn(t, s, addChannelOf(t, s, c, "priv", plaza.ChannelPrivate), listed...)
	mutedInPriv := map[string]bool{}
	for i, m := range all {
		if i%3 == 0 {
			setMute(t, s, c, plaza.User{UserInfo: m.UserInfo, PK: m.UserPK}, priv.PK, now+10)
			mutedInPriv[m.UserID] = true
		}
	}
	all = withSortedMutes(must(s.MemberList(ctx, c.PK, plaza.Cursor{}, 1000))(t, "MemberList"))
	var privWant []plaza.Member
	for _, m := range all {
		sees := m.MemberRole != plaza.RoleMember || slices.ContainsFunc(listed, func(u plaza.User) bool { return u.PK == m.UserPK })
		k := kindOf[m.UserID]
		if sees && (mutedInPriv[m.UserID] || k == wideSoon || k == widePermanent || k == wideLaterOtherLater) {
			privWant = append(privWant, m)
		}
	}
	if len(privWant) < 3 || len(privWant) == len(all) {
		t.Fatalf("the suite's setup: %d of %d members muted in priv", len(privWant), len(all)) // the test itself is wrong
	}
	diff(t, "MutedMemberList in a private channel", privWant,
		withSortedMutes(must(s.MutedMemberList(ctx, c.PK, priv.PK, now, plaza.Cursor{}, 1000))(t, "MutedMemberList(priv)")))
	for limit := 1; limit <= len(privWant)+1; limit++ {
		got := pageAll(t, "MutedMemberList", limit, len(privWant),
			func(after plaza.Cursor, limit int) ([]plaza.Member, error) {
				return s.MutedMemberList(ctx, c.PK, priv.PK, now, after, limit)
			},
			func(m plaza.Member) plaza.Cursor { return plaza.Cursor{K1: int64(m.MemberRole), K2: m.PK} })
		diff(t, fmt.Sprintf("MutedMemberList in a private channel paged by %d", limit), userIDs(privWant), userIDs(got))
	}

	dm := withSortedMutes(must(s.MemberList(ctx, d.PK, plaza.Cursor{}, 1000))(t, "MemberList(d)"))
	var dwant []plaza.Member
	for _, m := range dm {
		if kindOf[m.UserID] == onlyInD {
			dwant = append(dwant, m)
		}
	}
	diff(t, "MutedMemberList of d", dwant, withSortedMutes(must(s.MutedMemberList(ctx, d.PK, 0, now, plaza.Cursor{}, 1000))(t, "MutedMemberList(d)")))
	diff(t, "MutedMemberList of d in its channel", dwant,
		withSortedMutes(must(s.MutedMemberList(ctx, d.PK, dch.PK, now, plaza.Cursor{}, 1000))(t, "MutedMemberList(d)")))
	bare := addCommunity(t, s, appA, "bare")
	diff(t, "MutedMemberList of a community without members", []plaza.Member{},
		must(s.MutedMemberList(ctx, bare.PK, 0, now, plaza.Cursor{}, 1000))(t, "MutedMemberList(bare)"))
}
