package sheet

import (
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestIsDateFormat tries format codes directly: building a workbook for
// each would hide the code under test behind the plumbing.
func TestIsDateFormat(t *testing.T) {
	tests := map[string]bool{
		"General":                      false,
		"0":                            false,
		"0.00":                         false,
		"#,##0.00_);[Red](#,##0.00)":   false,
		"0.00E+00":                     false,
		"@":                            false,
		`"Days: "0`:                    false,
		`0\d`:                          false,
		"[h]:mm:ss":                    false,
		"[mm]:ss":                      false,
		"[$€-2] #,##0.00":              false,
		"_-* #,##0_-;-* #,##0_-":       false,
		"dd/mm/yyyy":                   true,
		"dd/mm/yyyy;@":                 true,
		"d-mmm-yy":                     true,
		"mmm yyyy":                     true,
		"yyyy\\-mm\\-dd":               true,
		"h:mm AM/PM":                   true,
		"[$-he-IL]dd/mm/yyyy hh:mm":    true,
		"[Red]dd/mm/yyyy":              true,
		"DD.MM.YYYY HH:MM":             true,
		`[h]:mm "on" dd/mm`:            true,
		`0;"negative";"zero";"text d"`: false,
	}
	for code, want := range tests {
		if got := isDateFormat(code); got != want {
			t.Errorf("isDateFormat(%q) = %v, want %v", code, got, want)
		}
	}
}

// TestSharedStrings adds strings past what stays in memory and reads each
// back, from memory and from the temporary file.
func TestSharedStrings(t *testing.T) {
	var s sharedStrings
	defer s.close()
	text := func(i int) string {
		// Lengths from 0 to about 3,000 bytes, so that strings meet the
		// ends of chunks at every offset.
		return strings.Repeat(strconv.Itoa(i)+"-", i%1000)
	}
	const n = 30000
	total := 0
	for i := range n {
		if err := s.add([]byte(text(i))); err != nil {
			t.Fatal(err)
		}
		total += len(text(i))
	}
	if err := s.done(); err != nil {
		t.Fatal(err)
	}
	if total < 2*sharedInMemory || s.spill == nil {
		t.Fatalf("%d bytes of text, spilled %v: the test must go past memory", total, s.spill != nil)
	}
	for i := range n {
		got, err := s.get(i)
		if err != nil || got != text(i) || s.size(i) != len(got) {
			t.Fatalf("get(%d) = %.40q (%v), size %d, want %.40q", i, got, err, s.size(i), text(i))
		}
	}
	if got, err := s.get(n); got != "" || err != nil {
		t.Errorf("get past the end = %q, %v", got, err)
	}
}

// TestSharedStringsCount checks the bound on the number of shared strings
// and what it costs to reach it.
func TestSharedStringsCount(t *testing.T) {
	var s sharedStrings
	defer s.close()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range maxSharedStrings {
		if err := s.add(nil); err != nil {
			t.Fatal(err)
		}
	}
	err := s.add(nil)
	if fe := (*FileError)(nil); !errors.As(err, &fe) || !strings.Contains(fe.Message, "The workbook's shared strings exceed 5,000,000 entries") {
		t.Errorf("add past the bound = %v", err)
	}
	runtime.ReadMemStats(&after)
	if grew := after.HeapAlloc - before.HeapAlloc; grew > 32<<20 {
		t.Errorf("5,000,000 empty strings hold %d MiB", grew>>20)
	}
}

func TestCellName(t *testing.T) {
	for col, want := range map[int]string{0: "A7", 25: "Z7", 26: "AA7", 701: "ZZ7", 702: "AAA7", 16383: "XFD7"} {
		if got := cellName(col, 7); got != want {
			t.Errorf("cellName(%d, 7) = %q, want %q", col, got, want)
		}
		if c, ok := cellColumn(want); !ok || c != col {
			t.Errorf("cellColumn(%q) = %d, %v", want, c, ok)
		}
	}
}

func TestFormatCount(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 32767: "32,767", 5000000: "5,000,000"} {
		if got := formatCount(n); got != want {
			t.Errorf("formatCount(%d) = %q, want %q", n, got, want)
		}
	}
}
