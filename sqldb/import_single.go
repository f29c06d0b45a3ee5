package sqldb

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/callsheet/callsheet"
)

// A single add: one customer by the rules of every import, without the
// staging of a file's rows. The row's facts come from a lookup of its
// phone, its outcome and effects from the domain's table (as the
// generated SQL of RunImport does for many rows), and the job is created,
// applied and finished in one short transaction. The statements that
// write are RunImport's own where they can be (the update's assignments,
// the move's delete, the register's), so the two paths cannot drift; the
// conformance suite runs the same adds through both and compares.

// AddCustomer implements callsheet.ImportApplier.
func (s *ImportStore) AddCustomer(ctx context.Context, job *callsheet.ImportJob, row *callsheet.ImportRow) (*callsheet.ImportResult, error) {
	a, err := prepareJob(ctx, job, false)
	if err != nil {
		return nil, err
	}
	job.Single, job.Worker = true, ""
	var res *callsheet.ImportResult
	var now time.Time
	err = s.db.withGroupTx(ctx, func(ctx context.Context, tx *Tx) error {
		run := &importRun{s: s, tx: tx, a: a, job: job, opts: job.Options, collect: true}
		var err error
		res, err = run.addOne(ctx, row)
		now = tx.now
		return err
	})
	if err != nil {
		// Only a customer with the phone added to the campaign at the
		// same moment, by a path that does not wait for the phone (a
		// form), collides with the add.
		if callsheet.ErrorCode(err) == callsheet.ECONFLICT && callsheet.ErrorFields(err) == nil {
			return nil, phoneConflict(err, row.Phone)
		}
		return nil, err
	}
	job.State, job.Counts, job.Applied, job.Attempts = callsheet.ImportDone, res.Counts, res.Applied, 1
	job.Refused, job.AgentsOutside, job.AgentsGranted, job.RemovedFrom = "", res.AgentsOutside, res.AgentsGranted, res.RemovedFrom
	if !res.Applied {
		job.Refused = res.Refused
	}
	job.CreatedAt, job.StartedAt, job.FinishedAt = now, &now, &now
	return res, nil
}

// phoneFacts is what a single add finds of its phone.
type phoneFacts struct {
	existingID      int64         // the campaign's customer with the phone
	existingAllowed sql.NullInt64 // its contact-allowed date
	others          int           // customers of other campaigns with it (looked up unless Unique is any)
	dncAt           sql.NullInt64 // the register's request
	dncReason       string        // and its reason
}

// lookUp finds the phone's customers and register entry, in one statement.
func (r *importRun) lookUp(ctx context.Context, phone string) (phoneFacts, error) {
	var f phoneFacts
	q := `SELECT 'd', 0, 0, requested_at, reason FROM do_not_call WHERE account_id = ? AND phone = ?
		UNION ALL SELECT 'c', id, campaign_id, contact_allowed_at, '' FROM customers WHERE `
	args := []any{r.a.AccountID, phone}
	if r.opts.Unique == callsheet.UniqueAny {
		q, args = q+`campaign_id = ? AND phone = ?`, append(args, r.job.CampaignID, phone)
	} else {
		q, args = q+`account_id = ? AND phone = ?`, append(args, r.a.AccountID, phone)
	}
	rows, err := r.tx.query(ctx, q, args...)
	if err != nil {
		return f, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, reason string
		var id, campaign int64
		var at sql.NullInt64
		if err := rows.Scan(&kind, &id, &campaign, &at, &reason); err != nil {
			return f, err
		}
		switch {
		case kind == "d":
			f.dncAt, f.dncReason = at, reason
		case campaign == r.job.CampaignID:
			f.existingID, f.existingAllowed = id, at
		default:
			f.others++
		}
	}
	return f, rows.Err()
}

// checkAdd checks the campaign and the status, as checkImporter and
// jobStatus do, in one statement for an admin (the common case); when it
// finds nothing, they say what is wrong.
func (r *importRun) checkAdd(ctx context.Context) (callsheet.StatusKind, error) {
	if r.a.IsAdmin() {
		var w where
		campaignScope(&w, r.a, "c")
		w.add("c.id = ?", r.job.CampaignID)
		q := `SELECT s.id, s.kind FROM statuses s WHERE EXISTS (SELECT 1 FROM campaigns c WHERE ` + w.String() + `) AND s.account_id = ? AND `
		args := append(append([]any{}, w.args...), r.a.AccountID)
		if r.opts.StatusID == 0 {
			q += `s.kind = 'initial'`
		} else {
			q, args = q+`s.id = ?`, append(args, r.opts.StatusID)
		}
		var kind string
		err := r.tx.queryRow(ctx, q, args...).Scan(&r.opts.StatusID, &kind)
		if err == nil {
			return callsheet.StatusKind(kind), nil
		} else if err != sql.ErrNoRows {
			return "", err
		}
	}
	if err := checkImporter(ctx, r.tx, r.a, r.job.CampaignID); err != nil {
		return "", err
	}
	return resolveStatus(ctx, r.tx, r.a.AccountID, &r.opts.StatusID)
}

// addOne is RunImport's run for one row.
func (r *importRun) addOne(ctx context.Context, row *callsheet.ImportRow) (*callsheet.ImportResult, error) {
	tx, job, acc := r.tx, r.job, r.a.AccountID
	if row.Problem == nil {
		if err := r.s.db.dialect.lockPhone(ctx, tx, acc, row.Phone); err != nil {
			return nil, err
		}
	}
	if !r.a.IsAdmin() {
		// An agent adds a customer of their own, as RunImport says.
		r.opts = callsheet.ImportOptions{International: r.opts.International, Unique: callsheet.UniqueAny, Agents: callsheet.AgentsRefuse}
	}
	kind, err := r.checkAdd(ctx)
	if err != nil {
		return nil, err
	}
	job.Options.StatusID, r.statusKind = r.opts.StatusID, kind
	r.outside, r.granted, r.removedFrom = []callsheet.ImportAgent{}, []callsheet.ImportAgent{}, []callsheet.CampaignCount{}

	// Decide, by the table, before anything is written.
	res := callsheet.RowResult{Line: row.Line}
	var facts callsheet.RowFacts
	var f phoneFacts
	if row.Problem != nil {
		res.Outcome, res.Field, res.Column, res.Message, res.Errors, res.Reason = callsheet.OutcomeInvalid,
			row.Problem.Field, row.Problem.Column, row.Problem.Message, row.Problem.Fields, row.Problem.Msgs
	} else {
		if f, err = r.lookUp(ctx, row.Phone); err != nil {
			return nil, err
		}
		if f.existingID != 0 {
			facts |= callsheet.FactExisting
		}
		if f.others > 0 && r.opts.Unique != callsheet.UniqueAny {
			facts |= callsheet.FactInOtherCampaign
		}
		if row.Name == "" {
			facts |= callsheet.FactUnnamed
		}
		res.Outcome = callsheet.DecideOutcome(r.opts, facts)
		allowed := int64(-1) // a new customer has no contact-allowed date
		if f.existingAllowed.Valid {
			allowed = f.existingAllowed.Int64
		}
		res.Blocked = res.Outcome.Blocked(r.opts, callsheet.BlockFacts{
			CallRequestNewer: f.dncAt.Valid && f.dncAt.Int64 > allowed, StatusDoNotCall: kind == callsheet.StatusDoNotCall})
		res.CustomerID = f.existingID
		if res.Outcome == callsheet.OutcomeInvalid {
			// The table's one invalid row: a new customer with no name.
			res.Field, res.Column = callsheet.FieldName, job.Mapping[callsheet.FieldName]
		}
		res.Message, res.Reason = outcomeReason(res.Outcome, 0, res.Blocked)
	}
	effects := res.Outcome.Effects(r.opts)
	r.counts.Add(res.Outcome, 1)
	if res.Blocked {
		r.counts.Blocked++
	}
	if job.Mapping[callsheet.FieldAgent] != "" && row.AgentID != 0 && effects.SetsAgent {
		var ag callsheet.ImportAgent
		err := tx.queryRow(ctx, `SELECT u.id, u.name FROM users u WHERE u.id = ? AND u.account_id = ? AND `+agentOutside,
			row.AgentID, acc, job.CampaignID).Scan(&ag.ID, &ag.Name)
		if err == nil {
			ag.Customers = 1
			r.outside = append(r.outside, ag)
		} else if err != sql.ErrNoRows {
			return nil, err
		}
	}
	refused := callsheet.RefusalReason(r.opts, r.counts, r.outside)
	applied := !r.opts.DryRun && refused == ""

	// The job, as it ends; what only the writes tell is added after them.
	id, err := tx.insert(ctx, `INSERT INTO import_jobs (account_id, campaign_id, source, created_by, user_id, token_id, file_name, file_size,
		encoding, sheet, mapping, options, state, created_at, started_at, finished_at, attempts, single, worker, counts, applied, rows_read,
		agents_outside, agents_granted, removed_from, unmatched_columns)
		VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, 'done', ?, ?, ?, 1, TRUE, '', ?, ?, ?, ?, '[]', '[]', ?)`,
		acc, job.CampaignID, job.Source, job.CreatedBy, nullInt(job.UserID), nullInt(job.TokenID), job.FileName,
		job.Encoding, job.Sheet, mustJSON(job.Mapping), mustJSON(job.Options), micros(tx.now), micros(tx.now), micros(tx.now),
		mustJSON(r.counts), applied, r.counts.Total, mustJSON(r.outside), nullJSON(job.UnmatchedColumns))
	if err != nil {
		return nil, err
	}
	job.ID = id
	created := auditEvent{"import.create", "import", id, map[string]any{"campaign_id": job.CampaignID, "file": job.FileName, "source": job.Source, "options": job.Options}}
	// The audit tells the job's creation, the agents it gave the campaign,
	// then its run, as RunImport's does; without agents given, the two
	// events go in one statement at the end.
	grants := applied && len(r.outside) > 0 && r.opts.Agents.Rule().Grants
	if grants {
		if err := tx.audits(ctx, r.a, created); err != nil {
			return nil, err
		}
	}

	if effects.RemovesOtherCopies && f.others > 0 {
		// Move them here: keep the customers the row deletes elsewhere, as
		// they are, for the report and undo (even unapplied, to say so).
		if _, err := tx.exec(ctx, `INSERT INTO import_changes (job_id, kind, line, customer_id, `+customerCopy+`)
			SELECT ?, 'removed', ?, c.id, `+prefixed("c.", customerCopy)+`
			FROM customers c WHERE c.account_id = ? AND c.phone = ? AND c.campaign_id <> ? ORDER BY c.id`,
			id, row.Line, acc, row.Phone, job.CampaignID); err != nil {
			return nil, err
		}
		if err := r.countRemoved(ctx); err != nil {
			return nil, err
		}
	}
	if applied {
		if err := r.applyOne(ctx, row, &res, f); err != nil {
			return nil, err
		}
	} else if effects.Inserts {
		res.CustomerID = 0
	}
	if len(r.granted) > 0 || len(r.removedFrom) > 0 {
		if _, err := tx.exec(ctx, `UPDATE import_jobs SET counts = ?, agents_granted = ?, removed_from = ? WHERE id = ?`,
			mustJSON(r.counts), mustJSON(r.granted), mustJSON(r.removedFrom), id); err != nil {
			return nil, err
		}
	}

	switch {
	case row.Problem != nil:
		if _, err := tx.exec(ctx, `INSERT INTO import_problems (job_id, line, outcome, field, column_name, message, reason) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, row.Line, string(callsheet.OutcomeInvalid), row.Problem.Field, row.Problem.Column, row.Problem.Message,
			nullString(callsheet.EncodeMessages(row.Problem.Msgs))); err != nil {
			return nil, err
		}
	case res.Outcome.Reported(r.opts, facts, res.Blocked):
		if _, err := tx.exec(ctx, `INSERT INTO import_problems (job_id, line, outcome, blocked, customer_id, field, column_name, message)
			VALUES (?, ?, ?, ?, ?, ?, ?, '')`, id, row.Line, string(res.Outcome), res.Blocked, nullInt(res.CustomerID), res.Field, res.Column); err != nil {
			return nil, err
		}
	}
	out := []callsheet.RowResult{res}
	if len(r.removedFrom) > 0 {
		if err := attachRemoved(ctx, tx, acc, id, out); err != nil {
			return nil, err
		}
	}
	events := []auditEvent{r.runEvent(applied, refused)}
	if !grants {
		events = append([]auditEvent{created}, events...)
	}
	if err := tx.audits(ctx, r.a, events...); err != nil {
		return nil, err
	}
	return &callsheet.ImportResult{Counts: r.counts, Applied: applied, Refused: refused, UnmatchedColumns: job.UnmatchedColumns,
		AgentsOutside: r.outside, AgentsGranted: r.granted, RemovedFrom: r.removedFrom, Rows: out}, nil
}

// applyOne writes the row, as apply does a file's.
func (r *importRun) applyOne(ctx context.Context, row *callsheet.ImportRow, res *callsheet.RowResult, f phoneFacts) error {
	tx, acc, job := r.tx, r.a.AccountID, r.job
	now := micros(tx.now)
	effects := res.Outcome.Effects(r.opts)
	if len(r.outside) > 0 {
		rule := r.opts.Agents.Rule()
		if !rule.Assigns {
			row.AgentID = 0
		}
		if rule.Grants {
			if err := r.grantCampaign(ctx); err != nil {
				return err
			}
		}
	}
	if len(r.removedFrom) > 0 {
		if _, err := tx.exec(ctx, deleteRemoved, acc, job.ID); err != nil {
			return err
		}
	}
	agent, followUp, created := nullInt(row.AgentID), nullMicros(row.FollowUpAt), nullMicros(row.CreatedAt)
	custom := encodeCustom(row.Custom, false)
	switch {
	case effects.Updates:
		if _, err := tx.exec(ctx, `INSERT INTO import_changes (job_id, kind, line, customer_id, `+customerCopy+`)
			SELECT ?, ?, ?, c.id, `+prefixed("c.", customerCopy)+` FROM customers c WHERE c.id = ?`,
			job.ID, string(res.Outcome), row.Line, f.existingID); err != nil {
			return err
		}
		if set, args := r.updateSet(now); len(set) > 0 {
			// The row is the one-row table s that the assignments read.
			args = append(args, row.Name, row.LastName, row.Email, row.Source, row.Note, row.ExternalID, agent, followUp, created, custom, f.existingID)
			if _, err := tx.exec(ctx, `UPDATE customers SET `+strings.Join(set, ", ")+`
				FROM (SELECT CAST(? AS TEXT) AS name, CAST(? AS TEXT) AS last_name, CAST(? AS TEXT) AS email, CAST(? AS TEXT) AS source,
					CAST(? AS TEXT) AS note, CAST(? AS TEXT) AS external_id, CAST(? AS BIGINT) AS agent_id, CAST(? AS BIGINT) AS follow_up_at,
					CAST(? AS BIGINT) AS created_at, CAST(? AS TEXT) AS custom) s
				WHERE customers.id = ?`, args...); err != nil {
				return err
			}
		}
	case effects.Inserts:
		var allowed any // NULL
		if r.opts.UpdateContactAllowed {
			allowed = now
		}
		if created == nil {
			created = now
		}
		id, err := tx.insert(ctx, `INSERT INTO customers (account_id, campaign_id, name, last_name, phone, email, source, note, external_id,
				status_id, agent_id, follow_up_at, created_at, contact_allowed_at, custom, updated_at, version, import_id, import_line)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
			acc, job.CampaignID, row.Name, row.LastName, row.Phone, row.Email, row.Source, row.Note, row.ExternalID,
			r.opts.StatusID, agent, followUp, created, allowed, custom, now, job.ID, row.Line)
		if err != nil {
			return err
		}
		res.CustomerID = id
	}
	if effects.TakesStatus && r.statusKind == callsheet.StatusDoNotCall {
		// Keep what the register held, for undo, then record the request.
		if _, err := tx.exec(ctx, `INSERT INTO import_dnc_changes (job_id, phone, had_entry, requested_at, reason) VALUES (?, ?, ?, ?, ?)`,
			job.ID, row.Phone, f.dncAt.Valid, f.dncAt, f.dncReason); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, registerImportedDNC, acc, now, job.ID); err != nil {
			return err
		}
	}
	return nil
}
