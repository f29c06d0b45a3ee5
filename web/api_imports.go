package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/callsheet/callsheet"
)

// File imports through the API: the same jobs as the campaign page's
// uploads, run in the background by the import engine.

// apiImport is an import job with its progress from 0 to 1.
type apiImport struct {
	*callsheet.ImportJob
	Progress float64 `json:"progress"`
}

func newAPIImport(job *callsheet.ImportJob) apiImport {
	p := 0.0
	switch {
	case job.State.Finished():
		p = 1
	case job.FileSize > 0:
		p = min(1, float64(job.BytesRead)/float64(job.FileSize))
	}
	return apiImport{ImportJob: job, Progress: p}
}

// uploadFields are the form fields of POST /api/imports besides the file.
var uploadFields = map[string]bool{"campaign_id": true, "options": true, "mapping": true, "encoding": true, "sheet": true,
	"status_id": true, "international": true, "override": true, "update_contact_allowed": true, "reset": true,
	"unique": true, "load_valid": true, "dry_run": true, "agents": true}

func (s *Server) handleAPICreateImport(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseUpload(w, r); err != nil {
		return err
	}
	form := r.MultipartForm
	fields := map[string]string{}
	for k := range form.Value {
		if !uploadFields[k] {
			fields[k] = "Unknown field."
		}
	}
	for k := range form.File {
		if k != "file" {
			fields[k] = "Unknown field; send the customer file as file."
		}
	}
	value := func(k string) string {
		if v := form.Value[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	job := &callsheet.ImportJob{Source: apiSource, Encoding: value("encoding"), Sheet: value("sheet")}
	if id, err := strconv.ParseInt(value("campaign_id"), 10, 64); err != nil || id <= 0 {
		fields["campaign_id"] = "Campaign is required."
	} else {
		job.CampaignID = id
	}
	if v := value("options"); v != "" {
		if err := decodeStrict(v, &job.Options); err != nil {
			fields["options"] = "Must be a JSON object of options: " + callsheet.ErrorMessage(jsonError(err))
		}
	}
	formOptions(value, &job.Options, fields)
	if v := value("mapping"); v != "" {
		if err := decodeStrict(v, &job.Mapping); err != nil || job.Mapping == nil {
			fields["mapping"] = "Must be a JSON object of fields to the file's column headers."
		}
	}
	files := form.File["file"]
	if len(files) != 1 {
		fields["file"] = "Send one customer file (CSV, TSV or XLSX) as file."
	}
	if err := callsheet.FieldErrors(fields); err != nil {
		return err
	}
	if err := job.Options.Validate(); err != nil {
		return err
	}
	f, err := files[0].Open()
	if err != nil {
		return err
	}
	defer f.Close()
	job.FileName = files[0].Filename
	ctx := r.Context()
	if job.Mapping != nil {
		job.State = callsheet.ImportQueued
		if err := s.Imports.CreateImport(ctx, job, f); err != nil {
			return err
		}
	} else {
		// Without a mapping, the file's columns are matched as the
		// mapping screen would suggest.
		job.State = callsheet.ImportDraft
		if err := s.Imports.CreateImport(ctx, job, f); err != nil {
			return err
		}
		preview, err := s.Imports.PreviewFile(ctx, job.ID)
		if err != nil {
			return err
		}
		if job, err = s.Imports.UpdateImport(ctx, job.ID, callsheet.ImportJobUpdate{Mapping: preview.Suggested, Queue: true}); err != nil {
			return err
		}
	}
	w.Header().Set("Location", "/api/imports/"+strconv.FormatInt(job.ID, 10))
	writeJSON(w, http.StatusAccepted, newAPIImport(job))
	return nil
}

// decodeStrict decodes JSON text, refusing fields the target lacks.
func decodeStrict(text string, v any) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// formOptions reads the options given as form fields, one by one.
func formOptions(value func(string) string, o *callsheet.ImportOptions, fields map[string]string) {
	flags := []struct {
		name string
		dst  *bool
	}{
		{"international", &o.International}, {"override", &o.Override}, {"update_contact_allowed", &o.UpdateContactAllowed},
		{"reset", &o.Reset}, {"load_valid", &o.LoadValid}, {"dry_run", &o.DryRun},
	}
	for _, f := range flags {
		if v := value(f.name); v != "" {
			b, ok := formBool(v)
			if !ok {
				fields[f.name] = "Must be true or false."
				continue
			}
			*f.dst = b
		}
	}
	if v := value("status_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 0 {
			fields["status_id"] = "Must be the id of a status."
		} else {
			o.StatusID = id
		}
	}
	if v := value("unique"); v != "" {
		o.Unique = callsheet.UniqueMode(v)
	}
	if v := value("agents"); v != "" {
		o.Agents = callsheet.AgentsMode(v)
	}
}

// formBool reads a form's yes or no as forms and scripts write it.
func formBool(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1", "on", "yes":
		return true, true
	case "false", "0", "off", "no", "":
		return false, true
	}
	return false, false
}

func (s *Server) handleAPIImports(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := paging(r)
	if err != nil {
		return err
	}
	f := callsheet.ImportJobFilter{Limit: limit, Offset: offset}
	if f.CampaignID, err = queryID(r, "campaign", false); err != nil {
		return err
	}
	if err := checkFilters(r.Context(), s.campaignFilter("campaign", f.CampaignID)); err != nil {
		return err
	}
	if v := r.URL.Query().Get("state"); v != "" {
		st := callsheet.ImportState(v)
		f.State = &st
	}
	if v := r.URL.Query().Get("source"); v != "" {
		f.Source = &v
	}
	list, total, err := s.Imports.FindImports(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]apiImport, len(list))
	for i, job := range list {
		out[i] = newAPIImport(job)
	}
	writeJSON(w, http.StatusOK, listPage[apiImport]{Items: out, Total: total, Limit: limit, Offset: offset})
	return nil
}

func (s *Server) handleAPIImport(w http.ResponseWriter, r *http.Request) error {
	id, err := apiPathID(r)
	if err != nil {
		return err
	}
	job, err := s.Imports.FindImport(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newAPIImport(job))
	return nil
}

// importRowList answers a page of an import's rows, as the import
// service's method find lists them.
func (s *Server) importRowList(find func(callsheet.ImportService, context.Context, int64, int, int) ([]callsheet.RowResult, int, error)) apiHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := apiPathID(r)
		if err != nil {
			return err
		}
		limit, offset, err := paging(r)
		if err != nil {
			return err
		}
		rows, total, err := find(s.Imports, r.Context(), id, offset, limit)
		if err != nil {
			return err
		}
		if rows == nil {
			rows = []callsheet.RowResult{}
		}
		writeJSON(w, http.StatusOK, listPage[callsheet.RowResult]{Items: rows, Total: total, Limit: limit, Offset: offset})
		return nil
	}
}

func (s *Server) handleAPIImportProblemsCSV(w http.ResponseWriter, r *http.Request) error {
	id, err := apiPathID(r)
	if err != nil {
		return err
	}
	// Find the job first, so that a wrong id is answered in JSON before
	// the CSV starts.
	if _, err := s.Imports.FindImport(r.Context(), id); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="import-`+strconv.FormatInt(id, 10)+`-problems.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := s.Imports.WriteProblemReport(r.Context(), id, callsheet.ReportForPrograms, w); err != nil {
		// The answer has started; all that is left is to log it.
		s.logIfInternal(r, err)
	}
	return nil
}

func (s *Server) handleAPICancelImport(w http.ResponseWriter, r *http.Request) error {
	id, err := apiPathID(r)
	if err != nil {
		return err
	}
	job, err := s.Imports.CancelImport(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newAPIImport(job))
	return nil
}

func (s *Server) handleAPIUndoImport(w http.ResponseWriter, r *http.Request) error {
	id, err := apiPathID(r)
	if err != nil {
		return err
	}
	res, err := s.Imports.UndoImport(r.Context(), id)
	if err != nil {
		return err
	}
	if res.Kept == nil {
		res.Kept = []int64{}
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
