package web_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"

	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

var nextRE = regexp.MustCompile(`name="next" value="([^"]*)"`)

// TestLoginRedirect checks where a login sends the browser back to. The
// page to return to comes from the URL, so anyone can craft a link to the
// real login page with next set to their own site; only paths of this
// site may get through, both in the form's hidden field and in the
// Location of the answer. Each value is the form value as the server
// reads it, after the one decoding of the query or form.
func TestLoginRedirect(t *testing.T) { eachServer(t, testLoginRedirect) }

func testLoginRedirect(t *testing.T, ts *httptest.Server, db *sqldb.DB) {
	f := storetest.NewFixture(t, db, "acme")
	refused := []struct{ name, next string }{
		{"tab after the slash", "/\t/evil.example"},
		{"tab, as sent encoded", "/%09/evil.example"},
		{"newline", "/\n/evil.example"},
		{"carriage return and newline", "/\r\n/evil.example"},
		{"leading tab", "\t//evil.example"},
		{"NUL", "/\x00/evil.example"},
		{"DEL", "/\x7f/evil.example"},
		{"C1 control", "/\u0085/evil.example"},
		{"leading space", " //evil.example"},
		{"space after the slash", "/ /evil.example"},
		{"backslash after the slash", "/\\evil.example"},
		{"two backslashes", "\\\\evil.example"},
		{"backslash then slash", "/\\/evil.example"},
		{"encoded slash", "/%2f/evil.example"},
		{"encoded slash, upper case", "/%2F%2Fevil.example"},
		{"encoded backslash", "/%5cevil.example"},
		{"encoded backslash, upper case", "/%5C%5Cevil.example"},
		{"encoded newline in the path", "/%0a/evil.example"},
		{"bad escape", "/%zz"},
		{"protocol-relative", "//evil.example"},
		{"protocol-relative with a path", "//evil.example/campaigns"},
		{"three slashes", "///evil.example"},
		{"absolute https", "https://evil.example/"},
		{"scheme without slashes", "https:evil.example"},
		{"scheme with one slash", "https:/evil.example"},
		{"javascript", "javascript:alert(1)"},
		{"data", "data:text/html,<script>alert(1)</script>"},
		{"userinfo", "//callsheet@evil.example"},
		{"userinfo with a password", "https://user:pass@evil.example"},
		{"at sign, relative", "@evil.example"},
		{"bare host", "evil.example"},
		{"relative path", "campaigns"},
		{"invalid UTF-8", "/\xff/evil.example"},
		{"empty", ""},
	}
	accepted := []string{
		"/",
		"/campaigns",
		"/campaigns/3?tab=notes&page=2",
		"/customers?q=a%20b",
		"/campaigns/3#notes",
		"/me/@home", // an at sign in a path is not userinfo
		"/campaigns/..%2F..%2F",
	}

	check := func(t *testing.T, next, want string) {
		t.Helper()
		// The form keeps the page to return to in a hidden field. A
		// query with a control character may be refused outright, before
		// the form; then there is no field to check.
		c := newClient(t, ts.URL)
		code, body := c.get("/login?" + url.Values{"next": {next}}.Encode())
		if code != http.StatusBadRequest {
			m := nextRE.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no next field in the login form (%d)", code)
			}
			if got := html.UnescapeString(m[1]); got != want {
				t.Errorf("form: next %q rendered as %q, want %q", next, got, want)
			}
		} else if want != "/" {
			t.Fatalf("form: next %q refused", next)
		} else {
			c.get("/login")
		}
		// Logging in redirects there.
		code, _, resp := c.post("/login", url.Values{"login": {f.Admin.Login}, "password": {storetest.Password}, "next": {next}})
		if code != http.StatusSeeOther {
			t.Fatalf("login: %d", code)
		}
		if got := resp.Header.Get("Location"); got != want {
			t.Errorf("login: next %q redirected to %q, want %q", next, got, want)
		}
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) { check(t, tt.next, "/") })
	}
	for _, next := range accepted {
		t.Run("accepts "+next, func(t *testing.T) { check(t, next, next) })
	}
}
