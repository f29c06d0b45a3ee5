package importer_test

import (
	"testing"

	"github.com/callsheet/callsheet/importer"
)

func TestSafeCell(t *testing.T) {
	cases := map[string]string{
		"":                       "",
		"Dana":                   "Dana",
		"=1+2":                   "'=1+2",
		"=HYPERLINK(\"x\")":      "'=HYPERLINK(\"x\")",
		"@SUM(A1)":               "'@SUM(A1)",
		"+cmd|' /C calc'!A0":     "'+cmd|' /C calc'!A0",
		"-2+3+cmd|' /C calc'!A0": "'-2+3+cmd|' /C calc'!A0",
		"\tTAB":                  "'\tTAB",
		"+972 52-623-4567":       "+972 52-623-4567",
		"-12.5":                  "-12.5",
		"+":                      "'+",
		"(052) 623-4567":         "(052) 623-4567",
		"שלום =1":                "שלום =1",
	}
	for in, want := range cases {
		if got := importer.SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}
