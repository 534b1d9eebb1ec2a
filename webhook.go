package plaza

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// WebhookConfig is where an app's backend hears about what happens in its
// communities, and the hook it may place in front of every send.
type WebhookConfig struct {
	// CallbackURL receives a signed POST for each event in Events; "" turns
	// callbacks off.
	CallbackURL string `json:"callbackURL"`
	// Secret signs every callback and hook call (Plaza-Signature).
	Secret string `json:"secret"`
	// Events are the callback events to send; empty means all of them.
	Events []string `json:"events"`
	// BeforeSendMessageURL, when set, is called before every message is
	// stored and may pass, rewrite, drop or reject it.
	BeforeSendMessageURL string `json:"beforeSendMessageURL"`
	// BeforeSendMessageTimeoutMillis bounds the hook call; 0 means
	// DefaultHookTimeoutMillis.
	BeforeSendMessageTimeoutMillis int `json:"beforeSendMessageTimeoutMillis"`
	// BeforeSendMessageFailOpen decides what a hook that times out or fails
	// means: true stores the message as sent, false refuses it with
	// hook_unavailable.
	BeforeSendMessageFailOpen bool `json:"beforeSendMessageFailOpen"`
}

// DefaultHookTimeoutMillis bounds a beforeSendMessage call unless the app
// sets its own timeout (100–10,000 ms).
const DefaultHookTimeoutMillis = 2000

// Webhook callback events.
const (
	WebhookCommunityCreated   = "communityCreated"
	WebhookCommunityDismissed = "communityDismissed"
	WebhookMemberJoined       = "memberJoined"
	WebhookMemberLeft         = "memberLeft"
	WebhookMemberKicked       = "memberKicked"
	WebhookChannelCreated     = "channelCreated"
	WebhookChannelDismissed   = "channelDismissed"
	WebhookMessageSent        = "messageSent"
	WebhookThreadCreated      = "threadCreated"
	WebhookThreadArchived     = "threadArchived"
	WebhookThreadDismissed    = "threadDismissed"
	WebhookThreadMemberJoined = "threadMemberJoined"
	WebhookThreadMemberLeft   = "threadMemberLeft"
)

// WebhookEvents lists every callback event.
var WebhookEvents = []string{
	WebhookCommunityCreated, WebhookCommunityDismissed,
	WebhookMemberJoined, WebhookMemberLeft, WebhookMemberKicked,
	WebhookChannelCreated, WebhookChannelDismissed,
	WebhookMessageSent,
	WebhookThreadCreated, WebhookThreadArchived, WebhookThreadDismissed,
	WebhookThreadMemberJoined, WebhookThreadMemberLeft,
}

// WebhookRetryDelays are the waits before each retry of a failed callback:
// after the first attempt and five retries, a delivery is given up.
var WebhookRetryDelays = []int64{2_000, 4_000, 8_000, 16_000, 32_000}

// WebhookDelivery is one callback waiting in the store's queue. Body is the
// exact JSON that is POSTed, so that every retry is the same request.
type WebhookDelivery struct {
	ID        int64  `json:"id"`
	AppID     string `json:"appID"`
	Event     string `json:"event"`
	Body      []byte `json:"-"`
	Attempts  int    `json:"attempts"`  // attempts made so far
	NextAt    int64  `json:"nextAt"`    // Unix ms of the next attempt (or the lease's end)
	CreatedAt int64  `json:"createdAt"` // Unix ms
	LastError string `json:"lastError"`
}

// WebhookSignature signs a callback or hook call: the hex HMAC-SHA256, keyed
// with the webhook secret, of "<delivery ID>.<Unix seconds>.<body>". It is
// sent as Plaza-Signature: v1=<hex>, with Plaza-Webhook-ID and
// Plaza-Timestamp.
func WebhookSignature(secret, deliveryID string, unixSeconds int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(deliveryID))
	mac.Write([]byte{'.'})
	mac.Write([]byte(strconv.FormatInt(unixSeconds, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Hook verdicts: what a beforeSendMessage hook decided.
const (
	HookPass    = "pass"    // store the message as sent
	HookRewrite = "rewrite" // store the hook's message content instead
	HookDrop    = "drop"    // store nothing; the sender is told it was sent
	HookReject  = "reject"  // refuse with message_rejected and the hook's reason
)

// HookVerdict is a beforeSendMessage hook's answer.
type HookVerdict struct {
	Action string `json:"action"`
	// Message replaces the message's content when Action is rewrite.
	Message *MessageContent `json:"message,omitempty"`
	// Reason is shown to the sender when Action is reject.
	Reason string `json:"reason,omitempty"`
}

// HookCall is what a beforeSendMessage hook is asked about.
type HookCall struct {
	AppID        string         `json:"appID"`
	CommunityID  string         `json:"communityID"`
	ChannelID    string         `json:"channelID"`
	SenderUserID string         `json:"senderUserID"`
	Message      MessageContent `json:"message"`
}

// SendHook calls an app's beforeSendMessage hook. An error (the hook timed
// out, could not be reached or answered nonsense) is decided by the app's
// BeforeSendMessageFailOpen.
type SendHook interface {
	BeforeSendMessage(ctx context.Context, cfg WebhookConfig, call HookCall) (HookVerdict, error)
}

// CommunityCallback is the data of communityCreated and communityDismissed.
type CommunityCallback struct {
	Community      CommunityInfo `json:"community"`
	OperatedUserID string        `json:"operatedUserID,omitempty"`
}

// MemberCallback is the data of memberJoined, memberLeft and memberKicked.
type MemberCallback struct {
	CommunityID    string       `json:"communityID"`
	UserIDs        []string     `json:"userIDs"`
	Action         MemberAction `json:"action"`
	OperatedUserID string       `json:"operatedUserID"`
}

// ChannelCallback is the data of channelCreated and channelDismissed.
type ChannelCallback struct {
	CommunityID    string  `json:"communityID"`
	Channel        Channel `json:"channel"`
	OperatedUserID string  `json:"operatedUserID"`
}

// MessageCallback is the data of messageSent.
type MessageCallback struct {
	CommunityID string  `json:"communityID"`
	ChannelID   string  `json:"channelID"`
	Message     Message `json:"message"`
}
