package storetest_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// auditOf returns the events of one object, newest first.
func auditOf(t *testing.T, db *sqldb.DB, f *storetest.Fixture, objectType string, id int64) []*callsheet.AuditEvent {
	t.Helper()
	evs, _, err := sqldb.NewAuditService(db).FindAuditEvents(f.AdminCtx, callsheet.AuditFilter{ObjectType: &objectType, ObjectID: &id})
	must(t, err)
	return evs
}

// detailOf decodes an audit event's detail.
func detailOf(t *testing.T, e *callsheet.AuditEvent) map[string]any {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
		t.Fatalf("detail %q: %v", e.Detail, err)
	}
	return d
}

// TestTakeBackDoNotCall lifts a do-not-call block both ways: for one
// customer from its card (AllowContact), and for every customer with the
// phone by removing it from the register (RemoveDoNotCall); each is audited
// with its reason, and neither reaches another account or an agent.
func TestTakeBackDoNotCall(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		cs := sqldb.NewCustomerService(db)
		dnc := sqldb.NewDoNotCallService(db)
		f := storetest.NewFixture(t, db, "takeback")
		other := storetest.NewFixture(t, db, "elsewhere")
		spring, summer, autumn := f.Campaign(t, "Spring"), f.Campaign(t, "Summer"), f.Campaign(t, "Autumn")
		agent := f.Agent(t, "Dana", false, spring.ID)
		dncStatus := f.Statuses[callsheet.StatusDoNotCall].ID
		followUp := f.Statuses[callsheet.StatusFollowUp].ID
		at := func(day int) func() time.Time {
			return func() time.Time { return time.Date(2026, 5, day, 10, 0, 0, 0, time.UTC) }
		}
		defer func() { db.Now = time.Now }()

		t.Run("allow contact again on the card", func(t *testing.T) {
			const phone = "+972541110001"
			db.Now = at(1)
			mistaken := f.Customer(t, spring.ID, "Mistaken", phone)
			sibling := f.Customer(t, summer.ID, "Sibling", phone)
			// The agent gives a do-not-call status by mistake.
			db.Now = at(2)
			got, err := cs.UpdateCustomer(f.As(agent), mistaken.ID, callsheet.CustomerUpdate{StatusID: &dncStatus})
			must(t, err)
			if !got.Blocked {
				t.Fatal("a do-not-call status did not block")
			}

			_, err = dnc.AllowContact(f.As(agent), mistaken.ID, "agent's mistake", f.Initial.ID)
			wantCode(t, err, callsheet.EFORBIDDEN)
			_, err = dnc.AllowContact(other.AdminCtx, mistaken.ID, "not mine", other.Initial.ID)
			wantCode(t, err, callsheet.ENOTFOUND)
			_, err = dnc.AllowContact(f.AdminCtx, mistaken.ID, "   ", f.Initial.ID)
			wantCode(t, err, callsheet.EINVALID)
			if e := err.(*callsheet.Error); e.Fields["reason"] == "" {
				t.Fatalf("no reason: %v names no field", e)
			}
			// In a do-not-call status it needs the status to go back to,
			// and not another do-not-call one.
			_, err = dnc.AllowContact(f.AdminCtx, mistaken.ID, "agent's mistake", 0)
			wantCode(t, err, callsheet.EINVALID)
			_, err = dnc.AllowContact(f.AdminCtx, mistaken.ID, "agent's mistake", dncStatus)
			wantCode(t, err, callsheet.EINVALID)
			_, err = dnc.AllowContact(f.AdminCtx, mistaken.ID, "agent's mistake", other.Initial.ID)
			wantCode(t, err, callsheet.ENOTFOUND)
			if c, _ := cs.FindCustomerByID(f.AdminCtx, mistaken.ID); !c.Blocked || c.StatusID != dncStatus || c.ContactAllowedAt != nil {
				t.Fatalf("a refused allow changed the customer: %+v", c)
			}

			db.Now = at(3)
			got, err = dnc.AllowContact(f.AdminCtx, mistaken.ID, "agent's mistake", followUp)
			must(t, err)
			if got.Blocked || got.StatusID != followUp || got.ContactAllowedAt == nil || !got.ContactAllowedAt.Equal(at(3)()) {
				t.Fatalf("after allowing: blocked %v, status %d, allowed %v", got.Blocked, got.StatusID, got.ContactAllowedAt)
			}
			// The register still holds the phone: the sibling stays blocked.
			if s, _ := cs.FindCustomerByID(f.AdminCtx, sibling.ID); !s.Blocked {
				t.Fatal("allowing one customer unblocked another with the phone")
			}
			if list, _, _ := dnc.FindDoNotCalls(f.AdminCtx, callsheet.DoNotCallFilter{Phone: ptr(phone)}); len(list) != 1 {
				t.Fatalf("register: %+v", list)
			}
			// The agent's work list has the customer again.
			mine, _, err := cs.FindCustomers(f.As(agent), callsheet.CustomerFilter{Callable: true})
			must(t, err)
			if len(mine) != 1 || mine[0].ID != mistaken.ID {
				t.Fatalf("callable for the agent: %+v", mine)
			}
			evs := auditOf(t, db, f, "customer", mistaken.ID)
			if len(evs) == 0 || evs[0].Action != "customer.allow_contact" || evs[0].ActorName != f.Admin.Name {
				t.Fatalf("audit: %+v", evs)
			}
			d := detailOf(t, evs[0])
			if d["reason"] != "agent's mistake" || d["phone"] != phone || d["was_blocked"] != true || d["status_id"] != float64(followUp) {
				t.Fatalf("audit detail: %v", d)
			}

			// Nothing left to allow.
			_, err = dnc.AllowContact(f.AdminCtx, mistaken.ID, "again", f.Initial.ID)
			wantCode(t, err, callsheet.EINVALID)
			// A later request blocks it again: the allowed date is older.
			db.Now = at(4)
			_, err = dnc.AddDoNotCall(f.AdminCtx, phone, "asked again")
			must(t, err)
			if c, _ := cs.FindCustomerByID(f.AdminCtx, mistaken.ID); !c.Blocked {
				t.Fatal("a newer request does not block after allowing contact")
			}
			// Blocked by the register alone (not in a do-not-call status),
			// the status stays as it is.
			db.Now = at(5)
			got, err = dnc.AllowContact(f.AdminCtx, mistaken.ID, "called us back", 0)
			must(t, err)
			if got.Blocked || got.StatusID != followUp {
				t.Fatalf("after the second allow: %+v", got)
			}
		})

		t.Run("remove a number from the register", func(t *testing.T) {
			const phone = "+972541110002"
			db.Now = at(1)
			inStatus := f.Customer(t, spring.ID, "In status", phone)
			plain := f.Customer(t, summer.ID, "Plain", phone)
			allowed := f.Customer(t, autumn.ID, "Allowed later", phone)
			theirs := other.Customer(t, other.Campaign(t, "Theirs").ID, "Theirs", phone)
			_, err := dnc.AddDoNotCall(other.AdminCtx, phone, "their own request")
			must(t, err)
			db.Now = at(2)
			_, err = cs.UpdateCustomer(f.AdminCtx, inStatus.ID, callsheet.CustomerUpdate{StatusID: &dncStatus})
			must(t, err)
			// One customer had already been allowed after the request: the
			// entry does not block it, and removing it changes nothing there.
			later := at(3)()
			_, err = cs.UpdateCustomer(f.AdminCtx, allowed.ID, callsheet.CustomerUpdate{ContactAllowedAt: &later})
			must(t, err)
			blocked, _, err := cs.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{Phone: ptr(phone), Blocked: ptr(true)})
			must(t, err)
			if len(blocked) != 2 {
				t.Fatalf("%d blocked before removing, want 2", len(blocked))
			}

			_, err = dnc.RemoveDoNotCall(f.As(agent), phone, "mistake")
			wantCode(t, err, callsheet.EFORBIDDEN)
			_, err = dnc.AddDoNotCall(f.As(agent), "+972541110003", "asked")
			wantCode(t, err, callsheet.EFORBIDDEN)
			_, err = dnc.RemoveDoNotCall(f.AdminCtx, phone, "")
			wantCode(t, err, callsheet.EINVALID)
			_, err = dnc.RemoveDoNotCall(f.AdminCtx, "0541110002", "mistake")
			wantCode(t, err, callsheet.EINVALID)
			_, err = dnc.RemoveDoNotCall(f.AdminCtx, "+972541119999", "mistake")
			wantCode(t, err, callsheet.ENOTFOUND)

			db.Now = at(4)
			res, err := dnc.RemoveDoNotCall(f.AdminCtx, phone, "entered by mistake")
			must(t, err)
			if res.Entry == nil || res.Entry.Phone != phone || !res.Entry.RequestedAt.Equal(at(2)()) ||
				!reflect.DeepEqual(res.Unblocked, []int64{inStatus.ID, plain.ID}) || !reflect.DeepEqual(res.InDoNotCallStatus, []int64{inStatus.ID}) {
				t.Fatalf("removal: %+v %+v", res, res.Entry)
			}
			if list, n, _ := dnc.FindDoNotCalls(f.AdminCtx, callsheet.DoNotCallFilter{Phone: ptr(phone)}); n != 0 {
				t.Fatalf("still on the register: %+v", list)
			}
			for _, id := range []int64{inStatus.ID, plain.ID, allowed.ID} {
				c, err := cs.FindCustomerByID(f.AdminCtx, id)
				must(t, err)
				if c.Blocked {
					t.Fatalf("%s still blocked", c.Name)
				}
			}
			// The status is the customer's: it stays until someone changes it.
			if c, _ := cs.FindCustomerByID(f.AdminCtx, inStatus.ID); c.StatusID != dncStatus {
				t.Fatalf("status changed to %d", c.StatusID)
			}
			// The other account's register and customer are untouched.
			if c, _ := cs.FindCustomerByID(other.AdminCtx, theirs.ID); !c.Blocked {
				t.Fatal("another account's customer was unblocked")
			}
			if _, n, _ := dnc.FindDoNotCalls(other.AdminCtx, callsheet.DoNotCallFilter{Phone: ptr(phone)}); n != 1 {
				t.Fatal("another account's entry was removed")
			}

			evs := auditOf(t, db, f, "do_not_call", res.Entry.ID)
			if len(evs) != 1 || evs[0].Action != "do_not_call.remove" {
				t.Fatalf("register audit: %+v", evs)
			}
			if d := detailOf(t, evs[0]); d["reason"] != "entered by mistake" || d["phone"] != phone || d["unblocked"] != float64(2) {
				t.Fatalf("register audit detail: %v", d)
			}
			for _, id := range res.Unblocked {
				evs := auditOf(t, db, f, "customer", id)
				if len(evs) == 0 || evs[0].Action != "customer.unblock" || detailOf(t, evs[0])["reason"] != "entered by mistake" {
					t.Fatalf("customer %d audit: %+v", id, evs)
				}
			}
			if evs := auditOf(t, db, f, "customer", allowed.ID); evs[0].Action == "customer.unblock" {
				t.Fatal("a customer the entry did not block is audited as unblocked")
			}
			// Removed once, it is gone.
			_, err = dnc.RemoveDoNotCall(f.AdminCtx, phone, "again")
			wantCode(t, err, callsheet.ENOTFOUND)
		})
	})
}
