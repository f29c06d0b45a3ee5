package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/internal/app"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// TestImportPagesAccess: import pages are for admins of the account only.
func TestImportPagesAccess(t *testing.T) {
	ts, db := mustServer(t)
	a := storetest.NewFixture(t, db, "alpha")
	b := storetest.NewFixture(t, db, "beta")
	aCamp, bCamp := a.Campaign(t, "A"), b.Campaign(t, "B")
	svc := app.Services(db, nil)
	bJob := &callsheet.ImportJob{CampaignID: bCamp.ID, FileName: "b.csv", State: callsheet.ImportDraft}
	if err := svc.Imports.CreateImport(b.AdminCtx, bJob, strings.NewReader("Name,Phone\nB,052-623-4567\n")); err != nil {
		t.Fatal(err)
	}
	aJob := &callsheet.ImportJob{CampaignID: aCamp.ID, FileName: "a.csv", State: callsheet.ImportDraft}
	if err := svc.Imports.CreateImport(a.AdminCtx, aJob, strings.NewReader("Name,Phone\nA,052-623-4567\n")); err != nil {
		t.Fatal(err)
	}
	agent := a.Agent(t, "Agent", true, aCamp.ID)

	admin := newClient(t, ts.URL)
	admin.login(a.Admin.Login, storetest.Password)
	for _, p := range []string{
		fmt.Sprintf("/imports/%d", bJob.ID), fmt.Sprintf("/imports/%d/mapping", bJob.ID), fmt.Sprintf("/imports/%d/problems.csv", bJob.ID),
		fmt.Sprintf("/campaigns/%d/import", bCamp.ID), fmt.Sprintf("/campaigns/%d/export.csv", bCamp.ID),
	} {
		if code, _ := admin.get(p); code != http.StatusNotFound {
			t.Errorf("admin of A: GET %s = %d, want 404", p, code)
		}
	}
	for _, p := range []string{fmt.Sprintf("/imports/%d/undo", bJob.ID), fmt.Sprintf("/imports/%d/cancel", bJob.ID), fmt.Sprintf("/imports/%d/run", bJob.ID)} {
		if code, _, _ := admin.post(p, nil); code != http.StatusNotFound {
			t.Errorf("admin of A: POST %s = %d, want 404", p, code)
		}
	}
	code, body := admin.get(fmt.Sprintf("/imports/%d/mapping", aJob.ID))
	if code != http.StatusOK || !strings.Contains(body, `value="Phone" selected`) {
		t.Fatalf("own mapping page: %d", code)
	}

	ag := newClient(t, ts.URL)
	ag.login(agent.Login, storetest.Password)
	for _, p := range []string{fmt.Sprintf("/imports/%d", aJob.ID), fmt.Sprintf("/campaigns/%d/import", aCamp.ID), fmt.Sprintf("/campaigns/%d/export.csv", aCamp.ID)} {
		if code, _ := ag.get(p); code != http.StatusForbidden {
			t.Errorf("agent: GET %s = %d, want 403", p, code)
		}
	}
}

// TestExportNeutralisesFormulas: a cell a spreadsheet would run comes out
// inert in the campaign's CSV export, and Hebrew survives.
func TestExportNeutralisesFormulas(t *testing.T) {
	ts, db := mustServer(t)
	f := storetest.NewFixture(t, db, "acme")
	camp := f.Campaign(t, "Spring")
	c := &callsheet.Customer{CampaignID: camp.ID, Name: "=HYPERLINK(\"http://evil\",\"x\")", LastName: "כהן", Phone: "+972526234567", Note: "@SUM(1+1)"}
	if err := app.Services(db, nil).Customers.CreateCustomer(f.AdminCtx, c); err != nil {
		t.Fatal(err)
	}
	cl := newClient(t, ts.URL)
	cl.login(f.Admin.Login, storetest.Password)
	code, body := cl.get(fmt.Sprintf("/campaigns/%d/export.csv", camp.ID))
	if code != http.StatusOK {
		t.Fatalf("export: %d", code)
	}
	if !strings.HasPrefix(body, "\ufeffname,last_name,phone") {
		t.Fatalf("export header: %q", body[:40])
	}
	for _, want := range []string{`"'=HYPERLINK(""http://evil"",""x"")"`, "כהן", "+972526234567", "'@SUM(1+1)"} {
		if !strings.Contains(body, want) {
			t.Errorf("export lacks %s:\n%s", want, body)
		}
	}
}
