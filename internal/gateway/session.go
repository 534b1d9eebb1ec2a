package gateway

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"

	"github.com/plazahq/plaza"
)

// session is one identified client: a user, its dispatch sequence and the
// dispatches it may still need. It lives on a connection and, after the
// connection drops, for the resume window, buffering what it is sent.
type session struct {
	g     *Gateway
	id    string
	actor plaza.Actor
	user  *localUser // guarded by the hub's lock
	limit *limiter
	// active holds the communities the client marked active; in a large
	// community only they get every event. Replaced whole, never changed.
	active atomic.Pointer[map[string]struct{}]

	mu       sync.Mutex
	c        *conn // nil while detached
	seq      int64
	ring     []ringEntry // the last dispatches, for resume; ring[head] is the oldest once full
	head     int
	ended    bool
	tokenExp time.Time
	token    string // the token the session last authenticated with
	secrets  string // the app's secrets version that token was checked against
	timer    *time.Timer
	expiry   *time.Timer // ends a detached session
}

type ringEntry struct {
	seq int64
	d   *dispatch
}

// newSession registers a session of actor, who authenticated with token
// against the app's secrets of version secrets. It is visible to the
// gateway's sweeps from here on, so it carries its credentials from the
// start: a sweep checking secrets must never see a session without them.
func (g *Gateway) newSession(actor plaza.Actor, token, secrets string) *session {
	s := &session{
		g:       g,
		id:      newSessionID(),
		actor:   actor,
		limit:   newLimiter(g.opts.RequestRate, float64(g.opts.RequestBurst), time.Now),
		token:   token,
		secrets: secrets,
	}
	g.mu.Lock()
	g.sessions[s.id] = s
	g.mu.Unlock()
	return s
}

// bindLocked puts the session on its first connection and queues frames
// before any dispatch. The hub's lock is held.
func (s *session) bind(c *conn, first [][]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.mu.Lock()
	if c.user == nil {
		c.user = s.user
		s.user.queued.Add(c.queued)
	}
	for _, b := range first {
		c.enqueueLocked(outFrame{op: ws.OpText, raw: b})
	}
	c.mu.Unlock()
	s.c = c
}

// send gives the session its next dispatch: it is numbered, kept for
// resume, and queued on the connection if there is one.
func (s *session) send(d *dispatch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	s.seq++
	e := ringEntry{seq: s.seq, d: d}
	if max := s.g.opts.ResumeBuffer; len(s.ring) < max {
		s.ring = append(s.ring, e)
	} else if max > 0 {
		s.ring[s.head] = e
		s.head = (s.head + 1) % max
	}
	if s.c != nil {
		s.c.enqueue(outFrame{op: ws.OpText, seq: s.seq, d: d})
	}
}

// dispatchLocal sends an event that the gateway itself raises.
func (s *session) dispatchLocal(name string, payload any) {
	s.send(newDispatch(name, mustJSON(payload)))
}

// ack drops from the resume buffer the dispatches up to seq, which the
// client says it has received: it will not resume from before them.
func (s *session) ack(seq int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.ring)
	if n == 0 || s.ring[s.head].seq > seq {
		return
	}
	var keep []ringEntry
	for i := range n {
		if e := s.ring[(s.head+i)%n]; e.seq > seq {
			keep = append(keep, e)
		}
	}
	s.ring, s.head = keep, 0
}

// rebind moves a detached session onto a new connection: resumed, then every
// dispatch after seq. It fails when some of them are no longer buffered.
func (s *session) rebind(c *conn, seq int64) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended || s.c != nil {
		return 0, false
	}
	oldest := s.seq + 1 // nothing buffered: only seq == s.seq resumes
	if len(s.ring) > 0 {
		oldest = s.ring[s.head].seq
	}
	if seq > s.seq || seq < oldest-1 {
		return 0, false
	}
	if s.expiry != nil {
		s.expiry.Stop()
	}
	c.setUser(s.user)
	c.mu.Lock()
	c.enqueueLocked(outFrame{op: ws.OpText, raw: encodeFrame(Frame{Op: OpResumed, D: mustJSON(Resumed{SessionID: s.id, Seq: s.seq})})})
	n := 0
	for i := range s.ring {
		e := s.ring[(s.head+i)%len(s.ring)]
		if e.seq > seq {
			c.enqueueLocked(outFrame{op: ws.OpText, seq: e.seq, d: e.d})
			n++
		}
	}
	c.mu.Unlock()
	s.c = c
	return n, true
}

// unbind detaches the session from a connection that ended. A resumable
// session waits for the resume window; any other ends now.
func (s *session) unbind(c *conn, resumable bool) {
	s.mu.Lock()
	if s.c != c {
		s.mu.Unlock()
		return
	}
	s.c = nil
	if !resumable || s.g.closing() || s.g.opts.ResumeWindow <= 0 {
		s.mu.Unlock()
		s.end()
		return
	}
	s.expiry = time.AfterFunc(s.g.opts.ResumeWindow, s.end)
	s.mu.Unlock()
}

// isEnded reports whether the session ended.
func (s *session) isEnded() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ended
}

// end finishes the session for good.
func (s *session) end() {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	s.ended = true
	s.ring = nil
	if s.timer != nil {
		s.timer.Stop()
	}
	if s.expiry != nil {
		s.expiry.Stop()
	}
	s.mu.Unlock()
	s.g.hub.detach(s)
	s.g.mu.Lock()
	delete(s.g.sessions, s.id)
	s.g.mu.Unlock()
}

// setToken records the token the session authenticated with, checked against
// the app's secrets of version secrets.
func (s *session) setToken(token, secrets string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token, s.secrets = token, secrets
}

// credentials returns the session's token and the secrets version it was
// last checked against.
func (s *session) credentials() (token, secrets string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token, s.secrets
}

// checkedSecrets records that token still verified with secrets version v,
// unless the token was renewed meanwhile.
func (s *session) checkedSecrets(token, v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == token {
		s.secrets = v
	}
}

// connected reports whether the session is on a connection (rather than
// waiting for a resume).
func (s *session) connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.c != nil
}

// closeConn closes the session's connection, if it has one.
func (s *session) closeConn(code int, reason string) {
	s.mu.Lock()
	c := s.c
	s.mu.Unlock()
	if c != nil {
		c.close(code, reason)
	}
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
	warn := max(time.Until(exp)-s.g.opts.TokenWarning, 0)
	s.timer = time.AfterFunc(warn, func() { s.tokenTimer(exp) })
}

func (s *session) tokenTimer(exp time.Time) {
	s.mu.Lock()
	current := s.tokenExp.Equal(exp) && !s.ended
	s.mu.Unlock()
	if !current {
		return // renewed or ended meanwhile
	}
	if left := time.Until(exp); left > 0 {
		s.dispatchLocal(EventTokenWillExpire, TokenWillExpire{SecondsRemaining: int64(left.Round(time.Second).Seconds())})
		s.mu.Lock()
		if s.tokenExp.Equal(exp) && !s.ended {
			s.timer = time.AfterFunc(left, func() { s.tokenTimer(exp) })
		}
		s.mu.Unlock()
		return
	}
	reason := plaza.Errorf(plaza.ETokenExpired, "the session's token expired; identify again with a new token")
	s.dispatchLocal(EventKickedOut, KickedOut{Reason: reason})
	s.closeConn(CloseTokenExpired, string(plaza.ETokenExpired))
	s.end()
}

// renewToken replaces the session's token with a new one for the same user.
func (s *session) renewToken(ctx context.Context, d json.RawMessage) (any, error) {
	var req RenewToken
	if err := plaza.DecodeJSON(orEmpty(d), &req); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var secrets string
	if pc, err := plaza.ParseToken(req.Token); err == nil {
		secrets, _ = s.g.opts.Service.SecretsVersion(ctx, pc.AppID)
	}
	actor, claims, err := s.g.opts.Service.Authenticate(ctx, req.Token)
	if err != nil {
		return nil, err
	}
	if actor != s.actor {
		return nil, plaza.FieldErrorf(plaza.ETokenInvalid, "token", "the new token is for %s/%s, not this session's user", actor.AppID, actor.UserID)
	}
	exp := time.Unix(claims.Expires, 0)
	s.setToken(req.Token, secrets)
	s.setTokenExpiry(exp)
	return RenewTokenResult{TokenExpiresAt: exp.UnixMilli()}, nil
}

// MaxActiveCommunities bounds the communities a session marks active.
const MaxActiveCommunities = 16

// setActive replaces the session's active communities.
func (s *session) setActive(d json.RawMessage) (any, error) {
	var req SetActiveCommunities
	if err := plaza.DecodeJSON(orEmpty(d), &req); err != nil {
		return nil, err
	}
	if len(req.CommunityIDs) > MaxActiveCommunities {
		return nil, plaza.FieldErrorf(plaza.EInvalidArgument, "communityIDs", "at most %d communities can be active at once, got %d", MaxActiveCommunities, len(req.CommunityIDs))
	}
	set := make(map[string]struct{}, len(req.CommunityIDs))
	for _, id := range req.CommunityIDs {
		set[id] = struct{}{}
	}
	s.active.Store(&set)
	return SetActiveCommunities{CommunityIDs: req.CommunityIDs}, nil
}

// isActive reports whether the session marked a community active.
func (s *session) isActive(communityID string) bool {
	if m := s.active.Load(); m != nil {
		_, ok := (*m)[communityID]
		return ok
	}
	return false
}
