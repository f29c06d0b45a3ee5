package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// snapshot is what a test reads back from a copy of the database.
type snapshot struct {
	customers int
	jobs      []string // states of the import jobs
}

func readSnapshot(t *testing.T, path string) snapshot {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var s snapshot
	if err := db.QueryRow(`SELECT count(*) FROM customers`).Scan(&s.customers); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	rows, err := db.Query(`SELECT state FROM import_jobs ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		rows.Scan(&st)
		s.jobs = append(s.jobs, st)
	}
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("%s: integrity check %q, %v", path, check, err)
	}
	return s
}

func runErr(args ...string) error {
	return run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{})
}

// TestBackupDuringImport takes backups again and again while an import
// writes 200,000 customers: every copy is whole and holds either none of
// the import's customers or all of them, and at least one was taken while
// the import was running. Restoring over a database that is open is
// refused; restoring copies to new paths gives back what they hold.
func TestBackupDuringImport(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 200,000 rows")
	}
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "cs.db")
	runOK(t, "account", "create", "--db", dbPath, "--name", "Acme", "--country", "IL", "--timezone", "Asia/Jerusalem")
	runOK(t, "campaign", "create", "--db", dbPath, "--account", "Acme", "--name", "Target")
	const rows = 200000
	upload := filepath.Join(dir, "upload.csv")
	writeLeads(t, upload, rows, 0)

	// While a server has the database open, even idle, a restore over it
	// is refused. A connection held by the test stands for the server, so
	// that the refusal does not depend on how fast the import runs.
	server, err := sql.Open("sqlite3", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.Exec(`SELECT count(*) FROM accounts`); err != nil {
		t.Fatal(err)
	}
	pre := filepath.Join(dir, "pre.db")
	runOK(t, "backup", "--db", dbPath, "--to", pre)
	if err := runErr("restore", "--db", dbPath, "--from", pre); err == nil || !strings.Contains(describe(err), "is in use") {
		t.Fatalf("restore over a database a server has open: %v", err)
	}
	server.Close()

	finished := make(chan struct{})
	var importErr error
	go func() {
		defer close(finished)
		var out, errb bytes.Buffer
		importErr = run(context.Background(), []string{"import", "--db", dbPath, "--account", "Acme", "--campaign", "Target", "--file", upload, "--json"}, &out, &errb)
		if importErr != nil {
			importErr = fmt.Errorf("%w\n%s", importErr, errb.String())
		}
	}()
	isRunning := func() bool {
		select {
		case <-finished:
			return false
		default:
			return true
		}
	}

	var backups []string
	mid, midCount := "", 0
	for running := true; running; {
		running = isRunning()
		path := filepath.Join(dir, fmt.Sprintf("backup-%d.db", len(backups)))
		out := runOK(t, "backup", "--db", dbPath, "--to", path)
		if !strings.Contains(out, "integrity check ok") {
			t.Fatalf("backup output %q", out)
		}
		backups = append(backups, path)
		s := readSnapshot(t, path)
		if s.customers != 0 && s.customers != rows {
			t.Fatalf("%s holds %d customers: part of an import of %d", path, s.customers, rows)
		}
		if len(s.jobs) == 1 && s.jobs[0] == "running" && s.customers == 0 {
			mid = path
			midCount++
		}
	}
	if importErr != nil {
		t.Fatalf("import: %v", importErr)
	}
	if mid == "" {
		t.Fatalf("none of %d backups was taken while the import ran (make the file larger)", len(backups))
	}
	t.Logf("%d backups, %d of them while the import ran", len(backups), midCount)
	last := backups[len(backups)-1]
	if s := readSnapshot(t, last); s.customers != rows || len(s.jobs) != 1 || s.jobs[0] != "done" {
		t.Fatalf("the backup after the import holds %+v", s)
	}
	if moved, _ := filepath.Glob(dbPath + ".before-restore-*"); len(moved) > 0 {
		t.Fatalf("the refused restore moved the database: %v", moved)
	}

	for _, tc := range []struct {
		from string
		want int
	}{{mid, 0}, {last, rows}} {
		to := filepath.Join(dir, "restored-"+filepath.Base(tc.from))
		out := runOK(t, "restore", "--db", to, "--from", tc.from)
		if !strings.Contains(out, fmt.Sprintf("customers: %d\n", tc.want)) {
			t.Fatalf("restore output %q", out)
		}
		if s := readSnapshot(t, to); s.customers != tc.want {
			t.Fatalf("restored %s holds %d customers, want %d", tc.from, s.customers, tc.want)
		}
		// The restored database opens as Callsheet's.
		if list := runOK(t, "account", "list", "--db", to); !strings.Contains(list, "Acme") {
			t.Fatalf("accounts of the restored database: %s", list)
		}
	}
}

// TestRestoreReplaces restores a backup over a database that has moved on
// since: the database is the backup again, the one replaced is kept, and
// a stale write-ahead log of the replaced database is not read into the
// restored one.
func TestRestoreReplaces(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "cs.db")
	runOK(t, "account", "create", "--db", dbPath, "--name", "Acme", "--country", "IL", "--timezone", "Asia/Jerusalem")
	backup := filepath.Join(dir, "b.db")
	runOK(t, "backup", "--db", dbPath, "--to", backup)
	runOK(t, "account", "create", "--db", dbPath, "--name", "Later", "--country", "IL", "--timezone", "Asia/Jerusalem")

	out := runOK(t, "restore", "--db", dbPath, "--from", backup)
	kept := strings.TrimSuffix(out[strings.Index(out, "kept as ")+len("kept as "):], ".\n")
	if !strings.HasPrefix(kept, dbPath+".before-restore-") {
		t.Fatalf("restore output %q", out)
	}
	if list := runOK(t, "account", "list", "--db", dbPath); strings.Contains(list, "Later") || !strings.Contains(list, "Acme") {
		t.Fatalf("accounts after the restore: %s", list)
	}
	if list := runOK(t, "account", "list", "--db", kept); !strings.Contains(list, "Later") {
		t.Fatalf("accounts of the database kept: %s", list)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(kept + suffix); err == nil {
			t.Fatalf("the database kept needs its %s file: it is not whole on its own", suffix)
		}
	}
}

// TestBackupRestoreRefuse checks what backup and restore refuse, and that
// a refusal says why.
func TestBackupRestoreRefuse(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "cs.db")
	runOK(t, "account", "create", "--db", dbPath, "--name", "Acme", "--country", "IL", "--timezone", "Asia/Jerusalem")
	backup := filepath.Join(dir, "b.db")
	runOK(t, "backup", "--db", dbPath, "--to", backup)
	before, _ := os.ReadFile(backup)

	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A newer Callsheet's backup: a migration this one does not know.
	newer := write("newer.db", before)
	if db, err := sql.Open("sqlite3", newer); err != nil {
		t.Fatal(err)
	} else {
		_, err = db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES ('9999_future.sql', 0)`)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	// A SQLite database of something else.
	other := filepath.Join(dir, "other.db")
	if db, err := sql.Open("sqlite3", other); err != nil {
		t.Fatal(err)
	} else {
		_, err = db.Exec(`CREATE TABLE notes (body TEXT)`)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	// A backup damaged in the middle: pages of a table overwritten.
	damaged := append([]byte(nil), before...)
	for i := len(damaged) / 2; i < len(damaged)/2+8192 && i < len(damaged); i++ {
		damaged[i] = 0xA5
	}
	damagedPath := write("damaged.db", damaged)

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"backup over an existing file", []string{"backup", "--db", dbPath, "--to", backup}, "already exists; choose another name, or add --force"},
		{"backup onto the database", []string{"backup", "--db", dbPath, "--to", dbPath, "--force"}, "is the database itself"},
		{"backup of no database", []string{"backup", "--db", filepath.Join(dir, "none.db"), "--to", filepath.Join(dir, "x.db")}, "There is no SQLite database"},
		{"backup without --to", []string{"backup", "--db", dbPath}, "--to is required"},
		{"backup of PostgreSQL", []string{"backup", "--db", "postgres://u@127.0.0.1:1/db", "--to", filepath.Join(dir, "x.db")}, "pg_dump"},
		{"restore of PostgreSQL", []string{"restore", "--db", "postgres://u@127.0.0.1:1/db", "--from", backup}, "pg_restore"},
		{"restore of a file that is not a database", []string{"restore", "--db", dbPath, "--from", write("junk.db", bytes.Repeat([]byte("not a database\n"), 500))}, "junk.db is not a SQLite database"},
		{"restore of an empty file", []string{"restore", "--db", dbPath, "--from", write("empty.db", nil)}, "not Callsheet's"},
		{"restore of another program's database", []string{"restore", "--db", dbPath, "--from", other}, "not Callsheet's"},
		{"restore of a newer schema", []string{"restore", "--db", dbPath, "--from", newer}, "written by a newer Callsheet: this one does not know its migrations 9999_future.sql"},
		{"restore of a damaged copy", []string{"restore", "--db", dbPath, "--from", damagedPath}, "damaged"},
		{"restore of a missing file", []string{"restore", "--db", dbPath, "--from", filepath.Join(dir, "none.db")}, "Cannot read the backup"},
		{"restore of the database onto itself", []string{"restore", "--db", dbPath, "--from", dbPath}, "is the database itself"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := runErr(tc.args...)
			if err == nil || !strings.Contains(describe(err), tc.want) {
				t.Fatalf("callsheet %s = %v; want an error saying %q", strings.Join(tc.args, " "), err, tc.want)
			}
		})
	}
	// Nothing refused touched the database or left files behind.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") || strings.Contains(e.Name(), "before-restore") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
	if list := runOK(t, "account", "list", "--db", dbPath); !strings.Contains(list, "Acme") {
		t.Fatalf("accounts after the refusals: %s", list)
	}
	// --force replaces an existing backup.
	runOK(t, "account", "create", "--db", dbPath, "--name", "Later", "--country", "IL", "--timezone", "Asia/Jerusalem")
	runOK(t, "backup", "--db", dbPath, "--to", backup, "--force")
	if s, _ := os.ReadFile(backup); bytes.Equal(s, before) {
		t.Fatal("--force did not replace the backup")
	}
}

// TestRestoreRefusedWhileServing restores onto a database a server has
// open and idle: refused, and the server's database is untouched.
func TestRestoreRefusedWhileServing(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "cs.db")
	runOK(t, "account", "create", "--db", dbPath, "--name", "Acme", "--country", "IL", "--timezone", "Asia/Jerusalem")
	backup := filepath.Join(dir, "b.db")
	runOK(t, "backup", "--db", dbPath, "--to", backup)

	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", dbPath, "--addr", "127.0.0.1:0"}, out, &syncBuffer{})
	}()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && !strings.Contains(out.String(), "running at"); time.Sleep(20 * time.Millisecond) {
	}
	if !strings.Contains(out.String(), "running at") {
		cancel()
		t.Fatalf("the server did not start: %q", out.String())
	}
	err := runErr("restore", "--db", dbPath, "--from", backup)
	cancel()
	if serr := <-done; serr != nil {
		t.Fatalf("serve: %v", serr)
	}
	if err == nil || !strings.Contains(describe(err), "is in use") {
		t.Fatalf("restore under a server: %v", err)
	}
	// Once the server has stopped, it goes through.
	runOK(t, "restore", "--db", dbPath, "--from", backup)
}
