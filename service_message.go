package plaza

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// Message limits that are not in the app's spec.
const (
	EditWindow       = 24 * time.Hour
	ReactionWindow   = 7 * 24 * time.Hour
	MaxClientIDChars = 64
	// HistoryPageDefault is the page size of queryHistoryMessage when the
	// request gives none.
	HistoryPageDefault = 20
)

// SendMessage stores a message in a channel and delivers it to everyone who
// sees the channel. The reply means the message is durable. Command messages
// are delivered but never stored.
func (s *Service) SendMessage(ctx context.Context, actor Actor, req SendMessageRequest) (MessageResult, error) {
	return s.send(ctx, actor, false, req.CommunityID, req.ChannelID, req.Message, req.ClientMessageID, 0)
}

// ReplyMessage sends a message answering another message of the channel;
// the tree's root counts its replies.
func (s *Service) ReplyMessage(ctx context.Context, actor Actor, req ReplyMessageRequest) (MessageResult, error) {
	if req.ToMessageSeq <= 0 {
		return MessageResult{}, invalidf("toMessageSeq", "toMessageSeq must name a message (a seq of 1 or more)")
	}
	return s.send(ctx, actor, false, req.CommunityID, req.ChannelID, req.Message, req.ClientMessageID, req.ToMessageSeq)
}

// send stores a message and announces it. A system send comes from the app's
// backend (the server API): it needs no membership, sees every channel, and
// passes mutes and the send rate limit.
func (s *Service) send(ctx context.Context, actor Actor, system bool, communityID, channelID string, content MessageContent, clientID string, replyTo int64) (res MessageResult, err error) {
	if err := checkLine("clientMessageID", clientID, MaxClientIDChars); err != nil {
		return res, err
	}
	if content.Type == MessageCommand && (clientID != "" || replyTo != 0) {
		return res, invalidf("message.type", "a command message is not stored: it takes no clientMessageID and answers nothing")
	}
	if content.Type == MessageCommand && system {
		return res, invalidf("message.type", "the system sends no command messages")
	}
	if !system {
		undo, limited := s.rateLimit(ctx, actor, communityID, channelID)
		if limited != nil {
			if m, ok := s.sentBefore(ctx, actor, communityID, channelID, clientID); ok {
				return MessageResult{Message: m}, nil // a retry is never too fast
			}
			return res, limited
		}
		defer func() {
			if err != nil {
				undo() // a refused send does not use up the sender's allowance
			}
		}()
	}
	if content.Type == MessageCommand {
		return s.sendCommand(ctx, actor, communityID, channelID, content)
	}
	dropped, err := s.beforeSend(ctx, actor, system, communityID, channelID, clientID, &content)
	if err != nil || dropped != nil {
		return MessageResult{Message: deref(dropped)}, err
	}
	// Sends commit in groups where the store has them (GroupUpdater), keyed
	// by channel: a send locks rows of its channel only.
	err = s.updateIn(ctx, actor.AppID+"\x00"+communityID+"\x00"+channelID, func(tx Tx, out *outbox) error {
		q, err := readSend(ctx, tx, actor, communityID, channelID, clientID)
		if err != nil {
			return err
		}
		sc, err := s.sendScope(ctx, tx, q, actor, system, communityID)
		if err != nil {
			return err
		}
		if err := content.validate(sc.app.Spec); err != nil {
			return err
		}
		if content.IsMentionAll && !sc.self.MemberRole.manager() {
			return FieldErrorf(EPermissionDenied, "message.isMentionAll", "only the owner and admins may mention everyone")
		}
		ch, err := viewChannel(ctx, q, &sc, channelID)
		if err != nil {
			return err
		}
		if clientID != "" {
			m, err := q.MessageByClientID(ctx, ch.PK, sc.self.UserPK, clientID)
			if err == nil {
				res.Message = placed([]Message{m}, &sc, ch)[0] // a retry: the first result, sent nowhere again
				return nil
			}
			if !errors.Is(err, ErrNotFound) {
				return fmt.Errorf("read message: %w", err)
			}
		}
		if !system {
			pk, mute := muteTarget(ch)
			if e := muteCheck(s.nowMs(), sc.self.MemberRole, sc.self.Mutes, pk, mute, sc.community.MuteInfo); e != nil {
				return e
			}
			if err := threadSendable(&sc, ch); err != nil {
				return err
			}
		}
		if err := s.checkQuota(ctx, tx, sc.app); err != nil {
			return err
		}
		m := Message{
			MessageContent:  content,
			ClientMessageID: clientID,
			SenderPK:        sc.self.UserPK,
			SenderUserID:    actor.UserID,
		}
		if replyTo > 0 {
			to, err := tx.Message(ctx, ch.PK, replyTo, sc.self.UserPK)
			if errors.Is(err, ErrNotFound) {
				return FieldErrorf(EMessageNotFound, "toMessageSeq", "message %d does not exist in channel %s", replyTo, channelID)
			}
			if err != nil {
				return fmt.Errorf("read message: %w", err)
			}
			if to.Type == MessageRevoked {
				return FieldErrorf(EMessageRevoked, "toMessageSeq", "message %d was revoked", replyTo)
			}
			root := to.MessageSeq
			if to.RepliedInfo != nil {
				root = to.RepliedInfo.RootMessageSeq
			}
			m.RepliedInfo = &RepliedInfo{MessageID: to.MessageID, MessageSeq: to.MessageSeq, SenderUserID: to.SenderUserID,
				SentTime: to.Timestamp, MessageType: to.Type, RootMessageSeq: root}
			if err := tx.AddReplyCount(ctx, ch.PK, root, 1); err != nil {
				return fmt.Errorf("count reply: %w", err)
			}
		}
		if err := s.store1(ctx, tx, &sc, ch, &m); err != nil {
			return err
		}
		if ch.ChannelType == ChannelThread {
			// Senders and the users they mention follow the thread.
			if err := s.followBySending(ctx, tx, out, &sc, &ch, m, system); err != nil {
				return err
			}
		}
		if err := s.recordMentions(ctx, tx, &sc, ch, m); err != nil {
			return err
		}
		if !system {
			if err := tx.SetReadSeq(ctx, sc.self.UserPK, ch.PK, m.MessageSeq); err != nil {
				return fmt.Errorf("advance read position: %w", err)
			}
		}
		s.announce(out, &sc, ch, m)
		out.appID, out.downstream = sc.app.AppID, recipients(sc.community, ch, system)
		out.callback(&sc.app, WebhookMessageSent, MessageCallback{CommunityID: sc.community.CommunityID, ChannelID: ch.ChannelID, Message: m})
		res.Message = m
		return nil
	})
	return res, err
}

func deref(m *Message) Message {
	if m == nil {
		return Message{}
	}
	return *m
}

// sendScope reads the scope of a send through q (readSend's), without
// locks: the sender must be a member, or the send is the system's, which
// acts with the owner's sight.
func (s *Service) sendScope(ctx context.Context, tx Tx, q Query, actor Actor, system bool, communityID string) (scope, error) {
	sc, err := s.loadScope(ctx, q, actor, communityID)
	if err != nil {
		return sc, err
	}
	if !system {
		return sc, sc.member()
	}
	u, err := tx.EnsureUser(ctx, actor.AppID, SystemUserID, s.nowMs())
	if err != nil {
		return sc, fmt.Errorf("system user: %w", err)
	}
	sc.self = Member{UserInfo: u.UserInfo, CommunityPK: sc.community.PK, UserPK: u.PK, MemberRole: RoleOwner}
	return sc, nil
}

// recipients counts the deliveries of one message for the billing record:
// every member who may see the channel (for a private channel, those listed
// in it), the sender excepted.
func recipients(c CommunityInfo, ch Channel, system bool) int64 {
	n := audience(ch, c)
	if !system {
		n--
	}
	return max(n, 0)
}

// checkQuota refuses a send once the app has used its month's downstream
// messages, unless its spec only meters them. It reads through the send's
// transaction: a read beside it would need a second connection while
// holding one.
func (s *Service) checkQuota(ctx context.Context, q Query, app App) error {
	if app.Spec.MeteringOnly {
		return nil
	}
	now := s.now()
	month := monthOf(now.UnixMilli())
	used, err := s.meter.used(ctx, q, app.AppID, month, now)
	if err != nil {
		return err
	}
	if used >= app.Spec.DownstreamPerMonth {
		return Errorf(EQuotaExhausted, "app %s has used its %d downstream messages of %s", app.AppID, app.Spec.DownstreamPerMonth, month)
	}
	return nil
}

// beforeSend asks the app's beforeSendMessage hook, if it has one, about a
// message. It may rewrite content; a dropped message comes back unstored
// (seq 0), as the sender is shown it.
func (s *Service) beforeSend(ctx context.Context, actor Actor, system bool, communityID, channelID, clientID string, content *MessageContent) (*Message, error) {
	app, err := s.cachedApp(ctx, actor.AppID)
	if errors.Is(err, ErrNotFound) {
		return nil, Errorf(EAppNotFound, "app %s does not exist", actor.AppID)
	}
	if err != nil {
		return nil, fmt.Errorf("read app: %w", err)
	}
	cfg := app.Webhook
	if cfg.BeforeSendMessageURL == "" {
		return nil, nil
	}
	if _, ok := s.sentBefore(ctx, actor, communityID, channelID, clientID); ok {
		return nil, nil // a retry of a stored message: the transaction answers it
	}
	// The hook hears only of sends that could succeed: a caller who may not
	// send learns that, not the hook's verdict.
	var sc scope
	var ch Channel
	if system {
		sc, err = s.readScope(ctx, s.store, actor, communityID)
		sc.self.MemberRole = RoleOwner
		if err == nil {
			ch, err = viewChannel(ctx, s.store, &sc, channelID)
		}
	} else {
		sc, ch, err = s.channelRead(ctx, s.store, actor, communityID, channelID)
		if err == nil {
			// A muted sender learns it is muted, not the hook's verdict
			// (the send's transaction checks again).
			pk, mute := muteTarget(ch)
			if e := muteCheck(s.nowMs(), sc.self.MemberRole, sc.self.Mutes, pk, mute, sc.community.MuteInfo); e != nil {
				return nil, e
			}
			err = threadSendable(&sc, ch)
		}
	}
	if err != nil {
		return nil, err
	}
	if err := content.validate(sc.app.Spec); err != nil {
		return nil, err
	}
	if s.hook == nil {
		return nil, s.hookFailed(cfg, errors.New("no hook client in this server"))
	}
	v, err := s.hook.BeforeSendMessage(ctx, cfg, HookCall{AppID: actor.AppID, CommunityID: communityID, ChannelID: channelID,
		SenderUserID: actor.UserID, Message: *content})
	if err != nil {
		return nil, s.hookFailed(cfg, err)
	}
	switch v.Action {
	case HookPass:
		return nil, nil
	case HookRewrite:
		if v.Message == nil {
			return nil, s.hookFailed(cfg, errors.New("rewrite without a message"))
		}
		*content = *v.Message
		return nil, nil
	case HookDrop:
		id := s.ids.Next()
		m := Message{MessageContent: *content, MessageID: strconv.FormatInt(id, 10), CommunityID: communityID, ChannelID: ch.ChannelID,
			SenderUserID: actor.UserID, Timestamp: s.nowMs(), Reactions: []Reaction{}}
		return &m, nil
	case HookReject:
		reason := v.Reason
		if reason == "" {
			reason = "the app refused this message"
		}
		return nil, Errorf(EMessageRejected, "%s", reason)
	}
	return nil, s.hookFailed(cfg, fmt.Errorf("unknown action %q", v.Action))
}

// hookFailed decides a send whose hook failed: passed (nil) when the app
// chose fail-open, refused otherwise.
func (s *Service) hookFailed(cfg WebhookConfig, err error) error {
	s.log.Warn("beforeSendMessage hook failed", "url", cfg.BeforeSendMessageURL, "failOpen", cfg.BeforeSendMessageFailOpen, "err", err)
	if cfg.BeforeSendMessageFailOpen {
		return nil
	}
	return Errorf(EHookUnavailable, "the app's beforeSendMessage hook did not answer; try again later")
}

// sentBefore finds the message a sender already sent with clientID.
func (s *Service) sentBefore(ctx context.Context, actor Actor, communityID, channelID, clientID string) (Message, bool) {
	if clientID == "" {
		return Message{}, false
	}
	sc, ch, err := s.channelRead(ctx, s.store, actor, communityID, channelID)
	if err != nil {
		return Message{}, false
	}
	m, err := s.store.MessageByClientID(ctx, ch.PK, sc.self.UserPK, clientID)
	if err != nil {
		return Message{}, false
	}
	return placed([]Message{m}, &sc, ch)[0], true
}

// placed fills in where messages read from the store belong.
func placed(ms []Message, sc *scope, ch Channel) []Message {
	for i := range ms {
		ms[i].CommunityID, ms[i].ChannelID = sc.community.CommunityID, ch.ChannelID
		if t := ms[i].ThreadInfo; t != nil {
			t.IsArchived = t.ArchiveAt <= sc.now
		}
	}
	return ms
}

// recordMentions stores a row for each mentioned member who sees the
// channel, and one for a mention of everyone: a mention list costs nothing
// for members not mentioned.
func (s *Service) recordMentions(ctx context.Context, tx Tx, sc *scope, ch Channel, m Message) error {
	if len(m.MentionedUserIDs) == 0 && !m.IsMentionAll {
		return nil
	}
	var pks []int64
	if len(m.MentionedUserIDs) > 0 {
		members, err := tx.Members(ctx, sc.community.PK, m.MentionedUserIDs)
		if err != nil {
			return fmt.Errorf("read mentioned members: %w", err)
		}
		for _, mb := range members {
			target := scope{app: sc.app, community: sc.community, self: mb}
			if ok, err := sees(ctx, tx, &target, ch); err != nil {
				return err
			} else if ok {
				pks = append(pks, mb.UserPK)
			}
		}
	}
	if err := tx.InsertMentions(ctx, ch.PK, m.MessageSeq, pks, m.IsMentionAll); err != nil {
		return fmt.Errorf("record mentions: %w", err)
	}
	return nil
}

// store1 assigns the next seq of ch to m and stores it.
func (s *Service) store1(ctx context.Context, tx Tx, sc *scope, ch Channel, m *Message) error {
	seq, err := tx.NextSeq(ctx, ch.PK, s.nowMs())
	if err != nil {
		return fmt.Errorf("next seq: %w", err)
	}
	m.ID = s.ids.Next()
	m.MessageID = strconv.FormatInt(m.ID, 10)
	m.MessageSeq = seq
	m.ChannelPK = ch.PK
	m.CommunityID = sc.community.CommunityID
	m.ChannelID = ch.ChannelID
	m.Timestamp = s.nowMs()
	m.Reactions = []Reaction{}
	if err := tx.InsertMessage(ctx, m); err != nil {
		return fmt.Errorf("insert message: %w", err)
	}
	return nil
}

// announce queues messageReceived for those who see the channel.
func (s *Service) announce(out *outbox, sc *scope, ch Channel, m Message) {
	e := channelEvent(sc, ch, EventMessageReceived)
	e.Seq = m.MessageSeq
	e.Large = s.large(sc.community)
	e.Mentions = m.MentionedUserIDs
	e.MentionAll = m.IsMentionAll
	out.add(e, MessageListEvent{CommunityID: sc.community.CommunityID, ChannelID: ch.ChannelID, ParentChannelID: ch.ParentChannelID, MessageList: []Message{m}})
}

// large reports whether a community is past the passive threshold, so that
// its events go in full only to the sessions that made it active.
func (s *Service) large(c CommunityInfo) bool {
	return s.passiveThreshold > 0 && c.CurrentMemberCount >= int64(s.passiveThreshold)
}

// sendCommand delivers a command message without storing it. It passes the
// checks of a stored send (membership, the channel, every mute, the quota,
// the beforeSendMessage hook) and counts its deliveries; only the seq, the
// row and the webhook callback are missing. Without a transaction the checks
// read the state just before the delivery: a mute set in between lets one
// command through, which stores nothing.
func (s *Service) sendCommand(ctx context.Context, actor Actor, communityID, channelID string, content MessageContent) (MessageResult, error) {
	sc, ch, err := s.channelRead(ctx, s.store, actor, communityID, channelID)
	if err != nil {
		return MessageResult{}, err
	}
	if err := content.validate(sc.app.Spec); err != nil {
		return MessageResult{}, err
	}
	if content.IsMentionAll && !sc.self.MemberRole.manager() {
		return MessageResult{}, FieldErrorf(EPermissionDenied, "message.isMentionAll", "only the owner and admins may mention everyone")
	}
	pk, mute := muteTarget(ch)
	if e := muteCheck(s.nowMs(), sc.self.MemberRole, sc.self.Mutes, pk, mute, sc.community.MuteInfo); e != nil {
		return MessageResult{}, e
	}
	// A command is not stored: it cannot unarchive a thread, so an archived
	// one refuses it, as a locked one does unless the sender moderates.
	if err := threadSendable(&sc, ch); err != nil {
		return MessageResult{}, err
	}
	if err := threadWritable(ch, sc.now); err != nil {
		return MessageResult{}, err
	}
	if err := s.checkQuota(ctx, s.store, sc.app); err != nil {
		return MessageResult{}, err
	}
	sent := content
	dropped, err := s.beforeSend(ctx, actor, false, communityID, channelID, "", &content)
	if err != nil || dropped != nil {
		return MessageResult{Message: deref(dropped)}, err
	}
	if content.Type != MessageCommand || content.validate(sc.app.Spec) != nil {
		// A hook cannot turn a command into a message to store, nor into
		// an invalid one: an answer like any other it cannot give.
		if err := s.hookFailed(sc.app.Webhook, fmt.Errorf("rewrite of a command into an invalid command or a message of type %d", content.Type)); err != nil {
			return MessageResult{}, err
		}
		content = sent
	}
	id := s.ids.Next()
	m := Message{
		MessageContent: content,
		MessageID:      strconv.FormatInt(id, 10),
		CommunityID:    communityID,
		ChannelID:      ch.ChannelID,
		SenderUserID:   actor.UserID,
		Timestamp:      s.nowMs(),
		Reactions:      []Reaction{},
	}
	var out outbox
	e := channelEvent(&sc, ch, EventMessageReceived)
	e.Large = s.large(sc.community)
	out.add(e, MessageListEvent{CommunityID: communityID, ChannelID: ch.ChannelID, ParentChannelID: ch.ParentChannelID, MessageList: []Message{m}})
	s.publish(ctx, out.events)
	s.meter.add(sc.app.AppID, monthOf(m.Timestamp), recipients(sc.community, ch, false))
	return MessageResult{Message: m}, nil
}

// postTips stores a tips message in the GENERAL channel, when the app's spec
// asks for tips.
func (s *Service) postTips(ctx context.Context, tx Tx, out *outbox, sc *scope, event int, targets []string) error {
	if !sc.app.Spec.CommunityTips {
		return nil
	}
	general, err := tx.Channel(ctx, sc.community.PK, GeneralChannelID)
	if err != nil {
		return fmt.Errorf("read GENERAL channel: %w", err)
	}
	general.CommunityID = sc.community.CommunityID
	m := Message{
		MessageContent: MessageContent{Type: MessageTips},
		SenderPK:       sc.self.UserPK,
		SenderUserID:   sc.self.UserID,
		TipsInfo:       &TipsInfo{Event: event, OperatedUserID: sc.self.UserID, TargetUserIDs: targets},
	}
	if err := s.store1(ctx, tx, sc, general, &m); err != nil {
		return err
	}
	// Like any sender, the operator has read what it caused.
	if err := tx.SetReadSeq(ctx, sc.self.UserPK, general.PK, m.MessageSeq); err != nil {
		return fmt.Errorf("advance read position: %w", err)
	}
	s.announce(out, sc, general, m)
	return nil
}

// readScope is loadScope without locking the community: sends and reads in
// a channel need no lock on it.
func (s *Service) readScope(ctx context.Context, q Query, actor Actor, communityID string) (scope, error) {
	if tx, ok := q.(Tx); ok {
		return s.loadScope(ctx, readOnly{tx}, actor, communityID)
	}
	return s.loadScope(ctx, q, actor, communityID)
}

// readOnly hides a Tx's locking methods, so that loadScope reads without
// locks inside a transaction.
type readOnly struct{ Query }

// viewChannel is loadChannel without locking the channel.
func viewChannel(ctx context.Context, q Query, sc *scope, channelID string) (Channel, error) {
	if tx, ok := q.(Tx); ok {
		return loadChannel(ctx, readOnly{tx}, sc, channelID)
	}
	return loadChannel(ctx, q, sc, channelID)
}

// channelRead resolves the scope and channel of a read or a change of one
// message: the caller must see the channel.
func (s *Service) channelRead(ctx context.Context, q Query, actor Actor, communityID, channelID string) (scope, Channel, error) {
	sc, err := s.readScope(ctx, q, actor, communityID)
	if err != nil {
		return sc, Channel{}, err
	}
	if err := sc.member(); err != nil {
		return sc, Channel{}, err
	}
	ch, err := viewChannel(ctx, q, &sc, channelID)
	return sc, ch, err
}

// message reads one message for a change; seq must name a stored one.
func message(ctx context.Context, q Query, sc *scope, ch Channel, seq int64) (Message, error) {
	if seq <= 0 {
		return Message{}, invalidf("messageSeq", "messageSeq must be 1 or more, got %d", seq)
	}
	m, err := q.Message(ctx, ch.PK, seq, sc.self.UserPK)
	if errors.Is(err, ErrNotFound) {
		return m, FieldErrorf(EMessageNotFound, "messageSeq", "message %d does not exist in channel %s", seq, ch.ChannelID)
	}
	if err != nil {
		return m, fmt.Errorf("read message: %w", err)
	}
	return placed([]Message{m}, sc, ch)[0], nil
}

// RevokeMessage replaces a message with a revoked placeholder for everyone.
// A sender revokes its own message within the app's revoke window; the owner
// revokes anyone's, an admin members' messages, at any time.
func (s *Service) RevokeMessage(ctx context.Context, actor Actor, req MessageRequest) (MessageResult, error) {
	var res MessageResult
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, ch, err := s.channelRead(ctx, tx, actor, req.CommunityID, req.ChannelID)
		if err != nil {
			return err
		}
		m, err := message(ctx, tx, &sc, ch, req.MessageSeq)
		if err != nil {
			return err
		}
		switch m.Type {
		case MessageRevoked:
			return FieldErrorf(EMessageRevoked, "messageSeq", "message %d is already revoked", m.MessageSeq)
		case MessageTips:
			return FieldErrorf(EInvalidArgument, "messageSeq", "tips messages cannot be revoked")
		}
		now := s.nowMs()
		if m.SenderUserID == actor.UserID {
			window := time.Duration(sc.app.Spec.RevokeWindowSeconds) * time.Second
			if now-m.Timestamp > window.Milliseconds() {
				return Errorf(ERevokeWindow, "your messages can be revoked within %s of sending", window)
			}
		} else {
			sender, err := tx.Member(ctx, sc.community.PK, m.SenderUserID)
			senderRole := RoleMember // a sender who left ranks as a member
			if err == nil {
				senderRole = sender.MemberRole
			} else if !errors.Is(err, ErrNotFound) {
				return fmt.Errorf("read sender: %w", err)
			}
			if !sc.self.MemberRole.manager() || !sc.self.MemberRole.outranks(senderRole) {
				return Errorf(EPermissionDenied, "you may revoke only your own messages and those of members ranked below you")
			}
		}
		original := m.Type
		m.MessageContent = MessageContent{Type: MessageRevoked}
		m.RevokeInfo = &RevokeInfo{OperatedUserID: actor.UserID, RevokeTime: now, OriginalMessageType: original}
		if err := tx.UpdateMessage(ctx, m); err != nil {
			return fmt.Errorf("revoke message: %w", err)
		}
		if err := tx.DeleteMentions(ctx, ch.PK, m.MessageSeq); err != nil {
			return fmt.Errorf("forget mentions: %w", err)
		}
		e := channelEvent(&sc, ch, EventMessageRevokeReceived)
		e.Large = s.large(sc.community)
		out.add(e, MessageListEvent{CommunityID: req.CommunityID, ChannelID: req.ChannelID, ParentChannelID: ch.ParentChannelID, MessageList: []Message{m}})
		res.Message = m
		return nil
	})
	return res, err
}

// EditMessage replaces the content of the caller's own text, custom or
// multiple message within 24 hours of sending. The type stays, and so do the
// mentions.
func (s *Service) EditMessage(ctx context.Context, actor Actor, req EditMessageRequest) (MessageResult, error) {
	var res MessageResult
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, ch, err := s.channelRead(ctx, tx, actor, req.CommunityID, req.ChannelID)
		if err != nil {
			return err
		}
		if err := threadWritable(ch, sc.now); err != nil {
			return err
		}
		m, err := message(ctx, tx, &sc, ch, req.MessageSeq)
		if err != nil {
			return err
		}
		switch {
		case m.SenderUserID != actor.UserID:
			return Errorf(EEditNotAllowed, "only the sender may edit a message")
		case !editable(m.Type):
			return Errorf(EEditNotAllowed, "messages of type %d cannot be edited; text, custom and multiple messages can", m.Type)
		case req.Message.Type != m.Type:
			return FieldErrorf(EInvalidArgument, "message.type", "an edit keeps the type: %d, not %d", m.Type, req.Message.Type)
		case len(req.Message.MentionedUserIDs) > 0 || req.Message.IsMentionAll:
			return FieldErrorf(EInvalidArgument, "message.mentionedUserIDs", "an edit cannot change mentions")
		}
		if err := req.Message.validate(sc.app.Spec); err != nil {
			return err
		}
		now := s.nowMs()
		if now-m.Timestamp > EditWindow.Milliseconds() {
			return Errorf(EEditWindow, "messages can be edited within %s of sending", EditWindow)
		}
		content := req.Message
		content.MentionedUserIDs, content.IsMentionAll = m.MentionedUserIDs, m.IsMentionAll
		m.MessageContent = content
		m.EditedTime = now
		if err := tx.UpdateMessage(ctx, m); err != nil {
			return fmt.Errorf("edit message: %w", err)
		}
		e := channelEvent(&sc, ch, EventMessageEdited)
		e.Large = s.large(sc.community)
		out.add(e, MessageListEvent{CommunityID: req.CommunityID, ChannelID: req.ChannelID, ParentChannelID: ch.ParentChannelID, MessageList: []Message{m}})
		res.Message = m
		return nil
	})
	return res, err
}

// checkSeqs validates a list of message seqs.
func checkSeqs(seqs []int64, max int) ([]int64, error) {
	if len(seqs) == 0 || len(seqs) > max {
		return nil, invalidf("messageSeqs", "messageSeqs must hold 1 to %d seqs, got %d", max, len(seqs))
	}
	seen := make(map[int64]bool, len(seqs))
	out := seqs[:0:0]
	for _, q := range seqs {
		if q <= 0 {
			return nil, invalidf("messageSeqs", "seqs are 1 or more, got %d", q)
		}
		if !seen[q] {
			seen[q] = true
			out = append(out, q)
		}
	}
	return out, nil
}

// DeleteMessages hides messages from the caller's history; others still see
// them.
func (s *Service) DeleteMessages(ctx context.Context, actor Actor, req DeleteMessagesRequest) (DeleteMessagesResult, error) {
	res := DeleteMessagesResult{CommunityID: req.CommunityID, ChannelID: req.ChannelID}
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, ch, err := s.channelRead(ctx, tx, actor, req.CommunityID, req.ChannelID)
		if err != nil {
			return err
		}
		seqs, err := checkSeqs(req.MessageSeqs, sc.app.Spec.PageMax)
		if err != nil {
			return err
		}
		for _, q := range seqs {
			if q > ch.LastMessageSeq {
				return FieldErrorf(EMessageNotFound, "messageSeqs", "message %d does not exist in channel %s", q, ch.ChannelID)
			}
		}
		if err := tx.HideMessages(ctx, sc.self.UserPK, ch.PK, seqs); err != nil {
			return fmt.Errorf("delete messages: %w", err)
		}
		res.MessageSeqs = seqs
		return nil
	})
	return res, err
}

// QueryHistoryMessage returns one page of a channel's history, oldest first.
func (s *Service) QueryHistoryMessage(ctx context.Context, actor Actor, req QueryHistoryMessageRequest) (QueryHistoryMessageResult, error) {
	res := QueryHistoryMessageResult{CommunityID: req.CommunityID, ChannelID: req.ChannelID, MessageList: []Message{}}
	sc, ch, err := s.channelRead(ctx, s.store, actor, req.CommunityID, req.ChannelID)
	if err != nil {
		return res, err
	}
	limit := req.Count
	switch {
	case limit == 0:
		limit = HistoryPageDefault
	case limit < 0 || limit > sc.app.Spec.PageMax:
		return res, invalidf("count", "count must be between 1 and %d, got %d", sc.app.Spec.PageMax, req.Count)
	}
	if req.NextMessageSeq < 0 {
		return res, invalidf("nextMessageSeq", "nextMessageSeq must not be negative")
	}
	// One more than asked tells whether another page follows.
	rows, err := s.store.History(ctx, ch.PK, sc.self.UserPK, req.NextMessageSeq, req.Reverse, limit+1)
	if err != nil {
		return res, fmt.Errorf("read history: %w", err)
	}
	more := len(rows) > limit
	switch {
	case more && req.Reverse:
		rows = rows[:limit]
	case more:
		rows = rows[1:] // oldest first: the extra one is the oldest
	}
	res.MessageList = placed(rows, &sc, ch)
	if more {
		if req.Reverse {
			res.NextMessageSeq = rows[len(rows)-1].MessageSeq
		} else {
			res.NextMessageSeq = rows[0].MessageSeq
		}
	}
	return res, nil
}

// QueryMessages returns messages by seq; seqs that name no message (or one
// the caller deleted for itself) are left out.
func (s *Service) QueryMessages(ctx context.Context, actor Actor, req QueryMessagesRequest) (MessageListResult, error) {
	res := MessageListResult{CommunityID: req.CommunityID, ChannelID: req.ChannelID, MessageList: []Message{}}
	sc, ch, err := s.channelRead(ctx, s.store, actor, req.CommunityID, req.ChannelID)
	if err != nil {
		return res, err
	}
	seqs, err := checkSeqs(req.MessageSeqs, sc.app.Spec.PageMax)
	if err != nil {
		return res, err
	}
	rows, err := s.store.Messages(ctx, ch.PK, seqs, sc.self.UserPK)
	if err != nil {
		return res, fmt.Errorf("read messages: %w", err)
	}
	res.MessageList = placed(rows, &sc, ch)
	return res, nil
}

// checkReactionType validates a reaction type: 1 to 32 characters.
func checkReactionType(t string) error {
	if t == "" || utf8.RuneCountInString(t) > MaxReactionTypeChars {
		return invalidf("reactionType", "reactionType must be 1 to %d characters", MaxReactionTypeChars)
	}
	return checkLine("reactionType", t, -1)
}

// AddMessageReaction adds the caller's reaction to a message of the last 7
// days; a message holds at most 100 reaction types.
func (s *Service) AddMessageReaction(ctx context.Context, actor Actor, req MessageReactionRequest) (MessageReactionResult, error) {
	return s.react(ctx, actor, req, true)
}

// DeleteMessageReaction removes the caller's reaction.
func (s *Service) DeleteMessageReaction(ctx context.Context, actor Actor, req MessageReactionRequest) (MessageReactionResult, error) {
	return s.react(ctx, actor, req, false)
}

func (s *Service) react(ctx context.Context, actor Actor, req MessageReactionRequest, add bool) (MessageReactionResult, error) {
	res := MessageReactionResult{CommunityID: req.CommunityID, ChannelID: req.ChannelID, MessageSeq: req.MessageSeq}
	if err := checkReactionType(req.ReactionType); err != nil {
		return res, err
	}
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, ch, err := s.channelRead(ctx, tx, actor, req.CommunityID, req.ChannelID)
		if err != nil {
			return err
		}
		if err := threadWritable(ch, sc.now); err != nil {
			return err
		}
		m, err := message(ctx, tx, &sc, ch, req.MessageSeq)
		if err != nil {
			return err
		}
		if m.Type == MessageRevoked || m.Type == MessageTips {
			return FieldErrorf(EReactionNotAllowed, "messageSeq", "revoked and tips messages take no reactions")
		}
		now := s.nowMs()
		var changed bool
		if add {
			if now-m.Timestamp > ReactionWindow.Milliseconds() {
				return FieldErrorf(EReactionNotAllowed, "messageSeq", "reactions are taken on messages of the last %s", ReactionWindow)
			}
			existing := false
			for _, r := range m.Reactions {
				existing = existing || r.ReactionType == req.ReactionType
			}
			if !existing && len(m.Reactions) >= MaxReactionTypes {
				return FieldErrorf(EReactionNotAllowed, "reactionType", "a message holds at most %d reaction types", MaxReactionTypes)
			}
			changed, err = tx.AddReaction(ctx, ch.PK, m.MessageSeq, req.ReactionType, sc.self.UserPK, now)
		} else {
			changed, err = tx.DeleteReaction(ctx, ch.PK, m.MessageSeq, req.ReactionType, sc.self.UserPK)
		}
		if err != nil {
			return fmt.Errorf("change reaction: %w", err)
		}
		if res.Reactions, err = tx.Reactions(ctx, ch.PK, m.MessageSeq, sc.self.UserPK); err != nil {
			return fmt.Errorf("read reactions: %w", err)
		}
		if !changed {
			return nil // already so: nothing to tell
		}
		everyone := make([]Reaction, len(res.Reactions))
		for i, r := range res.Reactions {
			r.IsSelfIncluded = false
			everyone[i] = r
		}
		e := channelEvent(&sc, ch, EventMessageReactionsChanged)
		e.Large = s.large(sc.community)
		out.add(e, MessageReactionsChangedEvent{CommunityID: req.CommunityID, ChannelID: req.ChannelID,
			MessageSeq: m.MessageSeq, MessageID: m.MessageID, OperatedUserID: actor.UserID, Reactions: everyone})
		return nil
	})
	return res, err
}

// QueryMessageReactionUserList returns one page of the users who reacted to
// a message with one reaction type.
func (s *Service) QueryMessageReactionUserList(ctx context.Context, actor Actor, req QueryMessageReactionUserListRequest) (QueryMessageReactionUserListResult, error) {
	res := QueryMessageReactionUserListResult{CommunityID: req.CommunityID, ChannelID: req.ChannelID, MessageSeq: req.MessageSeq,
		ReactionType: req.ReactionType, UserList: []UserInfo{}}
	if err := checkReactionType(req.ReactionType); err != nil {
		return res, err
	}
	sc, ch, err := s.channelRead(ctx, s.store, actor, req.CommunityID, req.ChannelID)
	if err != nil {
		return res, err
	}
	limit, after, err := req.page(sc.app.Spec)
	if err != nil {
		return res, err
	}
	m, err := message(ctx, s.store, &sc, ch, req.MessageSeq)
	if err != nil {
		return res, err
	}
	for _, r := range m.Reactions {
		if r.ReactionType == req.ReactionType {
			res.TotalCount = r.TotalCount
		}
	}
	users, keys, err := s.store.ReactionUsers(ctx, ch.PK, m.MessageSeq, req.ReactionType, after, limit+1)
	if err != nil {
		return res, fmt.Errorf("read reactions: %w", err)
	}
	if len(users) > limit {
		res.NextFlag = Cursor{Valid: true, K1: keys[limit-1]}.String()
		users = users[:limit]
	}
	res.UserList = users
	return res, nil
}

// QueryMessageRepliedList returns the root of the reply tree that a message
// belongs to, and one page of the tree's replies, oldest first.
func (s *Service) QueryMessageRepliedList(ctx context.Context, actor Actor, req QueryMessageRepliedListRequest) (QueryMessageRepliedListResult, error) {
	res := QueryMessageRepliedListResult{CommunityID: req.CommunityID, ChannelID: req.ChannelID, MessageList: []Message{}}
	sc, ch, err := s.channelRead(ctx, s.store, actor, req.CommunityID, req.ChannelID)
	if err != nil {
		return res, err
	}
	limit, after, err := req.page(sc.app.Spec)
	if err != nil {
		return res, err
	}
	m, err := message(ctx, s.store, &sc, ch, req.MessageSeq)
	if err != nil {
		return res, err
	}
	if m.RepliedInfo != nil {
		if m, err = message(ctx, s.store, &sc, ch, m.RepliedInfo.RootMessageSeq); err != nil {
			return res, err
		}
	}
	res.RootMessage = m
	rows, err := s.store.Replies(ctx, ch.PK, m.MessageSeq, sc.self.UserPK, after, limit+1)
	if err != nil {
		return res, fmt.Errorf("read replies: %w", err)
	}
	res.MessageList, res.NextFlag = trimPage(placed(rows, &sc, ch), limit, func(m Message) Cursor { return Cursor{K1: m.MessageSeq} })
	return res, nil
}
