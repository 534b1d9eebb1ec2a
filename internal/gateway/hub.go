package gateway

import (
	"encoding/json"
	"errors"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plazahq/plaza"
)

type userKey struct{ app, user string }

type communityKey struct{ app, community string }

// membership is a local user's view of one community: its role and the
// private channels it is listed in.
type membership struct {
	role    plaza.Role
	private map[string]struct{}
}

// sees reports whether the member sees a channel.
func (m *membership) sees(channelID string, private bool) bool {
	if !private || m.role == plaza.RoleOwner || m.role == plaza.RoleAdmin {
		return true
	}
	_, ok := m.private[channelID]
	return ok
}

// localUser is a user with at least one session on this node. Its
// memberships are this node's view, kept current by the grants events carry;
// fan-out consults them, so that a member who leaves, is kicked or is removed
// from a private channel receives nothing more from it.
type localUser struct {
	key         userKey
	sessions    []*session
	memberships map[string]*membership // community ID →
	limiter     *limiter               // requests of all the user's sessions
	// gen counts the changes of memberships that events brought. A view
	// read from the store replaces memberships only if gen did not move
	// since the read began: otherwise an event newer than the read (a kick)
	// could be undone by it.
	gen uint64
	// pending counts identifies between prepare and attach: the user stays
	// known, and its events counted, while they read its memberships.
	pending int
	// queued is what all the user's connections hold in their send queues,
	// in bytes.
	queued atomic.Int64
}

// interest is this node's subscription to one community's topic, held while
// at least one local user is a member.
type interest struct {
	users map[*localUser]struct{}
	sub   plaza.Subscription
	// heads are the channels' latest seqs not yet sent to passive sessions.
	heads map[string]Head
}

type bucket struct {
	users int
	sub   plaza.Subscription
}

// hub tracks the sessions of this node and routes bus events to them. It
// holds one bus subscription per community with local members and one per
// user bucket with local users: interest per node, never per connection.
type hub struct {
	bus       plaza.Bus
	log       *slog.Logger
	userLimit func() *limiter
	stages    *stages

	mu          sync.RWMutex
	users       map[userKey]*localUser
	communities map[communityKey]*interest
	buckets     map[int]*bucket
	pending     map[communityKey]struct{} // communities with heads to send
	recheck     []userKey                 // users whose memberships are still to recheck this round
}

func newHub(bus plaza.Bus, log *slog.Logger, userLimit func() *limiter) *hub {
	return &hub{
		bus:         bus,
		log:         log,
		userLimit:   userLimit,
		users:       make(map[userKey]*localUser),
		communities: make(map[communityKey]*interest),
		buckets:     make(map[int]*bucket),
		pending:     make(map[communityKey]struct{}),
	}
}

// prepare makes the user known to the hub before its memberships are read
// for a new session: from now on every change of them that reaches this node
// moves the user's gen, which attach checks. It returns the user and its gen.
// Each prepare is followed by one attach that succeeds, or by release.
func (h *hub) prepare(actor plaza.Actor) (*localUser, uint64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	key := userKey{actor.AppID, actor.UserID}
	lu := h.users[key]
	if lu == nil {
		lu = &localUser{key: key, memberships: make(map[string]*membership), limiter: h.userLimit()}
		if err := h.subscribeBucketLocked(lu); err != nil {
			return nil, 0, err
		}
		h.users[key] = lu
	}
	lu.pending++
	return lu, lu.gen, nil
}

// attach registers an identified session with the user's memberships, read
// from the store after prepare returned gen, and binds it to its connection
// with its first frames. If events changed the user's memberships since gen,
// the list may be older than they are: attach does nothing and returns
// errStaleMemberships with the current gen, and the caller reads again.
// Holding the hub's lock while binding makes the first frames the first after
// hello: no event can be delivered in between.
//
// A session ended meanwhile (the server shutting down, its secret retired) is
// not attached: attach releases the user as release does and returns
// errSessionEnded. Checking under the hub's lock orders it with end, whose
// detach takes the lock: a session ended after attach is found and removed.
//
// A user may hold maxSessions sessions on this node: attach returns those
// beyond it, oldest first and those waiting for a resume before connected
// ones, for the caller to end.
func (h *hub) attach(s *session, c *conn, lu *localUser, gen uint64, communities []plaza.Community, first [][]byte, force bool, maxSessions int) (victims []*session, now uint64, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.isEnded() {
		h.releaseLocked(lu)
		return nil, lu.gen, errSessionEnded
	}
	if lu.gen != gen && !force {
		return nil, lu.gen, errStaleMemberships
	}
	h.reconcileLocked(lu, communities)
	lu.pending--
	if over := len(lu.sessions) + 1 - maxSessions; over > 0 {
		for _, x := range lu.sessions {
			if len(victims) < over && !x.connected() {
				victims = append(victims, x)
			}
		}
		for _, x := range lu.sessions {
			if len(victims) < over && x.connected() {
				victims = append(victims, x)
			}
		}
	}
	lu.sessions = append(lu.sessions, s)
	s.user = lu
	s.bind(c, first)
	return victims, lu.gen, nil
}

var (
	errStaleMemberships = errors.New("gateway: the user's memberships changed while they were read")
	errSessionEnded     = errors.New("gateway: the session ended while it was identifying")
)

// release undoes a prepare whose identify failed.
func (h *hub) release(lu *localUser) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.releaseLocked(lu)
}

func (h *hub) releaseLocked(lu *localUser) {
	lu.pending--
	h.forgetUserLocked(lu)
}

// reconcileLocked makes the user's memberships those of the store's list.
func (h *hub) reconcileLocked(lu *localUser, communities []plaza.Community) {
	fresh := make(map[string]plaza.Community, len(communities))
	for _, c := range communities {
		fresh[c.CommunityID] = c
	}
	for id := range lu.memberships {
		if _, ok := fresh[id]; !ok {
			h.leaveLocked(lu, id)
		}
	}
	for id, c := range fresh {
		if err := h.joinLocked(lu, id, c.MemberRole); err != nil {
			h.log.Warn("gateway: subscribe community", "community", id, "err", err)
			continue
		}
		m := lu.memberships[id]
		m.private = make(map[string]struct{}, len(c.PrivateChannelIDs))
		for _, ch := range c.PrivateChannelIDs {
			m.private[ch] = struct{}{}
		}
	}
}

// reconcile replaces a user's memberships with a list read from the store
// after gen was taken, unless events changed them meanwhile (the next
// recheck tries again). It repairs a node's view after an event that changed
// them was lost between nodes.
func (h *hub) reconcile(lu *localUser, gen uint64, communities []plaza.Community) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.users[lu.key] != lu || lu.gen != gen {
		return false
	}
	h.reconcileLocked(lu, communities)
	return true
}

// startRecheck begins a round of rechecks over every local user and returns
// their number.
func (h *hub) startRecheck() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recheck = h.recheck[:0]
	for k := range h.users {
		h.recheck = append(h.recheck, k)
	}
	return len(h.recheck)
}

// recheckDone reports whether the round of rechecks is over.
func (h *hub) recheckDone() bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.recheck) == 0
}

// nextRecheck returns up to n users of the round whose memberships are due to
// be read again, with their gens.
func (h *hub) nextRecheck(n int) ([]*localUser, []uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var users []*localUser
	var gens []uint64
	for len(users) < n && len(h.recheck) > 0 {
		k := h.recheck[len(h.recheck)-1]
		h.recheck = h.recheck[:len(h.recheck)-1]
		if lu := h.users[k]; lu != nil && lu.pending == 0 {
			users = append(users, lu)
			gens = append(gens, lu.gen)
		}
	}
	return users, gens
}

// userCount returns the number of local users.
func (h *hub) userCount() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.users)
}

// detach forgets a session that ended; the user's subscriptions go with its
// last one.
func (h *hub) detach(s *session) {
	h.mu.Lock()
	defer h.mu.Unlock()
	lu := s.user
	if lu == nil {
		return
	}
	for i, x := range lu.sessions {
		if x == s {
			lu.sessions = append(lu.sessions[:i], lu.sessions[i+1:]...)
			break
		}
	}
	h.forgetUserLocked(lu)
}

// forgetUserLocked drops a user who has no session and no identify under
// way; its subscriptions go with it.
func (h *hub) forgetUserLocked(lu *localUser) {
	if len(lu.sessions) > 0 || lu.pending > 0 || h.users[lu.key] != lu {
		return
	}
	for id := range lu.memberships {
		h.leaveLocked(lu, id)
	}
	delete(h.users, lu.key)
	bk := plaza.UserTopic(lu.key.app, lu.key.user).Bucket
	if b := h.buckets[bk]; b != nil {
		if b.users--; b.users == 0 {
			b.sub.Close()
			delete(h.buckets, bk)
		}
	}
}

func (h *hub) subscribeBucketLocked(lu *localUser) error {
	t := plaza.UserTopic(lu.key.app, lu.key.user)
	b := h.buckets[t.Bucket]
	if b == nil {
		sub, err := h.bus.Subscribe(t, h.deliverUsers)
		if err != nil {
			return err
		}
		b = &bucket{sub: sub}
		h.buckets[t.Bucket] = b
	}
	b.users++
	return nil
}

func (h *hub) joinLocked(lu *localUser, communityID string, role plaza.Role) error {
	if m := lu.memberships[communityID]; m != nil {
		m.role = role
		return nil
	}
	key := communityKey{lu.key.app, communityID}
	in := h.communities[key]
	if in == nil {
		sub, err := h.bus.Subscribe(plaza.CommunityTopic(key.app, key.community), h.deliver)
		if err != nil {
			return err
		}
		in = &interest{users: make(map[*localUser]struct{}), sub: sub}
		h.communities[key] = in
	}
	in.users[lu] = struct{}{}
	lu.memberships[communityID] = &membership{role: role, private: map[string]struct{}{}}
	return nil
}

func (h *hub) leaveLocked(lu *localUser, communityID string) {
	delete(lu.memberships, communityID)
	key := communityKey{lu.key.app, communityID}
	in := h.communities[key]
	if in == nil {
		return
	}
	delete(in.users, lu)
	if len(in.users) == 0 {
		in.sub.Close()
		delete(h.communities, key)
		delete(h.pending, key)
	}
}

// deliverUsers routes an event from a user topic. An event for a whole
// community arrives there only for the grants it carries, which change the
// memberships of users served here; it is delivered from the community's
// topic (to which this node subscribes if it has members there).
func (h *hub) deliverUsers(e *plaza.Event) {
	if len(e.UserIDs) > 0 {
		h.deliver(e)
		return
	}
	if len(e.Grants) == 0 && len(e.ChannelGrants) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.applyGrantsLocked(e)
}

// deliver routes one bus event: it applies the event's grants, then queues
// the event for every local session entitled to it.
func (h *hub) deliver(e *plaza.Event) {
	if e.PublishedAt > 0 && h.stages != nil {
		h.stages.bus.observe(time.Since(time.UnixMicro(e.PublishedAt)))
	}
	if len(e.Grants) > 0 || len(e.ChannelGrants) > 0 || e.Dismissed || (e.Large && e.Seq > 0) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.applyGrantsLocked(e)
	} else {
		h.mu.RLock()
		defer h.mu.RUnlock()
	}
	var d *dispatch
	send := func(s *session) {
		if d == nil {
			d = newDispatch(e.Name, e.Data)
		}
		s.send(d)
	}
	if len(e.UserIDs) > 0 {
		for _, id := range e.UserIDs {
			if lu := h.users[userKey{e.AppID, id}]; lu != nil {
				for _, s := range lu.sessions {
					send(s)
				}
			}
		}
		return
	}
	in := h.communities[communityKey{e.AppID, e.CommunityID}]
	if in == nil {
		return
	}
	if e.Large && e.Seq > 0 {
		h.noteHeadLocked(in, e)
	}
	for lu := range in.users {
		m := lu.memberships[e.CommunityID]
		if m == nil || (e.ChannelID != "" && !m.sees(e.ChannelID, e.Private)) ||
			(e.Parent != "" && !m.sees(e.Parent, e.ParentPrivate)) {
			continue
		}
		full := !e.Large || e.MentionAll || mentions(e, lu.key.user) || granted(e, lu.key.user)
		for _, s := range lu.sessions {
			if full || s.isActive(e.CommunityID) {
				send(s)
			}
		}
	}
	if e.Dismissed {
		h.forgetLocked(in, e)
	}
}

func mentions(e *plaza.Event, userID string) bool {
	for _, u := range e.Mentions {
		if u == userID {
			return true
		}
	}
	return false
}

func granted(e *plaza.Event, userID string) bool {
	for _, g := range e.Grants {
		if g.UserID == userID {
			return true
		}
	}
	return false
}

func (h *hub) applyGrantsLocked(e *plaza.Event) {
	for _, g := range e.Grants {
		lu := h.users[userKey{e.AppID, g.UserID}]
		if lu == nil {
			continue
		}
		lu.gen++
		if g.Role == plaza.RoleNone {
			h.leaveLocked(lu, e.CommunityID)
			continue
		}
		if err := h.joinLocked(lu, e.CommunityID, g.Role); err != nil {
			h.log.Warn("gateway: subscribe community", "community", e.CommunityID, "err", err)
		}
	}
	for _, g := range e.ChannelGrants {
		lu := h.users[userKey{e.AppID, g.UserID}]
		if lu == nil {
			continue
		}
		lu.gen++
		if m := lu.memberships[e.CommunityID]; m != nil {
			if g.Member {
				m.private[g.ChannelID] = struct{}{}
			} else {
				delete(m.private, g.ChannelID)
			}
		}
	}
}

// forgetLocked drops a dismissed community, or a dismissed channel of one,
// after its last event was delivered.
func (h *hub) forgetLocked(in *interest, e *plaza.Event) {
	if e.ChannelID != "" {
		for lu := range in.users {
			if m := lu.memberships[e.CommunityID]; m != nil {
				delete(m.private, e.ChannelID)
				lu.gen++
			}
		}
		delete(in.heads, e.ChannelID)
		return
	}
	for lu := range in.users {
		h.leaveLocked(lu, e.CommunityID)
		lu.gen++
	}
}

// noteHeadLocked remembers a large community's channel head for passive
// sessions.
func (h *hub) noteHeadLocked(in *interest, e *plaza.Event) {
	if in.heads == nil {
		in.heads = make(map[string]Head)
	}
	in.heads[e.ChannelID] = Head{ChannelID: e.ChannelID, LastMessageSeq: e.Seq, Private: e.Private,
		ParentChannelID: e.Parent, ParentPrivate: e.ParentPrivate}
	h.pending[communityKey{e.AppID, e.CommunityID}] = struct{}{}
}

// flushHeads sends the channel heads gathered since the last flush to the
// passive sessions of each large community: at most one frame per session
// and community per interval, whatever the message rate.
func (h *hub) flushHeads() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for key := range h.pending {
		in := h.communities[key]
		delete(h.pending, key)
		if in == nil || len(in.heads) == 0 {
			continue
		}
		heads := make([]Head, 0, len(in.heads))
		for _, hd := range in.heads {
			heads = append(heads, hd)
		}
		clear(in.heads)
		sort.Slice(heads, func(i, j int) bool { return heads[i].ChannelID < heads[j].ChannelID })
		var public *dispatch // for members who see every channel in heads
		for lu := range in.users {
			m := lu.memberships[key.community]
			if m == nil {
				continue
			}
			d := public
			visible := heads
			for i, hd := range heads {
				if !hd.visibleTo(m) {
					visible = filterHeads(heads[i:], m, heads[:i])
					break
				}
			}
			if len(visible) == 0 {
				continue
			}
			if len(visible) != len(heads) {
				d = headsDispatch(key.community, visible)
			} else if d == nil {
				public = headsDispatch(key.community, heads)
				d = public
			}
			for _, s := range lu.sessions {
				if !s.isActive(key.community) {
					s.send(d)
				}
			}
		}
	}
}

// filterHeads returns kept plus the heads of rest the member sees.
func filterHeads(rest []Head, m *membership, kept []Head) []Head {
	out := append([]Head(nil), kept...)
	for _, hd := range rest {
		if hd.visibleTo(m) {
			out = append(out, hd)
		}
	}
	return out
}

func headsDispatch(communityID string, heads []Head) *dispatch {
	b, _ := json.Marshal(ChannelHeadsUpdated{CommunityID: communityID, Heads: heads})
	return newDispatch(EventChannelHeadsUpdated, b)
}

// counts returns the number of local users and of community subscriptions.
func (h *hub) counts() (users, communities int) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.users), len(h.communities)
}
