package storetest_test

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// TestSavedMappings: a mapping is remembered per account by the file's
// set of columns, found again whatever their order and spelling, replaced
// by the next one saved for those columns, and kept from other accounts
// and from agents.
func TestSavedMappings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		var mu sync.Mutex
		clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			clock = clock.Add(time.Minute)
			return clock
		}
		s := sqldb.NewMappingService(db)
		a := storetest.NewFixture(t, db, "alpha")
		b := storetest.NewFixture(t, db, "beta")
		cols := []string{"שם", "טלפון", "סוכן", "עיר"}
		first := map[string]string{"name": "שם", "phone": "טלפון"}

		t.Run("not found before it is saved", func(t *testing.T) {
			_, err := s.FindMappingByColumns(a.AdminCtx, cols)
			wantCode(t, err, callsheet.ENOTFOUND)
		})
		t.Run("saved and found by the set of columns", func(t *testing.T) {
			must(t, s.SaveMapping(a.AdminCtx, &callsheet.SavedMapping{Columns: cols, Mapping: first}))
			for _, again := range [][]string{cols, {"עיר", "סוכן", "טלפון", "שם"}, {"שֵׁם", "טלפון", " סוכן", "עיר"}} {
				got, err := s.FindMappingByColumns(a.AdminCtx, again)
				must(t, err)
				if !reflect.DeepEqual(got.Mapping, first) || !reflect.DeepEqual(got.Columns, cols) {
					t.Fatalf("found %+v for %q", got, again)
				}
				if got.SavedBy != a.Admin.Name || got.SavedAt.IsZero() || got.AccountID != a.Account.ID {
					t.Fatalf("found %+v", got)
				}
			}
			_, err := s.FindMappingByColumns(a.AdminCtx, cols[:3])
			wantCode(t, err, callsheet.ENOTFOUND)
			_, err = s.FindMappingByColumns(a.AdminCtx, append([]string{"תקציב"}, cols...))
			wantCode(t, err, callsheet.ENOTFOUND)
		})
		t.Run("the next choice replaces it", func(t *testing.T) {
			before, err := s.FindMappingByColumns(a.AdminCtx, cols)
			must(t, err)
			next := map[string]string{"name": "שם", "phone": "טלפון", "agent": "סוכן"}
			must(t, s.SaveMapping(a.AdminCtx, &callsheet.SavedMapping{Columns: cols, Mapping: next}))
			got, err := s.FindMappingByColumns(a.AdminCtx, cols)
			must(t, err)
			if !reflect.DeepEqual(got.Mapping, next) || !got.SavedAt.After(before.SavedAt) {
				t.Fatalf("after saving again: %+v (before %v)", got, before.SavedAt)
			}
		})
		t.Run("other accounts do not see it", func(t *testing.T) {
			_, err := s.FindMappingByColumns(b.AdminCtx, cols)
			wantCode(t, err, callsheet.ENOTFOUND)
			theirs := map[string]string{"phone": "טלפון"}
			must(t, s.SaveMapping(b.AdminCtx, &callsheet.SavedMapping{Columns: cols, Mapping: theirs}))
			got, err := s.FindMappingByColumns(a.AdminCtx, cols)
			must(t, err)
			if _, ok := got.Mapping["agent"]; !ok {
				t.Fatalf("another account's save changed this one's: %v", got.Mapping)
			}
		})
		t.Run("agents may not", func(t *testing.T) {
			camp := a.Campaign(t, "Spring")
			agent := a.Agent(t, "Dana", true, camp.ID)
			_, err := s.FindMappingByColumns(a.As(agent), cols)
			wantCode(t, err, callsheet.EFORBIDDEN)
			err = s.SaveMapping(a.As(agent), &callsheet.SavedMapping{Columns: cols, Mapping: first})
			wantCode(t, err, callsheet.EFORBIDDEN)
		})
		t.Run("a mapping must name the file's columns", func(t *testing.T) {
			err := s.SaveMapping(a.AdminCtx, &callsheet.SavedMapping{Columns: cols, Mapping: map[string]string{"phone": "Phone"}})
			wantCode(t, err, callsheet.EINVALID)
			err = s.SaveMapping(a.AdminCtx, &callsheet.SavedMapping{Mapping: map[string]string{}})
			wantCode(t, err, callsheet.EINVALID)
		})
		t.Run("an account keeps the newest", func(t *testing.T) {
			s := sqldb.NewMappingService(db)
			s.Keep = 3
			c := storetest.NewFixture(t, db, "gamma")
			for i := 0; i < 5; i++ {
				col := fmt.Sprintf("Column %d", i)
				must(t, s.SaveMapping(c.AdminCtx, &callsheet.SavedMapping{Columns: []string{"Phone", col}, Mapping: map[string]string{"phone": "Phone"}}))
			}
			for i := 0; i < 5; i++ {
				_, err := s.FindMappingByColumns(c.AdminCtx, []string{"Phone", fmt.Sprintf("Column %d", i)})
				if i < 2 {
					wantCode(t, err, callsheet.ENOTFOUND)
				} else {
					must(t, err)
				}
			}
			// Other accounts keep theirs.
			if _, err := s.FindMappingByColumns(a.AdminCtx, cols); err != nil {
				t.Fatalf("another account's mapping was forgotten: %v", err)
			}
		})
	})
}
