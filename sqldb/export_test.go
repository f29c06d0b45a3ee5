package sqldb

import (
	"context"
	"time"
)

// The generated SQL of the outcome rules, for the test that checks it
// against the domain's table on both engines.
var (
	OutcomeCase = outcomeCase
	BlockedCase = blockedCase
)

// StatementCacheLen is how many rewritten queries the store keeps.
func (db *DB) StatementCacheLen() int {
	db.reboundMu.Lock()
	defer db.reboundMu.Unlock()
	return len(db.rebound)
}

// SetCheckpointEvery sets how long the checkpointer waits after a write.
func SetCheckpointEvery(d time.Duration) (restore func()) {
	old := checkpointEvery
	checkpointEvery = d
	return func() { checkpointEvery = old }
}

// GroupCommits is how many groups of single writes have committed, how
// many writes they held, how many writes wait for a group, and whether a
// write leads groups.
func (db *DB) GroupCommits() (commits, writes, waiting int, leading bool) {
	db.group.mu.Lock()
	defer db.group.mu.Unlock()
	return db.group.commits, db.group.writes, len(db.group.waiting), db.group.leading
}

// WithGroupTx runs fn as a grouped write (group.go).
func (db *DB) WithGroupTx(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	return db.withGroupTx(ctx, fn)
}
