package natsbus_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/natsbus"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func newBus(tb testing.TB) *natsbus.Bus {
	tb.Helper()
	emb, err := natsbus.StartEmbedded()
	if err != nil {
		tb.Fatal(err)
	}
	bus := natsbus.New(emb.Conn, 3, nil)
	tb.Cleanup(func() {
		bus.Close()
		emb.Close()
	})
	return bus
}

func event(app, community string, n int, users ...string) *plaza.Event {
	return &plaza.Event{Name: "test", AppID: app, CommunityID: community, UserIDs: users, Data: json.RawMessage(fmt.Sprint(n))}
}

func collect(tb testing.TB, bus *natsbus.Bus, t plaza.Topic) (<-chan *plaza.Event, plaza.Subscription) {
	tb.Helper()
	ch := make(chan *plaza.Event, 1000)
	sub, err := bus.Subscribe(t, func(e *plaza.Event) { ch <- e })
	if err != nil {
		tb.Fatal(err)
	}
	return ch, sub
}

func TestOrderAndRouting(t *testing.T) {
	t.Parallel()
	bus := newBus(t)
	ctx := context.Background()
	// IDs with characters that mean something in NATS subjects.
	const tricky = "a.b>c*d"
	mine, _ := collect(t, bus, plaza.CommunityTopic("app", tricky))
	other, _ := collect(t, bus, plaza.CommunityTopic("app", "a"))
	users, _ := collect(t, bus, plaza.UserTopic("app", "amy"))

	for i := range 500 {
		if err := bus.Publish(ctx, event("app", tricky, i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := bus.Publish(ctx, event("app", tricky, -1, "amy", "ben")); err != nil {
		t.Fatal(err)
	}
	for i := range 500 {
		select {
		case e := <-mine:
			if string(e.Data) != fmt.Sprint(i) || e.CommunityID != tricky {
				t.Fatalf("event %d arrived as %s of %q: order lost", i, e.Data, e.CommunityID)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("event %d lost", i)
		}
	}
	select {
	case e := <-users:
		if string(e.Data) != "-1" || len(e.UserIDs) != 2 {
			t.Fatalf("user event %+v", e)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("user event lost")
	}
	select {
	case e := <-other:
		t.Fatalf("community a received %+v, published for %q", e, tricky)
	case e := <-mine:
		t.Fatalf("a user event reached the community topic: %+v", e)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestUnsubscribe(t *testing.T) {
	t.Parallel()
	bus := newBus(t)
	ctx := context.Background()
	ch, sub := collect(t, bus, plaza.CommunityTopic("app", "c"))
	bus.Publish(ctx, event("app", "c", 1))
	<-ch
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sub.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	bus.Publish(ctx, event("app", "c", 2))
	select {
	case e := <-ch:
		t.Fatalf("received %s after unsubscribing", e.Data)
	case <-time.After(200 * time.Millisecond):
	}
	if err := bus.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := bus.Subscribe(plaza.CommunityTopic("app", "c"), func(*plaza.Event) {}); err == nil {
		t.Fatal("subscribed on a closed bus")
	}
}
