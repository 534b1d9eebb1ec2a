package plaza

import "time"

// ApplicationTTL is how long a join application waits for an answer before it
// expires.
const ApplicationTTL = 7 * 24 * time.Hour

// ApplicationState is the state of a join application.
type ApplicationState int

// Application states, numbered as the reference's group applications.
const (
	ApplicationWaiting  ApplicationState = 1
	ApplicationAccepted ApplicationState = 2
	ApplicationRejected ApplicationState = 3
	ApplicationExpired  ApplicationState = 4
)

// Application is a user's request to join a community that requires approval.
type Application struct {
	CommunityID   string `json:"communityID"`
	CommunityName string `json:"communityName"`
	// The applicant.
	UserInfo
	Wording        string           `json:"wording"`
	State          ApplicationState `json:"state"`
	CreateTime     int64            `json:"createTime"`
	UpdateTime     int64            `json:"updateTime"`
	OperatedUserID string           `json:"operatedUserID,omitempty"`

	PK          int64 `json:"-"`
	CommunityPK int64 `json:"-"`
	UserPK      int64 `json:"-"`
}

// expireAt turns a waiting application older than ApplicationTTL into an
// expired one, as seen at now (Unix ms).
func (a *Application) expireAt(now int64) {
	if a.State == ApplicationWaiting && now-a.CreateTime >= ApplicationTTL.Milliseconds() {
		a.State = ApplicationExpired
		a.UpdateTime = a.CreateTime + ApplicationTTL.Milliseconds()
	}
}

// SendCommunityJoinApplicationRequest is the body of
// sendCommunityJoinApplication.
type SendCommunityJoinApplicationRequest struct {
	CommunityID string `json:"communityID"`
	Wording     string `json:"wording,omitempty"`
}

// SendCommunityJoinApplicationResult is the result of
// sendCommunityJoinApplication. In a community whose join mode is "any" the
// caller joins at once: Joined is true and CommunityInfo is set. Otherwise
// Application is the waiting application.
type SendCommunityJoinApplicationResult struct {
	CommunityID   string         `json:"communityID"`
	Joined        bool           `json:"joined"`
	CommunityInfo *CommunityInfo `json:"communityInfo,omitempty"`
	Application   *Application   `json:"application,omitempty"`
}

// CommunityApplicationRequest names one applicant of one community; it is the
// body of acceptCommunityJoinApplication and rejectCommunityJoinApplication.
type CommunityApplicationRequest struct {
	CommunityID string `json:"communityID"`
	UserID      string `json:"userID"`
}

// CommunityApplicationResult is the result of accepting or rejecting an
// application.
type CommunityApplicationResult struct {
	CommunityID string      `json:"communityID"`
	Application Application `json:"application"`
}

// QueryCommunityApplicationListRequest is the body of
// queryCommunityApplicationList.
type QueryCommunityApplicationListRequest struct {
	CommunityID string `json:"communityID"`
	PageRequest
}

// QueryCommunityApplicationListResult is one page of a community's
// applications, newest first.
type QueryCommunityApplicationListResult struct {
	CommunityID     string        `json:"communityID"`
	ApplicationList []Application `json:"applicationList"`
	NextFlag        string        `json:"nextFlag"`
}

// QueryCommunitySelfApplicationListRequest is the body of
// queryCommunitySelfApplicationList.
type QueryCommunitySelfApplicationListRequest struct {
	PageRequest
}

// QueryCommunitySelfApplicationListResult is one page of the caller's own
// applications across communities, newest first.
type QueryCommunitySelfApplicationListResult struct {
	ApplicationList []Application `json:"applicationList"`
	NextFlag        string        `json:"nextFlag"`
}
