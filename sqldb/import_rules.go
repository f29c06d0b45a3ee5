package sqldb

import (
	"strings"

	"github.com/callsheet/callsheet"
)

// The SQL of the import's outcome rules, generated from the domain's
// table (callsheet.OutcomeRules, Outcome.Effects, Outcome.Blocked) and from
// nothing else. The same text serves both engines. Outcome codes are the
// domain's constants, written as literals; no user value is ever part of
// this SQL.

// factSQL is each row fact as a condition on a row being classified: its
// columns dup_of, existing_id, other_campaign and name.
var factSQL = map[callsheet.RowFacts]string{
	callsheet.FactDuplicate:       "dup_of IS NOT NULL",
	callsheet.FactExisting:        "existing_id IS NOT NULL",
	callsheet.FactInOtherCampaign: "other_campaign",
	callsheet.FactUnnamed:         "name = ''",
}

// lit writes an outcome code as an SQL literal.
func lit(o callsheet.Outcome) string { return "'" + string(o) + "'" }

// outcomeCase is the CASE expression that gives a row its outcome under
// the options: the table's rules that apply, in order.
func outcomeCase(o callsheet.ImportOptions) string {
	var b strings.Builder
	b.WriteString("CASE")
	for _, r := range callsheet.OutcomeRulesFor(o) {
		if r.Facts == 0 {
			b.WriteString(" ELSE " + lit(r.Outcome) + " END")
			return b.String()
		}
		var conds []string
		for _, f := range callsheet.AllRowFacts {
			if r.Facts&f != 0 {
				conds = append(conds, factSQL[f])
			}
		}
		b.WriteString(" WHEN " + strings.Join(conds, " AND ") + " THEN " + lit(r.Outcome))
	}
	panic("sqldb: the outcome table has no rule that always holds")
}

// outcomeIn is a condition on the column: its outcome is one whose
// effects under the options pass the test.
func outcomeIn(col string, o callsheet.ImportOptions, test func(callsheet.OutcomeEffects) bool) string {
	list := callsheet.OutcomesWhere(o, test)
	if len(list) == 0 {
		return "FALSE"
	}
	lits := make([]string, len(list))
	for i, oc := range list {
		lits[i] = lit(oc)
	}
	return col + " IN (" + strings.Join(lits, ", ") + ")"
}

// Effects as tests, for outcomeIn.
func inserts(e callsheet.OutcomeEffects) bool       { return e.Inserts }
func updates(e callsheet.OutcomeEffects) bool       { return e.Updates }
func written(e callsheet.OutcomeEffects) bool       { return e.Inserts || e.Updates }
func inCampaign(e callsheet.OutcomeEffects) bool    { return e.InCampaign }
func takesStatus(e callsheet.OutcomeEffects) bool   { return e.TakesStatus }
func removesOthers(e callsheet.OutcomeEffects) bool { return e.RemovesOtherCopies }
func setsAgent(e callsheet.OutcomeEffects) bool     { return e.SetsAgent }

// blockedCase is the condition that a classified row (columns outcome,
// dnc_at and existing_allowed) leaves its customer blocked, as
// callsheet.Outcome.Blocked decides.
func blockedCase(o callsheet.ImportOptions, statusDoNotCall bool) string {
	if o.UpdateContactAllowed {
		return "FALSE"
	}
	cond := "dnc_at IS NOT NULL AND dnc_at > COALESCE(existing_allowed, -1)"
	if statusDoNotCall {
		cond = "(" + cond + ") OR " + outcomeIn("outcome", o, takesStatus)
	}
	return outcomeIn("outcome", o, written) + " AND (" + cond + ")"
}

// reportedCase is the condition that a classified row (columns outcome,
// blocked and other_campaign) goes in the job's report of problems, as
// callsheet.Outcome.Reported decides.
func reportedCase(o callsheet.ImportOptions) string {
	return "NOT (" + outcomeIn("outcome", o, written) + ") OR blocked OR (" + factSQL[callsheet.FactInOtherCampaign] + " AND " + outcomeIn("outcome", o, removesOthers) + ")"
}

// agentOutside is the condition that the user u (a row of users) would
// not see a customer of the campaign given as the one parameter, as
// callsheet.AgentOutside decides: an agent without the campaign.
const agentOutside = `u.role = 'agent' AND NOT EXISTS (SELECT 1 FROM campaign_agents ca WHERE ca.campaign_id = ? AND ca.user_id = u.id)`
