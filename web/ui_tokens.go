package web

import (
	"net/http"

	"github.com/callsheet/callsheet"
)

type tokensPage struct {
	Tokens []*callsheet.APIToken
	Secret string // shown once, right after creation
	Name   string
}

func (s *Server) handleTokens(w http.ResponseWriter, r *http.Request) {
	s.renderTokens(w, r, http.StatusOK, &page{}, &tokensPage{})
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int, p *page, d *tokensPage) {
	var err error
	if d.Tokens, err = s.Tokens.FindAPITokens(r.Context()); err != nil {
		s.renderError(w, r, err)
		return
	}
	p.Title, p.Nav, p.Data = "API tokens", "tokens", d
	s.render(w, r, status, "tokens", p)
}

func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) {
	t := &callsheet.APIToken{Name: r.PostFormValue("name")}
	secret, err := s.Tokens.CreateAPIToken(r.Context(), t)
	if err != nil {
		s.renderTokens(w, r, statusOf(err), formPage("", r, err), &tokensPage{})
		return
	}
	// The secret is rendered in this response only; it is never stored.
	s.renderTokens(w, r, http.StatusOK, &page{Flash: "Token " + t.Name + " created. Copy it now: it will not be shown again."}, &tokensPage{Secret: secret, Name: t.Name})
}

func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.Tokens.RevokeAPIToken(r.Context(), id); err != nil {
		s.renderError(w, r, err)
		return
	}
	redirect(w, r, "/admin/tokens", "Token revoked.")
}
