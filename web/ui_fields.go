package web

import (
	"html/template"
	"net/http"

	"github.com/callsheet/callsheet"
)

type fieldsPage struct {
	Fields  []*callsheet.CustomField
	APIName template.HTML // how the API names a field, as markup
}

func (s *Server) handleFields(w http.ResponseWriter, r *http.Request) error {
	return s.renderFields(w, r, http.StatusOK, &page{})
}

func (s *Server) renderFields(w http.ResponseWriter, r *http.Request, status int, p *page) error {
	fs, err := s.CustomFields.FindCustomFields(r.Context())
	if err != nil {
		return err
	}
	d := &fieldsPage{Fields: fs, APIName: `<code dir="ltr">custom_field_&lt;id&gt;</code>`}
	p.Title, p.Nav, p.Data = "Custom fields", "fields", d
	s.render(w, r, status, "fields", p)
	return nil
}

func (s *Server) handleFieldCreate(w http.ResponseWriter, r *http.Request) error {
	f := &callsheet.CustomField{Label: r.PostFormValue("label"), Type: callsheet.CustomFieldType(r.PostFormValue("type"))}
	if err := s.CustomFields.CreateCustomField(r.Context(), f); err != nil {
		return retry(err, func(status int, p *page) error {
			return s.renderFields(w, r, status, p)
		})
	}
	redirect(w, r, "/admin/fields", tr(r, "Custom field %s created.", f.Label))
	return nil
}

func (s *Server) handleFieldSave(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	label := r.PostFormValue("label")
	if _, err := s.CustomFields.UpdateCustomField(r.Context(), id, callsheet.CustomFieldUpdate{Label: &label}); err != nil {
		if callsheet.ErrorCode(err) == callsheet.ENOTFOUND {
			return err
		}
		return retry(err, func(status int, p *page) error {
			return s.renderFields(w, r, status, p)
		})
	}
	redirect(w, r, "/admin/fields", tr(r, "Custom field renamed to %s.", label))
	return nil
}

func (s *Server) handleFieldDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.CustomFields.DeleteCustomField(r.Context(), id); err != nil {
		return err
	}
	redirect(w, r, "/admin/fields", tr(r, "Custom field deleted."))
	return nil
}
