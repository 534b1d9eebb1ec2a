package plaza_test

import (
	"context"
	"strings"
	"testing"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/plazatest"
)

// channelMutesOf returns the channels of a member's channelMutes, as
// "a,b"; "null" when the list is missing.
func channelMutesOf(m plaza.Member) string {
	if m.ChannelMutes == nil {
		return "null"
	}
	var ids []string
	for _, mu := range m.ChannelMutes {
		ids = append(ids, mu.ChannelID)
	}
	return strings.Join(ids, ",")
}

// TestPrivateChannelMutesStayPrivate: a member's mute in a private channel
// names the channel, so that only those who see it (its listed members, the
// owner and admins) may learn of it, in lists and in events alike.
func TestPrivateChannelMutesStayPrivate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{Spec: relaxed()})
	svc := env.Service
	owner := club(t, env, "admin", "m", "n")
	admin, m, n := env.Actor("admin"), env.Actor("m"), env.Actor("n")
	must[plaza.UpdateCommunityMemberRoleResult](t)(svc.UpdateCommunityMemberRole(ctx, owner, plaza.UpdateCommunityMemberRoleRequest{CommunityID: "club", ForUserID: "admin", MemberRole: plaza.RoleAdmin}))
	must[plaza.ChannelInfoResult](t)(svc.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "open"}))
	must[plaza.ChannelInfoResult](t)(svc.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "secret", ChannelType: new(plaza.ChannelPrivate)}))
	must[plaza.ChannelMembersResult](t)(svc.AddCommunityChannelMembers(ctx, owner, plaza.ChannelMembersRequest{CommunityID: "club", ChannelID: "secret", UserIDs: []string{"m"}}))

	rec := record(t, env, plaza.CommunityTopic(env.App.AppID, "club"))
	// Every member event from here on must keep "secret" to those who see
	// it: an event that names it must be addressed to the channel's
	// audience.
	var seen []*plaza.Event
	next := func(name string) *plaza.Event {
		t.Helper()
		e := rec.next(t, name)
		seen = append(seen, e)
		if strings.Contains(string(e.Data), `"secret"`) && (e.ChannelID != "secret" || !e.Private) {
			t.Fatalf("%s to everyone names the private channel: %s", e.Name, e.Data)
		}
		return e
	}
	mute := func(channel string) {
		t.Helper()
		must[plaza.MuteCommunityMembersResult](t)(svc.MuteCommunityMembers(ctx, owner, plaza.MuteCommunityMembersRequest{
			CommunityID: "club", UserIDs: []string{"m"}, ChannelID: channel, IsMute: true, Duration: 3600}))
	}

	mute("secret")
	e := next(plaza.EventCommunityMemberInfoUpdated)
	if e.ChannelID != "secret" || !e.Private {
		t.Fatalf("the mute in the private channel went to %q (private %v), want those who see it", e.ChannelID, e.Private)
	}
	if got := channelMutesOf(decode[plaza.CommunityMemberInfoUpdatedEvent](t, e).UpdateInfoList[0].MemberInfo); got != "secret" {
		t.Fatalf("those who see the channel are told of mutes in %q, want secret", got)
	}
	mute("open")
	e = next(plaza.EventCommunityMemberInfoUpdated)
	if got := channelMutesOf(decode[plaza.CommunityMemberInfoUpdatedEvent](t, e).UpdateInfoList[0].MemberInfo); got != "open" {
		t.Fatalf("everyone is told of mutes in %q, want open", got)
	}

	// Lists: each viewer sees the mutes of the channels it sees.
	for _, tt := range []struct {
		viewer plaza.Actor
		want   string
	}{
		{owner, "open,secret"}, {admin, "open,secret"}, {m, "open,secret"}, {n, "open"},
	} {
		list := must[plaza.QueryCommunityMemberListResult](t)(svc.QueryCommunityMemberList(ctx, tt.viewer, plaza.QueryCommunityMemberListRequest{CommunityID: "club"}))
		muted := must[plaza.QueryCommunityMemberListResult](t)(svc.QueryCommunityMemberList(ctx, tt.viewer, plaza.QueryCommunityMemberListRequest{CommunityID: "club", IsMutedMember: true, ChannelID: "open"}))
		byID := must[plaza.QueryCommunityMembersResult](t)(svc.QueryCommunityMembers(ctx, tt.viewer, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"m"}}))
		for name, members := range map[string][]plaza.Member{"queryCommunityMemberList": list.MemberList,
			"queryCommunityMemberList of the muted": muted.MemberList, "queryCommunityMembers": byID.MemberList} {
			for _, mb := range members {
				if mb.UserID == "m" {
					if got := channelMutesOf(mb); got != tt.want {
						t.Errorf("%s of %s shows m muted in %q, want %q", name, tt.viewer.UserID, got, tt.want)
					}
				}
			}
		}
	}

	// Events about m for another reason carry what everyone sees.
	must[plaza.UpdateUserNameResult](t)(svc.UpdateUserName(ctx, m, plaza.UpdateUserNameRequest{UserName: "Em"}))
	e = next(plaza.EventCommunityMemberInfoUpdated)
	if got := channelMutesOf(decode[plaza.CommunityMemberInfoUpdatedEvent](t, e).UpdateInfoList[0].MemberInfo); got != "open" {
		t.Fatalf("a rename tells everyone of mutes in %q, want open", got)
	}
	must[plaza.UpdateCommunityMemberRoleResult](t)(svc.UpdateCommunityMemberRole(ctx, owner, plaza.UpdateCommunityMemberRoleRequest{CommunityID: "club", ForUserID: "m", MemberRole: plaza.RoleAdmin}))
	e = next(plaza.EventCommunityMemberInfoUpdated)
	if got := channelMutesOf(decode[plaza.CommunityMemberInfoUpdatedEvent](t, e).UpdateInfoList[0].MemberInfo); got != "open" {
		t.Fatalf("a role change tells everyone of mutes in %q, want open", got)
	}
	must[plaza.ErrorUserListResult](t)(svc.KickCommunityMembers(ctx, owner, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"m"}}))
	e = next(plaza.EventCommunityMemberStateChanged)
	if got := channelMutesOf(decode[plaza.CommunityMemberStateChangedEvent](t, e).ChangeInfoList[0].MemberInfo); got != "open" {
		t.Fatalf("a kick tells everyone of mutes in %q, want open", got)
	}
}
