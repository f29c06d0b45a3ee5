package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/internal/app"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
	"github.com/callsheet/callsheet/web"
)

func TestLogin(t *testing.T) { eachServer(t, testLogin) }

func testLogin(t *testing.T, ts *httptest.Server, db *sqldb.DB) {
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

func TestChangePassword(t *testing.T) { eachServer(t, testChangePassword) }

func testChangePassword(t *testing.T, ts *httptest.Server, db *sqldb.DB) {
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

// countingUsers counts the passwords the server checks.
type countingUsers struct {
	callsheet.UserService
	checked atomic.Int32
}

func (u *countingUsers) Authenticate(ctx context.Context, login, password string) (*callsheet.User, error) {
	u.checked.Add(1)
	return u.UserService.Authenticate(ctx, login, password)
}

// loginServer starts a server over db, wired as the serve command wires
// it, that counts the passwords it checks.
func loginServer(t *testing.T, db *sqldb.DB) (*web.Server, *httptest.Server, *countingUsers) {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := app.Services(db, logger)
	users := &countingUsers{UserService: svc.Users}
	svc.Users = users
	srv := web.NewServer(svc, logger)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return srv, ts, users
}

// loginForm fetches the login form and returns its CSRF cookie and token,
// which any number of posts may then carry.
func loginForm(t *testing.T, base string) (*http.Cookie, string) {
	t.Helper()
	resp, err := http.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := csrfRE.FindSubmatch(b)
	if m == nil {
		t.Fatal("no CSRF token in the login form")
	}
	for _, c := range resp.Cookies() {
		if c.Name == "cs_login_csrf" {
			return c, string(m[1])
		}
	}
	t.Fatal("no login CSRF cookie")
	return nil, ""
}

// postLogin posts the login form and returns the answer's status and
// headers. It is safe to call from many goroutines.
func postLogin(base string, cookie *http.Cookie, csrf, login, password, next string) (int, http.Header, error) {
	form := url.Values{"login": {login}, "password": {password}, "csrf": {csrf}, "next": {next}}
	req, err := http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(cookie)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return 0, nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header, nil
}

// loginBurst sends n logins at once, the i-th to bases[i%len(bases)]
// with the login and password that attempt(i) returns, and counts the
// answers by status. Each refusal must say when to retry.
func loginBurst(t *testing.T, bases []string, n int, attempt func(i int) (login, password string)) map[int]int {
	t.Helper()
	type form struct {
		cookie *http.Cookie
		csrf   string
	}
	forms := make([]form, len(bases))
	for i, b := range bases {
		forms[i].cookie, forms[i].csrf = loginForm(t, b)
	}
	var (
		mu    sync.Mutex
		codes = map[int]int{}
		errs  []error
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			k := i % len(bases)
			login, password := attempt(i)
			code, h, err := postLogin(bases[k], forms[k].cookie, forms[k].csrf, login, password, "/")
			mu.Lock()
			defer mu.Unlock()
			if err == nil && code == http.StatusTooManyRequests && h.Get("Retry-After") == "" {
				err = fmt.Errorf("a refusal without Retry-After")
			}
			if err != nil {
				errs = append(errs, err)
			}
			codes[code]++
		}()
	}
	close(start)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d of %d logins failed: %v", len(errs), n, errs[0])
	}
	return codes
}

// TestLoginAttemptsInParallel sends a hundred wrong passwords for one
// login at once: exactly the limit of them may reach the password check.
func TestLoginAttemptsInParallel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := storetest.NewFixture(t, db, "acme")
		_, ts, users := loginServer(t, db)
		limit := web.DefaultLoginLimit.Events
		codes := loginBurst(t, []string{ts.URL}, 100, func(int) (string, string) { return f.Admin.Login, "wrong password" })
		if got := int(users.checked.Load()); got != limit {
			t.Fatalf("%d passwords checked, want the limit of %d (answers %v)", got, limit, codes)
		}
		if codes[http.StatusUnauthorized] != limit || codes[http.StatusTooManyRequests] != 100-limit {
			t.Fatalf("answers %v, want %d wrong passwords and %d refusals", codes, limit, 100-limit)
		}
		// The login stays closed, even to its password, and the name is
		// compared without case.
		cookie, csrf := loginForm(t, ts.URL)
		if code, _, err := postLogin(ts.URL, cookie, csrf, strings.ToUpper(f.Admin.Login), storetest.Password, "/"); err != nil || code != http.StatusTooManyRequests {
			t.Fatalf("the right password during the block: %d %v", code, err)
		}
		if got := int(users.checked.Load()); got != limit {
			t.Fatalf("a refused login was checked: %d checks", got)
		}
	})
}

// TestLoginLimitPerAddress sends logins of many names at once from one
// address: exactly the address's limit of them may be checked. Logins
// that succeed do not count against the address.
func TestLoginLimitPerAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := storetest.NewFixture(t, db, "acme")
		srv, ts, users := loginServer(t, db)
		srv.LoginIPLimit = callsheet.RateLimit{Events: 12, Window: 5 * time.Minute}
		var refusals atomic.Int32
		var kinds sync.Map
		srv.OnRateLimit = func(kind string) { refusals.Add(1); kinds.Store(kind, true) }
		cookie, csrf := loginForm(t, ts.URL)
		for i := 0; i < 15; i++ {
			if code, _, err := postLogin(ts.URL, cookie, csrf, f.Admin.Login, storetest.Password, "/"); err != nil || code != http.StatusSeeOther {
				t.Fatalf("login %d: %d %v", i+1, code, err)
			}
		}
		users.checked.Store(0)
		codes := loginBurst(t, []string{ts.URL}, 40, func(i int) (string, string) { return fmt.Sprintf("nobody-%d", i), "guess" })
		if got := users.checked.Load(); got != 12 {
			t.Fatalf("%d passwords checked, want the address's limit of 12 (answers %v)", got, codes)
		}
		if codes[http.StatusUnauthorized] != 12 || codes[http.StatusTooManyRequests] != 28 {
			t.Fatalf("answers %v", codes)
		}
		if refusals.Load() != 28 {
			t.Fatalf("OnRateLimit called %d times, want 28", refusals.Load())
		}
		if _, ok := kinds.Load(web.RateLimitLoginIP); !ok {
			t.Fatal("refusals not reported as the address's")
		}
		if code, _, err := postLogin(ts.URL, cookie, csrf, f.Admin.Login, storetest.Password, "/"); err != nil || code != http.StatusTooManyRequests {
			t.Fatalf("a login from the blocked address: %d %v", code, err)
		}
	})
}

// TestLoginSuccessForgetsFailures: a login that works forgets its name's
// failures, so a user who mistyped is not locked out by the next typo.
func TestLoginSuccessForgetsFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := storetest.NewFixture(t, db, "acme")
		srv, ts, _ := loginServer(t, db)
		srv.LoginLimit = callsheet.RateLimit{Events: 3, Window: 5 * time.Minute}
		cookie, csrf := loginForm(t, ts.URL)
		try := func(password string, want int) {
			t.Helper()
			if code, _, err := postLogin(ts.URL, cookie, csrf, f.Admin.Login, password, "/"); err != nil || code != want {
				t.Fatalf("password %q: %d %v, want %d", password, code, err, want)
			}
		}
		try("typo", http.StatusUnauthorized)
		try("typo", http.StatusUnauthorized)
		try(storetest.Password, http.StatusSeeOther)
		for i := 0; i < 3; i++ {
			try("typo", http.StatusUnauthorized)
		}
		try(storetest.Password, http.StatusTooManyRequests)
	})
}

// TestRateLimitsSharedByServers runs two servers on one PostgreSQL, as
// two app servers behind a load balancer: they count logins and API
// requests together, so two servers do not allow twice the limit.
func TestRateLimitsSharedByServers(t *testing.T) {
	db := storetest.MustOpenDB(t, "postgres")
	f := storetest.NewFixture(t, db, "acme")
	a, tsA, usersA := loginServer(t, db)
	b, tsB, usersB := loginServer(t, db)
	limit := web.DefaultLoginLimit.Events

	codes := loginBurst(t, []string{tsA.URL, tsB.URL}, 100, func(int) (string, string) { return f.Admin.Login, "wrong password" })
	checked := int(usersA.checked.Load() + usersB.checked.Load())
	if checked != limit || codes[http.StatusUnauthorized] != limit {
		t.Fatalf("%d passwords checked across two servers, want %d (answers %v)", checked, limit, codes)
	}
	if usersA.checked.Load() == 0 || usersB.checked.Load() == 0 {
		t.Logf("one server checked every password (%d, %d)", usersA.checked.Load(), usersB.checked.Load())
	}

	secret, err := sqldb.NewAPITokenService(db).CreateAPIToken(f.AdminCtx, &callsheet.APIToken{Name: "shared"})
	if err != nil {
		t.Fatal(err)
	}
	a.SetAPILimits(web.APILimits{RequestsPerMinute: 5})
	b.SetAPILimits(web.APILimits{RequestsPerMinute: 5})
	api := map[int]int{}
	for i := 0; i < 8; i++ {
		base := tsA.URL
		if i%2 == 1 {
			base = tsB.URL
		}
		req, _ := http.NewRequest("GET", base+"/api/statuses", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		api[resp.StatusCode]++
	}
	if api[http.StatusOK] != 5 || api[http.StatusTooManyRequests] != 3 {
		t.Fatalf("API answers across two servers %v, want 5 OK and 3 refused", api)
	}
}
