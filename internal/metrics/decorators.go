package metrics

import (
	"context"
	"time"

	"github.com/plazahq/plaza"
)

// Store returns s with its write transactions timed: each Update (and
// UpdateGroup, for a store that groups them) observes
// plaza_store_transaction_duration_seconds. Reads pass through untimed (the
// request latencies cover them).
func (m *Metrics) Store(s plaza.Store) plaza.Store {
	t := &timedStore{Store: s, m: m}
	if g, ok := s.(plaza.GroupUpdater); ok {
		return &timedGroupStore{timedStore: t, g: g}
	}
	return t
}

// timedGroupStore is a timedStore that keeps its store's group commit.
type timedGroupStore struct {
	*timedStore
	g plaza.GroupUpdater
}

func (s *timedGroupStore) UpdateGroup(ctx context.Context, key string, fn func(plaza.Tx) error) error {
	start := s.m.now()
	err := s.g.UpdateGroup(ctx, key, fn)
	s.observe(start, err)
	return err
}

type timedStore struct {
	plaza.Store
	m *Metrics
}

func (s *timedStore) Update(ctx context.Context, fn func(plaza.Tx) error) error {
	start := s.m.now()
	err := s.Store.Update(ctx, fn)
	s.observe(start, err)
	return err
}

// observe records a transaction that started at start and ended with err.
func (s *timedStore) observe(start time.Time, err error) {
	outcome := "commit"
	if err != nil {
		outcome = "rollback"
	}
	s.m.storeTx.WithLabelValues(outcome).Observe(s.m.now().Sub(start).Seconds())
}

// Bus returns b with its lag measured: Publish stamps each event with its
// publication time (plaza.Event.PublishedAt, on a copy: the caller's event is
// left as it was), and every receipt of a stamped event observes
// plaza_bus_lag_seconds before it is handed on.
func (m *Metrics) Bus(b plaza.Bus) plaza.Bus { return &timedBus{Bus: b, m: m} }

type timedBus struct {
	plaza.Bus
	m *Metrics
}

func (b *timedBus) Publish(ctx context.Context, e *plaza.Event) error {
	stamped := *e
	stamped.PublishedAt = b.m.now().UnixMicro()
	return b.Bus.Publish(ctx, &stamped)
}

func (b *timedBus) Subscribe(t plaza.Topic, h func(*plaza.Event)) (plaza.Subscription, error) {
	return b.Bus.Subscribe(t, func(e *plaza.Event) {
		if e.PublishedAt > 0 {
			lag := time.Duration(b.m.now().UnixMicro()-e.PublishedAt) * time.Microsecond
			b.m.busLag.Observe(max(lag, 0).Seconds())
		}
		h(e)
	})
}
