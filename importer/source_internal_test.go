package importer

import (
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
