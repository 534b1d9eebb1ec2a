package gateway

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// histBuckets is the number of buckets of a Histogram: bucket i holds the
// durations below 2^((i+1)/2) µs, about 1.41 times its lower bound.
const histBuckets = 64

// histogram counts durations in logarithmic buckets, without locks.
type histogram struct {
	n [histBuckets]atomic.Int64
}

func bucketOf(d time.Duration) int {
	us := uint64(max(d.Microseconds(), 0))
	if us == 0 {
		return 0
	}
	// Two buckets per power of two: the half is decided by the bit below
	// the top one.
	top := bits.Len64(us) - 1
	i := 2 * top
	if top > 0 && us&(1<<(top-1)) != 0 {
		i++
	}
	return min(i+1, histBuckets-1)
}

func (h *histogram) observe(d time.Duration) { h.n[bucketOf(d)].Add(1) }

func (h *histogram) snapshot() Histogram {
	out := make(Histogram, histBuckets)
	for i := range h.n {
		out[i] = h.n[i].Load()
	}
	return out
}

// Histogram is a snapshot of a stage's durations: counts per bucket, bucket
// i holding durations below BucketBound(i).
type Histogram []int64

// BucketBound returns the upper bound of bucket i.
func BucketBound(i int) time.Duration {
	if i == 0 {
		return time.Microsecond
	}
	return time.Duration(math.Pow(2, float64(i)/2) * float64(time.Microsecond))
}

// Since returns the counts added since an earlier snapshot.
func (h Histogram) Since(earlier Histogram) Histogram {
	out := make(Histogram, len(h))
	for i := range h {
		out[i] = h[i]
		if i < len(earlier) {
			out[i] -= earlier[i]
		}
	}
	return out
}

// Quantile returns the upper bound of the bucket holding the q-quantile (0
// when the histogram is empty).
func (h Histogram) Quantile(q float64) time.Duration {
	var total int64
	for _, n := range h {
		total += n
	}
	if total == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(total)))
	var seen int64
	for i, n := range h {
		seen += n
		if seen >= rank {
			return BucketBound(i)
		}
	}
	return BucketBound(len(h) - 1)
}

// Stages are the times an event spends in each stage of its delivery on
// this node: Bus from its publication (after its transaction committed) to
// this node's hub; Queue from the hub to the writer that sends it, per
// frame; Write, the writing of a batch of frames to the socket.
type Stages struct {
	Bus   Histogram `json:"bus"`
	Queue Histogram `json:"queue"`
	Write Histogram `json:"write"`
}

type stages struct {
	bus, queue, write histogram
}

func (s *stages) snapshot() Stages {
	return Stages{Bus: s.bus.snapshot(), Queue: s.queue.snapshot(), Write: s.write.snapshot()}
}
