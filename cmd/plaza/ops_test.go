package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/client"
)

func noEnv(string) string { return "" }

func TestHelpExitsZero(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"serve", "--help"}, {"serve", "-h"}, {"listen", "--help"}, {"token", "-h"}} {
		var out, errOut strings.Builder
		if err := run(context.Background(), args, noEnv, nil, &out, &errOut); err != nil {
			t.Errorf("plaza %s: %v", strings.Join(args, " "), err)
		}
		if args[0] == "serve" {
			if !strings.Contains(out.String(), "Usage: plaza serve") || !strings.Contains(out.String(), "-config") {
				t.Errorf("plaza serve %s printed on stdout:\n%s", args[1], out.String())
			}
		}
	}
	// A wrong flag is still an error.
	if err := run(context.Background(), []string{"serve", "--no-such-flag"}, noEnv, nil, io.Discard, io.Discard); err == nil {
		t.Error("an unknown flag did not fail")
	}
}

func TestBuildVersion(t *testing.T) {
	t.Parallel()
	checkout := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/plazahq/plaza", Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef"},
			{Key: "vcs.time", Value: "2026-03-01T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	installed := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/plazahq/plaza", Version: "v1.2.0"}}
	tests := []struct {
		name       string
		bi         *debug.BuildInfo
		xv, xr     string
		version    string
		detailsHas string
	}{
		{"go build in a checkout", checkout, "", "", "devel", "revision 0123456789abcdef of 2026-03-01T10:00:00Z, with local changes"},
		{"go install module@version", installed, "", "", "v1.2.0", "no VCS revision recorded"},
		{"-ldflags -X", installed, "v1.3.0", "feedbeef", "v1.3.0", "revision feedbeef"},
		{"no build information", nil, "", "", "devel", "no VCS revision recorded"},
	}
	for _, tt := range tests {
		v, details := buildVersion(tt.bi, tt.xv, tt.xr)
		if v != tt.version || !strings.Contains(strings.Join(details, ", "), tt.detailsHas) {
			t.Errorf("%s: %q %q, want %q with %q", tt.name, v, details, tt.version, tt.detailsHas)
		}
	}
	var out strings.Builder
	if err := run(context.Background(), []string{"version"}, noEnv, nil, &out, io.Discard); err != nil || !strings.Contains(out.String(), "go1.") {
		t.Errorf("plaza version: %q, %v", out.String(), err)
	}
}

// TestConfigPrecedence: a flag beats the environment, which beats the
// config file, which beats the default.
func TestConfigPrecedence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "plaza.yaml")
	writeFile(t, path, `# settings
log-level: debug      # the flag wins
max-body: 2048        # the environment wins
heartbeat-interval: 45s
origins:
  - https://a.example
  - https://b.example
access-log: true
`)
	parse := func(args []string, env map[string]string) (serveConfig, error) {
		var cfg serveConfig
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg.flags(fs)
		err := parseServeFlags(fs, args, func(k string) string { return env[k] })
		return cfg, err
	}
	cfg, err := parse([]string{"--config", path, "--log-level", "warn"}, map[string]string{"PLAZA_MAX_BODY": "4096"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.logLevel != "warn" || cfg.maxBody != 4096 || cfg.heartbeatInterval != 45*time.Second ||
		cfg.origins != "https://a.example,https://b.example" || !cfg.accessLog || cfg.addr != "127.0.0.1:8080" {
		t.Fatalf("got %+v", cfg)
	}
	// PLAZA_CONFIG names the file as well.
	cfg, err = parse(nil, map[string]string{"PLAZA_CONFIG": path})
	if err != nil || cfg.logLevel != "debug" || cfg.maxBody != 2048 {
		t.Fatalf("from PLAZA_CONFIG: %+v, %v", cfg, err)
	}

	bad := []struct{ name, file, want string }{
		{"unknown key", "addr: 127.0.0.1:0\nlisten: x\n", `plaza.yaml:2: unknown key "listen"; the keys are the flags' names`},
		{"a key in another spelling", "log_level: debug\n", `unknown key "log_level"; did you mean log-level?`},
		{"camel case", "maxBody: 10\n", "did you mean max-body?"},
		{"set twice", "addr: a\naddr: b\n", "plaza.yaml:2: addr is set twice (first on line 1)"},
		{"bad value", "\n\nheartbeat-interval: soon\n", `plaza.yaml:3: heartbeat-interval: parse error`},
		{"list where a value goes", "addr: [a, b]\n", "addr: a plain value is expected"},
		{"no value", "addr:\n", "addr: no value"},
		{"not a mapping", "- addr\n", "must be a mapping"},
		{"config in config", "config: other.yaml\n", "cannot name another config file"},
		{"not YAML", "addr: [\n", "config file"},
	}
	for _, tt := range bad {
		writeFile(t, path, tt.file)
		if _, err := parse([]string{"--config", path}, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error with %q", tt.name, err, tt.want)
		}
	}
	if _, err := parse([]string{"--config", filepath.Join(dir, "missing.yaml")}, nil); err == nil {
		t.Error("a missing config file was accepted")
	}
	writeFile(t, path, "")
	if _, err := parse([]string{"--config", path}, nil); err != nil {
		t.Errorf("an empty config file: %v", err)
	}
}

// TestConfigFileEveryFlag: every flag of plaza serve has a key.
func TestConfigFileEveryFlag(t *testing.T) {
	t.Parallel()
	var cfg serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.flags(fs)
	var b strings.Builder
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name != configFlag {
			fmt.Fprintf(&b, "%s: %q\n", f.Name, f.DefValue)
		}
	})
	if _, err := parseConfig(fs, "all.yaml", []byte(b.String())); err != nil {
		t.Fatal(err)
	}
}

// TestServeFromConfigFile starts the real server from a config file.
func TestServeFromConfigFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "plaza.yaml")
	writeFile(t, path, fmt.Sprintf("addr: 127.0.0.1:0\ndata: %s\nlog-level: warn\n", filepath.Join(dir, "data")))
	ctx, cancel := context.WithCancel(context.Background())
	out := newLineWriter()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--config", path}, noEnv, nil, out, io.Discard) }()
	if _, ok := out.waitFor("listening on http://127.0.0.1:", 10*time.Second); !ok {
		cancel()
		t.Fatalf("server did not start from its config file:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", devAppFile)); err != nil {
		t.Errorf("the config file's data directory was not used: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func writeFile(tb testing.TB, path, content string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
}

// scrapeMetrics reads a server's /metrics: every sample by its name and
// labels as written.
func scrapeMetrics(tb testing.TB, url string) map[string]float64 {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			tb.Fatalf("sample %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// TestMetrics scrapes /metrics and checks that the listed series are served
// and move when things happen.
func TestMetrics(t *testing.T) {
	t.Parallel()
	var callbacks atomic.Int64
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		callbacks.Add(1)
		io.Copy(io.Discard, r.Body)
	}))
	defer receiver.Close()

	s := startServer(t, "")
	ctx := context.Background()
	key, err := readOperatorKey(filepath.Join(s.Data, operatorKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	op := client.NewOperator(s.URL, key, nil)
	if _, err := op.SetAppWebhook(ctx, plaza.SetAppWebhookRequest{AppID: s.App.AppID, Webhook: plaza.WebhookConfig{CallbackURL: receiver.URL, Secret: "a-secret-of-16-chars-at-least"}}); err != nil {
		t.Fatal(err)
	}
	before := scrapeMetrics(t, s.URL+"/metrics")

	amy, bob := s.client(t, "amy"), s.client(t, "bob")
	bobConn := connect(t, bob)
	if _, err := amy.CreateCommunity(ctx, plaza.CreateCommunityRequest{CommunityID: "club"}); err != nil {
		t.Fatal(err)
	}
	if _, err := amy.InviteUsersIntoCommunity(ctx, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := amy.SendMessage(ctx, plaza.SendMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID,
		Message: plaza.MessageContent{Type: plaza.MessageText, Message: "hi"}}); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, bobConn, plaza.EventMessageReceived, 5*time.Second)
	// A request over the gateway, and a refused one over HTTP.
	var info plaza.CommunityInfoResult
	if err := bobConn.Do(ctx, "queryCommunityInfo", plaza.CommunityRequest{CommunityID: "club"}, &info); err != nil {
		t.Fatal(err)
	}
	_, err = bob.UpdateCommunityName(ctx, plaza.UpdateCommunityNameRequest{CommunityID: "club", CommunityName: "Bob's"})
	wantAPIError(t, err, http.StatusForbidden, plaza.EPermissionDenied)
	deadline := time.Now().Add(10 * time.Second)
	for callbacks.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}

	var after map[string]float64
	moved := map[string]bool{}
	grew := []string{
		`plaza_requests_total{code="ok",operation="sendMessage",transport="http"}`,
		`plaza_requests_total{code="permission_denied",operation="updateCommunityName",transport="http"}`,
		`plaza_requests_total{code="ok",operation="queryCommunityInfo",transport="gateway"}`,
		`plaza_request_duration_seconds_count{operation="createCommunity",transport="http"}`,
		`plaza_request_duration_seconds_count{operation="queryCommunityInfo",transport="gateway"}`,
		`plaza_store_transaction_duration_seconds_count{outcome="commit"}`,
		`plaza_bus_lag_seconds_count`,
		`plaza_gateway_dispatched_total`,
		`plaza_gateway_identify_total{outcome="identified"}`,
		`plaza_webhook_deliveries_total{outcome="delivered"}`,
	}
	// The dispatcher counts a delivery once answered; give it a moment.
	for range 100 {
		after = scrapeMetrics(t, s.URL+"/metrics")
		for _, series := range grew {
			moved[series] = after[series] > before[series]
		}
		if !slicesContainFalse(moved) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, series := range grew {
		if !moved[series] {
			t.Errorf("%s did not move: %v before, %v after", series, before[series], after[series])
		}
	}
	served := []string{
		`plaza_gateway_connections`, `plaza_gateway_sessions`, `plaza_gateway_users`, `plaza_gateway_communities`,
		`plaza_gateway_queued_bytes`, `plaza_gateway_queue_overflows_total`, `plaza_gateway_rate_limited_total`,
		`plaza_gateway_identify_total{outcome="resumed"}`, `plaza_gateway_identify_total{outcome="refused"}`,
		`plaza_gateway_identify_total{outcome="limited"}`, `plaza_webhook_deliveries_total{outcome="failed"}`,
		`plaza_webhook_hook_calls_total{outcome="failed"}`, `go_goroutines`, `process_resident_memory_bytes`,
	}
	for _, series := range served {
		if _, ok := after[series]; !ok {
			t.Errorf("%s is not served", series)
		}
	}
	if after["plaza_gateway_sessions"] < 1 {
		t.Errorf("plaza_gateway_sessions = %v with a session open", after["plaza_gateway_sessions"])
	}

	// The documentation and the dashboard name only series that are served.
	families := map[string]bool{}
	for series := range after {
		name, _, _ := strings.Cut(series, "{")
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			name = strings.TrimSuffix(name, suffix)
		}
		families[name] = true
	}
	for _, doc := range []string{"../../docs/operations.md", "../../docs/grafana-dashboard.json", "../../README.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range metricName.FindAllString(string(b), -1) {
			name = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_count"), "_sum")
			if !families[name] && !strings.HasSuffix(name, "_") {
				t.Errorf("%s names %s, which is not served", doc, name)
			}
		}
	}
}

// metricName matches a Plaza series name in the documentation; one that
// ends with "_" is a wildcard (plaza_gateway_*).
var metricName = regexp.MustCompile(`plaza_[a-z_]+`)

func slicesContainFalse(m map[string]bool) bool {
	for _, v := range m {
		if !v {
			return true
		}
	}
	return false
}

// TestMetricsAddr: with --metrics-addr the metrics leave the API's
// listener for their own.
func TestMetricsAddr(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := startServer(t, "", "--metrics-addr", addr)
	if m := scrapeMetrics(t, "http://"+addr+"/metrics"); len(m) == 0 {
		t.Fatal("no metrics on --metrics-addr")
	}
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("/metrics on the API's listener: HTTP %d, want 404", resp.StatusCode)
	}
}

// TestSlowBodyIsCutOff: a request body trickled slowly is cut off at
// --read-timeout, while a gateway session outlives it.
func TestSlowBodyIsCutOff(t *testing.T) {
	t.Parallel()
	s := startServer(t, "", "--read-timeout", "1s")
	token := s.token(t, "amy")
	s.client(t, "amy")

	// A gateway session, opened before and used after the read timeout.
	conn := connect(t, client.New(s.URL, token))

	nc, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	body := `{"communityID":"slow","communityName":"Slow"}`
	fmt.Fprintf(nc, "POST /v1/communities HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n", token, len(body))
	start := time.Now()
	stop := make(chan struct{})
	go func() {
		for i := range len(body) {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			if _, err := nc.Write([]byte{body[i]}); err != nil {
				return
			}
		}
	}()
	defer close(stop)
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	elapsed := time.Since(start)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatalf("the trickled body was taken (after %s)", elapsed)
		}
	}
	if elapsed > 5*time.Second {
		t.Fatalf("cut off after %s, want about 1s", elapsed)
	}
	t.Logf("cut off after %s: %v", elapsed.Round(time.Millisecond), func() any {
		if err != nil {
			return err
		}
		return resp.Status
	}())

	// The session opened before still works, past the read timeout.
	time.Sleep(time.Until(start.Add(1500 * time.Millisecond)))
	var list plaza.QueryCommunityListResult
	if err := conn.Do(context.Background(), "queryCommunityList", plaza.QueryCommunityListRequest{}, &list); err != nil {
		t.Fatalf("gateway request after the read timeout: %v", err)
	}
}

// TestAccessLog: --access-log writes one line per request whatever
// --log-level.
func TestAccessLog(t *testing.T) {
	t.Parallel()
	s := startServer(t, "", "--access-log", "--log-format", "json") // the test server runs at --log-level warn
	amy := s.client(t, "amy")
	if _, err := amy.CreateCommunity(context.Background(), plaza.CreateCommunityRequest{CommunityID: "club"}); err != nil {
		t.Fatal(err)
	}
	line, ok := s.Stderr.waitFor(`"operation":"createCommunity"`, 5*time.Second)
	if !ok {
		t.Fatalf("no access log line for createCommunity:\n%s", s.Stderr)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"msg": "request", "status": float64(200), "user": "amy", "app": s.App.AppID} {
		if rec[k] != want {
			t.Errorf("%s = %v, want %v (%s)", k, rec[k], want, line)
		}
	}
	if id, _ := rec["id"].(string); id == "" {
		t.Errorf("no request ID: %s", line)
	}
}

// TestListen: plaza listen prints the user's events as JSON lines.
func TestListen(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	amy := s.client(t, "amy")
	s.client(t, "bob")
	if _, err := amy.CreateCommunity(ctx, plaza.CreateCommunityRequest{CommunityID: "club"}); err != nil {
		t.Fatal(err)
	}
	if _, err := amy.InviteUsersIntoCommunity(ctx, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	out, errOut := newLineWriter(), newLineWriter()
	done := make(chan error, 1)
	env := map[string]string{"PLAZA_TOKEN": s.token(t, "bob")}
	go func() {
		done <- run(ctx, []string{"listen", "--url", s.URL}, func(k string) string { return env[k] }, nil, out, errOut)
	}()
	if _, ok := errOut.waitFor("listening as bob", 10*time.Second); !ok {
		t.Fatalf("plaza listen did not start:\n%s", errOut)
	}
	if _, err := amy.SendMessage(ctx, plaza.SendMessageRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID,
		Message: plaza.MessageContent{Type: plaza.MessageText, Message: "hello, bob"}}); err != nil {
		t.Fatal(err)
	}
	line, ok := out.waitFor(`"t":"messageReceived"`, 5*time.Second)
	if !ok {
		t.Fatalf("no messageReceived line:\n%s", out)
	}
	if !strings.Contains(line, "hello, bob") || !json.Valid([]byte(line)) {
		t.Fatalf("line %s", line)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
