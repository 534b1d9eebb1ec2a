// Package gateway serves Plaza's real-time WebSocket gateway at /v1/gateway
// (protocol in docs/gateway.md).
//
// Invariants a reader must not break:
//   - Every connection's queue is bounded (Options.SendQueue); a client that
//     cannot keep up is closed with CloseQueueOverflow, never allowed to grow.
//     Its session keeps the last Options.ResumeBuffer dispatches for resume.
//   - An event is encoded once, whatever the number of recipients; a session
//     adds only its sequence number.
//   - A node subscribes to a community's topic once, whatever the number of
//     its local sessions in it.
//   - Fan-out consults the node's view of memberships, which every event's
//     grants update before delivery: a member who left, was kicked, or was
//     removed from a private channel receives nothing more from it.
package gateway

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"

	"github.com/plazahq/plaza"
)

// Defaults of Options.
const (
	DefaultHeartbeatInterval = 30 * time.Second
	DefaultIdentifyTimeout   = 10 * time.Second
	DefaultMaxFrameBytes     = 1 << 20
	DefaultSendQueue         = 4096
	DefaultWriteTimeout      = 10 * time.Second
	DefaultRequestTimeout    = 30 * time.Second
	DefaultRequestRate       = 50 // per second and session
	DefaultRequestBurst      = 100
	DefaultUserRequestRate   = 100 // per second and user, all sessions together
	DefaultTokenWarning      = 30 * time.Second
	DefaultMaxInflight       = 256 // requests running at once on this node
	DefaultResumeWindow      = time.Minute
	DefaultResumeBuffer      = 2048
	DefaultHeadsInterval     = 3 * time.Second
	DefaultSendQueueBytes    = 16 << 20
	DefaultUserQueueBytes    = 64 << 20
	DefaultMaxUserSessions   = 32
	DefaultIdentifyRate      = 0.5 // per second and user, burst 10
	DefaultAddressRate       = 20  // identifies per second and address, burst 200
	DefaultMembershipRecheck = 2 * time.Minute
	// secretCheckInterval is how often sessions are checked against their
	// app's secrets, after a rotation or the end of a grace period.
	secretCheckInterval = time.Second
)

// Options configures a Gateway. Zero values take the defaults above.
type Options struct {
	Service *plaza.Service
	Bus     plaza.Bus
	Logger  *slog.Logger
	// HeartbeatInterval is how often a client must send a heartbeat; a
	// connection silent for 1.5 intervals is closed.
	HeartbeatInterval time.Duration
	IdentifyTimeout   time.Duration
	MaxFrameBytes     int64
	// SendQueue bounds the frames queued for one connection, SendQueueBytes
	// their size, and UserQueueBytes the size of what all of one user's
	// connections hold together. A connection past any of them is closed
	// with CloseQueueOverflow.
	SendQueue      int
	SendQueueBytes int64
	UserQueueBytes int64
	// MaxUserSessions bounds one user's sessions on this node, connected or
	// waiting for a resume; a new one beyond it ends the oldest (a waiting
	// one first), which is closed with CloseSessionLimit.
	MaxUserSessions int
	// IdentifyRate bounds a user's identifies and resumes per second (burst:
	// 20 times the rate, at least 10), AddressRate those of one remote
	// address (burst: 10 times the rate). A negative rate turns the limit
	// off. A refused one is closed with CloseRateLimited.
	IdentifyRate float64
	AddressRate  float64
	// MembershipRecheck is how long it takes to read again, spread over
	// time, the memberships of every user served here, repairing this node's
	// view when an event that changed them was lost between nodes. Negative:
	// never.
	MembershipRecheck time.Duration
	WriteTimeout      time.Duration
	RequestTimeout    time.Duration
	RequestRate       float64
	RequestBurst      int
	UserRate          float64
	TokenWarning      time.Duration
	MaxInflight       int
	// ResumeWindow is how long a session outlives a dropped connection;
	// ResumeBuffer how many of its last dispatches it keeps for the resume.
	ResumeWindow time.Duration
	ResumeBuffer int
	// HeadsInterval is how often passive sessions of large communities get
	// the coalesced heads of their channels.
	HeadsInterval time.Duration
	// Origins lists the Origin header values allowed to connect; empty allows
	// any. Requests without an Origin (non-browser clients) are always allowed.
	Origins []string
	// Observe, when set, is told of every request a session makes: its
	// operation ID, the error code it failed with ("" on success) and how
	// long it took.
	Observe func(operation string, code plaza.Code, elapsed time.Duration)
}

// Gateway is the WebSocket endpoint.
type Gateway struct {
	opts    Options
	log     *slog.Logger
	hub     *hub
	poll    *poller       // nil: every connection has a reader goroutine
	userIDs *keyedLimiter // identifies per user
	addrIDs *keyedLimiter // identifies per remote address
	// afterRead, when set by a test, runs between reading a new session's
	// memberships and attaching it.
	afterRead func()
	inflight  chan struct{}
	wg        sync.WaitGroup // connections and their requests
	metrics   metrics
	stages    stages
	stop      chan struct{}
	ticker    sync.WaitGroup

	mu       sync.Mutex
	conns    map[*conn]struct{}
	sessions map[string]*session
	closed   bool
}

type metrics struct {
	conns        atomic.Int64
	dispatched   atomic.Int64
	overflows    atomic.Int64
	resumed      atomic.Int64
	resynced     atomic.Int64
	identified   atomic.Int64
	refused      atomic.Int64 // identify or resume refused (token, version, limits)
	rateLimited  atomic.Int64 // requests refused for the request rate
	identLimited atomic.Int64 // identify or resume refused for the identify rate or session cap
	queuedBytes  atomic.Int64 // bytes queued on every connection now
	retired      atomic.Int64 // sessions closed because their signing secret was retired
}

// New returns a gateway. Close stops it.
func New(o Options) *Gateway {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.HeartbeatInterval, DefaultHeartbeatInterval)
	def(&o.IdentifyTimeout, DefaultIdentifyTimeout)
	def(&o.WriteTimeout, DefaultWriteTimeout)
	def(&o.RequestTimeout, DefaultRequestTimeout)
	def(&o.TokenWarning, DefaultTokenWarning)
	def(&o.ResumeWindow, DefaultResumeWindow)
	def(&o.HeadsInterval, DefaultHeadsInterval)
	if o.MaxFrameBytes <= 0 {
		o.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if o.SendQueue <= 0 {
		o.SendQueue = DefaultSendQueue
	}
	if o.SendQueueBytes <= 0 {
		o.SendQueueBytes = DefaultSendQueueBytes
	}
	if o.UserQueueBytes <= 0 {
		o.UserQueueBytes = DefaultUserQueueBytes
	}
	if o.MaxUserSessions <= 0 {
		o.MaxUserSessions = DefaultMaxUserSessions
	}
	if o.IdentifyRate == 0 {
		o.IdentifyRate = DefaultIdentifyRate
	}
	if o.AddressRate == 0 {
		o.AddressRate = DefaultAddressRate
	}
	if o.MembershipRecheck == 0 {
		o.MembershipRecheck = DefaultMembershipRecheck
	}
	if o.ResumeBuffer <= 0 {
		o.ResumeBuffer = DefaultResumeBuffer
	}
	if o.RequestRate <= 0 {
		o.RequestRate = DefaultRequestRate
	}
	if o.RequestBurst <= 0 {
		o.RequestBurst = DefaultRequestBurst
	}
	if o.UserRate <= 0 {
		o.UserRate = DefaultUserRequestRate
	}
	if o.MaxInflight <= 0 {
		o.MaxInflight = DefaultMaxInflight
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	g := &Gateway{
		opts:     o,
		log:      o.Logger,
		inflight: make(chan struct{}, o.MaxInflight),
		stop:     make(chan struct{}),
		conns:    make(map[*conn]struct{}),
		sessions: make(map[string]*session),
	}
	userRate, userBurst := o.UserRate, float64(2*o.RequestBurst)
	g.hub = newHub(o.Bus, o.Logger, func() *limiter { return newLimiter(userRate, userBurst, time.Now) })
	g.hub.stages = &g.stages
	g.userIDs = newKeyedLimiter(o.IdentifyRate, max(20*o.IdentifyRate, 10), 1<<20, time.Now)
	g.addrIDs = newKeyedLimiter(o.AddressRate, max(10*o.AddressRate, 10), 1<<20, time.Now)
	g.poll = newPoller()
	g.ticker.Add(2)
	go g.tick()
	go g.recheckLoop()
	return g
}

// tick sends coalesced channel heads to passive sessions, closes the
// sessions whose signing secret was retired and forgets idle rate limits,
// until Close.
func (g *Gateway) tick() {
	defer g.ticker.Done()
	heads := time.NewTicker(g.opts.HeadsInterval)
	defer heads.Stop()
	secrets := time.NewTicker(secretCheckInterval)
	defer secrets.Stop()
	sweep := time.NewTicker(time.Minute)
	defer sweep.Stop()
	expire := time.NewTicker(250 * time.Millisecond)
	defer expire.Stop()
	for {
		select {
		case <-g.stop:
			return
		case <-heads.C:
			g.hub.flushHeads()
		case <-secrets.C:
			g.checkSecrets()
		case <-sweep.C:
			g.userIDs.sweep()
			g.addrIDs.sweep()
		case now := <-expire.C:
			g.expire(now)
		}
	}
}

// expire closes the polled connections whose deadline passed without a
// frame (connections with a reader goroutine hold a read deadline).
func (g *Gateway) expire(now time.Time) {
	if g.poll == nil {
		return
	}
	g.mu.Lock()
	conns := make([]*conn, 0, len(g.conns))
	for c := range g.conns {
		if c.polled && now.UnixNano() >= c.deadline.Load() {
			conns = append(conns, c)
		}
	}
	g.mu.Unlock()
	for _, c := range conns {
		c.expire(now)
	}
}

// checkSecrets closes, with CloseSecretRetired, the sessions whose token no
// longer verifies because the secret that signed it was retired: a rotation
// without grace, or the end of a grace period. A session is checked once per
// change of its app's secrets.
func (g *Gateway) checkSecrets() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	g.mu.Lock()
	byApp := make(map[string][]*session)
	for _, s := range g.sessions {
		byApp[s.actor.AppID] = append(byApp[s.actor.AppID], s)
	}
	g.mu.Unlock()
	for appID, sessions := range byApp {
		v, err := g.opts.Service.SecretsVersion(ctx, appID)
		if err != nil {
			g.log.Warn("gateway: read app secrets", "app", appID, "err", err)
			continue
		}
		for _, s := range sessions {
			token, checked := s.credentials()
			if checked == v {
				continue
			}
			err := g.opts.Service.TokenValid(ctx, token)
			if plaza.ErrorCode(err) != plaza.ETokenInvalid {
				s.checkedSecrets(token, v) // valid, or expired: its own timer ends it
				continue
			}
			g.metrics.retired.Add(1)
			s.dispatchLocal(EventKickedOut, KickedOut{Reason: plaza.Errorf(plaza.ETokenInvalid,
				"the app's secret that signed this session's token was retired; identify again with a new token")})
			s.closeConn(CloseSecretRetired, "token secret retired")
			s.end()
		}
	}
}

// recheckLoop reads again the memberships of the users served here, a few
// every second so that each is read once per MembershipRecheck, and repairs
// the hub's view of them.
func (g *Gateway) recheckLoop() {
	defer g.ticker.Done()
	if g.opts.MembershipRecheck < 0 {
		return
	}
	const step = 250 * time.Millisecond
	t := time.NewTicker(step)
	defer t.Stop()
	// A round reads every user once; it starts at most once per
	// MembershipRecheck and takes its users a share at each step.
	var roundStart time.Time
	perStep := 0
	for {
		select {
		case <-g.stop:
			return
		case <-t.C:
		}
		if g.hub.recheckDone() {
			if time.Since(roundStart) < g.opts.MembershipRecheck {
				continue
			}
			roundStart = time.Now()
			n := g.hub.startRecheck()
			steps := max(int64(g.opts.MembershipRecheck/step), 1)
			perStep = int((int64(n) + steps - 1) / steps)
		}
		n := perStep
		users, gens := g.hub.nextRecheck(n)
		for i, lu := range users {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			list, err := g.opts.Service.SessionMemberships(ctx, plaza.Actor{AppID: lu.key.app, UserID: lu.key.user})
			cancel()
			if err != nil {
				g.log.Warn("gateway: recheck memberships", "user", lu.key.user, "err", err)
				continue
			}
			g.hub.reconcile(lu, gens[i], list)
		}
	}
}

func (g *Gateway) heartbeatDeadline() time.Duration { return g.opts.HeartbeatInterval * 3 / 2 }

func (g *Gateway) closing() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed
}

// resumable returns the detached session with the given ID if it belongs to
// actor.
func (g *Gateway) resumable(id string, actor plaza.Actor) *session {
	g.mu.Lock()
	s := g.sessions[id]
	g.mu.Unlock()
	if s == nil || s.actor != actor {
		return nil
	}
	return s
}

// ServeHTTP upgrades the request to a WebSocket connection.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !g.originAllowed(r.Header.Get("Origin"), r.Host) {
		http.Error(w, `{"error":{"code":"origin_not_allowed","zimCode":7000007,"message":"origin not allowed: it is not in the server's --origins"}}`, http.StatusForbidden)
		return
	}
	if g.closing() {
		http.Error(w, `{"error":{"code":"unavailable","zimCode":7000006,"message":"server is shutting down"}}`, http.StatusServiceUnavailable)
		return
	}
	nc, brw, _, err := ws.HTTPUpgrader{}.Upgrade(r, w)
	if err != nil {
		g.log.Debug("gateway: upgrade failed", "err", err)
		return
	}
	// Bytes the client sent right after the handshake sit in the HTTP
	// server's buffer; read them first, then the socket directly, so that
	// the idle connection holds no read buffer.
	var src io.Reader = nc
	if n := brw.Reader.Buffered(); n > 0 {
		pending, _ := brw.Reader.Peek(n)
		src = io.MultiReader(bytes.NewReader(bytes.Clone(pending)), nc)
	}
	ctx, stop := context.WithCancel(context.Background())
	c := &conn{g: g, nc: nc, ctx: ctx, stop: stop, flushed: make(chan struct{}), addr: remoteHost(r.RemoteAddr)}
	c.deadline.Store(time.Now().Add(g.opts.IdentifyTimeout).UnixNano())
	// This handler returns, and the HTTP server's goroutine, its deep stack
	// and its buffers, which the hijacked connection no longer uses, go
	// away. With a poller (Linux), the connection then has no goroutine at
	// all until a frame arrives; otherwise a reader goroutine of its own
	// waits for frames.
	if src == io.Reader(nc) && g.poll != nil {
		c.fd, c.polled = fdOf(nc)
	}
	if c.polled {
		c.rd = c.newReader(nc)
	}

	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		stop()
		nc.Close()
		return
	}
	g.conns[c] = struct{}{}
	g.wg.Add(1)
	g.mu.Unlock()
	g.metrics.conns.Add(1)

	if c.polled && g.poll.add(c, c.fd) != nil {
		g.mu.Lock()
		c.polled = false
		g.mu.Unlock()
	}
	c.enqueueRaw(encodeFrame(Frame{Op: OpHello, D: mustJSON(Hello{
		HeartbeatInterval: g.opts.HeartbeatInterval.Milliseconds(),
		ProtocolVersion:   ProtocolVersion,
	})}))
	if !c.polled {
		go c.run(src)
	}
}

// remoteHost returns the host part of a remote address, for the identify
// limit per address.
func remoteHost(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// originAllowed reports whether a browser page of origin may open a
// session: any when no allow-list is set, a listed one, or a page served by
// this server itself (host: the request's Host).
func (g *Gateway) originAllowed(origin, host string) bool {
	if origin == "" || len(g.opts.Origins) == 0 {
		return true
	}
	if u, err := url.Parse(origin); err == nil && u.Host != "" && strings.EqualFold(u.Host, host) {
		return true
	}
	for _, o := range g.opts.Origins {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}

// Close stops accepting connections, closes every one with CloseGoingAway,
// ends every session and waits, until ctx ends, for the connections'
// goroutines and in-flight requests.
func (g *Gateway) Close(ctx context.Context) error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	conns := make([]*conn, 0, len(g.conns))
	for c := range g.conns {
		conns = append(conns, c)
	}
	sessions := make([]*session, 0, len(g.sessions))
	for _, s := range g.sessions {
		sessions = append(sessions, s)
	}
	g.mu.Unlock()
	close(g.stop)
	g.ticker.Wait()
	for _, c := range conns {
		c.close(CloseGoingAway, "server shutting down")
	}
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		for _, c := range conns {
			c.drop()
		}
		err = ctx.Err()
	}
	for _, s := range sessions {
		s.end()
	}
	if g.poll != nil {
		g.poll.close()
	}
	return err
}

// Stats reports the gateway's counters. Counts of events are totals since
// the gateway started; the others are current values.
type Stats struct {
	Connections int64 `json:"connections"`
	Sessions    int   `json:"sessions"`
	Users       int   `json:"users"`
	Communities int   `json:"communities"`
	// QueuedBytes is what every connection's send queue holds now.
	QueuedBytes int64 `json:"queuedBytes"`
	Dispatched  int64 `json:"dispatched"`
	// Overflows counts connections closed because their queue was full.
	Overflows int64 `json:"overflows"`
	// Identified counts sessions started by identify; Resumed those
	// resumed; Resynced the resumes answered with resync and a new session;
	// Refused the identifies and resumes refused (token, protocol version).
	Identified int64 `json:"identified"`
	Resumed    int64 `json:"resumed"`
	Resynced   int64 `json:"resynced"`
	Refused    int64 `json:"refused"`
	// RateLimited counts requests refused for the request rate;
	// IdentifyLimited the identifies and resumes refused for the identify
	// rate or the cap on a user's sessions.
	RateLimited     int64 `json:"rateLimited"`
	IdentifyLimited int64 `json:"identifyLimited"`
	// SecretRetired counts sessions closed because the secret that signed
	// their token was retired.
	SecretRetired int64 `json:"secretRetired"`
	// Stages are where delivered events spent their time, since the start.
	Stages Stages `json:"stages"`
}

// Stats returns the gateway's current counters.
func (g *Gateway) Stats() Stats {
	users, communities := g.hub.counts()
	g.mu.Lock()
	sessions := len(g.sessions)
	g.mu.Unlock()
	return Stats{
		Connections:     g.metrics.conns.Load(),
		Sessions:        sessions,
		Users:           users,
		Communities:     communities,
		QueuedBytes:     g.metrics.queuedBytes.Load(),
		Dispatched:      g.metrics.dispatched.Load(),
		Overflows:       g.metrics.overflows.Load(),
		Identified:      g.metrics.identified.Load(),
		Resumed:         g.metrics.resumed.Load(),
		Resynced:        g.metrics.resynced.Load(),
		Refused:         g.metrics.refused.Load(),
		RateLimited:     g.metrics.rateLimited.Load(),
		IdentifyLimited: g.metrics.identLimited.Load(),
		SecretRetired:   g.metrics.retired.Load(),
		Stages:          g.stages.snapshot(),
	}
}

func newSessionID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
