package plaza

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Code is a stable, machine-readable error code. Each code has a numeric
// counterpart: the reference product's code where one exists, otherwise a
// Plaza code from the 7000000 range.
type Code string

// Error codes. The numeric code of each is in codeNumbers; the HTTP status is
// chosen by the transport (internal/httpapi), never here.
const (
	EInvalidArgument    Code = "invalid_argument"
	ERateLimited        Code = "rate_limited"
	EFeatureNotActive   Code = "feature_not_activated"
	ETokenInvalid       Code = "token_invalid"
	ETokenExpired       Code = "token_expired"
	EInternal           Code = "internal"
	EUserNotFound       Code = "user_not_found"
	ECommunityExists    Code = "community_exists"
	ECommunityNotFound  Code = "community_not_found"
	ENotMember          Code = "not_community_member"
	EAlreadyMember      Code = "already_community_member"
	EPermissionDenied   Code = "permission_denied"
	EAttributeCount     Code = "attribute_count_limit"
	EAttributeKey       Code = "attribute_key_too_long"
	EAttributeValue     Code = "attribute_value_too_long"
	ECommunityDismissed Code = "community_id_dismissed"
	ECommunityLimit     Code = "community_count_limit"
	EOwnerCannotLeave   Code = "owner_cannot_leave"
	EMemberLimit        Code = "member_count_limit"
	ECannotKickSelf     Code = "cannot_kick_self"
	ERoleNotLower       Code = "role_not_lower"
	EInviteesNotFound   Code = "invitees_not_found"
	EOwnerOnly          Code = "owner_only"
	ECannotSetOwner     Code = "cannot_set_owner_role"
	ECannotChangeOwn    Code = "cannot_change_own_role"
	EChannelExists      Code = "channel_exists"
	EChannelNotFound    Code = "channel_not_found"
	EChannelDismissed   Code = "channel_id_dismissed"
	EChannelLimit       Code = "channel_count_limit"
	EGeneralChannel     Code = "general_channel_undismissable"
	EChannelNotInComm   Code = "channel_not_in_community"
	EMutedNotInChannel  Code = "muted_member_not_in_channel"
	ERevokeWindow       Code = "revoke_window_passed"
	EEditNotAllowed     Code = "edit_not_allowed"
	EEditWindow         Code = "edit_window_passed"
	EMessageRevoked     Code = "message_already_revoked"

	// Plaza's own codes.
	ENotFound           Code = "not_found"
	EMethodNotAllowed   Code = "method_not_allowed"
	EPayloadTooLarge    Code = "payload_too_large"
	EUnknownOperation   Code = "unknown_operation"
	EUnavailable        Code = "unavailable"
	EJoinForbidden      Code = "join_forbidden"
	EJoinNeedsApproval  Code = "join_needs_approval"
	EApplicationMissing Code = "application_not_found"
	EApplicationPending Code = "application_pending"
	EAppNotFound        Code = "app_not_found"
	EMessageNotFound    Code = "message_not_found"
	EReactionNotAllowed Code = "reaction_not_allowed"
	EAlreadyInChannel   Code = "already_channel_member"
	ENotInChannel       Code = "not_channel_member"
	EMemberMuted        Code = "member_muted"
	EChannelMuted       Code = "channel_muted"
	ECommunityMuted     Code = "community_muted"
	EPinnedLimit        Code = "pinned_limit"
	EAppExists          Code = "app_exists"
	EOperatorKey        Code = "operator_key_invalid"
	ESignatureInvalid   Code = "signature_invalid"
	ESignatureExpired   Code = "signature_expired"
	ENonceReused        Code = "nonce_reused"
	EQuotaExhausted     Code = "quota_exhausted"
	EMessageRejected    Code = "message_rejected"
	EHookUnavailable    Code = "hook_unavailable"
	EOriginNotAllowed   Code = "origin_not_allowed"
	EThreadNesting      Code = "thread_nesting"
	EThreadExists       Code = "thread_exists"
	EThreadArchived     Code = "thread_archived"
	EThreadLocked       Code = "thread_locked"
	EThreadLimit        Code = "thread_limit"
	EThreadMemberLimit  Code = "thread_member_limit"
	ENotThreadMember    Code = "not_thread_member"
	EAlreadyInThread    Code = "already_thread_member"
)

// codeNumbers maps each code to its numeric form. Codes from 7000000 up are
// Plaza's own and are listed in the API reference.
var codeNumbers = map[Code]int{
	EInvalidArgument:    6000001,
	ERateLimited:        6000005,
	EInternal:           6000007,
	EUserNotFound:       6000011,
	EFeatureNotActive:   6000014,
	ETokenInvalid:       6000103,
	ETokenExpired:       6000106,
	ERevokeWindow:       6000278,
	EEditNotAllowed:     6000285,
	EEditWindow:         6000286,
	EMessageRevoked:     6000279,
	ECommunityExists:    6001003,
	ECommunityNotFound:  6001004,
	ENotMember:          6001005,
	EAlreadyMember:      6001006,
	EPermissionDenied:   6001007,
	EAttributeCount:     6001008,
	EAttributeKey:       6001009,
	EAttributeValue:     6001010,
	ECommunityDismissed: 6001011,
	ECommunityLimit:     6001012,
	EOwnerCannotLeave:   6001031,
	EMemberLimit:        6001032,
	ECannotKickSelf:     6001033,
	ERoleNotLower:       6001035,
	EInviteesNotFound:   6001036,
	EOwnerOnly:          6001037,
	ECannotSetOwner:     6001038,
	ECannotChangeOwn:    6001039,
	EChannelExists:      6001061,
	EChannelNotFound:    6001062,
	EChannelDismissed:   6001063,
	EChannelLimit:       6001064,
	EGeneralChannel:     6001065,
	EChannelNotInComm:   6001066,
	EMutedNotInChannel:  6001067,

	ENotFound:           7000001,
	EMethodNotAllowed:   7000002,
	EPayloadTooLarge:    7000003,
	EUnknownOperation:   7000005,
	EUnavailable:        7000006,
	EOriginNotAllowed:   7000007,
	EJoinForbidden:      7001001,
	EJoinNeedsApproval:  7001002,
	EApplicationMissing: 7001003,
	EApplicationPending: 7001004,
	EAppNotFound:        7002001,
	EMessageNotFound:    7003001,
	EReactionNotAllowed: 7003002,
	EAlreadyInChannel:   7004001,
	ENotInChannel:       7004002,
	EMemberMuted:        7005001,
	EChannelMuted:       7005002,
	ECommunityMuted:     7005003,
	EPinnedLimit:        6000604,
	EAppExists:          7002002,
	EOperatorKey:        7006001,
	ESignatureInvalid:   7006002,
	ESignatureExpired:   7006003,
	ENonceReused:        7006004,
	EQuotaExhausted:     7006005,
	EMessageRejected:    7006006,
	EHookUnavailable:    7006007,
	EThreadNesting:      7007001,
	EThreadExists:       7007002,
	EThreadArchived:     7007003,
	EThreadLocked:       7007004,
	EThreadLimit:        7007005,
	EThreadMemberLimit:  7007006,
	ENotThreadMember:    7007007,
	EAlreadyInThread:    7007008,
}

// Number returns the numeric form of c, or the internal error's number for an
// unknown code.
func (c Code) Number() int {
	if n, ok := codeNumbers[c]; ok {
		return n
	}
	return codeNumbers[EInternal]
}

// Codes returns every defined code with its number, for documentation and tests.
func Codes() map[Code]int {
	m := make(map[Code]int, len(codeNumbers))
	for c, n := range codeNumbers {
		m[c] = n
	}
	return m
}

// Error is a use-case failure that a client can act on. Its Message is safe to
// show to the caller; internal detail never goes into it.
type Error struct {
	Code    Code
	Message string
	// Field names the request field at fault, when one is.
	Field string
	// Until is a Unix millisecond time after which the failure no longer applies
	// (a mute's expiry), or 0; -1 means never.
	Until int64
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (field %s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an *Error blaming one request field.
func FieldErrorf(code Code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// invalidf is the common invalid-argument error naming a field.
func invalidf(field, format string, args ...any) *Error {
	return FieldErrorf(EInvalidArgument, field, format, args...)
}

// ErrorCode returns the code of err if it is, or wraps, an *Error, and
// EInternal otherwise.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// AsError returns err as an *Error; any other error becomes an internal error
// whose message reveals nothing.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: EInternal, Message: "internal error"}
}

// ErrNotFound is returned by a Store when a row does not exist. The service
// turns it into the specific not-found code of the use case.
var ErrNotFound = errors.New("plaza: not found")

// ErrConflict is returned by a Store when a unique key already exists.
var ErrConflict = errors.New("plaza: conflict")

// errorJSON is the wire form of an Error (SPEC §9).
type errorJSON struct {
	Code    Code   `json:"code"`
	ZIMCode int    `json:"zimCode"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	Until   int64  `json:"until,omitempty"`
}

// MarshalJSON encodes e as the SPEC §9 error object.
func (e *Error) MarshalJSON() ([]byte, error) {
	return json.Marshal(errorJSON{Code: e.Code, ZIMCode: e.Code.Number(), Message: e.Message, Field: e.Field, Until: e.Until})
}

// UnmarshalJSON decodes the SPEC §9 error object.
func (e *Error) UnmarshalJSON(b []byte) error {
	var j errorJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*e = Error{Code: j.Code, Message: j.Message, Field: j.Field, Until: j.Until}
	return nil
}
