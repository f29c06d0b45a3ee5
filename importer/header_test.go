package importer_test

import (
	"reflect"
	"testing"

	"github.com/callsheet/callsheet/importer"
)

func TestSuggestMapping(t *testing.T) {
	tests := []struct {
		name   string
		header []string
		custom []string
		want   map[string]int
	}{
		{
			name:   "english exact names",
			header: []string{"Full Name", "Phone Number", "E-mail", "Sales Rep", "Follow-up", "Date Created", "UTM_Source", "Notes", "CRM ID"},
			want: map[string]int{"name": 0, "phone": 1, "email": 2, "agent": 3, "follow_up_at": 4,
				"created_at": 5, "source": 6, "note": 7, "external_id": 8},
		},
		{
			name:   "hebrew exact names",
			header: []string{"שם", "שם משפחה", "טלפון", "נציג", "תאריך חזרה", "הערות", `דוא"ל`, "מקור הגעה", "תאריך יצירה", "מזהה לקוח"},
			want: map[string]int{"name": 0, "last_name": 1, "phone": 2, "agent": 3, "follow_up_at": 4,
				"note": 5, "email": 6, "source": 7, "created_at": 8, "external_id": 9},
		},
		{
			name:   "name does not take the last name, in either order",
			header: []string{"Last Name", "First Name"},
			want:   map[string]int{"last_name": 0, "name": 1},
		},
		{
			name:   "name does not take a last name column even when last_name is taken",
			header: []string{"Surname", "Customer last name", "Phone"},
			want:   map[string]int{"last_name": 0, "phone": 2},
		},
		{
			name:   "hebrew name and family name",
			header: []string{"שם משפחה", "שם פרטי", "נייד"},
			want:   map[string]int{"last_name": 0, "name": 1, "phone": 2},
		},
		{
			name:   "case, spaces, punctuation and quotes",
			header: []string{"  NAME  ", "phone_number", "EMAIL.", "follow.up", "'Source'", "crm-id", "דוא״ל"},
			want:   map[string]int{"name": 0, "phone": 1, "email": 2, "follow_up_at": 3, "source": 4, "external_id": 5},
		},
		{
			name:   "geresh and gershayim",
			header: []string{"טל׳", "דוא״ל"},
			want:   map[string]int{"email": 1},
		},
		{
			name:   "exact wins over contains",
			header: []string{"Phone 2", "Mobile phone", "Phone"},
			want:   map[string]int{"phone": 2},
		},
		{
			name:   "contained names, the more specific word winning",
			header: []string{"Agent name", "Customer Email Address", "Lead source (UTM)", "מספר טלפון נייד", "שם הלקוח", "Date of follow up"},
			want:   map[string]int{"agent": 0, "email": 1, "source": 2, "phone": 3, "name": 4, "follow_up_at": 5},
		},
		{
			name:   "hebrew definite article",
			header: []string{"שם הנציג", "הערות הנציג", "טלפון"},
			want:   map[string]int{"agent": 0, "note": 1, "phone": 2},
		},
		{
			name:   "each column at most once, each field at most once",
			header: []string{"Phone", "Phone", "Tel", "Email", "Mail"},
			want:   map[string]int{"phone": 0, "email": 3},
		},
		{
			name:   "custom labels",
			header: []string{"Name", "City", "Budget (₪)", "Lead Source", "מקור"},
			custom: []string{"City", "Budget", "Source", "עיר"},
			want:   map[string]int{"name": 0, "custom:City": 1, "custom:Budget": 2, "source": 3},
		},
		{
			name:   "a custom label equal to a column wins over a system synonym",
			header: []string{"Source", "Notes"},
			custom: []string{"Source"},
			want:   map[string]int{"custom:Source": 0, "note": 1},
		},
		{
			name:   "hebrew custom label",
			header: []string{"שם מלא", "עיר מגורים", "עיר"},
			custom: []string{"עיר"},
			want:   map[string]int{"name": 0, "custom:עיר": 2},
		},
		{
			name:   "unknown columns are left alone",
			header: []string{"Column 1", "Date", "Status", ""},
			want:   map[string]int{},
		},
		{
			name:   "the file headers of the test files",
			header: []string{"Full Name", "Phone Number", "Email Address", "Rep", "Created", "Source", "Notes"},
			want: map[string]int{"name": 0, "phone": 1, "email": 2, "agent": 3, "created_at": 4,
				"source": 5, "note": 6},
		},
		{
			name:   "ids",
			header: []string{"ID", "Lead ID", "מספר לקוח", "מספר"},
			want:   map[string]int{"external_id": 0, "phone": 3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := importer.SuggestMapping(tt.header, tt.custom)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("SuggestMapping(%q, %q)\n got %v\nwant %v", tt.header, tt.custom, got, tt.want)
			}
		})
	}
}
