package storetest_test

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// importWorld is the state every import case starts from.
type importWorld struct {
	f              *storetest.Fixture
	db             *sqldb.DB
	target, other  *callsheet.Campaign
	p1, p2, p4     *callsheet.Customer
	followUp       time.Time
	importTime     time.Time
	callback       *callsheet.Status
	customers      *sqldb.CustomerService
	store          *sqldb.ImportStore
	dncRequestedAt time.Time
}

// Phones of the world: P1 is in the target campaign, P2 in another, P3 on
// the do-not-call register only, P4 in the target and on the register, P5
// and P6 are new.
const (
	p1 = "+972522000001"
	p2 = "+972522000002"
	p3 = "+972522000003"
	p4 = "+972522000004"
	p5 = "+972522000005"
	p6 = "+972522000006"
)

func newImportWorld(t *testing.T, db *sqldb.DB, name string) *importWorld {
	t.Helper()
	w := &importWorld{db: db, f: storetest.NewFixture(t, db, name), customers: sqldb.NewCustomerService(db), store: sqldb.NewImportStore(db)}
	db.Now = func() time.Time { return time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC) }
	w.target = w.f.Campaign(t, "Target")
	w.other = w.f.Campaign(t, "Other")
	w.callback = &callsheet.Status{Name: "Call back", Kind: callsheet.StatusFollowUp}
	must(t, sqldb.NewStatusService(db).CreateStatus(w.f.AdminCtx, w.callback))
	w.followUp = time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
	w.p1 = &callsheet.Customer{CampaignID: w.target.ID, Name: "Old One", Email: "old@example.com", Note: "old note", Phone: p1,
		StatusID: w.callback.ID, FollowUpAt: &w.followUp}
	must(t, w.customers.CreateCustomer(w.f.AdminCtx, w.p1))
	w.p2 = w.f.Customer(t, w.other.ID, "Two elsewhere", p2)
	w.p4 = w.f.Customer(t, w.target.ID, "Four here", p4)
	db.Now = func() time.Time { return time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC) }
	w.dncRequestedAt = db.Now()
	for _, p := range []string{p3, p4} {
		_, err := sqldb.NewDoNotCallService(db).AddDoNotCall(w.f.AdminCtx, p, "asked")
		must(t, err)
	}
	w.importTime = time.Date(2026, 1, 3, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return w.importTime }
	t.Cleanup(func() { db.Now = time.Now })
	return w
}

// rows is the file of every case: each kind of row once.
func (w *importWorld) rows() []*callsheet.ImportRow {
	return []*callsheet.ImportRow{
		{Line: 2, Phone: p1, Name: "New One", Note: "new note"},
		{Line: 3, Phone: p2, Name: "Two"},
		{Line: 4, Phone: p3, Name: "Three"},
		{Line: 5, Phone: p4, Name: ""}, // existing: keeps its name
		{Line: 6, Phone: p5, Name: "Five", Note: "first"},
		{Line: 7, Phone: p5, Name: "Five again"},
		{Line: 8, Problem: &callsheet.RowProblem{Field: "phone", Column: "Phone", Message: "Phone \"123\" is not a valid number for IL."}},
		{Line: 9, Phone: p6, Name: ""}, // new without a name
	}
}

func (w *importWorld) run(t *testing.T, opts callsheet.ImportOptions, mapping map[string]string) (*callsheet.ImportJob, *callsheet.ImportResult) {
	t.Helper()
	job := &callsheet.ImportJob{CampaignID: w.target.ID, Source: "file", Options: opts, Mapping: mapping, State: callsheet.ImportRunning}
	must(t, w.store.CreateImportJob(w.f.AdminCtx, job, strings.NewReader("file")))
	res, err := w.store.RunImport(w.f.AdminCtx, job, &storetest.RowsSource{Rows: w.rows()}, true)
	must(t, err)
	return job, res
}

func (w *importWorld) inCampaign(t *testing.T, campaignID int64, phone string) *callsheet.Customer {
	t.Helper()
	cs, _, err := w.customers.FindCustomers(w.f.AdminCtx, callsheet.CustomerFilter{CampaignID: &campaignID, Phone: &phone})
	must(t, err)
	if len(cs) == 0 {
		return nil
	}
	return cs[0]
}

var nameNoteMapping = map[string]string{"name": "Name", "phone": "Phone", "note": "Notes"}

// TestImportOptions runs the file through every combination of the
// options the help article lists and checks each row's outcome and the
// data it leaves, against the rules of PRODUCT.md.
func TestImportOptions(t *testing.T) {
	type combo struct {
		override, reset, updateAllowed bool
		unique                         callsheet.UniqueMode
	}
	var combos []combo
	for _, o := range []bool{false, true} {
		for _, r := range []bool{false, true} {
			for _, u := range []bool{false, true} {
				for _, m := range []callsheet.UniqueMode{callsheet.UniqueAny, callsheet.UniqueMove, callsheet.UniqueOnlyNew} {
					combos = append(combos, combo{o, r, u, m})
				}
			}
		}
	}
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		for i, c := range combos {
			name := fmt.Sprintf("override=%v,reset=%v,update_allowed=%v,unique=%s", c.override, c.reset, c.updateAllowed, c.unique)
			t.Run(name, func(t *testing.T) {
				w := newImportWorld(t, db, fmt.Sprintf("combo%d", i))
				opts := callsheet.ImportOptions{Override: c.override, Reset: c.reset, UpdateContactAllowed: c.updateAllowed, Unique: c.unique,
					LoadValid: true, StatusID: w.f.Initial.ID}
				job, res := w.run(t, opts, nameNoteMapping)

				// What the rules say for each row.
				existing := callsheet.OutcomeSkippedExisting
				if c.override || c.updateAllowed {
					existing = callsheet.OutcomeUpdated
				} else if c.reset {
					existing = callsheet.OutcomeReset
				}
				elsewhere := map[callsheet.UniqueMode]callsheet.Outcome{callsheet.UniqueAny: callsheet.OutcomeAdded,
					callsheet.UniqueMove: callsheet.OutcomeMoved, callsheet.UniqueOnlyNew: callsheet.OutcomeSkippedOtherCampaign}[c.unique]
				want := map[int]callsheet.Outcome{2: existing, 3: elsewhere, 4: callsheet.OutcomeAdded, 5: existing,
					6: callsheet.OutcomeAdded, 7: callsheet.OutcomeDuplicate, 8: callsheet.OutcomeInvalid, 9: callsheet.OutcomeInvalid}
				wantBlocked := map[int]bool{4: !c.updateAllowed, 5: !c.updateAllowed && existing.Written()}

				if len(res.Rows) != len(want) {
					t.Fatalf("%d row results, want %d: %+v", len(res.Rows), len(want), res.Rows)
				}
				var counts callsheet.ImportCounts
				for _, r := range res.Rows {
					if r.Outcome != want[r.Line] {
						t.Errorf("line %d: %s, want %s", r.Line, r.Outcome, want[r.Line])
					}
					if r.Blocked != wantBlocked[r.Line] {
						t.Errorf("line %d: blocked %v, want %v", r.Line, r.Blocked, wantBlocked[r.Line])
					}
					counts.Add(r.Outcome, 1)
					if r.Blocked {
						counts.Blocked++
					}
					counts.RemovedElsewhere += len(r.RemovedElsewhere)
					// Move deletes P2's copy in the other campaign, and nothing else.
					wantRemoved := 0
					if r.Line == 3 && c.unique == callsheet.UniqueMove {
						wantRemoved = 1
					}
					if len(r.RemovedElsewhere) != wantRemoved || wantRemoved == 1 && (r.RemovedElsewhere[0].CustomerID != w.p2.ID ||
						r.RemovedElsewhere[0].CampaignID != w.other.ID || r.RemovedElsewhere[0].CampaignName != "Other") {
						t.Errorf("line %d removed %+v", r.Line, r.RemovedElsewhere)
					}
					if r.Outcome.Written() && r.CustomerID == 0 {
						t.Errorf("line %d: no customer id", r.Line)
					}
				}
				if res.Counts != counts || counts.Total != 8 {
					t.Errorf("counts %+v, rows say %+v", res.Counts, counts)
				}
				if res.Rows[5].DuplicateOf != 6 || !strings.Contains(res.Rows[5].Message, "line 6") {
					t.Errorf("duplicate: %+v", res.Rows[5])
				}
				if res.Rows[7].Field != "name" || res.Rows[7].Column != "Name" {
					t.Errorf("nameless new row: %+v", res.Rows[7])
				}
				if !res.Applied || job.State != callsheet.ImportDone {
					t.Fatalf("not applied: %+v", job)
				}

				// P1: matched fields only, with override; status and follow-up with reset.
				got := w.inCampaign(t, w.target.ID, p1)
				if c.override {
					if got.Name != "New One" || got.Note != "new note" {
						t.Errorf("override: P1 is %q / %q", got.Name, got.Note)
					}
				} else if got.Name != "Old One" || got.Note != "old note" {
					t.Errorf("no override: P1 changed to %q / %q", got.Name, got.Note)
				}
				if got.Email != "old@example.com" {
					t.Errorf("an unmatched field changed: %q", got.Email)
				}
				if c.reset {
					if got.StatusID != w.f.Initial.ID || got.FollowUpAt != nil {
						t.Errorf("reset: status %d, follow-up %v", got.StatusID, got.FollowUpAt)
					}
				} else if got.StatusID != w.callback.ID || got.FollowUpAt == nil || !got.FollowUpAt.Equal(w.followUp) {
					t.Errorf("no reset: status %d, follow-up %v", got.StatusID, got.FollowUpAt)
				}
				if c.updateAllowed != (got.ContactAllowedAt != nil && got.ContactAllowedAt.Equal(w.importTime)) {
					t.Errorf("contact allowed %v", got.ContactAllowedAt)
				}
				// P4 keeps its name: an empty cell never overwrites.
				if got := w.inCampaign(t, w.target.ID, p4); got.Name != "Four here" || got.Blocked != wantBlocked[5] && existing.Written() {
					t.Errorf("P4: %+v", got)
				}
				// P2: where it ends up.
				here, there := w.inCampaign(t, w.target.ID, p2), w.inCampaign(t, w.other.ID, p2)
				switch c.unique {
				case callsheet.UniqueAny:
					if here == nil || there == nil {
						t.Errorf("any: here %v there %v", here != nil, there != nil)
					}
				case callsheet.UniqueMove:
					if here == nil || there != nil {
						t.Errorf("move: here %v there %v", here != nil, there != nil)
					}
				case callsheet.UniqueOnlyNew:
					if here != nil || there == nil {
						t.Errorf("only-new: here %v there %v", here != nil, there != nil)
					}
				}
				// P3 was added, blocked unless contact is allowed now.
				if got := w.inCampaign(t, w.target.ID, p3); got == nil || got.Blocked != !c.updateAllowed || got.StatusID != w.f.Initial.ID {
					t.Errorf("P3: %+v", got)
				}
				// P5: the first row counts.
				if got := w.inCampaign(t, w.target.ID, p5); got == nil || got.Name != "Five" || got.Note != "first" {
					t.Errorf("P5: %+v", got)
				}
				if got := w.inCampaign(t, w.target.ID, p6); got != nil {
					t.Errorf("nameless P6 was added")
				}

				// Every row's outcome can be read back from the store.
				stored, n, err := w.store.FindImportRows(w.f.AdminCtx, job.ID, 0, 100)
				must(t, err)
				if n != len(res.Rows) || len(stored) != n {
					t.Fatalf("%d stored rows, want %d", n, len(res.Rows))
				}
				for i, got := range stored {
					want := res.Rows[i]
					if got.Line != want.Line || got.Outcome != want.Outcome || got.Blocked != want.Blocked || got.CustomerID != want.CustomerID {
						t.Errorf("stored row %+v, the import said %+v", got, want)
					}
				}

				// The report keeps the rows not added or updated, the blocked,
				// and those that removed customers elsewhere.
				probs, n, err := w.store.FindImportProblems(w.f.AdminCtx, job.ID, 0, 100)
				must(t, err)
				wantProblems := 0
				for _, r := range res.Rows {
					if !r.Outcome.Written() || r.Blocked || len(r.RemovedElsewhere) > 0 {
						wantProblems++
					}
				}
				if n != wantProblems || len(probs) != n {
					t.Errorf("%d problems, want %d", n, wantProblems)
				}
				storetest.CheckCampaignCounts(t, db)
			})
		}
	})
}

func TestImportAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		for _, tc := range []struct {
			name string
			opts callsheet.ImportOptions
		}{
			{"invalid rows stop the import", callsheet.ImportOptions{Override: true, Reset: true, Unique: callsheet.UniqueMove}},
			{"dry run writes nothing", callsheet.ImportOptions{Override: true, Reset: true, Unique: callsheet.UniqueMove, LoadValid: true, DryRun: true}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				w := newImportWorld(t, db, strings.ReplaceAll(tc.name, " ", "-"))
				before, _, err := w.customers.FindCustomers(w.f.AdminCtx, callsheet.CustomerFilter{Sort: callsheet.SortOldest})
				must(t, err)
				job, res := w.run(t, tc.opts, nameNoteMapping)
				if res.Applied || job.Applied {
					t.Fatal("applied")
				}
				if res.Counts.Total != 8 || res.Counts.Invalid != 2 || res.Counts.Moved != 1 || res.Counts.Updated != 2 {
					t.Fatalf("counts %+v", res.Counts)
				}
				for _, r := range res.Rows {
					if (r.Outcome == callsheet.OutcomeAdded || r.Outcome == callsheet.OutcomeMoved) && r.CustomerID != 0 {
						t.Errorf("line %d has a customer id though nothing was written", r.Line)
					}
				}
				after, _, err := w.customers.FindCustomers(w.f.AdminCtx, callsheet.CustomerFilter{Sort: callsheet.SortOldest})
				must(t, err)
				if len(after) != len(before) {
					t.Fatalf("%d customers, was %d", len(after), len(before))
				}
				for i := range before {
					if !reflect.DeepEqual(before[i], after[i]) {
						t.Errorf("customer changed: %+v -> %+v", before[i], after[i])
					}
				}
				got, err := w.store.FindImportJobByID(w.f.AdminCtx, job.ID)
				must(t, err)
				if got.State != callsheet.ImportDone || got.Applied || got.Counts != res.Counts {
					t.Fatalf("job %+v", got)
				}
				_, err = w.store.UndoImportJob(w.f.AdminCtx, job.ID)
				wantCode(t, err, callsheet.ECONFLICT)
			})
		}
	})
}

func TestImportUndo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newImportWorld(t, db, "undo")
		dnc := w.f.Statuses[callsheet.StatusDoNotCall]
		p2Before := w.inCampaign(t, w.other.ID, p2)
		job, res := w.run(t, callsheet.ImportOptions{Override: true, Reset: true, Unique: callsheet.UniqueMove, LoadValid: true, StatusID: dnc.ID}, nameNoteMapping)
		if res.Counts.Added != 2 || res.Counts.Moved != 1 || res.Counts.Updated != 2 {
			t.Fatalf("counts %+v", res.Counts)
		}
		// The upload's status is do-not-call: its phones are on the register.
		list, _, err := sqldb.NewDoNotCallService(db).FindDoNotCalls(w.f.AdminCtx, callsheet.DoNotCallFilter{Phone: ptr(p5)})
		must(t, err)
		if len(list) != 1 || !list[0].RequestedAt.Equal(w.importTime) {
			t.Fatalf("register after import: %+v", list)
		}
		// Someone works P5 after the import: it stays.
		p5c := w.inCampaign(t, w.target.ID, p5)
		db.Now = func() time.Time { return w.importTime.Add(time.Hour) }
		_, err = w.customers.UpdateCustomer(w.f.AdminCtx, p5c.ID, callsheet.CustomerUpdate{Note: ptr("called, keep")})
		must(t, err)

		undo, err := w.store.UndoImportJob(w.f.AdminCtx, job.ID)
		must(t, err)
		if undo.Removed != 2 || undo.Restored != 2 || undo.Returned != 1 || len(undo.Kept) != 1 || undo.Kept[0] != p5c.ID {
			t.Fatalf("undo %+v", undo)
		}
		if got := w.inCampaign(t, w.target.ID, p3); got != nil {
			t.Error("added P3 still there")
		}
		if got := w.inCampaign(t, w.target.ID, p5); got == nil || got.Note != "called, keep" {
			t.Error("changed P5 was not kept")
		}
		got := w.inCampaign(t, w.target.ID, p1)
		if got.Name != "Old One" || got.Note != "old note" || got.StatusID != w.callback.ID || got.FollowUpAt == nil {
			t.Errorf("P1 not restored: %+v", got)
		}
		back := w.inCampaign(t, w.other.ID, p2)
		if back == nil || back.ID != p2Before.ID || back.Name != p2Before.Name {
			t.Errorf("P2 not returned: %+v", back)
		}
		if w.inCampaign(t, w.target.ID, p2) != nil {
			t.Error("moved P2 still in the target")
		}
		// P3 and P4 were on the register before; P5 was not.
		for phone, want := range map[string]bool{p3: true, p4: true, p5: false, p1: false} {
			list, _, err := sqldb.NewDoNotCallService(db).FindDoNotCalls(w.f.AdminCtx, callsheet.DoNotCallFilter{Phone: ptr(phone)})
			must(t, err)
			if (len(list) == 1) != want || want && !list[0].RequestedAt.Equal(w.dncRequestedAt) {
				t.Errorf("register for %s after undo: %+v", phone, list)
			}
		}
		storetest.CheckCampaignCounts(t, db)
		j, err := w.store.FindImportJobByID(w.f.AdminCtx, job.ID)
		must(t, err)
		if j.State != callsheet.ImportUndone || j.UndoneAt == nil {
			t.Fatalf("job %+v", j)
		}
		_, err = w.store.UndoImportJob(w.f.AdminCtx, job.ID)
		wantCode(t, err, callsheet.ECONFLICT)
	})
}

func TestImportJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := storetest.NewFixture(t, db, "jobs")
		other := storetest.NewFixture(t, db, "jobs-other")
		camp := f.Campaign(t, "Jobs")
		s := sqldb.NewImportStore(db)
		s.ChunkSize = 7
		content := strings.Repeat("name,phone\nDana,0522345678\n", 5)
		job := &callsheet.ImportJob{CampaignID: camp.ID, Source: "file", FileName: "a.csv", Mapping: map[string]string{"phone": "phone"}}
		must(t, s.CreateImportJob(f.AdminCtx, job, strings.NewReader(content)))
		if job.State != callsheet.ImportQueued || job.FileSize != int64(len(content)) || job.Options.StatusID != f.Initial.ID {
			t.Fatalf("job %+v", job)
		}
		rc, err := s.OpenImportFile(f.AdminCtx, job.ID)
		must(t, err)
		back, _ := io.ReadAll(rc)
		if string(back) != content {
			t.Fatalf("file came back as %q", back)
		}
		_, err = s.OpenImportFile(other.AdminCtx, job.ID)
		wantCode(t, err, callsheet.ENOTFOUND)
		_, err = s.FindImportJobByID(other.AdminCtx, job.ID)
		wantCode(t, err, callsheet.ENOTFOUND)
		err = s.CreateImportJob(other.AdminCtx, &callsheet.ImportJob{CampaignID: camp.ID, Source: "file"}, strings.NewReader(""))
		wantCode(t, err, callsheet.ENOTFOUND)
		agent := f.Agent(t, "No importer", true, camp.ID)
		err = s.CreateImportJob(f.As(agent), &callsheet.ImportJob{CampaignID: camp.ID, Source: "file"}, strings.NewReader(""))
		wantCode(t, err, callsheet.EFORBIDDEN)

		op := callsheet.NewOperatorContext(context.Background())
		claimed, err := s.ClaimImportJob(op, "worker-1", time.Minute)
		must(t, err)
		if claimed.ID != job.ID || claimed.State != callsheet.ImportRunning || claimed.Attempts != 1 {
			t.Fatalf("claimed %+v", claimed)
		}
		_, err = s.ClaimImportJob(op, "worker-2", time.Minute)
		wantCode(t, err, callsheet.ENOTFOUND)
		// The worker stops renewing: after the lease another takes it over.
		db.Now = func() time.Time { return time.Now().Add(2 * time.Minute) }
		again, err := s.ClaimImportJob(op, "worker-2", time.Minute)
		db.Now = time.Now
		must(t, err)
		if again.ID != job.ID || again.Attempts != 2 {
			t.Fatalf("reclaimed %+v", again)
		}
		// The old worker is told the job is no longer its own.
		_, err = s.RenewImportLease(op, job.ID, "worker-1", time.Minute, 1, 1)
		wantCode(t, err, callsheet.ECONFLICT)
		if cancel, err := s.RenewImportLease(op, job.ID, "worker-2", time.Minute, 3, 30); err != nil || cancel {
			t.Fatalf("renew: %v %v", cancel, err)
		}
		_, err = s.CancelImportJob(f.AdminCtx, job.ID)
		must(t, err)
		if cancel, _ := s.RenewImportLease(op, job.ID, "worker-2", time.Minute, 4, 40); !cancel {
			t.Fatal("cancel was not passed to the worker")
		}
		must(t, s.FinishImportJob(op, job.ID, "worker-2", callsheet.ImportCancelled, "Cancelled."))
		got, err := s.FindImportJobByID(f.AdminCtx, job.ID)
		must(t, err)
		if got.State != callsheet.ImportCancelled || got.FinishedAt == nil {
			t.Fatalf("job %+v", got)
		}
		_, err = s.CancelImportJob(f.AdminCtx, job.ID)
		wantCode(t, err, callsheet.ECONFLICT)
	})
}

// TestImportByAgent: an agent's Add customer form goes through the engine,
// but only for one plain customer of a campaign the agent works, while the
// agent holds the permission; agents never import files.
func TestImportByAgent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := storetest.NewFixture(t, db, "agent-import")
		mine, theirs := f.Campaign(t, "Mine"), f.Campaign(t, "Theirs")
		other := f.Customer(t, theirs.ID, "Elsewhere", "+972526234567")
		with := f.Agent(t, "With", true, mine.ID)
		without := f.Agent(t, "Without", false, mine.ID)
		s := sqldb.NewImportStore(db)
		run := func(ctx context.Context, camp int64, source string, opts callsheet.ImportOptions) (*callsheet.ImportResult, error) {
			job := &callsheet.ImportJob{CampaignID: camp, Source: source, State: callsheet.ImportRunning, Options: opts,
				Mapping: map[string]string{"name": "name", "phone": "phone"}}
			if err := s.CreateImportJob(ctx, job, nil); err != nil {
				return nil, err
			}
			return s.RunImport(ctx, job, &storetest.RowsSource{Rows: []*callsheet.ImportRow{{Line: 0, Name: "Form", Phone: other.Phone}}}, true)
		}
		// Asking to move the customer from another campaign is ignored for
		// an agent: the form adds one customer and changes no other.
		res, err := run(f.As(with), mine.ID, "form", callsheet.ImportOptions{Unique: callsheet.UniqueMove, Override: true})
		must(t, err)
		if res.Rows[0].Outcome != callsheet.OutcomeAdded || res.Rows[0].CustomerID == 0 {
			t.Fatalf("agent's add: %+v", res.Rows)
		}
		if _, err := sqldb.NewCustomerService(db).FindCustomerByID(f.AdminCtx, other.ID); err != nil {
			t.Fatalf("the customer of the other campaign was touched: %v", err)
		}
		_, err = run(f.As(without), mine.ID, "form", callsheet.ImportOptions{})
		wantCode(t, err, callsheet.EFORBIDDEN)
		_, err = run(f.As(with), theirs.ID, "form", callsheet.ImportOptions{})
		wantCode(t, err, callsheet.ENOTFOUND)
		_, err = run(f.As(with), mine.ID, "file", callsheet.ImportOptions{})
		wantCode(t, err, callsheet.EFORBIDDEN)
		err = s.CreateImportJob(f.As(with), &callsheet.ImportJob{CampaignID: mine.ID, Source: "form"}, strings.NewReader("a file"))
		wantCode(t, err, callsheet.EFORBIDDEN)
	})
}

// TestConcurrentImports runs two imports of the same phones into one
// campaign at once: they take turns, so the second finds the first's
// customers already there, and nothing fails or doubles.
func TestConcurrentImports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := storetest.NewFixture(t, db, "concurrent")
		camp := f.Campaign(t, "Both")
		s := sqldb.NewImportStore(db)
		var rows []*callsheet.ImportRow
		for i := 0; i < 2000; i++ {
			rows = append(rows, &callsheet.ImportRow{Line: i + 2, Name: "Lead", Phone: fmt.Sprintf("+97253%07d", 2000000+i)})
		}
		results := make(chan *callsheet.ImportResult, 2)
		errs := make(chan error, 2)
		for n := 0; n < 2; n++ {
			go func() {
				job := &callsheet.ImportJob{CampaignID: camp.ID, Source: "file", State: callsheet.ImportRunning,
					Mapping: map[string]string{"name": "Name", "phone": "Phone"}}
				if err := s.CreateImportJob(f.AdminCtx, job, nil); err != nil {
					errs <- err
					return
				}
				res, err := s.RunImport(f.AdminCtx, job, &storetest.RowsSource{Rows: rows}, false)
				if err != nil {
					errs <- err
					return
				}
				results <- res
			}()
		}
		var added, skipped int
		for n := 0; n < 2; n++ {
			select {
			case err := <-errs:
				t.Fatal(err)
			case res := <-results:
				added += res.Counts.Added
				skipped += res.Counts.SkippedExisting
			}
		}
		if added != 2000 || skipped != 2000 {
			t.Fatalf("added %d, skipped %d; want 2000 each", added, skipped)
		}
		_, n, err := sqldb.NewCustomerService(db).FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &camp.ID, Limit: 1})
		must(t, err)
		if n != 2000 {
			t.Fatalf("%d customers, want 2000", n)
		}
	})
}

// TestPurgeImportFiles: old finished imports lose their files (and old
// drafts are given up), while their jobs and problems stay.
func TestPurgeImportFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := storetest.NewFixture(t, db, "purge")
		camp := f.Campaign(t, "Files")
		s := sqldb.NewImportStore(db)
		op := callsheet.NewOperatorContext(context.Background())
		old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return old }
		defer func() { db.Now = time.Now }()
		mk := func(state callsheet.ImportState) *callsheet.ImportJob {
			j := &callsheet.ImportJob{CampaignID: camp.ID, Source: "file", FileName: "f.csv", State: state, Mapping: map[string]string{"phone": "Phone"}}
			must(t, s.CreateImportJob(f.AdminCtx, j, strings.NewReader("Name,Phone\nA,052-623-4567\n")))
			return j
		}
		finished, draft, queued := mk(callsheet.ImportRunning), mk(callsheet.ImportDraft), mk(callsheet.ImportQueued)
		_, err := s.RunImport(f.AdminCtx, finished, &storetest.RowsSource{Rows: []*callsheet.ImportRow{{Line: 2, Name: "A", Phone: "+972526234567"}}}, false)
		must(t, err)
		db.Now = time.Now
		recent := mk(callsheet.ImportDraft)

		n, err := s.PurgeImportFiles(op, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
		must(t, err)
		if n == 0 {
			t.Fatal("nothing purged")
		}
		size := func(j *callsheet.ImportJob) int {
			rc, err := s.OpenImportFile(f.AdminCtx, j.ID)
			must(t, err)
			b, _ := io.ReadAll(rc)
			return len(b)
		}
		if size(finished) != 0 || size(draft) != 0 {
			t.Error("old files kept")
		}
		if size(queued) == 0 || size(recent) == 0 {
			t.Error("a queued or recent file was purged")
		}
		for _, j := range []*callsheet.ImportJob{finished, draft} {
			got, err := s.FindImportJobByID(f.AdminCtx, j.ID)
			must(t, err)
			if !got.State.Finished() {
				t.Errorf("job %d is %s", j.ID, got.State)
			}
		}
		_, err = s.PurgeImportFiles(f.AdminCtx, time.Now())
		wantCode(t, err, callsheet.EFORBIDDEN)
	})
}
