package metrics

import "github.com/prometheus/client_golang/prometheus"

// GatewayStats are the gateway's counters as the metrics read them at
// scrape time. Connections to QueuedBytes are current values; the others
// are totals since the start.
type GatewayStats struct {
	Connections, Sessions, Users, Communities, QueuedBytes int64

	Dispatched, Overflows                       int64
	Identified, Resumed, Resynced, Refused      int64
	IdentifyLimited, RateLimited, SecretRetired int64
}

// WebhookStats are the webhook dispatcher's and beforeSendMessage hook's
// counters: totals since the start.
type WebhookStats struct {
	// Delivered callbacks were answered 2xx; Failed attempts were not (and
	// will be retried); GivenUp deliveries failed their last attempt;
	// Dropped ones were dropped because their app no longer takes
	// callbacks.
	Delivered, Failed, GivenUp, Dropped int64
	// HookCalls are beforeSendMessage calls, HookFailures those that got no
	// verdict (timeout, refused connection, non-2xx, bad answer).
	HookCalls, HookFailures int64
}

// Gateway exports the gateway's counters, read with read at each scrape.
func (m *Metrics) Gateway(read func() GatewayStats) {
	m.reg.MustRegister(&statsCollector[GatewayStats]{read: read, series: gatewaySeries})
}

// Webhooks exports the webhooks' counters, read with read at each scrape.
func (m *Metrics) Webhooks(read func() WebhookStats) {
	m.reg.MustRegister(&statsCollector[WebhookStats]{read: read, series: webhookSeries})
}

// series is one exported value of a stats struct.
type series[S any] struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(S) int64
	label []string // the desc's label values
}

func gauge[S any](name, help string, v func(S) int64) series[S] {
	return series[S]{desc: prometheus.NewDesc(name, help, nil, nil), kind: prometheus.GaugeValue, value: v}
}

func counter[S any](name, help string, v func(S) int64) series[S] {
	return series[S]{desc: prometheus.NewDesc(name, help, nil, nil), kind: prometheus.CounterValue, value: v}
}

func labelled[S any](desc *prometheus.Desc, kind prometheus.ValueType, v func(S) int64, values ...string) series[S] {
	return series[S]{desc: desc, kind: kind, value: v, label: values}
}

var (
	identifyDesc = prometheus.NewDesc("plaza_gateway_identify_total",
		"Gateway identifies and resumes, by outcome: identified (a new session), resumed, resynced (a resume answered with a new session), refused (token, protocol version), limited (identify rate or session cap).",
		[]string{"outcome"}, nil)
	deliveriesDesc = prometheus.NewDesc("plaza_webhook_deliveries_total",
		"Webhook callback attempts, by outcome: delivered (2xx), failed (to be retried), given_up (the last attempt failed), dropped (the app no longer takes callbacks).",
		[]string{"outcome"}, nil)
	hookDesc = prometheus.NewDesc("plaza_webhook_hook_calls_total",
		"beforeSendMessage hook calls, by outcome: ok (a verdict), failed (no verdict; the app's fail-open setting decides).",
		[]string{"outcome"}, nil)
)

var gatewaySeries = []series[GatewayStats]{
	gauge("plaza_gateway_connections", "Open gateway connections.", func(s GatewayStats) int64 { return s.Connections }),
	gauge("plaza_gateway_sessions", "Gateway sessions, connected or waiting for a resume.", func(s GatewayStats) int64 { return s.Sessions }),
	gauge("plaza_gateway_users", "Users with a gateway session on this node.", func(s GatewayStats) int64 { return s.Users }),
	gauge("plaza_gateway_communities", "Communities this node holds a bus subscription for.", func(s GatewayStats) int64 { return s.Communities }),
	gauge("plaza_gateway_queued_bytes", "Bytes waiting in every gateway connection's send queue.", func(s GatewayStats) int64 { return s.QueuedBytes }),
	counter("plaza_gateway_dispatched_total", "Events delivered to gateway connections (one per recipient).", func(s GatewayStats) int64 { return s.Dispatched }),
	counter("plaza_gateway_queue_overflows_total", "Gateway connections dropped because their send queue was full.", func(s GatewayStats) int64 { return s.Overflows }),
	counter("plaza_gateway_rate_limited_total", "Gateway requests refused for the request rate (session or user).", func(s GatewayStats) int64 { return s.RateLimited }),
	counter("plaza_gateway_secret_retired_total", "Gateway sessions closed because the secret that signed their token was retired.", func(s GatewayStats) int64 { return s.SecretRetired }),
	labelled(identifyDesc, prometheus.CounterValue, func(s GatewayStats) int64 { return s.Identified }, "identified"),
	labelled(identifyDesc, prometheus.CounterValue, func(s GatewayStats) int64 { return s.Resumed }, "resumed"),
	labelled(identifyDesc, prometheus.CounterValue, func(s GatewayStats) int64 { return s.Resynced }, "resynced"),
	labelled(identifyDesc, prometheus.CounterValue, func(s GatewayStats) int64 { return s.Refused }, "refused"),
	labelled(identifyDesc, prometheus.CounterValue, func(s GatewayStats) int64 { return s.IdentifyLimited }, "limited"),
}

var webhookSeries = []series[WebhookStats]{
	labelled(deliveriesDesc, prometheus.CounterValue, func(s WebhookStats) int64 { return s.Delivered }, "delivered"),
	labelled(deliveriesDesc, prometheus.CounterValue, func(s WebhookStats) int64 { return s.Failed }, "failed"),
	labelled(deliveriesDesc, prometheus.CounterValue, func(s WebhookStats) int64 { return s.GivenUp }, "given_up"),
	labelled(deliveriesDesc, prometheus.CounterValue, func(s WebhookStats) int64 { return s.Dropped }, "dropped"),
	labelled(hookDesc, prometheus.CounterValue, func(s WebhookStats) int64 { return s.HookCalls - s.HookFailures }, "ok"),
	labelled(hookDesc, prometheus.CounterValue, func(s WebhookStats) int64 { return s.HookFailures }, "failed"),
}

// statsCollector exports a stats struct, read once per scrape.
type statsCollector[S any] struct {
	read   func() S
	series []series[S]
}

func (c *statsCollector[S]) Describe(ch chan<- *prometheus.Desc) {
	seen := map[*prometheus.Desc]bool{}
	for _, s := range c.series {
		if !seen[s.desc] {
			seen[s.desc] = true
			ch <- s.desc
		}
	}
}

func (c *statsCollector[S]) Collect(ch chan<- prometheus.Metric) {
	st := c.read()
	for _, s := range c.series {
		ch <- prometheus.MustNewConstMetric(s.desc, s.kind, float64(s.value(st)), s.label...)
	}
}
