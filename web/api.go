package web

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callsheet/callsheet"
)

// apiError is the one shape of API errors.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func writeAPIError(w http.ResponseWriter, err error) {
	writeJSON(w, statusOf(err), apiError{Error: apiErrorBody{
		Code: callsheet.ErrorCode(err), Message: callsheet.ErrorMessage(err), Fields: callsheet.ErrorFields(err),
	}})
}

// APILimits are the limits of the JSON API. A zero field keeps its default.
type APILimits struct {
	// RequestsPerMinute is how many requests one token, or one user's
	// browser, may make in a minute. Default 600.
	RequestsPerMinute int
	// MaxBody is the largest JSON or form body, in bytes. Default 16 MiB.
	MaxBody int64
	// MaxUpload is the largest customer file upload, in bytes.
	// Default 256 MiB.
	MaxUpload int64
	// MaxBatch is the most customers one batch may add. Default 10,000,
	// which is also the most the import engine takes in one call.
	MaxBatch int
}

// DefaultAPILimits are the limits a server starts with.
var DefaultAPILimits = APILimits{RequestsPerMinute: 600, MaxBody: 16 << 20, MaxUpload: 256 << 20, MaxBatch: 10000}

// Paging of lists: limit defaults to 50 and may be at most 1000.
const (
	defaultPageLimit = 50
	maxPageLimit     = 1000
)

// apiState is what the JSON API keeps between requests.
type apiState struct {
	limits APILimits
	rate   callsheet.RateLimit // of each token's (or user's) requests
	idem   callsheet.IdempotencyService
}

func newAPIState() *apiState {
	return &apiState{limits: DefaultAPILimits, rate: perMinute(DefaultAPILimits.RequestsPerMinute)}
}

func perMinute(n int) callsheet.RateLimit { return callsheet.RateLimit{Events: n, Window: time.Minute} }

// SetAPILimits changes the limits of the JSON API; call it before serving.
func (s *Server) SetAPILimits(l APILimits) {
	d := DefaultAPILimits
	if l.RequestsPerMinute <= 0 {
		l.RequestsPerMinute = d.RequestsPerMinute
	}
	if l.MaxBody <= 0 {
		l.MaxBody = d.MaxBody
	}
	if l.MaxUpload <= 0 {
		l.MaxUpload = d.MaxUpload
	}
	if l.MaxBatch <= 0 {
		l.MaxBatch = d.MaxBatch
	}
	s.api.limits = l
	s.api.rate = perMinute(l.RequestsPerMinute)
}

// apiRoutes registers the JSON API under /api/.
func (s *Server) apiRoutes() {
	s.api.idem = s.Idempotency
	m := s.mux
	m.HandleFunc("GET /api/openapi.json", s.handleOpenAPI)

	m.HandleFunc("GET /api/campaigns", s.apiAuth(s.handleAPICampaigns))
	m.HandleFunc("GET /api/campaigns/{id}", s.apiAuth(s.handleAPICampaign))
	m.HandleFunc("GET /api/statuses", s.apiAuth(s.handleAPIStatuses))
	m.HandleFunc("GET /api/statuses/{id}", s.apiAuth(s.handleAPIStatus))
	m.HandleFunc("GET /api/users", s.apiAuth(s.handleAPIUsers))
	m.HandleFunc("GET /api/users/{id}", s.apiAuth(s.handleAPIUser))
	m.HandleFunc("GET /api/custom-fields", s.apiAuth(s.handleAPICustomFields))
	m.HandleFunc("GET /api/custom-fields/{id}", s.apiAuth(s.handleAPICustomField))

	m.HandleFunc("GET /api/customers", s.apiAuth(s.handleAPICustomers))
	m.HandleFunc("POST /api/customers", s.apiAuth(s.idempotent(s.bodyFingerprint, s.handleAPIAddCustomer)))
	m.HandleFunc("POST /api/customers/batch", s.apiAuth(s.idempotent(s.bodyFingerprint, s.handleAPIAddBatch)))
	m.HandleFunc("GET /api/customers/{id}", s.apiAuth(s.handleAPICustomer))
	m.HandleFunc("PATCH /api/customers/{id}", s.apiAuth(s.handleAPIUpdateCustomer))
	m.HandleFunc("DELETE /api/customers/{id}", s.apiAuth(s.handleAPIDeleteCustomer))
	m.HandleFunc("POST /api/customers/{id}/allow-contact", s.apiAuth(s.idempotent(s.bodyFingerprint, s.handleAPIAllowContact)))

	m.HandleFunc("GET /api/do-not-call", s.apiAuth(s.handleAPIDoNotCalls))
	m.HandleFunc("POST /api/do-not-call", s.apiAuth(s.idempotent(s.bodyFingerprint, s.handleAPIAddDoNotCall)))
	m.HandleFunc("POST /api/do-not-call/remove", s.apiAuth(s.idempotent(s.bodyFingerprint, s.handleAPIRemoveDoNotCall)))

	m.HandleFunc("GET /api/imports", s.apiAuth(s.handleAPIImports))
	m.HandleFunc("POST /api/imports", s.apiAuth(s.idempotent(s.uploadFingerprint, s.handleAPICreateImport)))
	m.HandleFunc("GET /api/imports/{id}", s.apiAuth(s.handleAPIImport))
	m.HandleFunc("GET /api/imports/{id}/problems", s.apiAuth(s.importRowList(callsheet.ImportService.FindImportProblems)))
	m.HandleFunc("GET /api/imports/{id}/problems.csv", s.apiAuth(s.handleAPIImportProblemsCSV))
	m.HandleFunc("GET /api/imports/{id}/rows", s.apiAuth(s.importRowList(callsheet.ImportService.FindImportRows)))
	m.HandleFunc("POST /api/imports/{id}/cancel", s.apiAuth(s.idempotent(s.bodyFingerprint, s.handleAPICancelImport)))
	m.HandleFunc("POST /api/imports/{id}/undo", s.apiAuth(s.idempotent(s.bodyFingerprint, s.handleAPIUndoImport)))

	m.HandleFunc("POST /api/simple/customers", s.handleCompatSimple)
	m.HandleFunc("POST /api/v1/customers", s.handleCompatV1)
}

// apiHandler is an API handler. An error it returns is written in the
// API's error shape; it must not have written anything before.
type apiHandler func(w http.ResponseWriter, r *http.Request) error

// apiFail writes err in the API's error shape, logging internal errors.
func (s *Server) apiFail(w http.ResponseWriter, r *http.Request, err error) {
	err = requestError(err)
	s.logIfInternal(r, err)
	if callsheet.ErrorCode(err) == callsheet.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="callsheet"`)
	}
	writeAPIError(w, err)
}

// requestError turns the errors of reading a request into the domain's:
// a body over its limit is too large, and a client that went away is not
// the server's fault.
func requestError(err error) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return callsheet.Errorf(callsheet.ETOOLARGE, "The request is larger than the limit of %s.", formatBytes(mb.Limit))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.Canceled) {
		return callsheet.Errorf(callsheet.EBADREQUEST, "The request ended early.")
	}
	return err
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// apiAuth wraps an API handler: it finds who is calling, holds them to
// the rate limit, and runs the handler acting for them.
func (s *Server) apiAuth(h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, who, err := s.apiActor(r)
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		if err := s.apiRateLimit(r.Context(), w, who); err != nil {
			s.apiFail(w, r, err)
			return
		}
		r = r.WithContext(ctx)
		// The server removes the files of the request it made, not of
		// this copy, which is the one an upload is parsed into.
		defer removeUpload(r)
		if err := h(w, r); err != nil {
			s.apiFail(w, r, err)
		}
	}
}

// apiActor authenticates an API request. An API token in the
// Authorization header acts as an admin of the token's account. A browser
// session acts as its user, but only with the session's CSRF token in the
// X-CSRF-Token header: that is how Callsheet's own pages call the API,
// and what keeps other sites from calling it with a visitor's cookie.
// It returns the context to act in and the key of the rate limit.
func (s *Server) apiActor(r *http.Request) (context.Context, string, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, secret, ok := strings.Cut(strings.TrimSpace(h), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return nil, "", callsheet.Errorf(callsheet.EUNAUTHORIZED, "Send the API token as Authorization: Bearer <token>.")
		}
		return s.tokenActor(r.Context(), strings.TrimSpace(secret))
	}
	if _, err := r.Cookie(sessionCookie); err == nil {
		sess, err := s.loadSession(r)
		if err != nil {
			return nil, "", err
		}
		got := r.Header.Get("X-CSRF-Token")
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRF)) != 1 {
			return nil, "", callsheet.Errorf(callsheet.EUNAUTHORIZED, "The API needs an API token (Authorization: Bearer <token>). A browser session is accepted only from Callsheet's own pages.")
		}
		return actorContext(r.Context(), sess.User), "user:" + strconv.FormatInt(sess.User.ID, 10), nil
	}
	return nil, "", callsheet.Errorf(callsheet.EUNAUTHORIZED, "Send an API token as Authorization: Bearer <token>. Admins create tokens under API tokens.")
}

// tokenActor acts for the account of an API token.
func (s *Server) tokenActor(ctx context.Context, secret string) (context.Context, string, error) {
	tok, err := s.Tokens.AuthenticateAPIToken(ctx, secret)
	if err != nil {
		return nil, "", err
	}
	ctx = callsheet.NewContextWithActor(ctx, &callsheet.Actor{AccountID: tok.AccountID, TokenID: tok.ID, Role: callsheet.RoleAdmin, Name: "API token " + tok.Name})
	return ctx, "token:" + strconv.FormatInt(tok.ID, 10), nil
}

// apiRateLimit counts a request against its caller's limit; who names
// the token or user. A count that cannot be taken fails the request: the
// count lives in the database the request needs anyway, and letting
// requests through uncounted would lift the limit just when that database
// is struggling.
func (s *Server) apiRateLimit(ctx context.Context, w http.ResponseWriter, who string) error {
	res, err := s.RateLimits.ReserveEvent(ctx, "api:"+who, s.api.rate)
	if err != nil {
		return err
	}
	if res.OK {
		return nil
	}
	s.refused(RateLimitAPI)
	w.Header().Set("Retry-After", retryAfter(res.RetryAfter))
	return callsheet.Errorf(callsheet.ERATELIMIT, "Too many requests: at most %d a minute. Retry after %s seconds.", s.api.rate.Events, retryAfter(res.RetryAfter))
}

// decodeJSON reads a JSON body into v, within the body limit. Fields the
// API does not know are refused, so that a misspelt option is not
// silently ignored.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.api.limits.MaxBody))
	if err != nil {
		return jsonError(err)
	}
	if err := checkUTF8(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return callsheet.Errorf(callsheet.EBADREQUEST, "The body must hold one JSON value and nothing after it.")
	}
	return nil
}

// checkUTF8 refuses a body that is not UTF-8. The JSON decoder would
// otherwise replace each stray byte with U+FFFD and store text the client
// never sent.
func checkUTF8(body []byte) error {
	if utf8.Valid(body) {
		return nil
	}
	at := 0
	for at < len(body) {
		r, n := utf8.DecodeRune(body[at:])
		if r == utf8.RuneError && n == 1 {
			break
		}
		at += n
	}
	return callsheet.Errorf(callsheet.EBADREQUEST, "The body is not valid UTF-8 text: a stray byte 0x%02X at byte %d.", body[at], at)
}

// jsonError explains why a body could not be decoded: unreadable JSON is a
// bad request, a value of the wrong type or an unknown field is invalid.
func jsonError(err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		mb  *http.MaxBytesError
	)
	switch {
	case errors.As(err, &mb):
		return requestError(err)
	case errors.Is(err, io.EOF):
		return callsheet.Errorf(callsheet.EBADREQUEST, "The request has no JSON body.")
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return callsheet.Errorf(callsheet.EBADREQUEST, "The body is not valid JSON: %s.", strings.TrimPrefix(err.Error(), "json: "))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return callsheet.Errorf(callsheet.EBADREQUEST, "The body must be a JSON object.")
		}
		msg := "Must be " + jsonKind(typ.Type.Kind().String()) + ", not " + typ.Value + "."
		return &callsheet.Error{Code: callsheet.EINVALID, Message: field + ": " + msg, Fields: map[string]string{field: msg}}
	}
	// encoding/json has no type for an unknown field; its message is the
	// only place the field's name is.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return &callsheet.Error{Code: callsheet.EINVALID, Message: "Unknown field " + strconv.Quote(name) + ".", Fields: map[string]string{name: "Unknown field."}}
	}
	return callsheet.Errorf(callsheet.EBADREQUEST, "The body could not be read: %s.", strings.TrimPrefix(err.Error(), "json: "))
}

func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"), strings.HasPrefix(goKind, "float"):
		return "a number"
	case goKind == "string":
		return "a string"
	case goKind == "bool":
		return "true or false"
	case goKind == "slice", goKind == "array":
		return "an array"
	case goKind == "map", goKind == "struct":
		return "an object"
	}
	return "another type"
}

// listPage is one page of a list, with the total of all matches.
type listPage[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

// paging reads limit and offset from the query.
func paging(r *http.Request) (limit, offset int, err error) {
	q := r.URL.Query()
	limit, offset = defaultPageLimit, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageLimit {
			return 0, 0, badParam("limit", fmt.Sprintf("Limit must be a number from 1 to %d.", maxPageLimit))
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, 0, badParam("offset", "Offset must be a number from 0.")
		}
		offset = n
	}
	return limit, offset, nil
}

// pageOfSlice pages a list the store returns whole.
func pageOfSlice[T any](items []T, limit, offset int) listPage[T] {
	p := listPage[T]{Items: []T{}, Total: len(items), Limit: limit, Offset: offset}
	if offset < len(items) {
		p.Items = items[offset:min(len(items), offset+limit)]
	}
	return p
}

// badParam is a query parameter that could not be read.
func badParam(name, msg string) error {
	return &callsheet.Error{Code: callsheet.EBADREQUEST, Message: msg, Fields: map[string]string{name: msg}}
}

// queryID reads an optional id from the query; zero is allowed when
// allowZero (an agent filter of 0 finds unassigned customers).
func queryID(r *http.Request, name string, allowZero bool) (*int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || (n == 0 && !allowZero) {
		return nil, badParam(name, "The "+name+" parameter must be an id.")
	}
	return &n, nil
}

// queryBool reads an optional true or false from the query.
func queryBool(r *http.Request, name string) (*bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, badParam(name, "The "+name+" parameter must be true or false.")
	}
	return &b, nil
}

// apiPathID reads the id of the path.
func apiPathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, callsheet.Errorf(callsheet.ENOTFOUND, "Not found: %s is not an id.", r.PathValue("id"))
	}
	return id, nil
}
