package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb/storetest"
	"github.com/chromedp/chromedp"
)

// TestBrowserTour opens every page, as an admin and as an agent, at desktop
// and phone width: each answers without an error, fits the screen, and has
// a label for every input.
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

	for _, who := range []struct {
		name, login string
		pages       []string
	}{{"admin", f.Admin.Login, adminPages}, {"agent", agent.Login, agentPages}} {
		t.Run(who.name, func(t *testing.T) {
			ctx := a.browser()
			a.login(ctx, who.login, storetest.Password)
			for _, width := range []int64{1280, 390} {
				a.run(ctx, "viewport", chromedp.EmulateViewport(width, 900))
				for _, p := range who.pages {
					a.run(ctx, "open "+p, chromedp.Navigate(a.url+p), chromedp.WaitVisible(chromedp.CSS(`main`)))
					title, err := chromedp.Run(ctx, chromedp.Title())
					if err != nil {
						t.Fatal(err)
					}
					for _, bad := range []string{"Not Found", "Forbidden", "Internal", "Error"} {
						if strings.HasPrefix(title, bad) {
							t.Errorf("%s %s: page %q", who.name, p, title)
						}
					}
					if miss, _ := chromedp.Run(ctx, chromedp.Evaluate[string](unlabelled)); miss != "" {
						t.Errorf("%s %s: inputs without a label: %s", who.name, p, miss)
					}
					if width < 1000 {
						if wide, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)); wide {
							a.shot(ctx, fmt.Sprintf("too-wide-%s", strings.ReplaceAll(strings.Trim(p, "/"), "/", "-")))
							t.Errorf("%s %s: wider than a %dpx screen", who.name, p, width)
						}
					}
					a.shot(ctx, fmt.Sprintf("%s-%d-%s", who.name, width, strings.ReplaceAll(strings.Trim(p, "/"), "/", "-")))
				}
			}
		})
	}
}
