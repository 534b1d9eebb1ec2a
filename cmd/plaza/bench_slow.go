package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/client"
)

// The slow member's socket is that of a slow link: a small receive buffer
// and, on Linux, a small maximum segment size, from which the server's
// kernel sizes its send buffer. Otherwise loopback's 64 KiB segments grow
// that buffer to megabytes, which would take in minutes of what the member
// cannot read before the server's send queue saw any of it.
const (
	slowRecvBuffer = 4 << 10
	slowMSS        = 536
	tcpMaxSeg      = 2 // TCP_MAXSEG on Linux
)

// slowMaxFrame is the server's --max-frame in the slow scenario (its
// default); the oversized client sends a frame one KiB larger.
const slowMaxFrame = 1 << 20

// slowResult is the JSON line of the slow scenario: the normal members'
// latencies in a phase without misbehaving clients and in one with them, and
// what became of the misbehaving clients.
type slowResult struct {
	Scenario   string  `json:"scenario"`
	Time       string  `json:"time"`
	Machine    machine `json:"machine"`
	Server     string  `json:"server"`
	Durability string  `json:"durability"`
	Members    int     `json:"members"`
	Senders    int     `json:"senders"`
	Rate       float64 `json:"rate"`
	Size       int     `json:"size"`
	Duration   string  `json:"duration"` // of each phase
	// SendQueue is the server's --send-queue, for every session.
	SendQueue      int       `json:"sendQueue"`
	MaxFrame       int       `json:"maxFrame"`
	Baseline       slowPhase `json:"baseline"`
	WithBadClients slowPhase `json:"withBadClients"`
	// The normal members' latency with the bad clients over without.
	P50Ratio         float64 `json:"p50Ratio"`
	P99Ratio         float64 `json:"p99Ratio"`
	P99WithinTenPct  bool    `json:"p99WithinTenPercent"`
	MemberReconnects int     `json:"memberReconnects"`
	// ServerOverflows is how many sessions the server closed for a full
	// send queue (its gateway counter): the slow member's, and no other.
	ServerOverflows int64 `json:"serverOverflows"`
	// The server's resident memory once everyone is online, and the most
	// it reached over both phases (sampled every 100 ms).
	SetupRSSBytes int64             `json:"setupRSSBytes"`
	MaxRSSBytes   int64             `json:"maxRSSBytes"`
	Slow          slowClientResult  `json:"slowClient"`
	Flooder       flooderResult     `json:"flooder"`
	Oversized     oversizedResult   `json:"oversized"`
	Notes         map[string]string `json:"notes"`
}

// slowPhase holds one phase's figures for the normal members.
type slowPhase struct {
	sendFigures
	MaxRSSBytes int64 `json:"maxRSSBytes"`
}

// slowClientResult says how the member reading at a tenth of the rate
// fared: the close code it read (1006 when the connection ended without a
// close frame) and how long after it joined. The server decides long before
// the member reads the close frame, behind what its socket buffers hold:
// SecondsUntilOverflow is the send time of the last message the member got,
// which the server queued just before it stopped queuing for the member.
type slowClientResult struct {
	ReadsPerSec          float64 `json:"readsPerSec"`
	RecvBufferBytes      int     `json:"recvBufferBytes"`
	MSS                  int     `json:"mss,omitempty"`
	FramesRead           int64   `json:"framesRead"`
	CloseCode            int     `json:"closeCode"`
	Ended                string  `json:"ended"`
	SecondsUntilOverflow float64 `json:"secondsUntilOverflow"`
	SecondsUntilClosed   float64 `json:"secondsUntilClosed"`
}

// flooderResult says what became of the client sending requests as fast as
// it could, reconnecting a second after each close until the phase ended.
type flooderResult struct {
	Window                 int            `json:"window"`
	Connections            int            `json:"connections"`
	Requests               int64          `json:"requests"`
	OK                     int64          `json:"ok"`
	RateLimited            int64          `json:"rateLimited"`
	OtherErrors            int64          `json:"otherErrors"`
	CloseCodes             map[string]int `json:"closeCodes"`
	SecondsUntilFirstClose float64        `json:"secondsUntilFirstClose"`
}

// oversizedResult says how the server answered a frame over its limit.
type oversizedResult struct {
	FrameBytes int     `json:"frameBytes"`
	CloseCode  int     `json:"closeCode"`
	Ended      string  `json:"ended"`
	Seconds    float64 `json:"seconds"`
}

// slowSetup registers the slow scenario's flags and returns its runner.
func slowSetup(fs *flag.FlagSet) func(context.Context, benchConfig, io.Writer, io.Writer) error {
	var sendQueue int
	var requestRate float64
	fs.Float64Var(&requestRate, "request-rate", 0, "slow: the server's --request-rate, gateway requests per second per session (0: its default)")
	fs.IntVar(&sendQueue, "send-queue", 0, "slow: the server's --send-queue (0: half the rate, at least 8, so that the slow member overflows it within the phase and the close frame still reaches it within the server's 10 s write timeout)")
	return func(ctx context.Context, cfg benchConfig, stdout, stderr io.Writer) error {
		if !flagSet(fs, "rate") {
			cfg.rate = 100
		}
		if !flagSet(fs, "senders") {
			cfg.senders = max(1, int(math.Ceil(cfg.rate/8)))
		}
		if sendQueue <= 0 {
			sendQueue = max(8, int(cfg.rate/2))
		}
		res, err := benchSlow(ctx, cfg, sendQueue, requestRate, stderr)
		if err != nil {
			return err
		}
		return writeJSONLine(stdout, res)
	}
}

// benchSlow starts a server process and runs fanout into one channel twice,
// each for the duration: once with only the normal members online, once
// with a member reading at a tenth of the rate, a client flooding requests
// and one sending an oversized frame.
func benchSlow(ctx context.Context, cfg benchConfig, sendQueue int, requestRate float64, stderr io.Writer) (*slowResult, error) {
	if cfg.members < 1 || cfg.rate <= 0 {
		return nil, errors.New("bench slow: --members and --rate must be positive")
	}
	args := []string{"--send-queue", strconv.Itoa(sendQueue), "--max-frame", strconv.Itoa(slowMaxFrame)}
	if requestRate > 0 {
		args = append(args, "--request-rate", strconv.FormatFloat(requestRate, 'f', -1, 64))
	}
	srv, tgt, err := startProcTarget(cfg.sync, args, stderr)
	if err != nil {
		return nil, err
	}
	defer srv.remove()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.senders + 8}}
	run := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	community := "slow-" + run
	user := func(kind string, i int) string { return fmt.Sprintf("slow-%s%05d-%s", kind, i, run) }
	owner, err := tgt.client(tgt.url, user("owner", 0), hc)
	if err != nil {
		return nil, err
	}
	if _, err := owner.CreateCommunity(ctx, plaza.CreateCommunityRequest{CommunityID: community, CommunityName: "slow"}); err != nil {
		return nil, fmt.Errorf("bench slow: create community: %w", err)
	}

	// Members connect (which makes them exist); senders and the slow member
	// exist after a first request; then all are invited.
	fmt.Fprintf(stderr, "bench: connecting %d members\n", cfg.members)
	var stats client.ConnStats
	conns := make([]*client.Conn, cfg.members)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	if err := forEach(ctx, cfg.members, 64, func(i int) error {
		c, err := tgt.client(tgt.url, user("m", i), hc)
		if err != nil {
			return err
		}
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if conns[i], err = c.Connect(cctx, client.WithStats(&stats)); err != nil {
			return fmt.Errorf("bench slow: connect: %w", err)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	senders := make([]*client.Client, cfg.senders)
	ids := make([]string, 0, cfg.members+cfg.senders+1)
	for i := range conns {
		ids = append(ids, user("m", i))
	}
	for i := range senders {
		if senders[i], err = tgt.client(tgt.url, user("s", i), hc); err != nil {
			return nil, err
		}
		ids = append(ids, user("s", i))
	}
	slowUser, err := tgt.client(tgt.url, user("slow", 0), hc)
	if err != nil {
		return nil, err
	}
	ids = append(ids, user("slow", 0))
	for _, c := range append(senders[:len(senders):len(senders)], slowUser) {
		if _, err := c.QueryCommunityList(ctx, plaza.QueryCommunityListRequest{}); err != nil {
			return nil, fmt.Errorf("bench slow: first request: %w", err)
		}
	}
	for start := 0; start < len(ids); start += 100 {
		batch := ids[start:min(start+100, len(ids))]
		if _, err := owner.InviteUsersIntoCommunity(ctx, plaza.UserIDsRequest{CommunityID: community, UserIDs: batch}); err != nil {
			return nil, fmt.Errorf("bench slow: invite: %w", err)
		}
	}
	if err := forEach(ctx, len(conns), 64, func(i int) error {
		if err := conns[i].SetActiveCommunities(ctx, community); err != nil {
			return fmt.Errorf("bench slow: set active: %w", err)
		}
		return nil
	}); err != nil {
		return nil, err
	}

	// Receivers: each message carries its send time and phase.
	var deliveries [2]atomic.Int64
	var lat [2]latencies
	var recv sync.WaitGroup
	for _, c := range conns {
		recv.Go(func() {
			var batch [2][]int32
			for e := range c.Events() {
				now := time.Now().UnixMicro()
				ev, ok := decodeBenchEvent(e)
				if !ok || ev.CommunityID != community {
					continue
				}
				for _, m := range ev.MessageList {
					phase, sent, ok := parseStamp(m.Message)
					if !ok || phase > 1 {
						continue
					}
					deliveries[phase].Add(1)
					batch[phase] = append(batch[phase], int32(min(now-sent, math.MaxInt32)))
				}
			}
			lat[0].add(batch[0])
			lat[1].add(batch[1])
		})
	}

	// The server's memory, sampled through both phases.
	setupRSS, err := srv.rss()
	if err != nil {
		return nil, err
	}
	var maxRSS [2]atomic.Int64
	var phaseNow atomic.Int32
	sampling := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-sampling:
				return
			case <-t.C:
				if rss, err := srv.rss(); err == nil {
					m := &maxRSS[phaseNow.Load()]
					m.Store(max(m.Load(), rss))
				}
			}
		}
	})
	defer func() {
		if sampling != nil {
			close(sampling)
			sampler.Wait()
		}
	}()

	phase := func(p int) slowPhase {
		phaseNow.Store(int32(p))
		sent, acked, errs, acks, elapsed := sendAtRate(ctx, senders, community, []string{plaza.GeneralChannelID}, cfg.rate, p, cfg, stderr)
		expected := acked * int64(cfg.members)
		for settle := time.Now().Add(10 * time.Second); deliveries[p].Load() < expected && time.Now().Before(settle); {
			time.Sleep(20 * time.Millisecond)
		}
		// Deliveries are timed once the receivers have stopped.
		return slowPhase{sendFigures: figures(sent, acked, errs, acks, deliveries[p].Load(), expected, nil, elapsed)}
	}

	fmt.Fprintf(stderr, "bench: baseline: %.0f/s for %s to %d members\n", cfg.rate, cfg.duration, cfg.members)
	base := phase(0)

	fmt.Fprintf(stderr, "bench: again with a slow member, a flooder and an oversized frame\n")
	badCtx, stopBad := context.WithCancel(ctx)
	defer stopBad()
	var bad sync.WaitGroup
	var slow slowClientResult
	var flood flooderResult
	var over oversizedResult
	phaseEnd := time.Now().Add(cfg.duration)
	bad.Go(func() {
		slow = runSlowReader(badCtx, slowUser, tgt.url, community, cfg.rate/10, phaseEnd)
	})
	bad.Go(func() {
		fc, err := tgt.client(tgt.url, user("flood", 0), hc)
		if err == nil {
			flood = runFlooder(badCtx, fc, tgt.url, phaseEnd, max(1, min(32, sendQueue/2)))
		}
	})
	bad.Go(func() {
		oc, err := tgt.client(tgt.url, user("big", 0), hc)
		if err == nil {
			over = runOversized(badCtx, oc, tgt.url, slowMaxFrame+1024)
		}
	})
	with := phase(1)
	bad.Wait()
	close(sampling)
	sampler.Wait()
	sampling = nil

	for _, c := range conns {
		c.Close()
	}
	recv.Wait()
	conns = nil
	for p, ph := range []*slowPhase{&base, &with} {
		lat[p].sort()
		ph.P50Ms, ph.P99Ms, ph.P999Ms = lat[p].quantile(0.50), lat[p].quantile(0.99), lat[p].quantile(0.999)
		ph.MaxRSSBytes = maxRSS[p].Load()
	}
	ratio := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return math.Round(a/b*100) / 100
	}
	var overflows int64
	if st, err := srv.gatewayStats(ctx); err == nil {
		overflows = st.Overflows
	} else {
		fmt.Fprintln(stderr, "bench: gateway counters:", err)
	}
	res := &slowResult{
		Scenario:         "slow",
		Time:             time.Now().UTC().Format(time.RFC3339),
		Machine:          thisMachine(),
		Server:           "separate process, SQLite",
		Durability:       durability(cfg.sync),
		Members:          cfg.members,
		Senders:          cfg.senders,
		Rate:             cfg.rate,
		Size:             cfg.size,
		Duration:         cfg.duration.String(),
		SendQueue:        sendQueue,
		MaxFrame:         slowMaxFrame,
		Baseline:         base,
		WithBadClients:   with,
		P50Ratio:         ratio(with.P50Ms, base.P50Ms),
		P99Ratio:         ratio(with.P99Ms, base.P99Ms),
		P99WithinTenPct:  base.P99Ms > 0 && with.P99Ms <= 1.1*base.P99Ms,
		MemberReconnects: stats.Snapshot().Reconnects,
		ServerOverflows:  overflows,
		SetupRSSBytes:    setupRSS,
		MaxRSSBytes:      max(base.MaxRSSBytes, with.MaxRSSBytes),
		Slow:             slow,
		Flooder:          flood,
		Oversized:        over,
		Notes: map[string]string{
			"slowClient": fmt.Sprintf("a raw WebSocket member of the community, marked active, reading one frame every %s with a %d-byte socket receive buffer; it joins when the second phase starts",
				time.Duration(float64(time.Second)/(cfg.rate/10)).Round(time.Millisecond), slowRecvBuffer),
			"flooder":   "a raw WebSocket session sending queryCommunityList requests as fast as it can, reading the replies; after a close it reconnects a second later until the phase ends",
			"oversized": "a raw WebSocket session that identifies, then sends one text frame larger than --max-frame",
		},
	}
	return res, nil
}

// rawSession is a gateway connection without the SDK, for clients that
// misbehave on purpose: it reads only when told to.
type rawSession struct {
	nc       net.Conn
	rd       *wsutil.Reader
	wmu      sync.Mutex
	interval time.Duration // heartbeat interval, from hello
}

// dialRaw opens a gateway connection, with a socket receive buffer of
// recvBuffer bytes if not 0, reads hello and identifies as c's user.
func dialRaw(ctx context.Context, c *client.Client, base string, recvBuffer int) (*rawSession, error) {
	d := ws.Dialer{}
	if recvBuffer > 0 {
		// Set before connecting, so that the SYN already announces them.
		nd := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
			var err error
			cerr := rc.Control(func(fd uintptr) {
				err = setsockopt(syscall.SetsockoptInt, fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, recvBuffer)
				if err == nil && runtime.GOOS == "linux" {
					err = setsockopt(syscall.SetsockoptInt, fd, syscall.IPPROTO_TCP, tcpMaxSeg, slowMSS)
				}
			})
			if cerr != nil {
				return cerr
			}
			return err
		}}
		d.NetDial = nd.DialContext
	}
	nc, br, _, err := d.Dial(ctx, client.GatewayURL(base))
	if err != nil {
		return nil, fmt.Errorf("bench: dial gateway: %w", err)
	}
	var src io.Reader = nc
	if br != nil {
		src = br
	}
	s := &rawSession{nc: nc, rd: &wsutil.Reader{Source: src, State: ws.StateClientSide}}
	nc.SetReadDeadline(time.Now().Add(30 * time.Second))
	defer nc.SetReadDeadline(time.Time{})
	hello, err := s.read()
	if err != nil || hello.Op != "hello" {
		nc.Close()
		return nil, fmt.Errorf("bench: expected hello, got %q: %w", hello.Op, err)
	}
	var h struct {
		HeartbeatInterval int64 `json:"heartbeatInterval"`
	}
	json.Unmarshal(hello.D, &h)
	s.interval = time.Duration(h.HeartbeatInterval) * time.Millisecond
	tok := c.Token()
	if err := s.send(client.Frame{Op: "identify", D: json.RawMessage(`{"token":` + strconv.Quote(tok) + `}`)}); err != nil {
		nc.Close()
		return nil, fmt.Errorf("bench: identify: %w", err)
	}
	for {
		f, err := s.read()
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("bench: identify: %w", err)
		}
		if f.Op == "error" {
			nc.Close()
			return nil, fmt.Errorf("bench: identify: %w", f.Error)
		}
		if f.Op == "ready" {
			return s, nil
		}
	}
}

func (s *rawSession) send(f client.Frame) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return s.sendText(b)
}

func (s *rawSession) sendText(b []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return wsutil.WriteClientMessage(s.nc, ws.OpText, b)
}

// read returns the next text frame, answering pings; a close frame comes
// back as a *client.CloseError.
func (s *rawSession) read() (client.Frame, error) {
	for {
		hdr, err := s.rd.NextFrame()
		if err != nil {
			return client.Frame{}, err
		}
		if hdr.OpCode.IsControl() {
			payload := make([]byte, hdr.Length)
			if _, err := io.ReadFull(s.rd, payload); err != nil {
				return client.Frame{}, err
			}
			switch hdr.OpCode {
			case ws.OpPing:
				s.wmu.Lock()
				wsutil.WriteClientMessage(s.nc, ws.OpPong, payload)
				s.wmu.Unlock()
			case ws.OpClose:
				code, reason := ws.ParseCloseFrameData(payload)
				return client.Frame{}, &client.CloseError{Code: int(code), Reason: reason}
			}
			continue
		}
		b, err := io.ReadAll(s.rd)
		if err != nil {
			return client.Frame{}, err
		}
		var f client.Frame
		if err := json.Unmarshal(b, &f); err != nil {
			return client.Frame{}, fmt.Errorf("bench: bad frame: %w", err)
		}
		return f, nil
	}
}

// heartbeat beats every interval until stop is closed: the misbehaving
// clients are closed for what they do, not for a missed heartbeat.
func (s *rawSession) heartbeat(stop <-chan struct{}) {
	t := time.NewTicker(max(s.interval, time.Second) * 2 / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if s.send(client.Frame{Op: "heartbeat"}) != nil {
				return
			}
		}
	}
}

// closeCode returns the code of the close frame err carries, or 1006 (the
// standard's code for a connection ended without one) and why.
func closeCode(err error) (int, string) {
	var ce *client.CloseError
	if errors.As(err, &ce) {
		return ce.Code, "close frame: " + ce.Reason
	}
	return int(ws.StatusAbnormalClosure), fmt.Sprintf("no close frame: %v", err)
}

// runSlowReader connects the slow member, marks the community active and
// reads one frame per 1/readsPerSec until the server closes the connection.
// After phaseEnd, when nothing more is sent, it gives up once it has read
// all there was (a read waits 3 s in vain), or a minute later.
func runSlowReader(ctx context.Context, c *client.Client, base, community string, readsPerSec float64, phaseEnd time.Time) slowClientResult {
	res := slowClientResult{ReadsPerSec: readsPerSec, RecvBufferBytes: slowRecvBuffer}
	if runtime.GOOS == "linux" {
		res.MSS = slowMSS
	}
	start := time.Now()
	s, err := dialRaw(ctx, c, base, slowRecvBuffer)
	if err != nil {
		res.Ended = err.Error()
		return res
	}
	defer s.nc.Close()
	stop := make(chan struct{})
	defer close(stop)
	go s.heartbeat(stop)
	if err := s.send(client.Frame{Op: "request", ID: "active", T: "setActiveCommunities",
		D: json.RawMessage(`{"communityIDs":[` + strconv.Quote(community) + `]}`)}); err != nil {
		res.Ended = fmt.Sprintf("set active: %v", err)
		return res
	}
	every := time.Duration(float64(time.Second) / readsPerSec)
	next := time.Now()
	var lastSent int64
	giveUp := phaseEnd.Add(time.Minute)
	for {
		deadline := giveUp
		if soon := time.Now().Add(3 * time.Second); time.Now().After(phaseEnd) && soon.Before(giveUp) {
			deadline = soon
		}
		s.nc.SetReadDeadline(deadline)
		f, err := s.read()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				res.Ended = "still open when the run gave up, all sent read"
				if time.Now().After(giveUp) {
					res.Ended = "still open when the run gave up, a minute after the phase"
				}
				return res
			}
			res.CloseCode, res.Ended = closeCode(err)
			res.SecondsUntilClosed = math.Round(time.Since(start).Seconds()*10) / 10
			if lastSent > 0 {
				res.SecondsUntilOverflow = math.Round(float64(lastSent-start.UnixMicro())/1e5) / 10
			}
			return res
		}
		res.FramesRead++
		if f.Op == "dispatch" && f.T == plaza.EventMessageReceived {
			var ev struct {
				MessageList []struct {
					Message string `json:"message"`
				} `json:"messageList"`
			}
			if json.Unmarshal(f.D, &ev) == nil {
				for _, m := range ev.MessageList {
					if _, sent, ok := parseStamp(m.Message); ok {
						lastSent = sent
					}
				}
			}
		}
		next = next.Add(every)
		select {
		case <-time.After(time.Until(next)):
		case <-ctx.Done():
			res.Ended = "still open at the end of the run"
			return res
		}
	}
}

// runFlooder sends requests as fast as it can over a session, reading the
// replies, until the server closes it; then again a second later, until
// end. It keeps at most window requests unanswered, so that its replies do
// not overflow its send queue, whatever its size: what closes it, if
// anything, is the request rate.
func runFlooder(ctx context.Context, c *client.Client, base string, end time.Time, window int) flooderResult {
	res := flooderResult{Window: window, CloseCodes: map[string]int{}}
	start := time.Now()
	for time.Now().Before(end) && ctx.Err() == nil {
		s, err := dialRaw(ctx, c, base, 0)
		if err != nil {
			res.CloseCodes[err.Error()]++
			break
		}
		res.Connections++
		var sent atomic.Int64
		stopWriting := make(chan struct{})
		unanswered := make(chan struct{}, window)
		var writer sync.WaitGroup
		writer.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stopWriting:
					return
				case unanswered <- struct{}{}:
				}
				b := fmt.Appendf(nil, `{"op":"request","id":"%d","t":"queryCommunityList","d":{}}`, i)
				if s.sendText(b) != nil {
					return
				}
				sent.Add(1)
			}
		})
		s.nc.SetReadDeadline(end)
		var code int
		for {
			f, err := s.read()
			if err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					break // the phase ended with the session open
				}
				code, _ = closeCode(err)
				break
			}
			if f.Op != "reply" {
				continue
			}
			select {
			case <-unanswered:
			default:
			}
			switch {
			case f.Error == nil:
				res.OK++
			case f.Error.Code == plaza.ERateLimited:
				res.RateLimited++
			default:
				res.OtherErrors++
			}
		}
		close(stopWriting)
		s.nc.Close()
		writer.Wait()
		res.Requests += sent.Load()
		if code == 0 {
			res.CloseCodes["open at the end"]++
			break
		}
		res.CloseCodes[strconv.Itoa(code)]++
		if res.SecondsUntilFirstClose == 0 {
			res.SecondsUntilFirstClose = math.Round(time.Since(start).Seconds()*1000) / 1000
		}
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
		}
	}
	return res
}

// runOversized identifies, sends one text frame of size bytes and reads
// what the server answers.
func runOversized(ctx context.Context, c *client.Client, base string, size int) oversizedResult {
	res := oversizedResult{FrameBytes: size}
	s, err := dialRaw(ctx, c, base, 0)
	if err != nil {
		res.Ended = err.Error()
		return res
	}
	defer s.nc.Close()
	body := `{"op":"request","id":"1","t":"queryCommunityList","d":{"pad":"`
	b := make([]byte, 0, size)
	b = append(b, body...)
	b = append(b, strings.Repeat("x", max(0, size-len(body)-3))...)
	b = append(b, `"}}`...)
	start := time.Now()
	// Written aside: the server stops reading at the frame's header, so
	// the write may fail or block while the answer is already there.
	go s.sendText(b)
	s.nc.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		if _, err := s.read(); err != nil {
			res.CloseCode, res.Ended = closeCode(err)
			res.Seconds = math.Round(time.Since(start).Seconds()*1000) / 1000
			return res
		}
	}
}

// setsockopt sets an integer socket option on fd, whose type is int on Unix
// and a handle on Windows.
func setsockopt[FD ~int | ~uintptr](set func(FD, int, int, int) error, fd uintptr, level, opt, value int) error {
	return set(FD(fd), level, opt, value)
}
