package httpapi

import "net/http"

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
}

// Routes returns the method, path and operation ID of every client API
// route, for documentation and tests.
func Routes() [][3]string {
	out := make([][3]string, len(routes))
	for i, r := range routes {
		out[i] = [3]string{r.method, r.path, r.operation}
	}
	return out
}

// register installs every route, the infrastructure endpoints and JSON
// answers for unknown paths and methods.
func (s *Server) register(mux *http.ServeMux) {
	allowed := map[string][]string{}
	for _, r := range routes {
		mux.Handle(r.method+" "+r.path, s.authenticated(s.operation(r)))
		allowed[r.path] = append(allowed[r.path], r.method)
	}
	for path, methods := range allowed {
		mux.Handle(path, methodNotAllowed(methods))
	}
	mux.Handle("GET /v1/openapi.json", s.openAPI())
	mux.Handle("GET /v1/openapi.yaml", s.openAPIYAML())
	mux.Handle("GET /healthz", s.healthz())
	mux.Handle("GET /readyz", s.readyz())
	if s.gateway != nil {
		mux.Handle("GET /v1/gateway", s.gateway)
	}
	mux.Handle("/", notFound())
}
