package storetest_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// heldSource serves its rows, then waits for release before it ends: the
// import holding it is running, inside its transaction.
type heldSource struct {
	rows    []*callsheet.ImportRow
	i       int
	reading chan struct{} // closed at the first read
	release chan struct{}
}

func (s *heldSource) Next() (*callsheet.ImportRow, error) {
	if s.i == 0 {
		close(s.reading)
	}
	if s.i < len(s.rows) {
		s.i++
		return s.rows[s.i-1], nil
	}
	<-s.release
	return nil, io.EOF
}

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

	// An import adds the phone to From again, and is held running.
	held := &heldSource{rows: []*callsheet.ImportRow{{Line: 0, Name: "X again", Phone: phone}}, reading: make(chan struct{}), release: make(chan struct{})}
	imported := make(chan error, 1)
	var again *callsheet.ImportResult
	go func() {
		var err error
		_, again, err = run(from, callsheet.ImportOptions{}, held)
		imported <- err
	}()
	<-held.reading

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
	waiting := func() bool {
		var n int
		must(t, db.SQL().QueryRowContext(context.Background(), `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`).Scan(&n))
		return n > 0
	}
	for deadline := time.Now().Add(10 * time.Second); !waiting() && len(undone) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the undo neither waited nor finished within 10 s")
		}
	}
	released := time.Now()
	close(held.release)
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
