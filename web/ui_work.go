package web

import (
	"net/http"
	"strconv"

	"github.com/callsheet/callsheet"
)

type workPage struct {
	Customers []*callsheet.Customer
	Campaigns []*callsheet.Campaign
	Campaign  int64
	Total     int
	Pager     pager
	*lookups
}

// CampaignName returns the name of a campaign id.
func (p *workPage) CampaignName(id int64) string {
	for _, c := range p.Campaigns {
		if c.ID == id {
			return c.Name
		}
	}
	return ""
}

// handleWork lists the customers the user may work now: assigned to them,
// not blocked by do-not-call, not closed; due follow-ups first.
func (s *Server) handleWork(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sess := sessionFrom(r)
	l, err := s.loadLookups(r)
	if err != nil {
		return err
	}
	live := false
	camps, _, err := s.Campaigns.FindCampaigns(ctx, callsheet.CampaignFilter{Archived: &live})
	if err != nil {
		return err
	}
	me := sess.User.ID
	f := callsheet.CustomerFilter{AgentID: &me, Callable: true, Sort: callsheet.SortFollowUp, Limit: customersPerPage,
		Offset: (pageOf(r) - 1) * customersPerPage}
	d := &workPage{Campaigns: camps, lookups: l}
	if v, err := strconv.ParseInt(r.URL.Query().Get("campaign"), 10, 64); err == nil && v > 0 {
		// A campaign the user may not see is not found, not empty.
		if _, err := s.Campaigns.FindCampaignByID(ctx, v); err != nil {
			return err
		}
		d.Campaign, f.CampaignID = v, &v
	}
	if d.Customers, d.Total, err = s.Customers.FindCustomers(ctx, f); err != nil {
		return err
	}
	d.Pager = newPager(r, d.Total, customersPerPage)
	s.render(w, r, http.StatusOK, "work", &page{Title: "My customers", Nav: "work", Data: d})
	return nil
}
