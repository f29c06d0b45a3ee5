package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/internal/app"
	"github.com/callsheet/callsheet/sqldb"
	"github.com/callsheet/callsheet/sqldb/storetest"
	"github.com/callsheet/callsheet/web"
)

// apiEnv is a server on a fresh database with an account, a campaign and
// an API token of the account, ready to call the API.
type apiEnv struct {
	t     *testing.T
	db    *sqldb.DB
	srv   *web.Server
	svc   web.Services
	ts    *httptest.Server
	f     *storetest.Fixture
	camp  *callsheet.Campaign
	token string
}

// newAPIEnvOn starts the server on the database; tests run it on each
// engine with storetest.Each. With workers, the import engine runs queued
// file imports in the background, as the serve command does.
func newAPIEnvOn(t *testing.T, db *sqldb.DB, workers bool) *apiEnv {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := app.Services(db, logger)
	srv := web.NewServer(svc, logger)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	if workers {
		imp := app.Importer(svc)
		imp.Poll = 50 * time.Millisecond
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		imp.Start(ctx)
	}
	e := &apiEnv{t: t, db: db, srv: srv, svc: svc, ts: ts, f: storetest.NewFixture(t, db, "acme")}
	e.camp = e.f.Campaign(t, "Leads")
	e.token = e.newToken(e.f, "integration")
	return e
}

// newToken creates an API token in the fixture's account.
func (e *apiEnv) newToken(f *storetest.Fixture, name string) string {
	e.t.Helper()
	secret, err := sqldb.NewAPITokenService(e.db).CreateAPIToken(f.AdminCtx, &callsheet.APIToken{Name: name})
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// apiResp is an answer of the API.
type apiResp struct {
	Status int
	Header http.Header
	Body   []byte
}

// decode decodes the JSON body into v, zeroing it first: fields the
// answer leaves out must not keep an earlier answer's values.
func (r apiResp) decode(t *testing.T, v any) {
	t.Helper()
	reflect.ValueOf(v).Elem().SetZero()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// apiErr is the error shape of the API.
type apiErr struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// wantError checks the status and the code of an error answer and
// returns it.
func (r apiResp) wantError(t *testing.T, status int, code string) apiErr {
	t.Helper()
	var e apiErr
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	r.decode(t, &e)
	if e.Error.Code != code || e.Error.Message == "" {
		t.Fatalf("error %+v, want code %s", e, code)
	}
	return e
}

// want checks the status of an answer.
func (r apiResp) want(t *testing.T, status int) apiResp {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	return r
}

// call is one request. Body is JSON-encoded unless it is a string or
// []byte; Header may clear Authorization by setting it to "".
type call struct {
	Method, Path string
	Body         any
	ContentType  string
	Header       map[string]string
	Client       *http.Client
}

// do sends a request with the environment's token and validates the
// answer against the OpenAPI document.
func (e *apiEnv) do(c call) apiResp {
	e.t.Helper()
	if c.Header == nil {
		c.Header = map[string]string{}
	}
	if _, ok := c.Header["Authorization"]; !ok {
		c.Header["Authorization"] = "Bearer " + e.token
	}
	return doAPI(e.t, e.ts.URL, c)
}

// get, post, patch and del are the common calls.
func (e *apiEnv) get(path string) apiResp { e.t.Helper(); return e.do(call{Method: "GET", Path: path}) }
func (e *apiEnv) post(path string, body any) apiResp {
	e.t.Helper()
	return e.do(call{Method: "POST", Path: path, Body: body})
}
func (e *apiEnv) patch(path string, body any) apiResp {
	e.t.Helper()
	return e.do(call{Method: "PATCH", Path: path, Body: body})
}
func (e *apiEnv) del(path string) apiResp {
	e.t.Helper()
	return e.do(call{Method: "DELETE", Path: path})
}

func doAPI(t *testing.T, base string, c call) apiResp {
	t.Helper()
	var body []byte
	switch b := c.Body.(type) {
	case nil:
	case string:
		body = []byte(b)
	case []byte:
		body = b
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
		if c.ContentType == "" {
			c.ContentType = "application/json"
		}
	}
	req, err := http.NewRequest(c.Method, base+c.Path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if c.ContentType != "" {
		req.Header.Set("Content-Type", c.ContentType)
	}
	for k, v := range c.Header {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	client := c.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := apiResp{Status: resp.StatusCode, Header: resp.Header, Body: rb}
	checkOpenAPI(t, req, body, out)
	return out
}

// The OpenAPI document, loaded once, and what the tests have seen of it.
var openAPI struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error

	mu   sync.Mutex
	seen map[string]bool // "METHOD /path status"
}

func loadOpenAPI(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	openAPI.once.Do(func() {
		loader := openapi3.NewLoader()
		openAPI.doc, openAPI.err = loader.LoadFromData(web.OpenAPIDocument())
		if openAPI.err != nil {
			return
		}
		if openAPI.err = openAPI.doc.Validate(context.Background()); openAPI.err != nil {
			return
		}
		openAPI.router, openAPI.err = legacy.NewRouter(openAPI.doc)
		openAPI.seen = map[string]bool{}
	})
	if openAPI.err != nil {
		t.Fatalf("OpenAPI document: %v", openAPI.err)
	}
	return openAPI.doc, openAPI.router
}

// checkOpenAPI validates an answer against the document, and a request
// that succeeded too. Every request of the tests goes through it, so the
// document cannot drift from what the server does.
func checkOpenAPI(t *testing.T, req *http.Request, body []byte, resp apiResp) {
	t.Helper()
	_, router := loadOpenAPI(t)
	route, params, err := router.FindRoute(req)
	if err != nil {
		// Only the catch-all may answer a path the document lacks.
		if resp.Status != http.StatusNotFound || !strings.Contains(string(resp.Body), "No such endpoint") {
			t.Errorf("%s %s (%d) is not in the OpenAPI document: %v", req.Method, req.URL.Path, resp.Status, err)
		}
		return
	}
	ctx := context.Background()
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if resp.Status < 300 {
		req.Body = io.NopCloser(bytes.NewReader(body))
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Errorf("%s %s: the request does not match the OpenAPI document: %v", req.Method, req.URL.Path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.Status, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(resp.Body)), Options: opts}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("%s %s: the %d answer does not match the OpenAPI document: %v\n%s", req.Method, req.URL.Path, resp.Status, err, resp.Body)
	}
	openAPI.mu.Lock()
	openAPI.seen[fmt.Sprintf("%s %s %d", route.Method, route.Path, resp.Status)] = true
	openAPI.mu.Unlock()
}

// checkCoverage fails unless every operation of the document answered
// with success at least once, and every error status of the API was seen.
func checkCoverage(t *testing.T) {
	t.Helper()
	doc, _ := loadOpenAPI(t)
	openAPI.mu.Lock()
	defer openAPI.mu.Unlock()
	statuses := map[int]bool{}
	var missing []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			ok := false
			for s := 200; s < 300; s++ {
				ok = ok || openAPI.seen[fmt.Sprintf("%s %s %d", method, path, s)]
			}
			if !ok {
				missing = append(missing, method+" "+path)
			}
		}
	}
	for k := range openAPI.seen {
		var method, path string
		var status int
		fmt.Sscanf(k, "%s %s %d", &method, &path, &status)
		statuses[status] = true
	}
	for _, s := range []int{400, 401, 403, 404, 409, 413, 422, 429} {
		if !statuses[s] {
			missing = append(missing, fmt.Sprintf("status %d", s))
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("not exercised by the tests: %s", strings.Join(missing, ", "))
	}
}

// upload builds a multipart body of a customer file and form fields.
func upload(t *testing.T, name, content string, fields map[string]string) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		mw.WriteField(k, fields[k])
	}
	if name != "" {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(fw, content)
	}
	mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

// form posts a web form as a browser does.
func postForm(t *testing.T, base, path string, form url.Values, header map[string]string) apiResp {
	t.Helper()
	return doAPI(t, base, call{Method: "POST", Path: path, Body: form.Encode(), ContentType: "application/x-www-form-urlencoded", Header: header})
}

// customers returns the customers of a campaign, by phone.
func (e *apiEnv) customers(campaignID int64) map[string]*callsheet.Customer {
	e.t.Helper()
	list, _, err := sqldb.NewCustomerService(e.db).FindCustomers(e.f.AdminCtx, callsheet.CustomerFilter{CampaignID: &campaignID})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]*callsheet.Customer{}
	for _, c := range list {
		out[c.Phone] = c
	}
	return out
}

// waitImport polls an import until it has finished.
func (e *apiEnv) waitImport(id int64) map[string]any {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var job map[string]any
		e.get(fmt.Sprintf("/api/imports/%d", id)).want(e.t, http.StatusOK).decode(e.t, &job)
		switch job["state"] {
		case "done", "failed", "cancelled", "undone":
			return job
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("import %d did not finish: %v", id, job)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func id(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}
