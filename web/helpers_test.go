package web_test

import (
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/callsheet/callsheet/internal/app"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
	"github.com/callsheet/callsheet/web"
)

// eachServer runs fn once per engine, as storetest.Each does, each time on
// a server over a fresh database of the engine: SQLite always, PostgreSQL
// when CALLSHEET_TEST_POSTGRES is set.
func eachServer(t *testing.T, fn func(t *testing.T, ts *httptest.Server, db *sqldb.DB)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		fn(t, mustServerOn(t, db), db)
	})
}

// mustServerOn starts a server on the database.
func mustServerOn(t *testing.T, db *sqldb.DB) *httptest.Server {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := web.NewServer(app.Services(db, logger), logger)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// client is a browser-like client: it keeps cookies and does not follow
// redirects, so tests see them.
type client struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get fetches a page and remembers its CSRF token.
func (c *client) get(path string) (int, string) {
	c.t.Helper()
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfRE.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return resp.StatusCode, string(b)
}

// post submits a form with the remembered CSRF token (unless the form
// carries its own).
func (c *client) post(path string, form url.Values) (int, string, *http.Response) {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", c.csrf)
	}
	resp, err := c.http.PostForm(c.base+path, form)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfRE.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return resp.StatusCode, string(b), resp
}

// login logs in and fails the test unless it works.
func (c *client) login(login, password string) {
	c.t.Helper()
	c.get("/login")
	code, body, resp := c.post("/login", url.Values{"login": {login}, "password": {password}, "next": {"/campaigns"}})
	if code != http.StatusSeeOther || resp.Header.Get("Location") != "/campaigns" {
		c.t.Fatalf("login %s: %d %s", login, code, body)
	}
	c.get("/campaigns")
}

func contains(t *testing.T, body, want string) {
	t.Helper()
	if !strings.Contains(html.UnescapeString(body), want) {
		t.Fatalf("page does not contain %q", want)
	}
}
