// Package sqlite is Plaza's Store on an embedded SQLite database.
//
// Writes are serialised on one connection (BEGIN IMMEDIATE), so every write
// transaction sees the latest committed state and a limit checked inside it
// holds at commit. Reads run on a separate pool of read-only connections;
// WAL mode lets them proceed while a write is in flight.
//
// Group commit: one goroutine owns the writer. Update calls that arrive
// while it is busy are run together in one transaction, each inside its own
// savepoint, so that one call's error (or panic) undoes only its own writes,
// and a whole batch costs one commit, one fsync. A call's function must not
// call Update itself.
//
// Durability: with Sync "full" (the default) a commit is on disk when Update
// returns, so an acknowledged write survives a power loss. With "normal" a
// power loss (not a crash of the process) may lose the last transactions
// committed before it; the database stays consistent either way.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/sqlmigrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Sync modes, as PRAGMA synchronous takes them.
const (
	SyncFull   = "full"
	SyncNormal = "normal"
)

// MaxBatch bounds the Update calls committed together.
const MaxBatch = 256

// Store is a plaza.Store on one SQLite database file.
type Store struct {
	queries // reads on the reader pool
	writer  *sql.DB
	wconn   *sql.Conn // the writer's one connection, owned by the write goroutine
	reader  *sql.DB

	wstmts *stmtCache // statements prepared on the writer
	rstmts *stmtCache // statements prepared on the readers

	unread unreadParts // parts of recent users' total unread counts

	writes  chan *write
	mu      sync.RWMutex // held to send on writes; Close takes it to stop them
	closed  bool
	stopped chan struct{} // closed when the writer goroutine has finished
}

// write is one Update call waiting for the writer.
type write struct {
	ctx  context.Context
	fn   func(plaza.Tx) error
	done chan error
}

// panicError carries a panic from the writer goroutine back to the caller,
// which panics again with the same value.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic in Update: %v\n%s", p.value, p.stack) }

// errClosed is returned by Update after Close.
var errClosed = errors.New("sqlite: store is closed")

var _ plaza.Store = (*Store)(nil)

// Options configures Open.
type Options struct {
	// Sync is SyncFull (default) or SyncNormal.
	Sync string
	// Readers is the size of the reader pool; 0 picks one from the CPU count.
	Readers int
}

// FileMode is the mode of the database's files: they hold every app's
// server secret, so only their owner may read them.
const FileMode = 0o600

// ownerOnly creates the database file, if it does not exist, with FileMode
// before SQLite does (SQLite gives its -wal and -shm files the mode of the
// database file), and takes away from files left by an older version any
// permission beyond FileMode. The umask can only take permissions away, so
// the files are FileMode whatever it is.
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, FileMode)
	if err != nil {
		return fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	f.Close()
	for _, name := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		fi, err := os.Stat(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		if fi.Mode().Perm()&^FileMode != 0 {
			if err := os.Chmod(name, fi.Mode().Perm()&FileMode); err != nil {
				return fmt.Errorf("sqlite: make %s readable by its owner only: %w", name, err)
			}
		}
	}
	return nil
}

// Open opens (creating if needed) the database at path and applies any
// migrations it has not seen. Its files are readable by their owner only
// (FileMode).
func Open(ctx context.Context, path string, o Options) (*Store, error) {
	switch o.Sync {
	case "":
		o.Sync = SyncFull
	case SyncFull, SyncNormal:
	default:
		return nil, fmt.Errorf("sqlite: sync must be %q or %q, got %q", SyncFull, SyncNormal, o.Sync)
	}
	if o.Readers <= 0 {
		o.Readers = max(4, 2*runtime.GOMAXPROCS(0))
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := ownerOnly(abs); err != nil {
		return nil, err
	}
	dsn := func(extra ...string) string {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous("+o.Sync+")")
		for i := 0; i+1 < len(extra); i += 2 {
			q.Add(extra[i], extra[i+1])
		}
		return "file:" + abs + "?" + q.Encode()
	}
	writer, err := sql.Open("sqlite", dsn())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open writer: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	if err := migrate(ctx, writer); err != nil {
		writer.Close()
		return nil, err
	}
	wconn, err := writer.Conn(ctx)
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: writer connection: %w", err)
	}
	reader, err := sql.Open("sqlite", dsn("_pragma", "query_only(1)"))
	if err != nil {
		wconn.Close()
		writer.Close()
		return nil, fmt.Errorf("sqlite: open readers: %w", err)
	}
	reader.SetMaxOpenConns(o.Readers)
	reader.SetMaxIdleConns(o.Readers)
	reader.SetConnMaxIdleTime(0)
	s := &Store{
		writer:  writer,
		wconn:   wconn,
		reader:  reader,
		wstmts:  newStmtCache(wconn),
		rstmts:  newStmtCache(reader),
		writes:  make(chan *write, MaxBatch),
		stopped: make(chan struct{}),
	}
	s.queries = queries{db: pooled{s.rstmts}}
	go s.write()
	return s, nil
}

// Close finishes the writes already queued, then closes the database.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.writes)
	s.mu.Unlock()
	<-s.stopped
	s.rstmts.close()
	s.wstmts.close()
	return errors.Join(s.reader.Close(), s.wconn.Close(), s.writer.Close())
}

// Ping checks that both the writer and the readers answer.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.wconn.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: writer: %w", err)
	}
	if err := s.reader.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: reader: %w", err)
	}
	return nil
}

// Update runs fn in a write transaction: its own, or a savepoint of one it
// shares with other calls that were waiting at the same time. It returns once
// the transaction has committed (or fn's error, after its writes are undone).
func (s *Store) Update(ctx context.Context, fn func(plaza.Tx) error) error {
	w := &write{ctx: ctx, fn: fn, done: make(chan error, 1)}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return errClosed
	}
	select {
	case s.writes <- w:
	case <-ctx.Done():
		s.mu.RUnlock()
		return ctx.Err()
	}
	s.mu.RUnlock()
	err := <-w.done
	var p *panicError
	if errors.As(err, &p) {
		panic(p.value)
	}
	return err
}

// write is the writer goroutine: it runs queued calls in batches until Close.
func (s *Store) write() {
	defer close(s.stopped)
	batch := make([]*write, 0, MaxBatch)
	for w := range s.writes {
		batch = append(batch[:0], w)
	more:
		for len(batch) < MaxBatch {
			select {
			case w, ok := <-s.writes:
				if !ok {
					break more
				}
				batch = append(batch, w)
			default:
				break more
			}
		}
		s.commit(batch)
	}
}

// commit runs a batch in one transaction and tells each call its result.
func (s *Store) commit(batch []*write) {
	results := make([]error, len(batch))
	finish := func() {
		for i, w := range batch {
			w.done <- results[i]
		}
	}
	defer finish()
	ctx := context.Background()
	exec := func(q string) error {
		_, err := s.wstmts.db.ExecContext(ctx, q)
		return err
	}
	if err := exec("BEGIN IMMEDIATE"); err != nil {
		for i := range results {
			results[i] = fmt.Errorf("sqlite: begin: %w", err)
		}
		return
	}
	t := &tx{queries: queries{db: writing{s.wstmts}}}
	hooks := make([][]func(), len(batch))
	shared := len(batch) > 1
	ok := 0
	for i, w := range batch {
		t.hooks = nil
		if err := w.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if shared {
			if err := exec("SAVEPOINT w"); err != nil {
				results[i] = fmt.Errorf("sqlite: savepoint: %w", err)
				continue
			}
		}
		results[i] = call(w.fn, t)
		hooks[i] = t.hooks
		switch {
		case results[i] != nil && shared:
			err := exec("ROLLBACK TO w")
			if err == nil {
				err = exec("RELEASE w")
			}
			if err != nil {
				// The transaction is in an unknown state: fail everyone.
				exec("ROLLBACK")
				for j := range results {
					if results[j] == nil || j == i {
						results[j] = errors.Join(results[j], fmt.Errorf("sqlite: rollback to savepoint: %w", err))
					}
				}
				return
			}
		case results[i] == nil && shared:
			if err := exec("RELEASE w"); err != nil {
				results[i] = fmt.Errorf("sqlite: release savepoint: %w", err)
				continue
			}
			ok++
		case results[i] == nil:
			ok++
		}
	}
	if ok == 0 {
		if err := exec("ROLLBACK"); err != nil {
			for i := range results {
				results[i] = errors.Join(results[i], fmt.Errorf("sqlite: rollback: %w", err))
			}
		}
		return
	}
	if err := exec("COMMIT"); err != nil {
		exec("ROLLBACK")
		for i := range results {
			if results[i] == nil {
				results[i] = fmt.Errorf("sqlite: commit: %w", err)
			}
		}
		return
	}
	// The hooks run in commit order before any caller learns of its commit.
	for i := range batch {
		if results[i] == nil {
			for _, h := range hooks[i] {
				h()
			}
		}
	}
}

// call runs fn, turning a panic into a *panicError for its caller.
func call(fn func(plaza.Tx) error, t *tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: debug.Stack()}
		}
	}()
	return fn(t)
}

// tx is a plaza.Tx on the writer connection.
type tx struct {
	queries
	hooks []func() // the current call's AfterCommit functions
}

// AfterCommit queues fn to run after the commit, in the writer goroutine,
// in commit order.
func (t *tx) AfterCommit(fn func()) { t.hooks = append(t.hooks, fn) }

// dbtx is what queries run on: the reader pool or a write transaction.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries implements plaza.Query on a dbtx.
type queries struct {
	db dbtx
}

// translate maps SQLite errors to the store's vocabulary.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return plaza.ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", plaza.ErrConflict, err)
		}
	}
	return fmt.Errorf("sqlite: %w", err)
}

// scanned translates the error of a rowcodec scan, which the scanners leave
// as the driver or decoder returned it, so that a missing row is
// plaza.ErrNotFound here as everywhere else.
func scanned[T any](v T, err error) (T, error) {
	return v, translate(err)
}

// migrate applies, in order, each embedded migration the database has not
// recorded, each in its own transaction.
func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("sqlite: create schema_migrations: %w", err)
	}
	files, err := sqlmigrate.List(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	for _, m := range files {
		var done int
		err := db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&done)
		if err != nil {
			return fmt.Errorf("sqlite: read schema_migrations: %w", err)
		}
		if done > 0 {
			continue
		}
		t, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("sqlite: begin migration %d: %w", m.Version, err)
		}
		if _, err := t.ExecContext(ctx, m.SQL); err != nil {
			t.Rollback()
			return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			m.Version, time.Now().UnixMilli()); err != nil {
			t.Rollback()
			return fmt.Errorf("sqlite: record migration %d: %w", m.Version, err)
		}
		if err := t.Commit(); err != nil {
			return fmt.Errorf("sqlite: commit migration %d: %w", m.Version, err)
		}
	}
	return nil
}

// placeholders returns "?, ?, …" for n arguments.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// keyList returns keys as a JSON array, for json_each: a list of any length
// as one parameter.
func keyList(keys []int64) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(k, 10))
	}
	b.WriteByte(']')
	return b.String()
}

// stringArgs converts strings to query arguments, after any leading ones.
func stringArgs(lead []any, ss []string) []any {
	args := make([]any, 0, len(lead)+len(ss))
	args = append(args, lead...)
	for _, s := range ss {
		args = append(args, s)
	}
	return args
}
