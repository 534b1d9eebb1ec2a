package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/plazahq/plaza"
)

// UserAgent is the User-Agent of every callback and hook call.
const UserAgent = "Plaza-Webhook/1"

// maxErrorText bounds the error text kept with a failed delivery.
const maxErrorText = 200

// newRequest builds a signed POST of body to target: the signature covers
// id, the Unix seconds of now and the body (plaza.WebhookSignature).
func newRequest(ctx context.Context, target, secret, id, event string, body []byte, now time.Time) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("invalid URL: %v", err)
	}
	ts := now.Unix()
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", UserAgent)
	h.Set("Plaza-Webhook-ID", id)
	h.Set("Plaza-Event", event)
	h.Set("Plaza-Timestamp", strconv.FormatInt(ts, 10))
	h.Set("Plaza-Signature", plaza.WebhookSignature(secret, id, ts, body))
	return req, nil
}

// noRedirects returns a copy of c (a new client when nil) that returns a
// redirect instead of following it, so that a callback never goes, unsigned
// by intent, to a host the app did not configure.
func noRedirects(c *http.Client, timeout time.Duration) *http.Client {
	if c == nil {
		c = &http.Client{
			Timeout:   timeout,
			Transport: http.DefaultTransport.(*http.Transport).Clone(),
		}
	}
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

// send performs req; its errors are short texts fit for a log line or the
// delivery's LastError ("timeout after 10s", "connection refused", "status
// 503"). A 2xx response is returned open; any other is closed.
func send(c *http.Client, req *http.Request, timeout time.Duration) (*http.Response, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, errors.New(describe(err, timeout))
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	resp.Body.Close()
	if resp.StatusCode/100 == 3 {
		return nil, fmt.Errorf("status %d (redirects are not followed)", resp.StatusCode)
	}
	return nil, fmt.Errorf("status %d", resp.StatusCode)
}

// describe turns a transport error into a short text.
func describe(err error, timeout time.Duration) string {
	var nerr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &nerr) && nerr.Timeout():
		return "timeout after " + timeout.String()
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "dns: " + dns.Err + ": " + dns.Name
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	return truncate(err.Error(), maxErrorText)
}

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
