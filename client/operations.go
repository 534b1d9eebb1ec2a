package client

import (
	"context"

	"github.com/plazahq/plaza"
)

type route struct{ method, path string }

// routeOf maps operation IDs to their HTTP routes. A test keeps it identical
// to the server's route table.
var routeOf = map[string]route{
	"updateUserName":                    {"PUT", "/v1/users/me/name"},
	"updateUserAvatarUrl":               {"PUT", "/v1/users/me/avatarUrl"},
	"queryUsersInfo":                    {"GET", "/v1/users"},
	"queryCommunitySelfApplicationList": {"GET", "/v1/users/me/communityApplications"},

	"createCommunity":                {"POST", "/v1/communities"},
	"queryCommunityList":             {"GET", "/v1/communities"},
	"queryCommunityInfo":             {"GET", "/v1/communities/{communityID}"},
	"dismissCommunity":               {"DELETE", "/v1/communities/{communityID}"},
	"joinCommunity":                  {"POST", "/v1/communities/{communityID}/join"},
	"leaveCommunity":                 {"POST", "/v1/communities/{communityID}/leave"},
	"updateCommunityName":            {"PUT", "/v1/communities/{communityID}/name"},
	"updateCommunityAvatarUrl":       {"PUT", "/v1/communities/{communityID}/avatarUrl"},
	"updateCommunityNotice":          {"PUT", "/v1/communities/{communityID}/notice"},
	"setCommunityAttributes":         {"PUT", "/v1/communities/{communityID}/attributes"},
	"deleteCommunityAttributes":      {"POST", "/v1/communities/{communityID}/attributes/delete"},
	"setCommunityNotificationStatus": {"PUT", "/v1/communities/{communityID}/notificationStatus"},
	"updateCommunityJoinMode":        {"PUT", "/v1/communities/{communityID}/joinMode"},
	"updateCommunityInviteMode":      {"PUT", "/v1/communities/{communityID}/inviteMode"},

	"inviteUsersIntoCommunity":  {"POST", "/v1/communities/{communityID}/members"},
	"queryCommunityMemberList":  {"GET", "/v1/communities/{communityID}/members"},
	"queryCommunityMembers":     {"GET", "/v1/communities/{communityID}/members/lookup"},
	"kickCommunityMembers":      {"POST", "/v1/communities/{communityID}/members/kick"},
	"updateCommunityMemberRole": {"PUT", "/v1/communities/{communityID}/members/{forUserID}/role"},
	"transferCommunityOwner":    {"PUT", "/v1/communities/{communityID}/owner"},

	"sendCommunityJoinApplication":   {"POST", "/v1/communities/{communityID}/applications"},
	"queryCommunityApplicationList":  {"GET", "/v1/communities/{communityID}/applications"},
	"cancelCommunityJoinApplication": {"POST", "/v1/communities/{communityID}/applications/cancel"},
	"acceptCommunityJoinApplication": {"POST", "/v1/communities/{communityID}/applications/{userID}/accept"},
	"rejectCommunityJoinApplication": {"POST", "/v1/communities/{communityID}/applications/{userID}/reject"},
}

// Routes returns the client's route table: operation ID → method and path.
func Routes() map[string][2]string {
	out := make(map[string][2]string, len(routeOf))
	for id, r := range routeOf {
		out[id] = [2]string{r.method, r.path}
	}
	return out
}

// Caller is what the typed operations call through: a Client over HTTP or a
// Conn over the gateway.
type Caller interface {
	Do(ctx context.Context, operation string, req, res any) error
}

func call[Res any](ctx context.Context, c Caller, operation string, req any) (Res, error) {
	var res Res
	err := c.Do(ctx, operation, req, &res)
	return res, err
}

// UpdateUserName calls updateUserName.
func (c *Client) UpdateUserName(ctx context.Context, req plaza.UpdateUserNameRequest) (plaza.UpdateUserNameResult, error) {
	return call[plaza.UpdateUserNameResult](ctx, c, "updateUserName", req)
}

// UpdateUserAvatarURL calls updateUserAvatarUrl.
func (c *Client) UpdateUserAvatarURL(ctx context.Context, req plaza.UpdateUserAvatarURLRequest) (plaza.UpdateUserAvatarURLResult, error) {
	return call[plaza.UpdateUserAvatarURLResult](ctx, c, "updateUserAvatarUrl", req)
}

// QueryUsersInfo calls queryUsersInfo.
func (c *Client) QueryUsersInfo(ctx context.Context, req plaza.QueryUsersInfoRequest) (plaza.QueryUsersInfoResult, error) {
	return call[plaza.QueryUsersInfoResult](ctx, c, "queryUsersInfo", req)
}

// CreateCommunity calls createCommunity.
func (c *Client) CreateCommunity(ctx context.Context, req plaza.CreateCommunityRequest) (plaza.CommunityInfoResult, error) {
	return call[plaza.CommunityInfoResult](ctx, c, "createCommunity", req)
}

// DismissCommunity calls dismissCommunity.
func (c *Client) DismissCommunity(ctx context.Context, req plaza.CommunityRequest) (plaza.CommunityIDResult, error) {
	return call[plaza.CommunityIDResult](ctx, c, "dismissCommunity", req)
}

// JoinCommunity calls joinCommunity.
func (c *Client) JoinCommunity(ctx context.Context, req plaza.CommunityRequest) (plaza.CommunityInfoResult, error) {
	return call[plaza.CommunityInfoResult](ctx, c, "joinCommunity", req)
}

// LeaveCommunity calls leaveCommunity.
func (c *Client) LeaveCommunity(ctx context.Context, req plaza.CommunityRequest) (plaza.CommunityIDResult, error) {
	return call[plaza.CommunityIDResult](ctx, c, "leaveCommunity", req)
}

// QueryCommunityList calls queryCommunityList.
func (c *Client) QueryCommunityList(ctx context.Context, req plaza.QueryCommunityListRequest) (plaza.QueryCommunityListResult, error) {
	return call[plaza.QueryCommunityListResult](ctx, c, "queryCommunityList", req)
}

// QueryCommunityInfo calls queryCommunityInfo.
func (c *Client) QueryCommunityInfo(ctx context.Context, req plaza.CommunityRequest) (plaza.CommunityInfoResult, error) {
	return call[plaza.CommunityInfoResult](ctx, c, "queryCommunityInfo", req)
}

// UpdateCommunityName calls updateCommunityName.
func (c *Client) UpdateCommunityName(ctx context.Context, req plaza.UpdateCommunityNameRequest) (plaza.UpdateCommunityNameResult, error) {
	return call[plaza.UpdateCommunityNameResult](ctx, c, "updateCommunityName", req)
}

// UpdateCommunityAvatarURL calls updateCommunityAvatarUrl.
func (c *Client) UpdateCommunityAvatarURL(ctx context.Context, req plaza.UpdateCommunityAvatarURLRequest) (plaza.UpdateCommunityAvatarURLResult, error) {
	return call[plaza.UpdateCommunityAvatarURLResult](ctx, c, "updateCommunityAvatarUrl", req)
}

// UpdateCommunityNotice calls updateCommunityNotice.
func (c *Client) UpdateCommunityNotice(ctx context.Context, req plaza.UpdateCommunityNoticeRequest) (plaza.UpdateCommunityNoticeResult, error) {
	return call[plaza.UpdateCommunityNoticeResult](ctx, c, "updateCommunityNotice", req)
}

// SetCommunityAttributes calls setCommunityAttributes.
func (c *Client) SetCommunityAttributes(ctx context.Context, req plaza.SetCommunityAttributesRequest) (plaza.AttributesResult, error) {
	return call[plaza.AttributesResult](ctx, c, "setCommunityAttributes", req)
}

// DeleteCommunityAttributes calls deleteCommunityAttributes.
func (c *Client) DeleteCommunityAttributes(ctx context.Context, req plaza.DeleteCommunityAttributesRequest) (plaza.AttributesResult, error) {
	return call[plaza.AttributesResult](ctx, c, "deleteCommunityAttributes", req)
}

// SetCommunityNotificationStatus calls setCommunityNotificationStatus.
func (c *Client) SetCommunityNotificationStatus(ctx context.Context, req plaza.SetCommunityNotificationStatusRequest) (plaza.SetCommunityNotificationStatusResult, error) {
	return call[plaza.SetCommunityNotificationStatusResult](ctx, c, "setCommunityNotificationStatus", req)
}

// UpdateCommunityJoinMode calls updateCommunityJoinMode.
func (c *Client) UpdateCommunityJoinMode(ctx context.Context, req plaza.UpdateCommunityJoinModeRequest) (plaza.UpdateCommunityJoinModeResult, error) {
	return call[plaza.UpdateCommunityJoinModeResult](ctx, c, "updateCommunityJoinMode", req)
}

// UpdateCommunityInviteMode calls updateCommunityInviteMode.
func (c *Client) UpdateCommunityInviteMode(ctx context.Context, req plaza.UpdateCommunityInviteModeRequest) (plaza.UpdateCommunityInviteModeResult, error) {
	return call[plaza.UpdateCommunityInviteModeResult](ctx, c, "updateCommunityInviteMode", req)
}

// InviteUsersIntoCommunity calls inviteUsersIntoCommunity.
func (c *Client) InviteUsersIntoCommunity(ctx context.Context, req plaza.UserIDsRequest) (plaza.ErrorUserListResult, error) {
	return call[plaza.ErrorUserListResult](ctx, c, "inviteUsersIntoCommunity", req)
}

// KickCommunityMembers calls kickCommunityMembers.
func (c *Client) KickCommunityMembers(ctx context.Context, req plaza.UserIDsRequest) (plaza.ErrorUserListResult, error) {
	return call[plaza.ErrorUserListResult](ctx, c, "kickCommunityMembers", req)
}

// UpdateCommunityMemberRole calls updateCommunityMemberRole.
func (c *Client) UpdateCommunityMemberRole(ctx context.Context, req plaza.UpdateCommunityMemberRoleRequest) (plaza.UpdateCommunityMemberRoleResult, error) {
	return call[plaza.UpdateCommunityMemberRoleResult](ctx, c, "updateCommunityMemberRole", req)
}

// TransferCommunityOwner calls transferCommunityOwner.
func (c *Client) TransferCommunityOwner(ctx context.Context, req plaza.TransferCommunityOwnerRequest) (plaza.TransferCommunityOwnerResult, error) {
	return call[plaza.TransferCommunityOwnerResult](ctx, c, "transferCommunityOwner", req)
}

// QueryCommunityMemberList calls queryCommunityMemberList.
func (c *Client) QueryCommunityMemberList(ctx context.Context, req plaza.QueryCommunityMemberListRequest) (plaza.QueryCommunityMemberListResult, error) {
	return call[plaza.QueryCommunityMemberListResult](ctx, c, "queryCommunityMemberList", req)
}

// QueryCommunityMembers calls queryCommunityMembers.
func (c *Client) QueryCommunityMembers(ctx context.Context, req plaza.UserIDsRequest) (plaza.QueryCommunityMembersResult, error) {
	return call[plaza.QueryCommunityMembersResult](ctx, c, "queryCommunityMembers", req)
}

// SendCommunityJoinApplication calls sendCommunityJoinApplication.
func (c *Client) SendCommunityJoinApplication(ctx context.Context, req plaza.SendCommunityJoinApplicationRequest) (plaza.SendCommunityJoinApplicationResult, error) {
	return call[plaza.SendCommunityJoinApplicationResult](ctx, c, "sendCommunityJoinApplication", req)
}

// AcceptCommunityJoinApplication calls acceptCommunityJoinApplication.
func (c *Client) AcceptCommunityJoinApplication(ctx context.Context, req plaza.CommunityApplicationRequest) (plaza.CommunityApplicationResult, error) {
	return call[plaza.CommunityApplicationResult](ctx, c, "acceptCommunityJoinApplication", req)
}

// RejectCommunityJoinApplication calls rejectCommunityJoinApplication.
func (c *Client) RejectCommunityJoinApplication(ctx context.Context, req plaza.CommunityApplicationRequest) (plaza.CommunityApplicationResult, error) {
	return call[plaza.CommunityApplicationResult](ctx, c, "rejectCommunityJoinApplication", req)
}

// CancelCommunityJoinApplication calls cancelCommunityJoinApplication.
func (c *Client) CancelCommunityJoinApplication(ctx context.Context, req plaza.CommunityRequest) (plaza.CommunityIDResult, error) {
	return call[plaza.CommunityIDResult](ctx, c, "cancelCommunityJoinApplication", req)
}

// QueryCommunityApplicationList calls queryCommunityApplicationList.
func (c *Client) QueryCommunityApplicationList(ctx context.Context, req plaza.QueryCommunityApplicationListRequest) (plaza.QueryCommunityApplicationListResult, error) {
	return call[plaza.QueryCommunityApplicationListResult](ctx, c, "queryCommunityApplicationList", req)
}

// QueryCommunitySelfApplicationList calls queryCommunitySelfApplicationList.
func (c *Client) QueryCommunitySelfApplicationList(ctx context.Context, req plaza.QueryCommunitySelfApplicationListRequest) (plaza.QueryCommunitySelfApplicationListResult, error) {
	return call[plaza.QueryCommunitySelfApplicationListResult](ctx, c, "queryCommunitySelfApplicationList", req)
}
