package plaza_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/pgtest"
	"github.com/plazahq/plaza/internal/plazatest"
	"github.com/plazahq/plaza/internal/postgres"
)

// TestTextFieldRules sends every kind of text field with what its rule
// refuses and accepts (docs/architecture.md, "Text fields"): NUL nowhere;
// no control character in names, IDs, notices, keys and the like; tab, line
// feed and carriage return in free text; a visible character in a name; an
// http or https URL, or nothing, as an avatar. The bodies go through the
// operation table with the plain JSON decoder, so that the service's own
// checks are what answers, whatever the transport.
//
// It runs on SQLite, and on PostgreSQL when PLAZA_TEST_POSTGRES is set:
// PostgreSQL cannot store a NUL, which must be refused before it is tried.
func TestTextFieldRules(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		testTextFieldRules(t, plazatest.New(t, plazatest.Options{Spec: relaxed()}))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		testTextFieldRules(t, postgresEnv(t, *relaxed()))
	})
}

// postgresEnv is a service over a PostgreSQL store in a schema of its own,
// with the app plazatest.New makes, and no bus; it skips the test without
// PLAZA_TEST_POSTGRES.
func postgresEnv(t *testing.T, spec plaza.Spec) *plazatest.Env {
	t.Helper()
	ctx := context.Background()
	store, err := postgres.Open(ctx, pgtest.SchemaURL(t), postgres.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	secret, err := plaza.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixMilli()
	app := plaza.App{AppID: "1000000001", Name: "test", CommunityEnabled: true, Spec: spec,
		Secrets: []plaza.Secret{{Secret: secret, CreatedAt: now}}, Webhook: plaza.WebhookConfig{Events: []string{}}, CreatedAt: now}
	err = store.Update(ctx, func(tx plaza.Tx) error {
		if err := tx.InsertApp(ctx, app); err != nil {
			return err
		}
		return tx.RecordSpec(ctx, app.AppID, app.CreatedAt, app.Spec)
	})
	if err != nil {
		t.Fatal(err)
	}
	return &plazatest.Env{Service: plaza.NewService(plaza.Options{Store: store}), App: app}
}

func testTextFieldRules(t *testing.T, env *plazatest.Env) {
	ctx := context.Background()
	svc := env.Service
	owner := club(t, env, "m")
	must[plaza.ChannelInfoResult](t)(svc.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "talk", ChannelName: "Talk"}))
	sent := sendText(t, env, owner, "talk", "hello")
	must[plaza.CommunityInfoResult](t)(svc.CreateCommunity(ctx, owner, plaza.CreateCommunityRequest{CommunityID: "closed", CommunityName: "Closed"}))
	approval := plaza.JoinApproval
	must[plaza.UpdateCommunityJoinModeResult](t)(svc.UpdateCommunityJoinMode(ctx, owner, plaza.UpdateCommunityJoinModeRequest{CommunityID: "closed", JoinMode: &approval}))
	outsider := env.Users(t, "outsider")[0]
	app := plaza.Actor{AppID: env.App.AppID}

	type scope int
	const (
		client scope = iota
		server
		operator
	)
	n := 0
	newID := func() string { n++; return "new" + strconv.Itoa(n) }
	msg := func(content string) string {
		return `{"communityID":"club","channelID":"talk","message":` + content + `}`
	}
	tests := []struct {
		name  string
		api   scope
		by    plaza.Actor
		op    string
		body  func() string
		field string // "" when accepted
	}{
		// Names: no control character, a visible character when given.
		{"community name with NUL", client, owner, "createCommunity", func() string { return `{"communityID":"` + newID() + `","communityName":"a\u0000b"}` }, "communityName"},
		{"community name with a line feed", client, owner, "createCommunity", func() string { return `{"communityID":"` + newID() + `","communityName":"a\nb"}` }, "communityName"},
		{"community name of spaces", client, owner, "createCommunity", func() string { return `{"communityID":"` + newID() + `","communityName":" \u3000 "}` }, "communityName"},
		{"community name of a zero-width space", client, owner, "createCommunity", func() string { return `{"communityID":"` + newID() + `","communityName":"\u200b"}` }, "communityName"},
		{"community without a name", client, owner, "createCommunity", func() string { return `{"communityID":"` + newID() + `"}` }, ""},
		{"community name with emoji and spaces", client, owner, "createCommunity", func() string {
			return `{"communityID":"` + newID() + `","communityName":" Caf\u00e9 \ud83d\udc69\u200d\ud83d\udcbb "}`
		}, ""},
		{"community rename to nothing", client, owner, "updateCommunityName", func() string { return `{"communityID":"club","communityName":""}` }, "communityName"},
		{"community rename to spaces", client, owner, "updateCommunityName", func() string { return `{"communityID":"club","communityName":"  "}` }, "communityName"},
		{"community rename with a tab", client, owner, "updateCommunityName", func() string { return `{"communityID":"club","communityName":"a\tb"}` }, "communityName"},
		{"community rename with DEL", client, owner, "updateCommunityName", func() string { return `{"communityID":"club","communityName":"a\u007fb"}` }, "communityName"},
		{"community rename with a C1 control", client, owner, "updateCommunityName", func() string { return `{"communityID":"club","communityName":"a\u0085b"}` }, "communityName"},
		{"community rename", client, owner, "updateCommunityName", func() string { return `{"communityID":"club","communityName":"Club"}` }, ""},
		{"channel name with NUL", client, owner, "createCommunityChannel", func() string { return `{"communityID":"club","channelName":"\u0000"}` }, "channelName"},
		{"channel name of spaces", client, owner, "createCommunityChannel", func() string { return `{"communityID":"club","channelName":"   "}` }, "channelName"},
		{"channel rename to nothing", client, owner, "updateCommunityChannelName", func() string { return `{"communityID":"club","channelID":"talk","channelName":""}` }, "channelName"},
		{"channel rename with NUL", client, owner, "updateCommunityChannelName", func() string { return `{"communityID":"club","channelID":"talk","channelName":"t\u0000"}` }, "channelName"},
		{"user name with NUL", client, owner, "updateUserName", func() string { return `{"userName":"a\u0000"}` }, "userName"},
		{"user name of spaces", client, owner, "updateUserName", func() string { return `{"userName":"\t "}` }, "userName"},
		{"user name empty", client, owner, "updateUserName", func() string { return `{"userName":""}` }, "userName"},
		{"user name", client, owner, "updateUserName", func() string { return `{"userName":"Olga"}` }, ""},
		{"registered user name with NUL", server, app, "registerUsers", func() string { return `{"userList":[{"userID":"r1","userName":"a\u0000"}]}` }, "userList[0].userName"},
		{"registered user name of spaces", server, app, "registerUsers", func() string { return `{"userList":[{"userID":"r1","userName":" "}]}` }, "userList[0].userName"},
		{"registered user without a name", server, app, "registerUsers", func() string { return `{"userList":[{"userID":"r1"}]}` }, ""},

		// Avatars: empty, or an absolute http or https URL.
		{"community avatar javascript:", client, owner, "updateCommunityAvatarUrl", func() string { return `{"communityID":"club","communityAvatarUrl":"javascript:alert(1)"}` }, "communityAvatarUrl"},
		{"community avatar relative", client, owner, "updateCommunityAvatarUrl", func() string { return `{"communityID":"club","communityAvatarUrl":"a.png"}` }, "communityAvatarUrl"},
		{"community avatar without host", client, owner, "updateCommunityAvatarUrl", func() string { return `{"communityID":"club","communityAvatarUrl":"https:///a.png"}` }, "communityAvatarUrl"},
		{"community avatar with a space", client, owner, "updateCommunityAvatarUrl", func() string { return `{"communityID":"club","communityAvatarUrl":"https://x/a b.png"}` }, "communityAvatarUrl"},
		{"community avatar with NUL", client, owner, "updateCommunityAvatarUrl", func() string { return `{"communityID":"club","communityAvatarUrl":"https://x/\u0000"}` }, "communityAvatarUrl"},
		{"community avatar https", client, owner, "updateCommunityAvatarUrl", func() string { return `{"communityID":"club","communityAvatarUrl":"https://x/a.png"}` }, ""},
		{"community avatar none", client, owner, "updateCommunityAvatarUrl", func() string { return `{"communityID":"club","communityAvatarUrl":""}` }, ""},
		{"new community avatar ftp:", client, owner, "createCommunity", func() string { return `{"communityID":"` + newID() + `","communityAvatarUrl":"ftp://x/a.png"}` }, "communityAvatarUrl"},
		{"new channel avatar data:", client, owner, "createCommunityChannel", func() string { return `{"communityID":"club","channelAvatarUrl":"data:image/png;base64,AAAA"}` }, "channelAvatarUrl"},
		{"channel avatar file:", client, owner, "updateCommunityChannelAvatarUrl", func() string {
			return `{"communityID":"club","channelID":"talk","channelAvatarUrl":"file:///etc/passwd"}`
		}, "channelAvatarUrl"},
		{"channel avatar http", client, owner, "updateCommunityChannelAvatarUrl", func() string { return `{"communityID":"club","channelID":"talk","channelAvatarUrl":"http://x/a.png"}` }, ""},
		{"user avatar vbscript:", client, owner, "updateUserAvatarUrl", func() string { return `{"userAvatarUrl":"vbscript:x"}` }, "userAvatarUrl"},
		{"user avatar HTTPS", client, owner, "updateUserAvatarUrl", func() string { return `{"userAvatarUrl":"HTTPS://X/a.png"}` }, ""},
		{"registered user avatar", server, app, "registerUsers", func() string { return `{"userList":[{"userID":"r2","userAvatarUrl":"//x/a.png"}]}` }, "userList[0].userAvatarUrl"},

		// Notices and attribute keys: one line, no control character.
		{"community notice with NUL", client, owner, "updateCommunityNotice", func() string { return `{"communityID":"club","communityNotice":"\u0000"}` }, "communityNotice"},
		{"community notice with a line feed", client, owner, "updateCommunityNotice", func() string { return `{"communityID":"club","communityNotice":"a\nb"}` }, "communityNotice"},
		{"community notice empty", client, owner, "updateCommunityNotice", func() string { return `{"communityID":"club","communityNotice":""}` }, ""},
		{"channel notice with ESC", client, owner, "updateCommunityChannelNotice", func() string { return `{"communityID":"club","channelID":"talk","channelNotice":"\u001b[31m"}` }, "channelNotice"},
		{"new channel notice with NUL", client, owner, "createCommunityChannel", func() string { return `{"communityID":"club","channelNotice":"\u0000"}` }, "channelNotice"},
		{"attribute key with NUL", client, owner, "setCommunityAttributes", func() string { return `{"communityID":"club","communityAttributes":{"k\u0000":"v"}}` }, "communityAttributes"},
		{"attribute key with a tab", client, owner, "setCommunityChannelAttributes", func() string { return `{"communityID":"club","channelID":"talk","channelAttributes":{"\t":"v"}}` }, "channelAttributes"},
		{"attribute key to delete with NUL", client, owner, "deleteCommunityAttributes", func() string { return `{"communityID":"club","keys":["\u0000"]}` }, "keys"},
		{"attribute value with NUL", client, owner, "setCommunityAttributes", func() string { return `{"communityID":"club","communityAttributes":{"k":"v\u0000"}}` }, "communityAttributes"},
		{"attribute value with lines", client, owner, "setCommunityAttributes", func() string { return `{"communityID":"club","communityAttributes":{"k":"a\r\n\tb"}}` }, ""},
		{"new community attribute value with BEL", client, owner, "createCommunity", func() string { return `{"communityID":"` + newID() + `","communityAttributes":{"k":"\u0007"}}` }, "communityAttributes"},

		// Messages: free text keeps tab, line feed and carriage return.
		{"text with NUL", client, owner, "sendMessage", func() string { return msg(`{"type":1,"message":"a\u0000b"}`) }, "message.message"},
		{"text with a vertical tab", client, owner, "sendMessage", func() string { return msg(`{"type":1,"message":"a\u000bb"}`) }, "message.message"},
		{"text with lines and tabs", client, owner, "sendMessage", func() string { return msg(`{"type":1,"message":"a\r\nb\tc"}`) }, ""},
		{"command with NUL", client, owner, "sendMessage", func() string { return msg(`{"type":2,"message":"\u0000"}`) }, "message.message"},
		{"custom payload with NUL", client, owner, "sendMessage", func() string { return msg(`{"type":200,"message":"\u0000"}`) }, "message.message"},
		{"searchedContent with a line feed", client, owner, "sendMessage", func() string { return msg(`{"type":200,"message":"x","searchedContent":"a\nb"}`) }, "message.searchedContent"},
		{"extendedData with NUL", client, owner, "sendMessage", func() string { return msg(`{"type":1,"message":"x","extendedData":"\u0000"}`) }, "message.extendedData"},
		{"extendedData with lines", client, owner, "sendMessage", func() string { return msg(`{"type":1,"message":"x","extendedData":"{\n\t\"a\": 1\n}"}`) }, ""},
		{"file name with NUL", client, owner, "sendMessage", func() string { return msg(`{"type":12,"fileDownloadUrl":"https://x/f","fileName":"a\u0000.txt"}`) }, "message.fileName"},
		{"file name with a line feed", client, owner, "sendMessage", func() string { return msg(`{"type":12,"fileDownloadUrl":"https://x/f","fileName":"a\n.txt"}`) }, "message.fileName"},
		{"mime type with NUL", client, owner, "sendMessage", func() string { return msg(`{"type":12,"fileDownloadUrl":"https://x/f","mimeType":"text/\u0000"}`) }, "message.mimeType"},
		{"download URL with NUL", client, owner, "sendMessage", func() string { return msg(`{"type":12,"fileDownloadUrl":"https://x/\u0000"}`) }, "message.fileDownloadUrl"},
		{"thumbnail URL with a line feed", client, owner, "sendMessage", func() string {
			return msg(`{"type":11,"fileDownloadUrl":"https://x/f","thumbnailDownloadUrl":"https://x/\n"}`)
		}, "message.thumbnailDownloadUrl"},
		{"item text with NUL", client, owner, "sendMessage", func() string { return msg(`{"type":10,"items":[{"type":1,"message":"\u0000"}]}`) }, "message.items.message"},
		{"clientMessageID with NUL", client, owner, "sendMessage", func() string {
			return `{"communityID":"club","channelID":"talk","message":{"type":1,"message":"x"},"clientMessageID":"k\u0000"}`
		}, "clientMessageID"},
		{"edit to NUL", client, owner, "editMessage", func() string {
			return `{"communityID":"club","channelID":"talk","messageSeq":` + jsonInt(sent.MessageSeq) + `,"message":{"type":1,"message":"\u0000"}}`
		}, "message.message"},
		{"reaction with NUL", client, owner, "addMessageReaction", func() string {
			return `{"communityID":"club","channelID":"talk","messageSeq":` + jsonInt(sent.MessageSeq) + `,"reactionType":"\u0000"}`
		}, "reactionType"},
		{"reaction with a line feed", client, owner, "addMessageReaction", func() string {
			return `{"communityID":"club","channelID":"talk","messageSeq":` + jsonInt(sent.MessageSeq) + `,"reactionType":"+\n"}`
		}, "reactionType"},

		// Other free text.
		{"draft with NUL", client, owner, "setConversationDraft", func() string { return `{"communityID":"club","channelID":"talk","draft":"\u0000"}` }, "draft"},
		{"draft with lines", client, owner, "setConversationDraft", func() string { return `{"communityID":"club","channelID":"talk","draft":"a\nb"}` }, ""},
		{"application wording with NUL", client, outsider, "sendCommunityJoinApplication", func() string { return `{"communityID":"closed","wording":"hi\u0000"}` }, "wording"},

		// The operator's text.
		{"app name with NUL", operator, plaza.Actor{}, "createApp", func() string { return `{"name":"a\u0000"}` }, "name"},
		{"webhook secret with NUL", operator, plaza.Actor{}, "setAppWebhook", func() string {
			return `{"appID":"` + env.App.AppID + `","webhook":{"callbackURL":"https://x/cb","secret":"0123456789abcdef\u0000"}}`
		}, "webhook.secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := map[scope]func(string) (plaza.Operation, bool){
				client: plaza.LookupOperation, server: plaza.LookupServerOperation, operator: plaza.LookupOperatorOperation}[tt.api]
			op, ok := lookup(tt.op)
			if !ok {
				t.Fatalf("no operation %s", tt.op)
			}
			body := tt.body()
			_, err := op.Call(ctx, svc, tt.by, func(v any) error { return json.Unmarshal([]byte(body), v) })
			if tt.field == "" {
				if err != nil {
					t.Fatalf("%s %s: %v, want it accepted", tt.op, body, err)
				}
				return
			}
			wantCode(t, err, plaza.EInvalidArgument)
			if got := plaza.AsError(err).Field; got != tt.field {
				t.Fatalf("%s %s: error %v names field %q, want %q", tt.op, body, err, got, tt.field)
			}
		})
	}
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
