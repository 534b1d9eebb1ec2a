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
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/plazahq/plaza"
)

// outFrame is one queued frame: a dispatch (shared payload plus the
// session's sequence number) or a frame encoded for this connection alone.
type outFrame struct {
	op  ws.OpCode
	seq int64
	d   *dispatch
	raw []byte
	at  int64 // when it was queued (Unix ns)
}

// size is what the frame weighs in its queue, in bytes.
func (f *outFrame) size() int64 {
	if f.d != nil {
		return int64(len(f.d.head)+len(f.d.tail)) + 20
	}
	return int64(len(f.raw))
}

// conn is one WebSocket connection. On Linux an idle connection has no
// goroutine: the gateway's poller starts one when a frame arrives (elsewhere
// a reader goroutine waits for frames). Its writer is started when frames
// are queued and exits when the queue is empty. A session outlives its
// connection for the resume window.
type conn struct {
	g   *Gateway
	nc  net.Conn
	ctx context.Context // ends with the connection

	mu      sync.Mutex
	queue   []outFrame
	spare   []outFrame
	queued  int64      // bytes in queue and in the writer's hands
	user    *localUser // the session's user once bound: its connections' bytes together
	writing bool
	closing bool // a close frame is queued: nothing more is accepted
	code    int  // the close code, once closing

	flushed   chan struct{} // closed once the close frame is written, or writing failed
	flushOnce sync.Once

	addr string // the remote host, for the identify limit per address

	// With a poller, the connection has no reader goroutine while idle:
	// fd is watched for the next frame (see poller).
	polled   bool
	fd       int
	deadline atomic.Int64 // when the next frame must have come (Unix ns)
	stop     context.CancelFunc
	finished sync.Once

	// Reader state: held by whoever reads a frame (the reader goroutine, or
	// the goroutine a readiness event started).
	rmu           sync.Mutex
	rd            *wsutil.Reader
	s             *session // set by identify or resume
	lastHeartbeat time.Time
	limited       int // consecutive rate-limited requests
}

var writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4096) }}

// enqueue queues a frame. A connection whose queue is full is closed: its
// client reads too slowly to keep up.
func (c *conn) enqueue(f outFrame) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.enqueueLocked(f)
}

func (c *conn) enqueueLocked(f outFrame) {
	if c.closing {
		return
	}
	n := f.size()
	o := &c.g.opts
	if len(c.queue) >= o.SendQueue || c.queued+n > o.SendQueueBytes ||
		(c.user != nil && c.user.queued.Load()+n > o.UserQueueBytes) {
		c.g.metrics.overflows.Add(1)
		// What is queued would only hold the close frame back; the session
		// keeps it for a resume.
		var dropped int64
		for i := range c.queue {
			dropped += c.queue[i].size()
		}
		c.countLocked(-dropped)
		clear(c.queue)
		c.queue = c.queue[:0]
		c.closeLocked(CloseQueueOverflow, "send queue overflow: the client reads too slowly")
		return
	}
	c.countLocked(n)
	f.at = time.Now().UnixNano()
	c.queue = append(c.queue, f)
	c.kickLocked()
}

// countLocked adds n bytes to what the connection, its user and the node
// hold queued.
func (c *conn) countLocked(n int64) {
	c.queued += n
	if c.user != nil {
		c.user.queued.Add(n)
	}
	c.g.metrics.queuedBytes.Add(n)
}

// setUser counts the connection's queued bytes towards its user's.
func (c *conn) setUser(lu *localUser) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.user == nil && lu != nil {
		c.user = lu
		lu.queued.Add(c.queued)
	}
}

func (c *conn) enqueueRaw(b []byte) { c.enqueue(outFrame{op: ws.OpText, raw: b}) }

// close queues a close frame; the writer sends it and closes the socket.
func (c *conn) close(code int, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeLocked(code, reason)
}

func (c *conn) closeLocked(code int, reason string) {
	if c.closing {
		return
	}
	c.closing, c.code = true, code
	if len(reason) > 120 {
		reason = reason[:120]
	}
	f := outFrame{op: ws.OpClose, raw: ws.NewCloseFrameBody(ws.StatusCode(code), reason)}
	c.countLocked(f.size())
	c.queue = append(c.queue, f)
	c.kickLocked()
	// However the peer behaves, the socket closes soon.
	time.AfterFunc(c.g.opts.WriteTimeout, c.drop)
}

// closeCode returns the code the connection closed with, 0 if it did not
// close itself.
func (c *conn) closeCode() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.code
}

func (c *conn) kickLocked() {
	if !c.writing {
		c.writing = true
		go c.write()
	}
}

// write drains the queue into the socket, coalescing every frame queued so
// far into one flush.
func (c *conn) write() {
	for {
		c.mu.Lock()
		frames := c.queue
		if len(frames) == 0 {
			// Idle: the writer goroutine and its spare queue go, so that
			// an idle connection holds neither.
			c.writing = false
			c.spare = nil
			c.mu.Unlock()
			return
		}
		c.queue, c.spare = c.spare[:0], nil
		c.mu.Unlock()

		var n int64
		start := time.Now()
		st := &c.g.stages
		for i := range frames {
			n += frames[i].size()
			if frames[i].d != nil {
				st.queue.observe(time.Duration(start.UnixNano() - frames[i].at))
			}
		}
		closed, err := c.writeFrames(frames)
		st.write.observe(time.Since(start))
		clear(frames) // drop references to shared payloads
		c.mu.Lock()
		c.countLocked(-n)
		if c.spare == nil {
			c.spare = frames[:0]
		}
		if err != nil || closed {
			var rest int64
			for i := range c.queue {
				rest += c.queue[i].size()
			}
			c.countLocked(-rest)
			c.closing = true
			c.queue = nil
			c.writing = false
			c.mu.Unlock()
			c.drop()
			c.flushOnce.Do(func() { close(c.flushed) })
			return
		}
		c.mu.Unlock()
	}
}

func (c *conn) writeFrames(frames []outFrame) (closed bool, err error) {
	bw := writerPool.Get().(*bufio.Writer)
	bw.Reset(c.nc)
	defer func() {
		bw.Reset(nil)
		writerPool.Put(bw)
	}()
	c.nc.SetWriteDeadline(time.Now().Add(c.g.opts.WriteTimeout))
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
			c.g.metrics.dispatched.Add(1)
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

// newReader returns the connection's frame reader over src.
func (c *conn) newReader(src io.Reader) *wsutil.Reader {
	return &wsutil.Reader{
		Source:         src,
		State:          ws.StateServerSide,
		CheckUTF8:      true,
		MaxFrameSize:   c.g.opts.MaxFrameBytes,
		MaxMessageSize: c.g.opts.MaxFrameBytes,
		OnIntermediate: func(h ws.Header, r io.Reader) error { return c.control(h, r) },
	}
}

// run reads frames on the connection's own goroutine until it ends.
func (c *conn) run(src io.Reader) {
	defer c.finish()
	c.rmu.Lock()
	defer c.rmu.Unlock()
	c.rd = c.newReader(src)
	for c.readFrame() {
	}
}

// readReady reads and handles the frame whose first bytes made the
// connection ready, then watches the connection again; it runs on a
// goroutine of its own, started by the poller.
func (c *conn) readReady() {
	c.rmu.Lock()
	ok := c.readFrame()
	c.rmu.Unlock()
	if !ok || c.g.poll.rearm(c, c.fd) != nil {
		c.finish()
	}
}

// readFrame reads and handles one frame, within the connection's deadline;
// false ends the connection. The reader state is held.
func (c *conn) readFrame() bool {
	c.nc.SetReadDeadline(time.Unix(0, c.deadline.Load()))
	hdr, err := c.rd.NextFrame()
	if err != nil {
		c.readFailed(err)
		return false
	}
	if hdr.OpCode.IsControl() {
		return c.control(hdr, c.rd) == nil
	}
	if hdr.OpCode != ws.OpText {
		c.close(CloseUnsupportedData, "frames must be text (JSON)")
		return false
	}
	payload, err := io.ReadAll(c.rd)
	if err != nil {
		c.readFailed(err)
		return false
	}
	if !c.handle(payload) {
		return false
	}
	if c.s != nil {
		c.deadline.Store(c.lastHeartbeat.Add(c.g.heartbeatDeadline()).UnixNano())
	}
	return true
}

// expire closes a polled connection whose deadline passed with no frame:
// no identify in time, or no heartbeat. A connection whose frame is being
// read is left to its reader's deadline.
func (c *conn) expire(now time.Time) {
	if !c.polled || now.UnixNano() < c.deadline.Load() || !c.rmu.TryLock() {
		return
	}
	if c.s != nil {
		c.close(CloseHeartbeatMissed, "no heartbeat within the deadline")
	} else {
		c.close(CloseNotIdentified, "no identify within the deadline")
	}
	c.rmu.Unlock()
	c.finish()
}

// closeSocket closes the socket, first taking it out of the poller, so
// that its descriptor, once the system reuses it, reaches no other
// connection.
func (c *conn) closeSocket() {
	if c.polled {
		c.g.poll.remove(c, c.fd)
	}
	c.nc.Close()
}

// drop closes the socket from outside the reader. A reader goroutine
// notices by itself; a polled connection, which has none, is finished here.
func (c *conn) drop() {
	c.closeSocket()
	if c.polled {
		go c.finish()
	}
}

// finish ends the connection once: its session detaches (or ends), and the
// gateway forgets it.
func (c *conn) finish() {
	c.finished.Do(func() {
		c.stop()
		c.end()
		g := c.g
		g.mu.Lock()
		delete(g.conns, c)
		g.mu.Unlock()
		g.metrics.conns.Add(-1)
		g.wg.Done()
	})
}

// readFailed ends the connection after a read error, saying why when the
// peer can still hear it.
func (c *conn) readFailed(err error) {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		if c.s != nil {
			c.close(CloseHeartbeatMissed, "no heartbeat within the deadline")
		} else {
			c.close(CloseNotIdentified, "no identify within the deadline")
		}
	case errors.Is(err, wsutil.ErrFrameTooLarge), errors.Is(err, wsutil.ErrMessageTooLarge):
		c.close(CloseTooBig, "frame larger than "+strconv.FormatInt(c.g.opts.MaxFrameBytes, 10)+" bytes")
	case errors.Is(err, wsutil.ErrInvalidUTF8):
		c.close(int(ws.StatusInvalidFramePayloadData), "text frame is not valid UTF-8")
	case errors.Is(err, ws.ErrProtocolMaskRequired), errors.Is(err, ws.ErrProtocolOpCodeReserved),
		errors.Is(err, ws.ErrProtocolNonZeroRsv), errors.Is(err, ws.ErrProtocolControlPayloadOverflow),
		errors.Is(err, ws.ErrProtocolControlNotFinal), errors.Is(err, ws.ErrProtocolContinuationExpected),
		errors.Is(err, ws.ErrProtocolContinuationUnexpected):
		c.close(int(ws.StatusProtocolError), err.Error())
	}
}

// control answers a ping, or the peer's close. A non-nil error ends the
// reader.
func (c *conn) control(h ws.Header, r io.Reader) error {
	payload := make([]byte, h.Length)
	if _, err := io.ReadFull(r, payload); err != nil {
		return err
	}
	switch h.OpCode {
	case ws.OpPing:
		c.enqueue(outFrame{op: ws.OpPong, raw: payload})
	case ws.OpClose:
		code, _ := ws.ParseCloseFrameData(payload)
		if code == 0 || code == ws.StatusNoStatusRcvd {
			code = ws.StatusNormalClosure
		}
		c.close(int(code), "")
		return io.EOF
	}
	return nil
}

// handle acts on one text frame; false ends the reader.
func (c *conn) handle(payload []byte) bool {
	var f Frame
	if err := json.Unmarshal(payload, &f); err != nil {
		c.close(CloseDecodeError, "frame is not a JSON object: "+err.Error())
		return false
	}
	switch f.Op {
	case OpHeartbeat:
		var hb Heartbeat
		if err := plaza.DecodeJSON(orEmpty(f.D), &hb); err != nil {
			c.refuse(CloseDecodeError, err)
			return false
		}
		c.lastHeartbeat = time.Now()
		c.enqueueRaw(heartbeatAck)
		if c.s != nil && hb.Seq > 0 {
			c.s.ack(hb.Seq)
		}
		return true
	case OpIdentify, OpResume:
		if c.s != nil {
			c.close(CloseAlreadyIdent, "already identified")
			return false
		}
		if f.Op == OpResume {
			return c.resume(f.D)
		}
		return c.identify(f.D, nil)
	case OpRequest:
		if c.s == nil {
			c.close(CloseNotIdentified, "send identify first")
			return false
		}
		return c.request(f)
	}
	c.close(CloseDecodeError, "unknown op "+strconv.Quote(f.Op))
	return false
}

var heartbeatAck = encodeFrame(Frame{Op: OpHeartbeatAck})

// refuse sends an error frame and closes the connection.
func (c *conn) refuse(code int, err error) {
	pe := plaza.AsError(err)
	if pe.Code == plaza.EInternal {
		c.g.log.Error("gateway: session refused", "err", err)
	}
	c.enqueueRaw(encodeFrame(Frame{Op: OpError, Error: pe}))
	c.close(code, string(pe.Code))
}

// orEmpty reads a protocol frame's absent or null payload as an empty
// object.
func orEmpty(d json.RawMessage) []byte {
	if len(d) == 0 || string(d) == "null" {
		return []byte("{}")
	}
	return d
}

// requestBody is a request's payload: absent reads as an empty object; a
// null one, as over HTTP, goes on for the decoder to refuse.
func requestBody(d json.RawMessage) []byte {
	if len(d) == 0 {
		return []byte("{}")
	}
	return d
}

// authenticate checks a token for identify or resume, refusing the
// connection when it fails or when the user identifies too often. It also
// returns the version of the app's secrets read before the check, which the
// session keeps (see Gateway.checkSecrets).
func (c *conn) authenticate(token string) (plaza.Actor, plaza.TokenClaims, string, bool) {
	ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	defer cancel()
	var secrets string
	if pc, err := plaza.ParseToken(token); err == nil {
		secrets, _ = c.g.opts.Service.SecretsVersion(ctx, pc.AppID)
	}
	actor, claims, err := c.g.opts.Service.Authenticate(ctx, token)
	if err != nil {
		code := CloseAuthFailed
		if plaza.ErrorCode(err) == plaza.ETokenExpired {
			code = CloseTokenExpired
		}
		c.g.metrics.refused.Add(1)
		c.refuse(code, err)
		return actor, claims, "", false
	}
	if !c.g.userIDs.allow(actor.AppID + "\x00" + actor.UserID) {
		c.identifyLimited("identify rate limit of the user exceeded; retry later")
		return actor, claims, "", false
	}
	return actor, claims, secrets, true
}

// identifyLimited closes a connection whose identify or resume a limit
// refused. No error frame precedes the close: the client retries, later.
func (c *conn) identifyLimited(reason string) {
	c.g.metrics.identLimited.Add(1)
	c.close(CloseRateLimited, reason)
}

// identify authenticates a new session and sends ready. A resume that
// could not be honoured identifies too, sending resync before ready.
func (c *conn) identify(d json.RawMessage, resync *Resync) bool {
	var id Identify
	if resync != nil {
		id.Token = resync.token
	} else if err := plaza.DecodeJSON(orEmpty(d), &id); err != nil {
		c.refuse(CloseDecodeError, err)
		return false
	}
	if id.ProtocolVersion != 0 && id.ProtocolVersion != ProtocolVersion {
		c.refuse(CloseBadVersion, plaza.FieldErrorf(plaza.EInvalidArgument, "protocolVersion",
			"protocol version %d is not supported; this server speaks %d", id.ProtocolVersion, ProtocolVersion))
		return false
	}
	token, actor, claims, secrets := id.Token, plaza.Actor{}, plaza.TokenClaims{}, ""
	if resync != nil {
		// resume authenticated already.
		token, actor, claims, secrets = resync.token, resync.actor, resync.claims, resync.secrets
	} else {
		if !c.g.addrIDs.allow(c.addr) {
			c.identifyLimited("identify rate limit of the address exceeded; retry later")
			return false
		}
		var ok bool
		if actor, claims, secrets, ok = c.authenticate(token); !ok {
			return false
		}
	}
	s, victims, ok := c.start(actor, claims, token, secrets, resync)
	if !ok {
		return false
	}
	for _, v := range victims {
		v.dispatchLocal(EventKickedOut, KickedOut{Reason: plaza.Errorf(plaza.ERateLimited,
			"the user opened more than %d sessions on this server; this one, the oldest, ended", c.g.opts.MaxUserSessions)})
		v.closeConn(CloseSessionLimit, "session limit: a newer session of this user replaced this one")
		v.end()
	}
	c.s = s
	c.lastHeartbeat = time.Now()
	s.setTokenExpiry(time.Unix(claims.Expires, 0))
	c.g.metrics.identified.Add(1)
	return true
}

// start reads a new session's memberships and attaches it to the hub, ready
// first. The user is made known to the hub before the read, so that a change
// of its memberships that lands meanwhile (a kick racing the identify) is
// seen: the read is then made again, and the store's answer never undoes a
// newer event. It returns the session and the user's sessions beyond the
// limit, which the caller ends.
func (c *conn) start(actor plaza.Actor, claims plaza.TokenClaims, token, secrets string, resync *Resync) (*session, []*session, bool) {
	ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	defer cancel()
	lu, gen, err := c.g.hub.prepare(actor)
	if err != nil {
		c.refuse(CloseUnknownError, err)
		return nil, nil, false
	}
	s := c.g.newSession(actor, token, secrets)
	exp := time.Unix(claims.Expires, 0)
	const tries = 5
	for try := 1; ; try++ {
		list, err := c.g.opts.Service.SessionCommunities(ctx, actor)
		if err != nil {
			c.g.hub.release(lu)
			s.end()
			c.refuse(CloseUnknownError, err)
			return nil, nil, false
		}
		if c.g.afterRead != nil {
			c.g.afterRead()
		}
		ready := encodeFrame(Frame{Op: OpReady, D: mustJSON(Ready{
			SessionID:         s.id,
			AppID:             actor.AppID,
			UserID:            actor.UserID,
			ProtocolVersion:   ProtocolVersion,
			HeartbeatInterval: c.g.opts.HeartbeatInterval.Milliseconds(),
			TokenExpiresAt:    exp.UnixMilli(),
			PassiveThreshold:  c.g.opts.Service.PassiveThreshold(),
			ResumeWindow:      c.g.opts.ResumeWindow.Milliseconds(),
			CommunityList:     list,
		})})
		var first [][]byte
		if resync != nil {
			first = append(first, encodeFrame(Frame{Op: OpResync, D: mustJSON(resync)}))
		}
		first = append(first, ready)
		// After a few tries under a stream of changes, the list attaches as
		// it is; the events that follow, and the periodic recheck, bring the
		// view up to date.
		victims, now, err := c.g.hub.attach(s, c, lu, gen, list, first, try == tries, c.g.opts.MaxUserSessions)
		switch {
		case err == nil:
			if resync != nil {
				c.g.metrics.resynced.Add(1)
			}
			return s, victims, true
		case errors.Is(err, errStaleMemberships):
			gen = now
		default:
			c.refuse(CloseUnknownError, err)
			return nil, nil, false
		}
	}
}

// resume reattaches a session that lost its connection and replays what it
// missed, or, when it cannot, says resync and starts a new session.
func (c *conn) resume(d json.RawMessage) bool {
	var r Resume
	if err := plaza.DecodeJSON(orEmpty(d), &r); err != nil {
		c.refuse(CloseDecodeError, err)
		return false
	}
	if !c.g.addrIDs.allow(c.addr) {
		c.identifyLimited("identify rate limit of the address exceeded; retry later")
		return false
	}
	actor, claims, secrets, ok := c.authenticate(r.Token)
	if !ok {
		return false
	}
	resync := func(reason string) bool {
		return c.identify(nil, &Resync{Reason: reason, token: r.Token, actor: actor, claims: claims, secrets: secrets})
	}
	s := c.g.resumable(r.SessionID, actor)
	if s == nil {
		return resync("the session is unknown to this server or expired")
	}
	replayed, ok := s.rebind(c, r.Seq)
	if !ok {
		s.end()
		return resync("the events after seq " + strconv.FormatInt(r.Seq, 10) + " are no longer buffered")
	}
	c.s = s
	c.lastHeartbeat = time.Now()
	s.setToken(r.Token, secrets)
	s.setTokenExpiry(time.Unix(claims.Expires, 0))
	c.g.metrics.resumed.Add(1)
	c.g.log.Debug("gateway: session resumed", "session", s.id, "replayed", replayed)
	return true
}

// request runs one operation and queues its reply. Requests run
// concurrently, up to a bound per node; beyond it the reader waits.
func (c *conn) request(f Frame) bool {
	s := c.s
	if !s.limit.allow() || !s.user.limiter.allow() {
		c.limited++
		if c.limited > c.g.opts.RequestBurst*4 {
			c.close(CloseRateLimited, "request rate far beyond the limit")
			return false
		}
		c.g.metrics.rateLimited.Add(1)
		c.reply(f, nil, plaza.Errorf(plaza.ERateLimited, "more than %.0f requests per second", c.g.opts.RequestRate))
		return true
	}
	c.limited = 0
	switch f.T {
	case "renewToken":
		res, err := s.renewToken(c.ctx, f.D)
		c.reply(f, res, err)
		return true
	case "setActiveCommunities":
		res, err := s.setActive(f.D)
		c.reply(f, res, err)
		return true
	}
	op, ok := plaza.LookupOperation(f.T)
	if !ok {
		c.reply(f, nil, plaza.Errorf(plaza.EUnknownOperation, "unknown operation %q", f.T))
		return true
	}
	select {
	case c.g.inflight <- struct{}{}:
	case <-c.ctx.Done():
		return false
	}
	c.g.wg.Add(1)
	go func() {
		defer c.g.wg.Done()
		defer func() { <-c.g.inflight }()
		// A request already read runs to its end even if the connection
		// ends, so that its write is never left half-known.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), c.g.opts.RequestTimeout)
		defer cancel()
		d := requestBody(f.D)
		start := time.Now()
		res, err := op.Call(ctx, c.g.opts.Service, s.actor, func(v any) error { return plaza.DecodeJSON(d, v) })
		if obs := c.g.opts.Observe; obs != nil {
			var code plaza.Code
			if err != nil {
				code = plaza.ErrorCode(err)
			}
			obs(f.T, code, time.Since(start))
		}
		c.reply(f, res, err)
	}()
	return true
}

func (c *conn) reply(f Frame, res any, err error) {
	out := Frame{Op: OpReply, ID: f.ID, T: f.T}
	if err != nil {
		pe := plaza.AsError(err)
		if pe.Code == plaza.EInternal {
			c.g.log.Error("gateway: request failed", "session", c.s.id, "op", f.T, "err", err)
			pe = &plaza.Error{Code: plaza.EInternal, Message: "internal error; session " + c.s.id + " request " + f.ID}
		}
		out.Error = pe
	} else {
		out.D = mustJSON(res)
	}
	c.enqueueRaw(encodeFrame(out))
}

// end releases the connection. A queued close frame (and what precedes it,
// such as identify's error) is written first, within the write timeout. The
// session, if any, stays resumable unless the close was final.
func (c *conn) end() {
	c.mu.Lock()
	closing, code := c.closing, c.code
	c.mu.Unlock()
	if closing {
		select {
		case <-c.flushed:
		case <-time.After(c.g.opts.WriteTimeout):
		}
	}
	c.closeSocket()
	// A reader still reading returns at once, its socket closed.
	c.rmu.Lock()
	s := c.s
	c.rmu.Unlock()
	if s != nil {
		s.unbind(c, resumableClose(closing, code))
	}
}

// resumableClose reports whether a session may resume after its connection
// closed with code (or, if !closing, dropped without a close).
func resumableClose(closing bool, code int) bool {
	if !closing {
		return true // the network failed
	}
	switch code {
	case CloseHeartbeatMissed, CloseQueueOverflow, CloseUnknownError:
		return true
	}
	return false
}
