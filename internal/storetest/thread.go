package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/plazahq/plaza"
)

// minute is a minute in Unix milliseconds: auto-archive durations are in
// minutes.
const minute int64 = 60_000

// threadOpt is how a thread differs from the default one addThread stores.
type threadOpt struct {
	root     int64 // the parent's message it opens from; 0 standalone
	private  bool
	at       int64 // creation time; t0 when 0
	duration int   // auto-archive minutes; plaza.DefaultAutoArchiveDuration when 0
}

// addThread stores a thread of parent as Service stores a new one: in the
// parent's community, archiving its duration after its creation, invitable,
// without members. It returns the thread as the store reads it back.
func addThread(tb testing.TB, s plaza.Store, parent plaza.Channel, id string, o threadOpt) plaza.Channel {
	tb.Helper()
	if o.at == 0 {
		o.at = t0
	}
	if o.duration == 0 {
		o.duration = plaza.DefaultAutoArchiveDuration
	}
	th := plaza.Channel{
		CommunityPK:       parent.CommunityPK,
		CommunityID:       parent.CommunityID,
		ChannelID:         id,
		ChannelType:       plaza.ChannelThread,
		ChannelName:       "Thread " + id,
		ChannelAttributes: map[string]string{},
		CreatorUserID:     "creator",
		CreateTime:        o.at,
		LastTime:          o.at,
		ThreadFields: plaza.ThreadFields{
			ParentPK:            parent.PK,
			ParentChannelID:     parent.ChannelID,
			ParentPrivate:       parent.ChannelType == plaza.ChannelPrivate,
			RootMessageSeq:      o.root,
			IsPrivate:           o.private,
			Invitable:           true,
			AutoArchiveDuration: o.duration,
			ArchiveAt:           o.at + int64(o.duration)*minute,
		},
	}
	update(tb, s, func(tx plaza.Tx) error { return tx.InsertChannel(tb.Context(), &th) })
	if th.PK == 0 {
		tb.Fatalf("InsertChannel(thread %s) left PK 0", id)
	}
	return readChannel(tb, s, th.CommunityPK, id)
}

// joinThread makes u a member of th as Service does: JoinThread, and the
// thread's member count raised by UpdateChannel when u joined, in one
// transaction. It returns what JoinThread returned.
func joinThread(tb testing.TB, s plaza.Store, th plaza.Channel, u plaza.User, readSeq, at int64) bool {
	tb.Helper()
	ctx := tb.Context()
	var joined bool
	update(tb, s, func(tx plaza.Tx) error {
		cur, err := tx.ChannelForUpdate(ctx, th.CommunityPK, th.ChannelID)
		if err != nil {
			return err
		}
		if joined, err = tx.JoinThread(ctx, cur.PK, u.PK, readSeq, at); err != nil || !joined {
			return err
		}
		cur.MemberCount++
		return tx.UpdateChannel(ctx, cur)
	})
	return joined
}

// withLast returns th with its last message, as the thread lists read it.
func withLast(th plaza.Channel, last *plaza.Message) plaza.Channel {
	th.LastMessage = last
	return th
}

// threadIDs returns the IDs of threads, in order.
func threadIDs(ths []plaza.Channel) []string {
	out := make([]string, len(ths))
	for i, th := range ths {
		out[i] = th.ChannelID
	}
	return out
}

func testThreadRoundTrip(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	u := addUser(t, s, appA, "u")
	c := addCommunity(t, s, appA, "c")
	pub := addChannel(t, s, c, "pub")
	priv := addChannelOf(t, s, c, "priv", plaza.ChannelPrivate)
	root := sendText(t, s, pub, u, "the root")
	sendText(t, s, pub, u, "another")
	pub = readChannel(t, s, c.PK, "pub")
	opened := plaza.Channel{
		CommunityPK: c.PK, CommunityID: c.CommunityID, ChannelID: "opened", ChannelType: plaza.ChannelThread,
		ChannelName: "Opened — 討論", ChannelAttributes: map[string]string{}, CreatorUserID: "u",
		CreateTime: t0 + 10, LastTime: t0 + 10, MemberCount: 1,
		ThreadFields: plaza.ThreadFields{ParentPK: pub.PK, ParentChannelID: "pub", RootMessageSeq: root.MessageSeq,
			Invitable: true, AutoArchiveDuration: 60, ArchiveAt: t0 + 10 + 60*minute},
	}
	standalone := plaza.Channel{
		CommunityPK: c.PK, CommunityID: c.CommunityID, ChannelID: "standalone", ChannelType: plaza.ChannelThread,
		ChannelName: "Standalone", ChannelAttributes: map[string]string{}, CreatorUserID: "v",
		CreateTime: t0 + 20, LastTime: t0 + 20,
		ThreadFields: plaza.ThreadFields{ParentPK: priv.PK, ParentChannelID: "priv", ParentPrivate: true,
			IsPrivate: true, IsLocked: true, AutoArchiveDuration: 10080, ArchiveAt: t0 + 20 + 10080*minute},
	}
	loose := plaza.Channel{ // standalone in pub: ThreadByRoot of seq 0 must not find it
		CommunityPK: c.PK, CommunityID: c.CommunityID, ChannelID: "loose", ChannelType: plaza.ChannelThread,
		ChannelAttributes: map[string]string{}, CreateTime: t0 + 30, LastTime: t0 + 30,
		ThreadFields: plaza.ThreadFields{ParentPK: pub.PK, ParentChannelID: "pub", AutoArchiveDuration: 1440, ArchiveAt: t0 + 30 + 1440*minute},
	}
	update(t, s, func(tx plaza.Tx) error {
		for _, th := range []*plaza.Channel{&opened, &standalone, &loose} {
			if err := tx.InsertChannel(ctx, th); err != nil {
				return fmt.Errorf("InsertChannel(%s): %w", th.ChannelID, err)
			}
		}
		return nil
	})
	for _, want := range []plaza.Channel{opened, standalone, loose} {
		diff(t, "Channel("+want.ChannelID+")", want, readChannel(t, s, c.PK, want.ChannelID))
	}
	diff(t, "the parent channel, which has no thread fields", pub, readChannel(t, s, c.PK, "pub"))

	// ThreadByRoot finds the thread of a message, and only that.
	diff(t, "ThreadByRoot(pub, root)", opened, must(s.ThreadByRoot(ctx, pub.PK, root.MessageSeq))(t, "ThreadByRoot"))
	update(t, s, func(tx plaza.Tx) error {
		diff(t, "ThreadByRoot(pub, root) in a transaction", opened, must(tx.ThreadByRoot(ctx, pub.PK, root.MessageSeq))(t, "tx.ThreadByRoot"))
		return nil
	})
	for _, tc := range []struct {
		name              string
		parentPK, rootSeq int64
	}{
		{"a message that opened no thread", pub.PK, 2},
		{"seq 0, of the standalone threads", pub.PK, 0},
		{"the same seq in another channel", priv.PK, root.MessageSeq},
		{"a thread's key as a parent", opened.PK, root.MessageSeq},
	} {
		_, err := s.ThreadByRoot(ctx, tc.parentPK, tc.rootSeq)
		wantErr(t, "ThreadByRoot of "+tc.name, err, plaza.ErrNotFound)
	}

	// A thread lives in its community's channel namespace, and a message
	// opens one thread at most.
	for _, tc := range []struct {
		name string
		ch   plaza.Channel
	}{
		{"a second thread of the same message", func() plaza.Channel { th := opened; th.ChannelID = "second"; return th }()},
		{"a thread with a channel's ID", func() plaza.Channel { th := loose; th.ChannelID = "priv"; return th }()},
		{"a channel with a thread's ID", func() plaza.Channel { ch := pub; ch.ChannelID = "opened"; return ch }()},
	} {
		ch := tc.ch
		ch.PK = 0
		err := s.Update(ctx, func(tx plaza.Tx) error { return tx.InsertChannel(ctx, &ch) })
		wantErr(t, "InsertChannel of "+tc.name, err, plaza.ErrConflict)
	}
	_, err := s.Channel(ctx, c.PK, "second")
	wantErr(t, "Channel of a refused thread", err, plaza.ErrNotFound)

	// UpdateChannel stores a thread's name, lock, invitability, duration,
	// archive time and member count, and moves its last activity forward
	// only.
	th := opened
	th.ChannelName, th.IsLocked, th.Invitable, th.AutoArchiveDuration = "Renamed", true, false, 4320
	th.ArchiveAt, th.MemberCount = t0+15, 3 // archived by hand
	stale := th
	stale.LastTime = t0 + 5
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateChannel(ctx, stale) })
	diff(t, "a thread after UpdateChannel with an older LastTime", th, readChannel(t, s, c.PK, "opened"))
	th.LastTime, th.ArchiveAt = t0+50_000, t0+50_000+4320*minute // unarchived by hand
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateChannel(ctx, th) })
	diff(t, "a thread unarchived by hand", th, readChannel(t, s, c.PK, "opened"))
	th.IsLocked, th.Invitable = false, true
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateChannel(ctx, th) })
	diff(t, "a thread unlocked", th, readChannel(t, s, c.PK, "opened"))

	// What is fixed for a thread's life stays.
	fixed := th
	fixed.ParentPK, fixed.ParentChannelID, fixed.ParentPrivate, fixed.RootMessageSeq, fixed.IsPrivate = priv.PK, "priv", true, 9, true
	fixed.ChannelType = plaza.ChannelPublic
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateChannel(ctx, fixed) })
	diff(t, "a thread after UpdateChannel with other fixed fields", th, readChannel(t, s, c.PK, "opened"))

	// A thread's messages take seqs of its own.
	if m := sendText(t, s, th, u, "in the thread"); m.MessageSeq != 1 {
		t.Errorf("seq of a thread's first message = %d, want 1", m.MessageSeq)
	}
	diff(t, "the parent after a message in its thread", pub, readChannel(t, s, c.PK, "pub"))
}

// testThreadNextSeq checks that a message moves a thread's archive time to
// its new last activity plus its auto-archive duration, and leaves a
// channel's alone.
func testThreadNextSeq(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	u := addUser(t, s, appA, "u")
	c := addCommunity(t, s, appA, "c")
	pub := addChannel(t, s, c, "pub")
	th := addThread(t, s, pub, "th", threadOpt{duration: 60})
	step := func(what string, at int64, wantLast, wantArchive int64) {
		t.Helper()
		sendAt(t, s, th, u, what, at)
		th.LastMessageSeq++
		th.LastTime, th.ArchiveAt = wantLast, wantArchive
		diff(t, "the thread after "+what, th, readChannel(t, s, c.PK, "th"))
	}
	step("a message", t0+1000, t0+1000, t0+1000+60*minute)
	step("a message of an older time", t0+500, t0+1000, t0+1000+60*minute)
	step("a message without a time", 0, t0+1000, t0+1000+60*minute)

	// A new duration applies from the next message on; a thread archived by
	// hand is unarchived by a message.
	th.AutoArchiveDuration, th.ArchiveAt = 10080, t0+1500
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateChannel(ctx, th) })
	step("a message in a thread archived by hand", t0+2000, t0+2000, t0+2000+10080*minute)

	// A channel has no archive time.
	sendAt(t, s, pub, u, "in the parent", t0+5000)
	pub.LastMessageSeq, pub.LastTime = 1, t0+5000
	diff(t, "a channel after a message", pub, readChannel(t, s, c.PK, "pub"))
	diff(t, "the thread after a message in its parent", th, readChannel(t, s, c.PK, "th"))
}

// testThreads checks Threads: a channel's threads that a user sees, active
// ones by activity and archived ones by archive time, newest first, paged.
func testThreads(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "owner", "u", "v")
	owner, u, v := us[0], us[1], us[2]
	c := addCommunity(t, s, appA, "c")
	addMember(t, s, c, owner, plaza.RoleOwner)
	addMember(t, s, c, u, plaza.RoleMember)
	addMember(t, s, c, v, plaza.RoleMember)
	pub := addChannel(t, s, c, "pub")
	other := addChannel(t, s, c, "other")
	now := t0 + 30*minute
	// Active at now (60 minutes after their creation, or later): a, b, z
	// (public), p (private, u a member), q (private, u not a member).
	a := addThread(t, s, pub, "a", threadOpt{at: t0 + 1000, duration: 60})
	b := addThread(t, s, pub, "b", threadOpt{at: t0 + 2000})
	p := addThread(t, s, pub, "p", threadOpt{at: t0 + 3000, private: true})
	q := addThread(t, s, pub, "q", threadOpt{at: t0 + 4000, private: true})
	z := addThread(t, s, pub, "z", threadOpt{at: t0 + 2000}) // b's activity time: after b by key
	edge := addThread(t, s, pub, "edge", threadOpt{at: t0 - 60*minute + 30*minute + 1, duration: 60})
	// Archived at now: by hand, or their duration over; at exactly now too.
	archive := func(th plaza.Channel, at int64) plaza.Channel {
		t.Helper()
		th.ArchiveAt = at
		update(t, s, func(tx plaza.Tx) error { return tx.UpdateChannel(ctx, th) })
		return readChannel(t, s, c.PK, th.ChannelID)
	}
	x1 := archive(addThread(t, s, pub, "x1", threadOpt{at: t0 + 5000}), t0+10*minute)
	x2 := archive(addThread(t, s, pub, "x2", threadOpt{at: t0 + 6000}), now)
	x3 := addThread(t, s, pub, "x3", threadOpt{at: t0 - 2*60*minute, duration: 60}) // archived at t0 - 60 minutes
	x4 := archive(addThread(t, s, pub, "x4", threadOpt{at: t0 + 7000, private: true}), t0+10*minute)
	x5 := archive(addThread(t, s, pub, "x5", threadOpt{at: t0 + 8000, private: true}), t0+20*minute) // u a member
	addThread(t, s, other, "elsewhere", threadOpt{at: t0 + 9000})
	joinThread(t, s, p, u, 0, t0)
	joinThread(t, s, x5, u, 0, t0)
	joinThread(t, s, q, v, 0, t0)
	bLast := sendAt(t, s, b, owner, "in b", t0+6000)
	zLast := sendAt(t, s, z, owner, "in z", t0+6000)
	pLast := sendAt(t, s, p, owner, "in p", t0+500) // an older time than the thread's creation
	read := func(th plaza.Channel) plaza.Channel {
		t.Helper()
		return readChannel(t, s, c.PK, th.ChannelID)
	}
	a, b, p, q, z, edge, x1, x2, x3, x4, x5 = read(a), read(b), read(p), read(q), read(z), read(edge), read(x1), read(x2), read(x3), read(x4), read(x5)
	if b.ArchiveAt != t0+6000+1440*minute {
		t.Fatalf("ArchiveAt of b after a message = %d, want %d", b.ArchiveAt, t0+6000+1440*minute)
	}
	active := []plaza.Channel{withLast(z, &zLast), withLast(b, &bLast), q, withLast(p, &pLast), a, edge}
	archived := []plaza.Channel{x2, x5, x4, x1, x3}

	memberOf := map[plaza.User][]string{u: {"p", "x5"}, v: {"q"}}
	visible := func(ths []plaza.Channel, x plaza.User, all bool) []plaza.Channel {
		return slices.DeleteFunc(slices.Clone(ths), func(th plaza.Channel) bool {
			return th.IsPrivate && !all && !slices.Contains(memberOf[x], th.ChannelID)
		})
	}
	for _, tc := range []struct {
		name     string
		viewer   plaza.User
		all      bool
		archived bool
		want     []plaza.Channel
	}{
		{"active, for u", u, false, false, visible(active, u, false)},
		{"active, for v", v, false, false, visible(active, v, false)},
		{"active, every one", u, true, false, active},
		{"archived, for u", u, false, true, visible(archived, u, false)},
		{"archived, for v", v, false, true, visible(archived, v, false)},
		{"archived, every one", owner, true, true, archived},
	} {
		got := must(s.Threads(ctx, pub.PK, tc.viewer.PK, tc.all, tc.archived, now, plaza.Cursor{}, 100))(t, "Threads")
		checkNonNil(t, "Threads", got)
		diff(t, "Threads "+tc.name, tc.want, got)
		for _, limit := range []int{1, 2, 3} {
			paged := pageAll(t, "Threads "+tc.name, limit, len(tc.want),
				func(after plaza.Cursor, limit int) ([]plaza.Channel, error) {
					return s.Threads(ctx, pub.PK, tc.viewer.PK, tc.all, tc.archived, now, after, limit)
				},
				func(th plaza.Channel) plaza.Cursor {
					if tc.archived {
						return plaza.Cursor{K1: th.ArchiveAt, K2: th.PK}
					}
					return plaza.Cursor{K1: th.LastTime, K2: th.PK}
				})
			diff(t, fmt.Sprintf("Threads %s paged by %d", tc.name, limit), tc.want, paged)
		}
	}
	update(t, s, func(tx plaza.Tx) error {
		diff(t, "Threads read in a transaction", active, must(tx.Threads(ctx, pub.PK, owner.PK, true, false, now, plaza.Cursor{}, 100))(t, "tx.Threads"))
		return nil
	})

	// Archiving is read at now: a minute later edge is archived too.
	later := now + minute
	diff(t, "active threads a minute later", []string{"z", "b", "q", "p", "a"},
		threadIDs(must(s.Threads(ctx, pub.PK, owner.PK, true, false, later, plaza.Cursor{}, 100))(t, "Threads")))
	diff(t, "archived threads a minute later", []string{"edge", "x2", "x5", "x4", "x1", "x3"},
		threadIDs(must(s.Threads(ctx, pub.PK, owner.PK, true, true, later, plaza.Cursor{}, 100))(t, "Threads")))
	diff(t, "Threads of a channel without any", []plaza.Channel{},
		must(s.Threads(ctx, addChannel(t, s, c, "empty").PK, owner.PK, true, false, now, plaza.Cursor{}, 100))(t, "Threads"))
}

// testCountActiveThreads checks CountActiveThreads at a given now.
func testCountActiveThreads(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	u := addUser(t, s, appA, "u")
	c := addCommunity(t, s, appA, "c")
	pub := addChannel(t, s, c, "pub")
	other := addChannel(t, s, c, "other")
	addThread(t, s, pub, "hour", threadOpt{duration: 60})            // archives at t0 + 60 minutes
	addThread(t, s, pub, "day", threadOpt{})                         // at t0 + 1440 minutes
	addThread(t, s, pub, "private", threadOpt{private: true})        // at t0 + 1440 minutes
	week := addThread(t, s, pub, "week", threadOpt{duration: 10080}) // at t0 + 10080 minutes
	addThread(t, s, other, "elsewhere", threadOpt{duration: 10080})
	sendAt(t, s, pub, u, "in the parent", t0+10080*minute) // the parent's activity counts for nothing
	count := func(at int64) int {
		t.Helper()
		var n int
		update(t, s, func(tx plaza.Tx) error {
			n = must(tx.CountActiveThreads(ctx, pub.PK, at))(t, "CountActiveThreads")
			return nil
		})
		return n
	}
	for _, tc := range []struct {
		name string
		now  int64
		want int
	}{
		{"at their creation", t0, 4},
		{"a moment before the first archives", t0 + 60*minute - 1, 4},
		{"when the first archives", t0 + 60*minute, 3},
		{"after a day", t0 + 1440*minute, 1},
		{"after a week", t0 + 10080*minute, 0},
	} {
		if got := count(tc.now); got != tc.want {
			t.Errorf("CountActiveThreads %s = %d, want %d", tc.name, got, tc.want)
		}
	}
	// A message unarchives a thread; archiving by hand archives it.
	sendAt(t, s, addThread(t, s, pub, "revived", threadOpt{at: t0 - 2*1440*minute}), u, "back", t0+10080*minute)
	week.ArchiveAt = t0
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateChannel(ctx, week) })
	if got := count(t0 + 1440*minute); got != 1 {
		t.Errorf("CountActiveThreads after a message revived one and another was archived by hand = %d, want 1", got)
	}
	empty := addChannel(t, s, c, "empty")
	var none int
	update(t, s, func(tx plaza.Tx) error {
		none = must(tx.CountActiveThreads(ctx, empty.PK, t0))(t, "CountActiveThreads")
		return nil
	})
	if none != 0 {
		t.Errorf("CountActiveThreads of a channel without threads = %d, want 0", none)
	}
}

// testJoinThread checks JoinThread and LeaveThread: idempotent, and the
// rows they make and take: the membership (IsChannelMember, ThreadMembers)
// and the conversation (in notify, read to the given seq).
func testJoinThread(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "owner", "u", "v")
	owner, u, v := us[0], us[1], us[2]
	c := addCommunity(t, s, appA, "c")
	addMember(t, s, c, owner, plaza.RoleOwner)
	mu := addMember(t, s, c, u, plaza.RoleMember)
	addMember(t, s, c, v, plaza.RoleMember)
	pub := addChannel(t, s, c, "pub")
	th := addThread(t, s, pub, "th", threadOpt{})
	other := addThread(t, s, pub, "other", threadOpt{})
	sendN(t, s, th, owner, 5)
	last := must(s.Message(ctx, th.PK, 5, 0))(t, "Message")
	last.CommunityID, last.ChannelID = c.CommunityID, th.ChannelID // the store names them in a conversation
	conversationOf := func(x plaza.User) (plaza.ChannelConversation, error) {
		return s.Conversation(ctx, x.PK, th.PK)
	}
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
	join := func(x plaza.User, readSeq, at int64) func(tx plaza.Tx) (bool, error) {
		return func(tx plaza.Tx) (bool, error) { return tx.JoinThread(ctx, th.PK, x.PK, readSeq, at) }
	}
	leave := func(x plaza.User) func(tx plaza.Tx) (bool, error) {
		return func(tx plaza.Tx) (bool, error) { return tx.LeaveThread(ctx, th.PK, x.PK) }
	}

	checkListed(t, s, "before anyone joined", th, map[plaza.User]bool{u: false, v: false})
	_, err := conversationOf(u)
	wantErr(t, "Conversation of a user who never joined the thread", err, plaza.ErrNotFound)

	step("JoinThread(u)", join(u, 3, t0+100), true)
	checkListed(t, s, "after u joined", th, map[plaza.User]bool{u: true, v: false})
	checkListed(t, s, "after u joined another thread", other, map[plaza.User]bool{u: false})
	th = readChannel(t, s, c.PK, "th")
	diff(t, "Conversation of u after it joined", threadConversation(mu, th, pub, 3, &last), must(conversationOf(u))(t, "Conversation"))
	diff(t, "ThreadMembers after u joined", []plaza.ThreadMember{{UserInfo: u.UserInfo, MemberRole: plaza.RoleMember, JoinTime: t0 + 100, JoinKey: u.PK}},
		must(s.ThreadMembers(ctx, c.PK, th.PK, plaza.Cursor{}, 100))(t, "ThreadMembers"))
	diff(t, "the thread after a join: its member count is Service's", th, readChannel(t, s, c.PK, "th"))

	// Joining again changes nothing: not the read position, not the
	// settings, not the join time.
	setState(t, s, u, th, plaza.ConversationState{NotificationStatus: plaza.DoNotDisturb, Draft: "draft"})
	setReadSeq(t, s, u, th, 4)
	before := must(conversationOf(u))(t, "Conversation")
	step("JoinThread(u) of a member", join(u, 1, t0+200), false)
	diff(t, "Conversation of u after it joined again", before, must(conversationOf(u))(t, "Conversation"))
	diff(t, "ThreadMembers after u joined again", []plaza.ThreadMember{{UserInfo: u.UserInfo, MemberRole: plaza.RoleMember, JoinTime: t0 + 100, JoinKey: u.PK}},
		must(s.ThreadMembers(ctx, c.PK, th.PK, plaza.Cursor{}, 100))(t, "ThreadMembers"))

	// Leaving forgets the membership and the conversation; a second leave
	// is nothing.
	step("LeaveThread(u)", leave(u), true)
	checkListed(t, s, "after u left", th, map[plaza.User]bool{u: false})
	_, err = conversationOf(u)
	wantErr(t, "Conversation of u after it left", err, plaza.ErrNotFound)
	step("LeaveThread(u) of a former member", leave(u), false)
	step("LeaveThread(v) of a user never a member", leave(v), false)
	diff(t, "ThreadMembers after u left", []plaza.ThreadMember{}, must(s.ThreadMembers(ctx, c.PK, th.PK, plaza.Cursor{}, 100))(t, "ThreadMembers"))

	// Back, it starts afresh: in notify, without a draft, read to the
	// position given.
	step("JoinThread(u) after it left", join(u, 2, t0+300), true)
	diff(t, "Conversation of u after it left and joined again", threadConversation(mu, th, pub, 2, &last), must(conversationOf(u))(t, "Conversation"))

	// Only members have a conversation in a thread: the read position and
	// settings of anyone else are not kept, and a join starts afresh.
	setReadSeq(t, s, v, th, 5)
	setState(t, s, v, th, plaza.ConversationState{NotificationStatus: plaza.Notify, Draft: "not kept", PinnedTime: t0})
	_, err = conversationOf(v)
	wantErr(t, "Conversation of a non-member who read and set up a thread", err, plaza.ErrNotFound)
	if n := countPinned(t, s, v); n != 0 {
		t.Errorf("CountPinned of a non-member who pinned a thread = %d, want 0", n)
	}
	diff(t, "UnreadByCommunity of a non-member who read a thread", []plaza.CommunityUnread{{CommunityID: "c", NotificationStatus: plaza.Notify}},
		unreadOf(t, s, v))
	step("JoinThread(v) after it read the thread as a non-member", join(v, 3, t0+400), true)
	mv := must(s.Member(ctx, c.PK, v.UserID))(t, "Member")
	diff(t, "Conversation of v once it joined", threadConversation(mv, th, pub, 3, &last), must(conversationOf(v))(t, "Conversation"))
	// A member's read position and settings are kept, as in any channel.
	setReadSeq(t, s, v, th, 4)
	setReadSeq(t, s, v, th, 2)
	setState(t, s, v, th, plaza.ConversationState{NotificationStatus: plaza.DoNotDisturb, Draft: "kept"})
	if cv := must(conversationOf(v))(t, "Conversation"); cv.ReadMessageSeq != 4 || cv.NotificationStatus != plaza.DoNotDisturb || cv.Draft != "kept" {
		t.Errorf("Conversation of v after its settings: read %d, status %d, draft %q; want 4, do-not-disturb, kept", cv.ReadMessageSeq, cv.NotificationStatus, cv.Draft)
	}
	update(t, s, func(tx plaza.Tx) error {
		if !must(tx.IsChannelMember(ctx, th.PK, v.PK))(t, "tx.IsChannelMember") {
			t.Errorf("IsChannelMember(th, v) read in the transaction after v joined = false")
		}
		return nil
	})
}

// testLeaveThreads checks LeaveThreads: every thread of one channel, with
// their member counts, and no other thread.
func testLeaveThreads(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "u", "v")
	u, v := us[0], us[1]
	c := addCommunity(t, s, appA, "c")
	addMember(t, s, c, u, plaza.RoleMember)
	addMember(t, s, c, v, plaza.RoleMember)
	p := addChannelOf(t, s, c, "p", plaza.ChannelPrivate)
	q := addChannel(t, s, c, "q")
	t2 := addThread(t, s, p, "t2", threadOpt{})
	t1 := addThread(t, s, p, "t1", threadOpt{private: true})
	t3 := addThread(t, s, p, "t3", threadOpt{}) // u is not a member
	tq := addThread(t, s, q, "tq", threadOpt{})
	for _, th := range []plaza.Channel{t2, t1, tq} {
		joinThread(t, s, th, u, 0, t0)
		joinThread(t, s, th, v, 0, t0)
	}
	joinThread(t, s, t3, v, 0, t0)
	leave := func() []string {
		t.Helper()
		var ids []string
		update(t, s, func(tx plaza.Tx) error {
			var err error
			ids, err = tx.LeaveThreads(ctx, p.PK, u.PK)
			return err
		})
		return ids
	}
	before := map[string]plaza.Channel{}
	for _, id := range []string{"t1", "t2", "t3", "tq"} {
		before[id] = readChannel(t, s, c.PK, id)
	}
	diff(t, "LeaveThreads(p, u)", []string{"t2", "t1"}, leave())
	for _, tc := range []struct {
		id     string
		member bool
		count  int64
	}{{"t2", false, 1}, {"t1", false, 1}, {"t3", false, 1}, {"tq", true, 2}} {
		th := readChannel(t, s, c.PK, tc.id)
		want := before[tc.id]
		want.MemberCount = tc.count
		diff(t, "thread "+tc.id+" after LeaveThreads(p, u)", want, th)
		checkListed(t, s, "after LeaveThreads(p, u)", th, map[plaza.User]bool{u: tc.member, v: true})
		_, err := s.Conversation(ctx, u.PK, th.PK)
		if tc.member {
			must(s.Conversation(ctx, u.PK, th.PK))(t, "Conversation of u in "+tc.id)
		} else {
			wantErr(t, "Conversation of u in "+tc.id+" after LeaveThreads", err, plaza.ErrNotFound)
		}
	}
	diff(t, "LeaveThreads(p, u) again", []string{}, leave())
	diff(t, "t1's member count after a second LeaveThreads", int64(1), readChannel(t, s, c.PK, "t1").MemberCount)
}

// testFollowedThreads checks FollowedThreads: the threads a user is a
// member of whose parent it sees, in one community or all, newest activity
// first, with its read position and status.
func testFollowedThreads(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "owner", "u", "v")
	owner, u, v := us[0], us[1], us[2]
	c := addCommunity(t, s, appA, "c")
	d := addCommunity(t, s, appA, "d")
	addMember(t, s, c, owner, plaza.RoleOwner)
	addMember(t, s, d, owner, plaza.RoleOwner)
	addMember(t, s, c, u, plaza.RoleMember)
	mud := addMember(t, s, d, u, plaza.RoleAdmin)
	addMember(t, s, c, v, plaza.RoleMember)
	pub := addChannel(t, s, c, "pub")
	priv := listIn(t, s, addChannelOf(t, s, c, "priv", plaza.ChannelPrivate), u)
	hidden := addChannelOf(t, s, c, "hidden", plaza.ChannelPrivate) // u is not listed
	dpriv := addChannelOf(t, s, d, "dpriv", plaza.ChannelPrivate)   // u sees it as an admin
	t1 := addThread(t, s, pub, "t1", threadOpt{at: t0 + 1000})
	t2 := addThread(t, s, priv, "t2", threadOpt{at: t0 + 2000})
	t3 := addThread(t, s, hidden, "t3", threadOpt{at: t0 + 3000})
	t4 := addThread(t, s, dpriv, "t4", threadOpt{at: t0 + 4000})
	t5 := addThread(t, s, pub, "t5", threadOpt{at: t0 + 5000}) // u is not a member
	t6 := addThread(t, s, pub, "t6", threadOpt{at: t0 + 6000, private: true})
	for _, th := range []plaza.Channel{t1, t2, t3, t4, t6} {
		joinThread(t, s, th, u, 0, t0)
	}
	joinThread(t, s, t5, v, 0, t0)
	t1Last := sendAt(t, s, t1, owner, "t1", t0+9000)
	sendAt(t, s, t2, owner, "t2 one", t0+7000)
	t2Last := sendAt(t, s, t2, owner, "t2 two", t0+7500)
	setReadSeq(t, s, u, t2, 1)
	setState(t, s, u, t2, plaza.ConversationState{NotificationStatus: plaza.DoNotDisturb})
	t3Last := sendAt(t, s, t3, owner, "t3", t0+9500)
	read := func(th plaza.Channel) plaza.Channel {
		t.Helper()
		return readChannel(t, s, th.CommunityPK, th.ChannelID)
	}
	t1, t2, t3, t4, t6 = read(t1), read(t2), read(t3), read(t4), read(t6)
	f1 := plaza.FollowedThread{Thread: withLast(t1, &t1Last), NotificationStatus: plaza.Notify}
	f2 := plaza.FollowedThread{Thread: withLast(t2, &t2Last), ReadSeq: 1, NotificationStatus: plaza.DoNotDisturb}
	f3 := plaza.FollowedThread{Thread: withLast(t3, &t3Last), NotificationStatus: plaza.Notify}
	f4 := plaza.FollowedThread{Thread: t4, NotificationStatus: plaza.Notify}
	f6 := plaza.FollowedThread{Thread: t6, NotificationStatus: plaza.Notify}
	followed := func(x plaza.User, communityPK int64, want []plaza.FollowedThread, what string) {
		t.Helper()
		got := must(s.FollowedThreads(ctx, x.PK, communityPK, plaza.Cursor{}, 100))(t, "FollowedThreads")
		checkNonNil(t, "FollowedThreads", got)
		diff(t, "FollowedThreads "+what, want, got)
		for _, limit := range []int{1, 2} {
			paged := pageAll(t, "FollowedThreads "+what, limit, len(want),
				func(after plaza.Cursor, limit int) ([]plaza.FollowedThread, error) {
					return s.FollowedThreads(ctx, x.PK, communityPK, after, limit)
				},
				func(f plaza.FollowedThread) plaza.Cursor { return plaza.Cursor{K1: f.Thread.LastTime, K2: f.Thread.PK} })
			diff(t, fmt.Sprintf("FollowedThreads %s paged by %d", what, limit), want, paged)
		}
	}
	followed(u, 0, []plaza.FollowedThread{f1, f2, f6, f4}, "of u in every community")
	followed(u, c.PK, []plaza.FollowedThread{f1, f2, f6}, "of u in c")
	followed(u, d.PK, []plaza.FollowedThread{f4}, "of u in d")
	followed(v, 0, []plaza.FollowedThread{{Thread: read(t5), NotificationStatus: plaza.Notify}}, "of v")
	followed(owner, 0, []plaza.FollowedThread{}, "of the owner, a member of no thread")
	update(t, s, func(tx plaza.Tx) error {
		diff(t, "FollowedThreads of u read in a transaction", []plaza.FollowedThread{f1, f2, f6, f4},
			must(tx.FollowedThreads(ctx, u.PK, 0, plaza.Cursor{}, 100))(t, "tx.FollowedThreads"))
		return nil
	})

	// The parent's visibility follows u's listing and role.
	listIn(t, s, hidden, u)
	f3.Thread.ParentMemberCount = read(t3).ParentMemberCount // the parent lists one more
	followed(u, c.PK, []plaza.FollowedThread{f3, f1, f2, f6}, "of u in c once listed in t3's parent")
	mud.MemberRole = plaza.RoleMember
	update(t, s, func(tx plaza.Tx) error { return tx.UpdateMember(ctx, mud) })
	followed(u, d.PK, []plaza.FollowedThread{}, "of u in d once no longer an admin")
}

// testThreadMembers checks ThreadMembers: in the order they joined, then by
// user key, paged, with their community role.
func testThreadMembers(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	us := addUsers(t, s, appA, "a", "b", "c", "d", "gone")
	c := addCommunity(t, s, appA, "c")
	roles := []plaza.Role{plaza.RoleMember, plaza.RoleOwner, plaza.RoleAdmin, plaza.RoleMember, plaza.RoleMember}
	for i, u := range us {
		addMember(t, s, c, u, roles[i])
	}
	pub := addChannel(t, s, c, "pub")
	th := addThread(t, s, pub, "th", threadOpt{})
	other := addThread(t, s, pub, "other", threadOpt{})
	joins := []struct {
		user int
		at   int64
	}{{1, t0 + 10}, {0, t0 + 10}, {4, t0 + 15}, {3, t0 + 30}, {2, t0 + 20}}
	for _, j := range joins {
		joinThread(t, s, th, us[j.user], 0, j.at)
	}
	joinThread(t, s, other, us[0], 0, t0)
	update(t, s, func(tx plaza.Tx) error {
		_, err := tx.LeaveThread(ctx, th.PK, us[4].PK)
		return err
	})
	member := func(i int, at int64) plaza.ThreadMember {
		return plaza.ThreadMember{UserInfo: us[i].UserInfo, MemberRole: roles[i], JoinTime: at, JoinKey: us[i].PK}
	}
	want := []plaza.ThreadMember{member(0, t0+10), member(1, t0+10), member(2, t0+20), member(3, t0+30)}
	if us[0].PK > us[1].PK {
		want[0], want[1] = want[1], want[0]
	}
	got := must(s.ThreadMembers(ctx, c.PK, th.PK, plaza.Cursor{}, 100))(t, "ThreadMembers")
	checkNonNil(t, "ThreadMembers", got)
	diff(t, "ThreadMembers", want, got)
	for _, limit := range []int{1, 2, 3} {
		paged := pageAll(t, "ThreadMembers", limit, len(want),
			func(after plaza.Cursor, limit int) ([]plaza.ThreadMember, error) {
				return s.ThreadMembers(ctx, c.PK, th.PK, after, limit)
			},
			func(m plaza.ThreadMember) plaza.Cursor { return plaza.Cursor{K1: m.JoinTime, K2: m.JoinKey} })
		diff(t, fmt.Sprintf("ThreadMembers paged by %d", limit), want, paged)
	}
	diff(t, "ThreadMembers of another thread", []plaza.ThreadMember{member(0, t0)},
		must(s.ThreadMembers(ctx, c.PK, other.PK, plaza.Cursor{}, 100))(t, "ThreadMembers"))
	update(t, s, func(tx plaza.Tx) error {
		diff(t, "ThreadMembers read in a transaction", want, must(tx.ThreadMembers(ctx, c.PK, th.PK, plaza.Cursor{}, 100))(t, "tx.ThreadMembers"))
		return nil
	})
}
