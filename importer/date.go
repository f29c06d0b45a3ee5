package importer

import (
	"strconv"
	"strings"
	"time"
)

// DateFormat is how customer files write dates, as the help article asks:
// day first, then month and year, then the time.
const DateFormat = "DD-MM-YYYY HH:MM"

// DateError says why a date was refused.
type DateError struct{ Message string }

// Error returns the message, written for a user.
func (e *DateError) Error() string { return e.Message }

// ParseDate reads a file date in loc. It accepts DD-MM-YYYY, DD/MM/YYYY and
// DD.MM.YYYY, each with an optional HH:MM or HH:MM:SS, and the unambiguous
// YYYY-MM-DD (with an optional time, or ISO 8601 "T"). It never reads a
// date month-first: 12/25/2026 is an error, not Christmas.
func ParseDate(s string, loc *time.Location) (time.Time, error) {
	raw := s
	s = strings.TrimSpace(s)
	fail := func(why string) (time.Time, error) {
		msg := strconv.Quote(strings.TrimSpace(raw)) + " is not a date in the format " + DateFormat
		if why != "" {
			msg += " (" + why + ")"
		}
		return time.Time{}, &DateError{msg + "."}
	}
	if s == "" {
		return fail("it is empty")
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
		return fail("")
	}
	parts := strings.Split(datePart, string(sep))
	if len(parts) != 3 {
		return fail("")
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
			return fail("the year needs four digits")
		}
	}
	if !ok1 || !ok2 || !ok3 {
		return fail("")
	}
	if month < 1 || month > 12 {
		return fail("month " + strconv.Itoa(month) + " does not exist; the day comes first")
	}
	if day < 1 || day > daysIn(month, year) {
		return fail("day " + strconv.Itoa(day) + " does not exist in " + time.Month(month).String() + " " + strconv.Itoa(year))
	}
	if year < 1900 || year > 2200 {
		return fail("year " + strconv.Itoa(year) + " is out of range")
	}
	hour, min, sec := 0, 0, 0
	if timePart != "" {
		// An offset such as Z or +02:00 after an ISO time is not supported;
		// dates are read in the account's time zone.
		tp := strings.Split(timePart, ":")
		if len(tp) < 2 || len(tp) > 3 {
			return fail("the time must be HH:MM")
		}
		var ok bool
		if hour, ok = atoiN(tp[0], 1, 2); !ok || hour > 23 {
			return fail("the time must be HH:MM")
		}
		if min, ok = atoiN(tp[1], 2, 2); !ok || min > 59 {
			return fail("the time must be HH:MM")
		}
		if len(tp) == 3 {
			if sec, ok = atoiN(tp[2], 2, 2); !ok || sec > 59 {
				return fail("the time must be HH:MM")
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
