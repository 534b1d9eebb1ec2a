package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/plazahq/plaza"
)

// threadSnapshot is what the suite reads about the threads of a community,
// as some users see them: two equal snapshots mean no write to them shows.
type threadSnapshot struct {
	Threads    map[string]*plaza.Channel              // by ID; nil: not found
	Dismissed  map[string]bool                        // by ID
	Lists      map[string][]plaza.Channel             // Threads of each parent, active and archived, every one
	Followed   map[string][]plaza.FollowedThread      // by user
	Members    map[string][]plaza.ThreadMember        // by thread
	Listed     map[string][]string                    // IsChannelMember by thread: the members
	All        map[string][]plaza.ChannelConversation // Conversations by user
	Unread     map[string][]plaza.CommunityUnread     // by user
	Total      map[string]int64                       // by user
	Private    map[string]map[string][]string         // UserPrivateChannels by user
	RootByUser map[string]plaza.Message               // the first message of the parent, as each user reads it
	History    map[string][]plaza.Message             // by thread
}

// threadWrites sets up a community with channels, threads, members and
// messages, and returns every kind of write that concerns threads, each of
// which changes what the returned snapshot function reads, whether made
// alone or after the ones before it.
func threadWrites(tb testing.TB, s plaza.Store) ([]channelWrite, func(q plaza.Query) threadSnapshot) {
	tb.Helper()
	us := addUsers(tb, s, appA, "owner", "u", "v")
	owner, u, v := us[0], us[1], us[2]
	c := addCommunity(tb, s, appA, "c")
	addMember(tb, s, c, owner, plaza.RoleOwner)
	addMember(tb, s, c, u, plaza.RoleMember)
	addMember(tb, s, c, v, plaza.RoleMember)
	pub := addChannel(tb, s, c, "pub")
	doomed := addChannel(tb, s, c, "doomed")
	root := sendText(tb, s, pub, owner, "root")
	sendText(tb, s, pub, owner, "another")
	open := addThread(tb, s, pub, "open", threadOpt{root: root.MessageSeq})
	secret := addThread(tb, s, pub, "secret", threadOpt{private: true})
	gone := addThread(tb, s, doomed, "gone", threadOpt{})
	for _, th := range []plaza.Channel{open, secret, gone} {
		joinThread(tb, s, th, u, 0, t0)
		sendN(tb, s, th, owner, 2)
	}
	joinThread(tb, s, open, v, 1, t0)
	setState(tb, s, u, open, notify)
	open = readChannel(tb, s, c.PK, "open")
	ids := []string{"open", "secret", "gone", "new"}
	writes := []channelWrite{
		{"InsertChannel of a thread", func(ctx context.Context, tx plaza.Tx) error {
			th := plaza.Channel{CommunityPK: c.PK, ChannelID: "new", ChannelType: plaza.ChannelThread, ChannelAttributes: map[string]string{},
				CreateTime: t0, ThreadFields: plaza.ThreadFields{ParentPK: pub.PK, RootMessageSeq: 2, AutoArchiveDuration: 60, ArchiveAt: t0 + 60*minute}}
			return tx.InsertChannel(ctx, &th)
		}},
		{"UpdateChannel of a thread", func(ctx context.Context, tx plaza.Tx) error {
			th, err := tx.ChannelForUpdate(ctx, c.PK, "open")
			if err != nil {
				return err
			}
			th.ChannelName, th.IsLocked, th.ArchiveAt, th.LastTime = "renamed", true, t0+1, t0+50_000
			return tx.UpdateChannel(ctx, th)
		}},
		{"NextSeq of a thread", func(ctx context.Context, tx plaza.Tx) error {
			_, err := tx.NextSeq(ctx, open.PK, t0+100_000)
			return err
		}},
		{"JoinThread", func(ctx context.Context, tx plaza.Tx) error {
			_, err := tx.JoinThread(ctx, secret.PK, v.PK, 1, t0)
			return err
		}},
		{"LeaveThread", func(ctx context.Context, tx plaza.Tx) error {
			_, err := tx.LeaveThread(ctx, open.PK, u.PK)
			return err
		}},
		{"LeaveThreads", func(ctx context.Context, tx plaza.Tx) error {
			_, err := tx.LeaveThreads(ctx, pub.PK, v.PK)
			return err
		}},
		{"DeleteMembers", func(ctx context.Context, tx plaza.Tx) error {
			return tx.DeleteMembers(ctx, c.PK, []int64{u.PK})
		}},
		{"DeleteChannel of a thread", func(ctx context.Context, tx plaza.Tx) error {
			return tx.DeleteChannel(ctx, open, t0)
		}},
		{"DeleteChannel of a parent", func(ctx context.Context, tx plaza.Tx) error {
			return tx.DeleteChannel(ctx, doomed, t0)
		}},
	}
	return writes, func(q plaza.Query) threadSnapshot {
		ctx := tb.Context()
		sn := threadSnapshot{
			Threads: map[string]*plaza.Channel{}, Dismissed: map[string]bool{}, Lists: map[string][]plaza.Channel{},
			Followed: map[string][]plaza.FollowedThread{}, Members: map[string][]plaza.ThreadMember{}, Listed: map[string][]string{},
			All: map[string][]plaza.ChannelConversation{}, Unread: map[string][]plaza.CommunityUnread{}, Total: map[string]int64{},
			Private: map[string]map[string][]string{}, RootByUser: map[string]plaza.Message{}, History: map[string][]plaza.Message{},
		}
		for _, id := range ids {
			sn.Dismissed[id] = must(q.ChannelDismissed(ctx, c.PK, id))(tb, "ChannelDismissed")
			th, err := q.Channel(ctx, c.PK, id)
			if errors.Is(err, plaza.ErrNotFound) {
				sn.Threads[id] = nil
				continue
			}
			if err != nil {
				tb.Fatalf("Channel(%s): %v", id, err)
			}
			sn.Threads[id] = &th
			sn.Members[id] = must(q.ThreadMembers(ctx, c.PK, th.PK, plaza.Cursor{}, 100))(tb, "ThreadMembers")
			for _, x := range us {
				if listed(tb, q, th, x) {
					sn.Listed[id] = append(sn.Listed[id], x.UserID)
				}
			}
			sn.History[id] = must(q.History(ctx, th.PK, owner.PK, 0, true, 100))(tb, "History")
		}
		for _, parent := range []plaza.Channel{pub, doomed} {
			for _, archived := range []bool{false, true} {
				sn.Lists[fmt.Sprint(parent.ChannelID, archived)] = must(q.Threads(ctx, parent.PK, owner.PK, true, archived, t0+30*minute,
					plaza.Cursor{}, 100))(tb, "Threads")
			}
		}
		for _, x := range us {
			sn.Followed[x.UserID] = must(q.FollowedThreads(ctx, x.PK, 0, plaza.Cursor{}, 100))(tb, "FollowedThreads")
			sn.All[x.UserID] = allConversations(tb, q, x)
			sn.Unread[x.UserID] = unreadOf(tb, q, x)
			sn.Total[x.UserID] = must(q.TotalUnread(ctx, x.PK))(tb, "TotalUnread")
			sn.Private[x.UserID] = privateChannels(tb, q, x)
			sn.RootByUser[x.UserID] = must(q.Message(ctx, pub.PK, root.MessageSeq, x.PK))(tb, "Message")
		}
		return sn
	}
}

// testRollbackThreadWrites checks that each thread write, and all of them
// together, leave nothing behind when their transaction rolls back.
func testRollbackThreadWrites(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	writes, snapshotOf := threadWrites(t, s)
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
}

// testThreadTxSeesOwnWrites checks that a transaction reads each thread
// write it made, exactly as the store reads it once committed, and that the
// store does not read it before the commit.
func testThreadTxSeesOwnWrites(t *testing.T, s plaza.Store) {
	ctx := t.Context()
	writes, snapshotOf := threadWrites(t, s)
	for _, w := range writes {
		before := snapshotOf(s)
		var inTx threadSnapshot
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
