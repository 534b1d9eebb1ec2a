package storetest

import (
	"errors"
	"testing"

	"github.com/plazahq/plaza"
)

// scopeByReads reads what SendScope must return with the single reads it
// stands for.
func scopeByReads(tb testing.TB, q plaza.Query, k plaza.SendKey) plaza.SendScope {
	tb.Helper()
	ctx := tb.Context()
	var r plaza.SendScope
	r.App = some(q.App(ctx, k.AppID))(tb, "App")
	r.Community = some(q.Community(ctx, k.AppID, k.CommunityID))(tb, "Community")
	r.User = some(q.User(ctx, k.AppID, k.UserID))(tb, "User")
	if r.Community == nil {
		return r
	}
	r.Member = some(q.Member(ctx, r.Community.PK, k.UserID))(tb, "Member")
	if k.ChannelID == "" {
		return r
	}
	r.Channel = some(q.Channel(ctx, r.Community.PK, k.ChannelID))(tb, "Channel")
	if r.Channel == nil {
		return r
	}
	if r.User == nil {
		return r
	}
	r.Listed = must(q.IsChannelMember(ctx, r.Channel.PK, r.User.PK))(tb, "IsChannelMember")
	if r.Channel.ChannelType == plaza.ChannelThread {
		r.ParentListed = must(q.IsChannelMember(ctx, r.Channel.ParentPK, r.User.PK))(tb, "IsChannelMember (parent)")
	}
	if k.ClientMessageID != "" {
		if m := some(q.MessageByClientID(ctx, r.Channel.PK, r.User.PK, k.ClientMessageID))(tb, "MessageByClientID"); m != nil {
			r.SentSeq = m.MessageSeq
		}
	}
	return r
}

// some takes a single read's result and returns a function returning a
// pointer to the row, nil for ErrNotFound; another error fails the test.
func some[T any](v T, err error) func(tb testing.TB, what string) *T {
	return func(tb testing.TB, what string) *T {
		tb.Helper()
		if errors.Is(err, plaza.ErrNotFound) {
			return nil
		}
		if err != nil {
			tb.Fatalf("%s: %v", what, err)
		}
		return &v
	}
}

// testSendScope checks that SendScope reads what the single reads read, for
// senders inside and outside a community, channels of every kind, unknown
// names, and client message IDs, on the store and inside a transaction,
// where it sees the transaction's writes (queued ones too).
func testSendScope(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	addApp(t, s, appA)
	addApp(t, s, appB)
	c := addCommunity(t, s, appA, "c")
	addCommunity(t, s, appB, "c")
	us := addUsers(t, s, appA, "owner", "member", "listed", "outsider")
	owner, member, listedU := us[0], us[1], us[2]
	addUser(t, s, appB, "member")
	addMember(t, s, c, owner, plaza.RoleOwner)
	addMember(t, s, c, member, plaza.RoleMember)
	addMember(t, s, c, listedU, plaza.RoleMember)
	update(t, s, func(tx plaza.Tx) error { return tx.SetMemberMute(ctx, c.PK, member.PK, 0, -1) })
	pub := addChannel(t, s, c, "pub")
	priv := listIn(t, s, addChannelOf(t, s, c, "priv", plaza.ChannelPrivate), listedU)
	th := addThread(t, s, priv, "th", threadOpt{private: true})
	joinThread(t, s, th, listedU, 0, t0)
	m := text("hello")
	m.ClientMessageID = "cid-1"
	sent := send(t, s, pub, member, m)
	sendText(t, s, pub, member, "no client ID")

	keys := map[string]plaza.SendKey{
		"member, public channel":         {AppID: appA, CommunityID: "c", UserID: "member", ChannelID: "pub"},
		"member, client ID sent before":  {AppID: appA, CommunityID: "c", UserID: "member", ChannelID: "pub", ClientMessageID: "cid-1"},
		"member, client ID not sent yet": {AppID: appA, CommunityID: "c", UserID: "member", ChannelID: "pub", ClientMessageID: "cid-2"},
		"another sender's client ID":     {AppID: appA, CommunityID: "c", UserID: "owner", ChannelID: "pub", ClientMessageID: "cid-1"},
		"private channel, listed":        {AppID: appA, CommunityID: "c", UserID: "listed", ChannelID: "priv"},
		"private channel, not listed":    {AppID: appA, CommunityID: "c", UserID: "member", ChannelID: "priv"},
		"thread of a private channel":    {AppID: appA, CommunityID: "c", UserID: "listed", ChannelID: "th", ClientMessageID: "x"},
		"thread, owner":                  {AppID: appA, CommunityID: "c", UserID: "owner", ChannelID: "th"},
		"thread, neither listed":         {AppID: appA, CommunityID: "c", UserID: "member", ChannelID: "th"},
		"outsider":                       {AppID: appA, CommunityID: "c", UserID: "outsider", ChannelID: "pub"},
		"unknown user":                   {AppID: appA, CommunityID: "c", UserID: "nobody", ChannelID: "pub", ClientMessageID: "cid-1"},
		"unknown channel":                {AppID: appA, CommunityID: "c", UserID: "member", ChannelID: "nope"},
		"no channel":                     {AppID: appA, CommunityID: "c", UserID: "member"},
		"unknown community":              {AppID: appA, CommunityID: "nope", UserID: "member", ChannelID: "pub"},
		"unknown app":                    {AppID: "nope", CommunityID: "c", UserID: "member", ChannelID: "pub"},
		"the same names in another app":  {AppID: appB, CommunityID: "c", UserID: "member", ChannelID: "pub"},
	}
	for name, k := range keys {
		got := must(s.SendScope(ctx, k))(t, "SendScope ("+name+")")
		diff(t, "SendScope ("+name+")", scopeByReads(t, s, k), got)
	}
	want := scopeByReads(t, s, keys["member, client ID sent before"])
	if want.SentSeq != sent.MessageSeq || want.Member == nil || len(want.Member.Mutes) != 1 || want.App == nil || len(want.App.Secrets) != 1 {
		t.Fatalf("the single reads do not read what the fixture wrote: %+v", want)
	}
	if want := scopeByReads(t, s, keys["thread of a private channel"]); want.Channel == nil || !want.Listed || !want.ParentListed {
		t.Fatalf("the single reads do not read the thread's fixture: %+v", want)
	}

	// In a transaction, after writes of its own.
	err := s.Update(ctx, func(tx plaza.Tx) error {
		for name, k := range keys {
			got, err := tx.SendScope(ctx, k)
			if err != nil {
				return err
			}
			diff(t, "SendScope in a transaction ("+name+")", scopeByReads(t, tx, k), got)
		}
		seq, err := tx.NextSeq(ctx, pub.PK, t0)
		if err != nil {
			return err
		}
		m := text("in the transaction")
		m.ClientMessageID = "cid-2"
		fill(&m, pub, member, seq)
		if err := tx.InsertMessage(ctx, &m); err != nil {
			return err
		}
		got, err := tx.SendScope(ctx, keys["member, client ID not sent yet"])
		if err != nil {
			return err
		}
		if got.SentSeq != seq {
			t.Errorf("SendScope after InsertMessage in the same transaction: SentSeq %d, want %d", got.SentSeq, seq)
		}
		return errBoom
	})
	wantErr(t, "Update", err, errBoom)
	if got := must(s.SendScope(ctx, keys["member, client ID not sent yet"]))(t, "SendScope after a rollback"); got.SentSeq != 0 {
		t.Errorf("SendScope after a rollback: SentSeq %d, want 0", got.SentSeq)
	}
}
