package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/importer"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
	"github.com/callsheet/callsheet/web"
)

// TestAPI runs the API's scenarios, each on a server of its own on each
// engine, and then checks that together they exercised every operation of
// the OpenAPI document and every error status.
func TestAPI(t *testing.T) {
	scenarios := []struct {
		name string
		fn   func(t *testing.T, db *sqldb.DB)
	}{
		{"openapi", testAPIOpenAPI},
		{"lookups", testAPILookups},
		{"add one", testAPIAddOne},
		{"add batch", testAPIAddBatch},
		{"customers", testAPICustomers},
		{"do not call", testAPIDoNotCall},
		{"imports", testAPIImports},
		{"auth", testAPIAuth},
		{"cross account", testAPICrossAccount},
		{"rate limit", testAPIRateLimit},
		{"limits", testAPILimits},
		{"idempotency", testAPIIdempotency},
		{"compat simple", testAPICompatSimple},
		{"compat v1", testAPICompatV1},
	}
	ran := 0
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			ran++
			storetest.Each(t, sc.fn)
		})
	}
	if ran == len(scenarios) && !t.Failed() {
		checkCoverage(t)
	}
}

func testAPIOpenAPI(t *testing.T, db *sqldb.DB) {
	e := newAPIEnvOn(t, db, false)
	r := e.do(call{Method: "GET", Path: "/api/openapi.json", Header: map[string]string{"Authorization": ""}}).want(t, http.StatusOK)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || string(r.Body) != string(web.OpenAPIDocument()) {
		t.Fatalf("served %s %d bytes", r.Header.Get("Content-Type"), len(r.Body))
	}
	doc, _ := loadOpenAPI(t)
	for _, code := range []string{"400", "401", "403", "404", "409", "413", "422", "429"} {
		found := false
		for _, item := range doc.Paths.Map() {
			for _, op := range item.Operations() {
				found = found || op.Responses.Status(atoi(code)) != nil
			}
		}
		if !found {
			t.Errorf("no operation documents status %s", code)
		}
	}
	// Unknown endpoints answer in the error shape.
	e.get("/api/nothing-here").wantError(t, http.StatusNotFound, "not_found")
}

func atoi(s string) int {
	var n int
	fmt.Sscan(s, &n)
	return n
}

func testAPILookups(t *testing.T, db *sqldb.DB) {
	e := newAPIEnvOn(t, db, false)
	other := e.f.Campaign(t, "Archive me")
	archived := true
	if _, err := sqldb.NewCampaignService(e.db).UpdateCampaign(e.f.AdminCtx, other.ID, callsheet.CampaignUpdate{Archived: &archived}); err != nil {
		t.Fatal(err)
	}
	agent := e.f.Agent(t, "Dana Levi", true, e.camp.ID)
	field := &callsheet.CustomField{Label: "Budget", Type: callsheet.FieldNumber}
	if err := sqldb.NewCustomFieldService(e.db).CreateCustomField(e.f.AdminCtx, field); err != nil {
		t.Fatal(err)
	}

	var camps struct {
		Items                []callsheet.Campaign
		Total, Limit, Offset int
	}
	e.get("/api/campaigns").want(t, http.StatusOK).decode(t, &camps)
	if camps.Total != 2 || len(camps.Items) != 2 || camps.Limit != 50 || camps.Offset != 0 {
		t.Fatalf("campaigns %+v", camps)
	}
	e.get("/api/campaigns?archived=false").want(t, http.StatusOK).decode(t, &camps)
	if camps.Total != 1 || camps.Items[0].ID != e.camp.ID {
		t.Fatalf("active campaigns %+v", camps)
	}
	e.get("/api/campaigns?limit=1&offset=1").want(t, http.StatusOK).decode(t, &camps)
	if camps.Total != 2 || len(camps.Items) != 1 || camps.Limit != 1 || camps.Offset != 1 {
		t.Fatalf("second page %+v", camps)
	}
	var c callsheet.Campaign
	e.get(fmt.Sprintf("/api/campaigns/%d", e.camp.ID)).want(t, http.StatusOK).decode(t, &c)
	if c.Name != "Leads" {
		t.Fatalf("campaign %+v", c)
	}
	e.get("/api/campaigns/999999").wantError(t, http.StatusNotFound, "not_found")
	e.get("/api/campaigns/abc").wantError(t, http.StatusNotFound, "not_found")
	for _, q := range []string{"limit=0", "limit=1001", "limit=x", "offset=-1", "archived=maybe"} {
		er := e.get("/api/campaigns?"+q).wantError(t, http.StatusBadRequest, "bad_request")
		if len(er.Error.Fields) != 1 {
			t.Errorf("%s: fields %v", q, er.Error.Fields)
		}
	}

	var sts struct {
		Items []callsheet.Status
		Total int
	}
	e.get("/api/statuses").want(t, http.StatusOK).decode(t, &sts)
	if sts.Total != 5 || sts.Items[0].Kind != callsheet.StatusInitial {
		t.Fatalf("statuses %+v", sts)
	}
	e.get("/api/statuses?limit=2&offset=4").want(t, http.StatusOK).decode(t, &sts)
	if sts.Total != 5 || len(sts.Items) != 1 {
		t.Fatalf("last page of statuses %+v", sts)
	}
	var st callsheet.Status
	e.get(fmt.Sprintf("/api/statuses/%d", e.f.Initial.ID)).want(t, http.StatusOK).decode(t, &st)
	if st.ID != e.f.Initial.ID {
		t.Fatalf("status %+v", st)
	}
	e.get("/api/statuses/999999").wantError(t, http.StatusNotFound, "not_found")

	var users struct {
		Items []callsheet.User
		Total int
	}
	e.get("/api/users").want(t, http.StatusOK).decode(t, &users)
	if users.Total != 2 {
		t.Fatalf("users %+v", users)
	}
	e.get(fmt.Sprintf("/api/users?role=agent&active=true&campaign=%d", e.camp.ID)).want(t, http.StatusOK).decode(t, &users)
	if users.Total != 1 || users.Items[0].Name != "Dana Levi" || len(users.Items[0].CampaignIDs) != 1 {
		t.Fatalf("agents %+v", users)
	}
	e.get("/api/users?role=boss").wantError(t, http.StatusBadRequest, "bad_request")
	var u callsheet.User
	e.get(fmt.Sprintf("/api/users/%d", agent.ID)).want(t, http.StatusOK).decode(t, &u)
	if u.Name != "Dana Levi" || !u.CanAddCustomer {
		t.Fatalf("user %+v", u)
	}
	e.get(fmt.Sprintf("/api/users/%d", e.f.Admin.ID)).want(t, http.StatusOK)
	e.get("/api/users/999999").wantError(t, http.StatusNotFound, "not_found")

	var fields struct {
		Items []struct {
			ID    int64
			Label string
			Key   string
		}
		Total int
	}
	e.get("/api/custom-fields").want(t, http.StatusOK).decode(t, &fields)
	if fields.Total != 1 || fields.Items[0].Key != fmt.Sprintf("custom_field_%d", field.ID) {
		t.Fatalf("custom fields %+v", fields)
	}
	e.get(fmt.Sprintf("/api/custom-fields/%d", field.ID)).want(t, http.StatusOK)
	e.get("/api/custom-fields/999999").wantError(t, http.StatusNotFound, "not_found")
}

type addResult struct {
	JobID       int64             `json:"job_id"`
	Applied     bool              `json:"applied"`
	Index       int               `json:"index"`
	Outcome     string            `json:"outcome"`
	CustomerID  int64             `json:"customer_id"`
	Blocked     bool              `json:"blocked"`
	DuplicateOf *int              `json:"duplicate_of"`
	Message     string            `json:"message"`
	Errors      map[string]string `json:"errors"`
}

func testAPIAddOne(t *testing.T, db *sqldb.DB) {
	e := newAPIEnvOn(t, db, false)
	agent := e.f.Agent(t, "Dana Levi", false, e.camp.ID)
	field := &callsheet.CustomField{Label: "Budget", Type: callsheet.FieldNumber}
	if err := sqldb.NewCustomFieldService(e.db).CreateCustomField(e.f.AdminCtx, field); err != nil {
		t.Fatal(err)
	}
	key := fmt.Sprintf("custom_field_%d", field.ID)
	add := func(customer map[string]any, opts map[string]any) apiResp {
		body := map[string]any{"campaign_id": e.camp.ID, "customer": customer}
		if opts != nil {
			body["options"] = opts
		}
		return e.post("/api/customers", body)
	}

	var res addResult
	add(map[string]any{"name": "Noa", "last_name": "Cohen", "phone": "052-623-4567", "email": "noa@example.com", "agent": "Dana Levi",
		"follow_up_at": "05-03-2025 14:30", "source": "site", "note": "called twice", "external_id": "crm-1", key: 2500}, nil).
		want(t, http.StatusCreated).decode(t, &res)
	if res.Outcome != "added" || res.CustomerID == 0 || res.JobID == 0 || !res.Applied || res.Index != 0 {
		t.Fatalf("add %+v", res)
	}
	c := e.customers(e.camp.ID)["+972526234567"]
	if c == nil || c.ID != res.CustomerID || c.Name != "Noa" || c.Email != "noa@example.com" || c.AgentID != agent.ID || c.ExternalID != "crm-1" ||
		c.Custom[field.ID] != "2500" || c.StatusID != e.f.Initial.ID || c.FollowUpAt == nil {
		t.Fatalf("stored %+v", c)
	}
	if want := time.Date(2025, 3, 5, 12, 30, 0, 0, time.UTC); !c.FollowUpAt.Equal(want) {
		t.Fatalf("follow-up %v, want %v (14:30 in Jerusalem)", c.FollowUpAt, want)
	}

	// Already there: left as it is, updated with override, reset with reset.
	add(map[string]any{"name": "Noa B", "phone": "0526234567"}, nil).want(t, http.StatusOK).decode(t, &res)
	if res.Outcome != "skipped_existing" || res.CustomerID != c.ID || res.Message == "" {
		t.Fatalf("existing %+v", res)
	}
	add(map[string]any{"name": "Noa B", "phone": "0526234567"}, map[string]any{"override": true}).want(t, http.StatusOK).decode(t, &res)
	if res.Outcome != "updated" || e.customers(e.camp.ID)["+972526234567"].Name != "Noa B" {
		t.Fatalf("override %+v", res)
	}
	followUp := e.f.Statuses[callsheet.StatusFollowUp]
	add(map[string]any{"name": "Noa B", "phone": "0526234567"}, map[string]any{"reset": true, "status_id": followUp.ID}).want(t, http.StatusOK).decode(t, &res)
	if got := e.customers(e.camp.ID)["+972526234567"]; res.Outcome != "reset" || got.StatusID != followUp.ID || got.FollowUpAt != nil {
		t.Fatalf("reset %+v %+v", res, got)
	}

	// A dry run tells what would happen and writes nothing.
	add(map[string]any{"name": "Avi", "phone": "050-711-2222"}, map[string]any{"dry_run": true}).want(t, http.StatusOK).decode(t, &res)
	if res.Outcome != "added" || res.Applied || res.CustomerID != 0 || e.customers(e.camp.ID)["+972507112222"] != nil {
		t.Fatalf("dry run %+v", res)
	}
	// Moved from another campaign.
	other := e.f.Campaign(t, "Old leads")
	e.f.Customer(t, other.ID, "Avi", "+972507112222")
	add(map[string]any{"name": "Avi", "phone": "050-711-2222"}, map[string]any{"unique": "move"}).want(t, http.StatusCreated).decode(t, &res)
	if res.Outcome != "moved" || len(e.customers(other.ID)) != 0 {
		t.Fatalf("move %+v", res)
	}
	e.f.Customer(t, other.ID, "Rina", "+972547654321")
	add(map[string]any{"name": "Rina", "phone": "054-765-4321"}, map[string]any{"unique": "only-new"}).want(t, http.StatusOK).decode(t, &res)
	if res.Outcome != "skipped_other_campaign" {
		t.Fatalf("only new %+v", res)
	}
	// International numbers.
	add(map[string]any{"name": "Tal", "phone": "972532223333"}, map[string]any{"international": true}).want(t, http.StatusCreated)
	if e.customers(e.camp.ID)["+972532223333"] == nil {
		t.Fatal("international number not stored")
	}

	// Invalid customers are answered with the field at fault.
	er := add(map[string]any{"name": "Bad", "phone": "052-123-4567"}, nil).wantError(t, http.StatusUnprocessableEntity, "invalid")
	if er.Error.Fields["phone"] == "" {
		t.Fatalf("invalid phone: %+v", er)
	}
	er = add(map[string]any{"name": "Bad", "phone": "053-333-4444", "email": "not-an-address"}, nil).wantError(t, http.StatusUnprocessableEntity, "invalid")
	if er.Error.Fields["email"] == "" {
		t.Fatalf("invalid email: %+v", er)
	}
	er = add(map[string]any{"name": "Bad", "phone": "053-333-4444", "agent": "Nobody"}, nil).wantError(t, http.StatusUnprocessableEntity, "invalid")
	if er.Error.Fields["agent"] == "" {
		t.Fatalf("unknown agent: %+v", er)
	}
	er = add(map[string]any{"name": "Bad", "phone": "053-333-4444", "colour": "red"}, nil).wantError(t, http.StatusUnprocessableEntity, "invalid")
	if er.Error.Fields["colour"] == "" {
		t.Fatalf("unknown field: %+v", er)
	}
	er = add(map[string]any{"name": "Bad", "phone": map[string]any{"n": 1}}, nil).wantError(t, http.StatusUnprocessableEntity, "invalid")
	if er.Error.Fields["customer.phone"] == "" {
		t.Fatalf("object value: %+v", er)
	}
	add(map[string]any{"name": "Bad", "phone": "053-333-4444"}, map[string]any{"unique": "sometimes"}).wantError(t, http.StatusUnprocessableEntity, "invalid")
	add(map[string]any{"name": "Bad", "phone": "053-333-4444"}, map[string]any{"overide": true}).wantError(t, http.StatusUnprocessableEntity, "invalid")
	add(map[string]any{"name": "Bad", "phone": "053-333-4444"}, map[string]any{"status_id": 999999}).wantError(t, http.StatusNotFound, "not_found")
	e.post("/api/customers", map[string]any{"customer": map[string]any{"phone": "053-333-4444"}}).wantError(t, http.StatusUnprocessableEntity, "invalid")
	e.post("/api/customers", map[string]any{"campaign_id": e.camp.ID}).wantError(t, http.StatusUnprocessableEntity, "invalid")
	e.post("/api/customers", map[string]any{"campaign_id": 999999, "customer": map[string]any{"name": "X", "phone": "053-333-4444"}}).wantError(t, http.StatusNotFound, "not_found")
	e.post("/api/customers", map[string]any{"campaign_id": "one", "customer": map[string]any{}}).wantError(t, http.StatusUnprocessableEntity, "invalid")
	e.post("/api/customers", `{"campaign_id": `).wantError(t, http.StatusBadRequest, "bad_request")
	e.post("/api/customers", ``).wantError(t, http.StatusBadRequest, "bad_request")
	e.post("/api/customers", `[1]`).wantError(t, http.StatusBadRequest, "bad_request")
	e.post("/api/customers", `{} {}`).wantError(t, http.StatusBadRequest, "bad_request")
	if n := len(e.customers(e.camp.ID)); n != 3 {
		t.Fatalf("%d customers in the campaign, want 3", n)
	}
}

type batchResult struct {
	JobID   int64                  `json:"job_id"`
	Applied bool                   `json:"applied"`
	DryRun  bool                   `json:"dry_run"`
	Counts  callsheet.ImportCounts `json:"counts"`
	Results []addResult            `json:"results"`
}

func testAPIAddBatch(t *testing.T, db *sqldb.DB) {
	e := newAPIEnvOn(t, db, false)
	customers := []map[string]any{
		{"name": "Noa", "phone": "052-623-4567"},
		{"name": "Avi", "phone": "050-711-2222", "email": "avi@example.com"},
		{"name": "Bad", "phone": "052-123-4567", "email": "not an address"},
		{"name": "Noa again", "phone": "0526234567"},
		{"name": "Rina", "phone": "054-765-4321", "note": nil},
	}
	batch := func(opts map[string]any) batchResult {
		var res batchResult
		e.post("/api/customers/batch", map[string]any{"campaign_id": e.camp.ID, "options": opts, "customers": customers}).want(t, http.StatusOK).decode(t, &res)
		return res
	}
	res := batch(map[string]any{})
	if res.Applied || len(res.Results) != 5 || res.Counts.Invalid != 1 || len(e.customers(e.camp.ID)) != 0 {
		t.Fatalf("one invalid row without load_valid: %+v", res)
	}
	res = batch(map[string]any{"load_valid": true})
	if !res.Applied || res.Counts.Added != 3 || res.Counts.Invalid != 1 || res.Counts.DuplicateInFile != 1 || res.DryRun {
		t.Fatalf("load valid: %+v", res)
	}
	for i, r := range res.Results {
		if r.Index != i {
			t.Fatalf("result %d has index %d", i, r.Index)
		}
	}
	stored := e.customers(e.camp.ID)
	if r := res.Results[0]; r.Outcome != "added" || r.CustomerID != stored["+972526234567"].ID {
		t.Fatalf("row 0: %+v", r)
	}
	// Every field at fault is named, each with its own message.
	if r := res.Results[2]; r.Outcome != "invalid" || !strings.Contains(r.Errors["phone"], "052-123-4567") ||
		!strings.Contains(r.Errors["email"], "not a valid address") || r.CustomerID != 0 {
		t.Fatalf("row 2: %+v", r)
	}
	if r := res.Results[3]; r.Outcome != "duplicate_in_file" || r.DuplicateOf == nil || *r.DuplicateOf != 0 {
		t.Fatalf("row 3: %+v", r)
	}
	if len(stored) != 3 || stored["+972507112222"].Email != "avi@example.com" {
		t.Fatalf("stored %v", stored)
	}
	// The batch is an import job: it can be read and undone.
	var job map[string]any
	e.get(fmt.Sprintf("/api/imports/%d", res.JobID)).want(t, http.StatusOK).decode(t, &job)
	if job["source"] != "api" || job["state"] != "done" || job["progress"] != 1.0 {
		t.Fatalf("job %v", job)
	}
	var problems struct {
		Items []callsheet.RowResult
		Total int
	}
	e.get(fmt.Sprintf("/api/imports/%d/problems", res.JobID)).want(t, http.StatusOK).decode(t, &problems)
	if problems.Total != 2 {
		t.Fatalf("problems %+v", problems)
	}
	// Every row's outcome can be read again later, as the answer gave it.
	var rows struct {
		Items []callsheet.RowResult
		Total int
	}
	e.get(fmt.Sprintf("/api/imports/%d/rows", res.JobID)).want(t, http.StatusOK).decode(t, &rows)
	if rows.Total != len(res.Results) {
		t.Fatalf("%d rows, want %d", rows.Total, len(res.Results))
	}
	for i, r := range rows.Items {
		if r.Line != res.Results[i].Index || string(r.Outcome) != res.Results[i].Outcome || r.CustomerID != res.Results[i].CustomerID {
			t.Errorf("row %+v, the answer said %+v", r, res.Results[i])
		}
	}
	res = batch(map[string]any{"dry_run": true, "override": true})
	if res.Applied || !res.DryRun || res.Counts.Updated != 3 {
		t.Fatalf("dry run: %+v", res)
	}

	e.post("/api/customers/batch", map[string]any{"campaign_id": e.camp.ID, "customers": []any{}}).wantError(t, http.StatusUnprocessableEntity, "invalid")
	e.post("/api/customers/batch", map[string]any{"campaign_id": e.camp.ID, "customers": []any{nil}}).wantError(t, http.StatusUnprocessableEntity, "invalid")
	e.post("/api/customers/batch", map[string]any{"campaign_id": e.camp.ID, "customers": []any{map[string]any{"name": true, "phone": "052-623-4567"}}}).
		wantError(t, http.StatusUnprocessableEntity, "invalid")
	e.post("/api/customers/batch", map[string]any{"campaign_id": e.camp.ID, "customers": []any{map[string]any{"name": "No phone"}}}).
		wantError(t, http.StatusUnprocessableEntity, "invalid")
	e.post("/api/customers/batch", map[string]any{"campaign_id": 999999, "customers": customers}).wantError(t, http.StatusNotFound, "not_found")
	e.post("/api/customers/batch", `{"campaign_id": 1, "customers": [}`).wantError(t, http.StatusBadRequest, "bad_request")

	// 10,000 is the most one batch takes.
	big := make([]map[string]string, 10001)
	for i := range big {
		big[i] = map[string]string{"name": "N", "phone": fmt.Sprintf("05262%05d", i)}
	}
	e.post("/api/customers/batch", map[string]any{"campaign_id": e.camp.ID, "customers": big}).wantError(t, http.StatusRequestEntityTooLarge, "too_large")
	e.post("/api/customers/batch", map[string]any{"campaign_id": e.camp.ID, "options": map[string]any{"load_valid": true}, "customers": big[:10000]}).want(t, http.StatusOK).decode(t, &res)
	if res.Counts.Total != 10000 || res.Counts.Added != 10000 {
		t.Fatalf("10,000 customers: %+v", res.Counts)
	}
}

// The API's largest batch is written in one transaction on SQLite too: a
// larger import would write in steps, its rows visible as they arrive.
func TestLargestBatchIsOneTransaction(t *testing.T) {
	if web.DefaultAPILimits.MaxBatch > sqldb.ImportInOneRows || importer.MaxBatch > sqldb.ImportInOneRows {
		t.Fatalf("batches of up to %d (importer %d) customers, but SQLite writes only %d in one transaction",
			web.DefaultAPILimits.MaxBatch, importer.MaxBatch, sqldb.ImportInOneRows)
	}
}
