package sqldb

import (
	"context"

	"github.com/callsheet/callsheet"
)

var _ callsheet.ImportAgainService = (*ImportStore)(nil)

// ImportAgain implements callsheet.ImportAgainService. The file's chunks
// are copied inside the database, never passing through the server.
func (s *ImportStore) ImportAgain(ctx context.Context, id int64, opts callsheet.ImportOptions) (*callsheet.ImportJob, error) {
	a, err := adminOf(ctx)
	if err != nil {
		return nil, err
	}
	old, err := s.FindImportJobByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !old.MayRunAgain() {
		return nil, callsheet.Errorf(callsheet.ECONFLICT, "Import %d cannot run again: only an import that finished without writing anything can.", id)
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	job := &callsheet.ImportJob{AccountID: a.AccountID, CampaignID: old.CampaignID, Source: old.Source, CreatedBy: a.Name,
		UserID: a.UserID, TokenID: a.TokenID, FileName: old.FileName, FileSize: old.FileSize, Encoding: old.Encoding, Sheet: old.Sheet,
		Mapping: old.Mapping, Options: opts, State: callsheet.ImportQueued}
	err = s.db.withTx(ctx, func(tx *Tx) error {
		newID, err := insertImportJob(ctx, tx, a, job, job.FileSize, false)
		if err != nil {
			return err
		}
		job.ID = newID
		r, err := tx.exec(ctx, `INSERT INTO import_files (job_id, seq, data) SELECT ?, f.seq, f.data FROM import_files f
			JOIN import_jobs j ON j.id = f.job_id WHERE f.job_id = ? AND j.account_id = ?`, newID, id, a.AccountID)
		if err != nil {
			return err
		}
		if copied, _ := r.RowsAffected(); copied == 0 && old.FileSize > 0 {
			return callsheet.Errorf(callsheet.ECONFLICT, "The file of import %d is no longer kept; upload it again.", id)
		}
		return tx.audit(ctx, a, "import.create", "import", newID, map[string]any{"campaign_id": job.CampaignID, "file": job.FileName,
			"source": job.Source, "options": job.Options, "again_of": id})
	})
	if err != nil {
		return nil, err
	}
	return s.FindImportJobByID(ctx, job.ID)
}
