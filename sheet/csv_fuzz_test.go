package sheet_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/callsheet/callsheet/sheet"
)

// FuzzReadCSV checks that no input makes the reader panic or loop, that
// every record has one field per header column, and that lines only go
// forward.
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n",
		"a;b\r\n\"1;\"\"x\"\"\";2\r\n",
		"a\tb\r3\t4\r",
		"a,b\n\"open,1\n2,3\n",
		"a,b\n\"x\" y,1\n",
		"\uFEFFa,b,,\n1,2,3,4\n,,\n",
		"a|b\n1|2|3\n1\n",
		"\xFF\xFEa\x00,\x00b\x00\n\x001\x00,\x002\x00",
		"\xf9\xed,\xe8\xec\xf4\xe5\xef\r\n\xe3\xf0\xe4,052\r\n",
		"\"\"\"\n\"\n\"\"",
	} {
		f.Add([]byte(s), uint8(0))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "files", "*.csv"))
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data, uint8(0))
		}
	}
	delimiters := []rune{0, ',', ';', '\t', '|'}
	encodings := []string{"", "utf-8", "windows-1255", "utf-16le", "utf-16be"}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		opt := sheet.ReadOptions{
			Delimiter: delimiters[int(mode)%len(delimiters)],
			Encoding:  encodings[int(mode/8)%len(encodings)],
		}
		tb, err := sheet.Open(bytes.NewReader(data), "fuzz.csv", opt)
		if err != nil {
			var fe *sheet.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Open = %v, want a *FileError", err)
			}
			return
		}
		defer tb.Close()
		header := tb.Header()
		seen := map[string]bool{}
		for _, h := range header {
			if h == "" || seen[h] {
				t.Fatalf("header %q has an empty or repeated name", header)
			}
			seen[h] = true
		}
		// Each call moves past at least one input byte, so more calls
		// than bytes mean the reader is stuck.
		last := 0
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
			switch {
			case errors.As(err, &re):
				line = re.Line
				if re.Message == "" {
					t.Fatal("row error without a message")
				}
			case err != nil:
				t.Fatalf("Next = %v", err)
			case len(rec.Fields) != len(header):
				t.Fatalf("line %d: %d fields for a header of %d", rec.Line, len(rec.Fields), len(header))
			}
			if line <= last {
				t.Fatalf("line %d after line %d", line, last)
			}
			last = line
		}
	})
}
