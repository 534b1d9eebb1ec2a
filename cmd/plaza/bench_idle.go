package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/client"
)

// idleResult is one JSON line of the idle scenario: the server's cost of
// holding a number of authenticated, idle gateway sessions.
type idleResult struct {
	Scenario    string  `json:"scenario"`
	Time        string  `json:"time"`
	Machine     machine `json:"machine"`
	Server      string  `json:"server"`
	Sessions    int     `json:"sessions"`
	Communities int     `json:"communities"`
	Window      string  `json:"window"`
	ConnectSecs float64 `json:"connectSeconds"`
	Errors      int64   `json:"errors"`
	// RSS after a collection, with no session and with Sessions.
	BaseRSSBytes       int64   `json:"baseRSSBytes"`
	RSSBytes           int64   `json:"rssBytes"`
	RSSPerSessionBytes float64 `json:"rssPerSessionBytes"`
	// What the sessions hold live: the Go heap and goroutine stacks in use,
	// per session, over the same base. RSS also counts freed pages the
	// runtime has not yet returned to the system.
	HeapPerSessionBytes  float64 `json:"heapPerSessionBytes"`
	StackPerSessionBytes float64 `json:"stackPerSessionBytes"`
	// CPU time the server used over Window, per second and session.
	CPUMicrosPerSecPerSession float64 `json:"cpuMicrosPerSecPerSession"`
	BaseGoroutines            int     `json:"baseGoroutines"`
	Goroutines                int     `json:"goroutines"`
	GoroutinesPerSession      float64 `json:"goroutinesPerSession"`
}

// benchIdle starts a server process, then holds the first step's number of
// idle sessions, members of communities of equal size, measures the server,
// adds sessions up to the next step, measures again, and so on. It prints a
// line per step.
func benchIdle(ctx context.Context, cfg benchConfig, stdout, stderr io.Writer) error {
	steps, err := parseSteps(cfg.steps)
	if err != nil {
		return err
	}
	if cfg.communities <= 0 {
		return fmt.Errorf("bench idle: --communities must be at least 1")
	}
	srv, tgt, err := startProcTarget(cfg.sync, nil, stderr)
	if err != nil {
		return err
	}
	defer srv.remove()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	run := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	user := func(i int) string { return fmt.Sprintf("idle-%06d-%s", i, run) }

	type sample struct {
		rss, heap, stack int64
		goroutines       int
	}
	measure := func() (m sample, err error) {
		// Two collections: the first frees, the second lets the runtime give
		// back what the first freed.
		for range 2 {
			if err := srv.gc(ctx); err != nil {
				return m, err
			}
		}
		time.Sleep(time.Second)
		if m.rss, err = srv.rss(); err != nil {
			return m, err
		}
		if m.heap, m.stack, err = srv.memStats(ctx); err != nil {
			return m, err
		}
		m.goroutines, err = srv.goroutines(ctx)
		return m, err
	}
	base, err := measure()
	if err != nil {
		return err
	}

	var conns []*client.Conn
	defer func() {
		for _, c := range conns {
			if c != nil { // a session that failed to connect
				c.Close()
			}
		}
	}()
	var errs atomic.Int64
	for _, n := range steps {
		from := len(conns)
		if n <= from {
			continue
		}
		fmt.Fprintf(stderr, "bench: connecting sessions %d to %d\n", from, n)
		start := time.Now()
		// A session that fails is counted, not fatal: the step reports it.
		more := make([]*client.Conn, n-from)
		err := forEach(ctx, len(more), 64, func(i int) error {
			c, err := tgt.client(tgt.url, user(from+i), hc)
			if err != nil {
				return err
			}
			cctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			conn, err := c.Connect(cctx)
			if err != nil {
				if errs.Add(1) <= 3 {
					fmt.Fprintln(stderr, "bench: connect:", err)
				}
				return nil
			}
			more[i] = conn
			go func() { // an idle application still reads its events
				for range conn.Events() {
				}
			}()
			return nil
		})
		if err != nil {
			return err
		}
		connected := time.Since(start)
		conns = append(conns, more...)
		// Each session's user joins community i mod communities; its first
		// user owns it.
		fmt.Fprintf(stderr, "bench: placing sessions in %d communities\n", cfg.communities)
		forEach(ctx, cfg.communities, 64, func(g int) error {
			if err := placeSessions(ctx, tgt, hc, user, "idle-"+run, g, cfg.communities, from, n); err != nil && errs.Add(1) <= 3 {
				fmt.Fprintln(stderr, "bench:", err)
			}
			return nil
		})
		time.Sleep(3 * time.Second) // the joins' events reach their sessions
		// CPU over the window, which should hold each session's heartbeat;
		// memory at its end, once the heartbeats have acknowledged the
		// joins' events and the sessions hold only what idling needs.
		cpu0, err := srv.cpu()
		if err != nil {
			return err
		}
		time.Sleep(cfg.window)
		cpu1, err := srv.cpu()
		if err != nil {
			return err
		}
		m, err := measure()
		if err != nil {
			return err
		}
		res := idleResult{
			Scenario:                  "idle",
			Time:                      time.Now().UTC().Format(time.RFC3339),
			Machine:                   thisMachine(),
			Server:                    "separate process, SQLite",
			Sessions:                  n,
			Communities:               cfg.communities,
			Window:                    cfg.window.String(),
			ConnectSecs:               math.Round(connected.Seconds()*10) / 10,
			Errors:                    errs.Load(),
			BaseRSSBytes:              base.rss,
			RSSBytes:                  m.rss,
			RSSPerSessionBytes:        math.Round(float64(m.rss-base.rss) / float64(n)),
			HeapPerSessionBytes:       math.Round(float64(m.heap-base.heap) / float64(n)),
			StackPerSessionBytes:      math.Round(float64(m.stack-base.stack) / float64(n)),
			CPUMicrosPerSecPerSession: math.Round(float64((cpu1-cpu0).Microseconds())/cfg.window.Seconds()/float64(n)*100) / 100,
			BaseGoroutines:            base.goroutines,
			Goroutines:                m.goroutines,
			GoroutinesPerSession:      math.Round(float64(m.goroutines-base.goroutines)/float64(n)*100) / 100,
		}
		if err := writeJSONLine(stdout, res); err != nil {
			return err
		}
	}
	return nil
}

// communityOf names community g of a benchmark run.
func communityOf(prefix string, g int) string { return fmt.Sprintf("%s-%d", prefix, g) }

// placeSessions puts the users from..n-1 that fall to community g (user i
// goes to community i mod count) into it, creating it when its owner, user
// g, is among them.
func placeSessions(ctx context.Context, tgt *target, hc *http.Client, user func(int) string, prefix string, g, count, from, n int) error {
	owner, err := tgt.client(tgt.url, user(g), hc)
	if err != nil {
		return err
	}
	id := communityOf(prefix, g)
	if g >= from && g < n {
		if _, err := owner.CreateCommunity(ctx, plaza.CreateCommunityRequest{CommunityID: id, CommunityName: id}); err != nil {
			return fmt.Errorf("create community: %w", err)
		}
	}
	var ids []string
	for i := g; i < n; i += count {
		if i >= from && i != g {
			ids = append(ids, user(i))
		}
	}
	for len(ids) > 0 {
		batch := ids[:min(100, len(ids))]
		ids = ids[len(batch):]
		if _, err := owner.InviteUsersIntoCommunity(ctx, plaza.UserIDsRequest{CommunityID: id, UserIDs: batch}); err != nil {
			return fmt.Errorf("invite: %w", err)
		}
	}
	return nil
}

// parseSteps reads a comma-separated list of increasing session counts.
func parseSteps(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 || (len(out) > 0 && n <= out[len(out)-1]) {
			return nil, fmt.Errorf("bench: --sessions wants increasing counts like 10000,15000, got %q", s)
		}
		out = append(out, n)
	}
	return out, nil
}
