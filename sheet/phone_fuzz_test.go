package sheet_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/callsheet/callsheet/sheet"
	"github.com/nyaruka/phonenumbers"
)

// e164 is the shape of an E.164 number: a plus, then at most 15 digits.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// FuzzNormalizePhone checks the phone normaliser against libphonenumber.
// What it returns is E.164, valid for the library, and normalises to
// itself; where the library alone reads a number as valid, the normaliser
// returns the same number, unless it is longer than E.164 allows; and the fast path's cache, warmed by one number,
// does not change the answer for the next.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{
		"052-234-5678", "0522345678", "522345678", "03-612-3456", "(052) 234 5678",
		"+1 212 555 0100", "00972-52-234-5678", "972522345678", "\u200e052-234-5678\u200f",
		"052\u00a0234\u00a05678", "1 212 555 0100", "+44 20 7946 0958", "(212) 555-0100",
		"050-1234567", "052-1234567", "054-0234567", "057-2345678", "052-123", "052-123-45678",
		"call me", "  ", "+999 123 4567", "1-800-FLOWERS", "052-2345678 ext. 12", "+972 (0) 52-234-5678",
		"012-345-6789", "0152345678", "1700-50-50-50", "*6000", "020 7946 0958", "030 123456",
		"01 42 68 53 00", "9.72522345678E+11", "+9725223456789012345678",
	} {
		for mode := range uint8(16) {
			f.Add(s, "0522345679", mode)
		}
	}
	regions := []string{"IL", "US", "GB", "DE", "FR"}
	f.Fuzz(func(t *testing.T, a, b string, mode uint8) {
		region := regions[int(mode)%len(regions)]
		international := mode/8%2 == 1
		n := sheet.NewPhoneNormalizer(region, international)
		for _, raw := range []string{a, b} {
			got, err := n.Normalize(raw)
			fresh, freshErr := sheet.NewPhoneNormalizer(region, international).Normalize(raw)
			if got != fresh || (err == nil) != (freshErr == nil) {
				t.Fatalf("%s: Normalize(%q) = %q, %v after %q but %q, %v alone", region, raw, got, err, a, fresh, freshErr)
			}
			if err != nil {
				var pe *sheet.PhoneError
				if !errors.As(err, &pe) || !strings.HasPrefix(pe.Message, "Phone") {
					t.Fatalf("%s: Normalize(%q) error %v: want a *PhoneError that starts with Phone", region, raw, err)
				}
			} else {
				if !e164.MatchString(got) {
					t.Fatalf("%s: Normalize(%q) = %q, not E.164", region, raw, got)
				}
				num, perr := phonenumbers.Parse(got, "ZZ")
				if perr != nil || !phonenumbers.IsValidNumber(num) || phonenumbers.Format(num, phonenumbers.E164) != got {
					t.Fatalf("%s: Normalize(%q) = %q, which the library does not read as valid", region, raw, got)
				}
				for _, other := range []*sheet.PhoneNormalizer{n, sheet.NewPhoneNormalizer("US", !international)} {
					if again, err := other.Normalize(got); again != got || err != nil {
						t.Fatalf("Normalize(%q) = %q, %v: not idempotent", got, again, err)
					}
				}
			}
			// The library's own reading, where the normaliser means to
			// agree with it: not where "International format" adds a
			// plus, and not where 00 is read as an international prefix
			// in a country that dials another.
			if international && !startsWithPlus(raw) || startsWith00(raw) {
				continue
			}
			// The normaliser reads the text without the spaces around it,
			// as the library should: the library reads "0XX10X0" (an
			// extension X0) otherwise than "0XX10X0 " (all letters).
			num, perr := phonenumbers.Parse(strings.TrimSpace(raw), region)
			if perr != nil || !phonenumbers.IsValidNumber(num) {
				continue
			}
			// The library accepts some numbers longer than E.164 allows,
			// which the normaliser refuses.
			want := phonenumbers.Format(num, phonenumbers.E164)
			if len(want) > 16 {
				want = ""
			}
			if got != want {
				t.Fatalf("%s: Normalize(%q) = %q, %v; the library reads %q", region, raw, got, err, want)
			}
		}
	})
}

// startsWithPlus reports whether a plus comes before the first digit.
func startsWithPlus(s string) bool {
	i := strings.IndexAny(s, "+0123456789")
	return i >= 0 && s[i] == '+'
}

// startsWith00 reports whether the first two digits are 00 with no plus
// before them.
func startsWith00(s string) bool {
	var digits []byte
	for i := 0; i < len(s) && len(digits) < 2; i++ {
		switch c := s[i]; {
		case c == '+' && len(digits) == 0:
			return false
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		}
	}
	return string(digits) == "00"
}
