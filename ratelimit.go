package plaza

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// sendLimiter enforces the send rates of the app's spec: a minimum interval
// between one user's messages in one channel, and a maximum per second per
// user. It keeps only the last two seconds, in two maps that it rotates, so
// its memory follows the number of recent senders. Each node limits the sends
// it serves.
type sendLimiter struct {
	mu     sync.Mutex
	second int64 // Unix second of cur
	cur    map[sendKey]int64
	prev   map[sendKey]int64
}

// sendKey is a (user, channel) pair for intervals, or a user with the
// channel perSecondKey for the count of the current second.
type sendKey struct {
	app, user, community, channel string
}

// perSecondKey cannot be a channel ID: IDs have no NUL byte.
const perSecondKey = "\x00count"

func newSendLimiter() *sendLimiter {
	return &sendLimiter{cur: map[sendKey]int64{}, prev: map[sendKey]int64{}}
}

// allow records a send now if the limits allow it, returning how to take the
// record back should the send fail; otherwise it returns when the sender may
// send again. The clock is read under the lock, so that concurrent senders
// see time move forward only.
func (l *sendLimiter) allow(k sendKey, clock func() int64, interval time.Duration, perSecond int) (func(), int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := clock()
	if sec := now / 1000; sec > l.second {
		if sec == l.second+1 {
			l.prev = l.cur
		} else {
			clear(l.prev)
		}
		l.cur = make(map[sendKey]int64, len(l.prev))
		l.second = sec
	}
	last, ok := l.cur[k]
	if !ok {
		last, ok = l.prev[k]
	}
	if ok && interval > 0 && now-last < interval.Milliseconds() {
		return nil, last + interval.Milliseconds()
	}
	user := sendKey{app: k.app, user: k.user, channel: perSecondKey}
	if l.cur[user] >= int64(perSecond) {
		return nil, (l.second + 1) * 1000
	}
	sec := l.second
	prevLast, hadLast := l.cur[k]
	l.cur[user]++
	l.cur[k] = now
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.second != sec {
			return // the window moved on; the record no longer matters much
		}
		l.cur[user]--
		if hadLast {
			l.cur[k] = prevLast
		} else {
			delete(l.cur, k)
		}
	}, 0
}

// rateLimit applies the send rate limits of the actor's app. The send is
// counted; undo uncounts it when the send fails.
func (s *Service) rateLimit(ctx context.Context, actor Actor, communityID, channelID string) (undo func(), err error) {
	app, err := s.cachedApp(ctx, actor.AppID)
	if errors.Is(err, ErrNotFound) {
		return nil, Errorf(EAppNotFound, "app %s does not exist", actor.AppID)
	}
	if err != nil {
		return nil, fmt.Errorf("read app: %w", err)
	}
	spec := app.Spec
	k := sendKey{app: actor.AppID, user: actor.UserID, community: communityID, channel: channelID}
	undo, until := s.sends.allow(k, s.nowMs, time.Duration(spec.SendIntervalMillis)*time.Millisecond, spec.SendsPerSecond)
	if undo == nil {
		return nil, &Error{Code: ERateLimited, Until: until, Message: fmt.Sprintf(
			"sending too fast: at most one message per %dms in a channel and %d per second", spec.SendIntervalMillis, spec.SendsPerSecond)}
	}
	return undo, nil
}
