package callsheet

import (
	"strconv"
	"strings"
)

// The outcome rules of an import, in one place.
//
// Every row of an import that could be read gets exactly one outcome. It
// follows from a few facts about the row (is its phone earlier in the
// file, already in the campaign, in another campaign; does it give a
// name) and from the upload's options. OutcomeRules is that decision as a
// table: the first rule whose facts all hold and whose options apply
// decides. DecideOutcome evaluates it in Go; the store generates its SQL
// from the same table, so the two cannot drift apart, and the table's own
// tests check it against the seed's rules.
//
// What an outcome then does (insert, update, take the upload's status,
// remove the customer's copies in other campaigns, end up blocked) is
// decided by OutcomeEffects and Blocked, again once, for Go and SQL alike.

// RowFacts are what an import knows of a row before it decides the row's
// outcome, as a set of bits.
type RowFacts uint8

// Row facts.
const (
	// FactDuplicate: an earlier line of the file has the same phone.
	FactDuplicate RowFacts = 1 << iota
	// FactExisting: the campaign already has a customer with the phone.
	FactExisting
	// FactInOtherCampaign: another campaign of the account has a customer
	// with the phone. It is looked up only when Unique is not any.
	FactInOtherCampaign
	// FactUnnamed: the row gives no name.
	FactUnnamed
)

// AllRowFacts lists every fact, for code that renders each of them.
var AllRowFacts = []RowFacts{FactDuplicate, FactExisting, FactInOtherCampaign, FactUnnamed}

// OutcomeRule is one line of the outcome table.
type OutcomeRule struct {
	// Facts must all hold for the rule to decide.
	Facts RowFacts
	// Applies, when not nil, says under which options the rule is used.
	Applies func(ImportOptions) bool
	// Outcome is the row's outcome.
	Outcome Outcome
	// Why is the rule in the user's words.
	Why string
}

// OutcomeRules is the decision table, in order: the first rule that holds
// decides.
var OutcomeRules = []OutcomeRule{
	{Facts: FactDuplicate, Outcome: OutcomeDuplicate,
		Why: "A phone counts once per file: later rows with it are duplicates of the first."},
	{Facts: FactExisting, Applies: func(o ImportOptions) bool { return o.Override || o.UpdateContactAllowed }, Outcome: OutcomeUpdated,
		Why: "Override existing updates the matched fields, and Update contact allowed date changes every uploaded customer."},
	{Facts: FactExisting, Applies: func(o ImportOptions) bool { return o.Reset }, Outcome: OutcomeReset,
		Why: "Reset puts an existing customer back in the queue even without Override existing."},
	{Facts: FactExisting, Outcome: OutcomeSkippedExisting,
		Why: "Without Override existing, a customer already in the campaign is left as it is."},
	{Facts: FactInOtherCampaign, Applies: func(o ImportOptions) bool { return o.Unique == UniqueOnlyNew }, Outcome: OutcomeSkippedOtherCampaign,
		Why: "Add only if in no other campaign: a customer of another campaign is not added."},
	{Facts: FactUnnamed, Outcome: OutcomeInvalid,
		Why: "A customer new to the campaign needs a name (an existing one keeps its own)."},
	{Facts: FactInOtherCampaign, Applies: func(o ImportOptions) bool { return o.Unique == UniqueMove }, Outcome: OutcomeMoved,
		Why: "Move them here: a customer of another campaign is added here and removed there."},
	{Outcome: OutcomeAdded,
		Why: "Anything else is a new customer of the campaign."},
}

// OutcomeRulesFor returns the rules that apply under the options, in
// order; the last one always holds.
func OutcomeRulesFor(o ImportOptions) []OutcomeRule {
	out := make([]OutcomeRule, 0, len(OutcomeRules))
	for _, r := range OutcomeRules {
		if r.Applies == nil || r.Applies(o) {
			out = append(out, r)
		}
	}
	return out
}

// DecideOutcome returns the outcome of a row with the facts, under the
// options.
func DecideOutcome(o ImportOptions, facts RowFacts) Outcome {
	for _, r := range OutcomeRulesFor(o) {
		if facts&r.Facts == r.Facts {
			return r.Outcome
		}
	}
	panic("callsheet: the outcome table has no rule that always holds")
}

// Outcomes lists every outcome, in the order reports show them.
var Outcomes = []Outcome{OutcomeAdded, OutcomeMoved, OutcomeUpdated, OutcomeReset, OutcomeSkippedExisting,
	OutcomeSkippedOtherCampaign, OutcomeDuplicate, OutcomeInvalid}

// OutcomeEffects is what a row of an outcome does to the store.
type OutcomeEffects struct {
	// Inserts: the row becomes a new customer of the campaign.
	Inserts bool
	// Updates: the row changes the campaign's existing customer.
	Updates bool
	// InCampaign: the customer is in the campaign after the import.
	InCampaign bool
	// TakesStatus: the customer gets the upload's status (and, when it is
	// a do-not-call status, its phone goes on the register).
	TakesStatus bool
	// RemovesOtherCopies: the customer's copies in other campaigns are
	// deleted (Move them here).
	RemovesOtherCopies bool
	// SetsAgent: the customer gets the row's agent, when the row gives
	// one. A new customer does; an existing one only with Override
	// existing (an empty cell never overwrites).
	SetsAgent bool
}

// Effects returns what a row of the outcome does under the options.
func (out Outcome) Effects(o ImportOptions) OutcomeEffects {
	var e OutcomeEffects
	switch out {
	case OutcomeAdded, OutcomeMoved:
		e.Inserts, e.InCampaign, e.TakesStatus, e.SetsAgent = true, true, true, true
	case OutcomeUpdated, OutcomeReset:
		e.Updates, e.InCampaign, e.TakesStatus, e.SetsAgent = true, true, o.Reset, o.Override
	case OutcomeSkippedExisting:
		e.InCampaign = true
	}
	// Once a customer is in this campaign, Move leaves it nowhere else,
	// whether it was added, updated or left as it was.
	e.RemovesOtherCopies = o.Unique == UniqueMove && e.InCampaign
	return e
}

// Written reports whether the outcome adds or changes a customer.
func (out Outcome) Written() bool {
	e := out.Effects(ImportOptions{})
	return e.Inserts || e.Updates
}

// OutcomesWhere lists the outcomes whose effects under the options pass
// the test, for code that turns effects into SQL.
func OutcomesWhere(o ImportOptions, test func(OutcomeEffects) bool) []Outcome {
	var out []Outcome
	for _, oc := range Outcomes {
		if test(oc.Effects(o)) {
			out = append(out, oc)
		}
	}
	return out
}

// BlockFacts are what decides whether a written customer is blocked.
type BlockFacts struct {
	// CallRequestNewer: the phone's do-not-call request is newer than the
	// contact-allowed date the customer had (a new customer has none).
	CallRequestNewer bool
	// StatusDoNotCall: the upload's status is a do-not-call one.
	StatusDoNotCall bool
}

// Blocked reports whether a row of the outcome leaves its customer blocked.
// Update contact allowed date unblocks every uploaded customer. Otherwise a
// customer is blocked when the register's request is newer than its
// contact-allowed date, or when it takes the upload's do-not-call status.
func (out Outcome) Blocked(o ImportOptions, f BlockFacts) bool {
	e := out.Effects(o)
	if !(e.Inserts || e.Updates) || o.UpdateContactAllowed {
		return false
	}
	return f.CallRequestNewer || f.StatusDoNotCall && e.TakesStatus
}

// Reported reports whether a row of the outcome goes in the import's
// report of rows to look at (its problems): a row not added or updated, a
// row that leaves its customer blocked, and a row that deletes customers
// of other campaigns (it has FactInOtherCampaign and its outcome removes
// other copies), whatever else it did.
func (out Outcome) Reported(o ImportOptions, facts RowFacts, blocked bool) bool {
	e := out.Effects(o)
	return !(e.Inserts || e.Updates) || blocked || e.RemovesOtherCopies && facts&FactInOtherCampaign != 0
}

// Message explains, for people, a row that was not simply added or
// updated: duplicateOf is the first line of the phone, for duplicates.
// Added and updated rows have no message unless blocked. It is Reason in
// English.
func (out Outcome) Message(duplicateOf int, blocked bool) string {
	m := out.Reason(duplicateOf, blocked)
	if m.Key == "" {
		return ""
	}
	return m.String()
}

// Reason is Message as a catalogue message, for the interface to show in
// the reader's language; a zero Message when there is nothing to say.
func (out Outcome) Reason(duplicateOf int, blocked bool) Message {
	switch out {
	case OutcomeDuplicate:
		return Msg("The phone is a duplicate of line %s.", strconv.Itoa(duplicateOf))
	case OutcomeSkippedExisting:
		return Msg("Already in the campaign; left as it was (tick Override existing to update it).")
	case OutcomeSkippedOtherCampaign:
		return Msg("In another campaign; only customers in no other campaign were to be added.")
	case OutcomeInvalid:
		return Msg("Name is required for a new customer.")
	}
	if blocked {
		return Msg("Blocked: the customer asked not to be called (tick Update contact allowed date to unblock).")
	}
	return Message{}
}

// AgentRule is what an import does about the rows that give customers to
// an agent who does not work the import's campaign (an agent, not an
// admin, without the campaign among theirs: see User.WorksCampaign), under
// one agents option. Only rows whose outcome SetsAgent count; the others
// do not give the customer an agent.
type AgentRule struct {
	Mode AgentsMode
	// Grants: the agent is given the campaign, in the import's
	// transaction, so that they see the customers.
	Grants bool
	// Assigns: the customers get the agent. Otherwise the row's agent is
	// left out, as an empty cell: a new customer has no agent, an existing
	// one keeps its own.
	Assigns bool
	// Refuses: the import writes nothing, and says which agents.
	Refuses bool
	// Why is the rule in the user's words.
	Why string
}

// AgentRules holds a rule for every agents option.
var AgentRules = []AgentRule{
	{Mode: AgentsGrant, Grants: true, Assigns: true,
		Why: "Give them the campaign: the agents get the campaign and their customers; undo takes the campaign back."},
	{Mode: AgentsUnassign,
		Why: "Leave those customers unassigned: new customers get no agent, and existing ones keep their own."},
	{Mode: AgentsRefuse, Refuses: true,
		Why: "Refuse the import: nothing is written, and the agents are named."},
}

// Rule returns the agents option's rule; an unknown or empty mode is the
// default, grant.
func (m AgentsMode) Rule() AgentRule {
	for _, r := range AgentRules {
		if r.Mode == m {
			return r
		}
	}
	return AgentRules[0]
}

// AgentOutside reports whether giving a customer of the campaign to the
// user would hide it from them: an agent who does not work the campaign.
// An admin sees every campaign.
func AgentOutside(u *User, campaignID int64) bool { return !u.WorksCampaign(campaignID) }

// Message says, for people, what is wrong with the agent's customers:
// "Dana Levi does not work this campaign: 50,000 customers".
func (a ImportAgent) Message() string {
	return a.Name + " does not work this campaign: " + Count(a.Customers, "customer", "customers")
}

// Msg is Message as a catalogue message (a plural of the customers).
func (a ImportAgent) Msg() Message {
	return Msg("%s does not work this campaign: %d customers", a.Name, a.Customers)
}

// RefusalReason says why an import with these options, counts and agents
// outside its campaign writes nothing although it is not a dry run, or ""
// when it writes: invalid rows without LoadValid, and agents outside the
// campaign under Agents refuse.
func RefusalReason(o ImportOptions, c ImportCounts, outside []ImportAgent) string {
	var why []string
	if o.Agents.Rule().Refuses && len(outside) > 0 {
		msgs := make([]string, 0, min(len(outside), maxNamed))
		for i, a := range outside {
			if i == maxNamed {
				msgs[i-1] += " (and " + Count(len(outside)-maxNamed, "other agent", "other agents") + ")"
				break
			}
			msgs = append(msgs, a.Message())
		}
		why = append(why, strings.Join(msgs, "; ")+". Give them the campaign, or leave those customers unassigned.")
	}
	if c.Invalid > 0 && !o.LoadValid {
		why = append(why, Count(c.Invalid, "row is", "rows are")+" invalid: fix them, or load the valid rows only.")
	}
	return strings.Join(why, " ")
}

// RefusalMsgs is RefusalReason as catalogue messages, one sentence each,
// for the interface: their English, joined by spaces, is RefusalReason.
func RefusalMsgs(o ImportOptions, c ImportCounts, outside []ImportAgent) []Message {
	var why []Message
	if o.Agents.Rule().Refuses && len(outside) > 0 {
		named := outside[:min(len(outside), maxNamed)]
		// The agents named make a chain, each message holding the rest.
		var list Message
		for i := len(named) - 1; i >= 0; i-- {
			a := named[i]
			switch {
			case i == len(named)-1 && len(outside) > maxNamed:
				list = Msg("%s (and %d other agents)", a.Msg(), len(outside)-maxNamed)
			case i == len(named)-1:
				list = a.Msg()
			default:
				list = Msg("%s does not work this campaign: %d customers; %s", a.Name, a.Customers, list)
			}
		}
		why = append(why, Msg("%s. Give them the campaign, or leave those customers unassigned.", list))
	}
	if c.Invalid > 0 && !o.LoadValid {
		why = append(why, Msg("%d rows are invalid: fix them, or load the valid rows only.", c.Invalid))
	}
	return why
}

// maxNamed is how many agents a refusal names.
const maxNamed = 10

// RemovalMessage says, for people, which customers of other campaigns a
// row deletes: "Removed from Spring leads (customer 12)." It is RemovalMsg
// in English.
func RemovalMessage(removed []RemovedCopy) string {
	if len(removed) == 0 {
		return ""
	}
	return RemovalMsg(removed).String()
}

// RemovalMsg is RemovalMessage as a catalogue message, a zero Message for
// none. The copies make a chain, each message holding the rest.
func RemovalMsg(removed []RemovedCopy) Message {
	if len(removed) == 0 {
		return Message{}
	}
	var list Message
	for i := len(removed) - 1; i >= 0; i-- {
		r := removed[i]
		var name any = r.CampaignName
		if r.CampaignName == "" {
			name = Msg("campaign %s", strconv.FormatInt(r.CampaignID, 10))
		}
		customer := strconv.FormatInt(r.CustomerID, 10)
		if i == len(removed)-1 {
			list = Msg("%s (customer %s)", name, customer)
		} else {
			list = Msg("%s (customer %s), %s", name, customer, list)
		}
	}
	return Msg("Removed from %s.", list)
}

// Count writes n with thousands separators and the noun that fits it:
// "1 customer", "50,000 customers".
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s + " " + many
}
