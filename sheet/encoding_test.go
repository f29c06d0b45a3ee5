package sheet_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/callsheet/callsheet/sheet"
)

func TestEncodings(t *testing.T) {
	want := []string{"utf-8", "utf-8-bom", "utf-16le", "utf-16be", "windows-1255", "iso-8859-8", "windows-1252"}
	got := sheet.Encodings()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Encodings() = %q, want %q", got, want)
	}
	got[0] = "changed"
	if sheet.Encodings()[0] != "utf-8" {
		t.Error("Encodings() shares its slice with callers")
	}
}

func TestDetectEncoding(t *testing.T) {
	win1255, _ := charmap.Windows1255.NewEncoder().String("שם,טלפון\r\nדנה כהן,052-123-4567\r\nמשה לוי – VIP,054\r\n")
	win1252, _ := charmap.Windows1252.NewEncoder().String("Name,Phone\r\nJosé Müller,+49 151\r\nConceição,+351\r\nCafé crème,+33\r\n")
	utf16be, _ := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().String("שם\tטלפון\r\nדנה\t052\r\n")
	utf16le, _ := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewEncoder().String("Name\tPhone\r\nדנה\t052\r\n")
	tests := []struct {
		name     string
		data     string
		encoding string
		header   []string
		first    []string
	}{
		{"ascii", "a,b\n1,2\n", "utf-8", []string{"a", "b"}, []string{"1", "2"}},
		{"utf-8", "שם,טלפון\nדנה,052\n", "utf-8", []string{"שם", "טלפון"}, []string{"דנה", "052"}},
		{"utf-8 bom", "\uFEFFשם,טלפון\nדנה,052\n", "utf-8-bom", []string{"שם", "טלפון"}, []string{"דנה", "052"}},
		{"windows-1255", win1255, "windows-1255", []string{"שם", "טלפון"}, []string{"דנה כהן", "052-123-4567"}},
		{"windows-1252", win1252, "windows-1252", []string{"Name", "Phone"}, []string{"José Müller", "+49 151"}},
		{"utf-16be bom", utf16be, "utf-16be", []string{"שם", "טלפון"}, []string{"דנה", "052"}},
		{"utf-16le without bom", utf16le, "utf-16le", []string{"Name", "Phone"}, []string{"דנה", "052"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readString(t, tt.data, sheet.ReadOptions{})
			if got.Info.Encoding != tt.encoding {
				t.Errorf("Encoding = %q, want %q", got.Info.Encoding, tt.encoding)
			}
			if !reflect.DeepEqual(got.Header, tt.header) {
				t.Errorf("Header = %q, want %q", got.Header, tt.header)
			}
			if recs := got.records(); len(recs) == 0 || !reflect.DeepEqual(recs[0].Fields, tt.first) {
				t.Errorf("records = %+v, want the first to be %q", recs, tt.first)
			}
		})
	}
}

// TestDetectUTF8CutByPeek puts a character across the end of the bytes
// that detection looks at: the file must still be taken for UTF-8.
func TestDetectUTF8CutByPeek(t *testing.T) {
	for shift := 1; shift <= 3; shift++ {
		head := "name,note\nx,"
		text := head + strings.Repeat("a", 64<<10-shift-len(head)) + "₪\nlast,row\n"
		got := readString(t, text, sheet.ReadOptions{})
		if got.Info.Encoding != "utf-8" {
			t.Errorf("shift %d: Encoding = %q, want utf-8", shift, got.Info.Encoding)
		}
		if len(got.rowErrors()) != 0 || len(got.records()) != 2 {
			t.Errorf("shift %d: items %.100v", shift, got.Items)
		}
	}
}

// TestLateInvalidUTF8 has a file that looks like UTF-8 in its first bytes
// but has a windows-1255 row further on.
func TestLateInvalidUTF8(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("Name,Phone,Notes\n")
	for b.Len() < 100<<10 {
		b.WriteString("Dana Cohen,052-123-4567,ok\n")
	}
	lines := bytes.Count(b.Bytes(), []byte("\n"))
	hebrew, _ := charmap.Windows1255.NewEncoder().Bytes([]byte("Avi,054,לחזור מחר\n"))
	b.Write(hebrew)
	b.WriteString("Noa,050,fine\n")

	got := readString(t, b.String(), sheet.ReadOptions{})
	if got.Info.Encoding != "utf-8" {
		t.Fatalf("Encoding = %q", got.Info.Encoding)
	}
	want := []item{{
		Line:   lines + 1,
		Column: "Notes",
		Error:  "The text is not valid UTF-8. Choose the file's encoding (for example windows-1255 for a Hebrew Excel file) and upload it again.",
	}}
	if errs := got.rowErrors(); !reflect.DeepEqual(errs, want) {
		t.Errorf("row errors = %+v, want %+v", errs, want)
	}
	recs := got.records()
	if last := recs[len(recs)-1]; last.Fields[0] != "Noa" || last.Line != lines+2 {
		t.Errorf("last record = %+v", last)
	}
}

// TestEncodingOverride reads the Hebrew Excel file with each encoding a
// user might choose.
func TestEncodingOverride(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "files", "excel-hebrew-windows-1255.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, enc := range []string{"windows-1255", "cp1255", "Hebrew", "iso-8859-8", "auto", ""} {
		t.Run("as "+enc, func(t *testing.T) {
			got := readString(t, string(data), sheet.ReadOptions{Encoding: enc})
			if got.Header[0] != "שם" || got.Header[1] != "שם משפחה" {
				t.Errorf("Header = %q", got.Header)
			}
			if n := len(got.records()); n != 8 {
				t.Errorf("%d records, want 8", n)
			}
		})
	}
	t.Run("as utf-8", func(t *testing.T) {
		got := readString(t, string(data), sheet.ReadOptions{Encoding: "utf8"})
		if got.Info.Encoding != "utf-8" {
			t.Errorf("Encoding = %q", got.Info.Encoding)
		}
		// The header is shown garbled, so the user sees what went wrong,
		// and every row, all of them Hebrew, is refused.
		if !strings.Contains(got.Header[0], "\uFFFD") {
			t.Errorf("Header = %q, want replacement characters", got.Header)
		}
		if n := len(got.records()); n != 0 {
			t.Errorf("%d records, want none", n)
		}
		errs := got.rowErrors()
		if len(errs) != 8 {
			t.Fatalf("%d row errors, want 8", len(errs))
		}
		for i, e := range errs {
			if e.Line != i+2 || !strings.Contains(e.Error, "windows-1255") || e.Column != got.Header[0] {
				t.Errorf("row error %d = %+v", i, e)
			}
		}
	})
	t.Run("as windows-1252", func(t *testing.T) {
		got := readString(t, string(data), sheet.ReadOptions{Encoding: "latin1"})
		if got.Info.Encoding != "windows-1252" || len(got.records()) != 8 {
			t.Errorf("Encoding %q, %d records", got.Info.Encoding, len(got.records()))
		}
		if got.Header[0] != "ùí" {
			t.Errorf("Header = %q, want the windows-1252 reading of the bytes", got.Header)
		}
	})
}

// TestExplicitEncodingBOM checks that a byte order mark matching the chosen
// encoding is dropped, and that one for another encoding is not taken as a
// hint over the user's choice.
func TestExplicitEncodingBOM(t *testing.T) {
	got := readString(t, "\uFEFFname\n1\n", sheet.ReadOptions{Encoding: "utf-8"})
	if got.Header[0] != "name" {
		t.Errorf("Header = %q", got.Header)
	}
	utf16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String("name\tphone\n1\t2\n")
	got = readString(t, utf16, sheet.ReadOptions{Encoding: "utf-16"})
	if !reflect.DeepEqual(got.Header, []string{"name", "phone"}) || got.Info.Encoding != "utf-16le" {
		t.Errorf("Header = %q, Encoding %q", got.Header, got.Info.Encoding)
	}
	got = readString(t, "\uFEFFname\n1\n", sheet.ReadOptions{Encoding: "windows-1252"})
	if got.Header[0] != "ï»¿name" {
		t.Errorf("Header = %q", got.Header)
	}
}

func TestUnknownEncoding(t *testing.T) {
	_, err := sheet.Open(strings.NewReader("a\n"), "x.csv", sheet.ReadOptions{Encoding: "ebcdic"})
	var fe *sheet.FileError
	if !errors.As(err, &fe) {
		t.Fatalf("Open = %v, want a *FileError", err)
	}
	for _, name := range sheet.Encodings() {
		if !strings.Contains(fe.Message, name) {
			t.Errorf("message %q does not list %s", fe.Message, name)
		}
	}
	if !slices.Contains(sheet.Encodings(), "windows-1255") {
		t.Error("windows-1255 missing")
	}
}
