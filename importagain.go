package callsheet

import "context"

// ImportAgainService runs the stored file of an import that wrote nothing
// again, as a new import, so that the admin need not upload it again: a
// refused file with "load the valid rows" ticked or another agents option,
// or a cancelled one. The import engine (ImportService) and its job store
// (ImportJobStore) both offer it.
type ImportAgainService interface {
	// ImportAgain creates a new import of the campaign, file, encoding,
	// sheet and mapping of import id, with the options given, and queues
	// it. The stored file is copied; the first import stays as it was, in
	// the history. Only an import that wrote nothing may run again: one
	// finished without being applied (refused, or a preview) or cancelled.
	// Admins only. Returns ENOTFOUND (the import, its campaign, the
	// status), ECONFLICT (it wrote its rows, has not finished, or its file
	// is no longer kept), EINVALID, EFORBIDDEN.
	ImportAgain(ctx context.Context, id int64, opts ImportOptions) (*ImportJob, error)
}

// MayRunAgain reports whether the job's stored file may be run again as a
// new import (see ImportAgainService): it finished without writing.
func (j *ImportJob) MayRunAgain() bool {
	return j.FileSize > 0 && (j.State == ImportDone && !j.Applied || j.State == ImportCancelled)
}
