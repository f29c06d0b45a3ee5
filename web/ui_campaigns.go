package web

import (
	"net/http"

	"github.com/callsheet/callsheet"
)

type campaignRow struct {
	*callsheet.Campaign
	Customers int
}

func (s *Server) handleCampaigns(w http.ResponseWriter, r *http.Request) error {
	return s.renderCampaigns(w, r, http.StatusOK, &page{})
}

func (s *Server) renderCampaigns(w http.ResponseWriter, r *http.Request, status int, p *page) error {
	ctx := r.Context()
	cs, _, err := s.Campaigns.FindCampaigns(ctx, callsheet.CampaignFilter{})
	if err != nil {
		return err
	}
	rows := make([]campaignRow, 0, len(cs))
	for _, c := range cs {
		counts, err := s.Customers.CountCustomersByStatus(ctx, c.ID)
		if err != nil {
			return err
		}
		n := 0
		for _, sc := range counts {
			n += sc.Count
		}
		rows = append(rows, campaignRow{c, n})
	}
	p.Title, p.Nav, p.Data = "Campaigns", "campaigns", rows
	s.render(w, r, status, "campaigns", p)
	return nil
}

func (s *Server) handleCampaignCreate(w http.ResponseWriter, r *http.Request) error {
	c := &callsheet.Campaign{Name: r.PostFormValue("name")}
	if err := s.Campaigns.CreateCampaign(r.Context(), c); err != nil {
		return retry(err, func(status int, p *page) error { return s.renderCampaigns(w, r, status, p) })
	}
	redirect(w, r, "/campaigns/"+itoa(c.ID), tr(r, "Campaign %s created.", c.Name))
	return nil
}

func (s *Server) handleCampaignEdit(w http.ResponseWriter, r *http.Request) error {
	c, err := s.campaignOfPath(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "campaign_edit", &page{Title: tr(r, "Edit %s", c.Name), Nav: "campaigns", Data: c})
	return nil
}

func (s *Server) handleCampaignSave(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	name := r.PostFormValue("name")
	archived := r.PostFormValue("archived") == "on"
	c, err := s.Campaigns.UpdateCampaign(r.Context(), id, callsheet.CampaignUpdate{Name: &name, Archived: &archived})
	if callsheet.ErrorCode(err) == callsheet.ENOTFOUND {
		return err
	}
	if err != nil {
		return retry(err, func(status int, p *page) error {
			old, err := s.Campaigns.FindCampaignByID(r.Context(), id)
			if err != nil {
				return err
			}
			p.Title, p.Nav, p.Data = tr(r, "Edit %s", old.Name), "campaigns", old
			s.render(w, r, status, "campaign_edit", p)
			return nil
		})
	}
	redirect(w, r, "/campaigns/"+itoa(c.ID), tr(r, "Campaign saved."))
	return nil
}
