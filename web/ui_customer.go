package web

import (
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/i18n"
)

type customerPage struct {
	Customer *callsheet.Customer
	Campaign *callsheet.Campaign
	History  []*callsheet.AuditEvent // for admins
	// Added is the import that added the customer (a file, a batch or a
	// single add), for admins; nil if it was made otherwise. AddedHow
	// says how, in the reader's language.
	Added    *callsheet.ImportJob
	AddedHow template.HTML
	// ConfirmDoNotCall asks, in the form, before the chosen do-not-call
	// status puts the phone on the register.
	ConfirmDoNotCall *callsheet.Status
	// For admins, while the customer is blocked or in a do-not-call
	// status: the register's entry and how many other customers with the
	// phone it blocks (they stay blocked when this one is allowed).
	Register     *callsheet.DoNotCall
	OthersWithIt int
	*lookups
}

// CustomValue returns the customer's value of a custom field, a date
// written as every page writes dates (it is stored as YYYY-MM-DD).
func (p *customerPage) CustomValue(id int64) string {
	v := p.Customer.Custom[id]
	for _, f := range p.CustomFields {
		if f.ID == id && f.Type == callsheet.FieldDate {
			return customDate(v)
		}
	}
	return v
}

// customDate writes a custom date field's stored value (YYYY-MM-DD, with
// an optional time) as pages and the export write dates.
func customDate(v string) string {
	if t, err := time.Parse("2006-01-02 15:04", v); err == nil {
		return t.Format(DateTimeLayout)
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t.Format("02-01-2006")
	}
	return v
}

// InDoNotCallStatus reports whether the customer's status is a
// do-not-call one.
func (p *customerPage) InDoNotCallStatus() bool {
	return p.StatusKind(p.Customer.StatusID) == string(callsheet.StatusDoNotCall)
}

// BackStatuses are the statuses a customer may go back to when contact is
// allowed again: every status that is not a do-not-call one.
func (p *customerPage) BackStatuses() []*callsheet.Status {
	var out []*callsheet.Status
	for _, s := range p.Statuses {
		if s.Kind != callsheet.StatusDoNotCall {
			out = append(out, s)
		}
	}
	return out
}

// InitialStatusID returns the id of the account's initial status, where a
// customer allowed again goes back by default.
func (p *customerPage) InitialStatusID() int64 {
	for _, s := range p.Statuses {
		if s.Kind == callsheet.StatusInitial {
			return s.ID
		}
	}
	return 0
}

// addedHow says in lang how the import that added a customer brought it in.
func addedHow(lang string, j *callsheet.ImportJob) template.HTML {
	switch {
	case j == nil:
		return ""
	case j.Single && j.Source == "form":
		return i18n.HTML(lang, "Added with the Add customer form")
	case j.Single && j.Source == "api":
		return i18n.HTML(lang, "Added through the API")
	case j.Single:
		return i18n.HTML(lang, "Added through %s", j.Source)
	case j.FileName != "" && j.Source == "cli":
		return i18n.HTML(lang, "Added by importing %s from the command line", j.FileName)
	case j.FileName != "" && j.Source == "api":
		return i18n.HTML(lang, "Added by importing %s through the API", j.FileName)
	case j.FileName != "":
		return i18n.HTML(lang, "Added by importing %s", j.FileName)
	case j.Source == "api":
		return i18n.HTML(lang, "Added through the API, in a batch of %d", j.Counts.Total)
	}
	return i18n.HTML(lang, "Added through %s, in a batch of %d", j.Source, j.Counts.Total)
}

// Reason returns the reason an audit event gives, if any.
func (p *customerPage) Reason(e *callsheet.AuditEvent) string {
	var d struct {
		Reason string `json:"reason"`
	}
	if json.Unmarshal([]byte(e.Detail), &d) != nil {
		return ""
	}
	return d.Reason
}

// Local formats a time for a date field in the account's zone, as the
// field shows it: DD-MM-YYYY HH:MM.
func (p *page) Local(t *time.Time) string {
	if t == nil || p.Account() == nil {
		return ""
	}
	return t.In(p.Account().Location()).Format(DateTimeLayout)
}

// PhoneLTR is Phone as HTML for a sentence: left to right in a <bdi>,
// whatever the sentence's direction, so that +1 212-555-0100 keeps its
// order in Hebrew text.
func (p *page) PhoneLTR(e164 string) template.HTML {
	return template.HTML(`<bdi dir="ltr">` + template.HTMLEscapeString(p.Phone(e164)) + `</bdi>`)
}

func (s *Server) handleCustomer(w http.ResponseWriter, r *http.Request) error {
	return s.renderCustomer(w, r, http.StatusOK, &page{})
}

func (s *Server) renderCustomer(w http.ResponseWriter, r *http.Request, status int, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Customers.FindCustomerByID(r.Context(), id)
	if err != nil {
		return err
	}
	camp, err := s.Campaigns.FindCampaignByID(r.Context(), c.CampaignID)
	if err != nil {
		return err
	}
	l, err := s.loadLookups(r)
	if err != nil {
		return err
	}
	p.Title = nameTitle(strings.TrimSpace(c.Name + " " + c.LastName))
	p.Nav = "campaigns"
	d := &customerPage{Customer: c, Campaign: camp, lookups: l}
	if data, ok := p.Data.(*customerPage); ok {
		d.ConfirmDoNotCall = data.ConfirmDoNotCall
	}
	if sessionFrom(r).User.Role == callsheet.RoleAdmin {
		kind := "customer"
		d.History, _, _ = s.Audit.FindAuditEvents(r.Context(), callsheet.AuditFilter{ObjectType: &kind, ObjectID: &c.ID, Limit: 20})
		// Imports write no audit event per customer: the card's history
		// ends with the import that added it, single add or file.
		if jobs, _, err := s.Imports.FindImports(r.Context(), callsheet.ImportJobFilter{CustomerID: &c.ID, Limit: 1}); err == nil && len(jobs) > 0 {
			d.Added = jobs[0]
			d.AddedHow = addedHow(langOf(r), d.Added)
		}
		if c.Blocked {
			if err := s.loadRegister(r, d); err != nil {
				return err
			}
		}
	}
	p.Data = d
	s.render(w, r, status, "customer", p)
	return nil
}

// loadRegister finds the register's entry that blocks the customer, and
// the other customers it blocks.
func (s *Server) loadRegister(r *http.Request, d *customerPage) error {
	entries, _, err := s.DoNotCall.FindDoNotCalls(r.Context(), callsheet.DoNotCallFilter{Phone: &d.Customer.Phone, Limit: 1})
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		d.Register = entries[0]
	}
	blocked := true
	_, n, err := s.Customers.FindCustomers(r.Context(), callsheet.CustomerFilter{Phone: &d.Customer.Phone, Blocked: &blocked, Limit: 1})
	if err != nil {
		return err
	}
	d.OthersWithIt = n - 1
	return nil
}

func (s *Server) handleCustomerSave(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sess := sessionFrom(r)
	c, err := s.Customers.FindCustomerByID(r.Context(), id)
	if err != nil {
		return err
	}
	var upd callsheet.CustomerUpdate
	fields := map[string]callsheet.Message{}
	if v, err := strconv.ParseInt(r.PostFormValue("status"), 10, 64); err == nil {
		upd.StatusID = &v
		// A do-not-call status blocks the phone in every campaign, so it
		// is asked once more, in the page: a slip of the list is easily
		// made on a call and only an admin can take it back.
		if v != c.StatusID && r.PostFormValue("confirm_do_not_call") != "yes" {
			if st, err := s.Statuses.FindStatusByID(r.Context(), v); err == nil && st.Kind == callsheet.StatusDoNotCall {
				p := formPage("", r, nil)
				code := http.StatusOK
				if r.PostFormValue("asked_do_not_call") != "" {
					code = http.StatusUnprocessableEntity
					p.Fields = map[string]string{"confirm_do_not_call": tr(r, "Tick the box to give this status, or choose another one.")}
				}
				p.Data = &customerPage{ConfirmDoNotCall: st}
				return s.renderCustomer(w, r, code, p)
			}
		}
	}
	// A note is added on top of the earlier ones, with when and by whom.
	if add := strings.TrimSpace(r.PostFormValue("add_note")); add != "" {
		note := stampNote(time.Now().In(sess.Account.Location()), sess.User.Name, add)
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
		t, err := parseDateField(fu, sess.Account.Location())
		if err != nil {
			fields[callsheet.FieldFollowUpAt] = dateFieldMsg("Follow-up date", err, sess.Account.Location())
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
		// The card shows the phone as the account's country writes it;
		// it is read back the same way (see normalizePhone).
		if p := strings.TrimSpace(r.PostFormValue(callsheet.FieldPhone)); p != "" {
			e164, err := s.normalizePhone(r, p)
			if err != nil {
				fields[callsheet.FieldPhone] = callsheet.ErrorMsg(err)
			} else {
				upd.Phone = &e164
			}
		}
	}
	again := func(status int, p *page) error { return s.renderCustomer(w, r, status, p) }
	if len(fields) > 0 {
		return retry(callsheet.FieldErrorMsgs(fields), again)
	}
	if _, err := s.Customers.UpdateCustomer(r.Context(), id, upd); err != nil {
		if callsheet.ErrorCode(err) == callsheet.ENOTFOUND && callsheet.ErrorFields(err) == nil {
			return err
		}
		return retry(err, again)
	}
	redirect(w, r, "/customers/"+itoa(id), tr(r, "Customer saved."))
	return nil
}

// handleAllowContact lets an admin allow a blocked customer to be called
// again, with a reason kept in the audit log.
func (s *Server) handleAllowContact(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var status int64
	if v, err := strconv.ParseInt(r.PostFormValue("allow_status"), 10, 64); err == nil {
		status = v
	}
	c, err := s.DoNotCall.AllowContact(r.Context(), id, r.PostFormValue("allow_reason"), status)
	if err != nil {
		if callsheet.ErrorCode(err) == callsheet.ENOTFOUND && callsheet.ErrorFields(err) == nil {
			return err
		}
		return retry(err, func(code int, p *page) error {
			// The form's inputs have names of their own beside the card's.
			fields := map[string]string{}
			for k, v := range p.Fields {
				fields["allow_"+k] = v
			}
			p.Fields = fields
			return s.renderCustomer(w, r, code, p)
		})
	}
	msg := tr(r, "Contact allowed again: this customer may be called.")
	if c.Blocked {
		msg = tr(r, "Contact allowed again, but the customer is still blocked.")
	}
	redirect(w, r, "/customers/"+itoa(id), msg)
	return nil
}

// stampNote is a note added on the card: when and by whom, then the text.
func stampNote(at time.Time, who, text string) string {
	return at.Format(DateTimeLayout) + " " + who + ": " + text
}

// noteLine is a line of a customer's notes, as the card shows it: a line
// stampNote wrote has When and Who; any other line has Text only.
type noteLine struct{ When, Who, Text string }

// noteLines splits notes into lines and their stamps, so that the card
// can isolate each part: in a line such as "02-12-2026 10:30 רונית: Call
// back", the agent's name would otherwise turn the whole line right to
// left, and its date and time with it.
func noteLines(notes string) []noteLine {
	var out []noteLine
	for _, line := range strings.Split(notes, "\n") {
		n := len(DateTimeLayout)
		if len(line) > n+1 && line[n] == ' ' {
			if _, err := time.Parse(DateTimeLayout, line[:n]); err == nil {
				if who, text, ok := strings.Cut(line[n+1:], ": "); ok && who != "" {
					out = append(out, noteLine{When: line[:n], Who: who, Text: text})
					continue
				}
			}
		}
		out = append(out, noteLine{Text: line})
	}
	return out
}
