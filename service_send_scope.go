package plaza

import (
	"context"
	"fmt"
)

// sendReads answers the reads a send makes before it writes (the app, the
// community, the membership, the channel, the listings, the client message
// ID) from one Query.SendScope, so that loadScope and
// loadChannel, which read one thing at a time, cost a networked store one
// round trip together. Any other read goes to the embedded Query. It is not
// a Tx: the reads it answers take no locks, as readOnly's do.
type sendReads struct {
	Query
	k SendKey
	r SendScope
}

// readSend reads the scope of a send into channelID of communityID in tx.
// IDs that loadScope or loadChannel would refuse are not read: they refuse
// them as before.
func readSend(ctx context.Context, tx Tx, actor Actor, communityID, channelID, clientID string) (Query, error) {
	if checkRef("communityID", communityID) != nil {
		return readOnly{tx}, nil
	}
	if checkRef("channelID", channelID) != nil {
		channelID = ""
	}
	k := SendKey{AppID: actor.AppID, CommunityID: communityID, UserID: actor.UserID, ChannelID: channelID, ClientMessageID: clientID}
	r, err := tx.SendScope(ctx, k)
	if err != nil {
		return nil, fmt.Errorf("read send scope: %w", err)
	}
	return &sendReads{Query: readOnly{tx}, k: k, r: r}, nil
}

func (q *sendReads) App(ctx context.Context, appID string) (App, error) {
	if appID != q.k.AppID {
		return q.Query.App(ctx, appID)
	}
	return found(q.r.App)
}

func (q *sendReads) Community(ctx context.Context, appID, communityID string) (CommunityInfo, error) {
	if appID != q.k.AppID || communityID != q.k.CommunityID {
		return q.Query.Community(ctx, appID, communityID)
	}
	return found(q.r.Community)
}

func (q *sendReads) User(ctx context.Context, appID, userID string) (User, error) {
	if appID != q.k.AppID || userID != q.k.UserID {
		return q.Query.User(ctx, appID, userID)
	}
	return found(q.r.User)
}

// inCommunity reports whether communityPK is the key's community.
func (q *sendReads) inCommunity(communityPK int64) bool {
	return q.r.Community != nil && communityPK == q.r.Community.PK
}

func (q *sendReads) Member(ctx context.Context, communityPK int64, userID string) (Member, error) {
	if !q.inCommunity(communityPK) || userID != q.k.UserID {
		return q.Query.Member(ctx, communityPK, userID)
	}
	return found(q.r.Member)
}

func (q *sendReads) Channel(ctx context.Context, communityPK int64, channelID string) (Channel, error) {
	if !q.inCommunity(communityPK) || q.k.ChannelID == "" || channelID != q.k.ChannelID {
		return q.Query.Channel(ctx, communityPK, channelID)
	}
	return found(q.r.Channel)
}

func (q *sendReads) IsChannelMember(ctx context.Context, channelPK, userPK int64) (bool, error) {
	if ch := q.r.Channel; ch != nil && q.r.User != nil && userPK == q.r.User.PK {
		if channelPK == ch.PK {
			return q.r.Listed, nil
		}
		if ch.ChannelType == ChannelThread && channelPK == ch.ParentPK {
			return q.r.ParentListed, nil
		}
	}
	return q.Query.IsChannelMember(ctx, channelPK, userPK)
}

// MessageByClientID answers from the scope only that there is no such
// message, the common case; a retry reads the message it finds.
func (q *sendReads) MessageByClientID(ctx context.Context, channelPK, senderPK int64, clientMessageID string) (Message, error) {
	if q.r.SentSeq == 0 && clientMessageID != "" && clientMessageID == q.k.ClientMessageID &&
		q.r.Channel != nil && channelPK == q.r.Channel.PK && q.r.User != nil && senderPK == q.r.User.PK {
		return Message{}, ErrNotFound
	}
	return q.Query.MessageByClientID(ctx, channelPK, senderPK, clientMessageID)
}

// found returns *v, or ErrNotFound when v is nil.
func found[T any](v *T) (T, error) {
	if v == nil {
		var zero T
		return zero, ErrNotFound
	}
	return *v, nil
}
