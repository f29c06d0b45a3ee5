package web_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
)

// testAPICompatSimple posts leads exactly as an HTML form of an existing
// integration does, and finds them in the store.
func testAPICompatSimple(t *testing.T, db *sqldb.DB) {
	e := newAPIEnvOn(t, db, false)
	field := &callsheet.CustomField{Label: "Budget", Type: callsheet.FieldText}
	if err := sqldb.NewCustomFieldService(e.db).CreateCustomField(e.f.AdminCtx, field); err != nil {
		t.Fatal(err)
	}
	form := func(extra ...string) url.Values {
		v := url.Values{"token": {e.token}, "campaign": {fmt.Sprint(e.camp.ID)}, "name": {"Noa"}, "last_name": {"Cohen"},
			"number": {"052-623-4567"}, "email": {"noa@example.com"}, "source": {"landing page"}, "note": {"wants a call"},
			"crm_id": {"lead-17"}, fmt.Sprintf("custom_field_%d", field.ID): {"3000"}, "submit": {"Send"}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	text := func(r apiResp, status int, want string) {
		t.Helper()
		if r.Status != status || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") || !strings.Contains(string(r.Body), want) {
			t.Fatalf("%d %s %q, want %d %q", r.Status, r.Header.Get("Content-Type"), r.Body, status, want)
		}
	}
	post := func(v url.Values) apiResp { t.Helper(); return postForm(t, e.ts.URL, "/api/simple/customers", v, nil) }

	r := post(form())
	if r.Status != http.StatusOK || string(r.Body) != "Customer has been added successfully" || r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("%d %q %v", r.Status, r.Body, r.Header)
	}
	c := e.customers(e.camp.ID)["+972526234567"]
	if c == nil || c.Name != "Noa" || c.LastName != "Cohen" || c.Email != "noa@example.com" || c.Source != "landing page" || c.Note != "wants a call" ||
		c.ExternalID != "lead-17" || c.Custom[field.ID] != "3000" || c.StatusID != e.f.Initial.ID {
		t.Fatalf("stored %+v", c)
	}

	text(post(form()), http.StatusConflict, "already exists in this campaign")
	followUp := e.f.Statuses[callsheet.StatusFollowUp]
	if _, err := sqldb.NewCustomerService(e.db).UpdateCustomer(e.f.AdminCtx, c.ID, callsheet.CustomerUpdate{StatusID: &followUp.ID}); err != nil {
		t.Fatal(err)
	}
	text(post(form("reset", "true")), http.StatusOK, "has been reset")
	if got := e.customers(e.camp.ID)["+972526234567"]; got.StatusID != e.f.Initial.ID {
		t.Fatalf("not reset: %+v", got)
	}
	text(post(form("number", "972507112222", "international", "true")), http.StatusOK, "Customer has been added successfully")
	text(post(form("number", "050-711-2222", "email", "")), http.StatusConflict, "already exists")
	text(post(form("number", "054-765-4321", "email", "", "source", "")), http.StatusOK, "Customer has been added successfully")

	text(post(form("number", "052-123-4567")), http.StatusUnprocessableEntity, "number")
	text(post(form("number", "")), http.StatusUnprocessableEntity, "number")
	text(post(form("email", "nope", "number", "053-222-3333")), http.StatusUnprocessableEntity, "email")
	text(post(form("token", "cs_wrong")), http.StatusUnauthorized, "token")
	v := form()
	v.Del("token")
	text(post(v), http.StatusUnauthorized, "token")
	text(post(form("campaign", "999999", "number", "053-222-3333")), http.StatusNotFound, "Campaign")
	text(post(form("campaign", "leads", "number", "053-222-3333")), http.StatusUnprocessableEntity, "campaign")
	text(doAPI(t, e.ts.URL, call{Method: "POST", Path: "/api/simple/customers", Body: "%zz", ContentType: "application/x-www-form-urlencoded"}), http.StatusBadRequest, "form")
	if _, ok := e.customers(e.camp.ID)["+972532223333"]; ok {
		t.Fatal("a refused lead was stored")
	}

	// A form with enctype multipart/form-data works the same.
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, vs := range form("number", "053-222-3333") {
		mw.WriteField(k, vs[0])
	}
	mw.Close()
	r = doAPI(t, e.ts.URL, call{Method: "POST", Path: "/api/simple/customers", Body: b.Bytes(), ContentType: mw.FormDataContentType()})
	text(r, http.StatusOK, "Customer has been added successfully")
	if len(e.customers(e.camp.ID)) != 4 {
		t.Fatalf("%d customers, want 4", len(e.customers(e.camp.ID)))
	}
}

type v1Result struct {
	JobID   int64                  `json:"job_id"`
	Applied bool                   `json:"applied"`
	Counts  callsheet.ImportCounts `json:"counts"`
	Results []addResult            `json:"results"`
}

func testAPICompatV1(t *testing.T, db *sqldb.DB) {
	e := newAPIEnvOn(t, db, false)
	field := &callsheet.CustomField{Label: "Budget", Type: callsheet.FieldNumber}
	if err := sqldb.NewCustomFieldService(e.db).CreateCustomField(e.f.AdminCtx, field); err != nil {
		t.Fatal(err)
	}
	key := fmt.Sprintf("custom_field_%d", field.ID)
	noAuth := map[string]string{"Authorization": ""}
	send := func(body any) apiResp {
		t.Helper()
		return e.do(call{Method: "POST", Path: "/api/v1/customers", Body: body, Header: noAuth})
	}
	var res v1Result
	send(map[string]any{"token": e.token, "campaign": e.camp.ID, "override": false, "customers": []any{
		map[string]any{"name": "Noa", "last_name": "Cohen", "number": "052-623-4567", "email": "noa@example.com", "source": "app", "note": "n", "crm_id": "c-1", key: 1200, "extra": "ignored"},
		map[string]any{"name": "Bad", "number": "052-123-4567"},
		map[string]any{"name": "Avi", "number": 507112222},
	}}).want(t, http.StatusOK).decode(t, &res)
	if !res.Applied || res.Counts.Added != 2 || res.Counts.Invalid != 1 || len(res.Results) != 3 {
		t.Fatalf("v1: %+v", res)
	}
	if r := res.Results[0]; r.Outcome != "added" || r.Message != "Customer has been added successfully" || r.CustomerID == 0 {
		t.Fatalf("row 0: %+v", r)
	}
	if r := res.Results[1]; r.Outcome != "invalid" || r.Errors["number"] == "" {
		t.Fatalf("row 1: %+v", r)
	}
	c := e.customers(e.camp.ID)["+972526234567"]
	if c == nil || c.ExternalID != "c-1" || c.Custom[field.ID] != "1200" || c.Email != "noa@example.com" || e.customers(e.camp.ID)["+972507112222"] == nil {
		t.Fatalf("stored %+v", e.customers(e.camp.ID))
	}

	// Campaign as a string, override as a string, the token in the header.
	e.do(call{Method: "POST", Path: "/api/v1/customers", Body: map[string]any{"campaign": fmt.Sprint(e.camp.ID), "override": "true",
		"customers": []any{map[string]any{"name": "Noa Updated", "number": "0526234567"}}}}).want(t, http.StatusOK).decode(t, &res)
	if res.Results[0].Outcome != "updated" || e.customers(e.camp.ID)["+972526234567"].Name != "Noa Updated" {
		t.Fatalf("override: %+v", res)
	}
	send(map[string]any{"token": e.token, "campaign": e.camp.ID, "customers": []any{map[string]any{"name": "Noa", "number": "0526234567"}}}).
		want(t, http.StatusOK).decode(t, &res)
	if res.Results[0].Outcome != "skipped_existing" || res.Results[0].Message != "Customer already exists in this campaign" {
		t.Fatalf("existing: %+v", res)
	}

	send(map[string]any{"token": "cs_nope", "campaign": e.camp.ID, "customers": []any{map[string]any{"number": "053-222-3333"}}}).wantError(t, http.StatusUnauthorized, "unauthorized")
	send(map[string]any{"campaign": e.camp.ID, "customers": []any{map[string]any{"number": "053-222-3333"}}}).wantError(t, http.StatusUnauthorized, "unauthorized")
	send(map[string]any{"token": e.token, "customers": []any{map[string]any{"number": "053-222-3333"}}}).wantError(t, http.StatusUnprocessableEntity, "invalid")
	send(map[string]any{"token": e.token, "campaign": 999999, "customers": []any{map[string]any{"number": "053-222-3333"}}}).wantError(t, http.StatusNotFound, "not_found")
	send(map[string]any{"token": e.token, "campaign": e.camp.ID, "customers": []any{}}).wantError(t, http.StatusUnprocessableEntity, "invalid")
	send(map[string]any{"token": e.token, "campaign": e.camp.ID, "customers": []any{map[string]any{"number": []int{1}}}}).wantError(t, http.StatusUnprocessableEntity, "invalid")
	send(`{"token": "x", "campaign": `).wantError(t, http.StatusBadRequest, "bad_request")
}
