// Package importer is the import engine: every way customers come in (a
// file, the API, a form) goes through its Service, with the same options
// and checks. It keeps jobs in a job store (callsheet.ImportJobStore) and
// has an applier (callsheet.ImportApplier) write their rows. Queued file
// imports run on background workers in any server process, each job held
// under a lease that its worker renews, hands over when its server stops,
// and that another server takes over when it runs out; jobs are cancelled
// and undone through it, old files purged, and problem reports and
// exports written. Reading the files themselves is package sheet's.
package importer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sheet"
)

// Service is the import engine. It reads files and requests into
// normalised rows and has the store apply them; it runs queued file imports
// in the background, in any server process.
type Service struct {
	// Jobs keeps the jobs and their files, and hands queued jobs to the
	// workers; Applier writes their rows to the customers. One store
	// usually implements both (sqldb.ImportStore).
	Jobs         callsheet.ImportJobStore
	Applier      callsheet.ImportApplier
	Accounts     callsheet.AccountService
	Users        callsheet.UserService
	CustomFields callsheet.CustomFieldService
	Customers    callsheet.CustomerService
	Statuses     callsheet.StatusService
	Logger       *slog.Logger

	// Workers is how many imports this process runs at once.
	Workers int
	// Lease is how long a worker holds a job without renewing it; it
	// renews four times a lease. When a server dies, another takes its
	// job over once the lease runs out, within Lease+Poll. On SQLite,
	// where nothing can renew while an import writes, it does not apply.
	Lease time.Duration
	// Poll is how often idle workers look for queued jobs.
	Poll time.Duration
	// KeepFiles is how long the files of finished imports are kept (for
	// their reports); zero keeps them for ever.
	KeepFiles time.Duration

	// Finished, when set, is told how each import this process ran ended
	// (done, failed or cancelled) and, when done, its rows' outcomes.
	Finished func(state callsheet.ImportState, counts callsheet.ImportCounts)

	worker  string
	wake    chan struct{}
	stopped sync.WaitGroup

	mu      sync.Mutex
	running map[int64]*runningJob
}

var _ callsheet.ImportService = (*Service)(nil)

// runningJob is a job this process is running: its progress and a way to
// stop it.
type runningJob struct {
	rows      atomic.Int64
	bytes     atomic.Int64
	written   atomic.Int64 // rows written by the steps so far (Stepped)
	readAll   atomic.Bool  // the file has been read to its end
	cancelled atomic.Bool  // asked to stop, rather than the server stopping
	lost      atomic.Bool  // the lease is lost, or about to be: another worker runs it
	cancel    context.CancelFunc
	ended     chan struct{} // closed once the run has recorded how it ended
}

// DefaultLease is how long a worker holds an import job between renewals,
// unless Lease says otherwise: short, so that a job of a server that died
// is taken over within seconds, and four renewals long, so that a slow
// renewal or two does not lose it.
const DefaultLease = 10 * time.Second

// NewService returns an import engine over a job store and an applier;
// the caller sets the services it reads accounts, users and fields with.
func NewService(jobs callsheet.ImportJobStore, applier callsheet.ImportApplier, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.Default()
	}
	b := make([]byte, 6)
	rand.Read(b)
	return &Service{Jobs: jobs, Applier: applier, Logger: logger, Workers: 1, Lease: DefaultLease, Poll: 2 * time.Second,
		worker: "w-" + hex.EncodeToString(b), wake: make(chan struct{}, 1), running: map[int64]*runningJob{}}
}

// leaseFor is how long a job is a worker's between renewals: Lease where
// leases can be renewed while an import writes, and a day on SQLite, where
// one process owns the queue: a job cut off is taken back and requeued at
// the process's next start, not taken over.
func (s *Service) leaseFor() time.Duration {
	if !s.concurrentWriters() {
		return 24 * time.Hour
	}
	return s.Lease
}

// holdLease keeps the lease of a job this worker made running (an add, the
// command line's import) while its run goes on, as a claimed job's is
// kept; the returned function stops it.
func (s *Service) holdLease(ctx context.Context, job *callsheet.ImportJob, rj *runningJob, since time.Time) (stop func()) {
	if !s.concurrentWriters() {
		return func() {}
	}
	done, renewed := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(renewed)
		s.renew(callsheet.NewOperatorContext(context.WithoutCancel(ctx)), job.ID, rj, since, done)
	}()
	return func() { close(done); <-renewed }
}

// concurrentWriters asks the job store whether leases and progress can be
// written while an import runs.
func (s *Service) concurrentWriters() bool { return s.Jobs.ConcurrentWriters() }

// Start runs the background workers until ctx ends. With an engine that
// has one writer at a time (SQLite), one process owns the queue, so jobs
// it finds running at start were cut off and are queued again.
func (s *Service) Start(ctx context.Context) {
	if s.Lease <= 0 {
		s.Lease = DefaultLease
	}
	if !s.concurrentWriters() {
		if n, err := s.Jobs.RequeueOrphanedImports(callsheet.NewOperatorContext(ctx)); err != nil {
			s.Logger.Error("requeue imports", "err", err)
		} else if n > 0 {
			s.Logger.Info("imports cut off by a stop will run again", "count", n)
		}
	}
	for i := 0; i < max(1, s.Workers); i++ {
		s.stopped.Add(1)
		go func() {
			defer s.stopped.Done()
			s.work(ctx)
		}()
	}
	if s.KeepFiles > 0 {
		s.stopped.Add(1)
		go func() {
			defer s.stopped.Done()
			s.purge(ctx)
		}()
	}
}

// Wait returns once the workers started by Start have stopped, after its
// context ended: an import cut off by the stop has been rolled back and
// handed over by then, so the database may be closed.
func (s *Service) Wait() { s.stopped.Wait() }

// purge deletes old imports' files, now and then every hour.
func (s *Service) purge(ctx context.Context) {
	op := callsheet.NewOperatorContext(ctx)
	for {
		if n, err := s.Jobs.PurgeImportFiles(op, time.Now().Add(-s.KeepFiles)); err != nil {
			if ctx.Err() == nil {
				s.Logger.Warn("purge import files", "err", err)
			}
		} else if n > 0 {
			s.Logger.Info("purged the files of old imports", "chunks", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Hour):
		}
	}
}

func (s *Service) work(ctx context.Context) {
	op := callsheet.NewOperatorContext(ctx)
	lease := s.leaseFor()
	for {
		// A stopping worker claims nothing more: a job queued as it stops
		// (which wakes it) waits for the next start.
		if ctx.Err() != nil {
			return
		}
		claimed := time.Now()
		job, err := s.Jobs.ClaimImportJob(op, s.worker, lease)
		if err == nil {
			s.runClaimed(ctx, job, claimed)
			continue
		}
		if callsheet.ErrorCode(err) != callsheet.ENOTFOUND && ctx.Err() == nil {
			s.Logger.Error("claim import", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-time.After(s.Poll):
		}
	}
}

// kick wakes an idle worker.
func (s *Service) kick() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// jobContext acts for the account of a job, as whoever created it.
func jobContext(ctx context.Context, job *callsheet.ImportJob) context.Context {
	return callsheet.NewContextWithActor(ctx, &callsheet.Actor{AccountID: job.AccountID, UserID: job.UserID, TokenID: job.TokenID,
		Role: callsheet.RoleAdmin, Name: job.CreatedBy})
}

// runClaimed runs a job claimed at the time given, renewing its lease and
// watching for a cancel while it runs.
func (s *Service) runClaimed(ctx context.Context, job *callsheet.ImportJob, claimed time.Time) {
	op := callsheet.NewOperatorContext(context.WithoutCancel(ctx))
	rctx, cancel := context.WithCancel(jobContext(ctx, job))
	defer cancel()
	rj := s.track(job.ID, cancel)
	defer s.untrack(job.ID)

	done := make(chan struct{})
	renewed := make(chan struct{})
	if s.concurrentWriters() {
		go func() {
			defer close(renewed)
			s.renew(op, job.ID, rj, claimed, done)
		}()
	} else {
		close(renewed)
	}
	start := time.Now()
	res, err := s.run(rctx, job, rj)
	close(done)
	<-renewed
	switch {
	case err == nil:
		s.Logger.Info("import finished", "job", job.ID, "rows", res.Counts.Total, "applied", res.Applied, "duration", time.Since(start).Round(time.Millisecond))
		s.finished(callsheet.ImportDone, res.Counts)
	case rj.lost.Load() || errors.Is(err, callsheet.ErrImportTakenOver):
		// Its transaction rolled back; the worker that holds the job now
		// records how it ends.
		s.Logger.Warn("import stopped: its lease was lost and another worker runs it", "job", job.ID)
	case rj.cancelled.Load():
		s.finish(op, job, callsheet.ImportCancelled, "Cancelled; nothing was written.")
	case ctx.Err() != nil:
		// The server is stopping. The job stays running, its transaction
		// rolled back; it is handed over, so that another server runs it
		// again at once (or this one, at its next start).
		if s.concurrentWriters() {
			hctx, cancel := context.WithTimeout(op, s.Lease/4)
			if _, err := s.Jobs.RenewImportLease(hctx, job.ID, s.worker, 0, 0, 0); err != nil {
				s.Logger.Warn("hand over import", "job", job.ID, "err", err)
			}
			cancel()
		}
		s.Logger.Info("import interrupted by shutdown; it will run again", "job", job.ID)
	default:
		s.Logger.Warn("import failed", "job", job.ID, "err", err)
		s.finish(op, job, callsheet.ImportFailed, callsheet.ErrorMessage(err)+" Nothing was written.")
	}
}

// renew keeps the lease of a running job until done closes, the lease
// being good from the claim's time. It stops the run when a cancel is
// asked for, when another worker holds the job now, and when the lease
// would run out before the next renewal: a worker that cannot reach the
// database stops before another may take the job over, so that one job
// never runs twice at once.
func (s *Service) renew(op context.Context, jobID int64, rj *runningJob, claimed time.Time, done <-chan struct{}) {
	every := s.Lease / 4
	held := claimed.Add(s.Lease) // until when the lease is surely ours
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		start := time.Now()
		rctx, cancel := context.WithTimeout(op, every)
		stop, err := s.Jobs.RenewImportLease(rctx, jobID, s.worker, s.Lease, int(rj.rows.Load()), rj.bytes.Load())
		cancel()
		switch {
		case err == nil && stop:
			rj.cancelled.Store(true)
			rj.cancel()
			return
		case err == nil:
			held = start.Add(s.Lease)
		case callsheet.ErrorCode(err) == callsheet.ECONFLICT:
			rj.lost.Store(true)
			rj.cancel()
			return
		default:
			s.Logger.Warn("renew import lease", "job", jobID, "err", err)
		}
		if time.Now().Add(every).After(held) {
			s.Logger.Warn("import lease about to run out unrenewed; stopping the import so another worker can take it", "job", jobID)
			rj.lost.Store(true)
			rj.cancel()
			return
		}
	}
}

func (s *Service) finish(ctx context.Context, job *callsheet.ImportJob, state callsheet.ImportState, msg string) {
	if err := s.Jobs.FinishImportJob(ctx, job.ID, job.Worker, state, msg); err != nil {
		s.Logger.Error("finish import", "job", job.ID, "err", err)
	}
	s.finished(state, callsheet.ImportCounts{})
}

// finished tells Finished, if set, how an import ended.
func (s *Service) finished(state callsheet.ImportState, counts callsheet.ImportCounts) {
	if s.Finished != nil {
		s.Finished(state, counts)
	}
}

func (s *Service) track(id int64, cancel context.CancelFunc) *runningJob {
	rj := &runningJob{cancel: cancel, ended: make(chan struct{})}
	s.mu.Lock()
	s.running[id] = rj
	s.mu.Unlock()
	return rj
}

func (s *Service) untrack(id int64) {
	s.mu.Lock()
	rj := s.running[id]
	delete(s.running, id)
	s.mu.Unlock()
	if rj != nil {
		close(rj.ended)
	}
}

// run reads a job's stored file and applies it.
func (s *Service) run(ctx context.Context, job *callsheet.ImportJob, rj *runningJob) (*callsheet.ImportResult, error) {
	target, err := s.target(ctx, job.AccountID)
	if err != nil {
		return nil, err
	}
	if job.FileName == "" && job.FileSize == 0 {
		// Only customers added through the API or a form have no file: a
		// job of theirs taken over is one whose server died adding them.
		return nil, callsheet.Errorf(callsheet.EINVALID, "The server that was adding these customers stopped before it finished. Send them again.")
	}
	rc, err := s.Jobs.OpenImportFile(ctx, job.ID)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	counter := &countingReader{r: rc, n: &rj.bytes}
	table, err := sheet.Open(counter, job.FileName, sheet.ReadOptions{Encoding: job.Encoding, Sheet: job.Sheet})
	if err != nil {
		return nil, fileProblem(err)
	}
	defer table.Close()
	mapper, err := sheet.NewRowMapper(table.Header(), job.Mapping, target, job.Options.International)
	if err != nil {
		return nil, err
	}
	// The run records the columns it leaves out, for the report, the API
	// and the command line (see callsheet.ImportJob.UnmatchedColumns).
	job.UnmatchedColumns = sheet.UnmatchedColumns(table.Header(), job.Mapping)
	src := &tableSource{table: table, mapper: mapper, rows: &rj.rows, readAll: &rj.readAll}
	defer src.close()
	return s.Applier.RunImport(ctx, job, src, false)
}

// fileProblem turns a file that cannot be read into an invalid-input error.
func fileProblem(err error) error {
	var fe *sheet.FileError
	if errors.As(err, &fe) {
		return fe.DomainError()
	}
	return err
}

// target loads what rows are read against, for the account of ctx.
func (s *Service) target(ctx context.Context, accountID int64) (sheet.Target, error) {
	return s.targetOf(ctx, accountID, true, true)
}

// targetOf is target with only the parts the rows need: the agents to
// find by name, the custom fields. A single add that gives neither reads
// the account alone.
func (s *Service) targetOf(ctx context.Context, accountID int64, agents, fields bool) (sheet.Target, error) {
	acc, err := s.Accounts.FindAccountByID(ctx, accountID)
	if err != nil {
		return sheet.Target{}, err
	}
	t := sheet.Target{Region: acc.Country, Location: acc.Location(), Agents: map[string]int64{}}
	if agents {
		users, _, err := s.Users.FindUsers(ctx, callsheet.UserFilter{})
		if err != nil {
			return sheet.Target{}, err
		}
		for _, u := range users {
			t.Agents[u.Name] = u.ID
		}
	}
	if fields {
		if t.CustomFields, err = s.CustomFields.FindCustomFields(ctx); err != nil {
			return sheet.Target{}, err
		}
	}
	return t, nil
}

// tableSource feeds a file's rows to the store. Reading and normalising
// run on a goroutine of their own, a batch ahead, so they overlap with the
// database's work.
type tableSource struct {
	table   sheet.Table
	mapper  *sheet.RowMapper
	rows    *atomic.Int64
	readAll *atomic.Bool // set at the file's end

	batches chan rowBatch
	cur     []*callsheet.ImportRow
	err     error
	stop    chan struct{}
	once    sync.Once
}

type rowBatch struct {
	rows []*callsheet.ImportRow
	err  error
}

// A batch ends at sourceBatch rows or sourceBatchBytes of cell text,
// whichever comes first: rows may be up to a megabyte each, and five
// batches are in flight, so a count alone would not bound the memory.
const (
	sourceBatch      = 1024
	sourceBatchBytes = 4 << 20
)

func (t *tableSource) start() {
	t.batches = make(chan rowBatch, 4)
	t.stop = make(chan struct{})
	go func() {
		defer close(t.batches)
		for {
			b := rowBatch{rows: make([]*callsheet.ImportRow, 0, sourceBatch)}
			size := 0
			for len(b.rows) < sourceBatch && size < sourceBatchBytes {
				rec, err := t.table.Next()
				var re *sheet.RowError
				if err == nil {
					for _, f := range rec.Fields {
						size += len(f)
					}
					b.rows = append(b.rows, t.mapper.Map(rec))
				} else if errors.As(err, &re) {
					b.rows = append(b.rows, sheet.RowErrorRow(re))
				} else {
					b.err = err
					break
				}
			}
			select {
			case t.batches <- b:
			case <-t.stop:
				return
			}
			if b.err != nil {
				return
			}
		}
	}()
}

// Next implements callsheet.ImportSource.
func (t *tableSource) Next() (*callsheet.ImportRow, error) {
	t.once.Do(t.start)
	for len(t.cur) == 0 {
		if t.err != nil {
			if t.err == io.EOF && t.readAll != nil {
				t.readAll.Store(true)
			}
			return nil, t.err
		}
		b, ok := <-t.batches
		if !ok {
			if t.readAll != nil {
				t.readAll.Store(true)
			}
			return nil, io.EOF
		}
		t.cur, t.err = b.rows, b.err
	}
	row := t.cur[0]
	t.cur = t.cur[1:]
	t.rows.Add(1)
	return row, nil
}

// close stops the reading goroutine, if the import ended early.
func (t *tableSource) close() {
	if t.stop != nil {
		close(t.stop)
		for range t.batches {
		}
	}
}

// countingReader counts the bytes read through it, for progress.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// CreateImport implements callsheet.ImportService. A file that cannot be
// a customer file, such as a photo, a PDF or an archive, is refused with
// an invalid-input error that says what it looks like, and nothing is
// stored.
func (s *Service) CreateImport(ctx context.Context, job *callsheet.ImportJob, file io.Reader) error {
	if job.Source == "" {
		job.Source = "file"
	}
	if file != nil {
		checked, release, err := sheet.Screen(job.FileName, file)
		if err != nil {
			return fileProblem(err)
		}
		defer release()
		file = checked
	}
	if err := s.Jobs.CreateImportJob(ctx, job, file); err != nil {
		return err
	}
	if job.State == callsheet.ImportQueued {
		s.kick()
	}
	return nil
}

// RunNow saves a file import and runs it at once in this process, calling
// progress as it goes; the command line uses it.
func (s *Service) RunNow(ctx context.Context, job *callsheet.ImportJob, file io.Reader, progress func(rows, bytes int64)) (*callsheet.ImportResult, error) {
	job.State = callsheet.ImportRunning
	if job.Source == "" {
		job.Source = "cli"
	}
	job.Worker, job.Lease = s.worker, s.leaseFor()
	since := time.Now()
	if err := s.CreateImport(ctx, job, file); err != nil {
		return nil, err
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rj := s.track(job.ID, cancel)
	defer s.untrack(job.ID)
	defer s.holdLease(ctx, job, rj, since)()
	stop := make(chan struct{})
	if progress != nil {
		go func() {
			t := time.NewTicker(200 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					progress(rj.rows.Load(), rj.bytes.Load())
				}
			}
		}()
	}
	res, err := s.run(rctx, job, rj)
	close(stop)
	if progress != nil {
		progress(rj.rows.Load(), rj.bytes.Load())
	}
	if err != nil {
		op := callsheet.NewOperatorContext(context.WithoutCancel(ctx))
		if ctx.Err() != nil {
			s.finish(op, job, callsheet.ImportCancelled, "Cancelled; nothing was written.")
		} else {
			s.finish(op, job, callsheet.ImportFailed, callsheet.ErrorMessage(err)+" Nothing was written.")
		}
		return nil, err
	}
	s.finished(callsheet.ImportDone, res.Counts)
	return res, nil
}

// UpdateImport implements callsheet.ImportService. A mapping is checked
// against the file's header before it is saved.
func (s *Service) UpdateImport(ctx context.Context, id int64, upd callsheet.ImportJobUpdate) (*callsheet.ImportJob, error) {
	if upd.Mapping != nil {
		job, err := s.Jobs.FindImportJobByID(ctx, id)
		if err != nil {
			return nil, err
		}
		if upd.Encoding != nil {
			job.Encoding = *upd.Encoding
		}
		if upd.Sheet != nil {
			job.Sheet = *upd.Sheet
		}
		if err := s.checkMapping(ctx, job, upd.Mapping); err != nil {
			return nil, err
		}
	}
	job, err := s.Jobs.UpdateImportJob(ctx, id, upd)
	if err != nil {
		return nil, err
	}
	if job.State == callsheet.ImportQueued {
		s.kick()
	}
	return job, nil
}

// checkMapping reads the header of a job's file and checks a mapping on it.
func (s *Service) checkMapping(ctx context.Context, job *callsheet.ImportJob, mapping map[string]string) error {
	target, err := s.target(ctx, job.AccountID)
	if err != nil {
		return err
	}
	rc, err := s.Jobs.OpenImportFile(ctx, job.ID)
	if err != nil {
		return err
	}
	defer rc.Close()
	table, err := sheet.Open(rc, job.FileName, sheet.ReadOptions{Encoding: job.Encoding, Sheet: job.Sheet})
	if err != nil {
		return fileProblem(err)
	}
	defer table.Close()
	_, err = sheet.NewRowMapper(table.Header(), mapping, target, false)
	return err
}

// PreviewSamples is how many rows a preview shows.
const PreviewSamples = 5

// PreviewFile implements callsheet.ImportService.
func (s *Service) PreviewFile(ctx context.Context, jobID int64) (*callsheet.FilePreview, error) {
	job, err := s.Jobs.FindImportJobByID(ctx, jobID)
	if err != nil {
		return nil, err
	}
	rc, err := s.Jobs.OpenImportFile(ctx, job.ID)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	table, err := sheet.Open(rc, job.FileName, sheet.ReadOptions{Encoding: job.Encoding, Sheet: job.Sheet})
	if err != nil {
		return nil, fileProblem(err)
	}
	defer table.Close()
	info := table.Info()
	p := &callsheet.FilePreview{Format: info.Format, Encoding: info.Encoding, Delimiter: info.Delimiter, Sheet: info.Sheet, Sheets: info.Sheets,
		Header: table.Header(), Samples: [][]string{}, Suggested: map[string]string{}}
	for len(p.Samples) < PreviewSamples {
		rec, err := table.Next()
		if err == io.EOF {
			break
		}
		var re *sheet.RowError
		if errors.As(err, &re) {
			continue
		} else if err != nil {
			return nil, fileProblem(err)
		}
		p.Samples = append(p.Samples, append([]string(nil), rec.Fields...))
	}
	fields, err := s.CustomFields.FindCustomFields(ctx)
	if err != nil {
		return nil, err
	}
	labels := make([]string, len(fields))
	for i, f := range fields {
		labels[i] = f.Label
	}
	for field, col := range sheet.SuggestMapping(p.Header, labels) {
		key := field
		for _, f := range fields {
			if field == "custom:"+f.Label {
				key = sheet.CustomFieldKey(f.ID)
			}
		}
		p.Suggested[key] = p.Header[col]
	}
	return p, nil
}

// Stepped is told that a job this process runs has written rows so far,
// in steps (the store's hook of that name), for its progress.
func (s *Service) Stepped(jobID int64, rows int) {
	s.mu.Lock()
	rj := s.running[jobID]
	s.mu.Unlock()
	if rj != nil {
		rj.written.Store(int64(rows))
	}
}

// FindImport implements callsheet.ImportService.
func (s *Service) FindImport(ctx context.Context, id int64) (*callsheet.ImportJob, error) {
	job, err := s.Jobs.FindImportJobByID(ctx, id)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	rj := s.running[id]
	s.mu.Unlock()
	if rj != nil && job.State == callsheet.ImportRunning {
		job.RowsRead, job.BytesRead, job.RowsWritten = int(rj.rows.Load()), rj.bytes.Load(), int(rj.written.Load())
		job.ReadAll = rj.readAll.Load()
	}
	job.ErrorReason = ParseMessages(job.Error)
	return job, nil
}

// FindImports implements callsheet.ImportService.
func (s *Service) FindImports(ctx context.Context, f callsheet.ImportJobFilter) ([]*callsheet.ImportJob, int, error) {
	return s.Jobs.FindImportJobs(ctx, f)
}

// FindImportProblems implements callsheet.ImportService. Each row's
// Reason is its message as catalogue messages (see Reason).
func (s *Service) FindImportProblems(ctx context.Context, id int64, offset, limit int) ([]callsheet.RowResult, int, error) {
	rs, total, err := s.Applier.FindImportProblems(ctx, id, offset, limit)
	for i := range rs {
		rs[i].Reason = Reason(rs[i])
	}
	return rs, total, err
}

// FindImportRows implements callsheet.ImportService.
func (s *Service) FindImportRows(ctx context.Context, id int64, offset, limit int) ([]callsheet.RowResult, int, error) {
	return s.Applier.FindImportRows(ctx, id, offset, limit)
}

// CancelImport implements callsheet.ImportService. A job running in this
// process stops at once; one running elsewhere when its worker next renews
// its lease.
func (s *Service) CancelImport(ctx context.Context, id int64) (*callsheet.ImportJob, error) {
	job, err := s.Jobs.FindImportJobByID(ctx, id)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	rj := s.running[id]
	s.mu.Unlock()
	if rj != nil {
		rj.cancelled.Store(true)
		rj.cancel()
		// The worker records the cancel once its transaction is rolled
		// back; the caller's context bounds the wait.
		select {
		case <-rj.ended:
		case <-ctx.Done():
			return job, ctx.Err()
		}
		return s.Jobs.FindImportJobByID(ctx, id)
	}
	return s.Jobs.CancelImportJob(ctx, id)
}

// UndoImport implements callsheet.ImportService.
func (s *Service) UndoImport(ctx context.Context, id int64) (*callsheet.UndoResult, error) {
	return s.Applier.UndoImportJob(ctx, id)
}

// MaxBatch is the most customers one AddCustomers call takes.
const MaxBatch = 10000

// AddCustomers implements callsheet.ImportService.
func (s *Service) AddCustomers(ctx context.Context, campaignID int64, opts callsheet.ImportOptions, items []callsheet.CustomerInput, source string) (*callsheet.ImportJob, *callsheet.ImportResult, error) {
	if len(items) == 0 {
		return nil, nil, callsheet.Errorf(callsheet.EINVALID, "No customers given.")
	}
	if len(items) > MaxBatch {
		return nil, nil, callsheet.Errorf(callsheet.ETOOLARGE, "At most %d customers per request; got %d.", MaxBatch, len(items))
	}
	a := callsheet.ActorFromContext(ctx)
	if a == nil {
		return nil, nil, callsheet.Errorf(callsheet.EUNAUTHORIZED, "You must log in.")
	}
	// The header is every field any item gives, in a stable order.
	seen := map[string]bool{}
	var header []string
	for _, it := range items {
		for k := range it {
			if !seen[k] {
				seen[k] = true
				header = append(header, k)
			}
		}
	}
	sort.Slice(header, func(i, j int) bool {
		if sheet.FieldOrder(header[i]) != sheet.FieldOrder(header[j]) {
			return sheet.FieldOrder(header[i]) < sheet.FieldOrder(header[j])
		}
		return header[i] < header[j]
	})
	mapping := map[string]string{}
	custom := false
	for _, h := range header {
		custom = custom || isCustomKey(h)
		if !callsheet.IsSystemField(h) && !isCustomKey(h) {
			e := callsheet.Errorf(callsheet.EINVALID, "Unknown field %s.", strconv.Quote(h))
			e.Fields = map[string]string{h: "Unknown field."}
			return nil, nil, e
		}
		mapping[h] = h
	}
	if !seen[callsheet.FieldPhone] {
		return nil, nil, &callsheet.Error{Code: callsheet.EINVALID, Message: "Phone is required.", Fields: map[string]string{callsheet.FieldPhone: "Phone is required."}}
	}
	target, err := s.targetOf(ctx, a.AccountID, seen[callsheet.FieldAgent], custom)
	if err != nil {
		return nil, nil, err
	}
	mapper, err := sheet.NewRowMapper(header, mapping, target, opts.International)
	if err != nil {
		return nil, nil, err
	}
	src := &itemSource{items: items, header: header, mapper: mapper}
	if len(items) == 1 {
		// One customer is a single add, whichever endpoint sent it: the
		// campaign's history sums those by day instead of listing each.
		// It needs no staging, and its job is over when it is written.
		row, _ := src.Next()
		job := &callsheet.ImportJob{CampaignID: campaignID, Source: source, Options: opts, Mapping: mapping}
		res, err := s.Applier.AddCustomer(ctx, job, row)
		if err != nil {
			return nil, nil, err
		}
		s.finished(callsheet.ImportDone, res.Counts)
		return job, res, nil
	}
	job := &callsheet.ImportJob{CampaignID: campaignID, Source: source, Options: opts, Mapping: mapping, State: callsheet.ImportRunning,
		Worker: s.worker, Lease: s.leaseFor()}
	since := time.Now()
	if err := s.Jobs.CreateImportJob(ctx, job, nil); err != nil {
		return nil, nil, err
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rj := s.track(job.ID, cancel)
	stopLease := s.holdLease(ctx, job, rj, since)
	res, err := s.Applier.RunImport(rctx, job, src, true)
	stopLease()
	s.untrack(job.ID)
	switch {
	case err == nil:
	case rj.lost.Load() || errors.Is(err, callsheet.ErrImportTakenOver):
		// This server was too slow to keep its lease, and another took
		// the job over and failed it: nothing was written, and the same
		// request sent again will be run again (a server error, which an
		// idempotency key does not keep).
		s.Logger.Warn("customers not added: the lease of their job was lost", "job", job.ID)
		return nil, nil, ErrAddInterrupted
	case rj.cancelled.Load():
		err = callsheet.Errorf(callsheet.ECONFLICT, "Cancelled; nothing was written.")
		fallthrough
	default:
		s.finish(callsheet.NewOperatorContext(context.WithoutCancel(ctx)), job, callsheet.ImportFailed, callsheet.ErrorMessage(err))
		return nil, nil, err
	}
	s.finished(callsheet.ImportDone, res.Counts)
	return job, res, nil
}

// ErrAddInterrupted is the answer to customers sent to a server that lost
// hold of their job before it finished: nothing was written, and they may
// be sent again.
var ErrAddInterrupted = &callsheet.Error{Code: callsheet.EINTERNAL,
	Message: "This server stopped adding these customers before it finished, and wrote nothing. Send them again."}

func isCustomKey(k string) bool {
	const p = "custom_field_"
	if len(k) <= len(p) || k[:len(p)] != p {
		return false
	}
	_, err := strconv.ParseInt(k[len(p):], 10, 64)
	return err == nil
}

// itemSource feeds request items to the store; an item's line is its
// index in the request, from zero.
type itemSource struct {
	items  []callsheet.CustomerInput
	header []string
	mapper *sheet.RowMapper
	i      int
	fields []string
}

func (s *itemSource) Next() (*callsheet.ImportRow, error) {
	if s.i >= len(s.items) {
		return nil, io.EOF
	}
	it := s.items[s.i]
	if s.fields == nil {
		s.fields = make([]string, len(s.header))
	}
	for j, h := range s.header {
		s.fields[j] = it[h]
	}
	row := s.mapper.Map(sheet.Record{Line: s.i, Fields: s.fields})
	s.i++
	return row, nil
}

// NormalizePhone implements callsheet.ImportService.
func (s *Service) NormalizePhone(ctx context.Context, phone string, international bool) (string, error) {
	a := callsheet.ActorFromContext(ctx)
	if a == nil {
		return "", callsheet.Errorf(callsheet.EUNAUTHORIZED, "You must log in.")
	}
	acc, err := s.Accounts.FindAccountByID(ctx, a.AccountID)
	if err != nil {
		return "", err
	}
	e164, err := sheet.NewPhoneNormalizer(acc.Country, international).Normalize(phone)
	if err != nil {
		m := callsheet.Msg(err.Error())
		var pe *sheet.PhoneError
		if errors.As(err, &pe) && pe.Msg.Key != "" {
			m = pe.Msg
		}
		return "", &callsheet.Error{Code: callsheet.EINVALID, Message: err.Error(), Fields: map[string]string{callsheet.FieldPhone: err.Error()},
			Msg: m, FieldMsgs: map[string]callsheet.Message{callsheet.FieldPhone: m}}
	}
	return e164, nil
}
