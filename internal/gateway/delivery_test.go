package gateway

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/plazatest"
)

func relaxedSpec() *plaza.Spec {
	spec := plaza.DefaultSpec()
	spec.SendIntervalMillis = 0
	spec.SendsPerSecond = 10_000
	spec.CommunityTips = false
	return &spec
}

// setupClub makes community "club" owned by "owner" with members.
func setupClub(tb testing.TB, g *testGateway, members ...string) plaza.Actor {
	tb.Helper()
	ctx := context.Background()
	owner := g.env.Users(tb, append([]string{"owner"}, members...)...)[0]
	if _, err := g.env.Service.CreateCommunity(ctx, owner, plaza.CreateCommunityRequest{CommunityID: "club"}); err != nil {
		tb.Fatal(err)
	}
	if len(members) > 0 {
		if _, err := g.env.Service.InviteUsersIntoCommunity(ctx, owner, plaza.UserIDsRequest{CommunityID: "club", UserIDs: members}); err != nil {
			tb.Fatal(err)
		}
	}
	return owner
}

func (g *testGateway) send(tb testing.TB, a plaza.Actor, channel string, content plaza.MessageContent) plaza.Message {
	tb.Helper()
	res, err := g.env.Service.SendMessage(context.Background(), a, plaza.SendMessageRequest{CommunityID: "club", ChannelID: channel, Message: content})
	if err != nil {
		tb.Fatal(err)
	}
	return res.Message
}

// received collects the dispatches that arrive within d.
func (c *rawConn) received(d time.Duration) []Frame {
	var out []Frame
	deadline := time.Now().Add(d)
	for {
		f, err := c.next(time.Until(deadline))
		if err != nil {
			return out
		}
		out = append(out, f)
	}
}

func names(fs []Frame) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.T)
	}
	return strings.Join(out, ",")
}

func TestPrivateChannelDelivery(t *testing.T) {
	t.Parallel()
	g := newTestGatewayEnv(t, Options{}, plazatest.Options{Spec: relaxedSpec()})
	ctx := context.Background()
	owner := setupClub(t, g, "in", "out")
	svc := g.env.Service
	if _, err := svc.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "secret", ChannelType: new(plaza.ChannelPrivate)}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddCommunityChannelMembers(ctx, owner, plaza.ChannelMembersRequest{CommunityID: "club", ChannelID: "secret", UserIDs: []string{"in"}}); err != nil {
		t.Fatal(err)
	}
	in, out := g.identified(t, "in"), g.identified(t, "out")

	g.send(t, owner, "secret", plaza.MessageContent{Type: plaza.MessageText, Message: "for in"})
	g.send(t, owner, plaza.GeneralChannelID, plaza.MessageContent{Type: plaza.MessageText, Message: "for all"})
	if got := names(in.received(300 * time.Millisecond)); got != "messageReceived,messageReceived" {
		t.Fatalf("in received %s", got)
	}
	for _, f := range out.received(300 * time.Millisecond) {
		if strings.Contains(string(f.D), "for in") {
			t.Fatalf("out received a private message: %s", f.D)
		}
	}

	// Removed from the channel, in receives nothing more from it.
	if _, err := svc.RemoveCommunityChannelMembers(ctx, owner, plaza.ChannelMembersRequest{CommunityID: "club", ChannelID: "secret", UserIDs: []string{"in"}}); err != nil {
		t.Fatal(err)
	}
	g.send(t, owner, "secret", plaza.MessageContent{Type: plaza.MessageText, Message: "not for in any more"})
	for _, f := range in.received(time.Second) {
		if strings.Contains(string(f.D), "not for in") {
			t.Fatalf("a removed member received %s", f.D)
		}
	}
}

func TestPassiveCommunities(t *testing.T) {
	t.Parallel()
	g := newTestGatewayEnv(t, Options{HeadsInterval: 100 * time.Millisecond}, plazatest.Options{Spec: relaxedSpec(), PassiveThreshold: 3})
	owner := setupClub(t, g, "active", "passive", "named")
	active, passive, named := g.identified(t, "active"), g.identified(t, "passive"), g.identified(t, "named")
	if r := active.request("a", "setActiveCommunities", SetActiveCommunities{CommunityIDs: []string{"club"}}); r.Error != nil {
		t.Fatal(r.Error)
	}
	m := g.send(t, owner, plaza.GeneralChannelID, plaza.MessageContent{Type: plaza.MessageText, Message: "hi @named", MentionedUserIDs: []string{"named"}})

	if got := names(active.received(300 * time.Millisecond)); got != plaza.EventMessageReceived {
		t.Fatalf("the active session received %q", got)
	}
	// The mentioned session is passive: it gets the message in full, and
	// its channel's heads like any passive session.
	if got := names(named.received(300 * time.Millisecond)); !strings.HasPrefix(got, plaza.EventMessageReceived) {
		t.Fatalf("the mentioned session received %q", got)
	}
	fs := passive.received(400 * time.Millisecond)
	if names(fs) != EventChannelHeadsUpdated {
		t.Fatalf("the passive session received %q, want only channel heads", names(fs))
	}
	var heads ChannelHeadsUpdated
	json.Unmarshal(fs[0].D, &heads)
	if heads.CommunityID != "club" || len(heads.Heads) != 1 || heads.Heads[0].LastMessageSeq != m.MessageSeq {
		t.Fatalf("heads %+v", heads)
	}
	// Many messages make at most one heads frame per interval, not one per
	// message.
	start := time.Now()
	for range 20 {
		g.send(t, owner, plaza.GeneralChannelID, plaza.MessageContent{Type: plaza.MessageText, Message: "x"})
	}
	n := len(passive.received(150 * time.Millisecond))
	if intervals := int(time.Since(start)/(100*time.Millisecond)) + 1; n > intervals || n >= 20 {
		t.Fatalf("the passive session received %d frames for 20 messages in %d intervals", n, intervals)
	}
	if r := active.request("b", "setActiveCommunities", SetActiveCommunities{CommunityIDs: make([]string, MaxActiveCommunities+1)}); r.Error == nil {
		t.Fatal("too many active communities accepted")
	}
}

// drop cuts a connection without a close frame, as a network failure does.
func (c *rawConn) drop() { c.conn.Close() }

// lastSeq reads frames until the last dispatch already sent has arrived,
// and returns its seq.
func lastSeq(fs []Frame) int64 {
	var s int64
	for _, f := range fs {
		if f.Op == OpDispatch {
			s = f.S
		}
	}
	return s
}

func TestResume(t *testing.T) {
	t.Parallel()
	g := newTestGatewayEnv(t, Options{}, plazatest.Options{Spec: relaxedSpec()})
	owner := setupClub(t, g, "m")
	c := g.dial(t)
	c.send(Frame{Op: OpIdentify, D: mustJSON(Identify{Token: g.env.Token(t, "m")})})
	var ready Ready
	json.Unmarshal(c.read().D, &ready)
	g.send(t, owner, plaza.GeneralChannelID, plaza.MessageContent{Type: plaza.MessageText, Message: "before"})
	seen := lastSeq(c.received(200 * time.Millisecond))
	if seen != 1 {
		t.Fatalf("first dispatch seq %d", seen)
	}
	c.drop()
	time.Sleep(50 * time.Millisecond)
	for _, s := range []string{"one", "two", "three"} {
		g.send(t, owner, plaza.GeneralChannelID, plaza.MessageContent{Type: plaza.MessageText, Message: s})
	}

	c2 := g.dial(t)
	c2.send(Frame{Op: OpResume, D: mustJSON(Resume{SessionID: ready.SessionID, Seq: seen, Token: g.env.Token(t, "m")})})
	if f := c2.read(); f.Op != OpResumed {
		t.Fatalf("resume answered %+v", f)
	}
	fs := c2.received(300 * time.Millisecond)
	var texts []string
	for i, f := range fs {
		var e plaza.MessageListEvent
		json.Unmarshal(f.D, &e)
		texts = append(texts, e.MessageList[0].Message)
		if f.S != seen+int64(i)+1 {
			t.Fatalf("replayed dispatch %d has s %d", i, f.S)
		}
	}
	if strings.Join(texts, ",") != "one,two,three" {
		t.Fatalf("replayed %v", texts)
	}
	// Live dispatches continue the same sequence.
	g.send(t, owner, plaza.GeneralChannelID, plaza.MessageContent{Type: plaza.MessageText, Message: "live"})
	if f := c2.read(); f.S != seen+4 {
		t.Fatalf("live dispatch %+v", f)
	}
	if g.gw.Stats().Resumed != 1 {
		t.Fatalf("stats %+v", g.gw.Stats())
	}
}

// TestHeartbeatAcknowledges: a heartbeat carrying the last seq received
// frees the resume buffer up to it. A resume from that seq still replays
// what came after; a resume from before it can no longer be honoured.
func TestHeartbeatAcknowledges(t *testing.T) {
	t.Parallel()
	g := newTestGatewayEnv(t, Options{}, plazatest.Options{Spec: relaxedSpec()})
	owner := setupClub(t, g, "m")
	open := func() (*rawConn, Ready) {
		c := g.dial(t)
		c.send(Frame{Op: OpIdentify, D: mustJSON(Identify{Token: g.env.Token(t, "m")})})
		var r Ready
		json.Unmarshal(c.read().D, &r)
		return c, r
	}
	sendTexts := func(texts ...string) {
		for _, s := range texts {
			g.send(t, owner, plaza.GeneralChannelID, plaza.MessageContent{Type: plaza.MessageText, Message: s})
		}
	}
	resume := func(r Ready, seq int64) (*rawConn, Frame) {
		c := g.dial(t)
		c.send(Frame{Op: OpResume, D: mustJSON(Resume{SessionID: r.SessionID, Seq: seq, Token: g.env.Token(t, "m")})})
		return c, c.read()
	}
	buffered := func(r Ready) int {
		g.gw.mu.Lock()
		s := g.gw.sessions[r.SessionID]
		g.gw.mu.Unlock()
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.ring)
	}

	t.Run("resume after the acknowledged seq", func(t *testing.T) {
		c, r := open()
		sendTexts("a", "b")
		acked := lastSeq(c.received(200 * time.Millisecond))
		c.send(Frame{Op: OpHeartbeat, D: mustJSON(Heartbeat{Seq: acked})})
		if f := c.read(); f.Op != OpHeartbeatAck {
			t.Fatalf("heartbeat answered %+v", f)
		}
		if n := buffered(r); n != 0 {
			t.Errorf("dispatches buffered after acknowledging all = %d, want 0", n)
		}
		c.drop()
		time.Sleep(50 * time.Millisecond)
		sendTexts("c")
		c2, f := resume(r, acked)
		if f.Op != OpResumed {
			t.Fatalf("resume from the acknowledged seq answered %+v, want resumed", f)
		}
		if got := lastSeq(c2.received(200 * time.Millisecond)); got != acked+1 {
			t.Errorf("replay ended at seq %d, want %d", got, acked+1)
		}
	})
	t.Run("resume before the acknowledged seq", func(t *testing.T) {
		c, r := open()
		sendTexts("d", "e")
		acked := lastSeq(c.received(200 * time.Millisecond))
		c.send(Frame{Op: OpHeartbeat, D: mustJSON(Heartbeat{Seq: acked})})
		c.read()
		c.drop()
		time.Sleep(50 * time.Millisecond)
		if _, f := resume(r, acked-1); f.Op != OpResync {
			t.Fatalf("resume from before the acknowledged seq answered %+v, want resync", f)
		}
	})
	t.Run("a heartbeat without seq keeps the buffer", func(t *testing.T) {
		c, r := open()
		sendTexts("f")
		c.received(200 * time.Millisecond)
		c.send(Frame{Op: OpHeartbeat})
		c.read()
		if n := buffered(r); n == 0 {
			t.Error("a heartbeat without seq emptied the resume buffer")
		}
	})
}

func TestResumeFallsBackToResync(t *testing.T) {
	t.Parallel()
	g := newTestGatewayEnv(t, Options{ResumeWindow: 200 * time.Millisecond, ResumeBuffer: 2}, plazatest.Options{Spec: relaxedSpec()})
	owner := setupClub(t, g, "m", "eve")
	open := func() (*rawConn, Ready) {
		c := g.dial(t)
		c.send(Frame{Op: OpIdentify, D: mustJSON(Identify{Token: g.env.Token(t, "m")})})
		var r Ready
		json.Unmarshal(c.read().D, &r)
		return c, r
	}
	resume := func(r Ready, token string) Frame {
		c := g.dial(t)
		c.send(Frame{Op: OpResume, D: mustJSON(Resume{SessionID: r.SessionID, Seq: 0, Token: token})})
		f := c.read()
		if f.Op == OpResync {
			if next := c.read(); next.Op != OpReady {
				t.Fatalf("resync followed by %+v, want ready", next)
			}
		}
		return f
	}
	tests := []struct {
		name  string
		setup func(c *rawConn, r Ready) string // returns the token to resume with
	}{
		{"expired", func(c *rawConn, r Ready) string {
			c.drop()
			time.Sleep(400 * time.Millisecond)
			return g.env.Token(t, "m")
		}},
		{"beyond the buffer", func(c *rawConn, r Ready) string {
			c.drop()
			time.Sleep(50 * time.Millisecond)
			for range 4 {
				g.send(t, owner, plaza.GeneralChannelID, plaza.MessageContent{Type: plaza.MessageText, Message: "x"})
			}
			return g.env.Token(t, "m")
		}},
		{"another user's session", func(c *rawConn, r Ready) string {
			c.drop()
			return g.env.Token(t, "eve")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, r := open()
			token := tt.setup(c, r)
			if f := resume(r, token); f.Op != OpResync {
				t.Fatalf("resume answered %+v, want resync", f)
			}
		})
	}
}
