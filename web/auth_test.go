package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/callsheet/callsheet/sqldb/storetest"
)

func TestLogin(t *testing.T) {
	ts, db := mustServer(t)
	f := storetest.NewFixture(t, db, "acme")

	t.Run("pages need a login", func(t *testing.T) {
		c := newClient(t, ts.URL)
		resp, err := c.http.Get(ts.URL + "/campaigns")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
			t.Fatalf("got %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		c := newClient(t, ts.URL)
		c.get("/login")
		code, body, _ := c.post("/login", url.Values{"login": {f.Admin.Login}, "password": {"wrong password"}})
		if code != http.StatusUnauthorized {
			t.Fatalf("code %d", code)
		}
		contains(t, body, "Wrong login or password.")
	})
	t.Run("login without the form's token is refused", func(t *testing.T) {
		c := newClient(t, ts.URL)
		code, _, _ := c.post("/login", url.Values{"login": {f.Admin.Login}, "password": {storetest.Password}, "csrf": {"forged"}})
		if code != http.StatusForbidden {
			t.Fatalf("code %d", code)
		}
	})
	t.Run("session cookie flags", func(t *testing.T) {
		c := newClient(t, ts.URL)
		c.get("/login")
		_, _, resp := c.post("/login", url.Values{"login": {f.Admin.Login}, "password": {storetest.Password}})
		var found bool
		for _, ck := range resp.Cookies() {
			if ck.Name == "cs_session" {
				found = true
				if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
					t.Fatalf("cookie %+v", ck)
				}
			}
		}
		if !found {
			t.Fatal("no session cookie")
		}
	})
	t.Run("forms need the session's CSRF token", func(t *testing.T) {
		c := newClient(t, ts.URL)
		c.login(f.Admin.Login, storetest.Password)
		code, _, _ := c.post("/campaigns", url.Values{"name": {"Forged"}, "csrf": {"not-the-token"}})
		if code != http.StatusForbidden {
			t.Fatalf("code %d", code)
		}
		code, _, resp := c.post("/campaigns", url.Values{"name": {"Real"}})
		if code != http.StatusSeeOther {
			t.Fatalf("code %d", code)
		}
		_, body := c.get(resp.Header.Get("Location"))
		contains(t, body, "Real")
		_, body = c.get("/campaigns")
		if strings.Contains(body, "Forged") {
			t.Fatal("forged form created a campaign")
		}
	})
	t.Run("logout ends the session", func(t *testing.T) {
		c := newClient(t, ts.URL)
		c.login(f.Admin.Login, storetest.Password)
		code, _, _ := c.post("/logout", nil)
		if code != http.StatusSeeOther {
			t.Fatalf("logout %d", code)
		}
		resp, _ := c.http.Get(ts.URL + "/campaigns")
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("after logout: %d", resp.StatusCode)
		}
	})
	t.Run("attempts are rate-limited", func(t *testing.T) {
		c := newClient(t, ts.URL)
		var code int
		for i := 0; i < 12; i++ {
			c.get("/login")
			code, _, _ = c.post("/login", url.Values{"login": {"limited"}, "password": {"guess"}})
		}
		if code != http.StatusTooManyRequests {
			t.Fatalf("12th attempt: %d", code)
		}
	})
}

func TestChangePassword(t *testing.T) {
	ts, db := mustServer(t)
	f := storetest.NewFixture(t, db, "acme")
	other := newClient(t, ts.URL)
	other.login(f.Admin.Login, storetest.Password)
	c := newClient(t, ts.URL)
	c.login(f.Admin.Login, storetest.Password)
	c.get("/me")
	code, body, _ := c.post("/me", url.Values{"current": {"wrong password"}, "new": {"a new password"}, "confirm": {"a new password"}})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("wrong current password: %d", code)
	}
	contains(t, body, "The current password is wrong.")
	code, _, resp := c.post("/me", url.Values{"current": {storetest.Password}, "new": {"a new password"}, "confirm": {"a new password"}})
	if code != http.StatusSeeOther {
		t.Fatalf("change: %d", code)
	}
	// This browser goes on, with a new session; the other one is logged out.
	if code, _ := c.get(resp.Header.Get("Location")); code != http.StatusOK {
		t.Fatalf("after the change: %d", code)
	}
	r, _ := other.http.Get(ts.URL + "/campaigns")
	r.Body.Close()
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("the other session still works: %d", r.StatusCode)
	}
	fresh := newClient(t, ts.URL)
	fresh.login(f.Admin.Login, "a new password")
}
