package web_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/i18n"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// The import wizard, its outcomes and its problem report in Hebrew.

// stripIsolates removes the marks that isolate names in plain text (FIRST
// STRONG ISOLATE, POP DIRECTIONAL ISOLATE), for tests that look for a
// sentence with a name in it.
func stripIsolates(s string) string {
	return strings.NewReplacer("\u2068", "", "\u2069", "").Replace(s)
}

// TestImportPagesInHebrew: a Hebrew account's admin goes through the
// wizard in Hebrew: the steps and options, the mapping step, the preview
// and the report with the outcomes in Hebrew words and the rows' reasons
// in Hebrew (an invalid phone, a duplicate, a blocked customer), the
// problem download with a Hebrew header and reasons, the undo; no English
// word of the pages is left.
func TestImportPagesInHebrew(t *testing.T) { storetest.Each(t, testImportPagesInHebrew) }

func testImportPagesInHebrew(t *testing.T, db *sqldb.DB) {
	ts, _, svc := wizardServerOn(t, db)
	f := hebrewAccount(t, db, "acme")
	camp := f.Campaign(t, "אביב")
	f.Customer(t, camp.ID, "כבר כאן", "+972526234567")
	if _, err := sqldb.NewDoNotCallService(db).AddDoNotCall(f.AdminCtx, "+972526234599", "ביקש"); err != nil {
		t.Fatal(err)
	}
	admin := newClient(t, ts.URL)
	admin.login(f.Admin.Login, storetest.Password)
	english := []string{"Would add", "Already here", "Duplicate in the file", "Invalid", "Rows to look at", "Not imported",
		"would be skipped", "is not a valid number", "duplicate of line", "Blocked", "Nothing was written"}

	_, body := admin.get(fmt.Sprintf("/campaigns/%d/import", camp.ID))
	text := visibleText(body)
	for _, want := range []string{"קובץ ואפשרויות", "התאמת שדות", "ייחודיות הלקוחות", "לתת להם את הקמפיין", "הבא: התאמת שדות"} {
		contains(t, text, want)
	}
	contains(t, body, `<html lang="he" dir="rtl">`)

	file := "שם,טלפון,עיר\nכבר כאן,052-623-4567,חיפה\nחדש,052-623-4568,חיפה\nשוב,052-623-4568,חיפה\nלא טוב,050-123-4567,חיפה\nשקט,052-623-4599,חיפה\n"
	id := admin.uploadFile(camp.ID, "לקוחות.csv", file, nil)
	_, body = admin.get(fmt.Sprintf("/imports/%d/mapping", id))
	text = visibleText(body)
	for _, want := range []string{"התאמת שדות", "הצעה לפי שמות העמודות", "לא מיובאות: עיר", "3 עמודות", "הבא: תצוגה מקדימה"} {
		contains(t, stripIsolates(text), want)
	}
	form := mappingForm(t, body)
	if code, body, _ := admin.post(fmt.Sprintf("/imports/%d/mapping", id), form); code != http.StatusSeeOther {
		t.Fatalf("save the mapping: %d\n%s", code, visibleText(body))
	}
	waitImport(t, svc, f.AdminCtx, id)

	// The preview: what would happen, in Hebrew.
	_, body = admin.get(fmt.Sprintf("/imports/%d", id))
	text = visibleText(body)
	for _, want := range []string{"תצוגה מקדימה של לקוחות.csv", "מה הייבוא יעשה", "להוספה", "כבר נמצא כאן, לדילוג", "כפול בקובץ", "לא תקין",
		"שורות לבדיקה", "הטלפון כבר מופיע בשורה 3.", `הטלפון "050-123-4567" אינו מספר תקין`, "ייחסם (לא להתקשר)",
		"חסום: הלקוח ביקש שלא יתקשרו אליו", "לא תיובא: עיר (אף שדה לא מקבל את העמודה הזו).",
		"במצב הנוכחי לא ייכתב דבר: שורה אחת אינה תקינה"} {
		if !strings.Contains(stripIsolates(text), want) {
			t.Errorf("the preview lacks %q:\n%s", want, text)
		}
	}
	for _, bad := range english {
		if strings.Contains(text, bad) {
			t.Errorf("the preview says %q in English:\n%s", bad, text)
		}
	}
	for _, outcome := range []callsheet.Outcome{callsheet.OutcomeSkippedExisting, callsheet.OutcomeDuplicate, callsheet.OutcomeInvalid} {
		want := fmt.Sprintf(`data-outcome="%s">%s</span>`, outcome, i18n.T(i18n.Hebrew, outcome.WouldLabel()))
		contains(t, body, want)
	}

	// Import the valid rows: what happened, in Hebrew.
	admin.post(fmt.Sprintf("/imports/%d/run", id), url.Values{"load_valid": {"on"}})
	if job := waitImport(t, svc, f.AdminCtx, id); !job.Applied || job.Counts.Added != 2 {
		t.Fatalf("import: %+v", job)
	}
	_, body = admin.get(fmt.Sprintf("/imports/%d", id))
	text = visibleText(body)
	for _, want := range []string{"ייבוא הקובץ לקוחות.csv", "בוצע", "נוסף", "כבר נמצא כאן, דולג", "כפול בקובץ", "חסום (לא להתקשר)",
		"ביטול הייבוא הזה", "הורדת שורות הבעיה (CSV)"} {
		if !strings.Contains(stripIsolates(text), want) {
			t.Errorf("the report lacks %q:\n%s", want, text)
		}
	}
	for _, outcome := range []callsheet.Outcome{callsheet.OutcomeSkippedExisting, callsheet.OutcomeDuplicate, callsheet.OutcomeInvalid} {
		contains(t, body, fmt.Sprintf(`data-outcome="%s">%s</span>`, outcome, i18n.T(i18n.Hebrew, outcome.Label())))
	}
	for _, bad := range english {
		if strings.Contains(text, bad) {
			t.Errorf("the report says %q in English:\n%s", bad, text)
		}
	}

	// The download: a Hebrew header and Hebrew reasons.
	_, data := admin.get(fmt.Sprintf("/imports/%d/problems.csv", id))
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(stripIsolates(data), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("problems.csv: %v\n%s", err, data)
	}
	if h := strings.Join(recs[0][:3], ","); !strings.Contains(h, "שורה") || !strings.Contains(h, "תוצאה") || !strings.Contains(h, "סיבה") {
		t.Errorf("the download's header: %q", recs[0])
	}
	reasons := map[string]string{}
	for _, r := range recs[1:] {
		reasons[strings.Trim(r[0], "\u200e\u200f")] = r[2]
	}
	for line, want := range map[string]string{"4": "הטלפון כבר מופיע בשורה 3.", "5": "אינו מספר תקין", "6": "נוסף, אבל חסום"} {
		if !strings.Contains(reasons[line], want) {
			t.Errorf("line %s of the download reads %q, want %q", line, reasons[line], want)
		}
	}

	// Undo, in Hebrew.
	_, body, _ = admin.post(fmt.Sprintf("/imports/%d/undo", id), url.Values{})
	text = visibleText(body)
	contains(t, text, "ביטול הייבוא הושלם.")
	contains(t, text, "הוסרו שני לקוחות שנוספו")
}

// TestImportWizardKeys: the words the wizard takes from the domain (the
// agents options, outcomes) are in both catalogues.
func TestImportWizardKeys(t *testing.T) {
	var keys []string
	for _, r := range callsheet.AgentRules {
		label, hint, _ := strings.Cut(r.Why, ": ")
		keys = append(keys, label, strings.ToUpper(hint[:1])+hint[1:])
	}
	for _, o := range callsheet.Outcomes {
		keys = append(keys, o.Label(), o.WouldLabel())
	}
	for _, k := range keys {
		for _, lang := range i18n.Languages {
			if !i18n.Has(lang, k) {
				t.Errorf("%q is not in the %s catalogue", k, lang)
			}
		}
	}
}

// TestImportPluralsRead: the wizard's counts read in every form of both
// languages, with no argument left over or missing.
func TestImportPluralsRead(t *testing.T) {
	for _, c := range []struct {
		key  string
		args func(n int) []any
	}{
		{"%d columns", func(n int) []any { return []any{n} }},
		{"%d%%, %d rows read", func(n int) []any { return []any{40, n} }},
		{"%s does not work this campaign: %d customers", func(n int) []any { return []any{"Dana", n} }},
		{"%s does not work this campaign: %d customers; %s", func(n int) []any { return []any{"Dana", n, "Avi"} }},
		{"%s (and %d other agents)", func(n int) []any { return []any{"Dana", n} }},
		{"%d rows are invalid: fix them, or load the valid rows only.", func(n int) []any { return []any{n} }},
		{"Row has %d fields but the header has %d.", func(n int) []any { return []any{n, 4} }},
		{"Not imported: %s (no field takes these columns).", func(n int) []any { return []any{"A", n} }},
		{"Would not be imported: %s (no field takes these columns).", func(n int) []any { return []any{"A", n} }},
		{"Load the %d other rows", func(n int) []any { return []any{n} }},
		{"Load the other %d rows", func(n int) []any { return []any{n} }},
		{"Load the %d rows", func(n int) []any { return []any{n} }},
		{"Fix the file and upload it again, or load the other %d rows now, from the file already uploaded.", func(n int) []any { return []any{n} }},
		{"Load the %d rows now, from the file already uploaded, choosing what becomes of the agents’ customers.", func(n int) []any { return []any{n} }},
		{"Removed %d added customers, restored %d, returned %d to their campaigns.", func(n int) []any { return []any{n, 5, 6} }},
		{"%s keeps the campaign: %d customers of it are still theirs.", func(n int) []any { return []any{"Dana", n} }},
		{"Kept %d customers that someone changed after the import: %s.", func(n int) []any { return []any{n, "#7"} }},
		{"Took the campaign back from %d agents.", func(n int) []any { return []any{n} }},
		{"%d agents keep it, for customers still theirs.", func(n int) []any { return []any{n} }},
		{"Gave %s the campaign: %d customers", func(n int) []any { return []any{"Dana", n} }},
	} {
		for _, lang := range i18n.Languages {
			for _, n := range []int{1, 2, 3, 1500} {
				got := i18n.T(lang, c.key, c.args(n)...)
				if strings.Contains(got, "%!") || strings.Contains(got, "EXTRA") {
					t.Errorf("%s, %d: %q reads %q", lang, n, c.key, got)
				}
				if n == 1500 && !strings.Contains(got, "1,500") && !strings.Contains(c.key, "no field takes") {
					t.Errorf("%s: %q does not give the count: %q", lang, c.key, got)
				}
			}
		}
	}
	if got := i18n.T(i18n.English, "Not imported: %s (no field takes these columns).", "A", 1); got != "Not imported: A (no field takes this column)." {
		t.Errorf("one column: %q", got)
	}
}
