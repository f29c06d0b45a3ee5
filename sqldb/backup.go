package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/mattn/go-sqlite3"
)

// BackupInfo describes a copy of a SQLite database, as checked after it was
// written: what an operator wants to see before trusting it.
type BackupInfo struct {
	Path   string
	Size   int64  // bytes
	Schema string // the last migration applied, such as 0004_rate_limits.sql

	Accounts  int64
	Campaigns int64
	Customers int64
	Imports   int64
}

// RestoreInfo says what a restore did.
type RestoreInfo struct {
	BackupInfo
	// Previous is where the database that was replaced was kept, or ""
	// when there was none.
	Previous string
}

// BackupSQLite writes a consistent copy of the SQLite database dsn to dst.
//
// The copy is made with VACUUM INTO, which reads one snapshot of the
// database: in WAL mode it neither waits for nor blocks a server or an
// import writing at the same time, and it holds everything committed
// before it began and nothing after; of an import that was writing its
// steps then, what it had written is taken back in the copy. It is written to a temporary file
// beside dst, checked (integrity, schema, counts), synced, and only then
// renamed to dst, so dst is either the old file or a whole checked copy.
// An existing dst is an error unless overwrite is set.
//
// The database is opened as it is, without migrating it: a backup taken
// before an upgrade must hold the schema from before the upgrade.
func BackupSQLite(ctx context.Context, dsn, dst string, overwrite bool) (*BackupInfo, error) {
	if IsPostgresDSN(dsn) {
		return nil, callsheet.Errorf(callsheet.EINVALID, "A PostgreSQL database is backed up with pg_dump (and, for point-in-time recovery, with WAL archiving); see Backups in the README.")
	}
	src := sqliteFile(dsn)
	if _, err := os.Stat(src); err != nil {
		return nil, callsheet.Errorf(callsheet.EINVALID, "There is no SQLite database at %s (%v).", src, errors.Unwrap(err))
	}
	dst, err := filepath.Abs(dst)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(dst); err == nil {
		if sameFile(src, dst) {
			return nil, callsheet.Errorf(callsheet.EINVALID, "%s is the database itself; write the backup to another file.", dst)
		}
		if !overwrite {
			return nil, callsheet.Errorf(callsheet.ECONFLICT, "%s already exists; choose another name, or add --force to replace it.", dst)
		}
		if !st.Mode().IsRegular() {
			return nil, callsheet.Errorf(callsheet.EINVALID, "%s is not a regular file.", dst)
		}
	}

	db, err := sql.Open("sqlite3", sqliteURI(src, url.Values{"mode": {"rw"}, "_busy_timeout": {"30000"}}))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := isCallsheetDB(ctx, db, src); err != nil {
		return nil, err
	}

	tmp, err := tempBeside(dst)
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp) // a no-op once renamed
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return nil, fmt.Errorf("sqldb: backup of %s: %w", src, err)
	}
	if err := takeBackInCopy(ctx, tmp); err != nil {
		return nil, fmt.Errorf("sqldb: the backup written: %w", err)
	}
	info, err := checkCopy(ctx, tmp, dst)
	if err != nil {
		return nil, fmt.Errorf("sqldb: the backup written is not sound: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return nil, err
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return nil, err
	}
	info.Path = dst
	return info, nil
}

// takeBackInCopy takes back, in the copy, what imports running when it
// was taken had written in steps (import_steps.go), so that the copy holds
// nothing of an import still running; their jobs stay running, and run
// again when a server starts on the copy. A copy whose schema predates
// imports in steps has nothing to take back.
func takeBackInCopy(ctx context.Context, path string) error {
	cp := NewDB(path)
	sdb, err := cp.dialect.open(path)
	if err != nil {
		return err
	}
	defer sdb.Close()
	cp.db = sdb
	var steps bool
	if err := sdb.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pragma_table_info('import_jobs') WHERE name = 'applying_at')`).Scan(&steps); err != nil {
		return err
	}
	if !steps {
		return nil
	}
	return NewImportStore(cp).takeBackCut(ctx)
}

// RestoreSQLite replaces the SQLite database dsn with the copy at src, and
// keeps the database it replaces beside it as <name>.before-restore-<time>.
//
// The copy is first copied beside the database and checked there (it is a
// SQLite database, whole, with Callsheet's schema, none of it newer than
// this program), so that what is checked is what is put in place. An
// older schema is fine: the server migrates it when it starts.
//
// No server may be using the database: renaming a file under a running
// server would leave it writing to the old file, and its write-ahead log
// would be read into the new one. See lockUnused for how that is known.
func RestoreSQLite(ctx context.Context, src, dsn string, now time.Time) (*RestoreInfo, error) {
	if IsPostgresDSN(dsn) {
		return nil, callsheet.Errorf(callsheet.EINVALID, "A PostgreSQL database is restored with pg_restore or psql from a pg_dump; see Backups in the README.")
	}
	target, err := filepath.Abs(sqliteFile(dsn))
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(src)
	if err != nil {
		return nil, callsheet.Errorf(callsheet.EINVALID, "Cannot read the backup %s (%v).", src, errors.Unwrap(err))
	}
	if !st.Mode().IsRegular() {
		return nil, callsheet.Errorf(callsheet.EINVALID, "The backup %s is not a regular file.", src)
	}
	if sameFile(src, target) {
		return nil, callsheet.Errorf(callsheet.EINVALID, "%s is the database itself.", src)
	}
	// Committed transactions of a database in use may still be in its
	// log, which a copy of the main file alone would lose.
	if wal, err := os.Stat(src + "-wal"); err == nil && wal.Size() > 0 {
		return nil, callsheet.Errorf(callsheet.EINVALID, "%s has a write-ahead log beside it (%s-wal): it is a database in use, or was not closed cleanly, not a backup. Make a backup of it with callsheet backup and restore that.", src, src)
	}

	tmp, err := tempBeside(target)
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp) // a no-op once renamed
	if err := copyFile(src, tmp); err != nil {
		return nil, err
	}
	info, err := checkCopy(ctx, tmp, src)
	if err != nil {
		return nil, err
	}
	if err := syncFile(tmp); err != nil {
		return nil, err
	}

	res := &RestoreInfo{BackupInfo: *info}
	res.Path = target
	if old, err := os.Stat(target); err == nil {
		// The restored file may be read by whoever could read the old one.
		if err := os.Chmod(tmp, old.Mode().Perm()); err != nil {
			return nil, err
		}
		unlock, err := lockUnused(ctx, target)
		if err != nil {
			return nil, err
		}
		defer unlock()
		res.Previous = freeName(target + ".before-restore-" + now.UTC().Format("20060102-150405"))
		if err := os.Rename(target, res.Previous); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	// A log or shared-memory file left without its database would be read
	// as the new database's.
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(target + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	if err := os.Rename(tmp, target); err != nil {
		return nil, err
	}
	if err := syncDir(filepath.Dir(target)); err != nil {
		return nil, err
	}
	return res, nil
}

// lockUnused makes sure no other connection has the database open, and
// keeps it so until unlock is called. Before returning, it folds the
// write-ahead log into the main file and leaves WAL mode, so that the file
// alone is the whole database, ready to be moved aside.
//
// A connection to a WAL database holds a shared lock on the database file
// from its first read until it closes, even while idle (that is how SQLite
// knows when the last one leaves). A connection in exclusive locking mode
// needs an exclusive lock on the file before it reads a WAL database, so
// its first read succeeds only when no other connection, in this process
// or another, is open: a running server keeps at least one open. A short
// busy timeout lets a command that is just finishing go first.
func lockUnused(ctx context.Context, path string) (unlock func(), err error) {
	db, err := sql.Open("sqlite3", sqliteURI(path, url.Values{"mode": {"rw"}, "_locking_mode": {"EXCLUSIVE"}, "_busy_timeout": {"2000"}}))
	if err != nil {
		return nil, err
	}
	// One connection, held: the lock lives as long as it does.
	db.SetMaxOpenConns(1)
	var conn *sql.Conn
	unlock = func() {
		if conn != nil {
			conn.Close()
		}
		db.Close()
	}
	fail := func(what string, err error) (func(), error) {
		unlock()
		if isBusy(err) {
			return nil, callsheet.Errorf(callsheet.ECONFLICT, "%s is in use: a server or another command has it open. Stop it, then restore.", path)
		}
		return nil, fmt.Errorf("sqldb: %s %s: %w", what, path, err)
	}
	if conn, err = db.Conn(ctx); err != nil {
		return fail("opening", err)
	}
	var mode string
	if err := conn.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return fail("reading", err)
	}
	// The first read takes the lock; this makes sure one has happened.
	if _, err := conn.ExecContext(ctx, `BEGIN EXCLUSIVE; SELECT count(*) FROM sqlite_master; COMMIT`); err != nil {
		return fail("locking", err)
	}
	if strings.EqualFold(mode, "wal") {
		if _, err := conn.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			return fail("checkpointing", err)
		}
		if err := conn.QueryRowContext(ctx, `PRAGMA journal_mode=DELETE`).Scan(&mode); err != nil {
			return fail("leaving WAL mode on", err)
		}
	}
	return unlock, nil
}

func isBusy(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked)
}

// checkCopy checks that the file at path is a whole Callsheet SQLite
// database that this program can run on, and leaves it a single file
// (rollback journal, not WAL), which is how a copy is carried around.
// Messages call the file name, the name the user knows it by.
func checkCopy(ctx context.Context, path, name string) (*BackupInfo, error) {
	db, err := sql.Open("sqlite3", sqliteURI(path, url.Values{"mode": {"rw"}}))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var mode string
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode=DELETE`).Scan(&mode); err != nil {
		return nil, notADatabase(name, err)
	}
	// integrity_check rather than quick_check: it also compares every index
	// with its table, and a restore is rare enough to afford it.
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check(20)`)
	if err != nil {
		return nil, notADatabase(name, err)
	}
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, err
		}
		problems = append(problems, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, notADatabase(name, err)
	}
	if len(problems) != 1 || problems[0] != "ok" {
		return nil, callsheet.Errorf(callsheet.EINVALID, "The SQLite database %s is damaged: %s", name, strings.Join(problems, "; "))
	}
	if err := isCallsheetDB(ctx, db, name); err != nil {
		return nil, err
	}

	known := map[string]bool{}
	entries, err := fs.ReadDir(migrationFS, "migrations/sqlite")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		known[e.Name()] = true
	}
	info := &BackupInfo{Path: path}
	vrows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, err
	}
	var unknown []string
	for vrows.Next() {
		var v string
		if err := vrows.Scan(&v); err != nil {
			vrows.Close()
			return nil, err
		}
		if !known[v] {
			unknown = append(unknown, v)
		}
		info.Schema = v
	}
	vrows.Close()
	if err := vrows.Err(); err != nil {
		return nil, err
	}
	if len(unknown) > 0 {
		return nil, callsheet.Errorf(callsheet.EINVALID, "%s was written by a newer Callsheet: this one does not know its migrations %s. Use that version (or a later one) to restore it.", name, strings.Join(unknown, ", "))
	}
	for _, c := range []struct {
		table string
		n     *int64
	}{{"accounts", &info.Accounts}, {"campaigns", &info.Campaigns}, {"customers", &info.Customers}, {"import_jobs", &info.Imports}} {
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM `+c.table).Scan(c.n); err != nil {
			return nil, callsheet.Errorf(callsheet.EINVALID, "%s lacks Callsheet's table %s (%v).", name, c.table, err)
		}
	}
	db.Close()
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	info.Size = st.Size()
	return info, nil
}

// isCallsheetDB checks for the table that every Callsheet database has
// from its first start.
func isCallsheetDB(ctx context.Context, db *sql.DB, path string) error {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n)
	if err != nil {
		return notADatabase(path, err)
	}
	if n == 0 {
		return callsheet.Errorf(callsheet.EINVALID, "%s is a SQLite database but not Callsheet's: it has no schema_migrations table.", path)
	}
	return nil
}

func notADatabase(path string, err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && (se.Code == sqlite3.ErrNotADB || se.Code == sqlite3.ErrCorrupt) {
		return callsheet.Errorf(callsheet.EINVALID, "%s is not a SQLite database, or is damaged (%v).", path, err)
	}
	return fmt.Errorf("sqldb: reading %s: %w", path, err)
}

// sqliteFile is the file a SQLite DSN names, read as the dialect reads it.
func sqliteFile(dsn string) string {
	path := strings.TrimPrefix(dsn, "sqlite://")
	path = strings.TrimPrefix(path, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return path
}

// sqliteURI is a file: URI for path with the given parameters, with the
// characters that URIs give a meaning escaped, so any file name works.
func sqliteURI(path string, params url.Values) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + esc + "?" + params.Encode()
}

// tempBeside creates an empty temporary file in the directory of path, so
// that renaming it to path is atomic. VACUUM INTO accepts an empty file.
func tempBeside(path string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// freeName returns name, or name with a number appended if it is taken.
func freeName(name string) string {
	out := name
	for i := 2; ; i++ {
		if _, err := os.Lstat(out); errors.Is(err, fs.ErrNotExist) {
			return out
		}
		out = fmt.Sprintf("%s-%d", name, i)
	}
}

func sameFile(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
