package web

import (
	"html/template"
	"net/http"

	"github.com/callsheet/callsheet"
)

type tokensPage struct {
	Tokens []*callsheet.APIToken
	Secret string // shown once, right after creation
	Name   string
	Header template.HTML // how integrations send a token, as markup
}

// When is a time as the account writes it, kept left to right inside a
// sentence of either direction.
func (d *tokensPage) When(p *page, t any) template.HTML {
	return template.HTML(`<bdi dir="ltr">` + template.HTMLEscapeString(p.Time(t)) + `</bdi>`)
}

func (s *Server) handleTokens(w http.ResponseWriter, r *http.Request) error {
	return s.renderTokens(w, r, http.StatusOK, &page{}, &tokensPage{})
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int, p *page, d *tokensPage) error {
	var err error
	if d.Tokens, err = s.Tokens.FindAPITokens(r.Context()); err != nil {
		return err
	}
	d.Header = `<code dir="ltr">Authorization: Bearer &lt;token&gt;</code>`
	p.Title, p.Nav, p.Data = "API tokens", "tokens", d
	s.render(w, r, status, "tokens", p)
	return nil
}

func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) error {
	t := &callsheet.APIToken{Name: r.PostFormValue("name")}
	secret, err := s.Tokens.CreateAPIToken(r.Context(), t)
	if err != nil {
		return retry(err, func(status int, p *page) error {
			return s.renderTokens(w, r, status, p, &tokensPage{})
		})
	}
	// The secret is rendered in this response only; it is never stored.
	p := &page{Flash: tr(r, "Token %s created. Copy it now: it will not be shown again.", t.Name)}
	return s.renderTokens(w, r, http.StatusOK, p, &tokensPage{Secret: secret, Name: t.Name})
}

func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Tokens.RevokeAPIToken(r.Context(), id); err != nil {
		return err
	}
	redirect(w, r, "/admin/tokens", tr(r, "Token revoked."))
	return nil
}
