package plaza

import (
	"testing"
	"time"
)

// TestPurgePause checks the purge's pace: quick on an idle store, at most a
// fiftieth of the store's time while others write.
func TestPurgePause(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		took time.Duration
		busy bool
		want time.Duration
	}{
		{2 * time.Millisecond, false, 8 * time.Millisecond},
		{2 * time.Millisecond, true, 98 * time.Millisecond},
		{10 * time.Microsecond, false, purgePauseMin},
		{10 * time.Microsecond, true, purgePauseMin},
	} {
		if got := purgePause(tc.took, tc.busy); got != tc.want {
			t.Errorf("purgePause(%s, busy %t) = %s, want %s", tc.took, tc.busy, got, tc.want)
		}
		if tc.busy {
			if share := float64(tc.took) / float64(tc.took+purgePause(tc.took, true)); share > 0.02+1e-9 && tc.took > purgePauseMin {
				t.Errorf("busy: the purge takes %.3f of the store's time", share)
			}
		}
	}
}
