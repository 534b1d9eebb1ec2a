package sqlite

import (
	"context"
	"errors"

	"github.com/plazahq/plaza"
)

// SendScope reads what a send checks with the single reads it stands for,
// one after the other: SQLite runs in this process, so there is no round
// trip to save.
func (q queries) SendScope(ctx context.Context, k plaza.SendKey) (plaza.SendScope, error) {
	var r plaza.SendScope
	var err error
	if r.App, err = some(q.App(ctx, k.AppID)); err != nil {
		return r, err
	}
	if r.User, err = some(q.User(ctx, k.AppID, k.UserID)); err != nil {
		return r, err
	}
	if r.Community, err = some(q.Community(ctx, k.AppID, k.CommunityID)); err != nil || r.Community == nil {
		return r, err
	}
	if r.Member, err = some(q.Member(ctx, r.Community.PK, k.UserID)); err != nil {
		return r, err
	}
	if k.ChannelID == "" {
		return r, nil
	}
	if r.Channel, err = some(q.Channel(ctx, r.Community.PK, k.ChannelID)); err != nil || r.Channel == nil {
		return r, err
	}
	if r.User == nil {
		return r, nil
	}
	if r.Listed, err = q.IsChannelMember(ctx, r.Channel.PK, r.User.PK); err != nil {
		return r, err
	}
	if r.Channel.ChannelType == plaza.ChannelThread {
		if r.ParentListed, err = q.IsChannelMember(ctx, r.Channel.ParentPK, r.User.PK); err != nil {
			return r, err
		}
	}
	if k.ClientMessageID != "" {
		m, err := some(q.MessageByClientID(ctx, r.Channel.PK, r.User.PK, k.ClientMessageID))
		if err != nil {
			return r, err
		}
		if m != nil {
			r.SentSeq = m.MessageSeq
		}
	}
	return r, nil
}

// some turns a single read's result into a pointer, nil when the row does
// not exist.
func some[T any](v T, err error) (*T, error) {
	if errors.Is(err, plaza.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &v, nil
}
