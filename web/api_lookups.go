package web

import (
	"net/http"

	"github.com/callsheet/callsheet"
)

// The account's campaigns, statuses, users and custom fields: what an
// integration needs to know to send customers.

func (s *Server) handleAPICampaigns(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := paging(r)
	if err != nil {
		return err
	}
	archived, err := queryBool(r, "archived")
	if err != nil {
		return err
	}
	list, total, err := s.Campaigns.FindCampaigns(r.Context(), callsheet.CampaignFilter{Archived: archived, Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	if list == nil {
		list = []*callsheet.Campaign{}
	}
	writeJSON(w, http.StatusOK, listPage[*callsheet.Campaign]{Items: list, Total: total, Limit: limit, Offset: offset})
	return nil
}

func (s *Server) handleAPICampaign(w http.ResponseWriter, r *http.Request) error {
	id, err := apiPathID(r)
	if err != nil {
		return err
	}
	c, err := s.Campaigns.FindCampaignByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) handleAPIStatuses(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := paging(r)
	if err != nil {
		return err
	}
	list, _, err := s.Statuses.FindStatuses(r.Context(), callsheet.StatusFilter{})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOfSlice(list, limit, offset))
	return nil
}

func (s *Server) handleAPIStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := apiPathID(r)
	if err != nil {
		return err
	}
	st, err := s.Statuses.FindStatusByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// apiUser is a user as the API shows it: campaign_ids is always a list.
func apiUser(u *callsheet.User) *callsheet.User {
	if u.CampaignIDs == nil {
		c := *u
		c.CampaignIDs = []int64{}
		return &c
	}
	return u
}

func (s *Server) handleAPIUsers(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := paging(r)
	if err != nil {
		return err
	}
	f := callsheet.UserFilter{Limit: limit, Offset: offset}
	if v := r.URL.Query().Get("role"); v != "" {
		role := callsheet.Role(v)
		if !role.Valid() {
			return badParam("role", "The role parameter must be admin or agent.")
		}
		f.Role = &role
	}
	if f.CampaignID, err = queryID(r, "campaign", false); err != nil {
		return err
	}
	if f.Active, err = queryBool(r, "active"); err != nil {
		return err
	}
	list, total, err := s.Users.FindUsers(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]*callsheet.User, len(list))
	for i, u := range list {
		out[i] = apiUser(u)
	}
	writeJSON(w, http.StatusOK, listPage[*callsheet.User]{Items: out, Total: total, Limit: limit, Offset: offset})
	return nil
}

func (s *Server) handleAPIUser(w http.ResponseWriter, r *http.Request) error {
	id, err := apiPathID(r)
	if err != nil {
		return err
	}
	u, err := s.Users.FindUserByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, apiUser(u))
	return nil
}

// apiCustomField is a custom field with the key customers carry its
// values under.
type apiCustomField struct {
	*callsheet.CustomField
	Key string `json:"key"`
}

func (s *Server) customFields(r *http.Request) ([]apiCustomField, error) {
	list, err := s.CustomFields.FindCustomFields(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]apiCustomField, len(list))
	for i, f := range list {
		out[i] = apiCustomField{CustomField: f, Key: f.Key()}
	}
	return out, nil
}

func (s *Server) handleAPICustomFields(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := paging(r)
	if err != nil {
		return err
	}
	list, err := s.customFields(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOfSlice(list, limit, offset))
	return nil
}

func (s *Server) handleAPICustomField(w http.ResponseWriter, r *http.Request) error {
	id, err := apiPathID(r)
	if err != nil {
		return err
	}
	list, err := s.customFields(r)
	if err != nil {
		return err
	}
	for _, f := range list {
		if f.ID == id {
			writeJSON(w, http.StatusOK, f)
			return nil
		}
	}
	return callsheet.Errorf(callsheet.ENOTFOUND, "Custom field not found.")
}
