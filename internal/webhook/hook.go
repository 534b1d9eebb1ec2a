package webhook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/plazahq/plaza"
)

// maxVerdictBytes bounds a beforeSendMessage hook's answer.
const maxVerdictBytes = 1 << 20

// hookEvent is the Plaza-Event of a beforeSendMessage call.
const hookEvent = "beforeSendMessage"

// Hook calls apps' beforeSendMessage hooks over HTTP.
type Hook struct {
	client   *http.Client
	calls    atomic.Int64
	failures atomic.Int64
}

var _ plaza.SendHook = (*Hook)(nil)

// NewHook returns a Hook that calls through client, with redirects turned
// off; nil means a client of its own, whose idle connections close after
// 90 s. Each call is bounded by the app's BeforeSendMessageTimeoutMillis.
func NewHook(client *http.Client) *Hook {
	return &Hook{client: noRedirects(client, 0)}
}

// BeforeSendMessage POSTs call, signed, to cfg.BeforeSendMessageURL and
// returns the verdict of a 2xx answer. Any other outcome is an error: a
// timeout, a failed connection, a non-2xx status (redirects included), an
// answer that is not a verdict, an unknown action or a rewrite without a
// message. The service decides what an error means
// (cfg.BeforeSendMessageFailOpen).
func (h *Hook) BeforeSendMessage(ctx context.Context, cfg plaza.WebhookConfig, call plaza.HookCall) (plaza.HookVerdict, error) {
	h.calls.Add(1)
	v, err := h.call(ctx, cfg, call)
	if err != nil {
		h.failures.Add(1)
		return plaza.HookVerdict{}, fmt.Errorf("webhook: beforeSendMessage hook: %w", err)
	}
	return v, nil
}

func (h *Hook) call(ctx context.Context, cfg plaza.WebhookConfig, call plaza.HookCall) (plaza.HookVerdict, error) {
	timeout := time.Duration(cfg.BeforeSendMessageTimeoutMillis) * time.Millisecond
	if timeout <= 0 {
		timeout = plaza.DefaultHookTimeoutMillis * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	body, err := json.Marshal(call)
	if err != nil {
		return plaza.HookVerdict{}, err
	}
	req, err := newRequest(ctx, cfg.BeforeSendMessageURL, cfg.Secret, hookID(), hookEvent, body, time.Now())
	if err != nil {
		return plaza.HookVerdict{}, err
	}
	resp, err := send(h.client, req, timeout)
	if err != nil {
		return plaza.HookVerdict{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxVerdictBytes+1))
	if err != nil {
		return plaza.HookVerdict{}, fmt.Errorf("read answer: %s", describe(err, timeout))
	}
	if len(data) > maxVerdictBytes {
		return plaza.HookVerdict{}, fmt.Errorf("answer larger than %d bytes", maxVerdictBytes)
	}
	var v plaza.HookVerdict
	if err := json.Unmarshal(data, &v); err != nil {
		return plaza.HookVerdict{}, fmt.Errorf("answer is not a verdict: %v", err)
	}
	switch v.Action {
	case plaza.HookPass, plaza.HookDrop, plaza.HookReject:
	case plaza.HookRewrite:
		if v.Message == nil {
			return plaza.HookVerdict{}, fmt.Errorf("rewrite verdict without a message")
		}
	default:
		return plaza.HookVerdict{}, fmt.Errorf("unknown action %q", truncate(v.Action, 32))
	}
	return v, nil
}

// HookStats are a Hook's counters since it was made.
type HookStats struct {
	// Calls counts beforeSendMessage calls; Failures those that got no
	// verdict.
	Calls, Failures int64
}

// Stats returns the Hook's counters.
func (h *Hook) Stats() HookStats {
	return HookStats{Calls: h.calls.Load(), Failures: h.failures.Load()}
}

// hookID returns a fresh Plaza-Webhook-ID for a hook call: "hook-" and 16
// hex digits.
func hookID() string {
	var b [8]byte
	rand.Read(b[:]) // never fails
	return "hook-" + hex.EncodeToString(b[:])
}
