package storetest_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// agentWorld is an account whose file gives customers to agents inside
// and outside the target campaign: Dana works only Other, Noa works no
// campaign, Yossi works Target, and the admin sees every campaign.
type agentWorld struct {
	f                *storetest.Fixture
	db               *sqldb.DB
	target, other    *callsheet.Campaign
	dana, noa, yossi *callsheet.User
	existing         *callsheet.Customer // in Target, Yossi's
	store            *sqldb.ImportStore
	customers        *sqldb.CustomerService
	users            *sqldb.UserService
}

const (
	q1 = "+972533000001"
	q2 = "+972533000002"
	q3 = "+972533000003"
	q4 = "+972533000004"
	q5 = "+972533000005"
	q6 = "+972533000006"
	q7 = "+972533000007"
)

var agentMapping = map[string]string{"name": "Name", "phone": "Phone", "agent": "Agent"}

func newAgentWorld(t *testing.T, db *sqldb.DB, name string) *agentWorld {
	t.Helper()
	w := &agentWorld{db: db, f: storetest.NewFixture(t, db, name), store: sqldb.NewImportStore(db),
		customers: sqldb.NewCustomerService(db), users: sqldb.NewUserService(db)}
	w.target, w.other = w.f.Campaign(t, "Target"), w.f.Campaign(t, "Other")
	w.dana = w.f.Agent(t, "Dana Levi", false, w.other.ID)
	w.noa = w.f.Agent(t, "Noa", false)
	w.yossi = w.f.Agent(t, "Yossi", true, w.target.ID)
	w.existing = &callsheet.Customer{CampaignID: w.target.ID, Name: "Existing", Phone: q1, AgentID: w.yossi.ID}
	must(t, w.customers.CreateCustomer(w.f.AdminCtx, w.existing))
	return w
}

// rows is the file: Dana's two new customers and the existing one, Yossi's
// and the admin's new ones, a duplicate of Dana's, Noa's new one and a
// row of Noa's without a name.
func (w *agentWorld) rows() []*callsheet.ImportRow {
	return []*callsheet.ImportRow{
		{Line: 2, Phone: q2, Name: "Two", AgentID: w.dana.ID},
		{Line: 3, Phone: q3, Name: "Three", AgentID: w.dana.ID},
		{Line: 4, Phone: q4, Name: "Four", AgentID: w.yossi.ID},
		{Line: 5, Phone: q5, Name: "Five", AgentID: w.f.Admin.ID},
		{Line: 6, Phone: q1, Name: "Existing again", AgentID: w.dana.ID},
		{Line: 7, Phone: q2, Name: "Two again", AgentID: w.dana.ID},
		{Line: 8, Phone: q6, Name: "Six", AgentID: w.noa.ID},
		{Line: 9, Phone: q7, Name: "", AgentID: w.noa.ID},
	}
}

func (w *agentWorld) run(t *testing.T, ctx context.Context, opts callsheet.ImportOptions) (*callsheet.ImportJob, *callsheet.ImportResult) {
	t.Helper()
	job := &callsheet.ImportJob{CampaignID: w.target.ID, Source: "file", Options: opts, Mapping: agentMapping, State: callsheet.ImportRunning}
	must(t, w.store.CreateImportJob(ctx, job, strings.NewReader("file")))
	res, err := w.store.RunImport(ctx, job, &storetest.RowsSource{Rows: w.rows()}, true)
	must(t, err)
	return job, res
}

// campaignsOf returns the campaigns the user works, sorted.
func (w *agentWorld) campaignsOf(t *testing.T, u *callsheet.User) []int64 {
	t.Helper()
	got, err := w.users.FindUserByID(w.f.AdminCtx, u.ID)
	must(t, err)
	ids := append([]int64{}, got.CampaignIDs...)
	slices.Sort(ids)
	return ids
}

func sorted(ids ...int64) []int64 { slices.Sort(ids); return ids }

// agentOf returns the agent of the target's customer with the phone, or -1
// if there is none with it.
func (w *agentWorld) agentOf(t *testing.T, phone string) int64 {
	t.Helper()
	cs, _, err := w.customers.FindCustomers(w.f.AdminCtx, callsheet.CustomerFilter{CampaignID: &w.target.ID, Phone: &phone})
	must(t, err)
	if len(cs) == 0 {
		return -1
	}
	return cs[0].AgentID
}

// audits lists the audit events of the action, oldest first, by object.
func (w *agentWorld) audits(t *testing.T, action string) []int64 {
	t.Helper()
	evs, _, err := sqldb.NewAuditService(w.db).FindAuditEvents(w.f.AdminCtx, callsheet.AuditFilter{Action: &action})
	must(t, err)
	var ids []int64
	for _, e := range evs {
		ids = append(ids, e.ObjectID)
	}
	slices.Sort(ids)
	return ids
}

// TestImportAgents checks, on both engines, what an import does with rows
// that give customers to agents who do not work its campaign, under each
// agents option, and what undo takes back.
func TestImportAgents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		opts := func(mode callsheet.AgentsMode, override bool) callsheet.ImportOptions {
			return callsheet.ImportOptions{Agents: mode, Override: override, LoadValid: true}
		}
		outside := func(w *agentWorld, dana int) []callsheet.ImportAgent {
			return []callsheet.ImportAgent{{ID: w.dana.ID, Name: "Dana Levi", Customers: dana}, {ID: w.noa.ID, Name: "Noa", Customers: 1}}
		}

		t.Run("grant gives the agents the campaign, and undo takes it back", func(t *testing.T) {
			w := newAgentWorld(t, db, "agents-grant")
			job, res := w.run(t, w.f.AdminCtx, opts(callsheet.AgentsGrant, true))
			// Dana: two new customers and the existing one her row overrides;
			// not the duplicate. Noa: one; her nameless row is invalid.
			if !res.Applied || !reflect.DeepEqual(res.AgentsOutside, outside(w, 3)) || !reflect.DeepEqual(res.AgentsGranted, outside(w, 3)) || res.Refused != "" {
				t.Fatalf("applied %v, outside %+v, granted %+v, refused %q", res.Applied, res.AgentsOutside, res.AgentsGranted, res.Refused)
			}
			if got := w.campaignsOf(t, w.dana); !reflect.DeepEqual(got, sorted(w.target.ID, w.other.ID)) {
				t.Errorf("Dana works %v", got)
			}
			if got := w.campaignsOf(t, w.noa); !reflect.DeepEqual(got, []int64{w.target.ID}) {
				t.Errorf("Noa works %v", got)
			}
			for phone, want := range map[string]int64{q1: w.dana.ID, q2: w.dana.ID, q3: w.dana.ID, q4: w.yossi.ID, q5: w.f.Admin.ID, q6: w.noa.ID} {
				if got := w.agentOf(t, phone); got != want {
					t.Errorf("%s: agent %d, want %d", phone, got, want)
				}
			}
			// Dana sees her customers.
			mine, _, err := w.customers.FindCustomers(w.f.As(w.dana), callsheet.CustomerFilter{CampaignID: &w.target.ID, AgentID: &w.dana.ID})
			must(t, err)
			if len(mine) != 3 {
				t.Errorf("Dana sees %d of her customers, want 3", len(mine))
			}
			stored, err := w.store.FindImportJobByID(w.f.AdminCtx, job.ID)
			must(t, err)
			if !reflect.DeepEqual(stored.AgentsGranted, res.AgentsGranted) || !reflect.DeepEqual(stored.AgentsOutside, res.AgentsOutside) {
				t.Errorf("stored job: outside %+v, granted %+v", stored.AgentsOutside, stored.AgentsGranted)
			}
			if got := w.audits(t, "import.grant_campaign"); !reflect.DeepEqual(got, sorted(w.dana.ID, w.noa.ID)) {
				t.Errorf("grants audited for %v", got)
			}

			undo, err := w.store.UndoImportJob(w.f.AdminCtx, job.ID)
			must(t, err)
			if !reflect.DeepEqual(undo.AgentsRevoked, []callsheet.ImportAgent{{ID: w.dana.ID, Name: "Dana Levi"}, {ID: w.noa.ID, Name: "Noa"}}) || len(undo.AgentsKept) != 0 {
				t.Fatalf("undo: revoked %+v, kept %+v", undo.AgentsRevoked, undo.AgentsKept)
			}
			if got := w.campaignsOf(t, w.dana); !reflect.DeepEqual(got, []int64{w.other.ID}) {
				t.Errorf("after undo Dana works %v", got)
			}
			if got := w.campaignsOf(t, w.noa); len(got) != 0 {
				t.Errorf("after undo Noa works %v", got)
			}
			if got := w.agentOf(t, q1); got != w.yossi.ID {
				t.Errorf("after undo the existing customer's agent is %d", got)
			}
			if got := w.audits(t, "import.revoke_campaign"); !reflect.DeepEqual(got, sorted(w.dana.ID, w.noa.ID)) {
				t.Errorf("revocations audited for %v", got)
			}
		})

		t.Run("without override, an existing customer keeps its agent and does not count", func(t *testing.T) {
			w := newAgentWorld(t, db, "agents-grant-plain")
			_, res := w.run(t, w.f.AdminCtx, opts(callsheet.AgentsGrant, false))
			if !reflect.DeepEqual(res.AgentsOutside, outside(w, 2)) || !reflect.DeepEqual(res.AgentsGranted, outside(w, 2)) {
				t.Fatalf("outside %+v, granted %+v", res.AgentsOutside, res.AgentsGranted)
			}
			if got := w.agentOf(t, q1); got != w.yossi.ID {
				t.Errorf("the existing customer's agent is %d", got)
			}
		})

		t.Run("unassign leaves those customers without the agent", func(t *testing.T) {
			w := newAgentWorld(t, db, "agents-unassign")
			_, res := w.run(t, w.f.AdminCtx, opts(callsheet.AgentsUnassign, true))
			if !res.Applied || !reflect.DeepEqual(res.AgentsOutside, outside(w, 3)) || len(res.AgentsGranted) != 0 || res.Refused != "" {
				t.Fatalf("applied %v, outside %+v, granted %+v, refused %q", res.Applied, res.AgentsOutside, res.AgentsGranted, res.Refused)
			}
			// New customers have no agent; the existing one keeps its own,
			// as an empty cell would leave it; agents of the campaign and
			// admins are given their customers.
			for phone, want := range map[string]int64{q1: w.yossi.ID, q2: 0, q3: 0, q4: w.yossi.ID, q5: w.f.Admin.ID, q6: 0} {
				if got := w.agentOf(t, phone); got != want {
					t.Errorf("%s: agent %d, want %d", phone, got, want)
				}
			}
			if got := w.campaignsOf(t, w.dana); !reflect.DeepEqual(got, []int64{w.other.ID}) {
				t.Errorf("Dana works %v", got)
			}
			if got := w.audits(t, "import.grant_campaign"); len(got) != 0 {
				t.Errorf("grants audited: %v", got)
			}
		})

		t.Run("refuse writes nothing and names the agents", func(t *testing.T) {
			w := newAgentWorld(t, db, "agents-refuse")
			job, res := w.run(t, w.f.AdminCtx, opts(callsheet.AgentsRefuse, true))
			if res.Applied || !reflect.DeepEqual(res.AgentsOutside, outside(w, 3)) || len(res.AgentsGranted) != 0 {
				t.Fatalf("applied %v, outside %+v, granted %+v", res.Applied, res.AgentsOutside, res.AgentsGranted)
			}
			for _, want := range []string{"Dana Levi does not work this campaign: 3 customers", "Noa does not work this campaign: 1 customer"} {
				if !strings.Contains(res.Refused, want) {
					t.Errorf("refused %q, want it to say %q", res.Refused, want)
				}
			}
			for _, phone := range []string{q2, q3, q4, q5, q6} {
				if w.agentOf(t, phone) != -1 {
					t.Errorf("%s was added", phone)
				}
			}
			if got := w.agentOf(t, q1); got != w.yossi.ID {
				t.Errorf("the existing customer's agent is %d", got)
			}
			if got := w.campaignsOf(t, w.dana); !reflect.DeepEqual(got, []int64{w.other.ID}) {
				t.Errorf("Dana works %v", got)
			}
			stored, err := w.store.FindImportJobByID(w.f.AdminCtx, job.ID)
			must(t, err)
			if stored.State != callsheet.ImportDone || stored.Applied || stored.Refused != res.Refused || !reflect.DeepEqual(stored.AgentsOutside, res.AgentsOutside) {
				t.Errorf("stored job %+v", stored)
			}
			_, err = w.store.UndoImportJob(w.f.AdminCtx, job.ID)
			wantCode(t, err, callsheet.ECONFLICT)
		})

		t.Run("a dry run lists the agents and grants nothing", func(t *testing.T) {
			w := newAgentWorld(t, db, "agents-dry")
			o := opts(callsheet.AgentsGrant, true)
			o.DryRun = true
			_, res := w.run(t, w.f.AdminCtx, o)
			if res.Applied || !reflect.DeepEqual(res.AgentsOutside, outside(w, 3)) || len(res.AgentsGranted) != 0 || res.Refused != "" {
				t.Fatalf("applied %v, outside %+v, granted %+v, refused %q", res.Applied, res.AgentsOutside, res.AgentsGranted, res.Refused)
			}
			if got := w.campaignsOf(t, w.dana); !reflect.DeepEqual(got, []int64{w.other.ID}) {
				t.Errorf("Dana works %v", got)
			}
			o.Agents = callsheet.AgentsRefuse
			_, res = w.run(t, w.f.AdminCtx, o)
			if !strings.Contains(res.Refused, "Dana Levi") {
				t.Errorf("a dry run under refuse does not say it would be refused: %q", res.Refused)
			}
		})

		t.Run("undo leaves the campaign to an agent who still has customers in it", func(t *testing.T) {
			w := newAgentWorld(t, db, "agents-undo-kept")
			job, _ := w.run(t, w.f.AdminCtx, opts(callsheet.AgentsGrant, true))
			// Someone works one of Dana's new customers: undo keeps it, hers.
			cs, _, err := w.customers.FindCustomers(w.f.AdminCtx, callsheet.CustomerFilter{CampaignID: &w.target.ID, Phone: ptr(q2)})
			must(t, err)
			_, err = w.customers.UpdateCustomer(w.f.AdminCtx, cs[0].ID, callsheet.CustomerUpdate{Note: ptr("called")})
			must(t, err)
			undo, err := w.store.UndoImportJob(w.f.AdminCtx, job.ID)
			must(t, err)
			if !reflect.DeepEqual(undo.AgentsKept, []callsheet.ImportAgent{{ID: w.dana.ID, Name: "Dana Levi", Customers: 1}}) ||
				!reflect.DeepEqual(undo.AgentsRevoked, []callsheet.ImportAgent{{ID: w.noa.ID, Name: "Noa"}}) {
				t.Fatalf("undo: kept %+v, revoked %+v", undo.AgentsKept, undo.AgentsRevoked)
			}
			if got := w.campaignsOf(t, w.dana); !reflect.DeepEqual(got, sorted(w.target.ID, w.other.ID)) {
				t.Errorf("Dana works %v", got)
			}
		})

		t.Run("undo leaves access given otherwise since", func(t *testing.T) {
			w := newAgentWorld(t, db, "agents-undo-since")
			job, _ := w.run(t, w.f.AdminCtx, opts(callsheet.AgentsGrant, true))
			// The admin saves Dana's campaigns, Target among them.
			_, err := w.users.UpdateUser(w.f.AdminCtx, w.dana.ID, callsheet.UserUpdate{CampaignIDs: &[]int64{w.other.ID, w.target.ID}})
			must(t, err)
			undo, err := w.store.UndoImportJob(w.f.AdminCtx, job.ID)
			must(t, err)
			if len(undo.AgentsKept) != 0 || !reflect.DeepEqual(undo.AgentsRevoked, []callsheet.ImportAgent{{ID: w.noa.ID, Name: "Noa"}}) {
				t.Fatalf("undo: kept %+v, revoked %+v", undo.AgentsKept, undo.AgentsRevoked)
			}
			if got := w.campaignsOf(t, w.dana); !reflect.DeepEqual(got, sorted(w.target.ID, w.other.ID)) {
				t.Errorf("Dana works %v", got)
			}
		})

		t.Run("an agent adding a customer never gives access", func(t *testing.T) {
			w := newAgentWorld(t, db, "agents-by-agent")
			ctx := w.f.As(w.yossi)
			job := &callsheet.ImportJob{CampaignID: w.target.ID, Source: "form", Mapping: agentMapping, State: callsheet.ImportRunning,
				Options: callsheet.ImportOptions{Agents: callsheet.AgentsGrant}}
			must(t, w.store.CreateImportJob(ctx, job, nil))
			res, err := w.store.RunImport(ctx, job, &storetest.RowsSource{Rows: []*callsheet.ImportRow{{Line: 0, Phone: q2, Name: "Two", AgentID: w.dana.ID}}}, true)
			must(t, err)
			if res.Applied || !strings.Contains(res.Refused, "Dana Levi") {
				t.Fatalf("applied %v, refused %q", res.Applied, res.Refused)
			}
			stored, err := w.store.FindImportJobByID(w.f.AdminCtx, job.ID)
			must(t, err)
			if stored.Refused != res.Refused {
				t.Errorf("stored job refused %q, the run %q", stored.Refused, res.Refused)
			}
			if got := w.campaignsOf(t, w.dana); !reflect.DeepEqual(got, []int64{w.other.ID}) {
				t.Errorf("Dana works %v", got)
			}
		})
	})
}
