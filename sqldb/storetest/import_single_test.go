package storetest_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// TestSingleAddMatchesImport checks the single add (AddCustomer, which
// decides in Go and writes one row) against the import of one row
// (RunImport, set-based SQL), under every combination of the options and
// more: two databases of the engine go through the same steps, one by
// each path, and must end every step alike, to the last column of every
// table an import touches, ids included; then undoing each add, newest
// first, must also leave them alike.
func TestSingleAddMatchesImport(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			byImport, direct := storetest.MustOpenDB(t, engine), storetest.MustOpenDB(t, engine)
			for i, opts := range singleAddOptions() {
				// The last pass adds as an agent, through the form, with
				// options an agent's add does not take.
				byAgent := i == len(singleAddOptions())-1
				for _, db := range []*sqldb.DB{byImport, direct} {
					db.Now = func() time.Time { return time.Date(2025, 12, 31, 9, 0, 0, 0, time.UTC) }
				}
				a, b := newSingleWorld(t, byImport, fmt.Sprint("w", i)), newSingleWorld(t, direct, fmt.Sprint("w", i))
				if byAgent {
					a.asAgent(t)
					b.asAgent(t)
				}
				written := 0
				for _, row := range a.rows() {
					jobA, resA, errA := a.importOne(opts, row)
					jobB, resB, errB := b.addOne(opts, b.rows()[row.Line-2])
					what := fmt.Sprintf("%+v, line %d", opts, row.Line)
					if callsheet.ErrorCode(errA) != callsheet.ErrorCode(errB) || callsheet.ErrorMessage(errA) != callsheet.ErrorMessage(errB) {
						t.Fatalf("%s: import answered %v, single add %v", what, errA, errB)
					}
					if errA != nil {
						continue
					}
					if !reflect.DeepEqual(resA, resB) {
						t.Errorf("%s: results differ\nimport %+v\nsingle %+v", what, resA, resB)
					}
					jobA.Lease, jobA.Worker = 0, ""
					if !reflect.DeepEqual(jobA, jobB) {
						t.Errorf("%s: jobs differ\nimport %+v\nsingle %+v", what, jobA, jobB)
					}
					sameState(t, what, a, b)
					a.jobs, b.jobs = append(a.jobs, jobA.ID), append(b.jobs, jobB.ID)
					if resB.Applied && resB.Rows[0].Outcome.Written() {
						written++
					}
				}
				if written == 0 && !opts.DryRun {
					t.Fatalf("%+v: no add wrote a customer", opts)
				}
				for j := len(a.jobs) - 1; j >= 0; j-- {
					resA, errA := a.store.UndoImportJob(a.f.AdminCtx, a.jobs[j])
					resB, errB := b.store.UndoImportJob(b.f.AdminCtx, b.jobs[j])
					what := fmt.Sprintf("%+v, undo of job %d", opts, a.jobs[j])
					if callsheet.ErrorCode(errA) != callsheet.ErrorCode(errB) || !reflect.DeepEqual(resA, resB) {
						t.Fatalf("%s: import's undo answered %+v %v, single add's %+v %v", what, resA, errA, resB, errB)
					}
					sameState(t, what, a, b)
				}
				if t.Failed() {
					return
				}
			}
			storetest.CheckCampaignCounts(t, direct)
		})
	}
}

// singleAddOptions is every combination of the options that decide
// outcomes, and those that decide what else an add does: a do-not-call
// status, each agents option, a dry run, loading the valid rows.
func singleAddOptions() []callsheet.ImportOptions {
	out := allImportOptions()
	for _, u := range []callsheet.UniqueMode{callsheet.UniqueAny, callsheet.UniqueMove} {
		out = append(out,
			callsheet.ImportOptions{Unique: u, Override: true, Agents: callsheet.AgentsGrant},
			callsheet.ImportOptions{Unique: u, Override: true, Reset: true, Agents: callsheet.AgentsUnassign},
			callsheet.ImportOptions{Unique: u, DryRun: true},
			callsheet.ImportOptions{Unique: u, LoadValid: true, Override: true},
			callsheet.ImportOptions{Unique: u, StatusID: -1},                                             // the do-not-call status
			callsheet.ImportOptions{Unique: u, StatusID: -1, Reset: true, Override: true},                // and reset
			callsheet.ImportOptions{Unique: u, StatusID: -1, UpdateContactAllowed: true},                 // and unblocking
			callsheet.ImportOptions{Unique: u, StatusID: -1, Reset: true, Agents: callsheet.AgentsGrant}) // and agents
	}
	return append(out, callsheet.ImportOptions{Unique: callsheet.UniqueMove, Override: true, Reset: true, Agents: callsheet.AgentsGrant})
}

// singleWorld is importWorld with an agent outside the target campaign
// and a custom field, adding one row at a time.
type singleWorld struct {
	*importWorld
	out     *callsheet.User
	field   *callsheet.CustomField
	mapping map[string]string
	jobs    []int64
	ctx     context.Context // who adds
	source  string
}

// asAgent makes the world's adds an agent's, through the form.
func (w *singleWorld) asAgent(t *testing.T) {
	w.ctx, w.source = w.f.As(w.f.Agent(t, "Adding Agent", true, w.target.ID)), "form"
}

func newSingleWorld(t *testing.T, db *sqldb.DB, name string) *singleWorld {
	w := &singleWorld{importWorld: newImportWorld(t, db, name), source: "api"}
	w.ctx = w.f.AdminCtx
	w.out = w.f.Agent(t, "Outside Agent", false, w.other.ID)
	w.field = &callsheet.CustomField{Label: "Tier", Type: callsheet.FieldText}
	must(t, sqldb.NewCustomFieldService(db).CreateCustomField(w.f.AdminCtx, w.field))
	w.mapping = map[string]string{"name": "Name", "phone": "Phone", "note": "Notes", "email": "Email", "agent": "Agent",
		"follow_up_at": "Follow up", w.field.Key(): "Tier"}
	return w
}

// rows is importWorld's rows, each with more fields, and rows that give
// the agent outside the campaign.
func (w *singleWorld) rows() []*callsheet.ImportRow {
	rows := w.importWorld.rows()
	follow := time.Date(2026, 3, 1, 8, 30, 0, 0, time.UTC)
	rows[0].Custom, rows[0].FollowUpAt, rows[0].AgentID = map[int64]string{w.field.ID: "gold"}, &follow, w.out.ID
	rows[1].Email, rows[1].Custom = "two@example.com", map[int64]string{w.field.ID: ""}
	rows[4].AgentID = w.out.ID
	return append(rows,
		&callsheet.ImportRow{Line: 10, Phone: "+972522000010", Name: "Ten", AgentID: w.out.ID, FollowUpAt: &follow},
		&callsheet.ImportRow{Line: 11, Phone: p2, Name: "Two again", LastName: "Last", AgentID: w.out.ID})
}

// options gives the options their status: StatusID -1 is the account's
// do-not-call status.
func (w *singleWorld) options(opts callsheet.ImportOptions) callsheet.ImportOptions {
	if opts.StatusID == -1 {
		opts.StatusID = w.f.Statuses[callsheet.StatusDoNotCall].ID
	}
	return opts
}

func (w *singleWorld) importOne(opts callsheet.ImportOptions, row *callsheet.ImportRow) (*callsheet.ImportJob, *callsheet.ImportResult, error) {
	job := &callsheet.ImportJob{CampaignID: w.target.ID, Source: w.source, Options: w.options(opts), Mapping: w.mapping,
		State: callsheet.ImportRunning, Single: true}
	if err := w.store.CreateImportJob(w.ctx, job, nil); err != nil {
		return nil, nil, err
	}
	res, err := w.store.RunImport(w.ctx, job, &storetest.RowsSource{Rows: []*callsheet.ImportRow{row}}, true)
	return job, res, err
}

func (w *singleWorld) addOne(opts callsheet.ImportOptions, row *callsheet.ImportRow) (*callsheet.ImportJob, *callsheet.ImportResult, error) {
	job := &callsheet.ImportJob{CampaignID: w.target.ID, Source: w.source, Options: w.options(opts), Mapping: w.mapping}
	res, err := w.store.AddCustomer(w.ctx, job, row)
	return job, res, err
}

// sameState fails the test unless the two worlds' tables read alike.
func sameState(t *testing.T, what string, a, b *singleWorld) {
	t.Helper()
	da, db := dumpAccount(t, a.db, a.f.Account.ID), dumpAccount(t, b.db, b.f.Account.ID)
	for table, rowsA := range da {
		if rowsB := db[table]; !reflect.DeepEqual(rowsA, rowsB) {
			t.Errorf("%s: %s differ\nonly by import %q\nonly by single add %q", what, table, missing(rowsA, rowsB), missing(rowsB, rowsA))
		}
	}
}

// missing lists the lines of a not in b.
func missing(a, b []string) []string {
	in := map[string]bool{}
	for _, l := range b {
		in[l] = true
	}
	var out []string
	for _, l := range a {
		if !in[l] {
			out = append(out, l)
		}
	}
	return out
}

// dumpAccount reads every row an import may write in the account, each
// as text, sorted.
func dumpAccount(t *testing.T, db *sqldb.DB, accountID int64) map[string][]string {
	t.Helper()
	jobs := `job_id IN (SELECT id FROM import_jobs WHERE account_id = ?)`
	camps := `campaign_id IN (SELECT id FROM campaigns WHERE account_id = ?)`
	out := map[string][]string{}
	for table, where := range map[string]string{
		"customers": `account_id = ?`, "import_jobs": `account_id = ?`, "do_not_call": `account_id = ?`, "audit_events": `account_id = ?`,
		"import_problems": jobs, "import_changes": jobs, "import_dnc_changes": jobs, "campaign_agents": camps, "campaign_counts": camps,
	} {
		from := table
		if table == "campaign_counts" {
			// Each connection writes a shard of its own: only sums compare.
			from = `(SELECT campaign_id, status_id, sum(customers) AS customers FROM campaign_counts GROUP BY campaign_id, status_id) k`
		}
		rows, err := db.SQL().Query(rebind(db, `SELECT * FROM `+from+` WHERE `+where), accountID)
		must(t, err)
		cols, err := rows.Columns()
		must(t, err)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			must(t, rows.Scan(ptrs...))
			var line []string
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				line = append(line, fmt.Sprintf("%s=%v", cols[i], v))
			}
			out[table] = append(out[table], strings.Join(line, " "))
		}
		must(t, rows.Err())
		rows.Close()
		sort.Strings(out[table])
	}
	return out
}

// TestSingleAddRefusesAsImport checks that a single add names what is
// wrong with its campaign or status as an import does.
func TestSingleAddRefusesAsImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newSingleWorld(t, db, "refused")
		other := storetest.NewFixture(t, db, "elsewhere")
		foreign := other.Campaign(t, "Not theirs")
		row := func() *callsheet.ImportRow { return &callsheet.ImportRow{Line: 2, Phone: p5, Name: "Five"} }
		for _, c := range []struct {
			name     string
			campaign int64
			status   int64
			field    string
		}{
			{"no such campaign", 1 << 40, 0, "campaign"},
			{"another account's campaign", foreign.ID, 0, "campaign"},
			{"no such status", w.target.ID, 1 << 40, "status"},
			{"another account's status", w.target.ID, other.Initial.ID, "status"},
			{"neither", foreign.ID, other.Initial.ID, "campaign"},
		} {
			opts := callsheet.ImportOptions{StatusID: c.status}
			job := &callsheet.ImportJob{CampaignID: c.campaign, Source: "api", Options: opts, Mapping: w.mapping}
			_, err := w.store.AddCustomer(w.ctx, job, row())
			batch := &callsheet.ImportJob{CampaignID: c.campaign, Source: "api", Options: opts, Mapping: w.mapping, State: callsheet.ImportRunning}
			errBatch := w.store.CreateImportJob(w.ctx, batch, nil)
			if callsheet.ErrorCode(err) != callsheet.ENOTFOUND || callsheet.ErrorFields(err)[c.field] == "" ||
				callsheet.ErrorMessage(err) != callsheet.ErrorMessage(errBatch) {
				t.Errorf("%s: single add answered %v, import %v; want not found, on %s", c.name, err, errBatch, c.field)
			}
		}
	})
}

// A single add that collides with a customer of the same phone added to
// the campaign at that moment (by a path that does not wait for the
// phone, such as the customer form) is answered as the form would be: the
// phone is already in the campaign. PostgreSQL only, where the two can
// overlap.
func TestSingleAddCollision(t *testing.T) {
	db := storetest.MustOpenDB(t, "postgres")
	f := storetest.NewFixture(t, db, "collide")
	camp := f.Campaign(t, "Leads")
	s := sqldb.NewImportStore(db)

	// Another transaction has inserted the phone and not committed yet.
	bg := context.Background()
	other, err := db.SQL().BeginTx(bg, nil)
	must(t, err)
	defer other.Rollback()
	if _, err := other.ExecContext(bg, `INSERT INTO customers (account_id, campaign_id, status_id, phone, name, created_at, updated_at)
		VALUES ($1, $2, $3, $4, 'Other', 0, 0)`, f.Account.ID, camp.ID, f.Initial.ID, p5); err != nil {
		t.Fatal(err)
	}
	ended := make(chan error, 1)
	go func() {
		job := &callsheet.ImportJob{CampaignID: camp.ID, Source: "api"}
		_, err := s.AddCustomer(f.AdminCtx, job, &callsheet.ImportRow{Line: 1, Phone: p5, Name: "Five"})
		ended <- err
	}()
	// The add's insert waits for the other transaction; then it commits.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var n int
		must(t, db.SQL().QueryRowContext(bg, `SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'`).Scan(&n))
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the add never waited for the other insert")
		}
	}
	must(t, other.Commit())
	err = <-ended
	if callsheet.ErrorCode(err) != callsheet.ECONFLICT || callsheet.ErrorFields(err)[callsheet.FieldPhone] == "" ||
		!strings.Contains(callsheet.ErrorMessage(err), p5) {
		t.Fatalf("add answered %v (fields %v), want the phone named as already in the campaign", err, callsheet.ErrorFields(err))
	}
	_, n, err := sqldb.NewCustomerService(db).FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &camp.ID, Limit: 1})
	must(t, err)
	if n != 1 {
		t.Fatalf("%d customers, want the other's one", n)
	}
}
