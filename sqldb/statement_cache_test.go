package sqldb_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// Paging numbers and an import's clock are parameters, not text: a
// thousand different pages and a hundred imports (each at its own time,
// with every option) add only a handful of statements to the cache of
// rewritten queries, which would otherwise grow for the process's life.
func TestStatementCacheStaysSmall(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := storetest.NewFixture(t, db, "acme")
		camp := f.Campaign(t, "Leads")
		store := sqldb.NewImportStore(db)
		customers := sqldb.NewCustomerService(db)
		importOnce := func(i int) {
			o := allOptions()[i%24]
			job := &callsheet.ImportJob{CampaignID: camp.ID, Source: "file", Options: o, State: callsheet.ImportRunning,
				Mapping: map[string]string{"name": "Name", "phone": "Phone", "note": "Note"}}
			if err := store.CreateImportJob(f.AdminCtx, job, strings.NewReader("file")); err != nil {
				t.Fatal(err)
			}
			rows := []*callsheet.ImportRow{
				{Line: 2, Phone: fmt.Sprintf("+97252%07d", 1000000+i%50), Name: "Noa", Note: "n"},
				{Line: 3, Phone: fmt.Sprintf("+97252%07d", 2000000+i), Name: "Avi"},
			}
			if _, err := store.RunImport(f.AdminCtx, job, &storetest.RowsSource{Rows: rows}, true); err != nil {
				t.Fatal(err)
			}
		}
		// Warm up: every statement the paths below use is cached once.
		for i := 0; i < 24; i++ {
			importOnce(i)
		}
		if _, _, err := customers.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{Limit: 5, Offset: 5}); err != nil {
			t.Fatal(err)
		}
		before := db.StatementCacheLen()

		start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		for i := 0; i < 100; i++ {
			db.Now = func() time.Time { return start.Add(time.Duration(i) * time.Minute) }
			importOnce(24 + i)
		}
		db.Now = time.Now
		for i := 1; i <= 1000; i++ {
			if _, _, err := customers.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{Limit: 1 + i%50, Offset: i}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := store.FindImportRows(f.AdminCtx, int64(1+i%24), i%7, 1+i%9); err != nil && callsheet.ErrorCode(err) != callsheet.ENOTFOUND {
				t.Fatal(err)
			}
		}
		if after := db.StatementCacheLen(); after > before+10 {
			t.Fatalf("the statement cache grew from %d to %d", before, after)
		}
	})
}
