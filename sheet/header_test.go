package sheet_test

import (
	"reflect"
	"testing"

	"github.com/callsheet/callsheet/sheet"
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
			header: []string{"Phone 2", "Home phone", "Phone"},
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
			got := sheet.SuggestMapping(tt.header, tt.custom)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("SuggestMapping(%q, %q)\n got %v\nwant %v", tt.header, tt.custom, got, tt.want)
			}
		})
	}
}

// TestSuggestMappingSpellings holds real spellings of column names, one
// column at a time, in Hebrew and English, with the field each must go
// to: spellings seen in files from Google Sheets, Excel and other CRMs.
func TestSuggestMappingSpellings(t *testing.T) {
	tests := []struct{ header, field string }{
		// Agent.
		{"סוכן", "agent"}, {"סוכנת", "agent"}, {"שם הסוכן", "agent"}, {"סוכן מכירות", "agent"},
		{"נציג", "agent"}, {"נציגה", "agent"}, {"נציג מכירות", "agent"}, {"איש מכירות", "agent"},
		{"אשת מכירות", "agent"}, {"אחראי", "agent"}, {"אחראית", "agent"}, {"מטפל", "agent"}, {"נציג מטפל", "agent"},
		{"Owner", "agent"}, {"Lead Owner", "agent"}, {"Rep", "agent"}, {"Sales Rep", "agent"}, {"Assigned To", "agent"},
		{"assigned_to", "agent"}, {"Assignee", "agent"}, {"Agent Name", "agent"}, {"Sales Agent", "agent"}, {"Account Manager", "agent"},
		// Phone.
		{"טלפון", "phone"}, {"טלפון נייד", "phone"}, {"נייד", "phone"}, {"פלאפון", "phone"}, {"מספר טלפון", "phone"},
		{"מס' טלפון", "phone"}, {"מס׳ טלפון", "phone"}, {"מספר נייד", "phone"}, {"סלולרי", "phone"}, {"סלולארי", "phone"},
		{"טֶלֶפוֹן", "phone"}, {"Mobile", "phone"}, {"Cell", "phone"}, {"Cell Phone", "phone"}, {"Phone Number", "phone"},
		{"PHONE_NUMBER", "phone"}, {"phone-number", "phone"}, {"Phone #", "phone"}, {"Phone No.", "phone"}, {"Tel", "phone"},
		{"Tel.", "phone"}, {"Telephone", "phone"}, {"Mobile Number", "phone"}, {"Contact Number", "phone"},
		// Email.
		{`דוא"ל`, "email"}, {"דוא״ל", "email"}, {"אימייל", "email"}, {"מייל", "email"}, {"כתובת מייל", "email"},
		{"דואר אלקטרוני", "email"}, {"E-mail", "email"}, {"Email", "email"}, {"EMAIL ADDRESS", "email"}, {"e_mail", "email"},
		// Names.
		{"שם", "name"}, {"שם פרטי", "name"}, {"שֵׁם פְּרָטִי", "name"}, {"שם מלא", "name"}, {"שם לקוח", "name"},
		{"שם הלקוח", "name"}, {"איש קשר", "name"}, {"First Name", "name"}, {"first_name", "name"}, {"FirstName", "name"},
		{"Full Name", "name"}, {"Given Name", "name"}, {"Customer Name", "name"},
		{"שם משפחה", "last_name"}, {"שֵׁם מִשְׁפָּחָה", "last_name"}, {"שם־משפחה", "last_name"}, {"משפחה", "last_name"},
		{"Last Name", "last_name"}, {"last_name", "last_name"}, {"LastName", "last_name"}, {"Surname", "last_name"},
		{"Family Name", "last_name"},
		// Source.
		{"מקור", "source"}, {"מקור ליד", "source"}, {"מקור הגעה", "source"}, {"מקור הליד", "source"}, {"Lead Source", "source"},
		{"Source", "source"}, {"utm_source", "source"}, {"Channel", "source"},
		// Notes.
		{"הערות", "note"}, {"הערה", "note"}, {"הֶעָרוֹת", "note"}, {"Comments", "note"}, {"Comment", "note"}, {"Notes", "note"},
		{"Remarks", "note"}, {"Description", "note"},
		// Dates.
		{"תאריך יצירה", "created_at"}, {"תאריך כניסה", "created_at"}, {"נוצר", "created_at"}, {"Created", "created_at"},
		{"Created At", "created_at"}, {"Date Created", "created_at"}, {"Creation Date", "created_at"}, {"created_on", "created_at"},
		{"תאריך פולואפ", "follow_up_at"}, {"תאריך חזרה", "follow_up_at"}, {"פולואפ", "follow_up_at"}, {"מועד חזרה", "follow_up_at"},
		{"תזכורת", "follow_up_at"}, {"Callback", "follow_up_at"}, {"Call Back", "follow_up_at"}, {"Follow Up Date", "follow_up_at"},
		{"Follow-up", "follow_up_at"}, {"FollowUp", "follow_up_at"}, {"Next Call", "follow_up_at"},
		// Ids.
		{"מזהה", "external_id"}, {"מזהה לקוח", "external_id"}, {"מספר לקוח", "external_id"}, {"CRM ID", "external_id"},
		{"crm_id", "external_id"}, {"CRM", "external_id"}, {"External ID", "external_id"}, {"Lead ID", "external_id"},
		{"Record ID", "external_id"},
	}
	if len(tests) < 80 {
		t.Fatalf("only %d spellings", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			got := sheet.SuggestMapping([]string{tt.header}, nil)
			if col, ok := got[tt.field]; !ok || col != 0 || len(got) != 1 {
				t.Errorf("SuggestMapping(%q) = %v, want %s", tt.header, got, tt.field)
			}
		})
	}
}

// TestSuggestMappingCustomLabels: a custom field is matched by its label,
// whatever the file's case, spacing, punctuation and points.
func TestSuggestMappingCustomLabels(t *testing.T) {
	labels := []string{"עיר", "Budget", "Car Model", "תקציב חודשי"}
	tests := []struct{ header, field string }{
		{"עיר", "custom:עיר"}, {"עִיר", "custom:עיר"}, {" עיר ", "custom:עיר"},
		{"budget", "custom:Budget"}, {"BUDGET", "custom:Budget"}, {"Budget:", "custom:Budget"},
		{"car_model", "custom:Car Model"}, {"Car-Model", "custom:Car Model"}, {"CarModel", "custom:Car Model"},
		{"תקציב-חודשי", "custom:תקציב חודשי"}, {"תַּקְצִיב חוֹדְשִׁי", "custom:תקציב חודשי"},
	}
	for _, tt := range tests {
		got := sheet.SuggestMapping([]string{tt.header}, labels)
		if col, ok := got[tt.field]; !ok || col != 0 {
			t.Errorf("SuggestMapping(%q) = %v, want %s", tt.header, got, tt.field)
		}
	}
}

// TestUnmatchedColumns lists the columns no field takes, in the file's order.
func TestUnmatchedColumns(t *testing.T) {
	header := []string{"שם", "טלפון", "עיר", "סוכן", "תקציב"}
	tests := []struct {
		name    string
		mapping map[string]string
		want    []string
	}{
		{"some matched", map[string]string{"name": "שם", "phone": "טלפון", "agent": "סוכן"}, []string{"עיר", "תקציב"}},
		{"none matched", map[string]string{}, header},
		{"all matched", map[string]string{"name": "שם", "phone": "טלפון", "agent": "סוכן", "custom_field_1": "עיר", "custom_field_2": "תקציב"}, []string{}},
		{"a mapped column not in the file is no column of it", map[string]string{"phone": "Phone"}, header},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sheet.UnmatchedColumns(header, tt.mapping); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("UnmatchedColumns = %q, want %q", got, tt.want)
			}
		})
	}
}
