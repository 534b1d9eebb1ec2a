package plaza

import (
	"context"
	"errors"
	"fmt"
)

// CreateCommunity creates a community with its GENERAL channel; the caller
// becomes its owner.
//
// Errors: invalid_argument, community_exists, community_id_dismissed,
// community_count_limit, attribute_count_limit, attribute_key_too_long,
// attribute_value_too_long, feature_not_activated.
func (s *Service) CreateCommunity(ctx context.Context, actor Actor, req CreateCommunityRequest) (CommunityInfoResult, error) {
	var res CommunityInfoResult
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		app, err := activeApp(ctx, tx, actor.AppID)
		if err != nil {
			return err
		}
		spec := app.Spec
		if req.CommunityID != "" {
			if err := checkID("communityID", req.CommunityID); err != nil {
				return err
			}
		}
		if err := checkProfile(spec, "community", req.CommunityName, req.CommunityAvatarURL, req.CommunityNotice); err != nil {
			return err
		}
		attrs := map[string]string{}
		if len(req.CommunityAttributes) > 0 {
			if attrs, err = mergeAttributes("communityAttributes", nil, req.CommunityAttributes, spec); err != nil {
				return err
			}
		}
		owner, err := s.lockUser(ctx, tx, actor.AppID, actor.UserID)
		if err != nil {
			return err
		}
		if err := checkUserCommunityLimit(ctx, tx, owner, spec); err != nil {
			return err
		}
		id := req.CommunityID
		if id == "" {
			id = s.ids.generatedID('B')
		} else if gone, err := tx.CommunityDismissed(ctx, actor.AppID, id); err != nil {
			return fmt.Errorf("read dismissed IDs: %w", err)
		} else if gone {
			return FieldErrorf(ECommunityDismissed, "communityID", "community ID %s belonged to a dismissed community and cannot be reused", id)
		}
		now := s.nowMs()
		c := CommunityInfo{
			AppID:               actor.AppID,
			CommunityID:         id,
			CommunityName:       req.CommunityName,
			CommunityAvatarURL:  req.CommunityAvatarURL,
			CommunityNotice:     req.CommunityNotice,
			CommunityAttributes: attrs,
			CreatorUserID:       actor.UserID,
			CreateTime:          now,
			CurrentMemberCount:  1,
			ChannelCount:        1,
			MuteInfo:            MuteInfo{Roles: []Role{}},
		}
		if err := tx.InsertCommunity(ctx, &c); errors.Is(err, ErrConflict) {
			return FieldErrorf(ECommunityExists, "communityID", "community %s already exists", id)
		} else if err != nil {
			return fmt.Errorf("insert community: %w", err)
		}
		general := Channel{
			CommunityPK:       c.PK,
			CommunityID:       id,
			ChannelID:         GeneralChannelID,
			ChannelType:       ChannelGeneral,
			ChannelName:       "general",
			ChannelAttributes: map[string]string{},
			CreatorUserID:     actor.UserID,
			CreateTime:        now,
			MuteInfo:          MuteInfo{Roles: []Role{}},
		}
		if err := tx.InsertChannel(ctx, &general); err != nil {
			return fmt.Errorf("insert GENERAL channel: %w", err)
		}
		m := Member{
			UserInfo:           owner.UserInfo,
			CommunityPK:        c.PK,
			UserPK:             owner.PK,
			MemberRole:         RoleOwner,
			EnterTime:          now,
			EnterType:          EnterCreated,
			NotificationStatus: Notify,
		}
		if err := tx.InsertMember(ctx, &m); err != nil {
			return fmt.Errorf("insert owner: %w", err)
		}
		sc := scope{app: app, community: c, self: m}
		if err := s.postTips(ctx, tx, out, &sc, TipsCommunityCreated, []string{}); err != nil {
			return err
		}
		out.add(Event{Name: EventCommunityListChanged, AppID: actor.AppID, CommunityID: id, UserIDs: []string{actor.UserID},
			Grants: []Grant{{UserID: actor.UserID, Role: RoleOwner}}},
			CommunityListChangedEvent{ChangeInfoList: []CommunityChange{{Action: ListAdded, Community: brief(c, m)}}})
		c.NotificationStatus = Notify
		out.callback(&sc.app, WebhookCommunityCreated, CommunityCallback{Community: c, OperatedUserID: actor.UserID})
		res.CommunityInfo = c
		return nil
	})
	return res, err
}

// checkProfile validates a new community's or channel's name (which may be
// left out), avatar URL and notice against the app's spec.
func checkProfile(spec Spec, kind, name, avatar, notice string) error {
	if err := checkOptionalName(kind+"Name", name, spec.NameMaxChars); err != nil {
		return err
	}
	if err := checkAvatarURL(kind+"AvatarUrl", avatar, spec.AvatarURLMaxChars); err != nil {
		return err
	}
	return checkLine(kind+"Notice", notice, spec.NoticeMaxChars)
}

// lockUser returns the user, created if needed, locked for the rest of the
// transaction so that its community count cannot change under us.
func (s *Service) lockUser(ctx context.Context, tx Tx, appID, userID string) (User, error) {
	if _, err := tx.EnsureUser(ctx, appID, userID, s.nowMs()); err != nil {
		return User{}, fmt.Errorf("ensure user: %w", err)
	}
	u, err := tx.UserForUpdate(ctx, appID, userID)
	if err != nil {
		return User{}, fmt.Errorf("lock user: %w", err)
	}
	return u, nil
}

// checkUserCommunityLimit refuses a user who is already in as many
// communities as the app allows. The user must be locked.
func checkUserCommunityLimit(ctx context.Context, tx Tx, u User, spec Spec) error {
	n, err := tx.CountUserCommunities(ctx, u.PK)
	if err != nil {
		return fmt.Errorf("count communities: %w", err)
	}
	if n >= spec.CommunitiesPerUser {
		return Errorf(ECommunityLimit, "user %s is in %d communities, the limit", u.UserID, spec.CommunitiesPerUser)
	}
	return nil
}

// brief is a community as one member's community list shows it.
func brief(c CommunityInfo, m Member) Community {
	return Community{
		CommunityID:        c.CommunityID,
		CommunityName:      c.CommunityName,
		CommunityAvatarURL: c.CommunityAvatarURL,
		NotificationStatus: m.NotificationStatus,
		MemberRole:         m.MemberRole,
	}
}

// DismissCommunity dismisses a community with all its channels and members.
// Its ID is never reused. Owner only.
//
// It answers at once, whatever the community's size: its transaction marks
// the community dismissed, after which nothing of it shows to anyone, and the
// Service's background work (Run) removes its rows afterwards, a bounded
// batch per transaction (PurgeDismissed).
func (s *Service) DismissCommunity(ctx context.Context, actor Actor, req CommunityRequest) (CommunityIDResult, error) {
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, err := s.loadScope(ctx, tx, actor, req.CommunityID)
		if err != nil {
			return err
		}
		if err := sc.owner(); err != nil {
			return err
		}
		if err := tx.DismissCommunity(ctx, sc.community, s.nowMs()); err != nil {
			return fmt.Errorf("dismiss community: %w", err)
		}
		tx.AfterCommit(s.wakePurge)
		gone := brief(sc.community, Member{})
		out.callback(&sc.app, WebhookCommunityDismissed, CommunityCallback{Community: sc.community, OperatedUserID: actor.UserID})
		out.add(Event{Name: EventCommunityListChanged, AppID: actor.AppID, CommunityID: req.CommunityID, Dismissed: true},
			CommunityListChangedEvent{ChangeInfoList: []CommunityChange{{Action: ListDeleted, Community: gone}}})
		return nil
	})
	return CommunityIDResult{CommunityID: req.CommunityID}, err
}

// JoinCommunity makes the caller a member of a community whose join mode is
// "any".
func (s *Service) JoinCommunity(ctx context.Context, actor Actor, req CommunityRequest) (CommunityInfoResult, error) {
	var res CommunityInfoResult
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, err := s.loadScope(ctx, tx, actor, req.CommunityID)
		if err != nil {
			return err
		}
		if sc.self.MemberRole != RoleNone {
			return Errorf(EAlreadyMember, "you are already a member of community %s", req.CommunityID)
		}
		switch sc.community.JoinMode {
		case JoinForbidden:
			return Errorf(EJoinForbidden, "community %s does not accept new members", req.CommunityID)
		case JoinApproval:
			return Errorf(EJoinNeedsApproval, "community %s requires approval: send a join application", req.CommunityID)
		}
		m, err := s.enterOne(ctx, tx, out, &sc, actor.UserID, EnterJoined, actor.UserID)
		if err != nil {
			return err
		}
		res.CommunityInfo = sc.community
		res.CommunityInfo.NotificationStatus = m.NotificationStatus
		return nil
	})
	return res, err
}

// enterOne adds one user to the scope's community, failing the call when it
// cannot.
func (s *Service) enterOne(ctx context.Context, tx Tx, out *outbox, sc *scope, userID string, how EnterType, operator string) (Member, error) {
	u, err := s.lockUser(ctx, tx, sc.app.AppID, userID)
	if err != nil {
		return Member{}, err
	}
	added, failed, err := s.enter(ctx, tx, out, sc, []User{u}, how, operator)
	if err != nil {
		return Member{}, err
	}
	if len(failed) > 0 {
		return Member{}, failureError(failed[0], sc.community.CommunityID)
	}
	return added[0], nil
}

// enter adds users to the scope's community, checking each, in order,
// against the community's member limit and its own community limit. Users
// who cannot enter are returned in failed. Each user must be locked
// (lockUser, or UsersForUpdate).
//
// However many users enter, it reads their memberships, their community
// counts and their applications with one call each, and stores the new
// members with one: a statement per user would cost a round trip each.
func (s *Service) enter(ctx context.Context, tx Tx, out *outbox, sc *scope, users []User, how EnterType, operator string) (added []Member, failed []ErrorUser, err error) {
	c := &sc.community
	spec := sc.app.Spec
	now := s.nowMs()
	userIDs := make([]string, len(users))
	userPKs := make([]int64, len(users))
	for i, u := range users {
		userIDs[i], userPKs[i] = u.UserID, u.PK
	}
	already, err := tx.Members(ctx, c.PK, userIDs)
	if err != nil {
		return nil, nil, fmt.Errorf("read memberships: %w", err)
	}
	member := make(map[string]bool, len(users))
	for _, m := range already {
		member[m.UserID] = true
	}
	counts, err := tx.CountUsersCommunities(ctx, userPKs)
	if err != nil {
		return nil, nil, fmt.Errorf("count communities: %w", err)
	}
	for _, u := range users {
		if member[u.UserID] {
			failed = append(failed, errorUser(u.UserID, EAlreadyMember))
			continue
		}
		if spec.MembersPerCommunity > 0 && c.CurrentMemberCount >= int64(spec.MembersPerCommunity) {
			failed = append(failed, errorUser(u.UserID, EMemberLimit))
			continue
		}
		if counts[u.PK] >= spec.CommunitiesPerUser {
			failed = append(failed, errorUser(u.UserID, ECommunityLimit))
			continue
		}
		m := Member{
			UserInfo:           u.UserInfo,
			CommunityPK:        c.PK,
			UserPK:             u.PK,
			MemberRole:         RoleMember,
			EnterTime:          now,
			EnterType:          how,
			NotificationStatus: Notify,
		}
		if how != EnterJoined || operator != u.UserID {
			m.OperatedUserID = operator
		}
		member[u.UserID] = true
		c.CurrentMemberCount++
		added = append(added, m)
	}
	if len(added) == 0 {
		return nil, failed, nil
	}
	if err := tx.InsertMembers(ctx, added); err != nil {
		return nil, nil, fmt.Errorf("insert members: %w", err)
	}
	if err := s.settleApplications(ctx, tx, out, sc, added, operator); err != nil {
		return nil, nil, err
	}
	if err := tx.UpdateCommunity(ctx, *c); err != nil {
		return nil, nil, fmt.Errorf("update community: %w", err)
	}
	action := MemberJoined
	if how == EnterInvited {
		action = MemberInvited
	}
	ids := make([]string, len(added))
	grants := make([]Grant, len(added))
	changes := make([]MemberStateChange, len(added))
	for i, m := range s.members(added) {
		ids[i] = m.UserID
		grants[i] = Grant{UserID: m.UserID, Role: m.MemberRole}
		changes[i] = MemberStateChange{State: MemberEntered, Action: action, MemberInfo: m}
	}
	app, cid := sc.app.AppID, c.CommunityID
	out.add(Event{Name: EventCommunityListChanged, AppID: app, CommunityID: cid, UserIDs: ids, Grants: grants},
		CommunityListChangedEvent{ChangeInfoList: []CommunityChange{{Action: ListAdded, Community: brief(*c, added[0])}}})
	out.add(Event{Name: EventCommunityMemberStateChanged, AppID: app, CommunityID: cid, Grants: grants, Large: s.large(*c)},
		CommunityMemberStateChangedEvent{CommunityID: cid, OperatedUserID: operator, ChangeInfoList: changes})
	out.callback(&sc.app, WebhookMemberJoined, MemberCallback{CommunityID: cid, UserIDs: ids, Action: action, OperatedUserID: operator})
	tips := TipsCommunityJoined
	if how == EnterInvited {
		tips = TipsCommunityInvited
	}
	// A user joining on its own is the operator of its tips, and a member
	// by now.
	by := *sc
	if by.self.MemberRole == RoleNone {
		by.self = added[0]
	}
	return added, failed, s.postTips(ctx, tx, out, &by, tips, ids)
}

// failureError turns the one failure of a single-user call into the call's
// error.
func failureError(f ErrorUser, communityID string) error {
	switch f.Code {
	case EAlreadyMember:
		return Errorf(EAlreadyMember, "user %s is already a member of community %s", f.UserID, communityID)
	case EMemberLimit:
		return Errorf(EMemberLimit, "community %s has reached its member limit", communityID)
	case ECommunityLimit:
		return Errorf(ECommunityLimit, "user %s has reached the limit of communities a user can join", f.UserID)
	case ENotMember:
		return Errorf(ENotMember, "user %s is not a member of community %s", f.UserID, communityID)
	case ECannotKickSelf:
		return Errorf(ECannotKickSelf, "you cannot kick yourself; leave the community instead")
	case ERoleNotLower:
		return Errorf(ERoleNotLower, "user %s does not rank below you", f.UserID)
	case EUserNotFound:
		return Errorf(EUserNotFound, "user %s does not exist", f.UserID)
	case EAlreadyInChannel:
		return Errorf(EAlreadyInChannel, "user %s is already listed in the channel", f.UserID)
	case ENotInChannel:
		return Errorf(ENotInChannel, "user %s is not listed in the channel", f.UserID)
	case EMutedNotInChannel:
		return Errorf(EMutedNotInChannel, "user %s does not see the channel, so cannot be muted in it", f.UserID)
	case ECannotChangeOwn:
		return Errorf(ECannotChangeOwn, "you cannot mute yourself")
	}
	return Errorf(f.Code, "user %s: %s", f.UserID, f.Code)
}

// batchError returns the error of a batch call in which every user failed:
// nothing was done, so the call fails with the first user's reason.
func batchError(failed []ErrorUser, communityID string) error {
	return failureError(failed[0], communityID)
}

// LeaveCommunity removes the caller from a community. The owner cannot leave:
// it must transfer ownership or dismiss the community first.
func (s *Service) LeaveCommunity(ctx context.Context, actor Actor, req CommunityRequest) (CommunityIDResult, error) {
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, err := s.loadScope(ctx, tx, actor, req.CommunityID)
		if err != nil {
			return err
		}
		if err := sc.member(); err != nil {
			return err
		}
		if sc.self.MemberRole == RoleOwner {
			return Errorf(EOwnerCannotLeave, "the owner cannot leave community %s: transfer ownership or dismiss it", req.CommunityID)
		}
		return s.exit(ctx, tx, out, &sc, []Member{sc.self}, MemberLeft, actor.UserID)
	})
	return CommunityIDResult{CommunityID: req.CommunityID}, err
}

// exit removes members from the scope's community, with one call however
// many they are, and tells them and the remaining members.
func (s *Service) exit(ctx context.Context, tx Tx, out *outbox, sc *scope, members []Member, action MemberAction, operator string) error {
	c := &sc.community
	ids := make([]string, len(members))
	userPKs := make([]int64, len(members))
	grants := make([]Grant, len(members))
	changes := make([]MemberStateChange, len(members))
	shown, err := s.membersForAll(ctx, tx, c.PK, Channel{}, members)
	if err != nil {
		return err
	}
	for i, m := range shown {
		ids[i], userPKs[i] = m.UserID, m.UserPK
		grants[i] = Grant{UserID: m.UserID, Role: RoleNone}
		changes[i] = MemberStateChange{State: MemberExited, Action: action, MemberInfo: m}
	}
	if err := tx.DeleteMembers(ctx, c.PK, userPKs); err != nil {
		return fmt.Errorf("delete members: %w", err)
	}
	c.CurrentMemberCount -= int64(len(shown))
	if err := tx.UpdateCommunity(ctx, *c); err != nil {
		return fmt.Errorf("update community: %w", err)
	}
	app, cid := sc.app.AppID, c.CommunityID
	out.add(Event{Name: EventCommunityListChanged, AppID: app, CommunityID: cid, UserIDs: ids, Grants: grants},
		CommunityListChangedEvent{ChangeInfoList: []CommunityChange{{Action: ListDeleted, Community: brief(*c, Member{})}}})
	out.add(Event{Name: EventCommunityMemberStateChanged, AppID: app, CommunityID: cid, Grants: grants, Large: s.large(*c)},
		CommunityMemberStateChangedEvent{CommunityID: cid, OperatedUserID: operator, ChangeInfoList: changes})
	event := WebhookMemberLeft
	if action == MemberKicked {
		event = WebhookMemberKicked
	}
	out.callback(&sc.app, event, MemberCallback{CommunityID: cid, UserIDs: ids, Action: action, OperatedUserID: operator})
	return nil
}

// QueryCommunityList returns one page of the caller's communities, in the
// order it entered them, each with its total unread count.
func (s *Service) QueryCommunityList(ctx context.Context, actor Actor, req QueryCommunityListRequest) (QueryCommunityListResult, error) {
	res := QueryCommunityListResult{CommunityList: []Community{}}
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
	rows, err := s.store.UserCommunities(ctx, u.PK, after, limit+1)
	if err != nil {
		return res, fmt.Errorf("list communities: %w", err)
	}
	res.CommunityList, res.NextFlag = trimPage(rows, limit, func(c Community) Cursor { return Cursor{K1: c.MemberPK} })
	return res, withUnread(ctx, s.store, u.PK, res.CommunityList)
}

// withUnread fills the communities' total unread counts.
func withUnread(ctx context.Context, q Query, userPK int64, cs []Community) error {
	_, by, err := unreadTotals(ctx, q, userPK)
	if err != nil {
		return err
	}
	for i := range cs {
		cs[i].setUnread(by[cs[i].CommunityID])
	}
	return nil
}

// QueryCommunityInfo returns a community's full information. Members only.
func (s *Service) QueryCommunityInfo(ctx context.Context, actor Actor, req CommunityRequest) (CommunityInfoResult, error) {
	sc, err := s.loadScope(ctx, s.store, actor, req.CommunityID)
	if err != nil {
		return CommunityInfoResult{}, err
	}
	if err := sc.member(); err != nil {
		return CommunityInfoResult{}, err
	}
	info := sc.community
	info.NotificationStatus = sc.self.NotificationStatus
	return CommunityInfoResult{CommunityInfo: info}, nil
}

// changeCommunity runs a change of a community's information by its owner or
// an admin and tells every member with communityInfoUpdated.
func (s *Service) changeCommunity(ctx context.Context, actor Actor, communityID string, change func(sc *scope) error) (CommunityInfo, error) {
	var info CommunityInfo
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, err := s.loadScope(ctx, tx, actor, communityID)
		if err != nil {
			return err
		}
		if err := sc.manager(); err != nil {
			return err
		}
		if err := change(&sc); err != nil {
			return err
		}
		if err := tx.UpdateCommunity(ctx, sc.community); err != nil {
			return fmt.Errorf("update community: %w", err)
		}
		info = sc.community
		out.add(Event{Name: EventCommunityInfoUpdated, AppID: actor.AppID, CommunityID: communityID, Large: s.large(sc.community)},
			CommunityInfoUpdatedEvent{UpdateInfoList: []CommunityInfoUpdate{{CommunityInfo: info}}})
		return nil
	})
	return info, err
}

// UpdateCommunityName renames a community. Owner and admins.
func (s *Service) UpdateCommunityName(ctx context.Context, actor Actor, req UpdateCommunityNameRequest) (UpdateCommunityNameResult, error) {
	_, err := s.changeCommunity(ctx, actor, req.CommunityID, func(sc *scope) error {
		if err := checkName("communityName", req.CommunityName, sc.app.Spec.NameMaxChars); err != nil {
			return err
		}
		sc.community.CommunityName = req.CommunityName
		return nil
	})
	return UpdateCommunityNameResult{CommunityID: req.CommunityID, CommunityName: req.CommunityName}, err
}

// UpdateCommunityAvatarURL sets a community's avatar URL. Owner and admins.
func (s *Service) UpdateCommunityAvatarURL(ctx context.Context, actor Actor, req UpdateCommunityAvatarURLRequest) (UpdateCommunityAvatarURLResult, error) {
	_, err := s.changeCommunity(ctx, actor, req.CommunityID, func(sc *scope) error {
		if err := checkAvatarURL("communityAvatarUrl", req.CommunityAvatarURL, sc.app.Spec.AvatarURLMaxChars); err != nil {
			return err
		}
		sc.community.CommunityAvatarURL = req.CommunityAvatarURL
		return nil
	})
	return UpdateCommunityAvatarURLResult{CommunityID: req.CommunityID, CommunityAvatarURL: req.CommunityAvatarURL}, err
}

// UpdateCommunityNotice sets a community's notice. Owner and admins.
func (s *Service) UpdateCommunityNotice(ctx context.Context, actor Actor, req UpdateCommunityNoticeRequest) (UpdateCommunityNoticeResult, error) {
	_, err := s.changeCommunity(ctx, actor, req.CommunityID, func(sc *scope) error {
		if err := checkLine("communityNotice", req.CommunityNotice, sc.app.Spec.NoticeMaxChars); err != nil {
			return err
		}
		sc.community.CommunityNotice = req.CommunityNotice
		return nil
	})
	return UpdateCommunityNoticeResult{CommunityID: req.CommunityID, CommunityNotice: req.CommunityNotice}, err
}

// SetCommunityAttributes adds or replaces attributes. Owner and admins.
func (s *Service) SetCommunityAttributes(ctx context.Context, actor Actor, req SetCommunityAttributesRequest) (AttributesResult, error) {
	_, err := s.changeCommunity(ctx, actor, req.CommunityID, func(sc *scope) error {
		attrs, err := mergeAttributes("communityAttributes", sc.community.CommunityAttributes, req.CommunityAttributes, sc.app.Spec)
		if err != nil {
			return err
		}
		sc.community.CommunityAttributes = attrs
		return nil
	})
	return AttributesResult{CommunityID: req.CommunityID, ErrorKeys: []string{}}, err
}

// DeleteCommunityAttributes deletes attributes; keys that do not exist are
// reported in ErrorKeys. Owner and admins.
func (s *Service) DeleteCommunityAttributes(ctx context.Context, actor Actor, req DeleteCommunityAttributesRequest) (AttributesResult, error) {
	res := AttributesResult{CommunityID: req.CommunityID}
	_, err := s.changeCommunity(ctx, actor, req.CommunityID, func(sc *scope) error {
		attrs, missing, err := deleteAttributes("keys", sc.community.CommunityAttributes, req.Keys, sc.app.Spec)
		if err != nil {
			return err
		}
		sc.community.CommunityAttributes = attrs
		res.ErrorKeys = missing
		return nil
	})
	return res, err
}

// UpdateCommunityJoinMode sets how users may join: directly, by approved
// application, or not at all. Owner and admins.
func (s *Service) UpdateCommunityJoinMode(ctx context.Context, actor Actor, req UpdateCommunityJoinModeRequest) (UpdateCommunityJoinModeResult, error) {
	if req.JoinMode == nil {
		return UpdateCommunityJoinModeResult{}, invalidf("joinMode", "joinMode is required: 0 any, 1 approval, 2 forbidden")
	}
	mode := *req.JoinMode
	if mode < JoinAny || mode > JoinForbidden {
		return UpdateCommunityJoinModeResult{}, invalidf("joinMode", "joinMode must be 0 (any), 1 (approval) or 2 (forbidden), got %d", mode)
	}
	_, err := s.changeCommunity(ctx, actor, req.CommunityID, func(sc *scope) error {
		sc.community.JoinMode = mode
		return nil
	})
	return UpdateCommunityJoinModeResult{CommunityID: req.CommunityID, JoinMode: mode}, err
}

// UpdateCommunityInviteMode sets who may invite users: every member, or the
// owner and admins only. Owner and admins.
func (s *Service) UpdateCommunityInviteMode(ctx context.Context, actor Actor, req UpdateCommunityInviteModeRequest) (UpdateCommunityInviteModeResult, error) {
	if req.InviteMode == nil {
		return UpdateCommunityInviteModeResult{}, invalidf("inviteMode", "inviteMode is required: 0 any member, 1 owner and admins")
	}
	mode := *req.InviteMode
	if mode != InviteAnyMember && mode != InviteManagers {
		return UpdateCommunityInviteModeResult{}, invalidf("inviteMode", "inviteMode must be 0 (any member) or 1 (owner and admins), got %d", mode)
	}
	_, err := s.changeCommunity(ctx, actor, req.CommunityID, func(sc *scope) error {
		sc.community.InviteMode = mode
		return nil
	})
	return UpdateCommunityInviteModeResult{CommunityID: req.CommunityID, InviteMode: mode}, err
}

// SetCommunityNotificationStatus sets the caller's notification status for a
// community. The caller's other sessions receive communityListChanged.
func (s *Service) SetCommunityNotificationStatus(ctx context.Context, actor Actor, req SetCommunityNotificationStatusRequest) (SetCommunityNotificationStatusResult, error) {
	res := SetCommunityNotificationStatusResult{CommunityID: req.CommunityID, NotificationStatus: req.NotificationStatus}
	if req.NotificationStatus != Notify && req.NotificationStatus != DoNotDisturb {
		return res, invalidf("notificationStatus", "notificationStatus must be 1 (notify) or 2 (do not disturb), got %d", req.NotificationStatus)
	}
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, err := s.loadScope(ctx, tx, actor, req.CommunityID)
		if err != nil {
			return err
		}
		if err := sc.member(); err != nil {
			return err
		}
		sc.self.NotificationStatus = req.NotificationStatus
		if err := tx.UpdateMember(ctx, sc.self); err != nil {
			return fmt.Errorf("update member: %w", err)
		}
		return s.tellTotals(ctx, tx, out, &sc)
	})
	return res, err
}

// SessionCommunities returns every community of the user, for a gateway
// session's ready frame and its routing.
func (s *Service) SessionCommunities(ctx context.Context, actor Actor) ([]Community, error) {
	list, userPK, err := s.sessionMemberships(ctx, actor)
	if err != nil || len(list) == 0 {
		return list, err
	}
	return list, withUnread(ctx, s.store, userPK, list)
}

// SessionMemberships returns what SessionCommunities does without the unread
// counts: the user's communities with its role and the private channels it
// is listed in. Gateways read it to repair their view of a user's
// memberships.
func (s *Service) SessionMemberships(ctx context.Context, actor Actor) ([]Community, error) {
	list, _, err := s.sessionMemberships(ctx, actor)
	return list, err
}

func (s *Service) sessionMemberships(ctx context.Context, actor Actor) ([]Community, int64, error) {
	u, err := s.store.User(ctx, actor.AppID, actor.UserID)
	if errors.Is(err, ErrNotFound) {
		return []Community{}, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read user: %w", err)
	}
	private, err := s.store.UserPrivateChannels(ctx, u.PK)
	if err != nil {
		return nil, 0, fmt.Errorf("list private channels: %w", err)
	}
	const page = 500
	out := []Community{}
	var after Cursor
	for {
		rows, err := s.store.UserCommunities(ctx, u.PK, after, page)
		if err != nil {
			return nil, 0, fmt.Errorf("list communities: %w", err)
		}
		for i := range rows {
			rows[i].PrivateChannelIDs = private[rows[i].CommunityID]
		}
		out = append(out, rows...)
		if len(rows) < page {
			return out, u.PK, nil
		}
		after = Cursor{Valid: true, K1: rows[len(rows)-1].MemberPK}
	}
}
