package gateway

import (
	"sort"
	"sync"
	"time"
)

// limiter is a token bucket: rate tokens per second, holding at most burst.
type limiter struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
	now    func() time.Time
}

func newLimiter(rate, burst float64, now func() time.Time) *limiter {
	return &limiter{rate: rate, burst: burst, tokens: burst, last: now(), now: now}
}

// allow takes one token if there is one.
func (l *limiter) allow() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	l.last = now
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}

// keyedLimiter is a token bucket per key (a user, an address), created on
// first use. Its memory is bounded: buckets that have refilled are dropped
// by sweep, and when maxKeys are held the oldest half goes (their holders
// start again with a full bucket, which errs on the side of the client).
type keyedLimiter struct {
	rate, burst float64
	maxKeys     int
	now         func() time.Time

	mu      sync.Mutex
	buckets map[string]*limiter
}

func newKeyedLimiter(rate, burst float64, maxKeys int, now func() time.Time) *keyedLimiter {
	return &keyedLimiter{rate: rate, burst: burst, maxKeys: maxKeys, now: now, buckets: make(map[string]*limiter)}
}

// allow takes a token of key's bucket if there is one. A limiter with a rate
// of 0 or less allows everything.
func (k *keyedLimiter) allow(key string) bool {
	if k == nil || k.rate <= 0 {
		return true
	}
	k.mu.Lock()
	l := k.buckets[key]
	if l == nil {
		if len(k.buckets) >= k.maxKeys {
			k.evictLocked()
		}
		l = newLimiter(k.rate, k.burst, k.now)
		k.buckets[key] = l
	}
	k.mu.Unlock()
	return l.allow()
}

// sweep drops the buckets that are full again: their keys are idle.
func (k *keyedLimiter) sweep() {
	if k == nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	for key, l := range k.buckets {
		l.mu.Lock()
		full := l.tokens+now.Sub(l.last).Seconds()*l.rate >= l.burst
		l.mu.Unlock()
		if full {
			delete(k.buckets, key)
		}
	}
}

func (k *keyedLimiter) evictLocked() {
	type aged struct {
		key  string
		last time.Time
	}
	all := make([]aged, 0, len(k.buckets))
	for key, l := range k.buckets {
		l.mu.Lock()
		all = append(all, aged{key, l.last})
		l.mu.Unlock()
	}
	sort.Slice(all, func(i, j int) bool { return all[i].last.Before(all[j].last) })
	for _, a := range all[:len(all)/2] {
		delete(k.buckets, a.key)
	}
}
