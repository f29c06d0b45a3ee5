package importer

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/callsheet/callsheet"
	"github.com/callsheet/callsheet/i18n"
	"github.com/callsheet/callsheet/sheet"
)

// SafeCell neutralises a cell that a spreadsheet would run as a formula
// (starting with = + - @, or a tab or carriage return), by prefixing a
// single quote, as OWASP advises for CSV exports. Cells that are only a
// number as people write phones (+972 52-234-5678, -12.5) cannot call
// anything and are left readable.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '@', '\t', '\r':
		return "'" + s
	case '+', '-':
		if !plainNumber(s) {
			return "'" + s
		}
	}
	return s
}

// plainNumber reports whether s holds only digits and the separators of
// numbers and phones, with at least one digit.
func plainNumber(s string) bool {
	digit := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digit = true
		case c == '+' || c == '-' || c == ' ' || c == '.' || c == '(' || c == ')':
		default:
			return false
		}
	}
	return digit
}

// safeWriter writes CSV records with every cell neutralised.
type safeWriter struct {
	w   *csv.Writer
	buf []string
}

func newSafeWriter(w io.Writer) *safeWriter { return &safeWriter{w: csv.NewWriter(w)} }

func (s *safeWriter) write(rec []string) error {
	s.buf = s.buf[:0]
	for _, c := range rec {
		s.buf = append(s.buf, SafeCell(c))
	}
	return s.w.Write(s.buf)
}

func (s *safeWriter) flush() error {
	s.w.Flush()
	return s.w.Error()
}

// problemPage is how many problems are read from the store at a time.
const problemPage = 5000

// WriteProblemReport implements callsheet.ImportService. It reads the
// stored file again beside the job's problems, both in line order, so
// memory holds one page of problems whatever the file's size. A row that
// deleted customers of other campaigns (Move them here) names them, and
// the campaigns, in its reason. For people, outcomes are in the words of
// the pages, as what happened or, for an import that wrote nothing, what
// would have, and the header and reasons are in the reader's language;
// for programs, the API's codes and English.
func (s *Service) WriteProblemReport(ctx context.Context, id int64, reader callsheet.ReportReader, w io.Writer) error {
	job, err := s.Jobs.FindImportJobByID(ctx, id)
	if err != nil {
		return err
	}
	out := newSafeWriter(w)
	probs := &problemCursor{ctx: ctx, applier: s.Applier, job: id}
	var table sheet.Table
	if job.FileSize > 0 {
		rc, err := s.Jobs.OpenImportFile(ctx, id)
		if err != nil {
			return err
		}
		defer rc.Close()
		if table, err = sheet.Open(rc, job.FileName, sheet.ReadOptions{Encoding: job.Encoding, Sheet: job.Sheet}); err != nil {
			table = nil // an unreadable file: report the problems alone
		} else {
			defer table.Close()
		}
	}
	people := !reader.Programs
	lang := i18n.English
	if people && i18n.Supported(reader.Lang) {
		lang = reader.Lang
	}
	// The header's own columns: the reader's words (the English words
	// are the codes programs read).
	word := func(key string) string { return i18n.T(lang, key) }
	head := []string{word("line"), word("outcome"), word("reason")}
	if table != nil {
		head = append(head, table.Header()...)
	} else {
		head = append(head, word("column"))
	}
	if err := out.write(head); err != nil {
		return err
	}
	row := func(p callsheet.RowResult, cells []string) error {
		reason, outcome := p.Message, string(p.Outcome)
		if people {
			outcome = i18n.T(lang, p.Outcome.LabelFor(job.Applied))
		}
		switch {
		case p.Blocked && p.Outcome.Written():
			msgs := []callsheet.Message{blockedReason(p.Outcome, people && !job.Applied)}
			// The customers deleted elsewhere stay in the reason.
			if m := callsheet.RemovalMsg(p.RemovedElsewhere); m.Key != "" {
				msgs = append(msgs, m)
			}
			reason = Translate(lang, msgs)
			if lang == i18n.English {
				reason = joinMsgs(msgs)
			}
		case lang != i18n.English:
			reason = Translate(lang, Reason(p))
		}
		return out.write(append([]string{strconv.Itoa(p.Line), outcome, reason}, cells...))
	}
	if table != nil {
		for {
			p, ok, err := probs.peek()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			rec, err := table.Next()
			var re *sheet.RowError
			switch {
			case err == io.EOF:
				// Problems past the end of the file: report them bare.
				for ok {
					if err := row(p, nil); err != nil {
						return err
					}
					probs.next()
					if p, ok, err = probs.peek(); err != nil {
						return err
					}
				}
				return out.flush()
			case errors.As(err, &re):
				rec = sheet.Record{Line: re.Line}
			case err != nil:
				return err
			}
			for ok && p.Line < rec.Line { // a line the reader never returned
				if err := row(p, nil); err != nil {
					return err
				}
				probs.next()
				if p, ok, err = probs.peek(); err != nil {
					return err
				}
			}
			if ok && p.Line == rec.Line {
				if err := row(p, rec.Fields); err != nil {
					return err
				}
				probs.next()
			}
		}
		return out.flush()
	}
	for {
		p, ok, err := probs.peek()
		if err != nil {
			return err
		}
		if !ok {
			return out.flush()
		}
		if err := row(p, []string{p.Column}); err != nil {
			return err
		}
		probs.next()
	}
}

// blockedReason is the reason of a row written, or that would have been
// (would), and left blocked by do-not-call.
func blockedReason(o callsheet.Outcome, would bool) callsheet.Message {
	switch {
	case o == callsheet.OutcomeAdded && would:
		return callsheet.Msg("Would be added, but blocked: the customer asked not to be called.")
	case o == callsheet.OutcomeAdded:
		return callsheet.Msg("Added, but blocked: the customer asked not to be called.")
	case would:
		return callsheet.Msg("Would be blocked: the customer asked not to be called.")
	}
	return callsheet.Msg("Blocked: the customer asked not to be called.")
}

// problemCursor walks a job's problems page by page.
type problemCursor struct {
	ctx     context.Context
	applier callsheet.ImportApplier
	job     int64
	page    []callsheet.RowResult
	i, off  int
	done    bool
}

func (c *problemCursor) peek() (callsheet.RowResult, bool, error) {
	if c.i >= len(c.page) {
		if c.done {
			return callsheet.RowResult{}, false, nil
		}
		page, _, err := c.applier.FindImportProblems(c.ctx, c.job, c.off, problemPage)
		if err != nil {
			return callsheet.RowResult{}, false, err
		}
		c.page, c.i, c.off = page, 0, c.off+len(page)
		if len(page) < problemPage {
			c.done = true
		}
		if len(page) == 0 {
			return callsheet.RowResult{}, false, nil
		}
	}
	return c.page[c.i], true, nil
}

func (c *problemCursor) next() { c.i++ }

// ExportColumns are the columns of an export, before the custom fields.
var ExportColumns = []string{
	callsheet.FieldName, callsheet.FieldLastName, callsheet.FieldPhone, callsheet.FieldEmail, callsheet.FieldAgent,
	callsheet.FieldFollowUpAt, callsheet.FieldCreatedAt, callsheet.FieldSource, callsheet.FieldNote, callsheet.FieldExternalID,
	"status", "contact_allowed_at", "blocked",
}

// exportPage is how many customers an export reads at a time.
const exportPage = 2000

// Export implements callsheet.ImportService: the campaign's customers with
// the import's field names, plus status, contact_allowed_at and blocked;
// custom fields by label; times in RFC 3339 with the account's offset.
func (s *Service) Export(ctx context.Context, campaignID int64, format string, w io.Writer) error {
	a := callsheet.ActorFromContext(ctx)
	if a == nil {
		return callsheet.Errorf(callsheet.EUNAUTHORIZED, "You must log in.")
	}
	if format != "csv" && format != "jsonl" {
		return callsheet.Errorf(callsheet.EINVALID, "Format must be csv or jsonl.")
	}
	acc, err := s.Accounts.FindAccountByID(ctx, a.AccountID)
	if err != nil {
		return err
	}
	loc := acc.Location()
	users, _, err := s.Users.FindUsers(ctx, callsheet.UserFilter{})
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, u := range users {
		names[u.ID] = u.Name
	}
	sts, _, err := s.Statuses.FindStatuses(ctx, callsheet.StatusFilter{})
	if err != nil {
		return err
	}
	statuses := map[int64]string{}
	for _, st := range sts {
		statuses[st.ID] = st.Name
	}
	fields, err := s.CustomFields.FindCustomFields(ctx)
	if err != nil {
		return err
	}
	head := append([]string(nil), ExportColumns...)
	for _, f := range fields {
		head = append(head, f.Label)
	}
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(loc).Format(time.RFC3339)
	}
	var cw *safeWriter
	var enc *json.Encoder
	if format == "csv" {
		cw = newSafeWriter(w)
		if err := cw.write(head); err != nil {
			return err
		}
	} else {
		enc = json.NewEncoder(w)
		enc.SetEscapeHTML(false)
	}
	var after int64
	cells := make([]string, len(head))
	for {
		page, _, err := s.Customers.FindCustomers(ctx, callsheet.CustomerFilter{CampaignID: &campaignID, AfterID: &after,
			Sort: callsheet.SortOldest, Limit: exportPage, NoTotal: true})
		if err != nil {
			return err
		}
		for _, c := range page {
			created := c.CreatedAt
			copy(cells, []string{c.Name, c.LastName, c.Phone, c.Email, names[c.AgentID], ts(c.FollowUpAt), ts(&created),
				c.Source, c.Note, c.ExternalID, statuses[c.StatusID], ts(c.ContactAllowedAt), strconv.FormatBool(c.Blocked)})
			for i, f := range fields {
				cells[len(ExportColumns)+i] = c.Custom[f.ID]
			}
			if cw != nil {
				if err := cw.write(cells); err != nil {
					return err
				}
				continue
			}
			obj := make(map[string]any, len(head))
			for i, h := range head {
				obj[h] = cells[i]
			}
			obj["blocked"] = c.Blocked
			obj["id"] = c.ID
			if err := enc.Encode(obj); err != nil {
				return err
			}
		}
		if len(page) < exportPage {
			break
		}
		after = page[len(page)-1].ID
	}
	if cw != nil {
		return cw.flush()
	}
	return nil
}
