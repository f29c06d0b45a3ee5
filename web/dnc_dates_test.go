package web_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/internal/app"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
	"github.com/callsheet/callsheet/web"
)

// serverOn starts a server on db.
func serverOn(t *testing.T, db *sqldb.DB) *httptest.Server {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ts := httptest.NewServer(web.NewServer(app.Services(db, logger), logger).Handler())
	t.Cleanup(ts.Close)
	return ts
}

// lacks fails the test if the page contains s.
func lacks(t *testing.T, body, s string) {
	t.Helper()
	if strings.Contains(body, s) {
		t.Fatalf("page contains %q", s)
	}
}

// latestEvent returns the newest audit event of an object.
func latestEvent(t *testing.T, db *sqldb.DB, f *storetest.Fixture, objectType string, id int64) *callsheet.AuditEvent {
	t.Helper()
	evs, _, err := sqldb.NewAuditService(db).FindAuditEvents(f.AdminCtx, callsheet.AuditFilter{ObjectType: &objectType, ObjectID: &id, Limit: 1})
	if err != nil || len(evs) == 0 {
		t.Fatalf("no audit event for %s %d: %v", objectType, id, err)
	}
	return evs[0]
}

// TestDoNotCallTakenBack gives a do-not-call status the way an agent does
// (asked to confirm first), then takes it back both ways an admin can: on
// the card, and by removing the number from the register after seeing how
// many customers it frees. Each step is checked in the store and the audit
// log, on both engines.
func TestDoNotCallTakenBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ts := serverOn(t, db)
		cs := sqldb.NewCustomerService(db)
		f := storetest.NewFixture(t, db, "acme")
		spring, summer, autumn := f.Campaign(t, "Spring"), f.Campaign(t, "Summer"), f.Campaign(t, "Autumn")
		agent := f.Agent(t, "Dana", false, spring.ID)
		dnc := f.Statuses[callsheet.StatusDoNotCall]
		const phone = "+972526234567"
		mistaken := f.Customer(t, spring.ID, "Mistaken", phone)
		second := f.Customer(t, summer.ID, "Second", phone)
		third := f.Customer(t, autumn.ID, "Third", phone)
		card := fmt.Sprintf("/customers/%d", mistaken.ID)
		if _, err := cs.UpdateCustomer(f.AdminCtx, mistaken.ID, callsheet.CustomerUpdate{AgentID: &agent.ID}); err != nil {
			t.Fatal(err)
		}

		ag := newClient(t, ts.URL)
		ag.login(agent.Login, storetest.Password)
		admin := newClient(t, ts.URL)
		admin.login(f.Admin.Login, storetest.Password)

		t.Run("an agent confirms a do-not-call status", func(t *testing.T) {
			ag.get(card)
			form := url.Values{"status": {fmt.Sprint(dnc.ID)}, "add_note": {"said stop"}, "follow_up_at": {""}}
			code, body, _ := ag.post(card, form)
			if code != http.StatusOK {
				t.Fatalf("first save: %d, want the question (200)", code)
			}
			contains(t, body, `id="confirm-do-not-call"`)
			contains(t, body, "goes on the do-not-call register")
			contains(t, body, "said stop") // the note waits in the form
			got, _ := cs.FindCustomerByID(f.AdminCtx, mistaken.ID)
			if got.StatusID != f.Initial.ID || got.Blocked || got.Note != "" {
				t.Fatalf("saved before confirming: %+v", got)
			}
			// Sent again without ticking the box: asked again, with a reason.
			form.Set("asked_do_not_call", "1")
			code, body, _ = ag.post(card, form)
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("unticked: %d", code)
			}
			contains(t, body, "Tick the box")
			// Another status is not asked about.
			code, _, _ = ag.post(card, url.Values{"status": {fmt.Sprint(f.Statuses[callsheet.StatusClosed].ID)}})
			if code != http.StatusSeeOther {
				t.Fatalf("a closed status: %d", code)
			}
			form.Set("confirm_do_not_call", "yes")
			code, _, _ = ag.post(card, form)
			if code != http.StatusSeeOther {
				t.Fatalf("confirmed: %d", code)
			}
			got, _ = cs.FindCustomerByID(f.AdminCtx, mistaken.ID)
			if got.StatusID != dnc.ID || !got.Blocked || !strings.Contains(got.Note, "said stop") {
				t.Fatalf("after confirming: %+v", got)
			}
			// Saving the card again in that status asks nothing.
			ag.get(card)
			if code, _, _ := ag.post(card, url.Values{"status": {fmt.Sprint(dnc.ID)}, "add_note": {"again"}}); code != http.StatusSeeOther {
				t.Fatalf("unchanged status: %d", code)
			}
			// The agent is offered no way to take it back.
			_, body = ag.get(card)
			lacks(t, body, `id="allow-contact"`)
		})

		t.Run("an admin allows contact again on the card", func(t *testing.T) {
			_, body := admin.get(card)
			contains(t, body, `id="allow-contact"`)
			contains(t, body, "2 other customers with this phone stay blocked")
			code, body, _ := admin.post(card+"/allow-contact", url.Values{"allow_status": {fmt.Sprint(f.Initial.ID)}, "allow_reason": {" "}})
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("no reason: %d", code)
			}
			contains(t, body, "Say why")
			code, body, _ = admin.post(card+"/allow-contact", url.Values{"allow_status": {fmt.Sprint(dnc.ID)}, "allow_reason": {"wrong button"}})
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("a do-not-call status to go back to: %d", code)
			}
			contains(t, body, "not a do-not-call one")
			code, _, resp := admin.post(card+"/allow-contact", url.Values{"allow_status": {fmt.Sprint(f.Initial.ID)}, "allow_reason": {"wrong button"}})
			if code != http.StatusSeeOther {
				t.Fatalf("allow: %d", code)
			}
			_, body = admin.get(resp.Header.Get("Location"))
			contains(t, body, "Contact allowed again")
			contains(t, body, "customer.allow_contact: <bdi>wrong button</bdi>") // the card's history
			lacks(t, body, `id="allow-contact"`)
			got, _ := cs.FindCustomerByID(f.AdminCtx, mistaken.ID)
			if got.Blocked || got.StatusID != f.Initial.ID || got.ContactAllowedAt == nil {
				t.Fatalf("after allowing: %+v", got)
			}
			if e := latestEvent(t, db, f, "customer", mistaken.ID); e.Action != "customer.allow_contact" || !strings.Contains(e.Detail, "wrong button") {
				t.Fatalf("audit: %+v", e)
			}
			_, body = admin.get("/admin/audit")
			contains(t, body, "customer.allow_contact")
			// The others with the phone are still blocked.
			for _, id := range []int64{second.ID, third.ID} {
				if c, _ := cs.FindCustomerByID(f.AdminCtx, id); !c.Blocked {
					t.Fatalf("customer %d unblocked by another's card", id)
				}
			}
			// The agent sees the customer in the work list again.
			_, body = ag.get("/work")
			contains(t, body, "Mistaken")
		})

		t.Run("an admin removes the number from the register", func(t *testing.T) {
			// Put the first customer back on it, by status, so the register
			// blocks three customers again.
			admin.get(card)
			code, _, _ := admin.post(card, url.Values{"status": {fmt.Sprint(dnc.ID)}, "confirm_do_not_call": {"yes"}})
			if code != http.StatusSeeOther {
				t.Fatalf("admin gives the status: %d", code)
			}
			_, body := admin.get("/admin/dnc")
			contains(t, body, `href="/admin/dnc?remove=%2b972526234567"`)
			code, body = admin.get("/admin/dnc?remove=" + url.QueryEscape(phone))
			if code != http.StatusOK {
				t.Fatalf("preview: %d", code)
			}
			contains(t, body, "3 customers with this phone will no longer be blocked.")
			contains(t, body, "1 of them has a do-not-call status")
			for _, name := range []string{"Mistaken", "Second", "Third"} {
				contains(t, body, name)
			}
			if _, n, _ := sqldb.NewDoNotCallService(db).FindDoNotCalls(f.AdminCtx, callsheet.DoNotCallFilter{}); n != 1 {
				t.Fatal("the preview changed the register")
			}
			code, body, _ = admin.post("/admin/dnc/remove", url.Values{"remove": {phone}, "remove_reason": {""}})
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("no reason: %d", code)
			}
			contains(t, body, "Say why")
			contains(t, body, `id="remove-dnc"`) // still asking
			code, _, resp := admin.post("/admin/dnc/remove", url.Values{"remove": {phone}, "remove_reason": {"asked to be called after all"}})
			if code != http.StatusSeeOther {
				t.Fatalf("remove: %d", code)
			}
			_, body = admin.get(resp.Header.Get("Location"))
			contains(t, body, "\u2068052-623-4567\u2069 was removed from the do-not-call register: 3 customers with this phone may be called again. 1 of them still has a do-not-call status")
			contains(t, body, "0 phones")
			for _, id := range []int64{mistaken.ID, second.ID, third.ID} {
				c, _ := cs.FindCustomerByID(f.AdminCtx, id)
				if c.Blocked {
					t.Fatalf("customer %d still blocked", id)
				}
				if e := latestEvent(t, db, f, "customer", id); e.Action != "customer.unblock" || !strings.Contains(e.Detail, "asked to be called after all") {
					t.Fatalf("customer %d audit: %+v", id, e)
				}
			}
			evs, _, _ := sqldb.NewAuditService(db).FindAuditEvents(f.AdminCtx, callsheet.AuditFilter{Action: ptr("do_not_call.remove")})
			if len(evs) != 1 || !strings.Contains(evs[0].Detail, `"unblocked":3`) || !strings.Contains(evs[0].Detail, "asked to be called after all") {
				t.Fatalf("register audit: %+v", evs)
			}
			// Sent twice: the second finds nothing and says so.
			code, body, _ = admin.post("/admin/dnc/remove", url.Values{"remove": {phone}, "remove_reason": {"again"}})
			if code != http.StatusNotFound {
				t.Fatalf("second removal: %d", code)
			}
			contains(t, body, "is not on the do-not-call register")
			// An agent cannot.
			if code, _, _ := ag.post("/admin/dnc/remove", url.Values{"remove": {phone}, "remove_reason": {"x"}}); code != http.StatusForbidden {
				t.Fatalf("agent removal: %d", code)
			}
		})
	})
}

// TestDateFields: every date field shows and takes DD-MM-YYYY HH:MM in the
// account's zone, and says what it wants when given something else, such
// as a month-first date.
func TestDateFields(t *testing.T) { eachServer(t, testDateFields) }

func testDateFields(t *testing.T, ts *httptest.Server, db *sqldb.DB) {
	f := storetest.NewFixture(t, db, "acme") // Asia/Jerusalem
	camp := f.Campaign(t, "Spring")
	date := &callsheet.CustomField{Label: "Birthday", Type: callsheet.FieldDate}
	if err := sqldb.NewCustomFieldService(db).CreateCustomField(f.AdminCtx, date); err != nil {
		t.Fatal(err)
	}
	c := f.Customer(t, camp.ID, "Dated", "+972526234567")
	card := fmt.Sprintf("/customers/%d", c.ID)
	admin := newClient(t, ts.URL)
	admin.login(f.Admin.Login, storetest.Password)
	jlm, _ := time.LoadLocation("Asia/Jerusalem")
	status := fmt.Sprint(f.Initial.ID)

	cases := []struct {
		name, in string
		want     time.Time // zero: refused
		message  string
	}{
		{"day first with time", "25-12-2026 14:30", time.Date(2026, 12, 25, 14, 30, 0, 0, jlm), ""},
		{"one-digit day, month and hour", "5-3-2026 9:05", time.Date(2026, 3, 5, 9, 5, 0, 0, jlm), ""},
		{"slashes and dots", "05/03/2026 09:05", time.Date(2026, 3, 5, 9, 5, 0, 0, jlm), ""},
		{"dots", "05.03.2026 23:59", time.Date(2026, 3, 5, 23, 59, 0, 0, jlm), ""},
		{"date only is midnight", "05-03-2026", time.Date(2026, 3, 5, 0, 0, 0, 0, jlm), ""},
		{"summer time", "01-07-2026 12:00", time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC), ""},
		{"ISO from an older page", "2026-12-27T10:30", time.Date(2026, 12, 27, 10, 30, 0, 0, jlm), ""},
		{"month first", "12/25/2026 14:30", time.Time{}, "has no month 25: the day comes first"},
		{"no such day", "31-02-2026 10:00", time.Time{}, "has no day 31 in February 2026"},
		{"two-digit year", "25-12-26 10:00", time.Time{}, "must be DD-MM-YYYY HH:MM"},
		{"a browser's locale text", "12/03/2026, 10:15 AM", time.Time{}, "must be DD-MM-YYYY HH:MM"},
		{"twelve-hour time", "12-03-2026 10:15 AM", time.Time{}, "has a time that is not HH:MM"},
		{"hour 24", "25-12-2026 24:00", time.Time{}, "has a time that is not HH:MM"},
		{"words", "tomorrow", time.Time{}, "must be DD-MM-YYYY HH:MM"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			admin.get(card)
			code, body, _ := admin.post(card, url.Values{"status": {status}, "follow_up_at": {tc.in}})
			got, _ := sqldb.NewCustomerService(db).FindCustomerByID(f.AdminCtx, c.ID)
			if tc.want.IsZero() {
				if code != http.StatusUnprocessableEntity {
					t.Fatalf("%q: %d, want 422", tc.in, code)
				}
				contains(t, body, "Follow-up date "+tc.message)
				contains(t, body, `value="`+tc.in+`"`) // what was typed stays to be corrected
				return
			}
			if code != http.StatusSeeOther {
				t.Fatalf("%q: %d: %s", tc.in, code, body)
			}
			if got.FollowUpAt == nil || !got.FollowUpAt.Equal(tc.want) {
				t.Fatalf("%q stored as %v, want %v", tc.in, got.FollowUpAt, tc.want)
			}
			// The card shows it back as the field takes it.
			_, body = admin.get(card)
			contains(t, body, `value="`+tc.want.In(jlm).Format("02-01-2006 15:04")+`"`)
		})
	}

	t.Run("the card's field is a text field with the picker", func(t *testing.T) {
		_, body := admin.get(card)
		contains(t, body, `id="follow_up_at" name="follow_up_at" type="text"`)
		contains(t, body, `placeholder="DD-MM-YYYY HH:MM"`)
		contains(t, body, `data-datefield="datetime" data-tz="Asia/Jerusalem"`)
		contains(t, body, `<script src="/static/datefield.js" defer></script>`)
		lacks(t, body, "datetime-local")
		if code, _, _ := admin.post(card, url.Values{"status": {status}, "follow_up_at": {""}}); code != http.StatusSeeOther {
			t.Fatalf("clearing: %d", code)
		}
		if got, _ := sqldb.NewCustomerService(db).FindCustomerByID(f.AdminCtx, c.ID); got.FollowUpAt != nil {
			t.Fatalf("an empty field left %v", got.FollowUpAt)
		}
		for _, asset := range []string{"/static/datefield.js", "/static/datefield.css"} {
			if code, body := admin.get(asset); code != http.StatusOK || len(body) < 500 {
				t.Fatalf("%s: %d, %d bytes", asset, code, len(body))
			}
		}
	})

	t.Run("the add form takes the same format", func(t *testing.T) {
		path := fmt.Sprintf("/campaigns/%d/customers/new", camp.ID)
		_, body := admin.get(path)
		contains(t, body, `data-datefield="datetime"`)
		contains(t, body, fmt.Sprintf(`id="custom_field_%d" name="custom_field_%d" value="" placeholder="DD-MM-YYYY"`, date.ID, date.ID))
		lacks(t, body, "datetime-local")
		code, body, _ := admin.post(path, url.Values{"name": {"Month first"}, "phone": {"054-765-4321"}, "follow_up_at": {"12/25/2026 14:30"}})
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("month first: %d", code)
		}
		contains(t, body, "the day comes first")
		code, _, resp := admin.post(path, url.Values{"name": {"Day first"}, "phone": {"054-765-4321"}, "follow_up_at": {"25-12-2026 14:30"},
			fmt.Sprintf("custom_field_%d", date.ID): {"03-04-1990"}})
		if code != http.StatusSeeOther {
			t.Fatalf("add: %d", code)
		}
		added, _, _ := sqldb.NewCustomerService(db).FindCustomers(f.AdminCtx, callsheet.CustomerFilter{Phone: ptr("+972547654321")})
		if len(added) != 1 || added[0].FollowUpAt == nil || !added[0].FollowUpAt.Equal(time.Date(2026, 12, 25, 14, 30, 0, 0, jlm)) {
			t.Fatalf("added: %+v", added)
		}
		// The card shows the custom date as every page writes dates.
		_, body = admin.get(resp.Header.Get("Location"))
		contains(t, body, "03-04-1990")
		contains(t, body, `value="25-12-2026 14:30"`)
	})
}
