package storetest_test

import (
	"context"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// TestImportAgain: an import refused for its invalid rows runs again from
// its stored file, as a new queued import with the same file and mapping
// and the options given; only an import that wrote nothing may, only in
// its own account, and only while its file is kept.
func TestImportAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := storetest.NewFixture(t, db, "again")
		other := storetest.NewFixture(t, db, "again-other")
		camp := f.Campaign(t, "Spring")
		s := sqldb.NewImportStore(db)
		s.ChunkSize = 5 // several chunks, to copy in order
		content := "Name,Phone\nDana,052-623-4567\nBad,123\n"
		mapping := map[string]string{"name": "Name", "phone": "Phone"}
		rows := func() callsheet.ImportSource {
			return &storetest.RowsSource{Rows: []*callsheet.ImportRow{
				{Line: 2, Name: "Dana", Phone: "+972526234567"},
				{Line: 3, Problem: &callsheet.RowProblem{Field: "phone", Column: "Phone", Message: "Phone \"123\" is not a valid number for IL."}},
			}}
		}
		refused := &callsheet.ImportJob{CampaignID: camp.ID, Source: "file", FileName: "leads.csv", Encoding: "utf-8",
			Mapping: mapping, Options: callsheet.ImportOptions{Override: true}, State: callsheet.ImportRunning}
		must(t, s.CreateImportJob(f.AdminCtx, refused, strings.NewReader(content)))
		res, err := s.RunImport(f.AdminCtx, refused, rows(), false)
		must(t, err)
		if res.Applied {
			t.Fatal("an import with an invalid row was applied")
		}
		refused, err = s.FindImportJobByID(f.AdminCtx, refused.ID)
		must(t, err)

		t.Run("other accounts and agents may not", func(t *testing.T) {
			_, err := s.ImportAgain(other.AdminCtx, refused.ID, callsheet.ImportOptions{LoadValid: true})
			wantCode(t, err, callsheet.ENOTFOUND)
			agent := f.Agent(t, "Dana agent", true, camp.ID)
			_, err = s.ImportAgain(f.As(agent), refused.ID, callsheet.ImportOptions{LoadValid: true})
			wantCode(t, err, callsheet.EFORBIDDEN)
			_, err = s.ImportAgain(f.AdminCtx, refused.ID, callsheet.ImportOptions{LoadValid: true, StatusID: other.Initial.ID})
			wantCode(t, err, callsheet.ENOTFOUND)
		})

		var again *callsheet.ImportJob
		t.Run("a refused import runs again from its file", func(t *testing.T) {
			opts := refused.Options
			opts.LoadValid = true
			again, err = s.ImportAgain(f.AdminCtx, refused.ID, opts)
			must(t, err)
			if again.ID == refused.ID || again.State != callsheet.ImportQueued || again.CampaignID != camp.ID || again.FileName != "leads.csv" ||
				again.Encoding != "utf-8" || again.FileSize != int64(len(content)) || !reflect.DeepEqual(again.Mapping, mapping) ||
				!again.Options.LoadValid || !again.Options.Override || again.Options.StatusID != f.Initial.ID || again.Applied {
				t.Fatalf("again: %+v", again)
			}
			rc, err := s.OpenImportFile(f.AdminCtx, again.ID)
			must(t, err)
			back, _ := io.ReadAll(rc)
			if string(back) != content {
				t.Fatalf("the file came back as %q", back)
			}
			// The refused import stays as it was, in the history.
			got, err := s.FindImportJobByID(f.AdminCtx, refused.ID)
			must(t, err)
			if got.State != callsheet.ImportDone || got.Applied || got.Counts != refused.Counts {
				t.Fatalf("the refused import changed: %+v", got)
			}
			// The copy runs like any import, and loads the valid row.
			op := callsheet.NewOperatorContext(context.Background())
			claimed, err := s.ClaimImportJob(op, "w", time.Minute)
			must(t, err)
			if claimed.ID != again.ID {
				t.Fatalf("claimed %d, want %d", claimed.ID, again.ID)
			}
			res, err := s.RunImport(f.AdminCtx, claimed, rows(), false)
			must(t, err)
			if !res.Applied || res.Counts.Added != 1 || res.Counts.Invalid != 1 {
				t.Fatalf("run again: %+v", res)
			}
		})
		t.Run("only an import that wrote nothing", func(t *testing.T) {
			_, err := s.ImportAgain(f.AdminCtx, again.ID, callsheet.ImportOptions{LoadValid: true})
			wantCode(t, err, callsheet.ECONFLICT)
			draft := &callsheet.ImportJob{CampaignID: camp.ID, Source: "file", FileName: "d.csv", State: callsheet.ImportDraft}
			must(t, s.CreateImportJob(f.AdminCtx, draft, strings.NewReader(content)))
			_, err = s.ImportAgain(f.AdminCtx, draft.ID, callsheet.ImportOptions{})
			wantCode(t, err, callsheet.ECONFLICT)
			_, err = s.ImportAgain(f.AdminCtx, 1<<40, callsheet.ImportOptions{})
			wantCode(t, err, callsheet.ENOTFOUND)
		})
		t.Run("a cancelled import may run again", func(t *testing.T) {
			queued := &callsheet.ImportJob{CampaignID: camp.ID, Source: "file", FileName: "q.csv", Mapping: mapping}
			must(t, s.CreateImportJob(f.AdminCtx, queued, strings.NewReader(content)))
			_, err := s.CancelImportJob(f.AdminCtx, queued.ID)
			must(t, err)
			j, err := s.ImportAgain(f.AdminCtx, queued.ID, callsheet.ImportOptions{})
			must(t, err)
			if j.State != callsheet.ImportQueued {
				t.Fatalf("again: %+v", j)
			}
			_, err = s.CancelImportJob(f.AdminCtx, j.ID)
			must(t, err)
		})
		t.Run("not once its file is purged", func(t *testing.T) {
			op := callsheet.NewOperatorContext(context.Background())
			_, err := s.PurgeImportFiles(op, time.Now().Add(time.Hour))
			must(t, err)
			_, err = s.ImportAgain(f.AdminCtx, refused.ID, callsheet.ImportOptions{LoadValid: true})
			wantCode(t, err, callsheet.ECONFLICT)
			if !strings.Contains(callsheet.ErrorMessage(err), "upload it again") {
				t.Fatalf("message: %v", err)
			}
		})
	})
}
