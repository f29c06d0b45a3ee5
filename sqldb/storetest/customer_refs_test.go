package storetest_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
	"github.com/jackc/pgx/v5/pgconn"
)

// insertCustomer writes a customer row as it is, past the store's checks.
func insertCustomer(ctx context.Context, q interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, account, campaign, status int64, agent any, phone string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO customers (account_id, campaign_id, status_id, agent_id, phone, name, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, 'Raw', 0, 0)`, account, campaign, status, agent, phone)
	return err
}

// isForeignKeyError tells whether err is the engine's refusal of a
// reference to a row that is not there.
func isForeignKeyError(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23503"
	}
	return err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
}

// A customer refers only to rows that exist (on PostgreSQL, checked once
// a statement rather than by a foreign key per row), and deleting those
// rows does what the references say: a campaign takes its customers with
// it, a user leaves theirs unassigned, a status in use stays.
func TestCustomerReferences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		bg := context.Background()
		f := storetest.NewFixture(t, db, "refs")
		camp, gone := f.Campaign(t, "Leads"), f.Campaign(t, "Gone")
		agent := f.Agent(t, "Dana", false, camp.ID, gone.ID)
		raw := db.SQL()
		for _, c := range []struct {
			what             string
			campaign, status int64
			agent            any
		}{
			{"campaign", 999999, f.Initial.ID, nil},
			{"status", camp.ID, 999999, nil},
			{"agent", camp.ID, f.Initial.ID, int64(999999)},
		} {
			if err := insertCustomer(bg, raw, f.Account.ID, c.campaign, c.status, c.agent, "+972520000001"); !isForeignKeyError(err) {
				t.Errorf("a customer of a missing %s: %v, want a foreign key error", c.what, err)
			}
		}
		if err := insertCustomer(bg, raw, f.Account.ID, camp.ID, f.Initial.ID, agent.ID, "+972520000002"); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.ExecContext(bg, `UPDATE customers SET status_id = 999999 WHERE phone = '+972520000002'`); !isForeignKeyError(err) {
			t.Errorf("a customer given a missing status: %v, want a foreign key error", err)
		}

		// Deletes.
		kept := f.Customer(t, camp.ID, "Kept", "+972520000003")
		f.Customer(t, gone.ID, "Goes", "+972520000004")
		assigned := &callsheet.Customer{CampaignID: gone.ID, Name: "Assigned", Phone: "+972520000005", AgentID: agent.ID}
		must(t, sqldb.NewCustomerService(db).CreateCustomer(f.AdminCtx, assigned))
		if _, err := raw.ExecContext(bg, `DELETE FROM statuses WHERE id = $1`, f.Initial.ID); !isForeignKeyError(err) {
			t.Errorf("deleting a status in use: %v, want a foreign key error", err)
		}
		if _, err := raw.ExecContext(bg, `DELETE FROM campaign_agents WHERE user_id = $1`, agent.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.ExecContext(bg, `DELETE FROM users WHERE id = $1`, agent.ID); err != nil {
			t.Fatal(err)
		}
		var unassigned int
		must(t, raw.QueryRowContext(bg, `SELECT count(*) FROM customers WHERE agent_id IS NULL AND phone IN ('+972520000002', '+972520000005')`).Scan(&unassigned))
		if unassigned != 2 {
			t.Errorf("%d of the deleted agent's 2 customers unassigned", unassigned)
		}
		if _, err := raw.ExecContext(bg, `DELETE FROM campaigns WHERE id = $1`, gone.ID); err != nil {
			t.Fatal(err)
		}
		var left, keptLeft int
		must(t, raw.QueryRowContext(bg, `SELECT count(*) FROM customers WHERE campaign_id = $1`, gone.ID).Scan(&left))
		must(t, raw.QueryRowContext(bg, `SELECT count(*) FROM customers WHERE id = $1`, kept.ID).Scan(&keptLeft))
		if left != 0 || keptLeft != 1 {
			t.Errorf("after deleting a campaign: %d of its customers left, %d of the other's", left, keptLeft)
		}
		storetest.CheckCampaignCounts(t, db)

		// An account goes with all it holds.
		if _, err := raw.ExecContext(bg, `DELETE FROM campaign_agents`); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.ExecContext(bg, `DELETE FROM accounts WHERE id = $1`, f.Account.ID); err != nil {
			t.Fatalf("deleting the account: %v", err)
		}
		var customers int
		must(t, raw.QueryRowContext(bg, `SELECT count(*) FROM customers`).Scan(&customers))
		if customers != 0 {
			t.Errorf("%d customers left after their account was deleted", customers)
		}
	})
}

// On PostgreSQL a customer's campaign, status and agent are its account's,
// and the reference holds against a delete running beside the write,
// whichever comes first.
func TestCustomerReferencesPostgres(t *testing.T) {
	db := storetest.MustOpenDB(t, "postgres")
	bg := context.Background()
	f, other := storetest.NewFixture(t, db, "mine"), storetest.NewFixture(t, db, "theirs")
	camp, theirs := f.Campaign(t, "Leads"), other.Campaign(t, "Theirs")
	theirAgent := other.Agent(t, "Avi", false, theirs.ID)
	raw := db.SQL()
	for _, c := range []struct {
		what             string
		campaign, status int64
		agent            any
	}{
		{"campaign", theirs.ID, f.Initial.ID, nil},
		{"status", camp.ID, other.Initial.ID, nil},
		{"agent", camp.ID, f.Initial.ID, theirAgent.ID},
	} {
		if err := insertCustomer(bg, raw, f.Account.ID, c.campaign, c.status, c.agent, "+972520000001"); !isForeignKeyError(err) {
			t.Errorf("a customer given another account's %s: %v, want a foreign key error", c.what, err)
		}
	}

	waitingLock := func() {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			var n int
			must(t, raw.QueryRowContext(bg, `SELECT count(*) FROM pg_locks WHERE NOT granted`).Scan(&n))
			if n > 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("nothing waited")
			}
		}
	}

	// The write first: the delete waits for it, then takes its customer.
	first := f.Campaign(t, "Written first")
	w, err := raw.BeginTx(bg, nil)
	must(t, err)
	must(t, insertCustomer(bg, w, f.Account.ID, first.ID, f.Initial.ID, nil, "+972520000010"))
	deleted := make(chan error, 1)
	go func() {
		_, err := raw.ExecContext(bg, `DELETE FROM campaigns WHERE id = $1`, first.ID)
		deleted <- err
	}()
	waitingLock()
	must(t, w.Commit())
	must(t, <-deleted)
	var n int
	must(t, raw.QueryRowContext(bg, `SELECT count(*) FROM customers WHERE campaign_id = $1`, first.ID).Scan(&n))
	if n != 0 {
		t.Errorf("%d customers left of a campaign deleted after they were written", n)
	}

	// The delete first: the write waits for it, then fails.
	second := f.Campaign(t, "Deleted first")
	d, err := raw.BeginTx(bg, nil)
	must(t, err)
	if _, err := d.ExecContext(bg, `DELETE FROM campaigns WHERE id = $1`, second.ID); err != nil {
		t.Fatal(err)
	}
	written := make(chan error, 1)
	go func() {
		written <- insertCustomer(bg, raw, f.Account.ID, second.ID, f.Initial.ID, nil, "+972520000011")
	}()
	waitingLock()
	must(t, d.Commit())
	if err := <-written; !isForeignKeyError(err) {
		t.Errorf("a customer written to a campaign deleted meanwhile: %v, want a foreign key error", err)
	}
	must(t, raw.QueryRowContext(bg, `SELECT count(*) FROM customers WHERE campaign_id = $1`, second.ID).Scan(&n))
	if n != 0 {
		t.Errorf("%d customers of a deleted campaign", n)
	}
	storetest.CheckCampaignCounts(t, db)
}

// An import's records (problem rows, changes) belong to a job that exists,
// and go with it: deleting its campaign deletes the job and its records.
func TestImportRecordReferences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		bg := context.Background()
		f := storetest.NewFixture(t, db, "records")
		camp, other := f.Campaign(t, "Leads"), f.Campaign(t, "Other")
		f.Customer(t, other.ID, "Elsewhere", p5)
		s := sqldb.NewImportStore(db)
		job := &callsheet.ImportJob{CampaignID: camp.ID, Source: "file", State: callsheet.ImportRunning,
			Options: callsheet.ImportOptions{Unique: callsheet.UniqueMove},
			Mapping: map[string]string{"name": "Name", "phone": "Phone"}}
		must(t, s.CreateImportJob(f.AdminCtx, job, strings.NewReader("file")))
		res, err := s.RunImport(f.AdminCtx, job, &storetest.RowsSource{Rows: []*callsheet.ImportRow{
			{Line: 2, Phone: p5, Name: "Five"}, {Line: 3, Phone: p5, Name: "Five again"}, {Line: 4, Phone: p6, Name: "Six"}}}, false)
		must(t, err)
		if res.Counts.Moved != 1 || res.Counts.DuplicateInFile != 1 {
			t.Fatalf("counts %+v", res.Counts)
		}
		raw := db.SQL()
		count := func(table string) int {
			var n int
			must(t, raw.QueryRowContext(bg, `SELECT count(*) FROM `+table+` WHERE job_id = $1`, job.ID).Scan(&n))
			return n
		}
		if count("import_problems") == 0 || count("import_changes") == 0 {
			t.Fatalf("the import recorded %d problems and %d changes", count("import_problems"), count("import_changes"))
		}
		for _, q := range []string{
			`INSERT INTO import_problems (job_id, line, outcome) VALUES (999999, 1, 'invalid')`,
			`INSERT INTO import_dnc_changes (job_id, phone, had_entry, reason) VALUES (999999, '+972520000001', FALSE, '')`,
		} {
			if _, err := raw.ExecContext(bg, q); !isForeignKeyError(err) {
				t.Errorf("%s: %v, want a foreign key error", q, err)
			}
		}
		if _, err := raw.ExecContext(bg, `DELETE FROM campaigns WHERE id = $1`, camp.ID); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"import_jobs", "import_problems", "import_changes"} {
			col := "job_id"
			if table == "import_jobs" {
				col = "id"
			}
			var n int
			must(t, raw.QueryRowContext(bg, `SELECT count(*) FROM `+table+` WHERE `+col+` = $1`, job.ID).Scan(&n))
			if n != 0 {
				t.Errorf("%d rows of %s left after the campaign was deleted", n, table)
			}
		}
	})
}
