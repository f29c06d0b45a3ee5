package web

import (
	"net/http"

	"github.com/callsheet/callsheet"
)

func (s *Server) handleFields(w http.ResponseWriter, r *http.Request) {
	s.renderFields(w, r, http.StatusOK, &page{})
}

func (s *Server) renderFields(w http.ResponseWriter, r *http.Request, status int, p *page) {
	fs, err := s.CustomFields.FindCustomFields(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	p.Title, p.Nav, p.Data = "Custom fields", "fields", fs
	s.render(w, r, status, "fields", p)
}

func (s *Server) handleFieldCreate(w http.ResponseWriter, r *http.Request) {
	f := &callsheet.CustomField{Label: r.PostFormValue("label"), Type: callsheet.CustomFieldType(r.PostFormValue("type"))}
	if err := s.CustomFields.CreateCustomField(r.Context(), f); err != nil {
		s.renderFields(w, r, statusOf(err), formPage("", r, err))
		return
	}
	redirect(w, r, "/admin/fields", "Custom field "+f.Label+" created.")
}

func (s *Server) handleFieldSave(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	label := r.PostFormValue("label")
	if _, err := s.CustomFields.UpdateCustomField(r.Context(), id, callsheet.CustomFieldUpdate{Label: &label}); err != nil {
		if callsheet.ErrorCode(err) == callsheet.ENOTFOUND {
			s.renderError(w, r, err)
			return
		}
		s.renderFields(w, r, statusOf(err), formPage("", r, err))
		return
	}
	redirect(w, r, "/admin/fields", "Custom field renamed to "+label+".")
}

func (s *Server) handleFieldDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.CustomFields.DeleteCustomField(r.Context(), id); err != nil {
		s.renderError(w, r, err)
		return
	}
	redirect(w, r, "/admin/fields", "Custom field deleted.")
}
