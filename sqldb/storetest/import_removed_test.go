package storetest_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// elsewhere are the copies the world of TestImportRemovedElsewhere adds in
// other campaigns, beside P2 in Other: P1 (in the target) in Other, P2 in
// Third too, P4 (in the target) in Third, P5 (first row of a duplicate
// pair) in Other, and P6 (a row without a name) in Other.
type elsewhere struct {
	third                             *callsheet.Campaign
	p1Other, p2Third, p4Third, p5, p6 *callsheet.Customer
	wantByLine                        map[int][]callsheet.RemovedCopy // under move
	wantFrom                          []callsheet.CampaignCount
	wantCount                         int
	removedIDs                        map[int64]bool
}

func addElsewhere(t *testing.T, w *importWorld) *elsewhere {
	t.Helper()
	e := &elsewhere{third: w.f.Campaign(t, "Third")}
	e.p1Other = w.f.Customer(t, w.other.ID, "One elsewhere", p1)
	e.p2Third = w.f.Customer(t, e.third.ID, "Two in third", p2)
	e.p4Third = w.f.Customer(t, e.third.ID, "Four in third", p4)
	e.p5 = w.f.Customer(t, w.other.ID, "Five elsewhere", p5)
	e.p6 = w.f.Customer(t, w.other.ID, "Six elsewhere", p6)
	copyOf := func(c *callsheet.Customer, camp *callsheet.Campaign) callsheet.RemovedCopy {
		return callsheet.RemovedCopy{CustomerID: c.ID, CampaignID: camp.ID, CampaignName: camp.Name}
	}
	// Sorted by customer id within a line, as the store lists them.
	e.wantByLine = map[int][]callsheet.RemovedCopy{
		2: {copyOf(e.p1Other, w.other)},
		3: {copyOf(w.p2, w.other), copyOf(e.p2Third, e.third)},
		5: {copyOf(e.p4Third, e.third)},
		6: {copyOf(e.p5, w.other)},
	}
	e.wantFrom = []callsheet.CampaignCount{{ID: w.other.ID, Name: "Other", Customers: 3}, {ID: e.third.ID, Name: "Third", Customers: 2}}
	e.wantCount = 5
	e.removedIDs = map[int64]bool{e.p1Other.ID: true, w.p2.ID: true, e.p2Third.ID: true, e.p4Third.ID: true, e.p5.ID: true}
	return e
}

// customersOf lists the customers of the campaigns, oldest first.
func customersOf(t *testing.T, w *importWorld, camps ...*callsheet.Campaign) []*callsheet.Customer {
	t.Helper()
	var out []*callsheet.Customer
	for _, c := range camps {
		cs, _, err := w.customers.FindCustomers(w.f.AdminCtx, callsheet.CustomerFilter{CampaignID: &c.ID, Sort: callsheet.SortOldest})
		must(t, err)
		out = append(out, cs...)
	}
	return out
}

// checkRemoved checks every row's removals against the want, by line.
func checkRemoved(t *testing.T, what string, rows []callsheet.RowResult, want map[int][]callsheet.RemovedCopy) {
	t.Helper()
	seen := 0
	for _, r := range rows {
		w := want[r.Line]
		if len(w) == 0 && len(r.RemovedElsewhere) == 0 {
			continue
		}
		seen++
		if !reflect.DeepEqual(r.RemovedElsewhere, w) {
			t.Errorf("%s: line %d (%s) removed %+v, want %+v", what, r.Line, r.Outcome, r.RemovedElsewhere, w)
		}
		if len(w) > 0 && r.Message == "" {
			t.Errorf("%s: line %d does not say what it removed", what, r.Line)
		}
	}
	if seen != len(want) {
		t.Errorf("%s: %d rows removed customers, want %d: %+v", what, seen, len(want), rows)
	}
}

// TestImportRemovedElsewhere checks, in every combination of the options
// that decide outcomes, on both engines, that every customer an import
// deletes from another campaign is counted, summed by campaign and listed
// on its row, whatever the row's outcome (moved, updated, reset, skipped
// existing): in the dry run first, which deletes nothing, then in the run
// of the same job, in the stored problems and rows, and that undo puts
// back as many as the import said.
func TestImportRemovedElsewhere(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		for i, o := range allImportOptions() {
			name := fmt.Sprintf("override=%v,reset=%v,update_allowed=%v,unique=%s", o.Override, o.Reset, o.UpdateContactAllowed, o.Unique)
			t.Run(name, func(t *testing.T) {
				w := newImportWorld(t, db, fmt.Sprintf("removed%d", i))
				e := addElsewhere(t, w)
				move := o.Unique == callsheet.UniqueMove
				want, wantFrom, wantCount := e.wantByLine, e.wantFrom, e.wantCount
				if !move {
					want, wantFrom, wantCount = map[int][]callsheet.RemovedCopy{}, []callsheet.CampaignCount{}, 0
				}
				camps := []*callsheet.Campaign{w.target, w.other, e.third}
				before := customersOf(t, w, camps...)

				// The preview: counts and lists, and deletes nothing.
				opts := o
				opts.LoadValid, opts.StatusID, opts.DryRun = true, w.f.Initial.ID, true
				job, res := w.run(t, opts, nameNoteMapping)
				if res.Applied || res.Counts.RemovedElsewhere != wantCount || !reflect.DeepEqual(res.RemovedFrom, wantFrom) {
					t.Fatalf("preview: applied %v, removed %d from %+v; want %d from %+v", res.Applied, res.Counts.RemovedElsewhere, res.RemovedFrom, wantCount, wantFrom)
				}
				checkRemoved(t, "preview", res.Rows, want)
				if after := customersOf(t, w, camps...); !reflect.DeepEqual(after, before) {
					t.Fatalf("the preview changed customers")
				}
				got, err := w.store.FindImportJobByID(w.f.AdminCtx, job.ID)
				must(t, err)
				if got.Counts.RemovedElsewhere != wantCount || !reflect.DeepEqual(got.RemovedFrom, wantFrom) || got.Refused != "" {
					t.Fatalf("previewed job: %+v", got)
				}
				probs, _, err := w.store.FindImportProblems(w.f.AdminCtx, job.ID, 0, 100)
				must(t, err)
				checkRemoved(t, "preview problems", probs, want)
				for _, p := range probs {
					if len(want[p.Line]) > 0 && p.Outcome.Effects(opts).Inserts && p.CustomerID != 0 {
						t.Errorf("preview problem line %d names a customer not added: %+v", p.Line, p)
					}
				}

				// The same job, run: the wizard's Import after its preview.
				opts.DryRun = false
				job, err = w.store.UpdateImportJob(w.f.AdminCtx, job.ID, callsheet.ImportJobUpdate{Options: &opts, Queue: true})
				must(t, err)
				res, err = w.store.RunImport(w.f.AdminCtx, job, &storetest.RowsSource{Rows: w.rows()}, true)
				must(t, err)
				if !res.Applied || res.Counts.RemovedElsewhere != wantCount || !reflect.DeepEqual(res.RemovedFrom, wantFrom) {
					t.Fatalf("run: applied %v, removed %d from %+v; want %d from %+v", res.Applied, res.Counts.RemovedElsewhere, res.RemovedFrom, wantCount, wantFrom)
				}
				checkRemoved(t, "run", res.Rows, want)
				for _, c := range before {
					if c.CampaignID == w.target.ID {
						continue
					}
					gone := w.inCampaign(t, c.CampaignID, c.Phone) == nil
					if gone != (move && e.removedIDs[c.ID]) {
						t.Errorf("customer %d (%s in %d): gone %v", c.ID, c.Name, c.CampaignID, gone)
					}
				}
				if move && w.inCampaign(t, w.other.ID, p6) == nil {
					t.Error("the nameless row, invalid, removed P6 from Other")
				}
				probs, _, err = w.store.FindImportProblems(w.f.AdminCtx, job.ID, 0, 100)
				must(t, err)
				checkRemoved(t, "problems", probs, want)
				stored, _, err := w.store.FindImportRows(w.f.AdminCtx, job.ID, 0, 100)
				must(t, err)
				checkRemoved(t, "rows", stored, want)
				// A page of the rows lists the removals of its own rows.
				page, _, err := w.store.FindImportRows(w.f.AdminCtx, job.ID, 1, 2)
				must(t, err)
				wantPage := map[int][]callsheet.RemovedCopy{}
				for _, r := range page {
					if len(want[r.Line]) > 0 {
						wantPage[r.Line] = want[r.Line]
					}
				}
				checkRemoved(t, "a page of rows", page, wantPage)

				// Undo puts back as many as the import said it removed.
				undo, err := w.store.UndoImportJob(w.f.AdminCtx, job.ID)
				must(t, err)
				if undo.Returned != wantCount || len(undo.Kept) != 0 {
					t.Fatalf("undo returned %d, the import removed %d: %+v", undo.Returned, wantCount, undo)
				}
				if after := customersOf(t, w, w.other, e.third); !sameCustomers(after, before, w.target.ID) {
					t.Errorf("after undo the other campaigns hold %d customers, before %d", len(after), len(before))
				}
			})
		}
	})
}

// sameCustomers reports whether got are the customers of want outside the
// campaign skip, by id, campaign and phone.
func sameCustomers(got, want []*callsheet.Customer, skip int64) bool {
	key := func(c *callsheet.Customer) string { return fmt.Sprint(c.ID, c.CampaignID, c.Phone, c.Name) }
	w := map[string]bool{}
	for _, c := range want {
		if c.CampaignID != skip {
			w[key(c)] = true
		}
	}
	if len(got) != len(w) {
		return false
	}
	for _, c := range got {
		if !w[key(c)] {
			return false
		}
	}
	return true
}

// allImportOptions is every combination of the options that decide
// outcomes: 2 × 2 × 2 × 3 = 24.
func allImportOptions() []callsheet.ImportOptions {
	var out []callsheet.ImportOptions
	for _, u := range []callsheet.UniqueMode{callsheet.UniqueAny, callsheet.UniqueMove, callsheet.UniqueOnlyNew} {
		for i := 0; i < 8; i++ {
			out = append(out, callsheet.ImportOptions{Override: i&1 != 0, Reset: i&2 != 0, UpdateContactAllowed: i&4 != 0, Unique: u})
		}
	}
	return out
}
