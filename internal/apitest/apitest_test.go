package apitest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/apitest"
)

// recorder is a testing.TB that records Errorf instead of failing.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) failures() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}

const communityInfo = `{"communityID":"c1","communityName":"Gardeners","communityAvatarUrl":"",
	"communityNotice":"","communityAttributes":{"theme":"green"},"joinMode":0,"inviteMode":0,
	"creatorUserID":"alice","createTime":1767225600000,"currentMemberCount":1,
	"muteInfo":{"mode":0,"expiredTime":0,"roles":[]},"notificationStatus":1}`

// multipleMessage is a stored multiple message whose items nest
// MessageContent in Message.
const multipleMessage = `{"type":10,"mentionedUserIDs":["bob"],"extendedData":"{}",
	"items":[{"type":1,"message":"Look:"},{"type":11,"fileDownloadUrl":"https://example.com/a.png","imageWidth":640,"imageHeight":480}],
	"messageID":"4194304000","messageSeq":3,"communityID":"c1","channelID":"talk","senderUserID":"alice",
	"timestamp":1767225600000,"repliedInfo":{"messageID":"4194300000","messageSeq":2,"senderUserID":"bob",
	"sentTime":1767225500000,"messageType":1,"rootMessageSeq":1},"rootRepliedCount":0,"reactions":[]}`

// channelConversation is an entry of queryCommunityChannelList whose channel
// has no message.
const channelConversation = `{"communityID":"c1","channelID":"quiet","channelType":1,"channelName":"Quiet",
	"channelAvatarUrl":"","channelAttributes":{},"notificationStatus":2,"unreadMessageCount":0,
	"lastMessage":null,"lastMessageSeq":0,"readMessageSeq":0,"mentionedInfoList":[],
	"selfMutedExpiredTime":0,"draft":"","isPinned":false,"pinnedTime":0}`

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		method, path string
		status       int
		body         string
		wantErr      string // a substring of the reported failure; "" for none
	}{
		{
			name: "createCommunity result", method: "POST", path: "/v1/communities", status: 200,
			body: `{"communityInfo":` + communityInfo + `}`,
		},
		{
			name: "createCommunity without communityInfo", method: "POST", path: "/v1/communities", status: 200,
			body: `{}`, wantErr: "missing property 'communityInfo'",
		},
		{
			name: "createCommunity with a string createTime", method: "POST", path: "/v1/communities", status: 200,
			body:    `{"communityInfo":` + strings.Replace(communityInfo, `1767225600000`, `"1767225600000"`, 1) + `}`,
			wantErr: "/communityInfo/createTime",
		},
		{
			name: "createCommunity with an undocumented field", method: "POST", path: "/v1/communities", status: 200,
			body:    `{"communityInfo":` + strings.Replace(communityInfo, `"joinMode":0`, `"joinMode":0,"secret":"x"`, 1) + `}`,
			wantErr: "'secret' not allowed",
		},
		{
			name: "joinMode out of its enumeration", method: "GET", path: "/v1/communities/c1", status: 200,
			body:    `{"communityInfo":` + strings.Replace(communityInfo, `"joinMode":0`, `"joinMode":7`, 1) + `}`,
			wantErr: "/communityInfo/joinMode",
		},
		{
			name: "generated ID in the path", method: "GET", path: "/v1/communities/%23B7fQ2", status: 200,
			body: `{"communityInfo":` + communityInfo + `}`,
		},
		{
			name: "literal segment wins over a wildcard", method: "GET", path: "/v1/communities/c1/members/lookup", status: 200,
			body: `{"communityID":"c1","memberList":[{"userID":"bob","userName":"Bob","userAvatarUrl":"","memberRole":3,
				"enterTime":1767225600000,"enterType":3,"operatedUserID":"alice","muteExpiredTime":0,"channelMutes":[]}],
				"errorUserList":[{"userID":"carol","reason":6001005,"code":"not_community_member"}]}`,
		},
		{
			name: "unknown error code in a batch result", method: "GET", path: "/v1/communities/c1/members/lookup", status: 200,
			body:    `{"communityID":"c1","memberList":[],"errorUserList":[{"userID":"carol","reason":1,"code":"gone"}]}`,
			wantErr: "/errorUserList/0/code",
		},
		{
			name: "documented error", method: "POST", path: "/v1/communities", status: 409,
			body: `{"error":{"code":"community_exists","zimCode":6001003,"message":"community c1 already exists","field":"communityID"}}`,
		},
		{
			name: "error without its envelope", method: "POST", path: "/v1/communities", status: 409,
			body: `{"code":"community_exists","zimCode":6001003,"message":"exists"}`, wantErr: "missing property 'error'",
		},
		{
			name: "undocumented status falls back to default", method: "POST", path: "/v1/communities", status: 500,
			body: `{"error":{"code":"internal","zimCode":6000007,"message":"internal error; request ID 0123456789abcdef"}}`,
		},
		{
			name: "status without a response nor default", method: "GET", path: "/healthz", status: 500,
			body: `{"status":"ok"}`, wantErr: "not documented",
		},
		{
			name: "health", method: "GET", path: "/healthz", status: 200, body: `{"status":"ok"}`,
		},
		{
			name: "query string ignored", method: "GET", path: "/v1/communities?count=2", status: 200,
			body: `{"communityList":[{"communityID":"c1","communityName":"Gardeners","communityAvatarUrl":"",
				"totalUnreadMessageCount":0,"notificationStatus":1,"memberRole":1,
				"threadTotalUnreadMessageCount":0,"threadTotalUnreadMentionCount":0}],"nextFlag":""}`,
		},
		{
			name: "body that is not JSON", method: "GET", path: "/v1/communities", status: 200,
			body: `<html>`, wantErr: "not JSON",
		},
		{
			name: "unknown path", method: "GET", path: "/v1/nowhere", status: 404,
			body:    `{"error":{"code":"not_found","zimCode":7000001,"message":"no route"}}`,
			wantErr: "no operation",
		},
		{
			name: "unknown method", method: "PATCH", path: "/v1/communities", status: 405,
			body:    `{"error":{"code":"method_not_allowed","zimCode":7000002,"message":"no"}}`,
			wantErr: "no operation",
		},
		{
			name: "gateway is not checked", method: "GET", path: "/v1/gateway", status: 101,
		},
		{
			name: "multiple message with nested items", method: "POST", path: "/v1/communities/c1/channels/%23general/messages", status: 200,
			body: `{"message":` + multipleMessage + `}`,
		},
		{
			name: "nested item with an undocumented field", method: "POST", path: "/v1/communities/c1/channels/talk/messages", status: 200,
			body:    `{"message":` + strings.Replace(multipleMessage, `"type":11,`, `"type":11,"secret":"x",`, 1) + `}`,
			wantErr: "/message/items/1",
		},
		{
			name: "message type out of its enumeration", method: "POST", path: "/v1/communities/c1/channels/talk/messages", status: 200,
			body:    `{"message":` + strings.Replace(multipleMessage, `"type":10,`, `"type":3,`, 1) + `}`,
			wantErr: "/message/type",
		},
		{
			name: "message without reactions", method: "PUT", path: "/v1/communities/c1/channels/talk/messages/3", status: 200,
			body:    `{"message":` + strings.Replace(multipleMessage, `,"reactions":[]`, ``, 1) + `}`,
			wantErr: "missing property 'reactions'",
		},
		{
			name: "reply route by its own wildcard", method: "POST", path: "/v1/communities/c1/channels/talk/messages/2/reply", status: 200,
			body: `{"message":` + multipleMessage + `}`,
		},
		{
			name: "channel conversations, lastMessage null or a message", method: "GET", path: "/v1/communities/c1/channels", status: 200,
			body: `{"communityID":"c1","channelList":[` + strings.Replace(channelConversation, `"lastMessage":null`, `"lastMessage":`+multipleMessage, 1) +
				`,` + channelConversation + `],"nextFlag":""}`,
		},
		{
			name: "channel conversation without lastMessage", method: "GET", path: "/v1/communities/c1/channels", status: 200,
			body:    `{"communityID":"c1","channelList":[` + strings.Replace(channelConversation, `"lastMessage":null,`, ``, 1) + `],"nextFlag":""}`,
			wantErr: "missing property 'lastMessage'",
		},
		{
			name: "muted member with channel and community-wide mutes", method: "GET", path: "/v1/communities/c1/members", status: 200,
			body: `{"communityID":"c1","memberList":[{"userID":"bob","userName":"Bob","userAvatarUrl":"","memberRole":3,
				"enterTime":1767225600000,"enterType":3,"muteExpiredTime":-1,
				"channelMutes":[{"channelID":"talk","muteExpiredTime":1767229200000}]}],"nextFlag":""}`,
		},
		{
			name: "mute info with null roles", method: "PUT", path: "/v1/communities/c1/mute", status: 200,
			body:    `{"communityID":"c1","isMute":true,"muteInfo":{"mode":2,"expiredTime":-1,"roles":null}}`,
			wantErr: "/muteInfo/roles",
		},
		{
			name: "mute mode out of its enumeration", method: "PUT", path: "/v1/communities/c1/mute", status: 200,
			body:    `{"communityID":"c1","isMute":true,"muteInfo":{"mode":4,"expiredTime":-1,"roles":[]}}`,
			wantErr: "/muteInfo/mode",
		},
		{
			name: "pinned conversation with a mention", method: "PUT", path: "/v1/communities/c1/channels/quiet/conversation/pin", status: 200,
			body: `{"conversation":` + strings.NewReplacer(`"mentionedInfoList":[]`,
				`"mentionedInfoList":[{"messageID":"4194304000","messageSeq":3,"fromUserID":"alice","type":3}]`,
				`"isPinned":false,"pinnedTime":0`, `"isPinned":true,"pinnedTime":1767225600000`).Replace(channelConversation) + `}`,
		},
		{
			name: "mention type out of its enumeration", method: "POST", path: "/v1/communities/c1/channels/quiet/conversation/clearUnread", status: 200,
			body: `{"conversation":` + strings.Replace(channelConversation, `"mentionedInfoList":[]`,
				`"mentionedInfoList":[{"messageID":"4194304000","messageSeq":3,"fromUserID":"alice","type":4}]`, 1) + `}`,
			wantErr: "/conversation/mentionedInfoList/0/type",
		},
		{
			name: "total unread, literal path", method: "GET", path: "/v1/conversations/totalUnreadMessageCount", status: 200,
			body: `{"totalUnreadMessageCount":3}`,
		},
		{
			name: "muted send with until", method: "POST", path: "/v1/communities/c1/channels/talk/messages", status: 403,
			body: `{"error":{"code":"channel_muted","zimCode":7005002,"message":"the channel is muted until further notice","until":-1}}`,
		},
		{
			name: "server API mirror, checked as its client operation", method: "POST", path: "/v1/server/communities", status: 200,
			body: `{"communityInfo":` + communityInfo + `}`,
		},
		{
			name: "server API mirror with a wrong result", method: "GET", path: "/v1/server/communities/c1", status: 200,
			body: `{}`, wantErr: "missing property 'communityInfo'",
		},
		{
			name: "server API mirror refused", method: "GET", path: "/v1/server/communities/c1", status: 401,
			body: `{"error":{"code":"signature_expired","zimCode":7006003,"message":"too old"}}`,
		},
		{
			name: "server API's own operation", method: "POST", path: "/v1/server/app/users/u1/token", status: 200,
			body: `{"token":"a.b.c","expiresAt":1767225600000}`,
		},
		{
			name: "server API's own operation with a wrong result", method: "GET", path: "/v1/server/app/communities", status: 200,
			body: `{"communityList":[` + communityInfo + `]}`, wantErr: "missing property 'nextFlag'",
		},
		{
			name: "system send", method: "POST", path: "/v1/server/communities/c1/channels/talk/messages", status: 200,
			body: `{"message":` + strings.Replace(multipleMessage, `"senderUserID":"alice"`, `"senderUserID":"#system"`, 1) + `}`,
		},
		{
			name: "unknown server API path", method: "GET", path: "/v1/server/app/nothing", status: 404,
			body:    `{"error":{"code":"not_found","zimCode":7000001,"message":"no route"}}`,
			wantErr: "no operation",
		},
		{
			name: "operator app without its secrets", method: "GET", path: "/v1/operator/apps/acme", status: 200,
			body:    `{"appID":"acme","name":"","communityEnabled":true,"spec":{},"webhook":{},"createdAt":1}`,
			wantErr: "missing property",
		},
		{
			name: "operator key refused", method: "GET", path: "/v1/operator/apps", status: 401,
			body: `{"error":{"code":"operator_key_invalid","zimCode":7006001,"message":"wrong key"}}`,
		},
		{
			name: "rate limited with until", method: "POST", path: "/v1/communities/c1/channels/talk/messages", status: 429,
			body: `{"error":{"code":"rate_limited","zimCode":6000005,"message":"sending too fast","until":1767225600100}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{TB: t}
			apitest.Check(rec, tt.method, tt.path, tt.status, []byte(tt.body))
			got := rec.failures()
			switch {
			case tt.wantErr == "" && len(got) > 0:
				t.Errorf("Check reported a failure for a valid response:\n%s", strings.Join(got, "\n"))
			case tt.wantErr != "" && len(got) == 0:
				t.Errorf("Check accepted an invalid response; want a failure mentioning %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(strings.Join(got, "\n"), tt.wantErr):
				t.Errorf("Check reported %q; want a failure mentioning %q", got, tt.wantErr)
			}
		})
	}
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestTransport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		path    string
		body    string
		wantErr bool
	}{
		{"valid body", "/v1/communities/c1/leave", `{"communityID":"c1"}`, false},
		{"missing field", "/v1/communities/c1/leave", `{}`, true},
		{"wrong type", "/v1/communities/c1/leave", `{"communityID":7}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				rec := httptest.NewRecorder()
				rec.Header().Set("Content-Type", "application/json")
				rec.WriteHeader(http.StatusOK)
				io.WriteString(rec, tt.body)
				return rec.Result(), nil
			})
			rec := &recorder{TB: t}
			hc := &http.Client{Transport: apitest.Transport(rec, base)}
			resp, err := hc.Post("http://plaza.test"+tt.path, "application/json", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.body {
				t.Errorf("the caller read %q; want the body restored, %q", got, tt.body)
			}
			if failed := len(rec.failures()) > 0; failed != tt.wantErr {
				t.Errorf("Transport reported %q; want a failure: %v", rec.failures(), tt.wantErr)
			}
		})
	}
}

func TestCheckEvent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, event, payload string
		wantErr              string // a substring of the reported failure; "" for none
	}{
		{
			name: "conversation changed", event: "conversationChanged",
			payload: `{"infoList":[{"action":2,"conversation":` + channelConversation + `}]}`,
		},
		{
			name: "conversation changed without its conversation", event: "conversationChanged",
			payload: `{"infoList":[{"action":2}]}`, wantErr: "missing property 'conversation'",
		},
		{
			name: "total unread", event: "conversationTotalUnreadMessageCountUpdated",
			payload: `{"totalUnreadMessageCount":7}`,
		},
		{
			name: "negative total unread", event: "conversationTotalUnreadMessageCountUpdated",
			payload: `{"totalUnreadMessageCount":-1}`, wantErr: "/totalUnreadMessageCount",
		},
		{
			name: "community info with a mute", event: "communityInfoUpdated",
			payload: `{"updateInfoList":[{"communityInfo":` + strings.Replace(communityInfo,
				`"muteInfo":{"mode":0,"expiredTime":0,"roles":[]},"notificationStatus":1`,
				`"muteInfo":{"mode":3,"expiredTime":-1,"roles":[2,3]}`, 1) + `}]}`,
		},
		{
			name: "unknown event", event: "communityExploded", payload: `{}`, wantErr: "no payload schema",
		},
		{
			name: "payload that is not JSON", event: "conversationChanged", payload: `{`, wantErr: "not JSON",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{TB: t}
			apitest.CheckEvent(rec, tt.event, []byte(tt.payload))
			got := rec.failures()
			switch {
			case tt.wantErr == "" && len(got) > 0:
				t.Errorf("CheckEvent reported a failure for a valid payload:\n%s", strings.Join(got, "\n"))
			case tt.wantErr != "" && len(got) == 0:
				t.Errorf("CheckEvent accepted an invalid payload; want a failure mentioning %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(strings.Join(got, "\n"), tt.wantErr):
				t.Errorf("CheckEvent reported %q; want a failure mentioning %q", got, tt.wantErr)
			}
		})
	}
}

// TestEventSchemasCoverEveryEvent checks that every event the service
// publishes has a payload schema.
func TestEventSchemasCoverEveryEvent(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		plaza.EventCommunityListChanged, plaza.EventCommunityInfoUpdated, plaza.EventCommunityMemberStateChanged,
		plaza.EventCommunityMemberInfoUpdated, plaza.EventCommunityApplicationListChanged,
		plaza.EventCommunityChannelListChanged, plaza.EventCommunityChannelInfoUpdated,
		plaza.EventMessageReceived, plaza.EventMessageRevokeReceived, plaza.EventMessageEdited,
		plaza.EventMessageReactionsChanged, plaza.EventConversationChanged,
		plaza.EventConversationTotalUnreadMessageCountUpdated,
	} {
		if _, ok := apitest.EventSchemas[name]; !ok {
			t.Errorf("event %s has no entry in apitest.EventSchemas", name)
		}
	}
}
