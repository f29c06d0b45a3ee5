package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb/storetest"
	"github.com/chromedp/chromedp"
)

// setValue sets an input's value as if typed over.
func setValue(sel, v string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q; return true })()`, sel, v))(ctx, t)
		return err
	})
}

// waitText waits until the element's text contains want.
func (a *browserApp) waitText(ctx context.Context, sel, want string) {
	a.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		if s, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || ""`, sel))); err == nil {
			// The isolates around names in plain text (a flash) are
			// not seen: what is read is the text around them.
			s = strings.NewReplacer("\u2066", "", "\u2067", "", "\u2068", "", "\u2069", "").Replace(s)
			last = s
			if strings.Contains(s, want) {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	a.shot(ctx, "failed-wait")
	a.t.Fatalf("%s never showed %q; last: %q", sel, want, last)
}

// TestBrowserImportWizard runs the whole Add customers wizard in a real
// browser on a file with problems: the preview's counts, the live progress,
// the report and its download, then Undo.
func TestBrowserImportWizard(t *testing.T) {
	a := newBrowserApp(t)
	f := storetest.NewFixture(t, a.db, "acme")
	camp := f.Campaign(t, "Spring")
	f.Agent(t, "Yossi", false, camp.ID)
	f.Agent(t, "Ronit", false, camp.ID)

	var b strings.Builder
	b.WriteString("Name,Phone,Agent,Follow-up,Notes\n")
	b.WriteString("דנה כהן,052-623-4567,Yossi,25-12-2026 14:30,לקוחה חמה\n") // line 2
	b.WriteString("Moshe Levi,054-765-4321,Ronit,,\n")                       // line 3
	b.WriteString("Bad Phone,050-123-4567,,,\n")                             // line 4: the plan has no 050-1
	b.WriteString("Dana again,0526234567,,,\n")                              // line 5: line 2's phone
	b.WriteString("Avi,053-222-3333,Nobody,,\n")                             // line 6: no such agent
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&b, "Lead %d,053-%07d,,,\n", i, 4000000+i)
	}
	file := filepath.Join(t.TempDir(), "leads.csv")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx := a.browser()
	a.login(ctx, f.Admin.Login, storetest.Password)
	a.run(ctx, "open the campaign",
		chromedp.Navigate(fmt.Sprintf("%s/campaigns/%d", a.url, camp.ID)),
		chromedp.Click(chromedp.CSS(`#add-customers-button`)),
		chromedp.WaitVisible(chromedp.CSS(`#file`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{file}),
	)
	a.shot(ctx, "1-file-and-options")
	a.run(ctx, "upload", chromedp.Submit(chromedp.CSS(`#file`)), chromedp.WaitVisible(chromedp.CSS(`#mapping`)))

	// Step 2: the suggested mapping, with sample values.
	phoneCol, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#map_phone`)))
	if err != nil || phoneCol != "Phone" {
		t.Fatalf("phone matched to %q (%v)", phoneCol, err)
	}
	if agentCol, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#map_agent`))); agentCol != "Agent" {
		t.Fatalf("agent matched to %q", agentCol)
	}
	a.waitText(ctx, `[data-samples-for="map_name"]`, "דנה כהן")
	a.shot(ctx, "2-match-fields")
	a.run(ctx, "to the preview", chromedp.Submit(chromedp.CSS(`#map_phone`)))

	// Step 3: the dry run's counts and its first problem rows.
	a.waitText(ctx, `#counts`, "Invalid")
	counts := map[string]string{"added": "3,002", "invalid": "2", "duplicate_in_file": "1"}
	for k, want := range counts {
		a.waitText(ctx, fmt.Sprintf(`[data-count=%q]`, k), want)
	}
	a.waitText(ctx, `main`, "nothing will be written")
	a.waitText(ctx, `#problems`, "050-123-4567")
	a.waitText(ctx, `#problems`, `Agent "Nobody" is not a user of this account`)
	a.shot(ctx, "3-preview")
	if _, n, _ := a.services.Customers.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &camp.ID}); n != 0 {
		t.Fatalf("the preview wrote %d customers", n)
	}

	// Back to the matching, to ask for the valid rows to be loaded.
	a.run(ctx, "back", chromedp.Click(chromedp.CSS(`form[action$="/back"] button`)), chromedp.WaitVisible(chromedp.CSS(`#mapping`)),
		chromedp.Click(chromedp.CSS(`#mapping details summary`)), chromedp.Click(chromedp.CSS(`#mapping input[name=load_valid]`)),
		chromedp.Submit(chromedp.CSS(`#map_phone`)))
	a.waitText(ctx, `#counts`, "Invalid")
	a.waitText(ctx, `main`, "load the valid rows")
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#load-valid").length`)); n != 0 {
		t.Fatal("the preview still offers to load the valid rows")
	}

	// Step 4: import; the job waits in the queue (workers held) so the
	// progress page is seen, then runs.
	a.stopWorkers()
	a.run(ctx, "import", chromedp.Click(chromedp.CSS(`#import-now`)), chromedp.WaitVisible(chromedp.CSS(`#progress`)))
	a.waitText(ctx, `#progress`, "Waiting to start")
	a.shot(ctx, "4-progress")
	// It writes in steps of 1,000 rows, held after the first: the page
	// says how many rows are written, and the bar follows them.
	release := a.holdAfterFirstStep(1000)
	a.startWorkers()
	written := a.writingRows(ctx, "Writing: %s rows so far")
	if written < 1000 || written >= 3003 {
		t.Errorf("after the first step of 1,000 rows the page says %d written", written)
	}
	if bar, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector("#bar").value`)); err != nil || bar != written*100/3005 {
		t.Errorf("the bar shows %d%% (%v) with %d of 3,005 rows written", bar, err, written)
	}
	a.shot(ctx, "4-writing")
	a.shotAtPhoneWidth(ctx, "4-writing", "the import writing at 390px")
	release()

	// Step 5: the report.
	a.run(ctx, "report", chromedp.WaitVisible(chromedp.CSS(`#undo`)))
	for k, want := range counts {
		a.waitText(ctx, fmt.Sprintf(`[data-count=%q]`, k), want)
	}
	a.waitText(ctx, `h2`, "Done")
	a.shot(ctx, "5-report")
	_, n, err := a.services.Customers.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &camp.ID})
	if err != nil || n != 3002 {
		t.Fatalf("%d customers after the import (%v), want 3002", n, err)
	}
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#download").getAttribute("href")`))
	if err != nil {
		t.Fatal(err)
	}
	csv, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`fetch(%q).then(r => r.text())`, href), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"line,outcome,reason,Name,Phone,Agent,Follow-up,Notes", "4,Invalid,", "Bad Phone,050-123-4567", "5,Duplicate in the file,The phone is a duplicate of line 2.", "6,Invalid,"} {
		if !strings.Contains(csv, want) {
			t.Errorf("the downloaded report lacks %q:\n%s", want, csv)
		}
	}

	// Undo.
	a.run(ctx, "undo", chromedp.Click(chromedp.CSS(`#undo`)), chromedp.WaitVisible(chromedp.CSS(`.alert.ok`)))
	a.waitText(ctx, `main`, "Removed 3,002 added customers")
	a.shot(ctx, "6-undone")
	if _, n, _ := a.services.Customers.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &camp.ID}); n != 0 {
		t.Fatalf("%d customers after undo", n)
	}
	// The campaign page lists the import.
	a.run(ctx, "history", chromedp.Navigate(fmt.Sprintf("%s/campaigns/%d", a.url, camp.ID)))
	a.waitText(ctx, `main`, "leads.csv")
}

// TestBrowserSettings changes the time zone and sees dates read and shown
// in it.
func TestBrowserSettings(t *testing.T) {
	a := newBrowserApp(t)
	f := storetest.NewFixture(t, a.db, "acme")
	camp := f.Campaign(t, "Spring")
	fu := time.Date(2026, 12, 25, 12, 30, 0, 0, time.UTC)
	c := &callsheet.Customer{CampaignID: camp.ID, Name: "Dated", Phone: "+972526234567", FollowUpAt: &fu}
	if err := a.services.Customers.CreateCustomer(f.AdminCtx, c); err != nil {
		t.Fatal(err)
	}
	ctx := a.browser()
	a.login(ctx, f.Admin.Login, storetest.Password)
	a.run(ctx, "settings", chromedp.Navigate(a.url+"/admin/settings"), chromedp.WaitVisible(chromedp.CSS(`#date-reads`)))
	a.waitText(ctx, `#date-reads`, "Friday 25 December 2026, 14:30 IST (UTC+02:00)")
	a.shot(ctx, "1-jerusalem")
	a.run(ctx, "change the time zone",
		setValue(`#time_zone`, "America/New_York"),
		chromedp.Submit(chromedp.CSS(`#time_zone`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert.ok`)),
	)
	a.waitText(ctx, `#date-reads`, "Friday 25 December 2026, 14:30 EST (UTC-05:00)")
	a.shot(ctx, "2-new-york")
	a.run(ctx, "customer", chromedp.Navigate(fmt.Sprintf("%s/customers/%d", a.url, c.ID)))
	// 12:30 UTC is 07:30 in New York.
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#follow_up_at`)))
	if err != nil || v != "25-12-2026 07:30" {
		t.Fatalf("follow-up shown as %q (%v)", v, err)
	}
	a.run(ctx, "bad zone",
		chromedp.Navigate(a.url+"/admin/settings"),
		setValue(`#time_zone`, "Mars/Olympus"),
		chromedp.Submit(chromedp.CSS(`#time_zone`)),
	)
	a.waitText(ctx, `main`, "Time zone must be an IANA name")
}

// TestBrowserAgentAddCustomer logs in as agents with and without the
// permission to add a customer.
func TestBrowserAgentAddCustomer(t *testing.T) {
	a := newBrowserApp(t)
	f := storetest.NewFixture(t, a.db, "acme")
	camp := f.Campaign(t, "Spring")
	with := f.Agent(t, "רונית", true, camp.ID)
	without := f.Agent(t, "Omri", false, camp.ID)
	campURL := fmt.Sprintf("%s/campaigns/%d", a.url, camp.ID)

	t.Run("without the permission", func(t *testing.T) {
		ctx := a.browser()
		a.login(ctx, without.Login, storetest.Password)
		a.run(ctx, "campaign", chromedp.Navigate(campURL), chromedp.WaitVisible(chromedp.CSS(`h1`)))
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#add-customer-button").length`))
		if err != nil || n != 0 {
			t.Fatalf("the Add customer button is shown (%d, %v)", n, err)
		}
		a.shot(ctx, "1-no-button")
		a.run(ctx, "the form anyway", chromedp.Navigate(campURL+"/customers/new"))
		a.waitText(ctx, `main`, "You do not have permission to add customers")
		a.shot(ctx, "2-forbidden")
	})
	t.Run("with the permission", func(t *testing.T) {
		ctx := a.browser()
		a.login(ctx, with.Login, storetest.Password)
		a.run(ctx, "open the form", chromedp.Navigate(campURL), chromedp.Click(chromedp.CSS(`#add-customer-button`)),
			chromedp.WaitVisible(chromedp.CSS(`#add-customer`)))
		a.run(ctx, "an invalid phone",
			chromedp.SendKeys(chromedp.CSS(`#name`), "נועה פרץ"),
			chromedp.SendKeys(chromedp.CSS(`#phone`), "050-123-4567"),
			chromedp.Submit(chromedp.CSS(`#phone`)),
			chromedp.WaitVisible(chromedp.CSS(`#phone-error`)),
		)
		a.waitText(ctx, `#phone-error`, "is not a valid number for IL")
		a.shot(ctx, "3-invalid-phone")
		a.run(ctx, "a valid phone",
			setValue(`#phone`, "050-711-2222"),
			chromedp.Submit(chromedp.CSS(`#phone`)),
			chromedp.WaitVisible(chromedp.CSS(`.alert.ok`)),
		)
		a.waitText(ctx, `h1`, "נועה פרץ")
		a.shot(ctx, "4-added")
		cs, _, err := a.services.Customers.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &camp.ID, Phone: ptr("+972507112222")})
		if err != nil || len(cs) != 1 || cs[0].AgentID != with.ID || cs[0].Name != "נועה פרץ" {
			t.Fatalf("customer in the store: %+v %v", cs, err)
		}
		a.run(ctx, "the same phone again",
			chromedp.Navigate(campURL+"/customers/new"),
			chromedp.SendKeys(chromedp.CSS(`#name`), "Noa again"),
			chromedp.SendKeys(chromedp.CSS(`#phone`), "0507112222"),
			chromedp.Submit(chromedp.CSS(`#phone`)),
		)
		a.waitText(ctx, `main`, "already in the campaign")
		a.shot(ctx, "5-already-there")
		if _, n, _ := a.services.Customers.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &camp.ID}); n != 1 {
			t.Fatalf("%d customers, want 1", n)
		}
		a.run(ctx, "my customers", chromedp.Navigate(a.url+"/work"))
		a.waitText(ctx, `main`, "נועה פרץ")
		a.shot(ctx, "6-my-customers")

		// Work the customer: a follow-up status and date, and notes.
		sts, _, err := a.services.Statuses.FindStatuses(f.AdminCtx, callsheet.StatusFilter{Kind: ptr(callsheet.StatusFollowUp)})
		if err != nil || len(sts) == 0 {
			t.Fatal(sts, err)
		}
		for i, note := range []string{"לא ענתה", "Call back on Sunday"} {
			a.run(ctx, "work the customer",
				chromedp.Click(chromedp.CSS(`main table a[href^="/customers/"]`)),
				chromedp.WaitVisible(chromedp.CSS(`#add_note`)),
				chromedp.SetValue(chromedp.CSS(`#status`), fmt.Sprint(sts[0].ID)),
				setValue(`#follow_up_at`, "2026-12-27T10:30"),
				chromedp.SendKeys(chromedp.CSS(`#add_note`), note),
				chromedp.Submit(chromedp.CSS(`#add_note`)),
				chromedp.WaitVisible(chromedp.CSS(`.alert.ok`)),
			)
			a.waitText(ctx, `#notes`, note)
			if i == 0 {
				a.run(ctx, "back to my customers", chromedp.Navigate(a.url+"/work"))
			}
		}
		a.shot(ctx, "7-worked")
		got := cs[0]
		got, err = a.services.Customers.FindCustomerByID(f.AdminCtx, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		jlm, _ := time.LoadLocation("Asia/Jerusalem")
		if got.StatusID != sts[0].ID || got.FollowUpAt == nil || !got.FollowUpAt.Equal(time.Date(2026, 12, 27, 10, 30, 0, 0, jlm)) {
			t.Fatalf("worked customer: status %d, follow-up %v", got.StatusID, got.FollowUpAt)
		}
		if !strings.Contains(got.Note, "רונית: Call back on Sunday\n") || !strings.Contains(got.Note, "רונית: לא ענתה") ||
			strings.Index(got.Note, "Call back") > strings.Index(got.Note, "לא ענתה") {
			t.Fatalf("notes: %q", got.Note)
		}
		// At phone width the pages reflow: nothing is wider than the screen.
		a.run(ctx, "phone width", chromedp.EmulateViewport(390, 844), chromedp.Navigate(campURL+"/customers/new"),
			chromedp.WaitVisible(chromedp.CSS(`#add-customer`)))
		a.shot(ctx, "8-phone-width")
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
		if err != nil || wide {
			t.Fatalf("the form is wider than a phone (%v)", err)
		}
	})
}
