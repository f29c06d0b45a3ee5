package web

import (
	"net/http"
	"strconv"

	"github.com/callsheet/callsheet"
)

type usersPage struct {
	Users     []*callsheet.User
	Campaigns []*callsheet.Campaign
	User      *callsheet.User // the one being edited
}

// CampaignName returns the name of a campaign id.
func (p *usersPage) CampaignName(id int64) string {
	for _, c := range p.Campaigns {
		if c.ID == id {
			return c.Name
		}
	}
	return ""
}

func (s *Server) usersData(r *http.Request) (*usersPage, error) {
	us, _, err := s.Users.FindUsers(r.Context(), callsheet.UserFilter{})
	if err != nil {
		return nil, err
	}
	cs, _, err := s.Campaigns.FindCampaigns(r.Context(), callsheet.CampaignFilter{})
	if err != nil {
		return nil, err
	}
	return &usersPage{Users: us, Campaigns: cs}, nil
}

func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request) error {
	return s.renderUsers(w, r, http.StatusOK, &page{})
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, status int, p *page) error {
	d, err := s.usersData(r)
	if err != nil {
		return err
	}
	p.Title, p.Nav, p.Data = "Users", "users", d
	s.render(w, r, status, "users", p)
	return nil
}

// formCampaigns reads the ticked campaign ids of a user form.
func formCampaigns(r *http.Request) []int64 {
	ids := []int64{}
	for _, v := range r.PostForm["campaigns"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request) error {
	u := &callsheet.User{
		Name:           r.PostFormValue("name"),
		Login:          r.PostFormValue("login"),
		Role:           callsheet.Role(r.PostFormValue("role")),
		CanAddCustomer: r.PostFormValue("can_add_customer") == "on",
		CampaignIDs:    formCampaigns(r),
	}
	if err := s.Users.CreateUser(r.Context(), u, r.PostFormValue("password")); err != nil {
		return retry(err, func(status int, p *page) error {
			p.Form.Del("password") // never echo a password
			return s.renderUsers(w, r, status, p)
		})
	}
	redirect(w, r, "/admin/users", tr(r, "User %s created.", u.Name))
	return nil
}

func (s *Server) handleUserEdit(w http.ResponseWriter, r *http.Request) error {
	return s.renderUserEdit(w, r, http.StatusOK, &page{})
}

func (s *Server) renderUserEdit(w http.ResponseWriter, r *http.Request, status int, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.Users.FindUserByID(r.Context(), id)
	if err != nil {
		return err
	}
	d, err := s.usersData(r)
	if err != nil {
		return err
	}
	d.User = u
	p.Title, p.Nav, p.Data = tr(r, "Edit %s", u.Name), "users", d
	s.render(w, r, status, "user_edit", p)
	return nil
}

func (s *Server) handleUserSave(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	name, login := r.PostFormValue("name"), r.PostFormValue("login")
	role := callsheet.Role(r.PostFormValue("role"))
	canAdd := r.PostFormValue("can_add_customer") == "on"
	active := r.PostFormValue("active") == "on"
	camps := formCampaigns(r)
	upd := callsheet.UserUpdate{Name: &name, Login: &login, Role: &role, CanAddCustomer: &canAdd, Active: &active, CampaignIDs: &camps}
	if pw := r.PostFormValue("password"); pw != "" {
		upd.Password = &pw
	}
	if _, err := s.Users.UpdateUser(r.Context(), id, upd); err != nil {
		if callsheet.ErrorCode(err) == callsheet.ENOTFOUND && callsheet.ErrorFields(err) == nil {
			return err
		}
		return retry(err, func(status int, p *page) error {
			p.Form.Del("password")
			return s.renderUserEdit(w, r, status, p)
		})
	}
	redirect(w, r, "/admin/users", tr(r, "User %s saved.", name))
	return nil
}
