package apitest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/apitest"
	"github.com/plazahq/plaza/internal/httpapi"
	"github.com/plazahq/plaza/internal/plazatest"
)

// live is a real server (SQLite, embedded NATS) whose every answer passes
// through Transport, so that it is checked against the document.
type live struct {
	t   *testing.T
	env *plazatest.Env
	srv *httptest.Server
	hc  *http.Client
	// succeeded holds the routes ("METHOD /template") that answered 200.
	succeeded map[string]bool
}

func newLive(t *testing.T, o plazatest.Options, users ...string) *live {
	t.Helper()
	return newLiveWith(t, o, httpapi.Options{}, users...)
}

// newLiveWith is newLive with the API configured by ao (its Service is set
// here).
func newLiveWith(t *testing.T, o plazatest.Options, ao httpapi.Options, users ...string) *live {
	t.Helper()
	env := plazatest.New(t, o)
	env.Users(t, users...)
	ao.Service = env.Service
	api, err := httpapi.New(ao)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return &live{t: t, env: env, srv: srv, hc: &http.Client{Transport: apitest.Transport(t, nil)}, succeeded: map[string]bool{}}
}

// route returns the route of the client, operator or server API that serves
// method and the escaped path, preferring literal segments to wildcards, or
// "".
func route(method, path string) string {
	path, _, _ = strings.Cut(path, "?")
	segs := strings.Split(path, "/")
	best, bestLiterals := "", -1
	for _, r := range slices.Concat(httpapi.Routes(), httpapi.OperatorRoutes(), httpapi.ServerRoutes()) {
		pat := strings.Split(r[1], "/")
		if r[0] != method || len(pat) != len(segs) {
			continue
		}
		literals, ok := 0, true
		for i, p := range pat {
			switch {
			case strings.HasPrefix(p, "{"):
				ok = ok && segs[i] != ""
			case p == segs[i]:
				literals++
			default:
				ok = false
			}
		}
		if ok && literals > bestLiterals {
			best, bestLiterals = r[0]+" "+r[1], literals
		}
	}
	return best
}

// requireSuccesses fails the test unless every route whose path template
// satisfies cover answered 200 at least once.
func (l *live) requireSuccesses(cover func(template string) bool) {
	l.t.Helper()
	for _, r := range httpapi.Routes() {
		if cover(r[1]) && !l.succeeded[r[0]+" "+r[1]] {
			l.t.Errorf("%s (%s %s) never succeeded in this test: exercise it", r[2], r[0], r[1])
		}
	}
}

// watch checks the payload of every event published on topics against the
// document (apitest.CheckEvent) until the test ends, and returns a function
// that waits, for a while, until each of names has been seen once.
func (l *live) watch(topics ...plaza.Topic) (waitFor func(names ...string)) {
	t := l.t
	t.Helper()
	var mu sync.Mutex // held while a payload is checked, so that none is after the test
	seen := map[string]bool{}
	stopped := false
	for _, topic := range topics {
		sub, err := l.env.Bus.Subscribe(topic, func(e *plaza.Event) {
			mu.Lock()
			defer mu.Unlock()
			if stopped {
				return
			}
			apitest.CheckEvent(t, e.Name, e.Data)
			seen[e.Name] = true
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sub.Close() })
	}
	t.Cleanup(func() {
		mu.Lock()
		stopped = true
		mu.Unlock()
	})
	return func(names ...string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			mu.Lock()
			var missing []string
			for _, n := range names {
				if !seen[n] {
					missing = append(missing, n)
				}
			}
			mu.Unlock()
			if len(missing) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("events never published on the watched topics: %v", missing)
				return
			}
		}
	}
}

// call sends one request as user (no token when empty), checks the status
// and returns the decoded body.
func (l *live) call(user, method, path, body string, want int) map[string]any {
	t := l.t
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, l.srv.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+l.env.Token(t, user))
	}
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
		t.Errorf("%s %s as %q: status %d, want %d; body %s", method, path, user, resp.StatusCode, want, b)
	}
	if resp.StatusCode == http.StatusOK {
		l.succeeded[route(method, req.URL.EscapedPath())] = true
	}
	var out map[string]any
	json.Unmarshal(b, &out)
	return out
}

// conversationOrMute reports whether a route template belongs to the
// conversation and mute operations, which
// TestLiveConversationsAndMutesMatchDocument covers.
func conversationOrMute(template string) bool {
	return strings.Contains(template, "/conversation") || strings.HasSuffix(template, "/mute")
}

// TestLiveResponsesMatchDocument drives every community, member and
// application operation of a real server through Transport, successes and
// failures alike, so that each response the server gives is checked against
// the document. TestLiveChannelsAndMessagesMatchDocument does the same for
// channels and messages, TestLiveConversationsAndMutesMatchDocument for
// conversations and mutes.
func TestLiveResponsesMatchDocument(t *testing.T) {
	t.Parallel()
	l := newLive(t, plazatest.Options{}, "alice", "bob", "carol", "dave", "erin")
	call := l.call

	// Infrastructure.
	call("", "GET", "/healthz", "", 200)
	call("", "GET", "/readyz", "", 200)
	call("", "GET", "/v1/openapi.json", "", 200)

	// Users.
	call("alice", "PUT", "/v1/users/me/name", `{"userName":"Alice"}`, 200)
	call("alice", "PUT", "/v1/users/me/avatarUrl", `{"userAvatarUrl":"https://example.com/a.png"}`, 200)
	call("alice", "PUT", "/v1/users/me/name", `{"userName":"`+strings.Repeat("x", 301)+`"}`, 400)
	call("", "PUT", "/v1/users/me/name", `{"userName":"Nobody"}`, 401)

	// Communities.
	call("alice", "POST", "/v1/communities", `{"communityID":"garden","communityName":"Gardeners","communityAttributes":{"theme":"green"}}`, 200)
	call("alice", "POST", "/v1/communities", `{"communityID":"garden","communityName":"Again"}`, 409)
	call("alice", "POST", "/v1/communities", `{"communityID":"#mine"}`, 400)
	call("alice", "POST", "/v1/communities", `{"communityName":"x","color":"red"}`, 400)
	call("alice", "POST", "/v1/communities", `{"communityName":`, 400)
	generated := call("alice", "POST", "/v1/communities", `{"communityName":"Scratch"}`, 200)
	genID, _ := generated["communityInfo"].(map[string]any)["communityID"].(string)
	page := call("alice", "GET", "/v1/communities?count=1", "", 200)
	next, _ := page["nextFlag"].(string)
	if next == "" {
		t.Errorf("first page of two communities has no nextFlag: %v", page)
	}
	call("alice", "GET", "/v1/communities?count=1&nextFlag="+url.QueryEscape(next), "", 200)
	call("alice", "GET", "/v1/communities?count=101", "", 400)
	call("alice", "GET", "/v1/communities?colour=red", "", 400)
	call("alice", "GET", "/v1/communities/garden", "", 200)
	call("alice", "GET", "/v1/communities/nowhere", "", 404)
	call("bob", "GET", "/v1/communities/garden", "", 403)
	call("bob", "POST", "/v1/communities/garden/join", "", 200)
	call("bob", "POST", "/v1/communities/garden/join", "", 409)
	call("alice", "GET", "/v1/users?userIDs=bob,ghost&userIDs=alice", "", 200)
	call("alice", "GET", "/v1/users", "", 400)
	call("alice", "PUT", "/v1/communities/garden/name", `{"communityName":"Green Gardeners"}`, 200)
	call("alice", "PUT", "/v1/communities/garden/avatarUrl", `{"communityAvatarUrl":"https://example.com/g.png"}`, 200)
	call("alice", "PUT", "/v1/communities/garden/notice", `{"communityNotice":"Be kind."}`, 200)
	call("bob", "PUT", "/v1/communities/garden/notice", `{"communityNotice":"Mine now."}`, 403)
	call("alice", "PUT", "/v1/communities/garden/attributes", `{"communityAttributes":{"season":"spring"}}`, 200)
	call("alice", "PUT", "/v1/communities/garden/attributes", `{"communityAttributes":{"a-key-far-too-long":"v"}}`, 400)
	call("alice", "POST", "/v1/communities/garden/attributes/delete", `{"keys":["theme","nope"]}`, 200)
	call("bob", "PUT", "/v1/communities/garden/notificationStatus", `{"notificationStatus":2}`, 200)
	call("bob", "PUT", "/v1/communities/garden/notificationStatus", `{"notificationStatus":3}`, 400)
	call("alice", "PUT", "/v1/communities/garden/inviteMode", `{"inviteMode":1}`, 200)
	call("bob", "POST", "/v1/communities/garden/leave", "", 200)
	call("alice", "POST", "/v1/communities/garden/leave", "", 409)

	// Members.
	call("alice", "POST", "/v1/communities/garden/members", `{"userIDs":["bob","carol","ghost"]}`, 200)
	call("alice", "POST", "/v1/communities/garden/members", `{"userIDs":["ghost"]}`, 404)
	call("alice", "POST", "/v1/communities/garden/members", `{"userIDs":["bob"]}`, 409)
	call("bob", "POST", "/v1/communities/garden/members", `{"userIDs":["dave"]}`, 403)
	call("alice", "GET", "/v1/communities/garden/members?count=2", "", 200)
	call("alice", "GET", "/v1/communities/garden/members/lookup?userIDs=alice&userIDs=dave", "", 200)
	call("alice", "PUT", "/v1/communities/garden/members/bob/role", `{"memberRole":2}`, 200)
	call("alice", "PUT", "/v1/communities/garden/members/bob/role", `{"memberRole":1}`, 400)
	call("alice", "PUT", "/v1/communities/garden/members/alice/role", `{"memberRole":3}`, 400)
	call("bob", "PUT", "/v1/communities/garden/members/carol/role", `{"memberRole":2}`, 403)
	call("bob", "POST", "/v1/communities/garden/members/kick", `{"userIDs":["alice"]}`, 403)
	call("alice", "POST", "/v1/communities/garden/members/kick", `{"userIDs":["carol","alice"]}`, 200)
	call("alice", "POST", "/v1/communities/garden/members/kick", `{"userIDs":["alice"]}`, 400)

	// Join applications.
	call("alice", "PUT", "/v1/communities/garden/joinMode", `{"joinMode":1}`, 200)
	call("alice", "PUT", "/v1/communities/garden/joinMode", `{}`, 400)
	call("carol", "POST", "/v1/communities/garden/join", "", 403)
	call("carol", "POST", "/v1/communities/garden/applications", `{"wording":"Let me in"}`, 200)
	call("carol", "POST", "/v1/communities/garden/applications", `{"wording":"Please"}`, 409)
	call("dave", "POST", "/v1/communities/garden/applications", "", 200)
	call("erin", "POST", "/v1/communities/garden/applications", "", 200)
	call("carol", "GET", "/v1/users/me/communityApplications", "", 200)
	call("alice", "GET", "/v1/communities/garden/applications?count=2", "", 200)
	call("carol", "GET", "/v1/communities/garden/applications", "", 403)
	call("alice", "POST", "/v1/communities/garden/applications/carol/accept", "", 200)
	call("alice", "POST", "/v1/communities/garden/applications/carol/accept", "", 404)
	call("bob", "POST", "/v1/communities/garden/applications/dave/reject", "", 200)
	call("erin", "POST", "/v1/communities/garden/applications/cancel", "", 200)
	call("erin", "POST", "/v1/communities/garden/applications/cancel", "", 404)
	call("alice", "PUT", "/v1/communities/garden/joinMode", `{"joinMode":0}`, 200)
	call("erin", "POST", "/v1/communities/garden/applications", "", 200)
	call("alice", "PUT", "/v1/communities/garden/joinMode", `{"joinMode":2}`, 200)
	call("dave", "POST", "/v1/communities/garden/join", "", 403)

	// Ownership and dismissal.
	call("bob", "DELETE", "/v1/communities/garden", "", 403)
	call("alice", "PUT", "/v1/communities/garden/owner", `{"toUserID":"alice"}`, 400)
	call("alice", "PUT", "/v1/communities/garden/owner", `{"toUserID":"dave"}`, 403)
	call("alice", "PUT", "/v1/communities/garden/owner", `{"toUserID":"bob"}`, 200)
	call("bob", "DELETE", "/v1/communities/garden", "", 200)
	call("alice", "DELETE", "/v1/communities/"+url.PathEscape(genID), "", 200)
	call("alice", "POST", "/v1/communities", `{"communityID":"garden"}`, 409)

	l.requireSuccesses(func(template string) bool {
		return !strings.Contains(template, "/channels") && !strings.Contains(template, "/threads") && !conversationOrMute(template)
	})
}

// TestLiveChannelsAndMessagesMatchDocument drives every channel and message
// operation of a real server through Transport, successes and failures
// alike. A settable clock makes the send rate limits, the revoke, edit and
// reaction windows testable without waiting.
func TestLiveChannelsAndMessagesMatchDocument(t *testing.T) {
	t.Parallel()
	clock := plazatest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	l := newLive(t, plazatest.Options{Clock: clock}, "alice", "bob", "carol", "dave", "erin")
	call := l.call
	const garden = "/v1/communities/garden"
	ch := func(id string) string { return garden + "/channels/" + url.PathEscape(id) }
	msg := func(channel string, seq int64) string { return fmt.Sprintf("%s/messages/%d", ch(channel), seq) }
	// send sends a message a second after the previous request, so that only
	// the sends meant to be refused meet the rate limits.
	send := func(user, channel, body string, want int) map[string]any {
		t.Helper()
		clock.Advance(time.Second)
		return call(user, "POST", ch(channel)+"/messages", body, want)
	}
	text := func(s string) string { return `{"message":{"type":1,"message":"` + s + `"}}` }
	seqOf := func(res map[string]any) int64 {
		t.Helper()
		m, _ := res["message"].(map[string]any)
		seq, ok := m["messageSeq"].(float64)
		if !ok {
			t.Fatalf("no message.messageSeq in %v", res)
		}
		return int64(seq)
	}

	call("alice", "POST", "/v1/communities", `{"communityID":"garden","communityName":"Gardeners"}`, 200)
	call("alice", "POST", garden+"/members", `{"userIDs":["bob","carol","dave"]}`, 200)
	call("alice", "PUT", garden+"/members/bob/role", `{"memberRole":2}`, 200)

	// Channels.
	call("alice", "POST", garden+"/channels", `{"channelID":"talk","channelName":"Talk","channelNotice":"Hi","channelAttributes":{"topic":"chat"}}`, 200)
	call("alice", "POST", garden+"/channels", `{"channelID":"talk","channelName":"Again"}`, 409)
	call("alice", "POST", garden+"/channels", `{"channelID":"#mine"}`, 400)
	call("alice", "POST", garden+"/channels", `{"channelType":3}`, 400)
	call("alice", "POST", garden+"/channels", `{"channelName":"x","colour":"red"}`, 400)
	call("alice", "POST", garden+"/channels", `{"channelAttributes":{"a-key-far-too-long":"v"}}`, 400)
	call("carol", "POST", garden+"/channels", `{"channelName":"Mine"}`, 403)
	call("erin", "POST", garden+"/channels", `{"channelName":"Mine"}`, 403)
	call("alice", "POST", "/v1/communities/nowhere/channels", `{"channelName":"x"}`, 404)
	generated := call("bob", "POST", garden+"/channels", `{"channelName":"Scratch","channelType":1}`, 200)
	genID, _ := generated["channelInfo"].(map[string]any)["channelID"].(string)
	call("alice", "POST", garden+"/channels", `{"channelID":"quiet","channelName":"Quiet"}`, 200)
	call("alice", "POST", garden+"/channels", `{"channelID":"secret","channelType":2,"channelName":"Secret"}`, 200)
	call("alice", "POST", garden+"/channels", `{"channelID":"old"}`, 200)
	call("alice", "DELETE", ch("old"), "", 200)
	call("alice", "POST", garden+"/channels", `{"channelID":"old"}`, 409)

	page := call("alice", "GET", garden+"/channels?count=2", "", 200)
	next, _ := page["nextFlag"].(string)
	if next == "" {
		t.Errorf("first page of 2 of 5 channels has no nextFlag: %v", page)
	}
	call("alice", "GET", garden+"/channels?count=2&nextFlag="+url.QueryEscape(next), "", 200)
	call("carol", "GET", garden+"/channels", "", 200)
	call("alice", "GET", garden+"/channels?count=101", "", 400)
	call("alice", "GET", garden+"/channels?nextFlag=bogus", "", 400)
	call("erin", "GET", garden+"/channels", "", 403)
	info := call("carol", "GET", garden+"/channels/lookup?channelIDs=talk,secret,nowhere&channelIDs=%23general", "", 200)
	if errs, _ := info["errorChannelIDs"].([]any); len(errs) != 2 {
		t.Errorf("carol looked up talk, secret (private), nowhere and #general; errorChannelIDs %v, want secret and nowhere", errs)
	}
	call("alice", "GET", garden+"/channels/lookup", "", 400)
	call("alice", "GET", garden+"/channels/lookup?channelIDs="+strings.Repeat("c,", 101)+"c", "", 400)

	call("alice", "PUT", ch("talk")+"/name", `{"channelName":"Chat"}`, 200)
	call("carol", "PUT", ch("talk")+"/name", `{"channelName":"Mine"}`, 403)
	call("alice", "PUT", ch("nowhere")+"/name", `{"channelName":"x"}`, 404)
	call("alice", "PUT", ch("talk")+"/name", `{"channelName":"`+strings.Repeat("x", 301)+`"}`, 400)
	call("bob", "PUT", ch("talk")+"/avatarUrl", `{"channelAvatarUrl":"https://example.com/t.png"}`, 200)
	call("bob", "PUT", ch("talk")+"/avatarUrl", `{"channelAvatarUrl":"`+strings.Repeat("x", 101)+`"}`, 400)
	call("alice", "PUT", ch("talk")+"/notice", `{"channelNotice":"Be kind."}`, 200)
	call("dave", "PUT", ch("talk")+"/notice", `{"channelNotice":"Mine."}`, 403)
	call("alice", "PUT", ch("talk")+"/attributes", `{"channelAttributes":{"mood":"calm"}}`, 200)
	call("alice", "PUT", ch("talk")+"/attributes", `{"channelAttributes":{"a-key-far-too-long":"v"}}`, 400)
	call("alice", "POST", ch("talk")+"/attributes/delete", `{"keys":["topic","nope"]}`, 200)
	call("alice", "POST", ch("talk")+"/attributes/delete", `{"keys":[]}`, 400)

	call("alice", "POST", ch("secret")+"/members", `{"userIDs":["carol","erin"]}`, 200)
	call("alice", "POST", ch("secret")+"/members", `{"userIDs":["carol"]}`, 409)
	call("alice", "POST", ch("secret")+"/members/remove", `{"userIDs":["dave"]}`, 404)
	call("alice", "POST", ch("talk")+"/members", `{"userIDs":["carol"]}`, 400)
	call("carol", "POST", ch("secret")+"/members", `{"userIDs":["dave"]}`, 403)
	call("alice", "POST", ch("secret")+"/members", `{"userIDs":[]}`, 400)
	call("alice", "GET", garden+"/members?channelID=secret", "", 200)
	call("dave", "GET", garden+"/members?channelID=secret", "", 403)
	call("dave", "GET", garden+"/channels/lookup?channelIDs=secret", "", 200)

	call("alice", "DELETE", ch("#general"), "", 409)
	call("carol", "DELETE", ch("talk"), "", 403)
	call("alice", "DELETE", ch(genID), "", 200)
	call("alice", "DELETE", ch(genID), "", 404)

	// Sending: every type, idempotency and the rate limits.
	first := send("carol", "talk", `{"message":{"type":1,"message":"hello"},"clientMessageID":"c-1"}`, 200)
	s1 := seqOf(first)
	if again := send("carol", "talk", `{"message":{"type":1,"message":"hello"},"clientMessageID":"c-1"}`, 200); seqOf(again) != s1 {
		t.Errorf("a repeated clientMessageID sent message %d again as %d", s1, seqOf(again))
	}
	limited := call("carol", "POST", ch("talk")+"/messages", text("too soon"), 429)
	if e, _ := limited["error"].(map[string]any); e["until"] == nil {
		t.Errorf("rate_limited without until: %v", limited)
	}
	sImage := seqOf(send("bob", "talk", `{"message":{"type":11,"fileDownloadUrl":"https://example.com/rose.png","fileName":"rose.png",
		"fileSize":123456,"mimeType":"image/png","thumbnailDownloadUrl":"https://example.com/rose-t.png","imageWidth":640,"imageHeight":480}}`, 200))
	sMulti := seqOf(send("alice", "talk", `{"message":{"type":10,"mentionedUserIDs":["carol","bob"],"extendedData":"{\"k\":1}",
		"items":[{"type":1,"message":"Look:"},{"type":11,"fileDownloadUrl":"https://example.com/a.png"},
		{"type":14,"fileDownloadUrl":"https://example.com/v.mp4","videoDuration":12},{"type":200,"message":"{}","subType":3}]}}`, 200))
	sCustom := seqOf(send("alice", "talk", `{"message":{"type":200,"message":"{\"poll\":1}","subType":7,"searchedContent":"poll"}}`, 200))
	sFile := seqOf(send("dave", "talk", `{"message":{"type":12,"fileDownloadUrl":"https://example.com/f.pdf","fileName":"f.pdf","fileSize":42,"mimeType":"application/pdf"}}`, 200))
	send("dave", "talk", `{"message":{"type":13,"fileDownloadUrl":"https://example.com/a.ogg","audioDuration":3}}`, 200)
	sVideo := seqOf(send("dave", "talk", `{"message":{"type":14,"fileDownloadUrl":"https://example.com/v.mp4","videoDuration":10}}`, 200))
	send("alice", "talk", `{"message":{"type":1,"message":"@all hello","isMentionAll":true}}`, 200)
	send("carol", "talk", `{"message":{"type":1,"message":"@all","isMentionAll":true}}`, 403)
	if cmd := send("carol", "talk", `{"message":{"type":2,"message":"typing"}}`, 200); seqOf(cmd) != 0 {
		t.Errorf("a command got seq %d; commands are not stored (seq 0)", seqOf(cmd))
	}
	send("carol", "talk", `{"message":{"type":2,"message":"typing"},"clientMessageID":"c-2"}`, 400)
	send("carol", "talk", text(strings.Repeat("x", 2049)), 400)
	send("carol", "talk", text(""), 400)
	send("carol", "talk", `{"message":{"type":31}}`, 400)
	send("carol", "talk", `{"message":{"type":99,"message":"?"}}`, 400)
	send("carol", "talk", `{"message":{"type":11,"fileName":"no-url.png"}}`, 400)
	send("carol", "talk", `{"message":{"type":10,"items":[`+strings.Repeat(`{"type":1,"message":"x"},`, 20)+`{"type":1,"message":"x"}]}}`, 400)
	send("carol", "talk", `{"message":{"type":1,"message":"x","mentionedUserIDs":["u`+strings.Repeat(`","u`, 50)+`"]}}`, 400)
	send("carol", "talk", `{"message":{"type":1,"message":"x","colour":"red"}}`, 400)
	send("carol", "talk", `{"message":{"type":1,"message":"x","extendedData":"`+strings.Repeat("x", 1025)+`"}}`, 400)
	send("carol", "talk", `{"message":{"type":1,"message":"x"},"clientMessageID":"`+strings.Repeat("x", 65)+`"}`, 400)
	send("carol", "talk", `{}`, 400)
	send("dave", "secret", text("let me in"), 403)
	send("erin", "talk", text("hi"), 403)
	send("alice", "nowhere", text("hi"), 404)
	send("carol", "secret", text("psst"), 200)
	clock.Advance(time.Second)
	call("alice", "POST", "/v1/communities/nowhere/channels/talk/messages", text("hi"), 404)

	// Ten sends pass in one second (one per 100 ms in a channel); the
	// eleventh, in another channel, waits for the next second.
	clock.Advance(time.Second)
	clock.Advance(time.Duration(1000-clock.Now().UnixMilli()%1000) * time.Millisecond)
	second := clock.Now().UnixMilli()
	for i := range 10 {
		call("dave", "POST", ch("talk")+"/messages", text(fmt.Sprintf("burst %d", i)), 200)
		clock.Advance(100 * time.Millisecond)
	}
	clock.Advance(-50 * time.Millisecond)
	burst := call("dave", "POST", ch("#general")+"/messages", text("one too many"), 429)
	if e, _ := burst["error"].(map[string]any); e["until"] != float64(second+1000) {
		t.Errorf("the eleventh send of a second: %v; want until %d", burst, second+1000)
	}

	// Replies.
	clock.Advance(time.Second)
	r1 := seqOf(call("bob", "POST", msg("talk", s1)+"/reply", text("hi carol"), 200))
	clock.Advance(time.Second)
	r2 := seqOf(call("carol", "POST", msg("talk", r1)+"/reply", `{"message":{"type":1,"message":"hi bob"},"clientMessageID":"c-3"}`, 200))
	clock.Advance(time.Second)
	call("carol", "POST", msg("talk", 9999)+"/reply", text("hello?"), 404)
	clock.Advance(time.Second)
	call("carol", "POST", msg("talk", 0)+"/reply", text("hello?"), 400)
	call("carol", "POST", ch("talk")+"/messages/abc/reply", text("hello?"), 400)
	call("carol", "POST", msg("talk", s1)+"/reply", `{"message":{"type":2,"message":"typing"}}`, 400)
	call("dave", "POST", msg("secret", 1)+"/reply", text("hello?"), 403)
	tree := call("alice", "GET", msg("talk", r2)+"/replies?count=1", "", 200)
	if root, _ := tree["rootMessage"].(map[string]any); root["messageSeq"] != float64(s1) || root["rootRepliedCount"] != float64(2) {
		t.Errorf("reply tree of %d: root %v; want message %d with 2 replies", r2, root, s1)
	}
	next, _ = tree["nextFlag"].(string)
	call("alice", "GET", msg("talk", r2)+"/replies?count=1&nextFlag="+url.QueryEscape(next), "", 200)
	call("alice", "GET", msg("talk", 9999)+"/replies", "", 404)
	call("alice", "GET", msg("talk", s1)+"/replies?count=0&colour=red", "", 400)

	// History and lookups.
	call("carol", "GET", ch("talk")+"/messages", "", 200)
	hist := call("carol", "GET", ch("talk")+"/messages?count=2", "", 200)
	anchor, _ := hist["nextMessageSeq"].(float64)
	if anchor == 0 {
		t.Errorf("the newest 2 messages of many: nextMessageSeq 0 in %v", hist)
	}
	call("carol", "GET", fmt.Sprintf("%s/messages?count=2&nextMessageSeq=%d", ch("talk"), int64(anchor)), "", 200)
	fwd := call("carol", "GET", ch("talk")+"/messages?reverse=true&count=3", "", 200)
	anchor, _ = fwd["nextMessageSeq"].(float64)
	call("carol", "GET", fmt.Sprintf("%s/messages?reverse=true&count=3&nextMessageSeq=%d", ch("talk"), int64(anchor)), "", 200)
	call("alice", "GET", ch("#general")+"/messages?reverse=true", "", 200)
	call("alice", "GET", ch("quiet")+"/messages", "", 200)
	call("carol", "GET", ch("talk")+"/messages?count=101", "", 400)
	call("carol", "GET", ch("talk")+"/messages?nextMessageSeq=-1", "", 400)
	call("carol", "GET", ch("talk")+"/messages?reverse=maybe", "", 400)
	call("dave", "GET", ch("secret")+"/messages", "", 403)
	call("erin", "GET", ch("talk")+"/messages", "", 403)
	call("alice", "GET", ch("nowhere")+"/messages", "", 404)
	call("carol", "GET", fmt.Sprintf("%s/messages/lookup?messageSeqs=%d,%d&messageSeqs=9999", ch("talk"), s1, sMulti), "", 200)
	call("carol", "GET", ch("talk")+"/messages/lookup", "", 400)
	call("carol", "GET", ch("talk")+"/messages/lookup?messageSeqs=0", "", 400)

	// Reactions.
	thumbs := `{"reactionType":"👍"}`
	call("carol", "POST", msg("talk", sImage)+"/reactions", thumbs, 200)
	call("bob", "POST", msg("talk", sImage)+"/reactions", thumbs, 200)
	call("alice", "POST", msg("talk", sImage)+"/reactions", `{"reactionType":"❤"}`, 200)
	call("carol", "POST", msg("talk", sImage)+"/reactions", thumbs, 200)
	call("carol", "POST", msg("talk", sImage)+"/reactions", `{"reactionType":"`+strings.Repeat("x", 33)+`"}`, 400)
	call("carol", "POST", msg("talk", sImage)+"/reactions", "", 400)
	call("carol", "POST", msg("talk", 9999)+"/reactions", thumbs, 404)
	call("dave", "POST", msg("secret", 1)+"/reactions", thumbs, 403)
	users := call("alice", "GET", msg("talk", sImage)+"/reactions?count=1&reactionType="+url.QueryEscape("👍"), "", 200)
	next, _ = users["nextFlag"].(string)
	if next == "" || users["totalCount"] != float64(2) {
		t.Errorf("first page of 1 of 2 reactors: %v; want totalCount 2 and a nextFlag", users)
	}
	call("alice", "GET", msg("talk", sImage)+"/reactions?count=1&reactionType="+url.QueryEscape("👍")+"&nextFlag="+url.QueryEscape(next), "", 200)
	call("alice", "GET", msg("talk", sImage)+"/reactions?reactionType=none", "", 200)
	call("alice", "GET", msg("talk", sImage)+"/reactions", "", 400)
	call("carol", "POST", msg("talk", sImage)+"/reactions/delete", thumbs, 200)
	call("carol", "POST", msg("talk", sImage)+"/reactions/delete", thumbs, 200)
	call("carol", "POST", msg("talk", sImage)+"/reactions/delete", `{"reactionType":""}`, 400)
	call("carol", "POST", msg("talk", 9999)+"/reactions/delete", thumbs, 404)

	// Edits.
	edited := call("carol", "PUT", msg("talk", s1), text("hello, edited"), 200)
	if m, _ := edited["message"].(map[string]any); m["editedTime"] == nil {
		t.Errorf("an edited message has no editedTime: %v", edited)
	}
	call("alice", "PUT", msg("talk", sMulti), `{"message":{"type":10,"items":[{"type":1,"message":"Look again:"},{"type":11,"fileDownloadUrl":"https://example.com/b.png"}]}}`, 200)
	call("bob", "PUT", msg("talk", s1), text("mine now"), 403)
	call("carol", "PUT", msg("talk", s1), `{"message":{"type":200,"message":"{}"}}`, 400)
	call("carol", "PUT", msg("talk", s1), `{"message":{"type":1,"message":"@bob","mentionedUserIDs":["bob"]}}`, 400)
	call("carol", "PUT", msg("talk", s1), `{}`, 400)
	call("bob", "PUT", msg("talk", sImage), `{"message":{"type":11,"fileDownloadUrl":"https://example.com/b.png"}}`, 403)
	call("carol", "PUT", msg("talk", 9999), text("x"), 404)
	call("carol", "PUT", msg("talk", s1), `{"message":{"type":1,"message":"x"},"messageSeq":2}`, 400)

	// Revokes.
	clock.Advance(time.Second)
	own := seqOf(call("carol", "POST", ch("talk")+"/messages", text("oops"), 200))
	revoked := call("carol", "POST", msg("talk", own)+"/revoke", "", 200)
	if m, _ := revoked["message"].(map[string]any); m["type"] != float64(31) || m["revokeInfo"] == nil {
		t.Errorf("a revoked message: %v; want type 31 with revokeInfo", revoked)
	}
	call("carol", "POST", msg("talk", own)+"/revoke", "", 409)
	call("carol", "POST", msg("talk", own)+"/reactions", thumbs, 409)
	call("carol", "POST", msg("talk", own)+"/reactions/delete", thumbs, 409)
	call("carol", "PUT", msg("talk", own), text("back"), 403)
	clock.Advance(time.Second)
	call("bob", "POST", msg("talk", own)+"/reply", text("what was it?"), 409)
	call("carol", "POST", msg("talk", sImage)+"/revoke", "", 403)
	call("bob", "POST", msg("talk", sFile)+"/revoke", "", 200)
	call("bob", "POST", msg("talk", sCustom)+"/revoke", "", 403)
	call("alice", "POST", msg("talk", r1)+"/revoke", "", 200)
	call("alice", "POST", msg("#general", 1)+"/revoke", "", 400)
	call("alice", "POST", msg("#general", 1)+"/reactions", thumbs, 409)
	call("alice", "POST", msg("talk", 9999)+"/revoke", "", 404)
	call("alice", "POST", msg("talk", 0)+"/revoke", "", 400)
	call("dave", "POST", msg("secret", 1)+"/revoke", "", 403)
	clock.Advance(121 * time.Second)
	call("dave", "POST", msg("talk", sVideo)+"/revoke", "", 409)
	call("alice", "POST", msg("talk", sVideo)+"/revoke", "", 200)

	// Windows: edits within 24 hours, reactions on messages of the last 7 days.
	clock.Advance(25 * time.Hour)
	call("alice", "PUT", msg("talk", sCustom), `{"message":{"type":200,"message":"{\"poll\":2}"}}`, 409)
	clock.Advance(7 * 24 * time.Hour)
	call("carol", "POST", msg("talk", sImage)+"/reactions", thumbs, 409)
	call("alice", "POST", msg("talk", sImage)+"/reactions/delete", `{"reactionType":"❤"}`, 200)

	// Deleting for oneself.
	call("carol", "POST", ch("talk")+"/messages/delete", fmt.Sprintf(`{"messageSeqs":[%d,%d,%d]}`, sImage, sMulti, sMulti), 200)
	call("carol", "POST", ch("talk")+"/messages/delete", `{"messageSeqs":[]}`, 400)
	call("carol", "POST", ch("talk")+"/messages/delete", `{"messageSeqs":[0]}`, 400)
	call("carol", "POST", ch("talk")+"/messages/delete", `{"messageSeqs":[9999]}`, 404)
	call("dave", "POST", ch("secret")+"/messages/delete", `{"messageSeqs":[1]}`, 403)
	call("carol", "GET", ch("talk")+"/messages?count=100", "", 200)

	// Channel conversations now hold last messages (and null where none).
	list := call("alice", "GET", garden+"/channels", "", 200)
	nulls := 0
	for _, c := range list["channelList"].([]any) {
		if c.(map[string]any)["lastMessage"] == nil {
			nulls++
		}
	}
	if nulls != 1 {
		t.Errorf("channel list %v: %d channels without a last message; want 1 (quiet)", list, nulls)
	}

	// A join posts tips in GENERAL; removal from a private channel hides it.
	call("erin", "POST", garden+"/join", "", 200)
	call("erin", "GET", ch("#general")+"/messages", "", 200)
	call("alice", "POST", ch("secret")+"/members/remove", `{"userIDs":["carol"]}`, 200)
	call("alice", "POST", ch("secret")+"/members/remove", `{"userIDs":["carol"]}`, 404)
	call("carol", "GET", ch("secret")+"/messages", "", 403)
	call("carol", "GET", garden+"/channels", "", 200)

	l.requireSuccesses(func(template string) bool {
		return strings.Contains(template, "/channels") && !strings.Contains(template, "/threads") && !conversationOrMute(template)
	})
}

// TestLiveConversationsAndMutesMatchDocument drives every conversation and
// mute operation of a real server through Transport, successes and failures
// alike: unread counts, mentions, notification statuses, drafts and pins;
// channel, member and community mutes, the sends they refuse with each of
// their codes, and their expiry by a settable clock.
func TestLiveConversationsAndMutesMatchDocument(t *testing.T) {
	t.Parallel()
	clock := plazatest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	l := newLive(t, plazatest.Options{Clock: clock}, "alice", "bob", "carol", "dave", "erin", "frank", "gina")
	call := l.call
	const garden = "/v1/communities/garden"
	ch := func(id string) string { return garden + "/channels/" + url.PathEscape(id) }
	conv := func(id string) string { return ch(id) + "/conversation" }
	now := func() int64 { return clock.Now().UnixMilli() }
	// send sends a text a second after the previous request, so that no send
	// meets the rate limits.
	send := func(user, channel, body string, want int) map[string]any {
		t.Helper()
		clock.Advance(time.Second)
		return call(user, "POST", ch(channel)+"/messages", body, want)
	}
	text := func(s string) string { return `{"message":{"type":1,"message":"` + s + `"}}` }
	// refused checks a failure's code and until (0: absent).
	refused := func(res map[string]any, code string, until int64) {
		t.Helper()
		e, _ := res["error"].(map[string]any)
		var got int64
		if u, ok := e["until"].(float64); ok {
			got = int64(u)
		}
		if e["code"] != code || got != until {
			t.Errorf("refusal %v; want code %s, until %d", res, code, until)
		}
	}
	conversation := func(res map[string]any) map[string]any {
		t.Helper()
		c, ok := res["conversation"].(map[string]any)
		if !ok {
			t.Fatalf("no conversation in %v", res)
		}
		return c
	}
	total := func(user string) float64 {
		t.Helper()
		n, _ := call(user, "GET", "/v1/conversations/totalUnreadMessageCount", "", 200)["totalUnreadMessageCount"].(float64)
		return n
	}
	userIDs := func(res map[string]any) []string {
		var ids []string
		for _, m := range res["memberList"].([]any) {
			ids = append(ids, m.(map[string]any)["userID"].(string))
		}
		return ids
	}

	// Every event for dave, gina or garden's members is checked too.
	app := l.env.App.AppID
	waitFor := l.watch(plaza.UserTopic(app, "dave"), plaza.UserTopic(app, "gina"), plaza.CommunityTopic(app, "garden"))

	call("alice", "POST", "/v1/communities", `{"communityID":"garden","communityName":"Gardeners"}`, 200)
	call("alice", "POST", garden+"/members", `{"userIDs":["bob","carol","dave","erin"]}`, 200)
	call("alice", "PUT", garden+"/members/bob/role", `{"memberRole":2}`, 200)
	call("alice", "PUT", garden+"/members/carol/role", `{"memberRole":2}`, 200)
	call("alice", "POST", garden+"/channels", `{"channelID":"talk","channelName":"Talk"}`, 200)
	call("alice", "POST", garden+"/channels", `{"channelID":"quiet","channelName":"Quiet"}`, 200)
	call("alice", "POST", garden+"/channels", `{"channelID":"secret","channelType":2,"channelName":"Secret"}`, 200)
	call("alice", "POST", ch("secret")+"/members", `{"userIDs":["dave"]}`, 200)
	call("alice", "POST", "/v1/communities", `{"communityID":"orchard","communityName":"Orchard"}`, 200)
	call("alice", "POST", "/v1/communities/orchard/members", `{"userIDs":["dave"]}`, 200)

	// Conversations across communities; channels start in do-not-disturb.
	list := call("dave", "GET", "/v1/conversations", "", 200)
	if cs, _ := list["conversationList"].([]any); len(cs) != 5 {
		t.Errorf("dave sees 4 channels of garden and 1 of orchard; his conversation list %v", list)
	}
	if n := total("dave"); n != 0 {
		t.Errorf("dave's total unread before any message in notify: %v, want 0", n)
	}
	call("erin", "GET", "/v1/conversations?count=2", "", 200)
	call("frank", "GET", "/v1/conversations", "", 200)
	call("dave", "GET", "/v1/conversations?count=101", "", 400)
	call("dave", "GET", "/v1/conversations?nextFlag=bogus", "", 400)
	call("dave", "GET", "/v1/conversations?colour=red", "", 400)
	call("", "GET", "/v1/conversations", "", 401)
	call("", "GET", "/v1/conversations/totalUnreadMessageCount", "", 401)
	call("dave", "GET", "/v1/conversations/totalUnreadMessageCount?count=1", "", 400)

	// Unread and mentions.
	send("alice", "talk", `{"message":{"type":1,"message":"hi @dave","mentionedUserIDs":["dave"]}}`, 200)
	send("alice", "talk", `{"message":{"type":1,"message":"hi @all","isMentionAll":true}}`, 200)
	for _, x := range call("alice", "GET", "/v1/conversations", "", 200)["conversationList"].([]any) {
		if x := x.(map[string]any); x["channelID"] == "talk" && (x["readMessageSeq"] != float64(2) || x["unreadMessageCount"] != float64(0)) {
			t.Errorf("alice's talk after she sent its 2 messages: %v; want read seq 2, nothing unread", x)
		}
	}
	c := conversation(call("dave", "PUT", conv("talk")+"/notificationStatus", `{"notificationStatus":1}`, 200))
	if ms, _ := c["mentionedInfoList"].([]any); c["unreadMessageCount"] != float64(2) || len(ms) != 2 {
		t.Errorf("dave's talk after two messages mentioning him: %v; want 2 unread, 2 mentions", c)
	}
	if n := total("dave"); n != 2 {
		t.Errorf("dave's total unread with talk in notify: %v, want 2", n)
	}
	communities := call("dave", "GET", "/v1/communities", "", 200)
	for _, x := range communities["communityList"].([]any) {
		if x := x.(map[string]any); x["communityID"] == "garden" && x["totalUnreadMessageCount"] != float64(2) {
			t.Errorf("garden in dave's community list: %v; want totalUnreadMessageCount 2", x)
		}
	}
	call("dave", "PUT", garden+"/notificationStatus", `{"notificationStatus":2}`, 200)
	if n := total("dave"); n != 0 {
		t.Errorf("dave's total unread with garden in do-not-disturb: %v, want 0", n)
	}
	call("dave", "PUT", garden+"/notificationStatus", `{"notificationStatus":1}`, 200)
	c = conversation(call("dave", "POST", conv("talk")+"/clearUnread", `{"messageSeq":1}`, 200))
	if ms, _ := c["mentionedInfoList"].([]any); c["unreadMessageCount"] != float64(1) || len(ms) != 1 {
		t.Errorf("dave's talk read up to 1 of 2: %v; want 1 unread, 1 mention", c)
	}
	c = conversation(call("dave", "POST", conv("talk")+"/clearUnread", "", 200))
	if c["unreadMessageCount"] != float64(0) || c["readMessageSeq"] != float64(2) {
		t.Errorf("dave's talk read to the end: %v; want 0 unread, read seq 2", c)
	}
	c = conversation(call("dave", "POST", conv("talk")+"/clearUnread", `{"messageSeq":1}`, 200))
	if c["readMessageSeq"] != float64(2) {
		t.Errorf("an older read position moved dave's back: %v", c)
	}
	call("dave", "POST", conv("talk")+"/clearUnread", `{"messageSeq":99}`, 200)
	call("dave", "POST", conv("talk")+"/clearUnread", `{"messageSeq":-1}`, 400)
	call("dave", "POST", conv("talk")+"/clearUnread", `{"messageSeq":"1"}`, 400)
	call("erin", "POST", conv("secret")+"/clearUnread", "", 403)
	call("frank", "POST", conv("talk")+"/clearUnread", "", 403)
	call("dave", "POST", conv("nowhere")+"/clearUnread", "", 404)
	call("dave", "POST", "/v1/communities/nowhere/channels/talk/conversation/clearUnread", "", 404)

	// Notification status, drafts and pins.
	call("dave", "PUT", conv("#general")+"/notificationStatus", `{"notificationStatus":2}`, 200)
	call("dave", "PUT", conv("talk")+"/notificationStatus", `{"notificationStatus":3}`, 400)
	call("dave", "PUT", conv("talk")+"/notificationStatus", `{}`, 400)
	call("erin", "PUT", conv("secret")+"/notificationStatus", `{"notificationStatus":1}`, 403)
	c = conversation(call("dave", "PUT", conv("talk")+"/draft", `{"draft":"half a thought"}`, 200))
	if c["draft"] != "half a thought" {
		t.Errorf("dave's talk after saving a draft: %v", c)
	}
	call("dave", "PUT", conv("talk")+"/draft", `{"draft":"`+strings.Repeat("x", 2048)+`"}`, 200)
	call("dave", "PUT", conv("talk")+"/draft", `{"draft":"`+strings.Repeat("x", 2049)+`"}`, 400)
	call("dave", "PUT", conv("talk")+"/draft", `{"draft":"x","colour":"red"}`, 400)
	call("erin", "PUT", conv("secret")+"/draft", `{"draft":"psst"}`, 403)
	if c = conversation(call("dave", "PUT", conv("talk")+"/draft", `{}`, 200)); c["draft"] != "" {
		t.Errorf("an empty draft did not clear dave's: %v", c)
	}
	c = conversation(call("dave", "PUT", conv("quiet")+"/pin", `{"isPinned":true}`, 200))
	if c["isPinned"] != true || c["pinnedTime"] != float64(now()) {
		t.Errorf("dave pinned quiet at %d: %v", now(), c)
	}
	clock.Advance(time.Second)
	call("dave", "PUT", conv("talk")+"/pin", `{"isPinned":true}`, 200)
	first := call("dave", "GET", "/v1/conversations?count=2", "", 200)
	var order []any
	for _, x := range first["conversationList"].([]any) {
		order = append(order, x.(map[string]any)["channelID"])
	}
	next, _ := first["nextFlag"].(string)
	if fmt.Sprint(order) != "[talk quiet]" || next == "" {
		t.Errorf("dave's first 2 conversations: %v, next %q; want talk then quiet (latest pin first) and a next page", order, next)
	}
	call("dave", "GET", "/v1/conversations?count=2&nextFlag="+url.QueryEscape(next), "", 200)
	if c = conversation(call("dave", "PUT", conv("talk")+"/pin", `{"isPinned":false}`, 200)); c["isPinned"] != false || c["pinnedTime"] != float64(0) {
		t.Errorf("dave unpinned talk: %v", c)
	}
	call("dave", "PUT", conv("talk")+"/pin", `{"isPinned":"yes"}`, 400)
	call("erin", "PUT", conv("secret")+"/pin", `{"isPinned":true}`, 403)
	call("dave", "PUT", conv("nowhere")+"/pin", `{"isPinned":true}`, 404)

	// A user pins at most 100 conversations.
	const pins = "/v1/communities/pins"
	call("gina", "POST", "/v1/communities", `{"communityID":"pins"}`, 200)
	call("gina", "PUT", pins+"/channels/%23general/conversation/pin", `{"isPinned":true}`, 200)
	for i := 1; i < 100; i++ {
		call("gina", "POST", pins+"/channels", fmt.Sprintf(`{"channelID":"p%d"}`, i), 200)
		call("gina", "PUT", fmt.Sprintf("%s/channels/p%d/conversation/pin", pins, i), `{"isPinned":true}`, 200)
	}
	call("alice", "POST", "/v1/communities/orchard/members", `{"userIDs":["gina"]}`, 200)
	full := call("gina", "PUT", "/v1/communities/orchard/channels/%23general/conversation/pin", `{"isPinned":true}`, 409)
	refused(full, "pinned_limit", 0)
	call("gina", "PUT", pins+"/channels/p1/conversation/pin", `{"isPinned":true}`, 200) // already pinned: no new pin
	call("gina", "PUT", pins+"/channels/p1/conversation/pin", `{"isPinned":false}`, 200)
	call("gina", "PUT", "/v1/communities/orchard/channels/%23general/conversation/pin", `{"isPinned":true}`, 200)
	if page := call("gina", "GET", "/v1/conversations?count=100", "", 200); page["nextFlag"] == "" {
		t.Errorf("the first 100 of gina's 101 conversations: no nextFlag")
	}

	// Channel mutes: normal spares the owner and admins; custom silences the
	// listed roles; both lift when they lapse or are lifted.
	res := call("alice", "POST", garden+"/channels/mute", `{"channelIDs":["talk","nowhere","talk"],"isMute":true,"mode":1,"duration":60}`, 200)
	if errs, _ := res["errorChannelIDs"].([]any); fmt.Sprint(errs) != "[nowhere]" || res["isMute"] != true {
		t.Errorf("muting talk and nowhere: %v; want errorChannelIDs [nowhere]", res)
	}
	until := now() + 60_000
	info := call("dave", "GET", garden+"/channels/lookup?channelIDs=talk", "", 200)
	if cs, _ := info["channelInfos"].([]any); len(cs) != 1 {
		t.Errorf("dave looked up talk: %v", info)
	} else if m, _ := cs[0].(map[string]any)["muteInfo"].(map[string]any); m["mode"] != float64(1) || m["expiredTime"] != float64(until) {
		t.Errorf("talk after a normal mute of 60 s from %d: muteInfo %v", now(), m)
	}
	refused(send("dave", "talk", text("hello?"), 403), "channel_muted", until)
	refused(call("dave", "POST", ch("talk")+"/messages/1/reply", text("hello?"), 403), "channel_muted", until)
	send("bob", "talk", text("admins may speak"), 200)
	for _, x := range call("dave", "GET", "/v1/conversations", "", 200)["conversationList"].([]any) {
		if x := x.(map[string]any); x["channelID"] == "talk" && x["selfMutedExpiredTime"] != float64(until) {
			t.Errorf("dave's talk under a channel mute until %d: %v", until, x)
		}
	}
	clock.Advance(60 * time.Second)
	send("dave", "talk", text("the mute lapsed"), 200)

	call("alice", "POST", garden+"/channels/mute", `{"channelIDs":["quiet"],"isMute":true,"mode":3,"duration":-1,"roles":[2,2]}`, 200)
	refused(send("bob", "quiet", text("hello?"), 403), "channel_muted", -1)
	send("dave", "quiet", text("members may speak"), 200)
	send("alice", "quiet", text("so may the owner"), 200)
	call("bob", "POST", garden+"/channels/mute", `{"channelIDs":["quiet"],"isMute":true,"mode":3,"duration":60,"roles":[1]}`, 403)
	call("bob", "POST", garden+"/channels/mute", `{"channelIDs":["talk"],"isMute":true,"mode":3,"duration":60,"roles":[3]}`, 200)
	call("alice", "POST", garden+"/channels/mute", `{"channelIDs":["talk"],"isMute":true,"mode":4,"duration":60}`, 400)
	call("alice", "POST", garden+"/channels/mute", `{"channelIDs":["talk"],"isMute":true,"mode":2}`, 400)
	call("alice", "POST", garden+"/channels/mute", `{"channelIDs":["talk"],"isMute":true,"mode":2,"duration":2592002}`, 400)
	call("alice", "POST", garden+"/channels/mute", `{"channelIDs":["talk"],"isMute":true,"mode":2,"duration":-2}`, 400)
	call("alice", "POST", garden+"/channels/mute", `{"channelIDs":["talk"],"isMute":true,"mode":1,"duration":60,"roles":[3]}`, 400)
	call("alice", "POST", garden+"/channels/mute", `{"channelIDs":["talk"],"isMute":true,"mode":3,"duration":60,"roles":[4]}`, 400)
	call("alice", "POST", garden+"/channels/mute", `{"channelIDs":[],"isMute":true,"mode":2,"duration":60}`, 400)
	call("alice", "POST", garden+"/channels/mute", `{"isMute":true,"mode":2,"duration":60}`, 400)
	call("dave", "POST", garden+"/channels/mute", `{"channelIDs":["talk"],"isMute":true,"mode":2,"duration":60}`, 403)
	call("frank", "POST", garden+"/channels/mute", `{"channelIDs":["talk"],"isMute":true,"mode":2,"duration":60}`, 403)
	call("alice", "POST", garden+"/channels/mute", `{"channelIDs":["nowhere"],"isMute":true,"mode":2,"duration":60}`, 404)
	call("alice", "POST", "/v1/communities/nowhere/channels/mute", `{"channelIDs":["talk"],"isMute":true,"mode":2,"duration":60}`, 404)
	call("alice", "POST", garden+"/channels/mute", `{"channelIDs":["quiet","talk"],"isMute":false}`, 200)
	send("bob", "quiet", text("lifted"), 200)
	send("dave", "talk", text("lifted"), 200)

	// The community mute covers every channel at once.
	res = call("alice", "PUT", garden+"/mute", `{"isMute":true,"mode":2,"duration":3600}`, 200)
	until = now() + 3_600_000
	if m, _ := res["muteInfo"].(map[string]any); m["mode"] != float64(2) || m["expiredTime"] != float64(until) {
		t.Errorf("garden muted for an hour: %v", res)
	}
	refused(send("dave", "quiet", text("hello?"), 403), "community_muted", until)
	refused(send("alice", "#general", text("hello?"), 403), "community_muted", until)
	if m, _ := call("dave", "GET", garden, "", 200)["communityInfo"].(map[string]any)["muteInfo"].(map[string]any); m["mode"] != float64(2) {
		t.Errorf("garden's muteInfo under a community mute: %v", m)
	}
	call("bob", "PUT", garden+"/mute", `{"isMute":true,"mode":3,"duration":60,"roles":[1,3]}`, 403)
	call("bob", "PUT", garden+"/mute", `{"isMute":true,"mode":5,"duration":60}`, 400)
	call("bob", "PUT", garden+"/mute", `{"isMute":true,"mode":1,"duration":0}`, 400)
	call("bob", "PUT", garden+"/mute", `{"isMute":true,"mode":2,"duration":60,"roles":[3]}`, 400)
	call("bob", "PUT", garden+"/mute", `{"isMute":true,"mode":1,"duration":60,"until":1}`, 400)
	call("dave", "PUT", garden+"/mute", `{"isMute":true,"mode":2,"duration":60}`, 403)
	call("frank", "PUT", garden+"/mute", `{"isMute":true,"mode":2,"duration":60}`, 403)
	call("alice", "PUT", "/v1/communities/nowhere/mute", `{"isMute":true,"mode":2,"duration":60}`, 404)
	if m, _ := call("bob", "PUT", garden+"/mute", `{"isMute":true,"mode":0}`, 200)["muteInfo"].(map[string]any); m["mode"] != float64(0) {
		t.Errorf("mode 0 did not lift garden's mute: %v", m)
	}
	send("dave", "quiet", text("lifted"), 200)
	call("bob", "PUT", garden+"/mute", `{"isMute":true,"mode":3,"duration":10}`, 200)
	refused(send("carol", "quiet", text("hello?"), 403), "community_muted", now()+9_000)
	clock.Advance(10 * time.Second)
	send("carol", "quiet", text("the mute lapsed"), 200)
	call("bob", "PUT", garden+"/mute", `{"isMute":true,"mode":1,"duration":60}`, 200)
	call("bob", "PUT", garden+"/mute", `{}`, 200)

	// Member mutes, community-wide and in one channel.
	res = call("alice", "POST", garden+"/members/mute", `{"userIDs":["dave","ghost","alice"],"isMute":true,"duration":120}`, 200)
	until = now() + 120_000
	if errs, _ := res["errorUserList"].([]any); len(errs) != 2 || res["channelID"] != "" {
		t.Errorf("muting dave, ghost and alice: %v; want ghost and alice in errorUserList, no channelID", res)
	}
	refused(send("dave", "talk", text("hello?"), 403), "member_muted", until)
	refused(send("dave", "secret", text("hello?"), 403), "member_muted", until)
	res = call("alice", "GET", garden+"/members/lookup?userIDs=dave", "", 200)
	if m := res["memberList"].([]any)[0].(map[string]any); m["muteExpiredTime"] != float64(until) {
		t.Errorf("dave muted until %d: %v", until, m)
	}
	res = call("bob", "POST", garden+"/members/mute", `{"userIDs":["erin"],"isMute":true,"duration":-1,"channelID":"talk"}`, 200)
	if res["channelID"] != "talk" {
		t.Errorf("muting erin in talk: %v", res)
	}
	refused(send("erin", "talk", text("hello?"), 403), "member_muted", -1)
	send("erin", "quiet", text("elsewhere I may"), 200)
	if ids := userIDs(call("erin", "GET", garden+"/members?isMutedMember=true", "", 200)); fmt.Sprint(ids) != "[dave]" {
		t.Errorf("garden's members muted community-wide: %v; want [dave]", ids)
	}
	if ids := userIDs(call("erin", "GET", garden+"/members?isMutedMember=true&channelID=talk&count=1", "", 200)); len(ids) != 1 {
		t.Errorf("the first of garden's members muted in talk: %v", ids)
	}
	muted := call("alice", "GET", garden+"/members?isMutedMember=true&channelID=talk", "", 200)
	if ids := userIDs(muted); fmt.Sprint(ids) != "[dave erin]" {
		t.Errorf("garden's members muted in talk: %v; want [dave erin]", ids)
	}
	call("alice", "GET", garden+"/members?isMutedMember=maybe", "", 400)
	refused(call("alice", "POST", garden+"/members/mute", `{"userIDs":["erin"],"isMute":true,"duration":60,"channelID":"secret"}`, 400), "muted_member_not_in_channel", 0)
	refused(call("bob", "POST", garden+"/members/mute", `{"userIDs":["carol"],"isMute":true,"duration":60}`, 403), "role_not_lower", 0)
	refused(call("bob", "POST", garden+"/members/mute", `{"userIDs":["alice"],"isMute":true,"duration":60}`, 403), "role_not_lower", 0)
	refused(call("bob", "POST", garden+"/members/mute", `{"userIDs":["bob"],"isMute":true,"duration":60}`, 400), "cannot_change_own_role", 0)
	refused(call("carol", "POST", garden+"/members/mute", `{"userIDs":["ghost"],"isMute":true,"duration":60}`, 403), "not_community_member", 0)
	call("dave", "POST", garden+"/members/mute", `{"userIDs":["erin"],"isMute":true,"duration":60}`, 403)
	call("frank", "POST", garden+"/members/mute", `{"userIDs":["erin"],"isMute":true,"duration":60}`, 403)
	call("alice", "POST", garden+"/members/mute", `{"userIDs":["erin"],"isMute":true}`, 400)
	call("alice", "POST", garden+"/members/mute", `{"userIDs":["erin"],"isMute":true,"duration":2592002}`, 400)
	call("alice", "POST", garden+"/members/mute", `{"userIDs":[],"isMute":true,"duration":60}`, 400)
	call("alice", "POST", garden+"/members/mute", `{"userIDs":["erin"],"isMute":true,"duration":60,"channelID":"nowhere"}`, 404)
	call("alice", "POST", "/v1/communities/nowhere/members/mute", `{"userIDs":["erin"],"isMute":true,"duration":60}`, 404)
	clock.Advance(2 * time.Minute)
	send("dave", "talk", text("the mute lapsed"), 200)
	if ids := userIDs(call("alice", "GET", garden+"/members?isMutedMember=true", "", 200)); len(ids) != 0 {
		t.Errorf("garden's members muted community-wide after the mute lapsed: %v", ids)
	}
	call("alice", "POST", garden+"/members/mute", `{"userIDs":["erin"],"isMute":false,"channelID":"talk"}`, 200)
	send("erin", "talk", text("unmuted"), 200)

	waitFor(plaza.EventConversationChanged, plaza.EventConversationTotalUnreadMessageCountUpdated,
		plaza.EventCommunityListChanged, plaza.EventCommunityInfoUpdated, plaza.EventCommunityChannelInfoUpdated,
		plaza.EventCommunityMemberInfoUpdated, plaza.EventMessageReceived)
	l.requireSuccesses(conversationOrMute)
}

// TestLiveThreadsMatchDocument drives every thread operation of a real
// server through Transport, successes and failures alike.
func TestLiveThreadsMatchDocument(t *testing.T) {
	t.Parallel()
	spec := plaza.DefaultSpec()
	spec.SendIntervalMillis, spec.SendsPerSecond = 0, 1000
	l := newLive(t, plazatest.Options{Spec: &spec}, "alice", "bob", "carol", "dave", "erin")
	call := l.call
	const garden = "/v1/communities/garden"
	th := func(id, rest string) string { return garden + "/threads/" + url.PathEscape(id) + rest }

	call("alice", "POST", "/v1/communities", `{"communityID":"garden","communityName":"Gardeners"}`, 200)
	call("alice", "POST", garden+"/members", `{"userIDs":["bob","carol","dave"]}`, 200)
	root := call("bob", "POST", garden+"/channels/%23general/messages", `{"message":{"type":1,"message":"Tomatoes or beans?"}}`, 200)
	seq := int64(root["message"].(map[string]any)["messageSeq"].(float64))

	// Create: from a message, standalone, private; the refusals.
	created := call("carol", "POST", garden+"/channels/%23general/threads", fmt.Sprintf(`{"rootMessageSeq":%d}`, seq), 200)
	id := created["threadInfo"].(map[string]any)["threadID"].(string)
	call("carol", "POST", garden+"/channels/%23general/threads", fmt.Sprintf(`{"rootMessageSeq":%d}`, seq), 409)
	call("carol", "POST", garden+"/channels/%23general/threads", `{"threadID":"plans","threadName":"Plans","autoArchiveDuration":60}`, 200)
	call("alice", "POST", garden+"/channels/%23general/threads", `{"threadID":"hush","threadName":"Hush","isPrivate":true,"invitable":false}`, 200)
	call("carol", "POST", garden+"/channels/%23general/threads", `{}`, 400)
	call("carol", "POST", garden+"/channels/%23general/threads", `{"threadName":"x","autoArchiveDuration":5}`, 400)
	call("carol", "POST", garden+"/channels/plans/threads", `{"threadName":"deeper"}`, 400)
	call("erin", "POST", garden+"/channels/%23general/threads", `{"threadName":"x"}`, 403)
	call("carol", "POST", garden+"/channels/nowhere/threads", `{"threadName":"x"}`, 404)

	// Lists and lookups.
	call("dave", "GET", garden+"/channels/%23general/threads?count=2", "", 200)
	call("dave", "GET", garden+"/channels/%23general/threads?filter=archived", "", 200)
	call("dave", "GET", garden+"/channels/%23general/threads?filter=old", "", 400)
	call("carol", "GET", "/v1/threads/joined", "", 200)
	call("carol", "GET", "/v1/threads/joined?communityID=garden&count=1", "", 200)
	call("erin", "GET", "/v1/threads/joined?communityID=garden", "", 403)
	info := call("dave", "GET", garden+"/threads/lookup?threadIDs=plans,hush,nowhere", "", 200)
	if errs, _ := info["errorThreadIDs"].([]any); len(errs) != 2 {
		t.Errorf("dave looked up plans, hush (private) and nowhere: errorThreadIDs %v", errs)
	}

	// Members.
	call("dave", "POST", th(id, "/join"), "", 200)
	call("dave", "POST", th(id, "/join"), "", 409)
	call("dave", "POST", th("hush", "/join"), "", 403)
	call("dave", "POST", th(id, "/leave"), "", 200)
	call("dave", "POST", th(id, "/leave"), "", 404)
	call("carol", "POST", th(id, "/members"), `{"userIDs":["dave","erin"]}`, 200)
	call("erin", "POST", th(id, "/members"), `{"userIDs":["dave"]}`, 403)
	call("carol", "GET", th(id, "/members?count=10"), "", 200)
	call("carol", "POST", th(id, "/members/kick"), `{"userIDs":["dave"]}`, 403)
	call("alice", "POST", th(id, "/members/kick"), `{"userIDs":["dave"]}`, 200)
	call("alice", "POST", th(id, "/members/kick"), `{"userIDs":["dave"]}`, 404)
	call("dave", "GET", th("hush", "/members"), "", 403)

	// Messages and conversations in a thread are a channel's.
	call("dave", "POST", garden+"/channels/"+url.PathEscape(id)+"/messages", `{"message":{"type":1,"message":"beans"}}`, 200)
	call("dave", "POST", garden+"/channels/"+url.PathEscape(id)+"/conversation/clearUnread", "", 200)
	call("erin", "POST", garden+"/channels/"+url.PathEscape(id)+"/conversation/clearUnread", "", 403)

	// Changes.
	call("carol", "PUT", th(id, "/name"), `{"threadName":"Vegetables"}`, 200)
	call("dave", "PUT", th(id, "/name"), `{"threadName":"Mine"}`, 403)
	call("carol", "PUT", th(id, "/name"), `{"threadName":""}`, 400)
	call("carol", "PUT", th(id, "/autoArchiveDuration"), `{"autoArchiveDuration":4320}`, 200)
	call("carol", "PUT", th(id, "/autoArchiveDuration"), `{"autoArchiveDuration":7}`, 400)
	call("carol", "PUT", th(id, "/locked"), `{"isLocked":true}`, 403)
	call("alice", "PUT", th(id, "/locked"), `{"isLocked":true}`, 200)
	call("dave", "POST", garden+"/channels/"+url.PathEscape(id)+"/messages", `{"message":{"type":1,"message":"peas"}}`, 403)
	call("carol", "PUT", th(id, "/archived"), `{"isArchived":true}`, 200)
	call("carol", "PUT", th(id, "/archived"), `{}`, 400)
	call("alice", "PUT", th(id, "/name"), `{"threadName":"Closed"}`, 409)
	call("alice", "PUT", th(id, "/archived"), `{"isArchived":false}`, 200)
	call("alice", "PUT", garden+"/channels/"+url.PathEscape(id)+"/name", `{"channelName":"x"}`, 400)

	// Dismissal.
	call("dave", "DELETE", th("plans", ""), "", 403)
	call("carol", "DELETE", th("plans", ""), "", 200)
	call("carol", "DELETE", th("plans", ""), "", 404)
	call("carol", "POST", garden+"/channels/%23general/threads", `{"threadID":"plans","threadName":"Again"}`, 409)

	l.requireSuccesses(func(template string) bool { return strings.Contains(template, "/threads") })
}
