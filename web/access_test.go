package web_test

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// adminPages are every admin-only page, as GET paths and POST actions.
var adminGets = []string{"/admin/users", "/admin/statuses", "/admin/fields", "/admin/tokens", "/admin/settings", "/admin/audit", "/admin/dnc"}

func TestAgentAccess(t *testing.T) { eachServer(t, testAgentAccess) }

func testAgentAccess(t *testing.T, ts *httptest.Server, db *sqldb.DB) {
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

func TestAdminPages(t *testing.T) { eachServer(t, testAdminPages) }

func testAdminPages(t *testing.T, ts *httptest.Server, db *sqldb.DB) {
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
		contains(t, body, "is not a valid number for") // for IL, isolated
		code, _, resp := admin.post("/admin/dnc", url.Values{"phone": {"052-623-4567"}, "reason": {"asked on the phone"}})
		if code != http.StatusSeeOther {
			t.Fatalf("add: %d", code)
		}
		_, body = admin.get(resp.Header.Get("Location"))
		// The register shows the phone as the account's country writes it.
		contains(t, body, `<td dir="ltr" class="phone">052-623-4567</td>`)
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
func TestCustomerCard(t *testing.T) { eachServer(t, testCustomerCard) }

func testCustomerCard(t *testing.T, ts *httptest.Server, db *sqldb.DB) {
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
	contains(t, body, "is not a valid number for") // for IL, isolated
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
	// The card shows the note's stamp and text each isolated, in the
	// page's direction, not the whole line in the direction of its first
	// letter.
	_, card := ag.get(path)
	if !regexp.MustCompile(`<p class="notes" id="notes"><bdi>\d\d-\d\d-\d{4} \d\d:\d\d</bdi> <bdi>Worker</bdi>: <bdi>called</bdi>`).MatchString(card) {
		t.Errorf("the card's notes are not split into stamp and text:\n%s", card)
	}
}

// accessCase is one request of the route access test.
type accessCase struct {
	method, path string
	form         url.Values // a form, or the fields of an upload
	json         any        // a JSON body
	upload       bool       // send form as a multipart upload with a small file
	fresh        bool       // on a client of its own (logging out ends the session)
	want         int
}

// routeAccess is what the access test holds for one route: what an admin
// (or token) of another account gets, and what an agent gets. A route
// with no case of either kind names the reason.
type routeAccess struct {
	cross, agent             []accessCase
	noCross, noAgent, exempt string
}

// TestEveryRouteAccess lists the server's routes and holds each to its
// cases: an admin or token of account A reaching for account B's objects,
// and an agent of A reaching for what is not theirs. A route with no case
// of either kind, and no stated reason, fails the test, so a new route
// cannot be added without saying who may reach it. Every answer is also
// searched for what its caller must never see: B's names and logins, and
// for the agent, a campaign they do not work, its customer, and others'
// logins.
func TestEveryRouteAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newAPIEnvOn(t, db, false)
		a, mine := e.f, e.camp
		theirs := a.Campaign(t, "Unworked campaign")
		agent := a.Agent(t, "Agent Smith", true, mine.ID)
		a.Customer(t, mine.ID, "Visible Customer", "+972521111111")
		hidden := a.Customer(t, theirs.ID, "Hidden Customer", "+972521111112")
		aJob := &callsheet.ImportJob{CampaignID: mine.ID, FileName: "a.csv", State: callsheet.ImportDraft}
		if err := e.svc.Imports.CreateImport(a.AdminCtx, aJob, strings.NewReader("Name,Phone\nA,052-623-4567\n")); err != nil {
			t.Fatal(err)
		}

		b := storetest.NewFixture(t, db, "beta")
		bCamp := b.Campaign(t, "Beta leads")
		bAgent := b.Agent(t, "Beta agent", false, bCamp.ID)
		bCust := b.Customer(t, bCamp.ID, "Beta customer", "+972526234567")
		bField := &callsheet.CustomField{Label: "Beta field", Type: callsheet.FieldText}
		if err := sqldb.NewCustomFieldService(db).CreateCustomField(b.AdminCtx, bField); err != nil {
			t.Fatal(err)
		}
		bTok := &callsheet.APIToken{Name: "beta"}
		if _, err := sqldb.NewAPITokenService(db).CreateAPIToken(b.AdminCtx, bTok); err != nil {
			t.Fatal(err)
		}
		if _, err := sqldb.NewDoNotCallService(db).AddDoNotCall(b.AdminCtx, "+972529999999", "Beta reason"); err != nil {
			t.Fatal(err)
		}
		bJob := &callsheet.ImportJob{CampaignID: bCamp.ID, FileName: "b.csv", State: callsheet.ImportDraft}
		if err := e.svc.Imports.CreateImport(b.AdminCtx, bJob, strings.NewReader("Name,Phone\nB,052-623-4567\n")); err != nil {
			t.Fatal(err)
		}
		bMarks := []string{bCamp.Name, bAgent.Name, bAgent.Login, bCust.Name, bField.Label, b.Admin.Name, b.Admin.Login, "Beta reason"}
		agentMarks := append([]string{theirs.Name, hidden.Name, a.Admin.Login}, bMarks...)

		p := fmt.Sprintf
		get := func(path string, want int) accessCase { return accessCase{method: "GET", path: path, want: want} }
		post := func(path string, form url.Values, want int) accessCase {
			return accessCase{method: "POST", path: path, form: form, want: want}
		}
		one := func(c accessCase) []accessCase { return []accessCase{c} }
		customer := url.Values{"name": {"X"}, "phone": {"054-765-4321"}}
		newCustomer := map[string]any{"name": "X", "phone": "054-765-4321"}
		upload := func(path string, fields url.Values, want int) accessCase {
			return accessCase{method: "POST", path: path, form: fields, upload: true, want: want}
		}
		routes := map[string]routeAccess{
			"GET /static/":          {exempt: "the embedded style sheet and script, the same for everyone"},
			"GET /healthz":          {exempt: "says the process is up; no account data"},
			"GET /readyz":           {exempt: "says the database answers; no account data"},
			"GET /metrics":          {exempt: "operator counters over every account, no account's data; served to the operator"},
			"GET /login":            {exempt: "the login form, before anyone is known (auth_test.go)"},
			"POST /login":           {exempt: "logging in, before anyone is known (auth_test.go)"},
			"/":                     {exempt: "not found for any path no other route takes; no data"},
			"GET /api/openapi.json": {exempt: "the public API document"},

			"POST /logout": {noCross: "ends the caller's own session, of whatever account",
				agent: one(accessCase{method: "POST", path: "/logout", fresh: true, want: http.StatusSeeOther})},
			"GET /{$}": {cross: one(get("/", http.StatusSeeOther)), agent: one(get("/", http.StatusSeeOther))},
			"GET /me":  {cross: one(get("/me", http.StatusOK)), agent: one(get("/me", http.StatusOK))},
			"POST /me": {noCross: "changes the caller's own password only",
				agent: one(post("/me", url.Values{"current": {"wrong password"}, "new": {"another password"}, "confirm": {"another password"}}, http.StatusUnprocessableEntity))},

			"GET /campaigns":  {cross: one(get("/campaigns", http.StatusOK)), agent: one(get("/campaigns", http.StatusOK))},
			"POST /campaigns": {cross: one(post("/campaigns", url.Values{"name": {"Alpha made"}}, http.StatusSeeOther)), agent: one(post("/campaigns", url.Values{"name": {"Sneaky"}}, http.StatusForbidden))},
			"GET /campaigns/{id}": {
				cross: []accessCase{get(p("/campaigns/%d", bCamp.ID), http.StatusNotFound),
					get(p("/campaigns/%d?status=%d", mine.ID, b.Initial.ID), http.StatusNotFound), get(p("/campaigns/%d?agent=%d", mine.ID, bAgent.ID), http.StatusNotFound)},
				agent: []accessCase{get(p("/campaigns/%d", theirs.ID), http.StatusNotFound), get(p("/campaigns/%d", mine.ID), http.StatusOK)}},
			"GET /campaigns/{id}/edit": {cross: one(get(p("/campaigns/%d/edit", bCamp.ID), http.StatusNotFound)), agent: one(get(p("/campaigns/%d/edit", mine.ID), http.StatusForbidden))},
			"POST /campaigns/{id}/edit": {cross: one(post(p("/campaigns/%d/edit", bCamp.ID), url.Values{"name": {"Taken over"}}, http.StatusNotFound)),
				agent: one(post(p("/campaigns/%d/edit", mine.ID), url.Values{"name": {"Taken over"}}, http.StatusForbidden))},
			"GET /campaigns/{id}/import": {cross: one(get(p("/campaigns/%d/import", bCamp.ID), http.StatusNotFound)), agent: one(get(p("/campaigns/%d/import", mine.ID), http.StatusForbidden))},
			"POST /campaigns/{id}/import": {cross: one(upload(p("/campaigns/%d/import", bCamp.ID), url.Values{"unique": {"any"}}, http.StatusNotFound)),
				agent: one(upload(p("/campaigns/%d/import", mine.ID), url.Values{"unique": {"any"}}, http.StatusForbidden))},
			"GET /campaigns/{id}/export.csv": {cross: one(get(p("/campaigns/%d/export.csv", bCamp.ID), http.StatusNotFound)), agent: one(get(p("/campaigns/%d/export.csv", mine.ID), http.StatusForbidden))},
			"GET /campaigns/{id}/adds": {cross: one(get(p("/campaigns/%d/adds?day=2026-11-30&source=api&token=1", bCamp.ID), http.StatusNotFound)),
				agent: one(get(p("/campaigns/%d/adds?day=2026-11-30&source=form&user=1", mine.ID), http.StatusForbidden))},
			"GET /campaigns/{id}/customers/new": {cross: one(get(p("/campaigns/%d/customers/new", bCamp.ID), http.StatusNotFound)),
				agent: one(get(p("/campaigns/%d/customers/new", theirs.ID), http.StatusNotFound))},
			"POST /campaigns/{id}/customers/new": {cross: one(post(p("/campaigns/%d/customers/new", bCamp.ID), customer, http.StatusNotFound)),
				agent: one(post(p("/campaigns/%d/customers/new", theirs.ID), customer, http.StatusNotFound))},

			"GET /work": {cross: []accessCase{get("/work", http.StatusOK), get(p("/work?campaign=%d", bCamp.ID), http.StatusNotFound)},
				agent: []accessCase{get("/work", http.StatusOK), get(p("/work?campaign=%d", theirs.ID), http.StatusNotFound)}},
			"GET /customers/{id}": {cross: one(get(p("/customers/%d", bCust.ID), http.StatusNotFound)), agent: one(get(p("/customers/%d", hidden.ID), http.StatusNotFound))},
			"POST /customers/{id}": {cross: one(post(p("/customers/%d", bCust.ID), url.Values{"note": {"x"}, "status": {fmt.Sprint(a.Initial.ID)}}, http.StatusNotFound)),
				agent: one(post(p("/customers/%d", hidden.ID), url.Values{"add_note": {"x"}, "status": {fmt.Sprint(a.Initial.ID)}}, http.StatusNotFound))},

			"GET /admin/users": {cross: one(get("/admin/users", http.StatusOK)), agent: one(get("/admin/users", http.StatusForbidden))},
			"POST /admin/users": {cross: one(post("/admin/users", url.Values{"name": {"Alpha agent"}, "login": {"alpha-agent"}, "password": {"password123"}, "role": {"agent"}, "campaigns": {fmt.Sprint(bCamp.ID)}}, http.StatusNotFound)),
				agent: one(post("/admin/users", url.Values{"name": {"X"}, "login": {"x"}, "password": {"password123"}, "role": {"admin"}}, http.StatusForbidden))},
			"GET /admin/users/{id}": {cross: one(get(p("/admin/users/%d", bAgent.ID), http.StatusNotFound)), agent: one(get(p("/admin/users/%d", agent.ID), http.StatusForbidden))},
			"POST /admin/users/{id}": {cross: one(post(p("/admin/users/%d", bAgent.ID), url.Values{"name": {"X"}, "login": {"x"}, "role": {"agent"}}, http.StatusNotFound)),
				agent: one(post(p("/admin/users/%d", agent.ID), url.Values{"name": {agent.Name}, "login": {agent.Login}, "role": {"admin"}, "active": {"on"}}, http.StatusForbidden))},
			"GET /admin/statuses": {cross: one(get("/admin/statuses", http.StatusOK)), agent: one(get("/admin/statuses", http.StatusForbidden))},
			"POST /admin/statuses": {cross: one(post("/admin/statuses", url.Values{"name": {"Alpha status"}, "kind": {"open"}}, http.StatusSeeOther)),
				agent: one(post("/admin/statuses", url.Values{"name": {"X"}, "kind": {"open"}}, http.StatusForbidden))},
			"GET /admin/statuses/{id}": {cross: one(get(p("/admin/statuses/%d", b.Initial.ID), http.StatusNotFound)), agent: one(get(p("/admin/statuses/%d", a.Initial.ID), http.StatusForbidden))},
			"POST /admin/statuses/{id}": {cross: one(post(p("/admin/statuses/%d", b.Initial.ID), url.Values{"name": {"X"}, "kind": {"initial"}}, http.StatusNotFound)),
				agent: one(post(p("/admin/statuses/%d", a.Initial.ID), url.Values{"name": {"X"}, "kind": {"initial"}}, http.StatusForbidden))},
			"GET /admin/fields": {cross: one(get("/admin/fields", http.StatusOK)), agent: one(get("/admin/fields", http.StatusForbidden))},
			"POST /admin/fields": {cross: one(post("/admin/fields", url.Values{"label": {"Alpha field"}, "type": {"text"}}, http.StatusSeeOther)),
				agent: one(post("/admin/fields", url.Values{"label": {"X"}, "type": {"text"}}, http.StatusForbidden))},
			"POST /admin/fields/{id}": {cross: one(post(p("/admin/fields/%d", bField.ID), url.Values{"label": {"X"}}, http.StatusNotFound)),
				agent: one(post(p("/admin/fields/%d", bField.ID), url.Values{"label": {"X"}}, http.StatusForbidden))},
			"POST /admin/fields/{id}/delete": {cross: one(post(p("/admin/fields/%d/delete", bField.ID), nil, http.StatusNotFound)),
				agent: one(post(p("/admin/fields/%d/delete", bField.ID), nil, http.StatusForbidden))},
			"GET /admin/tokens": {cross: one(get("/admin/tokens", http.StatusOK)), agent: one(get("/admin/tokens", http.StatusForbidden))},
			"POST /admin/tokens": {cross: one(post("/admin/tokens", url.Values{"name": {"alpha"}}, http.StatusOK)),
				agent: one(post("/admin/tokens", url.Values{"name": {"X"}}, http.StatusForbidden))},
			"POST /admin/tokens/{id}/revoke": {cross: one(post(p("/admin/tokens/%d/revoke", bTok.ID), nil, http.StatusNotFound)),
				agent: one(post(p("/admin/tokens/%d/revoke", bTok.ID), nil, http.StatusForbidden))},
			"GET /admin/settings": {cross: one(get("/admin/settings", http.StatusOK)), agent: one(get("/admin/settings", http.StatusForbidden))},
			"POST /admin/settings": {cross: one(post("/admin/settings", url.Values{"name": {a.Account.Name}, "country": {"IL"}, "time_zone": {"Asia/Jerusalem"}}, http.StatusSeeOther)),
				agent: one(post("/admin/settings", url.Values{"name": {"X"}, "country": {"US"}, "time_zone": {"UTC"}}, http.StatusForbidden))},
			"GET /admin/audit": {cross: one(get("/admin/audit", http.StatusOK)), agent: one(get("/admin/audit", http.StatusForbidden))},
			"GET /admin/dnc": {cross: []accessCase{get("/admin/dnc?phone=%2B972529999999", http.StatusOK), get("/admin/dnc?remove=%2B972529999999", http.StatusNotFound)},
				agent: one(get("/admin/dnc", http.StatusForbidden))},
			"POST /admin/dnc": {cross: one(post("/admin/dnc", url.Values{"phone": {bCust.Phone}, "reason": {"alpha"}}, http.StatusSeeOther)),
				agent: one(post("/admin/dnc", url.Values{"phone": {"052-623-4567"}}, http.StatusForbidden))},
			"POST /admin/dnc/remove": {cross: one(post("/admin/dnc/remove", url.Values{"remove": {"+972529999999"}, "remove_reason": {"alpha"}}, http.StatusNotFound)),
				agent: one(post("/admin/dnc/remove", url.Values{"remove": {"+972529999999"}, "remove_reason": {"x"}}, http.StatusForbidden))},
			"POST /customers/{id}/allow-contact": {cross: one(post(p("/customers/%d/allow-contact", bCust.ID), url.Values{"allow_reason": {"alpha"}, "allow_status": {fmt.Sprint(a.Initial.ID)}}, http.StatusNotFound)),
				agent: one(post(p("/customers/%d/allow-contact", hidden.ID), url.Values{"allow_reason": {"x"}}, http.StatusForbidden))},

			"GET /api/campaigns":      {cross: one(get("/api/campaigns", http.StatusOK)), agent: one(get("/api/campaigns", http.StatusOK))},
			"GET /api/campaigns/{id}": {cross: one(get(p("/api/campaigns/%d", bCamp.ID), http.StatusNotFound)), agent: one(get(p("/api/campaigns/%d", theirs.ID), http.StatusNotFound))},
			"GET /api/statuses":       {cross: one(get("/api/statuses", http.StatusOK)), agent: one(get("/api/statuses", http.StatusOK))},
			"GET /api/statuses/{id}":  {cross: one(get(p("/api/statuses/%d", b.Initial.ID), http.StatusNotFound)), agent: one(get(p("/api/statuses/%d", b.Initial.ID), http.StatusNotFound))},
			"GET /api/users": {cross: []accessCase{get("/api/users", http.StatusOK), get(p("/api/users?campaign=%d", bCamp.ID), http.StatusNotFound)},
				agent: []accessCase{get("/api/users", http.StatusOK), get(p("/api/users?campaign=%d", theirs.ID), http.StatusNotFound)}},
			"GET /api/users/{id}": {cross: one(get(p("/api/users/%d", bAgent.ID), http.StatusNotFound)),
				agent: []accessCase{get(p("/api/users/%d", a.Admin.ID), http.StatusOK), get(p("/api/users/%d", bAgent.ID), http.StatusNotFound)}},
			"GET /api/custom-fields":      {cross: one(get("/api/custom-fields", http.StatusOK)), agent: one(get("/api/custom-fields", http.StatusOK))},
			"GET /api/custom-fields/{id}": {cross: one(get(p("/api/custom-fields/%d", bField.ID), http.StatusNotFound)), agent: one(get(p("/api/custom-fields/%d", bField.ID), http.StatusNotFound))},
			"GET /api/customers": {
				cross: []accessCase{get("/api/customers", http.StatusOK), get(p("/api/customers?campaign=%d", bCamp.ID), http.StatusNotFound),
					get(p("/api/customers?status=%d", b.Initial.ID), http.StatusNotFound), get(p("/api/customers?agent=%d", bAgent.ID), http.StatusNotFound),
					get("/api/customers?phone=%2B972526234567", http.StatusOK)},
				agent: []accessCase{get("/api/customers", http.StatusOK), get(p("/api/customers?campaign=%d", theirs.ID), http.StatusNotFound),
					get("/api/customers?q=Hidden", http.StatusOK)}},
			"POST /api/customers": {cross: one(accessCase{method: "POST", path: "/api/customers", json: map[string]any{"campaign_id": bCamp.ID, "customer": newCustomer}, want: http.StatusNotFound}),
				agent: one(accessCase{method: "POST", path: "/api/customers", json: map[string]any{"campaign_id": mine.ID, "customer": newCustomer}, want: http.StatusForbidden})},
			"POST /api/customers/batch": {cross: one(accessCase{method: "POST", path: "/api/customers/batch", json: map[string]any{"campaign_id": bCamp.ID, "customers": []any{newCustomer}}, want: http.StatusNotFound}),
				agent: one(accessCase{method: "POST", path: "/api/customers/batch", json: map[string]any{"campaign_id": mine.ID, "customers": []any{newCustomer}}, want: http.StatusForbidden})},
			"GET /api/customers/{id}": {cross: one(get(p("/api/customers/%d", bCust.ID), http.StatusNotFound)), agent: one(get(p("/api/customers/%d", hidden.ID), http.StatusNotFound))},
			"PATCH /api/customers/{id}": {cross: one(accessCase{method: "PATCH", path: p("/api/customers/%d", bCust.ID), json: map[string]any{"name": "Taken"}, want: http.StatusNotFound}),
				agent: one(accessCase{method: "PATCH", path: p("/api/customers/%d", hidden.ID), json: map[string]any{"note": "x"}, want: http.StatusNotFound})},
			"DELETE /api/customers/{id}": {cross: one(accessCase{method: "DELETE", path: p("/api/customers/%d", bCust.ID), want: http.StatusNotFound}),
				agent: one(accessCase{method: "DELETE", path: p("/api/customers/%d", hidden.ID), want: http.StatusForbidden})},
			"POST /api/customers/{id}/allow-contact": {cross: one(accessCase{method: "POST", path: p("/api/customers/%d/allow-contact", bCust.ID), json: map[string]any{"reason": "alpha", "status_id": a.Initial.ID}, want: http.StatusNotFound}),
				agent: one(accessCase{method: "POST", path: p("/api/customers/%d/allow-contact", hidden.ID), json: map[string]any{"reason": "x"}, want: http.StatusForbidden})},
			"GET /api/do-not-call": {cross: []accessCase{get("/api/do-not-call", http.StatusOK), get("/api/do-not-call?phone=%2B972529999999", http.StatusOK)},
				agent: one(get("/api/do-not-call?phone=%2B972529999999", http.StatusForbidden))},
			"POST /api/do-not-call": {cross: one(accessCase{method: "POST", path: "/api/do-not-call", json: map[string]any{"phone": "+972528888888", "reason": "alpha"}, want: http.StatusCreated}),
				agent: one(accessCase{method: "POST", path: "/api/do-not-call", json: map[string]any{"phone": "052-623-4567"}, want: http.StatusForbidden})},
			"POST /api/do-not-call/remove": {cross: one(accessCase{method: "POST", path: "/api/do-not-call/remove", json: map[string]any{"phone": "+972529999999", "reason": "alpha"}, want: http.StatusNotFound}),
				agent: one(accessCase{method: "POST", path: "/api/do-not-call/remove", json: map[string]any{"phone": "+972529999999", "reason": "x"}, want: http.StatusForbidden})},
			"GET /api/imports": {cross: []accessCase{get("/api/imports", http.StatusOK), get(p("/api/imports?campaign=%d", bCamp.ID), http.StatusNotFound)},
				agent: one(get("/api/imports", http.StatusForbidden))},
			"POST /api/imports": {cross: one(upload("/api/imports", url.Values{"campaign_id": {fmt.Sprint(bCamp.ID)}, "mapping": {`{"name":"Name","phone":"Phone"}`}}, http.StatusNotFound)),
				agent: one(upload("/api/imports", url.Values{"campaign_id": {fmt.Sprint(mine.ID)}, "mapping": {`{"name":"Name","phone":"Phone"}`}}, http.StatusForbidden))},
			"POST /api/simple/customers": {cross: one(post("/api/simple/customers", url.Values{"token": {e.token}, "campaign": {fmt.Sprint(bCamp.ID)}, "name": {"X"}, "number": {"054-765-4321"}}, http.StatusNotFound)),
				agent: one(post("/api/simple/customers", url.Values{"campaign": {fmt.Sprint(mine.ID)}, "name": {"X"}, "number": {"054-765-4321"}}, http.StatusUnauthorized))},
			"POST /api/v1/customers": {cross: one(accessCase{method: "POST", path: "/api/v1/customers", json: map[string]any{"token": e.token, "campaign": bCamp.ID, "customers": []any{map[string]any{"number": "054-765-4321"}}}, want: http.StatusNotFound}),
				agent: one(accessCase{method: "POST", path: "/api/v1/customers", json: map[string]any{"campaign": mine.ID, "customers": []any{newCustomer}}, want: http.StatusUnauthorized})},
		}
		for _, path := range []string{"/imports/%d", "/imports/%d/mapping", "/imports/%d/progress", "/imports/%d/problems.csv"} {
			routes["GET "+strings.ReplaceAll(path, "%d", "{id}")] = routeAccess{cross: one(get(p(path, bJob.ID), http.StatusNotFound)), agent: one(get(p(path, aJob.ID), http.StatusForbidden))}
		}
		for _, path := range []string{"/imports/%d/mapping", "/imports/%d/run", "/imports/%d/back", "/imports/%d/cancel", "/imports/%d/undo"} {
			routes["POST "+strings.ReplaceAll(path, "%d", "{id}")] = routeAccess{cross: one(post(p(path, bJob.ID), nil, http.StatusNotFound)), agent: one(post(p(path, aJob.ID), nil, http.StatusForbidden))}
		}
		for _, path := range []string{"/api/imports/%d", "/api/imports/%d/problems", "/api/imports/%d/rows", "/api/imports/%d/problems.csv"} {
			routes["GET "+strings.ReplaceAll(path, "%d", "{id}")] = routeAccess{cross: one(get(p(path, bJob.ID), http.StatusNotFound)), agent: one(get(p(path, aJob.ID), http.StatusForbidden))}
		}
		for _, path := range []string{"/api/imports/%d/cancel", "/api/imports/%d/undo"} {
			routes["POST "+strings.ReplaceAll(path, "%d", "{id}")] = routeAccess{cross: one(post(p(path, bJob.ID), nil, http.StatusNotFound)), agent: one(post(p(path, aJob.ID), nil, http.StatusForbidden))}
		}

		// Every route has its cases, or says why it has none; and every
		// route with cases is one the server has.
		registered := map[string]bool{}
		for _, pattern := range e.srv.Routes() {
			registered[pattern] = true
			ra, ok := routes[pattern]
			switch {
			case !ok:
				t.Errorf("route %q has no access cases: add what an admin of another account and an agent get", pattern)
			case ra.exempt != "":
			case len(ra.cross) == 0 && ra.noCross == "":
				t.Errorf("route %q has no case of another account", pattern)
			case len(ra.agent) == 0 && ra.noAgent == "":
				t.Errorf("route %q has no agent case", pattern)
			}
		}
		for pattern, ra := range routes {
			if !registered[pattern] && ra.exempt == "" {
				t.Errorf("access cases for %q, which is not a route", pattern)
			}
		}

		adminC := newClient(t, e.ts.URL)
		adminC.login(a.Admin.Login, storetest.Password)
		agentC := newClient(t, e.ts.URL)
		agentC.login(agent.Login, storetest.Password)
		run := func(t *testing.T, c accessCase, agentCase bool) {
			t.Helper()
			login, cl := a.Admin.Login, adminC
			if agentCase {
				login, cl = agent.Login, agentC
			}
			if c.fresh {
				cl = newClient(t, e.ts.URL)
				cl.login(login, storetest.Password)
			}
			status, body := accessRequest(t, e, cl, c, agentCase)
			if status != c.want {
				t.Errorf("%s %s: %d, want %d: %.300s", c.method, c.path, status, c.want, body)
			}
			marks := bMarks
			if agentCase {
				marks = agentMarks
			}
			for _, m := range marks {
				if strings.Contains(html.UnescapeString(body), m) {
					t.Errorf("%s %s shows %q", c.method, c.path, m)
				}
			}
		}
		patterns := make([]string, 0, len(routes))
		for pattern := range routes {
			patterns = append(patterns, pattern)
		}
		sort.Strings(patterns)
		for _, pattern := range patterns {
			ra := routes[pattern]
			t.Run(pattern, func(t *testing.T) {
				for _, c := range ra.cross {
					run(t, c, false)
				}
				for _, c := range ra.agent {
					run(t, c, true)
				}
			})
		}

		// B is as it was.
		got, err := sqldb.NewCampaignService(db).FindCampaignByID(b.AdminCtx, bCamp.ID)
		if err != nil || got.Name != bCamp.Name {
			t.Errorf("B's campaign: %+v %v", got, err)
		}
		toks, _ := sqldb.NewAPITokenService(db).FindAPITokens(b.AdminCtx)
		if len(toks) != 1 || toks[0].RevokedAt != nil {
			t.Errorf("B's token: %+v", toks)
		}
		if c, err := sqldb.NewCustomerService(db).FindCustomerByID(b.AdminCtx, bCust.ID); err != nil || c.Blocked || c.Name != bCust.Name {
			t.Errorf("B's customer: %+v %v", c, err)
		}
		if _, n, err := sqldb.NewDoNotCallService(db).FindDoNotCalls(b.AdminCtx, callsheet.DoNotCallFilter{Phone: ptr("+972529999999")}); err != nil || n != 1 {
			t.Errorf("B's do-not-call register: %d entries, %v", n, err)
		}
		if fs, err := sqldb.NewCustomFieldService(db).FindCustomFields(b.AdminCtx); err != nil || len(fs) != 1 || fs[0].Label != bField.Label {
			t.Errorf("B's fields: %+v %v", fs, err)
		}
		if u, err := sqldb.NewUserService(db).FindUserByID(b.AdminCtx, bAgent.ID); err != nil || u.Name != bAgent.Name {
			t.Errorf("B's agent: %+v %v", u, err)
		}
		if u, err := sqldb.NewUserService(db).FindUserByID(a.AdminCtx, agent.ID); err != nil || u.Role != callsheet.RoleAgent {
			t.Errorf("the agent: %+v %v", u, err)
		}
	})
}

// accessRequest sends one case: a page request on the client's session,
// an API request with A's token (or, for the agent, the agent's session
// as Callsheet's pages send it). It returns the status and the body.
func accessRequest(t *testing.T, e *apiEnv, cl *client, c accessCase, agentCase bool) (int, string) {
	t.Helper()
	if !strings.HasPrefix(c.path, "/api/") {
		switch {
		case c.method == "GET":
			return cl.get(c.path)
		case c.upload:
			form := url.Values{"csrf": {cl.csrf}}
			for k, v := range c.form {
				form[k] = v
			}
			body, ct := upload(t, "x.csv", "Name,Phone\nX,054-765-4321\n", flat(form))
			resp, err := cl.http.Post(cl.base+c.path, ct, bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		default:
			form := url.Values{}
			for k, v := range c.form {
				form[k] = v
			}
			code, body, _ := cl.post(c.path, form)
			return code, body
		}
	}
	ca := call{Method: c.method, Path: c.path, Body: c.json}
	switch {
	case c.upload:
		ca.Body, ca.ContentType = upload(t, "x.csv", "Name,Phone\nX,054-765-4321\n", flat(c.form))
	case c.form != nil:
		ca.Body, ca.ContentType = c.form.Encode(), "application/x-www-form-urlencoded"
	}
	if agentCase {
		ca.Header, ca.Client = map[string]string{"Authorization": "", "X-CSRF-Token": cl.csrf}, cl.http
	}
	r := e.do(ca)
	return r.Status, string(r.Body)
}

// flat gives a form's first values, as upload takes them.
func flat(v url.Values) map[string]string {
	m := map[string]string{}
	for k := range v {
		m[k] = v.Get(k)
	}
	return m
}
