package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"time"

	"github.com/callsheet/callsheet"
)

// SQLite has one writer. An import that held it from its first row to its
// last made every save of every agent wait for the whole import. So on
// SQLite an import reads, stages and classifies its file without the
// writer, on a connection of its own (its temporary tables, one snapshot of
// the customers), and takes the writer only to write, in steps of about a
// fifth of a second; agents' saves go between the steps.
//
// Each step takes the rows of a range of phones. In its transaction it
// classifies them again against the customers as they are then, and writes
// them: a phone's rows are classified and written in one transaction, so
// what others wrote between the steps (a customer added with a phone of
// the file, one moved or deleted) is seen, as if the import had begun
// after it. The last step ends the job. An import of up to ImportInOneRows
// rows is one transaction, as on PostgreSQL.
//
// Until the last step commits, what the steps wrote is visible to others,
// and a run that does not finish takes it back, by the same records undo
// reads: at once on an error or a cancel, and at the next start after a
// crash (RequeueOrphanedImports). The job's applying_at says that a run
// wrote, and is the time its writes bear.

func (sqliteDialect) runImport(ctx context.Context, r *importRun, src callsheet.ImportSource) (*callsheet.ImportResult, error) {
	return r.inSteps(ctx, src)
}

func (postgresDialect) runImport(ctx context.Context, r *importRun, src callsheet.ImportSource) (*callsheet.ImportResult, error) {
	return r.inOne(ctx, src)
}

// stepTime is what a step of an import aims to take: the longest an
// agent's save waits for the import.
const stepTime = 200 * time.Millisecond

// firstStepRows is the rows of the first step; the later ones are sized by
// the time the earlier took.
const firstStepRows = 4000

// ImportInOneRows is the most rows (valid, and invalid) an import writes in
// one transaction on SQLite; a larger one writes in steps. The API's
// largest batch fits, so that a batch is one transaction on both engines.
const ImportInOneRows = 10000

// phoneRange is the rows of a step: phones after lo, up to hi.
type phoneRange struct{ lo, hi string }

// inScope is the condition that the phone column col is the step's, with
// its arguments; TRUE outside steps.
func (r *importRun) inScope(col string) (string, []any) {
	if r.rng == nil {
		return "TRUE", nil
	}
	return col + " > ? AND " + col + " <= ?", []any{r.rng.lo, r.rng.hi}
}

// invalidTable holds a stepped import's invalid rows until the steps copy
// them to import_problems, which only a writer may write.
const invalidTable = `(
	job_id      BIGINT NOT NULL,
	line        INTEGER PRIMARY KEY,
	outcome     TEXT NOT NULL,
	field       TEXT NOT NULL,
	column_name TEXT NOT NULL,
	message     TEXT NOT NULL,
	reason      TEXT
)`

// inSteps runs the import: staged and classified without the writer, then
// written in steps (SQLite).
func (r *importRun) inSteps(ctx context.Context, src callsheet.ImportSource) (*callsheet.ImportResult, error) {
	db := r.s.db
	select {
	case db.runs <- struct{}{}:
		defer func() { <-db.runs }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return nil, db.translate(err)
	}
	defer conn.Close()
	r.lap = time.Now()
	snap, err := db.readTx(ctx, conn)
	if err != nil {
		return nil, db.translate(err)
	}
	defer snap.Rollback()
	r.tx = snap
	if err := r.check(ctx); err != nil {
		return nil, err
	}
	// What others had committed when the snapshot began; a step that
	// finds more classifies its rows again (dataChanged).
	if err := snap.queryRow(ctx, `PRAGMA data_version`).Scan(&r.version); err != nil {
		return nil, err
	}
	if err := db.dialect.createStage(ctx, snap); err != nil {
		return nil, err
	}
	defer r.dropTemp(conn)
	r.problems = "import_invalid"
	if err := r.stage(ctx, src); err != nil {
		return nil, err
	}
	r.phase("read and stage")
	step, inOne := firstStepRows, ImportInOneRows
	if db.ImportStepRows > 0 {
		step, inOne = db.ImportStepRows, db.ImportStepRows
	}
	oneStep := r.staged <= inOne && r.counts.Invalid <= inOne
	if !oneStep {
		// A run that writes in steps sorts its rows and reads much of
		// the account: the page cache (which also bounds the sort's
		// memory) is kept small while it does, so that its memory does
		// not grow with the file or the account; dropTemp gives the cache
		// back. A run of one step keeps the cache it found, with the
		// pages its writes need.
		if err := db.dialect.beginBulk(ctx, snap); err != nil {
			return nil, err
		}
	}
	if err := r.sortRows(ctx); err != nil {
		return nil, err
	}
	if oneStep {
		// One step: the whole run in one transaction.
		if err := snap.Commit(); err != nil {
			return nil, db.translate(err)
		}
		tx, err := r.begin(ctx, conn)
		if err != nil {
			return nil, err
		}
		defer tx.Rollback()
		r.phase("wait for the writer")
		if err := r.copyInvalid(ctx, 0, 0); err != nil {
			return nil, err
		}
		res, err := r.tail(ctx)
		if err != nil {
			return nil, err
		}
		return res, db.translate(tx.Commit())
	}

	// Decided on one snapshot, as a preview would show it; each step
	// classifies its rows again as it writes them.
	invalid := r.counts
	applied, refused, err := r.decide(ctx)
	if err != nil {
		return nil, err
	}
	if applied {
		if err := r.takeAgentsOff(ctx); err != nil { // the staging table only
			return nil, err
		}
	}
	if err := snap.Commit(); err != nil {
		return nil, db.translate(err)
	}
	r.totals = []phaseTotal{}
	res, err := r.steps(ctx, conn, step, applied, refused, invalid)
	if err != nil && applied && !errors.Is(err, callsheet.ErrImportTakenOver) {
		// What the steps wrote goes; the job stays running for its
		// worker to end (as failed, cancelled or queued again).
		if terr := r.s.takeBack(context.WithoutCancel(ctx), r.a, r.job.ID); terr != nil {
			return nil, errors.Join(err, terr)
		}
	}
	return res, err
}

// begin starts a step's transaction on the run's connection: the writer,
// and the job still this worker's. The first one takes back what an
// earlier run of the job wrote, if one did, and clears its records.
func (r *importRun) begin(ctx context.Context, conn *sql.Conn) (*Tx, error) {
	tx, err := r.s.db.beginOn(ctx, conn)
	if err != nil {
		return nil, r.s.db.translate(err)
	}
	r.tx = tx
	first := r.now.IsZero()
	if first {
		r.now = tx.now
		if _, err := takeBackIn(ctx, tx, r.a, r.job.ID); err != nil {
			tx.Rollback()
			return nil, err
		}
		if err := r.check(ctx); err != nil {
			tx.Rollback()
			return nil, err
		}
		if err := r.clear(ctx); err != nil {
			tx.Rollback()
			return nil, err
		}
	}
	return tx, nil
}

// steps writes the classified rows a range of phones at a time, and the
// invalid rows' problems, each step in a transaction of its own; the last
// one ends the job.
func (r *importRun) steps(ctx context.Context, conn *sql.Conn, rows int, applied bool, refused string, invalid callsheet.ImportCounts) (*callsheet.ImportResult, error) {
	fixed := r.s.db.ImportStepRows > 0
	var lo string
	var afterLine int64
	for first := true; ; first = false {
		tx, err := r.begin(ctx, conn)
		if err != nil {
			return nil, err
		}
		began := time.Now()
		res, more, err := r.step(ctx, first, rows, applied, refused, invalid, &lo, &afterLine)
		if err == nil {
			err = r.s.db.translate(tx.Commit())
		}
		tx.Rollback()
		if err != nil || !more {
			return res, err
		}
		if r.s.Stepped != nil {
			r.s.Stepped(r.job.ID, r.written)
		}
		if !fixed {
			// Sized to take about stepTime, within bounds.
			took := max(time.Since(began), time.Millisecond)
			rows = min(max(int(float64(rows)*float64(stepTime)/float64(took)), rows/2, 500), rows*2, 200000)
		}
	}
}

// step writes one step: the rows whose phones follow lo, about n of them,
// and up to n invalid rows after afterLine. It says whether more remain;
// the last step ends the job and returns its result.
func (r *importRun) step(ctx context.Context, first bool, n int, applied bool, refused string, invalid callsheet.ImportCounts, lo *string, afterLine *int64) (*callsheet.ImportResult, bool, error) {
	tx := r.tx
	// The fence, at every step: a job that is no longer this worker's
	// stops here, its step rolled back.
	var at any
	if applied {
		at = micros(r.now)
	}
	fenced, err := tx.exec(ctx, `UPDATE import_jobs SET applying_at = ? WHERE id = ? AND account_id = ? AND worker = ?`,
		at, r.job.ID, r.a.AccountID, r.job.Worker)
	if err != nil {
		return nil, false, err
	}
	if k, err := fenced.RowsAffected(); err != nil {
		return nil, false, err
	} else if k == 0 {
		return nil, false, callsheet.ErrImportTakenOver
	}
	if first && applied && r.opts.Agents.Rule().Grants && len(r.outside) > 0 {
		if err := r.grantCampaign(ctx); err != nil {
			return nil, false, err
		}
	}

	// The step's phones: n rows on from lo, and every row of the last
	// phone (a phone's rows are classified together).
	var hi sql.NullString
	err = tx.queryRow(ctx, `SELECT phone FROM import_rows WHERE phone > ? ORDER BY phone LIMIT 1 OFFSET ?`, *lo, n-1).Scan(&hi)
	if err == sql.ErrNoRows {
		err = tx.queryRow(ctx, `SELECT max(phone) FROM import_rows WHERE phone > ?`, *lo).Scan(&hi)
	}
	if err != nil {
		return nil, false, err
	}
	r.phase("steps: writer, fence and range")
	if hi.Valid {
		r.rng = &phoneRange{*lo, hi.String}
		if applied {
			changed, err := r.dataChanged(ctx)
			if err != nil {
				return nil, false, err
			}
			if changed {
				if err := r.classifyAgain(ctx); err != nil {
					return nil, false, err
				}
			}
		}
		if err := r.keepRemoved(ctx); err != nil {
			return nil, false, err
		}
		if applied {
			if err := r.apply(ctx); err != nil {
				return nil, false, err
			}
		}
		if err := r.recordProblems(ctx); err != nil {
			return nil, false, err
		}
		r.phase("record problems")
		if r.s.Stepped != nil {
			var k int
			if err := tx.queryRow(ctx, `SELECT count(*) FROM import_rows WHERE phone > ? AND phone <= ?`, *lo, hi.String).Scan(&k); err != nil {
				return nil, false, err
			}
			r.written += k
		}
		*lo = hi.String
		r.rng = nil
	}
	if err := r.copyInvalid(ctx, *afterLine, n); err != nil {
		return nil, false, err
	}
	var last sql.NullInt64
	if err := tx.queryRow(ctx, `SELECT max(line) FROM (SELECT line FROM import_invalid WHERE line > ? ORDER BY line LIMIT ?)`, *afterLine, n).Scan(&last); err != nil {
		return nil, false, err
	}
	if last.Valid {
		*afterLine = last.Int64
	}
	var more bool
	if err := tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM import_rows WHERE phone > ?) OR EXISTS (SELECT 1 FROM import_invalid WHERE line > ?)`,
		*lo, *afterLine).Scan(&more); err != nil {
		return nil, false, err
	}
	if more {
		return nil, true, nil
	}

	// The last step: the counts as the steps found the rows, and the end.
	if applied {
		r.counts = invalid
		if err := r.countOutcomes(ctx); err != nil {
			return nil, false, err
		}
	}
	if err := r.countRemoved(ctx); err != nil {
		return nil, false, err
	}
	r.flushPhases()
	res, err := r.end(ctx, applied, refused)
	return res, false, err
}

// dataChanged says whether others have committed to the database since
// the snapshot the rows were classified on: if they have not, the
// classification holds, and a step need not classify its rows again (a
// million rows into an account of a million, one run each: 58 s when every
// step did, 48 s when none needed to). Once
// they have, every later step does, since its rows were classified on the
// snapshot. SQLite's data_version moves with every commit of another
// connection, and not with the connection's own.
func (r *importRun) dataChanged(ctx context.Context) (bool, error) {
	if r.changed {
		return true, nil
	}
	var v int64
	if err := r.tx.queryRow(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
		return false, err
	}
	r.changed = v != r.version
	return r.changed, nil
}

// classifyAgain classifies the step's rows against the customers and the
// register as they are now: others may have written since the snapshot
// the run decided on.
func (r *importRun) classifyAgain(ctx context.Context) error {
	tx := r.tx
	in, inArgs := r.inScope("import_rows.phone")
	if _, err := tx.exec(ctx, `UPDATE import_rows SET existing_id = NULL, existing_allowed = NULL, dnc_at = NULL, other_campaign = FALSE, blocked = FALSE
		WHERE `+in, inArgs...); err != nil {
		return err
	}
	if r.opts.Unique != callsheet.UniqueAny {
		sin, sinArgs := r.inScope("s.phone")
		if _, err := tx.exec(ctx, `DELETE FROM import_others WHERE line IN (SELECT s.line FROM import_rows s WHERE `+sin+`)`, sinArgs...); err != nil {
			return err
		}
		// The range on the customers' phones too: SQLite does not carry
		// it over the join, and would read every customer of the account.
		cin, cinArgs := r.inScope("c.phone")
		if _, err := tx.exec(ctx, `INSERT INTO import_others (line, customer_id)
			SELECT s.line, c.id FROM import_rows s JOIN customers c ON c.account_id = ? AND c.phone = s.phone AND c.campaign_id <> ?
			WHERE `+sin+` AND `+cin+` ORDER BY s.phone, s.line ON CONFLICT DO NOTHING`, append(append([]any{r.a.AccountID, r.job.CampaignID}, sinArgs...), cinArgs...)...); err != nil {
			return err
		}
	}
	err := r.s.db.dialect.classifyRows(ctx, tx, classification{
		outcome: outcomeCase(r.opts), blocked: blockedCase(r.opts, r.statusKind == callsheet.StatusDoNotCall),
		accountID: r.a.AccountID, campaignID: r.job.CampaignID, scope: in, scopeArgs: inArgs, fewRows: r.fewRows, fewRowsRegister: r.fewRowsRegister,
	})
	r.phase("classify again")
	return err
}

// copyInvalid copies n invalid rows after line after (all, if n is 0)
// from the staging of a stepped run to the job's problems.
func (r *importRun) copyInvalid(ctx context.Context, after int64, n int) error {
	limit := -1
	if n > 0 {
		limit = n
	}
	_, err := r.tx.exec(ctx, `INSERT INTO import_problems (job_id, line, outcome, field, column_name, message, reason)
		SELECT job_id, line, outcome, field, column_name, message, reason FROM import_invalid WHERE line > ? ORDER BY line LIMIT ?`, after, limit)
	return err
}

// dropTemp empties the run's temporary tables, which the connection keeps
// for its next run (createStage), and gives the connection back its page
// cache, so that it goes back to the pool as it came; a connection that
// cannot is closed.
func (r *importRun) dropTemp(conn *sql.Conn) {
	ctx := context.Background()
	for _, t := range sqliteTempTables {
		if _, err := conn.ExecContext(ctx, `DELETE FROM temp.`+t.name); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
			return
		}
	}
	conn.ExecContext(ctx, `PRAGMA main.cache_size = `+sqliteCacheSize)
}

// takeBack takes back, in a transaction of its own, what a run of the job
// that did not finish wrote.
func (s *ImportStore) takeBack(ctx context.Context, a *callsheet.Actor, jobID int64) error {
	return s.db.withTx(ctx, func(tx *Tx) error {
		_, err := takeBackIn(ctx, tx, a, jobID)
		return err
	})
}

// takeBackIn takes back what a run of the job that did not finish wrote,
// if one did (its applying_at is set), by the job's undo records, and
// clears them; it is audited. It reports whether there was anything.
func takeBackIn(ctx context.Context, tx *Tx, a *callsheet.Actor, jobID int64) (bool, error) {
	var campaignID int64
	var at sql.NullInt64
	err := tx.queryRow(ctx, `SELECT campaign_id, applying_at FROM import_jobs WHERE id = ? AND account_id = ? AND state NOT IN ('done', 'undone')`,
		jobID, a.AccountID).Scan(&campaignID, &at)
	if err == sql.ErrNoRows || (err == nil && !at.Valid) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	res := &callsheet.UndoResult{Kept: []int64{}, AgentsRevoked: []callsheet.ImportAgent{}, AgentsKept: []callsheet.ImportAgent{}}
	if err := revertImport(ctx, tx, a, jobID, campaignID, res); err != nil {
		return false, err
	}
	for _, q := range []string{`DELETE FROM import_problems WHERE job_id = ?`, `DELETE FROM import_changes WHERE job_id = ?`,
		`DELETE FROM import_dnc_changes WHERE job_id = ?`, `UPDATE import_jobs SET applying_at = NULL WHERE id = ?`} {
		if _, err := tx.exec(ctx, q, jobID); err != nil {
			return false, err
		}
	}
	return true, tx.audit(ctx, a, "import.taken_back", "import", jobID, res)
}
