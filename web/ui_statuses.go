package web

import (
	"net/http"
	"strconv"

	"github.com/callsheet/callsheet"
)

// kindOption is a status kind as status forms offer it.
type kindOption struct {
	Kind  callsheet.StatusKind
	Label string // the kind and what it means, in the reader's language
}

// statusKinds are offered in status forms, with what each means.
func statusKinds(r *http.Request) []kindOption {
	return []kindOption{
		{callsheet.StatusInitial, tr(r, "Initial: where new customers start (one per account)")},
		{callsheet.StatusOpen, tr(r, "Open: still being worked")},
		{callsheet.StatusFollowUp, tr(r, "Follow-up: the customer has a follow-up date")},
		{callsheet.StatusDoNotCall, tr(r, "Do not call: records the phone on the do-not-call register")},
		{callsheet.StatusClosed, tr(r, "Closed: done with")},
	}
}

// statusKindName is a status kind's short name in the reader's language.
func statusKindName(r *http.Request, k callsheet.StatusKind) string {
	switch k {
	case callsheet.StatusInitial:
		return tr(r, "Initial")
	case callsheet.StatusOpen:
		return tr(r, "Open")
	case callsheet.StatusFollowUp:
		return tr(r, "Follow-up")
	case callsheet.StatusDoNotCall:
		return tr(r, "Do not call")
	case callsheet.StatusClosed:
		return tr(r, "Closed")
	}
	return string(k)
}

type statusesPage struct {
	Statuses  []*callsheet.Status
	Status    *callsheet.Status
	Kinds     []kindOption
	kindNames map[callsheet.StatusKind]string
}

// KindName is a status kind's short name, for the list.
func (p *statusesPage) KindName(k callsheet.StatusKind) string {
	if n, ok := p.kindNames[k]; ok {
		return n
	}
	return string(k)
}

func newStatusesPage(r *http.Request) *statusesPage {
	d := &statusesPage{Kinds: statusKinds(r), kindNames: map[callsheet.StatusKind]string{}}
	for _, k := range d.Kinds {
		d.kindNames[k.Kind] = statusKindName(r, k.Kind)
	}
	return d
}

func (s *Server) handleStatuses(w http.ResponseWriter, r *http.Request) error {
	return s.renderStatuses(w, r, http.StatusOK, &page{})
}

func (s *Server) renderStatuses(w http.ResponseWriter, r *http.Request, status int, p *page) error {
	sts, _, err := s.Statuses.FindStatuses(r.Context(), callsheet.StatusFilter{})
	if err != nil {
		return err
	}
	d := newStatusesPage(r)
	d.Statuses = sts
	p.Title, p.Nav, p.Data = "Statuses", "statuses", d
	s.render(w, r, status, "statuses", p)
	return nil
}

func (s *Server) handleStatusCreate(w http.ResponseWriter, r *http.Request) error {
	st := &callsheet.Status{Name: r.PostFormValue("name"), Kind: callsheet.StatusKind(r.PostFormValue("kind"))}
	if err := s.Statuses.CreateStatus(r.Context(), st); err != nil {
		return retry(err, func(status int, p *page) error {
			return s.renderStatuses(w, r, status, p)
		})
	}
	redirect(w, r, "/admin/statuses", tr(r, "Status %s created.", st.Name))
	return nil
}

func (s *Server) handleStatusEdit(w http.ResponseWriter, r *http.Request) error {
	return s.renderStatusEdit(w, r, http.StatusOK, &page{})
}

func (s *Server) renderStatusEdit(w http.ResponseWriter, r *http.Request, status int, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := s.Statuses.FindStatusByID(r.Context(), id)
	if err != nil {
		return err
	}
	d := newStatusesPage(r)
	d.Status = st
	p.Title, p.Nav, p.Data = tr(r, "Edit %s", st.Name), "statuses", d
	s.render(w, r, status, "status_edit", p)
	return nil
}

func (s *Server) handleStatusSave(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	name := r.PostFormValue("name")
	kind := callsheet.StatusKind(r.PostFormValue("kind"))
	upd := callsheet.StatusUpdate{Name: &name, Kind: &kind}
	if pos, err := strconv.Atoi(r.PostFormValue("position")); err == nil {
		upd.Position = &pos
	}
	if _, err := s.Statuses.UpdateStatus(r.Context(), id, upd); err != nil {
		if callsheet.ErrorCode(err) == callsheet.ENOTFOUND {
			return err
		}
		return retry(err, func(status int, p *page) error {
			return s.renderStatusEdit(w, r, status, p)
		})
	}
	redirect(w, r, "/admin/statuses", tr(r, "Status %s saved.", name))
	return nil
}
