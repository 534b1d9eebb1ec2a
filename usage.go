package plaza

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// SpecChange is an app's spec from a moment on: set when the app was created
// and each time the operator changed it.
type SpecChange struct {
	At   int64 `json:"at"` // Unix ms
	Spec Spec  `json:"spec"`
}

// Usage is an app's billing record for one calendar month (UTC).
type Usage struct {
	AppID string `json:"appID"`
	// Month is "YYYY-MM".
	Month string `json:"month"`
	// Limits holds the highest value each limit had during the month (for
	// membersPerCommunity, 0 is unlimited and so the highest). A switch is
	// true when it was on at any time in the month.
	Limits Spec `json:"limits"`
	// DownstreamMessages counts messages delivered to recipients: each
	// stored message once per member who may see its channel, the sender
	// excepted.
	DownstreamMessages int64 `json:"downstreamMessages"`
	// DownstreamLimit is the month's limit, from the current spec.
	DownstreamLimit int64 `json:"downstreamLimit"`
	// PendingWebhooks counts callbacks waiting to be delivered.
	PendingWebhooks int `json:"pendingWebhooks"`
}

// monthOf returns the "YYYY-MM" of a Unix ms time, in UTC.
func monthOf(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01") }

// monthBounds returns the first Unix ms of a "YYYY-MM" month and of the next.
func monthBounds(month string) (from, to int64, err error) {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return 0, 0, invalidf("month", "month must be YYYY-MM, got %q", month)
	}
	return t.UnixMilli(), t.AddDate(0, 1, 0).UnixMilli(), nil
}

// meter counts downstream messages. A send adds its recipients here, not in
// its transaction, so that no row is written by every send of an app; Run
// moves the counts to the store every second (FlushUsage). A crash loses at
// most that second of counting, never a message. The quota is checked
// against the stored count, read at most once a second, plus this node's
// unflushed count: in a cluster, the nodes together may pass the limit by
// about one second of traffic.
type meter struct {
	mu     sync.Mutex
	counts map[usageKey]int64       // not yet flushed
	stored map[usageKey]storedCount // last read from the store
}

type usageKey struct{ appID, month string }

type storedCount struct {
	n    int64
	read time.Time
}

// storedCountTTL is how long a stored downstream count is trusted.
const storedCountTTL = time.Second

func newMeter() *meter {
	return &meter{counts: make(map[usageKey]int64), stored: make(map[usageKey]storedCount)}
}

func (m *meter) add(appID, month string, n int64) {
	if n <= 0 {
		return
	}
	m.mu.Lock()
	m.counts[usageKey{appID, month}] += n
	m.mu.Unlock()
}

func (m *meter) pending(appID, month string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.counts[usageKey{appID, month}]
}

// used returns an app's downstream count of a month as far as this node
// knows: the stored count (re-read when older than storedCountTTL) plus its
// own unflushed count.
func (m *meter) used(ctx context.Context, q Query, appID, month string, now time.Time) (int64, error) {
	k := usageKey{appID, month}
	m.mu.Lock()
	sc, ok := m.stored[k]
	m.mu.Unlock()
	if !ok || now.Sub(sc.read) >= storedCountTTL || now.Before(sc.read) {
		n, err := q.Downstream(ctx, appID, month)
		if err != nil {
			return 0, fmt.Errorf("read downstream: %w", err)
		}
		sc = storedCount{n: n, read: now}
		m.mu.Lock()
		if len(m.stored) > 100_000 {
			clear(m.stored)
		}
		m.stored[k] = sc
		m.mu.Unlock()
	}
	return sc.n + m.pending(appID, month), nil
}

// FlushUsage stores the downstream counts counted since the last flush.
// Counts that fail to store are kept for the next flush.
func (s *Service) FlushUsage(ctx context.Context) error {
	s.meter.mu.Lock()
	counts := s.meter.counts
	s.meter.counts = make(map[usageKey]int64)
	s.meter.mu.Unlock()
	if len(counts) == 0 {
		return nil
	}
	err := s.store.Update(ctx, func(tx Tx) error {
		for k, n := range counts {
			if err := tx.AddDownstream(ctx, k.appID, k.month, n); err != nil {
				return err
			}
		}
		return nil
	})
	s.meter.mu.Lock()
	defer s.meter.mu.Unlock()
	if err != nil {
		for k, n := range counts {
			s.meter.counts[k] += n
		}
		return fmt.Errorf("flush usage: %w", err)
	}
	for k := range counts {
		delete(s.meter.stored, k) // re-read with the flushed counts in
	}
	return nil
}

// UsageFlushInterval is how often Run stores the downstream counts.
const UsageFlushInterval = time.Second

// Run does the Service's background work until ctx ends: it stores the
// downstream counts every UsageFlushInterval, and once more on the way out,
// and removes the rows of dismissed communities (PurgeDismissed).
func (s *Service) Run(ctx context.Context) error {
	purging := make(chan struct{})
	go func() {
		defer close(purging)
		s.runPurge(ctx)
	}()
	defer func() { <-purging }()
	t := time.NewTicker(UsageFlushInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			return s.FlushUsage(flushCtx)
		case <-t.C:
			if err := s.FlushUsage(ctx); err != nil {
				s.log.Warn("flush usage", "err", err)
			}
		}
	}
}
