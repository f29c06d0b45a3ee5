package sqldb

import "github.com/callsheet/callsheet"

// More of the generated SQL of the import rules, for the tests that check
// it against the domain on both engines.
var (
	ReportedCase = reportedCase
	AgentOutside = agentOutside
)

// EffectTests are the effects the store turns into SQL, by name.
var EffectTests = map[string]func(callsheet.OutcomeEffects) bool{
	"inserts": inserts, "updates": updates, "written": written, "in campaign": inCampaign,
	"takes status": takesStatus, "removes others": removesOthers, "sets agent": setsAgent,
}

// OutcomeIn is outcomeIn.
func OutcomeIn(col string, o callsheet.ImportOptions, test func(callsheet.OutcomeEffects) bool) string {
	return outcomeIn(col, o, test)
}
