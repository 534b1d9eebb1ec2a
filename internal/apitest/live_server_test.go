package apitest_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/httpapi"
	"github.com/plazahq/plaza/internal/plazatest"
)

const liveOperatorKey = "live-operator-key-0123456789"

// send sends req, checks the status and returns the decoded body.
func (l *live) send(req *http.Request, want int) map[string]any {
	t := l.t
	t.Helper()
	resp, err := l.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Errorf("%s %s: status %d, want %d; body %s", req.Method, req.URL.RequestURI(), resp.StatusCode, want, b)
	}
	if resp.StatusCode == http.StatusOK {
		l.succeeded[route(req.Method, req.URL.EscapedPath())] = true
	}
	var out map[string]any
	json.Unmarshal(b, &out)
	return out
}

// operator calls the operator API with key.
func (l *live) operator(key, method, path, body string, want int) map[string]any {
	l.t.Helper()
	req, err := http.NewRequest(method, l.srv.URL+path, strings.NewReader(body))
	if err != nil {
		l.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	return l.send(req, want)
}

// signed calls the server API, signed with the env app's secret at the
// time at.
func (l *live) signed(method, path, body string, at time.Time, want int) map[string]any {
	l.t.Helper()
	req, err := http.NewRequest(method, l.srv.URL+path, strings.NewReader(body))
	if err != nil {
		l.t.Fatal(err)
	}
	var b [16]byte
	rand.Read(b[:])
	nonce := hex.EncodeToString(b[:])
	appID, secret := l.env.App.AppID, l.env.App.Secrets[0].Secret
	req.Header.Set("Plaza-App-ID", appID)
	req.Header.Set("Plaza-Nonce", nonce)
	req.Header.Set("Plaza-Timestamp", strconv.FormatInt(at.Unix(), 10))
	req.Header.Set("Plaza-Signature", plaza.ServerSignature(secret, appID, nonce, at.Unix(), method, req.URL.RequestURI(), []byte(body)))
	return l.send(req, want)
}

// TestLiveOperatorAndServerMatchDocument drives every operator route and
// every route of the server API's own through Transport, with mirrored
// client calls and a system send, successes and failures alike, so that
// each answer is checked against the document.
func TestLiveOperatorAndServerMatchDocument(t *testing.T) {
	t.Parallel()
	l := newLiveWith(t, plazatest.Options{}, httpapi.Options{OperatorKey: liveOperatorKey}, "alice", "bob")
	op := func(method, path, body string, want int) map[string]any {
		t.Helper()
		return l.operator(liveOperatorKey, method, path, body, want)
	}
	now := time.Now()
	sig := func(method, path, body string, want int) map[string]any {
		t.Helper()
		return l.signed(method, path, body, now, want)
	}

	// Operator API.
	op("POST", "/v1/operator/apps", `{"appID":"acme","name":"Acme","spec":{"channelsPerCommunity":300,"meteringOnly":true}}`, 200)
	op("POST", "/v1/operator/apps", `{"appID":"acme"}`, 409)
	op("POST", "/v1/operator/apps", `{"spec":{"channelsPerCommunity":250}}`, 400)
	op("POST", "/v1/operator/apps", `{}`, 200)
	l.operator("wrong-key", "GET", "/v1/operator/apps", "", 401)
	op("GET", "/v1/operator/apps?count=2", "", 200)
	op("GET", "/v1/operator/apps?count=0", "", 200)
	op("GET", "/v1/operator/apps?count=-1", "", 400)
	op("GET", "/v1/operator/apps/acme", "", 200)
	op("GET", "/v1/operator/apps/nowhere", "", 404)
	rotated := op("POST", "/v1/operator/apps/acme/secrets", `{"graceSeconds":60}`, 200)
	if secrets, _ := rotated["serverSecrets"].([]any); len(secrets) != 2 {
		t.Errorf("rotateAppSecret: serverSecrets %v, want two", rotated["serverSecrets"])
	}
	op("POST", "/v1/operator/apps/acme/secrets", "", 200)
	op("POST", "/v1/operator/apps/acme/secrets", `{"graceSeconds":-1}`, 400)
	op("PUT", "/v1/operator/apps/acme/communityEnabled", `{"communityEnabled":true}`, 200)
	op("PUT", "/v1/operator/apps/acme/communityEnabled", `{}`, 400)
	op("PATCH", "/v1/operator/apps/acme/spec", `{"spec":{"membersPerCommunity":0,"downstreamPerMonth":210000000}}`, 200)
	op("PATCH", "/v1/operator/apps/acme/spec", `{"spec":{"downstreamPerMonth":205000000}}`, 400)
	op("PATCH", "/v1/operator/apps/nowhere/spec", `{"spec":{"nameMaxChars":10}}`, 404)
	op("PUT", "/v1/operator/apps/acme/webhook", `{"webhook":{"callbackURL":"https://example.com/hook","secret":"0123456789abcdef",
		"events":["messageSent","memberJoined"],"beforeSendMessageURL":"https://example.com/before","beforeSendMessageTimeoutMillis":500,
		"beforeSendMessageFailOpen":true}}`, 200)
	op("PUT", "/v1/operator/apps/acme/webhook", `{"webhook":{}}`, 200)
	op("PUT", "/v1/operator/apps/acme/webhook", `{"webhook":{"beforeSendMessageTimeoutMillis":50}}`, 400)
	op("GET", "/v1/operator/apps/acme/usage", "", 200)
	op("GET", "/v1/operator/apps/acme/usage?month=2020-02", "", 200)
	op("GET", "/v1/operator/apps/acme/usage?month=2020", "", 400)

	// Server API: mirrored client calls, for a user.
	sig("POST", "/v1/server/communities?fromUserID=alice", `{"communityID":"garden","communityName":"Gardeners"}`, 200)
	sig("GET", "/v1/server/communities/garden?fromUserID=alice", "", 200)
	sig("GET", "/v1/server/communities/garden?fromUserID=bob", "", 403)
	sig("GET", "/v1/server/communities?count=5&fromUserID=alice", "", 200)
	sig("GET", "/v1/server/communities", "", 400)
	sig("POST", "/v1/server/communities/garden/channels?fromUserID=alice", `{"channelID":"talk","channelName":"Talk"}`, 200)

	// The server API's own.
	sig("GET", "/v1/server/app/communities?count=1", "", 200)
	sig("GET", "/v1/server/app/communities?count=10001", "", 400)
	sig("POST", "/v1/server/app/users", `{"userList":[{"userID":"carol","userName":"Carol"}]}`, 200)
	sig("POST", "/v1/server/app/users", `{"userList":[]}`, 400)
	sig("POST", "/v1/server/app/users/carol/token", "", 200)
	sig("POST", "/v1/server/app/users/carol/token", `{"ttlSeconds":-5}`, 400)

	// The system send, and the same route for a user.
	sent := sig("POST", "/v1/server/communities/garden/channels/talk/messages", `{"message":{"type":1,"message":"Welcome!"}}`, 200)
	if msg, _ := sent["message"].(map[string]any); msg["senderUserID"] != plaza.SystemUserID {
		t.Errorf("system send: %v", sent)
	}
	sig("POST", "/v1/server/communities/garden/channels/talk/messages?fromUserID=alice", `{"message":{"type":1,"message":"Hi"}}`, 200)
	sig("POST", "/v1/server/communities/garden/channels/talk/messages?fromUserID=bob", `{"message":{"type":1,"message":"Hi"}}`, 403)
	sig("POST", "/v1/server/communities/garden/channels/nowhere/messages", `{"message":{"type":1,"message":"Hi"}}`, 404)

	// Refusals of the signature.
	l.signed("GET", "/v1/server/app/communities", "", now.Add(-time.Hour), 401)
	req, _ := http.NewRequest("GET", l.srv.URL+"/v1/server/app/communities", nil)
	req.Header.Set("Authorization", "Bearer "+l.env.Token(t, "alice"))
	l.send(req, 401)

	for _, r := range slices.Concat(httpapi.OperatorRoutes(), httpapi.ServerRoutes()) {
		if !l.succeeded[r[0]+" "+r[1]] {
			t.Errorf("%s (%s %s) never succeeded in this test: exercise it", r[2], r[0], r[1])
		}
	}
}
