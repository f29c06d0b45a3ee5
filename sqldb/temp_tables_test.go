package sqldb_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// On SQLite a connection keeps an import's temporary tables from one run
// to the next, emptied: the runs after its first change no schema (which
// would make the connection prepare every statement again), whether they
// are written in one step or several, applied or previewed.
func TestSQLiteImportsKeepTheirTables(t *testing.T) {
	db := sqldb.NewDB(filepath.Join(t.TempDir(), "cs.db"))
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f := storetest.NewFixture(t, db, "acme")
	camp := f.Campaign(t, "Leads")
	store := sqldb.NewImportStore(db)
	// One connection: every run and every check below is on it.
	db.SQL().SetMaxOpenConns(1)
	next := 0
	run := func(rows int, dry bool) {
		t.Helper()
		job := &callsheet.ImportJob{CampaignID: camp.ID, Source: "file", State: callsheet.ImportRunning,
			Options: callsheet.ImportOptions{Unique: callsheet.UniqueMove, DryRun: dry},
			Mapping: map[string]string{"name": "Name", "phone": "Phone"}}
		if err := store.CreateImportJob(f.AdminCtx, job, strings.NewReader("file")); err != nil {
			t.Fatal(err)
		}
		var in []*callsheet.ImportRow
		for i := 0; i < rows; i++ {
			next++
			in = append(in, &callsheet.ImportRow{Line: i + 2, Phone: fmt.Sprintf("+97252%07d", next), Name: "Noa"})
		}
		if _, err := store.RunImport(f.AdminCtx, job, &storetest.RowsSource{Rows: in}, true); err != nil {
			t.Fatal(err)
		}
	}
	schema := func() (version int64, rows int) {
		t.Helper()
		if err := db.SQL().QueryRow(`PRAGMA temp.schema_version`).Scan(&version); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"import_stage", "import_rows", "import_others", "import_invalid"} {
			var n int
			if err := db.SQL().QueryRow(`SELECT count(*) FROM temp.` + table).Scan(&n); err != nil {
				t.Fatalf("%s after a run: %v", table, err)
			}
			rows += n
		}
		return version, rows
	}

	run(3, false)
	first, left := schema()
	if left != 0 {
		t.Fatalf("a run left %d rows in its temporary tables", left)
	}
	run(5, false)
	run(4, true)
	db.ImportStepRows = 2 // in steps
	run(7, false)
	db.ImportStepRows = 0
	run(2, false)
	if v, left := schema(); v != first || left != 0 {
		t.Fatalf("after four more runs the temporary schema is at version %d (was %d), with %d rows left", v, first, left)
	}
}
