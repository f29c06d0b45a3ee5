package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// monthFirstBrowser starts a headless chromium as a US user would run it:
// English (United States), which writes dates month first, in New York's
// time zone, far from the account's. Nothing a date field shows or sends
// may follow either.
func (a *browserApp) monthFirstBrowser() context.Context {
	a.t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(a.t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.Flag("accept-lang", "en-US"),
		chromedp.Env("LANG=en_US.UTF-8", "LANGUAGE=en_US", "LC_ALL=en_US.UTF-8", "TZ=America/New_York"),
		chromedp.UserDataDir(a.t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		a.t.Fatalf("start chromium: %v", err)
	}
	tctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	a.t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return tctx
}

// chooseOption picks an option of a select as a user does, so its change
// event fires.
func chooseOption(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q;
			e.dispatchEvent(new Event("change", {bubbles: true})); return true })()`, sel, value))(ctx, t)
		return err
	})
}

// dropAlerts removes the page's messages, so that waiting for one waits for
// the next page's.
func dropAlerts() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`(() => { document.querySelectorAll(".alert").forEach(e => e.remove()); return true })()`)(ctx, t)
		return err
	})
}

// value reads an input's value.
func (a *browserApp) value(ctx context.Context, sel string) string {
	a.t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		a.shot(ctx, "failed-value")
		a.t.Fatalf("value of %s: %v", sel, err)
	}
	return v
}

// TestBrowserDateFieldsMonthFirst drives the date fields in a browser
// whose locale writes dates month first and whose clock is in New York:
// the card shows DD-MM-YYYY HH:MM in the account's zone (Asia/Jerusalem),
// the picker writes that format, what is saved is that time in Jerusalem,
// and a month-first date typed by hand is refused with a clear message.
func TestBrowserDateFieldsMonthFirst(t *testing.T) {
	a := newBrowserApp(t)
	f := storetest.NewFixture(t, a.db, "acme")
	camp := f.Campaign(t, "Spring")
	agent := f.Agent(t, "Dana", true, camp.ID)
	jlm, _ := time.LoadLocation("Asia/Jerusalem")
	cs := sqldb.NewCustomerService(a.db)
	c := f.Customer(t, camp.ID, "Noa", "+972526234567")
	followUp := time.Date(2026, 3, 12, 10, 15, 0, 0, jlm)
	if _, err := cs.UpdateCustomer(f.AdminCtx, c.ID, callsheet.CustomerUpdate{AgentID: &agent.ID, FollowUpAt: &followUp}); err != nil {
		t.Fatal(err)
	}
	stored := func() *time.Time {
		got, err := cs.FindCustomerByID(f.AdminCtx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.FollowUpAt
	}
	card := fmt.Sprintf("%s/customers/%d", a.url, c.ID)

	ctx := a.monthFirstBrowser()
	// The browser really is month first, in another zone.
	us, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.language + " " + new Date(2026, 2, 12, 10, 15).toLocaleString() + " " + Intl.DateTimeFormat().resolvedOptions().timeZone`))
	if err != nil || us != "en-US 3/12/2026, 10:15:00 AM America/New_York" {
		t.Fatalf("the browser is not set up month first in New York: %q (%v)", us, err)
	}
	a.login(ctx, agent.Login, storetest.Password)

	a.run(ctx, "open the card", chromedp.Navigate(card), chromedp.WaitVisible(chromedp.CSS(`.datefield-open`)))
	if v := a.value(ctx, `#follow_up_at`); v != "12-03-2026 10:15" {
		t.Fatalf("the card shows the follow-up as %q, want 12-03-2026 10:15", v)
	}
	a.shot(ctx, "1-card")

	// The picker opens on the field's month, with its day and time chosen.
	a.run(ctx, "open the picker", chromedp.Click(chromedp.CSS(`.datefield-open`)), chromedp.WaitVisible(chromedp.CSS(`.datefield-pop`)))
	a.waitText(ctx, `.datefield-title`, "March 2026")
	a.waitText(ctx, `.datefield-grid button[aria-pressed="true"]`, "12")
	if h, m := a.value(ctx, `.datefield-hour`), a.value(ctx, `.datefield-minute`); h != "10" || m != "15" {
		t.Fatalf("the picker's time is %s:%s, want 10:15", h, m)
	}
	// March 2026 starts on a Sunday, the first column.
	first, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".datefield-grid tbody tr td:first-child").textContent`))
	if err != nil || first != "1" {
		t.Fatalf("the first cell of March 2026 holds %q (%v)", first, err)
	}
	a.shot(ctx, "2-picker")
	a.run(ctx, "pick 5 April, 16:45",
		chromedp.Click(chromedp.CSS(`.datefield-next`)),
		chromedp.Click(chromedp.CSS(`.datefield-grid button[data-day="5"]`)),
		chooseOption(`.datefield-hour`, "16"),
		chooseOption(`.datefield-minute`, "45"),
	)
	a.waitText(ctx, `.datefield-title`, "April 2026")
	if v := a.value(ctx, `#follow_up_at`); v != "05-04-2026 16:45" {
		t.Fatalf("the picker wrote %q, want 05-04-2026 16:45", v)
	}
	a.shot(ctx, "3-picked")
	a.run(ctx, "save", chromedp.Click(chromedp.CSS(`.datefield-done`)), chromedp.WaitNotVisible(chromedp.CSS(`.datefield-pop`)),
		chromedp.Click(chromedp.CSS(`#save`)), chromedp.WaitVisible(chromedp.CSS(`.alert.ok`)))
	// 16:45 in Jerusalem in April (summer time, UTC+3) is 13:45 UTC.
	if got := stored(); got == nil || !got.Equal(time.Date(2026, 4, 5, 13, 45, 0, 0, time.UTC)) {
		t.Fatalf("stored %v, want 05-04-2026 16:45 in Jerusalem", got)
	}
	if v := a.value(ctx, `#follow_up_at`); v != "05-04-2026 16:45" {
		t.Fatalf("after saving the card shows %q", v)
	}

	// Typed by hand, the field tidies the date into its format.
	a.run(ctx, "type a date",
		setValue(`#follow_up_at`, ""),
		chromedp.SendKeys(chromedp.CSS(`#follow_up_at`), "7-1-2027 9:05"+kb.Tab),
	)
	if v := a.value(ctx, `#follow_up_at`); v != "07-01-2027 09:05" {
		t.Fatalf("typed date tidied to %q", v)
	}
	a.run(ctx, "save the typed date", dropAlerts(), chromedp.Click(chromedp.CSS(`#save`)), chromedp.WaitVisible(chromedp.CSS(`.alert.ok`)))
	if got := stored(); got == nil || !got.Equal(time.Date(2027, 1, 7, 9, 5, 0, 0, jlm)) {
		t.Fatalf("stored %v, want 07-01-2027 09:05 in Jerusalem", got)
	}

	// A month-first date, as the browser's locale would write it, is
	// refused with what the field wants, and nothing changes.
	a.run(ctx, "type a month-first date",
		setValue(`#follow_up_at`, ""),
		// Tab leaves the field, closing its picker, which could
		// otherwise lie over the button.
		chromedp.SendKeys(chromedp.CSS(`#follow_up_at`), "01/31/2027 10:00"+kb.Tab),
		chromedp.WaitNotVisible(chromedp.CSS(`.datefield-pop`)),
		chromedp.Click(chromedp.CSS(`#save`)),
		chromedp.WaitVisible(chromedp.CSS(`.field-error`)),
	)
	a.waitText(ctx, `main`, "Follow-up date has no month 31: the day comes first (DD-MM-YYYY HH:MM)")
	a.shot(ctx, "4-month-first-refused")
	if got := stored(); got == nil || !got.Equal(time.Date(2027, 1, 7, 9, 5, 0, 0, jlm)) {
		t.Fatalf("a refused date changed the follow-up to %v", got)
	}
	// Text that is no date at all is stopped by the browser, as the field's
	// pattern says, before it is sent.
	a.run(ctx, "type words", setValue(`#follow_up_at`, ""), chromedp.SendKeys(chromedp.CSS(`#follow_up_at`), "next week"))
	invalid, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.querySelector("#follow_up_at").checkValidity()`))
	if err != nil || !invalid {
		t.Fatalf("the field takes %q as valid (%v)", "next week", err)
	}

	// "Today" is today in Jerusalem, not in New York.
	before := time.Now().In(jlm)
	a.run(ctx, "today", setValue(`#follow_up_at`, ""), chromedp.Click(chromedp.CSS(`.datefield-open`)),
		chromedp.WaitVisible(chromedp.CSS(`.datefield-pop`)), chromedp.Click(chromedp.CSS(`.datefield-today`)))
	after := time.Now().In(jlm)
	v := a.value(ctx, `#follow_up_at`)
	if v != before.Format("02-01-2006")+" 09:00" && v != after.Format("02-01-2006")+" 09:00" {
		t.Fatalf("Today wrote %q, want %s 09:00", v, before.Format("02-01-2006"))
	}
	a.run(ctx, "close with Escape", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(chromedp.CSS(`.datefield-pop`)))

	// At phone width the open picker fits the screen.
	a.run(ctx, "phone width", chromedp.EmulateViewport(390, 844), chromedp.Navigate(card),
		chromedp.WaitVisible(chromedp.CSS(`.datefield-open`)), chromedp.Click(chromedp.CSS(`.datefield-open`)),
		chromedp.WaitVisible(chromedp.CSS(`.datefield-pop`)))
	a.shot(ctx, "5-phone-width")
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1 ||
		document.querySelector(".datefield-pop").getBoundingClientRect().right > window.innerWidth + 1`))
	if err != nil || wide {
		t.Fatalf("the picker is wider than a phone (%v)", err)
	}
	a.run(ctx, "desktop width", chromedp.EmulateViewport(1280, 900))

	// The add form's field is the same: picked, sent and stored in Jerusalem.
	a.run(ctx, "add a customer",
		chromedp.Navigate(fmt.Sprintf("%s/campaigns/%d/customers/new", a.url, camp.ID)),
		chromedp.WaitVisible(chromedp.CSS(`#add-customer .datefield-open`)),
		chromedp.SendKeys(chromedp.CSS(`#name`), "Added"),
		chromedp.SendKeys(chromedp.CSS(`#phone`), "054-765-4321"),
		chromedp.Click(chromedp.CSS(`.datefield-open`)),
		chromedp.WaitVisible(chromedp.CSS(`.datefield-pop`)),
		chromedp.Click(chromedp.CSS(`.datefield-grid button[data-day="20"]`)),
		chooseOption(`.datefield-hour`, "8"),
		chooseOption(`.datefield-minute`, "30"),
	)
	now := time.Now().In(jlm)
	want := fmt.Sprintf("20-%02d-%d 08:30", int(now.Month()), now.Year())
	if v := a.value(ctx, `#follow_up_at`); v != want {
		t.Fatalf("the add form's picker wrote %q, want %q", v, want)
	}
	a.run(ctx, "send the add form", chromedp.Click(chromedp.CSS(`.datefield-done`)),
		chromedp.Click(chromedp.CSS(`#add-customer button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.alert.ok`)))
	added, _, err := cs.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{Phone: ptr("+972547654321")})
	wantAt := time.Date(now.Year(), now.Month(), 20, 8, 30, 0, 0, jlm)
	if err != nil || len(added) != 1 || added[0].FollowUpAt == nil || !added[0].FollowUpAt.Equal(wantAt) {
		t.Fatalf("added customer: %+v %v, want follow-up %v", added, err, wantAt)
	}
	if v := a.value(ctx, `#follow_up_at`); v != want {
		t.Fatalf("the new customer's card shows %q, want %q", v, want)
	}
}

// TestBrowserDoNotCallTakenBack: an agent is asked before giving a
// do-not-call status; an admin then allows the customer again on its card,
// and removes the number from the register after seeing how many customers
// that frees.
func TestBrowserDoNotCallTakenBack(t *testing.T) {
	a := newBrowserApp(t)
	f := storetest.NewFixture(t, a.db, "acme")
	spring, summer := f.Campaign(t, "Spring"), f.Campaign(t, "Summer")
	agent := f.Agent(t, "Dana", false, spring.ID)
	cs := sqldb.NewCustomerService(a.db)
	const phone = "+972526234567"
	c := f.Customer(t, spring.ID, "Noa", phone)
	other := f.Customer(t, summer.ID, "Noa elsewhere", phone)
	if _, err := cs.UpdateCustomer(f.AdminCtx, c.ID, callsheet.CustomerUpdate{AgentID: &agent.ID}); err != nil {
		t.Fatal(err)
	}
	dnc := f.Statuses[callsheet.StatusDoNotCall]
	card := fmt.Sprintf("%s/customers/%d", a.url, c.ID)
	get := func(id int64) *callsheet.Customer {
		got, err := cs.FindCustomerByID(f.AdminCtx, id)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	ctx := a.browser()
	a.login(ctx, agent.Login, storetest.Password)
	a.run(ctx, "choose do not call",
		chromedp.Navigate(card), chromedp.WaitVisible(chromedp.CSS(`#status`)),
		chromedp.SetValue(chromedp.CSS(`#status`), fmt.Sprint(dnc.ID)),
		chromedp.SendKeys(chromedp.CSS(`#add_note`), "said stop calling"),
		chromedp.Click(chromedp.CSS(`#save`)),
		chromedp.WaitVisible(chromedp.CSS(`#confirm-do-not-call`)),
	)
	a.waitText(ctx, `#confirm-do-not-call`, "goes on the do-not-call register")
	a.shot(ctx, "1-asked")
	if got := get(c.ID); got.Blocked || got.StatusID == dnc.ID {
		t.Fatalf("saved before the agent confirmed: %+v", got)
	}
	// The box must be ticked: the browser does not send the form without it.
	a.run(ctx, "save unticked", chromedp.Click(chromedp.CSS(`#save`)))
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#confirm_do_not_call").validity.valueMissing`)); err != nil || !ok {
		t.Fatalf("the unticked box does not stop the form (%v)", err)
	}
	a.run(ctx, "confirm", chromedp.Click(chromedp.CSS(`#confirm_do_not_call`)), chromedp.Click(chromedp.CSS(`#save`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert.ok`)))
	a.waitText(ctx, `#notes`, "said stop calling")
	if got := get(c.ID); !got.Blocked || got.StatusID != dnc.ID {
		t.Fatalf("after confirming: %+v", got)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#allow-contact").length`))
	if err != nil || n != 0 {
		t.Fatalf("the agent is offered to allow contact (%d, %v)", n, err)
	}

	admin := a.browser()
	a.login(admin, f.Admin.Login, storetest.Password)
	a.run(admin, "the card", chromedp.Navigate(card), chromedp.WaitVisible(chromedp.CSS(`#allow-contact`)))
	a.waitText(admin, `#others-blocked`, "1 other customer with this phone stays blocked")
	a.shot(admin, "2-allow-contact")
	a.run(admin, "allow contact again",
		chromedp.SetValue(chromedp.CSS(`#allow_status`), fmt.Sprint(f.Initial.ID)),
		chromedp.SendKeys(chromedp.CSS(`#allow_reason`), "chosen by mistake"),
		chromedp.Click(chromedp.CSS(`#allow-contact-button`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert.ok`)),
	)
	a.waitText(admin, `.alert.ok`, "Contact allowed again")
	a.waitText(admin, `main`, "customer.allow_contact: chosen by mistake")
	a.shot(admin, "3-allowed")
	if got := get(c.ID); got.Blocked || got.StatusID != f.Initial.ID {
		t.Fatalf("after allowing: %+v", got)
	}
	if !get(other.ID).Blocked {
		t.Fatal("the other customer with the phone was unblocked")
	}
	// The agent has the customer in the work list again.
	a.run(ctx, "work list", chromedp.Navigate(a.url+"/work"))
	a.waitText(ctx, `main`, "Noa")

	a.run(admin, "the register", chromedp.Navigate(a.url+"/admin/dnc"), chromedp.WaitVisible(chromedp.CSS(`#dnc`)),
		chromedp.Click(chromedp.CSS(`#dnc a.remove`)), chromedp.WaitVisible(chromedp.CSS(`#remove-dnc`)))
	a.waitText(admin, `#remove-effect`, "1 customer with this phone will be callable again.")
	a.waitText(admin, `#remove-customers`, "Noa elsewhere")
	a.shot(admin, "4-remove-preview")
	a.run(admin, "remove",
		chromedp.SendKeys(chromedp.CSS(`#remove_reason`), "asked to be called after all"),
		chromedp.Click(chromedp.CSS(`#remove-button`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert.ok`)),
	)
	a.waitText(admin, `.alert.ok`, "052-623-4567 was removed from the do-not-call register: 1 customer with this phone may be called again.")
	a.shot(admin, "5-removed")
	if get(other.ID).Blocked {
		t.Fatal("still blocked after the number left the register")
	}
	a.run(admin, "audit log", chromedp.Navigate(a.url+"/admin/audit"))
	a.waitText(admin, `main`, "do_not_call.remove")
	body, _ := chromedp.Run(admin, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
	if !strings.Contains(body, "asked to be called after all") || !strings.Contains(body, "chosen by mistake") {
		t.Fatalf("the audit log lacks the reasons: %.500s", body)
	}
}
