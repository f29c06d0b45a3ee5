package importer

import "testing"

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
