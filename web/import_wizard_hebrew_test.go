package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/i18n"
	"github.com/callsheet/callsheet/sqldb/storetest"
	"github.com/chromedp/chromedp"
)

// visualOrder tells how the characters of the first element whose text is
// exactly want stand on the screen: "rtl" when its first character is
// right of its last, "ltr" when left, "" when no element shows it.
func visualOrder(ctx context.Context, sel, want string) (string, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => {
		const e = [...document.querySelectorAll(%q)].find(e => e.textContent === %q);
		if (!e || !e.firstChild) return "";
		const n = e.firstChild, at = i => { const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1); return r.getBoundingClientRect(); };
		const first = at(0), last = at(n.data.length - 1);
		return first.left > last.left ? "rtl" : "ltr";
	})()`, sel, want)))
}

// TestBrowserImportWizardInHebrew drives the whole wizard of a Hebrew
// account: upload of a file named in Hebrew, the mapping step, the
// preview, the import that loads the valid rows, the report and the
// problem CSV, all in Hebrew and right to left, with the file's name, and
// the phones, in their own order.
func TestBrowserImportWizardInHebrew(t *testing.T) {
	a := newBrowserApp(t)
	f := storetest.NewFixture(t, a.db, "acme")
	he := "he"
	if _, err := a.services.Accounts.UpdateAccount(f.AdminCtx, f.Account.ID, callsheet.AccountUpdate{Language: &he}); err != nil {
		t.Fatal(err)
	}
	// A Hebrew account's statuses are named in Hebrew.
	sts, _, err := a.services.Statuses.FindStatuses(f.AdminCtx, callsheet.StatusFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range sts {
		name := i18n.T(he, st.Name)
		if _, err := a.services.Statuses.UpdateStatus(f.AdminCtx, st.ID, callsheet.StatusUpdate{Name: &name}); err != nil {
			t.Fatal(err)
		}
	}
	camp := f.Campaign(t, "חורף 2027")

	const name = "לקוחות חורף.csv"
	var b strings.Builder
	b.WriteString("שם פרטי,טלפון,אימייל\n")
	b.WriteString("משה,052-623-4567,moshe@example.com\n")
	b.WriteString("רחל,12,\n")                       // line 3: not a phone
	b.WriteString("יוסי,0526234567,\n")              // line 4: the phone of line 2 again
	b.WriteString("דנה,054-765-4321,not-an-email\n") // line 5: not an e-mail
	b.WriteString("אבי,053-222-3333,\n")
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx := a.browser()
	a.login(ctx, f.Admin.Login, storetest.Password)
	hebrewPage := func(step string) {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang + " " + document.documentElement.dir + " " + document.title + " " + (document.querySelector("main h1, main h2") || {}).textContent`))
		if err != nil || !strings.HasPrefix(got, "he rtl ") || !hasHebrew(got[len("he rtl "):]) {
			t.Errorf("%s: %q (%v), want a Hebrew right-to-left page", step, got, err)
		}
		a.notWiderThanScreen(ctx, step)
	}

	a.run(ctx, "the upload step",
		chromedp.Navigate(fmt.Sprintf("%s/campaigns/%d/import", a.url, camp.ID)),
		chromedp.WaitVisible(chromedp.CSS(`#file`)))
	hebrewPage("the upload step")
	a.shot(ctx, "1-upload")
	a.run(ctx, "upload",
		chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{file}),
		chromedp.Submit(chromedp.CSS(`#file`)),
		chromedp.WaitVisible(chromedp.CSS(`#mapping`)))
	hebrewPage("the mapping step")
	// The file's name reads in its own order inside the Hebrew page: its
	// text is the name as it was, in an isolate, the Hebrew from the right
	// and ".csv" at its left end.
	if order, err := visualOrder(ctx, "bdi", name); err != nil || order != "rtl" {
		t.Errorf("the file name %q on the mapping step: %q (%v), want a <bdi> with it that reads right to left", name, order, err)
	}
	for field, want := range map[string]string{"name": "שם פרטי", "phone": "טלפון", "email": "אימייל"} {
		if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#map_`+field))); err != nil || got != want {
			t.Errorf("%s matched to %q (%v), want %q", field, got, err, want)
		}
	}
	a.shot(ctx, "2-mapping")
	a.shotAtPhoneWidth(ctx, "2-mapping", "the mapping step at 390px")

	a.run(ctx, "to the preview", chromedp.Submit(chromedp.CSS(`#map_phone`)))
	a.waitText(ctx, `[data-count="added"]`, "2")
	hebrewPage("the preview")
	counts, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#counts").innerText`))
	if !hasHebrew(counts) || strings.Contains(counts, "Would") {
		t.Errorf("the preview's counts are not in Hebrew: %q", counts)
	}
	a.shot(ctx, "3-preview")

	// Load the valid rows, and get the rest as a report.
	a.run(ctx, "load the valid rows", chromedp.Click(chromedp.CSS(`#load-valid`)))
	// The import writes a row a step, held after the first: its page
	// says so in Hebrew.
	a.stopWorkers()
	release := a.holdAfterFirstStep(1)
	a.startWorkers()
	a.run(ctx, "import", chromedp.Click(chromedp.CSS(`#import-now`)), chromedp.WaitVisible(chromedp.CSS(`#progress`)))
	if written := a.writingRows(ctx, "כותבים: %s שורות עד כה"); written < 1 || written >= 3 {
		t.Errorf("after the first step of one row the page says %d written", written)
	}
	hebrewPage("the import writing")
	a.shot(ctx, "4-writing")
	a.shotAtPhoneWidth(ctx, "4-writing", "the import writing at 390px")
	release()
	a.run(ctx, "the report", chromedp.WaitVisible(chromedp.CSS(`#undo`)))
	a.waitText(ctx, `[data-count="added"]`, "2")
	hebrewPage("the report")
	report, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#problems").innerText`))
	for _, line := range []string{"3", "4", "5"} {
		if !strings.Contains(report, line) {
			t.Errorf("the report's problems do not name line %s: %q", line, report)
		}
	}
	if !hasHebrew(report) {
		t.Errorf("the report's problems are not in Hebrew: %q", report)
	}
	a.shot(ctx, "4-report")
	a.shotAtPhoneWidth(ctx, "4-report", "the report at 390px")

	// The problem CSV, as the browser downloads it.
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#download").href`))
	if err != nil || href == "" {
		t.Fatalf("no download link (%v)", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`fetch(%q).then(r => r.text())`, href), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(text, "\ufeff"))).ReadAll()
	if err != nil || len(recs) != 4 {
		t.Fatalf("problem CSV: %d records (%v):\n%s", len(recs), err, text)
	}
	if head := strings.Join(recs[0][:3], ","); !hasHebrew(head) {
		t.Errorf("the problem CSV's header is not in Hebrew: %q", head)
	}
	if got := strings.Join(recs[0][3:], ","); got != "שם פרטי,טלפון,אימייל" {
		t.Errorf("the problem CSV's file columns: %q", got)
	}
	for i, line := range []string{"3", "4", "5"} {
		r := recs[i+1]
		if r[0] != line || !hasHebrew(r[1]) || !hasHebrew(r[2]) {
			t.Errorf("problem CSV row %d: %q, want line %s with a Hebrew outcome and reason", i+1, r, line)
		}
	}
	cs, _, err := a.services.Customers.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &camp.ID})
	if err != nil || len(cs) != 2 {
		t.Errorf("customers after the import: %d (%v), want 2", len(cs), err)
	}
}
