package storetest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// TestSingleAdds checks that single adds are told from files and batches,
// summed by day of the account's zone, way in and maker, with what became
// of each, and that the import that added a customer is found from it.
func TestSingleAdds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := storetest.NewFixture(t, db, "history")
		defer func() { db.Now = time.Now }()
		loc, err := time.LoadLocation("Asia/Jerusalem") // UTC+2 in November
		must(t, err)
		camp := f.Campaign(t, "Leads")
		other := f.Campaign(t, "Other")
		store := sqldb.NewImportStore(db)
		tok := &callsheet.APIToken{Name: "site"}
		_, err = sqldb.NewAPITokenService(db).CreateAPIToken(f.AdminCtx, tok)
		must(t, err)
		site := callsheet.NewContextWithActor(context.Background(), &callsheet.Actor{AccountID: f.Account.ID, TokenID: tok.ID,
			Role: callsheet.RoleAdmin, Name: "API token site"})
		dana := f.Agent(t, "Dana Levi", true, camp.ID)
		mapping := map[string]string{"phone": "phone", "name": "name"}

		at := func(day, hour, min int) { // a local time of November 2026
			db.Now = func() time.Time { return time.Date(2026, 11, day, hour, min, 0, 0, loc) }
		}
		add := func(ctx context.Context, source string, campaignID int64, rows ...*callsheet.ImportRow) *callsheet.ImportJob {
			t.Helper()
			job := &callsheet.ImportJob{CampaignID: campaignID, Source: source, Mapping: mapping, State: callsheet.ImportRunning, Single: len(rows) == 1}
			must(t, store.CreateImportJob(ctx, job, nil))
			_, err := store.RunImport(ctx, job, &storetest.RowsSource{Rows: rows}, true)
			must(t, err)
			return job
		}
		phone := func(i int) string { return fmt.Sprintf("+97252300%04d", i) }

		// Through the token, on the 30th: 100 adds from just after
		// midnight to late evening, then one of a phone already here
		// (skipped) and one without a name (invalid); one just before
		// midnight on the 29th; one into the other campaign.
		var adds []*callsheet.ImportJob
		for i := 0; i < 100; i++ {
			at(30, 0, 5+i*8) // 00:05 to 13:17
			adds = append(adds, add(site, "api", camp.ID, &callsheet.ImportRow{Phone: phone(i), Name: fmt.Sprint("Lead ", i)}))
		}
		at(30, 20, 0)
		add(site, "api", camp.ID, &callsheet.ImportRow{Phone: phone(7), Name: "Lead again"})
		add(site, "api", camp.ID, &callsheet.ImportRow{Phone: phone(500), Problem: &callsheet.RowProblem{Field: "name", Message: "Name is required."}})
		at(29, 23, 55)
		add(site, "api", camp.ID, &callsheet.ImportRow{Phone: phone(600), Name: "Late lead"})
		at(30, 9, 0)
		add(site, "api", other.ID, &callsheet.ImportRow{Phone: phone(700), Name: "Elsewhere"})
		// Dana's form, twice on the 30th; a batch of two and a file.
		at(30, 10, 0)
		add(f.As(dana), "form", camp.ID, &callsheet.ImportRow{Phone: phone(800), Name: "Walk-in"})
		at(30, 11, 0)
		add(f.As(dana), "form", camp.ID, &callsheet.ImportRow{Phone: phone(801), Name: "Walk-in two"})
		batch := add(site, "api", camp.ID, &callsheet.ImportRow{Phone: phone(900), Name: "B1"}, &callsheet.ImportRow{Line: 1, Phone: phone(901), Name: "B2"})
		file := &callsheet.ImportJob{CampaignID: camp.ID, Source: "file", FileName: "leads.csv", Mapping: mapping, State: callsheet.ImportDraft}
		must(t, store.CreateImportJob(f.AdminCtx, file, strings.NewReader("name,phone\n")))
		// One of the 100 is undone.
		at(30, 21, 0)
		_, err = store.UndoImportJob(f.AdminCtx, adds[3].ID)
		must(t, err)

		t.Run("files and batches apart", func(t *testing.T) {
			jobs, n, err := store.FindImportJobs(f.AdminCtx, callsheet.ImportJobFilter{CampaignID: &camp.ID, Single: ptr(false)})
			must(t, err)
			if n != 2 || len(jobs) != 2 || jobs[0].ID != file.ID || jobs[1].ID != batch.ID || jobs[0].Single || jobs[1].Single {
				t.Fatalf("files and batches: %d %+v", n, jobs)
			}
			from, before := time.Date(2026, 11, 30, 0, 0, 0, 0, loc), time.Date(2026, 12, 1, 0, 0, 0, 0, loc)
			jobs, n, err = store.FindImportJobs(f.AdminCtx, callsheet.ImportJobFilter{CampaignID: &camp.ID, Single: ptr(true), TokenID: &tok.ID,
				Source: ptr("api"), CreatedFrom: &from, CreatedBefore: &before, Limit: 5})
			must(t, err)
			if n != 102 || len(jobs) != 5 || !jobs[0].Single {
				t.Fatalf("the token's adds of the 30th: %d, %d listed", n, len(jobs))
			}
			_, n, err = store.FindImportJobs(f.AdminCtx, callsheet.ImportJobFilter{CampaignID: &camp.ID, Single: ptr(true), UserID: &dana.ID})
			must(t, err)
			if n != 2 {
				t.Fatalf("Dana's adds: %d", n)
			}
			// Every job is still there for whoever lists them all.
			_, n, err = store.FindImportJobs(f.AdminCtx, callsheet.ImportJobFilter{CampaignID: &camp.ID})
			must(t, err)
			if n != 107 {
				t.Fatalf("all jobs of the campaign: %d", n)
			}
		})

		t.Run("summed by day, way in and maker", func(t *testing.T) {
			got, err := store.FindSingleAdds(f.AdminCtx, callsheet.SingleAddsFilter{CampaignID: camp.ID, Location: loc,
				From: time.Date(2026, 11, 24, 0, 0, 0, 0, loc), Before: time.Date(2026, 12, 1, 0, 0, 0, 0, loc)})
			must(t, err)
			var lines []string
			for _, l := range got {
				lines = append(lines, fmt.Sprintf("%s %s user=%v token=%v by=%q adds=%d added=%d skipped=%d undone=%d unwritten=%d invalid=%d last=%s",
					l.Day.Format("2006-01-02 15:04 MST"), l.Source, l.UserID == dana.ID, l.TokenID == tok.ID, l.CreatedBy, l.Adds,
					l.Written.Added, l.Written.SkippedExisting, l.Undone, l.Unwritten, l.Invalid, l.Last.In(loc).Format("15:04")))
			}
			want := []string{
				`2026-11-30 00:00 IST api user=false token=true by="API token site" adds=102 added=99 skipped=1 undone=1 unwritten=1 invalid=1 last=20:00`,
				`2026-11-30 00:00 IST form user=true token=false by="Dana Levi" adds=2 added=2 skipped=0 undone=0 unwritten=0 invalid=0 last=11:00`,
				`2026-11-29 00:00 IST api user=false token=true by="API token site" adds=1 added=1 skipped=0 undone=0 unwritten=0 invalid=0 last=23:55`,
			}
			if strings.Join(lines, "\n") != strings.Join(want, "\n") {
				t.Fatalf("lines:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
			}
			if got[0].Written.Total != 100 {
				t.Errorf("written rows of the token's day: %d, want 100 (99 added, 1 skipped)", got[0].Written.Total)
			}
			// A span that starts at noon cuts the day there.
			got, err = store.FindSingleAdds(f.AdminCtx, callsheet.SingleAddsFilter{CampaignID: camp.ID, Location: loc,
				From: time.Date(2026, 11, 30, 12, 0, 0, 0, loc), Before: time.Date(2026, 12, 1, 0, 0, 0, 0, loc)})
			must(t, err)
			if len(got) != 1 || got[0].Adds != 2+10 || !got[0].Day.Equal(time.Date(2026, 11, 30, 0, 0, 0, 0, loc)) {
				t.Fatalf("from noon: %+v", got)
			}
			// In UTC, the add at 23:55 of the 29th is on the 29th too, and
			// the first ones of the 30th (before 02:00 there) as well.
			got, err = store.FindSingleAdds(f.AdminCtx, callsheet.SingleAddsFilter{CampaignID: camp.ID,
				From: time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC), Before: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
			must(t, err)
			byDay := map[int]int{}
			for _, l := range got {
				if l.Source == "api" {
					byDay[l.Day.Day()] += l.Adds
				}
			}
			if byDay[29] != 1+15 || byDay[30] != 102-15 {
				t.Fatalf("api adds by UTC day: %v", byDay)
			}
		})

		t.Run("summer time", func(t *testing.T) {
			// Israel's clocks go back from 02:00 to 01:00 on 25-10-2026:
			// UTC+3 before, UTC+2 after.
			autumn := f.Campaign(t, "Autumn")
			for i, at := range []time.Time{
				time.Date(2026, 10, 24, 23, 30, 0, 0, loc), time.Date(2026, 10, 25, 0, 30, 0, 0, loc),
				time.Date(2026, 10, 25, 23, 30, 0, 0, loc), time.Date(2026, 10, 26, 0, 10, 0, 0, loc),
			} {
				db.Now = func() time.Time { return at }
				add(site, "api", autumn.ID, &callsheet.ImportRow{Phone: phone(1000 + i), Name: "Autumn lead"})
			}
			got, err := store.FindSingleAdds(f.AdminCtx, callsheet.SingleAddsFilter{CampaignID: autumn.ID, Location: loc,
				From: time.Date(2026, 10, 24, 0, 0, 0, 0, loc), Before: time.Date(2026, 10, 27, 0, 0, 0, 0, loc)})
			must(t, err)
			var days []string
			for _, l := range got {
				days = append(days, fmt.Sprintf("%s:%d", l.Day.Format("02-01 15:04 -0700"), l.Adds))
			}
			if want := "26-10 00:00 +0200:1 25-10 00:00 +0300:2 24-10 00:00 +0300:1"; strings.Join(days, " ") != want {
				t.Fatalf("days %v, want %s", days, want)
			}
		})

		t.Run("the import that added a customer", func(t *testing.T) {
			cs, _, err := sqldb.NewCustomerService(db).FindCustomers(f.AdminCtx, callsheet.CustomerFilter{Phone: ptr(phone(42)), Limit: 1})
			must(t, err)
			if len(cs) != 1 {
				t.Fatalf("customer 42: %d found", len(cs))
			}
			jobs, _, err := store.FindImportJobs(f.AdminCtx, callsheet.ImportJobFilter{CustomerID: &cs[0].ID})
			must(t, err)
			if len(jobs) != 1 || jobs[0].ID != adds[42].ID || !jobs[0].Single || jobs[0].TokenID != tok.ID {
				t.Fatalf("import of customer 42: %+v", jobs)
			}
		})

		t.Run("other accounts see none", func(t *testing.T) {
			g := storetest.NewFixture(t, db, "elsewhere")
			got, err := store.FindSingleAdds(g.AdminCtx, callsheet.SingleAddsFilter{CampaignID: camp.ID, Location: loc,
				From: time.Date(2026, 11, 1, 0, 0, 0, 0, loc), Before: time.Date(2026, 12, 1, 0, 0, 0, 0, loc)})
			must(t, err)
			if len(got) != 0 {
				t.Fatalf("another account sees %+v", got)
			}
			cs, _, err := sqldb.NewCustomerService(db).FindCustomers(f.AdminCtx, callsheet.CustomerFilter{Phone: ptr(phone(1)), Limit: 1})
			must(t, err)
			jobs, _, err := store.FindImportJobs(g.AdminCtx, callsheet.ImportJobFilter{CustomerID: &cs[0].ID})
			must(t, err)
			if len(jobs) != 0 {
				t.Fatalf("another account finds the import of a customer not its own: %+v", jobs)
			}
			_, err = store.FindSingleAdds(f.As(dana), callsheet.SingleAddsFilter{CampaignID: camp.ID, From: time.Now().Add(-time.Hour), Before: time.Now()})
			wantCode(t, err, callsheet.EFORBIDDEN)
		})

		t.Run("bad spans", func(t *testing.T) {
			now := time.Now()
			_, err := store.FindSingleAdds(f.AdminCtx, callsheet.SingleAddsFilter{CampaignID: camp.ID, From: now, Before: now})
			wantCode(t, err, callsheet.EINVALID)
			_, err = store.FindSingleAdds(f.AdminCtx, callsheet.SingleAddsFilter{CampaignID: camp.ID, From: now.AddDate(-2, 0, 0), Before: now})
			wantCode(t, err, callsheet.EINVALID)
		})
	})
}

// BenchmarkSingleAdds measures the campaign page's history over a site
// that sent 2,000 leads a day for 30 days (60,000 single adds), with the
// campaign's ten files older than all of them: the 30 days summed, and
// the ten files found past the adds.
func BenchmarkSingleAdds(b *testing.B) {
	for _, engine := range storetest.Engines {
		b.Run(engine, func(b *testing.B) {
			db := storetest.MustOpenDB(b, engine)
			f := storetest.NewFixture(b, db, "bench")
			camp := f.Campaign(b, "Leads")
			store := sqldb.NewImportStore(db)
			for i := 0; i < 10; i++ {
				job := &callsheet.ImportJob{CampaignID: camp.ID, Source: "file", FileName: "leads.csv", State: callsheet.ImportDraft}
				if err := store.CreateImportJob(f.AdminCtx, job, strings.NewReader("name,phone\n")); err != nil {
					b.Fatal(err)
				}
			}
			const adds, days = 60000, 30
			end := time.Now()
			start := end.AddDate(0, 0, -days)
			q := `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
				INSERT INTO import_jobs (account_id, campaign_id, source, created_by, token_id, state, counts, applied, rows_read, created_at, single)
				SELECT ?, ?, 'api', 'API token site', 1, 'done',
					CASE WHEN i % 20 = 0 THEN '{"total":1,"skipped_existing":1}' ELSE '{"total":1,"added":1}' END,
					TRUE, 1, CAST(? AS BIGINT) + CAST(i AS BIGINT) * CAST(? AS BIGINT), TRUE FROM n`
			if db.Engine() == "postgres" {
				for i := 1; strings.Contains(q, "?"); i++ {
					q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
				}
			}
			if _, err := db.SQL().Exec(q, adds, f.Account.ID, camp.ID, start.UnixMicro(), end.Sub(start).Microseconds()/adds); err != nil {
				b.Fatal(err)
			}
			if _, err := db.SQL().Exec(`ANALYZE`); err != nil {
				b.Fatal(err)
			}
			loc := f.Account.Location()
			b.Run("days", func(b *testing.B) {
				for b.Loop() {
					got, err := store.FindSingleAdds(f.AdminCtx, callsheet.SingleAddsFilter{CampaignID: camp.ID, Location: loc,
						From: end.AddDate(0, 0, -days), Before: end.Add(time.Second)})
					if err != nil || len(got) < days {
						b.Fatalf("%d lines, %v", len(got), err)
					}
				}
			})
			b.Run("files", func(b *testing.B) {
				for b.Loop() {
					jobs, _, err := store.FindImportJobs(f.AdminCtx, callsheet.ImportJobFilter{CampaignID: &camp.ID, Single: ptr(false), Limit: 10})
					if err != nil || len(jobs) != 10 {
						b.Fatalf("%d jobs, %v", len(jobs), err)
					}
				}
			})
		})
	}
}
