package storetest_test

import (
	"context"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// TestAccountIsolation shows that an admin of account A reaches nothing of
// account B by any store path: every lookup is not found, every change
// refused as not found, every list leaves B's objects out.
func TestAccountIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := storetest.NewFixture(t, db, "alpha")
		b := storetest.NewFixture(t, db, "beta")
		bCamp := b.Campaign(t, "Beta campaign")
		bAgent := b.Agent(t, "Beta agent", true, bCamp.ID)
		bCust := b.Customer(t, bCamp.ID, "Beta customer", "+972521234567")
		bField := &callsheet.CustomField{Label: "Beta field", Type: callsheet.FieldText}
		must(t, sqldb.NewCustomFieldService(db).CreateCustomField(b.AdminCtx, bField))
		bTok := &callsheet.APIToken{Name: "beta"}
		_, err := sqldb.NewAPITokenService(db).CreateAPIToken(b.AdminCtx, bTok)
		must(t, err)
		_, err = sqldb.NewDoNotCallService(db).AddDoNotCall(b.AdminCtx, "+972529999999", "asked")
		must(t, err)
		aCamp := a.Campaign(t, "Alpha campaign")

		ctx := a.AdminCtx
		accounts := sqldb.NewAccountService(db)
		users := sqldb.NewUserService(db)
		campaigns := sqldb.NewCampaignService(db)
		statuses := sqldb.NewStatusService(db)
		fields := sqldb.NewCustomFieldService(db)
		customers := sqldb.NewCustomerService(db)
		tokens := sqldb.NewAPITokenService(db)
		bInitial := b.Initial.ID

		notFound := map[string]func() error{
			"FindAccountByID": func() error { _, err := accounts.FindAccountByID(ctx, b.Account.ID); return err },
			"UpdateAccount": func() error {
				_, err := accounts.UpdateAccount(ctx, b.Account.ID, callsheet.AccountUpdate{Name: ptr("taken")})
				return err
			},
			"FindUserByID": func() error { _, err := users.FindUserByID(ctx, bAgent.ID); return err },
			"UpdateUser": func() error {
				_, err := users.UpdateUser(ctx, bAgent.ID, callsheet.UserUpdate{Active: ptr(false)})
				return err
			},
			"CreateUser with B's campaign": func() error {
				return users.CreateUser(ctx, &callsheet.User{Name: "Spy", Login: "spy", Role: callsheet.RoleAgent, CampaignIDs: []int64{bCamp.ID}}, storetest.Password)
			},
			"FindCampaignByID": func() error { _, err := campaigns.FindCampaignByID(ctx, bCamp.ID); return err },
			"UpdateCampaign": func() error {
				_, err := campaigns.UpdateCampaign(ctx, bCamp.ID, callsheet.CampaignUpdate{Archived: ptr(true)})
				return err
			},
			"FindStatusByID": func() error { _, err := statuses.FindStatusByID(ctx, bInitial); return err },
			"UpdateStatus": func() error {
				_, err := statuses.UpdateStatus(ctx, bInitial, callsheet.StatusUpdate{Name: ptr("x")})
				return err
			},
			"UpdateCustomField": func() error {
				_, err := fields.UpdateCustomField(ctx, bField.ID, callsheet.CustomFieldUpdate{Label: ptr("x")})
				return err
			},
			"DeleteCustomField": func() error { return fields.DeleteCustomField(ctx, bField.ID) },
			"FindCustomerByID":  func() error { _, err := customers.FindCustomerByID(ctx, bCust.ID); return err },
			"UpdateCustomer": func() error {
				_, err := customers.UpdateCustomer(ctx, bCust.ID, callsheet.CustomerUpdate{Note: ptr("x")})
				return err
			},
			"DeleteCustomer": func() error { return customers.DeleteCustomer(ctx, bCust.ID) },
			"CreateCustomer in B's campaign": func() error {
				return customers.CreateCustomer(ctx, &callsheet.Customer{CampaignID: bCamp.ID, Name: "X", Phone: "+972521111111"})
			},
			"CreateCustomer with B's status": func() error {
				return customers.CreateCustomer(ctx, &callsheet.Customer{CampaignID: aCamp.ID, Name: "X", Phone: "+972521111112", StatusID: bInitial})
			},
			"CreateCustomer with B's agent": func() error {
				return customers.CreateCustomer(ctx, &callsheet.Customer{CampaignID: aCamp.ID, Name: "X", Phone: "+972521111113", AgentID: bAgent.ID})
			},
			"RevokeAPIToken": func() error { return tokens.RevokeAPIToken(ctx, bTok.ID) },
		}
		for name, fn := range notFound {
			t.Run(name, func(t *testing.T) { wantCode(t, fn(), callsheet.ENOTFOUND) })
		}

		t.Run("CreateCustomer with B's custom field", func(t *testing.T) {
			err := customers.CreateCustomer(ctx, &callsheet.Customer{CampaignID: aCamp.ID, Name: "X", Phone: "+972521111114", Custom: map[int64]string{bField.ID: "x"}})
			wantCode(t, err, callsheet.EINVALID)
		})
		t.Run("lists leave B out", func(t *testing.T) {
			us, _, err := users.FindUsers(ctx, callsheet.UserFilter{})
			must(t, err)
			for _, u := range us {
				if u.AccountID != a.Account.ID {
					t.Errorf("user %d of account %d listed", u.ID, u.AccountID)
				}
			}
			cs, _, err := campaigns.FindCampaigns(ctx, callsheet.CampaignFilter{})
			must(t, err)
			for _, c := range cs {
				if c.AccountID != a.Account.ID {
					t.Errorf("campaign %d listed", c.ID)
				}
			}
			sts, _, err := statuses.FindStatuses(ctx, callsheet.StatusFilter{})
			must(t, err)
			for _, s := range sts {
				if s.AccountID != a.Account.ID {
					t.Errorf("status %d listed", s.ID)
				}
			}
			fs, err := fields.FindCustomFields(ctx)
			must(t, err)
			if len(fs) != 0 {
				t.Errorf("fields %v", fs)
			}
			cus, n, err := customers.FindCustomers(ctx, callsheet.CustomerFilter{CampaignID: &bCamp.ID})
			must(t, err)
			if n != 0 || len(cus) != 0 {
				t.Errorf("customers of B: %d", n)
			}
			cus, _, err = customers.FindCustomers(ctx, callsheet.CustomerFilter{Phone: ptr(bCust.Phone)})
			must(t, err)
			if len(cus) != 0 {
				t.Errorf("customer of B found by phone")
			}
			counts, err := customers.CountCustomersByStatus(ctx, bCamp.ID)
			must(t, err)
			if len(counts) != 0 {
				t.Errorf("counts of B: %v", counts)
			}
			toks, err := tokens.FindAPITokens(ctx)
			must(t, err)
			if len(toks) != 0 {
				t.Errorf("tokens of B: %v", toks)
			}
			dnc, _, err := sqldb.NewDoNotCallService(db).FindDoNotCalls(ctx, callsheet.DoNotCallFilter{})
			must(t, err)
			if len(dnc) != 0 {
				t.Errorf("do-not-call of B: %v", dnc)
			}
			evs, _, err := sqldb.NewAuditService(db).FindAuditEvents(ctx, callsheet.AuditFilter{})
			must(t, err)
			for _, e := range evs {
				if e.AccountID != a.Account.ID {
					t.Errorf("audit event %d of B", e.ID)
				}
			}
		})
		t.Run("B's do-not-call does not block A's customer", func(t *testing.T) {
			c := a.Customer(t, aCamp.ID, "Same phone", "+972529999999")
			if c.Blocked {
				t.Fatal("blocked by another account's register")
			}
		})
		t.Run("no actor, no data", func(t *testing.T) {
			_, _, err := customers.FindCustomers(context.Background(), callsheet.CustomerFilter{})
			wantCode(t, err, callsheet.EUNAUTHORIZED)
		})
		// Nothing of B changed.
		got, err := customers.FindCustomerByID(b.AdminCtx, bCust.ID)
		must(t, err)
		if got.Note != "" || got.Version != 1 {
			t.Fatalf("B's customer changed: %+v", got)
		}
	})
}
