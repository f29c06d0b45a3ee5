package callsheet_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
)

// The seed's rules for one row, each in the user's words.
func TestDecideOutcome(t *testing.T) {
	const (
		dup      = callsheet.FactDuplicate
		existing = callsheet.FactExisting
		other    = callsheet.FactInOtherCampaign
		unnamed  = callsheet.FactUnnamed
	)
	plain := callsheet.ImportOptions{Unique: callsheet.UniqueAny}
	with := func(f func(*callsheet.ImportOptions)) callsheet.ImportOptions {
		o := plain
		f(&o)
		return o
	}
	override := with(func(o *callsheet.ImportOptions) { o.Override = true })
	reset := with(func(o *callsheet.ImportOptions) { o.Reset = true })
	allowed := with(func(o *callsheet.ImportOptions) { o.UpdateContactAllowed = true })
	move := with(func(o *callsheet.ImportOptions) { o.Unique = callsheet.UniqueMove })
	onlyNew := with(func(o *callsheet.ImportOptions) { o.Unique = callsheet.UniqueOnlyNew })
	overrideReset := with(func(o *callsheet.ImportOptions) { o.Override, o.Reset = true, true })

	for _, tc := range []struct {
		name  string
		opts  callsheet.ImportOptions
		facts callsheet.RowFacts
		want  callsheet.Outcome
	}{
		{"a new customer is added", plain, 0, callsheet.OutcomeAdded},
		{"a new customer needs a name", plain, unnamed, callsheet.OutcomeInvalid},
		{"an existing customer keeps its own name", plain, existing | unnamed, callsheet.OutcomeSkippedExisting},
		{"an existing customer is left as it is", plain, existing, callsheet.OutcomeSkippedExisting},
		{"override updates an existing customer", override, existing, callsheet.OutcomeUpdated},
		{"override with no name still updates the other fields", override, existing | unnamed, callsheet.OutcomeUpdated},
		{"reset without override resets", reset, existing, callsheet.OutcomeReset},
		{"override and reset update (and reset)", overrideReset, existing, callsheet.OutcomeUpdated},
		{"update contact allowed changes every existing customer", allowed, existing, callsheet.OutcomeUpdated},
		{"a later row of a phone is a duplicate", override, dup | existing, callsheet.OutcomeDuplicate},
		{"a duplicate even without a name", plain, dup | unnamed, callsheet.OutcomeDuplicate},
		{"add regardless: another campaign does not matter", plain, other, callsheet.OutcomeAdded},
		{"move: another campaign's customer moves here", move, other, callsheet.OutcomeMoved},
		{"move: an unnamed customer of another campaign is invalid", move, other | unnamed, callsheet.OutcomeInvalid},
		{"move: already here, and elsewhere, is existing", move, existing | other, callsheet.OutcomeSkippedExisting},
		{"only new: another campaign's customer is skipped", onlyNew, other, callsheet.OutcomeSkippedOtherCampaign},
		{"only new: skipped even without a name", onlyNew, other | unnamed, callsheet.OutcomeSkippedOtherCampaign},
		{"only new: already here is existing, not other", onlyNew, existing | other, callsheet.OutcomeSkippedExisting},
		{"only new: override updates one already here", with(func(o *callsheet.ImportOptions) { o.Unique, o.Override = callsheet.UniqueOnlyNew, true }), existing | other, callsheet.OutcomeUpdated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := callsheet.DecideOutcome(tc.opts, tc.facts); got != tc.want {
				t.Fatalf("%v with facts %04b: %s, want %s", tc.opts, tc.facts, got, tc.want)
			}
		})
	}
}

// Every combination of options and facts has one outcome, and the
// outcomes that need a fact only come with it.
func TestDecideOutcomeEveryCombination(t *testing.T) {
	for _, o := range allOptions() {
		for f := callsheet.RowFacts(0); f < 16; f++ {
			got := callsheet.DecideOutcome(o, f)
			need := map[callsheet.Outcome]callsheet.RowFacts{
				callsheet.OutcomeDuplicate: callsheet.FactDuplicate, callsheet.OutcomeUpdated: callsheet.FactExisting,
				callsheet.OutcomeReset: callsheet.FactExisting, callsheet.OutcomeSkippedExisting: callsheet.FactExisting,
				callsheet.OutcomeSkippedOtherCampaign: callsheet.FactInOtherCampaign, callsheet.OutcomeMoved: callsheet.FactInOtherCampaign,
				callsheet.OutcomeInvalid: callsheet.FactUnnamed,
			}[got]
			if f&need != need {
				t.Errorf("%+v facts %04b: %s without its fact", o, f, got)
			}
			if got == callsheet.OutcomeAdded && f&(callsheet.FactDuplicate|callsheet.FactExisting|callsheet.FactUnnamed) != 0 {
				t.Errorf("%+v facts %04b: added", o, f)
			}
			if got == callsheet.OutcomeMoved && o.Unique != callsheet.UniqueMove || got == callsheet.OutcomeSkippedOtherCampaign && o.Unique != callsheet.UniqueOnlyNew {
				t.Errorf("%+v facts %04b: %s under unique %s", o, f, got, o.Unique)
			}
		}
	}
}

func TestOutcomeEffects(t *testing.T) {
	move := callsheet.ImportOptions{Unique: callsheet.UniqueMove}
	for _, tc := range []struct {
		name string
		out  callsheet.Outcome
		opts callsheet.ImportOptions
		want callsheet.OutcomeEffects
	}{
		{"added", callsheet.OutcomeAdded, callsheet.ImportOptions{}, callsheet.OutcomeEffects{Inserts: true, InCampaign: true, TakesStatus: true, SetsAgent: true}},
		{"moved", callsheet.OutcomeMoved, move, callsheet.OutcomeEffects{Inserts: true, InCampaign: true, TakesStatus: true, RemovesOtherCopies: true, SetsAgent: true}},
		{"updated keeps its status", callsheet.OutcomeUpdated, callsheet.ImportOptions{Override: true}, callsheet.OutcomeEffects{Updates: true, InCampaign: true, SetsAgent: true}},
		{"updated with reset takes the status", callsheet.OutcomeUpdated, callsheet.ImportOptions{Override: true, Reset: true}, callsheet.OutcomeEffects{Updates: true, InCampaign: true, TakesStatus: true, SetsAgent: true}},
		{"updated without override keeps its agent", callsheet.OutcomeUpdated, callsheet.ImportOptions{UpdateContactAllowed: true}, callsheet.OutcomeEffects{Updates: true, InCampaign: true}},
		{"reset keeps its agent", callsheet.OutcomeReset, callsheet.ImportOptions{Reset: true}, callsheet.OutcomeEffects{Updates: true, InCampaign: true, TakesStatus: true}},
		{"move: an updated customer loses its other copies", callsheet.OutcomeUpdated, callsheet.ImportOptions{Override: true, Unique: callsheet.UniqueMove}, callsheet.OutcomeEffects{Updates: true, InCampaign: true, RemovesOtherCopies: true, SetsAgent: true}},
		{"move: a reset customer loses its other copies", callsheet.OutcomeReset, callsheet.ImportOptions{Reset: true, Unique: callsheet.UniqueMove}, callsheet.OutcomeEffects{Updates: true, InCampaign: true, TakesStatus: true, RemovesOtherCopies: true}},
		{"skipped existing stays", callsheet.OutcomeSkippedExisting, callsheet.ImportOptions{}, callsheet.OutcomeEffects{InCampaign: true}},
		{"move leaves an existing customer nowhere else", callsheet.OutcomeSkippedExisting, move, callsheet.OutcomeEffects{InCampaign: true, RemovesOtherCopies: true}},
		{"a duplicate does nothing", callsheet.OutcomeDuplicate, move, callsheet.OutcomeEffects{}},
		{"an invalid row does nothing", callsheet.OutcomeInvalid, move, callsheet.OutcomeEffects{}},
		{"a skipped other-campaign row does nothing", callsheet.OutcomeSkippedOtherCampaign, callsheet.ImportOptions{Unique: callsheet.UniqueOnlyNew}, callsheet.OutcomeEffects{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.out.Effects(tc.opts); got != tc.want {
				t.Fatalf("%+v, want %+v", got, tc.want)
			}
		})
	}
}

// Under every option, exactly the outcomes that leave the customer in the
// campaign remove its other copies when moving, and only those that write
// the customer can give it an agent.
func TestOutcomeEffectsEveryCombination(t *testing.T) {
	for _, o := range allOptions() {
		for _, out := range callsheet.Outcomes {
			e := out.Effects(o)
			if e.RemovesOtherCopies != (o.Unique == callsheet.UniqueMove && e.InCampaign) {
				t.Errorf("%+v %s: removes other copies %v", o, out, e.RemovesOtherCopies)
			}
			if e.SetsAgent && !e.Inserts && !(e.Updates && o.Override) {
				t.Errorf("%+v %s: sets the agent without writing it", o, out)
			}
			if e.Inserts && !e.SetsAgent {
				t.Errorf("%+v %s: a new customer without the row's agent", o, out)
			}
		}
	}
}

// A row is reported when it is not written, when it is blocked, and when
// it deletes customers elsewhere, whatever its outcome.
func TestOutcomeReported(t *testing.T) {
	move := callsheet.ImportOptions{Unique: callsheet.UniqueMove, Override: true}
	anyMode := callsheet.ImportOptions{Unique: callsheet.UniqueAny, Override: true}
	other := callsheet.FactInOtherCampaign
	for _, tc := range []struct {
		name    string
		out     callsheet.Outcome
		opts    callsheet.ImportOptions
		facts   callsheet.RowFacts
		blocked bool
		want    bool
	}{
		{"an added row is not", callsheet.OutcomeAdded, anyMode, 0, false, false},
		{"an added row in another campaign is not, with any", callsheet.OutcomeAdded, anyMode, other, false, false},
		{"a blocked added row is", callsheet.OutcomeAdded, anyMode, 0, true, true},
		{"a moved row is", callsheet.OutcomeMoved, move, other, false, true},
		{"an updated row that removed a copy is", callsheet.OutcomeUpdated, move, callsheet.FactExisting | other, false, true},
		{"an updated row alone is not", callsheet.OutcomeUpdated, move, callsheet.FactExisting, false, false},
		{"a reset row that removed a copy is", callsheet.OutcomeReset, callsheet.ImportOptions{Unique: callsheet.UniqueMove, Reset: true}, callsheet.FactExisting | other, false, true},
		{"a skipped row is", callsheet.OutcomeSkippedExisting, move, callsheet.FactExisting, false, true},
		{"a duplicate is", callsheet.OutcomeDuplicate, move, callsheet.FactDuplicate | other, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.out.Reported(tc.opts, tc.facts, tc.blocked); got != tc.want {
				t.Fatalf("reported %v, want %v", got, tc.want)
			}
		})
	}
}

// Each agents option has one rule, and the rules do what their names say.
func TestAgentRules(t *testing.T) {
	for _, tc := range []struct {
		mode                     callsheet.AgentsMode
		grants, assigns, refuses bool
	}{
		{callsheet.AgentsGrant, true, true, false},
		{callsheet.AgentsUnassign, false, false, false},
		{callsheet.AgentsRefuse, false, false, true},
		{"", true, true, false}, // the default
	} {
		r := tc.mode.Rule()
		if r.Grants != tc.grants || r.Assigns != tc.assigns || r.Refuses != tc.refuses || r.Why == "" {
			t.Errorf("%q: %+v", tc.mode, r)
		}
	}
	seen := map[callsheet.AgentsMode]bool{}
	for _, r := range callsheet.AgentRules {
		if seen[r.Mode] || !r.Mode.Valid() {
			t.Errorf("rule for %q", r.Mode)
		}
		seen[r.Mode] = true
		if r.Grants && !r.Assigns {
			t.Errorf("%s grants the campaign but does not give the customers", r.Mode)
		}
	}
	o := callsheet.ImportOptions{}
	if err := o.Validate(); err != nil || o.Agents != callsheet.AgentsGrant {
		t.Errorf("default agents %q, %v", o.Agents, err)
	}
	o = callsheet.ImportOptions{Agents: "ignore"}
	if err := o.Validate(); callsheet.ErrorFields(err)["agents"] == "" {
		t.Errorf("unknown agents mode: %v", err)
	}
}

func TestAgentOutside(t *testing.T) {
	admin := &callsheet.User{Role: callsheet.RoleAdmin}
	works := &callsheet.User{Role: callsheet.RoleAgent, CampaignIDs: []int64{3, 7}}
	if callsheet.AgentOutside(admin, 7) || callsheet.AgentOutside(works, 7) || !callsheet.AgentOutside(works, 8) {
		t.Fatal("outside")
	}
}

func TestRefusalReason(t *testing.T) {
	dana := []callsheet.ImportAgent{{ID: 4, Name: "Dana Levi", Customers: 50000}}
	refuse := callsheet.ImportOptions{Agents: callsheet.AgentsRefuse}
	if got, want := dana[0].Message(), "Dana Levi does not work this campaign: 50,000 customers"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if got := callsheet.RefusalReason(refuse, callsheet.ImportCounts{}, dana); !strings.HasPrefix(got, "Dana Levi does not work this campaign: 50,000 customers.") {
		t.Errorf("refuse: %q", got)
	}
	for _, mode := range []callsheet.AgentsMode{callsheet.AgentsGrant, callsheet.AgentsUnassign} {
		if got := callsheet.RefusalReason(callsheet.ImportOptions{Agents: mode}, callsheet.ImportCounts{}, dana); got != "" {
			t.Errorf("%s refused: %q", mode, got)
		}
	}
	if got := callsheet.RefusalReason(refuse, callsheet.ImportCounts{}, nil); got != "" {
		t.Errorf("no agents outside, refused: %q", got)
	}
	both := callsheet.RefusalReason(refuse, callsheet.ImportCounts{Invalid: 1}, dana)
	if !strings.Contains(both, "Dana Levi") || !strings.Contains(both, "1 row is invalid") {
		t.Errorf("both: %q", both)
	}
	if got := callsheet.RefusalReason(callsheet.ImportOptions{LoadValid: true}, callsheet.ImportCounts{Invalid: 3}, nil); got != "" {
		t.Errorf("load valid refused: %q", got)
	}
	var many []callsheet.ImportAgent
	for i := 0; i < 12; i++ {
		many = append(many, callsheet.ImportAgent{ID: int64(i), Name: fmt.Sprintf("Agent %d", i), Customers: 1})
	}
	got := callsheet.RefusalReason(refuse, callsheet.ImportCounts{}, many)
	if !strings.Contains(got, "Agent 9 does not work this campaign: 1 customer (and 2 other agents)") || strings.Contains(got, "Agent 10") {
		t.Errorf("many: %q", got)
	}
}

func TestRemovalMessage(t *testing.T) {
	got := callsheet.RemovalMessage([]callsheet.RemovedCopy{{CustomerID: 12, CampaignID: 3, CampaignName: "Spring"}, {CustomerID: 15, CampaignID: 9}})
	if want := "Removed from Spring (customer 12), campaign 9 (customer 15)."; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if callsheet.RemovalMessage(nil) != "" {
		t.Error("no removals, a message")
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0 rows", 1: "1 row", 999: "999 rows", 1000: "1,000 rows", 50000: "50,000 rows", 1234567: "1,234,567 rows", -1500: "-1,500 rows"} {
		if got := callsheet.Count(n, "row", "rows"); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
}

func TestOutcomeBlocked(t *testing.T) {
	newer := callsheet.BlockFacts{CallRequestNewer: true}
	dncStatus := callsheet.BlockFacts{StatusDoNotCall: true}
	for _, tc := range []struct {
		name  string
		out   callsheet.Outcome
		opts  callsheet.ImportOptions
		facts callsheet.BlockFacts
		want  bool
	}{
		{"a new customer on the register is added blocked", callsheet.OutcomeAdded, callsheet.ImportOptions{}, newer, true},
		{"update contact allowed unblocks it", callsheet.OutcomeAdded, callsheet.ImportOptions{UpdateContactAllowed: true}, newer, false},
		{"an existing customer who asked again stays blocked", callsheet.OutcomeUpdated, callsheet.ImportOptions{Override: true}, newer, true},
		{"a customer not on the register is not blocked", callsheet.OutcomeAdded, callsheet.ImportOptions{}, callsheet.BlockFacts{}, false},
		{"a do-not-call upload blocks the customers it adds", callsheet.OutcomeAdded, callsheet.ImportOptions{}, dncStatus, true},
		{"a do-not-call upload blocks the customers it resets", callsheet.OutcomeReset, callsheet.ImportOptions{Reset: true}, dncStatus, true},
		{"but not those whose status it leaves", callsheet.OutcomeUpdated, callsheet.ImportOptions{Override: true}, dncStatus, false},
		{"unless update contact allowed", callsheet.OutcomeAdded, callsheet.ImportOptions{UpdateContactAllowed: true}, dncStatus, false},
		{"a skipped customer is not reported blocked", callsheet.OutcomeSkippedExisting, callsheet.ImportOptions{}, newer, false},
		{"nor a duplicate", callsheet.OutcomeDuplicate, callsheet.ImportOptions{}, newer, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.out.Blocked(tc.opts, tc.facts); got != tc.want {
				t.Fatalf("blocked %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOutcomeMessages(t *testing.T) {
	for _, o := range callsheet.Outcomes {
		msg := o.Message(3, false)
		if o.Written() != (msg == "") {
			t.Errorf("%s: message %q", o, msg)
		}
		if o.Written() && o.Message(0, true) == "" {
			t.Errorf("%s: no message when blocked", o)
		}
	}
	if got := callsheet.OutcomeDuplicate.Message(7, false); got != "The phone is a duplicate of line 7." {
		t.Errorf("duplicate: %q", got)
	}
}

// allOptions is every combination of the options that decide outcomes:
// 2 × 2 × 2 × 3 = 24.
func allOptions() []callsheet.ImportOptions {
	var out []callsheet.ImportOptions
	for _, u := range []callsheet.UniqueMode{callsheet.UniqueAny, callsheet.UniqueMove, callsheet.UniqueOnlyNew} {
		for i := 0; i < 8; i++ {
			out = append(out, callsheet.ImportOptions{Override: i&1 != 0, Reset: i&2 != 0, UpdateContactAllowed: i&4 != 0, Unique: u})
		}
	}
	return out
}
