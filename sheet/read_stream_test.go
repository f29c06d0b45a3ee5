package sheet_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/callsheet/callsheet/sheet"
)

// rowSource makes a CSV file of n rows as it is read, so that the test
// itself holds no more than one row of it.
type rowSource struct {
	n, next int
	buf     []byte
}

func newRowSource(n int) *rowSource {
	return &rowSource{n: n, buf: []byte("Name,Last Name,Phone,Email,Agent,Follow Up,Created,Source,Notes,CRM ID\r\n")}
}

func (s *rowSource) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		if s.next == s.n {
			return 0, io.EOF
		}
		s.next++
		s.buf = appendRow(s.buf[:0], s.next)
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

// appendRow appends a typical customer row: ten columns, one of them
// sometimes quoted.
func appendRow(b []byte, i int) []byte {
	b = append(b, "Dana,Cohen "...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, ",052-"...)
	b = strconv.AppendInt(b, int64(1000000+i%9000000), 10)
	b = append(b, ",dana"...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, "@example.com,Yossi,25-12-2026 14:30,01-03-2026 09:00,Facebook,"...)
	if i%10 == 0 {
		b = append(b, `"Called twice, said ""later"""`...)
	} else {
		b = append(b, "First call went well"...)
	}
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(i), 10)
	return append(b, "\r\n"...)
}

// liveHeap returns the bytes in use on the heap after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// readBounded reads a table to its end and fails if the live heap grows
// by more than limit after the first rows: reading must not keep what it
// has read.
func readBounded(t *testing.T, tb sheet.Table, wantRows int, limit uint64) {
	t.Helper()
	var base, peak uint64
	rows := 0
	for {
		_, err := tb.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("after %d rows: %v", rows, err)
		}
		rows++
		switch {
		case rows == 1000:
			base = liveHeap()
		case rows%(wantRows/8) == 0:
			peak = max(peak, liveHeap())
		}
	}
	if rows != wantRows {
		t.Fatalf("read %d rows, want %d", rows, wantRows)
	}
	t.Logf("base %d KiB, peak %d KiB", base>>10, peak>>10)
	if peak > base+limit {
		t.Errorf("live heap grew by %d KiB while reading, want at most %d KiB", (peak-base)>>10, limit>>10)
	}
}

func TestStreamingCSV(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 200,000 rows")
	}
	const rows = 200000
	t.Run("utf-8", func(t *testing.T) {
		tb, err := sheet.Open(newRowSource(rows), "big.csv", sheet.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer tb.Close()
		readBounded(t, tb, rows, 2<<20)
	})
	t.Run("utf-16", func(t *testing.T) {
		enc := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder()
		tb, err := sheet.Open(transform.NewReader(newRowSource(rows), enc), "big.txt", sheet.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer tb.Close()
		if tb.Info().Encoding != "utf-16le" {
			t.Fatalf("Encoding = %q", tb.Info().Encoding)
		}
		readBounded(t, tb, rows, 2<<20)
	})
}

// TestStreamingXLSX reads a sheet of many rows of inline strings: the
// sheet must be streamed, not loaded.
func TestStreamingXLSX(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 100,000 rows")
	}
	const rows = 100000
	name := filepath.Join(t.TempDir(), "big.xlsx")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for part, text := range map[string]string{
		"xl/workbook.xml":            `<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Big" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
	} {
		w, _ := zw.Create(part)
		io.WriteString(w, text)
	}
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	io.WriteString(w, `<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c><c r="B1" t="inlineStr"><is><t>Phone</t></is></c></row>`)
	for i := 2; i <= rows+1; i++ {
		fmt.Fprintf(w, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>Customer %d</t></is></c><c r="B%d"><v>9.7252%07dE+11</v></c></row>`, i, i, i, i, i)
	}
	io.WriteString(w, `</sheetData></worksheet>`)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	tb, err := sheet.Open(f, "big.xlsx", sheet.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	readBounded(t, tb, rows, 2<<20)
}

// BenchmarkReadCSV reads 100,000 typical rows from memory.
func BenchmarkReadCSV(b *testing.B) {
	const rows = 100000
	data, err := io.ReadAll(newRowSource(rows))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		tb, err := sheet.Open(bytes.NewReader(data), "bench.csv", sheet.ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := tb.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		tb.Close()
		if n != rows {
			b.Fatalf("%d rows, want %d", n, rows)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
