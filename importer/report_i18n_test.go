package importer_test

import (
	"bytes"
	"encoding/csv"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/i18n"
	"github.com/callsheet/callsheet/importer"
	"github.com/callsheet/callsheet/sheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// The problem report for people in the reader's language: a Hebrew
// reader's report has its header and its reasons in Hebrew (an invalid
// phone, a duplicate, a bad date, a blocked customer), the English one is
// as it was, and the report for programs keeps English and codes.
func TestProblemReportLanguages(t *testing.T) { storetest.Each(t, testProblemReportLanguages) }

func testProblemReportLanguages(t *testing.T, db *sqldb.DB) {
	e := newEngine(t, db, "report-he")
	if _, err := sqldb.NewDoNotCallService(db).AddDoNotCall(e.f.AdminCtx, "+972526234599", "asked"); err != nil {
		t.Fatal(err)
	}
	file := "name,phone,follow up\nNew,052-623-4568,\nAgain,052-623-4568,\nBad,050-123-4567,\nLate,052-623-4570,32-01-2026\nQuiet,052-623-4599,\n"
	job := &callsheet.ImportJob{CampaignID: e.camp.ID, FileName: "words.csv",
		Mapping: map[string]string{"name": "name", "phone": "phone", "follow_up_at": "follow up"}, Options: callsheet.ImportOptions{LoadValid: true}}
	if res, err := e.svc.RunNow(e.f.AdminCtx, job, strings.NewReader(file), nil); err != nil || !res.Applied {
		t.Fatalf("run: %+v %v", res, err)
	}
	report := func(reader callsheet.ReportReader) [][]string {
		t.Helper()
		var b bytes.Buffer
		if err := e.svc.WriteProblemReport(e.f.AdminCtx, job.ID, reader, &b); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	byLine := func(recs [][]string) map[string][]string {
		m := map[string][]string{}
		for _, r := range recs[1:] {
			m[r[0]] = r
		}
		return m
	}

	he := report(callsheet.ReportForPeople.In(i18n.Hebrew))
	if got, want := he[0][:3], []string{"שורה", "תוצאה", "סיבה"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Hebrew header %q, want %q", got, want)
	}
	rows := byLine(he)
	for line, want := range map[string][2]string{
		"3": {"כפול בקובץ", "הטלפון כבר מופיע בשורה 2."},
		"4": {"לא תקין", `הטלפון "050-123-4567" אינו מספר תקין במדינה IL (אין מספר כזה בתוכנית המספור).`},
		"5": {"לא תקין", `בשדה תאריך פולואפ, הערך "32-01-2026" אינו תאריך בפורמט DD-MM-YYYY HH:MM (אין יום 32 בחודש ינואר 2026).`},
		"6": {"נוסף", "נוסף, אבל חסום: הלקוח ביקש שלא יתקשרו אליו."},
	} {
		r := rows[line]
		if len(r) < 3 || r[1] != want[0] || r[2] != want[1] {
			t.Errorf("Hebrew line %s: %q, want %q", line, r, want)
		}
	}

	en := report(callsheet.ReportForPeople)
	if got, want := en[0][:3], []string{"line", "outcome", "reason"}; !reflect.DeepEqual(got, want) {
		t.Errorf("English header %q, want %q", got, want)
	}
	rows = byLine(en)
	for line, want := range map[string][2]string{
		"3": {"Duplicate in the file", "The phone is a duplicate of line 2."},
		"4": {"Invalid", `Phone "050-123-4567" is not a valid number for IL (the numbering plan has no such number).`},
		"5": {"Invalid", `Follow-up date "32-01-2026" is not a date in the format DD-MM-YYYY HH:MM (day 32 does not exist in January 2026).`},
		"6": {"Added", "Added, but blocked: the customer asked not to be called."},
	} {
		if r := rows[line]; len(r) < 3 || r[1] != want[0] || r[2] != want[1] {
			t.Errorf("English line %s: %q, want %q", line, r, want)
		}
	}

	// Programs read codes and English, whatever a language asked.
	for _, reader := range []callsheet.ReportReader{callsheet.ReportForPrograms, callsheet.ReportForPrograms.In(i18n.Hebrew)} {
		recs := report(reader)
		rows := byLine(recs)
		if recs[0][0] != "line" || rows["3"][1] != "duplicate_in_file" || rows["4"][1] != "invalid" ||
			!strings.HasPrefix(rows["4"][2], `Phone "050-123-4567" is not a valid number`) {
			t.Errorf("the report for programs: %q", recs)
		}
	}

	// The page's problems carry their reasons as catalogue messages.
	probs, _, err := e.svc.FindImportProblems(e.f.AdminCtx, job.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probs {
		if len(p.Reason) == 0 {
			t.Errorf("line %d has no reason", p.Line)
			continue
		}
		if got := importer.Translate(i18n.Hebrew, p.Reason); p.Outcome == callsheet.OutcomeInvalid && !strings.Contains(got, "אינו") {
			t.Errorf("line %d reads %q in Hebrew", p.Line, got)
		}
	}
}

// TestParseMessages: the English the importer writes reads back as the
// messages it was made of, so that a stored problem can be shown in
// another language: the cells' problems, several in one row, and a
// failed import's error.
func TestParseMessages(t *testing.T) {
	mapper, err := sheet.NewRowMapper([]string{"Name", "Phone", "Email", "Due", "Agent", "Note"},
		map[string]string{"name": "Name", "phone": "Phone", "email": "Email", "follow_up_at": "Due", "agent": "Agent", "note": "Note"},
		sheet.Target{Region: "IL", Location: time.UTC, Agents: map[string]int64{"Dana Levi": 1}}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range [][]string{
		{"A\x00b", "052-623-4567", "", "", "", ""},
		{"A", "", "", "", "", ""},
		{"A", "12", "not. an email", "29-02-2027 10:00", "Dana Lev", strings.Repeat("x", callsheet.MaxNoteLength+1)},
		{"A", "052-623-4567", "", "12/25/2026", "", "bad \xff byte"},
		{"A", "+99 1. 2", "", "01-13-2026", "", "tab\tand line\nfeed"},
		{"A", "052-623-4567", "", "1-1-26", "", ""},
	} {
		row := mapper.Map(sheet.Record{Line: 2, Fields: rec})
		if row.Problem == nil {
			t.Fatalf("%q: no problem", rec)
		}
		got := importer.ParseMessages(row.Problem.Message)
		if !reflect.DeepEqual(got, row.Problem.Msgs) {
			t.Errorf("%q:\n read back %#v\n made of   %#v", row.Problem.Message, got, row.Problem.Msgs)
		}
		he := importer.Translate(i18n.Hebrew, got)
		if !regexp.MustCompile(`\p{Hebrew}`).MatchString(he) || strings.Contains(he, " is not ") || strings.Contains(he, "%!") {
			t.Errorf("%q in Hebrew: %q", row.Problem.Message, he)
		}
	}
	for text, want := range map[string]string{
		"The file is empty: it has no header row. Nothing was written.":             "הקובץ ריק: אין בו שורת כותרות. לא נכתב דבר.",
		"Cancelled; nothing was written.":                                           "בוטל; לא נכתב דבר.",
		`The sheet "Leads. 2" is empty: it has no header row. Nothing was written.`: `הגיליון "Leads. 2" ריק: אין בו שורת כותרות. לא נכתב דבר.`,
		"Something no key says.":                                                    "Something no key says.",
	} {
		if got := importer.Translate(i18n.Hebrew, importer.ParseMessages(text)); got != want {
			t.Errorf("%q in Hebrew: %q, want %q", text, got, want)
		}
	}
}

// importerKeyCalls are the functions of the importer and its readers
// whose first string argument is a message's catalogue key.
var importerKeyCalls = map[string]bool{"fileErrorf": true, "rowErrorf": true, "phoneError": true, "mappingError": true,
	"callsheet.Msg": true, "other": true, "unreadable": true}

// TestImporterKeysReadBack: every message the importer and its readers
// (package sheet) make is in both catalogues, and, once written in
// English with sample arguments, reads back as its own key, so that no
// stored problem or error is left in English for a Hebrew reader.
func TestImporterKeysReadBack(t *testing.T) {
	var files []string
	for _, dir := range []string{".", filepath.Join("..", "sheet")} {
		m, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	fset := token.NewFileSet()
	keys := map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "reason.go" {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			name := ""
			switch fn := call.Fun.(type) {
			case *ast.Ident:
				name = fn.Name
			case *ast.SelectorExpr:
				if id, ok := fn.X.(*ast.Ident); ok {
					name = id.Name + "." + fn.Sel.Name
				}
			}
			if !importerKeyCalls[name] {
				return true
			}
			for i, a := range call.Args {
				if lit, ok := a.(*ast.BasicLit); ok && lit.Kind == token.STRING && (i == 0 || name == "unreadable") {
					k, _ := strconv.Unquote(lit.Value)
					keys[k] = fset.Position(lit.Pos()).String()
				}
			}
			return true
		})
	}
	if len(keys) < 80 {
		t.Fatalf("found only %d keys", len(keys))
	}
	verb := regexp.MustCompile(`%[-+# 0]*\d*[sdvXq]`)
	for k, at := range keys {
		for _, lang := range i18n.Languages {
			if !i18n.Has(lang, k) {
				t.Errorf("%s: %q is not in the %s catalogue", at, k, lang)
			}
		}
		sample := verb.ReplaceAllStringFunc(k, func(v string) string {
			switch v[len(v)-1] {
			case 'd':
				return "7"
			case 'X':
				return "0A"
			}
			return `"x"`
		})
		if got := importer.ParseMessages(sample); len(got) != 1 || got[0].Key != k {
			t.Errorf("%s: %q reads back as %#v", at, sample, got)
		}
	}
}
