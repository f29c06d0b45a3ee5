package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/internal/app"
	"github.com/callsheet/callsheet/sqldb/storetest"
	"github.com/callsheet/callsheet/web"
)

// Once an import has read its file, its page stops saying "99%, N rows
// read": while it writes in steps (SQLite) it says how many rows it has
// written, and the bar follows them.
func TestImportProgressWhileWriting(t *testing.T) {
	db := storetest.MustOpenDB(t, "sqlite")
	db.ImportStepRows = 40
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := app.Services(db, logger)
	a := app.Of(svc)
	// Hold the import after its first step, until the pages are read.
	stepped, release := make(chan int, 1), make(chan struct{})
	tell := a.ImportStore.Stepped
	var once sync.Once
	a.ImportStore.Stepped = func(jobID int64, rows int) {
		tell(jobID, rows)
		once.Do(func() {
			stepped <- rows
			<-release
		})
	}
	ts := httptest.NewServer(web.NewServer(svc, logger).Handler())
	t.Cleanup(ts.Close)
	f := storetest.NewFixture(t, db, "acme")
	camp := f.Campaign(t, "Spring")

	const rows = 200
	var b strings.Builder
	b.WriteString("Name,Phone\n")
	for i := range rows {
		fmt.Fprintf(&b, "Lead %d,053-%07d\n", i, 4000000+i)
	}
	job := &callsheet.ImportJob{CampaignID: camp.ID, FileName: "leads.csv", State: callsheet.ImportQueued,
		Mapping: map[string]string{callsheet.FieldName: "Name", callsheet.FieldPhone: "Phone"}}
	if err := svc.Imports.CreateImport(f.AdminCtx, job, strings.NewReader(b.String())); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, ts.URL)
	c.login(f.Admin.Login, storetest.Password)
	progress := func() (p struct {
		Phase         string
		Rows, Written int
		Percent       int
		Done          bool
	}) {
		t.Helper()
		code, body := c.get(fmt.Sprintf("/imports/%d/progress", job.ID))
		if code != http.StatusOK {
			t.Fatalf("progress: %d", code)
		}
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p := progress(); p.Phase != "queued" {
		t.Fatalf("a queued import's phase: %q", p.Phase)
	}

	ctx, cancel := context.WithCancel(context.Background())
	imp := app.Importer(svc)
	imp.Poll = 20 * time.Millisecond
	imp.Start(ctx)
	defer imp.Wait()
	defer cancel()
	var released sync.Once
	let := func() { released.Do(func() { close(release) }) }
	defer let() // a failing test does not hold the import for ever
	var written int
	select {
	case written = <-stepped:
	case <-time.After(30 * time.Second):
		t.Fatal("the import wrote no step")
	}
	p := progress()
	if p.Phase != "writing" || p.Written != written || p.Rows != rows || p.Percent != written*100/rows || p.Done {
		t.Errorf("progress after a step of %d rows: %+v", written, p)
	}
	code, page := c.get(fmt.Sprintf("/imports/%d", job.ID))
	if code != http.StatusOK || !strings.Contains(page, fmt.Sprintf("Writing: <bdi>%d</bdi> rows so far", written)) ||
		!strings.Contains(page, fmt.Sprintf(`value="%d"`, written*100/rows)) {
		t.Errorf("the page after a step of %d rows (%d) does not say so", written, code)
	}
	// The status its customers get is said to be an option of the import,
	// not the import's own state ("Status Waiting" beside "Writing").
	if !strings.Contains(page, "Options: status <b><bdi>") {
		t.Error("the page does not say the customers' status is an option")
	}
	let()
	for deadline := time.Now().Add(30 * time.Second); !progress().Done; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the import did not end")
		}
	}
	if p := progress(); p.Percent != 100 {
		t.Errorf("a finished import's progress: %+v", p)
	}
}

func TestImportPhase(t *testing.T) {
	for _, c := range []struct {
		job  callsheet.ImportJob
		want string
	}{
		{callsheet.ImportJob{State: callsheet.ImportQueued}, "queued"},
		{callsheet.ImportJob{State: callsheet.ImportRunning, RowsRead: 10}, "reading"},
		{callsheet.ImportJob{State: callsheet.ImportRunning, RowsRead: 10, ReadAll: true}, "checking"},
		{callsheet.ImportJob{State: callsheet.ImportRunning, RowsRead: 10, ReadAll: true, RowsWritten: 4}, "writing"},
		{callsheet.ImportJob{State: callsheet.ImportDone, ReadAll: true, RowsWritten: 4}, "done"},
	} {
		if got := web.ImportPhase(&c.job); got != c.want {
			t.Errorf("%+v: %q, want %q", c.job, got, c.want)
		}
	}
}
