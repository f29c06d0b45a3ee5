package sheet_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/callsheet/callsheet/sheet"
)

// update regenerates the committed test files and the golden results.
var update = flag.Bool("update", false, "rewrite testdata/files and testdata/golden")

func TestMain(m *testing.M) {
	flag.Parse()
	if *update {
		if err := writeTestFiles(filepath.Join("testdata", "files")); err != nil {
			fmt.Fprintln(os.Stderr, "writing test files:", err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

// item is one result of Next: a record or a row error.
type item struct {
	Line   int      `json:"line"`
	Fields []string `json:"fields,omitempty"`
	Column string   `json:"column,omitempty"`
	Error  string   `json:"error,omitempty"`
}

// result is everything a table yields, for comparing with a golden file.
type result struct {
	Info   sheet.FileInfo `json:"info"`
	Header []string       `json:"header"`
	Items  []item         `json:"items"`
}

// readAll reads a table to its end, failing the test on an error that
// stops reading or on a record of the wrong width.
func readAll(t testing.TB, tb sheet.Table) result {
	t.Helper()
	res := result{Info: tb.Info(), Header: slices.Clone(tb.Header())}
	for {
		rec, err := tb.Next()
		if err == io.EOF {
			break
		}
		var re *sheet.RowError
		if errors.As(err, &re) {
			res.Items = append(res.Items, item{Line: re.Line, Column: re.Column, Error: re.Message})
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if len(rec.Fields) != len(res.Header) {
			t.Fatalf("line %d: %d fields for a header of %d", rec.Line, len(rec.Fields), len(res.Header))
		}
		res.Items = append(res.Items, item{Line: rec.Line, Fields: slices.Clone(rec.Fields)})
	}
	if _, err := tb.Next(); err != io.EOF {
		t.Fatalf("Next after the end = %v, want io.EOF", err)
	}
	return res
}

// openString opens text given in the test as a file of that name.
func openString(t testing.TB, text, name string, opt sheet.ReadOptions) sheet.Table {
	t.Helper()
	tb, err := sheet.Open(strings.NewReader(text), name, opt)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { tb.Close() })
	return tb
}

// readString opens and reads text in one go.
func readString(t testing.TB, text string, opt sheet.ReadOptions) result {
	t.Helper()
	return readAll(t, openString(t, text, "test.csv", opt))
}

// records returns the records of a result, leaving out the errors.
func (r result) records() []item {
	var out []item
	for _, it := range r.Items {
		if it.Error == "" {
			out = append(out, it)
		}
	}
	return out
}

// rowErrors returns the errors of a result, leaving out the records.
func (r result) rowErrors() []item {
	var out []item
	for _, it := range r.Items {
		if it.Error != "" {
			out = append(out, it)
		}
	}
	return out
}

// checkGolden compares a result with testdata/golden/name.json, or writes
// it with -update.
func checkGolden(t *testing.T, name string, got result) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".json")
	data, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, '\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(data, want) {
		t.Errorf("result differs from %s (run go test -update after checking the change):\n got: %s\nwant: %s", path, data, want)
	}
}
