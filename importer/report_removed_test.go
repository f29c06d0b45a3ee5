package importer_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// A file run through the engine says, in its result, its job and its
// problem report, which customers it removed from other campaigns and
// which agents it gave the campaign; under refuse it writes nothing and
// says why. On both engines.
func TestFileRemovalsAndAgents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEngine(t, db, "removals-"+db.Engine())
		spring := e.f.Campaign(t, "Spring leads")
		old := e.f.Customer(t, spring.ID, "Dana before", "+972526234567")
		file := "name,phone,agent\nDana,052-623-4567,Yossi\nNoa,053-222-3333,\n"
		mapping := map[string]string{"name": "name", "phone": "phone", "agent": "agent"}

		job := &callsheet.ImportJob{CampaignID: e.camp.ID, FileName: "move.csv", Mapping: mapping,
			Options: callsheet.ImportOptions{Unique: callsheet.UniqueMove}}
		res, err := e.svc.RunNow(e.f.AdminCtx, job, strings.NewReader(file), nil)
		if err != nil {
			t.Fatal(err)
		}
		yossi := res.AgentsGranted
		if !res.Applied || res.Counts.Moved != 1 || res.Counts.RemovedElsewhere != 1 || len(yossi) != 1 || yossi[0].Name != "Yossi" || yossi[0].Customers != 1 {
			t.Fatalf("result %+v", res)
		}
		if want := []callsheet.CampaignCount{{ID: spring.ID, Name: "Spring leads", Customers: 1}}; !reflect.DeepEqual(res.RemovedFrom, want) {
			t.Errorf("removed from %+v", res.RemovedFrom)
		}
		var report bytes.Buffer
		if err := e.svc.WriteProblemReport(e.f.AdminCtx, job.ID, callsheet.ReportForPrograms, &report); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&report).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want := [][]string{{"line", "outcome", "reason", "name", "phone", "agent"},
			{"2", "moved", fmt.Sprintf("Removed from Spring leads (customer %d).", old.ID), "Dana", "052-623-4567", "Yossi"}}
		if !reflect.DeepEqual(recs, want) {
			t.Errorf("report %q, want %q", recs, want)
		}

		// Refused: another campaign, which Yossi does not work either.
		other := e.f.Campaign(t, "Autumn")
		job = &callsheet.ImportJob{CampaignID: other.ID, FileName: "refuse.csv", Mapping: mapping,
			Options: callsheet.ImportOptions{Agents: callsheet.AgentsRefuse}}
		res, err = e.svc.RunNow(e.f.AdminCtx, job, strings.NewReader(file), nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Applied || !strings.HasPrefix(res.Refused, "Yossi does not work this campaign: 1 customer.") {
			t.Fatalf("refuse: applied %v, refused %q", res.Applied, res.Refused)
		}
		stored, err := e.svc.FindImport(e.f.AdminCtx, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Refused != res.Refused || stored.Counts.Added != 2 || len(stored.AgentsOutside) != 1 {
			t.Errorf("stored %+v", stored)
		}
	})
}
