package storetest

import (
	"cmp"
	"slices"
	"testing"

	"github.com/plazahq/plaza"
)

func testUserRoundTrip(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	var created, locked plaza.User
	update(t, s, func(tx plaza.Tx) error {
		var err error
		created, err = tx.EnsureUser(ctx, appA, "alice", t0+7)
		return err
	})
	if created.PK == 0 {
		t.Fatalf("EnsureUser returned PK 0")
	}
	want := plaza.User{UserInfo: plaza.UserInfo{UserID: "alice"}, PK: created.PK, AppID: appA, CreatedAt: t0 + 7}
	diff(t, "EnsureUser of a new user", want, created)
	diff(t, "User of a new user", want, must(s.User(ctx, appA, "alice"))(t, "User"))

	want.UserName = "Alice Liddell"
	want.UserAvatarURL = "https://img.example/alice.png"
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateUser(ctx, want) })
	diff(t, "User after UpdateUser", want, must(s.User(ctx, appA, "alice"))(t, "User"))
	update(t, s, func(tx plaza.Tx) error {
		var err error
		locked, err = tx.UserForUpdate(ctx, appA, "alice")
		return err
	})
	diff(t, "UserForUpdate", want, locked)

	// Clearing the profile is an update too.
	cleared := want
	cleared.UserName, cleared.UserAvatarURL = "", ""
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateUser(ctx, cleared) })
	diff(t, "User after clearing its profile", cleared, must(s.User(ctx, appA, "alice"))(t, "User"))

	// The same user ID in another app is another user.
	var other plaza.User
	update(t, s, func(tx plaza.Tx) error {
		var err error
		other, err = tx.EnsureUser(ctx, appB, "alice", t0+9)
		return err
	})
	if other.PK == created.PK {
		t.Errorf("alice of app B has the PK of alice of app A (%d)", other.PK)
	}
	diff(t, "User alice of app B",
		plaza.User{UserInfo: plaza.UserInfo{UserID: "alice"}, PK: other.PK, AppID: appB, CreatedAt: t0 + 9},
		must(s.User(ctx, appB, "alice"))(t, "User(B)"))
	diff(t, "User alice of app A after alice of app B was created", cleared, must(s.User(ctx, appA, "alice"))(t, "User(A)"))
}

func testEnsureUserIdempotent(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	first := addUser(t, s, appA, "bob") // with a profile
	var again, twice plaza.User
	update(t, s, func(tx plaza.Tx) error {
		var err error
		if again, err = tx.EnsureUser(ctx, appA, "bob", t0+99); err != nil {
			return err
		}
		twice, err = tx.EnsureUser(ctx, appA, "bob", t0+100)
		return err
	})
	diff(t, "EnsureUser of an existing user", first, again)
	diff(t, "EnsureUser called twice in one transaction", first, twice)
	diff(t, "User after EnsureUser of an existing user", first, must(s.User(ctx, appA, "bob"))(t, "User"))

	// A user created and ensured again in the same transaction is one user.
	var made, remade plaza.User
	update(t, s, func(tx plaza.Tx) error {
		var err error
		if made, err = tx.EnsureUser(ctx, appA, "carol", t0); err != nil {
			return err
		}
		remade, err = tx.EnsureUser(ctx, appA, "carol", t0+1)
		return err
	})
	diff(t, "EnsureUser of a user created earlier in the transaction", made, remade)
}

func testVisibleUsers(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "viewer", "friend", "stranger", "loner", "former", "twice")
	viewer, friend, stranger, loner, former, twice := us[0], us[1], us[2], us[3], us[4], us[5] // loner is in no community
	// A user of another app with the ID of a visible one, sharing nothing.
	addUser(t, s, appB, "friend")

	c1 := addCommunity(t, s, appA, "c1")
	c2 := addCommunity(t, s, appA, "c2")
	c3 := addCommunity(t, s, appA, "c3")
	addMember(t, s, c1, viewer, plaza.RoleOwner)
	addMember(t, s, c1, friend, plaza.RoleMember)
	addMember(t, s, c2, stranger, plaza.RoleOwner) // shares c2 with twice only
	// twice shares two communities with the viewer: it is listed once.
	addMember(t, s, c1, twice, plaza.RoleAdmin)
	addMember(t, s, c3, viewer, plaza.RoleMember)
	addMember(t, s, c3, twice, plaza.RoleOwner)
	addMember(t, s, c2, twice, plaza.RoleMember)
	// former shared c1 with the viewer and left.
	addMember(t, s, c1, former, plaza.RoleMember)
	leave(t, s, c1, former)

	byID := func(a, b plaza.User) int { return cmp.Compare(a.UserID, b.UserID) }
	visible := func(viewerPK int64, ids ...string) []plaza.User {
		t.Helper()
		got := must(s.VisibleUsers(ctx, appA, viewerPK, ids))(t, "VisibleUsers")
		slices.SortFunc(got, byID)
		return got
	}
	sorted := func(us ...plaza.User) []plaza.User { return slices.SortedFunc(slices.Values(us), byID) }

	diff(t, "VisibleUsers(self, shared, not shared, no community, left, shared twice, unknown)",
		sorted(viewer, friend, twice),
		visible(viewer.PK, "viewer", "friend", "stranger", "loner", "former", "twice", "ghost"))
	diff(t, "VisibleUsers without the viewer's own ID", sorted(friend),
		visible(viewer.PK, "friend", "stranger"))
	diff(t, "VisibleUsers of the viewer alone", sorted(viewer), visible(viewer.PK, "viewer"))
	diff(t, "VisibleUsers of unknown users", []plaza.User{}, visible(viewer.PK, "ghost", "phantom"))
	diff(t, "VisibleUsers of no users", []plaza.User{}, visible(viewer.PK))
	diff(t, "VisibleUsers seen by a user in no community", sorted(loner),
		visible(loner.PK, "viewer", "friend", "loner"))
	diff(t, "VisibleUsers seen by stranger", sorted(stranger, twice),
		visible(stranger.PK, "viewer", "friend", "stranger", "twice"))
	// The IDs are those of users of the app asked about.
	diff(t, "VisibleUsers of IDs in another app", []plaza.User{},
		must(s.VisibleUsers(ctx, appB, viewer.PK, []string{"viewer", "friend"}))(t, "VisibleUsers"))
}
