package sheet_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/callsheet/callsheet/sheet"
	"github.com/callsheet/callsheet/sheet/sheettest"
)

func readXLSX(t *testing.T, data []byte, opt sheet.ReadOptions) result {
	t.Helper()
	tb, err := sheet.Open(bytes.NewReader(data), "book.xlsx", opt)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer tb.Close()
	return readAll(t, tb)
}

func TestXLSXCells(t *testing.T) {
	header := `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>3</v></c></row>`
	tests := []struct {
		name  string
		cells string // the cells of row 2, in columns A to C
		want  []string
	}{
		{"shared, phone with exponent, formula",
			`<c r="A2" t="s"><v>2</v></c><c r="B2"><v>9.72521234567E+11</v></c><c r="C2"><f>B2*0+4</f><v>4</v></c>`,
			[]string{"Dana Cohen", "972521234567", "4"}},
		{"inline, rich inline, error",
			`<c r="A2" t="inlineStr"><is><t>Avi</t></is></c><c r="B2" t="inlineStr"><is><r><t>052-</t></r><r><t>1234567</t></r></is></c><c r="C2" t="e"><f>NA()</f><v>#N/A</v></c>`,
			[]string{"Avi", "052-1234567", ""}},
		{"boolean, formula string, ISO date",
			`<c r="A2" t="b"><v>1</v></c><c r="B2" t="str"><f>"05"&amp;"2"</f><v>052</v></c><c r="C2" t="d"><v>2026-12-25T14:30:00</v></c>`,
			[]string{"TRUE", "052", "25-12-2026 14:30"}},
		{"numbers",
			`<c r="A2"><v>0.30000000000000004</v></c><c r="B2" t="n"><v>-12.5</v></c><c r="C2"><v>5.0</v></c>`,
			[]string{"0.3", "-12.5", "5"}},
		{"missing cells and cells without reference",
			`<c r="B2"><v>1</v></c><c><v>2</v></c>`,
			[]string{"", "1", "2"}},
		{"Hebrew and entities, empty string, bad index",
			`<c r="A2" t="s"><v>4</v></c><c r="B2" t="s"><v>5</v></c><c r="C2" t="s"><v>99</v></c>`,
			[]string{"דנה & משה", "", ""}},
		{"dates by built-in style",
			`<c r="A2" s="1"><v>46381</v></c><c r="B2" s="2"><v>46381.604166666664</v></c><c r="C2" s="1" t="s"><v>0</v></c>`,
			[]string{"25-12-2026 00:00", "25-12-2026 14:30", "Name"}},
		{"dates by custom style",
			`<c r="A2" s="3"><v>46082</v></c><c r="B2" s="7"><v>46381.75</v></c><c r="C2" s="3"><v>46082.99999999</v></c>`,
			[]string{"01-03-2026 00:00", "25-12-2026 18:00", "02-03-2026 00:00"}},
		{"numbers by styles that are not dates",
			`<c r="A2" s="4"><v>1.5</v></c><c r="B2" s="5"><v>30</v></c><c r="C2" s="6"><v>1234.5</v></c>`,
			[]string{"1.5", "30", "1234.5"}},
		{"the 1900 leap year",
			`<c r="A2" s="1"><v>59</v></c><c r="B2" s="1"><v>60</v></c><c r="C2" s="1"><v>61</v></c>`,
			[]string{"28-02-1900 00:00", "29-02-1900 00:00", "01-03-1900 00:00"}},
		{"the first days",
			`<c r="A2" s="2"><v>1</v></c><c r="B2" s="2"><v>0.5</v></c><c r="C2" s="2"><v>-1</v></c>`,
			[]string{"01-01-1900 00:00", "00-01-1900 12:00", "-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readXLSX(t, sheettest.XLSX(t, header+`<row r="2">`+tt.cells+`</row>`, ""), sheet.ReadOptions{})
			want := []item{{Line: 2, Fields: tt.want}}
			if !reflect.DeepEqual(got.Items, want) {
				t.Errorf("items = %+v, want %+v", got.Items, want)
			}
		})
	}
}

func TestXLSX1904(t *testing.T) {
	rows := `<row r="1"><c r="A1" t="inlineStr"><is><t>When</t></is></c></row>` +
		`<row r="2"><c r="A2" s="2"><v>0</v></c></row><row r="3"><c r="A3" s="2"><v>44926.25</v></c></row>`
	for _, pr := range []string{` date1904="1"`, ` date1904="true"`} {
		got := readXLSX(t, sheettest.XLSX(t, rows, pr), sheet.ReadOptions{})
		want := []item{rec(2, "01-01-1904 00:00"), rec(3, "01-01-2027 06:00")}
		if !reflect.DeepEqual(got.Items, want) {
			t.Errorf("%s: items = %+v, want %+v", pr, got.Items, want)
		}
	}
}

func TestXLSXRows(t *testing.T) {
	rows := `<row r="2" spans="1:4"><c r="A2" s="1"/></row>` + // blank: a styled empty cell
		`<row r="3"><c r="B3" t="s"><v>0</v></c><c r="D3" t="s"><v>1</v></c><c r="F3" s="2"/></row>` +
		`<row r="4"><c r="B4" t="inlineStr"><is><t>Dana</t></is></c></row>` +
		`<row r="7"><c r="A7" t="inlineStr"><is><t>x</t></is></c><c r="E7" t="inlineStr"><is><t>too far</t></is></c></row>` +
		`<row><c r="C8" t="inlineStr"><is><t>   </t></is></c></row>` +
		`<row><c r="D9"><v>1</v></c><c r="E9" t="inlineStr"><is><t> </t></is></c></row>` +
		`<row r="10"><c r="XFE10"><v>1</v></c></row>` +
		`<row r="11"><c r="A11" t="inlineStr"><is><t>last</t></is></c></row>`
	got := readXLSX(t, sheettest.XLSX(t, rows, ""), sheet.ReadOptions{})
	if want := []string{"Column 1", "Name", "Column 3", "Phone"}; !reflect.DeepEqual(got.Header, want) {
		t.Errorf("Header = %q, want %q", got.Header, want)
	}
	want := []item{
		rec(4, "", "Dana", "", ""),
		rowErr(7, "", "Row has 5 fields but the header has 4."),
		rec(9, "", "", "", "1"),
		rowErr(10, "", "Row has cells beyond the last Excel column."),
		rec(11, "last", "", "", ""),
	}
	if !reflect.DeepEqual(got.Items, want) {
		t.Errorf("items:\n got %+v\nwant %+v", got.Items, want)
	}
}

func TestXLSXSheets(t *testing.T) {
	data := sheettest.XLSX(t, `<row r="1"><c r="A1" t="inlineStr"><is><t>Lead</t></is></c></row>`, "")
	for _, name := range []string{"Other", " other "} {
		got := readXLSX(t, data, sheet.ReadOptions{Sheet: name})
		if got.Info.Sheet != "Other" || got.Header[0] != "Other" {
			t.Errorf("Sheet %q: info %+v, header %q", name, got.Info, got.Header)
		}
	}
	_, err := sheet.Open(bytes.NewReader(data), "book.xlsx", sheet.ReadOptions{Sheet: "Missing"})
	var fe *sheet.FileError
	if !errors.As(err, &fe) || !strings.Contains(fe.Message, `"Leads", "Other"`) {
		t.Errorf("Open of a missing sheet = %v, want a *FileError listing the sheets", err)
	}
}

func TestXLSXRefuses(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty sheet", sheettest.XLSX(t, `<row r="1"/><row r="2"><c r="A2" s="1"/></row>`, ""), "empty"},
		{"not a workbook", sheettest.Zip(t, map[string]string{"content.xml": "<a/>"}), "not an Excel workbook"},
		{"damaged workbook part", sheettest.Zip(t, map[string]string{"xl/workbook.xml": "<workbook><sheets><sheet"}), "damaged"},
		{"no sheets", sheettest.Zip(t, map[string]string{"xl/workbook.xml": "<workbook/>"}), "no sheets"},
		{"sheet part missing", sheettest.Zip(t, map[string]string{
			"xl/workbook.xml":            strings.Replace(sheettest.XLWorkbook, "%s", "", 1),
			"xl/_rels/workbook.xml.rels": sheettest.XLWorkbookRels,
		}), "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb, err := sheet.Open(bytes.NewReader(tt.data), "book.xlsx", sheet.ReadOptions{})
			if err == nil {
				tb.Close()
				t.Fatal("Open succeeded")
			}
			var fe *sheet.FileError
			if !errors.As(err, &fe) || !strings.Contains(fe.Message, tt.want) {
				t.Errorf("Open = %v, want a *FileError about %q", err, tt.want)
			}
		})
	}
}

// TestXLSXDamagedSheet checks that a sheet cut short stops reading with an
// error after the rows before the damage.
func TestXLSXDamagedSheet(t *testing.T) {
	parts := map[string]string{
		"xl/workbook.xml":            strings.Replace(sheettest.XLWorkbook, "%s", "", 1),
		"xl/_rels/workbook.xml.rels": sheettest.XLWorkbookRels,
		"xl/worksheets/sheet1.xml": sheettest.XLSheetHead + `<row r="1"><c t="inlineStr"><is><t>Name</t></is></c></row>` +
			`<row r="2"><c t="inlineStr"><is><t>Dana</t></is></c></row><row r="3"><c t="inlineStr"><is><t>Av`,
	}
	tb, err := sheet.Open(bytes.NewReader(sheettest.Zip(t, parts)), "book.xlsx", sheet.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	if r, err := tb.Next(); err != nil || r.Fields[0] != "Dana" {
		t.Fatalf("Next = %+v, %v", r, err)
	}
	_, err = tb.Next()
	var re *sheet.RowError
	if err == nil || err == io.EOF || errors.As(err, &re) {
		t.Errorf("Next = %v, want an error that stops reading", err)
	}
}

// TestXLSXPrefixedNamespace reads a sheet whose elements carry a namespace
// prefix, as some generators write.
func TestXLSXPrefixedNamespace(t *testing.T) {
	sheetXML := `<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>` +
		`<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Phone</x:t></x:is></x:c></x:row>` +
		`<x:row r="2"><x:c r="A2"><x:v>972521234567</x:v></x:c></x:row></x:sheetData></x:worksheet>`
	parts := map[string]string{
		"xl/workbook.xml":            strings.Replace(sheettest.XLWorkbook, "%s", "", 1),
		"xl/_rels/workbook.xml.rels": sheettest.XLWorkbookRels,
		"xl/worksheets/sheet1.xml":   sheetXML,
	}
	got := readXLSX(t, sheettest.Zip(t, parts), sheet.ReadOptions{})
	if want := []item{rec(2, "972521234567")}; !reflect.DeepEqual(got.Items, want) || got.Header[0] != "Phone" {
		t.Errorf("header %q, items %+v", got.Header, got.Items)
	}
}

// TestXLSXFromFile checks that an *os.File is read in place from its
// current offset, and that a spooled copy leaves nothing behind.
func TestXLSXFromFile(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	data := sheettest.XLSX(t, `<row r="1"><c t="inlineStr"><is><t>Name</t></is></c></row><row r="2"><c t="inlineStr"><is><t>Dana</t></is></c></row>`, "")

	name := filepath.Join(t.TempDir(), "upload")
	if err := os.WriteFile(name, append([]byte("junk!"), data...), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(5, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	tb, err := sheet.Open(f, "upload.xlsx", sheet.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, tb); len(got.records()) != 1 || got.records()[0].Fields[0] != "Dana" {
		t.Errorf("items = %+v", got.Items)
	}
	if err := tb.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Stat(); err != nil {
		t.Errorf("Close closed the caller's file: %v", err)
	}

	tb, err = sheet.Open(bytes.NewReader(data), "upload.xlsx", sheet.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, tb)
	if err := tb.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left in the temporary directory: %v", left)
	}
}

// TestXLSXLarge reads a sheet of many rows, made with the same parts.
func TestXLSXLarge(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>`)
	const n = 20000
	for i := 2; i <= n+1; i++ {
		b.WriteString(`<row><c t="s"><v>2</v></c><c><v>9.72521234567E+11</v></c></row>`)
	}
	got := readXLSX(t, sheettest.XLSX(t, b.String(), ""), sheet.ReadOptions{})
	recs := got.records()
	if len(recs) != n || recs[n-1].Line != n+1 || recs[n-1].Fields[1] != "972521234567" {
		t.Errorf("%d records, last %+v", len(recs), recs[len(recs)-1])
	}
}

// TestXLSXCellBounds checks the bounds that cost one row: a cell of more
// than 32,767 characters, even in small pieces, and a row of more than
// 1 MiB of text. The rows after them are read.
func TestXLSXCellBounds(t *testing.T) {
	header := `<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c><c r="B1" t="inlineStr"><is><t>Notes</t></is></c></row>`
	runs := strings.Repeat(`<r><t>`+strings.Repeat("x", 1000)+`</t></r>`, 33)
	// A value split by comments comes in many pieces, each small.
	split := strings.Repeat(strings.Repeat("1", 1000)+`<!---->`, 33)
	// Text that packs no better than real text does, so that the
	// workbook is not taken for a zip bomb.
	var wide strings.Builder
	x := uint32(1)
	for range 36 {
		wide.WriteString(`<c t="inlineStr"><is><t>`)
		for range 30000 {
			x = x*1664525 + 1013904223
			wide.WriteByte(byte('a' + x>>24%26))
		}
		wide.WriteString(`</t></is></c>`)
	}
	rows := header +
		`<row r="2"><c r="A2" t="inlineStr"><is><t>Dana</t></is></c><c r="B2" t="inlineStr"><is>` + runs + `</is></c></row>` +
		`<row r="3"><c r="A3" t="inlineStr"><is><t>Avi</t></is></c><c r="B3"><v>` + split + `</v></c></row>` +
		`<row r="4">` + wide.String() + `</row>` +
		`<row r="5"><c r="A5" t="inlineStr"><is><t>Noa</t></is></c><c r="B5" t="inlineStr"><is><t>` + strings.Repeat("z", 32767) + `</t></is></c></row>`
	got := readXLSX(t, sheettest.XLSX(t, rows, ""), sheet.ReadOptions{})
	want := []item{
		rowErr(2, "Notes", "Cell B2 holds more than 32,767 characters, the most a cell can hold."),
		rowErr(3, "Notes", "Cell B3 holds more than 32,767 characters, the most a cell can hold."),
		rowErr(4, "", "Row is too long: it has over 1 MiB of text."),
		rec(5, "Noa", strings.Repeat("z", 32767)),
	}
	if !reflect.DeepEqual(got.Items, want) {
		t.Errorf("items = %.300v\nwant %.300v", got.Items, want)
	}
}

// TestXLSXFileBounds checks the bounds that stop reading a workbook, with
// the message each gives.
func TestXLSXFileBounds(t *testing.T) {
	long := strings.Repeat("x", 40000)
	parts := func(sheetXML string) map[string]string {
		return map[string]string{
			"xl/workbook.xml":            strings.Replace(sheettest.XLWorkbook, "%s", "", 1),
			"xl/_rels/workbook.xml.rels": sheettest.XLWorkbookRels,
			"xl/worksheets/sheet1.xml":   sheettest.XLSheetHead + sheetXML + sheettest.XLSheetTail,
		}
	}
	entries := map[string]string{}
	for i := range 10001 {
		entries[fmt.Sprintf("xl/media/image%d.png", i)] = ""
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"header cell too long", sheettest.Zip(t, parts(`<row r="1"><c r="A1" t="inlineStr"><is><t>`+long+`</t></is></c></row>`)),
			`The header row of sheet "Leads" cannot be read: Cell A1 holds more than 32,767 characters`},
		{"comment too long", sheettest.Zip(t, parts(`<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c></row><!--`+strings.Repeat(long, 7)+`-->`)),
			`In the workbook's sheet "Leads", one piece of text or markup is longer than 256 KiB`},
		{"too many files", sheettest.Zip(t, entries), "The workbook's zip holds more than 10,000 files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb, err := sheet.Open(bytes.NewReader(tt.data), "book.xlsx", sheet.ReadOptions{})
			if err == nil {
				_, err = readToEnd(bytes.NewReader(tt.data), "book.xlsx")
				tb.Close()
			}
			var fe *sheet.FileError
			if !errors.As(err, &fe) || !strings.Contains(fe.Message, tt.want) {
				t.Errorf("reading = %v, want a *FileError saying %q", err, tt.want)
			}
		})
	}
}

// TestXLSXZipDirectory checks a directory that declares fewer entries than
// it holds: archive/zip would read every one of them.
func TestXLSXZipDirectory(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := range 100000 {
		if _, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("xl/media/image%06d.png", i), Method: zip.Store}); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	end := bytes.LastIndex(data, []byte("PK\x05\x06"))
	binary.LittleEndian.PutUint16(data[end+8:], 5)
	binary.LittleEndian.PutUint16(data[end+10:], 5)
	_, err := sheet.Open(bytes.NewReader(data), "book.xlsx", sheet.ReadOptions{})
	var fe *sheet.FileError
	if !errors.As(err, &fe) || !strings.Contains(fe.Message, "The workbook's zip directory is larger than 4 MiB") {
		t.Errorf("Open = %v, want a *FileError about the directory", err)
	}
}

// TestXLSXPartChecks checks that a part is read whether stored or
// deflated, and that one whose checksum does not match the zip directory
// stops reading.
func TestXLSXPartChecks(t *testing.T) {
	sheetXML := sheettest.XLSheetHead + `<row r="1"><c t="inlineStr"><is><t>Name</t></is></c></row><row r="2"><c t="inlineStr"><is><t>Dana</t></is></c></row>` + sheettest.XLSheetTail
	build := func(method uint16, crc func(uint32) uint32) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, text := range map[string]string{
			"xl/workbook.xml":            strings.Replace(sheettest.XLWorkbook, "%s", "", 1),
			"xl/_rels/workbook.xml.rels": sheettest.XLWorkbookRels,
		} {
			w, _ := zw.Create(name)
			io.WriteString(w, text)
		}
		var raw bytes.Buffer
		if method == zip.Deflate {
			fw, _ := flate.NewWriter(&raw, flate.DefaultCompression)
			io.WriteString(fw, sheetXML)
			fw.Close()
		} else {
			raw.WriteString(sheetXML)
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: method,
			CRC32: crc(crc32.ChecksumIEEE([]byte(sheetXML))), CompressedSize64: uint64(raw.Len()), UncompressedSize64: uint64(len(sheetXML))})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(raw.Bytes())
		zw.Close()
		return buf.Bytes()
	}
	same := func(c uint32) uint32 { return c }
	for _, method := range []uint16{zip.Store, zip.Deflate} {
		got := readXLSX(t, build(method, same), sheet.ReadOptions{})
		if want := []item{rec(2, "Dana")}; !reflect.DeepEqual(got.Items, want) {
			t.Errorf("method %d: items = %+v", method, got.Items)
		}
	}
	_, err := readToEnd(bytes.NewReader(build(zip.Deflate, func(c uint32) uint32 { return c + 1 })), "book.xlsx")
	var fe *sheet.FileError
	if !errors.As(err, &fe) || !strings.Contains(fe.Message, "its part xl/worksheets/sheet1.xml does not match what the zip directory says about it (its checksum differs)") {
		t.Errorf("reading = %v, want a *FileError about the checksum", err)
	}
}
