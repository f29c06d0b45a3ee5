package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/mattn/go-sqlite3"

	"github.com/callsheet/callsheet"
)

// dialect holds everything that differs between SQLite and PostgreSQL.
// Nothing outside this file asks which engine it is talking to.
type dialect interface {
	name() string
	open(dsn string) (*sql.DB, error)
	dollarPlaceholders() bool
	classify(err error) errKind
	lockMigrations(ctx context.Context, conn *sql.Conn) (unlock func(), err error)
	// mergeJSON returns SQL that merges the JSON object text b into a,
	// keys of b winning, dropping keys whose new value is the empty string.
	mergeJSON(a, b string) string
	// concurrentWriters reports whether another connection may write while
	// a long import transaction is open. SQLite allows one writer at a time.
	concurrentWriters() bool
	// createStage and dropStage make and remove the import's temporary
	// tables in the transaction (import_stage.go).
	createStage(ctx context.Context, tx *Tx) error
	dropStage(ctx context.Context, tx *Tx) error
	// lockImports makes the account's imports run one at a time, until
	// the transaction ends: two imports of one campaign would otherwise
	// both find a phone new and both add it.
	lockImports(ctx context.Context, tx *Tx, accountID int64) error
	// lockPhone makes a single add wait for the account's running import,
	// and for another single add of the same phone, until the transaction
	// ends; single adds of other phones go on side by side.
	lockPhone(ctx context.Context, tx *Tx, accountID int64, phone string) error
	// newStager returns what writes an import's rows to the table that
	// classifyRows reads (import_stage.go).
	newStager(tx *Tx) rowStager
	// classifyRows gives every staged row its outcome and blocked flag in
	// import_rows, by the rules' SQL (import_classify.go).
	classifyRows(ctx context.Context, tx *Tx, c classification) error
	// analyze returns a statement that gathers the table's statistics, or
	// a statement that does nothing where the engine needs none.
	analyze(table string) string
	// runImport runs an import's rows: in one transaction, or, where
	// writers wait for each other, in steps (import_steps.go).
	runImport(ctx context.Context, r *importRun, src callsheet.ImportSource) (*callsheet.ImportResult, error)
	// sortStage orders an import's staged rows by phone (import_stage.go).
	sortStage(ctx context.Context, tx *Tx) (string, error)
	// beginBulk and endBulk bracket bulk writes in a transaction.
	beginBulk(ctx context.Context, tx *Tx) error
	endBulk(ctx context.Context, tx *Tx) error
}

type errKind int

const (
	errOther errKind = iota
	errUnique
	errForeignKey
	errBadText
)

type sqliteDialect struct{}

// sqliteCacheSize is the page cache of a connection: 64 MB.
const sqliteCacheSize = "-65536"

// sqliteStmtCache is how many prepared statements each connection keeps,
// the least recently used given up first. Preparing was 15% of the
// server's CPU for single adds over the API; a statement is kept by its
// text, so the many texts of imports cost only the oldest entries.
const sqliteStmtCache = 64

func (sqliteDialect) name() string { return "sqlite" }

// sqliteDriver is SQLite's driver with its connections set not to
// checkpoint the write-ahead log as they commit: SQLite's default, past
// 1,000 pages, has the commit that crosses it copy the log into the
// database, while the process's writer is held, so that a save that
// follows an import's step waits for the step's pages to be copied. The
// DB's checkpointer does it instead, beside the writers (db.go).
const sqliteDriver = "sqlite3_callsheet"

func init() {
	sql.Register(sqliteDriver, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		_, err := c.Exec(`PRAGMA wal_autocheckpoint = 0`, nil)
		return err
	}})
}

// sqliteConns is the pool's connections to a SQLite file, of which
// sqliteImportRuns at most are held by imports' runs.
const (
	sqliteConns      = 8
	sqliteImportRuns = 4
)

// open opens a SQLite file with WAL (readers do not block the writer),
// foreign keys, a busy timeout so writers queue rather than fail, immediate
// transactions (a writer takes the lock at BEGIN, so two writers never
// deadlock upgrading), and a 64 MB page cache.
func (sqliteDialect) open(dsn string) (*sql.DB, error) {
	path := strings.TrimPrefix(dsn, "sqlite://")
	path = strings.TrimPrefix(path, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", "30000")
	q.Set("_txlock", "immediate")
	q.Set("_synchronous", "NORMAL")
	q.Set("_cache_size", sqliteCacheSize)
	q.Set("_stmt_cache_size", strconv.Itoa(sqliteStmtCache))
	db, err := sql.Open(sqliteDriver, "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(sqliteConns)
	db.SetMaxIdleConns(sqliteConns)
	return db, nil
}

func (sqliteDialect) dollarPlaceholders() bool { return false }

func (sqliteDialect) classify(err error) errKind {
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.ExtendedCode {
		case sqlite3.ErrConstraintUnique, sqlite3.ErrConstraintPrimaryKey:
			return errUnique
		case sqlite3.ErrConstraintForeignKey:
			return errForeignKey
		}
	}
	return errOther
}

// SQLite migrations are serialised by the database's own write lock.
func (sqliteDialect) lockMigrations(context.Context, *sql.Conn) (func(), error) {
	return func() {}, nil
}

func (sqliteDialect) mergeJSON(a, b string) string {
	// json_patch removes keys whose value is null; empty strings become null.
	return fmt.Sprintf(`json_patch(%s, (SELECT json_group_object(key, CASE WHEN value = '' THEN NULL ELSE value END) FROM json_each(%s)))`, a, b)
}

func (sqliteDialect) concurrentWriters() bool { return false }

type postgresDialect struct{}

func (postgresDialect) name() string { return "postgres" }

func (postgresDialect) open(dsn string) (*sql.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	// As many kept idle as may be open: with fewer, a burst above the
	// idle count closed connections as requests finished and opened new
	// ones (a new backend process each) for the next.
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

func (postgresDialect) dollarPlaceholders() bool { return true }

func (postgresDialect) classify(err error) errKind {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return errUnique
		case "23503":
			return errForeignKey
		case "22021", "22P05":
			// A NUL or a byte sequence that is not UTF-8 in a parameter.
			// The domain refuses such text first; this keeps any path it
			// missed a clear refusal rather than an internal error.
			return errBadText
		}
	}
	return errOther
}

// migrationLockKey is an arbitrary constant naming Callsheet's advisory lock.
const migrationLockKey = 0x63616c6c

func (postgresDialect) lockMigrations(ctx context.Context, conn *sql.Conn) (func(), error) {
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLockKey); err != nil {
		return nil, err
	}
	return func() {
		conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, migrationLockKey)
	}, nil
}

func (postgresDialect) mergeJSON(a, b string) string {
	return fmt.Sprintf(`(SELECT COALESCE(jsonb_object_agg(key, value), '{}'::jsonb)::text FROM jsonb_each((%s)::jsonb || (%s)::jsonb) WHERE value <> '""'::jsonb)`, a, b)
}

func (postgresDialect) concurrentWriters() bool { return true }

// beginBulk shrinks the page caches for a bulk write (an import, a file
// upload). Bulk work walks its tables in order, so the operating system's
// file cache serves it as well as SQLite's own would, and small caches keep
// the process's memory flat however large the file: measured on the 1M-row
// import, the same time with 2 MB as with 64 MB.
func (sqliteDialect) beginBulk(ctx context.Context, tx *Tx) error {
	if _, err := tx.exec(ctx, `PRAGMA temp.cache_size = -4096`); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `PRAGMA main.cache_size = -8192`)
	return err
}

// endBulk gives the connection back the cache queries want.
func (sqliteDialect) endBulk(ctx context.Context, tx *Tx) error {
	_, err := tx.exec(ctx, `PRAGMA main.cache_size = `+sqliteCacheSize)
	return err
}

// beginBulk gives the transaction's sorts and hashes room to stay in
// memory: an import sorts and joins its million rows a few times.
func (postgresDialect) beginBulk(ctx context.Context, tx *Tx) error {
	_, err := tx.exec(ctx, `SET LOCAL work_mem = '64MB'`)
	return err
}
func (postgresDialect) endBulk(context.Context, *Tx) error { return nil }

// SQLite plans the staging tables well without statistics.
func (sqliteDialect) analyze(string) string { return `SELECT 1` }

func (postgresDialect) analyze(table string) string { return `ANALYZE ` + table }

// SQLite runs one writing transaction at a time. Two imports of an account
// may write their steps in turn: each step classifies its rows as the
// customers are then, whoever wrote them.
func (sqliteDialect) lockImports(context.Context, *Tx, int64) error { return nil }

// importLockSpace is the first key of the advisory locks of imports.
const importLockSpace = 0x696d70

func (postgresDialect) lockImports(ctx context.Context, tx *Tx, accountID int64) error {
	_, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock(?, ?)`, importLockSpace, int32(accountID))
	return err
}

// SQLite's writer is one at a time: a transaction holds it from BEGIN.
func (sqliteDialect) lockPhone(context.Context, *Tx, int64, string) error { return nil }

// A single add shares the account's import lock, so that any number run
// together but none while an import holds it, and takes the phone's lock,
// a 64-bit key (the one-key form, which never meets the two-key locks of
// the imports).
func (postgresDialect) lockPhone(ctx context.Context, tx *Tx, accountID int64, phone string) error {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s", accountID, phone)
	_, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock_shared(?, ?), pg_advisory_xact_lock(?)`, importLockSpace, int32(accountID), int64(h.Sum64()))
	return err
}
