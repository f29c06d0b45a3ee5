package storetest_test

import (
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// The counts of customers by campaign and status, which the pages read,
// are kept by the database in the transactions that change customers:
// after adds, status changes and a deletion (and moves, undo and resets:
// the import tests check them too) they are the customers counted, and the pages'
// totals are theirs. On both engines.
func TestCampaignCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := storetest.NewFixture(t, db, "counts")
		spring, autumn := f.Campaign(t, "Spring"), f.Campaign(t, "Autumn")
		cs := sqldb.NewCustomerService(db)
		var ids []int64
		for i, phone := range []string{"+972521000001", "+972521000002", "+972521000003", "+972521000004"} {
			c := &callsheet.Customer{CampaignID: spring.ID, Name: "C", Phone: phone}
			if i == 3 {
				c.CampaignID = autumn.ID
			}
			must(t, cs.CreateCustomer(f.AdminCtx, c))
			ids = append(ids, c.ID)
		}
		storetest.CheckCampaignCounts(t, db)
		byStatus := func(campaign int64) map[int64]int {
			counts, err := cs.CountCustomersByStatus(f.AdminCtx, campaign)
			must(t, err)
			out := map[int64]int{}
			for _, c := range counts {
				out[c.StatusID] = c.Count
			}
			return out
		}
		if got := byStatus(spring.ID); len(got) != 1 || got[f.Initial.ID] != 3 {
			t.Errorf("Spring by status: %v, want 3 in the initial status", got)
		}

		closed := f.Statuses[callsheet.StatusClosed]
		_, err := cs.UpdateCustomer(f.AdminCtx, ids[0], callsheet.CustomerUpdate{StatusID: &closed.ID})
		must(t, err)
		followUp := f.Statuses[callsheet.StatusFollowUp]
		_, err = cs.UpdateCustomer(f.AdminCtx, ids[1], callsheet.CustomerUpdate{StatusID: &followUp.ID})
		must(t, err)
		storetest.CheckCampaignCounts(t, db)
		if got := byStatus(spring.ID); got[f.Initial.ID] != 1 || got[closed.ID] != 1 || got[followUp.ID] != 1 {
			t.Errorf("Spring by status after status changes: %v", got)
		}
		_, total, err := cs.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &spring.ID, Limit: 1})
		must(t, err)
		if total != 3 {
			t.Errorf("Spring's total: %d, want 3", total)
		}
		_, total, err = cs.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &spring.ID, StatusID: &closed.ID, Limit: 1})
		must(t, err)
		if total != 1 {
			t.Errorf("Spring's closed total: %d, want 1", total)
		}

		must(t, cs.DeleteCustomer(f.AdminCtx, ids[2]))
		storetest.CheckCampaignCounts(t, db)
		if got := byStatus(spring.ID); len(got) != 2 || got[closed.ID] != 1 || got[followUp.ID] != 1 {
			t.Errorf("Spring by status at the end: %v, want 1 closed and 1 to follow up", got)
		}

		// An agent reads the counts of the campaigns given to them only.
		agent := f.Agent(t, "Dana", false)
		if _, err := cs.CountCustomersByStatus(f.As(agent), spring.ID); err != nil {
			t.Fatal(err)
		}
		if counts, _ := cs.CountCustomersByStatus(f.As(agent), spring.ID); len(counts) != 0 {
			t.Errorf("an agent without the campaign reads its counts: %v", counts)
		}
	})
}

// A search counts its matches up to CountUpTo, and says "more" past it;
// a first page that is not full is the whole count. On both engines.
func TestCustomerCountUpTo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := storetest.NewFixture(t, db, "upto")
		camp := f.Campaign(t, "Leads")
		for i, phone := range []string{"+972521000011", "+972521000012", "+972521000013", "+972521000014", "+972521000015"} {
			name := "Levi"
			if i == 4 {
				name = "Cohen"
			}
			f.Customer(t, camp.ID, name, phone)
		}
		cs := sqldb.NewCustomerService(db)
		levi := "levi"
		for _, c := range []struct {
			limit, offset, upTo, want, rows int
		}{
			{2, 0, 3, 4, 2},  // more than 3
			{2, 0, 10, 4, 2}, // all 4 counted
			{10, 0, 3, 4, 4}, // a first page that is not full is the count
			{2, 2, 10, 4, 2}, // a later page counts
			{2, 0, 0, 4, 2},  // no cap: exact
		} {
			list, total, err := cs.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &camp.ID, Text: &levi,
				Limit: c.limit, Offset: c.offset, CountUpTo: c.upTo})
			must(t, err)
			if total != c.want || len(list) != c.rows {
				t.Errorf("limit %d offset %d up to %d: %d rows, total %d; want %d rows, total %d", c.limit, c.offset, c.upTo, len(list), total, c.rows, c.want)
			}
		}
		_, total, err := cs.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &camp.ID, Limit: 1, CountUpTo: 2})
		must(t, err)
		if total != 5 {
			t.Errorf("a campaign alone is counted exactly: %d, want 5", total)
		}
	})
}

// A phone search finds a number written whole from its start, nationally
// or with +, by the phone index, and any run of its digits inside it. On
// both engines.
func TestCustomerPhoneSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := storetest.NewFixture(t, db, "phones") // an IL account
		camp := f.Campaign(t, "Leads")
		f.Customer(t, camp.ID, "A", "+972521000011")
		f.Customer(t, camp.ID, "B", "+972521009911")
		f.Customer(t, camp.ID, "C", "+972531000011")
		f.Customer(t, camp.ID, "D", "+12125550100")
		f.Customer(t, camp.ID, "E", "+972529999999")
		cs := sqldb.NewCustomerService(db)
		for q, want := range map[string]string{
			"052-100":          "A,B",
			"0521000011":       "A",
			"+972 52-100":      "A,B",
			"+1 212":           "D",
			"0011":             "A,C",
			"00972531000011":   "C",
			"052-999-9999":     "E",
			"05299":            "E",
			"053":              "C",
			"(212) 555":        "D",
			"+972 52-999-9999": "E",
		} {
			list, total, err := cs.FindCustomers(f.AdminCtx, callsheet.CustomerFilter{CampaignID: &camp.ID, Text: &q, Sort: callsheet.SortName, CountUpTo: 100})
			must(t, err)
			var names []string
			for _, c := range list {
				names = append(names, c.Name)
			}
			if got := strings.Join(names, ","); got != want || total != len(names) {
				t.Errorf("search %q: %s (total %d), want %s", q, got, total, want)
			}
		}
	})
}
