// Command saves measures what agents meet while a big import runs: it
// seeds a database (SQLite file or PostgreSQL URL) with -rows customers,
// starts the built binary on it, uploads a file of -rows more through the
// API, and while that import runs saves a customer through the API (PATCH
// of a note) -rate times a second, in an open loop: a save's latency counts
// from when it was due, so a save that waits for the import is seen
// waiting. It prints the import's time and the saves' percentiles.
//
//	go build -o bench/out/callsheet ./cmd/callsheet
//	go run ./bench/saves -bin bench/out/callsheet -db bench/out/saves.db -rows 1000000
//	go run ./bench/saves -bin bench/out/callsheet -db postgres://postgres@127.0.0.1:5432/saves -rows 1000000
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/bench/internal/benchdb"
	"github.com/callsheet/callsheet/internal/app"
	"github.com/callsheet/callsheet/sqldb"
)

func main() {
	bin := flag.String("bin", "bench/out/callsheet", "the built callsheet binary")
	dsn := flag.String("db", "bench/out/saves.db", "SQLite file or postgres:// URL (it is created afresh)")
	rows := flag.Int("rows", 1000000, "customers already there, and rows of the file")
	rate := flag.Int("rate", 10, "saves a second during the import")
	flag.Parse()
	ctx := context.Background()

	token, campaign, ids := seed(ctx, *dsn, *rows)
	file := writeFile(*rows)
	defer os.Remove(file)
	logf, err := os.Create(filepath.Join(filepath.Dir(*bin), "saves-server.log"))
	must(err)
	defer logf.Close()
	base, stop := benchdb.Serve(*bin, *dsn, logf, "--api-rate", "100000")
	defer stop()

	t0 := time.Now()
	job := upload(base, token, campaign, file)
	var (
		mu  sync.Mutex
		lat []time.Duration
		bad int
	)
	done := make(chan struct{})
	var wg sync.WaitGroup
	go func() {
		tick := time.NewTicker(time.Second / time.Duration(*rate))
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			case due := <-tick.C:
				wg.Add(1)
				go func(i int, due time.Time) {
					defer wg.Done()
					ok := save(base, token, ids[i%len(ids)], i)
					mu.Lock()
					lat = append(lat, time.Since(due))
					if !ok {
						bad++
					}
					mu.Unlock()
				}(i, due)
			}
		}
	}()
	state := wait(base, token, job)
	importTime := time.Since(t0)
	close(done)
	wg.Wait()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	engine := benchdb.Engine(*dsn)
	fmt.Printf("%s: import of %d rows into an account of %d customers: %s in %.1f s\n", engine, *rows, *rows, state, importTime.Seconds())
	fmt.Printf("saves during it (%d a second, open loop): %d, %d failed; latency ms p50 %.1f, p90 %.1f, p99 %.1f, max %.1f\n",
		*rate, len(lat), bad, pct(0.50), pct(0.90), pct(0.99), pct(1))
}

// seed creates the database afresh: an account with an API token and a
// campaign of rows customers, written by one INSERT ... SELECT.
func seed(ctx context.Context, dsn string, rows int) (token string, campaign int64, ids []int64) {
	db := benchdb.Fresh(ctx, dsn)
	defer db.Close()
	svc := app.Services(db, nil)
	acc := &callsheet.Account{Name: "Bench", Country: "IL", TimeZone: "Asia/Jerusalem", Language: "en"}
	must(svc.Accounts.CreateAccount(callsheet.NewOperatorContext(ctx), acc))
	sys := callsheet.NewContextWithActor(ctx, &callsheet.Actor{AccountID: acc.ID, Role: callsheet.RoleAdmin, Name: "bench"})
	old := &callsheet.Campaign{Name: "Worked"}
	must(svc.Campaigns.CreateCampaign(sys, old))
	target := &callsheet.Campaign{Name: "Imported"}
	must(svc.Campaigns.CreateCampaign(sys, target))
	token, err := svc.Tokens.CreateAPIToken(sys, &callsheet.APIToken{Name: "bench"})
	must(err)
	sts, _, err := svc.Statuses.FindStatuses(sys, callsheet.StatusFilter{})
	must(err)
	now := time.Now().UnixMicro()
	q := `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?5)
		INSERT INTO customers (account_id, campaign_id, name, phone, status_id, created_at, updated_at)
		SELECT ?1, ?2, 'Customer ' || i, '+9725' || printf('%08d', 10000000 + i), ?3, ?4, ?4 FROM n`
	if sqldb.IsPostgresDSN(dsn) {
		q = `INSERT INTO customers (account_id, campaign_id, name, phone, status_id, created_at, updated_at)
			SELECT $1, $2, 'Customer ' || i, '+9725' || lpad((10000000 + i)::text, 8, '0'), $3, $4::bigint, $4::bigint
			FROM generate_series(1, $5) AS i`
	}
	_, err = db.SQL().ExecContext(ctx, q, acc.ID, old.ID, sts[0].ID, now, rows)
	must(err)
	db.SQL().ExecContext(ctx, `ANALYZE`)
	r, err := db.SQL().QueryContext(ctx, `SELECT id FROM customers ORDER BY id LIMIT 1000`)
	must(err)
	for r.Next() {
		var id int64
		must(r.Scan(&id))
		ids = append(ids, id)
	}
	r.Close()
	return token, target.ID, ids
}

// writeFile writes a CSV of rows new customers, as Google Sheets does.
func writeFile(rows int) string {
	f, err := os.CreateTemp("", "saves-*.csv")
	must(err)
	var b bytes.Buffer
	b.WriteString("Name,Phone,Note\r\n")
	for i := 1; i <= rows; i++ {
		fmt.Fprintf(&b, "New %d,053-%03d-%04d,from the fair\r\n", i, (i/10000)%1000, i%10000)
		if b.Len() > 1<<20 {
			f.Write(b.Bytes())
			b.Reset()
		}
	}
	f.Write(b.Bytes())
	must(f.Close())
	return f.Name()
}

func call(method, u, token, contentType string, body io.Reader) (int, []byte) {
	req, err := http.NewRequest(method, u, body)
	must(err)
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Minute}).Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// upload sends the file to the import API and returns the job's id.
func upload(base, token string, campaign int64, path string) int64 {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, err := w.CreateFormFile("file", filepath.Base(path))
	must(err)
	f, err := os.Open(path)
	must(err)
	io.Copy(fw, f)
	f.Close()
	w.WriteField("campaign_id", fmt.Sprint(campaign))
	w.WriteField("options", `{"unique": "move", "override": true}`)
	must(w.Close())
	status, b := call("POST", base+"/api/imports", token, w.FormDataContentType(), &body)
	var job struct {
		ID int64 `json:"id"`
	}
	if status/100 != 2 || json.Unmarshal(b, &job) != nil || job.ID == 0 {
		log.Fatalf("upload: %d %s", status, b)
	}
	return job.ID
}

// wait polls the job until it ends and returns its state.
func wait(base, token string, job int64) string {
	for {
		status, b := call("GET", fmt.Sprintf("%s/api/imports/%d", base, job), token, "", nil)
		var j struct {
			State string `json:"state"`
		}
		if status == http.StatusOK && json.Unmarshal(b, &j) == nil && j.State != "queued" && j.State != "running" {
			return j.State
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// save changes a customer's note through the API.
func save(base, token string, id int64, i int) bool {
	status, _ := call("PATCH", fmt.Sprintf("%s/api/customers/%d", base, id), token, "application/json",
		strings.NewReader(fmt.Sprintf(`{"note": "called %d"}`, i)))
	return status == http.StatusOK
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
