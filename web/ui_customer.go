package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/callsheet/callsheet"
)

type customerPage struct {
	Customer *callsheet.Customer
	Campaign *callsheet.Campaign
	History  []*callsheet.AuditEvent // for admins
	*lookups
}

// CustomValue returns the customer's value of a custom field.
func (p *customerPage) CustomValue(id int64) string { return p.Customer.Custom[id] }

// localInputLayout is the value format of <input type="datetime-local">.
const localInputLayout = "2006-01-02T15:04"

// Local formats a time for a datetime-local input in the account's zone.
func (p *page) Local(t *time.Time) string {
	if t == nil || p.Account() == nil {
		return ""
	}
	return t.In(p.Account().Location()).Format(localInputLayout)
}

func (s *Server) handleCustomer(w http.ResponseWriter, r *http.Request) {
	s.renderCustomer(w, r, http.StatusOK, &page{})
}

func (s *Server) renderCustomer(w http.ResponseWriter, r *http.Request, status int, p *page) {
	id, err := pathID(r, "id")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	c, err := s.Customers.FindCustomerByID(r.Context(), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	camp, err := s.Campaigns.FindCampaignByID(r.Context(), c.CampaignID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	l, err := s.loadLookups(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	p.Title = strings.TrimSpace(c.Name + " " + c.LastName)
	p.Nav = "campaigns"
	d := &customerPage{Customer: c, Campaign: camp, lookups: l}
	if sessionFrom(r).User.Role == callsheet.RoleAdmin {
		kind := "customer"
		d.History, _, _ = s.Audit.FindAuditEvents(r.Context(), callsheet.AuditFilter{ObjectType: &kind, ObjectID: &c.ID, Limit: 20})
	}
	p.Data = d
	s.render(w, r, status, "customer", p)
}

func (s *Server) handleCustomerSave(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	sess := sessionFrom(r)
	var upd callsheet.CustomerUpdate
	fields := map[string]string{}
	if v, err := strconv.ParseInt(r.PostFormValue("status"), 10, 64); err == nil {
		upd.StatusID = &v
	}
	// A note is added on top of the earlier ones, with when and by whom.
	if add := strings.TrimSpace(r.PostFormValue("add_note")); add != "" {
		c, err := s.Customers.FindCustomerByID(r.Context(), id)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		note := time.Now().In(sess.Account.Location()).Format(DateTimeLayout) + " " + sess.User.Name + ": " + add
		if c.Note != "" {
			note += "\n" + c.Note
		}
		// The oldest notes give way when they no longer fit.
		if r := []rune(note); len(r) > callsheet.MaxNoteLength {
			note = string(r[:callsheet.MaxNoteLength-1]) + "…"
		}
		upd.Note = &note
	}
	if fu := strings.TrimSpace(r.PostFormValue("follow_up_at")); fu != "" {
		t, err := time.ParseInLocation(localInputLayout, fu, sess.Account.Location())
		if err != nil {
			fields[callsheet.FieldFollowUpAt] = "Follow-up date must be a date and time."
		} else {
			upd.FollowUpAt = &t
		}
	} else {
		upd.FollowUpAt = &time.Time{}
	}
	if sess.User.Role == callsheet.RoleAdmin {
		if a := r.PostFormValue("agent"); a != "" {
			if v, err := strconv.ParseInt(a, 10, 64); err == nil {
				upd.AgentID = &v
			}
		}
		// Admins also correct the customer's details.
		for name, dst := range map[string]**string{callsheet.FieldName: &upd.Name, callsheet.FieldLastName: &upd.LastName,
			callsheet.FieldEmail: &upd.Email, callsheet.FieldSource: &upd.Source, callsheet.FieldExternalID: &upd.ExternalID} {
			if _, ok := r.PostForm[name]; ok {
				v := r.PostFormValue(name)
				*dst = &v
			}
		}
		if p := strings.TrimSpace(r.PostFormValue(callsheet.FieldPhone)); p != "" {
			e164, err := s.Imports.NormalizePhone(r.Context(), p, false)
			if err != nil {
				fields[callsheet.FieldPhone] = callsheet.ErrorMessage(err)
			} else {
				upd.Phone = &e164
			}
		}
	}
	if len(fields) > 0 {
		s.renderCustomer(w, r, http.StatusUnprocessableEntity, formPage("", r, callsheet.FieldErrors(fields)))
		return
	}
	if _, err := s.Customers.UpdateCustomer(r.Context(), id, upd); err != nil {
		if callsheet.ErrorCode(err) == callsheet.ENOTFOUND && callsheet.ErrorFields(err) == nil {
			s.renderError(w, r, err)
			return
		}
		s.renderCustomer(w, r, statusOf(err), formPage("", r, err))
		return
	}
	redirect(w, r, "/customers/"+itoa(id), "Customer saved.")
}
