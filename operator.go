package plaza

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"
)

// The operator's use cases: whoever runs Plaza manages its apps (SPEC §1–2).
// The operator API and `plaza admin` reach them through OperatorOperations.

// AppRequest names one app.
type AppRequest struct {
	AppID string `json:"appID"`
}

// ListAppsRequest is the body of listApps. NextFlag is the last app ID of the
// previous page.
type ListAppsRequest struct {
	Count    int    `json:"count,omitempty"`
	NextFlag string `json:"nextFlag,omitempty"`
}

// AppListResult is a page of apps.
type AppListResult struct {
	AppList  []App  `json:"appList"`
	NextFlag string `json:"nextFlag"`
}

// RotateAppSecretRequest is the body of rotateAppSecret.
type RotateAppSecretRequest struct {
	AppID string `json:"appID"`
	// GraceSeconds is how long the secrets in use keep verifying tokens and
	// signatures: 0 to 2,592,000 (30 days); nil means DefaultSecretGrace.
	GraceSeconds *int64 `json:"graceSeconds,omitempty"`
}

// DefaultSecretGrace is how long a rotated-out server secret keeps working.
const DefaultSecretGrace = 24 * time.Hour

// maxSecretGraceSeconds bounds the grace period of a rotation.
const maxSecretGraceSeconds = 30 * 24 * 3600

// SetAppCommunityEnabledRequest is the body of setAppCommunityEnabled.
type SetAppCommunityEnabledRequest struct {
	AppID            string `json:"appID"`
	CommunityEnabled *bool  `json:"communityEnabled"`
}

// SetAppSpecRequest is the body of setAppSpec: the limits to change, by
// their spec field names; the others keep their values.
type SetAppSpecRequest struct {
	AppID string          `json:"appID"`
	Spec  json.RawMessage `json:"spec"`
}

// SetAppWebhookRequest is the body of setAppWebhook.
type SetAppWebhookRequest struct {
	AppID   string        `json:"appID"`
	Webhook WebhookConfig `json:"webhook"`
}

// QueryAppUsageRequest is the body of queryAppUsage. An empty Month means
// the current one.
type QueryAppUsageRequest struct {
	AppID string `json:"appID"`
	Month string `json:"month,omitempty"`
}

// maxAppsPage bounds a page of listApps.
const maxAppsPage = 1000

// ListApps lists the apps by app ID.
func (s *Service) ListApps(ctx context.Context, req ListAppsRequest) (AppListResult, error) {
	n := req.Count
	switch {
	case n == 0:
		n = 100
	case n < 0 || n > maxAppsPage:
		return AppListResult{}, invalidf("count", "count must be between 1 and %d, got %d", maxAppsPage, req.Count)
	}
	if req.NextFlag != "" {
		if err := checkRef("nextFlag", req.NextFlag); err != nil {
			return AppListResult{}, err
		}
	}
	apps, err := s.store.Apps(ctx, req.NextFlag, n+1)
	if err != nil {
		return AppListResult{}, fmt.Errorf("list apps: %w", err)
	}
	res := AppListResult{AppList: apps}
	if len(apps) > n {
		res.AppList = apps[:n]
		res.NextFlag = apps[n-1].AppID
	}
	return res, nil
}

// QueryApp returns an app with its secrets and webhook configuration.
func (s *Service) QueryApp(ctx context.Context, req AppRequest) (App, error) {
	if err := checkRef("appID", req.AppID); err != nil {
		return App{}, err
	}
	return s.App(ctx, req.AppID)
}

// updateApp runs change on the locked app and stores the result; it returns
// the app as stored.
func (s *Service) updateApp(ctx context.Context, appID string, change func(tx Tx, app *App, now int64) error) (App, error) {
	if err := checkRef("appID", appID); err != nil {
		return App{}, err
	}
	var out App
	err := s.store.Update(ctx, func(tx Tx) error {
		app, err := tx.AppForUpdate(ctx, appID)
		if errors.Is(err, ErrNotFound) {
			return FieldErrorf(EAppNotFound, "appID", "app %s does not exist", appID)
		}
		if err != nil {
			return fmt.Errorf("read app: %w", err)
		}
		if err := change(tx, &app, s.nowMs()); err != nil {
			return err
		}
		if err := tx.UpdateApp(ctx, app); err != nil {
			return fmt.Errorf("update app: %w", err)
		}
		out = app
		return nil
	})
	if err != nil {
		return App{}, err
	}
	s.forgetApp(appID)
	return out, nil
}

// RotateAppSecret issues a new server secret. The secrets in use keep
// working for the grace period, so that the app's backend can switch
// without an outage; tokens signed with them stay valid as long.
func (s *Service) RotateAppSecret(ctx context.Context, req RotateAppSecretRequest) (App, error) {
	grace := int64(DefaultSecretGrace / time.Second)
	if req.GraceSeconds != nil {
		grace = *req.GraceSeconds
		if grace < 0 || grace > maxSecretGraceSeconds {
			return App{}, invalidf("graceSeconds", "graceSeconds must be between 0 and %d, got %d", maxSecretGraceSeconds, grace)
		}
	}
	secret, err := NewSecret()
	if err != nil {
		return App{}, err
	}
	return s.updateApp(ctx, req.AppID, func(tx Tx, app *App, now int64) error {
		until := now + grace*1000
		secrets := []Secret{{Secret: secret, CreatedAt: now}}
		for _, old := range app.Secrets {
			if old.ExpiresAt != 0 && old.ExpiresAt <= now {
				continue // already expired: forget it
			}
			if old.ExpiresAt == 0 || old.ExpiresAt > until {
				old.ExpiresAt = until
			}
			secrets = append(secrets, old)
		}
		if err := tx.SetSecrets(ctx, app.AppID, secrets); err != nil {
			return fmt.Errorf("store secrets: %w", err)
		}
		app.Secrets = secrets
		return nil
	})
}

// SetAppCommunityEnabled turns the community feature of an app on or off.
// While it is off, every community operation of the app fails with
// feature_not_activated; turning it on restores them at once.
func (s *Service) SetAppCommunityEnabled(ctx context.Context, req SetAppCommunityEnabledRequest) (App, error) {
	if req.CommunityEnabled == nil {
		return App{}, invalidf("communityEnabled", "communityEnabled must be true or false")
	}
	return s.updateApp(ctx, req.AppID, func(_ Tx, app *App, _ int64) error {
		app.CommunityEnabled = *req.CommunityEnabled
		return nil
	})
}

// SetAppSpec changes some of an app's limits. A value outside its allowed
// range is refused and nothing changes. Lowering a limit keeps existing
// data: it only refuses new creation past the new value.
func (s *Service) SetAppSpec(ctx context.Context, req SetAppSpecRequest) (App, error) {
	if len(bytes.TrimSpace(req.Spec)) == 0 || bytes.Equal(bytes.TrimSpace(req.Spec), []byte("null")) {
		return App{}, invalidf("spec", "spec must be an object of the limits to change")
	}
	return s.updateApp(ctx, req.AppID, func(tx Tx, app *App, now int64) error {
		spec := app.Spec
		if err := DecodeJSON(req.Spec, &spec); err != nil {
			return specField(err)
		}
		if err := spec.Validate(); err != nil {
			return specField(err)
		}
		if spec == app.Spec {
			return nil
		}
		if err := tx.RecordSpec(ctx, app.AppID, now, spec); err != nil {
			return fmt.Errorf("record spec: %w", err)
		}
		app.Spec = spec
		return nil
	})
}

// specField places an error about a spec field under "spec".
func specField(err error) error {
	var pe *Error
	if errors.As(err, &pe) {
		if pe.Field != "" {
			pe.Field = "spec." + pe.Field
		} else {
			pe.Field = "spec"
		}
	}
	return err
}

// SetAppWebhook sets where an app's callbacks go and its beforeSendMessage
// hook.
func (s *Service) SetAppWebhook(ctx context.Context, req SetAppWebhookRequest) (App, error) {
	w := req.Webhook
	if err := w.validate(); err != nil {
		return App{}, err
	}
	return s.updateApp(ctx, req.AppID, func(_ Tx, app *App, _ int64) error {
		app.Webhook = w
		return nil
	})
}

// maxWebhookURL bounds a webhook URL.
const maxWebhookURL = 2048

func (w *WebhookConfig) validate() error {
	for _, f := range []struct{ field, url string }{
		{"webhook.callbackURL", w.CallbackURL},
		{"webhook.beforeSendMessageURL", w.BeforeSendMessageURL},
	} {
		if f.url == "" {
			continue
		}
		if len(f.url) > maxWebhookURL {
			return invalidf(f.field, "%s is longer than %d bytes", f.field, maxWebhookURL)
		}
		u, err := url.Parse(f.url)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return invalidf(f.field, "%s must be an absolute http or https URL, got %q", f.field, f.url)
		}
	}
	if (w.CallbackURL != "" || w.BeforeSendMessageURL != "") && len(w.Secret) < 16 {
		return invalidf("webhook.secret", "webhook.secret must be at least 16 characters when a URL is set")
	}
	if err := checkLine("webhook.secret", w.Secret, -1); err != nil {
		return err
	}
	if len(w.Secret) > 256 {
		return invalidf("webhook.secret", "webhook.secret is longer than 256 characters")
	}
	if w.Events == nil {
		w.Events = []string{}
	}
	for _, e := range w.Events {
		if !slices.Contains(WebhookEvents, e) {
			return invalidf("webhook.events", "webhook.events has %q; events are %v", e, WebhookEvents)
		}
	}
	if t := w.BeforeSendMessageTimeoutMillis; t != 0 && (t < 100 || t > 10_000) {
		return invalidf("webhook.beforeSendMessageTimeoutMillis", "webhook.beforeSendMessageTimeoutMillis must be between 100 and 10000, got %d", t)
	}
	return nil
}

// wants reports whether the app's callbacks include event.
func (w WebhookConfig) wants(event string) bool {
	return w.CallbackURL != "" && (len(w.Events) == 0 || slices.Contains(w.Events, event))
}

// QueryAppUsage returns an app's billing record for a month: the highest
// value each limit had during it and the downstream messages counted.
func (s *Service) QueryAppUsage(ctx context.Context, req QueryAppUsageRequest) (Usage, error) {
	if err := checkRef("appID", req.AppID); err != nil {
		return Usage{}, err
	}
	month := req.Month
	if month == "" {
		month = monthOf(s.nowMs())
	}
	from, to, err := monthBounds(month)
	if err != nil {
		return Usage{}, err
	}
	app, err := s.App(ctx, req.AppID)
	if err != nil {
		return Usage{}, err
	}
	history, err := s.store.SpecHistory(ctx, app.AppID, from, to)
	if err != nil {
		return Usage{}, fmt.Errorf("read spec history: %w", err)
	}
	down, err := s.store.Downstream(ctx, app.AppID, month)
	if err != nil {
		return Usage{}, fmt.Errorf("read downstream: %w", err)
	}
	pending, err := s.store.PendingWebhooks(ctx, app.AppID)
	if err != nil {
		return Usage{}, fmt.Errorf("count webhooks: %w", err)
	}
	u := Usage{
		AppID:              app.AppID,
		Month:              month,
		DownstreamMessages: down + s.meter.pending(app.AppID, month),
		DownstreamLimit:    app.Spec.DownstreamPerMonth,
		PendingWebhooks:    pending,
	}
	if len(history) == 0 {
		// The month is before the app existed, or the store has no record:
		// nothing was in force but the current spec is the best answer.
		history = []SpecChange{{Spec: app.Spec}}
	}
	u.Limits = history[0].Spec
	for _, h := range history[1:] {
		u.Limits = highest(u.Limits, h.Spec)
	}
	return u, nil
}

// highest returns, limit by limit, the higher of a and b. For
// membersPerCommunity 0 means unlimited, the highest of all; a switch is on
// when it is on in either.
func highest(a, b Spec) Spec {
	out := a
	va, vb := specFields(&out), specFields(&b)
	for i := range va {
		if *vb[i] > *va[i] {
			*va[i] = *vb[i]
		}
	}
	if a.MembersPerCommunity == 0 || b.MembersPerCommunity == 0 {
		out.MembersPerCommunity = 0
	}
	out.MeteringOnly = a.MeteringOnly || b.MeteringOnly
	out.CommunityTips = a.CommunityTips || b.CommunityTips
	if b.DownstreamPerMonth > a.DownstreamPerMonth {
		out.DownstreamPerMonth = b.DownstreamPerMonth
	}
	return out
}

// specFields returns pointers to the int limits of a spec, in a fixed order.
func specFields(s *Spec) []*int {
	return []*int{
		&s.CommunitiesPerUser, &s.ChannelsPerCommunity, &s.MembersPerCommunity,
		&s.NameMaxChars, &s.NoticeMaxChars, &s.AvatarURLMaxChars,
		&s.AttributesMax, &s.AttributeKeyMaxChars, &s.AttributeValueMaxChars,
		&s.UsersPerCall, &s.PageMax, &s.TextMessageMaxBytes,
		&s.RevokeWindowSeconds, &s.SendIntervalMillis, &s.SendsPerSecond,
		&s.ActiveThreadsPerChannel, &s.ThreadNameMaxChars, &s.PrivateThreadMembersMax,
	}
}
