package plaza

// ChannelType is the kind of a channel.
type ChannelType int

// Channel types, with the reference's numbers.
const (
	ChannelGeneral ChannelType = 0 // made with the community; cannot be dismissed
	ChannelPublic  ChannelType = 1 // every member is in it
	ChannelPrivate ChannelType = 2 // listed members, the owner and admins
)

// Channel is a channel's full information.
type Channel struct {
	CommunityID       string            `json:"communityID"`
	ChannelID         string            `json:"channelID"`
	ChannelType       ChannelType       `json:"channelType"`
	ChannelName       string            `json:"channelName"`
	ChannelAvatarURL  string            `json:"channelAvatarUrl"`
	ChannelNotice     string            `json:"channelNotice"`
	ChannelAttributes map[string]string `json:"channelAttributes"`
	CreatorUserID     string            `json:"creatorUserID"`
	CreateTime        int64             `json:"createTime"`

	PK          int64 `json:"-"` // store key
	CommunityPK int64 `json:"-"`
	LastSeq     int64 `json:"-"`
}
