package storetest

import (
	"slices"
	"testing"

	"github.com/plazahq/plaza"
)

// readCommunity reads a community through both Community and
// CommunityForUpdate, checks that they agree, and returns it.
func readCommunity(tb testing.TB, s plaza.Store, appID, communityID string) plaza.CommunityInfo {
	tb.Helper()
	ctx := tb.Context()
	c := must(s.Community(ctx, appID, communityID))(tb, "Community("+communityID+")")
	var locked plaza.CommunityInfo
	update(tb, s, func(tx plaza.Tx) error {
		var err error
		locked, err = tx.CommunityForUpdate(ctx, appID, communityID)
		return err
	})
	diff(tb, "CommunityForUpdate("+communityID+") against Community", c, locked)
	return c
}

// checkNonNilAttributes fails when a community read back has a nil attribute
// map: Service returns the map as is, and JSON must show {} rather than null.
func checkNonNilAttributes(tb testing.TB, c plaza.CommunityInfo) {
	tb.Helper()
	if c.CommunityAttributes == nil {
		tb.Errorf("community %s has nil CommunityAttributes; want an empty map", c.CommunityID)
	}
}

func testCommunityRoundTrip(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	full := plaza.CommunityInfo{
		AppID:              appA,
		CommunityID:        "full",
		CommunityName:      "Full — ünïcode 社区",
		CommunityAvatarURL: "https://img.example/full.png",
		CommunityNotice:    "Line one\nline two, with 'quotes' and \"double quotes\"",
		CommunityAttributes: map[string]string{
			"a":     "1",
			"empty": "",
			"json":  `{"x":[1,2]}`,
		},
		JoinMode:           plaza.JoinForbidden,
		InviteMode:         plaza.InviteManagers,
		CreatorUserID:      "alice",
		CreateTime:         t0 + 3,
		CurrentMemberCount: 100_000,
		ChannelCount:       42,
		MuteInfo:           plaza.MuteInfo{Mode: plaza.MuteCustom, ExpiredTime: t0 + 3_600_000, Roles: []plaza.Role{plaza.RoleMember, plaza.RoleAdmin}},
	}
	empty := plaza.CommunityInfo{
		AppID:               appA,
		CommunityID:         "empty",
		CommunityName:       "",
		CommunityAttributes: map[string]string{},
		JoinMode:            plaza.JoinAny,
		InviteMode:          plaza.InviteAnyMember,
		CreatorUserID:       "bob",
		CreateTime:          t0,
	}
	approval := plaza.CommunityInfo{
		AppID:               appA,
		CommunityID:         "approval",
		CommunityName:       "Approval",
		CommunityAttributes: nil, // stored as no attributes
		JoinMode:            plaza.JoinApproval,
		InviteMode:          plaza.InviteAnyMember,
		CreatorUserID:       "carol",
		CreateTime:          t0 + 1,
		CurrentMemberCount:  1,
		ChannelCount:        1,
		MuteInfo:            plaza.MuteInfo{Mode: plaza.MuteNormal, ExpiredTime: plaza.PermanentMute}, // Roles nil: read back empty
	}
	update(t, s, func(tx plaza.Tx) error {
		for _, c := range []*plaza.CommunityInfo{&full, &empty, &approval} {
			if err := tx.InsertCommunity(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	pks := []int64{full.PK, empty.PK, approval.PK}
	if slices.Contains(pks, 0) || pks[0] == pks[1] || pks[1] == pks[2] || pks[0] == pks[2] {
		t.Errorf("InsertCommunity set PKs %v; want three distinct non-zero keys", pks)
	}
	for _, want := range []plaza.CommunityInfo{full, empty, approval} {
		got := readCommunity(t, s, appA, want.CommunityID)
		diff(t, "Community("+want.CommunityID+")", want, got)
		checkNonNilAttributes(t, got)
		checkMuteRoles(t, "Community("+want.CommunityID+")", got.MuteInfo)
	}
}

func testCommunityConflict(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	first := addCommunity(t, s, appA, "dup")

	again := first
	again.PK = 0
	again.CommunityName = "impostor"
	err := s.Update(ctx, func(tx plaza.Tx) error { return tx.InsertCommunity(ctx, &again) })
	wantErr(t, "InsertCommunity of an existing ID in the same app", err, plaza.ErrConflict)
	diff(t, "Community after a refused insert", first, readCommunity(t, s, appA, "dup"))

	// The same ID in another app is another community.
	other := addCommunity(t, s, appB, "dup")
	if other.PK == first.PK {
		t.Errorf("community dup of app B has the PK of dup of app A (%d)", other.PK)
	}
	diff(t, "Community dup of app B", other, readCommunity(t, s, appB, "dup"))
	diff(t, "Community dup of app A after app B's", first, readCommunity(t, s, appA, "dup"))
}

func testUpdateCommunity(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	c := addCommunity(t, s, appA, "c")
	neighbour := addCommunity(t, s, appA, "neighbour")

	c.CommunityName = "Renamed"
	c.CommunityAvatarURL = "https://img.example/new.png"
	c.CommunityNotice = "New notice"
	c.CommunityAttributes = map[string]string{"k1": "v1", "k2": "v2"}
	c.JoinMode = plaza.JoinForbidden
	c.InviteMode = plaza.InviteAnyMember
	c.CurrentMemberCount = 17
	c.ChannelCount = 3
	c.MuteInfo = plaza.MuteInfo{Mode: plaza.MuteAll, ExpiredTime: t0 + 1000, Roles: []plaza.Role{}}
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateCommunity(ctx, c) })
	diff(t, "Community after UpdateCommunity", c, readCommunity(t, s, appA, "c"))
	c.MuteInfo = plaza.MuteInfo{Mode: plaza.MuteCustom, ExpiredTime: plaza.PermanentMute, Roles: []plaza.Role{plaza.RoleAdmin}}
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateCommunity(ctx, c) })
	diff(t, "Community after UpdateCommunity of its mute", c, readCommunity(t, s, appA, "c"))

	// Every field can go back to its zero value.
	c.CommunityName, c.CommunityAvatarURL, c.CommunityNotice = "", "", ""
	c.CommunityAttributes = map[string]string{}
	c.JoinMode, c.InviteMode = plaza.JoinAny, plaza.InviteManagers
	c.CurrentMemberCount, c.ChannelCount = 0, 0
	c.MuteInfo = plaza.MuteInfo{}
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateCommunity(ctx, c) })
	got := readCommunity(t, s, appA, "c")
	diff(t, "Community after UpdateCommunity to zero values", c, got)
	checkNonNilAttributes(t, got)
	checkMuteRoles(t, "Community after its mute was lifted", got.MuteInfo)

	diff(t, "a neighbour of an updated community", neighbour, readCommunity(t, s, appA, "neighbour"))
}

func testDeleteCommunity(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "owner", "member", "applicant")
	owner, member, applicant := us[0], us[1], us[2]
	doomed := addCommunity(t, s, appA, "doomed")
	kept := addCommunity(t, s, appA, "kept")
	otherApp := addCommunity(t, s, appB, "doomed")
	for _, c := range []plaza.CommunityInfo{doomed, kept} {
		addChannel(t, s, c, plaza.GeneralChannelID)
		addChannel(t, s, c, "news")
		addMember(t, s, c, owner, plaza.RoleOwner)
		apply(t, s, c, applicant, "let me in")
	}
	addMember(t, s, doomed, member, plaza.RoleMember) // shares only doomed with owner
	keptMembers := must(s.MemberList(ctx, kept.PK, plaza.Cursor{}, 100))(t, "MemberList(kept)")
	keptApplications := must(s.CommunityApplications(ctx, kept.PK, plaza.Cursor{}, 100))(t, "CommunityApplications(kept)")

	for _, c := range []plaza.CommunityInfo{doomed, kept, otherApp} {
		if gone := must(s.CommunityDismissed(ctx, c.AppID, c.CommunityID))(t, "CommunityDismissed"); gone {
			t.Errorf("CommunityDismissed(%s, %s) = true before any dismissal", c.AppID, c.CommunityID)
		}
	}
	if gone := must(s.CommunityDismissed(ctx, appA, "never-existed"))(t, "CommunityDismissed"); gone {
		t.Errorf("CommunityDismissed of an ID that never existed = true")
	}

	update(t, s, func(tx plaza.Tx) error { return tx.DismissCommunity(ctx, doomed, t0+5000) })

	// At once, nobody finds the community by its ID.
	_, err := s.Community(ctx, appA, "doomed")
	wantErr(t, "Community of a dismissed community", err, plaza.ErrNotFound)
	err = s.Update(ctx, func(tx plaza.Tx) error {
		_, err := tx.CommunityForUpdate(ctx, appA, "doomed")
		return err
	})
	wantErr(t, "CommunityForUpdate of a dismissed community", err, plaza.ErrNotFound)
	diff(t, "DismissedCommunities after a dismissal", []int64{doomed.PK}, must(s.DismissedCommunities(ctx))(t, "DismissedCommunities"))
	afterwards := func(when string) {
		// Nothing of it shows from its members' side, whether its rows are
		// still there or purged.
		diff(t, "User owner after its community was "+when, owner, must(s.User(ctx, appA, "owner"))(t, "User"))
		diff(t, "User member after its community was "+when, member, must(s.User(ctx, appA, "member"))(t, "User"))
		diff(t, "UserCommunityIDs of the owner after a community was "+when, []string{"kept"},
			must(s.UserCommunityIDs(ctx, owner.PK))(t, "UserCommunityIDs"))
		diff(t, "UserCommunityIDs of a member of the "+when+" community only", []string{},
			must(s.UserCommunityIDs(ctx, member.PK))(t, "UserCommunityIDs"))
		communities := must(s.UserCommunities(ctx, owner.PK, plaza.Cursor{}, 100))(t, "UserCommunities")
		if len(communities) != 1 || communities[0].CommunityID != "kept" {
			t.Errorf("UserCommunities of the owner after a community was %s = %+v, want only kept", when, communities)
		}
		update(t, s, func(tx plaza.Tx) error {
			for u, want := range map[*plaza.User]int{&owner: 1, &member: 0, &applicant: 0} {
				n, err := tx.CountUserCommunities(ctx, u.PK)
				if err != nil {
					return err
				}
				if n != want {
					t.Errorf("CountUserCommunities(%s) after a community was %s = %d, want %d", u.UserID, when, n, want)
				}
			}
			return nil
		})
		applications := must(s.UserApplications(ctx, applicant.PK, plaza.Cursor{}, 100))(t, "UserApplications")
		if len(applications) != 1 || applications[0].CommunityID != "kept" {
			t.Errorf("UserApplications after a community was %s = %+v, want only the one to kept", when, applications)
		}
		diff(t, "VisibleUsers of owner and member, who shared only the "+when+" community",
			[]plaza.User{owner}, must(s.VisibleUsers(ctx, appA, owner.PK, []string{"owner", "member"}))(t, "VisibleUsers"))
		diff(t, "UnreadByCommunity of the member of the "+when+" community only", []plaza.CommunityUnread{},
			must(s.UnreadByCommunity(ctx, member.PK))(t, "UnreadByCommunity"))
		for _, c := range must(s.AppCommunities(ctx, appA, plaza.Cursor{}, 100))(t, "AppCommunities") {
			if c.PK == doomed.PK {
				t.Errorf("AppCommunities after a community was %s lists it: %+v", when, c)
			}
		}
	}
	afterwards("dismissed")

	// Then its rows go, a few at a time, and it with them.
	purge(t, s, doomed.PK)
	afterwards("purged")
	diff(t, "DismissedCommunities after the purge", []int64{}, must(s.DismissedCommunities(ctx))(t, "DismissedCommunities"))
	for _, id := range []string{plaza.GeneralChannelID, "news"} {
		_, err := s.Channel(ctx, doomed.PK, id)
		wantErr(t, "Channel "+id+" of a purged community", err, plaza.ErrNotFound)
	}
	for _, id := range []string{"owner", "member"} {
		_, err := s.Member(ctx, doomed.PK, id)
		wantErr(t, "Member "+id+" of a purged community", err, plaza.ErrNotFound)
	}
	diff(t, "Members of a purged community", []plaza.Member{},
		must(s.Members(ctx, doomed.PK, []string{"owner", "member"}))(t, "Members"))
	diff(t, "MemberList of a purged community", []plaza.Member{},
		must(s.MemberList(ctx, doomed.PK, plaza.Cursor{}, 100))(t, "MemberList"))
	diff(t, "Managers of a purged community", []string{}, must(s.Managers(ctx, doomed.PK))(t, "Managers"))
	_, err = s.Application(ctx, doomed.PK, applicant.PK)
	wantErr(t, "Application to a purged community", err, plaza.ErrNotFound)
	diff(t, "CommunityApplications of a purged community", []plaza.Application{},
		must(s.CommunityApplications(ctx, doomed.PK, plaza.Cursor{}, 100))(t, "CommunityApplications"))
	update(t, s, func(tx plaza.Tx) error {
		more, err := tx.PurgeCommunity(ctx, doomed.PK, 10)
		if more {
			t.Errorf("PurgeCommunity of a purged community: more = true")
		}
		return err
	})

	// Its ID is recorded as dismissed, in its app only.
	if !must(s.CommunityDismissed(ctx, appA, "doomed"))(t, "CommunityDismissed") {
		t.Errorf("CommunityDismissed of a deleted community = false, want true")
	}
	if must(s.CommunityDismissed(ctx, appB, "doomed"))(t, "CommunityDismissed") {
		t.Errorf("CommunityDismissed of the same ID in another app = true, want false")
	}
	if must(s.CommunityDismissed(ctx, appA, "kept"))(t, "CommunityDismissed") {
		t.Errorf("CommunityDismissed of a community that was not deleted = true, want false")
	}

	// Other communities are untouched.
	diff(t, "the kept community", kept, readCommunity(t, s, appA, "kept"))
	diff(t, "the community of another app with the same ID", otherApp, readCommunity(t, s, appB, "doomed"))
	for _, id := range []string{plaza.GeneralChannelID, "news"} {
		if _, err := s.Channel(ctx, kept.PK, id); err != nil {
			t.Errorf("Channel %s of the kept community: %v", id, err)
		}
	}
	diff(t, "MemberList of the kept community", keptMembers,
		must(s.MemberList(ctx, kept.PK, plaza.Cursor{}, 100))(t, "MemberList"))
	diff(t, "CommunityApplications of the kept community", keptApplications,
		must(s.CommunityApplications(ctx, kept.PK, plaza.Cursor{}, 100))(t, "CommunityApplications"))
}
