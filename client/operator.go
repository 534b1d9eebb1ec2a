package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/plazahq/plaza"
)

// Operator calls the operator API (/v1/operator) of a Plaza server: it
// creates and configures apps and reads their usage. It authenticates with
// the server's operator key, which grants every app: keep it off clients.
//
//	op := client.NewOperator("http://127.0.0.1:8080", key, nil)
//	app, err := op.CreateApp(ctx, plaza.CreateAppRequest{Name: "Acme", CommunityEnabled: true})
//
// Failures are *Error values, as with Client. Every method fails with
// operator_key_invalid when the key is wrong (or the operator API is off:
// not_found), and those that name an app with app_not_found when it does not
// exist.
type Operator struct {
	base string
	key  string
	hc   *http.Client
}

// NewOperator returns an operator client of the server at baseURL
// (http://host:port) that authenticates with key; a nil hc means
// http.DefaultClient.
func NewOperator(baseURL, key string, hc *http.Client) *Operator {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Operator{base: strings.TrimSuffix(baseURL, "/"), key: key, hc: hc}
}

// operatorRouteOf maps the operator API's operation IDs to their HTTP
// routes. A test keeps it identical to the server's.
var operatorRouteOf = map[string]route{
	"createApp":              {"POST", "/v1/operator/apps"},
	"listApps":               {"GET", "/v1/operator/apps"},
	"queryApp":               {"GET", "/v1/operator/apps/{appID}"},
	"rotateAppSecret":        {"POST", "/v1/operator/apps/{appID}/secrets"},
	"setAppCommunityEnabled": {"PUT", "/v1/operator/apps/{appID}/communityEnabled"},
	"setAppSpec":             {"PATCH", "/v1/operator/apps/{appID}/spec"},
	"setAppWebhook":          {"PUT", "/v1/operator/apps/{appID}/webhook"},
	"queryAppUsage":          {"GET", "/v1/operator/apps/{appID}/usage"},
}

// OperatorRoutes returns the operator client's route table: operation ID →
// method and path.
func OperatorRoutes() map[string][2]string {
	out := make(map[string][2]string, len(operatorRouteOf))
	for id, r := range operatorRouteOf {
		out[id] = [2]string{r.method, r.path}
	}
	return out
}

// CreateApp creates an app with a new server secret (createApp). An empty
// AppID asks the server to generate one; Spec holds the limits that differ
// from the defaults.
//
// Errors: invalid_argument, app_exists.
func (o *Operator) CreateApp(ctx context.Context, req plaza.CreateAppRequest) (plaza.App, error) {
	var app plaza.App
	err := o.do(ctx, "createApp", "", nil, req, &app)
	return app, err
}

// ListApps returns a page of apps by app ID (listApps); pass the previous
// page's NextFlag to read the next one, until it is empty.
func (o *Operator) ListApps(ctx context.Context, req plaza.ListAppsRequest) (plaza.AppListResult, error) {
	q := url.Values{}
	if req.Count != 0 {
		q.Set("count", strconv.Itoa(req.Count))
	}
	if req.NextFlag != "" {
		q.Set("nextFlag", req.NextFlag)
	}
	var res plaza.AppListResult
	err := o.do(ctx, "listApps", "", q, nil, &res)
	return res, err
}

// QueryApp returns an app with its secrets and webhook configuration
// (queryApp).
func (o *Operator) QueryApp(ctx context.Context, req plaza.AppRequest) (plaza.App, error) {
	var app plaza.App
	err := o.do(ctx, "queryApp", req.AppID, nil, nil, &app)
	return app, err
}

// RotateAppSecret issues a new server secret (rotateAppSecret); the secrets
// in use keep working for the grace period.
func (o *Operator) RotateAppSecret(ctx context.Context, req plaza.RotateAppSecretRequest) (plaza.App, error) {
	body := struct {
		GraceSeconds *int64 `json:"graceSeconds,omitempty"`
	}{req.GraceSeconds}
	var app plaza.App
	err := o.do(ctx, "rotateAppSecret", req.AppID, nil, body, &app)
	return app, err
}

// SetAppCommunityEnabled turns an app's community feature on or off
// (setAppCommunityEnabled).
func (o *Operator) SetAppCommunityEnabled(ctx context.Context, req plaza.SetAppCommunityEnabledRequest) (plaza.App, error) {
	body := struct {
		CommunityEnabled *bool `json:"communityEnabled"`
	}{req.CommunityEnabled}
	var app plaza.App
	err := o.do(ctx, "setAppCommunityEnabled", req.AppID, nil, body, &app)
	return app, err
}

// SetAppSpec changes some of an app's limits (setAppSpec): req.Spec is an
// object of the limits to change, by their spec field names. A value out of
// range fails with invalid_argument naming "spec.<field>", and nothing
// changes.
func (o *Operator) SetAppSpec(ctx context.Context, req plaza.SetAppSpecRequest) (plaza.App, error) {
	body := struct {
		Spec json.RawMessage `json:"spec"`
	}{req.Spec}
	var app plaza.App
	err := o.do(ctx, "setAppSpec", req.AppID, nil, body, &app)
	return app, err
}

// SetAppWebhook sets where an app's callbacks go and its beforeSendMessage
// hook (setAppWebhook). The configuration replaces the previous one whole.
func (o *Operator) SetAppWebhook(ctx context.Context, req plaza.SetAppWebhookRequest) (plaza.App, error) {
	body := struct {
		Webhook plaza.WebhookConfig `json:"webhook"`
	}{req.Webhook}
	var app plaza.App
	err := o.do(ctx, "setAppWebhook", req.AppID, nil, body, &app)
	return app, err
}

// QueryAppUsage returns an app's billing record of a month, "YYYY-MM"; an
// empty Month means the current one (queryAppUsage).
func (o *Operator) QueryAppUsage(ctx context.Context, req plaza.QueryAppUsageRequest) (plaza.Usage, error) {
	var q url.Values
	if req.Month != "" {
		q = url.Values{"month": {req.Month}}
	}
	var u plaza.Usage
	err := o.do(ctx, "queryAppUsage", req.AppID, q, nil, &u)
	return u, err
}

// do sends one operator request: appID fills the route's {appID}, q is the
// query, body (when not nil) is sent as JSON. A non-2xx answer becomes an
// *Error with the server's error object.
func (o *Operator) do(ctx context.Context, operation, appID string, q url.Values, body, res any) error {
	rt := operatorRouteOf[operation]
	path := rt.path
	if strings.Contains(path, "{appID}") {
		if appID == "" {
			return &Error{Status: http.StatusBadRequest, Err: plaza.FieldErrorf(plaza.EInvalidArgument, "appID", "appID must not be empty")}
		}
		path = strings.ReplaceAll(path, "{appID}", url.PathEscape(appID))
	}
	u := o.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("client: %s: %w", operation, err)
		}
		rd = bytes.NewReader(b)
	}
	hr, err := http.NewRequestWithContext(ctx, rt.method, u, rd)
	if err != nil {
		return fmt.Errorf("client: %s: %w", operation, err)
	}
	if rd != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	hr.Header.Set("Authorization", "Bearer "+o.key)
	return roundTrip(o.hc, hr, operation, res)
}
