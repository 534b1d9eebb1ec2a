package main

import "testing"

// TestBenchChurn runs the churn scenario small, with a churn high enough for
// a few sessions to reconnect in three seconds: resumed sessions miss
// nothing and receive nothing twice.
func TestBenchChurn(t *testing.T) {
	t.Parallel()
	res := runBenchJSON(t, "churn", "--sessions", "50", "--duration", "3s", "--churn", "10")
	checkDelivered(t, res)
	if res["sessions"].(float64) != 50 || res["groups"].(float64) != 5 {
		t.Errorf("%v sessions in %v groups, want 50 in 5", res["sessions"], res["groups"])
	}
	// 50 sends/s per 1,000 sessions: 2.5/s for 3 s.
	if a := res["acked"].(float64); a < 6 || a > 8 {
		t.Errorf("acked %v messages, want 7 or so", a)
	}
	// 10% of 50 sessions each second, for the two whole seconds before the
	// end: 10 drops, every one resumed.
	if r := res["reconnects"].(float64); r < 5 || r > 10 {
		t.Errorf("%v reconnects, want 5 to 10", r)
	}
	if res["resumes"].(float64) < res["reconnects"].(float64) || res["resyncs"].(float64) != 0 {
		t.Errorf("%v resumes and %v resyncs for %v reconnects, want every one resumed", res["resumes"], res["resyncs"], res["reconnects"])
	}
	if res["serverRSSBytes"].(float64) <= 0 {
		t.Errorf("server RSS %v, want it measured", res["serverRSSBytes"])
	}
}

// TestBenchChurnNewSessions reconnects with new sessions: what a session
// missed while reconnecting is fetched when the next message of its channel
// shows the gap, so at most the messages sent in a gap after which its group
// sent nothing more are missing, one per reconnect at most.
func TestBenchChurnNewSessions(t *testing.T) {
	t.Parallel()
	res := runBenchJSON(t, "churn", "--sessions", "50", "--duration", "3s", "--churn", "10", "--reconnect", "new")
	if res["acked"].(float64) == 0 || res["errors"].(float64) != 0 || res["reconnectErrors"].(float64) != 0 {
		t.Errorf("acked %v with %v errors and %v reconnect errors, want some and none", res["acked"], res["errors"], res["reconnectErrors"])
	}
	got, want, r := res["deliveries"].(float64), res["expectedDeliveries"].(float64), res["reconnects"].(float64)
	if got > want || got < want-r {
		t.Errorf("deliveries = %v, want %v less at most one per reconnect (%v)", got, want, r)
	}
	if r == 0 {
		t.Error("no session reconnected")
	}
}
