package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/apitest"
	"github.com/plazahq/plaza/internal/httpapi"
	"github.com/plazahq/plaza/internal/plazatest"
)

const operatorKey = "operator-key-for-tests-0123456789"

// newCheckedServer serves the API with the operator API on and checks every
// answer against api/openapi.yaml.
func newCheckedServer(t *testing.T, po plazatest.Options) *apiServer {
	t.Helper()
	return startAPIServer(t, po, httpapi.Options{OperatorKey: operatorKey}, &http.Client{Transport: apitest.Transport(t, nil)})
}

// unchecked returns s calling without the document check, for answers that
// the document does not describe (405, unknown paths).
func (s *apiServer) unchecked() *apiServer {
	c := *s
	c.hc = http.DefaultClient
	return &c
}

func newRequest(tb testing.TB, method, url, body string) *http.Request {
	tb.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	return req
}

// operator calls the operator API with key ("" for none).
func (s *apiServer) operator(tb testing.TB, key, method, path, body string) response {
	tb.Helper()
	req := newRequest(tb, method, s.url+path, body)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return s.send(tb, req)
}

// ok fails the test unless r is a 200 and returns its body decoded.
func ok[T any](tb testing.TB, r response) T {
	tb.Helper()
	var v T
	if r.status != http.StatusOK {
		tb.Fatalf("HTTP %d %s, want 200", r.status, r.body)
	}
	if err := json.Unmarshal(r.body, &v); err != nil {
		tb.Fatalf("decoding %s: %v", r.body, err)
	}
	return v
}

// refused fails the test unless r is the error code with the status
// errors.go gives it.
func refused(tb testing.TB, r response, code plaza.Code, status int) {
	tb.Helper()
	if r.status != status || r.err == nil || r.err.Code != code {
		tb.Fatalf("HTTP %d %s, want %d %s", r.status, r.body, status, code)
	}
}

func TestOperatorKey(t *testing.T) {
	t.Parallel()
	s := newCheckedServer(t, plazatest.Options{})
	userToken := s.env.Token(t, "amy")
	tests := []struct {
		name   string
		header string // the Authorization header; "" for none
		code   plaza.Code
	}{
		{"no key", "", plaza.EOperatorKey},
		{"empty bearer", "Bearer ", plaza.EOperatorKey},
		{"wrong key", "Bearer not-the-operator-key", plaza.EOperatorKey},
		{"key with a suffix", "Bearer " + operatorKey + "x", plaza.EOperatorKey},
		{"key prefix", "Bearer " + operatorKey[:len(operatorKey)-1], plaza.EOperatorKey},
		{"not a bearer", "Basic " + operatorKey, plaza.EOperatorKey},
		{"user token", "Bearer " + userToken, plaza.EOperatorKey},
		{"right key", "Bearer " + operatorKey, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, r := range httpapi.OperatorRoutes() {
				path := strings.ReplaceAll(r[1], "{appID}", s.env.App.AppID)
				req := newRequest(t, r[0], s.url+path, "")
				if tt.header != "" {
					req.Header.Set("Authorization", tt.header)
				}
				got := s.send(t, req)
				if tt.code != "" {
					refused(t, got, tt.code, http.StatusUnauthorized)
					continue
				}
				if got.err != nil && (got.err.Code == plaza.EOperatorKey || got.err.Code == plaza.ENotFound) {
					t.Errorf("%s %s with the right key: %s", r[0], path, got.body)
				}
			}
		})
	}
	// The key changes nothing it is refused for.
	before := s.env.Snapshot(t)
	refused(t, s.operator(t, "wrong", "POST", "/v1/operator/apps", `{"appID":"sneaky"}`), plaza.EOperatorKey, 401)
	if after := s.env.Snapshot(t); after != before {
		t.Fatal("a refused operator call changed the store")
	}
}

func TestOperatorAPIOff(t *testing.T) {
	t.Parallel()
	s := startAPIServer(t, plazatest.Options{}, httpapi.Options{}, &http.Client{Transport: apitest.Transport(t, nil)})
	for _, r := range httpapi.OperatorRoutes() {
		path := strings.ReplaceAll(r[1], "{appID}", s.env.App.AppID)
		for _, key := range []string{"", operatorKey} {
			got := s.operator(t, key, r[0], path, `{}`)
			refused(t, got, plaza.ENotFound, http.StatusNotFound)
			if !strings.Contains(got.err.Message, "operator API is off") {
				t.Errorf("%s %s: %q does not say that the operator API is off", r[0], path, got.err.Message)
			}
		}
	}
	for _, path := range []string{"/v1/operator", "/v1/operator/", "/v1/operator/nothing"} {
		got := s.unchecked().operator(t, operatorKey, "GET", path, "")
		refused(t, got, plaza.ENotFound, http.StatusNotFound)
		if !strings.Contains(got.err.Message, "operator API is off") {
			t.Errorf("GET %s: %q does not say that the operator API is off", path, got.err.Message)
		}
	}
	// The rest of the API is unaffected.
	s.env.Users(t, "amy")
	ok[plaza.QueryCommunityListResult](t, s.do(t, "amy", "GET", "/v1/communities", nil))
}

func TestOperatorApps(t *testing.T) {
	t.Parallel()
	s := newCheckedServer(t, plazatest.Options{})
	op := func(method, path, body string) response {
		t.Helper()
		return s.operator(t, operatorKey, method, path, body)
	}

	// createApp.
	acme := ok[plaza.App](t, op("POST", "/v1/operator/apps", `{"appID":"acme","name":"Acme","spec":{"channelsPerCommunity":200}}`))
	if acme.AppID != "acme" || acme.Name != "Acme" || acme.CommunityEnabled || len(acme.Secrets) != 1 {
		t.Fatalf("created %+v", acme)
	}
	want := plaza.DefaultSpec()
	want.ChannelsPerCommunity = 200
	if acme.Spec != want {
		t.Fatalf("spec %+v, want the default with 200 channels: %+v", acme.Spec, want)
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(acme.Secrets[0].Secret) {
		t.Fatalf("secret %q is not 32 hex characters", acme.Secrets[0].Secret)
	}
	refused(t, op("POST", "/v1/operator/apps", `{"appID":"acme"}`), plaza.EAppExists, http.StatusConflict)
	generated := ok[plaza.App](t, op("POST", "/v1/operator/apps", `{"name":"Generated","communityEnabled":true}`))
	if !regexp.MustCompile(`^[1-9][0-9]{9}$`).MatchString(generated.AppID) || !generated.CommunityEnabled {
		t.Fatalf("generated app %+v", generated)
	}
	for _, tt := range []struct{ body, field string }{
		{`{"appID":"bad1","spec":{"communitiesPerUser":150}}`, "spec.communitiesPerUser"},
		{`{"appID":"bad2","spec":{"bogus":1}}`, "spec.bogus"},
		{`{"appID":"#bad"}`, "appID"},
		{`{"appID":"bad3","name":"` + strings.Repeat("n", 301) + `"}`, "name"},
		{`{"appID":"bad4","colour":"red"}`, "colour"},
	} {
		r := op("POST", "/v1/operator/apps", tt.body)
		refused(t, r, plaza.EInvalidArgument, http.StatusBadRequest)
		if r.err.Field != tt.field {
			t.Errorf("%s: field %q, want %q", tt.body, r.err.Field, tt.field)
		}
	}

	// listApps, page by page.
	var listed []string
	next := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("listApps never reaches its last page")
		}
		page := ok[plaza.AppListResult](t, op("GET", "/v1/operator/apps?count=1&nextFlag="+next, ""))
		if len(page.AppList) > 1 {
			t.Fatalf("a page of count=1 holds %d apps", len(page.AppList))
		}
		for _, a := range page.AppList {
			listed = append(listed, a.AppID)
		}
		if next = page.NextFlag; next == "" {
			break
		}
	}
	all := []string{s.env.App.AppID, "acme", generated.AppID}
	slices.Sort(all)
	if !slices.Equal(listed, all) {
		t.Fatalf("listed %v, want %v", listed, all)
	}
	refused(t, op("GET", "/v1/operator/apps?count=1001", ""), plaza.EInvalidArgument, http.StatusBadRequest)

	// queryApp.
	if got := ok[plaza.App](t, op("GET", "/v1/operator/apps/acme", "")); got.AppID != "acme" || got.Spec != want {
		t.Fatalf("queryApp: %+v", got)
	}
	refused(t, op("GET", "/v1/operator/apps/nowhere", ""), plaza.EAppNotFound, http.StatusNotFound)

	// setAppWebhook.
	hooked := ok[plaza.App](t, op("PUT", "/v1/operator/apps/acme/webhook",
		`{"webhook":{"callbackURL":"https://example.com/plaza","secret":"0123456789abcdef","events":["messageSent"]}}`))
	if hooked.Webhook.CallbackURL != "https://example.com/plaza" || !slices.Equal(hooked.Webhook.Events, []string{"messageSent"}) {
		t.Fatalf("webhook %+v", hooked.Webhook)
	}
	for _, tt := range []struct{ body, field string }{
		{`{"webhook":{"callbackURL":"ftp://example.com","secret":"0123456789abcdef"}}`, "webhook.callbackURL"},
		{`{"webhook":{"callbackURL":"https://example.com","secret":"short"}}`, "webhook.secret"},
		{`{"webhook":{"events":["exploded"]}}`, "webhook.events"},
	} {
		r := op("PUT", "/v1/operator/apps/acme/webhook", tt.body)
		refused(t, r, plaza.EInvalidArgument, http.StatusBadRequest)
		if r.err.Field != tt.field {
			t.Errorf("%s: field %q, want %q", tt.body, r.err.Field, tt.field)
		}
	}
	if got := ok[plaza.App](t, op("GET", "/v1/operator/apps/acme", "")); got.Webhook.CallbackURL != "https://example.com/plaza" {
		t.Fatalf("a refused webhook changed it: %+v", got.Webhook)
	}

	// queryAppUsage.
	usage := ok[plaza.Usage](t, op("GET", "/v1/operator/apps/acme/usage", ""))
	if usage.AppID != "acme" || usage.Month != time.Now().UTC().Format("2006-01") || usage.Limits.ChannelsPerCommunity != 200 ||
		usage.DownstreamLimit != want.DownstreamPerMonth {
		t.Fatalf("usage %+v", usage)
	}
	if u := ok[plaza.Usage](t, op("GET", "/v1/operator/apps/acme/usage?month=2025-01", "")); u.Month != "2025-01" {
		t.Fatalf("usage of 2025-01: %+v", u)
	}
	r := op("GET", "/v1/operator/apps/acme/usage?month=January", "")
	refused(t, r, plaza.EInvalidArgument, http.StatusBadRequest)
	if r.err.Field != "month" {
		t.Errorf("bad month: field %q", r.err.Field)
	}
	refused(t, op("GET", "/v1/operator/apps/nowhere/usage", ""), plaza.EAppNotFound, http.StatusNotFound)
}

func TestOperatorSetAppSpec(t *testing.T) {
	t.Parallel()
	s := newCheckedServer(t, plazatest.Options{})
	op := func(method, path, body string) response {
		t.Helper()
		return s.operator(t, operatorKey, method, path, body)
	}
	path := "/v1/operator/apps/" + s.env.App.AppID + "/spec"

	// A partial update changes the named limits only.
	got := ok[plaza.App](t, op("PATCH", path, `{"spec":{"nameMaxChars":50,"communitiesPerUser":200}}`))
	want := s.env.App.Spec
	want.NameMaxChars, want.CommunitiesPerUser = 50, 200
	if got.Spec != want {
		t.Fatalf("spec after a partial update:\n%+v\nwant\n%+v", got.Spec, want)
	}
	// The new limit applies at once.
	s.env.Users(t, "amy")
	r := s.do(t, "amy", "POST", "/v1/communities", []byte(`{"communityName":"`+strings.Repeat("n", 51)+`"}`))
	refused(t, r, plaza.EInvalidArgument, http.StatusBadRequest)

	// A value out of range refuses the whole change.
	for _, tt := range []struct{ body, field string }{
		{`{"spec":{"nameMaxChars":60,"communitiesPerUser":150}}`, "spec.communitiesPerUser"},
		{`{"spec":{"nameMaxChars":60,"membersPerCommunity":10}}`, "spec.membersPerCommunity"},
		{`{"spec":{"nameMaxChars":0}}`, "spec.nameMaxChars"},
		{`{"spec":{"textMessageMaxBytes":32769}}`, "spec.textMessageMaxBytes"},
		{`{"spec":{"nameMaxChars":60,"bogus":1}}`, "spec.bogus"},
		{`{"spec":{"nameMaxChars":"sixty"}}`, "spec.nameMaxChars"},
		{`{}`, "spec"},
		{`{"spec":null}`, "spec"},
	} {
		before := s.env.Snapshot(t)
		r := op("PATCH", path, tt.body)
		refused(t, r, plaza.EInvalidArgument, http.StatusBadRequest)
		if r.err.Field != tt.field {
			t.Errorf("%s: field %q, want %q", tt.body, r.err.Field, tt.field)
		}
		if after := s.env.Snapshot(t); after != before {
			t.Errorf("%s was refused but changed the store", tt.body)
		}
	}
	if got := ok[plaza.App](t, op("GET", "/v1/operator/apps/"+s.env.App.AppID, "")); got.Spec != want {
		t.Fatalf("spec after refused updates:\n%+v\nwant\n%+v", got.Spec, want)
	}
	refused(t, op("PATCH", "/v1/operator/apps/nowhere/spec", `{"spec":{"nameMaxChars":60}}`), plaza.EAppNotFound, http.StatusNotFound)
	// The billing record holds the highest value of the month.
	ok[plaza.App](t, op("PATCH", path, `{"spec":{"communitiesPerUser":100}}`))
	usage := ok[plaza.Usage](t, op("GET", "/v1/operator/apps/"+s.env.App.AppID+"/usage", ""))
	if usage.Limits.CommunitiesPerUser != 200 {
		t.Errorf("usage limits hold communitiesPerUser %d, want the month's highest, 200", usage.Limits.CommunitiesPerUser)
	}
}

// TestOperatorCommunitySwitch turns an app's community feature off and on
// and watches a client call's answer follow, on the same running server.
func TestOperatorCommunitySwitch(t *testing.T) {
	t.Parallel()
	s := newCheckedServer(t, plazatest.Options{})
	s.env.Users(t, "amy")
	path := "/v1/operator/apps/" + s.env.App.AppID + "/communityEnabled"
	for i, enabled := range []bool{false, true, false, true} {
		app := ok[plaza.App](t, s.operator(t, operatorKey, "PUT", path, fmt.Sprintf(`{"communityEnabled":%v}`, enabled)))
		if app.CommunityEnabled != enabled {
			t.Fatalf("step %d: communityEnabled %v, want %v", i, app.CommunityEnabled, enabled)
		}
		r := s.do(t, "amy", "GET", "/v1/communities", nil)
		switch {
		case enabled && r.status != http.StatusOK:
			t.Fatalf("step %d: enabled, but the client call answers %d %s", i, r.status, r.body)
		case !enabled:
			refused(t, r, plaza.EFeatureNotActive, http.StatusForbidden)
			if n := r.err.Code.Number(); n != 6000014 {
				t.Fatalf("step %d: feature_not_activated numbered %d, want 6000014", i, n)
			}
		}
	}
	r := s.operator(t, operatorKey, "PUT", path, `{}`)
	refused(t, r, plaza.EInvalidArgument, http.StatusBadRequest)
	if r.err.Field != "communityEnabled" {
		t.Errorf("missing communityEnabled: field %q", r.err.Field)
	}
}

// TestOperatorRotateSecret rotates the app's server secret: during the
// grace period tokens and signatures made with the old secret keep working;
// after a rotation without grace they stop.
func TestOperatorRotateSecret(t *testing.T) {
	t.Parallel()
	s := newCheckedServer(t, plazatest.Options{})
	appID := s.env.App.AppID
	old := s.env.App.Secrets[0].Secret
	path := "/v1/operator/apps/" + appID + "/secrets"

	rotated := ok[plaza.App](t, s.operator(t, operatorKey, "POST", path, `{"graceSeconds":3600}`))
	if len(rotated.Secrets) != 2 || rotated.Secrets[1].Secret != old || rotated.Secrets[0].Secret == old {
		t.Fatalf("secrets after a rotation: %+v", rotated.Secrets)
	}
	fresh := rotated.Secrets[0].Secret
	if exp := rotated.Secrets[1].ExpiresAt; exp < time.Now().Add(59*time.Minute).UnixMilli() || exp > time.Now().Add(61*time.Minute).UnixMilli() {
		t.Fatalf("the old secret expires at %d, want in an hour", exp)
	}
	works := func(secret string) bool {
		t.Helper()
		tok, err := plaza.MintToken(secret, appID, "amy", time.Now(), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		req := newRequest(t, "GET", s.url+"/v1/communities", "")
		req.Header.Set("Authorization", "Bearer "+tok)
		byToken := s.send(t, req).status == http.StatusOK
		bySignature := s.send(t, s.signWith(t, appID, secret, "GET", "/v1/server/app/communities", "", time.Now(), "")).status == http.StatusOK
		if byToken != bySignature {
			t.Fatalf("secret %s: works for a token %v but for a signature %v", secret, byToken, bySignature)
		}
		return byToken
	}
	if !works(old) || !works(fresh) {
		t.Fatal("during the grace period both secrets must work")
	}
	// The minted token uses the newest secret.
	minted := ok[plaza.MintUserTokenResult](t, s.send(t, s.signWith(t, appID, fresh, "POST", "/v1/server/app/users/amy/token", "", time.Now(), "")))
	if _, err := plaza.VerifyToken(minted.Token, []string{fresh}, time.Now()); err != nil {
		t.Fatalf("a token minted after the rotation is not signed with the new secret: %v", err)
	}

	retired := ok[plaza.App](t, s.operator(t, operatorKey, "POST", path, `{"graceSeconds":0}`))
	newest := retired.Secrets[0].Secret
	if !works(newest) || works(old) || works(fresh) {
		t.Fatal("after a rotation without grace only the newest secret may work")
	}
	r := s.operator(t, operatorKey, "POST", path, `{"graceSeconds":2592001}`)
	refused(t, r, plaza.EInvalidArgument, http.StatusBadRequest)
	if r.err.Field != "graceSeconds" {
		t.Errorf("graceSeconds out of range: field %q", r.err.Field)
	}
	refused(t, s.operator(t, operatorKey, "POST", "/v1/operator/apps/nowhere/secrets", ""), plaza.EAppNotFound, http.StatusNotFound)
}
