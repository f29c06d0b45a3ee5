package web

import (
	"bytes"
	"encoding/csv"
	"testing"
)

func TestBalanceBidi(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"plain text", "Noa Cohen", "Noa Cohen"},
		{"balanced", "a\u202eb\u202cc", "a\u202eb\u202cc"},
		{"an override left open", "Noa\u202e", "Noa\u202e\u202c"},
		{"nested, closed innermost first", "\u202b\u2067x\u202e", "\u202b\u2067x\u202e\u202c\u2069\u202c"},
		{"a PDI closes the embeddings within its isolate", "\u2068a\u202eb\u2069\u202d", "\u2068a\u202eb\u2069\u202d\u202c"},
		{"a PDF does not close an isolate", "\u2067a\u202c", "\u2067a\u202c\u2069"},
		{"a stray closer is left", "\u202ca\u2069", "\u202ca\u2069"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := balanceBidi(c.in); got != c.want {
				t.Fatalf("%+q, want %+q", got, c.want)
			}
		})
	}
}

// TestBidiCSV writes records through bidiCSV a byte at a time, so every
// control and every quote is split across writes, and reads them back.
func TestBidiCSV(t *testing.T) {
	in := [][]string{
		{"name", "note"},
		{"Noa\u202e", "say \"hi\u202b\", then\r\nbye"},
		{"\u2067\"quoted\"", "balanced \u202etext\u202c"},
		{"", "ends open\u202d"},
	}
	want := [][]string{
		{"name", "note"},
		{"Noa\u202e\u202c", "say \"hi\u202b\", then\nbye\u202c"},
		{"\u2067\"quoted\"\u2069", "balanced \u202etext\u202c"},
		{"", "ends open\u202d\u202c"},
	}
	var src bytes.Buffer
	w := csv.NewWriter(&src)
	w.WriteAll(in)
	var out bytes.Buffer
	bc := newBidiCSV(&out)
	for _, b := range src.Bytes() {
		bc.Write([]byte{b})
	}
	if err := bc.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatalf("%v: %q", err, out.String())
	}
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Errorf("record %d cell %d: %+q, want %+q", i, j, got[i][j], want[i][j])
			}
		}
	}
	// Cells with nothing open are written byte for byte as they came.
	var plain bytes.Buffer
	w = csv.NewWriter(&plain)
	w.WriteAll([][]string{{"a,b", "c\"d", "balanced \u202ex\u202c", "line\r\nend"}})
	out.Reset()
	bc = newBidiCSV(&out)
	bc.Write(plain.Bytes())
	bc.Close()
	if out.String() != plain.String() {
		t.Fatalf("%q, want %q", out.String(), plain.String())
	}
}
