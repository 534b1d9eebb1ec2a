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
			tps, err := pgbenchInserts(ctx, cfg.postgres, schema, cfg.pgbench, 10*time.Second)
			if err != nil {
				return nil, err
			}
			res.PgbenchClients, res.PgbenchTPS = cfg.pgbench, tps
		}
		if tgt, err = startNodes(nodeURL, cfg.nats, stderr); err != nil {
			return nil, err
		}
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

// benchSchema creates a schema for one run in the database at pgURL and
// returns it, a URL whose connections use it, and a function dropping it.
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

// withSearchPath adds search_path to a postgres:// URL or a key=value
// connection string.
func withSearchPath(pgURL, schema string) (string, error) {
	if !strings.HasPrefix(pgURL, "postgres://") && !strings.HasPrefix(pgURL, "postgresql://") {
		return pgURL + " search_path=" + schema, nil
	}
	u, err := url.Parse(pgURL)
	if err != nil {
		return "", fmt.Errorf("bench: --postgres: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

var pgbenchTPS = regexp.MustCompile(`tps = ([0-9.]+)`)

// pgbenchInserts measures PostgreSQL's rate of single-row inserts, each its
// own transaction, of a row like a message's (two keys and 128 bytes), with
// pgbench from PATH, into a table of schema.
func pgbenchInserts(ctx context.Context, pgURL, schema string, clients int, d time.Duration) (float64, error) {
	bin, err := exec.LookPath("pgbench")
	if err != nil {
		return 0, errors.New("bench: pgbench is not in PATH (install postgresql-client, or pass --pgbench-clients 0)")
	}
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		return 0, err
	}
	table := schema + ".pgbench_inserts"
	_, err = conn.Exec(ctx, "CREATE TABLE "+table+" (channel BIGINT NOT NULL, seq BIGINT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (channel, seq))")
	conn.Close(ctx)
	if err != nil {
		return 0, fmt.Errorf("bench: pgbench table: %w", err)
	}
	script, err := os.CreateTemp("", "plaza-pgbench-*.sql")
	if err != nil {
		return 0, err
	}
	defer os.Remove(script.Name())
	fmt.Fprintf(script, "\\set seq random(1, 1000000000000)\nINSERT INTO %s VALUES (:client_id, :seq, repeat('x', 128)) ON CONFLICT DO NOTHING;\n", table)
	script.Close()
	cmd := exec.CommandContext(ctx, bin, "-n", "-c", strconv.Itoa(clients), "-j", "2",
		"-T", strconv.Itoa(int(d.Seconds())), "-f", script.Name(), pgURL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("bench: pgbench: %w\n%s", err, out)
	}
	m := pgbenchTPS.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("bench: no tps in pgbench's output:\n%s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
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
		appID:      d.AppID, secret: d.ServerSecret, stop: stop}, nil
}
