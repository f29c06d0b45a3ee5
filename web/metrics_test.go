package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/internal/app"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
	"github.com/callsheet/callsheet/web"
)

// observedServer starts a server over db wired as the command wires it,
// its metrics and readiness included; the import workers are left to the
// caller to start.
func observedServer(t *testing.T, db *sqldb.DB, token string) (*httptest.Server, web.Services) {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := app.Services(db, logger)
	srv := web.NewServer(svc, logger)
	srv.MetricsToken = token
	app.Observe(srv, db, svc, logger)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts, svc
}

// series are the samples of a scrape, by name and labels.
type series map[string]float64

var (
	sampleRE = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$`)
	labelRE  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

// seriesKey names a sample: its name and labels, sorted by label name.
func seriesKey(name string, labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.Quote(labels[k])
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

// parseMetrics reads Prometheus's text format.
func parseMetrics(t *testing.T, body string) series {
	t.Helper()
	out := series{}
	for _, line := range strings.Split(body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := sampleRE.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("not a sample: %q", line)
		}
		labels := map[string]string{}
		for _, l := range labelRE.FindAllStringSubmatch(m[2], -1) {
			v, err := strconv.Unquote(`"` + l[2] + `"`)
			if err != nil {
				t.Fatalf("label in %q: %v", line, err)
			}
			labels[l[1]] = v
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("value in %q: %v", line, err)
		}
		out[seriesKey(m[1], labels)] = v
	}
	return out
}

// get returns a sample's value, and whether the scrape has it. Labels
// come in pairs: name, value.
func (s series) get(name string, labels ...string) (float64, bool) {
	l := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		l[labels[i]] = labels[i+1]
	}
	v, ok := s[seriesKey(name, l)]
	return v, ok
}

// val returns a sample's value, failing the test if the scrape lacks it.
func (s series) val(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	v, ok := s.get(name, labels...)
	if !ok {
		t.Fatalf("the scrape has no %s %v", name, labels)
	}
	return v
}

// scrape fetches /metrics with the token (none if empty) and returns the
// status and, on success, the samples.
func scrape(t *testing.T, base, token string) (int, series) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("metrics served as %q", ct)
	}
	return resp.StatusCode, parseMetrics(t, string(b))
}

// TestMetrics scrapes /metrics as Prometheus would, around requests, an
// import and refused logins, and checks the counts moved by what was done.
func TestMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		const token = "metrics-secret"
		ts, svc := observedServer(t, db, token)
		f := storetest.NewFixture(t, db, "acme")
		camp := f.Campaign(t, "Spring")

		for _, tc := range []struct{ name, auth string }{{"no token", ""}, {"another token", "Bearer nope"}, {"not bearer", "Basic " + token}} {
			req, _ := http.NewRequest("GET", ts.URL+"/metrics", nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
				t.Fatalf("%s: %d %q", tc.name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
		}

		// A queued import, waiting since 90 s ago, before any worker runs.
		db.Now = func() time.Time { return time.Now().Add(-90 * time.Second) }
		csv := "Name,Phone\nDana,052-623-4567\nEli,052-623-4568\nGil,052-623-4569\nTwice,052-623-4567\nNo phone,12\n"
		job := &callsheet.ImportJob{CampaignID: camp.ID, FileName: "leads.csv", State: callsheet.ImportQueued,
			Mapping: map[string]string{callsheet.FieldName: "Name", callsheet.FieldPhone: "Phone"}, Options: callsheet.ImportOptions{LoadValid: true}}
		err := svc.Imports.CreateImport(f.AdminCtx, job, strings.NewReader(csv))
		db.Now = time.Now
		if err != nil {
			t.Fatal(err)
		}

		c := newClient(t, ts.URL)
		c.login(f.Admin.Login, storetest.Password)
		code, before := scrape(t, ts.URL, token)
		if code != http.StatusOK {
			t.Fatalf("scrape with the token: %d", code)
		}
		if q := before.val(t, "callsheet_import_queue_jobs"); q != 1 {
			t.Fatalf("queue depth %v, want 1", q)
		}
		if age := before.val(t, "callsheet_import_queue_oldest_age_seconds"); age < 89 || age > 600 {
			t.Fatalf("oldest queued job's age %v s, want about 90", age)
		}
		for _, o := range []string{"added", "updated", "duplicate_in_file", "invalid"} {
			if v := before.val(t, "callsheet_import_rows_total", "outcome", o); v != 0 {
				t.Fatalf("rows %s before any import: %v", o, v)
			}
		}

		// Requests, by route pattern.
		for i := 0; i < 3; i++ {
			if code, _ := c.get("/campaigns"); code != http.StatusOK {
				t.Fatalf("campaigns: %d", code)
			}
		}
		if code, _ := c.get("/campaigns/999999"); code != http.StatusNotFound {
			t.Fatalf("another campaign: %d", code)
		}
		c.get(fmt.Sprintf("/campaigns/%d", camp.ID))

		// Failed logins until the limit refuses some.
		refused := 0
		for i := 0; i < 200 && refused < 2; i++ {
			bad := newClient(t, ts.URL)
			bad.get("/login")
			code, _, _ := bad.post("/login", url.Values{"login": {"nobody"}, "password": {"guess"}})
			if code == http.StatusTooManyRequests {
				refused++
			}
		}
		if refused != 2 {
			t.Fatal("no failed login was refused for the rate limit")
		}

		// The import runs; its end is counted once the worker is told.
		imp := app.Importer(svc)
		imp.Poll = 50 * time.Millisecond
		ctx, cancel := context.WithCancel(context.Background())
		imp.Start(ctx)
		t.Cleanup(func() { cancel(); imp.Wait() })
		var after series
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
			_, after = scrape(t, ts.URL, token)
			_, staged := after.get("callsheet_import_phase_duration_seconds_count", "phase", "read_and_stage")
			if after.val(t, "callsheet_import_jobs_total", "state", "done") == 1 && staged {
				break
			}
			if time.Now().After(deadline) {
				j, _ := svc.Imports.FindImport(f.AdminCtx, job.ID)
				t.Fatalf("the import was never counted done; it is %s %s", j.State, j.Error)
			}
		}

		delta := func(name string, labels ...string) float64 {
			t.Helper()
			old, _ := before.get(name, labels...)
			return after.val(t, name, labels...) - old
		}
		for _, tc := range []struct {
			name   string
			labels []string
			want   float64
		}{
			{"callsheet_http_requests_total", []string{"route", "GET /campaigns", "method", "GET", "code", "2xx"}, 3},
			{"callsheet_http_request_duration_seconds_count", []string{"route", "GET /campaigns", "method", "GET"}, 3},
			{"callsheet_http_requests_total", []string{"route", "GET /campaigns/{id}", "method", "GET", "code", "4xx"}, 1},
			{"callsheet_http_requests_total", []string{"route", "GET /campaigns/{id}", "method", "GET", "code", "2xx"}, 1},
			{"callsheet_http_rate_limited_total", []string{"route", "POST /login"}, 2},
			{"callsheet_import_rows_total", []string{"outcome", "added"}, 3},
			{"callsheet_import_rows_total", []string{"outcome", "duplicate_in_file"}, 1},
			{"callsheet_import_rows_total", []string{"outcome", "invalid"}, 1},
			{"callsheet_import_rows_total", []string{"outcome", "updated"}, 0},
			{"callsheet_import_jobs_total", []string{"state", "done"}, 1},
			{"callsheet_import_jobs_total", []string{"state", "failed"}, 0},
			{"callsheet_import_phase_duration_seconds_count", []string{"phase", "read_and_stage"}, 1},
			{"callsheet_import_phase_duration_seconds_count", []string{"phase", "commit"}, 1},
			{"callsheet_import_lease_takeovers_total", nil, 0},
		} {
			if got := delta(tc.name, tc.labels...); got != tc.want {
				t.Errorf("%s %v rose by %v, want %v", tc.name, tc.labels, got, tc.want)
			}
		}
		// The refusals, by the limit that refused them.
		var refusals float64
		for _, kind := range []string{web.RateLimitLogin, web.RateLimitLoginIP, web.RateLimitAPI} {
			refusals += delta("callsheet_rate_limit_refusals_total", "limit", kind)
		}
		if refusals != 2 {
			t.Errorf("rate limit refusals rose by %v, want 2", refusals)
		}
		// The queue is read at each scrape: the job left it.
		if q, r := after.val(t, "callsheet_import_queue_jobs"), after.val(t, "callsheet_import_running_jobs"); q != 0 || r != 0 {
			t.Errorf("queue after the import: %v queued, %v running", q, r)
		}
		if age := after.val(t, "callsheet_import_queue_oldest_age_seconds"); age != 0 {
			t.Errorf("oldest queued job's age %v with none queued", age)
		}
		// The pool, the runtime and the process.
		if open := after.val(t, "go_sql_open_connections", "db_name", db.Engine()); open < 1 {
			t.Errorf("%v connections open", open)
		}
		after.val(t, "go_sql_in_use_connections", "db_name", db.Engine())
		after.val(t, "go_sql_idle_connections", "db_name", db.Engine())
		after.val(t, "go_sql_wait_count_total", "db_name", db.Engine())
		after.val(t, "go_sql_wait_duration_seconds_total", "db_name", db.Engine())
		if g := after.val(t, "go_goroutines"); g < 1 {
			t.Errorf("%v goroutines", g)
		}
		after.val(t, "process_resident_memory_bytes")
		// Paths never become labels: a route is its pattern.
		for k := range after {
			if strings.Contains(k, fmt.Sprintf("/campaigns/%d", camp.ID)) || strings.Contains(k, "999999") {
				t.Errorf("a path became a label: %s", k)
			}
		}
	})
}

// TestReadyz: /readyz answers 200 while the database answers and 503 when
// it does not; /healthz says only that the process is up. Without a token,
// /metrics is open.
func TestReadyz(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ts, _ := observedServer(t, db, "")
		get := func(path string) (int, string) {
			resp, err := http.Get(ts.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		if code, body := get("/readyz"); code != http.StatusOK || body != "ready\n" {
			t.Fatalf("readyz: %d %q", code, body)
		}
		if code, s := scrape(t, ts.URL, ""); code != http.StatusOK || s.val(t, "callsheet_http_requests_total", "route", "GET /readyz", "method", "GET", "code", "2xx") != 1 {
			t.Fatalf("open metrics: %d", code)
		}
		db.SQL().Close()
		if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "not ready") {
			t.Fatalf("readyz with the database closed: %d %q", code, body)
		}
		if code, _ := get("/healthz"); code != http.StatusOK {
			t.Fatalf("healthz with the database closed: %d", code)
		}
		// The queue cannot be read, but the rest of the scrape is served.
		code, s := scrape(t, ts.URL, "")
		if code != http.StatusOK {
			t.Fatalf("scrape with the database closed: %d", code)
		}
		if _, ok := s.get("callsheet_import_queue_jobs"); ok {
			t.Fatal("a queue depth was reported without a database")
		}
		s.val(t, "callsheet_http_requests_total", "route", "GET /readyz", "method", "GET", "code", "5xx")
	})
}
