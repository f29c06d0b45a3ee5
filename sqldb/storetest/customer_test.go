package storetest_test

import (
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

func TestCustomers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewCustomerService(db)
		f := storetest.NewFixture(t, db, "customers")
		spring := f.Campaign(t, "Spring")
		summer := f.Campaign(t, "Summer")
		city := &callsheet.CustomField{Label: "City", Type: callsheet.FieldText}
		must(t, sqldb.NewCustomFieldService(db).CreateCustomField(f.AdminCtx, city))

		t.Run("create with every field and read it back", func(t *testing.T) {
			agent := f.Agent(t, "Dana", false, spring.ID)
			fu := time.Date(2026, 12, 25, 12, 30, 0, 0, time.UTC)
			created := time.Date(2025, 1, 2, 3, 4, 0, 0, time.UTC)
			c := &callsheet.Customer{CampaignID: spring.ID, Name: " ישראל ", LastName: "ישראלי", Phone: "+972521234567", Email: "i@example.com",
				Source: "web", Note: "call after 5", ExternalID: "crm-1", AgentID: agent.ID, FollowUpAt: &fu, CreatedAt: created,
				Custom: map[int64]string{city.ID: "חיפה"}}
			must(t, s.CreateCustomer(f.AdminCtx, c))
			got, err := s.FindCustomerByID(f.AdminCtx, c.ID)
			must(t, err)
			if got.Name != "ישראל" || got.LastName != "ישראלי" || got.Phone != "+972521234567" || got.Email != "i@example.com" ||
				got.Source != "web" || got.Note != "call after 5" || got.ExternalID != "crm-1" || got.AgentID != agent.ID ||
				got.StatusID != f.Initial.ID || got.Custom[city.ID] != "חיפה" || got.Version != 1 || got.Blocked {
				t.Fatalf("got %+v", got)
			}
			if !got.FollowUpAt.Equal(fu) || !got.CreatedAt.Equal(created) || got.ContactAllowedAt != nil {
				t.Fatalf("dates: %v %v %v", got.FollowUpAt, got.CreatedAt, got.ContactAllowedAt)
			}
		})
		t.Run("phone is unique in a campaign, not across campaigns", func(t *testing.T) {
			f.Customer(t, spring.ID, "First", "+972541111111")
			err := s.CreateCustomer(f.AdminCtx, &callsheet.Customer{CampaignID: spring.ID, Name: "Again", Phone: "+972541111111"})
			wantCode(t, err, callsheet.ECONFLICT)
			if callsheet.ErrorFields(err)[callsheet.FieldPhone] == "" {
				t.Fatalf("conflict does not name the phone: %v", err)
			}
			f.Customer(t, summer.ID, "Elsewhere", "+972541111111")
		})
		t.Run("invalid fields are named", func(t *testing.T) {
			err := s.CreateCustomer(f.AdminCtx, &callsheet.Customer{CampaignID: spring.ID, Phone: "0521234567", Email: "nope"})
			wantCode(t, err, callsheet.EINVALID)
			fl := callsheet.ErrorFields(err)
			for _, k := range []string{callsheet.FieldName, callsheet.FieldPhone, callsheet.FieldEmail} {
				if fl[k] == "" {
					t.Errorf("no error for %s: %v", k, fl)
				}
			}
			err = s.CreateCustomer(f.AdminCtx, &callsheet.Customer{CampaignID: spring.ID, Name: "X", Phone: "+972521234599", Custom: map[int64]string{999999: "x"}})
			wantCode(t, err, callsheet.EINVALID)
		})
		t.Run("update changes only what is given and bumps the version", func(t *testing.T) {
			c := f.Customer(t, spring.ID, "Upd", "+972542222222")
			got, err := s.UpdateCustomer(f.AdminCtx, c.ID, callsheet.CustomerUpdate{Note: ptr("new note"), Custom: map[int64]string{city.ID: "Eilat"}})
			must(t, err)
			if got.Note != "new note" || got.Name != "Upd" || got.Version != 2 || got.Custom[city.ID] != "Eilat" {
				t.Fatalf("got %+v", got)
			}
			got, err = s.UpdateCustomer(f.AdminCtx, c.ID, callsheet.CustomerUpdate{Custom: map[int64]string{city.ID: ""}})
			must(t, err)
			if _, ok := got.Custom[city.ID]; ok {
				t.Fatalf("custom value not removed: %v", got.Custom)
			}
		})
		t.Run("do-not-call status blocks the phone account-wide until contact is allowed again", func(t *testing.T) {
			db.Now = func() time.Time { return time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC) }
			defer func() { db.Now = time.Now }()
			a := f.Customer(t, spring.ID, "Blocky", "+972543333333")
			b := f.Customer(t, summer.ID, "Blocky too", "+972543333333")
			dnc := f.Statuses[callsheet.StatusDoNotCall].ID
			db.Now = func() time.Time { return time.Date(2026, 5, 2, 10, 0, 0, 0, time.UTC) }
			got, err := s.UpdateCustomer(f.AdminCtx, a.ID, callsheet.CustomerUpdate{StatusID: &dnc})
			must(t, err)
			if !got.Blocked {
				t.Fatal("customer with do-not-call status is not blocked")
			}
			other, err := s.FindCustomerByID(f.AdminCtx, b.ID)
			must(t, err)
			if !other.Blocked {
				t.Fatal("the same phone in another campaign is not blocked")
			}
			list, _, err := sqldb.NewDoNotCallService(db).FindDoNotCalls(f.AdminCtx, callsheet.DoNotCallFilter{Phone: ptr("+972543333333")})
			must(t, err)
			if len(list) != 1 || !list[0].RequestedAt.Equal(time.Date(2026, 5, 2, 10, 0, 0, 0, time.UTC)) {
				t.Fatalf("register: %+v", list)
			}
			blocked, _, err := s.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{Blocked: ptr(true)})
			must(t, err)
			if len(blocked) != 2 {
				t.Fatalf("%d blocked customers, want 2", len(blocked))
			}
			// The customer asks to be contacted again, after the request.
			later := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
			got, err = s.UpdateCustomer(f.AdminCtx, b.ID, callsheet.CustomerUpdate{ContactAllowedAt: &later})
			must(t, err)
			if got.Blocked {
				t.Fatal("contact allowed after the request, still blocked")
			}
			earlier := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
			got, err = s.UpdateCustomer(f.AdminCtx, b.ID, callsheet.CustomerUpdate{ContactAllowedAt: &earlier})
			must(t, err)
			if !got.Blocked {
				t.Fatal("contact allowed before the request, not blocked")
			}
		})
		t.Run("filters, search and counts", func(t *testing.T) {
			camp := f.Campaign(t, "Search")
			agent := f.Agent(t, "Searcher", false, camp.ID)
			f.Customer(t, camp.ID, "Avi Cohen", "+972525550001")
			c2 := f.Customer(t, camp.ID, "Batya Levi", "+972525550002")
			c3 := f.Customer(t, camp.ID, "Chen_100%", "+12125550100")
			closed := f.Statuses[callsheet.StatusClosed].ID
			_, err := s.UpdateCustomer(f.AdminCtx, c2.ID, callsheet.CustomerUpdate{StatusID: &closed, AgentID: &agent.ID})
			must(t, err)
			cases := []struct {
				name   string
				filter callsheet.CustomerFilter
				want   int
			}{
				{"all", callsheet.CustomerFilter{}, 3},
				{"text in name", callsheet.CustomerFilter{Text: ptr("levi")}, 1},
				{"national phone digits", callsheet.CustomerFilter{Text: ptr("052-555-000")}, 2},
				{"wildcards are literal", callsheet.CustomerFilter{Text: ptr("_100%")}, 1},
				{"percent alone matches nothing", callsheet.CustomerFilter{Text: ptr("%")}, 1},
				{"status", callsheet.CustomerFilter{StatusID: &closed}, 1},
				{"agent", callsheet.CustomerFilter{AgentID: &agent.ID}, 1},
				{"unassigned", callsheet.CustomerFilter{AgentID: ptr(int64(0))}, 2},
				{"exact phone", callsheet.CustomerFilter{Phone: ptr("+12125550100")}, 1},
				{"callable excludes closed", callsheet.CustomerFilter{Callable: true}, 2},
				{"paging keeps the total", callsheet.CustomerFilter{Limit: 1, Offset: 1}, 3},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					tc.filter.CampaignID = &camp.ID
					got, n, err := s.FindCustomers(f.AdminCtx, tc.filter)
					must(t, err)
					if n != tc.want {
						t.Fatalf("total = %d, want %d", n, tc.want)
					}
					if tc.filter.Limit == 0 && len(got) != n {
						t.Fatalf("%d rows for total %d", len(got), n)
					}
				})
			}
			got, _, err := s.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &camp.ID, Sort: callsheet.SortName})
			must(t, err)
			if got[0].Name != "Avi Cohen" || got[2].ID != c3.ID {
				t.Fatalf("sorted by name: %s, %s, %s", got[0].Name, got[1].Name, got[2].Name)
			}
			counts, err := s.CountCustomersByStatus(f.AdminCtx, camp.ID)
			must(t, err)
			byStatus := map[int64]int{}
			for _, c := range counts {
				byStatus[c.StatusID] = c.Count
			}
			if byStatus[f.Initial.ID] != 2 || byStatus[closed] != 1 {
				t.Fatalf("counts %v", counts)
			}
		})
		t.Run("agents", func(t *testing.T) {
			withPerm := f.Agent(t, "Adder", true, spring.ID)
			without := f.Agent(t, "Viewer", false, spring.ID)
			inSummer := f.Customer(t, summer.ID, "Summer only", "+972544444444")

			err := s.CreateCustomer(f.As(without), &callsheet.Customer{CampaignID: spring.ID, Name: "No", Phone: "+972545555555"})
			wantCode(t, err, callsheet.EFORBIDDEN)
			c := &callsheet.Customer{CampaignID: spring.ID, Name: "Yes", Phone: "+972545555555"}
			must(t, s.CreateCustomer(f.As(withPerm), c))
			// A campaign the agent does not work does not exist for them.
			err = s.CreateCustomer(f.As(withPerm), &callsheet.Customer{CampaignID: summer.ID, Name: "No", Phone: "+972545555556"})
			wantCode(t, err, callsheet.ENOTFOUND)
			_, err = s.FindCustomerByID(f.As(without), inSummer.ID)
			wantCode(t, err, callsheet.ENOTFOUND)
			_, err = s.UpdateCustomer(f.As(without), inSummer.ID, callsheet.CustomerUpdate{Note: ptr("x")})
			wantCode(t, err, callsheet.ENOTFOUND)
			list, _, err := s.FindCustomers(f.As(without), callsheet.CustomerFilter{})
			must(t, err)
			for _, x := range list {
				if x.CampaignID != spring.ID {
					t.Fatalf("agent sees customer %d of campaign %d", x.ID, x.CampaignID)
				}
			}
			wantCode(t, s.DeleteCustomer(f.As(withPerm), c.ID), callsheet.EFORBIDDEN)
			// Revoking the permission takes effect at once.
			_, err = sqldb.NewUserService(db).UpdateUser(f.AdminCtx, withPerm.ID, callsheet.UserUpdate{CanAddCustomer: ptr(false)})
			must(t, err)
			err = s.CreateCustomer(f.As(withPerm), &callsheet.Customer{CampaignID: spring.ID, Name: "Late", Phone: "+972545555557"})
			wantCode(t, err, callsheet.EFORBIDDEN)
		})
		t.Run("delete", func(t *testing.T) {
			c := f.Customer(t, spring.ID, "Gone", "+972546666666")
			must(t, s.DeleteCustomer(f.AdminCtx, c.ID))
			_, err := s.FindCustomerByID(f.AdminCtx, c.ID)
			wantCode(t, err, callsheet.ENOTFOUND)
		})
	})
}
