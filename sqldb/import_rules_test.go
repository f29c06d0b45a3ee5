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
// upload status; and whether the row is reported.
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
					out               callsheet.Outcome
					blocked, reported bool
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
						blocked := out.Blocked(o, callsheet.BlockFacts{CallRequestNewer: s.newer, StatusDoNotCall: dncStatus})
						wants = append(wants, want{out, blocked, out.Reported(o, f, blocked)})
					}
				}
				q := `SELECT id, outcome, CASE WHEN blocked THEN 1 ELSE 0 END, CASE WHEN ` + sqldb.ReportedCase(o) + ` THEN 1 ELSE 0 END
					FROM (SELECT y.*, CASE WHEN ` + sqldb.BlockedCase(o, dncStatus) + ` THEN TRUE ELSE FALSE END AS blocked
						FROM (SELECT x.*, ` + sqldb.OutcomeCase(o) + ` AS outcome FROM (` + strings.Join(rows, " UNION ALL ") + `) x) y) z ORDER BY id`
				res, err := db.SQL().QueryContext(context.Background(), q)
				if err != nil {
					t.Fatalf("%v\n%s", err, q)
				}
				for res.Next() {
					var id, blocked, reported int
					var out string
					if err := res.Scan(&id, &out, &blocked, &reported); err != nil {
						t.Fatal(err)
					}
					w := wants[id]
					if callsheet.Outcome(out) != w.out || (blocked == 1) != w.blocked || (reported == 1) != w.reported {
						t.Errorf("%+v, do-not-call status %v, row %d: SQL says %s blocked %v reported %v, the table %s blocked %v reported %v",
							o, dncStatus, id, out, blocked == 1, reported == 1, w.out, w.blocked, w.reported)
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

// Each effect the store turns into SQL selects, on both engines, exactly
// the outcomes whose effects have it, under every option set.
func TestEffectSQLMatchesTable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		var rows []string
		for _, out := range callsheet.Outcomes {
			rows = append(rows, "SELECT '"+string(out)+"' AS outcome")
		}
		values := strings.Join(rows, " UNION ALL ")
		for _, o := range allOptions() {
			for name, test := range sqldb.EffectTests {
				res, err := db.SQL().QueryContext(context.Background(), `SELECT outcome FROM (`+values+`) x WHERE `+sqldb.OutcomeIn("outcome", o, test)+` ORDER BY outcome`)
				if err != nil {
					t.Fatal(err)
				}
				got := map[callsheet.Outcome]bool{}
				for res.Next() {
					var out string
					if err := res.Scan(&out); err != nil {
						t.Fatal(err)
					}
					got[callsheet.Outcome(out)] = true
				}
				res.Close()
				for _, out := range callsheet.Outcomes {
					if got[out] != test(out.Effects(o)) {
						t.Errorf("%+v, %s: SQL says %s %v", o, name, out, got[out])
					}
				}
			}
		}
	})
}

// The SQL of an agent outside the campaign says what callsheet.AgentOutside
// says, on both engines: of an admin, an agent who works the campaign, one
// who works only another, and one who works none.
func TestAgentOutsideSQL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := storetest.NewFixture(t, db, "agent-outside-sql")
		here, there := f.Campaign(t, "Here"), f.Campaign(t, "There")
		users := []*callsheet.User{f.Admin, f.Agent(t, "Works here", false, here.ID, there.ID), f.Agent(t, "Works there", false, there.ID), f.Agent(t, "Works none", false)}
		for _, u := range users {
			var n int
			err := db.SQL().QueryRowContext(context.Background(), rebind(db, `SELECT count(*) FROM users u WHERE u.id = ? AND `+sqldb.AgentOutside), u.ID, here.ID).Scan(&n)
			if err != nil {
				t.Fatal(err)
			}
			if want := callsheet.AgentOutside(u, here.ID); (n == 1) != want {
				t.Errorf("%s: SQL says outside %v, the domain %v", u.Name, n == 1, want)
			}
		}
	})
}

// rebind writes ? as $n for PostgreSQL.
func rebind(db *sqldb.DB, q string) string {
	if db.Engine() != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
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
