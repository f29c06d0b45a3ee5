package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// import says which of the file's columns no field takes, in --json
// (unmatched_columns) and in its plain output, whether the columns were
// matched by their names or with --map; --report gives outcomes in words.
func TestImportUnmatchedColumns(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cs.db")
	runOK(t, "account", "create", "--db", db, "--name", "Acme", "--country", "IL", "--timezone", "Asia/Jerusalem")
	runOK(t, "campaign", "create", "--db", db, "--account", "Acme", "--name", "Spring")
	file := filepath.Join(dir, "leads.csv")
	if err := os.WriteFile(file, []byte("name,phone,עיר,budget\nAvi,052-623-4567,חיפה,5\nBad,050-123-4567,x,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "report.csv")
	args := []string{"import", "--db", db, "--account", "Acme", "--campaign", "Spring", "--file", file}

	var got struct {
		Applied          bool     `json:"applied"`
		Added            int      `json:"added"`
		UnmatchedColumns []string `json:"unmatched_columns"`
	}
	out := runOK(t, append(args, "--load-valid", "--json", "--report", report)...)
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !got.Applied || got.Added != 1 || !reflect.DeepEqual(got.UnmatchedColumns, []string{"עיר", "budget"}) {
		t.Fatalf("import --json: %s", out)
	}
	csv, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(csv), "\n3,Invalid,") || strings.Contains(string(csv), ",invalid,") {
		t.Errorf("--report does not give the outcome in words:\n%s", csv)
	}

	// With --map, a dry run: the columns left out are said as what would be.
	out = runOK(t, append(args, "--map", "name=name,phone=phone,note=budget", "--dry-run", "--load-valid")...)
	if !strings.Contains(out, "Would not be imported (no field takes them): עיר\n") {
		t.Errorf("plain output:\n%s", out)
	}
	out = runOK(t, append(args, "--map", "name=name,phone=phone,note=budget,source=עיר", "--dry-run", "--load-valid", "--json")...)
	got.UnmatchedColumns = nil
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.UnmatchedColumns == nil || len(got.UnmatchedColumns) != 0 {
		t.Errorf("every column matched: %s (%v)", out, err)
	}
}
