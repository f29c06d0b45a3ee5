package web

import (
	"net/http"

	"github.com/callsheet/callsheet"
)

type campaignRow struct {
	*callsheet.Campaign
	Customers int
}

func (s *Server) handleCampaigns(w http.ResponseWriter, r *http.Request) {
	s.renderCampaigns(w, r, http.StatusOK, &page{})
}

func (s *Server) renderCampaigns(w http.ResponseWriter, r *http.Request, status int, p *page) {
	ctx := r.Context()
	cs, _, err := s.Campaigns.FindCampaigns(ctx, callsheet.CampaignFilter{})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	rows := make([]campaignRow, 0, len(cs))
	for _, c := range cs {
		counts, err := s.Customers.CountCustomersByStatus(ctx, c.ID)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		n := 0
		for _, sc := range counts {
			n += sc.Count
		}
		rows = append(rows, campaignRow{c, n})
	}
	p.Title, p.Nav, p.Data = "Campaigns", "campaigns", rows
	s.render(w, r, status, "campaigns", p)
}

func (s *Server) handleCampaignCreate(w http.ResponseWriter, r *http.Request) {
	c := &callsheet.Campaign{Name: r.PostFormValue("name")}
	if err := s.Campaigns.CreateCampaign(r.Context(), c); err != nil {
		s.renderCampaigns(w, r, statusOf(err), formPage("", r, err))
		return
	}
	redirect(w, r, "/campaigns/"+itoa(c.ID), "Campaign "+c.Name+" created.")
}

func (s *Server) handleCampaignEdit(w http.ResponseWriter, r *http.Request) {
	c, ok := s.pathCampaign(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "campaign_edit", &page{Title: "Edit " + c.Name, Nav: "campaigns", Data: c})
}

func (s *Server) handleCampaignSave(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	name := r.PostFormValue("name")
	archived := r.PostFormValue("archived") == "on"
	c, err := s.Campaigns.UpdateCampaign(r.Context(), id, callsheet.CampaignUpdate{Name: &name, Archived: &archived})
	if err != nil {
		if callsheet.ErrorCode(err) == callsheet.ENOTFOUND {
			s.renderError(w, r, err)
			return
		}
		old, ferr := s.Campaigns.FindCampaignByID(r.Context(), id)
		if ferr != nil {
			s.renderError(w, r, ferr)
			return
		}
		p := formPage("Edit "+old.Name, r, err)
		p.Nav, p.Data = "campaigns", old
		s.render(w, r, statusOf(err), "campaign_edit", p)
		return
	}
	redirect(w, r, "/campaigns/"+itoa(c.ID), "Campaign saved.")
}
