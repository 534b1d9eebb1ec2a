package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/plazahq/plaza"
)

// reactionPreview is how many reactors a reaction summary names.
const reactionPreview = plaza.ReactionPreviewUsers

// msgID is the ID the suite gives the message of seq in a channel: unique
// across channels, as the snowflakes Service makes are.
func msgID(channelPK, seq int64) int64 { return 1<<40 + channelPK<<20 + seq }

// fill sets what Service sets on a message it stores as seq of ch. A message
// without a timestamp gets one derived from its seq.
func fill(m *plaza.Message, ch plaza.Channel, sender plaza.User, seq int64) {
	m.MessageSeq = seq
	m.ID = msgID(ch.PK, seq)
	m.MessageID = strconv.FormatInt(m.ID, 10)
	m.ChannelPK, m.CommunityID, m.ChannelID = ch.PK, ch.CommunityID, ch.ChannelID
	m.SenderPK, m.SenderUserID = sender.PK, sender.UserID
	if m.Timestamp == 0 {
		m.Timestamp = t0 + seq*1000
	}
	m.Reactions = []plaza.Reaction{}
}

// send stores m in ch as Service does, NextSeq then InsertMessage in one
// transaction, and returns it as the store must read it back. The message's
// Timestamp, when the caller sets one, is the channel's new activity time, as
// in Service; a message without one (fill derives it) records no activity,
// so that the channel keeps its last activity time.
func send(tb testing.TB, s plaza.Store, ch plaza.Channel, sender plaza.User, m plaza.Message) plaza.Message {
	tb.Helper()
	ctx := tb.Context()
	update(tb, s, func(tx plaza.Tx) error {
		seq, err := tx.NextSeq(ctx, ch.PK, m.Timestamp)
		if err != nil {
			return fmt.Errorf("NextSeq(%s): %w", ch.ChannelID, err)
		}
		fill(&m, ch, sender, seq)
		return tx.InsertMessage(ctx, &m)
	})
	return m
}

// text is a text message to send.
func text(body string) plaza.Message {
	return plaza.Message{MessageContent: plaza.MessageContent{Type: plaza.MessageText, Message: body}}
}

// sendText sends a text message.
func sendText(tb testing.TB, s plaza.Store, ch plaza.Channel, sender plaza.User, body string) plaza.Message {
	tb.Helper()
	return send(tb, s, ch, sender, text(body))
}

// sendAt sends a text message at a time, which becomes the channel's last
// activity unless it had a later one.
func sendAt(tb testing.TB, s plaza.Store, ch plaza.Channel, sender plaza.User, body string, at int64) plaza.Message {
	tb.Helper()
	m := text(body)
	m.Timestamp = at
	return send(tb, s, ch, sender, m)
}

// sendMentioning sends m as Service does when it mentions users or everyone:
// NextSeq, InsertMessage and InsertMentions in one transaction.
func sendMentioning(tb testing.TB, s plaza.Store, ch plaza.Channel, sender plaza.User, m plaza.Message, mentioned []plaza.User, all bool) plaza.Message {
	tb.Helper()
	ctx := tb.Context()
	pks := make([]int64, len(mentioned))
	for i, u := range mentioned {
		pks[i] = u.PK
		m.MentionedUserIDs = append(m.MentionedUserIDs, u.UserID)
	}
	m.IsMentionAll = all
	update(tb, s, func(tx plaza.Tx) error {
		seq, err := tx.NextSeq(ctx, ch.PK, m.Timestamp)
		if err != nil {
			return fmt.Errorf("NextSeq(%s): %w", ch.ChannelID, err)
		}
		fill(&m, ch, sender, seq)
		if err := tx.InsertMessage(ctx, &m); err != nil {
			return fmt.Errorf("InsertMessage: %w", err)
		}
		return tx.InsertMentions(ctx, ch.PK, seq, pks, all)
	})
	return m
}

// sendN sends n text messages.
func sendN(tb testing.TB, s plaza.Store, ch plaza.Channel, sender plaza.User, n int) {
	tb.Helper()
	for i := range n {
		sendText(tb, s, ch, sender, fmt.Sprint("message ", i+1))
	}
}

// replyTo is a text message answering to, in to's reply tree, as Service
// makes it.
func replyTo(to plaza.Message, body string) plaza.Message {
	root := to.MessageSeq
	if to.RepliedInfo != nil {
		root = to.RepliedInfo.RootMessageSeq
	}
	m := text(body)
	m.RepliedInfo = &plaza.RepliedInfo{MessageID: to.MessageID, MessageSeq: to.MessageSeq, SenderUserID: to.SenderUserID,
		SentTime: to.Timestamp, MessageType: to.Type, RootMessageSeq: root}
	return m
}

// react adds u's reaction to m in a transaction of its own; the reaction
// must be new.
func react(tb testing.TB, s plaza.Store, m plaza.Message, reactionType string, u plaza.User) {
	tb.Helper()
	update(tb, s, func(tx plaza.Tx) error {
		added, err := tx.AddReaction(tb.Context(), m.ChannelPK, m.MessageSeq, reactionType, u.PK, t0)
		if err != nil {
			return fmt.Errorf("AddReaction: %w", err)
		}
		if !added {
			return fmt.Errorf("AddReaction(%d, %s, %s) = false for a new reaction", m.MessageSeq, reactionType, u.UserID)
		}
		return nil
	})
}

// hide hides messages of ch for u, in a transaction of its own.
func hide(tb testing.TB, s plaza.Store, u plaza.User, ch plaza.Channel, seqs ...int64) {
	tb.Helper()
	update(tb, s, func(tx plaza.Tx) error { return tx.HideMessages(tb.Context(), u.PK, ch.PK, seqs) })
}

// seqsOf returns the seqs of messages, in order.
func seqsOf(ms []plaza.Message) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.MessageSeq
	}
	return out
}

// checkReactionsSet fails for a message read back with nil Reactions:
// Service returns messages as they are read, and JSON must show [] rather
// than null.
func checkReactionsSet(tb testing.TB, what string, ms ...plaza.Message) {
	tb.Helper()
	for _, m := range ms {
		if m.Reactions == nil {
			tb.Errorf("%s: message %d has nil Reactions; want an empty slice", what, m.MessageSeq)
		}
	}
}

// checkNonNil fails for a nil list: Service returns lists as they are read,
// and JSON must show [] rather than null.
func checkNonNil[T any](tb testing.TB, what string, list []T) {
	tb.Helper()
	if list == nil {
		tb.Errorf("%s returned a nil list; want an empty one", what)
	}
}

func testNextSeq(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	a := addChannel(t, s, c, "a")
	b := addChannel(t, s, c, "b")
	x := addChannel(t, s, d, "a") // the same ID in another community
	last := map[*plaza.Channel]int64{&a: 0, &b: 0, &x: 0}
	next := func(ch *plaza.Channel) {
		t.Helper()
		var seq int64
		update(t, s, func(tx plaza.Tx) error {
			var err error
			seq, err = tx.NextSeq(ctx, ch.PK, 0)
			return err
		})
		last[ch]++
		if seq != last[ch] {
			t.Errorf("NextSeq(%s/%s) = %d, want %d", ch.CommunityID, ch.ChannelID, seq, last[ch])
		}
		for other, want := range last {
			if got := readChannel(t, s, other.CommunityPK, other.ChannelID).LastMessageSeq; got != want {
				t.Errorf("LastMessageSeq of %s/%s = %d, want %d", other.CommunityID, other.ChannelID, got, want)
			}
		}
	}
	for _, ch := range []*plaza.Channel{&a, &a, &b, &a, &x, &b, &a} {
		next(ch)
	}

	// Two in one transaction follow each other, and the transaction reads
	// its own last seq.
	update(t, s, func(tx plaza.Tx) error {
		for _, want := range []int64{5, 6} {
			seq, err := tx.NextSeq(ctx, a.PK, 0)
			if err != nil {
				return err
			}
			if seq != want {
				t.Errorf("NextSeq(a) in a transaction = %d, want %d", seq, want)
			}
			if got := must(tx.Channel(ctx, c.PK, "a"))(t, "tx.Channel").LastMessageSeq; got != want {
				t.Errorf("LastMessageSeq of a read in the transaction after NextSeq = %d, want %d", got, want)
			}
		}
		return nil
	})
	if m := sendText(t, s, a, addUser(t, s, appA, "u"), "hi"); m.MessageSeq != 7 {
		t.Errorf("seq of a message after six NextSeq calls = %d, want 7", m.MessageSeq)
	}
	_, err := s.Message(ctx, a.PK, 7, 0)
	if err != nil {
		t.Errorf("Message(a, 7): %v", err)
	}
}

// testNextSeqActivity checks that NextSeq records its time as the channel's
// last activity, which never moves back.
func testNextSeqActivity(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	a := addChannel(t, s, c, "a")
	b := addChannel(t, s, c, "b")
	x := addChannel(t, s, d, "a") // the same ID in another community
	want := map[*plaza.Channel]int64{&a: t0, &b: t0, &x: t0}
	seqs := map[*plaza.Channel]int64{}
	for _, step := range []struct {
		ch   *plaza.Channel
		now  int64
		last int64
	}{
		{&a, t0 + 5000, t0 + 5000},
		{&a, t0 + 3000, t0 + 5000}, // earlier: no move back
		{&b, t0 + 4000, t0 + 4000},
		{&a, t0 + 5000, t0 + 5000},
		{&a, t0 + 5001, t0 + 5001},
		{&x, t0 - 1000, t0}, // before the channel's creation
		{&b, 0, t0 + 4000},  // no time: no move
		{&x, t0 + 9000, t0 + 9000},
	} {
		var seq int64
		update(t, s, func(tx plaza.Tx) error {
			var err error
			seq, err = tx.NextSeq(ctx, step.ch.PK, step.now)
			return err
		})
		seqs[step.ch]++
		want[step.ch] = step.last
		if seq != seqs[step.ch] {
			t.Errorf("NextSeq(%s/%s, %d) = %d, want %d", step.ch.CommunityID, step.ch.ChannelID, step.now, seq, seqs[step.ch])
		}
		for ch, w := range want {
			got := readChannel(t, s, ch.CommunityPK, ch.ChannelID)
			if got.LastTime != w || got.LastMessageSeq != seqs[ch] {
				t.Errorf("after NextSeq(%s/%s, %d): %s/%s has last seq %d, last activity %d; want %d, %d", step.ch.CommunityID,
					step.ch.ChannelID, step.now, ch.CommunityID, ch.ChannelID, got.LastMessageSeq, got.LastTime, seqs[ch], w)
			}
		}
	}

	// The transaction reads its own activity; a rolled-back one leaves none.
	err := s.Update(ctx, func(tx plaza.Tx) error {
		for _, now := range []int64{t0 + 7000, t0 + 6000} {
			if _, err := tx.NextSeq(ctx, a.PK, now); err != nil {
				return err
			}
			if got := must(tx.Channel(ctx, c.PK, "a"))(t, "tx.Channel").LastTime; got != t0+7000 {
				t.Errorf("LastTime of a read in the transaction after NextSeq(a, %d) = %d, want %d", now, got, t0+7000)
			}
		}
		if got := must(s.Channel(ctx, c.PK, "a"))(t, "Channel").LastTime; got != t0+5001 {
			t.Errorf("LastTime of a read outside the transaction before it commits = %d, want %d", got, t0+5001)
		}
		return errBoom
	})
	wantErr(t, "Update with NextSeq that rolled back", err, errBoom)
	if got := readChannel(t, s, c.PK, "a"); got.LastTime != t0+5001 || got.LastMessageSeq != 4 {
		t.Errorf("a after a rolled-back NextSeq: last seq %d, last activity %d; want 4, %d", got.LastMessageSeq, got.LastTime, t0+5001)
	}
}

// testConcurrentNextSeq checks that concurrent sends to one channel get the
// seqs 1 to N, each once: no gap and no duplicate, also when some of the
// sending transactions roll back after taking a seq.
func testConcurrentNextSeq(t *testing.T, s plaza.Store) {
	const senders = 50
	ctx := t.Context()
	u := addUser(t, s, appA, "u")
	c := addCommunity(t, s, appA, "c")
	a := addChannel(t, s, c, "a")
	b := addChannel(t, s, c, "b")
	kept := map[string]map[string]bool{"a": {}, "b": {}} // the client IDs of the sends that commit, by channel
	start := make(chan struct{})
	errs := make(chan error, senders)
	var wg sync.WaitGroup
	for i := range senders {
		channels := []plaza.Channel{a}
		if i%3 == 0 {
			channels = append(channels, b) // some send to another channel too, in the same transaction
		}
		fail := i%5 == 4 // and some roll back
		clientID := fmt.Sprint("client-", i)
		for _, ch := range channels {
			if !fail {
				kept[ch.ChannelID][clientID] = true
			}
		}
		wg.Go(func() {
			<-start
			err := s.Update(ctx, func(tx plaza.Tx) error {
				for _, ch := range channels {
					seq, err := tx.NextSeq(ctx, ch.PK, 0)
					if err != nil {
						return fmt.Errorf("NextSeq: %w", err)
					}
					m := text(fmt.Sprint("from ", i))
					m.ClientMessageID = clientID
					fill(&m, ch, u, seq)
					if err := tx.InsertMessage(ctx, &m); err != nil {
						return fmt.Errorf("InsertMessage: %w", err)
					}
				}
				if fail {
					return errBoom
				}
				return nil
			})
			if fail && errors.Is(err, errBoom) {
				err = nil
			} else if fail && err == nil {
				err = fmt.Errorf("Update of %s returned nil; want the error fn returned", clientID)
			}
			errs <- err
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Update: %v", err)
		}
	}

	for _, ch := range []plaza.Channel{a, b} {
		n := len(kept[ch.ChannelID])
		var want []int64
		for seq := range int64(n) {
			want = append(want, seq+1)
		}
		got := must(s.History(ctx, ch.PK, u.PK, 0, true, 1000))(t, "History")
		diff(t, fmt.Sprintf("seqs of %d concurrent sends that committed to %s", n, ch.ChannelID), want, seqsOf(got))
		clients := map[string]bool{}
		for _, m := range got {
			if clients[m.ClientMessageID] {
				t.Errorf("%s holds more than one message of %s", ch.ChannelID, m.ClientMessageID)
			}
			clients[m.ClientMessageID] = true
			if sender, _ := strings.CutPrefix(m.ClientMessageID, "client-"); m.Message != "from "+sender {
				t.Errorf("message %d of %s holds %q from %s: the content of another send", m.MessageSeq, ch.ChannelID, m.Message, m.ClientMessageID)
			}
		}
		diff(t, "the senders whose messages "+ch.ChannelID+" holds", sortedKeys(kept[ch.ChannelID]), sortedKeys(clients))
		if got := readChannel(t, s, c.PK, ch.ChannelID).LastMessageSeq; got != int64(n) {
			t.Errorf("LastMessageSeq of %s after %d concurrent sends that committed = %d", ch.ChannelID, n, got)
		}
	}
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]bool) []string {
	return slices.Sorted(maps.Keys(m))
}

func testMessageRoundTrip(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "alice", "bob")
	alice, bob := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	room := addChannel(t, s, c, "room")
	other := addChannel(t, s, c, "other")

	media := func(typ plaza.MessageType, name string) plaza.MessageContent {
		return plaza.MessageContent{
			Type:                 typ,
			FileDownloadURL:      "https://files.example/" + name + "?sig=a&b=c",
			FileName:             name,
			FileSize:             1 << 40,
			MimeType:             "application/x-" + name,
			ThumbnailDownloadURL: "https://files.example/thumb/" + name,
		}
	}
	image := media(plaza.MessageImage, "cat.png")
	image.ImageWidth, image.ImageHeight = 4000, 3000
	audio := media(plaza.MessageAudio, "voice.ogg")
	audio.AudioDuration = 61
	video := media(plaza.MessageVideo, "film.mp4")
	video.VideoDuration = 3600

	type sent struct {
		sender plaza.User
		m      plaza.Message
	}
	plan := []sent{
		{alice, plaza.Message{
			MessageContent: plaza.MessageContent{
				Type:             plaza.MessageText,
				Message:          "Hello, 世界 👋\n\"double\" 'single' \\ back\x00slash",
				ExtendedData:     `{"k":[1,2,3],"s":"ünï"}`,
				MentionedUserIDs: []string{"bob", "carol"},
			},
			ClientMessageID: "client-1",
			Timestamp:       t0 + 1,
		}},
		{bob, plaza.Message{
			MessageContent: plaza.MessageContent{
				Type:            plaza.MessageCustom,
				Message:         `{"card":"x"}`,
				SubType:         200,
				SearchedContent: "card x",
				IsMentionAll:    true,
			},
		}},
		{alice, plaza.Message{MessageContent: image}},
		{alice, plaza.Message{MessageContent: audio}},
		{bob, plaza.Message{MessageContent: video, ClientMessageID: "client-2"}},
		{bob, plaza.Message{MessageContent: media(plaza.MessageFile, "report.pdf")}},
		{alice, plaza.Message{MessageContent: plaza.MessageContent{
			Type: plaza.MessageMultiple,
			Items: []plaza.MessageContent{
				{Type: plaza.MessageText, Message: "look"},
				image,
				media(plaza.MessageFile, "notes.txt"),
				{Type: plaza.MessageCustom, Message: "{}", SubType: 3, SearchedContent: "item"},
			},
			ExtendedData:     "multi",
			MentionedUserIDs: []string{"bob"},
		}}},
		{alice, plaza.Message{
			MessageContent: plaza.MessageContent{Type: plaza.MessageTips},
			TipsInfo:       &plaza.TipsInfo{Event: plaza.TipsCommunityInvited, OperatedUserID: "alice", TargetUserIDs: []string{"bob", "carol"}},
		}},
		{alice, plaza.Message{
			MessageContent: plaza.MessageContent{Type: plaza.MessageTips},
			TipsInfo:       &plaza.TipsInfo{Event: plaza.TipsCommunityChannelAdded, OperatedUserID: "alice", TargetUserIDs: []string{}},
		}},
	}
	var want []plaza.Message
	var elsewhere []plaza.Message
	for i, p := range plan {
		want = append(want, send(t, s, room, p.sender, p.m))
		if i%3 == 0 {
			elsewhere = append(elsewhere, sendText(t, s, other, bob, fmt.Sprint("elsewhere ", i)))
		}
	}
	want = append(want, send(t, s, room, bob, replyTo(want[0], "a reply")))
	want = append(want, send(t, s, room, alice, replyTo(want[len(want)-1], "a reply to the reply")))
	if got := want[len(want)-1].RepliedInfo.RootMessageSeq; got != 1 {
		t.Fatalf("the suite's reply to a reply has root %d, want 1", got) // the test itself is wrong
	}

	for _, w := range want {
		got := must(s.Message(ctx, room.PK, w.MessageSeq, alice.PK))(t, "Message")
		diffRead(t, fmt.Sprintf("Message(%d)", w.MessageSeq), w, got)
		checkReactionsSet(t, "Message", got)
	}
	seqs := seqsOf(want)
	slices.Reverse(seqs) // asked newest first, returned oldest first
	got := must(s.Messages(ctx, room.PK, seqs, alice.PK))(t, "Messages")
	diffRead(t, "Messages of every seq", want, got)
	checkReactionsSet(t, "Messages", got...)
	got = must(s.History(ctx, room.PK, bob.PK, 0, false, 100))(t, "History")
	diffRead(t, "History backward from the newest", want, got)
	checkReactionsSet(t, "History", got...)
	diffRead(t, "History forward from the oldest", want, must(s.History(ctx, room.PK, bob.PK, 0, true, 100))(t, "History"))
	diffRead(t, "History of another channel", elsewhere, must(s.History(ctx, other.PK, bob.PK, 0, true, 100))(t, "History"))
	diffRead(t, "MessageByClientID(client-1)", want[0],
		must(s.MessageByClientID(ctx, room.PK, alice.PK, "client-1"))(t, "MessageByClientID"))
	diffRead(t, "MessageByClientID(client-2)", want[4],
		must(s.MessageByClientID(ctx, room.PK, bob.PK, "client-2"))(t, "MessageByClientID"))
	update(t, s, func(tx plaza.Tx) error {
		for _, w := range want {
			diffRead(t, fmt.Sprintf("Message(%d) read in a transaction", w.MessageSeq), w,
				must(tx.Message(ctx, room.PK, w.MessageSeq, alice.PK))(t, "tx.Message"))
		}
		return nil
	})
}

func testUpdateMessage(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "v")
	u, v := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	room := addChannel(t, s, c, "room")
	first := text("first")
	first.MentionedUserIDs = []string{"v"}
	first.ExtendedData = "ext"
	first.ClientMessageID = "client-1"
	m1 := send(t, s, room, u, first)
	m2 := send(t, s, room, u, plaza.Message{MessageContent: plaza.MessageContent{Type: plaza.MessageCustom, Message: "{}", SubType: 1}})
	m3 := send(t, s, room, v, replyTo(m1, "reply"))
	m4 := send(t, s, room, u, plaza.Message{MessageContent: plaza.MessageContent{Type: plaza.MessageMultiple,
		Items: []plaza.MessageContent{{Type: plaza.MessageText, Message: "a"}}}})
	neighbour := sendText(t, s, room, v, "neighbour")
	read := func(seq int64) plaza.Message {
		t.Helper()
		return must(s.Message(ctx, room.PK, seq, u.PK))(t, "Message")
	}

	// Edits: new content, the same mentions, an edit time.
	edited := m1
	edited.MessageContent = plaza.MessageContent{Type: plaza.MessageText, Message: "edited — 已编辑",
		MentionedUserIDs: m1.MentionedUserIDs, ExtendedData: "new ext"}
	edited.EditedTime = t0 + 50_000
	m2.MessageContent = plaza.MessageContent{Type: plaza.MessageCustom, Message: `{"v":2}`, SubType: 2, SearchedContent: "found"}
	m2.EditedTime = t0 + 51_000
	m4.Items = []plaza.MessageContent{{Type: plaza.MessageText, Message: "b"}, {Type: plaza.MessageText, Message: "c"}}
	m4.EditedTime = t0 + 52_000
	for _, m := range []plaza.Message{edited, m2, m4} {
		update(t, s, func(tx plaza.Tx) error { return tx.UpdateMessage(ctx, m) })
		diffRead(t, fmt.Sprintf("Message(%d) after an edit", m.MessageSeq), m, read(m.MessageSeq))
	}
	diffRead(t, "MessageByClientID of an edited message", edited,
		must(s.MessageByClientID(ctx, room.PK, u.PK, "client-1"))(t, "MessageByClientID"))

	// A revoke: the type and content change, RevokeInfo is set, and a reply
	// keeps what it answered.
	revoked := m3
	revoked.MessageContent = plaza.MessageContent{Type: plaza.MessageRevoked}
	revoked.RevokeInfo = &plaza.RevokeInfo{OperatedUserID: "u", RevokeTime: t0 + 60_000, OriginalMessageType: plaza.MessageText}
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateMessage(ctx, revoked) })
	diffRead(t, "a revoked reply", revoked, read(revoked.MessageSeq))

	// UpdateMessage stores content: a copy read before the message got
	// replies and reactions does not take them away.
	stale := edited
	update(t, s, func(tx plaza.Tx) error { return tx.AddReplyCount(ctx, room.PK, m1.MessageSeq, 1) })
	react(t, s, m1, "👍", v)
	stale.MessageContent = plaza.MessageContent{Type: plaza.MessageRevoked}
	stale.RevokeInfo = &plaza.RevokeInfo{OperatedUserID: "v", RevokeTime: t0 + 70_000, OriginalMessageType: plaza.MessageText}
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateMessage(ctx, stale) })
	want := stale
	want.RootRepliedCount = 1
	want.Reactions = []plaza.Reaction{{ReactionType: "👍", TotalCount: 1, UserList: []plaza.UserInfo{v.UserInfo}}}
	diffRead(t, "a message revoked from a copy read before its reply and reaction", want, read(m1.MessageSeq))

	diffRead(t, "a neighbour of updated messages", neighbour, read(neighbour.MessageSeq))
	if got := readChannel(t, s, c.PK, "room").LastMessageSeq; got != neighbour.MessageSeq {
		t.Errorf("LastMessageSeq after updates = %d, want %d", got, neighbour.MessageSeq)
	}
}

func testReplyCount(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	u := addUser(t, s, appA, "u")
	c := addCommunity(t, s, appA, "c")
	room := addChannel(t, s, c, "room")
	other := addChannel(t, s, c, "other")
	addReplies := func(ch plaza.Channel, root, n int64) {
		t.Helper()
		update(t, s, func(tx plaza.Tx) error { return tx.AddReplyCount(ctx, ch.PK, root, n) })
	}
	root := sendText(t, s, room, u, "root")
	otherRoot := sendText(t, s, other, u, "the same seq in another channel")
	r1 := send(t, s, room, u, replyTo(root, "r1"))
	addReplies(room, root.MessageSeq, 1)
	r2 := send(t, s, room, u, replyTo(r1, "r2"))
	addReplies(room, root.MessageSeq, 1)
	addReplies(room, root.MessageSeq, 3)
	root.RootRepliedCount = 5

	diffRead(t, "the root after AddReplyCount 1, 1 and 3", root, must(s.Message(ctx, room.PK, root.MessageSeq, u.PK))(t, "Message"))
	diffRead(t, "History after replies", []plaza.Message{root, r1, r2},
		must(s.History(ctx, room.PK, u.PK, 0, false, 10))(t, "History"))
	diffRead(t, "Messages after replies", []plaza.Message{root, r2},
		must(s.Messages(ctx, room.PK, []int64{1, 3}, u.PK))(t, "Messages"))
	diffRead(t, "a root of the same seq in another channel", otherRoot,
		must(s.Message(ctx, other.PK, otherRoot.MessageSeq, u.PK))(t, "Message"))
}

func testMessageByClientID(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "v", "w")
	u, v, w := us[0], us[1], us[2]
	c := addCommunity(t, s, appA, "c")
	a := addChannel(t, s, c, "a")
	b := addChannel(t, s, c, "b")
	withClientID := func(body, clientID string) plaza.Message {
		m := text(body)
		m.ClientMessageID = clientID
		return m
	}
	ua := send(t, s, a, u, withClientID("u in a", "c1"))
	va := send(t, s, a, v, withClientID("v in a", "c1"))
	ub := send(t, s, b, u, withClientID("u in b", "c1"))
	ua2 := send(t, s, a, u, withClientID("u in a, again", "c2"))
	sendText(t, s, a, u, "no client ID")

	for _, tc := range []struct {
		name     string
		ch       plaza.Channel
		sender   plaza.User
		clientID string
		want     plaza.Message
	}{
		{"u's c1 in a", a, u, "c1", ua},
		{"v's c1 in a", a, v, "c1", va},
		{"u's c1 in b", b, u, "c1", ub},
		{"u's c2 in a", a, u, "c2", ua2},
	} {
		diffRead(t, "MessageByClientID of "+tc.name, tc.want,
			must(s.MessageByClientID(ctx, tc.ch.PK, tc.sender.PK, tc.clientID))(t, "MessageByClientID"))
		update(t, s, func(tx plaza.Tx) error {
			diffRead(t, "MessageByClientID in a transaction of "+tc.name, tc.want,
				must(tx.MessageByClientID(ctx, tc.ch.PK, tc.sender.PK, tc.clientID))(t, "tx.MessageByClientID"))
			return nil
		})
	}
	for _, tc := range []struct {
		name     string
		ch       plaza.Channel
		sender   plaza.User
		clientID string
	}{
		{"a sender who used no client ID", a, w, "c1"},
		{"an unknown client ID", a, u, "c3"},
		{"a client ID used only in another channel", b, u, "c2"},
		{"a client ID that differs in case", a, u, "C1"},
	} {
		_, err := s.MessageByClientID(ctx, tc.ch.PK, tc.sender.PK, tc.clientID)
		wantErr(t, "MessageByClientID of "+tc.name, err, plaza.ErrNotFound)
	}
}

func testMessageConflict(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "v")
	u, v := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	a := addChannel(t, s, c, "a")
	b := addChannel(t, s, c, "b")
	first := text("first")
	first.ClientMessageID = "dup"
	m := send(t, s, a, u, first)

	// The same sender, channel and client ID: refused, and the seq the
	// transaction took is given back.
	err := s.Update(ctx, func(tx plaza.Tx) error {
		seq, err := tx.NextSeq(ctx, a.PK, 0)
		if err != nil {
			return err
		}
		again := text("again")
		again.ClientMessageID = "dup"
		fill(&again, a, u, seq)
		return tx.InsertMessage(ctx, &again)
	})
	wantErr(t, "InsertMessage of a sender's client ID already used in the channel", err, plaza.ErrConflict)
	if got := readChannel(t, s, c.PK, "a").LastMessageSeq; got != 1 {
		t.Errorf("LastMessageSeq after a refused insert = %d, want 1", got)
	}
	diffRead(t, "MessageByClientID after a refused insert", m, must(s.MessageByClientID(ctx, a.PK, u.PK, "dup"))(t, "MessageByClientID"))
	diffRead(t, "History after a refused insert", []plaza.Message{m}, must(s.History(ctx, a.PK, u.PK, 0, false, 10))(t, "History"))

	// A seq that is taken: refused, never overwritten.
	err = s.Update(ctx, func(tx plaza.Tx) error {
		taken := text("impostor")
		fill(&taken, a, v, m.MessageSeq)
		taken.ID, taken.MessageID = 1, "1"
		return tx.InsertMessage(ctx, &taken)
	})
	wantErr(t, "InsertMessage of a seq already taken", err, plaza.ErrConflict)
	diffRead(t, "the message whose seq was taken again", m, must(s.Message(ctx, a.PK, m.MessageSeq, u.PK))(t, "Message"))

	// The same client ID by another sender, or in another channel; and
	// messages without a client ID, which never conflict.
	again := text("v's")
	again.ClientMessageID = "dup"
	send(t, s, a, v, again)
	again.Message = "u's in b"
	send(t, s, b, u, again)
	sendText(t, s, a, u, "no client ID")
	if m := sendText(t, s, a, u, "no client ID either"); m.MessageSeq != 4 {
		t.Errorf("seq after refused inserts = %d, want 4", m.MessageSeq)
	}
}

// visibleTo returns the messages that viewer has not hidden.
func visibleTo(ms []plaza.Message, hidden []int64) []plaza.Message {
	var out []plaza.Message
	for _, m := range ms {
		if !slices.Contains(hidden, m.MessageSeq) {
			out = append(out, m)
		}
	}
	return out
}

// historyPage is what History must return of visible, the messages a viewer
// sees oldest first.
func historyPage(visible []plaza.Message, from int64, forward bool, limit int) []plaza.Message {
	var out []plaza.Message
	if forward {
		for _, m := range visible {
			if m.MessageSeq > from && len(out) < limit {
				out = append(out, m)
			}
		}
		return out
	}
	for _, m := range visible {
		if from == 0 || m.MessageSeq < from {
			out = append(out, m)
		}
	}
	return out[max(0, len(out)-limit):]
}

func testHistory(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "a", "b", "u", "v", "w")
	u, v, w := us[2], us[3], us[4]
	c := addCommunity(t, s, appA, "c")
	room := addChannel(t, s, c, "room")
	other := addChannel(t, s, c, "other")
	var msgs []plaza.Message
	for i := range 10 {
		msgs = append(msgs, sendText(t, s, room, us[i%2], fmt.Sprint("message ", i+1)))
		if i%3 == 0 {
			sendText(t, s, other, us[i%2], "elsewhere")
		}
	}
	hide(t, s, u, room, 3, 7)
	hide(t, s, v, room, 5)
	hide(t, s, v, room, 10, 5) // hiding again is no error
	hide(t, s, w, other, 1, 2) // hides in another channel
	hidden := map[plaza.User][]int64{u: {3, 7}, v: {5, 10}, w: {}}

	for viewer, hid := range hidden {
		visible := visibleTo(msgs, hid)
		got := must(s.History(ctx, room.PK, viewer.PK, 0, false, 100))(t, "History")
		diffRead(t, "History of "+viewer.UserID, visible, got)
		checkReactionsSet(t, "History", got...)
		for from := range int64(13) {
			for limit := 1; limit <= 11; limit++ {
				for _, forward := range []bool{true, false} {
					got := must(s.History(ctx, room.PK, viewer.PK, from, forward, limit))(t, "History")
					diff(t, fmt.Sprintf("History of %s from %d, forward %t, limit %d", viewer.UserID, from, forward, limit),
						seqsOf(historyPage(visible, from, forward, limit)), seqsOf(got))
					checkNonNil(t, "History", got)
				}
			}
		}
	}
	// Paging backward as a client does, from the first seq of each page.
	var pages []int64
	for from, n := int64(0), 0; n < 10; n++ {
		page := must(s.History(ctx, room.PK, u.PK, from, false, 3))(t, "History")
		if len(page) == 0 {
			break
		}
		pages = append(slices.Clone(seqsOf(page)), pages...)
		from = page[0].MessageSeq
	}
	diff(t, "History of u paged backward by 3", seqsOf(visibleTo(msgs, hidden[u])), pages)

	diff(t, "History of an empty channel", []plaza.Message{},
		must(s.History(ctx, addChannel(t, s, c, "empty").PK, u.PK, 0, false, 10))(t, "History"))
	diff(t, "History of w in the channel w hid messages of", []int64{3, 4},
		seqsOf(must(s.History(ctx, other.PK, w.PK, 0, false, 10))(t, "History")))
}

func testMessagesBySeq(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "v")
	u, v := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	room := addChannel(t, s, c, "room")
	other := addChannel(t, s, c, "other")
	var msgs []plaza.Message
	for i := range 10 {
		msgs = append(msgs, sendText(t, s, room, u, fmt.Sprint("message ", i+1)))
	}
	sendN(t, s, other, u, 12)
	hide(t, s, u, room, 3, 7)

	asked := []int64{10, 3, 1, 99, 7, 5, 0, -1}
	pick := func(hid []int64, seqs ...int64) []plaza.Message {
		var out []plaza.Message
		for _, m := range visibleTo(msgs, hid) {
			if slices.Contains(seqs, m.MessageSeq) {
				out = append(out, m)
			}
		}
		return out
	}
	got := must(s.Messages(ctx, room.PK, asked, u.PK))(t, "Messages")
	diffRead(t, "Messages of u, who hid 3 and 7", pick([]int64{3, 7}, asked...), got)
	checkReactionsSet(t, "Messages", got...)
	diffRead(t, "Messages of v, who hid none", pick(nil, asked...), must(s.Messages(ctx, room.PK, asked, v.PK))(t, "Messages"))
	for _, tc := range []struct {
		name string
		seqs []int64
	}{
		{"no seqs", nil},
		{"unknown seqs", []int64{11, 12}},
		{"hidden seqs", []int64{3, 7}},
	} {
		got := must(s.Messages(ctx, room.PK, tc.seqs, u.PK))(t, "Messages")
		diff(t, "Messages of "+tc.name, []plaza.Message{}, got)
		checkNonNil(t, "Messages of "+tc.name, got)
	}
}

func testReplies(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "v")
	u, v := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	room := addChannel(t, s, c, "room")
	other := addChannel(t, s, c, "other")
	root := sendText(t, s, room, u, "root")                         // 1
	r2 := send(t, s, room, v, replyTo(root, "2"))                   // 2
	r3 := send(t, s, room, u, replyTo(r2, "3, to 2"))               // 3
	root4 := sendText(t, s, room, u, "another root")                // 4
	r5 := send(t, s, room, v, replyTo(root, "5"))                   // 5
	r6 := send(t, s, room, v, replyTo(root4, "6, to 4"))            // 6
	r7 := send(t, s, room, u, replyTo(r3, "7, to 3"))               // 7
	sendText(t, s, room, u, "8, no reply")                          // 8
	r9 := send(t, s, room, v, replyTo(root, "9"))                   // 9
	oroot := sendText(t, s, other, u, "the same seq elsewhere")     // other 1
	send(t, s, other, u, replyTo(oroot, "a reply elsewhere"))       // other 2
	send(t, s, other, u, replyTo(oroot, "another reply elsewhere")) // other 3

	want := []plaza.Message{r2, r3, r5, r7, r9}
	got := must(s.Replies(ctx, room.PK, root.MessageSeq, u.PK, plaza.Cursor{}, 100))(t, "Replies")
	diffRead(t, "Replies of root 1", want, got)
	checkReactionsSet(t, "Replies", got...)
	for limit := 1; limit <= len(want)+1; limit++ {
		got := pageAll(t, "Replies", limit, len(want),
			func(after plaza.Cursor, limit int) ([]plaza.Message, error) {
				return s.Replies(ctx, room.PK, root.MessageSeq, u.PK, after, limit)
			},
			func(m plaza.Message) plaza.Cursor { return plaza.Cursor{K1: m.MessageSeq} })
		diff(t, fmt.Sprintf("Replies of root 1 paged by %d", limit), seqsOf(want), seqsOf(got))
	}
	diffRead(t, "Replies of root 4", []plaza.Message{r6}, must(s.Replies(ctx, room.PK, root4.MessageSeq, u.PK, plaza.Cursor{}, 100))(t, "Replies"))
	for _, seq := range []int64{r2.MessageSeq, 8, 99} {
		got := must(s.Replies(ctx, room.PK, seq, u.PK, plaza.Cursor{}, 100))(t, "Replies")
		diff(t, fmt.Sprintf("Replies of %d, which roots no tree", seq), []plaza.Message{}, got)
		checkNonNil(t, "Replies", got)
	}
}

// reactionRow is one reaction, for the suite's model of a message's
// reactions.
type reactionRow struct {
	typ  string
	user plaza.User
}

// summarise is what Reactions must say of rows, the reactions to one message
// in the order they were made, to viewerPK.
func summarise(rows []reactionRow, viewerPK int64) []plaza.Reaction {
	out := []plaza.Reaction{}
	index := map[string]int{}
	for _, r := range rows {
		i, ok := index[r.typ]
		if !ok {
			i = len(out)
			index[r.typ] = i
			out = append(out, plaza.Reaction{ReactionType: r.typ, UserList: []plaza.UserInfo{}})
		}
		x := &out[i]
		x.TotalCount++
		x.IsSelfIncluded = x.IsSelfIncluded || r.user.PK == viewerPK
		if len(x.UserList) < reactionPreview {
			x.UserList = append(x.UserList, r.user.UserInfo)
		}
	}
	return out
}

func testReactions(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "viewer")
	viewer := us[8]
	c := addCommunity(t, s, appA, "c")
	room := addChannel(t, s, c, "room")
	other := addChannel(t, s, c, "other")
	m := sendText(t, s, room, us[0], "react to me")
	m2 := sendText(t, s, room, us[0], "react to me too")
	bare := sendText(t, s, room, us[0], "no reactions")
	om := sendText(t, s, other, us[0], "the same seq elsewhere")

	var rows, rows2, orows []reactionRow
	step := func(target plaza.Message, model *[]reactionRow, add bool, typ string, u plaza.User, want bool) {
		t.Helper()
		var got bool
		update(t, s, func(tx plaza.Tx) error {
			var err error
			if add {
				got, err = tx.AddReaction(ctx, target.ChannelPK, target.MessageSeq, typ, u.PK, t0)
			} else {
				got, err = tx.DeleteReaction(ctx, target.ChannelPK, target.MessageSeq, typ, u.PK)
			}
			return err
		})
		op := map[bool]string{true: "AddReaction", false: "DeleteReaction"}[add]
		if got != want {
			t.Errorf("%s(%s %d, %s, %s) = %t, want %t", op, target.ChannelID, target.MessageSeq, typ, u.UserID, got, want)
		}
		switch {
		case add && want:
			*model = append(*model, reactionRow{typ, u})
		case !add && want:
			*model = slices.DeleteFunc(*model, func(r reactionRow) bool { return r.typ == typ && r.user.PK == u.PK })
		}
	}
	// Users react in an order that is not the order of their keys.
	step(m, &rows, true, "👍", us[6], true)
	step(m, &rows, true, "❤️", us[1], true)
	step(m, &rows, true, "👍", us[0], true)
	step(m, &rows, true, "👍", us[6], false) // already there
	for _, i := range []int{2, 5, 3, 4} {
		step(m, &rows, true, "👍", us[i], true)
	}
	step(m, &rows, true, "🎉", us[1], true)
	step(m, &rows, true, "❤️", us[6], true) // one user, two types
	step(m2, &rows2, true, "❤️", us[0], true)
	step(om, &orows, true, "👍", us[7], true)

	check := func(when string) {
		t.Helper()
		for _, tc := range []struct {
			msg   plaza.Message
			model []reactionRow
		}{{m, rows}, {m2, rows2}, {bare, nil}, {om, orows}} {
			for _, who := range []plaza.User{us[6], us[1], us[0], viewer} {
				what := fmt.Sprintf("Reactions of %s %d seen by %s %s", tc.msg.ChannelID, tc.msg.MessageSeq, who.UserID, when)
				want := summarise(tc.model, who.PK)
				got := must(s.Reactions(ctx, tc.msg.ChannelPK, tc.msg.MessageSeq, who.PK))(t, "Reactions")
				diff(t, what, want, got)
				checkNonNil(t, what, got)
				// Messages carry the same summaries, however they are read.
				read := must(s.Message(ctx, tc.msg.ChannelPK, tc.msg.MessageSeq, who.PK))(t, "Message")
				diff(t, what+", as Message carries them", want, read.Reactions)
				for _, list := range []struct {
					name string
					ms   []plaza.Message
				}{
					{"Messages", must(s.Messages(ctx, tc.msg.ChannelPK, []int64{tc.msg.MessageSeq}, who.PK))(t, "Messages")},
					{"History", must(s.History(ctx, tc.msg.ChannelPK, who.PK, tc.msg.MessageSeq-1, true, 1))(t, "History")},
				} {
					if len(list.ms) != 1 {
						t.Errorf("%s of message %d returned %d messages, want 1", list.name, tc.msg.MessageSeq, len(list.ms))
						continue
					}
					diff(t, what+", as "+list.name+" carries them", want, list.ms[0].Reactions)
				}
			}
		}
	}
	check("after the first reactions")
	if len(summarise(rows, 0)[0].UserList) != reactionPreview || summarise(rows, 0)[0].TotalCount <= reactionPreview {
		t.Fatalf("the suite's 👍 has too few reactors to test the preview") // the test itself is wrong
	}
	update(t, s, func(tx plaza.Tx) error {
		diff(t, "Reactions read in a transaction", summarise(rows, us[6].PK),
			must(tx.Reactions(ctx, room.PK, m.MessageSeq, us[6].PK))(t, "tx.Reactions"))
		return nil
	})

	step(m, &rows, false, "👍", us[2], true)
	step(m, &rows, false, "👍", us[2], false)  // already gone
	step(m, &rows, false, "👍", us[7], false)  // never there
	step(m, &rows, false, "🎉", us[1], true)   // the type's only reaction
	step(m, &rows, false, "❤️", us[0], false) // u1 reacted ❤️ to m2, not m
	check("after deletions")

	// A reaction made again comes last; a profile is the user's current one.
	step(m, &rows, true, "👍", us[2], true)
	us[0].UserName, us[0].UserAvatarURL = "Renamed", "https://img.example/renamed.png"
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateUser(ctx, us[0]) })
	for _, model := range [][]reactionRow{rows, rows2, orows} {
		for i := range model {
			if model[i].user.PK == us[0].PK {
				model[i].user = us[0]
			}
		}
	}
	check("after a reaction was made again and a reactor renamed")
}

func testReactionUsers(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	c := addCommunity(t, s, appA, "c")
	room := addChannel(t, s, c, "room")
	var us []plaza.User
	for i := range 12 {
		us = append(us, addUser(t, s, appA, fmt.Sprintf("u%02d", i)))
	}
	m := sendText(t, s, room, us[0], "react")
	m2 := sendText(t, s, room, us[0], "react too")
	var want []plaza.UserInfo
	for i := range 12 {
		u := us[(i*5)%12] // not in the order of their keys
		react(t, s, m, "👍", u)
		want = append(want, u.UserInfo)
		if i%3 == 0 {
			react(t, s, m, "❤️", u) // another type's rows in between
			react(t, s, m2, "👍", u)
		}
	}

	type row struct {
		user plaza.UserInfo
		key  int64
	}
	fetch := func(msg plaza.Message, typ string) func(after plaza.Cursor, limit int) ([]row, error) {
		return func(after plaza.Cursor, limit int) ([]row, error) {
			users, keys, err := s.ReactionUsers(ctx, room.PK, msg.MessageSeq, typ, after, limit)
			if err != nil {
				return nil, err
			}
			if len(keys) != len(users) {
				return nil, fmt.Errorf("ReactionUsers returned %d users and %d keys", len(users), len(keys))
			}
			rows := make([]row, len(users))
			for i := range users {
				rows[i] = row{users[i], keys[i]}
			}
			return rows, nil
		}
	}
	users := func(rows []row) []plaza.UserInfo {
		out := make([]plaza.UserInfo, len(rows))
		for i, r := range rows {
			out[i] = r.user
		}
		return out
	}
	readAll := func(msg plaza.Message, typ string, total int) []plaza.UserInfo {
		t.Helper()
		got := must(fetch(msg, typ)(plaza.Cursor{}, 100))(t, "ReactionUsers")
		for limit := 1; limit <= total+1; limit++ {
			paged := pageAll(t, "ReactionUsers", limit, total, fetch(msg, typ), func(r row) plaza.Cursor { return plaza.Cursor{K1: r.key} })
			diff(t, fmt.Sprintf("ReactionUsers(%d, %s) paged by %d", msg.MessageSeq, typ, limit), users(got), users(paged))
		}
		return users(got)
	}
	diff(t, "ReactionUsers(👍)", want, readAll(m, "👍", len(want)))
	diff(t, "ReactionUsers(❤️)", []plaza.UserInfo{us[0].UserInfo, us[3].UserInfo, us[6].UserInfo, us[9].UserInfo}, readAll(m, "❤️", 4))
	diff(t, "ReactionUsers(👍) of another message", []plaza.UserInfo{us[0].UserInfo, us[3].UserInfo, us[6].UserInfo, us[9].UserInfo},
		readAll(m2, "👍", 4))
	got := must(fetch(m, "🎉")(plaza.Cursor{}, 100))(t, "ReactionUsers")
	diff(t, "ReactionUsers of a type nobody used", []plaza.UserInfo{}, users(got))
	empty, _, err := s.ReactionUsers(ctx, room.PK, m.MessageSeq, "🎉", plaza.Cursor{}, 100)
	if err != nil {
		t.Fatalf("ReactionUsers: %v", err)
	}
	checkNonNil(t, "ReactionUsers of a type nobody used", empty)

	// A reaction taken back leaves the list; made again, it comes last.
	gone := us[(3*5)%12]
	update(t, s, func(tx plaza.Tx) error {
		_, err := tx.DeleteReaction(ctx, room.PK, m.MessageSeq, "👍", gone.PK)
		return err
	})
	want = slices.DeleteFunc(want, func(u plaza.UserInfo) bool { return u.UserID == gone.UserID })
	diff(t, "ReactionUsers(👍) after a deletion", want, readAll(m, "👍", len(want)))
	react(t, s, m, "👍", gone)
	want = append(want, gone.UserInfo)
	diff(t, "ReactionUsers(👍) after a reaction was made again", want, readAll(m, "👍", len(want)))
}

func testMessageNotFound(t *testing.T, s plaza.Store) {
	u := addUser(t, s, appA, "u")
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	room := addChannel(t, s, c, "room")
	other := addChannel(t, s, c, "other")
	addChannel(t, s, d, "only-in-d")
	m := text("hi")
	m.ClientMessageID = "c1"
	send(t, s, room, u, m)
	sendN(t, s, other, u, 3)

	reads := []struct {
		name string
		read func(ctx context.Context, q plaza.Query) error
	}{
		{"Message of seq 0", func(ctx context.Context, q plaza.Query) error {
			_, err := q.Message(ctx, room.PK, 0, u.PK)
			return err
		}},
		{"Message of a seq past the last", func(ctx context.Context, q plaza.Query) error {
			_, err := q.Message(ctx, room.PK, 2, u.PK)
			return err
		}},
		{"Message of a seq of another channel only", func(ctx context.Context, q plaza.Query) error {
			_, err := q.Message(ctx, room.PK, 3, u.PK)
			return err
		}},
		{"Message of an unknown channel", func(ctx context.Context, q plaza.Query) error {
			_, err := q.Message(ctx, room.PK+other.PK+1000, 1, u.PK)
			return err
		}},
		{"MessageByClientID of an unknown client ID", func(ctx context.Context, q plaza.Query) error {
			_, err := q.MessageByClientID(ctx, room.PK, u.PK, "c2")
			return err
		}},
		{"MessageByClientID in another channel", func(ctx context.Context, q plaza.Query) error {
			_, err := q.MessageByClientID(ctx, other.PK, u.PK, "c1")
			return err
		}},
	}
	for _, r := range reads {
		t.Run(r.name, func(t *testing.T) {
			ctx := t.Context()
			wantErr(t, "through the store", r.read(ctx, s), plaza.ErrNotFound)
			update(t, s, func(tx plaza.Tx) error {
				wantErr(t, "through a transaction", r.read(ctx, tx), plaza.ErrNotFound)
				return nil
			})
		})
	}
	txReads := []struct {
		name    string
		pk      int64
		channel string
	}{
		{"ChannelForUpdate of an unknown channel", c.PK, "ghost"},
		{"ChannelForUpdate of a channel of another community", c.PK, "only-in-d"},
	}
	for _, r := range txReads {
		t.Run(r.name, func(t *testing.T) {
			ctx := t.Context()
			update(t, s, func(tx plaza.Tx) error {
				_, err := tx.ChannelForUpdate(ctx, r.pk, r.channel)
				wantErr(t, "through a transaction", err, plaza.ErrNotFound)
				return nil
			})
		})
	}
}

// snapshot is what the suite reads about some channels of a community, as
// some users see them: two equal snapshots mean no write to them shows.
type snapshot struct {
	Channels       map[string]*plaza.Channel // nil: not found
	Dismissed      map[string]bool
	Conversations  map[string][]plaza.ChannelConversation // ChannelConversations by user
	All            map[string][]plaza.ChannelConversation // Conversations by user
	Conversation   map[string]*plaza.ChannelConversation  // by channel and user; nil: not found
	Mentions       map[string][]plaza.MentionedInfo       // by user and channel, from the start
	Unread         map[string][]plaza.CommunityUnread     // UnreadByCommunity by user
	Total          map[string]int64                       // TotalUnread by user
	UserMutes      map[string]map[int64][]plaza.MemberMute
	Members        []plaza.Member                 // MemberList, with their mutes
	Muted          map[string][]plaza.Member      // MutedMemberList at t0 by channel; "" community-wide
	Private        map[string]map[string][]string // UserPrivateChannels by user
	Listed         map[string][]string            // IsChannelMember by channel: the users listed
	ChannelMembers map[string][]plaza.Member      // ChannelMemberList by channel
	History        map[string][]plaza.Message     // by channel and viewer
	Replies        map[string][]plaza.Message     // by channel and root seq
	ByClientID     map[string]plaza.Message       // by channel, sender and client ID
	ReactionUsers  map[string][]plaza.UserInfo    // by channel, seq and reaction type
}

// snap reads a snapshot of channelIDs of c through q, as users see them.
func snap(tb testing.TB, q plaza.Query, c plaza.CommunityInfo, channelIDs []string, users []plaza.User, reactionTypes []string) snapshot {
	tb.Helper()
	ctx := tb.Context()
	sn := snapshot{
		Channels: map[string]*plaza.Channel{}, Dismissed: map[string]bool{},
		Conversations: map[string][]plaza.ChannelConversation{}, All: map[string][]plaza.ChannelConversation{},
		Conversation: map[string]*plaza.ChannelConversation{}, Mentions: map[string][]plaza.MentionedInfo{},
		Unread: map[string][]plaza.CommunityUnread{}, Total: map[string]int64{}, UserMutes: map[string]map[int64][]plaza.MemberMute{},
		Muted:   map[string][]plaza.Member{},
		Private: map[string]map[string][]string{}, Listed: map[string][]string{}, ChannelMembers: map[string][]plaza.Member{},
		History: map[string][]plaza.Message{}, Replies: map[string][]plaza.Message{}, ByClientID: map[string]plaza.Message{},
		ReactionUsers: map[string][]plaza.UserInfo{},
	}
	for _, u := range users {
		sn.Conversations[u.UserID] = conversations(tb, q, c.PK, u.PK)
		sn.All[u.UserID] = allConversations(tb, q, u)
		sn.Unread[u.UserID] = unreadOf(tb, q, u)
		sn.Total[u.UserID] = must(q.TotalUnread(ctx, u.PK))(tb, "TotalUnread")
		sn.UserMutes[u.UserID] = userMutes(tb, q, u)
		sn.Private[u.UserID] = privateChannels(tb, q, u)
	}
	sn.Members = withSortedMutes(must(q.MemberList(ctx, c.PK, plaza.Cursor{}, 1000))(tb, "MemberList"))
	sn.Muted[""] = withSortedMutes(must(q.MutedMemberList(ctx, c.PK, 0, t0, plaza.Cursor{}, 1000))(tb, "MutedMemberList"))
	var reads []plaza.ReadPosition
	for _, id := range channelIDs {
		sn.Dismissed[id] = must(q.ChannelDismissed(ctx, c.PK, id))(tb, "ChannelDismissed")
		ch, err := q.Channel(ctx, c.PK, id)
		if errors.Is(err, plaza.ErrNotFound) {
			sn.Channels[id] = nil
			continue
		}
		if err != nil {
			tb.Fatalf("Channel(%s): %v", id, err)
		}
		sn.Channels[id] = &ch
		reads = append(reads, plaza.ReadPosition{ChannelPK: ch.PK})
		for _, u := range users {
			if listed(tb, q, ch, u) {
				sn.Listed[id] = append(sn.Listed[id], u.UserID)
			}
			sn.History[id+" "+u.UserID] = must(q.History(ctx, ch.PK, u.PK, 0, true, 1000))(tb, "History")
			cv, err := q.Conversation(ctx, u.PK, ch.PK)
			switch {
			case errors.Is(err, plaza.ErrNotFound):
				sn.Conversation[id+" "+u.UserID] = nil
			case err != nil:
				tb.Fatalf("Conversation(%s, %s): %v", u.UserID, id, err)
			default:
				sn.Conversation[id+" "+u.UserID] = &cv
			}
		}
		sn.ChannelMembers[id] = withSortedMutes(must(q.ChannelMemberList(ctx, c.PK, ch.PK, plaza.Cursor{}, 1000))(tb, "ChannelMemberList"))
		sn.Muted[id] = withSortedMutes(must(q.MutedMemberList(ctx, c.PK, ch.PK, t0, plaza.Cursor{}, 1000))(tb, "MutedMemberList"))
		for _, m := range must(q.History(ctx, ch.PK, 0, 0, true, 1000))(tb, "History") {
			key := fmt.Sprint(id, " ", m.MessageSeq)
			sn.Replies[key] = must(q.Replies(ctx, ch.PK, m.MessageSeq, 0, plaza.Cursor{}, 1000))(tb, "Replies")
			if m.ClientMessageID != "" {
				sn.ByClientID[key] = must(q.MessageByClientID(ctx, ch.PK, m.SenderPK, m.ClientMessageID))(tb, "MessageByClientID")
			}
			for _, typ := range reactionTypes {
				us, _, err := q.ReactionUsers(ctx, ch.PK, m.MessageSeq, typ, plaza.Cursor{}, 1000)
				if err != nil {
					tb.Fatalf("ReactionUsers: %v", err)
				}
				sn.ReactionUsers[key+" "+typ] = us
			}
		}
	}
	for _, u := range users {
		for pk, ms := range mentionsOf(tb, q, u, reads...) {
			for id, ch := range sn.Channels {
				if ch != nil && ch.PK == pk {
					sn.Mentions[u.UserID+" "+id] = ms
				}
			}
		}
	}
	return sn
}

// channelWrite is one write of the channel and message methods of Tx.
type channelWrite struct {
	name  string
	write func(ctx context.Context, tx plaza.Tx) error
}

// channelWrites sets up a community with channels, listings, messages,
// reactions and read positions, and returns every kind of channel and
// message write on it, each of which changes what snap reads; and snap's
// arguments.
func channelWrites(tb testing.TB, s plaza.Store) ([]channelWrite, func(q plaza.Query) snapshot) {
	tb.Helper()
	us := addUsers(tb, s, appA, "owner", "u", "v")
	owner, u, v := us[0], us[1], us[2]
	c := addCommunity(tb, s, appA, "c")
	addMember(tb, s, c, owner, plaza.RoleOwner)
	addMember(tb, s, c, u, plaza.RoleMember)
	addMember(tb, s, c, v, plaza.RoleMember)
	general := addChannelOf(tb, s, c, plaza.GeneralChannelID, plaza.ChannelGeneral)
	addChannel(tb, s, c, "pub")
	p := listIn(tb, s, addChannelOf(tb, s, c, "p", plaza.ChannelPrivate), u)
	p2 := listIn(tb, s, addChannelOf(tb, s, c, "p2", plaza.ChannelPrivate), u)
	gone := listIn(tb, s, addChannelOf(tb, s, c, "gone", plaza.ChannelPrivate), v)
	room := addChannel(tb, s, c, "room")
	first := text("first")
	first.ClientMessageID = "c1"
	g1 := send(tb, s, general, owner, first)
	g2 := sendText(tb, s, general, u, "second")
	sendText(tb, s, general, v, "third")
	react(tb, s, g1, "👍", u)
	sendN(tb, s, p, owner, 2)
	sendN(tb, s, p2, owner, 1)
	sendN(tb, s, gone, owner, 1)
	sendN(tb, s, room, owner, 2)
	setReadSeq(tb, s, u, general, 1)
	setReadSeq(tb, s, u, p2, 1)
	update(tb, s, func(tx plaza.Tx) error {
		ctx := tb.Context()
		if err := tx.InsertMentions(ctx, general.PK, g1.MessageSeq, []int64{u.PK}, true); err != nil {
			return err
		}
		if err := tx.SetConversationState(ctx, u.PK, p2.PK, plaza.ConversationState{NotificationStatus: plaza.Notify, Draft: "setup", PinnedTime: t0 + 5}); err != nil {
			return err
		}
		for _, m := range []struct{ user, channel, expire int64 }{
			{v.PK, 0, t0 + 3_600_000}, {u.PK, p.PK, t0 + 60_000}, {v.PK, room.PK, t0 - 1},
		} {
			if err := tx.SetMemberMute(ctx, c.PK, m.user, m.channel, m.expire); err != nil {
				return err
			}
		}
		return nil
	})
	gone = readChannel(tb, s, c.PK, "gone")

	writes := []channelWrite{
		{"InsertChannel", func(ctx context.Context, tx plaza.Tx) error {
			return tx.InsertChannel(ctx, &plaza.Channel{CommunityPK: c.PK, CommunityID: "c", ChannelID: "new",
				ChannelType: plaza.ChannelPublic, ChannelAttributes: map[string]string{}, CreateTime: t0})
		}},
		{"UpdateChannel", func(ctx context.Context, tx plaza.Tx) error {
			ch, err := tx.ChannelForUpdate(ctx, c.PK, "pub")
			if err != nil {
				return err
			}
			ch.ChannelName, ch.ChannelAttributes, ch.MemberCount = "changed", map[string]string{"k": "v"}, 9
			return tx.UpdateChannel(ctx, ch)
		}},
		{"AddChannelMember", func(ctx context.Context, tx plaza.Tx) error {
			_, err := tx.AddChannelMember(ctx, p.PK, v.PK, t0)
			return err
		}},
		{"RemoveChannelMember", func(ctx context.Context, tx plaza.Tx) error {
			_, err := tx.RemoveChannelMember(ctx, p.PK, u.PK)
			return err
		}},
		{"NextSeq", func(ctx context.Context, tx plaza.Tx) error {
			_, err := tx.NextSeq(ctx, room.PK, 0)
			return err
		}},
		{"NextSeq and InsertMessage", func(ctx context.Context, tx plaza.Tx) error {
			seq, err := tx.NextSeq(ctx, room.PK, 0)
			if err != nil {
				return err
			}
			m := text("new")
			m.ClientMessageID = "new"
			fill(&m, room, v, seq)
			return tx.InsertMessage(ctx, &m)
		}},
		{"NextSeq recording activity", func(ctx context.Context, tx plaza.Tx) error {
			_, err := tx.NextSeq(ctx, room.PK, t0+100_000)
			return err
		}},
		{"InsertMentions", func(ctx context.Context, tx plaza.Tx) error {
			return tx.InsertMentions(ctx, general.PK, g2.MessageSeq, []int64{v.PK}, false)
		}},
		{"InsertMentions of everyone", func(ctx context.Context, tx plaza.Tx) error {
			return tx.InsertMentions(ctx, room.PK, 1, nil, true)
		}},
		{"DeleteMentions", func(ctx context.Context, tx plaza.Tx) error {
			return tx.DeleteMentions(ctx, general.PK, g1.MessageSeq)
		}},
		{"SetConversationState", func(ctx context.Context, tx plaza.Tx) error {
			return tx.SetConversationState(ctx, u.PK, general.PK, plaza.ConversationState{NotificationStatus: plaza.Notify, Draft: "draft", PinnedTime: t0 + 7})
		}},
		{"SetConversationState of a conversation without a row", func(ctx context.Context, tx plaza.Tx) error {
			return tx.SetConversationState(ctx, v.PK, room.PK, plaza.ConversationState{NotificationStatus: plaza.Notify})
		}},
		{"SetMemberMute", func(ctx context.Context, tx plaza.Tx) error {
			return tx.SetMemberMute(ctx, c.PK, u.PK, 0, plaza.PermanentMute)
		}},
		{"SetMemberMute of a muted member", func(ctx context.Context, tx plaza.Tx) error {
			return tx.SetMemberMute(ctx, c.PK, u.PK, p.PK, plaza.PermanentMute)
		}},
		{"SetMemberMute lifting a mute", func(ctx context.Context, tx plaza.Tx) error {
			return tx.SetMemberMute(ctx, c.PK, v.PK, 0, 0)
		}},
		{"UpdateMessage", func(ctx context.Context, tx plaza.Tx) error {
			m := g1
			m.MessageContent = plaza.MessageContent{Type: plaza.MessageRevoked}
			m.RevokeInfo = &plaza.RevokeInfo{OperatedUserID: "owner", RevokeTime: t0, OriginalMessageType: plaza.MessageText}
			return tx.UpdateMessage(ctx, m)
		}},
		{"AddReplyCount", func(ctx context.Context, tx plaza.Tx) error {
			return tx.AddReplyCount(ctx, general.PK, g1.MessageSeq, 2)
		}},
		{"HideMessages", func(ctx context.Context, tx plaza.Tx) error {
			return tx.HideMessages(ctx, u.PK, general.PK, []int64{1, 2})
		}},
		{"AddReaction", func(ctx context.Context, tx plaza.Tx) error {
			_, err := tx.AddReaction(ctx, general.PK, g2.MessageSeq, "❤️", v.PK, t0)
			return err
		}},
		{"DeleteReaction", func(ctx context.Context, tx plaza.Tx) error {
			_, err := tx.DeleteReaction(ctx, general.PK, g1.MessageSeq, "👍", u.PK)
			return err
		}},
		{"SetReadSeq", func(ctx context.Context, tx plaza.Tx) error {
			return tx.SetReadSeq(ctx, u.PK, general.PK, 3)
		}},
		{"DeleteMembers", func(ctx context.Context, tx plaza.Tx) error {
			return tx.DeleteMembers(ctx, c.PK, []int64{u.PK})
		}},
		{"DeleteChannel", func(ctx context.Context, tx plaza.Tx) error {
			return tx.DeleteChannel(ctx, gone, t0)
		}},
	}
	ids := []string{plaza.GeneralChannelID, "pub", "p", "p2", "gone", "room", "new"}
	return writes, func(q plaza.Query) snapshot {
		return snap(tb, q, c, ids, us, []string{"👍", "❤️"})
	}
}

// testRollbackChannelWrites checks that each channel and message write, and
// all of them together, leave nothing behind when their transaction rolls
// back; and that a seq taken by a rolled-back transaction is given again.
func testRollbackChannelWrites(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	writes, snapshotOf := channelWrites(t, s)
	before := snapshotOf(s)
	all := channelWrite{"every write", func(ctx context.Context, tx plaza.Tx) error {
		for _, w := range writes {
			if err := w.write(ctx, tx); err != nil {
				return fmt.Errorf("%s: %w", w.name, err)
			}
		}
		return nil
	}}
	for _, w := range append(writes, all) {
		err := s.Update(ctx, func(tx plaza.Tx) error {
			if err := w.write(ctx, tx); err != nil {
				return err
			}
			if equalRead(before, snapshotOf(tx)) {
				t.Errorf("%s changed nothing its transaction reads; the suite cannot see it roll back", w.name)
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("Update with %s returned %v, want the error fn returned (%v)", w.name, err, errBoom)
		}
		diffRead(t, "what the store reads after "+w.name+" was rolled back", before, snapshotOf(s))
	}

	room := must(s.Channel(ctx, before.Channels["room"].CommunityPK, "room"))(t, "Channel")
	if m := sendText(t, s, room, addUser(t, s, appA, "late"), "after the rollbacks"); m.MessageSeq != 3 {
		t.Errorf("seq of the first message after rolled-back sends = %d, want 3", m.MessageSeq)
	}
}

// testChannelTxSeesOwnWrites checks that a transaction reads each channel and
// message write it made, exactly as the store reads it once committed, and
// that the store does not read it before the commit.
func testChannelTxSeesOwnWrites(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	writes, snapshotOf := channelWrites(t, s)
	for _, w := range writes {
		before := snapshotOf(s)
		var inTx snapshot
		update(t, s, func(tx plaza.Tx) error {
			if err := w.write(ctx, tx); err != nil {
				return fmt.Errorf("%s: %w", w.name, err)
			}
			inTx = snapshotOf(tx)
			if equalRead(before, inTx) {
				t.Errorf("%s changed nothing its transaction reads", w.name)
			}
			diffRead(t, "what the store reads while "+w.name+" is not committed", before, snapshotOf(s))
			return nil
		})
		diffRead(t, "what "+w.name+"'s transaction read against what the store reads after the commit", inTx, snapshotOf(s))
	}
}
