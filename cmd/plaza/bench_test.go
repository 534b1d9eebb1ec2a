package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/internal/pgtest"
)

// TestMain lets the test binary stand in for plaza when a benchmark
// scenario starts servers as child processes of "this program": those run
// the test binary with "serve" first, never a test flag.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runBenchJSON runs plaza bench with args and decodes its result line.
func runBenchJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	lines := runBenchLines(t, args...)
	if len(lines) != 1 {
		t.Fatalf("bench %v printed %d lines, want 1", args, len(lines))
	}
	return lines[0]
}

// runBenchLines runs plaza bench with args and decodes each result line.
func runBenchLines(t *testing.T, args ...string) []map[string]any {
	t.Helper()
	var out strings.Builder
	if err := run(context.Background(), append([]string{"bench"}, args...), func(string) string { return "" }, nil, &out, io.Discard); err != nil {
		t.Fatalf("bench %v: %v", args, err)
	}
	var res []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("bench printed %q: %v", line, err)
		}
		res = append(res, r)
	}
	return res
}

// checkDelivered requires every acknowledged message to have reached every
// member.
func checkDelivered(t *testing.T, res map[string]any) {
	t.Helper()
	if res["acked"].(float64) == 0 || res["errors"].(float64) != 0 {
		t.Errorf("acked %v with %v errors, want some and none", res["acked"], res["errors"])
	}
	if res["deliveries"] != res["expectedDeliveries"] {
		t.Errorf("deliveries = %v, want %v", res["deliveries"], res["expectedDeliveries"])
	}
}

func TestBenchFanout(t *testing.T) {
	t.Parallel()
	res := runBenchJSON(t, "fanout", "--members", "5", "--channels", "2", "--rate", "20", "--duration", "1s")
	checkDelivered(t, res)
	if res["members"].(float64) != 5 || res["channels"].(float64) != 2 {
		t.Errorf("result names %v members in %v channels, want 5 in 2", res["members"], res["channels"])
	}
}

func TestBenchFanoutSteps(t *testing.T) {
	t.Parallel()
	lines := runBenchLines(t, "fanout", "--members", "4", "--rates", "10,20", "--duration", "1s", "--server-process")
	if len(lines) != 2 {
		t.Fatalf("fanout with two rates printed %d lines, want 2", len(lines))
	}
	for i, want := range []float64{10, 20} {
		checkDelivered(t, lines[i])
		if lines[i]["rate"].(float64) != want || lines[i]["server"] != "separate process" {
			t.Errorf("step %d: rate %v on %v, want %v on a separate process", i, lines[i]["rate"], lines[i]["server"], want)
		}
		if lines[i]["serverCPUSeconds"] == nil || lines[i]["deliveriesPerServerCPUSecond"] == nil {
			t.Errorf("step %d: no server CPU figures from a child process: %v", i, lines[i])
		}
	}
}

func TestBenchRefusesURLWhereItStartsItsOwnServer(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"idle", "churn", "slow", "reconnect", "history"} {
		err := run(context.Background(), []string{"bench", name, "--url", "http://127.0.0.1:1"}, func(string) string { return "" }, nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--url does not apply") {
			t.Errorf("bench %s --url: %v, want it refused", name, err)
		}
	}
}

func TestParseStamp(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		text string
		step int
		sent int64
		ok   bool
	}{
		{"2;1700000000000000;xxxx", 2, 1700000000000000, true},
		{"0;5;", 0, 5, true},
		{"1700000000000000;xxxx", 0, 0, false},
		{"a;5;x", 0, 0, false},
		{"-1;5;x", 0, 0, false},
	} {
		step, sent, ok := parseStamp(tt.text)
		if ok != tt.ok || (ok && (step != tt.step || sent != tt.sent)) {
			t.Errorf("parseStamp(%q) = %d, %d, %v; want %d, %d, %v", tt.text, step, sent, ok, tt.step, tt.sent, tt.ok)
		}
	}
}

func TestBenchSendNamesDurability(t *testing.T) {
	t.Parallel()
	res := runBenchJSON(t, "send", "--rate", "20", "--duration", "1s", "--sqlite-sync", "normal")
	checkDelivered(t, res)
	if res["scenario"] != "send" || res["members"].(float64) != 100 {
		t.Errorf("send ran as %v with %v members, want send with 100", res["scenario"], res["members"])
	}
	if d, _ := res["durability"].(string); !strings.Contains(d, "NORMAL") {
		t.Errorf("durability = %q, want it to name synchronous=NORMAL", d)
	}
}

// TestBenchIdle runs the idle scenario in two small steps against a server
// in a child process (this test binary, through TestMain).
func TestBenchIdle(t *testing.T) {
	t.Parallel()
	lines := runBenchLines(t, "idle", "--sessions", "20,40", "--communities", "4", "--window", "1s")
	if len(lines) != 2 {
		t.Fatalf("idle printed %d lines, want one per step", len(lines))
	}
	for i, want := range []float64{20, 40} {
		r := lines[i]
		if r["sessions"].(float64) != want || r["errors"].(float64) != 0 {
			t.Errorf("step %d: %v sessions with %v errors, want %v with none", i, r["sessions"], r["errors"], want)
		}
		// An idle session holds no goroutine (the gateway reads on
		// readiness), only some memory.
		if g := r["goroutinesPerSession"].(float64); g > 0.5 {
			t.Errorf("step %d: %v goroutines per session, want none (a few of the server's own, shared)", i, g)
		}
		if r["rssBytes"].(float64) <= 0 || r["baseRSSBytes"].(float64) <= 0 {
			t.Errorf("step %d: RSS %v (base %v), want both measured", i, r["rssBytes"], r["baseRSSBytes"])
		}
		// The heap's and the stacks' shares are too noisy at 40 sessions to
		// be more than measured.
		_, heap := r["heapPerSessionBytes"].(float64)
		_, stack := r["stackPerSessionBytes"].(float64)
		if !heap || !stack {
			t.Errorf("step %d: %v heap and %v stack bytes per session, want both measured", i, r["heapPerSessionBytes"], r["stackPerSessionBytes"])
		}
	}
}

// TestBenchClusterAcrossNodes runs the cluster scenario against two running
// nodes: messages sent through the first reach members on the second.
func TestBenchClusterAcrossNodes(t *testing.T) {
	pgtest.URL(t)
	t.Parallel()
	nodes := startCluster(t, natsCluster(t))
	res := runBenchJSON(t, "cluster", "--url", nodes[0].URL+","+nodes[1].URL, "--data", nodes[0].Data,
		"--members", "5", "--rate", "20", "--duration", "1s")
	checkDelivered(t, res)
	if want := nodes[0].URL + " → " + nodes[1].URL; res["server"] != want {
		t.Errorf("server = %v, want %q", res["server"], want)
	}
}

func TestPgbenchInserts(t *testing.T) {
	url := pgtest.URL(t)
	if _, err := exec.LookPath("pgbench"); err != nil {
		t.Skip("pgbench is not installed")
	}
	t.Parallel()
	schema, _, drop, err := benchSchema(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer drop()
	res, err := pgbenchInserts(t.Context(), url, schema, 2, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if res.tps <= 0 {
		t.Errorf("pgbench inserts/s = %v, want more than 0", res.tps)
	}
	if res.cpuPerInsert["postgres"] <= 0 {
		t.Errorf("pgbench's CPU per insert = %v, want its backends' time", res.cpuPerInsert)
	}
}
