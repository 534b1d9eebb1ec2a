package main

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/plazahq/plaza/internal/gateway"
	"github.com/plazahq/plaza/internal/metrics"
	"github.com/plazahq/plaza/internal/webhook"
)

// gatewayStats gives the metrics the gateway's counters.
func gatewayStats(s gateway.Stats) metrics.GatewayStats {
	return metrics.GatewayStats{
		Connections:     s.Connections,
		Sessions:        int64(s.Sessions),
		Users:           int64(s.Users),
		Communities:     int64(s.Communities),
		QueuedBytes:     s.QueuedBytes,
		Dispatched:      s.Dispatched,
		Overflows:       s.Overflows,
		Identified:      s.Identified,
		Resumed:         s.Resumed,
		Resynced:        s.Resynced,
		Refused:         s.Refused,
		IdentifyLimited: s.IdentifyLimited,
		RateLimited:     s.RateLimited,
		SecretRetired:   s.SecretRetired,
	}
}

// webhookStats gives the metrics the webhook dispatcher's and hook's
// counters.
func webhookStats(d webhook.Stats, h webhook.HookStats) metrics.WebhookStats {
	return metrics.WebhookStats{
		Delivered:    d.Delivered,
		Failed:       d.Failed,
		GivenUp:      d.GivenUp,
		Dropped:      d.Dropped,
		HookCalls:    h.Calls,
		HookFailures: h.Failures,
	}
}

// metricsServer serves the metrics at /metrics on a listener of their own
// (--metrics-addr), away from the API.
func metricsServer(addr string, h http.Handler) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute}
	go srv.Serve(ln)
	return srv, nil
}
