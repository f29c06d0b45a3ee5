package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/callsheet/callsheet/i18n"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
)

// getWith fetches a page with the client's cookies and the given
// Accept-Language, without following redirects.
func (c *client) getWith(path, acceptLanguage string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest("GET", c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	if acceptLanguage != "" {
		req.Header.Set("Accept-Language", acceptLanguage)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfRE.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return resp, string(b)
}

const (
	hebrewPage  = `<html lang="he" dir="rtl">`
	englishPage = `<html lang="en" dir="ltr">`
)

func TestLanguageChoices(t *testing.T) { eachServer(t, testLanguageChoices) }

func testLanguageChoices(t *testing.T, ts *httptest.Server, db *sqldb.DB) {
	f := storetest.NewFixture(t, db, "acme")
	admin := newClient(t, ts.URL)
	admin.login(f.Admin.Login, storetest.Password)

	t.Run("the account's language", func(t *testing.T) {
		_, body := admin.get("/admin/settings")
		contains(t, body, englishPage)
		contains(t, body, `<option value="he" lang="he" >עברית</option>`)
		code, _, resp := admin.post("/admin/settings", url.Values{"name": {"acme"}, "country": {"IL"}, "time_zone": {"Asia/Jerusalem"}, "language": {"he"}})
		if code != http.StatusSeeOther {
			t.Fatalf("save: %d", code)
		}
		_, body = admin.get(resp.Header.Get("Location"))
		contains(t, body, hebrewPage)
		contains(t, body, "ההגדרות נשמרו.")
		contains(t, body, "יום שישי, 25 בדצמבר 2026, \u206614:30 IST (UTC+02:00)\u2069")
		contains(t, body, `<option value="he" lang="he" selected>עברית</option>`)
		_, body = admin.get("/campaigns")
		contains(t, body, hebrewPage)
		contains(t, body, ">קמפיינים</a>")
		contains(t, body, ">משתמשים</a>")
		contains(t, body, ">התנתקות</button>")
		// An agent of the account follows it too.
		agent := f.Agent(t, "Dana", false)
		ag := newClient(t, ts.URL)
		ag.login(agent.Login, storetest.Password)
		_, body = ag.get("/work")
		contains(t, body, hebrewPage)
	})

	t.Run("a user's own language wins over the account's", func(t *testing.T) {
		_, body := admin.get("/me")
		contains(t, body, hebrewPage)
		contains(t, body, "של החשבון (\u2068עברית\u2069)")
		code, _, resp := admin.post("/me", url.Values{"form": {"language"}, "language": {"en"}})
		if code != http.StatusSeeOther {
			t.Fatalf("save: %d", code)
		}
		_, body = admin.get(resp.Header.Get("Location"))
		contains(t, body, englishPage)
		contains(t, body, "Language saved.")
		contains(t, body, `<option value="en" lang="en" selected>English</option>`)
		_, body = admin.get("/campaigns")
		contains(t, body, englishPage)
		contains(t, body, ">Campaigns</a>")
		// Back to the account's.
		admin.post("/me", url.Values{"form": {"language"}, "language": {""}})
		_, body = admin.get("/campaigns")
		contains(t, body, hebrewPage)
	})

	t.Run("a form's errors in Hebrew", func(t *testing.T) {
		admin.get("/me")
		code, body, _ := admin.post("/me", url.Values{"current": {storetest.Password}, "new": {"a new password"}, "confirm": {"another password"}})
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("code %d", code)
		}
		contains(t, body, hebrewPage)
		contains(t, body, `<div class="alert err" role="alert">הסיסמאות החדשות אינן תואמות.</div>`)
		contains(t, body, `<span class="field-error">אינה תואמת.</span>`)
		if strings.Contains(body, "another password") {
			t.Fatal("a password is shown again")
		}
		code, _, _ = admin.post("/me", url.Values{"form": {"language"}, "language": {"fr"}})
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("an unknown language: %d", code)
		}
	})

	t.Run("the login page follows the browser", func(t *testing.T) {
		c := newClient(t, ts.URL)
		_, body := c.getWith("/login", "he-IL,he;q=0.9,en;q=0.8")
		contains(t, body, hebrewPage)
		contains(t, body, "התחברות ל-Callsheet")
		_, body = c.getWith("/login", "en-US,en;q=0.9")
		contains(t, body, englishPage)
		contains(t, body, "Log in to Callsheet")
	})

	t.Run("the login page's language links", func(t *testing.T) {
		c := newClient(t, ts.URL)
		_, body := c.getWith("/login?next=/admin/users", "en-US")
		contains(t, body, `href="/login?lang=he&next=%2Fadmin%2Fusers"`)
		resp, _ := c.getWith("/login?lang=he&next=/admin/users", "en-US")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fadmin%2Fusers" {
			t.Fatalf("got %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		var cookie *http.Cookie
		for _, ck := range resp.Cookies() {
			if ck.Name == "cs_lang" {
				cookie = ck
			}
		}
		if cookie == nil || cookie.Value != "he" || cookie.Path != "/" || cookie.MaxAge < 364*24*3600 || cookie.SameSite != http.SameSiteLaxMode {
			t.Fatalf("cookie %+v", cookie)
		}
		// The choice beats the browser's language.
		_, body = c.getWith(resp.Header.Get("Location"), "en-US")
		contains(t, body, hebrewPage)
		contains(t, body, `name="next" value="/admin/users"`)
		// A failed login answers in it too.
		code, body, _ := c.post("/login", url.Values{"login": {f.Admin.Login}, "password": {"wrong password"}})
		if code != http.StatusUnauthorized {
			t.Fatalf("code %d", code)
		}
		contains(t, body, hebrewPage)
		// Back to English; a language Callsheet does not speak changes nothing.
		c.getWith("/login?lang=en", "he-IL")
		_, body = c.getWith("/login", "he-IL")
		contains(t, body, englishPage)
		resp, _ = c.getWith("/login?lang=fr", "")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
			t.Fatalf("got %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, body = c.getWith("/login", "he-IL")
		contains(t, body, englishPage)
	})
}

// TestAdminPagesInHebrew: the admin pages show no English of their own
// to a Hebrew reader, and their flashes speak Hebrew.
func TestAdminPagesInHebrew(t *testing.T) { eachServer(t, testAdminPagesInHebrew) }

func testAdminPagesInHebrew(t *testing.T, ts *httptest.Server, db *sqldb.DB) {
	f := storetest.NewFixture(t, db, "acme")
	f.Campaign(t, "Spring")
	c := newClient(t, ts.URL)
	c.login(f.Admin.Login, storetest.Password)
	c.post("/admin/settings", url.Values{"name": {"acme"}, "country": {"IL"}, "time_zone": {"Asia/Jerusalem"}, "language": {"he"}})
	for path, want := range map[string]string{
		"/admin/users":    "יצירת משתמש",
		"/admin/statuses": "הוספת סטטוס",
		"/admin/fields":   "הוספת שדה",
		"/admin/tokens":   "יצירת אסימון",
		"/admin/settings": "שפת הממשק",
		"/admin/audit":    "יומן פעולות",
		"/me":             "שינוי סיסמה",
	} {
		code, body := c.get(path)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", path, code)
		}
		contains(t, body, hebrewPage)
		contains(t, body, want)
	}
	var body string
	code, _, resp := c.post("/admin/statuses", url.Values{"name": {"Call back"}, "kind": {"open"}})
	if code != http.StatusSeeOther {
		t.Fatalf("status: %d", code)
	}
	_, body = c.get(resp.Header.Get("Location"))
	contains(t, body, "הסטטוס \u2068Call back\u2069 נוצר.")
	contains(t, body, "<td>פתוח</td>")
	// A domain error beside its input, in Hebrew, with what was typed.
	c.get("/admin/users")
	code, body, _ = c.post("/admin/users", url.Values{"name": {""}, "login": {"someone"}, "password": {"short"}, "role": {"agent"}})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("user: %d", code)
	}
	if he := i18n.T(i18n.Hebrew, "Name is required."); he == "Name is required." {
		t.Errorf("no Hebrew for %q", "Name is required.")
	} else {
		contains(t, body, `<span class="field-error">`+he+`</span>`)
	}
	contains(t, body, `value="someone"`)
	code, body, _ = c.post("/admin/tokens", url.Values{"name": {"website"}})
	if code != http.StatusOK {
		t.Fatalf("token: %d", code)
	}
	contains(t, body, "האסימון \u2068website\u2069 נוצר.")
	code, body = c.get("/admin/users/999999")
	if code != http.StatusNotFound {
		t.Fatalf("not found: %d", code)
	}
	contains(t, body, "חזרה ל-Callsheet")
}

// TestLongDateNames: every weekday and month has its Hebrew name.
func TestLongDateNames(t *testing.T) {
	for _, k := range []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
		"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"} {
		for _, lang := range i18n.Languages {
			if !i18n.Has(lang, k) {
				t.Errorf("%q is not in the %s catalogue", k, lang)
			}
		}
	}
}
