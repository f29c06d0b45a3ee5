package storetest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// TestImportQueueStats reads the queue of every account: waiting and
// running jobs, and the age of the oldest waiting one; drafts and ended
// jobs are not in it.
func TestImportQueueStats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewImportStore(db)
		op := callsheet.NewOperatorContext(context.Background())
		stats := func() sqldb.ImportQueueStats {
			t.Helper()
			st, err := s.ImportQueueStats(op)
			must(t, err)
			return st
		}
		if st := stats(); st != (sqldb.ImportQueueStats{}) {
			t.Fatalf("empty queue: %+v", st)
		}

		a := storetest.NewFixture(t, db, "queue-a")
		b := storetest.NewFixture(t, db, "queue-b")
		campA, campB := a.Campaign(t, "A"), b.Campaign(t, "B")
		base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		create := func(f *storetest.Fixture, camp *callsheet.Campaign, at time.Time, state callsheet.ImportState) *callsheet.ImportJob {
			t.Helper()
			db.Now = func() time.Time { return at }
			job := &callsheet.ImportJob{CampaignID: camp.ID, Source: "file", FileName: "x.csv", State: state}
			must(t, s.CreateImportJob(f.AdminCtx, job, strings.NewReader("phone\n0522345678\n")))
			return job
		}
		create(a, campA, base, callsheet.ImportDraft)
		first := create(a, campA, base.Add(time.Minute), callsheet.ImportQueued)
		create(b, campB, base.Add(2*time.Minute), callsheet.ImportQueued)
		db.Now = time.Now

		st := stats()
		if st.Queued != 2 || st.Running != 0 || !st.OldestQueued.Equal(base.Add(time.Minute)) {
			t.Fatalf("two queued in two accounts: %+v", st)
		}
		claimed, err := s.ClaimImportJob(op, "w-1", time.Minute)
		must(t, err)
		if claimed.ID != first.ID {
			t.Fatalf("claimed job %d, want the oldest, %d", claimed.ID, first.ID)
		}
		st = stats()
		if st.Queued != 1 || st.Running != 1 || !st.OldestQueued.Equal(base.Add(2*time.Minute)) {
			t.Fatalf("one claimed: %+v", st)
		}
		must(t, s.FinishImportJob(op, claimed.ID, claimed.Worker, callsheet.ImportFailed, "Failed."))
		if st := stats(); st.Queued != 1 || st.Running != 0 {
			t.Fatalf("one ended: %+v", st)
		}

		_, err = s.ImportQueueStats(a.AdminCtx)
		wantCode(t, err, callsheet.EFORBIDDEN)
	})
}

// TestImportTakeover claims a job whose worker stopped renewing: the store
// says it was a takeover, from whom and how late; a plain claim, a claim
// of one's own lapsed job, and a job handed over with a zero lease are
// told apart.
func TestImportTakeover(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := storetest.NewFixture(t, db, "takeover")
		camp := f.Campaign(t, "T")
		s := sqldb.NewImportStore(db)
		type takeover struct {
			job  int64
			from string
			late time.Duration
		}
		var got []takeover
		s.Takeover = func(job int64, from string, late time.Duration) { got = append(got, takeover{job, from, late}) }
		op := callsheet.NewOperatorContext(context.Background())
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		job := &callsheet.ImportJob{CampaignID: camp.ID, Source: "file", FileName: "x.csv"}
		must(t, s.CreateImportJob(f.AdminCtx, job, strings.NewReader("phone\n0522345678\n")))

		_, err := s.ClaimImportJob(op, "w-1", 10*time.Second)
		must(t, err)
		if len(got) != 0 {
			t.Fatalf("a queued job's claim counted as a takeover: %+v", got)
		}
		// Within the lease nobody else may claim it.
		now = now.Add(9 * time.Second)
		_, err = s.ClaimImportJob(op, "w-2", 10*time.Second)
		wantCode(t, err, callsheet.ENOTFOUND)

		// w-1 lapses; w-2 takes over 3 s after the lease ended.
		now = now.Add(4 * time.Second)
		again, err := s.ClaimImportJob(op, "w-2", 10*time.Second)
		must(t, err)
		if again.ID != job.ID || len(got) != 1 || got[0] != (takeover{job.ID, "w-1", 3 * time.Second}) {
			t.Fatalf("takeover: job %d, told %+v", again.ID, got)
		}
		_, err = s.RenewImportLease(op, job.ID, "w-1", 10*time.Second, 0, 0)
		wantCode(t, err, callsheet.ECONFLICT)

		// w-2 lapses and claims its own job again: not a takeover.
		now = now.Add(11 * time.Second)
		_, err = s.ClaimImportJob(op, "w-2", 10*time.Second)
		must(t, err)
		if len(got) != 1 {
			t.Fatalf("a worker reclaiming its own job counted as a takeover: %+v", got)
		}

		// A zero lease hands the job over at once.
		if _, err := s.RenewImportLease(op, job.ID, "w-2", 0, 0, 0); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Millisecond)
		_, err = s.ClaimImportJob(op, "w-3", 10*time.Second)
		must(t, err)
		if len(got) != 2 || got[1].from != "w-2" || got[1].late != time.Millisecond {
			t.Fatalf("hand-over: %+v", got)
		}
		got2, err := s.FindImportJobByID(f.AdminCtx, job.ID)
		must(t, err)
		if got2.Attempts != 4 || got2.State != callsheet.ImportRunning {
			t.Fatalf("job after three claims more: %+v", got2)
		}
	})
}
