package storetest_test

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// An import's file is read on a connection of its own, taken when it is
// opened: while the import holds SQLite's writer, requests waiting for the
// writer may hold every other connection, and a reader that waited for
// one of them would wait for ever (seen: a 1M-row import stuck at its
// first row while agents saved customers). On both engines.
func TestImportFileReadsOnItsOwnConnection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := storetest.NewFixture(t, db, "fileconn")
		camp := f.Campaign(t, "Leads")
		s := sqldb.NewImportStore(db)
		content := "Name,Phone\n" + strings.Repeat("Dana,052-623-4567\n", 50000)
		job := &callsheet.ImportJob{CampaignID: camp.ID, Source: "file", FileName: "leads.csv"}
		must(t, s.CreateImportJob(f.AdminCtx, job, strings.NewReader(content)))
		rc, err := s.OpenImportFile(f.AdminCtx, job.ID)
		must(t, err)

		// Every other connection of the pool is taken, as by requests
		// waiting for the writer.
		var held []*sql.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			c, err := db.SQL().Conn(ctx)
			cancel()
			if err != nil {
				break
			}
			held = append(held, c)
			if len(held) > 100 {
				t.Fatal("the pool has no limit")
			}
		}
		got := make(chan []byte, 1)
		go func() {
			b, _ := io.ReadAll(rc)
			got <- b
		}()
		select {
		case b := <-got:
			if !bytes.Equal(b, []byte(content)) {
				t.Errorf("read %d bytes of the file's %d", len(b), len(content))
			}
		case <-time.After(20 * time.Second):
			t.Fatal("the file's reader waits for a connection of the pool")
		}
		must(t, rc.Close())
		// Closed, the reader gives its connection back.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := db.SQL().Conn(ctx)
		if err != nil {
			t.Fatalf("the reader kept its connection after Close: %v", err)
		}
		c.Close()
	})
}
