package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/web"
)

// dateTimeLayout is how the product writes a date and time everywhere:
// DD-MM-YYYY HH:MM, in the account's time zone.
const dateTimeLayout = web.DateTimeLayout

// runDoNotCall runs "callsheet dnc add|remove|list": the do-not-call
// register, as the register page keeps it. Every change is audited, as
// made by the operator, with its reason.
func runDoNotCall(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return callsheet.Errorf(callsheet.EINVALID, "usage: callsheet dnc add|remove|list --account A [--phone P] [--reason R]")
	}
	verb, args := args[0], args[1:]
	if verb != "add" && verb != "remove" && verb != "list" {
		return callsheet.Errorf(callsheet.EINVALID, "unknown command: dnc %s (add, remove or list)", verb)
	}
	fs, lang := newFlags(ctx, "dnc "+verb, stderr)
	dsn := dbFlag(fs, lang)
	account := fs.String("account", "", say(lang, "account name or id"))
	phone := fs.String("phone", "", say(lang, "phone number, of the account's country or international with + or 00"))
	asJSON := fs.Bool("json", false, say(lang, "print JSON"))
	var reason *string
	var limit *int
	switch verb {
	case "add":
		reason = fs.String("reason", "", say(lang, "why the number is not to be called (optional)"))
	case "remove":
		reason = fs.String("reason", "", say(lang, "why the number may be called again (required; kept in the audit log)"))
	case "list":
		limit = fs.Int("limit", 0, say(lang, "list at most this many, newest first (0: all)"))
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return callsheet.Errorf(callsheet.EINVALID, "dnc %s: unexpected argument %q", verb, fs.Arg(0))
	}
	db, svc, actx, err := openAccount(ctx, *dsn, *account)
	if err != nil {
		return err
	}
	defer db.Close()

	var e164 string
	if *phone != "" || verb != "list" {
		if e164, err = cliPhone(actx, svc, *phone); err != nil {
			return err
		}
	}
	switch verb {
	case "add":
		before, _, err := svc.DoNotCall.FindDoNotCalls(actx, callsheet.DoNotCallFilter{Phone: &e164, Limit: 1})
		if err != nil {
			return err
		}
		d, err := svc.DoNotCall.AddDoNotCall(actx, e164, strings.TrimSpace(*reason))
		if err != nil {
			return cliFlagError(err)
		}
		msg := say(lang, "%s is on the do-not-call register: every customer with this number is blocked until allowed contact again.", e164)
		if len(before) == 1 && before[0].ID == d.ID {
			msg = say(lang, "%s was on the do-not-call register already: its request is renewed as of now, so customers allowed contact since are blocked again.", e164)
		}
		return printOne(stdout, *asJSON, d, msg)
	case "remove":
		res, err := svc.DoNotCall.RemoveDoNotCall(actx, e164, *reason)
		if err != nil {
			return cliFlagError(err)
		}
		return printOne(stdout, *asJSON, res, removalText(lang, e164, res))
	}
	f := callsheet.DoNotCallFilter{Limit: *limit}
	if e164 != "" {
		f.Phone = &e164
	}
	list, _, err := svc.DoNotCall.FindDoNotCalls(actx, f)
	if err != nil {
		return err
	}
	loc, err := accountLocation(actx, svc)
	if err != nil {
		return err
	}
	if !*asJSON && len(list) == 0 {
		if e164 != "" {
			_, err = fmt.Fprintln(stdout, say(lang, "%s is not on the do-not-call register.", e164))
		} else {
			_, err = fmt.Fprintln(stdout, say(lang, "The do-not-call register is empty."))
		}
		return err
	}
	return printList(stdout, *asJSON, list, say(lang, "PHONE\tREQUESTED\tREASON"), func(d *callsheet.DoNotCall) string {
		return d.Phone + "\t" + d.RequestedAt.In(loc).Format(dateTimeLayout) + "\t" + oneLine(d.Reason)
	})
}

// removalText says what removing a number did, as the register page does.
func removalText(lang, phone string, res *callsheet.DoNotCallRemoval) string {
	var msg string
	switch n := len(res.Unblocked); n {
	case 0:
		msg = say(lang, "%s was removed from the do-not-call register: it blocked no customer.", phone)
	case 1:
		msg = say(lang, "%s was removed from the do-not-call register: 1 customer with this phone may be called again (id %s).", phone, idText(res.Unblocked[0]))
	default:
		msg = say(lang, "%s was removed from the do-not-call register: %d customers with this phone may be called again (ids %s).", phone, n, joinIDs(res.Unblocked))
	}
	switch k := len(res.InDoNotCallStatus); {
	case k == 1:
		msg += "\n" + say(lang, "Customer %s still has a do-not-call status, which keeps it out of the work lists until the status is changed.", idText(res.InDoNotCallStatus[0]))
	case k > 1:
		msg += "\n" + say(lang, "Customers %s still have a do-not-call status, which keeps them out of the work lists until the status is changed.", joinIDs(res.InDoNotCallStatus))
	}
	return msg
}

// runCustomer runs "callsheet customer allow-contact": letting one blocked
// customer be called again, as the card's "Allow contact again" does.
func runCustomer(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return callsheet.Errorf(callsheet.EINVALID, "usage: callsheet customer allow-contact --account A --id N --reason R [--status S]")
	}
	verb, args := args[0], args[1:]
	if verb != "allow-contact" {
		return callsheet.Errorf(callsheet.EINVALID, "unknown command: customer %s (allow-contact)", verb)
	}
	fs, lang := newFlags(ctx, "customer "+verb, stderr)
	dsn := dbFlag(fs, lang)
	account := fs.String("account", "", say(lang, "account name or id"))
	id := fs.Int64("id", 0, say(lang, "the customer's id"))
	reason := fs.String("reason", "", say(lang, "why the customer may be called again (required; kept in the audit log)"))
	status := fs.String("status", "", say(lang, "the status (name or id) a customer in a do-not-call status goes back to"))
	asJSON := fs.Bool("json", false, say(lang, "print JSON"))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return callsheet.Errorf(callsheet.EINVALID, "customer %s: unexpected argument %q", verb, fs.Arg(0))
	}
	if *id <= 0 {
		return callsheet.Errorf(callsheet.EINVALID, "--id is required: the customer's id, as the customer's card and the API show it.")
	}
	db, svc, actx, err := openAccount(ctx, *dsn, *account)
	if err != nil {
		return err
	}
	defer db.Close()
	var statusID int64
	if *status != "" {
		st, err := findStatus(actx, svc.Statuses, *status)
		if err != nil {
			return callsheet.Errorf(callsheet.ErrorCode(err), "--status: %s", callsheet.ErrorMsg(err))
		}
		statusID = st.ID
	}
	c, err := svc.DoNotCall.AllowContact(actx, *id, *reason, statusID)
	if err != nil {
		return cliFlagError(err)
	}
	who := strings.TrimSpace(c.Name + " " + c.LastName)
	if who == "" {
		who = say(lang, "no name")
	}
	msg := say(lang, "Contact allowed again for customer %s (%s, %s): it may be called.", idText(c.ID), who, c.Phone)
	if c.Blocked {
		msg = say(lang, "Contact allowed again for customer %s (%s, %s), but it is still blocked.", idText(c.ID), who, c.Phone)
	}
	return printOne(stdout, *asJSON, c, msg)
}

// cliPhone reads a phone as imports and the register page read it.
func cliPhone(ctx context.Context, svc web.Services, phone string) (string, error) {
	if strings.TrimSpace(phone) == "" {
		return "", callsheet.Errorf(callsheet.EINVALID, "--phone is required.")
	}
	e164, err := svc.Imports.NormalizePhone(ctx, strings.TrimSpace(phone), false)
	if err != nil {
		return "", callsheet.Errorf(callsheet.ErrorCode(err), "--phone: %s", callsheet.ErrorMsg(err))
	}
	return e164, nil
}

// cliFlagError names the flag of the field the store complains about, so
// the terminal says which flag to fix.
func cliFlagError(err error) error {
	f := callsheet.ErrorFieldMsgs(err)
	for _, k := range []string{"reason", "status", "phone"} {
		if msg, ok := f[k]; ok && len(f) == 1 {
			return callsheet.Errorf(callsheet.ErrorCode(err), "--%s: %s", k, msg)
		}
	}
	return err
}

// accountLocation is the time zone of the account ctx acts in.
func accountLocation(ctx context.Context, svc web.Services) (*time.Location, error) {
	a, err := svc.Accounts.FindAccountByID(ctx, callsheet.ActorFromContext(ctx).AccountID)
	if err != nil {
		return nil, err
	}
	return a.Location(), nil
}

// joinIDs writes ids as "1, 2, 3".
func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}

// oneLine keeps a table row on one line: a reason typed with line breaks
// or tabs would otherwise break the columns.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
