package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/plazahq/plaza/internal/postgres"
	"github.com/plazahq/plaza/internal/sqlite"
)

// plaza admin migrate-store: copy an embedded deployment (SQLite in a data
// directory) into an empty PostgreSQL database, the way from one machine to
// a cluster.

const migrateUsage = `Usage: plaza admin migrate-store --from DATA_DIR --to POSTGRES_URL

Copies every row of an embedded deployment's SQLite database into an empty
PostgreSQL database (apps, secrets, specs, billing records, users,
communities, members, channels and threads, thread members, messages with
their seqs, read positions, mutes, mentions, reactions, queued callbacks),
then checks that every table holds as many rows on both sides. It refuses a
database that already holds Plaza data. Stop the server first: the copy
reads a snapshot of the file.
`

// migrateTables are copied in this order, parents before children.
var migrateTables = []string{
	"apps", "app_secrets", "app_specs", "usage", "nonces", "webhook_deliveries",
	"users", "communities", "dismissed_communities", "channels", "dismissed_channels",
	"members", "applications", "channel_members", "channel_states",
	"messages", "hidden_messages", "reactions", "member_mutes", "mentions", "mention_alls",
}

// copyBatch is how many rows one COPY carries.
const copyBatch = 10_000

func runMigrateStore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plaza admin migrate-store", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, migrateUsage); fs.PrintDefaults() }
	from := fs.String("from", "", "data directory of the embedded deployment (required)")
	to := fs.String("to", "", "PostgreSQL URL of an empty database (required; also PLAZA_POSTGRES)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" {
		*to = getenv("PLAZA_POSTGRES")
	}
	if *from == "" || *to == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("admin migrate-store: --from and --to are required, and nothing else")
	}
	path := filepath.Join(*from, "plaza.db")
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("admin migrate-store: no Plaza database in %s: %w", *from, err)
	}
	// Opening the store brings the file to the latest schema, which the
	// PostgreSQL schema mirrors.
	st, err := sqlite.Open(ctx, path, sqlite.Options{Readers: 1})
	if err != nil {
		return err
	}
	st.Close()
	src, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := postgres.Open(ctx, *to, postgres.Options{MaxConns: 2})
	if err != nil {
		return err
	}
	defer dst.Close()
	log := slog.New(slog.NewTextHandler(stderr, nil))
	start := time.Now()
	counts, err := migrateStore(ctx, src, dst, log)
	if err != nil {
		return fmt.Errorf("admin migrate-store: %w", err)
	}
	fmt.Fprintf(stdout, "copied %s into PostgreSQL in %s:\n", path, time.Since(start).Round(time.Millisecond))
	for _, t := range migrateTables {
		fmt.Fprintf(stdout, "  %-22s %d\n", t, counts[t])
	}
	return nil
}

// migrateStore copies every table of src into dst in one transaction and
// verifies the row counts; it returns them by table.
func migrateStore(ctx context.Context, src *sql.DB, dst *postgres.Store, log *slog.Logger) (map[string]int64, error) {
	// One read transaction: every table is read from the same snapshot.
	stx, err := src.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer stx.Rollback()
	ptx, err := dst.Pool().Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer ptx.Rollback(context.WithoutCancel(ctx))
	for _, t := range migrateTables {
		var any bool
		if err := ptx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+t+`)`).Scan(&any); err != nil {
			return nil, err
		}
		if any {
			return nil, fmt.Errorf("the PostgreSQL database already holds Plaza data (table %s is not empty); migrate-store writes only into an empty one", t)
		}
	}
	counts := make(map[string]int64, len(migrateTables))
	for _, t := range migrateTables {
		n, err := copyTable(ctx, stx, ptx, t)
		if err != nil {
			return nil, fmt.Errorf("copy %s: %w", t, err)
		}
		counts[t] = n
		log.Info("copied", "table", t, "rows", n)
	}
	// Generated keys continue after the copied ones.
	rows, err := ptx.Query(ctx, `
		SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_identity = 'YES'`)
	if err != nil {
		return nil, err
	}
	type ident struct{ table, column string }
	var idents []ident
	for rows.Next() {
		var i ident
		if err := rows.Scan(&i.table, &i.column); err != nil {
			return nil, err
		}
		idents = append(idents, i)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, i := range idents {
		q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', '%s'), coalesce((SELECT max(%s) FROM %s), 0) + 1, false)`,
			i.table, i.column, i.column, i.table)
		if _, err := ptx.Exec(ctx, q); err != nil {
			return nil, fmt.Errorf("advance %s.%s: %w", i.table, i.column, err)
		}
	}
	for _, t := range migrateTables {
		var n int64
		if err := ptx.QueryRow(ctx, `SELECT count(*) FROM `+t).Scan(&n); err != nil {
			return nil, err
		}
		if n != counts[t] {
			return nil, fmt.Errorf("table %s holds %d rows after the copy, want %d", t, n, counts[t])
		}
	}
	if err := ptx.Commit(ctx); err != nil {
		return nil, err
	}
	return counts, nil
}

// copyTable copies one table's rows, column by column as PostgreSQL names
// them, converting SQLite's integers to booleans and its text to bytes
// where PostgreSQL's columns want them.
func copyTable(ctx context.Context, src *sql.Tx, dst pgx.Tx, table string) (int64, error) {
	rows, err := dst.Query(ctx, `
		SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
	if err != nil {
		return 0, err
	}
	var cols, types []string
	for rows.Next() {
		var c, t string
		if err := rows.Scan(&c, &t); err != nil {
			return 0, err
		}
		cols, types = append(cols, c), append(types, t)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(cols) == 0 {
		return 0, fmt.Errorf("PostgreSQL has no table %s", table)
	}
	srows, err := src.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+table)
	if err != nil {
		return 0, fmt.Errorf("read SQLite: %w", err)
	}
	defer srows.Close()
	var total int64
	batch := make([][]any, 0, copyBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		n, err := dst.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(batch))
		total += n
		batch = batch[:0]
		return err
	}
	for srows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := srows.Scan(ptrs...); err != nil {
			return 0, err
		}
		for i, v := range vals {
			switch types[i] {
			case "boolean":
				n, _ := v.(int64)
				vals[i] = n != 0
			case "bytea":
				if s, ok := v.(string); ok {
					vals[i] = []byte(s)
				}
			}
		}
		batch = append(batch, vals)
		if len(batch) == copyBatch {
			if err := flush(); err != nil {
				return 0, err
			}
		}
	}
	if err := srows.Err(); err != nil {
		return 0, err
	}
	if err := flush(); err != nil {
		return 0, err
	}
	return total, nil
}
