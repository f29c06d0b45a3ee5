package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/i18n"
	"github.com/callsheet/callsheet/sheet"
)

// demoPassword is the password of every demo user; the demo is for looking
// around on one's own machine.
const demoPassword = "callsheet-demo"

// demoAccount is one of the demo's accounts: its place, language and
// data, all in its own language.
type demoAccount struct {
	suffix   string // after the --account name: "Demo IL"
	country  string
	timeZone string
	language string
	// langName says the interface language (a catalogue key).
	langName string

	admin     string
	agents    []demoAgent
	campaigns []string
	// statuses are the account's statuses in order: the new account's
	// defaults renamed (from, by their English names) or added, each
	// keeping its kind.
	statuses     []demoStatus
	city, budget string // the custom fields' labels
	cities       []string
	first, last  []string
	sources      []string
	notes        []string
	// phone makes a mobile number of the country, in E.164.
	phone func(rng *rand.Rand) string
}

type demoAgent struct {
	name      string
	canAdd    bool
	campaigns []int // indexes into campaigns
}

type demoStatus struct {
	from   string // a default status's name; "" adds the status
	name   string
	kind   callsheet.StatusKind
	weight int // how many customers in a hundred get it
}

// demoAccounts are the demo's two accounts: one in Hebrew in Israel, one
// in English in the United States.
var demoAccounts = []demoAccount{
	{
		suffix: "IL", country: "IL", timeZone: "Asia/Jerusalem", language: i18n.Hebrew, langName: "interface in Hebrew",
		admin: "מיכל אברהם",
		agents: []demoAgent{
			{"דנה לוי", true, []int{0, 1}},
			{"יואב כץ", true, []int{0}},
			{"רונית כהן", true, []int{1, 2}},
			{"עומרי פרץ", false, []int{2}},
		},
		campaigns: []string{"מבצע אביב", "חידוש מנויים", "לידים מהוובינר"},
		statuses: []demoStatus{
			{"Waiting", "חדש", callsheet.StatusInitial, 30},
			{"", "אין מענה", callsheet.StatusOpen, 18},
			{"Follow-up", "לחזור", callsheet.StatusFollowUp, 15},
			{"", "מעוניין", callsheet.StatusOpen, 10},
			{"Not interested", "לא מעוניין", callsheet.StatusClosed, 12},
			{"Do not call", "לא להתקשר", callsheet.StatusDoNotCall, 3},
			{"Closed", "נמכר", callsheet.StatusClosed, 12},
		},
		city: "עיר", budget: "תקציב",
		cities:  []string{"תל אביב", "חיפה", "ירושלים", "באר שבע", "אילת", "נתניה", "ראשון לציון", "פתח תקווה", "מודיעין", "אשדוד"},
		first:   []string{"נועה", "יוסי", "תמר", "אבי", "מיכל", "דוד", "שירה", "איתן", "מאיה", "עומר", "יעל", "רון", "הילה", "אורי", "ליאור", "שני"},
		last:    []string{"כהן", "לוי", "מזרחי", "פרץ", "ביטון", "פרידמן", "אזולאי", "כץ", "אברהם", "דהן", "שפירא", "גולן"},
		sources: []string{"אתר", "פייסבוק", "המלצה", "תערוכה", "גוגל"},
		notes: []string{
			"ביקש שנחזור אליו אחרי החגים.",
			"מעוניינת בהצעה למשפחה, לשלוח פרטים בוואטסאפ.",
			"לא ענה פעמיים, לנסות שוב בערב.",
			"שלחנו הצעת מחיר במייל.",
			"לקוח ותיק, מכיר את המוצר.",
			"מעדיפה שיחה בשעות הבוקר.",
		},
		// Israeli mobiles: 05X and seven digits, the first 2 to 9.
		phone: func(rng *rand.Rand) string {
			prefixes := []int{50, 52, 53, 54, 55, 58}
			return fmt.Sprintf("+972%d%d%06d", prefixes[rng.IntN(len(prefixes))], 2+rng.IntN(8), rng.IntN(1000000))
		},
	},
	{
		suffix: "US", country: "US", timeZone: "America/New_York", language: i18n.English, langName: "interface in English",
		admin: "Rachel Adams",
		agents: []demoAgent{
			{"Emma Clark", true, []int{0, 1}},
			{"Jake Turner", true, []int{0}},
			{"Olivia Reed", true, []int{1, 2}},
			{"Liam Brooks", false, []int{2}},
		},
		campaigns: []string{"Spring sale", "Renewals", "Webinar leads"},
		statuses: []demoStatus{
			{"Waiting", "Waiting", callsheet.StatusInitial, 30},
			{"", "No answer", callsheet.StatusOpen, 18},
			{"Follow-up", "Follow-up", callsheet.StatusFollowUp, 15},
			{"", "Interested", callsheet.StatusOpen, 10},
			{"Not interested", "Not interested", callsheet.StatusClosed, 12},
			{"Do not call", "Do not call", callsheet.StatusDoNotCall, 3},
			{"Closed", "Closed", callsheet.StatusClosed, 12},
		},
		city: "City", budget: "Budget",
		cities:  []string{"New York", "Brooklyn", "Boston", "Philadelphia", "Chicago", "Miami", "Atlanta", "Newark"},
		first:   []string{"Sarah", "John", "Emily", "Michael", "Jessica", "David", "Ashley", "Chris", "Maria", "James", "Linda", "Kevin"},
		last:    []string{"Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Rodriguez", "Wilson", "Taylor", "Moore"},
		sources: []string{"website", "facebook", "referral", "trade show", "google ads"},
		notes: []string{
			"Asked us to call back after the holidays.",
			"Interested in the family plan; send details by email.",
			"No answer twice, try again in the evening.",
			"Sent a quote by email.",
			"Long-time customer, knows the product.",
			"Prefers calls in the morning.",
		},
		// New York area codes, an exchange 200 to 999 and four digits.
		phone: func(rng *rand.Rand) string {
			areas := []int{212, 332, 347, 516, 646, 718, 917, 929}
			return fmt.Sprintf("+1%d%d%02d%04d", areas[rng.IntN(len(areas))], 2+rng.IntN(8), rng.IntN(100), rng.IntN(10000))
		},
	},
}

// runDemo creates the demo's accounts. It refuses, and writes nothing,
// when one of them exists: the demo was made in this database already.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, lang := newFlags(ctx, "demo", stderr)
	dsn := dbFlag(fs, lang)
	name := fs.String("account", "Demo", say(lang, "the demo accounts' name, before IL and US"))
	n := fs.Int("customers", 5000, say(lang, "number of customers in each account"))
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
	for _, d := range demoAccounts {
		an := *name + " " + d.suffix
		as, _, err := svc.Accounts.FindAccounts(op, callsheet.AccountFilter{Name: &an})
		if err != nil {
			return err
		}
		if len(as) > 0 {
			return callsheet.Errorf(callsheet.ECONFLICT, "An account named %q already exists: the demo is in this database already. Give --account another name to make another demo.", an)
		}
	}
	for i, d := range demoAccounts {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := createDemo(ctx, svc, stdout, lang, *name, d, *n, uint64(i)); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout)
	sayln(stdout, lang, "Every demo user's password is %q.", demoPassword)
	sayln(stdout, lang, "Run \"callsheet serve\" with the same --db and log in with any of these logins.")
	return nil
}

// createDemo creates one demo account with its users, campaigns,
// statuses, custom fields and customers, and prints its logins.
func createDemo(ctx context.Context, svc servicesT, stdout io.Writer, lang, base string, d demoAccount, n int, seed uint64) error {
	acc := &callsheet.Account{Name: base + " " + d.suffix, Country: d.country, TimeZone: d.timeZone, Language: d.language}
	if err := svc.Accounts.CreateAccount(callsheet.NewOperatorContext(ctx), acc); err != nil {
		return err
	}
	actx := systemActor(ctx, acc.ID)
	sts, err := demoStatuses(actx, svc.Statuses, acc.Language, d.statuses)
	if err != nil {
		return err
	}
	admin := &callsheet.User{Name: d.admin, Login: loginFor(acc.Name, "admin"), Role: callsheet.RoleAdmin}
	if err := svc.Users.CreateUser(actx, admin, demoPassword); err != nil {
		return err
	}
	var camps []*callsheet.Campaign
	for _, cn := range d.campaigns {
		c := &callsheet.Campaign{Name: cn}
		if err := svc.Campaigns.CreateCampaign(actx, c); err != nil {
			return err
		}
		camps = append(camps, c)
	}
	var agents []*callsheet.User
	for i, da := range d.agents {
		a := &callsheet.User{Name: da.name, Login: loginFor(acc.Name, fmt.Sprintf("agent%d", i+1)), Role: callsheet.RoleAgent, CanAddCustomer: da.canAdd}
		for _, c := range da.campaigns {
			a.CampaignIDs = append(a.CampaignIDs, camps[c].ID)
		}
		if err := svc.Users.CreateUser(actx, a, demoPassword); err != nil {
			return err
		}
		agents = append(agents, a)
	}
	city := &callsheet.CustomField{Label: d.city, Type: callsheet.FieldText}
	budget := &callsheet.CustomField{Label: d.budget, Type: callsheet.FieldNumber}
	for _, f := range []*callsheet.CustomField{city, budget} {
		if err := svc.CustomFields.CreateCustomField(actx, f); err != nil {
			return err
		}
	}

	phones := sheet.NewPhoneNormalizer(d.country, false)
	rng := rand.New(rand.NewPCG(42+seed, 2026))
	now := time.Now()
	created := 0
	for i := 0; i < n; i++ {
		camp := camps[i%len(camps)]
		phone := d.phone(rng)
		for tries := 0; tries < 10; tries++ {
			if _, err := phones.Normalize(phone); err == nil {
				break
			}
			phone = d.phone(rng)
		}
		c := &callsheet.Customer{
			CampaignID: camp.ID,
			Name:       d.first[rng.IntN(len(d.first))],
			LastName:   d.last[rng.IntN(len(d.last))],
			Phone:      phone,
			Source:     d.sources[rng.IntN(len(d.sources))],
			CreatedAt:  now.Add(-time.Duration(rng.IntN(90*24)) * time.Hour),
			Custom:     map[int64]string{city.ID: d.cities[rng.IntN(len(d.cities))], budget.ID: fmt.Sprint(1000 * (1 + rng.IntN(50)))},
		}
		if rng.IntN(10) < 4 {
			c.Note = d.notes[rng.IntN(len(d.notes))]
		}
		if rng.IntN(10) < 7 {
			for _, a := range agents {
				if a.WorksCampaign(camp.ID) {
					c.AgentID = a.ID
					break
				}
			}
		}
		st := pickStatus(rng, d.statuses, sts)
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
		created++
	}

	sayln(stdout, lang, "Created demo account %q (%s, %s, %s): %s, %s, %s, %s.", acc.Name, acc.Country, acc.TimeZone,
		callsheet.Msg(d.langName), callsheet.Msg("%d campaigns", len(camps)), callsheet.Msg("%d agents", len(agents)),
		callsheet.Msg("%d custom fields", 2), callsheet.Msg("%d customers", created))
	printLogin(stdout, say(lang, "admin"), admin.Login, admin.Name)
	for _, a := range agents {
		perm := say(lang, "may add customers")
		if !a.CanAddCustomer {
			perm = say(lang, "may not add customers")
		}
		printLogin(stdout, say(lang, "agent"), a.Login, a.Name+" ("+perm+")")
	}
	return nil
}

// printLogin writes a demo user's line: role, login and name, in columns.
func printLogin(w io.Writer, role, login, who string) {
	fmt.Fprintf(w, "  %s%s  %-20s %s\n", role, strings.Repeat(" ", max(0, 5-utf8.RuneCountInString(role))), login, who)
}

// demoStatuses gives a new account the demo's statuses: it renames the
// default ones and adds the others, each of its kind, and puts them in
// order. It returns them in the order of specs.
func demoStatuses(ctx context.Context, svc callsheet.StatusService, lang string, specs []demoStatus) ([]*callsheet.Status, error) {
	have, _, err := svc.FindStatuses(ctx, callsheet.StatusFilter{})
	if err != nil {
		return nil, err
	}
	// The defaults are named in the account's language: find them by
	// their English names.
	byName := map[string]*callsheet.Status{}
	for _, s := range have {
		byName[s.Name] = s
	}
	english := callsheet.DefaultStatuses(i18n.English)
	for i, s := range callsheet.DefaultStatuses(lang) {
		if st, ok := byName[s.Name]; ok {
			byName[english[i].Name] = st
		}
	}
	out := make([]*callsheet.Status, len(specs))
	for i, spec := range specs {
		st := byName[spec.from]
		if spec.from == "" {
			st = &callsheet.Status{Name: spec.name, Kind: spec.kind}
			if err := svc.CreateStatus(ctx, st); err != nil {
				return nil, err
			}
		} else if st == nil {
			return nil, fmt.Errorf("demo: a new account has no status %q", spec.from)
		}
		pos := i + 1
		if st, err = svc.UpdateStatus(ctx, st.ID, callsheet.StatusUpdate{Name: &spec.name, Position: &pos}); err != nil {
			return nil, err
		}
		if st.Kind != spec.kind {
			return nil, fmt.Errorf("demo: status %q is %s, not %s", st.Name, st.Kind, spec.kind)
		}
		out[i] = st
	}
	return out, nil
}

// pickStatus picks a customer's status by the statuses' weights.
func pickStatus(rng *rand.Rand, specs []demoStatus, sts []*callsheet.Status) *callsheet.Status {
	total := 0
	for _, s := range specs {
		total += s.weight
	}
	r := rng.IntN(total)
	for i, s := range specs {
		if r < s.weight {
			return sts[i]
		}
		r -= s.weight
	}
	return sts[0]
}

// loginFor makes demo logins unique across accounts of one database:
// "demo-il-admin" for the account "Demo IL".
func loginFor(account, who string) string {
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
