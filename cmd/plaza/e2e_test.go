package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/client"
)

func TestFirstStart(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	resp, err := http.Get(s.URL + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = http.Get(s.URL + "/readyz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	resp.Body.Close()

	// The printed token works as it is.
	out := s.Stdout.String()
	for _, want := range []string{s.App.AppID, s.App.ServerSecret, "token for user"} {
		if !strings.Contains(out, want) {
			t.Fatalf("first start did not print %q:\n%s", want, out)
		}
	}
	tokenLine, _ := s.Stdout.waitFor("eyJ", 0)
	c := client.New(s.URL, strings.TrimSpace(tokenLine))
	if _, err := c.QueryCommunityList(context.Background(), plaza.QueryCommunityListRequest{}); err != nil {
		t.Fatalf("printed token refused: %v", err)
	}

	// plaza token mints from the data directory.
	var tok strings.Builder
	if err := run(context.Background(), append([]string{"token", "--data", s.Data, "--user", "zoe"}, storeFlag(t, s.Data)...), func(string) string { return "" }, nil, &tok, os.Stderr); err != nil {
		t.Fatal(err)
	}
	if _, err := client.New(s.URL, strings.TrimSpace(tok.String())).QueryCommunityList(context.Background(), plaza.QueryCommunityListRequest{}); err != nil {
		t.Fatalf("minted token refused: %v", err)
	}
}

func TestRestartKeepsState(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServer(t, dir)
	ctx := context.Background()
	a := s.client(t, "alice")
	if _, err := a.CreateCommunity(ctx, plaza.CreateCommunityRequest{CommunityID: "kept", CommunityName: "Kept"}); err != nil {
		t.Fatal(err)
	}
	app := s.App
	s.stop(t)

	s2 := startServer(t, dir)
	if s2.App != app {
		t.Fatalf("restart changed the development app: %+v, was %+v", s2.App, app)
	}
	if strings.Contains(s2.Stdout.String(), "Created the development app") {
		t.Fatal("restart created a second development app")
	}
	a2 := client.New(s2.URL, s2.token(t, "alice"))
	info, err := a2.QueryCommunityInfo(ctx, plaza.CommunityRequest{CommunityID: "kept"})
	if err != nil || info.CommunityInfo.CommunityName != "Kept" {
		t.Fatalf("community after restart: %+v, %v", info, err)
	}
}

// TestCommunityRolesOverHTTPAndGateway is the scenario with two users,
// over real HTTP and WebSocket.
func TestCommunityRolesOverHTTPAndGateway(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	ctx := context.Background()
	a, b, c := s.client(t, "alice"), s.client(t, "bob"), s.client(t, "carol")
	aConn, bConn := connect(t, a), connect(t, b)

	if _, err := a.CreateCommunity(ctx, plaza.CreateCommunityRequest{CommunityID: "hikers", CommunityName: "Hikers"}); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, aConn, plaza.EventCommunityListChanged, time.Second) // A's own devices learn of it

	start := time.Now()
	if _, err := a.InviteUsersIntoCommunity(ctx, plaza.UserIDsRequest{CommunityID: "hikers", UserIDs: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	var added plaza.CommunityListChangedEvent
	if err := waitEvent(t, bConn, plaza.EventCommunityListChanged, time.Second).Decode(&added); err != nil {
		t.Fatal(err)
	}
	if got := added.ChangeInfoList[0]; got.Action != plaza.ListAdded || got.Community.CommunityID != "hikers" {
		t.Fatalf("B got %+v, want hikers added", got)
	}
	var entered plaza.CommunityMemberStateChangedEvent
	if err := waitEvent(t, aConn, plaza.EventCommunityMemberStateChanged, time.Second).Decode(&entered); err != nil {
		t.Fatal(err)
	}
	if ch := entered.ChangeInfoList[0]; ch.State != plaza.MemberEntered || ch.Action != plaza.MemberInvited || ch.MemberInfo.UserID != "bob" {
		t.Fatalf("A got %+v, want bob entered by invitation", ch)
	}
	t.Logf("both events within %s", time.Since(start))

	_, err := b.UpdateCommunityName(ctx, plaza.UpdateCommunityNameRequest{CommunityID: "hikers", CommunityName: "Bob's"})
	wantAPIError(t, err, http.StatusForbidden, plaza.EPermissionDenied)

	if _, err := a.UpdateCommunityMemberRole(ctx, plaza.UpdateCommunityMemberRoleRequest{CommunityID: "hikers", ForUserID: "bob", MemberRole: plaza.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	var roleEv plaza.CommunityMemberInfoUpdatedEvent
	if err := waitEvent(t, bConn, plaza.EventCommunityMemberInfoUpdated, time.Second).Decode(&roleEv); err != nil {
		t.Fatal(err)
	}
	if m := roleEv.UpdateInfoList[0].MemberInfo; m.UserID != "bob" || m.MemberRole != plaza.RoleAdmin {
		t.Fatalf("role event %+v", m)
	}

	// As admin, B kicks a member but not the owner.
	if _, err := a.InviteUsersIntoCommunity(ctx, plaza.UserIDsRequest{CommunityID: "hikers", UserIDs: []string{"carol"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.KickCommunityMembers(ctx, plaza.UserIDsRequest{CommunityID: "hikers", UserIDs: []string{"carol"}}); err != nil {
		t.Fatalf("admin kicking a member: %v", err)
	}
	_, err = c.QueryCommunityInfo(ctx, plaza.CommunityRequest{CommunityID: "hikers"})
	wantAPIError(t, err, http.StatusForbidden, plaza.ENotMember)
	_, err = b.KickCommunityMembers(ctx, plaza.UserIDsRequest{CommunityID: "hikers", UserIDs: []string{"alice"}})
	wantAPIError(t, err, http.StatusForbidden, plaza.ERoleNotLower)

	_, err = a.LeaveCommunity(ctx, plaza.CommunityRequest{CommunityID: "hikers"})
	wantAPIError(t, err, http.StatusConflict, plaza.EOwnerCannotLeave)

	if _, err := a.TransferCommunityOwner(ctx, plaza.TransferCommunityOwnerRequest{CommunityID: "hikers", ToUserID: "bob"}); err != nil {
		t.Fatal(err)
	}
	members, err := b.QueryCommunityMembers(ctx, plaza.UserIDsRequest{CommunityID: "hikers", UserIDs: []string{"alice", "bob"}})
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]plaza.Role{}
	for _, m := range members.MemberList {
		roles[m.UserID] = m.MemberRole
	}
	if roles["alice"] != plaza.RoleMember || roles["bob"] != plaza.RoleOwner {
		t.Fatalf("after transfer: %v, want alice member and bob owner", roles)
	}
	// Now A may leave, and its sessions hear nothing more from the community.
	if _, err := a.LeaveCommunity(ctx, plaza.CommunityRequest{CommunityID: "hikers"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.UpdateCommunityNotice(ctx, plaza.UpdateCommunityNoticeRequest{CommunityID: "hikers", CommunityNotice: "new"}); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, bConn, plaza.EventCommunityInfoUpdated, time.Second)
	noEvent(t, aConn, plaza.EventCommunityInfoUpdated, 300*time.Millisecond)
}

func TestGatewayRequests(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	ctx := context.Background()
	conn := connect(t, s.client(t, "alice"))
	if r := conn.Ready(); r.UserID != "alice" || r.AppID != s.App.AppID || r.SessionID == "" {
		t.Fatalf("ready %+v", r)
	}
	var created plaza.CommunityInfoResult
	if err := conn.Do(ctx, "createCommunity", plaza.CreateCommunityRequest{CommunityID: "gw", CommunityName: "Gateway"}, &created); err != nil {
		t.Fatal(err)
	}
	if created.CommunityInfo.CommunityID != "gw" {
		t.Fatalf("created %+v", created)
	}
	// Errors travel as the same object as over HTTP.
	err := conn.Do(ctx, "createCommunity", plaza.CreateCommunityRequest{CommunityID: "gw"}, nil)
	var pe *plaza.Error
	if !asError(err, &pe) || pe.Code != plaza.ECommunityExists {
		t.Fatalf("duplicate create over the gateway: %v", err)
	}
	err = conn.Do(ctx, "noSuchOperation", struct{}{}, nil)
	if !asError(err, &pe) || pe.Code != plaza.EUnknownOperation {
		t.Fatalf("unknown operation: %v", err)
	}
	err = conn.Do(ctx, "createCommunity", map[string]any{"communityID": "x", "bogus": 1}, nil)
	if !asError(err, &pe) || pe.Code != plaza.EInvalidArgument || pe.Field != "bogus" {
		t.Fatalf("unknown field: %v", err)
	}
	// The session's next ready lists the community.
	conn2 := connect(t, client.New(s.URL, s.token(t, "alice")))
	if l := conn2.Ready().CommunityList; len(l) != 1 || l[0].CommunityID != "gw" || l[0].MemberRole != plaza.RoleOwner {
		t.Fatalf("ready community list %+v", l)
	}
}

func asError(err error, target **plaza.Error) bool {
	pe, ok := err.(*plaza.Error)
	if ok {
		*target = pe
	}
	return ok
}

func TestTokensRefused(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	ctx := context.Background()
	now := time.Now()
	expired, _ := plaza.MintToken(s.App.ServerSecret, s.App.AppID, "alice", now.Add(-2*time.Hour), time.Hour)
	otherSecret, _ := plaza.MintToken("0123456789abcdef0123456789abcdef", s.App.AppID, "alice", now, time.Hour)
	otherApp, _ := plaza.MintToken(s.App.ServerSecret, "4000000000", "alice", now, time.Hour)
	tests := []struct {
		name, token string
		code        plaza.Code
	}{
		{"garbage", "not-a-token", plaza.ETokenInvalid},
		{"expired", expired, plaza.ETokenExpired},
		{"another secret", otherSecret, plaza.ETokenInvalid},
		{"another app", otherApp, plaza.ETokenInvalid},
		{"none", "", plaza.ETokenInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := client.New(s.URL, tt.token)
			_, err := c.QueryCommunityList(ctx, plaza.QueryCommunityListRequest{})
			wantAPIError(t, err, http.StatusUnauthorized, tt.code)

			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			_, err = c.Connect(cctx)
			pe, ok := err.(*plaza.Error)
			if !ok || pe.Code != tt.code || pe.Code.Number() != map[plaza.Code]int{plaza.ETokenInvalid: 6000103, plaza.ETokenExpired: 6000106}[tt.code] {
				t.Fatalf("identify gave %v, want %s", err, tt.code)
			}
		})
	}
}

func TestGracefulShutdownClosesSessions(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := s.client(t, "alice").Connect(ctx, client.WithoutReconnect())
	if err != nil {
		t.Fatal(err)
	}
	s.stop(t)
	select {
	case <-conn.Events():
	case <-time.After(5 * time.Second):
		t.Fatal("session still open after shutdown")
	}
	for range conn.Events() {
	}
	ce, ok := conn.Err().(*client.CloseError)
	if !ok || ce.Code != 1001 {
		t.Fatalf("session ended with %v, want close code 1001 (going away)", conn.Err())
	}
}

func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	resp, err := http.Get(s.URL + "/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		OpenAPI string `json:"openapi"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("openapi.json: %q %v", doc.OpenAPI, err)
	}
	_ = filepath.Join
}
