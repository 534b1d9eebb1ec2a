// Package postgres is Plaza's Store on PostgreSQL, for cluster mode: any
// number of stateless nodes share one database, the only source of truth.
//
// Write transactions run at READ COMMITTED; the rows a limit depends on are
// locked with SELECT … FOR UPDATE (the ForUpdate methods), and a channel's
// seq is allocated by UPDATE … RETURNING, so that concurrent transactions on
// any node serialise where they must and nowhere else. A transaction that
// deadlocks or fails to serialise is run again.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/sqlmigrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a plaza.Store on a PostgreSQL connection pool.
type Store struct {
	queries // reads on the pool, each its own statement
	pool    *pgxpool.Pool
	order   sequencer

	groupMu sync.Mutex
	groups  map[int]*group // UpdateGroup's running groups, by lane
	lanes   int
}

var _ plaza.Store = (*Store)(nil)

// Options configures Open.
type Options struct {
	// MaxConns bounds the pool; 0 means the URL's pool_max_conns or, without
	// one, 4 per CPU (at least 8).
	MaxConns int32
}

// maxAttempts bounds how often a transaction that deadlocked or failed to
// serialise is run.
const maxAttempts = 5

// Open connects to the database at url (a postgres:// URL or key=value
// string) and applies any migrations it has not seen. Nodes starting at once
// take turns through an advisory lock.
func Open(ctx context.Context, url string, o Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	switch {
	case o.MaxConns > 0:
		cfg.MaxConns = o.MaxConns
	case !strings.Contains(url, "pool_max_conns"):
		// pgxpool's default (one per CPU, at least 4) leaves a node's
		// requests queueing for connections while the database idles.
		cfg.MaxConns = int32(max(8, 4*runtime.NumCPU()))
	}
	// Plaza's statements are short reads and writes by key: compiling one
	// with JIT costs more than running it. The planner would still do so
	// whenever its estimate passes jit_above_cost, which the unread totals'
	// estimates do on large accounts (the JIT took 25 ms of a 45 ms read in
	// the store benchmark). A URL that sets jit keeps its choice.
	if _, ok := cfg.ConnConfig.RuntimeParams["jit"]; !ok {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	s := &Store{queries: queries{db: pool}, pool: pool, groups: make(map[int]*group), lanes: lanes(cfg.MaxConns)}
	s.order.done = make(map[uint64]*ticket)
	return s, nil
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

// Close closes the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Pool returns the connection pool, for tools that copy data in bulk.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Update runs fn in a write transaction. Its AfterCommit hooks run after the
// commit, in commit order among this store's transactions, before Update
// returns.
func (s *Store) Update(ctx context.Context, fn func(plaza.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.update(ctx, fn)
		if attempt < maxAttempts && retryable(err) {
			continue
		}
		return err
	}
}

func (s *Store) update(ctx context.Context, fn func(plaza.Tx) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	// A connection left mid-transaction or busy by a failure is closed, not
	// reused, when released.
	defer conn.Release()
	p := newPipe(conn)
	t := &tx{queries: queries{db: p}, pipe: p}
	if err := call(fn, t); err != nil {
		// Rolling back must not depend on the caller's context, which may
		// be why fn failed.
		p.rollback(context.WithoutCancel(ctx))
		if pe, ok := err.(*panicError); ok {
			panic(fmt.Sprintf("%v\n\n%s", pe.value, pe.stack))
		}
		return err
	}
	// The ticket is taken before COMMIT is sent: a transaction that waited
	// on this one's locks commits after it and so draws a later ticket.
	tk := s.order.take()
	if err := p.commit(context.WithoutCancel(ctx)); err != nil {
		s.order.finish(tk, nil)
		p.rollback(context.WithoutCancel(ctx))
		return translate(fmt.Errorf("commit: %w", err))
	}
	s.order.finish(tk, t.hooks)
	return nil
}

// retryable reports whether a failed transaction may succeed if run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "40001", "40P01": // serialization_failure, deadlock_detected
		return true
	}
	return false
}

// panicError carries a panic out of fn so that the transaction is rolled
// back before the panic goes on.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprint(p.value) }

func call(fn func(plaza.Tx) error, t *tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: debug.Stack()}
		}
	}()
	return fn(t)
}

// sequencer runs the hooks of committed transactions in commit order. Each
// transaction draws a ticket just before COMMIT; whoever finishes a ticket
// runs the hooks of every finished ticket from the oldest unfinished one
// on, so hooks never wait for a slower commit that came later.
type sequencer struct {
	mu   sync.Mutex
	next uint64             // the next ticket to draw
	head uint64             // the oldest ticket whose hooks have not run
	done map[uint64]*ticket // finished tickets waiting for older ones
}

type ticket struct {
	n     uint64
	hooks []func()
	ran   chan struct{} // closed once the hooks have run
}

func (q *sequencer) take() *ticket {
	q.mu.Lock()
	defer q.mu.Unlock()
	t := &ticket{n: q.next, ran: make(chan struct{})}
	q.next++
	return t
}

// finish records t's hooks (nil when its commit failed) and returns once
// they have run.
func (q *sequencer) finish(t *ticket, hooks []func()) {
	q.mu.Lock()
	t.hooks = hooks
	q.done[t.n] = t
	var run []*ticket
	for {
		next, ok := q.done[q.head]
		if !ok {
			break
		}
		delete(q.done, q.head)
		q.head++
		run = append(run, next)
	}
	// Hooks run under the lock, which keeps them in ticket order; they only
	// hand events on (publish, count), so they are quick and never call
	// back into the store.
	for _, r := range run {
		for _, h := range r.hooks {
			h()
		}
		close(r.ran)
	}
	q.mu.Unlock()
	<-t.ran
}

// tx is a plaza.Tx on one PostgreSQL transaction.
type tx struct {
	queries
	pipe  *pipe
	hooks []func()
}

// AfterCommit queues fn to run after the commit, in commit order.
func (t *tx) AfterCommit(fn func()) { t.hooks = append(t.hooks, fn) }

// dbtx is what queries run on: the pool or a transaction.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// queries implements plaza.Query on a dbtx.
type queries struct {
	db dbtx
}

// translate maps PostgreSQL errors to the store's vocabulary.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return plaza.ErrNotFound
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" { // unique_violation
		return fmt.Errorf("%w: %v", plaza.ErrConflict, err)
	}
	return fmt.Errorf("postgres: %w", err)
}

// scanned translates the error of a rowcodec scan, which the scanners leave
// as the driver or decoder returned it, so that a missing row is
// plaza.ErrNotFound here as everywhere else.
func scanned[T any](v T, err error) (T, error) {
	return v, translate(err)
}

// affected reports whether a statement changed a row.
func affected(tag pgconn.CommandTag, err error) (bool, error) {
	if err != nil {
		return false, translate(err)
	}
	return tag.RowsAffected() > 0, nil
}

// migrationLock is the advisory lock key under which nodes migrate.
const migrationLock = 0x706c617a61 // "plaza"

// migrate applies, in order, each embedded migration the database has not
// recorded, each in its own transaction, holding an advisory lock so that
// nodes starting together do not race.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("postgres: take the migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at BIGINT NOT NULL
	)`); err != nil {
		return fmt.Errorf("postgres: create schema_migrations: %w", err)
	}
	files, err := sqlmigrate.List(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	for _, m := range files {
		var done bool
		err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, m.Version).Scan(&done)
		if err != nil {
			return fmt.Errorf("postgres: read schema_migrations: %w", err)
		}
		if done {
			continue
		}
		t, err := conn.Begin(ctx)
		if err != nil {
			return fmt.Errorf("postgres: begin migration %d: %w", m.Version, err)
		}
		if _, err := t.Exec(ctx, m.SQL); err != nil {
			t.Rollback(ctx)
			return fmt.Errorf("postgres: migration %s: %w", m.Name, err)
		}
		if _, err := t.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
			m.Version, time.Now().UnixMilli()); err != nil {
			t.Rollback(ctx)
			return fmt.Errorf("postgres: record migration %d: %w", m.Version, err)
		}
		if err := t.Commit(ctx); err != nil {
			return fmt.Errorf("postgres: commit migration %d: %w", m.Version, err)
		}
	}
	return nil
}

// nodeLockBase offsets the advisory locks that number the nodes.
const nodeLockBase = 0x706c617a610000

// MaxNodes is how many nodes can share a database: generated IDs carry a
// node number of 10 bits.
const MaxNodes = 1024

// ClaimNodeID gives this node a number no other live node holds, for its
// generated IDs: the first free of MaxNodes advisory locks, held on a
// connection of its own until release (or until the node dies, when the
// database frees it).
func (s *Store) ClaimNodeID(ctx context.Context) (id int, release func(), err error) {
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return 0, nil, fmt.Errorf("postgres: %w", err)
	}
	conn := pc.Hijack() // out of the pool: the locks live as long as it does
	for n := range MaxNodes {
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, int64(nodeLockBase+n)).Scan(&ok); err != nil {
			conn.Close(context.Background())
			return 0, nil, fmt.Errorf("postgres: claim a node number: %w", err)
		}
		if ok {
			return n, func() { conn.Close(context.Background()) }, nil
		}
	}
	conn.Close(context.Background())
	return 0, nil, fmt.Errorf("postgres: all %d node numbers are taken", MaxNodes)
}
