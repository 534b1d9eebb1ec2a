package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/plazahq/plaza"
)

// Bench measures the reads a user's client makes most, on a store that open
// returns fresh and empty: the first page of the conversation list, the
// total unread count, the unread count per community and, with threads,
// the followed threads and a channel's active threads. It reports each
// call's p50 and p99.
//
// The reader is in 100 communities of 100 channels each (10,000 channel
// conversations, every one in notify with 0 to 2 unread); then one of those
// channels gets 10,000 threads of 2 messages, 1,000 of which the reader
// follows, with one unread each (and a mention in 100 of them). The same
// reads are measured before and after the threads, so that their cost
// shows: a channel's threads must cost the reads of users who follow none of
// them nothing, and those of their followers in proportion to what they
// follow.
//
// settle, when not nil, is called after each batch of writes, before the
// reads are measured: a store whose engine keeps itself up in the
// background (PostgreSQL's autovacuum, which clears the versions that the
// writes left and gathers the planner's statistics) is measured as it
// stands once it has.
func Bench(b *testing.B, open func(b *testing.B) plaza.Store, settle func(b *testing.B, s plaza.Store)) {
	const communities, channels, perChannel = 100, 100, 3
	const threads, followEvery = 10_000, 10
	s := open(b)
	ctx := b.Context()
	reader := addUser(b, s, appA, "reader")
	owner := addUser(b, s, appA, "owner")
	start := time.Now()
	var id int64
	var parent plaza.Channel
	var wantChannels int64
	for c := range communities {
		update(b, s, func(tx plaza.Tx) error {
			ci := plaza.CommunityInfo{AppID: appA, CommunityID: fmt.Sprintf("c%03d", c), CommunityAttributes: map[string]string{},
				CreatorUserID: owner.UserID, CurrentMemberCount: 2, ChannelCount: channels}
			if err := tx.InsertCommunity(ctx, &ci); err != nil {
				return err
			}
			for _, m := range []plaza.Member{
				{CommunityPK: ci.PK, UserPK: owner.PK, MemberRole: plaza.RoleOwner, NotificationStatus: plaza.Notify},
				{CommunityPK: ci.PK, UserPK: reader.PK, MemberRole: plaza.RoleMember, NotificationStatus: plaza.Notify},
			} {
				if err := tx.InsertMember(ctx, &m); err != nil {
					return err
				}
			}
			for k := range channels {
				at := int64(c*channels+k) * 1000
				ch := plaza.Channel{CommunityPK: ci.PK, CommunityID: ci.CommunityID, ChannelID: fmt.Sprintf("ch%03d", k),
					ChannelType: plaza.ChannelPublic, ChannelAttributes: map[string]string{}, CreateTime: at}
				if err := tx.InsertChannel(ctx, &ch); err != nil {
					return err
				}
				if c == 0 && k == 0 {
					parent = ch
				}
				for i := range perChannel {
					if err := benchSend(ctx, tx, ch, owner, &id, at+int64(i)); err != nil {
						return err
					}
				}
				if err := tx.SetConversationState(ctx, reader.PK, ch.PK, plaza.ConversationState{NotificationStatus: plaza.Notify}); err != nil {
					return err
				}
				if err := tx.SetReadSeq(ctx, reader.PK, ch.PK, int64(perChannel-k%3)); err != nil {
					return err
				}
				wantChannels += int64(k % 3)
			}
			return nil
		})
	}
	b.Logf("%d channel conversations, %d messages stored in %s", communities*channels, communities*channels*perChannel,
		time.Since(start).Round(time.Millisecond))

	measure := func(name string, call func() error) {
		b.Run(name, func(b *testing.B) {
			var ds []time.Duration
			for b.Loop() {
				t0 := time.Now()
				if err := call(); err != nil {
					b.Fatal(err)
				}
				ds = append(ds, time.Since(t0))
			}
			slices.Sort(ds)
			b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(ds[(len(ds)*99)/100].Microseconds())/1000, "p99-ms")
		})
	}
	reads := func(scale string, wantTotal, wantThreads int64) {
		measure(scale+"/Conversations", func() error {
			cs, err := s.Conversations(ctx, reader.PK, plaza.Cursor{}, 100)
			if err == nil && len(cs) != 100 {
				err = fmt.Errorf("first page has %d conversations", len(cs))
			}
			return err
		})
		measure(scale+"/TotalUnread", func() error {
			n, err := s.TotalUnread(ctx, reader.PK)
			if err == nil && n != wantTotal {
				err = fmt.Errorf("total %d, want %d", n, wantTotal)
			}
			return err
		})
		measure(scale+"/UnreadByCommunity", func() error {
			rows, err := s.UnreadByCommunity(ctx, reader.PK)
			var n int64
			for _, r := range rows {
				n += r.ThreadUnread
			}
			if err == nil && (len(rows) != communities || n != wantThreads) {
				err = fmt.Errorf("%d communities, thread unread %d; want %d, %d", len(rows), n, communities, wantThreads)
			}
			return err
		})
	}
	if settle != nil {
		settle(b, s)
	}
	reads("channels=10000", wantChannels, 0)

	start = time.Now()
	const batch = 1000
	for j0 := 0; j0 < threads; j0 += batch {
		update(b, s, func(tx plaza.Tx) error {
			for j := j0; j < j0+batch; j++ {
				// Activity spread over the channels' range: the list's first
				// page mixes threads and channels.
				at := int64(j)*int64(communities*channels*1000/threads) + 500
				th := plaza.Channel{CommunityPK: parent.CommunityPK, ChannelID: fmt.Sprintf("th%05d", j), ChannelType: plaza.ChannelThread,
					ChannelName: "a thread", ChannelAttributes: map[string]string{}, CreateTime: at,
					ThreadFields: plaza.ThreadFields{ParentPK: parent.PK, AutoArchiveDuration: 1440, Invitable: true,
						ArchiveAt: at + 1440*minute}}
				if err := tx.InsertChannel(ctx, &th); err != nil {
					return err
				}
				follow := j%followEvery == 0
				if follow {
					if _, err := tx.JoinThread(ctx, th.PK, reader.PK, 0, at); err != nil {
						return err
					}
				}
				for i := range int64(2) {
					if err := benchSend(ctx, tx, th, owner, &id, at+i); err != nil {
						return err
					}
				}
				if follow {
					if err := tx.SetReadSeq(ctx, reader.PK, th.PK, 1); err != nil {
						return err
					}
					if j%(followEvery*10) == 0 {
						if err := tx.InsertMentions(ctx, th.PK, 2, []int64{reader.PK}, false); err != nil {
							return err
						}
					}
				}
			}
			return nil
		})
	}
	followed := int64(threads / followEvery)
	b.Logf("%d threads of one channel, %d messages, %d followed, stored in %s", threads, 2*threads, followed,
		time.Since(start).Round(time.Millisecond))
	if settle != nil {
		settle(b, s)
	}
	scale := "channels=10000,threads=10000,followed=1000"
	reads(scale, wantChannels+followed, followed)
	measure(scale+"/FollowedThreads", func() error {
		fs, err := s.FollowedThreads(ctx, reader.PK, 0, plaza.Cursor{}, 100)
		if err == nil && len(fs) != 100 {
			err = fmt.Errorf("first page has %d threads", len(fs))
		}
		return err
	})
	now := int64(threads)*int64(communities*channels*1000/threads) + 1
	measure(scale+"/Threads", func() error {
		ths, err := s.Threads(ctx, parent.PK, reader.PK, false, false, now, plaza.Cursor{}, 100)
		if err == nil && len(ths) != 100 {
			err = fmt.Errorf("first page has %d threads", len(ths))
		}
		return err
	})
}

// benchSend stores a text message of sender in ch at a time, as Service
// does.
func benchSend(ctx context.Context, tx plaza.Tx, ch plaza.Channel, sender plaza.User, id *int64, at int64) error {
	seq, err := tx.NextSeq(ctx, ch.PK, at)
	if err != nil {
		return err
	}
	*id++
	m := plaza.Message{ChannelPK: ch.PK, MessageSeq: seq, ID: *id, SenderPK: sender.PK, SenderUserID: sender.UserID, Timestamp: at,
		MessageContent: plaza.MessageContent{Type: plaza.MessageText, Message: "a message of a typical length, say sixty characters"}}
	return tx.InsertMessage(ctx, &m)
}
