package web

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// displayPhone shows a stored E.164 phone as people write it: a number of
// the account's own country in its national form (052-367-6050 in IL), any
// other in international form (+1 212-555-0100). The API and the jsonl
// export keep E.164; pages and the interface's CSV export show this. A
// value that is not a phone number is returned as it is.
func displayPhone(e164, country string) string {
	if !strings.HasPrefix(e164, "+") {
		return e164
	}
	num, err := phonenumbers.Parse(e164, "ZZ")
	if err != nil || !phonenumbers.IsPossibleNumber(num) {
		return e164
	}
	if country != "" && phonenumbers.GetRegionCodeForNumber(num) == strings.ToUpper(country) {
		return phonenumbers.Format(num, phonenumbers.NATIONAL)
	}
	return phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
}
