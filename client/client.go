// Package client is the Go SDK for Plaza: a typed method for every operation
// of the HTTP API, and a gateway connection that delivers events.
//
//	c := client.New("http://127.0.0.1:8080", token)
//	res, err := c.CreateCommunity(ctx, plaza.CreateCommunityRequest{CommunityName: "Hikers"})
//
// Failures are *Error values carrying the HTTP status and the SPEC error
// object; errors.As(err, &pe) with pe a *plaza.Error reads the code.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/plazahq/plaza"
)

// Client calls the Plaza API as one user.
type Client struct {
	base  string
	token string
	hc    *http.Client
}

// Option adjusts a Client.
type Option func(*Client)

// WithHTTPClient makes the Client use hc.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// New returns a client of the server at baseURL (http://host:port) that
// authenticates with a user token.
func New(baseURL, token string, opts ...Option) *Client {
	c := &Client{base: strings.TrimSuffix(baseURL, "/"), token: token, hc: http.DefaultClient}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Token returns the client's user token.
func (c *Client) Token() string { return c.token }

// Error is a failed call: the HTTP status and the server's error object.
type Error struct {
	Status int
	Err    *plaza.Error
}

func (e *Error) Error() string { return fmt.Sprintf("plaza: HTTP %d: %v", e.Status, e.Err) }

// Unwrap returns the error object, so that errors.As finds the *plaza.Error.
func (e *Error) Unwrap() error { return e.Err }

// Do calls an operation by ID: path parameters are taken from req's fields
// of the same name; a GET sends the other fields as query parameters, any
// other method as a JSON body. res receives the decoded result.
func (c *Client) Do(ctx context.Context, operation string, req, res any) error {
	rt, ok := routeOf[operation]
	if !ok {
		return fmt.Errorf("client: unknown operation %q", operation)
	}
	fields, err := toFields(req)
	if err != nil {
		return fmt.Errorf("client: %s: %w", operation, err)
	}
	path := rt.path
	for name, v := range fields {
		ph := "{" + name + "}"
		if strings.Contains(path, ph) {
			s := fmt.Sprint(v) // a string, or a json.Number (messageSeq)
			path = strings.ReplaceAll(path, ph, url.PathEscape(s))
			delete(fields, name)
		}
	}
	if i := strings.Index(path, "{"); i >= 0 {
		name := path[i+1 : i+strings.Index(path[i:], "}")]
		return &Error{Status: http.StatusBadRequest, Err: plaza.FieldErrorf(plaza.EInvalidArgument, name, "%s must not be empty", name)}
	}
	u := c.base + path
	var body io.Reader
	if rt.method == http.MethodGet {
		if q := query(fields); q != "" {
			u += "?" + q
		}
	} else if len(fields) > 0 {
		b, err := json.Marshal(fields)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	hr, err := http.NewRequestWithContext(ctx, rt.method, u, body)
	if err != nil {
		return err
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	hr.Header.Set("Authorization", "Bearer "+c.token)
	return roundTrip(c.hc, hr, operation, res)
}

// roundTrip sends hr and decodes a 2xx answer into res (unless res is nil);
// any other answer becomes an *Error carrying the server's error object.
// label names the call in errors.
func roundTrip(hc *http.Client, hr *http.Request, label string, res any) error {
	resp, err := hc.Do(hr)
	if err != nil {
		return fmt.Errorf("client: %s: %w", label, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("client: %s: %w", label, err)
	}
	if resp.StatusCode/100 != 2 {
		return errorOf(resp.StatusCode, b)
	}
	if res == nil {
		return nil
	}
	if err := json.Unmarshal(b, res); err != nil {
		return fmt.Errorf("client: %s: decode result: %w", label, err)
	}
	return nil
}

// toFields turns a request struct into its JSON fields, omitting empty ones.
func toFields(req any) (map[string]any, error) {
	if req == nil {
		return map[string]any{}, nil
	}
	b, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	for k, v := range m {
		if isZero(v) {
			delete(m, k)
		}
	}
	return m, nil
}

func isZero(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// query encodes fields as query parameters; lists repeat the parameter.
func query(fields map[string]any) string {
	q := url.Values{}
	for k, v := range fields {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				q.Add(k, fmt.Sprint(e))
			}
		default:
			q.Set(k, fmt.Sprint(x))
		}
	}
	return q.Encode()
}
