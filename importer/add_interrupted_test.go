package importer_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/importer"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// stalledApplier holds an import until its run is stopped.
type stalledApplier struct {
	callsheet.ImportApplier
	started chan int64
}

func (a *stalledApplier) RunImport(ctx context.Context, job *callsheet.ImportJob, src callsheet.ImportSource, collect bool) (*callsheet.ImportResult, error) {
	a.started <- job.ID
	<-ctx.Done()
	return nil, ctx.Err()
}

// Customers sent to a server too slow to keep its job's lease, whose job
// another server took over, get a server error that says nothing was
// written and to send them again (which an idempotency key does not
// keep), not the bare cancellation of the run. PostgreSQL, where leases
// are renewed while a batch runs. (A single add has no lease: its job is
// created and finished in one transaction.)
func TestAddInterruptedByTakeover(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		if db.Engine() != "postgres" {
			t.Skip("SQLite runs one writer at a time and renews no lease during a run")
		}
		e := newEngine(t, db, "interrupted")
		stalled := &stalledApplier{ImportApplier: e.svc.Applier, started: make(chan int64, 1)}
		e.svc.Applier = stalled
		e.svc.Lease = 200 * time.Millisecond
		type answer struct {
			job *callsheet.ImportJob
			err error
		}
		done := make(chan answer, 1)
		go func() {
			job, _, err := e.svc.AddCustomers(e.f.AdminCtx, e.camp.ID, callsheet.ImportOptions{},
				[]callsheet.CustomerInput{{"name": "Dana", "phone": "052-623-4567"}, {"name": "Noa", "phone": "052-623-4568"}}, "api")
			done <- answer{job, err}
		}()
		var id int64
		select {
		case id = <-stalled.started:
		case <-time.After(30 * time.Second):
			t.Fatal("the add never ran")
		}
		// Another server takes the job over.
		if _, err := db.SQL().Exec(`UPDATE import_jobs SET worker = 'w-other' WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		select {
		case a := <-done:
			if !errors.Is(a.err, importer.ErrAddInterrupted) || callsheet.ErrorCode(a.err) != callsheet.EINTERNAL {
				t.Errorf("the add answered %v, want ErrAddInterrupted", a.err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the add did not stop when its job was taken over")
		}
	})
}
