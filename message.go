package plaza

// MessageType is the kind of a message, with the reference's numbers.
type MessageType int

// Message types.
const (
	MessageText     MessageType = 1
	MessageCommand  MessageType = 2 // delivered, never stored
	MessageMultiple MessageType = 10
	MessageImage    MessageType = 11
	MessageFile     MessageType = 12
	MessageAudio    MessageType = 13
	MessageVideo    MessageType = 14
	MessageRevoked  MessageType = 31 // what a revoked message becomes
	MessageTips     MessageType = 32 // system notices; never sent by users
	MessageCustom   MessageType = 200
)

// Fixed message limits (the text size comes from the app's spec).
const (
	MaxMentions          = 50
	MaxCommandBytes      = 5 << 10
	MaxExtendedDataBytes = 1 << 10
	MaxSearchedContent   = 64 // bytes
	MaxURLChars          = 2048
	MaxFileNameChars     = 255
	MaxMultipleItems     = 20
	MaxMultipleMedia     = 10 // images and videos together
	MaxReactionTypes     = 100
	MaxReactionTypeChars = 32
	MaxCustomSubType     = 200
	// ReactionPreviewUsers is how many reactors a reaction summary names.
	ReactionPreviewUsers = 5
)

// MessageContent is what a sender writes: the body of sendMessage's message
// and of editMessage. Which fields apply depends on Type.
type MessageContent struct {
	Type MessageType `json:"type"`
	// Message is the text of a text message, the payload of a command or
	// custom message.
	Message string `json:"message,omitempty"`
	// SubType (0–200) and SearchedContent belong to custom messages.
	SubType         int    `json:"subType,omitempty"`
	SearchedContent string `json:"searchedContent,omitempty"`
	ExtendedData    string `json:"extendedData,omitempty"`

	MentionedUserIDs []string `json:"mentionedUserIDs,omitempty"`
	IsMentionAll     bool     `json:"isMentionAll,omitempty"`

	// Media metadata: Plaza stores it, not the files.
	FileDownloadURL      string `json:"fileDownloadUrl,omitempty"`
	FileName             string `json:"fileName,omitempty"`
	FileSize             int64  `json:"fileSize,omitempty"`
	MimeType             string `json:"mimeType,omitempty"`
	ThumbnailDownloadURL string `json:"thumbnailDownloadUrl,omitempty"`
	ImageWidth           int    `json:"imageWidth,omitempty"`
	ImageHeight          int    `json:"imageHeight,omitempty"`
	AudioDuration        int    `json:"audioDuration,omitempty"` // seconds
	VideoDuration        int    `json:"videoDuration,omitempty"` // seconds

	// Items are the parts of a multiple message.
	Items []MessageContent `json:"items,omitempty"`
}

// RepliedInfo describes the message a reply answers.
type RepliedInfo struct {
	MessageID    string      `json:"messageID"`
	MessageSeq   int64       `json:"messageSeq"`
	SenderUserID string      `json:"senderUserID"`
	SentTime     int64       `json:"sentTime"`
	MessageType  MessageType `json:"messageType"`
	// RootMessageSeq is the first message of the reply tree.
	RootMessageSeq int64 `json:"rootMessageSeq"`
}

// RevokeInfo describes who revoked a message, and when.
type RevokeInfo struct {
	OperatedUserID      string      `json:"operatedUserID"`
	RevokeTime          int64       `json:"revokeTime"`
	OriginalMessageType MessageType `json:"originalMessageType"`
}

// Tips events, with the reference's numbers.
const (
	TipsCommunityCreated      = 101
	TipsCommunityJoined       = 103
	TipsCommunityInvited      = 104
	TipsCommunityChannelAdded = 151
)

// TipsInfo is what a tips message says happened.
type TipsInfo struct {
	Event          int      `json:"event"`
	OperatedUserID string   `json:"operatedUserID"`
	TargetUserIDs  []string `json:"targetUserIDs"`
}

// Reaction summarises one reaction type on a message.
type Reaction struct {
	ReactionType   string     `json:"reactionType"`
	TotalCount     int64      `json:"totalCount"`
	IsSelfIncluded bool       `json:"isSelfIncluded"`
	UserList       []UserInfo `json:"userList"` // the first few reactors
}

// Message is a message as stored and delivered.
type Message struct {
	MessageContent
	MessageID       string `json:"messageID"`  // time-ordered, unique across conversations
	MessageSeq      int64  `json:"messageSeq"` // 1, 2, 3… per channel; 0 for a command
	CommunityID     string `json:"communityID"`
	ChannelID       string `json:"channelID"`
	SenderUserID    string `json:"senderUserID"`
	ClientMessageID string `json:"clientMessageID,omitempty"`
	Timestamp       int64  `json:"timestamp"`
	EditedTime      int64  `json:"editedTime,omitempty"`
	// RepliedInfo is set on a reply.
	RepliedInfo *RepliedInfo `json:"repliedInfo,omitempty"`
	// RootRepliedCount is the number of replies in the tree this message roots.
	RootRepliedCount int64       `json:"rootRepliedCount"`
	Reactions        []Reaction  `json:"reactions"`
	RevokeInfo       *RevokeInfo `json:"revokeInfo,omitempty"`
	TipsInfo         *TipsInfo   `json:"tipsInfo,omitempty"`
	// ThreadInfo is set on a channel message that opened a thread the
	// reader sees: the thread as it is now.
	ThreadInfo *ThreadInfo `json:"threadInfo,omitempty"`

	ChannelPK int64 `json:"-"`
	SenderPK  int64 `json:"-"`
	ID        int64 `json:"-"` // MessageID as a number
}

// textBytes is the size that counts against a message's text limit.
func (c *MessageContent) textBytes() int {
	return len(c.Message)
}

// validate checks content a user sends (or edits to) against the type's
// rules and the app's spec.
func (c *MessageContent) validate(spec Spec) error {
	if err := c.validatePart("message", spec, false); err != nil {
		return err
	}
	if err := checkText("message.extendedData", c.ExtendedData, -1); err != nil {
		return err
	}
	if len(c.ExtendedData) > MaxExtendedDataBytes {
		return invalidf("message.extendedData", "extendedData must be at most %d bytes", MaxExtendedDataBytes)
	}
	if len(c.MentionedUserIDs) > MaxMentions {
		return invalidf("message.mentionedUserIDs", "a message mentions at most %d users, got %d", MaxMentions, len(c.MentionedUserIDs))
	}
	for _, id := range c.MentionedUserIDs {
		if err := checkRef("message.mentionedUserIDs", id); err != nil {
			return err
		}
	}
	return nil
}

// validatePart checks one content object; items of a multiple message are
// parts too, but cannot nest.
func (c *MessageContent) validatePart(field string, spec Spec, item bool) error {
	if err := checkText(field+".message", c.Message, -1); err != nil {
		return err
	}
	media := c.FileDownloadURL != "" || c.FileName != "" || c.FileSize != 0 || c.MimeType != "" ||
		c.ThumbnailDownloadURL != "" || c.ImageWidth != 0 || c.ImageHeight != 0 || c.AudioDuration != 0 || c.VideoDuration != 0
	noMedia := func() error {
		if media {
			return invalidf(field, "media fields do not belong to a message of type %d", c.Type)
		}
		return nil
	}
	if c.Type != MessageCustom && (c.SubType != 0 || c.SearchedContent != "") {
		return invalidf(field+".subType", "subType and searchedContent belong to custom messages (type 200)")
	}
	if c.Type != MessageMultiple && len(c.Items) > 0 {
		return invalidf(field+".items", "items belong to multiple messages (type 10)")
	}
	switch c.Type {
	case MessageText:
		if c.Message == "" {
			return invalidf(field+".message", "a text message must not be empty")
		}
		if n := c.textBytes(); n > spec.TextMessageMaxBytes {
			return invalidf(field+".message", "text is %d bytes; the limit is %d", n, spec.TextMessageMaxBytes)
		}
		return noMedia()
	case MessageCommand:
		if item {
			return invalidf(field+".type", "a command cannot be an item of a multiple message")
		}
		if c.Message == "" || len(c.Message) > MaxCommandBytes {
			return invalidf(field+".message", "a command carries 1 to %d bytes", MaxCommandBytes)
		}
		return noMedia()
	case MessageCustom:
		if c.Message == "" {
			return invalidf(field+".message", "a custom message must carry a payload")
		}
		if len(c.Message) > spec.TextMessageMaxBytes {
			return invalidf(field+".message", "custom payload is %d bytes; the limit is %d", len(c.Message), spec.TextMessageMaxBytes)
		}
		if c.SubType < 0 || c.SubType > MaxCustomSubType {
			return invalidf(field+".subType", "subType must be 0 to %d, got %d", MaxCustomSubType, c.SubType)
		}
		if err := checkLine(field+".searchedContent", c.SearchedContent, -1); err != nil {
			return err
		}
		if len(c.SearchedContent) > MaxSearchedContent {
			return invalidf(field+".searchedContent", "searchedContent must be at most %d bytes", MaxSearchedContent)
		}
		return noMedia()
	case MessageImage, MessageFile, MessageAudio, MessageVideo:
		return c.validateMedia(field)
	case MessageMultiple:
		if item {
			return invalidf(field+".type", "multiple messages cannot nest")
		}
		if c.Message != "" || media {
			return invalidf(field, "a multiple message carries its content in items")
		}
		return c.validateItems(field, spec)
	case MessageRevoked, MessageTips:
		return invalidf(field+".type", "type %d is made by the server and cannot be sent", c.Type)
	}
	return invalidf(field+".type", "unknown message type %d; see the API reference for the types", c.Type)
}

func (c *MessageContent) validateMedia(field string) error {
	if c.Message != "" {
		return invalidf(field+".message", "a media message has no text; use a multiple message for text with media")
	}
	if c.FileDownloadURL == "" {
		return invalidf(field+".fileDownloadUrl", "a media message needs fileDownloadUrl")
	}
	for _, f := range []struct{ name, v string }{{"fileDownloadUrl", c.FileDownloadURL}, {"thumbnailDownloadUrl", c.ThumbnailDownloadURL}} {
		if err := checkLine(field+"."+f.name, f.v, MaxURLChars); err != nil {
			return err
		}
	}
	if err := checkLine(field+".fileName", c.FileName, MaxFileNameChars); err != nil {
		return err
	}
	if err := checkLine(field+".mimeType", c.MimeType, 127); err != nil {
		return err
	}
	if c.FileSize < 0 || c.ImageWidth < 0 || c.ImageHeight < 0 || c.AudioDuration < 0 || c.VideoDuration < 0 {
		return invalidf(field, "sizes, dimensions and durations must not be negative")
	}
	if c.Type != MessageImage && (c.ImageWidth != 0 || c.ImageHeight != 0) {
		return invalidf(field+".imageWidth", "imageWidth and imageHeight belong to images")
	}
	if c.Type != MessageAudio && c.AudioDuration != 0 {
		return invalidf(field+".audioDuration", "audioDuration belongs to audio messages")
	}
	if c.Type != MessageVideo && c.VideoDuration != 0 {
		return invalidf(field+".videoDuration", "videoDuration belongs to video messages")
	}
	return nil
}

func (c *MessageContent) validateItems(field string, spec Spec) error {
	if len(c.Items) == 0 || len(c.Items) > MaxMultipleItems {
		return invalidf(field+".items", "a multiple message has 1 to %d items, got %d", MaxMultipleItems, len(c.Items))
	}
	count := map[MessageType]int{}
	total := 0
	for i := range c.Items {
		it := &c.Items[i]
		if err := it.validatePart(field+".items", spec, true); err != nil {
			return err
		}
		if it.ExtendedData != "" || len(it.MentionedUserIDs) > 0 || it.IsMentionAll {
			return invalidf(field+".items", "extendedData and mentions belong to the message, not its items")
		}
		count[it.Type]++
		total += len(it.Message)
	}
	switch {
	case count[MessageImage]+count[MessageVideo] > MaxMultipleMedia:
		return invalidf(field+".items", "a multiple message holds at most %d images and videos", MaxMultipleMedia)
	case count[MessageFile] > 1, count[MessageAudio] > 1, count[MessageVideo] > 1, count[MessageCustom] > 1:
		return invalidf(field+".items", "a multiple message holds at most one file, one audio, one video and one custom item")
	case total > spec.TextMessageMaxBytes:
		return invalidf(field+".items", "the items' text is %d bytes; the limit is %d", total, spec.TextMessageMaxBytes)
	}
	return nil
}

// editable reports whether a message of type t may be edited.
func editable(t MessageType) bool {
	return t == MessageText || t == MessageCustom || t == MessageMultiple
}

// SendMessageRequest is the body of sendMessage. A ClientMessageID repeated
// by the same sender in the same channel returns the first message instead
// of sending again.
type SendMessageRequest struct {
	CommunityID     string         `json:"communityID"`
	ChannelID       string         `json:"channelID"`
	Message         MessageContent `json:"message"`
	ClientMessageID string         `json:"clientMessageID,omitempty"`
}

// ReplyMessageRequest is the body of replyMessage: a message answering the
// message ToMessageSeq of the same channel.
type ReplyMessageRequest struct {
	CommunityID     string         `json:"communityID"`
	ChannelID       string         `json:"channelID"`
	ToMessageSeq    int64          `json:"toMessageSeq"`
	Message         MessageContent `json:"message"`
	ClientMessageID string         `json:"clientMessageID,omitempty"`
}

// MessageResult carries one message.
type MessageResult struct {
	Message Message `json:"message"`
}

// QueryHistoryMessageRequest is the body of queryHistoryMessage. Without
// Reverse it returns the Count messages before NextMessageSeq (0: the
// newest); with Reverse, the Count messages after it (0: the oldest).
type QueryHistoryMessageRequest struct {
	CommunityID    string `json:"communityID"`
	ChannelID      string `json:"channelID"`
	NextMessageSeq int64  `json:"nextMessageSeq,omitempty"`
	Count          int    `json:"count,omitempty"`
	Reverse        bool   `json:"reverse,omitempty"`
}

// QueryHistoryMessageResult is one page of history, oldest first.
// NextMessageSeq continues in the same direction; 0 means no more.
type QueryHistoryMessageResult struct {
	CommunityID    string    `json:"communityID"`
	ChannelID      string    `json:"channelID"`
	MessageList    []Message `json:"messageList"`
	NextMessageSeq int64     `json:"nextMessageSeq"`
}

// QueryMessagesRequest is the body of queryMessages.
type QueryMessagesRequest struct {
	CommunityID string  `json:"communityID"`
	ChannelID   string  `json:"channelID"`
	MessageSeqs []int64 `json:"messageSeqs"`
}

// MessageListResult carries messages of one channel, oldest first.
type MessageListResult struct {
	CommunityID string    `json:"communityID"`
	ChannelID   string    `json:"channelID"`
	MessageList []Message `json:"messageList"`
}

// MessageRequest names one message; it is the body of revokeMessage.
type MessageRequest struct {
	CommunityID string `json:"communityID"`
	ChannelID   string `json:"channelID"`
	MessageSeq  int64  `json:"messageSeq"`
}

// EditMessageRequest is the body of editMessage.
type EditMessageRequest struct {
	CommunityID string         `json:"communityID"`
	ChannelID   string         `json:"channelID"`
	MessageSeq  int64          `json:"messageSeq"`
	Message     MessageContent `json:"message"`
}

// DeleteMessagesRequest is the body of deleteMessages: the messages
// disappear for the caller only.
type DeleteMessagesRequest struct {
	CommunityID string  `json:"communityID"`
	ChannelID   string  `json:"channelID"`
	MessageSeqs []int64 `json:"messageSeqs"`
}

// DeleteMessagesResult is the result of deleteMessages.
type DeleteMessagesResult struct {
	CommunityID string  `json:"communityID"`
	ChannelID   string  `json:"channelID"`
	MessageSeqs []int64 `json:"messageSeqs"`
}

// MessageReactionRequest is the body of addMessageReaction and
// deleteMessageReaction.
type MessageReactionRequest struct {
	CommunityID  string `json:"communityID"`
	ChannelID    string `json:"channelID"`
	MessageSeq   int64  `json:"messageSeq"`
	ReactionType string `json:"reactionType"`
}

// MessageReactionResult reports a message's reactions after a change.
type MessageReactionResult struct {
	CommunityID string     `json:"communityID"`
	ChannelID   string     `json:"channelID"`
	MessageSeq  int64      `json:"messageSeq"`
	Reactions   []Reaction `json:"reactions"`
}

// QueryMessageReactionUserListRequest is the body of
// queryMessageReactionUserList.
type QueryMessageReactionUserListRequest struct {
	CommunityID  string `json:"communityID"`
	ChannelID    string `json:"channelID"`
	MessageSeq   int64  `json:"messageSeq"`
	ReactionType string `json:"reactionType"`
	PageRequest
}

// QueryMessageReactionUserListResult is one page of the users who reacted,
// in the order they did.
type QueryMessageReactionUserListResult struct {
	CommunityID  string     `json:"communityID"`
	ChannelID    string     `json:"channelID"`
	MessageSeq   int64      `json:"messageSeq"`
	ReactionType string     `json:"reactionType"`
	TotalCount   int64      `json:"totalCount"`
	UserList     []UserInfo `json:"userList"`
	NextFlag     string     `json:"nextFlag"`
}

// QueryMessageRepliedListRequest is the body of queryMessageRepliedList:
// the replies of the tree that MessageSeq belongs to.
type QueryMessageRepliedListRequest struct {
	CommunityID string `json:"communityID"`
	ChannelID   string `json:"channelID"`
	MessageSeq  int64  `json:"messageSeq"`
	PageRequest
}

// QueryMessageRepliedListResult is one page of a reply tree, oldest first,
// with the root message.
type QueryMessageRepliedListResult struct {
	CommunityID string    `json:"communityID"`
	ChannelID   string    `json:"channelID"`
	RootMessage Message   `json:"rootMessage"`
	MessageList []Message `json:"messageList"`
	NextFlag    string    `json:"nextFlag"`
}
