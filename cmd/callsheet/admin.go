package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/web"
)

// runAdmin runs the operator's commands: account, user, campaign, status
// and token, each with create and (but token) list.
func runAdmin(ctx context.Context, noun string, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("usage: callsheet %s create|list [flags]", noun)
	}
	verb, args := args[0], args[1:]
	fs := flag.NewFlagSet(noun+" "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("db", defaultDB(), "SQLite file or postgres:// URL")
	asJSON := fs.Bool("json", false, "print JSON")
	account := fs.String("account", "", "account name")
	name := fs.String("name", "", "name")
	var country, tz, login, role, campaigns, password, kind *string
	var canAdd *bool
	switch noun {
	case "account":
		country = fs.String("country", "", "ISO 3166 country code, e.g. IL")
		tz = fs.String("timezone", "", "IANA time zone, e.g. Asia/Jerusalem")
	case "user":
		login = fs.String("login", "", "login")
		role = fs.String("role", "agent", "admin or agent")
		canAdd = fs.Bool("can-add-customer", false, "the agent may add single customers")
		campaigns = fs.String("campaigns", "", "comma-separated campaign names the agent works")
		password = fs.String("password", "", "password (generated and printed when empty)")
	case "status":
		kind = fs.String("kind", "open", "initial, open, follow_up, do_not_call or closed")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := services(db)
	op := callsheet.NewOperatorContext(ctx)

	if noun == "account" {
		switch verb {
		case "create":
			a := &callsheet.Account{Name: *name, Country: *country, TimeZone: *tz}
			if err := svc.Accounts.CreateAccount(op, a); err != nil {
				return err
			}
			return printOne(stdout, *asJSON, a, fmt.Sprintf("Created account %q (id %d).", a.Name, a.ID))
		case "list":
			as, _, err := svc.Accounts.FindAccounts(op, callsheet.AccountFilter{})
			if err != nil {
				return err
			}
			return printList(stdout, *asJSON, as, "ID\tNAME\tCOUNTRY\tTIME ZONE", func(a *callsheet.Account) string {
				return fmt.Sprintf("%d\t%s\t%s\t%s", a.ID, a.Name, a.Country, a.TimeZone)
			})
		}
		return fmt.Errorf("unknown command: account %s", verb)
	}

	actx, err := accountContext(ctx, svc, *account)
	if err != nil {
		return err
	}
	switch noun + " " + verb {
	case "user create":
		u := &callsheet.User{Name: *name, Login: *login, Role: callsheet.Role(*role), CanAddCustomer: *canAdd}
		if u.CampaignIDs, err = campaignIDs(actx, svc, *campaigns); err != nil {
			return err
		}
		pw, generated := *password, false
		if pw == "" {
			pw, generated = randomPassword(), true
		}
		if err := svc.Users.CreateUser(actx, u, pw); err != nil {
			return err
		}
		msg := fmt.Sprintf("Created %s %q (id %d), login %s.", u.Role, u.Name, u.ID, u.Login)
		if generated {
			msg += "\nPassword: " + pw + " (shown only this once)"
		}
		if *asJSON && generated {
			return printOne(stdout, true, struct {
				*callsheet.User
				Password string `json:"password"`
			}{u, pw}, "")
		}
		return printOne(stdout, *asJSON, u, msg)
	case "user list":
		us, _, err := svc.Users.FindUsers(actx, callsheet.UserFilter{})
		if err != nil {
			return err
		}
		return printList(stdout, *asJSON, us, "ID\tNAME\tLOGIN\tROLE\tADD CUSTOMER\tACTIVE", func(u *callsheet.User) string {
			return fmt.Sprintf("%d\t%s\t%s\t%s\t%v\t%v", u.ID, u.Name, u.Login, u.Role, u.MayAddCustomer(), u.Active)
		})
	case "campaign create":
		c := &callsheet.Campaign{Name: *name}
		if err := svc.Campaigns.CreateCampaign(actx, c); err != nil {
			return err
		}
		return printOne(stdout, *asJSON, c, fmt.Sprintf("Created campaign %q (id %d).", c.Name, c.ID))
	case "campaign list":
		cs, _, err := svc.Campaigns.FindCampaigns(actx, callsheet.CampaignFilter{})
		if err != nil {
			return err
		}
		return printList(stdout, *asJSON, cs, "ID\tNAME\tARCHIVED", func(c *callsheet.Campaign) string {
			return fmt.Sprintf("%d\t%s\t%v", c.ID, c.Name, c.Archived)
		})
	case "status create":
		st := &callsheet.Status{Name: *name, Kind: callsheet.StatusKind(*kind)}
		if err := svc.Statuses.CreateStatus(actx, st); err != nil {
			return err
		}
		return printOne(stdout, *asJSON, st, fmt.Sprintf("Created status %q (id %d, %s).", st.Name, st.ID, st.Kind))
	case "status list":
		sts, _, err := svc.Statuses.FindStatuses(actx, callsheet.StatusFilter{})
		if err != nil {
			return err
		}
		return printList(stdout, *asJSON, sts, "ID\tNAME\tKIND", func(s *callsheet.Status) string {
			return fmt.Sprintf("%d\t%s\t%s", s.ID, s.Name, s.Kind)
		})
	case "token create":
		t := &callsheet.APIToken{Name: *name}
		secret, err := svc.Tokens.CreateAPIToken(actx, t)
		if err != nil {
			return err
		}
		if *asJSON {
			return printOne(stdout, true, struct {
				*callsheet.APIToken
				Token string `json:"token"`
			}{t, secret}, "")
		}
		fmt.Fprintf(stdout, "Created API token %q (id %d). It is shown only this once:\n%s\n", t.Name, t.ID, secret)
		return nil
	}
	return fmt.Errorf("unknown command: %s %s", noun, verb)
}

// accountContext finds an account by name (or id) and returns a context
// acting as an admin of it for the operator.
func accountContext(ctx context.Context, svc web.Services, name string) (context.Context, error) {
	if name == "" {
		return nil, callsheet.Errorf(callsheet.EINVALID, "--account is required (see: callsheet account list).")
	}
	op := callsheet.NewOperatorContext(ctx)
	as, _, err := svc.Accounts.FindAccounts(op, callsheet.AccountFilter{Name: &name})
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		if id, perr := strconv.ParseInt(name, 10, 64); perr == nil {
			as, _, err = svc.Accounts.FindAccounts(op, callsheet.AccountFilter{ID: &id})
			if err != nil {
				return nil, err
			}
		}
	}
	if len(as) == 0 {
		return nil, callsheet.Errorf(callsheet.ENOTFOUND, "No account named %q (see: callsheet account list).", name)
	}
	return systemActor(ctx, as[0].ID), nil
}

// campaignIDs resolves comma-separated campaign names.
func campaignIDs(ctx context.Context, svc web.Services, names string) ([]int64, error) {
	var ids []int64
	for _, n := range strings.Split(names, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		c, err := findCampaign(ctx, svc.Campaigns, n)
		if err != nil {
			return nil, err
		}
		ids = append(ids, c.ID)
	}
	return ids, nil
}

// findCampaign finds a campaign by name, or by id.
func findCampaign(ctx context.Context, s callsheet.CampaignService, name string) (*callsheet.Campaign, error) {
	cs, _, err := s.FindCampaigns(ctx, callsheet.CampaignFilter{Name: &name})
	if err != nil {
		return nil, err
	}
	if len(cs) == 1 {
		return cs[0], nil
	}
	if id, perr := strconv.ParseInt(name, 10, 64); perr == nil {
		return s.FindCampaignByID(ctx, id)
	}
	return nil, callsheet.Errorf(callsheet.ENOTFOUND, "No campaign named %q.", name)
}

func printOne(w io.Writer, asJSON bool, v any, text string) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	_, err := fmt.Fprintln(w, text)
	return err
}

func printList[T any](w io.Writer, asJSON bool, items []T, header string, line func(T) string) error {
	if asJSON {
		if items == nil {
			items = []T{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(items)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, it := range items {
		fmt.Fprintln(tw, line(it))
	}
	return tw.Flush()
}
