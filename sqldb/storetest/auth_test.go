package storetest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

func TestAPITokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewAPITokenService(db)
		f := storetest.NewFixture(t, db, "tokens")
		tok := &callsheet.APIToken{Name: "website"}
		secret, err := s.CreateAPIToken(f.AdminCtx, tok)
		must(t, err)
		if !strings.HasPrefix(secret, sqldb.TokenPrefix) || len(secret) < 40 || !strings.HasPrefix(secret, tok.Prefix) {
			t.Fatalf("secret %q, prefix %q", secret, tok.Prefix)
		}
		var stored int
		must(t, db.SQL().QueryRow(rebind(db, `SELECT count(*) FROM api_tokens WHERE hash = ? OR prefix = ?`), secret, secret).Scan(&stored))
		if stored != 0 {
			t.Fatal("the secret itself is stored")
		}
		got, err := s.AuthenticateAPIToken(context.Background(), secret)
		must(t, err)
		if got.ID != tok.ID || got.AccountID != f.Account.ID || got.LastUsedAt == nil {
			t.Fatalf("got %+v", got)
		}
		_, err = s.AuthenticateAPIToken(context.Background(), secret+"x")
		wantCode(t, err, callsheet.EUNAUTHORIZED)
		list, err := s.FindAPITokens(f.AdminCtx)
		must(t, err)
		if len(list) != 1 || list[0].LastUsedAt == nil {
			t.Fatalf("list %+v", list)
		}
		agent := f.Agent(t, "Agent", false)
		_, err = s.FindAPITokens(f.As(agent))
		wantCode(t, err, callsheet.EFORBIDDEN)
		must(t, s.RevokeAPIToken(f.AdminCtx, tok.ID))
		_, err = s.AuthenticateAPIToken(context.Background(), secret)
		wantCode(t, err, callsheet.EUNAUTHORIZED)
	})
}

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewSessionService(db)
		f := storetest.NewFixture(t, db, "sessions")
		ctx := context.Background()
		sess, secret, err := s.CreateSession(ctx, f.Admin.ID)
		must(t, err)
		if sess.CSRF == "" || secret == "" || sess.CSRF == secret {
			t.Fatalf("session %+v", sess)
		}
		got, u, err := s.FindSession(ctx, secret)
		must(t, err)
		if got.ID != sess.ID || got.CSRF != sess.CSRF || u.ID != f.Admin.ID || u.Role != callsheet.RoleAdmin {
			t.Fatalf("got %+v %+v", got, u)
		}
		_, _, err = s.FindSession(ctx, "not-a-session")
		wantCode(t, err, callsheet.EUNAUTHORIZED)

		t.Run("expiry", func(t *testing.T) {
			_, sec, err := s.CreateSession(ctx, f.Admin.ID)
			must(t, err)
			db.Now = func() time.Time { return time.Now().Add(13 * time.Hour) }
			defer func() { db.Now = time.Now }()
			_, _, err = s.FindSession(ctx, sec)
			wantCode(t, err, callsheet.EUNAUTHORIZED)
		})
		t.Run("deactivating a user ends their sessions", func(t *testing.T) {
			agent := f.Agent(t, "Leaver", false)
			_, sec, err := s.CreateSession(ctx, agent.ID)
			must(t, err)
			_, err = sqldb.NewUserService(db).UpdateUser(f.AdminCtx, agent.ID, callsheet.UserUpdate{Active: ptr(false)})
			must(t, err)
			_, _, err = s.FindSession(ctx, sec)
			wantCode(t, err, callsheet.EUNAUTHORIZED)
		})
		must(t, s.DeleteSession(ctx, secret))
		_, _, err = s.FindSession(ctx, secret)
		wantCode(t, err, callsheet.EUNAUTHORIZED)
	})
}

func TestAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := storetest.NewFixture(t, db, "audit")
		c := f.Campaign(t, "Audited")
		cu := f.Customer(t, c.ID, "Watched", "+972521234567")
		_, err := sqldb.NewCustomerService(db).UpdateCustomer(f.AdminCtx, cu.ID, callsheet.CustomerUpdate{Note: ptr("hello")})
		must(t, err)
		s := sqldb.NewAuditService(db)
		evs, n, err := s.FindAuditEvents(f.AdminCtx, callsheet.AuditFilter{ObjectType: ptr("customer"), ObjectID: &cu.ID})
		must(t, err)
		if n != 2 || evs[0].Action != "customer.update" || evs[1].Action != "customer.create" || evs[0].UserID != f.Admin.ID || evs[0].ActorName != f.Admin.Name {
			t.Fatalf("events %+v", evs)
		}
		agent := f.Agent(t, "Snoop", false)
		_, _, err = s.FindAuditEvents(f.As(agent), callsheet.AuditFilter{})
		wantCode(t, err, callsheet.EFORBIDDEN)
	})
}
