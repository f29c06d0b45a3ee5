package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// TestQueryBounds: a query parameter over its bound, or holding a control
// character or bytes that are not UTF-8, is a bad request on every route,
// answered in the route's own shape, and never reaches the store (where
// SQLite refuses a 50,000-character LIKE pattern and PostgreSQL a NUL).
func TestQueryBounds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newAPIEnvOn(t, db, false)
		e.f.Customer(t, e.camp.ID, "Noa", "+972526234567")
		long := url.QueryEscape(strings.Repeat("x", 50000))
		camp := fmt.Sprint(e.camp.ID)

		bad := []struct {
			name, path, field string
		}{
			{"an 8,000-character search", "/api/customers?q=" + long[:8000], "q"},
			{"a 201-character search", "/api/customers?q=" + url.QueryEscape(strings.Repeat("ä", 201)), "q"},
			{"a 201-character phone", "/api/customers?phone=" + strings.Repeat("5", 201), "phone"},
			{"a NUL in a search", "/api/customers?q=No%00a", "q"},
			{"a line feed in a search", "/api/customers?q=No%0Aa", "q"},
			{"bytes that are not UTF-8", "/api/customers?q=%FF%FE", "q"},
			{"a 1,001-character id", "/api/customers?campaign=" + strings.Repeat("1", 1001), "campaign"},
			{"a long role", "/api/users?role=" + strings.Repeat("a", 1001), "role"},
			{"a NUL in a list's filter", "/api/imports?state=%00", "state"},
		}
		for _, c := range bad {
			t.Run(c.name, func(t *testing.T) {
				er := e.get(c.path).wantError(t, http.StatusBadRequest, "bad_request")
				if er.Error.Fields[c.field] == "" {
					t.Fatalf("the error does not name %s: %+v", c.field, er)
				}
			})
		}
		t.Run("the whole query string is bounded", func(t *testing.T) {
			r := e.get("/api/customers?q=" + long)
			er := r.wantError(t, http.StatusBadRequest, "bad_request")
			if !strings.Contains(er.Error.Message, "query string") {
				t.Fatalf("message %q", er.Error.Message)
			}
		})
		t.Run("an escape that is not one", func(t *testing.T) {
			e.get("/api/customers?q=100%ZZ").wantError(t, http.StatusBadRequest, "bad_request")
		})
		t.Run("searches within the bounds answer", func(t *testing.T) {
			var l struct{ Total int }
			e.get("/api/customers?q="+url.QueryEscape(strings.Repeat("נ", 200))).want(t, http.StatusOK).decode(t, &l)
			if l.Total != 0 {
				t.Fatalf("total %d", l.Total)
			}
			e.get("/api/customers?q=Noa&campaign="+camp).want(t, http.StatusOK).decode(t, &l)
			if l.Total != 1 {
				t.Fatalf("total %d", l.Total)
			}
		})
		t.Run("the compatible endpoints", func(t *testing.T) {
			form := url.Values{"token": {e.token}, "campaign": {camp}, "name": {"X"}, "number": {"050-711-2222"}}
			r := postForm(t, e.ts.URL, "/api/simple/customers?note="+long[:5000], form, nil)
			if r.Status != http.StatusBadRequest || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") || !strings.Contains(string(r.Body), "note") {
				t.Fatalf("simple: %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Body)
			}
			r = postForm(t, e.ts.URL, "/api/simple/customers?name=%00", form, nil)
			if r.Status != http.StatusBadRequest {
				t.Fatalf("simple with a NUL: %d %s", r.Status, r.Body)
			}
			e.post("/api/v1/customers?campaign="+long[:5000], map[string]any{"token": e.token, "campaign": e.camp.ID, "customers": []any{map[string]any{"number": "050-711-2222"}}}).
				wantError(t, http.StatusBadRequest, "bad_request")
			if n := len(e.customers(e.camp.ID)); n != 1 {
				t.Fatalf("a refused request added customers: %d", n)
			}
		})
		t.Run("the campaign page", func(t *testing.T) {
			c := newClient(t, e.ts.URL)
			c.login(e.f.Admin.Login, storetest.Password)
			page := "/campaigns/" + camp
			for _, q := range []string{long, long[:5000], "No%00a", "%FF"} {
				code, body := c.get(page + "?q=" + q)
				if code != http.StatusBadRequest {
					t.Fatalf("search of %d bytes: %d", len(q), code)
				}
				if !strings.Contains(body, "query") && !strings.Contains(body, "q\u2069 parameter") {
					t.Fatalf("the page does not say what is wrong")
				}
			}
			code, body := c.get(page + "?q=" + url.QueryEscape(strings.Repeat("x", 200)))
			if code != http.StatusOK || strings.Contains(body, "Noa") {
				t.Fatalf("a 200-character search: %d", code)
			}
			code, body = c.get(page + "?q=Noa")
			if code != http.StatusOK {
				t.Fatalf("a search: %d", code)
			}
			contains(t, body, "Noa")
			if code, _ := c.get("/work?campaign=" + long[:3000]); code != http.StatusBadRequest {
				t.Fatalf("work page: %d", code)
			}
			if code, _ := c.get("/admin/dnc?phone=" + long[:3000]); code != http.StatusBadRequest {
				t.Fatalf("do-not-call page: %d", code)
			}
		})
	})
}
