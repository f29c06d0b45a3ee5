package web

import (
	"net/http"

	"github.com/callsheet/callsheet"
)

type auditPage struct {
	Events []*callsheet.AuditEvent
	Pager  pager
}

const auditPerPage = 100

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) error {
	f := callsheet.AuditFilter{Limit: auditPerPage, Offset: (pageOf(r) - 1) * auditPerPage}
	evs, total, err := s.Audit.FindAuditEvents(r.Context(), f)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "audit", &page{Title: "Audit log", Nav: "audit", Data: &auditPage{Events: evs, Pager: newPager(r, total, auditPerPage)}})
	return nil
}
