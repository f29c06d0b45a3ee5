package storetest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// An invalid row's problem is kept as catalogue messages beside its
// English, and read back as the same messages, nested ones and typed
// arguments included, so that it can be shown in any language. On both
// engines.
func TestImportProblemReasons(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := storetest.NewFixture(t, db, "reasons")
		camp := f.Campaign(t, "Leads")
		s := sqldb.NewImportStore(db)
		op := callsheet.NewOperatorContext(f.AdminCtx)
		job := &callsheet.ImportJob{CampaignID: camp.ID, Source: "file", Mapping: map[string]string{"name": "Name", "phone": "Phone"}}
		must(t, s.CreateImportJob(f.AdminCtx, job, strings.NewReader("file")))
		claimed, err := s.ClaimImportJob(op, "worker", time.Minute)
		must(t, err)

		msgs := []callsheet.Message{
			callsheet.Msg("Phone %s is not a valid number for %s (the numbering plan has no such number).", "12", "IL"),
			callsheet.Msg("%s is longer than %d characters.", callsheet.Msg("Name"), 100),
		}
		english := msgs[0].String() + " " + msgs[1].String()
		rows := &storetest.RowsSource{Rows: []*callsheet.ImportRow{
			{Line: 2, Phone: p5, Name: "Five"},
			{Line: 3, Problem: &callsheet.RowProblem{Field: "phone", Column: "Phone", Message: english, Msgs: msgs}},
			{Line: 4, Problem: &callsheet.RowProblem{Field: "name", Column: "Name", Message: "An old problem."}},
		}}
		claimed.Options.LoadValid = true
		_, err = s.RunImport(f.AdminCtx, claimed, rows, false)
		must(t, err)

		probs, n, err := s.FindImportProblems(f.AdminCtx, job.ID, 0, 10)
		must(t, err)
		if n != 2 {
			t.Fatalf("%d problems, want 2: %+v", n, probs)
		}
		got := probs[0]
		if got.Line != 3 || got.Message != english || len(got.Reason) != 2 {
			t.Fatalf("line 3's problem: %+v", got)
		}
		for i, m := range got.Reason {
			if m.Key != msgs[i].Key || m.String() != msgs[i].String() {
				t.Errorf("reason %d: %q (%q), want %q", i, m.Key, m.String(), msgs[i].String())
			}
		}
		if _, ok := got.Reason[1].Args[0].(callsheet.Message); !ok {
			t.Errorf("the nested label read back as %T, want a message", got.Reason[1].Args[0])
		}
		if old := probs[1]; old.Line != 4 || old.Message != "An old problem." || len(old.Reason) != 0 {
			t.Errorf("a problem without messages: %+v", old)
		}
	})
}
