package sqldb

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/callsheet/callsheet"
)

// ImportStore implements callsheet.ImportJobStore and callsheet.ImportApplier.
type ImportStore struct {
	db *DB

	// ChunkSize is the size of the pieces a file is stored in.
	ChunkSize int

	// Timings, when set, is told how long each phase of an import took.
	Timings func(phase string, d time.Duration)

	// Takeover, when set, is told of each claim of a job whose lease ran
	// out in the hands of another worker (one that died or lost touch):
	// the job, that worker, and how long ago the lease ended.
	Takeover func(jobID int64, from string, expiredFor time.Duration)

	// Stepped, when set, is told of each step an import wrote and
	// committed on SQLite (import_steps.go), but the last: the job and the
	// rows written so far. Others may write while it runs.
	Stepped func(jobID int64, rows int)
}

// NewImportStore returns the import store of db.
func NewImportStore(db *DB) *ImportStore { return &ImportStore{db: db, ChunkSize: 1 << 20} }

// The import engine needs both halves of the store: a store that lacks a
// method of either does not build.
var (
	_ callsheet.ImportJobStore = (*ImportStore)(nil)
	_ callsheet.ImportApplier  = (*ImportStore)(nil)
)

// ConcurrentWriters reports whether the engine lets other connections write
// while an import's transaction is open. SQLite does not: progress and
// leases of a running import live in the running process only.
func (s *ImportStore) ConcurrentWriters() bool { return s.db.dialect.concurrentWriters() }

const importJobColumns = `id, account_id, campaign_id, source, created_by, COALESCE(user_id, 0), COALESCE(token_id, 0), file_name, file_size,
	encoding, sheet, mapping, options, state, error, counts, applied, rows_read, bytes_read, attempts, created_at, started_at, finished_at, undone_at,
	agents_outside, agents_granted, removed_from, single, unmatched_columns`

func scanImportJob(sc interface{ Scan(...any) error }, j *callsheet.ImportJob, extra ...any) error {
	var mapping, options, counts, state, outside, granted, removedFrom string
	var created int64
	var started, finished, undone sql.NullInt64
	var unmatched sql.NullString
	dest := append([]any{&j.ID, &j.AccountID, &j.CampaignID, &j.Source, &j.CreatedBy, &j.UserID, &j.TokenID, &j.FileName, &j.FileSize,
		&j.Encoding, &j.Sheet, &mapping, &options, &state, &j.Error, &counts, &j.Applied, &j.RowsRead, &j.BytesRead, &j.Attempts,
		&created, &started, &finished, &undone, &outside, &granted, &removedFrom, &j.Single, &unmatched}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return err
	}
	j.State = callsheet.ImportState(state)
	json.Unmarshal([]byte(mapping), &j.Mapping)
	json.Unmarshal([]byte(options), &j.Options)
	json.Unmarshal([]byte(counts), &j.Counts)
	j.AgentsOutside, j.AgentsGranted, j.RemovedFrom = []callsheet.ImportAgent{}, []callsheet.ImportAgent{}, []callsheet.CampaignCount{}
	json.Unmarshal([]byte(outside), &j.AgentsOutside)
	json.Unmarshal([]byte(granted), &j.AgentsGranted)
	json.Unmarshal([]byte(removedFrom), &j.RemovedFrom)
	if unmatched.Valid {
		// Not known (NULL) stays nil; known and none is an empty list.
		j.UnmatchedColumns = []string{}
		json.Unmarshal([]byte(unmatched.String), &j.UnmatchedColumns)
	}
	if j.State == callsheet.ImportDone && !j.Applied {
		// Options stored before the agents option existed mean its default.
		o := j.Options
		o.Validate()
		j.Refused = callsheet.RefusalReason(o, j.Counts, j.AgentsOutside)
	}
	j.CreatedAt = fromMicros(created)
	j.StartedAt, j.FinishedAt, j.UndoneAt = fromNullMicros(started), fromNullMicros(finished), fromNullMicros(undone)
	return nil
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// nullJSON is a list as JSON, or NULL for a nil list: not known.
func nullJSON(list []string) any {
	if list == nil {
		return nil
	}
	return mustJSON(list)
}

// CreateImportJob implements callsheet.ImportJobStore.
func (s *ImportStore) CreateImportJob(ctx context.Context, job *callsheet.ImportJob, file io.Reader) error {
	a, err := prepareJob(ctx, job, file != nil)
	if err != nil {
		return err
	}
	switch job.State {
	case "":
		job.State = callsheet.ImportQueued
	case callsheet.ImportDraft, callsheet.ImportQueued, callsheet.ImportRunning:
	default:
		return callsheet.Errorf(callsheet.EINVALID, "A new import cannot be %s.", job.State)
	}
	return s.db.withTx(ctx, func(tx *Tx) error {
		id, err := insertImportJob(ctx, tx, a, job, 0, job.Single && file == nil)
		if err != nil {
			return err
		}
		job.ID = id
		if file != nil {
			size, err := s.storeFile(ctx, tx, id, file)
			if err != nil {
				return err
			}
			job.FileSize = size
			if _, err := tx.exec(ctx, `UPDATE import_jobs SET file_size = ? WHERE id = ?`, size, id); err != nil {
				return err
			}
		}
		return tx.audit(ctx, a, "import.create", "import", id, map[string]any{"campaign_id": job.CampaignID, "file": job.FileName, "source": job.Source, "options": job.Options})
	})
}

// prepareJob checks a new job of the caller's and fills in what comes
// from them, and returns them.
func prepareJob(ctx context.Context, job *callsheet.ImportJob, file bool) (*callsheet.Actor, error) {
	a, err := importerOf(ctx, job)
	if err != nil {
		return nil, err
	}
	if !a.IsAdmin() {
		if file {
			return nil, callsheet.Errorf(callsheet.EFORBIDDEN, "Only an admin may import files.")
		}
		// An agent's form adds one customer, plainly: no options that
		// change other customers, and never access to a campaign.
		job.Options = callsheet.ImportOptions{International: job.Options.International, Agents: callsheet.AgentsRefuse}
	}
	if err := job.Options.Validate(); err != nil {
		return nil, err
	}
	job.AccountID, job.UserID, job.TokenID = a.AccountID, a.UserID, a.TokenID
	// A file's name comes from the client: it is kept only as a label.
	job.FileName = callsheet.CleanLabel(job.FileName, 255)
	job.Sheet = callsheet.CleanLabel(job.Sheet, 255)
	if job.CreatedBy == "" {
		job.CreatedBy = a.Name
	}
	if job.Mapping == nil {
		job.Mapping = map[string]string{}
	}
	job.AgentsOutside, job.AgentsGranted, job.RemovedFrom = []callsheet.ImportAgent{}, []callsheet.ImportAgent{}, []callsheet.CampaignCount{}
	return a, nil
}

// UpdateImportJob implements callsheet.ImportJobStore.
func (s *ImportStore) UpdateImportJob(ctx context.Context, id int64, upd callsheet.ImportJobUpdate) (*callsheet.ImportJob, error) {
	a, err := adminOf(ctx)
	if err != nil {
		return nil, err
	}
	job, err := s.FindImportJobByID(ctx, id)
	if err != nil {
		return nil, err
	}
	previewed := job.State == callsheet.ImportDone && !job.Applied && job.Options.DryRun
	if job.State != callsheet.ImportDraft && !previewed {
		return nil, callsheet.Errorf(callsheet.ECONFLICT, "The import has already run; start a new one.")
	}
	if upd.Mapping != nil {
		job.Mapping = upd.Mapping
	}
	if upd.Options != nil {
		job.Options = *upd.Options
	}
	if upd.Encoding != nil {
		job.Encoding = *upd.Encoding
	}
	if upd.Sheet != nil {
		job.Sheet = *upd.Sheet
	}
	if err := job.Options.Validate(); err != nil {
		return nil, err
	}
	// Editing takes a previewed job back to a draft; queueing runs it.
	state := callsheet.ImportDraft
	if upd.Queue {
		state = callsheet.ImportQueued
	}
	err = s.db.withTx(ctx, func(tx *Tx) error {
		if job.Options.StatusID == 0 {
			if err := tx.queryRow(ctx, `SELECT id FROM statuses WHERE account_id = ? AND kind = 'initial'`, a.AccountID).Scan(&job.Options.StatusID); err != nil {
				return err
			}
		}
		var n int
		if err := tx.queryRow(ctx, `SELECT count(*) FROM statuses WHERE id = ? AND account_id = ?`, job.Options.StatusID, a.AccountID).Scan(&n); err != nil {
			return err
		} else if n == 0 {
			return &callsheet.Error{Code: callsheet.ENOTFOUND, Message: "Status not found.", Fields: map[string]string{"status": "Status not found."}}
		}
		if _, err := tx.exec(ctx, `UPDATE import_jobs SET mapping = ?, options = ?, encoding = ?, sheet = ?, state = ?, counts = '{}',
			applied = FALSE, finished_at = NULL, rows_read = 0, bytes_read = 0, error = '', agents_outside = '[]', agents_granted = '[]',
			removed_from = '[]', unmatched_columns = NULL WHERE id = ? AND account_id = ?`,
			mustJSON(job.Mapping), mustJSON(job.Options), job.Encoding, job.Sheet, string(state), id, a.AccountID); err != nil {
			return err
		}
		// A preview's problems, and the customers it would remove.
		for _, q := range []string{`DELETE FROM import_problems WHERE job_id = ?`, `DELETE FROM import_changes WHERE job_id = ?`} {
			if _, err := tx.exec(ctx, q, id); err != nil {
				return err
			}
		}
		if upd.Queue {
			return tx.audit(ctx, a, "import.queue", "import", id, map[string]any{"options": job.Options, "mapping": job.Mapping})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.FindImportJobByID(ctx, id)
}

// importerOf returns the actor if it may run this import: an admin any
// import; an agent only the single customer of the Add customer form.
func importerOf(ctx context.Context, job *callsheet.ImportJob) (*callsheet.Actor, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if !a.IsAdmin() && job.Source != "form" {
		return nil, callsheet.Errorf(callsheet.EFORBIDDEN, "Only an admin may import customers.")
	}
	return a, nil
}

// checkImporter checks, in the transaction, that the campaign is the
// account's (and an agent's own) and that an agent holds the permission.
func checkImporter(ctx context.Context, tx *Tx, a *callsheet.Actor, campaignID int64) error {
	if !a.IsAdmin() {
		if err := mayAddCustomer(ctx, tx, a); err != nil {
			return err
		}
	}
	return checkCampaign(ctx, tx, a, campaignID)
}

// storeFile copies a file into chunks.
func (s *ImportStore) storeFile(ctx context.Context, tx *Tx, jobID int64, r io.Reader) (int64, error) {
	if err := s.db.dialect.beginBulk(ctx, tx); err != nil {
		return 0, err
	}
	defer s.db.dialect.endBulk(ctx, tx)
	buf := make([]byte, s.ChunkSize)
	var size int64
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			if _, err := tx.exec(ctx, `INSERT INTO import_files (job_id, seq, data) VALUES (?, ?, ?)`, jobID, seq, buf[:n]); err != nil {
				return 0, err
			}
			size += int64(n)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return size, nil
		} else if err != nil {
			return 0, callsheet.Errorf(callsheet.EBADREQUEST, "The file could not be received: %v.", err)
		}
	}
}

// FindImportJobByID implements callsheet.ImportJobStore.
func (s *ImportStore) FindImportJobByID(ctx context.Context, id int64) (*callsheet.ImportJob, error) {
	js, _, err := s.FindImportJobs(ctx, callsheet.ImportJobFilter{ID: &id, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(js) == 0 {
		return nil, notFound("Import")
	}
	return js[0], nil
}

// FindImportJobs implements callsheet.ImportJobStore.
func (s *ImportStore) FindImportJobs(ctx context.Context, f callsheet.ImportJobFilter) ([]*callsheet.ImportJob, int, error) {
	a, err := adminOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	var w where
	w.add("account_id = ?", a.AccountID)
	if f.ID != nil {
		w.add("id = ?", *f.ID)
	}
	if f.CampaignID != nil {
		w.add("campaign_id = ?", *f.CampaignID)
	}
	if f.State != nil {
		w.add("state = ?", string(*f.State))
	}
	if f.Source != nil {
		w.add("source = ?", *f.Source)
	}
	// Written out, not a parameter, so that each engine reads the partial
	// index of the kind asked for.
	if f.Single != nil && *f.Single {
		w.add("single")
	} else if f.Single != nil {
		w.add("NOT single")
	}
	if f.UserID != nil && *f.UserID == 0 {
		w.add("user_id IS NULL")
	} else if f.UserID != nil {
		w.add("user_id = ?", *f.UserID)
	}
	if f.TokenID != nil && *f.TokenID == 0 {
		w.add("token_id IS NULL")
	} else if f.TokenID != nil {
		w.add("token_id = ?", *f.TokenID)
	}
	if f.CreatedFrom != nil {
		w.add("created_at >= ?", micros(*f.CreatedFrom))
	}
	if f.CreatedBefore != nil {
		w.add("created_at < ?", micros(*f.CreatedBefore))
	}
	if f.CustomerID != nil {
		w.add("id = (SELECT import_id FROM customers WHERE id = ? AND account_id = ?)", *f.CustomerID, a.AccountID)
	}
	page, pageArgs := limitOffset(w.args, f.Limit, f.Offset)
	rows, err := s.db.query(ctx, `SELECT `+importJobColumns+`, count(*) OVER () FROM import_jobs WHERE `+w.String()+` ORDER BY id DESC`+page, pageArgs...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*callsheet.ImportJob
	n := 0
	for rows.Next() {
		var j callsheet.ImportJob
		if err := scanImportJob(rows, &j, &n); err != nil {
			return nil, 0, err
		}
		out = append(out, &j)
	}
	return out, n, rows.Err()
}

// OpenImportFile implements callsheet.ImportJobStore. Chunks are read one at a
// time, so memory holds one chunk whatever the file's size. The reader
// keeps a connection of its own until it is closed: an import reads its
// file while its transaction holds SQLite's writer, and the requests that
// wait for the writer (saves of customers) may hold every other
// connection of the pool; a reader that had to wait for one of them would
// wait for the import, which waits for the reader.
func (s *ImportStore) OpenImportFile(ctx context.Context, jobID int64) (io.ReadCloser, error) {
	a := callsheet.ActorFromContext(ctx)
	if !callsheet.IsOperator(ctx) {
		if a == nil || !a.IsAdmin() {
			return nil, callsheet.Errorf(callsheet.EFORBIDDEN, "Only an admin may do this.")
		}
		var n int
		if err := s.db.queryRow(ctx, `SELECT count(*) FROM import_jobs WHERE id = ? AND account_id = ?`, jobID, a.AccountID).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, notFound("Import")
		}
	}
	conn, err := s.db.db.Conn(ctx)
	if err != nil {
		return nil, s.db.translate(err)
	}
	return &chunkReader{ctx: ctx, db: s.db, conn: conn, jobID: jobID}, nil
}

type chunkReader struct {
	ctx   context.Context
	db    *DB
	conn  *sql.Conn // the reader's own, until Close
	jobID int64
	seq   int
	buf   *bytes.Reader
	done  bool
	mu    sync.Mutex
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for {
		if r.buf != nil && r.buf.Len() > 0 {
			return r.buf.Read(p)
		}
		if r.done {
			return 0, io.EOF
		}
		var data []byte
		r.mu.Lock()
		if r.conn == nil {
			r.mu.Unlock()
			return 0, io.EOF
		}
		err := r.conn.QueryRowContext(r.ctx, r.db.rebind(`SELECT data FROM import_files WHERE job_id = ? AND seq = ?`), r.jobID, r.seq).Scan(&data)
		r.mu.Unlock()
		if err == sql.ErrNoRows {
			r.done = true
			continue
		} else if err != nil {
			return 0, err
		}
		r.seq++
		r.buf = bytes.NewReader(data)
	}
}

// Close gives the reader's connection back to the pool.
func (r *chunkReader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done = true
	if r.conn == nil {
		return nil
	}
	err := r.conn.Close()
	r.conn = nil
	return err
}

// ClaimImportJob implements callsheet.ImportJobStore.
func (s *ImportStore) ClaimImportJob(ctx context.Context, worker string, lease time.Duration) (*callsheet.ImportJob, error) {
	if !callsheet.IsOperator(ctx) {
		return nil, callsheet.Errorf(callsheet.EFORBIDDEN, "Only the operator may claim imports.")
	}
	var job *callsheet.ImportJob
	var from string // the worker whose lease ran out, on a takeover
	var expiredFor time.Duration
	err := s.db.withTx(ctx, func(tx *Tx) error {
		var id int64
		var state, prev string
		var until sql.NullInt64
		err := tx.queryRow(ctx, `SELECT id, state, worker, lease_until FROM import_jobs
			WHERE state = 'queued' OR (state = 'running' AND lease_until IS NOT NULL AND lease_until < ?)
			ORDER BY id LIMIT 1`, micros(tx.now)).Scan(&id, &state, &prev, &until)
		if err == sql.ErrNoRows {
			return notFound("Queued import")
		} else if err != nil {
			return err
		}
		// The state check makes the claim safe against another worker
		// claiming the same job between the select and the update.
		r, err := tx.exec(ctx, `UPDATE import_jobs SET state = 'running', worker = ?, lease_until = ?, attempts = attempts + 1,
			started_at = COALESCE(started_at, ?), rows_read = 0, bytes_read = 0
			WHERE id = ? AND (state = 'queued' OR (state = 'running' AND lease_until < ?))`,
			worker, micros(tx.now.Add(lease)), micros(tx.now), id, micros(tx.now))
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return notFound("Queued import")
		}
		if state == string(callsheet.ImportRunning) && prev != worker {
			from, expiredFor = prev, tx.now.Sub(fromMicros(until.Int64))
		}
		job = &callsheet.ImportJob{Worker: worker}
		return scanImportJob(tx.queryRow(ctx, `SELECT `+importJobColumns+` FROM import_jobs WHERE id = ?`, id), job)
	})
	if err != nil {
		return nil, err
	}
	if from != "" && s.Takeover != nil {
		s.Takeover(job.ID, from, expiredFor)
	}
	return job, nil
}

// RequeueOrphanedImports puts back in the queue the jobs left running by a
// process that is gone. On SQLite only one process runs imports, so at its
// start every running job is orphaned: its transaction never committed.
// What a run cut off between its steps had written is taken back first,
// so that the data is as before the import (import_steps.go).
func (s *ImportStore) RequeueOrphanedImports(ctx context.Context) (int, error) {
	if err := s.takeBackCut(ctx); err != nil {
		return 0, err
	}
	r, err := s.db.db.ExecContext(ctx, s.db.rebind(`UPDATE import_jobs SET state = 'queued', worker = '', lease_until = NULL WHERE state = 'running'`))
	if err != nil {
		return 0, s.db.translate(err)
	}
	n, _ := r.RowsAffected()
	return int(n), nil
}

// takeBackCut takes back what the runs of running jobs wrote in steps:
// at a start, those runs were cut off.
func (s *ImportStore) takeBackCut(ctx context.Context) error {
	var cut []callsheet.Actor
	var ids []int64
	rows, err := s.db.query(ctx, `SELECT id, account_id, COALESCE(user_id, 0), COALESCE(token_id, 0), created_by FROM import_jobs
		WHERE state = 'running' AND applying_at IS NOT NULL ORDER BY id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		a := callsheet.Actor{Role: callsheet.RoleAdmin}
		if err := rows.Scan(&id, &a.AccountID, &a.UserID, &a.TokenID, &a.Name); err != nil {
			rows.Close()
			return err
		}
		ids, cut = append(ids, id), append(cut, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i, id := range ids {
		if err := s.takeBack(ctx, &cut[i], id); err != nil {
			return fmt.Errorf("take back what import %d wrote before it was cut off: %w", id, err)
		}
	}
	return nil
}

// RenewImportLease implements callsheet.ImportJobStore. A lease of zero
// hands the job over: it may be claimed at once.
func (s *ImportStore) RenewImportLease(ctx context.Context, jobID int64, worker string, lease time.Duration, rows int, bytes int64) (bool, error) {
	now := s.db.Now().UTC()
	var cancel bool
	err := s.db.queryRow(ctx, `UPDATE import_jobs SET lease_until = ?, rows_read = ?, bytes_read = ?
		WHERE id = ? AND worker = ? AND state = 'running' RETURNING cancel_requested`,
		micros(now.Add(lease)), rows, bytes, jobID, worker).Scan(&cancel)
	if err == sql.ErrNoRows {
		// Another worker took the job over, or it ended: the caller must
		// stop, and must not record an end of its own.
		return false, callsheet.Errorf(callsheet.ECONFLICT, "Import %d is no longer this worker's.", jobID)
	}
	return cancel, s.db.translate(err)
}

// FinishImportJob implements callsheet.ImportJobStore.
func (s *ImportStore) FinishImportJob(ctx context.Context, jobID int64, worker string, state callsheet.ImportState, message string) error {
	now := s.db.Now().UTC()
	_, err := s.db.db.ExecContext(ctx, s.db.rebind(`UPDATE import_jobs SET state = ?, error = ?, finished_at = ?, worker = '', lease_until = NULL
		WHERE id = ? AND worker = ? AND state IN ('queued', 'running')`), string(state), message, micros(now), jobID, worker)
	return s.db.translate(err)
}

// CancelImportJob implements callsheet.ImportJobStore.
func (s *ImportStore) CancelImportJob(ctx context.Context, id int64) (*callsheet.ImportJob, error) {
	a, err := adminOf(ctx)
	if err != nil {
		return nil, err
	}
	err = s.db.withTx(ctx, func(tx *Tx) error {
		var state string
		if err := tx.queryRow(ctx, `SELECT state FROM import_jobs WHERE id = ? AND account_id = ?`, id, a.AccountID).Scan(&state); err == sql.ErrNoRows {
			return notFound("Import")
		} else if err != nil {
			return err
		}
		switch callsheet.ImportState(state) {
		case callsheet.ImportQueued, callsheet.ImportDraft:
			if _, err := tx.exec(ctx, `UPDATE import_jobs SET state = 'cancelled', finished_at = ?, error = 'Cancelled before it started.' WHERE id = ?`, micros(tx.now), id); err != nil {
				return err
			}
		case callsheet.ImportRunning:
			if _, err := tx.exec(ctx, `UPDATE import_jobs SET cancel_requested = TRUE WHERE id = ?`, id); err != nil {
				return err
			}
		default:
			return callsheet.Errorf(callsheet.ECONFLICT, "The import has already finished.")
		}
		return tx.audit(ctx, a, "import.cancel", "import", id, nil)
	})
	if err != nil {
		return nil, err
	}
	return s.FindImportJobByID(ctx, id)
}

// FindImportProblems implements callsheet.ImportApplier.
func (s *ImportStore) FindImportProblems(ctx context.Context, jobID int64, offset, limit int) ([]callsheet.RowResult, int, error) {
	if !callsheet.IsOperator(ctx) {
		if _, err := s.FindImportJobByID(ctx, jobID); err != nil {
			return nil, 0, err
		}
	}
	return s.pageRowResults(ctx, jobID, problemsQuery, []any{jobID}, offset, limit)
}

// problemsQuery is a job's problem rows, in the columns of a RowResult.
const problemsQuery = `SELECT line, outcome, blocked, COALESCE(duplicate_of, 0) AS duplicate_of, COALESCE(customer_id, 0) AS customer_id,
	field, column_name, message, reason FROM import_problems WHERE job_id = ?`

// pageRowResults reads a page of the job's row results, by line, and
// their total, with the customers each row removed elsewhere.
func (s *ImportStore) pageRowResults(ctx context.Context, jobID int64, q string, args []any, offset, limit int) ([]callsheet.RowResult, int, error) {
	var total int
	if err := s.db.queryRow(ctx, `SELECT count(*) FROM (`+q+`) x`, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	page, pageArgs := limitOffset(args, limit, offset)
	rows, err := s.db.query(ctx, `SELECT * FROM (`+q+`) x ORDER BY line`+page, pageArgs...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []callsheet.RowResult{}
	for rows.Next() {
		var r callsheet.RowResult
		var outcome string
		var reason sql.NullString
		if err := rows.Scan(&r.Line, &outcome, &r.Blocked, &r.DuplicateOf, &r.CustomerID, &r.Field, &r.Column, &r.Message, &reason); err != nil {
			return nil, 0, err
		}
		r.Outcome = callsheet.Outcome(outcome)
		r.Reason = callsheet.DecodeMessages(reason.String)
		if r.Message == "" {
			// The classifier stores no words: they come from the domain
			// when read, in the reader's time.
			r.Message, r.Reason = outcomeReason(r.Outcome, r.DuplicateOf, r.Blocked)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	if len(out) > 0 {
		var accountID int64
		if err := s.db.queryRow(ctx, `SELECT account_id FROM import_jobs WHERE id = ?`, jobID).Scan(&accountID); err != nil {
			return nil, 0, err
		}
		if err := attachRemoved(ctx, s.db, accountID, jobID, out); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

// SetCampaignMapping saves the mapping a campaign's import used.
func (s *ImportStore) SetCampaignMapping(ctx context.Context, campaignID int64, mapping map[string]string) error {
	a, err := adminOf(ctx)
	if err != nil {
		return err
	}
	_, err = s.db.db.ExecContext(ctx, s.db.rebind(`UPDATE campaigns SET last_mapping = ? WHERE id = ? AND account_id = ?`), mustJSON(mapping), campaignID, a.AccountID)
	return s.db.translate(err)
}

// PurgeImportFiles implements callsheet.ImportJobStore.
func (s *ImportStore) PurgeImportFiles(ctx context.Context, before time.Time) (int, error) {
	if !callsheet.IsOperator(ctx) {
		return 0, callsheet.Errorf(callsheet.EFORBIDDEN, "Only the operator may purge files.")
	}
	var n int64
	err := s.db.withTx(ctx, func(tx *Tx) error {
		cut := micros(before)
		r, err := tx.exec(ctx, `DELETE FROM import_files WHERE job_id IN (SELECT id FROM import_jobs
			WHERE (state IN ('done', 'failed', 'cancelled', 'undone') AND COALESCE(finished_at, created_at) < ?)
				OR (state = 'draft' AND created_at < ?))`, cut, cut)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE import_jobs SET state = 'cancelled', finished_at = ?, error = 'Left unfinished in the wizard.'
			WHERE state = 'draft' AND created_at < ?`, micros(tx.now), cut); err != nil {
			return err
		}
		n, _ = r.RowsAffected()
		return nil
	})
	return int(n), err
}

// importRowsQuery unites a job's problem rows with the rows whose customers
// it added, moved or changed, which the customers and the undo records
// tell. Parameters: job id four times, then the campaign id.
const importRowsQuery = problemsQuery + `
	UNION ALL
	SELECT ch.line, ch.kind, FALSE, 0, ch.customer_id, '', '', '', NULL FROM import_changes ch
		WHERE ch.job_id = ? AND ch.kind IN ('updated', 'reset')
		AND NOT EXISTS (SELECT 1 FROM import_problems p WHERE p.job_id = ch.job_id AND p.line = ch.line)
	UNION ALL
	SELECT c.import_line,
		CASE WHEN EXISTS (SELECT 1 FROM import_changes ch WHERE ch.job_id = c.import_id AND ch.kind = 'removed' AND ch.line = c.import_line)
			THEN 'moved' ELSE 'added' END,
		FALSE, 0, c.id, '', '', '', NULL FROM customers c
		WHERE c.import_id = ? AND c.campaign_id = (SELECT campaign_id FROM import_jobs WHERE id = ?)
		AND NOT EXISTS (SELECT 1 FROM import_problems p WHERE p.job_id = c.import_id AND p.line = c.import_line)`

// FindImportRows implements callsheet.ImportApplier.
func (s *ImportStore) FindImportRows(ctx context.Context, jobID int64, offset, limit int) ([]callsheet.RowResult, int, error) {
	if _, err := s.FindImportJobByID(ctx, jobID); err != nil {
		return nil, 0, err
	}
	return s.pageRowResults(ctx, jobID, importRowsQuery, []any{jobID, jobID, jobID, jobID}, offset, limit)
}

// insertImportJob checks that the actor may import into the job's campaign
// and that its status is the account's (filling in the initial one), then
// writes the job's row. A job made running is the worker's, under a lease,
// from the moment it exists: a process that dies before it ends it leaves
// a lease that runs out, not a job running for ever.
func insertImportJob(ctx context.Context, tx *Tx, a *callsheet.Actor, job *callsheet.ImportJob, fileSize int64, single bool) (int64, error) {
	if err := checkImporter(ctx, tx, a, job.CampaignID); err != nil {
		return 0, err
	}
	if _, err := resolveStatus(ctx, tx, a.AccountID, &job.Options.StatusID); err != nil {
		return 0, err
	}
	var userID, tokenID any
	if job.UserID != 0 {
		userID = job.UserID
	}
	if job.TokenID != 0 {
		tokenID = job.TokenID
	}
	job.CreatedAt = tx.now
	var started, leaseUntil any
	if job.State == callsheet.ImportRunning {
		job.StartedAt, job.Attempts, started = &tx.now, 1, micros(tx.now)
		if job.Worker != "" && job.Lease > 0 {
			leaseUntil = micros(tx.now.Add(job.Lease))
		}
	}
	return tx.insert(ctx, `INSERT INTO import_jobs (account_id, campaign_id, source, created_by, user_id, token_id, file_name, file_size,
		encoding, sheet, mapping, options, state, created_at, started_at, attempts, single, worker, lease_until)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		job.AccountID, job.CampaignID, job.Source, job.CreatedBy, userID, tokenID, job.FileName, fileSize,
		job.Encoding, job.Sheet, mustJSON(job.Mapping), mustJSON(job.Options), string(job.State), micros(tx.now), started, job.Attempts,
		single, job.Worker, leaseUntil)
}

// nullString is s, or NULL for "".
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
