package importer_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// Customers being added through the API when their server dies leave a
// running job under a lease. Once the lease runs out another worker takes
// the job and ends it, failed, saying why; it does not stay running for
// ever. On both engines.
func TestDeadAddIsEnded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEngine(t, db, "orphan")
		store := sqldb.NewImportStore(db)
		t0 := time.Now()
		job := &callsheet.ImportJob{CampaignID: e.camp.ID, Source: "api", Mapping: map[string]string{"name": "name", "phone": "phone"},
			State: callsheet.ImportRunning, Single: true, Worker: "w-dead", Lease: time.Minute}
		if err := store.CreateImportJob(e.f.AdminCtx, job, nil); err != nil {
			t.Fatal(err)
		}
		// The dead server's lease has run out.
		db.Now = func() time.Time { return t0.Add(2 * time.Minute) }
		t.Cleanup(func() { db.Now = time.Now })
		e.svc.Poll = 20 * time.Millisecond
		ctx, stop := context.WithCancel(context.Background())
		e.svc.Start(ctx)
		t.Cleanup(func() { stop(); e.svc.Wait() })
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			got, err := e.svc.FindImport(e.f.AdminCtx, job.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State == callsheet.ImportFailed {
				if !strings.Contains(got.Error, "stopped before it finished") {
					t.Fatalf("ended with %q", got.Error)
				}
				return
			}
			if got.State != callsheet.ImportRunning && got.State != callsheet.ImportQueued || time.Now().After(deadline) {
				t.Fatalf("the dead add's job is %s", got.State)
			}
		}
	})
}
