package importer_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// Cancelling an import that is running answers once the worker has rolled
// it back and recorded the cancel: the answer is the cancelled job, and
// nothing of the import is written. On both engines.
func TestCancelRunningImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEngine(t, db, "cancel")
		path := filepath.Join(t.TempDir(), "big.csv")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriter(f)
		fmt.Fprintln(w, "Name,Phone")
		for i := 0; i < 200000; i++ {
			fmt.Fprintf(w, "Lead %d,052-%07d\n", i, 2000000+i)
		}
		w.Flush()
		f.Close()
		fh, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		job := &callsheet.ImportJob{CampaignID: e.camp.ID, FileName: "big.csv", Mapping: map[string]string{"name": "Name", "phone": "Phone"}, State: callsheet.ImportQueued}
		if err := e.svc.CreateImport(e.f.AdminCtx, job, fh); err != nil {
			t.Fatal(err)
		}
		fh.Close()

		e.svc.Poll = 20 * time.Millisecond
		ctx, stop := context.WithCancel(context.Background())
		e.svc.Start(ctx)
		t.Cleanup(func() { stop(); e.svc.Wait() })

		// Wait until the worker is well into the file.
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
			j, err := e.svc.FindImport(e.f.AdminCtx, job.ID)
			if err != nil {
				t.Fatal(err)
			}
			if j.State == callsheet.ImportRunning && j.RowsRead > 1000 {
				break
			}
			if j.State != callsheet.ImportQueued && j.State != callsheet.ImportRunning || time.Now().After(deadline) {
				t.Fatalf("the import did not get going: %s, %d rows", j.State, j.RowsRead)
			}
		}
		cctx, cancel := context.WithTimeout(e.f.AdminCtx, 30*time.Second)
		defer cancel()
		got, err := e.svc.CancelImport(cctx, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != callsheet.ImportCancelled {
			t.Fatalf("the answer is a %s job, want cancelled", got.State)
		}
		_, n, err := sqldb.NewCustomerService(db).FindCustomers(e.f.AdminCtx, callsheet.CustomerFilter{CampaignID: &e.camp.ID, Limit: 1})
		if err != nil || n != 0 {
			t.Fatalf("%d customers written (%v)", n, err)
		}
	})
}
