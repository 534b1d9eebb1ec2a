package plaza

// App is a tenant: an application whose users use Plaza.
type App struct {
	AppID            string `json:"appID"`
	Name             string `json:"name"`
	CommunityEnabled bool   `json:"communityEnabled"`
	Spec             Spec   `json:"spec"`
	// Secrets are the app's server secrets, newest first. Only the operator
	// API shows them.
	Secrets   []Secret      `json:"serverSecrets"`
	Webhook   WebhookConfig `json:"webhook"`
	CreatedAt int64         `json:"createdAt"`
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

// signingSecret returns the secret to sign new tokens with: the current one
// (which does not expire), or else the newest still valid at now.
func (a *App) signingSecret(now int64) (string, bool) {
	best := -1
	for i, s := range a.Secrets {
		switch {
		case s.ExpiresAt != 0 && now >= s.ExpiresAt:
			continue
		case best < 0,
			s.ExpiresAt == 0 && a.Secrets[best].ExpiresAt != 0,
			(s.ExpiresAt == 0) == (a.Secrets[best].ExpiresAt == 0) && s.CreatedAt > a.Secrets[best].CreatedAt:
			best = i
		}
	}
	if best < 0 {
		return "", false
	}
	return a.Secrets[best].Secret, true
}
