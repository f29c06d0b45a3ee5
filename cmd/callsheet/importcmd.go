package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/importer"
	"github.com/callsheet/callsheet/internal/app"
	"github.com/callsheet/callsheet/sheet"
)

// importService is the import engine of the services.
func importService(svc servicesT) *importer.Service { return app.Importer(svc) }

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, lang := newFlags(ctx, "import", stderr)
	dsn := dbFlag(fs, lang)
	account := fs.String("account", "", say(lang, "account name"))
	campaign := fs.String("campaign", "", say(lang, "campaign name (or id)"))
	status := fs.String("status", "", say(lang, "status of the whole upload (name or id; default: the initial status)"))
	file := fs.String("file", "", say(lang, "CSV, TSV or XLSX file"))
	var opts callsheet.ImportOptions
	fs.BoolVar(&opts.International, "international", false, say(lang, "numbers carry a country code even without +"))
	fs.BoolVar(&opts.Override, "override", false, say(lang, "update customers already in the campaign, in the matched fields"))
	fs.BoolVar(&opts.UpdateContactAllowed, "update-contact-allowed", false, say(lang, "set the contact-allowed date to now (unblocks do-not-call)"))
	fs.BoolVar(&opts.Reset, "reset", false, say(lang, "reset existing customers to the upload's status and clear their follow-up"))
	unique := fs.String("unique", "any", say(lang, "customers in other campaigns: any, move or only-new"))
	agents := fs.String("agents", "grant", say(lang, "agents the rows name who do not work the campaign: grant (give them the campaign), unassign or refuse"))
	mapFlag := fs.String("map", "", say(lang, "field=Column pairs, comma-separated (default: suggested from the header)"))
	encoding := fs.String("encoding", "auto", say(lang, "file encoding: auto, utf-8, utf-16le, utf-16be, windows-1255, windows-1252, iso-8859-8"))
	sheetName := fs.String("sheet", "", say(lang, "XLSX sheet (default: the first)"))
	fs.BoolVar(&opts.LoadValid, "load-valid", false, say(lang, "write the valid rows even if some are invalid"))
	fs.BoolVar(&opts.DryRun, "dry-run", false, say(lang, "report what would happen, write nothing"))
	report := fs.String("report", "", say(lang, "write the rows not added or updated to this CSV file"))
	asJSON := fs.Bool("json", false, say(lang, "print the counts, agents and removals as one JSON object"))
	timings := fs.Bool("timings", false, say(lang, "print how long each phase took, to stderr"))
	cpuProfile := fs.String("cpuprofile", "", say(lang, "write a CPU profile of the import to this file"))
	if err := fs.Parse(args); err != nil {
		return err
	}
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	opts.Unique, opts.Agents = callsheet.UniqueMode(*unique), callsheet.AgentsMode(*agents)
	if err := opts.Validate(); err != nil {
		return err
	}
	if *file == "" {
		return callsheet.Errorf(callsheet.EINVALID, "--file is required.")
	}
	db, svc, actx, err := openAccount(ctx, *dsn, *account)
	if err != nil {
		return err
	}
	defer db.Close()
	camp, err := findCampaign(actx, svc.Campaigns, *campaign)
	if err != nil {
		return err
	}
	if *status != "" {
		st, err := findStatus(actx, svc.Statuses, *status)
		if err != nil {
			return err
		}
		opts.StatusID = st.ID
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	mapping, err := cliMapping(actx, svc, *mapFlag, f, *file, *encoding, *sheetName)
	if err != nil {
		return err
	}
	if !*asJSON {
		sayln(stderr, lang, "Mapping: %s", describeMapping(mapping))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}

	a := app.Of(svc)
	imp := a.Importer
	if *timings {
		a.ImportStore.Timings = func(phase string, d time.Duration) {
			fmt.Fprintf(stderr, "  %-24s %8.3f s\n", phase, d.Seconds())
		}
	}
	job := &callsheet.ImportJob{CampaignID: camp.ID, Source: "cli", FileName: filepath.Base(*file), Encoding: *encoding, Sheet: *sheetName,
		Mapping: mapping, Options: opts}
	var progress func(rows, bytes int64)
	if isTerminal(stderr) && !*asJSON {
		bar := &progressBar{w: stderr, lang: lang, total: info.Size(), start: time.Now()}
		progress = bar.update
		defer bar.done()
	}
	res, err := imp.RunNow(actx, job, f, progress)
	if err != nil {
		return err
	}
	if *report != "" {
		out, err := os.Create(*report)
		if err != nil {
			return err
		}
		if err := imp.WriteProblemReport(actx, job.ID, callsheet.ReportForPeople.In(lang), out); err != nil {
			out.Close()
			return err
		}
		if err := out.Close(); err != nil {
			return err
		}
	}
	if *asJSON {
		if err := json.NewEncoder(stdout).Encode(newImportJSON(job.ID, res)); err != nil {
			return err
		}
	} else {
		printCounts(stdout, lang, job.ID, res, opts.Agents)
	}
	if !res.Applied && !opts.DryRun {
		return callsheet.Errorf(callsheet.EINVALID, "Nothing was written: %s", cliRefusal(opts, res))
	}
	return nil
}

// importJSON is what import --json prints: the counts, as the object's
// own keys (as before there was more), then what else the import did.
type importJSON struct {
	callsheet.ImportCounts
	JobID         int64                     `json:"job_id"`
	Applied       bool                      `json:"applied"`
	Refused       string                    `json:"refused,omitempty"`
	AgentsOutside []callsheet.ImportAgent   `json:"agents_outside"`
	AgentsGranted []callsheet.ImportAgent   `json:"agents_granted"`
	RemovedFrom   []callsheet.CampaignCount `json:"removed_from"`
	// UnmatchedColumns are the file's columns no field takes.
	UnmatchedColumns []string `json:"unmatched_columns"`
}

func newImportJSON(jobID int64, res *callsheet.ImportResult) importJSON {
	out := importJSON{ImportCounts: res.Counts, JobID: jobID, Applied: res.Applied, Refused: res.Refused,
		AgentsOutside: res.AgentsOutside, AgentsGranted: res.AgentsGranted, RemovedFrom: res.RemovedFrom,
		UnmatchedColumns: res.UnmatchedColumns}
	for _, l := range []*[]callsheet.ImportAgent{&out.AgentsOutside, &out.AgentsGranted} {
		if *l == nil {
			*l = []callsheet.ImportAgent{}
		}
	}
	if out.RemovedFrom == nil {
		out.RemovedFrom = []callsheet.CampaignCount{}
	}
	if out.UnmatchedColumns == nil {
		out.UnmatchedColumns = []string{}
	}
	return out
}

// cliRefusal says why an import wrote nothing, as the store's refusal
// does (callsheet.RefusalReason) but in the command's words, naming the
// options by their flags, and as a message the terminal translates.
func cliRefusal(o callsheet.ImportOptions, res *callsheet.ImportResult) callsheet.Message {
	var why messages
	if o.Agents.Rule().Refuses && len(res.AgentsOutside) > 0 {
		agents := messages{Sep: "; "}
		for i, a := range res.AgentsOutside {
			if i == maxNamedAgents {
				last := &agents.List[i-1]
				*last = callsheet.Msg("%[1]s (and %[2]d other agents)", *last, len(res.AgentsOutside)-maxNamedAgents)
				break
			}
			agents.List = append(agents.List, agentMsg(a))
		}
		why.List = append(why.List, callsheet.Msg("%s. Use --agents grant to give them the campaign, or --agents unassign to leave those customers unassigned.", agents))
	}
	if res.Counts.Invalid > 0 && !o.LoadValid {
		why.List = append(why.List, callsheet.Msg("%d rows are invalid: fix them (see --report), or use --load-valid.", res.Counts.Invalid))
	}
	if len(why.List) == 0 {
		return callsheet.Msg(res.Refused)
	}
	why.Sep = " "
	return callsheet.Msg("%s", why)
}

// maxNamedAgents is how many agents a refusal names, as in the store's.
const maxNamedAgents = 10

// agentMsg says what is wrong with an agent's customers:
// "Dana Levi does not work this campaign: 2 customers".
func agentMsg(a callsheet.ImportAgent) callsheet.Message {
	return callsheet.Msg("%[1]s does not work this campaign: %[2]d customers", a.Name, a.Customers)
}

// messages is a list of messages written one after the other, each
// translated.
type messages struct {
	Sep  string
	List []callsheet.Message
}

// CatalogueKey makes the list a message of its own: its key is made of
// "%s", which the catalogues need not hold, and its arguments are the
// messages.
func (m messages) CatalogueKey() (string, []any) {
	keys := make([]string, len(m.List))
	args := make([]any, len(m.List))
	for i, msg := range m.List {
		keys[i], args[i] = "%s", msg
	}
	return strings.Join(keys, strings.ReplaceAll(m.Sep, "%", "%%")), args
}

// String is the list in English.
func (m messages) String() string {
	s := make([]string, len(m.List))
	for i, msg := range m.List {
		s[i] = msg.String()
	}
	return strings.Join(s, m.Sep)
}

// findStatus finds a status by name, or by id.
func findStatus(ctx context.Context, s callsheet.StatusService, name string) (*callsheet.Status, error) {
	sts, _, err := s.FindStatuses(ctx, callsheet.StatusFilter{Name: &name})
	if err != nil {
		return nil, err
	}
	if len(sts) == 1 {
		return sts[0], nil
	}
	if id, perr := strconv.ParseInt(name, 10, 64); perr == nil {
		return s.FindStatusByID(ctx, id)
	}
	return nil, callsheet.Errorf(callsheet.ENOTFOUND, "No status named %q (see: callsheet status list).", name)
}

// cliMapping reads --map, naming custom fields by label, or suggests a
// mapping from the file's header.
func cliMapping(ctx context.Context, svc servicesT, flagValue string, f io.Reader, name, encoding, sheetName string) (map[string]string, error) {
	fields, err := svc.CustomFields.FindCustomFields(ctx)
	if err != nil {
		return nil, err
	}
	byLabel := map[string]int64{}
	labels := make([]string, len(fields))
	for i, fl := range fields {
		byLabel[fl.Label] = fl.ID
		labels[i] = fl.Label
	}
	mapping := map[string]string{}
	if flagValue != "" {
		for _, pair := range strings.Split(flagValue, ",") {
			k, v, ok := strings.Cut(pair, "=")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if !ok || k == "" || v == "" {
				return nil, callsheet.Errorf(callsheet.EINVALID, "--map wants field=Column pairs; %q is not one.", pair)
			}
			switch {
			case callsheet.IsSystemField(k):
				mapping[k] = v
			case byLabel[k] != 0:
				mapping[sheet.CustomFieldKey(byLabel[k])] = v
			default:
				return nil, callsheet.Errorf(callsheet.EINVALID, "--map: %q is not a field; fields are %s, and custom fields by label.", k, strings.Join(callsheet.SystemFields, ", "))
			}
		}
		return mapping, nil
	}
	t, err := sheet.Open(f, name, sheet.ReadOptions{Encoding: encoding, Sheet: sheetName})
	if err != nil {
		var e *callsheet.Error
		if errors.As(err, &e) {
			return nil, err // a file error, as its message says
		}
		return nil, callsheet.Errorf(callsheet.EINVALID, "%s", err.Error())
	}
	defer t.Close()
	header := t.Header()
	for field, col := range sheet.SuggestMapping(header, labels) {
		if l, ok := strings.CutPrefix(field, "custom:"); ok {
			field = sheet.CustomFieldKey(byLabel[l])
		}
		mapping[field] = header[col]
	}
	return mapping, nil
}

func describeMapping(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ", ")
}

// printCounts says what the import did, or would do: its counts, the
// campaigns it removed customers from, and the agents outside the campaign.
func printCounts(w io.Writer, lang string, jobID int64, res *callsheet.ImportResult, agents callsheet.AgentsMode) {
	c := res.Counts
	if res.Applied {
		sayln(w, lang, "Imported: import %s, %d rows", idText(jobID), c.Total)
	} else {
		sayln(w, lang, "Checked (nothing written): import %s, %d rows", idText(jobID), c.Total)
	}
	lines := countLines(c)
	width := 34
	for _, l := range lines {
		width = max(width, utf8.RuneCountInString(say(lang, l.name)))
	}
	for _, l := range lines {
		if l.n > 0 {
			name := say(lang, l.name)
			fmt.Fprintf(w, "  %s%s %s\n", name, strings.Repeat(" ", width-utf8.RuneCountInString(name)), say(lang, "%d", l.n))
		}
	}
	for _, cc := range res.RemovedFrom {
		fmt.Fprintf(w, "    %s\n", say(lang, "from %s: %d customers", cc.Name, cc.Customers))
	}
	if len(res.UnmatchedColumns) > 0 {
		cols := strings.Join(res.UnmatchedColumns, ", ")
		if res.Applied {
			sayln(w, lang, "Not imported (no field takes them): %s", cols)
		} else {
			sayln(w, lang, "Would not be imported (no field takes them): %s", cols)
		}
	}
	granted := map[int64]bool{}
	for _, a := range res.AgentsGranted {
		granted[a.ID] = true
	}
	rule := agents.Rule()
	for _, a := range res.AgentsOutside {
		switch {
		case granted[a.ID]:
			sayln(w, lang, "Gave %s the campaign: %d customers", a.Name, a.Customers)
		case res.Applied && !rule.Assigns:
			sayln(w, lang, "%[1]s does not work this campaign: %[2]d customers; left unassigned", a.Name, a.Customers)
		case res.Applied:
			// given the campaign otherwise while the import ran
			sayln(w, lang, "%[1]s does not work this campaign: %[2]d customers", a.Name, a.Customers)
		case rule.Grants:
			sayln(w, lang, "%[1]s does not work this campaign: %[2]d customers; importing gives them the campaign", a.Name, a.Customers)
		case !rule.Assigns && !rule.Refuses:
			sayln(w, lang, "%[1]s does not work this campaign: %[2]d customers; importing leaves those customers unassigned", a.Name, a.Customers)
		default:
			sayln(w, lang, "%[1]s does not work this campaign: %[2]d customers", a.Name, a.Customers)
		}
	}
}

// countLines are the lines of an import's counts: what (a catalogue key)
// and how many.
func countLines(c callsheet.ImportCounts) []struct {
	name string
	n    int
} {
	return []struct {
		name string
		n    int
	}{{"added", c.Added}, {"moved here from other campaigns", c.Moved}, {"updated", c.Updated}, {"reset", c.Reset},
		{"already in the campaign, skipped", c.SkippedExisting}, {"in another campaign, skipped", c.SkippedOtherCampaign},
		{"duplicates in the file", c.DuplicateInFile}, {"invalid", c.Invalid}, {"blocked (do not call)", c.Blocked},
		{"removed from other campaigns", c.RemovedElsewhere}}
}

// isTerminal reports whether w is a terminal, for the progress bar.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar draws the import's progress on one terminal line.
type progressBar struct {
	w     io.Writer
	lang  string
	total int64
	start time.Time
}

func (p *progressBar) update(rows, bytes int64) {
	frac := 0.0
	if p.total > 0 {
		frac = float64(bytes) / float64(p.total)
	}
	if frac > 1 {
		frac = 1
	}
	const width = 30
	n := int(frac * width)
	rate := float64(rows) / max(time.Since(p.start).Seconds(), 0.001)
	fmt.Fprintf(p.w, "\r[%s%s] %3.0f%%  %s ", strings.Repeat("#", n), strings.Repeat("-", width-n), frac*100, say(p.lang, "%d rows  %.0f rows/s", rows, rate))
}

func (p *progressBar) done() { fmt.Fprintln(p.w) }

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, lang := newFlags(ctx, "export", stderr)
	dsn := dbFlag(fs, lang)
	account := fs.String("account", "", say(lang, "account name"))
	campaign := fs.String("campaign", "", say(lang, "campaign name (or id)"))
	format := fs.String("format", "csv", say(lang, "csv or jsonl"))
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, svc, actx, err := openAccount(ctx, *dsn, *account)
	if err != nil {
		return err
	}
	defer db.Close()
	camp, err := findCampaign(actx, svc.Campaigns, *campaign)
	if err != nil {
		return err
	}
	return importService(svc).Export(actx, camp.ID, *format, stdout)
}
