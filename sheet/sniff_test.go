package sheet_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/callsheet/callsheet/sheet"
	"github.com/callsheet/callsheet/sheet/sheettest"
)

// encodeUTF16 encodes text as UTF-16 in the given order, with or without
// a byte order mark.
func encodeUTF16(text string, order binary.AppendByteOrder, bom bool) []byte {
	var b []byte
	units := utf16.Encode([]rune(text))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	for _, u := range units {
		b = order.AppendUint16(b, u)
	}
	return b
}

// TestOpenRefusesWhatIsNotText: a file that is not text is refused by the
// reader whatever format is asked for, with its name and what it looks
// like, so that its bytes never reach the mapping table.
func TestOpenRefusesWhatIsNotText(t *testing.T) {
	for _, tt := range sheettest.NotCustomerFiles(t) {
		for _, format := range []string{"", "csv", "tsv", "xlsx"} {
			t.Run(tt.Name+"/"+format, func(t *testing.T) {
				tb, err := sheet.Open(bytes.NewReader(tt.Data), tt.File, sheet.ReadOptions{Format: format})
				if err == nil {
					tb.Close()
					t.Fatalf("Open read %s as %s: %q", tt.File, tb.Info().Format, tb.Header())
				}
				var fe *sheet.FileError
				if !errors.As(err, &fe) || !strings.HasPrefix(fe.Message, tt.File+" looks like "+tt.Want) {
					t.Errorf("Open = %v, want a *FileError saying %q", err, tt.File+" looks like "+tt.Want)
				}
			})
		}
	}
}

// TestRefusalMessage spells out the whole message, with the name as the
// user knows it.
func TestRefusalMessage(t *testing.T) {
	data := sheettest.PNG(t)
	for name, want := range map[string]string{
		"photo.png":              "photo.png looks like a PNG image, not a customer file. Upload a CSV, TSV or XLSX file.",
		`C:\fakepath\photo.png`:  "photo.png looks like a PNG image, not a customer file. Upload a CSV, TSV or XLSX file.",
		"uploads/2026/photo.png": "photo.png looks like a PNG image, not a customer file. Upload a CSV, TSV or XLSX file.",
		"":                       "The file looks like a PNG image, not a customer file. Upload a CSV, TSV or XLSX file.",
		"bad\nname.png":          "bad\uFFFDname.png looks like a PNG image, not a customer file. Upload a CSV, TSV or XLSX file.",
	} {
		_, err := sheet.Open(bytes.NewReader(data), name, sheet.ReadOptions{})
		var fe *sheet.FileError
		if !errors.As(err, &fe) || fe.Message != want {
			t.Errorf("Open(%q) = %v, want %q", name, err, want)
		}
	}
}

// TestOpenReadsTextThatLooksOdd: text files pass however they are encoded,
// with the odd bytes real exports carry, and whatever letters their first
// column starts with.
func TestOpenReadsTextThatLooksOdd(t *testing.T) {
	hebrew := "שם\tטלפון\tהערות\r\nדנה לוי\t052-623-4567\tלקוחה ותיקה\r\nיוסי כהן\t053-222-3333\t\r\n"
	tests := []struct {
		name, file string
		data       []byte
		header     []string
	}{
		{"utf-16le with bom", "unicode.txt", encodeUTF16(hebrew, binary.LittleEndian, true), []string{"שם", "טלפון", "הערות"}},
		{"utf-16be with bom", "unicode.txt", encodeUTF16(hebrew, binary.BigEndian, true), []string{"שם", "טלפון", "הערות"}},
		{"utf-16le without bom", "unicode.txt", encodeUTF16("Name\tPhone\r\nDana\t052-623-4567\r\n", binary.LittleEndian, false), []string{"Name", "Phone"}},
		{"utf-16le hebrew without bom", "unicode.txt", encodeUTF16(hebrew, binary.LittleEndian, false), nil},
		{"stray NUL in a field", "export.csv", []byte("Name,Phone,Notes\nDana,052-623-4567,bro\x00ken\nNoa,053-222-3333,ok\n"), []string{"Name", "Phone", "Notes"}},
		{"dos end-of-file mark", "old.csv", []byte("Name,Phone\r\nDana,052-623-4567\r\n\x1A"), []string{"Name", "Phone"}},
		{"filemaker line breaks", "fm.tab", []byte("Name\tNotes\rDana\tfirst\vsecond\vthird\rNoa\tx\vy\vz\r"), []string{"Name", "Notes"}},
		{"starts with BM", "cars.csv", []byte("BMW dealer,Phone\nDana,052-623-4567\n"), []string{"BMW dealer", "Phone"}},
		{"starts with MZ", "mz.csv", []byte("MZ code,Phone\nDana,052-623-4567\n"), []string{"MZ code", "Phone"}},
		{"starts with ID3", "id.csv", []byte("ID3,Phone\nDana,052-623-4567\n"), []string{"ID3", "Phone"}},
		{"starts with GIF", "gift.csv", []byte("GIFT,Phone\nDana,052-623-4567\n"), []string{"GIFT", "Phone"}},
		{"starts with PK", "pk.csv", []byte("PK,Phone\n17,052-623-4567\n"), []string{"PK", "Phone"}},
		{"starts with RIFF", "riff.csv", []byte("RIFF,Phone\nx,052-623-4567\n"), []string{"RIFF", "Phone"}},
		{"windows-1255", "hebrew.csv", []byte("\xf9\xed,\xe8\xec\xf4\xe5\xef\r\n\xe3\xf0\xe4,052-623-4567\r\n"), []string{"שם", "טלפון"}},
		{"one line, no end", "one.csv", []byte("Name,Phone"), []string{"Name", "Phone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb, err := sheet.Open(bytes.NewReader(tt.data), tt.file, sheet.ReadOptions{})
			if err != nil {
				t.Fatalf("Open = %v", err)
			}
			defer tb.Close()
			if tt.header != nil && strings.Join(tb.Header(), "|") != strings.Join(tt.header, "|") {
				t.Errorf("header %q, want %q", tb.Header(), tt.header)
			}
		})
	}
}

// TestOpenReadsEveryTestFile: none of the real exports in testdata/files
// is taken for a binary file, read whole or by its first 4 KiB.
func TestOpenReadsEveryTestFile(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "files", "*"))
	if err != nil || len(files) < 5 {
		t.Fatalf("test files: %v %v", files, err)
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{len(data), min(len(data), 4096)} {
			tb, err := sheet.Open(bytes.NewReader(data[:n]), filepath.Base(path), sheet.ReadOptions{})
			var fe *sheet.FileError
			if errors.As(err, &fe) && strings.Contains(fe.Message, "looks like") {
				t.Errorf("%s (%d bytes): %v", path, n, err)
			}
			if err == nil {
				tb.Close()
			}
		}
	}
}

// TestOpenNamesAnArchiveOnDisk: a zip that is no workbook, opened from
// disk as the command line opens it, is named as its upload would be.
func TestOpenNamesAnArchiveOnDisk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "customers.zip")
	if err := os.WriteFile(path, sheettest.Zip(t, map[string]string{"customers.csv": "Name,Phone\nDana,052-623-4567\n"}), 0o644); err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	_, err = sheet.Open(fh, path, sheet.ReadOptions{})
	var fe *sheet.FileError
	if want := "customers.zip looks like a ZIP archive, not an Excel workbook."; !errors.As(err, &fe) || !strings.HasPrefix(fe.Message, want) {
		t.Errorf("Open = %v, want %q", err, want)
	}
}
