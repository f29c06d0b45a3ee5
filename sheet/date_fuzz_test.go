package sheet_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet/sheet"
)

// FuzzParseDate checks that a date the parser accepts, written back in the
// format the help article asks for, reads as the same instant; that it is
// read day first; that spaces around it change nothing; and that a refusal
// is a *DateError naming the expected format.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"25-12-2026 14:30",
		" 5-3-2026 9:05 ",
		"25/12/2026",
		"25.12.2026 08:00:30",
		"2026-12-25 14:30",
		"2026-12-25T14:30:00",
		"29-02-2028",
		"12/25/2026",
		"29-02-2027",
		"25-12-26",
		"25-12-2026 25:00",
		"25-12-2026 14:3",
		"27-03-2026 02:30", // the hour that does not exist in Jerusalem
		"25-10-2026 01:30", // the hour that happens twice there
		"08-03-2026 02:30", // and in New York
		"01-01-1900 00:00",
		"31-12-2200 23:59:59",
		"tomorrow",
		"45678",
		"",
	} {
		for zone := range uint8(3) {
			f.Add(s, zone)
		}
	}
	zones := []*time.Location{time.UTC, mustLoad(f, "Asia/Jerusalem"), mustLoad(f, "America/New_York")}
	f.Fuzz(func(t *testing.T, s string, zone uint8) {
		loc := zones[int(zone)%len(zones)]
		got, err := sheet.ParseDate(s, loc)
		again, err2 := sheet.ParseDate("  "+s+"\t", loc)
		if (err == nil) != (err2 == nil) || !got.Equal(again) {
			t.Fatalf("ParseDate(%q) = %v, %v but with spaces around it %v, %v", s, got, err, again, err2)
		}
		if err != nil {
			var de *sheet.DateError
			if !errors.As(err, &de) || !strings.Contains(de.Message, sheet.DateFormat) {
				t.Fatalf("ParseDate(%q) error %v: want a *DateError naming %s", s, err, sheet.DateFormat)
			}
			return
		}
		if got.Location() != loc {
			t.Fatalf("ParseDate(%q) is in %v, want %v", s, got.Location(), loc)
		}
		if y := got.Year(); y < 1900 || y > 2200 {
			t.Fatalf("ParseDate(%q) = %v, outside the years accepted", s, got)
		}
		// Day first: the first number is the day unless it is a year.
		datePart := strings.Fields(strings.Replace(strings.TrimSpace(s), "T", " ", 1))[0]
		first := strings.FieldsFunc(datePart, func(r rune) bool { return r == '-' || r == '/' || r == '.' })[0]
		if n, _ := strconv.Atoi(first); len(first) <= 2 && n != got.Day() {
			t.Fatalf("ParseDate(%q) = %v: the day is not the first number", s, got)
		}
		layouts := []string{"02-01-2006 15:04", "2/1/2006 15:04", "02.01.2006 15:04", "2006-01-02T15:04"}
		if got.Second() != 0 {
			for i := range layouts {
				layouts[i] += ":05"
			}
		}
		for _, layout := range layouts {
			out := got.Format(layout)
			back, err := sheet.ParseDate(out, loc)
			if err != nil || !back.Equal(got) {
				t.Fatalf("ParseDate(%q) = %v, written as %q reads %v, %v", s, got, out, back, err)
			}
		}
	})
}

// mustLoad loads a time zone, or skips the test where the system has no
// zone database.
func mustLoad(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Skipf("no time zone %s: %v", name, err)
	}
	return loc
}
