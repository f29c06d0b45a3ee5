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
func TestImportPagesInHebrew(t *testing.T) {
	ts, db, svc := wizardServer(t)
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
