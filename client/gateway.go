package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	CommunityList     []plaza.Community `json:"communityList"`
}

// Event is one dispatch: a SPEC event with the session's sequence number.
type Event struct {
	Name string
	Seq  int64
	Data json.RawMessage
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

// Conn is a gateway session.
type Conn struct {
	conn   net.Conn
	wmu    sync.Mutex
	ready  Ready
	events chan Event
	done   chan struct{}
	wg     sync.WaitGroup

	mu      sync.Mutex
	pending map[string]chan Frame
	nextID  int64
	err     error
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

// Connect opens a gateway session with the client's token and waits for
// ready. A refused token comes back as a *plaza.Error (token_invalid,
// token_expired).
func (c *Client) Connect(ctx context.Context) (*Conn, error) {
	conn, br, _, err := ws.Dial(ctx, GatewayURL(c.base))
	if err != nil {
		return nil, fmt.Errorf("client: dial gateway: %w", err)
	}
	var src io.Reader = conn
	if br != nil {
		src = io.MultiReader(br, conn)
	}
	g := &Conn{
		conn:    conn,
		events:  make(chan Event, 1024),
		done:    make(chan struct{}),
		pending: make(map[string]chan Frame),
	}
	rd := &wsutil.Reader{Source: src, State: ws.StateClientSide, CheckUTF8: true}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetReadDeadline(dl)
	}
	hello, err := g.readFrame(rd)
	if err != nil || hello.Op != "hello" {
		conn.Close()
		return nil, fmt.Errorf("client: expected hello: %v", err)
	}
	var h struct {
		HeartbeatInterval int64 `json:"heartbeatInterval"`
	}
	json.Unmarshal(hello.D, &h)
	if err := g.send(Frame{Op: "identify", D: mustMarshal(map[string]any{"token": c.token, "protocolVersion": 1})}); err != nil {
		conn.Close()
		return nil, err
	}
	for {
		f, err := g.readFrame(rd)
		if err != nil {
			conn.Close()
			return nil, err
		}
		switch f.Op {
		case "error":
			conn.Close()
			return nil, f.Error
		case "ready":
			if err := json.Unmarshal(f.D, &g.ready); err != nil {
				conn.Close()
				return nil, fmt.Errorf("client: decode ready: %w", err)
			}
			conn.SetReadDeadline(time.Time{})
			g.wg.Add(2)
			go g.readLoop(rd)
			go g.heartbeat(time.Duration(h.HeartbeatInterval) * time.Millisecond)
			return g, nil
		}
	}
}

// Ready returns the session's ready payload.
func (g *Conn) Ready() Ready { return g.ready }

// Events delivers the session's dispatches in order. It is closed when the
// session ends; Err then tells why.
func (g *Conn) Events() <-chan Event { return g.events }

// Err returns why the session ended, or nil while it is open.
func (g *Conn) Err() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}

// Do sends a request and waits for its reply: the gateway counterpart of
// Client.Do, with the same request and result types.
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
	if err := g.send(Frame{Op: "request", ID: id, T: operation, D: b}); err != nil {
		return err
	}
	select {
	case f := <-ch:
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

// Close ends the session.
func (g *Conn) Close() error {
	g.wmu.Lock()
	wsutil.WriteClientMessage(g.conn, ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))
	g.wmu.Unlock()
	g.conn.Close()
	g.wg.Wait()
	return nil
}

func (g *Conn) send(f Frame) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	g.wmu.Lock()
	defer g.wmu.Unlock()
	g.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return wsutil.WriteClientMessage(g.conn, ws.OpText, b)
}

// readFrame reads the next text frame, answering control frames.
func (g *Conn) readFrame(rd *wsutil.Reader) (Frame, error) {
	for {
		hdr, err := rd.NextFrame()
		if err != nil {
			return Frame{}, err
		}
		if hdr.OpCode.IsControl() {
			payload := make([]byte, hdr.Length)
			if _, err := io.ReadFull(rd, payload); err != nil {
				return Frame{}, err
			}
			switch hdr.OpCode {
			case ws.OpPing:
				g.wmu.Lock()
				wsutil.WriteClientMessage(g.conn, ws.OpPong, payload)
				g.wmu.Unlock()
			case ws.OpClose:
				code, reason := ws.ParseCloseFrameData(payload)
				return Frame{}, &CloseError{Code: int(code), Reason: reason}
			}
			continue
		}
		b, err := io.ReadAll(rd)
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

func (g *Conn) readLoop(rd *wsutil.Reader) {
	defer g.wg.Done()
	var err error
	defer func() {
		g.mu.Lock()
		if g.err == nil {
			if err == nil || errors.Is(err, net.ErrClosed) {
				err = &CloseError{Code: int(ws.StatusNormalClosure)}
			}
			g.err = err
		}
		g.mu.Unlock()
		close(g.done)
		close(g.events)
		g.conn.Close()
	}()
	for {
		var f Frame
		if f, err = g.readFrame(rd); err != nil {
			return
		}
		switch f.Op {
		case "dispatch":
			select {
			case g.events <- Event{Name: f.T, Seq: f.S, Data: f.D}:
			case <-g.done:
				return
			}
		case "reply":
			g.mu.Lock()
			ch := g.pending[f.ID]
			g.mu.Unlock()
			if ch != nil {
				ch <- f
			}
		case "error":
			err = f.Error
		}
	}
}

// heartbeat sends heartbeats every interval, the first after a random part
// of it, so that clients reconnecting together do not beat together.
func (g *Conn) heartbeat(interval time.Duration) {
	defer g.wg.Done()
	if interval <= 0 {
		interval = 30 * time.Second
	}
	t := time.NewTimer(time.Duration(rand.Int64N(int64(interval))))
	defer t.Stop()
	for {
		select {
		case <-g.done:
			return
		case <-t.C:
			if g.send(Frame{Op: "heartbeat"}) != nil {
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
