package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/plazahq/plaza"
)

// Frame is a gateway frame (docs/gateway.md).
type Frame struct {
	Op    string          `json:"op"`
	T     string          `json:"t,omitempty"`
	S     int64           `json:"s,omitempty"`
	ID    string          `json:"id,omitempty"`
	D     json.RawMessage `json:"d,omitempty"`
	Error *plaza.Error    `json:"error,omitempty"`
}

// Ready is what the server says when a session starts.
type Ready struct {
	SessionID         string            `json:"sessionID"`
	AppID             string            `json:"appID"`
	UserID            string            `json:"userID"`
	ProtocolVersion   int               `json:"protocolVersion"`
	HeartbeatInterval int64             `json:"heartbeatInterval"`
	TokenExpiresAt    int64             `json:"tokenExpiresAt"`
	PassiveThreshold  int               `json:"passiveThreshold"`
	ResumeWindow      int64             `json:"resumeWindow"`
	CommunityList     []plaza.Community `json:"communityList"`
}

// Event is one dispatch: a SPEC event with the session's sequence number.
// Recovered events were not pushed but fetched by the SDK to fill a gap in
// a channel's messages (after a resync, or a lost push); their Seq is 0.
type Event struct {
	Name      string
	Seq       int64
	Data      json.RawMessage
	Recovered bool
}

// Decode decodes the event's payload into v.
func (e Event) Decode(v any) error { return json.Unmarshal(e.Data, v) }

// CloseError tells why the server ended a session.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("plaza: gateway closed the session: %d %s", e.Code, e.Reason)
}

// ErrNotConnected is returned by Conn.Do while the connection is being
// restored; the request was not sent and may be retried.
var ErrNotConnected = errors.New("plaza: gateway not connected; retry")

// terminal reports whether a close code ends a session for good: the SDK
// does not reconnect after it.
func terminal(code int) bool {
	switch code {
	case 1000, 1003, 1007, 1009, 4001, 4002, 4003, 4004, 4007, 4009, 4010, 4011:
		return true
	}
	return false
}

// ConnOption adjusts Connect.
type ConnOption func(*Conn)

// WithoutReconnect makes the connection end at its first failure instead of
// resuming.
func WithoutReconnect() ConnOption { return func(g *Conn) { g.reconnect = false } }

// WithStats counts the connection's resumes and resyncs into st.
func WithStats(st *ConnStats) ConnOption { return func(g *Conn) { g.stats = st } }

// ConnStats counts what a connection went through.
type ConnStats struct {
	mu                 sync.Mutex
	Reconnects         int
	Resumes, Resyncs   int
	RecoveredMessages  int
	DuplicatesSkipped  int
	LastDisconnectCode int
}

func (st *ConnStats) add(f func(*ConnStats)) {
	if st != nil {
		st.mu.Lock()
		f(st)
		st.mu.Unlock()
	}
}

// Snapshot returns a copy of the counters.
func (st *ConnStats) Snapshot() ConnStats {
	st.mu.Lock()
	defer st.mu.Unlock()
	return ConnStats{Reconnects: st.Reconnects, Resumes: st.Resumes, Resyncs: st.Resyncs,
		RecoveredMessages: st.RecoveredMessages, DuplicatesSkipped: st.DuplicatesSkipped, LastDisconnectCode: st.LastDisconnectCode}
}

// Conn is a gateway session that survives its connections: when one drops,
// it reconnects and resumes, or, when the server cannot resume, starts anew
// and fetches the messages the application missed. The application sees
// each channel's messages exactly once, in seq order.
type Conn struct {
	c         *Client
	reconnect bool
	stats     *ConnStats
	events    chan Event
	done      chan struct{}
	closing   chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup

	mu        sync.Mutex
	ws        *wsConn // nil while reconnecting
	ready     Ready
	sessionID string
	lastS     int64 // last dispatch sequence number received
	pending   map[string]chan Frame
	nextID    int64
	err       error

	// Message delivery state, per channel, under dmu: the last seq
	// delivered and messages that came early.
	dmu   sync.Mutex
	chans map[channelKey]*channelState
}

// ReorderWait is how long a message that arrives after a gap waits for the
// missing ones before the SDK fetches them from history. Events of one
// channel can arrive out of order in a cluster.
const ReorderWait = 250 * time.Millisecond

type channelState struct {
	last    int64                     // last seq delivered
	pending map[int64]json.RawMessage // messages after a gap, by seq
	timer   *time.Timer               // fires the repair of the gap
}

type channelKey struct{ community, channel string }

// wsConn is one WebSocket connection.
type wsConn struct {
	nc  net.Conn
	rd  *wsutil.Reader
	wmu sync.Mutex
}

func (w *wsConn) send(f Frame) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	w.wmu.Lock()
	defer w.wmu.Unlock()
	w.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return wsutil.WriteClientMessage(w.nc, ws.OpText, b)
}

// read returns the next text frame, answering pings.
func (w *wsConn) read() (Frame, error) {
	for {
		hdr, err := w.rd.NextFrame()
		if err != nil {
			return Frame{}, err
		}
		if hdr.OpCode.IsControl() {
			payload := make([]byte, hdr.Length)
			if _, err := io.ReadFull(w.rd, payload); err != nil {
				return Frame{}, err
			}
			switch hdr.OpCode {
			case ws.OpPing:
				w.wmu.Lock()
				wsutil.WriteClientMessage(w.nc, ws.OpPong, payload)
				w.wmu.Unlock()
			case ws.OpClose:
				code, reason := ws.ParseCloseFrameData(payload)
				return Frame{}, &CloseError{Code: int(code), Reason: reason}
			}
			continue
		}
		b, err := io.ReadAll(w.rd)
		if err != nil {
			return Frame{}, err
		}
		var f Frame
		if err := json.Unmarshal(b, &f); err != nil {
			return Frame{}, fmt.Errorf("client: bad frame: %w", err)
		}
		return f, nil
	}
}

// GatewayURL turns the API's base URL into the gateway's URL.
func GatewayURL(base string) string {
	switch {
	case strings.HasPrefix(base, "https://"):
		return "wss://" + strings.TrimPrefix(base, "https://") + "/v1/gateway"
	case strings.HasPrefix(base, "http://"):
		return "ws://" + strings.TrimPrefix(base, "http://") + "/v1/gateway"
	}
	return base + "/v1/gateway"
}

// dial opens a connection and reads hello.
func (c *Client) dial(ctx context.Context) (*wsConn, time.Duration, error) {
	nc, br, _, err := ws.Dial(ctx, GatewayURL(c.base))
	if err != nil {
		return nil, 0, fmt.Errorf("client: dial gateway: %w", err)
	}
	var src io.Reader = nc
	if br != nil {
		src = br
	}
	w := &wsConn{nc: nc, rd: &wsutil.Reader{Source: src, State: ws.StateClientSide, CheckUTF8: true}}
	if dl, ok := ctx.Deadline(); ok {
		nc.SetReadDeadline(dl)
	} else {
		nc.SetReadDeadline(time.Now().Add(30 * time.Second))
	}
	hello, err := w.read()
	if err != nil || hello.Op != "hello" {
		nc.Close()
		return nil, 0, fmt.Errorf("client: expected hello: %v", err)
	}
	var h struct {
		HeartbeatInterval int64 `json:"heartbeatInterval"`
	}
	json.Unmarshal(hello.D, &h)
	return w, time.Duration(h.HeartbeatInterval) * time.Millisecond, nil
}

// Connect opens a gateway session with the client's token and waits for
// ready. A refused token comes back as a *plaza.Error (token_invalid,
// token_expired).
func (c *Client) Connect(ctx context.Context, opts ...ConnOption) (*Conn, error) {
	g := &Conn{
		c:         c,
		reconnect: true,
		events:    make(chan Event, 1024),
		done:      make(chan struct{}),
		closing:   make(chan struct{}),
		pending:   make(map[string]chan Frame),
		chans:     make(map[channelKey]*channelState),
	}
	for _, o := range opts {
		o(g)
	}
	w, interval, err := c.dial(ctx)
	if err != nil {
		return nil, err
	}
	if err := w.send(Frame{Op: "identify", D: mustMarshal(map[string]any{"token": c.token, "protocolVersion": 1})}); err != nil {
		w.nc.Close()
		return nil, err
	}
	ready, err := g.awaitReady(w)
	if err != nil {
		w.nc.Close()
		return nil, err
	}
	g.ready, g.sessionID, g.ws = ready, ready.SessionID, w
	g.wg.Add(1)
	go g.run(w, interval)
	return g, nil
}

// awaitReady reads frames until ready (or an error frame).
func (g *Conn) awaitReady(w *wsConn) (Ready, error) {
	var r Ready
	for {
		f, err := w.read()
		if err != nil {
			return r, err
		}
		switch f.Op {
		case "error":
			return r, f.Error
		case "ready":
			if err := json.Unmarshal(f.D, &r); err != nil {
				return r, fmt.Errorf("client: decode ready: %w", err)
			}
			w.nc.SetReadDeadline(time.Time{})
			return r, nil
		}
	}
}

// Ready returns the current session's ready payload.
func (g *Conn) Ready() Ready {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.ready
}

// Events delivers the session's dispatches in order. It is closed when the
// session ends for good; Err then tells why.
func (g *Conn) Events() <-chan Event { return g.events }

// Err returns why the session ended, or nil while it lives.
func (g *Conn) Err() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}

// Do sends a request and waits for its reply: the gateway counterpart of
// Client.Do, with the same request and result types. While the connection is
// being restored it fails at once with ErrNotConnected.
func (g *Conn) Do(ctx context.Context, operation string, req, res any) error {
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	g.mu.Lock()
	if g.err != nil {
		err := g.err
		g.mu.Unlock()
		return err
	}
	w := g.ws
	if w == nil {
		g.mu.Unlock()
		return ErrNotConnected
	}
	g.nextID++
	id := strconv.FormatInt(g.nextID, 10)
	ch := make(chan Frame, 1)
	g.pending[id] = ch
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.pending, id)
		g.mu.Unlock()
	}()
	if err := w.send(Frame{Op: "request", ID: id, T: operation, D: b}); err != nil {
		return ErrNotConnected
	}
	select {
	case f, ok := <-ch:
		if !ok {
			return ErrNotConnected // the connection dropped before the reply
		}
		if f.Error != nil {
			return f.Error
		}
		if res != nil {
			return json.Unmarshal(f.D, res)
		}
		return nil
	case <-g.done:
		return g.Err()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Track tells the connection that the application has shown a channel's
// messages up to lastSeq (0: none), for example after loading its history.
// From then on every later message of the channel is delivered exactly once,
// in seq order, through resumes, resyncs and lost pushes. A channel the
// application does not track is tracked from the first message it receives.
func (g *Conn) Track(communityID, channelID string, lastSeq int64) {
	g.dmu.Lock()
	g.chans[channelKey{communityID, channelID}] = &channelState{last: lastSeq, pending: map[int64]json.RawMessage{}}
	g.dmu.Unlock()
}

// SetActiveCommunities marks the communities whose every event the session
// wants (at most 16). In a community past the server's passive threshold
// (Ready.PassiveThreshold members), a session that has not marked it active
// receives only channelHeadsUpdated, its own membership changes and what
// mentions it. The mark is kept across resumes, not across resyncs.
func (g *Conn) SetActiveCommunities(ctx context.Context, communityIDs ...string) error {
	return g.Do(ctx, "setActiveCommunities", map[string]any{"communityIDs": communityIDs}, nil)
}

// Close ends the session.
func (g *Conn) Close() error {
	g.closeOnce.Do(func() { close(g.closing) })
	g.mu.Lock()
	w := g.ws
	g.mu.Unlock()
	if w != nil {
		w.wmu.Lock()
		wsutil.WriteClientMessage(w.nc, ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))
		w.wmu.Unlock()
		w.nc.Close()
	}
	g.wg.Wait()
	return nil
}

// Drop cuts the current connection without a close frame, as a network
// failure would; the session then resumes. For tests of resilience.
func (g *Conn) Drop() {
	g.mu.Lock()
	w := g.ws
	g.mu.Unlock()
	if w != nil {
		w.nc.Close()
	}
}

// run reads connections one after the other for the life of the session.
func (g *Conn) run(w *wsConn, interval time.Duration) {
	defer g.wg.Done()
	var end error
	defer func() {
		g.mu.Lock()
		if g.err == nil {
			g.err = end
		}
		g.ws = nil
		g.mu.Unlock()
		close(g.done)
		close(g.events)
	}()
	for {
		err := g.serve(w, interval)
		g.failPending()
		select {
		case <-g.closing:
			end = &CloseError{Code: 1000}
			return
		default:
		}
		var ce *CloseError
		if errors.As(err, &ce) {
			g.stats.add(func(st *ConnStats) { st.LastDisconnectCode = ce.Code })
			if terminal(ce.Code) {
				end = ce
				return
			}
		}
		var pe *plaza.Error
		if !g.reconnect || errors.As(err, &pe) {
			end = err
			return
		}
		if w, interval, err = g.restore(); err != nil {
			end = err
			return
		}
	}
}

// serve reads one connection until it fails, with heartbeats.
func (g *Conn) serve(w *wsConn, interval time.Duration) error {
	stop := make(chan struct{})
	var hb sync.WaitGroup
	hb.Add(1)
	go func() {
		defer hb.Done()
		g.heartbeat(w, interval, stop)
	}()
	defer func() {
		close(stop)
		w.nc.Close()
		hb.Wait()
	}()
	for {
		f, err := w.read()
		if err != nil {
			return err
		}
		switch f.Op {
		case "dispatch":
			if !g.dispatch(f) {
				return errors.New("client: closed")
			}
		case "reply":
			g.mu.Lock()
			ch := g.pending[f.ID]
			delete(g.pending, f.ID)
			g.mu.Unlock()
			if ch != nil {
				ch <- f
			}
		case "error":
			return f.Error
		}
	}
}

// failPending ends the requests waiting on a connection that dropped.
func (g *Conn) failPending() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ws = nil
	for id, ch := range g.pending {
		close(ch)
		delete(g.pending, id)
	}
}

// restore reconnects with backoff until a connection resumes the session,
// or starts a new one and repairs what was missed.
func (g *Conn) restore() (*wsConn, time.Duration, error) {
	backoff := 100 * time.Millisecond
	for attempt := 0; ; attempt++ {
		select {
		case <-g.closing:
			return nil, 0, &CloseError{Code: 1000}
		case <-time.After(time.Duration(rand.Int64N(int64(backoff)))):
		}
		backoff = min(2*backoff, 5*time.Second)
		g.stats.add(func(st *ConnStats) { st.Reconnects++ })
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		w, interval, err := g.c.dial(ctx)
		cancel()
		if err != nil {
			continue
		}
		g.mu.Lock()
		resume := map[string]any{"sessionID": g.sessionID, "seq": g.lastS, "token": g.c.token}
		g.mu.Unlock()
		if err := w.send(Frame{Op: "resume", D: mustMarshal(resume)}); err != nil {
			w.nc.Close()
			continue
		}
		f, err := w.read()
		if err != nil {
			w.nc.Close()
			var ce *CloseError
			if errors.As(err, &ce) && terminal(ce.Code) {
				return nil, 0, ce
			}
			continue
		}
		switch f.Op {
		case "error":
			w.nc.Close()
			return nil, 0, f.Error // the token no longer works
		case "resumed":
			w.nc.SetReadDeadline(time.Time{})
			g.stats.add(func(st *ConnStats) { st.Resumes++ })
			g.mu.Lock()
			g.ws = w
			g.mu.Unlock()
			return w, interval, nil
		case "resync":
			ready, err := g.awaitReady(w)
			if err != nil {
				w.nc.Close()
				continue
			}
			g.stats.add(func(st *ConnStats) { st.Resyncs++ })
			g.mu.Lock()
			g.ready, g.sessionID, g.lastS, g.ws = ready, ready.SessionID, 0, w
			g.mu.Unlock()
			// Events pushed in between were lost: fetch every channel's
			// messages after the last one delivered.
			if !g.repairAll() {
				w.nc.Close()
				return nil, 0, &CloseError{Code: 1000}
			}
			return w, interval, nil
		}
		w.nc.Close()
	}
}

// dispatch hands one dispatch to the application. Message events pass
// through a per-channel filter: duplicates are dropped, a message after a gap
// waits up to ReorderWait for the missing ones, which are then fetched from
// history. false means the connection is closing.
func (g *Conn) dispatch(f Frame) bool {
	g.mu.Lock()
	if f.S <= g.lastS {
		g.mu.Unlock()
		return true // replayed twice: already delivered
	}
	g.lastS = f.S
	g.mu.Unlock()
	g.dmu.Lock()
	defer g.dmu.Unlock()
	if f.T != plaza.EventMessageReceived {
		return g.deliver(Event{Name: f.T, Seq: f.S, Data: f.D})
	}
	var head struct {
		CommunityID string            `json:"communityID"`
		ChannelID   string            `json:"channelID"`
		MessageList []json.RawMessage `json:"messageList"`
	}
	if err := json.Unmarshal(f.D, &head); err != nil {
		return g.deliver(Event{Name: f.T, Seq: f.S, Data: f.D})
	}
	key := channelKey{head.CommunityID, head.ChannelID}
	st := g.chans[key]
	seqs := make([]int64, len(head.MessageList))
	inOrder := true
	for i, raw := range head.MessageList {
		var m struct {
			MessageSeq int64 `json:"messageSeq"`
		}
		json.Unmarshal(raw, &m)
		seqs[i] = m.MessageSeq
		if m.MessageSeq == 0 {
			continue // a command: not stored, not numbered
		}
		if st == nil {
			// Untracked until now: tracked from here.
			st = &channelState{last: m.MessageSeq - 1, pending: map[int64]json.RawMessage{}}
			g.chans[key] = st
		}
		inOrder = inOrder && m.MessageSeq == st.last+1 && len(st.pending) == 0
		if inOrder {
			st.last = m.MessageSeq
		}
	}
	if inOrder {
		return g.deliver(Event{Name: f.T, Seq: f.S, Data: f.D}) // the common case: as it came
	}
	for i, raw := range head.MessageList {
		if !g.accept(key, st, seqs[i], raw, f.S) {
			return false
		}
	}
	return true
}

// accept takes one message of a channel that is out of order (or follows
// one that was): it is delivered if next, kept if early, dropped if seen.
// dmu is held.
func (g *Conn) accept(k channelKey, st *channelState, seq int64, raw json.RawMessage, s int64) bool {
	switch {
	case seq == 0:
		return g.deliverMessages(k, []json.RawMessage{raw}, s, false)
	case seq <= st.last:
		g.stats.add(func(c *ConnStats) { c.DuplicatesSkipped++ })
		return true
	case seq > st.last+1:
		if _, dup := st.pending[seq]; dup {
			g.stats.add(func(c *ConnStats) { c.DuplicatesSkipped++ })
		}
		st.pending[seq] = raw
		if st.timer == nil {
			st.timer = time.AfterFunc(ReorderWait, func() { g.gapTimedOut(k) })
		}
		return true
	}
	st.last = seq
	if !g.deliverMessages(k, []json.RawMessage{raw}, s, false) {
		return false
	}
	return g.flushPending(k, st)
}

// flushPending delivers the kept messages that follow the last delivered
// one. dmu is held.
func (g *Conn) flushPending(k channelKey, st *channelState) bool {
	for {
		raw, ok := st.pending[st.last+1]
		if !ok {
			break
		}
		delete(st.pending, st.last+1)
		st.last++
		if !g.deliverMessages(k, []json.RawMessage{raw}, 0, false) {
			return false
		}
	}
	for seq := range st.pending {
		if seq <= st.last {
			delete(st.pending, seq)
		}
	}
	if len(st.pending) == 0 && st.timer != nil {
		st.timer.Stop()
		st.timer = nil
	}
	return true
}

// gapTimedOut fetches the messages still missing before the earliest kept
// one, then delivers what follows.
func (g *Conn) gapTimedOut(k channelKey) {
	g.dmu.Lock()
	defer g.dmu.Unlock()
	st := g.chans[k]
	if st == nil {
		return
	}
	st.timer = nil
	if len(st.pending) == 0 {
		return
	}
	first := int64(math.MaxInt64)
	for seq := range st.pending {
		first = min(first, seq)
	}
	if g.repair(k, st, first-1) {
		g.flushPending(k, st)
	}
}

// deliverMessages delivers messages of one channel as one messageReceived
// event. dmu is held.
func (g *Conn) deliverMessages(k channelKey, raws []json.RawMessage, s int64, recovered bool) bool {
	b, _ := json.Marshal(struct {
		CommunityID string            `json:"communityID"`
		ChannelID   string            `json:"channelID"`
		MessageList []json.RawMessage `json:"messageList"`
	}{k.community, k.channel, raws})
	return g.deliver(Event{Name: plaza.EventMessageReceived, Seq: s, Data: b, Recovered: recovered})
}

// repairAll fetches, for every channel tracked, the messages after the last
// one delivered.
func (g *Conn) repairAll() bool {
	g.dmu.Lock()
	defer g.dmu.Unlock()
	for k, st := range g.chans {
		if !g.repair(k, st, 0) || !g.flushPending(k, st) {
			return false
		}
	}
	return true
}

// repair delivers, as recovered events, the messages of a channel after the
// last one delivered, up to until (0: up to the newest). dmu is held.
func (g *Conn) repair(k channelKey, st *channelState, until int64) bool {
	for until == 0 || st.last < until {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		page, err := g.c.QueryHistoryMessage(ctx, plaza.QueryHistoryMessageRequest{
			CommunityID: k.community, ChannelID: k.channel, NextMessageSeq: st.last, Reverse: true, Count: 100,
		})
		cancel()
		if err != nil {
			// The channel may be gone or closed to us: nothing to repair.
			return true
		}
		var raws []json.RawMessage
		for _, m := range page.MessageList {
			if until > 0 && m.MessageSeq > until {
				break
			}
			raws = append(raws, mustMarshal(m))
			st.last = m.MessageSeq
		}
		if len(raws) == 0 {
			return true
		}
		g.stats.add(func(c *ConnStats) { c.RecoveredMessages += len(raws) })
		if !g.deliverMessages(k, raws, 0, true) {
			return false
		}
		if page.NextMessageSeq == 0 {
			return true
		}
	}
	return true
}

// deliver hands an event to the application, waiting while it is busy.
func (g *Conn) deliver(e Event) bool {
	select {
	case g.events <- e:
		return true
	case <-g.closing:
		return false
	}
}

// heartbeat sends heartbeats every interval, the first after a random part
// of it, so that clients reconnecting together do not beat together.
func (g *Conn) heartbeat(w *wsConn, interval time.Duration, stop chan struct{}) {
	if interval <= 0 {
		interval = 30 * time.Second
	}
	t := time.NewTimer(time.Duration(rand.Int64N(int64(interval))))
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			// The last dispatch received: the server need keep nothing
			// before it for a resume.
			g.mu.Lock()
			seq := g.lastS
			g.mu.Unlock()
			if w.send(Frame{Op: "heartbeat", D: mustMarshal(map[string]int64{"seq": seq})}) != nil {
				return
			}
			t.Reset(interval)
		}
	}
}

func mustMarshal(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
