package main

import (
	"os"
	"testing"
)

// TestBenchLarge runs the large scenario small, on SQLite and, when the
// suite has PostgreSQL, on it too: every call answered, every message
// delivered to the active sessions and none in full to the passive ones,
// which get channel heads no closer than the server's interval; the
// dismissal hidden at once and purged to the last row.
func TestBenchLarge(t *testing.T) {
	t.Parallel()
	stores := map[string][]string{"sqlite": nil}
	if pg := os.Getenv("PLAZA_TEST_POSTGRES"); pg != "" {
		stores["postgres"] = []string{"--postgres", pg}
	}
	for name, extra := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			lines := runBenchLines(t, append([]string{"large", "--members", "3000", "--online", "40", "--active", "4",
				"--iterations", "10", "--muted", "30", "--rate", "20", "--duration", "4s", "--idle", "1s"}, extra...)...)
			if len(lines) != 3 {
				t.Fatalf("bench large printed %d lines, want 3 (api, online, dismiss)", len(lines))
			}
			api, online, dismiss := lines[0], lines[1], lines[2]
			for _, op := range api["ops"].([]any) {
				op := op.(map[string]any)
				if op["errors"].(float64) != 0 || op["calls"].(float64) < 10 {
					t.Errorf("api: %v: %v calls, %v errors", op["op"], op["calls"], op["errors"])
				}
			}
			if online["acked"].(float64) == 0 || online["deliveries"] != online["expectedDeliveries"] || online["passiveMessages"].(float64) != 0 {
				t.Errorf("online: %v acked, %v of %v deliveries, %v messages to passive sessions; want some, all, none",
					online["acked"], online["deliveries"], online["expectedDeliveries"], online["passiveMessages"])
			}
			if online["headsFrames"].(float64) == 0 || online["headsIntervalHeld"] != true {
				t.Errorf("online: %v heads frames, interval held %v (closest %v ms)", online["headsFrames"], online["headsIntervalHeld"], online["headsGapMinMs"])
			}
			if dismiss["hidden"] != true || dismiss["rowsLeft"].(float64) != 0 || dismiss["sendErrors"].(float64) != 0 {
				t.Errorf("dismiss: hidden %v, %v rows left, %v send errors; want hidden, none, none", dismiss["hidden"], dismiss["rowsLeft"], dismiss["sendErrors"])
			}
		})
	}
}
