package sheet_test

import (
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet/sheet"
)

func TestParseDate(t *testing.T) {
	jlm, _ := time.LoadLocation("Asia/Jerusalem")
	ny, _ := time.LoadLocation("America/New_York")
	cases := []struct {
		in   string
		loc  *time.Location
		want time.Time // zero: an error
		why  string    // part of the error message
	}{
		{"25-12-2026 14:30", jlm, time.Date(2026, 12, 25, 14, 30, 0, 0, jlm), ""},
		{"25-12-2026 14:30", ny, time.Date(2026, 12, 25, 14, 30, 0, 0, ny), ""},
		{" 5-3-2026 9:05 ", jlm, time.Date(2026, 3, 5, 9, 5, 0, 0, jlm), ""},
		{"25/12/2026", jlm, time.Date(2026, 12, 25, 0, 0, 0, 0, jlm), ""},
		{"25.12.2026 08:00:30", jlm, time.Date(2026, 12, 25, 8, 0, 30, 0, jlm), ""},
		{"2026-12-25 14:30", jlm, time.Date(2026, 12, 25, 14, 30, 0, 0, jlm), ""},
		{"2026-12-25T14:30:00", jlm, time.Date(2026, 12, 25, 14, 30, 0, 0, jlm), ""},
		{"29-02-2028", jlm, time.Date(2028, 2, 29, 0, 0, 0, 0, jlm), ""},
		{"12/25/2026", jlm, time.Time{}, "month 25 does not exist; the day comes first"},
		{"29-02-2027", jlm, time.Time{}, "day 29 does not exist in February 2027"},
		{"25-12-26", jlm, time.Time{}, "the year needs four digits"},
		{"25-12-2026 25:00", jlm, time.Time{}, "the time must be HH:MM"},
		{"25-12-2026 14:3", jlm, time.Time{}, "the time must be HH:MM"},
		{"tomorrow", jlm, time.Time{}, `"tomorrow" is not a date in the format DD-MM-YYYY HH:MM`},
		{"", jlm, time.Time{}, "it is empty"},
		{"45678", jlm, time.Time{}, "is not a date"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := sheet.ParseDate(tc.in, tc.loc)
			if tc.want.IsZero() {
				if err == nil || !strings.Contains(err.Error(), tc.why) {
					t.Fatalf("ParseDate(%q) = %v, %v; want an error saying %q", tc.in, got, err, tc.why)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) {
				t.Fatalf("ParseDate(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}
