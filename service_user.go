package plaza

import (
	"context"
	"errors"
	"fmt"
)

// UpdateUserName sets the caller's display name. Members of the caller's
// communities receive communityMemberInfoUpdated.
func (s *Service) UpdateUserName(ctx context.Context, actor Actor, req UpdateUserNameRequest) (UpdateUserNameResult, error) {
	err := s.updateUser(ctx, actor, func(app App, u *User) error {
		if err := checkName("userName", req.UserName, app.Spec.NameMaxChars); err != nil {
			return err
		}
		u.UserName = req.UserName
		return nil
	})
	return UpdateUserNameResult{UserName: req.UserName}, err
}

// UpdateUserAvatarURL sets the caller's avatar URL.
func (s *Service) UpdateUserAvatarURL(ctx context.Context, actor Actor, req UpdateUserAvatarURLRequest) (UpdateUserAvatarURLResult, error) {
	err := s.updateUser(ctx, actor, func(app App, u *User) error {
		if err := checkAvatarURL("userAvatarUrl", req.UserAvatarURL, app.Spec.AvatarURLMaxChars); err != nil {
			return err
		}
		u.UserAvatarURL = req.UserAvatarURL
		return nil
	})
	return UpdateUserAvatarURLResult{UserAvatarURL: req.UserAvatarURL}, err
}

// updateUser applies change to the caller's profile and tells each of its
// communities.
func (s *Service) updateUser(ctx context.Context, actor Actor, change func(App, *User) error) error {
	return s.update(ctx, func(tx Tx, out *outbox) error {
		app, err := tx.App(ctx, actor.AppID)
		if err != nil {
			return fmt.Errorf("read app: %w", err)
		}
		u, err := tx.EnsureUser(ctx, actor.AppID, actor.UserID, s.nowMs())
		if err != nil {
			return fmt.Errorf("read user: %w", err)
		}
		if err := change(app, &u); err != nil {
			return err
		}
		if err := tx.UpdateUser(ctx, u); err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		ids, err := tx.UserCommunityIDs(ctx, u.PK)
		if err != nil {
			return fmt.Errorf("list communities: %w", err)
		}
		for _, id := range ids {
			c, err := tx.Community(ctx, actor.AppID, id)
			if err != nil {
				return fmt.Errorf("read community: %w", err)
			}
			m, err := tx.Member(ctx, c.PK, actor.UserID)
			if err != nil {
				return fmt.Errorf("read membership: %w", err)
			}
			shown, err := s.membersForAll(ctx, tx, c.PK, Channel{}, []Member{m})
			if err != nil {
				return err
			}
			m = shown[0]
			out.add(Event{Name: EventCommunityMemberInfoUpdated, AppID: actor.AppID, CommunityID: id, Large: s.large(c)},
				CommunityMemberInfoUpdatedEvent{CommunityID: id, UpdateInfoList: []MemberInfoUpdate{{MemberInfo: m}}})
		}
		return nil
	})
}

// QueryUsersInfo returns the profiles of users who share a community with the
// caller (and the caller's own). Others are reported in ErrorUserList as
// user_not_found, whether or not they exist, so that the call reveals nothing
// about users outside the caller's communities.
func (s *Service) QueryUsersInfo(ctx context.Context, actor Actor, req QueryUsersInfoRequest) (QueryUsersInfoResult, error) {
	res := QueryUsersInfoResult{UserList: []UserInfo{}, ErrorUserList: []ErrorUser{}}
	app, err := s.store.App(ctx, actor.AppID)
	if err != nil {
		return res, fmt.Errorf("read app: %w", err)
	}
	ids, err := checkUserIDs("userIDs", req.UserIDs, app.Spec.UsersPerCall)
	if err != nil {
		return res, err
	}
	self, err := s.store.User(ctx, actor.AppID, actor.UserID)
	if errors.Is(err, ErrNotFound) {
		return res, Errorf(ETokenInvalid, "user %s does not exist", actor.UserID)
	}
	if err != nil {
		return res, fmt.Errorf("read user: %w", err)
	}
	users, err := s.store.VisibleUsers(ctx, actor.AppID, self.PK, ids)
	if err != nil {
		return res, fmt.Errorf("read users: %w", err)
	}
	found := make(map[string]UserInfo, len(users))
	for _, u := range users {
		found[u.UserID] = u.UserInfo
	}
	for _, id := range ids {
		if u, ok := found[id]; ok {
			res.UserList = append(res.UserList, u)
		} else {
			res.ErrorUserList = append(res.ErrorUserList, errorUser(id, EUserNotFound))
		}
	}
	return res, nil
}
