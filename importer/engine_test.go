package importer_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/importer"
	"github.com/callsheet/callsheet/sheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// engine is an import engine on a real database, with an account whose
// agents are those the test files name.
type engine struct {
	svc  *importer.Service
	f    *storetest.Fixture
	camp *callsheet.Campaign
}

func newEngine(t *testing.T, db *sqldb.DB, name string) *engine {
	t.Helper()
	f := storetest.NewFixture(t, db, name)
	for _, a := range []string{"Yossi", "Ronit", "יוסי", "רונית"} {
		f.Agent(t, a, false)
	}
	store := sqldb.NewImportStore(db)
	svc := importer.NewService(store, store, nil)
	svc.Accounts, svc.Users, svc.CustomFields = sqldb.NewAccountService(db), sqldb.NewUserService(db), sqldb.NewCustomFieldService(db)
	svc.Customers, svc.Statuses = sqldb.NewCustomerService(db), sqldb.NewStatusService(db)
	return &engine{svc: svc, f: f, camp: f.Campaign(t, "Files")}
}

// suggest maps a file's columns as the wizard would before a user looks.
func (e *engine) suggest(t *testing.T, path string) map[string]string {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	table, err := sheet.Open(fh, path, sheet.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer table.Close()
	m := map[string]string{}
	for field, col := range sheet.SuggestMapping(table.Header(), nil) {
		m[field] = table.Header()[col]
	}
	return m
}

// update rewrites the golden reports.
var update = flag.Bool("update", false, "rewrite testdata/reports")

// TestGoldenReports imports each real-looking file of the readers'
// testdata/files with the suggested mapping, loading the valid rows, and
// compares the counts, the mapping and the problem report with
// testdata/reports, on each engine: both must give the same report.
func TestGoldenReports(t *testing.T) { storetest.Each(t, testGoldenReports) }

func testGoldenReports(t *testing.T, db *sqldb.DB) {
	// Rows without a creation date are created now: fix now.
	db.Now = func() time.Time { return time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) }
	files, err := filepath.Glob("../sheet/testdata/files/*")
	if err != nil || len(files) < 6 {
		t.Fatalf("files: %v %v", files, err)
	}
	for i, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			e := newEngine(t, db, fmt.Sprintf("golden%d", i))
			mapping := e.suggest(t, path)
			fh, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			job := &callsheet.ImportJob{CampaignID: e.camp.ID, FileName: name, Mapping: mapping,
				Options: callsheet.ImportOptions{LoadValid: true}}
			res, err := e.svc.RunNow(e.f.AdminCtx, job, fh, nil)
			if err != nil {
				t.Fatal(err)
			}
			var report bytes.Buffer
			if err := e.svc.WriteProblemReport(e.f.AdminCtx, job.ID, callsheet.ReportForPrograms, &report); err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			keys := make([]string, 0, len(mapping))
			for k := range mapping {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			fmt.Fprintln(&got, "# mapping")
			for _, k := range keys {
				fmt.Fprintf(&got, "%s = %s\n", k, mapping[k])
			}
			counts, _ := json.MarshalIndent(res.Counts, "", "  ")
			fmt.Fprintf(&got, "# counts\n%s\n# problem report\n%s", counts, report.String())
			// The customers written, as an export shows them.
			var export bytes.Buffer
			if err := e.svc.Export(e.f.AdminCtx, e.camp.ID, "csv", &export); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&got, "# export\n%s", export.String())

			golden := filepath.Join("testdata", "reports", name+".golden")
			if *update {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got.String() != string(want) {
				t.Errorf("report differs from %s (run with -update after checking):\n%s", golden, diffLines(string(want), got.String()))
			}
			if res.Counts.Total != res.Counts.Added+res.Counts.Invalid+res.Counts.DuplicateInFile {
				t.Errorf("counts do not add up: %+v", res.Counts)
			}
		})
	}
}

// diffLines shows the first lines that differ.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)) && b.Len() < 2000; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d\n  want: %s\n  got:  %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}
