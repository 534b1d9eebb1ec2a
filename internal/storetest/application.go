package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/plazahq/plaza"
)

// applicationKey is the cursor of a row of an application list.
func applicationKey(a plaza.Application) plaza.Cursor { return plaza.Cursor{K1: a.PK} }

// applicationPKs returns the keys of applications, in order.
func applicationPKs(as []plaza.Application) []int64 {
	out := make([]int64, len(as))
	for i, a := range as {
		out[i] = a.PK
	}
	return out
}

func testApplicationRoundTrip(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	u := addUser(t, s, appA, "applicant")
	c := addCommunity(t, s, appA, "c")
	waiting := plaza.Application{
		CommunityPK:   c.PK,
		UserPK:        u.PK,
		CommunityID:   c.CommunityID,
		CommunityName: c.CommunityName,
		UserInfo:      u.UserInfo,
		Wording:       "Please — 请",
		State:         plaza.ApplicationWaiting,
		CreateTime:    t0 + 1,
		UpdateTime:    t0 + 2,
	}
	update(t, s, func(tx plaza.Tx) error { return tx.InsertApplication(ctx, &waiting) })
	if waiting.PK == 0 {
		t.Fatalf("InsertApplication left PK 0")
	}
	diff(t, "Application", waiting, must(s.Application(ctx, c.PK, u.PK))(t, "Application"))

	// Every field, on a second community: a settled application with an
	// operator and no wording.
	d := addCommunity(t, s, appA, "d")
	settled := plaza.Application{
		CommunityPK:    d.PK,
		UserPK:         u.PK,
		CommunityID:    d.CommunityID,
		CommunityName:  d.CommunityName,
		UserInfo:       u.UserInfo,
		State:          plaza.ApplicationRejected,
		CreateTime:     t0 + 3,
		UpdateTime:     t0 + 4,
		OperatedUserID: "admin",
	}
	update(t, s, func(tx plaza.Tx) error { return tx.InsertApplication(ctx, &settled) })
	if settled.PK == waiting.PK {
		t.Errorf("two applications have the same PK %d", settled.PK)
	}
	diff(t, "Application with every field", settled, must(s.Application(ctx, d.PK, u.PK))(t, "Application"))
	diff(t, "the first application after the second", waiting, must(s.Application(ctx, c.PK, u.PK))(t, "Application"))

	// The community name and the user's profile are the current ones.
	c.CommunityName = "Renamed community"
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateCommunity(ctx, c) })
	u.UserName, u.UserAvatarURL = "Renamed user", "https://img.example/renamed.png"
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateUser(ctx, u) })
	waiting.CommunityName = c.CommunityName
	waiting.UserInfo = u.UserInfo
	settled.UserInfo = u.UserInfo
	diff(t, "Application after renames", waiting, must(s.Application(ctx, c.PK, u.PK))(t, "Application"))
	diff(t, "CommunityApplications after renames", []plaza.Application{waiting},
		must(s.CommunityApplications(ctx, c.PK, plaza.Cursor{}, 10))(t, "CommunityApplications"))
	diff(t, "UserApplications after renames", []plaza.Application{settled, waiting},
		must(s.UserApplications(ctx, u.PK, plaza.Cursor{}, 10))(t, "UserApplications"))
}

func testApplicationReplace(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "v")
	u, v := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	first := apply(t, s, c, u, "first")
	rejected := first
	rejected.State, rejected.UpdateTime, rejected.OperatedUserID = plaza.ApplicationRejected, t0+3000, "admin"
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateApplication(ctx, rejected) })
	other := apply(t, s, c, v, "v's")

	second := plaza.Application{
		CommunityPK:   c.PK,
		UserPK:        u.PK,
		CommunityID:   c.CommunityID,
		CommunityName: c.CommunityName,
		UserInfo:      u.UserInfo,
		Wording:       "second",
		State:         plaza.ApplicationWaiting,
		CreateTime:    t0 + 4000,
		UpdateTime:    t0 + 4000,
	}
	update(t, s, func(tx plaza.Tx) error { return tx.InsertApplication(ctx, &second) })
	diff(t, "Application after applying again", second, must(s.Application(ctx, c.PK, u.PK))(t, "Application"))
	// The replacement is the newest application: it comes first, and the one
	// it replaced is gone.
	diff(t, "CommunityApplications after applying again", []plaza.Application{second, other},
		must(s.CommunityApplications(ctx, c.PK, plaza.Cursor{}, 10))(t, "CommunityApplications"))
	diff(t, "UserApplications after applying again", []plaza.Application{second},
		must(s.UserApplications(ctx, u.PK, plaza.Cursor{}, 10))(t, "UserApplications"))

	// Replacing twice in one transaction leaves one application too.
	var third, fourth plaza.Application
	update(t, s, func(tx plaza.Tx) error {
		third, fourth = second, second
		third.Wording, fourth.Wording = "third", "fourth"
		if err := tx.InsertApplication(ctx, &third); err != nil {
			return err
		}
		return tx.InsertApplication(ctx, &fourth)
	})
	diff(t, "Application after applying twice in one transaction", fourth, must(s.Application(ctx, c.PK, u.PK))(t, "Application"))
	diff(t, "UserApplications after applying twice in one transaction", []plaza.Application{fourth},
		must(s.UserApplications(ctx, u.PK, plaza.Cursor{}, 10))(t, "UserApplications"))
}

func testUpdateApplication(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "v")
	c := addCommunity(t, s, appA, "c")
	a := apply(t, s, c, us[0], "hello")
	neighbour := apply(t, s, c, us[1], "hi")

	for _, state := range []plaza.ApplicationState{plaza.ApplicationAccepted, plaza.ApplicationExpired} {
		a.State = state
		a.UpdateTime += 100
		a.OperatedUserID = fmt.Sprintf("operator-%d", state)
		update(t, s, func(tx plaza.Tx) error { return tx.UpdateApplication(ctx, a) })
		diff(t, fmt.Sprintf("Application after UpdateApplication to state %d", state), a,
			must(s.Application(ctx, c.PK, us[0].PK))(t, "Application"))
	}
	diff(t, "a neighbour of an updated application", neighbour, must(s.Application(ctx, c.PK, us[1].PK))(t, "Application"))
}

func testDeleteApplication(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "v")
	u, v := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	doomed := apply(t, s, c, u, "doomed")
	keptSameUser := apply(t, s, d, u, "kept")
	keptSameCommunity := apply(t, s, c, v, "kept")

	update(t, s, func(tx plaza.Tx) error { return tx.DeleteApplication(ctx, doomed.PK) })
	_, err := s.Application(ctx, c.PK, u.PK)
	wantErr(t, "Application after DeleteApplication", err, plaza.ErrNotFound)
	diff(t, "CommunityApplications after DeleteApplication", []plaza.Application{keptSameCommunity},
		must(s.CommunityApplications(ctx, c.PK, plaza.Cursor{}, 10))(t, "CommunityApplications"))
	diff(t, "UserApplications after DeleteApplication", []plaza.Application{keptSameUser},
		must(s.UserApplications(ctx, u.PK, plaza.Cursor{}, 10))(t, "UserApplications"))

	// The user may apply again.
	again := apply(t, s, c, u, "again")
	diff(t, "Application after applying again", again, must(s.Application(ctx, c.PK, u.PK))(t, "Application"))
}

func testCommunityApplicationsOrder(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	var stored []plaza.Application
	for i := range 8 {
		u := addUser(t, s, appA, fmt.Sprintf("u%d", i))
		stored = append(stored, apply(t, s, c, u, fmt.Sprintf("wording %d", i)))
		if i%2 == 0 {
			apply(t, s, d, u, "elsewhere") // another community's rows in between
		}
	}
	want := slices.Clone(stored)
	slices.Reverse(want) // newest first
	diff(t, "CommunityApplications in one page", want,
		must(s.CommunityApplications(ctx, c.PK, plaza.Cursor{}, len(want)+5))(t, "CommunityApplications"))
	for limit := 1; limit <= len(want)+1; limit++ {
		got := pageAll(t, "CommunityApplications", limit, len(want),
			func(after plaza.Cursor, limit int) ([]plaza.Application, error) {
				return s.CommunityApplications(ctx, c.PK, after, limit)
			}, applicationKey)
		diff(t, fmt.Sprintf("CommunityApplications paged by %d", limit), applicationPKs(want), applicationPKs(got))
	}
	diff(t, "CommunityApplications of a community with none", []plaza.Application{},
		must(s.CommunityApplications(ctx, addCommunity(t, s, appA, "none").PK, plaza.Cursor{}, 10))(t, "CommunityApplications"))
}

func testUserApplicationsOrder(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "other")
	u, other := us[0], us[1]
	var stored []plaza.Application
	for i := range 8 {
		c := addCommunity(t, s, appA, fmt.Sprintf("c%d", i))
		stored = append(stored, apply(t, s, c, u, fmt.Sprintf("wording %d", i)))
		if i%2 == 1 {
			apply(t, s, c, other, "another user's") // another user's rows in between
		}
	}
	want := slices.Clone(stored)
	slices.Reverse(want) // newest first
	diff(t, "UserApplications in one page", want,
		must(s.UserApplications(ctx, u.PK, plaza.Cursor{}, len(want)+5))(t, "UserApplications"))
	for limit := 1; limit <= len(want)+1; limit++ {
		got := pageAll(t, "UserApplications", limit, len(want),
			func(after plaza.Cursor, limit int) ([]plaza.Application, error) {
				return s.UserApplications(ctx, u.PK, after, limit)
			}, applicationKey)
		diff(t, fmt.Sprintf("UserApplications paged by %d", limit), applicationPKs(want), applicationPKs(got))
	}
	diff(t, "UserApplications of a user with none", []plaza.Application{},
		must(s.UserApplications(ctx, addUser(t, s, appA, "none").PK, plaza.Cursor{}, 10))(t, "UserApplications"))
}
