package storetest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// A worker whose lease ran out, and whose job another worker took over,
// can neither apply the job nor record how it ended: only the worker that
// holds the job does. On both engines.
func TestImportFence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := storetest.NewFixture(t, db, "fence")
		camp := f.Campaign(t, "Leads")
		s := sqldb.NewImportStore(db)
		op := callsheet.NewOperatorContext(f.AdminCtx)
		t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return t0 }
		t.Cleanup(func() { db.Now = time.Now })

		job := &callsheet.ImportJob{CampaignID: camp.ID, Source: "file", Mapping: map[string]string{"name": "Name", "phone": "Phone"}}
		must(t, s.CreateImportJob(f.AdminCtx, job, strings.NewReader("file")))
		a, err := s.ClaimImportJob(op, "worker-a", time.Minute)
		must(t, err)
		// Worker A goes quiet; its lease runs out and B takes the job over.
		db.Now = func() time.Time { return t0.Add(2 * time.Minute) }
		b, err := s.ClaimImportJob(op, "worker-b", time.Minute)
		must(t, err)
		if a.ID != job.ID || b.ID != job.ID || a.Worker != "worker-a" || b.Worker != "worker-b" {
			t.Fatalf("claims: %d by %q, %d by %q", a.ID, a.Worker, b.ID, b.Worker)
		}
		rows := func() *storetest.RowsSource {
			return &storetest.RowsSource{Rows: []*callsheet.ImportRow{{Line: 2, Phone: p5, Name: "Five"}, {Line: 3, Phone: p6, Name: "Six"}}}
		}
		customers := func() int {
			_, n, err := sqldb.NewCustomerService(db).FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &camp.ID, Limit: 1})
			must(t, err)
			return n
		}

		// A wakes up and finishes its run: it is fenced off.
		if _, err := s.RunImport(f.AdminCtx, a, rows(), false); !errors.Is(err, callsheet.ErrImportTakenOver) {
			t.Fatalf("A's run: %v, want it taken over", err)
		}
		if n := customers(); n != 0 {
			t.Fatalf("A's run wrote %d customers", n)
		}
		must(t, s.FinishImportJob(op, job.ID, a.Worker, callsheet.ImportFailed, "A gave up."))
		if got, err := s.FindImportJobByID(f.AdminCtx, job.ID); err != nil || got.State != callsheet.ImportRunning {
			t.Fatalf("after A's end the job is %v (%v), want still running for B", got.State, err)
		}

		// B, which holds it, applies it once.
		res, err := s.RunImport(f.AdminCtx, b, rows(), false)
		must(t, err)
		if res.Counts.Added != 2 || customers() != 2 {
			t.Fatalf("B's run: %+v, %d customers", res.Counts, customers())
		}
		if got, err := s.FindImportJobByID(f.AdminCtx, job.ID); err != nil || got.State != callsheet.ImportDone {
			t.Fatalf("after B the job is %v (%v)", got.State, err)
		}
	})
}

// Once a run's fence is written the job is done by this run, whatever
// happens to its context: a lease watchdog that gives up then (its
// renewals wait for the job's row, which the fence holds until the
// commit) must not turn a committed import into an error. PostgreSQL only:
// SQLite has no watchdog, and nothing else writes while an import does.
func TestImportCancelledAfterFenceCommits(t *testing.T) {
	db := storetest.MustOpenDB(t, "postgres")
	f := storetest.NewFixture(t, db, "fenced")
	camp := f.Campaign(t, "Leads")
	s := sqldb.NewImportStore(db)
	job := &callsheet.ImportJob{CampaignID: camp.ID, Source: "file", State: callsheet.ImportRunning, Worker: "w-1", Lease: time.Minute,
		Mapping: map[string]string{"name": "Name", "phone": "Phone"}}
	must(t, s.CreateImportJob(f.AdminCtx, job, strings.NewReader("file")))

	// The run's audit, written after the fence, waits for this lock.
	bg := context.Background()
	blocker, err := db.SQL().BeginTx(bg, nil)
	must(t, err)
	defer blocker.Rollback()
	if _, err := blocker.ExecContext(bg, `LOCK TABLE audit_events IN SHARE MODE`); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(f.AdminCtx)
	defer cancel()
	type result struct {
		res *callsheet.ImportResult
		err error
	}
	ended := make(chan result, 1)
	go func() {
		res, err := s.RunImport(ctx, job, &storetest.RowsSource{Rows: []*callsheet.ImportRow{{Line: 2, Phone: p5, Name: "Five"}, {Line: 3, Phone: p6, Name: "Six"}}}, false)
		ended <- result{res, err}
	}()
	waiting := func() bool {
		var n int
		must(t, db.SQL().QueryRowContext(bg, `SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'audit_events'::regclass`).Scan(&n))
		return n > 0
	}
	for deadline := time.Now().Add(20 * time.Second); !waiting(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the run never reached its audit")
		}
	}
	var state string
	must(t, db.SQL().QueryRowContext(bg, `SELECT state FROM import_jobs WHERE id = $1`, job.ID).Scan(&state))
	if state != string(callsheet.ImportRunning) {
		t.Fatalf("others see the job %s before the run commits", state)
	}

	cancel() // the watchdog gives up here
	var r result
	select {
	case r = <-ended: // a run that heeds the cancel ends at once
	case <-time.After(500 * time.Millisecond):
	}
	must(t, blocker.Rollback())
	if r.res == nil && r.err == nil {
		r = <-ended
	}
	if r.err != nil {
		t.Fatalf("run cancelled after its fence: %v", r.err)
	}
	if r.res.Counts.Added != 2 {
		t.Fatalf("counts %+v", r.res.Counts)
	}
	got, err := s.FindImportJobByID(f.AdminCtx, job.ID)
	must(t, err)
	_, n, err := sqldb.NewCustomerService(db).FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &camp.ID, Limit: 1})
	must(t, err)
	if got.State != callsheet.ImportDone || n != 2 {
		t.Fatalf("job %s with %d customers, want done with 2", got.State, n)
	}
	storetest.CheckCampaignCounts(t, db)
}
