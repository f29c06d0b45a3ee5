package sqldb_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet/sqldb"
)

// SQLite's connections do not copy the write-ahead log into the database
// as they commit (the commit would hold the writer meanwhile); the DB's
// checkpointer does, shortly after.
func TestSQLiteCheckpointsBesideTheWriter(t *testing.T) {
	defer sqldb.SetCheckpointEvery(time.Second)()
	path := filepath.Join(t.TempDir(), "cs.db")
	db := sqldb.NewDB(path)
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var auto int
	if err := db.SQL().QueryRow(`PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil || auto != 0 {
		t.Fatalf("a connection checkpoints every %d pages (%v), want never", auto, err)
	}
	size := func() int64 {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	before := size()
	tx, err := db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(context.Background(), `CREATE TABLE filler (v TEXT)`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(context.Background(), `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) INSERT INTO filler SELECT ? FROM n`, strings.Repeat("x", 400)); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// 8 MB written, well past SQLite's 1,000 pages: still in the log.
	if grown := size() - before; grown > 1<<20 {
		t.Fatalf("the commit copied %d bytes into the database", grown)
	}
	for deadline := time.Now().Add(10 * time.Second); size()-before < 8<<20; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the database grew by %d bytes in 10 s: the log was not checkpointed", size()-before)
		}
	}
}
