package storetest_test

import (
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

func TestCampaigns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewCampaignService(db)
		f := storetest.NewFixture(t, db, "campaigns")
		spring := f.Campaign(t, "Spring")
		summer := f.Campaign(t, "Summer")

		t.Run("name is unique in the account", func(t *testing.T) {
			err := s.CreateCampaign(f.AdminCtx, &callsheet.Campaign{Name: " Spring "})
			wantCode(t, err, callsheet.ECONFLICT)
			other := storetest.NewFixture(t, db, "campaigns-other")
			other.Campaign(t, "Spring") // another account may use the name
		})
		t.Run("rename and archive", func(t *testing.T) {
			c := f.Campaign(t, "Autumn")
			got, err := s.UpdateCampaign(f.AdminCtx, c.ID, callsheet.CampaignUpdate{Name: ptr("Fall"), Archived: ptr(true)})
			must(t, err)
			if got.Name != "Fall" || !got.Archived {
				t.Fatalf("got %+v", got)
			}
			_, err = s.UpdateCampaign(f.AdminCtx, c.ID, callsheet.CampaignUpdate{Name: ptr("Summer")})
			wantCode(t, err, callsheet.ECONFLICT)
			_, err = s.UpdateCampaign(f.AdminCtx, c.ID, callsheet.CampaignUpdate{Name: ptr("")})
			wantCode(t, err, callsheet.EINVALID)
			live, _, err := s.FindCampaigns(f.AdminCtx, callsheet.CampaignFilter{Archived: ptr(false)})
			must(t, err)
			for _, x := range live {
				if x.ID == c.ID {
					t.Fatal("archived campaign listed as live")
				}
			}
		})
		t.Run("agents see only the campaigns they work", func(t *testing.T) {
			agent := f.Agent(t, "Worker", false, spring.ID)
			cs, n, err := s.FindCampaigns(f.As(agent), callsheet.CampaignFilter{})
			must(t, err)
			if n != 1 || cs[0].ID != spring.ID {
				t.Fatalf("agent sees %v", cs)
			}
			_, err = s.FindCampaignByID(f.As(agent), summer.ID)
			wantCode(t, err, callsheet.ENOTFOUND)
			err = s.CreateCampaign(f.As(agent), &callsheet.Campaign{Name: "Mine"})
			wantCode(t, err, callsheet.EFORBIDDEN)
		})
	})
}

func TestStatuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewStatusService(db)
		f := storetest.NewFixture(t, db, "statuses")

		t.Run("a new initial status replaces the old one", func(t *testing.T) {
			st := &callsheet.Status{Name: "New lead", Kind: callsheet.StatusInitial}
			must(t, s.CreateStatus(f.AdminCtx, st))
			initial, n, err := s.FindStatuses(f.AdminCtx, callsheet.StatusFilter{Kind: ptr(callsheet.StatusInitial)})
			must(t, err)
			if n != 1 || initial[0].ID != st.ID {
				t.Fatalf("initial statuses: %v", initial)
			}
			old, err := s.FindStatusByID(f.AdminCtx, f.Initial.ID)
			must(t, err)
			if old.Kind != callsheet.StatusOpen {
				t.Fatalf("old initial is %s", old.Kind)
			}
			if st.Position != 6 {
				t.Fatalf("position = %d, want 6 (after the defaults)", st.Position)
			}
			// Giving it back the initial kind moves the mark again.
			_, err = s.UpdateStatus(f.AdminCtx, f.Initial.ID, callsheet.StatusUpdate{Kind: ptr(callsheet.StatusInitial)})
			must(t, err)
			_, n, err = s.FindStatuses(f.AdminCtx, callsheet.StatusFilter{Kind: ptr(callsheet.StatusInitial)})
			must(t, err)
			if n != 1 {
				t.Fatalf("%d initial statuses", n)
			}
		})
		t.Run("the initial status cannot lose its kind", func(t *testing.T) {
			initial, _, err := s.FindStatuses(f.AdminCtx, callsheet.StatusFilter{Kind: ptr(callsheet.StatusInitial)})
			must(t, err)
			_, err = s.UpdateStatus(f.AdminCtx, initial[0].ID, callsheet.StatusUpdate{Kind: ptr(callsheet.StatusClosed)})
			wantCode(t, err, callsheet.EINVALID)
		})
		t.Run("invalid and conflicting", func(t *testing.T) {
			wantCode(t, s.CreateStatus(f.AdminCtx, &callsheet.Status{Name: "Odd", Kind: "weird"}), callsheet.EINVALID)
			wantCode(t, s.CreateStatus(f.AdminCtx, &callsheet.Status{Name: "Closed", Kind: callsheet.StatusClosed}), callsheet.ECONFLICT)
		})
	})
}

func TestCustomFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewCustomFieldService(db)
		f := storetest.NewFixture(t, db, "fields")
		city := &callsheet.CustomField{Label: "City", Type: callsheet.FieldText}
		must(t, s.CreateCustomField(f.AdminCtx, city))
		wantCode(t, s.CreateCustomField(f.AdminCtx, &callsheet.CustomField{Label: "City", Type: callsheet.FieldText}), callsheet.ECONFLICT)
		wantCode(t, s.CreateCustomField(f.AdminCtx, &callsheet.CustomField{Label: "Phone", Type: callsheet.FieldText}), callsheet.EINVALID)
		wantCode(t, s.CreateCustomField(f.AdminCtx, &callsheet.CustomField{Label: "Budget", Type: "money"}), callsheet.EINVALID)
		got, err := s.UpdateCustomField(f.AdminCtx, city.ID, callsheet.CustomFieldUpdate{Label: ptr("Town")})
		must(t, err)
		if got.Label != "Town" || got.Key() == "" {
			t.Fatalf("got %+v", got)
		}
		fs, err := s.FindCustomFields(f.AdminCtx)
		must(t, err)
		if len(fs) != 1 || fs[0].Label != "Town" {
			t.Fatalf("fields %v", fs)
		}
		must(t, s.DeleteCustomField(f.AdminCtx, city.ID))
		wantCode(t, s.DeleteCustomField(f.AdminCtx, city.ID), callsheet.ENOTFOUND)
	})
}
