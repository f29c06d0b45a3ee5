package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// dncEntry and dncRemoval are the register's answers as a client reads them.
type dncEntry struct {
	ID     int64  `json:"id"`
	Phone  string `json:"phone"`
	Reason string `json:"reason"`
}

type dncRemoval struct {
	Entry             dncEntry `json:"entry"`
	Unblocked         []int64  `json:"unblocked"`
	InDoNotCallStatus []int64  `json:"in_do_not_call_status"`
}

// testAPIDoNotCall drives the do-not-call register and "allow contact
// again" through the API: a token adds, renews, looks up and removes
// numbers and lets customers be called again, each audited with its
// reason; an agent's session is refused every one of them, and another
// account's customers and register are not found and left as they were.
func testAPIDoNotCall(t *testing.T, db *sqldb.DB) {
	e := newAPIEnvOn(t, db, false)
	cs := sqldb.NewCustomerService(db)
	summer := e.f.Campaign(t, "Summer")
	agent := e.f.Agent(t, "Dana Levi", false, e.camp.ID)
	noa := e.f.Customer(t, e.camp.ID, "Noa", "+972526234567")
	sib := e.f.Customer(t, summer.ID, "Sibling", "+972526234567")
	rina := e.f.Customer(t, e.camp.ID, "Rina", "+972547654321")
	dncStatus := e.f.Statuses[callsheet.StatusDoNotCall].ID
	followUp := e.f.Statuses[callsheet.StatusFollowUp].ID
	blocked := func(id int64) bool {
		t.Helper()
		c, err := cs.FindCustomerByID(e.f.AdminCtx, id)
		if err != nil {
			t.Fatal(err)
		}
		return c.Blocked
	}
	allowPath := func(id int64) string { return fmt.Sprintf("/api/customers/%d/allow-contact", id) }

	b := storetest.NewFixture(t, db, "beta")
	bCust := b.Customer(t, b.Campaign(t, "Beta leads").ID, "Beta customer", "+972529999999")
	if _, err := sqldb.NewDoNotCallService(db).AddDoNotCall(b.AdminCtx, "+972529999999", "Beta reason"); err != nil {
		t.Fatal(err)
	}

	t.Run("agents are refused", func(t *testing.T) {
		ac := newClient(t, e.ts.URL)
		ac.login(agent.Login, storetest.Password)
		asAgent := map[string]string{"Authorization": "", "X-CSRF-Token": ac.csrf}
		agentDo := func(method, path string, body any) {
			t.Helper()
			e.do(call{Method: method, Path: path, Body: body, Header: asAgent, Client: ac.http}).wantError(t, http.StatusForbidden, "forbidden")
		}
		agentDo("GET", "/api/do-not-call", nil)
		agentDo("GET", "/api/do-not-call?phone=052-623-4567", nil)
		agentDo("POST", "/api/do-not-call", map[string]any{"phone": "052-623-4567", "reason": "x"})
		agentDo("POST", "/api/do-not-call/remove", map[string]any{"phone": "+972529999999", "reason": "x"})
		// Refused before the body is read: even a body that is wrong
		// says nothing to an agent but that the call is not theirs.
		agentDo("POST", "/api/do-not-call/remove", map[string]any{"nonsense": true})
		agentDo("POST", allowPath(noa.ID), map[string]any{"reason": "x"})
		if _, n, _ := sqldb.NewDoNotCallService(db).FindDoNotCalls(e.f.AdminCtx, callsheet.DoNotCallFilter{}); n != 0 || blocked(noa.ID) {
			t.Fatalf("an agent's refused calls changed the register: %d entries", n)
		}
	})

	var entry dncEntry
	t.Run("add and renew", func(t *testing.T) {
		e.post("/api/do-not-call", map[string]any{"phone": "052-623-4567", "reason": "asked on the phone"}).want(t, http.StatusCreated).decode(t, &entry)
		if entry.Phone != "+972526234567" || entry.Reason != "asked on the phone" || entry.ID == 0 {
			t.Fatalf("entry %+v", entry)
		}
		if !blocked(noa.ID) || !blocked(sib.ID) || blocked(rina.ID) {
			t.Fatal("adding the number did not block exactly its customers")
		}
		ev := latestEvent(t, db, e.f, "do_not_call", entry.ID)
		if ev.Action != "do_not_call.add" || ev.ActorName != "API token integration" || !strings.Contains(ev.Detail, "asked on the phone") {
			t.Fatalf("audit %+v", ev)
		}
		// The same number again renews the entry, with an idempotency
		// key like every POST.
		key := map[string]string{"Idempotency-Key": "dnc-renew-1"}
		body := map[string]any{"phone": "+972 52-623-4567", "reason": "asked again"}
		var renewed dncEntry
		first := e.do(call{Method: "POST", Path: "/api/do-not-call", Body: body, Header: key}).want(t, http.StatusOK)
		first.decode(t, &renewed)
		if renewed.ID != entry.ID || renewed.Reason != "asked again" {
			t.Fatalf("renewed %+v, first %+v", renewed, entry)
		}
		again := e.do(call{Method: "POST", Path: "/api/do-not-call", Body: body, Header: key}).want(t, http.StatusOK)
		if again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(first.Body) {
			t.Fatalf("retry not replayed: %v %s", again.Header, again.Body)
		}

		for _, c := range []struct {
			body  any
			field string
		}{
			{map[string]any{"phone": "050-123-4567"}, "phone"},
			{map[string]any{"reason": "no phone"}, "phone"},
			{map[string]any{"phone": "052-623-4567", "reason": strings.Repeat("x", 501)}, "reason"},
			{map[string]any{"phone": "052-623-4567", "reson": "misspelt"}, "reson"},
		} {
			er := e.post("/api/do-not-call", c.body).wantError(t, http.StatusUnprocessableEntity, "invalid")
			if er.Error.Fields[c.field] == "" {
				t.Errorf("%v: the error does not name %s: %+v", c.body, c.field, er)
			}
		}
		e.post("/api/do-not-call", "{").wantError(t, http.StatusBadRequest, "bad_request")
	})

	t.Run("list and look up", func(t *testing.T) {
		var l struct {
			Items []dncEntry
			Total int
		}
		for path, want := range map[string]int{
			"/api/do-not-call": 1, "/api/do-not-call?phone=052-623-4567": 1, "/api/do-not-call?phone=%2B972526234567&limit=1": 1,
			"/api/do-not-call?phone=054-765-4321": 0, "/api/do-not-call?phone=%2B972529999999": 0,
		} {
			r := e.get(path).want(t, http.StatusOK)
			r.decode(t, &l)
			if l.Total != want {
				t.Errorf("%s: total %d, want %d", path, l.Total, want)
			}
			if strings.Contains(string(r.Body), "Beta reason") {
				t.Errorf("%s shows another account's register: %s", path, r.Body)
			}
		}
		e.get("/api/do-not-call?phone=%2B972526234567").decode(t, &l)
		if len(l.Items) != 1 || l.Items[0].Reason != "asked again" {
			t.Fatalf("lookup %+v", l)
		}
		er := e.get("/api/do-not-call?phone=050-123-4567").wantError(t, http.StatusBadRequest, "bad_request")
		if er.Error.Fields["phone"] == "" {
			t.Fatalf("a bad phone is not named: %+v", er)
		}
	})

	t.Run("allow contact again", func(t *testing.T) {
		er := e.post(allowPath(noa.ID), map[string]any{"reason": "  "}).wantError(t, http.StatusUnprocessableEntity, "invalid")
		if er.Error.Fields["reason"] == "" {
			t.Fatalf("no reason: %+v", er)
		}
		e.post(allowPath(noa.ID), map[string]any{"reason": "x", "status_id": 0}).wantError(t, http.StatusUnprocessableEntity, "invalid")
		e.post(allowPath(noa.ID), map[string]any{}).wantError(t, http.StatusUnprocessableEntity, "invalid")
		e.post("/api/customers/999999/allow-contact", map[string]any{"reason": "x"}).wantError(t, http.StatusNotFound, "not_found")
		if !blocked(noa.ID) {
			t.Fatal("a refused allow unblocked the customer")
		}

		var c callsheet.Customer
		key := map[string]string{"Idempotency-Key": "allow-noa"}
		first := e.do(call{Method: "POST", Path: allowPath(noa.ID), Body: map[string]any{"reason": "called us back"}, Header: key}).want(t, http.StatusOK)
		first.decode(t, &c)
		if c.ID != noa.ID || c.Blocked || c.ContactAllowedAt == nil || c.StatusID != e.f.Initial.ID {
			t.Fatalf("allowed %+v", c)
		}
		again := e.do(call{Method: "POST", Path: allowPath(noa.ID), Body: map[string]any{"reason": "called us back"}, Header: key}).want(t, http.StatusOK)
		if again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(first.Body) {
			t.Fatalf("retry not replayed: %v", again.Header)
		}
		// Once callable there is nothing to allow; the other customer
		// with the number stays blocked by the register.
		e.post(allowPath(noa.ID), map[string]any{"reason": "called us back"}).wantError(t, http.StatusUnprocessableEntity, "invalid")
		if !blocked(sib.ID) {
			t.Fatal("allowing one customer unblocked another with the number")
		}
		ev := latestEvent(t, db, e.f, "customer", noa.ID)
		var d map[string]any
		if err := json.Unmarshal([]byte(ev.Detail), &d); err != nil || ev.Action != "customer.allow_contact" || ev.ActorName != "API token integration" ||
			d["reason"] != "called us back" || d["was_blocked"] != true {
			t.Fatalf("audit %+v: %v", ev, d)
		}

		// A customer in a do-not-call status needs the status it goes
		// back to, of another kind, and of this account.
		e.patch(fmt.Sprintf("/api/customers/%d", rina.ID), map[string]any{"status_id": dncStatus}).want(t, http.StatusOK)
		for _, c := range []struct {
			body   map[string]any
			status int
			code   string
		}{
			{map[string]any{"reason": "mistake"}, http.StatusUnprocessableEntity, "invalid"},
			{map[string]any{"reason": "mistake", "status_id": dncStatus}, http.StatusUnprocessableEntity, "invalid"},
			{map[string]any{"reason": "mistake", "status_id": b.Initial.ID}, http.StatusNotFound, "not_found"},
		} {
			er := e.post(allowPath(rina.ID), c.body).wantError(t, c.status, c.code)
			if er.Error.Fields["status_id"] == "" {
				t.Errorf("%v: the error does not name status_id: %+v", c.body, er)
			}
		}
		e.post(allowPath(rina.ID), map[string]any{"reason": "agent's mistake", "status_id": followUp}).want(t, http.StatusOK).decode(t, &c)
		if c.Blocked || c.StatusID != followUp {
			t.Fatalf("allowed from a do-not-call status: %+v", c)
		}
	})

	t.Run("another account", func(t *testing.T) {
		e.post(allowPath(bCust.ID), map[string]any{"reason": "not mine", "status_id": e.f.Initial.ID}).wantError(t, http.StatusNotFound, "not_found")
		e.post("/api/do-not-call/remove", map[string]any{"phone": "+972529999999", "reason": "not mine"}).wantError(t, http.StatusNotFound, "not_found")
		if c, err := cs.FindCustomerByID(b.AdminCtx, bCust.ID); err != nil || !c.Blocked || c.ContactAllowedAt != nil {
			t.Fatalf("B's customer: %+v %v", c, err)
		}
		if _, n, _ := sqldb.NewDoNotCallService(db).FindDoNotCalls(b.AdminCtx, callsheet.DoNotCallFilter{}); n != 1 {
			t.Fatalf("B's register has %d entries", n)
		}
	})

	t.Run("remove from the register", func(t *testing.T) {
		er := e.post("/api/do-not-call/remove", map[string]any{"phone": "052-623-4567"}).wantError(t, http.StatusUnprocessableEntity, "invalid")
		if er.Error.Fields["reason"] == "" {
			t.Fatalf("no reason: %+v", er)
		}
		e.post("/api/do-not-call/remove", map[string]any{"phone": "050-123-4567", "reason": "x"}).wantError(t, http.StatusUnprocessableEntity, "invalid")
		e.post("/api/do-not-call/remove", map[string]any{"phone": "053-222-3333", "reason": "x"}).wantError(t, http.StatusNotFound, "not_found")

		// Sibling is blocked by the register; Noa was allowed after the
		// request and Rina's number has its own entry.
		var res dncRemoval
		key := map[string]string{"Idempotency-Key": "remove-1"}
		body := map[string]any{"phone": "052-623-4567", "reason": "entered by mistake"}
		first := e.do(call{Method: "POST", Path: "/api/do-not-call/remove", Body: body, Header: key}).want(t, http.StatusOK)
		first.decode(t, &res)
		if res.Entry.ID != entry.ID || res.Entry.Phone != "+972526234567" || !reflect.DeepEqual(res.Unblocked, []int64{sib.ID}) || len(res.InDoNotCallStatus) != 0 {
			t.Fatalf("removal %+v", res)
		}
		again := e.do(call{Method: "POST", Path: "/api/do-not-call/remove", Body: body, Header: key}).want(t, http.StatusOK)
		if again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(first.Body) {
			t.Fatalf("retry not replayed: %v", again.Header)
		}
		e.post("/api/do-not-call/remove", body).wantError(t, http.StatusNotFound, "not_found")
		if blocked(sib.ID) || blocked(noa.ID) {
			t.Fatal("still blocked after the removal")
		}
		ev := latestEvent(t, db, e.f, "do_not_call", entry.ID)
		if ev.Action != "do_not_call.remove" || ev.ActorName != "API token integration" || !strings.Contains(ev.Detail, "entered by mistake") {
			t.Fatalf("register audit %+v", ev)
		}
		ev = latestEvent(t, db, e.f, "customer", sib.ID)
		if ev.Action != "customer.unblock" || !strings.Contains(ev.Detail, "entered by mistake") {
			t.Fatalf("customer audit %+v", ev)
		}
		// Rina's number, put on the register by her status, is the one
		// entry left.
		var l struct{ Items []dncEntry }
		e.get("/api/do-not-call").want(t, http.StatusOK).decode(t, &l)
		if len(l.Items) != 1 || l.Items[0].Phone != "+972547654321" {
			t.Fatalf("register after removal: %+v", l)
		}
	})
}
