package callsheet_test

import (
	"reflect"
	"testing"

	"github.com/callsheet/callsheet"
)

// TestColumnsKey: a file's set of columns is one key whatever the order,
// case, spacing, punctuation and Hebrew points of its names, and another
// set is another key.
func TestColumnsKey(t *testing.T) {
	base := callsheet.ColumnsKey([]string{"שם", "טלפון", "סוכן", "Phone Number"})
	same := [][]string{
		{"סוכן", "שם", "Phone Number", "טלפון"},
		{"שֵׁם", "טֶלֶפוֹן", "סוכן", "phone_number"},
		{" שם ", "טלפון", "סוכן", "PHONE-NUMBER", "phone number"}, // a repeat counts once
	}
	for _, cols := range same {
		if got := callsheet.ColumnsKey(cols); got != base {
			t.Errorf("ColumnsKey(%q) differs from the same set's", cols)
		}
	}
	other := [][]string{
		{"שם", "טלפון", "סוכן"},
		{"שם", "טלפון", "סוכן", "Phone Number", "עיר"},
		{"שם", "טלפון", "נציג", "Phone Number"},
	}
	for _, cols := range other {
		if got := callsheet.ColumnsKey(cols); got == base {
			t.Errorf("ColumnsKey(%q) equals another set's", cols)
		}
	}
	if n := len(base); n != 64 {
		t.Errorf("key of %d characters, want a SHA-256 in hex", n)
	}
}

func TestColumnWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Phone_Number", []string{"phone", "number"}},
		{"phone2", []string{"phone", "2"}},
		{`דוא"ל`, []string{"דואל"}},
		{"מס׳ טלפון", []string{"מס", "טלפון"}},
		{"שֵׁם־מִשְׁפָּחָה", []string{"שם", "משפחה"}}, // points dropped, maqaf separates
		{"  ", nil},
	}
	for _, tt := range tests {
		if got := callsheet.ColumnWords(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ColumnWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestSavedMappingFor: a remembered mapping is put on a header spelled
// otherwise, keeping the fields asked for.
func TestSavedMappingFor(t *testing.T) {
	m := &callsheet.SavedMapping{Columns: []string{"Name", "Phone", "City"},
		Mapping: map[string]string{"name": "Name", "phone": "Phone", "custom_field_9": "City"}}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	got := m.For([]string{"CITY", "phone", "name"}, func(f string) bool { return f != "custom_field_9" })
	want := map[string]string{"name": "name", "phone": "phone"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("For = %v, want %v", got, want)
	}
	bad := &callsheet.SavedMapping{Columns: []string{"Name"}, Mapping: map[string]string{"phone": "Phone"}}
	if callsheet.ErrorCode(bad.Validate()) != callsheet.EINVALID {
		t.Error("a mapping naming a column the file lacks was accepted")
	}
}
