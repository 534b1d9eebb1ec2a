package postgres

import (
	"context"
	"fmt"
	"hash/maphash"
	"slices"
	"strings"

	"github.com/plazahq/plaza"
)

// MaxGroup bounds the UpdateGroup calls committed together.
const MaxGroup = 64

var _ plaza.GroupUpdater = (*Store)(nil)

// group is the calls of one key waiting for the running transaction of
// that key to end.
type group struct {
	waiting []*groupCall
}

// groupCall is one UpdateGroup call.
type groupCall struct {
	key  string
	fn   func(plaza.Tx) error
	err  error
	done chan struct{} // closed when err is final, or when the call is to lead
	lead []*groupCall  // the calls a call told to lead runs, itself first
}

// UpdateGroup runs fn as Update does, but while a call of the same lane (a
// hash of the key; half as many lanes as the pool has connections) is
// running, calls of that lane wait and then run together, by key and in
// the order they came, in one transaction (group commit): one connection,
// one BEGIN and one COMMIT for the lot, each call's writes travelling with
// the next call's first statement. A call that fails having only read is
// left out and the transaction goes on; one that fails after a write ends
// the transaction, and the others run again in a new one. The first caller
// of a group runs it; when it is done (or its function panicked), the first
// of the calls that came meanwhile runs theirs, so no goroutine runs but
// the callers'.
func (s *Store) UpdateGroup(ctx context.Context, key string, fn func(plaza.Tx) error) error {
	c := &groupCall{key: key, fn: fn, done: make(chan struct{})}
	lane := s.lane(key)
	s.groupMu.Lock()
	if g, ok := s.groups[lane]; ok {
		g.waiting = append(g.waiting, c)
		s.groupMu.Unlock()
		<-c.done
		if c.lead == nil {
			return c.result()
		}
	} else {
		s.groups[lane] = &group{}
		s.groupMu.Unlock()
		c.lead = []*groupCall{c}
	}
	defer s.handOff(lane)
	if len(c.lead) == 1 {
		c.err = s.Update(ctx, fn) // alone: the plain transaction
	} else {
		s.runGroup(ctx, c.lead)
	}
	return c.result()
}

// handOff gives the calls of lane that came meanwhile to the first of them
// to run, or ends the lane's group.
func (s *Store) handOff(lane int) {
	s.groupMu.Lock()
	g := s.groups[lane]
	next := g.waiting[:min(len(g.waiting), MaxGroup)]
	g.waiting = g.waiting[len(next):]
	if len(next) == 0 {
		delete(s.groups, lane)
	}
	s.groupMu.Unlock()
	if len(next) > 0 {
		next[0].lead = next
		close(next[0].done)
	}
}

// result returns the call's error, or goes on with its function's panic.
func (c *groupCall) result() error {
	if pe, ok := c.err.(*panicError); ok {
		panic(fmt.Sprintf("%v\n\n%s", pe.value, pe.stack))
	}
	return c.err
}

// runGroup runs calls together until each has its result, and tells every
// call but the first (its own caller's).
func (s *Store) runGroup(ctx context.Context, calls []*groupCall) {
	// The transaction is every call's: no one caller's context cancels it.
	ctx = context.WithoutCancel(ctx)
	lead := calls[0]
	todo := slices.Clone(calls)
	// Rows are locked in key order: two groups never wait for each other.
	slices.SortStableFunc(todo, func(a, b *groupCall) int { return strings.Compare(a.key, b.key) })
	defer func() {
		for _, c := range calls {
			if c != lead {
				close(c.done)
			}
		}
	}()
	for attempt := 1; len(todo) > 0; attempt++ {
		todo = s.groupOnce(ctx, todo, attempt >= maxAttempts)
	}
}

// groupOnce runs calls in one transaction and returns those that must run
// again, their transaction having ended for another call's failure (or for a
// deadlock or serialization failure, unless last); the others have their
// result.
func (s *Store) groupOnce(ctx context.Context, calls []*groupCall, last bool) (again []*groupCall) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		for _, c := range calls {
			c.err = fmt.Errorf("postgres: begin: %w", err)
		}
		return nil
	}
	defer conn.Release()
	p := newPipe(conn)
	p.ctx = ctx
	var ok []*groupCall
	var hooks []func()
	// lost ends the transaction: blamed, if any, gets err as its result
	// and the calls that succeeded in it, the others from from on, run
	// again.
	lost := func(from int, blamed *groupCall, err error) []*groupCall {
		p.rollback(ctx)
		var again []*groupCall
		if blamed != nil {
			blamed.err = err
		}
		for _, c := range append(ok, calls[from:]...) {
			if c != blamed {
				again = append(again, c)
			}
		}
		if blamed == nil && last { // retryable, but no attempts left
			for _, c := range again {
				c.err = err
			}
			return nil
		}
		return again
	}
	for i, c := range calls {
		p.start(i)
		t := &tx{queries: queries{db: p}, pipe: p}
		err := call(c.fn, t)
		if err == nil {
			ok, hooks = append(ok, c), append(hooks, t.hooks...)
			continue
		}
		if !p.failed() && !p.wrote {
			c.err = err // it only read: nothing to undo
			continue
		}
		switch {
		case retryable(err):
			return lost(i, nil, err)
		case p.failedOwner >= 0:
			// An earlier call's queued write failed on this one's statement.
			return lost(i, calls[p.failedOwner], translate(fmt.Errorf("queued write: %w", err)))
		default:
			return lost(i+1, c, err)
		}
	}
	if len(ok) == 0 {
		p.rollback(ctx)
		return nil
	}
	p.start(-2) // the commit's statement is nobody's
	tk := s.order.take()
	if err := p.commit(ctx); err != nil {
		s.order.finish(tk, nil)
		err = translate(fmt.Errorf("commit: %w", err))
		switch {
		case retryable(err):
			return lost(len(calls), nil, err)
		case p.failedOwner >= 0:
			return lost(len(calls), calls[p.failedOwner], err)
		}
		p.rollback(ctx)
		for _, c := range ok {
			c.err = err
		}
		return nil
	}
	s.order.finish(tk, hooks)
	for _, c := range ok {
		c.err = nil
	}
	return nil
}

// laneSeed hashes keys to lanes.
var laneSeed = maphash.MakeSeed()

// lane returns the lane of a key: calls of keys of one lane are grouped.
func (s *Store) lane(key string) int {
	return int(maphash.String(laneSeed, key) % uint64(s.lanes))
}

// lanes is how many groups run at once: half the pool, so that other
// transactions find connections.
func lanes(maxConns int32) int { return max(1, int(maxConns)/2) }
