package importer

import (
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

// label is the field's name for messages.
func (c mappedColumn) label() string {
	if c.custom != nil {
		return c.custom.Label
	}
	return callsheet.SystemFieldLabels[c.field]
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
	sort.Slice(fields, func(i, j int) bool { return fieldOrder(fields[i]) < fieldOrder(fields[j]) })
	for _, field := range fields {
		column := mapping[field]
		if column == "" {
			continue
		}
		i, ok := index[column]
		if !ok {
			return nil, mappingError("Column %q is not in the file; its columns are: %s.", column, strings.Join(header, ", "))
		}
		mc := mappedColumn{field: field, column: column, index: i}
		if !callsheet.IsSystemField(field) {
			if mc.custom = customs[field]; mc.custom == nil {
				return nil, mappingError("There is no field %q to match column %q to.", field, column)
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
	return e
}

// fieldOrder keeps problems in the order of the form: system fields first.
func fieldOrder(f string) int {
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
	var problems []callsheet.RowProblem
	fail := func(c mappedColumn, msg string) {
		problems = append(problems, callsheet.RowProblem{Field: c.field, Column: c.column, Message: msg})
	}
	for _, c := range m.cols {
		v := strings.TrimSpace(rec.Fields[c.index])
		// Control characters and broken UTF-8 make the row invalid, the
		// same on every engine (see callsheet.TextProblem).
		if p := callsheet.TextProblem(v, c.multiline()); p != "" {
			fail(c, c.label()+" "+p)
			continue
		}
		if c.custom != nil {
			if v == "" {
				continue
			}
			val, err := m.customValue(c.custom, v)
			if err != "" {
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
				fail(c, err.Error())
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
				fail(c, "Email "+strconv.Quote(v)+" is not a valid address.")
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
				fail(c, m.unknownAgent(v))
			}
			row.AgentID = id
		case callsheet.FieldFollowUpAt, callsheet.FieldCreatedAt:
			if v == "" {
				continue
			}
			t, err := ParseDate(v, m.target.Location)
			if err != nil {
				fail(c, callsheet.SystemFieldLabels[c.field]+" "+err.Error())
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
		p := problems[0]
		p.Fields = map[string]string{}
		for i, q := range problems {
			if i > 0 {
				p.Message += " " + q.Message
			}
			if _, ok := p.Fields[q.Field]; !ok {
				p.Fields[q.Field] = q.Message
			}
		}
		row.Problem = &p
	}
	return row
}

// RowErrorRow turns a row the reader could not split into an invalid row.
func RowErrorRow(e *RowError) *callsheet.ImportRow {
	return &callsheet.ImportRow{Line: e.Line, Problem: &callsheet.RowProblem{Column: e.Column, Message: e.Message}}
}

func (m *RowMapper) checkLen(c mappedColumn, v string, max int, fail func(mappedColumn, string)) {
	if utf8.RuneCountInString(v) > max {
		fail(c, callsheet.SystemFieldLabels[c.field]+" is longer than "+strconv.Itoa(max)+" characters.")
	}
}

// customValue checks and normalises a custom field's value by its type.
func (m *RowMapper) customValue(f *callsheet.CustomField, v string) (string, string) {
	switch f.Type {
	case callsheet.FieldNumber:
		n := strings.NewReplacer(",", "", " ", "", "\u00a0", "").Replace(v)
		if _, err := strconv.ParseFloat(n, 64); err != nil {
			return "", f.Label + " " + strconv.Quote(v) + " is not a number."
		}
		return n, ""
	case callsheet.FieldDate:
		t, err := ParseDate(v, m.target.Location)
		if err != nil {
			return "", f.Label + " " + err.Error()
		}
		if t.Hour() == 0 && t.Minute() == 0 {
			return t.Format("2006-01-02"), ""
		}
		return t.Format("2006-01-02 15:04"), ""
	}
	if utf8.RuneCountInString(v) > callsheet.MaxTextLength {
		return "", f.Label + " is longer than " + strconv.Itoa(callsheet.MaxTextLength) + " characters."
	}
	return v, ""
}

// unknownAgent explains an agent name that is not in the system, with the
// closest names that are.
func (m *RowMapper) unknownAgent(name string) string {
	msg := "Agent " + strconv.Quote(name) + " is not a user of this account (names must match exactly)."
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
		msg += " Closest: " + strings.Join(names, ", ") + "."
	}
	return msg
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
