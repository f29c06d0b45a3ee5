package sqldb_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// The SQL generated from the outcome table decides exactly as the table
// does in Go, on both engines: every combination of the 24 option sets,
// the 16 sets of row facts, four do-not-call situations and both kinds of
// upload status.
func TestOutcomeSQLMatchesTable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		type situation struct {
			dncAt, allowed string // SQL literals
			newer          bool
		}
		situations := []situation{
			{"CAST(NULL AS BIGINT)", "CAST(NULL AS BIGINT)", false},
			{"CAST(5 AS BIGINT)", "CAST(NULL AS BIGINT)", true},
			{"CAST(5 AS BIGINT)", "CAST(10 AS BIGINT)", false},
			{"CAST(10 AS BIGINT)", "CAST(5 AS BIGINT)", true},
		}
		checked := 0
		for _, o := range allOptions() {
			for _, dncStatus := range []bool{false, true} {
				type want struct {
					out     callsheet.Outcome
					blocked bool
				}
				var rows []string
				var wants []want
				for f := callsheet.RowFacts(0); f < 16; f++ {
					for _, s := range situations {
						lit := func(fact callsheet.RowFacts, yes, no string) string {
							if f&fact != 0 {
								return yes
							}
							return no
						}
						rows = append(rows, fmt.Sprintf(`SELECT %d AS id, %s AS dup_of, %s AS existing_id, %s AS other_campaign, %s AS name, %s AS dnc_at, %s AS existing_allowed`,
							len(rows), lit(callsheet.FactDuplicate, "CAST(1 AS BIGINT)", "CAST(NULL AS BIGINT)"),
							lit(callsheet.FactExisting, "CAST(7 AS BIGINT)", "CAST(NULL AS BIGINT)"),
							lit(callsheet.FactInOtherCampaign, "TRUE", "FALSE"), lit(callsheet.FactUnnamed, "''", "'Noa'"), s.dncAt, s.allowed))
						out := callsheet.DecideOutcome(o, f)
						wants = append(wants, want{out, out.Blocked(o, callsheet.BlockFacts{CallRequestNewer: s.newer, StatusDoNotCall: dncStatus})})
					}
				}
				q := `SELECT id, outcome, CASE WHEN ` + sqldb.BlockedCase(o, dncStatus) + ` THEN 1 ELSE 0 END
					FROM (SELECT x.*, ` + sqldb.OutcomeCase(o) + ` AS outcome FROM (` + strings.Join(rows, " UNION ALL ") + `) x) y ORDER BY id`
				res, err := db.SQL().QueryContext(context.Background(), q)
				if err != nil {
					t.Fatalf("%v\n%s", err, q)
				}
				for res.Next() {
					var id, blocked int
					var out string
					if err := res.Scan(&id, &out, &blocked); err != nil {
						t.Fatal(err)
					}
					w := wants[id]
					if callsheet.Outcome(out) != w.out || (blocked == 1) != w.blocked {
						t.Errorf("%+v, do-not-call status %v, row %d: SQL says %s blocked %v, the table %s blocked %v", o, dncStatus, id, out, blocked == 1, w.out, w.blocked)
					}
					checked++
				}
				if err := res.Err(); err != nil {
					t.Fatal(err)
				}
				res.Close()
			}
		}
		if want := 24 * 2 * 16 * len(situations); checked != want {
			t.Fatalf("checked %d rows, want %d", checked, want)
		}
	})
}

// allOptions is every combination of the options that decide outcomes.
func allOptions() []callsheet.ImportOptions {
	var out []callsheet.ImportOptions
	for _, u := range []callsheet.UniqueMode{callsheet.UniqueAny, callsheet.UniqueMove, callsheet.UniqueOnlyNew} {
		for i := 0; i < 8; i++ {
			out = append(out, callsheet.ImportOptions{Override: i&1 != 0, Reset: i&2 != 0, UpdateContactAllowed: i&4 != 0, Unique: u})
		}
	}
	return out
}
