package web

import (
	"fmt"
	"net/http"
	"sort"

	"github.com/callsheet/callsheet"
)

// Adding customers through the API: one or a batch, with the options of a
// file upload, through the import engine like every other way in.

// addRequest is the body of POST /api/customers.
type addRequest struct {
	CampaignID int64                   `json:"campaign_id"`
	Options    callsheet.ImportOptions `json:"options"`
	Customer   map[string]any          `json:"customer"`
}

// batchRequest is the body of POST /api/customers/batch.
type batchRequest struct {
	CampaignID int64                   `json:"campaign_id"`
	Options    callsheet.ImportOptions `json:"options"`
	Customers  []map[string]any        `json:"customers"`
}

// apiRowResult is what happened to one customer of a request.
type apiRowResult struct {
	Index       int               `json:"index"`
	Outcome     callsheet.Outcome `json:"outcome"`
	CustomerID  int64             `json:"customer_id,omitempty"`
	Blocked     bool              `json:"blocked"`
	DuplicateOf *int              `json:"duplicate_of,omitempty"` // the index of the first customer with the phone
	Message     string            `json:"message,omitempty"`
	Errors      map[string]string `json:"errors,omitempty"` // field to message, for an invalid customer
	// RemovedElsewhere lists the customers of other campaigns deleted
	// because of this one (unique move).
	RemovedElsewhere []callsheet.RemovedCopy `json:"removed_elsewhere,omitempty"`
}

// addResponse answers POST /api/customers. AgentsOutside holds the
// customer's agent if they do not work the campaign; AgentsGranted holds
// them if the add gave them the campaign.
type addResponse struct {
	JobID         int64                   `json:"job_id"`
	Applied       bool                    `json:"applied"`
	AgentsOutside []callsheet.ImportAgent `json:"agents_outside"`
	AgentsGranted []callsheet.ImportAgent `json:"agents_granted"`
	apiRowResult
}

// batchResponse answers POST /api/customers/batch. Refused, the agents
// and RemovedFrom are as on an import.
type batchResponse struct {
	JobID         int64                     `json:"job_id"`
	Applied       bool                      `json:"applied"`
	DryRun        bool                      `json:"dry_run"`
	Refused       string                    `json:"refused,omitempty"`
	Counts        callsheet.ImportCounts    `json:"counts"`
	AgentsOutside []callsheet.ImportAgent   `json:"agents_outside"`
	AgentsGranted []callsheet.ImportAgent   `json:"agents_granted"`
	RemovedFrom   []callsheet.CampaignCount `json:"removed_from"`
	Results       []apiRowResult            `json:"results"`
}

// apiSource is the import source of customers added through the API.
const apiSource = "api"

func (s *Server) handleAPIAddCustomer(w http.ResponseWriter, r *http.Request) error {
	var req addRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := checkAddRequest(req.CampaignID, &req.Options); err != nil {
		return err
	}
	if req.Customer == nil {
		return callsheet.FieldErrors(map[string]string{"customer": "Give the customer as an object of fields."})
	}
	items, err := customerInputs([]map[string]any{req.Customer}, func(int) string { return "customer" })
	if err != nil {
		return err
	}
	job, res, err := s.Imports.AddCustomers(r.Context(), req.CampaignID, req.Options, items, apiSource)
	if err != nil {
		return err
	}
	if len(res.Rows) != 1 {
		return fmt.Errorf("add customer: %d results for one customer", len(res.Rows))
	}
	row := rowResult(res.Rows[0], nil)
	if row.Outcome == callsheet.OutcomeInvalid {
		return &callsheet.Error{Code: callsheet.EINVALID, Message: row.Message, Fields: row.Errors}
	}
	if !res.Applied && !req.Options.DryRun && len(res.AgentsOutside) > 0 {
		// Refused, under agents refuse: the customer's agent is at fault.
		return &callsheet.Error{Code: callsheet.EINVALID, Message: res.Refused, Fields: map[string]string{callsheet.FieldAgent: res.Refused}}
	}
	status := http.StatusOK
	if res.Applied && (row.Outcome == callsheet.OutcomeAdded || row.Outcome == callsheet.OutcomeMoved) {
		status = http.StatusCreated
	}
	writeJSON(w, status, addResponse{JobID: job.ID, Applied: res.Applied, AgentsOutside: nonNil(res.AgentsOutside),
		AgentsGranted: nonNil(res.AgentsGranted), apiRowResult: row})
	return nil
}

// nonNil answers an empty list as [], not null.
func nonNil[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

func (s *Server) handleAPIAddBatch(w http.ResponseWriter, r *http.Request) error {
	var req batchRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := checkAddRequest(req.CampaignID, &req.Options); err != nil {
		return err
	}
	if len(req.Customers) == 0 {
		return callsheet.FieldErrors(map[string]string{"customers": "Give at least one customer."})
	}
	if max := s.api.limits.MaxBatch; len(req.Customers) > max {
		return callsheet.Errorf(callsheet.ETOOLARGE, "At most %d customers per batch; got %d. Send them in several batches.", max, len(req.Customers))
	}
	items, err := customerInputs(req.Customers, func(i int) string { return fmt.Sprintf("customers[%d]", i) })
	if err != nil {
		return err
	}
	job, res, err := s.Imports.AddCustomers(r.Context(), req.CampaignID, req.Options, items, apiSource)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, batchResponse{JobID: job.ID, Applied: res.Applied, DryRun: req.Options.DryRun, Refused: res.Refused, Counts: res.Counts,
		AgentsOutside: nonNil(res.AgentsOutside), AgentsGranted: nonNil(res.AgentsGranted), RemovedFrom: nonNil(res.RemovedFrom), Results: rowResults(res.Rows, nil)})
	return nil
}

// checkAddRequest checks what every add needs before the engine runs.
func checkAddRequest(campaignID int64, opts *callsheet.ImportOptions) error {
	if campaignID <= 0 {
		return callsheet.FieldErrors(map[string]string{"campaign_id": "Campaign is required."})
	}
	return opts.Validate()
}

// customerInputs turns the customers of a request into the engine's
// input. Values are strings or numbers; null leaves a field out. path
// names customer i in error messages.
func customerInputs(list []map[string]any, path func(i int) string) ([]callsheet.CustomerInput, error) {
	items := make([]callsheet.CustomerInput, len(list))
	fields := map[string]string{}
	for i, m := range list {
		if m == nil {
			fields[path(i)] = "Must be an object of fields."
			continue
		}
		in := make(callsheet.CustomerInput, len(m))
		for k, v := range m {
			text, ok := scalarText(v)
			if !ok {
				fields[path(i)+"."+k] = "Must be a string or a number."
				continue
			}
			if v != nil {
				in[k] = text
			}
		}
		items[i] = in
		if len(fields) >= 20 {
			break
		}
	}
	return items, callsheet.FieldErrors(fields)
}

// rowResults turns the engine's results into the API's. rename, when
// set, gives the request's names of the engine's fields.
func rowResults(rows []callsheet.RowResult, rename map[string]string) []apiRowResult {
	out := make([]apiRowResult, len(rows))
	for i, rr := range rows {
		out[i] = rowResult(rr, rename)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out
}

func rowResult(rr callsheet.RowResult, rename map[string]string) apiRowResult {
	res := apiRowResult{Index: rr.Line, Outcome: rr.Outcome, CustomerID: rr.CustomerID, Blocked: rr.Blocked, Message: rr.Message,
		RemovedElsewhere: rr.RemovedElsewhere}
	switch rr.Outcome {
	case callsheet.OutcomeInvalid:
		errs := rr.Errors
		if len(errs) == 0 {
			errs = map[string]string{rr.Field: rr.Message}
		}
		res.Errors = map[string]string{}
		for field, msg := range errs {
			if field == "" {
				field = "customer"
			}
			if n, ok := rename[field]; ok {
				field = n
			}
			res.Errors[field] = msg
		}
	case callsheet.OutcomeDuplicate:
		first := rr.DuplicateOf
		res.DuplicateOf = &first
	}
	return res
}
