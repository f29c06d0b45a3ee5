package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/callsheet/callsheet"
)

// The import engine stages a whole file in a temporary table, then
// classifies and applies it with a few set-based statements, in one
// transaction: a crash or an error leaves the data as it was, and no row
// costs a lookup of its own.

// stageColumns are the columns of the staging table filled from the rows.
const stageColumns = `line, phone, name, last_name, email, source, note, external_id, agent_id, follow_up_at, created_at, custom`

const stageWidth = 12

// stageBatch is how many rows one INSERT stages (12 parameters each, under
// both engines' limits).
const stageBatch = 400

// problemColumns are the columns of import_problems written for invalid rows.
const problemWidth = 7

// batchInserter inserts rows of a fixed width with multi-row INSERTs, using
// one prepared statement for full batches.
type batchInserter struct {
	tx     *Tx
	head   string // INSERT INTO t (cols) VALUES
	width  int
	batch  int
	args   []any
	full   *sql.Stmt
	tuples string
}

func newBatchInserter(tx *Tx, head string, width, batch int) *batchInserter {
	tuple := "(" + placeholders(width) + ")"
	return &batchInserter{tx: tx, head: head, width: width, batch: batch, args: make([]any, 0, width*batch),
		tuples: strings.TrimSuffix(strings.Repeat(tuple+", ", batch), ", ")}
}

func (b *batchInserter) add(ctx context.Context, vals ...any) error {
	b.args = append(b.args, vals...)
	if len(b.args) == b.width*b.batch {
		return b.flush(ctx)
	}
	return nil
}

func (b *batchInserter) flush(ctx context.Context) error {
	n := len(b.args) / b.width
	if n == 0 {
		return nil
	}
	var err error
	if n == b.batch {
		if b.full == nil {
			if b.full, err = b.tx.PrepareContext(ctx, b.tx.db.rebind(b.head+b.tuples)); err != nil {
				return err
			}
		}
		_, err = b.full.ExecContext(ctx, b.args...)
	} else {
		tuple := "(" + placeholders(b.width) + ")"
		_, err = b.tx.exec(ctx, b.head+strings.TrimSuffix(strings.Repeat(tuple+", ", n), ", "), b.args...)
	}
	b.args = b.args[:0]
	return b.tx.db.translate(err)
}

func (b *batchInserter) close() {
	if b.full != nil {
		b.full.Close()
	}
}

// nullInt stores zero as NULL.
func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// RunImport implements callsheet.ImportApplier.
func (s *ImportStore) RunImport(ctx context.Context, job *callsheet.ImportJob, src callsheet.ImportSource, collect bool) (*callsheet.ImportResult, error) {
	a, err := importerOf(ctx, job)
	if err != nil {
		return nil, err
	}
	if job.AccountID != a.AccountID {
		return nil, notFound("Import")
	}
	opts := job.Options
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	run := &importRun{s: s, a: a, job: job, opts: opts, collect: collect}
	res, err := s.db.dialect.runImport(ctx, run, src)
	if errors.Is(err, callsheet.ErrImportTakenOver) {
		return nil, err
	} else if err != nil {
		return nil, importConflict(err)
	}
	run.phase("commit")
	job.State, job.Counts, job.Applied = callsheet.ImportDone, res.Counts, res.Applied
	job.Refused, job.AgentsOutside, job.AgentsGranted, job.RemovedFrom = "", res.AgentsOutside, res.AgentsGranted, res.RemovedFrom
	if !res.Applied {
		job.Refused = res.Refused
	}
	job.FinishedAt = &run.finishedAt
	return res, nil
}

// inOne runs the import in one transaction (PostgreSQL, whose writers do
// not wait for each other): a crash or an error leaves the data as it was.
func (r *importRun) inOne(ctx context.Context, src callsheet.ImportSource) (*callsheet.ImportResult, error) {
	// Until the run's fence is written, cancelling ctx stops the run and
	// rolls it back. Once it is written the job is this run's to finish: a
	// takeover waits for the job's row and then finds it done, and a
	// cancel is too late. So the statements after it and the commit no
	// longer heed ctx: a lease watchdog that gave up while the fence held
	// the job's row (its renewals wait for that row) must not make a
	// committed import answer "context canceled".
	r.fence = newFence(ctx)
	defer r.fence.stop()
	tx, err := r.s.db.BeginTx(r.fence.txCtx, nil)
	if err != nil {
		return nil, r.s.db.translate(err)
	}
	defer tx.Rollback()
	r.tx, r.now, r.lap = tx, tx.now, time.Now()
	if err := r.check(ctx); err != nil {
		return nil, err
	}
	if err := r.clear(ctx); err != nil {
		return nil, err
	}
	if err := r.s.db.dialect.createStage(ctx, tx); err != nil {
		return nil, err
	}
	if err := r.stage(ctx, src); err != nil {
		return nil, err
	}
	r.phase("read and stage")
	if err := r.sortRows(ctx); err != nil {
		return nil, err
	}
	// The account's imports classify and write one at a time; each reads
	// and stages its rows, in its temporary tables, before it waits.
	if err := r.s.db.dialect.lockImports(ctx, tx, r.a.AccountID); err != nil {
		return nil, err
	}
	r.phase("wait for the account's other imports")
	res, err := r.tail(ctx)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		// A commit whose answer was lost (a connection that broke as
		// it ended) may have happened: the job's row says.
		if !r.s.committed(r.job, tx.now) {
			return nil, r.s.db.translate(err)
		}
	}
	return res, nil
}

// importConflict explains a uniqueness conflict of an import's writes:
// only a customer added to the campaign by someone else while the import
// ran can collide with it. Other errors pass as they are.
func importConflict(err error) error {
	if callsheet.ErrorCode(err) == callsheet.ECONFLICT && callsheet.ErrorFields(err) == nil {
		return callsheet.Errorf(callsheet.ECONFLICT, "A customer with one of the file's phones was added to the campaign while the import ran. Run the import again.")
	}
	return err
}

type importRun struct {
	s       *ImportStore
	tx      *Tx
	a       *callsheet.Actor
	job     *callsheet.ImportJob
	opts    callsheet.ImportOptions
	collect bool
	fence   *fence // the one transaction's (inOne)

	now             time.Time   // the time the run's writes bear
	finishedAt      time.Time   // when the run ended (its last transaction's time)
	rng             *phoneRange // the rows of the step being written (inSteps); nil: every row
	problems        string      // where stage writes invalid rows: import_problems, or a temporary table (inSteps)
	staged          int         // the valid rows staged
	sorted          string      // the table that holds the staged rows in the phones' order (sortRows)
	fewRows         bool        // fewer than the campaign's customers (classify)
	fewRowsRegister bool        // fewer than the account's do-not-call register (classify)
	written         int         // the valid rows of the steps written, counted for Stepped (inSteps)
	version         int64       // SQLite's data_version when the snapshot began (inSteps)
	changed         bool        // others have written since (inSteps)
	totals          []phaseTotal

	statusKind callsheet.StatusKind
	lap        time.Time
	counts     callsheet.ImportCounts
	invalid    []callsheet.RowResult // collected invalid rows, for the API

	outside     []callsheet.ImportAgent   // agents the rows give customers who do not work the campaign
	granted     []callsheet.ImportAgent   // those given the campaign
	removedFrom []callsheet.CampaignCount // customers of other campaigns deleted, by campaign
}

// phase reports the time since the last phase ended.
// In steps, the time of each phase is summed over the steps and reported
// once, by flushPhases.
func (r *importRun) phase(name string) {
	if r.s.Timings == nil {
		return
	}
	now := time.Now()
	d := now.Sub(r.lap)
	r.lap = now
	if r.totals == nil {
		r.s.Timings(name, d)
		return
	}
	for i := range r.totals {
		if r.totals[i].name == name {
			r.totals[i].d += d
			return
		}
	}
	r.totals = append(r.totals, phaseTotal{name, d})
}

// phaseTotal is a phase's time summed over the steps.
type phaseTotal struct {
	name string
	d    time.Duration
}

// flushPhases reports the phases summed over the steps.
func (r *importRun) flushPhases() {
	for _, t := range r.totals {
		r.s.Timings(t.name, t.d)
	}
	r.totals = nil
}

// check checks the importer, the campaign and the status, and narrows an
// agent's options to what an agent may do.
func (r *importRun) check(ctx context.Context) error {
	if err := checkImporter(ctx, r.tx, r.a, r.job.CampaignID); err != nil {
		return err
	}
	if !r.a.IsAdmin() {
		// An agent adds a customer of their own: nothing that changes other
		// customers, and never access to a campaign.
		r.opts = callsheet.ImportOptions{International: r.opts.International, Unique: callsheet.UniqueAny, Agents: callsheet.AgentsRefuse}
	}
	kind, err := resolveStatus(ctx, r.tx, r.a.AccountID, &r.opts.StatusID)
	if err != nil {
		return err
	}
	r.statusKind = kind
	return nil
}

// clear deletes the records of an earlier run: a run that was previewed,
// or cut off and run again, starts afresh. (Only a job that wrote nothing,
// or whose writes were taken back, runs again, so import_changes holds at
// most a preview's removals.)
func (r *importRun) clear(ctx context.Context) error {
	for _, q := range []string{`DELETE FROM import_problems WHERE job_id = ?`, `DELETE FROM import_changes WHERE job_id = ?`, `DELETE FROM import_dnc_changes WHERE job_id = ?`} {
		if _, err := r.tx.exec(ctx, q, r.job.ID); err != nil {
			return err
		}
	}
	return nil
}

// tail classifies the staged rows, decides, applies and ends the run, in
// the transaction of the run's last step.
func (r *importRun) tail(ctx context.Context) (*callsheet.ImportResult, error) {
	applied, refused, err := r.decide(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.keepRemoved(ctx); err != nil {
		return nil, err
	}
	if applied {
		if err := r.giveAgents(ctx); err != nil {
			return nil, err
		}
		r.phase("agents")
		if err := r.apply(ctx); err != nil {
			return nil, err
		}
	}
	if err := r.recordProblems(ctx); err != nil {
		return nil, err
	}
	r.phase("record problems")
	return r.end(ctx, applied, refused)
}

// decide classifies the staged rows, finds the agents outside the
// campaign, and says whether the rows are applied, or why not.
func (r *importRun) decide(ctx context.Context) (applied bool, refused string, err error) {
	if err := r.classify(ctx); err != nil {
		return false, "", err
	}
	if err := r.countOutcomes(ctx); err != nil {
		return false, "", err
	}
	if err := r.findAgentsOutside(ctx); err != nil {
		return false, "", err
	}
	refused = callsheet.RefusalReason(r.opts, r.counts, r.outside)
	return !r.opts.DryRun && refused == "", refused, nil
}

// end reports the rows (to callers that asked), drops the staging tables,
// and ends the job: the fence, the campaign's mapping and the audit.
func (r *importRun) end(ctx context.Context, applied bool, refused string) (*callsheet.ImportResult, error) {
	tx, job := r.tx, r.job
	res := &callsheet.ImportResult{Counts: r.counts, Applied: applied, Refused: refused, UnmatchedColumns: job.UnmatchedColumns,
		AgentsOutside: r.outside, AgentsGranted: r.granted, RemovedFrom: r.removedFrom}
	if r.collect {
		rows, err := r.results(ctx, applied)
		if err != nil {
			return nil, err
		}
		res.Rows = rows
		r.phase("report the rows")
	}
	if err := r.s.db.dialect.dropStage(ctx, tx); err != nil {
		return nil, err
	}
	// The fence: the run ends only if the job is still this worker's. A
	// worker whose lease ran out while it worked, and whose job another
	// worker took over, rolls back here, so one job never applies twice.
	fenced, err := tx.exec(ctx, `UPDATE import_jobs SET state = 'done', counts = ?, applied = ?, finished_at = ?, worker = '', lease_until = NULL,
		error = '', rows_read = ?, bytes_read = file_size, agents_outside = ?, agents_granted = ?, removed_from = ?, unmatched_columns = ?
		WHERE id = ? AND account_id = ? AND worker = ?`,
		mustJSON(r.counts), applied, micros(tx.now), r.counts.Total, mustJSON(r.outside), mustJSON(r.granted), mustJSON(r.removedFrom),
		nullJSON(job.UnmatchedColumns), job.ID, r.a.AccountID, job.Worker)
	if err != nil {
		return nil, err
	}
	if n, err := fenced.RowsAffected(); err != nil {
		return nil, err
	} else if n == 0 {
		return nil, callsheet.ErrImportTakenOver
	}
	r.finishedAt = tx.now
	if r.fence != nil {
		if ctx, err = r.fence.written(); err != nil {
			return nil, err
		}
	}
	if applied && job.Source == "file" && len(job.Mapping) > 0 {
		if _, err := tx.exec(ctx, `UPDATE campaigns SET last_mapping = ? WHERE id = ? AND account_id = ?`, mustJSON(job.Mapping), job.CampaignID, r.a.AccountID); err != nil {
			return nil, err
		}
	}
	if err := r.audit(ctx, applied, refused); err != nil {
		return nil, err
	}
	return res, nil
}

// audit records the run of the job: what it did, or why it was refused.
func (r *importRun) audit(ctx context.Context, applied bool, refused string) error {
	return r.tx.audits(ctx, r.a, r.runEvent(applied, refused))
}

// runEvent is the audit event of the job's run.
func (r *importRun) runEvent(applied bool, refused string) auditEvent {
	action := "import.run"
	if r.opts.DryRun {
		action = "import.dry_run"
	}
	detail := map[string]any{"campaign_id": r.job.CampaignID, "applied": applied, "counts": r.counts}
	if len(r.outside) > 0 {
		detail["agents_outside"], detail["agents"] = r.outside, r.opts.Agents
	}
	if len(r.granted) > 0 {
		detail["agents_granted"] = r.granted
	}
	if len(r.removedFrom) > 0 {
		detail["removed_from"] = r.removedFrom
	}
	if refused != "" {
		detail["refused"] = refused
	}
	return auditEvent{action, "import", r.job.ID, detail}
}

// findAgentsOutside lists the agents whom rows give customers although
// they do not work the campaign, with how many customers each: the rows
// whose outcome gives the customer the row's agent (callsheet.AgentRule).
func (r *importRun) findAgentsOutside(ctx context.Context) error {
	r.outside, r.granted, r.removedFrom = []callsheet.ImportAgent{}, []callsheet.ImportAgent{}, []callsheet.CampaignCount{}
	if r.job.Mapping[callsheet.FieldAgent] == "" {
		return nil // no row gives an agent
	}
	// The agents outside are found once, in the users, then the rows
	// counted: one pass over the rows, without a lookup each.
	rows, err := r.tx.query(ctx, `SELECT u.id, u.name, x.n FROM (SELECT s.agent_id, count(*) AS n FROM import_rows s
			WHERE s.agent_id IN (SELECT u.id FROM users u WHERE u.account_id = ? AND `+agentOutside+`)
			AND `+outcomeIn("s.outcome", r.opts, setsAgent)+` GROUP BY s.agent_id) x
		JOIN users u ON u.id = x.agent_id ORDER BY x.n DESC, u.name`, r.a.AccountID, r.job.CampaignID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ag callsheet.ImportAgent
		if err := rows.Scan(&ag.ID, &ag.Name, &ag.Customers); err != nil {
			return err
		}
		r.outside = append(r.outside, ag)
	}
	r.phase("find agents outside the campaign")
	return rows.Err()
}

// keepRemoved records, with Move them here, the customers of other
// campaigns that the rows delete (those whose outcome removes the other
// copies), as they are, for the report and for undo; and counts them. It
// runs for a dry run or a refused import too, which then report what they
// would delete; apply deletes them.
func (r *importRun) keepRemoved(ctx context.Context) error {
	if r.opts.Unique != callsheet.UniqueMove {
		return nil
	}
	tx := r.tx
	in, inArgs := r.inScope("s.phone")
	if _, err := tx.exec(ctx, `INSERT INTO import_changes (job_id, kind, line, customer_id, `+customerCopy+`)
		SELECT ?, 'removed', o.line, c.id, `+prefixed("c.", customerCopy)+`
		FROM import_others o JOIN customers c ON c.id = o.customer_id AND c.account_id = ? JOIN import_rows s ON s.line = o.line
		WHERE `+outcomeIn("s.outcome", r.opts, removesOthers)+` AND `+in+` ORDER BY c.id`, append([]any{r.job.ID, r.a.AccountID}, inArgs...)...); err != nil {
		return err
	}
	if r.rng == nil {
		if err := r.countRemoved(ctx); err != nil {
			return err
		}
	}
	r.phase("keep moved customers")
	return nil
}

// countRemoved counts the customers of other campaigns that the job's
// rows delete, by campaign, as keepRemoved recorded them.
func (r *importRun) countRemoved(ctx context.Context) error {
	rows, err := r.tx.query(ctx, `SELECT ch.campaign_id, COALESCE(cp.name, ''), count(*) FROM import_changes ch
		LEFT JOIN campaigns cp ON cp.id = ch.campaign_id AND cp.account_id = ?
		WHERE ch.job_id = ? AND ch.kind = 'removed' GROUP BY ch.campaign_id, cp.name ORDER BY count(*) DESC, ch.campaign_id`, r.a.AccountID, r.job.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var cc callsheet.CampaignCount
		if err := rows.Scan(&cc.ID, &cc.Name, &cc.Customers); err != nil {
			return err
		}
		r.removedFrom = append(r.removedFrom, cc)
		r.counts.RemovedElsewhere += cc.Customers
	}
	return rows.Err()
}

// giveAgents does what the agents option says with the agents outside the
// campaign (callsheet.AgentRule): give them the campaign, recording the
// import that did, or take them off the rows, so that the customers are
// left as an empty cell would leave them.
func (r *importRun) giveAgents(ctx context.Context) error {
	if len(r.outside) == 0 {
		return nil
	}
	if err := r.takeAgentsOff(ctx); err != nil {
		return err
	}
	if !r.opts.Agents.Rule().Grants {
		return nil
	}
	return r.grantCampaign(ctx)
}

// takeAgentsOff takes the agents outside the campaign off the staged rows,
// unless the agents option assigns them.
func (r *importRun) takeAgentsOff(ctx context.Context) error {
	if len(r.outside) == 0 || r.opts.Agents.Rule().Assigns {
		return nil
	}
	_, err := r.tx.exec(ctx, `UPDATE import_rows SET agent_id = NULL
		WHERE agent_id IN (SELECT u.id FROM users u WHERE u.account_id = ? AND `+agentOutside+`)`, r.a.AccountID, r.job.CampaignID)
	return err
}

// grantCampaign gives the agents outside the campaign, audited, and
// records the import that did, for undo.
func (r *importRun) grantCampaign(ctx context.Context) error {
	for _, ag := range r.outside {
		res, err := r.tx.exec(ctx, `INSERT INTO campaign_agents (campaign_id, user_id, import_id) SELECT ?, id, ? FROM users
			WHERE id = ? AND account_id = ? ON CONFLICT DO NOTHING`, r.job.CampaignID, r.job.ID, ag.ID, r.a.AccountID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue // given the campaign otherwise meanwhile
		}
		r.granted = append(r.granted, ag)
		if err := r.tx.audit(ctx, r.a, "import.grant_campaign", "user", ag.ID, map[string]any{"name": ag.Name, "campaign_id": r.job.CampaignID,
			"import_id": r.job.ID, "customers": ag.Customers}); err != nil {
			return err
		}
	}
	return nil
}

// stage reads every row: valid ones into the staging table, invalid ones
// straight into the job's problems.
func (r *importRun) stage(ctx context.Context, src callsheet.ImportSource) error {
	stage := r.s.db.dialect.newStager(r.tx)
	defer stage.close()
	into := r.problems
	if into == "" {
		into = "import_problems"
	}
	probs := newBatchInserter(r.tx, `INSERT INTO `+into+` (job_id, line, outcome, field, column_name, message, reason) VALUES `, problemWidth, 200)
	defer probs.close()
	for i := 0; ; i++ {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		row, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return err
		}
		if row.Problem != nil {
			r.counts.Add(callsheet.OutcomeInvalid, 1)
			if err := probs.add(ctx, r.job.ID, row.Line, string(callsheet.OutcomeInvalid), row.Problem.Field, row.Problem.Column, row.Problem.Message, nullString(callsheet.EncodeMessages(row.Problem.Msgs))); err != nil {
				return err
			}
			if r.collect {
				r.invalid = append(r.invalid, callsheet.RowResult{Line: row.Line, Outcome: callsheet.OutcomeInvalid,
					Field: row.Problem.Field, Column: row.Problem.Column, Message: row.Problem.Message, Errors: row.Problem.Fields,
					Reason: row.Problem.Msgs})
			}
			continue
		}
		if err := stage.add(ctx, row); err != nil {
			return r.lineError(err, row.Line)
		}
		r.staged++
	}
	if err := stage.flush(ctx); err != nil {
		return err
	}
	return probs.flush(ctx)
}

// lineError explains a staging conflict: two rows with one line number.
func (r *importRun) lineError(err error, line int) error {
	if callsheet.ErrorCode(err) == callsheet.ECONFLICT {
		return callsheet.Errorf(callsheet.EINVALID, "Two rows have line number %d.", line)
	}
	return err
}

// sortRows orders the staged rows by phone (sortStage), which classify
// and the steps then walk in order, reading the customers' phone indexes
// in order too. It touches only the run's temporary tables, so on SQLite
// it runs before the run takes the writer.
func (r *importRun) sortRows(ctx context.Context) error {
	sorted, err := r.s.db.dialect.sortStage(ctx, r.tx)
	if err != nil {
		return err
	}
	r.sorted = sorted
	r.phase("sort the rows by phone")
	return nil
}

// classify gives every staged row its outcome, by the domain's rules
// (import_rules.go), and counts the outcomes.
func (r *importRun) classify(ctx context.Context) error {
	tx, acc, camp, sorted := r.tx, r.a.AccountID, r.job.CampaignID, r.sorted
	if r.opts.Unique != callsheet.UniqueAny {
		if _, err := tx.exec(ctx, `INSERT INTO import_others (line, customer_id)
			SELECT s.line, c.id FROM `+sorted+` s JOIN customers c ON c.account_id = ? AND c.phone = s.phone AND c.campaign_id <> ?
			WHERE TRUE ORDER BY s.phone, s.line ON CONFLICT DO NOTHING`, acc, camp); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, r.s.db.dialect.analyze("import_others")); err != nil {
			return err
		}
		r.phase("find customers of other campaigns")
	}

	// Which is larger, the rows or the campaign, decides how the rows'
	// customers are found in it (phoneLookup); the same goes
	// for the register.
	var customers int64
	if err := tx.queryRow(ctx, `SELECT COALESCE(sum(customers), 0) FROM campaign_counts WHERE campaign_id = ?`, camp).Scan(&customers); err != nil {
		return err
	}
	r.fewRows = int64(r.staged) < customers
	// The register is not counted: reading at most one entry more than
	// the rows says whether it is larger.
	var entries int
	if err := tx.queryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM do_not_call WHERE account_id = ? LIMIT ?) x`, acc, r.staged+1).Scan(&entries); err != nil {
		return err
	}
	r.fewRowsRegister = entries > r.staged
	if err := r.s.db.dialect.classifyRows(ctx, tx, classification{
		outcome: outcomeCase(r.opts), blocked: blockedCase(r.opts, r.statusKind == callsheet.StatusDoNotCall),
		accountID: acc, campaignID: camp, fewRows: r.fewRows, fewRowsRegister: r.fewRowsRegister,
	}); err != nil {
		return err
	}
	r.phase("classify outcomes")
	return nil
}

// countOutcomes counts the classified rows by outcome, and those blocked.
func (r *importRun) countOutcomes(ctx context.Context) error {
	rows, err := r.tx.query(ctx, `SELECT outcome, count(*), sum(CASE WHEN blocked THEN 1 ELSE 0 END) FROM import_rows GROUP BY outcome`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var o string
		var n, b int
		if err := rows.Scan(&o, &n, &b); err != nil {
			return err
		}
		r.counts.Add(callsheet.Outcome(o), n)
		r.counts.Blocked += b
	}
	return rows.Err()
}

// customerCopy lists the customer columns an undo record keeps.
const customerCopy = `campaign_id, name, last_name, phone, email, source, note, external_id, status_id, agent_id,
	follow_up_at, created_at, contact_allowed_at, custom, updated_at, version, import_id, import_line`

// overridable maps system fields to the customer column an override sets.
var overridable = map[string]string{
	callsheet.FieldName: "name", callsheet.FieldLastName: "last_name", callsheet.FieldEmail: "email",
	callsheet.FieldSource: "source", callsheet.FieldNote: "note", callsheet.FieldExternalID: "external_id",
	callsheet.FieldAgent: "agent_id", callsheet.FieldFollowUpAt: "follow_up_at", callsheet.FieldCreatedAt: "created_at",
}

// apply writes the classified rows: gives agents the campaign (or takes
// them off the rows), removes moved customers from other campaigns,
// updates existing ones, inserts new ones, and records what undo needs.
func (r *importRun) apply(ctx context.Context) error {
	tx, acc, camp, jobID := r.tx, r.a.AccountID, r.job.CampaignID, r.job.ID
	now := micros(r.now)
	in, inArgs := r.inScope("s.phone")
	if r.opts.Unique == callsheet.UniqueMove {
		// keepRemoved recorded them.
		q, args := deleteRemoved, []any{acc, jobID}
		if r.rng != nil {
			// Those of the step's rows, as keepRemoved found them.
			// By their ids: the account is checked, not searched (+).
			q = `DELETE FROM customers WHERE id IN (SELECT o.customer_id FROM import_rows s JOIN import_others o ON o.line = s.line
				WHERE ` + outcomeIn("s.outcome", r.opts, removesOthers) + ` AND ` + in + `) AND +account_id = ?`
			args = append(inArgs, acc)
		}
		if _, err := tx.exec(ctx, q, args...); err != nil {
			return err
		}
		r.phase("delete moved customers")
	}

	updating := outcomeIn("s.outcome", r.opts, updates) + ` AND ` + in
	if _, err := tx.exec(ctx, `INSERT INTO import_changes (job_id, kind, line, customer_id, `+customerCopy+`)
		SELECT ?, s.outcome, s.line, c.id, `+prefixed("c.", customerCopy)+`
		FROM import_rows s JOIN customers c ON c.id = s.existing_id WHERE `+updating, append([]any{jobID}, inArgs...)...); err != nil {
		return err
	}
	if set, setArgs := r.updateSet(now); len(set) > 0 {
		if _, err := tx.exec(ctx, `UPDATE customers SET `+strings.Join(set, ", ")+`
			FROM import_rows s WHERE customers.id = s.existing_id AND `+updating, append(setArgs, inArgs...)...); err != nil {
			return err
		}
	}
	r.phase("update existing")

	var allowed any // NULL
	if r.opts.UpdateContactAllowed {
		allowed = now
	}
	if _, err := tx.exec(ctx, `INSERT INTO customers (account_id, campaign_id, name, last_name, phone, email, source, note, external_id,
			status_id, agent_id, follow_up_at, created_at, contact_allowed_at, custom, updated_at, version, import_id, import_line)
		SELECT ?, ?, s.name, s.last_name, s.phone, s.email, s.source, s.note, s.external_id, ?, s.agent_id, s.follow_up_at, COALESCE(s.created_at, ?), CAST(? AS BIGINT),
			s.custom, ?, 1, ?, s.line FROM import_rows s
			WHERE `+outcomeIn("s.outcome", r.opts, inserts)+` AND `+in+` ORDER BY s.phone`,
		append([]any{acc, camp, r.opts.StatusID, now, allowed, now, jobID}, inArgs...)...); err != nil {
		return err
	}
	r.phase("insert new")

	if r.statusKind == callsheet.StatusDoNotCall {
		// Keep what the register held, for undo, then record the requests.
		if _, err := tx.exec(ctx, `INSERT INTO import_dnc_changes (job_id, phone, had_entry, requested_at, reason)
			SELECT ?, s.phone, d.phone IS NOT NULL, d.requested_at, COALESCE(d.reason, '')
			FROM import_rows s LEFT JOIN do_not_call d ON d.account_id = ? AND d.phone = s.phone
			WHERE `+outcomeIn("s.outcome", r.opts, takesStatus)+` AND `+in, append([]any{jobID, acc}, inArgs...)...); err != nil {
			return err
		}
		q, args := registerImportedDNC, []any{acc, now, jobID}
		if r.rng != nil {
			// The step's phones, as the records just kept them.
			q = `INSERT INTO do_not_call (account_id, phone, requested_at, reason)
				SELECT ?, s.phone, ?, 'Imported with a do-not-call status' FROM import_rows s WHERE ` + outcomeIn("s.outcome", r.opts, takesStatus) + ` AND ` + in + `
				ON CONFLICT (account_id, phone) DO UPDATE SET requested_at = excluded.requested_at, reason = excluded.reason`
			args = append([]any{acc, now}, inArgs...)
		}
		if _, err := tx.exec(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// deleteRemoved deletes the customers of other campaigns that an import
// recorded as removed (Move them here). Parameters: account, job.
const deleteRemoved = `DELETE FROM customers WHERE account_id = ? AND id IN (SELECT customer_id FROM import_changes WHERE job_id = ? AND kind = 'removed')`

// registerImportedDNC puts the phones of a job's do-not-call changes on
// the register. Parameters: account, time, job.
const registerImportedDNC = `INSERT INTO do_not_call (account_id, phone, requested_at, reason)
	SELECT ?, phone, ?, 'Imported with a do-not-call status' FROM import_dnc_changes WHERE job_id = ?
	ON CONFLICT (account_id, phone) DO UPDATE SET requested_at = excluded.requested_at, reason = excluded.reason`

// updateSet is the assignments that update an existing customer (named
// customers) from its row (named s) under the options, and their
// parameters. They come in a fixed order with values as parameters, so
// that every import with the same options runs the same statement.
func (r *importRun) updateSet(now int64) ([]string, []any) {
	var set []string
	var setArgs []any
	if r.opts.Override {
		// Only the matched fields, and an empty cell never overwrites.
		for _, field := range slices.Sorted(maps.Keys(overridable)) {
			col := overridable[field]
			if _, ok := r.job.Mapping[field]; !ok {
				continue
			}
			switch col {
			case "agent_id", "follow_up_at", "created_at":
				set = append(set, col+" = COALESCE(s."+col+", customers."+col+")")
			default:
				set = append(set, col+" = CASE WHEN s."+col+" <> '' THEN s."+col+" ELSE customers."+col+" END")
			}
		}
		set = append(set, "custom = "+r.s.db.dialect.mergeJSON("customers.custom", "s.custom"))
	}
	if r.opts.Reset {
		set, setArgs = append(set, "status_id = ?"), append(setArgs, r.opts.StatusID)
		if r.opts.Override && r.job.Mapping[callsheet.FieldFollowUpAt] != "" {
			set = replaceSet(set, "follow_up_at", "follow_up_at = s.follow_up_at")
		} else {
			set = replaceSet(set, "follow_up_at", "follow_up_at = NULL")
		}
	}
	if r.opts.UpdateContactAllowed {
		set, setArgs = append(set, "contact_allowed_at = ?"), append(setArgs, now)
	}
	if len(set) > 0 {
		set, setArgs = append(set, "updated_at = ?", "version = customers.version + 1"), append(setArgs, now)
	}
	return set, setArgs
}

// replaceSet replaces the assignment to col in set, or appends it.
func replaceSet(set []string, col, assign string) []string {
	for i, s := range set {
		if strings.HasPrefix(s, col+" = ") {
			set[i] = assign
			return set
		}
	}
	return append(set, assign)
}

// prefixed qualifies each column of a comma-separated list.
func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// recordProblems keeps the rows not added or updated, those left blocked
// and those that delete customers elsewhere, for the report
// (callsheet.Outcome.Reported).
func (r *importRun) recordProblems(ctx context.Context) error {
	in, inArgs := r.inScope("s.phone")
	// The customers of new rows are found by a join, not a lookup each:
	// with Move them here every moved row is reported.
	_, err := r.tx.exec(ctx, `INSERT INTO import_problems (job_id, line, outcome, blocked, duplicate_of, customer_id, field, column_name, message)
		SELECT ?, s.line, s.outcome, s.blocked, s.dup_of, COALESCE(c.id, s.existing_id),
			CASE WHEN s.outcome = `+lit(callsheet.OutcomeInvalid)+` THEN 'name' ELSE '' END,
			CASE WHEN s.outcome = `+lit(callsheet.OutcomeInvalid)+` THEN ? ELSE '' END, ''
		FROM (SELECT line, phone, outcome, blocked, dup_of, existing_id FROM import_rows s WHERE (`+reportedCase(r.opts)+`) AND `+in+`) s
		LEFT JOIN customers c ON c.campaign_id = ? AND c.phone = s.phone AND `+outcomeIn("s.outcome", r.opts, inserts),
		append(append([]any{r.job.ID, r.job.Mapping[callsheet.FieldName]}, inArgs...), r.job.CampaignID)...)
	return err
}

// results returns every row's result, for callers that asked (the API).
func (r *importRun) results(ctx context.Context, applied bool) ([]callsheet.RowResult, error) {
	// The customer a row added is looked up by its phone, a row at a
	// time: the rows reported are a batch of the API's, and a join lets
	// PostgreSQL read the whole campaign for them (29 ms a batch of 1,000
	// into a campaign of 100,000).
	q := `SELECT s.line, s.outcome, s.blocked, COALESCE(s.dup_of, 0), COALESCE(s.existing_id,
			CASE WHEN ` + outcomeIn("s.outcome", r.opts, inserts) + ` THEN (SELECT c.id FROM customers c WHERE c.campaign_id = ? AND c.phone = s.phone) END, 0)
		FROM import_rows s ORDER BY s.line`
	rows, err := r.tx.query(ctx, q, r.job.CampaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]callsheet.RowResult, 0, len(r.invalid))
	for rows.Next() {
		var res callsheet.RowResult
		var o string
		if err := rows.Scan(&res.Line, &o, &res.Blocked, &res.DuplicateOf, &res.CustomerID); err != nil {
			return nil, err
		}
		res.Outcome = callsheet.Outcome(o)
		res.Message, res.Reason = outcomeReason(res.Outcome, res.DuplicateOf, res.Blocked)
		if res.Outcome == callsheet.OutcomeInvalid {
			// The classifier's one invalid row: a new customer with no name.
			res.Field, res.Column = callsheet.FieldName, r.job.Mapping[callsheet.FieldName]
		}
		if !applied && res.Outcome.Effects(r.opts).Inserts {
			res.CustomerID = 0
		}
		out = append(out, res)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out = append(out, r.invalid...)
	sortResults(out)
	if len(out) > 0 {
		if err := attachRemoved(ctx, r.tx, r.a.AccountID, r.job.ID, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// attachRemoved gives each of the results, sorted by line, the customers
// of other campaigns its row deleted (or, unapplied, would delete), and
// says so in its message.
func attachRemoved(ctx context.Context, q queryer, accountID, jobID int64, out []callsheet.RowResult) error {
	rows, err := q.query(ctx, `SELECT ch.line, ch.customer_id, ch.campaign_id, COALESCE(cp.name, '') FROM import_changes ch
		LEFT JOIN campaigns cp ON cp.id = ch.campaign_id AND cp.account_id = ?
		WHERE ch.job_id = ? AND ch.kind = 'removed' AND ch.line BETWEEN ? AND ? ORDER BY ch.line, ch.customer_id`,
		accountID, jobID, out[0].Line, out[len(out)-1].Line)
	if err != nil {
		return err
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var line int
		var rc callsheet.RemovedCopy
		if err := rows.Scan(&line, &rc.CustomerID, &rc.CampaignID, &rc.CampaignName); err != nil {
			return err
		}
		for i < len(out) && out[i].Line < line {
			i++
		}
		if i < len(out) && out[i].Line == line {
			out[i].RemovedElsewhere = append(out[i].RemovedElsewhere, rc)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range out {
		if m := callsheet.RemovalMsg(out[i].RemovedElsewhere); m.Key != "" {
			// Reason stays the message in keys only while it holds all of it.
			if out[i].Message == "" || len(out[i].Reason) > 0 {
				out[i].Reason = append(out[i].Reason, m)
			}
			out[i].Message = strings.TrimSpace(out[i].Message + " " + m.String())
		}
	}
	return nil
}

// outcomeReason is a row's message from its outcome, in English and as
// catalogue messages; none for a row with nothing to say.
func outcomeReason(o callsheet.Outcome, duplicateOf int, blocked bool) (string, []callsheet.Message) {
	m := o.Reason(duplicateOf, blocked)
	if m.Key == "" {
		return "", nil
	}
	return m.String(), []callsheet.Message{m}
}

func sortResults(rs []callsheet.RowResult) {
	slices.SortFunc(rs, func(a, b callsheet.RowResult) int { return a.Line - b.Line })
}

// queryer is a transaction or the database, for reads that serve both.
type queryer interface {
	query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}
