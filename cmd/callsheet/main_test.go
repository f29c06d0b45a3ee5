package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a buffer safe to read while the server writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func runOK(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("callsheet %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

func TestOperatorCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cs.db")
	runOK(t, "account", "create", "--db", db, "--name", "Acme", "--country", "IL", "--timezone", "Asia/Jerusalem")
	var accounts []struct{ Name, Country string }
	if err := json.Unmarshal([]byte(runOK(t, "account", "list", "--db", db, "--json")), &accounts); err != nil || len(accounts) != 1 || accounts[0].Country != "IL" {
		t.Fatalf("accounts %v %v", accounts, err)
	}
	runOK(t, "campaign", "create", "--db", db, "--account", "Acme", "--name", "Spring")
	runOK(t, "campaign", "create", "--db", db, "--account", "Acme", "--name", "Summer")
	out := runOK(t, "user", "create", "--db", db, "--account", "Acme", "--name", "Dana Levi", "--login", "dana", "--role", "agent",
		"--can-add-customer", "--campaigns", "Spring,Summer", "--password", "password123")
	if !strings.Contains(out, "Created agent") {
		t.Fatalf("user create: %s", out)
	}
	var users []struct {
		Login          string
		CanAddCustomer bool    `json:"can_add_customer"`
		CampaignIDs    []int64 `json:"campaign_ids"`
	}
	if err := json.Unmarshal([]byte(runOK(t, "user", "list", "--db", db, "--account", "Acme", "--json")), &users); err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || !users[0].CanAddCustomer || len(users[0].CampaignIDs) != 2 {
		t.Fatalf("users %+v", users)
	}
	runOK(t, "status", "create", "--db", db, "--account", "Acme", "--name", "Callback", "--kind", "follow_up")
	var statuses []struct{ Name, Kind string }
	json.Unmarshal([]byte(runOK(t, "status", "list", "--db", db, "--account", "Acme", "--json")), &statuses)
	if len(statuses) != 6 || statuses[5].Name != "Callback" || statuses[5].Kind != "follow_up" {
		t.Fatalf("statuses %+v", statuses)
	}
	tok := runOK(t, "token", "create", "--db", db, "--account", "Acme", "--name", "site")
	if !regexp.MustCompile(`\ncs_[A-Za-z0-9_-]{40,}\n`).MatchString(tok) {
		t.Fatalf("token output %q", tok)
	}

	var errb bytes.Buffer
	err := run(context.Background(), []string{"campaign", "create", "--db", db, "--account", "Nope", "--name", "X"}, &bytes.Buffer{}, &errb)
	if err == nil || !strings.Contains(describe(err), `No account named "Nope"`) {
		t.Fatalf("unknown account: %v", err)
	}
	err = run(context.Background(), []string{"account", "create", "--db", db, "--name", "Bad", "--country", "ZZ", "--timezone", "Mars/Base"}, &bytes.Buffer{}, &errb)
	if d := describe(err); !strings.Contains(d, "country:") || !strings.Contains(d, "time_zone:") {
		t.Fatalf("bad account: %q", d)
	}
}

// TestServeFirstStart runs the README's first command: on an empty
// database it creates an admin, prints the login, and the login works.
func TestServeFirstStart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cs.db")
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, out, &syncBuffer{}) }()
	re := regexp.MustCompile(`Log in at (http://\S+)/login\n  login:    (\S+)\n  password: (\S+)`)
	var m []string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if m = re.FindStringSubmatch(out.String()); m != nil {
			break
		}
	}
	if m == nil {
		cancel()
		t.Fatalf("no login printed: %q", out.String())
	}
	base, login, password := m[1], m[2], m[3]
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	page.ReadFrom(resp.Body)
	resp.Body.Close()
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page.String())
	resp, err = c.PostForm(base+"/login", url.Values{"csrf": {csrf[1]}, "login": {login}, "password": {password}, "next": {"/admin/users"}})
	if err != nil {
		t.Fatal(err)
	}
	page.Reset()
	page.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/admin/users" || !strings.Contains(page.String(), "Admin") {
		t.Fatalf("login: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	// A second start finds the account and prints no new password.
	ctx2, cancel2 := context.WithCancel(context.Background())
	out2 := &syncBuffer{}
	go func() { done <- run(ctx2, []string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, out2, &syncBuffer{}) }()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && !strings.Contains(out2.String(), "running at"); time.Sleep(50 * time.Millisecond) {
	}
	cancel2()
	<-done
	if strings.Contains(out2.String(), "password") {
		t.Fatalf("second start printed a password: %q", out2.String())
	}
}

func TestDemo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cs.db")
	out := runOK(t, "demo", "--db", db, "--customers", "300")
	if !strings.Contains(out, "demo-il-admin") || !strings.Contains(out, "demo-us-admin") || !strings.Contains(out, "may not add customers") {
		t.Fatalf("demo output %q", out)
	}
	for _, account := range []string{"Demo IL", "Demo US"} {
		var campaigns []struct{ Name string }
		json.Unmarshal([]byte(runOK(t, "campaign", "list", "--db", db, "--account", account, "--json")), &campaigns)
		if len(campaigns) != 3 {
			t.Fatalf("%s: campaigns %v", account, campaigns)
		}
	}
}
