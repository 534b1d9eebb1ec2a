package plaza_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/plazatest"
)

// recorder subscribes to a community's topic and to users' topics and
// collects what the service publishes.
type recorder struct {
	events  chan *plaza.Event
	backlog []*plaza.Event // received but not yet asked for
}

func record(tb testing.TB, env *plazatest.Env, topics ...plaza.Topic) *recorder {
	tb.Helper()
	r := &recorder{events: make(chan *plaza.Event, 256)}
	for _, t := range topics {
		sub, err := env.Bus.Subscribe(t, func(e *plaza.Event) { r.events <- e })
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { sub.Close() })
	}
	return r
}

// next returns the oldest unread event named name. Events of other names
// stay for later calls: events of different topics may arrive in any order.
func (r *recorder) next(tb testing.TB, name string) *plaza.Event {
	tb.Helper()
	for i, e := range r.backlog {
		if e.Name == name {
			r.backlog = append(r.backlog[:i], r.backlog[i+1:]...)
			return e
		}
	}
	timeout := time.After(2 * time.Second)
	for {
		select {
		case e := <-r.events:
			if e.Name == name {
				return e
			}
			r.backlog = append(r.backlog, e)
		case <-timeout:
			tb.Fatalf("no %s event", name)
			return nil
		}
	}
}

func decode[T any](tb testing.TB, e *plaza.Event) T {
	tb.Helper()
	var v T
	if err := json.Unmarshal(e.Data, &v); err != nil {
		tb.Fatalf("decode %s: %v", e.Name, err)
	}
	return v
}

func roleOf(tb testing.TB, env *plazatest.Env, viewer plaza.Actor, community, user string) plaza.Role {
	tb.Helper()
	res, err := env.Service.QueryCommunityMembers(context.Background(), viewer, plaza.UserIDsRequest{CommunityID: community, UserIDs: []string{user}})
	if err != nil {
		tb.Fatal(err)
	}
	if len(res.MemberList) == 0 {
		return plaza.RoleNone
	}
	return res.MemberList[0].MemberRole
}

func TestInviteAndKick(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{})
	svc := env.Service
	us := env.Users(t, "owner", "admin", "m1", "m2", "m3")
	owner, admin, m1 := us[0], us[1], us[2]
	createCommunity(t, env, owner, "club")
	rec := record(t, env, plaza.CommunityTopic(env.App.AppID, "club"), plaza.UserTopic(env.App.AppID, "m1"))

	res := must[plaza.ErrorUserListResult](t)(svc.InviteUsersIntoCommunity(ctx, owner, plaza.UserIDsRequest{
		CommunityID: "club", UserIDs: []string{"admin", "m1", "m2", "ghost", "m1"},
	}))
	if len(res.ErrorUserList) != 1 || res.ErrorUserList[0].UserID != "ghost" || res.ErrorUserList[0].Code != plaza.EUserNotFound {
		t.Fatalf("errorUserList %+v, want only ghost as user_not_found", res.ErrorUserList)
	}
	state := decode[plaza.CommunityMemberStateChangedEvent](t, rec.next(t, plaza.EventCommunityMemberStateChanged))
	if len(state.ChangeInfoList) != 3 || state.OperatedUserID != "owner" || state.ChangeInfoList[0].Action != plaza.MemberInvited {
		t.Fatalf("member state event %+v", state)
	}
	added := rec.next(t, plaza.EventCommunityListChanged)
	if fmt.Sprint(added.UserIDs) != "[admin m1 m2]" {
		t.Fatalf("communityListChanged went to %v", added.UserIDs)
	}

	// Invite failures: all known users already members → the call fails;
	// none exists → invitees_not_found.
	_, err := svc.InviteUsersIntoCommunity(ctx, owner, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"m1"}})
	wantCode(t, err, plaza.EAlreadyMember)
	_, err = svc.InviteUsersIntoCommunity(ctx, owner, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"nobody", "ghost"}})
	wantCode(t, err, plaza.EInviteesNotFound)
	tooMany := make([]string, 101)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("u%d", i)
	}
	_, err = svc.InviteUsersIntoCommunity(ctx, owner, plaza.UserIDsRequest{CommunityID: "club", UserIDs: tooMany})
	wantCode(t, err, plaza.EInvalidArgument)

	// Members may invite by default; with invite mode 1 only managers may.
	must[plaza.ErrorUserListResult](t)(svc.InviteUsersIntoCommunity(ctx, m1, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"m3"}}))
	managers := plaza.InviteManagers
	must[plaza.UpdateCommunityInviteModeResult](t)(svc.UpdateCommunityInviteMode(ctx, owner, plaza.UpdateCommunityInviteModeRequest{CommunityID: "club", InviteMode: &managers}))
	_, err = svc.KickCommunityMembers(ctx, owner, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"m3"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.InviteUsersIntoCommunity(ctx, m1, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"m3"}})
	wantCode(t, err, plaza.EPermissionDenied)

	must[plaza.UpdateCommunityMemberRoleResult](t)(svc.UpdateCommunityMemberRole(ctx, owner, plaza.UpdateCommunityMemberRoleRequest{CommunityID: "club", ForUserID: "admin", MemberRole: plaza.RoleAdmin}))

	kick := []struct {
		name   string
		by     plaza.Actor
		target string
		code   plaza.Code
	}{
		{"member cannot kick", m1, "m2", plaza.EPermissionDenied},
		{"admin cannot kick the owner", admin, "owner", plaza.ERoleNotLower},
		{"cannot kick yourself", admin, "admin", plaza.ECannotKickSelf},
		{"not a member", admin, "m3", plaza.ENotMember},
	}
	for _, k := range kick {
		_, err := svc.KickCommunityMembers(ctx, k.by, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{k.target}})
		if err == nil {
			t.Fatalf("%s: kick succeeded", k.name)
		}
		wantCode(t, err, k.code)
	}
	// A batch with one valid target succeeds and reports the rest.
	res = must[plaza.ErrorUserListResult](t)(svc.KickCommunityMembers(ctx, admin, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"owner", "m1"}}))
	if len(res.ErrorUserList) != 1 || res.ErrorUserList[0].Code != plaza.ERoleNotLower || res.ErrorUserList[0].Reason != 6001035 {
		t.Fatalf("errorUserList %+v", res.ErrorUserList)
	}
	for {
		st := decode[plaza.CommunityMemberStateChangedEvent](t, rec.next(t, plaza.EventCommunityMemberStateChanged))
		if ch := st.ChangeInfoList[0]; ch.MemberInfo.UserID == "m1" {
			if ch.State != plaza.MemberExited || ch.Action != plaza.MemberKicked || st.OperatedUserID != "admin" {
				t.Fatalf("kick event %+v", st)
			}
			break
		}
	}
	if roleOf(t, env, owner, "club", "m1") != plaza.RoleNone {
		t.Fatal("m1 is still a member after the kick")
	}
	// The owner may kick an admin.
	must[plaza.ErrorUserListResult](t)(svc.KickCommunityMembers(ctx, owner, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"admin"}}))
	info := must[plaza.CommunityInfoResult](t)(svc.QueryCommunityInfo(ctx, owner, plaza.CommunityRequest{CommunityID: "club"}))
	if info.CommunityInfo.CurrentMemberCount != 2 { // owner, m2
		t.Fatalf("member count %d, want 2", info.CommunityInfo.CurrentMemberCount)
	}
}

func TestRolesAndTransfer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{})
	svc := env.Service
	us := env.Users(t, "owner", "b", "c")
	owner, b, c := us[0], us[1], us[2]
	createCommunity(t, env, owner, "club")
	must[plaza.ErrorUserListResult](t)(svc.InviteUsersIntoCommunity(ctx, owner, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"b", "c"}}))

	tests := []struct {
		name string
		by   plaza.Actor
		req  plaza.UpdateCommunityMemberRoleRequest
		code plaza.Code
	}{
		{"owner role is not settable", owner, plaza.UpdateCommunityMemberRoleRequest{ForUserID: "b", MemberRole: plaza.RoleOwner}, plaza.ECannotSetOwner},
		{"no role 7", owner, plaza.UpdateCommunityMemberRoleRequest{ForUserID: "b", MemberRole: 7}, plaza.EInvalidArgument},
		{"own role", owner, plaza.UpdateCommunityMemberRoleRequest{ForUserID: "owner", MemberRole: plaza.RoleAdmin}, plaza.ECannotChangeOwn},
		{"members cannot set roles", b, plaza.UpdateCommunityMemberRoleRequest{ForUserID: "c", MemberRole: plaza.RoleAdmin}, plaza.EOwnerOnly},
		{"target must be a member", owner, plaza.UpdateCommunityMemberRoleRequest{ForUserID: "zed", MemberRole: plaza.RoleAdmin}, plaza.ENotMember},
	}
	for _, tt := range tests {
		tt.req.CommunityID = "club"
		_, err := svc.UpdateCommunityMemberRole(ctx, tt.by, tt.req)
		if err == nil {
			t.Fatalf("%s: succeeded", tt.name)
		}
		wantCode(t, err, tt.code)
	}
	must[plaza.UpdateCommunityMemberRoleResult](t)(svc.UpdateCommunityMemberRole(ctx, owner, plaza.UpdateCommunityMemberRoleRequest{CommunityID: "club", ForUserID: "b", MemberRole: plaza.RoleAdmin}))
	// Admins cannot set roles either.
	_, err := svc.UpdateCommunityMemberRole(ctx, b, plaza.UpdateCommunityMemberRoleRequest{CommunityID: "club", ForUserID: "c", MemberRole: plaza.RoleAdmin})
	wantCode(t, err, plaza.EOwnerOnly)
	_, err = svc.TransferCommunityOwner(ctx, b, plaza.TransferCommunityOwnerRequest{CommunityID: "club", ToUserID: "c"})
	wantCode(t, err, plaza.EOwnerOnly)
	_, err = svc.TransferCommunityOwner(ctx, owner, plaza.TransferCommunityOwnerRequest{CommunityID: "club", ToUserID: "owner"})
	wantCode(t, err, plaza.ECannotChangeOwn)
	_, err = svc.DismissCommunity(ctx, b, plaza.CommunityRequest{CommunityID: "club"})
	wantCode(t, err, plaza.EOwnerOnly)

	rec := record(t, env, plaza.CommunityTopic(env.App.AppID, "club"))
	must[plaza.TransferCommunityOwnerResult](t)(svc.TransferCommunityOwner(ctx, owner, plaza.TransferCommunityOwnerRequest{CommunityID: "club", ToUserID: "c"}))
	ev := decode[plaza.CommunityMemberInfoUpdatedEvent](t, rec.next(t, plaza.EventCommunityMemberInfoUpdated))
	got := map[string]plaza.Role{}
	for _, u := range ev.UpdateInfoList {
		got[u.MemberInfo.UserID] = u.MemberInfo.MemberRole
	}
	if got["c"] != plaza.RoleOwner || got["owner"] != plaza.RoleMember {
		t.Fatalf("transfer event roles %v", got)
	}
	if roleOf(t, env, c, "club", "owner") != plaza.RoleMember || roleOf(t, env, c, "club", "c") != plaza.RoleOwner {
		t.Fatal("roles not stored after transfer")
	}
	// The old owner may now leave; the new owner may not.
	must[plaza.CommunityIDResult](t)(svc.LeaveCommunity(ctx, owner, plaza.CommunityRequest{CommunityID: "club"}))
	_, err = svc.LeaveCommunity(ctx, c, plaza.CommunityRequest{CommunityID: "club"})
	wantCode(t, err, plaza.EOwnerCannotLeave)
	_, err = svc.LeaveCommunity(ctx, owner, plaza.CommunityRequest{CommunityID: "club"})
	wantCode(t, err, plaza.ENotMember)
	// Member list: owner first, then admins, then members.
	list := must[plaza.QueryCommunityMemberListResult](t)(svc.QueryCommunityMemberList(ctx, c, plaza.QueryCommunityMemberListRequest{CommunityID: "club"}))
	var order []string
	for _, m := range list.MemberList {
		order = append(order, m.UserID)
	}
	if fmt.Sprint(order) != "[c b]" {
		t.Fatalf("member list order %v, want [c b]", order)
	}
}

func TestMemberListPaging(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{})
	owner := env.Users(t, "owner")[0]
	createCommunity(t, env, owner, "big")
	var ids []string
	for i := range 45 {
		ids = append(ids, fmt.Sprintf("u%02d", i))
	}
	env.Users(t, ids...)
	must[plaza.ErrorUserListResult](t)(env.Service.InviteUsersIntoCommunity(ctx, owner, plaza.UserIDsRequest{CommunityID: "big", UserIDs: ids}))
	must[plaza.UpdateCommunityMemberRoleResult](t)(env.Service.UpdateCommunityMemberRole(ctx, owner, plaza.UpdateCommunityMemberRoleRequest{CommunityID: "big", ForUserID: "u30", MemberRole: plaza.RoleAdmin}))
	var got []string
	flag := ""
	for {
		page := must[plaza.QueryCommunityMemberListResult](t)(env.Service.QueryCommunityMemberList(ctx, owner,
			plaza.QueryCommunityMemberListRequest{CommunityID: "big", PageRequest: plaza.PageRequest{Count: 10, NextFlag: flag}}))
		for _, m := range page.MemberList {
			got = append(got, m.UserID)
		}
		if flag = page.NextFlag; flag == "" {
			break
		}
	}
	if len(got) != 46 || got[0] != "owner" || got[1] != "u30" || got[2] != "u00" || got[45] != "u44" {
		t.Fatalf("paged member list %v", got)
	}
}

func TestJoinModesAndApplications(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{})
	svc := env.Service
	us := env.Users(t, "owner", "admin", "amy", "ben")
	owner, admin, amy, ben := us[0], us[1], us[2], us[3]
	createCommunity(t, env, owner, "club")
	must[plaza.ErrorUserListResult](t)(svc.InviteUsersIntoCommunity(ctx, owner, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"admin"}}))
	must[plaza.UpdateCommunityMemberRoleResult](t)(svc.UpdateCommunityMemberRole(ctx, owner, plaza.UpdateCommunityMemberRoleRequest{CommunityID: "club", ForUserID: "admin", MemberRole: plaza.RoleAdmin}))

	setMode := func(m plaza.JoinMode) {
		t.Helper()
		must[plaza.UpdateCommunityJoinModeResult](t)(svc.UpdateCommunityJoinMode(ctx, admin, plaza.UpdateCommunityJoinModeRequest{CommunityID: "club", JoinMode: &m}))
	}
	bad := plaza.JoinMode(3)
	_, err := svc.UpdateCommunityJoinMode(ctx, owner, plaza.UpdateCommunityJoinModeRequest{CommunityID: "club", JoinMode: &bad})
	wantCode(t, err, plaza.EInvalidArgument)
	_, err = svc.UpdateCommunityJoinMode(ctx, owner, plaza.UpdateCommunityJoinModeRequest{CommunityID: "club"})
	wantCode(t, err, plaza.EInvalidArgument)

	// Mode any: an application joins at once.
	res := must[plaza.SendCommunityJoinApplicationResult](t)(svc.SendCommunityJoinApplication(ctx, ben, plaza.SendCommunityJoinApplicationRequest{CommunityID: "club"}))
	if !res.Joined || res.CommunityInfo == nil || res.Application != nil {
		t.Fatalf("application under mode any: %+v", res)
	}
	must[plaza.CommunityIDResult](t)(svc.LeaveCommunity(ctx, ben, plaza.CommunityRequest{CommunityID: "club"}))

	setMode(plaza.JoinForbidden)
	_, err = svc.JoinCommunity(ctx, amy, plaza.CommunityRequest{CommunityID: "club"})
	wantCode(t, err, plaza.EJoinForbidden)
	_, err = svc.SendCommunityJoinApplication(ctx, amy, plaza.SendCommunityJoinApplicationRequest{CommunityID: "club"})
	wantCode(t, err, plaza.EJoinForbidden)

	setMode(plaza.JoinApproval)
	_, err = svc.JoinCommunity(ctx, amy, plaza.CommunityRequest{CommunityID: "club"})
	wantCode(t, err, plaza.EJoinNeedsApproval)
	rec := record(t, env, plaza.UserTopic(env.App.AppID, "admin"), plaza.UserTopic(env.App.AppID, "amy"))
	sent := must[plaza.SendCommunityJoinApplicationResult](t)(svc.SendCommunityJoinApplication(ctx, amy, plaza.SendCommunityJoinApplicationRequest{CommunityID: "club", Wording: "hi!"}))
	if sent.Joined || sent.Application == nil || sent.Application.State != plaza.ApplicationWaiting || sent.Application.Wording != "hi!" {
		t.Fatalf("application %+v", sent)
	}
	ev := rec.next(t, plaza.EventCommunityApplicationListChanged)
	if fmt.Sprint(ev.UserIDs) != "[owner admin amy]" {
		t.Fatalf("application event went to %v, want owner, admins and the applicant", ev.UserIDs)
	}
	_, err = svc.SendCommunityJoinApplication(ctx, amy, plaza.SendCommunityJoinApplicationRequest{CommunityID: "club"})
	wantCode(t, err, plaza.EApplicationPending)

	// Only managers see and answer applications.
	_, err = svc.QueryCommunityApplicationList(ctx, amy, plaza.QueryCommunityApplicationListRequest{CommunityID: "club"})
	wantCode(t, err, plaza.ENotMember)
	list := must[plaza.QueryCommunityApplicationListResult](t)(svc.QueryCommunityApplicationList(ctx, admin, plaza.QueryCommunityApplicationListRequest{CommunityID: "club"}))
	if len(list.ApplicationList) != 1 || list.ApplicationList[0].UserID != "amy" || list.ApplicationList[0].CommunityName != "c club" {
		t.Fatalf("application list %+v", list)
	}
	self := must[plaza.QueryCommunitySelfApplicationListResult](t)(svc.QueryCommunitySelfApplicationList(ctx, amy, plaza.QueryCommunitySelfApplicationListRequest{}))
	if len(self.ApplicationList) != 1 || self.ApplicationList[0].CommunityID != "club" {
		t.Fatalf("self application list %+v", self)
	}

	// Reject, apply again, cancel, apply again, accept.
	rej := must[plaza.CommunityApplicationResult](t)(svc.RejectCommunityJoinApplication(ctx, admin, plaza.CommunityApplicationRequest{CommunityID: "club", UserID: "amy"}))
	if rej.Application.State != plaza.ApplicationRejected || rej.Application.OperatedUserID != "admin" {
		t.Fatalf("rejected %+v", rej.Application)
	}
	_, err = svc.AcceptCommunityJoinApplication(ctx, admin, plaza.CommunityApplicationRequest{CommunityID: "club", UserID: "amy"})
	wantCode(t, err, plaza.EApplicationMissing)
	must[plaza.SendCommunityJoinApplicationResult](t)(svc.SendCommunityJoinApplication(ctx, amy, plaza.SendCommunityJoinApplicationRequest{CommunityID: "club"}))
	must[plaza.CommunityIDResult](t)(svc.CancelCommunityJoinApplication(ctx, amy, plaza.CommunityRequest{CommunityID: "club"}))
	_, err = svc.CancelCommunityJoinApplication(ctx, amy, plaza.CommunityRequest{CommunityID: "club"})
	wantCode(t, err, plaza.EApplicationMissing)
	must[plaza.SendCommunityJoinApplicationResult](t)(svc.SendCommunityJoinApplication(ctx, amy, plaza.SendCommunityJoinApplicationRequest{CommunityID: "club"}))
	_, err = svc.AcceptCommunityJoinApplication(ctx, ben, plaza.CommunityApplicationRequest{CommunityID: "club", UserID: "amy"})
	wantCode(t, err, plaza.ENotMember)
	acc := must[plaza.CommunityApplicationResult](t)(svc.AcceptCommunityJoinApplication(ctx, owner, plaza.CommunityApplicationRequest{CommunityID: "club", UserID: "amy"}))
	if acc.Application.State != plaza.ApplicationAccepted {
		t.Fatalf("accepted %+v", acc.Application)
	}
	if m := must[plaza.QueryCommunityMembersResult](t)(svc.QueryCommunityMembers(ctx, owner, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"amy"}})); len(m.MemberList) != 1 ||
		m.MemberList[0].EnterType != plaza.EnterJoined || m.MemberList[0].OperatedUserID != "owner" {
		t.Fatalf("accepted applicant membership %+v", m)
	}
	list = must[plaza.QueryCommunityApplicationListResult](t)(svc.QueryCommunityApplicationList(ctx, admin, plaza.QueryCommunityApplicationListRequest{CommunityID: "club"}))
	if len(list.ApplicationList) != 1 || list.ApplicationList[0].State != plaza.ApplicationAccepted {
		t.Fatalf("application list after accept %+v", list.ApplicationList)
	}
}

func TestApplicationExpires(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := plazatest.NewClock(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	env := plazatest.New(t, plazatest.Options{Clock: clock})
	us := env.Users(t, "owner", "amy")
	owner, amy := us[0], us[1]
	createCommunity(t, env, owner, "club")
	mode := plaza.JoinApproval
	must[plaza.UpdateCommunityJoinModeResult](t)(env.Service.UpdateCommunityJoinMode(ctx, owner, plaza.UpdateCommunityJoinModeRequest{CommunityID: "club", JoinMode: &mode}))
	must[plaza.SendCommunityJoinApplicationResult](t)(env.Service.SendCommunityJoinApplication(ctx, amy, plaza.SendCommunityJoinApplicationRequest{CommunityID: "club"}))

	clock.Advance(plaza.ApplicationTTL + time.Second)
	self := must[plaza.QueryCommunitySelfApplicationListResult](t)(env.Service.QueryCommunitySelfApplicationList(ctx, amy, plaza.QueryCommunitySelfApplicationListRequest{}))
	if self.ApplicationList[0].State != plaza.ApplicationExpired {
		t.Fatalf("state %d after the TTL, want expired", self.ApplicationList[0].State)
	}
	_, err := env.Service.AcceptCommunityJoinApplication(ctx, owner, plaza.CommunityApplicationRequest{CommunityID: "club", UserID: "amy"})
	wantCode(t, err, plaza.EApplicationMissing)
	// An expired application does not block a new one.
	must[plaza.SendCommunityJoinApplicationResult](t)(env.Service.SendCommunityJoinApplication(ctx, amy, plaza.SendCommunityJoinApplicationRequest{CommunityID: "club"}))
}

func TestCommunityInfoChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{})
	svc := env.Service
	us := env.Users(t, "owner", "m", "outsider")
	owner, m, outsider := us[0], us[1], us[2]
	createCommunity(t, env, owner, "club")
	must[plaza.ErrorUserListResult](t)(svc.InviteUsersIntoCommunity(ctx, owner, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"m"}}))
	rec := record(t, env, plaza.CommunityTopic(env.App.AppID, "club"))

	must[plaza.UpdateCommunityNameResult](t)(svc.UpdateCommunityName(ctx, owner, plaza.UpdateCommunityNameRequest{CommunityID: "club", CommunityName: "Club"}))
	if info := decode[plaza.CommunityInfoUpdatedEvent](t, rec.next(t, plaza.EventCommunityInfoUpdated)); info.UpdateInfoList[0].CommunityInfo.CommunityName != "Club" {
		t.Fatalf("info event %+v", info)
	}
	must[plaza.UpdateCommunityAvatarURLResult](t)(svc.UpdateCommunityAvatarURL(ctx, owner, plaza.UpdateCommunityAvatarURLRequest{CommunityID: "club", CommunityAvatarURL: "https://x/a.png"}))
	must[plaza.UpdateCommunityNoticeResult](t)(svc.UpdateCommunityNotice(ctx, owner, plaza.UpdateCommunityNoticeRequest{CommunityID: "club", CommunityNotice: "rules"}))
	must[plaza.AttributesResult](t)(svc.SetCommunityAttributes(ctx, owner, plaza.SetCommunityAttributesRequest{CommunityID: "club", CommunityAttributes: map[string]string{"a": "1", "b": "2"}}))
	del := must[plaza.AttributesResult](t)(svc.DeleteCommunityAttributes(ctx, owner, plaza.DeleteCommunityAttributesRequest{CommunityID: "club", Keys: []string{"a", "zz"}}))
	if fmt.Sprint(del.ErrorKeys) != "[zz]" {
		t.Fatalf("errorKeys %v, want [zz]", del.ErrorKeys)
	}
	info := must[plaza.CommunityInfoResult](t)(svc.QueryCommunityInfo(ctx, m, plaza.CommunityRequest{CommunityID: "club"})).CommunityInfo
	if info.CommunityName != "Club" || info.CommunityAvatarURL != "https://x/a.png" || info.CommunityNotice != "rules" || fmt.Sprint(info.CommunityAttributes) != "map[b:2]" {
		t.Fatalf("info %+v", info)
	}

	// Ten attributes at most, counting the existing ones.
	nine := map[string]string{}
	for i := range 9 {
		nine[fmt.Sprintf("k%d", i)] = "v"
	}
	must[plaza.AttributesResult](t)(svc.SetCommunityAttributes(ctx, owner, plaza.SetCommunityAttributesRequest{CommunityID: "club", CommunityAttributes: nine}))
	_, err := svc.SetCommunityAttributes(ctx, owner, plaza.SetCommunityAttributesRequest{CommunityID: "club", CommunityAttributes: map[string]string{"eleventh": "v"}})
	wantCode(t, err, plaza.EAttributeCount)
	// Replacing an existing key does not count twice.
	must[plaza.AttributesResult](t)(svc.SetCommunityAttributes(ctx, owner, plaza.SetCommunityAttributesRequest{CommunityID: "club", CommunityAttributes: map[string]string{"b": "3"}}))

	denied := []struct {
		name string
		call func() error
	}{
		{"member renames", func() error {
			_, err := svc.UpdateCommunityName(ctx, m, plaza.UpdateCommunityNameRequest{CommunityID: "club", CommunityName: "x"})
			return err
		}},
		{"member sets attributes", func() error {
			_, err := svc.SetCommunityAttributes(ctx, m, plaza.SetCommunityAttributesRequest{CommunityID: "club", CommunityAttributes: map[string]string{"x": "y"}})
			return err
		}},
		{"member sets notice", func() error {
			_, err := svc.UpdateCommunityNotice(ctx, m, plaza.UpdateCommunityNoticeRequest{CommunityID: "club", CommunityNotice: "x"})
			return err
		}},
	}
	for _, d := range denied {
		wantCode(t, d.call(), plaza.EPermissionDenied)
	}
	_, err = svc.QueryCommunityInfo(ctx, outsider, plaza.CommunityRequest{CommunityID: "club"})
	wantCode(t, err, plaza.ENotMember)
	_, err = svc.UpdateCommunityName(ctx, outsider, plaza.UpdateCommunityNameRequest{CommunityID: "club", CommunityName: "x"})
	wantCode(t, err, plaza.ENotMember)
	_, err = svc.QueryCommunityInfo(ctx, owner, plaza.CommunityRequest{CommunityID: "nope"})
	wantCode(t, err, plaza.ECommunityNotFound)

	// Notification status is per user.
	dnd := must[plaza.SetCommunityNotificationStatusResult](t)(svc.SetCommunityNotificationStatus(ctx, m, plaza.SetCommunityNotificationStatusRequest{CommunityID: "club", NotificationStatus: plaza.DoNotDisturb}))
	if dnd.NotificationStatus != plaza.DoNotDisturb {
		t.Fatal(dnd)
	}
	if s := must[plaza.CommunityInfoResult](t)(svc.QueryCommunityInfo(ctx, m, plaza.CommunityRequest{CommunityID: "club"})).CommunityInfo.NotificationStatus; s != plaza.DoNotDisturb {
		t.Fatalf("m's status %d", s)
	}
	if s := must[plaza.CommunityInfoResult](t)(svc.QueryCommunityInfo(ctx, owner, plaza.CommunityRequest{CommunityID: "club"})).CommunityInfo.NotificationStatus; s != plaza.Notify {
		t.Fatalf("owner's status %d", s)
	}
	_, err = svc.SetCommunityNotificationStatus(ctx, m, plaza.SetCommunityNotificationStatusRequest{CommunityID: "club", NotificationStatus: 3})
	wantCode(t, err, plaza.EInvalidArgument)
}

func TestUsersInfo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{})
	svc := env.Service
	us := env.Users(t, "amy", "ben", "cat")
	amy, ben := us[0], us[1]
	must[plaza.UpdateUserNameResult](t)(svc.UpdateUserName(ctx, ben, plaza.UpdateUserNameRequest{UserName: "Ben"}))
	must[plaza.UpdateUserAvatarURLResult](t)(svc.UpdateUserAvatarURL(ctx, ben, plaza.UpdateUserAvatarURLRequest{UserAvatarURL: "https://x/b.png"}))

	// Before sharing a community, amy sees only herself.
	res := must[plaza.QueryUsersInfoResult](t)(svc.QueryUsersInfo(ctx, amy, plaza.QueryUsersInfoRequest{UserIDs: []string{"amy", "ben", "nobody"}}))
	if len(res.UserList) != 1 || res.UserList[0].UserID != "amy" || len(res.ErrorUserList) != 2 {
		t.Fatalf("before sharing: %+v", res)
	}
	createCommunity(t, env, amy, "club")
	rec := record(t, env, plaza.CommunityTopic(env.App.AppID, "club"))
	must[plaza.ErrorUserListResult](t)(svc.InviteUsersIntoCommunity(ctx, amy, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"ben"}}))
	res = must[plaza.QueryUsersInfoResult](t)(svc.QueryUsersInfo(ctx, amy, plaza.QueryUsersInfoRequest{UserIDs: []string{"ben", "cat"}}))
	if len(res.UserList) != 1 || res.UserList[0] != (plaza.UserInfo{UserID: "ben", UserName: "Ben", UserAvatarURL: "https://x/b.png"}) {
		t.Fatalf("after sharing: %+v", res)
	}
	if len(res.ErrorUserList) != 1 || res.ErrorUserList[0].UserID != "cat" {
		t.Fatalf("cat shares nothing with amy: %+v", res.ErrorUserList)
	}
	// Members see ben's new name in member lists and events.
	must[plaza.UpdateUserNameResult](t)(svc.UpdateUserName(ctx, ben, plaza.UpdateUserNameRequest{UserName: "Benjamin"}))
	ev := decode[plaza.CommunityMemberInfoUpdatedEvent](t, rec.next(t, plaza.EventCommunityMemberInfoUpdated))
	if ev.UpdateInfoList[0].MemberInfo.UserName != "Benjamin" {
		t.Fatalf("member info event %+v", ev)
	}
	_, err := svc.UpdateUserName(ctx, ben, plaza.UpdateUserNameRequest{UserName: string(make([]rune, 301))})
	wantCode(t, err, plaza.EInvalidArgument)
	_, err = svc.QueryUsersInfo(ctx, amy, plaza.QueryUsersInfoRequest{})
	wantCode(t, err, plaza.EInvalidArgument)
}

func TestFeatureNotActivated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := plazatest.New(t, plazatest.Options{})
	app, err := env.Service.CreateApp(ctx, plaza.CreateAppRequest{Name: "off", CommunityEnabled: false})
	if err != nil {
		t.Fatal(err)
	}
	a := plaza.Actor{AppID: app.AppID, UserID: "amy"}
	_, err = env.Service.CreateCommunity(ctx, a, plaza.CreateCommunityRequest{CommunityName: "x"})
	wantCode(t, err, plaza.EFeatureNotActive)
	_, err = env.Service.QueryCommunityList(ctx, a, plaza.QueryCommunityListRequest{})
	wantCode(t, err, plaza.EFeatureNotActive)
}
