package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds the prepared statements kept per pool; queries built
// with a variable number of placeholders make a few variants each.
const maxCachedStmts = 1024

// conner is what statements are prepared on: the reader pool, or the
// writer's one connection.
type conner interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// stmtCache keeps the statements prepared on the readers or the writer, so
// that SQLite parses each query once instead of at every call: parsing was
// the largest cost of a send before.
type stmtCache struct {
	db    conner
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

func newStmtCache(db conner) *stmtCache {
	return &stmtCache{db: db, stmts: make(map[string]*sql.Stmt)}
}

// get returns the statement for query, preparing it the first time. When the
// cache is full it returns nil: the caller runs the query unprepared.
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.RLock()
	st := c.stmts[query]
	c.mu.RUnlock()
	if st != nil {
		return st, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st = c.stmts[query]; st != nil {
		return st, nil
	}
	if len(c.stmts) >= maxCachedStmts {
		return nil, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.stmts[query] = st
	return st, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		st.Close()
	}
	clear(c.stmts)
}

// pooled runs queries on a pool with cached statements.
type pooled struct{ c *stmtCache }

func (p pooled) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := p.c.get(ctx, query)
	if err != nil || st == nil {
		return p.c.db.ExecContext(ctx, query, args...)
	}
	return st.ExecContext(ctx, args...)
}

func (p pooled) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := p.c.get(ctx, query)
	if err != nil || st == nil {
		return p.c.db.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

func (p pooled) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := p.c.get(ctx, query)
	if err != nil || st == nil {
		return p.c.db.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// writing runs the writer's queries: on its one connection, inside the
// transaction the writer opened, with cached statements. It ignores the
// callers' cancellation: SQLite rolls back the whole transaction when a write
// in it is interrupted, and the transaction is shared by a batch of calls.
type writing struct{ c *stmtCache }

func (w writing) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return pooled(w).ExecContext(context.WithoutCancel(ctx), query, args...)
}

func (w writing) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return pooled(w).QueryContext(context.WithoutCancel(ctx), query, args...)
}

func (w writing) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return pooled(w).QueryRowContext(context.WithoutCancel(ctx), query, args...)
}
