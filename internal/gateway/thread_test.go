package gateway

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza"
	"github.com/plazahq/plaza/internal/plazatest"
)

// TestThreadDelivery: a thread's events reach those who see it, at fan-out
// time: a member removed from the private parent, kicked from a private
// thread, or kicked from the community receives nothing more of it.
func TestThreadDelivery(t *testing.T) {
	t.Parallel()
	g := newTestGatewayEnv(t, Options{}, plazatest.Options{Spec: relaxedSpec()})
	ctx := context.Background()
	svc := g.env.Service
	owner := setupClub(t, g, "ann", "bob", "carl")
	if _, err := svc.CreateCommunityChannel(ctx, owner, plaza.CreateCommunityChannelRequest{CommunityID: "club", ChannelID: "inner", ChannelType: new(plaza.ChannelPrivate)}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddCommunityChannelMembers(ctx, owner, plaza.ChannelMembersRequest{CommunityID: "club", ChannelID: "inner", UserIDs: []string{"ann"}}); err != nil {
		t.Fatal(err)
	}
	inner, err := svc.CreateCommunityThread(ctx, owner, plaza.CreateCommunityThreadRequest{CommunityID: "club", ChannelID: "inner", ThreadID: "in-t", ThreadName: "Inner"})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := svc.CreateCommunityThread(ctx, owner, plaza.CreateCommunityThreadRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, ThreadID: "sec-t", ThreadName: "Secret", IsPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.InviteUsersIntoCommunityThread(ctx, owner, plaza.ThreadUsersRequest{CommunityID: "club", ThreadID: "sec-t", UserIDs: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	ann, bob, carl := g.identified(t, "ann"), g.identified(t, "bob"), g.identified(t, "carl")

	g.send(t, owner, inner.ThreadInfo.ThreadID, plaza.MessageContent{Type: plaza.MessageText, Message: "inner 1"})
	g.send(t, owner, secret.ThreadInfo.ThreadID, plaza.MessageContent{Type: plaza.MessageText, Message: "secret 1"})
	if _, ok := leaked(ann, time.Second, "inner 1"); !ok {
		t.Fatal("ann, listed in the parent, did not receive its thread's message")
	}
	if _, ok := leaked(bob, time.Second, "secret 1"); !ok {
		t.Fatal("bob, a member of the private thread, did not receive its message")
	}
	for _, f := range carl.received(500 * time.Millisecond) {
		if strings.Contains(string(f.D), "inner 1") || strings.Contains(string(f.D), "secret 1") {
			t.Fatalf("carl, who sees neither thread, received %s %s", f.T, f.D)
		}
	}

	// Removed from the private parent, ann receives nothing more of its thread.
	if _, err := svc.RemoveCommunityChannelMembers(ctx, owner, plaza.ChannelMembersRequest{CommunityID: "club", ChannelID: "inner", UserIDs: []string{"ann"}}); err != nil {
		t.Fatal(err)
	}
	// Kicked from the private thread, bob receives nothing more of it.
	if _, err := svc.KickCommunityThreadMembers(ctx, owner, plaza.ThreadUsersRequest{CommunityID: "club", ThreadID: "sec-t", UserIDs: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	g.send(t, owner, "in-t", plaza.MessageContent{Type: plaza.MessageText, Message: "inner 2"})
	g.send(t, owner, "sec-t", plaza.MessageContent{Type: plaza.MessageText, Message: "secret 2"})
	if f, ok := leaked(ann, time.Second, "inner 2"); ok {
		t.Fatalf("ann, removed from the parent, received %s %s", f.T, f.D)
	}
	if f, ok := leaked(bob, time.Second, "secret 2"); ok {
		t.Fatalf("bob, kicked from the private thread, received %s %s", f.T, f.D)
	}

	// A member of a public thread kicked from the community hears nothing
	// more of it.
	pub, err := svc.CreateCommunityThread(ctx, g.env.Actor("carl"), plaza.CreateCommunityThreadRequest{CommunityID: "club", ChannelID: plaza.GeneralChannelID, ThreadName: "Open"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.KickCommunityMembers(ctx, owner, plaza.UserIDsRequest{CommunityID: "club", UserIDs: []string{"carl"}}); err != nil {
		t.Fatal(err)
	}
	g.send(t, owner, pub.ThreadInfo.ThreadID, plaza.MessageContent{Type: plaza.MessageText, Message: "open 2"})
	if f, ok := leaked(carl, time.Second, "open 2"); ok {
		t.Fatalf("carl, kicked, received %s %s", f.T, f.D)
	}
}
