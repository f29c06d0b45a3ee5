package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are a server's Prometheus metrics, served at /metrics. Each
// server has a registry of its own, so that servers sharing a process (as
// in tests) count apart. The command connects the import engine and the
// database to them; the README lists every metric.
type Metrics struct {
	reg     *prometheus.Registry
	handler http.Handler

	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	rateLimited *prometheus.CounterVec
	refusals    *prometheus.CounterVec
	importJobs  *prometheus.CounterVec
	importRows  *prometheus.CounterVec
	blocked     prometheus.Counter
	importPhase *prometheus.HistogramVec
	takeovers   prometheus.Counter
}

// newMetrics makes the metrics of a server, with the Go runtime's and the
// process's own.
func newMetrics(srv *Server) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "callsheet_http_requests_total",
		Help: "HTTP requests answered, by route pattern, method and status class.",
	}, []string{"route", "method", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "callsheet_http_request_duration_seconds",
		Help:    "Time to answer HTTP requests, by route pattern and method.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route", "method"})
	m.rateLimited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "callsheet_http_rate_limited_total",
		Help: "Requests refused for going over a rate limit (429), by route pattern.",
	}, []string{"route"})
	m.refusals = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "callsheet_rate_limit_refusals_total",
		Help: "Requests refused by a rate limit, by limit: login (failed logins of a login name), login_ip (of an address), api (requests of a token or user).",
	}, []string{"limit"})
	m.importJobs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "callsheet_import_jobs_total",
		Help: "Imports this server ran to an end, by how they ended: done, failed or cancelled.",
	}, []string{"state"})
	m.importRows = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "callsheet_import_rows_total",
		Help: "Rows of the imports this server completed, by outcome (dry runs included).",
	}, []string{"outcome"})
	m.blocked = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "callsheet_import_rows_blocked_total",
		Help: "Rows of completed imports whose customer is left blocked by do-not-call (also counted by outcome).",
	})
	m.importPhase = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "callsheet_import_phase_duration_seconds",
		Help:    "Time each phase of an import took, by phase.",
		Buckets: prometheus.ExponentialBuckets(0.01, 4, 10), // 10 ms to 44 min
	}, []string{"phase"})
	m.takeovers = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "callsheet_import_lease_takeovers_total",
		Help: "Import jobs this server took over from a worker whose lease ran out (a server that died or lost the database, or was stopped).",
	})
	m.reg.MustRegister(m.requests, m.duration, m.rateLimited, m.refusals, m.importJobs, m.importRows, m.blocked, m.importPhase, m.takeovers,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Every outcome and end shows from the start, at zero, so that rates
	// and alerts need not wait for the first import.
	for _, s := range []callsheet.ImportState{callsheet.ImportDone, callsheet.ImportFailed, callsheet.ImportCancelled} {
		m.importJobs.WithLabelValues(string(s))
	}
	for _, k := range []string{RateLimitLogin, RateLimitLoginIP, RateLimitAPI} {
		m.refusals.WithLabelValues(k)
	}
	for _, o := range outcomes {
		m.importRows.WithLabelValues(string(o))
	}
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		// A collector that fails (the database, for the queue) costs its
		// own series, not the whole scrape.
		ErrorHandling: promhttp.ContinueOnError,
		ErrorLog:      promLogger{srv},
	})
	return m
}

// outcomes are the rows' outcomes, in the order ImportCounts holds them.
var outcomes = []callsheet.Outcome{callsheet.OutcomeAdded, callsheet.OutcomeUpdated, callsheet.OutcomeReset, callsheet.OutcomeMoved,
	callsheet.OutcomeSkippedExisting, callsheet.OutcomeSkippedOtherCampaign, callsheet.OutcomeDuplicate, callsheet.OutcomeInvalid}

// promLogger passes the metrics handler's errors to the server's log.
type promLogger struct{ s *Server }

func (p promLogger) Println(v ...any) {
	p.s.Logger.Error("metrics", "err", strings.TrimSpace(fmt.Sprintln(v...)))
}

// Metrics returns the server's metrics, for the command to connect the
// import engine and the database to.
func (s *Server) Metrics() *Metrics { return s.metrics }

// MustRegister adds collectors of the caller's own to the server's
// registry; it panics if one clashes with a metric already there.
func (m *Metrics) MustRegister(cs ...prometheus.Collector) { m.reg.MustRegister(cs...) }

// RateLimited counts a request refused by a rate limit of the kind given;
// it fits the server's OnRateLimit.
func (m *Metrics) RateLimited(kind string) { m.refusals.WithLabelValues(kind).Inc() }

// ImportPhase records how long a phase of an import took; it fits the
// import store's Timings.
func (m *Metrics) ImportPhase(phase string, d time.Duration) {
	m.importPhase.WithLabelValues(strings.ReplaceAll(phase, " ", "_")).Observe(d.Seconds())
}

// ImportFinished counts an import that ended and, when it completed, its
// rows by outcome; it fits the import engine's Finished.
func (m *Metrics) ImportFinished(state callsheet.ImportState, c callsheet.ImportCounts) {
	m.importJobs.WithLabelValues(string(state)).Inc()
	if state != callsheet.ImportDone {
		return
	}
	n := []int{c.Added, c.Updated, c.Reset, c.Moved, c.SkippedExisting, c.SkippedOtherCampaign, c.DuplicateInFile, c.Invalid}
	for i, o := range outcomes {
		if n[i] > 0 {
			m.importRows.WithLabelValues(string(o)).Add(float64(n[i]))
		}
	}
	m.blocked.Add(float64(c.Blocked))
}

// ImportTakeover counts an import job taken over from a worker whose
// lease ran out.
func (m *Metrics) ImportTakeover() { m.takeovers.Inc() }

// WatchDB reports the statistics of a connection pool at each scrape:
// connections open, in use and idle, and waits for one (go_sql_*, with
// db_name set to name).
func (m *Metrics) WatchDB(db *sql.DB, name string) {
	m.reg.MustRegister(collectors.NewDBStatsCollector(db, name))
}

// ImportQueue is the import queue of every account, as read at a scrape.
type ImportQueue struct {
	Queued       int       // jobs waiting for a worker
	Running      int       // jobs held by a worker
	OldestQueued time.Time // creation of the oldest waiting job; zero if none
}

// WatchImportQueue reads the import queue with read at each scrape.
func (m *Metrics) WatchImportQueue(read func(context.Context) (ImportQueue, error)) {
	m.reg.MustRegister(&queueCollector{read: read,
		queued:  prometheus.NewDesc("callsheet_import_queue_jobs", "Import jobs waiting for a worker, across accounts.", nil, nil),
		running: prometheus.NewDesc("callsheet_import_running_jobs", "Import jobs held by a worker, across accounts.", nil, nil),
		oldest:  prometheus.NewDesc("callsheet_import_queue_oldest_age_seconds", "Age of the oldest import job waiting for a worker (0 when none waits).", nil, nil),
	})
}

// queueCollector asks the store for the queue when scraped, so that the
// figures are the database's, whichever server runs the jobs.
type queueCollector struct {
	read                    func(context.Context) (ImportQueue, error)
	queued, running, oldest *prometheus.Desc
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.queued
	ch <- c.running
	ch <- c.oldest
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	q, err := c.read(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.queued, fmt.Errorf("read the import queue: %w", err))
		return
	}
	var age float64
	if !q.OldestQueued.IsZero() {
		age = max(0, time.Since(q.OldestQueued).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(c.queued, prometheus.GaugeValue, float64(q.Queued))
	ch <- prometheus.MustNewConstMetric(c.running, prometheus.GaugeValue, float64(q.Running))
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age)
}

// observeRequest counts and times a request by the pattern that routed
// it. Patterns and methods are few; paths and client methods are not,
// so neither goes into a label as sent.
func (m *Metrics) observeRequest(r *http.Request, status int, d time.Duration) {
	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	method := r.Method
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other"
	}
	m.requests.WithLabelValues(route, method, fmt.Sprintf("%dxx", status/100)).Inc()
	m.duration.WithLabelValues(route, method).Observe(d.Seconds())
	if status == http.StatusTooManyRequests {
		m.rateLimited.WithLabelValues(route).Inc()
	}
}

// handleMetrics serves the metrics, to holders of the metrics token when
// one is set.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	if s.MetricsToken != "" {
		given, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		// Hashing first makes the comparison's time independent of the
		// token's length too.
		want, got := sha256.Sum256([]byte(s.MetricsToken)), sha256.Sum256([]byte(given))
		if !ok || subtle.ConstantTimeCompare(want[:], got[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "The metrics need the metrics token: Authorization: Bearer TOKEN.", http.StatusUnauthorized)
			return
		}
	}
	s.metrics.handler.ServeHTTP(w, r)
}

// readyTimeout bounds /readyz's check, so that a database that hangs
// answers "not ready" while the balancer still waits.
const readyTimeout = 2 * time.Second

// handleReady answers whether the server can serve: 200 when Ready (the
// database) answers, 503 when not. /healthz only says the process is up.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if s.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := s.Ready(ctx); err != nil {
			s.Logger.Warn("not ready", "err", err)
			http.Error(w, "not ready: the database does not answer", http.StatusServiceUnavailable)
			return
		}
	}
	w.Write([]byte("ready\n"))
}
