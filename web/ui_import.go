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
	"github.com/callsheet/callsheet/i18n"
)

// choice is one option of the wizard: its value, and its name and hint
// as catalogue messages.
type choice struct {
	Value       string
	Label, Hint callsheet.Message
}

// uniqueChoices are the three ways of "Make customers unique".
var uniqueChoices = []choice{
	{"any", callsheet.Msg("Add regardless of other campaigns"), callsheet.Msg("Customers already in another campaign are added here too.")},
	{"move", callsheet.Msg("Move them here"), callsheet.Msg("Customers in another campaign are deleted there, so they are only in this campaign.")},
	{"only-new", callsheet.Msg("Only customers in no other campaign"), callsheet.Msg("Customers already in another campaign are skipped.")},
}

// encodingChoices are the encodings a user can force. The names of
// encodings are the same in every language.
var encodingChoices = []choice{
	{Value: "auto", Label: callsheet.Msg("Detect automatically")}, {Value: "utf-8", Label: callsheet.Message{Key: "UTF-8"}},
	{Value: "windows-1255", Label: callsheet.Msg("Hebrew (Windows-1255)")}, {Value: "iso-8859-8", Label: callsheet.Msg("Hebrew (ISO-8859-8)")},
	{Value: "windows-1252", Label: callsheet.Msg("Western (Windows-1252)")}, {Value: "utf-16le", Label: callsheet.Message{Key: "UTF-16 LE"}},
	{Value: "utf-16be", Label: callsheet.Message{Key: "UTF-16 BE"}},
}

type importFormPage struct {
	Campaign    *callsheet.Campaign
	Encodings   []choice
	Encoding    string
	OptionsView importOptionsView
}

// importOptionsView is what the options of an upload are shown with.
type importOptionsView struct {
	Statuses []*callsheet.Status
	Options  callsheet.ImportOptions
	Unique   []choice
	Agents   []agentChoice
	Country  string
}

// agentChoice is one agents option as the wizard offers it: the rule's
// Why, its first clause as the choice's name and the rest, a sentence of
// its own, as its hint; each is a catalogue key.
type agentChoice struct {
	Value       callsheet.AgentsMode
	Label, Hint callsheet.Message
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
		out = append(out, agentChoice{Value: r.Mode, Label: callsheet.Message{Key: label}, Hint: callsheet.Message{Key: hint}})
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

// optionWords are the options of an import that differ from the defaults,
// and its unique and agents modes, in words, for a line that sums them up:
// forms gives the words of the options ticked, in the order international,
// override, update contact allowed, reset, load valid.
func optionWords(o callsheet.ImportOptions, forms [5]callsheet.Message) []callsheet.Message {
	var out []callsheet.Message
	for i, on := range []bool{o.International, o.Override, o.UpdateContactAllowed, o.Reset} {
		if on {
			out = append(out, forms[i])
		}
	}
	unique := o.Unique
	if unique == "" {
		unique = callsheet.UniqueAny
	}
	out = append(out, callsheet.Msg("unique: %s", uniqueWord(unique)),
		callsheet.Msg("agents outside the campaign: %s", agentsWord(o.Agents.Rule().Mode)))
	if o.LoadValid {
		out = append(out, forms[4])
	}
	return out
}

// uniqueWord and agentsWord name a mode by its code, which is its
// catalogue key ("any", "move", "only-new"; "grant", "unassign",
// "refuse"), in the reader's language.
func uniqueWord(m callsheet.UniqueMode) callsheet.Message { return callsheet.Msg(string(m)) }
func agentsWord(m callsheet.AgentsMode) callsheet.Message { return callsheet.Msg(string(m)) }

// boldName is a name in bold, isolated, for a sentence of a page.
func boldName(name string) template.HTML {
	return template.HTML("<b><bdi>" + template.HTMLEscapeString(name) + "</bdi></b>")
}

// bdiList is names, each isolated, separated by commas.
func bdiList(names []string) template.HTML {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = "<bdi>" + template.HTMLEscapeString(n) + "</bdi>"
	}
	return template.HTML(strings.Join(parts, ", "))
}

// msgsHTML is messages in lang, as HTML, joined by spaces.
func msgsHTML(lang string, ms []callsheet.Message) template.HTML {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = string(i18n.HTML(lang, m.Key, m.Args...))
	}
	return template.HTML(strings.Join(parts, " "))
}

func (s *Server) handleImportForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderImportForm(w, r, http.StatusOK, &page{}, nil)
}

func (s *Server) renderImportForm(w http.ResponseWriter, r *http.Request, status int, p *page, job *callsheet.ImportJob) error {
	c, err := s.findPathCampaign(r)
	if err != nil {
		return err
	}
	d := &importFormPage{Campaign: c, Encodings: encodingChoices, Encoding: "auto"}
	opts := callsheet.ImportOptions{Unique: callsheet.UniqueAny}
	if job != nil {
		opts, d.Encoding = job.Options, job.Encoding
	}
	if d.OptionsView, err = s.optionsView(r, opts); err != nil {
		return err
	}
	p.Title, p.Nav, p.Data = tr(r, "Add customers to %s", c.Name), "campaigns", d
	s.render(w, r, status, "import_form", p)
	return nil
}

// findPathCampaign finds the campaign of the path's id.
func (s *Server) findPathCampaign(r *http.Request) (*callsheet.Campaign, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.Campaigns.FindCampaignByID(r.Context(), id)
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

func (s *Server) handleImportUpload(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	opts := wizardOptions(r)
	again := func(job *callsheet.ImportJob) func(status int, p *page) error {
		return func(status int, p *page) error { return s.renderImportForm(w, r, status, p, job) }
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return retry(callsheet.FieldErrors(map[string]string{"file": "Choose a CSV, TSV or XLSX file."}),
			again(&callsheet.ImportJob{Options: opts, Encoding: r.FormValue("encoding")}))
	}
	defer file.Close()
	job := &callsheet.ImportJob{CampaignID: id, Source: "file", FileName: hdr.Filename, Encoding: r.FormValue("encoding"),
		Options: opts, State: callsheet.ImportDraft}
	if err := s.Imports.CreateImport(r.Context(), job, file); err != nil {
		if callsheet.ErrorCode(err) == callsheet.ENOTFOUND && callsheet.ErrorFields(err)["campaign"] != "" {
			return err
		}
		return retry(err, again(&callsheet.ImportJob{Options: opts, Encoding: job.Encoding}))
	}
	http.Redirect(w, r, "/imports/"+itoa(job.ID)+"/mapping", http.StatusSeeOther)
	return nil
}

// mappingField is one row of the field-matching screen.
type mappingField struct {
	Key, Label string // Label in the reader's language
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
var newFieldTypes = []string{"text", "number", "date"}

type mappingPage struct {
	OptionsView importOptionsView
	StatusName  string
	Job         *callsheet.ImportJob
	Campaign    *callsheet.Campaign
	Preview     *callsheet.FilePreview
	Fields      []mappingField
	Encodings   []choice
	Samples     map[string][]string // column -> first values
	Source      callsheet.Message   // where the preselection came from
	Remembered  bool                // the preselection is the admin's own, remembered
	Columns     []columnRow
	NotImported []string // the columns no field takes, as the page stands
	FieldTypes  []string
	lang        string
}

// SamplesJSON gives the page's script the sample values by column.
func (p *mappingPage) SamplesJSON() string {
	b, _ := json.Marshal(p.Samples)
	return string(b)
}

// SourceHTML says where the preselection came from, in the span the
// page's hint names.
func (p *mappingPage) SourceHTML() template.HTML {
	class := ""
	if p.Remembered {
		class = ` class="remembered"`
	}
	return template.HTML(`<span id="mapping-source"` + class + `>` + string(i18n.HTML(p.lang, p.Source.Key, p.Source.Args...)) + `</span>`)
}

// StatusHTML is the upload's status, in bold.
func (p *mappingPage) StatusHTML() template.HTML { return boldName(p.StatusName) }

// NotImportedHTML lists the columns no field takes.
func (p *mappingPage) NotImportedHTML() template.HTML { return bdiList(p.NotImported) }

// OptionWords sum up the import's options.
func (p *mappingPage) OptionWords() []callsheet.Message {
	return optionWords(p.Job.Options, [5]callsheet.Message{callsheet.Msg("international"), callsheet.Msg("override"),
		callsheet.Msg("update contact allowed"), callsheet.Msg("reset existing"), callsheet.Msg("load valid rows")})
}

// loadImportJob finds the import of the path's id.
func (s *Server) loadImportJob(r *http.Request) (*callsheet.ImportJob, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.Imports.FindImport(r.Context(), id)
}

func (s *Server) handleMapping(w http.ResponseWriter, r *http.Request) error {
	job, err := s.loadImportJob(r)
	if err != nil {
		return err
	}
	return s.renderMapping(w, r, http.StatusOK, &page{}, job, nil)
}

func (s *Server) renderMapping(w http.ResponseWriter, r *http.Request, status int, p *page, job *callsheet.ImportJob, chosen map[string]string) error {
	ctx := r.Context()
	lang := langOf(r)
	camp, err := s.Campaigns.FindCampaignByID(ctx, job.CampaignID)
	if err != nil {
		return err
	}
	preview, err := s.Imports.PreviewFile(ctx, job.ID)
	if err != nil {
		// A file that cannot be read at all: say why, and offer another encoding.
		p.Error = errorText(r, err)
		preview = &callsheet.FilePreview{}
		status = statusOf(err)
	}
	fields, err := s.CustomFields.FindCustomFields(ctx)
	if err != nil {
		return err
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
	source, remembered := callsheet.Msg("suggested from the column names"), false
	pick := chosen
	if pick == nil && len(job.Mapping) > 0 {
		pick, source = job.Mapping, callsheet.Msg("as you matched them")
	}
	if pick == nil && len(preview.Header) > 0 && s.Mappings != nil {
		if m, err := s.Mappings.FindMappingByColumns(ctx, preview.Header); err == nil {
			if mm := m.For(preview.Header, func(f string) bool { return known[f] }); len(mm) > 0 {
				pick, remembered = mm, true
				source = callsheet.Msg("as you matched these columns on %s", m.SavedAt.In(sessionFrom(r).Account.Location()).Format(dateLayout))
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
			pick, source = camp.LastMapping, callsheet.Msg("as in this campaign's last import")
		}
	}
	if pick == nil {
		pick = preview.Suggested
	}
	d := &mappingPage{Job: job, Campaign: camp, Preview: preview, Encodings: encodingChoices, Samples: map[string][]string{},
		Source: source, Remembered: remembered, FieldTypes: newFieldTypes, lang: lang}
	if d.OptionsView, err = s.optionsView(r, job.Options); err != nil {
		return err
	}
	for _, st := range d.OptionsView.Statuses {
		if st.ID == job.Options.StatusID {
			d.StatusName = st.Name
		}
	}
	for _, f := range callsheet.SystemFields {
		d.Fields = append(d.Fields, mappingField{Key: f, Label: i18n.T(lang, callsheet.SystemFieldLabels[f]), Column: pick[f], Required: f == callsheet.FieldPhone})
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
	return nil
}

// dateLayout is how a day alone is shown: DD-MM-YYYY.
const dateLayout = "02-01-2006"

func (s *Server) handleMappingSave(w http.ResponseWriter, r *http.Request) error {
	job, err := s.loadImportJob(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if r.PostFormValue("action") == "encoding" {
		enc, sheet := r.PostFormValue("encoding"), r.PostFormValue("sheet")
		upd := callsheet.ImportJobUpdate{Encoding: &enc}
		if sheet != "" {
			upd.Sheet = &sheet
		}
		if _, err := s.Imports.UpdateImport(ctx, job.ID, upd); err != nil {
			return err
		}
		http.Redirect(w, r, "/imports/"+itoa(job.ID)+"/mapping", http.StatusSeeOther)
		return nil
	}
	mapping := map[string]string{}
	for k, v := range r.PostForm {
		if f, ok := strings.CutPrefix(k, "map_"); ok && len(v) > 0 && v[0] != "" {
			mapping[f] = v[0]
		}
	}
	again := func(status int, p *page) error { return s.renderMapping(w, r, status, p, job, mapping) }
	preview, err := s.Imports.PreviewFile(ctx, job.ID)
	if err != nil {
		return retry(err, again)
	}
	// The columns no field takes may each be matched to a field, or made
	// a new custom field, from the list of columns not imported.
	if err := s.applyColumnChoices(r, preview.Header, mapping); err != nil {
		if code := callsheet.ErrorCode(err); code == callsheet.EINVALID || code == callsheet.ECONFLICT {
			return retry(err, again)
		}
		return err
	}
	opts := job.Options
	if r.PostForm.Has("unique") {
		opts = wizardOptions(r)
	}
	opts.DryRun = true
	if _, err := s.Imports.UpdateImport(ctx, job.ID, callsheet.ImportJobUpdate{Mapping: mapping, Options: &opts, Queue: true}); err != nil {
		if callsheet.ErrorCode(err) == callsheet.EINVALID {
			return retry(err, again)
		}
		return err
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
	return nil
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
				return columnError(name, callsheet.Msg("Column %s cannot be matched to %s: there is no such field.", strconv.Quote(col), strconv.Quote(key)))
			}
			mapping[key] = col
			taken[col] = true
			continue
		}
		typ, ok := strings.CutPrefix(choice, "new:")
		if !ok {
			return columnError(name, callsheet.Msg("Choose what to do with column %s: match it to a field, make it a new field, or leave it out.", strconv.Quote(col)))
		}
		f, err := s.columnField(ctx, col, callsheet.CustomFieldType(typ), fields)
		if err != nil {
			return columnError(name, callsheet.Msg("Column %s could not become a field: %s", strconv.Quote(col), callsheet.ErrorMsg(err)))
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
				return nil, callsheet.Errorf(callsheet.ECONFLICT, "a %s field labelled %s already exists.", fieldTypeWord(f.Type), strconv.Quote(f.Label))
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

// fieldTypeWord names a custom field's type in a sentence.
func fieldTypeWord(t callsheet.CustomFieldType) callsheet.Message {
	switch t {
	case callsheet.FieldText:
		return callsheet.Msg("text")
	case callsheet.FieldNumber:
		return callsheet.Msg("number")
	case callsheet.FieldDate:
		return callsheet.Msg("date")
	}
	return callsheet.Message{Key: string(t)}
}

// columnError is an invalid choice for a column of the list of columns
// not imported, shown beside it and above the form.
func columnError(name string, m callsheet.Message) error {
	e := callsheet.Errorf(callsheet.EINVALID, m.Key, m.Args...)
	e.Fields = map[string]string{name: e.Message, "mapping": e.Message}
	e.FieldMsgs = map[string]callsheet.Message{name: m, "mapping": m}
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
	Phase    string // importPhase
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
	lang         string
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

// RefusedHTML is why the import writes nothing (Job.Refused), in the
// reader's language.
func (p *importPage) RefusedHTML() template.HTML { return msgsHTML(p.lang, refusalMsgs(p.Job)) }

// refusalMsgs is why an import wrote nothing (Job.Refused) as catalogue
// messages: the rules' words, or the job's own where they are not the
// rules'.
func refusalMsgs(j *callsheet.ImportJob) []callsheet.Message {
	o := j.Options
	o.Validate()
	if j.Refused != callsheet.RefusalReason(o, j.Counts, j.AgentsOutside) {
		return []callsheet.Message{{Key: j.Refused}}
	}
	return callsheet.RefusalMsgs(o, j.Counts, j.AgentsOutside)
}

// NothingHTML is "nothing will be written", in bold.
func (p *importPage) NothingHTML() template.HTML {
	return "<b>" + i18n.HTML(p.lang, "nothing will be written") + "</b>"
}

// ErrorMsgs are how a failed or cancelled import ended, as catalogue
// messages: Job.ErrorReason, or Job.Error itself.
func (p *importPage) ErrorMsgs() []callsheet.Message {
	if len(p.Job.ErrorReason) > 0 {
		return p.Job.ErrorReason
	}
	return []callsheet.Message{{Key: p.Job.Error}}
}

// StatusHTML is the upload's status, in bold.
func (p *importPage) StatusHTML() template.HTML { return boldName(p.Status) }

// NotImportedHTML lists the columns no field takes.
func (p *importPage) NotImportedHTML() template.HTML { return bdiList(p.NotImported) }

// RefreshLink is the link that shows the page again, for browsers without
// scripts.
func (p *importPage) RefreshLink() template.HTML {
	return template.HTML(`<a href="/imports/` + itoa(p.Job.ID) + `">` + string(i18n.HTML(p.lang, "Refresh")) + `</a>`)
}

// KeptHTML links the customers an undo kept.
func (p *importPage) KeptHTML() template.HTML {
	if p.Undo == nil {
		return ""
	}
	parts := make([]string, len(p.Undo.Kept))
	for i, id := range p.Undo.Kept {
		parts[i] = `<a href="/customers/` + itoa(id) + `">#` + itoa(id) + `</a>`
	}
	return template.HTML(strings.Join(parts, ", "))
}

// OptionWords sum up the import's options.
func (p *importPage) OptionWords() []callsheet.Message {
	return optionWords(p.Job.Options, [5]callsheet.Message{callsheet.Msg("international format"), callsheet.Msg("override existing"),
		callsheet.Msg("update contact allowed date"), callsheet.Msg("reset existing"), callsheet.Msg("load the valid rows")})
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
// callsheet.ImportAgent.Msg and what the import did or does about them
// (AgentFate). The name is isolated, so that a Hebrew name does not turn
// the English around it, nor a Latin one the Hebrew.
func (p *importPage) AgentLine(a callsheet.ImportAgent) template.HTML {
	if p.granted(a) {
		return i18n.HTML(p.lang, "Gave %s the campaign: %d customers", a.Name, a.Customers)
	}
	m := a.Msg()
	line := string(i18n.HTML(p.lang, m.Key, m.Args...))
	if fate := p.AgentFate(a); fate.Key != "" {
		line += `; <span class="agent-fate">` + string(i18n.HTML(p.lang, fate.Key, fate.Args...)) + "</span>"
	}
	return template.HTML(line)
}

// granted reports whether the import gave the agent the campaign.
func (p *importPage) granted(a callsheet.ImportAgent) bool {
	return slices.ContainsFunc(p.Job.AgentsGranted, func(g callsheet.ImportAgent) bool { return g.ID == a.ID })
}

// AgentFate says what the import did, or does under the option chosen,
// about an agent outside the campaign it did not give the campaign; a zero
// Message when the page says it otherwise (a refusal says why in
// Job.Refused).
func (p *importPage) AgentFate(a callsheet.ImportAgent) callsheet.Message {
	j := p.Job
	rule := j.Options.Agents.Rule()
	switch {
	case j.Applied && !rule.Assigns:
		return callsheet.Msg("left unassigned")
	case j.Applied:
		return callsheet.Message{} // given the campaign otherwise while the import ran
	case p.Preview:
		return agentFuture(rule.Mode)
	case rule.Grants:
		return callsheet.Msg("the import would have given them the campaign")
	case !rule.Refuses:
		return callsheet.Msg("the import would have left those customers unassigned")
	}
	return callsheet.Message{}
}

// agentFuture says what importing does about an agent outside the
// campaign under an agents option; the preview's script shows the one of
// the option ticked.
func agentFuture(m callsheet.AgentsMode) callsheet.Message {
	switch r := m.Rule(); {
	case r.Grants:
		return callsheet.Msg("importing gives them the campaign")
	case r.Refuses:
		return callsheet.Msg("the import will be refused: nothing will be written")
	}
	return callsheet.Msg("importing leaves those customers unassigned")
}

// AgentFutures gives the preview's script what each option does, in the
// reader's language.
func (p *importPage) AgentFutures() string {
	m := map[callsheet.AgentsMode]string{}
	for _, r := range callsheet.AgentRules {
		f := agentFuture(r.Mode)
		m[r.Mode] = i18n.T(p.lang, f.Key, f.Args...)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// CampaignName is the name of a campaign customers were removed from, or
// its number once it is deleted.
func (p *importPage) CampaignName(c callsheet.CampaignCount) any {
	if c.Name == "" {
		return callsheet.Msg("campaign %s", itoa(c.ID))
	}
	return c.Name
}

// Label is an outcome in people's words, as a catalogue message: as what
// happened for an import that wrote its rows, as what would have happened
// for one that did not (a preview, or one refused).
func (p *importPage) Label(o callsheet.Outcome) callsheet.Message { return o.LabelMsg(p.Job.Applied) }

const problemsPerPage = 50

func (s *Server) handleImportJob(w http.ResponseWriter, r *http.Request) error {
	job, err := s.loadImportJob(r)
	if err != nil {
		return err
	}
	if job.State == callsheet.ImportDraft {
		http.Redirect(w, r, "/imports/"+itoa(job.ID)+"/mapping", http.StatusSeeOther)
		return nil
	}
	return s.renderImportJob(w, r, job, &page{}, nil)
}

func (s *Server) renderImportJob(w http.ResponseWriter, r *http.Request, job *callsheet.ImportJob, p *page, undo *callsheet.UndoResult) error {
	ctx := r.Context()
	camp, err := s.Campaigns.FindCampaignByID(ctx, job.CampaignID)
	if err != nil {
		return err
	}
	d := &importPage{Job: job, Campaign: camp, Undo: undo, Percent: percent(job), Phase: importPhase(job),
		Preview:      job.State == callsheet.ImportDone && job.Options.DryRun && !job.Applied,
		AgentChoices: agentChoices(),
		AgainChoices: agentChoices(callsheet.AgentsGrant, callsheet.AgentsUnassign),
		lang:         langOf(r)}
	if st, err := s.Statuses.FindStatusByID(ctx, job.Options.StatusID); err == nil {
		d.Status = st.Name
	}
	if job.State.Finished() {
		probs, total, err := s.Imports.FindImportProblems(ctx, job.ID, (pageOf(r)-1)*problemsPerPage, problemsPerPage)
		if err != nil {
			return err
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
	title := tr(r, "Import of %s", job.FileName)
	if d.Preview {
		title = tr(r, "Preview of %s", job.FileName)
	}
	p.Title, p.Nav, p.Data = title, "campaigns", d
	s.render(w, r, http.StatusOK, "import_job", p)
	return nil
}

// percent is how far a running job has gone: how much of its file it has
// read, then, while it writes in steps, how many of the rows read it has
// written.
func percent(j *callsheet.ImportJob) int {
	if j.State.Finished() {
		return 100
	}
	if importPhase(j) == "writing" && j.RowsRead > 0 {
		return min(99, j.RowsWritten*100/j.RowsRead)
	}
	if j.FileSize <= 0 {
		return 0
	}
	return int(min(99, j.BytesRead*100/j.FileSize))
}

// importPhase says what a job is doing, for its progress: done, waiting
// its turn (queued), reading its file, checking the rows read against the
// campaign (the bar then says nothing of how long it takes), or writing
// them in steps. A job run by another server is said to be reading until
// it ends: only the server running it knows more.
func importPhase(j *callsheet.ImportJob) string {
	switch {
	case j.State.Finished():
		return "done"
	case j.State == callsheet.ImportQueued:
		return "queued"
	case j.State != callsheet.ImportRunning || !j.ReadAll:
		return "reading"
	case j.RowsWritten > 0:
		return "writing"
	}
	return "checking"
}

func (s *Server) handleImportRun(w http.ResponseWriter, r *http.Request) error {
	job, err := s.loadImportJob(r)
	if err != nil {
		return err
	}
	if job.State == callsheet.ImportDone && !job.Applied && !job.Options.DryRun {
		return s.importAgain(w, r, job)
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
		return err
	}
	http.Redirect(w, r, "/imports/"+itoa(job.ID), http.StatusSeeOther)
	return nil
}

// importAgain loads the rows of a refused import: the stored file runs
// again, as a new import with the same mapping and options, with no
// upload. Its valid rows are loaded; an import refused for its agents is
// loaded with the agents option chosen on the page (grant or unassign),
// grant if none was.
func (s *Server) importAgain(w http.ResponseWriter, r *http.Request, job *callsheet.ImportJob) error {
	opts := job.Options
	opts.DryRun, opts.LoadValid = false, true
	if v := callsheet.AgentsMode(r.PostFormValue("agents")); v != "" {
		opts.Agents = v
	} else if opts.Agents.Rule().Refuses && len(job.AgentsOutside) > 0 {
		opts.Agents = callsheet.AgentsGrant
	}
	next, err := s.Imports.ImportAgain(r.Context(), job.ID, opts)
	if err != nil {
		return err
	}
	flash := tr(r, "Loading the other rows of %s, from the file already uploaded.", job.FileName)
	if job.Counts.Invalid == 0 {
		flash = tr(r, "Loading the rows of %s, from the file already uploaded.", job.FileName)
	}
	redirect(w, r, "/imports/"+itoa(next.ID), flash)
	return nil
}

func (s *Server) handleImportBack(w http.ResponseWriter, r *http.Request) error {
	job, err := s.loadImportJob(r)
	if err != nil {
		return err
	}
	opts := job.Options
	opts.DryRun = false
	if _, err := s.Imports.UpdateImport(r.Context(), job.ID, callsheet.ImportJobUpdate{Options: &opts}); err != nil {
		return err
	}
	http.Redirect(w, r, "/imports/"+itoa(job.ID)+"/mapping", http.StatusSeeOther)
	return nil
}

func (s *Server) handleImportCancel(w http.ResponseWriter, r *http.Request) error {
	job, err := s.loadImportJob(r)
	if err != nil {
		return err
	}
	if _, err := s.Imports.CancelImport(r.Context(), job.ID); err != nil {
		return err
	}
	redirect(w, r, "/imports/"+itoa(job.ID), tr(r, "Import cancelled; nothing was written."))
	return nil
}

func (s *Server) handleImportUndo(w http.ResponseWriter, r *http.Request) error {
	job, err := s.loadImportJob(r)
	if err != nil {
		return err
	}
	res, err := s.Imports.UndoImport(r.Context(), job.ID)
	if err != nil {
		return err
	}
	job, err = s.Imports.FindImport(r.Context(), job.ID)
	if err != nil {
		return err
	}
	return s.renderImportJob(w, r, job, &page{Flash: undoFlash(r, res)}, res)
}

// undoFlash says in one line what undoing an import did, the campaign
// access taken back among it; the page lists the details.
func undoFlash(r *http.Request, res *callsheet.UndoResult) string {
	msg := []string{tr(r, "Import undone.")}
	if n := len(res.AgentsRevoked); n > 0 {
		msg = append(msg, tr(r, "Took the campaign back from %d agents.", n))
	}
	if n := len(res.AgentsKept); n > 0 {
		msg = append(msg, tr(r, "%d agents keep it, for customers still theirs.", n))
	}
	return strings.Join(msg, " ")
}

// progressJSON is what the progress bar polls.
type progressJSON struct {
	State   callsheet.ImportState `json:"state"`
	Phase   string                `json:"phase"`
	Rows    int                   `json:"rows"`
	Written int                   `json:"written"`
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
	writeJSON(w, http.StatusOK, progressJSON{State: job.State, Phase: importPhase(job), Rows: job.RowsRead, Written: job.RowsWritten,
		Percent: percent(job), Done: job.State.Finished()})
}

// handleImportProblemsCSV downloads the problem rows, for people: in the
// reader's language.
func (s *Server) handleImportProblemsCSV(w http.ResponseWriter, r *http.Request) error {
	job, err := s.loadImportJob(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+downloadName("import-"+itoa(job.ID)+"-problems")+`.csv"`)
	// A byte-order mark makes Excel read the UTF-8 (Hebrew names) right.
	w.Write([]byte("\ufeff"))
	// The file's cells are balanced as they go out (see bidiCSV).
	out := newBidiCSV(w)
	err = s.Imports.WriteProblemReport(r.Context(), job.ID, callsheet.ReportForPeople.In(langOf(r)), out)
	if err == nil {
		err = out.Close()
	}
	if err != nil {
		s.Logger.Error("problem report", "job", job.ID, "err", err)
	}
	return nil
}

// handleCampaignExport downloads the campaign's customers for people (see
// exportCampaignCSV).
func (s *Server) handleCampaignExport(w http.ResponseWriter, r *http.Request) error {
	return s.exportCampaignCSV(w, r)
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
