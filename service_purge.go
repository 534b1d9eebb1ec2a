package plaza

import (
	"context"
	"fmt"
	"time"
)

// PurgeBatch bounds the rows one transaction of the purge of a dismissed
// community removes: few enough that the transaction is short (a few
// milliseconds), so that the writes that wait behind it (SQLite has one
// writer) wait little.
const PurgeBatch = 250

// After each batch the purge pauses for a multiple of the time the batch
// took (at least purgePauseMin): purgeIdle times while nothing else writes,
// so that an idle server purges quickly, and purgeBusy times once other
// writes ran since the previous batch, so that the purge then takes at most
// a fiftieth of the store's time and the writes' tail latency barely moves.
const (
	purgeIdle     = 4
	purgeBusy     = 49
	purgePauseMin = time.Millisecond
)

// purgePause is the pause after a batch of the purge that took took, when
// other writes ran since the previous batch (busy) or not.
func purgePause(took time.Duration, busy bool) time.Duration {
	factor := time.Duration(purgeIdle)
	if busy {
		factor = purgeBusy
	}
	return max(factor*took, purgePauseMin)
}

// purgeInterval is how often Run looks for dismissed communities left to
// purge without being woken: those dismissed on another node, and a purge
// that a restart cut short.
const purgeInterval = time.Minute

// PurgeDismissed removes the rows of every dismissed community, PurgeBatch
// rows per transaction, until none is left or ctx ends. It yields to other
// writes: after each batch it pauses for purgeIdle times as long as the
// batch took, or purgeBusy times when this Service ran other writes since
// the previous batch. Nothing of a dismissed community shows meanwhile
// (Tx.DismissCommunity); a purge cut short resumes where it stopped, since
// each batch commits what it removed.
func (s *Service) PurgeDismissed(ctx context.Context) error {
	pks, err := s.store.DismissedCommunities(ctx)
	if err != nil {
		return fmt.Errorf("list dismissed communities: %w", err)
	}
	seen := s.writes.Load()
	for _, pk := range pks {
		start, batches := time.Now(), 0
		for more := true; more; batches++ {
			t0 := time.Now()
			err := s.store.Update(ctx, func(tx Tx) error {
				var err error
				more, err = tx.PurgeCommunity(ctx, pk, PurgeBatch)
				return err
			})
			if err != nil {
				return fmt.Errorf("purge community %d: %w", pk, err)
			}
			if !more {
				break
			}
			w := s.writes.Load()
			pause := time.NewTimer(purgePause(time.Since(t0), w != seen))
			seen = w
			select {
			case <-ctx.Done():
				pause.Stop()
				return ctx.Err()
			case <-pause.C:
			}
		}
		s.log.Info("purged a dismissed community", "communityPK", pk, "batches", batches,
			"seconds", time.Since(start).Seconds())
	}
	return nil
}

// wakePurge tells the purge that a community was dismissed.
func (s *Service) wakePurge() {
	select {
	case s.purgeWake <- struct{}{}:
	default:
	}
}

// runPurge purges dismissed communities until ctx ends: at once, whenever
// this node dismisses one, and every purgeInterval.
func (s *Service) runPurge(ctx context.Context) {
	t := time.NewTicker(purgeInterval)
	defer t.Stop()
	for {
		if err := s.PurgeDismissed(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("purge dismissed communities", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.purgeWake:
		case <-t.C:
		}
	}
}
