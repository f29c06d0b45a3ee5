package web

import (
	"context"
	"fmt"
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
// An agent is shown other users' names and ids only: a name is what an
// agent needs (to read who has a customer), and a login is half of what
// it takes to log in as someone.
func apiUser(u *callsheet.User, viewer *callsheet.Actor) any {
	if !viewer.IsAdmin() {
		return userName{ID: u.ID, Name: u.Name}
	}
	if u.CampaignIDs == nil {
		c := *u
		c.CampaignIDs = []int64{}
		return &c
	}
	return u
}

// userName is a user as agents see one.
type userName struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// filterRef is a query parameter that filters a list by an object's id,
// and how to find that object.
type filterRef struct {
	param, what string
	id          *int64
	find        func(ctx context.Context, id int64) error
}

// checkFilters answers not found for a filter's id that is not the
// caller's to see: another account's, or a campaign an agent does not
// work. Every id of another account is not found, by every endpoint; a
// filter that answered an empty list instead would differ from the docs
// and from the object's own endpoint. Zero (an agent filter's
// "unassigned") names no object and is not looked up.
func checkFilters(ctx context.Context, refs ...filterRef) error {
	for _, f := range refs {
		if f.id == nil || *f.id == 0 {
			continue
		}
		if err := f.find(ctx, *f.id); err != nil {
			if callsheet.ErrorCode(err) != callsheet.ENOTFOUND {
				return err
			}
			msg := fmt.Sprintf("The %s parameter names no %s of this account: %d.", f.param, f.what, *f.id)
			return &callsheet.Error{Code: callsheet.ENOTFOUND, Message: msg, Fields: map[string]string{f.param: msg}}
		}
	}
	return nil
}

// campaignFilter, statusFilter and userFilter are the filters by id the
// lists take.
func (s *Server) campaignFilter(param string, id *int64) filterRef {
	return filterRef{param, "campaign", id, func(ctx context.Context, id int64) error {
		_, err := s.Campaigns.FindCampaignByID(ctx, id)
		return err
	}}
}

func (s *Server) statusFilter(param string, id *int64) filterRef {
	return filterRef{param, "status", id, func(ctx context.Context, id int64) error {
		_, err := s.Statuses.FindStatusByID(ctx, id)
		return err
	}}
}

func (s *Server) userFilter(param string, id *int64) filterRef {
	return filterRef{param, "user", id, func(ctx context.Context, id int64) error {
		_, err := s.Users.FindUserByID(ctx, id)
		return err
	}}
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
	if err := checkFilters(r.Context(), s.campaignFilter("campaign", f.CampaignID)); err != nil {
		return err
	}
	list, total, err := s.Users.FindUsers(r.Context(), f)
	if err != nil {
		return err
	}
	viewer := callsheet.ActorFromContext(r.Context())
	out := make([]any, len(list))
	for i, u := range list {
		out[i] = apiUser(u, viewer)
	}
	writeJSON(w, http.StatusOK, listPage[any]{Items: out, Total: total, Limit: limit, Offset: offset})
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
	writeJSON(w, http.StatusOK, apiUser(u, callsheet.ActorFromContext(r.Context())))
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
