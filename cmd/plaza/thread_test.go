package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/client"
)

// TestThreadsOverHTTPAndGateway opens a thread on a message over HTTP, sees
// it appear live on another member's gateway session, follows it, gets its
// unread and mention counts there and nowhere else, archives and locks it.
func TestThreadsOverHTTPAndGateway(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	ctx := context.Background()
	cs := community(t, s, "amy", "ben", "cat")
	amy, ben, cat := cs[0], cs[1], cs[2]
	benConn, catConn := connect(t, ben), connect(t, cat)

	root, err := amy.SendMessage(ctx, plaza.SendMessageRequest{CommunityID: "club", ChannelID: "flow",
		Message: plaza.MessageContent{Type: plaza.MessageText, Message: "Which trail on Sunday?"}})
	if err != nil {
		t.Fatal(err)
	}
	th, err := ben.CreateCommunityThread(ctx, plaza.CreateCommunityThreadRequest{CommunityID: "club", ChannelID: "flow", RootMessageSeq: root.Message.MessageSeq})
	if err != nil {
		t.Fatal(err)
	}
	id := th.ThreadInfo.ThreadID
	var listed plaza.CommunityThreadListChangedEvent
	if err := waitEvent(t, catConn, plaza.EventCommunityThreadListChanged, 2*time.Second).Decode(&listed); err != nil {
		t.Fatal(err)
	}
	if listed.ChannelID != "flow" || listed.ChangeInfoList[0].Thread.ThreadID != id || listed.ChangeInfoList[0].Thread.ThreadName != "Which trail on Sunday?" {
		t.Fatalf("cat saw %+v", listed)
	}

	// A message in the thread over the gateway: cat, who sees the channel,
	// receives it with the thread's channelID; amy (the root's sender)
	// follows the thread and counts it unread.
	var sent plaza.MessageResult
	if err := benConn.Do(ctx, "sendMessage", plaza.SendMessageRequest{CommunityID: "club", ChannelID: id,
		Message: plaza.MessageContent{Type: plaza.MessageText, Message: "the ridge, @amy?", MentionedUserIDs: []string{"amy"}}}, &sent); err != nil {
		t.Fatal(err)
	}
	if sent.Message.MessageSeq != 1 || sent.Message.ChannelID != id {
		t.Fatalf("sent %+v", sent.Message)
	}
	got := nextMessages(t, catConn, time.After(2*time.Second), func() string { return "the thread's message" })
	if got.ChannelID != id || got.MessageList[0].Message != "the ridge, @amy?" {
		t.Fatalf("cat received %+v", got)
	}
	list, err := amy.QueryCommunityList(ctx, plaza.QueryCommunityListRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if c := list.CommunityList[0]; c.ThreadTotalUnreadMessageCount != 1 || c.ThreadTotalUnreadMentionCount != 1 {
		t.Fatalf("amy's community entry %+v", c)
	}
	convs, err := amy.QueryConversationList(ctx, plaza.QueryConversationListRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var flow, thread *plaza.ChannelConversation
	for i := range convs.ConversationList {
		switch convs.ConversationList[i].ChannelID {
		case "flow":
			flow = &convs.ConversationList[i]
		case id:
			thread = &convs.ConversationList[i]
		}
	}
	if thread == nil || thread.ChannelType != plaza.ChannelThread || thread.ParentChannelID != "flow" || thread.UnreadMessageCount != 1 {
		t.Fatalf("amy's thread conversation %+v", thread)
	}
	if flow == nil || flow.UnreadMessageCount != 0 {
		t.Fatalf("the parent's unread moved: %+v", flow)
	}
	// Cat does not follow it: no conversation, and clearing it is refused.
	_, err = cat.ClearConversationUnreadMessageCount(ctx, plaza.ClearConversationUnreadMessageCountRequest{CommunityID: "club", ChannelID: id})
	wantAPIError(t, err, http.StatusNotFound, plaza.ENotThreadMember)

	// The root message carries the thread's summary.
	h, err := cat.QueryHistoryMessage(ctx, plaza.QueryHistoryMessageRequest{CommunityID: "club", ChannelID: "flow"})
	if err != nil {
		t.Fatal(err)
	}
	if ti := h.MessageList[len(h.MessageList)-1].ThreadInfo; ti == nil || ti.ThreadID != id || ti.MessageCount != 1 {
		t.Fatalf("root summary %+v", ti)
	}

	// Cat joins over HTTP; archive and lock; the refusals carry their codes.
	if _, err := cat.JoinCommunityThread(ctx, plaza.ThreadRequest{CommunityID: "club", ThreadID: id}); err != nil {
		t.Fatal(err)
	}
	members, err := cat.QueryCommunityThreadMemberList(ctx, plaza.QueryCommunityThreadMemberListRequest{CommunityID: "club", ThreadID: id})
	if err != nil || len(members.MemberList) != 3 {
		t.Fatalf("members %+v %v", members, err)
	}
	if _, err := amy.UpdateCommunityThreadLockedState(ctx, plaza.UpdateCommunityThreadLockedStateRequest{CommunityID: "club", ThreadID: id, IsLocked: new(true)}); err != nil {
		t.Fatal(err)
	}
	_, err = cat.SendMessage(ctx, plaza.SendMessageRequest{CommunityID: "club", ChannelID: id, Message: plaza.MessageContent{Type: plaza.MessageText, Message: "x"}})
	wantAPIError(t, err, http.StatusForbidden, plaza.EThreadLocked)
	if _, err := ben.UpdateCommunityThreadArchivedState(ctx, plaza.UpdateCommunityThreadArchivedStateRequest{CommunityID: "club", ThreadID: id, IsArchived: new(true)}); err != nil {
		t.Fatal(err)
	}
	_, err = cat.AddMessageReaction(ctx, plaza.MessageReactionRequest{CommunityID: "club", ChannelID: id, MessageSeq: 1, ReactionType: "ok"})
	wantAPIError(t, err, http.StatusConflict, plaza.EThreadArchived)
	arch, err := cat.QueryCommunityThreadList(ctx, plaza.QueryCommunityThreadListRequest{CommunityID: "club", ChannelID: "flow", Filter: plaza.ThreadsArchived})
	if err != nil || len(arch.ThreadList) != 1 || !arch.ThreadList[0].IsArchived || !arch.ThreadList[0].IsLocked {
		t.Fatalf("archived list %+v %v", arch, err)
	}
	_, err = amy.UpdateCommunityChannelName(ctx, plaza.UpdateCommunityChannelNameRequest{CommunityID: "club", ChannelID: id, ChannelName: "x"})
	wantAPIError(t, err, http.StatusBadRequest, plaza.EInvalidArgument)
	followed, err := cat.QueryJoinedCommunityThreadList(ctx, plaza.QueryJoinedCommunityThreadListRequest{CommunityID: "club"})
	if err != nil || len(followed.ThreadList) != 1 || followed.ThreadList[0].ThreadID != id {
		t.Fatalf("cat's followed threads %+v %v", followed, err)
	}
}

// testCrossNodeThread: a thread's message sent through one node reaches a
// follower on another, and a follower kicked through a third hears nothing
// more.
func testCrossNodeThread(t *testing.T, nodes []*testServer) {
	clusterCommunity(t, nodes[0], "threads", "owner", "far", "gone")
	ctx := context.Background()
	th, err := on(t, nodes[1], "far").CreateCommunityThread(ctx, plaza.CreateCommunityThreadRequest{CommunityID: "threads", ChannelID: plaza.GeneralChannelID, ThreadName: "Across"})
	if err != nil {
		t.Fatal(err)
	}
	id := th.ThreadInfo.ThreadID
	far := connect(t, on(t, nodes[0], "far"))
	gone := connect(t, on(t, nodes[0], "gone"))
	sendIn := func(c *client.Client, text string) {
		t.Helper()
		if _, err := c.SendMessage(ctx, plaza.SendMessageRequest{CommunityID: "threads", ChannelID: id,
			Message: plaza.MessageContent{Type: plaza.MessageText, Message: text}}); err != nil {
			t.Fatal(err)
		}
	}
	sendIn(on(t, nodes[2], "owner"), "first in the thread")
	waitText(t, far, "first in the thread", 5*time.Second)
	waitText(t, gone, "first in the thread", 5*time.Second)
	if _, err := on(t, nodes[1], "owner").KickCommunityMembers(ctx, plaza.UserIDsRequest{CommunityID: "threads", UserIDs: []string{"gone"}}); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, gone, plaza.EventCommunityListChanged, 2*time.Second)
	sendIn(on(t, nodes[2], "far"), "after the kick")
	waitText(t, far, "after the kick", 5*time.Second)
	noEvent(t, gone, plaza.EventMessageReceived, 500*time.Millisecond)
}
