package web

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/callsheet/callsheet"
)

// The endpoints of the product Callsheet replaces, so that the web forms
// and scripts that post leads to it work unchanged when pointed here.
// They authenticate by a token in the body, ignore fields they do not
// know (forms carry buttons and hidden fields of their own), and go
// through the same import engine and options as the rest of the API.

// compatSuccess is the answer integrations look for.
const compatSuccess = "Customer has been added successfully"

// compatFields maps the old field names to Callsheet's.
var compatFields = map[string]string{
	"name": callsheet.FieldName, "last_name": callsheet.FieldLastName, "number": callsheet.FieldPhone,
	"email": callsheet.FieldEmail, "source": callsheet.FieldSource, "note": callsheet.FieldNote,
	"crm_id": callsheet.FieldExternalID,
}

// compatNames maps Callsheet's field names back to the old ones, for
// error messages.
var compatNames = map[string]string{callsheet.FieldPhone: "number", callsheet.FieldExternalID: "crm_id"}

// compatInput turns one customer given by the old field names into the
// engine's input. Empty values are left out, as a form's empty inputs.
func compatInput(get func(string) (string, bool), keys []string) callsheet.CustomerInput {
	in := callsheet.CustomerInput{}
	for _, k := range keys {
		field, ok := compatFields[k]
		if !ok && strings.HasPrefix(k, "custom_field_") {
			field, ok = k, true
		}
		if !ok {
			continue
		}
		if v, ok := get(k); ok && strings.TrimSpace(v) != "" {
			in[field] = v
		}
	}
	return in
}

// compatOutcome says in words what happened to a customer, and with what
// status the simple endpoint answers.
func compatOutcome(rr callsheet.RowResult) (int, string) {
	switch rr.Outcome {
	case callsheet.OutcomeAdded, callsheet.OutcomeMoved:
		return http.StatusOK, compatSuccess
	case callsheet.OutcomeReset:
		return http.StatusOK, "Customer already exists in this campaign and has been reset"
	case callsheet.OutcomeUpdated:
		return http.StatusOK, "Customer already exists in this campaign and has been updated"
	case callsheet.OutcomeSkippedExisting:
		return http.StatusConflict, "Customer already exists in this campaign"
	case callsheet.OutcomeSkippedOtherCampaign:
		return http.StatusConflict, "Customer already exists in another campaign"
	case callsheet.OutcomeDuplicate:
		return http.StatusConflict, "Customer appears twice in the request"
	}
	msg := rr.Message
	if f := compatName(rr.Field); f != "" {
		msg = f + ": " + msg
	}
	return http.StatusUnprocessableEntity, msg
}

func compatName(field string) string {
	if n, ok := compatNames[field]; ok {
		return n
	}
	return field
}

// compatOptions reads the options the old endpoints take.
func compatOptions(get func(string) string) callsheet.ImportOptions {
	flag := func(k string) bool {
		b, _ := formBool(get(k))
		return b
	}
	return callsheet.ImportOptions{Reset: flag("reset"), International: flag("international"), Override: flag("override")}
}

// readCompatBody reads the body within the limit and leaves it readable.
func (s *Server) readCompatBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.api.limits.MaxBody))
	if err != nil {
		return nil, requestError(err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// compatCall authenticates a request by the token it carries, holds it to
// the token's rate limit, and runs h, under the request's Idempotency-Key
// if it has one.
func (s *Server) compatCall(w http.ResponseWriter, r *http.Request, token string, body []byte, h apiHandler) error {
	ctx, who, err := s.tokenActor(r.Context(), strings.TrimSpace(token))
	if err != nil {
		return err
	}
	if err := s.apiRateLimit(r.Context(), w, who); err != nil {
		return err
	}
	r = r.WithContext(ctx)
	key := r.Header.Get(idempotencyHeader)
	if key == "" {
		return h(w, r)
	}
	if err := checkIdempotencyKey(key); err != nil {
		return err
	}
	if s.api.idem == nil {
		return callsheet.Errorf(callsheet.EBADREQUEST, "This server does not keep idempotency keys; send the request without %s.", idempotencyHeader)
	}
	sum := requestHash(r)
	sum.Write(body)
	return s.runIdempotent(w, r, key, hex.EncodeToString(sum.Sum(nil)), h)
}

// writeText answers in plain text, as the simple endpoint always does.
func writeText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	io.WriteString(w, msg)
}

// textError answers an error in plain text, naming its fields.
func (s *Server) textError(w http.ResponseWriter, r *http.Request, err error) {
	err = requestError(err)
	s.logIfInternal(r, err)
	msg := callsheet.ErrorMessage(err)
	if fields := callsheet.ErrorFields(err); len(fields) > 1 {
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = compatName(k) + ": " + fields[k]
		}
		msg = strings.Join(parts, " ")
	}
	writeText(w, statusOf(err), msg)
}

// handleCompatSimple adds one customer posted as a web form.
func (s *Server) handleCompatSimple(w http.ResponseWriter, r *http.Request) {
	// A page's script may post here too; with the token in the body and
	// no cookies, letting it read the answer gives nothing away.
	w.Header().Set("Access-Control-Allow-Origin", "*")
	body, err := s.readCompatBody(w, r)
	if err != nil {
		s.textError(w, r, err)
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
		err = r.ParseMultipartForm(uploadMemory)
		defer removeUpload(r)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		s.textError(w, r, callsheet.Errorf(callsheet.EBADREQUEST, "The form could not be read."))
		return
	}
	err = s.compatCall(w, r, r.FormValue("token"), body, func(w http.ResponseWriter, r *http.Request) error {
		s.compatSimpleAdd(w, r)
		return nil
	})
	if err != nil {
		s.textError(w, r, err)
	}
}

func (s *Server) compatSimpleAdd(w http.ResponseWriter, r *http.Request) {
	campaign, err := strconv.ParseInt(strings.TrimSpace(r.FormValue("campaign")), 10, 64)
	if err != nil || campaign <= 0 {
		writeText(w, http.StatusUnprocessableEntity, "campaign: give the id of the campaign")
		return
	}
	keys := make([]string, 0, len(r.Form))
	for k := range r.Form {
		keys = append(keys, k)
	}
	item := compatInput(func(k string) (string, bool) { v, ok := r.Form[k]; return strings.Join(v, ""), ok && len(v) > 0 }, keys)
	if item[callsheet.FieldPhone] == "" {
		writeText(w, http.StatusUnprocessableEntity, "number: the phone number is required")
		return
	}
	_, res, err := s.Imports.AddCustomers(r.Context(), campaign, compatOptions(r.FormValue), []callsheet.CustomerInput{item}, apiSource)
	if err != nil {
		s.textError(w, r, err)
		return
	}
	if len(res.Rows) != 1 {
		s.textError(w, r, callsheet.Errorf(callsheet.EINTERNAL, "No result for the customer."))
		return
	}
	status, msg := compatOutcome(res.Rows[0])
	writeText(w, status, msg)
}

// compatV1Request is the body of POST /api/v1/customers. Campaign and the
// options may come as numbers, strings or booleans, as scripts send them.
type compatV1Request struct {
	Token         string           `json:"token"`
	Campaign      any              `json:"campaign"`
	Customers     []map[string]any `json:"customers"`
	Override      any              `json:"override"`
	Reset         any              `json:"reset"`
	International any              `json:"international"`
}

// compatV1Response answers POST /api/v1/customers, a result per customer.
type compatV1Response struct {
	JobID   int64                  `json:"job_id"`
	Applied bool                   `json:"applied"`
	Counts  callsheet.ImportCounts `json:"counts"`
	Results []apiRowResult         `json:"results"`
}

// handleCompatV1 adds a batch of customers posted as JSON. Each customer
// stands alone: the valid ones are added even if others are invalid.
func (s *Server) handleCompatV1(w http.ResponseWriter, r *http.Request) {
	body, err := s.readCompatBody(w, r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if err := checkUTF8(body); err != nil {
		s.apiFail(w, r, err)
		return
	}
	var req compatV1Request
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		s.apiFail(w, r, jsonError(err))
		return
	}
	token := req.Token
	if token == "" {
		// Scripts written for Callsheet may send the token as the rest
		// of the API takes it.
		if scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
			token = secret
		}
	}
	err = s.compatCall(w, r, token, body, func(w http.ResponseWriter, r *http.Request) error {
		return s.compatV1Add(w, r, &req)
	})
	if err != nil {
		s.apiFail(w, r, err)
	}
}

func (s *Server) compatV1Add(w http.ResponseWriter, r *http.Request, req *compatV1Request) error {
	campaign, ok := jsonInt(req.Campaign)
	if !ok || campaign <= 0 {
		return callsheet.FieldErrors(map[string]string{"campaign": "Give the id of the campaign."})
	}
	if len(req.Customers) == 0 {
		return callsheet.FieldErrors(map[string]string{"customers": "Give at least one customer."})
	}
	if max := s.api.limits.MaxBatch; len(req.Customers) > max {
		return callsheet.Errorf(callsheet.ETOOLARGE, "At most %d customers per request; got %d.", max, len(req.Customers))
	}
	items := make([]callsheet.CustomerInput, len(req.Customers))
	fields := map[string]string{}
	for i, c := range req.Customers {
		keys := make([]string, 0, len(c))
		for k, v := range c {
			if _, ok := scalarText(v); !ok {
				fields["customers["+strconv.Itoa(i)+"]."+k] = "Must be a string or a number."
			}
			keys = append(keys, k)
		}
		items[i] = compatInput(func(k string) (string, bool) { v, _ := scalarText(c[k]); return v, c[k] != nil }, keys)
	}
	if err := callsheet.FieldErrors(fields); err != nil {
		return err
	}
	opts := compatOptions(func(k string) string {
		switch k {
		case "override":
			return jsonText(req.Override)
		case "reset":
			return jsonText(req.Reset)
		case "international":
			return jsonText(req.International)
		}
		return ""
	})
	opts.LoadValid = true
	job, res, err := s.Imports.AddCustomers(r.Context(), campaign, opts, items, apiSource)
	if err != nil {
		return err
	}
	results := make([]apiRowResult, len(res.Rows))
	for i, rr := range res.Rows {
		results[i] = rowResult(rr, compatNames)
		if rr.Outcome != callsheet.OutcomeInvalid {
			_, results[i].Message = compatOutcome(rr)
		}
	}
	writeJSON(w, http.StatusOK, compatV1Response{JobID: job.ID, Applied: res.Applied, Counts: res.Counts, Results: results})
	return nil
}

// jsonInt reads an id sent as a JSON number or a string of digits.
func jsonInt(v any) (int64, bool) {
	t, ok := scalarText(v)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
	return n, err == nil
}

// jsonText gives a JSON boolean, number or string as form text.
func jsonText(v any) string {
	if b, ok := v.(bool); ok {
		return strconv.FormatBool(b)
	}
	t, _ := scalarText(v)
	return t
}
