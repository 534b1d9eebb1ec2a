package plaza_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/plazatest"
)

// wantCode fails the test unless err is a *plaza.Error with code.
func wantCode(tb testing.TB, err error, code plaza.Code) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("got no error, want %s", code)
	}
	var pe *plaza.Error
	if !errors.As(err, &pe) {
		tb.Fatalf("got error %v, want a *plaza.Error with code %s", err, code)
	}
	if pe.Code != code {
		tb.Fatalf("got code %s (%v), want %s", pe.Code, err, code)
	}
}

func must[T any](tb testing.TB) func(T, error) T {
	return func(v T, err error) T {
		tb.Helper()
		if err != nil {
			tb.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

func createCommunity(tb testing.TB, env *plazatest.Env, owner plaza.Actor, id string) plaza.CommunityInfo {
	tb.Helper()
	res, err := env.Service.CreateCommunity(context.Background(), owner, plaza.CreateCommunityRequest{CommunityID: id, CommunityName: "c " + id})
	if err != nil {
		tb.Fatalf("create community %s: %v", id, err)
	}
	return res.CommunityInfo
}

func TestCreateCommunity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{})
	a := env.Users(t, "alice")[0]
	svc := env.Service

	res, err := svc.CreateCommunity(ctx, a, plaza.CreateCommunityRequest{
		CommunityID:         "guild-1",
		CommunityName:       "Guild",
		CommunityNotice:     "be nice",
		CommunityAttributes: map[string]string{"lang": "en"},
	})
	if err != nil {
		t.Fatal(err)
	}
	info := res.CommunityInfo
	if info.CommunityID != "guild-1" || info.CreatorUserID != "alice" || info.CurrentMemberCount != 1 ||
		info.CommunityAttributes["lang"] != "en" || info.NotificationStatus != plaza.Notify {
		t.Fatalf("unexpected info %+v", info)
	}
	ch, err := env.Store.Channel(ctx, info.PK, plaza.GeneralChannelID)
	if err != nil {
		t.Fatalf("GENERAL channel: %v", err)
	}
	if ch.ChannelType != plaza.ChannelGeneral {
		t.Fatalf("GENERAL channel has type %d", ch.ChannelType)
	}
	m := must[plaza.QueryCommunityMembersResult](t)(svc.QueryCommunityMembers(ctx, a, plaza.UserIDsRequest{CommunityID: "guild-1", UserIDs: []string{"alice"}}))
	if len(m.MemberList) != 1 || m.MemberList[0].MemberRole != plaza.RoleOwner || m.MemberList[0].EnterType != plaza.EnterCreated {
		t.Fatalf("owner membership %+v", m)
	}

	// Generated IDs start with '#' and never collide with caller IDs.
	gen := must[plaza.CommunityInfoResult](t)(svc.CreateCommunity(ctx, a, plaza.CreateCommunityRequest{CommunityName: "gen"}))
	if !strings.HasPrefix(gen.CommunityInfo.CommunityID, "#B") {
		t.Fatalf("generated ID %q", gen.CommunityInfo.CommunityID)
	}

	_, err = svc.CreateCommunity(ctx, a, plaza.CreateCommunityRequest{CommunityID: "guild-1"})
	wantCode(t, err, plaza.ECommunityExists)

	// A dismissed ID is never reused.
	must[plaza.CommunityIDResult](t)(svc.DismissCommunity(ctx, a, plaza.CommunityRequest{CommunityID: "guild-1"}))
	_, err = svc.CreateCommunity(ctx, a, plaza.CreateCommunityRequest{CommunityID: "guild-1"})
	wantCode(t, err, plaza.ECommunityDismissed)
	_, err = svc.QueryCommunityInfo(ctx, a, plaza.CommunityRequest{CommunityID: "guild-1"})
	wantCode(t, err, plaza.ECommunityNotFound)
}

func TestCreateCommunityValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{})
	a := env.Users(t, "alice")[0]
	attrs := func(n int) map[string]string {
		m := map[string]string{}
		for i := range n {
			m[fmt.Sprintf("k%d", i)] = "v"
		}
		return m
	}
	tests := []struct {
		name string
		req  plaza.CreateCommunityRequest
		code plaza.Code
	}{
		{"id starts with #", plaza.CreateCommunityRequest{CommunityID: "#x"}, plaza.EInvalidArgument},
		{"id too long", plaza.CreateCommunityRequest{CommunityID: strings.Repeat("a", 33)}, plaza.EInvalidArgument},
		{"id bad char", plaza.CreateCommunityRequest{CommunityID: "a/b"}, plaza.EInvalidArgument},
		{"id space", plaza.CreateCommunityRequest{CommunityID: "a b"}, plaza.EInvalidArgument},
		{"name 301 chars", plaza.CreateCommunityRequest{CommunityName: strings.Repeat("é", 301)}, plaza.EInvalidArgument},
		{"avatar 101 chars", plaza.CreateCommunityRequest{CommunityAvatarURL: strings.Repeat("a", 101)}, plaza.EInvalidArgument},
		{"notice 501 chars", plaza.CreateCommunityRequest{CommunityNotice: strings.Repeat("a", 501)}, plaza.EInvalidArgument},
		{"11 attributes", plaza.CreateCommunityRequest{CommunityAttributes: attrs(11)}, plaza.EAttributeCount},
		{"17-char key", plaza.CreateCommunityRequest{CommunityAttributes: map[string]string{strings.Repeat("k", 17): "v"}}, plaza.EAttributeKey},
		{"1025-char value", plaza.CreateCommunityRequest{CommunityAttributes: map[string]string{"k": strings.Repeat("v", 1025)}}, plaza.EAttributeValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.Service.CreateCommunity(ctx, a, tt.req)
			wantCode(t, err, tt.code)
		})
	}
	// Exactly at the limits passes.
	must[plaza.CommunityInfoResult](t)(env.Service.CreateCommunity(ctx, a, plaza.CreateCommunityRequest{
		CommunityID:         strings.Repeat("a", 32),
		CommunityName:       strings.Repeat("é", 300),
		CommunityAttributes: map[string]string{strings.Repeat("k", 16): strings.Repeat("v", 1024)},
	}))
	list := must[plaza.QueryCommunityListResult](t)(env.Service.QueryCommunityList(ctx, a, plaza.QueryCommunityListRequest{}))
	if len(list.CommunityList) != 1 {
		t.Fatalf("refused creations left %d communities, want 1", len(list.CommunityList))
	}
}

func TestUserCommunityLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{})
	a := env.Users(t, "alice")[0]
	for i := range 100 {
		createCommunity(t, env, a, fmt.Sprintf("c%d", i))
	}
	_, err := env.Service.CreateCommunity(ctx, a, plaza.CreateCommunityRequest{CommunityID: "c100"})
	wantCode(t, err, plaza.ECommunityLimit)

	// Joining counts against the same limit.
	b := env.Users(t, "bob")[0]
	createCommunity(t, env, b, "bobs")
	_, err = env.Service.JoinCommunity(ctx, a, plaza.CommunityRequest{CommunityID: "bobs"})
	wantCode(t, err, plaza.ECommunityLimit)

	// Paging through 100 communities, 30 at a time, sees each once.
	seen := map[string]bool{}
	flag := ""
	for pages := 0; ; pages++ {
		if pages > 4 {
			t.Fatal("paging does not end")
		}
		res := must[plaza.QueryCommunityListResult](t)(env.Service.QueryCommunityList(ctx, a,
			plaza.QueryCommunityListRequest{PageRequest: plaza.PageRequest{Count: 30, NextFlag: flag}}))
		for _, c := range res.CommunityList {
			if seen[c.CommunityID] {
				t.Fatalf("community %s seen twice", c.CommunityID)
			}
			seen[c.CommunityID] = true
		}
		if flag = res.NextFlag; flag == "" {
			break
		}
	}
	if len(seen) != 100 {
		t.Fatalf("paged through %d communities, want 100", len(seen))
	}
	_, err = env.Service.QueryCommunityList(ctx, a, plaza.QueryCommunityListRequest{PageRequest: plaza.PageRequest{Count: 101}})
	wantCode(t, err, plaza.EInvalidArgument)
	_, err = env.Service.QueryCommunityList(ctx, a, plaza.QueryCommunityListRequest{PageRequest: plaza.PageRequest{NextFlag: "garbage"}})
	wantCode(t, err, plaza.EInvalidArgument)
}

func TestConcurrentJoinsRespectMemberLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	spec := plaza.DefaultSpec()
	spec.MembersPerCommunity = 10
	env := plazatest.New(t, plazatest.Options{Spec: &spec})
	owner := env.Users(t, "owner")[0]
	createCommunity(t, env, owner, "small")

	const joiners = 50
	ids := make([]string, joiners)
	for i := range ids {
		ids[i] = fmt.Sprintf("u%02d", i)
	}
	actors := env.Users(t, ids...)
	var wg sync.WaitGroup
	errs := make([]error, joiners)
	for i, a := range actors {
		wg.Go(func() {
			_, errs[i] = env.Service.JoinCommunity(ctx, a, plaza.CommunityRequest{CommunityID: "small"})
		})
	}
	wg.Wait()
	joined := 0
	for _, err := range errs {
		if err == nil {
			joined++
			continue
		}
		wantCode(t, err, plaza.EMemberLimit)
	}
	if joined != 9 { // the owner is the 10th member
		t.Fatalf("%d joins succeeded, want 9", joined)
	}
	info := must[plaza.CommunityInfoResult](t)(env.Service.QueryCommunityInfo(ctx, owner, plaza.CommunityRequest{CommunityID: "small"}))
	list := must[plaza.QueryCommunityMemberListResult](t)(env.Service.QueryCommunityMemberList(ctx, owner, plaza.QueryCommunityMemberListRequest{CommunityID: "small"}))
	if info.CommunityInfo.CurrentMemberCount != 10 || len(list.MemberList) != 10 {
		t.Fatalf("member count %d, list %d; want 10 and 10", info.CommunityInfo.CurrentMemberCount, len(list.MemberList))
	}
}
