package importer_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/importer"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// Leases of servers sharing a PostgreSQL database. The tests use a short
// lease and poll so they run in seconds; the bound they check is the
// engine's, Lease+Poll, whatever the values.
const (
	testLease = 2 * time.Second
	testPoll  = 200 * time.Millisecond
	// slack covers a claim's and an import's own time on a busy machine.
	slack = 3 * time.Second
)

// takeoverWorld is an account on PostgreSQL with a queued import of
// leadRows customers.
type takeoverWorld struct {
	db   *sqldb.DB
	f    *storetest.Fixture
	camp *callsheet.Campaign
	job  *callsheet.ImportJob
}

const leadRows = 500

func newTakeoverWorld(t *testing.T) *takeoverWorld {
	t.Helper()
	db := storetest.MustOpenDB(t, "postgres")
	f := storetest.NewFixture(t, db, "takeover")
	w := &takeoverWorld{db: db, f: f, camp: f.Campaign(t, "Leads")}
	var b strings.Builder
	b.WriteString("Name,Phone\n")
	for i := 0; i < leadRows; i++ {
		fmt.Fprintf(&b, "Lead %d,052-%07d\n", i, 3000000+i)
	}
	w.job = &callsheet.ImportJob{CampaignID: w.camp.ID, Source: "file", FileName: "leads.csv",
		Mapping: map[string]string{callsheet.FieldName: "Name", callsheet.FieldPhone: "Phone"}}
	if err := sqldb.NewImportStore(db).CreateImportJob(f.AdminCtx, w.job, strings.NewReader(b.String())); err != nil {
		t.Fatal(err)
	}
	return w
}

// importStore is a store of both halves, as a server's.
type importStore interface {
	callsheet.ImportJobStore
	callsheet.ImportApplier
}

// server is one server's import engine over store.
func (w *takeoverWorld) server(store importStore) *importer.Service {
	s := importer.NewService(store, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.Accounts, s.Users, s.CustomFields = sqldb.NewAccountService(w.db), sqldb.NewUserService(w.db), sqldb.NewCustomFieldService(w.db)
	s.Customers, s.Statuses = sqldb.NewCustomerService(w.db), sqldb.NewStatusService(w.db)
	s.Lease, s.Poll = testLease, testPoll
	return s
}

// start runs s's workers until the test ends.
func start(t *testing.T, s *importer.Service) {
	ctx, cancel := context.WithCancel(context.Background())
	s.Start(ctx)
	t.Cleanup(func() { cancel(); s.Wait() })
}

// waitDone waits until the job is done, up to the deadline, and returns it.
func (w *takeoverWorld) waitDone(t *testing.T, deadline time.Time) *callsheet.ImportJob {
	t.Helper()
	store := sqldb.NewImportStore(w.db)
	for {
		j, err := store.FindImportJobByID(w.f.AdminCtx, w.job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.State == callsheet.ImportDone {
			return j
		}
		if j.State != callsheet.ImportRunning && j.State != callsheet.ImportQueued {
			t.Fatalf("the import ended %s: %s", j.State, j.Error)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import is still %s after the deadline", j.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkOnce checks the job added every lead, once.
func (w *takeoverWorld) checkOnce(t *testing.T, j *callsheet.ImportJob, attempts int) {
	t.Helper()
	if j.Counts.Added != leadRows || j.Counts.Total != leadRows || j.Attempts != attempts {
		t.Fatalf("job: attempts %d (want %d), counts %+v", j.Attempts, attempts, j.Counts)
	}
	_, n, err := sqldb.NewCustomerService(w.db).FindCustomers(w.f.AdminCtx, callsheet.CustomerFilter{Limit: 1})
	if err != nil || n != leadRows {
		t.Fatalf("the account holds %d customers (%v), want %d", n, err, leadRows)
	}
}

// takeovers records the takeovers a store reports, and when.
type takeovers struct {
	mu   sync.Mutex
	from []string
	at   []time.Time
}

func (tk *takeovers) watch(s *sqldb.ImportStore) {
	s.Takeover = func(_ int64, from string, _ time.Duration) {
		tk.mu.Lock()
		defer tk.mu.Unlock()
		tk.from = append(tk.from, from)
		tk.at = append(tk.at, time.Now())
	}
}

func (tk *takeovers) get() ([]string, []time.Time) {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	return append([]string(nil), tk.from...), append([]time.Time(nil), tk.at...)
}

// TestTakeoverOfDeadServer: a server claims a job and dies at once, never
// renewing. Another server takes the job over once the lease runs out,
// within Lease+Poll, and runs it once.
func TestTakeoverOfDeadServer(t *testing.T) {
	w := newTakeoverWorld(t)
	op := callsheet.NewOperatorContext(context.Background())
	claimed := time.Now()
	if _, err := sqldb.NewImportStore(w.db).ClaimImportJob(op, "w-dead", testLease); err != nil {
		t.Fatal(err)
	}

	store := sqldb.NewImportStore(w.db)
	var tk takeovers
	tk.watch(store)
	finished := make(chan callsheet.ImportCounts, 1)
	b := w.server(store)
	b.Finished = func(state callsheet.ImportState, c callsheet.ImportCounts) {
		if state == callsheet.ImportDone {
			finished <- c
		}
	}
	start(t, b)

	j := w.waitDone(t, claimed.Add(testLease+testPoll+slack))
	from, at := tk.get()
	if len(from) != 1 || from[0] != "w-dead" {
		t.Fatalf("takeovers: %v", from)
	}
	if at[0].Before(claimed.Add(testLease)) || at[0].After(claimed.Add(testLease+testPoll+slack)) {
		t.Fatalf("taken over %v after the claim; the lease is %v, the poll %v", at[0].Sub(claimed), testLease, testPoll)
	}
	t.Logf("taken over %v after the dead server's claim (lease %v, poll %v)", at[0].Sub(claimed).Round(time.Millisecond), testLease, testPoll)
	w.checkOnce(t, j, 2)
	select {
	case c := <-finished:
		if c.Added != leadRows {
			t.Fatalf("Finished was told of %+v", c)
		}
	case <-time.After(time.Minute):
		t.Fatal("Finished was not told")
	}
}

// cutStore is a server's store whose imports hang after their first row
// and whose lease renewals and claims fail once the database is "cut
// off", as if the server lost touch with it.
type cutStore struct {
	*sqldb.ImportStore
	cut      atomic.Bool
	running  chan struct{} // closed when an import is under way
	once     sync.Once
	stopped  atomic.Int64 // when the import gave up, in Unix nanoseconds
	finished atomic.Int32 // ends the store recorded
}

func (s *cutStore) RunImport(ctx context.Context, job *callsheet.ImportJob, src callsheet.ImportSource, collect bool) (*callsheet.ImportResult, error) {
	res, err := s.ImportStore.RunImport(ctx, job, &hangingSource{ctx: ctx, src: src, started: func() { s.once.Do(func() { close(s.running) }) }}, collect)
	s.stopped.Store(time.Now().UnixNano())
	return res, err
}

func (s *cutStore) RenewImportLease(ctx context.Context, jobID int64, worker string, lease time.Duration, rows int, bytes int64) (bool, error) {
	if s.cut.Load() {
		return false, errors.New("connection refused")
	}
	return s.ImportStore.RenewImportLease(ctx, jobID, worker, lease, rows, bytes)
}

func (s *cutStore) ClaimImportJob(ctx context.Context, worker string, lease time.Duration) (*callsheet.ImportJob, error) {
	if s.cut.Load() {
		return nil, errors.New("connection refused")
	}
	return s.ImportStore.ClaimImportJob(ctx, worker, lease)
}

func (s *cutStore) FinishImportJob(ctx context.Context, jobID int64, worker string, state callsheet.ImportState, message string) error {
	s.finished.Add(1)
	return s.ImportStore.FinishImportJob(ctx, jobID, worker, state, message)
}

// hangingSource gives one row, then waits for its context to end.
type hangingSource struct {
	ctx     context.Context
	src     callsheet.ImportSource
	n       int
	started func()
}

func (h *hangingSource) Next() (*callsheet.ImportRow, error) {
	if h.n > 0 {
		h.started()
		<-h.ctx.Done()
		return nil, h.ctx.Err()
	}
	h.n++
	return h.src.Next()
}

// TestServerCutOffStopsBeforeTakeover: a server that can no longer renew
// its lease stops its import (rolling it back) before the lease runs out,
// so that when another server takes the job over, the two never run it at
// once; the job is run once, by the other, and not marked ended by the
// first.
func TestServerCutOffStopsBeforeTakeover(t *testing.T) {
	w := newTakeoverWorld(t)
	cs := &cutStore{ImportStore: sqldb.NewImportStore(w.db), running: make(chan struct{})}
	a := w.server(cs)
	start(t, a)
	select {
	case <-cs.running:
	case <-time.After(time.Minute):
		t.Fatal("the import never started")
	}
	cutAt := time.Now()
	cs.cut.Store(true)

	store := sqldb.NewImportStore(w.db)
	var tk takeovers
	tk.watch(store)
	start(t, w.server(store))

	j := w.waitDone(t, cutAt.Add(testLease+testPoll+slack))
	from, at := tk.get()
	if len(from) != 1 {
		t.Fatalf("takeovers: %v", from)
	}
	stopped := time.Unix(0, cs.stopped.Load())
	if cs.stopped.Load() == 0 || !stopped.Before(at[0]) {
		t.Fatalf("the cut-off server stopped at %v, the takeover came at %v", stopped.Sub(cutAt), at[0].Sub(cutAt))
	}
	t.Logf("cut off at 0; stopped itself at %v; taken over at %v", stopped.Sub(cutAt).Round(time.Millisecond), at[0].Sub(cutAt).Round(time.Millisecond))
	if n := cs.finished.Load(); n != 0 {
		t.Fatalf("the cut-off server recorded an end of the job %d times", n)
	}
	w.checkOnce(t, j, 2)
}

// TestShutdownHandsOver: a server stopping in the middle of an import
// rolls it back and hands it over, so another server runs it at once
// rather than after the lease.
func TestShutdownHandsOver(t *testing.T) {
	w := newTakeoverWorld(t)
	cs := &cutStore{ImportStore: sqldb.NewImportStore(w.db), running: make(chan struct{})}
	a := w.server(cs)
	a.Lease = time.Minute // a takeover by lease would fail the test
	ctx, cancel := context.WithCancel(context.Background())
	a.Start(ctx)
	select {
	case <-cs.running:
	case <-time.After(time.Minute):
		t.Fatal("the import never started")
	}

	store := sqldb.NewImportStore(w.db)
	var tk takeovers
	tk.watch(store)
	b := w.server(store)
	start(t, b)

	stopAt := time.Now()
	cancel()
	a.Wait()
	j := w.waitDone(t, stopAt.Add(testPoll+slack))
	if from, _ := tk.get(); len(from) != 1 {
		t.Fatalf("takeovers: %v", from)
	}
	t.Logf("handed over and done %v after the stop", time.Since(stopAt).Round(time.Millisecond))
	if n := cs.finished.Load(); n != 0 {
		t.Fatalf("the stopping server recorded an end of the job %d times", n)
	}
	w.checkOnce(t, j, 2)
}
