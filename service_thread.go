package plaza

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Threads (SPEC §6a). A thread is a channel (type 3) whose parent is a
// channel: every message and conversation operation takes it as a channel,
// and the rules of this file decide who may see it, write in it and follow
// it. Archiving is derived from the last activity when read (ArchiveAt, which
// every message moves); nothing runs per thread on a timer.

// ThreadCallback is the data of threadCreated, threadArchived and
// threadDismissed.
type ThreadCallback struct {
	CommunityID    string `json:"communityID"`
	Thread         Thread `json:"thread"`
	OperatedUserID string `json:"operatedUserID"`
}

// ThreadMemberCallback is the data of threadMemberJoined and
// threadMemberLeft.
type ThreadMemberCallback struct {
	CommunityID    string       `json:"communityID"`
	ChannelID      string       `json:"channelID"`
	ThreadID       string       `json:"threadID"`
	UserIDs        []string     `json:"userIDs"`
	Action         MemberAction `json:"action"`
	OperatedUserID string       `json:"operatedUserID"`
}

// archived reports whether a thread is archived at now.
func (t *ThreadFields) archived(now int64) bool { return t.ArchiveAt <= now }

// thread returns a thread as the API shows it at now.
func (ch Channel) thread(now int64) Thread {
	t := Thread{
		CommunityID:         ch.CommunityID,
		ChannelID:           ch.ChannelID,
		ThreadID:            ch.ChannelID,
		ChannelType:         ChannelThread,
		ParentChannelID:     ch.ParentChannelID,
		ThreadName:          ch.ChannelName,
		RootMessageSeq:      ch.RootMessageSeq,
		CreatorUserID:       ch.CreatorUserID,
		CreateTime:          ch.CreateTime,
		IsPrivate:           ch.IsPrivate,
		IsArchived:          ch.archived(now),
		IsLocked:            ch.IsLocked,
		Invitable:           ch.Invitable,
		AutoArchiveDuration: ch.AutoArchiveDuration,
		ArchiveTime:         ch.ArchiveAt,
		MessageCount:        ch.LastMessageSeq,
		MemberCount:         ch.MemberCount,
		LastMessageSeq:      ch.LastMessageSeq,
		LastMessage:         ch.LastMessage,
	}
	if m := t.LastMessage; m != nil {
		m.CommunityID, m.ChannelID = ch.CommunityID, ch.ChannelID
	}
	return t
}

// muteTarget returns the channel whose mutes apply to a send: a thread's
// parent, or the channel itself.
func muteTarget(ch Channel) (int64, MuteInfo) {
	if ch.ChannelType == ChannelThread && ch.Parent != nil {
		return ch.Parent.PK, ch.Parent.MuteInfo
	}
	return ch.PK, ch.MuteInfo
}

// threadSendable checks a send into a thread: a locked thread takes messages
// from the owner and admins only. An archived, unlocked one takes them from
// anyone who may send (the message unarchives it).
func threadSendable(sc *scope, ch Channel) error {
	if ch.ChannelType != ChannelThread || !ch.IsLocked || sc.self.MemberRole.manager() {
		return nil
	}
	return FieldErrorf(EThreadLocked, "channelID", "thread %s is locked: only the owner and admins may send in it", ch.ChannelID)
}

// threadWritable checks a change of a thread's messages other than a send or
// a revoke (an edit, a reaction): an archived thread takes none.
func threadWritable(ch Channel, now int64) error {
	if ch.ChannelType != ChannelThread || !ch.archived(now) {
		return nil
	}
	return FieldErrorf(EThreadArchived, "channelID", "thread %s is archived: send a message in it, or unarchive it, first", ch.ChannelID)
}

// followBySending makes a thread's sender and the users its message mentions
// members of it (a mention brings back one who left), after the message took
// its seq. A mentioned user who does not see the parent channel is left
// out; in a private thread, so is one the sender may not invite.
func (s *Service) followBySending(ctx context.Context, tx Tx, out *outbox, sc *scope, ch *Channel, m Message, system bool) error {
	if ch.archived(m.Timestamp - 1) {
		// The message unarchived it.
		ch.ArchiveAt = m.Timestamp + int64(ch.AutoArchiveDuration)*60_000
		ch.LastTime = m.Timestamp
		out.add(channelEvent(sc, *ch, EventCommunityThreadListChanged), CommunityThreadListChangedEvent{
			CommunityID: ch.CommunityID, ChannelID: ch.ParentChannelID,
			ChangeInfoList: []ThreadChange{{Action: ListUpdated, Thread: ch.thread(m.Timestamp)}}})
	}
	var joined []Member
	if !system {
		ok, err := tx.JoinThread(ctx, ch.PK, sc.self.UserPK, m.MessageSeq, m.Timestamp)
		if err != nil {
			return fmt.Errorf("follow thread: %w", err)
		}
		if ok {
			joined = append(joined, sc.self)
		}
	}
	if len(m.MentionedUserIDs) > 0 && (!ch.IsPrivate || s.mayInvite(sc, *ch)) {
		members, err := tx.Members(ctx, sc.community.PK, m.MentionedUserIDs)
		if err != nil {
			return fmt.Errorf("read mentioned members: %w", err)
		}
		for _, mb := range members {
			if mb.UserPK == sc.self.UserPK || !s.seesParent(ctx, tx, sc, mb, *ch) {
				continue
			}
			if ch.IsPrivate && ch.MemberCount+int64(len(joined)) >= int64(sc.app.Spec.PrivateThreadMembersMax) {
				break
			}
			ok, err := tx.JoinThread(ctx, ch.PK, mb.UserPK, m.MessageSeq-1, m.Timestamp)
			if err != nil {
				return fmt.Errorf("follow thread: %w", err)
			}
			if ok {
				joined = append(joined, mb)
			}
		}
	}
	if len(joined) == 0 {
		return nil
	}
	ch.MemberCount += int64(len(joined))
	if err := tx.UpdateChannel(ctx, *ch); err != nil {
		return fmt.Errorf("update thread: %w", err)
	}
	s.tellThreadMembers(out, sc, *ch, joined, MemberEntered, MemberJoined, sc.self.UserID)
	s.tellConversations(out, sc, *ch, joined, m.MessageSeq, func(u Member) int64 {
		if u.UserPK == sc.self.UserPK && !system {
			return m.MessageSeq // the sender has read its message
		}
		return m.MessageSeq - 1
	})
	return nil
}

// seesParent reports whether a member sees a thread's parent channel.
func (s *Service) seesParent(ctx context.Context, q Query, sc *scope, m Member, ch Channel) bool {
	if !ch.ParentPrivate || m.MemberRole.manager() {
		return true
	}
	ok, err := q.IsChannelMember(ctx, ch.ParentPK, m.UserPK)
	return err == nil && ok
}

// mayInvite reports whether the caller may bring others into a thread: in a
// private thread, the owner, admins and the thread's creator always, other
// members when the thread is invitable.
func (s *Service) mayInvite(sc *scope, ch Channel) bool {
	return !ch.IsPrivate || ch.Invitable || sc.self.MemberRole.manager() || sc.self.UserID == ch.CreatorUserID
}

// tellThreadMembers queues communityThreadMemberStateChanged for users who
// entered or left a thread, to those who see the thread and to the users
// themselves, with the grants that change who sees a private thread, and the
// app's callback.
func (s *Service) tellThreadMembers(out *outbox, sc *scope, ch Channel, users []Member, state MemberState, action MemberAction, operator string) {
	changes := make([]ThreadMemberStateChange, len(users))
	ids := make([]string, len(users))
	now := s.nowMs()
	for i, u := range users {
		ids[i] = u.UserID
		joined := now
		if state == MemberExited {
			joined = 0
		}
		changes[i] = ThreadMemberStateChange{State: state, Action: action,
			MemberInfo: ThreadMember{UserInfo: u.UserInfo, MemberRole: u.MemberRole, JoinTime: joined}}
	}
	data := CommunityThreadMemberStateChangedEvent{CommunityID: ch.CommunityID, ChannelID: ch.ParentChannelID,
		ThreadID: ch.ChannelID, OperatedUserID: operator, ChangeInfoList: changes}
	e := channelEvent(sc, ch, EventCommunityThreadMemberStateChanged)
	e.Large = s.large(sc.community)
	if ch.IsPrivate {
		for _, id := range ids {
			e.ChannelGrants = append(e.ChannelGrants, ChannelGrant{UserID: id, ChannelID: ch.ChannelID, Member: state == MemberEntered})
		}
	}
	out.add(e, data)
	if state == MemberExited && ch.IsPrivate {
		// Who left a private thread no longer sees it: tell them apart.
		out.add(Event{Name: EventCommunityThreadMemberStateChanged, AppID: sc.app.AppID, CommunityID: sc.community.CommunityID, UserIDs: ids}, data)
	}
	event := WebhookThreadMemberJoined
	if state == MemberExited {
		event = WebhookThreadMemberLeft
	}
	out.callback(&sc.app, event, ThreadMemberCallback{CommunityID: ch.CommunityID, ChannelID: ch.ParentChannelID,
		ThreadID: ch.ChannelID, UserIDs: ids, Action: action, OperatedUserID: operator})
}

// tellConversations queues, for users who started or stopped following a
// thread otherwise than by their own join or leave (an invite, a kick, a
// message they sent or that mentions them, the creation), conversationChanged
// with their conversation in it (added, from read position readSeq(user)
// with the thread's last seq lastSeq; or deleted). Their totals change with
// it: clients add the counts up, or read them again.
func (s *Service) tellConversations(out *outbox, sc *scope, ch Channel, users []Member, lastSeq int64, readSeq func(Member) int64) {
	for _, u := range users {
		c := ChannelConversation{ChannelBrief: ch.brief(), ChannelAttributes: map[string]string{}, MentionedInfoList: []MentionedInfo{}}
		action := ListDeleted
		if readSeq != nil {
			action = ListAdded
			read := readSeq(u)
			c.NotificationStatus = Notify
			c.LastMessageSeq, c.ReadMessageSeq = lastSeq, read
			c.UnreadMessageCount = max(lastSeq-read, 0)
		}
		out.add(Event{Name: EventConversationChanged, AppID: sc.app.AppID, CommunityID: sc.community.CommunityID, UserIDs: []string{u.UserID}},
			ConversationChangedEvent{InfoList: []ConversationChange{{Action: action, Conversation: c}}})
	}
}

// tellThread queues communityThreadListChanged about one thread to those who
// see it.
func (s *Service) tellThread(out *outbox, sc *scope, ch Channel, action ListAction) {
	e := channelEvent(sc, ch, EventCommunityThreadListChanged)
	e.Large = s.large(sc.community)
	if action == ListDeleted {
		e.Dismissed = true
	}
	out.add(e, CommunityThreadListChangedEvent{CommunityID: ch.CommunityID, ChannelID: ch.ParentChannelID,
		ChangeInfoList: []ThreadChange{{Action: action, Thread: ch.thread(s.nowMs())}}})
}

// loadThread reads a thread the caller sees, locked in a Tx, with its
// parent. A channel's ID is refused, naming the channel operations.
func loadThread(ctx context.Context, q Query, sc *scope, threadID string) (Channel, error) {
	if err := checkRef("threadID", threadID); err != nil {
		return Channel{}, err
	}
	ch, err := loadChannel(ctx, q, sc, threadID)
	if err != nil {
		if e, ok := errors.AsType[*Error](err); ok && e.Field == "channelID" {
			e.Field = "threadID"
			if e.Code == EChannelNotFound {
				e.Message = fmt.Sprintf("thread %s does not exist in community %s", threadID, sc.community.CommunityID)
			}
		}
		return ch, err
	}
	if ch.ChannelType != ChannelThread {
		return ch, invalidf("threadID", "%s is a channel, not a thread; channels take the channel operations", threadID)
	}
	return ch, nil
}

// checkThreadName validates a thread's name.
func checkThreadName(spec Spec, name string) error {
	return checkName("threadName", name, spec.ThreadNameMaxChars)
}

// checkAutoArchive validates an auto-archive duration in minutes.
func checkAutoArchive(minutes int) error {
	if !slices.Contains(threadAutoArchiveDurations, minutes) {
		return invalidf("autoArchiveDuration", "autoArchiveDuration must be 60, 1440, 4320 or 10080 minutes, got %d", minutes)
	}
	return nil
}

// nameFrom makes a thread's default name from its root message: its text,
// on one line, cut to max characters.
func nameFrom(m Message, max int) string {
	text := strings.Join(strings.Fields(m.Message), " ")
	if text == "" {
		text = "Thread"
	}
	if utf8.RuneCountInString(text) > max {
		r := []rune(text)
		text = string(r[:max])
	}
	return text
}

// CreateCommunityThread opens a thread in a channel, from one of its
// messages or standalone, public or private. Anyone who may send in the
// channel may; the creator (and the root message's sender) follow it. A
// channel holds at most the app's limit of active threads.
func (s *Service) CreateCommunityThread(ctx context.Context, actor Actor, req CreateCommunityThreadRequest) (ThreadInfoResult, error) {
	var res ThreadInfoResult
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, err := s.readScope(ctx, tx, actor, req.CommunityID)
		if err != nil {
			return err
		}
		if err := sc.member(); err != nil {
			return err
		}
		spec := sc.app.Spec
		if req.ThreadID != "" {
			if err := checkID("threadID", req.ThreadID); err != nil {
				return err
			}
		}
		if req.ThreadName != "" {
			if err := checkThreadName(spec, req.ThreadName); err != nil {
				return err
			}
		}
		dur := req.AutoArchiveDuration
		if dur == 0 {
			dur = DefaultAutoArchiveDuration
		}
		if err := checkAutoArchive(dur); err != nil {
			return err
		}
		if req.RootMessageSeq < 0 {
			return invalidf("rootMessageSeq", "rootMessageSeq must name a message of the channel (1 or more), or be absent")
		}
		// The parent is locked: creates in one channel are serialised, so
		// that concurrent ones cannot pass the active limit.
		parent, err := loadChannel(ctx, tx, &sc, req.ChannelID)
		if err != nil {
			return err
		}
		if parent.ChannelType == ChannelThread {
			return FieldErrorf(EThreadNesting, "channelID", "%s is a thread; a thread cannot have threads", parent.ChannelID)
		}
		if e := muteCheck(sc.now, sc.self.MemberRole, sc.self.Mutes, parent.PK, parent.MuteInfo, sc.community.MuteInfo); e != nil {
			return e
		}
		name := req.ThreadName
		var root Message
		if req.RootMessageSeq > 0 {
			if root, err = message(ctx, tx, &sc, parent, req.RootMessageSeq); err != nil {
				if e, ok := errors.AsType[*Error](err); ok && e.Field == "messageSeq" {
					e.Field = "rootMessageSeq"
				}
				return err
			}
			if root.Type == MessageRevoked {
				return FieldErrorf(EMessageRevoked, "rootMessageSeq", "message %d was revoked", req.RootMessageSeq)
			}
			if t, err := tx.ThreadByRoot(ctx, parent.PK, req.RootMessageSeq); err == nil {
				return FieldErrorf(EThreadExists, "rootMessageSeq", "message %d already opened thread %s", req.RootMessageSeq, t.ChannelID)
			} else if !errors.Is(err, ErrNotFound) {
				return fmt.Errorf("read thread: %w", err)
			}
			if name == "" {
				name = nameFrom(root, spec.ThreadNameMaxChars)
			}
		} else if name == "" {
			return invalidf("threadName", "threadName is required for a thread opened without a root message")
		}
		now := s.nowMs()
		active, err := tx.CountActiveThreads(ctx, parent.PK, now)
		if err != nil {
			return fmt.Errorf("count threads: %w", err)
		}
		if active >= spec.ActiveThreadsPerChannel {
			return FieldErrorf(EThreadLimit, "channelID", "channel %s has %d active threads, the limit; archive some first", parent.ChannelID, spec.ActiveThreadsPerChannel)
		}
		id := req.ThreadID
		if id == "" {
			id = s.ids.generatedID('T')
		} else if gone, err := tx.ChannelDismissed(ctx, sc.community.PK, id); err != nil {
			return fmt.Errorf("read dismissed channels: %w", err)
		} else if gone {
			return FieldErrorf(EChannelDismissed, "threadID", "ID %s belonged to a dismissed channel or thread and cannot be reused", id)
		}
		invitable := true
		if req.Invitable != nil {
			invitable = *req.Invitable
		}
		ch := Channel{
			CommunityPK:   sc.community.PK,
			CommunityID:   sc.community.CommunityID,
			ChannelID:     id,
			ChannelType:   ChannelThread,
			ChannelName:   name,
			CreatorUserID: actor.UserID,
			CreateTime:    now,
			LastTime:      now,
			MuteInfo:      MuteInfo{Roles: []Role{}},
			ThreadFields: ThreadFields{
				ParentPK:            parent.PK,
				ParentChannelID:     parent.ChannelID,
				ParentPrivate:       parent.ChannelType == ChannelPrivate,
				RootMessageSeq:      req.RootMessageSeq,
				IsPrivate:           req.IsPrivate,
				Invitable:           invitable,
				AutoArchiveDuration: dur,
				ArchiveAt:           now + int64(dur)*60_000,
				Parent:              &parent,
			},
		}
		if err := tx.InsertChannel(ctx, &ch); errors.Is(err, ErrConflict) {
			return FieldErrorf(EChannelExists, "threadID", "a channel or thread %s already exists in community %s", id, sc.community.CommunityID)
		} else if err != nil {
			return fmt.Errorf("insert thread: %w", err)
		}
		// The creator follows it, and so does the root message's sender if
		// it is still a member who sees the channel.
		followers := []Member{sc.self}
		if root.SenderUserID != "" && root.SenderUserID != actor.UserID && root.Type != MessageTips {
			if ms, err := tx.Members(ctx, sc.community.PK, []string{root.SenderUserID}); err != nil {
				return fmt.Errorf("read member: %w", err)
			} else if len(ms) == 1 && s.seesParent(ctx, tx, &sc, ms[0], ch) && !req.IsPrivate {
				followers = append(followers, ms[0])
			}
		}
		for _, f := range followers {
			if _, err := tx.JoinThread(ctx, ch.PK, f.UserPK, 0, now); err != nil {
				return fmt.Errorf("follow thread: %w", err)
			}
		}
		ch.MemberCount = int64(len(followers))
		if err := tx.UpdateChannel(ctx, ch); err != nil {
			return fmt.Errorf("update thread: %w", err)
		}
		// The creator of a private thread sees it from now: its grant
		// comes with the list event.
		e := channelEvent(&sc, ch, EventCommunityThreadListChanged)
		e.Large = s.large(sc.community)
		if ch.IsPrivate {
			e.ChannelGrants = []ChannelGrant{{UserID: actor.UserID, ChannelID: id, Member: true}}
		}
		info := ch.thread(now)
		out.add(e, CommunityThreadListChangedEvent{CommunityID: ch.CommunityID, ChannelID: parent.ChannelID,
			ChangeInfoList: []ThreadChange{{Action: ListAdded, Thread: info}}})
		s.tellThreadMembers(out, &sc, ch, followers, MemberEntered, MemberJoined, actor.UserID)
		s.tellConversations(out, &sc, ch, followers, 0, func(Member) int64 { return 0 })
		out.callback(&sc.app, WebhookThreadCreated, ThreadCallback{CommunityID: ch.CommunityID, Thread: info, OperatedUserID: actor.UserID})
		res.ThreadInfo = info
		return nil
	})
	return res, err
}

// QueryCommunityThreadList returns one page of a channel's threads that the
// caller sees: active ones, newest activity first, or archived ones, newest
// archive first.
func (s *Service) QueryCommunityThreadList(ctx context.Context, actor Actor, req QueryCommunityThreadListRequest) (QueryCommunityThreadListResult, error) {
	res := QueryCommunityThreadListResult{CommunityID: req.CommunityID, ChannelID: req.ChannelID, ThreadList: []Thread{}}
	var archived bool
	switch req.Filter {
	case "", ThreadsActive:
	case ThreadsArchived:
		archived = true
	default:
		return res, invalidf("filter", `filter must be "active" or "archived", got %q`, req.Filter)
	}
	sc, parent, err := s.channelRead(ctx, s.store, actor, req.CommunityID, req.ChannelID)
	if err != nil {
		return res, err
	}
	if parent.ChannelType == ChannelThread {
		return res, FieldErrorf(EThreadNesting, "channelID", "%s is a thread; threads have no threads", parent.ChannelID)
	}
	limit, after, err := req.page(sc.app.Spec)
	if err != nil {
		return res, err
	}
	now := s.nowMs()
	rows, err := s.store.Threads(ctx, parent.PK, sc.self.UserPK, sc.self.MemberRole.manager(), archived, now, after, limit+1)
	if err != nil {
		return res, fmt.Errorf("list threads: %w", err)
	}
	rows, res.NextFlag = trimPage(rows, limit, func(ch Channel) Cursor {
		if archived {
			return Cursor{K1: ch.ArchiveAt, K2: ch.PK}
		}
		return Cursor{K1: ch.LastTime, K2: ch.PK}
	})
	for _, ch := range rows {
		ch.CommunityID = sc.community.CommunityID
		res.ThreadList = append(res.ThreadList, ch.thread(now))
	}
	return res, nil
}

// QueryJoinedCommunityThreadList returns one page of the threads the caller
// follows, in one community or in all, newest activity first, with its
// unread state in each.
func (s *Service) QueryJoinedCommunityThreadList(ctx context.Context, actor Actor, req QueryJoinedCommunityThreadListRequest) (QueryJoinedCommunityThreadListResult, error) {
	res := QueryJoinedCommunityThreadListResult{ThreadList: []JoinedThread{}}
	var userPK, communityPK int64
	var spec Spec
	if req.CommunityID != "" {
		sc, err := s.readScope(ctx, s.store, actor, req.CommunityID)
		if err != nil {
			return res, err
		}
		if err := sc.member(); err != nil {
			return res, err
		}
		userPK, communityPK, spec = sc.self.UserPK, sc.community.PK, sc.app.Spec
	} else {
		app, err := activeApp(ctx, s.store, actor.AppID)
		if err != nil {
			return res, err
		}
		spec = app.Spec
		u, err := s.store.User(ctx, actor.AppID, actor.UserID)
		if errors.Is(err, ErrNotFound) {
			return res, nil
		}
		if err != nil {
			return res, fmt.Errorf("read user: %w", err)
		}
		userPK = u.PK
	}
	limit, after, err := req.page(spec)
	if err != nil {
		return res, err
	}
	rows, err := s.store.FollowedThreads(ctx, userPK, communityPK, after, limit+1)
	if err != nil {
		return res, fmt.Errorf("list followed threads: %w", err)
	}
	rows, res.NextFlag = trimPage(rows, limit, func(f FollowedThread) Cursor { return Cursor{K1: f.Thread.LastTime, K2: f.Thread.PK} })
	reads := make([]ReadPosition, len(rows))
	for i, f := range rows {
		reads[i] = ReadPosition{ChannelPK: f.Thread.PK, ReadSeq: f.ReadSeq}
	}
	mentions, err := s.store.Mentions(ctx, userPK, reads)
	if err != nil {
		return res, fmt.Errorf("read mentions: %w", err)
	}
	now := s.nowMs()
	for _, f := range rows {
		j := JoinedThread{
			Thread:             f.Thread.thread(now),
			UnreadMessageCount: max(f.Thread.LastMessageSeq-f.ReadSeq, 0),
			ReadMessageSeq:     f.ReadSeq,
			NotificationStatus: f.NotificationStatus,
			MentionedInfoList:  mentions[f.Thread.PK],
		}
		if j.MentionedInfoList == nil {
			j.MentionedInfoList = []MentionedInfo{}
		}
		res.ThreadList = append(res.ThreadList, j)
	}
	return res, nil
}

// QueryCommunityThreadsInfo returns threads by ID; those that do not exist or
// that the caller does not see are in ErrorThreadIDs.
func (s *Service) QueryCommunityThreadsInfo(ctx context.Context, actor Actor, req QueryCommunityThreadsInfoRequest) (QueryCommunityThreadsInfoResult, error) {
	res := QueryCommunityThreadsInfoResult{CommunityID: req.CommunityID, ThreadInfos: []Thread{}, ErrorThreadIDs: []string{}}
	sc, err := s.readScope(ctx, s.store, actor, req.CommunityID)
	if err != nil {
		return res, err
	}
	if err := sc.member(); err != nil {
		return res, err
	}
	ids, err := checkUserIDs("threadIDs", req.ThreadIDs, sc.app.Spec.PageMax)
	if err != nil {
		if e, ok := errors.AsType[*Error](err); ok {
			e.Message = strings.ReplaceAll(e.Message, "user", "thread")
		}
		return res, err
	}
	now := s.nowMs()
	for _, id := range ids {
		ch, err := loadThread(ctx, s.store, &sc, id)
		if err != nil {
			if ErrorCode(err) == EInternal {
				return res, err
			}
			res.ErrorThreadIDs = append(res.ErrorThreadIDs, id)
			continue
		}
		if ch.LastMessageSeq > 0 {
			ms, err := s.store.Messages(ctx, ch.PK, []int64{ch.LastMessageSeq}, sc.self.UserPK)
			if err != nil {
				return res, fmt.Errorf("read last message: %w", err)
			}
			if len(ms) == 1 {
				ch.LastMessage = &ms[0]
			}
		}
		res.ThreadInfos = append(res.ThreadInfos, ch.thread(now))
	}
	return res, nil
}

// JoinCommunityThread makes the caller follow a public thread it sees (the
// owner and admins may join private ones too).
func (s *Service) JoinCommunityThread(ctx context.Context, actor Actor, req ThreadRequest) (ThreadIDResult, error) {
	res := ThreadIDResult(req)
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, err := s.readScope(ctx, tx, actor, req.CommunityID)
		if err != nil {
			return err
		}
		if err := sc.member(); err != nil {
			return err
		}
		ch, err := loadThread(ctx, tx, &sc, req.ThreadID)
		if err != nil {
			return err
		}
		if ch.IsPrivate && !sc.self.MemberRole.manager() {
			return FieldErrorf(EPermissionDenied, "threadID", "thread %s is private: its members invite others", ch.ChannelID)
		}
		if err := threadWritable(ch, sc.now); err != nil {
			return err
		}
		if err := checkPrivateRoom(&sc, ch, 1); err != nil {
			return err
		}
		ok, err := tx.JoinThread(ctx, ch.PK, sc.self.UserPK, ch.LastMessageSeq, sc.now)
		if err != nil {
			return fmt.Errorf("follow thread: %w", err)
		}
		if !ok {
			return FieldErrorf(EAlreadyInThread, "threadID", "you already follow thread %s", ch.ChannelID)
		}
		ch.MemberCount++
		if err := tx.UpdateChannel(ctx, ch); err != nil {
			return fmt.Errorf("update thread: %w", err)
		}
		s.tellThreadMembers(out, &sc, ch, []Member{sc.self}, MemberEntered, MemberJoined, actor.UserID)
		return s.tellFollowed(ctx, tx, out, &sc, ch)
	})
	return res, err
}

// tellFollowed tells the caller's sessions of its conversation in a thread
// it just followed, and of its new totals.
func (s *Service) tellFollowed(ctx context.Context, tx Tx, out *outbox, sc *scope, ch Channel) error {
	c, err := tx.Conversation(ctx, sc.self.UserPK, ch.PK)
	if err != nil {
		return fmt.Errorf("read conversation: %w", err)
	}
	cs := []ChannelConversation{c}
	if err := s.finish(ctx, tx, sc.self.UserPK, cs); err != nil {
		return err
	}
	out.add(Event{Name: EventConversationChanged, AppID: sc.app.AppID, CommunityID: sc.community.CommunityID, UserIDs: []string{sc.self.UserID}},
		ConversationChangedEvent{InfoList: []ConversationChange{{Action: ListAdded, Conversation: cs[0]}}})
	return s.tellTotals(ctx, tx, out, sc)
}

// checkPrivateRoom refuses n more members in a private thread past the
// app's limit.
func checkPrivateRoom(sc *scope, ch Channel, n int) error {
	if ch.IsPrivate && ch.MemberCount+int64(n) > int64(sc.app.Spec.PrivateThreadMembersMax) {
		return FieldErrorf(EThreadMemberLimit, "threadID", "private thread %s has %d members; the limit is %d", ch.ChannelID, ch.MemberCount, sc.app.Spec.PrivateThreadMembersMax)
	}
	return nil
}

// LeaveCommunityThread stops the caller following a thread: its
// conversation there goes, until it joins again or is mentioned.
func (s *Service) LeaveCommunityThread(ctx context.Context, actor Actor, req ThreadRequest) (ThreadIDResult, error) {
	res := ThreadIDResult(req)
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, err := s.readScope(ctx, tx, actor, req.CommunityID)
		if err != nil {
			return err
		}
		if err := sc.member(); err != nil {
			return err
		}
		ch, err := loadThread(ctx, tx, &sc, req.ThreadID)
		if err != nil {
			return err
		}
		ok, err := tx.LeaveThread(ctx, ch.PK, sc.self.UserPK)
		if err != nil {
			return fmt.Errorf("leave thread: %w", err)
		}
		if !ok {
			return FieldErrorf(ENotThreadMember, "threadID", "you do not follow thread %s", ch.ChannelID)
		}
		ch.MemberCount--
		if err := tx.UpdateChannel(ctx, ch); err != nil {
			return fmt.Errorf("update thread: %w", err)
		}
		s.tellThreadMembers(out, &sc, ch, []Member{sc.self}, MemberExited, MemberLeft, actor.UserID)
		c := ChannelConversation{ChannelBrief: ch.brief()}
		out.add(Event{Name: EventConversationChanged, AppID: sc.app.AppID, CommunityID: sc.community.CommunityID, UserIDs: []string{sc.self.UserID}},
			ConversationChangedEvent{InfoList: []ConversationChange{{Action: ListDeleted, Conversation: c}}})
		return s.tellTotals(ctx, tx, out, &sc)
	})
	return res, err
}

// InviteUsersIntoCommunityThread makes members of the community who see the
// thread's parent channel follow it. Members of the thread may invite (in a
// private thread: when it is invitable, or as its creator, the owner or an
// admin).
func (s *Service) InviteUsersIntoCommunityThread(ctx context.Context, actor Actor, req ThreadUsersRequest) (ThreadUsersResult, error) {
	res := ThreadUsersResult{CommunityID: req.CommunityID, ThreadID: req.ThreadID, ErrorUserList: []ErrorUser{}}
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, ch, ids, err := s.threadBatch(ctx, tx, actor, req)
		if err != nil {
			return err
		}
		if !sc.self.MemberRole.manager() {
			follows, err := tx.IsChannelMember(ctx, ch.PK, sc.self.UserPK)
			if err != nil {
				return fmt.Errorf("read thread membership: %w", err)
			}
			if !follows {
				return FieldErrorf(ENotThreadMember, "threadID", "only members of thread %s may invite into it", ch.ChannelID)
			}
		}
		if !s.mayInvite(&sc, ch) {
			return FieldErrorf(EPermissionDenied, "threadID", "thread %s is private and not invitable: only its creator, the owner and admins invite", ch.ChannelID)
		}
		if err := threadWritable(ch, sc.now); err != nil {
			return err
		}
		members, err := tx.Members(ctx, sc.community.PK, ids)
		if err != nil {
			return fmt.Errorf("read members: %w", err)
		}
		byID := make(map[string]Member, len(members))
		for _, m := range members {
			byID[m.UserID] = m
		}
		var added []Member
		var failed []ErrorUser
		for _, id := range ids {
			m, ok := byID[id]
			switch {
			case !ok:
				failed = append(failed, errorUser(id, ENotMember))
				continue
			case !s.seesParent(ctx, tx, &sc, m, ch):
				failed = append(failed, errorUser(id, EPermissionDenied))
				continue
			case checkPrivateRoom(&sc, ch, len(added)+1) != nil:
				failed = append(failed, errorUser(id, EThreadMemberLimit))
				continue
			}
			did, err := tx.JoinThread(ctx, ch.PK, m.UserPK, ch.LastMessageSeq, sc.now)
			if err != nil {
				return fmt.Errorf("follow thread: %w", err)
			}
			if !did {
				failed = append(failed, errorUser(id, EAlreadyInThread))
				continue
			}
			added = append(added, m)
		}
		res.ErrorUserList = append(res.ErrorUserList, failed...)
		if len(added) == 0 {
			return threadBatchError(failed, ch.ChannelID)
		}
		ch.MemberCount += int64(len(added))
		if err := tx.UpdateChannel(ctx, ch); err != nil {
			return fmt.Errorf("update thread: %w", err)
		}
		s.tellThreadMembers(out, &sc, ch, added, MemberEntered, MemberInvited, actor.UserID)
		s.tellConversations(out, &sc, ch, added, ch.LastMessageSeq, func(Member) int64 { return ch.LastMessageSeq })
		return nil
	})
	return res, err
}

// KickCommunityThreadMembers removes members from a thread. Owner and admins.
func (s *Service) KickCommunityThreadMembers(ctx context.Context, actor Actor, req ThreadUsersRequest) (ThreadUsersResult, error) {
	res := ThreadUsersResult{CommunityID: req.CommunityID, ThreadID: req.ThreadID, ErrorUserList: []ErrorUser{}}
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, ch, ids, err := s.threadBatch(ctx, tx, actor, req)
		if err != nil {
			return err
		}
		if err := sc.manager(); err != nil {
			return err
		}
		members, err := tx.Members(ctx, sc.community.PK, ids)
		if err != nil {
			return fmt.Errorf("read members: %w", err)
		}
		byID := make(map[string]Member, len(members))
		for _, m := range members {
			byID[m.UserID] = m
		}
		var kicked []Member
		var failed []ErrorUser
		for _, id := range ids {
			m, ok := byID[id]
			if !ok {
				failed = append(failed, errorUser(id, ENotThreadMember))
				continue
			}
			did, err := tx.LeaveThread(ctx, ch.PK, m.UserPK)
			if err != nil {
				return fmt.Errorf("leave thread: %w", err)
			}
			if !did {
				failed = append(failed, errorUser(id, ENotThreadMember))
				continue
			}
			kicked = append(kicked, m)
		}
		res.ErrorUserList = append(res.ErrorUserList, failed...)
		if len(kicked) == 0 {
			return threadBatchError(failed, ch.ChannelID)
		}
		ch.MemberCount -= int64(len(kicked))
		if err := tx.UpdateChannel(ctx, ch); err != nil {
			return fmt.Errorf("update thread: %w", err)
		}
		s.tellThreadMembers(out, &sc, ch, kicked, MemberExited, MemberKicked, actor.UserID)
		s.tellConversations(out, &sc, ch, kicked, 0, nil)
		return nil
	})
	return res, err
}

// threadBatch reads the scope, thread and user IDs of an invite or kick.
func (s *Service) threadBatch(ctx context.Context, tx Tx, actor Actor, req ThreadUsersRequest) (scope, Channel, []string, error) {
	sc, err := s.readScope(ctx, tx, actor, req.CommunityID)
	if err != nil {
		return sc, Channel{}, nil, err
	}
	if err := sc.member(); err != nil {
		return sc, Channel{}, nil, err
	}
	ids, err := checkUserIDs("userIDs", req.UserIDs, sc.app.Spec.UsersPerCall)
	if err != nil {
		return sc, Channel{}, nil, err
	}
	ch, err := loadThread(ctx, tx, &sc, req.ThreadID)
	return sc, ch, ids, err
}

// threadBatchError is the error of an invite or kick in which every user
// failed.
func threadBatchError(failed []ErrorUser, threadID string) error {
	f := failed[0]
	switch f.Code {
	case EAlreadyInThread:
		return Errorf(EAlreadyInThread, "user %s already follows thread %s", f.UserID, threadID)
	case ENotThreadMember:
		return Errorf(ENotThreadMember, "user %s does not follow thread %s", f.UserID, threadID)
	case ENotMember:
		return Errorf(ENotMember, "user %s is not a member of the community", f.UserID)
	case EPermissionDenied:
		return Errorf(EPermissionDenied, "user %s does not see the thread's channel", f.UserID)
	case EThreadMemberLimit:
		return Errorf(EThreadMemberLimit, "private thread %s is full", threadID)
	}
	return Errorf(f.Code, "user %s: %s", f.UserID, f.Code)
}

// QueryCommunityThreadMemberList returns one page of a thread's members, in
// the order they joined.
func (s *Service) QueryCommunityThreadMemberList(ctx context.Context, actor Actor, req QueryCommunityThreadMemberListRequest) (QueryCommunityThreadMemberListResult, error) {
	res := QueryCommunityThreadMemberListResult{CommunityID: req.CommunityID, ThreadID: req.ThreadID, MemberList: []ThreadMember{}}
	sc, err := s.readScope(ctx, s.store, actor, req.CommunityID)
	if err != nil {
		return res, err
	}
	if err := sc.member(); err != nil {
		return res, err
	}
	ch, err := loadThread(ctx, s.store, &sc, req.ThreadID)
	if err != nil {
		return res, err
	}
	limit, after, err := req.page(sc.app.Spec)
	if err != nil {
		return res, err
	}
	rows, err := s.store.ThreadMembers(ctx, sc.community.PK, ch.PK, after, limit+1)
	if err != nil {
		return res, fmt.Errorf("list thread members: %w", err)
	}
	rows, res.NextFlag = trimPage(rows, limit, func(m ThreadMember) Cursor { return Cursor{K1: m.JoinTime, K2: m.JoinKey} })
	res.MemberList = append(res.MemberList, rows...)
	return res, nil
}

// changeThread runs a change of a thread by its creator, the owner or an
// admin (the owner and admins only, when managersOnly) and tells those who
// see it.
func (s *Service) changeThread(ctx context.Context, actor Actor, communityID, threadID string, managersOnly bool, change func(tx Tx, out *outbox, sc *scope, ch *Channel) error) (ThreadInfoResult, error) {
	var res ThreadInfoResult
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, err := s.readScope(ctx, tx, actor, communityID)
		if err != nil {
			return err
		}
		if err := sc.member(); err != nil {
			return err
		}
		ch, err := loadThread(ctx, tx, &sc, threadID)
		if err != nil {
			return err
		}
		if !sc.self.MemberRole.manager() && (managersOnly || ch.CreatorUserID != actor.UserID) {
			who := "its creator, the owner and admins"
			if managersOnly {
				who = "the owner and admins"
			}
			return FieldErrorf(EPermissionDenied, "threadID", "only %s may change thread %s so", who, ch.ChannelID)
		}
		if err := change(tx, out, &sc, &ch); err != nil {
			return err
		}
		if err := tx.UpdateChannel(ctx, ch); err != nil {
			return fmt.Errorf("update thread: %w", err)
		}
		s.tellThread(out, &sc, ch, ListUpdated)
		res.ThreadInfo = ch.thread(sc.now)
		return nil
	})
	return res, err
}

// lockedAgainst refuses a change of a locked thread by someone other than
// the owner and admins.
func lockedAgainst(sc *scope, ch Channel) error {
	if ch.IsLocked && !sc.self.MemberRole.manager() {
		return FieldErrorf(EThreadLocked, "threadID", "thread %s is locked: only the owner and admins may change it", ch.ChannelID)
	}
	return nil
}

// UpdateCommunityThreadName renames a thread: its creator, the owner and
// admins (only the owner and admins while it is locked).
func (s *Service) UpdateCommunityThreadName(ctx context.Context, actor Actor, req UpdateCommunityThreadNameRequest) (ThreadInfoResult, error) {
	return s.changeThread(ctx, actor, req.CommunityID, req.ThreadID, false, func(_ Tx, _ *outbox, sc *scope, ch *Channel) error {
		if err := checkThreadName(sc.app.Spec, req.ThreadName); err != nil {
			return err
		}
		if err := lockedAgainst(sc, *ch); err != nil {
			return err
		}
		if err := threadWritable(*ch, sc.now); err != nil {
			return err
		}
		ch.ChannelName = req.ThreadName
		return nil
	})
}

// UpdateCommunityThreadArchivedState archives a thread, or unarchives it (a
// locked one only by the owner and admins): its creator, the owner and
// admins. Unarchiving counts toward the channel's active threads.
func (s *Service) UpdateCommunityThreadArchivedState(ctx context.Context, actor Actor, req UpdateCommunityThreadArchivedStateRequest) (ThreadInfoResult, error) {
	if req.IsArchived == nil {
		return ThreadInfoResult{}, invalidf("isArchived", "isArchived must be true or false")
	}
	archive := *req.IsArchived
	return s.changeThread(ctx, actor, req.CommunityID, req.ThreadID, false, func(tx Tx, out *outbox, sc *scope, ch *Channel) error {
		now := sc.now
		switch {
		case archive && !ch.archived(now):
			ch.ArchiveAt = now
			out.callback(&sc.app, WebhookThreadArchived, ThreadCallback{CommunityID: ch.CommunityID, Thread: ch.thread(now), OperatedUserID: actor.UserID})
		case !archive && ch.archived(now):
			if err := lockedAgainst(sc, *ch); err != nil {
				return err
			}
			active, err := tx.CountActiveThreads(ctx, ch.ParentPK, now)
			if err != nil {
				return fmt.Errorf("count threads: %w", err)
			}
			if active >= sc.app.Spec.ActiveThreadsPerChannel {
				return FieldErrorf(EThreadLimit, "threadID", "channel %s has %d active threads, the limit", ch.ParentChannelID, sc.app.Spec.ActiveThreadsPerChannel)
			}
			ch.LastTime = now
			ch.ArchiveAt = now + int64(ch.AutoArchiveDuration)*60_000
		}
		return nil
	})
}

// UpdateCommunityThreadLockedState locks or unlocks a thread. Owner and
// admins.
func (s *Service) UpdateCommunityThreadLockedState(ctx context.Context, actor Actor, req UpdateCommunityThreadLockedStateRequest) (ThreadInfoResult, error) {
	if req.IsLocked == nil {
		return ThreadInfoResult{}, invalidf("isLocked", "isLocked must be true or false")
	}
	return s.changeThread(ctx, actor, req.CommunityID, req.ThreadID, true, func(_ Tx, _ *outbox, _ *scope, ch *Channel) error {
		ch.IsLocked = *req.IsLocked
		return nil
	})
}

// UpdateCommunityThreadAutoArchiveDuration sets after how many minutes
// without a message a thread archives: its creator, the owner and admins.
func (s *Service) UpdateCommunityThreadAutoArchiveDuration(ctx context.Context, actor Actor, req UpdateCommunityThreadAutoArchiveDurationRequest) (ThreadInfoResult, error) {
	if err := checkAutoArchive(req.AutoArchiveDuration); err != nil {
		return ThreadInfoResult{}, err
	}
	return s.changeThread(ctx, actor, req.CommunityID, req.ThreadID, false, func(_ Tx, _ *outbox, sc *scope, ch *Channel) error {
		if err := lockedAgainst(sc, *ch); err != nil {
			return err
		}
		if err := threadWritable(*ch, sc.now); err != nil {
			return err
		}
		ch.AutoArchiveDuration = req.AutoArchiveDuration
		ch.ArchiveAt = ch.LastTime + int64(req.AutoArchiveDuration)*60_000
		return nil
	})
}

// DismissCommunityThread deletes a thread with its messages; its ID is never
// reused in the community. Its creator, the owner and admins.
func (s *Service) DismissCommunityThread(ctx context.Context, actor Actor, req ThreadRequest) (ThreadIDResult, error) {
	res := ThreadIDResult(req)
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, err := s.readScope(ctx, tx, actor, req.CommunityID)
		if err != nil {
			return err
		}
		if err := sc.member(); err != nil {
			return err
		}
		ch, err := loadThread(ctx, tx, &sc, req.ThreadID)
		if err != nil {
			return err
		}
		if !sc.self.MemberRole.manager() && ch.CreatorUserID != actor.UserID {
			return FieldErrorf(EPermissionDenied, "threadID", "only its creator, the owner and admins may dismiss thread %s", ch.ChannelID)
		}
		if err := tx.DeleteChannel(ctx, ch, s.nowMs()); err != nil {
			return fmt.Errorf("delete thread: %w", err)
		}
		s.tellThread(out, &sc, ch, ListDeleted)
		out.callback(&sc.app, WebhookThreadDismissed, ThreadCallback{CommunityID: ch.CommunityID, Thread: ch.thread(s.nowMs()), OperatedUserID: actor.UserID})
		return nil
	})
	return res, err
}
