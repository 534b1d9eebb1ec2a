package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pipe is a write transaction on one connection that spends as few round
// trips as it can: BEGIN travels with the transaction's first statement, and
// writes whose results nobody reads (queued with later) travel with the next
// statement or with COMMIT. A send, whose last writes come after it takes its
// channel's row lock, so holds that lock for one round trip less per write.
//
// An error of a queued write surfaces from the statement or the COMMIT it
// travelled with, and fails the transaction as it would have on its own.
type pipe struct {
	conn    *pgxpool.Conn
	pending *pgx.Batch // BEGIN (until it is sent) and the queued writes
	began   bool       // whether BEGIN has been sent
}

const beginReadCommitted = "BEGIN ISOLATION LEVEL READ COMMITTED"

func newPipe(conn *pgxpool.Conn) *pipe {
	p := &pipe{conn: conn, pending: &pgx.Batch{}}
	p.pending.Queue(beginReadCommitted)
	return p
}

// later queues a write to go with the next statement or the commit.
func (p *pipe) later(sql string, args ...any) { p.pending.Queue(sql, args...) }

// send sends the pending statements followed by sql, reads the results of
// the pending ones and returns the batch, positioned at sql's result.
func (p *pipe) send(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	b := p.pending
	n := b.Len()
	b.Queue(sql, args...)
	p.pending, p.began = &pgx.Batch{}, true
	br := p.conn.SendBatch(ctx, b)
	for range n {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return nil, err
		}
	}
	return br, nil
}

func (p *pipe) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if p.pending.Len() == 0 {
		return p.conn.Exec(ctx, sql, args...)
	}
	br, err := p.send(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

func (p *pipe) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if p.pending.Len() == 0 {
		return p.conn.QueryRow(ctx, sql, args...)
	}
	br, err := p.send(ctx, sql, args)
	if err != nil {
		return errRow{err}
	}
	return &batchRow{row: br.QueryRow(), br: br}
}

func (p *pipe) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if p.pending.Len() == 0 {
		return p.conn.Query(ctx, sql, args...)
	}
	br, err := p.send(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

// commit sends the pending writes and COMMIT.
func (p *pipe) commit(ctx context.Context) error {
	if !p.began && p.pending.Len() == 1 {
		return nil // nothing was sent and nothing is queued but BEGIN
	}
	tag, err := p.Exec(ctx, "COMMIT")
	if err != nil {
		return err
	}
	if tag.String() != "COMMIT" { // PostgreSQL answers ROLLBACK to COMMIT of a failed transaction
		return errors.New("the transaction was rolled back")
	}
	return nil
}

// rollback ends a transaction that has begun; one that never sent a
// statement has nothing to undo.
func (p *pipe) rollback(ctx context.Context) {
	if p.began {
		p.conn.Exec(ctx, "ROLLBACK")
	}
}

// errRow is a Row whose query could not be sent.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// batchRow is the one-row result at the end of a batch.
type batchRow struct {
	row pgx.Row
	br  pgx.BatchResults
}

func (r *batchRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if cerr := r.br.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close batch: %w", cerr)
	}
	return err
}

// batchRows is the rows result at the end of a batch; the batch ends with
// them.
type batchRows struct {
	pgx.Rows
	br  pgx.BatchResults
	err error
}

func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.end()
	return false
}

func (r *batchRows) Close() {
	r.Rows.Close()
	r.end()
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

func (r *batchRows) end() {
	if r.br != nil {
		r.err = r.br.Close()
		r.br = nil
	}
}
