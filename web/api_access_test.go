package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
	"github.com/callsheet/callsheet/web"
)

func testAPIAuth(t *testing.T, db *sqldb.DB) {
	e := newAPIEnvOn(t, db, false)
	noAuth := map[string]string{"Authorization": ""}
	r := e.do(call{Method: "GET", Path: "/api/campaigns", Header: noAuth})
	r.wantError(t, http.StatusUnauthorized, "unauthorized")
	if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Fatalf("WWW-Authenticate %q", r.Header.Get("WWW-Authenticate"))
	}
	for _, h := range []string{"Basic dXNlcjpwYXNz", "Bearer", "Bearer cs_wrong", "Bearer " + e.token + "x", e.token} {
		e.do(call{Method: "GET", Path: "/api/campaigns", Header: map[string]string{"Authorization": h}}).wantError(t, http.StatusUnauthorized, "unauthorized")
	}
	e.get("/api/campaigns").want(t, http.StatusOK)
	e.do(call{Method: "GET", Path: "/api/campaigns", Header: map[string]string{"Authorization": "bearer " + e.token}}).want(t, http.StatusOK)
	toks, err := sqldb.NewAPITokenService(e.db).FindAPITokens(e.f.AdminCtx)
	if err != nil || len(toks) != 1 || toks[0].LastUsedAt == nil {
		t.Fatalf("last used time not recorded: %+v %v", toks, err)
	}

	// A revoked token is refused at once.
	if err := sqldb.NewAPITokenService(e.db).RevokeAPIToken(e.f.AdminCtx, toks[0].ID); err != nil {
		t.Fatal(err)
	}
	e.get("/api/campaigns").wantError(t, http.StatusUnauthorized, "unauthorized")
	e.post("/api/customers", map[string]any{"campaign_id": e.camp.ID, "customer": map[string]any{"name": "X", "phone": "052-623-4567"}}).
		wantError(t, http.StatusUnauthorized, "unauthorized")
	if len(e.customers(e.camp.ID)) != 0 {
		t.Fatal("a revoked token added a customer")
	}
	e.token = e.newToken(e.f, "replacement")

	// A browser session reaches the API only with its CSRF token in the
	// header, as Callsheet's own pages send it.
	admin := newClient(t, e.ts.URL)
	admin.login(e.f.Admin.Login, storetest.Password)
	e.do(call{Method: "GET", Path: "/api/campaigns", Header: noAuth, Client: admin.http}).wantError(t, http.StatusUnauthorized, "unauthorized")
	e.do(call{Method: "GET", Path: "/api/campaigns", Header: map[string]string{"Authorization": "", "X-CSRF-Token": "forged"}, Client: admin.http}).
		wantError(t, http.StatusUnauthorized, "unauthorized")
	asAdmin := map[string]string{"Authorization": "", "X-CSRF-Token": admin.csrf}
	e.do(call{Method: "GET", Path: "/api/campaigns", Header: asAdmin, Client: admin.http}).want(t, http.StatusOK)
	e.do(call{Method: "POST", Path: "/api/customers", Header: asAdmin, Client: admin.http,
		Body: map[string]any{"campaign_id": e.camp.ID, "customer": map[string]any{"name": "Noa", "phone": "052-623-4567"}}}).want(t, http.StatusCreated)

	// An agent's session keeps the agent's restrictions.
	theirs := e.f.Campaign(t, "Not mine")
	agent := e.f.Agent(t, "Dana Levi", true, e.camp.ID)
	hidden := e.f.Customer(t, theirs.ID, "Hidden", "+972547654321")
	mine := e.customers(e.camp.ID)["+972526234567"]
	ac := newClient(t, e.ts.URL)
	ac.login(agent.Login, storetest.Password)
	asAgent := map[string]string{"Authorization": "", "X-CSRF-Token": ac.csrf}
	agentDo := func(method, path string, body any) apiResp {
		t.Helper()
		return e.do(call{Method: method, Path: path, Body: body, Header: asAgent, Client: ac.http})
	}
	var camps struct{ Total int }
	agentDo("GET", "/api/campaigns", nil).want(t, http.StatusOK).decode(t, &camps)
	if camps.Total != 1 {
		t.Fatalf("agent sees %d campaigns", camps.Total)
	}
	agentDo("GET", fmt.Sprintf("/api/campaigns/%d", theirs.ID), nil).wantError(t, http.StatusNotFound, "not_found")
	agentDo("GET", fmt.Sprintf("/api/customers/%d", hidden.ID), nil).wantError(t, http.StatusNotFound, "not_found")
	agentDo("PATCH", fmt.Sprintf("/api/customers/%d", mine.ID), map[string]any{"note": "called"}).want(t, http.StatusOK)
	agentDo("PATCH", fmt.Sprintf("/api/customers/%d", mine.ID), map[string]any{"agent_id": agent.ID}).wantError(t, http.StatusForbidden, "forbidden")
	agentDo("DELETE", fmt.Sprintf("/api/customers/%d", mine.ID), nil).wantError(t, http.StatusForbidden, "forbidden")
	agentDo("POST", "/api/customers/batch", map[string]any{"campaign_id": e.camp.ID, "customers": []any{map[string]any{"name": "A", "phone": "050-711-2222"}}}).
		wantError(t, http.StatusForbidden, "forbidden")
	agentDo("GET", "/api/imports", nil).wantError(t, http.StatusForbidden, "forbidden")

	// A filter by a campaign the agent does not work is not found, as
	// the campaign is; one the agent works answers.
	agentDo("GET", fmt.Sprintf("/api/customers?campaign=%d", theirs.ID), nil).wantError(t, http.StatusNotFound, "not_found")
	agentDo("GET", fmt.Sprintf("/api/users?campaign=%d", theirs.ID), nil).wantError(t, http.StatusNotFound, "not_found")
	agentDo("GET", fmt.Sprintf("/api/customers?campaign=%d&agent=%d&status=%d", e.camp.ID, agent.ID, e.f.Initial.ID), nil).want(t, http.StatusOK)

	// Agents see other users' names, never their logins; admins see them.
	var users struct {
		Total int
		Items []map[string]any
	}
	for _, path := range []string{"/api/users", fmt.Sprintf("/api/users?campaign=%d", e.camp.ID)} {
		r := agentDo("GET", path, nil).want(t, http.StatusOK)
		r.decode(t, &users)
		if users.Total < 1 || len(users.Items) != users.Total {
			t.Fatalf("%s: %s", path, r.Body)
		}
		for _, u := range users.Items {
			if len(u) != 2 || u["name"] == nil || u["id"] == nil {
				t.Fatalf("%s: an agent sees %v", path, u)
			}
		}
		if strings.Contains(string(r.Body), e.f.Admin.Login) || strings.Contains(string(r.Body), agent.Login) {
			t.Fatalf("%s: an agent sees a login: %s", path, r.Body)
		}
	}
	r = agentDo("GET", fmt.Sprintf("/api/users/%d", e.f.Admin.ID), nil).want(t, http.StatusOK)
	if strings.Contains(string(r.Body), "login") || !strings.Contains(string(r.Body), e.f.Admin.Name) {
		t.Fatalf("an agent sees the admin as %s", r.Body)
	}
	r = e.do(call{Method: "GET", Path: "/api/users", Header: asAdmin, Client: admin.http}).want(t, http.StatusOK)
	if !strings.Contains(string(r.Body), `"login":"`+agent.Login+`"`) {
		t.Fatalf("an admin does not see logins: %s", r.Body)
	}
	r = e.get(fmt.Sprintf("/api/users/%d", agent.ID)).want(t, http.StatusOK)
	if !strings.Contains(string(r.Body), `"login":"`+agent.Login+`"`) {
		t.Fatalf("a token does not see the login: %s", r.Body)
	}
}

// testAPICrossAccount shows that a token of one account never reaches
// another: every object of the other account is not found, by every
// endpoint, and the other account is left as it was.
func testAPICrossAccount(t *testing.T, db *sqldb.DB) {
	e := newAPIEnvOn(t, db, false)
	b := storetest.NewFixture(t, e.db, "beta")
	bCamp := b.Campaign(t, "Beta leads")
	bAgent := b.Agent(t, "Beta agent", false, bCamp.ID)
	bCust := b.Customer(t, bCamp.ID, "Beta customer", "+972526234567")
	bField := &callsheet.CustomField{Label: "Beta field", Type: callsheet.FieldText}
	if err := sqldb.NewCustomFieldService(e.db).CreateCustomField(b.AdminCtx, bField); err != nil {
		t.Fatal(err)
	}
	bToken := e.newToken(b, "beta")
	asB := map[string]string{"Authorization": "Bearer " + bToken}
	var bJob batchResult
	e.do(call{Method: "POST", Path: "/api/customers/batch", Header: asB,
		Body: map[string]any{"campaign_id": bCamp.ID, "customers": []any{map[string]any{"name": "B2", "phone": "050-711-2222"}}}}).want(t, http.StatusOK).decode(t, &bJob)

	for _, p := range []string{
		fmt.Sprintf("/api/campaigns/%d", bCamp.ID), fmt.Sprintf("/api/statuses/%d", b.Initial.ID), fmt.Sprintf("/api/users/%d", bAgent.ID),
		fmt.Sprintf("/api/users/%d", b.Admin.ID), fmt.Sprintf("/api/custom-fields/%d", bField.ID), fmt.Sprintf("/api/customers/%d", bCust.ID),
		fmt.Sprintf("/api/imports/%d", bJob.JobID), fmt.Sprintf("/api/imports/%d/problems", bJob.JobID), fmt.Sprintf("/api/imports/%d/problems.csv", bJob.JobID),
	} {
		e.get(p).wantError(t, http.StatusNotFound, "not_found")
	}
	e.patch(fmt.Sprintf("/api/customers/%d", bCust.ID), map[string]any{"name": "Taken"}).wantError(t, http.StatusNotFound, "not_found")
	e.del(fmt.Sprintf("/api/customers/%d", bCust.ID)).wantError(t, http.StatusNotFound, "not_found")
	e.post(fmt.Sprintf("/api/imports/%d/cancel", bJob.JobID), nil).wantError(t, http.StatusNotFound, "not_found")
	e.post(fmt.Sprintf("/api/imports/%d/undo", bJob.JobID), nil).wantError(t, http.StatusNotFound, "not_found")
	e.post("/api/customers", map[string]any{"campaign_id": bCamp.ID, "customer": map[string]any{"name": "X", "phone": "054-765-4321"}}).wantError(t, http.StatusNotFound, "not_found")
	e.post("/api/customers", map[string]any{"campaign_id": e.camp.ID, "options": map[string]any{"status_id": b.Initial.ID},
		"customer": map[string]any{"name": "X", "phone": "054-765-4321"}}).wantError(t, http.StatusNotFound, "not_found")
	e.post("/api/customers", map[string]any{"campaign_id": e.camp.ID, "customer": map[string]any{"name": "X", "phone": "054-765-4321", "agent": "Beta agent"}}).
		wantError(t, http.StatusUnprocessableEntity, "invalid")
	e.post("/api/customers/batch", map[string]any{"campaign_id": bCamp.ID, "customers": []any{map[string]any{"name": "X", "phone": "054-765-4321"}}}).wantError(t, http.StatusNotFound, "not_found")
	body, ct := upload(t, "x.csv", "Name,Phone\nX,054-765-4321\n", map[string]string{"campaign_id": fmt.Sprint(bCamp.ID), "mapping": `{"name":"Name","phone":"Phone"}`})
	e.do(call{Method: "POST", Path: "/api/imports", Body: body, ContentType: ct}).wantError(t, http.StatusNotFound, "not_found")
	postForm(t, e.ts.URL, "/api/simple/customers", url.Values{"token": {e.token}, "campaign": {fmt.Sprint(bCamp.ID)}, "name": {"X"}, "number": {"054-765-4321"}}, nil).
		want(t, http.StatusNotFound)
	e.post("/api/v1/customers", map[string]any{"token": e.token, "campaign": bCamp.ID, "customers": []any{map[string]any{"name": "X", "number": "054-765-4321"}}}).
		wantError(t, http.StatusNotFound, "not_found")

	// A filter by an id of B is not found, as B's object is, naming the
	// parameter.
	for _, c := range []struct{ param, path string }{
		{"campaign", fmt.Sprintf("/api/customers?campaign=%d", bCamp.ID)},
		{"status", fmt.Sprintf("/api/customers?status=%d", b.Initial.ID)},
		{"agent", fmt.Sprintf("/api/customers?agent=%d&campaign=%d", bAgent.ID, e.camp.ID)},
		{"campaign", fmt.Sprintf("/api/users?campaign=%d", bCamp.ID)},
		{"campaign", fmt.Sprintf("/api/imports?campaign=%d", bCamp.ID)},
	} {
		er := e.get(c.path).wantError(t, http.StatusNotFound, "not_found")
		if er.Error.Fields[c.param] == "" {
			t.Errorf("%s: the error does not name %s: %+v", c.path, c.param, er)
		}
	}

	// Lists hold only the caller's account. A's one import is its own
	// refused add of B's agent above.
	var l struct{ Total int }
	for path, want := range map[string]int{"/api/campaigns": 1, "/api/users": 1, "/api/custom-fields": 0, "/api/customers": 0, "/api/imports": 1,
		fmt.Sprintf("/api/customers?campaign=%d&agent=0&status=%d", e.camp.ID, e.f.Initial.ID): 0, "/api/customers?phone=%2B972526234567": 0} {
		e.get(path).want(t, http.StatusOK).decode(t, &l)
		if l.Total != want {
			t.Errorf("%s: total %d, want %d", path, l.Total, want)
		}
	}
	// B's token sees B's objects, and they are as they were.
	var c callsheet.Customer
	e.do(call{Method: "GET", Path: fmt.Sprintf("/api/customers/%d", bCust.ID), Header: asB}).want(t, http.StatusOK).decode(t, &c)
	if c.Name != "Beta customer" {
		t.Fatalf("B's customer %+v", c)
	}
	e.do(call{Method: "GET", Path: fmt.Sprintf("/api/campaigns/%d", e.camp.ID), Header: asB}).wantError(t, http.StatusNotFound, "not_found")
	if n := len(e.customers(e.camp.ID)); n != 0 {
		t.Fatalf("A's campaign has %d customers", n)
	}
	bl, _, err := sqldb.NewCustomerService(e.db).FindCustomers(b.AdminCtx, callsheet.CustomerFilter{CampaignID: &bCamp.ID})
	if err != nil || len(bl) != 2 {
		t.Fatalf("B's campaign: %d customers, %v", len(bl), err)
	}
	job, err := e.svc.Imports.FindImport(b.AdminCtx, bJob.JobID)
	if err != nil || job.State != callsheet.ImportDone {
		t.Fatalf("B's import: %+v %v", job, err)
	}
}

func testAPIRateLimit(t *testing.T, db *sqldb.DB) {
	e := newAPIEnvOn(t, db, false)
	e.srv.SetAPILimits(web.APILimits{RequestsPerMinute: 3})
	for i := 0; i < 3; i++ {
		e.get("/api/statuses").want(t, http.StatusOK)
	}
	r := e.get("/api/statuses")
	r.wantError(t, http.StatusTooManyRequests, "rate_limited")
	// On SQLite the server counts in its memory, over a true sliding
	// minute: the wait is at most the minute. On PostgreSQL it counts in
	// the database in fixed windows, the previous one fading over the
	// current (sqldb.RateLimitService): with this window full, the wait
	// runs past its end into the next while the three fade, up to a third
	// of a minute more.
	maxWait := 60
	if db.Engine() == "postgres" {
		maxWait = 60 + 21
	}
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 || s > maxWait {
		t.Fatalf("Retry-After %q, want 1 to %d", r.Header.Get("Retry-After"), maxWait)
	}
	r = postForm(t, e.ts.URL, "/api/simple/customers", url.Values{"token": {e.token}, "campaign": {fmt.Sprint(e.camp.ID)}, "name": {"X"}, "number": {"052-623-4567"}}, nil)
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("simple endpoint over the limit: %d %s", r.Status, r.Body)
	}
	e.post("/api/v1/customers", map[string]any{"token": e.token, "campaign": e.camp.ID, "customers": []any{map[string]any{"number": "052-623-4567"}}}).
		wantError(t, http.StatusTooManyRequests, "rate_limited")
	// The limit is per token.
	other := e.newToken(e.f, "other")
	e.do(call{Method: "GET", Path: "/api/statuses", Header: map[string]string{"Authorization": "Bearer " + other}}).want(t, http.StatusOK)
	if len(e.customers(e.camp.ID)) != 0 {
		t.Fatal("a limited request added a customer")
	}
}

func testAPILimits(t *testing.T, db *sqldb.DB) {
	e := newAPIEnvOn(t, db, false)
	e.srv.SetAPILimits(web.APILimits{MaxBody: 1024, MaxUpload: 2048, MaxBatch: 2})
	long := strings.Repeat("x", 2000)
	e.post("/api/customers", map[string]any{"campaign_id": e.camp.ID, "customer": map[string]any{"name": "X", "phone": "052-623-4567", "note": long}}).
		wantError(t, http.StatusRequestEntityTooLarge, "too_large")
	e.do(call{Method: "POST", Path: "/api/customers", Header: map[string]string{"Idempotency-Key": "big"},
		Body: map[string]any{"campaign_id": e.camp.ID, "customer": map[string]any{"name": "X", "phone": "052-623-4567", "note": long}}}).
		wantError(t, http.StatusRequestEntityTooLarge, "too_large")
	e.patch("/api/customers/1", map[string]any{"note": long}).wantError(t, http.StatusRequestEntityTooLarge, "too_large")
	three := []any{map[string]any{"phone": "052-623-4567"}, map[string]any{"phone": "050-711-2222"}, map[string]any{"phone": "054-765-4321"}}
	e.post("/api/customers/batch", map[string]any{"campaign_id": e.camp.ID, "customers": three}).wantError(t, http.StatusRequestEntityTooLarge, "too_large")
	e.post("/api/v1/customers", map[string]any{"token": e.token, "campaign": e.camp.ID, "customers": three}).wantError(t, http.StatusRequestEntityTooLarge, "too_large")
	e.post("/api/v1/customers", map[string]any{"token": e.token, "campaign": e.camp.ID, "customers": three, "note": long}).wantError(t, http.StatusRequestEntityTooLarge, "too_large")
	r := postForm(t, e.ts.URL, "/api/simple/customers", url.Values{"token": {e.token}, "campaign": {fmt.Sprint(e.camp.ID)}, "number": {"052-623-4567"}, "note": {long}}, nil)
	if r.Status != http.StatusRequestEntityTooLarge || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("simple: %d %s", r.Status, r.Body)
	}
	body, ct := upload(t, "big.csv", "Name,Phone\n"+strings.Repeat("Noa,052-623-4567\n", 200), map[string]string{"campaign_id": fmt.Sprint(e.camp.ID)})
	e.do(call{Method: "POST", Path: "/api/imports", Body: body, ContentType: ct}).wantError(t, http.StatusRequestEntityTooLarge, "too_large")
	if len(e.customers(e.camp.ID)) != 0 {
		t.Fatal("a request over a limit added customers")
	}
}

func testAPIIdempotency(t *testing.T, db *sqldb.DB) {
	e := newAPIEnvOn(t, db, false)
	batch := map[string]any{"campaign_id": e.camp.ID, "customers": []any{
		map[string]any{"name": "Noa", "phone": "052-623-4567"}, map[string]any{"name": "Avi", "phone": "050-711-2222"}}}
	withKey := func(key string) map[string]string { return map[string]string{"Idempotency-Key": key} }
	jobs := func() int {
		_, n, err := e.svc.Imports.FindImports(e.f.AdminCtx, callsheet.ImportJobFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	first := e.do(call{Method: "POST", Path: "/api/customers/batch", Body: batch, Header: withKey("batch-1")}).want(t, http.StatusOK)
	if first.Header.Get("Idempotent-Replayed") != "" {
		t.Fatal("a first answer is marked replayed")
	}
	// Somebody changes a customer; the retry must not undo it or add again.
	noa := e.customers(e.camp.ID)["+972526234567"]
	e.patch(fmt.Sprintf("/api/customers/%d", noa.ID), map[string]any{"name": "Noa changed"}).want(t, http.StatusOK)
	again := e.do(call{Method: "POST", Path: "/api/customers/batch", Body: batch, Header: withKey("batch-1")}).want(t, http.StatusOK)
	if again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(first.Body) {
		t.Fatalf("retry: %v %s, first %s", again.Header, again.Body, first.Body)
	}
	if n := len(e.customers(e.camp.ID)); n != 2 || jobs() != 1 || e.customers(e.camp.ID)["+972526234567"].Name != "Noa changed" {
		t.Fatalf("the retry changed the store: %d customers, %d jobs", n, jobs())
	}
	// The same key for another request is refused.
	other := map[string]any{"campaign_id": e.camp.ID, "customers": []any{map[string]any{"name": "Rina", "phone": "054-765-4321"}}}
	e.do(call{Method: "POST", Path: "/api/customers/batch", Body: other, Header: withKey("batch-1")}).wantError(t, http.StatusUnprocessableEntity, "invalid")
	e.do(call{Method: "POST", Path: "/api/customers", Body: map[string]any{"campaign_id": e.camp.ID, "customer": map[string]any{"phone": "054-765-4321"}},
		Header: withKey("batch-1")}).wantError(t, http.StatusUnprocessableEntity, "invalid")
	// Keys are per token: another token's key of the same name is its own.
	tok2 := e.newToken(e.f, "second")
	r := e.do(call{Method: "POST", Path: "/api/customers/batch", Body: other, Header: map[string]string{"Idempotency-Key": "batch-1", "Authorization": "Bearer " + tok2}}).want(t, http.StatusOK)
	if r.Header.Get("Idempotent-Replayed") != "" || len(e.customers(e.camp.ID)) != 3 {
		t.Fatalf("another token's key: %v", r.Header)
	}

	// Errors are answers too: a retry of an invalid request gets the same.
	bad := map[string]any{"campaign_id": e.camp.ID, "customer": map[string]any{"name": "Bad", "phone": "052-123-4567"}}
	r1 := e.do(call{Method: "POST", Path: "/api/customers", Body: bad, Header: withKey("bad-1")})
	r1.wantError(t, http.StatusUnprocessableEntity, "invalid")
	r2 := e.do(call{Method: "POST", Path: "/api/customers", Body: bad, Header: withKey("bad-1")})
	r2.wantError(t, http.StatusUnprocessableEntity, "invalid")
	if r2.Header.Get("Idempotent-Replayed") != "true" || string(r1.Body) != string(r2.Body) {
		t.Fatal("an invalid request's retry was not replayed")
	}
	one := map[string]any{"campaign_id": e.camp.ID, "customer": map[string]any{"name": "Tal", "phone": "053-222-3333"}}
	e.do(call{Method: "POST", Path: "/api/customers", Body: one, Header: withKey("one-1")}).want(t, http.StatusCreated)
	r = e.do(call{Method: "POST", Path: "/api/customers", Body: one, Header: withKey("one-1")}).want(t, http.StatusCreated)
	if r.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatal("single add not replayed")
	}

	// Bad keys.
	for _, k := range []string{"has space", strings.Repeat("k", 256), "ключ"} {
		e.do(call{Method: "POST", Path: "/api/customers", Body: one, Header: withKey(k)}).wantError(t, http.StatusBadRequest, "bad_request")
	}

	// A retry while the first request still runs is told to wait. The
	// first is held running by claiming its key as the server would.
	body, _ := json.Marshal(one)
	sum := sha256.Sum256(append([]byte("POST /api/customers?\n"), body...))
	toks, _ := sqldb.NewAPITokenService(e.db).FindAPITokens(e.f.AdminCtx)
	var first1 *callsheet.APIToken
	for _, tk := range toks {
		if tk.Name == "integration" {
			first1 = tk
		}
	}
	tokCtx := callsheet.NewContextWithActor(context.Background(), &callsheet.Actor{AccountID: e.f.Account.ID, TokenID: first1.ID, Role: callsheet.RoleAdmin})
	if got, err := sqldb.NewIdempotencyService(e.db).BeginRequest(tokCtx, "slow-1", hex.EncodeToString(sum[:])); err != nil || got != nil {
		t.Fatalf("claim: %v %v", got, err)
	}
	e.do(call{Method: "POST", Path: "/api/customers", Body: body, Header: withKey("slow-1")}).wantError(t, http.StatusConflict, "conflict")

	// A file upload is told apart by its content, not its bytes: every
	// try has a new multipart boundary.
	fields := map[string]string{"campaign_id": fmt.Sprint(e.camp.ID), "mapping": `{"name":"Name","phone":"Phone"}`}
	u1, ct1 := upload(t, "leads.csv", "Name,Phone\nRina,054-765-4321\n", fields)
	u2, ct2 := upload(t, "leads.csv", "Name,Phone\nRina,054-765-4321\n", fields)
	if ct1 == ct2 {
		t.Fatal("the uploads share a boundary")
	}
	var j1, j2 map[string]any
	f1 := e.do(call{Method: "POST", Path: "/api/imports", Body: u1, ContentType: ct1, Header: withKey("file-1")}).want(t, http.StatusAccepted)
	f1.decode(t, &j1)
	f2 := e.do(call{Method: "POST", Path: "/api/imports", Body: u2, ContentType: ct2, Header: withKey("file-1")}).want(t, http.StatusAccepted)
	f2.decode(t, &j2)
	if j1["id"] != j2["id"] || f2.Header.Get("Location") != f1.Header.Get("Location") || f2.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("the retried upload: %v %v, %v", j1["id"], j2["id"], f2.Header)
	}
	u3, ct3 := upload(t, "leads.csv", "Name,Phone\nRina,054-765-4322\n", fields)
	e.do(call{Method: "POST", Path: "/api/imports", Body: u3, ContentType: ct3, Header: withKey("file-1")}).wantError(t, http.StatusUnprocessableEntity, "invalid")
	e.do(call{Method: "POST", Path: fmt.Sprintf("/api/imports/%d/cancel", id(j1["id"])), Header: withKey("cancel-1")}).want(t, http.StatusOK)
	r = e.do(call{Method: "POST", Path: fmt.Sprintf("/api/imports/%d/cancel", id(j1["id"])), Header: withKey("cancel-1")}).want(t, http.StatusOK)
	if r.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatal("cancel not replayed")
	}

	// The compatible endpoints take keys too.
	form := url.Values{"token": {e.token}, "campaign": {fmt.Sprint(e.camp.ID)}, "name": {"Dana"}, "number": {"053-333-4444"}}
	s1 := postForm(t, e.ts.URL, "/api/simple/customers", form, withKey("form-1"))
	s2 := postForm(t, e.ts.URL, "/api/simple/customers", form, withKey("form-1"))
	if s1.Status != http.StatusOK || s2.Status != http.StatusOK || string(s2.Body) != "Customer has been added successfully" || s2.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("simple retry: %d %s / %d %s", s1.Status, s1.Body, s2.Status, s2.Body)
	}
	v1 := map[string]any{"token": e.token, "campaign": e.camp.ID, "customers": []any{map[string]any{"name": "Gil", "number": "053-444-5555"}}}
	e.do(call{Method: "POST", Path: "/api/v1/customers", Body: v1, Header: withKey("v1-1")}).want(t, http.StatusOK)
	r = e.do(call{Method: "POST", Path: "/api/v1/customers", Body: v1, Header: withKey("v1-1")}).want(t, http.StatusOK)
	if r.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatal("v1 retry not replayed")
	}
}
