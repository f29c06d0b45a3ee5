package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/callsheet/callsheet"
)

// demoPassword is the password of every demo user; the demo is for looking
// around on one's own machine.
const demoPassword = "callsheet-demo"

var (
	demoFirst = []string{"Noa", "Yossi", "Tamar", "Avi", "Michal", "David", "Shira", "Eitan", "Maya", "Omer",
		"נועה", "יוסי", "תמר", "אבי", "מיכל", "דוד", "שירה", "איתן", "מאיה", "עומר", "Sarah", "John", "Fatima", "Ahmed"}
	demoLast = []string{"Cohen", "Levi", "Mizrahi", "Peretz", "Biton", "Friedman", "Azulay", "Katz",
		"כהן", "לוי", "מזרחי", "פרץ", "ביטון", "פרידמן", "אזולאי", "כץ", "Smith", "Haddad"}
	demoSources = []string{"website", "facebook", "referral", "exhibition", "google ads"}
)

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("db", defaultDB(), "SQLite file or postgres:// URL")
	name := fs.String("account", "Demo", "name of the demo account")
	n := fs.Int("customers", 5000, "number of customers")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := services(db)

	acc := &callsheet.Account{Name: *name, Country: "IL", TimeZone: "Asia/Jerusalem"}
	if err := svc.Accounts.CreateAccount(callsheet.NewOperatorContext(ctx), acc); err != nil {
		return err
	}
	actx := systemActor(ctx, acc.ID)
	admin := &callsheet.User{Name: "Demo Admin", Login: loginFor(*name, "admin"), Role: callsheet.RoleAdmin}
	if err := svc.Users.CreateUser(actx, admin, demoPassword); err != nil {
		return err
	}
	var camps []*callsheet.Campaign
	for _, cn := range []string{"Spring sale", "Renewals", "Webinar leads"} {
		c := &callsheet.Campaign{Name: cn}
		if err := svc.Campaigns.CreateCampaign(actx, c); err != nil {
			return err
		}
		camps = append(camps, c)
	}
	agents := []*callsheet.User{
		{Name: "Dana Levi", CanAddCustomer: true, CampaignIDs: []int64{camps[0].ID, camps[1].ID}},
		{Name: "Yoav Katz", CanAddCustomer: true, CampaignIDs: []int64{camps[0].ID}},
		{Name: "רונית כהן", CanAddCustomer: true, CampaignIDs: []int64{camps[1].ID, camps[2].ID}},
		{Name: "Omri Peretz", CanAddCustomer: false, CampaignIDs: []int64{camps[2].ID}},
	}
	for i, a := range agents {
		a.Login = loginFor(*name, fmt.Sprintf("agent%d", i+1))
		a.Role = callsheet.RoleAgent
		if err := svc.Users.CreateUser(actx, a, demoPassword); err != nil {
			return err
		}
	}
	city := &callsheet.CustomField{Label: "City", Type: callsheet.FieldText}
	budget := &callsheet.CustomField{Label: "Budget", Type: callsheet.FieldNumber}
	for _, f := range []*callsheet.CustomField{city, budget} {
		if err := svc.CustomFields.CreateCustomField(actx, f); err != nil {
			return err
		}
	}
	sts, _, err := svc.Statuses.FindStatuses(actx, callsheet.StatusFilter{})
	if err != nil {
		return err
	}
	cities := []string{"Tel Aviv", "Haifa", "ירושלים", "באר שבע", "Eilat", "Netanya"}
	rng := rand.New(rand.NewPCG(42, 2026))
	now := time.Now()
	for i := 0; i < *n; i++ {
		camp := camps[i%len(camps)]
		c := &callsheet.Customer{
			CampaignID: camp.ID,
			Name:       demoFirst[rng.IntN(len(demoFirst))],
			LastName:   demoLast[rng.IntN(len(demoLast))],
			// Israeli mobile numbers the numbering plan allows: 052-2 to 052-9.
			Phone:     fmt.Sprintf("+97252%d%06d", 2+rng.IntN(8), rng.IntN(1000000)),
			Source:    demoSources[rng.IntN(len(demoSources))],
			CreatedAt: now.Add(-time.Duration(rng.IntN(90*24)) * time.Hour),
			Custom:    map[int64]string{city.ID: cities[rng.IntN(len(cities))], budget.ID: fmt.Sprint(1000 * (1 + rng.IntN(50)))},
		}
		if rng.IntN(10) < 7 {
			for _, a := range agents {
				if a.WorksCampaign(camp.ID) {
					c.AgentID = a.ID
					break
				}
			}
		}
		st := sts[rng.IntN(len(sts))]
		c.StatusID = st.ID
		if st.Kind == callsheet.StatusFollowUp {
			fu := now.Add(time.Duration(rng.IntN(14*24)-24) * time.Hour).Truncate(time.Hour)
			c.FollowUpAt = &fu
		}
		if err := svc.Customers.CreateCustomer(actx, c); err != nil {
			if callsheet.ErrorCode(err) == callsheet.ECONFLICT {
				continue // the random phone is already in the campaign
			}
			return err
		}
	}
	fmt.Fprintf(stdout, "Created demo account %q: 3 campaigns, 4 agents, 2 custom fields, %d customers.\n", acc.Name, *n)
	fmt.Fprintf(stdout, "Every demo user's password is %q.\n", demoPassword)
	fmt.Fprintf(stdout, "  admin  %s\n", admin.Login)
	for _, a := range agents {
		perm := "may add customers"
		if !a.CanAddCustomer {
			perm = "may not add customers"
		}
		fmt.Fprintf(stdout, "  agent  %-20s %s (%s)\n", a.Login, a.Name, perm)
	}
	return nil
}

// loginFor makes demo logins unique across accounts of one database.
func loginFor(account, who string) string {
	if account == "Demo" {
		return "demo-" + who
	}
	return fmt.Sprintf("%s-%s", slug(account), who)
}

func slug(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			out = append(out, r)
		case r >= 'A' && r <= 'Z':
			out = append(out, r+'a'-'A')
		default:
			out = append(out, '-')
		}
	}
	return string(out)
}
