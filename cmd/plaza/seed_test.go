package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/plazahq/plaza"
)

// TestAdminSeed fills a community through plaza admin seed beside a
// running server, which then serves it as any other: its member count, its
// members in pages, its muted ones, a seeded member's communities with
// nothing unread. Running it again tops the community up, once.
func TestAdminSeed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	srv := startServer(t, dir)
	seed := func(extra ...string) (seedResult, error) {
		args := []string{"admin", "seed", "--app", srv.App.AppID, "--community", "big", "--batch", "300"}
		if pg := storeFlag(t, dir); pg != nil {
			args = append(args, pg...)
		} else {
			args = append(args, "--data", dir)
		}
		var stdout, stderr strings.Builder
		err := run(ctx, append(args, extra...), func(string) string { return "" }, nil, &stdout, &stderr)
		var res seedResult
		if err == nil {
			err = json.Unmarshal([]byte(stdout.String()), &res)
		}
		return res, err
	}
	if _, err := seed("--members", "100001"); err == nil || !strings.Contains(err.Error(), "--unlimited") {
		t.Errorf("seeding past the app's member limit: %v, want a refusal naming --unlimited", err)
	}
	res, err := seed("--members", "1000", "--muted", "10", "--channels", "2")
	if err != nil {
		t.Fatal(err)
	}
	if res.Members != 1000 || res.Added != 999 || res.Muted != 10 {
		t.Errorf("seed result %+v, want 1,000 members, 999 added, 10 muted", res)
	}

	owner := srv.client(t, "seed-owner")
	info, err := owner.QueryCommunityInfo(ctx, plaza.CommunityRequest{CommunityID: "big"})
	if err != nil {
		t.Fatal(err)
	}
	if info.CommunityInfo.CurrentMemberCount != 1000 {
		t.Errorf("member count %d, want 1,000", info.CommunityInfo.CurrentMemberCount)
	}
	var all []plaza.Member
	req := plaza.QueryCommunityMemberListRequest{CommunityID: "big", PageRequest: plaza.PageRequest{Count: 100}}
	for {
		page, err := owner.QueryCommunityMemberList(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.MemberList...)
		if page.NextFlag == "" {
			break
		}
		req.NextFlag = page.NextFlag
	}
	if len(all) != 1000 || all[0].UserID != "seed-owner" || all[1].UserID != "big-0000000" || all[999].UserID != "big-0000998" {
		t.Errorf("member list: %d members, first %s, %s, last %s", len(all), all[0].UserID, all[1].UserID, all[len(all)-1].UserID)
	}
	muted, err := owner.QueryCommunityMemberList(ctx, plaza.QueryCommunityMemberListRequest{CommunityID: "big", IsMutedMember: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(muted.MemberList) != 10 {
		t.Errorf("muted members: %d, want 10", len(muted.MemberList))
	}
	member := srv.client(t, "big-0000500")
	list, err := member.QueryCommunityList(ctx, plaza.QueryCommunityListRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.CommunityList) != 1 || list.CommunityList[0].CommunityID != "big" || list.CommunityList[0].TotalUnreadMessageCount != 0 {
		t.Errorf("a seeded member's communities: %+v, want big with nothing unread", list.CommunityList)
	}
	channels, err := member.QueryCommunityChannelList(ctx, plaza.QueryCommunityChannelListRequest{CommunityID: "big"})
	if err != nil {
		t.Fatal(err)
	}
	if len(channels.ChannelList) != 3 {
		t.Errorf("a seeded member's channels: %d, want GENERAL, seed-1 and seed-2", len(channels.ChannelList))
	}

	// Again: topped up to the new count, then nothing to do.
	for _, want := range []int{200, 0} {
		res, err := seed("--members", "1200")
		if err != nil {
			t.Fatal(err)
		}
		if res.Members != 1200 || res.Added != want {
			t.Errorf("seeding up to 1,200: %d members, %d added; want 1,200, %d", res.Members, res.Added, want)
		}
	}
}
