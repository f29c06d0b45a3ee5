package storetest_test

import (
	"context"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// TestUndoTakesTurnsWithImports: an undo waits while an import of the
// account runs (PostgreSQL's advisory lock), so that the customer it puts
// back and the import's new one never collide. The fault test found undos
// and imports failing on each other's phones ("It already exists.").
func TestUndoTakesTurnsWithImports(t *testing.T) {
	db := storetest.MustOpenDB(t, "postgres")
	f := storetest.NewFixture(t, db, "turns")
	from, to := f.Campaign(t, "From"), f.Campaign(t, "To")
	s := sqldb.NewImportStore(db)
	const phone = "+972522000077"
	x := f.Customer(t, from.ID, "X", phone)

	run := func(camp *callsheet.Campaign, opts callsheet.ImportOptions, src callsheet.ImportSource) (*callsheet.ImportJob, *callsheet.ImportResult, error) {
		job := &callsheet.ImportJob{CampaignID: camp.ID, Source: "api", State: callsheet.ImportRunning, Options: opts,
			Mapping: map[string]string{"name": "name", "phone": "phone"}}
		if err := s.CreateImportJob(f.AdminCtx, job, nil); err != nil {
			return nil, nil, err
		}
		res, err := s.RunImport(f.AdminCtx, job, src, false)
		return job, res, err
	}
	// X moves to To; undoing that would put it back in From.
	moved, res, err := run(to, callsheet.ImportOptions{Unique: callsheet.UniqueMove}, &storetest.RowsSource{Rows: []*callsheet.ImportRow{{Line: 0, Name: "X", Phone: phone}}})
	must(t, err)
	if res.Counts.Moved != 1 {
		t.Fatalf("counts %+v", res.Counts)
	}

	// An import adds the phone to From again, and is held as it writes:
	// it reads and stages its rows first, then takes the account's lock
	// to classify and write them, and its first write waits for a lock
	// another transaction holds on the customers.
	blocker, err := db.SQL().BeginTx(context.Background(), nil)
	must(t, err)
	defer blocker.Rollback()
	_, err = blocker.Exec(`LOCK TABLE customers IN SHARE MODE`)
	must(t, err)
	imported := make(chan error, 1)
	var again *callsheet.ImportResult
	go func() {
		var err error
		_, again, err = run(from, callsheet.ImportOptions{}, &storetest.RowsSource{Rows: []*callsheet.ImportRow{{Line: 0, Name: "X again", Phone: phone}}})
		imported <- err
	}()
	waits := func(q string) bool {
		var n int
		must(t, db.SQL().QueryRowContext(context.Background(), q).Scan(&n))
		return n > 0
	}
	for deadline := time.Now().Add(10 * time.Second); !waits(`SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
		WHERE c.relname = 'customers' AND NOT l.granted`); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) || len(imported) > 0 {
			t.Fatal("the import did not come to write within 10 s")
		}
	}

	type undoEnd struct {
		res *callsheet.UndoResult
		err error
		at  time.Time
	}
	undone := make(chan undoEnd, 1)
	go func() {
		r, err := s.UndoImportJob(f.AdminCtx, moved.ID)
		undone <- undoEnd{r, err, time.Now()}
	}()
	// The undo waits for the import's lock (or, wrongly, finishes).
	for deadline := time.Now().Add(10 * time.Second); !waits(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`) && len(undone) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the undo neither waited nor finished within 10 s")
		}
	}
	released := time.Now()
	must(t, blocker.Rollback())
	must(t, <-imported)
	u := <-undone
	must(t, u.err)
	if u.at.Before(released) {
		t.Fatal("the undo ran while an import of the account was running")
	}
	// The import added the phone to From first; the undo keeps X out of it.
	if again.Counts.Added != 1 || u.res.Returned != 0 || len(u.res.Kept) != 1 || u.res.Kept[0] != x.ID {
		t.Fatalf("import %+v, undo %+v", again.Counts, u.res)
	}
}
