package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/callsheet/callsheet"
)

// DateFieldFormat is what a date field of a form shows and asks for: the
// DD-MM-YYYY HH:MM that files and every page use, whatever the browser's
// language. The field is a text input, not a datetime-local one, whose
// display follows the browser's locale (month first in the US).
const DateFieldFormat = "DD-MM-YYYY HH:MM"

// DateOnlyFormat is the same for a date without a time.
const DateOnlyFormat = "DD-MM-YYYY"

// dateField is a date input as the "datefield" template draws it: a text
// input that shows and takes DD-MM-YYYY HH:MM (or DD-MM-YYYY), with a
// picker from datefield.js that reads today in the account's zone (TZ).
type dateField struct {
	ID, Name, Value string
	Time            bool   // a date and time, or a date alone
	TZ              string // the account's zone
	Hint            string // the id of the field's hint, if any
}

// Format is the format the field asks for, as its placeholder shows it.
func (f dateField) Format() string {
	if f.Time {
		return DateFieldFormat
	}
	return DateOnlyFormat
}

// Example is a date written as the field takes it.
func (f dateField) Example() string {
	if f.Time {
		return "25-12-2026 14:30"
	}
	return "25-12-2026"
}

// DateTimeField is a date and time field of the page's form, named name
// (and with that id), holding value, described by the hint of that id.
func (p *page) DateTimeField(name, value, hint string) dateField {
	return dateField{ID: name, Name: name, Value: value, Time: true, TZ: p.dateFieldZone(), Hint: hint}
}

// DateField is a field for a date without a time.
func (p *page) DateField(name, value string) dateField {
	return dateField{ID: name, Name: name, Value: value, TZ: p.dateFieldZone()}
}

func (p *page) dateFieldZone() string {
	if acc := p.Account(); acc != nil {
		return acc.TimeZone
	}
	return ""
}

// dateFieldError says why a form's date was refused. Its message's first
// argument is the field's label and its last an example of a date, which
// dateFieldMsg fills in.
type dateFieldError struct{ msg callsheet.Message }

func (e *dateFieldError) Error() string {
	return dateFieldMsg("Date", e, time.UTC).String()
}

// dateFieldMsg is the message of a date field's error, naming the field
// by its label (a catalogue key) and giving an example of today in loc.
func dateFieldMsg(label string, err error, loc *time.Location) callsheet.Message {
	e, ok := err.(*dateFieldError)
	if !ok {
		return callsheet.ErrorMsg(err)
	}
	args := append([]any(nil), e.msg.Args...)
	args[0] = callsheet.Msg(label)
	args[len(args)-1] = time.Now().In(loc).Format(DateTimeLayout)
	return callsheet.Message{Key: e.msg.Key, Args: args}
}

// numeral is a number shown as it is written, a year, without the
// thousands separator a count gets, and not isolated as a name is.
type numeral string

// refuseDate is a dateFieldError; the label and the example are left for
// dateFieldMsg.
func refuseDate(m callsheet.Message) error { return &dateFieldError{m} }

// monthKeys are the months' names, as catalogue keys.
var monthKeys = [...]string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}

// parseDateField reads a form's date and time in loc, the account's zone.
// It takes DD-MM-YYYY with an optional HH:MM (separators -, / or .), which
// is what the field and its picker write, and the unambiguous YYYY-MM-DD
// and YYYY-MM-DDTHH:MM a datetime-local input or an older page sends. It
// never reads a date month first. A date without a time is midnight.
func parseDateField(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) > 40 {
		return time.Time{}, refuseDate(callsheet.Msg("%s is too long to be a date, like %s.", "", ""))
	}
	notFormat := refuseDate(callsheet.Msg("%s must be DD-MM-YYYY HH:MM, like %s.", "", ""))
	datePart, timePart := s, ""
	if i := strings.IndexAny(s, " T"); i >= 0 {
		datePart, timePart = s[:i], strings.TrimSpace(s[i+1:])
	}
	sep := strings.IndexAny(datePart, "-/.")
	if sep < 0 {
		return time.Time{}, notFormat
	}
	parts := strings.Split(datePart, datePart[sep:sep+1])
	if len(parts) != 3 {
		return time.Time{}, notFormat
	}
	day, month, year := parts[0], parts[1], parts[2]
	if len(parts[0]) == 4 && datePart[sep] == '-' {
		year, month, day = parts[0], parts[1], parts[2]
	}
	d, okD := fixedDigits(day, 1, 2)
	m, okM := fixedDigits(month, 1, 2)
	y, okY := fixedDigits(year, 4, 4)
	if !okD || !okM || !okY {
		return time.Time{}, notFormat
	}
	if m < 1 || m > 12 {
		return time.Time{}, refuseDate(callsheet.Msg("%s has no month %d: the day comes first (DD-MM-YYYY HH:MM), like %s.", "", m, ""))
	}
	if d < 1 || d > time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return time.Time{}, refuseDate(callsheet.Msg("%s has no day %d in %s %s, like %s.", "", d, callsheet.Msg(monthKeys[m-1]), numeral(strconv.Itoa(y)), ""))
	}
	if y < 1900 || y > 2200 {
		return time.Time{}, refuseDate(callsheet.Msg("%s has a year out of range, like %s.", "", ""))
	}
	hh, mm := 0, 0
	if timePart != "" {
		hm := strings.Split(timePart, ":")
		var okH, okMin bool
		if len(hm) == 2 {
			hh, okH = fixedDigits(hm[0], 1, 2)
			mm, okMin = fixedDigits(hm[1], 2, 2)
		}
		if !okH || !okMin || hh > 23 || mm > 59 {
			return time.Time{}, refuseDate(callsheet.Msg("%s has a time that is not HH:MM, like %s.", "", ""))
		}
	}
	return time.Date(y, time.Month(m), d, hh, mm, 0, 0, loc), nil
}

// fixedDigits reads min to max decimal digits.
func fixedDigits(s string, min, max int) (int, bool) {
	if len(s) < min || len(s) > max {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}
