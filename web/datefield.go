package web

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// DateFieldFormat is what a date field of a form shows and asks for: the
// DD-MM-YYYY HH:MM that files and every page use, whatever the browser's
// language. The field is a text input, not a datetime-local one, whose
// display follows the browser's locale (month first in the US).
const DateFieldFormat = "DD-MM-YYYY HH:MM"

// parseDateField reads a form's date and time in loc, the account's zone.
// It takes DD-MM-YYYY with an optional HH:MM (separators -, / or .), which
// is what the field and its picker write, and the unambiguous YYYY-MM-DD
// and YYYY-MM-DDTHH:MM a datetime-local input or an older page sends. It
// never reads a date month first. A date without a time is midnight.
func parseDateField(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) > 40 {
		return time.Time{}, errors.New("is too long to be a date")
	}
	datePart, timePart := s, ""
	if i := strings.IndexAny(s, " T"); i >= 0 {
		datePart, timePart = s[:i], strings.TrimSpace(s[i+1:])
	}
	sep := strings.IndexAny(datePart, "-/.")
	if sep < 0 {
		return time.Time{}, errors.New("must be " + DateFieldFormat)
	}
	parts := strings.Split(datePart, datePart[sep:sep+1])
	if len(parts) != 3 {
		return time.Time{}, errors.New("must be " + DateFieldFormat)
	}
	day, month, year := parts[0], parts[1], parts[2]
	if len(parts[0]) == 4 && datePart[sep] == '-' {
		year, month, day = parts[0], parts[1], parts[2]
	}
	d, okD := fixedDigits(day, 1, 2)
	m, okM := fixedDigits(month, 1, 2)
	y, okY := fixedDigits(year, 4, 4)
	if !okD || !okM || !okY {
		return time.Time{}, errors.New("must be " + DateFieldFormat)
	}
	if m < 1 || m > 12 {
		return time.Time{}, errors.New("has no month " + strconv.Itoa(m) + ": the day comes first (" + DateFieldFormat + ")")
	}
	if d < 1 || d > time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return time.Time{}, errors.New("has no day " + strconv.Itoa(d) + " in " + time.Month(m).String() + " " + strconv.Itoa(y))
	}
	if y < 1900 || y > 2200 {
		return time.Time{}, errors.New("has a year out of range")
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
			return time.Time{}, errors.New("has a time that is not HH:MM")
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
