package storetest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// SQLite writes an import in steps (import_steps.go). These tests run on
// SQLite only: PostgreSQL writes an import in one transaction while others
// write beside it.

// stepPhone is the phone of a file's row i.
func stepPhone(i int) string { return fmt.Sprintf("+97252300%04d", i) }

// stepRows is a file of n rows, named by their line.
func stepRows(n int) *storetest.RowsSource {
	src := &storetest.RowsSource{}
	for i := 0; i < n; i++ {
		src.Rows = append(src.Rows, &callsheet.ImportRow{Line: i + 2, Phone: stepPhone(i), Name: fmt.Sprintf("Row %d", i)})
	}
	return src
}

// customerByPhone returns the id and name of the campaign's customer with
// the phone, and how many it has.
func customerByPhone(t *testing.T, db *sqldb.DB, campaignID int64, phone string) (id int64, name string, n int) {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT id, name FROM customers WHERE campaign_id = ? AND phone = ?`, campaignID, phone)
	must(t, err)
	defer rows.Close()
	for rows.Next() {
		must(t, rows.Scan(&id, &name))
		n++
	}
	must(t, rows.Err())
	return id, name, n
}

// While an import writes its steps, others write between them: an agent's
// save does not wait for the import. What they wrote is seen by the steps
// after: a customer added with a phone of the file is the row's existing
// customer (not a collision), and one deleted is added again.
func TestImportStepsLetOthersWrite(t *testing.T) {
	db := storetest.MustOpenDB(t, "sqlite")
	db.ImportStepRows = 50
	f := storetest.NewFixture(t, db, "steps")
	target, other := f.Campaign(t, "Target"), f.Campaign(t, "Other")
	customers := sqldb.NewCustomerService(db)
	gone := f.Customer(t, target.ID, "Old 900", stepPhone(900))
	moving := f.Customer(t, other.ID, "Old 10", stepPhone(10))
	bystander := f.Customer(t, other.ID, "Bystander", "+972529999999")

	s := sqldb.NewImportStore(db)
	phases := map[string]bool{}
	s.Timings = func(phase string, d time.Duration) { phases[phase] = true }
	var steps int
	var added *callsheet.Customer
	s.Stepped = func(jobID int64, rows int) {
		steps++
		if steps != 1 {
			return
		}
		if rows != 50 {
			t.Errorf("the first step wrote %d rows, want 50", rows)
		}
		// Between the first step and the second, with the import not
		// finished: a save, an add with a phone of the file's last
		// steps, and a delete of the customer a later row would update.
		ctx, cancel := context.WithTimeout(f.AdminCtx, 5*time.Second)
		defer cancel()
		note := "Saved during the import"
		if _, err := customers.UpdateCustomer(ctx, bystander.ID, callsheet.CustomerUpdate{Note: &note}); err != nil {
			t.Errorf("a save between the steps: %v", err)
		}
		added = &callsheet.Customer{CampaignID: target.ID, Name: "Added meanwhile", Phone: stepPhone(950)}
		if err := customers.CreateCustomer(ctx, added); err != nil {
			t.Errorf("an add between the steps: %v", err)
		}
		if err := customers.DeleteCustomer(ctx, gone.ID); err != nil {
			t.Errorf("a delete between the steps: %v", err)
		}
	}
	job := &callsheet.ImportJob{CampaignID: target.ID, Source: "api", State: callsheet.ImportRunning,
		Options: callsheet.ImportOptions{Unique: callsheet.UniqueMove, Override: true}, Mapping: map[string]string{"name": "name", "phone": "phone"}}
	must(t, s.CreateImportJob(f.AdminCtx, job, nil))
	res, err := s.RunImport(f.AdminCtx, job, stepRows(1000), false)
	must(t, err)
	if steps < 19 || added == nil {
		t.Fatalf("%d steps reported, want at least 19 of 50 rows", steps)
	}
	if !phases["classify again"] {
		t.Fatal("others wrote between the steps, and no step classified its rows again")
	}
	// Row 950 found the customer added meanwhile; row 900 found none.
	want := callsheet.ImportCounts{Total: 1000, Added: 998, Updated: 1, Moved: 1, RemovedElsewhere: 1}
	if res.Counts != want {
		t.Fatalf("counts %+v, want %+v", res.Counts, want)
	}
	if id, name, n := customerByPhone(t, db, target.ID, stepPhone(950)); n != 1 || id != added.ID || name != "Row 950" {
		t.Fatalf("phone 950 in Target: %d customers, id %d (added as %d), name %q", n, id, added.ID, name)
	}
	if id, name, n := customerByPhone(t, db, target.ID, stepPhone(900)); n != 1 || id == gone.ID || name != "Row 900" {
		t.Fatalf("phone 900 in Target: %d customers, id %d (deleted %d), name %q", n, id, gone.ID, name)
	}
	if _, _, n := customerByPhone(t, db, other.ID, moving.Phone); n != 0 {
		t.Fatalf("the moved customer is still in Other")
	}
	got, err := customers.FindCustomerByID(f.AdminCtx, bystander.ID)
	must(t, err)
	if got.Note != "Saved during the import" {
		t.Fatalf("the save between the steps was lost: note %q", got.Note)
	}
	_, n, err := customers.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &target.ID, Limit: 1})
	must(t, err)
	if n != 1000 {
		t.Fatalf("Target holds %d customers, want 1000", n)
	}
	storetest.CheckCampaignCounts(t, db)
}

// snapshotCustomers is every customer as a line of its fields that an
// import and its taking back touch (not its version and update time,
// which a taking back moves on).
func snapshotCustomers(t *testing.T, db *sqldb.DB) string {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT id, campaign_id, phone, name, note, status_id, COALESCE(agent_id, 0), COALESCE(follow_up_at, 0), custom
		FROM customers ORDER BY id`)
	must(t, err)
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, camp, status, agent, follow int64
		var phone, name, note, custom string
		must(t, rows.Scan(&id, &camp, &phone, &name, &note, &status, &agent, &follow, &custom))
		fmt.Fprintf(&b, "%d %d %s %q %q %d %d %d %s\n", id, camp, phone, name, note, status, agent, follow, custom)
	}
	must(t, rows.Err())
	return b.String()
}

// A run cut off between its steps takes back what it wrote: the added
// customers go, the moved ones return with their ids, the overwritten ones
// get their fields back, the register is as it was, and the job's records
// are cleared. The job stays running for its worker to end, and a run
// again applies it once.
func TestImportStepsTakenBack(t *testing.T) {
	for _, cut := range []string{"cancel", "crash"} {
		t.Run(cut, func(t *testing.T) {
			db := storetest.MustOpenDB(t, "sqlite")
			db.ImportStepRows = 40
			f := storetest.NewFixture(t, db, "back")
			target, other := f.Campaign(t, "Target"), f.Campaign(t, "Other")
			var moved, updated int
			for i := 0; i < 300; i += 7 {
				f.Customer(t, other.ID, fmt.Sprintf("Elsewhere %d", i), stepPhone(i))
				moved++
			}
			for i := 3; i < 300; i += 11 {
				if i%7 != 0 {
					f.Customer(t, target.ID, fmt.Sprintf("Here %d", i), stepPhone(i))
					updated++
				}
			}
			// On the register already, and not.
			_, err := sqldb.NewDoNotCallService(db).AddDoNotCall(f.AdminCtx, stepPhone(5), "Asked")
			must(t, err)
			before := snapshotCustomers(t, db)
			register := func() string {
				var n int
				var at int64
				must(t, db.SQL().QueryRow(`SELECT count(*), COALESCE(sum(requested_at), 0) FROM do_not_call`).Scan(&n, &at))
				return fmt.Sprint(n, at)
			}
			registerBefore := register()

			s := sqldb.NewImportStore(db)
			ctx, cancel := context.WithCancel(f.AdminCtx)
			defer cancel()
			crashed := errors.New("the process died")
			s.Stepped = func(jobID int64, rows int) {
				if rows >= 120 {
					if cut == "crash" {
						panic(crashed) // a run that never takes back, as a killed process
					}
					cancel()
				}
			}
			dnc := f.Statuses[callsheet.StatusDoNotCall]
			job := &callsheet.ImportJob{CampaignID: target.ID, Source: "api", State: callsheet.ImportRunning, Worker: "w-1",
				Options: callsheet.ImportOptions{Unique: callsheet.UniqueMove, Override: true, Reset: true, StatusID: dnc.ID},
				Mapping: map[string]string{"name": "name", "phone": "phone"}}
			must(t, s.CreateImportJob(f.AdminCtx, job, nil))
			func() {
				defer func() {
					if p := recover(); p != nil && p != crashed {
						panic(p)
					}
				}()
				_, err := s.RunImport(ctx, job, stepRows(300), false)
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("the cut-off run: %v, want it cancelled", err)
				}
			}()
			if cut == "crash" {
				// Nothing took it back yet: part of it is written.
				if snapshotCustomers(t, db) == before {
					t.Fatal("the cut-off run wrote nothing: cut it later")
				}
				// The next start does.
				op := callsheet.NewOperatorContext(context.Background())
				n, err := s.RequeueOrphanedImports(op)
				must(t, err)
				if n != 1 {
					t.Fatalf("requeued %d jobs, want 1", n)
				}
			}
			if after := snapshotCustomers(t, db); after != before {
				t.Fatalf("the customers after the cut-off run differ:\nbefore\n%s\nafter\n%s", before, after)
			}
			if got := register(); got != registerBefore {
				t.Fatalf("the register is %s, was %s", got, registerBefore)
			}
			var records, applying int
			must(t, db.SQL().QueryRow(`SELECT (SELECT count(*) FROM import_changes WHERE job_id = ?) + (SELECT count(*) FROM import_problems WHERE job_id = ?)
				+ (SELECT count(*) FROM import_dnc_changes WHERE job_id = ?), (SELECT count(*) FROM import_jobs WHERE id = ? AND applying_at IS NOT NULL)`,
				job.ID, job.ID, job.ID, job.ID).Scan(&records, &applying))
			if records != 0 || applying != 0 {
				t.Fatalf("after taking back: %d records of the job, applying %d", records, applying)
			}
			var audited int
			must(t, db.SQL().QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'import.taken_back' AND object_id = ?`, job.ID).Scan(&audited))
			if audited != 1 {
				t.Fatalf("%d audit events of the taking back, want 1", audited)
			}
			storetest.CheckCampaignCounts(t, db)

			// Run again, it applies once.
			if cut == "crash" {
				again, err := s.ClaimImportJob(callsheet.NewOperatorContext(context.Background()), "w-2", time.Hour)
				must(t, err)
				job = again
			}
			s.Stepped = nil
			res, err := s.RunImport(f.AdminCtx, job, stepRows(300), false)
			must(t, err)
			if res.Counts.Total != 300 || res.Counts.Moved != moved || res.Counts.Updated != updated || res.Counts.Added != 300-moved-updated {
				t.Fatalf("the run again: %+v", res.Counts)
			}
			_, n, err := sqldb.NewCustomerService(db).FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &target.ID, Limit: 1})
			must(t, err)
			if n != 300 {
				t.Fatalf("Target holds %d customers, want 300", n)
			}
			storetest.CheckCampaignCounts(t, db)
		})
	}
}

// When no one else writes while an import writes its steps, the rows are
// classified once: the steps do not classify them again.
func TestImportStepsQuiet(t *testing.T) {
	db := storetest.MustOpenDB(t, "sqlite")
	db.ImportStepRows = 30
	f := storetest.NewFixture(t, db, "quiet")
	target, other := f.Campaign(t, "Target"), f.Campaign(t, "Other")
	f.Customer(t, other.ID, "Old 7", stepPhone(7))
	f.Customer(t, target.ID, "Old 8", stepPhone(8))
	s := sqldb.NewImportStore(db)
	phases := map[string]bool{}
	s.Timings = func(phase string, d time.Duration) { phases[phase] = true }
	var steps int
	s.Stepped = func(int64, int) { steps++ }
	job := &callsheet.ImportJob{CampaignID: target.ID, Source: "api", State: callsheet.ImportRunning,
		Options: callsheet.ImportOptions{Unique: callsheet.UniqueMove, Override: true}, Mapping: map[string]string{"name": "name", "phone": "phone"}}
	must(t, s.CreateImportJob(f.AdminCtx, job, nil))
	res, err := s.RunImport(f.AdminCtx, job, stepRows(200), false)
	must(t, err)
	if steps < 5 || phases["classify again"] {
		t.Fatalf("%d steps; classified again: %v", steps, phases["classify again"])
	}
	if want := (callsheet.ImportCounts{Total: 200, Added: 198, Updated: 1, Moved: 1, RemovedElsewhere: 1}); res.Counts != want {
		t.Fatalf("counts %+v, want %+v", res.Counts, want)
	}
	storetest.CheckCampaignCounts(t, db)
}
