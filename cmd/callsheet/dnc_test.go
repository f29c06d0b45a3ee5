package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// TestDoNotCallCommands drives the register and "allow contact again"
// from the terminal on both engines: dnc add, list, remove and customer
// allow-contact change what the pages and the API change, say so in
// words (or JSON), name the flag at fault, are audited as the operator's
// with their reasons, and do not reach another account.
func TestDoNotCallCommands(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			dsn := filepath.Join(dir, "cs.db")
			if engine == "postgres" {
				dsn = storetest.PostgresSchemaDSN(t)
			}
			testDoNotCallCommands(t, dir, dsn)
		})
	}
}

func testDoNotCallCommands(t *testing.T, dir, dsn string) {
	cli := func(args ...string) []string { return append(args, "--db", dsn) }
	fails := func(want string, args ...string) {
		t.Helper()
		var out, errb bytes.Buffer
		err := run(context.Background(), cli(args...), &out, &errb)
		if err == nil || !strings.Contains(describe(err), want) {
			t.Fatalf("callsheet %s: %v, want an error saying %q (out %q)", strings.Join(args, " "), err, want, out.String())
		}
	}
	contains := func(out, want string) {
		t.Helper()
		if !strings.Contains(out, want) {
			t.Fatalf("output %q lacks %q", out, want)
		}
	}
	for _, acc := range []string{"Acme", "Beta"} {
		runOK(t, cli("account", "create", "--name", acc, "--country", "IL", "--timezone", "Asia/Jerusalem")...)
	}
	csv := filepath.Join(dir, "leads.csv")
	if err := os.WriteFile(csv, []byte("name,phone\nNoa,052-623-4567\nRina,054-765-4321\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ account, campaign string }{{"Acme", "Spring"}, {"Acme", "Summer"}, {"Beta", "Theirs"}} {
		runOK(t, cli("campaign", "create", "--account", c.account, "--name", c.campaign)...)
		runOK(t, cli("import", "--account", c.account, "--campaign", c.campaign, "--file", csv)...)
	}

	// The store, read as each account's admin, to check what the
	// commands did.
	db, svc, actx, err := openAccount(context.Background(), dsn, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bctx, err := accountContext(context.Background(), svc, "Beta")
	if err != nil {
		t.Fatal(err)
	}
	customer := func(ctx context.Context, campaign, phone string) *callsheet.Customer {
		t.Helper()
		c, err := findCampaign(ctx, svc.Campaigns, campaign)
		if err != nil {
			t.Fatal(err)
		}
		cs, _, err := svc.Customers.FindCustomers(ctx, callsheet.CustomerFilter{CampaignID: &c.ID, Phone: &phone})
		if err != nil || len(cs) != 1 {
			t.Fatalf("%s %s: %v %v", campaign, phone, cs, err)
		}
		return cs[0]
	}
	latest := func(ctx context.Context, objectType string, id int64) (*callsheet.AuditEvent, map[string]any) {
		t.Helper()
		evs, _, err := svc.Audit.FindAuditEvents(ctx, callsheet.AuditFilter{ObjectType: &objectType, ObjectID: &id, Limit: 1})
		if err != nil || len(evs) == 0 {
			t.Fatalf("no audit event of %s %d: %v", objectType, id, err)
		}
		var d map[string]any
		if err := json.Unmarshal([]byte(evs[0].Detail), &d); err != nil {
			t.Fatal(err)
		}
		return evs[0], d
	}
	const noaPhone, rinaPhone = "+972526234567", "+972547654321"
	springNoa, summerNoa := customer(actx, "Spring", noaPhone), customer(actx, "Summer", noaPhone)
	springRina, summerRina := customer(actx, "Spring", rinaPhone), customer(actx, "Summer", rinaPhone)
	theirs := customer(bctx, "Theirs", noaPhone)
	id := func(c *callsheet.Customer) string { return strconv.FormatInt(c.ID, 10) }

	// Add, renew, look up.
	out := runOK(t, cli("dnc", "add", "--account", "Acme", "--phone", "052-623-4567", "--reason", "asked on the phone")...)
	contains(out, noaPhone+" is on the do-not-call register")
	if !customer(actx, "Spring", noaPhone).Blocked || !customer(actx, "Summer", noaPhone).Blocked || customer(actx, "Spring", rinaPhone).Blocked {
		t.Fatal("adding the number did not block exactly its customers")
	}
	if customer(bctx, "Theirs", noaPhone).Blocked {
		t.Fatal("adding a number blocked another account's customer")
	}
	out = runOK(t, cli("dnc", "add", "--account", "Acme", "--phone", "+972 52-623-4567", "--reason", "asked again")...)
	contains(out, "was on the do-not-call register already")
	fails("--phone: ", "dnc", "add", "--account", "Acme", "--phone", "050-123-4567")
	fails("--phone is required", "dnc", "add", "--account", "Acme")
	fails("--reason: Reason contains a control character", "dnc", "add", "--account", "Acme", "--phone", "052-623-4567", "--reason", "two\nlines")
	runOK(t, cli("dnc", "add", "--account", "Beta", "--phone", rinaPhone, "--reason", "Beta reason")...)

	var list []struct {
		Phone, Reason string
	}
	if err := json.Unmarshal([]byte(runOK(t, cli("dnc", "list", "--account", "Acme", "--json")...)), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Phone != noaPhone || list[0].Reason != "asked again" {
		t.Fatalf("list --json: %+v", list)
	}
	out = runOK(t, cli("dnc", "list", "--account", "Acme", "--phone", "0526234567")...)
	if !regexp.MustCompile(`(?m)^\+972526234567 +\d\d-\d\d-\d{4} \d\d:\d\d +asked again$`).MatchString(out) {
		t.Fatalf("list: %q", out)
	}
	contains(runOK(t, cli("dnc", "list", "--account", "Acme", "--phone", rinaPhone)...), rinaPhone+" is not on the do-not-call register.")
	if out := runOK(t, cli("dnc", "list", "--account", "Acme")...); strings.Contains(out, "Beta reason") || strings.Contains(out, rinaPhone) {
		t.Fatalf("another account's register shows: %q", out)
	}

	// Allow contact again on one customer: the other with the number
	// stays blocked.
	fails("--reason: Say why", "customer", "allow-contact", "--account", "Acme", "--id", id(springNoa), "--reason", " ")
	fails("--id is required", "customer", "allow-contact", "--account", "Acme", "--reason", "x")
	fails("Customer not found", "customer", "allow-contact", "--account", "Acme", "--id", id(theirs), "--reason", "not mine")
	out = runOK(t, cli("customer", "allow-contact", "--account", "Acme", "--id", id(springNoa), "--reason", "called us back")...)
	contains(out, "Contact allowed again for customer "+id(springNoa)+" (Noa, "+noaPhone+"): it may be called.")
	if customer(actx, "Spring", noaPhone).Blocked || !customer(actx, "Summer", noaPhone).Blocked {
		t.Fatal("allowing contact did not unblock exactly the one customer")
	}
	ev, d := latest(actx, "customer", springNoa.ID)
	if ev.Action != "customer.allow_contact" || ev.ActorName != "operator" || d["reason"] != "called us back" {
		t.Fatalf("audit %+v %v", ev, d)
	}
	fails("nothing to allow", "customer", "allow-contact", "--account", "Acme", "--id", id(springNoa), "--reason", "again")

	// A customer in a do-not-call status goes back to the status named.
	dnc := findStatusOf(t, actx, svc, callsheet.StatusDoNotCall)
	if _, err := svc.Customers.UpdateCustomer(actx, springRina.ID, callsheet.CustomerUpdate{StatusID: &dnc.ID}); err != nil {
		t.Fatal(err)
	}
	fails("--status: Choose the status", "customer", "allow-contact", "--account", "Acme", "--id", id(springRina), "--reason", "mistake")
	fails("--status: Choose a status that is not a do-not-call one", "customer", "allow-contact", "--account", "Acme", "--id", id(springRina), "--reason", "mistake", "--status", dnc.Name)
	fails("--status: No status named", "customer", "allow-contact", "--account", "Acme", "--id", id(springRina), "--reason", "mistake", "--status", "Nowhere")
	var c callsheet.Customer
	if err := json.Unmarshal([]byte(runOK(t, cli("customer", "allow-contact", "--account", "Acme", "--id", id(springRina), "--reason", "mistake", "--status", findStatusOf(t, actx, svc, callsheet.StatusFollowUp).Name, "--json")...)), &c); err != nil {
		t.Fatal(err)
	}
	if c.ID != springRina.ID || c.Blocked || c.StatusID != findStatusOf(t, actx, svc, callsheet.StatusFollowUp).ID {
		t.Fatalf("allowed from a do-not-call status: %+v", c)
	}

	// Remove: the register's entry goes, and the customers it blocked
	// are named.
	fails("--reason: Say why", "dnc", "remove", "--account", "Acme", "--phone", noaPhone)
	fails("--phone: "+noaPhone+" is not on the do-not-call register", "dnc", "remove", "--account", "Beta", "--phone", "052-623-4567", "--reason", "x")
	var res callsheet.DoNotCallRemoval
	if err := json.Unmarshal([]byte(runOK(t, cli("dnc", "remove", "--account", "Acme", "--phone", "052-623-4567", "--reason", "entered by mistake", "--json")...)), &res); err != nil {
		t.Fatal(err)
	}
	if res.Entry == nil || res.Entry.Phone != noaPhone || !reflect.DeepEqual(res.Unblocked, []int64{summerNoa.ID}) || len(res.InDoNotCallStatus) != 0 {
		t.Fatalf("remove --json: %+v", res)
	}
	if customer(actx, "Summer", noaPhone).Blocked {
		t.Fatal("still blocked after the removal")
	}
	ev, d = latest(actx, "do_not_call", res.Entry.ID)
	if ev.Action != "do_not_call.remove" || ev.ActorName != "operator" || d["reason"] != "entered by mistake" {
		t.Fatalf("audit %+v %v", ev, d)
	}
	fails("--phone: "+noaPhone+" is not on the do-not-call register", "dnc", "remove", "--account", "Acme", "--phone", noaPhone, "--reason", "again")
	// Rina's number came on the register with her status; she was
	// allowed since, so the entry blocks only her copy in Summer.
	if !customer(actx, "Summer", rinaPhone).Blocked {
		t.Fatal("a do-not-call status did not block the number's other customer")
	}
	out = runOK(t, cli("dnc", "remove", "--account", "Acme", "--phone", rinaPhone, "--reason", "tidying up")...)
	contains(out, rinaPhone+" was removed from the do-not-call register: 1 customer with this phone may be called again (id "+id(summerRina)+").")
	// Nothing blocked by a number leaves nothing to unblock.
	runOK(t, cli("dnc", "add", "--account", "Acme", "--phone", "053-222-3333")...)
	out = runOK(t, cli("dnc", "remove", "--account", "Acme", "--phone", "053-222-3333", "--reason", "wrong number")...)
	contains(out, "+972532223333 was removed from the do-not-call register: it blocked no customer.")
	contains(runOK(t, cli("dnc", "list", "--account", "Acme")...), "The do-not-call register is empty.")

	// Beta is as it was.
	if c := customer(bctx, "Theirs", noaPhone); c.Blocked || c.ContactAllowedAt != nil {
		t.Fatalf("Beta's customer: %+v", c)
	}
	if !customer(bctx, "Theirs", rinaPhone).Blocked {
		t.Fatal("Beta's entry no longer blocks its customer")
	}

	fails("unknown command: dnc frob", "dnc", "frob", "--account", "Acme")
	fails("unknown command: customer delete", "customer", "delete", "--account", "Acme")
}

// findStatusOf returns the account's first status of a kind.
func findStatusOf(t *testing.T, ctx context.Context, svc servicesT, kind callsheet.StatusKind) *callsheet.Status {
	t.Helper()
	sts, _, err := svc.Statuses.FindStatuses(ctx, callsheet.StatusFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sts {
		if s.Kind == kind {
			return s
		}
	}
	t.Fatalf("no %s status", kind)
	return nil
}
