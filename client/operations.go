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

	"createCommunityChannel":                   {"POST", "/v1/communities/{communityID}/channels"},
	"queryCommunityChannelList":                {"GET", "/v1/communities/{communityID}/channels"},
	"queryCommunityChannelsInfo":               {"GET", "/v1/communities/{communityID}/channels/lookup"},
	"dismissCommunityChannel":                  {"DELETE", "/v1/communities/{communityID}/channels/{channelID}"},
	"updateCommunityChannelName":               {"PUT", "/v1/communities/{communityID}/channels/{channelID}/name"},
	"updateCommunityChannelAvatarUrl":          {"PUT", "/v1/communities/{communityID}/channels/{channelID}/avatarUrl"},
	"updateCommunityChannelNotice":             {"PUT", "/v1/communities/{communityID}/channels/{channelID}/notice"},
	"setCommunityChannelAttributes":            {"PUT", "/v1/communities/{communityID}/channels/{channelID}/attributes"},
	"deleteCommunityChannelAttributes":         {"POST", "/v1/communities/{communityID}/channels/{channelID}/attributes/delete"},
	"addCommunityChannelMembers":               {"POST", "/v1/communities/{communityID}/channels/{channelID}/members"},
	"removeCommunityChannelMembers":            {"POST", "/v1/communities/{communityID}/channels/{channelID}/members/remove"},
	"sendMessage":                              {"POST", "/v1/communities/{communityID}/channels/{channelID}/messages"},
	"queryHistoryMessage":                      {"GET", "/v1/communities/{communityID}/channels/{channelID}/messages"},
	"queryMessages":                            {"GET", "/v1/communities/{communityID}/channels/{channelID}/messages/lookup"},
	"deleteMessages":                           {"POST", "/v1/communities/{communityID}/channels/{channelID}/messages/delete"},
	"editMessage":                              {"PUT", "/v1/communities/{communityID}/channels/{channelID}/messages/{messageSeq}"},
	"revokeMessage":                            {"POST", "/v1/communities/{communityID}/channels/{channelID}/messages/{messageSeq}/revoke"},
	"replyMessage":                             {"POST", "/v1/communities/{communityID}/channels/{channelID}/messages/{toMessageSeq}/reply"},
	"queryMessageRepliedList":                  {"GET", "/v1/communities/{communityID}/channels/{channelID}/messages/{messageSeq}/replies"},
	"addMessageReaction":                       {"POST", "/v1/communities/{communityID}/channels/{channelID}/messages/{messageSeq}/reactions"},
	"deleteMessageReaction":                    {"POST", "/v1/communities/{communityID}/channels/{channelID}/messages/{messageSeq}/reactions/delete"},
	"queryConversationList":                    {"GET", "/v1/conversations"},
	"queryConversationTotalUnreadMessageCount": {"GET", "/v1/conversations/totalUnreadMessageCount"},
	"clearConversationUnreadMessageCount":      {"POST", "/v1/communities/{communityID}/channels/{channelID}/conversation/clearUnread"},
	"setConversationNotificationStatus":        {"PUT", "/v1/communities/{communityID}/channels/{channelID}/conversation/notificationStatus"},
	"setConversationDraft":                     {"PUT", "/v1/communities/{communityID}/channels/{channelID}/conversation/draft"},
	"pinConversation":                          {"PUT", "/v1/communities/{communityID}/channels/{channelID}/conversation/pin"},
	"createCommunityThread":                    {"POST", "/v1/communities/{communityID}/channels/{channelID}/threads"},
	"queryCommunityThreadList":                 {"GET", "/v1/communities/{communityID}/channels/{channelID}/threads"},
	"queryJoinedCommunityThreadList":           {"GET", "/v1/threads/joined"},
	"queryCommunityThreadsInfo":                {"GET", "/v1/communities/{communityID}/threads/lookup"},
	"dismissCommunityThread":                   {"DELETE", "/v1/communities/{communityID}/threads/{threadID}"},
	"joinCommunityThread":                      {"POST", "/v1/communities/{communityID}/threads/{threadID}/join"},
	"leaveCommunityThread":                     {"POST", "/v1/communities/{communityID}/threads/{threadID}/leave"},
	"inviteUsersIntoCommunityThread":           {"POST", "/v1/communities/{communityID}/threads/{threadID}/members"},
	"queryCommunityThreadMemberList":           {"GET", "/v1/communities/{communityID}/threads/{threadID}/members"},
	"kickCommunityThreadMembers":               {"POST", "/v1/communities/{communityID}/threads/{threadID}/members/kick"},
	"updateCommunityThreadName":                {"PUT", "/v1/communities/{communityID}/threads/{threadID}/name"},
	"updateCommunityThreadArchivedState":       {"PUT", "/v1/communities/{communityID}/threads/{threadID}/archived"},
	"updateCommunityThreadLockedState":         {"PUT", "/v1/communities/{communityID}/threads/{threadID}/locked"},
	"updateCommunityThreadAutoArchiveDuration": {"PUT", "/v1/communities/{communityID}/threads/{threadID}/autoArchiveDuration"},

	"muteCommunityChannels":        {"POST", "/v1/communities/{communityID}/channels/mute"},
	"muteCommunityMembers":         {"POST", "/v1/communities/{communityID}/members/mute"},
	"muteCommunity":                {"PUT", "/v1/communities/{communityID}/mute"},
	"queryMessageReactionUserList": {"GET", "/v1/communities/{communityID}/channels/{channelID}/messages/{messageSeq}/reactions"},
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

// CreateCommunityChannel calls createCommunityChannel.
func (c *Client) CreateCommunityChannel(ctx context.Context, req plaza.CreateCommunityChannelRequest) (plaza.ChannelInfoResult, error) {
	return call[plaza.ChannelInfoResult](ctx, c, "createCommunityChannel", req)
}

// DismissCommunityChannel calls dismissCommunityChannel.
func (c *Client) DismissCommunityChannel(ctx context.Context, req plaza.ChannelRequest) (plaza.ChannelIDResult, error) {
	return call[plaza.ChannelIDResult](ctx, c, "dismissCommunityChannel", req)
}

// UpdateCommunityChannelName calls updateCommunityChannelName.
func (c *Client) UpdateCommunityChannelName(ctx context.Context, req plaza.UpdateCommunityChannelNameRequest) (plaza.UpdateCommunityChannelNameResult, error) {
	return call[plaza.UpdateCommunityChannelNameResult](ctx, c, "updateCommunityChannelName", req)
}

// UpdateCommunityChannelAvatarURL calls updateCommunityChannelAvatarUrl.
func (c *Client) UpdateCommunityChannelAvatarURL(ctx context.Context, req plaza.UpdateCommunityChannelAvatarURLRequest) (plaza.UpdateCommunityChannelAvatarURLResult, error) {
	return call[plaza.UpdateCommunityChannelAvatarURLResult](ctx, c, "updateCommunityChannelAvatarUrl", req)
}

// UpdateCommunityChannelNotice calls updateCommunityChannelNotice.
func (c *Client) UpdateCommunityChannelNotice(ctx context.Context, req plaza.UpdateCommunityChannelNoticeRequest) (plaza.UpdateCommunityChannelNoticeResult, error) {
	return call[plaza.UpdateCommunityChannelNoticeResult](ctx, c, "updateCommunityChannelNotice", req)
}

// SetCommunityChannelAttributes calls setCommunityChannelAttributes.
func (c *Client) SetCommunityChannelAttributes(ctx context.Context, req plaza.SetCommunityChannelAttributesRequest) (plaza.AttributesResult, error) {
	return call[plaza.AttributesResult](ctx, c, "setCommunityChannelAttributes", req)
}

// DeleteCommunityChannelAttributes calls deleteCommunityChannelAttributes.
func (c *Client) DeleteCommunityChannelAttributes(ctx context.Context, req plaza.DeleteCommunityChannelAttributesRequest) (plaza.AttributesResult, error) {
	return call[plaza.AttributesResult](ctx, c, "deleteCommunityChannelAttributes", req)
}

// QueryCommunityChannelsInfo calls queryCommunityChannelsInfo.
func (c *Client) QueryCommunityChannelsInfo(ctx context.Context, req plaza.QueryCommunityChannelsInfoRequest) (plaza.QueryCommunityChannelsInfoResult, error) {
	return call[plaza.QueryCommunityChannelsInfoResult](ctx, c, "queryCommunityChannelsInfo", req)
}

// QueryCommunityChannelList calls queryCommunityChannelList.
func (c *Client) QueryCommunityChannelList(ctx context.Context, req plaza.QueryCommunityChannelListRequest) (plaza.QueryCommunityChannelListResult, error) {
	return call[plaza.QueryCommunityChannelListResult](ctx, c, "queryCommunityChannelList", req)
}

// AddCommunityChannelMembers calls addCommunityChannelMembers.
func (c *Client) AddCommunityChannelMembers(ctx context.Context, req plaza.ChannelMembersRequest) (plaza.ChannelMembersResult, error) {
	return call[plaza.ChannelMembersResult](ctx, c, "addCommunityChannelMembers", req)
}

// RemoveCommunityChannelMembers calls removeCommunityChannelMembers.
func (c *Client) RemoveCommunityChannelMembers(ctx context.Context, req plaza.ChannelMembersRequest) (plaza.ChannelMembersResult, error) {
	return call[plaza.ChannelMembersResult](ctx, c, "removeCommunityChannelMembers", req)
}

// SendMessage calls sendMessage.
func (c *Client) SendMessage(ctx context.Context, req plaza.SendMessageRequest) (plaza.MessageResult, error) {
	return call[plaza.MessageResult](ctx, c, "sendMessage", req)
}

// ReplyMessage calls replyMessage.
func (c *Client) ReplyMessage(ctx context.Context, req plaza.ReplyMessageRequest) (plaza.MessageResult, error) {
	return call[plaza.MessageResult](ctx, c, "replyMessage", req)
}

// QueryHistoryMessage calls queryHistoryMessage.
func (c *Client) QueryHistoryMessage(ctx context.Context, req plaza.QueryHistoryMessageRequest) (plaza.QueryHistoryMessageResult, error) {
	return call[plaza.QueryHistoryMessageResult](ctx, c, "queryHistoryMessage", req)
}

// QueryMessages calls queryMessages.
func (c *Client) QueryMessages(ctx context.Context, req plaza.QueryMessagesRequest) (plaza.MessageListResult, error) {
	return call[plaza.MessageListResult](ctx, c, "queryMessages", req)
}

// RevokeMessage calls revokeMessage.
func (c *Client) RevokeMessage(ctx context.Context, req plaza.MessageRequest) (plaza.MessageResult, error) {
	return call[plaza.MessageResult](ctx, c, "revokeMessage", req)
}

// EditMessage calls editMessage.
func (c *Client) EditMessage(ctx context.Context, req plaza.EditMessageRequest) (plaza.MessageResult, error) {
	return call[plaza.MessageResult](ctx, c, "editMessage", req)
}

// DeleteMessages calls deleteMessages.
func (c *Client) DeleteMessages(ctx context.Context, req plaza.DeleteMessagesRequest) (plaza.DeleteMessagesResult, error) {
	return call[plaza.DeleteMessagesResult](ctx, c, "deleteMessages", req)
}

// AddMessageReaction calls addMessageReaction.
func (c *Client) AddMessageReaction(ctx context.Context, req plaza.MessageReactionRequest) (plaza.MessageReactionResult, error) {
	return call[plaza.MessageReactionResult](ctx, c, "addMessageReaction", req)
}

// DeleteMessageReaction calls deleteMessageReaction.
func (c *Client) DeleteMessageReaction(ctx context.Context, req plaza.MessageReactionRequest) (plaza.MessageReactionResult, error) {
	return call[plaza.MessageReactionResult](ctx, c, "deleteMessageReaction", req)
}

// QueryMessageReactionUserList calls queryMessageReactionUserList.
func (c *Client) QueryMessageReactionUserList(ctx context.Context, req plaza.QueryMessageReactionUserListRequest) (plaza.QueryMessageReactionUserListResult, error) {
	return call[plaza.QueryMessageReactionUserListResult](ctx, c, "queryMessageReactionUserList", req)
}

// QueryMessageRepliedList calls queryMessageRepliedList.
func (c *Client) QueryMessageRepliedList(ctx context.Context, req plaza.QueryMessageRepliedListRequest) (plaza.QueryMessageRepliedListResult, error) {
	return call[plaza.QueryMessageRepliedListResult](ctx, c, "queryMessageRepliedList", req)
}

// QueryConversationList calls queryConversationList.
func (c *Client) QueryConversationList(ctx context.Context, req plaza.QueryConversationListRequest) (plaza.QueryConversationListResult, error) {
	return call[plaza.QueryConversationListResult](ctx, c, "queryConversationList", req)
}

// QueryConversationTotalUnreadMessageCount calls queryConversationTotalUnreadMessageCount.
func (c *Client) QueryConversationTotalUnreadMessageCount(ctx context.Context, req plaza.QueryConversationTotalUnreadMessageCountRequest) (plaza.TotalUnreadResult, error) {
	return call[plaza.TotalUnreadResult](ctx, c, "queryConversationTotalUnreadMessageCount", req)
}

// ClearConversationUnreadMessageCount calls clearConversationUnreadMessageCount.
func (c *Client) ClearConversationUnreadMessageCount(ctx context.Context, req plaza.ClearConversationUnreadMessageCountRequest) (plaza.ConversationResult, error) {
	return call[plaza.ConversationResult](ctx, c, "clearConversationUnreadMessageCount", req)
}

// SetConversationNotificationStatus calls setConversationNotificationStatus.
func (c *Client) SetConversationNotificationStatus(ctx context.Context, req plaza.SetConversationNotificationStatusRequest) (plaza.ConversationResult, error) {
	return call[plaza.ConversationResult](ctx, c, "setConversationNotificationStatus", req)
}

// SetConversationDraft calls setConversationDraft.
func (c *Client) SetConversationDraft(ctx context.Context, req plaza.SetConversationDraftRequest) (plaza.ConversationResult, error) {
	return call[plaza.ConversationResult](ctx, c, "setConversationDraft", req)
}

// PinConversation calls pinConversation.
func (c *Client) PinConversation(ctx context.Context, req plaza.PinConversationRequest) (plaza.ConversationResult, error) {
	return call[plaza.ConversationResult](ctx, c, "pinConversation", req)
}

// MuteCommunityChannels calls muteCommunityChannels.
func (c *Client) MuteCommunityChannels(ctx context.Context, req plaza.MuteCommunityChannelsRequest) (plaza.MuteCommunityChannelsResult, error) {
	return call[plaza.MuteCommunityChannelsResult](ctx, c, "muteCommunityChannels", req)
}

// MuteCommunityMembers calls muteCommunityMembers.
func (c *Client) MuteCommunityMembers(ctx context.Context, req plaza.MuteCommunityMembersRequest) (plaza.MuteCommunityMembersResult, error) {
	return call[plaza.MuteCommunityMembersResult](ctx, c, "muteCommunityMembers", req)
}

// MuteCommunity calls muteCommunity.
func (c *Client) MuteCommunity(ctx context.Context, req plaza.MuteCommunityRequest) (plaza.MuteCommunityResult, error) {
	return call[plaza.MuteCommunityResult](ctx, c, "muteCommunity", req)
}

// CreateCommunityThread calls createCommunityThread.
func (c *Client) CreateCommunityThread(ctx context.Context, req plaza.CreateCommunityThreadRequest) (plaza.ThreadInfoResult, error) {
	return call[plaza.ThreadInfoResult](ctx, c, "createCommunityThread", req)
}

// QueryCommunityThreadList calls queryCommunityThreadList.
func (c *Client) QueryCommunityThreadList(ctx context.Context, req plaza.QueryCommunityThreadListRequest) (plaza.QueryCommunityThreadListResult, error) {
	return call[plaza.QueryCommunityThreadListResult](ctx, c, "queryCommunityThreadList", req)
}

// QueryJoinedCommunityThreadList calls queryJoinedCommunityThreadList.
func (c *Client) QueryJoinedCommunityThreadList(ctx context.Context, req plaza.QueryJoinedCommunityThreadListRequest) (plaza.QueryJoinedCommunityThreadListResult, error) {
	return call[plaza.QueryJoinedCommunityThreadListResult](ctx, c, "queryJoinedCommunityThreadList", req)
}

// QueryCommunityThreadsInfo calls queryCommunityThreadsInfo.
func (c *Client) QueryCommunityThreadsInfo(ctx context.Context, req plaza.QueryCommunityThreadsInfoRequest) (plaza.QueryCommunityThreadsInfoResult, error) {
	return call[plaza.QueryCommunityThreadsInfoResult](ctx, c, "queryCommunityThreadsInfo", req)
}

// JoinCommunityThread calls joinCommunityThread.
func (c *Client) JoinCommunityThread(ctx context.Context, req plaza.ThreadRequest) (plaza.ThreadIDResult, error) {
	return call[plaza.ThreadIDResult](ctx, c, "joinCommunityThread", req)
}

// LeaveCommunityThread calls leaveCommunityThread.
func (c *Client) LeaveCommunityThread(ctx context.Context, req plaza.ThreadRequest) (plaza.ThreadIDResult, error) {
	return call[plaza.ThreadIDResult](ctx, c, "leaveCommunityThread", req)
}

// InviteUsersIntoCommunityThread calls inviteUsersIntoCommunityThread.
func (c *Client) InviteUsersIntoCommunityThread(ctx context.Context, req plaza.ThreadUsersRequest) (plaza.ThreadUsersResult, error) {
	return call[plaza.ThreadUsersResult](ctx, c, "inviteUsersIntoCommunityThread", req)
}

// KickCommunityThreadMembers calls kickCommunityThreadMembers.
func (c *Client) KickCommunityThreadMembers(ctx context.Context, req plaza.ThreadUsersRequest) (plaza.ThreadUsersResult, error) {
	return call[plaza.ThreadUsersResult](ctx, c, "kickCommunityThreadMembers", req)
}

// QueryCommunityThreadMemberList calls queryCommunityThreadMemberList.
func (c *Client) QueryCommunityThreadMemberList(ctx context.Context, req plaza.QueryCommunityThreadMemberListRequest) (plaza.QueryCommunityThreadMemberListResult, error) {
	return call[plaza.QueryCommunityThreadMemberListResult](ctx, c, "queryCommunityThreadMemberList", req)
}

// UpdateCommunityThreadName calls updateCommunityThreadName.
func (c *Client) UpdateCommunityThreadName(ctx context.Context, req plaza.UpdateCommunityThreadNameRequest) (plaza.ThreadInfoResult, error) {
	return call[plaza.ThreadInfoResult](ctx, c, "updateCommunityThreadName", req)
}

// UpdateCommunityThreadArchivedState calls updateCommunityThreadArchivedState.
func (c *Client) UpdateCommunityThreadArchivedState(ctx context.Context, req plaza.UpdateCommunityThreadArchivedStateRequest) (plaza.ThreadInfoResult, error) {
	return call[plaza.ThreadInfoResult](ctx, c, "updateCommunityThreadArchivedState", req)
}

// UpdateCommunityThreadLockedState calls updateCommunityThreadLockedState.
func (c *Client) UpdateCommunityThreadLockedState(ctx context.Context, req plaza.UpdateCommunityThreadLockedStateRequest) (plaza.ThreadInfoResult, error) {
	return call[plaza.ThreadInfoResult](ctx, c, "updateCommunityThreadLockedState", req)
}

// UpdateCommunityThreadAutoArchiveDuration calls updateCommunityThreadAutoArchiveDuration.
func (c *Client) UpdateCommunityThreadAutoArchiveDuration(ctx context.Context, req plaza.UpdateCommunityThreadAutoArchiveDurationRequest) (plaza.ThreadInfoResult, error) {
	return call[plaza.ThreadInfoResult](ctx, c, "updateCommunityThreadAutoArchiveDuration", req)
}

// DismissCommunityThread calls dismissCommunityThread.
func (c *Client) DismissCommunityThread(ctx context.Context, req plaza.ThreadRequest) (plaza.ThreadIDResult, error) {
	return call[plaza.ThreadIDResult](ctx, c, "dismissCommunityThread", req)
}
