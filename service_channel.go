package plaza

import (
	"context"
	"errors"
	"fmt"
)

// loadChannel reads a channel of the scope's community that the caller may
// see; a private channel is visible to its listed members, the owner and
// admins. In a Tx the channel row is locked.
func loadChannel(ctx context.Context, q Query, sc *scope, channelID string) (Channel, error) {
	if err := checkRef("channelID", channelID); err != nil {
		return Channel{}, err
	}
	var ch Channel
	var err error
	if tx, ok := q.(Tx); ok {
		ch, err = tx.ChannelForUpdate(ctx, sc.community.PK, channelID)
	} else {
		ch, err = q.Channel(ctx, sc.community.PK, channelID)
	}
	if errors.Is(err, ErrNotFound) {
		return ch, FieldErrorf(EChannelNotFound, "channelID", "channel %s does not exist in community %s", channelID, sc.community.CommunityID)
	}
	if err != nil {
		return ch, fmt.Errorf("read channel: %w", err)
	}
	ok, err := sees(ctx, q, sc, ch)
	if err != nil {
		return ch, err
	}
	if !ok {
		if ch.ChannelType == ChannelThread {
			return ch, Errorf(EPermissionDenied, "thread %s is private, or in a private channel, and you are not in it", channelID)
		}
		return ch, Errorf(EPermissionDenied, "channel %s is private and you are not in it", channelID)
	}
	if ch.ChannelType == ChannelThread {
		// The parent's mutes apply in the thread, and its audience is the
		// thread's: the store reads what of it a thread needs with the
		// thread. A thread's changes lock the thread alone.
		parent := Channel{PK: ch.ParentPK, CommunityPK: ch.CommunityPK, CommunityID: sc.community.CommunityID,
			ChannelID: ch.ParentChannelID, ChannelType: ChannelPublic, MemberCount: ch.ParentMemberCount,
			MuteInfo: ch.ParentMute.current(sc.now)}
		if ch.ParentPrivate {
			parent.ChannelType = ChannelPrivate
		}
		parent.CurrentMemberCount = memberCount(parent, sc.community)
		ch.Parent = &parent
	}
	ch.CommunityID = sc.community.CommunityID
	ch.CurrentMemberCount = memberCount(ch, sc.community)
	ch.MuteInfo = ch.MuteInfo.current(sc.now)
	return ch, nil
}

// sees reports whether the scope's caller sees a channel. A thread is seen
// by those who see its parent channel; a private one only by its members and
// the owner and admins.
func sees(ctx context.Context, q Query, sc *scope, ch Channel) (bool, error) {
	if sc.self.MemberRole == RoleNone {
		return false, nil
	}
	if sc.self.MemberRole.manager() {
		return true, nil
	}
	listed := func(pk int64) (bool, error) {
		ok, err := q.IsChannelMember(ctx, pk, sc.self.UserPK)
		if err != nil {
			return false, fmt.Errorf("read channel membership: %w", err)
		}
		return ok, nil
	}
	switch ch.ChannelType {
	case ChannelPrivate:
		return listed(ch.PK)
	case ChannelThread:
		if ch.ParentPrivate {
			if ok, err := listed(ch.ParentPK); err != nil || !ok {
				return false, err
			}
		}
		if ch.IsPrivate {
			return listed(ch.PK)
		}
	}
	return true, nil
}

// memberCount is the number of members in a channel: everyone in a public
// one, the listed members in a private one; the members (followers) of a
// thread.
func memberCount(ch Channel, c CommunityInfo) int64 {
	if ch.ChannelType == ChannelPrivate || ch.ChannelType == ChannelThread {
		return ch.MemberCount
	}
	return c.CurrentMemberCount
}

// audience returns the number of members who see a channel: for a public
// thread, its parent's audience.
func audience(ch Channel, c CommunityInfo) int64 {
	if ch.ChannelType == ChannelThread && !ch.IsPrivate && ch.Parent != nil {
		return memberCount(*ch.Parent, c)
	}
	return memberCount(ch, c)
}

// channelEvent addresses an event to those who see a channel (or thread).
func channelEvent(sc *scope, ch Channel, name string) Event {
	e := Event{Name: name, AppID: sc.app.AppID, CommunityID: sc.community.CommunityID,
		ChannelID: ch.ChannelID, Private: ch.ChannelType == ChannelPrivate}
	if ch.ChannelType == ChannelThread {
		e.Private = ch.IsPrivate
		e.Parent, e.ParentPrivate = ch.ParentChannelID, ch.ParentPrivate
	}
	return e
}

// notForThreads refuses a channel management operation on a thread, naming
// the thread operation to use instead.
func notForThreads(ch Channel, field, instead string) error {
	if ch.ChannelType != ChannelThread {
		return nil
	}
	return invalidf(field, "%s is a thread: use %s", ch.ChannelID, instead)
}

// CreateCommunityChannel creates a public or private channel. Owner and
// admins; the community's channel count is limited by the app's spec.
func (s *Service) CreateCommunityChannel(ctx context.Context, actor Actor, req CreateCommunityChannelRequest) (ChannelInfoResult, error) {
	var res ChannelInfoResult
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, err := s.loadScope(ctx, tx, actor, req.CommunityID)
		if err != nil {
			return err
		}
		if err := sc.manager(); err != nil {
			return err
		}
		spec := sc.app.Spec
		typ := ChannelPublic
		if req.ChannelType != nil {
			typ = *req.ChannelType
		}
		if typ != ChannelPublic && typ != ChannelPrivate {
			return invalidf("channelType", "channelType must be 1 (public) or 2 (private), got %d; GENERAL (0) comes only with the community", typ)
		}
		if req.ChannelID != "" {
			if err := checkID("channelID", req.ChannelID); err != nil {
				return err
			}
		}
		if err := checkProfile(spec, "channel", req.ChannelName, req.ChannelAvatarURL, req.ChannelNotice); err != nil {
			return err
		}
		attrs := map[string]string{}
		if len(req.ChannelAttributes) > 0 {
			if attrs, err = mergeAttributes("channelAttributes", nil, req.ChannelAttributes, spec); err != nil {
				return err
			}
		}
		c := &sc.community
		if c.ChannelCount >= spec.ChannelsPerCommunity {
			return Errorf(EChannelLimit, "community %s has %d channels, the limit", c.CommunityID, spec.ChannelsPerCommunity)
		}
		id := req.ChannelID
		if id == "" {
			id = s.ids.generatedID('C')
		} else if gone, err := tx.ChannelDismissed(ctx, c.PK, id); err != nil {
			return fmt.Errorf("read dismissed channels: %w", err)
		} else if gone {
			return FieldErrorf(EChannelDismissed, "channelID", "channel ID %s belonged to a dismissed channel and cannot be reused", id)
		}
		now := s.nowMs()
		ch := Channel{
			CommunityPK:       c.PK,
			CommunityID:       c.CommunityID,
			ChannelID:         id,
			ChannelType:       typ,
			ChannelName:       req.ChannelName,
			ChannelAvatarURL:  req.ChannelAvatarURL,
			ChannelNotice:     req.ChannelNotice,
			ChannelAttributes: attrs,
			CreatorUserID:     actor.UserID,
			CreateTime:        now,
			MuteInfo:          MuteInfo{Roles: []Role{}},
		}
		if typ == ChannelPrivate {
			ch.MemberCount = 1 // its creator, listed below
		}
		if err := tx.InsertChannel(ctx, &ch); errors.Is(err, ErrConflict) {
			return FieldErrorf(EChannelExists, "channelID", "channel %s already exists in community %s", id, c.CommunityID)
		} else if err != nil {
			return fmt.Errorf("insert channel: %w", err)
		}
		c.ChannelCount++
		if err := tx.UpdateCommunity(ctx, *c); err != nil {
			return fmt.Errorf("update community: %w", err)
		}
		e := channelEvent(&sc, ch, EventCommunityChannelListChanged)
		if typ == ChannelPrivate {
			// The creator is listed, so that it stays in if it stops being an admin.
			if _, err := tx.AddChannelMember(ctx, ch.PK, sc.self.UserPK, now); err != nil {
				return fmt.Errorf("list creator: %w", err)
			}
			e.ChannelGrants = []ChannelGrant{{UserID: actor.UserID, ChannelID: id, Member: true}}
		} else if err := s.postTips(ctx, tx, out, &sc, TipsCommunityChannelAdded, []string{id}); err != nil {
			return err
		}
		ch.CurrentMemberCount = memberCount(ch, *c)
		out.add(e, CommunityChannelListChangedEvent{CommunityID: c.CommunityID, ChangeInfoList: []ChannelChange{{Action: ListAdded, Channel: ch.brief()}}})
		out.callback(&sc.app, WebhookChannelCreated, ChannelCallback{CommunityID: c.CommunityID, Channel: ch, OperatedUserID: actor.UserID})
		res.ChannelInfo = ch
		return nil
	})
	return res, err
}

// DismissCommunityChannel deletes a channel with its messages; its ID is
// never reused in the community. GENERAL cannot be dismissed. Owner and
// admins.
func (s *Service) DismissCommunityChannel(ctx context.Context, actor Actor, req ChannelRequest) (ChannelIDResult, error) {
	res := ChannelIDResult{CommunityID: req.CommunityID, ChannelID: req.ChannelID}
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, err := s.loadScope(ctx, tx, actor, req.CommunityID)
		if err != nil {
			return err
		}
		if err := sc.manager(); err != nil {
			return err
		}
		ch, err := loadChannel(ctx, tx, &sc, req.ChannelID)
		if err != nil {
			return err
		}
		if err := notForThreads(ch, "channelID", "dismissCommunityThread"); err != nil {
			return err
		}
		if ch.ChannelType == ChannelGeneral {
			return FieldErrorf(EGeneralChannel, "channelID", "the GENERAL channel cannot be dismissed")
		}
		if err := tx.DeleteChannel(ctx, ch, s.nowMs()); err != nil {
			return fmt.Errorf("delete channel: %w", err)
		}
		sc.community.ChannelCount--
		if err := tx.UpdateCommunity(ctx, sc.community); err != nil {
			return fmt.Errorf("update community: %w", err)
		}
		e := channelEvent(&sc, ch, EventCommunityChannelListChanged)
		e.Dismissed = true
		out.add(e, CommunityChannelListChangedEvent{CommunityID: req.CommunityID, ChangeInfoList: []ChannelChange{{Action: ListDeleted, Channel: ch.brief()}}})
		out.callback(&sc.app, WebhookChannelDismissed, ChannelCallback{CommunityID: req.CommunityID, Channel: ch, OperatedUserID: actor.UserID})
		return nil
	})
	return res, err
}

// changeChannel runs a change of a channel's information by the owner or an
// admin and tells those who see it. listed says whether the change shows in
// channel lists (name, avatar), which then get communityChannelListChanged.
func (s *Service) changeChannel(ctx context.Context, actor Actor, communityID, channelID string, listed bool, instead string, change func(sc *scope, ch *Channel) error) error {
	return s.update(ctx, func(tx Tx, out *outbox) error {
		sc, err := s.loadScope(ctx, tx, actor, communityID)
		if err != nil {
			return err
		}
		if err := sc.manager(); err != nil {
			return err
		}
		ch, err := loadChannel(ctx, tx, &sc, channelID)
		if err != nil {
			return err
		}
		if err := notForThreads(ch, "channelID", instead); err != nil {
			return err
		}
		if err := change(&sc, &ch); err != nil {
			return err
		}
		if err := tx.UpdateChannel(ctx, ch); err != nil {
			return fmt.Errorf("update channel: %w", err)
		}
		out.add(channelEvent(&sc, ch, EventCommunityChannelInfoUpdated),
			CommunityChannelInfoUpdatedEvent{CommunityID: communityID, UpdateInfoList: []ChannelInfoUpdate{{ChannelInfo: ch}}})
		if listed {
			out.add(channelEvent(&sc, ch, EventCommunityChannelListChanged),
				CommunityChannelListChangedEvent{CommunityID: communityID, ChangeInfoList: []ChannelChange{{Action: ListUpdated, Channel: ch.brief()}}})
		}
		return nil
	})
}

// UpdateCommunityChannelName renames a channel. Owner and admins.
func (s *Service) UpdateCommunityChannelName(ctx context.Context, actor Actor, req UpdateCommunityChannelNameRequest) (UpdateCommunityChannelNameResult, error) {
	err := s.changeChannel(ctx, actor, req.CommunityID, req.ChannelID, true, "updateCommunityThreadName", func(sc *scope, ch *Channel) error {
		if err := checkName("channelName", req.ChannelName, sc.app.Spec.NameMaxChars); err != nil {
			return err
		}
		ch.ChannelName = req.ChannelName
		return nil
	})
	return UpdateCommunityChannelNameResult(req), err
}

// UpdateCommunityChannelAvatarURL sets a channel's avatar URL. Owner and
// admins.
func (s *Service) UpdateCommunityChannelAvatarURL(ctx context.Context, actor Actor, req UpdateCommunityChannelAvatarURLRequest) (UpdateCommunityChannelAvatarURLResult, error) {
	err := s.changeChannel(ctx, actor, req.CommunityID, req.ChannelID, true, "updateCommunityThreadName (a thread has no avatar)", func(sc *scope, ch *Channel) error {
		if err := checkAvatarURL("channelAvatarUrl", req.ChannelAvatarURL, sc.app.Spec.AvatarURLMaxChars); err != nil {
			return err
		}
		ch.ChannelAvatarURL = req.ChannelAvatarURL
		return nil
	})
	return UpdateCommunityChannelAvatarURLResult(req), err
}

// UpdateCommunityChannelNotice sets a channel's notice. Owner and admins.
func (s *Service) UpdateCommunityChannelNotice(ctx context.Context, actor Actor, req UpdateCommunityChannelNoticeRequest) (UpdateCommunityChannelNoticeResult, error) {
	err := s.changeChannel(ctx, actor, req.CommunityID, req.ChannelID, false, "updateCommunityThreadName (a thread has no notice)", func(sc *scope, ch *Channel) error {
		if err := checkLine("channelNotice", req.ChannelNotice, sc.app.Spec.NoticeMaxChars); err != nil {
			return err
		}
		ch.ChannelNotice = req.ChannelNotice
		return nil
	})
	return UpdateCommunityChannelNoticeResult(req), err
}

// SetCommunityChannelAttributes adds or replaces a channel's attributes.
// Owner and admins.
func (s *Service) SetCommunityChannelAttributes(ctx context.Context, actor Actor, req SetCommunityChannelAttributesRequest) (AttributesResult, error) {
	err := s.changeChannel(ctx, actor, req.CommunityID, req.ChannelID, false, "updateCommunityThreadName (a thread has no attributes)", func(sc *scope, ch *Channel) error {
		attrs, err := mergeAttributes("channelAttributes", ch.ChannelAttributes, req.ChannelAttributes, sc.app.Spec)
		if err != nil {
			return err
		}
		ch.ChannelAttributes = attrs
		return nil
	})
	return AttributesResult{CommunityID: req.CommunityID, ChannelID: req.ChannelID, ErrorKeys: []string{}}, err
}

// DeleteCommunityChannelAttributes deletes a channel's attributes; keys that
// do not exist are reported in ErrorKeys. Owner and admins.
func (s *Service) DeleteCommunityChannelAttributes(ctx context.Context, actor Actor, req DeleteCommunityChannelAttributesRequest) (AttributesResult, error) {
	res := AttributesResult{CommunityID: req.CommunityID, ChannelID: req.ChannelID}
	err := s.changeChannel(ctx, actor, req.CommunityID, req.ChannelID, false, "updateCommunityThreadName (a thread has no attributes)", func(sc *scope, ch *Channel) error {
		attrs, missing, err := deleteAttributes("keys", ch.ChannelAttributes, req.Keys, sc.app.Spec)
		if err != nil {
			return err
		}
		ch.ChannelAttributes = attrs
		res.ErrorKeys = missing
		return nil
	})
	return res, err
}

// QueryCommunityChannelsInfo returns channels' full information; channels
// that do not exist or that the caller may not see are in ErrorChannelIDs.
func (s *Service) QueryCommunityChannelsInfo(ctx context.Context, actor Actor, req QueryCommunityChannelsInfoRequest) (QueryCommunityChannelsInfoResult, error) {
	res := QueryCommunityChannelsInfoResult{CommunityID: req.CommunityID, ChannelInfos: []Channel{}, ErrorChannelIDs: []string{}}
	sc, err := s.loadScope(ctx, s.store, actor, req.CommunityID)
	if err != nil {
		return res, err
	}
	ids, err := checkUserIDs("channelIDs", req.ChannelIDs, sc.app.Spec.PageMax)
	if err != nil {
		return res, err
	}
	if err := sc.member(); err != nil {
		return res, err
	}
	for _, id := range ids {
		ch, err := loadChannel(ctx, s.store, &sc, id)
		switch code := ErrorCode(err); {
		case err == nil:
			res.ChannelInfos = append(res.ChannelInfos, ch)
		case code == EChannelNotFound || code == EPermissionDenied:
			res.ErrorChannelIDs = append(res.ErrorChannelIDs, id)
		default:
			return res, err
		}
	}
	return res, nil
}

// QueryCommunityChannelList returns one page of the caller's channel
// conversations in a community, with their unread counts and last messages.
func (s *Service) QueryCommunityChannelList(ctx context.Context, actor Actor, req QueryCommunityChannelListRequest) (QueryCommunityChannelListResult, error) {
	res := QueryCommunityChannelListResult{CommunityID: req.CommunityID, ChannelList: []ChannelConversation{}}
	sc, err := s.loadScope(ctx, s.store, actor, req.CommunityID)
	if err != nil {
		return res, err
	}
	if err := sc.member(); err != nil {
		return res, err
	}
	limit, after, err := req.page(sc.app.Spec)
	if err != nil {
		return res, err
	}
	rows, err := s.store.ChannelConversations(ctx, sc.community.PK, sc.self.UserPK, after, limit+1)
	if err != nil {
		return res, fmt.Errorf("list channels: %w", err)
	}
	rows, res.NextFlag = trimPage(rows, limit, func(c ChannelConversation) Cursor { return Cursor{K1: c.PK} })
	if err := s.finish(ctx, s.store, sc.self.UserPK, rows); err != nil {
		return res, err
	}
	res.ChannelList = rows
	return res, nil
}

// AddCommunityChannelMembers lists members of the community in a private
// channel. Owner and admins.
func (s *Service) AddCommunityChannelMembers(ctx context.Context, actor Actor, req ChannelMembersRequest) (ChannelMembersResult, error) {
	return s.changeChannelMembers(ctx, actor, req, true)
}

// RemoveCommunityChannelMembers unlists members from a private channel; they
// stop seeing it at once. Owner and admins.
func (s *Service) RemoveCommunityChannelMembers(ctx context.Context, actor Actor, req ChannelMembersRequest) (ChannelMembersResult, error) {
	return s.changeChannelMembers(ctx, actor, req, false)
}

func (s *Service) changeChannelMembers(ctx context.Context, actor Actor, req ChannelMembersRequest, add bool) (ChannelMembersResult, error) {
	res := ChannelMembersResult{CommunityID: req.CommunityID, ChannelID: req.ChannelID, ErrorUserList: []ErrorUser{}}
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, err := s.loadScope(ctx, tx, actor, req.CommunityID)
		if err != nil {
			return err
		}
		ids, err := checkUserIDs("userIDs", req.UserIDs, sc.app.Spec.UsersPerCall)
		if err != nil {
			return err
		}
		if err := sc.manager(); err != nil {
			return err
		}
		ch, err := loadChannel(ctx, tx, &sc, req.ChannelID)
		if err != nil {
			return err
		}
		if err := notForThreads(ch, "channelID", "inviteUsersIntoCommunityThread or kickCommunityThreadMembers"); err != nil {
			return err
		}
		if ch.ChannelType != ChannelPrivate {
			return FieldErrorf(EInvalidArgument, "channelID", "channel %s is not private: every member of the community is in it", ch.ChannelID)
		}
		members, err := tx.Members(ctx, sc.community.PK, ids)
		if err != nil {
			return fmt.Errorf("read members: %w", err)
		}
		byID := make(map[string]Member, len(members))
		for _, m := range members {
			byID[m.UserID] = m
		}
		now := s.nowMs()
		var changed []string
		var failed []ErrorUser
		for _, id := range ids {
			m, ok := byID[id]
			if !ok {
				failed = append(failed, errorUser(id, ENotMember))
				continue
			}
			var did bool
			if add {
				did, err = tx.AddChannelMember(ctx, ch.PK, m.UserPK, now)
				if err == nil && did {
					err = tx.SetReadSeq(ctx, m.UserPK, ch.PK, ch.LastMessageSeq)
				}
			} else {
				did, err = tx.RemoveChannelMember(ctx, ch.PK, m.UserPK)
				if err == nil && did && !m.MemberRole.manager() {
					// Who no longer sees the channel no longer follows its
					// threads.
					_, err = tx.LeaveThreads(ctx, ch.PK, m.UserPK)
				}
			}
			if err != nil {
				return fmt.Errorf("change channel membership: %w", err)
			}
			if !did {
				code := EAlreadyInChannel
				if !add {
					code = ENotInChannel
				}
				failed = append(failed, errorUser(id, code))
				continue
			}
			changed = append(changed, id)
		}
		if len(changed) == 0 {
			return batchError(failed, req.CommunityID)
		}
		if add {
			ch.MemberCount += int64(len(changed))
		} else {
			ch.MemberCount -= int64(len(changed))
		}
		if err := tx.UpdateChannel(ctx, ch); err != nil {
			return fmt.Errorf("update channel: %w", err)
		}
		grants := make([]ChannelGrant, len(changed))
		for i, id := range changed {
			grants[i] = ChannelGrant{UserID: id, ChannelID: ch.ChannelID, Member: add}
		}
		action := ListAdded
		if !add {
			action = ListDeleted
		}
		out.add(Event{Name: EventCommunityChannelListChanged, AppID: actor.AppID, CommunityID: req.CommunityID, UserIDs: changed, ChannelGrants: grants},
			CommunityChannelListChangedEvent{CommunityID: req.CommunityID, ChangeInfoList: []ChannelChange{{Action: action, Channel: ch.brief()}}})
		ch.CurrentMemberCount = memberCount(ch, sc.community)
		out.add(channelEvent(&sc, ch, EventCommunityChannelInfoUpdated),
			CommunityChannelInfoUpdatedEvent{CommunityID: req.CommunityID, UpdateInfoList: []ChannelInfoUpdate{{ChannelInfo: ch}}})
		res.ErrorUserList = append(res.ErrorUserList, failed...)
		return nil
	})
	return res, err
}
