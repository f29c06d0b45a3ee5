package sqldb

import (
	"context"
	"database/sql"
	"time"

	"github.com/callsheet/callsheet"
)

// ImportQueueStats describes the import queue of every account at once:
// it is the operator's view, for metrics, not an account's.
type ImportQueueStats struct {
	// Queued is how many jobs wait for a worker.
	Queued int
	// Running is how many jobs workers hold (or held, until their lease
	// runs out and another worker takes them over).
	Running int
	// OldestQueued is when the oldest waiting job was created; zero when
	// none waits. A job queued from the wizard was created at its upload.
	OldestQueued time.Time
}

// ImportQueueStats reads the import queue across accounts. Operator only.
func (s *ImportStore) ImportQueueStats(ctx context.Context) (ImportQueueStats, error) {
	var st ImportQueueStats
	if !callsheet.IsOperator(ctx) {
		return st, callsheet.Errorf(callsheet.EFORBIDDEN, "Only the operator may read the import queue.")
	}
	var oldest sql.NullInt64
	err := s.db.queryRow(ctx, `SELECT
			COALESCE(SUM(CASE WHEN state = 'queued' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN state = 'running' THEN 1 ELSE 0 END), 0),
			MIN(CASE WHEN state = 'queued' THEN created_at END)
		FROM import_jobs WHERE state IN ('queued', 'running')`).Scan(&st.Queued, &st.Running, &oldest)
	if err != nil {
		return st, s.db.translate(err)
	}
	if oldest.Valid {
		st.OldestQueued = fromMicros(oldest.Int64)
	}
	return st, nil
}
