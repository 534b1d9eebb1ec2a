package main

import (
	"context"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/internal/pgtest"
)

// runBenchJSON runs plaza bench with args and decodes its result line.
func runBenchJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	var out strings.Builder
	if err := run(context.Background(), append([]string{"bench"}, args...), func(string) string { return "" }, nil, &out, io.Discard); err != nil {
		t.Fatalf("bench %v: %v", args, err)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out.String()), &res); err != nil {
		t.Fatalf("bench printed %q: %v", out.String(), err)
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
	tps, err := pgbenchInserts(t.Context(), url, schema, 2, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if tps <= 0 {
		t.Errorf("pgbench inserts/s = %v, want more than 0", tps)
	}
}
