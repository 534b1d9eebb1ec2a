package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/nats-io/nats.go"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/gateway"
	"github.com/plazahq/plaza/internal/httpapi"
	"github.com/plazahq/plaza/internal/metrics"
	"github.com/plazahq/plaza/internal/natsbus"
	"github.com/plazahq/plaza/internal/postgres"
	"github.com/plazahq/plaza/internal/sqlite"
	"github.com/plazahq/plaza/internal/webhook"
	"github.com/plazahq/plaza/web"
)

// serveConfig is every setting of plaza serve.
type serveConfig struct {
	addr              string
	data              string
	logLevel          string
	logFormat         string
	sqliteSync        string
	maxBody           int64
	maxFrame          int64
	heartbeatInterval time.Duration
	sendQueue         int
	sendQueueBytes    int64
	userQueueBytes    int64
	maxUserSessions   int
	identifyRate      float64
	addressRate       float64
	membershipRecheck time.Duration
	requestRate       float64
	userRequestRate   float64
	origins           string
	nodeID            int
	shutdownTimeout   time.Duration
	devUser           string
	resumeWindow      time.Duration
	resumeBuffer      int
	passiveThreshold  int
	headsInterval     time.Duration
	debugAddr         string
	operatorKey       string
	webhookTimeout    time.Duration
	webhookWorkers    int
	postgres          string
	postgresMaxConns  int
	nats              string
	config            string
	accessLog         bool
	metricsAddr       string
	readTimeout       time.Duration
	devLogin          bool
}

func (c *serveConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&c.data, "data", "plaza-data", "data directory (SQLite database, dev-app.json, operator-key)")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.sqliteSync, "sqlite-sync", sqlite.SyncFull, "SQLite synchronous mode: full (a commit survives power loss) or normal (faster; a power loss may lose the last commits)")
	fs.Int64Var(&c.maxBody, "max-body", httpapi.DefaultMaxBody, "largest HTTP request body, in bytes")
	fs.Int64Var(&c.maxFrame, "max-frame", gateway.DefaultMaxFrameBytes, "largest gateway frame, in bytes")
	fs.DurationVar(&c.heartbeatInterval, "heartbeat-interval", gateway.DefaultHeartbeatInterval, "gateway heartbeat interval; a session silent for 1.5 intervals is closed")
	fs.IntVar(&c.sendQueue, "send-queue", gateway.DefaultSendQueue, "frames queued per gateway session before it is closed as too slow")
	fs.Int64Var(&c.sendQueueBytes, "send-queue-bytes", gateway.DefaultSendQueueBytes, "bytes queued per gateway session before it is closed as too slow")
	fs.Int64Var(&c.userQueueBytes, "user-queue-bytes", gateway.DefaultUserQueueBytes, "bytes queued by all of one user's gateway sessions together before the one adding to them is closed")
	fs.IntVar(&c.maxUserSessions, "max-user-sessions", gateway.DefaultMaxUserSessions, "gateway sessions of one user on this node, connected or resumable; a new one ends the oldest")
	fs.Float64Var(&c.identifyRate, "identify-rate", gateway.DefaultIdentifyRate, "gateway identifies and resumes per second per user (burst 20 times, at least 10; -1: no limit)")
	fs.Float64Var(&c.addressRate, "address-identify-rate", gateway.DefaultAddressRate, "gateway identifies and resumes per second per remote address (burst 10 times; -1: no limit)")
	fs.DurationVar(&c.membershipRecheck, "membership-recheck", gateway.DefaultMembershipRecheck, "how long a round of reading again every local user's memberships takes (repairs events lost between nodes; -1s: never)")
	fs.Float64Var(&c.requestRate, "request-rate", gateway.DefaultRequestRate, "gateway requests per second per session")
	fs.Float64Var(&c.userRequestRate, "user-request-rate", gateway.DefaultUserRequestRate, "gateway requests per second per user, all sessions together")
	fs.StringVar(&c.origins, "origins", "", "comma-separated Origin values whose pages may open gateway sessions and call the client API (CORS) (empty: any)")
	fs.IntVar(&c.nodeID, "node-id", -1, "this node's number (0-1023) in generated IDs, distinct per node of a cluster (-1: 0 on the embedded default; on PostgreSQL, the first number no live node holds)")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 15*time.Second, "how long shutdown waits for in-flight work")
	fs.StringVar(&c.devUser, "dev-user", "user1", "user ID of the token printed when the development app is created")
	fs.DurationVar(&c.resumeWindow, "resume-window", gateway.DefaultResumeWindow, "how long a gateway session can be resumed after its connection drops")
	fs.IntVar(&c.resumeBuffer, "resume-buffer", gateway.DefaultResumeBuffer, "dispatches a gateway session keeps for a resume")
	fs.IntVar(&c.passiveThreshold, "passive-threshold", plaza.DefaultPassiveThreshold, "member count from which a community is large: its events go in full only to sessions that made it active (-1: never)")
	fs.DurationVar(&c.headsInterval, "heads-interval", gateway.DefaultHeadsInterval, "how often passive sessions of large communities get their channels' heads")
	fs.StringVar(&c.debugAddr, "debug-addr", "", "address of a separate listener serving /debug/pprof (empty: none); keep it private")
	fs.StringVar(&c.operatorKey, "operator-key", "", "key of the operator API, at least 16 characters (empty: read <data>/"+operatorKeyFile+", created on first start)")
	fs.DurationVar(&c.webhookTimeout, "webhook-timeout", webhook.DefaultTimeout, "how long a webhook callback may take before the attempt counts as failed")
	fs.IntVar(&c.webhookWorkers, "webhook-workers", webhook.DefaultWorkers, "webhook callbacks in flight at once")
	fs.StringVar(&c.postgres, "postgres", "", "PostgreSQL URL of the shared store (cluster mode; empty: SQLite in the data directory)")
	fs.IntVar(&c.postgresMaxConns, "postgres-max-conns", 0, "connections this node keeps to PostgreSQL (0: the URL's pool_max_conns, else 4 per CPU and at least 8)")
	fs.StringVar(&c.nats, "nats", "", "NATS URL(s), comma-separated, carrying events between the nodes of a cluster (empty: an in-process server)")
	fs.StringVar(&c.config, configFlag, "", "YAML file of settings, its keys these flags' names (log-level: debug); flags and the environment override it")
	fs.BoolVar(&c.accessLog, "access-log", false, "log one line per HTTP request (request ID, operation, status, latency, app, user), whatever --log-level")
	fs.StringVar(&c.metricsAddr, "metrics-addr", "", "address of a separate listener serving Prometheus metrics at /metrics (empty: /metrics on --addr; off: none)")
	fs.DurationVar(&c.readTimeout, "read-timeout", defaultReadTimeout, "how long a client may take to send a request's headers and body")
	fs.BoolVar(&c.devLogin, "dev-login", false, "DEVELOPMENT ONLY: anyone who reaches the server signs in as any user of the development app by name, without a token (the web client offers it); never on a server others can reach")
}

// defaultReadTimeout bounds the reading of a request: a body trickled
// slower than the limit over it is cut off.
const defaultReadTimeout = 30 * time.Second

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, got %q", format)
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg serveConfig
	fs := flag.NewFlagSet("plaza serve", flag.ContinueOnError)
	fs.SetOutput(helpOutput(args, stdout, stderr))
	cfg.flags(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), serveUsage)
		fs.PrintDefaults()
	}
	if err := parseServeFlags(fs, args, getenv); err != nil {
		return err
	}
	log, err := newLogger(stderr, cfg.logLevel, cfg.logFormat)
	if err != nil {
		return err
	}
	// The access log is on or off by its own flag, whatever --log-level.
	var accessLog *slog.Logger
	if cfg.accessLog {
		accessLog, _ = newLogger(stderr, "info", cfg.logFormat)
	}
	if cfg.nodeID < -1 || cfg.nodeID > 1023 {
		return fmt.Errorf("--node-id must be 0-1023 (or -1 for automatic), got %d", cfg.nodeID)
	}
	if cfg.nats != "" && cfg.postgres == "" {
		return errors.New("--nats needs --postgres: the nodes of a cluster share their store, and an embedded SQLite store is one node's alone")
	}
	if cfg.webhookTimeout < time.Second || cfg.webhookTimeout > time.Minute {
		return fmt.Errorf("--webhook-timeout must be between 1s and 1m, got %s", cfg.webhookTimeout)
	}
	if cfg.webhookWorkers < 1 || cfg.webhookWorkers > 1024 {
		return fmt.Errorf("--webhook-workers must be 1-1024, got %d", cfg.webhookWorkers)
	}
	if cfg.readTimeout < time.Second {
		return fmt.Errorf("--read-timeout must be at least 1s, got %s", cfg.readTimeout)
	}
	if err := os.MkdirAll(cfg.data, 0o750); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	warnOpenDataDir(log, cfg.data)
	operatorKey, err := loadOperatorKey(cfg, log, stdout)
	if err != nil {
		return err
	}

	be, err := openBackends(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer be.close()
	// The store's write transactions are timed and the bus's lag measured
	// for the metrics.
	m := metrics.New()
	store := m.Store(be.store)
	nbus := natsbus.New(be.conn, 4, log)
	defer nbus.Close()
	bus := m.Bus(nbus)
	hook := webhook.NewHook(nil)

	// Callbacks are queued in the store with the change they report; the
	// dispatcher delivers them, woken by the service after each commit that
	// queued one.
	dispatcher := webhook.New(webhook.Options{
		Store:   store,
		Client:  &http.Client{Timeout: cfg.webhookTimeout},
		Logger:  log,
		Lease:   max(webhook.DefaultLease, cfg.webhookTimeout+20*time.Second),
		Workers: cfg.webhookWorkers,
	})
	svc := plaza.NewService(plaza.Options{
		Store:            store,
		Bus:              bus,
		NodeID:           be.nodeID,
		Logger:           log,
		PassiveThreshold: cfg.passiveThreshold,
		Hook:             hook,
		WebhookQueued:    dispatcher.Wake,
	})
	if err := bootstrap(ctx, svc, cfg, stdout); err != nil {
		return err
	}
	devLogin, err := devLoginOf(cfg, log, stdout)
	if err != nil {
		return err
	}

	gw := gateway.New(gateway.Options{
		Service:           svc,
		Bus:               bus,
		Logger:            log,
		HeartbeatInterval: cfg.heartbeatInterval,
		MaxFrameBytes:     cfg.maxFrame,
		SendQueue:         cfg.sendQueue,
		SendQueueBytes:    cfg.sendQueueBytes,
		UserQueueBytes:    cfg.userQueueBytes,
		MaxUserSessions:   cfg.maxUserSessions,
		IdentifyRate:      cfg.identifyRate,
		AddressRate:       cfg.addressRate,
		MembershipRecheck: cfg.membershipRecheck,
		RequestRate:       cfg.requestRate,
		UserRate:          cfg.userRequestRate,
		Origins:           splitList(cfg.origins),
		ResumeWindow:      cfg.resumeWindow,
		ResumeBuffer:      cfg.resumeBuffer,
		HeadsInterval:     cfg.headsInterval,
		Observe: func(operation string, code plaza.Code, elapsed time.Duration) {
			m.ObserveRequest(metrics.Gateway, operation, code, elapsed)
		},
	})
	m.Gateway(func() metrics.GatewayStats { return gatewayStats(gw.Stats()) })
	m.Webhooks(func() metrics.WebhookStats { return webhookStats(dispatcher.Stats(), hook.Stats()) })
	var metricsHandler http.Handler
	if cfg.metricsAddr == "" {
		metricsHandler = m.Handler()
	}
	api, err := httpapi.New(httpapi.Options{
		Service:     svc,
		Logger:      log,
		MaxBody:     cfg.maxBody,
		Gateway:     gw,
		OperatorKey: operatorKey,
		Origins:     splitList(cfg.origins),
		Metrics:     metricsHandler,
		AccessLog:   accessLog,
		Web:         web.Handler(),
		DevLogin:    devLogin,
		Observe: func(o httpapi.Observation) {
			code := o.Code
			if code == "" && o.Status >= 400 {
				code = plaza.Code("http_" + strconv.Itoa(o.Status)) // a refusal without an error object
			}
			m.ObserveRequest(metrics.HTTP, o.Operation, code, o.Elapsed)
		},
		Ready: func(ctx context.Context) error {
			if err := store.Ping(ctx); err != nil {
				return err
			}
			if !be.conn.IsConnected() {
				return errors.New("bus is disconnected")
			}
			return nil
		},
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           api,
		ReadHeaderTimeout: min(10*time.Second, cfg.readTimeout),
		// A request's body, too, must arrive in time. A gateway connection
		// is hijacked at once, and the gateway sets its own deadlines on
		// every read and write.
		ReadTimeout: cfg.readTimeout,
		IdleTimeout: 2 * time.Minute,
		ErrorLog:    slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// The background work (usage flush, webhook delivery) outlives the HTTP
	// server on the way out: it stops after the last request has finished,
	// so that the final usage flush counts every message, and before the
	// deferred closes release the store it writes to.
	bg := startBackground(log, map[string]func(context.Context) error{
		"usage flush":        svc.Run,
		"webhook dispatcher": dispatcher.Run,
	})
	defer bg.stop(context.Background())
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	if cfg.debugAddr != "" {
		dbg, err := debugServer(cfg.debugAddr, gw)
		if err != nil {
			return err
		}
		defer dbg.Close()
		log.Info("debug listener", "addr", cfg.debugAddr)
	}
	switch cfg.metricsAddr {
	case "":
		log.Info("metrics at /metrics", "addr", ln.Addr().String())
	case "off":
	default:
		ms, err := metricsServer(cfg.metricsAddr, m.Handler())
		if err != nil {
			return err
		}
		defer ms.Close()
		log.Info("metrics listener", "addr", cfg.metricsAddr)
	}
	fmt.Fprintf(stdout, "Plaza %s listening on http://%s\n", versionString(), ln.Addr())
	log.Info("listening", "addr", ln.Addr().String())

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	// Stop accepting, say going-away to every session, let in-flight
	// requests finish their writes; then the deferred closes release the
	// bus and the store.
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	gwDone := make(chan error, 1)
	go func() { gwDone <- gw.Close(sctx) }()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	if err := <-gwDone; err != nil {
		log.Warn("gateway shutdown", "err", err)
	}
	bg.stop(sctx)
	log.Info("stopped")
	return nil
}

// backends are a node's store and bus connection: SQLite and an in-process
// NATS server by default; PostgreSQL and a NATS cluster shared by every node
// in cluster mode.
type backends struct {
	store  plaza.Store
	conn   *nats.Conn
	nodeID int
	closes []func() // in the order to run them
}

func (b *backends) close() {
	for _, c := range b.closes {
		c()
	}
}

func openBackends(ctx context.Context, cfg serveConfig, log *slog.Logger) (_ *backends, err error) {
	b := &backends{nodeID: cfg.nodeID}
	defer func() {
		if err != nil {
			b.close()
		}
	}()
	if cfg.postgres == "" {
		path := filepath.Join(cfg.data, "plaza.db")
		store, err := sqlite.Open(ctx, path, sqlite.Options{Sync: cfg.sqliteSync})
		if err != nil {
			return nil, err
		}
		b.store = store
		b.nodeID = max(b.nodeID, 0)
		log.Info("store: SQLite (embedded)", "path", path, "sync", cfg.sqliteSync)
	} else {
		store, err := postgres.Open(ctx, cfg.postgres, postgres.Options{MaxConns: int32(cfg.postgresMaxConns)})
		if err != nil {
			return nil, err
		}
		b.store = store
		if b.nodeID < 0 {
			id, release, err := store.ClaimNodeID(ctx)
			if err != nil {
				store.Close()
				return nil, err
			}
			b.nodeID = id
			b.closes = append(b.closes, release)
		}
		log.Info("store: PostgreSQL (shared)", "host", postgresHost(cfg.postgres), "node", b.nodeID)
	}
	b.closes = append([]func(){func() { b.store.Close() }}, b.closes...)
	if cfg.nats == "" {
		emb, err := natsbus.StartEmbedded()
		if err != nil {
			return nil, err
		}
		b.conn = emb.Conn
		b.closes = append([]func(){emb.Close}, b.closes...)
		if cfg.postgres != "" {
			log.Warn("bus: NATS in-process, without --nats: this node runs alone; nodes on the same PostgreSQL will not see each other's events")
		} else {
			log.Info("bus: NATS (embedded, in-process)")
		}
	} else {
		conn, err := natsbus.Connect(cfg.nats, log)
		if err != nil {
			return nil, err
		}
		b.conn = conn
		b.closes = append([]func(){conn.Close}, b.closes...)
		log.Info("bus: NATS cluster", "url", conn.ConnectedUrl())
	}
	return b, nil
}

// postgresHost names the database server of a URL for logs, without the
// credentials.
func postgresHost(url string) string {
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		return "?"
	}
	return fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
}

// background is the work a node does beside serving requests. Each task
// runs until the context it was given ends.
type background struct {
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}
}

// startBackground runs each task in its own goroutine until stop.
func startBackground(log *slog.Logger, tasks map[string]func(context.Context) error) *background {
	ctx, cancel := context.WithCancel(context.Background())
	b := &background{log: log, cancel: cancel, done: make(chan struct{})}
	var wg sync.WaitGroup
	for name, task := range tasks {
		wg.Go(func() {
			if err := task(ctx); err != nil {
				log.Error(name+" stopped with an error", "err", err)
			}
		})
	}
	go func() { wg.Wait(); close(b.done) }()
	return b
}

// stop ends the tasks and waits for them to return (the usage flush stores
// its last counts, the dispatcher hands back the deliveries in flight), or
// for ctx to end. It may be called more than once.
func (b *background) stop(ctx context.Context) {
	b.cancel()
	select {
	case <-b.done:
	case <-ctx.Done():
		b.log.Warn("background work did not stop in time", "err", ctx.Err())
	}
}

// debugServer serves the runtime profiles on their own listener, away from
// the API.
func debugServer(addr string, gw *gateway.Gateway) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("debug listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// The gateway's counters (connections, sessions, dispatches, send-queue
	// overflows, resumes), for operators and benchmarks.
	mux.HandleFunc("/debug/gateway", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(gw.Stats())
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return srv, nil
}

func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// devApp is the content of dev-app.json.
type devApp struct {
	AppID        string `json:"appID"`
	ServerSecret string `json:"serverSecret"`
}

const devAppFile = "dev-app.json"

// bootstrap creates the development app on a store without apps, writes
// dev-app.json and prints a ready token.
func bootstrap(ctx context.Context, svc *plaza.Service, cfg serveConfig, stdout io.Writer) error {
	n, err := svc.AppCount(ctx)
	if err != nil {
		return fmt.Errorf("count apps: %w", err)
	}
	path := filepath.Join(cfg.data, devAppFile)
	mint := "plaza token --data " + cfg.data + " --user <id>"
	if cfg.postgres != "" {
		mint += " --postgres <URL>"
	}
	if n > 0 {
		if _, err := os.Stat(path); err == nil {
			fmt.Fprintf(stdout, "Development app: see %s; mint user tokens with: %s\n", path, mint)
		}
		return nil
	}
	app, err := svc.CreateApp(ctx, plaza.CreateAppRequest{Name: "development", CommunityEnabled: true})
	if err != nil {
		return fmt.Errorf("create development app: %w", err)
	}
	secret := app.Secrets[0].Secret
	b, _ := json.MarshalIndent(devApp{AppID: app.AppID, ServerSecret: secret}, "", "  ")
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// WriteFile sets the mode only on a file it creates.
	if err := os.Chmod(path, 0o600); err != nil {
		return fmt.Errorf("protect %s: %w", path, err)
	}
	const ttl = 7 * 24 * time.Hour
	token, err := plaza.MintToken(secret, app.AppID, cfg.devUser, time.Now(), ttl)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, `Created the development app (community enabled); saved in %s
  appID:        %s
  serverSecret: %s
  token for user %q (valid 7 days):
    %s
Mint tokens for other users with: %s
`, path, app.AppID, secret, cfg.devUser, token, mint)
	return nil
}

// devLoginOf turns development sign-in on when --dev-login asks for it,
// for the development app of dev-app.json only, and says so loudly.
func devLoginOf(cfg serveConfig, log *slog.Logger, stdout io.Writer) (*httpapi.DevLogin, error) {
	if !cfg.devLogin {
		return nil, nil
	}
	path := filepath.Join(cfg.data, devAppFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--dev-login signs in users of the development app, which %s names: %w", path, err)
	}
	var app devApp
	if err := json.Unmarshal(b, &app); err != nil || app.AppID == "" {
		return nil, fmt.Errorf("--dev-login: %s names no development app", path)
	}
	log.Warn("development sign-in is on (--dev-login): anyone who reaches this server signs in as any user of the development app; never use it on a server others can reach", "app", app.AppID)
	fmt.Fprintf(stdout, "DEVELOPMENT SIGN-IN IS ON (--dev-login): anyone who reaches this server signs in as any user of app %s by name\n", app.AppID)
	return &httpapi.DevLogin{AppID: app.AppID}, nil
}

// operatorKeyFile holds the operator key in the data directory when
// --operator-key is not given. Deleting it rotates the key: the next start
// makes a new one.
const operatorKeyFile = "operator-key"

// minOperatorKey is the shortest operator key accepted.
const minOperatorKey = 16

// loadOperatorKey returns the operator API's key: --operator-key, or the
// data directory's key file, created with a random key on first start. The
// key itself is never logged or printed.
func loadOperatorKey(cfg serveConfig, log *slog.Logger, stdout io.Writer) (string, error) {
	if cfg.operatorKey != "" {
		if len(cfg.operatorKey) < minOperatorKey {
			return "", fmt.Errorf("--operator-key must be at least %d characters", minOperatorKey)
		}
		log.Info("operator API: key from --operator-key")
		return cfg.operatorKey, nil
	}
	path := filepath.Join(cfg.data, operatorKeyFile)
	key, err := readOperatorKey(path)
	if errors.Is(err, os.ErrNotExist) {
		key, err = createOperatorKey(path)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(stdout, "Created the operator key in %s; plaza admin reads it from there\n", path)
	}
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		log.Warn("operator API: the key file is readable by others; chmod 600 it", "path", path, "mode", fi.Mode().Perm())
	}
	log.Info("operator API: key from file", "path", path)
	return key, nil
}

// readOperatorKey reads an operator key file.
func readOperatorKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	key := strings.TrimSpace(string(b))
	if len(key) < minOperatorKey {
		return "", fmt.Errorf("%s holds no operator key of at least %d characters; delete it to have a new one made", path, minOperatorKey)
	}
	return key, nil
}

// createOperatorKey writes a new random key to path, readable by its owner
// only. It never overwrites a file.
func createOperatorKey(path string) (string, error) {
	key, err := randomHex(16)
	if err != nil {
		return "", err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("create operator key: %w", err)
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		f.Close()
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return key, nil
}

// warnOpenDataDir warns when users other than the directory's owner and
// group may read or enter the data directory: it holds the SQLite database
// with every app's server secret, dev-app.json and operator-key.
func warnOpenDataDir(log *slog.Logger, dir string) {
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm()&0o007 == 0 {
		return
	}
	log.Warn("the data directory is open to other users; it holds every app's server secret: chmod o-rwx it",
		"dir", dir, "mode", fmt.Sprintf("%#o", fi.Mode().Perm()))
}
