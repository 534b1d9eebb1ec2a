package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/client"
	"github.com/plazahq/plaza/internal/gateway"
)

// scenario is one load scenario of plaza bench.
type scenario struct {
	about string // for the usage text, wrapped at 68 columns
	// ownServer says the scenario always starts its own server (it
	// restarts it, seeds its files or measures its process), so --url does
	// not apply.
	ownServer bool
	// setup registers the scenario's own flags and returns what runs it
	// once they are parsed.
	setup func(fs *flag.FlagSet) func(ctx context.Context, cfg benchConfig, stdout, stderr io.Writer) error
}

// scenarios are plaza bench's scenarios, by name; each lives in its file.
var scenarios = map[string]scenario{
	"fanout": {
		about: "N members of one community online on the gateway, messages sent at\n" +
			"a given rate into its channels: acknowledged sends/s, deliveries/s,\n" +
			"send→receive p50/p99/p999",
		setup: fanoutSetup("fanout", 0),
	},
	"send": {
		about: "fanout with 100 members unless --members says otherwise: the\n" +
			"acknowledged sends/s and ack latency of the store, durability named",
		setup: fanoutSetup("send", 100),
	},
	"cluster": {
		about: "fanout across two nodes on PostgreSQL and NATS: sent through node 1\n" +
			"to members on node 2, after pgbench's single-row insert rate",
		setup: func(*flag.FlagSet) func(context.Context, benchConfig, io.Writer, io.Writer) error {
			return func(ctx context.Context, cfg benchConfig, stdout, stderr io.Writer) error {
				results, err := benchCluster(ctx, cfg, stderr)
				if err != nil {
					return err
				}
				for _, res := range results {
					if err := writeJSONLine(stdout, res); err != nil {
						return err
					}
				}
				return nil
			}
		},
	},
	"history": {
		about: "a channel seeded with --messages (1,000,000) messages: latest page\n" +
			"and paging-back p99 under --rate (500/s) sends, worst one-second p99\n" +
			"window against the median one, over --duration (5m here)",
		ownServer: true,
		setup:     historySetup,
	},
	"idle": {
		about: "idle gateway sessions, in steps, in --communities communities, on a\n" +
			"server in a child process: its RSS, CPU and goroutines per session",
		ownServer: true,
		setup:     func(*flag.FlagSet) func(context.Context, benchConfig, io.Writer, io.Writer) error { return benchIdle },
	},
	"churn": {
		about: "--sessions' first count of sessions in groups of 10, each group a\n" +
			"community, each user with a personal one; 50 sends/s per 1,000\n" +
			"sessions, 0.33% reconnecting each second: deliveries/s, p50/p99/p999",
		ownServer: true,
		setup:     churnSetup,
	},
	"slow": {
		about: "fanout at 100/s, then again with a member reading at a tenth of the\n" +
			"rate, a client flooding requests and an oversized frame: the\n" +
			"members' p99 against the first phase, close codes, server RSS",
		ownServer: true,
		setup:     slowSetup,
	},
	"large": {
		about: "a community of --members (1,000,000) seeded into the store: member\n" +
			"list pages, member reads, joins, invites and kicks, sends against a\n" +
			"10-member community; --online sessions, most passive; dismissal",
		ownServer: true,
		setup:     largeSetup,
	},
	"reconnect": {
		about: "sessions tracking their community's channel while owners send; the\n" +
			"server restarted gracefully, then killed: time until 99% are back,\n" +
			"resumes and resyncs, and every message's gaps and duplicates",
		ownServer: true,
		setup:     reconnectSetup,
	},
}

// fanoutSetup runs the fanout scenario under name, with defaultMembers
// members unless --members is given (0: the flag's default).
func fanoutSetup(name string, defaultMembers int) func(fs *flag.FlagSet) func(context.Context, benchConfig, io.Writer, io.Writer) error {
	return func(fs *flag.FlagSet) func(context.Context, benchConfig, io.Writer, io.Writer) error {
		return func(ctx context.Context, cfg benchConfig, stdout, stderr io.Writer) error {
			if defaultMembers > 0 && !flagSet(fs, "members") {
				cfg.members = defaultMembers
			}
			tgt, err := startTarget(ctx, cfg, stderr)
			if err != nil {
				return err
			}
			defer tgt.stop()
			results, err := benchFanout(ctx, cfg, tgt, stderr)
			if err != nil {
				return err
			}
			for _, res := range results {
				res.Scenario = name
				if err := writeJSONLine(stdout, res); err != nil {
					return err
				}
			}
			return nil
		}
	}
}

// benchUsage lists the scenarios.
func benchUsage() string {
	var b strings.Builder
	b.WriteString("Usage: plaza bench SCENARIO [flags]\n\nScenarios:\n")
	names := make([]string, 0, len(scenarios))
	for n := range scenarios {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		for i, line := range strings.Split(scenarios[n].about, "\n") {
			if i == 0 {
				fmt.Fprintf(&b, "  %-10s %s\n", n, line)
			} else {
				fmt.Fprintf(&b, "  %-10s %s\n", "", line)
			}
		}
	}
	b.WriteString("\nEvery scenario prints one JSON line per result; plaza bench SCENARIO -h\n" +
		"lists its flags. Loopback by default: the servers it starts listen on\n127.0.0.1.\n")
	return b.String()
}

// benchConfig holds the flags every scenario shares.
type benchConfig struct {
	url         string
	postgres    string
	nats        string
	pgbench     int
	steps       string
	communities int
	window      time.Duration
	data        string
	appID       string
	secret      string
	members     int
	channels    int
	rate        float64
	rates       string
	duration    time.Duration
	size        int
	senders     int
	sync        string
	profile     string
	process     bool
}

func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(stderr, benchUsage())
		return errors.New("no scenario given")
	}
	sc, ok := scenarios[args[0]]
	if !ok {
		fmt.Fprint(stderr, benchUsage())
		return fmt.Errorf("unknown scenario %q", args[0])
	}
	var cfg benchConfig
	fs := flag.NewFlagSet("plaza bench "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.url, "url", "", "server to test (default: start one); cluster: the sending and the receiving node, comma-separated")
	fs.StringVar(&cfg.postgres, "postgres", "", "cluster without --url: PostgreSQL URL; the nodes get a new schema in it, dropped at the end")
	fs.StringVar(&cfg.nats, "nats", "nats://127.0.0.1:4222", "cluster without --url: NATS URL(s) of the nodes")
	fs.IntVar(&cfg.pgbench, "pgbench-clients", 16, "cluster: pgbench's concurrent clients for the reference insert rate (0: skip it)")
	fs.StringVar(&cfg.data, "data", "plaza-data", "with --url: data directory whose dev-app.json names the app")
	fs.StringVar(&cfg.appID, "app", "", "with --url: app ID (instead of dev-app.json)")
	fs.StringVar(&cfg.secret, "secret", "", "with --app: the app's server secret")
	fs.IntVar(&cfg.members, "members", 1000, "members online in the community, each seeing every channel")
	fs.IntVar(&cfg.channels, "channels", 1, "public channels the senders take turns in")
	fs.Float64Var(&cfg.rate, "rate", 1000, "messages sent per second")
	fs.StringVar(&cfg.rates, "rates", "", "fanout, send, cluster: send rates to step through, comma-separated, a result line each (instead of --rate)")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long to send")
	fs.IntVar(&cfg.size, "size", 128, "message text size in bytes")
	fs.IntVar(&cfg.senders, "senders", 0, "sending users (default: enough for the rate within the default limits of 10/s per user)")
	fs.StringVar(&cfg.sync, "sqlite-sync", "full", "the started server's --sqlite-sync")
	fs.StringVar(&cfg.profile, "cpuprofile", "", "write a CPU profile of this process to the file")
	fs.BoolVar(&cfg.process, "server-process", false, "start the server as a child process, not in this one (needed past about 9,000 sessions: a process may open about 20,000 files)")
	fs.StringVar(&cfg.steps, "sessions", "10000,15000", "session counts, comma-separated and increasing where a scenario takes steps")
	fs.IntVar(&cfg.communities, "communities", 1000, "communities the sessions' users are members of")
	fs.DurationVar(&cfg.window, "window", 35*time.Second, "idle: how long CPU use is measured at each step (at least a heartbeat interval, 30s)")
	runScenario := sc.setup(fs)
	if err := parseFlags(fs, args[1:], getenv); err != nil {
		return err
	}
	if sc.ownServer && cfg.url != "" {
		return fmt.Errorf("bench %s starts its own server: --url does not apply", args[0])
	}
	if cfg.rates != "" {
		if _, err := parseRates(cfg.rates); err != nil {
			return err
		}
	}
	if cfg.senders <= 0 {
		cfg.senders = max(1, int(math.Ceil(slices.Max(cfg.rateSteps())/8)))
	}
	if cfg.profile != "" {
		f, err := os.Create(cfg.profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	return runScenario(ctx, cfg, stdout, stderr)
}

// rateSteps returns the send rates to step through: --rates, or --rate.
func (c benchConfig) rateSteps() []float64 {
	if rates, err := parseRates(c.rates); err == nil && len(rates) > 0 {
		return rates
	}
	return []float64{c.rate}
}

// parseRates reads a comma-separated list of positive rates.
func parseRates(s string) ([]float64, error) {
	if s == "" {
		return nil, nil
	}
	var out []float64
	for _, f := range strings.Split(s, ",") {
		r, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || r <= 0 {
			return nil, fmt.Errorf("bench: --rates wants positive rates like 100,500,1000, got %q", s)
		}
		out = append(out, r)
	}
	return out, nil
}

// durability describes what an acknowledged send survives with SQLite's
// synchronous setting.
func durability(sync string) string {
	if sync == "normal" {
		return "SQLite synchronous=NORMAL: survives a crash of the process, not a power loss"
	}
	return "SQLite synchronous=FULL: on disk before the ack"
}

// flagSet reports whether a flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// writeJSONLine prints one result.
func writeJSONLine(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }

// machine describes where a benchmark ran.
type machine struct {
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpuModel"`
	OS        string `json:"os"`
	GoVersion string `json:"goVersion"`
}

func thisMachine() machine {
	m := machine{CPUs: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, GoVersion: runtime.Version()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	return m
}

// target is the server a benchmark talks to, and how to mint its tokens.
// Members connect to recvURL, which is url unless the scenario spans nodes.
type target struct {
	url, recvURL, appID, secret string
	name                        string   // for the result line
	durability                  string   // when an ack means the message is stored, if known
	proc                        *proc    // the server's child process, if the benchmark started one
	nodes                       []*proc  // the cluster's nodes, if the benchmark started them
	cpu                         cpuParts // the CPU time of the run's parts, when the scenario reads them
	stop                        func()
}

// startTarget connects to --url, or starts a server in this process or, with
// --server-process, in a child process.
func startTarget(ctx context.Context, cfg benchConfig, stderr io.Writer) (*target, error) {
	if cfg.url == "" && cfg.process {
		_, t, err := startProcTarget(cfg.sync, []string{"--send-queue", "65536"}, stderr)
		return t, err
	}
	if cfg.url != "" {
		url := strings.TrimSuffix(cfg.url, "/")
		t := &target{url: url, recvURL: url, name: url, appID: cfg.appID, secret: cfg.secret, stop: func() {}}
		if t.appID == "" {
			d, err := readDevApp(cfg.data)
			if err != nil {
				return nil, fmt.Errorf("bench: --url without --app: %w", err)
			}
			t.appID, t.secret = d.AppID, d.ServerSecret
		}
		return t, nil
	}
	dir, err := os.MkdirTemp("", "plaza-bench-")
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	out := &addrWriter{found: make(chan string, 1)}
	done := make(chan error, 1)
	go func() {
		done <- runServe(sctx, []string{"--addr", "127.0.0.1:0", "--data", dir, "--log-level", "error",
			"--sqlite-sync", cfg.sync, "--send-queue", "65536", "--address-identify-rate", "-1"}, func(string) string { return "" }, out, stderr)
	}()
	var addr string
	select {
	case addr = <-out.found:
	case err := <-done:
		cancel()
		return nil, fmt.Errorf("bench: server: %w", err)
	case <-time.After(30 * time.Second):
		cancel()
		return nil, errors.New("bench: server did not start")
	}
	d, err := readDevApp(dir)
	if err != nil {
		cancel()
		<-done
		return nil, err
	}
	return &target{url: addr, recvURL: addr, name: "embedded (in this process)", durability: durability(cfg.sync),
		appID: d.AppID, secret: d.ServerSecret, stop: func() {
			cancel()
			<-done
			os.RemoveAll(dir)
		}}, nil
}

// addrWriter watches the server's output for its address.
type addrWriter struct {
	mu    sync.Mutex
	buf   string
	found chan string
}

func (w *addrWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf += string(p)
	if i := strings.Index(w.buf, "listening on http://"); i >= 0 {
		if j := strings.IndexByte(w.buf[i:], '\n'); j > 0 {
			select {
			case w.found <- strings.TrimSpace(w.buf[i+len("listening on ") : i+j]):
			default:
			}
		}
	}
	return len(p), nil
}

// serverCPU returns the CPU time the server's process has used, if the
// benchmark started it as a child process (0 otherwise).
func (t *target) serverCPU() time.Duration {
	if t.proc == nil {
		return 0
	}
	d, _ := t.proc.cpu()
	return d
}

// client returns a client of userID talking to url.
func (t *target) client(url, userID string, hc *http.Client) (*client.Client, error) {
	tok, err := plaza.MintToken(t.secret, t.appID, userID, time.Now(), 24*time.Hour)
	if err != nil {
		return nil, err
	}
	return client.New(url, tok, client.WithHTTPClient(hc)), nil
}

// latencies collects durations in microseconds from many goroutines.
type latencies struct {
	mu sync.Mutex
	us []int32
}

func (l *latencies) add(batch []int32) {
	l.mu.Lock()
	l.us = append(l.us, batch...)
	l.mu.Unlock()
}

// quantile returns the q-quantile in milliseconds.
func (l *latencies) quantile(q float64) float64 {
	if len(l.us) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(l.us)))) - 1
	return float64(l.us[max(i, 0)]) / 1000
}

func (l *latencies) sort() { slices.Sort(l.us) }

// fanoutResult is the JSON line of the fanout scenario.
type fanoutResult struct {
	Scenario   string  `json:"scenario"`
	Time       string  `json:"time"`
	Machine    machine `json:"machine"`
	Server     string  `json:"server"`
	Durability string  `json:"durability,omitempty"`
	Members    int     `json:"members"`
	Channels   int     `json:"channels"`
	Senders    int     `json:"senders"`
	Rate       float64 `json:"rate"`
	Size       int     `json:"size"`
	Duration   string  `json:"duration"`
	sendFigures
	// With the server in a child process: the CPU time it used over the
	// step (sending and settling), and the deliveries per second of it,
	// which is the server's throughput per core whatever the load
	// generator beside it costs.
	ServerCPUSeconds             float64 `json:"serverCPUSeconds,omitempty"`
	DeliveriesPerServerCPUSecond float64 `json:"deliveriesPerServerCPUSecond,omitempty"`
	// StagesMs is where the step's events waited in the server (child
	// process only): p50 and p99 of each stage (gateway.Stages).
	StagesMs *stageFigures `json:"stagesMs,omitempty"`
	// CPUPerSendUs is, where the scenario reads it (cluster), the CPU time
	// each part of the run used over the step (sending and settling) per
	// acknowledged send, in microseconds; "machine" is every CPU of the
	// machine, whatever it ran, and MachineBusyCores the same as cores.
	CPUPerSendUs     map[string]float64 `json:"cpuPerSendUs,omitempty"`
	MachineBusyCores float64            `json:"machineBusyCores,omitempty"`
}

// stageFigures are the p50 and p99, in milliseconds, of the stages of
// delivery in the server over one step.
type stageFigures struct {
	BusP50   float64 `json:"busP50"`
	BusP99   float64 `json:"busP99"`
	QueueP50 float64 `json:"queueP50"`
	QueueP99 float64 `json:"queueP99"`
	WriteP50 float64 `json:"writeP50"`
	WriteP99 float64 `json:"writeP99"`
}

// stagesOver returns the stage figures between two snapshots of the
// server's gateway counters.
func stagesOver(a, b gateway.Stats) *stageFigures {
	ms := func(h gateway.Histogram, q float64) float64 {
		return round2(float64(h.Quantile(q).Microseconds()) / 1000)
	}
	bus, queue, write := b.Stages.Bus.Since(a.Stages.Bus), b.Stages.Queue.Since(a.Stages.Queue), b.Stages.Write.Since(a.Stages.Write)
	return &stageFigures{
		BusP50: ms(bus, 0.5), BusP99: ms(bus, 0.99),
		QueueP50: ms(queue, 0.5), QueueP99: ms(queue, 0.99),
		WriteP50: ms(write, 0.5), WriteP99: ms(write, 0.99),
	}
}

// sendFigures are the counts and latencies of a sending phase, shared by
// the scenarios that send: acknowledged sends and their latency, and
// deliveries to members and their send→receive latency.
type sendFigures struct {
	Sent               int64   `json:"sent"`
	Acked              int64   `json:"acked"`
	Errors             int64   `json:"errors"`
	AckedPerSec        float64 `json:"ackedPerSec"`
	AckP50Ms           float64 `json:"ackP50Ms"`
	AckP99Ms           float64 `json:"ackP99Ms"`
	Deliveries         int64   `json:"deliveries"`
	ExpectedDeliveries int64   `json:"expectedDeliveries"`
	DeliveriesPerSec   float64 `json:"deliveriesPerSec"`
	P50Ms              float64 `json:"p50Ms"`
	P99Ms              float64 `json:"p99Ms"`
	P999Ms             float64 `json:"p999Ms"`
}

// figures makes a phase's sendFigures; acks and lat must be sorted (lat may
// be nil when deliveries are timed later).
func figures(sent, acked, errs int64, acks *latencies, deliveries, expected int64, lat *latencies, elapsed time.Duration) sendFigures {
	f := sendFigures{Sent: sent, Acked: acked, Errors: errs,
		AckedPerSec: math.Round(float64(acked)/elapsed.Seconds()*10) / 10,
		AckP50Ms:    acks.quantile(0.50), AckP99Ms: acks.quantile(0.99),
		Deliveries: deliveries, ExpectedDeliveries: expected,
		DeliveriesPerSec: math.Round(float64(deliveries) / elapsed.Seconds())}
	if lat != nil {
		f.P50Ms, f.P99Ms, f.P999Ms = lat.quantile(0.50), lat.quantile(0.99), lat.quantile(0.999)
	}
	return f
}

// benchFanout puts members online in one channel and sends into it at a
// fixed rate, measuring acknowledgements and deliveries.
func benchFanout(ctx context.Context, cfg benchConfig, tgt *target, stderr io.Writer) ([]*fanoutResult, error) {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.senders + 8}}
	run := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	community := "bench-" + run
	owner, err := tgt.client(tgt.url, "bench-owner-"+run, hc)
	if err != nil {
		return nil, err
	}
	if _, err := owner.CreateCommunity(ctx, plaza.CreateCommunityRequest{CommunityID: community, CommunityName: "bench"}); err != nil {
		return nil, fmt.Errorf("bench: create community: %w", err)
	}
	channels := make([]string, max(cfg.channels, 1))
	for i := range channels {
		channels[i] = fmt.Sprintf("fanout-%d", i)
		if _, err := owner.CreateCommunityChannel(ctx, plaza.CreateCommunityChannelRequest{CommunityID: community, ChannelID: channels[i]}); err != nil {
			return nil, fmt.Errorf("bench: create channel: %w", err)
		}
	}

	// Members connect (which makes them exist), then are invited.
	fmt.Fprintf(stderr, "bench: connecting %d members\n", cfg.members)
	conns := make([]*client.Conn, cfg.members)
	connectErr := forEach(ctx, len(conns), 64, func(i int) error {
		c, err := tgt.client(tgt.recvURL, fmt.Sprintf("bench-m%05d-%s", i, run), hc)
		if err != nil {
			return err
		}
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		conns[i], err = c.Connect(cctx)
		return err
	})
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	if connectErr != nil {
		return nil, fmt.Errorf("bench: connect: %w", connectErr)
	}
	senders := make([]*client.Client, cfg.senders)
	ids := make([]string, 0, cfg.members+cfg.senders)
	for i := range conns {
		ids = append(ids, fmt.Sprintf("bench-m%05d-%s", i, run))
	}
	for i := range senders {
		id := fmt.Sprintf("bench-s%04d-%s", i, run)
		if senders[i], err = tgt.client(tgt.url, id, hc); err != nil {
			return nil, err
		}
		if _, err := senders[i].QueryCommunityList(ctx, plaza.QueryCommunityListRequest{}); err != nil {
			return nil, fmt.Errorf("bench: sender: %w", err)
		}
		ids = append(ids, id)
	}
	for start := 0; start < len(ids); start += 100 {
		batch := ids[start:min(start+100, len(ids))]
		if _, err := owner.InviteUsersIntoCommunity(ctx, plaza.UserIDsRequest{CommunityID: community, UserIDs: batch}); err != nil {
			return nil, fmt.Errorf("bench: invite: %w", err)
		}
	}
	// Members are looking at the channel: in a community past the passive
	// threshold only sessions that made it active get every message.
	if err := forEach(ctx, len(conns), 64, func(i int) error { return conns[i].SetActiveCommunities(ctx, community) }); err != nil {
		return nil, fmt.Errorf("bench: set active: %w", err)
	}

	// Receivers: every message carries its step and its send time; each
	// member records, per step, the delay until it got it.
	rates := cfg.rateSteps()
	deliveries := make([]atomic.Int64, len(rates))
	lat := make([]latencies, len(rates))
	var recv sync.WaitGroup
	for _, c := range conns {
		recv.Go(func() {
			batches := make([][]int32, len(rates))
			for e := range c.Events() {
				now := time.Now().UnixMicro()
				ev, ok := decodeBenchEvent(e)
				if !ok || !strings.HasPrefix(ev.ChannelID, "fanout-") {
					continue
				}
				for _, m := range ev.MessageList {
					step, sent, ok := parseStamp(m.Message)
					if !ok || step >= len(rates) {
						continue
					}
					deliveries[step].Add(1)
					batches[step] = append(batches[step], int32(min(now-sent, math.MaxInt32)))
				}
			}
			for i, b := range batches {
				lat[i].add(b)
			}
		})
	}

	type stepCounts struct {
		sent, acked, errs int64
		acks              *latencies
		elapsed           time.Duration
		serverCPU         time.Duration // the server process's CPU time over the step, if it is a child
		stages            *stageFigures
		cpu0, cpu1        map[string]time.Duration // the parts' CPU time at the start and end of the step
		cpuElapsed        time.Duration
	}
	steps := make([]stepCounts, len(rates))
	for step, rate := range rates {
		fmt.Fprintf(stderr, "bench: sending %.0f/s for %s from %d senders\n", rate, cfg.duration, cfg.senders)
		st := &steps[step]
		cpu0 := tgt.serverCPU()
		var parts0 map[string]time.Duration
		if tgt.cpu != nil {
			parts0 = tgt.cpu()
		}
		partsFrom := time.Now()
		var gw0 gateway.Stats
		var gwErr error
		if tgt.proc != nil {
			gw0, gwErr = tgt.proc.gatewayStats(ctx)
		}
		st.sent, st.acked, st.errs, st.acks, st.elapsed = sendAtRate(ctx, senders, community, channels, rate, step, cfg, stderr)
		// Let the step's last deliveries arrive before the next one.
		expected := st.acked * int64(cfg.members)
		for settle := time.Now().Add(5 * time.Second); deliveries[step].Load() < expected && time.Now().Before(settle); {
			time.Sleep(20 * time.Millisecond)
		}
		st.serverCPU = tgt.serverCPU() - cpu0
		if tgt.cpu != nil {
			st.cpu0, st.cpu1, st.cpuElapsed = parts0, tgt.cpu(), time.Since(partsFrom)
		}
		if tgt.proc != nil && gwErr == nil {
			if gw1, err := tgt.proc.gatewayStats(ctx); err == nil {
				st.stages = stagesOver(gw0, gw1)
			}
		}
	}
	for _, c := range conns {
		c.Close()
	}
	recv.Wait()
	conns = nil
	out := make([]*fanoutResult, len(rates))
	for i := range steps {
		st := &steps[i]
		lat[i].sort()
		expected := st.acked * int64(cfg.members)
		out[i] = &fanoutResult{
			Scenario:    "fanout",
			Time:        time.Now().UTC().Format(time.RFC3339),
			Machine:     thisMachine(),
			Server:      tgt.name,
			Durability:  tgt.durability,
			Members:     cfg.members,
			Channels:    len(channels),
			Senders:     cfg.senders,
			Rate:        rates[i],
			Size:        cfg.size,
			Duration:    cfg.duration.String(),
			sendFigures: figures(st.sent, st.acked, st.errs, st.acks, deliveries[i].Load(), expected, &lat[i], st.elapsed),
		}
		if st.serverCPU > 0 {
			out[i].ServerCPUSeconds = round2(st.serverCPU.Seconds())
			out[i].DeliveriesPerServerCPUSecond = math.Round(float64(deliveries[i].Load()) / st.serverCPU.Seconds())
		}
		out[i].StagesMs = st.stages
		out[i].CPUPerSendUs, out[i].MachineBusyCores = cpuPerSend(st.cpu0, st.cpu1, st.acked, st.cpuElapsed)
	}
	return out, nil
}

// benchEvent is what the scenarios read of a messageReceived event.
type benchEvent struct {
	CommunityID string `json:"communityID"`
	ChannelID   string `json:"channelID"`
	MessageList []struct {
		MessageSeq int64  `json:"messageSeq"`
		Message    string `json:"message"`
	} `json:"messageList"`
}

// decodeBenchEvent decodes a messageReceived event; ok is false for any
// other event.
func decodeBenchEvent(e client.Event) (ev benchEvent, ok bool) {
	if e.Name != plaza.EventMessageReceived {
		return ev, false
	}
	return ev, json.Unmarshal(e.Data, &ev) == nil
}

// forEach runs f(0) … f(n-1), at most par at once, and returns the first
// error; after one, the calls not yet started are skipped.
func forEach(ctx context.Context, n, par int, f func(i int) error) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	failed := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return first != nil
	}
	sem := make(chan struct{}, par)
	for i := range n {
		if failed() || ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := f(i); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// sendAtRate sends stamped messages (stamp) into community's channels, the
// senders taking turns over them, at rate messages per second in total for
// cfg.duration, and returns the counts and the sorted ack latencies. Each
// sender keeps to the server's limit of one message per 100 ms per user and
// channel.
func sendAtRate(ctx context.Context, senders []*client.Client, community string, channels []string, rate float64, step int,
	cfg benchConfig, stderr io.Writer) (sent, acked, errs int64, acks *latencies, elapsed time.Duration) {
	var nSent, nAcked, nErrs atomic.Int64
	acks = &latencies{}
	pad := strings.Repeat("x", max(0, cfg.size-24))
	per := time.Duration(float64(time.Second) * float64(len(senders)) / rate)
	start := time.Now()
	deadline := start.Add(cfg.duration)
	var wg sync.WaitGroup
	for i, s := range senders {
		wg.Go(func() {
			var batch []int32
			// Spread the senders' ticks over the interval.
			next := start.Add(per * time.Duration(i) / time.Duration(len(senders)))
			for n := 0; ; n++ {
				if d := time.Until(next); d > 0 {
					time.Sleep(d)
				}
				if time.Now().After(deadline) || ctx.Err() != nil {
					break
				}
				t0 := time.Now()
				next = next.Add(per)
				nSent.Add(1)
				_, err := s.SendMessage(ctx, plaza.SendMessageRequest{CommunityID: community, ChannelID: channels[(i+n)%len(channels)],
					Message: plaza.MessageContent{Type: plaza.MessageText, Message: stamp(step, t0) + pad}})
				if err != nil {
					if nErrs.Add(1) <= 3 {
						fmt.Fprintln(stderr, "bench: send:", err)
					}
					continue
				}
				nAcked.Add(1)
				batch = append(batch, int32(time.Since(t0).Microseconds()))
				// Late sends do not catch up in a burst: the server allows one
				// message per 100 ms per user and channel, counted from when it
				// took the previous one, which was before its ack.
				if earliest := time.Now().Add(110 * time.Millisecond); next.Before(earliest) {
					next = earliest
				}
			}
			acks.add(batch)
		})
	}
	wg.Wait()
	elapsed = time.Since(start)
	acks.sort()
	return nSent.Load(), nAcked.Load(), nErrs.Load(), acks, elapsed
}

// stamp is how a benchmark message starts: the step (or phase) it was sent
// in and its send time in Unix microseconds, which parseStamp reads back.
func stamp(step int, sent time.Time) string {
	return strconv.Itoa(step) + ";" + strconv.FormatInt(sent.UnixMicro(), 10) + ";"
}

// parseStamp reads the step and send time (µs) a benchmark message starts
// with (stamp).
func parseStamp(text string) (step int, sentMicros int64, ok bool) {
	a, rest, ok1 := strings.Cut(text, ";")
	b, _, ok2 := strings.Cut(rest, ";")
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	step, err1 := strconv.Atoi(a)
	sentMicros, err2 := strconv.ParseInt(b, 10, 64)
	return step, sentMicros, err1 == nil && err2 == nil && step >= 0
}
