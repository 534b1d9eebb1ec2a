package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza"
)

// What the operator changes of an app, its spec history, its usage and its
// server API nonces.

func testUpdateApp(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	a := addApp(t, s, appA)
	neighbour := addApp(t, s, appB)

	changed := a
	changed.Name = "Renamed"
	changed.CommunityEnabled = false
	changed.Spec = fullSpec()
	changed.Webhook = fullWebhook()
	// UpdateApp stores neither of these.
	changed.CreatedAt = t0 + 999
	changed.Secrets = []plaza.Secret{{Secret: "not-stored", CreatedAt: t0 + 999}}
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateApp(ctx, changed) })
	want := changed
	want.CreatedAt, want.Secrets = a.CreatedAt, a.Secrets
	diff(t, "App after UpdateApp", want, readApp(t, s, appA))
	diff(t, "another app after UpdateApp", neighbour, readApp(t, s, appB))

	// Every field can go back to its zero value, and the switch back on.
	changed.Name = ""
	changed.CommunityEnabled = true
	changed.Spec = plaza.DefaultSpec()
	changed.Webhook = plaza.WebhookConfig{}
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateApp(ctx, changed) })
	want = changed
	want.CreatedAt, want.Secrets = a.CreatedAt, a.Secrets
	diff(t, "App after UpdateApp back to zero values", want, readApp(t, s, appA))

	err := s.Update(ctx, func(tx plaza.Tx) error {
		ghost := a
		ghost.AppID = "1000000099"
		return tx.UpdateApp(ctx, ghost)
	})
	wantErr(t, "UpdateApp of an unknown app", err, plaza.ErrNotFound)
	if n := must(s.AppCount(ctx))(t, "AppCount"); n != 2 {
		t.Errorf("AppCount after UpdateApp of an unknown app = %d, want 2", n)
	}
}

func testSetSecrets(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	a := addApp(t, s, appA)
	neighbour := addApp(t, s, appB)

	// Given out of order, one of them the app's current secret with an expiry.
	secrets := []plaza.Secret{
		{Secret: "old-" + appA, CreatedAt: t0 - 50, ExpiresAt: t0 + 500},
		{Secret: "new", CreatedAt: t0 + 100},
		{Secret: a.Secrets[0].Secret, CreatedAt: a.Secrets[0].CreatedAt, ExpiresAt: t0 + 1000},
	}
	update(t, s, func(tx plaza.Tx) error { return tx.SetSecrets(ctx, appA, secrets) })
	want := a
	want.Secrets = []plaza.Secret{secrets[1], secrets[2], secrets[0]}
	diff(t, "App after SetSecrets", want, readApp(t, s, appA))
	diff(t, "another app after SetSecrets", neighbour, readApp(t, s, appB))

	// Replacing drops the secrets that are not given again.
	update(t, s, func(tx plaza.Tx) error { return tx.SetSecrets(ctx, appA, secrets[1:2]) })
	want.Secrets = secrets[1:2]
	diff(t, "App after SetSecrets with one secret", want, readApp(t, s, appA))

	// A refused replacement leaves the secrets as they were.
	err := s.Update(ctx, func(tx plaza.Tx) error {
		return tx.SetSecrets(ctx, appA, []plaza.Secret{{Secret: "twice", CreatedAt: t0}, {Secret: "twice", CreatedAt: t0 + 1}})
	})
	wantErr(t, "SetSecrets with one secret twice", err, plaza.ErrConflict)
	diff(t, "App after a refused SetSecrets", want, readApp(t, s, appA))

	update(t, s, func(tx plaza.Tx) error { return tx.SetSecrets(ctx, appA, nil) })
	want.Secrets = []plaza.Secret{}
	diff(t, "App after SetSecrets with none", want, readApp(t, s, appA))
	diff(t, "another app after SetSecrets with none", neighbour, readApp(t, s, appB))
}

func testApps(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	diff(t, "Apps of an empty store", []plaza.App{}, must(s.Apps(ctx, "", 10))(t, "Apps"))

	// Stored out of ID order, with zero, one or two secrets, some with a
	// webhook.
	ids := []string{"1000000005", "1000000002", "1000000007", "1000000001", "1000000004", "1000000006", "1000000003"}
	var want []plaza.App
	for i, id := range ids {
		a := plaza.App{
			AppID:            id,
			Name:             "app " + id,
			CommunityEnabled: i%2 == 0,
			Spec:             plaza.DefaultSpec(),
			Secrets:          []plaza.Secret{},
			Webhook:          plaza.WebhookConfig{Events: []string{}},
			CreatedAt:        t0 + int64(i),
		}
		for j := range i % 3 {
			// Stored oldest first: read back newest first.
			a.Secrets = slices.Insert(a.Secrets, 0, plaza.Secret{Secret: fmt.Sprintf("s%d-%s", j, id), CreatedAt: t0 + int64(j)})
		}
		if i%2 == 1 {
			a.Spec = fullSpec()
			a.Webhook = fullWebhook()
		}
		stored := a
		stored.Secrets = slices.Clone(a.Secrets)
		slices.Reverse(stored.Secrets)
		update(t, s, func(tx plaza.Tx) error { return tx.InsertApp(ctx, stored) })
		want = append(want, a)
	}
	slices.SortFunc(want, func(a, b plaza.App) int { return strings.Compare(a.AppID, b.AppID) })

	all := must(s.Apps(ctx, "", len(want)+5))(t, "Apps")
	diff(t, "Apps in one page", want, all)
	for i, a := range all {
		checkAppLists(t, fmt.Sprintf("Apps[%d]", i), a)
		diff(t, "Apps against App("+a.AppID+")", must(s.App(ctx, a.AppID))(t, "App"), a)
	}

	appIDs := func(as []plaza.App) []string {
		out := []string{}
		for _, a := range as {
			out = append(out, a.AppID)
		}
		return out
	}
	for limit := 1; limit <= len(want)+1; limit++ {
		var got []plaza.App
		after := ""
		for page := 0; ; page++ {
			if page > len(want)+1 {
				t.Fatalf("Apps with limit %d did not end after %d pages", limit, page)
			}
			rows := must(s.Apps(ctx, after, limit))(t, "Apps")
			if len(rows) > limit {
				t.Fatalf("Apps(%q, %d) returned %d apps", after, limit, len(rows))
			}
			got = append(got, rows...)
			if len(rows) < limit {
				break
			}
			after = rows[len(rows)-1].AppID
		}
		diff(t, fmt.Sprintf("Apps paged by %d", limit), want, got)
	}

	tests := []struct {
		name  string
		after string
		limit int
		want  []string
	}{
		{"after an app", "1000000003", 10, appIDs(want[3:])},
		{"after an app, limited", "1000000003", 2, appIDs(want[3:5])},
		{"after an ID between apps", "10000000035", 10, appIDs(want[3:])},
		{"after an ID before every app", "0", 10, appIDs(want)},
		{"after the last app", "1000000007", 10, []string{}},
		{"after an ID past every app", "9", 10, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			diff(t, fmt.Sprintf("Apps(%q, %d)", tc.after, tc.limit), tc.want,
				appIDs(must(s.Apps(t.Context(), tc.after, tc.limit))(t, "Apps")))
		})
	}
}

func testSpecHistory(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	addApp(t, s, appA)
	addApp(t, s, appB)
	spec := func(communities int) plaza.Spec {
		sp := plaza.DefaultSpec()
		sp.CommunitiesPerUser = communities
		return sp
	}
	// App A's changes, recorded out of order, with app B's between them.
	changes := []plaza.SpecChange{
		{At: t0, Spec: spec(100)},
		{At: t0 + 100, Spec: spec(200)},
		{At: t0 + 200, Spec: fullSpec()},
		{At: t0 + 300, Spec: spec(400)},
	}
	update(t, s, func(tx plaza.Tx) error {
		for _, i := range []int{2, 0, 3, 1} {
			if err := tx.RecordSpec(ctx, appA, changes[i].At, changes[i].Spec); err != nil {
				return err
			}
		}
		for _, at := range []int64{t0 - 50, t0 + 50, t0 + 150, t0 + 250, t0 + 2000} {
			if err := tx.RecordSpec(ctx, appB, at, spec(500)); err != nil {
				return err
			}
		}
		return nil
	})

	tests := []struct {
		name     string
		from, to int64
		want     []plaza.SpecChange
	}{
		{"before the first change", t0 - 100, t0, nil},
		{"from the first change", t0, t0 + 1, changes[:1]},
		{"between two changes", t0 + 40, t0 + 60, changes[:1]},
		{"up to a change, which is not in force yet", t0 + 50, t0 + 100, changes[:1]},
		// The change at from replaces the one before it: that one is not in
		// force at any time in the range.
		{"from a change", t0 + 100, t0 + 150, changes[1:2]},
		{"from a change to another", t0 + 100, t0 + 300, changes[1:3]},
		{"across changes", t0 + 50, t0 + 250, changes[:3]},
		{"every change", t0, t0 + 301, changes},
		{"every change and more", t0 - 1000, t0 + 1000, changes},
		{"after the last change", t0 + 1000, t0 + 2000, changes[3:]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			diff(t, fmt.Sprintf("SpecHistory [%d, %d)", tc.from-t0, tc.to-t0), tc.want,
				must(s.SpecHistory(t.Context(), appA, tc.from, tc.to))(t, "SpecHistory"))
		})
	}
	diff(t, "SpecHistory of an app without changes", []plaza.SpecChange{},
		must(s.SpecHistory(ctx, "1000000099", t0-1000, t0+1000))(t, "SpecHistory"))

	// A second change at the same moment replaces the first: it is the one
	// in force from then on.
	update(t, s, func(tx plaza.Tx) error { return tx.RecordSpec(ctx, appA, t0+300, spec(300)) })
	diff(t, "SpecHistory after a second change at the same time", []plaza.SpecChange{changes[2], {At: t0 + 300, Spec: spec(300)}},
		must(s.SpecHistory(ctx, appA, t0+250, t0+1000))(t, "SpecHistory"))

	// A rolled-back change is not recorded.
	err := s.Update(ctx, func(tx plaza.Tx) error {
		if err := tx.RecordSpec(ctx, appA, t0+400, spec(500)); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, "Update that recorded a spec", err, errBoom)
	diff(t, "SpecHistory after a rolled-back change", []plaza.SpecChange{{At: t0 + 300, Spec: spec(300)}},
		must(s.SpecHistory(ctx, appA, t0+350, t0+1000))(t, "SpecHistory"))
}

func testDownstream(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	downstream := func(appID, month string) int64 {
		t.Helper()
		return must(s.Downstream(ctx, appID, month))(t, "Downstream")
	}
	add := func(appID, month string, ns ...int64) {
		t.Helper()
		update(t, s, func(tx plaza.Tx) error {
			for _, n := range ns {
				if err := tx.AddDownstream(ctx, appID, month, n); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if n := downstream(appA, "2024-01"); n != 0 {
		t.Errorf("Downstream with nothing recorded = %d, want 0", n)
	}
	add(appA, "2024-01", 5)
	add(appA, "2024-01", 7, 1)
	add(appA, "2024-02", 3)
	add(appB, "2024-01", 1<<40)
	add(appB, "2024-01", 1)

	tests := []struct {
		appID, month string
		want         int64
	}{
		{appA, "2024-01", 13},
		{appA, "2024-02", 3},
		{appA, "2023-12", 0},
		{appB, "2024-01", 1<<40 + 1},
		{appB, "2024-02", 0},
		{"1000000099", "2024-01", 0},
	}
	for _, tc := range tests {
		if got := downstream(tc.appID, tc.month); got != tc.want {
			t.Errorf("Downstream(%s, %s) = %d, want %d", tc.appID, tc.month, got, tc.want)
		}
	}

	update(t, s, func(tx plaza.Tx) error {
		if err := tx.AddDownstream(ctx, appA, "2024-01", 10); err != nil {
			return err
		}
		if n := must(tx.Downstream(ctx, appA, "2024-01"))(t, "tx.Downstream"); n != 23 {
			t.Errorf("Downstream in the transaction that added to it = %d, want 23", n)
		}
		if n := downstream(appA, "2024-01"); n != 13 {
			t.Errorf("Downstream outside a transaction before it commits = %d, want 13", n)
		}
		return nil
	})
	err := s.Update(ctx, func(tx plaza.Tx) error {
		if err := tx.AddDownstream(ctx, appA, "2024-01", 100); err != nil {
			return err
		}
		if err := tx.AddDownstream(ctx, appA, "2024-03", 100); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, "Update that added downstream", err, errBoom)
	if n := downstream(appA, "2024-01"); n != 23 {
		t.Errorf("Downstream after a rolled-back addition = %d, want 23", n)
	}
	if n := downstream(appA, "2024-03"); n != 0 {
		t.Errorf("Downstream of a month only a rolled-back transaction added to = %d, want 0", n)
	}
}

// testConcurrentAddDownstream checks that concurrent additions to one month
// are all counted.
func testConcurrentAddDownstream(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	concurrently(t, s, func(tx plaza.Tx) error { return tx.AddDownstream(ctx, appA, "2024-01", 3) })
	if n := must(s.Downstream(ctx, appA, "2024-01"))(t, "Downstream"); n != 3*concurrency {
		t.Errorf("Downstream after %d concurrent additions of 3 = %d, want %d", concurrency, n, 3*concurrency)
	}
}

func testUseNonce(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	use := func(appID, nonce string, now, expiresAt int64) error {
		return s.Update(ctx, func(tx plaza.Tx) error { return tx.UseNonce(ctx, appID, nonce, now, expiresAt) })
	}
	steps := []struct {
		name         string
		appID, nonce string
		now, expires int64
		want         error // nil or plaza.ErrConflict
	}{
		{"first use", appA, "n1", t0, t0 + 1000, nil},
		{"another nonce", appA, "n2", t0, t0 + 1000, nil},
		{"reuse", appA, "n1", t0 + 1, t0 + 1001, plaza.ErrConflict},
		{"reuse just before expiry", appA, "n1", t0 + 999, t0 + 1999, plaza.ErrConflict},
		{"the same nonce in another app", appB, "n1", t0 + 999, t0 + 1999, nil},
		{"reuse at expiry", appA, "n1", t0 + 1000, t0 + 3000, nil},
		{"reuse before the new expiry", appA, "n1", t0 + 2999, t0 + 4000, plaza.ErrConflict},
		{"the other app's reuse", appB, "n1", t0 + 1998, t0 + 4000, plaza.ErrConflict},
		{"the other nonce's reuse long after", appA, "n2", t0 + 100_000, t0 + 101_000, nil},
	}
	for _, st := range steps {
		err := use(st.appID, st.nonce, st.now, st.expires)
		if st.want == nil && err != nil {
			t.Errorf("%s: UseNonce(%s, %s, %d): %v", st.name, st.appID, st.nonce, st.now-t0, err)
		}
		if st.want != nil {
			wantErr(t, st.name, err, st.want)
		}
	}

	// A rolled-back use leaves no nonce.
	err := s.Update(ctx, func(tx plaza.Tx) error {
		if err := tx.UseNonce(ctx, appA, "rolled-back", t0, t0+1000); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, "Update that used a nonce", err, errBoom)
	if err := use(appA, "rolled-back", t0+1, t0+1001); err != nil {
		t.Errorf("UseNonce of a nonce whose use was rolled back: %v", err)
	}

	// Many nonces, reused the moment they expire in an order that does not
	// follow their use: each is forgotten or taken over, never refused.
	const many = 40
	update(t, s, func(tx plaza.Tx) error {
		for i := range many {
			if err := tx.UseNonce(ctx, appB, fmt.Sprintf("m%02d", i), t0, t0+10); err != nil {
				return err
			}
		}
		return nil
	})
	for i := many - 1; i >= 0; i-- {
		if err := use(appB, fmt.Sprintf("m%02d", i), t0+10, t0+1000); err != nil {
			t.Errorf("UseNonce of expired nonce m%02d: %v", i, err)
		}
	}
	for i := range many {
		wantErr(t, fmt.Sprintf("reuse of nonce m%02d in force again", i), use(appB, fmt.Sprintf("m%02d", i), t0+30, t0+1000), plaza.ErrConflict)
	}
}

// testConcurrentUseNonce checks that of concurrent uses of one nonce exactly
// one succeeds.
func testConcurrentUseNonce(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	start := make(chan struct{})
	errs := make(chan error, concurrency)
	for range concurrency {
		go func() {
			<-start
			errs <- s.Update(ctx, func(tx plaza.Tx) error {
				time.Sleep(time.Millisecond) // widen the window a missing lock would leave
				return tx.UseNonce(ctx, appA, "once", t0, t0+1000)
			})
		}()
	}
	close(start)
	ok := 0
	for range concurrency {
		err := <-errs
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, plaza.ErrConflict):
			t.Errorf("concurrent UseNonce: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d concurrent uses of one nonce succeeded, want 1", ok, concurrency)
	}
}

// testConcurrentAppForUpdate checks that AppForUpdate locks the app: each
// transaction appends to the app's name, and no append is lost.
func testConcurrentAppForUpdate(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	a := addApp(t, s, appA)
	concurrently(t, s, func(tx plaza.Tx) error {
		a, err := tx.AppForUpdate(ctx, appA)
		if err != nil {
			return err
		}
		time.Sleep(time.Millisecond) // widen the window a missing lock would leave
		a.Name += "x"
		return tx.UpdateApp(ctx, a)
	})
	if got := must(s.App(ctx, appA))(t, "App").Name; got != a.Name+strings.Repeat("x", concurrency) {
		t.Errorf("Name after %d concurrent appends = %q", concurrency, got)
	}
}

func testAppCommunities(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	// The apps' communities interleaved, one of A's changed after creation
	// (as stored it must be read back), one deleted.
	var wantA, wantB []plaza.CommunityInfo
	for i := range 9 {
		if i%3 == 1 {
			wantB = append(wantB, addCommunity(t, s, appB, fmt.Sprintf("b%d", i)))
			continue
		}
		wantA = append(wantA, addCommunity(t, s, appA, fmt.Sprintf("a%d", i)))
	}
	wantA[1].CommunityName = "Renamed"
	wantA[1].CurrentMemberCount = 3
	wantA[1].MuteInfo = plaza.MuteInfo{Mode: plaza.MuteCustom, ExpiredTime: plaza.PermanentMute, Roles: []plaza.Role{plaza.RoleMember}}
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateCommunity(ctx, wantA[1]) })
	update(t, s, func(tx plaza.Tx) error { return tx.DismissCommunity(ctx, wantA[3], t0) })
	wantA = slices.Delete(wantA, 3, 4)
	// A community created after the deletion goes last.
	wantA = append(wantA, addCommunity(t, s, appA, "a-last"))
	for i := range wantA {
		diff(t, "Community("+wantA[i].CommunityID+")", must(s.Community(ctx, appA, wantA[i].CommunityID))(t, "Community"), wantA[i])
	}

	all := must(s.AppCommunities(ctx, appA, plaza.Cursor{}, len(wantA)+5))(t, "AppCommunities")
	diff(t, "AppCommunities in one page", wantA, all)
	for _, c := range all {
		checkNonNilAttributes(t, c)
		checkMuteRoles(t, "AppCommunities", c.MuteInfo)
	}
	for _, tc := range []struct {
		appID string
		want  []plaza.CommunityInfo
	}{{appA, wantA}, {appB, wantB}} {
		for limit := 1; limit <= len(tc.want)+1; limit++ {
			got := pageAll(t, "AppCommunities", limit, len(tc.want),
				func(after plaza.Cursor, limit int) ([]plaza.CommunityInfo, error) {
					return s.AppCommunities(ctx, tc.appID, after, limit)
				},
				func(c plaza.CommunityInfo) plaza.Cursor { return plaza.Cursor{K1: c.PK} })
			diff(t, fmt.Sprintf("AppCommunities of app %s paged by %d", tc.appID, limit), tc.want, got)
		}
	}
	last := plaza.Cursor{Valid: true, K1: wantA[len(wantA)-1].PK}
	diff(t, "AppCommunities after the last", []plaza.CommunityInfo{}, must(s.AppCommunities(ctx, appA, last, 10))(t, "AppCommunities"))
	diff(t, "AppCommunities of an app without communities", []plaza.CommunityInfo{},
		must(s.AppCommunities(ctx, "1000000099", plaza.Cursor{}, 10))(t, "AppCommunities"))
}

// testAppTxSeesOwnWrites checks that a transaction reads the app, usage and
// queue writes it made, and that others do not before it commits.
func testAppTxSeesOwnWrites(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	a := plaza.App{AppID: appA, Name: "A", CommunityEnabled: true, Spec: plaza.DefaultSpec(),
		Secrets: []plaza.Secret{{Secret: "first", CreatedAt: t0}}, Webhook: plaza.WebhookConfig{Events: []string{}}, CreatedAt: t0}
	var d plaza.WebhookDelivery
	update(t, s, func(tx plaza.Tx) error {
		if err := tx.InsertApp(ctx, a); err != nil {
			return err
		}
		diff(t, "App in its transaction", a, must(tx.App(ctx, appA))(t, "tx.App"))
		diff(t, "Apps in their transaction", []plaza.App{a}, must(tx.Apps(ctx, "", 10))(t, "tx.Apps"))
		_, err := s.App(ctx, appA)
		wantErr(t, "App outside a transaction before it commits", err, plaza.ErrNotFound)

		a.Name, a.Spec, a.Webhook = "Renamed", fullSpec(), fullWebhook()
		if err := tx.UpdateApp(ctx, a); err != nil {
			return err
		}
		diff(t, "AppForUpdate after UpdateApp in one transaction", a, must(tx.AppForUpdate(ctx, appA))(t, "tx.AppForUpdate"))
		a.Secrets = []plaza.Secret{{Secret: "second", CreatedAt: t0 + 1}, {Secret: "first", CreatedAt: t0, ExpiresAt: t0 + 100}}
		if err := tx.SetSecrets(ctx, appA, a.Secrets); err != nil {
			return err
		}
		diff(t, "App after SetSecrets in one transaction", a, must(tx.App(ctx, appA))(t, "tx.App"))

		if err := tx.RecordSpec(ctx, appA, t0, a.Spec); err != nil {
			return err
		}
		diff(t, "SpecHistory in the transaction that recorded it", []plaza.SpecChange{{At: t0, Spec: a.Spec}},
			must(tx.SpecHistory(ctx, appA, t0, t0+1))(t, "tx.SpecHistory"))

		if err := tx.AddDownstream(ctx, appA, "2024-01", 42); err != nil {
			return err
		}
		if n := must(tx.Downstream(ctx, appA, "2024-01"))(t, "tx.Downstream"); n != 42 {
			t.Errorf("Downstream in the transaction that added it = %d, want 42", n)
		}

		if err := tx.UseNonce(ctx, appA, "n", t0, t0+1000); err != nil {
			return err
		}
		wantErr(t, "UseNonce again in the transaction that used it", tx.UseNonce(ctx, appA, "n", t0, t0+1000), plaza.ErrConflict)

		c := plaza.CommunityInfo{AppID: appA, CommunityID: "c", CommunityAttributes: map[string]string{}, CreateTime: t0}
		if err := tx.InsertCommunity(ctx, &c); err != nil {
			return err
		}
		diff(t, "AppCommunities in their transaction", []plaza.CommunityInfo{c},
			must(tx.AppCommunities(ctx, appA, plaza.Cursor{}, 10))(t, "tx.AppCommunities"))

		d = plaza.WebhookDelivery{AppID: appA, Event: plaza.WebhookCommunityCreated, Body: []byte(`{}`), NextAt: t0, CreatedAt: t0}
		if err := tx.EnqueueWebhook(ctx, &d); err != nil {
			return err
		}
		if n := must(tx.PendingWebhooks(ctx, appA))(t, "tx.PendingWebhooks"); n != 1 {
			t.Errorf("PendingWebhooks in the transaction that queued one = %d, want 1", n)
		}
		if n := must(s.PendingWebhooks(ctx, appA))(t, "PendingWebhooks"); n != 0 {
			t.Errorf("PendingWebhooks outside a transaction before it commits = %d, want 0", n)
		}
		claimed := d
		claimed.NextAt = t0 + 100
		diff(t, "ClaimWebhooks in the transaction that queued it", []plaza.WebhookDelivery{claimed},
			must(tx.ClaimWebhooks(ctx, t0, t0+100, 10))(t, "tx.ClaimWebhooks"))
		diff(t, "ClaimWebhooks again in the transaction that claimed it", []plaza.WebhookDelivery{},
			must(tx.ClaimWebhooks(ctx, t0+99, t0+200, 10))(t, "tx.ClaimWebhooks"))
		if err := tx.RetryWebhook(ctx, d.ID, 1, t0+50, "timeout"); err != nil {
			return err
		}
		retried := d
		retried.Attempts, retried.NextAt, retried.LastError = 1, t0+150, "timeout"
		diff(t, "ClaimWebhooks after RetryWebhook in one transaction", []plaza.WebhookDelivery{retried},
			must(tx.ClaimWebhooks(ctx, t0+50, t0+150, 10))(t, "tx.ClaimWebhooks"))
		if err := tx.DeleteWebhook(ctx, d.ID); err != nil {
			return err
		}
		if n := must(tx.PendingWebhooks(ctx, appA))(t, "tx.PendingWebhooks"); n != 0 {
			t.Errorf("PendingWebhooks after DeleteWebhook in one transaction = %d, want 0", n)
		}
		return nil
	})

	// Committed: visible outside.
	diff(t, "App after commit", a, readApp(t, s, appA))
	if n := must(s.Downstream(ctx, appA, "2024-01"))(t, "Downstream"); n != 42 {
		t.Errorf("Downstream after commit = %d, want 42", n)
	}
	wantErr(t, "UseNonce after the commit of its first use",
		s.Update(ctx, func(tx plaza.Tx) error { return tx.UseNonce(ctx, appA, "n", t0+1, t0+1000) }), plaza.ErrConflict)
}

// testRollbackAppWrites checks that a rolled-back transaction leaves the
// app, its usage, its nonces and its queue as they were.
func testRollbackAppWrites(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	a := addApp(t, s, appA)
	update(t, s, func(tx plaza.Tx) error { return tx.RecordSpec(ctx, appA, t0, a.Spec) })
	queued := enqueue(t, s, delivery(appA, "due", t0), delivery(appA, "later", t0+500))
	due := queued[0]
	due.NextAt = t0 + 100

	err := s.Update(ctx, func(tx plaza.Tx) error {
		changed := a
		changed.Name, changed.Spec, changed.Webhook = "changed", fullSpec(), fullWebhook()
		if err := tx.UpdateApp(ctx, changed); err != nil {
			return err
		}
		if err := tx.SetSecrets(ctx, appA, []plaza.Secret{{Secret: "other", CreatedAt: t0}}); err != nil {
			return err
		}
		if err := tx.RecordSpec(ctx, appA, t0+10, fullSpec()); err != nil {
			return err
		}
		if err := tx.AddDownstream(ctx, appA, "2024-01", 5); err != nil {
			return err
		}
		if err := tx.UseNonce(ctx, appA, "n", t0, t0+1000); err != nil {
			return err
		}
		if err := tx.EnqueueWebhook(ctx, &plaza.WebhookDelivery{AppID: appA, Event: "new", Body: []byte(`{}`), NextAt: t0}); err != nil {
			return err
		}
		if _, err := tx.ClaimWebhooks(ctx, t0, t0+100, 10); err != nil {
			return err
		}
		if err := tx.RetryWebhook(ctx, queued[1].ID, 3, t0, "failed"); err != nil {
			return err
		}
		if err := tx.DeleteWebhook(ctx, queued[0].ID); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, "Update that changed the app", err, errBoom)

	diff(t, "App after a rollback", a, readApp(t, s, appA))
	diff(t, "SpecHistory after a rollback", []plaza.SpecChange{{At: t0, Spec: a.Spec}},
		must(s.SpecHistory(ctx, appA, t0, t0+1000))(t, "SpecHistory"))
	if n := must(s.Downstream(ctx, appA, "2024-01"))(t, "Downstream"); n != 0 {
		t.Errorf("Downstream after a rollback = %d, want 0", n)
	}
	if err := s.Update(ctx, func(tx plaza.Tx) error { return tx.UseNonce(ctx, appA, "n", t0, t0+1000) }); err != nil {
		t.Errorf("UseNonce of a nonce whose use was rolled back: %v", err)
	}
	if n := must(s.PendingWebhooks(ctx, appA))(t, "PendingWebhooks"); n != 2 {
		t.Errorf("PendingWebhooks after a rollback = %d, want 2", n)
	}
	// Neither claimed, retried nor deleted: the queue is as it was.
	diff(t, "ClaimWebhooks after a rollback", []plaza.WebhookDelivery{due}, claim(t, s, t0, t0+100, 10))
}
