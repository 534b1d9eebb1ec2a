// Package storetest is the conformance suite of plaza.Store: one body of
// tests that every implementation must pass, so that Service behaves the same
// on every engine.
//
// The suite pins the contract written in store.go and the semantics Service
// relies on, never one engine's details: it uses only the plaza.Store, Query
// and Tx methods, and it compares rows that are read back with the rows that
// were written. An implementation that needs a behaviour the suite does not
// pin should add a subtest here rather than a test of its own, so that every
// engine is held to it.
package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/plazahq/plaza"
)

// Run runs the suite. open must return a fresh, empty, migrated store each
// time it is called; the caller closes it (with t.Cleanup). Every subtest
// opens its own store and runs in parallel with the others.
func Run(t *testing.T, open func(t *testing.T) plaza.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s plaza.Store)
	}{
		{"Ping", testPing},
		{"AppRoundTrip", testAppRoundTrip},
		{"AppConflict", testAppConflict},
		{"UpdateApp", testUpdateApp},
		{"SetSecrets", testSetSecrets},
		{"Apps", testApps},
		{"SpecHistory", testSpecHistory},
		{"Downstream", testDownstream},
		{"UseNonce", testUseNonce},
		{"AppCommunities", testAppCommunities},
		{"WebhookQueue", testWebhookQueue},
		{"WebhookBody", testWebhookBody},
		{"AppTxSeesOwnWrites", testAppTxSeesOwnWrites},
		{"RollbackAppWrites", testRollbackAppWrites},
		{"UserRoundTrip", testUserRoundTrip},
		{"EnsureUserIdempotent", testEnsureUserIdempotent},
		{"VisibleUsers", testVisibleUsers},
		{"CommunityRoundTrip", testCommunityRoundTrip},
		{"CommunityConflict", testCommunityConflict},
		{"UpdateCommunity", testUpdateCommunity},
		{"DeleteCommunity", testDeleteCommunity},
		{"PurgeCommunity", testPurgeCommunity},
		{"DismissedCommunities", testDismissedCommunities},
		{"EnsureUsers", testEnsureUsers},
		{"InsertMembers", testInsertMembers},
		{"MutedMemberListPlaces", testMutedMemberListPlaces},
		{"MutedMemberListMany", testMutedMemberListMany},
		{"MemberRoundTrip", testMemberRoundTrip},
		{"MemberConflict", testMemberConflict},
		{"MembersOfOneApp", testMembersOfOneApp},
		{"UpdateMember", testUpdateMember},
		{"LeaveAndEnterAgain", testLeaveAndEnterAgain},
		{"DeleteMembers", testDeleteMembers},
		{"UsersForUpdate", testUsersForUpdate},
		{"CountUsersCommunities", testCountUsersCommunities},
		{"Applications", testApplications},
		{"MemberListOrder", testMemberListOrder},
		{"Managers", testManagers},
		{"UserCommunitiesOrder", testUserCommunitiesOrder},
		{"UserCommunityIDs", testUserCommunityIDs},
		{"ApplicationRoundTrip", testApplicationRoundTrip},
		{"ApplicationReplace", testApplicationReplace},
		{"UpdateApplication", testUpdateApplication},
		{"DeleteApplication", testDeleteApplication},
		{"CommunityApplicationsOrder", testCommunityApplicationsOrder},
		{"UserApplicationsOrder", testUserApplicationsOrder},
		{"ChannelRoundTrip", testChannelRoundTrip},
		{"ChannelConflict", testChannelConflict},
		{"UpdateChannel", testUpdateChannel},
		{"DeleteChannel", testDeleteChannel},
		{"NewChannelAfterDelete", testNewChannelAfterDelete},
		{"ChannelMembership", testChannelMembership},
		{"RemoveChannelMemberForgetsState", testRemoveChannelMemberForgetsState},
		{"UserPrivateChannels", testUserPrivateChannels},
		{"ChannelMemberListOrder", testChannelMemberListOrder},
		{"DeleteMembersForgetsStates", testDeleteMembersForgetsStates},
		{"SetReadSeq", testSetReadSeq},
		{"InsertMembersStartsReading", testInsertMembersStartsReading},
		{"ChannelConversations", testChannelConversations},
		{"ChannelConversationsOrder", testChannelConversationsOrder},
		{"Conversations", testConversations},
		{"ConversationsOrder", testConversationsOrder},
		{"ConversationState", testConversationState},
		{"CountPinned", testCountPinned},
		{"Mentions", testMentions},
		{"UnreadByCommunity", testUnreadByCommunity},
		{"TotalUnreadAfterEachChange", testTotalUnreadAfterEachChange},
		{"MemberMutes", testMemberMutes},
		{"MutedMemberList", testMutedMemberList},
		{"NextSeq", testNextSeq},
		{"NextSeqActivity", testNextSeqActivity},
		{"MessageRoundTrip", testMessageRoundTrip},
		{"UpdateMessage", testUpdateMessage},
		{"ReplyCount", testReplyCount},
		{"MessageByClientID", testMessageByClientID},
		{"MessageConflict", testMessageConflict},
		{"History", testHistory},
		{"MessagesBySeq", testMessagesBySeq},
		{"Replies", testReplies},
		{"Reactions", testReactions},
		{"ReactionUsers", testReactionUsers},
		{"MessageNotFound", testMessageNotFound},
		{"NotFound", testNotFound},
		{"Rollback", testRollback},
		{"RollbackOnConflict", testRollbackOnConflict},
		{"RollbackOnPanic", testRollbackOnPanic},
		{"TxSeesOwnWrites", testTxSeesOwnWrites},
		{"ConcurrentCommunityForUpdate", testConcurrentCommunityForUpdate},
		{"ConcurrentUserForUpdate", testConcurrentUserForUpdate},
		{"ConcurrentUsersForUpdate", testConcurrentUsersForUpdate},
		{"ChannelTxSeesOwnWrites", testChannelTxSeesOwnWrites},
		{"RollbackChannelWrites", testRollbackChannelWrites},
		{"ConcurrentChannelForUpdate", testConcurrentChannelForUpdate},
		{"ConcurrentNextSeq", testConcurrentNextSeq},
		{"ThreadRoundTrip", testThreadRoundTrip},
		{"ThreadNextSeq", testThreadNextSeq},
		{"Threads", testThreads},
		{"CountActiveThreads", testCountActiveThreads},
		{"JoinThread", testJoinThread},
		{"LeaveThreads", testLeaveThreads},
		{"FollowedThreads", testFollowedThreads},
		{"ThreadMembers", testThreadMembers},
		{"ThreadConversations", testThreadConversations},
		{"ThreadUnread", testThreadUnread},
		{"InsertMembersThreads", testInsertMembersThreads},
		{"DeleteMembersThreads", testDeleteMembersThreads},
		{"DeleteChannelThreads", testDeleteChannelThreads},
		{"DeleteCommunityThreads", testDeleteCommunityThreads},
		{"ThreadInfo", testThreadInfo},
		{"UserPrivateChannelsThreads", testUserPrivateChannelsThreads},
		{"RollbackThreadWrites", testRollbackThreadWrites},
		{"ThreadTxSeesOwnWrites", testThreadTxSeesOwnWrites},
		{"SendScope", testSendScope},
		{"UpdateGroup", testUpdateGroup},
		{"ConcurrentAppForUpdate", testConcurrentAppForUpdate},
		{"ConcurrentAddDownstream", testConcurrentAddDownstream},
		{"ConcurrentUseNonce", testConcurrentUseNonce},
		{"ConcurrentClaimWebhooks", testConcurrentClaimWebhooks},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// Apps and times the subtests share. t0 is a Unix millisecond time.
const (
	appA       = "1000000001"
	appB       = "1000000002"
	t0   int64 = 1_700_000_000_000
)

// errBoom is what a transaction returns to make Update roll back.
var errBoom = errors.New("storetest: boom")

// update runs fn in a write transaction and fails the test if it fails.
func update(tb testing.TB, s plaza.Store, fn func(tx plaza.Tx) error) {
	tb.Helper()
	if err := s.Update(tb.Context(), fn); err != nil {
		tb.Fatalf("Update: %v", err)
	}
}

// must takes the results of a store call and returns a function that
// returns its value, failing the test when the call failed:
//
//	app := must(s.App(ctx, appA))(t, "App")
func must[T any](v T, err error) func(tb testing.TB, what string) T {
	return func(tb testing.TB, what string) T {
		tb.Helper()
		if err != nil {
			tb.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// wantErr checks that err is, or wraps, target.
func wantErr(tb testing.TB, what string, err, target error) {
	tb.Helper()
	if !errors.Is(err, target) {
		tb.Errorf("%s: got error %v, want %v", what, err, target)
	}
}

// diff reports a difference between want and got. Nil and empty slices and
// maps are equal; tests that care about nil check it separately.
func diff(tb testing.TB, what string, want, got any) {
	tb.Helper()
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		tb.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// placedByService leaves out of comparisons the fields that a Store does not
// fill in the messages it reads by channel key: Service names their
// community and channel. (Conversations are another matter: Service returns
// them as the store reads them, across communities, so the store names the
// community and channel of a conversation and of its last message; the
// conversation tests compare them with diff.)
var placedByService = cmp.Options{
	cmpopts.IgnoreFields(plaza.Message{}, "CommunityID", "ChannelID"),
}

// equalRead reports whether a and b are equal as diffRead compares them.
func equalRead(a, b any) bool {
	return cmp.Equal(a, b, cmpopts.EquateEmpty(), placedByService)
}

// diffRead is diff for messages, and for what holds them: it does not
// compare the fields that Service fills.
func diffRead(tb testing.TB, what string, want, got any) {
	tb.Helper()
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty(), placedByService); d != "" {
		tb.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// addApp stores an app with the default spec and one secret.
func addApp(tb testing.TB, s plaza.Store, appID string) plaza.App {
	tb.Helper()
	app := plaza.App{
		AppID:            appID,
		Name:             "app " + appID,
		CommunityEnabled: true,
		Spec:             plaza.DefaultSpec(),
		Secrets:          []plaza.Secret{{Secret: "secret-" + appID, CreatedAt: t0}},
		CreatedAt:        t0,
	}
	update(tb, s, func(tx plaza.Tx) error { return tx.InsertApp(tb.Context(), app) })
	return app
}

// addUser creates a user with a name and an avatar derived from its ID.
func addUser(tb testing.TB, s plaza.Store, appID, userID string) plaza.User {
	tb.Helper()
	var u plaza.User
	update(tb, s, func(tx plaza.Tx) error {
		var err error
		if u, err = tx.EnsureUser(tb.Context(), appID, userID, t0); err != nil {
			return fmt.Errorf("EnsureUser: %w", err)
		}
		u.UserName = "Name of " + userID
		u.UserAvatarURL = "https://img.example/" + userID + ".png"
		return tx.UpdateUser(tb.Context(), u)
	})
	return u
}

// addUsers creates users in order.
func addUsers(tb testing.TB, s plaza.Store, appID string, userIDs ...string) []plaza.User {
	tb.Helper()
	out := make([]plaza.User, len(userIDs))
	for i, id := range userIDs {
		out[i] = addUser(tb, s, appID, id)
	}
	return out
}

// addCommunity stores a community with its fields derived from its ID.
func addCommunity(tb testing.TB, s plaza.Store, appID, communityID string) plaza.CommunityInfo {
	tb.Helper()
	c := plaza.CommunityInfo{
		AppID:               appID,
		CommunityID:         communityID,
		CommunityName:       "Community " + communityID,
		CommunityAvatarURL:  "https://img.example/" + communityID + ".png",
		CommunityNotice:     "Notice of " + communityID,
		CommunityAttributes: map[string]string{"topic": communityID},
		JoinMode:            plaza.JoinApproval,
		InviteMode:          plaza.InviteManagers,
		CreatorUserID:       "creator",
		CreateTime:          t0,
		CurrentMemberCount:  0,
		ChannelCount:        0,
	}
	update(tb, s, func(tx plaza.Tx) error { return tx.InsertCommunity(tb.Context(), &c) })
	if c.PK == 0 {
		tb.Fatalf("InsertCommunity(%s) left PK 0", communityID)
	}
	return c
}

// addMember makes u a member of c with role.
func addMember(tb testing.TB, s plaza.Store, c plaza.CommunityInfo, u plaza.User, role plaza.Role) plaza.Member {
	tb.Helper()
	m := plaza.Member{
		UserInfo:           u.UserInfo,
		CommunityPK:        c.PK,
		UserPK:             u.PK,
		MemberRole:         role,
		EnterTime:          t0 + 1000,
		EnterType:          plaza.EnterJoined,
		NotificationStatus: plaza.Notify,
	}
	update(tb, s, func(tx plaza.Tx) error { return tx.InsertMember(tb.Context(), &m) })
	if m.PK == 0 {
		tb.Fatalf("InsertMember(%s, %s) left PK 0", c.CommunityID, u.UserID)
	}
	return m
}

// join makes u a member of c with InsertMembers, as a user joins: with a
// read position at the end of every channel it sees.
func join(tb testing.TB, s plaza.Store, c plaza.CommunityInfo, u plaza.User, role plaza.Role) plaza.Member {
	tb.Helper()
	ms := []plaza.Member{{UserInfo: u.UserInfo, CommunityPK: c.PK, UserPK: u.PK, MemberRole: role, EnterTime: t0 + 1000,
		EnterType: plaza.EnterJoined, NotificationStatus: plaza.Notify}}
	update(tb, s, func(tx plaza.Tx) error { return tx.InsertMembers(tb.Context(), ms) })
	if ms[0].PK == 0 {
		tb.Fatalf("InsertMembers(%s, %s) left PK 0", c.CommunityID, u.UserID)
	}
	return ms[0]
}

// leave removes users from c with DeleteMembers, as they leave or are
// kicked.
func leave(tb testing.TB, s plaza.Store, c plaza.CommunityInfo, us ...plaza.User) {
	tb.Helper()
	pks := make([]int64, len(us))
	for i, u := range us {
		pks[i] = u.PK
	}
	update(tb, s, func(tx plaza.Tx) error { return tx.DeleteMembers(tb.Context(), c.PK, pks) })
}

// addChannel stores a public channel in c.
func addChannel(tb testing.TB, s plaza.Store, c plaza.CommunityInfo, channelID string) plaza.Channel {
	tb.Helper()
	return addChannelOf(tb, s, c, channelID, plaza.ChannelPublic)
}

// addChannelOf stores a channel of type typ in c, with its fields derived
// from its ID. It returns the channel as the store reads it back: its last
// activity is its creation.
func addChannelOf(tb testing.TB, s plaza.Store, c plaza.CommunityInfo, channelID string, typ plaza.ChannelType) plaza.Channel {
	tb.Helper()
	ch := plaza.Channel{
		CommunityPK:       c.PK,
		CommunityID:       c.CommunityID,
		ChannelID:         channelID,
		ChannelType:       typ,
		ChannelName:       "Channel " + channelID,
		ChannelAttributes: map[string]string{"id": channelID},
		CreatorUserID:     "creator",
		CreateTime:        t0,
		LastTime:          t0,
	}
	update(tb, s, func(tx plaza.Tx) error { return tx.InsertChannel(tb.Context(), &ch) })
	if ch.PK == 0 {
		tb.Fatalf("InsertChannel(%s, %s) left PK 0", c.CommunityID, channelID)
	}
	return ch
}

// apply stores u's waiting application to c.
func apply(tb testing.TB, s plaza.Store, c plaza.CommunityInfo, u plaza.User, wording string) plaza.Application {
	tb.Helper()
	a := plaza.Application{
		CommunityPK:   c.PK,
		UserPK:        u.PK,
		CommunityID:   c.CommunityID,
		CommunityName: c.CommunityName,
		UserInfo:      u.UserInfo,
		Wording:       wording,
		State:         plaza.ApplicationWaiting,
		CreateTime:    t0 + 2000,
		UpdateTime:    t0 + 2000,
	}
	update(tb, s, func(tx plaza.Tx) error { return tx.InsertApplication(tb.Context(), &a) })
	if a.PK == 0 {
		tb.Fatalf("InsertApplication(%s, %s) left PK 0", c.CommunityID, u.UserID)
	}
	return a
}

// pageAll reads a whole list limit rows at a time: it starts from the zero
// Cursor and continues from the cursor key returns for the last row of each
// full page. It fails the test when a page is longer than limit or when the
// list does not end after total rows.
func pageAll[T any](tb testing.TB, what string, limit, total int, fetch func(after plaza.Cursor, limit int) ([]T, error), key func(T) plaza.Cursor) []T {
	tb.Helper()
	var all []T
	var after plaza.Cursor
	for range total/limit + 2 {
		page, err := fetch(after, limit)
		if err != nil {
			tb.Fatalf("%s(after %+v, limit %d): %v", what, after, limit, err)
		}
		if len(page) > limit {
			tb.Fatalf("%s(after %+v, limit %d) returned %d rows", what, after, limit, len(page))
		}
		all = append(all, page...)
		if len(page) < limit {
			return all
		}
		after = key(page[len(page)-1])
		after.Valid = true
	}
	tb.Fatalf("%s with limit %d did not end after %d pages; the list has %d rows", what, limit, total/limit+2, total)
	return nil
}
