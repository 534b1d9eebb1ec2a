package plaza

import (
	"context"
	"reflect"
	"sort"
)

// Operation is one entry of Plaza's API: a SPEC operation ID bound to the use
// case that serves it. Every transport (HTTP, the gateway's requests) reaches
// the service through this table, so an operation exists everywhere or
// nowhere.
type Operation struct {
	// ID is the operation ID: the OpenAPI operationId and the gateway request
	// name.
	ID string
	// Request and Result are the types of the request body and of the
	// result.
	Request reflect.Type
	Result  reflect.Type
	// Call decodes the request with decode and runs the use case.
	Call func(ctx context.Context, s *Service, actor Actor, decode func(any) error) (any, error)
}

// op binds a use case to an operation ID.
func op[Req, Res any](id string, fn func(*Service, context.Context, Actor, Req) (Res, error)) Operation {
	return Operation{
		ID:      id,
		Request: reflect.TypeFor[Req](),
		Result:  reflect.TypeFor[Res](),
		Call: func(ctx context.Context, s *Service, actor Actor, decode func(any) error) (any, error) {
			var req Req
			if err := decode(&req); err != nil {
				return nil, err
			}
			return fn(s, ctx, actor, req)
		},
	}
}

// operations is the table of every operation, by ID. It is built once and
// never changed.
var operations = buildOperations()

func buildOperations() map[string]Operation {
	m := make(map[string]Operation)
	for _, o := range []Operation{
		op("updateUserName", (*Service).UpdateUserName),
		op("updateUserAvatarUrl", (*Service).UpdateUserAvatarURL),
		op("queryUsersInfo", (*Service).QueryUsersInfo),

		op("createCommunity", (*Service).CreateCommunity),
		op("dismissCommunity", (*Service).DismissCommunity),
		op("joinCommunity", (*Service).JoinCommunity),
		op("leaveCommunity", (*Service).LeaveCommunity),
		op("queryCommunityList", (*Service).QueryCommunityList),
		op("queryCommunityInfo", (*Service).QueryCommunityInfo),
		op("updateCommunityName", (*Service).UpdateCommunityName),
		op("updateCommunityAvatarUrl", (*Service).UpdateCommunityAvatarURL),
		op("updateCommunityNotice", (*Service).UpdateCommunityNotice),
		op("setCommunityAttributes", (*Service).SetCommunityAttributes),
		op("deleteCommunityAttributes", (*Service).DeleteCommunityAttributes),
		op("setCommunityNotificationStatus", (*Service).SetCommunityNotificationStatus),
		op("updateCommunityInviteMode", (*Service).UpdateCommunityInviteMode),

		op("inviteUsersIntoCommunity", (*Service).InviteUsersIntoCommunity),
		op("kickCommunityMembers", (*Service).KickCommunityMembers),
		op("updateCommunityMemberRole", (*Service).UpdateCommunityMemberRole),
		op("transferCommunityOwner", (*Service).TransferCommunityOwner),
		op("queryCommunityMemberList", (*Service).QueryCommunityMemberList),
		op("queryCommunityMembers", (*Service).QueryCommunityMembers),

		op("updateCommunityJoinMode", (*Service).UpdateCommunityJoinMode),
		op("sendCommunityJoinApplication", (*Service).SendCommunityJoinApplication),
		op("acceptCommunityJoinApplication", (*Service).AcceptCommunityJoinApplication),
		op("rejectCommunityJoinApplication", (*Service).RejectCommunityJoinApplication),
		op("cancelCommunityJoinApplication", (*Service).CancelCommunityJoinApplication),
		op("queryCommunityApplicationList", (*Service).QueryCommunityApplicationList),
		op("queryCommunitySelfApplicationList", (*Service).QueryCommunitySelfApplicationList),

		op("createCommunityChannel", (*Service).CreateCommunityChannel),
		op("dismissCommunityChannel", (*Service).DismissCommunityChannel),
		op("updateCommunityChannelName", (*Service).UpdateCommunityChannelName),
		op("updateCommunityChannelAvatarUrl", (*Service).UpdateCommunityChannelAvatarURL),
		op("updateCommunityChannelNotice", (*Service).UpdateCommunityChannelNotice),
		op("setCommunityChannelAttributes", (*Service).SetCommunityChannelAttributes),
		op("deleteCommunityChannelAttributes", (*Service).DeleteCommunityChannelAttributes),
		op("queryCommunityChannelsInfo", (*Service).QueryCommunityChannelsInfo),
		op("queryCommunityChannelList", (*Service).QueryCommunityChannelList),
		op("addCommunityChannelMembers", (*Service).AddCommunityChannelMembers),
		op("removeCommunityChannelMembers", (*Service).RemoveCommunityChannelMembers),

		op("sendMessage", (*Service).SendMessage),
		op("replyMessage", (*Service).ReplyMessage),
		op("queryHistoryMessage", (*Service).QueryHistoryMessage),
		op("queryMessages", (*Service).QueryMessages),
		op("revokeMessage", (*Service).RevokeMessage),
		op("editMessage", (*Service).EditMessage),
		op("deleteMessages", (*Service).DeleteMessages),
		op("addMessageReaction", (*Service).AddMessageReaction),
		op("deleteMessageReaction", (*Service).DeleteMessageReaction),
		op("queryMessageReactionUserList", (*Service).QueryMessageReactionUserList),
		op("queryMessageRepliedList", (*Service).QueryMessageRepliedList),

		op("queryConversationList", (*Service).QueryConversationList),
		op("queryConversationTotalUnreadMessageCount", (*Service).QueryConversationTotalUnreadMessageCount),
		op("clearConversationUnreadMessageCount", (*Service).ClearConversationUnreadMessageCount),
		op("setConversationNotificationStatus", (*Service).SetConversationNotificationStatus),
		op("setConversationDraft", (*Service).SetConversationDraft),
		op("pinConversation", (*Service).PinConversation),

		op("createCommunityThread", (*Service).CreateCommunityThread),
		op("queryCommunityThreadList", (*Service).QueryCommunityThreadList),
		op("queryJoinedCommunityThreadList", (*Service).QueryJoinedCommunityThreadList),
		op("queryCommunityThreadsInfo", (*Service).QueryCommunityThreadsInfo),
		op("joinCommunityThread", (*Service).JoinCommunityThread),
		op("leaveCommunityThread", (*Service).LeaveCommunityThread),
		op("inviteUsersIntoCommunityThread", (*Service).InviteUsersIntoCommunityThread),
		op("kickCommunityThreadMembers", (*Service).KickCommunityThreadMembers),
		op("queryCommunityThreadMemberList", (*Service).QueryCommunityThreadMemberList),
		op("updateCommunityThreadName", (*Service).UpdateCommunityThreadName),
		op("updateCommunityThreadArchivedState", (*Service).UpdateCommunityThreadArchivedState),
		op("updateCommunityThreadLockedState", (*Service).UpdateCommunityThreadLockedState),
		op("updateCommunityThreadAutoArchiveDuration", (*Service).UpdateCommunityThreadAutoArchiveDuration),
		op("dismissCommunityThread", (*Service).DismissCommunityThread),

		op("muteCommunityChannels", (*Service).MuteCommunityChannels),
		op("muteCommunityMembers", (*Service).MuteCommunityMembers),
		op("muteCommunity", (*Service).MuteCommunity),
	} {
		if _, dup := m[o.ID]; dup {
			panic("plaza: duplicate operation " + o.ID)
		}
		m[o.ID] = o
	}
	return m
}

// operatorOp binds an operator use case, which acts on no user's behalf.
func operatorOp[Req, Res any](id string, fn func(*Service, context.Context, Req) (Res, error)) Operation {
	return op(id, func(s *Service, ctx context.Context, _ Actor, req Req) (Res, error) { return fn(s, ctx, req) })
}

// operatorOperations are the operator API's (SPEC §1): apps, secrets,
// specs, webhooks and usage. They act on no user's behalf.
var operatorOperations = table(
	operatorOp("createApp", (*Service).CreateApp),
	operatorOp("listApps", (*Service).ListApps),
	operatorOp("queryApp", (*Service).QueryApp),
	operatorOp("rotateAppSecret", (*Service).RotateAppSecret),
	operatorOp("setAppCommunityEnabled", (*Service).SetAppCommunityEnabled),
	operatorOp("setAppSpec", (*Service).SetAppSpec),
	operatorOp("setAppWebhook", (*Service).SetAppWebhook),
	operatorOp("queryAppUsage", (*Service).QueryAppUsage),
)

// serverOperations are the server API's own: an app's backend calls them as
// the app (the actor has no UserID). Every client operation is in the server
// API too, on behalf of a user; sendMessage without one is the system's.
var serverOperations = table(
	op("queryAppCommunityList", (*Service).QueryAppCommunityList),
	op("registerUsers", (*Service).RegisterUsers),
	op("mintUserToken", (*Service).MintUserToken),
	op("sendMessage", (*Service).SendSystemMessage),
)

func table(ops ...Operation) map[string]Operation {
	m := make(map[string]Operation, len(ops))
	for _, o := range ops {
		if _, dup := m[o.ID]; dup {
			panic("plaza: duplicate operation " + o.ID)
		}
		m[o.ID] = o
	}
	return m
}

// OperatorOperations returns every operator operation, sorted by ID.
func OperatorOperations() []Operation { return sorted(operatorOperations) }

// ServerOperations returns the server API's own operations, sorted by ID.
func ServerOperations() []Operation { return sorted(serverOperations) }

func sorted(m map[string]Operation) []Operation {
	out := make([]Operation, 0, len(m))
	for _, o := range m {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// LookupOperatorOperation returns the operator operation with the given ID.
func LookupOperatorOperation(id string) (Operation, bool) {
	o, ok := operatorOperations[id]
	return o, ok
}

// LookupServerOperation returns the server API operation, acting as the
// app, with the given ID.
func LookupServerOperation(id string) (Operation, bool) {
	o, ok := serverOperations[id]
	return o, ok
}

// LookupOperation returns the operation with the given ID.
func LookupOperation(id string) (Operation, bool) {
	o, ok := operations[id]
	return o, ok
}

// Operations returns every operation, sorted by ID.
func Operations() []Operation { return sorted(operations) }
