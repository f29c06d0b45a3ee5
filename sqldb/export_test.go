package sqldb

// The generated SQL of the outcome rules, for the test that checks it
// against the domain's table on both engines.
var (
	OutcomeCase = outcomeCase
	BlockedCase = blockedCase
)
