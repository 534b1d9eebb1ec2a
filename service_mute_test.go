package plaza_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/plazatest"
)

// muteFixture is a community "club" with an owner, an admin and two
// members, a public channel "c" and a second channel "d", on a settable
// clock.
type muteFixture struct {
	env                  *plazatest.Env
	clock                *plazatest.Clock
	owner, admin, m, n   plaza.Actor
	ctx                  context.Context
	sendErr              func(a plaza.Actor, channel string) error
	muteChannel          func(by plaza.Actor, mode plaza.MuteMode, d int64, roles ...plaza.Role) error
	muteCommunity        func(by plaza.Actor, mode plaza.MuteMode, d int64, roles ...plaza.Role) error
	muteMember           func(by plaza.Actor, user, channel string, d int64) error
	unmuteMember         func(by plaza.Actor, user, channel string) error
	selfMutedExpiredTime func(a plaza.Actor, channel string) int64
}

func newMuteFixture(t *testing.T) *muteFixture {
	t.Helper()
	ctx := context.Background()
	clock := plazatest.NewClock(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	env := plazatest.New(t, plazatest.Options{Spec: relaxed(), Clock: clock})
	svc := env.Service
	owner := club(t, env, "admin", "m", "n")
	f := &muteFixture{env: env, clock: clock, owner: owner, admin: env.Actor("admin"), m: env.Actor("m"), n: env.Actor("n"), ctx: ctx}
	must[plaza.UpdateCommunityMemberRoleResult](t)(svc.UpdateCommunityMemberRole(ctx, owner, plaza.UpdateCommunityMemberRoleRequest{CommunityID: "club", ForUserID: "admin", MemberRole: plaza.RoleAdmin}))
	for _, id := range []string{"c", "d"} {
		must[plaza.ChannelInfoResult](t)(svc.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: id}))
	}
	f.sendErr = func(a plaza.Actor, channel string) error {
		_, err := svc.SendMessage(ctx, a, plaza.SendMessageRequest{CommunityID: "club", ChannelID: channel, Message: text("hi")})
		return err
	}
	f.muteChannel = func(by plaza.Actor, mode plaza.MuteMode, d int64, roles ...plaza.Role) error {
		_, err := svc.MuteCommunityChannels(ctx, by, plaza.MuteCommunityChannelsRequest{CommunityID: "club", ChannelIDs: []string{"c"},
			IsMute: mode != plaza.MuteNone, Mode: mode, Duration: d, Roles: roles})
		return err
	}
	f.muteCommunity = func(by plaza.Actor, mode plaza.MuteMode, d int64, roles ...plaza.Role) error {
		_, err := svc.MuteCommunity(ctx, by, plaza.MuteCommunityRequest{CommunityID: "club", IsMute: mode != plaza.MuteNone, Mode: mode, Duration: d, Roles: roles})
		return err
	}
	f.muteMember = func(by plaza.Actor, user, channel string, d int64) error {
		_, err := svc.MuteCommunityMembers(ctx, by, plaza.MuteCommunityMembersRequest{CommunityID: "club", UserIDs: []string{user}, IsMute: true, Duration: d, ChannelID: channel})
		return err
	}
	f.unmuteMember = func(by plaza.Actor, user, channel string) error {
		_, err := svc.MuteCommunityMembers(ctx, by, plaza.MuteCommunityMembersRequest{CommunityID: "club", UserIDs: []string{user}, IsMute: false, ChannelID: channel})
		return err
	}
	f.selfMutedExpiredTime = func(a plaza.Actor, channel string) int64 {
		list := must[plaza.QueryCommunityChannelListResult](t)(svc.QueryCommunityChannelList(ctx, a, plaza.QueryCommunityChannelListRequest{CommunityID: "club"}))
		for _, c := range list.ChannelList {
			if c.ChannelID == channel {
				return c.SelfMutedExpiredTime
			}
		}
		t.Fatalf("%s does not see %s", a.UserID, channel)
		return 0
	}
	return f
}

// senders returns which of owner, admin, m may send in channel, as a
// string like "owner admin m n" with "-" for a refused one; every refusal
// must carry want.
func (f *muteFixture) senders(t *testing.T, channel string, want plaza.Code) string {
	t.Helper()
	out := ""
	for _, a := range []plaza.Actor{f.owner, f.admin, f.m, f.n} {
		err := f.sendErr(a, channel)
		switch {
		case err == nil:
			out += a.UserID + " "
		case plaza.ErrorCode(err) == want:
			out += "- "
		default:
			t.Fatalf("%s sending in %s: %v, want nil or %s", a.UserID, channel, err, want)
		}
	}
	return out[:len(out)-1]
}

func TestChannelMuteModes(t *testing.T) {
	t.Parallel()
	f := newMuteFixture(t)
	tests := []struct {
		mode  plaza.MuteMode
		roles []plaza.Role
		want  string
	}{
		{plaza.MuteNormal, nil, "owner admin - -"},
		{plaza.MuteAll, nil, "- - - -"},
		{plaza.MuteCustom, []plaza.Role{plaza.RoleAdmin}, "owner - m n"},
		{plaza.MuteCustom, []plaza.Role{plaza.RoleMember}, "owner admin - -"},
		{plaza.MuteCustom, nil, "- - - -"}, // no roles listed: all of them
		{plaza.MuteNone, nil, "owner admin m n"},
	}
	for _, tt := range tests {
		if err := f.muteChannel(f.owner, tt.mode, 3600, tt.roles...); err != nil {
			t.Fatalf("mode %d: %v", tt.mode, err)
		}
		if got := f.senders(t, "c", plaza.EChannelMuted); got != tt.want {
			t.Errorf("channel mode %d roles %v: senders %q, want %q", tt.mode, tt.roles, got, tt.want)
		}
		if got := f.senders(t, "d", plaza.EChannelMuted); got != "owner admin m n" {
			t.Errorf("mode %d on c muted d: %q", tt.mode, got)
		}
	}
	// Expiry lifts the mute without any call.
	if err := f.muteChannel(f.admin, plaza.MuteAll, 60); err != nil {
		t.Fatal(err)
	}
	err := f.sendErr(f.m, "c")
	wantCode(t, err, plaza.EChannelMuted)
	if until := plaza.AsError(err).Until; until != f.clock.Now().Add(time.Minute).UnixMilli() {
		t.Fatalf("until %d", until)
	}
	if got := f.selfMutedExpiredTime(f.m, "c"); got != f.clock.Now().Add(time.Minute).UnixMilli() {
		t.Fatalf("selfMutedExpiredTime %d", got)
	}
	f.clock.Advance(61 * time.Second)
	if got := f.senders(t, "c", plaza.EChannelMuted); got != "owner admin m n" {
		t.Fatalf("after expiry: %q", got)
	}
	if got := f.selfMutedExpiredTime(f.m, "c"); got != 0 {
		t.Fatalf("selfMutedExpiredTime after expiry %d", got)
	}
	// A permanent mute, and its refusal's until.
	if err := f.muteChannel(f.owner, plaza.MuteNormal, -1); err != nil {
		t.Fatal(err)
	}
	if until := plaza.AsError(f.sendErr(f.m, "c")).Until; until != -1 {
		t.Fatalf("permanent mute until %d", until)
	}
}

func TestCommunityMute(t *testing.T) {
	t.Parallel()
	f := newMuteFixture(t)
	if err := f.muteCommunity(f.admin, plaza.MuteNormal, 600); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []string{plaza.GeneralChannelID, "c", "d"} {
		if got := f.senders(t, ch, plaza.ECommunityMuted); got != "owner admin - -" {
			t.Errorf("community normal mute in %s: %q", ch, got)
		}
	}
	if err := f.muteCommunity(f.owner, plaza.MuteAll, 600); err != nil {
		t.Fatal(err)
	}
	if got := f.senders(t, "d", plaza.ECommunityMuted); got != "- - - -" {
		t.Errorf("community all mute: %q", got)
	}
	info := must[plaza.CommunityInfoResult](t)(f.env.Service.QueryCommunityInfo(f.ctx, f.m, plaza.CommunityRequest{CommunityID: "club"})).CommunityInfo
	if info.MuteInfo.Mode != plaza.MuteAll || info.MuteInfo.ExpiredTime != f.clock.Now().Add(10*time.Minute).UnixMilli() {
		t.Fatalf("community muteInfo %+v", info.MuteInfo)
	}
	// A channel mute and the community mute: the channel's is named first.
	if err := f.muteChannel(f.owner, plaza.MuteAll, 60); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.sendErr(f.m, "c"), plaza.EChannelMuted)
	f.clock.Advance(11 * time.Minute)
	if got := f.senders(t, "c", plaza.ECommunityMuted); got != "owner admin m n" {
		t.Errorf("after expiry: %q", got)
	}
	if info := must[plaza.CommunityInfoResult](t)(f.env.Service.QueryCommunityInfo(f.ctx, f.m, plaza.CommunityRequest{CommunityID: "club"})).CommunityInfo; info.MuteInfo.Mode != plaza.MuteNone {
		t.Fatalf("lapsed community mute reads %+v", info.MuteInfo)
	}
	// Members may not mute.
	wantCode(t, f.muteCommunity(f.m, plaza.MuteAll, 60), plaza.EPermissionDenied)
	wantCode(t, f.muteChannel(f.m, plaza.MuteAll, 60), plaza.EPermissionDenied)
}

func TestMuteValidation(t *testing.T) {
	t.Parallel()
	f := newMuteFixture(t)
	tests := []struct {
		name string
		err  error
		code plaza.Code
	}{
		{"duration 0", f.muteChannel(f.owner, plaza.MuteAll, 0), plaza.EInvalidArgument},
		{"duration too long", f.muteChannel(f.owner, plaza.MuteAll, plaza.MaxMuteSeconds+1), plaza.EInvalidArgument},
		{"duration -2", f.muteCommunity(f.owner, plaza.MuteAll, -2), plaza.EInvalidArgument},
		{"mode 4", f.muteChannel(f.owner, 4, 60), plaza.EInvalidArgument},
		{"roles on normal", f.muteChannel(f.owner, plaza.MuteNormal, 60, plaza.RoleMember), plaza.EInvalidArgument},
		{"role 9", f.muteChannel(f.owner, plaza.MuteCustom, 60, 9), plaza.EInvalidArgument},
		{"admin mutes the owner role", f.muteChannel(f.admin, plaza.MuteCustom, 60, plaza.RoleOwner), plaza.EPermissionDenied},
		{"member duration 0", f.muteMember(f.owner, "m", "", 0), plaza.EInvalidArgument},
		{"admin mutes the owner", f.muteMember(f.admin, "owner", "", 60), plaza.ERoleNotLower},
		{"admin mutes itself", f.muteMember(f.admin, "admin", "", 60), plaza.ECannotChangeOwn},
		{"member mutes a member", f.muteMember(f.m, "n", "", 60), plaza.EPermissionDenied},
		{"not a member", f.muteMember(f.owner, "stranger", "", 60), plaza.ENotMember},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.err, tt.code) })
	}
	if err := f.muteChannel(f.owner, plaza.MuteCustom, plaza.MaxMuteSeconds, plaza.RoleOwner); err != nil {
		t.Fatalf("the owner muting its own role for the longest time: %v", err)
	}
}

func TestMemberMutes(t *testing.T) {
	t.Parallel()
	f := newMuteFixture(t)
	svc := f.env.Service
	rec := record(t, f.env, plaza.CommunityTopic(f.env.App.AppID, "club"))

	// Muted in one channel: refused there only.
	if err := f.muteMember(f.admin, "m", "c", 300); err != nil {
		t.Fatal(err)
	}
	ev := decode[plaza.CommunityMemberInfoUpdatedEvent](t, rec.next(t, plaza.EventCommunityMemberInfoUpdated))
	if mi := ev.UpdateInfoList[0].MemberInfo; mi.UserID != "m" || len(mi.ChannelMutes) != 1 || mi.ChannelMutes[0].ChannelID != "c" || mi.MuteExpiredTime != 0 {
		t.Fatalf("member info event %+v", mi)
	}
	wantCode(t, f.sendErr(f.m, "c"), plaza.EMemberMuted)
	if err := f.sendErr(f.m, "d"); err != nil {
		t.Fatalf("m in d: %v", err)
	}
	// Community-wide: refused everywhere, named before any channel mute.
	if err := f.muteChannel(f.owner, plaza.MuteAll, 60); err != nil {
		t.Fatal(err)
	}
	if err := f.muteMember(f.owner, "n", "", -1); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []string{"c", "d"} {
		err := f.sendErr(f.n, ch)
		wantCode(t, err, plaza.EMemberMuted)
		if plaza.AsError(err).Until != -1 {
			t.Fatalf("permanent member mute until %d", plaza.AsError(err).Until)
		}
	}
	if got := f.selfMutedExpiredTime(f.n, "d"); got != -1 {
		t.Fatalf("n's selfMutedExpiredTime %d", got)
	}
	// The muted-members filter.
	muted := func(channel string) string {
		list := must[plaza.QueryCommunityMemberListResult](t)(svc.QueryCommunityMemberList(f.ctx, f.owner, plaza.QueryCommunityMemberListRequest{
			CommunityID: "club", ChannelID: channel, IsMutedMember: true}))
		var ids []string
		for _, m := range list.MemberList {
			ids = append(ids, m.UserID)
		}
		return fmt.Sprint(ids)
	}
	if got := muted(""); got != "[n]" {
		t.Fatalf("muted community-wide: %s", got)
	}
	if got := muted("c"); got != "[m n]" {
		t.Fatalf("muted in c: %s", got)
	}
	// Expiry and lifting.
	f.clock.Advance(301 * time.Second)
	if got := muted("c"); got != "[n]" {
		t.Fatalf("muted in c after m's mute lapsed: %s", got)
	}
	if err := f.unmuteMember(f.owner, "n", ""); err != nil {
		t.Fatal(err)
	}
	if got := muted(""); got != "[]" {
		t.Fatalf("muted after lifting: %s", got)
	}
	if err := f.sendErr(f.n, "d"); err != nil {
		t.Fatalf("n after lifting: %v", err)
	}
	// 6001067: muted in a private channel the member does not see.
	must[plaza.ChannelInfoResult](t)(svc.CreateCommunityChannel(f.ctx, f.owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "p", ChannelType: new(plaza.ChannelPrivate)}))
	wantCode(t, f.muteMember(f.owner, "m", "p", 60), plaza.EMutedNotInChannel)
	// Leaving and rejoining does not shed a mute.
	if err := f.muteMember(f.owner, "m", "", 600); err != nil {
		t.Fatal(err)
	}
	must[plaza.CommunityIDResult](t)(svc.LeaveCommunity(f.ctx, f.m, plaza.CommunityRequest{CommunityID: "club"}))
	must[plaza.CommunityInfoResult](t)(svc.JoinCommunity(f.ctx, f.m, plaza.CommunityRequest{CommunityID: "club"}))
	wantCode(t, f.sendErr(f.m, "d"), plaza.EMemberMuted)
}
