package web

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/i18n"
)

// page is what every template gets.
type page struct {
	Lang    string // the interface language, set by render
	Title   string // a catalogue key, or a title already translated
	Session *session
	CSRF    string
	Flash   string
	Error   string            // a message for the whole form
	Fields  map[string]string // messages beside inputs
	Form    url.Values        // the values to re-render a form with
	Nav     string            // the nav entry to mark as current
	Data    any
}

// User returns the logged-in user, or nil.
func (p *page) User() *callsheet.User {
	if p.Session == nil {
		return nil
	}
	return p.Session.User
}

// Account returns the logged-in user's account, or nil.
func (p *page) Account() *callsheet.Account {
	if p.Session == nil {
		return nil
	}
	return p.Session.Account
}

// Err returns the error message for a form field, if any.
func (p *page) Err(name string) string { return p.Fields[name] }

// Value returns a form value to re-render, or def.
func (p *page) Value(name string, def any) string {
	if p.Form != nil {
		if _, ok := p.Form[name]; ok {
			return p.Form.Get(name)
		}
	}
	if def == nil {
		return ""
	}
	return fmt.Sprint(def)
}

type templates struct {
	pages map[string]*template.Template
}

var funcs = template.FuncMap{
	"titleText":   titleText,
	"isolateJSON": isolateJSON,
	"add":         func(a, b int) int { return a + b },
	"noteLines":   noteLines,
	"sub":         func(a, b int) int { return a - b },
	"contains": func(list []int64, v int64) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	},
	"number": func(n any) string {
		s := fmt.Sprint(n)
		neg := strings.HasPrefix(s, "-")
		s = strings.TrimPrefix(s, "-")
		var b strings.Builder
		for i, c := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(c)
		}
		if neg {
			return "-" + b.String()
		}
		return b.String()
	},
}

// Dir is the page's writing direction.
func (p *page) Dir() string { return i18n.Dir(p.Lang) }

// Phone shows a stored (E.164) phone as people of the account's country
// write it: their own numbers in national form, others international.
func (p *page) Phone(e164 string) string {
	country := ""
	if acc := p.Account(); acc != nil {
		country = acc.Country
	}
	return displayPhone(e164, country)
}

// mustParseTemplates parses the pages once for each language, each with
// the functions that translate into it.
func mustParseTemplates() map[string]*templates {
	out := map[string]*templates{}
	for _, lang := range i18n.Languages {
		out[lang] = mustParseTemplatesIn(lang)
	}
	return out
}

func mustParseTemplatesIn(lang string) *templates {
	base := template.Must(template.New("").Funcs(funcs).Funcs(templateFuncs(lang)).ParseFS(assets, "templates/layout/*.html"))
	t := &templates{pages: map[string]*template.Template{}}
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		t.pages[name] = template.Must(template.Must(base.Clone()).ParseFS(assets, f))
	}
	return t
}

// render writes a page with the layout. Rendering into a buffer first means
// a template error becomes a clean 500, not half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	if p.Session == nil {
		p.Session = sessionFrom(r)
	}
	if p.Session != nil && p.CSRF == "" {
		p.CSRF = p.Session.CSRF
	}
	if p.Flash == "" {
		p.Flash = takeFlash(w, r)
	}
	p.Lang = langOf(r)
	if i18n.Has(p.Lang, p.Title) {
		p.Title = i18n.T(p.Lang, p.Title)
	}
	t, ok := s.tmpl[p.Lang].pages[name]
	if !ok {
		panic("no template " + name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.Logger.Error("template", "name", name, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// renderError shows an error page with the status the error's code maps to.
// A form's error (formError) shows the form again instead.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	if s.showForm(w, r, err) {
		return
	}
	s.renderPlainError(w, r, err)
}

func (s *Server) renderPlainError(w http.ResponseWriter, r *http.Request, err error) {
	s.logIfInternal(r, err)
	status := statusOf(err)
	s.render(w, r, status, "error", &page{Title: http.StatusText(status), Error: errorText(r, err), Data: status})
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeAPIError(w, callsheet.Errorf(callsheet.ENOTFOUND, "No such endpoint: %s %s.", r.Method, r.URL.Path))
		return
	}
	// A logged-in reader gets the page in their language, with the menu.
	if sess, err := s.loadSession(r); err == nil {
		r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess))
	}
	s.renderError(w, r, callsheet.Errorf(callsheet.ENOTFOUND, "There is no page at %s.", r.URL.Path))
}

// flash messages survive one redirect in a short-lived cookie.
const flashCookie = "cs_flash"

func setFlash(w http.ResponseWriter, r *http.Request, msg string) {
	setCookie(w, r, flashCookie, url.QueryEscape(msg), 60)
}

func takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	setCookie(w, r, flashCookie, "", -1)
	msg, _ := url.QueryUnescape(c.Value)
	return msg
}

// redirect sends the browser on after a successful POST, with a message.
func redirect(w http.ResponseWriter, r *http.Request, to, flash string) {
	if flash != "" {
		setFlash(w, r, flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

func retryAfter(d time.Duration) string {
	sec := int(d.Seconds() + 0.999)
	if sec < 1 {
		sec = 1
	}
	return strconv.Itoa(sec)
}

// pathID reads a numeric path value, answering not found for anything else.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, callsheet.Errorf(callsheet.ENOTFOUND, "Not found.")
	}
	return id, nil
}

// formPage prepares a page that re-renders a form after an error.
func formPage(title string, r *http.Request, err error) *page {
	p := &page{Title: title, Form: r.PostForm}
	if err != nil {
		p.Error = errorText(r, err)
		p.Fields = fieldTexts(r, err)
	}
	return p
}

// DateTimeLayout is how Callsheet shows and reads dates: DD-MM-YYYY HH:MM,
// as customer files write them.
const DateTimeLayout = "02-01-2006 15:04"

// Time formats a time (or *time.Time) in the account's time zone.
func (p *page) Time(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return ""
		}
		t = *x
	default:
		return ""
	}
	if t.IsZero() {
		return ""
	}
	if acc := p.Account(); acc != nil {
		t = t.In(acc.Location())
	}
	return t.Format(DateTimeLayout)
}

// pager pages a list.
type pager struct {
	Page, Pages, PerPage, Total int
	base                        url.Values
	path                        string
}

func newPager(r *http.Request, total, perPage int) pager {
	pg, _ := strconv.Atoi(r.URL.Query().Get("page"))
	pages := (total + perPage - 1) / perPage
	if pages < 1 {
		pages = 1
	}
	if pg < 1 {
		pg = 1
	}
	if pg > pages {
		pg = pages
	}
	return pager{Page: pg, Pages: pages, PerPage: perPage, Total: total, base: r.URL.Query(), path: r.URL.Path}
}

// pageOf reads the requested page number before the total is known.
func pageOf(r *http.Request) int {
	pg, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if pg < 1 {
		pg = 1
	}
	return pg
}

// Offset is the index of the page's first row.
func (p pager) Offset() int { return (p.Page - 1) * p.PerPage }

// Link returns the URL of page n with the current query.
func (p pager) Link(n int) string {
	q := url.Values{}
	for k, v := range p.base {
		q[k] = v
	}
	q.Set("page", strconv.Itoa(n))
	return p.path + "?" + q.Encode()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// pathCampaign finds the campaign of the path's id, or renders the error
// (not found, for a campaign of another account or an agent's other one).
func (s *Server) pathCampaign(w http.ResponseWriter, r *http.Request) (*callsheet.Campaign, bool) {
	id, err := pathID(r, "id")
	if err != nil {
		s.renderError(w, r, err)
		return nil, false
	}
	c, err := s.Campaigns.FindCampaignByID(r.Context(), id)
	if err != nil {
		s.renderError(w, r, err)
		return nil, false
	}
	return c, true
}
