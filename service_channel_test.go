package plaza_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/plazatest"
)

// relaxed is the default spec without send rate limits, for tests that send
// faster than a person would.
func relaxed() *plaza.Spec {
	spec := plaza.DefaultSpec()
	spec.SendIntervalMillis = 0
	spec.SendsPerSecond = 10_000
	return &spec
}

// club makes a community "club" owned by "owner" with the given members.
func club(tb testing.TB, env *plazatest.Env, members ...string) plaza.Actor {
	tb.Helper()
	owner := env.Users(tb, append([]string{"owner"}, members...)...)[0]
	createCommunity(tb, env, owner, "club")
	if len(members) > 0 {
		if _, err := env.Service.InviteUsersIntoCommunity(context.Background(), owner, plaza.UserIDsRequest{CommunityID: "club", UserIDs: members}); err != nil {
			tb.Fatal(err)
		}
	}
	return owner
}

func TestChannelLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{})
	svc := env.Service
	owner := club(t, env, "m")
	m := env.Actor("m")

	ch := must[plaza.ChannelInfoResult](t)(svc.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{
		CommunityID: "club", ChannelID: "talk", ChannelName: "Talk", ChannelNotice: "n", ChannelAttributes: map[string]string{"k": "v"},
	})).ChannelInfo
	if ch.ChannelType != plaza.ChannelPublic || ch.CurrentMemberCount != 2 || ch.CreatorUserID != "owner" || ch.ChannelAttributes["k"] != "v" {
		t.Fatalf("created %+v", ch)
	}
	gen := must[plaza.ChannelInfoResult](t)(svc.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club"})).ChannelInfo
	if !strings.HasPrefix(gen.ChannelID, "#C") {
		t.Fatalf("generated channel ID %q", gen.ChannelID)
	}

	_, err := svc.CreateCommunityChannel(ctx, m, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "x"})
	wantCode(t, err, plaza.EPermissionDenied)
	_, err = svc.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "talk"})
	wantCode(t, err, plaza.EChannelExists)
	_, err = svc.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "#x"})
	wantCode(t, err, plaza.EInvalidArgument)
	_, err = svc.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelType: new(plaza.ChannelType(7))})
	wantCode(t, err, plaza.EInvalidArgument)
	_, err = svc.DismissCommunityChannel(ctx, owner, plaza.ChannelRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID})
	wantCode(t, err, plaza.EGeneralChannel)

	must[plaza.UpdateCommunityChannelNameResult](t)(svc.UpdateCommunityChannelName(ctx, owner, plaza.UpdateCommunityChannelNameRequest{CommunityID: "club", ChannelID: "talk", ChannelName: "Chat"}))
	must[plaza.UpdateCommunityChannelNoticeResult](t)(svc.UpdateCommunityChannelNotice(ctx, owner, plaza.UpdateCommunityChannelNoticeRequest{CommunityID: "club", ChannelID: "talk", ChannelNotice: "rules"}))
	must[plaza.UpdateCommunityChannelAvatarURLResult](t)(svc.UpdateCommunityChannelAvatarURL(ctx, owner, plaza.UpdateCommunityChannelAvatarURLRequest{CommunityID: "club", ChannelID: "talk", ChannelAvatarURL: "https://x/c.png"}))
	must[plaza.AttributesResult](t)(svc.SetCommunityChannelAttributes(ctx, owner, plaza.SetCommunityChannelAttributesRequest{CommunityID: "club", ChannelID: "talk", ChannelAttributes: map[string]string{"a": "1"}}))
	del := must[plaza.AttributesResult](t)(svc.DeleteCommunityChannelAttributes(ctx, owner, plaza.DeleteCommunityChannelAttributesRequest{CommunityID: "club", ChannelID: "talk", Keys: []string{"k", "zz"}}))
	if fmt.Sprint(del.ErrorKeys) != "[zz]" {
		t.Fatalf("errorKeys %v", del.ErrorKeys)
	}
	_, err = svc.UpdateCommunityChannelName(ctx, m, plaza.UpdateCommunityChannelNameRequest{CommunityID: "club", ChannelID: "talk", ChannelName: "x"})
	wantCode(t, err, plaza.EPermissionDenied)

	info := must[plaza.QueryCommunityChannelsInfoResult](t)(svc.QueryCommunityChannelsInfo(ctx, m, plaza.QueryCommunityChannelsInfoRequest{CommunityID: "club", ChannelIDs: []string{"talk", "nope", plaza.GeneralChannelID}}))
	if len(info.ChannelInfos) != 2 || fmt.Sprint(info.ErrorChannelIDs) != "[nope]" {
		t.Fatalf("channels info %+v", info)
	}
	if c := info.ChannelInfos[0]; c.ChannelName != "Chat" || c.ChannelNotice != "rules" || c.ChannelAvatarURL != "https://x/c.png" || fmt.Sprint(c.ChannelAttributes) != "map[a:1]" {
		t.Fatalf("talk %+v", c)
	}

	must[plaza.ChannelIDResult](t)(svc.DismissCommunityChannel(ctx, owner, plaza.ChannelRequest{CommunityID: "club", ChannelID: "talk"}))
	_, err = svc.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "talk"})
	wantCode(t, err, plaza.EChannelDismissed)
	_, err = svc.QueryHistoryMessage(ctx, owner, plaza.QueryHistoryMessageRequest{CommunityID: "club", ChannelID: "talk"})
	wantCode(t, err, plaza.EChannelNotFound)

	list := must[plaza.QueryCommunityChannelListResult](t)(svc.QueryCommunityChannelList(ctx, m, plaza.QueryCommunityChannelListRequest{CommunityID: "club"}))
	var ids []string
	for _, c := range list.ChannelList {
		ids = append(ids, c.ChannelID)
	}
	if fmt.Sprint(ids) != fmt.Sprintf("[%s %s]", plaza.GeneralChannelID, gen.ChannelID) {
		t.Fatalf("channel list %v", ids)
	}
}

func TestChannelLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	spec := plaza.DefaultSpec()
	spec.ChannelsPerCommunity = 3 // GENERAL counts
	env := plazatest.New(t, plazatest.Options{Spec: &spec})
	owner := club(t, env)
	for _, id := range []string{"a", "b"} {
		must[plaza.ChannelInfoResult](t)(env.Service.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: id}))
	}
	_, err := env.Service.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "c"})
	wantCode(t, err, plaza.EChannelLimit)
	must[plaza.ChannelIDResult](t)(env.Service.DismissCommunityChannel(ctx, owner, plaza.ChannelRequest{CommunityID: "club", ChannelID: "a"}))
	must[plaza.ChannelInfoResult](t)(env.Service.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "c"}))
}

func TestPrivateChannels(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{Spec: relaxed()})
	svc := env.Service
	owner := club(t, env, "admin", "in", "out")
	admin, in, out := env.Actor("admin"), env.Actor("in"), env.Actor("out")
	must[plaza.UpdateCommunityMemberRoleResult](t)(svc.UpdateCommunityMemberRole(ctx, owner, plaza.UpdateCommunityMemberRoleRequest{CommunityID: "club", ForUserID: "admin", MemberRole: plaza.RoleAdmin}))

	ch := must[plaza.ChannelInfoResult](t)(svc.CreateCommunityChannel(ctx, admin, plaza.CreateCommunityChannelRequest{
		CommunityID: "club", ChannelID: "secret", ChannelType: new(plaza.ChannelPrivate)})).ChannelInfo
	if ch.CurrentMemberCount != 1 {
		t.Fatalf("a new private channel lists its creator only: %d", ch.CurrentMemberCount)
	}
	stored := must[plaza.QueryCommunityChannelsInfoResult](t)(svc.QueryCommunityChannelsInfo(ctx, admin, plaza.QueryCommunityChannelsInfoRequest{CommunityID: "club", ChannelIDs: []string{"secret"}}))
	if n := stored.ChannelInfos[0].CurrentMemberCount; n != 1 {
		t.Fatalf("the stored member count of a new private channel is %d, want 1", n)
	}
	res := must[plaza.ChannelMembersResult](t)(svc.AddCommunityChannelMembers(ctx, admin, plaza.ChannelMembersRequest{CommunityID: "club", ChannelID: "secret", UserIDs: []string{"in", "stranger"}}))
	if len(res.ErrorUserList) != 1 || res.ErrorUserList[0].Code != plaza.ENotMember {
		t.Fatalf("errorUserList %+v", res.ErrorUserList)
	}
	_, err := svc.AddCommunityChannelMembers(ctx, admin, plaza.ChannelMembersRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, UserIDs: []string{"in"}})
	wantCode(t, err, plaza.EInvalidArgument)
	_, err = svc.AddCommunityChannelMembers(ctx, in, plaza.ChannelMembersRequest{CommunityID: "club", ChannelID: "secret", UserIDs: []string{"out"}})
	wantCode(t, err, plaza.EPermissionDenied)

	// Who sees it: listed members, the owner and admins; nobody else.
	send := func(a plaza.Actor) error {
		_, err := svc.SendMessage(ctx, a, plaza.SendMessageRequest{CommunityID: "club", ChannelID: "secret", Message: plaza.MessageContent{Type: plaza.MessageText, Message: "hi from " + a.UserID}})
		return err
	}
	for _, a := range []plaza.Actor{owner, admin, in} {
		if err := send(a); err != nil {
			t.Fatalf("%s sending: %v", a.UserID, err)
		}
	}
	wantCode(t, send(out), plaza.EPermissionDenied)
	_, err = svc.QueryHistoryMessage(ctx, out, plaza.QueryHistoryMessageRequest{CommunityID: "club", ChannelID: "secret"})
	wantCode(t, err, plaza.EPermissionDenied)
	info := must[plaza.QueryCommunityChannelsInfoResult](t)(svc.QueryCommunityChannelsInfo(ctx, out, plaza.QueryCommunityChannelsInfoRequest{CommunityID: "club", ChannelIDs: []string{"secret"}}))
	if len(info.ChannelInfos) != 0 || len(info.ErrorChannelIDs) != 1 {
		t.Fatalf("an outsider sees the private channel: %+v", info)
	}
	countChannels := func(a plaza.Actor) int {
		return len(must[plaza.QueryCommunityChannelListResult](t)(svc.QueryCommunityChannelList(ctx, a, plaza.QueryCommunityChannelListRequest{CommunityID: "club"})).ChannelList)
	}
	if countChannels(out) != 1 || countChannels(in) != 2 || countChannels(owner) != 2 {
		t.Fatalf("channel lists: out %d, in %d, owner %d", countChannels(out), countChannels(in), countChannels(owner))
	}
	members := must[plaza.QueryCommunityMemberListResult](t)(svc.QueryCommunityMemberList(ctx, in, plaza.QueryCommunityMemberListRequest{CommunityID: "club", ChannelID: "secret"}))
	var names []string
	for _, m := range members.MemberList {
		names = append(names, m.UserID)
	}
	if fmt.Sprint(names) != "[owner admin in]" {
		t.Fatalf("members who see the channel: %v", names)
	}

	must[plaza.ChannelMembersResult](t)(svc.RemoveCommunityChannelMembers(ctx, owner, plaza.ChannelMembersRequest{CommunityID: "club", ChannelID: "secret", UserIDs: []string{"in"}}))
	wantCode(t, send(in), plaza.EPermissionDenied)
	_, err = svc.RemoveCommunityChannelMembers(ctx, owner, plaza.ChannelMembersRequest{CommunityID: "club", ChannelID: "secret", UserIDs: []string{"in"}})
	wantCode(t, err, plaza.ENotInChannel)
	// The creator is listed already.
	_, err = svc.AddCommunityChannelMembers(ctx, owner, plaza.ChannelMembersRequest{CommunityID: "club", ChannelID: "secret", UserIDs: []string{"admin"}})
	wantCode(t, err, plaza.EAlreadyInChannel)

	// Leaving the community unlists the member from its private channels.
	must[plaza.ChannelMembersResult](t)(svc.AddCommunityChannelMembers(ctx, owner, plaza.ChannelMembersRequest{CommunityID: "club", ChannelID: "secret", UserIDs: []string{"out"}}))
	must[plaza.CommunityIDResult](t)(svc.LeaveCommunity(ctx, out, plaza.CommunityRequest{CommunityID: "club"}))
	must[plaza.CommunityInfoResult](t)(svc.JoinCommunity(ctx, out, plaza.CommunityRequest{CommunityID: "club"}))
	wantCode(t, send(out), plaza.EPermissionDenied)
}
