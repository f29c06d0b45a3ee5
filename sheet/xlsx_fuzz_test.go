package sheet_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callsheet/callsheet/sheet"
)

// The parts of the workbook that FuzzReadXLSX wraps around the fuzzed
// sheet and shared strings. A fuzzer mutating a zip archive mostly breaks
// its checksums, so the archive is built around the XML that the reader
// parses.
const (
	fuzzContentTypes = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`
	fuzzRootRels     = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	fuzzWorkbookRels = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>` +
		`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`
	fuzzWorkbook = `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
		`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr%s/><sheets><sheet name="Leads" sheetId="1" r:id="rId1"/></sheets></workbook>`
	fuzzStyles = `<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		`<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy;@"/><numFmt numFmtId="165" formatCode="[h]:mm:ss"/></numFmts>` +
		`<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="22"/><xf numFmtId="164"/><xf numFmtId="165"/></cellXfs></styleSheet>`
	fuzzSheetHead = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	fuzzSheetTail = `</sheetData></worksheet>`
	fuzzSSTHead   = `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
	fuzzSSTTail   = `</sst>`
)

// FuzzReadXLSX checks that no sheet or shared strings make the XLSX reader
// panic or loop, that a refusal is a *FileError, that every record has one
// field per header column (a longer row is a *RowError), and that row
// numbers are positive. An input that starts as a zip archive is read
// as the whole workbook instead.
func FuzzReadXLSX(f *testing.F) {
	sst := `<si><t>Name</t></si><si><t xml:space="preserve">Phone </t></si><si><r><t>Dana </t></r><r><rPr><b/></rPr><t>Cohen</t></r><rPh sb="0" eb="1"><t>ダナ</t></rPh></si><si><t>דנה &amp; משה</t></si><si><t/></si>`
	for _, rows := range []string{
		`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>9.72521234567E+11</v></c></row>`,
		`<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c><c r="B1" t="inlineStr"><is><t>Phone</t></is></c><c r="C1" t="inlineStr"><is><t>Date</t></is></c></row>` +
			`<row r="3"><c r="A3" t="b"><v>1</v></c><c r="B3" t="str"><f>"05"&amp;"2"</f><v>052</v></c><c r="C3" t="d"><v>2026-12-25T14:30:00</v></c></row>`,
		`<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row><row><c><v>0.30000000000000004</v></c><c t="n"><v>-12.5</v></c><c t="e"><v>#N/A</v></c></row>`,
		`<row r="1"><c r="A1" t="s"><v>3</v></c><c r="C1" t="s"><v>4</v></c></row><row r="2"><c r="B2" s="1"><v>46016.6041666667</v></c><c r="C2" s="2"><v>46016.5</v></c><c r="D2" s="3"><v>1</v></c><c r="E2" s="4"><v>1.5</v></c></row>`,
		`<row r="1"><c r="XFD1" t="s"><v>0</v></c></row><row r="2"><c r="XFE2"><v>1</v></c></row><row r="1048576"><c r="A1048576" t="s"><v>99</v></c></row>`,
		`<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2"><v>1`,
		`<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Name</x:t></x:is></x:c></x:row><row r="2"><c r="A2" t="s"><v>-1</v></c><c r="B2" t="s"><v>1e9</v></c></row>`,
	} {
		f.Add([]byte(rows), []byte(sst), uint8(0))
		f.Add([]byte(rows), []byte(sst), uint8(1))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "files", "*.xlsx"))
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data, []byte(nil), uint8(0))
		}
	}
	f.Fuzz(func(t *testing.T, sheetXML, sst []byte, mode uint8) {
		data := sheetXML
		if !bytes.HasPrefix(sheetXML, []byte("PK\x03\x04")) {
			data = fuzzWorkbookZip(t, sheetXML, sst, mode)
		}
		tb, err := sheet.Open(bytes.NewReader(data), "fuzz.xlsx", sheet.ReadOptions{})
		if err != nil {
			var fe *sheet.FileError
			if !errors.As(err, &fe) || fe.Message == "" {
				t.Fatalf("Open = %v, want a *FileError", err)
			}
			return
		}
		defer tb.Close()
		header := tb.Header()
		if len(header) == 0 {
			t.Fatal("a table without header columns")
		}
		seen := map[string]bool{}
		for _, h := range header {
			if h == "" || seen[h] {
				t.Fatalf("header %q has an empty or repeated name", header)
			}
			seen[h] = true
		}
		last := 0 // the header's row comes before; data rows after it
		// Every row takes at least one start tag, hence a byte, so more
		// calls than bytes mean the reader is stuck.
		for calls := 0; ; calls++ {
			if calls > len(data)+2 {
				t.Fatalf("Next called %d times on %d bytes without the end", calls, len(data))
			}
			rec, err := tb.Next()
			if err == io.EOF {
				break
			}
			line := rec.Line
			var re *sheet.RowError
			var fe *sheet.FileError
			switch {
			case errors.As(err, &re):
				line = re.Line
				if re.Message == "" {
					t.Fatal("row error without a message")
				}
			case errors.As(err, &fe):
				// A damaged sheet stops the reading, with a message.
				if fe.Message == "" {
					t.Fatal("file error without a message")
				}
				return
			case err != nil:
				t.Fatalf("Next = %v", err)
			case len(rec.Fields) != len(header):
				t.Fatalf("row %d: %d fields for a header of %d", rec.Line, len(rec.Fields), len(header))
			}
			// Rows go forward: a sheet whose numbers repeat or go back
			// is refused as damaged.
			if line <= last {
				t.Fatalf("row %d after row %d", line, last)
			}
			last = line
		}
	})
}

// fuzzWorkbookZip builds a workbook whose only sheet holds rows and whose
// shared strings are sst; mode picks the 1904 date system and leaves the
// styles out.
func fuzzWorkbookZip(t *testing.T, rows, sst []byte, mode uint8) []byte {
	pr := ""
	if mode&1 != 0 {
		pr = ` date1904="1"`
	}
	parts := []struct{ name, text string }{
		{"[Content_Types].xml", fuzzContentTypes},
		{"_rels/.rels", fuzzRootRels},
		{"xl/_rels/workbook.xml.rels", fuzzWorkbookRels},
		{"xl/workbook.xml", strings.Replace(fuzzWorkbook, "%s", pr, 1)},
		{"xl/sharedStrings.xml", fuzzSSTHead + string(sst) + fuzzSSTTail},
		{"xl/worksheets/sheet1.xml", fuzzSheetHead + string(rows) + fuzzSheetTail},
	}
	if mode&2 == 0 {
		parts = append(parts, struct{ name, text string }{"xl/styles.xml", fuzzStyles})
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		// Stored, not deflated: the fuzzer's time goes to the reader.
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Store})
		if err == nil {
			_, err = io.WriteString(w, p.text)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
