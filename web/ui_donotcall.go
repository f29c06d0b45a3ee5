package web

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/callsheet/callsheet"
)

type doNotCallPage struct {
	Entries []*callsheet.DoNotCall
	Pager   pager
	Phone   string
	Remove  *removePreview // the removal asked about, before it is confirmed
}

// removePreview shows what removing a phone from the register would do,
// before the admin confirms it.
type removePreview struct {
	Entry *callsheet.DoNotCall
	// Customers are those the entry blocks now (at most removePreviewMax
	// of Total); InStatus counts those of them in a do-not-call status,
	// which keeps them out of the work lists after the removal.
	Customers []*callsheet.Customer
	Total     int
	InStatus  int
	campaigns map[int64]string
	*lookups
}

// CampaignName returns the name of a campaign of the preview's customers.
func (p *removePreview) CampaignName(id int64) string { return p.campaigns[id] }

// InDoNotCallStatus reports whether a customer's status is a do-not-call one.
func (p *removePreview) InDoNotCallStatus(c *callsheet.Customer) bool {
	return p.StatusKind(c.StatusID) == string(callsheet.StatusDoNotCall)
}

// removePreviewMax bounds the customers a removal lists; a phone is in a
// campaign once, so only an account with more campaigns reaches it.
const removePreviewMax = 100

const doNotCallPerPage = 100

// handleDoNotCall lists the account's do-not-call register.
func (s *Server) handleDoNotCall(w http.ResponseWriter, r *http.Request) error {
	return s.renderDoNotCall(w, r, http.StatusOK, &page{}, strings.TrimSpace(r.URL.Query().Get("remove")))
}

// renderDoNotCall shows the register; remove, when given, is a phone whose
// removal is asked about, with its effect.
func (s *Server) renderDoNotCall(w http.ResponseWriter, r *http.Request, status int, p *page, remove string) error {
	f := callsheet.DoNotCallFilter{Limit: doNotCallPerPage, Offset: (pageOf(r) - 1) * doNotCallPerPage}
	d := &doNotCallPage{Phone: strings.TrimSpace(r.URL.Query().Get("phone"))}
	if remove != "" {
		prev, err := s.previewRemoval(r, remove)
		if err != nil {
			return err
		}
		d.Remove = prev
	}
	if d.Phone != "" {
		e164, err := s.normalizePhone(r, d.Phone)
		if err != nil {
			p.Error = errorText(r, err)
		} else {
			f.Phone = &e164
		}
	}
	entries, total, err := s.DoNotCall.FindDoNotCalls(r.Context(), f)
	if err != nil {
		return err
	}
	d.Entries, d.Pager = entries, newPager(r, total, doNotCallPerPage)
	p.Title, p.Nav, p.Data = "Do not call", "dnc", d
	s.render(w, r, status, "donotcall", p)
	return nil
}

// normalizePhone reads a phone as the account's imports do, so the
// register and the customers agree on the number: a number of the
// account's country as people write it (052-367-6050, as pages show it),
// any other with its country code.
func (s *Server) normalizePhone(r *http.Request, phone string) (string, error) {
	return s.Imports.NormalizePhone(r.Context(), phone, false)
}

// shownPhone is a stored phone as the pages show it to the request's
// account: national for its own country, international for others.
func shownPhone(r *http.Request, e164 string) string {
	country := ""
	if sess := sessionFrom(r); sess != nil && sess.Account != nil {
		country = sess.Account.Country
	}
	return displayPhone(e164, country)
}

func (s *Server) handleDoNotCallAdd(w http.ResponseWriter, r *http.Request) error {
	phone, err := s.normalizePhone(r, r.PostFormValue("phone"))
	if err == nil {
		_, err = s.DoNotCall.AddDoNotCall(r.Context(), phone, strings.TrimSpace(r.PostFormValue("reason")))
	}
	if err != nil {
		return retry(err, func(status int, p *page) error {
			if p.Fields == nil {
				p.Fields = map[string]string{"phone": p.Error}
			}
			return s.renderDoNotCall(w, r, status, p, "")
		})
	}
	redirect(w, r, "/admin/dnc", tr(r, "%s will not be called: every customer with this number is blocked until they ask to be contacted again.", shownPhone(r, phone)))
	return nil
}

// previewRemoval finds a phone's entry and the customers it blocks. A phone
// that is not on the register is not found.
func (s *Server) previewRemoval(r *http.Request, phone string) (*removePreview, error) {
	e164, err := s.normalizePhone(r, phone)
	if err != nil {
		return nil, err
	}
	entries, _, err := s.DoNotCall.FindDoNotCalls(r.Context(), callsheet.DoNotCallFilter{Phone: &e164, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, callsheet.Errorf(callsheet.ENOTFOUND, "%s is not on the do-not-call register.", shownPhone(r, e164))
	}
	l, err := s.loadLookups(r)
	if err != nil {
		return nil, err
	}
	blocked := true
	cs, total, err := s.Customers.FindCustomers(r.Context(), callsheet.CustomerFilter{Phone: &e164, Blocked: &blocked,
		Sort: callsheet.SortOldest, Limit: removePreviewMax})
	if err != nil {
		return nil, err
	}
	camps, _, err := s.Campaigns.FindCampaigns(r.Context(), callsheet.CampaignFilter{})
	if err != nil {
		return nil, err
	}
	p := &removePreview{Entry: entries[0], Customers: cs, Total: total, campaigns: map[int64]string{}, lookups: l}
	for _, c := range camps {
		p.campaigns[c.ID] = c.Name
	}
	for _, c := range cs {
		if p.InDoNotCallStatus(c) {
			p.InStatus++
		}
	}
	return p, nil
}

// handleDoNotCallRemove removes a phone from the register once the admin
// has seen its effect and given a reason.
func (s *Server) handleDoNotCallRemove(w http.ResponseWriter, r *http.Request) error {
	phone := strings.TrimSpace(r.PostFormValue("remove"))
	e164, err := s.normalizePhone(r, phone)
	var res *callsheet.DoNotCallRemoval
	if err == nil {
		res, err = s.DoNotCall.RemoveDoNotCall(r.Context(), e164, r.PostFormValue("remove_reason"))
	}
	if callsheet.ErrorCode(err) == callsheet.ENOTFOUND {
		// Removed meanwhile (or sent twice): the register says so.
		return s.renderDoNotCall(w, r, http.StatusNotFound, &page{Error: errorText(r, err)}, "")
	}
	if err != nil {
		return retry(err, func(status int, p *page) error {
			fields := map[string]string{}
			for k, v := range p.Fields {
				fields["remove_"+k] = v
			}
			p.Fields = fields
			return s.renderDoNotCall(w, r, status, p, phone)
		})
	}
	shown := shownPhone(r, e164)
	n := len(res.Unblocked)
	msg := tr(r, "%s was removed from the do-not-call register: %d customers with this phone may be called again.", shown, n)
	switch k := len(res.InDoNotCallStatus); {
	case k == 1 && n == 1:
		msg += " " + tr(r, "It still has a do-not-call status, which keeps it out of the work lists until the status is changed on its card.")
	case k > 0:
		msg += " " + tr(r, "%d of them still have a do-not-call status, which keeps them out of the work lists until the status is changed on the card.", k)
	}
	redirect(w, r, "/admin/dnc", msg)
	return nil
}

// Em sets off the name of a button or an option in a sentence.
func (p *doNotCallPage) Em(s template.HTML) template.HTML { return "<i>" + s + "</i>" }
