package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/i18n"
)

// The interface speaks the reader's language: a logged-in user's own
// choice, or else the account's; before login, the browser's
// Accept-Language. The API speaks English with stable codes.

// langOf returns the interface language for a request.
func langOf(r *http.Request) string {
	if sess := sessionFrom(r); sess != nil {
		return userLang(sess.User, sess.Account)
	}
	if c, err := r.Cookie(langCookie); err == nil && i18n.Supported(c.Value) {
		return c.Value
	}
	return i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
}

// langCookie keeps the language chosen on the login page.
const langCookie = "cs_lang"

// userLang is a user's interface language: their own, or their account's.
func userLang(u *callsheet.User, a *callsheet.Account) string {
	if u != nil && i18n.Supported(u.Language) {
		return u.Language
	}
	if a != nil && i18n.Supported(a.Language) {
		return a.Language
	}
	return i18n.English
}

// tr translates a message for the request's reader, for plain text such
// as a flash, a title or a form error: names among the arguments are
// isolated from the sentence around them.
func tr(r *http.Request, key string, args ...any) string {
	return i18n.Text(langOf(r), key, args...)
}

// trMsg translates a domain message for the request's reader.
func trMsg(r *http.Request, m callsheet.Message) string {
	return i18n.Text(langOf(r), m.Key, m.Args...)
}

// errorText is an error's message in the reader's language.
func errorText(r *http.Request, err error) string {
	return trMsg(r, callsheet.ErrorMsg(err))
}

// fieldTexts are an error's field messages in the reader's language.
func fieldTexts(r *http.Request, err error) map[string]string {
	ms := callsheet.ErrorFieldMsgs(err)
	if ms == nil {
		return nil
	}
	out := make(map[string]string, len(ms))
	for k, m := range ms {
		out[k] = trMsg(r, m)
	}
	return out
}

// pageFunc is a page handler in the interface's convention, the API's:
// it writes its page, or returns an error, which one place (renderError)
// shows in the reader's language.
type pageFunc func(w http.ResponseWriter, r *http.Request) error

// ui adapts a handler, a pageFunc or a plain handler, to http.HandlerFunc.
func (s *Server) ui(h any) http.HandlerFunc {
	switch f := h.(type) {
	case func(http.ResponseWriter, *http.Request) error:
		return s.pageHandler(f)
	case pageFunc:
		return s.pageHandler(f)
	case func(http.ResponseWriter, *http.Request):
		return f
	case http.HandlerFunc:
		return f
	}
	panic(fmt.Sprintf("web: %T is not a page handler", h))
}

func (s *Server) pageHandler(f pageFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := f(w, r); err != nil {
			s.renderError(w, r, err)
		}
	}
}

// formError is a form that failed: its page is shown again with the
// error, the messages beside the inputs, and what the user typed.
type formError struct {
	err   error
	again func(status int, p *page) error
}

func (e *formError) Error() string { return e.err.Error() }
func (e *formError) Unwrap() error { return e.err }

// retry returns err as a formError whose page again renders, or nil for a
// nil err.
func retry(err error, again func(status int, p *page) error) error {
	if err == nil {
		return nil
	}
	return &formError{err: err, again: again}
}

// showForm renders a formError's page; false when err is no formError or
// the page itself failed (which is then logged and shown as an error).
func (s *Server) showForm(w http.ResponseWriter, r *http.Request, err error) bool {
	var fe *formError
	if !errors.As(err, &fe) {
		return false
	}
	p := formPage("", r, fe.err)
	if e := fe.again(statusOf(fe.err), p); e != nil {
		var inner *formError
		if errors.As(e, &inner) {
			e = inner.err // never loop
		}
		s.renderPlainError(w, r, e)
	}
	return true
}

// templateFuncs are the functions of one language's templates.
func templateFuncs(lang string) template.FuncMap {
	return template.FuncMap{
		// t translates a catalogue key; text arguments are isolated.
		"t": func(key string, args ...any) template.HTML { return i18n.HTML(lang, key, args...) },
		// msg translates a domain message.
		"msg":  func(m callsheet.Message) template.HTML { return i18n.HTML(lang, m.Key, m.Args...) },
		"lang": func() string { return lang },
		"dir":  func() string { return i18n.Dir(lang) },
	}
}
