package apitest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

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
	env := plazatest.New(t, o)
	env.Users(t, users...)
	api, err := httpapi.New(httpapi.Options{Service: env.Service})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return &live{t: t, env: env, srv: srv, hc: &http.Client{Transport: apitest.Transport(t, nil)}, succeeded: map[string]bool{}}
}

// route returns the route of the client API that serves method and the
// escaped path, preferring literal segments to wildcards, or "".
func route(method, path string) string {
	path, _, _ = strings.Cut(path, "?")
	segs := strings.Split(path, "/")
	best, bestLiterals := "", -1
	for _, r := range httpapi.Routes() {
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

// TestLiveResponsesMatchDocument drives every community, member and
// application operation of a real server through Transport, successes and
// failures alike, so that each response the server gives is checked against
// the document. TestLiveChannelsAndMessagesMatchDocument does the same for
// channels and messages.
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

	l.requireSuccesses(func(template string) bool { return !strings.Contains(template, "/channels") })
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

	l.requireSuccesses(func(template string) bool { return strings.Contains(template, "/channels") })
}
