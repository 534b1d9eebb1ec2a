package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/client"
)

// churnResult is the JSON line of the churn scenario: many sessions in
// small groups chatting at a steady rate while a share of them drops its
// connection and reconnects every second.
type churnResult struct {
	Scenario string  `json:"scenario"`
	Time     string  `json:"time"`
	Machine  machine `json:"machine"`
	Server   string  `json:"server"`
	Sessions int     `json:"sessions"`
	// Layout says how the sessions are grouped: one community per group of
	// GroupSize users, all in its general channel, and a personal community
	// per user.
	Layout    string  `json:"layout"`
	Groups    int     `json:"groups"`
	GroupSize int     `json:"groupSize"`
	Rate      float64 `json:"rate"` // messages per second, all groups together
	// ChurnPercent is the share of sessions reconnecting each second, in
	// percent; Reconnect says how ("resume" or "new").
	ChurnPercent float64 `json:"churnPercentPerSecond"`
	Reconnect    string  `json:"reconnect"`
	Size         int     `json:"size"`
	Duration     string  `json:"duration"`
	SetupSecs    float64 `json:"setupSeconds"`
	// Deliveries count messages that reached a session of a group member;
	// RecoveredDeliveries those of them the SDK fetched from history to
	// fill a gap rather than received pushed.
	sendFigures
	RecoveredDeliveries int64 `json:"recoveredDeliveries"`
	// Reconnects counts the connections cut on purpose; ReconnectErrors the
	// new sessions that failed to open (reconnect "new"). Resumes and
	// Resyncs are the SDK's counts (reconnect "resume").
	Reconnects      int64 `json:"reconnects"`
	ReconnectErrors int64 `json:"reconnectErrors"`
	Resumes         int   `json:"resumes"`
	Resyncs         int   `json:"resyncs"`
	// The server's resident memory at the end, and the CPU time it used
	// while the messages were sent.
	RSSBytes   int64   `json:"serverRSSBytes"`
	CPUSeconds float64 `json:"serverCPUSeconds"`
	CPUPercent float64 `json:"serverCPUPercentOfOneCore"`
}

// churnOptions are the churn scenario's own flags.
type churnOptions struct {
	churnPercent float64 // sessions reconnecting per second, in percent
	reconnect    string  // "resume" or "new"
	perThousand  float64 // messages per second per 1,000 sessions
	groupSize    int
}

// churnSetup registers the churn scenario's flags and returns its runner.
func churnSetup(fs *flag.FlagSet) func(context.Context, benchConfig, io.Writer, io.Writer) error {
	var o churnOptions
	fs.Float64Var(&o.churnPercent, "churn", 0.33, "churn: percent of the sessions that drop their connection and reconnect each second")
	fs.StringVar(&o.reconnect, "reconnect", "resume", "churn: how a session reconnects: resume (the SDK's Drop: it reconnects and resumes) or new (Close, then a new session that fetches what it missed)")
	fs.Float64Var(&o.perThousand, "sends-per-thousand", 50, "churn: messages sent per second per 1,000 sessions")
	fs.IntVar(&o.groupSize, "group-size", 10, "churn: members of each group's community")
	return func(ctx context.Context, cfg benchConfig, stdout, stderr io.Writer) error {
		if !flagSet(fs, "duration") {
			cfg.duration = time.Minute
		}
		res, err := benchChurn(ctx, cfg, o, stderr)
		if err != nil {
			return err
		}
		return writeJSONLine(stdout, res)
	}
}

// churnMember is one session of the churn scenario, with what its
// reconnection needs.
type churnMember struct {
	c         *client.Client
	community string // its group's community
	busy      atomic.Bool

	mu       sync.Mutex
	conn     *client.Conn
	received chan struct{} // closed when the current connection's receiver ends
	lastSeq  int64         // last message seq of the group channel received
}

// benchChurn starts a server process, puts the sessions' users in groups,
// each group a community whose general channel its members share, gives each
// user a personal community of its own, connects every session and then,
// for the duration, sends timestamped messages into the groups at a fixed
// total rate while a share of the sessions reconnects each second.
func benchChurn(ctx context.Context, cfg benchConfig, o churnOptions, stderr io.Writer) (*churnResult, error) {
	steps, err := parseSteps(cfg.steps)
	if err != nil {
		return nil, err
	}
	n := steps[0]
	if o.groupSize < 2 || n < o.groupSize {
		return nil, fmt.Errorf("bench churn: --group-size must be at least 2 and at most --sessions, got %d of %d", o.groupSize, n)
	}
	if o.reconnect != "resume" && o.reconnect != "new" {
		return nil, fmt.Errorf("bench churn: --reconnect is resume or new, got %q", o.reconnect)
	}
	rate := o.perThousand * float64(n) / 1000
	if rate <= 0 || o.churnPercent < 0 {
		return nil, errors.New("bench churn: --sends-per-thousand must be positive and --churn not negative")
	}
	srv, tgt, err := startProcTarget(cfg.sync, nil, stderr)
	if err != nil {
		return nil, err
	}
	defer srv.remove()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
	run := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	groups := (n + o.groupSize - 1) / o.groupSize
	groupOf := func(i int) int { return i / o.groupSize }
	groupLen := func(g int) int { return min(n, (g+1)*o.groupSize) - g*o.groupSize }
	members := make([]*churnMember, n)
	for i := range members {
		c, err := tgt.client(tgt.url, fmt.Sprintf("churn-%06d-%s", i, run), hc)
		if err != nil {
			return nil, err
		}
		members[i] = &churnMember{c: c, community: fmt.Sprintf("churn-g%05d-%s", groupOf(i), run)}
	}

	setupStart := time.Now()
	// Each user creates its personal community (which makes the user
	// exist); then each group's first user creates the group's community
	// and invites the others.
	fmt.Fprintf(stderr, "bench: creating %d personal and %d group communities\n", n, groups)
	if err := forEach(ctx, n, 32, func(i int) error {
		id := fmt.Sprintf("churn-p%06d-%s", i, run)
		if _, err := members[i].c.CreateCommunity(ctx, plaza.CreateCommunityRequest{CommunityID: id, CommunityName: "personal"}); err != nil {
			return fmt.Errorf("bench churn: create personal community: %w", err)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := forEach(ctx, groups, 32, func(g int) error {
		owner := members[g*o.groupSize]
		if _, err := owner.c.CreateCommunity(ctx, plaza.CreateCommunityRequest{CommunityID: owner.community, CommunityName: "group"}); err != nil {
			return fmt.Errorf("bench churn: create group community: %w", err)
		}
		var ids []string
		for i := g*o.groupSize + 1; i < g*o.groupSize+groupLen(g); i++ {
			ids = append(ids, fmt.Sprintf("churn-%06d-%s", i, run))
		}
		if len(ids) == 0 {
			return nil
		}
		if _, err := owner.c.InviteUsersIntoCommunity(ctx, plaza.UserIDsRequest{CommunityID: owner.community, UserIDs: ids}); err != nil {
			return fmt.Errorf("bench churn: invite: %w", err)
		}
		return nil
	}); err != nil {
		return nil, err
	}

	// Receivers: every message carries its send time; each session records
	// the delay until it got it, and the last seq of its group's channel so
	// that a new session can fetch what it missed.
	var stats client.ConnStats
	var deliveries, recovered atomic.Int64
	var lat latencies
	var recv sync.WaitGroup
	receive := func(m *churnMember, conn *client.Conn, done chan struct{}) {
		defer close(done)
		var batch []int32
		for e := range conn.Events() {
			now := time.Now().UnixMicro()
			ev, ok := decodeBenchEvent(e)
			if !ok || ev.CommunityID != m.community {
				continue
			}
			for _, msg := range ev.MessageList {
				_, sent, ok := parseStamp(msg.Message)
				if !ok {
					continue
				}
				deliveries.Add(1)
				if e.Recovered {
					recovered.Add(1)
				}
				batch = append(batch, int32(min(now-sent, math.MaxInt32)))
				m.mu.Lock()
				m.lastSeq = max(m.lastSeq, msg.MessageSeq)
				m.mu.Unlock()
			}
		}
		lat.add(batch)
	}
	connect := func(m *churnMember) error {
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		conn, err := m.c.Connect(cctx, client.WithStats(&stats))
		if err != nil {
			return err
		}
		done := make(chan struct{})
		m.mu.Lock()
		m.conn, m.received = conn, done
		if m.lastSeq > 0 {
			// A new session: the SDK fetches from history the messages
			// between the last one received and the next one pushed.
			conn.Track(m.community, plaza.GeneralChannelID, m.lastSeq)
		}
		m.mu.Unlock()
		recv.Go(func() { receive(m, conn, done) })
		return nil
	}
	closeAll := func() {
		for _, m := range members {
			m.mu.Lock()
			conn := m.conn
			m.mu.Unlock()
			if conn != nil {
				conn.Close()
			}
		}
		recv.Wait()
	}
	defer closeAll()
	fmt.Fprintf(stderr, "bench: connecting %d sessions\n", n)
	if err := forEach(ctx, n, 64, func(i int) error {
		if err := connect(members[i]); err != nil {
			return fmt.Errorf("bench churn: connect: %w", err)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	setup := time.Since(setupStart)

	fmt.Fprintf(stderr, "bench: sending %.1f/s into %d groups of %d for %s, %.2f%% of the sessions reconnecting (%s) each second\n",
		rate, groups, o.groupSize, cfg.duration, o.churnPercent, o.reconnect)
	cpu0, err := srv.cpu()
	if err != nil {
		return nil, err
	}
	var sent, acked, errs, expected atomic.Int64
	var acks latencies
	pad := strings.Repeat("x", max(0, cfg.size-20))
	start := time.Now()
	deadline := start.Add(cfg.duration)

	// Sends: the k-th goes to group k mod groups, from its members in turn,
	// so that each group gets a message every groups/rate seconds and each
	// user far less often than the limits allow (one message per 100 ms per
	// channel, 10/s). A pool of workers sends them; when it lags, sends are
	// late and the acked rate shows it.
	jobs := make(chan int, 1024)
	var send sync.WaitGroup
	for range min(256, max(4, int(rate/4))) {
		send.Go(func() {
			var batch []int32
			for k := range jobs {
				g := k % groups
				m := members[g*o.groupSize+(k/groups)%groupLen(g)]
				t0 := time.Now()
				sent.Add(1)
				_, err := m.c.SendMessage(ctx, plaza.SendMessageRequest{CommunityID: m.community, ChannelID: plaza.GeneralChannelID,
					Message: plaza.MessageContent{Type: plaza.MessageText, Message: stamp(0, t0) + pad}})
				if err != nil {
					if errs.Add(1) <= 3 {
						fmt.Fprintln(stderr, "bench: send:", err)
					}
					continue
				}
				acked.Add(1)
				expected.Add(int64(groupLen(g)))
				batch = append(batch, int32(time.Since(t0).Microseconds()))
			}
			acks.add(batch)
		})
	}
	send.Go(func() {
		defer close(jobs)
		per := time.Duration(float64(time.Second) / rate)
		for k := 0; ; k++ {
			next := start.Add(per * time.Duration(k))
			if !next.Before(deadline) || ctx.Err() != nil {
				return
			}
			time.Sleep(time.Until(next))
			jobs <- k
		}
	})

	// Churn: each second, the share of sessions (carried over in fractions)
	// that are not already reconnecting cut their connection.
	var reconnects, reconnectErrs atomic.Int64
	var churning sync.WaitGroup
	churning.Go(func() {
		owed := 0.0
		for t := start.Add(time.Second); t.Before(deadline); t = t.Add(time.Second) {
			time.Sleep(time.Until(t))
			owed += o.churnPercent / 100 * float64(n)
			for ; owed >= 1; owed-- {
				m := members[rand.IntN(n)]
				if !m.busy.CompareAndSwap(false, true) {
					continue
				}
				reconnects.Add(1)
				if o.reconnect == "resume" {
					m.mu.Lock()
					m.conn.Drop()
					m.mu.Unlock()
					// Not dropped again while it resumes, which takes
					// well under a second.
					time.AfterFunc(time.Second, func() { m.busy.Store(false) })
					continue
				}
				churning.Go(func() {
					defer m.busy.Store(false)
					m.mu.Lock()
					conn, done := m.conn, m.received
					m.conn = nil
					m.mu.Unlock()
					conn.Close()
					<-done // lastSeq is final
					if err := connect(m); err != nil && reconnectErrs.Add(1) <= 3 {
						fmt.Fprintln(stderr, "bench: reconnect:", err)
					}
				})
			}
		}
	})
	send.Wait()
	// The sends are spread over the whole duration; the last may end early.
	elapsed := max(time.Since(start), cfg.duration)
	cpu1, err := srv.cpu()
	if err != nil {
		return nil, err
	}
	churning.Wait()
	// Let the last deliveries, resumes and replays arrive.
	settled := func() bool {
		st := stats.Snapshot()
		return deliveries.Load() >= expected.Load() &&
			(o.reconnect != "resume" || int64(st.Resumes+st.Resyncs) >= reconnects.Load())
	}
	for settle := time.Now().Add(10 * time.Second); !settled() && time.Now().Before(settle); {
		time.Sleep(20 * time.Millisecond)
	}
	rss, err := srv.rss()
	if err != nil {
		return nil, err
	}
	closeAll()
	lat.sort()
	acks.sort()
	st := stats.Snapshot()
	return &churnResult{
		Scenario: "churn",
		Time:     time.Now().UTC().Format(time.RFC3339),
		Machine:  thisMachine(),
		Server:   "separate process, SQLite (" + durability(cfg.sync) + ")",
		Sessions: n,
		Layout: fmt.Sprintf("one community per group of %d users, messages in its general channel; each user also owns a personal community",
			o.groupSize),
		Groups:              groups,
		GroupSize:           o.groupSize,
		Rate:                rate,
		ChurnPercent:        o.churnPercent,
		Reconnect:           o.reconnect,
		Size:                cfg.size,
		Duration:            cfg.duration.String(),
		SetupSecs:           math.Round(setup.Seconds()*10) / 10,
		sendFigures:         figures(sent.Load(), acked.Load(), errs.Load(), &acks, deliveries.Load(), expected.Load(), &lat, elapsed),
		RecoveredDeliveries: recovered.Load(),
		Reconnects:          reconnects.Load(),
		ReconnectErrors:     reconnectErrs.Load(),
		Resumes:             st.Resumes,
		Resyncs:             st.Resyncs,
		RSSBytes:            rss,
		CPUSeconds:          math.Round((cpu1-cpu0).Seconds()*100) / 100,
		CPUPercent:          math.Round(float64(cpu1-cpu0)/float64(elapsed)*1000) / 10,
	}, nil
}
