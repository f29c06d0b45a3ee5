package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/i18n"
)

const (
	sessionCookie   = "cs_session"
	loginCSRFCookie = "cs_login_csrf"
)

// session is what a logged-in request carries.
type session struct {
	*callsheet.Session
	User    *callsheet.User
	Account *callsheet.Account
	secret  string
}

type sessionKey struct{}

func sessionFrom(r *http.Request) *session {
	s, _ := r.Context().Value(sessionKey{}).(*session)
	return s
}

// secureRequest reports whether the client reached us over TLS, directly or
// through a proxy that says so.
func secureRequest(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secureRequest(r),
	})
}

// loadSession finds the request's session and its user and account.
func (s *Server) loadSession(r *http.Request) (*session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, callsheet.Errorf(callsheet.EUNAUTHORIZED, "Please log in.")
	}
	sess, u, err := s.Sessions.FindSession(r.Context(), c.Value)
	if err != nil {
		return nil, err
	}
	ctx := actorContext(r.Context(), u)
	acc, err := s.Accounts.FindAccountByID(ctx, u.AccountID)
	if err != nil {
		return nil, err
	}
	return &session{Session: sess, User: u, Account: acc, secret: c.Value}, nil
}

func actorContext(ctx context.Context, u *callsheet.User) context.Context {
	return callsheet.NewContextWithActor(ctx, &callsheet.Actor{AccountID: u.AccountID, UserID: u.ID, Role: u.Role, Name: u.Name})
}

// user wraps a handler that needs a logged-in user: it loads the session,
// sets the actor on the context, and checks that every state-changing
// request comes from Callsheet's own pages before reading a byte of its
// body, so that a forged upload of hundreds of megabytes costs nothing.
// First the origin: http.CrossOriginProtection refuses what the browser
// marks as sent by another site (Sec-Fetch-Site, or an Origin that is not
// this host). Then the session's CSRF token: an upload carries it in its
// first field (see readUpload), a plain form in its body, which Go reads
// within its own bound of 10 MB.
func (s *Server) user(handler any) http.HandlerFunc {
	h := s.ui(handler)
	origin := http.NewCrossOriginProtection()
	return func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.loadSession(r)
		if err != nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.renderError(w, r, err)
			return
		}
		ctx := context.WithValue(actorContext(r.Context(), sess.User), sessionKey{}, sess)
		r = r.WithContext(ctx)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := origin.Check(r); err != nil {
				s.renderError(w, r, errForged)
				return
			}
			if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
				err := s.readUpload(w, r, sess.CSRF)
				// The server removes the files of the request it made,
				// not of this copy, which is the one the upload is in.
				defer removeUpload(r)
				if err != nil {
					s.renderError(w, r, err)
					return
				}
			} else if !validCSRF(r, sess.CSRF) {
				s.renderError(w, r, errForged)
				return
			}
		}
		h(w, r)
	}
}

// admin wraps a handler for admins only; agents get 403.
func (s *Server) admin(handler any) http.HandlerFunc {
	h := s.ui(handler)
	return s.user(func(w http.ResponseWriter, r *http.Request) {
		if sessionFrom(r).User.Role != callsheet.RoleAdmin {
			s.renderError(w, r, callsheet.Errorf(callsheet.EFORBIDDEN, "This page is for admins."))
			return
		}
		h(w, r)
	})
}

// validCSRF checks the form's (or header's) CSRF token in constant time.
// Multipart forms are parsed by the caller first.
func validCSRF(r *http.Request, want string) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// clientIP returns the address of the client, without the port.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	if sess, err := s.loadSession(r); err == nil && sess != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	q := r.URL.Query()
	if q.Has("lang") {
		// A language chosen on this page is kept for a year, for this
		// page and the next ones before login.
		if lang := q.Get("lang"); i18n.Supported(lang) {
			setCookie(w, r, langCookie, lang, 365*24*60*60)
		}
		to := "/login"
		if next := q.Get("next"); next != "" {
			to += "?" + url.Values{"next": {safeNext(next)}}.Encode()
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	s.renderLogin(w, r, http.StatusOK, "", loginData{Next: safeNext(q.Get("next"))})
}

type loginData struct {
	Next      string
	Login     string
	Languages []loginLanguage
}

// loginLanguage is a link of the login page that switches its language.
type loginLanguage struct {
	langOption
	Link    string
	Current bool
}

// renderLogin shows the login form with a fresh token, and an error if
// msg is not empty.
func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, msg string, d loginData) {
	token := randomToken()
	setCookie(w, r, loginCSRFCookie, token, 3600)
	cur := langOf(r)
	for _, o := range languageOptions() {
		q := url.Values{"lang": {o.Value}}
		if d.Next != "/" {
			q.Set("next", d.Next)
		}
		d.Languages = append(d.Languages, loginLanguage{langOption: o, Link: "/login?" + q.Encode(), Current: o.Value == cur})
	}
	s.render(w, r, status, "login", &page{Title: "Log in", CSRF: token, Error: msg, Data: d})
}

// safeNext keeps redirects after login on this site: it returns next when
// it is a path of this site, and "/" for anything else. Browsers are
// lenient in ways a prefix check misses: they drop tabs and line breaks
// anywhere in a URL ("/\t/evil.example" becomes "//evil.example"), read a
// backslash as a slash, and an escaped slash or backslash ("%2f",
// "%5c") becomes a real one wherever the path is decoded again. So next is refused when its raw text or its decoded
// path holds a control character, a space or a backslash, and accepted
// only as a path with no scheme, host or user, that starts with a single
// slash before and after decoding.
func safeNext(next string) string {
	const home = "/"
	if len(next) > maxNextLength || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || !plainURLText(next) {
		return home
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Opaque != "" || u.Host != "" || u.User != nil {
		return home
	}
	// url.Parse decoded the path; the decoded form must be as plain.
	if !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || !plainURLText(u.Path) {
		return home
	}
	return next
}

// maxNextLength bounds the page to return to after login.
const maxNextLength = 2048

// plainURLText reports whether s is valid UTF-8 with no control
// character, space or backslash.
func plainURLText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	login := strings.TrimSpace(r.PostFormValue("login"))
	next := safeNext(r.PostFormValue("next"))
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		return callsheet.Errorf(callsheet.EFORBIDDEN, "The login form has expired. Go back, reload the page and try again.")
	}
	fail := func(status int, msg string) error {
		s.renderLogin(w, r, status, msg, loginData{Next: next, Login: login})
		return nil
	}
	// The attempt is reserved against both limits before the password is
	// checked: counting a failure only after the slow hash would let
	// attempts sent at once all pass the check before any is counted.
	ctx := r.Context()
	addrRes, loginRes, kind, err := s.reserveLogin(ctx, addressLimitKey(r), loginLimitKey(login))
	if err != nil {
		// Fail closed: without the count there is no limit, and the
		// limit is what stands between a guesser and the passwords.
		s.Logger.Error("login rate limit", "err", err)
		w.Header().Set("Retry-After", "30")
		return fail(http.StatusServiceUnavailable, tr(r, "Logging in is not possible just now. Try again in a minute."))
	}
	if kind != "" {
		s.refused(kind)
		w.Header().Set("Retry-After", retryAfter(max(addrRes.RetryAfter, loginRes.RetryAfter)))
		return fail(http.StatusTooManyRequests, tr(r, "Too many failed logins. Wait a few minutes and try again."))
	}
	u, err := s.Users.Authenticate(ctx, login, r.PostFormValue("password"))
	if err != nil {
		// The reservations stay: they are the record of this failure.
		return fail(http.StatusUnauthorized, errorText(r, err))
	}
	// A login that works forgets its name's failures, and does not count
	// against its address, which a whole office may share. The request
	// may be gone by now; the counts are put right all the same.
	keep := context.WithoutCancel(ctx)
	if err := s.RateLimits.ResetEvents(keep, loginRes.Key); err != nil {
		s.Logger.Warn("login rate limit: forget failures", "err", err)
	}
	if err := s.RateLimits.ReleaseEvent(keep, addrRes); err != nil {
		s.Logger.Warn("login rate limit: release", "err", err)
	}
	_, secret, err := s.Sessions.CreateSession(ctx, u.ID)
	if err != nil {
		return err
	}
	setCookie(w, r, sessionCookie, secret, 0)
	setCookie(w, r, loginCSRFCookie, "", -1)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// reserveLogin reserves a login attempt from an address for a login
// name. When either limit is reached it returns that limit's kind, and
// nothing stays reserved: an attempt that is refused is not a failure.
func (s *Server) reserveLogin(ctx context.Context, addrKey, loginKey string) (addr, login *callsheet.RateLimitReservation, refused string, err error) {
	addr, err = s.RateLimits.ReserveEvent(ctx, addrKey, s.LoginIPLimit)
	if err != nil {
		return nil, nil, "", err
	}
	if !addr.OK {
		return addr, &callsheet.RateLimitReservation{Key: loginKey}, RateLimitLoginIP, nil
	}
	login, err = s.RateLimits.ReserveEvent(ctx, loginKey, s.LoginLimit)
	if err != nil || !login.OK {
		if rerr := s.RateLimits.ReleaseEvent(context.WithoutCancel(ctx), addr); rerr != nil {
			s.Logger.Warn("login rate limit: release", "err", rerr)
		}
		if err != nil {
			return nil, nil, "", err
		}
		return addr, login, RateLimitLogin, nil
	}
	return addr, login, "", nil
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) error {
	sess := sessionFrom(r)
	if err := s.Sessions.DeleteSession(r.Context(), sess.secret); err != nil {
		return err
	}
	setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}
