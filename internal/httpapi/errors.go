package httpapi

import (
	"net/http"

	"github.com/plazahq/plaza"
)

// statusOf maps error codes to HTTP statuses. A code missing here answers 400
// if it is a client's mistake by construction (see Status), so adding a code
// never turns a client error into a 500.
var statusOf = map[plaza.Code]int{
	plaza.EInvalidArgument:    http.StatusBadRequest,
	plaza.EAttributeCount:     http.StatusBadRequest,
	plaza.EAttributeKey:       http.StatusBadRequest,
	plaza.EAttributeValue:     http.StatusBadRequest,
	plaza.ECannotSetOwner:     http.StatusBadRequest,
	plaza.ECannotChangeOwn:    http.StatusBadRequest,
	plaza.ECannotKickSelf:     http.StatusBadRequest,
	plaza.EMutedNotInChannel:  http.StatusBadRequest,
	plaza.ETokenInvalid:       http.StatusUnauthorized,
	plaza.ETokenExpired:       http.StatusUnauthorized,
	plaza.EPermissionDenied:   http.StatusForbidden,
	plaza.EOwnerOnly:          http.StatusForbidden,
	plaza.ERoleNotLower:       http.StatusForbidden,
	plaza.ENotMember:          http.StatusForbidden,
	plaza.EFeatureNotActive:   http.StatusForbidden,
	plaza.EJoinForbidden:      http.StatusForbidden,
	plaza.EJoinNeedsApproval:  http.StatusForbidden,
	plaza.EEditNotAllowed:     http.StatusForbidden,
	plaza.EMemberMuted:        http.StatusForbidden,
	plaza.EChannelMuted:       http.StatusForbidden,
	plaza.ECommunityMuted:     http.StatusForbidden,
	plaza.ENotFound:           http.StatusNotFound,
	plaza.EUserNotFound:       http.StatusNotFound,
	plaza.ECommunityNotFound:  http.StatusNotFound,
	plaza.EChannelNotFound:    http.StatusNotFound,
	plaza.EInviteesNotFound:   http.StatusNotFound,
	plaza.EApplicationMissing: http.StatusNotFound,
	plaza.EAppNotFound:        http.StatusNotFound,
	plaza.EChannelNotInComm:   http.StatusNotFound,
	plaza.EMessageNotFound:    http.StatusNotFound,
	plaza.ENotInChannel:       http.StatusNotFound,
	plaza.EMethodNotAllowed:   http.StatusMethodNotAllowed,
	plaza.ECommunityExists:    http.StatusConflict,
	plaza.EAlreadyMember:      http.StatusConflict,
	plaza.ECommunityDismissed: http.StatusConflict,
	plaza.ECommunityLimit:     http.StatusConflict,
	plaza.EOwnerCannotLeave:   http.StatusConflict,
	plaza.EMemberLimit:        http.StatusConflict,
	plaza.EChannelExists:      http.StatusConflict,
	plaza.EChannelDismissed:   http.StatusConflict,
	plaza.EChannelLimit:       http.StatusConflict,
	plaza.EGeneralChannel:     http.StatusConflict,
	plaza.EApplicationPending: http.StatusConflict,
	plaza.ERevokeWindow:       http.StatusConflict,
	plaza.EEditWindow:         http.StatusConflict,
	plaza.EMessageRevoked:     http.StatusConflict,
	plaza.EReactionNotAllowed: http.StatusConflict,
	plaza.EAlreadyInChannel:   http.StatusConflict,
	plaza.EPinnedLimit:        http.StatusConflict,
	plaza.EPayloadTooLarge:    http.StatusBadRequest, // bad input, as SPEC counts it; the code tells it apart
	plaza.ERateLimited:        http.StatusTooManyRequests,
	plaza.EInternal:           http.StatusInternalServerError,
	plaza.EUnavailable:        http.StatusServiceUnavailable,
	plaza.EOperatorKey:        http.StatusUnauthorized,
	plaza.ESignatureInvalid:   http.StatusUnauthorized,
	plaza.ESignatureExpired:   http.StatusUnauthorized,
	plaza.ENonceReused:        http.StatusUnauthorized,
	plaza.EQuotaExhausted:     http.StatusForbidden,
	plaza.EMessageRejected:    http.StatusForbidden,
	plaza.EHookUnavailable:    http.StatusServiceUnavailable,
	plaza.EAppExists:          http.StatusConflict,
	plaza.EOriginNotAllowed:   http.StatusForbidden,
	plaza.EThreadNesting:      http.StatusBadRequest,
	plaza.EThreadExists:       http.StatusConflict,
	plaza.EThreadArchived:     http.StatusConflict,
	plaza.EThreadLocked:       http.StatusForbidden,
	plaza.EThreadLimit:        http.StatusConflict,
	plaza.EThreadMemberLimit:  http.StatusConflict,
	plaza.ENotThreadMember:    http.StatusNotFound,
	plaza.EAlreadyInThread:    http.StatusConflict,
}

// Status returns the HTTP status for an error code.
func Status(c plaza.Code) int {
	if s, ok := statusOf[c]; ok {
		return s
	}
	return http.StatusBadRequest
}

// errorBody is the SPEC §9 envelope.
type errorBody struct {
	Error *plaza.Error `json:"error"`
}

// writeError answers with the error object. Internal errors are logged with
// the request ID; the client sees only a generic message and that ID.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	pe := plaza.AsError(err)
	if isInternal(err) {
		id, _ := r.Context().Value(requestIDKey).(string)
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "request_id", id, "err", err)
		pe = &plaza.Error{Code: plaza.EInternal, Message: "internal error; request ID " + id}
	}
	writeErrorBody(w, pe)
}

func writeErrorBody(w http.ResponseWriter, pe *plaza.Error) {
	writeJSON(w, Status(pe.Code), errorBody{Error: pe})
}
