package web_test

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// The API says which agents outside the campaign an add or an import gives
// customers to, and which it gave the campaign; agents refuse refuses with
// the agent named; the customers removed from other campaigns are counted
// and listed on their rows, in batches, single adds, file imports and
// their problem rows; undo takes the access back.
func TestAPIAgentsAndRemovals(t *testing.T) { storetest.Each(t, testAPIAgentsAndRemovals) }

func testAPIAgentsAndRemovals(t *testing.T, db *sqldb.DB) {
	e := newAPIEnvOn(t, db, true)
	other := e.f.Campaign(t, "Other")
	dana := e.f.Agent(t, "Dana Levi", false, other.ID)
	e.f.Agent(t, "Noa", false)
	old := e.f.Customer(t, other.ID, "Avi before", "+972507112222")

	// A batch: two of Dana's, one moved from Other.
	var batch struct {
		JobID         int64                     `json:"job_id"`
		Applied       bool                      `json:"applied"`
		Counts        callsheet.ImportCounts    `json:"counts"`
		AgentsOutside []callsheet.ImportAgent   `json:"agents_outside"`
		AgentsGranted []callsheet.ImportAgent   `json:"agents_granted"`
		RemovedFrom   []callsheet.CampaignCount `json:"removed_from"`
		Results       []struct {
			Index            int
			Outcome          string
			RemovedElsewhere []callsheet.RemovedCopy `json:"removed_elsewhere"`
		}
	}
	e.post("/api/customers/batch", map[string]any{"campaign_id": e.camp.ID, "options": map[string]any{"unique": "move"}, "customers": []map[string]any{
		{"name": "Avi", "phone": "050-711-2222", "agent": "Dana Levi"},
		{"name": "Rina", "phone": "054-765-4321", "agent": "Dana Levi"},
	}}).want(t, http.StatusOK).decode(t, &batch)
	danaTwo := []callsheet.ImportAgent{{ID: dana.ID, Name: "Dana Levi", Customers: 2}}
	if !batch.Applied || !reflect.DeepEqual(batch.AgentsOutside, danaTwo) || !reflect.DeepEqual(batch.AgentsGranted, danaTwo) {
		t.Fatalf("batch agents: %+v", batch)
	}
	wantRemoved := []callsheet.RemovedCopy{{CustomerID: old.ID, CampaignID: other.ID, CampaignName: "Other"}}
	if batch.Counts.RemovedElsewhere != 1 || !reflect.DeepEqual(batch.RemovedFrom, []callsheet.CampaignCount{{ID: other.ID, Name: "Other", Customers: 1}}) ||
		batch.Results[0].Outcome != "moved" || !reflect.DeepEqual(batch.Results[0].RemovedElsewhere, wantRemoved) || batch.Results[1].RemovedElsewhere != nil {
		t.Fatalf("batch removals: %+v", batch)
	}
	u, err := sqldb.NewUserService(e.db).FindUserByID(e.f.AdminCtx, dana.ID)
	if err != nil || !u.WorksCampaign(e.camp.ID) {
		t.Fatalf("Dana was not given the campaign: %+v %v", u, err)
	}
	var job struct {
		AgentsGranted []callsheet.ImportAgent   `json:"agents_granted"`
		RemovedFrom   []callsheet.CampaignCount `json:"removed_from"`
		Counts        callsheet.ImportCounts    `json:"counts"`
	}
	e.get(fmt.Sprintf("/api/imports/%d", batch.JobID)).want(t, http.StatusOK).decode(t, &job)
	if !reflect.DeepEqual(job.AgentsGranted, danaTwo) || job.Counts.RemovedElsewhere != 1 || len(job.RemovedFrom) != 1 {
		t.Fatalf("import object %+v", job)
	}
	var rows struct {
		Items []callsheet.RowResult
	}
	e.get(fmt.Sprintf("/api/imports/%d/problems", batch.JobID)).want(t, http.StatusOK).decode(t, &rows)
	if len(rows.Items) != 1 || rows.Items[0].Outcome != callsheet.OutcomeMoved || !reflect.DeepEqual(rows.Items[0].RemovedElsewhere, wantRemoved) ||
		!strings.Contains(rows.Items[0].Message, "Removed from Other") {
		t.Fatalf("problems %+v", rows.Items)
	}
	var undo callsheet.UndoResult
	e.post(fmt.Sprintf("/api/imports/%d/undo", batch.JobID), nil).want(t, http.StatusOK).decode(t, &undo)
	if undo.Returned != 1 || !reflect.DeepEqual(undo.AgentsRevoked, []callsheet.ImportAgent{{ID: dana.ID, Name: "Dana Levi"}}) {
		t.Fatalf("undo %+v", undo)
	}
	if u, _ := sqldb.NewUserService(e.db).FindUserByID(e.f.AdminCtx, dana.ID); u.WorksCampaign(e.camp.ID) {
		t.Fatal("undo left Dana the campaign")
	}

	// A single add under refuse names the agent and writes nothing.
	er := e.post("/api/customers", map[string]any{"campaign_id": e.camp.ID, "options": map[string]any{"agents": "refuse"},
		"customer": map[string]any{"name": "Tal", "phone": "053-222-3333", "agent": "Noa"}}).wantError(t, http.StatusUnprocessableEntity, "invalid")
	if !strings.Contains(er.Error.Message, "Noa does not work this campaign: 1 customer") || er.Error.Fields["agent"] == "" {
		t.Fatalf("refused %+v", er)
	}
	if e.customers(e.camp.ID)["+972532223333"] != nil {
		t.Fatal("a refused add was written")
	}
	// Under unassign it is added without her.
	var add struct {
		Applied       bool                    `json:"applied"`
		CustomerID    int64                   `json:"customer_id"`
		AgentsOutside []callsheet.ImportAgent `json:"agents_outside"`
		AgentsGranted []callsheet.ImportAgent `json:"agents_granted"`
	}
	e.post("/api/customers", map[string]any{"campaign_id": e.camp.ID, "options": map[string]any{"agents": "unassign"},
		"customer": map[string]any{"name": "Tal", "phone": "053-222-3333", "agent": "Noa"}}).want(t, http.StatusCreated).decode(t, &add)
	if c := e.customers(e.camp.ID)["+972532223333"]; !add.Applied || c == nil || c.AgentID != 0 || len(add.AgentsOutside) != 1 || len(add.AgentsGranted) != 0 {
		t.Fatalf("unassign %+v %+v", add, c)
	}
	e.post("/api/customers", map[string]any{"campaign_id": e.camp.ID, "options": map[string]any{"agents": "sometimes"},
		"customer": map[string]any{"name": "Tal", "phone": "053-222-3333"}}).wantError(t, http.StatusUnprocessableEntity, "invalid")

	// A file, with the option as a form field: refused, and its rows still
	// say what the move would remove.
	e.f.Customer(t, other.ID, "Moshe before", "+972547234567")
	body, ct := upload(t, "leads.csv", "Name,Phone,Agent\nMoshe,054-723-4567,Noa\n", map[string]string{"campaign_id": fmt.Sprint(e.camp.ID),
		"mapping": `{"name": "Name", "phone": "Phone", "agent": "Agent"}`, "unique": "move", "agents": "refuse"})
	var created map[string]any
	e.do(call{Method: "POST", Path: "/api/imports", Body: body, ContentType: ct}).want(t, http.StatusAccepted).decode(t, &created)
	done := e.waitImport(id(created["id"]))
	counts := done["counts"].(map[string]any)
	if done["state"] != "done" || done["applied"] != false || !strings.Contains(fmt.Sprint(done["refused"]), "Noa does not work this campaign") ||
		counts["removed_elsewhere"] != 1.0 || len(done["agents_outside"].([]any)) != 1 {
		t.Fatalf("refused file import %v", done)
	}
	e.get(fmt.Sprintf("/api/imports/%d/rows", id(created["id"]))).want(t, http.StatusOK).decode(t, &rows)
	if len(rows.Items) != 1 || len(rows.Items[0].RemovedElsewhere) != 1 || rows.Items[0].RemovedElsewhere[0].CampaignName != "Other" {
		t.Fatalf("rows %+v", rows.Items)
	}
	if e.customers(other.ID)["+972547234567"] == nil {
		t.Fatal("a refused import removed a customer")
	}
}
