package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/plazahq/plaza"
)

// outFrame is one queued frame: a dispatch (shared payload plus this
// session's sequence number) or a frame encoded for this session alone.
type outFrame struct {
	op  ws.OpCode
	seq int64
	d   *dispatch
	raw []byte
}

// session is one WebSocket connection. Its reader runs on the HTTP handler's
// goroutine; its writer is started when frames are queued and exits when the
// queue is empty, so that an idle session costs one goroutine.
type session struct {
	g     *Gateway
	id    string
	conn  net.Conn
	ctx   context.Context // ends when the session ends
	stop  context.CancelFunc
	limit *limiter

	// Set by identify, then read-only.
	actor plaza.Actor
	user  *localUser // guarded by the hub's lock

	mu       sync.Mutex
	queue    []outFrame
	spare    []outFrame
	writing  bool
	closing  bool // a close frame is queued: nothing more is accepted
	seq      int64
	tokenExp time.Time
	timer    *time.Timer

	flushed   chan struct{} // closed once the close frame is written, or writing failed
	flushOnce sync.Once

	identified    bool // reader goroutine only
	lastHeartbeat time.Time
	limited       int // consecutive rate-limited requests
}

var writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4096) }}

// enqueueDispatch queues an event with the session's next sequence number. A
// session whose queue is full is closed: it reads too slowly to keep up.
func (s *session) enqueueDispatch(d *dispatch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return
	}
	if len(s.queue) >= s.g.opts.SendQueue {
		s.g.metrics.overflows.Add(1)
		s.closeLocked(CloseQueueOverflow, "send queue overflow: the client reads too slowly")
		return
	}
	s.seq++
	s.queue = append(s.queue, outFrame{op: ws.OpText, seq: s.seq, d: d})
	s.kickLocked()
}

// enqueueRaw queues a frame encoded for this session alone.
func (s *session) enqueueRaw(b []byte) {
	s.enqueueOp(ws.OpText, b)
}

func (s *session) enqueueOp(op ws.OpCode, b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return
	}
	s.queue = append(s.queue, outFrame{op: op, raw: b})
	s.kickLocked()
}

// dispatchLocal sends an event that the gateway itself raises.
func (s *session) dispatchLocal(name string, payload any) {
	s.enqueueDispatch(newDispatch(name, mustJSON(payload)))
}

// close queues a close frame; the writer sends it and closes the connection.
func (s *session) close(code int, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeLocked(code, reason)
}

func (s *session) closeLocked(code int, reason string) {
	if s.closing {
		return
	}
	s.closing = true
	if len(reason) > 120 {
		reason = reason[:120]
	}
	body := ws.NewCloseFrameBody(ws.StatusCode(code), reason)
	s.queue = append(s.queue, outFrame{op: ws.OpClose, raw: body})
	s.kickLocked()
	// However the peer behaves, the connection ends soon.
	time.AfterFunc(s.g.opts.WriteTimeout, func() { s.conn.Close() })
}

func (s *session) kickLocked() {
	if !s.writing {
		s.writing = true
		go s.write()
	}
}

// write drains the queue into the socket, coalescing every frame queued so
// far into one flush.
func (s *session) write() {
	for {
		s.mu.Lock()
		frames := s.queue
		if len(frames) == 0 {
			s.writing = false
			s.mu.Unlock()
			return
		}
		s.queue, s.spare = s.spare[:0], nil
		s.mu.Unlock()

		closed, err := s.writeFrames(frames)
		clear(frames) // drop references to shared payloads
		s.mu.Lock()
		if s.spare == nil {
			s.spare = frames[:0]
		}
		if err != nil || closed {
			s.closing = true
			s.queue = nil
			s.writing = false
			s.mu.Unlock()
			s.conn.Close()
			s.flushOnce.Do(func() { close(s.flushed) })
			return
		}
		s.mu.Unlock()
	}
}

func (s *session) writeFrames(frames []outFrame) (closed bool, err error) {
	bw := writerPool.Get().(*bufio.Writer)
	bw.Reset(s.conn)
	defer func() {
		bw.Reset(nil)
		writerPool.Put(bw)
	}()
	s.conn.SetWriteDeadline(time.Now().Add(s.g.opts.WriteTimeout))
	var num [20]byte
	for _, f := range frames {
		if f.d != nil {
			n := strconv.AppendInt(num[:0], f.seq, 10)
			hdr := ws.Header{Fin: true, OpCode: ws.OpText, Length: int64(len(f.d.head) + len(n) + len(f.d.tail))}
			if err := ws.WriteHeader(bw, hdr); err != nil {
				return false, err
			}
			bw.Write(f.d.head)
			bw.Write(n)
			bw.Write(f.d.tail)
			s.g.metrics.dispatched.Add(1)
			continue
		}
		if err := ws.WriteHeader(bw, ws.Header{Fin: true, OpCode: f.op, Length: int64(len(f.raw))}); err != nil {
			return false, err
		}
		bw.Write(f.raw)
		if f.op == ws.OpClose {
			closed = true
			break
		}
	}
	return closed, bw.Flush()
}

// run reads frames until the connection ends.
func (s *session) run(src io.Reader) {
	rd := &wsutil.Reader{
		Source:         src,
		State:          ws.StateServerSide,
		CheckUTF8:      true,
		MaxFrameSize:   s.g.opts.MaxFrameBytes,
		MaxMessageSize: s.g.opts.MaxFrameBytes,
		OnIntermediate: func(h ws.Header, r io.Reader) error { return s.control(h, r) },
	}
	deadline := time.Now().Add(s.g.opts.IdentifyTimeout)
	for {
		s.conn.SetReadDeadline(deadline)
		hdr, err := rd.NextFrame()
		if err != nil {
			s.readFailed(err)
			return
		}
		if hdr.OpCode.IsControl() {
			if err := s.control(hdr, rd); err != nil {
				return
			}
			continue
		}
		if hdr.OpCode != ws.OpText {
			s.close(CloseUnsupportedData, "frames must be text (JSON)")
			return
		}
		payload, err := io.ReadAll(rd)
		if err != nil {
			s.readFailed(err)
			return
		}
		if !s.handle(payload) {
			return
		}
		if s.identified {
			deadline = s.lastHeartbeat.Add(s.g.heartbeatDeadline())
		}
	}
}

// readFailed ends the session after a read error, saying why when the peer
// can still hear it.
func (s *session) readFailed(err error) {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		if s.identified {
			s.close(CloseHeartbeatMissed, "no heartbeat within the deadline")
		} else {
			s.close(CloseNotIdentified, "no identify within the deadline")
		}
	case errors.Is(err, wsutil.ErrFrameTooLarge), errors.Is(err, wsutil.ErrMessageTooLarge):
		s.close(CloseTooBig, "frame larger than "+strconv.FormatInt(s.g.opts.MaxFrameBytes, 10)+" bytes")
	case errors.Is(err, wsutil.ErrInvalidUTF8):
		s.close(int(ws.StatusInvalidFramePayloadData), "text frame is not valid UTF-8")
	case errors.Is(err, ws.ErrProtocolMaskRequired), errors.Is(err, ws.ErrProtocolOpCodeReserved),
		errors.Is(err, ws.ErrProtocolNonZeroRsv), errors.Is(err, ws.ErrProtocolControlPayloadOverflow),
		errors.Is(err, ws.ErrProtocolControlNotFinal), errors.Is(err, ws.ErrProtocolContinuationExpected),
		errors.Is(err, ws.ErrProtocolContinuationUnexpected):
		s.close(int(ws.StatusProtocolError), err.Error())
	}
}

// control answers a ping, or the peer's close. A non-nil error ends the
// session.
func (s *session) control(h ws.Header, r io.Reader) error {
	payload := make([]byte, h.Length)
	if _, err := io.ReadFull(r, payload); err != nil {
		return err
	}
	switch h.OpCode {
	case ws.OpPing:
		s.enqueueOp(ws.OpPong, payload)
	case ws.OpClose:
		code, _ := ws.ParseCloseFrameData(payload)
		if code == 0 || code == ws.StatusNoStatusRcvd {
			code = ws.StatusNormalClosure
		}
		s.close(int(code), "")
		return io.EOF
	}
	return nil
}

// handle acts on one text frame; false ends the reader.
func (s *session) handle(payload []byte) bool {
	var f Frame
	if err := json.Unmarshal(payload, &f); err != nil {
		s.close(CloseDecodeError, "frame is not a JSON object: "+err.Error())
		return false
	}
	switch f.Op {
	case OpHeartbeat:
		s.lastHeartbeat = time.Now()
		s.enqueueRaw(heartbeatAck)
		return true
	case OpIdentify:
		if s.identified {
			s.close(CloseAlreadyIdent, "already identified")
			return false
		}
		return s.identify(f.D)
	case OpRequest:
		if !s.identified {
			s.close(CloseNotIdentified, "send identify first")
			return false
		}
		return s.request(f)
	}
	s.close(CloseDecodeError, "unknown op "+strconv.Quote(f.Op))
	return false
}

var heartbeatAck = encodeFrame(Frame{Op: OpHeartbeatAck})

// identify authenticates the session and sends ready.
func (s *session) identify(d json.RawMessage) bool {
	var id Identify
	if err := plaza.DecodeJSON(orEmpty(d), &id); err != nil {
		s.refuse(CloseDecodeError, err)
		return false
	}
	if id.ProtocolVersion != 0 && id.ProtocolVersion != ProtocolVersion {
		s.refuse(CloseBadVersion, plaza.FieldErrorf(plaza.EInvalidArgument, "protocolVersion",
			"protocol version %d is not supported; this server speaks %d", id.ProtocolVersion, ProtocolVersion))
		return false
	}
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	actor, claims, err := s.g.opts.Service.Authenticate(ctx, id.Token)
	if err != nil {
		code := CloseAuthFailed
		if plaza.ErrorCode(err) == plaza.ETokenExpired {
			code = CloseTokenExpired
		}
		s.refuse(code, err)
		return false
	}
	list, err := s.g.opts.Service.SessionCommunities(ctx, actor)
	if err != nil {
		s.refuse(CloseUnknownError, err)
		return false
	}
	s.actor = actor
	s.limit = newLimiter(s.g.opts.RequestRate, float64(s.g.opts.RequestBurst), time.Now)
	exp := time.Unix(claims.Expires, 0)
	ready := encodeFrame(Frame{Op: OpReady, D: mustJSON(Ready{
		SessionID:         s.id,
		AppID:             actor.AppID,
		UserID:            actor.UserID,
		ProtocolVersion:   ProtocolVersion,
		HeartbeatInterval: s.g.opts.HeartbeatInterval.Milliseconds(),
		TokenExpiresAt:    exp.UnixMilli(),
		CommunityList:     list,
	})})
	if err := s.g.hub.attach(s, list, ready); err != nil {
		s.refuse(CloseUnknownError, err)
		return false
	}
	s.identified = true
	s.lastHeartbeat = time.Now()
	s.setTokenExpiry(exp)
	return true
}

// refuse sends an error frame and closes the session.
func (s *session) refuse(code int, err error) {
	pe := plaza.AsError(err)
	if pe.Code == plaza.EInternal {
		s.g.log.Error("gateway: identify failed", "session", s.id, "err", err)
	}
	s.enqueueRaw(encodeFrame(Frame{Op: OpError, Error: pe}))
	s.close(code, string(pe.Code))
}

func orEmpty(d json.RawMessage) []byte {
	if len(d) == 0 || string(d) == "null" {
		return []byte("{}")
	}
	return d
}

// setTokenExpiry (re)arms the token timer: tokenWillExpire shortly before
// exp, then the end of the session at exp unless the token is renewed.
func (s *session) setTokenExpiry(exp time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenExp = exp
	if s.timer != nil {
		s.timer.Stop()
	}
	warn := time.Until(exp) - s.g.opts.TokenWarning
	if warn < 0 {
		warn = 0
	}
	s.timer = time.AfterFunc(warn, func() { s.tokenTimer(exp) })
}

func (s *session) tokenTimer(exp time.Time) {
	s.mu.Lock()
	current := s.tokenExp.Equal(exp)
	s.mu.Unlock()
	if !current {
		return // renewed meanwhile
	}
	if left := time.Until(exp); left > 0 {
		s.dispatchLocal(EventTokenWillExpire, TokenWillExpire{SecondsRemaining: int64(left.Round(time.Second).Seconds())})
		s.mu.Lock()
		if s.tokenExp.Equal(exp) && !s.closing {
			s.timer = time.AfterFunc(left, func() { s.tokenTimer(exp) })
		}
		s.mu.Unlock()
		return
	}
	reason := plaza.Errorf(plaza.ETokenExpired, "the session's token expired; identify again with a new token")
	s.dispatchLocal(EventKickedOut, KickedOut{Reason: reason})
	s.close(CloseTokenExpired, string(plaza.ETokenExpired))
}

// request runs one operation and queues its reply. Requests run
// concurrently, up to a bound per session; beyond it the reader waits.
func (s *session) request(f Frame) bool {
	if !s.limit.allow() || !s.user.limiter.allow() {
		s.limited++
		if s.limited > s.g.opts.RequestBurst*4 {
			s.close(CloseRateLimited, "request rate far beyond the limit")
			return false
		}
		s.reply(f, nil, plaza.Errorf(plaza.ERateLimited, "more than %.0f requests per second", s.g.opts.RequestRate))
		return true
	}
	s.limited = 0
	if f.T == "renewToken" {
		res, err := s.renewToken(f.D)
		s.reply(f, res, err)
		return true
	}
	op, ok := plaza.LookupOperation(f.T)
	if !ok {
		s.reply(f, nil, plaza.Errorf(plaza.EUnknownOperation, "unknown operation %q", f.T))
		return true
	}
	select {
	case s.g.inflight <- struct{}{}:
	case <-s.ctx.Done():
		return false
	}
	s.g.wg.Add(1)
	go func() {
		defer s.g.wg.Done()
		defer func() { <-s.g.inflight }()
		// A request already read runs to its end even if the session ends,
		// so that its write is never left half-known.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), s.g.opts.RequestTimeout)
		defer cancel()
		d := orEmpty(f.D)
		res, err := op.Call(ctx, s.g.opts.Service, s.actor, func(v any) error { return plaza.DecodeJSON(d, v) })
		s.reply(f, res, err)
	}()
	return true
}

func (s *session) reply(f Frame, res any, err error) {
	out := Frame{Op: OpReply, ID: f.ID, T: f.T}
	if err != nil {
		pe := plaza.AsError(err)
		if pe.Code == plaza.EInternal {
			s.g.log.Error("gateway: request failed", "session", s.id, "op", f.T, "err", err)
			pe = &plaza.Error{Code: plaza.EInternal, Message: "internal error; session " + s.id + " request " + f.ID}
		}
		out.Error = pe
	} else {
		out.D = mustJSON(res)
	}
	s.enqueueRaw(encodeFrame(out))
}

// renewToken replaces the session's token with a new one for the same user.
func (s *session) renewToken(d json.RawMessage) (any, error) {
	var req RenewToken
	if err := plaza.DecodeJSON(orEmpty(d), &req); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	actor, claims, err := s.g.opts.Service.Authenticate(ctx, req.Token)
	if err != nil {
		return nil, err
	}
	if actor != s.actor {
		return nil, plaza.FieldErrorf(plaza.ETokenInvalid, "token", "the new token is for %s/%s, not this session's user", actor.AppID, actor.UserID)
	}
	exp := time.Unix(claims.Expires, 0)
	s.setTokenExpiry(exp)
	return RenewTokenResult{TokenExpiresAt: exp.UnixMilli()}, nil
}

// end releases everything the session holds. A queued close frame (and what
// precedes it, such as identify's error) is written first, within the write
// timeout.
func (s *session) end() {
	s.stop()
	s.mu.Lock()
	if s.timer != nil {
		s.timer.Stop()
	}
	closing := s.closing
	s.mu.Unlock()
	if closing {
		select {
		case <-s.flushed:
		case <-time.After(s.g.opts.WriteTimeout):
		}
	}
	s.g.hub.detach(s)
	s.conn.Close()
}
