package plaza

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// SendCommunityJoinApplication asks to join a community. In a community whose
// join mode is "any" the caller joins at once; under "approval" a waiting
// application is stored for the owner and admins to answer; under "forbidden"
// the call fails.
func (s *Service) SendCommunityJoinApplication(ctx context.Context, actor Actor, req SendCommunityJoinApplicationRequest) (SendCommunityJoinApplicationResult, error) {
	res := SendCommunityJoinApplicationResult{CommunityID: req.CommunityID}
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, err := s.loadScope(ctx, tx, actor, req.CommunityID)
		if err != nil {
			return err
		}
		if err := checkText("wording", req.Wording, sc.app.Spec.NoticeMaxChars); err != nil {
			return err
		}
		if sc.self.MemberRole != RoleNone {
			return Errorf(EAlreadyMember, "you are already a member of community %s", req.CommunityID)
		}
		switch sc.community.JoinMode {
		case JoinForbidden:
			return Errorf(EJoinForbidden, "community %s does not accept new members", req.CommunityID)
		case JoinAny:
			m, err := s.enterOne(ctx, tx, out, &sc, actor.UserID, EnterJoined, actor.UserID)
			if err != nil {
				return err
			}
			info := sc.community
			info.NotificationStatus = m.NotificationStatus
			res.Joined, res.CommunityInfo = true, &info
			return nil
		}
		u, err := s.lockUser(ctx, tx, actor.AppID, actor.UserID)
		if err != nil {
			return err
		}
		now := s.nowMs()
		if a, err := tx.Application(ctx, sc.community.PK, u.PK); err == nil {
			a.expireAt(now)
			if a.State == ApplicationWaiting {
				return Errorf(EApplicationPending, "you already applied to community %s; wait for an answer or cancel it", req.CommunityID)
			}
		} else if !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("read application: %w", err)
		}
		if err := checkUserCommunityLimit(ctx, tx, u, sc.app.Spec); err != nil {
			return err
		}
		a := Application{
			CommunityPK:   sc.community.PK,
			UserPK:        u.PK,
			CommunityID:   sc.community.CommunityID,
			CommunityName: sc.community.CommunityName,
			UserInfo:      u.UserInfo,
			Wording:       req.Wording,
			State:         ApplicationWaiting,
			CreateTime:    now,
			UpdateTime:    now,
		}
		if err := tx.InsertApplication(ctx, &a); err != nil {
			return fmt.Errorf("insert application: %w", err)
		}
		res.Application = &a
		return s.tellApplication(ctx, tx, out, &sc, ListAdded, a)
	})
	return res, err
}

// tellApplication sends communityApplicationListChanged to the applicant and
// to the community's owner and admins.
func (s *Service) tellApplication(ctx context.Context, tx Tx, out *outbox, sc *scope, action ListAction, a Application) error {
	managers, err := tx.Managers(ctx, sc.community.PK)
	if err != nil {
		return fmt.Errorf("read managers: %w", err)
	}
	tellApplicationTo(out, sc, managers, action, a)
	return nil
}

// tellApplicationTo is tellApplication with the managers already read. Each
// event gets its own list of recipients: several events may share managers.
func tellApplicationTo(out *outbox, sc *scope, managers []string, action ListAction, a Application) {
	out.add(Event{Name: EventCommunityApplicationListChanged, AppID: sc.app.AppID, CommunityID: sc.community.CommunityID,
		UserIDs: append(slices.Clip(managers), a.UserID)},
		CommunityApplicationListChangedEvent{ChangeInfoList: []ApplicationChange{{Action: action, Application: a}}})
}

// settleApplications marks the waiting applications of members who have
// just entered the community, by any path, as accepted. Their applications
// are read at once, and the managers once, when one is settled.
func (s *Service) settleApplications(ctx context.Context, tx Tx, out *outbox, sc *scope, entered []Member, operator string) error {
	userPKs := make([]int64, len(entered))
	for i, m := range entered {
		userPKs[i] = m.UserPK
	}
	as, err := tx.Applications(ctx, sc.community.PK, userPKs)
	if err != nil {
		return fmt.Errorf("read applications: %w", err)
	}
	if len(as) == 0 {
		return nil
	}
	byUser := make(map[int64]Application, len(as))
	for _, a := range as {
		byUser[a.UserPK] = a
	}
	now := s.nowMs()
	var managers []string
	read := false
	for _, m := range entered {
		a, ok := byUser[m.UserPK]
		if !ok {
			continue
		}
		a.expireAt(now)
		if a.State != ApplicationWaiting {
			continue
		}
		a.State, a.UpdateTime, a.OperatedUserID = ApplicationAccepted, now, operator
		if err := tx.UpdateApplication(ctx, a); err != nil {
			return fmt.Errorf("update application: %w", err)
		}
		if !read {
			if managers, err = tx.Managers(ctx, sc.community.PK); err != nil {
				return fmt.Errorf("read managers: %w", err)
			}
			read = true
		}
		tellApplicationTo(out, sc, managers, ListUpdated, a)
	}
	return nil
}

// AcceptCommunityJoinApplication accepts a waiting application: the applicant
// becomes a member. Owner and admins.
func (s *Service) AcceptCommunityJoinApplication(ctx context.Context, actor Actor, req CommunityApplicationRequest) (CommunityApplicationResult, error) {
	return s.answerApplication(ctx, actor, req, true)
}

// RejectCommunityJoinApplication rejects a waiting application. Owner and
// admins.
func (s *Service) RejectCommunityJoinApplication(ctx context.Context, actor Actor, req CommunityApplicationRequest) (CommunityApplicationResult, error) {
	return s.answerApplication(ctx, actor, req, false)
}

func (s *Service) answerApplication(ctx context.Context, actor Actor, req CommunityApplicationRequest, accept bool) (CommunityApplicationResult, error) {
	res := CommunityApplicationResult{CommunityID: req.CommunityID}
	if err := checkRef("userID", req.UserID); err != nil {
		return res, err
	}
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, err := s.loadScope(ctx, tx, actor, req.CommunityID)
		if err != nil {
			return err
		}
		if err := sc.manager(); err != nil {
			return err
		}
		a, u, err := s.waitingApplication(ctx, tx, &sc, req.UserID)
		if err != nil {
			return err
		}
		now := s.nowMs()
		if accept {
			// enter settles the application as accepted and tells everyone.
			if _, err := s.enterOne(ctx, tx, out, &sc, u.UserID, EnterJoined, actor.UserID); err != nil {
				return err
			}
			res.Application = withOperator(a, ApplicationAccepted, now, actor.UserID)
			return nil
		}
		a = withOperator(a, ApplicationRejected, now, actor.UserID)
		if err := tx.UpdateApplication(ctx, a); err != nil {
			return fmt.Errorf("update application: %w", err)
		}
		res.Application = a
		return s.tellApplication(ctx, tx, out, &sc, ListUpdated, a)
	})
	return res, err
}

func withOperator(a Application, state ApplicationState, now int64, operator string) Application {
	a.State, a.UpdateTime, a.OperatedUserID = state, now, operator
	return a
}

// waitingApplication reads userID's application to the scope's community and
// requires it to be waiting.
func (s *Service) waitingApplication(ctx context.Context, tx Tx, sc *scope, userID string) (Application, User, error) {
	u, err := s.lockUser(ctx, tx, sc.app.AppID, userID)
	if err != nil {
		return Application{}, u, err
	}
	a, err := tx.Application(ctx, sc.community.PK, u.PK)
	if errors.Is(err, ErrNotFound) {
		return a, u, FieldErrorf(EApplicationMissing, "userID", "user %s has no application to community %s", userID, sc.community.CommunityID)
	}
	if err != nil {
		return a, u, fmt.Errorf("read application: %w", err)
	}
	a.expireAt(s.nowMs())
	if a.State != ApplicationWaiting {
		return a, u, FieldErrorf(EApplicationMissing, "userID", "the application of user %s to community %s is no longer waiting (state %d)", userID, sc.community.CommunityID, a.State)
	}
	return a, u, nil
}

// CancelCommunityJoinApplication withdraws the caller's waiting application.
func (s *Service) CancelCommunityJoinApplication(ctx context.Context, actor Actor, req CommunityRequest) (CommunityIDResult, error) {
	err := s.update(ctx, func(tx Tx, out *outbox) error {
		sc, err := s.loadScope(ctx, tx, actor, req.CommunityID)
		if err != nil {
			return err
		}
		a, _, err := s.waitingApplication(ctx, tx, &sc, actor.UserID)
		if err != nil {
			return err
		}
		if err := tx.DeleteApplication(ctx, a.PK); err != nil {
			return fmt.Errorf("delete application: %w", err)
		}
		return s.tellApplication(ctx, tx, out, &sc, ListDeleted, a)
	})
	return CommunityIDResult{CommunityID: req.CommunityID}, err
}

// QueryCommunityApplicationList returns one page of a community's
// applications, newest first. Owner and admins.
func (s *Service) QueryCommunityApplicationList(ctx context.Context, actor Actor, req QueryCommunityApplicationListRequest) (QueryCommunityApplicationListResult, error) {
	res := QueryCommunityApplicationListResult{CommunityID: req.CommunityID, ApplicationList: []Application{}}
	sc, err := s.loadScope(ctx, s.store, actor, req.CommunityID)
	if err != nil {
		return res, err
	}
	if err := sc.manager(); err != nil {
		return res, err
	}
	limit, after, err := req.page(sc.app.Spec)
	if err != nil {
		return res, err
	}
	rows, err := s.store.CommunityApplications(ctx, sc.community.PK, after, limit+1)
	if err != nil {
		return res, fmt.Errorf("list applications: %w", err)
	}
	res.ApplicationList, res.NextFlag = s.applicationPage(rows, limit)
	return res, nil
}

// QueryCommunitySelfApplicationList returns one page of the caller's own
// applications across communities, newest first.
func (s *Service) QueryCommunitySelfApplicationList(ctx context.Context, actor Actor, req QueryCommunitySelfApplicationListRequest) (QueryCommunitySelfApplicationListResult, error) {
	res := QueryCommunitySelfApplicationListResult{ApplicationList: []Application{}}
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
	rows, err := s.store.UserApplications(ctx, u.PK, after, limit+1)
	if err != nil {
		return res, fmt.Errorf("list applications: %w", err)
	}
	res.ApplicationList, res.NextFlag = s.applicationPage(rows, limit)
	return res, nil
}

func (s *Service) applicationPage(rows []Application, limit int) ([]Application, string) {
	now := s.nowMs()
	for i := range rows {
		rows[i].expireAt(now)
	}
	return trimPage(rows, limit, func(a Application) Cursor { return Cursor{K1: a.PK} })
}
