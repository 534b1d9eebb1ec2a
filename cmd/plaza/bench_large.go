package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/client"
	"github.com/plazahq/plaza/internal/gateway"
	"github.com/plazahq/plaza/internal/postgres"
	"github.com/plazahq/plaza/internal/sqlite"
)

// The large scenario: a community of a million members (--members), seeded
// straight into the store of a server in a child process, on SQLite or, with
// --postgres, on PostgreSQL; then three phases, each a JSON line:
//
//   - api: the calls whose cost could grow with the member count, one after
//     another over HTTP, each --iterations times: the member list's first,
//     middle and last pages, with and without the muted filter (cursors
//     built with plaza.Cursor), queryCommunityMembers of 100 random members,
//     join and leave, invite and kick 100; and sends into the large
//     community and a 10-member one, in turn, the same number of times.
//   - online: --online members of the large community online, --active of
//     them with it active, the others passive; messages at --rate for
//     --duration: the active sessions' send→receive latency, the interval
//     between the passive sessions' channel heads, the server's RSS and CPU.
//   - dismiss: sends into the 10-member community at --dismiss-rate, idle
//     for a while, then while the large community is dismissed and purged:
//     the dismissal's latency, what its members see right after, the
//     purge's duration, and the sends' latency in both windows.

// largeFlags are the flags of the large scenario alone.
type largeFlags struct {
	online      int     // sessions online in the large community
	active      int     // of which active
	iterations  int     // calls per measured operation
	muted       int     // members seeded muted
	dismissRate float64 // sends per second into the small community while dismissing
	idle        time.Duration
	phases      string
}

// largeSetup registers the large scenario's flags and returns its runner.
// Unless given, --members is 1,000,000, --rate 20/s and --duration 60s.
func largeSetup(fs *flag.FlagSet) func(context.Context, benchConfig, io.Writer, io.Writer) error {
	var lf largeFlags
	fs.IntVar(&lf.online, "online", 10_000, "large: members online in the large community")
	fs.IntVar(&lf.active, "active", 100, "large: of those, sessions that make the community active (the others stay passive)")
	fs.IntVar(&lf.iterations, "iterations", 200, "large: calls per measured operation of the api phase")
	fs.IntVar(&lf.muted, "muted", 1000, "large: members seeded muted, spread over the member list")
	fs.Float64Var(&lf.dismissRate, "dismiss-rate", 100, "large: sends per second into the 10-member community during the dismiss phase")
	fs.DurationVar(&lf.idle, "idle", 20*time.Second, "large: how long the dismiss phase sends before dismissing")
	fs.StringVar(&lf.phases, "phases", "api,online,dismiss", "large: the phases to run, comma-separated")
	return func(ctx context.Context, cfg benchConfig, stdout, stderr io.Writer) error {
		if !flagSet(fs, "members") {
			cfg.members = 1_000_000
		}
		if !flagSet(fs, "rate") {
			cfg.rate = 20
		}
		if !flagSet(fs, "duration") {
			cfg.duration = 60 * time.Second
		}
		return benchLarge(ctx, cfg, lf, stdout, stderr)
	}
}

// largeRun is what the phases share: the server, the store it runs on, the
// communities and their owner.
type largeRun struct {
	cfg     benchConfig
	lf      largeFlags
	srv     *proc
	tgt     *target
	store   string // "sqlite" or "postgres"
	pgURL   string // the server's database, on PostgreSQL
	seedSec float64
	large   plaza.CommunityInfo
	hc      *http.Client
	owner   *client.Client
	muted   []int64 // the muted members' keys, in list order
	keys    []int64 // member keys at the start, middle and end of the list
}

// The communities and users the scenario makes.
const (
	largeID   = "large"
	smallID   = "small"
	largeUser = "large-" // + 7 digits: the seeded members
	extraUser = "extra-" // + 6 digits: users who are not members, to join and be invited
	seedOwner = "seed-owner"
)

func benchLarge(ctx context.Context, cfg benchConfig, lf largeFlags, stdout, stderr io.Writer) error {
	switch {
	case cfg.members < 1000:
		return fmt.Errorf("bench large: --members must be at least 1,000, got %d", cfg.members)
	case lf.online > cfg.members-1 || lf.active > lf.online:
		return fmt.Errorf("bench large: --online must be below --members and --active at most --online")
	case lf.iterations < 10:
		return fmt.Errorf("bench large: --iterations must be at least 10")
	}
	r := &largeRun{cfg: cfg, lf: lf, store: "sqlite", hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	extra := []string{"--send-queue", "65536"}
	if cfg.postgres != "" {
		_, nodeURL, drop, err := benchSchema(ctx, cfg.postgres)
		if err != nil {
			return err
		}
		defer drop()
		r.store, r.pgURL = "postgres", nodeURL
		extra = append(extra, "--postgres", nodeURL)
	}
	srv, tgt, err := startProcTarget(cfg.sync, extra, stderr)
	if err != nil {
		return err
	}
	defer srv.remove()
	r.srv, r.tgt = srv, tgt
	if r.store == "postgres" {
		tgt.name, tgt.durability = "separate process, PostgreSQL", "PostgreSQL synchronous commit"
	}
	if err := r.seed(ctx, stderr); err != nil {
		return err
	}
	if r.owner, err = tgt.client(tgt.url, seedOwner, r.hc); err != nil {
		return err
	}
	for _, phase := range strings.Split(lf.phases, ",") {
		var res any
		switch strings.TrimSpace(phase) {
		case "api":
			res, err = r.api(ctx, stderr)
		case "online":
			res, err = r.online(ctx, stderr)
		case "dismiss":
			res, err = r.dismiss(ctx, stderr)
		default:
			return fmt.Errorf("bench large: unknown phase %q (api, online, dismiss)", phase)
		}
		if err != nil {
			return fmt.Errorf("bench large: %s: %w", phase, err)
		}
		if err := writeJSONLine(stdout, res); err != nil {
			return err
		}
	}
	return nil
}

// seed stops the server, sets the app's limits for the run, seeds the two
// communities and the extra users straight into its store, and starts it
// again.
func (r *largeRun) seed(ctx context.Context, stderr io.Writer) error {
	r.srv.stop()
	var st plaza.Store
	var err error
	if r.store == "postgres" {
		st, err = postgres.Open(ctx, r.pgURL, postgres.Options{MaxConns: 2})
	} else {
		st, err = sqlite.Open(ctx, filepath.Join(r.srv.dir, "plaza.db"), sqlite.Options{Sync: sqlite.SyncNormal, Readers: 2})
	}
	if err != nil {
		return err
	}
	defer st.Close()
	svc := plaza.NewService(plaza.Options{Store: st})
	// Unlimited members, senders without rate limits, and metering only: a
	// message to a million members counts a million downstream messages.
	spec := `{"membersPerCommunity":0,"sendIntervalMillis":0,"sendsPerSecond":10000,"meteringOnly":true}`
	if _, err := svc.SetAppSpec(ctx, plaza.SetAppSpecRequest{AppID: r.tgt.appID, Spec: json.RawMessage(spec)}); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "bench: seeding %d members into %s\n", r.cfg.members, r.store)
	start := time.Now()
	res, err := seedCommunity(ctx, st, seedOptions{appID: r.tgt.appID, communityID: largeID, members: r.cfg.members,
		owner: seedOwner, prefix: largeUser, muted: r.lf.muted}, stderr)
	if err != nil {
		return err
	}
	r.seedSec = math.Round(time.Since(start).Seconds()*10) / 10
	if _, err := seedCommunity(ctx, st, seedOptions{appID: r.tgt.appID, communityID: smallID, members: 10,
		owner: seedOwner, prefix: largeUser}, stderr); err != nil {
		return err
	}
	// For each community, users to invite, a hundred per call (warm-up
	// calls included), then users to join, one per call.
	extras := make([]string, 2*(r.lf.iterations+5)*101)
	for i := range extras {
		extras[i] = fmt.Sprintf("%s%06d", extraUser, i)
	}
	if err := st.Update(ctx, func(tx plaza.Tx) error {
		_, err := tx.EnsureUsers(ctx, r.tgt.appID, extras, time.Now().UnixMilli())
		return err
	}); err != nil {
		return err
	}
	if err := analyzeSeeded(ctx, st); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "bench: seeded %d members in %.1f s (%d added)\n", res.Members, r.seedSec, res.Added)
	if r.large, err = st.Community(ctx, r.tgt.appID, largeID); err != nil {
		return err
	}
	// Cursors into the list: the members at the start, middle and end, and
	// every muted member.
	for _, i := range []int{0, r.cfg.members / 2, r.cfg.members - 102} {
		m, err := st.Member(ctx, r.large.PK, fmt.Sprintf("%s%07d", largeUser, i))
		if err != nil {
			return err
		}
		r.keys = append(r.keys, m.PK)
	}
	var after plaza.Cursor
	for {
		page, err := st.MutedMemberList(ctx, r.large.PK, 0, time.Now().UnixMilli(), after, 1000)
		if err != nil {
			return err
		}
		for _, m := range page {
			r.muted = append(r.muted, m.PK)
		}
		if len(page) < 1000 {
			break
		}
		after = plaza.Cursor{Valid: true, K1: int64(plaza.RoleMember), K2: page[len(page)-1].PK}
	}
	return r.srv.start()
}

// analyzeSeeded gathers PostgreSQL's planner statistics of the tables a
// seed filled, as autovacuum would within a minute or so of a bulk load.
func analyzeSeeded(ctx context.Context, st plaza.Store) error {
	if pg, ok := st.(*postgres.Store); ok {
		_, err := pg.Pool().Exec(ctx, `ANALYZE users, members, channel_states, member_mutes`)
		return err
	}
	return nil
}

// opFigures are the latencies of one measured operation.
type opFigures struct {
	Op     string  `json:"op"`
	Calls  int     `json:"calls"`
	Errors int     `json:"errors"`
	Rows   int     `json:"rows,omitempty"` // of the last call, for lists
	P50Ms  float64 `json:"p50Ms"`
	P99Ms  float64 `json:"p99Ms"`
	MaxMs  float64 `json:"maxMs"`
}

// largeAPIResult is the JSON line of the api phase.
type largeAPIResult struct {
	Scenario    string      `json:"scenario"`
	Phase       string      `json:"phase"`
	Time        string      `json:"time"`
	Machine     machine     `json:"machine"`
	Server      string      `json:"server"`
	Durability  string      `json:"durability"`
	Members     int         `json:"members"`
	Muted       int         `json:"muted"`
	SeedSeconds float64     `json:"seedSeconds"`
	Iterations  int         `json:"iterations"`
	Ops         []opFigures `json:"ops"`
	// SendRatioP50 and SendRatioP99 compare sends into the large community
	// with sends into the 10-member one, made in turn.
	SendRatioP50 float64 `json:"sendRatioP50"`
	SendRatioP99 float64 `json:"sendRatioP99"`
	// Worst is the highest p99 among the calls with a 20 ms target (every
	// op but the sends).
	WorstP99Ms float64 `json:"worstP99Ms"`
}

// timed calls f n times, one after another, after a few unmeasured calls,
// and returns its figures; f returns the rows it read.
func timed(op string, n int, f func(i int) (int, error)) opFigures {
	fig := opFigures{Op: op}
	for i := range 5 {
		f(n + i) // warm up
	}
	ds := make([]time.Duration, 0, n)
	for i := range n {
		t0 := time.Now()
		rows, err := f(i)
		ds = append(ds, time.Since(t0))
		fig.Calls++
		if err != nil {
			fig.Errors++
			continue
		}
		fig.Rows = rows
	}
	slices.Sort(ds)
	q := func(p float64) float64 {
		return round2(float64(ds[max(0, int(math.Ceil(p*float64(len(ds))))-1)].Microseconds()) / 1000)
	}
	fig.P50Ms, fig.P99Ms, fig.MaxMs = q(0.5), q(0.99), q(1)
	return fig
}

// api measures, one call after another, what could cost more in a large
// community.
func (r *largeRun) api(ctx context.Context, stderr io.Writer) (*largeAPIResult, error) {
	n := r.lf.iterations
	res := &largeAPIResult{Scenario: "large", Phase: "api", Time: time.Now().UTC().Format(time.RFC3339), Machine: thisMachine(),
		Server: r.tgt.name, Durability: r.tgt.durability, Members: r.cfg.members, Muted: len(r.muted), SeedSeconds: r.seedSec, Iterations: n}
	fmt.Fprintf(stderr, "bench: api phase, %d calls each\n", n)
	owner := r.owner
	list := func(cursor plaza.Cursor, muted bool) func(int) (int, error) {
		return func(int) (int, error) {
			page, err := owner.QueryCommunityMemberList(ctx, plaza.QueryCommunityMemberListRequest{CommunityID: largeID,
				IsMutedMember: muted, PageRequest: plaza.PageRequest{Count: 100, NextFlag: cursor.String()}})
			return len(page.MemberList), err
		}
	}
	at := func(pk int64) plaza.Cursor { return plaza.Cursor{Valid: true, K1: int64(plaza.RoleMember), K2: pk} }
	res.Ops = append(res.Ops,
		timed("queryCommunityMemberList first page", n, list(plaza.Cursor{}, false)),
		timed("queryCommunityMemberList middle page", n, list(at(r.keys[1]), false)),
		timed("queryCommunityMemberList last page", n, list(at(r.keys[2]), false)))
	if m := len(r.muted); m > 0 {
		res.Ops = append(res.Ops,
			timed("queryCommunityMemberList muted, first page", n, list(plaza.Cursor{}, true)),
			timed("queryCommunityMemberList muted, middle page", n, list(at(r.muted[m/2]), true)),
			timed("queryCommunityMemberList muted, last page", n, list(at(r.muted[max(0, m-51)]), true)))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	// The calls that change or read members by ID, in the large community
	// and, for comparison, in the 10-member one, each with users of its own.
	for k, community := range []string{largeID, smallID} {
		ops, err := r.memberOps(ctx, community, k, rng)
		if err != nil {
			return nil, err
		}
		for _, op := range ops {
			if community == smallID {
				op.Op += ", 10-member community"
			}
			res.Ops = append(res.Ops, op)
		}
	}
	for _, op := range res.Ops {
		if !strings.Contains(op.Op, "10-member") {
			res.WorstP99Ms = max(res.WorstP99Ms, op.P99Ms)
		}
		if op.Errors > 0 {
			fmt.Fprintf(stderr, "bench: %s: %d errors\n", op.Op, op.Errors)
		}
	}

	// Sends, in turn into the 10-member community and the large one.
	var small, large []time.Duration
	send := func(community string) (time.Duration, error) {
		t0 := time.Now()
		_, err := owner.SendMessage(ctx, plaza.SendMessageRequest{CommunityID: community, ChannelID: plaza.GeneralChannelID,
			Message: plaza.MessageContent{Type: plaza.MessageText, Message: "a message of a typical length, say sixty characters"}})
		return time.Since(t0), err
	}
	for i := range 2*n + 10 {
		for _, c := range []string{smallID, largeID} {
			d, err := send(c)
			if err != nil {
				return nil, fmt.Errorf("send: %w", err)
			}
			if i < 10 {
				continue
			}
			if c == smallID {
				small = append(small, d)
			} else {
				large = append(large, d)
			}
		}
	}
	figs := func(op string, ds []time.Duration) opFigures {
		slices.Sort(ds)
		q := func(p float64) float64 {
			return round2(float64(ds[max(0, int(math.Ceil(p*float64(len(ds))))-1)].Microseconds()) / 1000)
		}
		return opFigures{Op: op, Calls: len(ds), P50Ms: q(0.5), P99Ms: q(0.99), MaxMs: q(1)}
	}
	fs, fl := figs("sendMessage, 10 members", small), figs(fmt.Sprintf("sendMessage, %d members", r.large.CurrentMemberCount), large)
	res.Ops = append(res.Ops, fs, fl)
	res.SendRatioP50, res.SendRatioP99 = round2(fl.P50Ms/fs.P50Ms), round2(fl.P99Ms/fs.P99Ms)
	return res, nil
}

// memberOps measures queryCommunityMembers of 100 IDs, join and leave,
// invite and kick 100, in one community, with the k-th pool of extra users.
func (r *largeRun) memberOps(ctx context.Context, community string, k int, rng *rand.Rand) ([]opFigures, error) {
	n, owner := r.lf.iterations, r.owner
	base := k * (n + 5) * 101
	var ops []opFigures
	ops = append(ops, timed("queryCommunityMembers, 100 IDs", n, func(int) (int, error) {
		ids := make([]string, 100)
		for i := range ids {
			ids[i] = fmt.Sprintf("%s%07d", largeUser, rng.IntN(r.cfg.members-1))
		}
		got, err := owner.QueryCommunityMembers(ctx, plaza.UserIDsRequest{CommunityID: community, UserIDs: ids})
		return len(got.MemberList), err
	}))
	// Join then leave, each user once; invite then kick 100 users, each
	// hundred once. Warm-up calls take users past the measured ones.
	joiners := make([]*client.Client, n+5)
	for i := range joiners {
		c, err := r.tgt.client(r.tgt.url, fmt.Sprintf("%s%06d", extraUser, base+(n+5)*100+i), r.hc)
		if err != nil {
			return nil, err
		}
		joiners[i] = c
	}
	ops = append(ops, timed("joinCommunity", n, func(i int) (int, error) {
		_, err := joiners[i].JoinCommunity(ctx, plaza.CommunityRequest{CommunityID: community})
		return 0, err
	}))
	ops = append(ops, timed("leaveCommunity", n, func(i int) (int, error) {
		_, err := joiners[i].LeaveCommunity(ctx, plaza.CommunityRequest{CommunityID: community})
		return 0, err
	}))
	hundred := func(i int) []string {
		ids := make([]string, 100)
		for j := range ids {
			ids[j] = fmt.Sprintf("%s%06d", extraUser, base+i*100+j)
		}
		return ids
	}
	ops = append(ops, timed("inviteUsersIntoCommunity, 100 users", n, func(i int) (int, error) {
		got, err := owner.InviteUsersIntoCommunity(ctx, plaza.UserIDsRequest{CommunityID: community, UserIDs: hundred(i)})
		if err == nil && len(got.ErrorUserList) > 0 {
			err = fmt.Errorf("%d users not invited: %+v", len(got.ErrorUserList), got.ErrorUserList[0])
		}
		return 100, err
	}))
	ops = append(ops, timed("kickCommunityMembers, 100 users", n, func(i int) (int, error) {
		got, err := owner.KickCommunityMembers(ctx, plaza.UserIDsRequest{CommunityID: community, UserIDs: hundred(i)})
		if err == nil && len(got.ErrorUserList) > 0 {
			err = fmt.Errorf("%d users not kicked: %+v", len(got.ErrorUserList), got.ErrorUserList[0])
		}
		return 100, err
	}))
	return ops, nil
}

// largeOnlineResult is the JSON line of the online phase.
type largeOnlineResult struct {
	Scenario       string  `json:"scenario"`
	Phase          string  `json:"phase"`
	Time           string  `json:"time"`
	Machine        machine `json:"machine"`
	Server         string  `json:"server"`
	Members        int     `json:"members"`
	Online         int     `json:"online"`
	Active         int     `json:"active"`
	Rate           float64 `json:"rate"`
	Duration       string  `json:"duration"`
	ConnectSeconds float64 `json:"connectSeconds"`
	ConnectErrors  int64   `json:"connectErrors"`
	sendFigures
	// PassiveMessages counts messages delivered in full to passive
	// sessions: 0, unless a message mentions them.
	PassiveMessages int64 `json:"passiveMessages"`
	// Channel heads: frames the passive sessions got, the sessions that
	// got none, the server's interval, and the intervals between two heads
	// of one session.
	HeadsFrames          int64   `json:"headsFrames"`
	PassiveWithoutHeads  int     `json:"passiveWithoutHeads"`
	HeadsIntervalMs      float64 `json:"headsIntervalMs"`
	HeadsGapMinMs        float64 `json:"headsGapMinMs"`
	HeadsGapP50Ms        float64 `json:"headsGapP50Ms"`
	HeadsGapP99Ms        float64 `json:"headsGapP99Ms"`
	HeadsGapMaxMs        float64 `json:"headsGapMaxMs"`
	HeadsIntervalHeld    bool    `json:"headsIntervalHeld"`
	ServerCPUSeconds     float64 `json:"serverCPUSeconds"`
	ServerCPUPercent     float64 `json:"serverCPUPercent"`
	ServerRSSBase        int64   `json:"serverRSSBaseBytes"`   // before any session, after a collection
	ServerRSSOnline      int64   `json:"serverRSSOnlineBytes"` // with the sessions, after a collection
	ServerRSSMax         int64   `json:"serverRSSMaxBytes"`    // the most seen while sending
	ServerHeapInuseBase  int64   `json:"serverHeapInuseBaseBytes"`
	ServerHeapInuse      int64   `json:"serverHeapInuseBytes"` // with the sessions, after a collection
	ServerGoroutines     int     `json:"serverGoroutines"`
	ServerRSSPerSession  float64 `json:"serverRSSPerSessionBytes"`
	ServerHeapPerSession float64 `json:"serverHeapPerSessionBytes"`
	// StagesMs is where the server's events waited while sending
	// (gateway.Stages); Overflows and Resyncs count, over the same time, the
	// sessions it closed for a full queue and the resumes it answered with
	// resync; Reconnects the sessions' reconnections, as the SDK counts them.
	StagesMs   *stageFigures `json:"stagesMs,omitempty"`
	Overflows  int64         `json:"overflows"`
	Resyncs    int64         `json:"resyncs"`
	Reconnects int           `json:"reconnects"`
	// BenchCPUSeconds is the load generator's CPU time over the same
	// window: it shares the machine with the server.
	BenchCPUSeconds float64 `json:"benchCPUSeconds"`
}

// selfCPU returns the CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// memSample reads the server's RSS and in-use heap after two collections.
func (r *largeRun) memSample(ctx context.Context) (rss, heap int64, err error) {
	for range 2 {
		if err := r.srv.gc(ctx); err != nil {
			return 0, 0, err
		}
	}
	time.Sleep(time.Second)
	if rss, err = r.srv.rss(); err != nil {
		return 0, 0, err
	}
	heap, _, err = r.srv.memStats(ctx)
	return rss, heap, err
}

// online puts members of the large community online, a few active, and
// sends into it.
func (r *largeRun) online(ctx context.Context, stderr io.Writer) (*largeOnlineResult, error) {
	lf, cfg := r.lf, r.cfg
	res := &largeOnlineResult{Scenario: "large", Phase: "online", Time: time.Now().UTC().Format(time.RFC3339), Machine: thisMachine(),
		Server: r.tgt.name, Members: cfg.members, Online: lf.online, Active: lf.active, Rate: cfg.rate, Duration: cfg.duration.String(),
		HeadsIntervalMs: float64(gateway.DefaultHeadsInterval.Milliseconds())}
	var err error
	if res.ServerRSSBase, res.ServerHeapInuseBase, err = r.memSample(ctx); err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "bench: connecting %d members of the large community, %d of them active\n", lf.online, lf.active)
	conns := make([]*client.Conn, lf.online)
	var connStats client.ConnStats
	var connectErrs atomic.Int64
	start := time.Now()
	err = forEach(ctx, lf.online, 64, func(i int) error {
		c, err := r.tgt.client(r.tgt.url, fmt.Sprintf("%s%07d", largeUser, i), r.hc)
		if err != nil {
			return err
		}
		for attempt := 0; ; attempt++ {
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			conns[i], err = c.Connect(cctx, client.WithStats(&connStats))
			cancel()
			if err == nil || attempt == 2 {
				break
			}
			connectErrs.Add(1)
		}
		if err != nil {
			return err
		}
		if i < lf.active {
			return conns[i].SetActiveCommunities(ctx, largeID)
		}
		return nil
	})
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	res.ConnectSeconds, res.ConnectErrors = round2(time.Since(start).Seconds()), connectErrs.Load()
	if res.ServerRSSOnline, res.ServerHeapInuse, err = r.memSample(ctx); err != nil {
		return nil, err
	}
	res.ServerGoroutines, _ = r.srv.goroutines(ctx)
	res.ServerRSSPerSession = math.Round(float64(res.ServerRSSOnline-res.ServerRSSBase) / float64(lf.online))
	res.ServerHeapPerSession = math.Round(float64(res.ServerHeapInuse-res.ServerHeapInuseBase) / float64(lf.online))

	// Receivers: active sessions time each message; passive ones note when
	// their channel heads arrive, and any message they get in full.
	var deliveries, passiveMsgs, heads atomic.Int64
	var lat latencies
	gaps := make([][]time.Duration, lf.online)
	var recv sync.WaitGroup
	for i, c := range conns {
		recv.Go(func() {
			var batch []int32
			var last time.Time
			for e := range c.Events() {
				now := time.Now()
				switch e.Name {
				case plaza.EventMessageReceived:
					ev, ok := decodeBenchEvent(e)
					if !ok || ev.CommunityID != largeID {
						continue
					}
					if i >= lf.active {
						passiveMsgs.Add(int64(len(ev.MessageList)))
						continue
					}
					for _, m := range ev.MessageList {
						if _, sent, ok := parseStamp(m.Message); ok {
							deliveries.Add(1)
							batch = append(batch, int32(min(now.UnixMicro()-sent, math.MaxInt32)))
						}
					}
				case gateway.EventChannelHeadsUpdated:
					heads.Add(1)
					if !last.IsZero() {
						gaps[i] = append(gaps[i], now.Sub(last))
					}
					last = now
				}
			}
			lat.add(batch)
		})
	}

	senders := make([]*client.Client, max(1, int(math.Ceil(cfg.rate/8))))
	for i := range senders {
		// Seeded members beyond the online ones send.
		if senders[i], err = r.tgt.client(r.tgt.url, fmt.Sprintf("%s%07d", largeUser, cfg.members-2-i), r.hc); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(stderr, "bench: sending %.0f/s for %s\n", cfg.rate, cfg.duration)
	cpu0, bench0 := r.tgt.serverCPU(), selfCPU()
	gw0, gwErr := r.srv.gatewayStats(ctx)
	conn0 := connStats.Snapshot()
	var rssMax atomic.Int64
	stopRSS := make(chan struct{})
	var rssDone sync.WaitGroup
	rssDone.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stopRSS:
				return
			case <-t.C:
				if v, err := r.srv.rss(); err == nil && v > rssMax.Load() {
					rssMax.Store(v)
				}
			}
		}
	})
	sent, acked, errs, acks, elapsed := sendAtRate(ctx, senders, largeID, []string{plaza.GeneralChannelID}, cfg.rate, 0, cfg, stderr)
	// Let the last deliveries and one more round of heads arrive.
	for settle := time.Now().Add(15 * time.Second); deliveries.Load() < acked*int64(lf.active) && time.Now().Before(settle); {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(gateway.DefaultHeadsInterval)
	cpu := r.tgt.serverCPU() - cpu0
	res.BenchCPUSeconds = round2((selfCPU() - bench0).Seconds())
	if gw1, err := r.srv.gatewayStats(ctx); err == nil && gwErr == nil {
		res.StagesMs = stagesOver(gw0, gw1)
		res.Overflows, res.Resyncs = gw1.Overflows-gw0.Overflows, gw1.Resynced-gw0.Resynced
	}
	res.Reconnects = connStats.Snapshot().Reconnects - conn0.Reconnects
	close(stopRSS)
	rssDone.Wait()
	res.ServerRSSMax = rssMax.Load()
	for _, c := range conns {
		c.Close()
	}
	recv.Wait()
	conns = nil
	lat.sort()
	res.sendFigures = figures(sent, acked, errs, acks, deliveries.Load(), acked*int64(lf.active), &lat, elapsed)
	res.PassiveMessages, res.HeadsFrames = passiveMsgs.Load(), heads.Load()
	res.ServerCPUSeconds = round2(cpu.Seconds())
	res.ServerCPUPercent = round2(100 * cpu.Seconds() / (elapsed + 5*time.Second).Seconds())
	var all []time.Duration
	for i := lf.active; i < lf.online; i++ {
		if len(gaps[i]) == 0 {
			res.PassiveWithoutHeads++
		}
		all = append(all, gaps[i]...)
	}
	if len(all) > 0 {
		slices.Sort(all)
		ms := func(d time.Duration) float64 { return round2(float64(d.Microseconds()) / 1000) }
		q := func(p float64) time.Duration { return all[max(0, int(math.Ceil(p*float64(len(all))))-1)] }
		res.HeadsGapMinMs, res.HeadsGapP50Ms, res.HeadsGapP99Ms, res.HeadsGapMaxMs = ms(all[0]), ms(q(0.5)), ms(q(0.99)), ms(all[len(all)-1])
		// Held: no session got two heads much closer than the interval (a
		// tenth of it allows for the scheduling of a shared machine).
		res.HeadsIntervalHeld = all[0] >= gateway.DefaultHeadsInterval*9/10
	}
	return res, nil
}

// largeDismissResult is the JSON line of the dismiss phase.
type largeDismissResult struct {
	Scenario string  `json:"scenario"`
	Phase    string  `json:"phase"`
	Time     string  `json:"time"`
	Machine  machine `json:"machine"`
	Server   string  `json:"server"`
	Members  int64   `json:"members"`
	Rate     float64 `json:"rate"`
	// DismissMs is the dismissal's latency; Hidden says that right after
	// it, the owner and a member saw the community in no list and the
	// member list was refused as not found.
	DismissMs float64 `json:"dismissMs"`
	Hidden    bool    `json:"hidden"`
	// PurgeSeconds is how long until no row of the community was left;
	// RowsLeft counts its member rows then (0).
	PurgeSeconds float64 `json:"purgeSeconds"`
	RowsLeft     int64   `json:"rowsLeft"`
	// Sends into the 10-member community before the dismissal and after
	// the purge (idle: as long again as before) and while the purge ran;
	// P99Ratio is the second p99 over the first. LoadBefore, LoadDuring and
	// LoadAfter are the machine's one-minute load average at the end of
	// each window, its neighbours' work included.
	IdleSends     int64   `json:"idleSends"`
	IdleP50Ms     float64 `json:"idleP50Ms"`
	IdleP99Ms     float64 `json:"idleP99Ms"`
	PurgeSends    int64   `json:"purgeSends"`
	PurgeP50Ms    float64 `json:"purgeP50Ms"`
	PurgeP99Ms    float64 `json:"purgeP99Ms"`
	P99Ratio      float64 `json:"p99Ratio"`
	SendErrors    int64   `json:"sendErrors"`
	ServerRSSMax  int64   `json:"serverRSSMaxBytes"`
	ServerCPUSecs float64 `json:"serverCPUSeconds"`
	LoadBefore    float64 `json:"loadBefore"`
	LoadDuring    float64 `json:"loadDuring"`
	LoadAfter     float64 `json:"loadAfter"`
}

// loadAverage returns the machine's one-minute load average (0 where
// /proc/loadavg cannot be read).
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	return f
}

// rowCounter counts what is left of a community in the server's database.
type rowCounter func(ctx context.Context, communityPK int64) (communities, members int64, err error)

// counter opens the server's database beside it, read-only on SQLite.
func (r *largeRun) counter(ctx context.Context) (rowCounter, func(), error) {
	const q = `SELECT (SELECT count(*) FROM communities WHERE id = $1), (SELECT count(*) FROM members WHERE community_pk = $1)`
	if r.store == "postgres" {
		conn, err := pgx.Connect(ctx, r.pgURL)
		if err != nil {
			return nil, nil, err
		}
		return func(ctx context.Context, pk int64) (c, m int64, err error) {
			err = conn.QueryRow(ctx, q, pk).Scan(&c, &m)
			return c, m, err
		}, func() { conn.Close(context.WithoutCancel(ctx)) }, nil
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(r.srv.dir, "plaza.db")+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, nil, err
	}
	return func(ctx context.Context, pk int64) (c, m int64, err error) {
		err = db.QueryRowContext(ctx, strings.ReplaceAll(q, "$1", "?1"), pk).Scan(&c, &m)
		return c, m, err
	}, func() { db.Close() }, nil
}

// dismiss sends into the small community, dismisses the large one while
// it does, and waits for the purge to end.
func (r *largeRun) dismiss(ctx context.Context, stderr io.Writer) (*largeDismissResult, error) {
	res := &largeDismissResult{Scenario: "large", Phase: "dismiss", Time: time.Now().UTC().Format(time.RFC3339), Machine: thisMachine(),
		Server: r.tgt.name, Rate: r.lf.dismissRate}
	info, err := r.owner.QueryCommunityInfo(ctx, plaza.CommunityRequest{CommunityID: largeID})
	if err != nil {
		return nil, err
	}
	res.Members = info.CommunityInfo.CurrentMemberCount
	count, closeCounter, err := r.counter(ctx)
	if err != nil {
		return nil, err
	}
	defer closeCounter()

	// Senders: the small community's members, in turn, at the rate.
	senders := make([]*client.Client, 9)
	for i := range senders {
		if senders[i], err = r.tgt.client(r.tgt.url, fmt.Sprintf("%s%07d", largeUser, i), r.hc); err != nil {
			return nil, err
		}
	}
	type sample struct {
		at time.Time
		d  time.Duration
	}
	var mu sync.Mutex
	var samples []sample
	var sendErrs atomic.Int64
	sctx, stopSending := context.WithCancel(ctx)
	var sending sync.WaitGroup
	per := time.Duration(float64(time.Second) * float64(len(senders)) / r.lf.dismissRate)
	for i, s := range senders {
		sending.Go(func() {
			next := time.Now().Add(per * time.Duration(i) / time.Duration(len(senders)))
			for sctx.Err() == nil {
				if d := time.Until(next); d > 0 {
					time.Sleep(d)
				}
				next = next.Add(per)
				t0 := time.Now()
				_, err := s.SendMessage(sctx, plaza.SendMessageRequest{CommunityID: smallID, ChannelID: plaza.GeneralChannelID,
					Message: plaza.MessageContent{Type: plaza.MessageText, Message: "a message while a community goes"}})
				if err != nil {
					if sctx.Err() == nil && sendErrs.Add(1) <= 3 {
						fmt.Fprintln(stderr, "bench: send:", err)
					}
					continue
				}
				mu.Lock()
				samples = append(samples, sample{t0, time.Since(t0)})
				mu.Unlock()
			}
		})
	}
	fmt.Fprintf(stderr, "bench: sending %.0f/s into the small community for %s, then dismissing the large one\n", r.lf.dismissRate, r.lf.idle)
	time.Sleep(r.lf.idle)
	res.LoadBefore = loadAverage()
	cpu0 := r.tgt.serverCPU()
	t0 := time.Now()
	_, err = r.owner.DismissCommunity(ctx, plaza.CommunityRequest{CommunityID: largeID})
	dismissed := time.Now()
	if err != nil {
		stopSending()
		sending.Wait()
		return nil, fmt.Errorf("dismiss: %w", err)
	}
	res.DismissMs = round2(float64(dismissed.Sub(t0).Microseconds()) / 1000)
	res.Hidden = r.hidden(ctx)

	// The purge: until the community's row is gone.
	var rssMax int64
	for {
		c, _, err := count(ctx, r.large.PK)
		if err != nil {
			stopSending()
			sending.Wait()
			return nil, err
		}
		if v, err := r.srv.rss(); err == nil {
			rssMax = max(rssMax, v)
		}
		if c == 0 {
			break
		}
		if time.Since(dismissed) > time.Hour {
			stopSending()
			sending.Wait()
			return nil, errors.New("the purge did not end within an hour")
		}
		time.Sleep(200 * time.Millisecond)
	}
	purged := time.Now()
	res.PurgeSeconds = round2(purged.Sub(dismissed).Seconds())
	res.ServerCPUSecs = round2((r.tgt.serverCPU() - cpu0).Seconds())
	res.ServerRSSMax = rssMax
	res.LoadDuring = loadAverage()
	// Idle again, as long as before: the machine is shared, and a
	// neighbour's load in one window only would pass for the purge's.
	time.Sleep(r.lf.idle)
	res.LoadAfter = loadAverage()
	stopSending()
	sending.Wait()
	if _, res.RowsLeft, err = count(ctx, r.large.PK); err != nil {
		return nil, err
	}
	var idle, during []time.Duration
	for _, s := range samples {
		switch {
		case s.at.Before(t0), s.at.After(purged):
			idle = append(idle, s.d)
		case s.at.After(dismissed) && s.at.Before(purged):
			during = append(during, s.d)
		}
	}
	q := func(ds []time.Duration, p float64) float64 {
		if len(ds) == 0 {
			return 0
		}
		slices.Sort(ds)
		return round2(float64(ds[max(0, int(math.Ceil(p*float64(len(ds))))-1)].Microseconds()) / 1000)
	}
	res.IdleSends, res.PurgeSends, res.SendErrors = int64(len(idle)), int64(len(during)), sendErrs.Load()
	res.IdleP50Ms, res.IdleP99Ms = q(idle, 0.5), q(idle, 0.99)
	res.PurgeP50Ms, res.PurgeP99Ms = q(during, 0.5), q(during, 0.99)
	if res.IdleP99Ms > 0 {
		res.P99Ratio = round2(res.PurgeP99Ms / res.IdleP99Ms)
	}
	return res, nil
}

// hidden reports whether, right after the dismissal, the large community
// shows in neither the owner's nor a member's community list, nor in the
// member's conversations, and its member list is refused as not found.
func (r *largeRun) hidden(ctx context.Context) bool {
	member, err := r.tgt.client(r.tgt.url, largeUser+"0000500", r.hc)
	if err != nil {
		return false
	}
	for _, c := range []*client.Client{r.owner, member} {
		list, err := c.QueryCommunityList(ctx, plaza.QueryCommunityListRequest{})
		if err != nil {
			return false
		}
		for _, x := range list.CommunityList {
			if x.CommunityID == largeID {
				return false
			}
		}
	}
	conv, err := member.QueryConversationList(ctx, plaza.QueryConversationListRequest{})
	if err != nil {
		return false
	}
	for _, cv := range conv.ConversationList {
		if cv.CommunityID == largeID {
			return false
		}
	}
	_, err = r.owner.QueryCommunityMemberList(ctx, plaza.QueryCommunityMemberListRequest{CommunityID: largeID})
	var pe *plaza.Error
	return errors.As(err, &pe) && pe.Code == plaza.ECommunityNotFound
}
