package plaza

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Service runs every use case of Plaza. Permissions (SPEC §3) and limits (SPEC
// §2) are checked here, once, inside the write transaction of the change they
// guard; events are published after that transaction commits.
type Service struct {
	store Store
	bus   Bus
	now   func() time.Time
	ids   *Snowflake
	log   *slog.Logger

	appMu    sync.Mutex
	appCache map[string]cachedApp

	userMu sync.Mutex
	known  map[Actor]struct{} // users known to exist, to skip EnsureUser

	passiveThreshold int
	sends            *sendLimiter
	meter            *meter
	hook             SendHook
	webhookQueued    func()
	purgeWake        chan struct{} // a community was dismissed (runPurge)
	writes           atomic.Int64  // write transactions run (update), for the purge to yield to
}

// Options configures a Service.
type Options struct {
	Store  Store
	Bus    Bus
	Now    func() time.Time // defaults to time.Now
	NodeID int              // this node's number for generated IDs, 0–1023
	Logger *slog.Logger
	// PassiveThreshold is the member count from which a community is large:
	// its events go in full only to sessions that made it active. 0 means
	// DefaultPassiveThreshold; a negative value turns passive delivery off.
	PassiveThreshold int
	// Hook calls apps' beforeSendMessage hooks; nil leaves them uncalled
	// (and apps that set one get hook_unavailable or pass, as they chose).
	Hook SendHook
	// WebhookQueued is called after a commit that queued app callbacks, to
	// wake the dispatcher; nil when none runs in this process.
	WebhookQueued func()
}

// DefaultPassiveThreshold is the member count from which a community is
// large.
const DefaultPassiveThreshold = 1000

// appCacheTTL bounds how long a changed app setting (a rotated secret, the
// community switch) may take to be seen by token checks. Use cases read the
// app inside their transaction and never use the cache.
const appCacheTTL = 2 * time.Second

// knownUsersMax bounds the set of users known to exist.
const knownUsersMax = 1 << 20

type cachedApp struct {
	app     App
	expires time.Time
}

// NewService returns a Service over a store and a bus.
func NewService(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.PassiveThreshold == 0 {
		o.PassiveThreshold = DefaultPassiveThreshold
	}
	return &Service{
		passiveThreshold: o.PassiveThreshold,
		sends:            newSendLimiter(),
		meter:            newMeter(),
		hook:             o.Hook,
		webhookQueued:    o.WebhookQueued,
		store:            o.Store,
		bus:              o.Bus,
		now:              o.Now,
		ids:              NewSnowflake(o.NodeID, o.Now),
		log:              o.Logger,
		appCache:         make(map[string]cachedApp),
		known:            make(map[Actor]struct{}),
		purgeWake:        make(chan struct{}, 1),
	}
}

func (s *Service) nowMs() int64 { return s.now().UnixMilli() }

// PassiveThreshold returns the member count from which a community is
// large; 0 when passive delivery is off.
func (s *Service) PassiveThreshold() int { return max(s.passiveThreshold, 0) }

// Authenticate verifies a user token and returns the user it names, creating
// the user on its first authentication.
func (s *Service) Authenticate(ctx context.Context, token string) (Actor, TokenClaims, error) {
	c, err := ParseToken(token)
	if err != nil {
		return Actor{}, c, err
	}
	app, err := s.cachedApp(ctx, c.AppID)
	if errors.Is(err, ErrNotFound) {
		return Actor{}, c, Errorf(ETokenInvalid, "token names an unknown app")
	}
	if err != nil {
		return Actor{}, c, err
	}
	now := s.now()
	if c, err = VerifyToken(token, app.validSecrets(now.UnixMilli()), now); err != nil {
		return Actor{}, c, err
	}
	a := Actor{AppID: c.AppID, UserID: c.UserID}
	return a, c, s.ensureUser(ctx, a)
}

// SecretsVersion returns a value that changes whenever the set of an app's
// secrets that verify tokens changes: a rotation, or the end of a rotated
// secret's grace. It reveals nothing of the secrets. Gateways use it to find
// the sessions whose token a retired secret signed (see TokenValid).
func (s *Service) SecretsVersion(ctx context.Context, appID string) (string, error) {
	app, err := s.cachedApp(ctx, appID)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, sec := range app.validSecrets(s.nowMs()) {
		h.Write([]byte(sec))
		h.Write([]byte{0})
	}
	return string(h.Sum(nil)), nil
}

// TokenValid reports whether a token that authenticated earlier still
// verifies with its app's secrets: nil, or token_invalid once the secret that
// signed it was retired (token_expired once it expired).
func (s *Service) TokenValid(ctx context.Context, token string) error {
	c, err := ParseToken(token)
	if err != nil {
		return err
	}
	app, err := s.cachedApp(ctx, c.AppID)
	if errors.Is(err, ErrNotFound) {
		return Errorf(ETokenInvalid, "token names an unknown app")
	}
	if err != nil {
		return err
	}
	now := s.now()
	_, err = VerifyToken(token, app.validSecrets(now.UnixMilli()), now)
	return err
}

// forgetApp drops an app from the cache after the operator changed it, so
// that this node sees the change at once (others within appCacheTTL).
func (s *Service) forgetApp(appID string) {
	s.appMu.Lock()
	delete(s.appCache, appID)
	s.appMu.Unlock()
}

func (s *Service) cachedApp(ctx context.Context, appID string) (App, error) {
	s.appMu.Lock()
	ca, ok := s.appCache[appID]
	s.appMu.Unlock()
	if ok && s.now().Before(ca.expires) {
		return ca.app, nil
	}
	app, err := s.store.App(ctx, appID)
	if err != nil {
		return App{}, err
	}
	s.appMu.Lock()
	if len(s.appCache) > 10_000 {
		clear(s.appCache)
	}
	s.appCache[appID] = cachedApp{app: app, expires: s.now().Add(appCacheTTL)}
	s.appMu.Unlock()
	return app, nil
}

// ensureUser makes sure a user row exists for a. It writes only the first
// time a user is seen by this process.
func (s *Service) ensureUser(ctx context.Context, a Actor) error {
	s.userMu.Lock()
	_, ok := s.known[a]
	s.userMu.Unlock()
	if ok {
		return nil
	}
	if _, err := s.store.User(ctx, a.AppID, a.UserID); errors.Is(err, ErrNotFound) {
		err = s.store.Update(ctx, func(tx Tx) error {
			_, err := tx.EnsureUser(ctx, a.AppID, a.UserID, s.nowMs())
			return err
		})
		if err != nil {
			return fmt.Errorf("create user: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("read user: %w", err)
	}
	s.userMu.Lock()
	if len(s.known) >= knownUsersMax {
		clear(s.known)
	}
	s.known[a] = struct{}{}
	s.userMu.Unlock()
	return nil
}

// outbox collects the events of one transaction, published after it commits.
type outbox struct {
	events    []*Event
	callbacks []callback
	// downstream is the number of deliveries to count when the transaction
	// commits.
	downstream int64
	appID      string
}

// callback is an app callback to queue in the transaction.
type callback struct {
	app   *App
	event string
	data  any
}

// callback queues an app callback for event, if the app wants it. It is
// stored in the same transaction as the change it reports.
func (o *outbox) callback(app *App, event string, data any) {
	if app.Webhook.wants(event) {
		o.callbacks = append(o.callbacks, callback{app: app, event: event, data: data})
	}
}

// webhookEnvelope is the body of a callback.
type webhookEnvelope struct {
	Event     string `json:"event"`
	AppID     string `json:"appID"`
	CreatedAt int64  `json:"createdAt"`
	Data      any    `json:"data"`
}

// add encodes data once and queues the event.
func (o *outbox) add(e Event, data any) {
	raw, err := json.Marshal(data)
	if err != nil {
		panic(fmt.Sprintf("plaza: event %s is not encodable: %v", e.Name, err)) // a programming error
	}
	e.Data = raw
	o.events = append(o.events, &e)
}

// update runs fn in a write transaction and publishes the events it queued
// once the transaction has committed, in commit order. A failed publish is
// logged, never returned: the change is durable and clients repair by
// re-reading.
func (s *Service) update(ctx context.Context, fn func(tx Tx, out *outbox) error) error {
	return s.updateIn(ctx, "", fn)
}

// updateIn is update in the store's group of key (GroupUpdater), when the
// store has groups and key is not "".
func (s *Service) updateIn(ctx context.Context, key string, fn func(tx Tx, out *outbox) error) error {
	run := s.store.Update
	if g, ok := s.store.(GroupUpdater); ok && key != "" {
		run = func(ctx context.Context, f func(Tx) error) error { return g.UpdateGroup(ctx, key, f) }
	}
	s.writes.Add(1)
	return run(ctx, func(tx Tx) error {
		var out outbox
		if err := fn(tx, &out); err != nil {
			return err
		}
		now := s.nowMs()
		for _, c := range out.callbacks {
			body, err := json.Marshal(webhookEnvelope{Event: c.event, AppID: c.app.AppID, CreatedAt: now, Data: c.data})
			if err != nil {
				return fmt.Errorf("encode callback %s: %w", c.event, err)
			}
			d := WebhookDelivery{AppID: c.app.AppID, Event: c.event, Body: body, NextAt: now, CreatedAt: now}
			if err := tx.EnqueueWebhook(ctx, &d); err != nil {
				return fmt.Errorf("queue callback %s: %w", c.event, err)
			}
		}
		if len(out.callbacks) > 0 && s.webhookQueued != nil {
			tx.AfterCommit(s.webhookQueued)
		}
		if out.downstream > 0 {
			appID, month, n := out.appID, monthOf(now), out.downstream
			tx.AfterCommit(func() { s.meter.add(appID, month, n) })
		}
		if len(out.events) > 0 {
			tx.AfterCommit(func() { s.publish(ctx, out.events) })
		}
		return nil
	})
}

func (s *Service) publish(ctx context.Context, events []*Event) {
	if s.bus == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	now := time.Now().UnixMicro() // the wall clock: other nodes measure the bus's lag against it
	for _, e := range events {
		if e.PublishedAt == 0 {
			e.PublishedAt = now
		}
		if err := s.bus.Publish(ctx, e); err != nil {
			s.log.Warn("publish event", "event", e.Name, "app", e.AppID, "community", e.CommunityID, "err", err)
		}
	}
}

// activeApp reads the actor's app inside tx and checks that its community
// feature is on.
func activeApp(ctx context.Context, q Query, appID string) (App, error) {
	app, err := q.App(ctx, appID)
	if errors.Is(err, ErrNotFound) {
		return App{}, Errorf(EAppNotFound, "app %s does not exist", appID)
	}
	if err != nil {
		return App{}, fmt.Errorf("read app: %w", err)
	}
	if !app.CommunityEnabled {
		return App{}, Errorf(EFeatureNotActive, "the community feature is not activated for app %s", appID)
	}
	return app, nil
}

// scope is what a community use case works on: the app, the community and,
// when the caller is a member, its membership.
type scope struct {
	app       App
	community CommunityInfo
	self      Member // Role is RoleNone when the caller is not a member
	now       int64  // Unix ms when the scope was read
}

// loadScope reads the app and the community, locked when q is a Tx, and the
// caller's membership.
func (s *Service) loadScope(ctx context.Context, q Query, actor Actor, communityID string) (scope, error) {
	var sc scope
	sc.now = s.nowMs()
	if err := checkRef("communityID", communityID); err != nil {
		return sc, err
	}
	app, err := activeApp(ctx, q, actor.AppID)
	if err != nil {
		return sc, err
	}
	sc.app = app
	if tx, ok := q.(Tx); ok {
		sc.community, err = tx.CommunityForUpdate(ctx, actor.AppID, communityID)
	} else {
		sc.community, err = q.Community(ctx, actor.AppID, communityID)
	}
	if errors.Is(err, ErrNotFound) {
		return sc, FieldErrorf(ECommunityNotFound, "communityID", "community %s does not exist", communityID)
	}
	if err != nil {
		return sc, fmt.Errorf("read community: %w", err)
	}
	sc.community.MuteInfo = sc.community.MuteInfo.current(sc.now)
	sc.self, err = q.Member(ctx, sc.community.PK, actor.UserID)
	if errors.Is(err, ErrNotFound) {
		sc.self = Member{}
		err = nil
	}
	if err != nil {
		return sc, fmt.Errorf("read membership: %w", err)
	}
	return sc, nil
}

// member requires the caller to be a member.
func (sc *scope) member() error {
	if sc.self.MemberRole == RoleNone {
		return Errorf(ENotMember, "you are not a member of community %s", sc.community.CommunityID)
	}
	return nil
}

// manager requires the caller to be the owner or an admin.
func (sc *scope) manager() error {
	if err := sc.member(); err != nil {
		return err
	}
	if !sc.self.MemberRole.manager() {
		return Errorf(EPermissionDenied, "only the owner and admins of community %s may do this", sc.community.CommunityID)
	}
	return nil
}

// owner requires the caller to be the owner.
func (sc *scope) owner() error {
	if err := sc.member(); err != nil {
		return err
	}
	if sc.self.MemberRole != RoleOwner {
		return Errorf(EOwnerOnly, "only the owner of community %s may do this", sc.community.CommunityID)
	}
	return nil
}
