package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// adminPages are every admin-only page, as GET paths and POST actions.
var adminGets = []string{"/admin/users", "/admin/statuses", "/admin/fields", "/admin/tokens", "/admin/settings", "/admin/audit", "/admin/dnc"}

func TestAgentAccess(t *testing.T) {
	ts, db := mustServer(t)
	f := storetest.NewFixture(t, db, "acme")
	mine := f.Campaign(t, "Mine")
	theirs := f.Campaign(t, "Theirs")
	agent := f.Agent(t, "Agent Smith", false, mine.ID)
	myCustomer := f.Customer(t, mine.ID, "Visible Customer", "+972521234567")
	hidden := f.Customer(t, theirs.ID, "Hidden Customer", "+972521234568")

	c := newClient(t, ts.URL)
	c.login(agent.Login, storetest.Password)

	t.Run("admin pages are forbidden", func(t *testing.T) {
		for _, p := range append(adminGets, "/admin/users/"+fmt.Sprint(f.Admin.ID), "/campaigns/"+fmt.Sprint(mine.ID)+"/edit") {
			if code, _ := c.get(p); code != http.StatusForbidden {
				t.Errorf("GET %s: %d, want 403", p, code)
			}
		}
		c.get("/campaigns")
		posts := map[string]url.Values{
			"/campaigns":                           {"name": {"Sneaky"}},
			"/admin/users":                         {"name": {"X"}, "login": {"x"}, "password": {"password123"}, "role": {"admin"}},
			"/admin/statuses":                      {"name": {"X"}, "kind": {"open"}},
			"/admin/fields":                        {"label": {"X"}, "type": {"text"}},
			"/admin/tokens":                        {"name": {"X"}},
			"/admin/settings":                      {"name": {"X"}, "country": {"US"}, "time_zone": {"UTC"}},
			"/admin/users/" + fmt.Sprint(agent.ID): {"name": {agent.Name}, "login": {agent.Login}, "role": {"admin"}, "active": {"on"}},
		}
		for p, form := range posts {
			if code, _, _ := c.post(p, form); code != http.StatusForbidden {
				t.Errorf("POST %s: %d, want 403", p, code)
			}
		}
		u, err := sqldb.NewUserService(db).FindUserByID(f.AdminCtx, agent.ID)
		if err != nil || u.Role != callsheet.RoleAgent {
			t.Fatalf("agent promoted itself: %+v %v", u, err)
		}
	})
	t.Run("no admin links in the menu", func(t *testing.T) {
		_, body := c.get("/campaigns")
		if strings.Contains(body, "/admin/") {
			t.Fatal("agent's page links to admin pages")
		}
	})
	t.Run("only my campaigns and their customers", func(t *testing.T) {
		_, body := c.get("/campaigns")
		contains(t, body, "Mine")
		if strings.Contains(body, "Theirs") {
			t.Fatal("agent sees a campaign they do not work")
		}
		if code, _ := c.get(fmt.Sprintf("/campaigns/%d", theirs.ID)); code != http.StatusNotFound {
			t.Fatalf("other campaign: %d", code)
		}
		if code, _ := c.get(fmt.Sprintf("/customers/%d", hidden.ID)); code != http.StatusNotFound {
			t.Fatalf("other campaign's customer: %d", code)
		}
		if code, _ := c.get(fmt.Sprintf("/work?campaign=%d", theirs.ID)); code != http.StatusNotFound {
			t.Fatalf("my customers of another campaign: %d", code)
		}
		if code, _ := c.get(fmt.Sprintf("/work?campaign=%d", mine.ID)); code != http.StatusOK {
			t.Fatalf("my customers of my campaign: %d", code)
		}
		code, body := c.get(fmt.Sprintf("/campaigns/%d", mine.ID))
		if code != http.StatusOK {
			t.Fatalf("my campaign: %d", code)
		}
		contains(t, body, "Visible Customer")
		if code, _ := c.get(fmt.Sprintf("/customers/%d", myCustomer.ID)); code != http.StatusOK {
			t.Fatalf("my customer: %d", code)
		}
		code, _, _ = c.post(fmt.Sprintf("/customers/%d", hidden.ID), url.Values{"note": {"x"}, "status": {fmt.Sprint(f.Initial.ID)}})
		if code != http.StatusNotFound {
			t.Fatalf("update other campaign's customer: %d", code)
		}
	})
}

// TestCrossAccountWeb shows an admin of account A gets not found for every
// object of account B, by every page and form.
func TestCrossAccountWeb(t *testing.T) {
	ts, db := mustServer(t)
	a := storetest.NewFixture(t, db, "alpha")
	b := storetest.NewFixture(t, db, "beta")
	bCamp := b.Campaign(t, "Beta campaign")
	bAgent := b.Agent(t, "Beta agent", false, bCamp.ID)
	bCust := b.Customer(t, bCamp.ID, "Beta customer", "+972521234567")
	bField := &callsheet.CustomField{Label: "Beta field", Type: callsheet.FieldText}
	if err := sqldb.NewCustomFieldService(db).CreateCustomField(b.AdminCtx, bField); err != nil {
		t.Fatal(err)
	}
	bTok := &callsheet.APIToken{Name: "beta"}
	if _, err := sqldb.NewAPITokenService(db).CreateAPIToken(b.AdminCtx, bTok); err != nil {
		t.Fatal(err)
	}

	c := newClient(t, ts.URL)
	c.login(a.Admin.Login, storetest.Password)
	aCamp := a.Campaign(t, "Alpha campaign")
	gets := []string{
		fmt.Sprintf("/campaigns/%d?status=%d", aCamp.ID, b.Initial.ID),
		fmt.Sprintf("/campaigns/%d?agent=%d", aCamp.ID, bAgent.ID),
		fmt.Sprintf("/work?campaign=%d", bCamp.ID),
		fmt.Sprintf("/campaigns/%d", bCamp.ID),
		fmt.Sprintf("/campaigns/%d/edit", bCamp.ID),
		fmt.Sprintf("/customers/%d", bCust.ID),
		fmt.Sprintf("/admin/users/%d", bAgent.ID),
		fmt.Sprintf("/admin/statuses/%d", b.Initial.ID),
	}
	for _, p := range gets {
		if code, _ := c.get(p); code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, code)
		}
	}
	c.get("/campaigns")
	posts := map[string]url.Values{
		fmt.Sprintf("/campaigns/%d/edit", bCamp.ID):       {"name": {"Taken over"}},
		fmt.Sprintf("/customers/%d", bCust.ID):            {"note": {"x"}, "status": {fmt.Sprint(a.Initial.ID)}},
		fmt.Sprintf("/admin/users/%d", bAgent.ID):         {"name": {"X"}, "login": {"x"}, "role": {"agent"}},
		fmt.Sprintf("/admin/statuses/%d", b.Initial.ID):   {"name": {"X"}, "kind": {"initial"}},
		fmt.Sprintf("/admin/fields/%d", bField.ID):        {"label": {"X"}},
		fmt.Sprintf("/admin/fields/%d/delete", bField.ID): {},
		fmt.Sprintf("/admin/tokens/%d/revoke", bTok.ID):   {},
	}
	for p, form := range posts {
		if code, _, _ := c.post(p, form); code != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", p, code)
		}
	}
	_, body := c.get("/campaigns")
	if strings.Contains(body, "Beta") {
		t.Fatal("A's campaign list shows B's campaign")
	}
	// B is untouched.
	got, err := sqldb.NewCampaignService(db).FindCampaignByID(b.AdminCtx, bCamp.ID)
	if err != nil || got.Name != "Beta campaign" {
		t.Fatalf("B's campaign: %+v %v", got, err)
	}
	toks, _ := sqldb.NewAPITokenService(db).FindAPITokens(b.AdminCtx)
	if len(toks) != 1 || toks[0].RevokedAt != nil {
		t.Fatalf("B's token: %+v", toks)
	}
}

func TestAdminPages(t *testing.T) {
	ts, db := mustServer(t)
	f := storetest.NewFixture(t, db, "acme")
	camp := f.Campaign(t, "Spring")
	c := newClient(t, ts.URL)
	c.login(f.Admin.Login, storetest.Password)
	for _, p := range adminGets {
		if code, _ := c.get(p); code != http.StatusOK {
			t.Errorf("GET %s: %d", p, code)
		}
	}
	t.Run("create an agent with the add permission and a campaign", func(t *testing.T) {
		c.get("/admin/users")
		code, _, _ := c.post("/admin/users", url.Values{"name": {"Dana Levi"}, "login": {"dana"}, "password": {"password123"},
			"role": {"agent"}, "can_add_customer": {"on"}, "campaigns": {fmt.Sprint(camp.ID)}})
		if code != http.StatusSeeOther {
			t.Fatalf("create: %d", code)
		}
		us, _, _ := sqldb.NewUserService(db).FindUsers(f.AdminCtx, callsheet.UserFilter{Login: ptr("dana")})
		if len(us) != 1 || !us[0].CanAddCustomer || len(us[0].CampaignIDs) != 1 {
			t.Fatalf("user %+v", us)
		}
		// Revoke the permission.
		c.get(fmt.Sprintf("/admin/users/%d", us[0].ID))
		code, _, _ = c.post(fmt.Sprintf("/admin/users/%d", us[0].ID), url.Values{"name": {"Dana Levi"}, "login": {"dana"}, "role": {"agent"}, "active": {"on"}})
		if code != http.StatusSeeOther {
			t.Fatalf("save: %d", code)
		}
		u, _ := sqldb.NewUserService(db).FindUserByID(f.AdminCtx, us[0].ID)
		if u.CanAddCustomer || len(u.CampaignIDs) != 0 {
			t.Fatalf("after revoke: %+v", u)
		}
	})
	t.Run("form errors re-render with the field named", func(t *testing.T) {
		c.get("/admin/users")
		code, body, _ := c.post("/admin/users", url.Values{"name": {""}, "login": {"someone"}, "password": {"short"}, "role": {"agent"}})
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("code %d", code)
		}
		contains(t, body, "Name is required.")
		contains(t, body, `value="someone"`)
	})
	t.Run("a token is shown once", func(t *testing.T) {
		c.get("/admin/tokens")
		code, body, _ := c.post("/admin/tokens", url.Values{"name": {"website"}})
		if code != http.StatusOK || !strings.Contains(body, sqldb.TokenPrefix) {
			t.Fatalf("create token: %d", code)
		}
		_, body = c.get("/admin/tokens")
		if strings.Contains(body, `id="secret"`) {
			t.Fatal("the secret is shown again")
		}
	})
	t.Run("do not call", func(t *testing.T) {
		cust := f.Customer(t, camp.ID, "Caller", "+972526234567")
		admin := newClient(t, ts.URL)
		admin.login(f.Admin.Login, storetest.Password)
		admin.get("/admin/dnc")
		code, body, _ := admin.post("/admin/dnc", url.Values{"phone": {"050-123-4567"}})
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("invalid phone: %d", code)
		}
		contains(t, body, "is not a valid number for IL")
		code, _, resp := admin.post("/admin/dnc", url.Values{"phone": {"052-623-4567"}, "reason": {"asked on the phone"}})
		if code != http.StatusSeeOther {
			t.Fatalf("add: %d", code)
		}
		_, body = admin.get(resp.Header.Get("Location"))
		contains(t, body, "+972526234567")
		contains(t, body, "asked on the phone")
		got, err := sqldb.NewCustomerService(db).FindCustomerByID(f.AdminCtx, cust.ID)
		if err != nil || !got.Blocked {
			t.Fatalf("the customer with the phone is not blocked: %+v %v", got, err)
		}
	})
	t.Run("settings show how a date is read", func(t *testing.T) {
		_, body := c.get("/admin/settings")
		contains(t, body, "Friday 25 December 2026, 14:30 IST (UTC+02:00)")
		c.post("/admin/settings", url.Values{"name": {"acme"}, "country": {"US"}, "time_zone": {"America/New_York"}})
		_, body = c.get("/admin/settings")
		contains(t, body, "Friday 25 December 2026, 14:30 EST (UTC-05:00)")
		code, body, _ := c.post("/admin/settings", url.Values{"name": {"acme"}, "country": {"US"}, "time_zone": {"Nowhere/Else"}})
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("bad zone: %d", code)
		}
		contains(t, body, "Time zone must be an IANA name")
	})
}

func ptr[T any](v T) *T { return &v }

// TestCustomerCard: an admin corrects a customer's details, with the phone
// read as imports read it; an agent's form cannot change them.
func TestCustomerCard(t *testing.T) {
	ts, db := mustServer(t)
	f := storetest.NewFixture(t, db, "acme")
	camp := f.Campaign(t, "Spring")
	agent := f.Agent(t, "Worker", false, camp.ID)
	c := f.Customer(t, camp.ID, "Typo", "+972526234567")
	path := fmt.Sprintf("/customers/%d", c.ID)
	status := fmt.Sprint(f.Initial.ID)

	admin := newClient(t, ts.URL)
	admin.login(f.Admin.Login, storetest.Password)
	admin.get(path)
	code, body, _ := admin.post(path, url.Values{"status": {status}, "name": {"Fixed"}, "phone": {"050-123-4567"}})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("invalid phone: %d", code)
	}
	contains(t, body, "is not a valid number for IL")
	code, _, _ = admin.post(path, url.Values{"status": {status}, "name": {"Fixed"}, "phone": {"054-765-4321"}, "email": {"fixed@example.com"}})
	if code != http.StatusSeeOther {
		t.Fatalf("save: %d", code)
	}
	got, _ := sqldb.NewCustomerService(db).FindCustomerByID(f.AdminCtx, c.ID)
	if got.Name != "Fixed" || got.Phone != "+972547654321" || got.Email != "fixed@example.com" {
		t.Fatalf("after the admin's save: %+v", got)
	}

	ag := newClient(t, ts.URL)
	ag.login(agent.Login, storetest.Password)
	ag.get(path)
	code, _, _ = ag.post(path, url.Values{"status": {status}, "name": {"Agent was here"}, "add_note": {"called"}})
	if code != http.StatusSeeOther {
		t.Fatalf("agent save: %d", code)
	}
	got, _ = sqldb.NewCustomerService(db).FindCustomerByID(f.AdminCtx, c.ID)
	if got.Name != "Fixed" || !strings.Contains(got.Note, "Worker: called") {
		t.Fatalf("after the agent's save: %+v", got)
	}
}
