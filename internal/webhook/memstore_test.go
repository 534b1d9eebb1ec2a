package webhook_test

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/plazahq/plaza"
)

// memStore keeps apps and the webhook queue in memory, with the semantics
// plaza.Store documents for them: one writer at a time, rollback on error,
// leases by NextAt. Any other method panics (nil embedded interfaces).
type memStore struct {
	plaza.Store

	mu      sync.Mutex // held by Update: the single writer
	apps    map[string]plaza.App
	queue   map[int64]plaza.WebhookDelivery
	lastID  int64
	claims  int     // ClaimWebhooks calls
	retries []retry // RetryWebhook calls, in order
}

// retry is one RetryWebhook call, with the time it was made (Unix ms).
type retry struct {
	id        int64
	attempts  int
	nextAt    int64
	lastError string
	at        int64
}

var _ plaza.Store = (*memStore)(nil)

func newMemStore(apps ...plaza.App) *memStore {
	s := &memStore{apps: make(map[string]plaza.App), queue: make(map[int64]plaza.WebhookDelivery)}
	for _, a := range apps {
		s.apps[a.AppID] = a
	}
	return s
}

func (s *memStore) Update(ctx context.Context, fn func(plaza.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	apps, queue, lastID := maps.Clone(s.apps), maps.Clone(s.queue), s.lastID
	tx := &memTx{s: s}
	if err := fn(tx); err != nil {
		s.apps, s.queue, s.lastID = apps, queue, lastID
		return err
	}
	for _, f := range tx.after {
		f()
	}
	return nil
}

func (s *memStore) App(ctx context.Context, appID string) (plaza.App, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.app(appID)
}

func (s *memStore) app(appID string) (plaza.App, error) {
	a, ok := s.apps[appID]
	if !ok {
		return plaza.App{}, plaza.ErrNotFound
	}
	return a, nil
}

func (s *memStore) PendingWebhooks(ctx context.Context, appID string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, d := range s.queue {
		if d.AppID == appID {
			n++
		}
	}
	return n, nil
}

func (s *memStore) Close() error { return nil }

// setApp replaces (or, with delete, removes) an app.
func (s *memStore) setApp(a plaza.App, remove bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if remove {
		delete(s.apps, a.AppID)
		return
	}
	s.apps[a.AppID] = a
}

// pending returns the number of queued deliveries and ClaimWebhooks calls.
func (s *memStore) pending() (queued, claims int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue), s.claims
}

func (s *memStore) retryLog() []retry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.retries)
}

// memTx is a transaction of memStore; its methods run with s.mu held.
type memTx struct {
	plaza.Tx
	s     *memStore
	after []func()
}

func (tx *memTx) AfterCommit(fn func()) { tx.after = append(tx.after, fn) }

func (tx *memTx) App(ctx context.Context, appID string) (plaza.App, error) { return tx.s.app(appID) }

func (tx *memTx) EnqueueWebhook(ctx context.Context, d *plaza.WebhookDelivery) error {
	tx.s.lastID++
	d.ID = tx.s.lastID
	c := *d
	c.Body = bytes.Clone(d.Body)
	tx.s.queue[d.ID] = c
	return nil
}

func (tx *memTx) ClaimWebhooks(ctx context.Context, now, leaseUntil int64, limit int) ([]plaza.WebhookDelivery, error) {
	tx.s.claims++
	var due []plaza.WebhookDelivery
	for _, d := range tx.s.queue {
		if d.NextAt <= now {
			due = append(due, d)
		}
	}
	slices.SortFunc(due, func(a, b plaza.WebhookDelivery) int { return int(a.ID - b.ID) })
	if len(due) > limit {
		due = due[:limit]
	}
	for i, d := range due {
		d.NextAt = leaseUntil
		tx.s.queue[d.ID] = d
		due[i].NextAt, due[i].Body = leaseUntil, bytes.Clone(d.Body)
	}
	return due, nil
}

func (tx *memTx) DeleteWebhook(ctx context.Context, id int64) error {
	if _, ok := tx.s.queue[id]; !ok {
		return plaza.ErrNotFound
	}
	delete(tx.s.queue, id)
	return nil
}

func (tx *memTx) RetryWebhook(ctx context.Context, id int64, attempts int, nextAt int64, lastError string) error {
	d, ok := tx.s.queue[id]
	if !ok {
		return plaza.ErrNotFound
	}
	d.Attempts, d.NextAt, d.LastError = attempts, nextAt, lastError
	tx.s.queue[id] = d
	tx.s.retries = append(tx.s.retries, retry{id: id, attempts: attempts, nextAt: nextAt, lastError: lastError, at: time.Now().UnixMilli()})
	return nil
}

// leased counts the deliveries claimed and not yet due again at now.
func (s *memStore) leased(now int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, d := range s.queue {
		if d.NextAt > now {
			n++
		}
	}
	return n
}

// delivery returns a queued delivery.
func (s *memStore) delivery(id int64) (plaza.WebhookDelivery, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.queue[id]
	return d, ok
}
