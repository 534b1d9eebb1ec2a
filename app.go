package plaza

// App is a tenant: an application whose users use Plaza.
type App struct {
	AppID            string   `json:"appID"`
	Name             string   `json:"name"`
	CommunityEnabled bool     `json:"communityEnabled"`
	Spec             Spec     `json:"spec"`
	Secrets          []Secret `json:"-"`
	CreatedAt        int64    `json:"createdAt"`
}

// Secret is one server secret of an app. An app has one current secret and,
// after a rotation, the previous one until it expires.
type Secret struct {
	Secret    string `json:"secret"`
	CreatedAt int64  `json:"createdAt"`
	ExpiresAt int64  `json:"expiresAt,omitempty"` // 0: does not expire
}

// validSecrets returns the secrets that still verify tokens at now (Unix ms).
func (a *App) validSecrets(now int64) []string {
	out := make([]string, 0, len(a.Secrets))
	for _, s := range a.Secrets {
		if s.ExpiresAt == 0 || now < s.ExpiresAt {
			out = append(out, s.Secret)
		}
	}
	return out
}
