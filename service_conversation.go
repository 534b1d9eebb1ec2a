package plaza

import (
	"context"
	"errors"
	"fmt"
)

// finish derives what the store does not hold of conversations: the mention
// lists, the caller's mute expiry, and the mutes as they stand now.
func (s *Service) finish(ctx context.Context, q Query, userPK int64, cs []ChannelConversation) error {
	if len(cs) == 0 {
		return nil
	}
	reads := make([]ReadPosition, len(cs))
	for i, c := range cs {
		reads[i] = ReadPosition{ChannelPK: c.PK, ReadSeq: c.ReadMessageSeq}
	}
	mentions, err := q.Mentions(ctx, userPK, reads)
	if err != nil {
		return fmt.Errorf("read mentions: %w", err)
	}
	mutes, err := q.UserMutes(ctx, userPK)
	if err != nil {
		return fmt.Errorf("read mutes: %w", err)
	}
	now := s.nowMs()
	for i := range cs {
		c := &cs[i]
		if m := mentions[c.PK]; m != nil {
			c.MentionedInfoList = m
		}
		// In a thread, the mutes of its parent channel apply (ChannelMute is
		// the parent's).
		pk := c.PK
		if c.ParentPK != 0 {
			pk = c.ParentPK
		}
		c.SelfMutedExpiredTime = mutedUntil(now, c.MemberRole, mutes[c.CommunityPK], pk, c.ChannelMute, c.CommunityMute)
	}
	return nil
}

// QueryConversationList returns one page of every channel conversation of
// the caller across its communities: pinned ones first, then by latest
// activity.
func (s *Service) QueryConversationList(ctx context.Context, actor Actor, req QueryConversationListRequest) (QueryConversationListResult, error) {
	res := QueryConversationListResult{ConversationList: []ChannelConversation{}}
	app, err := activeApp(ctx, s.store, actor.AppID)
	if err != nil {
		return res, err
	}
	limit, after, err := req.page(app.Spec)
	if err != nil {
		return res, err
	}
	u, err := s.store.User(ctx, actor.AppID, actor.UserID)
	if errors.Is(err, ErrNotFound) {
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("read user: %w", err)
	}
	rows, err := s.store.Conversations(ctx, u.PK, after, limit+1)
	if err != nil {
		return res, fmt.Errorf("list conversations: %w", err)
	}
	rows, res.NextFlag = trimPage(rows, limit, func(c ChannelConversation) Cursor { return Cursor{K1: c.OrderKey, K2: c.PK} })
	if err := s.finish(ctx, s.store, u.PK, rows); err != nil {
		return res, err
	}
	res.ConversationList = rows
	return res, nil
}

// QueryConversationTotalUnreadMessageCount returns the caller's total unread
// count: its conversations in notify, in communities in notify.
func (s *Service) QueryConversationTotalUnreadMessageCount(ctx context.Context, actor Actor, _ QueryConversationTotalUnreadMessageCountRequest) (TotalUnreadResult, error) {
	if _, err := activeApp(ctx, s.store, actor.AppID); err != nil {
		return TotalUnreadResult{}, err
	}
	u, err := s.store.User(ctx, actor.AppID, actor.UserID)
	if errors.Is(err, ErrNotFound) {
		return TotalUnreadResult{}, nil
	}
	if err != nil {
		return TotalUnreadResult{}, fmt.Errorf("read user: %w", err)
	}
	total, err := s.store.TotalUnread(ctx, u.PK)
	if err != nil {
		return TotalUnreadResult{}, fmt.Errorf("count unread: %w", err)
	}
	return TotalUnreadResult{TotalUnreadMessageCount: total}, nil
}

// unreadTotals returns a user's total unread count (channels and followed
// threads in notify, in communities in notify) and each community's counts.
func unreadTotals(ctx context.Context, q Query, userPK int64) (int64, map[string]CommunityUnread, error) {
	rows, err := q.UnreadByCommunity(ctx, userPK)
	if err != nil {
		return 0, nil, fmt.Errorf("count unread: %w", err)
	}
	var total int64
	by := make(map[string]CommunityUnread, len(rows))
	for _, r := range rows {
		by[r.CommunityID] = r
		if r.NotificationStatus == Notify {
			total += r.Unread + r.ThreadUnread
		}
	}
	return total, by, nil
}

// setUnread puts a community's counts on its list entry.
func (c *Community) setUnread(u CommunityUnread) {
	c.TotalUnreadMessageCount = u.Unread
	c.ThreadTotalUnreadMessageCount = u.ThreadUnread
	c.ThreadTotalUnreadMentionCount = u.ThreadMentions
}

// changeConversation runs a change of one of the caller's conversations and
// tells all the caller's sessions: conversationChanged, its new total and
// the community's.
func (s *Service) changeConversation(ctx context.Context, actor Actor, communityID, channelID string, change func(tx Tx, sc *scope, ch Channel, c *ChannelConversation) error) (ConversationResult, error) {
	var res ConversationResult
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, ch, err := s.channelRead(ctx, tx, actor, communityID, channelID)
		if err != nil {
			return err
		}
		c, err := tx.Conversation(ctx, sc.self.UserPK, ch.PK)
		if errors.Is(err, ErrNotFound) && ch.ChannelType == ChannelThread {
			return FieldErrorf(ENotThreadMember, "channelID", "you do not follow thread %s: only its members have a conversation (joinCommunityThread)", ch.ChannelID)
		}
		if err != nil {
			return fmt.Errorf("read conversation: %w", err)
		}
		if err := change(tx, &sc, ch, &c); err != nil {
			return err
		}
		if c, err = tx.Conversation(ctx, sc.self.UserPK, ch.PK); err != nil {
			return fmt.Errorf("read conversation: %w", err)
		}
		cs := []ChannelConversation{c}
		if err := s.finish(ctx, tx, sc.self.UserPK, cs); err != nil {
			return err
		}
		res.Conversation = cs[0]
		return s.tellConversation(ctx, tx, out, &sc, cs[0])
	})
	return res, err
}

// tellConversation queues, for all the caller's sessions, a conversation's
// new state with the caller's new totals.
func (s *Service) tellConversation(ctx context.Context, tx Tx, out *outbox, sc *scope, c ChannelConversation) error {
	out.add(Event{Name: EventConversationChanged, AppID: sc.app.AppID, CommunityID: sc.community.CommunityID, UserIDs: []string{sc.self.UserID}},
		ConversationChangedEvent{InfoList: []ConversationChange{{Action: ListUpdated, Conversation: c}}})
	return s.tellTotals(ctx, tx, out, sc)
}

// tellTotals queues, for all the caller's sessions, its new total unread
// count and the scope's community with its new total.
func (s *Service) tellTotals(ctx context.Context, tx Tx, out *outbox, sc *scope) error {
	total, by, err := unreadTotals(ctx, tx, sc.self.UserPK)
	if err != nil {
		return err
	}
	to := Event{AppID: sc.app.AppID, CommunityID: sc.community.CommunityID, UserIDs: []string{sc.self.UserID}}
	e := to
	e.Name = EventConversationTotalUnreadMessageCountUpdated
	out.add(e, TotalUnreadResult{TotalUnreadMessageCount: total})
	e = to
	e.Name = EventCommunityListChanged
	b := brief(sc.community, sc.self)
	b.setUnread(by[sc.community.CommunityID])
	out.add(e, CommunityListChangedEvent{ChangeInfoList: []CommunityChange{{Action: ListUpdated, Community: b}}})
	return nil
}

// ClearConversationUnreadMessageCount marks a channel read up to a seq (by
// default its newest message). It is idempotent, and monotonic: an older
// position never moves the read position back.
func (s *Service) ClearConversationUnreadMessageCount(ctx context.Context, actor Actor, req ClearConversationUnreadMessageCountRequest) (ConversationResult, error) {
	if req.MessageSeq < 0 {
		return ConversationResult{}, invalidf("messageSeq", "messageSeq must not be negative")
	}
	return s.changeConversation(ctx, actor, req.CommunityID, req.ChannelID, func(tx Tx, sc *scope, ch Channel, c *ChannelConversation) error {
		seq := ch.LastMessageSeq
		if req.MessageSeq > 0 {
			seq = min(req.MessageSeq, ch.LastMessageSeq)
		}
		if err := tx.SetReadSeq(ctx, sc.self.UserPK, ch.PK, seq); err != nil {
			return fmt.Errorf("set read position: %w", err)
		}
		return nil
	})
}

// SetConversationNotificationStatus sets whether a channel notifies the
// caller; only channels in notify count in the totals.
func (s *Service) SetConversationNotificationStatus(ctx context.Context, actor Actor, req SetConversationNotificationStatusRequest) (ConversationResult, error) {
	if req.NotificationStatus != Notify && req.NotificationStatus != DoNotDisturb {
		return ConversationResult{}, invalidf("notificationStatus", "notificationStatus must be 1 (notify) or 2 (do not disturb), got %d", req.NotificationStatus)
	}
	return s.changeConversation(ctx, actor, req.CommunityID, req.ChannelID, func(tx Tx, sc *scope, ch Channel, c *ChannelConversation) error {
		return tx.SetConversationState(ctx, sc.self.UserPK, ch.PK, ConversationState{NotificationStatus: req.NotificationStatus, Draft: c.Draft, PinnedTime: c.PinnedTime})
	})
}

// SetConversationDraft stores the caller's draft of a channel, synced to its
// other sessions; an empty draft clears it.
func (s *Service) SetConversationDraft(ctx context.Context, actor Actor, req SetConversationDraftRequest) (ConversationResult, error) {
	if err := checkText("draft", req.Draft, -1); err != nil {
		return ConversationResult{}, err
	}
	return s.changeConversation(ctx, actor, req.CommunityID, req.ChannelID, func(tx Tx, sc *scope, ch Channel, c *ChannelConversation) error {
		if n := len(req.Draft); n > sc.app.Spec.TextMessageMaxBytes {
			return invalidf("draft", "draft is %d bytes; the limit is %d, as for a message", n, sc.app.Spec.TextMessageMaxBytes)
		}
		return tx.SetConversationState(ctx, sc.self.UserPK, ch.PK, ConversationState{NotificationStatus: c.NotificationStatus, Draft: req.Draft, PinnedTime: c.PinnedTime})
	})
}

// PinConversation pins a conversation at the top of the caller's list, or
// unpins it; a user pins at most MaxPinned conversations.
func (s *Service) PinConversation(ctx context.Context, actor Actor, req PinConversationRequest) (ConversationResult, error) {
	return s.changeConversation(ctx, actor, req.CommunityID, req.ChannelID, func(tx Tx, sc *scope, ch Channel, c *ChannelConversation) error {
		pinned := c.PinnedTime
		switch {
		case req.IsPinned && pinned == 0:
			n, err := tx.CountPinned(ctx, sc.self.UserPK)
			if err != nil {
				return fmt.Errorf("count pinned: %w", err)
			}
			if n >= MaxPinned {
				return Errorf(EPinnedLimit, "at most %d conversations can be pinned; unpin one first", MaxPinned)
			}
			pinned = s.nowMs()
		case !req.IsPinned:
			pinned = 0
		}
		return tx.SetConversationState(ctx, sc.self.UserPK, ch.PK, ConversationState{NotificationStatus: c.NotificationStatus, Draft: c.Draft, PinnedTime: pinned})
	})
}
