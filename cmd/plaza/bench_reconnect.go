package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/client"
)

// reconnectResult is the JSON line of the reconnect scenario.
type reconnectResult struct {
	Scenario    string           `json:"scenario"`
	Time        string           `json:"time"`
	Machine     machine          `json:"machine"`
	Server      string           `json:"server"`
	Durability  string           `json:"durability"`
	Sessions    int              `json:"sessions"`
	Communities int              `json:"communities"`
	Rate        float64          `json:"rate"`
	Restarts    []restartOutcome `json:"restarts"`
	// What every session received of its community's channel, checked
	// against every acknowledged message once the senders stopped.
	MessagesAcked  int64 `json:"messagesAcked"`
	SendRetries    int64 `json:"sendRetries"`
	SendErrors     int64 `json:"sendErrors"`
	ChannelsViewed int   `json:"channelsViewed"` // sessions × the one channel each tracks
	Gaps           int64 `json:"gaps"`           // acknowledged messages a session never got
	Duplicates     int64 `json:"duplicates"`     // messages a session got more than once
	OutOfOrder     int64 `json:"outOfOrder"`     // messages a session got after a later one
}

// restartOutcome is what one restart of the server did to the sessions.
type restartOutcome struct {
	Kind           string  `json:"kind"` // "graceful" (SIGTERM) or "kill -9"
	DownSeconds    float64 `json:"downSeconds"`
	Back99Seconds  float64 `json:"back99Seconds"` // from the stop until 99% of sessions were restored
	BackAllSeconds float64 `json:"backAllSeconds"`
	Back           int     `json:"back"` // sessions restored within the wait
	// The sessions' counters over the wait: connection attempts, and how
	// the sessions were restored (a restarted server cannot resume: it
	// resyncs, and the SDK fetches what was missed from history).
	Reconnects int `json:"reconnects"`
	Resumes    int `json:"resumes"`
	Resyncs    int `json:"resyncs"`
}

// reconnectSession is one session of the scenario and the seqs it received
// in the channel it tracks.
type reconnectSession struct {
	conn  *client.Conn
	stats client.ConnStats
	mu    sync.Mutex
	seqs  []int64
}

func (s *reconnectSession) restored() int {
	st := s.stats.Snapshot()
	return st.Resumes + st.Resyncs
}

// reconnectChannel is the channel each community's sessions track; it holds
// only the senders' messages.
const reconnectChannel = "talk"

func reconnectSetup(fs *flag.FlagSet) func(context.Context, benchConfig, io.Writer, io.Writer) error {
	wait := fs.Duration("restart-wait", 60*time.Second, "reconnect: how long to wait for the sessions to come back after each restart")
	return func(ctx context.Context, cfg benchConfig, stdout, stderr io.Writer) error {
		if !flagSet(fs, "rate") {
			cfg.rate = 100
		}
		if !flagSet(fs, "duration") {
			cfg.duration = 5 * time.Second
		}
		res, err := benchReconnect(ctx, cfg, *wait, stderr)
		if err != nil {
			return err
		}
		return writeJSONLine(stdout, res)
	}
}

// benchReconnect holds sessions that each track a channel of their
// community while owners send into every channel; restarts the server
// gracefully, then with kill -9, timing how fast the sessions come back;
// and finally checks that every session got every acknowledged message of
// its channel exactly once, in order.
func benchReconnect(ctx context.Context, cfg benchConfig, wait time.Duration, stderr io.Writer) (*reconnectResult, error) {
	steps, err := parseSteps(cfg.steps)
	if err != nil {
		return nil, err
	}
	n, communities := steps[0], min(cfg.communities, steps[0])
	srv, tgt, err := startProcTarget(cfg.sync, nil, stderr)
	if err != nil {
		return nil, err
	}
	defer srv.remove()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
	run := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	prefix := "rc-" + run
	user := func(i int) string { return fmt.Sprintf("rc-%06d-%s", i, run) }

	// Sessions connect, which makes their users exist, then join their
	// communities, whose owners create the tracked channel.
	fmt.Fprintf(stderr, "bench: connecting %d sessions\n", n)
	sessions := make([]*reconnectSession, n)
	for i := range sessions {
		sessions[i] = &reconnectSession{}
	}
	err = forEach(ctx, n, 64, func(i int) error {
		c, err := tgt.client(tgt.url, user(i), hc)
		if err != nil {
			return err
		}
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		s := sessions[i]
		s.conn, err = c.Connect(cctx, client.WithStats(&s.stats))
		return err
	})
	defer func() {
		for _, s := range sessions {
			if s.conn != nil { // nil: it failed to connect
				s.conn.Close()
			}
		}
	}()
	if err != nil {
		return nil, fmt.Errorf("bench: connect: %w", err)
	}
	fmt.Fprintf(stderr, "bench: placing them in %d communities\n", communities)
	owners := make([]*client.Client, communities)
	err = forEach(ctx, communities, 64, func(g int) error {
		if err := placeSessions(ctx, tgt, hc, user, prefix, g, communities, 0, n); err != nil {
			return err
		}
		var err error
		if owners[g], err = tgt.client(tgt.url, user(g), hc); err != nil {
			return err
		}
		_, err = owners[g].CreateCommunityChannel(ctx, plaza.CreateCommunityChannelRequest{
			CommunityID: communityOf(prefix, g), ChannelID: reconnectChannel, ChannelName: reconnectChannel})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	var wg sync.WaitGroup
	for i, s := range sessions {
		s.conn.Track(communityOf(prefix, i%communities), reconnectChannel, 0)
		wg.Go(func() {
			for e := range s.conn.Events() {
				ev, ok := decodeBenchEvent(e)
				if !ok || ev.ChannelID != reconnectChannel {
					continue
				}
				s.mu.Lock()
				for _, m := range ev.MessageList {
					s.seqs = append(s.seqs, m.MessageSeq)
				}
				s.mu.Unlock()
			}
		})
	}

	// Owners send in turn, each message retried with its client ID until
	// acknowledged: a retry of a stored message gets the stored one back.
	acked := make([]atomic.Int64, communities) // the highest seq acknowledged per community
	var messages, retries, sendErrs atomic.Int64
	stopSend := make(chan struct{})
	var senders sync.WaitGroup
	per := time.Duration(float64(time.Second) / cfg.rate)
	for w := range 16 {
		senders.Go(func() {
			next := time.Now().Add(per * time.Duration(w))
			for k := w; ; k += 16 {
				select {
				case <-stopSend:
					return
				case <-time.After(time.Until(next)):
				}
				next = next.Add(16 * per)
				g := k % communities
				req := plaza.SendMessageRequest{CommunityID: communityOf(prefix, g), ChannelID: reconnectChannel,
					ClientMessageID: strconv.Itoa(k), Message: plaza.MessageContent{Type: plaza.MessageText, Message: strconv.Itoa(k)}}
				for attempt := 0; ; attempt++ {
					res, err := owners[g].SendMessage(ctx, req)
					if err == nil {
						messages.Add(1)
						for {
							cur := acked[g].Load()
							if res.Message.MessageSeq <= cur || acked[g].CompareAndSwap(cur, res.Message.MessageSeq) {
								break
							}
						}
						break
					}
					if attempt == 600 { // a minute of trying
						sendErrs.Add(1)
						break
					}
					retries.Add(1)
					time.Sleep(100 * time.Millisecond)
				}
			}
		})
	}

	restart := func(kind string) restartOutcome {
		before := make([]client.ConnStats, n)
		for i, s := range sessions {
			before[i] = s.stats.Snapshot()
		}
		fmt.Fprintf(stderr, "bench: restart (%s)\n", kind)
		stopped := time.Now()
		if kind == "graceful" {
			srv.stop()
		} else {
			srv.kill()
		}
		if err := srv.start(); err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return restartOutcome{Kind: kind}
		}
		out := restartOutcome{Kind: kind, DownSeconds: round2(time.Since(stopped).Seconds())}
		need := int(math.Ceil(0.99 * float64(n)))
		back := func() int {
			k := 0
			for i, s := range sessions {
				if s.restored() > before[i].Resumes+before[i].Resyncs {
					k++
				}
			}
			return k
		}
		for time.Since(stopped) < wait {
			out.Back = back()
			if out.Back >= need && out.Back99Seconds == 0 {
				out.Back99Seconds = round2(time.Since(stopped).Seconds())
			}
			if out.Back == n {
				out.BackAllSeconds = round2(time.Since(stopped).Seconds())
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		for i, s := range sessions {
			st := s.stats.Snapshot()
			out.Reconnects += st.Reconnects - before[i].Reconnects
			out.Resumes += st.Resumes - before[i].Resumes
			out.Resyncs += st.Resyncs - before[i].Resyncs
		}
		return out
	}

	time.Sleep(cfg.duration)
	var restarts []restartOutcome
	for _, kind := range []string{"graceful", "kill -9"} {
		restarts = append(restarts, restart(kind))
		time.Sleep(cfg.duration)
	}
	close(stopSend)
	senders.Wait()

	// Every session should now catch up to its channel's last acknowledged
	// seq; wait for that, then compare.
	caughtUp := func() bool {
		for i, s := range sessions {
			s.mu.Lock()
			last := int64(0)
			if len(s.seqs) > 0 {
				last = s.seqs[len(s.seqs)-1]
			}
			s.mu.Unlock()
			if last < acked[i%communities].Load() {
				return false
			}
		}
		return true
	}
	for deadline := time.Now().Add(30 * time.Second); !caughtUp() && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	res := &reconnectResult{
		Scenario: "reconnect", Time: time.Now().UTC().Format(time.RFC3339), Machine: thisMachine(),
		Server: "separate process, SQLite", Durability: durability(cfg.sync), Sessions: n, Communities: communities,
		Rate: cfg.rate, Restarts: restarts, MessagesAcked: messages.Load(), SendRetries: retries.Load(),
		SendErrors: sendErrs.Load(), ChannelsViewed: n,
	}
	for i, s := range sessions {
		s.mu.Lock()
		gaps, dups, disorder := checkSeqs(s.seqs, acked[i%communities].Load())
		s.mu.Unlock()
		res.Gaps += gaps
		res.Duplicates += dups
		res.OutOfOrder += disorder
	}
	for _, s := range sessions {
		s.conn.Close()
	}
	wg.Wait() // the receivers
	return res, nil
}

// checkSeqs compares the seqs a session received with 1..last: the missing
// ones, the ones received more than once, and those received after a later
// one.
func checkSeqs(seqs []int64, last int64) (gaps, dups, disorder int64) {
	seen := make(map[int64]int, len(seqs))
	for i, q := range seqs {
		seen[q]++
		if i > 0 && q < seqs[i-1] {
			disorder++
		}
	}
	for q := int64(1); q <= last; q++ {
		if seen[q] == 0 {
			gaps++
		}
	}
	for _, c := range seen {
		if c > 1 {
			dups += int64(c - 1)
		}
	}
	return gaps, dups, disorder
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
