package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// clusterResult is the JSON line of the cluster scenario: the fanout figures
// of sends through one node to members on the other, and PostgreSQL's own
// single-row insert rate measured just before on the same database.
type clusterResult struct {
	*fanoutResult
	Nodes          int     `json:"nodes"`
	PgbenchClients int     `json:"pgbenchClients,omitempty"`
	PgbenchTPS     float64 `json:"pgbenchInsertTPS,omitempty"`
	// PgbenchCPUPerInsertUs is the CPU time of one of pgbench's inserts, in
	// microseconds: its PostgreSQL backends' ("postgres") and pgbench's own.
	PgbenchCPUPerInsertUs map[string]float64 `json:"pgbenchCPUPerInsertUs,omitempty"`
	// SendsVsPgbench is acknowledged sends/s over pgbench's inserts/s.
	SendsVsPgbench float64 `json:"sendsVsPgbench,omitempty"`
}

// benchCluster runs the fanout scenario with its senders on one node and its
// members on another.
func benchCluster(ctx context.Context, cfg benchConfig, stderr io.Writer) ([]*clusterResult, error) {
	res := &clusterResult{Nodes: 2}
	var tgt *target
	if cfg.url != "" {
		send, recv, ok := strings.Cut(cfg.url, ",")
		if !ok {
			return nil, errors.New("bench cluster: --url needs two nodes, comma-separated: the sending one, then the receiving one")
		}
		one := cfg
		one.url = send
		t, err := startTarget(ctx, one, stderr)
		if err != nil {
			return nil, err
		}
		t.recvURL = strings.TrimSuffix(recv, "/")
		t.name = t.url + " → " + t.recvURL
		tgt = t
	} else {
		if cfg.postgres == "" {
			return nil, errors.New("bench cluster: give --postgres (or PLAZA_POSTGRES), or --url of two running nodes")
		}
		schema, nodeURL, drop, err := benchSchema(ctx, cfg.postgres)
		if err != nil {
			return nil, err
		}
		defer drop()
		if cfg.pgbench > 0 {
			fmt.Fprintf(stderr, "bench: pgbench, %d clients, single-row inserts for 10s\n", cfg.pgbench)
			pb, err := pgbenchInserts(ctx, cfg.postgres, schema, cfg.pgbench, 10*time.Second)
			if err != nil {
				return nil, err
			}
			res.PgbenchClients, res.PgbenchTPS, res.PgbenchCPUPerInsertUs = cfg.pgbench, pb.tps, pb.cpuPerInsert
		}
		if tgt, err = startNodes(nodeURL, cfg.nats, stderr); err != nil {
			return nil, err
		}
		conn, err := pgx.Connect(ctx, cfg.postgres)
		if err != nil {
			tgt.stop()
			return nil, fmt.Errorf("bench: connect to PostgreSQL: %w", err)
		}
		defer conn.Close(context.WithoutCancel(ctx))
		tgt.cpu = clusterCPU(ctx, tgt, &pgBackends{conn: conn, application: schema})
	}
	defer tgt.stop()
	steps, err := benchFanout(ctx, cfg, tgt, stderr)
	if err != nil {
		return nil, err
	}
	out := make([]*clusterResult, len(steps))
	for i, f := range steps {
		f.Scenario = "cluster"
		r := *res
		r.fanoutResult = f
		if r.PgbenchTPS > 0 {
			r.SendsVsPgbench = math.Round(f.AckedPerSec/r.PgbenchTPS*100) / 100
		}
		out[i] = &r
	}
	return out, nil
}

// clusterCPU reads the CPU time of the parts of a cluster run: the two
// nodes, their PostgreSQL backends, the NATS servers of this machine, this
// process (the load generator) and the machine as a whole.
func clusterCPU(ctx context.Context, tgt *target, pg *pgBackends) cpuParts {
	return func() map[string]time.Duration {
		parts := map[string]time.Duration{
			"postgres":  pg.cpu(ctx),
			"nats":      commCPU("nats-server"),
			machinePart: machineBusy(),
		}
		for name, p := range map[string]*proc{"node1": tgt.nodes[0], "node2": tgt.nodes[1]} {
			if d, err := p.cpu(); err == nil {
				parts[name] = d
			}
		}
		if d, err := pidCPU(os.Getpid()); err == nil {
			parts["bench"] = d
		}
		return parts
	}
}

// benchSchema creates a schema for one run in the database at pgURL and
// returns it, a URL whose connections use it (and name themselves after
// it), and a function dropping it.
func benchSchema(ctx context.Context, pgURL string) (schema, nodeURL string, drop func(), err error) {
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		return "", "", nil, fmt.Errorf("bench: connect to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	var b [4]byte
	rand.Read(b[:])
	schema = "plaza_bench_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", "", nil, fmt.Errorf("bench: create schema: %w", err)
	}
	drop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if conn, err := pgx.Connect(ctx, pgURL); err == nil {
			conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			conn.Close(ctx)
		}
	}
	nodeURL, err = withSearchPath(pgURL, schema)
	if err != nil {
		drop()
		return "", "", nil, err
	}
	return schema, nodeURL, drop, nil
}

// withSearchPath adds search_path, and application_name with the same
// value, to a postgres:// URL or a key=value connection string.
func withSearchPath(pgURL, schema string) (string, error) {
	if !strings.HasPrefix(pgURL, "postgres://") && !strings.HasPrefix(pgURL, "postgresql://") {
		return pgURL + " search_path=" + schema + " application_name=" + schema, nil
	}
	u, err := url.Parse(pgURL)
	if err != nil {
		return "", fmt.Errorf("bench: --postgres: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("application_name", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

var pgbenchTPS = regexp.MustCompile(`tps = ([0-9.]+)`)

// pgbenchResult is pgbench's rate of inserts and their CPU time.
type pgbenchResult struct {
	tps          float64
	cpuPerInsert map[string]float64 // µs: "postgres" (its backends) and "pgbench"
}

// pgbenchInserts measures PostgreSQL's rate of single-row inserts, each its
// own transaction, of a row like a message's (two keys and 128 bytes), with
// pgbench from PATH, into a table of schema; and, over the middle of the
// run, what an insert costs its backends and pgbench in CPU time.
func pgbenchInserts(ctx context.Context, pgURL, schema string, clients int, d time.Duration) (pgbenchResult, error) {
	var res pgbenchResult
	bin, err := exec.LookPath("pgbench")
	if err != nil {
		return res, errors.New("bench: pgbench is not in PATH (install postgresql-client, or pass --pgbench-clients 0)")
	}
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		return res, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	table := schema + ".pgbench_inserts"
	if _, err = conn.Exec(ctx, "CREATE TABLE "+table+" (channel BIGINT NOT NULL, seq BIGINT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (channel, seq))"); err != nil {
		return res, fmt.Errorf("bench: pgbench table: %w", err)
	}
	script, err := os.CreateTemp("", "plaza-pgbench-*.sql")
	if err != nil {
		return res, err
	}
	defer os.Remove(script.Name())
	fmt.Fprintf(script, "\\set seq random(1, 1000000000000)\nINSERT INTO %s VALUES (:client_id, :seq, repeat('x', 128)) ON CONFLICT DO NOTHING;\n", table)
	script.Close()
	app := schema + "_pgbench"
	cmd := exec.CommandContext(ctx, bin, "-n", "-c", strconv.Itoa(clients), "-j", "2",
		"-T", strconv.Itoa(int(d.Seconds())), "-f", script.Name(), pgURL)
	cmd.Env = append(os.Environ(), "PGAPPNAME="+app)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return res, fmt.Errorf("bench: pgbench: %w", err)
	}
	// The CPU time per insert, over the middle of the run: rows counted and
	// CPU read at a fifth of it and at four fifths.
	pg := &pgBackends{conn: conn, application: app}
	read := func() (rows int64, backends, client time.Duration) {
		conn.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&rows)
		client, _ = pidCPU(cmd.Process.Pid)
		return rows, pg.cpu(ctx), client
	}
	time.Sleep(d / 5)
	rows0, pg0, client0 := read()
	time.Sleep(d * 3 / 5)
	rows1, pg1, client1 := read()
	if err := cmd.Wait(); err != nil {
		return res, fmt.Errorf("bench: pgbench: %w\n%s", err, out.String())
	}
	m := pgbenchTPS.FindStringSubmatch(out.String())
	if m == nil {
		return res, fmt.Errorf("bench: no tps in pgbench's output:\n%s", out.String())
	}
	if res.tps, err = strconv.ParseFloat(m[1], 64); err != nil {
		return res, err
	}
	if n := rows1 - rows0; n > 0 {
		per := func(d time.Duration) float64 { return math.Round(float64(d.Microseconds())/float64(n)*10) / 10 }
		res.cpuPerInsert = map[string]float64{"postgres": per(pg1 - pg0), "pgbench": per(client1 - client0)}
	}
	return res, nil
}

// startNodes starts two nodes of this program as child processes on the
// PostgreSQL database at pgURL and the NATS at natsURL, the first before the
// second so that it alone creates the development app.
func startNodes(pgURL, natsURL string, stderr io.Writer) (*target, error) {
	var key [16]byte
	rand.Read(key[:])
	flags := []string{"--postgres", pgURL, "--nats", natsURL, "--send-queue", "65536", "--operator-key", hex.EncodeToString(key[:])}
	one, err := startProc("", flags, stderr)
	if err != nil {
		return nil, err
	}
	two, err := startProc("", flags, stderr)
	if err != nil {
		one.remove()
		return nil, err
	}
	stop := func() { two.remove(); one.remove() }
	d, err := readDevApp(one.dir)
	if err != nil {
		stop()
		return nil, err
	}
	return &target{url: one.URL(), recvURL: two.URL(), name: "node 1 → node 2 (PostgreSQL + NATS)",
		durability: "PostgreSQL: committed before the ack, with the server's synchronous_commit",
		appID:      d.AppID, secret: d.ServerSecret, nodes: []*proc{one, two}, stop: stop}, nil
}
