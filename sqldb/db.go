// Package sqldb is the one SQL implementation of Callsheet's services, for
// SQLite (embedded, the default) and PostgreSQL (several app servers on one
// database). The SQL is written once, in the subset both engines accept,
// with ? placeholders; engine differences live in dialect.go.
package sqldb

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/callsheet/callsheet"
)

//go:embed migrations
var migrationFS embed.FS

// DB is a connection pool to one database, with the engine's dialect and the
// clock that transactions read.
type DB struct {
	db      *sql.DB
	dialect dialect
	dsn     string

	// Now is the clock; tests replace it to fix time.
	Now func() time.Time

	reboundMu sync.Mutex
	rebound   map[string]string // query text -> query rewritten for the engine, at most maxRebound

	// writer, on SQLite, is held by the process's one open transaction:
	// SQLite has one writer, and transactions queue here, in the order
	// they came, rather than poll the file's lock with growing sleeps.
	writer chan struct{}
	// runs bounds, on SQLite, the imports that hold a connection of their
	// own (import_steps.go) to fewer than the pool's connections: a run
	// holds its connection while it waits for the writer, and whoever
	// holds the writer may need one of the pool's.
	runs chan struct{}
	// wrote tells the checkpointer, on SQLite, that a transaction wrote;
	// stop ends it, and stopped says it has.
	wrote, stop, stopped chan struct{}
	checkpointEvery      time.Duration
	// group gathers, on SQLite, the single writes that share a commit
	// (group.go).
	group grouper

	// ImportStepRows, when above zero, is how many rows an import writes
	// in a step on SQLite (import_steps.go); otherwise the steps are sized
	// to take about stepTime each. Tests set it to make small files take
	// many steps.
	ImportStepRows int
}

// NewDB returns a DB for dsn: a postgres:// or postgresql:// URL, or else
// the path of a SQLite file (created if missing). Call Open to connect.
func NewDB(dsn string) *DB {
	db := &DB{dsn: dsn, Now: time.Now, rebound: map[string]string{}}
	if IsPostgresDSN(dsn) {
		db.dialect = postgresDialect{}
	} else {
		db.dialect = sqliteDialect{}
		db.writer = make(chan struct{}, 1)
		db.runs = make(chan struct{}, sqliteImportRuns)
	}
	return db
}

// IsPostgresDSN reports whether dsn names a PostgreSQL database.
func IsPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Engine returns "sqlite" or "postgres".
func (db *DB) Engine() string { return db.dialect.name() }

// Open connects and applies the migrations that have not run yet.
func (db *DB) Open(ctx context.Context) error {
	if db.dsn == "" {
		return fmt.Errorf("sqldb: no database given")
	}
	sdb, err := db.dialect.open(db.dsn)
	if err != nil {
		return fmt.Errorf("sqldb: open %s: %w", db.dialect.name(), err)
	}
	db.db = sdb
	if err := db.db.PingContext(ctx); err != nil {
		db.db.Close()
		return fmt.Errorf("sqldb: connect to %s: %w", db.dialect.name(), err)
	}
	if err := db.migrate(ctx); err != nil {
		db.db.Close()
		return fmt.Errorf("sqldb: migrate: %w", err)
	}
	if db.writer != nil {
		db.wrote, db.stop, db.stopped = make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
		db.checkpointEvery = checkpointEvery
		go db.checkpoint()
	}
	return nil
}

// checkpointEvery is the longest the checkpointer lets written pages wait
// in SQLite's write-ahead log.
var checkpointEvery = 200 * time.Millisecond

// checkpoint copies SQLite's write-ahead log into the database after
// writes, at most every checkpointEvery, without the process's writer:
// a passive checkpoint goes beside readers and a writer, copying what is
// committed. The connections do not checkpoint as they commit (dialect.go).
func (db *DB) checkpoint() {
	defer close(db.stopped)
	for {
		select {
		case <-db.stop:
			return
		case <-db.wrote:
		}
		select {
		case <-db.stop:
			return
		case <-time.After(db.checkpointEvery):
		}
		db.db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
	}
}

// Close closes the pool.
func (db *DB) Close() error {
	if db.db == nil {
		return nil
	}
	if db.stop != nil {
		close(db.stop)
		<-db.stopped
		db.stop = nil
	}
	return db.db.Close()
}

// SQL returns the underlying pool, for tests and tools.
func (db *DB) SQL() *sql.DB { return db.db }

// migrate applies the embedded migrations of the engine in order, each in
// its own transaction, recording them in schema_migrations. Migration files
// are append-only: a number once released never changes meaning.
func (db *DB) migrate(ctx context.Context) error {
	dir := "migrations/" + db.dialect.name()
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)

	conn, err := db.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// Several app servers may start at once on one PostgreSQL.
	unlock, err := db.dialect.lockMigrations(ctx, conn)
	if err != nil {
		return err
	}
	defer unlock()

	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return err
	}
	for _, name := range names {
		var n int
		if err := conn.QueryRowContext(ctx, db.rebind(`SELECT count(*) FROM schema_migrations WHERE version = ?`), name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		body, err := fs.ReadFile(migrationFS, dir+"/"+name)
		if err != nil {
			return err
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("%s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), name, micros(time.Now())); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// maxRebound bounds the cache of rewritten queries.
const maxRebound = 2048

// rebind rewrites ? placeholders for the engine, once per query text.
func (db *DB) rebind(q string) string {
	if !db.dialect.dollarPlaceholders() {
		return q
	}
	db.reboundMu.Lock()
	v, ok := db.rebound[q]
	db.reboundMu.Unlock()
	if ok {
		return v
	}
	var b strings.Builder
	n := 0
	inQuote := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c == '\'' {
			inQuote = !inQuote
		}
		if c == '?' && !inQuote {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	out := b.String()
	db.reboundMu.Lock()
	// The queries are the program's own, a few hundred texts; should
	// some path ever build texts without end, the cache starts afresh
	// rather than grow.
	if len(db.rebound) >= maxRebound {
		clear(db.rebound)
	}
	db.rebound[q] = out
	db.reboundMu.Unlock()
	return out
}

// Tx is a transaction with the clock reading taken when it began: every
// change in one transaction carries the same time.
type Tx struct {
	sqlTx
	db      *DB
	now     time.Time
	writing bool // holds db.writer
}

// sqlTx is what a Tx runs on: database/sql's transaction, or one begun by
// hand on a connection of its own (readTx).
type sqlTx interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, q string) (*sql.Stmt, error)
	Commit() error
	Rollback() error
}

// writerWait bounds the wait for SQLite's writer, as its busy timeout
// bounds a wait for the file's lock.
const writerWait = 30 * time.Second

// errWriterBusy is the answer when the writer stays taken too long, as
// SQLite's own "database is locked" would be.
var errWriterBusy = errors.New("sqldb: the database's writer was busy for 30 s")

// BeginTx starts a transaction.
func (db *DB) BeginTx(ctx context.Context, opts *sql.TxOptions) (*Tx, error) {
	return db.beginTx(ctx, func() (*sql.Tx, error) { return db.db.BeginTx(ctx, opts) })
}

// beginOn starts a transaction on a connection the caller holds, which
// keeps its temporary tables from one transaction to the next.
func (db *DB) beginOn(ctx context.Context, conn *sql.Conn) (*Tx, error) {
	return db.beginTx(ctx, func() (*sql.Tx, error) { return conn.BeginTx(ctx, nil) })
}

// beginTx takes SQLite's writer, in turn, then begins.
func (db *DB) beginTx(ctx context.Context, begin func() (*sql.Tx, error)) (*Tx, error) {
	if db.writer != nil {
		t := time.NewTimer(writerWait)
		select {
		case db.writer <- struct{}{}:
			t.Stop()
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
			return nil, errWriterBusy
		}
	}
	tx, err := begin()
	if err != nil {
		db.release()
		return nil, err
	}
	return &Tx{sqlTx: tx, db: db, now: db.Now().UTC().Truncate(time.Microsecond), writing: db.writer != nil}, nil
}

// release lets the next transaction have SQLite's writer.
func (db *DB) release() {
	if db.writer != nil {
		<-db.writer
	}
}

// Commit commits the transaction and lets the next one write.
func (tx *Tx) Commit() error {
	err := tx.sqlTx.Commit()
	tx.done()
	return err
}

// Rollback rolls the transaction back, if it is still open, and lets the
// next one write.
func (tx *Tx) Rollback() error {
	err := tx.sqlTx.Rollback()
	tx.done()
	return err
}

func (tx *Tx) done() {
	if tx.writing {
		tx.writing = false
		tx.db.release()
		select {
		case tx.db.wrote <- struct{}{}:
		default:
		}
	}
}

func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	r, err := tx.sqlTx.ExecContext(ctx, tx.db.rebind(q), args...)
	return r, tx.db.translate(err)
}

func (tx *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	r, err := tx.sqlTx.QueryContext(ctx, tx.db.rebind(q), args...)
	return r, tx.db.translate(err)
}

func (tx *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.sqlTx.QueryRowContext(ctx, tx.db.rebind(q), args...)
}

// insert runs an INSERT ... RETURNING id and returns the id.
func (tx *Tx) insert(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, q+` RETURNING id`, args...).Scan(&id)
	return id, tx.db.translate(err)
}

// withTx runs fn in a transaction and commits it if fn succeeds.
func (db *DB) withTx(ctx context.Context, fn func(tx *Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return db.translate(err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return db.translate(tx.Commit())
}

// translate maps driver errors to the domain's codes, by error code.
func (db *DB) translate(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*callsheet.Error); ok {
		return err
	}
	switch db.dialect.classify(err) {
	case errUnique:
		return &callsheet.Error{Code: callsheet.ECONFLICT, Message: "It already exists."}
	case errForeignKey:
		return &callsheet.Error{Code: callsheet.ENOTFOUND, Message: "A referenced object does not exist."}
	case errBadText:
		return &callsheet.Error{Code: callsheet.EINVALID, Message: "A value contains a control character (such as NUL) or bytes that are not UTF-8 text, which cannot be stored."}
	}
	return err
}

// micros turns a time into the stored Unix microseconds.
func micros(t time.Time) int64 { return t.UnixMicro() }

// nullMicros stores an optional time: nil or the zero time is NULL.
func nullMicros(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// fromMicros reads a stored time, in UTC.
func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// fromNullMicros reads an optional stored time.
func fromNullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

// limitOffset appends paging to a query, as parameters: numbers written
// into the text would make every page a statement of its own. A zero
// limit means no limit.
func limitOffset(args []any, limit, offset int) (string, []any) {
	args = args[:len(args):len(args)] // appends copy, never touching the caller's array
	switch {
	case limit > 0 && offset > 0:
		return " LIMIT ? OFFSET ?", append(args, limit, offset)
	case limit > 0:
		return " LIMIT ?", append(args, limit)
	case offset > 0:
		return " LIMIT ? OFFSET ?", append(args, int64(math.MaxInt64), offset)
	}
	return "", args
}

// where joins conditions with AND.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return "TRUE"
	}
	return strings.Join(w.conds, " AND ")
}

func (db *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	r, err := db.db.QueryContext(ctx, db.rebind(q), args...)
	return r, db.translate(err)
}

func (db *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.db.QueryRowContext(ctx, db.rebind(q), args...)
}

// querier is what read helpers need; both *DB and *Tx have it, so a helper
// can read inside a transaction or outside one.
type querier interface {
	query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	queryRow(ctx context.Context, q string, args ...any) *sql.Row
}

// readTx begins a deferred transaction by hand on a connection the caller
// holds (database/sql's transactions on SQLite begin IMMEDIATE, taking the
// file's write lock). Its reads see one snapshot, and, on SQLite, writes to
// the connection's temporary tables take no lock on the database: the
// import stages and classifies a file this way while others write.
// It does not take the process's writer either, so it must not write the
// main database.
func (db *DB) readTx(ctx context.Context, conn *sql.Conn) (*Tx, error) {
	if _, err := conn.ExecContext(ctx, `BEGIN DEFERRED`); err != nil {
		return nil, err
	}
	return &Tx{sqlTx: &connTx{Conn: conn}, db: db, now: db.Now().UTC().Truncate(time.Microsecond)}, nil
}

// connTx is a transaction begun by hand on a connection. It ends once:
// a later Rollback (a deferred one) must not end the connection's next
// transaction.
type connTx struct {
	*sql.Conn
	ended bool
}

func (c *connTx) Commit() error   { return c.end(`COMMIT`) }
func (c *connTx) Rollback() error { return c.end(`ROLLBACK`) }

func (c *connTx) end(q string) error {
	if c.ended {
		return sql.ErrTxDone
	}
	c.ended = true
	_, err := c.Conn.ExecContext(context.Background(), q)
	return err
}
