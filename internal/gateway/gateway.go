// Package gateway serves Plaza's real-time WebSocket gateway at /v1/gateway
// (protocol in docs/gateway.md).
//
// Invariants a reader must not break:
//   - Every session's queue is bounded (Options.SendQueue); a session that
//     cannot keep up is closed with CloseQueueOverflow, never allowed to grow.
//   - An event is encoded once, whatever the number of recipients; a session
//     adds only its sequence number.
//   - A node subscribes to a community's topic once, whatever the number of
//     its local sessions in it.
//   - Fan-out consults the node's view of memberships, which every event's
//     grants update before delivery: a member who left or was kicked receives
//     nothing more from the community.
package gateway

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
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
)

// Options configures a Gateway. Zero values take the defaults above.
type Options struct {
	Service *plaza.Service
	Bus     plaza.Bus
	Logger  *slog.Logger
	// HeartbeatInterval is how often a client must send a heartbeat; a session
	// silent for 1.5 intervals is closed.
	HeartbeatInterval time.Duration
	IdentifyTimeout   time.Duration
	MaxFrameBytes     int64
	// SendQueue bounds the frames queued for one session.
	SendQueue      int
	WriteTimeout   time.Duration
	RequestTimeout time.Duration
	RequestRate    float64
	RequestBurst   int
	UserRate       float64
	TokenWarning   time.Duration
	MaxInflight    int
	// Origins lists the Origin header values allowed to connect; empty allows
	// any. Requests without an Origin (non-browser clients) are always allowed.
	Origins []string
}

// Gateway is the WebSocket endpoint.
type Gateway struct {
	opts     Options
	log      *slog.Logger
	hub      *hub
	inflight chan struct{}
	wg       sync.WaitGroup // sessions and their requests
	metrics  metrics

	mu       sync.Mutex
	sessions map[*session]struct{}
	closed   bool
}

type metrics struct {
	sessions   atomic.Int64
	dispatched atomic.Int64
	overflows  atomic.Int64
}

// New returns a gateway.
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
	if o.MaxFrameBytes <= 0 {
		o.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if o.SendQueue <= 0 {
		o.SendQueue = DefaultSendQueue
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
		sessions: make(map[*session]struct{}),
	}
	userRate, userBurst := o.UserRate, float64(2*o.RequestBurst)
	g.hub = newHub(o.Bus, o.Logger, func() *limiter { return newLimiter(userRate, userBurst, time.Now) })
	return g
}

func (g *Gateway) heartbeatDeadline() time.Duration { return g.opts.HeartbeatInterval * 3 / 2 }

// ServeHTTP upgrades the request to a WebSocket session.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !g.originAllowed(r.Header.Get("Origin")) {
		http.Error(w, `{"error":{"code":"permission_denied","zimCode":6001007,"message":"origin not allowed"}}`, http.StatusForbidden)
		return
	}
	g.mu.Lock()
	closed := g.closed
	g.mu.Unlock()
	if closed {
		http.Error(w, `{"error":{"code":"unavailable","zimCode":7000006,"message":"server is shutting down"}}`, http.StatusServiceUnavailable)
		return
	}
	conn, brw, _, err := ws.HTTPUpgrader{}.Upgrade(r, w)
	if err != nil {
		g.log.Debug("gateway: upgrade failed", "err", err)
		return
	}
	// Bytes the client sent right after the handshake sit in the HTTP
	// server's buffer; read them first, then the socket directly, so that
	// the idle session holds no read buffer.
	var src io.Reader = conn
	if n := brw.Reader.Buffered(); n > 0 {
		pending, _ := brw.Reader.Peek(n)
		src = io.MultiReader(bytes.NewReader(bytes.Clone(pending)), conn)
	}
	ctx, stop := context.WithCancel(context.Background())
	s := &session{g: g, id: newSessionID(), conn: conn, ctx: ctx, stop: stop, flushed: make(chan struct{})}

	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		stop()
		conn.Close()
		return
	}
	g.sessions[s] = struct{}{}
	g.wg.Add(1)
	g.mu.Unlock()
	g.metrics.sessions.Add(1)
	defer func() {
		s.end()
		g.mu.Lock()
		delete(g.sessions, s)
		g.mu.Unlock()
		g.metrics.sessions.Add(-1)
		g.wg.Done()
	}()

	s.enqueueRaw(encodeFrame(Frame{Op: OpHello, D: mustJSON(Hello{
		HeartbeatInterval: g.opts.HeartbeatInterval.Milliseconds(),
		ProtocolVersion:   ProtocolVersion,
	})}))
	s.run(src)
}

func (g *Gateway) originAllowed(origin string) bool {
	if origin == "" || len(g.opts.Origins) == 0 {
		return true
	}
	for _, o := range g.opts.Origins {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}

// Close stops accepting sessions, closes every session with CloseGoingAway and
// waits, until ctx ends, for their goroutines and in-flight requests.
func (g *Gateway) Close(ctx context.Context) error {
	g.mu.Lock()
	g.closed = true
	sessions := make([]*session, 0, len(g.sessions))
	for s := range g.sessions {
		sessions = append(sessions, s)
	}
	g.mu.Unlock()
	for _, s := range sessions {
		s.close(CloseGoingAway, "server shutting down")
	}
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		for _, s := range sessions {
			s.conn.Close()
		}
		return ctx.Err()
	}
}

// Stats reports the gateway's counters.
type Stats struct {
	Sessions    int64 `json:"sessions"`
	Users       int   `json:"users"`
	Communities int   `json:"communities"`
	Dispatched  int64 `json:"dispatched"`
	Overflows   int64 `json:"overflows"`
}

// Stats returns the gateway's current counters.
func (g *Gateway) Stats() Stats {
	users, communities := g.hub.sessionCount()
	return Stats{
		Sessions:    g.metrics.sessions.Load(),
		Users:       users,
		Communities: communities,
		Dispatched:  g.metrics.dispatched.Load(),
		Overflows:   g.metrics.overflows.Load(),
	}
}

func newSessionID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
