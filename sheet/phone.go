package sheet

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/callsheet/callsheet"
)

// PhoneNormalizer turns phone numbers as people write them into E.164. A
// number is valid when the numbering plan's metadata says so for its
// country (libphonenumber's IsValidNumber), not merely when it has the
// right number of digits.
//
// Parsing with the library costs about 12 µs a number; files hold a million.
// So clean numbers take a fast path: separators are stripped by hand, the
// country code and national prefix are split off by hand, and validity is
// looked up by the first digits of the national number and its length,
// asking the library once per such key. That is exact only for countries
// whose numbering-plan patterns are decided by those first digits; those
// are listed in fastRegions, and a test compares the fast path with the
// library over every prefix. Anything else goes to the library.
type PhoneNormalizer struct {
	// Region is the account's country, for numbers without a country code.
	Region string
	// International means numbers carry a country code even without "+".
	International bool

	regionCC int
	fast     *fastRegion
	cache    map[uint64]bool
}

// fastRegion describes a country whose validity the fast path can decide.
type fastRegion struct {
	cc             int
	nationalPrefix byte // the trunk prefix dialled before national numbers
	prefixDigits   int  // how many leading digits of the national number decide validity
	// slowPrefixes are national ways of writing that the library reads
	// otherwise: in Israel 01x is also an international access code.
	slowPrefixes []string
}

// fastRegions are the countries verified against the library, by country
// calling code. See TestFastPathAgreesWithLibrary.
var fastRegions = map[int]*fastRegion{
	972: {cc: 972, nationalPrefix: '0', prefixDigits: 5, slowPrefixes: []string{"01"}}, // Israel
}

// NewPhoneNormalizer returns a normaliser for the account's region.
func NewPhoneNormalizer(region string, international bool) *PhoneNormalizer {
	cc := phonenumbers.GetCountryCodeForRegion(region)
	return &PhoneNormalizer{Region: region, International: international, regionCC: cc, fast: fastRegions[cc], cache: map[uint64]bool{}}
}

// PhoneError says why a phone number was refused.
type PhoneError struct {
	Message string
	// Msg is Message as a catalogue message, for the user's language.
	Msg callsheet.Message
}

// phoneError returns a PhoneError whose message is the catalogue key
// format with args.
func phoneError(format string, args ...any) *PhoneError {
	m := callsheet.Msg(format, args...)
	return &PhoneError{Message: m.String(), Msg: m}
}

// Error returns the message, written for a user.
func (e *PhoneError) Error() string { return e.Message }

// maxE164Digits is how many digits E.164 allows, country code included.
// libphonenumber's metadata calls some longer numbers valid (German ones
// of 14 national digits), which no E.164 system can store or dial.
const maxE164Digits = 15

// Normalize returns the number in E.164, or a *PhoneError.
func (p *PhoneNormalizer) Normalize(raw string) (string, error) {
	e164, err := p.normalize(raw)
	if err == nil && len(e164)-1 > maxE164Digits {
		return "", phoneError("Phone %s has more digits than an international number can have (15 with the country code).", strconv.Quote(strings.TrimSpace(raw)))
	}
	return e164, err
}

func (p *PhoneNormalizer) normalize(raw string) (string, error) {
	digits, plus, ok := cleanPhone(raw)
	if !ok {
		return p.slow(raw)
	}
	if digits == "" {
		if strings.TrimSpace(raw) == "" {
			return "", phoneError("Phone is empty.")
		}
		return "", phoneError("Phone %s has no digits.", strconv.Quote(strings.TrimSpace(raw)))
	}
	international := plus || p.International
	if !plus && strings.HasPrefix(digits, "00") {
		digits, international = digits[2:], true
	}
	if international {
		if e164, ok := p.fastInternational(digits); ok {
			return e164, nil
		}
		return p.slow(raw)
	}
	if e164, ok := p.fastNational(digits); ok {
		return e164, nil
	}
	return p.slow(raw)
}

// cleanPhone strips the separators people write in numbers. It reports
// false for anything else (letters, extensions), which the library handles.
func cleanPhone(raw string) (digits string, plus bool, ok bool) {
	var buf [24]byte
	n := 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(buf) {
				return "", false, false
			}
			buf[n] = c
			n++
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/' || c == '\t':
		case c == '+' && n == 0 && !plus:
			plus = true
		case c >= 0x80:
			// Invisible direction marks and no-break spaces that spreadsheets
			// put around numbers in right-to-left text.
			r, size := utf8.DecodeRuneInString(raw[i:])
			if r != 0x200E && r != 0x200F && r != 0x00A0 && r != 0x202A && r != 0x202B && r != 0x202C && r != 0x202D && r != 0x202E && r != 0x2066 && r != 0x2067 && r != 0x2068 && r != 0x2069 && r != 0xFEFF && r != 0x2007 && r != 0x202F {
				return "", false, false
			}
			i += size - 1
		default:
			return "", false, false
		}
	}
	return string(buf[:n]), plus, true
}

// fastNational handles a national number of the account's region: with
// its trunk prefix (052-...), without it (Excel drops leading zeros:
// 521234567), or with the country code but no "+" (Excel drops that too:
// 972521234567).
func (p *PhoneNormalizer) fastNational(digits string) (string, bool) {
	f := p.fast
	if f == nil {
		return "", false
	}
	for _, sp := range f.slowPrefixes {
		if strings.HasPrefix(digits, sp) {
			return "", false
		}
	}
	nsn := digits
	if nsn[0] == f.nationalPrefix {
		nsn = nsn[1:]
		if nsn == "" || nsn[0] == f.nationalPrefix {
			return "", false
		}
		if p.validFast(f, nsn) {
			return "+" + strconv.Itoa(f.cc) + nsn, true
		}
		return "", false
	}
	if p.validFast(f, nsn) {
		return "+" + strconv.Itoa(f.cc) + nsn, true
	}
	if strings.HasPrefix(digits, strconv.Itoa(f.cc)) {
		return p.fastInternational(digits)
	}
	return "", false
}

// fastInternational handles digits that start with a country code.
func (p *PhoneNormalizer) fastInternational(digits string) (string, bool) {
	for l := 1; l <= 3 && l < len(digits); l++ {
		cc, _ := strconv.Atoi(digits[:l])
		f := fastRegions[cc]
		if f == nil {
			continue
		}
		nsn := digits[l:]
		if nsn == "" || nsn[0] == '0' {
			return "", false
		}
		if p.validFast(f, nsn) {
			return "+" + digits, true
		}
		return "", false
	}
	return "", false
}

// validFast looks validity up by the national number's first digits and
// its length, asking the library once per such key.
func (p *PhoneNormalizer) validFast(f *fastRegion, nsn string) bool {
	if len(nsn) < f.prefixDigits || len(nsn) > 17 {
		return validNSN(f.cc, nsn)
	}
	pre, _ := strconv.ParseUint(nsn[:f.prefixDigits], 10, 64)
	key := uint64(f.cc)<<48 | uint64(len(nsn))<<40 | pre
	if v, ok := p.cache[key]; ok {
		return v
	}
	v := validNSN(f.cc, nsn)
	p.cache[key] = v
	return v
}

// validNSN asks the library whether a national significant number is valid
// in the country.
func validNSN(cc int, nsn string) bool {
	n, err := strconv.ParseUint(nsn, 10, 64)
	if err != nil {
		return false
	}
	c := int32(cc)
	return phonenumbers.IsValidNumber(&phonenumbers.PhoneNumber{CountryCode: &c, NationalNumber: &n})
}

// slow parses with the library, for numbers the fast path does not cover.
func (p *PhoneNormalizer) slow(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", phoneError("Phone is empty.")
	}
	digits, plus, clean := cleanPhone(s)
	region := p.Region
	if clean && !plus {
		if strings.HasPrefix(digits, "00") {
			s = "+" + digits[2:]
		} else if p.International {
			s = "+" + digits
		}
	}
	num, err := phonenumbers.Parse(s, region)
	if err == nil && phonenumbers.IsValidNumber(num) {
		return phonenumbers.Format(num, phonenumbers.E164), nil
	}
	if !plus && !p.International && clean && p.regionCC != 0 && strings.HasPrefix(digits, strconv.Itoa(p.regionCC)) {
		if num, err := phonenumbers.Parse("+"+digits, region); err == nil && phonenumbers.IsValidNumber(num) {
			return phonenumbers.Format(num, phonenumbers.E164), nil
		}
	}
	return "", p.invalid(s, digits, plus || (clean && p.International))
}

func (p *PhoneNormalizer) invalid(s, digits string, international bool) error {
	q := strconv.Quote(s)
	if international {
		return phoneError("Phone %s is not a valid international number (country code, then the number).", q)
	}
	// A hint only when reading it as international would have worked.
	if digits != "" && digits[0] != '0' {
		if num, err := phonenumbers.Parse("+"+digits, "ZZ"); err == nil && phonenumbers.IsValidNumber(num) {
			return phoneError("Phone %s is not a valid number for %s; it looks international: write it with + or tick International format.", q, p.Region)
		}
	}
	return phoneError("Phone %s is not a valid number for %s (the numbering plan has no such number).", q, p.Region)
}
