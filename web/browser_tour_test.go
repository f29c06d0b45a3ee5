package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/i18n"
	"github.com/callsheet/callsheet/sqldb/storetest"
	"github.com/chromedp/chromedp"
)

// TestBrowserTour opens every page, in English and in Hebrew, as an admin
// and as an agent, at desktop and phone width: each answers without an
// error in the account's language and direction, fits the screen, has a
// label for every input, and shows phones in national form, left to right
// also inside Hebrew. Screenshots of every page are saved for both.
func TestBrowserTour(t *testing.T) {
	a := newBrowserApp(t)
	f := storetest.NewFixture(t, a.db, "acme")
	camp := f.Campaign(t, "אביב Spring")
	agent := f.Agent(t, "דנה לוי", true, camp.ID)
	city := &callsheet.CustomField{Label: "עיר", Type: callsheet.FieldText}
	if err := a.services.CustomFields.CreateCustomField(f.AdminCtx, city); err != nil {
		t.Fatal(err)
	}
	fu := time.Now().Add(time.Hour)
	c := &callsheet.Customer{CampaignID: camp.ID, Name: "ישראל", LastName: "ישראלי", Phone: "+972526234567", AgentID: agent.ID,
		FollowUpAt: &fu, Custom: map[int64]string{city.ID: "חיפה"}, Note: "מעוניין, לחזור אחרי 17:00"}
	if err := a.services.Customers.CreateCustomer(f.AdminCtx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := a.services.Tokens.CreateAPIToken(f.AdminCtx, &callsheet.APIToken{Name: "website"}); err != nil {
		t.Fatal(err)
	}

	adminPages := []string{"/campaigns", fmt.Sprintf("/campaigns/%d", camp.ID), fmt.Sprintf("/campaigns/%d/edit", camp.ID),
		fmt.Sprintf("/campaigns/%d/import", camp.ID), fmt.Sprintf("/campaigns/%d/customers/new", camp.ID), fmt.Sprintf("/customers/%d", c.ID),
		"/work", "/me", "/admin/users", fmt.Sprintf("/admin/users/%d", agent.ID), "/admin/statuses", fmt.Sprintf("/admin/statuses/%d", f.Initial.ID),
		"/admin/fields", "/admin/tokens", "/admin/settings", "/admin/audit", "/admin/dnc"}
	agentPages := []string{"/campaigns", fmt.Sprintf("/campaigns/%d", camp.ID), fmt.Sprintf("/campaigns/%d/customers/new", camp.ID),
		fmt.Sprintf("/customers/%d", c.ID), "/work", "/me"}

	// unlabelled finds inputs without a label: by a <label for>, an
	// enclosing <label>, or aria-label.
	const unlabelled = `Array.from(document.querySelectorAll("input:not([type=hidden]):not([type=submit]), select, textarea"))
		.filter(e => !e.closest("label") && !e.getAttribute("aria-label") && !(e.id && document.querySelector("label[for='" + e.id + "']")))
		.map(e => e.name || e.id).join(",")`

	// outside finds visible elements that reach past either edge of the
	// screen, other than inside a box that scrolls (a wide table's wrap).
	// In a right-to-left page what overflows goes off the left edge, where
	// the page's own scroll width does not always show it.
	const outside = `(() => {
		const w = document.documentElement.clientWidth, out = [];
		const scrolls = e => { for (let p = e.parentElement; p; p = p.parentElement) {
			const o = getComputedStyle(p).overflowX; if (o === "auto" || o === "scroll" || o === "hidden") return true; } return false; };
		for (const e of document.querySelectorAll("body *")) {
			const r = e.getBoundingClientRect();
			if (r.width === 0 || r.height === 0 || getComputedStyle(e).visibility === "hidden") continue;
			if ((r.left < -1 || r.right > w + 1) && !scrolls(e)) out.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + String(e.className).split(" ")[0] : "") + " [" + Math.round(r.left) + ", " + Math.round(r.right) + "]");
		}
		return out.slice(0, 5).join("; ");
	})()`

	// phoneOrder reads the first phone shown on the page: its text, and
	// whether its characters stand left to right on the screen, first
	// digit leftmost, as a phone must read inside Hebrew too.
	const phoneOrder = `(() => {
		const e = document.querySelector(".phone"); if (!e) return "";
		const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
		let n; while ((n = walker.nextNode()) && !/\d/.test(n.data)) {}
		if (!n) return "";
		const text = n.data.trim(), start = n.data.indexOf(text), xs = [];
		for (let i = 0; i < text.length; i++) {
			const r = document.createRange(); r.setStart(n, start + i); r.setEnd(n, start + i + 1);
			xs.push(r.getBoundingClientRect().left);
		}
		const ltr = xs.every((x, i) => i === 0 || x > xs[i - 1]);
		return text + (ltr ? " ltr" : " reordered");
	})()`

	for _, lang := range []string{"en", "he"} {
		if _, err := a.services.Accounts.UpdateAccount(f.AdminCtx, f.Account.ID, callsheet.AccountUpdate{Language: &lang}); err != nil {
			t.Fatal(err)
		}
		// The statuses are the account's data: a Hebrew account names
		// them in Hebrew, as a new one in IL gets them.
		sts, _, err := a.services.Statuses.FindStatuses(f.AdminCtx, callsheet.StatusFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range sts {
			name := i18n.T(lang, st.Name)
			if _, err := a.services.Statuses.UpdateStatus(f.AdminCtx, st.ID, callsheet.StatusUpdate{Name: &name}); err != nil {
				t.Fatal(err)
			}
		}
		for _, who := range []struct {
			name, login string
			pages       []string
		}{{"admin", f.Admin.Login, adminPages}, {"agent", agent.Login, agentPages}} {
			t.Run(lang+"/"+who.name, func(t *testing.T) {
				ctx := a.browser()
				a.login(ctx, who.login, storetest.Password)
				for _, width := range []int64{1280, 390} {
					a.run(ctx, "viewport", chromedp.EmulateViewport(width, 900))
					for _, p := range who.pages {
						where := fmt.Sprintf("%s %s %s at %dpx", lang, who.name, p, width)
						a.run(ctx, "open "+p, chromedp.Navigate(a.url+p), chromedp.WaitVisible(chromedp.CSS(`main`)))
						title, err := chromedp.Run(ctx, chromedp.Title())
						if err != nil {
							t.Fatal(err)
						}
						status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main .alert.err") ? document.querySelector("main .alert.err").textContent : ""`))
						if strings.Contains(title, "Not Found") || strings.Contains(title, "Forbidden") || strings.Contains(title, "Internal") || status != "" {
							t.Errorf("%s: page %q %s", where, title, status)
						}
						attrs, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang + " " + document.documentElement.dir`))
						if want := map[string]string{"en": "en ltr", "he": "he rtl"}[lang]; attrs != want {
							t.Errorf("%s: <html> is %q, want %q", where, attrs, want)
						}
						nav, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.title`))
						if lang == "he" && !hasHebrew(nav) {
							t.Errorf("%s: the title %q is not in Hebrew", where, nav)
						}
						if miss, _ := chromedp.Run(ctx, chromedp.Evaluate[string](unlabelled)); miss != "" {
							t.Errorf("%s: inputs without a label: %s", where, miss)
						}
						if wide, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth + 1`)); wide {
							a.shot(ctx, fmt.Sprintf("too-wide-%s-%s", lang, strings.ReplaceAll(strings.Trim(p, "/"), "/", "-")))
							t.Errorf("%s: wider than the screen", where)
						}
						if out, _ := chromedp.Run(ctx, chromedp.Evaluate[string](outside)); out != "" {
							t.Errorf("%s: past the screen's edge: %s", where, out)
						}
						if ph, _ := chromedp.Run(ctx, chromedp.Evaluate[string](phoneOrder)); ph != "" && ph != "052-623-4567 ltr" {
							t.Errorf("%s: the phone reads %q, want 052-623-4567 left to right", where, ph)
						}
						a.shot(ctx, fmt.Sprintf("%s-%s-%d-%s", lang, who.name, width, strings.ReplaceAll(strings.Trim(p, "/"), "/", "-")))
					}
				}
			})
		}
	}
}

func hasHebrew(s string) bool {
	for _, r := range s {
		if r >= 0x0590 && r <= 0x05FF {
			return true
		}
	}
	return false
}
