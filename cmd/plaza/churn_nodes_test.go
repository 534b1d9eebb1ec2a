package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/client"
	"github.com/plazahq/plaza/internal/pgtest"
)

// procBalancer spreads requests and gateway connections over the nodes it
// holds that are up, and takes nodes as they come.
type procBalancer struct {
	*httptest.Server
	mu    sync.Mutex
	nodes []*url.URL
	down  map[int]bool
	next  int
}

func newProcBalancer(tb testing.TB) *procBalancer {
	b := &procBalancer{down: map[int]bool{}}
	b.Server = httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(b.pick())
		r.Out.Host = r.In.Host
	}})
	tb.Cleanup(b.Close)
	return b
}

func (b *procBalancer) add(rawURL string) int {
	u, _ := url.Parse(rawURL)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nodes = append(b.nodes, u)
	return len(b.nodes) - 1
}

func (b *procBalancer) setDown(i int) {
	b.mu.Lock()
	b.down[i] = true
	b.mu.Unlock()
}

func (b *procBalancer) pick() *url.URL {
	b.mu.Lock()
	defer b.mu.Unlock()
	for range b.nodes {
		b.next = (b.next + 1) % len(b.nodes)
		if !b.down[b.next] {
			return b.nodes[b.next]
		}
	}
	return b.nodes[0]
}

// TestNodesComeAndGo runs a three-node cluster, each node a process of its
// own, under a steady stream of sends: one node is killed with SIGKILL, its
// sessions move to the others, then a fourth node joins and takes new
// sessions at once. Every acknowledged message is stored, with gapless seqs,
// and every session that was there from the start delivered every message of
// every channel exactly once, in order.
func TestNodesComeAndGo(t *testing.T) {
	pg := pgtest.SchemaURL(t)
	t.Parallel()
	natsURLs := natsCluster(t)
	dir := t.TempDir()
	var logs bytes.Buffer
	var logMu sync.Mutex
	stderr := writerFunc(func(p []byte) (int, error) { logMu.Lock(); defer logMu.Unlock(); return logs.Write(p) })
	flags := func(i int) []string {
		return []string{"--postgres", pg, "--nats", natsURLs[i%len(natsURLs)], "--node-id", "-1",
			"--operator-key", "0123456789abcdef0123", "--heartbeat-interval", "2s"}
	}
	var nodes []*proc
	start := func(i int) *proc {
		t.Helper()
		p, err := startProc(dir, flags(i), stderr)
		if err != nil {
			t.Fatalf("node %d: %v\n%s", i, err, logs.String())
		}
		t.Cleanup(p.stop)
		nodes = append(nodes, p)
		return p
	}
	lb := newProcBalancer(t)
	for i := range 3 {
		lb.add(start(i).URL())
	}
	d, err := readDevApp(dir)
	if err != nil {
		t.Fatal(err)
	}
	as := func(user string) *client.Client {
		tok, err := plaza.MintToken(d.ServerSecret, d.AppID, user, time.Now(), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return client.New(lb.URL, tok)
	}
	ctx := context.Background()
	senders := []string{"s0", "s1", "s2"}
	receivers := []string{"r0", "r1", "r2", "r3", "r4", "r5"}
	late := []string{"late0", "late1", "late2"}
	channels := []string{plaza.GeneralChannelID, "side"}
	owner := as("owner")
	if _, err := owner.CreateCommunity(ctx, plaza.CreateCommunityRequest{CommunityID: "flux"}); err != nil {
		t.Fatal(err)
	}
	everyone := slices.Concat(senders, receivers, late)
	for _, u := range everyone {
		if _, err := as(u).QueryCommunityList(ctx, plaza.QueryCommunityListRequest{}); err != nil {
			t.Fatal(err) // the user exists once it authenticated
		}
	}
	if _, err := owner.InviteUsersIntoCommunity(ctx, plaza.UserIDsRequest{CommunityID: "flux", UserIDs: everyone}); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.CreateCommunityChannel(ctx, plaza.CreateCommunityChannelRequest{CommunityID: "flux", ChannelID: "side"}); err != nil {
		t.Fatal(err)
	}

	// Receivers, spread over the three nodes by the balancer.
	type got struct {
		mu   sync.Mutex
		seqs map[string][]int64
	}
	var wg sync.WaitGroup
	receive := func(user string) (*client.Conn, *got) {
		conn, err := as(user).Connect(ctx)
		if err != nil {
			t.Fatalf("%s: %v", user, err)
		}
		t.Cleanup(func() { conn.Close() })
		g := &got{seqs: map[string][]int64{}}
		wg.Go(func() {
			for e := range conn.Events() {
				if e.Name != plaza.EventMessageReceived {
					continue
				}
				var m plaza.MessageListEvent
				if e.Decode(&m) != nil {
					continue
				}
				g.mu.Lock()
				for _, msg := range m.MessageList {
					g.seqs[m.ChannelID] = append(g.seqs[m.ChannelID], msg.MessageSeq)
				}
				g.mu.Unlock()
			}
		})
		return conn, g
	}
	gots := map[string]*got{}
	for _, u := range receivers {
		conn, g := receive(u)
		for _, ch := range channels {
			last, err := as(u).QueryHistoryMessage(ctx, plaza.QueryHistoryMessageRequest{CommunityID: "flux", ChannelID: ch, Count: 1, Reverse: false})
			if err != nil {
				t.Fatal(err)
			}
			var seq int64
			if n := len(last.MessageList); n > 0 {
				seq = last.MessageList[n-1].MessageSeq
			}
			conn.Track("flux", ch, seq)
		}
		gots[u] = g
	}

	// Senders: each sends at about 8/s, alternating channels, retrying a
	// send that failed with its client message ID until it is acknowledged.
	var ackMu sync.Mutex
	acked := map[string][]int64{}
	stop := make(chan struct{})
	var sending sync.WaitGroup
	for si, s := range senders {
		c := as(s)
		sending.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				case <-time.After(120 * time.Millisecond):
				}
				ch := channels[(n+si)%len(channels)]
				req := plaza.SendMessageRequest{CommunityID: "flux", ChannelID: ch, ClientMessageID: fmt.Sprintf("%s-%d", s, n),
					Message: plaza.MessageContent{Type: plaza.MessageText, Message: fmt.Sprintf("%s %d", s, n)}}
				for try := 0; try < 50; try++ {
					res, err := c.SendMessage(ctx, req)
					if err == nil {
						ackMu.Lock()
						acked[ch] = append(acked[ch], res.Message.MessageSeq)
						ackMu.Unlock()
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
		})
	}
	time.Sleep(2 * time.Second)
	// A node dies as in a crash.
	nodes[0].kill()
	lb.setDown(0)
	time.Sleep(2 * time.Second)
	// A fourth node joins: the next sessions land on it at once.
	lb.add(start(3).URL())
	lateGots := map[string]*got{}
	for _, u := range late {
		_, g := receive(u)
		lateGots[u] = g
	}
	time.Sleep(2 * time.Second)
	close(stop)
	sending.Wait()

	// Every acknowledged message is stored, and the seqs have no gap.
	ackMu.Lock()
	defer ackMu.Unlock()
	for _, ch := range channels {
		if len(acked[ch]) == 0 {
			t.Fatalf("no send acknowledged in %s", ch)
		}
		stored := map[int64]bool{}
		req := plaza.QueryHistoryMessageRequest{CommunityID: "flux", ChannelID: ch, Count: 100, Reverse: true}
		for {
			h, err := owner.QueryHistoryMessage(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range h.MessageList {
				stored[m.MessageSeq] = true
			}
			if h.NextMessageSeq == 0 || len(h.MessageList) == 0 {
				break
			}
			req.NextMessageSeq = h.NextMessageSeq
		}
		top := slices.Max(acked[ch])
		for seq := int64(1); seq <= top; seq++ {
			if !stored[seq] {
				t.Errorf("%s: seq %d of %d is not stored", ch, seq, top)
			}
		}
		// Every session from the start delivered every message, once, in
		// order (they may still be catching up: wait a little).
		for _, u := range receivers {
			g := gots[u]
			deadline := time.Now().Add(15 * time.Second)
			for {
				g.mu.Lock()
				seqs := slices.Clone(g.seqs[ch])
				g.mu.Unlock()
				if len(seqs) > 0 && seqs[len(seqs)-1] >= top || time.Now().After(deadline) {
					for i, s := range seqs {
						if want := seqs[0] + int64(i); s != want {
							t.Fatalf("%s in %s: delivered %v, a gap or a duplicate at %d", u, ch, seqs, i)
						}
					}
					if len(seqs) == 0 || seqs[len(seqs)-1] < top {
						t.Fatalf("%s in %s: delivered up to %v, want up to %d", u, ch, seqs, top)
					}
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	}
	// The late sessions, one of them on the new node, received messages
	// (and none twice).
	for u, g := range lateGots {
		g.mu.Lock()
		n := 0
		for ch, seqs := range g.seqs {
			n += len(seqs)
			for i := 1; i < len(seqs); i++ {
				if seqs[i] != seqs[i-1]+1 {
					t.Errorf("%s in %s: %v", u, ch, seqs)
				}
			}
		}
		g.mu.Unlock()
		if n == 0 {
			t.Errorf("%s, connected after the new node joined, received nothing", u)
		}
	}
	if st, err := nodes[3].gatewayStats(ctx); err != nil || st.Connections == 0 {
		t.Errorf("the new node holds %d connections (%v), want some at once", st.Connections, err)
	}
	lb.setDown(len(nodes) - 1) // let the clients go before the nodes stop
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
