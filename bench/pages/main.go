// Command pages times the pages agents and admins open most, as a browser
// meets them, on a campaign of a million customers: the campaigns list, a
// campaign's page (newest first, sorted by name, filtered by status,
// searched by name and by phone) and a customer's card. It seeds a
// database (SQLite file or PostgreSQL URL) with one account and a campaign
// of -rows customers in three statuses, starts the built binary on it,
// logs in through the form, and prints for each page the median and the
// slowest of -runs requests, from this separate process.
//
//	go build -o bench/out/callsheet ./cmd/callsheet
//	go run ./bench/pages -bin bench/out/callsheet -db bench/out/pages.db -rows 1000000
//	go run ./bench/pages -bin bench/out/callsheet -db postgres://postgres@127.0.0.1:5432/pages -rows 1000000
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/bench/internal/benchdb"
	"github.com/callsheet/callsheet/internal/app"
)

func main() {
	bin := flag.String("bin", "bench/out/callsheet", "the built callsheet binary")
	dsn := flag.String("db", "bench/out/pages.db", "SQLite file or postgres:// URL (it is created afresh)")
	rows := flag.Int("rows", 1000000, "customers in the campaign")
	runs := flag.Int("runs", 15, "requests per page")
	flag.Parse()
	ctx := context.Background()

	campaignID, customerID, statusID := seed(ctx, *dsn, *rows)
	base, stop := benchdb.Serve(*bin, *dsn, io.Discard)
	defer stop()
	c := login(base)

	fmt.Printf("%s, %d customers in one campaign, %d requests a page\n", benchdb.Engine(*dsn), *rows, *runs)
	fmt.Printf("%-44s %10s %10s\n", "page", "median ms", "max ms")
	for _, p := range []struct{ name, path string }{
		{"campaigns list", "/campaigns"},
		{"campaign, newest first", fmt.Sprintf("/campaigns/%d", campaignID)},
		{"campaign, page 200", fmt.Sprintf("/campaigns/%d?page=200", campaignID)},
		{"campaign, sorted by name", fmt.Sprintf("/campaigns/%d?sort=name", campaignID)},
		{"campaign, one status", fmt.Sprintf("/campaigns/%d?status=%d", campaignID, statusID)},
		{"campaign, search a name", fmt.Sprintf("/campaigns/%d?q=levi", campaignID)},
		{"campaign, search a phone", fmt.Sprintf("/campaigns/%d?q=052-123", campaignID)},
		{"customer card", fmt.Sprintf("/customers/%d", customerID)},
	} {
		var ms []float64
		for i := 0; i < *runs; i++ {
			t0 := time.Now()
			resp, err := c.Get(base + p.path)
			if err != nil {
				log.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				log.Fatalf("%s: %s", p.path, resp.Status)
			}
			ms = append(ms, float64(time.Since(t0).Microseconds())/1000)
		}
		slices.Sort(ms)
		fmt.Printf("%-44s %10.1f %10.1f\n", p.name, ms[len(ms)/2], ms[len(ms)-1])
	}
}

const login_, password = "bench-admin", "bench password 1"

// seed creates the database afresh: an account, its admin, a campaign and
// rows customers in three statuses, written by one INSERT ... SELECT (the
// counts are kept by the database as for any other write).
func seed(ctx context.Context, dsn string, rows int) (campaignID, customerID, statusID int64) {
	db := benchdb.Fresh(ctx, dsn)
	defer db.Close()
	svc := app.Services(db, nil)
	op := callsheet.NewOperatorContext(ctx)
	acc := &callsheet.Account{Name: "Bench", Country: "IL", TimeZone: "Asia/Jerusalem", Language: "en"}
	must(svc.Accounts.CreateAccount(op, acc))
	sys := callsheet.NewContextWithActor(ctx, &callsheet.Actor{AccountID: acc.ID, Role: callsheet.RoleAdmin, Name: "bench"})
	must(svc.Users.CreateUser(sys, &callsheet.User{Name: "Bench Admin", Login: login_, Role: callsheet.RoleAdmin}, password))
	camp := &callsheet.Campaign{Name: "Million"}
	must(svc.Campaigns.CreateCampaign(sys, camp))
	sts, _, err := svc.Statuses.FindStatuses(sys, callsheet.StatusFilter{})
	must(err)
	s0, s1, s2 := sts[0].ID, sts[1].ID, sts[2].ID
	now := time.Now().UnixMicro()
	t0 := time.Now()
	var q string
	if strings.HasPrefix(dsn, "postgres") {
		q = `INSERT INTO customers (account_id, campaign_id, name, last_name, phone, email, status_id, created_at, updated_at)
			SELECT $1, $2, (ARRAY['Dana','Moshe','Rachel','Yossi','Noa','Avi'])[1 + i % 6] || ' ' || (i % 997),
				(ARRAY['Cohen','Levi','Mizrahi','Peretz','Biton'])[1 + i % 5], '+9725' || lpad((20000000 + i)::text, 8, '0'),
				'c' || i || '@example.com', CASE i % 3 WHEN 0 THEN $3::bigint WHEN 1 THEN $4::bigint ELSE $5::bigint END, $6::bigint - i, $6::bigint
			FROM generate_series(1, $7) AS i`
	} else {
		q = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?7)
			INSERT INTO customers (account_id, campaign_id, name, last_name, phone, email, status_id, created_at, updated_at)
			SELECT ?1, ?2, (CASE i % 6 WHEN 0 THEN 'Dana' WHEN 1 THEN 'Moshe' WHEN 2 THEN 'Rachel' WHEN 3 THEN 'Yossi' WHEN 4 THEN 'Noa' ELSE 'Avi' END) || ' ' || (i % 997),
				CASE i % 5 WHEN 0 THEN 'Cohen' WHEN 1 THEN 'Levi' WHEN 2 THEN 'Mizrahi' WHEN 3 THEN 'Peretz' ELSE 'Biton' END,
				'+9725' || printf('%08d', 20000000 + i), 'c' || i || '@example.com',
				CASE i % 3 WHEN 0 THEN ?3 WHEN 1 THEN ?4 ELSE ?5 END, ?6 - i, ?6
			FROM n`
	}
	if _, err := db.SQL().ExecContext(ctx, q, acc.ID, camp.ID, s0, s1, s2, now, rows); err != nil {
		log.Fatal(err)
	}
	db.SQL().ExecContext(ctx, `ANALYZE`)
	log.Printf("seeded %d customers in %.1f s", rows, time.Since(t0).Seconds())
	must(db.SQL().QueryRowContext(ctx, `SELECT max(id) FROM customers`).Scan(&customerID))
	return camp.ID, customerID, s1
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// login logs in through the form, as a browser does.
func login(base string) *http.Client {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: time.Minute}
	resp, err := c.Get(base + "/login")
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRE.FindSubmatch(body)
	if m == nil {
		log.Fatal("no CSRF token on the login page")
	}
	resp, err = c.PostForm(base+"/login", url.Values{"csrf": {string(m[1])}, "login": {login_}, "password": {password}, "next": {"/campaigns"}})
	if err != nil {
		log.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.Request.URL.Path != "/campaigns" {
		log.Fatalf("login ended at %s (%s)", resp.Request.URL, resp.Status)
	}
	return c
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
