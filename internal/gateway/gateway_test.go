package gateway

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"go.uber.org/goleak"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/plazatest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testGateway is a gateway over a real service, served by httptest.
type testGateway struct {
	env *plazatest.Env
	gw  *Gateway
	url string
}

func newTestGateway(tb testing.TB, o Options) *testGateway {
	tb.Helper()
	return newTestGatewayEnv(tb, o, plazatest.Options{})
}

func newTestGatewayEnv(tb testing.TB, o Options, eo plazatest.Options) *testGateway {
	tb.Helper()
	return newTestGatewayOn(tb, plazatest.New(tb, eo), o)
}

// newTestGatewayOn starts a gateway on env's service, and on env's bus
// unless o names one.
func newTestGatewayOn(tb testing.TB, env *plazatest.Env, o Options) *testGateway {
	tb.Helper()
	o.Service = env.Service
	if o.Bus == nil {
		o.Bus = env.Bus
	}
	gw := New(o)
	srv := httptest.NewServer(gw)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		gw.Close(ctx)
		srv.Close()
	})
	return &testGateway{env: env, gw: gw, url: "ws" + strings.TrimPrefix(srv.URL, "http")}
}

// rawConn is a minimal protocol client that sends and reads frames as told.
type rawConn struct {
	tb      testing.TB
	conn    net.Conn
	rd      *wsutil.Reader
	backlog []Frame // read while waiting for a reply, not yet returned
}

func (g *testGateway) dial(tb testing.TB) *rawConn {
	tb.Helper()
	conn, br, _, err := ws.Dial(context.Background(), g.url)
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	tb.Cleanup(func() { conn.Close() })
	var src io.Reader = conn
	if br != nil {
		src = br
	}
	c := &rawConn{tb: tb, conn: conn, rd: &wsutil.Reader{Source: src, State: ws.StateClientSide}}
	if f := c.read(); f.Op != OpHello {
		tb.Fatalf("first frame %+v, want hello", f)
	}
	return c
}

// identified dials and identifies as userID.
func (g *testGateway) identified(tb testing.TB, userID string) *rawConn {
	tb.Helper()
	c := g.dial(tb)
	c.send(Frame{Op: OpIdentify, D: mustJSON(Identify{Token: g.env.Token(tb, userID)})})
	if f := c.read(); f.Op != OpReady {
		tb.Fatalf("identify answered %+v, want ready", f)
	}
	return c
}

func (c *rawConn) send(f Frame) {
	c.tb.Helper()
	c.sendRaw(ws.OpText, encodeFrame(f))
}

func (c *rawConn) sendRaw(op ws.OpCode, b []byte) {
	c.tb.Helper()
	if err := wsutil.WriteClientMessage(c.conn, op, b); err != nil {
		c.tb.Fatalf("send: %v", err)
	}
}

// read returns the next frame; a close frame comes back as op "close" with
// the code in S.
func (c *rawConn) read() Frame {
	c.tb.Helper()
	f, err := c.next(5 * time.Second)
	if err != nil {
		c.tb.Fatalf("read: %v", err)
	}
	return f
}

func (c *rawConn) next(d time.Duration) (Frame, error) {
	if len(c.backlog) > 0 {
		f := c.backlog[0]
		c.backlog = c.backlog[1:]
		return f, nil
	}
	c.conn.SetReadDeadline(time.Now().Add(d))
	for {
		hdr, err := c.rd.NextFrame()
		if err != nil {
			return Frame{}, err
		}
		payload, err := io.ReadAll(c.rd)
		if err != nil {
			return Frame{}, err
		}
		switch hdr.OpCode {
		case ws.OpClose:
			code, reason := ws.ParseCloseFrameData(payload)
			return Frame{Op: "close", S: int64(code), T: reason}, nil
		case ws.OpText:
			var f Frame
			if err := json.Unmarshal(payload, &f); err != nil {
				return Frame{}, err
			}
			return f, nil
		}
	}
}

// closedWith reads until the close frame and checks its code.
func (c *rawConn) closedWith(code int) []Frame {
	c.tb.Helper()
	var before []Frame
	for {
		f := c.read()
		if f.Op == "close" {
			if int(f.S) != code {
				c.tb.Fatalf("closed with %d %q, want %d (frames before: %+v)", f.S, f.T, code, before)
			}
			return before
		}
		before = append(before, f)
	}
}

// request sends a request and returns its reply; frames that come first
// are kept for read.
func (c *rawConn) request(id, op string, body any) Frame {
	c.tb.Helper()
	c.send(Frame{Op: OpRequest, ID: id, T: op, D: mustJSON(body)})
	var skipped []Frame
	defer func() { c.backlog = append(c.backlog, skipped...) }()
	for {
		f := c.read()
		if f.Op == OpReply && f.ID == id {
			return f
		}
		skipped = append(skipped, f)
	}
}

func TestHandshake(t *testing.T) {
	t.Parallel()
	g := newTestGateway(t, Options{HeartbeatInterval: 12 * time.Second})
	c := g.dial(t)
	c.send(Frame{Op: OpHeartbeat})
	if f := c.read(); f.Op != OpHeartbeatAck {
		t.Fatalf("heartbeat answered %+v", f)
	}
	c.send(Frame{Op: OpIdentify, D: mustJSON(Identify{Token: g.env.Token(t, "amy"), ProtocolVersion: 1})})
	f := c.read()
	var r Ready
	if f.Op != OpReady || json.Unmarshal(f.D, &r) != nil {
		t.Fatalf("got %+v, want ready", f)
	}
	if r.UserID != "amy" || r.AppID != g.env.App.AppID || r.HeartbeatInterval != 12000 || r.TokenExpiresAt == 0 || r.CommunityList == nil {
		t.Fatalf("ready %+v", r)
	}
	reply := c.request("1", "createCommunity", plaza.CreateCommunityRequest{CommunityID: "c1"})
	if reply.Error != nil || reply.T != "createCommunity" {
		t.Fatalf("reply %+v", reply)
	}
	// The creator's session learns of it as a dispatch with s = 1.
	for {
		f := c.read()
		if f.Op == OpDispatch {
			if f.T != plaza.EventCommunityListChanged || f.S != 1 {
				t.Fatalf("dispatch %+v", f)
			}
			break
		}
	}
}

func TestCloseCodes(t *testing.T) {
	t.Parallel()
	g := newTestGateway(t, Options{IdentifyTimeout: 300 * time.Millisecond, MaxFrameBytes: 4096})
	tests := []struct {
		name string
		act  func(c *rawConn)
		code int
		err  plaza.Code // the error frame sent before closing, if any
	}{
		{"request before identify", func(c *rawConn) { c.send(Frame{Op: OpRequest, ID: "1", T: "queryCommunityList"}) }, CloseNotIdentified, ""},
		{"no identify in time", func(c *rawConn) {}, CloseNotIdentified, ""},
		{"not JSON", func(c *rawConn) { c.sendRaw(ws.OpText, []byte("{nope")) }, CloseDecodeError, ""},
		{"unknown op", func(c *rawConn) { c.send(Frame{Op: "dance"}) }, CloseDecodeError, ""},
		{"binary frame", func(c *rawConn) { c.sendRaw(ws.OpBinary, []byte("{}")) }, CloseUnsupportedData, ""},
		{"frame too large", func(c *rawConn) { c.sendRaw(ws.OpText, []byte(`"`+strings.Repeat("a", 5000)+`"`)) }, CloseTooBig, ""},
		{"bad token", func(c *rawConn) { c.send(Frame{Op: OpIdentify, D: mustJSON(Identify{Token: "x.y.z"})}) }, CloseAuthFailed, plaza.ETokenInvalid},
		{"unknown identify field", func(c *rawConn) { c.send(Frame{Op: OpIdentify, D: json.RawMessage(`{"token":"x","extra":1}`)}) }, CloseDecodeError, plaza.EInvalidArgument},
		{"bad version", func(c *rawConn) {
			c.send(Frame{Op: OpIdentify, D: mustJSON(Identify{Token: g.env.Token(t, "amy"), ProtocolVersion: 9})})
		}, CloseBadVersion, plaza.EInvalidArgument},
		{"client closes", func(c *rawConn) { c.sendRaw(ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, "bye")) }, CloseNormal, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := g.dial(t)
			tt.act(c)
			before := c.closedWith(tt.code)
			if tt.err != "" {
				if len(before) == 0 || before[len(before)-1].Op != OpError || before[len(before)-1].Error.Code != tt.err {
					t.Fatalf("frames before close %+v, want an error frame with %s", before, tt.err)
				}
			}
		})
	}
	t.Run("second identify", func(t *testing.T) {
		t.Parallel()
		c := g.identified(t, "ben")
		c.send(Frame{Op: OpIdentify, D: mustJSON(Identify{Token: g.env.Token(t, "ben")})})
		c.closedWith(CloseAlreadyIdent)
	})
}

func TestHeartbeatDeadline(t *testing.T) {
	t.Parallel()
	g := newTestGateway(t, Options{HeartbeatInterval: 200 * time.Millisecond})
	silent := g.identified(t, "amy")
	beating := g.identified(t, "ben")
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				wsutil.WriteClientMessage(beating.conn, ws.OpText, encodeFrame(Frame{Op: OpHeartbeat}))
			}
		}
	}()
	start := time.Now()
	silent.closedWith(CloseHeartbeatMissed)
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Fatalf("closed after %s, before 1.5 intervals", d)
	}
	time.Sleep(500 * time.Millisecond)
	close(stop)
	<-done
	// The beating session is still open: a request is answered.
	if r := beating.request("1", "queryCommunityList", struct{}{}); r.Error != nil {
		t.Fatalf("beating session: %+v", r)
	}
}

func TestKickedMemberReceivesNothingMore(t *testing.T) {
	t.Parallel()
	g := newTestGateway(t, Options{})
	ctx := context.Background()
	us := g.env.Users(t, "owner", "bob")
	owner := us[0]
	if _, err := g.env.Service.CreateCommunity(ctx, owner, plaza.CreateCommunityRequest{CommunityID: "club"}); err != nil {
		t.Fatal(err)
	}
	if _, err := g.env.Service.InviteUsersIntoCommunity(ctx, owner, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	o, b := g.identified(t, "owner"), g.identified(t, "bob")
	if got := g.gw.Stats(); got.Communities != 1 || got.Users != 2 {
		t.Fatalf("stats %+v: want one subscription for the community shared by two users", got)
	}
	if _, err := g.env.Service.KickCommunityMembers(ctx, owner, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := g.env.Service.UpdateCommunityNotice(ctx, owner, plaza.UpdateCommunityNoticeRequest{CommunityID: "club", CommunityNotice: "secret plans"}); err != nil {
		t.Fatal(err)
	}
	// The owner sees the kick and the notice; bob sees only his removal.
	for seen := map[string]bool{}; !seen[plaza.EventCommunityInfoUpdated]; {
		f := o.read()
		seen[f.T] = true
	}
	var bobs []string
	for {
		f, err := b.next(500 * time.Millisecond)
		if err != nil {
			break
		}
		bobs = append(bobs, f.T)
		if strings.Contains(string(f.D), "secret plans") {
			t.Fatalf("kicked member received %s", f.D)
		}
	}
	if len(bobs) != 1 || bobs[0] != plaza.EventCommunityListChanged {
		t.Fatalf("bob received %v, want only communityListChanged", bobs)
	}
}

func TestDismissUnsubscribes(t *testing.T) {
	t.Parallel()
	g := newTestGateway(t, Options{})
	ctx := context.Background()
	owner := g.env.Users(t, "owner")[0]
	c := g.identified(t, "owner")
	if _, err := g.env.Service.CreateCommunity(ctx, owner, plaza.CreateCommunityRequest{CommunityID: "club"}); err != nil {
		t.Fatal(err)
	}
	c.read() // communityListChanged: added
	if got := g.gw.Stats().Communities; got != 1 {
		t.Fatalf("%d subscriptions after create, want 1", got)
	}
	if _, err := g.env.Service.DismissCommunity(ctx, owner, plaza.CommunityRequest{CommunityID: "club"}); err != nil {
		t.Fatal(err)
	}
	if f := c.read(); f.T != plaza.EventCommunityListChanged || !strings.Contains(string(f.D), `"action":1`) {
		t.Fatalf("dismiss dispatch %+v", f)
	}
	if got := g.gw.Stats().Communities; got != 0 {
		t.Fatalf("%d subscriptions after dismiss, want 0", got)
	}
}

func TestTokenRenewal(t *testing.T) {
	t.Parallel()
	g := newTestGateway(t, Options{TokenWarning: 2 * time.Second})
	mint := func(ttl time.Duration) string {
		tok, err := plaza.MintToken(g.env.App.Secrets[0].Secret, g.env.App.AppID, "amy", time.Now(), ttl)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	open := func() *rawConn {
		c := g.dial(t)
		c.send(Frame{Op: OpIdentify, D: mustJSON(Identify{Token: mint(3 * time.Second)})})
		if f := c.read(); f.Op != OpReady {
			t.Fatalf("got %+v", f)
		}
		return c
	}
	renewing, lapsing := open(), open()

	if f := renewing.read(); f.T != EventTokenWillExpire {
		t.Fatalf("got %+v, want tokenWillExpire", f)
	}
	r := renewing.request("r", "renewToken", RenewToken{Token: mint(time.Hour)})
	if r.Error != nil {
		t.Fatalf("renewToken: %+v", r.Error)
	}
	other, _ := plaza.MintToken(g.env.App.Secrets[0].Secret, g.env.App.AppID, "eve", time.Now(), time.Hour)
	if r := renewing.request("s", "renewToken", RenewToken{Token: other}); r.Error == nil || r.Error.Code != plaza.ETokenInvalid {
		t.Fatalf("renewing with another user's token: %+v", r)
	}

	frames := lapsing.closedWith(CloseTokenExpired)
	var names []string
	for _, f := range frames {
		names = append(names, f.T)
	}
	if strings.Join(names, ",") != EventTokenWillExpire+","+EventKickedOut {
		t.Fatalf("lapsing session got %v before closing", names)
	}
	// The renewed session outlives its first token.
	if r := renewing.request("q", "queryCommunityList", struct{}{}); r.Error != nil {
		t.Fatalf("renewed session: %+v", r.Error)
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	g := newTestGateway(t, Options{RequestRate: 1, RequestBurst: 3})
	c := g.identified(t, "amy")
	limited := 0
	for i := range 6 {
		r := c.request(string(rune('a'+i)), "queryCommunityList", struct{}{})
		if r.Error != nil && r.Error.Code == plaza.ERateLimited {
			limited++
		}
	}
	if limited < 2 {
		t.Fatalf("%d of 6 rapid requests were limited with a burst of 3", limited)
	}
}

// TestQueueOverflow drives a connection whose peer does not read (a pipe,
// which holds nothing) until its bounded queue overflows.
func TestQueueOverflow(t *testing.T) {
	t.Parallel()
	g := New(Options{SendQueue: 8, WriteTimeout: time.Second})
	defer g.Close(context.Background())
	server, peer := net.Pipe()
	defer peer.Close()
	c := &conn{g: g, nc: server, ctx: context.Background(), flushed: make(chan struct{})}
	s := &session{g: g, id: "s", c: c}
	d := newDispatch("x", []byte(`{}`))
	for range 20 {
		s.send(d)
	}
	c.mu.Lock()
	closing, queued, code := c.closing, len(c.queue), c.code
	c.mu.Unlock()
	if !closing || queued > 9 || code != CloseQueueOverflow {
		t.Fatalf("closing=%v (code %d) with %d queued, want closed with 4006 and at most the limit plus the close frame", closing, code, queued)
	}
	if g.Stats().Overflows != 1 {
		t.Fatalf("overflows %d", g.Stats().Overflows)
	}
	// The session kept every dispatch for a resume.
	if len(s.ring) != 20 || s.seq != 20 {
		t.Fatalf("ring holds %d, seq %d; want 20 and 20", len(s.ring), s.seq)
	}
	// The peer, reading at last, finds the close code after the queued frames.
	rd := &wsutil.Reader{Source: peer, State: ws.StateClientSide}
	peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		hdr, err := rd.NextFrame()
		if err != nil {
			t.Fatalf("no close frame: %v", err)
		}
		b, _ := io.ReadAll(rd)
		if hdr.OpCode == ws.OpClose {
			if code, _ := ws.ParseCloseFrameData(b); code != CloseQueueOverflow {
				t.Fatalf("close code %d, want %d", code, CloseQueueOverflow)
			}
			break
		}
	}
	<-c.flushed
	if !resumableClose(true, CloseQueueOverflow) {
		t.Fatal("a queue overflow must leave the session resumable")
	}
}
