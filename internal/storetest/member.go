package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"testing"

	"github.com/plazahq/plaza"
)

// sortMembers sorts members by user ID, for lists whose order is not part of
// the contract.
func sortMembers(ms []plaza.Member) []plaza.Member {
	return slices.SortedFunc(slices.Values(ms), func(a, b plaza.Member) int { return cmp.Compare(a.UserID, b.UserID) })
}

func testMemberRoundTrip(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "owner", "invitee", "outsider")
	owner, invitee := us[0], us[1]
	var bare plaza.User
	update(t, s, func(tx plaza.Tx) error { // a user with no profile
		var err error
		bare, err = tx.EnsureUser(ctx, appA, "bare", t0)
		return err
	})
	c := addCommunity(t, s, appA, "c")
	ms := []plaza.Member{
		{UserInfo: owner.UserInfo, CommunityPK: c.PK, UserPK: owner.PK, MemberRole: plaza.RoleOwner,
			EnterTime: t0 + 1, EnterType: plaza.EnterCreated, NotificationStatus: plaza.Notify},
		{UserInfo: invitee.UserInfo, CommunityPK: c.PK, UserPK: invitee.PK, MemberRole: plaza.RoleAdmin,
			EnterTime: t0 + 2, EnterType: plaza.EnterInvited, OperatedUserID: "owner", NotificationStatus: plaza.DoNotDisturb},
		{UserInfo: bare.UserInfo, CommunityPK: c.PK, UserPK: bare.PK, MemberRole: plaza.RoleMember,
			EnterTime: t0 + 3, EnterType: plaza.EnterJoined, NotificationStatus: plaza.Notify},
	}
	update(t, s, func(tx plaza.Tx) error {
		for i := range ms {
			if err := tx.InsertMember(ctx, &ms[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if ms[0].PK == 0 || ms[0].PK == ms[1].PK || ms[1].PK == ms[2].PK || ms[0].PK == ms[2].PK {
		t.Errorf("InsertMember set PKs %d, %d, %d; want distinct non-zero keys", ms[0].PK, ms[1].PK, ms[2].PK)
	}
	for _, want := range ms {
		diff(t, "Member("+want.UserID+")", want, must(s.Member(ctx, c.PK, want.UserID))(t, "Member"))
	}
	diff(t, "Members of every member", sortMembers(ms),
		sortMembers(must(s.Members(ctx, c.PK, []string{"owner", "invitee", "bare"}))(t, "Members")))
	diff(t, "Members of some members, a non-member and an unknown user", sortMembers(ms[1:2]),
		sortMembers(must(s.Members(ctx, c.PK, []string{"invitee", "outsider", "ghost"}))(t, "Members")))
	diff(t, "Members of no users", []plaza.Member{}, must(s.Members(ctx, c.PK, nil))(t, "Members"))

	// The profile is the user's current one, not a copy made on entry.
	invitee.UserName = "Renamed"
	invitee.UserAvatarURL = "https://img.example/renamed.png"
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateUser(ctx, invitee) })
	want := ms[1]
	want.UserInfo = invitee.UserInfo
	diff(t, "Member after its user's profile changed", want, must(s.Member(ctx, c.PK, "invitee"))(t, "Member"))
	diff(t, "Members after a user's profile changed", []plaza.Member{want},
		must(s.Members(ctx, c.PK, []string{"invitee"}))(t, "Members"))
}

func testMemberConflict(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	u := addUser(t, s, appA, "u")
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	first := addMember(t, s, c, u, plaza.RoleOwner)

	again := first
	again.PK = 0
	again.MemberRole = plaza.RoleMember
	err := s.Update(ctx, func(tx plaza.Tx) error { return tx.InsertMember(ctx, &again) })
	wantErr(t, "InsertMember of an existing membership", err, plaza.ErrConflict)
	diff(t, "Member after a refused insert", first, must(s.Member(ctx, c.PK, "u"))(t, "Member"))
	diff(t, "MemberList after a refused insert", []plaza.Member{first},
		must(s.MemberList(ctx, c.PK, plaza.Cursor{}, 10))(t, "MemberList"))

	// The same user in another community is another membership.
	other := addMember(t, s, d, u, plaza.RoleMember)
	diff(t, "Member of the second community", other, must(s.Member(ctx, d.PK, "u"))(t, "Member"))
}

// testMembersOfOneApp checks that a member is found by the user ID of the
// community's app, never by the same user ID in another app.
func testMembersOfOneApp(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	a := addUser(t, s, appA, "same")
	b := addUser(t, s, appB, "same")
	onlyB := addUser(t, s, appB, "only-b")
	ca := addCommunity(t, s, appA, "c")
	cb := addCommunity(t, s, appB, "c")
	mb := addMember(t, s, cb, b, plaza.RoleOwner)
	addMember(t, s, cb, onlyB, plaza.RoleMember)

	_, err := s.Member(ctx, ca.PK, "same")
	wantErr(t, "Member of app A's community by a user ID that is a member in app B only", err, plaza.ErrNotFound)
	diff(t, "Members of app A's community by user IDs of app B's members", []plaza.Member{},
		must(s.Members(ctx, ca.PK, []string{"same", "only-b"}))(t, "Members"))
	diff(t, "Member of app B's community", mb, must(s.Member(ctx, cb.PK, "same"))(t, "Member"))

	ma := addMember(t, s, ca, a, plaza.RoleOwner)
	diff(t, "Member of app A's community", ma, must(s.Member(ctx, ca.PK, "same"))(t, "Member"))
	diff(t, "Members of app A's community", []plaza.Member{ma},
		must(s.Members(ctx, ca.PK, []string{"same", "only-b"}))(t, "Members"))
	diff(t, "Member of app B's community after app A's user entered app A's", mb,
		must(s.Member(ctx, cb.PK, "same"))(t, "Member"))
}

func testUpdateMember(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "v")
	c := addCommunity(t, s, appA, "c")
	m := addMember(t, s, c, us[0], plaza.RoleMember)
	neighbour := addMember(t, s, c, us[1], plaza.RoleMember)

	m.MemberRole = plaza.RoleAdmin
	m.NotificationStatus = plaza.DoNotDisturb
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateMember(ctx, m) })
	diff(t, "Member after UpdateMember", m, must(s.Member(ctx, c.PK, "u"))(t, "Member"))

	m.MemberRole = plaza.RoleOwner
	m.NotificationStatus = plaza.Notify
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateMember(ctx, m) })
	diff(t, "Member after a second UpdateMember", m, must(s.Member(ctx, c.PK, "u"))(t, "Member"))
	diff(t, "a neighbour of an updated member", neighbour, must(s.Member(ctx, c.PK, "v"))(t, "Member"))
}

// testLeaveAndEnterAgain checks that a member removed (DeleteMembers) is no
// longer one, and may enter again.
func testLeaveAndEnterAgain(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "v")
	u, v := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	addMember(t, s, c, u, plaza.RoleAdmin)
	mv := addMember(t, s, c, v, plaza.RoleMember)
	md := addMember(t, s, d, u, plaza.RoleMember)

	leave(t, s, c, u)
	_, err := s.Member(ctx, c.PK, "u")
	wantErr(t, "Member after DeleteMembers", err, plaza.ErrNotFound)
	diff(t, "MemberList after DeleteMembers", []plaza.Member{mv},
		must(s.MemberList(ctx, c.PK, plaza.Cursor{}, 10))(t, "MemberList"))
	diff(t, "Managers after the admin was deleted", []string{}, must(s.Managers(ctx, c.PK))(t, "Managers"))
	diff(t, "the same user's membership of another community", md, must(s.Member(ctx, d.PK, "u"))(t, "Member"))
	diff(t, "UserCommunityIDs after DeleteMembers", []string{"d"}, must(s.UserCommunityIDs(ctx, u.PK))(t, "UserCommunityIDs"))
	update(t, s, func(tx plaza.Tx) error {
		n, err := tx.CountUserCommunities(ctx, u.PK)
		if err != nil {
			return err
		}
		if n != 1 {
			t.Errorf("CountUserCommunities after DeleteMembers = %d, want 1", n)
		}
		return nil
	})
	diff(t, "User after DeleteMembers", u, must(s.User(ctx, appA, "u"))(t, "User"))

	// The user may enter again.
	again := addMember(t, s, c, u, plaza.RoleMember)
	diff(t, "Member after entering again", again, must(s.Member(ctx, c.PK, "u"))(t, "Member"))
}

func testMemberListOrder(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	// Roles interleaved by entry, so that the order by role differs from the
	// order of entry.
	roles := []plaza.Role{
		plaza.RoleMember, plaza.RoleAdmin, plaza.RoleMember, plaza.RoleOwner, plaza.RoleMember,
		plaza.RoleAdmin, plaza.RoleMember, plaza.RoleMember, plaza.RoleAdmin, plaza.RoleMember,
	}
	var entered []plaza.Member
	for i, role := range roles {
		u := addUser(t, s, appA, fmt.Sprintf("u%02d", i))
		entered = append(entered, addMember(t, s, c, u, role))
		if i%3 == 0 {
			addMember(t, s, d, u, plaza.RoleMember) // another community's rows in between
		}
	}
	// A member promoted after entry is listed by its new role.
	entered[2].MemberRole = plaza.RoleAdmin
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateMember(ctx, entered[2]) })

	want := slices.Clone(entered)
	slices.SortStableFunc(want, func(a, b plaza.Member) int { return cmp.Compare(a.MemberRole, b.MemberRole) })
	diff(t, "MemberList in one page", want, must(s.MemberList(ctx, c.PK, plaza.Cursor{}, len(want)+5))(t, "MemberList"))

	userIDs := func(ms []plaza.Member) []string {
		out := make([]string, len(ms))
		for i, m := range ms {
			out[i] = m.UserID
		}
		return out
	}
	for limit := 1; limit <= len(want)+1; limit++ {
		got := pageAll(t, "MemberList", limit, len(want),
			func(after plaza.Cursor, limit int) ([]plaza.Member, error) {
				return s.MemberList(ctx, c.PK, after, limit)
			},
			func(m plaza.Member) plaza.Cursor { return plaza.Cursor{K1: int64(m.MemberRole), K2: m.PK} })
		diff(t, fmt.Sprintf("MemberList paged by %d", limit), userIDs(want), userIDs(got))
	}
	diff(t, "MemberList of an empty community", []plaza.Member{},
		must(s.MemberList(ctx, addCommunity(t, s, appA, "empty").PK, plaza.Cursor{}, 10))(t, "MemberList"))
}

func testManagers(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "admin1", "member1", "owner", "admin2", "member2")
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	// Admins enter before and after the owner.
	addMember(t, s, c, us[0], plaza.RoleAdmin)
	addMember(t, s, c, us[1], plaza.RoleMember)
	addMember(t, s, c, us[2], plaza.RoleOwner)
	addMember(t, s, c, us[3], plaza.RoleAdmin)
	addMember(t, s, c, us[4], plaza.RoleMember)
	addMember(t, s, d, us[4], plaza.RoleOwner)

	got := must(s.Managers(ctx, c.PK))(t, "Managers")
	if len(got) == 0 || got[0] != "owner" {
		t.Errorf("Managers = %q; want the owner first", got)
	}
	// The order of the admins is not part of the contract.
	slices.Sort(got)
	diff(t, "Managers", []string{"admin1", "admin2", "owner"}, got)
	diff(t, "Managers of a community with an owner only", []string{"member2"}, must(s.Managers(ctx, d.PK))(t, "Managers"))
	diff(t, "Managers of an empty community", []string{},
		must(s.Managers(ctx, addCommunity(t, s, appA, "empty").PK))(t, "Managers"))
}

func testUserCommunitiesOrder(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "other")
	u, other := us[0], us[1]
	var cs []plaza.CommunityInfo
	for i := range 7 {
		cs = append(cs, addCommunity(t, s, appA, fmt.Sprintf("c%d", i)))
	}
	// u enters them in an order that is not the order they were created in;
	// another user's memberships fall in between.
	order := []int{4, 0, 6, 2, 5, 1, 3}
	var want []plaza.Community
	for i, ci := range order {
		role := []plaza.Role{plaza.RoleOwner, plaza.RoleAdmin, plaza.RoleMember}[i%3]
		m := addMember(t, s, cs[ci], u, role)
		if i%2 == 0 {
			m.NotificationStatus = plaza.DoNotDisturb
			update(t, s, func(tx plaza.Tx) error { return tx.UpdateMember(ctx, m) })
		}
		addMember(t, s, cs[(ci+1)%len(cs)], other, plaza.RoleMember)
		want = append(want, plaza.Community{
			CommunityID:        cs[ci].CommunityID,
			CommunityName:      cs[ci].CommunityName,
			CommunityAvatarURL: cs[ci].CommunityAvatarURL,
			NotificationStatus: m.NotificationStatus,
			MemberRole:         m.MemberRole,
			MemberPK:           m.PK,
		})
	}
	diff(t, "UserCommunities in one page", want, must(s.UserCommunities(ctx, u.PK, plaza.Cursor{}, 100))(t, "UserCommunities"))

	ids := func(cs []plaza.Community) []string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = c.CommunityID
		}
		return out
	}
	for limit := 1; limit <= len(want)+1; limit++ {
		got := pageAll(t, "UserCommunities", limit, len(want),
			func(after plaza.Cursor, limit int) ([]plaza.Community, error) {
				return s.UserCommunities(ctx, u.PK, after, limit)
			},
			func(c plaza.Community) plaza.Cursor { return plaza.Cursor{K1: c.MemberPK} })
		diff(t, fmt.Sprintf("UserCommunities paged by %d", limit), ids(want), ids(got))
	}

	// A renamed community is listed with its new name.
	renamed := cs[order[0]]
	renamed.CommunityName = "Renamed"
	renamed.CommunityAvatarURL = "https://img.example/renamed.png"
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateCommunity(ctx, renamed) })
	want[0].CommunityName, want[0].CommunityAvatarURL = renamed.CommunityName, renamed.CommunityAvatarURL
	diff(t, "UserCommunities after a community was renamed", want[:2],
		must(s.UserCommunities(ctx, u.PK, plaza.Cursor{}, 2))(t, "UserCommunities"))

	lonely := addUser(t, s, appA, "lonely")
	diff(t, "UserCommunities of a user in none", []plaza.Community{},
		must(s.UserCommunities(ctx, lonely.PK, plaza.Cursor{}, 10))(t, "UserCommunities"))
}

func testUserCommunityIDs(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "v")
	u, v := us[0], us[1]
	count := func(userPK int64) int {
		t.Helper()
		var n int
		update(t, s, func(tx plaza.Tx) error {
			var err error
			n, err = tx.CountUserCommunities(ctx, userPK)
			return err
		})
		return n
	}
	diff(t, "UserCommunityIDs of a user in none", []string{}, must(s.UserCommunityIDs(ctx, u.PK))(t, "UserCommunityIDs"))
	if n := count(u.PK); n != 0 {
		t.Errorf("CountUserCommunities of a user in none = %d, want 0", n)
	}

	var want []string
	for _, id := range []string{"zeta", "alpha", "mu"} {
		c := addCommunity(t, s, appA, id)
		addMember(t, s, c, u, plaza.RoleMember)
		want = append(want, id)
	}
	addMember(t, s, addCommunity(t, s, appA, "v-only"), v, plaza.RoleOwner)

	got := must(s.UserCommunityIDs(ctx, u.PK))(t, "UserCommunityIDs")
	slices.Sort(got) // the order is not part of the contract
	slices.Sort(want)
	diff(t, "UserCommunityIDs", want, got)
	if n := count(u.PK); n != 3 {
		t.Errorf("CountUserCommunities = %d, want 3", n)
	}
	if n := count(v.PK); n != 1 {
		t.Errorf("CountUserCommunities of another user = %d, want 1", n)
	}
}
