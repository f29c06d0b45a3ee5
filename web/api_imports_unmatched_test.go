package web_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// The API's import object carries unmatched_columns: null until the import
// has read its file, then the file's columns no field takes, in the file's
// order, also in the list and once the file is purged; a new mapping
// forgets them until the next run. Single adds have none. The API's
// problems.csv keeps outcome codes. On both engines.
func TestAPIImportUnmatchedColumns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newAPIEnvOn(t, db, true)
		type importObj struct {
			ID               int64    `json:"id"`
			State            string   `json:"state"`
			UnmatchedColumns []string `json:"unmatched_columns"`
		}
		get := func(id int64) importObj {
			t.Helper()
			e.waitImport(id)
			var o importObj
			e.get(fmt.Sprintf("/api/imports/%d", id)).want(t, http.StatusOK).decode(t, &o)
			return o
		}
		file := "Name,Phone,City,Budget,Remarks\nAvi,052-623-4567,Haifa,5,x\nBad,050-123-4567,Eilat,1,y\n"

		// A mapping given: queued, the columns are not known yet.
		body, ct := upload(t, "leads.csv", file, map[string]string{"campaign_id": fmt.Sprint(e.camp.ID),
			"mapping": `{"name": "Name", "phone": "Phone", "note": "Remarks"}`, "dry_run": "true"})
		var created struct {
			ID               int64     `json:"id"`
			UnmatchedColumns *[]string `json:"unmatched_columns"`
		}
		e.do(call{Method: "POST", Path: "/api/imports", Body: body, ContentType: ct}).want(t, http.StatusAccepted).decode(t, &created)
		if created.UnmatchedColumns != nil {
			t.Errorf("a queued import already lists columns: %v", *created.UnmatchedColumns)
		}
		preview := get(created.ID)
		if preview.State != "done" || !reflect.DeepEqual(preview.UnmatchedColumns, []string{"City", "Budget"}) {
			t.Fatalf("previewed import %+v", preview)
		}

		// Another mapping forgets them; its run records its own.
		if _, err := e.svc.Imports.UpdateImport(e.f.AdminCtx, created.ID, callsheet.ImportJobUpdate{
			Mapping: map[string]string{"name": "Name", "phone": "Phone", "note": "Remarks", "source": "City"}}); err != nil {
			t.Fatal(err)
		}
		if job, err := e.svc.Imports.FindImport(e.f.AdminCtx, created.ID); err != nil || job.UnmatchedColumns != nil {
			t.Fatalf("a new mapping keeps the old columns: %v %v", job.UnmatchedColumns, err)
		}
		opts := callsheet.ImportOptions{LoadValid: true}
		if _, err := e.svc.Imports.UpdateImport(e.f.AdminCtx, created.ID, callsheet.ImportJobUpdate{Options: &opts, Queue: true}); err != nil {
			t.Fatal(err)
		}
		if run := get(created.ID); !reflect.DeepEqual(run.UnmatchedColumns, []string{"Budget"}) {
			t.Fatalf("run import %+v", run)
		}

		// Every column taken: an empty list, not null.
		body, ct = upload(t, "all.csv", "Name,Phone\nNoa,053-222-3333\n", map[string]string{"campaign_id": fmt.Sprint(e.camp.ID)})
		e.do(call{Method: "POST", Path: "/api/imports", Body: body, ContentType: ct}).want(t, http.StatusAccepted).decode(t, &created)
		var raw map[string]any
		e.waitImport(created.ID)
		e.get(fmt.Sprintf("/api/imports/%d", created.ID)).want(t, http.StatusOK).decode(t, &raw)
		if l, ok := raw["unmatched_columns"].([]any); !ok || len(l) != 0 {
			t.Errorf("every column taken: unmatched_columns %#v", raw["unmatched_columns"])
		}

		// A single add has no file, and no columns.
		var add struct {
			JobID int64 `json:"job_id"`
		}
		e.post("/api/customers", map[string]any{"campaign_id": e.camp.ID, "customer": map[string]any{"name": "Tal", "phone": "054-765-4321"}}).
			want(t, http.StatusCreated).decode(t, &add)
		e.get(fmt.Sprintf("/api/imports/%d", add.JobID)).want(t, http.StatusOK).decode(t, &raw)
		if v, ok := raw["unmatched_columns"]; !ok || v != nil {
			t.Errorf("a single add: unmatched_columns %#v (present %v)", v, ok)
		}

		// The list carries them, and they outlive the file.
		op := callsheet.NewOperatorContext(context.Background())
		if _, err := sqldb.NewImportStore(db).PurgeImportFiles(op, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		var list struct{ Items []importObj }
		e.get(fmt.Sprintf("/api/imports?campaign=%d", e.camp.ID)).want(t, http.StatusOK).decode(t, &list)
		found := false
		for _, it := range list.Items {
			if it.ID == preview.ID {
				found = reflect.DeepEqual(it.UnmatchedColumns, []string{"Budget"})
			}
		}
		if !found {
			t.Errorf("the list after the purge: %+v", list.Items)
		}

		// The API's problems.csv speaks in codes.
		csv := e.get(fmt.Sprintf("/api/imports/%d/problems.csv", preview.ID)).want(t, http.StatusOK).Body
		if !strings.Contains(string(csv), "\n3,invalid,") || strings.Contains(string(csv), "Invalid,") {
			t.Errorf("the API's problems.csv:\n%s", csv)
		}
	})
}
