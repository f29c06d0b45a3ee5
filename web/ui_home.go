package web

import (
	"net/http"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/i18n"
)

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/campaigns", http.StatusSeeOther)
	return nil
}

type mePage struct {
	Languages []langOption // "" (the account's) first
	Language  string       // the user's own choice, "" for the account's
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) error {
	return s.renderMe(w, r, http.StatusOK, &page{})
}

func (s *Server) renderMe(w http.ResponseWriter, r *http.Request, status int, p *page) error {
	sess := sessionFrom(r)
	accLang := userLang(nil, sess.Account)
	d := &mePage{Language: sess.User.Language}
	d.Languages = append([]langOption{{Value: "", Label: tr(r, "The account's (%s)", i18n.Name(accLang))}}, languageOptions()...)
	p.Title, p.Data = "My account", d
	s.render(w, r, status, "me", p)
	return nil
}

// handleMeSave saves one of the page's two forms: the language, or a new
// password.
func (s *Server) handleMeSave(w http.ResponseWriter, r *http.Request) error {
	if r.PostFormValue("form") == "language" {
		return s.saveMyLanguage(w, r)
	}
	again := func(status int, p *page) error {
		p.Form = nil // never echo passwords
		return s.renderMe(w, r, status, p)
	}
	next := r.PostFormValue("new")
	if next != r.PostFormValue("confirm") {
		return retry(&callsheet.Error{
			Code:    callsheet.EINVALID,
			Message: "The new passwords do not match.",
			Msg:     callsheet.Msg("The new passwords do not match."),
			Fields:  map[string]string{"confirm": "Does not match."},
		}, again)
	}
	if err := s.Users.ChangePassword(r.Context(), r.PostFormValue("current"), next); err != nil {
		return retry(err, again)
	}
	// The change ended every session, this one too: start a fresh one.
	_, secret, err := s.Sessions.CreateSession(r.Context(), sessionFrom(r).User.ID)
	if err != nil {
		return err
	}
	setCookie(w, r, sessionCookie, secret, 0)
	redirect(w, r, "/me", tr(r, "Your password has been changed. Other devices were logged out."))
	return nil
}

// saveMyLanguage sets the user's own interface language, or "" to follow
// the account's; the next page, and the message on it, speak it.
func (s *Server) saveMyLanguage(w http.ResponseWriter, r *http.Request) error {
	lang := r.PostFormValue("language")
	if err := s.Users.SetMyLanguage(r.Context(), lang); err != nil {
		return retry(err, func(status int, p *page) error { return s.renderMe(w, r, status, p) })
	}
	sess := sessionFrom(r)
	u := *sess.User
	u.Language = lang
	redirect(w, r, "/me", i18n.Text(userLang(&u, sess.Account), "Language saved."))
	return nil
}
