package storetest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza"
)

func testNotFound(t *testing.T, s plaza.Store) {
	addApp(t, s, appA)
	u := addUser(t, s, appA, "u")
	outsider := addUser(t, s, appA, "outsider")
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	addChannel(t, s, d, "only-in-d")
	addMember(t, s, c, u, plaza.RoleOwner)
	apply(t, s, d, outsider, "hello")

	type read func(ctx context.Context, q plaza.Query) error
	reads := []struct {
		name string
		read read
	}{
		{"App of an unknown app", func(ctx context.Context, q plaza.Query) error {
			_, err := q.App(ctx, appB)
			return err
		}},
		{"User of an unknown user", func(ctx context.Context, q plaza.Query) error {
			_, err := q.User(ctx, appA, "ghost")
			return err
		}},
		{"User of a user of another app", func(ctx context.Context, q plaza.Query) error {
			_, err := q.User(ctx, appB, "u")
			return err
		}},
		{"Community of an unknown community", func(ctx context.Context, q plaza.Query) error {
			_, err := q.Community(ctx, appA, "ghost")
			return err
		}},
		{"Community of a community of another app", func(ctx context.Context, q plaza.Query) error {
			_, err := q.Community(ctx, appB, "c")
			return err
		}},
		{"Member of a user who is not a member", func(ctx context.Context, q plaza.Query) error {
			_, err := q.Member(ctx, c.PK, "outsider")
			return err
		}},
		{"Member of an unknown user", func(ctx context.Context, q plaza.Query) error {
			_, err := q.Member(ctx, c.PK, "ghost")
			return err
		}},
		{"Member of an unknown community", func(ctx context.Context, q plaza.Query) error {
			_, err := q.Member(ctx, c.PK+d.PK+1000, "u")
			return err
		}},
		{"Channel of an unknown channel", func(ctx context.Context, q plaza.Query) error {
			_, err := q.Channel(ctx, c.PK, "ghost")
			return err
		}},
		{"Channel of a channel of another community", func(ctx context.Context, q plaza.Query) error {
			_, err := q.Channel(ctx, c.PK, "only-in-d")
			return err
		}},
		{"Application of a user who did not apply", func(ctx context.Context, q plaza.Query) error {
			_, err := q.Application(ctx, c.PK, outsider.PK)
			return err
		}},
		{"Application of an unknown user", func(ctx context.Context, q plaza.Query) error {
			_, err := q.Application(ctx, d.PK, outsider.PK+u.PK+1000)
			return err
		}},
	}
	txReads := []struct {
		name string
		read func(ctx context.Context, tx plaza.Tx) error
	}{
		{"AppForUpdate of an unknown app", func(ctx context.Context, tx plaza.Tx) error {
			_, err := tx.AppForUpdate(ctx, appB)
			return err
		}},
		{"UserForUpdate of an unknown user", func(ctx context.Context, tx plaza.Tx) error {
			_, err := tx.UserForUpdate(ctx, appA, "ghost")
			return err
		}},
		{"UserForUpdate of a user of another app", func(ctx context.Context, tx plaza.Tx) error {
			_, err := tx.UserForUpdate(ctx, appB, "u")
			return err
		}},
		{"CommunityForUpdate of an unknown community", func(ctx context.Context, tx plaza.Tx) error {
			_, err := tx.CommunityForUpdate(ctx, appA, "ghost")
			return err
		}},
		{"CommunityForUpdate of a community of another app", func(ctx context.Context, tx plaza.Tx) error {
			_, err := tx.CommunityForUpdate(ctx, appB, "c")
			return err
		}},
	}
	for _, r := range reads {
		t.Run(r.name, func(t *testing.T) {
			ctx := t.Context()
			wantErr(t, "through the store", r.read(ctx, s), plaza.ErrNotFound)
			// Inside a transaction, which goes on and commits.
			update(t, s, func(tx plaza.Tx) error {
				wantErr(t, "through a transaction", r.read(ctx, tx), plaza.ErrNotFound)
				return nil
			})
		})
	}
	for _, r := range txReads {
		t.Run(r.name, func(t *testing.T) {
			ctx := t.Context()
			update(t, s, func(tx plaza.Tx) error {
				wantErr(t, "through a transaction", r.read(ctx, tx), plaza.ErrNotFound)
				return nil
			})
		})
	}
}

func testRollback(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	app := addApp(t, s, appA)
	us := addUsers(t, s, appA, "u", "v")
	u, v := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	spared := addCommunity(t, s, appA, "spared")
	mv := addMember(t, s, c, v, plaza.RoleMember)
	av := apply(t, s, spared, v, "before")

	err := s.Update(ctx, func(tx plaza.Tx) error {
		if err := tx.InsertApp(ctx, plaza.App{AppID: appB, Spec: plaza.DefaultSpec(), CreatedAt: t0,
			Secrets: []plaza.Secret{{Secret: "s", CreatedAt: t0}}}); err != nil {
			return err
		}
		w, err := tx.EnsureUser(ctx, appA, "w", t0)
		if err != nil {
			return err
		}
		changed := u
		changed.UserName = "changed"
		if err := tx.UpdateUser(ctx, changed); err != nil {
			return err
		}
		nc := plaza.CommunityInfo{AppID: appA, CommunityID: "new", CommunityName: "new", CreateTime: t0}
		if err := tx.InsertCommunity(ctx, &nc); err != nil {
			return err
		}
		renamed := c
		renamed.CommunityName = "changed"
		renamed.CurrentMemberCount = 99
		renamed.MuteInfo = plaza.MuteInfo{Mode: plaza.MuteAll, ExpiredTime: plaza.PermanentMute}
		if err := tx.UpdateCommunity(ctx, renamed); err != nil {
			return err
		}
		if err := tx.InsertChannel(ctx, &plaza.Channel{CommunityPK: c.PK, ChannelID: "new", CreateTime: t0}); err != nil {
			return err
		}
		if err := tx.InsertMember(ctx, &plaza.Member{CommunityPK: c.PK, UserPK: w.PK, MemberRole: plaza.RoleMember,
			EnterType: plaza.EnterJoined, NotificationStatus: plaza.Notify}); err != nil {
			return err
		}
		promoted := mv
		promoted.MemberRole = plaza.RoleAdmin
		if err := tx.UpdateMember(ctx, promoted); err != nil {
			return err
		}
		if err := tx.InsertApplication(ctx, &plaza.Application{CommunityPK: c.PK, UserPK: u.PK,
			State: plaza.ApplicationWaiting, CreateTime: t0, UpdateTime: t0}); err != nil {
			return err
		}
		settled := av
		settled.State, settled.OperatedUserID = plaza.ApplicationAccepted, "u"
		if err := tx.UpdateApplication(ctx, settled); err != nil {
			return err
		}
		if err := tx.DismissCommunity(ctx, spared, t0); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Update returned %v, want the error fn returned (%v)", err, errBoom)
	}

	_, err = s.App(ctx, appB)
	wantErr(t, "App inserted by a rolled-back transaction", err, plaza.ErrNotFound)
	if n := must(s.AppCount(ctx))(t, "AppCount"); n != 1 {
		t.Errorf("AppCount after a rollback = %d, want 1", n)
	}
	diff(t, "App after a rollback", app, must(s.App(ctx, appA))(t, "App"))
	_, err = s.User(ctx, appA, "w")
	wantErr(t, "User created by a rolled-back transaction", err, plaza.ErrNotFound)
	diff(t, "User updated by a rolled-back transaction", u, must(s.User(ctx, appA, "u"))(t, "User"))
	_, err = s.Community(ctx, appA, "new")
	wantErr(t, "Community inserted by a rolled-back transaction", err, plaza.ErrNotFound)
	diff(t, "Community updated by a rolled-back transaction", c, readCommunity(t, s, appA, "c"))
	_, err = s.Channel(ctx, c.PK, "new")
	wantErr(t, "Channel inserted by a rolled-back transaction", err, plaza.ErrNotFound)
	_, err = s.Member(ctx, c.PK, "w")
	wantErr(t, "Member inserted by a rolled-back transaction", err, plaza.ErrNotFound)
	diff(t, "Member updated by a rolled-back transaction", mv, must(s.Member(ctx, c.PK, "v"))(t, "Member"))
	_, err = s.Application(ctx, c.PK, u.PK)
	wantErr(t, "Application inserted by a rolled-back transaction", err, plaza.ErrNotFound)
	diff(t, "Application updated by a rolled-back transaction", av, must(s.Application(ctx, spared.PK, v.PK))(t, "Application"))
	diff(t, "Community deleted by a rolled-back transaction", spared, readCommunity(t, s, appA, "spared"))
	if must(s.CommunityDismissed(ctx, appA, "spared"))(t, "CommunityDismissed") {
		t.Errorf("CommunityDismissed of a community deleted by a rolled-back transaction = true")
	}

	// The store goes on working.
	addUser(t, s, appA, "after")
}

func testRollbackOnConflict(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	c := addCommunity(t, s, appA, "c")
	err := s.Update(ctx, func(tx plaza.Tx) error {
		if _, err := tx.EnsureUser(ctx, appA, "early", t0); err != nil {
			return err
		}
		if err := tx.InsertChannel(ctx, &plaza.Channel{CommunityPK: c.PK, ChannelID: "early", CreateTime: t0}); err != nil {
			return err
		}
		dup := plaza.CommunityInfo{AppID: appA, CommunityID: "c", CreateTime: t0}
		return tx.InsertCommunity(ctx, &dup)
	})
	wantErr(t, "Update ending in a duplicate community", err, plaza.ErrConflict)
	_, err = s.User(ctx, appA, "early")
	wantErr(t, "User created before the conflict", err, plaza.ErrNotFound)
	_, err = s.Channel(ctx, c.PK, "early")
	wantErr(t, "Channel inserted before the conflict", err, plaza.ErrNotFound)
	diff(t, "the community after the conflict", c, readCommunity(t, s, appA, "c"))
}

// testRollbackOnPanic checks that a panic in fn ends the transaction like an
// error does: nothing of it remains and the store takes the next Update. The
// panic may reach the caller or come back as an error; either is allowed.
func testRollbackOnPanic(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	func() {
		defer func() { _ = recover() }()
		err := s.Update(ctx, func(tx plaza.Tx) error {
			if err := tx.InsertApp(ctx, plaza.App{AppID: appA, Spec: plaza.DefaultSpec(), CreatedAt: t0}); err != nil {
				return err
			}
			panic("storetest: panic in a transaction")
		})
		if err == nil {
			t.Errorf("Update whose fn panicked returned nil")
		}
	}()
	_, err := s.App(ctx, appA)
	wantErr(t, "App inserted by a transaction that panicked", err, plaza.ErrNotFound)

	// A store that left the transaction open would make the next one wait
	// for ever; give it a generous deadline.
	next, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err = s.Update(next, func(tx plaza.Tx) error {
		return tx.InsertApp(next, plaza.App{AppID: appB, Spec: plaza.DefaultSpec(), CreatedAt: t0})
	})
	if err != nil {
		t.Fatalf("Update after a transaction panicked: %v", err)
	}
	if _, err := s.App(ctx, appB); err != nil {
		t.Errorf("App inserted after a transaction panicked: %v", err)
	}
}

func testTxSeesOwnWrites(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	app := plaza.App{AppID: appA, Name: "a", CommunityEnabled: true, Spec: plaza.DefaultSpec(), CreatedAt: t0,
		Secrets: []plaza.Secret{{Secret: "s", CreatedAt: t0}}}
	// outside checks that the store, outside the transaction, does not see
	// what the transaction has not committed.
	outside := func(what string, err error) {
		t.Helper()
		wantErr(t, what+", read outside the transaction before it commits", err, plaza.ErrNotFound)
	}
	var c plaza.CommunityInfo
	var owner, joiner plaza.User
	update(t, s, func(tx plaza.Tx) error {
		if err := tx.InsertApp(ctx, app); err != nil {
			return err
		}
		diff(t, "App in its transaction", app, must(tx.App(ctx, appA))(t, "tx.App"))
		if n := must(tx.AppCount(ctx))(t, "tx.AppCount"); n != 1 {
			t.Errorf("AppCount in the transaction that inserted an app = %d, want 1", n)
		}
		_, err := s.App(ctx, appA)
		outside("App", err)

		if owner, err = tx.EnsureUser(ctx, appA, "owner", t0); err != nil {
			return err
		}
		if joiner, err = tx.EnsureUser(ctx, appA, "joiner", t0); err != nil {
			return err
		}
		diff(t, "User in its transaction", owner, must(tx.User(ctx, appA, "owner"))(t, "tx.User"))
		_, err = s.User(ctx, appA, "owner")
		outside("User", err)
		owner.UserName = "Owner"
		if err := tx.UpdateUser(ctx, owner); err != nil {
			return err
		}
		diff(t, "UserForUpdate after UpdateUser in one transaction", owner, must(tx.UserForUpdate(ctx, appA, "owner"))(t, "tx.UserForUpdate"))

		c = plaza.CommunityInfo{AppID: appA, CommunityID: "c", CommunityName: "C", CommunityAttributes: map[string]string{},
			CreatorUserID: "owner", CreateTime: t0, CurrentMemberCount: 1, ChannelCount: 1}
		if err := tx.InsertCommunity(ctx, &c); err != nil {
			return err
		}
		diff(t, "Community in its transaction", c, must(tx.Community(ctx, appA, "c"))(t, "tx.Community"))
		c.CommunityName = "Renamed"
		c.MuteInfo = plaza.MuteInfo{Mode: plaza.MuteCustom, ExpiredTime: t0 + 1, Roles: []plaza.Role{plaza.RoleMember}}
		if err := tx.UpdateCommunity(ctx, c); err != nil {
			return err
		}
		diff(t, "CommunityForUpdate after UpdateCommunity in one transaction", c,
			must(tx.CommunityForUpdate(ctx, appA, "c"))(t, "tx.CommunityForUpdate"))
		_, err = s.Community(ctx, appA, "c")
		outside("Community", err)

		ch := plaza.Channel{CommunityPK: c.PK, CommunityID: "c", ChannelID: plaza.GeneralChannelID,
			ChannelAttributes: map[string]string{}, CreateTime: t0}
		if err := tx.InsertChannel(ctx, &ch); err != nil {
			return err
		}
		ch.LastTime = ch.CreateTime // a new channel's last activity
		diff(t, "Channel in its transaction", ch, must(tx.Channel(ctx, c.PK, plaza.GeneralChannelID))(t, "tx.Channel"))

		mo := plaza.Member{UserInfo: owner.UserInfo, CommunityPK: c.PK, UserPK: owner.PK, MemberRole: plaza.RoleOwner,
			EnterTime: t0, EnterType: plaza.EnterCreated, NotificationStatus: plaza.Notify}
		mj := plaza.Member{UserInfo: joiner.UserInfo, CommunityPK: c.PK, UserPK: joiner.PK, MemberRole: plaza.RoleMember,
			EnterTime: t0, EnterType: plaza.EnterJoined, NotificationStatus: plaza.Notify}
		for _, m := range []*plaza.Member{&mo, &mj} {
			if err := tx.InsertMember(ctx, m); err != nil {
				return err
			}
		}
		diff(t, "Member in its transaction", mo, must(tx.Member(ctx, c.PK, "owner"))(t, "tx.Member"))
		diff(t, "Members in their transaction", []plaza.Member{mj}, must(tx.Members(ctx, c.PK, []string{"joiner"}))(t, "tx.Members"))
		diff(t, "MemberList in its transaction", []plaza.Member{mo, mj},
			must(tx.MemberList(ctx, c.PK, plaza.Cursor{}, 10))(t, "tx.MemberList"))
		diff(t, "Managers in their transaction", []string{"owner"}, must(tx.Managers(ctx, c.PK))(t, "tx.Managers"))
		diff(t, "UserCommunities in their transaction", []plaza.Community{{CommunityID: "c", CommunityName: "Renamed",
			NotificationStatus: plaza.Notify, MemberRole: plaza.RoleOwner, MemberPK: mo.PK}},
			must(tx.UserCommunities(ctx, owner.PK, plaza.Cursor{}, 10))(t, "tx.UserCommunities"))
		diff(t, "UserCommunityIDs in their transaction", []string{"c"}, must(tx.UserCommunityIDs(ctx, owner.PK))(t, "tx.UserCommunityIDs"))
		if n := must(tx.CountUserCommunities(ctx, owner.PK))(t, "tx.CountUserCommunities"); n != 1 {
			t.Errorf("CountUserCommunities in the transaction that added a membership = %d, want 1", n)
		}
		diff(t, "VisibleUsers in their transaction", []plaza.User{joiner},
			must(tx.VisibleUsers(ctx, appA, owner.PK, []string{"joiner"}))(t, "tx.VisibleUsers"))
		_, err = s.Member(ctx, c.PK, "owner")
		outside("Member", err)

		mj.MemberRole = plaza.RoleAdmin
		if err := tx.UpdateMember(ctx, mj); err != nil {
			return err
		}
		diff(t, "Member after UpdateMember in one transaction", mj, must(tx.Member(ctx, c.PK, "joiner"))(t, "tx.Member"))

		a := plaza.Application{CommunityPK: c.PK, UserPK: joiner.PK, CommunityID: "c", CommunityName: "Renamed",
			UserInfo: joiner.UserInfo, Wording: "w", State: plaza.ApplicationWaiting, CreateTime: t0, UpdateTime: t0}
		if err := tx.InsertApplication(ctx, &a); err != nil {
			return err
		}
		diff(t, "Application in its transaction", a, must(tx.Application(ctx, c.PK, joiner.PK))(t, "tx.Application"))
		diff(t, "CommunityApplications in their transaction", []plaza.Application{a},
			must(tx.CommunityApplications(ctx, c.PK, plaza.Cursor{}, 10))(t, "tx.CommunityApplications"))
		diff(t, "UserApplications in their transaction", []plaza.Application{a},
			must(tx.UserApplications(ctx, joiner.PK, plaza.Cursor{}, 10))(t, "tx.UserApplications"))
		_, err = s.Application(ctx, c.PK, joiner.PK)
		outside("Application", err)
		a.State, a.OperatedUserID = plaza.ApplicationAccepted, "owner"
		if err := tx.UpdateApplication(ctx, a); err != nil {
			return err
		}
		diff(t, "Application after UpdateApplication in one transaction", a, must(tx.Application(ctx, c.PK, joiner.PK))(t, "tx.Application"))
		if err := tx.DeleteApplication(ctx, a.PK); err != nil {
			return err
		}
		_, err = tx.Application(ctx, c.PK, joiner.PK)
		wantErr(t, "Application after DeleteApplication in one transaction", err, plaza.ErrNotFound)

		if err := tx.DeleteMembers(ctx, c.PK, []int64{mj.UserPK}); err != nil {
			return err
		}
		_, err = tx.Member(ctx, c.PK, "joiner")
		wantErr(t, "Member after DeleteMembers in one transaction", err, plaza.ErrNotFound)
		return nil
	})

	// Committed: visible outside.
	diff(t, "App after commit", app, must(s.App(ctx, appA))(t, "App"))
	diff(t, "Community after commit", c, must(s.Community(ctx, appA, "c"))(t, "Community"))
	diff(t, "User after commit", owner, must(s.User(ctx, appA, "owner"))(t, "User"))
	if _, err := s.Member(ctx, c.PK, "owner"); err != nil {
		t.Errorf("Member after commit: %v", err)
	}

	// A deletion, seen by the transaction that made it.
	update(t, s, func(tx plaza.Tx) error {
		if err := tx.DismissCommunity(ctx, c, t0); err != nil {
			return err
		}
		_, err := tx.Community(ctx, appA, "c")
		wantErr(t, "Community after DismissCommunity in one transaction", err, plaza.ErrNotFound)
		if !must(tx.CommunityDismissed(ctx, appA, "c"))(t, "tx.CommunityDismissed") {
			t.Errorf("CommunityDismissed in the transaction that deleted the community = false, want true")
		}
		if must(s.CommunityDismissed(ctx, appA, "c"))(t, "CommunityDismissed") {
			t.Errorf("CommunityDismissed outside the transaction before it commits = true, want false")
		}
		return nil
	})
}

// concurrency is the number of transactions racing in the concurrency tests.
const concurrency = 16

// concurrently runs fn in concurrency goroutines at once, each in its own
// transaction, and fails the test if any fails.
func concurrently(t *testing.T, s plaza.Store, fn func(tx plaza.Tx) error) {
	t.Helper()
	ctx := t.Context()
	start := make(chan struct{})
	errs := make(chan error, concurrency)
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			<-start
			errs <- s.Update(ctx, fn)
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Update: %v", err)
		}
	}
}

// testConcurrentCommunityForUpdate checks that CommunityForUpdate locks the
// community: each transaction reads the member count and writes it back one
// higher, and no increment is lost.
func testConcurrentCommunityForUpdate(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	addCommunity(t, s, appA, "counter")
	concurrently(t, s, func(tx plaza.Tx) error {
		c, err := tx.CommunityForUpdate(ctx, appA, "counter")
		if err != nil {
			return err
		}
		time.Sleep(time.Millisecond) // widen the window a missing lock would leave
		c.CurrentMemberCount++
		return tx.UpdateCommunity(ctx, c)
	})
	if got := must(s.Community(ctx, appA, "counter"))(t, "Community").CurrentMemberCount; got != concurrency {
		t.Errorf("CurrentMemberCount after %d concurrent increments = %d", concurrency, got)
	}
}

// testConcurrentUserForUpdate checks that UserForUpdate locks the user: each
// transaction appends to the user's name, and no append is lost.
func testConcurrentUserForUpdate(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	update(t, s, func(tx plaza.Tx) error {
		_, err := tx.EnsureUser(ctx, appA, "counter", t0)
		return err
	})
	concurrently(t, s, func(tx plaza.Tx) error {
		u, err := tx.UserForUpdate(ctx, appA, "counter")
		if err != nil {
			return err
		}
		time.Sleep(time.Millisecond) // widen the window a missing lock would leave
		u.UserName += "x"
		return tx.UpdateUser(ctx, u)
	})
	if got := must(s.User(ctx, appA, "counter"))(t, "User").UserName; got != strings.Repeat("x", concurrency) {
		t.Errorf("UserName after %d concurrent appends = %q", concurrency, got)
	}
}
