package web

import (
	"net/http"
	"strconv"

	"github.com/callsheet/callsheet"
)

// statusKinds are offered in status forms, with what each means.
var statusKinds = []struct{ Kind, Label string }{
	{"initial", "Initial: where new customers start (one per account)"},
	{"open", "Open: still being worked"},
	{"follow_up", "Follow-up: the customer has a follow-up date"},
	{"do_not_call", "Do not call: records the phone on the do-not-call register"},
	{"closed", "Closed: done with"},
}

type statusesPage struct {
	Statuses []*callsheet.Status
	Status   *callsheet.Status
	Kinds    any
}

func (s *Server) handleStatuses(w http.ResponseWriter, r *http.Request) {
	s.renderStatuses(w, r, http.StatusOK, &page{})
}

func (s *Server) renderStatuses(w http.ResponseWriter, r *http.Request, status int, p *page) {
	sts, _, err := s.Statuses.FindStatuses(r.Context(), callsheet.StatusFilter{})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	p.Title, p.Nav, p.Data = "Statuses", "statuses", &statusesPage{Statuses: sts, Kinds: statusKinds}
	s.render(w, r, status, "statuses", p)
}

func (s *Server) handleStatusCreate(w http.ResponseWriter, r *http.Request) {
	st := &callsheet.Status{Name: r.PostFormValue("name"), Kind: callsheet.StatusKind(r.PostFormValue("kind"))}
	if err := s.Statuses.CreateStatus(r.Context(), st); err != nil {
		s.renderStatuses(w, r, statusOf(err), formPage("", r, err))
		return
	}
	redirect(w, r, "/admin/statuses", "Status "+st.Name+" created.")
}

func (s *Server) handleStatusEdit(w http.ResponseWriter, r *http.Request) {
	s.renderStatusEdit(w, r, http.StatusOK, &page{})
}

func (s *Server) renderStatusEdit(w http.ResponseWriter, r *http.Request, status int, p *page) {
	id, err := pathID(r, "id")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	st, err := s.Statuses.FindStatusByID(r.Context(), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	p.Title, p.Nav, p.Data = "Edit "+st.Name, "statuses", &statusesPage{Status: st, Kinds: statusKinds}
	s.render(w, r, status, "status_edit", p)
}

func (s *Server) handleStatusSave(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	name := r.PostFormValue("name")
	kind := callsheet.StatusKind(r.PostFormValue("kind"))
	upd := callsheet.StatusUpdate{Name: &name, Kind: &kind}
	if pos, err := strconv.Atoi(r.PostFormValue("position")); err == nil {
		upd.Position = &pos
	}
	if _, err := s.Statuses.UpdateStatus(r.Context(), id, upd); err != nil {
		if callsheet.ErrorCode(err) == callsheet.ENOTFOUND {
			s.renderError(w, r, err)
			return
		}
		s.renderStatusEdit(w, r, statusOf(err), formPage("", r, err))
		return
	}
	redirect(w, r, "/admin/statuses", "Status "+name+" saved.")
}
