package sheet

import (
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callsheet/callsheet"
)

// Target is what rows are read against: the account's phone region and
// time zone, its agents (by name, exactly as in the system) and its custom
// fields.
type Target struct {
	Region       string
	Location     *time.Location
	Agents       map[string]int64
	CustomFields []*callsheet.CustomField
}

// RowMapper turns the records of a file into normalised rows, following a
// mapping of fields to the file's columns.
type RowMapper struct {
	header []string
	target Target
	phones *PhoneNormalizer
	cols   []mappedColumn
	agents []string // sorted names, for suggestions
}

type mappedColumn struct {
	field  string // system field, or custom_field_<id>
	column string
	index  int
	custom *callsheet.CustomField
}

// label is the field's name for messages: a custom field's own label, a
// system field's as a catalogue message, to be translated.
func (c mappedColumn) label() any {
	if c.custom != nil {
		return c.custom.Label
	}
	return callsheet.Msg(callsheet.SystemFieldLabels[c.field])
}

// multiline reports whether the field's text may hold tabs and line breaks:
// notes and text custom fields.
func (c mappedColumn) multiline() bool {
	if c.custom != nil {
		return c.custom.Type == callsheet.FieldText
	}
	return c.field == callsheet.FieldNote
}

// CustomFieldKey names a custom field in mappings and the API.
func CustomFieldKey(id int64) string { return "custom_field_" + strconv.FormatInt(id, 10) }

// NewRowMapper checks a mapping (field to column name) against the file's
// header and the account's fields. Custom fields are named custom_field_<id>.
func NewRowMapper(header []string, mapping map[string]string, t Target, international bool) (*RowMapper, error) {
	m := &RowMapper{header: header, target: t, phones: NewPhoneNormalizer(t.Region, international)}
	if t.Location == nil {
		m.target.Location = time.UTC
	}
	index := map[string]int{}
	for i, h := range header {
		index[h] = i
	}
	customs := map[string]*callsheet.CustomField{}
	for _, f := range t.CustomFields {
		customs[CustomFieldKey(f.ID)] = f
	}
	fields := make([]string, 0, len(mapping))
	for f := range mapping {
		fields = append(fields, f)
	}
	sort.Slice(fields, func(i, j int) bool { return FieldOrder(fields[i]) < FieldOrder(fields[j]) })
	for _, field := range fields {
		column := mapping[field]
		if column == "" {
			continue
		}
		i, ok := index[column]
		if !ok {
			return nil, mappingError("Column %s is not in the file; its columns are: %s.", strconv.Quote(column), strings.Join(header, ", "))
		}
		mc := mappedColumn{field: field, column: column, index: i}
		if !callsheet.IsSystemField(field) {
			if mc.custom = customs[field]; mc.custom == nil {
				return nil, mappingError("There is no field %s to match column %s to.", strconv.Quote(field), strconv.Quote(column))
			}
		}
		m.cols = append(m.cols, mc)
	}
	if mapping[callsheet.FieldPhone] == "" {
		return nil, mappingError("Match a column to Phone: customers are told apart by their phone number.")
	}
	for name := range t.Agents {
		m.agents = append(m.agents, name)
	}
	sort.Strings(m.agents)
	return m, nil
}

func mappingError(format string, args ...any) error {
	e := callsheet.Errorf(callsheet.EINVALID, format, args...)
	e.Fields = map[string]string{"mapping": e.Message}
	e.FieldMsgs = map[string]callsheet.Message{"mapping": e.Msg}
	return e
}

// FieldOrder is a field's place in the order of the form, which problems
// and mappings follow: the system fields first, as callsheet.SystemFields
// lists them, then the custom fields.
func FieldOrder(f string) int {
	for i, s := range callsheet.SystemFields {
		if s == f {
			return i
		}
	}
	return len(callsheet.SystemFields)
}

// Mapped reports the fields the mapping fills, for overrides.
func (m *RowMapper) Mapped() map[string]string {
	out := map[string]string{}
	for _, c := range m.cols {
		out[c.field] = c.column
	}
	return out
}

// Map reads one record. The row comes back with Problem set if any of its
// cells cannot be read; the problem names the first such column, and its
// message lists every one.
func (m *RowMapper) Map(rec Record) *callsheet.ImportRow {
	row := &callsheet.ImportRow{Line: rec.Line}
	var problems []cellProblem
	fail := func(c mappedColumn, msgs ...callsheet.Message) {
		problems = append(problems, cellProblem{c, msgs})
	}
	for _, c := range m.cols {
		v := strings.TrimSpace(rec.Fields[c.index])
		// Control characters and broken UTF-8 make the row invalid, the
		// same on every engine (see callsheet.TextProblem).
		if m, bad := callsheet.TextProblemMsg(c.label(), v, c.multiline()); bad {
			fail(c, m)
			continue
		}
		if c.custom != nil {
			if v == "" {
				continue
			}
			val, err := m.customValue(c.custom, v)
			if err.Key != "" {
				fail(c, err)
				continue
			}
			if row.Custom == nil {
				row.Custom = map[int64]string{}
			}
			row.Custom[c.custom.ID] = val
			continue
		}
		switch c.field {
		case callsheet.FieldPhone:
			p, err := m.phones.Normalize(v)
			if err != nil {
				fail(c, errorMsg(err))
			}
			row.Phone = p
		case callsheet.FieldName:
			row.Name = v
			m.checkLen(c, v, callsheet.MaxNameLength, fail)
		case callsheet.FieldLastName:
			row.LastName = v
			m.checkLen(c, v, callsheet.MaxNameLength, fail)
		case callsheet.FieldEmail:
			row.Email = v
			if v != "" && !callsheet.ValidEmail(v) {
				fail(c, callsheet.Msg("Email %s is not a valid address.", strconv.Quote(v)))
			}
		case callsheet.FieldSource:
			row.Source = v
			m.checkLen(c, v, callsheet.MaxTextLength, fail)
		case callsheet.FieldNote:
			row.Note = v
			m.checkLen(c, v, callsheet.MaxNoteLength, fail)
		case callsheet.FieldExternalID:
			row.ExternalID = v
			m.checkLen(c, v, callsheet.MaxTextLength, fail)
		case callsheet.FieldAgent:
			if v == "" {
				continue
			}
			id, ok := m.target.Agents[v]
			if !ok {
				fail(c, m.unknownAgent(v)...)
			}
			row.AgentID = id
		case callsheet.FieldFollowUpAt, callsheet.FieldCreatedAt:
			if v == "" {
				continue
			}
			t, err := ParseDate(v, m.target.Location)
			if err != nil {
				fail(c, dateMsg(err, c.label()))
				continue
			}
			t = t.UTC()
			if c.field == callsheet.FieldFollowUpAt {
				row.FollowUpAt = &t
			} else {
				row.CreatedAt = &t
			}
		}
	}
	if len(problems) > 0 {
		first := problems[0]
		p := callsheet.RowProblem{Field: first.c.field, Column: first.c.column, Fields: map[string]string{}}
		all := make([]string, 0, len(problems))
		for _, q := range problems {
			msg := joinMsgs(q.msgs)
			all = append(all, msg)
			p.Msgs = append(p.Msgs, q.msgs...)
			if _, ok := p.Fields[q.c.field]; !ok {
				p.Fields[q.c.field] = msg
			}
		}
		p.Message = strings.Join(all, " ")
		row.Problem = &p
	}
	return row
}

// cellProblem is what is wrong with one cell: one sentence or more.
type cellProblem struct {
	c    mappedColumn
	msgs []callsheet.Message
}

// joinMsgs is messages in English, joined by spaces as a problem's
// Message joins them.
func joinMsgs(ms []callsheet.Message) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.String()
	}
	return strings.Join(parts, " ")
}

// errorMsg is the catalogue message of an error the readers and parsers
// return.
func errorMsg(err error) callsheet.Message {
	var pe *PhoneError
	if errors.As(err, &pe) && pe.Msg.Key != "" {
		return pe.Msg
	}
	return callsheet.Msg(err.Error())
}

// dateMsg is a date's problem after the field's label.
func dateMsg(err error, label any) callsheet.Message {
	var de *DateError
	if errors.As(err, &de) {
		return de.Msg(label)
	}
	return callsheet.Msg(err.Error())
}

// RowErrorRow turns a row the reader could not split into an invalid row.
func RowErrorRow(e *RowError) *callsheet.ImportRow {
	return &callsheet.ImportRow{Line: e.Line, Problem: &callsheet.RowProblem{Column: e.Column, Message: e.Message,
		Msgs: []callsheet.Message{e.msg()}}}
}

func (m *RowMapper) checkLen(c mappedColumn, v string, max int, fail func(mappedColumn, ...callsheet.Message)) {
	if utf8.RuneCountInString(v) > max {
		fail(c, callsheet.Msg("%s is longer than %d characters.", c.label(), max))
	}
}

// customValue checks and normalises a custom field's value by its type;
// the message is zero for a good value.
func (m *RowMapper) customValue(f *callsheet.CustomField, v string) (string, callsheet.Message) {
	switch f.Type {
	case callsheet.FieldNumber:
		n := strings.NewReplacer(",", "", " ", "", "\u00a0", "").Replace(v)
		if _, err := strconv.ParseFloat(n, 64); err != nil {
			return "", callsheet.Msg("%s %s is not a number.", f.Label, strconv.Quote(v))
		}
		return n, callsheet.Message{}
	case callsheet.FieldDate:
		t, err := ParseDate(v, m.target.Location)
		if err != nil {
			return "", dateMsg(err, f.Label)
		}
		if t.Hour() == 0 && t.Minute() == 0 {
			return t.Format("2006-01-02"), callsheet.Message{}
		}
		return t.Format("2006-01-02 15:04"), callsheet.Message{}
	}
	if utf8.RuneCountInString(v) > callsheet.MaxTextLength {
		return "", callsheet.Msg("%s is longer than %d characters.", f.Label, callsheet.MaxTextLength)
	}
	return v, callsheet.Message{}
}

// unknownAgent explains an agent name that is not in the system, with the
// closest names that are.
func (m *RowMapper) unknownAgent(name string) []callsheet.Message {
	msgs := []callsheet.Message{callsheet.Msg("Agent %s is not a user of this account (names must match exactly).", strconv.Quote(name))}
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	lower := strings.ToLower(name)
	for _, a := range m.agents {
		d := editDistance(lower, strings.ToLower(a))
		if d <= max(2, utf8.RuneCountInString(name)/2) {
			cs = append(cs, cand{a, d})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	if len(cs) > 3 {
		cs = cs[:3]
	}
	if len(cs) > 0 {
		names := make([]string, len(cs))
		for i, c := range cs {
			names[i] = strconv.Quote(c.name)
		}
		msgs = append(msgs, callsheet.Msg("Closest: %s.", strings.Join(names, ", ")))
	}
	return msgs
}

// editDistance is the Levenshtein distance between two strings, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
