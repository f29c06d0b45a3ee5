package storetest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

func TestAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewAccountService(db)
		op := callsheet.NewOperatorContext(context.Background())

		t.Run("create needs the operator", func(t *testing.T) {
			f := storetest.NewFixture(t, db, "acme")
			err := s.CreateAccount(f.AdminCtx, &callsheet.Account{Name: "other", Country: "IL", TimeZone: "Asia/Jerusalem"})
			wantCode(t, err, callsheet.EFORBIDDEN)
		})
		t.Run("new account gets the default statuses", func(t *testing.T) {
			f := storetest.NewFixture(t, db, "defaults")
			sts, n, err := sqldb.NewStatusService(db).FindStatuses(f.AdminCtx, callsheet.StatusFilter{})
			must(t, err)
			if n != 5 {
				t.Fatalf("got %d statuses, want 5", n)
			}
			want := callsheet.DefaultStatuses("en")
			for i, st := range sts {
				if st.Name != want[i].Name || st.Kind != want[i].Kind {
					t.Errorf("status %d = %s/%s, want %s/%s", i, st.Name, st.Kind, want[i].Name, want[i].Kind)
				}
			}
			if want[0].Name != "Waiting" {
				t.Errorf("the first English status is %q", want[0].Name)
			}
		})
		t.Run("an IL account speaks Hebrew, with Hebrew statuses", func(t *testing.T) {
			a := &callsheet.Account{Name: "חברה", Country: "IL", TimeZone: "Asia/Jerusalem"}
			must(t, s.CreateAccount(op, a))
			if a.Language != "he" {
				t.Errorf("an IL account's language is %q, want he", a.Language)
			}
			us := &callsheet.Account{Name: "Company", Country: "US", TimeZone: "America/New_York"}
			must(t, s.CreateAccount(op, us))
			if us.Language != "en" {
				t.Errorf("a US account's language is %q, want en", us.Language)
			}
			ctx := callsheet.NewContextWithActor(context.Background(), &callsheet.Actor{AccountID: a.ID, Role: callsheet.RoleAdmin, Name: "setup"})
			sts, _, err := sqldb.NewStatusService(db).FindStatuses(ctx, callsheet.StatusFilter{})
			must(t, err)
			got := []string{}
			for _, st := range sts {
				got = append(got, st.Name)
			}
			if want := "ממתין,פולואפ,לא מעוניין,לא להתקשר,סגור"; strings.Join(got, ",") != want {
				t.Errorf("a Hebrew account's statuses: %v, want %s", got, want)
			}
		})
		t.Run("invalid fields are named", func(t *testing.T) {
			err := s.CreateAccount(op, &callsheet.Account{Name: " ", Country: "XX", TimeZone: "Mars/Olympus"})
			wantCode(t, err, callsheet.EINVALID)
			fields := callsheet.ErrorFields(err)
			for _, k := range []string{"name", "country", "time_zone"} {
				if fields[k] == "" {
					t.Errorf("no error for %s in %v", k, fields)
				}
			}
		})
		t.Run("name is unique", func(t *testing.T) {
			storetest.NewFixture(t, db, "dupe")
			err := s.CreateAccount(op, &callsheet.Account{Name: "dupe", Country: "US", TimeZone: "America/New_York"})
			wantCode(t, err, callsheet.ECONFLICT)
		})
		t.Run("an actor sees only its own account", func(t *testing.T) {
			a := storetest.NewFixture(t, db, "seer-a")
			b := storetest.NewFixture(t, db, "seer-b")
			as, n, err := s.FindAccounts(a.AdminCtx, callsheet.AccountFilter{})
			must(t, err)
			if n != 1 || len(as) != 1 || as[0].ID != a.Account.ID {
				t.Fatalf("got %d accounts %v", n, as)
			}
			_, err = s.FindAccountByID(a.AdminCtx, b.Account.ID)
			wantCode(t, err, callsheet.ENOTFOUND)
			all, _, err := s.FindAccounts(op, callsheet.AccountFilter{})
			must(t, err)
			if len(all) < 2 {
				t.Fatalf("operator sees %d accounts", len(all))
			}
		})
		t.Run("update settings", func(t *testing.T) {
			f := storetest.NewFixture(t, db, "settings")
			a, err := s.UpdateAccount(f.AdminCtx, f.Account.ID, callsheet.AccountUpdate{Country: ptr("us"), TimeZone: ptr("America/New_York")})
			must(t, err)
			if a.Country != "US" || a.TimeZone != "America/New_York" {
				t.Fatalf("got %+v", a)
			}
			got, err := s.FindAccountByID(f.AdminCtx, f.Account.ID)
			must(t, err)
			if got.Country != "US" || got.Location().String() != "America/New_York" {
				t.Fatalf("stored %+v", got)
			}
			_, err = s.UpdateAccount(f.AdminCtx, f.Account.ID, callsheet.AccountUpdate{TimeZone: ptr("Local")})
			wantCode(t, err, callsheet.EINVALID)
			agent := f.Agent(t, "Dana", false)
			_, err = s.UpdateAccount(f.As(agent), f.Account.ID, callsheet.AccountUpdate{Country: ptr("IL")})
			wantCode(t, err, callsheet.EFORBIDDEN)
		})
	})
}
