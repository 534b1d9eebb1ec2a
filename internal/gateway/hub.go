package gateway

import (
	"log/slog"
	"sync"

	"github.com/plazahq/plaza"
)

type userKey struct{ app, user string }

type communityKey struct{ app, community string }

// localUser is a user with at least one session on this node. Its roles are
// this node's view of the user's memberships, kept current by the grants
// events carry; fan-out consults them, so that a member who leaves or is
// kicked receives nothing more from the community.
type localUser struct {
	key      userKey
	sessions []*session
	roles    map[string]plaza.Role // community ID → role
	limiter  *limiter              // requests of all the user's sessions
}

// interest is this node's subscription to one community's topic, held while
// at least one local user is a member.
type interest struct {
	users map[*localUser]struct{}
	sub   plaza.Subscription
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

	mu          sync.RWMutex
	users       map[userKey]*localUser
	communities map[communityKey]*interest
	buckets     map[int]*bucket
}

func newHub(bus plaza.Bus, log *slog.Logger, userLimit func() *limiter) *hub {
	return &hub{
		bus:         bus,
		log:         log,
		userLimit:   userLimit,
		users:       make(map[userKey]*localUser),
		communities: make(map[communityKey]*interest),
		buckets:     make(map[int]*bucket),
	}
}

// attach registers an identified session with the user's communities and
// queues its ready frame. Holding the hub's lock while queueing it makes
// ready the first frame after hello: no event can be delivered in between.
func (h *hub) attach(s *session, communities []plaza.Community, ready []byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	key := userKey{s.actor.AppID, s.actor.UserID}
	lu := h.users[key]
	if lu == nil {
		lu = &localUser{key: key, roles: make(map[string]plaza.Role), limiter: h.userLimit()}
		if err := h.subscribeBucketLocked(lu); err != nil {
			return err
		}
		h.users[key] = lu
	}
	// The store's list is the truth: reconcile with it.
	fresh := make(map[string]plaza.Role, len(communities))
	for _, c := range communities {
		fresh[c.CommunityID] = c.MemberRole
	}
	for id := range lu.roles {
		if _, ok := fresh[id]; !ok {
			h.leaveLocked(lu, id)
		}
	}
	for id, role := range fresh {
		if err := h.joinLocked(lu, id, role); err != nil {
			h.log.Warn("gateway: subscribe community", "community", id, "err", err)
		}
	}
	lu.sessions = append(lu.sessions, s)
	s.user = lu
	s.enqueueRaw(ready)
	return nil
}

// detach forgets a session; the user's subscriptions go with its last one.
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
	if len(lu.sessions) > 0 {
		return
	}
	for id := range lu.roles {
		h.leaveLocked(lu, id)
	}
	delete(h.users, lu.key)
	b := h.buckets[plaza.UserTopic(lu.key.app, lu.key.user).Bucket]
	if b.users--; b.users == 0 {
		b.sub.Close()
		delete(h.buckets, plaza.UserTopic(lu.key.app, lu.key.user).Bucket)
	}
}

func (h *hub) subscribeBucketLocked(lu *localUser) error {
	t := plaza.UserTopic(lu.key.app, lu.key.user)
	b := h.buckets[t.Bucket]
	if b == nil {
		sub, err := h.bus.Subscribe(t, h.deliver)
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
	lu.roles[communityID] = role
	key := communityKey{lu.key.app, communityID}
	in := h.communities[key]
	if in == nil {
		sub, err := h.bus.Subscribe(plaza.CommunityTopic(key.app, key.community), h.deliver)
		if err != nil {
			delete(lu.roles, communityID)
			return err
		}
		in = &interest{users: make(map[*localUser]struct{}), sub: sub}
		h.communities[key] = in
	}
	in.users[lu] = struct{}{}
	return nil
}

func (h *hub) leaveLocked(lu *localUser, communityID string) {
	delete(lu.roles, communityID)
	key := communityKey{lu.key.app, communityID}
	in := h.communities[key]
	if in == nil {
		return
	}
	delete(in.users, lu)
	if len(in.users) == 0 {
		in.sub.Close()
		delete(h.communities, key)
	}
}

// deliver routes one bus event: it applies the event's grants, then queues
// the event for every local session entitled to it.
func (h *hub) deliver(e *plaza.Event) {
	if len(e.Grants) > 0 || e.Dismissed {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.applyGrantsLocked(e)
	} else {
		h.mu.RLock()
		defer h.mu.RUnlock()
	}
	var d *dispatch
	send := func(lu *localUser) {
		if d == nil {
			d = newDispatch(e.Name, e.Data)
		}
		for _, s := range lu.sessions {
			s.enqueueDispatch(d)
		}
	}
	if len(e.UserIDs) > 0 {
		for _, id := range e.UserIDs {
			if lu := h.users[userKey{e.AppID, id}]; lu != nil {
				send(lu)
			}
		}
	} else if in := h.communities[communityKey{e.AppID, e.CommunityID}]; in != nil {
		for lu := range in.users {
			send(lu)
		}
	}
	if e.Dismissed {
		if in := h.communities[communityKey{e.AppID, e.CommunityID}]; in != nil {
			for lu := range in.users {
				h.leaveLocked(lu, e.CommunityID)
			}
		}
	}
}

func (h *hub) applyGrantsLocked(e *plaza.Event) {
	for _, g := range e.Grants {
		lu := h.users[userKey{e.AppID, g.UserID}]
		if lu == nil {
			continue
		}
		if g.Role == plaza.RoleNone {
			h.leaveLocked(lu, e.CommunityID)
			continue
		}
		if err := h.joinLocked(lu, e.CommunityID, g.Role); err != nil {
			h.log.Warn("gateway: subscribe community", "community", e.CommunityID, "err", err)
		}
	}
}

// sessions returns every attached session, for shutdown.
func (h *hub) sessionCount() (users, communities int) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.users), len(h.communities)
}
