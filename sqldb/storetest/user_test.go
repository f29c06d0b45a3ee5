package storetest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

func TestUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewUserService(db)
		f := storetest.NewFixture(t, db, "users")
		camp := f.Campaign(t, "Spring")

		t.Run("create and find", func(t *testing.T) {
			u := f.Agent(t, "Noa Levi", true, camp.ID)
			got, err := s.FindUserByID(f.AdminCtx, u.ID)
			must(t, err)
			if got.Name != "Noa Levi" || got.Role != callsheet.RoleAgent || !got.CanAddCustomer || !got.Active {
				t.Fatalf("got %+v", got)
			}
			if len(got.CampaignIDs) != 1 || got.CampaignIDs[0] != camp.ID {
				t.Fatalf("campaigns = %v", got.CampaignIDs)
			}
			us, _, err := s.FindUsers(f.AdminCtx, callsheet.UserFilter{CampaignID: &camp.ID})
			must(t, err)
			if len(us) != 1 || us[0].ID != u.ID {
				t.Fatalf("by campaign: %v", us)
			}
		})
		t.Run("password is stored as an argon2id hash", func(t *testing.T) {
			u := f.Agent(t, "Hashed", false)
			var hash string
			must(t, db.SQL().QueryRow(rebind(db, `SELECT password_hash FROM users WHERE id = ?`), u.ID).Scan(&hash))
			if !strings.HasPrefix(hash, "$argon2id$") || strings.Contains(hash, storetest.Password) {
				t.Fatalf("hash = %q", hash)
			}
		})
		t.Run("name and login are unique", func(t *testing.T) {
			u := f.Agent(t, "Unique", false)
			err := s.CreateUser(f.AdminCtx, &callsheet.User{Name: "Unique", Login: "another", Role: callsheet.RoleAgent}, storetest.Password)
			wantCode(t, err, callsheet.ECONFLICT)
			err = s.CreateUser(f.AdminCtx, &callsheet.User{Name: "Other", Login: u.Login, Role: callsheet.RoleAgent}, storetest.Password)
			wantCode(t, err, callsheet.ECONFLICT)
		})
		t.Run("short password", func(t *testing.T) {
			err := s.CreateUser(f.AdminCtx, &callsheet.User{Name: "Short", Login: "short", Role: callsheet.RoleAgent}, "1234")
			wantCode(t, err, callsheet.EINVALID)
		})
		t.Run("agents cannot manage users", func(t *testing.T) {
			agent := f.Agent(t, "Plain", false)
			err := s.CreateUser(f.As(agent), &callsheet.User{Name: "X", Login: "x", Role: callsheet.RoleAdmin}, storetest.Password)
			wantCode(t, err, callsheet.EFORBIDDEN)
			_, err = s.UpdateUser(f.As(agent), agent.ID, callsheet.UserUpdate{Role: ptr(callsheet.RoleAdmin)})
			wantCode(t, err, callsheet.EFORBIDDEN)
		})
		t.Run("authenticate", func(t *testing.T) {
			u := f.Agent(t, "Login", false)
			ctx := context.Background()
			got, err := s.Authenticate(ctx, u.Login, storetest.Password)
			must(t, err)
			if got.ID != u.ID {
				t.Fatalf("got user %d", got.ID)
			}
			_, err = s.Authenticate(ctx, u.Login, "wrong password")
			wantCode(t, err, callsheet.EUNAUTHORIZED)
			_, err = s.Authenticate(ctx, "nobody", storetest.Password)
			wantCode(t, err, callsheet.EUNAUTHORIZED)
			_, err = s.UpdateUser(f.AdminCtx, u.ID, callsheet.UserUpdate{Active: ptr(false)})
			must(t, err)
			_, err = s.Authenticate(ctx, u.Login, storetest.Password)
			wantCode(t, err, callsheet.EUNAUTHORIZED)
		})
		t.Run("change password", func(t *testing.T) {
			u := f.Agent(t, "Changer", false)
			_, err := s.UpdateUser(f.AdminCtx, u.ID, callsheet.UserUpdate{Password: ptr("a brand new secret")})
			must(t, err)
			_, err = s.Authenticate(context.Background(), u.Login, storetest.Password)
			wantCode(t, err, callsheet.EUNAUTHORIZED)
			_, err = s.Authenticate(context.Background(), u.Login, "a brand new secret")
			must(t, err)
		})
		t.Run("grant and revoke the add permission and campaigns", func(t *testing.T) {
			u := f.Agent(t, "Granted", false)
			got, err := s.UpdateUser(f.AdminCtx, u.ID, callsheet.UserUpdate{CanAddCustomer: ptr(true), CampaignIDs: &[]int64{camp.ID}})
			must(t, err)
			if !got.CanAddCustomer || len(got.CampaignIDs) != 1 {
				t.Fatalf("got %+v", got)
			}
			got, err = s.UpdateUser(f.AdminCtx, u.ID, callsheet.UserUpdate{CanAddCustomer: ptr(false), CampaignIDs: &[]int64{}})
			must(t, err)
			if got.CanAddCustomer || len(got.CampaignIDs) != 0 {
				t.Fatalf("got %+v", got)
			}
		})
		t.Run("the last admin stays", func(t *testing.T) {
			_, err := s.UpdateUser(f.AdminCtx, f.Admin.ID, callsheet.UserUpdate{Role: ptr(callsheet.RoleAgent)})
			wantCode(t, err, callsheet.ECONFLICT)
			_, err = s.UpdateUser(f.AdminCtx, f.Admin.ID, callsheet.UserUpdate{Active: ptr(false)})
			wantCode(t, err, callsheet.ECONFLICT)
			got, err := s.FindUserByID(f.AdminCtx, f.Admin.ID)
			must(t, err)
			if got.Role != callsheet.RoleAdmin || !got.Active {
				t.Fatalf("admin changed: %+v", got)
			}
		})
	})
}

// rebind rewrites ? for PostgreSQL, for the raw queries tests make.
func rebind(db *sqldb.DB, q string) string {
	if db.Engine() != "postgres" {
		return q
	}
	n := 0
	var b strings.Builder
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + string(rune('0'+n)))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
