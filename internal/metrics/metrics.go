// Package metrics exports Plaza's Prometheus metrics: a registry of its own
// (never the global one), the request counters and latencies of the HTTP API
// and the gateway alike, decorators that time the store's write
// transactions and the bus's delivery lag, and collectors that read the
// gateway's and the webhooks' counters when scraped.
//
// Invariants a reader must not break:
//   - Every label takes few values whatever clients send: operations are
//     route or operation IDs, codes are error codes, never paths or IDs.
//   - Nothing here runs on the request path but a counter increment and a
//     histogram observation; the gateway's and webhooks' counters are read
//     only at scrape time.
//
// The series are listed in docs/operations.md.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/plazahq/plaza"
)

// Transports of a request, the label "transport".
const (
	HTTP    = "http"
	Gateway = "gateway"
)

// latencyBuckets span a fast read (under a millisecond) to a request that
// ran into its timeout, in seconds.
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// Metrics is one server's metrics.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	storeTx  *prometheus.HistogramVec
	busLag   prometheus.Histogram
	now      func() time.Time
}

// New returns the metrics of one server, in a registry of their own that
// also holds the Go runtime's and the process's.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plaza_requests_total",
			Help: "Requests answered, by transport (http, gateway), operation and error code (ok on success).",
		}, []string{"transport", "operation", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "plaza_request_duration_seconds",
			Help:    "Time to answer a request, by transport (http, gateway) and operation.",
			Buckets: latencyBuckets,
		}, []string{"transport", "operation"}),
		storeTx: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "plaza_store_transaction_duration_seconds",
			Help:    "Time of the store's write transactions, waiting for the writer included, by outcome (commit, rollback).",
			Buckets: latencyBuckets,
		}, []string{"outcome"}),
		busLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "plaza_bus_lag_seconds",
			Help:    "Time from an event's publication to its receipt by a subscriber of this node (across nodes, clock skew included).",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5},
		}),
		now: time.Now,
	}
	m.reg.MustRegister(m.requests, m.latency, m.storeTx, m.busLag,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(),
	)
	return m
}

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ObserveRequest counts one answered request and its latency. code is the
// error code it failed with, "" on success.
func (m *Metrics) ObserveRequest(transport, operation string, code plaza.Code, elapsed time.Duration) {
	c := string(code)
	if c == "" {
		c = "ok"
	}
	m.requests.WithLabelValues(transport, operation, c).Inc()
	m.latency.WithLabelValues(transport, operation).Observe(elapsed.Seconds())
}
