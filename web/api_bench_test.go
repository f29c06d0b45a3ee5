package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/internal/app"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
	"github.com/callsheet/callsheet/web"
)

// The API's load check: a server on a real SQLite file, called over HTTP
// as integrations call it. Run it with
//
//	go test ./web -run '^$' -bench API -count 5
//
// Single adds report their latency (p50, p99) and throughput; batches
// report rows a second.

// benchAPI starts a server with a campaign and a token, without a rate
// limit worth the name.
func benchAPI(b *testing.B) (url, token string, campaignID int64) {
	b.Helper()
	db := storetest.MustOpenDB(b, "sqlite")
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := web.NewServer(app.Services(db, logger), logger)
	srv.SetAPILimits(web.APILimits{RequestsPerMinute: 1 << 30})
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(ts.Close)
	f := storetest.NewFixture(b, db, "bench")
	camp := f.Campaign(b, "Leads")
	secret, err := sqldb.NewAPITokenService(db).CreateAPIToken(f.AdminCtx, &callsheet.APIToken{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	return ts.URL, secret, camp.ID
}

// benchPhone is the n-th of four million numbers the numbering plan
// allows: 052-6000000 and on.
func benchPhone(n int) string { return fmt.Sprintf("05%08d", 26000000+n) }

// benchPost posts a JSON body and returns the answer, failing unless it
// has the status.
func benchPost(b *testing.B, client *http.Client, url, token string, body any, status int) []byte {
	data, err := json.Marshal(body)
	if err != nil {
		b.Fatal(err)
	}
	req, _ := http.NewRequest("POST", url, bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	out, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		b.Fatal(err)
	}
	if resp.StatusCode != status {
		b.Fatalf("status %d, want %d: %s", resp.StatusCode, status, out)
	}
	return out
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))]
}

// BenchmarkAPIAddOne adds customers one by one, one request at a time.
func BenchmarkAPIAddOne(b *testing.B) {
	url, token, camp := benchAPI(b)
	client := &http.Client{}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		benchPost(b, client, url+"/api/customers", token, map[string]any{"campaign_id": camp,
			"customer": map[string]any{"name": "Customer", "last_name": fmt.Sprint(i), "phone": benchPhone(i), "source": "bench"}}, http.StatusCreated)
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "adds/s")
}

// BenchmarkAPIAddOneParallel adds customers one by one from several
// clients at once, as many web forms posting leads do.
func BenchmarkAPIAddOneParallel(b *testing.B) {
	url, token, camp := benchAPI(b)
	var n atomic.Int64
	b.SetParallelism(2) // 2 × GOMAXPROCS clients
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		client := &http.Client{}
		for pb.Next() {
			i := int(n.Add(1))
			benchPost(b, client, url+"/api/customers", token, map[string]any{"campaign_id": camp,
				"customer": map[string]any{"name": "Customer", "phone": benchPhone(i)}}, http.StatusCreated)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "adds/s")
}

// BenchmarkAPIAddBatch adds batches of 1,000 customers.
func BenchmarkAPIAddBatch(b *testing.B) {
	const size = 1000
	url, token, camp := benchAPI(b)
	client := &http.Client{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		customers := make([]map[string]string, size)
		for j := range customers {
			customers[j] = map[string]string{"name": "Customer", "last_name": fmt.Sprint(j), "phone": benchPhone(i*size + j),
				"email": fmt.Sprintf("c%d@example.com", i*size+j), "source": "bench"}
		}
		b.StartTimer()
		out := benchPost(b, client, url+"/api/customers/batch", token, map[string]any{"campaign_id": camp, "customers": customers}, http.StatusOK)
		b.StopTimer()
		var res struct{ Counts callsheet.ImportCounts }
		if err := json.Unmarshal(out, &res); err != nil || res.Counts.Added != size {
			b.Fatalf("batch %d: %+v %v", i, res.Counts, err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "rows/s")
}
