package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// On SQLite, single adds that wait for the writer together share a
// commit, and each is still all-or-nothing: one that fails after it has
// written leaves nothing, the others in its group are kept, and one whose
// caller gave up while it waited writes nothing.
func TestSingleAddsShareACommit(t *testing.T) {
	db := storetest.MustOpenDB(t, "sqlite")
	f := storetest.NewFixture(t, db, "group")
	camp := f.Campaign(t, "Leads")
	s := sqldb.NewImportStore(db)
	bg := context.Background()
	const refused = "+972529999999"
	// A customer with this phone is refused after its add has written its
	// job: the add's savepoint must take the job back.
	if _, err := db.SQL().ExecContext(bg, `CREATE TRIGGER refuse_phone BEFORE INSERT ON customers WHEN NEW.phone = '`+refused+`'
		BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`); err != nil {
		t.Fatal(err)
	}
	commits0, _, _, _ := db.GroupCommits()

	// Hold the writer, so that the adds queue for it.
	hold, err := db.BeginTx(bg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback()

	add := func(ctx context.Context, phone string) error {
		job := &callsheet.ImportJob{CampaignID: camp.ID, Source: "api"}
		_, err := s.AddCustomer(ctx, job, &callsheet.ImportRow{Line: 1, Phone: phone, Name: "Name " + phone[len(phone)-2:]})
		return err
	}
	const good = 10
	errs := make([]error, good+2)
	var wg sync.WaitGroup
	start := func(i int, ctx context.Context, phone string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = add(ctx, phone)
		}()
	}
	// waitFor waits until n adds wait for a group while one leads (it has
	// taken its own group: the leader counts among those waiting until it
	// does).
	waitFor := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			_, _, w, leading := db.GroupCommits()
			if w == n && leading {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d adds wait for a group (a leader: %v), want %d", w, leading, n)
			}
		}
	}
	// The first to come leads: it takes itself as its group and waits for
	// the writer. The rest wait behind it.
	start(0, f.AdminCtx, "+972520000100")
	waitFor(0)
	for i := 1; i < good; i++ {
		start(i, f.AdminCtx, fmt.Sprintf("+9725200001%02d", i))
		if i == good/2 {
			start(good, f.AdminCtx, refused)
		}
	}
	gaveUp, cancel := context.WithCancel(f.AdminCtx)
	start(good+1, gaveUp, "+972520000199")
	waitFor(good + 1)
	cancel()
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	for i := range good {
		if errs[i] != nil {
			t.Errorf("add %d: %v", i, errs[i])
		}
	}
	if errs[good] == nil || !strings.Contains(errs[good].Error(), "refused by the test") {
		t.Errorf("the refused add answered %v", errs[good])
	}
	if !errors.Is(errs[good+1], context.Canceled) {
		t.Errorf("the add whose caller gave up answered %v, want the cancel", errs[good+1])
	}
	var customers, jobs, audits int
	must(t, db.SQL().QueryRowContext(bg, `SELECT count(*) FROM customers WHERE campaign_id = ?`, camp.ID).Scan(&customers))
	must(t, db.SQL().QueryRowContext(bg, `SELECT count(*) FROM import_jobs WHERE campaign_id = ?`, camp.ID).Scan(&jobs))
	must(t, db.SQL().QueryRowContext(bg, `SELECT count(*) FROM audit_events WHERE action = 'import.run'`).Scan(&audits))
	if customers != good || jobs != good || audits != good {
		t.Errorf("%d customers, %d jobs, %d runs audited; want %d of each", customers, jobs, audits, good)
	}
	storetest.CheckCampaignCounts(t, db)
	commits, _, _, _ := db.GroupCommits()
	// The leader's group of one, then all that waited behind it.
	if n := commits - commits0; n > 2 {
		t.Errorf("%d adds took %d commits, want 2", good, n)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A grouped write that panics fails alone: the others in its group are
// committed, and the writes after it still find a leader.
func TestGroupedWritePanics(t *testing.T) {
	db := storetest.MustOpenDB(t, "sqlite")
	bg := context.Background()
	if _, err := db.SQL().ExecContext(bg, `CREATE TABLE scratch (v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	hold, err := db.BeginTx(bg, nil)
	if err != nil {
		t.Fatal(err)
	}
	insert := func(v int) func(context.Context, *sqldb.Tx) error {
		return func(ctx context.Context, tx *sqldb.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO scratch VALUES (?)`, v)
			return err
		}
	}
	errs := make([]error, 3)
	var wg sync.WaitGroup
	fns := []func(context.Context, *sqldb.Tx) error{insert(1), func(ctx context.Context, tx *sqldb.Tx) error {
		if err := insert(2)(ctx, tx); err != nil {
			return err
		}
		panic("a bug")
	}, insert(3)}
	waiting := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			if _, _, w, leading := db.GroupCommits(); w == n && leading {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d writes never waited behind a leader", n)
			}
		}
	}
	for i, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.WithGroupTx(bg, fn)
		}()
		// The first leads alone; the other two wait for the next group.
		waiting(i)
	}
	must(t, hold.Rollback())
	wg.Wait()
	if errs[0] != nil || errs[2] != nil || errs[1] == nil || !strings.Contains(errs[1].Error(), "a bug") {
		t.Fatalf("the writes answered %v", errs)
	}
	must(t, db.WithGroupTx(bg, insert(4)))
	var sum int
	must(t, db.SQL().QueryRowContext(bg, `SELECT sum(v) FROM scratch`).Scan(&sum))
	if sum != 1+3+4 {
		t.Errorf("the rows sum to %d, want 8: the panicking write's row kept, or another's lost", sum)
	}
}
