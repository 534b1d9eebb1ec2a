package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/client"
	"github.com/plazahq/plaza/internal/sqlite"
)

// historySeedBatch is how many seeded messages go into one write
// transaction: large enough that commits cost little, small enough that the
// WAL stays a few megabytes.
const historySeedBatch = 10_000

// historyFlags are the flags of the history scenario alone.
type historyFlags struct {
	messages  int // seeded into the channel before the run
	readers   int // concurrent readers
	page      int // messages per page
	pagesBack int // pages each reader fetches back from the latest one
}

// historyResult is the JSON line of the history scenario: how fast a channel
// with a long history answers its latest page and pages further back, while
// messages keep arriving, and how steady that is from second to second.
type historyResult struct {
	Scenario    string  `json:"scenario"`
	Time        string  `json:"time"`
	Machine     machine `json:"machine"`
	Server      string  `json:"server"`
	Durability  string  `json:"durability"`
	Messages    int     `json:"messages"`
	Seeding     string  `json:"seeding"`
	SeedSeconds float64 `json:"seedSeconds"`
	Readers     int     `json:"readers"`
	Page        int     `json:"page"`
	PagesBack   int     `json:"pagesBack"`
	Rate        float64 `json:"rate"`
	Senders     int     `json:"senders"`
	Size        int     `json:"size"`
	Duration    string  `json:"duration"`

	// Reads are the history requests answered, LatestReads and BackReads
	// their two kinds; Errors counts the failed ones and, among them,
	// WrongPages those answered with other messages than the seqs asked
	// for. PagesChecked counts the pages whose seqs were verified.
	Reads        int64   `json:"reads"`
	LatestReads  int64   `json:"latestReads"`
	BackReads    int64   `json:"backReads"`
	ReadsPerSec  float64 `json:"readsPerSec"`
	Errors       int64   `json:"errors"`
	WrongPages   int64   `json:"wrongPages"`
	PagesChecked int64   `json:"pagesChecked"`

	// The background load.
	Sent        int64   `json:"sent"`
	Acked       int64   `json:"acked"`
	SendErrors  int64   `json:"sendErrors"`
	AckedPerSec float64 `json:"ackedPerSec"`
	AckP99Ms    float64 `json:"ackP99Ms"`

	LatestP50Ms  float64 `json:"latestP50Ms"`
	LatestP99Ms  float64 `json:"latestP99Ms"`
	LatestP999Ms float64 `json:"latestP999Ms"`
	BackP50Ms    float64 `json:"backP50Ms"`
	BackP99Ms    float64 `json:"backP99Ms"`
	BackP999Ms   float64 `json:"backP999Ms"`
	P99Ms        float64 `json:"p99Ms"` // of every read

	// Per one-second window of completions, over every read: how many full
	// windows there were (EmptyWindows of them without a read, left out of
	// the rest), the fewest reads in one, the median and the worst window
	// p99, the worst's start in seconds into the run, and worst / median.
	Windows          int     `json:"windows"`
	EmptyWindows     int     `json:"emptyWindows"`
	MinWindowReads   int     `json:"minWindowReads"`
	WindowMedianP99  float64 `json:"windowMedianP99Ms"`
	WindowWorstP99   float64 `json:"windowWorstP99Ms"`
	WorstWindowAt    int     `json:"worstWindowAtSeconds"`
	WindowWorstRatio float64 `json:"windowWorstRatio"`
	// MeetsTargets is whether p99 ≤ 15 ms and the worst window ≤ 2× the
	// median one.
	MeetsTargets bool `json:"meetsTargets"`

	RSSBytes int64 `json:"rssBytes"` // the server's, at the end
}

// historySetup registers the history scenario's flags and returns its
// runner. Unless given on the command line, --duration is 5 minutes and
// --rate 500/s here, with enough senders for that rate.
func historySetup(fs *flag.FlagSet) func(context.Context, benchConfig, io.Writer, io.Writer) error {
	var hf historyFlags
	fs.IntVar(&hf.messages, "messages", 1_000_000, "history: messages seeded into the channel before the run")
	fs.IntVar(&hf.readers, "readers", 8, "history: concurrent readers, each fetching the latest page and paging back, in a loop")
	fs.IntVar(&hf.page, "page", 50, "history: messages per page (1-100)")
	fs.IntVar(&hf.pagesBack, "pages-back", 5, "history: pages each reader fetches back from the latest one")
	return func(ctx context.Context, cfg benchConfig, stdout, stderr io.Writer) error {
		if !flagSet(fs, "duration") {
			cfg.duration = 5 * time.Minute
		}
		if !flagSet(fs, "rate") {
			cfg.rate = 500
		}
		if !flagSet(fs, "senders") {
			cfg.senders = max(1, int(math.Ceil(cfg.rate/8)))
		}
		res, err := benchHistory(ctx, cfg, hf, stderr)
		if err != nil {
			return err
		}
		return writeJSONLine(stdout, res)
	}
}

// benchHistory starts a server process, creates a community with one
// channel, seeds it with hf.messages messages straight into the server's
// SQLite database (the API would take minutes per million), and then, for
// cfg.duration, has hf.readers readers fetch the channel's latest page and
// page back from it while senders add messages at cfg.rate.
func benchHistory(ctx context.Context, cfg benchConfig, hf historyFlags, stderr io.Writer) (*historyResult, error) {
	switch {
	case hf.messages < 0:
		return nil, fmt.Errorf("bench history: --messages must not be negative, got %d", hf.messages)
	case hf.readers < 1:
		return nil, fmt.Errorf("bench history: --readers must be at least 1, got %d", hf.readers)
	case hf.page < 1 || hf.page > 100:
		return nil, fmt.Errorf("bench history: --page must be 1-100, got %d", hf.page)
	case hf.pagesBack < 0:
		return nil, fmt.Errorf("bench history: --pages-back must not be negative, got %d", hf.pagesBack)
	case cfg.duration <= 0:
		return nil, fmt.Errorf("bench history: --duration must be positive, got %s", cfg.duration)
	}
	senders := cfg.senders
	if cfg.rate <= 0 {
		senders = 0 // no background load
	}
	p, tgt, err := startProcTarget(cfg.sync, nil, stderr)
	if err != nil {
		return nil, err
	}
	defer p.remove()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders + hf.readers + 8}}
	run := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	community, channel := "history-"+run, "history"
	ownerID := "history-owner-" + run

	// The community, its channel and its members, through the API.
	owner, err := tgt.client(tgt.url, ownerID, hc)
	if err != nil {
		return nil, err
	}
	if _, err := owner.CreateCommunity(ctx, plaza.CreateCommunityRequest{CommunityID: community, CommunityName: "history"}); err != nil {
		return nil, fmt.Errorf("bench history: create community: %w", err)
	}
	if _, err := owner.CreateCommunityChannel(ctx, plaza.CreateCommunityChannelRequest{CommunityID: community, ChannelID: channel, ChannelName: "history"}); err != nil {
		return nil, fmt.Errorf("bench history: create channel: %w", err)
	}
	var ids []string
	member := func(id string) (*client.Client, error) {
		c, err := tgt.client(tgt.url, id, hc)
		if err != nil {
			return nil, err
		}
		// The user's first request creates it.
		if _, err := c.QueryCommunityList(ctx, plaza.QueryCommunityListRequest{}); err != nil {
			return nil, fmt.Errorf("bench history: user %s: %w", id, err)
		}
		ids = append(ids, id)
		return c, nil
	}
	sendClients := make([]*client.Client, senders)
	for i := range sendClients {
		if sendClients[i], err = member(fmt.Sprintf("history-s%04d-%s", i, run)); err != nil {
			return nil, err
		}
	}
	readClients := make([]*client.Client, hf.readers)
	for i := range readClients {
		if readClients[i], err = member(fmt.Sprintf("history-r%04d-%s", i, run)); err != nil {
			return nil, err
		}
	}
	for start := 0; start < len(ids); start += 100 {
		batch := ids[start:min(start+100, len(ids))]
		if _, err := owner.InviteUsersIntoCommunity(ctx, plaza.UserIDsRequest{CommunityID: community, UserIDs: batch}); err != nil {
			return nil, fmt.Errorf("bench history: invite: %w", err)
		}
	}

	// The history, written while the server is down.
	fmt.Fprintf(stderr, "bench: stopping the server to seed %d messages into its database\n", hf.messages)
	p.stop()
	seedStart := time.Now()
	lastSeq, err := seedHistory(ctx, p.dir, tgt.appID, community, channel, ownerID, hf.messages, cfg.size, stderr)
	if err != nil {
		return nil, err
	}
	seeded := time.Since(seedStart)
	if lastSeq != int64(hf.messages) {
		return nil, fmt.Errorf("bench history: the channel's last seq is %d after seeding %d messages", lastSeq, hf.messages)
	}
	fmt.Fprintf(stderr, "bench: seeded %d messages in %.1fs; starting the server again\n", hf.messages, seeded.Seconds())
	if err := p.start(); err != nil {
		return nil, err
	}

	// Readers make one unmeasured pass each: the server's first reads of a
	// database it just opened say nothing about its steady state.
	// A wrong page then fails the run.
	rd := historyReader{community: community, channel: channel, page: hf.page, pagesBack: hf.pagesBack,
		minLast: lastSeq, stderr: stderr, n: &historyCounts{}}
	var warm sync.WaitGroup
	for _, c := range readClients {
		warm.Go(func() { rd.pass(ctx, c, time.Time{}, time.Now().Add(30*time.Second), nil) })
	}
	warm.Wait()
	if n := rd.n.errs.Load(); n > 0 {
		return nil, fmt.Errorf("bench history: %d of the readers' warm-up requests failed", n)
	}
	rd.n = &historyCounts{}

	fmt.Fprintf(stderr, "bench: %d readers for %s while %d senders send %.0f/s\n", hf.readers, cfg.duration, senders, cfg.rate)
	rctx, cancel := context.WithTimeout(ctx, cfg.duration+time.Minute)
	defer cancel()
	start := time.Now()
	deadline := start.Add(cfg.duration)
	var samples [][]historySample
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range readClients {
		wg.Go(func() {
			var mine []historySample
			for time.Now().Before(deadline) && rctx.Err() == nil {
				rd.pass(rctx, c, start, deadline, &mine)
			}
			mu.Lock()
			samples = append(samples, mine)
			mu.Unlock()
		})
	}
	var sent, acked, sendErrs atomic.Int64
	var acks latencies
	if senders > 0 {
		pad := strings.Repeat("x", max(0, cfg.size-20))
		per := time.Duration(float64(time.Second) * float64(senders) / cfg.rate)
		for i, s := range sendClients {
			wg.Go(func() {
				var batch []int32
				// Spread the senders' ticks over the interval.
				next := start.Add(per * time.Duration(i) / time.Duration(senders))
				for {
					if d := time.Until(next); d > 0 {
						time.Sleep(d)
					}
					if time.Now().After(deadline) || rctx.Err() != nil {
						break
					}
					t0 := time.Now()
					next = next.Add(per)
					sent.Add(1)
					_, err := s.SendMessage(rctx, plaza.SendMessageRequest{CommunityID: community, ChannelID: channel,
						Message: plaza.MessageContent{Type: plaza.MessageText, Message: strconv.FormatInt(t0.UnixMicro(), 10) + ";" + pad}})
					if err != nil {
						if sendErrs.Add(1) <= 3 {
							fmt.Fprintln(stderr, "bench: send:", err)
						}
						continue
					}
					acked.Add(1)
					batch = append(batch, int32(min(time.Since(t0).Microseconds(), math.MaxInt32)))
					// As in fanout: a late send does not catch up in a burst,
					// which the per-user limit of one message per 100 ms in
					// a channel would refuse.
					if earliest := time.Now().Add(110 * time.Millisecond); next.Before(earliest) {
						next = earliest
					}
				}
				acks.add(batch)
			})
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	rss, err := p.rss()
	if err != nil {
		return nil, fmt.Errorf("bench history: server RSS: %w", err)
	}

	var all []historySample
	for _, s := range samples {
		all = append(all, s...)
	}
	var latest, back, every latencies
	for _, s := range all {
		if s.back {
			back.us = append(back.us, s.us)
		} else {
			latest.us = append(latest.us, s.us)
		}
		every.us = append(every.us, s.us)
	}
	latest.sort()
	back.sort()
	every.sort()
	acks.sort()
	win := historyWindows(all, int(cfg.duration/time.Second))
	res := &historyResult{
		Scenario:   "history",
		Time:       time.Now().UTC().Format(time.RFC3339),
		Machine:    thisMachine(),
		Server:     "separate process, SQLite",
		Durability: durability(cfg.sync),
		Messages:   hf.messages,
		Seeding: fmt.Sprintf("server stopped; messages inserted into its SQLite database through internal/sqlite "+
			"(Store.Update: Tx.NextSeq and Tx.InsertMessage, %d per transaction, synchronous=NORMAL, snowflake IDs "+
			"dated one per millisecond before the run); server started again", historySeedBatch),
		SeedSeconds:      math.Round(seeded.Seconds()*10) / 10,
		Readers:          hf.readers,
		Page:             hf.page,
		PagesBack:        hf.pagesBack,
		Rate:             cfg.rate,
		Senders:          senders,
		Size:             cfg.size,
		Duration:         cfg.duration.String(),
		Reads:            rd.n.reads.Load(),
		LatestReads:      rd.n.latest.Load(),
		BackReads:        rd.n.back.Load(),
		ReadsPerSec:      math.Round(float64(rd.n.reads.Load()) / elapsed.Seconds()),
		Errors:           rd.n.errs.Load(),
		WrongPages:       rd.n.wrong.Load(),
		PagesChecked:     rd.n.checked.Load(),
		Sent:             sent.Load(),
		Acked:            acked.Load(),
		SendErrors:       sendErrs.Load(),
		AckedPerSec:      math.Round(float64(acked.Load()) / elapsed.Seconds()),
		AckP99Ms:         acks.quantile(0.99),
		LatestP50Ms:      latest.quantile(0.50),
		LatestP99Ms:      latest.quantile(0.99),
		LatestP999Ms:     latest.quantile(0.999),
		BackP50Ms:        back.quantile(0.50),
		BackP99Ms:        back.quantile(0.99),
		BackP999Ms:       back.quantile(0.999),
		P99Ms:            every.quantile(0.99),
		Windows:          win.count,
		EmptyWindows:     win.empty,
		MinWindowReads:   win.minReads,
		WindowMedianP99:  win.medianP99,
		WindowWorstP99:   win.worstP99,
		WorstWindowAt:    win.worstAt,
		WindowWorstRatio: win.ratio,
		RSSBytes:         rss,
	}
	res.MeetsTargets = res.Reads > 0 && res.P99Ms <= 15 && win.ratio > 0 && win.ratio <= 2
	return res, nil
}

// seedHistory stores n messages from senderID in a channel straight into the
// SQLite database in dir, which no server may have open meanwhile. It goes
// through the store's own methods, as a send does, so the channel's last seq
// advances with every message; the message IDs are snowflakes of node 0 (the
// embedded server's) dated one per millisecond, ending a minute before now,
// so they are older than any ID the server makes once it runs again. It
// returns the channel's last seq.
func seedHistory(ctx context.Context, dir, appID, communityID, channelID, senderID string, n, size int, stderr io.Writer) (lastSeq int64, err error) {
	store, err := sqlite.Open(ctx, filepath.Join(dir, "plaza.db"), sqlite.Options{Sync: sqlite.SyncNormal})
	if err != nil {
		return 0, fmt.Errorf("bench history: open the database: %w", err)
	}
	defer func() {
		if cerr := store.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("bench history: close the database: %w", cerr)
		}
	}()
	c, err := store.Community(ctx, appID, communityID)
	if err != nil {
		return 0, fmt.Errorf("bench history: community %s: %w", communityID, err)
	}
	ch, err := store.Channel(ctx, c.PK, channelID)
	if err != nil {
		return 0, fmt.Errorf("bench history: channel %s: %w", channelID, err)
	}
	sender, err := store.User(ctx, appID, senderID)
	if err != nil {
		return 0, fmt.Errorf("bench history: user %s: %w", senderID, err)
	}
	t0 := time.Now().Add(-time.Minute).UnixMilli() - int64(n)
	var at int64 // the message being written's time, for the ID generator
	gen := plaza.NewSnowflake(0, func() time.Time { return time.UnixMilli(at) })
	pad := strings.Repeat("x", max(0, size-20))
	for done := 0; done < n; {
		batch := min(historySeedBatch, n-done)
		err := store.Update(ctx, func(tx plaza.Tx) error {
			for i := range batch {
				at = t0 + int64(done+i)
				seq, err := tx.NextSeq(ctx, ch.PK, at)
				if err != nil {
					return err
				}
				m := plaza.Message{ChannelPK: ch.PK, MessageSeq: seq, ID: gen.Next(), SenderPK: sender.PK, SenderUserID: sender.UserID,
					Timestamp: at, MessageContent: plaza.MessageContent{Type: plaza.MessageText, Message: "seed " + strconv.FormatInt(seq, 10) + ";" + pad}}
				if err := tx.InsertMessage(ctx, &m); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("bench history: seed messages %d to %d: %w", done+1, done+batch, err)
		}
		done += batch
		if done%100_000 == 0 {
			fmt.Fprintf(stderr, "bench: seeded %d of %d messages\n", done, n)
		}
	}
	ch, err = store.Channel(ctx, c.PK, channelID)
	if err != nil {
		return 0, fmt.Errorf("bench history: channel %s: %w", channelID, err)
	}
	return ch.LastMessageSeq, nil
}

// historySample is one answered history request: when it completed, in
// milliseconds since the run started, how long it took, in microseconds,
// and whether it paged back (or fetched the latest page).
type historySample struct {
	at   int32
	us   int32
	back bool
}

// historyReader is what the history scenario's readers share: the channel,
// how they page, and their counts.
type historyReader struct {
	community, channel string
	page, pagesBack    int
	minLast            int64 // the channel's last seq when the readers start
	stderr             io.Writer
	n                  *historyCounts
}

// historyCounts are the readers' counts over one phase of the run.
type historyCounts struct {
	reads, latest, back, errs, wrong, checked atomic.Int64
}

// pass fetches the latest page with c, then pages back from it up to
// pagesBack times, stopping early at the channel's start, at an error or at
// deadline. It checks that every page holds the consecutive seqs it should,
// counting a page that does not as an error, and adds each answered
// request to samples, if not nil, timed from start.
func (r *historyReader) pass(ctx context.Context, c *client.Client, start, deadline time.Time, samples *[]historySample) {
	next := int64(0) // 0: the latest page
	for k := 0; k <= r.pagesBack; k++ {
		if k > 0 && (next == 0 || !time.Now().Before(deadline)) {
			return
		}
		t0 := time.Now()
		res, err := c.QueryHistoryMessage(ctx, plaza.QueryHistoryMessageRequest{CommunityID: r.community, ChannelID: r.channel,
			NextMessageSeq: next, Count: r.page})
		t1 := time.Now()
		if err != nil {
			if ctx.Err() == nil && r.n.errs.Add(1) <= 3 {
				fmt.Fprintln(r.stderr, "bench: history:", err)
			}
			return
		}
		r.n.reads.Add(1)
		if k == 0 {
			r.n.latest.Add(1)
		} else {
			r.n.back.Add(1)
		}
		if samples != nil {
			*samples = append(*samples, historySample{at: int32(t1.Sub(start).Milliseconds()),
				us: int32(min(t1.Sub(t0).Microseconds(), math.MaxInt32)), back: k > 0})
		}
		if err := r.check(res, next); err != nil {
			r.n.wrong.Add(1)
			if r.n.errs.Add(1) <= 3 {
				fmt.Fprintln(r.stderr, "bench: history:", err)
			}
			return
		}
		r.n.checked.Add(1)
		next = res.NextMessageSeq
	}
}

// check verifies a page fetched before seq before (0: the latest page):
// messages of the channel, consecutive seqs oldest first, as many as the
// page holds or as there are, ending just before before (or, for the latest
// page, at or after the last seq the channel had when reading started), and
// a next seq that continues from its oldest message.
func (r *historyReader) check(res plaza.QueryHistoryMessageResult, before int64) error {
	ms := res.MessageList
	if len(ms) == 0 {
		return fmt.Errorf("the page before seq %d is empty", before)
	}
	for i, m := range ms {
		if m.ChannelID != r.channel || (i > 0 && m.MessageSeq != ms[i-1].MessageSeq+1) {
			return fmt.Errorf("the page before seq %d holds seq %d of channel %q after seq %d", before, m.MessageSeq, m.ChannelID, ms[max(i-1, 0)].MessageSeq)
		}
	}
	first, last := ms[0].MessageSeq, ms[len(ms)-1].MessageSeq
	if before == 0 && last < r.minLast {
		return fmt.Errorf("the latest page ends at seq %d, before the channel's last seq %d", last, r.minLast)
	}
	if before > 0 && last != before-1 {
		return fmt.Errorf("the page before seq %d ends at seq %d", before, last)
	}
	if want := min(int64(r.page), last); int64(len(ms)) != want {
		return fmt.Errorf("the page before seq %d holds %d messages, want %d", before, len(ms), want)
	}
	want := first // where the next page back starts; 0 past the first message
	if first == 1 {
		want = 0
	}
	if res.NextMessageSeq != want {
		return fmt.Errorf("the page before seq %d continues at seq %d, want %d", before, res.NextMessageSeq, want)
	}
	return nil
}

// historyStats summarises the per-second windows of a run.
type historyStats struct {
	count, empty, minReads int
	medianP99, worstP99    float64 // ms
	worstAt                int     // seconds into the run
	ratio                  float64
}

// historyWindows groups samples by the second of the run they completed in,
// over the run's full seconds (requests that completed after them are left
// out), and compares the windows' p99s: the median against the worst.
func historyWindows(samples []historySample, seconds int) historyStats {
	st := historyStats{count: seconds}
	if seconds <= 0 {
		return st
	}
	windows := make([][]int32, seconds)
	for _, s := range samples {
		if w := int(s.at / 1000); w >= 0 && w < seconds {
			windows[w] = append(windows[w], s.us)
		}
	}
	var p99s []float64
	st.minReads = math.MaxInt
	for i, w := range windows {
		st.minReads = min(st.minReads, len(w))
		if len(w) == 0 {
			st.empty++
			continue
		}
		l := latencies{us: w}
		l.sort()
		p := l.quantile(0.99)
		p99s = append(p99s, p)
		if p > st.worstP99 {
			st.worstP99, st.worstAt = p, i
		}
	}
	if len(p99s) == 0 {
		return st
	}
	slices.Sort(p99s)
	if n := len(p99s); n%2 == 1 {
		st.medianP99 = p99s[n/2]
	} else {
		st.medianP99 = math.Round((p99s[n/2-1]+p99s[n/2])/2*1000) / 1000
	}
	if st.medianP99 > 0 {
		st.ratio = math.Round(st.worstP99/st.medianP99*100) / 100
	}
	return st
}
