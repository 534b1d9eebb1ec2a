package main

import "testing"

func TestCheckSeqs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                   string
		seqs                   []int64
		last                   int64
		gaps, dups, outOfOrder int64
	}{
		{"every one once", []int64{1, 2, 3}, 3, 0, 0, 0},
		{"none of none", nil, 0, 0, 0, 0},
		{"a gap", []int64{1, 3}, 3, 1, 0, 0},
		{"missing the last", []int64{1, 2}, 3, 1, 0, 0},
		{"a duplicate", []int64{1, 2, 2, 3}, 3, 0, 1, 0},
		{"a replay", []int64{1, 2, 3, 2, 3}, 3, 0, 2, 1},
		{"out of order", []int64{2, 1, 3}, 3, 0, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gaps, dups, disorder := checkSeqs(tt.seqs, tt.last)
			if gaps != tt.gaps || dups != tt.dups || disorder != tt.outOfOrder {
				t.Errorf("checkSeqs(%v, %d) = %d gaps, %d duplicates, %d out of order; want %d, %d, %d",
					tt.seqs, tt.last, gaps, dups, disorder, tt.gaps, tt.dups, tt.outOfOrder)
			}
		})
	}
}

// TestBenchReconnect restarts a small server twice under traffic: every
// session comes back, and gets every acknowledged message once, in order.
func TestBenchReconnect(t *testing.T) {
	t.Parallel()
	res := runBenchJSON(t, "reconnect", "--sessions", "40", "--communities", "4", "--rate", "20", "--duration", "1s", "--restart-wait", "30s")
	restarts, _ := res["restarts"].([]any)
	if len(restarts) != 2 {
		t.Fatalf("restarts = %v, want a graceful one and a kill", res["restarts"])
	}
	for _, r := range restarts {
		r := r.(map[string]any)
		if r["back"].(float64) != 40 || r["back99Seconds"].(float64) <= 0 {
			t.Errorf("%v restart: %v of 40 sessions back (99%% in %vs)", r["kind"], r["back"], r["back99Seconds"])
		}
	}
	if res["messagesAcked"].(float64) == 0 || res["sendErrors"].(float64) != 0 {
		t.Errorf("%v messages acknowledged, %v sends failed; want some, and none", res["messagesAcked"], res["sendErrors"])
	}
	for _, k := range []string{"gaps", "duplicates", "outOfOrder"} {
		if res[k].(float64) != 0 {
			t.Errorf("%s = %v, want 0", k, res[k])
		}
	}
}
