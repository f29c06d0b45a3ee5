package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb/storetest"
	"github.com/chromedp/chromedp"
)

// chooseValue picks an option of a select and tells the page, as a person
// choosing it would.
func chooseValue(sel, v string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q;
			e.dispatchEvent(new Event("change")); return true })()`, sel, v))(ctx, t)
		return err
	})
}

// shotAtPhoneWidth checks, at a phone's width (390 px), that the page is no
// wider than the screen (what names it), saves it as name-390, and goes
// back to the desktop's width.
func (a *browserApp) shotAtPhoneWidth(ctx context.Context, name, what string) {
	a.t.Helper()
	a.run(ctx, "phone width", chromedp.EmulateViewport(390, 900))
	a.notWiderThanScreen(ctx, what)
	a.shot(ctx, name+"-390")
	a.run(ctx, "desktop", chromedp.EmulateViewport(1280, 900))
}

// notWiderThanScreen fails the test when the page scrolls sideways.
func (a *browserApp) notWiderThanScreen(ctx context.Context, what string) {
	a.t.Helper()
	if wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)); err != nil || wide {
		a.shot(ctx, "too-wide-"+what)
		a.t.Errorf("%s is wider than the screen (%v)", what, err)
	}
}

// TestBrowserImportHebrewFile drives a Hebrew file through the wizard: its
// agent column סוכן is matched to the agent, the columns no field takes
// are listed, one is made a custom field and one left out there, the
// preview and report say which column was not imported, the preview names
// the agent, who does not work the campaign, with her customers and the
// default (give her the campaign), and after the import she finds her
// customers in her work list.
func TestBrowserImportHebrewFile(t *testing.T) {
	a := newBrowserApp(t)
	f := storetest.NewFixture(t, a.db, "acme")
	camp := f.Campaign(t, "אביב")
	dana := f.Agent(t, "דנה לוי", false) // she does not work אביב yet

	var b strings.Builder
	b.WriteString("שם פרטי,שם משפחה,טלפון נייד,סוכן,עיר,תקציב,הערות\n")
	b.WriteString("משה,כהן,052-623-4567,דנה לוי,חיפה,5000,לקוח חם\n")
	b.WriteString("רחל,לוי,054-765-4321,דנה לוי,תל אביב,12000,\n")
	b.WriteString("יוסי,מזרחי,053-222-3333,,ירושלים,,לחזור בערב\n")
	file := filepath.Join(t.TempDir(), "לקוחות.csv")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx := a.browser()
	a.login(ctx, f.Admin.Login, storetest.Password)
	a.run(ctx, "upload",
		chromedp.Navigate(fmt.Sprintf("%s/campaigns/%d/import", a.url, camp.ID)),
		chromedp.WaitVisible(chromedp.CSS(`#file`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{file}),
		chromedp.Submit(chromedp.CSS(`#file`)),
		chromedp.WaitVisible(chromedp.CSS(`#mapping`)),
	)
	for field, want := range map[string]string{"name": "שם פרטי", "last_name": "שם משפחה", "phone": "טלפון נייד", "agent": "סוכן", "note": "הערות"} {
		if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#map_`+field))); err != nil || got != want {
			t.Errorf("%s matched to %q (%v), want %q", field, got, err, want)
		}
	}
	a.waitText(ctx, `#not-imported`, "Not imported: עיר, תקציב")
	a.waitText(ctx, `#mapping-source`, "suggested from the column names")
	a.shot(ctx, "1-columns-not-imported")

	// Matching a column from the list moves it into the field's choice,
	// and letting it go brings it back to the list.
	a.run(ctx, "match תקציב to Source", chooseValue(`select[data-column-choice="תקציב"]`, "field:source"))
	if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#map_source`))); got != "תקציב" {
		t.Fatalf("Source matched to %q after choosing it for תקציב", got)
	}
	a.waitText(ctx, `#not-imported`, "Not imported: עיר")
	if hidden, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('tr[data-column="תקציב"]').hidden`)); !hidden {
		t.Error("a column a field takes is still listed")
	}
	a.run(ctx, "let תקציב go", chooseValue(`#map_source`, ""))
	a.waitText(ctx, `#not-imported`, "Not imported: עיר, תקציב")

	// עיר becomes a new text field; תקציב is knowingly left out.
	a.run(ctx, "make עיר a field", chooseValue(`select[data-column-choice="עיר"]`, "new:text"))
	a.waitText(ctx, `#not-imported`, "Not imported: תקציב")
	a.shotAtPhoneWidth(ctx, "2-city-becomes-a-field", "the mapping step")
	a.run(ctx, "to the preview", chromedp.Submit(chromedp.CSS(`#map_phone`)))

	a.waitText(ctx, `#counts`, "Would add")
	a.waitText(ctx, `[data-count="added"]`, "3")
	a.waitText(ctx, `#not-imported`, "Would not be imported: תקציב")
	// Dana does not work the campaign: the preview names her with her
	// customers, and the default gives her the campaign.
	a.waitText(ctx, `#agents-outside`, "דנה לוי does not work this campaign: 2 customers; importing gives them the campaign")
	if grant, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#agents-outside input[name=agents][value=grant]').checked`)); err != nil || !grant {
		t.Errorf("the preview does not tick Give them the campaign (%v)", err)
	}
	// Choosing another option says what it would do instead, and back.
	a.run(ctx, "choose unassign", chromedp.Click(chromedp.CSS(`#agents-outside input[value=unassign]`)))
	a.waitText(ctx, `#agents-outside`, "2 customers; importing leaves those customers unassigned")
	a.run(ctx, "choose grant", chromedp.Click(chromedp.CSS(`#agents-outside input[value=grant]`)))
	a.waitText(ctx, `#agents-outside`, "2 customers; importing gives them the campaign")
	a.shot(ctx, "3-preview")
	fields, err := a.services.CustomFields.FindCustomFields(f.AdminCtx)
	if err != nil || len(fields) != 1 || fields[0].Label != "עיר" || fields[0].Type != callsheet.FieldText {
		t.Fatalf("custom fields after the mapping step: %+v %v", fields, err)
	}

	a.run(ctx, "import", chromedp.Click(chromedp.CSS(`#import-now`)), chromedp.WaitVisible(chromedp.CSS(`#undo`)))
	a.waitText(ctx, `h2`, "Done")
	a.waitText(ctx, `#counts`, "Added")
	a.waitText(ctx, `[data-count="added"]`, "3")
	a.waitText(ctx, `#not-imported`, "Not imported: תקציב")
	a.waitText(ctx, `#agents-outside`, "Gave דנה לוי the campaign: 2 customers")
	a.shot(ctx, "4-report")
	cs, _, err := a.services.Customers.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &camp.ID})
	if err != nil || len(cs) != 3 {
		t.Fatalf("customers: %d %v", len(cs), err)
	}
	byName := map[string]*callsheet.Customer{}
	for _, c := range cs {
		byName[c.Name] = c
	}
	for name, want := range map[string]struct {
		city  string
		agent int64
	}{"משה": {"חיפה", dana.ID}, "רחל": {"תל אביב", dana.ID}, "יוסי": {"ירושלים", 0}} {
		if c := byName[name]; c == nil || c.Custom[fields[0].ID] != want.city || c.AgentID != want.agent {
			t.Errorf("customer %s: %+v, want city %q agent %d", name, c, want.city, want.agent)
		}
	}

	if u, err := a.services.Users.FindUserByID(f.AdminCtx, dana.ID); err != nil || !u.WorksCampaign(camp.ID) {
		t.Fatalf("Dana was not given the campaign: %+v %v", u, err)
	}
	// Dana sees her two customers in her work list.
	actx := a.browser()
	a.login(actx, dana.Login, storetest.Password)
	a.run(actx, "work list", chromedp.Navigate(a.url+"/work"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	a.waitText(actx, `main`, "משה")
	a.waitText(actx, `main`, "רחל")
	if text, _ := chromedp.Run(actx, chromedp.Evaluate[string](`document.querySelector("main").innerText`)); strings.Contains(text, "יוסי") {
		t.Error("an unassigned customer is in Dana's work list")
	}
	a.shot(actx, "5-dana-works-them")
}

// TestBrowserRefusedImportLoadedAgain: an import refused for an invalid
// row says nothing was written and what it would have done, in words at
// any width, and loads its other rows from the file already uploaded.
func TestBrowserRefusedImportLoadedAgain(t *testing.T) {
	a := newBrowserApp(t)
	f := storetest.NewFixture(t, a.db, "acme")
	camp := f.Campaign(t, "Spring")
	f.Customer(t, camp.ID, "Here already", "+972526234567")

	content := "Name,Phone\nHere already,052-623-4567\nNew One,052-623-4568\nNew Two,052-623-4569\nTwo again,052-623-4569\nBad Phone,050-123-4567\n"
	file := filepath.Join(t.TempDir(), "leads.csv")
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := a.browser()
	a.login(ctx, f.Admin.Login, storetest.Password)
	a.run(ctx, "upload",
		chromedp.Navigate(fmt.Sprintf("%s/campaigns/%d/import", a.url, camp.ID)),
		chromedp.WaitVisible(chromedp.CSS(`#file`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{file}),
		chromedp.Submit(chromedp.CSS(`#file`)),
		chromedp.WaitVisible(chromedp.CSS(`#mapping`)),
		chromedp.Submit(chromedp.CSS(`#map_phone`)),
	)
	a.waitText(ctx, `main`, "nothing will be written")
	// Import without "Load the other rows": refused.
	a.run(ctx, "import", chromedp.Click(chromedp.CSS(`#import-now`)), chromedp.WaitVisible(chromedp.CSS(`#refused`)))
	a.waitText(ctx, `h2`, "Nothing was written")
	a.waitText(ctx, `#counts`, "Would add")
	a.waitText(ctx, `#counts`, "Already here, would be skipped")
	a.waitText(ctx, `#problems`, "Already here, would be skipped")
	a.waitText(ctx, `#problems`, "Duplicate in the file")
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"Added\n", "skipped_existing", "duplicate_in_file"} {
		if strings.Contains(text, bad) {
			t.Errorf("the refused page says %q:\n%s", bad, text)
		}
	}
	a.shot(ctx, "1-refused")
	if _, n, _ := a.services.Customers.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &camp.ID}); n != 1 {
		t.Fatalf("the refused import wrote: %d customers", n)
	}

	// On a phone, a reason reads as a sentence, not a word a line.
	a.run(ctx, "phone width", chromedp.EmulateViewport(390, 900))
	a.notWiderThanScreen(ctx, "the refused page")
	lines, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(() => {
		const cell = Array.from(document.querySelectorAll("#problems td.reason")).find(td => td.innerText.startsWith("Already in the campaign"));
		const range = document.createRange();
		range.selectNodeContents(cell);
		return new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top))).size;
	})()`))
	words := len(strings.Fields(callsheet.OutcomeSkippedExisting.Message(0, false)))
	if err != nil || lines == 0 || lines > words/3 {
		t.Errorf("at 390 px a reason of %d words takes %d lines (%v)", words, lines, err)
	}
	a.shot(ctx, "2-refused-390")
	a.run(ctx, "desktop", chromedp.EmulateViewport(1280, 900))

	// Load the other rows: no file is chosen again.
	a.run(ctx, "load the other rows", chromedp.Click(chromedp.CSS(`#load-other-rows`)), chromedp.WaitVisible(chromedp.CSS(`#undo`)))
	a.waitText(ctx, `h2`, "Done")
	a.waitText(ctx, `[data-count="added"]`, "2")
	a.waitText(ctx, `#counts`, "Already here, skipped")
	a.shot(ctx, "3-loaded")
	if _, n, _ := a.services.Customers.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &camp.ID}); n != 3 {
		t.Fatalf("%d customers after loading the other rows, want 3", n)
	}

	// The campaign's imports: the refused one as refused, then the one
	// that loaded the rows.
	a.run(ctx, "history", chromedp.Navigate(fmt.Sprintf("%s/campaigns/%d", a.url, camp.ID)), chromedp.WaitVisible(chromedp.CSS(`#imports`)))
	a.waitText(ctx, `#imports tbody tr:nth-child(1)`, "Done")
	a.waitText(ctx, `#imports tbody tr:nth-child(2)`, "Refused: nothing written")
	a.waitText(ctx, `#imports tbody tr:nth-child(2)`, "would add 2")
	a.shot(ctx, "4-history")
}

// TestBrowserRefusedForAgentLoadedUnassigned: an import refused because
// its rows give customers to an agent who does not work the campaign
// (agents refuse, chosen on the first step) says so, not that rows are
// invalid, and "Load the rows" with "leave those customers unassigned"
// loads them from the file already uploaded, without the agent and
// without giving her the campaign.
func TestBrowserRefusedForAgentLoadedUnassigned(t *testing.T) {
	a := newBrowserApp(t)
	f := storetest.NewFixture(t, a.db, "acme")
	camp := f.Campaign(t, "Spring")
	noa := f.Agent(t, "Noa Cohen", false)

	content := "Name,Phone,Agent\nAvi,052-623-4567,Noa Cohen\nRina,054-765-4321,Noa Cohen\nTal,053-222-3333,\n"
	file := filepath.Join(t.TempDir(), "leads.csv")
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := a.browser()
	a.login(ctx, f.Admin.Login, storetest.Password)
	a.run(ctx, "upload",
		chromedp.Navigate(fmt.Sprintf("%s/campaigns/%d/import", a.url, camp.ID)),
		chromedp.WaitVisible(chromedp.CSS(`#file`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{file}),
		chromedp.Click(chromedp.CSS(`input[name=agents][value=refuse]`)),
		chromedp.Submit(chromedp.CSS(`#file`)),
		chromedp.WaitVisible(chromedp.CSS(`#mapping`)),
	)
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#map_agent`))); v != "Agent" {
		t.Fatalf("agent matched to %q", v)
	}
	a.run(ctx, "to the preview", chromedp.Submit(chromedp.CSS(`#map_phone`)))
	a.waitText(ctx, `#would-refuse`, "nothing will be written: Noa Cohen does not work this campaign: 2 customers.")
	a.waitText(ctx, `#agents-outside`, "Noa Cohen does not work this campaign: 2 customers; the import will be refused")

	a.run(ctx, "import", chromedp.Click(chromedp.CSS(`#import-now`)), chromedp.WaitVisible(chromedp.CSS(`#refused`)))
	a.waitText(ctx, `h2`, "Nothing was written")
	a.waitText(ctx, `#refused`, "Noa Cohen does not work this campaign: 2 customers. Give them the campaign, or leave those customers unassigned.")
	a.waitText(ctx, `#load-other-rows`, "Load the 3 rows")
	if text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main").innerText`)); strings.Contains(text, "invalid, so") {
		t.Errorf("the page blames invalid rows:\n%s", text)
	}
	a.shotAtPhoneWidth(ctx, "1-refused-for-agent", "the page refused for an agent")
	if _, n, _ := a.services.Customers.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &camp.ID}); n != 0 {
		t.Fatalf("the refused import wrote %d customers", n)
	}

	a.run(ctx, "leave them unassigned", chromedp.Click(chromedp.CSS(`#agents-outside input[value=unassign]`)))
	a.run(ctx, "load the rows", chromedp.Click(chromedp.CSS(`#load-other-rows`)), chromedp.WaitVisible(chromedp.CSS(`#undo`)))
	a.waitText(ctx, `h2`, "Done")
	a.waitText(ctx, `[data-count="added"]`, "3")
	a.waitText(ctx, `#agents-outside`, "Noa Cohen does not work this campaign: 2 customers; left unassigned")
	a.shot(ctx, "2-loaded-unassigned")
	cs, n, err := a.services.Customers.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &camp.ID})
	if err != nil || n != 3 {
		t.Fatalf("%d customers after loading the rows (%v), want 3", n, err)
	}
	for _, c := range cs {
		if c.AgentID != 0 {
			t.Errorf("customer %s has agent %d, want none", c.Name, c.AgentID)
		}
	}
	if u, err := a.services.Users.FindUserByID(f.AdminCtx, noa.ID); err != nil || u.WorksCampaign(camp.ID) {
		t.Errorf("Noa was given the campaign under unassign: %+v %v", u, err)
	}
}
