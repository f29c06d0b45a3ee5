package web

import (
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/callsheet/callsheet"
)

// uniqueChoices are the three ways of "Make customers unique".
var uniqueChoices = []struct{ Value, Label, Hint string }{
	{"any", "Add regardless of other campaigns", "Customers already in another campaign are added here too."},
	{"move", "Move them here", "Customers in another campaign are deleted there, so they are only in this campaign."},
	{"only-new", "Only customers in no other campaign", "Customers already in another campaign are skipped."},
}

// encodingChoices are the encodings a user can force.
var encodingChoices = []struct{ Value, Label string }{
	{"auto", "Detect automatically"}, {"utf-8", "UTF-8"}, {"windows-1255", "Hebrew (Windows-1255)"},
	{"iso-8859-8", "Hebrew (ISO-8859-8)"}, {"windows-1252", "Western (Windows-1252)"}, {"utf-16le", "UTF-16 LE"}, {"utf-16be", "UTF-16 BE"},
}

type importFormPage struct {
	Campaign    *callsheet.Campaign
	Encodings   any
	Encoding    string
	OptionsView importOptionsView
}

// importOptionsView is what the options of an upload are shown with.
type importOptionsView struct {
	Statuses []*callsheet.Status
	Options  callsheet.ImportOptions
	Unique   any
	Agents   []agentChoice
	Country  string
}

// agentChoice is one agents option as the wizard offers it: the rule's
// Why, its first clause as the choice's name and the rest, a sentence of
// its own, as its hint.
type agentChoice struct {
	Value       callsheet.AgentsMode
	Label, Hint string
}

// agentChoices are the agents options of the modes given, or of every
// mode, in the order of callsheet.AgentRules.
func agentChoices(only ...callsheet.AgentsMode) []agentChoice {
	var out []agentChoice
	for _, r := range callsheet.AgentRules {
		if len(only) > 0 && !slices.Contains(only, r.Mode) {
			continue
		}
		label, hint, _ := strings.Cut(r.Why, ": ")
		if c, size := utf8.DecodeRuneInString(hint); size > 0 {
			hint = string(unicode.ToUpper(c)) + hint[size:]
		}
		out = append(out, agentChoice{Value: r.Mode, Label: label, Hint: hint})
	}
	return out
}

// optionsView prepares the options block of the wizard.
func (s *Server) optionsView(r *http.Request, opts callsheet.ImportOptions) (importOptionsView, error) {
	sts, _, err := s.Statuses.FindStatuses(r.Context(), callsheet.StatusFilter{})
	if err != nil {
		return importOptionsView{}, err
	}
	if opts.Unique == "" {
		opts.Unique = callsheet.UniqueAny
	}
	if opts.Agents == "" {
		opts.Agents = callsheet.AgentsGrant
	}
	return importOptionsView{Statuses: sts, Options: opts, Unique: uniqueChoices, Agents: agentChoices(),
		Country: sessionFrom(r).Account.Country}, nil
}

func (s *Server) handleImportForm(w http.ResponseWriter, r *http.Request) {
	s.renderImportForm(w, r, http.StatusOK, &page{}, nil)
}

func (s *Server) renderImportForm(w http.ResponseWriter, r *http.Request, status int, p *page, job *callsheet.ImportJob) {
	c, ok := s.pathCampaign(w, r)
	if !ok {
		return
	}
	d := &importFormPage{Campaign: c, Encodings: encodingChoices, Encoding: "auto"}
	opts := callsheet.ImportOptions{Unique: callsheet.UniqueAny}
	if job != nil {
		opts, d.Encoding = job.Options, job.Encoding
	}
	var err error
	if d.OptionsView, err = s.optionsView(r, opts); err != nil {
		s.renderError(w, r, err)
		return
	}
	p.Title, p.Nav, p.Data = "Add customers to "+c.Name, "campaigns", d
	s.render(w, r, status, "import_form", p)
}

// wizardOptions reads the upload options of the wizard's first step.
func wizardOptions(r *http.Request) callsheet.ImportOptions {
	o := callsheet.ImportOptions{
		International:        r.FormValue("international") == "on",
		Override:             r.FormValue("override") == "on",
		UpdateContactAllowed: r.FormValue("update_contact_allowed") == "on",
		Reset:                r.FormValue("reset") == "on",
		Unique:               callsheet.UniqueMode(r.FormValue("unique")),
		LoadValid:            r.FormValue("load_valid") == "on",
		Agents:               callsheet.AgentsMode(r.FormValue("agents")),
	}
	o.StatusID, _ = strconv.ParseInt(r.FormValue("status"), 10, 64)
	return o
}

func (s *Server) handleImportUpload(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	opts := wizardOptions(r)
	file, hdr, err := r.FormFile("file")
	if err != nil {
		p := formPage("", r, callsheet.FieldErrors(map[string]string{"file": "Choose a CSV, TSV or XLSX file."}))
		s.renderImportForm(w, r, http.StatusUnprocessableEntity, p, &callsheet.ImportJob{Options: opts, Encoding: r.FormValue("encoding")})
		return
	}
	defer file.Close()
	job := &callsheet.ImportJob{CampaignID: id, Source: "file", FileName: hdr.Filename, Encoding: r.FormValue("encoding"),
		Options: opts, State: callsheet.ImportDraft}
	if err := s.Imports.CreateImport(r.Context(), job, file); err != nil {
		if callsheet.ErrorCode(err) == callsheet.ENOTFOUND && callsheet.ErrorFields(err)["campaign"] != "" {
			s.renderError(w, r, err)
			return
		}
		s.renderImportForm(w, r, statusOf(err), formPage("", r, err), &callsheet.ImportJob{Options: opts, Encoding: job.Encoding})
		return
	}
	http.Redirect(w, r, "/imports/"+itoa(job.ID)+"/mapping", http.StatusSeeOther)
}

// mappingField is one row of the field-matching screen.
type mappingField struct {
	Key, Label string
	Column     string // the chosen column, or ""
	Required   bool
}

// columnRow is one column of the file in the list of columns no field
// takes. Every column has a row, so the page's script can show a column
// as soon as a field lets it go; Taken hides the rows of taken columns.
type columnRow struct {
	Index   int
	Name    string
	Samples []string
	Taken   bool
	Choice  string // "", field:<key> or new:<type>, as last chosen
}

// newFieldTypes are the types a column can become a custom field of.
var newFieldTypes = []struct{ Value, Label string }{
	{"text", "text"}, {"number", "number"}, {"date", "date"},
}

type mappingPage struct {
	OptionsView importOptionsView
	StatusName  string
	Job         *callsheet.ImportJob
	Campaign    *callsheet.Campaign
	Preview     *callsheet.FilePreview
	Fields      []mappingField
	Encodings   any
	Samples     map[string][]string // column -> first values
	Source      string              // where the preselection came from
	Remembered  bool                // the preselection is the admin's own, remembered
	Columns     []columnRow
	NotImported []string // the columns no field takes, as the page stands
	FieldTypes  any
}

// SamplesJSON gives the page's script the sample values by column.
func (p *mappingPage) SamplesJSON() string {
	b, _ := json.Marshal(p.Samples)
	return string(b)
}

func (s *Server) loadImportJob(w http.ResponseWriter, r *http.Request) (*callsheet.ImportJob, bool) {
	id, err := pathID(r, "id")
	if err != nil {
		s.renderError(w, r, err)
		return nil, false
	}
	job, err := s.Imports.FindImport(r.Context(), id)
	if err != nil {
		s.renderError(w, r, err)
		return nil, false
	}
	return job, true
}

func (s *Server) handleMapping(w http.ResponseWriter, r *http.Request) {
	job, ok := s.loadImportJob(w, r)
	if !ok {
		return
	}
	s.renderMapping(w, r, http.StatusOK, &page{}, job, nil)
}

func (s *Server) renderMapping(w http.ResponseWriter, r *http.Request, status int, p *page, job *callsheet.ImportJob, chosen map[string]string) {
	ctx := r.Context()
	camp, err := s.Campaigns.FindCampaignByID(ctx, job.CampaignID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	preview, err := s.Imports.PreviewFile(ctx, job.ID)
	if err != nil {
		// A file that cannot be read at all: say why, and offer another encoding.
		p.Error = callsheet.ErrorMessage(err)
		preview = &callsheet.FilePreview{}
		status = statusOf(err)
	}
	fields, err := s.CustomFields.FindCustomFields(ctx)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	known := map[string]bool{}
	for _, f := range callsheet.SystemFields {
		known[f] = true
	}
	for _, f := range fields {
		known[f.Key()] = true
	}
	inHeader := map[string]bool{}
	for _, h := range preview.Header {
		inHeader[h] = true
	}
	// The user's own choice wins; then this job's saved mapping; then the
	// mapping the admin chose for a file with these columns before, in
	// any campaign; then the campaign's last mapping, where its columns
	// are in this file; then the suggestion from the header names.
	source, remembered := "suggested from the column names", false
	pick := chosen
	if pick == nil && len(job.Mapping) > 0 {
		pick, source = job.Mapping, "as you matched them"
	}
	if pick == nil && len(preview.Header) > 0 && s.Mappings != nil {
		if m, err := s.Mappings.FindMappingByColumns(ctx, preview.Header); err == nil {
			if mm := m.For(preview.Header, func(f string) bool { return known[f] }); len(mm) > 0 {
				pick, remembered = mm, true
				source = "as you matched these columns on " + m.SavedAt.In(sessionFrom(r).Account.Location()).Format(dateLayout)
			}
		} else if callsheet.ErrorCode(err) != callsheet.ENOTFOUND {
			s.Logger.Warn("remembered mapping", "job", job.ID, "err", err)
		}
	}
	if pick == nil && len(camp.LastMapping) > 0 {
		all := true
		for _, col := range camp.LastMapping {
			all = all && inHeader[col]
		}
		if all {
			pick, source = camp.LastMapping, "as in this campaign's last import"
		}
	}
	if pick == nil {
		pick = preview.Suggested
	}
	d := &mappingPage{Job: job, Campaign: camp, Preview: preview, Encodings: encodingChoices, Samples: map[string][]string{},
		Source: source, Remembered: remembered, FieldTypes: newFieldTypes}
	if d.OptionsView, err = s.optionsView(r, job.Options); err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, st := range d.OptionsView.Statuses {
		if st.ID == job.Options.StatusID {
			d.StatusName = st.Name
		}
	}
	for _, f := range callsheet.SystemFields {
		d.Fields = append(d.Fields, mappingField{Key: f, Label: callsheet.SystemFieldLabels[f], Column: pick[f], Required: f == callsheet.FieldPhone})
	}
	for _, f := range fields {
		d.Fields = append(d.Fields, mappingField{Key: f.Key(), Label: f.Label, Column: pick[f.Key()]})
	}
	for i, h := range preview.Header {
		for _, row := range preview.Samples {
			if i < len(row) && strings.TrimSpace(row[i]) != "" && len(d.Samples[h]) < 3 {
				d.Samples[h] = append(d.Samples[h], row[i])
			}
		}
	}
	shown := map[string]string{}
	for _, f := range d.Fields {
		if f.Column != "" {
			shown[f.Key] = f.Column
		}
	}
	d.NotImported = callsheet.UnmatchedColumns(preview.Header, shown)
	free := map[string]bool{}
	for _, c := range d.NotImported {
		free[c] = true
	}
	becomes := map[string]bool{} // columns about to become new fields
	for i, h := range preview.Header {
		c := columnRow{Index: i, Name: h, Samples: d.Samples[h], Taken: !free[h], Choice: p.Value("col_"+strconv.Itoa(i), nil)}
		becomes[h] = !c.Taken && strings.HasPrefix(c.Choice, "new:")
		d.Columns = append(d.Columns, c)
	}
	d.NotImported = slices.DeleteFunc(d.NotImported, func(c string) bool { return becomes[c] })
	p.Title, p.Nav, p.Data = "Match fields", "campaigns", d
	s.render(w, r, status, "import_mapping", p)
}

// dateLayout is how a day alone is shown: DD-MM-YYYY.
const dateLayout = "02-01-2006"

func (s *Server) handleMappingSave(w http.ResponseWriter, r *http.Request) {
	job, ok := s.loadImportJob(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	if r.PostFormValue("action") == "encoding" {
		enc, sheet := r.PostFormValue("encoding"), r.PostFormValue("sheet")
		upd := callsheet.ImportJobUpdate{Encoding: &enc}
		if sheet != "" {
			upd.Sheet = &sheet
		}
		if _, err := s.Imports.UpdateImport(ctx, job.ID, upd); err != nil {
			s.renderError(w, r, err)
			return
		}
		http.Redirect(w, r, "/imports/"+itoa(job.ID)+"/mapping", http.StatusSeeOther)
		return
	}
	mapping := map[string]string{}
	for k, v := range r.PostForm {
		if f, ok := strings.CutPrefix(k, "map_"); ok && len(v) > 0 && v[0] != "" {
			mapping[f] = v[0]
		}
	}
	preview, err := s.Imports.PreviewFile(ctx, job.ID)
	if err != nil {
		s.renderMapping(w, r, statusOf(err), formPage("", r, err), job, mapping)
		return
	}
	// The columns no field takes may each be matched to a field, or made
	// a new custom field, from the list of columns not imported.
	if err := s.applyColumnChoices(r, preview.Header, mapping); err != nil {
		if code := callsheet.ErrorCode(err); code == callsheet.EINVALID || code == callsheet.ECONFLICT {
			s.renderMapping(w, r, statusOf(err), formPage("", r, err), job, mapping)
			return
		}
		s.renderError(w, r, err)
		return
	}
	opts := job.Options
	if r.PostForm.Has("unique") {
		opts = wizardOptions(r)
	}
	opts.DryRun = true
	if _, err := s.Imports.UpdateImport(ctx, job.ID, callsheet.ImportJobUpdate{Mapping: mapping, Options: &opts, Queue: true}); err != nil {
		if callsheet.ErrorCode(err) == callsheet.EINVALID {
			s.renderMapping(w, r, statusOf(err), formPage("", r, err), job, mapping)
			return
		}
		s.renderError(w, r, err)
		return
	}
	// The admin's choice is remembered for files with these columns,
	// whatever becomes of this import (refused, cancelled or only
	// previewed). Not remembering is no reason to stop the import.
	if s.Mappings != nil {
		if err := s.Mappings.SaveMapping(ctx, &callsheet.SavedMapping{Columns: preview.Header, Mapping: mapping}); err != nil {
			s.Logger.Warn("remember mapping", "job", job.ID, "err", err)
		}
	}
	http.Redirect(w, r, "/imports/"+itoa(job.ID), http.StatusSeeOther)
}

// applyColumnChoices adds to mapping what was chosen for the columns no
// field takes: col_<index> is field:<key> to match the column to a field
// (taking the field from any column it had), or new:<type> to make it a
// new custom field labelled as the column. A choice for a column a field
// already takes is ignored: the field's own choice stands.
func (s *Server) applyColumnChoices(r *http.Request, header []string, mapping map[string]string) error {
	ctx := r.Context()
	taken := map[string]bool{}
	for _, col := range mapping {
		taken[col] = true
	}
	var fields []*callsheet.CustomField
	for i, col := range header {
		name := "col_" + strconv.Itoa(i)
		choice := r.PostFormValue(name)
		if choice == "" || taken[col] {
			continue
		}
		if fields == nil {
			var err error
			if fields, err = s.CustomFields.FindCustomFields(ctx); err != nil {
				return err
			}
		}
		if key, ok := strings.CutPrefix(choice, "field:"); ok {
			known := callsheet.IsSystemField(key)
			for _, f := range fields {
				known = known || f.Key() == key
			}
			if !known {
				return columnError(name, "Column %q cannot be matched to %q: there is no such field.", col, key)
			}
			mapping[key] = col
			taken[col] = true
			continue
		}
		typ, ok := strings.CutPrefix(choice, "new:")
		if !ok {
			return columnError(name, "Choose what to do with column %q: match it to a field, make it a new field, or leave it out.", col)
		}
		f, err := s.columnField(ctx, col, callsheet.CustomFieldType(typ), fields)
		if err != nil {
			return columnError(name, "Column %q could not become a field: %s", col, callsheet.ErrorMessage(err))
		}
		fields = append(fields, f)
		mapping[f.Key()] = col
		taken[col] = true
	}
	return nil
}

// columnField makes a new custom field of the type, labelled as the
// column. A field of that label already there (the same words, whatever
// the case and punctuation) is used instead, if it has the type.
func (s *Server) columnField(ctx context.Context, col string, typ callsheet.CustomFieldType, fields []*callsheet.CustomField) (*callsheet.CustomField, error) {
	label := callsheet.CleanLabel(col, 100)
	for _, f := range fields {
		if callsheet.FoldColumnName(f.Label) == callsheet.FoldColumnName(label) {
			if f.Type != typ {
				return nil, callsheet.Errorf(callsheet.ECONFLICT, "a %s field labelled %q already exists.", f.Type, f.Label)
			}
			return f, nil
		}
	}
	f := &callsheet.CustomField{Label: label, Type: typ}
	if err := s.CustomFields.CreateCustomField(ctx, f); err != nil {
		return nil, err
	}
	return f, nil
}

// columnError is an invalid choice for a column of the list of columns
// not imported, shown beside it and above the form.
func columnError(name, format string, args ...any) error {
	e := callsheet.Errorf(callsheet.EINVALID, format, args...)
	e.Fields = map[string]string{name: e.Message, "mapping": e.Message}
	return e
}

// importPage is the job page: progress, preview or report, by state.
type importPage struct {
	Job      *callsheet.ImportJob
	Campaign *callsheet.Campaign
	Problems []callsheet.RowResult
	Pager    pager
	Preview  bool // a finished dry run, waiting for Import
	Percent  int
	Undo     *callsheet.UndoResult
	Status   string // the upload's status name
	// NotImported are the columns of the file no field takes; Header
	// tells whether the file's columns are known at all.
	NotImported []string
	Header      bool
	// AgentChoices are the agents options the preview may still change;
	// AgainChoices those a refused import may be loaded again with.
	AgentChoices []agentChoice
	AgainChoices []agentChoice
}

// Busy reports whether the job is still to run or running.
func (p *importPage) Busy() bool {
	return p.Job.State == callsheet.ImportQueued || p.Job.State == callsheet.ImportRunning
}

// Refused reports whether the import ran but wrote nothing (not a
// preview): Job.Refused says why.
func (p *importPage) Refused() bool {
	return p.Job.State == callsheet.ImportDone && !p.Job.Applied && !p.Preview
}

// OtherRows is how many rows are not invalid: those "Load the other rows"
// would load.
func (p *importPage) OtherRows() int { return p.Job.Counts.Total - p.Job.Counts.Invalid }

// LoadAgain reports whether the refused import's rows may be loaded from
// the file already uploaded: there are rows to load, and the file is kept.
func (p *importPage) LoadAgain() bool {
	return p.Refused() && p.OtherRows() > 0 && p.Job.MayRunAgain()
}

// AgainMode is the agents option "Load the other rows" offers first: the
// import's own, unless it is the one that refused it.
func (p *importPage) AgainMode() callsheet.AgentsMode {
	if m := p.Job.Options.Agents; m.Valid() && !m.Rule().Refuses {
		return m
	}
	return callsheet.AgentsGrant
}

// AgentsMode is the import's agents option, its default when not set.
func (p *importPage) AgentsMode() callsheet.AgentsMode { return p.Job.Options.Agents.Rule().Mode }

// AgentLine is an agent outside the campaign as the page lists it: "Gave
// Dana Levi the campaign: 2 customers" once the import gave it, otherwise
// callsheet.ImportAgent.Message and what the import did or does about
// them (AgentFate). The name is isolated, so that a Hebrew name does not
// turn the English around it.
func (p *importPage) AgentLine(a callsheet.ImportAgent) template.HTML {
	name := "<bdi>" + template.HTMLEscapeString(a.Name) + "</bdi>"
	if p.granted(a) {
		return template.HTML("Gave " + name + " the campaign: " + template.HTMLEscapeString(callsheet.Count(a.Customers, "customer", "customers")))
	}
	line := name + template.HTMLEscapeString(strings.TrimPrefix(a.Message(), a.Name))
	if fate := p.AgentFate(a); fate != "" {
		line += `; <span class="agent-fate">` + template.HTMLEscapeString(fate) + "</span>"
	}
	return template.HTML(line)
}

// granted reports whether the import gave the agent the campaign.
func (p *importPage) granted(a callsheet.ImportAgent) bool {
	return slices.ContainsFunc(p.Job.AgentsGranted, func(g callsheet.ImportAgent) bool { return g.ID == a.ID })
}

// AgentFate says what the import did, or does under the option chosen,
// about an agent outside the campaign it did not give the campaign; ""
// when the page says it otherwise (a refusal says why in Job.Refused).
func (p *importPage) AgentFate(a callsheet.ImportAgent) string {
	j := p.Job
	rule := j.Options.Agents.Rule()
	switch {
	case j.Applied && !rule.Assigns:
		return "left unassigned"
	case j.Applied:
		return "" // given the campaign otherwise while the import ran
	case p.Preview:
		return agentFuture(rule.Mode)
	case rule.Grants:
		return "the import would have given them the campaign"
	case !rule.Refuses:
		return "the import would have left those customers unassigned"
	}
	return ""
}

// agentFuture says what importing does about an agent outside the
// campaign under an agents option; the preview's script shows the one of
// the option ticked.
func agentFuture(m callsheet.AgentsMode) string {
	switch r := m.Rule(); {
	case r.Grants:
		return "importing gives them the campaign"
	case r.Refuses:
		return "the import will be refused: nothing will be written"
	}
	return "importing leaves those customers unassigned"
}

// AgentFutures gives the preview's script what each option does.
func (p *importPage) AgentFutures() string {
	m := map[callsheet.AgentsMode]string{}
	for _, r := range callsheet.AgentRules {
		m[r.Mode] = agentFuture(r.Mode)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// CampaignName is the name of a campaign customers were removed from, or
// its number once it is deleted.
func (p *importPage) CampaignName(c callsheet.CampaignCount) string {
	if c.Name == "" {
		return "campaign " + itoa(c.ID)
	}
	return c.Name
}

// Label is an outcome in people's words: as what happened for an import
// that wrote its rows, as what would have happened for one that did not
// (a preview, or one refused).
func (p *importPage) Label(o callsheet.Outcome) string { return o.LabelFor(p.Job.Applied) }

const problemsPerPage = 50

func (s *Server) handleImportJob(w http.ResponseWriter, r *http.Request) {
	job, ok := s.loadImportJob(w, r)
	if !ok {
		return
	}
	if job.State == callsheet.ImportDraft {
		http.Redirect(w, r, "/imports/"+itoa(job.ID)+"/mapping", http.StatusSeeOther)
		return
	}
	s.renderImportJob(w, r, job, &page{}, nil)
}

func (s *Server) renderImportJob(w http.ResponseWriter, r *http.Request, job *callsheet.ImportJob, p *page, undo *callsheet.UndoResult) {
	ctx := r.Context()
	camp, err := s.Campaigns.FindCampaignByID(ctx, job.CampaignID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d := &importPage{Job: job, Campaign: camp, Undo: undo, Percent: percent(job),
		Preview:      job.State == callsheet.ImportDone && job.Options.DryRun && !job.Applied,
		AgentChoices: agentChoices(),
		AgainChoices: agentChoices(callsheet.AgentsGrant, callsheet.AgentsUnassign)}
	if st, err := s.Statuses.FindStatusByID(ctx, job.Options.StatusID); err == nil {
		d.Status = st.Name
	}
	if job.State.Finished() {
		probs, total, err := s.Imports.FindImportProblems(ctx, job.ID, (pageOf(r)-1)*problemsPerPage, problemsPerPage)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		d.Problems, d.Pager = probs, newPager(r, total, problemsPerPage)
	}
	if job.State == callsheet.ImportDone || job.State == callsheet.ImportUndone {
		// The preview and the report repeat the columns left out, as the
		// run recorded them. An import run before they were recorded has
		// its file's header read again; once that file is purged they are
		// not known, and nothing is said.
		if job.UnmatchedColumns != nil {
			d.Header, d.NotImported = true, job.UnmatchedColumns
		} else if pv, err := s.Imports.PreviewFile(ctx, job.ID); err == nil && len(pv.Header) > 0 {
			d.Header, d.NotImported = true, callsheet.UnmatchedColumns(pv.Header, job.Mapping)
		}
	}
	title := "Import of " + job.FileName
	if d.Preview {
		title = "Preview of " + job.FileName
	}
	p.Title, p.Nav, p.Data = title, "campaigns", d
	s.render(w, r, http.StatusOK, "import_job", p)
}

// percent is how far a running job has read its file.
func percent(j *callsheet.ImportJob) int {
	if j.State.Finished() {
		return 100
	}
	if j.FileSize <= 0 {
		return 0
	}
	return int(min(99, j.BytesRead*100/j.FileSize))
}

func (s *Server) handleImportRun(w http.ResponseWriter, r *http.Request) {
	job, ok := s.loadImportJob(w, r)
	if !ok {
		return
	}
	if job.State == callsheet.ImportDone && !job.Applied && !job.Options.DryRun {
		s.importAgain(w, r, job)
		return
	}
	opts := job.Options
	opts.DryRun = false
	if r.PostFormValue("load_valid") == "on" {
		opts.LoadValid = true
	}
	// The preview may change what becomes of agents outside the campaign.
	if v := r.PostFormValue("agents"); v != "" {
		opts.Agents = callsheet.AgentsMode(v)
	}
	if _, err := s.Imports.UpdateImport(r.Context(), job.ID, callsheet.ImportJobUpdate{Options: &opts, Queue: true}); err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/imports/"+itoa(job.ID), http.StatusSeeOther)
}

// importAgain loads the rows of a refused import: the stored file runs
// again, as a new import with the same mapping and options, with no
// upload. Its valid rows are loaded; an import refused for its agents is
// loaded with the agents option chosen on the page (grant or unassign),
// grant if none was.
func (s *Server) importAgain(w http.ResponseWriter, r *http.Request, job *callsheet.ImportJob) {
	opts := job.Options
	opts.DryRun, opts.LoadValid = false, true
	if v := callsheet.AgentsMode(r.PostFormValue("agents")); v != "" {
		opts.Agents = v
	} else if opts.Agents.Rule().Refuses && len(job.AgentsOutside) > 0 {
		opts.Agents = callsheet.AgentsGrant
	}
	next, err := s.Imports.ImportAgain(r.Context(), job.ID, opts)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	what := "the other rows"
	if job.Counts.Invalid == 0 {
		what = "the rows"
	}
	redirect(w, r, "/imports/"+itoa(next.ID), "Loading "+what+" of "+job.FileName+", from the file already uploaded.")
}

func (s *Server) handleImportBack(w http.ResponseWriter, r *http.Request) {
	job, ok := s.loadImportJob(w, r)
	if !ok {
		return
	}
	opts := job.Options
	opts.DryRun = false
	if _, err := s.Imports.UpdateImport(r.Context(), job.ID, callsheet.ImportJobUpdate{Options: &opts}); err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/imports/"+itoa(job.ID)+"/mapping", http.StatusSeeOther)
}

func (s *Server) handleImportCancel(w http.ResponseWriter, r *http.Request) {
	job, ok := s.loadImportJob(w, r)
	if !ok {
		return
	}
	if _, err := s.Imports.CancelImport(r.Context(), job.ID); err != nil {
		s.renderError(w, r, err)
		return
	}
	redirect(w, r, "/imports/"+itoa(job.ID), "Import cancelled; nothing was written.")
}

func (s *Server) handleImportUndo(w http.ResponseWriter, r *http.Request) {
	job, ok := s.loadImportJob(w, r)
	if !ok {
		return
	}
	res, err := s.Imports.UndoImport(r.Context(), job.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	job, err = s.Imports.FindImport(r.Context(), job.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.renderImportJob(w, r, job, &page{Flash: undoFlash(res)}, res)
}

// undoFlash says in one line what undoing an import did, the campaign
// access taken back among it; the page lists the details.
func undoFlash(res *callsheet.UndoResult) string {
	msg := "Import undone."
	if n := len(res.AgentsRevoked); n > 0 {
		msg += " Took the campaign back from " + callsheet.Count(n, "agent", "agents") + "."
	}
	if n := len(res.AgentsKept); n > 0 {
		msg += " " + callsheet.Count(n, "agent keeps", "agents keep") + " it, for customers still theirs."
	}
	return msg
}

// progressJSON is what the progress bar polls.
type progressJSON struct {
	State   callsheet.ImportState `json:"state"`
	Rows    int                   `json:"rows"`
	Percent int                   `json:"percent"`
	Done    bool                  `json:"done"`
}

func (s *Server) handleImportProgress(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		writeAPIError(w, err)
		return
	}
	job, err := s.Imports.FindImport(r.Context(), id)
	if err != nil {
		writeAPIError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, progressJSON{State: job.State, Rows: job.RowsRead, Percent: percent(job), Done: job.State.Finished()})
}

func (s *Server) handleImportProblemsCSV(w http.ResponseWriter, r *http.Request) {
	job, ok := s.loadImportJob(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+downloadName("import-"+itoa(job.ID)+"-problems")+`.csv"`)
	// A byte-order mark makes Excel read the UTF-8 (Hebrew names) right.
	w.Write([]byte("\ufeff"))
	// The file's cells are balanced as they go out (see bidiCSV).
	out := newBidiCSV(w)
	err := s.Imports.WriteProblemReport(r.Context(), job.ID, callsheet.ReportForPeople, out)
	if err == nil {
		err = out.Close()
	}
	if err != nil {
		s.Logger.Error("problem report", "job", job.ID, "err", err)
	}
}

func (s *Server) handleCampaignExport(w http.ResponseWriter, r *http.Request) {
	c, ok := s.pathCampaign(w, r)
	if !ok {
		return
	}
	id := c.ID
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+downloadName(c.Name)+`.csv"`)
	w.Write([]byte("\ufeff"))
	// Each cell is balanced as it goes out (see bidiCSV); the formulas a
	// spreadsheet would run were neutralised by the export itself.
	out := newBidiCSV(w)
	err := s.Imports.Export(r.Context(), id, "csv", out)
	if err == nil {
		err = out.Close()
	}
	if err != nil {
		s.Logger.Error("export", "campaign", id, "err", err)
	}
}

// downloadName keeps a file name to safe ASCII.
func downloadName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 {
		return "export"
	}
	return b.String()
}
