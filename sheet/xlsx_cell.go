package sheet

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// dateLayout is the product's date format, which dates read from a
// workbook are given in so that they parse like dates typed by hand.
const dateLayout = "02-01-2006 15:04"

// formatNumber gives a numeric cell's text. Numbers come out in full,
// without exponent or trailing ".0", so that a phone number stored as
// 9.72521234567E+11 reads 972521234567. A cell whose style shows a date is
// given as a date.
func formatNumber(v string, isDate, date1904 bool) string {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return v
	}
	if isDate {
		if s, ok := excelDate(f, date1904); ok {
			return s
		}
	}
	// Excel keeps 15 significant digits; the binary noise past them (as in
	// 0.30000000000000004) is not part of what the user typed.
	if r, err := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64); err == nil {
		f = r
	}
	if f == 0 {
		return "0"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// Excel's date systems: the 1900 system counts days from 31-12-1899 and
// wrongly takes 1900 for a leap year, as Lotus 1-2-3 did, so serial 60 is
// 29-02-1900 and later serials are off by one; the 1904 system counts days
// from 01-01-1904.
var (
	epoch1900 = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	epoch1904 = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
)

// excelDate turns a date serial into the product's date format. It reports
// false for a serial outside the years Excel can show.
func excelDate(serial float64, date1904 bool) (string, bool) {
	if serial < 0 || serial > 3e6 {
		return "", false
	}
	secs := int64(math.Round(serial * 86400))
	days, sec := int(secs/86400), secs%86400
	clock := time.Date(2000, 1, 1, int(sec/3600), int(sec%3600/60), 0, 0, time.UTC).Format(" 15:04")
	var d time.Time
	switch {
	case date1904:
		d = epoch1904.AddDate(0, 0, days)
	case days == 0:
		// Excel shows serial 0 as the day before 01-01-1900.
		return "00-01-1900" + clock, true
	case days == 60:
		return "29-02-1900" + clock, true
	case days < 60:
		d = epoch1900.AddDate(0, 0, days+1)
	default:
		d = epoch1900.AddDate(0, 0, days)
	}
	if d.Year() > 9999 {
		return "", false
	}
	return d.Format("02-01-2006") + clock, true
}

// isoDate gives a cell of type "d", which holds an ISO 8601 date, in the
// product's date format; text it cannot parse is kept as it is.
func isoDate(v string) string {
	v = strings.TrimSpace(v)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
		if d, err := time.Parse(layout, v); err == nil {
			return d.Format(dateLayout)
		}
	}
	return v
}
