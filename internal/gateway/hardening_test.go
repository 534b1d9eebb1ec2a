package gateway

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/plazatest"
)

// identifyAsync sends identify for userID on a new connection without
// waiting for its answer.
func (g *testGateway) identifyAsync(tb testing.TB, userID string) *rawConn {
	tb.Helper()
	c := g.dial(tb)
	c.send(Frame{Op: OpIdentify, D: mustJSON(Identify{Token: g.env.Token(tb, userID)})})
	return c
}

// leaked reports the first frame within d that contains marker.
func leaked(c *rawConn, d time.Duration, marker string) (Frame, bool) {
	for _, f := range c.received(d) {
		if strings.Contains(string(f.D), marker) {
			return f, true
		}
	}
	return Frame{}, false
}

// TestRemovalRacingIdentify lands a membership change between the moment a
// new session's memberships are read and the moment it attaches, the window
// in which a stale read used to undo the change for good: the session must
// receive nothing of what it lost.
func TestRemovalRacingIdentify(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		channel string // where the owner writes after the change
		remove  func(ctx context.Context, svc *plaza.Service, owner plaza.Actor) error
	}{
		{"kicked from the community", plaza.GeneralChannelID, func(ctx context.Context, svc *plaza.Service, owner plaza.Actor) error {
			_, err := svc.KickCommunityMembers(ctx, owner, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"bob"}})
			return err
		}},
		{"removed from a private channel", "secret", func(ctx context.Context, svc *plaza.Service, owner plaza.Actor) error {
			_, err := svc.RemoveCommunityChannelMembers(ctx, owner, plaza.ChannelMembersRequest{CommunityID: "club", ChannelID: "secret", UserIDs: []string{"bob"}})
			return err
		}},
		{"demoted from admin", "secret", func(ctx context.Context, svc *plaza.Service, owner plaza.Actor) error {
			_, err := svc.UpdateCommunityMemberRole(ctx, owner, plaza.UpdateCommunityMemberRoleRequest{CommunityID: "club", ForUserID: "bob", MemberRole: plaza.RoleMember})
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := newTestGatewayEnv(t, Options{}, plazatest.Options{Spec: relaxedSpec()})
			ctx := context.Background()
			svc := g.env.Service
			owner := setupClub(t, g, "bob")
			if _, err := svc.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "secret", ChannelType: new(plaza.ChannelPrivate)}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.AddCommunityChannelMembers(ctx, owner, plaza.ChannelMembersRequest{CommunityID: "club", ChannelID: "secret", UserIDs: []string{"bob"}}); err != nil {
				t.Fatal(err)
			}
			if tc.name == "demoted from admin" {
				if _, err := svc.RemoveCommunityChannelMembers(ctx, owner, plaza.ChannelMembersRequest{CommunityID: "club", ChannelID: "secret", UserIDs: []string{"bob"}}); err != nil {
					t.Fatal(err)
				}
				if _, err := svc.UpdateCommunityMemberRole(ctx, owner, plaza.UpdateCommunityMemberRoleRequest{CommunityID: "club", ForUserID: "bob", MemberRole: plaza.RoleAdmin}); err != nil {
					t.Fatal(err)
				}
			}
			// The change lands right after bob's memberships were read, and
			// its events reach this node before bob's session attaches.
			var once sync.Once
			g.gw.afterRead = func() {
				once.Do(func() {
					if err := tc.remove(ctx, svc, owner); err != nil {
						t.Error(err)
					}
					time.Sleep(300 * time.Millisecond)
				})
			}
			bob := g.identifyAsync(t, "bob")
			for f := bob.read(); f.Op != OpReady; f = bob.read() {
			}
			g.send(t, owner, tc.channel, plaza.MessageContent{Type: plaza.MessageText, Message: "after the change"})
			if f, ok := leaked(bob, time.Second, "after the change"); ok {
				t.Fatalf("bob received %s %s after losing access", f.T, f.D)
			}
			// ... and it stays so across a resume.
			if g.gw.Stats().Users != 1 {
				t.Fatalf("stats %+v", g.gw.Stats())
			}
		})
	}
}

// lossyBus drops the events that carry grants, as a bus between nodes may
// lose any event.
type lossyBus struct {
	plaza.Bus
	mu   sync.Mutex
	drop bool
}

func (b *lossyBus) Subscribe(t plaza.Topic, h func(*plaza.Event)) (plaza.Subscription, error) {
	return b.Bus.Subscribe(t, func(e *plaza.Event) {
		b.mu.Lock()
		drop := b.drop && (len(e.Grants) > 0 || len(e.ChannelGrants) > 0)
		b.mu.Unlock()
		if !drop {
			h(e)
		}
	})
}

// TestRecheckRepairsLostRemoval loses the events of a kick on the way to
// this node: the periodic recheck of memberships stops the delivery all
// the same.
func TestRecheckRepairsLostRemoval(t *testing.T) {
	t.Parallel()
	for _, recheck := range []time.Duration{time.Second, -1} {
		env := plazatest.New(t, plazatest.Options{Spec: relaxedSpec()})
		bus := &lossyBus{Bus: env.Bus}
		g := newTestGatewayOn(t, env, Options{Bus: bus, MembershipRecheck: recheck})
		ctx := context.Background()
		owner := setupClub(t, g, "bob")
		bob := g.identified(t, "bob")
		bus.mu.Lock()
		bus.drop = true
		bus.mu.Unlock()
		if _, err := env.Service.KickCommunityMembers(ctx, owner, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"bob"}}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2500 * time.Millisecond) // more than a round of rechecks
		g.send(t, owner, plaza.GeneralChannelID, plaza.MessageContent{Type: plaza.MessageText, Message: "after the kick"})
		_, got := leaked(bob, time.Second, "after the kick")
		if recheck > 0 && got {
			t.Fatalf("recheck %s: the kicked member still receives the community's messages", recheck)
		}
		if recheck < 0 && !got {
			t.Fatal("without rechecks the lost kick should have left the member receiving: the test does not lose the event")
		}
	}
}

// TestQueueBoundedInBytes asks for large history pages and never reads: the
// connection is closed with 4006 once its queue holds more bytes than
// allowed, and the bytes are released.
func TestQueueBoundedInBytes(t *testing.T) {
	t.Parallel()
	spec := relaxedSpec()
	spec.TextMessageMaxBytes = 32 << 10
	g := newTestGatewayEnv(t, Options{SendQueueBytes: 1 << 20, RequestRate: 1000, RequestBurst: 1000}, plazatest.Options{Spec: spec})
	owner := setupClub(t, g, "slow")
	big := strings.Repeat("x", 30<<10)
	for range 40 {
		g.send(t, owner, plaza.GeneralChannelID, plaza.MessageContent{Type: plaza.MessageText, Message: big})
	}
	slow := g.identified(t, "slow")
	for i := range 200 {
		slow.send(Frame{Op: OpRequest, ID: string(rune('a' + i%26)), T: "queryHistoryMessage",
			D: mustJSON(map[string]any{"communityID": "club", "channelID": plaza.GeneralChannelID, "count": 40})})
	}
	waitFor(t, 10*time.Second, func() bool { return g.gw.Stats().Overflows == 1 })
	if q := g.gw.Stats().QueuedBytes; q > 1<<20+64<<10 {
		t.Fatalf("%d bytes queued, over the bound", q)
	}
	slow.conn.Close()
	waitFor(t, 15*time.Second, func() bool { return g.gw.Stats().QueuedBytes == 0 })
}

// TestUserQueueBound bounds what all the sessions of one user hold together.
func TestUserQueueBound(t *testing.T) {
	t.Parallel()
	g := New(Options{SendQueueBytes: 2000, UserQueueBytes: 1500, WriteTimeout: time.Second})
	defer g.Close(context.Background())
	lu := &localUser{}
	var conns []*conn
	for range 2 {
		server, peer := net.Pipe()
		t.Cleanup(func() { server.Close(); peer.Close() })
		c := &conn{g: g, nc: server, ctx: context.Background(), flushed: make(chan struct{}), user: lu}
		conns = append(conns, c)
	}
	frame := outFrame{raw: make([]byte, 600)}
	conns[0].enqueue(frame) // written at once? the peer never reads: it waits in the writer
	conns[1].enqueue(frame)
	conns[1].enqueue(frame) // 1,800 bytes for the user: over 1,500
	conns[1].mu.Lock()
	closing, code := conns[1].closing, conns[1].code
	conns[1].mu.Unlock()
	if !closing || code != CloseQueueOverflow {
		t.Fatalf("closing=%v code=%d; want the connection over the user's bound closed with 4006", closing, code)
	}
}

// TestSessionCap opens more sessions of one user than allowed: the oldest
// waiting for a resume goes first, then the oldest connected one, closed
// with 4011.
func TestSessionCap(t *testing.T) {
	t.Parallel()
	g := newTestGateway(t, Options{MaxUserSessions: 2})
	g.env.Users(t, "amy")
	first := g.identified(t, "amy")
	second := g.identified(t, "amy")
	second.drop() // waits for a resume
	waitFor(t, 5*time.Second, func() bool { return g.gw.Stats().Connections == 1 })
	g.identified(t, "amy")
	waitFor(t, 5*time.Second, func() bool { return g.gw.Stats().Sessions == 2 })
	if f, err := first.next(300 * time.Millisecond); err == nil {
		t.Fatalf("the connected session got %+v; the one waiting for a resume should have gone first", f)
	}
	g.identified(t, "amy")
	first.closedWith(CloseSessionLimit)
	if got := g.gw.Stats().Sessions; got != 2 {
		t.Fatalf("%d sessions, want 2", got)
	}
}

// TestIdentifyRate refuses identifies beyond a user's rate, and beyond an
// address's.
func TestIdentifyRate(t *testing.T) {
	t.Parallel()
	t.Run("user", func(t *testing.T) {
		t.Parallel()
		g := newTestGateway(t, Options{IdentifyRate: 0.1, AddressRate: -1})
		g.env.Users(t, "amy", "ben")
		for range 10 { // the burst
			g.identified(t, "amy").conn.Close()
		}
		c := g.identifyAsync(t, "amy")
		if fs := c.closedWith(CloseRateLimited); len(fs) != 0 {
			t.Fatalf("frames before the close: %+v", fs)
		}
		g.identified(t, "ben") // another user is not limited
		if g.gw.Stats().IdentifyLimited != 1 {
			t.Fatalf("stats %+v", g.gw.Stats())
		}
	})
	t.Run("address", func(t *testing.T) {
		t.Parallel()
		g := newTestGateway(t, Options{AddressRate: 0.5, IdentifyRate: -1})
		g.env.Users(t, "amy", "ben")
		for i := range 10 {
			g.identified(t, []string{"amy", "ben"}[i%2]).conn.Close()
		}
		g.identifyAsync(t, "ben").closedWith(CloseRateLimited)
	})
}

// TestRetiredSecretClosesSessions rotates an app's secret without grace: the
// sessions whose token the old secret signed are closed with 4010; those
// opened with the new secret stay.
func TestRetiredSecretClosesSessions(t *testing.T) {
	t.Parallel()
	g := newTestGateway(t, Options{})
	g.env.Users(t, "amy")
	old := g.identified(t, "amy")
	zero := int64(0)
	app, err := g.env.Service.RotateAppSecret(context.Background(), plaza.RotateAppSecretRequest{AppID: g.env.App.AppID, GraceSeconds: &zero})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := plaza.MintToken(app.Secrets[0].Secret, app.AppID, "amy", time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second) // the app cache's lifetime: identify sees the new secret
	fresh := g.dial(t)
	fresh.send(Frame{Op: OpIdentify, D: mustJSON(Identify{Token: tok})})
	if f := fresh.read(); f.Op != OpReady {
		t.Fatalf("identify with the new secret: %+v", f)
	}
	fs := old.closedWith(CloseSecretRetired)
	if len(fs) == 0 || fs[len(fs)-1].T != EventKickedOut {
		t.Fatalf("frames before the close: %s; want kickedOut", names(fs))
	}
	if f, err := fresh.next(1500 * time.Millisecond); err == nil && f.Op == "close" {
		t.Fatalf("the session on the new secret was closed: %+v", f)
	}
	if g.gw.Stats().SecretRetired != 1 {
		t.Fatalf("stats %+v", g.gw.Stats())
	}
}

// TestSecretCheckDuringIdentify runs the check of retired secrets while a
// session identifies, between the read of its memberships and its attach, as
// the periodic check can after a restart: the session, whose token is valid,
// must come out of it attached and receiving. It used to be seen without a
// token, ended, and attached all the same: connected, ready, and deaf.
func TestSecretCheckDuringIdentify(t *testing.T) {
	t.Parallel()
	g := newTestGateway(t, Options{})
	owner := setupClub(t, g, "bob")
	var once sync.Once
	g.gw.afterRead = func() { once.Do(g.gw.checkSecrets) }
	bob := g.identifyAsync(t, "bob")
	for f := bob.read(); f.Op != OpReady; f = bob.read() {
	}
	g.send(t, owner, plaza.GeneralChannelID, plaza.MessageContent{Type: plaza.MessageText, Message: "after identify"})
	if _, ok := leaked(bob, 2*time.Second, "after identify"); !ok {
		t.Fatal("the session identified during a check of secrets receives nothing")
	}
	if st := g.gw.Stats(); st.SecretRetired != 0 || st.Sessions != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// TestSessionEndedDuringIdentify ends a session between the read of its
// memberships and its attach (the server shutting down, its secret retired):
// it is refused rather than attached ended, and its user is forgotten.
func TestSessionEndedDuringIdentify(t *testing.T) {
	t.Parallel()
	g := newTestGateway(t, Options{})
	setupClub(t, g, "bob")
	var once sync.Once
	g.gw.afterRead = func() {
		once.Do(func() {
			g.gw.mu.Lock()
			var sessions []*session
			for _, s := range g.gw.sessions {
				sessions = append(sessions, s)
			}
			g.gw.mu.Unlock()
			for _, s := range sessions {
				s.end()
			}
		})
	}
	bob := g.identifyAsync(t, "bob")
	fs := bob.closedWith(CloseUnknownError)
	for _, f := range fs {
		if f.Op == OpReady {
			t.Fatalf("an ended session got ready: %s", names(fs))
		}
	}
	waitFor(t, 5*time.Second, func() bool { st := g.gw.Stats(); return st.Users == 0 && st.Sessions == 0 })
}

func waitFor(tb testing.TB, d time.Duration, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatal("condition not met in time")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNullRequestBody refuses a request whose payload is null, as HTTP
// refuses a null body; an absent one reads as {}.
func TestNullRequestBody(t *testing.T) {
	t.Parallel()
	g := newTestGateway(t, Options{})
	c := g.identified(t, "amy")
	c.sendRaw(ws.OpText, []byte(`{"op":"request","id":"n","t":"queryCommunityList","d":null}`))
	for {
		f := c.read()
		if f.Op != OpReply {
			continue
		}
		if f.Error == nil || f.Error.Code != plaza.EInvalidArgument {
			t.Fatalf("a null payload answered %+v", f)
		}
		break
	}
	c.sendRaw(ws.OpText, []byte(`{"op":"request","id":"e","t":"queryCommunityList"}`))
	for {
		f := c.read()
		if f.Op == OpReply {
			if f.Error != nil {
				t.Fatalf("an absent payload answered %+v", f.Error)
			}
			break
		}
	}
}

// TestOriginAllowList opens sessions from browser pages: a listed origin and
// the server's own pass, another is refused with origin_not_allowed.
func TestOriginAllowList(t *testing.T) {
	t.Parallel()
	g := New(Options{Origins: []string{"https://app.example"}})
	defer g.Close(context.Background())
	for _, tc := range []struct {
		origin, host string
		ok           bool
	}{
		{"", "plaza.example", true},
		{"https://app.example", "plaza.example", true},
		{"https://plaza.example", "plaza.example", true},
		{"http://127.0.0.1:8080", "127.0.0.1:8080", true},
		{"https://evil.example", "plaza.example", false},
		{"https://plaza.example.evil", "plaza.example", false},
	} {
		if got := g.originAllowed(tc.origin, tc.host); got != tc.ok {
			t.Errorf("origin %q on host %q: allowed %v, want %v", tc.origin, tc.host, got, tc.ok)
		}
	}
}
