package sheet_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/callsheet/callsheet/sheet"
)

// TestFiles reads each committed file as a user would upload it. The
// detected info and the header are spelled out here; the records and row
// errors are in testdata/golden.
func TestFiles(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		opt      sheet.ReadOptions
		golden   string
		info     sheet.FileInfo
		header   []string
		nRecords int
		errLines []int
	}{
		{
			name: "hebrew excel csv", file: "excel-hebrew-windows-1255.csv", golden: "excel-hebrew-windows-1255",
			info:     sheet.FileInfo{Format: "csv", Encoding: "windows-1255", Delimiter: ","},
			header:   []string{"שם", "שם משפחה", "טלפון", "נציג", "תאריך חזרה", "הערות"},
			nRecords: 8,
		},
		{
			name: "excel csv utf-8 with bom", file: "utf8-bom.csv", golden: "utf8-bom",
			info:     sheet.FileInfo{Format: "csv", Encoding: "utf-8-bom", Delimiter: ","},
			header:   []string{"Name", "Last Name", "Phone", "Email", "Agent", "Follow Up", "Notes"},
			nRecords: 5,
		},
		{
			name: "google sheets csv", file: "google-sheets.csv", golden: "google-sheets",
			info:     sheet.FileInfo{Format: "csv", Encoding: "utf-8", Delimiter: ","},
			header:   []string{"Full Name", "Phone Number", "Email Address", "Rep", "Created", "Source", "Notes"},
			nRecords: 6,
		},
		{
			name: "european semicolon csv", file: "semicolon.csv", golden: "semicolon",
			info:     sheet.FileInfo{Format: "csv", Encoding: "windows-1252", Delimiter: ";"},
			header:   []string{"Name", "Phone", "E-mail", "Agent", "Created", "Comments"},
			nRecords: 5,
		},
		{
			name: "excel unicode text", file: "excel-unicode.txt", golden: "excel-unicode",
			info:     sheet.FileInfo{Format: "tsv", Encoding: "utf-16le", Delimiter: "\t"},
			header:   []string{"Name", "Phone", "Email", "Agent", "Created", "Notes"},
			nRecords: 4,
		},
		{
			name: "xlsx first sheet", file: "customers.xlsx", golden: "customers",
			info:     sheet.FileInfo{Format: "xlsx", Sheet: "Customers", Sheets: []string{"Customers", "ארכיון"}},
			header:   []string{"Name", "Last Name", "Phone", "Email", "Agent", "Follow Up", "Created", "Notes", "Calls", "VIP"},
			nRecords: 4,
		},
		{
			name: "xlsx second sheet", file: "customers.xlsx", golden: "customers-archive",
			opt:      sheet.ReadOptions{Sheet: "ארכיון"},
			info:     sheet.FileInfo{Format: "xlsx", Sheet: "ארכיון", Sheets: []string{"Customers", "ארכיון"}},
			header:   []string{"Name", "Phone"},
			nRecords: 2,
		},
		{
			name: "broken csv", file: "broken.csv", golden: "broken",
			info:     sheet.FileInfo{Format: "csv", Encoding: "utf-8", Delimiter: ","},
			header:   []string{"Name", "Phone", "Email", "Agent", "Notes"},
			nRecords: 4,
			errLines: []int{3, 5, 9, 10},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "files", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			// Read through a plain reader, as an upload arrives, so that
			// XLSX goes through the spooled copy.
			tb, err := sheet.Open(struct{ *os.File }{f}, tt.file, tt.opt)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer tb.Close()
			got := readAll(t, tb)
			if !reflect.DeepEqual(got.Info, tt.info) {
				t.Errorf("Info = %#v, want %#v", got.Info, tt.info)
			}
			if !reflect.DeepEqual(got.Header, tt.header) {
				t.Errorf("Header = %q, want %q", got.Header, tt.header)
			}
			if n := len(got.records()); n != tt.nRecords {
				t.Errorf("%d records, want %d", n, tt.nRecords)
			}
			var errLines []int
			for _, e := range got.rowErrors() {
				errLines = append(errLines, e.Line)
			}
			if !reflect.DeepEqual(errLines, tt.errLines) {
				t.Errorf("row errors on lines %v, want %v", errLines, tt.errLines)
			}
			checkGolden(t, tt.golden, got)
		})
	}
}

// TestFilesDetails checks by hand the values that matter most in the
// golden results, so that a careless -update cannot hide a regression.
func TestFilesDetails(t *testing.T) {
	read := func(t *testing.T, file string, opt sheet.ReadOptions) result {
		t.Helper()
		f, err := os.Open(filepath.Join("testdata", "files", file))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		tb, err := sheet.Open(f, file, opt)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer tb.Close()
		return readAll(t, tb)
	}
	field := func(r result, i, col int) string { return r.records()[i].Fields[col] }

	t.Run("hebrew", func(t *testing.T) {
		r := read(t, "excel-hebrew-windows-1255.csv", sheet.ReadOptions{})
		want := item{Line: 2, Fields: []string{"דנה", "כהן", "052-623-4567", "יוסי", "25/12/2026 14:30", "לקוחה חמה"}}
		if got := r.records()[0]; !reflect.DeepEqual(got, want) {
			t.Errorf("first record = %+v, want %+v", got, want)
		}
		if got := field(r, 1, 5); got != "ביקש הצעת מחיר, לחזור בבוקר" {
			t.Errorf("quoted note = %q", got)
		}
		if got := field(r, 5, 1); got != `כ"ץ` {
			t.Errorf("doubled quote = %q", got)
		}
		if got := field(r, 6, 5); got != "הצעה: ₪1,200 לשנה" {
			t.Errorf("shekel sign = %q", got)
		}
	})
	t.Run("utf-8 bom multi-line note", func(t *testing.T) {
		r := read(t, "utf8-bom.csv", sheet.ReadOptions{})
		recs := r.records()
		if got, want := field(r, 1, 6), "Called twice, no answer. Said \"call after 5\"\nPrefers WhatsApp"; got != want {
			t.Errorf("note = %q, want %q", got, want)
		}
		if recs[1].Line != 3 || recs[2].Line != 5 {
			t.Errorf("lines = %d, %d, want 3 and 5 (the note takes two lines)", recs[1].Line, recs[2].Line)
		}
	})
	t.Run("google sheets trailing columns", func(t *testing.T) {
		r := read(t, "google-sheets.csv", sheet.ReadOptions{})
		if got := field(r, 1, 6); got != "" {
			t.Errorf("notes = %q", got)
		}
		if got := r.records()[5]; got.Line != 7 || got.Fields[0] != "Omer Katz" {
			t.Errorf("last record (no final line end) = %v", got)
		}
	})
	t.Run("windows-1252", func(t *testing.T) {
		r := read(t, "semicolon.csv", sheet.ReadOptions{})
		if got := field(r, 0, 0); got != "José Müller" {
			t.Errorf("name = %q", got)
		}
		if got := field(r, 3, 5); got != "Preço: 1.234,50 €" {
			t.Errorf("comment = %q", got)
		}
	})
	t.Run("utf-16", func(t *testing.T) {
		r := read(t, "excel-unicode.txt", sheet.ReadOptions{})
		if got := field(r, 0, 0); got != "דנה כהן" {
			t.Errorf("name = %q", got)
		}
		if got := field(r, 3, 5); got != "Two lines:\nfirst, second" {
			t.Errorf("note = %q", got)
		}
	})
	t.Run("xlsx values", func(t *testing.T) {
		r := read(t, "customers.xlsx", sheet.ReadOptions{})
		want := []item{
			{Line: 2, Fields: []string{"דנה", "כהן", "972526234567", "dana@example.com", "יוסי", "25-12-2026 14:30", "01-03-2026 00:00", "לקוחה חמה", "3", "TRUE"}},
			{Line: 3, Fields: []string{"Moshe", "Levi", "972547234567", "moshe@example.com", "Ronit", "01-01-2027 09:00", "02-03-2026 00:00", "Called twice, no answer", "0", "FALSE"}},
			{Line: 5, Fields: []string{"Avi", "Mizrahi", "052-623-4567", "avi@example.com", "יוסי", "", "03-03-2026 00:00", "Prefers email", "", ""}},
			{Line: 6, Fields: []string{"נועה", "פרץ", "526234567", "", "Ronit", "03-01-2027 16:15", "04-03-2026 00:00", "Formula in Calls", "5", ""}},
		}
		if got := r.records(); !reflect.DeepEqual(got, want) {
			t.Errorf("records:\n got %+v\nwant %+v", got, want)
		}
	})
	t.Run("broken", func(t *testing.T) {
		r := read(t, "broken.csv", sheet.ReadOptions{})
		var names []string
		for _, rec := range r.records() {
			names = append(names, rec.Fields[0])
		}
		if want := []string{"Dana Cohen", "Avi Mizrahi", "Yael Ben David", "Lior Shalom"}; !reflect.DeepEqual(names, want) {
			t.Errorf("good rows = %q, want %q", names, want)
		}
		errs := r.rowErrors()
		want := []item{
			{Line: 3, Column: "Name", Error: `A quoted value that starts on this line is never closed. Check for a stray quote (") in the row.`},
			{Line: 5, Error: "Row has 7 fields but the header has 5."},
			{Line: 9, Error: "Row has 3 fields but the header has 5."},
			{Line: 10, Column: "Notes", Error: `A quoted value on this line has text after its closing quote ("). Put the whole value in quotes and double any quote inside it.`},
		}
		if !reflect.DeepEqual(errs, want) {
			t.Errorf("errors:\n got %+v\nwant %+v", errs, want)
		}
	})
}

// TestFilesUpToDate checks that the committed files are what the generator
// writes, for the text formats, whose bytes do not depend on the time.
func TestFilesUpToDate(t *testing.T) {
	dir := t.TempDir()
	if err := writeTestFiles(dir); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".xlsx") {
			continue
		}
		want, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("testdata", "files", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("testdata/files/%s is out of date: run go test -update", e.Name())
		}
	}
}
