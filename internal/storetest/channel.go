package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/plazahq/plaza"
)

// readChannel reads a channel through both Channel and ChannelForUpdate,
// checks that they agree, and returns it.
func readChannel(tb testing.TB, s plaza.Store, communityPK int64, channelID string) plaza.Channel {
	tb.Helper()
	ctx := tb.Context()
	ch := must(s.Channel(ctx, communityPK, channelID))(tb, "Channel("+channelID+")")
	var locked plaza.Channel
	update(tb, s, func(tx plaza.Tx) error {
		var err error
		locked, err = tx.ChannelForUpdate(ctx, communityPK, channelID)
		return err
	})
	diff(tb, "ChannelForUpdate("+channelID+") against Channel", ch, locked)
	return ch
}

// listIn lists users in a private channel as Service does: AddChannelMember
// for each, then the channel's MemberCount raised by UpdateChannel, in one
// transaction. It returns the channel as stored.
func listIn(tb testing.TB, s plaza.Store, ch plaza.Channel, us ...plaza.User) plaza.Channel {
	tb.Helper()
	ctx := tb.Context()
	var out plaza.Channel
	update(tb, s, func(tx plaza.Tx) error {
		cur, err := tx.ChannelForUpdate(ctx, ch.CommunityPK, ch.ChannelID)
		if err != nil {
			return fmt.Errorf("ChannelForUpdate(%s): %w", ch.ChannelID, err)
		}
		for _, u := range us {
			added, err := tx.AddChannelMember(ctx, cur.PK, u.PK, t0)
			if err != nil {
				return fmt.Errorf("AddChannelMember(%s, %s): %w", ch.ChannelID, u.UserID, err)
			}
			if !added {
				return fmt.Errorf("AddChannelMember(%s, %s) = false for a user not listed yet", ch.ChannelID, u.UserID)
			}
		}
		cur.MemberCount += int64(len(us))
		out = cur
		return tx.UpdateChannel(ctx, cur)
	})
	return out
}

// listed reports whether IsChannelMember says u is listed in ch.
func listed(tb testing.TB, q plaza.Query, ch plaza.Channel, u plaza.User) bool {
	tb.Helper()
	return must(q.IsChannelMember(tb.Context(), ch.PK, u.PK))(tb, "IsChannelMember("+ch.ChannelID+", "+u.UserID+")")
}

// checkListed fails unless IsChannelMember gives want for each user.
func checkListed(tb testing.TB, q plaza.Query, what string, ch plaza.Channel, want map[plaza.User]bool) {
	tb.Helper()
	for u, w := range want {
		if got := listed(tb, q, ch, u); got != w {
			tb.Errorf("%s: IsChannelMember(%s, %s) = %t, want %t", what, ch.ChannelID, u.UserID, got, w)
		}
	}
}

// privateChannels reads UserPrivateChannels with each community's channel
// IDs sorted and communities without any left out: neither order is part of
// the contract.
func privateChannels(tb testing.TB, q plaza.Query, u plaza.User) map[string][]string {
	tb.Helper()
	got := must(q.UserPrivateChannels(tb.Context(), u.PK))(tb, "UserPrivateChannels("+u.UserID+")")
	out := map[string][]string{}
	for c, ids := range got {
		if len(ids) > 0 {
			out[c] = slices.Sorted(slices.Values(ids))
		}
	}
	return out
}

// pinnedBase lifts the order key of a pinned conversation above every
// activity time: OrderKey is PinnedTime + pinnedBase when the conversation
// is pinned, else the channel's last activity time.
const pinnedBase int64 = 1 << 50

// conversation is what the store must say of ch to the member m, whose read
// position is read, in a conversation with the default settings: in
// do-not-disturb (SPEC §6), without a draft, not pinned. last is the
// channel's newest message, nil if it has none. The community is not muted.
// MentionedInfoList and SelfMutedExpiredTime are Service's: the store leaves
// them empty.
func conversation(m plaza.Member, ch plaza.Channel, read int64, last *plaza.Message) plaza.ChannelConversation {
	return plaza.ChannelConversation{
		ChannelBrief: plaza.ChannelBrief{
			CommunityID:      ch.CommunityID,
			ChannelID:        ch.ChannelID,
			ChannelType:      ch.ChannelType,
			ChannelName:      ch.ChannelName,
			ChannelAvatarURL: ch.ChannelAvatarURL,
		},
		ChannelAttributes:     ch.ChannelAttributes,
		NotificationStatus:    plaza.DoNotDisturb,
		UnreadMessageCount:    max(0, ch.LastMessageSeq-read),
		LastMessage:           last,
		LastMessageSeq:        ch.LastMessageSeq,
		ReadMessageSeq:        read,
		MentionedInfoList:     []plaza.MentionedInfo{},
		PK:                    ch.PK,
		CommunityPK:           ch.CommunityPK,
		OrderKey:              ch.LastTime,
		MemberRole:            m.MemberRole,
		ChannelMute:           ch.MuteInfo,
		CommunityNotification: m.NotificationStatus,
	}
}

// withState is cv, as conversation makes it, with the settings st.
func withState(cv plaza.ChannelConversation, st plaza.ConversationState) plaza.ChannelConversation {
	cv.NotificationStatus, cv.Draft, cv.PinnedTime = st.NotificationStatus, st.Draft, st.PinnedTime
	cv.IsPinned = st.PinnedTime > 0
	if cv.IsPinned {
		cv.OrderKey = st.PinnedTime + pinnedBase
	}
	return cv
}

// checkConversations fails for conversations read back with a nil map or
// list: Service returns them as they are read, and JSON must show {} and []
// rather than null.
func checkConversations(tb testing.TB, what string, cs ...plaza.ChannelConversation) {
	tb.Helper()
	for _, cv := range cs {
		if cv.ChannelAttributes == nil {
			tb.Errorf("%s: %s has nil ChannelAttributes; want a map", what, cv.ChannelID)
		}
		if cv.MentionedInfoList == nil {
			tb.Errorf("%s: %s has nil MentionedInfoList; want an empty list", what, cv.ChannelID)
		}
	}
}

// conversations reads a user's conversations in a community in one page.
func conversations(tb testing.TB, q plaza.Query, communityPK, userPK int64) []plaza.ChannelConversation {
	tb.Helper()
	cs := must(q.ChannelConversations(tb.Context(), communityPK, userPK, plaza.Cursor{}, 1000))(tb, "ChannelConversations")
	checkConversations(tb, "ChannelConversations", cs...)
	return cs
}

// readSeqs returns a user's read position in each channel of a community
// that it sees, by channel ID.
func readSeqs(tb testing.TB, q plaza.Query, communityPK int64, u plaza.User) map[string]int64 {
	tb.Helper()
	out := map[string]int64{}
	for _, c := range conversations(tb, q, communityPK, u.PK) {
		out[c.ChannelID] = c.ReadMessageSeq
	}
	return out
}

// setReadSeq calls SetReadSeq in a transaction of its own.
func setReadSeq(tb testing.TB, s plaza.Store, u plaza.User, ch plaza.Channel, seq int64) {
	tb.Helper()
	update(tb, s, func(tx plaza.Tx) error { return tx.SetReadSeq(tb.Context(), u.PK, ch.PK, seq) })
}

// channelIDs returns the channel IDs of conversations, in order.
func channelIDs(cs []plaza.ChannelConversation) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ChannelID
	}
	return out
}

// checkMuteRoles fails for a mute read back with nil Roles: Service returns
// it as it is read, and JSON must show [] rather than null.
func checkMuteRoles(tb testing.TB, what string, m plaza.MuteInfo) {
	tb.Helper()
	if m.Roles == nil {
		tb.Errorf("%s: MuteInfo has nil Roles; want an empty list", what)
	}
}

func testChannelRoundTrip(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	c := addCommunity(t, s, appA, "c")
	general := plaza.Channel{
		CommunityPK:       c.PK,
		CommunityID:       c.CommunityID,
		ChannelID:         plaza.GeneralChannelID,
		ChannelType:       plaza.ChannelGeneral,
		ChannelName:       "general",
		ChannelAttributes: map[string]string{},
		CreatorUserID:     "alice",
		CreateTime:        t0,
	}
	private := plaza.Channel{
		CommunityPK:       c.PK,
		CommunityID:       c.CommunityID,
		ChannelID:         "private",
		ChannelType:       plaza.ChannelPrivate,
		ChannelName:       "Private — 私人",
		ChannelAvatarURL:  "https://img.example/private.png",
		ChannelNotice:     "members only",
		ChannelAttributes: map[string]string{"colour": "teal", "": "empty key"},
		CreatorUserID:     "bob",
		CreateTime:        t0 + 8,
		MemberCount:       3,
		LastTime:          t0 + 20, // later than its creation: kept
		MuteInfo:          plaza.MuteInfo{Mode: plaza.MuteCustom, ExpiredTime: t0 + 3_600_000, Roles: []plaza.Role{plaza.RoleAdmin, plaza.RoleMember}},
	}
	public := plaza.Channel{
		CommunityPK:   c.PK,
		CommunityID:   c.CommunityID,
		ChannelID:     "public",
		ChannelType:   plaza.ChannelPublic,
		ChannelName:   "Public",
		CreatorUserID: "carol",
		CreateTime:    t0 + 9,
		MuteInfo:      plaza.MuteInfo{Mode: plaza.MuteAll, ExpiredTime: plaza.PermanentMute}, // Roles nil: read back empty
	}
	update(t, s, func(tx plaza.Tx) error {
		for _, ch := range []*plaza.Channel{&general, &private, &public} {
			if err := tx.InsertChannel(ctx, ch); err != nil {
				return err
			}
		}
		return nil
	})
	pks := []int64{general.PK, private.PK, public.PK}
	if slices.Contains(pks, 0) || pks[0] == pks[1] || pks[1] == pks[2] || pks[0] == pks[2] {
		t.Errorf("InsertChannel set PKs %v; want three distinct non-zero keys", pks)
	}
	// A channel stored without a last activity time (as Service stores a
	// new one) has its creation for last activity: the conversation list
	// orders it by that.
	general.LastTime, public.LastTime = general.CreateTime, public.CreateTime
	for _, want := range []plaza.Channel{general, private, public} {
		got := readChannel(t, s, c.PK, want.ChannelID)
		diff(t, "Channel("+want.ChannelID+")", want, got)
		if got.ChannelAttributes == nil {
			t.Errorf("Channel(%s) has nil ChannelAttributes; want an empty map", want.ChannelID)
		}
		checkMuteRoles(t, "Channel("+want.ChannelID+")", got.MuteInfo)
		if got.LastMessageSeq != 0 {
			t.Errorf("Channel(%s).LastMessageSeq of a new channel = %d, want 0", want.ChannelID, got.LastMessageSeq)
		}
	}

	// The last seq is the channel's own, and follows its messages.
	u := addUser(t, s, appA, "u")
	for range 3 {
		sendText(t, s, private, u, "hello")
	}
	private.LastMessageSeq = 3
	diff(t, "Channel(private) after three messages", private, readChannel(t, s, c.PK, "private"))
	diff(t, "Channel(public) after messages in another channel", public, readChannel(t, s, c.PK, "public"))
}

func testChannelConflict(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	first := addChannel(t, s, c, "room")

	again := first
	again.PK = 0
	again.ChannelName = "impostor"
	err := s.Update(ctx, func(tx plaza.Tx) error { return tx.InsertChannel(ctx, &again) })
	wantErr(t, "InsertChannel of an existing ID in the same community", err, plaza.ErrConflict)
	diff(t, "Channel after a refused insert", first, must(s.Channel(ctx, c.PK, "room"))(t, "Channel"))

	// The same ID in another community is another channel.
	other := addChannel(t, s, d, "room")
	if other.PK == first.PK {
		t.Errorf("channel room of d has the PK of room of c (%d)", other.PK)
	}
	diff(t, "Channel room of d", other, must(s.Channel(ctx, d.PK, "room"))(t, "Channel(d)"))
	diff(t, "Channel room of c after d's", first, must(s.Channel(ctx, c.PK, "room"))(t, "Channel(c)"))
}

func testUpdateChannel(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	u := addUser(t, s, appA, "u")
	c := addCommunity(t, s, appA, "c")
	addChannelOf(t, s, c, "room", plaza.ChannelPrivate)
	neighbour := addChannelOf(t, s, c, "neighbour", plaza.ChannelPrivate)
	ch := readChannel(t, s, c.PK, "room")
	for range 3 {
		sendText(t, s, ch, u, "hi")
	}
	ch.LastMessageSeq = 3

	ch.ChannelName = "Renamed — 改名"
	ch.ChannelAvatarURL = "https://img.example/renamed.png"
	ch.ChannelNotice = "New notice\nwith two lines"
	ch.ChannelAttributes = map[string]string{"k1": "v1", "k2": ""}
	ch.MemberCount = 41
	ch.MuteInfo = plaza.MuteInfo{Mode: plaza.MuteNormal, ExpiredTime: t0 + 60_000, Roles: []plaza.Role{}}
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateChannel(ctx, ch) })
	diff(t, "Channel after UpdateChannel", ch, readChannel(t, s, c.PK, "room"))
	ch.MuteInfo = plaza.MuteInfo{Mode: plaza.MuteCustom, ExpiredTime: plaza.PermanentMute, Roles: []plaza.Role{plaza.RoleMember}}
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateChannel(ctx, ch) })
	diff(t, "Channel after UpdateChannel of its mute", ch, readChannel(t, s, c.PK, "room"))
	sendAt(t, s, ch, u, "active", t0+50_000)
	ch.LastMessageSeq, ch.LastTime = 4, t0+50_000

	// Only NextSeq moves the last seq and the last activity: UpdateChannel
	// of a copy read before the latest messages, or of made-up values,
	// leaves them where they are.
	for _, made := range []struct{ seq, last int64 }{{0, 0}, {2, t0}, {99, t0 + 99_000_000}} {
		stale := ch
		stale.LastMessageSeq, stale.LastTime = made.seq, made.last
		stale.ChannelName = fmt.Sprintf("Updated with last seq %d", made.seq)
		update(t, s, func(tx plaza.Tx) error { return tx.UpdateChannel(ctx, stale) })
		want := stale
		want.LastMessageSeq, want.LastTime = 4, t0+50_000
		diff(t, fmt.Sprintf("Channel after UpdateChannel with LastMessageSeq %d and LastTime %d", made.seq, made.last), want,
			readChannel(t, s, c.PK, "room"))
		ch = want
	}
	if m := sendText(t, s, ch, u, "next"); m.MessageSeq != 5 {
		t.Errorf("seq of the message after UpdateChannel calls = %d, want 5", m.MessageSeq)
	}
	ch.LastMessageSeq = 5

	// Every field can go back to its zero value.
	ch.ChannelName, ch.ChannelAvatarURL, ch.ChannelNotice = "", "", ""
	ch.ChannelAttributes = map[string]string{}
	ch.MemberCount = 0
	ch.MuteInfo = plaza.MuteInfo{}
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateChannel(ctx, ch) })
	got := readChannel(t, s, c.PK, "room")
	diff(t, "Channel after UpdateChannel to zero values", ch, got)
	if got.ChannelAttributes == nil {
		t.Errorf("Channel after clearing its attributes has nil ChannelAttributes; want an empty map")
	}
	checkMuteRoles(t, "Channel after its mute was lifted", got.MuteInfo)
	diff(t, "a neighbour of an updated channel", neighbour, readChannel(t, s, c.PK, "neighbour"))
}

func testDeleteChannel(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "owner", "listed")
	owner, lst := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	for _, cc := range []plaza.CommunityInfo{c, d} {
		addMember(t, s, cc, owner, plaza.RoleOwner)
		addMember(t, s, cc, lst, plaza.RoleMember)
	}
	doomed := addChannelOf(t, s, c, "doomed", plaza.ChannelPrivate)
	kept := addChannelOf(t, s, c, "kept", plaza.ChannelPrivate)
	twin := addChannelOf(t, s, d, "doomed", plaza.ChannelPrivate) // the same ID in another community
	var channels []plaza.Channel
	for _, ch := range []plaza.Channel{doomed, kept, twin} {
		ch = listIn(t, s, ch, lst)
		m := text("first")
		m.ClientMessageID = "client-1"
		first := send(t, s, ch, owner, m)
		send(t, s, ch, lst, replyTo(first, "a reply"))
		react(t, s, first, "👍", lst)
		hide(t, s, lst, ch, 2)
		setReadSeq(t, s, lst, ch, 1)
		// lst is mentioned, has the conversation pinned in notify, and is
		// muted in the channel.
		update(t, s, func(tx plaza.Tx) error {
			if err := tx.InsertMentions(ctx, ch.PK, 2, []int64{lst.PK}, true); err != nil {
				return err
			}
			st := plaza.ConversationState{NotificationStatus: plaza.Notify, Draft: "draft", PinnedTime: t0 + 100 + ch.PK}
			if err := tx.SetConversationState(ctx, lst.PK, ch.PK, st); err != nil {
				return err
			}
			return tx.SetMemberMute(ctx, ch.CommunityPK, lst.PK, ch.PK, plaza.PermanentMute)
		})
		channels = append(channels, readChannel(t, s, ch.CommunityPK, ch.ChannelID))
	}
	doomed, kept, twin = channels[0], channels[1], channels[2]
	history := func(ch plaza.Channel) []plaza.Message {
		t.Helper()
		return must(s.History(ctx, ch.PK, owner.PK, 0, false, 100))(t, "History("+ch.ChannelID+")")
	}
	keptHistory, twinHistory := history(kept), history(twin)
	keptConversations := conversations(t, s, c.PK, lst.PK)[1:]
	everyConversation := allConversations(t, s, lst)
	if len(everyConversation) != 3 {
		t.Fatalf("Conversations of lst before the deletion: %v, want the three channels it is listed in", conversationKeys(everyConversation))
	}
	mentions := func(ch plaza.Channel) map[int64][]plaza.MentionedInfo {
		t.Helper()
		return mentionsOf(t, s, lst, plaza.ReadPosition{ChannelPK: ch.PK})
	}
	keptMentions := mentions(kept)
	if len(keptMentions[kept.PK]) != 1 {
		t.Fatalf("Mentions of lst in kept before the deletion = %+v, want one", keptMentions)
	}
	lstMutes := func(c plaza.CommunityInfo) []plaza.MemberMute {
		t.Helper()
		return sortedMutes(must(s.Member(ctx, c.PK, lst.UserID))(t, "Member").Mutes)
	}

	for _, ch := range channels {
		if must(s.ChannelDismissed(ctx, ch.CommunityPK, ch.ChannelID))(t, "ChannelDismissed") {
			t.Errorf("ChannelDismissed(%s) = true before any dismissal", ch.ChannelID)
		}
	}
	if must(s.ChannelDismissed(ctx, c.PK, "never-existed"))(t, "ChannelDismissed") {
		t.Errorf("ChannelDismissed of an ID that never existed = true")
	}

	update(t, s, func(tx plaza.Tx) error { return tx.DeleteChannel(ctx, doomed, t0+5000) })

	// The channel and everything in it are gone.
	_, err := s.Channel(ctx, c.PK, "doomed")
	wantErr(t, "Channel of a deleted channel", err, plaza.ErrNotFound)
	err = s.Update(ctx, func(tx plaza.Tx) error {
		_, err := tx.ChannelForUpdate(ctx, c.PK, "doomed")
		return err
	})
	wantErr(t, "ChannelForUpdate of a deleted channel", err, plaza.ErrNotFound)
	for seq := range int64(3) {
		_, err = s.Message(ctx, doomed.PK, seq, owner.PK)
		wantErr(t, fmt.Sprintf("Message %d of a deleted channel", seq), err, plaza.ErrNotFound)
	}
	diff(t, "History of a deleted channel", []plaza.Message{}, history(doomed))
	diff(t, "History forward of a deleted channel", []plaza.Message{},
		must(s.History(ctx, doomed.PK, lst.PK, 0, true, 100))(t, "History"))
	diff(t, "Messages of a deleted channel", []plaza.Message{},
		must(s.Messages(ctx, doomed.PK, []int64{1, 2}, owner.PK))(t, "Messages"))
	_, err = s.MessageByClientID(ctx, doomed.PK, owner.PK, "client-1")
	wantErr(t, "MessageByClientID in a deleted channel", err, plaza.ErrNotFound)
	diff(t, "Replies in a deleted channel", []plaza.Message{},
		must(s.Replies(ctx, doomed.PK, 1, owner.PK, plaza.Cursor{}, 100))(t, "Replies"))
	diff(t, "Reactions in a deleted channel", []plaza.Reaction{},
		must(s.Reactions(ctx, doomed.PK, 1, owner.PK))(t, "Reactions"))
	users, _, err := s.ReactionUsers(ctx, doomed.PK, 1, "👍", plaza.Cursor{}, 100)
	if err != nil {
		t.Fatalf("ReactionUsers: %v", err)
	}
	diff(t, "ReactionUsers in a deleted channel", []plaza.UserInfo{}, users)
	checkListed(t, s, "after the channel was deleted", doomed, map[plaza.User]bool{lst: false})
	diff(t, "UserPrivateChannels after a channel was deleted", map[string][]string{"c": {"kept"}, "d": {"doomed"}},
		privateChannels(t, s, lst))
	diff(t, "ChannelConversations after a channel was deleted", keptConversations, conversations(t, s, c.PK, lst.PK))
	diff(t, "Conversations after a channel was deleted", withoutChannels(everyConversation, doomed), allConversations(t, s, lst))
	_, err = s.Conversation(ctx, lst.PK, doomed.PK)
	wantErr(t, "Conversation in a deleted channel", err, plaza.ErrNotFound)
	diff(t, "Mentions in a deleted channel", map[int64][]plaza.MentionedInfo{}, mentions(doomed))
	diff(t, "Mentions in a kept channel after another was deleted", keptMentions, mentions(kept))
	diff(t, "UnreadByCommunity after a channel was deleted",
		[]plaza.CommunityUnread{{CommunityID: "c", NotificationStatus: plaza.Notify, Unread: 1}, {CommunityID: "d", NotificationStatus: plaza.Notify, Unread: 1}},
		unreadOf(t, s, lst))
	update(t, s, func(tx plaza.Tx) error {
		if n := must(tx.CountPinned(ctx, lst.PK))(t, "CountPinned"); n != 2 {
			t.Errorf("CountPinned after one of three pinned channels was deleted = %d, want 2", n)
		}
		return nil
	})
	// A member's mute in the channel goes with it: a channel mute names its
	// channel, and there is none left to name.
	diff(t, "lst's mutes in c after a channel was deleted",
		[]plaza.MemberMute{{ChannelID: "kept", ChannelPK: kept.PK, MuteExpiredTime: plaza.PermanentMute}}, lstMutes(c))

	// Its ID is recorded as dismissed, in its community only.
	if !must(s.ChannelDismissed(ctx, c.PK, "doomed"))(t, "ChannelDismissed") {
		t.Errorf("ChannelDismissed of a deleted channel = false, want true")
	}
	if must(s.ChannelDismissed(ctx, d.PK, "doomed"))(t, "ChannelDismissed") {
		t.Errorf("ChannelDismissed of the same ID in another community = true, want false")
	}
	if must(s.ChannelDismissed(ctx, c.PK, "kept"))(t, "ChannelDismissed") {
		t.Errorf("ChannelDismissed of a channel that was not deleted = true, want false")
	}
	update(t, s, func(tx plaza.Tx) error {
		if !must(tx.ChannelDismissed(ctx, c.PK, "doomed"))(t, "tx.ChannelDismissed") {
			t.Errorf("ChannelDismissed of a deleted channel, read in a transaction = false, want true")
		}
		return nil
	})

	// Other channels are untouched.
	diff(t, "the kept channel", kept, readChannel(t, s, c.PK, "kept"))
	diff(t, "the channel of another community with the same ID", twin, readChannel(t, s, d.PK, "doomed"))
	diffRead(t, "History of the kept channel", keptHistory, history(kept))
	diffRead(t, "History of the channel with the same ID in another community", twinHistory, history(twin))
	checkListed(t, s, "the kept channel", kept, map[plaza.User]bool{lst: true})
	checkListed(t, s, "the channel with the same ID in another community", twin, map[plaza.User]bool{lst: true})

	diff(t, "lst's mutes in another community after a channel was deleted",
		[]plaza.MemberMute{{ChannelID: "doomed", ChannelPK: twin.PK, MuteExpiredTime: plaza.PermanentMute}}, lstMutes(d))

	// A dismissed community takes its channels' listings, conversations and
	// mutes with it: at once, and once its rows are purged.
	update(t, s, func(tx plaza.Tx) error { return tx.DismissCommunity(ctx, d, t0+6000) })
	for _, when := range []string{"dismissed", "purged"} {
		if when == "purged" {
			purge(t, s, d.PK)
		}
		diff(t, "UserPrivateChannels after a community was "+when, map[string][]string{"c": {"kept"}},
			privateChannels(t, s, lst))
		diff(t, "Conversations after a community was "+when, withoutChannels(everyConversation, doomed, twin), allConversations(t, s, lst))
		diff(t, "UnreadByCommunity after a community was "+when,
			[]plaza.CommunityUnread{{CommunityID: "c", NotificationStatus: plaza.Notify, Unread: 1}}, unreadOf(t, s, lst))
		diff(t, "UserMutes after a community was "+when,
			map[int64][]plaza.MemberMute{c.PK: {{ChannelID: "kept", ChannelPK: kept.PK, MuteExpiredTime: plaza.PermanentMute}}},
			userMutes(t, s, lst))
		update(t, s, func(tx plaza.Tx) error {
			if n := must(tx.CountPinned(ctx, lst.PK))(t, "CountPinned"); n != 1 {
				t.Errorf("CountPinned after a community was %s = %d, want 1", when, n)
			}
			return nil
		})
		if must(s.ChannelDismissed(ctx, c.PK, "kept"))(t, "ChannelDismissed") {
			t.Errorf("ChannelDismissed of a channel of a kept community after another community was %s = true", when)
		}
	}
	checkListed(t, s, "the channel of a purged community", twin, map[plaza.User]bool{lst: false})
}

// testNewChannelAfterDelete checks that nothing of a deleted channel shows in
// a channel made after it, whatever key the new one gets.
func testNewChannelAfterDelete(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "owner", "listed")
	owner, lst := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	ml := addMember(t, s, c, lst, plaza.RoleAdmin) // sees every private channel, listed or not
	old := listIn(t, s, addChannelOf(t, s, c, "old", plaza.ChannelPrivate), lst)
	for i := range 3 {
		m := text(fmt.Sprint("old ", i))
		m.ClientMessageID = fmt.Sprint("client-", i)
		react(t, s, send(t, s, old, owner, m), "👍", lst)
	}
	hide(t, s, lst, old, 1)
	setReadSeq(t, s, lst, old, 3)
	update(t, s, func(tx plaza.Tx) error {
		for seq := range int64(3) {
			if err := tx.InsertMentions(ctx, old.PK, seq+1, []int64{lst.PK}, true); err != nil {
				return err
			}
		}
		st := plaza.ConversationState{NotificationStatus: plaza.Notify, Draft: "old draft", PinnedTime: t0 + 1}
		if err := tx.SetConversationState(ctx, lst.PK, old.PK, st); err != nil {
			return err
		}
		return tx.SetMemberMute(ctx, c.PK, lst.PK, old.PK, plaza.PermanentMute)
	})
	old = readChannel(t, s, c.PK, "old")
	update(t, s, func(tx plaza.Tx) error { return tx.DeleteChannel(ctx, old, t0) })

	fresh := addChannelOf(t, s, c, "fresh", plaza.ChannelPrivate)
	diff(t, "a channel made after another was deleted", fresh, readChannel(t, s, c.PK, "fresh"))
	checkListed(t, s, "a channel made after another was deleted", fresh, map[plaza.User]bool{lst: false, owner: false})
	diff(t, "ChannelConversations with a channel made after another was deleted",
		[]plaza.ChannelConversation{conversation(ml, fresh, 0, nil)}, conversations(t, s, c.PK, lst.PK))
	diff(t, "Conversations with a channel made after another was deleted",
		[]plaza.ChannelConversation{conversation(ml, fresh, 0, nil)}, allConversations(t, s, lst))
	diff(t, "UnreadByCommunity with a channel made after another was deleted",
		[]plaza.CommunityUnread{{CommunityID: "c", NotificationStatus: plaza.Notify}}, unreadOf(t, s, lst))
	update(t, s, func(tx plaza.Tx) error {
		if n := must(tx.CountPinned(ctx, lst.PK))(t, "CountPinned"); n != 0 {
			t.Errorf("CountPinned with a channel made after a pinned one was deleted = %d, want 0", n)
		}
		return nil
	})
	for _, mu := range must(s.Member(ctx, c.PK, lst.UserID))(t, "Member").Mutes {
		if mu.ChannelPK == fresh.PK || mu.ChannelPK == 0 {
			t.Errorf("lst's mute in a deleted channel applies to the channel made after it: %+v", mu)
		}
	}
	_, err := s.MessageByClientID(ctx, fresh.PK, owner.PK, "client-0")
	wantErr(t, "MessageByClientID of a deleted channel's client ID in a new channel", err, plaza.ErrNotFound)

	m := sendText(t, s, fresh, owner, "new")
	if m.MessageSeq != 1 {
		t.Errorf("first seq of a channel made after another was deleted = %d, want 1", m.MessageSeq)
	}
	diffRead(t, "History of a channel made after another was deleted, read by a user who hid a message of the deleted one",
		[]plaza.Message{m}, must(s.History(ctx, fresh.PK, lst.PK, 0, false, 10))(t, "History"))
	diff(t, "Reactions of a channel made after another was deleted", []plaza.Reaction{},
		must(s.Reactions(ctx, fresh.PK, 1, lst.PK))(t, "Reactions"))
	sendN(t, s, fresh, owner, 2)
	diff(t, "Mentions in a channel made after another was deleted, of seqs mentioned there", map[int64][]plaza.MentionedInfo{},
		mentionsOf(t, s, lst, plaza.ReadPosition{ChannelPK: fresh.PK}))
}

func testChannelMembership(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "v", "never")
	u, v, never := us[0], us[1], us[2]
	c := addCommunity(t, s, appA, "c")
	p := addChannelOf(t, s, c, "p", plaza.ChannelPrivate)
	q := addChannelOf(t, s, c, "q", plaza.ChannelPrivate)
	step := func(what string, op func(tx plaza.Tx) (bool, error), want bool) {
		t.Helper()
		var got bool
		update(t, s, func(tx plaza.Tx) error {
			var err error
			got, err = op(tx)
			return err
		})
		if got != want {
			t.Errorf("%s = %t, want %t", what, got, want)
		}
	}
	add := func(ch plaza.Channel, u plaza.User) func(tx plaza.Tx) (bool, error) {
		return func(tx plaza.Tx) (bool, error) { return tx.AddChannelMember(ctx, ch.PK, u.PK, t0) }
	}
	remove := func(ch plaza.Channel, u plaza.User) func(tx plaza.Tx) (bool, error) {
		return func(tx plaza.Tx) (bool, error) { return tx.RemoveChannelMember(ctx, ch.PK, u.PK) }
	}

	checkListed(t, s, "before any listing", p, map[plaza.User]bool{u: false, v: false})
	step("AddChannelMember(p, u)", add(p, u), true)
	checkListed(t, s, "after u was listed in p", p, map[plaza.User]bool{u: true, v: false, never: false})
	checkListed(t, s, "after u was listed in p", q, map[plaza.User]bool{u: false})
	step("AddChannelMember(p, u) of a listed user", add(p, u), false)
	step("AddChannelMember(q, u), another channel", add(q, u), true)
	step("AddChannelMember(p, v), another user", add(p, v), true)
	checkListed(t, s, "after three listings", p, map[plaza.User]bool{u: true, v: true, never: false})
	checkListed(t, s, "after three listings", q, map[plaza.User]bool{u: true, v: false})

	step("RemoveChannelMember(p, u)", remove(p, u), true)
	checkListed(t, s, "after u was unlisted from p", p, map[plaza.User]bool{u: false, v: true})
	checkListed(t, s, "after u was unlisted from p", q, map[plaza.User]bool{u: true})
	step("RemoveChannelMember(p, u) of an unlisted user", remove(p, u), false)
	step("RemoveChannelMember(p, never) of a user never listed", remove(p, never), false)
	step("AddChannelMember(p, u) after an unlisting", add(p, u), true)
	checkListed(t, s, "after u was listed again", p, map[plaza.User]bool{u: true, v: true})

	// Service keeps MemberCount itself, with UpdateChannel: listing and
	// unlisting do not change it.
	diff(t, "Channel p after listings", p, readChannel(t, s, c.PK, "p"))
	diff(t, "Channel q after listings", q, readChannel(t, s, c.PK, "q"))
}

// testRemoveChannelMemberForgetsState checks that unlisting a user from a
// private channel drops its conversation there: read position and settings.
// Listed again, it starts afresh.
func testRemoveChannelMemberForgetsState(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "owner", "admin", "u", "v")
	owner, admin, u, v := us[0], us[1], us[2], us[3]
	c := addCommunity(t, s, appA, "c")
	addMember(t, s, c, owner, plaza.RoleOwner)
	ma := addMember(t, s, c, admin, plaza.RoleAdmin)
	mu := addMember(t, s, c, u, plaza.RoleMember)
	addMember(t, s, c, v, plaza.RoleMember)
	p := listIn(t, s, addChannelOf(t, s, c, "p", plaza.ChannelPrivate), admin, u, v)
	q := listIn(t, s, addChannelOf(t, s, c, "q", plaza.ChannelPrivate), u)
	pub := addChannel(t, s, c, "pub")
	sendN(t, s, p, owner, 4)
	sendN(t, s, q, owner, 2)
	sendN(t, s, pub, owner, 1)
	for i, ch := range []plaza.Channel{p, q, pub} {
		for _, x := range []plaza.User{admin, u, v} {
			if x == v && ch.PK == q.PK {
				continue // v does not see q
			}
			setReadSeq(t, s, x, ch, 1)
			st := plaza.ConversationState{NotificationStatus: plaza.Notify, Draft: "draft of " + x.UserID, PinnedTime: t0 + int64(i) + 1}
			update(t, s, func(tx plaza.Tx) error { return tx.SetConversationState(ctx, x.PK, ch.PK, st) })
		}
	}
	conversationOf := func(x plaza.User, ch plaza.Channel) plaza.ChannelConversation {
		t.Helper()
		return must(s.Conversation(ctx, x.PK, ch.PK))(t, "Conversation("+x.UserID+", "+ch.ChannelID+")")
	}
	pinned := func(x plaza.User) int {
		t.Helper()
		var n int
		update(t, s, func(tx plaza.Tx) error {
			n = must(tx.CountPinned(ctx, x.PK))(t, "CountPinned")
			return nil
		})
		return n
	}
	vp, uq, upub := conversationOf(v, p), conversationOf(u, q), conversationOf(u, pub)
	diff(t, "UnreadByCommunity of u before the unlisting",
		[]plaza.CommunityUnread{{CommunityID: "c", NotificationStatus: plaza.Notify, Unread: 3 + 1}}, unreadOf(t, s, u))

	for _, x := range []plaza.User{u, admin} {
		update(t, s, func(tx plaza.Tx) error {
			removed, err := tx.RemoveChannelMember(ctx, p.PK, x.PK)
			if err == nil && !removed {
				t.Errorf("RemoveChannelMember(p, %s) = false for a listed user", x.UserID)
			}
			return err
		})
	}
	_, err := s.Conversation(ctx, u.PK, p.PK)
	wantErr(t, "Conversation of a member unlisted from a private channel", err, plaza.ErrNotFound)
	p = readChannel(t, s, c.PK, "p")
	last := must(s.Message(ctx, p.PK, 4, 0))(t, "Message")
	last.CommunityID, last.ChannelID = c.CommunityID, p.ChannelID // the store names them in a conversation
	diff(t, "Conversation(admin, p) of an admin unlisted from p, who still sees it",
		conversation(ma, p, 0, &last), conversationOf(admin, p))
	diff(t, "UnreadByCommunity of u after the unlisting",
		[]plaza.CommunityUnread{{CommunityID: "c", NotificationStatus: plaza.Notify, Unread: 1}}, unreadOf(t, s, u))
	if n := pinned(u); n != 2 {
		t.Errorf("CountPinned(u) after u was unlisted from one of its 3 pinned channels = %d, want 2", n)
	}
	if n := pinned(admin); n != 2 {
		t.Errorf("CountPinned(admin) after admin was unlisted from one of its 3 pinned channels = %d, want 2", n)
	}

	listIn(t, s, p, u)
	diff(t, "Conversation(u, p) listed again", conversation(mu, p, 0, &last), conversationOf(u, p))
	diff(t, "Conversation(v, p) of a user still listed", vp, conversationOf(v, p))
	diff(t, "Conversation(u, q) of another channel", uq, conversationOf(u, q))
	diff(t, "Conversation(u, pub) of a public channel", upub, conversationOf(u, pub))
	if n := pinned(v); n != 2 {
		t.Errorf("CountPinned(v) = %d, want 2", n)
	}
}

func testUserPrivateChannels(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "v", "lonely")
	u, v, lonely := us[0], us[1], us[2]
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	addCommunity(t, s, appA, "e")
	other := addCommunity(t, s, appB, "c") // the same community ID in another app
	p1 := listIn(t, s, addChannelOf(t, s, c, "p1", plaza.ChannelPrivate), u, v)
	addChannel(t, s, c, "pub")
	p2 := listIn(t, s, addChannelOf(t, s, c, "p2", plaza.ChannelPrivate), u)
	listIn(t, s, addChannelOf(t, s, c, "p3", plaza.ChannelPrivate), v)
	q1 := listIn(t, s, addChannelOf(t, s, d, "q1", plaza.ChannelPrivate), u)
	listIn(t, s, addChannelOf(t, s, other, "x", plaza.ChannelPrivate), addUser(t, s, appB, "u"))

	diff(t, "UserPrivateChannels(u)", map[string][]string{"c": {"p1", "p2"}, "d": {"q1"}}, privateChannels(t, s, u))
	diff(t, "UserPrivateChannels(v)", map[string][]string{"c": {"p1", "p3"}}, privateChannels(t, s, v))
	diff(t, "UserPrivateChannels of a user in none", map[string][]string{}, privateChannels(t, s, lonely))

	update(t, s, func(tx plaza.Tx) error {
		if _, err := tx.RemoveChannelMember(ctx, p2.PK, u.PK); err != nil {
			return err
		}
		_, err := tx.RemoveChannelMember(ctx, q1.PK, u.PK)
		return err
	})
	diff(t, "UserPrivateChannels(u) after two unlistings", map[string][]string{"c": {"p1"}}, privateChannels(t, s, u))
	diff(t, "UserPrivateChannels(v) after u's unlistings", map[string][]string{"c": {"p1", "p3"}}, privateChannels(t, s, v))
	checkListed(t, s, "after u's unlistings", p1, map[plaza.User]bool{u: true, v: true})
}

func testChannelMemberListOrder(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	p := addChannelOf(t, s, c, "p", plaza.ChannelPrivate)
	q := addChannelOf(t, s, c, "q", plaza.ChannelPrivate)
	empty := addChannelOf(t, s, c, "empty", plaza.ChannelPrivate)
	dp := addChannelOf(t, s, d, "p", plaza.ChannelPrivate)
	// Roles and listings interleaved by entry, so that neither the order of
	// entry nor the order of listing is the order by role.
	entries := []struct {
		role plaza.Role
		inP  bool
	}{
		{plaza.RoleMember, true}, {plaza.RoleAdmin, false}, {plaza.RoleMember, false}, {plaza.RoleMember, true},
		{plaza.RoleOwner, false}, {plaza.RoleAdmin, true}, {plaza.RoleMember, true}, {plaza.RoleMember, false},
		{plaza.RoleAdmin, false}, {plaza.RoleMember, true}, {plaza.RoleMember, true},
	}
	var inP, inQ []plaza.User
	for i, e := range entries {
		u := addUser(t, s, appA, fmt.Sprintf("u%02d", i))
		addMember(t, s, c, u, e.role)
		if i%4 == 0 {
			addMember(t, s, d, u, plaza.RoleAdmin) // another community's rows in between
		}
		switch {
		case e.inP:
			inP = append(inP, u)
		case e.role == plaza.RoleMember:
			inQ = append(inQ, u)
		}
	}
	// Listed in reverse order of entry, some after being promoted.
	slices.Reverse(inP)
	listIn(t, s, p, inP...)
	listIn(t, s, q, inQ...)
	addMember(t, s, d, inP[0], plaza.RoleMember)
	listIn(t, s, dp, inP[0])

	// A listed member promoted to admin is listed once, as an admin.
	promoted := must(s.Member(ctx, c.PK, inP[0].UserID))(t, "Member")
	promoted.MemberRole = plaza.RoleAdmin
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateMember(ctx, promoted) })

	all := must(s.MemberList(ctx, c.PK, plaza.Cursor{}, 100))(t, "MemberList")
	sees := func(listed []plaza.User) []plaza.Member {
		var out []plaza.Member
		for _, m := range all {
			if m.MemberRole != plaza.RoleMember || slices.ContainsFunc(listed, func(u plaza.User) bool { return u.PK == m.UserPK }) {
				out = append(out, m)
			}
		}
		return out
	}
	userIDs := func(ms []plaza.Member) []string {
		out := make([]string, len(ms))
		for i, m := range ms {
			out[i] = m.UserID
		}
		return out
	}
	for _, tc := range []struct {
		ch   plaza.Channel
		want []plaza.Member
	}{
		{p, sees(inP)},
		{q, sees(inQ)},
		{empty, sees(nil)},
	} {
		diff(t, "ChannelMemberList("+tc.ch.ChannelID+") in one page", tc.want,
			must(s.ChannelMemberList(ctx, c.PK, tc.ch.PK, plaza.Cursor{}, 100))(t, "ChannelMemberList"))
		for limit := 1; limit <= len(tc.want)+1; limit++ {
			got := pageAll(t, "ChannelMemberList", limit, len(tc.want),
				func(after plaza.Cursor, limit int) ([]plaza.Member, error) {
					return s.ChannelMemberList(ctx, c.PK, tc.ch.PK, after, limit)
				},
				func(m plaza.Member) plaza.Cursor { return plaza.Cursor{K1: int64(m.MemberRole), K2: m.PK} })
			diff(t, fmt.Sprintf("ChannelMemberList(%s) paged by %d", tc.ch.ChannelID, limit), userIDs(tc.want), userIDs(got))
		}
	}
	dm := must(s.MemberList(ctx, d.PK, plaza.Cursor{}, 100))(t, "MemberList(d)")
	var dwant []plaza.Member
	for _, m := range dm {
		if m.MemberRole != plaza.RoleMember || m.UserPK == inP[0].PK {
			dwant = append(dwant, m)
		}
	}
	diff(t, "ChannelMemberList of another community's channel", dwant,
		must(s.ChannelMemberList(ctx, d.PK, dp.PK, plaza.Cursor{}, 100))(t, "ChannelMemberList(d)"))
}

// testDeleteMembersForgetsStates checks that a member who leaves a
// community (DeleteMembers) leaves its private channels there and loses its
// read positions, notification settings, drafts and pins there, and keeps
// those of other communities and other users': entering again
// (InsertMember) starts from nothing.
func testDeleteMembersForgetsStates(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "owner", "u", "v")
	owner, u, v := us[0], us[1], us[2]
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	addMember(t, s, c, owner, plaza.RoleOwner)
	addMember(t, s, c, u, plaza.RoleAdmin) // sees every channel of c: its read positions in p1, p2 and p3 show
	addMember(t, s, c, v, plaza.RoleMember)
	addMember(t, s, d, owner, plaza.RoleOwner)
	addMember(t, s, d, u, plaza.RoleMember)
	general := addChannelOf(t, s, c, plaza.GeneralChannelID, plaza.ChannelGeneral)
	pub := addChannel(t, s, c, "pub")
	p1 := listIn(t, s, addChannelOf(t, s, c, "p1", plaza.ChannelPrivate), u, v)
	p2 := listIn(t, s, addChannelOf(t, s, c, "p2", plaza.ChannelPrivate), u)
	p3 := listIn(t, s, addChannelOf(t, s, c, "p3", plaza.ChannelPrivate), v)
	q := listIn(t, s, addChannelOf(t, s, d, "q", plaza.ChannelPrivate), u)
	dpub := addChannel(t, s, d, "dpub")
	sendN(t, s, general, owner, 3)
	sendN(t, s, pub, owner, 1)
	sendN(t, s, p1, owner, 2)
	sendN(t, s, p2, owner, 1)
	sendN(t, s, q, owner, 2)
	sendN(t, s, dpub, owner, 1)
	for _, r := range []struct {
		u   plaza.User
		ch  plaza.Channel
		seq int64
	}{{u, general, 2}, {u, pub, 1}, {u, p1, 1}, {u, p2, 1}, {u, q, 1}, {u, dpub, 1}, {v, general, 3}, {v, p1, 2}} {
		setReadSeq(t, s, r.u, r.ch, r.seq)
	}
	// u's settings go with its read positions; v's stay.
	for _, ch := range []plaza.Channel{general, p1, q} {
		update(t, s, func(tx plaza.Tx) error {
			st := plaza.ConversationState{NotificationStatus: plaza.Notify, Draft: "draft", PinnedTime: t0 + ch.PK}
			if err := tx.SetConversationState(ctx, u.PK, ch.PK, st); err != nil {
				return err
			}
			return tx.SetConversationState(ctx, v.PK, ch.PK, st)
		})
	}
	vReads := readSeqs(t, s, c.PK, v)
	vConversations := conversations(t, s, c.PK, v.PK)
	dConversations := conversations(t, s, d.PK, u.PK)
	dReads := readSeqs(t, s, d.PK, u)
	if dConversations[0].Draft != "draft" {
		t.Fatalf("the suite's setup: u's draft in q = %q", dConversations[0].Draft)
	}

	leaveAndEnter := func() {
		t.Helper()
		leave(t, s, c, u)
		addMember(t, s, c, u, plaza.RoleAdmin)
	}
	leaveAndEnter()
	check := func(when string) {
		t.Helper()
		checkListed(t, s, when, p1, map[plaza.User]bool{u: false, v: true})
		checkListed(t, s, when, p2, map[plaza.User]bool{u: false})
		checkListed(t, s, when, p3, map[plaza.User]bool{v: true})
		checkListed(t, s, when+", in another community", q, map[plaza.User]bool{u: true})
		diff(t, "UserPrivateChannels(u) "+when, map[string][]string{"d": {"q"}}, privateChannels(t, s, u))
		diff(t, "UserPrivateChannels(v) "+when, map[string][]string{"c": {"p1", "p3"}}, privateChannels(t, s, v))
		// The channels u was listed in count one member less.
		for _, want := range []struct {
			ch plaza.Channel
			n  int64
		}{{p1, 1}, {p2, 0}, {p3, 1}, {q, 1}} {
			if got := readChannel(t, s, want.ch.CommunityPK, want.ch.ChannelID).MemberCount; got != want.n {
				t.Errorf("MemberCount of %s %s = %d, want %d", want.ch.ChannelID, when, got, want.n)
			}
		}
		diff(t, "u's read positions in c "+when, map[string]int64{plaza.GeneralChannelID: 0, "pub": 0, "p1": 0, "p2": 0, "p3": 0},
			readSeqs(t, s, c.PK, u))
		diff(t, "v's read positions in c "+when, vReads, readSeqs(t, s, c.PK, v))
		diff(t, "u's read positions in another community "+when, dReads, readSeqs(t, s, d.PK, u))
		for _, cv := range conversations(t, s, c.PK, u.PK) {
			if cv.NotificationStatus != plaza.DoNotDisturb || cv.Draft != "" || cv.IsPinned {
				t.Errorf("u's conversation in %s %s: status %d, draft %q, pinned %t; want the defaults", cv.ChannelID, when,
					cv.NotificationStatus, cv.Draft, cv.IsPinned)
			}
		}
		diff(t, "v's conversations in c "+when, vConversations, conversations(t, s, c.PK, v.PK))
		diff(t, "u's conversations in another community "+when, dConversations, conversations(t, s, d.PK, u.PK))
		update(t, s, func(tx plaza.Tx) error {
			if n := must(tx.CountPinned(ctx, u.PK))(t, "CountPinned"); n != 1 {
				t.Errorf("CountPinned of u %s = %d, want 1 (q, in another community)", when, n)
			}
			return nil
		})
	}
	check("after u left c and entered again")

	// Leaving again changes nothing more: u is in no private channel of c now.
	leaveAndEnter()
	check("after u left c and entered again, twice")
}

func testSetReadSeq(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "v")
	u, v := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	mu := addMember(t, s, c, u, plaza.RoleMember)
	addMember(t, s, c, v, plaza.RoleMember)
	room := addChannel(t, s, c, "room")
	other := addChannel(t, s, c, "other")
	sendN(t, s, room, v, 5)
	sendN(t, s, other, v, 2)
	room = readChannel(t, s, c.PK, "room")
	other = readChannel(t, s, c.PK, "other")
	var otherState plaza.ConversationState // u's settings of other
	check := func(what string, wantRoom, wantOther int64) {
		t.Helper()
		want := []plaza.ChannelConversation{conversation(mu, room, wantRoom, nil), conversation(mu, other, wantOther, nil)}
		if otherState != (plaza.ConversationState{}) {
			want[1] = withState(want[1], otherState)
		}
		diff(t, "ChannelConversations of u "+what, want, withoutLastMessages(conversations(t, s, c.PK, u.PK)))
	}
	check("before any read", 0, 0)
	for _, step := range []struct {
		what     string
		seq      int64
		wantRoom int64
	}{
		{"to 3", 3, 3},
		{"back to 2", 2, 3},
		{"to 3 again", 3, 3},
		{"to 5", 5, 5},
		{"back to 0", 0, 5},
		{"back to 1", 1, 5},
	} {
		setReadSeq(t, s, u, room, step.seq)
		check("after SetReadSeq(room) "+step.what, step.wantRoom, 0)
		diff(t, "v's read positions after u's SetReadSeq(room) "+step.what, map[string]int64{"room": 0, "other": 0},
			readSeqs(t, s, c.PK, v))
	}
	// SetReadSeq keeps the conversation's settings.
	otherState = plaza.ConversationState{NotificationStatus: plaza.Notify, Draft: "draft", PinnedTime: t0 + 1}
	update(t, s, func(tx plaza.Tx) error { return tx.SetConversationState(ctx, u.PK, other.PK, otherState) })
	check("after SetConversationState(other)", 5, 0)

	// A position past the last seq counts nothing unread, until messages
	// pass it.
	setReadSeq(t, s, u, other, 7)
	check("after SetReadSeq(other) past its last seq", 5, 7)
	sendN(t, s, other, v, 5)
	other = readChannel(t, s, c.PK, "other")
	check("after other caught up with u's position", 5, 7)
	sendN(t, s, other, v, 2)
	other = readChannel(t, s, c.PK, "other")
	check("after other passed u's position", 5, 7)
	if n := conversations(t, s, c.PK, u.PK)[1].UnreadMessageCount; n != 2 {
		t.Errorf("UnreadMessageCount of other, read to 7 of 9 = %d, want 2", n)
	}
}

// withoutLastMessages clears the last messages of conversations, for tests
// about the other fields.
func withoutLastMessages(cs []plaza.ChannelConversation) []plaza.ChannelConversation {
	for i := range cs {
		cs[i].LastMessage = nil
	}
	return cs
}

// testInsertMembersStartsReading checks that a user who joins
// (InsertMembers) starts with a read position at the end of every channel
// it sees, whatever position it had there before, so that nothing is
// unread.
func testInsertMembersStartsReading(t *testing.T, s plaza.Store) {
	us := addUsers(t, s, appA, "u", "v")
	u, v := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	// u (once it joins) and v manage c: they see every channel of it, and
	// their read positions in them all.
	addMember(t, s, c, v, plaza.RoleOwner)
	addMember(t, s, d, u, plaza.RoleMember)
	general := addChannelOf(t, s, c, plaza.GeneralChannelID, plaza.ChannelGeneral)
	addChannel(t, s, c, "empty")
	priv := addChannelOf(t, s, c, "priv", plaza.ChannelPrivate) // u is not listed
	pub := addChannel(t, s, c, "pub")
	dch := addChannel(t, s, d, "dch")
	sendN(t, s, general, v, 3)
	sendN(t, s, priv, v, 2)
	sendN(t, s, pub, v, 4)
	sendN(t, s, dch, v, 2)
	setReadSeq(t, s, u, pub, 10)    // ahead of the last seq: joining sets it back
	setReadSeq(t, s, u, general, 1) // behind: joining moves it on
	setReadSeq(t, s, u, dch, 1)
	setReadSeq(t, s, v, general, 1)

	join(t, s, c, u, plaza.RoleAdmin)
	diff(t, "u's read positions after it joined",
		map[string]int64{plaza.GeneralChannelID: 3, "empty": 0, "priv": 2, "pub": 4}, readSeqs(t, s, c.PK, u))
	for _, cv := range conversations(t, s, c.PK, u.PK) {
		if cv.UnreadMessageCount != 0 {
			t.Errorf("UnreadMessageCount of %s after u joined = %d, want 0", cv.ChannelID, cv.UnreadMessageCount)
		}
	}
	diff(t, "u's read positions in another community", map[string]int64{"dch": 1}, readSeqs(t, s, d.PK, u))
	diff(t, "v's read positions", map[string]int64{plaza.GeneralChannelID: 1, "empty": 0, "priv": 0, "pub": 0},
		readSeqs(t, s, c.PK, v))

	// The positions are set once: later messages are unread.
	sendText(t, s, general, v, "after")
	sendText(t, s, general, v, "after")
	sendText(t, s, priv, v, "after") // u's position there is its joining's own
	cv := conversations(t, s, c.PK, u.PK)[0]
	if cv.ChannelID != plaza.GeneralChannelID || cv.ReadMessageSeq != 3 || cv.UnreadMessageCount != 2 {
		t.Errorf("u's GENERAL conversation after two more messages: %s read %d unread %d, want %s read 3 unread 2",
			cv.ChannelID, cv.ReadMessageSeq, cv.UnreadMessageCount, plaza.GeneralChannelID)
	}
	// The positions joining and SetReadSeq record leave the conversations
	// in do-not-disturb: nothing counts in the totals.
	diff(t, "UnreadByCommunity of u after it joined",
		[]plaza.CommunityUnread{{CommunityID: "c", NotificationStatus: plaza.Notify}, {CommunityID: "d", NotificationStatus: plaza.Notify}},
		unreadOf(t, s, u))

	// A community with no channel has nothing to set.
	bare := addCommunity(t, s, appA, "bare")
	join(t, s, bare, u, plaza.RoleMember)
	diff(t, "u's read positions in a community with no channel", map[string]int64{}, readSeqs(t, s, bare.PK, u))
}

func testChannelConversations(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "owner", "admin", "u", "v", "lone", "outsider")
	owner, admin, u, v, lone, outsider := us[0], us[1], us[2], us[3], us[4], us[5]
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	mo := addMember(t, s, c, owner, plaza.RoleOwner)
	ma := addMember(t, s, c, admin, plaza.RoleAdmin) // listed in no private channel
	mu := addMember(t, s, c, u, plaza.RoleMember)
	mv := addMember(t, s, c, v, plaza.RoleMember)
	ml := addMember(t, s, c, lone, plaza.RoleMember) // listed in no private channel
	mud := addMember(t, s, d, u, plaza.RoleAdmin)
	addMember(t, s, d, outsider, plaza.RoleOwner) // a member of d, not of c
	// Channels of c made in between d's, so that c's keys are not adjacent.
	general := addChannelOf(t, s, c, plaza.GeneralChannelID, plaza.ChannelGeneral)
	dgen := addChannelOf(t, s, d, plaza.GeneralChannelID, plaza.ChannelGeneral)
	pub := addChannel(t, s, c, "pub")
	p1 := listIn(t, s, addChannelOf(t, s, c, "p1", plaza.ChannelPrivate), u)
	dx := addChannel(t, s, d, "dx")
	p2 := listIn(t, s, addChannelOf(t, s, c, "p2", plaza.ChannelPrivate), v)
	quiet := addChannel(t, s, c, "quiet") // no message
	sendText(t, s, general, owner, "one")
	sendText(t, s, general, u, "two")
	last := text("three")
	last.ClientMessageID = "client-3"
	last.MentionedUserIDs = []string{"u"}
	last.ExtendedData = `{"x":1}`
	generalLast := send(t, s, general, v, last)
	pubLast := sendText(t, s, pub, owner, "pub")
	sendText(t, s, p1, u, "p1 one")
	p1Last := sendText(t, s, p1, owner, "p1 two")
	p2Last := sendText(t, s, p2, v, "p2")
	sendText(t, s, dgen, owner, "d")
	dgenLast := sendText(t, s, dgen, owner, "d")
	setReadSeq(t, s, u, general, 1)
	setReadSeq(t, s, u, p1, 2)
	setReadSeq(t, s, v, general, 3)
	read := func(ch plaza.Channel) plaza.Channel {
		t.Helper()
		return readChannel(t, s, ch.CommunityPK, ch.ChannelID)
	}
	general, pub, p1, p2, quiet = read(general), read(pub), read(p1), read(p2), read(quiet)

	// Members see the public channels and the private ones they are listed
	// in; the owner and admins see every channel.
	tests := []struct {
		name string
		user plaza.User
		want []plaza.ChannelConversation
	}{
		{"u, a member listed in p1", u, []plaza.ChannelConversation{
			conversation(mu, general, 1, &generalLast), conversation(mu, pub, 0, &pubLast), conversation(mu, p1, 2, &p1Last),
			conversation(mu, quiet, 0, nil),
		}},
		{"v, a member listed in p2", v, []plaza.ChannelConversation{
			conversation(mv, general, 3, &generalLast), conversation(mv, pub, 0, &pubLast), conversation(mv, p2, 0, &p2Last),
			conversation(mv, quiet, 0, nil),
		}},
		{"lone, a member listed nowhere", lone, []plaza.ChannelConversation{
			conversation(ml, general, 0, &generalLast), conversation(ml, pub, 0, &pubLast), conversation(ml, quiet, 0, nil),
		}},
		{"the owner, listed nowhere", owner, []plaza.ChannelConversation{
			conversation(mo, general, 0, &generalLast), conversation(mo, pub, 0, &pubLast), conversation(mo, p1, 0, &p1Last),
			conversation(mo, p2, 0, &p2Last), conversation(mo, quiet, 0, nil),
		}},
		{"an admin, listed nowhere", admin, []plaza.ChannelConversation{
			conversation(ma, general, 0, &generalLast), conversation(ma, pub, 0, &pubLast), conversation(ma, p1, 0, &p1Last),
			conversation(ma, p2, 0, &p2Last), conversation(ma, quiet, 0, nil),
		}},
		{"a user who is not a member", outsider, []plaza.ChannelConversation{}},
	}
	for _, tc := range tests {
		got := conversations(t, s, c.PK, tc.user.PK)
		diff(t, "ChannelConversations of "+tc.name, tc.want, got)
		for _, cv := range got {
			if cv.ChannelID == "quiet" && cv.LastMessage != nil {
				t.Errorf("ChannelConversations of %s: LastMessage of a channel without messages = %+v, want nil", tc.name, cv.LastMessage)
			}
		}
	}

	// Visibility follows the member's role as it is now.
	mu.MemberRole = plaza.RoleAdmin
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateMember(ctx, mu) })
	diff(t, "ChannelConversations of u promoted to admin", []plaza.ChannelConversation{
		conversation(mu, general, 1, &generalLast), conversation(mu, pub, 0, &pubLast), conversation(mu, p1, 2, &p1Last),
		conversation(mu, p2, 0, &p2Last), conversation(mu, quiet, 0, nil),
	}, conversations(t, s, c.PK, u.PK))
	mo.MemberRole = plaza.RoleMember
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateMember(ctx, mo) })
	diff(t, "ChannelConversations of the owner made a member", []plaza.ChannelConversation{
		conversation(mo, general, 0, &generalLast), conversation(mo, pub, 0, &pubLast), conversation(mo, quiet, 0, nil),
	}, conversations(t, s, c.PK, owner.PK))
	mu.MemberRole, mo.MemberRole = plaza.RoleMember, plaza.RoleOwner
	mu.NotificationStatus = plaza.DoNotDisturb // and the community's notification status follows the member's
	update(t, s, func(tx plaza.Tx) error {
		if err := tx.UpdateMember(ctx, mo); err != nil {
			return err
		}
		return tx.UpdateMember(ctx, mu)
	})
	diff(t, "ChannelConversations of u back to member, in do-not-disturb in c", []plaza.ChannelConversation{
		conversation(mu, general, 1, &generalLast), conversation(mu, pub, 0, &pubLast), conversation(mu, p1, 2, &p1Last),
		conversation(mu, quiet, 0, nil),
	}, conversations(t, s, c.PK, u.PK))

	// The conversation follows the channel and its newest message.
	renamed := general
	renamed.ChannelName, renamed.ChannelAvatarURL = "Renamed", "https://img.example/renamed.png"
	renamed.ChannelAttributes = map[string]string{"new": "attr"}
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateChannel(ctx, renamed) })
	revoked := generalLast
	revoked.MessageContent = plaza.MessageContent{Type: plaza.MessageRevoked}
	revoked.RevokeInfo = &plaza.RevokeInfo{OperatedUserID: "owner", RevokeTime: t0 + 9000, OriginalMessageType: plaza.MessageText}
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateMessage(ctx, revoked) })
	diff(t, "GENERAL conversation after the channel was renamed and its last message revoked",
		conversation(mu, renamed, 1, &revoked), conversations(t, s, c.PK, u.PK)[0])
	newest := sendAt(t, s, renamed, owner, "four", t0+70_000)
	renamed.LastMessageSeq, renamed.LastTime = 4, t0+70_000
	diff(t, "GENERAL conversation after a new message", conversation(mu, renamed, 1, &newest),
		conversations(t, s, c.PK, u.PK)[0])

	// It carries the channel's mute and the community's.
	renamed.MuteInfo = plaza.MuteInfo{Mode: plaza.MuteCustom, ExpiredTime: t0 + 80_000, Roles: []plaza.Role{plaza.RoleMember}}
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateChannel(ctx, renamed) })
	muted := c
	muted.MuteInfo = plaza.MuteInfo{Mode: plaza.MuteAll, ExpiredTime: plaza.PermanentMute}
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateCommunity(ctx, muted) })
	want := []plaza.ChannelConversation{
		conversation(mu, renamed, 1, &newest), conversation(mu, pub, 0, &pubLast), conversation(mu, p1, 2, &p1Last),
		conversation(mu, quiet, 0, nil),
	}
	for i := range want {
		want[i].CommunityMute = muted.MuteInfo
	}
	got := conversations(t, s, c.PK, u.PK)
	diff(t, "ChannelConversations in a muted community, with a muted channel", want, got)
	for _, cv := range got {
		checkMuteRoles(t, "ChannelMute of "+cv.ChannelID, cv.ChannelMute)
		checkMuteRoles(t, "CommunityMute of "+cv.ChannelID, cv.CommunityMute)
	}

	// Another community's conversations are its own.
	diff(t, "ChannelConversations of another community",
		[]plaza.ChannelConversation{conversation(mud, read(dgen), 0, &dgenLast), conversation(mud, dx, 0, nil)},
		conversations(t, s, d.PK, u.PK))
	bare := addCommunity(t, s, appA, "bare")
	addMember(t, s, bare, u, plaza.RoleOwner)
	diff(t, "ChannelConversations of a community without channels", []plaza.ChannelConversation{},
		conversations(t, s, bare.PK, u.PK))
}

func testChannelConversationsOrder(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "v", "admin")
	u, v, admin := us[0], us[1], us[2]
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	addMember(t, s, c, u, plaza.RoleMember)
	addMember(t, s, c, v, plaza.RoleMember)
	addMember(t, s, c, admin, plaza.RoleAdmin)
	addMember(t, s, d, u, plaza.RoleMember)
	var seen, all []string // what u sees; every channel of c
	for i := range 13 {
		id := fmt.Sprintf("ch%02d", (i*7)%13) // IDs out of creation order
		switch i % 3 {
		case 0:
			addChannel(t, s, c, id)
			seen = append(seen, id)
		case 1:
			ch := addChannelOf(t, s, c, id, plaza.ChannelPrivate)
			if i%2 == 1 {
				listIn(t, s, ch, u)
				seen = append(seen, id)
			} else {
				listIn(t, s, ch, v)
			}
		case 2:
			listIn(t, s, addChannelOf(t, s, c, id, plaza.ChannelPrivate), u, v)
			seen = append(seen, id)
		}
		all = append(all, id)
		if i%4 == 0 {
			addChannel(t, s, d, id) // another community's rows in between
		}
		if i%5 == 0 {
			sendAt(t, s, must(s.Channel(ctx, c.PK, id))(t, "Channel"), v, "hi", t0+int64(100-i)) // activity does not order this list
		}
	}
	for _, tc := range []struct {
		name   string
		viewer plaza.User
		want   []string
	}{{"a member", u, seen}, {"an admin", admin, all}} {
		diff(t, "ChannelConversations of "+tc.name+" in one page", tc.want, channelIDs(conversations(t, s, c.PK, tc.viewer.PK)))
		for limit := 1; limit <= len(tc.want)+1; limit++ {
			got := pageAll(t, "ChannelConversations", limit, len(tc.want),
				func(after plaza.Cursor, limit int) ([]plaza.ChannelConversation, error) {
					return s.ChannelConversations(ctx, c.PK, tc.viewer.PK, after, limit)
				},
				func(cv plaza.ChannelConversation) plaza.Cursor { return plaza.Cursor{K1: cv.PK} })
			diff(t, fmt.Sprintf("ChannelConversations of %s paged by %d", tc.name, limit), tc.want, channelIDs(got))
		}
	}
	// The key of each conversation is its channel's.
	for _, cv := range conversations(t, s, c.PK, admin.PK) {
		if ch := must(s.Channel(ctx, c.PK, cv.ChannelID))(t, "Channel"); ch.PK != cv.PK || ch.CommunityPK != cv.CommunityPK {
			t.Errorf("ChannelConversation %s has PK %d in community %d; its channel's is %d in %d", cv.ChannelID, cv.PK, cv.CommunityPK,
				ch.PK, ch.CommunityPK)
		}
	}
}

// testConcurrentChannelForUpdate checks that ChannelForUpdate locks the
// channel: each transaction reads the member count and writes it back one
// higher, and no increment is lost.
func testConcurrentChannelForUpdate(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	c := addCommunity(t, s, appA, "c")
	addChannelOf(t, s, c, "counter", plaza.ChannelPrivate)
	concurrently(t, s, func(tx plaza.Tx) error {
		ch, err := tx.ChannelForUpdate(ctx, c.PK, "counter")
		if err != nil {
			return err
		}
		time.Sleep(time.Millisecond) // widen the window a missing lock would leave
		ch.MemberCount++
		return tx.UpdateChannel(ctx, ch)
	})
	if got := readChannel(t, s, c.PK, "counter").MemberCount; got != concurrency {
		t.Errorf("MemberCount after %d concurrent increments = %d", concurrency, got)
	}
}
