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

func (s *Server) handleAddCustomerForm(w http.ResponseWriter, r *http.Request) error {
	if err := mayAdd(sessionFrom(r)); err != nil {
		return err
	}
	return s.renderAddCustomer(w, r, http.StatusOK, &page{}, 0)
}

func (s *Server) renderAddCustomer(w http.ResponseWriter, r *http.Request, status int, p *page, existing int64) error {
	c, err := s.campaignOfPath(r)
	if err != nil {
		return err
	}
	l, err := s.loadLookups(r)
	if err != nil {
		return err
	}
	p.Title, p.Nav = tr(r, "Add a customer to %s", c.Name), "campaigns"
	p.Data = &addCustomerPage{Campaign: c, CustomFields: l.CustomFields, Agents: l.Agents(), Existing: existing}
	s.render(w, r, status, "add_customer", p)
	return nil
}

// addCustomerFields are the form's inputs that are customer fields.
var addCustomerFields = []string{callsheet.FieldName, callsheet.FieldLastName, callsheet.FieldPhone, callsheet.FieldEmail,
	callsheet.FieldFollowUpAt, callsheet.FieldSource, callsheet.FieldNote}

func (s *Server) handleAddCustomer(w http.ResponseWriter, r *http.Request) error {
	sess := sessionFrom(r)
	if err := mayAdd(sess); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
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
	again := func(existing int64) func(int, *page) error {
		return func(status int, p *page) error { return s.renderAddCustomer(w, r, status, p, existing) }
	}
	opts := callsheet.ImportOptions{International: r.PostFormValue("international") == "on", Unique: callsheet.UniqueAny}
	_, res, err := s.Imports.AddCustomers(r.Context(), id, opts, []callsheet.CustomerInput{item}, "form")
	if err != nil {
		if code := callsheet.ErrorCode(err); code == callsheet.ENOTFOUND || code == callsheet.EFORBIDDEN {
			return err
		}
		return retry(err, again(0))
	}
	row := res.Rows[0]
	switch {
	case row.Outcome == callsheet.OutcomeInvalid:
		return retry(rowError(row), again(0))
	case row.Outcome == callsheet.OutcomeSkippedExisting:
		err := &callsheet.Error{Code: callsheet.ECONFLICT, Message: "A customer with this phone is already in the campaign; nothing was added.",
			Fields: map[string]string{callsheet.FieldPhone: "Already in this campaign."}}
		return retry(err, again(row.CustomerID))
	case row.Blocked:
		redirect(w, r, "/customers/"+itoa(row.CustomerID), tr(r, "Customer added. This number once asked not to be called: the customer is blocked."))
	default:
		redirect(w, r, "/customers/"+itoa(row.CustomerID), tr(r, "Customer added."))
	}
	return nil
}

// rowError is the error of the add form's invalid row, its messages in
// the reader's language where the import gives them as catalogue keys.
func rowError(row callsheet.RowResult) error {
	fields := row.Errors
	if len(fields) == 0 {
		fields = map[string]string{row.Field: row.Message}
	}
	e := &callsheet.Error{Code: callsheet.EINVALID, Message: row.Message, Fields: fields}
	if len(row.Reason) == 1 {
		e.Msg = row.Reason[0]
		if len(row.Errors) == 0 {
			e.FieldMsgs = map[string]callsheet.Message{row.Field: row.Reason[0]}
		}
	}
	return e
}
