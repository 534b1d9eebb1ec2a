package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza"
)

// testUpdateGroup checks a GroupUpdater's group commit (stores without one
// pass): calls of two keys (two channels) made while one runs, some
// succeeding, some failing before they write, some after, one whose queued
// write fails (a client message ID taken), one panicking. Each gets its own
// result; the seqs of each channel's messages are 1, 2, 3… without a gap;
// AfterCommit hooks run in seq order per channel; nothing of a failed call
// is stored.
func testUpdateGroup(t *testing.T, s plaza.Store) {
	g, ok := s.(plaza.GroupUpdater)
	if !ok {
		t.Skip("the store commits no groups")
	}
	ctx := t.Context()
	addApp(t, s, appA)
	c := addCommunity(t, s, appA, "c")
	u := addUser(t, s, appA, "u")
	chs := []plaza.Channel{addChannel(t, s, c, "ch"), addChannel(t, s, c, "ch2")}
	taken := text("taken")
	taken.ClientMessageID = "taken"
	sent := send(t, s, chs[0], u, taken)
	sendText(t, s, chs[1], u, "first") // each channel has one message before

	const calls = 40
	var mu sync.Mutex
	hooked := make([][]int64, len(chs)) // per channel, seqs in the order the hooks ran
	kind := func(i int) string {
		switch {
		case i == 0:
			return "first" // runs alone, slowly, while the others queue
		case i%7 == 3:
			return "fails reading"
		case i%7 == 5:
			return "fails writing"
		case i == 13:
			return "client ID taken"
		case i == 20:
			return "panics"
		}
		return "ok"
	}
	// which is the channel of call i: ch for a third of the calls and for
	// the one taking the client ID, ch2 for the others.
	which := func(i int) int {
		if i%3 == 0 || kind(i) == "client ID taken" {
			return 0
		}
		return 1
	}
	errs := make([]error, calls)
	seqs := make([]int64, calls)
	var wg sync.WaitGroup
	for i := range calls {
		ch := chs[which(i)]
		wg.Go(func() {
			defer func() {
				if v := recover(); v != nil {
					errs[i] = fmt.Errorf("panic: %v", v)
				}
			}()
			if i > 0 {
				time.Sleep(20 * time.Millisecond)
			}
			errs[i] = g.UpdateGroup(ctx, ch.ChannelID, func(tx plaza.Tx) error {
				if _, err := tx.Channel(ctx, c.PK, ch.ChannelID); err != nil {
					return err
				}
				switch kind(i) {
				case "first":
					time.Sleep(200 * time.Millisecond)
				case "fails reading":
					return errBoom
				case "panics":
					panic("boom")
				}
				seq, err := tx.NextSeq(ctx, ch.PK, t0)
				if err != nil {
					return err
				}
				if kind(i) == "fails writing" {
					return errBoom
				}
				m := text(fmt.Sprintf("call %d", i))
				if kind(i) == "client ID taken" {
					m.ClientMessageID = "taken"
				}
				fill(&m, ch, u, seq)
				if err := tx.InsertMessage(ctx, &m); err != nil {
					return err
				}
				if err := tx.SetReadSeq(ctx, u.PK, ch.PK, seq); err != nil {
					return err
				}
				seqs[i] = seq
				tx.AfterCommit(func() {
					mu.Lock()
					hooked[which(i)] = append(hooked[which(i)], seq)
					mu.Unlock()
				})
				return nil
			})
		})
	}
	wg.Wait()
	stored := make([][]int64, len(chs))
	for i, err := range errs {
		switch kind(i) {
		case "first", "ok":
			if err != nil {
				t.Errorf("call %d (%s): %v", i, kind(i), err)
			}
			stored[which(i)] = append(stored[which(i)], seqs[i])
		case "fails reading", "fails writing":
			wantErr(t, fmt.Sprintf("call %d (%s)", i, kind(i)), err, errBoom)
		case "client ID taken":
			wantErr(t, fmt.Sprintf("call %d (%s)", i, kind(i)), err, plaza.ErrConflict)
		case "panics":
			if err == nil || errors.Is(err, errBoom) {
				t.Errorf("call %d (%s): %v, want its panic", i, kind(i), err)
			}
		}
	}
	// A call that panics while others wait for it: they run all the same.
	var panicked, after error
	var both sync.WaitGroup
	both.Go(func() {
		defer func() {
			if v := recover(); v != nil {
				panicked = fmt.Errorf("panic: %v", v)
			}
		}()
		g.UpdateGroup(ctx, chs[0].ChannelID, func(plaza.Tx) error {
			time.Sleep(100 * time.Millisecond)
			panic("alone")
		})
	})
	both.Go(func() {
		time.Sleep(20 * time.Millisecond)
		after = g.UpdateGroup(ctx, chs[0].ChannelID, func(tx plaza.Tx) error {
			_, err := tx.Channel(ctx, c.PK, chs[0].ChannelID)
			return err
		})
	})
	both.Wait()
	if panicked == nil || after != nil {
		t.Errorf("a call panicking while another waited: %v, then %v; want its panic, then nil", panicked, after)
	}

	for k, ch := range chs {
		slices.Sort(stored[k])
		want := make([]int64, len(stored[k]))
		for i := range want {
			want[i] = sent.MessageSeq + 1 + int64(i)
		}
		diff(t, "seqs of the calls that succeeded in "+ch.ChannelID, want, stored[k])
		if !slices.IsSorted(hooked[k]) || len(hooked[k]) != len(stored[k]) {
			t.Errorf("hooks of %s ran for seqs %v, want %v in that order", ch.ChannelID, hooked[k], want)
		}
		got := must(s.Channel(ctx, c.PK, ch.ChannelID))(t, "Channel")
		if got.LastMessageSeq != sent.MessageSeq+int64(len(stored[k])) {
			t.Errorf("last seq of %s %d, want %d", ch.ChannelID, got.LastMessageSeq, sent.MessageSeq+int64(len(stored[k])))
		}
		history := must(s.History(ctx, ch.PK, u.PK, 0, true, 100))(t, "History")
		if len(history) != 1+len(stored[k]) {
			t.Errorf("%d messages stored in %s, want %d", len(history), ch.ChannelID, 1+len(stored[k]))
		}
	}
}
