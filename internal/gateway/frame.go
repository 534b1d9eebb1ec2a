package gateway

import (
	"encoding/json"
	"strconv"

	"github.com/plazahq/plaza"
)

// ProtocolVersion is the gateway protocol this server speaks.
const ProtocolVersion = 1

// Opcodes of gateway frames.
const (
	OpHello        = "hello"
	OpIdentify     = "identify"
	OpReady        = "ready"
	OpHeartbeat    = "heartbeat"
	OpHeartbeatAck = "heartbeatAck"
	OpRequest      = "request"
	OpReply        = "reply"
	OpDispatch     = "dispatch"
	OpError        = "error"
	OpResume       = "resume"
	OpResumed      = "resumed"
	OpResync       = "resync"
)

// Close codes. 1000–1011 are the WebSocket standard's; 4000–4999 are this
// protocol's (docs/gateway.md lists them with what a client should do).
const (
	CloseNormal          = 1000
	CloseGoingAway       = 1001 // the server is shutting down: reconnect elsewhere or later
	CloseUnsupportedData = 1003 // a binary frame
	CloseTooBig          = 1009 // a frame larger than the limit
	CloseUnknownError    = 4000
	CloseDecodeError     = 4001 // a frame that is not a valid protocol frame
	CloseNotIdentified   = 4002 // no identify in time, or another frame before it
	CloseAuthFailed      = 4003 // identify's token is invalid
	CloseAlreadyIdent    = 4004 // a second identify
	CloseHeartbeatMissed = 4005 // no heartbeat within the deadline
	CloseQueueOverflow   = 4006 // the client reads too slowly; reconnect
	CloseBadVersion      = 4007 // unsupported protocol version
	CloseRateLimited     = 4008 // far beyond the request rate limit
	CloseTokenExpired    = 4009 // the token expired and was not renewed
	CloseSecretRetired   = 4010 // the app secret that signed the token was retired
	CloseSessionLimit    = 4011 // the user opened more sessions than allowed; this, the oldest, ended
)

// Frame is a gateway frame as it travels: {"op","t","s","id","d","error"}.
type Frame struct {
	Op    string          `json:"op"`
	T     string          `json:"t,omitempty"`
	S     int64           `json:"s,omitempty"`
	ID    string          `json:"id,omitempty"`
	D     json.RawMessage `json:"d,omitempty"`
	Error *plaza.Error    `json:"error,omitempty"`
}

// Hello is the payload of the first frame the server sends.
type Hello struct {
	HeartbeatInterval int64 `json:"heartbeatInterval"` // milliseconds
	ProtocolVersion   int   `json:"protocolVersion"`
}

// Heartbeat is the optional payload of the client's heartbeat frame: the
// last dispatch sequence number it received. The session then keeps no
// dispatch up to it for a resume, which keeps an idle session small.
type Heartbeat struct {
	Seq int64 `json:"seq"`
}

// Identify is the payload of the client's identify frame.
type Identify struct {
	Token           string `json:"token"`
	ProtocolVersion int    `json:"protocolVersion,omitempty"`
}

// Ready is the payload of the frame that ends a successful identify.
type Ready struct {
	SessionID         string `json:"sessionID"`
	AppID             string `json:"appID"`
	UserID            string `json:"userID"`
	ProtocolVersion   int    `json:"protocolVersion"`
	HeartbeatInterval int64  `json:"heartbeatInterval"`
	TokenExpiresAt    int64  `json:"tokenExpiresAt"` // Unix milliseconds
	// PassiveThreshold is the member count from which a community's events
	// reach a session in full only while it marks the community active.
	PassiveThreshold int `json:"passiveThreshold"`
	// ResumeWindow is how long, in milliseconds, the session can be resumed
	// after its connection drops.
	ResumeWindow  int64             `json:"resumeWindow"`
	CommunityList []plaza.Community `json:"communityList"`
}

// Resume is the payload of the client's resume frame: the session it had,
// the last sequence number it received, and a valid token for the same user.
type Resume struct {
	SessionID string `json:"sessionID"`
	Seq       int64  `json:"seq"`
	Token     string `json:"token"`
}

// Resumed says a resume succeeded; the missed dispatches follow it.
type Resumed struct {
	SessionID string `json:"sessionID"`
	// Seq is the session's latest sequence number: the replay ends with it.
	Seq int64 `json:"seq"`
}

// Resync says a resume could not be honoured; a new session's ready follows
// it. Events may have been missed: the client re-reads what it shows.
type Resync struct {
	Reason string `json:"reason"`
	// What the refused resume authenticated, for the new session.
	token   string
	actor   plaza.Actor
	claims  plaza.TokenClaims
	secrets string
}

// SetActiveCommunities is the body and result of the setActiveCommunities
// request: the communities whose every event the session wants, however
// large they are.
type SetActiveCommunities struct {
	CommunityIDs []string `json:"communityIDs"`
}

// Head is a channel's newest message, as passive sessions learn of it.
type Head struct {
	ChannelID      string `json:"channelID"`
	LastMessageSeq int64  `json:"lastMessageSeq"`
	// ParentChannelID is set for a thread: its followers use the head, the
	// others may ignore it.
	ParentChannelID string `json:"parentChannelID,omitempty"`
	Private         bool   `json:"-"`
	ParentPrivate   bool   `json:"-"`
}

// visibleTo reports whether a member sees the head's channel (and, for a
// thread, its parent).
func (hd *Head) visibleTo(m *membership) bool {
	return m.sees(hd.ChannelID, hd.Private) && (hd.ParentChannelID == "" || m.sees(hd.ParentChannelID, hd.ParentPrivate))
}

// ChannelHeadsUpdated is the payload of channelHeadsUpdated: the channels of
// a large community that got messages since the last such event.
type ChannelHeadsUpdated struct {
	CommunityID string `json:"communityID"`
	Heads       []Head `json:"heads"`
}

// RenewToken is the body of the renewToken request, which replaces the
// session's token without reconnecting.
type RenewToken struct {
	Token string `json:"token"`
}

// RenewTokenResult is the result of renewToken.
type RenewTokenResult struct {
	TokenExpiresAt int64 `json:"tokenExpiresAt"`
}

// TokenWillExpire is the payload of the tokenWillExpire event.
type TokenWillExpire struct {
	SecondsRemaining int64 `json:"secondsRemaining"`
}

// KickedOut is the payload of the kickedOut event, sent before the server
// ends a session for good.
type KickedOut struct {
	Reason *plaza.Error `json:"reason"`
}

// Connection events, dispatched by the gateway itself.
const (
	EventTokenWillExpire     = "tokenWillExpire"
	EventKickedOut           = "kickedOut"
	EventChannelHeadsUpdated = "channelHeadsUpdated"
)

// dispatch is one event encoded once for every session that receives it:
// a session's frame is head + its sequence number + tail.
type dispatch struct {
	head []byte // {"op":"dispatch","t":"<name>","s":
	tail []byte // ,"d":<data>}
}

func newDispatch(name string, data []byte) *dispatch {
	head := make([]byte, 0, 40+len(name))
	head = append(head, `{"op":"dispatch","t":`...)
	head = strconv.AppendQuote(head, name)
	head = append(head, `,"s":`...)
	tail := make([]byte, 0, len(data)+7)
	tail = append(tail, `,"d":`...)
	tail = append(tail, data...)
	tail = append(tail, '}')
	return &dispatch{head: head, tail: tail}
}

// encodeFrame encodes a frame the session sends only once (hello, replies).
func encodeFrame(f Frame) []byte {
	b, err := json.Marshal(f)
	if err != nil {
		panic("gateway: frame not encodable: " + err.Error()) // payloads are our own types
	}
	return b
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("gateway: payload not encodable: " + err.Error())
	}
	return b
}
