package web

import (
	"net/http"
	"strings"

	"github.com/callsheet/callsheet"
)

// The do-not-call register and lifting a customer's block, through the
// API: what the register page and the customer card's "Allow contact
// again" do, for admins and API tokens only.

// apiAdminOnly refuses an agent's session before anything is read: the
// register and lifting a block are the admins', as on the pages, and an
// agent must not learn from an error which numbers are on the register.
func apiAdminOnly(r *http.Request) error {
	if a := callsheet.ActorFromContext(r.Context()); a == nil || !a.IsAdmin() {
		return callsheet.Errorf(callsheet.EFORBIDDEN, "Only an admin may read or change the do-not-call register.")
	}
	return nil
}

// apiPhone reads a phone as the register page and imports read it: a
// number of the account's country, or international with + or 00, so
// the register and the customers agree on the number. A phone that
// cannot be read is refused naming field.
func (s *Server) apiPhone(r *http.Request, phone, field, code string) (string, error) {
	phone = strings.TrimSpace(phone)
	if phone == "" {
		msg := "Give the phone number."
		return "", &callsheet.Error{Code: code, Message: msg, Fields: map[string]string{field: msg}}
	}
	e164, err := s.normalizePhone(r, phone)
	if err != nil {
		if callsheet.ErrorCode(err) != callsheet.EINVALID {
			return "", err
		}
		msg := callsheet.ErrorMessage(err)
		return "", &callsheet.Error{Code: code, Message: msg, Fields: map[string]string{field: msg}}
	}
	return e164, nil
}

// handleAPIDoNotCalls lists the register, newest request first; phone
// looks one number up.
func (s *Server) handleAPIDoNotCalls(w http.ResponseWriter, r *http.Request) error {
	if err := apiAdminOnly(r); err != nil {
		return err
	}
	limit, offset, err := paging(r)
	if err != nil {
		return err
	}
	f := callsheet.DoNotCallFilter{Limit: limit, Offset: offset}
	if v := r.URL.Query().Get("phone"); v != "" {
		e164, err := s.apiPhone(r, v, "phone", callsheet.EBADREQUEST)
		if err != nil {
			return err
		}
		f.Phone = &e164
	}
	list, total, err := s.DoNotCall.FindDoNotCalls(r.Context(), f)
	if err != nil {
		return err
	}
	if list == nil {
		list = []*callsheet.DoNotCall{}
	}
	writeJSON(w, http.StatusOK, listPage[*callsheet.DoNotCall]{Items: list, Total: total, Limit: limit, Offset: offset})
	return nil
}

// dncRequest is the body of adding a number to the register or removing
// one from it.
type dncRequest struct {
	Phone  string `json:"phone"`
	Reason string `json:"reason"`
}

// handleAPIAddDoNotCall records a phone's request not to be called, or
// renews it: 201 for a number new to the register, 200 for one already
// on it, whose request date becomes now.
func (s *Server) handleAPIAddDoNotCall(w http.ResponseWriter, r *http.Request) error {
	if err := apiAdminOnly(r); err != nil {
		return err
	}
	var body dncRequest
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	phone, err := s.apiPhone(r, body.Phone, "phone", callsheet.EINVALID)
	if err != nil {
		return err
	}
	// Looked up first only to tell a new entry from a renewed one; the
	// add itself is one statement, so a race changes the status code at
	// most.
	before, _, err := s.DoNotCall.FindDoNotCalls(r.Context(), callsheet.DoNotCallFilter{Phone: &phone, Limit: 1})
	if err != nil {
		return err
	}
	d, err := s.DoNotCall.AddDoNotCall(r.Context(), phone, strings.TrimSpace(body.Reason))
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if len(before) == 1 && before[0].ID == d.ID {
		status = http.StatusOK
	}
	writeJSON(w, status, d)
	return nil
}

// handleAPIRemoveDoNotCall takes a phone off the register, with a reason
// kept in the audit log, and answers which customers it blocked.
func (s *Server) handleAPIRemoveDoNotCall(w http.ResponseWriter, r *http.Request) error {
	if err := apiAdminOnly(r); err != nil {
		return err
	}
	var body dncRequest
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	phone, err := s.apiPhone(r, body.Phone, "phone", callsheet.EINVALID)
	if err != nil {
		return err
	}
	res, err := s.DoNotCall.RemoveDoNotCall(r.Context(), phone, body.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// allowContactRequest is the body of allowing a customer to be called
// again.
type allowContactRequest struct {
	Reason   string `json:"reason"`
	StatusID *int64 `json:"status_id"`
}

// handleAPIAllowContact lets one blocked customer be called again, as the
// card's "Allow contact again" does, and answers the customer as changed.
func (s *Server) handleAPIAllowContact(w http.ResponseWriter, r *http.Request) error {
	if err := apiAdminOnly(r); err != nil {
		return err
	}
	id, err := apiPathID(r)
	if err != nil {
		return err
	}
	var body allowContactRequest
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	var status int64
	if body.StatusID != nil {
		if *body.StatusID <= 0 {
			msg := "Must be the id of a status."
			return &callsheet.Error{Code: callsheet.EINVALID, Message: "status_id: " + msg, Fields: map[string]string{"status_id": msg}}
		}
		status = *body.StatusID
	}
	c, err := s.DoNotCall.AllowContact(r.Context(), id, body.Reason, status)
	if err != nil {
		return apiStatusField(err)
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// apiStatusField names the status the store complains about by the API's
// field, status_id.
func apiStatusField(err error) error {
	f := callsheet.ErrorFields(err)
	msg, ok := f["status"]
	if !ok {
		return err
	}
	fields := make(map[string]string, len(f))
	for k, v := range f {
		fields[k] = v
	}
	delete(fields, "status")
	fields["status_id"] = msg
	return &callsheet.Error{Code: callsheet.ErrorCode(err), Message: callsheet.ErrorMessage(err), Fields: fields}
}
