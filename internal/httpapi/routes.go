package httpapi

import (
	"net/http"
	"slices"
	"strings"
)

// route binds an HTTP method and path to a SPEC operation. Path wildcards
// carry the request field of the same name.
type route struct {
	method, path, operation string
}

// routes is the whole REST surface of the client API. Reads are GET with
// query parameters; writes take a JSON body. Every operation ID here is in
// api/openapi.yaml and a test keeps the two identical.
var routes = []route{
	{"PUT", "/v1/users/me/name", "updateUserName"},
	{"PUT", "/v1/users/me/avatarUrl", "updateUserAvatarUrl"},
	{"GET", "/v1/users", "queryUsersInfo"},
	{"GET", "/v1/users/me/communityApplications", "queryCommunitySelfApplicationList"},

	{"POST", "/v1/communities", "createCommunity"},
	{"GET", "/v1/communities", "queryCommunityList"},
	{"GET", "/v1/communities/{communityID}", "queryCommunityInfo"},
	{"DELETE", "/v1/communities/{communityID}", "dismissCommunity"},
	{"POST", "/v1/communities/{communityID}/join", "joinCommunity"},
	{"POST", "/v1/communities/{communityID}/leave", "leaveCommunity"},
	{"PUT", "/v1/communities/{communityID}/name", "updateCommunityName"},
	{"PUT", "/v1/communities/{communityID}/avatarUrl", "updateCommunityAvatarUrl"},
	{"PUT", "/v1/communities/{communityID}/notice", "updateCommunityNotice"},
	{"PUT", "/v1/communities/{communityID}/attributes", "setCommunityAttributes"},
	{"POST", "/v1/communities/{communityID}/attributes/delete", "deleteCommunityAttributes"},
	{"PUT", "/v1/communities/{communityID}/notificationStatus", "setCommunityNotificationStatus"},
	{"PUT", "/v1/communities/{communityID}/joinMode", "updateCommunityJoinMode"},
	{"PUT", "/v1/communities/{communityID}/inviteMode", "updateCommunityInviteMode"},

	{"POST", "/v1/communities/{communityID}/members", "inviteUsersIntoCommunity"},
	{"GET", "/v1/communities/{communityID}/members", "queryCommunityMemberList"},
	{"GET", "/v1/communities/{communityID}/members/lookup", "queryCommunityMembers"},
	{"POST", "/v1/communities/{communityID}/members/kick", "kickCommunityMembers"},
	{"PUT", "/v1/communities/{communityID}/members/{forUserID}/role", "updateCommunityMemberRole"},
	{"PUT", "/v1/communities/{communityID}/owner", "transferCommunityOwner"},

	{"POST", "/v1/communities/{communityID}/applications", "sendCommunityJoinApplication"},
	{"GET", "/v1/communities/{communityID}/applications", "queryCommunityApplicationList"},
	{"POST", "/v1/communities/{communityID}/applications/cancel", "cancelCommunityJoinApplication"},
	{"POST", "/v1/communities/{communityID}/applications/{userID}/accept", "acceptCommunityJoinApplication"},
	{"POST", "/v1/communities/{communityID}/applications/{userID}/reject", "rejectCommunityJoinApplication"},

	{"POST", "/v1/communities/{communityID}/channels", "createCommunityChannel"},
	{"GET", "/v1/communities/{communityID}/channels", "queryCommunityChannelList"},
	{"GET", "/v1/communities/{communityID}/channels/lookup", "queryCommunityChannelsInfo"},
	{"DELETE", "/v1/communities/{communityID}/channels/{channelID}", "dismissCommunityChannel"},
	{"PUT", "/v1/communities/{communityID}/channels/{channelID}/name", "updateCommunityChannelName"},
	{"PUT", "/v1/communities/{communityID}/channels/{channelID}/avatarUrl", "updateCommunityChannelAvatarUrl"},
	{"PUT", "/v1/communities/{communityID}/channels/{channelID}/notice", "updateCommunityChannelNotice"},
	{"PUT", "/v1/communities/{communityID}/channels/{channelID}/attributes", "setCommunityChannelAttributes"},
	{"POST", "/v1/communities/{communityID}/channels/{channelID}/attributes/delete", "deleteCommunityChannelAttributes"},
	{"POST", "/v1/communities/{communityID}/channels/{channelID}/members", "addCommunityChannelMembers"},
	{"POST", "/v1/communities/{communityID}/channels/{channelID}/members/remove", "removeCommunityChannelMembers"},

	{"POST", "/v1/communities/{communityID}/channels/{channelID}/messages", "sendMessage"},
	{"GET", "/v1/communities/{communityID}/channels/{channelID}/messages", "queryHistoryMessage"},
	{"GET", "/v1/communities/{communityID}/channels/{channelID}/messages/lookup", "queryMessages"},
	{"POST", "/v1/communities/{communityID}/channels/{channelID}/messages/delete", "deleteMessages"},
	{"PUT", "/v1/communities/{communityID}/channels/{channelID}/messages/{messageSeq}", "editMessage"},
	{"POST", "/v1/communities/{communityID}/channels/{channelID}/messages/{messageSeq}/revoke", "revokeMessage"},
	{"POST", "/v1/communities/{communityID}/channels/{channelID}/messages/{toMessageSeq}/reply", "replyMessage"},
	{"GET", "/v1/communities/{communityID}/channels/{channelID}/messages/{messageSeq}/replies", "queryMessageRepliedList"},
	{"POST", "/v1/communities/{communityID}/channels/{channelID}/messages/{messageSeq}/reactions", "addMessageReaction"},
	{"POST", "/v1/communities/{communityID}/channels/{channelID}/messages/{messageSeq}/reactions/delete", "deleteMessageReaction"},
	{"GET", "/v1/communities/{communityID}/channels/{channelID}/messages/{messageSeq}/reactions", "queryMessageReactionUserList"},

	{"GET", "/v1/conversations", "queryConversationList"},
	{"GET", "/v1/conversations/totalUnreadMessageCount", "queryConversationTotalUnreadMessageCount"},
	{"POST", "/v1/communities/{communityID}/channels/{channelID}/conversation/clearUnread", "clearConversationUnreadMessageCount"},
	{"PUT", "/v1/communities/{communityID}/channels/{channelID}/conversation/notificationStatus", "setConversationNotificationStatus"},
	{"PUT", "/v1/communities/{communityID}/channels/{channelID}/conversation/draft", "setConversationDraft"},
	{"PUT", "/v1/communities/{communityID}/channels/{channelID}/conversation/pin", "pinConversation"},

	{"POST", "/v1/communities/{communityID}/channels/{channelID}/threads", "createCommunityThread"},
	{"GET", "/v1/communities/{communityID}/channels/{channelID}/threads", "queryCommunityThreadList"},
	{"GET", "/v1/threads/joined", "queryJoinedCommunityThreadList"},
	{"GET", "/v1/communities/{communityID}/threads/lookup", "queryCommunityThreadsInfo"},
	{"DELETE", "/v1/communities/{communityID}/threads/{threadID}", "dismissCommunityThread"},
	{"POST", "/v1/communities/{communityID}/threads/{threadID}/join", "joinCommunityThread"},
	{"POST", "/v1/communities/{communityID}/threads/{threadID}/leave", "leaveCommunityThread"},
	{"POST", "/v1/communities/{communityID}/threads/{threadID}/members", "inviteUsersIntoCommunityThread"},
	{"GET", "/v1/communities/{communityID}/threads/{threadID}/members", "queryCommunityThreadMemberList"},
	{"POST", "/v1/communities/{communityID}/threads/{threadID}/members/kick", "kickCommunityThreadMembers"},
	{"PUT", "/v1/communities/{communityID}/threads/{threadID}/name", "updateCommunityThreadName"},
	{"PUT", "/v1/communities/{communityID}/threads/{threadID}/archived", "updateCommunityThreadArchivedState"},
	{"PUT", "/v1/communities/{communityID}/threads/{threadID}/locked", "updateCommunityThreadLockedState"},
	{"PUT", "/v1/communities/{communityID}/threads/{threadID}/autoArchiveDuration", "updateCommunityThreadAutoArchiveDuration"},

	{"POST", "/v1/communities/{communityID}/channels/mute", "muteCommunityChannels"},
	{"POST", "/v1/communities/{communityID}/members/mute", "muteCommunityMembers"},
	{"PUT", "/v1/communities/{communityID}/mute", "muteCommunity"},
}

// operatorRoutes is the operator API (SPEC §1): whoever runs Plaza manages
// its apps, with the operator key. Their operations are
// plaza.LookupOperatorOperation's and act for no user.
var operatorRoutes = []route{
	{"POST", "/v1/operator/apps", "createApp"},
	{"GET", "/v1/operator/apps", "listApps"},
	{"GET", "/v1/operator/apps/{appID}", "queryApp"},
	{"POST", "/v1/operator/apps/{appID}/secrets", "rotateAppSecret"},
	{"PUT", "/v1/operator/apps/{appID}/communityEnabled", "setAppCommunityEnabled"},
	{"PATCH", "/v1/operator/apps/{appID}/spec", "setAppSpec"},
	{"PUT", "/v1/operator/apps/{appID}/webhook", "setAppWebhook"},
	{"GET", "/v1/operator/apps/{appID}/usage", "queryAppUsage"},
}

// serverRoutes are the server API's own operations, which an app's backend
// calls, signed, as the app itself (plaza.LookupServerOperation). Besides
// them every client route is in the server API at ServerPath(path), acting
// for the user named by the fromUserID query parameter.
var serverRoutes = []route{
	{"GET", "/v1/server/app/communities", "queryAppCommunityList"},
	{"POST", "/v1/server/app/users", "registerUsers"},
	{"POST", "/v1/server/app/users/{userID}/token", "mintUserToken"},
}

// FromUserIDParam is the query parameter of a mirrored server API call that
// names the user it acts for. It is not a request field.
const FromUserIDParam = "fromUserID"

// ServerPath returns the server API path that mirrors a client API path:
// "/v1/communities/{communityID}" is served, signed, at
// "/v1/server/communities/{communityID}".
func ServerPath(clientPath string) string {
	return "/v1/server" + strings.TrimPrefix(clientPath, "/v1")
}

// served is every route of the mux, for allowedMethods.
var served = func() []route {
	out := slices.Concat(routes, operatorRoutes, serverRoutes)
	for _, r := range routes {
		out = append(out, route{r.method, ServerPath(r.path), r.operation})
	}
	return out
}()

// Routes returns the method, path and operation ID of every client API
// route, for documentation and tests.
func Routes() [][3]string { return export(routes) }

// OperatorRoutes returns the method, path and operation ID of every operator
// API route.
func OperatorRoutes() [][3]string { return export(operatorRoutes) }

// ServerRoutes returns the method, path and operation ID of the server API's
// own routes; the mirrors of the client routes are at ServerPath of theirs.
func ServerRoutes() [][3]string { return export(serverRoutes) }

func export(rs []route) [][3]string {
	out := make([][3]string, len(rs))
	for i, r := range rs {
		out[i] = [3]string{r.method, r.path, r.operation}
	}
	return out
}

// register installs every route, the infrastructure endpoints and JSON
// answers for unknown paths and methods.
func (s *Server) register(mux *http.ServeMux) {
	for _, r := range routes {
		mux.Handle(r.method+" "+r.path, s.authenticated(s.operation(r)))
		mux.Handle(r.method+" "+ServerPath(r.path), s.signed(s.onBehalf(r)))
	}
	for _, r := range serverRoutes {
		mux.Handle(r.method+" "+r.path, s.signed(s.appOperation(r)))
	}
	if s.operatorKey == "" {
		mux.Handle("/v1/operator", operatorOff())
		mux.Handle("/v1/operator/", operatorOff())
	} else {
		for _, r := range operatorRoutes {
			mux.Handle(r.method+" "+r.path, s.operatorOnly(s.operatorOperation(r)))
		}
	}
	mux.Handle("GET /v1/openapi.json", s.openAPI())
	mux.Handle("GET /v1/openapi.yaml", s.openAPIYAML())
	mux.Handle("GET /healthz", s.healthz())
	mux.Handle("GET /readyz", s.readyz())
	if s.gateway != nil {
		mux.Handle("GET /v1/gateway", s.gateway)
	}
	mux.Handle("/", unrouted())
}

// allowedMethods returns the methods of the routes whose path pattern
// matches path, for a 405 answer.
func allowedMethods(path string) []string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var out []string
	for _, r := range served {
		pat := strings.Split(strings.Trim(r.path, "/"), "/")
		if len(pat) != len(segs) {
			continue
		}
		match := true
		for i, p := range pat {
			if !strings.HasPrefix(p, "{") && p != segs[i] {
				match = false
				break
			}
		}
		if match && !slices.Contains(out, r.method) {
			out = append(out, r.method)
		}
	}
	return out
}
