package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/callsheet/callsheet"
)

// lookups holds the account's statuses, users and custom fields, to show
// names for ids.
type lookups struct {
	Statuses     []*callsheet.Status
	Users        []*callsheet.User
	CustomFields []*callsheet.CustomField
	status       map[int64]*callsheet.Status
	user         map[int64]*callsheet.User
}

// StatusName returns the name of a status id.
func (l *lookups) StatusName(id int64) string {
	if s := l.status[id]; s != nil {
		return s.Name
	}
	return ""
}

// StatusKind returns the kind of a status id.
func (l *lookups) StatusKind(id int64) string {
	if s := l.status[id]; s != nil {
		return string(s.Kind)
	}
	return ""
}

// UserName returns the name of a user id.
func (l *lookups) UserName(id int64) string {
	if u := l.user[id]; u != nil {
		return u.Name
	}
	return ""
}

// Agents returns the active users customers can be assigned to.
func (l *lookups) Agents() []*callsheet.User {
	var out []*callsheet.User
	for _, u := range l.Users {
		if u.Active {
			out = append(out, u)
		}
	}
	return out
}

func (s *Server) loadLookups(r *http.Request) (*lookups, error) {
	ctx := r.Context()
	l := &lookups{status: map[int64]*callsheet.Status{}, user: map[int64]*callsheet.User{}}
	var err error
	if l.Statuses, _, err = s.Statuses.FindStatuses(ctx, callsheet.StatusFilter{}); err != nil {
		return nil, err
	}
	if l.Users, _, err = s.Users.FindUsers(ctx, callsheet.UserFilter{}); err != nil {
		return nil, err
	}
	if l.CustomFields, err = s.CustomFields.FindCustomFields(ctx); err != nil {
		return nil, err
	}
	for _, st := range l.Statuses {
		l.status[st.ID] = st
	}
	for _, u := range l.Users {
		l.user[u.ID] = u
	}
	return l, nil
}

type campaignPage struct {
	Campaign  *callsheet.Campaign
	Customers []*callsheet.Customer
	Counts    []callsheet.StatusCount
	Total     int
	Filter    campaignFilter
	Pager     pager
	Imports   []*callsheet.ImportJob
	*lookups
}

type campaignFilter struct {
	Q, Sort       string
	Status, Agent int64
	HasAgent      bool
}

const customersPerPage = 50

func (s *Server) handleCampaign(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, ok := s.pathCampaign(w, r)
	if !ok {
		return
	}
	id := c.ID
	l, err := s.loadLookups(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	q := r.URL.Query()
	cf := campaignFilter{Q: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort")}
	f := callsheet.CustomerFilter{CampaignID: &id, Sort: callsheet.CustomerSort(cf.Sort), Limit: customersPerPage}
	if cf.Q != "" {
		f.Text = &cf.Q
	}
	if v, err := strconv.ParseInt(q.Get("status"), 10, 64); err == nil && v > 0 {
		cf.Status, f.StatusID = v, &v
	}
	if a := q.Get("agent"); a != "" {
		if v, err := strconv.ParseInt(a, 10, 64); err == nil && v >= 0 {
			cf.Agent, cf.HasAgent, f.AgentID = v, true, &v
		}
	}
	// A filter by a status or user of another account is not found, as
	// the API answers it, rather than an empty list.
	if f.StatusID != nil && l.status[*f.StatusID] == nil {
		s.renderError(w, r, callsheet.Errorf(callsheet.ENOTFOUND, "There is no status %d in this account.", *f.StatusID))
		return
	}
	if f.AgentID != nil && *f.AgentID != 0 && l.user[*f.AgentID] == nil {
		s.renderError(w, r, callsheet.Errorf(callsheet.ENOTFOUND, "There is no user %d in this account.", *f.AgentID))
		return
	}
	f.Offset = (pageOf(r) - 1) * customersPerPage
	list, total, err := s.Customers.FindCustomers(ctx, f)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	pg := newPager(r, total, customersPerPage)
	if pg.Offset() != f.Offset { // asked for a page past the end
		f.Offset = pg.Offset()
		if list, total, err = s.Customers.FindCustomers(ctx, f); err != nil {
			s.renderError(w, r, err)
			return
		}
	}
	counts, err := s.Customers.CountCustomersByStatus(ctx, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d := &campaignPage{Campaign: c, Customers: list, Counts: counts, Total: total, Filter: cf, Pager: pg, lookups: l}
	if sessionFrom(r).User.Role == callsheet.RoleAdmin {
		d.Imports = s.importHistory(r, id)
	}
	s.render(w, r, http.StatusOK, "campaign", &page{Title: c.Name, Nav: "campaigns", Data: d})
}
