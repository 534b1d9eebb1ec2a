package plaza

import (
	"context"
	"errors"
	"fmt"
)

// InviteUsersIntoCommunity makes users members at once, without a consent
// step. Who may invite depends on the community's invite mode. Users who
// cannot enter are reported in ErrorUserList; when none can, the call fails
// (invitees_not_found when none of them exists).
func (s *Service) InviteUsersIntoCommunity(ctx context.Context, actor Actor, req UserIDsRequest) (ErrorUserListResult, error) {
	res := ErrorUserListResult{CommunityID: req.CommunityID, ErrorUserList: []ErrorUser{}}
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, err := s.loadScope(ctx, tx, actor, req.CommunityID)
		if err != nil {
			return err
		}
		ids, err := checkUserIDs("userIDs", req.UserIDs, sc.app.Spec.UsersPerCall)
		if err != nil {
			return err
		}
		if err := sc.member(); err != nil {
			return err
		}
		if sc.community.InviteMode == InviteManagers && !sc.self.MemberRole.manager() {
			return Errorf(EPermissionDenied, "only the owner and admins may invite users into community %s", req.CommunityID)
		}
		found, err := tx.UsersForUpdate(ctx, actor.AppID, ids)
		if err != nil {
			return fmt.Errorf("lock users: %w", err)
		}
		byID := make(map[string]User, len(found))
		for _, u := range found {
			byID[u.UserID] = u
		}
		var users []User
		var failed []ErrorUser
		for _, id := range ids {
			u, ok := byID[id]
			if !ok {
				failed = append(failed, errorUser(id, EUserNotFound))
				continue
			}
			users = append(users, u)
		}
		if len(users) == 0 {
			return FieldErrorf(EInviteesNotFound, "userIDs", "none of the invited users exists")
		}
		added, refused, err := s.enter(ctx, tx, out, &sc, users, EnterInvited, actor.UserID)
		if err != nil {
			return err
		}
		failed = append(failed, refused...)
		if len(added) == 0 {
			return batchError(failed, req.CommunityID)
		}
		res.ErrorUserList = append(res.ErrorUserList, failed...)
		return nil
	})
	return res, err
}

// KickCommunityMembers removes members. The owner may kick anyone else; an
// admin only members. Users who cannot be kicked are reported in
// ErrorUserList; when none can, the call fails with the first reason.
func (s *Service) KickCommunityMembers(ctx context.Context, actor Actor, req UserIDsRequest) (ErrorUserListResult, error) {
	res := ErrorUserListResult{CommunityID: req.CommunityID, ErrorUserList: []ErrorUser{}}
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
		targets, err := tx.Members(ctx, sc.community.PK, ids)
		if err != nil {
			return fmt.Errorf("read members: %w", err)
		}
		byID := make(map[string]Member, len(targets))
		for _, m := range targets {
			byID[m.UserID] = m
		}
		var kicked []Member
		var failed []ErrorUser
		for _, id := range ids {
			m, ok := byID[id]
			switch {
			case id == actor.UserID:
				failed = append(failed, errorUser(id, ECannotKickSelf))
			case !ok:
				failed = append(failed, errorUser(id, ENotMember))
			case !sc.self.MemberRole.outranks(m.MemberRole):
				failed = append(failed, errorUser(id, ERoleNotLower))
			default:
				kicked = append(kicked, m)
			}
		}
		if len(kicked) == 0 {
			return batchError(failed, req.CommunityID)
		}
		if err := s.exit(ctx, tx, out, &sc, kicked, MemberKicked, actor.UserID); err != nil {
			return err
		}
		res.ErrorUserList = append(res.ErrorUserList, failed...)
		return nil
	})
	return res, err
}

// UpdateCommunityMemberRole makes a member an admin or an admin a member.
// Owner only; never on the owner itself, and never to owner (use
// transferCommunityOwner).
func (s *Service) UpdateCommunityMemberRole(ctx context.Context, actor Actor, req UpdateCommunityMemberRoleRequest) (UpdateCommunityMemberRoleResult, error) {
	res := UpdateCommunityMemberRoleResult{CommunityID: req.CommunityID, ForUserID: req.ForUserID, MemberRole: req.MemberRole}
	if err := checkRef("forUserID", req.ForUserID); err != nil {
		return res, err
	}
	switch req.MemberRole {
	case RoleAdmin, RoleMember:
	case RoleOwner:
		return res, FieldErrorf(ECannotSetOwner, "memberRole", "the owner role is given by transferCommunityOwner, not by a role change")
	default:
		return res, invalidf("memberRole", "memberRole must be 2 (admin) or 3 (member), got %d", req.MemberRole)
	}
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, err := s.loadScope(ctx, tx, actor, req.CommunityID)
		if err != nil {
			return err
		}
		if err := sc.owner(); err != nil {
			return err
		}
		if req.ForUserID == actor.UserID {
			return FieldErrorf(ECannotChangeOwn, "forUserID", "you cannot change your own role")
		}
		m, err := targetMember(ctx, tx, &sc, "forUserID", req.ForUserID)
		if err != nil {
			return err
		}
		m.MemberRole = req.MemberRole
		return s.changeRoles(ctx, tx, out, &sc, m)
	})
	return res, err
}

// TransferCommunityOwner makes another member the owner; the old owner
// becomes a member. Owner only.
func (s *Service) TransferCommunityOwner(ctx context.Context, actor Actor, req TransferCommunityOwnerRequest) (TransferCommunityOwnerResult, error) {
	res := TransferCommunityOwnerResult{CommunityID: req.CommunityID, ToUserID: req.ToUserID}
	if err := checkRef("toUserID", req.ToUserID); err != nil {
		return res, err
	}
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, err := s.loadScope(ctx, tx, actor, req.CommunityID)
		if err != nil {
			return err
		}
		if err := sc.owner(); err != nil {
			return err
		}
		if req.ToUserID == actor.UserID {
			return FieldErrorf(ECannotChangeOwn, "toUserID", "you already own community %s", req.CommunityID)
		}
		to, err := targetMember(ctx, tx, &sc, "toUserID", req.ToUserID)
		if err != nil {
			return err
		}
		to.MemberRole = RoleOwner
		from := sc.self
		from.MemberRole = RoleMember
		return s.changeRoles(ctx, tx, out, &sc, to, from)
	})
	return res, err
}

// targetMember reads the member a role change is about.
func targetMember(ctx context.Context, q Query, sc *scope, field, userID string) (Member, error) {
	m, err := q.Member(ctx, sc.community.PK, userID)
	if errors.Is(err, ErrNotFound) {
		return m, FieldErrorf(ENotMember, field, "user %s is not a member of community %s", userID, sc.community.CommunityID)
	}
	if err != nil {
		return m, fmt.Errorf("read member: %w", err)
	}
	return m, nil
}

// changeRoles stores members' new roles and tells every member.
func (s *Service) changeRoles(ctx context.Context, tx Tx, out *outbox, sc *scope, members ...Member) error {
	grants := make([]Grant, len(members))
	updates := make([]MemberInfoUpdate, len(members))
	shown, err := s.membersForAll(ctx, tx, sc.community.PK, Channel{}, members)
	if err != nil {
		return err
	}
	for i, m := range shown {
		if err := tx.UpdateMember(ctx, m); err != nil {
			return fmt.Errorf("update member: %w", err)
		}
		grants[i] = Grant{UserID: m.UserID, Role: m.MemberRole}
		updates[i] = MemberInfoUpdate{MemberInfo: m}
	}
	cid := sc.community.CommunityID
	out.add(Event{Name: EventCommunityMemberInfoUpdated, AppID: sc.app.AppID, CommunityID: cid, Grants: grants, Large: s.large(sc.community)},
		CommunityMemberInfoUpdatedEvent{CommunityID: cid, UpdateInfoList: updates})
	return nil
}

// QueryCommunityMemberList returns one page of a community's members: the
// owner, then admins, then members, each in the order they entered.
func (s *Service) QueryCommunityMemberList(ctx context.Context, actor Actor, req QueryCommunityMemberListRequest) (QueryCommunityMemberListResult, error) {
	res := QueryCommunityMemberListResult{CommunityID: req.CommunityID, MemberList: []Member{}}
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
	var ch Channel
	if req.ChannelID != "" {
		if ch, err = viewChannel(ctx, s.store, &sc, req.ChannelID); err != nil {
			return res, err
		}
	}
	var rows []Member
	switch {
	case req.IsMutedMember:
		rows, err = s.store.MutedMemberList(ctx, sc.community.PK, ch.PK, s.nowMs(), after, limit+1)
	case ch.ChannelType == ChannelPrivate:
		rows, err = s.store.ChannelMemberList(ctx, sc.community.PK, ch.PK, after, limit+1)
	default:
		rows, err = s.store.MemberList(ctx, sc.community.PK, after, limit+1)
	}
	if err != nil {
		return res, fmt.Errorf("list members: %w", err)
	}
	if rows, err = s.membersFor(ctx, s.store, &sc, rows); err != nil {
		return res, err
	}
	res.MemberList, res.NextFlag = trimPage(rows, limit, func(m Member) Cursor {
		return Cursor{K1: int64(m.MemberRole), K2: m.PK}
	})
	return res, nil
}

// QueryCommunityMembers returns the given members; users who are not members
// are reported in ErrorUserList.
func (s *Service) QueryCommunityMembers(ctx context.Context, actor Actor, req UserIDsRequest) (QueryCommunityMembersResult, error) {
	res := QueryCommunityMembersResult{CommunityID: req.CommunityID, MemberList: []Member{}, ErrorUserList: []ErrorUser{}}
	sc, err := s.loadScope(ctx, s.store, actor, req.CommunityID)
	if err != nil {
		return res, err
	}
	ids, err := checkUserIDs("userIDs", req.UserIDs, sc.app.Spec.UsersPerCall)
	if err != nil {
		return res, err
	}
	if err := sc.member(); err != nil {
		return res, err
	}
	members, err := s.store.Members(ctx, sc.community.PK, ids)
	if err != nil {
		return res, fmt.Errorf("read members: %w", err)
	}
	byID := make(map[string]Member, len(members))
	for _, m := range members {
		byID[m.UserID] = m
	}
	for _, id := range ids {
		if m, ok := byID[id]; ok {
			res.MemberList = append(res.MemberList, m)
		} else {
			res.ErrorUserList = append(res.ErrorUserList, errorUser(id, ENotMember))
		}
	}
	res.MemberList, err = s.membersFor(ctx, s.store, &sc, res.MemberList)
	return res, err
}
