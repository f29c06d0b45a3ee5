package sqldb

import (
	"context"
	"time"

	"github.com/callsheet/callsheet"
)

// fence lets an import's run be cancelled until its fence (the update that
// marks the job done, only if this worker still holds it) is written, and
// not after: from then on the job cannot run elsewhere, so the run ends
// with its commit whatever happens to the context it was given.
type fence struct {
	txCtx   context.Context // the transaction's: cancelled with the run's until the fence
	cancel  context.CancelFunc
	unwatch func() bool // stops the run's cancel from reaching txCtx, if it has not yet
}

func newFence(ctx context.Context) *fence {
	f := &fence{}
	f.txCtx, f.cancel = context.WithCancel(context.WithoutCancel(ctx))
	f.unwatch = context.AfterFunc(ctx, f.cancel)
	return f
}

// written marks the fence written and returns the context the rest of the
// run uses; it fails if the run was cancelled before, when the transaction
// is being rolled back.
func (f *fence) written() (context.Context, error) {
	if !f.unwatch() {
		return nil, context.Canceled
	}
	return f.txCtx, nil
}

func (f *fence) stop() {
	f.unwatch()
	f.cancel()
}

// committed tells whether the run of job that began at now was committed
// after all: the job's row is done with that run's time.
func (s *ImportStore) committed(job *callsheet.ImportJob, now time.Time) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var state string
	var finished int64
	err := s.db.queryRow(ctx, `SELECT state, finished_at FROM import_jobs WHERE id = ? AND account_id = ?`, job.ID, job.AccountID).Scan(&state, &finished)
	return err == nil && state == string(callsheet.ImportDone) && finished == micros(now)
}
