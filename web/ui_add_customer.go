package web

import (
	"net/http"
	"strings"

	"github.com/callsheet/callsheet"
)

type addCustomerPage struct {
	Campaign     *callsheet.Campaign
	CustomFields []*callsheet.CustomField
	Agents       []*callsheet.User
	Existing     int64 // the customer already in the campaign with this phone
}

// mayAdd refuses, with 403, users without the Add customer permission.
func mayAdd(sess *session) error {
	if !sess.User.MayAddCustomer() {
		return callsheet.Errorf(callsheet.EFORBIDDEN, "You do not have permission to add customers. Ask your admin.")
	}
	return nil
}

func (s *Server) handleAddCustomerForm(w http.ResponseWriter, r *http.Request) {
	if err := mayAdd(sessionFrom(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.renderAddCustomer(w, r, http.StatusOK, &page{}, 0)
}

func (s *Server) renderAddCustomer(w http.ResponseWriter, r *http.Request, status int, p *page, existing int64) {
	c, ok := s.pathCampaign(w, r)
	if !ok {
		return
	}
	l, err := s.loadLookups(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	p.Title, p.Nav = "Add a customer to "+c.Name, "campaigns"
	p.Data = &addCustomerPage{Campaign: c, CustomFields: l.CustomFields, Agents: l.Agents(), Existing: existing}
	s.render(w, r, status, "add_customer", p)
}

// addCustomerFields are the form's inputs that are customer fields.
var addCustomerFields = []string{callsheet.FieldName, callsheet.FieldLastName, callsheet.FieldPhone, callsheet.FieldEmail,
	callsheet.FieldFollowUpAt, callsheet.FieldSource, callsheet.FieldNote}

func (s *Server) handleAddCustomer(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r)
	if err := mayAdd(sess); err != nil {
		s.renderError(w, r, err)
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	item := callsheet.CustomerInput{}
	for _, f := range addCustomerFields {
		if v := strings.TrimSpace(r.PostFormValue(f)); v != "" || f == callsheet.FieldPhone || f == callsheet.FieldName {
			item[f] = v
		}
	}
	for k, v := range r.PostForm {
		if strings.HasPrefix(k, "custom_field_") && len(v) > 0 && strings.TrimSpace(v[0]) != "" {
			item[k] = v[0]
		}
	}
	// An agent's customer is theirs; an admin may give it to anyone.
	if sess.User.Role == callsheet.RoleAgent {
		item[callsheet.FieldAgent] = sess.User.Name
	} else if a := r.PostFormValue("agent"); a != "" {
		item[callsheet.FieldAgent] = a
	}
	opts := callsheet.ImportOptions{International: r.PostFormValue("international") == "on", Unique: callsheet.UniqueAny}
	_, res, err := s.Imports.AddCustomers(r.Context(), id, opts, []callsheet.CustomerInput{item}, "form")
	if err != nil {
		if code := callsheet.ErrorCode(err); code == callsheet.ENOTFOUND || code == callsheet.EFORBIDDEN {
			s.renderError(w, r, err)
			return
		}
		s.renderAddCustomer(w, r, statusOf(err), formPage("", r, err), 0)
		return
	}
	row := res.Rows[0]
	switch {
	case row.Outcome == callsheet.OutcomeInvalid:
		fields := row.Errors
		if len(fields) == 0 {
			fields = map[string]string{row.Field: row.Message}
		}
		err := &callsheet.Error{Code: callsheet.EINVALID, Message: row.Message, Fields: fields}
		s.renderAddCustomer(w, r, http.StatusUnprocessableEntity, formPage("", r, err), 0)
	case row.Outcome == callsheet.OutcomeSkippedExisting:
		p := formPage("", r, nil)
		p.Error = "A customer with this phone is already in the campaign; nothing was added."
		p.Fields = map[string]string{callsheet.FieldPhone: "Already in this campaign."}
		s.renderAddCustomer(w, r, http.StatusConflict, p, row.CustomerID)
	case row.Blocked:
		redirect(w, r, "/customers/"+itoa(row.CustomerID), "Customer added. This number once asked not to be called: the customer is blocked.")
	default:
		redirect(w, r, "/customers/"+itoa(row.CustomerID), "Customer added.")
	}
}
