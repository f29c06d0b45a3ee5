package sqldb

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
)

// Group commit, on SQLite: small writes that wait for the writer at the
// same moment share one transaction and its commit, each in a savepoint
// of its own.
//
// SQLite has one writer, so single adds from many clients queue for it,
// and each one's commit wrote its own copy of the pages it changed (the
// customer, its six indexes, the job, the audit): a quarter of the
// server's CPU with 16 clients. In a group, the pages that every add
// changes (the ends of the indexes, the job and audit tables, the
// campaign's count) are written once for all.
//
// What each write is promised does not change:
//   - it is all-or-nothing: a write that fails is rolled back to its
//     savepoint, and the others in its group go on;
//   - it is durable when it returns: every write in a group returns after
//     the group's commit, and if the commit fails all of them fail;
//   - writes run one after another, in the order they came, and each sees
//     those before it, as they would one transaction after another.
//
// A write alone runs at once, in a group of one: grouping adds no wait,
// it only gathers those who were already waiting. Between groups the
// writer is let go, so that others (a save, an import's step) take their
// turn, and the lead passes to the next write waiting. On PostgreSQL, whose writers run side by side, each write is its
// own transaction.

// maxGroup bounds the writes of one group, so that one commit does not
// keep the writer from others for long.
const maxGroup = 32

// groupWrite is a write waiting for its group.
type groupWrite struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *Tx) error
	done chan error    // how the write ended
	lead chan struct{} // the write is to lead the next group
}

// grouper gathers the writes waiting for a group. One write at a time
// leads: it takes those waiting (itself among them) as a group, runs it,
// and hands the lead to the first write still waiting, so that no
// writer's answer waits for more than the groups before its own.
type grouper struct {
	mu      sync.Mutex
	waiting []*groupWrite
	leading bool // a write leads, or is about to

	// commits and writes count the groups committed and the writes in
	// them, for tests.
	commits, writes int
}

// withGroupTx runs fn in a write transaction, shared on SQLite with the
// writes that wait at the same moment (see above), and returns once that
// transaction has committed or fn has failed. fn runs with ctx's values
// but not its cancel, which only a write still waiting heeds: on SQLite
// an interrupted write can roll back the whole transaction, and others'
// writes with it.
func (db *DB) withGroupTx(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	if db.writer == nil {
		return db.withTx(ctx, func(tx *Tx) error { return fn(ctx, tx) })
	}
	w := &groupWrite{ctx: ctx, fn: fn, done: make(chan error, 1), lead: make(chan struct{}, 1)}
	g := &db.group
	g.mu.Lock()
	g.waiting = append(g.waiting, w)
	if !g.leading {
		// Nobody leads, so nobody else waits: this write is first.
		g.leading = true
		w.lead <- struct{}{}
	}
	g.mu.Unlock()
	for {
		select {
		case err := <-w.done:
			return err
		case <-w.lead:
			db.leadGroup()
		}
	}
}

// leadGroup runs the writes waiting, up to maxGroup, as one group, then
// hands the lead on.
func (db *DB) leadGroup() {
	g := &db.group
	g.mu.Lock()
	n := min(len(g.waiting), maxGroup)
	batch := g.waiting[:n:n]
	g.waiting = g.waiting[n:]
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if len(g.waiting) > 0 {
			g.waiting[0].lead <- struct{}{}
		} else {
			g.leading, g.waiting = false, nil
		}
	}()
	db.runGroup(batch)
}

// runGroup runs the writes of one group in one transaction, and tells
// each how it ended.
func (db *DB) runGroup(batch []*groupWrite) {
	// A write's result is its own error, or else the group's: what ended
	// the group early, or its commit.
	results := make([]error, len(batch))
	finish := func(commitErr error) {
		for i, w := range batch {
			if results[i] == nil {
				results[i] = commitErr
			}
			w.done <- results[i]
		}
	}
	// The transaction is none of the writers' own: one that gives up
	// waiting must not take the others' writes with it.
	tx, err := db.BeginTx(context.WithoutCancel(batch[0].ctx), nil)
	if err != nil {
		finish(db.translate(err))
		return
	}
	defer tx.Rollback()
	ran := 0
	for i, w := range batch {
		if err := w.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		ctx := context.WithoutCancel(w.ctx)
		if _, err := tx.ExecContext(ctx, `SAVEPOINT group_write`); err != nil {
			finish(db.translate(err))
			return
		}
		if err := runWrite(ctx, tx, w.fn); err != nil {
			results[i] = err
			// The write's own statements are undone; the others' stay. If
			// SQLite rolled the whole transaction back (an I/O error, a
			// full disk), the savepoint is gone and the group fails.
			if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT group_write`); rerr != nil {
				finish(db.translate(rerr))
				return
			}
		} else {
			ran++
		}
		if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT group_write`); err != nil {
			finish(db.translate(err))
			return
		}
	}
	err = db.translate(tx.Commit())
	if err == nil {
		db.group.mu.Lock()
		db.group.commits++
		db.group.writes += ran
		db.group.mu.Unlock()
	}
	finish(err)
}

// runWrite runs a write's function; a panic in it is that write's error,
// so that the group, and the writes that wait for the lead, go on.
func runWrite(ctx context.Context, tx *Tx, fn func(ctx context.Context, tx *Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sqldb: a grouped write panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return fn(ctx, tx)
}
