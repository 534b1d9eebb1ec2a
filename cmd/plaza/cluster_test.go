package main

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats-server/v2/server"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/client"
	"github.com/plazahq/plaza/internal/gateway"
	"github.com/plazahq/plaza/internal/pgtest"
)

// natsCluster starts three NATS servers routed to each other on loopback and
// returns a client URL of each.
func natsCluster(tb testing.TB) []string {
	tb.Helper()
	var servers []*server.Server
	var routes []*url.URL
	for i := range 3 {
		opts := &server.Options{
			ServerName: fmt.Sprintf("n%d", i),
			Host:       "127.0.0.1",
			Port:       -1,
			NoLog:      true,
			NoSigs:     true,
			Cluster:    server.ClusterOpts{Name: "plaza-test", Host: "127.0.0.1", Port: -1},
			Routes:     routes,
		}
		ns, err := server.NewServer(opts)
		if err != nil {
			tb.Fatal(err)
		}
		ns.Start()
		if !ns.ReadyForConnections(10 * time.Second) {
			tb.Fatal("nats server did not start")
		}
		tb.Cleanup(ns.Shutdown)
		servers = append(servers, ns)
		if i == 0 {
			routes = []*url.URL{{Scheme: "nats", Host: ns.ClusterAddr().String()}}
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, ns := range servers {
		for ns.NumRoutes() < 2 {
			if time.Now().After(deadline) {
				tb.Fatalf("nats cluster did not form: %d routes", ns.NumRoutes())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	urls := make([]string, len(servers))
	for i, ns := range servers {
		urls[i] = ns.ClientURL()
	}
	return urls
}

// externalNATS returns the NATS server that CI runs, or skips.
func externalNATS(tb testing.TB) string {
	tb.Helper()
	const addr = "127.0.0.1:4222"
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		tb.Skipf("no NATS server at %s: %v", addr, err)
	}
	c.Close()
	return "nats://" + addr
}

// balancer spreads requests and gateway connections over the nodes that are
// up, as a load balancer in front of a cluster does.
type balancer struct {
	*httptest.Server
	mu    sync.Mutex
	nodes []*url.URL
	down  map[int]bool
	next  atomic.Uint64
}

func newBalancer(tb testing.TB, nodes ...*testServer) *balancer {
	b := &balancer{down: map[int]bool{}}
	for _, n := range nodes {
		u, _ := url.Parse(n.URL)
		b.nodes = append(b.nodes, u)
	}
	b.Server = httptest.NewServer(&httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(b.pick())
			r.Out.Host = r.In.Host
		},
	})
	tb.Cleanup(b.Close)
	return b
}

func (b *balancer) pick() *url.URL {
	b.mu.Lock()
	defer b.mu.Unlock()
	for range b.nodes {
		i := int(b.next.Add(1)) % len(b.nodes)
		if !b.down[i] {
			return b.nodes[i]
		}
	}
	return b.nodes[0]
}

func (b *balancer) setDown(i int, down bool) {
	b.mu.Lock()
	b.down[i] = down
	b.mu.Unlock()
}

// startCluster starts three nodes on one fresh PostgreSQL schema, node i on
// natsURLs[i], sharing one data directory (the operator key and dev-app.json;
// the state is in PostgreSQL).
func startCluster(tb testing.TB, natsURLs []string, flags ...string) []*testServer {
	tb.Helper()
	return startClusterOn(tb, pgtest.SchemaURL(tb), natsURLs, flags...)
}

// startClusterOn starts three nodes as startCluster does, on the PostgreSQL
// URL pg.
func startClusterOn(tb testing.TB, pg string, natsURLs []string, flags ...string) []*testServer {
	tb.Helper()
	dir := tb.TempDir()
	nodes := make([]*testServer, 3)
	for i := range nodes {
		nodes[i] = startServer(tb, dir, append([]string{"--postgres", pg, "--nats", natsURLs[i%len(natsURLs)], "--node-id", "-1"}, flags...)...)
	}
	return nodes
}

// TestPassiveAcrossNodes: in a large community, a message sent through
// node 3 reaches in full a session on node 1 that made the community
// active, and only as channel heads a passive one on node 1.
func TestPassiveAcrossNodes(t *testing.T) {
	pgtest.URL(t)
	t.Parallel()
	nodes := startCluster(t, natsCluster(t), "--passive-threshold", "3", "--heads-interval", "200ms")
	clusterCommunity(t, nodes[0], "big", "owner", "active", "passive")
	active := connect(t, on(t, nodes[0], "active"))
	if err := active.SetActiveCommunities(context.Background(), "big"); err != nil {
		t.Fatal(err)
	}
	passive := connect(t, on(t, nodes[0], "passive"))
	send(t, on(t, nodes[2], "owner"), "big", "to the large community")
	waitText(t, active, "to the large community", 5*time.Second)
	waitEvent(t, passive, gateway.EventChannelHeadsUpdated, 5*time.Second)
	noEvent(t, passive, plaza.EventMessageReceived, 500*time.Millisecond)
}

func TestCluster(t *testing.T) {
	pgtest.URL(t)
	for _, tc := range []struct {
		name string
		nats func(testing.TB) []string
	}{
		{"external NATS", func(tb testing.TB) []string { return []string{externalNATS(tb)} }},
		{"embedded NATS cluster", natsCluster},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			nodes := startCluster(t, tc.nats(t))
			t.Run("delivery across nodes", func(t *testing.T) { testCrossNodeDelivery(t, nodes) })
			t.Run("kick across nodes", func(t *testing.T) { testCrossNodeKick(t, nodes) })
			t.Run("thread across nodes", func(t *testing.T) { testCrossNodeThread(t, nodes) })
			t.Run("node stopped", func(t *testing.T) { testNodeStopped(t, nodes) })
		})
	}
}

// TestLostRemovalAcrossNodes: a member removed while the events of the
// removal never reach the nodes (here, a removal made in the store alone)
// stops receiving the community's messages once the nodes read its
// memberships again.
func TestLostRemovalAcrossNodes(t *testing.T) {
	pgtest.URL(t)
	t.Parallel()
	pg := pgtest.SchemaURL(t)
	nodes := startClusterOn(t, pg, natsCluster(t), "--membership-recheck", "1s")
	clusterCommunity(t, nodes[0], "lossy", "owner", "gone", "stays")
	gone := connect(t, on(t, nodes[0], "gone"))
	stays := connect(t, on(t, nodes[1], "stays"))
	send(t, on(t, nodes[2], "owner"), "lossy", "before")
	waitText(t, gone, "before", 5*time.Second)

	ctx := context.Background()
	db, err := pgx.Connect(ctx, pg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	tag, err := db.Exec(ctx, `DELETE FROM members
		WHERE user_pk = (SELECT id FROM users WHERE user_id = 'gone')
		AND community_pk = (SELECT id FROM communities WHERE community_id = 'lossy')`)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("remove the member in the store: %v (%d rows)", err, tag.RowsAffected())
	}
	time.Sleep(2500 * time.Millisecond) // more than a round of rechecks
	send(t, on(t, nodes[2], "owner"), "lossy", "after")
	waitText(t, stays, "after", 5*time.Second)
	noEvent(t, gone, plaza.EventMessageReceived, 500*time.Millisecond)
}

// clusterCommunity makes community id owned by users[0] with the others as
// members, through node 0.
func clusterCommunity(tb testing.TB, node *testServer, id string, users ...string) []*client.Client {
	tb.Helper()
	ctx := context.Background()
	cs := make([]*client.Client, len(users))
	for i, u := range users {
		cs[i] = node.client(tb, u)
	}
	if _, err := cs[0].CreateCommunity(ctx, plaza.CreateCommunityRequest{CommunityID: id, CommunityName: id}); err != nil {
		tb.Fatal(err)
	}
	if _, err := cs[0].InviteUsersIntoCommunity(ctx, plaza.UserIDsRequest{CommunityID: id, UserIDs: users[1:]}); err != nil {
		tb.Fatal(err)
	}
	return cs
}

// on returns a client of userID talking to node.
func on(tb testing.TB, node *testServer, userID string) *client.Client {
	return client.New(node.URL, node.token(tb, userID))
}

func send(tb testing.TB, c *client.Client, community, text string) plaza.Message {
	tb.Helper()
	res, err := c.SendMessage(context.Background(), plaza.SendMessageRequest{CommunityID: community, ChannelID: plaza.GeneralChannelID,
		Message: plaza.MessageContent{Type: plaza.MessageText, Message: text}})
	if err != nil {
		tb.Fatalf("send %q: %v", text, err)
	}
	return res.Message
}

// waitText waits for a messageReceived carrying text.
func waitText(tb testing.TB, conn *client.Conn, text string, d time.Duration) {
	tb.Helper()
	timeout := time.After(d)
	for {
		ev := nextMessages(tb, conn, timeout, func() string { return fmt.Sprintf("%q did not arrive within %s", text, d) })
		for _, m := range ev.MessageList {
			if m.Message == text {
				return
			}
		}
	}
}

// testCrossNodeDelivery: a member connected to node 1 receives a message
// sent through node 3.
func testCrossNodeDelivery(t *testing.T, nodes []*testServer) {
	clusterCommunity(t, nodes[0], "cross", "owner", "reader")
	conn := connect(t, on(t, nodes[0], "reader"))
	start := time.Now()
	send(t, on(t, nodes[2], "owner"), "cross", "from node 3")
	waitText(t, conn, "from node 3", 5*time.Second)
	t.Logf("node 3 → node 1: %s", time.Since(start))
}

// testCrossNodeKick: a kick through node 2 stops delivery on node 1 within
// one second.
func testCrossNodeKick(t *testing.T, nodes []*testServer) {
	clusterCommunity(t, nodes[0], "kicks", "owner", "gone", "stays", "speaker")
	gone := connect(t, on(t, nodes[0], "gone"))
	stays := connect(t, on(t, nodes[0], "stays"))
	send(t, on(t, nodes[2], "owner"), "kicks", "before")
	waitText(t, gone, "before", 5*time.Second)
	if _, err := on(t, nodes[1], "owner").KickCommunityMembers(context.Background(),
		plaza.UserIDsRequest{CommunityID: "kicks", UserIDs: []string{"gone"}}); err != nil {
		t.Fatal(err)
	}
	kicked := time.Now()
	waitEvent(t, gone, plaza.EventCommunityListChanged, time.Second)
	// Another sender: the owner's last send is within the per-channel
	// send interval.
	send(t, on(t, nodes[2], "speaker"), "kicks", "after")
	waitText(t, stays, "after", 5*time.Second)
	if since := time.Since(kicked); since > 5*time.Second {
		t.Fatalf("the check took %s", since)
	}
	noEvent(t, gone, plaza.EventMessageReceived, 500*time.Millisecond)
}

// testNodeStopped: when a node stops, its clients reconnect through the
// balancer to another node and lose nothing.
func testNodeStopped(t *testing.T, nodes []*testServer) {
	lb := newBalancer(t, nodes[0], nodes[1])
	users := []string{"owner", "watcher"}
	clusterCommunity(t, nodes[2], "failover", users...)
	// The watcher's session lands on node 0 through the balancer; when node
	// 0 stops, the balancer sends it to node 1.
	lb.setDown(1, true)
	watcher := client.New(lb.URL, nodes[2].token(t, "watcher"))
	conn := connect(t, watcher)
	conn.Track("failover", plaza.GeneralChannelID, 0)
	lb.setDown(1, false)
	sender := on(t, nodes[2], "owner")
	var sent []int64
	var mu sync.Mutex
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(120 * time.Millisecond):
			}
			m := send(t, sender, "failover", fmt.Sprint("m", i))
			mu.Lock()
			sent = append(sent, m.MessageSeq)
			mu.Unlock()
		}
	})
	time.Sleep(time.Second)
	lb.setDown(0, true)
	nodes[0].stop(t)
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()

	mu.Lock()
	want := slices.Clone(sent)
	mu.Unlock()
	got := map[int64]int{}
	timeout := time.After(20 * time.Second)
	for len(got) < len(want) {
		ev := nextMessages(t, conn, timeout, func() string {
			return fmt.Sprintf("received %d of %d messages after the node stopped", len(got), len(want))
		})
		for _, m := range ev.MessageList {
			if m.SenderUserID == "owner" && m.Type == plaza.MessageText {
				got[m.MessageSeq]++
			}
		}
	}
	for _, seq := range want {
		if got[seq] != 1 {
			t.Errorf("message %d received %d times, want once", seq, got[seq])
		}
	}
}
