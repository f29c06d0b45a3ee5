package web

import (
	"encoding/csv"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/i18n"
	"github.com/callsheet/callsheet/importer"
)

// lookups holds the account's statuses, users and custom fields, to show
// names for ids.
type lookups struct {
	Statuses     []*callsheet.Status
	Users        []*callsheet.User
	CustomFields []*callsheet.CustomField
	status       map[int64]*callsheet.Status
	user         map[int64]*callsheet.User
}

// StatusName returns the name of a status id.
func (l *lookups) StatusName(id int64) string {
	if s := l.status[id]; s != nil {
		return s.Name
	}
	return ""
}

// StatusKind returns the kind of a status id.
func (l *lookups) StatusKind(id int64) string {
	if s := l.status[id]; s != nil {
		return string(s.Kind)
	}
	return ""
}

// UserName returns the name of a user id.
func (l *lookups) UserName(id int64) string {
	if u := l.user[id]; u != nil {
		return u.Name
	}
	return ""
}

// Agents returns the active users customers can be assigned to.
func (l *lookups) Agents() []*callsheet.User {
	var out []*callsheet.User
	for _, u := range l.Users {
		if u.Active {
			out = append(out, u)
		}
	}
	return out
}

func (s *Server) loadLookups(r *http.Request) (*lookups, error) {
	ctx := r.Context()
	l := &lookups{status: map[int64]*callsheet.Status{}, user: map[int64]*callsheet.User{}}
	var err error
	if l.Statuses, _, err = s.Statuses.FindStatuses(ctx, callsheet.StatusFilter{}); err != nil {
		return nil, err
	}
	if l.Users, _, err = s.Users.FindUsers(ctx, callsheet.UserFilter{}); err != nil {
		return nil, err
	}
	if l.CustomFields, err = s.CustomFields.FindCustomFields(ctx); err != nil {
		return nil, err
	}
	for _, st := range l.Statuses {
		l.status[st.ID] = st
	}
	for _, u := range l.Users {
		l.user[u.ID] = u
	}
	return l, nil
}

type campaignPage struct {
	Campaign  *callsheet.Campaign
	Customers []*callsheet.Customer
	Counts    []callsheet.StatusCount
	Total     int
	More      bool // more than UpTo match: the count stopped there
	UpTo      int
	Filter    campaignFilter
	Pager     pager
	// History is the campaign's imports for admins: files and batches,
	// and the single adds summed by day.
	History []historyLine
	*lookups
}

type campaignFilter struct {
	Q, Sort       string
	Status, Agent int64
	HasAgent      bool
}

const customersPerPage = 50

// campaignOfPath finds the campaign of the path's id: not found for a
// campaign of another account or an agent's other one.
func (s *Server) campaignOfPath(r *http.Request) (*callsheet.Campaign, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.Campaigns.FindCampaignByID(r.Context(), id)
}

// nameTitle is a page title that is a name (a campaign's, a customer's):
// isolated, so that it is never taken for a catalogue key, and so that
// render leaves it as it is. The <title> drops the isolates.
func nameTitle(name string) string { return "\u2068" + name + "\u2069" }

// countUpTo is how far a campaign's page counts the matches of a search:
// past it, the page says "more than 1,000 customers", which a search
// should narrow anyway. Counting on costs a scan of the campaign: at a
// million customers, 10,000 matches took a quarter of a second.
const countUpTo = 1000

func (s *Server) handleCampaign(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c, err := s.campaignOfPath(r)
	if err != nil {
		return err
	}
	id := c.ID
	l, err := s.loadLookups(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	cf := campaignFilter{Q: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort")}
	f := callsheet.CustomerFilter{CampaignID: &id, Sort: callsheet.CustomerSort(cf.Sort), Limit: customersPerPage, CountUpTo: countUpTo}
	if cf.Q != "" {
		f.Text = &cf.Q
	}
	if v, err := strconv.ParseInt(q.Get("status"), 10, 64); err == nil && v > 0 {
		cf.Status, f.StatusID = v, &v
	}
	if a := q.Get("agent"); a != "" {
		if v, err := strconv.ParseInt(a, 10, 64); err == nil && v >= 0 {
			cf.Agent, cf.HasAgent, f.AgentID = v, true, &v
		}
	}
	// A filter by a status or user of another account is not found, as
	// the API answers it, rather than an empty list.
	if f.StatusID != nil && l.status[*f.StatusID] == nil {
		return callsheet.Errorf(callsheet.ENOTFOUND, "There is no status %d in this account.", *f.StatusID)
	}
	if f.AgentID != nil && *f.AgentID != 0 && l.user[*f.AgentID] == nil {
		return callsheet.Errorf(callsheet.ENOTFOUND, "There is no user %d in this account.", *f.AgentID)
	}
	f.Offset = (pageOf(r) - 1) * customersPerPage
	list, total, err := s.Customers.FindCustomers(ctx, f)
	if err != nil {
		return err
	}
	pg := newPager(r, total, customersPerPage)
	if pg.Offset() != f.Offset { // asked for a page past the end
		f.Offset = pg.Offset()
		if list, total, err = s.Customers.FindCustomers(ctx, f); err != nil {
			return err
		}
	}
	counts, err := s.Customers.CountCustomersByStatus(ctx, id)
	if err != nil {
		return err
	}
	d := &campaignPage{Campaign: c, Customers: list, Counts: counts, Total: total, More: total > countUpTo, UpTo: countUpTo, Filter: cf, Pager: pg, lookups: l}
	if sessionFrom(r).User.Role == callsheet.RoleAdmin {
		d.History = s.campaignHistory(r, id)
	}
	s.render(w, r, http.StatusOK, "campaign", &page{Title: nameTitle(c.Name), Nav: "campaigns", Data: d})
	return nil
}

// historyLine is one line of a campaign's import history: an import of a
// file or a batch (Job), or a day's single adds one way, by one maker
// (Singles).
type historyLine struct {
	Job     *callsheet.ImportJob
	Singles *addsLine
	when    time.Time
}

// addsLine is a day's single adds as the history shows them:
// "API · site token · 1,214 customers today".
type addsLine struct {
	*callsheet.SingleAdds
	Way  string // how they came in, in words
	By   string // the token's or user's name
	Link string // the list of those adds
	// Words is the line in the reader's language, names in <bdi>.
	Words template.HTML
}

// Entries of the history, and how far back it sums single adds.
const (
	historyImports = 10
	historyDays    = 30
)

// campaignHistory lists the campaign's latest files and batches and its
// single adds of the last days, newest first. A site sending leads one
// at a time makes one line a day, not one per lead. The history is a
// courtesy of the page: what cannot be read is left out.
func (s *Server) campaignHistory(r *http.Request, campaignID int64) []historyLine {
	ctx := r.Context()
	batches := false
	jobs, _, err := s.Imports.FindImports(ctx, callsheet.ImportJobFilter{CampaignID: &campaignID, Single: &batches, Limit: historyImports})
	if err != nil {
		return nil
	}
	var out []historyLine
	for _, j := range jobs {
		out = append(out, historyLine{Job: j, when: j.CreatedAt})
	}
	loc := sessionFrom(r).Account.Location()
	now := time.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	adds, err := s.Imports.FindSingleAdds(ctx, callsheet.SingleAddsFilter{CampaignID: campaignID, Location: loc,
		From: today.AddDate(0, 0, 1-historyDays), Before: today.AddDate(0, 0, 1)})
	if err != nil {
		s.Logger.Error("single adds", "campaign", campaignID, "err", err)
		return out // the files and batches, at least
	}
	names := s.tokenNames(r)
	for i, a := range adds {
		if i == historyImports {
			break
		}
		out = append(out, historyLine{Singles: newAddsLine(langOf(r), campaignID, a, names, today), when: a.Last})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].when.After(out[j].when) })
	return out
}

// tokenNames returns the names of the account's API tokens by id, to
// name the token single adds came through as it is called now.
func (s *Server) tokenNames(r *http.Request) map[int64]string {
	names := map[int64]string{}
	if toks, err := s.Tokens.FindAPITokens(r.Context()); err == nil {
		for _, t := range toks {
			names[t.ID] = t.Name
		}
	}
	return names
}

// newAddsLine words a day's single adds in lang; today is the account's
// today.
func newAddsLine(lang string, campaignID int64, a *callsheet.SingleAdds, tokens map[int64]string, today time.Time) *addsLine {
	l := &addsLine{SingleAdds: a, Way: sourceWords(lang, a.Source), By: a.CreatedBy}
	if a.TokenID != 0 && tokens[a.TokenID] != "" {
		l.By = tokens[a.TokenID]
	}
	when := "%s today"
	var whenArgs []any
	switch {
	case a.Day.Equal(today):
	case a.Day.Equal(today.AddDate(0, 0, -1)):
		when = "%s yesterday"
	default:
		when, whenArgs = "%s on %s", []any{a.Day.Format("02-01-2006")}
	}
	by := template.HTML("<bdi>" + template.HTMLEscapeString(l.By) + "</bdi>")
	if a.TokenID != 0 {
		by = i18n.HTML(lang, "%s token", l.By)
	}
	n := i18n.HTML(lang, "%d customers", a.Adds)
	l.Words = template.HTML(template.HTMLEscapeString(l.Way)) + " · " + by + " · " +
		i18n.HTML(lang, when, append([]any{n}, whenArgs...)...)
	q := url.Values{"day": {a.Day.Format("2006-01-02")}, "source": {a.Source}}
	if a.TokenID != 0 {
		q.Set("token", itoa(a.TokenID))
	} else {
		q.Set("user", itoa(a.UserID))
	}
	l.Link = "/campaigns/" + itoa(campaignID) + "/adds?" + q.Encode()
	return l
}

// sourceWords names the way single adds came in, in lang.
func sourceWords(lang, source string) string {
	switch source {
	case "api":
		return i18n.T(lang, "API")
	case "form":
		return i18n.T(lang, "Add customer form")
	}
	return source
}

// campaignAddsPage lists the single adds of one history line, each with
// its customer and what became of it.
type campaignAddsPage struct {
	Campaign *callsheet.Campaign
	Line     *addsLine
	Adds     []singleAdd
	Pager    pager
}

// singleAdd is one add of the list: its job, and its one row's outcome
// and customer, if the customer is still there.
type singleAdd struct {
	Job      *callsheet.ImportJob
	Outcome  string
	Message  string
	Customer *callsheet.Customer
}

const addsPerPage = 50

// handleCampaignAdds lists the single adds behind a line of the
// campaign's history: one day (of the account's zone), one way in, one
// token or user. Each links to its import, where it can be undone.
func (s *Server) handleCampaignAdds(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c, err := s.campaignOfPath(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	loc := sessionFrom(r).Account.Location()
	day, err := time.ParseInLocation("2006-01-02", q.Get("day"), loc)
	if err != nil {
		return callsheet.Errorf(callsheet.EINVALID, "The day must be written YYYY-MM-DD, not \"%s\".", q.Get("day"))
	}
	source := q.Get("source")
	single := true
	next := day.AddDate(0, 0, 1)
	f := callsheet.ImportJobFilter{CampaignID: &c.ID, Single: &single, Source: &source, CreatedFrom: &day, CreatedBefore: &next,
		Limit: addsPerPage, Offset: (pageOf(r) - 1) * addsPerPage}
	a := &callsheet.SingleAdds{Day: day, Source: source}
	if v, err := strconv.ParseInt(q.Get("token"), 10, 64); err == nil && v > 0 {
		a.TokenID, f.TokenID = v, &v
	} else if v, err := strconv.ParseInt(q.Get("user"), 10, 64); err == nil && v >= 0 {
		var none int64
		a.UserID, f.UserID, f.TokenID = v, &v, &none
	} else {
		return callsheet.Errorf(callsheet.EINVALID, "Say whose adds to list: a token or a user.")
	}
	jobs, total, err := s.Imports.FindImports(ctx, f)
	if err != nil {
		return err
	}
	a.Adds = total
	if len(jobs) > 0 {
		a.CreatedBy = jobs[0].CreatedBy
	}
	now := time.Now().In(loc)
	d := &campaignAddsPage{Campaign: c, Line: newAddsLine(langOf(r), c.ID, a, s.tokenNames(r), time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)),
		Pager: newPager(r, total, addsPerPage)}
	for _, j := range jobs {
		d.Adds = append(d.Adds, s.singleAdd(r, j))
	}
	title := d.Line.Way + " · " + nameTitle(d.Line.By) + " · " + day.Format("02-01-2006")
	s.render(w, r, http.StatusOK, "campaign_adds", &page{Title: title, Nav: "campaigns", Data: d})
	return nil
}

// storedText translates a message stored as it was written (an import's
// error, a row's message): one that is a catalogue key without arguments
// is shown in the reader's language, any other as it is.
func storedText(r *http.Request, msg string) string {
	if lang := langOf(r); !strings.Contains(msg, "%") && i18n.Has(lang, msg) {
		return i18n.T(lang, msg)
	}
	return msg
}

// singleAdd finds what became of a single add's one row, and its customer,
// in the reader's words.
func (s *Server) singleAdd(r *http.Request, j *callsheet.ImportJob) singleAdd {
	a := singleAdd{Job: j}
	switch j.State {
	case callsheet.ImportUndone:
		a.Outcome = tr(r, "Undone")
		return a
	case callsheet.ImportFailed, callsheet.ImportCancelled:
		a.Outcome, a.Message = tr(r, "Nothing written"), storedText(r, j.Error)
		return a
	case callsheet.ImportDone:
	default:
		a.Outcome = tr(r, "Running")
		return a
	}
	a.Outcome = storedText(r, countsOutcome(j.Counts).LabelFor(j.Applied))
	if !j.Applied && j.Refused != "" {
		var parts []string
		for _, m := range refusalMsgs(j) {
			parts = append(parts, trMsg(r, m))
		}
		a.Message = strings.Join(parts, " ")
	}
	rows, _, err := s.Imports.FindImportRows(r.Context(), j.ID, 0, 1)
	if err != nil || len(rows) == 0 {
		return a // its customer is no longer there
	}
	a.Outcome = storedText(r, rows[0].Outcome.LabelFor(j.Applied))
	if rows[0].Message != "" {
		a.Message = storedText(r, rows[0].Message)
	}
	if rows[0].CustomerID != 0 {
		if c, err := s.Customers.FindCustomerByID(r.Context(), rows[0].CustomerID); err == nil {
			a.Customer = c
		}
	}
	return a
}

// countsOutcome is the one outcome a single add's counts hold.
func countsOutcome(c callsheet.ImportCounts) callsheet.Outcome {
	for _, o := range []struct {
		n   int
		out callsheet.Outcome
	}{{c.Added, callsheet.OutcomeAdded}, {c.Moved, callsheet.OutcomeMoved}, {c.Updated, callsheet.OutcomeUpdated},
		{c.Reset, callsheet.OutcomeReset}, {c.SkippedExisting, callsheet.OutcomeSkippedExisting},
		{c.SkippedOtherCampaign, callsheet.OutcomeSkippedOtherCampaign}, {c.Invalid, callsheet.OutcomeInvalid}} {
		if o.n > 0 {
			return o.out
		}
	}
	return ""
}

// exportPerRead is how many customers the CSV export reads at a time.
const exportPerRead = 2000

// exportCampaignCSV writes the campaign's customers as a CSV file for
// people, as the pages show them: headers in the reader's language,
// phones as the account's country writes them, dates DD-MM-YYYY HH:MM in
// the account's zone, custom fields by label. Programs have the API and
// the command line's export, with E.164 phones and field names.
//
// A cell a spreadsheet would run as a formula is neutralised, and each
// cell is balanced (see bidiCSV). An error before the first byte shows
// the error page; one after is logged, since the file is on its way.
func (s *Server) exportCampaignCSV(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c, err := s.campaignOfPath(r)
	if err != nil {
		return err
	}
	l, err := s.loadLookups(r)
	if err != nil {
		return err
	}
	lang, acc := langOf(r), sessionFrom(r).Account
	loc := acc.Location()
	head := []string{
		i18n.T(lang, "Name"), i18n.T(lang, "Last name"), i18n.T(lang, "Phone"), i18n.T(lang, "Email"),
		i18n.T(lang, "Agent"), i18n.T(lang, "Follow-up"), i18n.T(lang, "Created"), i18n.T(lang, "Source"),
		i18n.T(lang, "Notes"), i18n.T(lang, "CRM id"), i18n.T(lang, "Status"), i18n.T(lang, "Contact allowed"),
		i18n.T(lang, "Blocked"),
	}
	fixed := len(head)
	dates := map[int64]bool{}
	for _, f := range l.CustomFields {
		head = append(head, f.Label)
		dates[f.ID] = f.Type == callsheet.FieldDate
	}
	when := func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return ""
		}
		return t.In(loc).Format(DateTimeLayout)
	}
	yes, no := i18n.T(lang, "Yes"), i18n.T(lang, "No")

	var after int64
	first, _, err := s.Customers.FindCustomers(ctx, callsheet.CustomerFilter{CampaignID: &c.ID, AfterID: &after,
		Sort: callsheet.SortOldest, Limit: exportPerRead, NoTotal: true})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+downloadName(c.Name)+`.csv"`)
	// A byte-order mark makes Excel read the UTF-8 (Hebrew names) right.
	w.Write([]byte("\ufeff"))
	out := newBidiCSV(w)
	cw := csv.NewWriter(out)
	write := func(rec []string) error {
		for i, v := range rec {
			rec[i] = importer.SafeCell(v)
		}
		return cw.Write(rec)
	}
	err = write(append([]string(nil), head...))
	cells := make([]string, len(head))
	for page := first; err == nil; {
		for _, cu := range page {
			created := cu.CreatedAt
			blocked := no
			if cu.Blocked {
				blocked = yes
			}
			copy(cells, []string{cu.Name, cu.LastName, displayPhone(cu.Phone, acc.Country), cu.Email, l.UserName(cu.AgentID),
				when(cu.FollowUpAt), when(&created), cu.Source, cu.Note, cu.ExternalID, l.StatusName(cu.StatusID),
				when(cu.ContactAllowedAt), blocked})
			for i, f := range l.CustomFields {
				v := cu.Custom[f.ID]
				if dates[f.ID] {
					v = customDate(v)
				}
				cells[fixed+i] = v
			}
			if err = write(cells); err != nil {
				break
			}
		}
		if err != nil || len(page) < exportPerRead {
			break
		}
		after = page[len(page)-1].ID
		page, _, err = s.Customers.FindCustomers(ctx, callsheet.CustomerFilter{CampaignID: &c.ID, AfterID: &after,
			Sort: callsheet.SortOldest, Limit: exportPerRead, NoTotal: true})
	}
	if err == nil {
		cw.Flush()
		err = cw.Error()
	}
	if err == nil {
		err = out.Close()
	}
	if err != nil {
		s.Logger.Error("export", "campaign", c.ID, "err", err)
	}
	return nil
}
