package plaza

import (
	"context"
	"fmt"
	"slices"
)

// muteInfo turns a mute request (isMute, mode, duration, roles) into the mute
// to store at now. An admin cannot mute the owner by name in a custom mute.
func muteInfo(sc *scope, isMute bool, mode MuteMode, duration int64, roles []Role, now int64) (MuteInfo, error) {
	if !isMute || mode == MuteNone {
		return MuteInfo{Mode: MuteNone, Roles: []Role{}}, nil
	}
	if mode < MuteNone || mode > MuteCustom {
		return MuteInfo{}, invalidf("mode", "mode must be 0 (none), 1 (normal), 2 (all) or 3 (custom), got %d", mode)
	}
	expire, err := muteExpiry("duration", duration, now)
	if err != nil {
		return MuteInfo{}, err
	}
	if mode != MuteCustom && len(roles) > 0 {
		return MuteInfo{}, invalidf("roles", "roles belong to a custom mute (mode 3)")
	}
	clean := []Role{}
	for _, r := range roles {
		if r != RoleOwner && r != RoleAdmin && r != RoleMember {
			return MuteInfo{}, invalidf("roles", "roles are 1 (owner), 2 (admin) and 3 (member), got %d", r)
		}
		if !slices.Contains(clean, r) {
			clean = append(clean, r)
		}
	}
	if slices.Contains(clean, RoleOwner) && sc.self.MemberRole != RoleOwner {
		return MuteInfo{}, FieldErrorf(EPermissionDenied, "roles", "only the owner may mute the owner role")
	}
	slices.Sort(clean)
	return MuteInfo{Mode: mode, ExpiredTime: expire, Roles: clean}, nil
}

// MuteCommunityChannels mutes channels (mode none lifts their mutes) for a
// duration. Owner and admins. Channels that do not exist are reported in
// ErrorChannelIDs.
func (s *Service) MuteCommunityChannels(ctx context.Context, actor Actor, req MuteCommunityChannelsRequest) (MuteCommunityChannelsResult, error) {
	res := MuteCommunityChannelsResult{CommunityID: req.CommunityID, IsMute: req.IsMute, ErrorChannelIDs: []string{}}
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, err := s.loadScope(ctx, tx, actor, req.CommunityID)
		if err != nil {
			return err
		}
		ids, err := checkUserIDs("channelIDs", req.ChannelIDs, sc.app.Spec.PageMax)
		if err != nil {
			return err
		}
		if err := sc.manager(); err != nil {
			return err
		}
		mute, err := muteInfo(&sc, req.IsMute, req.Mode, req.Duration, req.Roles, s.nowMs())
		if err != nil {
			return err
		}
		var changed []Channel
		for _, id := range ids {
			ch, err := loadChannel(ctx, tx, &sc, id)
			if ErrorCode(err) == EChannelNotFound {
				res.ErrorChannelIDs = append(res.ErrorChannelIDs, id)
				continue
			}
			if err != nil {
				return err
			}
			if err := notForThreads(ch, "channelIDs", "muteCommunityChannels on its parent channel (its mutes apply in its threads)"); err != nil {
				return err
			}
			ch.MuteInfo = mute
			if err := tx.UpdateChannel(ctx, ch); err != nil {
				return fmt.Errorf("update channel: %w", err)
			}
			changed = append(changed, ch)
		}
		if len(changed) == 0 {
			return FieldErrorf(EChannelNotFound, "channelIDs", "none of the channels exists in community %s", req.CommunityID)
		}
		for _, ch := range changed {
			out.add(channelEvent(&sc, ch, EventCommunityChannelInfoUpdated),
				CommunityChannelInfoUpdatedEvent{CommunityID: req.CommunityID, UpdateInfoList: []ChannelInfoUpdate{{ChannelInfo: ch}}})
		}
		return nil
	})
	return res, err
}

// MuteCommunity mutes every channel of a community at once (mode none lifts
// it), by the same modes and durations as a channel mute. Owner and admins.
func (s *Service) MuteCommunity(ctx context.Context, actor Actor, req MuteCommunityRequest) (MuteCommunityResult, error) {
	res := MuteCommunityResult{CommunityID: req.CommunityID, IsMute: req.IsMute}
	info, err := s.changeCommunity(ctx, actor, req.CommunityID, func(sc *scope) error {
		mute, err := muteInfo(sc, req.IsMute, req.Mode, req.Duration, req.Roles, s.nowMs())
		if err != nil {
			return err
		}
		sc.community.MuteInfo = mute
		return nil
	})
	res.MuteInfo = info.MuteInfo
	return res, err
}

// MuteCommunityMembers mutes members community-wide, or in one channel, for a
// duration; isMute false lifts the mute. The owner mutes anyone else, an
// admin only members. Users who cannot be muted are reported in
// ErrorUserList.
func (s *Service) MuteCommunityMembers(ctx context.Context, actor Actor, req MuteCommunityMembersRequest) (MuteCommunityMembersResult, error) {
	res := MuteCommunityMembersResult{CommunityID: req.CommunityID, ChannelID: req.ChannelID, IsMute: req.IsMute, ErrorUserList: []ErrorUser{}}
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
		now := s.nowMs()
		var expire int64
		if req.IsMute {
			if expire, err = muteExpiry("duration", req.Duration, now); err != nil {
				return err
			}
		}
		var ch Channel
		if req.ChannelID != "" {
			if ch, err = loadChannel(ctx, tx, &sc, req.ChannelID); err != nil {
				return err
			}
			if err := notForThreads(ch, "channelID", "muteCommunityMembers in its parent channel (its mutes apply in its threads)"); err != nil {
				return err
			}
		}
		targets, err := tx.Members(ctx, sc.community.PK, ids)
		if err != nil {
			return fmt.Errorf("read members: %w", err)
		}
		byID := make(map[string]Member, len(targets))
		for _, m := range targets {
			byID[m.UserID] = m
		}
		var muted []Member
		var failed []ErrorUser
		for _, id := range ids {
			m, ok := byID[id]
			switch {
			case !ok:
				failed = append(failed, errorUser(id, ENotMember))
				continue
			case id == actor.UserID:
				failed = append(failed, errorUser(id, ECannotChangeOwn))
				continue
			case !sc.self.MemberRole.outranks(m.MemberRole):
				failed = append(failed, errorUser(id, ERoleNotLower))
				continue
			}
			if ch.PK != 0 && req.IsMute { // lifting needs no check: there may be nothing to lift
				target := scope{app: sc.app, community: sc.community, self: m}
				if ok, err := sees(ctx, tx, &target, ch); err != nil {
					return err
				} else if !ok {
					failed = append(failed, errorUser(id, EMutedNotInChannel))
					continue
				}
			}
			if err := tx.SetMemberMute(ctx, sc.community.PK, m.UserPK, ch.PK, expire); err != nil {
				return fmt.Errorf("mute member: %w", err)
			}
			m.Mutes = setMute(m.Mutes, MemberMute{ChannelPK: ch.PK, ChannelID: ch.ChannelID, MuteExpiredTime: expire})
			muted = append(muted, m)
		}
		if len(muted) == 0 {
			return batchError(failed, req.CommunityID)
		}
		// A mute in a private channel names it: it is told only to those
		// who see the channel (member.go).
		e := Event{Name: EventCommunityMemberInfoUpdated, AppID: actor.AppID, CommunityID: req.CommunityID}
		var private Channel
		if ch.ChannelType == ChannelPrivate {
			e, private = channelEvent(&sc, ch, EventCommunityMemberInfoUpdated), ch
		}
		e.Large = s.large(sc.community)
		muted, err = s.membersForAll(ctx, tx, sc.community.PK, private, muted)
		if err != nil {
			return err
		}
		updates := make([]MemberInfoUpdate, len(muted))
		for i, m := range muted {
			updates[i] = MemberInfoUpdate{MemberInfo: m}
		}
		out.add(e, CommunityMemberInfoUpdatedEvent{CommunityID: req.CommunityID, UpdateInfoList: updates})
		res.ErrorUserList = append(res.ErrorUserList, failed...)
		return nil
	})
	return res, err
}

// setMute replaces (or, with expiry 0, removes) the mute of the same scope.
func setMute(mutes []MemberMute, m MemberMute) []MemberMute {
	out := mutes[:0:0]
	for _, x := range mutes {
		if x.ChannelPK != m.ChannelPK {
			out = append(out, x)
		}
	}
	if m.MuteExpiredTime != 0 {
		out = append(out, m)
	}
	return out
}

// members prepares members for output: their mutes as they stand now.
func (s *Service) members(ms []Member) []Member {
	now := s.nowMs()
	for i := range ms {
		ms[i] = ms[i].withMutes(now)
	}
	return ms
}
