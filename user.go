package plaza

// SystemUserID is the sender of the messages an app's backend sends through
// the server API. No user can take it: user IDs never start with '#'.
const SystemUserID = "#system"

// Actor is the authenticated caller of a use case: one user of one app.
type Actor struct {
	AppID  string
	UserID string
}

// UserInfo is a user as others see it.
type UserInfo struct {
	UserID        string `json:"userID"`
	UserName      string `json:"userName"`
	UserAvatarURL string `json:"userAvatarUrl"`
}

// User is a stored user of an app.
type User struct {
	UserInfo
	PK        int64  `json:"-"` // store key
	AppID     string `json:"-"`
	CreatedAt int64  `json:"-"`
}

// ErrorUser reports why one user of a batch call failed.
type ErrorUser struct {
	UserID string `json:"userID"`
	// Reason is the numeric error code, as the reference reports it.
	Reason int `json:"reason"`
	// Code is the stable string code of the same error.
	Code Code `json:"code"`
}

func errorUser(userID string, code Code) ErrorUser {
	return ErrorUser{UserID: userID, Reason: code.Number(), Code: code}
}

// UpdateUserNameRequest is the body of updateUserName.
type UpdateUserNameRequest struct {
	UserName string `json:"userName"`
}

// UpdateUserNameResult is the result of updateUserName.
type UpdateUserNameResult struct {
	UserName string `json:"userName"`
}

// UpdateUserAvatarURLRequest is the body of updateUserAvatarUrl.
type UpdateUserAvatarURLRequest struct {
	UserAvatarURL string `json:"userAvatarUrl"`
}

// UpdateUserAvatarURLResult is the result of updateUserAvatarUrl.
type UpdateUserAvatarURLResult struct {
	UserAvatarURL string `json:"userAvatarUrl"`
}

// QueryUsersInfoRequest is the body of queryUsersInfo.
type QueryUsersInfoRequest struct {
	UserIDs []string `json:"userIDs"`
}

// QueryUsersInfoResult is the result of queryUsersInfo. A user who does not
// exist, or who shares no community with the caller, is in ErrorUserList.
type QueryUsersInfoResult struct {
	UserList      []UserInfo  `json:"userList"`
	ErrorUserList []ErrorUser `json:"errorUserList"`
}
