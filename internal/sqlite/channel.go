package sqlite

import (
	"context"

	"github.com/plazahq/plaza"
)

const channelColumns = `ch.id, ch.community_pk, c.community_id, ch.channel_id, ch.channel_type, ch.name, ch.avatar_url,
	ch.notice, ch.attributes, ch.creator_user_id, ch.created_at, ch.last_seq`

func scanChannel(s interface{ Scan(...any) error }) (plaza.Channel, error) {
	var ch plaza.Channel
	var attrs string
	err := s.Scan(&ch.PK, &ch.CommunityPK, &ch.CommunityID, &ch.ChannelID, &ch.ChannelType, &ch.ChannelName, &ch.ChannelAvatarURL,
		&ch.ChannelNotice, &attrs, &ch.CreatorUserID, &ch.CreateTime, &ch.LastSeq)
	if err != nil {
		return ch, translate(err)
	}
	ch.ChannelAttributes, err = decodeAttributes(attrs)
	return ch, err
}

// Channel reads one channel of a community.
func (q queries) Channel(ctx context.Context, communityPK int64, channelID string) (plaza.Channel, error) {
	return scanChannel(q.db.QueryRowContext(ctx, `
		SELECT `+channelColumns+` FROM channels ch JOIN communities c ON c.id = ch.community_pk
		WHERE ch.community_pk = ? AND ch.channel_id = ?`, communityPK, channelID))
}

// InsertChannel stores a new channel.
func (t *tx) InsertChannel(ctx context.Context, ch *plaza.Channel) error {
	err := t.tx.QueryRowContext(ctx, `
		INSERT INTO channels (community_pk, channel_id, channel_type, name, avatar_url, notice, attributes,
		                      creator_user_id, created_at, last_seq)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		ch.CommunityPK, ch.ChannelID, ch.ChannelType, ch.ChannelName, ch.ChannelAvatarURL, ch.ChannelNotice,
		encodeAttributes(ch.ChannelAttributes), ch.CreatorUserID, ch.CreateTime, ch.LastSeq,
	).Scan(&ch.PK)
	return translate(err)
}
