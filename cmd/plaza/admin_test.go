package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/client"
)

// runAdminCmd runs "plaza admin" against s with the given arguments (global
// flags first) and returns what it printed on stdout.
func runAdminCmd(tb testing.TB, s *testServer, args ...string) (string, error) {
	tb.Helper()
	var out strings.Builder
	args = append([]string{"admin", "--url", s.URL, "--data", s.Data}, args...)
	err := run(context.Background(), args, func(string) string { return "" }, nil, &out, io.Discard)
	return out.String(), err
}

// adminOK runs "plaza admin" against s, fails the test if it fails, and
// decodes its JSON output into T.
func adminOK[T any](tb testing.TB, s *testServer, args ...string) T {
	tb.Helper()
	out, err := runAdminCmd(tb, s, args...)
	if err != nil {
		tb.Fatalf("plaza admin %s: %v", strings.Join(args, " "), err)
	}
	var v T
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		tb.Fatalf("plaza admin %s printed %q: %v", strings.Join(args, " "), out, err)
	}
	return v
}

// adminFails runs "plaza admin" against s and checks that it fails with an
// error mentioning every one of want, printing nothing on stdout.
func adminFails(tb testing.TB, s *testServer, want []string, args ...string) error {
	tb.Helper()
	out, err := runAdminCmd(tb, s, args...)
	if err == nil {
		tb.Fatalf("plaza admin %s succeeded, printing %s", strings.Join(args, " "), out)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			tb.Errorf("plaza admin %s: error %q does not mention %q", strings.Join(args, " "), err, w)
		}
	}
	if out != "" {
		tb.Errorf("plaza admin %s failed but printed %q on stdout", strings.Join(args, " "), out)
	}
	return err
}

// appClient returns an SDK client of userID in an app, signed with secret.
func appClient(tb testing.TB, s *testServer, secret, appID, userID string) *client.Client {
	tb.Helper()
	tok, err := plaza.MintToken(secret, appID, userID, time.Now(), time.Hour)
	if err != nil {
		tb.Fatal(err)
	}
	return client.New(s.URL, tok)
}

func TestOperatorKeyFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, operatorKeyFile)
	s := startServer(t, dir, "--log-level", "info")

	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("first start made no operator key file: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("operator key file has mode %v, want 0600", fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(string(b))
	if _, err := hex.DecodeString(key); err != nil || len(key) != 32 {
		t.Fatalf("operator key %q is not 32 hex characters", key)
	}
	if !strings.Contains(s.Stderr.String(), path) {
		t.Errorf("the log does not say where the key is:\n%s", s.Stderr)
	}
	if strings.Contains(s.Stderr.String(), key) || strings.Contains(s.Stdout.String(), key) {
		t.Error("the operator key was logged or printed")
	}
	// plaza admin reads the key from the data directory.
	list := adminOK[plaza.AppListResult](t, s, "apps", "list")
	if len(list.AppList) != 1 || list.AppList[0].AppID != s.App.AppID {
		t.Fatalf("apps list %+v, want the development app", list)
	}
	s.stop(t)

	// The next start reuses the key.
	s = startServer(t, dir)
	if b2, err := os.ReadFile(path); err != nil || string(b2) != string(b) {
		t.Fatalf("restart changed the operator key file: %q, %v", b2, err)
	}
	if strings.Contains(s.Stdout.String(), "Created the operator key") {
		t.Error("restart said it created an operator key")
	}
	adminOK[plaza.AppListResult](t, s, "--operator-key", key, "apps", "list")
	s.stop(t)

	// Deleting the file rotates the key: the old one stops working.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	s = startServer(t, dir)
	b3, err := os.ReadFile(path)
	if err != nil || len(strings.TrimSpace(string(b3))) != 32 || string(b3) == string(b) {
		t.Fatalf("after deleting the key file: %q, %v; want a new key", b3, err)
	}
	adminFails(t, s, []string{"operator_key_invalid"}, "--operator-key", key, "apps", "list")
	adminOK[plaza.AppListResult](t, s, "apps", "list")
}

func TestOperatorKeyFlag(t *testing.T) {
	t.Parallel()
	const key = "a-key-given-on-the-command-line"
	s := startServer(t, "", "--operator-key", key, "--log-level", "info")
	if _, err := os.Stat(filepath.Join(s.Data, operatorKeyFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("--operator-key given, yet a key file exists (%v)", err)
	}
	if strings.Contains(s.Stderr.String(), key) {
		t.Error("the operator key was logged")
	}
	adminOK[plaza.AppListResult](t, s, "--operator-key", key, "apps", "list")
	// PLAZA_OPERATOR_KEY sets it too.
	var out strings.Builder
	env := map[string]string{"PLAZA_OPERATOR_KEY": key, "PLAZA_URL": s.URL}
	if err := run(context.Background(), []string{"admin", "apps", "show", s.App.AppID}, func(k string) string { return env[k] }, nil, &out, io.Discard); err != nil {
		t.Fatalf("admin with PLAZA_OPERATOR_KEY and PLAZA_URL: %v", err)
	}
	if !strings.Contains(out.String(), s.App.AppID) {
		t.Fatalf("apps show printed %s", out.String())
	}
	// Without a key, plaza admin says where it looked.
	adminFails(t, s, []string{"--operator-key", s.Data}, "apps", "list")

	// A short key is refused at start.
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--operator-key", "short"},
		func(string) string { return "" }, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--operator-key") {
		t.Fatalf("a short operator key gave %v", err)
	}
}

func TestAdminWrongOperatorKey(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	adminFails(t, s, []string{"operator_key_invalid", "7006001", "HTTP 401"}, "--operator-key", "not-the-operator-key", "apps", "list")
	adminFails(t, s, []string{"operator_key_invalid"}, "--operator-key", "not-the-operator-key", "community", "disable", s.App.AppID)
	// The wrong key changed nothing.
	app := adminOK[plaza.App](t, s, "apps", "show", s.App.AppID)
	if !app.CommunityEnabled {
		t.Fatal("a call with a wrong operator key disabled the community feature")
	}
}

func TestAdminRoundTrip(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	ctx := context.Background()

	// apps create
	app := adminOK[plaza.App](t, s, "apps", "create", "--app-id", "acme", "--name", "Acme", "--community-enabled", "--spec", `{"channelsPerCommunity":200}`)
	if app.AppID != "acme" || app.Name != "Acme" || !app.CommunityEnabled || app.Spec.ChannelsPerCommunity != 200 || len(app.Secrets) != 1 {
		t.Fatalf("created %+v", app)
	}
	if want := plaza.DefaultSpec(); app.Spec.NameMaxChars != want.NameMaxChars {
		t.Errorf("limits not in --spec are not the defaults: %+v", app.Spec)
	}
	generated := adminOK[plaza.App](t, s, "apps", "create", "--name", "Generated")
	if generated.AppID == "" || generated.CommunityEnabled {
		t.Fatalf("created %+v, want a generated ID and the community feature off", generated)
	}
	adminFails(t, s, []string{"app_exists"}, "apps", "create", "--app-id", "acme", "--name", "Again")

	// apps list, whole and page by page
	list := adminOK[plaza.AppListResult](t, s, "apps", "list")
	var ids []string
	for _, a := range list.AppList {
		ids = append(ids, a.AppID)
	}
	if len(ids) != 3 || list.NextFlag != "" {
		t.Fatalf("apps list: %v next %q, want 3 apps and no next page", ids, list.NextFlag)
	}
	var paged []string
	next := ""
	for range 4 {
		args := []string{"apps", "list", "--count", "2"}
		if next != "" {
			args = append(args, "--next", next)
		}
		page := adminOK[plaza.AppListResult](t, s, args...)
		for _, a := range page.AppList {
			paged = append(paged, a.AppID)
		}
		if next = page.NextFlag; next == "" {
			break
		}
	}
	if strings.Join(paged, ",") != strings.Join(ids, ",") {
		t.Fatalf("paging gave %v, want %v", paged, ids)
	}

	// apps show
	shown := adminOK[plaza.App](t, s, "apps", "show", "acme")
	if shown.AppID != "acme" || shown.Secrets[0] != app.Secrets[0] {
		t.Fatalf("apps show %+v, want %+v", shown, app)
	}
	adminFails(t, s, []string{"app_not_found"}, "apps", "show", "nosuchapp")

	// A user of acme creates a community.
	oldSecret := app.Secrets[0].Secret
	u1 := appClient(t, s, oldSecret, "acme", "u1")
	if _, err := u1.CreateCommunity(ctx, plaza.CreateCommunityRequest{CommunityID: "c1", CommunityName: "One"}); err != nil {
		t.Fatal(err)
	}

	// secret rotate: the new secret comes first, the old one keeps working
	// until the grace period ends.
	before := time.Now()
	rotated := adminOK[plaza.App](t, s, "secret", "rotate", "acme", "--grace", "1h")
	if len(rotated.Secrets) != 2 || rotated.Secrets[1].Secret != oldSecret || rotated.Secrets[0].Secret == oldSecret {
		t.Fatalf("after rotation the secrets are %+v", rotated.Secrets)
	}
	if exp := time.UnixMilli(rotated.Secrets[1].ExpiresAt); exp.Before(before.Add(time.Hour-time.Minute)) || exp.After(time.Now().Add(time.Hour+time.Minute)) {
		t.Errorf("the old secret expires at %v, want in 1h", exp)
	}
	newSecret := rotated.Secrets[0].Secret
	u1 = appClient(t, s, newSecret, "acme", "u1")
	if _, err := appClient(t, s, oldSecret, "acme", "u1").QueryCommunityInfo(ctx, plaza.CommunityRequest{CommunityID: "c1"}); err != nil {
		t.Fatalf("the old secret's token during the grace period: %v", err)
	}

	// community disable: every community call of the app fails at once;
	// enable: they work again, without a restart.
	disabled := adminOK[plaza.App](t, s, "community", "disable", "acme")
	if disabled.CommunityEnabled {
		t.Fatal("community disable printed the feature on")
	}
	_, err := u1.QueryCommunityInfo(ctx, plaza.CommunityRequest{CommunityID: "c1"})
	wantAPIError(t, err, http.StatusForbidden, plaza.EFeatureNotActive)
	if n := plaza.EFeatureNotActive.Number(); n != 6000014 {
		t.Fatalf("feature_not_activated is %d, want 6000014", n)
	}
	// Other apps are not affected.
	if _, err := s.client(t, "alice").QueryCommunityList(ctx, plaza.QueryCommunityListRequest{}); err != nil {
		t.Fatalf("the development app after disabling acme: %v", err)
	}
	if enabled := adminOK[plaza.App](t, s, "community", "enable", "acme"); !enabled.CommunityEnabled {
		t.Fatal("community enable printed the feature off")
	}
	if info, err := u1.QueryCommunityInfo(ctx, plaza.CommunityRequest{CommunityID: "c1"}); err != nil || info.CommunityInfo.CommunityName != "One" {
		t.Fatalf("after community enable: %+v, %v", info, err)
	}

	// spec set: a valid partial change keeps the other limits.
	specd := adminOK[plaza.App](t, s, "spec", "set", "acme", "channelsPerCommunity=500", "meteringOnly=true")
	want := rotated.Spec
	want.ChannelsPerCommunity, want.MeteringOnly = 500, true
	if specd.Spec != want {
		t.Fatalf("spec after set: %+v, want %+v", specd.Spec, want)
	}
	specd = adminOK[plaza.App](t, s, "spec", "set", "acme", "--json", `{"textMessageMaxBytes":4096}`)
	want.TextMessageMaxBytes = 4096
	if specd.Spec != want {
		t.Fatalf("spec after set --json: %+v, want %+v", specd.Spec, want)
	}
	// An out-of-range value is refused, naming the field, and changes nothing
	// (not even the valid limit given with it).
	adminFails(t, s, []string{"invalid_argument", "spec.channelsPerCommunity"}, "spec", "set", "acme", "nameMaxChars=50", "channelsPerCommunity=5000")
	adminFails(t, s, []string{"spec.downstreamPerMonth"}, "spec", "set", "acme", "downstreamPerMonth=5")
	adminFails(t, s, []string{"spec.noSuchLimit"}, "spec", "set", "acme", "noSuchLimit=1")
	if got := adminOK[plaza.App](t, s, "apps", "show", "acme").Spec; got != want {
		t.Fatalf("a refused spec set changed the spec: %+v, want %+v", got, want)
	}
	// The limit applies at once: the community may now hold 500 channels
	// (checked by the service); and lowering it keeps what exists.
	if _, err := u1.CreateCommunityChannel(ctx, plaza.CreateCommunityChannelRequest{CommunityID: "c1", ChannelName: "two"}); err != nil {
		t.Fatal(err)
	}

	// webhook set: flags not given keep their values; a secret is made when
	// none is set.
	hooked := adminOK[plaza.App](t, s, "webhook", "set", "acme", "--url", "http://127.0.0.1:9/callbacks", "--events", "communityCreated,messageSent")
	if w := hooked.Webhook; w.CallbackURL != "http://127.0.0.1:9/callbacks" || len(w.Secret) < 16 || strings.Join(w.Events, ",") != "communityCreated,messageSent" {
		t.Fatalf("webhook after set: %+v", w)
	}
	hooked2 := adminOK[plaza.App](t, s, "webhook", "set", "acme", "--before-send-url", "http://127.0.0.1:9/hook", "--before-send-timeout", "1500ms", "--fail-open")
	w := hooked2.Webhook
	if w.CallbackURL != hooked.Webhook.CallbackURL || w.Secret != hooked.Webhook.Secret || len(w.Events) != 2 ||
		w.BeforeSendMessageURL != "http://127.0.0.1:9/hook" || w.BeforeSendMessageTimeoutMillis != 1500 || !w.BeforeSendMessageFailOpen {
		t.Fatalf("webhook after a second set: %+v", w)
	}
	adminFails(t, s, []string{"webhook.events"}, "webhook", "set", "acme", "--events", "nonsense")
	off := adminOK[plaza.App](t, s, "webhook", "set", "acme", "--url", "", "--before-send-url", "")
	if off.Webhook.CallbackURL != "" || off.Webhook.BeforeSendMessageURL != "" {
		t.Fatalf("webhook after turning it off: %+v", off.Webhook)
	}

	// usage: messages delivered to others count, the limits are the month's
	// highest.
	if _, err := appClient(t, s, newSecret, "acme", "u2").QueryCommunityList(ctx, plaza.QueryCommunityListRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := u1.InviteUsersIntoCommunity(ctx, plaza.UserIDsRequest{CommunityID: "c1", UserIDs: []string{"u2"}}); err != nil {
		t.Fatal(err)
	}
	before2 := adminOK[plaza.Usage](t, s, "usage", "acme")
	for i := range 3 {
		if _, err := u1.SendMessage(ctx, plaza.SendMessageRequest{CommunityID: "c1", ChannelID: plaza.GeneralChannelID, Message: plaza.MessageContent{Type: plaza.MessageText, Message: "hi"}}); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		time.Sleep(120 * time.Millisecond) // the send interval
	}
	usage := adminOK[plaza.Usage](t, s, "usage", "acme")
	if usage.AppID != "acme" || usage.Month != time.Now().UTC().Format("2006-01") {
		t.Fatalf("usage of %s %s", usage.AppID, usage.Month)
	}
	if got := usage.DownstreamMessages - before2.DownstreamMessages; got != 3 {
		t.Errorf("3 messages to one other member counted %d downstream", got)
	}
	if usage.Limits.ChannelsPerCommunity != 500 || !usage.Limits.MeteringOnly || usage.DownstreamLimit != want.DownstreamPerMonth {
		t.Errorf("usage limits %+v, limit %d", usage.Limits, usage.DownstreamLimit)
	}
	// Lowering a limit keeps the month's highest in the record.
	adminOK[plaza.App](t, s, "spec", "set", "acme", "channelsPerCommunity=100")
	if u := adminOK[plaza.Usage](t, s, "usage", "acme", "--month", usage.Month); u.Limits.ChannelsPerCommunity != 500 {
		t.Errorf("after lowering channelsPerCommunity the month's record says %d, want 500", u.Limits.ChannelsPerCommunity)
	}
	adminFails(t, s, []string{"month"}, "usage", "acme", "--month", "2026-13")
}

// TestUsageFlushedAtShutdown stops the server right after sends: the counts
// are in the store once it has stopped, because shutdown waits for the last
// flush.
func TestUsageFlushedAtShutdown(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServer(t, dir)
	ctx := context.Background()
	a := s.client(t, "alice")
	s.client(t, "bob")
	if _, err := a.CreateCommunity(ctx, plaza.CreateCommunityRequest{CommunityID: "c", CommunityName: "C"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.InviteUsersIntoCommunity(ctx, plaza.UserIDsRequest{CommunityID: "c", UserIDs: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * plaza.UsageFlushInterval) // the setup's counts are flushed
	before := adminOK[plaza.Usage](t, s, "usage", s.App.AppID).DownstreamMessages
	if _, err := a.SendMessage(ctx, plaza.SendMessageRequest{CommunityID: "c", ChannelID: plaza.GeneralChannelID, Message: plaza.MessageContent{Type: plaza.MessageText, Message: "last"}}); err != nil {
		t.Fatal(err)
	}
	s.stop(t) // well within the flush interval of the send

	s = startServer(t, dir)
	if after := adminOK[plaza.Usage](t, s, "usage", s.App.AppID).DownstreamMessages; after != before+1 {
		t.Fatalf("downstream after restart %d, want %d: the last send was not flushed at shutdown", after, before+1)
	}
}

func TestAdminCommandLine(t *testing.T) {
	t.Parallel()
	// None of these reach a server: the URL is never listened on.
	s := &testServer{URL: "http://127.0.0.1:1", Data: t.TempDir()}
	if err := os.WriteFile(filepath.Join(s.Data, operatorKeyFile), []byte("0123456789abcdef0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{nil, "no command"},
		{[]string{"apps"}, "unknown command"},
		{[]string{"apps", "remove", "x"}, "unknown command"},
		{[]string{"apps", "show"}, "takes 1 argument"},
		{[]string{"apps", "show", "a", "b"}, "takes 1 argument"},
		{[]string{"apps", "create"}, "--name is required"},
		{[]string{"apps", "create", "--name", "x", "--spec", "[1]"}, "--spec must be a JSON object"},
		{[]string{"apps", "list", "--count", "many"}, "invalid value"},
		{[]string{"spec", "set"}, "needs an app ID"},
		{[]string{"spec", "set", "a"}, "no limit given"},
		{[]string{"spec", "set", "a", "channelsPerCommunity"}, "not key=value"},
		{[]string{"spec", "set", "a", "x=1", "x=2"}, "given twice"},
		{[]string{"spec", "set", "a", "x=1", "--json", `{"y":1}`}, "not both"},
		{[]string{"spec", "set", "a", "--json", "nope"}, "--json must be a JSON object"},
		{[]string{"secret", "rotate", "a", "--grace", "soon"}, "invalid value"},
		{[]string{"usage", "a", "--bogus"}, "not defined"},
		// A reachable command with no server answers with the transport error.
		{[]string{"apps", "show", "a"}, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			adminFails(t, s, []string{tt.want}, tt.args...)
		})
	}

	// The help lists every command, from plaza help and plaza admin help.
	var top, adm strings.Builder
	if err := run(context.Background(), []string{"help"}, func(string) string { return "" }, nil, &top, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(top.String(), "admin") {
		t.Errorf("plaza help does not list admin:\n%s", top.String())
	}
	if err := run(context.Background(), []string{"admin", "help"}, func(string) string { return "" }, nil, &adm, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, c := range adminCommands {
		if !strings.Contains(adm.String(), "  "+c.name+" ") {
			t.Errorf("plaza admin help does not list %q:\n%s", c.name, adm.String())
		}
	}
}

// callbackReceiver is an app backend's callback endpoint that fails the
// first failures attempts of each delivery.
type callbackReceiver struct {
	secret   string
	failures int

	mu       sync.Mutex
	attempts map[string][]time.Time // by Plaza-Webhook-ID
	ok       map[string]int         // 2xx answers, by Plaza-Webhook-ID
	bodies   map[string][]byte
	bad      []string // what was wrong with a request
	notify   chan string
}

func (rc *callbackReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	id := r.Header.Get("Plaza-Webhook-ID")
	rc.mu.Lock()
	defer rc.mu.Unlock()
	ts := r.Header.Get("Plaza-Timestamp")
	var sec int64
	if err := json.Unmarshal([]byte(ts), &sec); err != nil || plaza.WebhookSignature(rc.secret, id, sec, body) != r.Header.Get("Plaza-Signature") {
		rc.bad = append(rc.bad, "signature of delivery "+id+" does not verify")
	}
	if prev, ok := rc.bodies[id]; ok && string(prev) != string(body) {
		rc.bad = append(rc.bad, "delivery "+id+" changed its body on a retry")
	}
	rc.bodies[id] = body
	rc.attempts[id] = append(rc.attempts[id], time.Now())
	n := len(rc.attempts[id])
	select {
	case rc.notify <- id:
	default:
	}
	if n <= rc.failures {
		http.Error(w, "try again later", http.StatusServiceUnavailable)
		return
	}
	rc.ok[id]++
	w.WriteHeader(http.StatusNoContent)
}

func (rc *callbackReceiver) snapshot() (attempts map[string]int, ok map[string]int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	attempts = map[string]int{}
	for id, a := range rc.attempts {
		attempts[id] = len(a)
	}
	ok = map[string]int{}
	for id, n := range rc.ok {
		ok[id] = n
	}
	return attempts, ok
}

// TestWebhookRetriesAcrossRestart: a callback whose receiver fails twice is
// retried with the real delays, by a second server on the same data after
// the first stopped, and arrives exactly once.
func TestWebhookRetriesAcrossRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the real retry delays (2s and 4s)")
	}
	t.Parallel()
	const secret = "callback-secret-0123456789"
	rc := &callbackReceiver{secret: secret, failures: 2, attempts: map[string][]time.Time{}, ok: map[string]int{},
		bodies: map[string][]byte{}, notify: make(chan string, 16)}
	recv := httptest.NewServer(rc)
	t.Cleanup(recv.Close)

	dir := t.TempDir()
	s := startServer(t, dir)
	adminOK[plaza.App](t, s, "webhook", "set", s.App.AppID, "--url", recv.URL+"/plaza", "--secret", secret, "--events", "communityCreated")

	ctx := context.Background()
	if _, err := s.client(t, "alice").CreateCommunity(ctx, plaza.CreateCommunityRequest{CommunityID: "hooked", CommunityName: "Hooked"}); err != nil {
		t.Fatal(err)
	}
	var id string
	select {
	case id = <-rc.notify:
	case <-time.After(5 * time.Second):
		t.Fatal("no callback attempt within 5s of the change")
	}
	time.Sleep(300 * time.Millisecond) // let the failed attempt be recorded
	s.stop(t)
	if attempts, _ := rc.snapshot(); attempts[id] != 1 {
		t.Fatalf("before the restart the receiver got %d attempts, want 1", attempts[id])
	}

	s = startServer(t, dir)
	deadline := time.After(20 * time.Second)
	for done := false; !done; {
		select {
		case <-rc.notify:
			_, ok := rc.snapshot()
			done = ok[id] > 0
		case <-deadline:
			attempts, _ := rc.snapshot()
			t.Fatalf("callback not delivered within 20s of the restart; attempts %v", attempts)
		}
	}
	time.Sleep(time.Second) // a duplicate would arrive now
	attempts, ok := rc.snapshot()
	if ok[id] != 1 || len(ok) != 1 {
		t.Errorf("2xx answers by delivery: %v, want exactly one, for %s", ok, id)
	}
	if attempts[id] != 3 {
		t.Errorf("delivery %s took %d attempts, want 3 (two failures, one success)", id, attempts[id])
	}
	rc.mu.Lock()
	times, body, bad := rc.attempts[id], rc.bodies[id], rc.bad
	rc.mu.Unlock()
	for _, b := range bad {
		t.Error(b)
	}
	if gap := times[2].Sub(times[1]); gap < 1500*time.Millisecond {
		t.Errorf("the last retry came %s after the previous attempt; the retry delays are 2s and 4s", gap)
	}

	var got struct {
		Event     string                  `json:"event"`
		AppID     string                  `json:"appID"`
		CreatedAt int64                   `json:"createdAt"`
		Data      plaza.CommunityCallback `json:"data"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("callback body %s: %v", body, err)
	}
	if got.Event != plaza.WebhookCommunityCreated || got.AppID != s.App.AppID || got.CreatedAt == 0 {
		t.Errorf("callback %s of app %s at %d, want %s of %s", got.Event, got.AppID, got.CreatedAt, plaza.WebhookCommunityCreated, s.App.AppID)
	}
	if c := got.Data.Community; c.CommunityID != "hooked" || c.CommunityName != "Hooked" || c.CreatorUserID != "alice" {
		t.Errorf("callback data %+v, want community hooked created by alice", got.Data)
	}
	if u := adminOK[plaza.Usage](t, s, "usage", s.App.AppID); u.PendingWebhooks != 0 {
		t.Errorf("%d callbacks still pending after delivery", u.PendingWebhooks)
	}
}
