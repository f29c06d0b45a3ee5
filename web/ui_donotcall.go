package web

import (
	"net/http"
	"strings"

	"github.com/callsheet/callsheet"
)

type doNotCallPage struct {
	Entries []*callsheet.DoNotCall
	Pager   pager
	Phone   string
}

const doNotCallPerPage = 100

// handleDoNotCall lists the account's do-not-call register.
func (s *Server) handleDoNotCall(w http.ResponseWriter, r *http.Request) {
	s.renderDoNotCall(w, r, http.StatusOK, &page{})
}

func (s *Server) renderDoNotCall(w http.ResponseWriter, r *http.Request, status int, p *page) {
	f := callsheet.DoNotCallFilter{Limit: doNotCallPerPage, Offset: (pageOf(r) - 1) * doNotCallPerPage}
	d := &doNotCallPage{Phone: strings.TrimSpace(r.URL.Query().Get("phone"))}
	if d.Phone != "" {
		e164, err := s.normalizePhone(r, d.Phone)
		if err != nil {
			p.Error = callsheet.ErrorMessage(err)
		} else {
			f.Phone = &e164
		}
	}
	entries, total, err := s.DoNotCall.FindDoNotCalls(r.Context(), f)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d.Entries, d.Pager = entries, newPager(r, total, doNotCallPerPage)
	p.Title, p.Nav, p.Data = "Do not call", "dnc", d
	s.render(w, r, status, "donotcall", p)
}

// normalizePhone reads a phone as the account's imports do, so the
// register and the customers agree on the number.
func (s *Server) normalizePhone(r *http.Request, phone string) (string, error) {
	return s.Imports.NormalizePhone(r.Context(), phone, false)
}

func (s *Server) handleDoNotCallAdd(w http.ResponseWriter, r *http.Request) {
	phone, err := s.normalizePhone(r, r.PostFormValue("phone"))
	if err == nil {
		_, err = s.DoNotCall.AddDoNotCall(r.Context(), phone, strings.TrimSpace(r.PostFormValue("reason")))
	}
	if err != nil {
		p := formPage("", r, err)
		if p.Fields == nil {
			p.Fields = map[string]string{"phone": callsheet.ErrorMessage(err)}
		}
		s.renderDoNotCall(w, r, statusOf(err), p)
		return
	}
	redirect(w, r, "/admin/dnc", phone+" will not be called: every customer with this number is blocked until they ask to be contacted again.")
}
