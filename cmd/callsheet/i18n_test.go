package main

import (
	"bytes"
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/i18n"
)

// hebrewText reports whether s has a Hebrew letter.
func hebrewText(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Hebrew, r) {
			return true
		}
	}
	return false
}

// cliRun runs a command line as the process does, and returns its
// output, its errors and its exit status.
func cliRun(args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	code = runMain(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

// setLocale sets the environment's locale for one test.
func setLocale(t *testing.T, lcAll, lcMessages, lang string) {
	t.Setenv("LC_ALL", lcAll)
	t.Setenv("LC_MESSAGES", lcMessages)
	t.Setenv("LANG", lang)
}

func TestLanguageChoice(t *testing.T) {
	for locale, want := range map[string]string{
		"he_IL.UTF-8": "he", "he_IL": "he", "he": "he", "iw_IL.UTF-8": "he", "he_IL@euro": "he",
		"en_US.UTF-8": "en", "en_GB": "en", "C": "", "POSIX": "", "C.UTF-8": "", "fr_FR.UTF-8": "", "": "",
	} {
		if got := localeLang(locale); got != want {
			t.Errorf("localeLang(%q) = %q, want %q", locale, got, want)
		}
	}
	for _, c := range []struct {
		lcAll, lcMessages, lang, want string
	}{
		{"", "", "", "en"},
		{"", "", "he_IL.UTF-8", "he"},
		{"", "he_IL.UTF-8", "en_US.UTF-8", "he"},
		{"", "en_US.UTF-8", "he_IL.UTF-8", "en"},
		{"C", "", "he_IL.UTF-8", "en"}, // LC_ALL decides when set
		{"he_IL.UTF-8", "C", "C", "he"},
		{"", "", "fr_FR.UTF-8", "en"},
	} {
		setLocale(t, c.lcAll, c.lcMessages, c.lang)
		if got := envLang(); got != c.want {
			t.Errorf("LC_ALL=%q LC_MESSAGES=%q LANG=%q: %q, want %q", c.lcAll, c.lcMessages, c.lang, got, c.want)
		}
	}

	for _, c := range []struct {
		args, rest []string
		lang, err  string
	}{
		{[]string{"import", "--lang", "he", "--db", "x"}, []string{"import", "--db", "x"}, "he", ""},
		{[]string{"--lang=en", "account", "list"}, []string{"account", "list"}, "en", ""},
		{[]string{"dnc", "-lang", "he-IL", "add"}, []string{"dnc", "add"}, "he", ""},
		{[]string{"account", "list"}, []string{"account", "list"}, "", ""},
		{[]string{"dnc", "add", "--reason", "x", "--", "--lang", "he"}, []string{"dnc", "add", "--reason", "x", "--", "--lang", "he"}, "", ""},
		{[]string{"account", "list", "--lang", "fr"}, nil, "", `--lang wants en or he, not "fr".`},
		{[]string{"account", "list", "--lang"}, nil, "", "--lang wants a language: en or he."},
	} {
		lang, rest, err := splitLang(c.args)
		if c.err != "" {
			if err == nil || describe(err) != c.err {
				t.Errorf("splitLang(%q): %v, want %q", c.args, err, c.err)
			}
			continue
		}
		if err != nil || lang != c.lang || strings.Join(rest, " ") != strings.Join(c.rest, " ") {
			t.Errorf("splitLang(%q) = %q %q %v, want %q %q", c.args, lang, rest, err, c.lang, c.rest)
		}
	}
}

// The command line speaks Hebrew with --lang he or a Hebrew locale, and
// English with --lang en, under LC_ALL=C or by default: the import's
// summary, the usage, and the errors, the domain's among them. --json
// stays English.
func TestCommandLanguages(t *testing.T) {
	setLocale(t, "", "", "")
	dir := t.TempDir()
	db := filepath.Join(dir, "cs.db")
	runOK(t, "account", "create", "--db", db, "--name", "Acme", "--country", "IL", "--timezone", "Asia/Jerusalem")
	runOK(t, "campaign", "create", "--db", db, "--account", "Acme", "--name", "Spring")
	file := filepath.Join(dir, "leads.csv")
	if err := os.WriteFile(file, []byte("name,phone,city\nAvi,052-623-4567,Haifa\nBad,not a phone,x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	imp := func(more ...string) []string {
		return append([]string{"import", "--db", db, "--account", "Acme", "--campaign", "Spring", "--file", file, "--dry-run", "--load-valid"}, more...)
	}

	// The summary.
	hebrew, _, code := cliRun(imp("--lang", "he")...)
	if code != 0 {
		t.Fatalf("import --lang he: exit %d", code)
	}
	for _, want := range []string{"נבדק (לא נכתב דבר): ייבוא ", "שתי שורות", "נוספו", "לא תקינים", "לא ייובאו (אין שדה שמתאים להן): \u2068city\u2069"} {
		if !strings.Contains(hebrew, want) {
			t.Errorf("import --lang he lacks %q:\n%s", want, hebrew)
		}
	}
	if strings.Contains(hebrew, "Checked") || strings.Contains(hebrew, "added") {
		t.Errorf("import --lang he speaks English:\n%s", hebrew)
	}
	english, _, _ := cliRun(imp("--lang", "en")...)
	for _, want := range []string{"Checked (nothing written): import ", ", 2 rows\n", "  added ", "  invalid ", "Would not be imported (no field takes them): city\n"} {
		if !strings.Contains(english, want) {
			t.Errorf("import --lang en lacks %q:\n%s", want, english)
		}
	}
	if hebrewText(english) {
		t.Errorf("import --lang en speaks Hebrew:\n%s", english)
	}
	// The environment's language, when --lang is not given. (Each run is
	// an import of its own number.)
	jobID := regexp.MustCompile(`(import|ייבוא) \x{2068}?\d+\x{2069}?,`)
	hebrew, english = jobID.ReplaceAllString(hebrew, "$1 N,"), jobID.ReplaceAllString(english, "$1 N,")
	cliRun := func(args ...string) (string, string, int) {
		out, errs, code := cliRun(args...)
		return jobID.ReplaceAllString(out, "$1 N,"), errs, code
	}
	setLocale(t, "", "", "he_IL.UTF-8")
	if out, _, _ := cliRun(imp()...); out != hebrew {
		t.Errorf("LANG=he_IL.UTF-8:\n%s\nwant\n%s", out, hebrew)
	}
	if out, _, _ := cliRun(imp("--lang", "en")...); out != english {
		t.Errorf("LANG=he_IL.UTF-8 --lang en:\n%s\nwant\n%s", out, english)
	}
	setLocale(t, "C", "", "he_IL.UTF-8")
	if out, _, _ := cliRun(imp()...); out != english {
		t.Errorf("LC_ALL=C LANG=he_IL.UTF-8:\n%s\nwant\n%s", out, english)
	}
	setLocale(t, "", "", "")
	if out, _, _ := cliRun(imp()...); out != english {
		t.Errorf("no locale:\n%s\nwant\n%s", out, english)
	}

	// --json is English, in any language.
	for _, lang := range []string{"he", "en"} {
		out, _, code := cliRun(imp("--json", "--lang", lang)...)
		var got map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil || code != 0 {
			t.Fatalf("import --json --lang %s: %v, exit %d: %s", lang, err, code, out)
		}
		if got["added"] != 1.0 || got["invalid"] != 1.0 || got["applied"] != false || hebrewText(out) {
			t.Errorf("import --json --lang %s: %s", lang, out)
		}
	}
	setLocale(t, "", "", "he_IL.UTF-8")
	out, _, _ := cliRun("account", "list", "--db", db, "--json")
	if hebrewText(out) || !strings.Contains(out, `"name": "Acme"`) {
		t.Errorf("account list --json under a Hebrew locale: %s", out)
	}
	setLocale(t, "", "", "")

	// Errors: the command's own, a refused import's, and the domain's, on
	// stderr in the language, with exit status 1.
	fails := func(lang, want string, args ...string) {
		t.Helper()
		out, errs, code := cliRun(append(args, "--lang", lang)...)
		if code != 1 || !strings.Contains(errs, want) {
			t.Errorf("callsheet %s --lang %s: exit %d, stderr %q (out %q); want exit 1 and %q", strings.Join(args, " "), lang, code, errs, out, want)
		}
		if lang == "he" && strings.Contains(errs, "callsheet error") {
			t.Errorf("stderr %q", errs)
		}
	}
	fails("he", "callsheet: אין חשבון בשם \"\u2068Nope\u2069\" (ראו: callsheet account list).", "campaign", "create", "--db", db, "--account", "Nope", "--name", "X")
	fails("en", `callsheet: No account named "Nope" (see: callsheet account list).`, "campaign", "create", "--db", db, "--account", "Nope", "--name", "X")
	refuse := []string{"import", "--db", db, "--account", "Acme", "--campaign", "Spring", "--file", file}
	fails("he", "callsheet: לא נכתב דבר: שורה אחת לא תקינה: תקנו אותה", refuse...)
	fails("en", "callsheet: Nothing was written: 1 row is invalid: fix them (see --report), or use --load-valid.", refuse...)
	fails("he", "callsheet: פקודה לא מוכרת: \"\u2068frob\u2069\"", "frob")
	fails("he", "חובה לציין \u200e--file.", "import", "--db", db, "--account", "Acme", "--campaign", "Spring")
	// A domain error as its catalogue says, whichever area holds it.
	err := run(context.Background(), []string{"account", "create", "--db", db, "--name", "Acme", "--country", "IL", "--timezone", "Asia/Jerusalem"}, &bytes.Buffer{}, &bytes.Buffer{})
	if callsheet.ErrorCode(err) != callsheet.ECONFLICT {
		t.Fatalf("a second Acme: %v", err)
	}
	m := callsheet.ErrorMsg(err)
	fails("he", "callsheet: "+say("he", m.Key, m.Args...), "account", "create", "--db", db, "--name", "Acme", "--country", "IL", "--timezone", "Asia/Jerusalem")
	if i18n.Has("he", m.Key) && !hebrewText(say("he", m.Key, m.Args...)) {
		t.Errorf("%q is not translated", m.Key)
	}
	fails("en", "callsheet: "+callsheet.ErrorMessage(err), "account", "create", "--db", db, "--name", "Acme", "--country", "IL", "--timezone", "Asia/Jerusalem")
	// An unknown language is an error of its own.
	if _, errs, code := cliRun("account", "list", "--db", db, "--lang", "fr"); code != 1 || !strings.Contains(errs, `--lang wants en or he, not "fr".`) {
		t.Errorf("--lang fr: exit %d, %q", code, errs)
	}

	// The usage, and a command's flags.
	_, errs, code := cliRun("--lang", "he")
	if code != 1 || !strings.Contains(errs, "שימוש:") || !strings.Contains(errs, "callsheet import   --account A --campaign C --file F ...     ייבוא קובץ לקוחות") {
		t.Errorf("usage in Hebrew: exit %d\n%s", code, errs)
	}
	_, errs, code = cliRun("import", "-h", "--lang", "he")
	if code != 0 || !strings.Contains(errs, "שימוש ב-callsheet \u2068import\u2069:") || !strings.Contains(errs, "כתיבת השורות התקינות") {
		t.Errorf("import -h in Hebrew: exit %d\n%s", code, errs)
	}
	out, _, code = cliRun("help")
	if code != 0 || !strings.HasPrefix(out, "Callsheet: a call-centre CRM for getting customers into campaigns.\n\nUsage:\n  callsheet serve    [--db PATH|URL] [--addr 127.0.0.1:8080]   run the server\n") {
		t.Errorf("usage in English:\n%s", out)
	}
}

// The demo makes a Hebrew account and an English one, each with its own
// language, place, statuses, campaigns, customers and logins, and a second
// run changes nothing.
func TestDemoLanguages(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cs.db")
	out := runOK(t, "demo", "--db", db, "--customers", "60")
	for _, want := range []string{`Created demo account "Demo IL" (IL, Asia/Jerusalem, interface in Hebrew): 3 campaigns, 4 agents, 2 custom fields,`,
		`Created demo account "Demo US" (US, America/New_York, interface in English): 3 campaigns, 4 agents, 2 custom fields,`,
		"  admin  demo-il-admin ", "  agent  demo-il-agent1 ", "  admin  demo-us-admin ", "  agent  demo-us-agent4 ",
		`Every demo user's password is "callsheet-demo".`} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}

	var accounts []callsheet.Account
	if err := json.Unmarshal([]byte(runOK(t, "account", "list", "--db", db, "--json")), &accounts); err != nil {
		t.Fatal(err)
	}
	if len(accounts) != 2 {
		t.Fatalf("accounts %+v", accounts)
	}
	for _, c := range []struct{ account, country, tz, lang string }{
		{"Demo IL", "IL", "Asia/Jerusalem", "he"}, {"Demo US", "US", "America/New_York", "en"},
	} {
		var a *callsheet.Account
		for i := range accounts {
			if accounts[i].Name == c.account {
				a = &accounts[i]
			}
		}
		if a == nil || a.Country != c.country || a.TimeZone != c.tz || a.Language != c.lang {
			t.Errorf("%s: %+v", c.account, a)
		}
	}

	db2, svc, hctx, err := openAccount(context.Background(), db, "Demo IL")
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	ectx, err := accountContext(context.Background(), svc, "Demo US")
	if err != nil {
		t.Fatal(err)
	}
	statuses := func(ctx context.Context) string {
		sts, _, err := svc.Statuses.FindStatuses(ctx, callsheet.StatusFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, st := range sts {
			s = append(s, st.Name+":"+string(st.Kind))
		}
		return strings.Join(s, ", ")
	}
	if got, want := statuses(hctx), "חדש:initial, אין מענה:open, לחזור:follow_up, מעוניין:open, לא מעוניין:closed, לא להתקשר:do_not_call, נמכר:closed"; got != want {
		t.Errorf("Hebrew statuses: %s\nwant %s", got, want)
	}
	if got, want := statuses(ectx), "Waiting:initial, No answer:open, Follow-up:follow_up, Interested:open, Not interested:closed, Do not call:do_not_call, Closed:closed"; got != want {
		t.Errorf("English statuses: %s\nwant %s", got, want)
	}

	for _, c := range []struct {
		ctx    context.Context
		hebrew bool
		prefix string
		logins string
	}{
		{hctx, true, "+972", "demo-il-admin demo-il-agent1 demo-il-agent2 demo-il-agent3 demo-il-agent4"},
		{ectx, false, "+1", "demo-us-admin demo-us-agent1 demo-us-agent2 demo-us-agent3 demo-us-agent4"},
	} {
		users, _, err := svc.Users.FindUsers(c.ctx, callsheet.UserFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var logins []string
		sort.Slice(users, func(i, j int) bool { return users[i].Login < users[j].Login })
		for _, u := range users {
			logins = append(logins, u.Login)
			if hebrewText(u.Name) != c.hebrew {
				t.Errorf("user %q", u.Name)
			}
			if _, err := svc.Users.Authenticate(context.Background(), u.Login, demoPassword); err != nil {
				t.Errorf("%s cannot log in: %v", u.Login, err)
			}
		}
		if got := strings.Join(logins, " "); got != c.logins {
			t.Errorf("logins %s, want %s", got, c.logins)
		}
		camps, _, err := svc.Campaigns.FindCampaigns(c.ctx, callsheet.CampaignFilter{})
		if err != nil || len(camps) != 3 {
			t.Fatalf("campaigns %v %v", camps, err)
		}
		n, notes := 0, 0
		for _, camp := range camps {
			if hebrewText(camp.Name) != c.hebrew {
				t.Errorf("campaign %q", camp.Name)
			}
			cs, _, err := svc.Customers.FindCustomers(c.ctx, callsheet.CustomerFilter{CampaignID: &camp.ID})
			if err != nil {
				t.Fatal(err)
			}
			for _, cu := range cs {
				n++
				if hebrewText(cu.Name+cu.LastName) != c.hebrew || !strings.HasPrefix(cu.Phone, c.prefix) {
					t.Errorf("customer %q %q %s", cu.Name, cu.LastName, cu.Phone)
				}
				if cu.Note != "" {
					notes++
					if hebrewText(cu.Note) != c.hebrew {
						t.Errorf("note %q", cu.Note)
					}
				}
			}
		}
		if n < 55 || notes == 0 {
			t.Errorf("%d customers, %d notes", n, notes)
		}
	}

	// Again: refused, with exit status 1, and nothing added.
	_, errs, code := cliRun("demo", "--db", db, "--customers", "60")
	if code != 1 || !strings.Contains(errs, `An account named "Demo IL" already exists`) {
		t.Errorf("a second demo: exit %d, %q", code, errs)
	}
	json.Unmarshal([]byte(runOK(t, "account", "list", "--db", db, "--json")), &accounts)
	if len(accounts) != 2 {
		t.Errorf("a second demo left %d accounts", len(accounts))
	}
	// Under another name, another demo; its messages in Hebrew.
	out, _, code = cliRun("demo", "--db", db, "--account", "Other", "--customers", "5", "--lang", "he")
	if code != 0 || !strings.Contains(out, "נוצר חשבון ההדגמה \"\u2068Other IL\u2069\" (\u2068IL\u2069, \u2068Asia/Jerusalem\u2069, ממשק בעברית): 3 קמפיינים, 4 נציגים, שני שדות מותאמים,") ||
		!strings.Contains(out, "  נציג   other-us-agent1 ") || !strings.Contains(out, "הסיסמה של כל משתמשי ההדגמה") {
		t.Errorf("demo --lang he: exit %d\n%s", code, out)
	}
}

// keyVerbs matches a format's verbs and flags, to tell a key of words from
// a bare format such as "--%s: %s", which is no catalogue key.
var keyVerbs = regexp.MustCompile(`%(?:\[\d+\])?[-+# 0]*\d*(?:\.\d+)?[a-zA-Z%]|--?[a-z][a-z-]*`)

// TestCommandKeysInCatalogues checks that every text the command says is
// in both catalogues: the keys given to say, sayln, callsheet.Errorf and
// callsheet.Msg, the usage's lines, the import's counts and the demo's
// languages.
func TestCommandKeysInCatalogues(t *testing.T) {
	keys := map[string]string{}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	calls := map[string]int{"say": 1, "sayln": 2, "callsheet.Errorf": 1, "callsheet.Msg": 0}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
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
			i, ok := calls[name]
			if !ok || i >= len(call.Args) {
				return true
			}
			lit, ok := call.Args[i].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			if k, err := strconv.Unquote(lit.Value); err == nil {
				keys[k] = fset.Position(lit.Pos()).String()
			}
			return true
		})
	}
	for _, l := range usageLines {
		if l.what != "" {
			keys[l.what] = "usageLines"
		}
	}
	for _, l := range countLines(callsheet.ImportCounts{}) {
		keys[l.name] = "countLines"
	}
	for _, d := range demoAccounts {
		keys[d.langName] = "demoAccounts"
	}
	if len(keys) < 100 {
		t.Fatalf("only %d keys found", len(keys))
	}
	for k, where := range keys {
		if !strings.ContainsFunc(keyVerbs.ReplaceAllString(k, ""), unicode.IsLetter) {
			continue // a bare format
		}
		for _, lang := range i18n.Languages {
			if !i18n.Has(lang, k) {
				t.Errorf("%s: %q is not in the %s catalogue", where, k, lang)
				continue
			}
			// Every form formats its arguments, whatever the count.
			for _, n := range []int{0, 1, 2, 3, 20, 1500} {
				args := sampleArgs(k, n)
				if got := say(lang, k, args...); strings.Contains(got, "%!") {
					t.Errorf("%s: %q in %s with %v: %q", where, k, lang, args, got)
				}
			}
		}
	}
}

// sampleArgs makes arguments for a format's verbs: text for %s, %q and %v,
// n for %d, a fraction for %f.
func sampleArgs(format string, n int) []any {
	var args []any
	next := 0
	for _, m := range regexp.MustCompile(`%(?:\[(\d+)\])?[-+# 0]*\d*(?:\.\d+)?([a-zA-Z%])`).FindAllStringSubmatch(format, -1) {
		if m[2] == "%" {
			continue
		}
		i := next
		if m[1] != "" {
			i, _ = strconv.Atoi(m[1])
			i--
		}
		next = i + 1
		for len(args) <= i {
			args = append(args, nil)
		}
		switch m[2] {
		case "d":
			args[i] = n
		case "f":
			args[i] = 1.5
		default:
			args[i] = "x"
		}
	}
	return args
}
