package sheet

import (
	"strconv"
	"strings"
	"time"

	"github.com/callsheet/callsheet"
)

// DateFormat is how customer files write dates, as the help article asks:
// day first, then month and year, then the time.
const DateFormat = "DD-MM-YYYY HH:MM"

// DateError says why a date was refused.
type DateError struct {
	Message string
	value   string            // the date, quoted
	why     callsheet.Message // what is wrong with it, if more is known
}

// Error returns the message, written for a user.
func (e *DateError) Error() string { return e.Message }

// Msg is the message after the label of the field (a name, or a Message
// to translate) as a catalogue message: label, then Message.
func (e *DateError) Msg(label any) callsheet.Message {
	if e.why.Key == "" {
		return callsheet.Msg("%s %s is not a date in the format DD-MM-YYYY HH:MM.", label, e.value)
	}
	return callsheet.Msg("%s %s is not a date in the format DD-MM-YYYY HH:MM (%s).", label, e.value, e.why)
}

// ParseDate reads a file date in loc. It accepts DD-MM-YYYY, DD/MM/YYYY and
// DD.MM.YYYY, each with an optional HH:MM or HH:MM:SS, and the unambiguous
// YYYY-MM-DD (with an optional time, or ISO 8601 "T"). It never reads a
// date month-first: 12/25/2026 is an error, not Christmas.
func ParseDate(s string, loc *time.Location) (time.Time, error) {
	raw := s
	s = strings.TrimSpace(s)
	fail := func(why callsheet.Message) (time.Time, error) {
		e := &DateError{value: strconv.Quote(strings.TrimSpace(raw)), why: why}
		// The message is the one after a label, without the label.
		e.Message = strings.TrimPrefix(e.Msg("").String(), " ")
		return time.Time{}, e
	}
	none := callsheet.Message{}
	if s == "" {
		return fail(callsheet.Msg("it is empty"))
	}
	datePart, timePart := s, ""
	if i := strings.IndexAny(s, " T"); i >= 0 {
		datePart, timePart = s[:i], strings.TrimSpace(s[i+1:])
	}
	var sep byte
	for _, c := range []byte{'-', '/', '.'} {
		if strings.IndexByte(datePart, c) >= 0 {
			sep = c
			break
		}
	}
	if sep == 0 {
		return fail(none)
	}
	parts := strings.Split(datePart, string(sep))
	if len(parts) != 3 {
		return fail(none)
	}
	var day, month, year int
	var ok1, ok2, ok3 bool
	if len(parts[0]) == 4 && sep == '-' { // YYYY-MM-DD
		year, ok1 = atoiN(parts[0], 4, 4)
		month, ok2 = atoiN(parts[1], 1, 2)
		day, ok3 = atoiN(parts[2], 1, 2)
	} else {
		day, ok1 = atoiN(parts[0], 1, 2)
		month, ok2 = atoiN(parts[1], 1, 2)
		year, ok3 = atoiN(parts[2], 4, 4)
		if !ok3 && len(parts[2]) == 2 {
			return fail(callsheet.Msg("the year needs four digits"))
		}
	}
	if !ok1 || !ok2 || !ok3 {
		return fail(none)
	}
	if month < 1 || month > 12 {
		return fail(callsheet.Msg("month %d does not exist; the day comes first", month))
	}
	if day < 1 || day > daysIn(month, year) {
		return fail(callsheet.Msg("day %d does not exist in %s %s", day, callsheet.Msg(time.Month(month).String()), strconv.Itoa(year)))
	}
	if year < 1900 || year > 2200 {
		return fail(callsheet.Msg("year %s is out of range", strconv.Itoa(year)))
	}
	hour, min, sec := 0, 0, 0
	if timePart != "" {
		// An offset such as Z or +02:00 after an ISO time is not supported;
		// dates are read in the account's time zone.
		tp := strings.Split(timePart, ":")
		if len(tp) < 2 || len(tp) > 3 {
			return fail(callsheet.Msg("the time must be HH:MM"))
		}
		var ok bool
		if hour, ok = atoiN(tp[0], 1, 2); !ok || hour > 23 {
			return fail(callsheet.Msg("the time must be HH:MM"))
		}
		if min, ok = atoiN(tp[1], 2, 2); !ok || min > 59 {
			return fail(callsheet.Msg("the time must be HH:MM"))
		}
		if len(tp) == 3 {
			if sec, ok = atoiN(tp[2], 2, 2); !ok || sec > 59 {
				return fail(callsheet.Msg("the time must be HH:MM"))
			}
		}
	}
	return time.Date(year, time.Month(month), day, hour, min, sec, 0, loc), nil
}

// atoiN reads an unsigned number of min to max digits.
func atoiN(s string, min, max int) (int, bool) {
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

func daysIn(month, year int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
