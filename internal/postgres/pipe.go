package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
//
// In a group (UpdateGroup) several calls share the transaction, one after
// the other: the pipe knows which call queued each statement (owner), so
// that a failure is laid at the right call's door, and whether the running
// call has written (or queued a write), so that one that fails having only
// read can be left out without ending the transaction.
type pipe struct {
	conn    *pgxpool.Conn
	pending *pgx.Batch // BEGIN (until it is sent) and the queued writes
	began   bool       // whether BEGIN has been sent

	ctx         context.Context // in a group, the context of every statement
	owners      []int           // the call that queued each pending statement (-1: BEGIN)
	owner       int             // the running call
	wrote       bool            // whether the running call has sent a write
	failedOwner int             // the call whose queued write failed, or -1

	seqs map[int64]int64 // the last seq NextSeq gave in each channel whose row the transaction holds
}

const beginReadCommitted = "BEGIN ISOLATION LEVEL READ COMMITTED"

func newPipe(conn *pgxpool.Conn) *pipe {
	p := &pipe{conn: conn, pending: &pgx.Batch{}, owners: []int{-1}, failedOwner: -1, seqs: make(map[int64]int64)}
	p.pending.Queue(beginReadCommitted)
	return p
}

// later queues a write to go with the next statement or the commit. A
// call that queued one counts as having written: what it queued may have
// changed what the transaction knows (NextSeq's seqs).
func (p *pipe) later(sql string, args ...any) {
	p.pending.Queue(sql, args...)
	p.owners = append(p.owners, p.owner)
	p.wrote = true
}

// start makes call i the running one.
func (p *pipe) start(i int) { p.owner, p.wrote = i, false }

// failed reports whether the transaction can take no more statements: one
// failed, or the connection broke.
func (p *pipe) failed() bool {
	if !p.began {
		return false
	}
	pc := p.conn.Conn().PgConn()
	return pc.IsClosed() || pc.IsBusy() || pc.TxStatus() != 'T'
}

// use returns the context statements run under: the group's, if set.
func (p *pipe) use(ctx context.Context) context.Context {
	if p.ctx != nil {
		return p.ctx
	}
	return ctx
}

// sent records that sql is about to be sent by the running call (in a
// group: alone, a call's failure ends its transaction whatever it sent).
func (p *pipe) sent(sql string) {
	if p.ctx != nil && !p.wrote && !readOnly(sql) {
		p.wrote = true
	}
}

// readOnly reports whether sql only reads, without locks.
func readOnly(sql string) bool {
	s := strings.TrimLeft(sql, " \t\r\n")
	if len(s) < 6 || !strings.EqualFold(s[:6], "SELECT") {
		return false
	}
	u := strings.ToUpper(s)
	return !strings.Contains(u, " FOR UPDATE") && !strings.Contains(u, " FOR NO KEY UPDATE") &&
		!strings.Contains(u, " FOR SHARE") && !strings.Contains(u, " FOR KEY SHARE")
}

// send sends the pending statements followed by sql, reads the results of
// the pending ones and returns the batch, positioned at sql's result.
func (p *pipe) send(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	b, owners := p.pending, p.owners
	n := b.Len()
	b.Queue(sql, args...)
	p.pending, p.owners, p.began = &pgx.Batch{}, nil, true
	for _, o := range owners {
		if o == p.owner {
			p.wrote = true // queued statements are writes
		}
	}
	p.sent(sql)
	br := p.conn.SendBatch(p.use(ctx), b)
	for i := range n {
		if _, err := br.Exec(); err != nil {
			if owners[i] >= 0 && owners[i] != p.owner {
				p.failedOwner = owners[i]
			}
			br.Close()
			return nil, err
		}
	}
	return br, nil
}

func (p *pipe) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	ctx = p.use(ctx)
	if p.pending.Len() == 0 {
		p.sent(sql)
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
	ctx = p.use(ctx)
	if p.pending.Len() == 0 {
		p.sent(sql)
		return p.conn.QueryRow(ctx, sql, args...)
	}
	br, err := p.send(ctx, sql, args)
	if err != nil {
		return errRow{err}
	}
	return &batchRow{row: br.QueryRow(), br: br}
}

func (p *pipe) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	ctx = p.use(ctx)
	if p.pending.Len() == 0 {
		p.sent(sql)
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
