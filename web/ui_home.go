package web

import (
	"net/http"
)

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/campaigns", http.StatusSeeOther)
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "me", &page{Title: "My account"})
}

func (s *Server) handleMeSave(w http.ResponseWriter, r *http.Request) {
	next := r.PostFormValue("new")
	if next != r.PostFormValue("confirm") {
		p := &page{Title: "My account", Error: "The new passwords do not match.", Fields: map[string]string{"confirm": "Does not match."}}
		s.render(w, r, http.StatusUnprocessableEntity, "me", p)
		return
	}
	if err := s.Users.ChangePassword(r.Context(), r.PostFormValue("current"), next); err != nil {
		p := formPage("My account", r, err)
		p.Form = nil // never echo passwords
		s.render(w, r, statusOf(err), "me", p)
		return
	}
	// The change ended every session, this one too: start a fresh one.
	_, secret, err := s.Sessions.CreateSession(r.Context(), sessionFrom(r).User.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	setCookie(w, r, sessionCookie, secret, 0)
	redirect(w, r, "/me", "Your password has been changed. Other devices were logged out.")
}
