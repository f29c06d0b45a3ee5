package importer_test

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// The problem report for people gives each outcome in the pages' words, as
// what would have happened for an import that wrote nothing and as what
// happened for one that wrote; the report for programs keeps the API's
// codes. On both engines.
func TestProblemReportWords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEngine(t, db, "words-"+db.Engine())
		e.f.Customer(t, e.camp.ID, "Here already", "+972526234567")
		if _, err := sqldb.NewDoNotCallService(db).AddDoNotCall(e.f.AdminCtx, "+972526234599", "asked"); err != nil {
			t.Fatal(err)
		}
		file := "name,phone\nHere already,052-623-4567\nNew,052-623-4568\nAgain,052-623-4568\nBad,050-123-4567\nQuiet,052-623-4599\n"
		mapping := map[string]string{"name": "name", "phone": "phone"}
		report := func(job *callsheet.ImportJob, reader callsheet.ReportReader) [][]string {
			t.Helper()
			var b bytes.Buffer
			if err := e.svc.WriteProblemReport(e.f.AdminCtx, job.ID, reader, &b); err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(&b).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			out := make([][]string, 0, len(recs))
			for _, r := range recs[1:] {
				out = append(out, r[:3]) // line, outcome, reason
			}
			return out
		}
		outcomes := func(recs [][]string) []string {
			var o []string
			for _, r := range recs {
				o = append(o, r[0]+" "+r[1])
			}
			return o
		}

		// Refused for its invalid row: what would have happened.
		refused := &callsheet.ImportJob{CampaignID: e.camp.ID, FileName: "words.csv", Mapping: mapping}
		res, err := e.svc.RunNow(e.f.AdminCtx, refused, strings.NewReader(file), nil)
		if err != nil || res.Applied {
			t.Fatalf("refused run: %+v %v", res, err)
		}
		people := report(refused, callsheet.ReportForPeople)
		want := []string{"2 Already here, would be skipped", "4 Duplicate in the file", "5 Invalid", "6 Would add"}
		if got := outcomes(people); !reflect.DeepEqual(got, want) {
			t.Errorf("refused, for people: %q, want %q", got, want)
		}
		if r := people[len(people)-1][2]; !strings.HasPrefix(r, "Would be added, but blocked") {
			t.Errorf("a blocked row of a refused import reads %q", r)
		}
		codes := outcomes(report(refused, callsheet.ReportForPrograms))
		if want := []string{"2 skipped_existing", "4 duplicate_in_file", "5 invalid", "6 added"}; !reflect.DeepEqual(codes, want) {
			t.Errorf("refused, for programs: %q, want %q", codes, want)
		}

		// Applied, with the valid rows loaded: what happened.
		applied := &callsheet.ImportJob{CampaignID: e.camp.ID, FileName: "words.csv", Mapping: mapping,
			Options: callsheet.ImportOptions{LoadValid: true}}
		if res, err := e.svc.RunNow(e.f.AdminCtx, applied, strings.NewReader(file), nil); err != nil || !res.Applied {
			t.Fatalf("applied run: %+v %v", res, err)
		}
		people = report(applied, callsheet.ReportForPeople)
		want = []string{"2 Already here, skipped", "4 Duplicate in the file", "5 Invalid", "6 Added"}
		if got := outcomes(people); !reflect.DeepEqual(got, want) {
			t.Errorf("applied, for people: %q, want %q", got, want)
		}
		if r := people[len(people)-1][2]; !strings.HasPrefix(r, "Added, but blocked") {
			t.Errorf("a blocked row of an applied import reads %q", r)
		}
		for _, r := range people {
			for _, code := range []string{"skipped_existing", "duplicate_in_file"} {
				if strings.Contains(strings.Join(r, ","), code) {
					t.Errorf("the report for people says %q: %q", code, r)
				}
			}
		}
	})
}
