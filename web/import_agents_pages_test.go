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

// TestImportAgentsPages: the wizard offers the agents option (grant by
// default, each choice with its rule's words); the preview lists the agent
// who does not work the campaign with her customers and what the option
// chosen does, and the customers Move them here would take from another
// campaign; an import refused for its agent says so, not "rows are
// invalid", and "Load the rows" with unassign loads them without her; the
// default gives her the campaign, the report says so, and undo takes it
// back. On both engines.
func TestImportAgentsPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ts, _, svc := wizardServerOn(t, db)
		f := storetest.NewFixture(t, db, "acme")
		camp, other := f.Campaign(t, "Spring"), f.Campaign(t, "Old leads")
		dana := f.Agent(t, "Dana Levi", false)
		moved := f.Customer(t, other.ID, "Moshe before", "+972507112222")
		admin := newClient(t, ts.URL)
		admin.login(f.Admin.Login, storetest.Password)
		works := func() bool {
			t.Helper()
			u, err := svc.Users.FindUserByID(f.AdminCtx, dana.ID)
			if err != nil {
				t.Fatal(err)
			}
			return u.WorksCampaign(camp.ID)
		}
		page := func(id int64) string {
			t.Helper()
			code, body := admin.get(fmt.Sprintf("/imports/%d", id))
			if code != http.StatusOK {
				t.Fatalf("import page %d: %d", id, code)
			}
			return body
		}
		has := func(what, text string, wants ...string) {
			t.Helper()
			for _, w := range wants {
				if !strings.Contains(text, w) {
					t.Errorf("%s lacks %q:\n%s", what, w, text)
				}
			}
		}

		// The first step offers the three choices, grant ticked.
		_, body := admin.get(fmt.Sprintf("/campaigns/%d/import", camp.ID))
		if !strings.Contains(body, `name="agents" value="grant" checked`) || strings.Contains(body, `value="unassign" checked`) {
			t.Errorf("the first step does not tick grant")
		}
		for _, r := range callsheet.AgentRules {
			label, _, _ := strings.Cut(r.Why, ": ")
			has("the first step", visibleText(body), label)
		}

		file := "Name,Phone,Agent\nAvi,052-623-4567,Dana Levi\nRina,054-765-4321,Dana Levi\nMoshe,050-711-2222,\n"
		id := admin.uploadFile(camp.ID, "leads.csv", file, map[string]string{"unique": "move"})
		_, body = admin.get(fmt.Sprintf("/imports/%d/mapping", id))
		form := mappingForm(t, body)
		form.Set("unique", "move")
		form.Set("agents", "refuse")
		if code, body, _ := admin.post(fmt.Sprintf("/imports/%d/mapping", id), form); code != http.StatusSeeOther {
			t.Fatalf("save the mapping: %d\n%s", code, visibleText(body))
		}
		if job := waitImport(t, svc, f.AdminCtx, id); job.Options.Agents != callsheet.AgentsRefuse || len(job.AgentsOutside) != 1 {
			t.Fatalf("preview %+v", job)
		}
		body = page(id)
		text := visibleText(body)
		has("the preview", text, "Agents who do not work this campaign",
			"Dana Levi does not work this campaign: 2 customers; the import will be refused: nothing will be written",
			"As things stand, nothing will be written: Dana Levi does not work this campaign: 2 customers.",
			"Would be removed from other campaigns 1", "Would be removed from Old leads: 1", "Rows to look at",
			"Removed from Old leads (customer "+fmt.Sprint(moved.ID)+")")
		if !strings.Contains(body, `value="refuse" form="run" checked`) {
			t.Error("the preview does not tick the option chosen")
		}

		// Import as chosen: refused for the agent, nothing written.
		admin.post(fmt.Sprintf("/imports/%d/run", id), url.Values{"agents": {"refuse"}})
		if job := waitImport(t, svc, f.AdminCtx, id); job.Applied || job.Refused == "" {
			t.Fatalf("refused import %+v", job)
		}
		body = page(id)
		text = visibleText(body)
		has("the refused page", text, "Nothing was written",
			"No customer was added or changed: Dana Levi does not work this campaign: 2 customers. Give them the campaign, or leave those customers unassigned.",
			"Load the 3 rows", "Would add 2", "Would move here 1")
		if strings.Contains(text, "invalid, so no customer") || strings.Contains(text, "Load the other") {
			t.Errorf("the refused page speaks of invalid rows:\n%s", text)
		}
		if !strings.Contains(body, `value="grant" form="load-again" checked`) || !strings.Contains(body, `value="unassign" form="load-again"`) ||
			strings.Contains(body, `value="refuse" form="load-again"`) {
			t.Error("Load the rows does not offer grant (ticked) and unassign")
		}
		if works() || len(customersOf(t, f, camp.ID)) != 0 {
			t.Fatal("the refused import wrote")
		}

		// Load the rows, leaving Dana's customers unassigned.
		code, _, resp := admin.post(fmt.Sprintf("/imports/%d/run", id), url.Values{"agents": {"unassign"}})
		var next int64
		if _, err := fmt.Sscanf(resp.Header.Get("Location"), "/imports/%d", &next); err != nil || code != http.StatusSeeOther || next == id {
			t.Fatalf("load the rows: %d %q", code, resp.Header.Get("Location"))
		}
		again := waitImport(t, svc, f.AdminCtx, next)
		if !again.Applied || again.Options.Agents != callsheet.AgentsUnassign || again.Counts.Added != 2 || again.Counts.Moved != 1 {
			t.Fatalf("loaded again %+v", again)
		}
		for _, c := range customersOf(t, f, camp.ID) {
			if c.AgentID != 0 {
				t.Errorf("customer %s has agent %d under unassign", c.Name, c.AgentID)
			}
		}
		if works() {
			t.Error("unassign gave Dana the campaign")
		}
		text = visibleText(page(next))
		has("the report", text, "Done", "Agents who did not work this campaign",
			"Dana Levi does not work this campaign: 2 customers; left unassigned",
			"Removed from other campaigns 1", "Removed from Old leads: 1")

		// The default: grant. The report and undo say what became of her.
		summer := f.Campaign(t, "Summer")
		id = admin.uploadFile(summer.ID, "grant.csv", "Name,Phone,Agent\nTal,053-222-3333,Dana Levi\n", nil)
		_, body = admin.get(fmt.Sprintf("/imports/%d/mapping", id))
		form = mappingForm(t, body)
		admin.post(fmt.Sprintf("/imports/%d/mapping", id), form)
		waitImport(t, svc, f.AdminCtx, id)
		body = page(id)
		has("the grant preview", visibleText(body), "Dana Levi does not work this campaign: 1 customer; importing gives them the campaign")
		if !strings.Contains(body, `value="grant" form="run" checked`) {
			t.Error("the preview does not tick grant by default")
		}
		admin.post(fmt.Sprintf("/imports/%d/run", id), url.Values{})
		if job := waitImport(t, svc, f.AdminCtx, id); !job.Applied || len(job.AgentsGranted) != 1 {
			t.Fatalf("grant import %+v", job)
		}
		has("the grant report", visibleText(page(id)), "Gave Dana Levi the campaign: 1 customer")
		_, body, _ = admin.post(fmt.Sprintf("/imports/%d/undo", id), url.Values{})
		has("the undo page", visibleText(body), "Took the campaign back from 1 agent.", "Took the campaign back from Dana Levi.")
		if u, _ := svc.Users.FindUserByID(f.AdminCtx, dana.ID); u.WorksCampaign(summer.ID) {
			t.Error("undo left Dana the campaign")
		}

		// Undo keeps the campaign for an agent who still has customers of it.
		autumn := f.Campaign(t, "Autumn")
		load := func(name, content string) int64 {
			t.Helper()
			id := admin.uploadFile(autumn.ID, name, content, nil)
			_, body := admin.get(fmt.Sprintf("/imports/%d/mapping", id))
			admin.post(fmt.Sprintf("/imports/%d/mapping", id), mappingForm(t, body))
			waitImport(t, svc, f.AdminCtx, id)
			admin.post(fmt.Sprintf("/imports/%d/run", id), url.Values{})
			if job := waitImport(t, svc, f.AdminCtx, id); !job.Applied {
				t.Fatalf("import %s: %+v", name, job)
			}
			return id
		}
		first := load("first.csv", "Name,Phone,Agent\nGal,052-623-4570,Dana Levi\n")
		load("second.csv", "Name,Phone,Agent\nDor,052-623-4571,Dana Levi\n")
		_, body, _ = admin.post(fmt.Sprintf("/imports/%d/undo", first), url.Values{})
		has("the undo page", visibleText(body), "1 agent keeps it, for customers still theirs.",
			"Dana Levi keeps the campaign: 1 customer of it is still theirs.")

		// The page's download is for people: outcomes in words.
		_, csv := admin.get(fmt.Sprintf("/imports/%d/problems.csv", next))
		if !strings.Contains(csv, ",Moved here,") || strings.Contains(csv, ",moved,") {
			t.Errorf("the page's problem download:\n%s", csv)
		}
	})
}

// customersOf lists a campaign's customers.
func customersOf(t *testing.T, f *storetest.Fixture, campaignID int64) []*callsheet.Customer {
	t.Helper()
	cs, _, err := sqldb.NewCustomerService(f.DB).FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &campaignID})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}
