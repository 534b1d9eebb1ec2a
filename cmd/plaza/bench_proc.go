package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/plazahq/plaza/internal/gateway"
)

// proc is a Plaza server run by a benchmark as a child process of the same
// binary: its memory and CPU are its own to measure, and it can be stopped
// (gracefully or with kill -9) and started again on the same address.
type proc struct {
	args   []string // plaza serve's flags
	addr   string   // host:port it listens on, the same across restarts
	debug  string   // host:port of its /debug/pprof listener
	dir    string   // data directory
	stderr io.Writer

	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has exited
	exitErr error
}

// freeAddr returns a loopback address with a port nobody listens on now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// startProc starts plaza serve in a child process on a new data directory
// (or dir, if given) with the extra flags.
func startProc(dir string, extra []string, stderr io.Writer) (*proc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	debug, err := freeAddr()
	if err != nil {
		return nil, err
	}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "plaza-bench-node-"); err != nil {
			return nil, err
		}
	}
	p := &proc{addr: addr, debug: debug, dir: dir, stderr: stderr,
		// Every simulated client comes from this machine's one address.
		args: append([]string{"serve", "--addr", addr, "--debug-addr", debug, "--data", dir, "--log-level", "error",
			"--address-identify-rate", "-1"}, extra...)}
	if err := p.start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return p, nil
}

// startProcTarget starts a SQLite server in a child process with
// --sqlite-sync and the extra flags, and returns it with a target for its
// development app; stop (or remove) the process when done.
func startProcTarget(sync string, extra []string, stderr io.Writer) (*proc, *target, error) {
	p, err := startProc("", append([]string{"--sqlite-sync", sync}, extra...), stderr)
	if err != nil {
		return nil, nil, err
	}
	d, err := readDevApp(p.dir)
	if err != nil {
		p.remove()
		return nil, nil, err
	}
	return p, &target{url: p.URL(), recvURL: p.URL(), name: "separate process", durability: durability(sync),
		appID: d.AppID, secret: d.ServerSecret, proc: p, stop: p.remove}, nil
}

// start runs the process and waits until it listens.
func (p *proc) start() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	out := &addrWriter{found: make(chan string, 1)}
	p.cmd = exec.Command(exe, p.args...)
	p.cmd.Stdout, p.cmd.Stderr = out, p.stderr
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("bench: start server: %w", err)
	}
	p.exited = make(chan struct{})
	go func() { p.exitErr = p.cmd.Wait(); close(p.exited) }()
	select {
	case <-out.found:
		return nil
	case <-p.exited:
		return fmt.Errorf("bench: server exited: %v", p.exitErr)
	case <-time.After(60 * time.Second):
		p.kill()
		return errors.New("bench: server did not start within 60s")
	}
}

// URL is the server's base URL.
func (p *proc) URL() string { return "http://" + p.addr }

// stop ends the process with SIGTERM (a graceful shutdown), waiting for it.
func (p *proc) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(60 * time.Second):
		p.kill()
	}
}

// kill ends the process with SIGKILL, as a crash would. Stopping or
// killing a process that ended already does nothing.
func (p *proc) kill() {
	p.cmd.Process.Kill()
	<-p.exited
}

// remove stops the process and deletes its data directory.
func (p *proc) remove() {
	p.stop()
	os.RemoveAll(p.dir)
}

// rss returns the process's resident memory in bytes.
func (p *proc) rss() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("bench: no VmRSS in /proc status")
}

// clockTicks is the unit of /proc/PID/stat's CPU times (USER_HZ, 100 on
// Linux).
const clockTicks = 100

// cpu returns the CPU time the process has used, user and system.
func (p *proc) cpu() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: fields count from
	// after it. utime and stime are fields 14 and 15 of the line.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, errors.New("bench: short /proc stat")
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// gc makes the process collect garbage, through its debug listener.
func (p *proc) gc(ctx context.Context) error {
	return p.debugGet(ctx, "/debug/pprof/heap?gc=1", io.Discard)
}

// memStats returns the Go runtime's in-use heap and goroutine stack bytes,
// from the memory statistics the heap profile ends with: what the process
// holds live, unlike its RSS, which keeps freed pages until the runtime
// returns them to the system.
func (p *proc) memStats(ctx context.Context) (heapInuse, stackInuse int64, err error) {
	var b strings.Builder
	if err := p.debugGet(ctx, "/debug/pprof/heap?debug=1", &b); err != nil {
		return 0, 0, err
	}
	for line := range strings.SplitSeq(b.String(), "\n") {
		if v, ok := strings.CutPrefix(line, "# HeapInuse = "); ok {
			heapInuse, err = strconv.ParseInt(v, 10, 64)
		} else if v, ok := strings.CutPrefix(line, "# Stack = "); ok { // "# Stack = inuse / sys"
			inuse, _, _ := strings.Cut(v, " ")
			stackInuse, err = strconv.ParseInt(inuse, 10, 64)
		}
		if err != nil {
			return 0, 0, err
		}
	}
	if heapInuse == 0 {
		return 0, 0, errors.New("bench: no HeapInuse in the heap profile")
	}
	return heapInuse, stackInuse, nil
}

// goroutines returns the number of goroutines the process runs.
func (p *proc) goroutines(ctx context.Context) (int, error) {
	var b strings.Builder
	if err := p.debugGet(ctx, "/debug/pprof/goroutine?debug=1", &b); err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(b.String(), "\n")
	n, ok := strings.CutPrefix(line, "goroutine profile: total ")
	if !ok {
		return 0, fmt.Errorf("bench: unexpected goroutine profile %q", line)
	}
	return strconv.Atoi(n)
}

// gatewayStats returns the server gateway's counters (/debug/gateway).
func (p *proc) gatewayStats(ctx context.Context) (gateway.Stats, error) {
	var b strings.Builder
	var st gateway.Stats
	if err := p.debugGet(ctx, "/debug/gateway", &b); err != nil {
		return st, err
	}
	err := json.Unmarshal([]byte(b.String()), &st)
	return st, err
}

func (p *proc) debugGet(ctx context.Context, path string, w io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.debug+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("bench: %s: %s", path, resp.Status)
	}
	_, err = io.Copy(w, resp.Body)
	return err
}
