package main

import (
	"context"
	"encoding/json"
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
		return callsheet.Errorf(callsheet.EINVALID, "usage: callsheet %s create|list [flags]", noun)
	}
	verb, args := args[0], args[1:]
	fs, lang := newFlags(ctx, noun+" "+verb, stderr)
	dsn := dbFlag(fs, lang)
	asJSON := fs.Bool("json", false, say(lang, "print JSON"))
	account := fs.String("account", "", say(lang, "account name"))
	name := fs.String("name", "", say(lang, "name"))
	var country, tz, language, login, role, campaigns, password, kind *string
	var canAdd *bool
	switch noun {
	case "account":
		country = fs.String("country", "", say(lang, "ISO 3166 country code, e.g. IL"))
		tz = fs.String("timezone", "", say(lang, "IANA time zone, e.g. Asia/Jerusalem"))
		language = fs.String("language", "", say(lang, "the interface's default language: en or he (default: he for IL, else en)"))
	case "user":
		login = fs.String("login", "", say(lang, "login"))
		role = fs.String("role", "agent", say(lang, "admin or agent"))
		canAdd = fs.Bool("can-add-customer", false, say(lang, "the agent may add single customers"))
		campaigns = fs.String("campaigns", "", say(lang, "comma-separated campaign names the agent works"))
		password = fs.String("password", "", say(lang, "password (generated and printed when empty)"))
	case "status":
		kind = fs.String("kind", "open", say(lang, "initial, open, follow_up, do_not_call or closed"))
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
			a := &callsheet.Account{Name: *name, Country: *country, TimeZone: *tz, Language: *language}
			if err := svc.Accounts.CreateAccount(op, a); err != nil {
				return err
			}
			return printOne(stdout, *asJSON, a, say(lang, "Created account %q (id %s).", a.Name, idText(a.ID)))
		case "list":
			as, _, err := svc.Accounts.FindAccounts(op, callsheet.AccountFilter{})
			if err != nil {
				return err
			}
			return printList(stdout, *asJSON, as, say(lang, "ID\tNAME\tCOUNTRY\tTIME ZONE\tLANGUAGE"), func(a *callsheet.Account) string {
				return fmt.Sprintf("%d\t%s\t%s\t%s\t%s", a.ID, a.Name, a.Country, a.TimeZone, a.Language)
			})
		}
		return callsheet.Errorf(callsheet.EINVALID, "unknown command: account %s", verb)
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
		msg := say(lang, "Created agent %q (id %s), login %s.", u.Name, idText(u.ID), u.Login)
		if u.Role == callsheet.RoleAdmin {
			msg = say(lang, "Created admin %q (id %s), login %s.", u.Name, idText(u.ID), u.Login)
		}
		if generated {
			msg += "\n" + say(lang, "Password: %s (shown only this once)", pw)
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
		return printList(stdout, *asJSON, us, say(lang, "ID\tNAME\tLOGIN\tROLE\tADD CUSTOMER\tACTIVE"), func(u *callsheet.User) string {
			return fmt.Sprintf("%d\t%s\t%s\t%s\t%s\t%s", u.ID, u.Name, u.Login, u.Role, yesNo(lang, u.MayAddCustomer()), yesNo(lang, u.Active))
		})
	case "campaign create":
		c := &callsheet.Campaign{Name: *name}
		if err := svc.Campaigns.CreateCampaign(actx, c); err != nil {
			return err
		}
		return printOne(stdout, *asJSON, c, say(lang, "Created campaign %q (id %s).", c.Name, idText(c.ID)))
	case "campaign list":
		cs, _, err := svc.Campaigns.FindCampaigns(actx, callsheet.CampaignFilter{})
		if err != nil {
			return err
		}
		return printList(stdout, *asJSON, cs, say(lang, "ID\tNAME\tARCHIVED"), func(c *callsheet.Campaign) string {
			return fmt.Sprintf("%d\t%s\t%s", c.ID, c.Name, yesNo(lang, c.Archived))
		})
	case "status create":
		st := &callsheet.Status{Name: *name, Kind: callsheet.StatusKind(*kind)}
		if err := svc.Statuses.CreateStatus(actx, st); err != nil {
			return err
		}
		return printOne(stdout, *asJSON, st, say(lang, "Created status %q (id %s, %s).", st.Name, idText(st.ID), string(st.Kind)))
	case "status list":
		sts, _, err := svc.Statuses.FindStatuses(actx, callsheet.StatusFilter{})
		if err != nil {
			return err
		}
		return printList(stdout, *asJSON, sts, say(lang, "ID\tNAME\tKIND"), func(s *callsheet.Status) string {
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
		sayln(stdout, lang, "Created API token %q (id %s). It is shown only this once:", t.Name, idText(t.ID))
		fmt.Fprintln(stdout, secret)
		return nil
	}
	return callsheet.Errorf(callsheet.EINVALID, "unknown command: %s %s", noun, verb)
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

// yesNo writes a yes-or-no column of a list: true or false in English,
// as before there were languages.
func yesNo(lang string, b bool) string {
	if b {
		return say(lang, "true")
	}
	return say(lang, "false")
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
