// Package sqlite is Plaza's Store on an embedded SQLite database.
//
// Writes are serialised on one connection (BEGIN IMMEDIATE), so every write
// transaction sees the latest committed state and a limit checked inside it
// holds at commit. Reads run on a separate pool of read-only connections;
// WAL mode lets them proceed while a write is in flight.
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
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/plazahq/plaza"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Sync modes, as PRAGMA synchronous takes them.
const (
	SyncFull   = "full"
	SyncNormal = "normal"
)

// Store is a plaza.Store on one SQLite database file.
type Store struct {
	queries // reads on the reader pool
	writer  *sql.DB
	reader  *sql.DB
}

var _ plaza.Store = (*Store)(nil)

// Options configures Open.
type Options struct {
	// Sync is SyncFull (default) or SyncNormal.
	Sync string
	// Readers is the size of the reader pool; 0 picks one from the CPU count.
	Readers int
}

// Open opens (creating if needed) the database at path and applies any
// migrations it has not seen.
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
	writer, err := sql.Open("sqlite", dsn("_txlock", "immediate"))
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
	reader, err := sql.Open("sqlite", dsn("_pragma", "query_only(1)"))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open readers: %w", err)
	}
	reader.SetMaxOpenConns(o.Readers)
	reader.SetMaxIdleConns(o.Readers)
	reader.SetConnMaxIdleTime(0)
	return &Store{queries: queries{db: reader}, writer: writer, reader: reader}, nil
}

// Close closes the database. Writes still in flight finish first: the writer
// connection is released only when their transactions end.
func (s *Store) Close() error {
	return errors.Join(s.reader.Close(), s.writer.Close())
}

// Ping checks that both the writer and the readers answer.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.writer.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: writer: %w", err)
	}
	if err := s.reader.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: reader: %w", err)
	}
	return nil
}

// Update runs fn in a write transaction.
func (s *Store) Update(ctx context.Context, fn func(plaza.Tx) error) error {
	sqlTx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	if err := fn(&tx{queries: queries{db: sqlTx}, tx: sqlTx}); err != nil {
		if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("sqlite: rollback: %w", rbErr))
		}
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// tx is a plaza.Tx on the writer connection.
type tx struct {
	queries
	tx *sql.Tx
}

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

// migrate applies, in order, each embedded migration the database has not
// recorded, each in its own transaction.
func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("sqlite: create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	type migration struct {
		version int
		name    string
	}
	var all []migration
	for _, n := range names {
		base := filepath.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return fmt.Errorf("sqlite: migration %s is not named NNNN_name.sql", base)
		}
		all = append(all, migration{v, n})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].version < all[j].version })
	for _, m := range all {
		var done int
		err := db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&done)
		if err != nil {
			return fmt.Errorf("sqlite: read schema_migrations: %w", err)
		}
		if done > 0 {
			continue
		}
		body, err := migrations.ReadFile(m.name)
		if err != nil {
			return err
		}
		t, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("sqlite: begin migration %d: %w", m.version, err)
		}
		if _, err := t.ExecContext(ctx, string(body)); err != nil {
			t.Rollback()
			return fmt.Errorf("sqlite: migration %s: %w", filepath.Base(m.name), err)
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			m.version, time.Now().UnixMilli()); err != nil {
			t.Rollback()
			return fmt.Errorf("sqlite: record migration %d: %w", m.version, err)
		}
		if err := t.Commit(); err != nil {
			return fmt.Errorf("sqlite: commit migration %d: %w", m.version, err)
		}
	}
	return nil
}

// placeholders returns "?, ?, …" for n arguments.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
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
