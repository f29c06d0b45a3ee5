package sheet_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sheet"
)

// FuzzSuggestMapping checks the header matcher on any header row (columns
// separated by newlines) and custom labels (likewise): the suggestion is
// the same every time, names only known fields, gives each column to at
// most one field, and a lone custom label equal to a column's name takes
// that column or an earlier one that reads the same.
func FuzzSuggestMapping(f *testing.F) {
	for _, s := range [][2]string{
		{"Full Name\nPhone Number\nE-mail\nSales Rep\nFollow-up\nDate Created\nUTM_Source\nNotes\nCRM ID", ""},
		{"שם\nשם משפחה\nטלפון\nנציג\nתאריך חזרה\nהערות\nדוא\"ל\nמקור הגעה\nתאריך יצירה\nמזהה לקוח", ""},
		{"Last Name\nFirst Name", ""},
		{"Surname\nCustomer last name\nPhone", ""},
		{"Agent name\nName\nPhone2\nphone_1", ""},
		{"name\nphone\nCity\nBudget", "City\nBudget"},
		{"Name\nPhone\nSource", "Source"},
		{"\uFEFFname\n\n \nname\nname (2)", "name"},
		{"מספר\nמספר לקוח\nמס' טלפון\nפלאפון הלקוח", "מספר"},
		{"id\nID\nLead ID\nCustomer Number", "Lead ID\nlead-id"},
	} {
		f.Add(s[0], s[1])
	}
	known := map[string]bool{}
	for _, name := range callsheet.SystemFields {
		known[name] = true
	}
	f.Fuzz(func(t *testing.T, headerText, labelText string) {
		header := strings.Split(headerText, "\n")
		var labels []string
		if labelText != "" {
			labels = strings.Split(labelText, "\n")
		}
		got := sheet.SuggestMapping(header, labels)
		if again := sheet.SuggestMapping(slices.Clone(header), slices.Clone(labels)); !maps.Equal(got, again) {
			t.Fatalf("SuggestMapping(%q, %q) = %v, then %v", header, labels, got, again)
		}
		used := map[int]string{}
		for field, col := range got {
			label, custom := strings.CutPrefix(field, "custom:")
			if !known[field] && !(custom && slices.Contains(labels, label)) {
				t.Fatalf("SuggestMapping(%q, %q) suggests unknown field %q", header, labels, field)
			}
			if col < 0 || col >= len(header) {
				t.Fatalf("SuggestMapping(%q, %q): field %q gets column %d of %d", header, labels, field, col, len(header))
			}
			if other, ok := used[col]; ok {
				t.Fatalf("SuggestMapping(%q, %q): column %d feeds both %q and %q", header, labels, col, other, field)
			}
			used[col] = field
			if !strings.ContainsFunc(header[col], func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
				t.Fatalf("SuggestMapping(%q, %q): field %q gets column %d, %q, which has no words", header, labels, field, col, header[col])
			}
		}
		if len(labels) == 1 && strings.ContainsFunc(labels[0], func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			// An earlier column may differ only in case or punctuation.
			col, ok := got["custom:"+labels[0]]
			if first := slices.Index(header, labels[0]); first >= 0 && (!ok || col > first) {
				t.Fatalf("SuggestMapping(%q, %q): the label names column %d but got %v", header, labels, first, got)
			}
		}
	})
}
