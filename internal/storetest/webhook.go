package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"testing"

	"github.com/plazahq/plaza"
)

// delivery returns a callback of app appID due at nextAt, with a body
// derived from event.
func delivery(appID, event string, nextAt int64) plaza.WebhookDelivery {
	return plaza.WebhookDelivery{
		AppID:     appID,
		Event:     event,
		Body:      []byte(`{"event":"` + event + `","appID":"` + appID + `"}`),
		NextAt:    nextAt,
		CreatedAt: t0,
	}
}

// enqueue queues ds in one transaction and returns them with their IDs.
func enqueue(tb testing.TB, s plaza.Store, ds ...plaza.WebhookDelivery) []plaza.WebhookDelivery {
	tb.Helper()
	out := slices.Clone(ds)
	update(tb, s, func(tx plaza.Tx) error {
		for i := range out {
			if err := tx.EnqueueWebhook(tb.Context(), &out[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return out
}

// claim claims the callbacks due at now until leaseUntil.
func claim(tb testing.TB, s plaza.Store, now, leaseUntil int64, limit int) []plaza.WebhookDelivery {
	tb.Helper()
	var out []plaza.WebhookDelivery
	update(tb, s, func(tx plaza.Tx) error {
		var err error
		out, err = tx.ClaimWebhooks(tb.Context(), now, leaseUntil, limit)
		return err
	})
	return out
}

// leased returns what a claim until leaseUntil returns of the callbacks ds:
// them in due order (by NextAt, then ID), leased. It moves their NextAt as
// the claim does.
func leased(leaseUntil int64, ds ...*plaza.WebhookDelivery) []plaza.WebhookDelivery {
	out := make([]plaza.WebhookDelivery, len(ds))
	for i, d := range ds {
		out[i] = *d
	}
	slices.SortFunc(out, func(a, b plaza.WebhookDelivery) int {
		return cmp.Or(cmp.Compare(a.NextAt, b.NextAt), cmp.Compare(a.ID, b.ID))
	})
	for i := range out {
		out[i].NextAt = leaseUntil
	}
	for _, d := range ds {
		d.NextAt = leaseUntil
	}
	return out
}

func testWebhookQueue(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	pending := func(appID string, want int) {
		t.Helper()
		if n := must(s.PendingWebhooks(ctx, appID))(t, "PendingWebhooks"); n != want {
			t.Errorf("PendingWebhooks(%s) = %d, want %d", appID, n, want)
		}
	}
	none := []plaza.WebhookDelivery{}
	pending(appA, 0)
	diff(t, "ClaimWebhooks of an empty queue", none, claim(t, s, t0+10_000, t0+20_000, 10))

	retried := delivery(appA, "retried", t0+10)
	retried.Attempts, retried.LastError = 2, "connection refused"
	binary := delivery(appB, "binary", t0+20)
	binary.Body = []byte{0, 0xff, 0xfe, '\n', 0}
	// Queued out of due order, two due at the same time.
	ds := enqueue(t, s,
		delivery(appA, "a30", t0+30),
		delivery(appA, "a10", t0+10),
		retried,
		delivery(appA, "a50", t0+50),
		delivery(appA, "a1000", t0+1000),
		binary,
		delivery(appB, "b2000", t0+2000),
	)
	a30, a10, retried, a50, a1000, binary, b2000 := ds[0], ds[1], ds[2], ds[3], ds[4], ds[5], ds[6]
	ids := map[int64]bool{}
	for _, d := range ds {
		if d.ID == 0 || ids[d.ID] {
			t.Errorf("EnqueueWebhook set ID %d for %s; want distinct non-zero IDs", d.ID, d.Event)
		}
		ids[d.ID] = true
	}
	pending(appA, 5)
	pending(appB, 2)
	pending("1000000099", 0)

	// Due at t0+25: the three due by then, oldest first, as stored.
	diff(t, "ClaimWebhooks at t0+25", leased(t0+500, &a10, &retried, &binary), claim(t, s, t0+25, t0+500, 10))

	// Claimed ones are not due again before their lease ends.
	diff(t, "ClaimWebhooks at t0+60, limit 1", leased(t0+600, &a30), claim(t, s, t0+60, t0+600, 1))
	diff(t, "ClaimWebhooks at t0+60", leased(t0+600, &a50), claim(t, s, t0+60, t0+600, 10))
	diff(t, "ClaimWebhooks while everything due is leased", none, claim(t, s, t0+499, t0+700, 10))
	pending(appA, 5)
	pending(appB, 2)

	// A lease that ends makes its callbacks due again, limit by limit.
	again := leased(t0+700, &a10, &retried, &binary)
	diff(t, "ClaimWebhooks at the end of a lease, limit 2", again[:2], claim(t, s, t0+500, t0+700, 2))
	diff(t, "ClaimWebhooks at the end of a lease", again[2:], claim(t, s, t0+500, t0+700, 2))

	// A retry records the attempt and becomes due at its time; a deleted
	// callback is gone.
	update(t, s, func(tx plaza.Tx) error {
		if err := tx.RetryWebhook(ctx, a10.ID, 1, t0+800, "503 Service Unavailable"); err != nil {
			return err
		}
		if err := tx.RetryWebhook(ctx, binary.ID, 1, t0+650, "timeout"); err != nil {
			return err
		}
		return tx.DeleteWebhook(ctx, retried.ID)
	})
	a10.Attempts, a10.NextAt, a10.LastError = 1, t0+800, "503 Service Unavailable"
	binary.Attempts, binary.NextAt, binary.LastError = 1, t0+650, "timeout"
	pending(appA, 4)
	pending(appB, 2)
	diff(t, "ClaimWebhooks at t0+649", leased(t0+900, &a30, &a50), claim(t, s, t0+649, t0+900, 10))
	diff(t, "ClaimWebhooks at t0+650", leased(t0+900, &binary), claim(t, s, t0+650, t0+900, 10))
	diff(t, "ClaimWebhooks at t0+800", leased(t0+1000, &a10), claim(t, s, t0+800, t0+1000, 10))
	diff(t, "ClaimWebhooks at t0+1000", leased(t0+1100, &a30, &a50, &binary, &a10, &a1000), claim(t, s, t0+1000, t0+1100, 10))

	// A rolled-back claim leases nothing; a rolled-back enqueue queues
	// nothing.
	err := s.Update(ctx, func(tx plaza.Tx) error {
		if _, err := tx.ClaimWebhooks(ctx, t0+5000, t0+6000, 10); err != nil {
			return err
		}
		d := delivery(appA, "rolled-back", t0)
		if err := tx.EnqueueWebhook(ctx, &d); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, "Update that claimed and queued callbacks", err, errBoom)
	pending(appA, 4)
	diff(t, "ClaimWebhooks after a rolled-back claim", leased(t0+6000, &a30, &a50, &binary, &a10, &a1000, &b2000),
		claim(t, s, t0+5000, t0+6000, 10))

	for _, d := range []plaza.WebhookDelivery{a30, a50, binary, a10, a1000, b2000} {
		update(t, s, func(tx plaza.Tx) error { return tx.DeleteWebhook(ctx, d.ID) })
	}
	pending(appA, 0)
	pending(appB, 0)
	diff(t, "ClaimWebhooks after every callback was deleted", none, claim(t, s, t0+10_000, t0+20_000, 10))
}

// testWebhookBody checks that a body comes back byte for byte, empty too.
func testWebhookBody(t *testing.T, s plaza.Store) {
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	bodies := [][]byte{{}, []byte(`{"text":"ünïcode 社区"}`), {0}, big}
	var ds []plaza.WebhookDelivery
	for i, b := range bodies {
		d := delivery(appA, fmt.Sprint(i), t0+int64(i))
		d.Body = b
		ds = append(ds, d)
	}
	ds = enqueue(t, s, ds...)
	got := claim(t, s, t0+100, t0+200, 10)
	if len(got) != len(ds) {
		t.Fatalf("ClaimWebhooks returned %d callbacks, want %d", len(got), len(ds))
	}
	for i := range ds {
		if string(got[i].Body) != string(ds[i].Body) {
			t.Errorf("callback %d: Body of %d bytes read back as %d bytes, or different", i, len(ds[i].Body), len(got[i].Body))
		}
	}
}

// testConcurrentClaimWebhooks checks that concurrent claims never take the
// same callback.
func testConcurrentClaimWebhooks(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	const queued = concurrency - 3 // some claims find nothing
	var ds []plaza.WebhookDelivery
	for i := range queued {
		ds = append(ds, delivery(appA, fmt.Sprint(i), t0+int64(i%3)))
	}
	enqueue(t, s, ds...)
	claimed := make(chan []plaza.WebhookDelivery, concurrency)
	concurrently(t, s, func(tx plaza.Tx) error {
		got, err := tx.ClaimWebhooks(ctx, t0+10, t0+1000, 1)
		claimed <- got
		return err
	})
	close(claimed)
	seen := map[int64]int{}
	for got := range claimed {
		for _, d := range got {
			seen[d.ID]++
		}
	}
	if len(seen) != queued {
		t.Errorf("concurrent claims took %d distinct callbacks, want all %d", len(seen), queued)
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("callback %d was claimed %d times", id, n)
		}
	}
}
