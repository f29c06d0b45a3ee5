package importer

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callsheet/callsheet/sheet"
)

// wideTable is a table of rows of a megabyte each.
type wideTable struct {
	n, rows int
	cell    string
	fields  []string
}

func (t *wideTable) Header() []string     { return []string{"Name", "Phone", "Notes"} }
func (t *wideTable) Info() sheet.FileInfo { return sheet.FileInfo{Format: "csv"} }
func (t *wideTable) Close() error         { return nil }
func (t *wideTable) Next() (sheet.Record, error) {
	if t.n == t.rows {
		return sheet.Record{}, io.EOF
	}
	t.n++
	t.fields = append(t.fields[:0], "Noa", "052-2000000", t.cell)
	return sheet.Record{Line: t.n + 1, Fields: t.fields}, nil
}

// The rows read ahead of the database are bounded in bytes, not only in
// number: with rows of a megabyte, a batch holds a few of them, not 1,024.
func TestSourceBatchesBoundedInBytes(t *testing.T) {
	table := &wideTable{rows: 100, cell: strings.Repeat("x", 1<<20)}
	m, err := sheet.NewRowMapper(table.Header(), map[string]string{"name": "Name", "phone": "Phone", "note": "Notes"}, sheet.Target{Region: "IL", Location: time.UTC}, false)
	if err != nil {
		t.Fatal(err)
	}
	src := &tableSource{table: table, mapper: m, rows: new(atomic.Int64)}
	src.start()
	defer src.close()
	b := <-src.batches
	if len(b.rows) == 0 || len(b.rows) > sourceBatchBytes>>20+1 {
		t.Fatalf("a batch of %d rows of 1 MiB", len(b.rows))
	}
}

// numberedTable serves rows whose phones and names follow their line, with
// a malformed row every 97 lines.
type numberedTable struct {
	n, rows int
	fields  []string
}

func (t *numberedTable) Header() []string     { return []string{"Name", "Phone"} }
func (t *numberedTable) Info() sheet.FileInfo { return sheet.FileInfo{Format: "csv"} }
func (t *numberedTable) Close() error         { return nil }
func (t *numberedTable) Next() (sheet.Record, error) {
	if t.n == t.rows {
		return sheet.Record{}, io.EOF
	}
	t.n++
	line := t.n + 1
	if line%97 == 0 {
		return sheet.Record{}, &sheet.RowError{Line: line, Message: "malformed"}
	}
	t.fields = append(t.fields[:0], fmt.Sprint("Name ", line), fmt.Sprintf("052-%07d", line))
	return sheet.Record{Line: line, Fields: t.fields}, nil
}

// Rows read ahead of the store come out in the file's order, each mapped
// as a mapper alone maps it, malformed rows in their place.
func TestSourceKeepsOrder(t *testing.T) {
	const rows = 10*sourceBatch + 17
	mapping := map[string]string{"name": "Name", "phone": "Phone"}
	target := sheet.Target{Region: "IL", Location: time.UTC}
	m, err := sheet.NewRowMapper([]string{"Name", "Phone"}, mapping, target, false)
	if err != nil {
		t.Fatal(err)
	}
	src := &tableSource{table: &numberedTable{rows: rows}, mapper: m, rows: new(atomic.Int64)}
	defer src.close()
	alone, _ := sheet.NewRowMapper([]string{"Name", "Phone"}, mapping, target, false)
	for line := 2; line <= rows+1; line++ {
		row, err := src.Next()
		if err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		if row.Line != line {
			t.Fatalf("got line %d, want %d", row.Line, line)
		}
		if line%97 == 0 {
			if row.Problem == nil {
				t.Fatalf("line %d: the malformed row is not reported", line)
			}
			continue
		}
		want := alone.Map(sheet.Record{Line: line, Fields: []string{fmt.Sprint("Name ", line), fmt.Sprintf("052-%07d", line)}})
		if row.Name != want.Name || row.Phone != want.Phone || (row.Problem == nil) != (want.Problem == nil) {
			t.Fatalf("line %d: %q %q (%v), want %q %q (%v)", line, row.Name, row.Phone, row.Problem, want.Name, want.Phone, want.Problem)
		}
	}
	if _, err := src.Next(); err != io.EOF {
		t.Fatalf("after the last row: %v", err)
	}
	if got := src.rows.Load(); got != rows {
		t.Fatalf("%d rows counted, want %d", got, rows)
	}
}
