package storetest

import (
	"fmt"
	"testing"

	"github.com/plazahq/plaza"
)

// mutedIDs reads MutedMemberList whole, community-wide or in a channel, a
// page of seven at a time, and returns the user IDs in order.
func mutedIDs(tb testing.TB, q plaza.Query, c plaza.CommunityInfo, channelPK int64) []string {
	tb.Helper()
	ms := pageAll(tb, "MutedMemberList", 7, 1000, func(after plaza.Cursor, limit int) ([]plaza.Member, error) {
		return q.MutedMemberList(tb.Context(), c.PK, channelPK, t0, after, limit)
	}, func(m plaza.Member) plaza.Cursor { return plaza.Cursor{K1: int64(m.MemberRole), K2: m.PK} })
	ids := []string{}
	for _, m := range ms {
		ids = append(ids, m.UserID)
	}
	return ids
}

// testMutedMemberListPlaces checks that a mute keeps its member's place in
// MutedMemberList's order through the member's changes: a role change
// moves it, a departure takes it out of the list (the mute stays), and a
// new membership, one by one or in bulk, brings it back at the new
// membership's place; and that a mute set before a membership joins it.
func testMutedMemberListPlaces(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "owner", "a", "b", "c", "d", "e")
	owner, a, b, cu, d, e := us[0], us[1], us[2], us[3], us[4], us[5]
	c := addCommunity(t, s, appA, "c")
	room := addChannel(t, s, c, "room")
	addMember(t, s, c, owner, plaza.RoleOwner)
	ms := map[plaza.User]plaza.Member{}
	for _, u := range []plaza.User{a, b, cu, d} {
		ms[u] = addMember(t, s, c, u, plaza.RoleMember)
	}
	setMute(t, s, c, e, 0, plaza.PermanentMute) // not a member yet
	for _, u := range []plaza.User{a, b, cu, d} {
		setMute(t, s, c, u, 0, plaza.PermanentMute)
	}
	setMute(t, s, c, b, room.PK, plaza.PermanentMute) // two mutes: listed once
	setMute(t, s, c, owner, room.PK, plaza.PermanentMute)
	diff(t, "muted members", []string{"a", "b", "c", "d"}, mutedIDs(t, s, c, 0))
	diff(t, "muted members in room", []string{"owner", "a", "b", "c", "d"}, mutedIDs(t, s, c, room.PK))

	// A role change moves the member's mutes with it.
	mc := ms[cu]
	mc.MemberRole = plaza.RoleAdmin
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateMember(ctx, mc) })
	diff(t, "muted members after c became an admin", []string{"c", "a", "b", "d"}, mutedIDs(t, s, c, 0))
	diff(t, "muted members in room after c became an admin", []string{"owner", "c", "a", "b", "d"}, mutedIDs(t, s, c, room.PK))

	// A member who leaves is no longer listed; one who comes back is listed
	// at its new place, with its mutes.
	update(t, s, func(tx plaza.Tx) error { return tx.DeleteMembers(ctx, c.PK, []int64{ms[a].UserPK}) })
	update(t, s, func(tx plaza.Tx) error { return tx.DeleteMembers(ctx, c.PK, []int64{ms[b].UserPK}) })
	diff(t, "muted members after a and b left", []string{"c", "d"}, mutedIDs(t, s, c, 0))
	addMember(t, s, c, a, plaza.RoleMember)
	diff(t, "muted members after a came back", []string{"c", "d", "a"}, mutedIDs(t, s, c, 0))
	update(t, s, func(tx plaza.Tx) error {
		return tx.InsertMembers(ctx, []plaza.Member{
			{CommunityPK: c.PK, UserPK: e.PK, MemberRole: plaza.RoleMember, EnterTime: t0, NotificationStatus: plaza.Notify},
			{CommunityPK: c.PK, UserPK: b.PK, MemberRole: plaza.RoleMember, EnterTime: t0, NotificationStatus: plaza.Notify},
		})
	})
	diff(t, "muted members after e joined and b came back in bulk", []string{"c", "d", "a", "e", "b"}, mutedIDs(t, s, c, 0))
	diff(t, "muted members in room at the end", []string{"owner", "c", "d", "a", "e", "b"}, mutedIDs(t, s, c, room.PK))
	for _, id := range []string{"a", "b", "e"} {
		m := must(s.Member(ctx, c.PK, id))(t, "Member "+id)
		if len(m.Mutes) == 0 {
			t.Errorf("member %s has no mutes after coming back", id)
		}
	}
}

// testMutedMemberListMany checks MutedMemberList's order and paging among
// many members, few of them muted, some with lapsed mutes only, some muted
// in a channel only.
func testMutedMemberListMany(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	c := addCommunity(t, s, appA, "c")
	room := addChannel(t, s, c, "room")
	const n = 600
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("m%03d", i)
	}
	var want, wantRoom []string
	update(t, s, func(tx plaza.Tx) error {
		users, err := tx.EnsureUsers(ctx, appA, ids, t0)
		if err != nil {
			return err
		}
		ms := make([]plaza.Member, n)
		for i, u := range users {
			ms[i] = plaza.Member{CommunityPK: c.PK, UserPK: u.PK, MemberRole: plaza.RoleMember, NotificationStatus: plaza.Notify}
			if i%100 == 50 {
				ms[i].MemberRole = plaza.RoleAdmin
			}
		}
		if err := tx.InsertMembers(ctx, ms); err != nil {
			return err
		}
		var admins, members, roomAdmins, roomMembers []string
		for i, u := range users {
			var expire, channel int64
			switch i % 7 {
			case 0:
				expire = plaza.PermanentMute
			case 3:
				expire = t0 - 1 // lapsed
			case 5:
				expire, channel = t0+1000, room.PK
			default:
				continue
			}
			if err := tx.SetMemberMute(ctx, c.PK, u.PK, channel, expire); err != nil {
				return err
			}
			if expire < t0 && expire != plaza.PermanentMute {
				continue
			}
			admin := ms[i].MemberRole == plaza.RoleAdmin
			if channel == 0 {
				if admin {
					admins = append(admins, u.UserID)
				} else {
					members = append(members, u.UserID)
				}
			}
			if admin {
				roomAdmins = append(roomAdmins, u.UserID)
			} else {
				roomMembers = append(roomMembers, u.UserID)
			}
		}
		want = append(admins, members...)
		wantRoom = append(roomAdmins, roomMembers...)
		return nil
	})
	diff(t, "muted members among many", want, mutedIDs(t, s, c, 0))
	diff(t, "muted members in a channel among many", wantRoom, mutedIDs(t, s, c, room.PK))
}
