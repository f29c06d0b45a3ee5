package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

type customerList struct {
	Items                []callsheet.Customer
	Total, Limit, Offset int
}

func testAPICustomers(t *testing.T, db *sqldb.DB) {
	e := newAPIEnvOn(t, db, false)
	other := e.f.Campaign(t, "Other")
	agent := e.f.Agent(t, "Dana Levi", false, e.camp.ID)
	noa := e.f.Customer(t, e.camp.ID, "Noa Cohen", "+972526234567")
	avi := e.f.Customer(t, e.camp.ID, "Avi Levi", "+972507112222")
	rina := e.f.Customer(t, other.ID, "Rina", "+972547654321")
	cs := sqldb.NewCustomerService(e.db)
	if _, err := cs.UpdateCustomer(e.f.AdminCtx, avi.ID, callsheet.CustomerUpdate{AgentID: &agent.ID}); err != nil {
		t.Fatal(err)
	}
	field := &callsheet.CustomField{Label: "Budget", Type: callsheet.FieldText}
	if err := sqldb.NewCustomFieldService(e.db).CreateCustomField(e.f.AdminCtx, field); err != nil {
		t.Fatal(err)
	}

	list := func(q string) customerList {
		t.Helper()
		var l customerList
		e.get("/api/customers?"+q).want(t, http.StatusOK).decode(t, &l)
		return l
	}
	ids := func(l customerList) []int64 {
		var out []int64
		for _, c := range l.Items {
			out = append(out, c.ID)
		}
		return out
	}
	cases := []struct {
		q    string
		want []int64
	}{
		{"", []int64{rina.ID, avi.ID, noa.ID}},
		{"sort=oldest", []int64{noa.ID, avi.ID, rina.ID}},
		{"sort=name", []int64{avi.ID, noa.ID, rina.ID}},
		{fmt.Sprintf("campaign=%d", e.camp.ID), []int64{avi.ID, noa.ID}},
		{fmt.Sprintf("campaign=%d&agent=0", e.camp.ID), []int64{noa.ID}},
		{fmt.Sprintf("agent=%d", agent.ID), []int64{avi.ID}},
		{fmt.Sprintf("status=%d", e.f.Initial.ID), []int64{rina.ID, avi.ID, noa.ID}},
		{"phone=" + url.QueryEscape("+972526234567"), []int64{noa.ID}},
		{"phone=" + url.QueryEscape("+972 52-623-4567"), []int64{noa.ID}},
		{"phone=052-623-4567", []int64{noa.ID}},
		{"phone=0547", []int64{rina.ID}},
		{"q=levi", []int64{avi.ID}},
		{"q=levi&phone=" + url.QueryEscape("+972507112222"), []int64{avi.ID}},
		{"q=levi&phone=" + url.QueryEscape("+972526234567"), nil},
		{"blocked=false&sort=oldest", []int64{noa.ID, avi.ID, rina.ID}},
		{"blocked=true", nil},
	}
	for _, c := range cases {
		l := list(c.q)
		if fmt.Sprint(ids(l)) != fmt.Sprint(c.want) || l.Total != len(c.want) {
			t.Errorf("%q: got %v (total %d), want %v", c.q, ids(l), l.Total, c.want)
		}
	}
	if l := list("limit=1&offset=1&sort=oldest"); l.Total != 3 || fmt.Sprint(ids(l)) != fmt.Sprint([]int64{avi.ID}) || l.Limit != 1 || l.Offset != 1 {
		t.Errorf("page: %+v", l)
	}
	for _, q := range []string{"sort=random", "campaign=x", "agent=-1", "status=0", "blocked=perhaps", "q=a&phone=052-623-4567"} {
		e.get("/api/customers?"+q).wantError(t, http.StatusBadRequest, "bad_request")
	}

	var c callsheet.Customer
	e.get(fmt.Sprintf("/api/customers/%d", noa.ID)).want(t, http.StatusOK).decode(t, &c)
	if c.Phone != "+972526234567" || c.Name != "Noa Cohen" {
		t.Fatalf("customer %+v", c)
	}
	e.get("/api/customers/999999").wantError(t, http.StatusNotFound, "not_found")

	followUp := e.f.Statuses[callsheet.StatusFollowUp]
	path := fmt.Sprintf("/api/customers/%d", noa.ID)
	e.patch(path, map[string]any{"name": "Noa", "last_name": "Cohen", "email": "noa@example.com", "source": "fair", "note": "VIP",
		"external_id": "crm-7", "status_id": followUp.ID, "agent_id": agent.ID, "follow_up_at": "2025-03-05T14:30:00+02:00",
		"contact_allowed_at": "2025-03-01T09:00:00Z", "custom": map[string]any{fmt.Sprint(field.ID): "5000"}}).want(t, http.StatusOK).decode(t, &c)
	if c.Name != "Noa" || c.LastName != "Cohen" || c.Email != "noa@example.com" || c.Source != "fair" || c.Note != "VIP" || c.ExternalID != "crm-7" ||
		c.StatusID != followUp.ID || c.AgentID != agent.ID || c.FollowUpAt == nil || !c.FollowUpAt.Equal(time.Date(2025, 3, 5, 12, 30, 0, 0, time.UTC)) ||
		c.ContactAllowedAt == nil || c.Custom[field.ID] != "5000" {
		t.Fatalf("patched %+v", c)
	}
	e.patch(path, map[string]any{"agent_id": nil, "follow_up_at": nil, "contact_allowed_at": nil, "custom": map[string]any{fmt.Sprintf("custom_field_%d", field.ID): nil}}).
		want(t, http.StatusOK).decode(t, &c)
	if c.AgentID != 0 || c.FollowUpAt != nil || c.ContactAllowedAt != nil || len(c.Custom) != 0 || c.Name != "Noa" {
		t.Fatalf("cleared %+v", c)
	}
	for _, body := range []map[string]any{
		{"email": "nope"}, {"name": ""}, {"phone": "050-123-4567"}, {"phone": 972526234568}, {"colour": "red"}, {"status_id": "open"},
		{"follow_up_at": "05-03-2025 14:30"}, {"custom": map[string]any{"budget": "1"}}, {"agent_id": -1}, {"name": 5},
	} {
		e.patch(path, body).wantError(t, http.StatusUnprocessableEntity, "invalid")
	}
	// A new phone is read as imports read it.
	e.patch(path, map[string]any{"phone": "058-499-8888"}).want(t, http.StatusOK).decode(t, &c)
	if c.Phone != "+972584998888" {
		t.Fatalf("phone patched to %q", c.Phone)
	}
	e.patch(path, map[string]any{"phone": "050-711-2222"}).wantError(t, http.StatusConflict, "conflict")
	e.patch(path, map[string]any{"status_id": 999999}).wantError(t, http.StatusNotFound, "not_found")
	e.patch(path, `{"name": "x"`).wantError(t, http.StatusBadRequest, "bad_request")
	e.patch("/api/customers/999999", map[string]any{"note": "x"}).wantError(t, http.StatusNotFound, "not_found")

	e.del(path).want(t, http.StatusNoContent)
	e.get(path).wantError(t, http.StatusNotFound, "not_found")
	e.del(path).wantError(t, http.StatusNotFound, "not_found")
}

func testAPIImports(t *testing.T, db *sqldb.DB) {
	e := newAPIEnvOn(t, db, true)
	csv := "Name,Phone,Email\nNoa,052-623-4567,noa@example.com\nAvi,050-711-2222,not-an-email\nRina,054-765-4321,\n"
	post := func(content string, fields map[string]string, header map[string]string) apiResp {
		t.Helper()
		body, ct := upload(t, "leads.csv", content, fields)
		return e.do(call{Method: "POST", Path: "/api/imports", Body: body, ContentType: ct, Header: header})
	}
	var job map[string]any
	r := post(csv, map[string]string{"campaign_id": fmt.Sprint(e.camp.ID), "mapping": `{"name": "Name", "phone": "Phone", "email": "Email"}`,
		"options": `{"load_valid": true}`}, nil).want(t, http.StatusAccepted)
	r.decode(t, &job)
	if r.Header.Get("Location") != fmt.Sprintf("/api/imports/%d", id(job["id"])) || job["file_name"] != "leads.csv" || job["state"] != "queued" {
		t.Fatalf("created %v %v", r.Header, job)
	}
	job = e.waitImport(id(job["id"]))
	counts := job["counts"].(map[string]any)
	if job["state"] != "done" || counts["added"] != 2.0 || counts["invalid"] != 1.0 || job["progress"] != 1.0 {
		t.Fatalf("finished %v", job)
	}
	first := id(job["id"])
	if got := e.customers(e.camp.ID); len(got) != 2 || got["+972526234567"].Email != "noa@example.com" {
		t.Fatalf("stored %v", got)
	}
	var problems struct {
		Items                []callsheet.RowResult
		Total, Limit, Offset int
	}
	e.get(fmt.Sprintf("/api/imports/%d/problems?limit=10", first)).want(t, http.StatusOK).decode(t, &problems)
	if problems.Total != 1 || problems.Items[0].Line != 3 || problems.Items[0].Field != "email" || problems.Items[0].Column != "Email" {
		t.Fatalf("problems %+v", problems)
	}
	r = e.get(fmt.Sprintf("/api/imports/%d/problems.csv", first)).want(t, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" || !strings.Contains(string(r.Body), "not-an-email") {
		t.Fatalf("report %s: %s", ct, r.Body)
	}

	// Without a mapping, columns are matched as the mapping screen
	// suggests, and the options may come one by one.
	other := e.f.Campaign(t, "Other")
	r = post("שם,טלפון\nדנה,053-222-3333\n", map[string]string{"campaign_id": fmt.Sprint(other.ID), "override": "true", "unique": "any"}, nil).want(t, http.StatusAccepted)
	r.decode(t, &job)
	job = e.waitImport(id(job["id"]))
	if job["state"] != "done" || job["mapping"].(map[string]any)["phone"] != "טלפון" || !job["options"].(map[string]any)["override"].(bool) {
		t.Fatalf("suggested mapping: %v", job)
	}
	if got := e.customers(other.ID)["+972532223333"]; got == nil || got.Name != "דנה" {
		t.Fatalf("stored %v", e.customers(other.ID))
	}

	// A mapping that does not fit the file fails the import, saying why.
	post(csv, map[string]string{"campaign_id": fmt.Sprint(other.ID), "mapping": `{"name": "Name", "phone": "Telephone"}`}, nil).want(t, http.StatusAccepted).decode(t, &job)
	if job = e.waitImport(id(job["id"])); job["state"] != "failed" || job["error"] == "" || job["error"] == nil {
		t.Fatalf("bad mapping: %v", job)
	}

	var list struct {
		Items []map[string]any
		Total int
	}
	e.get(fmt.Sprintf("/api/imports?campaign=%d&state=done&source=api", e.camp.ID)).want(t, http.StatusOK).decode(t, &list)
	if list.Total != 1 || id(list.Items[0]["id"]) != first {
		t.Fatalf("list %+v", list)
	}

	// Undo, once.
	var undo callsheet.UndoResult
	e.post(fmt.Sprintf("/api/imports/%d/undo", first), nil).want(t, http.StatusOK).decode(t, &undo)
	if undo.Removed != 2 || len(e.customers(e.camp.ID)) != 0 {
		t.Fatalf("undo %+v", undo)
	}
	e.post(fmt.Sprintf("/api/imports/%d/undo", first), nil).wantError(t, http.StatusConflict, "conflict")
	e.post(fmt.Sprintf("/api/imports/%d/cancel", first), nil).wantError(t, http.StatusConflict, "conflict")
	e.post("/api/imports/999999/cancel", nil).wantError(t, http.StatusNotFound, "not_found")
	e.post("/api/imports/999999/undo", nil).wantError(t, http.StatusNotFound, "not_found")
	e.get("/api/imports/999999").wantError(t, http.StatusNotFound, "not_found")
	e.get("/api/imports/999999/problems").wantError(t, http.StatusNotFound, "not_found")
	e.get("/api/imports/999999/problems.csv").wantError(t, http.StatusNotFound, "not_found")

	// A queued import can be cancelled: on a server without workers it
	// waits in the queue. It is on a fresh database of the same engine.
	q := newAPIEnvOn(t, storetest.MustOpenDB(t, db.Engine()), false)
	body, ct := upload(t, "leads.csv", csv, map[string]string{"campaign_id": fmt.Sprint(q.camp.ID), "mapping": `{"name": "Name", "phone": "Phone"}`})
	q.do(call{Method: "POST", Path: "/api/imports", Body: body, ContentType: ct}).want(t, http.StatusAccepted).decode(t, &job)
	q.post(fmt.Sprintf("/api/imports/%d/cancel", id(job["id"])), nil).want(t, http.StatusOK).decode(t, &job)
	if job["state"] != "cancelled" {
		t.Fatalf("cancelled %v", job)
	}

	// Bad uploads.
	post(csv, map[string]string{"mapping": `{"phone": "Phone"}`}, nil).wantError(t, http.StatusUnprocessableEntity, "invalid")
	post(csv, map[string]string{"campaign_id": "999999", "mapping": `{"phone": "Phone"}`}, nil).wantError(t, http.StatusNotFound, "not_found")
	post(csv, map[string]string{"campaign_id": fmt.Sprint(e.camp.ID), "mapping": `["phone"]`}, nil).wantError(t, http.StatusUnprocessableEntity, "invalid")
	post(csv, map[string]string{"campaign_id": fmt.Sprint(e.camp.ID), "options": `{"overide": true}`}, nil).wantError(t, http.StatusUnprocessableEntity, "invalid")
	post(csv, map[string]string{"campaign_id": fmt.Sprint(e.camp.ID), "reset": "maybe"}, nil).wantError(t, http.StatusUnprocessableEntity, "invalid")
	post(csv, map[string]string{"campaign_id": fmt.Sprint(e.camp.ID), "colour": "red"}, nil).wantError(t, http.StatusUnprocessableEntity, "invalid")
	post(csv, map[string]string{"campaign_id": fmt.Sprint(e.camp.ID), "unique": "sometimes"}, nil).wantError(t, http.StatusUnprocessableEntity, "invalid")
	post("a,b\n1,2\n", map[string]string{"campaign_id": fmt.Sprint(e.camp.ID)}, nil).wantError(t, http.StatusUnprocessableEntity, "invalid")
	nofile, ct := upload(t, "", "", map[string]string{"campaign_id": fmt.Sprint(e.camp.ID)})
	e.do(call{Method: "POST", Path: "/api/imports", Body: nofile, ContentType: ct}).wantError(t, http.StatusUnprocessableEntity, "invalid")
	e.post("/api/imports", map[string]any{"campaign_id": e.camp.ID}).wantError(t, http.StatusBadRequest, "bad_request")
}
