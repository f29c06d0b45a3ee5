// Package storetest runs Callsheet's storage conformance suite against
// every engine: SQLite always, PostgreSQL when CALLSHEET_TEST_POSTGRES holds
// a URL. It also gives other packages' tests real databases to work on.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	_ "github.com/jackc/pgx/v5/stdlib"
)

// PostgresEnv names the environment variable holding the PostgreSQL URL.
const PostgresEnv = "CALLSHEET_TEST_POSTGRES"

// Engines lists the engines the suite runs on.
var Engines = []string{"sqlite", "postgres"}

// SteppedSQLite is SQLite with imports written a couple of rows a step,
// so that every import of the suite goes through its steps (a file of
// thousands of rows otherwise writes in one).
const SteppedSQLite = "sqlite-steps"

// Each runs fn once per engine, and once more on SteppedSQLite, as a
// subtest, each on a fresh database.
func Each(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	for _, engine := range append(Engines, SteppedSQLite) {
		t.Run(engine, func(t *testing.T) {
			fn(t, MustOpenDB(t, engine))
		})
	}
}

// MustOpenDB opens a fresh, migrated database of the engine, removed when
// the test ends. PostgreSQL tests are skipped, with a message saying how
// to run them, when CALLSHEET_TEST_POSTGRES is unset; when it is set, a
// database that cannot be reached fails the test rather than skipping it.
func MustOpenDB(tb testing.TB, engine string) *sqldb.DB {
	tb.Helper()
	var dsn string
	switch engine {
	case "sqlite", SteppedSQLite:
		dsn = filepath.Join(tb.TempDir(), "callsheet.db")
	case "postgres":
		dsn = PostgresSchemaDSN(tb)
	default:
		tb.Fatalf("unknown engine %q", engine)
	}
	db := sqldb.NewDB(dsn)
	if engine == SteppedSQLite {
		db.ImportStepRows = 2
	}
	if err := db.Open(context.Background()); err != nil {
		tb.Fatalf("open %s: %v", engine, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// PostgresSchemaDSN creates a schema of its own for the test in the
// PostgreSQL database named by CALLSHEET_TEST_POSTGRES, drops it when the
// test ends, and returns a URL whose search_path is that schema.
func PostgresSchemaDSN(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		tb.Skipf("skipping PostgreSQL: set %s, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable", PostgresEnv)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "cs_test_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		tb.Fatalf("postgres at %s: %v", base, err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("postgres url: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Fixture is an account ready for tests, with an admin acting in it.
type Fixture struct {
	DB       *sqldb.DB
	Account  *callsheet.Account
	Admin    *callsheet.User
	AdminCtx context.Context // acts as Admin
	Statuses map[callsheet.StatusKind]*callsheet.Status
	Initial  *callsheet.Status
}

// Password is the password of every user the fixtures create.
const Password = "correct horse battery"

// NewFixture creates an account (IL, Asia/Jerusalem) named name with one
// admin, and returns it with a context acting as that admin. Its interface
// is in English, which an IL account would otherwise not get by default;
// tests of the Hebrew interface set the language themselves.
func NewFixture(tb testing.TB, db *sqldb.DB, name string) *Fixture {
	tb.Helper()
	ctx := context.Background()
	a := &callsheet.Account{Name: name, Country: "IL", TimeZone: "Asia/Jerusalem", Language: "en"}
	if err := sqldb.NewAccountService(db).CreateAccount(callsheet.NewOperatorContext(ctx), a); err != nil {
		tb.Fatalf("create account: %v", err)
	}
	sys := callsheet.NewContextWithActor(ctx, &callsheet.Actor{AccountID: a.ID, Role: callsheet.RoleAdmin, Name: "setup"})
	admin := &callsheet.User{Name: name + " Admin", Login: name + "-admin", Role: callsheet.RoleAdmin}
	if err := sqldb.NewUserService(db).CreateUser(sys, admin, Password); err != nil {
		tb.Fatalf("create admin: %v", err)
	}
	f := &Fixture{DB: db, Account: a, Admin: admin, Statuses: map[callsheet.StatusKind]*callsheet.Status{}}
	f.AdminCtx = f.As(admin)
	sts, _, err := sqldb.NewStatusService(db).FindStatuses(f.AdminCtx, callsheet.StatusFilter{})
	if err != nil {
		tb.Fatalf("statuses: %v", err)
	}
	for _, s := range sts {
		if _, ok := f.Statuses[s.Kind]; !ok {
			f.Statuses[s.Kind] = s
		}
	}
	f.Initial = f.Statuses[callsheet.StatusInitial]
	return f
}

// As returns a context acting as user u.
func (f *Fixture) As(u *callsheet.User) context.Context {
	return callsheet.NewContextWithActor(context.Background(), &callsheet.Actor{AccountID: u.AccountID, UserID: u.ID, Role: u.Role, Name: u.Name})
}

// Campaign creates a campaign.
func (f *Fixture) Campaign(tb testing.TB, name string) *callsheet.Campaign {
	tb.Helper()
	c := &callsheet.Campaign{Name: name}
	if err := sqldb.NewCampaignService(f.DB).CreateCampaign(f.AdminCtx, c); err != nil {
		tb.Fatalf("create campaign: %v", err)
	}
	return c
}

// Agent creates an agent working the campaigns.
func (f *Fixture) Agent(tb testing.TB, name string, canAdd bool, campaigns ...int64) *callsheet.User {
	tb.Helper()
	u := &callsheet.User{Name: name, Login: strings.ToLower(strings.ReplaceAll(f.Account.Name+"-"+name, " ", ".")), Role: callsheet.RoleAgent, CanAddCustomer: canAdd, CampaignIDs: campaigns}
	if err := sqldb.NewUserService(f.DB).CreateUser(f.AdminCtx, u, Password); err != nil {
		tb.Fatalf("create agent: %v", err)
	}
	return u
}

// Customer adds a customer to a campaign in the initial status.
func (f *Fixture) Customer(tb testing.TB, campaignID int64, name, phone string) *callsheet.Customer {
	tb.Helper()
	c := &callsheet.Customer{CampaignID: campaignID, Name: name, Phone: phone}
	if err := sqldb.NewCustomerService(f.DB).CreateCustomer(f.AdminCtx, c); err != nil {
		tb.Fatalf("create customer: %v", err)
	}
	return c
}

// RowsSource serves import rows from a slice, as an importer would.
type RowsSource struct {
	Rows []*callsheet.ImportRow
	i    int
}

// Next implements callsheet.ImportSource.
func (s *RowsSource) Next() (*callsheet.ImportRow, error) {
	if s.i >= len(s.Rows) {
		return nil, io.EOF
	}
	s.i++
	return s.Rows[s.i-1], nil
}

// CheckCampaignCounts fails the test unless the counts the database keeps
// (campaign_counts, the sum of its shards) are the customers counted: for
// every campaign and status, and none below zero.
func CheckCampaignCounts(tb testing.TB, db *sqldb.DB) {
	tb.Helper()
	rows, err := db.SQL().QueryContext(context.Background(), `
		SELECT COALESCE(k.campaign_id, c.campaign_id), COALESCE(k.status_id, c.status_id), COALESCE(k.customers, 0), COALESCE(c.n, 0)
		FROM (SELECT campaign_id, status_id, sum(customers) AS customers FROM campaign_counts GROUP BY campaign_id, status_id) k
		FULL OUTER JOIN (SELECT campaign_id, status_id, count(*) AS n FROM customers GROUP BY campaign_id, status_id) c
			ON c.campaign_id = k.campaign_id AND c.status_id = k.status_id
		WHERE COALESCE(k.customers, 0) <> COALESCE(c.n, 0) OR k.customers < 0`)
	if err != nil {
		tb.Fatalf("campaign counts: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var campaign, status, kept, counted int64
		if err := rows.Scan(&campaign, &status, &kept, &counted); err != nil {
			tb.Fatal(err)
		}
		tb.Errorf("campaign %d, status %d: %d customers kept in campaign_counts, %d counted", campaign, status, kept, counted)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
}
