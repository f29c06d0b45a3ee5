package sqldb

import (
	"context"
	"database/sql"

	"github.com/callsheet/callsheet"
)

// UndoImportJob implements callsheet.ImportApplier. In one transaction it
// deletes the customers the import added, puts back the fields it
// overwrote, returns the customers it moved to their campaigns, restores
// the do-not-call register, and takes back the campaign from the agents it
// gave it to; customers someone changed after the import (their version
// moved on) are kept as they are and listed.
func (s *ImportStore) UndoImportJob(ctx context.Context, id int64) (*callsheet.UndoResult, error) {
	a, err := adminOf(ctx)
	if err != nil {
		return nil, err
	}
	res := &callsheet.UndoResult{Kept: []int64{}, AgentsRevoked: []callsheet.ImportAgent{}, AgentsKept: []callsheet.ImportAgent{}}
	err = s.db.withTx(ctx, func(tx *Tx) error {
		// Undo takes its turn with the account's imports: an import
		// running beside it would otherwise find a phone new that the undo
		// puts back, and fail on it (or the undo on the import's).
		if err := s.db.dialect.lockImports(ctx, tx, a.AccountID); err != nil {
			return err
		}
		var state string
		var applied bool
		var campaignID int64
		err := tx.queryRow(ctx, `SELECT state, applied, campaign_id FROM import_jobs WHERE id = ? AND account_id = ?`, id, a.AccountID).Scan(&state, &applied, &campaignID)
		if err == sql.ErrNoRows {
			return notFound("Import")
		} else if err != nil {
			return err
		}
		if callsheet.ImportState(state) == callsheet.ImportUndone {
			return callsheet.Errorf(callsheet.ECONFLICT, "The import has already been undone.")
		}
		if callsheet.ImportState(state) != callsheet.ImportDone || !applied {
			return callsheet.Errorf(callsheet.ECONFLICT, "Only a finished import that wrote customers can be undone.")
		}
		if err := revertImport(ctx, tx, a, id, campaignID, res); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE import_jobs SET state = 'undone', undone_at = ? WHERE id = ?`, micros(tx.now), id); err != nil {
			return err
		}
		return tx.audit(ctx, a, "import.undo", "import", id, res)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// revertImport takes back what an import wrote, by its records: it deletes
// the customers the import added, puts back the fields it overwrote,
// returns the customers it moved to their campaigns, restores the
// do-not-call register, and takes back the campaign from the agents it
// gave it to. Customers someone changed since (their version moved on)
// are kept as they are and listed in res. It serves undo, and a run that
// wrote in steps and did not finish.
func revertImport(ctx context.Context, tx *Tx, a *callsheet.Actor, id, campaignID int64, res *callsheet.UndoResult) error {
	now := micros(tx.now)

	// Added customers, unless changed since (version 1 is as added).
	kept, err := collectIDs(ctx, tx, `SELECT id FROM customers WHERE campaign_id = ? AND import_id = ? AND version > 1 ORDER BY id`, campaignID, id)
	if err != nil {
		return err
	}
	res.Kept = append(res.Kept, kept...)
	r, err := tx.exec(ctx, `DELETE FROM customers WHERE campaign_id = ? AND import_id = ? AND version = 1`, campaignID, id)
	if err != nil {
		return err
	}
	n, _ := r.RowsAffected()
	res.Removed = int(n)

	// Overwritten customers, unless changed since (the import bumped
	// the version by one).
	kept, err = collectIDs(ctx, tx, `SELECT c.id FROM import_changes ch JOIN customers c ON c.id = ch.customer_id
		WHERE ch.job_id = ? AND ch.kind IN ('updated', 'reset') AND c.version <> ch.version + 1 ORDER BY c.id`, id)
	if err != nil {
		return err
	}
	res.Kept = append(res.Kept, kept...)
	r, err = tx.exec(ctx, `UPDATE customers SET name = ch.name, last_name = ch.last_name, email = ch.email, source = ch.source,
			note = ch.note, external_id = ch.external_id, status_id = ch.status_id, agent_id = ch.agent_id, follow_up_at = ch.follow_up_at,
			created_at = ch.created_at, contact_allowed_at = ch.contact_allowed_at, custom = ch.custom,
			updated_at = ?, version = customers.version + 1
		FROM import_changes ch WHERE ch.job_id = ? AND ch.kind IN ('updated', 'reset') AND customers.id = ch.customer_id AND customers.version = ch.version + 1`,
		now, id)
	if err != nil {
		return err
	}
	n, _ = r.RowsAffected()
	res.Restored = int(n)

	// Moved customers go back, with their ids, unless their phone is in
	// that campaign again.
	kept, err = collectIDs(ctx, tx, `SELECT ch.customer_id FROM import_changes ch WHERE ch.job_id = ? AND ch.kind = 'removed'
		AND (EXISTS (SELECT 1 FROM customers c WHERE c.campaign_id = ch.campaign_id AND c.phone = ch.phone)
			OR EXISTS (SELECT 1 FROM customers c WHERE c.id = ch.customer_id)) ORDER BY ch.customer_id`, id)
	if err != nil {
		return err
	}
	res.Kept = append(res.Kept, kept...)
	r, err = tx.exec(ctx, `INSERT INTO customers (id, account_id, `+customerCopy+`)
		SELECT ch.customer_id, ?, `+prefixed("ch.", customerCopy)+` FROM import_changes ch
		WHERE ch.job_id = ? AND ch.kind = 'removed'
			AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.campaign_id = ch.campaign_id AND c.phone = ch.phone)
			AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = ch.customer_id)`, a.AccountID, id)
	if err != nil {
		return err
	}
	n, _ = r.RowsAffected()
	res.Returned = int(n)

	// The do-not-call register, where the import's request still stands.
	if _, err := tx.exec(ctx, `DELETE FROM do_not_call WHERE account_id = ? AND phone IN (
			SELECT ch.phone FROM import_dnc_changes ch WHERE ch.job_id = ? AND NOT ch.had_entry)
		AND requested_at = (SELECT COALESCE(applying_at, finished_at) FROM import_jobs WHERE id = ?)`, a.AccountID, id, id); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `UPDATE do_not_call SET requested_at = ch.requested_at, reason = ch.reason
		FROM import_dnc_changes ch WHERE ch.job_id = ? AND ch.had_entry AND do_not_call.account_id = ? AND do_not_call.phone = ch.phone
			AND do_not_call.requested_at = (SELECT COALESCE(applying_at, finished_at) FROM import_jobs WHERE id = ?)`, id, a.AccountID, id); err != nil {
		return err
	}

	return revokeGrants(ctx, tx, a, id, campaignID, res)
}

func collectIDs(ctx context.Context, tx *Tx, q string, args ...any) ([]int64, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// revokeGrants takes the campaign back from the agents the import gave it
// to, as the customers stand after the rest of the undo. Only access the
// import gave and that is still the import's is taken: saving a user's
// campaigns since writes the access afresh as the admin's. An agent who
// still holds customers of the campaign keeps it, since taking it would
// hide those customers from them (the problem the grant solved); the
// result lists them.
func revokeGrants(ctx context.Context, tx *Tx, a *callsheet.Actor, jobID, campaignID int64, res *callsheet.UndoResult) error {
	rows, err := tx.query(ctx, `SELECT u.id, u.name, (SELECT count(*) FROM customers c WHERE c.agent_id = u.id AND c.campaign_id = ca.campaign_id)
		FROM campaign_agents ca JOIN users u ON u.id = ca.user_id AND u.account_id = ?
		WHERE ca.import_id = ? AND ca.campaign_id = ? ORDER BY u.name, u.id`, a.AccountID, jobID, campaignID)
	if err != nil {
		return err
	}
	var agents []callsheet.ImportAgent
	for rows.Next() {
		var ag callsheet.ImportAgent
		if err := rows.Scan(&ag.ID, &ag.Name, &ag.Customers); err != nil {
			rows.Close()
			return err
		}
		agents = append(agents, ag)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, ag := range agents {
		if ag.Customers > 0 {
			res.AgentsKept = append(res.AgentsKept, ag)
			continue
		}
		if _, err := tx.exec(ctx, `DELETE FROM campaign_agents WHERE campaign_id = ? AND user_id = ? AND import_id = ?`, campaignID, ag.ID, jobID); err != nil {
			return err
		}
		res.AgentsRevoked = append(res.AgentsRevoked, ag)
		if err := tx.audit(ctx, a, "import.revoke_campaign", "user", ag.ID, map[string]any{"name": ag.Name, "campaign_id": campaignID, "import_id": jobID}); err != nil {
			return err
		}
	}
	return nil
}
