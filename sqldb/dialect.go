package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/mattn/go-sqlite3"
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
	// createStage and dropStage make and remove the import's staging
	// table in the transaction.
	createStage(ctx context.Context, tx *Tx) error
	dropStage(ctx context.Context, tx *Tx) error
	// updateInPlace reports whether classifying an import should update
	// the staged rows (cheap in SQLite) rather than copy them with their
	// outcomes (PostgreSQL writes a new version of each updated row).
	updateInPlace() bool
	// lockImports makes the account's imports run one at a time, until
	// the transaction ends: two imports of one campaign would otherwise
	// both find a phone new and both add it.
	lockImports(ctx context.Context, tx *Tx, accountID int64) error
	// newStager returns what writes staged rows into the table.
	newStager(tx *Tx, table string) rowStager
	// analyze returns a statement that gathers the table's statistics, or
	// a statement that does nothing where the engine needs none.
	analyze(table string) string
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

func (sqliteDialect) name() string { return "sqlite" }

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
	db, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
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
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
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

// stageTable is the staging table of an import: the rows as read.
const stageTable = `(
	line         BIGINT PRIMARY KEY,
	phone        TEXT NOT NULL,
	name         TEXT NOT NULL,
	last_name    TEXT NOT NULL,
	email        TEXT NOT NULL,
	source       TEXT NOT NULL,
	note         TEXT NOT NULL,
	external_id  TEXT NOT NULL,
	agent_id     BIGINT,
	follow_up_at BIGINT,
	created_at   BIGINT,
	custom       TEXT NOT NULL
)`

// rowsTable is the staged rows with their outcomes, worked out by
// classification.
var rowsTable = strings.TrimSuffix(stageTable, "\n)") + `,
	outcome          TEXT,
	dup_of           BIGINT,
	existing_id      BIGINT,
	existing_allowed BIGINT,
	dnc_at           BIGINT,
	other_campaign   BOOLEAN NOT NULL DEFAULT FALSE,
	blocked          BOOLEAN NOT NULL DEFAULT FALSE
)`

// othersTable holds the customers of other campaigns that share a phone
// with a staged row, found in one pass and used by the move.
const othersTable = `(
	line        BIGINT NOT NULL,
	customer_id BIGINT NOT NULL,
	PRIMARY KEY (line, customer_id)
)`

// tempTables are the temporary tables of an import, with their columns.
var tempTables = []struct{ name, cols string }{
	{"import_stage", stageTable}, {"import_rows", rowsTable}, {"import_others", othersTable},
}

func (sqliteDialect) createStage(ctx context.Context, tx *Tx) error {
	if err := (sqliteDialect{}).beginBulk(ctx, tx); err != nil {
		return err
	}
	for _, t := range tempTables {
		if _, err := tx.exec(ctx, `DROP TABLE IF EXISTS temp.`+t.name); err != nil {
			return err
		}
		// INTEGER PRIMARY KEY, not BIGINT: only that spelling makes the
		// line the table's rowid instead of an extra index.
		if _, err := tx.exec(ctx, `CREATE TEMP TABLE `+t.name+` `+strings.Replace(t.cols, "BIGINT PRIMARY KEY", "INTEGER PRIMARY KEY", 1)); err != nil {
			return err
		}
	}
	return nil
}

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

func (sqliteDialect) dropStage(ctx context.Context, tx *Tx) error {
	if err := (sqliteDialect{}).endBulk(ctx, tx); err != nil {
		return err
	}
	for _, t := range tempTables {
		if _, err := tx.exec(ctx, `DROP TABLE temp.`+t.name); err != nil {
			return err
		}
	}
	return nil
}

func (postgresDialect) createStage(ctx context.Context, tx *Tx) error {
	if err := (postgresDialect{}).beginBulk(ctx, tx); err != nil {
		return err
	}
	for _, t := range tempTables {
		if _, err := tx.exec(ctx, `DROP TABLE IF EXISTS pg_temp.`+t.name); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `CREATE TEMP TABLE `+t.name+` `+t.cols+` ON COMMIT DROP`); err != nil {
			return err
		}
	}
	return nil
}

// The table goes with the commit.
func (postgresDialect) dropStage(context.Context, *Tx) error { return nil }

// SQLite plans the staging tables well without statistics.
func (sqliteDialect) analyze(string) string { return `SELECT 1` }

func (postgresDialect) analyze(table string) string { return `ANALYZE ` + table }

func (sqliteDialect) updateInPlace() bool   { return true }
func (postgresDialect) updateInPlace() bool { return false }

// SQLite runs one writing transaction at a time anyway.
func (sqliteDialect) lockImports(context.Context, *Tx, int64) error { return nil }

// importLockSpace is the first key of the advisory locks of imports.
const importLockSpace = 0x696d70

func (postgresDialect) lockImports(ctx context.Context, tx *Tx, accountID int64) error {
	_, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock(?, ?)`, importLockSpace, int32(accountID))
	return err
}

func (sqliteDialect) newStager(tx *Tx, table string) rowStager { return newValuesStager(tx, table) }

// PostgreSQL stages with one INSERT ... SELECT FROM unnest of an array per
// column: a few parameters for thousands of rows, instead of twelve a row.
func (postgresDialect) newStager(tx *Tx, table string) rowStager {
	return &arrayStager{tx: tx, q: `INSERT INTO ` + table + ` (` + stageColumns + `) SELECT * FROM unnest(?::bigint[], ?::text[], ?::text[],
		?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[])`}
}

// arrayRows is how many rows one unnest INSERT stages.
const arrayRows = 5000

type arrayStager struct {
	tx                                                  *Tx
	q                                                   string
	line                                                []int64
	phone, name, last, email, source, note, ext, custom []string
	agent, followUp, created                            []*int64
}

func (a *arrayStager) add(ctx context.Context, row *callsheet.ImportRow) error {
	a.line = append(a.line, int64(row.Line))
	a.phone, a.name, a.last = append(a.phone, row.Phone), append(a.name, row.Name), append(a.last, row.LastName)
	a.email, a.source, a.note = append(a.email, row.Email), append(a.source, row.Source), append(a.note, row.Note)
	a.ext, a.custom = append(a.ext, row.ExternalID), append(a.custom, encodeCustom(row.Custom, false))
	a.agent = append(a.agent, optInt(row.AgentID))
	a.followUp, a.created = append(a.followUp, optMicros(row.FollowUpAt)), append(a.created, optMicros(row.CreatedAt))
	if len(a.line) == arrayRows {
		return a.flush(ctx)
	}
	return nil
}

func (a *arrayStager) flush(ctx context.Context) error {
	if len(a.line) == 0 {
		return nil
	}
	_, err := a.tx.exec(ctx, a.q, a.line, a.phone, a.name, a.last, a.email, a.source, a.note, a.ext, a.agent, a.followUp, a.created, a.custom)
	a.line, a.phone, a.name, a.last, a.email = a.line[:0], a.phone[:0], a.name[:0], a.last[:0], a.email[:0]
	a.source, a.note, a.ext, a.custom = a.source[:0], a.note[:0], a.ext[:0], a.custom[:0]
	a.agent, a.followUp, a.created = a.agent[:0], a.followUp[:0], a.created[:0]
	return err
}

func (a *arrayStager) close() {}

func optInt(v int64) *int64 {
	if v == 0 {
		return nil
	}
	return &v
}

func optMicros(t *time.Time) *int64 {
	if t == nil || t.IsZero() {
		return nil
	}
	v := t.UnixMicro()
	return &v
}
